/*
 * view.h — a view: a mapping of [offset, offset + size) of a map.
 *
 * The platform maps from the allocation-granularity boundary at or below
 * `offset`; `pointer_offset` is the slack between that boundary and the first
 * byte of the view, so the view's bytes are at base + pointer_offset.
 *
 *   base                  base + pointer_offset             base + length
 *   |<-- pointer_offset -->|<------------ size ------------->|
 *
 * A view owns its mapping and a reference on its map: it stays valid after
 * its map is closed, and ends with mm_view_close (which unmaps and drops the
 * reference; closing twice is harmless).
 *
 * A caller that hands the mapping to code it cannot recall — a JavaScript
 * ArrayBuffer that user code may move with transfer() — ends the view in two
 * steps instead: mm_view_retire() at close, which gives the file back and
 * leaves inert memory at the same addresses, then mm_view_close() once the
 * last pointer into the range is gone, which releases the addresses. A read
 * view's wait window (sync.h) is never handed out: retiring unmaps it.
 */
#ifndef MM_VIEW_H
#define MM_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "mm/advice.h"
#include "mm/map.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_view {
  mm_map *map;           /* the map this view holds a reference on, NULL once closed */
  void *base;            /* start of the mapping (granularity-aligned), NULL once closed */
  size_t length;         /* bytes mapped from base: pointer_offset + size */
  size_t pointer_offset; /* offset % granularity */
  uint64_t offset;       /* requested offset in the map */
  uint64_t size;         /* bytes of the view */
  mm_access access;      /* the view's access */
  int stores_private;    /* 1: a store through the view's bytes stays in its own copy-on-write pages and
                            reaches neither the map nor another view; 0: it reaches the map, or faults
                            (set by the platform that mapped the view: a `read` view is private where
                            the platform allows) */
  int closed;            /* non-zero after mm_view_retire or mm_view_close */
  void *watch;           /* read views: a shared read-only mapping of [base, base + length) that
                            waits go through (sync.h), made on the first wait; else NULL */
} mm_view;

/*
 * Maps [offset, offset + size) of `map` with `access`. size 0 means "to the
 * end": capacity - offset. Errors: MM_ECLOSED (map closed), MM_ERANGE (offset
 * not below the capacity, or offset + size beyond it, or a size the address
 * space cannot hold), MM_EACCES (access wider than the map's), and the
 * platform's mapping errors (MM_ENOMEM, MM_ENODEV, ...).
 */
int mm_view_open(mm_map *map, uint64_t offset, uint64_t size,
                 mm_access access, mm_view *out, int *os_errno);

/* The first byte of the view (NULL once closed). */
uint8_t *mm_view_data(const mm_view *view);

/*
 * Writes the view's modified pages to the file and waits for the write
 * (msync MS_SYNC). A no-op for copy-on-write and read-only views, whose pages
 * never reach the file. MM_ECLOSED on a closed view.
 */
int mm_view_flush(mm_view *view, int *os_errno);

/*
 * mm_view_flush for the view's bytes [offset, offset + length) only (offsets
 * from the view's first byte): the range is widened to whole pages, down to
 * the page of its first byte, as msync(2) asks. A length of 0 flushes
 * nothing. MM_ERANGE for a range beyond the view, MM_ECLOSED on a closed
 * view. Safe to call from another thread while the view stays open (the
 * caller keeps it from closing until the call returns).
 */
int mm_view_flush_range(mm_view *view, uint64_t offset, uint64_t length, int *os_errno);

/*
 * Ends the view but keeps its address range: the mapping is replaced in place
 * by private zero pages, readable and writable, that reach no file, no shared
 * object and no other mapping, and the view's reference on its map is dropped
 * (so the file or object is released as soon as the map is closed too). After
 * it, mm_view_data is NULL and mm_view_flush MM_ECLOSED; stores through a
 * pointer kept from before land in the zero pages (committed on first touch,
 * like any anonymous memory). Release the range with mm_view_close. Retiring
 * twice is harmless.
 *
 * If the platform cannot replace the mapping (MM_ENOMEM at the limit of
 * mappings), the view is closed all the same but keeps its mapping and its map
 * until mm_view_close, and the error is returned: a pointer kept from before
 * can then still reach this view's own file, never another mapping.
 */
int mm_view_retire(mm_view *view, int *os_errno);

/*
 * The page-aligned span of [offset, offset + length) of the view (from its
 * first byte; length 0 = to the end): *addr is rounded down to the system's
 * page, *span reaches the end of the last page the range meets (never past
 * the mapping). MM_ECLOSED, MM_ERANGE (beyond the view).
 */
int mm_view_span(const mm_view *view, uint64_t offset, uint64_t length, void **addr, size_t *span);

/*
 * Tells the system how the view's pages in [offset, offset + length) will be
 * used (advice.h; ranges as mm_view_span). The advice never loses data:
 * 'dontNeed' drops the residency of a shared view's pages (their changes
 * stay in the file's cache) and of a private view's pages only where that
 * keeps their contents (Linux MADV_PAGEOUT; elsewhere it is a no-op).
 * MM_ECLOSED, MM_EINVAL (advice), MM_ERANGE, or the system's error.
 */
int mm_view_advise(mm_view *view, mm_advice advice, uint64_t offset, uint64_t length, int *os_errno);

/*
 * Makes the pages of [addr, addr + length) (a span from mm_view_span)
 * resident and mapped, reading them from the file where needed; blocks until
 * they are. Safe on any thread, and on memory that mm_view_retire made inert
 * meanwhile (it then maps zero pages and commits nothing). Returns 0 or the
 * system's error (MM_EFAULT where the file no longer backs the range).
 */
int mm_prefetch(void *addr, size_t length, int *os_errno);

/* Unmaps the view (a retired view: releases its address range). Closing twice is harmless. */
int mm_view_close(mm_view *view);

#ifdef __cplusplus
}
#endif

#endif /* MM_VIEW_H */
