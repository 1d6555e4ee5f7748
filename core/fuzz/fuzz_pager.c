/*
 * fuzz_pager.c — a libFuzzer harness for the pager's arguments and
 * operations, under injected storage faults.
 *
 * The input bytes choose a page size, a frame count, a capacity, a mode
 * (shared, read-only, private), a read policy (normal, sequential, random:
 * whole pages, read-ahead, sectors and writes around the cache) and then a
 * sequence of operations: reads,
 * writes, pins with in-place writes, overwrite pins that fill a whole page,
 * flushes (whole and ranges) and fault arming (fail the Nth read, write or
 * flush, once or from then on). The
 * storage is an in-memory file under the fault wrapper. A shadow copy models
 * the map: every read that succeeds must match it, every call must return 0
 * or one of the codes its contract names, and AddressSanitizer/UBSan watch
 * memory. A write that fails may leave a prefix written in the cache, so its
 * range becomes "unknown" in the model until written again.
 *
 *   build: cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DMM_FUZZ=ON && cmake --build build/fuzz
 *   run:   build/fuzz/core/fuzz_pager -max_total_time=30 CORPUS_DIR core/fuzz/seeds
 * The seeds are long inputs (0.5–4 KiB) whose operation bytes favour reads,
 * writes and fault arming, so that fuzzing starts deep in the operation loop.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "mm/errors.h"
#include "mm/pager.h"
#include "mm/storage.h"
#include "mm/storage_fault.h"

#define MAX_CAPACITY (256u * 1024u)

typedef struct mem_storage {
  mm_storage base;
  uint8_t *data;
  uint64_t size;
} mem_storage;

static int mem_read(mm_storage *s, void *buf, size_t n, uint64_t off) {
  mem_storage *m = (mem_storage *)s;
  size_t take;
  if (off >= m->size) return 0;
  take = (uint64_t)n > m->size - off ? (size_t)(m->size - off) : n;
  memcpy(buf, m->data + off, take);
  return (int)take;
}

static int mem_truncate(mm_storage *s, uint64_t size) {
  mem_storage *m = (mem_storage *)s;
  uint8_t *grown;
  if (size > 2 * MAX_CAPACITY) return MM_EFBIG;
  grown = (uint8_t *)realloc(m->data, size ? (size_t)size : 1);
  if (grown == NULL) return MM_ENOMEM;
  if (size > m->size) memset(grown + m->size, 0, (size_t)(size - m->size));
  m->data = grown;
  m->size = size;
  return 0;
}

static int mem_write(mm_storage *s, const void *buf, size_t n, uint64_t off) {
  mem_storage *m = (mem_storage *)s;
  if (off + n > m->size) {
    int rc = mem_truncate(s, off + n);
    if (rc < 0) return rc;
  }
  memcpy(m->data + off, buf, n);
  return 0;
}

static int mem_size(mm_storage *s, uint64_t *out) {
  *out = ((mem_storage *)s)->size;
  return 0;
}

static int mem_flush(mm_storage *s) { return 0; }

static int mem_close(mm_storage *s) {
  mem_storage *m = (mem_storage *)s;
  free(m->data);
  free(m);
  return 0;
}

static const mm_storage_methods mem_methods = {MM_STORAGE_VERSION, mem_read, mem_write, mem_size,
                                               mem_truncate, mem_flush, mem_close};

/* Totals over the whole run, printed at exit for the test report. */
static unsigned long long total_faults, total_ops;

__attribute__((destructor)) static void report_totals(void) {
  fprintf(stderr, "fuzz_pager: %llu operations, %llu storage faults injected\n", total_ops, total_faults);
}

/* Codes an operation may fail with when a storage fault was injected or the cache is full. */
static int io_failure(int rc) { return rc == MM_EIO || rc == MM_ENOMEM; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input in = {data, size};
  uint32_t page_size = 4096u << (take(&in, 1) % 3);
  uint32_t frames = 4 + take(&in, 1) % 12;
  uint64_t capacity = 1 + take(&in, 3) % MAX_CAPACITY;
  uint64_t stored = take(&in, 3) % (capacity + 1);
  unsigned mode = take(&in, 1) % 3;
  unsigned flags = mode == 1 ? MM_PAGER_READONLY : mode == 2 ? MM_PAGER_PRIVATE : 0;
  mem_storage *mem = (mem_storage *)calloc(1, sizeof *mem);
  mm_storage *faulty = NULL;
  mm_pager *p = NULL;
  uint8_t *model, *known, buf[70000];
  int pins[8], pin_writable[8], npins = 0;

  if (mem == NULL) return 0;
  mem->base.methods = &mem_methods;
  mem->data = (uint8_t *)malloc(stored ? (size_t)stored : 1);
  mem->size = stored;
  for (uint64_t i = 0; i < stored; i++) mem->data[i] = (uint8_t)(i * 7 + 3);
  if (mm_storage_fault_open(&mem->base, MM_FAULT_OWN_INNER, &faulty) != 0) {
    mem_close(&mem->base);
    return 0;
  }
  if (mm_pager_open(faulty, page_size, frames, capacity, flags, &p) != 0) {
    faulty->methods->close(faulty);
    return 0;
  }
  /* The read policy (normal, sequential, random), from the capacity so that the seeds keep their meaning. */
  if (mm_pager_set_policy(p, (int)(capacity % 3)) != 0) abort();
  model = (uint8_t *)calloc((size_t)capacity, 1);
  known = (uint8_t *)malloc((size_t)capacity);
  memset(known, 1, (size_t)capacity);
  for (uint64_t i = 0; i < stored; i++) model[i] = (uint8_t)(i * 7 + 3);

  while (in.n > 0) {
    unsigned op = take(&in, 1) % 8;
    total_ops++;
    uint64_t off = take(&in, 3) % (capacity + 64);
    size_t n = take(&in, 2) % sizeof buf;
    int rc;
    switch (op) {
      case 0: /* read */
        rc = mm_pager_read(p, off, buf, n);
        if (off + n > capacity) {
          if (rc != MM_ERANGE) abort();
        } else if (rc == 0) {
          for (size_t i = 0; i < n; i++)
            if (known[off + i] && buf[i] != model[off + i]) abort();
        } else if (!io_failure(rc)) {
          abort();
        }
        break;
      case 1: { /* write */
        uint8_t value = (uint8_t)take(&in, 1);
        memset(buf, value, n);
        rc = mm_pager_write(p, off, buf, n);
        if (off + n > capacity) {
          if (rc != MM_ERANGE) abort();
        } else if (flags & MM_PAGER_READONLY) {
          if (rc != MM_EACCES && !(n == 0 && rc == 0)) abort();
        } else if (rc == 0) {
          memset(model + off, value, n);
          memset(known + off, 1, n);
        } else if (io_failure(rc)) {
          memset(known + off, 0, n); /* a prefix may have reached the cache */
        } else {
          abort();
        }
        break;
      }
      case 2: { /* pin a page (writing a byte in place when writable, or the
                   whole page after an overwrite pin) */
        uint64_t page = off / page_size;
        unsigned bits = take(&in, 1);
        int writable = !(flags & MM_PAGER_READONLY) && (bits & 1);
        int overwrite = writable && (bits & 2);
        uint8_t *frame = NULL;
        if (npins == 8) break;
        rc = mm_pager_pin(p, page, overwrite ? MM_PIN_OVERWRITE : writable, &frame);
        if (page * page_size >= capacity) {
          if (rc != MM_ERANGE) abort();
        } else if (rc >= 0 && overwrite) {
          uint64_t at = page * page_size;
          size_t n = capacity - at < page_size ? (size_t)(capacity - at) : page_size;
          uint8_t fill = (uint8_t)(bits >> 2);
          memset(frame, fill, n);
          memset(model + at, fill, n);
          memset(known + at, 1, n);
          pins[npins] = rc;
          pin_writable[npins++] = MM_PIN_WRITE;
        } else if (rc >= 0) {
          uint64_t at = page * page_size;
          if (known[at] && frame[0] != model[at]) abort();
          if (writable) {
            frame[0] = (uint8_t)(frame[0] + 1);
            model[at] = frame[0];
            known[at] = 1;
          }
          pins[npins] = rc;
          pin_writable[npins++] = writable;
        } else if (!io_failure(rc)) {
          abort();
        }
        break;
      }
      case 3: /* unpin the latest pin */
        if (npins > 0) {
          npins--;
          if (mm_pager_unpin(p, pins[npins], pin_writable[npins]) != 0) abort();
        }
        break;
      case 4: /* flush */
        rc = mm_pager_flush(p);
        if (rc != 0 && !io_failure(rc)) abort();
        break;
      case 5: /* flush a range */
        rc = mm_pager_flush_range(p, off, n);
        if (off + n > capacity ? rc != MM_ERANGE : (rc != 0 && !io_failure(rc))) abort();
        break;
      case 6: { /* arm a fault */
        mm_fault_op what = (mm_fault_op)(take(&in, 1) % MM_FAULT_OP_COUNT);
        uint64_t nth = 1 + take(&in, 1) % 8;
        mm_storage_fault_arm(faulty, what, nth, (take(&in, 1) & 1) ? MM_FAULT_PERSISTENT : 0);
        break;
      }
      default: /* disarm everything */
        for (int f = 0; f < MM_FAULT_OP_COUNT; f++) mm_storage_fault_arm(faulty, (mm_fault_op)f, 0, 0);
        break;
    }
  }
  while (npins > 0) {
    npins--;
    mm_pager_unpin(p, pins[npins], pin_writable[npins]);
  }
  for (int f = 0; f < MM_FAULT_OP_COUNT; f++) mm_storage_fault_arm(faulty, (mm_fault_op)f, 0, 0);
  {
    mm_fault_stats stats;
    mm_storage_fault_get_stats(faulty, &stats);
    for (int f = 0; f < MM_FAULT_OP_COUNT; f++) total_faults += stats.faults[f];
  }
  if (mm_pager_close(p) != 0) mm_pager_drop(p);
  free(model);
  free(known);
  return 0;
}
