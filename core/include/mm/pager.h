/*
 * pager.h — the page cache of the emulated backend.
 *
 * Where there is no mmap (WASM: OPFS in the browser, node:fs in Node), a map
 * of a file is a pager: a fixed pool of page-sized frames in (WASM) memory
 * over a storage (storage.h), so a file far larger than memory can be mapped.
 * The pool is allocated once when the pager opens and never grows, so WASM
 * memory does not grow (and JS views of it are not detached) while it runs.
 *
 * Pages are loaded on demand, evicted by CLOCK (second chance), written back
 * when a dirty page is evicted, on flush and on close. Callers either copy
 * (mm_pager_read / mm_pager_write) or pin a page and use its frame in place
 * (mm_pager_pin / mm_pager_unpin), which is how JS gets zero-copy access: it
 * pins, computes the frame's address from the pool base and the frame index,
 * reads and writes there, and unpins.
 *
 * A pager is used by one thread at a time. Offsets and sizes are bytes;
 * pages are numbered from 0 (page n holds bytes [n * page_size, (n+1) *
 * page_size)). Every function that can fail returns 0 (or a non-negative
 * value where stated) or a negative MM_E* code (errors.h).
 */
#ifndef MM_PAGER_H
#define MM_PAGER_H

#include <stddef.h>
#include <stdint.h>

#include "mm/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Page sizes are powers of two in this range. */
#define MM_PAGER_MIN_PAGE_SIZE 4096u
#define MM_PAGER_MAX_PAGE_SIZE (1024u * 1024u)
/* 64 KiB: the WASM page size, and large enough that the fixed cost of a call
 * into a JS storage (about 5 us for an OPFS read) is small per byte. */
#define MM_PAGER_DEFAULT_PAGE_SIZE 65536u

/*
 * The unit in which reads at random load a page: pages are split into
 * sectors of this size (or of page_size / 64 for pages above 256 KiB, so
 * that a page has at most 64), each loaded on its own when the pager reads
 * at random (see mm_pager_set_policy).
 */
#define MM_PAGER_SECTOR_SIZE 4096u

/* Frame counts are in this range. The minimum leaves room to pin a value that
 * straddles two pages while reads and writes still find free frames. */
#define MM_PAGER_MIN_FRAMES 4u
#define MM_PAGER_MAX_FRAMES (1u << 24)
/* The cache when the caller gives no frame count: 16 MiB of frames of the
 * page size in use (256 frames of the default page size). */
#define MM_PAGER_DEFAULT_CACHE_SIZE (16u * 1024u * 1024u)

/* Flags of mm_pager_open. */
/* Writes are refused (MM_EACCES); the storage is never written or resized. */
#define MM_PAGER_READONLY 1u
/*
 * Copy-on-write: writes go to cache frames and are never written back, so the
 * storage is never written or resized. A private page that was written stays
 * in the cache until the pager closes (it cannot be evicted, as nothing could
 * bring it back), so the cache size bounds how much a private pager can
 * change: once every frame holds a written private page or is pinned, loading
 * another page fails with MM_ENOMEM. Flush writes nothing and returns 0.
 */
#define MM_PAGER_PRIVATE 2u
/* The caller keeps the storage: close and drop do not close it. Without this
 * flag the pager owns the storage from a successful open on. */
#define MM_PAGER_BORROW_STORAGE 4u

/* Pin kinds of mm_pager_pin (its `writable` argument). */
#define MM_PIN_READ 0
#define MM_PIN_WRITE 1
/*
 * Writable, for a caller that overwrites every byte of the page before it
 * reads any: a page that is not in the cache is not loaded from the storage;
 * its frame starts as zeros. Unpin it as MM_PIN_WRITE.
 */
#define MM_PIN_OVERWRITE 2

typedef struct mm_pager mm_pager;

typedef struct mm_pager_stats {
  uint64_t hits;            /* page requests served from the cache */
  uint64_t misses;          /* page requests that needed a frame */
  uint64_t evictions;       /* resident pages pushed out to make room */
  uint64_t storage_reads;   /* read_at calls made (successful or not) */
  uint64_t storage_writes;  /* write_at calls made (successful or not) */
  uint64_t storage_flushes; /* flush calls made on the storage */
  uint32_t resident;        /* frames holding a page now */
  uint32_t dirty;           /* frames holding changes not yet written back */
  uint32_t pinned;          /* frames pinned now */
} mm_pager_stats;

/*
 * Opens a pager over `storage` and stores it in *out.
 *
 * page_size: a power of two in [MM_PAGER_MIN_PAGE_SIZE,
 * MM_PAGER_MAX_PAGE_SIZE], or 0 for MM_PAGER_DEFAULT_PAGE_SIZE. frame_count:
 * in [MM_PAGER_MIN_FRAMES, MM_PAGER_MAX_FRAMES], or 0 for
 * MM_PAGER_DEFAULT_CACHE_SIZE / page_size. capacity: the logical size in bytes, the only
 * bytes the pager reads and writes; 0 means the storage's size. A capacity
 * below the storage's size exposes only the first `capacity` bytes and leaves
 * the rest of the storage alone. A capacity above it grows the storage to
 * `capacity` at open (truncate) unless the pager is MM_PAGER_READONLY or
 * MM_PAGER_PRIVATE, which never change the storage: for them the bytes past
 * the storage's end read as zeros. flags: MM_PAGER_READONLY, MM_PAGER_PRIVATE,
 * MM_PAGER_BORROW_STORAGE.
 *
 * Returns 0; MM_EINVAL for a bad page size, frame count or flag, a storage
 * table without read_at or size or older than version 1, or a capacity of 0
 * over an empty storage; MM_EACCES for a writable shared pager (neither
 * READONLY nor PRIVATE) over a storage without write_at; MM_EUNSUPPORTED when
 * the storage must grow and has no truncate; MM_ENOMEM; or the storage's code
 * from size or truncate. On failure the caller still owns the storage.
 */
int mm_pager_open(mm_storage *storage, uint32_t page_size, uint32_t frame_count,
                  uint64_t capacity, unsigned flags, mm_pager **out);

/*
 * Copies n bytes at `offset` into buf (n may cross pages). Returns 0;
 * MM_ERANGE when offset + n is past the capacity (nothing is copied then);
 * MM_ENOMEM when a page must be loaded and every frame is pinned (or holds a
 * written private page); or the storage's code (MM_EIO, ...) when loading a
 * page or writing back the page it evicts fails. On failure a prefix of buf
 * may have been filled; the pager stays usable.
 */
int mm_pager_read(mm_pager *p, uint64_t offset, void *buf, size_t n);

/*
 * Copies n bytes from buf to `offset` (n may cross pages); the pages become
 * dirty. While a shared writable pager reads at random
 * (mm_pager_reads_at_random), bytes of a page that is not in the cache are
 * written straight to the storage instead (no page is loaded or dirtied). Returns 0; MM_ERANGE (nothing written); MM_EACCES on a read-only
 * pager; or as mm_pager_read. On failure a prefix of the range may have been
 * written to the cache.
 */
int mm_pager_write(mm_pager *p, uint64_t offset, const void *buf, size_t n);

/*
 * Makes page `page_no` resident, pins it, and returns the index of its frame
 * (>= 0); stores the frame's address in *frame_ptr when frame_ptr is not NULL.
 * A pinned frame keeps its page and address until the matching unpin; pins
 * nest (pin twice, unpin twice). The frame holds page_size bytes; those past
 * the capacity read as zeros and are never written back. With `writable`
 * nonzero the caller may write to the frame until it unpins, and the page
 * counts as dirty from the pin until the unpin (so a flush while it is pinned
 * writes it back and keeps it dirty). Returns MM_ERANGE for a page at or past
 * the capacity, MM_EACCES for `writable` on a read-only pager, or as
 * mm_pager_read.
 *
 * `writable` is a pin kind: MM_PIN_READ (0), MM_PIN_WRITE (1), or
 * MM_PIN_OVERWRITE (2), a writable pin that does not load a page missing from
 * the cache (its frame is zeroed instead; bulk writes of whole pages use it).
 * Any other value is MM_EINVAL.
 *
 * JS keeps the translation of the page it is working on by keeping that page
 * pinned; an unpinned frame may hold another page after any pager call.
 */
int mm_pager_pin(mm_pager *p, uint64_t page_no, int writable,
                 uint8_t **frame_ptr);

/*
 * Ends one pin of frame `frame` (the index mm_pager_pin returned); `writable`
 * must be what that pin passed. Returns 0, or MM_EINVAL (changing nothing) for
 * an index out of range or a frame with no pin of that kind.
 */
int mm_pager_unpin(mm_pager *p, int frame, int writable);

/*
 * Writes back every dirty page whose bytes meet [offset, offset + n), then
 * flushes the storage. mm_pager_flush is the whole capacity. Pages are written
 * in ascending order. On the first failing write the flush stops and returns
 * the storage's code; pages not written stay dirty. If the storage's flush
 * fails, the pages this call wrote become dirty again, so the next flush
 * writes them again (the storage may have dropped them). Pages written back
 * earlier by eviction are not tracked: their durability is the storage's.
 * Returns 0, MM_ERANGE for a range past the capacity, or the storage's code.
 * On a read-only or private pager, returns 0 and does nothing.
 */
int mm_pager_flush(mm_pager *p);
int mm_pager_flush_range(mm_pager *p, uint64_t offset, uint64_t n);

/*
 * One slice of a flush that lets its caller do other work in between:
 * writes back at most `max_pages` of the dirty pages numbered first..last,
 * lowest first, without flushing the storage. Returns the page to continue
 * from (last + 1 when none is left), or the storage's code. A page pinned
 * writable stays dirty after it, so a caller moves on from the returned page
 * and ends with mm_pager_flush_range, which writes whatever is still dirty
 * and flushes the storage.
 */
int64_t mm_pager_write_back(mm_pager *p, uint64_t first, uint64_t last, uint32_t max_pages);

/*
 * Writes back and flushes like mm_pager_flush, then frees the pager and, unless
 * it was opened with MM_PAGER_BORROW_STORAGE, closes the storage. Returns 0,
 * or the storage's close code (the pager is freed in that case too).
 *
 * If writing back or flushing the storage fails, nothing is freed: close
 * returns the storage's code and the pager stays open and usable with every
 * page not known to be durable still dirty,
 * so no data is lost silently; the caller may retry close, or give up with
 * mm_pager_drop. A pager with pinned frames is not closed: MM_EBUSY.
 */
int mm_pager_close(mm_pager *p);

/*
 * Frees the pager without writing anything back, as if the process had
 * crashed: dirty pages are lost, and the storage holds what was written back
 * before. Closes the storage (without flushing it) unless it is borrowed.
 * Pinned frames are freed too. Never fails.
 */
void mm_pager_drop(mm_pager *p);

/* 1 when page `page_no` is in the cache, else 0. */
int mm_pager_is_resident(const mm_pager *p, uint64_t page_no);

/* The index of the frame holding page `page_no`, or MM_ENOENT when it is not in the cache. */
int mm_pager_lookup(const mm_pager *p, uint64_t page_no);

/*
 * Turns one writable pin of frame `frame` into a read pin, so that the next
 * flush leaves its page clean. Returns 0, or MM_EINVAL (changing nothing) for
 * an index out of range or a frame with no writable pin.
 */
int mm_pager_downgrade(mm_pager *p, int frame);

/*
 * Where mm_pager_read_sink delivers bytes: memory the core cannot address
 * itself (in WASM, a JS array), reached through two functions.
 */
typedef struct mm_pager_sink mm_pager_sink;
struct mm_pager_sink {
  /* Copies n bytes from src (a frame) to the destination at byte `at`. */
  void (*put)(mm_pager_sink *sink, uint64_t at, const uint8_t *src, size_t n);
  /*
   * Reads n bytes of `storage` at `offset` straight into the destination at
   * byte `at`, as the storage's read_at would (the count read, short only at
   * the storage's end, or a negative code).
   */
  int (*fill)(mm_pager_sink *sink, mm_storage *storage, uint64_t at, size_t n, uint64_t offset);
};

/*
 * Copies n bytes at `offset` into the sink, from destination byte `at` on.
 * Pages in the cache are put from their frames; a whole page (inside the
 * capacity) that is not in the cache holds no changes the storage lacks
 * (dirty pages are always resident), so it is filled straight from the
 * storage without passing through a frame: a long sequential read does not
 * cycle every page through the cache. Such a read counts in storage_reads
 * (not as a hit or a miss); the bytes of a short read past the storage's end
 * are put as zeros. While the pager reads at random (mm_pager_reads_at_random),
 * the first touch of a page missing from the cache is read the same way, just
 * the bytes asked for; a second touch soon after (within as many reads around
 * the cache as the cache has frames) loads its sectors into the cache. Other pages are loaded as by mm_pager_read. Errors as
 * mm_pager_read.
 */
int mm_pager_read_sink(mm_pager *p, uint64_t offset, size_t n, mm_pager_sink *sink, uint64_t at);

/*
 * Raises the capacity to `capacity` bytes (a larger one only; MM_EINVAL
 * otherwise) without touching the storage: the caller has grown it already.
 * The bytes of the old last page past the old capacity are zeros in the
 * cache, as they are in the grown storage.
 */
int mm_pager_grow(mm_pager *p, uint64_t capacity);

/*
 * Forgets the contents of every page: resident frames become zeros and clean
 * (pinned ones keep their frames), as after the storage was emptied and
 * regrown by the caller (a file replaced in place).
 */
void mm_pager_discard(mm_pager *p);

/*
 * Replaces the storage with another one over the same bytes (another handle
 * of the same file, e.g. a writable one). The caller closes the old one.
 */
void mm_pager_set_storage(mm_pager *p, mm_storage *storage);

/*
 * Sets how the pager loads pages on a miss (advice.h): MM_ADVICE_NORMAL (the
 * default) loads whole pages until misses stop following each other, and
 * then only the sectors a copy touches (mm_pager_read, mm_pager_write,
 * mm_pager_read_sink; a touch of a partly loaded page that has two sectors
 * loaded, or once misses follow each other again, loads the rest of it);
 * MM_ADVICE_RANDOM always loads only the sectors touched;
 * MM_ADVICE_SEQUENTIAL always whole pages, and a miss reads ahead: the pages
 * after it that the cache lacks come in the same storage read (up to 1 MiB
 * and a quarter of the frames). Pins always load the whole page, and so
 * does every miss of a MM_PAGER_PRIVATE pager (a copy-on-write page is
 * copied whole, at once).
 * MM_EINVAL for any other advice.
 */
int mm_pager_set_policy(mm_pager *p, int advice);
int mm_pager_policy(const mm_pager *p);

/* 1 when a miss now loads only the sectors it needs (the policy, or its guess), else 0. */
int mm_pager_reads_at_random(const mm_pager *p);

/* 1 when page `page_no` is resident and loaded whole, else 0. */
int mm_pager_is_whole(const mm_pager *p, uint64_t page_no);

/*
 * Makes page `page_no` resident and whole without pinning it (a prefetch).
 * Returns 0, MM_ERANGE past the capacity, or as mm_pager_read.
 */
int mm_pager_load(mm_pager *p, uint64_t page_no);

/*
 * Lets go of the resident pages meeting [offset, offset + n) that are clean
 * and not pinned (their frames become free); dirty and pinned pages stay.
 * Returns how many pages went, or MM_ERANGE.
 */
int mm_pager_release_clean(mm_pager *p, uint64_t offset, uint64_t n);

/* Copies the counters of the pager into *out. */
void mm_pager_get_stats(const mm_pager *p, mm_pager_stats *out);

/* Accessors for the numbers fixed at open. */
uint32_t mm_pager_page_size(const mm_pager *p);
uint32_t mm_pager_frame_count(const mm_pager *p);
uint64_t mm_pager_capacity(const mm_pager *p);

/*
 * The frame pool: frame i is the page_size bytes at base + i * page_size, for
 * i in [0, frame_count). The base is fixed for the pager's life and aligned to
 * 64 bytes, so JS can compute frame addresses itself from a frame index.
 */
uint8_t *mm_pager_frame_base(const mm_pager *p);

/* The address of frame `frame`, or NULL for an index out of range. */
uint8_t *mm_pager_frame_ptr(const mm_pager *p, int frame);

/* The index of the frame holding address `addr`, or MM_EINVAL if `addr` is
 * not inside the pool. */
int mm_pager_frame_index(const mm_pager *p, const void *addr);

#ifdef __cplusplus
}
#endif

#endif /* MM_PAGER_H */
