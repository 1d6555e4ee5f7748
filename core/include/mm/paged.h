/*
 * paged.h — paged maps: persisted maps whose views go through a page cache
 * (pager.h) instead of mmap. It is the map of the emulated backend (WASM,
 * where there is no mmap), and it builds and is tested natively too.
 *
 *   mm_paged_open_file("a")  ─┐  map.c's mode and capacity rules, then
 *   mm_paged_open_file("a")  ─┼─▶ the file's one page cache in this process,
 *        │                    │   found by identity (device and inode; the
 *        │                    │   normalized path in OPFS), so two maps of a
 *        ▼                    │   file see each other's writes at once, as
 *   mm_paged_view_open()      │   two mmaps of it do through the OS page cache
 *        ├─ holds: pins the JS accessors keep for their translation cache (a
 *        │  ring per file cache; the oldest is dropped for a new one)
 *        ├─ lends: pins of withBytes() callbacks, counted per view
 *        └─ copy-on-write views: private pages of their own, copied from the
 *           file's cache when the view first writes them; until then a page
 *           reads the file's cache, as a MAP_PRIVATE page follows the file
 *
 * This layer owns the rules of paged views: their ranges and pointer
 * offset, what their access allows, and every pin they take, which closing
 * a view releases. A view closed while a lend is out (from inside its
 * withBytes() callback) stops at once for every other call and finishes
 * closing when the last lend returns, so the lent bytes stay valid to the
 * end of the callback and are written back like any other.
 *
 * Lifetime: a map holds its file's cache; a view holds its map. The cache is
 * flushed, released and its file closed when the last map of the file is
 * closed and released (a map is released when it is closed and its last view
 * is). The owner of a map or a view ends it with mm_paged_free /
 * mm_paged_view_free, which close it if needed; the memory goes once nothing
 * refers to it, so a call on a closed object is MM_ECLOSED, never a use of
 * freed memory.
 *
 * While a lend is out, opening a map or a view is MM_EBUSY: in WASM it may
 * grow the memory, which would detach the array lent to JS. Not thread-safe:
 * one thread uses the paged maps of a process (a WASM instance per worker).
 */
#ifndef MM_PAGED_H
#define MM_PAGED_H

#include <stdint.h>

#include "mm/advice.h"
#include "mm/map.h"
#include "mm/pager.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_paged_map mm_paged_map;
typedef struct mm_paged_view mm_paged_view;

/* Frames of a file's cache that holds never take, left for reads, writes and lends. */
#define MM_PAGED_RESERVED_FRAMES 4u

/*
 * Opens `path` as mm_map_open_file does (same modes, capacity rules and
 * errors) and joins the file's page cache, opening it with `page_size` and
 * `frame_count` (0 = the pager's defaults) when the file has none in this
 * process yet; a map joining a cache uses that cache's page size and frames.
 * A bad page size or frame count is MM_EINVAL before anything on disk
 * changes, and a file this call created is removed again if setting up the
 * cache fails. A capacity above the cache's grows it; mode create over a
 * file whose cache is open empties the cache with the file. MM_EBUSY while a
 * lend is out.
 */
int mm_paged_open_file(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                       uint32_t page_size, uint32_t frame_count, mm_paged_map **out,
                       int *os_errno);

/* The map's capacity and access. */
uint64_t mm_paged_capacity(const mm_paged_map *pm);
mm_access mm_paged_access(const mm_paged_map *pm);

/* The page size and frames of the map's cache (also after the map is closed). */
uint32_t mm_paged_page_size(const mm_paged_map *pm);
uint32_t mm_paged_frame_count(const mm_paged_map *pm);

/*
 * The id of the map's file cache, the same for every map of the file while
 * the cache is open, never reused in the process; 0 once the map is released.
 */
uint32_t mm_paged_file_id(const mm_paged_map *pm);

/* 1 while the file cache with this id is open, else 0. */
int mm_paged_file_is_open(uint32_t id);

/* The counters of the map's file cache (zeros once the map is released). */
void mm_paged_stats(const mm_paged_map *pm, mm_pager_stats *out);

/* Lends out in the process (withBytes() callbacks in progress). */
unsigned mm_paged_lent(void);

/*
 * Closes the map: no new views. When no view is open, releases the map; the
 * last map of a file releases its cache: flushes it, releases every pin and
 * closes the file, and returns the flush's error, if any (the pages that
 * could not be written are lost then; flush first to handle errors without
 * loss). Closing twice is harmless.
 */
int mm_paged_close(mm_paged_map *pm);

/* Closes (if needed) and ends the owner's use of the map. */
void mm_paged_free(mm_paged_map *pm);

/*
 * Opens a view of [offset, offset + size) with `access`; size 0 means "to
 * the end" (capacity - offset). Errors: MM_ECLOSED (map closed), MM_EINVAL
 * (access), MM_ERANGE (offset not below the capacity, or the range beyond
 * it), MM_EACCES (access wider than the map's), MM_EBUSY (a lend is out),
 * MM_ENOMEM.
 */
int mm_paged_view_open(mm_paged_map *pm, uint64_t offset, uint64_t size, mm_access access,
                       mm_paged_view **out);

/* The view's range (as resolved), access, and pointer offset: offset % page size. */
uint64_t mm_paged_view_offset(const mm_paged_view *v);
uint64_t mm_paged_view_size(const mm_paged_view *v);
uint64_t mm_paged_view_pointer_offset(const mm_paged_view *v);
mm_access mm_paged_view_access(const mm_paged_view *v);

/* Non-zero once the view is closed (a close from inside a lend counts). */
int mm_paged_view_is_closed(const mm_paged_view *v);

/* What mm_paged_view_hold and mm_paged_view_lend report in *dropped. */
#define MM_PAGED_DROPPED_NONE (-1)
/* Every hold of the file's cache was dropped (to find a frame). */
#define MM_PAGED_DROPPED_ALL (-2)

/* What mm_paged_view_hold returns on success. */
#define MM_PAGED_HOLD_SHARED 0  /* a frame of the file's cache, held in its ring */
#define MM_PAGED_HOLD_PRIVATE 1 /* a private page of a copy-on-write view: valid until the view is released */
/* Nothing held: the file's cache reads at random and the page is not whole in it; copy through
 * mm_paged_view_read / mm_paged_view_write instead (they load only the sectors they touch). */
#define MM_PAGED_HOLD_NONE 2

/*
 * Holds page `page` (numbered from the start of the file; it must meet the
 * view's range) for the JS translation cache and stores its frame's address
 * in *frame. `kind` is a pin kind (MM_PIN_READ, MM_PIN_WRITE, or
 * MM_PIN_OVERWRITE for a caller that overwrites the whole page at once);
 * writable kinds need an access that writes (MM_EACCES otherwise).
 *
 * A hold of the file's cache stays until the ring drops it to make room: a
 * new hold drops the oldest, and *dropped says which page that was
 * (MM_PAGED_DROPPED_NONE when none; MM_PAGED_DROPPED_ALL when every hold went
 * to free a frame), so the caller forgets its address. A page held for
 * reading is held again writable on its first write (same frame). A flush
 * turns every writable hold into a read hold.
 *
 * On a copy-on-write view a writable hold makes the page private (a copy of
 * the file's cache's bytes, or zeros for MM_PIN_OVERWRITE) and returns
 * MM_PAGED_HOLD_PRIVATE; so does a read hold of a page that is private
 * already. Private pages are never dropped, so the view's private frames
 * bound how many pages it can change: one more is MM_ENOMEM.
 *
 * A read or write hold of a page of the file's cache is MM_PAGED_HOLD_NONE,
 * holding nothing, while the cache reads at random (mm_pager_reads_at_random)
 * and the page, larger than a sector, is not loaded whole: a hold would load
 * the whole page.
 *
 * Errors: MM_ECLOSED, MM_ERANGE, MM_EACCES, MM_EINVAL (kind), MM_ENOMEM, and
 * the storage's codes when loading the page or writing back the one it
 * evicts fails.
 */
int mm_paged_view_hold(mm_paged_view *v, uint64_t page, int kind, uint8_t **frame,
                       int64_t *dropped);

/*
 * Pins page `page` for a withBytes() callback: its frame (*frame) keeps the
 * page until mm_paged_view_unlend. Writable lends need an access that writes
 * and make a copy-on-write view's page private. *dropped as for holds.
 * Errors as mm_paged_view_hold.
 */
int mm_paged_view_lend(mm_paged_view *v, uint64_t page, int writable, uint8_t **frame,
                       int64_t *dropped);

/*
 * Returns a lend (pass the frame address and `writable` of the lend). Works
 * on a closed view; the last lend of a view closed meanwhile finishes its
 * close, and returns that close's error, if any. MM_EINVAL for a frame with
 * no such lend of this view.
 */
int mm_paged_view_unlend(mm_paged_view *v, const uint8_t *frame, int writable);

/*
 * Copies n bytes at `pos` of the view (from its first byte) into buf, or
 * into the sink from its byte `at` (pager.h: whole pages missing from the
 * cache go straight from the file to the destination). MM_ECLOSED,
 * MM_EACCES (a write-only view), MM_ERANGE (beyond the view), or as
 * mm_pager_read.
 */
int mm_paged_view_read(mm_paged_view *v, uint64_t pos, void *buf, size_t n);
int mm_paged_view_read_sink(mm_paged_view *v, uint64_t pos, size_t n, mm_pager_sink *sink,
                            uint64_t at);

/* Copies n bytes from buf to `pos` of the view. Errors as mm_paged_view_read. */
int mm_paged_view_write(mm_paged_view *v, uint64_t pos, const void *buf, size_t n);

/*
 * Writes back the file cache's dirty pages and flushes the file, after
 * turning every writable hold into a read hold (so the pages are clean
 * after it, unless a lend still writes them). A no-op for views whose
 * writes do not reach the file (read-only and copy-on-write). MM_ECLOSED.
 */
int mm_paged_view_flush(mm_paged_view *v);

/*
 * mm_paged_view_flush for the view's bytes [offset, offset + length) (from
 * the view's first byte): the dirty pages that meet the range are written
 * back, then the file is flushed. MM_ERANGE beyond the view, MM_ECLOSED.
 */
int mm_paged_view_flush_range(mm_paged_view *v, uint64_t offset, uint64_t length);

/*
 * One slice of a flush of [offset, offset + length) that yields between
 * slices (flushAsync): writes back at most `max_pages` dirty pages of the
 * range from page `from_page` on (file page numbers; 0 for the start),
 * without flushing the file, and returns the page to continue from; a page
 * past the range's last when none is left. End with
 * mm_paged_view_flush_range, which writes what is still dirty and flushes
 * the file. MM_ERANGE, MM_ECLOSED, or the storage's code.
 */
int64_t mm_paged_view_write_back(mm_paged_view *v, uint64_t offset, uint64_t length, uint64_t from_page,
                                 uint32_t max_pages);

/*
 * The platform handle of the view's file (the host's file id under WASM),
 * or -1 once the view is closed: for a caller that makes the file durable
 * off its thread first (an fsync on a thread pool), so that the flush that
 * ends a mm_paged_view_write_back sequence finds little left to wait for.
 */
intptr_t mm_paged_view_file_handle(const mm_paged_view *v);

/*
 * Grows the map and its file to `capacity` bytes (mm_map_grow's rules and
 * errors): the file's cache grows with it, views made before keep their
 * ranges, new views may reach the new bytes. Other maps of the file keep
 * their capacity. MM_ECLOSED once the map is closed.
 */
int mm_paged_grow(mm_paged_map *pm, uint64_t capacity, int *os_errno);

/*
 * Advice (advice.h) for the view's bytes [pos, pos + n): 'normal',
 * 'sequential' and 'random' set the file cache's policy
 * (mm_pager_set_policy; it is the file's, shared by every view of it);
 * 'willNeed' loads the pages of the range's first mm_paged_view_prefetch_span
 * bytes; 'dontNeed' drops every hold of the file's cache (*dropped is then
 * MM_PAGED_DROPPED_ALL) and lets the clean pages of the range go. Dirty
 * pages and a copy-on-write view's private pages always stay. MM_ECLOSED,
 * MM_EINVAL (advice), MM_ERANGE, or the storage's codes.
 */
int mm_paged_view_advise(mm_paged_view *v, mm_advice advice, uint64_t pos, uint64_t n, int64_t *dropped);

/*
 * How much of the view's bytes [pos, pos + n) a prefetch makes resident:
 * the first bytes of the range that fit in the pages the cache's holds can
 * keep (0 for a closed view or a bad range).
 */
uint64_t mm_paged_view_prefetch_span(const mm_paged_view *v, uint64_t pos, uint64_t n);

/*
 * Makes page `page` (numbered from the start of the file; it must meet the
 * view's range) resident and whole in the file's cache, without holding it.
 * MM_ECLOSED, MM_ERANGE, or as mm_pager_load.
 */
int mm_paged_view_load(mm_paged_view *v, uint64_t page);

/*
 * Closes the view: its holds' and lends' pages stay in the cache for the
 * other views, a copy-on-write view's private pages go. When it was the last
 * view of a closed map, the map is released (see mm_paged_close) and that
 * error returned. With lends out, the view is closed for every call but
 * mm_paged_view_unlend, and the rest waits for the last lend to return.
 * Closing twice is harmless.
 */
int mm_paged_view_close(mm_paged_view *v);

/* Closes (if needed) and ends the owner's use of the view. */
void mm_paged_view_free(mm_paged_view *v);

#ifdef __cplusplus
}
#endif

#endif /* MM_PAGED_H */
