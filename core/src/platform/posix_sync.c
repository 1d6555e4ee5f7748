/*
 * posix_sync.c — platform.h's waits and thread identity on POSIX systems.
 *
 *   mm__plat_wait / wake / wait_any      (deadlines, EINTR, result codes: here, once)
 *        |
 *   mm__os_wait / wake / wait_any        (one system primitive each, per kernel below)
 *        Linux   futex(2) FUTEX_WAIT / FUTEX_WAKE, futex_waitv(2) (Linux 5.16)
 *        macOS   __ulock_wait / __ulock_wake with UL_COMPARE_AND_WAIT_SHARED
 *
 * No FUTEX_PRIVATE_FLAG anywhere: a private futex is keyed to this process's
 * address space, while a shared one on a MAP_SHARED mapping is keyed to the
 * mapped page (inode and offset), which is what lets processes that map an
 * object at different addresses wake each other (futex(2)). A shared futex
 * on this process's own memory still works, keyed by address.
 *
 * On macOS the shared ulock is the primitive under os_sync_wait_on_address
 * with OS_SYNC_WAIT_ON_ADDRESS_SHARED (macOS 14.4); __ulock_wait has been in
 * libSystem since macOS 10.12 and is what libc++ and the Rust and Go
 * runtimes call, so it covers every macOS that Node supports. The code for
 * macOS is compiled there only; it follows xnu's bsd/kern/sys_ulock.c.
 *
 * Thread identity: Linux gives every thread a machine-wide id (gettid) and
 * a start time in clock ticks since boot (field 22 of /proc/<tid>/stat, see
 * proc(5)); /proc/<tid> exists for every live thread, also one that is not
 * a process's first, and disappears when the thread ends. macOS has no such
 * per-thread view, so a thread is named by its process (pid and start time,
 * sysctl KERN_PROC_PID): the death of a process is seen, not that of one of
 * its threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mm/errors.h"
#include "platform.h"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 /* the same number on every architecture (asm-generic/unistd.h) */
#endif
#elif defined(__APPLE__)
#include <signal.h>
#include <sys/sysctl.h>
#endif

/* ---- The kernel primitives: each returns 0 / a count / an index, or -errno. ---- */

#if defined(__linux__)

/* futex_waitv(2)'s element (linux/futex.h has it from Linux 5.16's headers on). */
struct mm__waitv {
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};
#define MM__FUTEX2_SIZE_U32 0x02

/* FUTEX_WAIT for at most `ns` nanoseconds (< 0: no limit). */
static int mm__os_wait(volatile int32_t *addr, int32_t expected, int64_t ns) {
  struct timespec rel, *ts = NULL;
  if (ns >= 0) {
    rel.tv_sec = (time_t)(ns / 1000000000);
    rel.tv_nsec = (long)(ns % 1000000000);
    ts = &rel;
  }
  if (syscall(SYS_futex, addr, FUTEX_WAIT, expected, ts, NULL, 0) == 0) return 0;
  return -errno;
}

static int mm__os_wake(volatile int32_t *addr, int32_t count) {
  long n = syscall(SYS_futex, addr, FUTEX_WAKE, count, NULL, NULL, 0);
  return n < 0 ? -errno : (int)n;
}

/* futex_waitv until the absolute CLOCK_MONOTONIC `deadline` (NULL: no limit). */
static int mm__os_wait_any(const mm_word *words, const int32_t *expected, int n,
                           const struct timespec *deadline) {
  struct mm__waitv v[MM_WAIT_ANY_MAX];
  long rc;
  int i;
  for (i = 0; i < n; i++) {
    v[i].val = (uint32_t)expected[i];
    v[i].uaddr = (uint64_t)(uintptr_t)words[i].addr;
    v[i].flags = MM__FUTEX2_SIZE_U32;
    v[i].reserved = 0;
  }
  rc = syscall(SYS_futex_waitv, v, (unsigned)n, 0u, deadline, CLOCK_MONOTONIC);
  if (rc >= 0) return (int)rc;
  return errno == ENOSYS ? -ENOTSUP : -errno;
}

/* Field 3 (state) and field 22 (start time) of a /proc/.../stat file. */
static int mm__read_stat(const char *path, char *state, uint64_t *start) {
  char buf[1024];
  char *p;
  ssize_t n;
  int i, fd;
  do fd = open(path, O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return -errno;
  do n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  i = errno;
  close(fd);
  if (n < 0) return -i;
  buf[n] = '\0';
  /* The command name (field 2) is in parentheses and may hold spaces and ')'. */
  p = strrchr(buf, ')');
  if (p == NULL || p[1] != ' ') return -EIO;
  p += 2;
  *state = *p;
  for (i = 3; i < 22; i++) {
    p = strchr(p, ' ');
    if (p == NULL) return -EIO;
    p++;
  }
  *start = strtoull(p, NULL, 10);
  return 0;
}

static uint32_t mm__token_of(uint64_t start) {
  uint32_t t = (uint32_t)(start ^ (start >> 32));
  return t == 0 ? 1 : t;
}

static int mm__os_thread_self(uint32_t *id, uint32_t *token) {
  char state;
  uint64_t start;
  long tid = syscall(SYS_gettid);
  int rc = mm__read_stat("/proc/thread-self/stat", &state, &start);
  if (rc < 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
    rc = mm__read_stat(path, &state, &start);
    if (rc < 0) return rc;
  }
  if (tid <= 0 || (unsigned long)tid > MM_THREAD_ID_MAX) return -ERANGE;
  *id = (uint32_t)tid;
  *token = mm__token_of(start);
  return 0;
}

static int mm__os_thread_alive(uint32_t id, uint32_t token) {
  char path[64], state;
  uint64_t start;
  int rc;
  snprintf(path, sizeof path, "/proc/%u/stat", id);
  rc = mm__read_stat(path, &state, &start);
  if (rc == -ENOENT || rc == -ESRCH) return 0;
  if (rc < 0) return rc;
  /* A zombie is a process that died and was not reaped yet; X is one being reaped. */
  if (state == 'Z' || state == 'X') return 0;
  return token == 0 || mm__token_of(start) == token;
}

#elif defined(__APPLE__)

/* xnu bsd/sys/ulock.h: the shared compare-and-wait, and wake-one returning ENOENT when nobody waits. */
#define MM__UL_COMPARE_AND_WAIT_SHARED 3
extern int __ulock_wait(uint32_t operation, void *addr, uint64_t value, uint32_t timeout_us);
extern int __ulock_wake(uint32_t operation, void *addr, uint64_t wake_value);

static int mm__os_wait(volatile int32_t *addr, int32_t expected, int64_t ns) {
  uint32_t us = 0; /* 0: no timeout */
  /* __ulock_wait returns at once, without saying so, when the word differs: look first. */
  if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != expected) return -EAGAIN;
  if (ns == 0) return -ETIMEDOUT;
  if (ns > 0) {
    uint64_t u = ((uint64_t)ns + 999) / 1000;
    us = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u; /* a longer wait resumes with the time left */
  }
  if (__ulock_wait(MM__UL_COMPARE_AND_WAIT_SHARED, (void *)addr, (uint32_t)expected, us) >= 0) return 0;
  return -errno;
}

/* __ulock_wake wakes one waiter or all without a count: wake one at a time to count them. */
static int mm__os_wake(volatile int32_t *addr, int32_t count) {
  int n = 0;
  while (n < count) {
    if (__ulock_wake(MM__UL_COMPARE_AND_WAIT_SHARED, (void *)addr, 0) == 0) {
      n++;
    } else if (errno == ENOENT) {
      break;
    } else if (errno != EINTR) {
      return n > 0 ? n : -errno;
    }
  }
  return n;
}

static int mm__os_wait_any(const mm_word *words, const int32_t *expected, int n,
                           const struct timespec *deadline) {
  return -ENOTSUP; /* no multi-address wait */
}

static int mm__proc_info(pid_t pid, struct kinfo_proc *info) {
  int mib[4] = {CTL_KERN, KERN_PROC, KERN_PROC_PID, (int)pid};
  size_t size = sizeof *info;
  if (sysctl(mib, 4, info, &size, NULL, 0) != 0) return -errno;
  return size == 0 ? -ESRCH : 0;
}

static uint32_t mm__token_of(const struct kinfo_proc *info) {
  uint64_t start = (uint64_t)info->kp_proc.p_starttime.tv_sec * 1000000u +
                   (uint64_t)info->kp_proc.p_starttime.tv_usec;
  uint32_t t = (uint32_t)(start ^ (start >> 32));
  return t == 0 ? 1 : t;
}

static int mm__os_thread_self(uint32_t *id, uint32_t *token) {
  struct kinfo_proc info;
  int rc = mm__proc_info(getpid(), &info);
  if (rc < 0) return rc;
  *id = (uint32_t)getpid();
  *token = mm__token_of(&info);
  return 0;
}

static int mm__os_thread_alive(uint32_t id, uint32_t token) {
  struct kinfo_proc info;
  int rc = mm__proc_info((pid_t)id, &info);
  if (rc == -ESRCH) return 0;
  if (rc < 0) return rc;
  if (info.kp_proc.p_stat == SZOMB) return 0;
  return token == 0 || mm__token_of(&info) == token;
}

#else

static int mm__os_wait(volatile int32_t *addr, int32_t expected, int64_t ns) { return -ENOTSUP; }
static int mm__os_wake(volatile int32_t *addr, int32_t count) { return -ENOTSUP; }
static int mm__os_wait_any(const mm_word *words, const int32_t *expected, int n,
                           const struct timespec *deadline) {
  return -ENOTSUP;
}
static int mm__os_thread_self(uint32_t *id, uint32_t *token) { return -ENOTSUP; }
static int mm__os_thread_alive(uint32_t id, uint32_t token) { return -ENOTSUP; }

#endif

/* ---- platform.h, on top of them ---- */

/* A negative errno as a core code, keeping the errno; ENOTSUP is the platform's "no". */
static int mm__os_fail(int neg_errno, int *os_errno) {
  if (neg_errno == -ENOTSUP) return MM_EUNSUPPORTED;
  *os_errno = -neg_errno;
  return mm_err_from_errno(-neg_errno);
}

static void mm__deadline_after(int64_t ns, struct timespec *deadline) {
  clock_gettime(CLOCK_MONOTONIC, deadline);
  deadline->tv_sec += (time_t)(ns / 1000000000);
  deadline->tv_nsec += (long)(ns % 1000000000);
  if (deadline->tv_nsec >= 1000000000) {
    deadline->tv_sec++;
    deadline->tv_nsec -= 1000000000;
  }
}

/* Nanoseconds until `deadline` (0 once it passed). */
static int64_t mm__ns_until(const struct timespec *deadline) {
  struct timespec now;
  int64_t ns;
  clock_gettime(CLOCK_MONOTONIC, &now);
  ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 + (deadline->tv_nsec - now.tv_nsec);
  return ns > 0 ? ns : 0;
}

int mm__plat_map_watch(intptr_t handle, uint64_t offset, size_t length, void **addr, int *os_errno) {
  void *p;
  if (offset > (uint64_t)INT64_MAX) return MM_ERANGE;
  p = mmap(NULL, length, PROT_READ, MAP_SHARED, (int)handle, (off_t)offset);
  if (p == MAP_FAILED) return mm__os_fail(-errno, os_errno);
  *addr = p;
  return 0;
}

int mm__plat_wait(const mm_word *word, int32_t expected, int64_t timeout_ns, int *os_errno) {
  struct timespec deadline;
  *os_errno = 0;
  if (timeout_ns == 0) {
    /* Only a look: no kernel timer, whose slack would make it last up to 50 µs. */
    return __atomic_load_n(word->addr, __ATOMIC_SEQ_CST) != expected ? MM_WAIT_NOT_EQUAL : MM_WAIT_TIMED_OUT;
  }
  if (timeout_ns > 0) mm__deadline_after(timeout_ns, &deadline);
  for (;;) {
    int64_t left = timeout_ns < 0 ? -1 : mm__ns_until(&deadline);
    int rc;
    if (left == 0) return MM_WAIT_TIMED_OUT;
    rc = mm__os_wait(word->addr, expected, left);
    if (rc == 0) return MM_WAIT_WOKEN;
    if (rc == -EAGAIN) return MM_WAIT_NOT_EQUAL;
    /* A signal, or a wait the primitive cut short: sleep for the time left (none: timed out). */
    if (rc == -ETIMEDOUT || rc == -EINTR) continue;
    return mm__os_fail(rc, os_errno);
  }
}

int mm__plat_wake(const mm_word *word, int32_t count, int *os_errno) {
  int rc;
  *os_errno = 0;
  if (count <= 0) return 0;
  rc = mm__os_wake(word->addr, count);
  return rc < 0 ? mm__os_fail(rc, os_errno) : rc;
}

int mm__plat_wait_any_max(void) { return MM_WAIT_ANY_MAX; }

int mm__plat_wait_any(const mm_word *words, const int32_t *expected, int n, int64_t timeout_ns,
                      int *os_errno) {
  struct timespec deadline;
  *os_errno = 0;
  if (n < 1 || n > MM_WAIT_ANY_MAX) return MM_EINVAL;
  if (timeout_ns >= 0) mm__deadline_after(timeout_ns, &deadline);
  for (;;) {
    int rc = mm__os_wait_any(words, expected, n, timeout_ns >= 0 ? &deadline : NULL);
    if (rc >= 0) return rc;
    if (rc == -EAGAIN) return MM_EAGAIN;
    if (rc == -ETIMEDOUT) return MM_ETIMEDOUT;
    if (rc == -EINTR) continue; /* the deadline is absolute: the time left is kept */
    return mm__os_fail(rc, os_errno);
  }
}

int mm__plat_thread_self(uint32_t *id, uint32_t *token, int *os_errno) {
  int rc;
  *os_errno = 0;
  rc = mm__os_thread_self(id, token);
  return rc < 0 ? mm__os_fail(rc, os_errno) : 0;
}

int mm__plat_thread_alive(uint32_t id, uint32_t token, int *os_errno) {
  int rc;
  *os_errno = 0;
  rc = mm__os_thread_alive(id, token);
  return rc < 0 ? mm__os_fail(rc, os_errno) : rc;
}
