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
 */
#ifndef MM_VIEW_H
#define MM_VIEW_H

#include <stddef.h>
#include <stdint.h>

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
  int closed;            /* non-zero after mm_view_close */
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

/* Unmaps the view (and its wait window). Closing twice is harmless. */
int mm_view_close(mm_view *view);

#ifdef __cplusplus
}
#endif

#endif /* MM_VIEW_H */
