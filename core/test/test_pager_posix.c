/*
 * test_pager.c — unit tests of the emulated pager, its POSIX storage and the
 * fault-injecting storage wrapper.
 *
 * Every test works on an unlinked temporary file (so nothing is left behind
 * when a check fails) and reads the file back with plain pread to see what
 * really reached it. Crash tests put the fault wrapper with
 * MM_FAULT_TRACK_UNSYNCED between the pager and the file, so "crash" can
 * throw away what was written after the last flush, as a power cut would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm/errors.h"
#include "mm/advice.h"
#include "mm/pager.h"
#include "mm/storage.h"
#include "mm/storage_fault.h"
#include "count_sink.h"
#include "mmtest.h"

#define PS 4096u

/* ---- helpers ------------------------------------------------------------ */

/* A new temporary file opened read/write, its name in path, or -1. */
static int temp_file(char path[512]) {
  const char *dir = getenv("TMPDIR");
  snprintf(path, 512, "%s/mm_test_pager_XXXXXX",
           dir != NULL && dir[0] != '\0' ? dir : "/tmp");
  return mkstemp(path);
}

/* An unlinked temporary file opened read/write, or -1. */
static int temp_fd(void) {
  char path[512];
  int fd = temp_file(path);
  if (fd >= 0) unlink(path);
  return fd;
}

/* A storage over its own duplicate of fd, so the test keeps fd to inspect the
 * file after the storage is closed. */
static mm_storage *fd_storage(int fd) {
  mm_storage *s = NULL;
  int dup_fd = dup(fd);
  if (dup_fd < 0) return NULL;
  if (mm_storage_open_fd(dup_fd, 1, &s) != 0) {
    close(dup_fd);
    return NULL;
  }
  return s;
}

/* Reads n bytes of the file at offset, zeros past its end. */
static int file_read(int fd, uint64_t offset, void *buf, size_t n) {
  uint8_t *p = buf;
  size_t done = 0;
  while (done < n) {
    ssize_t r = pread(fd, p + done, n - done, (off_t)(offset + done));
    if (r < 0) return -1;
    if (r == 0) break;
    done += (size_t)r;
  }
  memset(p + done, 0, n - done);
  return 0;
}

static int file_write(int fd, uint64_t offset, const void *buf, size_t n) {
  return pwrite(fd, buf, n, (off_t)offset) == (ssize_t)n ? 0 : -1;
}

static uint64_t file_size(int fd) {
  off_t end = lseek(fd, 0, SEEK_END);
  return end < 0 ? 0 : (uint64_t)end;
}

/* The bytes of version `v` of page `page`: two versions differ in every byte
 * (101 is odd, so (v1 - v2) * 101 is never 0 mod 256 for |v1 - v2| < 256). */
static uint8_t pattern_byte(uint64_t page, size_t i, unsigned v) {
  return (uint8_t)(page * 31u + i * 7u + (i >> 8) + v * 101u);
}

static void fill_page(uint8_t *buf, uint64_t page, unsigned v) {
  size_t i;
  for (i = 0; i < PS; i++) buf[i] = pattern_byte(page, i, v);
}

/* Writes version v of pages [first, last) through the pager. */
static int pager_write_pages(mm_pager *p, uint64_t first, uint64_t last,
                             unsigned v) {
  uint8_t buf[PS];
  uint64_t page;
  for (page = first; page < last; page++) {
    int rc;
    fill_page(buf, page, v);
    rc = mm_pager_write(p, page * PS, buf, PS);
    if (rc != 0) return rc;
  }
  return 0;
}

/* Writes version v of pages [first, last) straight into the file. */
static int file_write_pages(int fd, uint64_t first, uint64_t last, unsigned v) {
  uint8_t buf[PS];
  uint64_t page;
  for (page = first; page < last; page++) {
    fill_page(buf, page, v);
    if (file_write(fd, page * PS, buf, PS) != 0) return -1;
  }
  return 0;
}

/* Which version (of those in [1, max_v]) page `page` of the file holds
 * entirely: 0 for all zeros, -1 for none (a torn or corrupt page). */
static int file_page_version(int fd, uint64_t page, unsigned max_v) {
  uint8_t buf[PS], want[PS];
  unsigned v;
  if (file_read(fd, page * PS, buf, PS) != 0) return -1;
  memset(want, 0, PS);
  if (memcmp(buf, want, PS) == 0) return 0;
  for (v = 1; v <= max_v; v++) {
    fill_page(want, page, v);
    if (memcmp(buf, want, PS) == 0) return (int)v;
  }
  return -1;
}

/* Checks that page `page` read through the pager is version v. */
static int pager_page_is(mm_pager *p, uint64_t page, unsigned v) {
  uint8_t buf[PS], want[PS];
  if (mm_pager_read(p, page * PS, buf, PS) != 0) return 0;
  fill_page(want, page, v);
  return memcmp(buf, want, PS) == 0;
}

static uint64_t rng_state = 0x243F6A8885A308D3u;

static uint64_t rng(void) { /* xorshift64 */
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* A storage that can only be read: forwards read_at and size to `inner`. */
typedef struct ro_storage {
  mm_storage base;
  mm_storage *inner;
} ro_storage;

static int ro_read_at(mm_storage *s, void *buf, size_t n, uint64_t offset) {
  mm_storage *in = ((ro_storage *)s)->inner;
  return in->methods->read_at(in, buf, n, offset);
}

static int ro_size(mm_storage *s, uint64_t *out) {
  mm_storage *in = ((ro_storage *)s)->inner;
  return in->methods->size(in, out);
}

static int ro_close(mm_storage *s) {
  mm_storage *in = ((ro_storage *)s)->inner;
  int rc = in->methods->close(in);
  free(s);
  return rc;
}

static const mm_storage_methods ro_methods = {
    MM_STORAGE_VERSION, ro_read_at, NULL, ro_size, NULL, NULL, ro_close};

static mm_storage *ro_storage_open(int fd) {
  ro_storage *rs = calloc(1, sizeof *rs);
  if (rs == NULL) return NULL;
  rs->inner = fd_storage(fd);
  if (rs->inner == NULL) {
    free(rs);
    return NULL;
  }
  rs->base.methods = &ro_methods;
  return &rs->base;
}

/* ---- tests ---------------------------------------------------------------- */

/* Writes that cross page boundaries read back, reach the file on close, and
 * the last, partial page never writes past the capacity. */
static void test_roundtrip_across_pages(void) {
  const uint64_t cap = 10 * PS + 123;
  int fd = temp_fd();
  uint8_t *model = calloc(1, cap), *got = calloc(1, cap);
  uint8_t buf[3 * PS + 100];
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  size_t i;
  MM_CHECK(fd >= 0 && s != NULL && model != NULL && got != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, cap, 0, &p), 0);
  MM_CHECK_EQ(file_size(fd), cap); /* the capacity grew the empty file */
  MM_CHECK_EQ(mm_pager_page_size(p), PS);
  MM_CHECK_EQ(mm_pager_frame_count(p), 4);
  MM_CHECK_EQ(mm_pager_capacity(p), cap);

  for (i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 13 + 5);
  MM_CHECK_EQ(mm_pager_write(p, 4000, buf, sizeof buf), 0);
  memcpy(model + 4000, buf, sizeof buf);
  MM_CHECK_EQ(mm_pager_write(p, cap - 50, buf, 50), 0);
  memcpy(model + cap - 50, buf, 50);
  MM_CHECK_EQ(mm_pager_write(p, 7 * PS - 1, "xy", 2), 0);
  memcpy(model + 7 * PS - 1, "xy", 2);

  MM_CHECK_EQ(mm_pager_read(p, 0, got, cap), 0);
  MM_CHECK(memcmp(got, model, cap) == 0);
  MM_CHECK_EQ(mm_pager_read(p, 4000 + 2, got, 3 * PS), 0);
  MM_CHECK(memcmp(got, model + 4002, 3 * PS) == 0);

  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(file_size(fd), cap);
  MM_CHECK_EQ(file_read(fd, 0, got, cap), 0);
  MM_CHECK(memcmp(got, model, cap) == 0);
  free(model);
  free(got);
  close(fd);
}

/* 100k random reads, writes and pinned accesses over 64 MiB with a 256 KiB
 * cache, checked against an in-memory model; then the file is checked byte by
 * byte, directly and through a fresh pager with another page size. */
static void test_random_ops_against_model(void) {
  const uint64_t cap = 64u << 20;
  const int ops = 100000;
  int fd = temp_fd();
  uint8_t *model = calloc(1, cap), *got = malloc(1u << 20);
  uint8_t buf[3 * PS];
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint64_t off;
  int op;
  MM_CHECK(fd >= 0 && s != NULL && model != NULL && got != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 64, cap, 0, &p), 0);
  rng_state = 0x243F6A8885A308D3u;
  for (op = 0; op < ops; op++) {
    uint64_t r = rng();
    unsigned kind = (unsigned)(r % 16);
    size_t len = (r >> 8) % 4 == 0 ? 1 + (size_t)((r >> 16) % (3 * PS))
                                   : 1 + (size_t)((r >> 16) % 64);
    uint64_t at = rng() % (cap - len + 1);
    if (kind < 7) {
      size_t i;
      for (i = 0; i < len; i++) buf[i] = (uint8_t)(r >> (i % 56));
      MM_CHECK_EQ(mm_pager_write(p, at, buf, len), 0);
      memcpy(model + at, buf, len);
    } else if (kind < 13) {
      MM_CHECK_EQ(mm_pager_read(p, at, buf, len), 0);
      MM_CHECK(memcmp(buf, model + at, len) == 0);
    } else if (kind < 15) {
      /* Zero-copy access as JS does it: pin, use the frame, unpin. */
      uint64_t page = at / PS;
      int writable = kind == 14;
      uint8_t *frame = NULL;
      int f = mm_pager_pin(p, page, writable, &frame);
      MM_CHECK(f >= 0);
      MM_CHECK(frame == mm_pager_frame_base(p) + (size_t)f * PS);
      MM_CHECK(memcmp(frame, model + page * PS, PS) == 0);
      if (writable) {
        size_t in = (size_t)(at % PS), n = len < PS - in ? len : PS - in;
        memset(frame + in, (int)(r >> 24), n);
        memset(model + at, (int)(r >> 24), n);
      }
      MM_CHECK_EQ(mm_pager_unpin(p, f, writable), 0);
    } else if (r % 4096 < 2) {
      MM_CHECK_EQ(mm_pager_flush(p), 0);
    }
  }
  mm_pager_get_stats(p, &st);
  MM_CHECK(st.misses > 0 && st.hits > 0 && st.evictions > 0);
  MM_CHECK(st.storage_writes > 0 && st.storage_reads > 0);
  MM_CHECK_EQ(st.pinned, 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);

  for (off = 0; off < cap; off += 1u << 20) {
    MM_CHECK_EQ(file_read(fd, off, got, 1u << 20), 0);
    MM_CHECK(memcmp(got, model + off, 1u << 20) == 0);
  }
  s = fd_storage(fd);
  MM_CHECK(s != NULL);
  MM_CHECK_EQ(mm_pager_open(s, 65536, 8, 0, MM_PAGER_READONLY, &p), 0);
  MM_CHECK_EQ(mm_pager_capacity(p), cap);
  for (off = 0; off < cap; off += 1u << 20) {
    MM_CHECK_EQ(mm_pager_read(p, off, got, 1u << 20), 0);
    MM_CHECK(memcmp(got, model + off, 1u << 20) == 0);
  }
  MM_CHECK_EQ(mm_pager_close(p), 0);
  free(model);
  free(got);
  close(fd);
}

/* Hits and misses are counted per page request. */
static void test_stats_hits_misses(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint8_t b[2];
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, 8 * PS, 0, &p), 0);
  MM_CHECK_EQ(mm_pager_read(p, 10, b, 1), 0);
  MM_CHECK_EQ(mm_pager_read(p, 20, b, 1), 0);
  MM_CHECK_EQ(mm_pager_read(p, PS - 1, b, 2), 0); /* page 0 hit, page 1 miss */
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.misses, 2);
  MM_CHECK_EQ(st.hits, 2);
  MM_CHECK_EQ(st.storage_reads, 2);
  MM_CHECK_EQ(st.resident, 2);
  MM_CHECK_EQ(st.dirty, 0);
  MM_CHECK_EQ(st.evictions, 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* CLOCK gives a second chance: a page used since the hand last passed it
 * outlives an older page that was not. */
static void test_clock_gives_second_chance(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint64_t page, reads;
  uint8_t b;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, 16 * PS, 0, &p), 0);
  for (page = 0; page < 5; page++) {
    MM_CHECK_EQ(mm_pager_read(p, page * PS, &b, 1), 0); /* 4 evicts 0 */
  }
  MM_CHECK_EQ(mm_pager_read(p, 1 * PS, &b, 1), 0); /* page 1 used again */
  MM_CHECK_EQ(mm_pager_read(p, 5 * PS, &b, 1), 0); /* evicts 2, not 1 */
  mm_pager_get_stats(p, &st);
  reads = st.storage_reads;
  MM_CHECK_EQ(reads, 6);
  MM_CHECK_EQ(mm_pager_read(p, 1 * PS, &b, 1), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.storage_reads, reads); /* a hit */
  MM_CHECK_EQ(mm_pager_read(p, 2 * PS, &b, 1), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.storage_reads, reads + 1); /* a miss */
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* Evicting a dirty page writes it to the storage before the frame is reused. */
static void test_eviction_writes_back(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint64_t page;
  unsigned in_file = 0;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, 16 * PS, 0, &p), 0);
  MM_CHECK_EQ(pager_write_pages(p, 0, 16, 1), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.evictions, 12);
  MM_CHECK_EQ(st.storage_writes, 12);
  MM_CHECK_EQ(st.storage_reads, 0); /* whole-page writes read nothing */
  MM_CHECK_EQ(st.resident, 4);
  MM_CHECK_EQ(st.dirty, 4);
  for (page = 0; page < 16; page++) {
    int v = file_page_version(fd, page, 1);
    MM_CHECK(v == 0 || v == 1);
    in_file += v == 1;
  }
  MM_CHECK_EQ(in_file, 12); /* exactly the evicted pages reached the file */
  for (page = 0; page < 16; page++) MM_CHECK(pager_page_is(p, page, 1));
  MM_CHECK_EQ(mm_pager_close(p), 0);
  for (page = 0; page < 16; page++) MM_CHECK_EQ(file_page_version(fd, page, 1), 1);
  close(fd);
}

/* Opens a pager over a crash-tracking fault wrapper over fd. */
static int open_tracked(int fd, uint32_t frames, uint64_t cap, mm_storage **fault,
                        mm_pager **p) {
  mm_storage *s = fd_storage(fd);
  int rc;
  if (s == NULL) return MM_EIO;
  rc = mm_storage_fault_open(s, MM_FAULT_OWN_INNER | MM_FAULT_TRACK_UNSYNCED,
                             fault);
  if (rc != 0) {
    s->methods->close(s);
    return rc;
  }
  rc = mm_pager_open(*fault, PS, frames, cap, 0, p);
  if (rc != 0) (*fault)->methods->close(*fault);
  return rc;
}

/* A crash that loses every unsynced write leaves exactly the flushed state:
 * nothing flushed is lost, nothing written later (evicted or not) survives. */
static void test_flush_then_crash_loses_only_unflushed(void) {
  int fd = temp_fd();
  mm_storage *fault = NULL;
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint64_t page;
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(open_tracked(fd, 8, 32 * PS, &fault, &p), 0);
  MM_CHECK_EQ(pager_write_pages(p, 0, 32, 1), 0);
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  /* v2 of pages 0-15: 0-7 are evicted (written back), 8-15 stay dirty. */
  MM_CHECK_EQ(pager_write_pages(p, 0, 16, 2), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 8);
  /* Flushing pages 8-11 writes them and syncs everything written before,
   * the evicted pages 0-7 included. */
  MM_CHECK_EQ(mm_pager_flush_range(p, 8 * PS, 4 * PS), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 4);
  /* v3 of pages 0-1 evicts some of 8-15, writing back the dirty ones. */
  MM_CHECK_EQ(pager_write_pages(p, 0, 2, 3), 0);
  MM_CHECK_EQ(mm_storage_fault_crash(fault, MM_FAULT_CRASH_LOSE_UNSYNCED, 0), 0);
  mm_pager_drop(p);
  for (page = 0; page < 32; page++) {
    MM_CHECK_EQ(file_page_version(fd, page, 3), page < 12 ? 2 : 1);
  }
  close(fd);
}

/* A crash that keeps unsynced writes (the process died, the OS did not)
 * leaves the flushed state plus exactly the pages written back since; the
 * dirty pages still in the cache never reach the file. */
static void test_drop_keeps_written_back_pages_only(void) {
  int fd = temp_fd();
  mm_storage *fault = NULL;
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint64_t page, written_back;
  unsigned v2 = 0;
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(open_tracked(fd, 8, 32 * PS, &fault, &p), 0);
  MM_CHECK_EQ(pager_write_pages(p, 0, 32, 1), 0);
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  mm_pager_get_stats(p, &st);
  written_back = st.storage_writes;
  MM_CHECK_EQ(pager_write_pages(p, 0, 16, 2), 0);
  mm_pager_get_stats(p, &st);
  written_back = st.storage_writes - written_back;
  MM_CHECK(written_back > 0 && st.dirty > 0);
  MM_CHECK_EQ(mm_storage_fault_crash(fault, MM_FAULT_CRASH_KEEP_UNSYNCED, 0), 0);
  mm_pager_drop(p);
  for (page = 0; page < 32; page++) {
    int v = file_page_version(fd, page, 2);
    MM_CHECK(v == 1 || (v == 2 && page < 16));
    v2 += v == 2;
  }
  MM_CHECK_EQ(v2, written_back);
  close(fd);
}

/* A power cut that keeps a random subset of the unsynced writes leaves every
 * page whole, as flushed or as written later, over many seeds. */
static void test_random_crash_never_tears_pages(void) {
  uint32_t seed;
  for (seed = 1; seed <= 8; seed++) {
    int fd = temp_fd();
    mm_storage *fault = NULL;
    mm_pager *p = NULL;
    uint64_t page;
    MM_CHECK(fd >= 0);
    MM_CHECK_EQ(open_tracked(fd, 4, 24 * PS, &fault, &p), 0);
    MM_CHECK_EQ(pager_write_pages(p, 0, 24, 1), 0);
    MM_CHECK_EQ(mm_pager_flush(p), 0);
    MM_CHECK_EQ(pager_write_pages(p, 0, 12, 2), 0);
    MM_CHECK_EQ(pager_write_pages(p, 6, 12, 3), 0);
    MM_CHECK_EQ(mm_storage_fault_crash(fault, MM_FAULT_CRASH_RANDOM, seed), 0);
    mm_pager_drop(p);
    for (page = 0; page < 24; page++) {
      int v = file_page_version(fd, page, 3);
      if (page >= 12) MM_CHECK_EQ(v, 1);
      else if (page < 6) MM_CHECK(v == 1 || v == 2);
      else MM_CHECK(v >= 1 && v <= 3);
    }
    close(fd);
  }
}

/* Pinned frames are never evicted; when every frame is pinned a load fails
 * with MM_ENOMEM and corrupts nothing; frame addresses translate both ways. */
static void test_pinning_prevents_eviction(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  mm_pager_stats st;
  int f[4];
  uint8_t *ptr[4], *base, want[PS], b;
  uint64_t page;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(file_write_pages(fd, 0, 16, 1), 0);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, 0, 0, &p), 0);
  MM_CHECK_EQ(mm_pager_capacity(p), 16 * PS);
  base = mm_pager_frame_base(p);
  MM_CHECK(((uintptr_t)base % 64) == 0);
  for (page = 0; page < 4; page++) {
    f[page] = mm_pager_pin(p, page, 0, &ptr[page]);
    MM_CHECK(f[page] >= 0);
    MM_CHECK(ptr[page] == base + (size_t)f[page] * PS);
    MM_CHECK(mm_pager_frame_ptr(p, f[page]) == ptr[page]);
    MM_CHECK_EQ(mm_pager_frame_index(p, ptr[page] + 100), f[page]);
  }
  MM_CHECK(mm_pager_frame_ptr(p, 4) == NULL && mm_pager_frame_ptr(p, -1) == NULL);
  MM_CHECK_EQ(mm_pager_frame_index(p, base - 1), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_frame_index(p, base + 4 * PS), MM_EINVAL);

  MM_CHECK_EQ(mm_pager_read(p, 8 * PS, &b, 1), MM_ENOMEM);
  MM_CHECK_EQ(mm_pager_pin(p, 9, 0, NULL), MM_ENOMEM);
  MM_CHECK_EQ(mm_pager_write(p, 10 * PS, &b, 1), MM_ENOMEM);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.pinned, 4);
  MM_CHECK_EQ(st.resident, 4);
  for (page = 0; page < 4; page++) {
    fill_page(want, page, 1);
    MM_CHECK(memcmp(ptr[page], want, PS) == 0);
  }

  /* Pins nest: page 0 pinned twice stays after one unpin. */
  MM_CHECK_EQ(mm_pager_pin(p, 0, 0, NULL), f[0]);
  MM_CHECK_EQ(mm_pager_unpin(p, f[0], 0), 0);
  MM_CHECK_EQ(mm_pager_read(p, 8 * PS, &b, 1), MM_ENOMEM);
  /* Freeing page 1 lets loads proceed, through its frame only. */
  MM_CHECK_EQ(mm_pager_unpin(p, f[1], 0), 0);
  MM_CHECK(pager_page_is(p, 8, 1));
  MM_CHECK(pager_page_is(p, 9, 1));
  for (page = 0; page < 4; page++) {
    if (page == 1) continue;
    MM_CHECK_EQ(mm_pager_pin(p, page, 0, NULL), f[page]);
    MM_CHECK_EQ(mm_pager_unpin(p, f[page], 0), 0);
  }

  /* Unpin misuse is refused and changes nothing. */
  MM_CHECK_EQ(mm_pager_unpin(p, f[1], 0), MM_EINVAL);  /* no longer pinned */
  MM_CHECK_EQ(mm_pager_unpin(p, f[0], 1), MM_EINVAL);  /* not pinned writable */
  MM_CHECK_EQ(mm_pager_unpin(p, 4, 0), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_unpin(p, -1, 0), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_close(p), MM_EBUSY);            /* pages 0, 2, 3 pinned */
  MM_CHECK_EQ(mm_pager_unpin(p, f[0], 0), 0);
  MM_CHECK_EQ(mm_pager_unpin(p, f[2], 0), 0);
  MM_CHECK_EQ(mm_pager_unpin(p, f[3], 0), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* A page pinned writable is written back by a flush while it stays pinned,
 * and writes made through the frame after that flush still reach the file. */
static void test_writable_pin_survives_flush(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint8_t *frame = NULL, got[4];
  int f;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, 8 * PS, 0, &p), 0);
  f = mm_pager_pin(p, 5, 1, &frame);
  MM_CHECK(f >= 0);
  memcpy(frame + 10, "AAAA", 4);
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  MM_CHECK_EQ(file_read(fd, 5 * PS + 10, got, 4), 0);
  MM_CHECK(memcmp(got, "AAAA", 4) == 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 1); /* still writable by its pinner */
  memcpy(frame + 10, "BBBB", 4);
  MM_CHECK_EQ(mm_pager_unpin(p, f, 1), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(file_read(fd, 5 * PS + 10, got, 4), 0);
  MM_CHECK(memcmp(got, "BBBB", 4) == 0);
  close(fd);
}

/* An overwrite pin makes a writable page without reading the storage: a page
 * not in the cache starts as zeros (never the stale bytes of the frame's last
 * page), one already in the cache keeps its bytes, and what the pinner writes
 * is written back like any write. Read-only pagers refuse it; unknown pin
 * kinds are MM_EINVAL. */
static void test_overwrite_pin_skips_the_load(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint8_t *frame = NULL, got[PS];
  size_t i;
  int f, zeros = 1;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(file_write_pages(fd, 0, 8, 1), 0);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, 8 * PS, 0, &p), 0);
  /* Fill every frame with other pages first, so that stale bytes would show. */
  for (i = 0; i < 6; i++) MM_CHECK(pager_page_is(p, i, 1));
  mm_pager_get_stats(p, &st);
  uint64_t reads = st.storage_reads;
  f = mm_pager_pin(p, 7, MM_PIN_OVERWRITE, &frame);
  MM_CHECK(f >= 0);
  for (i = 0; i < PS; i++) zeros &= frame[i] == 0;
  MM_CHECK(zeros);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.storage_reads, reads); /* not loaded */
  memset(frame, 0xA5, PS);
  MM_CHECK_EQ(mm_pager_unpin(p, f, MM_PIN_WRITE), 0);
  /* A resident page keeps its bytes under an overwrite pin. */
  f = mm_pager_pin(p, 7, MM_PIN_OVERWRITE, &frame);
  MM_CHECK(f >= 0 && frame[0] == 0xA5 && frame[PS - 1] == 0xA5);
  MM_CHECK_EQ(mm_pager_unpin(p, f, MM_PIN_WRITE), 0);
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  MM_CHECK_EQ(file_read(fd, 7 * PS, got, PS), 0);
  for (i = 0; i < PS; i++) MM_CHECK(got[i] == 0xA5);
  MM_CHECK_EQ(mm_pager_pin(p, 0, 3, NULL), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_pin(p, 0, -1, NULL), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_pin(p, 8, MM_PIN_OVERWRITE, NULL), MM_ERANGE);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.pinned, 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);

  fd = temp_fd();
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(file_write_pages(fd, 0, 2, 1), 0);
  s = fd_storage(fd);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, 0, MM_PAGER_READONLY, &p), 0);
  MM_CHECK_EQ(mm_pager_pin(p, 0, MM_PIN_OVERWRITE, NULL), MM_EACCES);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* A failed read reaches the caller as MM_EIO and leaves no page behind;
 * transient faults pass, persistent ones last until disarmed. */
static void test_fault_read(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd), *fault = NULL;
  mm_pager *p = NULL;
  mm_pager_stats st;
  mm_fault_stats fst;
  uint8_t b;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(file_write_pages(fd, 0, 16, 1), 0);
  MM_CHECK_EQ(mm_storage_fault_open(s, MM_FAULT_OWN_INNER, &fault), 0);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 0, 0, &p), 0);

  mm_storage_fault_arm(fault, MM_FAULT_READ, 1, 0);
  MM_CHECK_EQ(mm_pager_read(p, 3 * PS, &b, 1), MM_EIO);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 0);
  MM_CHECK(pager_page_is(p, 3, 1)); /* read again: it loads, correctly */

  mm_storage_fault_arm(fault, MM_FAULT_READ, 2, MM_FAULT_PERSISTENT);
  MM_CHECK(pager_page_is(p, 4, 1));
  MM_CHECK_EQ(mm_pager_read(p, 5 * PS, &b, 1), MM_EIO);
  MM_CHECK_EQ(mm_pager_pin(p, 6, 0, NULL), MM_EIO);
  MM_CHECK(pager_page_is(p, 4, 1)); /* cached pages still serve */
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 2);
  mm_storage_fault_get_stats(fault, &fst);
  MM_CHECK_EQ(fst.faults[MM_FAULT_READ], 3);
  MM_CHECK_EQ(fst.calls[MM_FAULT_READ], 5);
  mm_storage_fault_arm(fault, MM_FAULT_READ, 0, 0);
  MM_CHECK(pager_page_is(p, 5, 1));
  MM_CHECK(pager_page_is(p, 6, 1));
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* A failed write-back keeps the page dirty and cached: the caller gets
 * MM_EIO, a retry succeeds, and the file ends up with every byte. */
static void test_fault_write(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd), *fault = NULL;
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint8_t b;
  uint64_t page;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_storage_fault_open(s, MM_FAULT_OWN_INNER, &fault), 0);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 16 * PS, 0, &p), 0);

  /* Transient: the eviction needed by a read fails, then works. */
  MM_CHECK_EQ(pager_write_pages(p, 0, 4, 1), 0);
  mm_storage_fault_arm(fault, MM_FAULT_WRITE, 1, 0);
  MM_CHECK_EQ(mm_pager_read(p, 10 * PS, &b, 1), MM_EIO);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 4);
  MM_CHECK_EQ(st.resident, 4);
  MM_CHECK_EQ(mm_pager_read(p, 10 * PS, &b, 1), 0);
  for (page = 0; page < 4; page++) MM_CHECK(pager_page_is(p, page, 1));
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  for (page = 0; page < 4; page++) MM_CHECK_EQ(file_page_version(fd, page, 1), 1);

  /* Persistent: flush and close fail and keep the data; disarmed, close
   * writes it. */
  MM_CHECK_EQ(pager_write_pages(p, 0, 4, 2), 0);
  mm_storage_fault_arm(fault, MM_FAULT_WRITE, 1, MM_FAULT_PERSISTENT);
  MM_CHECK_EQ(mm_pager_flush(p), MM_EIO);
  MM_CHECK_EQ(mm_pager_flush(p), MM_EIO);
  MM_CHECK_EQ(mm_pager_close(p), MM_EIO); /* still open */
  for (page = 0; page < 4; page++) MM_CHECK(pager_page_is(p, page, 2));
  mm_storage_fault_arm(fault, MM_FAULT_WRITE, 0, 0);

  /* Torn: half the page reaches the file, the retry writes all of it. */
  MM_CHECK_EQ(pager_write_pages(p, 2, 3, 3), 0);
  MM_CHECK_EQ(mm_pager_flush_range(p, 2 * PS, PS), 0); /* v3 to disk */
  MM_CHECK_EQ(pager_write_pages(p, 2, 3, 4), 0);
  mm_storage_fault_arm(fault, MM_FAULT_WRITE, 1, MM_FAULT_TORN);
  MM_CHECK_EQ(mm_pager_flush_range(p, 2 * PS, 1), MM_EIO);
  MM_CHECK_EQ(file_page_version(fd, 2, 4), -1); /* torn on disk */
  MM_CHECK_EQ(mm_pager_close(p), 0);
  for (page = 0; page < 4; page++) {
    MM_CHECK_EQ(file_page_version(fd, page, 4), page == 2 ? 4 : 2);
  }
  close(fd);
}

/* A failed storage flush marks the pages it wrote dirty again, so the retry
 * rewrites them and nothing is lost even if the failed flush dropped them. */
static void test_fault_flush(void) {
  int fd = temp_fd();
  mm_storage *fault = NULL;
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint64_t page, writes;
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(open_tracked(fd, 8, 8 * PS, &fault, &p), 0);
  MM_CHECK_EQ(pager_write_pages(p, 0, 6, 1), 0);
  mm_storage_fault_arm(fault, MM_FAULT_FLUSH, 1, 0);
  MM_CHECK_EQ(mm_pager_flush(p), MM_EIO);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 6);
  writes = st.storage_writes;
  MM_CHECK_EQ(writes, 6);
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 0);
  MM_CHECK_EQ(st.storage_writes, 12);
  MM_CHECK_EQ(st.storage_flushes, 2);
  MM_CHECK_EQ(mm_storage_fault_crash(fault, MM_FAULT_CRASH_LOSE_UNSYNCED, 0), 0);
  mm_pager_drop(p);
  for (page = 0; page < 6; page++) MM_CHECK_EQ(file_page_version(fd, page, 1), 1);
  close(fd);
}

/* Failures of size and truncate make open fail cleanly; the caller still
 * owns the storage. */
static void test_fault_open(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd), *fault = NULL;
  mm_pager *p = NULL;
  mm_fault_stats fst;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_storage_fault_open(s, MM_FAULT_OWN_INNER, &fault), 0);
  mm_storage_fault_arm(fault, MM_FAULT_SIZE, 1, 0);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 8 * PS, 0, &p), MM_EIO);
  mm_storage_fault_arm(fault, MM_FAULT_TRUNCATE, 1, 0);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 8 * PS, 0, &p), MM_EIO);
  MM_CHECK(p == NULL);
  MM_CHECK_EQ(file_size(fd), 0);
  mm_storage_fault_get_stats(fault, &fst);
  MM_CHECK_EQ(fst.calls[MM_FAULT_SIZE], 2);
  MM_CHECK_EQ(fst.faults[MM_FAULT_SIZE], 1);
  MM_CHECK_EQ(fst.faults[MM_FAULT_TRUNCATE], 1);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 8 * PS, 0, &p), 0);
  MM_CHECK_EQ(file_size(fd), 8 * PS);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* A private (copy-on-write) pager sees its own writes and never writes,
 * grows or flushes the storage; written private pages are never evicted, and
 * a cache full of them gives MM_ENOMEM. */
static void test_copy_on_write_never_reaches_file(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd), *fault = NULL;
  mm_pager *p = NULL;
  mm_fault_stats fst;
  uint8_t b, zeros[PS], got[PS];
  uint64_t page;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(file_write_pages(fd, 0, 16, 1), 0);
  MM_CHECK_EQ(mm_storage_fault_open(s, MM_FAULT_OWN_INNER, &fault), 0);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 20 * PS, MM_PAGER_PRIVATE, &p), 0);
  MM_CHECK_EQ(file_size(fd), 16 * PS); /* not grown */

  MM_CHECK_EQ(pager_write_pages(p, 0, 2, 2), 0);
  for (page = 2; page < 16; page++) MM_CHECK(pager_page_is(p, page, 1));
  MM_CHECK(pager_page_is(p, 0, 2) && pager_page_is(p, 1, 2));
  memset(zeros, 0, PS);
  MM_CHECK_EQ(mm_pager_read(p, 18 * PS, got, PS), 0); /* past the file */
  MM_CHECK(memcmp(got, zeros, PS) == 0);
  MM_CHECK_EQ(mm_pager_flush(p), 0);

  MM_CHECK_EQ(pager_write_pages(p, 18, 20, 2), 0);
  MM_CHECK_EQ(mm_pager_read(p, 9 * PS, &b, 1), MM_ENOMEM);
  MM_CHECK(pager_page_is(p, 0, 2) && pager_page_is(p, 1, 2));
  MM_CHECK(pager_page_is(p, 18, 2) && pager_page_is(p, 19, 2));

  mm_storage_fault_get_stats(fault, &fst);
  MM_CHECK_EQ(fst.calls[MM_FAULT_WRITE], 0);
  MM_CHECK_EQ(fst.calls[MM_FAULT_TRUNCATE], 0);
  MM_CHECK_EQ(fst.calls[MM_FAULT_FLUSH], 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(file_size(fd), 16 * PS);
  for (page = 0; page < 16; page++) MM_CHECK_EQ(file_page_version(fd, page, 2), 1);
  close(fd);
}

/* A read-only pager refuses writes; a storage without write_at can only back
 * read-only or private pagers, and the fault wrapper keeps its NULL slots. */
static void test_read_only(void) {
  int fd = temp_fd();
  mm_storage *ro = NULL, *fault = NULL;
  mm_pager *p = NULL;
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(file_write_pages(fd, 0, 8, 1), 0);
  ro = ro_storage_open(fd);
  MM_CHECK(ro != NULL);
  MM_CHECK_EQ(mm_pager_open(ro, PS, 4, 0, 0, &p), MM_EACCES);
  MM_CHECK_EQ(mm_storage_fault_open(ro, MM_FAULT_TRACK_UNSYNCED, &fault),
              MM_EUNSUPPORTED);
  MM_CHECK_EQ(mm_storage_fault_open(ro, MM_FAULT_OWN_INNER, &fault), 0);
  MM_CHECK(fault->methods->write_at == NULL && fault->methods->truncate == NULL);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 0, 0, &p), MM_EACCES);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 0, MM_PAGER_READONLY, &p), 0);
  MM_CHECK(pager_page_is(p, 7, 1));
  MM_CHECK_EQ(mm_pager_write(p, 0, "x", 1), MM_EACCES);
  MM_CHECK_EQ(mm_pager_pin(p, 0, 1, NULL), MM_EACCES);
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(file_page_version(fd, 0, 1), 1);
  close(fd);
}

/* Bad arguments give MM_EINVAL / MM_ERANGE and change nothing. */
static void test_bad_arguments(void) {
  static const uint32_t bad_sizes[] = {1, 1000, 2048, PS + 1, 3 * PS,
                                       2u << 20};
  mm_storage_methods old_table;
  mm_storage old = {&old_table};
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  uint8_t b[8];
  size_t i;
  MM_CHECK(fd >= 0 && s != NULL);
  for (i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
    MM_CHECK_EQ(mm_pager_open(s, bad_sizes[i], 4, PS, 0, &p), MM_EINVAL);
  }
  MM_CHECK_EQ(mm_pager_open(s, PS, MM_PAGER_MIN_FRAMES - 1, PS, 0, &p), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_open(s, PS, MM_PAGER_MAX_FRAMES + 1, PS, 0, &p), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, PS, 8, &p), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, PS, MM_PAGER_READONLY | MM_PAGER_PRIVATE, &p),
              MM_EINVAL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, 0, 0, &p), MM_EINVAL); /* empty file */
  MM_CHECK_EQ(mm_pager_open(NULL, PS, 4, PS, 0, &p), MM_EINVAL);
  old_table = *s->methods;
  old_table.version = 0;
  MM_CHECK_EQ(mm_pager_open(&old, PS, 4, PS, 0, &p), MM_EINVAL);
  MM_CHECK(p == NULL);
  MM_CHECK_EQ(file_size(fd), 0);

  MM_CHECK_EQ(mm_pager_open(s, 0, 0, 3 * PS + 5, 0, &p), 0); /* defaults */
  MM_CHECK_EQ(mm_pager_page_size(p), MM_PAGER_DEFAULT_PAGE_SIZE);
  MM_CHECK_EQ(mm_pager_frame_count(p), MM_PAGER_DEFAULT_CACHE_SIZE / MM_PAGER_DEFAULT_PAGE_SIZE);
  MM_CHECK_EQ(mm_pager_read(p, 3 * PS, b, 6), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_read(p, 3 * PS + 5, b, 0), 0);
  MM_CHECK_EQ(mm_pager_read(p, UINT64_MAX, b, 1), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_write(p, 3 * PS + 1, "abcdefgh", 8), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_write(p, 3 * PS + 1, "abcd", 4), 0);
  MM_CHECK_EQ(mm_pager_pin(p, 1, 0, NULL), MM_ERANGE); /* one 64 KiB page */
  MM_CHECK_EQ(mm_pager_flush_range(p, PS, 3 * PS + 5), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(file_size(fd), 3 * PS + 5);
  MM_CHECK_EQ(file_read(fd, 3 * PS, b, 5), 0);
  MM_CHECK(memcmp(b, "\0abcd", 5) == 0);
  close(fd);
}

/* A capacity past 2^40 costs nothing proportional to it: the page table
 * follows the cache. The file is sparse. */
static void test_huge_capacity(void) {
  const uint64_t cap = (UINT64_C(1) << 40) + 3 * PS + 5;
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  uint8_t got[8], *frame = NULL;
  int f;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 8, cap, 0, &p), 0);
  /* Whole pages, written back only by flush, close or eviction (no writes around the cache). */
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_SEQUENTIAL), 0);
  MM_CHECK_EQ(file_size(fd), cap);
  MM_CHECK_EQ(mm_pager_write(p, cap - 5, "tail!", 5), 0);
  MM_CHECK_EQ(mm_pager_write(p, UINT64_C(1) << 39, "mid", 3), 0);
  MM_CHECK_EQ(mm_pager_write(p, 0, "head", 4), 0);
  MM_CHECK_EQ(mm_pager_read(p, cap - 5, got, 5), 0);
  MM_CHECK(memcmp(got, "tail!", 5) == 0);
  f = mm_pager_pin(p, (cap - 1) / PS, 0, &frame);
  MM_CHECK(f >= 0);
  MM_CHECK(memcmp(frame + (cap - 5) % PS, "tail!\0\0", 7) == 0);
  MM_CHECK_EQ(mm_pager_pin(p, (cap - 1) / PS + 1, 0, NULL), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_unpin(p, f, 0), 0);
  mm_pager_drop(p); /* nothing was written back */

  s = fd_storage(fd);
  MM_CHECK(s != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 8, 0, 0, &p), 0);
  MM_CHECK_EQ(mm_pager_capacity(p), cap);
  MM_CHECK_EQ(mm_pager_write(p, cap - 5, "tail!", 5), 0);
  MM_CHECK_EQ(mm_pager_write(p, UINT64_C(1) << 39, "mid", 3), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(file_size(fd), cap);
  MM_CHECK_EQ(file_read(fd, cap - 5, got, 5), 0);
  MM_CHECK(memcmp(got, "tail!", 5) == 0);
  MM_CHECK_EQ(file_read(fd, UINT64_C(1) << 39, got, 3), 0);
  MM_CHECK(memcmp(got, "mid", 3) == 0);
  MM_CHECK_EQ(file_read(fd, 0, got, 4), 0);
  MM_CHECK(memcmp(got, "\0\0\0\0", 4) == 0); /* dropped, never written */
  close(fd);
}

/* The POSIX storage: short reads at the end, reads past the end, growth by
 * writing, truncate, and errors as codes with the OS errno kept. */
static void test_posix_storage(void) {
  int fd = temp_fd(), ro_fd;
  mm_storage *s = fd_storage(fd), *ro = NULL;
  uint8_t buf[200];
  uint64_t size = 0;
  char path[512];
  MM_CHECK(fd >= 0 && s != NULL);
  memset(buf, 7, sizeof buf);
  MM_CHECK_EQ(s->methods->write_at(s, buf, 100, 0), 0);
  MM_CHECK_EQ(s->methods->read_at(s, buf, 200, 0), 100);
  MM_CHECK_EQ(s->methods->read_at(s, buf, 10, 150), 0);
  MM_CHECK_EQ(s->methods->size(s, &size), 0);
  MM_CHECK_EQ(size, 100);
  MM_CHECK_EQ(s->methods->write_at(s, "z", 1, 1000), 0);
  MM_CHECK_EQ(s->methods->size(s, &size), 0);
  MM_CHECK_EQ(size, 1001);
  MM_CHECK_EQ(s->methods->read_at(s, buf, 10, 500), 10);
  MM_CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0\0\0", 10) == 0);
  MM_CHECK_EQ(s->methods->truncate(s, 50), 0);
  MM_CHECK_EQ(s->methods->size(s, &size), 0);
  MM_CHECK_EQ(size, 50);
  MM_CHECK_EQ(s->methods->flush(s), 0);
  MM_CHECK_EQ(mm_storage_fd_last_errno(s), 0);
  MM_CHECK_EQ(s->methods->close(s), 0);

  MM_CHECK_EQ(mm_storage_open_fd(-1, 0, &ro), MM_EINVAL);
  close(fd);
  fd = temp_file(path); /* opening it again read-only needs its name */
  MM_CHECK(fd >= 0);
  ro_fd = open(path, O_RDONLY);
  unlink(path);
  MM_CHECK(ro_fd >= 0);
  MM_CHECK_EQ(file_write(fd, 0, buf, 50), 0);
  MM_CHECK_EQ(mm_storage_open_fd(ro_fd, 1, &ro), 0);
  MM_CHECK_EQ(ro->methods->write_at(ro, "x", 1, 0), MM_EBADF);
  MM_CHECK_EQ(mm_storage_fd_last_errno(ro), EBADF);
  MM_CHECK_EQ(ro->methods->read_at(ro, buf, 50, 0), 50);
  MM_CHECK_EQ(ro->methods->close(ro), 0);
  close(fd);
}

/* The fault wrapper counts every call, fails exactly the armed one, and is
 * dead after a crash. */
static void test_fault_storage_counters(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd), *fault = NULL;
  mm_fault_stats fst;
  uint8_t buf[16];
  uint64_t size;
  int i;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_storage_fault_open(s, 8, &fault), MM_EINVAL);
  MM_CHECK_EQ(mm_storage_fault_open(s, MM_FAULT_OWN_INNER, &fault), 0);
  mm_storage_fault_arm(fault, MM_FAULT_WRITE, 3, 0);
  for (i = 1; i <= 5; i++) {
    MM_CHECK_EQ(fault->methods->write_at(fault, "abcd", 4, (uint64_t)i * 4),
                i == 3 ? MM_EIO : 0);
  }
  MM_CHECK_EQ(file_read(fd, 12, buf, 4), 0);
  MM_CHECK(memcmp(buf, "\0\0\0\0", 4) == 0); /* the failed write wrote nothing */
  MM_CHECK_EQ(fault->methods->read_at(fault, buf, 16, 4), 16);
  MM_CHECK_EQ(fault->methods->size(fault, &size), 0);
  MM_CHECK_EQ(size, 24);
  mm_storage_fault_arm(fault, MM_FAULT_FLUSH, 1, MM_FAULT_PERSISTENT);
  MM_CHECK_EQ(fault->methods->flush(fault), MM_EIO);
  MM_CHECK_EQ(fault->methods->flush(fault), MM_EIO);
  mm_storage_fault_get_stats(fault, &fst);
  MM_CHECK_EQ(fst.calls[MM_FAULT_WRITE], 5);
  MM_CHECK_EQ(fst.faults[MM_FAULT_WRITE], 1);
  MM_CHECK_EQ(fst.calls[MM_FAULT_READ], 1);
  MM_CHECK_EQ(fst.calls[MM_FAULT_SIZE], 1);
  MM_CHECK_EQ(fst.calls[MM_FAULT_FLUSH], 2);
  MM_CHECK_EQ(fst.faults[MM_FAULT_FLUSH], 2);
  MM_CHECK_EQ(fst.crashed, 0);
  /* Without tracking only a crash that keeps everything can be simulated. */
  MM_CHECK_EQ(mm_storage_fault_crash(fault, MM_FAULT_CRASH_LOSE_UNSYNCED, 0),
              MM_EINVAL);
  MM_CHECK_EQ(mm_storage_fault_crash(fault, MM_FAULT_CRASH_KEEP_UNSYNCED, 0), 0);
  MM_CHECK_EQ(fault->methods->read_at(fault, buf, 4, 0), MM_EIO);
  MM_CHECK_EQ(fault->methods->write_at(fault, "x", 1, 0), MM_EIO);
  mm_storage_fault_get_stats(fault, &fst);
  MM_CHECK_EQ(fst.crashed, 1);
  MM_CHECK_EQ(fault->methods->close(fault), 0);
  close(fd);
}

/* Undoing unsynced writes also undoes growth and truncation. */
static void test_fault_crash_restores_size(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd), *fault = NULL;
  uint8_t buf[8];
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(file_write(fd, 0, "01234567", 8), 0);
  MM_CHECK_EQ(mm_storage_fault_open(s, MM_FAULT_OWN_INNER | MM_FAULT_TRACK_UNSYNCED,
                                    &fault),
              0);
  MM_CHECK_EQ(fault->methods->write_at(fault, "AB", 2, 6), 0);   /* grows */
  MM_CHECK_EQ(fault->methods->truncate(fault, 3), 0);            /* cuts */
  MM_CHECK_EQ(fault->methods->write_at(fault, "xyz", 3, 20), 0); /* gap */
  MM_CHECK_EQ(file_size(fd), 23);
  MM_CHECK_EQ(mm_storage_fault_crash(fault, MM_FAULT_CRASH_LOSE_UNSYNCED, 0), 0);
  MM_CHECK_EQ(file_size(fd), 8);
  MM_CHECK_EQ(file_read(fd, 0, buf, 8), 0);
  MM_CHECK(memcmp(buf, "01234567", 8) == 0);
  MM_CHECK_EQ(fault->methods->close(fault), 0);
  close(fd);
}


/* Whole pages missing from the cache go straight from the storage to the
 * sink (counted as storage reads, never cached); cached and partial pages
 * come from frames, so unflushed changes are seen; faults reach the caller. */
static void test_read_sink_bypasses_the_cache(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd), *fault = NULL;
  mm_pager *p = NULL;
  mm_pager_stats st;
  static uint8_t out[6 * PS], want[PS];
  count_sink sink = count_sink_into(out);
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(file_write_pages(fd, 0, 6, 1), 0);
  MM_CHECK_EQ(ftruncate(fd, 5 * PS + 100), 0); /* the last page is partial */
  MM_CHECK_EQ(mm_storage_fault_open(s, MM_FAULT_OWN_INNER, &fault), 0);
  MM_CHECK_EQ(mm_pager_open(fault, PS, 4, 0, 0, &p), 0);
  MM_CHECK_EQ(pager_write_pages(p, 2, 3, 7), 0); /* page 2 dirty in the cache */
  memset(out, 0xAA, sizeof out);
  MM_CHECK_EQ(mm_pager_read_sink(p, 0, 5 * PS + 100, &sink.base, 0), 0);
  MM_CHECK_EQ(sink.fills, 3); /* the runs of pages 0-1 and 3-4, and the partial page 5 */
  MM_CHECK_EQ(sink.puts, 1);  /* page 2, from its frame */
  fill_page(want, 2, 7);
  MM_CHECK(memcmp(out + 2 * PS, want, PS) == 0);
  fill_page(want, 4, 1);
  MM_CHECK(memcmp(out + 4 * PS, want, PS) == 0);
  fill_page(want, 5, 1);
  MM_CHECK(memcmp(out + 5 * PS, want, 100) == 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 1);
  MM_CHECK_EQ(st.storage_reads, 3);
  /* A partial read of a page loads it into the cache. */
  MM_CHECK_EQ(mm_pager_read_sink(p, 3 * PS + 10, 20, &sink.base, 0), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 2);
  /* A storage fault on a bypass read is the caller's error. */
  mm_storage_fault_arm(fault, MM_FAULT_READ, 1, 0);
  MM_CHECK_EQ(mm_pager_read_sink(p, 0, PS, &sink.base, 0), MM_EIO);
  MM_CHECK_EQ(mm_pager_read_sink(p, 0, 6 * PS, &sink.base, 0), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* Growing, discarding, looking up and downgrading pins. */
static void test_grow_discard_lookup_downgrade(void) {
  int fd = temp_fd();
  mm_storage *s = fd_storage(fd);
  mm_pager *p = NULL;
  mm_pager_stats st;
  uint8_t b = 0;
  int f;
  MM_CHECK(fd >= 0 && s != NULL);
  MM_CHECK_EQ(mm_pager_open(s, PS, 4, PS + 10, 0, &p), 0);
  MM_CHECK_EQ(mm_pager_read(p, PS + 10, &b, 1), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_grow(p, PS), MM_EINVAL);
  MM_CHECK_EQ(ftruncate(fd, 3 * PS), 0);
  MM_CHECK_EQ(mm_pager_grow(p, 3 * PS), 0);
  MM_CHECK_EQ(mm_pager_capacity(p), 3 * PS);
  MM_CHECK_EQ(mm_pager_read(p, 2 * PS + 5, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_lookup(p, 0), MM_ENOENT);
  f = mm_pager_pin(p, 1, MM_PIN_WRITE, NULL);
  MM_CHECK(f >= 0);
  MM_CHECK_EQ(mm_pager_lookup(p, 1), f);
  mm_pager_frame_ptr(p, f)[0] = 9;
  MM_CHECK_EQ(mm_pager_downgrade(p, f), 0);
  MM_CHECK_EQ(mm_pager_downgrade(p, f), MM_EINVAL); /* no writable pin left */
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 0); /* a read pin does not keep the page dirty */
  MM_CHECK_EQ(file_read(fd, PS, &b, 1), 0);
  MM_CHECK_EQ(b, 9);
  mm_pager_frame_ptr(p, f)[1] = 1; /* in the cache only */
  mm_pager_discard(p);
  MM_CHECK_EQ(mm_pager_frame_ptr(p, f)[0], 0); /* zeros, same frame */
  MM_CHECK_EQ(mm_pager_unpin(p, f, 0), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  MM_RUN(test_roundtrip_across_pages);
  MM_RUN(test_random_ops_against_model);
  MM_RUN(test_stats_hits_misses);
  MM_RUN(test_clock_gives_second_chance);
  MM_RUN(test_eviction_writes_back);
  MM_RUN(test_flush_then_crash_loses_only_unflushed);
  MM_RUN(test_drop_keeps_written_back_pages_only);
  MM_RUN(test_random_crash_never_tears_pages);
  MM_RUN(test_pinning_prevents_eviction);
  MM_RUN(test_writable_pin_survives_flush);
  MM_RUN(test_overwrite_pin_skips_the_load);
  MM_RUN(test_fault_read);
  MM_RUN(test_fault_write);
  MM_RUN(test_fault_flush);
  MM_RUN(test_fault_open);
  MM_RUN(test_copy_on_write_never_reaches_file);
  MM_RUN(test_read_only);
  MM_RUN(test_bad_arguments);
  MM_RUN(test_huge_capacity);
  MM_RUN(test_posix_storage);
  MM_RUN(test_fault_storage_counters);
  MM_RUN(test_fault_crash_restores_size);
  MM_RUN(test_read_sink_bypasses_the_cache);
  MM_RUN(test_grow_discard_lookup_downgrade);
  return MM_TEST_END();
}
