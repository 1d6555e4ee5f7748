/*
 * The pager's read policies and sector loads (pager.h: mm_pager_set_policy):
 * a page loaded only in part must never write its unloaded bytes over the
 * file, whoever changed the file meanwhile; writes that cover whole sectors
 * do not read them; a pager that sees scattered misses loads sectors by
 * itself; prefetch (mm_pager_load) and mm_pager_release_clean keep every
 * change. Pages are 64 KiB (16 sectors of 4 KiB), over a real file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm/advice.h"
#include "mm/errors.h"
#include "mm/pager.h"
#include "mm/storage.h"
#include "mm/storage_fault.h"
#include "count_sink.h"
#include "mmtest.h"

#define PAGE 65536u
#define SECTOR 4096u

/* An unlinked temporary file of `pages` pages of byte 0x11, open read/write, or -1. */
static int sectors_file(unsigned pages) {
  char path[512];
  const char *dir = getenv("TMPDIR");
  static uint8_t fill[PAGE];
  unsigned i;
  int fd;
  snprintf(path, sizeof path, "%s/mm_test_sectors_XXXXXX", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
  fd = mkstemp(path);
  if (fd < 0) return -1;
  unlink(path);
  memset(fill, 0x11, sizeof fill);
  for (i = 0; i < pages; i++) {
    if (pwrite(fd, fill, PAGE, (off_t)i * PAGE) != (ssize_t)PAGE) return -1;
  }
  return fd;
}

/* A pager of 64 KiB pages and `frames` frames over its own duplicate of fd (the fault wrapper in *fault when asked). */
static mm_pager *sectors_pager(int fd, uint32_t frames, mm_storage **fault) {
  mm_storage *s = NULL;
  mm_pager *p = NULL;
  int dup_fd = dup(fd);
  if (dup_fd < 0 || mm_storage_open_fd(dup_fd, 1, &s) != 0) return NULL;
  if (fault != NULL) {
    if (mm_storage_fault_open(s, MM_FAULT_OWN_INNER, fault) != 0) return NULL;
    s = *fault;
  }
  if (mm_pager_open(s, PAGE, frames, 0, 0, &p) != 0) return NULL;
  return p;
}

static int byte_at(int fd, uint64_t offset) {
  uint8_t b = 0;
  return pread(fd, &b, 1, (off_t)offset) == 1 ? b : -1;
}

static int put_byte(int fd, uint64_t offset, uint8_t b) {
  return pwrite(fd, &b, 1, (off_t)offset) == 1 ? 0 : -1;
}

/*
 * The hostile case: sector 3 of page 0 is loaded and written; meanwhile the
 * file changes in sector 5 of the same page (another writer). The flush must
 * write sector 3 only: the file keeps the other writer's byte.
 */
static void test_partial_page_never_writes_unloaded_bytes(void) {
  int fd = sectors_file(4);
  mm_pager *p;
  uint8_t word[8];
  MM_CHECK(fd >= 0);
  p = sectors_pager(fd, 8, NULL);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_RANDOM), 0);
  MM_CHECK_EQ(mm_pager_read(p, 3 * SECTOR + 8, word, 8), 0);
  MM_CHECK_EQ(word[0], 0x11);
  MM_CHECK_EQ(mm_pager_is_whole(p, 0), 0);
  MM_CHECK_EQ(put_byte(fd, 5 * SECTOR + 1, 0x55), 0);
  memset(word, 0x33, sizeof word);
  MM_CHECK_EQ(mm_pager_write(p, 3 * SECTOR + 16, word, 8), 0);
  MM_CHECK_EQ(mm_pager_flush(p), 0);
  MM_CHECK_EQ(byte_at(fd, 5 * SECTOR + 1), 0x55);
  MM_CHECK_EQ(byte_at(fd, 3 * SECTOR + 16), 0x33);
  MM_CHECK_EQ(byte_at(fd, 3 * SECTOR + 15), 0x11);
  MM_CHECK_EQ(byte_at(fd, 0), 0x11);
  /* The unloaded sector reads the file's bytes when it is first touched. */
  MM_CHECK_EQ(mm_pager_read(p, 5 * SECTOR + 1, word, 1), 0);
  MM_CHECK_EQ(word[0], 0x55);
  /* Eviction writes back the same way: fill the cache with other pages. */
  MM_CHECK_EQ(mm_pager_write(p, 3 * SECTOR + 24, word, 1), 0);
  MM_CHECK_EQ(put_byte(fd, 9 * SECTOR, 0x66), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(byte_at(fd, 9 * SECTOR), 0x66);
  MM_CHECK_EQ(byte_at(fd, 3 * SECTOR + 24), 0x55);
  close(fd);
}

/* A write that covers whole sectors reads nothing; one that covers part of a sector reads that sector. */
static void test_whole_sector_writes_read_nothing(void) {
  int fd = sectors_file(2);
  mm_pager *p;
  mm_pager_stats st;
  static uint8_t block[2 * SECTOR];
  MM_CHECK(fd >= 0);
  p = sectors_pager(fd, 8, NULL);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_RANDOM), 0);
  MM_CHECK_EQ(mm_pager_read(p, 10 * SECTOR, block, 1), 0); /* page 0 in the cache, one sector of it */
  memset(block, 0x77, sizeof block);
  MM_CHECK_EQ(mm_pager_write(p, 2 * SECTOR, block, 2 * SECTOR), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.storage_reads, 1);
  MM_CHECK_EQ(mm_pager_write(p, 6 * SECTOR + 100, block, 10), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.storage_reads, 2);
  MM_CHECK_EQ(mm_pager_read(p, 6 * SECTOR + 99, block, 12), 0);
  MM_CHECK_EQ(block[0], 0x11);
  MM_CHECK_EQ(block[1], 0x77);
  MM_CHECK_EQ(block[11], 0x11);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(byte_at(fd, 2 * SECTOR), 0x77);
  MM_CHECK_EQ(byte_at(fd, 4 * SECTOR - 1), 0x77);
  MM_CHECK_EQ(byte_at(fd, 4 * SECTOR), 0x11);
  MM_CHECK_EQ(byte_at(fd, 6 * SECTOR + 100), 0x77);
  MM_CHECK_EQ(byte_at(fd, 6 * SECTOR + 110), 0x11);
  close(fd);
}

/* A pin hands out the whole frame: it loads every sector a partial page lacks first. */
static void test_pins_complete_a_partial_page(void) {
  int fd = sectors_file(2);
  mm_pager *p;
  uint8_t *frame = NULL, b = 0;
  unsigned i;
  int f;
  MM_CHECK(fd >= 0);
  p = sectors_pager(fd, 8, NULL);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_RANDOM), 0);
  MM_CHECK_EQ(mm_pager_read(p, PAGE + 7 * SECTOR, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_is_whole(p, 1), 0);
  f = mm_pager_pin(p, 1, MM_PIN_READ, &frame);
  MM_CHECK(f >= 0);
  MM_CHECK_EQ(mm_pager_is_whole(p, 1), 1);
  for (i = 0; i < PAGE; i += SECTOR) MM_CHECK_EQ(frame[i], 0x11);
  MM_CHECK_EQ(mm_pager_unpin(p, f, MM_PIN_READ), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* Under the default policy, misses that do not follow each other switch the pager to sectors; following ones back. */
static void test_normal_policy_notices_random_misses(void) {
  int fd = sectors_file(64);
  mm_pager *p;
  uint8_t b;
  static const unsigned scattered[] = {40, 3, 57, 21, 9};
  unsigned i;
  MM_CHECK(fd >= 0);
  p = sectors_pager(fd, 16, NULL);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_policy(p), MM_ADVICE_NORMAL);
  MM_CHECK_EQ(mm_pager_reads_at_random(p), 0);
  for (i = 0; i < 5; i++) MM_CHECK_EQ(mm_pager_read(p, (uint64_t)scattered[i] * PAGE + 5, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_reads_at_random(p), 1);
  MM_CHECK_EQ(mm_pager_is_whole(p, 9), 0);
  MM_CHECK_EQ(mm_pager_is_whole(p, 40), 1);
  /* Reading at random, another touch of a partial page loads only the sector it needs... */
  MM_CHECK_EQ(mm_pager_read(p, 9 * PAGE + 9 * SECTOR, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_is_whole(p, 9), 0);
  /* ...and a third touch the rest of it (the page is wanted)... */
  MM_CHECK_EQ(mm_pager_read(p, 9 * PAGE + 12 * SECTOR, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_is_whole(p, 9), 1);
  MM_CHECK_EQ(mm_pager_read(p, 21 * PAGE + 9 * SECTOR, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_is_whole(p, 21), 0);
  for (i = 10; i < 13; i++) MM_CHECK_EQ(mm_pager_read(p, (uint64_t)i * PAGE, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_reads_at_random(p), 0);
  /* ...as does any touch once misses follow each other again. */
  MM_CHECK_EQ(mm_pager_read(p, 57 * PAGE + 10 * SECTOR, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_is_whole(p, 57), 1);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_SEQUENTIAL), 0);
  for (i = 0; i < 5; i++) MM_CHECK_EQ(mm_pager_read(p, (uint64_t)(scattered[i] + 1) * PAGE + 5, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_reads_at_random(p), 0);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_WILL_NEED), MM_EINVAL);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/*
 * Reading at random, a copy out of a page that is not cached reads just its
 * bytes around the cache; a second touch of that page soon after caches it.
 * A second touch that comes only after more reads around the cache than the
 * cache has frames reads around it again: had the page been cached at its
 * first touch, it would have been evicted by then, so caching it now would
 * cost a load and a copy for nothing.
 */
static void test_only_pages_touched_again_soon_are_cached(void) {
  int fd = sectors_file(64);
  mm_pager *p;
  mm_pager_stats st;
  static uint8_t out[SECTOR];
  count_sink sink = count_sink_into(out);
  unsigned i;
  MM_CHECK(fd >= 0);
  p = sectors_pager(fd, 16, NULL);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_RANDOM), 0);
  MM_CHECK_EQ(mm_pager_read_sink(p, 3 * PAGE + 5 * SECTOR, SECTOR, &sink.base, 0), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 0);
  MM_CHECK_EQ(sink.fills, 1);
  MM_CHECK_EQ(out[0], 0x11);
  MM_CHECK_EQ(mm_pager_read_sink(p, 3 * PAGE + 6 * SECTOR, SECTOR, &sink.base, 0), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 1);
  MM_CHECK_EQ(sink.puts, 1);
  MM_CHECK_EQ(mm_pager_is_whole(p, 3), 0); /* the sector it needed, not the page */
  /* Page 10, then 17 other pages (more than the 16 frames), then page 10 again. Pages 38-54
   * are chosen so that none shares page 10's slot in the pager's table of pages read around
   * the cache (Fibonacci hashing into 32 slots), which would make it forget page 10 anyway. */
  MM_CHECK_EQ(mm_pager_read_sink(p, 10 * PAGE, SECTOR, &sink.base, 0), 0);
  for (i = 38; i < 55; i++) MM_CHECK_EQ(mm_pager_read_sink(p, (uint64_t)i * PAGE + SECTOR, 8, &sink.base, 0), 0);
  MM_CHECK_EQ(mm_pager_read_sink(p, 10 * PAGE + SECTOR, SECTOR, &sink.base, 0), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 1);
  MM_CHECK_EQ(sink.fills, 1 + 1 + 17 + 1);
  MM_CHECK_EQ(sink.puts, 1);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* A failing sector load leaves no page behind that could be written back, and the pager usable. */
static void test_failed_sector_load(void) {
  int fd = sectors_file(4);
  mm_storage *fault = NULL;
  mm_pager *p;
  mm_pager_stats st;
  uint8_t b = 0x44;
  MM_CHECK(fd >= 0);
  p = sectors_pager(fd, 8, &fault);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_RANDOM), 0);
  mm_storage_fault_arm(fault, MM_FAULT_READ, 1, 0);
  MM_CHECK_EQ(mm_pager_read(p, 2 * PAGE + 5, &b, 1), MM_EIO);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 0);
  MM_CHECK_EQ(mm_pager_read(p, 2 * PAGE, &b, 1), 0);
  MM_CHECK_EQ(b, 0x11);
  /* A write into a sector the cached page lacks loads it first; that load fails: nothing is dirty. */
  mm_storage_fault_arm(fault, MM_FAULT_READ, 1, 0);
  b = 0x44;
  MM_CHECK_EQ(mm_pager_write(p, 2 * PAGE + 5 * SECTOR + 5, &b, 1), MM_EIO);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 0);
  MM_CHECK_EQ(mm_pager_write(p, 2 * PAGE + 5 * SECTOR + 5, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(byte_at(fd, 2 * PAGE + 5 * SECTOR + 5), 0x44);
  MM_CHECK_EQ(byte_at(fd, 2 * PAGE + 5 * SECTOR + 4), 0x11);
  close(fd);
}

/* Reading at random, a write to a page that is not cached goes straight to the file. */
static void test_write_around_uncached_pages(void) {
  int fd = sectors_file(4);
  mm_pager *p;
  mm_pager_stats st;
  uint8_t b = 0x5a;
  MM_CHECK(fd >= 0);
  p = sectors_pager(fd, 8, NULL);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_RANDOM), 0);
  MM_CHECK_EQ(mm_pager_write(p, 3 * PAGE + 77, &b, 1), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 0);
  MM_CHECK_EQ(st.storage_writes, 1);
  MM_CHECK_EQ(byte_at(fd, 3 * PAGE + 77), 0x5a);
  b = 0;
  MM_CHECK_EQ(mm_pager_read(p, 3 * PAGE + 77, &b, 1), 0);
  MM_CHECK_EQ(b, 0x5a);
  /* Sequential: the page is loaded and written back as usual. */
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_SEQUENTIAL), 0);
  b = 0x5b;
  MM_CHECK_EQ(mm_pager_write(p, 1 * PAGE + 1, &b, 1), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.dirty, 1);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(byte_at(fd, PAGE + 1), 0x5b);
  close(fd);
}

/* 'sequential' reads ahead: a miss loads the pages after it in one storage read; a failure leaves none of them. */
static void test_sequential_reads_ahead(void) {
  int fd = sectors_file(40);
  mm_storage *fault = NULL;
  mm_pager *p;
  mm_pager_stats st;
  uint8_t b = 0;
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(put_byte(fd, 5 * PAGE + 3, 0x35), 0);
  p = sectors_pager(fd, 32, &fault);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_SEQUENTIAL), 0);
  MM_CHECK_EQ(mm_pager_read(p, 2 * PAGE, &b, 1), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.storage_reads, 1);
  MM_CHECK_EQ(st.resident, 8); /* a quarter of the 32 frames (16 pages of 64 KiB would be 1 MiB) */
  MM_CHECK_EQ(mm_pager_is_whole(p, 9), 1);
  MM_CHECK_EQ(mm_pager_read(p, 5 * PAGE + 3, &b, 1), 0);
  MM_CHECK_EQ(b, 0x35);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.storage_reads, 1);
  mm_storage_fault_arm(fault, MM_FAULT_READ, 1, 0);
  MM_CHECK_EQ(mm_pager_read(p, 20 * PAGE, &b, 1), MM_EIO);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 8);
  MM_CHECK_EQ(mm_pager_is_whole(p, 21), 0);
  /* The run stops at the capacity and at pages the cache has. */
  MM_CHECK_EQ(mm_pager_read(p, 36 * PAGE, &b, 1), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 12);
  MM_CHECK_EQ(mm_pager_read(p, 0, &b, 1), 0);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 14);
  /* With all frames but one pinned, the run is that one page. */
  {
    int pins[32], n = 0, i;
    uint64_t pg;
    for (pg = 0; pg < 40 && n < 31; pg++) {
      int f = mm_pager_pin(p, pg, MM_PIN_READ, NULL);
      if (f >= 0) pins[n++] = f;
    }
    MM_CHECK_EQ(n, 31);
    MM_CHECK_EQ(mm_pager_read(p, 39 * PAGE, &b, 1), 0);
    mm_pager_get_stats(p, &st);
    MM_CHECK_EQ(st.resident, 32);
    for (i = 0; i < n; i++) MM_CHECK_EQ(mm_pager_unpin(p, pins[i], MM_PIN_READ), 0);
  }
  MM_CHECK_EQ(mm_pager_close(p), 0);
  close(fd);
}

/* A private (copy-on-write) pager copies a page whole at its first write, whatever the policy. */
static void test_private_pages_are_copied_whole(void) {
  int fd = sectors_file(2);
  mm_storage *s = NULL;
  mm_pager *p = NULL;
  uint8_t b = 0x7e;
  int dup_fd;
  MM_CHECK(fd >= 0);
  dup_fd = dup(fd);
  MM_CHECK(dup_fd >= 0 && mm_storage_open_fd(dup_fd, 1, &s) == 0);
  MM_CHECK_EQ(mm_pager_open(s, PAGE, 8, 0, MM_PAGER_PRIVATE, &p), 0);
  MM_CHECK_EQ(mm_pager_set_policy(p, MM_ADVICE_RANDOM), 0);
  MM_CHECK_EQ(mm_pager_reads_at_random(p), 0);
  MM_CHECK_EQ(mm_pager_write(p, 3 * SECTOR, &b, 1), 0);
  MM_CHECK_EQ(mm_pager_is_whole(p, 0), 1);
  MM_CHECK_EQ(put_byte(fd, 9 * SECTOR, 0x55), 0); /* the file changes after the copy */
  MM_CHECK_EQ(mm_pager_read(p, 9 * SECTOR, &b, 1), 0);
  MM_CHECK_EQ(b, 0x11);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(byte_at(fd, 3 * SECTOR), 0x11);
  close(fd);
}

/* Prefetching loads whole pages; releasing clean pages keeps dirty and pinned ones. */
static void test_load_and_release_clean(void) {
  int fd = sectors_file(8);
  mm_pager *p;
  mm_pager_stats st;
  uint8_t b = 0x99, *frame = NULL;
  int f;
  MM_CHECK(fd >= 0);
  p = sectors_pager(fd, 8, NULL);
  MM_CHECK(p != NULL);
  MM_CHECK_EQ(mm_pager_load(p, 0), 0);
  MM_CHECK_EQ(mm_pager_load(p, 1), 0);
  MM_CHECK_EQ(mm_pager_load(p, 2), 0);
  MM_CHECK_EQ(mm_pager_load(p, 8), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_is_whole(p, 2), 1);
  MM_CHECK_EQ(mm_pager_write(p, PAGE + 1, &b, 1), 0);
  f = mm_pager_pin(p, 2, MM_PIN_READ, &frame);
  MM_CHECK(f >= 0);
  MM_CHECK_EQ(mm_pager_release_clean(p, 0, 8 * PAGE), 1);
  mm_pager_get_stats(p, &st);
  MM_CHECK_EQ(st.resident, 2);
  MM_CHECK_EQ(mm_pager_release_clean(p, 0, 9 * PAGE), MM_ERANGE);
  MM_CHECK_EQ(mm_pager_unpin(p, f, MM_PIN_READ), 0);
  MM_CHECK_EQ(mm_pager_close(p), 0);
  MM_CHECK_EQ(byte_at(fd, PAGE + 1), 0x99);
  close(fd);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  MM_RUN(test_partial_page_never_writes_unloaded_bytes);
  MM_RUN(test_whole_sector_writes_read_nothing);
  MM_RUN(test_pins_complete_a_partial_page);
  MM_RUN(test_normal_policy_notices_random_misses);
  MM_RUN(test_only_pages_touched_again_soon_are_cached);
  MM_RUN(test_failed_sector_load);
  MM_RUN(test_write_around_uncached_pages);
  MM_RUN(test_sequential_reads_ahead);
  MM_RUN(test_private_pages_are_copied_whole);
  MM_RUN(test_load_and_release_clean);
  return MM_TEST_END();
}
