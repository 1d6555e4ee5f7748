// wait-hub.cc — the threads behind waitAsync on the native backend (see wait-hub.h).
//
// Ownership: a Wait is made on its JS thread and lives in exactly one hub
// thread's list until it is settled or cancelled, always under the hub's
// mutex. A hub thread reads a Wait's word only while the Wait is in its list
// (so its view is open: closing a view cancels its waits under the same
// mutex first). Settling removes it and hands it to its env's threadsafe
// function; the JS thread then settles the Promise and frees it. Cancelling
// (view closed) removes it and settles it on the spot. An env that shuts
// down drops its waits and releases its threadsafe function, which frees
// any Wait still queued (call_js with a null env).
#include "wait-hub.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

extern "C" {
#include "mm/errors.h"
}

namespace memmap {
namespace {

constexpr int kMaxThreads = 4;
constexpr int kPollThread = kMaxThreads;
constexpr int64_t kPollFirstNs = 50'000;
constexpr int64_t kPollMaxNs = 5'000'000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct EnvWaits;

struct Wait {
  mm_word word;
  int32_t expected;
  int64_t deadline;  // steady-clock ns; -1: none
  WaitOwner owner;
  EnvWaits* env;
  int result = 0;
  // Touched on the JS thread only.
  napi_deferred deferred = nullptr;
  napi_ref keep = nullptr;
  MakeError make_error = nullptr;
};

struct EnvWaits {
  napi_env env;
  napi_threadsafe_function tsfn = nullptr;
  size_t pending = 0;  // JS thread only: the tsfn is ref'd while > 0
};

struct HubThread {
  std::vector<Wait*> waits;
  volatile int32_t control = 0;  // bumped and woken when the list changes
  bool started = false;
};

struct Hub {
  std::mutex mu;
  HubThread threads[kMaxThreads + 1];
  int multi = -1;  // 1: the platform waits on several words; 0: it does not (poll); -1: not probed
  std::unordered_map<napi_env, EnvWaits*> envs;
};

// Never destroyed: hub threads sleep in it until the process exits. Made by the first wait.
std::atomic<Hub*> the_hub{nullptr};
std::mutex hub_making;

Hub& TheHub() {
  Hub* hub = the_hub.load(std::memory_order_acquire);
  if (hub == nullptr) {
    std::lock_guard<std::mutex> lock(hub_making);
    hub = the_hub.load(std::memory_order_acquire);
    if (hub == nullptr) {
      hub = new Hub();
      the_hub.store(hub, std::memory_order_release);
    }
  }
  return *hub;
}

// The hub if a wait ever made it, else nullptr (cancelling and dropping need none).
Hub* HubIfAny() { return the_hub.load(std::memory_order_acquire); }

void Poke(HubThread& t) {
  int os_errno;
  mm_word control;
  mm_word_local(&t.control, &control);
  __atomic_add_fetch(&t.control, 1, __ATOMIC_SEQ_CST);
  mm_word_wake(&control, 1, &os_errno);
}

// Under the mutex: takes `w` out of `t` and hands it to its JS thread with `result`.
void Settle(HubThread& t, size_t index, int result) {
  Wait* w = t.waits[index];
  t.waits.erase(t.waits.begin() + static_cast<std::ptrdiff_t>(index));
  w->result = result;
  napi_call_threadsafe_function(w->env->tsfn, w, napi_tsfn_nonblocking);
}

int32_t Load(const Wait* w) { return __atomic_load_n(w->word.addr, __ATOMIC_SEQ_CST); }

// Under the mutex: settles the waits whose word changed ('ok') or whose time is up; returns
// the nearest deadline left (-1: none) and whether anything was settled.
int64_t SweepLocked(HubThread& t, bool* settled) {
  int64_t now = NowNs(), next = -1;
  for (size_t i = 0; i < t.waits.size();) {
    Wait* w = t.waits[i];
    if (Load(w) != w->expected) {
      Settle(t, i, MM_WAIT_WOKEN);
      *settled = true;
    } else if (w->deadline >= 0 && w->deadline <= now) {
      Settle(t, i, MM_WAIT_TIMED_OUT);
      *settled = true;
    } else {
      if (w->deadline >= 0 && (next < 0 || w->deadline < next)) next = w->deadline;
      i++;
    }
  }
  return next;
}

// How many waits one thread sleeps on: the platform's multi-word limit, less the control word.
size_t WordsPerThread() { return static_cast<size_t>(mm_word_wait_any_max()) - 1; }

// A thread that sleeps on up to WordsPerThread() words at once (futex_waitv; WaitForMultipleObjects).
void RunMulti(int k) {
  Hub& hub = TheHub();
  HubThread& t = hub.threads[k];
  mm_word words[MM_WAIT_ANY_MAX];
  int32_t expected[MM_WAIT_ANY_MAX];
  Wait* which[MM_WAIT_ANY_MAX];
  mm_word_local(&t.control, &words[0]);
  std::unique_lock<std::mutex> lock(hub.mu);
  for (;;) {
    bool settled = false;
    int64_t next = SweepLocked(t, &settled);
    int n = 1;
    expected[0] = __atomic_load_n(&t.control, __ATOMIC_SEQ_CST);
    for (Wait* w : t.waits) {
      words[n] = w->word;
      expected[n] = w->expected;
      which[n] = w;
      n++;
    }
    lock.unlock();
    int os_errno;
    int rc = mm_word_wait_any(words, expected, n, next < 0 ? -1 : std::max<int64_t>(0, next - NowNs()),
                              &os_errno);
    lock.lock();
    if (rc >= 1) {
      // Still listed means not cancelled meanwhile (a cancelled Wait may be freed: compare pointers only).
      auto it = std::find(t.waits.begin(), t.waits.end(), which[rc]);
      if (it != t.waits.end()) Settle(t, static_cast<size_t>(it - t.waits.begin()), MM_WAIT_WOKEN);
    } else if (rc < 0 && rc != MM_EAGAIN && rc != MM_ETIMEDOUT) {
      // EFAULT: a word was unmapped between our look and the kernel's (its view closed and
      // cancelled it meanwhile). Anything else would repeat: fail the waits rather than spin.
      if (rc != MM_EFAULT) {
        while (!t.waits.empty()) Settle(t, t.waits.size() - 1, rc);
      }
    }
  }
}

// The thread that polls the words of the waits the kernel cannot hold for us.
void RunPoll() {
  Hub& hub = TheHub();
  HubThread& t = hub.threads[kPollThread];
  mm_word control;
  mm_word_local(&t.control, &control);
  int64_t backoff = kPollFirstNs;
  std::unique_lock<std::mutex> lock(hub.mu);
  for (;;) {
    bool settled = false;
    int64_t next = SweepLocked(t, &settled);
    backoff = settled ? kPollFirstNs : std::min(backoff * 2, kPollMaxNs);
    int64_t sleep = -1;
    if (!t.waits.empty()) {
      sleep = backoff;
      if (next >= 0) sleep = std::min(sleep, std::max<int64_t>(0, next - NowNs()));
    }
    int32_t seen = __atomic_load_n(&t.control, __ATOMIC_SEQ_CST);
    lock.unlock();
    int os_errno;
    if (mm_word_wait(&control, seen, sleep, &os_errno) != MM_WAIT_TIMED_OUT) backoff = kPollFirstNs;
    lock.lock();
  }
}

// The hub's threads run this library's code until the process exits, so the
// library must never be unloaded once they start: Node unloads an addon when
// the last environment that loaded it ends (a worker that was its only user).
// Loading it once more, never to be unloaded, pins it.
#ifdef _WIN32
void PinLibrary() {
  HMODULE self;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     reinterpret_cast<LPCWSTR>(&PinLibrary), &self);
}
#else
void PinLibrary() {
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&PinLibrary), &self) != 0 && self.dli_fname != nullptr) {
    dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE);
  }
}
#endif

// Under the mutex: which thread takes a new wait, starting it if needed.
HubThread& Place(Hub& hub) {
  if (hub.multi < 0) {
    volatile int32_t probe = 0;
    mm_word word;
    int32_t other = 1;
    int os_errno;
    mm_word_local(&probe, &word);
    hub.multi = mm_word_wait_any(&word, &other, 1, 0, &os_errno) == MM_EAGAIN ? 1 : 0;
  }
  int k = kPollThread;
  if (hub.multi == 1) {
    for (int i = 0; i < kMaxThreads; i++) {
      if (hub.threads[i].waits.size() < WordsPerThread()) {
        k = i;
        break;
      }
    }
  }
  HubThread& t = hub.threads[k];
  if (!t.started) {
    PinLibrary();
    t.started = true;
    if (k == kPollThread) std::thread(RunPoll).detach();
    else std::thread(RunMulti, k).detach();
  }
  return t;
}

void Finish(Napi::Env env, Wait* w, int result) {
  if (result >= 0) napi_resolve_deferred(env, w->deferred, Napi::Number::New(env, result));
  else napi_reject_deferred(env, w->deferred, w->make_error(env, result));
  napi_delete_reference(env, w->keep);
  EnvWaits* ew = w->env;
  if (--ew->pending == 0) napi_unref_threadsafe_function(env, ew->tsfn);
  delete w;
}

void CallJs(napi_env env, napi_value, void*, void* data) {
  Wait* w = static_cast<Wait*>(data);
  if (env == nullptr) {  // the env is gone: nothing to settle
    delete w;
    return;
  }
  // No JavaScript call is on the stack to take an exception: in a worker being
  // terminated every Node-API call fails and node-addon-api throws, which here
  // would end the process (std::terminate). Nobody is left to hear the outcome.
  try {
    Finish(Napi::Env(env), w, w->result);
  } catch (...) {
  }
}

// Under the mutex: drops every wait of `env` (no JS: its env is going away).
void DropLocked(Hub& hub, napi_env env) {
  for (HubThread& t : hub.threads) {
    size_t before = t.waits.size();
    t.waits.erase(std::remove_if(t.waits.begin(), t.waits.end(),
                                 [env](Wait* w) {
                                   if (w->env->env != env) return false;
                                   delete w;
                                   return true;
                                 }),
                  t.waits.end());
    if (t.waits.size() != before) Poke(t);
  }
}

void EnvGone(void* arg) {
  EnvWaits* ew = static_cast<EnvWaits*>(arg);
  Hub& hub = TheHub();
  {
    std::lock_guard<std::mutex> lock(hub.mu);
    DropLocked(hub, ew->env);
    hub.envs.erase(ew->env);
  }
  napi_release_threadsafe_function(ew->tsfn, napi_tsfn_abort);
}

void TsfnFinalized(napi_env, void* data, void*) { delete static_cast<EnvWaits*>(data); }

// Under the mutex: this env's record, made (with its threadsafe function) on first use.
EnvWaits* EnvOf(Hub& hub, Napi::Env env) {
  auto found = hub.envs.find(env);
  if (found != hub.envs.end()) return found->second;
  EnvWaits* ew = new EnvWaits();
  ew->env = env;
  napi_value name = Napi::String::New(env, "memmap waitAsync");
  if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, ew, TsfnFinalized, nullptr,
                                      CallJs, &ew->tsfn) != napi_ok) {
    delete ew;
    throw Napi::Error::New(env, "cannot create the threadsafe function of waitAsync");
  }
  napi_unref_threadsafe_function(env, ew->tsfn);
  napi_add_env_cleanup_hook(env, EnvGone, ew);
  hub.envs[env] = ew;
  return ew;
}

}  // namespace

void DropWaits(napi_env env) {
  Hub* hub = HubIfAny();
  if (hub == nullptr) return;
  std::lock_guard<std::mutex> lock(hub->mu);
  DropLocked(*hub, env);
}

Napi::Value WaitAsync(Napi::Env env, WaitOwner owner, const mm_word& word, int32_t expected,
                      int64_t timeout_ns, Napi::Object keep, MakeError make_error) {
  Hub& hub = TheHub();
  Wait* w = new Wait();
  w->word = word;
  w->expected = expected;
  w->deadline = timeout_ns < 0 ? -1 : NowNs() + timeout_ns;
  w->owner = owner;
  w->make_error = make_error;
  napi_value promise;
  if (napi_create_promise(env, &w->deferred, &promise) != napi_ok) {
    delete w;
    throw Napi::Error::New(env, "cannot create a Promise");
  }
  napi_create_reference(env, keep, 1, &w->keep);
  std::lock_guard<std::mutex> lock(hub.mu);
  try {
    w->env = EnvOf(hub, env);
  } catch (...) {
    napi_delete_reference(env, w->keep);
    napi_resolve_deferred(env, w->deferred, env.Undefined());
    delete w;
    throw;
  }
  if (w->env->pending++ == 0) napi_ref_threadsafe_function(env, w->env->tsfn);
  // As Atomics.waitAsync: a word that differs now is 'not-equal', a timeout of 0 'timed-out'.
  bool differs = Load(w) != expected;
  if (differs || timeout_ns == 0) {
    Finish(env, w, differs ? MM_WAIT_NOT_EQUAL : MM_WAIT_TIMED_OUT);
    return Napi::Value(env, promise);
  }
  HubThread& t = Place(hub);
  t.waits.push_back(w);
  Poke(t);
  return Napi::Value(env, promise);
}

void CancelWaits(Napi::Env env, WaitOwner owner) {
  Hub* hub = HubIfAny();
  if (hub == nullptr) return;
  std::vector<Wait*> cancelled;
  {
    std::lock_guard<std::mutex> lock(hub->mu);
    for (HubThread& t : hub->threads) {
      size_t before = t.waits.size();
      t.waits.erase(std::remove_if(t.waits.begin(), t.waits.end(),
                                   [&](Wait* w) {
                                     if (w->owner != owner || w->env->env != env) return false;
                                     cancelled.push_back(w);
                                     return true;
                                   }),
                    t.waits.end());
      if (t.waits.size() != before) Poke(t);
    }
  }
  for (Wait* w : cancelled) Finish(env, w, MM_ECLOSED);
}

}  // namespace memmap
