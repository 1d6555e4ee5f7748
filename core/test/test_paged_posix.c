/* test_paged.c — paged maps (paged.h) natively, over real files. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mm/errors.h"
#include "mm/paged.h"
#include "host.h"
#include "mmtest.h"

#define PS 4096u

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

static int write_file(const char *path, const void *buf, size_t n) {
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644), r;
  if (fd < 0) return -1;
  r = (int)write(fd, buf, n);
  close(fd);
  return r == (int)n ? 0 : -1;
}

/* Opens a readWrite map of `name`, created with `capacity` bytes if missing. */
static mm_paged_map *open_rw(const char *name, uint64_t capacity, uint32_t frames) {
  mm_paged_map *pm = NULL;
  int e;
  if (mm_paged_open_file(path_of(name), MM_MODE_OPEN_OR_CREATE, capacity, MM_ACCESS_READ_WRITE,
                         PS, frames, &pm, &e) != 0)
    return NULL;
  return pm;
}

static mm_paged_view *view_of(mm_paged_map *pm, uint64_t offset, uint64_t size, mm_access a) {
  mm_paged_view *v = NULL;
  return mm_paged_view_open(pm, offset, size, a, &v) == 0 ? v : NULL;
}

static uint8_t byte_at(mm_paged_view *v, uint64_t pos) {
  uint8_t b = 0xEE;
  if (mm_paged_view_read(v, pos, &b, 1) != 0) return 0xEE;
  return b;
}

static void test_rules_match_persisted_maps(void) {
  mm_paged_map *pm = NULL;
  int e;
  const char *p = path_of("rules.bin");
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, 0, 0, &pm, &e), MM_ENOENT);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_CREATE_NEW, 0, MM_ACCESS_READ_WRITE, 0, 0, &pm, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_paged_open_file(dir, MM_MODE_OPEN, 0, MM_ACCESS_READ, 0, 0, &pm, &e), MM_EISDIR);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_CREATE_NEW, 100000, MM_ACCESS_READ_WRITE, PS, 4, &pm, &e), 0);
  MM_CHECK_EQ(mm_paged_capacity(pm), 100000);
  MM_CHECK_EQ(mm_paged_page_size(pm), PS);
  MM_CHECK_EQ(mm_paged_frame_count(pm), 4);
  mm_paged_free(pm);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_OPEN, 10, MM_ACCESS_READ_WRITE, 0, 0, &pm, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, 1000, 0, &pm, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_paged_open_file(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, 0, 3, &pm, &e), MM_EINVAL);
  MM_CHECK(pm == NULL);
}

/* Two maps of one file share its cache: each sees the other's writes at
 * once, and a flush through either writes both (nothing is lost to a
 * write-back of a stale copy). */
static void test_two_maps_share_one_cache(void) {
  mm_paged_map *a = open_rw("shared.bin", 8 * PS, 8), *b = NULL;
  mm_paged_view *va, *vb;
  uint8_t buf[2];
  int e;
  MM_CHECK(a != NULL);
  /* The second map asks for other geometry and gets the cache's. */
  MM_CHECK_EQ(mm_paged_open_file(path_of("shared.bin"), MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE,
                                 65536, 64, &b, &e), 0);
  MM_CHECK_EQ(mm_paged_page_size(b), PS);
  MM_CHECK_EQ(mm_paged_frame_count(b), 8);
  MM_CHECK(mm_paged_file_id(a) != 0 && mm_paged_file_id(a) == mm_paged_file_id(b));
  va = view_of(a, 0, 0, MM_ACCESS_READ_WRITE);
  vb = view_of(b, 0, 0, MM_ACCESS_READ_WRITE);
  MM_CHECK(va != NULL && vb != NULL);
  MM_CHECK_EQ(mm_paged_view_write(va, 10, "A", 1), 0);
  MM_CHECK_EQ(mm_paged_view_flush(va), 0);
  MM_CHECK_EQ(byte_at(vb, 10), 'A');
  MM_CHECK_EQ(mm_paged_view_write(vb, 20, "B", 1), 0);
  MM_CHECK_EQ(byte_at(va, 20), 'B');
  MM_CHECK_EQ(mm_paged_view_flush(vb), 0);
  MM_CHECK_EQ(read_file_at(path_of("shared.bin"), buf, 1, 10), 1);
  MM_CHECK_EQ(buf[0], 'A');
  MM_CHECK_EQ(read_file_at(path_of("shared.bin"), buf, 1, 20), 1);
  MM_CHECK_EQ(buf[0], 'B');
  /* The cache lives while any map of the file does. */
  mm_paged_view_free(va);
  mm_paged_free(a);
  MM_CHECK(mm_paged_file_is_open(mm_paged_file_id(b)));
  MM_CHECK_EQ(mm_paged_view_write(vb, 30, "C", 1), 0);
  {
    uint32_t id = mm_paged_file_id(b);
    mm_paged_view_free(vb);
    mm_paged_free(b);
    MM_CHECK(!mm_paged_file_is_open(id));
  }
  MM_CHECK_EQ(read_file_at(path_of("shared.bin"), buf, 1, 30), 1);
  MM_CHECK_EQ(buf[0], 'C');
}

/* A writable map joining a cache opened by a read map writes through a
 * writable handle; a larger capacity grows the cache; mode create empties it. */
static void test_join_grows_and_writes(void) {
  mm_paged_map *r = NULL, *w = NULL, *c = NULL;
  mm_paged_view *vr, *vw;
  uint8_t buf[4];
  int e;
  MM_CHECK_EQ(write_file(path_of("join.bin"), "abcd", 4), 0);
  MM_CHECK_EQ(mm_paged_open_file(path_of("join.bin"), MM_MODE_OPEN, 0, MM_ACCESS_READ, PS, 8, &r, &e), 0);
  vr = view_of(r, 0, 0, MM_ACCESS_READ);
  MM_CHECK(vr != NULL);
  MM_CHECK_EQ(byte_at(vr, 1), 'b');
  MM_CHECK_EQ(mm_paged_open_file(path_of("join.bin"), MM_MODE_OPEN, 3 * PS, MM_ACCESS_READ_WRITE, 0, 0, &w, &e), 0);
  MM_CHECK_EQ(mm_paged_capacity(w), 3 * PS);
  vw = view_of(w, 0, 0, MM_ACCESS_READ_WRITE);
  MM_CHECK(vw != NULL);
  MM_CHECK_EQ(mm_paged_view_write(vw, 1, "X", 1), 0);
  MM_CHECK_EQ(mm_paged_view_write(vw, 2 * PS + 7, "Y", 1), 0);
  MM_CHECK_EQ(byte_at(vr, 1), 'X');
  MM_CHECK_EQ(mm_paged_view_flush(vw), 0);
  MM_CHECK_EQ(read_file_at(path_of("join.bin"), buf, 2, 0), 2);
  MM_CHECK(memcmp(buf, "aX", 2) == 0);
  MM_CHECK_EQ(read_file_at(path_of("join.bin"), buf, 1, 2 * PS + 7), 1);
  MM_CHECK_EQ(buf[0], 'Y');
  /* Mode create replaces the file: the other maps read zeros, as with mmap. */
  MM_CHECK_EQ(mm_paged_open_file(path_of("join.bin"), MM_MODE_CREATE, 3 * PS, MM_ACCESS_READ_WRITE, 0, 0, &c, &e), 0);
  MM_CHECK_EQ(byte_at(vr, 1), 0);
  MM_CHECK_EQ(byte_at(vw, 2 * PS + 7), 0);
  mm_paged_free(c);
  mm_paged_view_free(vr);
  mm_paged_view_free(vw);
  mm_paged_free(r);
  mm_paged_free(w);
  MM_CHECK_EQ(read_file_at(path_of("join.bin"), buf, 2, 0), 2);
  MM_CHECK(memcmp(buf, "\0\0", 2) == 0);
}

/* The view rules live here: ranges, pointer offsets, access, closed maps. */
static void test_view_rules(void) {
  mm_paged_map *pm = open_rw("rules-view.bin", 10 * PS, 8), *ro = NULL;
  mm_paged_view *v = NULL;
  uint8_t *frame;
  int64_t dropped;
  int e;
  MM_CHECK(pm != NULL);
  MM_CHECK_EQ(mm_paged_view_open(pm, 10 * PS, 0, MM_ACCESS_READ, &v), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_view_open(pm, PS, 9 * PS + 1, MM_ACCESS_READ, &v), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_view_open(pm, 0, 0, (mm_access)9, &v), MM_EINVAL);
  MM_CHECK_EQ(mm_paged_view_open(pm, 0, 0, MM_ACCESS_READ_WRITE_EXECUTE, &v), MM_EACCES);
  v = view_of(pm, PS + 100, 2 * PS, MM_ACCESS_READ);
  MM_CHECK(v != NULL);
  MM_CHECK_EQ(mm_paged_view_offset(v), PS + 100);
  MM_CHECK_EQ(mm_paged_view_size(v), 2 * PS);
  MM_CHECK_EQ(mm_paged_view_pointer_offset(v), 100);
  MM_CHECK_EQ(mm_paged_view_hold(v, 0, MM_PIN_READ, &frame, &dropped), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_view_hold(v, 4, MM_PIN_READ, &frame, &dropped), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_view_hold(v, 3, MM_PIN_READ, &frame, &dropped), MM_PAGED_HOLD_SHARED);
  MM_CHECK_EQ(mm_paged_view_hold(v, 1, MM_PIN_WRITE, &frame, &dropped), MM_EACCES);
  MM_CHECK_EQ(mm_paged_view_hold(v, 1, 7, &frame, &dropped), MM_EINVAL);
  MM_CHECK_EQ(mm_paged_view_write(v, 0, "x", 1), MM_EACCES);
  MM_CHECK_EQ(mm_paged_view_read(v, 2 * PS, &e, 1), MM_ERANGE);
  MM_CHECK_EQ(mm_paged_close(pm), 0);
  {
    mm_paged_view *late;
    MM_CHECK_EQ(mm_paged_view_open(pm, 0, 0, MM_ACCESS_READ, &late), MM_ECLOSED);
  }
  MM_CHECK_EQ(mm_paged_view_read(v, 0, &e, 1), 0); /* its views go on */
  MM_CHECK_EQ(mm_paged_view_close(v), 0);
  MM_CHECK_EQ(mm_paged_view_close(v), 0);
  MM_CHECK_EQ(mm_paged_view_read(v, 0, &e, 1), MM_ECLOSED);
  MM_CHECK_EQ(mm_paged_view_hold(v, 1, MM_PIN_READ, &frame, &dropped), MM_ECLOSED);
  MM_CHECK_EQ(mm_paged_view_flush(v), MM_ECLOSED);
  mm_paged_view_free(v);
  mm_paged_free(pm);
  /* A read map refuses writable views. */
  MM_CHECK_EQ(mm_paged_open_file(path_of("rules-view.bin"), MM_MODE_OPEN, 0, MM_ACCESS_READ, 0, 0, &ro, &e), 0);
  MM_CHECK_EQ(mm_paged_view_open(ro, 0, 0, MM_ACCESS_READ_WRITE, &v), MM_EACCES);
  mm_paged_free(ro);
}

/* Copy-on-write views own the pages they write; until then a page reads
 * the file's cache, as a MAP_PRIVATE page follows the file. */
static void test_copy_on_write_private_pages(void) {
  mm_paged_map *pm = open_rw("cow.bin", 12 * PS, 8), *cm = NULL;
  mm_paged_view *v, *c1, *c2, *r, *cc;
  uint8_t *frame, buf[1];
  int64_t dropped;
  int e, i;
  MM_CHECK(pm != NULL);
  v = view_of(pm, 0, 0, MM_ACCESS_READ_WRITE);
  c1 = view_of(pm, 0, 0, MM_ACCESS_COPY_ON_WRITE);
  c2 = view_of(pm, 0, 0, MM_ACCESS_COPY_ON_WRITE);
  MM_CHECK(v != NULL && c1 != NULL && c2 != NULL);
  MM_CHECK_EQ(mm_paged_view_write(v, 0, "\x0b", 1), 0);
  MM_CHECK_EQ(byte_at(c1, 0), 11);
  MM_CHECK_EQ(mm_paged_view_write(c1, 0, "\x37", 1), 0);
  MM_CHECK_EQ(byte_at(c1, 0), 55);
  MM_CHECK_EQ(byte_at(c2, 0), 11); /* a sibling copy-on-write view */
  MM_CHECK_EQ(byte_at(v, 0), 11);
  /* A page c1 has not written follows the map; one it wrote does not. */
  MM_CHECK_EQ(mm_paged_view_write(v, 3 * PS, "\x21", 1), 0);
  MM_CHECK_EQ(byte_at(c1, 3 * PS), 0x21);
  MM_CHECK_EQ(mm_paged_view_write(v, 1, "\x22", 1), 0);
  MM_CHECK_EQ(byte_at(c1, 1), 0);
  /* A writable hold is private, and so is a read hold of a private page. */
  MM_CHECK_EQ(mm_paged_view_hold(c2, 5, MM_PIN_WRITE, &frame, &dropped), MM_PAGED_HOLD_PRIVATE);
  frame[9] = 99;
  MM_CHECK_EQ(mm_paged_view_hold(c2, 5, MM_PIN_READ, &frame, &dropped), MM_PAGED_HOLD_PRIVATE);
  MM_CHECK_EQ(frame[9], 99);
  MM_CHECK_EQ(mm_paged_view_hold(c2, 6, MM_PIN_READ, &frame, &dropped), MM_PAGED_HOLD_SHARED);
  MM_CHECK_EQ(byte_at(v, 5 * PS + 9), 0);
  /* The private frames bound the changes: a ninth page does not fit in 8. */
  for (i = 0; i < 8; i++) MM_CHECK_EQ(mm_paged_view_write(c1, (uint64_t)i * PS + 2, "z", 1), 0);
  MM_CHECK_EQ(mm_paged_view_write(c1, 8 * PS, "z", 1), MM_ENOMEM);
  MM_CHECK_EQ(byte_at(c1, 8 * PS), 0); /* reads of other pages still work */
  MM_CHECK_EQ(mm_paged_view_flush(c1), 0);
  MM_CHECK_EQ(mm_paged_view_flush(v), 0);
  MM_CHECK_EQ(read_file_at(path_of("cow.bin"), buf, 1, 0), 1);
  MM_CHECK_EQ(buf[0], 11);
  MM_CHECK_EQ(read_file_at(path_of("cow.bin"), buf, 1, 2), 1);
  MM_CHECK_EQ(buf[0], 0);
  mm_paged_view_free(c1);
  mm_paged_view_free(c2);
  mm_paged_view_free(v);
  mm_paged_free(pm);
  /* A copyOnWrite map: its views' writes stay private too, and a read view never sees them. */
  MM_CHECK_EQ(mm_paged_open_file(path_of("cow.bin"), MM_MODE_OPEN, 0, MM_ACCESS_COPY_ON_WRITE, 0, 0, &cm, &e), 0);
  cc = view_of(cm, 0, 0, MM_ACCESS_COPY_ON_WRITE);
  r = view_of(cm, 0, 0, MM_ACCESS_READ);
  MM_CHECK(cc != NULL && r != NULL);
  MM_CHECK_EQ(mm_paged_view_write(cc, 0, "\x37", 1), 0);
  MM_CHECK_EQ(byte_at(r, 0), 11);
  mm_paged_view_free(cc);
  mm_paged_view_free(r);
  mm_paged_free(cm);
  MM_CHECK_EQ(read_file_at(path_of("cow.bin"), buf, 1, 0), 1);
  MM_CHECK_EQ(buf[0], 11);
}

/* Holds: a ring per file cache of frames - reserved slots; a new hold drops
 * the oldest; a page held again keeps its frame; writes upgrade; a flush
 * downgrades and leaves the pages clean; every hold goes when frames run out. */
static void test_holds(void) {
  mm_paged_map *pm = open_rw("holds.bin", 16 * PS, 8);
  mm_paged_view *v, *w;
  uint8_t *frame, *first, *again;
  int64_t dropped;
  mm_pager_stats st;
  uint64_t page;
  MM_CHECK(pm != NULL);
  v = view_of(pm, 0, 0, MM_ACCESS_READ_WRITE);
  MM_CHECK(v != NULL);
  for (page = 0; page < 4; page++) {
    MM_CHECK_EQ(mm_paged_view_hold(v, page, MM_PIN_READ, &frame, &dropped), MM_PAGED_HOLD_SHARED);
    MM_CHECK_EQ(dropped, MM_PAGED_DROPPED_NONE);
    if (page == 0) first = frame;
  }
  MM_CHECK_EQ(mm_paged_view_hold(v, 0, MM_PIN_WRITE, &again, &dropped), MM_PAGED_HOLD_SHARED);
  MM_CHECK(again == first && dropped == MM_PAGED_DROPPED_NONE);
  again[0] = 1;
  mm_paged_stats(pm, &st);
  MM_CHECK_EQ(st.pinned, 4);
  MM_CHECK_EQ(st.dirty, 1);
  MM_CHECK_EQ(mm_paged_view_hold(v, 4, MM_PIN_READ, &frame, &dropped), MM_PAGED_HOLD_SHARED);
  MM_CHECK_EQ(dropped, 0);
  MM_CHECK_EQ(mm_paged_view_flush(v), 0);
  mm_paged_stats(pm, &st);
  MM_CHECK_EQ(st.dirty, 0);
  MM_CHECK_EQ(st.pinned, 4);
  /*
   * Lends take reserved frames, but holds and lends together leave two frames
   * for reads and writes: the lend that would take one of them drops every
   * hold first, and a read that misses still finds a frame.
   */
  {
    uint8_t *lent[5], b[3];
    int i;
    w = view_of(pm, 0, 0, MM_ACCESS_READ_WRITE);
    MM_CHECK(w != NULL);
    for (i = 0; i < 5; i++) {
      MM_CHECK_EQ(mm_paged_view_lend(w, 8 + (uint64_t)i, 1, &lent[i], &dropped), 0);
      MM_CHECK_EQ(dropped, i == 2 ? MM_PAGED_DROPPED_ALL : MM_PAGED_DROPPED_NONE);
      MM_CHECK_EQ(mm_paged_view_read(v, 15 * PS + 7, b, sizeof b), 0);
    }
    mm_paged_stats(pm, &st);
    MM_CHECK_EQ(st.pinned, 5);
    MM_CHECK_EQ(mm_paged_view_hold(v, 14, MM_PIN_READ, &frame, &dropped), MM_PAGED_HOLD_SHARED);
    MM_CHECK_EQ(dropped, MM_PAGED_DROPPED_NONE);
    for (i = 0; i < 5; i++) MM_CHECK_EQ(mm_paged_view_unlend(w, lent[i], 1), 0);
    MM_CHECK_EQ(mm_paged_view_unlend(w, lent[0], 1), MM_EINVAL);
    mm_paged_view_free(w);
  }
  mm_paged_view_free(v);
  mm_paged_free(pm);
}

/* A view closed from inside its own lend (withBytes) finishes closing when
 * the lend returns: the lent bytes reach the file, opens are EBUSY while
 * lent, and every other call is ECLOSED at once. */
static void test_close_inside_a_lend(void) {
  mm_paged_map *pm = open_rw("lend.bin", 4 * PS, 8), *other = NULL;
  mm_paged_view *v, *x = NULL;
  uint8_t *frame, buf[8];
  int64_t dropped;
  int e;
  MM_CHECK(pm != NULL);
  v = view_of(pm, 0, 0, MM_ACCESS_READ_WRITE);
  MM_CHECK(v != NULL);
  MM_CHECK_EQ(mm_paged_close(pm), 0);
  MM_CHECK_EQ(mm_paged_view_lend(v, 0, 1, &frame, &dropped), 0);
  MM_CHECK_EQ(mm_paged_lent(), 1);
  memcpy(frame, "\1\2\3\4", 4);
  MM_CHECK_EQ(mm_paged_open_file(path_of("other.bin"), MM_MODE_OPEN_OR_CREATE, PS, MM_ACCESS_READ_WRITE, 0, 0, &other, &e), MM_EBUSY);
  MM_CHECK_EQ(mm_paged_close(pm), 0);
  MM_CHECK_EQ(mm_paged_view_close(v), 0);
  MM_CHECK(mm_paged_view_is_closed(v));
  MM_CHECK_EQ(mm_paged_view_read(v, 0, buf, 1), MM_ECLOSED);
  MM_CHECK_EQ(mm_paged_view_lend(v, 0, 1, &frame, &dropped), MM_ECLOSED);
  memcpy(frame + 4, "\5\6\7\10", 4); /* still the page's frame */
  mm_paged_view_free(v);             /* the owner is done; the lend is not */
  MM_CHECK_EQ(read_file_at(path_of("lend.bin"), buf, 8, 0), 8);
  MM_CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);
  MM_CHECK_EQ(mm_paged_view_unlend(v, frame, 1), 0);
  MM_CHECK_EQ(mm_paged_lent(), 0);
  MM_CHECK_EQ(read_file_at(path_of("lend.bin"), buf, 8, 0), 8);
  MM_CHECK(memcmp(buf, "\1\2\3\4\5\6\7\10", 8) == 0);
  MM_CHECK_EQ(mm_paged_open_file(path_of("other.bin"), MM_MODE_OPEN_OR_CREATE, PS, MM_ACCESS_READ_WRITE, 0, 0, &other, &e), 0);
  MM_CHECK_EQ(mm_paged_view_open(other, 0, 0, MM_ACCESS_READ, &x), 0);
  mm_paged_view_free(x);
  mm_paged_free(other);
  mm_paged_free(pm);
}

/* Reads of whole pages missing from the cache go straight to the caller, a
 * run of them in one storage read; dirty pages come from the cache. */
static void test_uncached_reads(void) {
  static uint8_t big[8 * PS];
  mm_paged_map *pm;
  mm_paged_view *v;
  mm_pager_stats st;
  memset(big, 7, sizeof big);
  MM_CHECK_EQ(write_file(path_of("uncached.bin"), big, sizeof big), 0);
  pm = open_rw("uncached.bin", 0, 4);
  MM_CHECK(pm != NULL);
  v = view_of(pm, 0, 0, MM_ACCESS_READ_WRITE);
  MM_CHECK(v != NULL);
  MM_CHECK_EQ(mm_paged_view_write(v, 3 * PS + 1, "\x09", 1), 0);
  memset(big, 0, sizeof big);
  MM_CHECK_EQ(mm_paged_view_read(v, 0, big, sizeof big), 0);
  MM_CHECK_EQ(big[3 * PS + 1], 9);
  MM_CHECK_EQ(big[7 * PS + 5], 7);
  mm_paged_stats(pm, &st);
  MM_CHECK_EQ(st.resident, 1);
  MM_CHECK_EQ(st.misses, 1);
  MM_CHECK_EQ(st.storage_reads, 3); /* page 3's load, and pages 0-2 and 4-7 read past the cache */
  mm_paged_view_free(v);
  mm_paged_free(pm);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  if (mm_test_tempdir(dir, sizeof dir, "mmtest-paged") != 0) return 2;
  MM_RUN(test_rules_match_persisted_maps);
  MM_RUN(test_two_maps_share_one_cache);
  MM_RUN(test_join_grows_and_writes);
  MM_RUN(test_view_rules);
  MM_RUN(test_copy_on_write_private_pages);
  MM_RUN(test_holds);
  MM_RUN(test_close_inside_a_lend);
  MM_RUN(test_uncached_reads);
  mm_test_rmtree(dir);
  return MM_TEST_END();
}
