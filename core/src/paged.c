/*
 * paged.c — paged maps (see paged.h): the map rules of map.c with a pager in
 * place of mmap, for the emulated backend.
 */
#include "mm/paged.h"

#include <stdlib.h>

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"

struct mm_paged_map {
  mm_map *map;          /* the file, the mode/capacity rules, the handle */
  mm_storage *storage;  /* over the map's handle (borrowed handle) */
  mm_pager *pager;      /* the shared pager, owns `storage` */
  uint32_t page_size;   /* of private pagers too */
  uint32_t frame_count;
  int closed;
  int released;
  unsigned views;
  unsigned refs; /* the owner's + one per open view */
};

/*
 * The storage of a copy-on-write view's private pager: reads go through the
 * map's shared pager, so a private page starts as the map's current bytes
 * (written back or not); it is never written, resized or flushed.
 */
typedef struct mm__through {
  mm_storage base;
  mm_pager *shared;
} mm__through;

static int mm__through_read(mm_storage *s, void *buf, size_t n, uint64_t offset) {
  mm__through *t = (mm__through *)s;
  uint64_t cap = mm_pager_capacity(t->shared);
  size_t take;
  int rc;
  if (offset >= cap) return 0;
  take = (uint64_t)n > cap - offset ? (size_t)(cap - offset) : n;
  rc = mm_pager_read(t->shared, offset, buf, take);
  return rc < 0 ? rc : (int)take;
}

static int mm__through_size(mm_storage *s, uint64_t *out) {
  *out = mm_pager_capacity(((mm__through *)s)->shared);
  return 0;
}

static int mm__through_close(mm_storage *s) {
  free(s);
  return 0;
}

static const mm_storage_methods mm__through_methods = {
    MM_STORAGE_VERSION, mm__through_read, NULL, mm__through_size, NULL, NULL, mm__through_close};

static unsigned mm__pager_flags(mm_access access) {
  switch (access) {
    case MM_ACCESS_READ:
    case MM_ACCESS_READ_EXECUTE:
      return MM_PAGER_READONLY;
    case MM_ACCESS_COPY_ON_WRITE:
      return MM_PAGER_PRIVATE;
    default:
      return 0;
  }
}

int mm_paged_open_file(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                       uint32_t page_size, uint32_t frame_count, mm_paged_map **out,
                       int *os_errno) {
  mm_paged_map *pm;
  int rc, created = 0;

  *out = NULL;
  *os_errno = 0;
  if (page_size != 0 && (page_size < MM_PAGER_MIN_PAGE_SIZE || page_size > MM_PAGER_MAX_PAGE_SIZE ||
                         (page_size & (page_size - 1)) != 0))
    return MM_EINVAL;
  if (frame_count != 0 && (frame_count < MM_PAGER_MIN_FRAMES || frame_count > MM_PAGER_MAX_FRAMES))
    return MM_EINVAL;
  pm = (mm_paged_map *)calloc(1, sizeof *pm);
  if (pm == NULL) return MM_ENOMEM;
  rc = mm__map_open_file(path, mode, capacity, access, NULL, &pm->map, os_errno, &created);
  if (rc < 0) goto fail;
  rc = mm__plat_storage(pm->map->handle, &pm->storage, os_errno);
  if (rc < 0) goto fail;
  rc = mm_pager_open(pm->storage, page_size, frame_count, pm->map->capacity,
                     mm__pager_flags(access), &pm->pager);
  if (rc < 0) goto fail;
  pm->page_size = mm_pager_page_size(pm->pager);
  pm->frame_count = mm_pager_frame_count(pm->pager);
  pm->refs = 1;
  *out = pm;
  return 0;

fail:
  if (pm->storage != NULL) pm->storage->methods->close(pm->storage);
  mm_map_free(pm->map);
  if (created) mm__plat_unlink(path);
  free(pm);
  return rc;
}

uint64_t mm_paged_capacity(const mm_paged_map *pm) { return pm->map->capacity; }

intptr_t mm_paged_handle(const mm_paged_map *pm) { return pm->map->handle; }

mm_access mm_paged_access(const mm_paged_map *pm) { return pm->map->access; }

/* Writes back and closes the pager and the file once the map is closed and no view is open. */
static int mm__paged_maybe_release(mm_paged_map *pm) {
  int rc = 0;
  if (!pm->closed || pm->views > 0 || pm->released) return 0;
  pm->released = 1;
  rc = mm_pager_close(pm->pager);
  if (rc < 0) mm_pager_drop(pm->pager); /* the error is reported; nothing more can be written */
  pm->pager = NULL;
  mm_map_free(pm->map);
  pm->map = NULL;
  return rc;
}

static void mm__paged_unref(mm_paged_map *pm) {
  if (--pm->refs == 0) free(pm);
}

int mm_paged_view_open(mm_paged_map *pm, mm_access access, mm_pager **pager) {
  *pager = NULL;
  if (pm->closed) return MM_ECLOSED;
  if ((unsigned)access >= MM_ACCESS__COUNT) return MM_EINVAL;
  if (!mm_access_allows(pm->map->access, access)) return MM_EACCES;
  if (access == MM_ACCESS_COPY_ON_WRITE && pm->map->access != MM_ACCESS_COPY_ON_WRITE) {
    mm__through *t = (mm__through *)calloc(1, sizeof *t);
    int rc;
    if (t == NULL) return MM_ENOMEM;
    t->base.methods = &mm__through_methods;
    t->shared = pm->pager;
    rc = mm_pager_open(&t->base, pm->page_size, pm->frame_count, pm->map->capacity,
                       MM_PAGER_PRIVATE, pager);
    if (rc < 0) {
      free(t);
      return rc;
    }
  } else {
    *pager = pm->pager;
  }
  pm->views++;
  pm->refs++;
  return 0;
}

int mm_paged_view_close(mm_paged_map *pm, mm_pager *pager) {
  int rc;
  if (pager != NULL && pager != pm->pager) mm_pager_drop(pager); /* private: nothing to keep */
  pm->views--;
  rc = mm__paged_maybe_release(pm);
  mm__paged_unref(pm);
  return rc;
}

int mm_paged_flush(mm_paged_map *pm) {
  if (pm->released) return MM_ECLOSED;
  return mm_pager_flush(pm->pager);
}

int mm_paged_close(mm_paged_map *pm) {
  if (pm->closed) return 0;
  pm->closed = 1;
  return mm__paged_maybe_release(pm);
}

void mm_paged_free(mm_paged_map *pm) {
  if (pm == NULL) return;
  mm_paged_close(pm);
  mm__paged_unref(pm);
}
