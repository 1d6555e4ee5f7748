/* test_map.c — persisted maps and views on the real platform (posix.c, win32.c). */
#include <stdint.h>

#include "host.h"
#include "mm/errors.h"
#include "mm/map.h"
#include "mm/view.h"
#include "mmtest.h"

static char dir[256];

static const char *path_of(const char *name) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  return buf;
}

#define write_file mm_test_write_file
#define file_size mm_test_file_size

static void test_modes(void) {
  mm_map *m = NULL;
  int e;
  const char *p = path_of("modes.bin");
  mm_test_remove(p);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_ENOENT);
  MM_CHECK(e != 0); /* the OS's own error number (errno, or GetLastError() on Windows) */
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE_NEW, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(file_size(p), -1);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE_NEW, 10000, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(m), 10000);
  MM_CHECK_EQ(file_size(p), 10000);
  mm_map_free(m);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, &m, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(m), 10000);
  mm_map_free(m);
  /* create replaces the file: capacity 10 gives a 10-byte file */
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE, 10, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(file_size(p), 10);
  mm_map_free(m);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN_OR_CREATE, 0, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(m), 10);
  mm_map_free(m);
  mm_test_remove(p);
  /* openOrCreate with capacity 0 on a missing file: error, and no file left */
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN_OR_CREATE, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(file_size(p), -1);
}

static void test_capacity_rules(void) {
  mm_map *m = NULL;
  int e;
  const char *p = path_of("cap.bin");
  write_file(p, "hello world", 11);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 5, MM_ACCESS_READ_WRITE, &m, &e), MM_ERANGE);
  MM_CHECK_EQ(file_size(p), 11);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 100, MM_ACCESS_READ, &m, &e), MM_EACCES);
  MM_CHECK_EQ(file_size(p), 11);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE, 100, MM_ACCESS_READ, &m, &e), MM_EACCES);
  MM_CHECK_EQ(file_size(p), 11);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 100, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(file_size(p), 100);
  mm_map_free(m);
  write_file(p, "", 0);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(file_size(p), 0);
  MM_CHECK_EQ(mm_map_open_file(dir, MM_MODE_OPEN, 0, MM_ACCESS_READ, &m, &e), MM_EISDIR);
  MM_CHECK_EQ(mm_map_open_file(dir, MM_MODE_OPEN_OR_CREATE, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EISDIR);
  MM_CHECK_EQ(mm_map_open_file("", MM_MODE_OPEN, 0, MM_ACCESS_READ, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_file(p, (mm_mode)9, 0, MM_ACCESS_READ, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, (mm_access)9, &m, &e), MM_EINVAL);
  MM_CHECK(m == NULL);
}

/*
 * What is at the path decides before the capacity rules (as in .NET), and the
 * rules say why they refused, with the numbers (mm_error_detail).
 */
static void test_rule_order_and_detail(void) {
  mm_map *m = NULL;
  int e;
  const char *p = path_of("order.bin");
  write_file(p, "hello world", 11);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE_NEW, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_map_open_file(dir, MM_MODE_CREATE_NEW, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_map_open_file(dir, MM_MODE_CREATE, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_EISDIR);
  /* create with capacity 0 would empty the file: refused, and the file is left whole */
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK(strstr(mm_error_detail(), "mode create replaces the file with an empty one") != NULL);
  MM_CHECK_EQ(file_size(p), 11);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 5, MM_ACCESS_READ_WRITE, &m, &e), MM_ERANGE);
  MM_CHECK_EQ(strcmp(mm_error_detail(), "capacity 5 is below the file's size 11"), 0);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 100, MM_ACCESS_READ, &m, &e), MM_EACCES);
  MM_CHECK_EQ(strcmp(mm_error_detail(), "a read-only map cannot grow the file from 11 to 100 bytes"), 0);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, &m, &e), 0);
  MM_CHECK_EQ(mm_error_detail()[0], '\0');
  mm_map_free(m);
  write_file(p, "", 0);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(strcmp(mm_error_detail(), "cannot map an empty file without a capacity"), 0);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 18446744073709551615ull, MM_ACCESS_READ, &m, &e), MM_EACCES);
  MM_CHECK_EQ(strcmp(mm_error_detail(), "a read-only map cannot grow the file from 0 to 18446744073709551615 bytes"), 0);
  mm_test_remove(p);
}

static void test_views(void) {
  mm_map *m = NULL;
  mm_view v, w, c, scratch;
  int e;
  char buf[8] = {0};
  const char *p = path_of("views.bin");
  size_t g = mm_allocation_granularity();
  mm_test_remove(p);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE_NEW, 3 * g, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 3 * g, 0, MM_ACCESS_READ_WRITE, &v, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_open(m, g, 2 * g + 1, MM_ACCESS_READ_WRITE, &v, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_open(m, UINT64_MAX, 1, MM_ACCESS_READ_WRITE, &v, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_open(m, 1, UINT64_MAX, MM_ACCESS_READ_WRITE, &v, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_view_open(m, g + 5, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  MM_CHECK_EQ(v.pointer_offset, 5);
  MM_CHECK_EQ(v.size, 2 * g - 5);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &w, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_COPY_ON_WRITE, &c, &e), 0);
  memcpy(mm_view_data(&v), "abcdefg", 7);
  /* two views of one map see each other's writes at once */
  MM_CHECK(memcmp(mm_view_data(&w) + g + 5, "abcdefg", 7) == 0);
  /* the file sees them (shared mapping), before and after flush */
  MM_CHECK_EQ(mm_view_flush(&v, &e), 0);
  MM_CHECK_EQ(mm_test_read_at(p, buf, 7, g + 5), 7);
  MM_CHECK(memcmp(buf, "abcdefg", 7) == 0);
  /* copy-on-write writes stay private */
  memcpy(mm_view_data(&c) + g + 5, "XYZ", 3);
  MM_CHECK_EQ(mm_view_flush(&c, &e), 0);
  MM_CHECK_EQ(mm_test_read_at(p, buf, 3, g + 5), 3);
  MM_CHECK(memcmp(buf, "abc", 3) == 0);
  MM_CHECK(memcmp(mm_view_data(&w) + g + 5, "abc", 3) == 0);
  /* a write through fs is visible in an open shared view at once */
  MM_CHECK_EQ(mm_test_write_at(p, "Q", 1, 0), 1);
  MM_CHECK_EQ(mm_view_data(&w)[0], 'Q');
  /* closing the map ends no view; new views fail */
  mm_map_close(m);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &scratch, &e), MM_ECLOSED);
  MM_CHECK_EQ(mm_view_data(&v)[0], 'a');
  mm_map_free(m);
  MM_CHECK_EQ(mm_view_close(&v), 0);
  MM_CHECK_EQ(mm_view_close(&v), 0);
  MM_CHECK(mm_view_data(&v) == NULL);
  MM_CHECK_EQ(mm_view_flush(&v, &e), MM_ECLOSED);
  mm_view_close(&w);
  mm_view_close(&c);
}

static void test_access_table(void) {
  mm_map *m = NULL;
  mm_view v;
  int e;
  const char *p = path_of("access.bin");
  write_file(p, "0123456789", 10);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), MM_EACCES);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_WRITE, &v, &e), MM_EACCES);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &v, &e), 0);
  /* a stray store into a read view stays private and does not fault */
  mm_view_data(&v)[0] = 'x';
  mm_view_close(&v);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_COPY_ON_WRITE, &v, &e), 0);
  MM_CHECK_EQ(mm_view_data(&v)[0], '0');
  mm_view_close(&v);
  mm_map_free(m);
  MM_CHECK(mm_access_allows(MM_ACCESS_READ_WRITE_EXECUTE, MM_ACCESS_READ_EXECUTE));
  MM_CHECK(!mm_access_allows(MM_ACCESS_READ_EXECUTE, MM_ACCESS_READ_WRITE));
  MM_CHECK(mm_access_allows(MM_ACCESS_READ_WRITE, MM_ACCESS_WRITE));
  MM_CHECK(!mm_access_allows(MM_ACCESS_READ_WRITE, MM_ACCESS_READ_EXECUTE));
}

/*
 * Whether a store through a view's bytes stays private is what the platform
 * reports when it maps the view (mm_view.stores_private): a store through
 * each private view reaches neither the file nor another view.
 */
static void test_stores_private(void) {
  mm_map *m = NULL;
  mm_view rw, rd, cow;
  int e;
  char buf[4] = {0};
  const char *p = path_of("private.bin");
  write_file(p, "0123456789", 10);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &rw, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &rd, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_COPY_ON_WRITE, &cow, &e), 0);
  MM_CHECK_EQ(rw.stores_private, 0);
  MM_CHECK_EQ(rd.stores_private, 1);
  MM_CHECK_EQ(cow.stores_private, 1);
  mm_view_data(&rd)[0] = 'r';
  mm_view_data(&cow)[1] = 'c';
  MM_CHECK_EQ(mm_view_data(&rd)[0], 'r');
  MM_CHECK(memcmp(mm_view_data(&rw), "01", 2) == 0);
  MM_CHECK_EQ(mm_view_data(&cow)[0], '0');
  MM_CHECK_EQ(mm_view_data(&rd)[1], '1');
  MM_CHECK_EQ(mm_test_read_at(p, buf, 2, 0), 2);
  MM_CHECK(memcmp(buf, "01", 2) == 0);
  mm_view_close(&rw);
  mm_view_close(&rd);
  mm_view_close(&cow);
  mm_map_free(m);
}

static void test_retire(void) {
  mm_map *m = NULL;
  mm_view v, again;
  int e;
  uint8_t *kept;
  char buf[4];
  const char *p = path_of("retire.bin");
  size_t g = mm_allocation_granularity();
  mm_test_remove(p);
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_CREATE_NEW, 2 * g, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  kept = mm_view_data(&v);
  memcpy(kept, "live", 4);
  MM_CHECK_EQ(mm_test_mappings_of(p), 1);
  mm_map_free(m);
  if (!mm_test_retire_in_place()) {
    /*
     * Windows without placeholders (wine 8): no way to swap a view for other
     * memory in place, so retiring closes the view and keeps its mapping (of
     * its own file, nothing else) until mm_view_close.
     */
    MM_CHECK_EQ(mm_view_retire(&v, &e), MM_EUNSUPPORTED);
    MM_CHECK_EQ(mm_view_retire(&v, &e), 0);
    MM_CHECK(mm_view_data(&v) == NULL);
    MM_CHECK_EQ(mm_view_flush(&v, &e), MM_ECLOSED);
    MM_CHECK_EQ(mm_test_mappings_of(p), 1);
    MM_CHECK(memcmp(kept, "live", 4) == 0);
    MM_CHECK_EQ(mm_view_close(&v), 0);
    MM_CHECK_EQ(mm_test_mappings_of(p), 0);
    mm_test_remove(p);
    return;
  }
  /* retiring gives the file back at once, and the addresses stay valid and inert */
  MM_CHECK_EQ(mm_view_retire(&v, &e), 0);
  MM_CHECK_EQ(mm_view_retire(&v, &e), 0);
  MM_CHECK_EQ(mm_test_mappings_of(p), 0);
  MM_CHECK(mm_view_data(&v) == NULL);
  MM_CHECK_EQ(mm_view_flush(&v, &e), MM_ECLOSED);
  MM_CHECK_EQ(kept[0], 0);
  memcpy(kept + g, "late", 4); /* a stale store: lands in the inert pages */
  /* a new mapping of the file is not where the retired view was, and the store never reached the file */
  MM_CHECK_EQ(mm_map_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &again, &e), 0);
  MM_CHECK(mm_view_data(&again) != kept);
  MM_CHECK(memcmp(mm_view_data(&again), "live", 4) == 0);
  memcpy(buf, mm_view_data(&again) + g, 4);
  MM_CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
  mm_view_close(&again);
  mm_map_free(m);
  /* closing releases the addresses; closing twice is harmless */
  MM_CHECK_EQ(mm_view_close(&v), 0);
  MM_CHECK_EQ(mm_view_close(&v), 0);
  mm_test_remove(p);
}

static void test_errors(void) {
  MM_CHECK(strcmp(mm_err_name(MM_ENOENT), "ENOENT") == 0);
  MM_CHECK(strcmp(mm_err_name(MM_ECLOSED), "ECLOSED") == 0);
  MM_CHECK(strcmp(mm_err_name(12345), "EUNKNOWN") == 0);
  MM_CHECK(strcmp(mm_strerror(MM_EEXIST), "already exists") == 0);
  MM_CHECK_EQ(mm_err_from_errno(ENOSPC), MM_ENOSPC);
  MM_CHECK_EQ(mm_err_from_errno(EXDEV), MM_EIO);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  if (mm_test_tempdir(dir, sizeof dir, "mmtest-map") != 0) return 2;
  MM_RUN(test_errors);
  MM_RUN(test_modes);
  MM_RUN(test_capacity_rules);
  MM_RUN(test_rule_order_and_detail);
  MM_RUN(test_views);
  MM_RUN(test_access_table);
  MM_RUN(test_stores_private);
  MM_RUN(test_retire);
  mm_test_rmtree(dir);
  return MM_TEST_END();
}
