/*
 * test_advice.c — view advice and prefetch on the real platform (posix.c,
 * win32.c): spans round out to whole pages and stay inside the mapping,
 * every advice keeps every byte (dontNeed included, on shared and private
 * views), prefetch leaves the range readable, and bad calls get their codes.
 */
#include <stdint.h>
#include <string.h>

#include "host.h"
#include "mm/advice.h"
#include "mm/errors.h"
#include "mm/map.h"
#include "mm/view.h"
#include "mmtest.h"

#define SIZE 65536u

static char dir[256];

static const char *path_of(const char *name) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  return buf;
}

static mm_map *open_file(const char *name, mm_access access) {
  static uint8_t zeros[SIZE];
  mm_map *m = NULL;
  int e;
  mm_test_write_file(path_of(name), zeros, sizeof zeros);
  if (mm_map_open_file(path_of(name), MM_MODE_OPEN, 0, access, &m, &e) != 0) return NULL;
  return m;
}

static void test_span(void) {
  mm_map *m = open_file("span.bin", MM_ACCESS_READ_WRITE);
  mm_view v;
  void *addr = NULL;
  size_t span = 0;
  uintptr_t base;
  int e;
  MM_CHECK(m != NULL);
  MM_CHECK_EQ(mm_view_open(m, 5000, 10000, MM_ACCESS_READ_WRITE, &v, &e), 0);
  base = (uintptr_t)v.base;
  /* From the page holding the view's first byte (the mapping may start pages before it, on
   * Windows at the 64 KiB granularity) to the mapping's end. */
  MM_CHECK_EQ(mm_view_span(&v, 0, 0, &addr, &span), 0);
  MM_CHECK((uintptr_t)addr >= base && (uintptr_t)addr <= (uintptr_t)mm_view_data(&v));
  MM_CHECK((uintptr_t)mm_view_data(&v) - (uintptr_t)addr < 65536);
  MM_CHECK_EQ((uintptr_t)addr + span, base + v.length);
  MM_CHECK_EQ(mm_view_span(&v, 3000, 10, &addr, &span), 0);
  MM_CHECK((uintptr_t)addr <= (uintptr_t)mm_view_data(&v) + 3000);
  MM_CHECK((uintptr_t)addr + span >= (uintptr_t)mm_view_data(&v) + 3010);
  MM_CHECK((uintptr_t)addr + span <= base + v.length);
  MM_CHECK_EQ(mm_view_span(&v, 10000, 0, &addr, &span), 0);
  MM_CHECK_EQ(mm_view_span(&v, 10001, 0, &addr, &span), MM_ERANGE);
  MM_CHECK_EQ(mm_view_span(&v, 9000, 1001, &addr, &span), MM_ERANGE);
  mm_view_close(&v);
  MM_CHECK_EQ(mm_view_span(&v, 0, 0, &addr, &span), MM_ECLOSED);
  mm_map_free(m);
}

/* Every advice on a shared view keeps the writes, unflushed ones too, and the file gets them. */
static void test_advice_keeps_shared_writes(void) {
  mm_map *m = open_file("shared.bin", MM_ACCESS_READ_WRITE);
  mm_view v;
  uint8_t *d, disk[4];
  int e, a;
  MM_CHECK(m != NULL);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  d = mm_view_data(&v);
  for (a = 0; a < MM_ADVICE__COUNT; a++) {
    d[a * 4096 + 7] = (uint8_t)(a + 1);
    MM_CHECK_EQ(mm_view_advise(&v, (mm_advice)a, 0, 0, &e), 0);
    MM_CHECK_EQ(mm_view_advise(&v, (mm_advice)a, 4096, 8192, &e), 0);
  }
  for (a = 0; a < MM_ADVICE__COUNT; a++) MM_CHECK_EQ(d[a * 4096 + 7], a + 1);
  MM_CHECK_EQ(mm_view_flush(&v, &e), 0);
  mm_view_close(&v);
  mm_map_free(m);
  MM_CHECK_EQ(mm_test_read_at(path_of("shared.bin"), disk, 1, 4 * 4096 + 7), 1);
  MM_CHECK_EQ(disk[0], 5);
}

/* dontNeed on private views (copyOnWrite, read) keeps their private pages; the file never sees them. */
static void test_dont_need_keeps_private_pages(void) {
  mm_map *m = open_file("private.bin", MM_ACCESS_READ_WRITE);
  mm_view cow, rd;
  uint8_t disk[1];
  int e;
  MM_CHECK(m != NULL);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_COPY_ON_WRITE, &cow, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &rd, &e), 0);
  mm_view_data(&cow)[100] = 0x42;
  mm_view_data(&rd)[200] = 0x43; /* a stray store: read views are private and writable */
  MM_CHECK_EQ(mm_view_advise(&cow, MM_ADVICE_DONT_NEED, 0, 0, &e), 0);
  MM_CHECK_EQ(mm_view_advise(&rd, MM_ADVICE_DONT_NEED, 0, 0, &e), 0);
  MM_CHECK_EQ(mm_view_data(&cow)[100], 0x42);
  MM_CHECK_EQ(mm_view_data(&rd)[200], 0x43);
  mm_view_close(&cow);
  mm_view_close(&rd);
  mm_map_free(m);
  MM_CHECK_EQ(mm_test_read_at(path_of("private.bin"), disk, 1, 100), 1);
  MM_CHECK_EQ(disk[0], 0);
}

static void test_prefetch_and_bad_calls(void) {
  mm_map *m = open_file("prefetch.bin", MM_ACCESS_READ_WRITE);
  mm_view v;
  void *addr = NULL;
  size_t span = 0;
  int e;
  MM_CHECK(m != NULL);
  MM_CHECK_EQ(mm_view_open(m, 4096, 0, MM_ACCESS_READ, &v, &e), 0);
  MM_CHECK_EQ(mm_view_span(&v, 0, 0, &addr, &span), 0);
  MM_CHECK_EQ(mm_prefetch(addr, span, &e), 0);
  MM_CHECK_EQ(mm_prefetch(addr, 0, &e), 0);
  MM_CHECK_EQ(mm_view_data(&v)[SIZE - 4097], 0);
  MM_CHECK_EQ(mm_view_advise(&v, MM_ADVICE__COUNT, 0, 0, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_view_advise(&v, (mm_advice)-1, 0, 0, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_view_advise(&v, MM_ADVICE_NORMAL, SIZE - 4096 + 1, 0, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_advise(&v, MM_ADVICE_NORMAL, 1, SIZE - 4096, &e), MM_ERANGE);
  mm_view_close(&v);
  MM_CHECK_EQ(mm_view_advise(&v, MM_ADVICE_NORMAL, 0, 0, &e), MM_ECLOSED);
  mm_map_free(m);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  if (mm_test_tempdir(dir, sizeof dir, "mmtest-advice") != 0) return 2;
  MM_RUN(test_span);
  MM_RUN(test_advice_keeps_shared_writes);
  MM_RUN(test_dont_need_keeps_private_pages);
  MM_RUN(test_prefetch_and_bad_calls);
  mm_test_rmtree(dir);
  return MM_TEST_END();
}
