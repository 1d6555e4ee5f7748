/* test_sync.c — waits and wakes on views' words between processes, and thread liveness. */
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mm/errors.h"
#include "mm/map.h"
#include "mm/sync.h"
#include "mm/view.h"
#include "host.h"
#include "mmtest.h"

#define MS (INT64_C(1000000))

static char name[64];

static volatile int32_t *word_at(mm_view *v, uint64_t position) {
  return (volatile int32_t *)(void *)(mm_view_data(v) + position);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/*
 * A child that opens the map by name with `access` and waits at `position`
 * while the word holds `expected`; it exits 0 when it was woken. The parent
 * wakes it without changing the word (wake_all), so that a child that is
 * slow to fall asleep still sleeps first.
 */
static pid_t waiter(mm_access access, uint64_t position, int32_t expected) {
  pid_t pid = fork();
  if (pid == 0) {
    mm_map *m;
    mm_view v;
    int e, rc;
    if (mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, access, &m, &e) != 0) _exit(10);
    if (mm_view_open(m, 0, 0, access, &v, &e) != 0) _exit(11);
    rc = mm_view_wait(&v, position, expected, 10000 * MS, &e);
    _exit(rc == MM_WAIT_WOKEN ? 0 : 20 + rc);
  }
  return pid;
}

/* Notifies until `want` waiters were woken (children may not be asleep yet); returns how many. */
static int wake_all(mm_view *v, uint64_t position, int want) {
  int woken = 0, e, i;
  for (i = 0; i < 5000 && woken < want; i++) {
    int n = mm_view_notify(v, position, INT32_MAX, &e);
    if (n < 0) return n;
    woken += n;
    usleep(1000);
  }
  return woken;
}

static int exit_code(pid_t pid) {
  int status;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static void test_results_and_errors(void) {
  mm_map *m;
  mm_view v, cow, ro, wo;
  mm_word w;
  double t0;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 8192, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  *word_at(&v, 8) = 5;
  MM_CHECK_EQ(mm_view_wait(&v, 8, 4, 0, &e), MM_WAIT_NOT_EQUAL);
  MM_CHECK_EQ(mm_view_wait(&v, 8, 5, 0, &e), MM_WAIT_TIMED_OUT);
  t0 = now_ms();
  MM_CHECK_EQ(mm_view_wait(&v, 8, 5, 30 * MS, &e), MM_WAIT_TIMED_OUT);
  MM_CHECK(now_ms() - t0 >= 29);
  MM_CHECK_EQ(mm_view_notify(&v, 8, 1, &e), 0);
  MM_CHECK_EQ(mm_view_notify(&v, 8, -1, &e), MM_EINVAL);
  /* where a word may be */
  MM_CHECK_EQ(mm_view_wait(&v, 2, 0, 0, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_wait(&v, 8188, 0, 0, &e), MM_WAIT_TIMED_OUT);
  MM_CHECK_EQ(mm_view_wait(&v, 8192, 0, 0, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_wait(&v, UINT64_MAX - 1, 0, 0, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_notify(&v, 8190, 1, &e), MM_ERANGE);
  /* who may wait and notify */
  MM_CHECK_EQ(mm_view_open(m, 0, 4096, MM_ACCESS_COPY_ON_WRITE, &cow, &e), 0);
  MM_CHECK_EQ(mm_view_wait(&cow, 8, 5, 0, &e), MM_EACCES);
  MM_CHECK_EQ(mm_view_notify(&cow, 8, 1, &e), MM_EACCES);
  MM_CHECK_EQ(mm_view_open(m, 0, 4096, MM_ACCESS_READ, &ro, &e), 0);
  MM_CHECK_EQ(mm_view_wait(&ro, 8, 5, 0, &e), MM_WAIT_TIMED_OUT);
  MM_CHECK_EQ(mm_view_notify(&ro, 8, 1, &e), MM_EACCES);
  MM_CHECK_EQ(mm_view_open(m, 0, 4096, MM_ACCESS_WRITE, &wo, &e), 0);
  MM_CHECK_EQ(mm_view_wait(&wo, 8, 5, 0, &e), MM_EACCES);
  MM_CHECK_EQ(mm_view_notify(&wo, 8, 1, &e), 0);
  /* a view at an offset that is not 4-aligned: positions count from the view, alignment from the map */
  mm_view_close(&wo);
  MM_CHECK_EQ(mm_view_open(m, 2, 100, MM_ACCESS_READ_WRITE, &wo, &e), 0);
  MM_CHECK_EQ(mm_view_wait(&wo, 0, 0, 0, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_wait(&wo, 6, 5, 0, &e), MM_WAIT_TIMED_OUT);
  mm_view_close(&wo);
  mm_view_close(&cow);
  mm_view_close(&ro);
  mm_view_close(&v);
  MM_CHECK_EQ(mm_view_wait(&v, 8, 5, 0, &e), MM_ECLOSED);
  MM_CHECK_EQ(mm_view_notify(&v, 8, 1, &e), MM_ECLOSED);
  MM_CHECK_EQ(mm_view_word(&v, 8, 0, &w, &e), MM_ECLOSED);
  mm_map_free(m);
}

static void test_wake_between_processes(void) {
  mm_map *m;
  mm_view v;
  pid_t a, b;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  a = waiter(MM_ACCESS_READ_WRITE, 64, 0);
  b = waiter(MM_ACCESS_READ_WRITE, 64, 0);
  MM_CHECK(a > 0 && b > 0);
  MM_CHECK_EQ(wake_all(&v, 64, 2), 2);
  MM_CHECK_EQ(exit_code(a), 0);
  MM_CHECK_EQ(exit_code(b), 0);
  mm_view_close(&v);
  mm_map_free(m);
}

static void test_notify_counts(void) {
  mm_map *m;
  mm_view v;
  pid_t a, b;
  int e, woken = 0, i;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  a = waiter(MM_ACCESS_READ_WRITE, 128, 0);
  b = waiter(MM_ACCESS_READ_WRITE, 128, 0);
  /* Wake one at a time: each notify(1) wakes at most one. */
  for (i = 0; i < 5000 && woken < 2; i++) {
    int n = mm_view_notify(&v, 128, 1, &e);
    MM_CHECK(n == 0 || n == 1);
    woken += n;
    usleep(1000);
  }
  MM_CHECK_EQ(woken, 2);
  MM_CHECK_EQ(exit_code(a), 0);
  MM_CHECK_EQ(exit_code(b), 0);
  mm_view_close(&v);
  mm_map_free(m);
}

/* A read view (a private mapping) waits through its shared window, and still sees later writes. */
static void test_read_view_waits(void) {
  mm_map *m;
  mm_view v, ro;
  pid_t a;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  a = waiter(MM_ACCESS_READ, 256, 0);
  MM_CHECK_EQ(wake_all(&v, 256, 1), 1);
  __atomic_store_n(word_at(&v, 256), 7, __ATOMIC_SEQ_CST);
  MM_CHECK_EQ(exit_code(a), 0);
  /* In this process too: a wait does not make the read view's page private. */
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &ro, &e), 0);
  MM_CHECK_EQ(mm_view_wait(&ro, 256, 7, 0, &e), MM_WAIT_TIMED_OUT);
  __atomic_store_n(word_at(&v, 256), 8, __ATOMIC_SEQ_CST);
  MM_CHECK_EQ(*word_at(&ro, 256), 8);
  MM_CHECK_EQ(mm_view_wait(&ro, 256, 8, 0, &e), MM_WAIT_TIMED_OUT);
  mm_view_close(&ro);
  mm_view_close(&v);
  mm_map_free(m);
}

/* Persisted maps: a file mapped shared by two processes. */
static void test_file_map_waits(void) {
  char dir[256], path[320];
  mm_map *m;
  mm_view v;
  pid_t pid;
  int e;
  MM_CHECK_EQ(mm_test_tempdir(dir, sizeof dir, "mm-sync"), 0);
  snprintf(path, sizeof path, "%s/words.bin", dir);
  MM_CHECK_EQ(mm_map_open_file(path, MM_MODE_CREATE_NEW, 8192, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 4096, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  pid = fork();
  if (pid == 0) {
    mm_map *cm;
    mm_view cv;
    int ce;
    if (mm_map_open_file(path, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, &cm, &ce) != 0) _exit(10);
    if (mm_view_open(cm, 0, 0, MM_ACCESS_READ_WRITE, &cv, &ce) != 0) _exit(11);
    _exit(mm_view_wait(&cv, 4096 + 12, 0, 10000 * MS, &ce) == MM_WAIT_WOKEN ? 0 : 12);
  }
  MM_CHECK_EQ(wake_all(&v, 12, 1), 1);
  MM_CHECK_EQ(exit_code(pid), 0);
  mm_view_close(&v);
  mm_map_free(m);
  mm_test_rmtree(dir);
}

static void test_wait_any(void) {
  mm_map *m;
  mm_view v;
  mm_word words[2];
  int32_t expected[2] = {0, 0};
  volatile int32_t control = 0;
  pid_t pid;
  int e, rc;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  mm_word_local(&control, &words[0]);
  MM_CHECK_EQ(mm_view_word(&v, 32, 0, &words[1], &e), 0);
  rc = mm_word_wait_any(words, expected, 2, 0, &e);
  if (rc == MM_EUNSUPPORTED) {
    fprintf(stderr, "  (no multi-word wait on this kernel: the callers poll)\n");
    mm_view_close(&v);
    mm_map_free(m);
    return;
  }
  MM_CHECK_EQ(rc, MM_ETIMEDOUT);
  MM_CHECK_EQ(mm_word_wait_any(words, expected, 0, 0, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_word_wait_any(words, expected, MM_WAIT_ANY_MAX + 1, 0, &e), MM_EINVAL);
  expected[1] = 9;
  MM_CHECK_EQ(mm_word_wait_any(words, expected, 2, 1000 * MS, &e), MM_EAGAIN);
  expected[1] = 0;
  /* Another process wakes the view's word. */
  pid = fork();
  if (pid == 0) {
    mm_map *cm;
    mm_view cv;
    int ce, i;
    if (mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &cm, &ce) != 0) _exit(10);
    if (mm_view_open(cm, 0, 0, MM_ACCESS_READ_WRITE, &cv, &ce) != 0) _exit(11);
    for (i = 0; i < 5000; i++) {
      if (mm_view_notify(&cv, 32, 1, &ce) == 1) _exit(0);
      usleep(1000);
    }
    _exit(12);
  }
  MM_CHECK_EQ(mm_word_wait_any(words, expected, 2, 10000 * MS, &e), 1);
  MM_CHECK_EQ(exit_code(pid), 0);
  mm_view_close(&v);
  mm_map_free(m);
}

static void test_thread_liveness(void) {
  uint32_t id, token, child_id[2];
  int e, fds[2];
  pid_t pid;
  MM_CHECK_EQ(mm_thread_self(&id, &token, &e), 0);
  MM_CHECK(id > 0 && id <= MM_THREAD_ID_MAX && token != 0);
  MM_CHECK_EQ(mm_thread_alive(id, token, &e), 1);
  MM_CHECK_EQ(mm_thread_alive(id, 0, &e), 1);
  MM_CHECK_EQ(mm_thread_alive(id, token + 1, &e), 0); /* the same id, another start time: a reused id */
  MM_CHECK_EQ(mm_thread_alive(0, token, &e), MM_EINVAL);
  MM_CHECK_EQ(pipe(fds), 0);
  pid = fork();
  if (pid == 0) {
    uint32_t mine[2];
    int ce;
    if (mm_thread_self(&mine[0], &mine[1], &ce) != 0) _exit(1);
    if (write(fds[1], mine, sizeof mine) != (ssize_t)sizeof mine) _exit(2);
    pause();
    _exit(3);
  }
  close(fds[1]);
  MM_CHECK_EQ(read(fds[0], child_id, sizeof child_id), (ssize_t)sizeof child_id);
  close(fds[0]);
  MM_CHECK_EQ(child_id[0], (uint32_t)pid);
  MM_CHECK_EQ(mm_thread_alive(child_id[0], child_id[1], &e), 1);
  MM_CHECK_EQ(kill(pid, SIGKILL), 0);
  /* Killed but not reaped: a zombie is dead too. */
  usleep(50000);
  MM_CHECK_EQ(mm_thread_alive(child_id[0], child_id[1], &e), 0);
  MM_CHECK_EQ(exit_code(pid), 100 + SIGKILL);
  MM_CHECK_EQ(mm_thread_alive(child_id[0], child_id[1], &e), 0);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  snprintf(name, sizeof name, "memmap-test-sync-%ld", (long)getpid());
  MM_RUN(test_results_and_errors);
  MM_RUN(test_wake_between_processes);
  MM_RUN(test_notify_counts);
  MM_RUN(test_read_view_waits);
  MM_RUN(test_file_map_waits);
  MM_RUN(test_wait_any);
  MM_RUN(test_thread_liveness);
  return MM_TEST_END();
}
