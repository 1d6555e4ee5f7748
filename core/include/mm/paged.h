/*
 * paged.h — a paged map: a persisted map whose views go through the page
 * cache (pager.h) instead of mmap. It is the map of the emulated backend
 * (WASM, where there is no mmap), and it builds and is tested natively too.
 *
 *   mm_paged_open_file()              same mode/capacity rules as mm_map_open_file
 *        |                            (it calls it), then
 *        +-- storage over the map's handle (platform: fd natively, JS imports in WASM)
 *        +-- the shared pager  <-- views with read/write/readWrite/... access
 *              ^
 *              +-- private pager per copy-on-write view, reading through the
 *                  shared pager (so it sees the map's current bytes when it
 *                  loads a page) and never writing back.
 *
 * Lifetime mirrors mm_map: the owner's handle plus one reference per open
 * view; the pager is written back and closed, and the file closed, when the
 * map is closed and its last view is closed.
 */
#ifndef MM_PAGED_H
#define MM_PAGED_H

#include <stdint.h>

#include "mm/map.h"
#include "mm/pager.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mm_paged_map mm_paged_map;

/*
 * Opens `path` as mm_map_open_file does (same modes, capacity rules and
 * errors) and puts a pager with `page_size` and `frame_count` (0 = the
 * pager's defaults) over it. A bad page size or frame count is MM_EINVAL
 * before anything on disk changes, and a file this call created is removed
 * again if setting up the pager fails. The pager is read-only for `read` and
 * `readExecute` maps, private for `copyOnWrite` maps, shared otherwise.
 */
int mm_paged_open_file(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                       uint32_t page_size, uint32_t frame_count, mm_paged_map **out,
                       int *os_errno);

/* The platform handle of the map's file (a FileHost id in the WASM build). */
intptr_t mm_paged_handle(const mm_paged_map *pm);

/* The map's capacity and access. */
uint64_t mm_paged_capacity(const mm_paged_map *pm);
mm_access mm_paged_access(const mm_paged_map *pm);

/*
 * Opens a view with `access`: MM_ECLOSED once the map is closed, MM_EACCES
 * when the map's access does not allow it. Stores in *pager the pager the
 * view reads and writes through: the map's shared pager, or for a
 * copy-on-write view (of a map that is not itself copy-on-write) a new
 * private pager of its own. Pass it back to mm_paged_view_close.
 */
int mm_paged_view_open(mm_paged_map *pm, mm_access access, mm_pager **pager);

/*
 * Closes a view opened by mm_paged_view_open (its private pager, if any, is
 * dropped). When it was the last view of a closed map, the map is released
 * as in mm_paged_close, and the write-back's error, if any, is returned.
 */
int mm_paged_view_close(mm_paged_map *pm, mm_pager *pager);

/* Writes back the shared pager's dirty pages and flushes the storage. */
int mm_paged_flush(mm_paged_map *pm);

/*
 * Closes the map: no new views. When no view is open, writes back and closes
 * the pager and closes the file; returns the write-back's error, if any (the
 * pages that could not be written are lost then; flush first to handle
 * errors without loss). Closing twice is harmless.
 */
int mm_paged_close(mm_paged_map *pm);

/* Closes (if needed) and drops the owner's reference. */
void mm_paged_free(mm_paged_map *pm);

#ifdef __cplusplus
}
#endif

#endif /* MM_PAGED_H */
