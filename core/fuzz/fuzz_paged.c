/*
 * fuzz_paged.c — a libFuzzer harness for paged maps (paged.h): two maps of
 * one real file sharing its page cache, views of every access at random
 * ranges, holds with writes through their frames, lends (withBytes) with
 * views closed while lent, copy-on-write views beside shared ones, reads,
 * writes, flushes and closes in any order.
 *
 * A model holds the file's bytes and each copy-on-write view's own pages
 * (copied from the file's current bytes on the view's first write to a
 * page, as MAP_PRIVATE does). Every read and every held or lent frame must
 * match it, every call must return 0 or a code its contract names, and when
 * everything is closed the file must equal the model. AddressSanitizer and
 * UBSan watch memory, so a pin released twice or a frame used after its
 * view's cache is gone is a crash.
 *
 *   build: cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DMM_FUZZ=ON && cmake --build build/fuzz
 *   run:   build/fuzz/core/fuzz_paged -max_total_time=30 CORPUS_DIR core/fuzz/seeds
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_input.h"
#include "mm/errors.h"
#include "mm/paged.h"

#define MAX_CAPACITY (192u * 1024u)
#define MAX_VIEWS 8
#define MAX_LENDS 8

typedef struct view {
  mm_paged_view *v; /* NULL: free slot */
  int map;
  mm_access access;
  uint64_t offset, size;
  int closed;
  uint8_t *own;      /* copy-on-write: the view's bytes where own_page says so */
  uint8_t *own_page; /* per page: 1 = private, 2 = unknown (a write failed midway) */
} view;

typedef struct lend {
  int view; /* -1: free slot */
  uint8_t *frame;
  uint64_t page;
} lend;

static unsigned long long total_ops;

__attribute__((destructor)) static void report_totals(void) {
  fprintf(stderr, "fuzz_paged: %llu operations, 0 storage faults injected\n", total_ops);
}

static uint8_t model[MAX_CAPACITY];
static uint64_t capacity;
static uint32_t page_size;
static view views[MAX_VIEWS];
static lend lends[MAX_LENDS];
static int lends_out;

/* A broken expectation: says which, then aborts (libFuzzer keeps the input). */
static void fail_at(int line) {
  fprintf(stderr, "fuzz_paged: expectation at line %d failed\n", line);
  abort();
}
#define check(ok) ((ok) ? (void)0 : fail_at(__LINE__))

static int writes(mm_access a) { return mm_access_writes(a); }

/* The byte the view must see at file offset abs, or -1 when unknown. */
static int expected(const view *w, uint64_t abs) {
  if (w->own != NULL) {
    uint8_t state = w->own_page[abs / page_size];
    if (state == 2) return -1;
    if (state == 1) return w->own[abs];
  }
  return model[abs];
}

/* The view writes byte b at file offset abs: into the model, or its own copy of the page. */
static void model_write(view *w, uint64_t abs, uint8_t b) {
  if (w->own == NULL) {
    model[abs] = b;
    return;
  }
  {
    uint64_t page = abs / page_size, start = page * page_size;
    uint64_t end = start + page_size < capacity ? start + page_size : capacity;
    if (w->own_page[page] == 0) memcpy(w->own + start, model + start, (size_t)(end - start));
    if (w->own_page[page] != 2) w->own_page[page] = 1;
    w->own[abs] = b;
  }
}

/* A copy-on-write view made page `page` private (a writable hold or lend). */
static void model_private(view *w, uint64_t page) {
  if (w->own != NULL && w->own_page[page] == 0) model_write(w, page * page_size, model[page * page_size]);
}

static void forget_view(view *w) {
  free(w->own);
  free(w->own_page);
  memset(w, 0, sizeof *w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  char path[64];
  mm_paged_map *maps[2] = {NULL, NULL};
  int map_closed[2] = {0, 0};
  mm_access map_access[2];
  uint64_t stored;
  uint32_t frames;
  int fd, e, i;
  static uint8_t buf[3 * 65536];

  page_size = 4096u << (take(&in, 1) % 3);
  frames = MM_PAGER_MIN_FRAMES + take(&in, 1) % 12;
  capacity = 1 + take(&in, 3) % MAX_CAPACITY;
  stored = take(&in, 3) % (capacity + 1);
  map_access[0] = MM_ACCESS_READ_WRITE;
  map_access[1] = (take(&in, 1) & 1) ? MM_ACCESS_COPY_ON_WRITE : MM_ACCESS_READ_WRITE;
  memset(model, 0, sizeof model);
  for (uint64_t k = 0; k < stored; k++) model[k] = (uint8_t)(k * 7 + 3);

  snprintf(path, sizeof path, "/tmp/mm-fuzz-paged-%d.bin", (int)getpid());
  fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
  if (fd < 0) return 0;
  check(write(fd, model, (size_t)stored) == (ssize_t)stored);
  close(fd);

  check(mm_paged_open_file(path, MM_MODE_OPEN, capacity, map_access[0], page_size, frames, &maps[0], &e) == 0);
  check(mm_paged_open_file(path, MM_MODE_OPEN, 0, map_access[1], 0, 0, &maps[1], &e) == 0);
  check(mm_paged_file_id(maps[0]) == mm_paged_file_id(maps[1]));
  check(mm_paged_page_size(maps[1]) == page_size);
  memset(views, 0, sizeof views);
  for (i = 0; i < MAX_LENDS; i++) lends[i].view = -1;
  lends_out = 0;

  while (in.n > 0) {
    unsigned op = take(&in, 1) % 10;
    int vi = (int)(take(&in, 1) % MAX_VIEWS);
    view *w = &views[vi];
    uint64_t a = take(&in, 3) % (capacity + 16);
    uint64_t b = take(&in, 3) % (capacity + 16);
    uint8_t *frame;
    int64_t dropped;
    int rc;
    total_ops++;
    switch (op) {
      case 0: { /* open a view */
        int m = (int)(b & 1);
        mm_access access = (mm_access)(take(&in, 1) % MM_ACCESS__COUNT);
        mm_paged_view *v = NULL;
        uint64_t sz = b % 3 == 0 ? 0 : b;
        if (w->v != NULL) break;
        rc = mm_paged_view_open(maps[m], a, sz, access, &v);
        if (map_closed[m]) check(rc == MM_ECLOSED);
        else if (a >= capacity || (sz != 0 && sz > capacity - a)) check(rc == MM_ERANGE);
        else if (!mm_access_allows(map_access[m], access)) check(rc == MM_EACCES);
        else if (lends_out > 0) check(rc == MM_EBUSY);
        else check(rc == 0);
        if (rc != 0) break;
        w->v = v;
        w->map = m;
        w->access = access;
        w->offset = a;
        w->size = sz == 0 ? capacity - a : sz;
        check(mm_paged_view_pointer_offset(v) == a % page_size);
        if (access == MM_ACCESS_COPY_ON_WRITE) {
          w->own = (uint8_t *)calloc((size_t)capacity, 1);
          w->own_page = (uint8_t *)calloc((size_t)(capacity / page_size + 1), 1);
        }
        break;
      }
      case 1: /* hold a page, write one byte through the frame when writable */
      case 2: { /* lend a page (withBytes), writing through it */
        uint64_t page, at;
        int kind = (int)(b % 3), writable;
        if (w->v == NULL) break;
        page = (w->offset + a % (w->size + 1)) / page_size;
        at = page * page_size;
        if (op == 2) {
          /* Lends never take every frame: the file cache keeps two for reads and writes. */
          if (lends_out >= (int)frames - 2) break;
          kind = kind == 0 ? MM_PIN_READ : MM_PIN_WRITE;
        }
        writable = kind != MM_PIN_READ;
        if (op == 1) rc = mm_paged_view_hold(w->v, page, kind, &frame, &dropped);
        else rc = mm_paged_view_lend(w->v, page, writable, &frame, &dropped);
        if (w->closed) {
          check(rc == MM_ECLOSED);
          break;
        }
        if (at >= w->offset + w->size || at + page_size <= w->offset || at >= capacity) {
          check(rc == MM_ERANGE);
          break;
        }
        if (writable && !writes(w->access)) {
          check(rc == MM_EACCES);
          break;
        }
        if (rc == MM_ENOMEM) {
          check(w->own != NULL && writable); /* a copy-on-write view's private frames are all used */
          break;
        }
        check(rc >= 0);
        if (rc == MM_PAGED_HOLD_NONE) {
          /* The cache reads at random and lacks the whole page: only a read or write hold of the file's cache. */
          check(op == 1 && kind != MM_PIN_OVERWRITE && (kind == MM_PIN_READ || w->own == NULL));
          break;
        }
        if (writable) model_private(w, page);
        if (kind == MM_PIN_OVERWRITE) {
          /* The frame may be zeros (the page was not loaded): the caller overwrites all of it. */
          uint64_t end = at + page_size < capacity ? at + page_size : capacity;
          memset(frame, (int)(b >> 8), (size_t)(end - at));
          for (uint64_t k = at; k < end; k++) model_write(w, k, (uint8_t)(b >> 8));
        } else if (expected(w, at) >= 0) {
          check(frame[0] == expected(w, at));
        }
        if (writable && expected(w, at) >= 0) {
          frame[0] = (uint8_t)(frame[0] + 1);
          model_write(w, at, frame[0]);
        }
        if (op == 2) {
          for (i = 0; i < MAX_LENDS && lends[i].view >= 0; i++) {
          }
          if (i == MAX_LENDS) {
            check(mm_paged_view_unlend(w->v, frame, writable) == 0);
          } else {
            lends[i].view = vi;
            lends[i].frame = frame;
            lends[i].page = page | ((uint64_t)writable << 63);
            lends_out++;
          }
        }
        break;
      }
      case 3: { /* return a lend, writing once more through it first */
        lend *l = &lends[a % MAX_LENDS];
        int writable;
        view *lv;
        if (l->view < 0) break;
        lv = &views[l->view];
        writable = (int)(l->page >> 63);
        if (writable && expected(lv, (l->page & ~(1ull << 63)) * page_size) >= 0) {
          uint64_t at = (l->page & ~(1ull << 63)) * page_size;
          l->frame[0] = (uint8_t)(l->frame[0] + 1);
          model_write(lv, at, l->frame[0]);
        }
        rc = mm_paged_view_unlend(lv->v, l->frame, writable);
        check(rc == 0);
        l->view = -1;
        lends_out--;
        break;
      }
      case 4: { /* read */
        size_t n = (size_t)(b % sizeof buf);
        uint64_t pos = a % (w->size + 2);
        if (w->v == NULL) break;
        rc = mm_paged_view_read(w->v, pos, buf, n);
        if (w->closed) check(rc == MM_ECLOSED);
        else if (!mm_access_reads(w->access)) check(rc == MM_EACCES);
        else if (pos + n > w->size) check(rc == MM_ERANGE);
        else {
          check(rc == 0); /* never ENOMEM: a read needs at most the frames lends leave */
          for (size_t k = 0; k < n; k++) {
            int want = expected(w, w->offset + pos + k);
            check(want < 0 || buf[k] == want);
          }
        }
        break;
      }
      case 5: { /* write */
        size_t n = (size_t)(b % sizeof buf);
        uint64_t pos = a % (w->size + 2);
        uint8_t value = (uint8_t)take(&in, 1);
        if (w->v == NULL) break;
        memset(buf, value, n);
        rc = mm_paged_view_write(w->v, pos, buf, n);
        if (w->closed) check(rc == MM_ECLOSED);
        else if (!writes(w->access)) check(rc == MM_EACCES);
        else if (pos + n > w->size) check(rc == MM_ERANGE);
        else if (rc == 0) {
          for (size_t k = 0; k < n; k++) model_write(w, w->offset + pos + k, value);
        } else {
          /* Only a copy-on-write view runs out (of private frames); a prefix may be written. */
          check(rc == MM_ENOMEM && w->own != NULL);
          for (size_t k = 0; k < n; k++) w->own_page[(w->offset + pos + k) / page_size] = 2;
        }
        break;
      }
      case 6: { /* flush: the whole view, a range of it, or one write-back slice from some page */
        uint64_t off = a % (w->size + 2), n = (b >> 2) % (w->size + 2);
        int in_view = off <= w->size && n <= w->size - off;
        if (w->v == NULL) break;
        if (b % 3 == 0) {
          rc = mm_paged_view_flush(w->v);
        } else if (b % 3 == 1) {
          rc = mm_paged_view_flush_range(w->v, off, n);
        } else {
          int64_t next = mm_paged_view_write_back(w->v, off, n, a % 8, (uint32_t)(1 + (b >> 2) % 4));
          rc = next < 0 ? (int)next : 0;
        }
        if (w->closed) check(rc == MM_ECLOSED);
        else if (b % 3 != 0 && !in_view) check(rc == MM_ERANGE);
        else check(rc == 0);
        break;
      }
      case 7: { /* close a view (also with lends out) */
        int lent = 0;
        if (w->v == NULL || w->closed) break;
        for (i = 0; i < MAX_LENDS; i++) lent += lends[i].view == vi;
        check(mm_paged_view_close(w->v) == 0);
        w->closed = 1;
        if (!lent) {
          mm_paged_view_free(w->v);
          forget_view(w);
        }
        break;
      }
      case 8: /* close a map */
        check(mm_paged_close(maps[b & 1]) == 0);
        map_closed[b & 1] = 1;
        break;
      default: { /* read the file's bytes back through another view of the cache: a check of every byte */
        if (w->v == NULL || w->closed || !mm_access_reads(w->access) || w->size > sizeof buf) break;
        rc = mm_paged_view_read(w->v, 0, buf, (size_t)w->size);
        check(rc == 0);
        for (uint64_t k = 0; k < w->size; k++) {
          int want = expected(w, w->offset + k);
          check(want < 0 || buf[k] == want);
        }
        break;
      }
    }
  }

  /* Return every lend, close every view and map: the cache writes back and the file is the model. */
  for (i = 0; i < MAX_LENDS; i++) {
    if (lends[i].view >= 0) {
      check(mm_paged_view_unlend(views[lends[i].view].v, lends[i].frame, (int)(lends[i].page >> 63)) == 0);
      lends[i].view = -1;
    }
  }
  check(mm_paged_lent() == 0);
  for (i = 0; i < MAX_VIEWS; i++) {
    if (views[i].v != NULL) mm_paged_view_free(views[i].v);
    forget_view(&views[i]);
  }
  mm_paged_free(maps[0]);
  mm_paged_free(maps[1]);
  fd = open(path, O_RDONLY);
  check(fd >= 0);
  {
    static uint8_t disk[MAX_CAPACITY];
    ssize_t got = pread(fd, disk, (size_t)capacity, 0);
    check(got == (ssize_t)capacity);
    check(memcmp(disk, model, (size_t)capacity) == 0);
  }
  close(fd);
  unlink(path);
  return 0;
}
