/*
 * view.c — range and access rules of views (see view.h), for every platform.
 */
#include "mm/view.h"

#include <string.h>

#include "mm/errors.h"
#include "map_internal.h"
#include "platform.h"

int mm_view_open(mm_map *map, uint64_t offset, uint64_t size,
                 mm_access access, mm_view *out, int *os_errno) {
  uint64_t capacity, granularity, slack, length;
  void *addr = NULL;
  int rc, stores_private = 0;

  *os_errno = 0;
  memset(out, 0, sizeof *out);
  out->closed = 1;
  if (map == NULL || mm_map_is_closed(map)) return MM_ECLOSED;
  if ((unsigned)access >= MM_ACCESS__COUNT) return MM_EINVAL;
  capacity = mm_map_capacity(map);
  if (offset >= capacity) return MM_ERANGE;
  if (size == 0) size = capacity - offset;
  if (size > capacity - offset) return MM_ERANGE;
  if (!mm_access_allows(mm_map_access(map), access)) return MM_EACCES;

  granularity = mm__plat_granularity();
  slack = offset % granularity;
  length = slack + size;
  if (length < size || length > (uint64_t)SIZE_MAX) return MM_ERANGE;

  rc = mm__plat_map(map->handle, offset - slack, (size_t)length, access, &addr,
                    &stores_private, os_errno);
  if (rc < 0) return rc;

  mm__map_view_opened(map);
  out->map = map;
  out->base = addr;
  out->length = (size_t)length;
  out->pointer_offset = (size_t)slack;
  out->offset = offset;
  out->size = size;
  out->access = access;
  out->stores_private = stores_private;
  out->closed = 0;
  return 0;
}

uint8_t *mm_view_data(const mm_view *view) {
  if (view->closed) return NULL;
  return (uint8_t *)view->base + view->pointer_offset;
}

int mm_view_flush(mm_view *view, int *os_errno) {
  *os_errno = 0;
  if (view->closed) return MM_ECLOSED;
  return mm_view_flush_range(view, 0, view->size, os_errno);
}

int mm_view_flush_range(mm_view *view, uint64_t offset, uint64_t length, int *os_errno) {
  uint64_t granularity, start, end;
  *os_errno = 0;
  if (view->closed) return MM_ECLOSED;
  if (offset > view->size || length > view->size - offset) return MM_ERANGE;
  /* Read-only and copy-on-write pages never reach the file. */
  if (!mm_access_shares(view->access)) return 0;
  /* From the page boundary at or below the first byte (base is one: a multiple of the granularity). */
  granularity = mm__plat_granularity();
  start = (view->pointer_offset + offset) / granularity * granularity;
  end = view->pointer_offset + offset + length;
  if (length == 0) return 0;
  return mm__plat_sync(view->map->handle, (uint8_t *)view->base + start, (size_t)(end - start), os_errno);
}

int mm_view_span(const mm_view *view, uint64_t offset, uint64_t length, void **addr, size_t *span) {
  uint64_t page = mm__plat_page_size(), start, end;
  if (view->closed) return MM_ECLOSED;
  if (offset > view->size || length > view->size - offset) return MM_ERANGE;
  if (length == 0) length = view->size - offset;
  start = (view->pointer_offset + offset) / page * page;
  end = (view->pointer_offset + offset + length + page - 1) / page * page;
  if (end > view->length) end = view->length;
  *addr = (uint8_t *)view->base + start;
  *span = (size_t)(end - start);
  return 0;
}

int mm_view_advise(mm_view *view, mm_advice advice, uint64_t offset, uint64_t length, int *os_errno) {
  void *addr;
  size_t span;
  int rc;
  *os_errno = 0;
  if (view->closed) return MM_ECLOSED;
  if ((unsigned)advice >= MM_ADVICE__COUNT) return MM_EINVAL;
  rc = mm_view_span(view, offset, length, &addr, &span);
  if (rc < 0 || span == 0) return rc;
  return mm__plat_advise(addr, span, view->access, advice, os_errno);
}

int mm_prefetch(void *addr, size_t length, int *os_errno) {
  *os_errno = 0;
  if (length == 0) return 0;
  return mm__plat_prefetch(addr, length, os_errno);
}

/* Unmaps a read view's wait window (sync.h), if it has one. */
static void mm__view_unwatch(mm_view *view) {
  if (view->watch != NULL) mm__plat_unmap(view->watch, view->length);
  view->watch = NULL;
}

int mm_view_retire(mm_view *view, int *os_errno) {
  int rc;
  *os_errno = 0;
  if (view->closed) return 0;
  mm__view_unwatch(view);
  view->closed = 1;
  rc = mm__plat_remap_inert(view->base, view->length, os_errno);
  if (rc < 0) return rc; /* the mapping and the map stay until mm_view_close */
  mm__map_view_closed(view->map);
  view->map = NULL;
  return 0;
}

int mm_view_close(mm_view *view) {
  if (view->base == NULL) return 0;
  mm__view_unwatch(view);
  mm__plat_unmap(view->base, view->length);
  view->base = NULL;
  view->closed = 1;
  if (view->map != NULL) {
    mm__map_view_closed(view->map);
    view->map = NULL;
  }
  return 0;
}
