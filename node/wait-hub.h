// wait-hub.h — waitAsync on the native backend: a few shared threads that
// sleep in the kernel on behalf of every pending asynchronous wait of the
// process, and settle each wait's Promise on its own JS thread.
//
//   JS thread (any env)            hub thread k (k < kMaxThreads)
//   ------------------------       ------------------------------------------
//   view.waitAsync(...)  --add-->  sleeps on [control_k, w1 .. w127] with
//     Promise (pending)            mm_word_wait_any (futex_waitv): a notify on
//                                  wi wakes it; it settles wi 'ok' (and any
//                                  word whose value changed), the timed-out
//                                  ones 'timed-out', and sleeps again
//   Promise settles  <--tsfn----   napi_call_threadsafe_function
//
// Limits: kMaxThreads threads of WordsPerThread() words each (4 x 127 = 508
// waits sleep in the kernel at once on Linux, 4 x 63 = 252 on Windows; a
// notify counts them like any waiter).
// When several words of one thread's set are notified in the same instant,
// futex_waitv reports one of them: the others are settled as soon as the
// thread sees their words changed (the usual protocol stores, then
// notifies), else by a later notify, although the first notify counted them.
// Waits beyond that, and all waits where the platform has no multi-word wait
// (macOS; Linux before 5.16), go to one more thread that polls their words:
// it settles a wait 'ok' once its word no longer holds the expected value,
// looking again after 50 µs, doubling up to 5 ms while nothing changes.
// Those waits are not counted by notify, and a notify that leaves the word
// unchanged does not settle them. So the threads are bounded (5), whatever
// the number of waits.
//
// Once the first thread starts, the addon's library is pinned in the process
// (never unloaded): Node unloads an addon with the last environment that
// loaded it (a worker), and the threads run its code until the process ends.
//
// A pending wait keeps its view's ArrayBuffer alive (the pages stay mapped),
// keeps its JS thread's event loop alive (as a pending socket read does),
// and ends with ECLOSED when its view is closed.
#ifndef MEMMAP_WAIT_HUB_H
#define MEMMAP_WAIT_HUB_H

#include <napi.h>

#include <cstdint>

extern "C" {
#include "mm/sync.h"
}

namespace memmap {

// Identifies the view a wait belongs to, for cancelling its waits when it closes.
using WaitOwner = const void*;

// Builds the JS error of a core code (the addon's one error factory).
using MakeError = napi_value (*)(Napi::Env env, int code);

// Starts an asynchronous wait on `word` (made from the view `owner` on this
// thread) while it holds `expected`, for at most timeout_ns (< 0: forever).
// `keep` (the view's ArrayBuffer) stays referenced until the wait settles.
// Returns a Promise of an mm_wait_result, rejected with make_error(code) on
// a core error.
Napi::Value WaitAsync(Napi::Env env, WaitOwner owner, const mm_word& word, int32_t expected,
                      int64_t timeout_ns, Napi::Object keep, MakeError make_error);

// Settles every pending wait of the view `owner` with MM_ECLOSED (its JS
// thread, before the view unmaps). Waits already settled by a hub thread
// keep their results.
void CancelWaits(Napi::Env env, WaitOwner owner);

// Drops every pending wait of `env` without settling it (its environment is
// being torn down): the hub looks at none of their words any more.
void DropWaits(napi_env env);

}  // namespace memmap

#endif  // MEMMAP_WAIT_HUB_H
