/*
 * sync.h — coordination between threads and processes that share a map:
 * waiting on a 32-bit word until another thread or process changes it and
 * wakes the waiters (the futex model of Atomics.wait / Atomics.notify), and
 * the identity and liveness of threads, with which locks and channels in a
 * map recover from a holder that died.
 *
 *   process A                         shared map                     process B
 *   mm_view_wait(view, pos, 7) ---> [ word at pos == 7 ] <--- store 8, mm_view_notify(view, pos, 1)
 *        ... sleeps in the kernel                                     ... A wakes up
 *
 * A word is a 4-aligned int32 in a view. A waiter sleeps only while the word
 * holds the value it expects (checked atomically by the kernel), so a wake
 * that comes between the waiter's last look and its sleep is never lost.
 * Waits are keyed by the mapped object and the word's offset in it, so they
 * work between processes that map the object at different addresses.
 *
 * Which views may wait and wake (else MM_EACCES):
 *   wait    views that read and share their pages: read, readWrite,
 *           readExecute, readWriteExecute
 *   notify  views that write shared pages: write, readWrite, readWriteExecute
 * Copy-on-write views do neither: their pages are private, so nobody else
 * can wake them or be woken by them. A read view is mapped private (view.h),
 * so it waits through a second, shared read-only mapping of its range made
 * on its first wait (see mm_view in view.h): waiting on the private mapping
 * itself would make the kernel copy the page and key the wait to this
 * process alone.
 */
#ifndef MM_SYNC_H
#define MM_SYNC_H

#include <stdint.h>

#include "mm/view.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a wait ended with (non-negative results of mm_view_wait and mm_word_wait). */
typedef enum mm_wait_result {
  MM_WAIT_WOKEN = 0,     /* woken by a notify (rarely, spuriously: callers re-check the word) */
  MM_WAIT_NOT_EQUAL = 1, /* the word did not hold the expected value: no wait */
  MM_WAIT_TIMED_OUT = 2  /* the timeout passed */
} mm_wait_result;

/* A timeout that never passes. */
#define MM_WAIT_FOREVER (-1)

/*
 * A word to wait on or wake: where it is in this process and where it lives
 * in its object. Made by mm_view_word (a word of a view) or mm_word_local (a
 * word of this process's own memory); valid while its view stays open.
 */
typedef struct mm_word {
  volatile int32_t *addr; /* the word in this process's memory, 4-aligned */
  intptr_t object;        /* the platform handle of the mapped object; -1: memory of this process */
  uint64_t offset;        /* the word's offset in the object (0 for a local word) */
} mm_word;

/*
 * The word at byte `position` of the view, for waiting (`for_notify` 0) or
 * notifying (1). Errors: MM_ECLOSED (view closed), MM_ERANGE (the word is
 * not 4-aligned in the map, or does not lie within the view), MM_EACCES (the
 * view's access does not allow it, see above), and for a read view's first
 * wait the errors of mapping its shared window (MM_ENOMEM, ...).
 */
int mm_view_word(mm_view *view, uint64_t position, int for_notify, mm_word *out, int *os_errno);

/* A word of this process's own memory (a control word of a thread that waits on several). */
void mm_word_local(volatile int32_t *addr, mm_word *out);

/*
 * Sleeps while the word holds `expected`, until woken or `timeout_ns` passed
 * (MM_WAIT_FOREVER: no timeout). Signals do not end the wait early. Returns
 * an mm_wait_result or a negative MM_E* code.
 */
int mm_word_wait(const mm_word *word, int32_t expected, int64_t timeout_ns, int *os_errno);

/* Wakes up to `count` (>= 0) waiters of the word; returns how many it woke, or a negative code. */
int mm_word_wake(const mm_word *word, int32_t count, int *os_errno);

/*
 * Sleeps while every word i holds expected[i] (n from 1 to MM_WAIT_ANY_MAX),
 * until one is woken or the timeout passed. Returns the index of a woken
 * word, MM_EAGAIN when a word does not hold its expected value (no wait: the
 * caller looks at the words again), MM_ETIMEDOUT, or MM_EUNSUPPORTED where
 * the platform cannot wait on several words at once (then the caller polls).
 * When several words are woken at once, one index is returned and the other
 * wakes are not reported; callers see them by the words' new values.
 */
int mm_word_wait_any(const mm_word *words, const int32_t *expected, int n, int64_t timeout_ns,
                     int *os_errno);

/* The most words mm_word_wait_any takes anywhere (the kernel's limit: futex_waitv takes 128). */
#define MM_WAIT_ANY_MAX 128

/*
 * The most words mm_word_wait_any takes on this platform: MM_WAIT_ANY_MAX on
 * POSIX (whether the kernel has the multi-word wait is told by calling it),
 * 64 on Windows (WaitForMultipleObjects' limit), 0 where it never waits on
 * several words.
 */
int mm_word_wait_any_max(void);

/* mm_view_word + mm_word_wait, for one blocking wait. */
int mm_view_wait(mm_view *view, uint64_t position, int32_t expected, int64_t timeout_ns, int *os_errno);

/* mm_view_word + mm_word_wake. */
int mm_view_notify(mm_view *view, uint64_t position, int32_t count, int *os_errno);

/*
 * The calling thread's identity: `id` (1 to MM_THREAD_ID_MAX) names it among
 * the live threads of the machine, and `token` tells it from an earlier
 * thread that had the same id (ids are reused; the token is derived from the
 * thread's start time). Linux: the thread id (gettid) and its start time.
 * macOS: the process id and the process's start time (threads of one
 * process are not told apart there). MM_EUNSUPPORTED elsewhere.
 */
int mm_thread_self(uint32_t *id, uint32_t *token, int *os_errno);

/*
 * Whether the thread (id, token) of mm_thread_self still runs: 1 when it
 * does, 0 when it has ended (exited, killed, or a zombie whose process
 * died), or a negative code when it cannot be told (MM_EUNSUPPORTED). A
 * token of 0 matches any start time (an owner that died before recording it).
 */
int mm_thread_alive(uint32_t id, uint32_t token, int *os_errno);

/* The largest thread id: lock words keep the owner in 30 bits. */
#define MM_THREAD_ID_MAX 0x3fffffffu

#ifdef __cplusplus
}
#endif

#endif /* MM_SYNC_H */
