/*
 * pager.c — the page cache of the emulated backend (see pager.h).
 *
 *   JS view / stream            C view / stream (map layer)
 *     |  pin -> frame index       |  mm_pager_read / mm_pager_write
 *     |  base + i * page_size     |
 *     v                           v
 *   +-------------------------------------------------------------+
 *   | pager: page table (hash, page number -> frame)               |
 *   |        frame pool: frame_count x page_size, allocated once   |
 *   |        CLOCK hand, referenced / dirty bits, pin counts       |
 *   +-------------------------------------------------------------+
 *     |  read_at / write_at / size / truncate / flush / close
 *     v
 *   storage (storage.h): fault wrapper (tests) -> posix fd (native),
 *                        node:fs or OPFS access handle (WASM, via JS imports)
 *
 * Portable C11 with no system calls: everything outside memory goes through
 * the storage table, so the same file builds natively (tested with
 * sanitizers) and under emscripten.
 *
 * The page table is a chained hash table with twice as many buckets as there
 * are frames, so its size follows the cache, not the file (a file may be
 * 2^40 bytes and more). The chain links live in the frames; a frame that
 * holds no page is on the free list instead, through the same link.
 *
 * Invariants: a frame is resident (in exactly one hash chain) or free (on the
 * free list). A free frame is never pinned or dirty. A frame pinned writable
 * is dirty. A dirty frame of a private pager is never evicted. A page whose
 * load failed is never resident; a dirty page whose write-back failed stays
 * resident and dirty.
 */
#include "mm/pager.h"

#include <stdlib.h>
#include <string.h>

#include "mm/errors.h"

#define MM__NO_FRAME (-1)
#define MM__POOL_ALIGN 64u

typedef struct mm__frame {
  uint64_t page_no;    /* the page held, when resident */
  int32_t next;        /* next frame in the hash chain or the free list */
  uint32_t pins;       /* all pins, writable ones included */
  uint32_t write_pins; /* writable pins */
  uint8_t resident;
  uint8_t dirty;
  uint8_t referenced; /* CLOCK's second-chance bit */
} mm__frame;

/* A dirty frame to write back, sorted by page number. */
typedef struct mm__flush_item {
  uint64_t page_no;
  int32_t frame;
} mm__flush_item;

struct mm_pager {
  mm_storage *storage;
  unsigned flags;
  uint32_t page_size;
  uint32_t page_shift;
  uint32_t frame_count;
  uint32_t bucket_shift; /* 64 - log2(bucket count) */
  uint32_t hand;         /* CLOCK hand: the next frame to consider */
  int32_t free_head;
  uint64_t capacity;
  uint64_t page_count; /* pages holding at least one byte of the capacity */
  uint8_t *pool;       /* frame_count * page_size bytes, 64-byte aligned */
  void *pool_alloc;    /* the one allocation holding the pool */
  mm__frame *frames;
  int32_t *buckets;
  mm__flush_item *flush_items; /* frame_count entries, used by flush */
  mm_pager_stats stats;        /* counters; the gauges are computed on demand */
};

static int mm__is_shared_writable(const mm_pager *p) {
  return !(p->flags & (MM_PAGER_READONLY | MM_PAGER_PRIVATE));
}

static uint8_t *mm__frame_data(const mm_pager *p, int32_t f) {
  return p->pool + (size_t)f * p->page_size;
}

/* The bytes of page `page_no` that lie inside the capacity. */
static size_t mm__page_bytes(const mm_pager *p, uint64_t page_no) {
  uint64_t start = page_no << p->page_shift;
  uint64_t left = p->capacity - start;
  return left < p->page_size ? (size_t)left : p->page_size;
}

static uint32_t mm__bucket(const mm_pager *p, uint64_t page_no) {
  /* Fibonacci hashing: the top bits of a multiplication by 2^64 / phi. */
  return (uint32_t)((page_no * UINT64_C(0x9E3779B97F4A7C15)) >> p->bucket_shift);
}

static int32_t mm__lookup(const mm_pager *p, uint64_t page_no) {
  int32_t f = p->buckets[mm__bucket(p, page_no)];
  while (f != MM__NO_FRAME && p->frames[f].page_no != page_no) {
    f = p->frames[f].next;
  }
  return f;
}

static void mm__link(mm_pager *p, int32_t f, uint64_t page_no) {
  uint32_t b = mm__bucket(p, page_no);
  mm__frame *fr = &p->frames[f];
  fr->page_no = page_no;
  fr->resident = 1;
  fr->dirty = 0;
  fr->referenced = 1;
  fr->next = p->buckets[b];
  p->buckets[b] = f;
}

static void mm__unlink(mm_pager *p, int32_t f) {
  int32_t *link = &p->buckets[mm__bucket(p, p->frames[f].page_no)];
  while (*link != f) link = &p->frames[*link].next;
  *link = p->frames[f].next;
  p->frames[f].resident = 0;
}

static void mm__free_push(mm_pager *p, int32_t f) {
  p->frames[f].next = p->free_head;
  p->free_head = f;
}

/*
 * Writes the page of resident frame f to the storage. On success the frame is
 * clean, unless it is pinned writable (its owner may still be writing).
 */
static int mm__write_back(mm_pager *p, int32_t f) {
  mm__frame *fr = &p->frames[f];
  uint64_t offset = fr->page_no << p->page_shift;
  int rc;
  p->stats.storage_writes++;
  rc = p->storage->methods->write_at(p->storage, mm__frame_data(p, f),
                                     mm__page_bytes(p, fr->page_no), offset);
  if (rc < 0) return rc;
  if (fr->write_pins == 0) fr->dirty = 0;
  return 0;
}

static int mm__evictable(const mm_pager *p, const mm__frame *fr) {
  if (fr->pins > 0) return 0;
  return !(fr->dirty && (p->flags & MM_PAGER_PRIVATE));
}

/*
 * Finds a frame for a new page: a free one, or else a victim chosen by CLOCK,
 * which is written back if dirty and removed from the table. Two turns of the
 * hand are enough: the first clears every referenced bit it passes.
 * Returns the frame, MM_ENOMEM when no frame can be evicted, or the storage's
 * code when the victim's write-back fails (the victim then stays as it was).
 */
static int32_t mm__grab_frame(mm_pager *p) {
  uint32_t step;
  if (p->free_head != MM__NO_FRAME) {
    int32_t f = p->free_head;
    p->free_head = p->frames[f].next;
    return f;
  }
  for (step = 0; step < 2 * p->frame_count; step++) {
    int32_t f = (int32_t)p->hand;
    mm__frame *fr = &p->frames[f];
    p->hand = p->hand + 1 == p->frame_count ? 0 : p->hand + 1;
    if (!mm__evictable(p, fr)) continue;
    if (fr->referenced) {
      fr->referenced = 0;
      continue;
    }
    if (fr->dirty) {
      int rc = mm__write_back(p, f);
      if (rc < 0) return rc;
    }
    mm__unlink(p, f);
    p->stats.evictions++;
    return f;
  }
  return MM_ENOMEM;
}

/*
 * Returns the frame holding page `page_no`, loading it on a miss. With `fill`
 * zero the caller promises to overwrite every byte of the page inside the
 * capacity at once, so the storage is not read. The bytes past the capacity
 * are zeros either way. Returns the frame or a negative code.
 */
/* What mm__fetch puts in the frame of a page it makes resident. */
enum {
  MM__FETCH_LOAD,      /* the page's bytes, read from the storage */
  MM__FETCH_OVERWRITE, /* nothing: the caller overwrites [0, page bytes) at once */
  MM__FETCH_ZERO       /* zeros (the caller overwrites it later, from outside) */
};

static int32_t mm__fetch(mm_pager *p, uint64_t page_no, int fill) {
  int32_t f = mm__lookup(p, page_no);
  size_t bytes = mm__page_bytes(p, page_no);
  uint8_t *data;
  int got = 0;
  if (f != MM__NO_FRAME) {
    p->frames[f].referenced = 1;
    p->stats.hits++;
    return f;
  }
  p->stats.misses++;
  f = mm__grab_frame(p);
  if (f < 0) return f;
  data = mm__frame_data(p, f);
  if (fill == MM__FETCH_LOAD) {
    p->stats.storage_reads++;
    got = p->storage->methods->read_at(p->storage, data, bytes,
                                       page_no << p->page_shift);
    if (got < 0) {
      mm__free_push(p, f);
      return got;
    }
    if ((size_t)got > bytes) got = (int)bytes;
  } else if (fill == MM__FETCH_OVERWRITE) {
    got = (int)bytes;
  }
  memset(data + got, 0, p->page_size - (size_t)got);
  mm__link(p, f, page_no);
  return f;
}

static int mm__range_ok(const mm_pager *p, uint64_t offset, uint64_t n) {
  return offset <= p->capacity && n <= p->capacity - offset;
}

static unsigned mm__log2(uint32_t x) {
  unsigned s = 0;
  while ((1u << s) < x) s++;
  return s;
}

int mm_pager_open(mm_storage *storage, uint32_t page_size, uint32_t frame_count,
                  uint64_t capacity, unsigned flags, mm_pager **out) {
  const unsigned known = MM_PAGER_READONLY | MM_PAGER_PRIVATE |
                         MM_PAGER_BORROW_STORAGE;
  const mm_storage_methods *m;
  uint64_t size = 0;
  unsigned bucket_bits;
  size_t buckets, meta, pool_bytes, i;
  mm_pager *p;
  int rc;

  if (out == NULL || storage == NULL || storage->methods == NULL) return MM_EINVAL;
  m = storage->methods;
  if (m->version < 1 || m->read_at == NULL || m->size == NULL) return MM_EINVAL;
  if ((flags & ~known) ||
      ((flags & MM_PAGER_READONLY) && (flags & MM_PAGER_PRIVATE))) {
    return MM_EINVAL;
  }
  if (page_size == 0) page_size = MM_PAGER_DEFAULT_PAGE_SIZE;
  if (frame_count == 0) frame_count = MM_PAGER_DEFAULT_CACHE_SIZE / page_size;
  if (page_size < MM_PAGER_MIN_PAGE_SIZE || page_size > MM_PAGER_MAX_PAGE_SIZE ||
      (page_size & (page_size - 1)) != 0) {
    return MM_EINVAL;
  }
  if (frame_count < MM_PAGER_MIN_FRAMES || frame_count > MM_PAGER_MAX_FRAMES) {
    return MM_EINVAL;
  }
  if (!(flags & (MM_PAGER_READONLY | MM_PAGER_PRIVATE)) && m->write_at == NULL) {
    return MM_EACCES;
  }
  if ((size_t)-1 / page_size < frame_count) return MM_ENOMEM;
  pool_bytes = (size_t)frame_count * page_size;
  if (pool_bytes > (size_t)-1 - MM__POOL_ALIGN) return MM_ENOMEM;

  rc = m->size(storage, &size);
  if (rc < 0) return rc;
  if (capacity == 0) capacity = size;
  if (capacity == 0) return MM_EINVAL;

  bucket_bits = mm__log2(frame_count) + 1;
  buckets = (size_t)1 << bucket_bits;
  meta = sizeof(mm_pager) + frame_count * sizeof(mm__frame) +
         frame_count * sizeof(mm__flush_item) + buckets * sizeof(int32_t);
  p = calloc(1, meta);
  if (p == NULL) return MM_ENOMEM;
  /* mm_pager, mm__frame and mm__flush_item are all aligned as uint64_t, their
   * strictest member, and their sizes are multiples of that, so each array
   * placed after the struct stays aligned. */
  p->frames = (mm__frame *)(p + 1);
  p->flush_items = (mm__flush_item *)(p->frames + frame_count);
  p->buckets = (int32_t *)(p->flush_items + frame_count);
  /* Aligned by hand: aligned_alloc is missing from some C runtimes (MSVC). */
  p->pool_alloc = malloc(pool_bytes + MM__POOL_ALIGN - 1);
  if (p->pool_alloc == NULL) {
    free(p);
    return MM_ENOMEM;
  }
  p->pool = (uint8_t *)p->pool_alloc +
            (MM__POOL_ALIGN - (uintptr_t)p->pool_alloc % MM__POOL_ALIGN) %
                MM__POOL_ALIGN;

  p->storage = storage;
  p->flags = flags;
  p->page_size = page_size;
  p->page_shift = mm__log2(page_size);
  p->frame_count = frame_count;
  p->bucket_shift = 64 - bucket_bits;
  p->capacity = capacity;
  p->page_count = (capacity >> p->page_shift) +
                  ((capacity & (page_size - 1)) != 0 ? 1 : 0);
  for (i = 0; i < buckets; i++) p->buckets[i] = MM__NO_FRAME;
  p->free_head = MM__NO_FRAME;
  for (i = frame_count; i-- > 0;) mm__free_push(p, (int32_t)i);

  if (capacity > size && mm__is_shared_writable(p)) {
    rc = m->truncate != NULL ? m->truncate(storage, capacity) : MM_EUNSUPPORTED;
    if (rc < 0) {
      free(p->pool_alloc);
      free(p);
      return rc;
    }
  }
  *out = p;
  return 0;
}

int mm_pager_read(mm_pager *p, uint64_t offset, void *buf, size_t n) {
  uint8_t *dst = buf;
  if (!mm__range_ok(p, offset, n)) return MM_ERANGE;
  while (n > 0) {
    uint64_t page_no = offset >> p->page_shift;
    size_t in = (size_t)(offset & (p->page_size - 1));
    size_t chunk = p->page_size - in < n ? p->page_size - in : n;
    int32_t f = mm__fetch(p, page_no, MM__FETCH_LOAD);
    if (f < 0) return f;
    memcpy(dst, mm__frame_data(p, f) + in, chunk);
    dst += chunk;
    offset += chunk;
    n -= chunk;
  }
  return 0;
}

int mm_pager_write(mm_pager *p, uint64_t offset, const void *buf, size_t n) {
  const uint8_t *src = buf;
  if (!mm__range_ok(p, offset, n)) return MM_ERANGE;
  if (p->flags & MM_PAGER_READONLY) return MM_EACCES;
  while (n > 0) {
    uint64_t page_no = offset >> p->page_shift;
    size_t in = (size_t)(offset & (p->page_size - 1));
    size_t chunk = p->page_size - in < n ? p->page_size - in : n;
    int whole = in == 0 && chunk >= mm__page_bytes(p, page_no);
    int32_t f = mm__fetch(p, page_no, whole ? MM__FETCH_OVERWRITE : MM__FETCH_LOAD);
    if (f < 0) return f;
    memcpy(mm__frame_data(p, f) + in, src, chunk);
    p->frames[f].dirty = 1;
    src += chunk;
    offset += chunk;
    n -= chunk;
  }
  return 0;
}

int mm_pager_pin(mm_pager *p, uint64_t page_no, int writable,
                 uint8_t **frame_ptr) {
  int32_t f;
  if (writable != MM_PIN_READ && writable != MM_PIN_WRITE &&
      writable != MM_PIN_OVERWRITE) {
    return MM_EINVAL;
  }
  if (page_no >= p->page_count) return MM_ERANGE;
  if (writable && (p->flags & MM_PAGER_READONLY)) return MM_EACCES;
  f = mm__fetch(p, page_no,
                writable == MM_PIN_OVERWRITE ? MM__FETCH_ZERO : MM__FETCH_LOAD);
  if (f < 0) return f;
  p->frames[f].pins++;
  if (writable) {
    p->frames[f].write_pins++;
    p->frames[f].dirty = 1;
  }
  if (frame_ptr != NULL) *frame_ptr = mm__frame_data(p, f);
  return f;
}

int mm_pager_unpin(mm_pager *p, int frame, int writable) {
  mm__frame *fr;
  if (frame < 0 || (uint32_t)frame >= p->frame_count) return MM_EINVAL;
  fr = &p->frames[frame];
  if (writable) {
    if (fr->write_pins == 0) return MM_EINVAL;
    fr->write_pins--;
  } else if (fr->pins == fr->write_pins) {
    return MM_EINVAL;
  }
  fr->pins--;
  return 0;
}

static int mm__flush_item_cmp(const void *a, const void *b) {
  uint64_t x = ((const mm__flush_item *)a)->page_no;
  uint64_t y = ((const mm__flush_item *)b)->page_no;
  return x < y ? -1 : x > y;
}

int mm_pager_flush_range(mm_pager *p, uint64_t offset, uint64_t n) {
  uint64_t first, last;
  size_t count = 0, i;
  uint32_t f;
  int rc;
  if (!mm__range_ok(p, offset, n)) return MM_ERANGE;
  if (!mm__is_shared_writable(p)) return 0;
  if (n > 0) {
    first = offset >> p->page_shift;
    last = (offset + n - 1) >> p->page_shift;
    for (f = 0; f < p->frame_count; f++) {
      const mm__frame *fr = &p->frames[f];
      if (fr->resident && fr->dirty && fr->page_no >= first &&
          fr->page_no <= last) {
        p->flush_items[count].page_no = fr->page_no;
        p->flush_items[count].frame = (int32_t)f;
        count++;
      }
    }
    qsort(p->flush_items, count, sizeof *p->flush_items, mm__flush_item_cmp);
    for (i = 0; i < count; i++) {
      rc = mm__write_back(p, p->flush_items[i].frame);
      if (rc < 0) return rc;
    }
  }
  if (p->storage->methods->flush == NULL) return 0;
  p->stats.storage_flushes++;
  rc = p->storage->methods->flush(p->storage);
  if (rc < 0) {
    /* Nothing was evicted since the write-backs above, so these frames still
     * hold their pages: mark them to be written again. */
    for (i = 0; i < count; i++) p->frames[p->flush_items[i].frame].dirty = 1;
  }
  return rc;
}

int64_t mm_pager_write_back(mm_pager *p, uint64_t first, uint64_t last, uint32_t max_pages) {
  size_t count = 0, i;
  uint32_t f;
  int rc;
  if (!mm__is_shared_writable(p) || first > last) return (int64_t)last + 1;
  for (f = 0; f < p->frame_count; f++) {
    const mm__frame *fr = &p->frames[f];
    if (fr->resident && fr->dirty && fr->page_no >= first && fr->page_no <= last) {
      p->flush_items[count].page_no = fr->page_no;
      p->flush_items[count].frame = (int32_t)f;
      count++;
    }
  }
  qsort(p->flush_items, count, sizeof *p->flush_items, mm__flush_item_cmp);
  for (i = 0; i < count && i < max_pages; i++) {
    rc = mm__write_back(p, p->flush_items[i].frame);
    if (rc < 0) return rc;
  }
  return i < count ? (int64_t)p->flush_items[i].page_no : (int64_t)last + 1;
}

int mm_pager_flush(mm_pager *p) {
  return mm_pager_flush_range(p, 0, p->capacity);
}

/* Frees the pager's memory and closes the storage if the pager owns it. */
static int mm__release(mm_pager *p) {
  mm_storage *storage = p->storage;
  int own = !(p->flags & MM_PAGER_BORROW_STORAGE);
  free(p->pool_alloc);
  free(p);
  if (own && storage->methods->close != NULL) {
    return storage->methods->close(storage);
  }
  return 0;
}

int mm_pager_close(mm_pager *p) {
  uint32_t f;
  int rc;
  for (f = 0; f < p->frame_count; f++) {
    if (p->frames[f].pins > 0) return MM_EBUSY;
  }
  rc = mm_pager_flush(p);
  if (rc < 0) return rc;
  return mm__release(p);
}

void mm_pager_drop(mm_pager *p) {
  (void)mm__release(p);
}

void mm_pager_get_stats(const mm_pager *p, mm_pager_stats *out) {
  uint32_t f;
  *out = p->stats;
  out->resident = out->dirty = out->pinned = 0;
  for (f = 0; f < p->frame_count; f++) {
    const mm__frame *fr = &p->frames[f];
    out->resident += fr->resident;
    out->dirty += fr->dirty;
    out->pinned += fr->pins > 0;
  }
}

int mm_pager_is_resident(const mm_pager *p, uint64_t page_no) {
  return mm__lookup(p, page_no) != MM__NO_FRAME;
}

int mm_pager_lookup(const mm_pager *p, uint64_t page_no) {
  int32_t f = mm__lookup(p, page_no);
  return f == MM__NO_FRAME ? MM_ENOENT : f;
}

int mm_pager_downgrade(mm_pager *p, int frame) {
  if (frame < 0 || (uint32_t)frame >= p->frame_count || p->frames[frame].write_pins == 0) return MM_EINVAL;
  p->frames[frame].write_pins--;
  return 0;
}

/* Puts n zero bytes into the sink at `at` (the tail of a short storage read). */
static void mm__sink_zeros(mm_pager_sink *sink, uint64_t at, size_t n) {
  static const uint8_t zeros[4096];
  while (n > 0) {
    size_t take = n < sizeof zeros ? n : sizeof zeros;
    sink->put(sink, at, zeros, take);
    at += take;
    n -= take;
  }
}

int mm_pager_read_sink(mm_pager *p, uint64_t offset, size_t n, mm_pager_sink *sink, uint64_t at) {
  if (!mm__range_ok(p, offset, n)) return MM_ERANGE;
  while (n > 0) {
    uint64_t page_no = offset >> p->page_shift;
    size_t in = (size_t)(offset & (p->page_size - 1));
    size_t chunk = p->page_size - in < n ? p->page_size - in : n;
    if (in == 0 && chunk == mm__page_bytes(p, page_no) && mm__lookup(p, page_no) == MM__NO_FRAME) {
      int got;
      p->stats.storage_reads++;
      got = sink->fill(sink, p->storage, at, chunk, offset);
      if (got < 0) return got;
      if ((size_t)got < chunk) mm__sink_zeros(sink, at + (size_t)got, chunk - (size_t)got);
    } else {
      int32_t f = mm__fetch(p, page_no, MM__FETCH_LOAD);
      if (f < 0) return f;
      sink->put(sink, at, mm__frame_data(p, f) + in, chunk);
    }
    at += chunk;
    offset += chunk;
    n -= chunk;
  }
  return 0;
}

int mm_pager_grow(mm_pager *p, uint64_t capacity) {
  if (capacity <= p->capacity) return MM_EINVAL;
  p->capacity = capacity;
  p->page_count = (capacity >> p->page_shift) + ((capacity & (p->page_size - 1)) != 0 ? 1 : 0);
  return 0;
}

void mm_pager_discard(mm_pager *p) {
  uint32_t f;
  for (f = 0; f < p->frame_count; f++) {
    mm__frame *fr = &p->frames[f];
    if (!fr->resident) continue;
    memset(mm__frame_data(p, (int32_t)f), 0, p->page_size);
    if (fr->write_pins == 0) fr->dirty = 0;
  }
}

void mm_pager_set_storage(mm_pager *p, mm_storage *storage) { p->storage = storage; }

uint32_t mm_pager_page_size(const mm_pager *p) { return p->page_size; }

uint32_t mm_pager_frame_count(const mm_pager *p) { return p->frame_count; }

uint64_t mm_pager_capacity(const mm_pager *p) { return p->capacity; }

uint8_t *mm_pager_frame_base(const mm_pager *p) { return p->pool; }

uint8_t *mm_pager_frame_ptr(const mm_pager *p, int frame) {
  if (frame < 0 || (uint32_t)frame >= p->frame_count) return NULL;
  return mm__frame_data(p, frame);
}

int mm_pager_frame_index(const mm_pager *p, const void *addr) {
  uintptr_t a = (uintptr_t)addr, base = (uintptr_t)p->pool;
  if (a < base || a - base >= (uintptr_t)p->frame_count * p->page_size) {
    return MM_EINVAL;
  }
  return (int)((a - base) >> p->page_shift);
}
