/*
 * test_grow_posix.c — growing live maps (mm_map_grow, mm_paged_grow) and
 * ranged flushes (mm_view_flush_range, mm_paged_view_flush_range and its
 * slices) on POSIX: files, named files, named and anonymous shared memory,
 * with other holders in this process and in child processes.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "mm/errors.h"
#include "mm/map.h"
#include "mm/paged.h"
#include "mm/view.h"
#include "mmtest.h"

static char dir[256];
static char name[64];

#define path_of(file) mm_test_path_in(dir, file)

/* Views made before a grow keep their bytes; new views reach the new range; the file grows. */
static void test_file_grow(void) {
  mm_map *m = NULL;
  mm_view old, fresh;
  int e;
  mm_test_path p = path_of("grow.bin");
  MM_CHECK_EQ(mm_map_open_file(p.s, MM_MODE_CREATE_NEW, 5000, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &old, &e), 0);
  memcpy(mm_view_data(&old) + 4990, "0123456789", 10);
  MM_CHECK_EQ(mm_map_grow(m, 4999, &e), MM_ERANGE);
  MM_CHECK(strstr(mm_error_detail(), "capacity 4999 is below the map's capacity 5000") != NULL);
  MM_CHECK_EQ(mm_map_grow(m, 5000, &e), 0); /* the same capacity: nothing to do */
  MM_CHECK_EQ(mm_map_grow(m, 1 << 20, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(m), 1 << 20);
  MM_CHECK_EQ(mm_test_file_size(p.s), 1 << 20);
  MM_CHECK(memcmp(mm_view_data(&old) + 4990, "0123456789", 10) == 0);
  MM_CHECK_EQ(old.size, 5000);
  MM_CHECK_EQ(mm_view_open(m, 4096, 0, MM_ACCESS_READ_WRITE, &fresh, &e), 0);
  MM_CHECK_EQ(fresh.size, (1 << 20) - 4096);
  MM_CHECK(memcmp(mm_view_data(&fresh) + 4990 - 4096, "0123456789", 10) == 0);
  memcpy(mm_view_data(&fresh) + 1000000, "far", 3);
  MM_CHECK_EQ(mm_view_flush_range(&fresh, 1000000, 3, &e), 0);
  {
    char back[3];
    MM_CHECK_EQ(mm_test_read_at(p.s, back, 3, 1004096), 3);
    MM_CHECK(memcmp(back, "far", 3) == 0);
  }
  mm_view_close(&fresh);
  mm_map_close(m);
  MM_CHECK_EQ(mm_map_grow(m, 2 << 20, &e), MM_ECLOSED);
  MM_CHECK(memcmp(mm_view_data(&old) + 4990, "0123456789", 10) == 0);
  mm_view_close(&old);
  mm_map_free(m);
  mm_test_remove(p.s);
}

/* Maps whose writes do not reach the file cannot grow it; a file is never made shorter. */
static void test_grow_rules(void) {
  mm_map *r = NULL, *w = NULL, *small = NULL;
  int e;
  mm_test_path p = path_of("rules.bin");
  mm_test_write_file(p.s, "hello world", 11);
  MM_CHECK_EQ(mm_map_open_file(p.s, MM_MODE_OPEN, 0, MM_ACCESS_READ, &r, &e), 0);
  MM_CHECK_EQ(mm_map_grow(r, 100, &e), MM_EACCES);
  MM_CHECK_EQ(mm_test_file_size(p.s), 11);
  mm_map_free(r);
  MM_CHECK_EQ(mm_map_open_file(p.s, MM_MODE_OPEN, 0, MM_ACCESS_COPY_ON_WRITE, &r, &e), 0);
  MM_CHECK_EQ(mm_map_grow(r, 100, &e), MM_EACCES);
  mm_map_free(r);
  /* Two unnamed maps of the file: the one that asks for less never cuts the other's bytes. */
  MM_CHECK_EQ(mm_map_open_file(p.s, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, &w, &e), 0);
  MM_CHECK_EQ(mm_map_open_file(p.s, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, &small, &e), 0);
  MM_CHECK_EQ(mm_map_grow(w, 100000, &e), 0);
  MM_CHECK_EQ(mm_map_grow(small, 50, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(small), 50);
  MM_CHECK_EQ(mm_test_file_size(p.s), 100000);
  MM_CHECK_EQ(mm_map_grow(w, (uint64_t)1 << 62, &e), MM_EFBIG);
  MM_CHECK_EQ(mm_map_capacity(w), 100000);
  mm_map_free(w);
  mm_map_free(small);
  mm_test_remove(p.s);
}

/* Other holders of a named file map see the grown capacity; their old views keep working. */
static void test_named_file_grow(void) {
  mm_map *a = NULL, *b = NULL, *c = NULL, *late = NULL;
  mm_view vb, wide;
  int e;
  mm_test_path p = path_of("named.bin");
  MM_CHECK_EQ(mm_map_open_file_named(p.s, MM_MODE_CREATE_NEW, 10000, MM_ACCESS_READ_WRITE, name, &a, &e), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &b, &e), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 100, MM_ACCESS_READ, &c, &e), 0);
  MM_CHECK_EQ(mm_view_open(b, 0, 0, MM_ACCESS_READ_WRITE, &vb, &e), 0);
  memcpy(mm_view_data(&vb) + 9990, "before", 6);
  MM_CHECK_EQ(mm_map_grow(c, 20000, &e), MM_EACCES); /* a read holder */
  MM_CHECK_EQ(mm_map_grow(a, 30000, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(b), 30000);
  MM_CHECK_EQ(mm_map_capacity(c), 30000); /* it opened less than the size, and the name grew */
  MM_CHECK(memcmp(mm_view_data(&vb) + 9990, "before", 6) == 0);
  MM_CHECK_EQ(mm_view_open(b, 0, 0, MM_ACCESS_READ_WRITE, &wide, &e), 0);
  MM_CHECK_EQ(wide.size, 30000);
  memcpy(mm_view_data(&wide) + 29990, "after", 5);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &late, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(late), 30000); /* a new holder: the grown size, not the record's */
  MM_CHECK_EQ(mm_map_grow(b, 20000, &e), MM_ERANGE);
  mm_view_close(&vb);
  mm_view_close(&wide);
  mm_map_free(a);
  mm_map_free(b);
  mm_map_free(c);
  mm_map_free(late);
  mm_test_remove(p.s);
}

/*
 * Processes growing one named map at once, each to its own size: the
 * object ends at the largest, never cut by a smaller grower that read the
 * size before the larger one grew it.
 */
static void test_growers_never_cut(void) {
  mm_map *a = NULL;
  pid_t pids[6];
  int e, i, status;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &a, &e), 0);
  for (i = 0; i < 6; i++) {
    pids[i] = fork();
    if (pids[i] == 0) {
      mm_map *m = NULL;
      int k, err;
      if (mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &m, &err) != 0) _exit(1);
      for (k = 1; k <= 200; k++) {
        uint64_t want = 4096 + (uint64_t)(k * 6 + i) * 4096;
        int rc = mm_map_grow(m, want, &err);
        /* Below what another grower reached already: ERANGE, as for any capacity below the map's. */
        if (rc != 0 && !(rc == MM_ERANGE && mm_map_capacity(m) > want)) _exit(2);
        if (mm_map_capacity(m) < want) _exit(3);
      }
      mm_map_free(m);
      _exit(0);
    }
  }
  for (i = 0; i < 6; i++) {
    int ok = waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    MM_CHECK(ok);
  }
  MM_CHECK_EQ(mm_map_capacity(a), 4096 + (200 * 6 + 5) * 4096);
  mm_map_free(a);
}

/* Shared memory grows too: named (seen by every holder) and anonymous. */
static void test_shared_grow(void) {
  mm_map *a = NULL, *b = NULL, *anon = NULL;
  mm_view va, vb;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &a, &e), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &b, &e), 0);
  MM_CHECK_EQ(mm_view_open(a, 0, 0, MM_ACCESS_READ_WRITE, &va, &e), 0);
  memcpy(mm_view_data(&va) + 4000, "kept", 4);
  MM_CHECK_EQ(mm_map_grow(b, 3 * 4096, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(a), 3 * 4096);
  MM_CHECK_EQ(mm_view_open(a, 4096, 0, MM_ACCESS_READ_WRITE, &vb, &e), 0);
  MM_CHECK_EQ(vb.size, 2 * 4096);
  memcpy(mm_view_data(&vb) + 4096, "new", 3);
  MM_CHECK(memcmp(mm_view_data(&va) + 4000, "kept", 4) == 0);
  MM_CHECK_EQ(mm_map_grow(a, UINT64_MAX / 2, &e), MM_ENOSPC);
  mm_view_close(&va);
  mm_view_close(&vb);
  mm_map_free(a);
  mm_map_free(b);
  MM_CHECK_EQ(mm_map_open_shared(NULL, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &anon, &e), 0);
  MM_CHECK_EQ(mm_map_grow(anon, 8192, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(anon), 8192);
  MM_CHECK_EQ(mm_map_grow(anon, UINT64_MAX / 2, &e), MM_ENOMEM);
  mm_map_free(anon);
}

/* Ranged flushes: the range is checked against the view; an empty one is nothing to do. */
static void test_flush_range(void) {
  mm_map *m = NULL;
  mm_view v, cow;
  int e;
  mm_test_path p = path_of("flush.bin");
  MM_CHECK_EQ(mm_map_open_file(p.s, MM_MODE_CREATE_NEW, 3 * 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 100, 8000, MM_ACCESS_READ_WRITE, &v, &e), 0);
  MM_CHECK_EQ(mm_view_flush_range(&v, 0, 8000, &e), 0);
  MM_CHECK_EQ(mm_view_flush_range(&v, 8000, 0, &e), 0);
  MM_CHECK_EQ(mm_view_flush_range(&v, 7999, 1, &e), 0);
  MM_CHECK_EQ(mm_view_flush_range(&v, 8001, 0, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_flush_range(&v, 4000, 4001, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_flush_range(&v, 1, UINT64_MAX, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_COPY_ON_WRITE, &cow, &e), 0);
  MM_CHECK_EQ(mm_view_flush_range(&cow, 0, 10, &e), 0);
  mm_view_close(&cow);
  mm_view_close(&v);
  MM_CHECK_EQ(mm_view_flush_range(&v, 0, 1, &e), MM_ECLOSED);
  mm_map_free(m);
  mm_test_remove(p.s);
}

/* Paged maps: grow with the file's cache; flush a range, or in slices. */
static void test_paged_grow_and_flush(void) {
  mm_paged_map *pm = NULL, *ro = NULL;
  mm_paged_view *v = NULL, *wide = NULL;
  uint8_t page[4096];
  int64_t next;
  int e, i, slices = 0;
  mm_test_path p = path_of("paged.bin");
  MM_CHECK_EQ(mm_paged_open_file(p.s, MM_MODE_CREATE_NEW, 8192, MM_ACCESS_READ_WRITE, 4096, 16, &pm, &e), 0);
  MM_CHECK_EQ(mm_paged_view_open(pm, 0, 0, MM_ACCESS_READ_WRITE, &v), 0);
  MM_CHECK_EQ(mm_paged_view_write(v, 8000, "old", 3), 0);
  MM_CHECK_EQ(mm_paged_grow(pm, 8191, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_grow(pm, 12 * 4096, &e), 0);
  MM_CHECK_EQ(mm_paged_capacity(pm), 12 * 4096);
  MM_CHECK_EQ(mm_test_file_size(p.s), 12 * 4096);
  MM_CHECK_EQ(mm_paged_view_size(v), 8192);
  MM_CHECK_EQ(mm_paged_view_open(pm, 0, 0, MM_ACCESS_READ_WRITE, &wide), 0);
  MM_CHECK_EQ(mm_paged_view_size(wide), 12 * 4096);
  memset(page, 7, sizeof page);
  for (i = 2; i < 12; i++) MM_CHECK_EQ(mm_paged_view_write(wide, (uint64_t)i * 4096, page, sizeof page), 0);
  /* Slices of three pages from page 0: every dirty page is written, none twice. */
  for (next = 0; next <= 11; slices++) {
    next = mm_paged_view_write_back(wide, 0, 12 * 4096, (uint64_t)next, 3);
    MM_CHECK(next >= 0);
  }
  MM_CHECK_EQ(slices, 4); /* pages 0..1 and 2..11 dirty: 12 pages, 3 at a time */
  MM_CHECK_EQ(mm_paged_view_flush_range(wide, 0, 12 * 4096), 0);
  {
    uint8_t back[3];
    MM_CHECK_EQ(mm_test_read_at(p.s, back, 3, 11 * 4096), 3);
    MM_CHECK(back[0] == 7 && back[2] == 7);
    MM_CHECK_EQ(mm_test_read_at(p.s, back, 3, 8000), 3);
    MM_CHECK(memcmp(back, "old", 3) == 0);
  }
  MM_CHECK_EQ(mm_paged_view_flush_range(v, 8192, 1), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_view_write_back(v, 0, 8193, 0, 1), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_open_file(p.s, MM_MODE_OPEN, 0, MM_ACCESS_READ, 0, 0, &ro, &e), 0);
  MM_CHECK_EQ(mm_paged_grow(ro, 13 * 4096, &e), MM_EACCES);
  mm_paged_free(ro);
  mm_paged_view_free(v);
  mm_paged_view_free(wide);
  mm_paged_close(pm);
  MM_CHECK_EQ(mm_paged_grow(pm, 13 * 4096, &e), MM_ECLOSED);
  mm_paged_free(pm);
  mm_test_remove(p.s);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  if (mm_test_tempdir(dir, sizeof dir, "mmtest-grow") != 0) return 2;
  snprintf(name, sizeof name, "mmtest-grow-%ld", mm_test_pid());
  MM_RUN(test_file_grow);
  MM_RUN(test_grow_rules);
  MM_RUN(test_named_file_grow);
  MM_RUN(test_growers_never_cut);
  MM_RUN(test_shared_grow);
  MM_RUN(test_flush_range);
  MM_RUN(test_paged_grow_and_flush);
  mm_test_rmtree(dir);
  return MM_TEST_END();
}
