/*
 * test_sync_win32.c — waiting on words and thread identity on Windows
 * (win32_sync.c): waits keyed by the mapped object and offset, so that two
 * mappings of one object meet wherever they are mapped, in one process or
 * two; the counts wake returns; read views waiting through their window;
 * threads that end.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdint.h>

#include "host.h"
#include "mm/errors.h"
#include "mm/map.h"
#include "mm/sync.h"
#include "mm/view.h"
#include "mmtest.h"
#include "spawn_win32.h"

static char dir[256];
static char name[64];

#define path_of(file) mm_test_path_in(dir, file)

typedef struct waiter {
  mm_view *view;
  uint64_t position;
  int32_t expected;
  int64_t timeout_ns;
  volatile LONG result;
} waiter;

static DWORD WINAPI wait_thread(LPVOID arg) {
  waiter *w = (waiter *)arg;
  int e;
  InterlockedExchange(&w->result, mm_view_wait(w->view, w->position, w->expected, w->timeout_ns, &e));
  return 0;
}

/* Notifies until `n` waiters were woken in all (a sleeper may still be on its way to sleep), for up to 10 s. */
static int notify_until(mm_view *v, uint64_t position, int n) {
  int woken = 0, e, tries;
  for (tries = 0; tries < 1000 && woken < n; tries++) {
    int k = mm_view_notify(v, position, n - woken, &e);
    if (k < 0) return k;
    woken += k;
    if (woken < n) Sleep(10);
  }
  return woken;
}

static void test_wait_results(void) {
  mm_map *m = NULL;
  mm_view v;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  *(volatile int32_t *)(mm_view_data(&v) + 8) = 5;
  MM_CHECK_EQ(mm_view_wait(&v, 8, 6, MM_WAIT_FOREVER, &e), MM_WAIT_NOT_EQUAL);
  MM_CHECK_EQ(mm_view_wait(&v, 8, 5, 20 * 1000000LL, &e), MM_WAIT_TIMED_OUT);
  MM_CHECK_EQ(mm_view_wait(&v, 8, 5, 0, &e), MM_WAIT_TIMED_OUT);
  MM_CHECK_EQ(mm_view_notify(&v, 8, 1, &e), 0); /* nobody waits */
  MM_CHECK_EQ(mm_view_wait(&v, 8, 5, 0, &e), MM_WAIT_TIMED_OUT); /* and that notify left no wake behind */
  MM_CHECK_EQ(mm_view_wait(&v, 6, 0, 0, &e), MM_ERANGE);
  mm_view_close(&v);
  mm_map_free(m);
}

/* Two maps of one name are two mappings at two addresses: a wait through one is woken through the other. */
static void test_wake_across_mappings(void) {
  mm_map *a = NULL, *b = NULL;
  mm_view va, vb;
  waiter w = {&vb, 64, 0, MM_WAIT_FOREVER, -100};
  HANDLE t;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &a, &e), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &b, &e), 0);
  MM_CHECK_EQ(mm_view_open(a, 0, 0, MM_ACCESS_READ_WRITE, &va, &e), 0);
  MM_CHECK_EQ(mm_view_open(b, 0, 0, MM_ACCESS_READ_WRITE, &vb, &e), 0);
  MM_CHECK(mm_view_data(&va) != mm_view_data(&vb));
  t = CreateThread(NULL, 0, wait_thread, &w, 0, NULL);
  MM_CHECK(t != NULL);
  MM_CHECK_EQ(notify_until(&va, 64, 1), 1);
  MM_CHECK_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
  CloseHandle(t);
  MM_CHECK_EQ(w.result, MM_WAIT_WOKEN);
  mm_view_close(&va);
  mm_view_close(&vb);
  mm_map_free(a);
  mm_map_free(b);
}

/* notify(n) wakes at most n and says how many: three sleepers, notify(2) then notify(5). */
static void test_wake_counts(void) {
  mm_map *m = NULL;
  mm_view v;
  waiter w[3];
  HANDLE t[3];
  int e, i, woken = 0;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  for (i = 0; i < 3; i++) {
    w[i] = (waiter){&v, 128, 0, MM_WAIT_FOREVER, -100};
    t[i] = CreateThread(NULL, 0, wait_thread, &w[i], 0, NULL);
    MM_CHECK(t[i] != NULL);
  }
  MM_CHECK_EQ(notify_until(&v, 128, 3), 3); /* all three asleep and woken, counted once each */
  for (i = 0; i < 3; i++) {
    MM_CHECK_EQ(WaitForSingleObject(t[i], 10000), WAIT_OBJECT_0);
    CloseHandle(t[i]);
    woken += w[i].result == MM_WAIT_WOKEN;
  }
  MM_CHECK_EQ(woken, 3);
  for (i = 0; i < 3; i++) {
    w[i] = (waiter){&v, 128, 0, MM_WAIT_FOREVER, -100};
    t[i] = CreateThread(NULL, 0, wait_thread, &w[i], 0, NULL);
    MM_CHECK(t[i] != NULL);
  }
  MM_CHECK_EQ(notify_until(&v, 128, 2), 2);
  /* Only one is left: notify(5) wakes it (once it sleeps) and says 1. */
  for (i = 0; i < 1000 && (woken = mm_view_notify(&v, 128, 5, &e)) == 0; i++) Sleep(10);
  MM_CHECK_EQ(woken, 1);
  for (i = 0; i < 3; i++) {
    MM_CHECK_EQ(WaitForSingleObject(t[i], 10000), WAIT_OBJECT_0);
    CloseHandle(t[i]);
  }
  mm_view_close(&v);
  mm_map_free(m);
}

/* A read view waits through a shared window of its range; two maps of one file (by path) meet by the file's identity. */
static void test_read_view_and_files(void) {
  mm_test_path p = path_of("waits.bin");
  mm_map *a = NULL, *b = NULL;
  mm_view writer, reader;
  waiter w;
  HANDLE t;
  int e;
  MM_CHECK_EQ(mm_map_open_file(p.s, MM_MODE_CREATE_NEW, 65536 * 2, MM_ACCESS_READ_WRITE, &a, &e), 0);
  MM_CHECK_EQ(mm_map_open_file(p.s, MM_MODE_OPEN, 0, MM_ACCESS_READ, &b, &e), 0);
  MM_CHECK_EQ(mm_view_open(a, 0, 0, MM_ACCESS_READ_WRITE, &writer, &e), 0);
  MM_CHECK_EQ(mm_view_open(b, 65536, 4096, MM_ACCESS_READ, &reader, &e), 0);
  MM_CHECK_EQ(mm_view_notify(&reader, 0, 1, &e), MM_EACCES);
  w = (waiter){&reader, 12, 0, MM_WAIT_FOREVER, -100};
  t = CreateThread(NULL, 0, wait_thread, &w, 0, NULL);
  MM_CHECK(t != NULL);
  MM_CHECK_EQ(notify_until(&writer, 65536 + 12, 1), 1);
  MM_CHECK_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
  CloseHandle(t);
  MM_CHECK_EQ(w.result, MM_WAIT_WOKEN);
  /* The window sees the writer's store: the read view waits no more on the old value. */
  *(volatile int32_t *)(mm_view_data(&writer) + 65536 + 12) = 3;
  MM_CHECK_EQ(mm_view_wait(&reader, 12, 0, 0, &e), MM_WAIT_NOT_EQUAL);
  mm_view_close(&writer);
  mm_view_close(&reader);
  mm_map_free(a);
  mm_map_free(b);
}

/* Another process waits on the word; this one wakes it. */
static void test_across_processes(void) {
  PROCESS_INFORMATION pi;
  mm_map *m = NULL;
  mm_view v;
  DWORD code = 99;
  int e, tries;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  MM_CHECK_EQ(spawn_self("--wait", name, &pi), 0);
  /* The child says it is about to sleep by storing 1 at offset 4, then waits on offset 0. */
  for (tries = 0; tries < 1000 && *(volatile int32_t *)(mm_view_data(&v) + 4) != 1; tries++) Sleep(10);
  MM_CHECK_EQ(*(volatile int32_t *)(mm_view_data(&v) + 4), 1);
  MM_CHECK_EQ(notify_until(&v, 0, 1), 1);
  MM_CHECK_EQ(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  MM_CHECK_EQ(code, 0);
  mm_view_close(&v);
  mm_map_free(m);
}

/*
 * A sleeper killed while asleep (TerminateProcess) stays counted in the word's
 * record while another process keeps the word's objects open: one later
 * notify counts it as woken, once. It never costs a live sleeper its wake.
 */
static void test_killed_sleeper(void) {
  PROCESS_INFORMATION pi;
  mm_map *m = NULL;
  mm_view v;
  waiter w;
  HANDLE t;
  char own[80];
  int e, tries, woken = 0;
  /* A name of its own: the dead sleeper's count lives as long as the name's wait objects. */
  snprintf(own, sizeof own, "%s-killed", name);
  MM_CHECK_EQ(mm_map_open_shared(own, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  MM_CHECK_EQ(spawn_self("--wait", own, &pi), 0);
  for (tries = 0; tries < 1000 && *(volatile int32_t *)(mm_view_data(&v) + 4) != 1; tries++) Sleep(10);
  Sleep(200); /* asleep in its wait by now */
  /* This process opens the word's wait objects too (a notify of 0 wakes nobody), so
   * they outlive the child and keep its count: the dead sleeper is left in the record. */
  MM_CHECK_EQ(mm_view_notify(&v, 0, 0, &e), 0);
  MM_CHECK(TerminateProcess(pi.hProcess, 9));
  MM_CHECK_EQ(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  w = (waiter){&v, 0, 0, 20000 * 1000000LL, -100};
  t = CreateThread(NULL, 0, wait_thread, &w, 0, NULL);
  MM_CHECK(t != NULL);
  for (tries = 0; tries < 1000 && WaitForSingleObject(t, 0) == WAIT_TIMEOUT; tries++) {
    woken += mm_view_notify(&v, 0, 1, &e);
    Sleep(10);
  }
  MM_CHECK_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
  CloseHandle(t);
  MM_CHECK_EQ(w.result, MM_WAIT_WOKEN);
  /* The live sleeper and the dead one, each counted once: after both, nobody. */
  woken += mm_view_notify(&v, 0, 1, &e);
  MM_CHECK_EQ(woken, 2);
  MM_CHECK_EQ(mm_view_notify(&v, 0, 1, &e), 0);
  mm_view_close(&v);
  mm_map_free(m);
}

/* The child of test_across_processes and test_killed_sleeper: 0 when woken. */
static int wait_child(const char *n) {
  mm_map *m;
  mm_view v;
  int e, rc;
  if (mm_map_open_shared(n, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &m, &e) != 0) return 1;
  if (mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e) != 0) return 1;
  InterlockedExchange((volatile LONG *)(mm_view_data(&v) + 4), 1);
  rc = mm_view_wait(&v, 0, 0, 20000 * 1000000LL, &e);
  return rc == MM_WAIT_WOKEN ? 0 : 10 + rc;
}

typedef struct any_waiter {
  mm_word words[3];
  int32_t expected[3];
  volatile LONG result;
} any_waiter;

static DWORD WINAPI wait_any_thread(LPVOID arg) {
  any_waiter *w = (any_waiter *)arg;
  int e;
  InterlockedExchange(&w->result, mm_word_wait_any(w->words, w->expected, 3, 20000 * 1000000LL, &e));
  return 0;
}

/* Several words at once (the waitAsync threads' wait): a mapped word, a word of another mapping, a local word. */
static void test_wait_any(void) {
  mm_map *m = NULL;
  mm_view v;
  volatile int32_t local = 0;
  any_waiter w;
  mm_word many[65];
  int32_t zeros[65] = {0};
  HANDLE t;
  int e, k, i;
  MM_CHECK_EQ(mm_word_wait_any_max(), 64);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  MM_CHECK_EQ(mm_view_word(&v, 0, 0, &w.words[0], &e), 0);
  MM_CHECK_EQ(mm_view_word(&v, 256, 0, &w.words[1], &e), 0);
  mm_word_local(&local, &w.words[2]);
  w.expected[0] = w.expected[1] = w.expected[2] = 0;
  /* A word that differs: no wait, and the others are left unregistered (a notify wakes nobody). */
  w.expected[2] = 1;
  MM_CHECK_EQ(mm_word_wait_any(w.words, w.expected, 3, 0, &e), MM_EAGAIN);
  MM_CHECK_EQ(mm_view_notify(&v, 0, 1, &e), 0);
  w.expected[2] = 0;
  MM_CHECK_EQ(mm_word_wait_any(w.words, w.expected, 3, 10 * 1000000LL, &e), MM_ETIMEDOUT);
  MM_CHECK_EQ(mm_view_notify(&v, 256, 1, &e), 0); /* the timed-out wait left no registration */
  w.result = -100;
  t = CreateThread(NULL, 0, wait_any_thread, &w, 0, NULL);
  MM_CHECK(t != NULL);
  MM_CHECK_EQ(notify_until(&v, 256, 1), 1);
  MM_CHECK_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
  CloseHandle(t);
  MM_CHECK_EQ(w.result, 1);
  MM_CHECK_EQ(mm_view_notify(&v, 0, 1, &e), 0); /* the woken wait let go of its other words */
  /* The local word, woken by this process. */
  w.result = -100;
  t = CreateThread(NULL, 0, wait_any_thread, &w, 0, NULL);
  MM_CHECK(t != NULL);
  for (i = 0, k = 0; i < 1000 && k == 0; i++) {
    k = mm_word_wake(&w.words[2], 1, &e);
    if (k == 0) Sleep(10);
  }
  MM_CHECK_EQ(k, 1);
  MM_CHECK_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
  CloseHandle(t);
  MM_CHECK_EQ(w.result, 2);
  for (i = 0; i < 65; i++) many[i] = w.words[0];
  MM_CHECK_EQ(mm_word_wait_any(many, zeros, 65, 0, &e), MM_EINVAL);
  mm_view_close(&v);
  mm_map_free(m);
}

static DWORD WINAPI identity_thread(LPVOID arg) {
  uint32_t *out = (uint32_t *)arg;
  int e;
  return (DWORD)mm_thread_self(&out[0], &out[1], &e);
}

static void test_thread_identity(void) {
  uint32_t id, token, other[2] = {0, 0};
  HANDLE t;
  DWORD code = 99;
  int e;
  MM_CHECK_EQ(mm_thread_self(&id, &token, &e), 0);
  MM_CHECK(id >= 1 && id <= MM_THREAD_ID_MAX && token != 0);
  MM_CHECK_EQ(id, GetCurrentThreadId() / 4);
  MM_CHECK_EQ(mm_thread_alive(id, token, &e), 1);
  MM_CHECK_EQ(mm_thread_alive(id, 0, &e), 1);
  MM_CHECK_EQ(mm_thread_alive(id, token + 1, &e), 0); /* an earlier thread that had this id */
  t = CreateThread(NULL, 0, identity_thread, other, 0, NULL);
  MM_CHECK(t != NULL);
  MM_CHECK_EQ(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
  GetExitCodeThread(t, &code);
  MM_CHECK_EQ(code, 0);
  MM_CHECK(other[0] != id);
  /* Ended, while its handle still keeps the thread object: not alive. */
  MM_CHECK_EQ(mm_thread_alive(other[0], other[1], &e), 0);
  CloseHandle(t);
  MM_CHECK_EQ(mm_thread_alive(other[0], other[1], &e), 0);
  MM_CHECK_EQ(mm_thread_alive(MM_THREAD_ID_MAX, 0, &e), 0);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--wait") == 0) return wait_child(argv[2]);
  MM_TEST_ARGS(argc, argv);
  if (mm_test_tempdir(dir, sizeof dir, "mmtest-sync") != 0) return 2;
  snprintf(name, sizeof name, "mmtest-sync-%ld", mm_test_pid());
  MM_RUN(test_wait_results);
  MM_RUN(test_wake_across_mappings);
  MM_RUN(test_wake_counts);
  MM_RUN(test_read_view_and_files);
  MM_RUN(test_across_processes);
  MM_RUN(test_killed_sleeper);
  MM_RUN(test_wait_any);
  MM_RUN(test_thread_identity);
  mm_test_rmtree(dir);
  return MM_TEST_END();
}
