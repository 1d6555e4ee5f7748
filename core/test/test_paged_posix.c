/* test_paged.c — paged maps (paged.h) natively, over real files. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mm/errors.h"
#include "mm/paged.h"
#include "host.h"
#include "mmtest.h"

static char dir[256];

static const char *path_of(const char *name) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  return buf;
}

static int read_file_at(const char *path, void *buf, size_t n, off_t off) {
  int fd = open(path, O_RDONLY), r;
  if (fd < 0) return -1;
  r = (int)pread(fd, buf, n, off);
  close(fd);
  return r;
}

static void test_rules_match_persisted_maps(void) {
  mm_paged_map *pm = NULL;
  int e;
  const char *p = path_of("rules.bin");
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, 0, 0, &pm, &e), MM_ENOENT);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_CREATE_NEW, 0, MM_ACCESS_READ_WRITE, 0, 0, &pm, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_paged_open_file(dir, MM_MODE_OPEN, 0, MM_ACCESS_READ, 0, 0, &pm, &e), MM_EISDIR);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_CREATE_NEW, 100000, MM_ACCESS_READ_WRITE, 4096, 4, &pm, &e), 0);
  MM_CHECK_EQ(mm_paged_capacity(pm), 100000);
  mm_paged_free(pm);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_OPEN, 10, MM_ACCESS_READ_WRITE, 0, 0, &pm, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, 1000, 0, &pm, &e), MM_EINVAL);
  MM_CHECK(pm == NULL);
}

static void test_views_and_lifetime(void) {
  mm_paged_map *pm = NULL;
  mm_pager *a, *b, *cow;
  int e;
  char buf[8];
  const char *p = path_of("views.bin");
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_CREATE_NEW, 1 << 20, MM_ACCESS_READ_WRITE, 4096, 8, &pm, &e), 0);
  MM_CHECK_EQ(mm_paged_view_open(pm, MM_ACCESS_READ_WRITE, &a), 0);
  MM_CHECK_EQ(mm_paged_view_open(pm, MM_ACCESS_READ, &b), 0);
  MM_CHECK(a == b); /* views of one map share its pager: each sees the other's writes */
  MM_CHECK_EQ(mm_paged_view_open(pm, MM_ACCESS_READ_WRITE_EXECUTE, &cow), MM_EACCES);
  MM_CHECK_EQ(mm_pager_write(a, 500000, "shared", 6), 0);
  MM_CHECK_EQ(mm_paged_view_open(pm, MM_ACCESS_COPY_ON_WRITE, &cow), 0);
  MM_CHECK(cow != a);
  /* the private pager starts from the map's current bytes, written back or not */
  MM_CHECK_EQ(mm_pager_read(cow, 500000, buf, 6), 0);
  MM_CHECK(memcmp(buf, "shared", 6) == 0);
  MM_CHECK_EQ(mm_pager_write(cow, 500000, "PRIVAT", 6), 0);
  MM_CHECK_EQ(mm_pager_read(a, 500000, buf, 6), 0);
  MM_CHECK(memcmp(buf, "shared", 6) == 0);
  MM_CHECK_EQ(mm_paged_flush(pm), 0);
  MM_CHECK_EQ(read_file_at(p, buf, 6, 500000), 6);
  MM_CHECK(memcmp(buf, "shared", 6) == 0);
  mm_paged_view_close(pm, cow);
  /* closing the map ends no view; the last view's close writes back and closes */
  MM_CHECK_EQ(mm_pager_write(a, 10, "tail", 4), 0);
  mm_paged_free(pm);
  MM_CHECK_EQ(mm_pager_write(a, 14, "!", 1), 0);
  mm_paged_view_close(pm, b);
  MM_CHECK_EQ(read_file_at(p, buf, 5, 10), 5);
  MM_CHECK(memcmp(buf, "\0\0\0\0", 4) == 0); /* not written back yet: a view is open */
  mm_paged_view_close(pm, a);
  MM_CHECK_EQ(read_file_at(p, buf, 5, 10), 5);
  MM_CHECK(memcmp(buf, "tail!", 5) == 0);
}

static void test_closed_and_access(void) {
  mm_paged_map *pm = NULL;
  mm_pager *v;
  int e;
  const char *p = path_of("ro.bin");
  {
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    MM_CHECK_EQ(write(fd, "0123456789", 10), 10);
    close(fd);
  }
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, 4096, 4, &pm, &e), 0);
  MM_CHECK_EQ(mm_paged_view_open(pm, MM_ACCESS_READ_WRITE, &v), MM_EACCES);
  MM_CHECK_EQ(mm_paged_view_open(pm, MM_ACCESS_READ, &v), 0);
  MM_CHECK_EQ(mm_pager_write(v, 0, "x", 1), MM_EACCES);
  mm_paged_view_close(pm, v);
  MM_CHECK_EQ(mm_paged_close(pm), 0);
  MM_CHECK_EQ(mm_paged_close(pm), 0);
  MM_CHECK_EQ(mm_paged_view_open(pm, MM_ACCESS_READ, &v), MM_ECLOSED);
  MM_CHECK_EQ(mm_paged_flush(pm), MM_ECLOSED);
  mm_paged_free(pm);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  if (mm_test_tempdir(dir, sizeof dir, "mmtest-paged") != 0) return 2;
  MM_RUN(test_rules_match_persisted_maps);
  MM_RUN(test_views_and_lifetime);
  MM_RUN(test_closed_and_access);
  mm_test_rmtree(dir);
  return MM_TEST_END();
}
