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
 * Sectors: a page is split into at most 64 sectors (4 KiB, or page_size /
 * 64 for pages above 256 KiB), and a resident frame has a bit per sector
 * that says whether its bytes are loaded. Reads and writes through
 * mm_pager_read / mm_pager_write / mm_pager_read_sink load only the sectors
 * they touch when the pager reads at random (the 'random' policy, or the
 * 'normal' policy after misses that do not follow each other); everything
 * that hands a frame out (pins) loads the whole page first. A write that
 * covers whole sectors does not load them. A dirty page that is partly
 * loaded is written back sector run by sector run, never its unloaded
 * bytes, so it can never write stale bytes over the file.
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

#include "mm/advice.h"
#include "mm/errors.h"

#define MM__NO_FRAME (-1)
/* The most bytes the 'sequential' policy reads ahead in one storage read. */
#define MM__READ_AHEAD ((size_t)1 << 20)
/* The most slots of the table of pages read around the cache (a power of two). */
#define MM__MAX_GHOSTS ((size_t)1 << 16)
/* The most bytes mm_pager_read_sink reads from the storage in one call (read_at returns an int). */
#define MM__FILL_RUN ((size_t)1 << 24)
#define MM__POOL_ALIGN 64u

typedef struct mm__frame {
  uint64_t page_no;    /* the page held, when resident */
  int32_t next;        /* next frame in the hash chain or the free list */
  uint32_t pins;       /* all pins, writable ones included */
  uint32_t write_pins; /* writable pins */
  uint64_t valid;      /* loaded sectors (bit i: sector i), when resident */
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
  uint32_t sector_shift; /* log2 of the sector size */
  uint64_t full;         /* the valid bits of a whole page */
  int policy;            /* MM_ADVICE_NORMAL, _SEQUENTIAL or _RANDOM */
  uint64_t last_miss;    /* the page of the last miss */
  uint32_t scattered;    /* misses in a row that did not follow the one before (saturates) */
  uint8_t *pool;       /* frame_count * page_size bytes, 64-byte aligned */
  void *pool_alloc;    /* the one allocation holding the pool */
  mm__frame *frames;
  int32_t *buckets;
  uint32_t *ghosts;     /* pages read around the cache lately, by hash (tag: low bits + 1; 0: none) */
  uint32_t *ghost_at;   /* per ghost slot: the value of `arounds` when its page was read around */
  uint32_t ghost_mask;  /* ghost slots - 1 */
  uint32_t arounds;     /* reads around the cache so far (wraps) */
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
  uint64_t offset = fr->page_no << p->page_shift, valid = fr->valid;
  size_t bytes = mm__page_bytes(p, fr->page_no);
  unsigned i = 0;
  int rc;
  /* Only loaded (or written) sectors: an unloaded one holds no byte of this page. */
  while (valid != 0) {
    size_t from, to;
    while (!(valid >> i & 1)) i++;
    from = (size_t)i << p->sector_shift;
    while (i < 64 && (valid >> i & 1)) {
      valid &= ~(UINT64_C(1) << i);
      i++;
    }
    to = (size_t)i << p->sector_shift;
    if (to > bytes) to = bytes;
    if (from >= to) break;
    p->stats.storage_writes++;
    rc = p->storage->methods->write_at(p->storage, mm__frame_data(p, f) + from, to - from, offset + from);
    if (rc < 0) return rc;
  }
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

/* What mm__fetch puts in the frame of a page it makes resident. */
enum {
  MM__FETCH_LOAD,      /* the page's bytes, read from the storage */
  MM__FETCH_OVERWRITE, /* nothing: the caller overwrites [0, page bytes) at once */
  MM__FETCH_ZERO       /* zeros (the caller overwrites it later, from outside) */
};

/* The valid bits of sectors [first, last]. */
static uint64_t mm__sector_bits(unsigned first, unsigned last) {
  uint64_t upto = last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1;
  return upto & ~((UINT64_C(1) << first) - 1);
}

/*
 * Loads the sectors of `want` that frame f lacks, one storage read per run
 * of them (bytes past the storage's end become zeros). Returns 0 or the
 * storage's code (the sectors read before the failing run stay loaded).
 */
static int mm__load_sectors(mm_pager *p, int32_t f, uint64_t want) {
  mm__frame *fr = &p->frames[f];
  uint64_t missing = want & ~fr->valid;
  size_t bytes = mm__page_bytes(p, fr->page_no);
  uint8_t *data = mm__frame_data(p, f);
  unsigned i = 0;
  while (missing != 0) {
    unsigned first, end;
    size_t from, to;
    int got;
    while (!(missing >> i & 1)) i++;
    first = i;
    while (i < 64 && (missing >> i & 1)) i++;
    end = i;
    from = (size_t)first << p->sector_shift;
    to = (size_t)end << p->sector_shift;
    if (to > p->page_size) to = p->page_size;
    if (from < bytes) {
      size_t take = (to < bytes ? to : bytes) - from;
      p->stats.storage_reads++;
      got = p->storage->methods->read_at(p->storage, data + from, take,
                                         (fr->page_no << p->page_shift) + from);
      if (got < 0) return got;
      if ((size_t)got > take) got = (int)take;
      memset(data + from + got, 0, to - from - (size_t)got);
    } else {
      memset(data + from, 0, to - from);
    }
    fr->valid |= mm__sector_bits(first, end - 1);
    missing &= ~mm__sector_bits(first, end - 1);
  }
  return 0;
}

/* Counts a miss of page `page_no` for the policy's guess of how the pages are read. */
static void mm__note_miss(mm_pager *p, uint64_t page_no) {
  if (page_no == p->last_miss + 1 || page_no == p->last_miss) {
    p->scattered = 0;
  } else if (p->scattered < 1000) {
    p->scattered++;
  }
  p->last_miss = page_no;
}

/*
 * Whether page `page_no`, missing from the cache while it reads at random,
 * was read around the cache lately (then it is wanted again: cache it), and
 * if not, remembers that it was now. "Lately" is within the last frame_count
 * reads around the cache: a page touched again only after more distinct
 * pages than the cache holds would have been evicted before that touch had
 * the cache kept it, so caching it would cost a load and a copy for nothing.
 */
static int mm__seen_lately(mm_pager *p, uint64_t page_no) {
  uint32_t slot = mm__bucket(p, page_no) & p->ghost_mask, tag = (uint32_t)page_no + 1u;
  uint32_t now = p->arounds++;
  if (p->ghosts[slot] == tag && now - p->ghost_at[slot] <= p->frame_count) {
    p->ghosts[slot] = 0;
    return 1;
  }
  p->ghosts[slot] = tag;
  p->ghost_at[slot] = now;
  return 0;
}

/*
 * Whether a miss now loads only the sectors it needs. Never for a private
 * pager: a copy-on-write page is copied whole, at once, as the file's cache
 * holds it then (its other sectors must not follow the file afterwards).
 */
static int mm__reads_at_random(const mm_pager *p) {
  if (p->flags & MM_PAGER_PRIVATE) return 0;
  if (p->policy == MM_ADVICE_RANDOM) return 1;
  return p->policy == MM_ADVICE_NORMAL && p->scattered >= 2;
}

/*
 * The 'sequential' policy's miss of page `page_no` (a read of part of a page,
 * or a pin: whole pages that a copy asks for go straight to the caller, past
 * the cache, which costs one copy less): loads it and the pages
 * after it that the cache lacks (up to MM__READ_AHEAD bytes and a quarter of
 * the frames, whole pages inside the capacity), one storage read per run of
 * frames that lie next to each other in the pool (CLOCK hands out frames in
 * pool order while a file is read in order, so a run is usually all of
 * them). Returns the frame of `page_no` or a negative code; on a failure no
 * page of the run is made resident.
 */
static int32_t mm__read_ahead(mm_pager *p, uint64_t page_no) {
  int32_t got[MM__READ_AHEAD / MM_PAGER_MIN_PAGE_SIZE];
  size_t limit = MM__READ_AHEAD >> p->page_shift, count = 0, i, start;
  int rc = 0;
  if (limit > p->frame_count / 4) limit = p->frame_count / 4;
  while (count < limit) {
    uint64_t pg = page_no + count;
    int32_t f;
    if (pg >= p->page_count || mm__page_bytes(p, pg) != p->page_size || (count > 0 && mm__lookup(p, pg) != MM__NO_FRAME)) break;
    f = mm__grab_frame(p);
    if (f < 0) {
      if (count == 0) return f;
      break; /* a shorter run: every other frame is pinned */
    }
    /* Resident at once (CLOCK only looks at resident frames), pinned until loaded. */
    mm__link(p, f, pg);
    p->frames[f].valid = 0;
    p->frames[f].pins++;
    got[count++] = f;
  }
  for (start = 0; start < count && rc >= 0; start = i) {
    size_t bytes;
    for (i = start + 1; i < count && got[i] == got[i - 1] + 1; i++) {}
    bytes = (i - start) << p->page_shift;
    p->stats.storage_reads++;
    rc = p->storage->methods->read_at(p->storage, mm__frame_data(p, got[start]), bytes,
                                      (page_no + start) << p->page_shift);
    if (rc >= 0 && (size_t)rc < bytes) memset(mm__frame_data(p, got[start]) + rc, 0, bytes - (size_t)rc);
  }
  for (i = 0; i < count; i++) {
    p->frames[got[i]].pins--;
    if (rc < 0) {
      mm__unlink(p, got[i]);
      mm__free_push(p, got[i]);
      continue;
    }
    p->stats.misses++;
    p->frames[got[i]].valid = p->full;
  }
  return rc < 0 ? rc : got[0];
}

/*
 * Returns the frame holding page `page_no` with all of it loaded, loading it
 * on a miss. With `fill` MM__FETCH_OVERWRITE or MM__FETCH_ZERO the caller
 * overwrites every byte of the page inside the capacity, so the storage is
 * not read. The bytes past the capacity are zeros either way. Returns the
 * frame or a negative code.
 */
static int32_t mm__fetch(mm_pager *p, uint64_t page_no, int fill) {
  int32_t f = mm__lookup(p, page_no);
  size_t bytes = mm__page_bytes(p, page_no);
  uint8_t *data;
  int got = 0;
  if (f != MM__NO_FRAME) {
    mm__frame *fr = &p->frames[f];
    fr->referenced = 1;
    p->stats.hits++;
    if (fr->valid != p->full) {
      if (fill != MM__FETCH_LOAD) {
        fr->valid = p->full;
      } else {
        int rc = mm__load_sectors(p, f, p->full);
        if (rc < 0) return rc;
      }
    }
    return f;
  }
  if (fill == MM__FETCH_LOAD && p->policy == MM_ADVICE_SEQUENTIAL && bytes == p->page_size) {
    return mm__read_ahead(p, page_no);
  }
  p->stats.misses++;
  mm__note_miss(p, page_no);
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
  p->frames[f].valid = p->full;
  return f;
}

/*
 * Returns the frame holding page `page_no` with the sectors of its bytes
 * [in, in + n) loaded (n > 0), for a copy in or out of them. `write`: the
 * caller overwrites those bytes at once, so sectors they cover whole are not
 * read, and are valid afterwards. While the pager reads at random, a miss
 * or a hit on a partly loaded page loads only the sectors needed (under the
 * 'normal' policy, a hit on a page with two sectors loaded already loads the
 * rest of it); otherwise the whole page (the rest of it). Returns the frame
 * or a negative code.
 */
static int32_t mm__fetch_span(mm_pager *p, uint64_t page_no, size_t in, size_t n, int write) {
  int32_t f = mm__lookup(p, page_no);
  size_t bytes = mm__page_bytes(p, page_no), end = in + n;
  size_t smask = ((size_t)1 << p->sector_shift) - 1;
  unsigned first = (unsigned)(in >> p->sector_shift), last = (unsigned)((end - 1) >> p->sector_shift);
  uint64_t cover = mm__sector_bits(first, last), want = cover;
  int rc;
  if (write) {
    /* The sectors the write fills whole need no load (the last one whole up to the capacity). */
    if ((in & smask) == 0 && ((end & smask) == 0 || end >= bytes)) want = 0;
    else {
      want = 0;
      if ((in & smask) != 0) want |= mm__sector_bits(first, first);
      if ((end & smask) != 0 && end < bytes) want |= mm__sector_bits(last, last);
    }
  }
  if (f == MM__NO_FRAME) {
    if (!mm__reads_at_random(p)) {
      int whole = write && in == 0 && end >= bytes;
      f = mm__fetch(p, page_no, whole ? MM__FETCH_OVERWRITE : MM__FETCH_LOAD);
      return f;
    }
    p->stats.misses++;
    mm__note_miss(p, page_no);
    f = mm__grab_frame(p);
    if (f < 0) return f;
    mm__link(p, f, page_no);
    p->frames[f].valid = 0;
    rc = mm__load_sectors(p, f, want);
    if (rc < 0) {
      mm__unlink(p, f);
      mm__free_push(p, f);
      return rc;
    }
  } else {
    mm__frame *fr = &p->frames[f];
    fr->referenced = 1;
    p->stats.hits++;
    if ((want & ~fr->valid) != 0) {
      /* Reading at random, only what is needed; but under the 'normal' policy a page touched in
       * two sectors already shows locality: load the rest of it (then holds can serve it). */
      int sectors_only = mm__reads_at_random(p) &&
                         (p->policy == MM_ADVICE_RANDOM || (fr->valid & (fr->valid - 1)) == 0);
      rc = mm__load_sectors(p, f, sectors_only ? want : p->full & ~(cover & ~want));
      if (rc < 0) return rc;
    }
  }
  if (write) {
    if (end >= bytes) memset(mm__frame_data(p, f) + bytes, 0, p->page_size - bytes);
    p->frames[f].valid |= cover;
  }
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
  size_t buckets, ghosts, meta, pool_bytes, i;
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
  ghosts = buckets < MM__MAX_GHOSTS ? buckets : MM__MAX_GHOSTS;
  meta = sizeof(mm_pager) + frame_count * sizeof(mm__frame) +
         frame_count * sizeof(mm__flush_item) + buckets * sizeof(int32_t) + 2 * ghosts * sizeof(uint32_t);
  p = calloc(1, meta);
  if (p == NULL) return MM_ENOMEM;
  /* mm_pager, mm__frame and mm__flush_item are all aligned as uint64_t, their
   * strictest member, and their sizes are multiples of that, so each array
   * placed after the struct stays aligned. */
  p->frames = (mm__frame *)(p + 1);
  p->flush_items = (mm__flush_item *)(p->frames + frame_count);
  p->buckets = (int32_t *)(p->flush_items + frame_count);
  p->ghosts = (uint32_t *)(p->buckets + buckets);
  p->ghost_at = p->ghosts + ghosts;
  p->ghost_mask = (uint32_t)ghosts - 1;
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
  p->sector_shift = page_size / 64 > MM_PAGER_SECTOR_SIZE ? p->page_shift - 6 : mm__log2(MM_PAGER_SECTOR_SIZE);
  p->full = mm__sector_bits(0, (page_size >> p->sector_shift) - 1);
  p->policy = MM_ADVICE_NORMAL;
  p->last_miss = UINT64_MAX - 1;
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
    int32_t f = mm__fetch_span(p, page_no, in, chunk, 0);
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
    int32_t f;
    if (mm__reads_at_random(p) && mm__is_shared_writable(p) && mm__lookup(p, page_no) == MM__NO_FRAME) {
      /* Reading at random, a write to a page that is not cached goes straight to the storage
       * (no page holds older bytes of it), as a pwrite of those bytes would. */
      int rc;
      p->stats.storage_writes++;
      rc = p->storage->methods->write_at(p->storage, src, chunk, offset);
      if (rc < 0) return rc;
      src += chunk;
      offset += chunk;
      n -= chunk;
      continue;
    }
    f = mm__fetch_span(p, page_no, in, chunk, 1);
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
      /* A run of such pages is one storage read (up to MM__FILL_RUN bytes). */
      int got;
      while (chunk < MM__FILL_RUN && n - chunk >= p->page_size &&
             mm__page_bytes(p, page_no + chunk / p->page_size) == p->page_size &&
             mm__lookup(p, page_no + chunk / p->page_size) == MM__NO_FRAME) {
        chunk += p->page_size;
      }
      p->stats.storage_reads++;
      got = sink->fill(sink, p->storage, at, chunk, offset);
      if (got < 0) return got;
      if ((size_t)got < chunk) mm__sink_zeros(sink, at + (size_t)got, chunk - (size_t)got);
    } else if (mm__reads_at_random(p) && mm__lookup(p, page_no) == MM__NO_FRAME && !mm__seen_lately(p, page_no)) {
      /* Reading at random, the first touch of a page reads just its bytes, around the cache
       * (clean: the storage has them); a second touch soon after caches it. */
      int got;
      mm__note_miss(p, page_no);
      p->stats.storage_reads++;
      got = sink->fill(sink, p->storage, at, chunk, offset);
      if (got < 0) return got;
      if ((size_t)got < chunk) mm__sink_zeros(sink, at + (size_t)got, chunk - (size_t)got);
    } else {
      int32_t f = mm__fetch_span(p, page_no, in, chunk, 0);
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
    fr->valid = p->full;
    if (fr->write_pins == 0) fr->dirty = 0;
  }
}

void mm_pager_set_storage(mm_pager *p, mm_storage *storage) { p->storage = storage; }

int mm_pager_set_policy(mm_pager *p, int advice) {
  if (advice != MM_ADVICE_NORMAL && advice != MM_ADVICE_SEQUENTIAL && advice != MM_ADVICE_RANDOM) {
    return MM_EINVAL;
  }
  p->policy = advice;
  p->scattered = 0;
  return 0;
}

int mm_pager_policy(const mm_pager *p) { return p->policy; }

int mm_pager_load(mm_pager *p, uint64_t page_no) {
  int32_t f;
  if (page_no >= p->page_count) return MM_ERANGE;
  f = mm__fetch(p, page_no, MM__FETCH_LOAD);
  return f < 0 ? f : 0;
}

int mm_pager_release_clean(mm_pager *p, uint64_t offset, uint64_t n) {
  uint64_t first, last;
  uint32_t f;
  int released = 0;
  if (!mm__range_ok(p, offset, n)) return MM_ERANGE;
  if (n == 0) return 0;
  first = offset >> p->page_shift;
  last = (offset + n - 1) >> p->page_shift;
  for (f = 0; f < p->frame_count; f++) {
    mm__frame *fr = &p->frames[f];
    if (!fr->resident || fr->dirty || fr->pins > 0 || fr->page_no < first || fr->page_no > last) continue;
    mm__unlink(p, (int32_t)f);
    mm__free_push(p, (int32_t)f);
    released++;
  }
  return released;
}

int mm_pager_is_whole(const mm_pager *p, uint64_t page_no) {
  int32_t f = mm__lookup(p, page_no);
  return f != MM__NO_FRAME && p->frames[f].valid == p->full;
}

int mm_pager_reads_at_random(const mm_pager *p) { return mm__reads_at_random(p); }

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
