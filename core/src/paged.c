/*
 * paged.c — paged maps (see paged.h): one page cache per file in the
 * process, views with their ranges, access and pins, and copy-on-write
 * views with private pages.
 *
 *   registry (a list: few files are open at once)
 *     └─ mm__file: identity key, handle, pager (owns its storage), hold ring
 *          ▲ refs: one per map that has not been released
 *     mm_paged_map: capacity, access, closed; refs: owner + one per view
 *          ▲
 *     mm_paged_view: range, access, lends, private pager (copy-on-write)
 */
#include "mm/paged.h"

#include <stdlib.h>
#include <string.h>

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"

typedef struct mm__hold {
  uint64_t page;
  int32_t frame; /* -1: an empty slot */
  int writable;
} mm__hold;

typedef struct mm__file mm__file;
struct mm__file {
  mm__file *next;
  uint32_t id;
  char key[MM__IDENTITY_MAX];
  intptr_t handle;
  int handle_writes; /* the handle was opened for writing */
  mm_storage *storage;
  mm_pager *pager;
  unsigned refs;
  mm__hold *holds;        /* the ring: frame_count - MM_PAGED_RESERVED_FRAMES slots (at least 1) */
  uint32_t hold_count;
  uint32_t hand;          /* the next slot to reuse */
  int32_t *hold_of_frame; /* frame index -> its slot in the ring, or -1 */
  uint32_t held;          /* slots of the ring holding a page */
  uint32_t lent;          /* lends of this cache's frames not returned */
};

struct mm_paged_map {
  mm__file *file; /* NULL once released */
  uint64_t capacity;
  mm_access access;
  uint32_t page_size;
  uint32_t frame_count;
  int closed;
  unsigned views; /* views not released */
  unsigned refs;  /* the owner's (until mm_paged_free) + one per view not released */
};

struct mm_paged_view {
  mm_paged_map *map;
  uint64_t offset;
  uint64_t size;
  uint32_t page_size;
  mm_access access;
  mm_pager *own; /* copy-on-write: the private pages; NULL otherwise */
  int closed;
  int released; /* its map reference and private pages are gone */
  int owned;    /* the owner has not called mm_paged_view_free */
  unsigned lends;
};

static mm__file *mm__files = NULL;
static uint32_t mm__last_file_id = 0;
static unsigned mm__lends = 0;

/* The file cache with identity `key`, or NULL. */
static mm__file *mm__find_file(const char *key) {
  mm__file *f;
  for (f = mm__files; f != NULL; f = f->next) {
    if (strcmp(f->key, key) == 0) return f;
  }
  return NULL;
}

/* Drops the hold in ring slot `slot`, if any; returns its page or MM_PAGED_DROPPED_NONE. */
static int64_t mm__drop_hold(mm__file *file, uint32_t slot) {
  mm__hold *h = &file->holds[slot];
  if (h->frame < 0) return MM_PAGED_DROPPED_NONE;
  mm_pager_unpin(file->pager, h->frame, h->writable);
  file->hold_of_frame[h->frame] = -1;
  h->frame = -1;
  file->held--;
  return (int64_t)h->page;
}

static void mm__drop_all_holds(mm__file *file) {
  uint32_t i;
  for (i = 0; i < file->hold_count; i++) mm__drop_hold(file, i);
}

/* Makes every writable hold a read hold, so that a flush leaves their pages clean. */
static void mm__downgrade_holds(mm__file *file) {
  uint32_t i;
  for (i = 0; i < file->hold_count; i++) {
    mm__hold *h = &file->holds[i];
    if (h->frame >= 0 && h->writable) {
      mm_pager_downgrade(file->pager, h->frame);
      h->writable = 0;
    }
  }
}

/*
 * Holds and lends together never pin more than frame_count - 2 frames, so
 * that a read or write that misses a page always finds a frame: before one
 * more pin would break that, every hold is dropped (*dropped says so).
 * Lends alone are the caller's to bound (withBytes nests that deep).
 */
static void mm__keep_room(mm__file *file, int64_t *dropped) {
  uint32_t frames = mm_pager_frame_count(file->pager);
  if (file->held > 0 && file->held + file->lent + 1 + 2 > frames) {
    mm__drop_all_holds(file);
    *dropped = MM_PAGED_DROPPED_ALL;
  }
}

/*
 * Pins page `page` of the file's cache, and when every frame is pinned,
 * drops every hold and tries once more (*dropped then says so).
 */
static int mm__pin(mm__file *file, uint64_t page, int kind, int64_t *dropped) {
  int f = mm_pager_pin(file->pager, page, kind, NULL);
  if (f == MM_ENOMEM) {
    mm__drop_all_holds(file);
    *dropped = MM_PAGED_DROPPED_ALL;
    f = mm_pager_pin(file->pager, page, kind, NULL);
  }
  return f;
}

static int mm__file_hold(mm__file *file, uint64_t page, int kind, uint8_t **frame,
                         int64_t *dropped) {
  mm_pager *p = file->pager;
  int writable = kind != MM_PIN_READ;
  int f = mm_pager_lookup(p, page);
  uint32_t slot;
  if (f >= 0 && file->hold_of_frame[f] >= 0) {
    mm__hold *h = &file->holds[file->hold_of_frame[f]];
    if (writable && !h->writable) {
      int rc = mm_pager_pin(p, page, MM_PIN_WRITE, NULL); /* a hit: same frame */
      if (rc < 0) return rc;
      mm_pager_unpin(p, f, 0);
      h->writable = 1;
    }
    *frame = mm_pager_frame_ptr(p, f);
    return MM_PAGED_HOLD_SHARED;
  }
  /* A new hold takes the oldest slot; drop its page first, so its frame can serve. */
  slot = file->hand;
  file->hand = slot + 1 == file->hold_count ? 0 : slot + 1;
  *dropped = mm__drop_hold(file, slot);
  mm__keep_room(file, dropped);
  f = mm__pin(file, page, kind, dropped);
  if (f < 0) return f;
  file->held++;
  file->holds[slot].page = page;
  file->holds[slot].frame = f;
  file->holds[slot].writable = writable;
  file->hold_of_frame[f] = (int32_t)slot;
  *frame = mm_pager_frame_ptr(p, f);
  return MM_PAGED_HOLD_SHARED;
}

/* Flushes, releases every pin, closes the cache and the file; returns the flush's code. */
static int mm__file_release(mm__file *file) {
  mm__file **link = &mm__files;
  int rc;
  while (*link != file) link = &(*link)->next;
  *link = file->next;
  /* Only maps that share writes open the file for writing: with none, nothing is
   * dirty and nothing is synced (Windows refuses to flush a read-only handle). */
  rc = file->handle_writes ? mm_pager_flush(file->pager) : 0;
  mm__drop_all_holds(file);
  mm_pager_drop(file->pager); /* flushed: nothing more to write; closes the storage */
  mm__plat_close(file->handle);
  free(file->holds);
  free(file->hold_of_frame);
  free(file);
  return rc;
}

/* The storage of a copy-on-write view's private pages: they start as the file cache's bytes. */
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

/* Opens the cache of a file that has none: takes `handle` on success. */
static int mm__file_new(const char *key, intptr_t handle, mm_access access, uint64_t capacity,
                        uint32_t page_size, uint32_t frame_count, mm__file **out,
                        int *os_errno) {
  mm__file *file = (mm__file *)calloc(1, sizeof *file);
  uint32_t frames, i;
  int rc;
  if (file == NULL) return MM_ENOMEM;
  rc = mm__plat_storage(handle, &file->storage, os_errno);
  if (rc < 0) goto fail;
  rc = mm_pager_open(file->storage, page_size, frame_count, capacity, 0, &file->pager);
  if (rc < 0) goto fail;
  frames = mm_pager_frame_count(file->pager);
  file->hold_count = frames > MM_PAGED_RESERVED_FRAMES ? frames - MM_PAGED_RESERVED_FRAMES : 1;
  file->holds = (mm__hold *)calloc(file->hold_count, sizeof *file->holds);
  file->hold_of_frame = (int32_t *)malloc(frames * sizeof *file->hold_of_frame);
  if (file->holds == NULL || file->hold_of_frame == NULL) {
    rc = MM_ENOMEM;
    goto fail;
  }
  for (i = 0; i < file->hold_count; i++) file->holds[i].frame = -1;
  for (i = 0; i < frames; i++) file->hold_of_frame[i] = -1;
  memcpy(file->key, key, strlen(key) + 1);
  file->handle = handle;
  file->handle_writes = mm_access_shares(access);
  file->id = ++mm__last_file_id;
  file->refs = 1;
  file->next = mm__files;
  mm__files = file;
  *out = file;
  return 0;

fail:
  if (file->pager != NULL) {
    mm_pager_drop(file->pager);
  } else if (file->storage != NULL) {
    file->storage->methods->close(file->storage);
  }
  free(file->holds);
  free(file->hold_of_frame);
  free(file);
  return rc;
}

/*
 * Joins the cache of a file that has one, with this map's handle: grows the
 * cache to the map's capacity, empties it when the map replaced the file,
 * and takes the handle when it writes and the cache's does not. Consumes
 * `handle` whatever happens.
 */
static int mm__file_join(mm__file *file, intptr_t handle, mm_access access, uint64_t capacity,
                         int replaced, int *os_errno) {
  int rc = 0;
  if (replaced) mm_pager_discard(file->pager);
  if (capacity > mm_pager_capacity(file->pager)) mm_pager_grow(file->pager, capacity);
  if (mm_access_shares(access) && !file->handle_writes) {
    mm_storage *storage;
    rc = mm__plat_storage(handle, &storage, os_errno);
    if (rc == 0) {
      mm_pager_set_storage(file->pager, storage);
      file->storage->methods->close(file->storage);
      file->storage = storage;
      mm__plat_close(file->handle);
      file->handle = handle;
      file->handle_writes = 1;
      handle = -1;
    }
  }
  if (handle >= 0) mm__plat_close(handle);
  if (rc == 0) file->refs++;
  return rc;
}

static int mm__geometry_ok(uint32_t page_size, uint32_t frame_count) {
  if (page_size != 0 && (page_size < MM_PAGER_MIN_PAGE_SIZE || page_size > MM_PAGER_MAX_PAGE_SIZE ||
                         (page_size & (page_size - 1)) != 0))
    return 0;
  return frame_count == 0 || (frame_count >= MM_PAGER_MIN_FRAMES && frame_count <= MM_PAGER_MAX_FRAMES);
}

int mm_paged_open_file(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                       uint32_t page_size, uint32_t frame_count, mm_paged_map **out,
                       int *os_errno) {
  char key[MM__IDENTITY_MAX];
  mm_paged_map *pm;
  mm__file *file;
  intptr_t handle;
  int rc, created = 0;

  *out = NULL;
  *os_errno = 0;
  if (!mm__geometry_ok(page_size, frame_count)) return MM_EINVAL;
  if (mm__lends > 0) return MM_EBUSY;
  pm = (mm_paged_map *)calloc(1, sizeof *pm);
  if (pm == NULL) return MM_ENOMEM;
  rc = mm__file_open(path, mode, capacity, access, NULL, NULL, &handle, &capacity, &created, os_errno);
  if (rc < 0) {
    free(pm);
    return rc;
  }
  rc = mm__plat_identity(handle, key, os_errno);
  file = rc < 0 ? NULL : mm__find_file(key);
  if (rc < 0) {
    mm__plat_close(handle);
  } else if (file != NULL) {
    rc = mm__file_join(file, handle, access, capacity, mode == MM_MODE_CREATE && !created, os_errno);
  } else {
    rc = mm__file_new(key, handle, access, capacity, page_size, frame_count, &file, os_errno);
    if (rc < 0) mm__plat_close(handle);
  }
  if (rc < 0) {
    if (created) mm__plat_unlink(path);
    free(pm);
    return rc;
  }
  pm->file = file;
  pm->capacity = capacity;
  pm->access = access;
  pm->page_size = mm_pager_page_size(file->pager);
  pm->frame_count = mm_pager_frame_count(file->pager);
  pm->refs = 1;
  *out = pm;
  return 0;
}

uint64_t mm_paged_capacity(const mm_paged_map *pm) { return pm->capacity; }

mm_access mm_paged_access(const mm_paged_map *pm) { return pm->access; }

uint32_t mm_paged_page_size(const mm_paged_map *pm) { return pm->page_size; }

uint32_t mm_paged_frame_count(const mm_paged_map *pm) { return pm->frame_count; }

uint32_t mm_paged_file_id(const mm_paged_map *pm) { return pm->file != NULL ? pm->file->id : 0; }

int mm_paged_file_is_open(uint32_t id) {
  mm__file *f;
  for (f = mm__files; f != NULL; f = f->next) {
    if (f->id == id) return 1;
  }
  return 0;
}

void mm_paged_stats(const mm_paged_map *pm, mm_pager_stats *out) {
  if (pm->file != NULL) {
    mm_pager_get_stats(pm->file->pager, out);
  } else {
    memset(out, 0, sizeof *out);
  }
}

unsigned mm_paged_lent(void) { return mm__lends; }

/* Releases the map once it is closed and has no view: its file cache reference goes. */
static int mm__map_maybe_release(mm_paged_map *pm) {
  mm__file *file = pm->file;
  if (!pm->closed || pm->views > 0 || file == NULL) return 0;
  pm->file = NULL;
  if (--file->refs > 0) return 0;
  return mm__file_release(file);
}

static void mm__map_unref(mm_paged_map *pm) {
  if (--pm->refs == 0) free(pm);
}

int mm_paged_close(mm_paged_map *pm) {
  if (pm->closed) return 0;
  pm->closed = 1;
  return mm__map_maybe_release(pm);
}

void mm_paged_free(mm_paged_map *pm) {
  if (pm == NULL) return;
  mm_paged_close(pm);
  mm__map_unref(pm);
}

int mm_paged_view_open(mm_paged_map *pm, uint64_t offset, uint64_t size, mm_access access,
                       mm_paged_view **out) {
  mm_paged_view *v;
  *out = NULL;
  if (pm->closed) return MM_ECLOSED;
  if ((unsigned)access >= MM_ACCESS__COUNT) return MM_EINVAL;
  if (offset >= pm->capacity) return MM_ERANGE;
  if (size == 0) size = pm->capacity - offset;
  if (size > pm->capacity - offset) return MM_ERANGE;
  if (!mm_access_allows(pm->access, access)) return MM_EACCES;
  if (mm__lends > 0) return MM_EBUSY;
  v = (mm_paged_view *)calloc(1, sizeof *v);
  if (v == NULL) return MM_ENOMEM;
  if (access == MM_ACCESS_COPY_ON_WRITE) {
    mm__through *t = (mm__through *)calloc(1, sizeof *t);
    int rc = t == NULL ? MM_ENOMEM : 0;
    if (rc == 0) {
      t->base.methods = &mm__through_methods;
      t->shared = pm->file->pager;
      rc = mm_pager_open(&t->base, pm->page_size, pm->frame_count, pm->capacity, MM_PAGER_PRIVATE,
                         &v->own);
      if (rc < 0) free(t);
    }
    if (rc < 0) {
      free(v);
      return rc;
    }
  }
  v->map = pm;
  v->offset = offset;
  v->size = size;
  v->page_size = pm->page_size;
  v->access = access;
  v->owned = 1;
  pm->views++;
  pm->refs++;
  *out = v;
  return 0;
}

uint64_t mm_paged_view_offset(const mm_paged_view *v) { return v->offset; }

uint64_t mm_paged_view_size(const mm_paged_view *v) { return v->size; }

uint64_t mm_paged_view_pointer_offset(const mm_paged_view *v) {
  return v->offset % v->page_size;
}

mm_access mm_paged_view_access(const mm_paged_view *v) { return v->access; }

int mm_paged_view_is_closed(const mm_paged_view *v) { return v->closed; }

/* Whether page `page` (of the file) meets the view's range. */
static int mm__view_has_page(const mm_paged_view *v, uint64_t page) {
  uint64_t ps = v->page_size;
  if (page > (UINT64_MAX - ps) / ps) return 0;
  return page * ps < v->offset + v->size && (page + 1) * ps > v->offset;
}

/* The checks every pin of a view starts with. */
static int mm__view_pin_check(const mm_paged_view *v, uint64_t page, int writable) {
  if (v->closed) return MM_ECLOSED;
  if (!mm__view_has_page(v, page)) return MM_ERANGE;
  if (writable && !mm_access_writes(v->access)) return MM_EACCES;
  return 0;
}

int mm_paged_view_hold(mm_paged_view *v, uint64_t page, int kind, uint8_t **frame,
                       int64_t *dropped) {
  int rc, f;
  *dropped = MM_PAGED_DROPPED_NONE;
  if (kind != MM_PIN_READ && kind != MM_PIN_WRITE && kind != MM_PIN_OVERWRITE) return MM_EINVAL;
  rc = mm__view_pin_check(v, page, kind != MM_PIN_READ);
  if (rc < 0) return rc;
  if (v->own != NULL) {
    /* Private pages were written, so they stay in the private cache until the view goes. */
    f = mm_pager_lookup(v->own, page);
    if (f < 0 && kind != MM_PIN_READ) {
      f = mm_pager_pin(v->own, page, kind, NULL);
      if (f < 0) return f;
      mm_pager_unpin(v->own, f, 1);
    }
    if (f >= 0) {
      *frame = mm_pager_frame_ptr(v->own, f);
      return MM_PAGED_HOLD_PRIVATE;
    }
  }
  if (kind != MM_PIN_OVERWRITE) {
    mm_pager *shared = v->map->file->pager;
    /* A page of one sector costs a hold no more than a copy would load. */
    if (mm_pager_page_size(shared) > MM_PAGER_SECTOR_SIZE && mm_pager_reads_at_random(shared) &&
        !mm_pager_is_whole(shared, page)) {
      return MM_PAGED_HOLD_NONE;
    }
  }
  return mm__file_hold(v->map->file, page, kind, frame, dropped);
}

int mm_paged_view_lend(mm_paged_view *v, uint64_t page, int writable, uint8_t **frame,
                       int64_t *dropped) {
  mm_pager *p;
  int rc, f;
  *dropped = MM_PAGED_DROPPED_NONE;
  rc = mm__view_pin_check(v, page, writable);
  if (rc < 0) return rc;
  if (v->own != NULL && (writable || mm_pager_is_resident(v->own, page))) {
    p = v->own;
    f = mm_pager_pin(p, page, writable ? MM_PIN_WRITE : MM_PIN_READ, NULL);
  } else {
    p = v->map->file->pager;
    mm__keep_room(v->map->file, dropped);
    f = mm__pin(v->map->file, page, writable ? MM_PIN_WRITE : MM_PIN_READ, dropped);
    if (f >= 0) v->map->file->lent++;
  }
  if (f < 0) return f;
  *frame = mm_pager_frame_ptr(p, f);
  v->lends++;
  mm__lends++;
  return 0;
}

/* Drops the view's share of its map: private pages, its map reference. */
static int mm__view_release(mm_paged_view *v) {
  mm_paged_map *pm = v->map;
  int rc;
  v->released = 1;
  if (v->own != NULL) mm_pager_drop(v->own); /* private: nothing to keep */
  v->own = NULL;
  pm->views--;
  rc = mm__map_maybe_release(pm);
  mm__map_unref(pm);
  return rc;
}

int mm_paged_view_unlend(mm_paged_view *v, const uint8_t *frame, int writable) {
  mm_pager *p = v->own;
  int f = p != NULL ? mm_pager_frame_index(p, frame) : MM_EINVAL;
  int shared = 0, rc = 0;
  if (v->lends == 0 || v->released) return MM_EINVAL;
  if (f < 0) {
    p = v->map->file->pager;
    f = mm_pager_frame_index(p, frame);
    shared = 1;
  }
  if (f < 0 || mm_pager_unpin(p, f, writable) < 0) return MM_EINVAL;
  if (shared) v->map->file->lent--;
  v->lends--;
  mm__lends--;
  if (v->lends > 0) return 0;
  if (v->closed) rc = mm__view_release(v);
  if (!v->owned) free(v);
  return rc;
}

/* The checks of a copy: n bytes at pos of the view. */
static int mm__view_copy_check(const mm_paged_view *v, uint64_t pos, size_t n, int write) {
  if (v->closed) return MM_ECLOSED;
  if (write ? !mm_access_writes(v->access) : !mm_access_reads(v->access)) return MM_EACCES;
  if (pos > v->size || n > v->size - pos) return MM_ERANGE;
  return 0;
}

int mm_paged_view_read_sink(mm_paged_view *v, uint64_t pos, size_t n, mm_pager_sink *sink,
                            uint64_t at) {
  mm_pager *shared;
  uint64_t offset = v->offset + pos, ps;
  int rc = mm__view_copy_check(v, pos, n, 0);
  if (rc < 0 || v->own == NULL) {
    return rc < 0 ? rc : mm_pager_read_sink(v->map->file->pager, offset, n, sink, at);
  }
  /* Copy-on-write: private pages from the view's cache, the others from the file's. */
  shared = v->map->file->pager;
  ps = v->page_size;
  while (n > 0) {
    uint64_t page = offset / ps;
    size_t chunk = (size_t)(ps - offset % ps);
    int f = mm_pager_lookup(v->own, page);
    if (chunk > n) chunk = n;
    if (f >= 0) {
      sink->put(sink, at, mm_pager_frame_ptr(v->own, f) + offset % ps, chunk);
    } else {
      rc = mm_pager_read_sink(shared, offset, chunk, sink, at);
      if (rc < 0) return rc;
    }
    offset += chunk;
    at += chunk;
    n -= chunk;
  }
  return 0;
}

/* A sink into memory the core addresses: plain copies and storage reads. */
typedef struct mm__memory_sink {
  mm_pager_sink base;
  uint8_t *bytes;
} mm__memory_sink;

static void mm__memory_put(mm_pager_sink *sink, uint64_t at, const uint8_t *src, size_t n) {
  memcpy(((mm__memory_sink *)sink)->bytes + at, src, n);
}

static int mm__memory_fill(mm_pager_sink *sink, mm_storage *s, uint64_t at, size_t n,
                           uint64_t offset) {
  return s->methods->read_at(s, ((mm__memory_sink *)sink)->bytes + at, n, offset);
}

int mm_paged_view_read(mm_paged_view *v, uint64_t pos, void *buf, size_t n) {
  mm__memory_sink sink;
  sink.base.put = mm__memory_put;
  sink.base.fill = mm__memory_fill;
  sink.bytes = (uint8_t *)buf;
  return mm_paged_view_read_sink(v, pos, n, &sink.base, 0);
}

int mm_paged_view_write(mm_paged_view *v, uint64_t pos, const void *buf, size_t n) {
  int rc = mm__view_copy_check(v, pos, n, 1);
  if (rc < 0) return rc;
  return mm_pager_write(v->own != NULL ? v->own : v->map->file->pager, v->offset + pos, buf, n);
}

int mm_paged_view_flush(mm_paged_view *v) {
  mm__file *file;
  if (v->closed) return MM_ECLOSED;
  if (!mm_access_shares(v->access)) return 0;
  file = v->map->file;
  mm__downgrade_holds(file);
  return mm_pager_flush(file->pager);
}

int mm_paged_view_flush_range(mm_paged_view *v, uint64_t offset, uint64_t length) {
  mm__file *file;
  if (v->closed) return MM_ECLOSED;
  if (offset > v->size || length > v->size - offset) return MM_ERANGE;
  if (!mm_access_shares(v->access)) return 0;
  file = v->map->file;
  mm__downgrade_holds(file);
  return mm_pager_flush_range(file->pager, v->offset + offset, length);
}

int64_t mm_paged_view_write_back(mm_paged_view *v, uint64_t offset, uint64_t length, uint64_t from_page,
                                 uint32_t max_pages) {
  uint64_t first, last;
  mm__file *file;
  if (v->closed) return MM_ECLOSED;
  if (offset > v->size || length > v->size - offset) return MM_ERANGE;
  first = (v->offset + offset) / v->page_size;
  last = length == 0 ? first : (v->offset + offset + length - 1) / v->page_size;
  if (length == 0 || !mm_access_shares(v->access)) return (int64_t)last + 1;
  file = v->map->file;
  mm__downgrade_holds(file);
  return mm_pager_write_back(file->pager, from_page > first ? from_page : first, last, max_pages);
}

intptr_t mm_paged_view_file_handle(const mm_paged_view *v) {
  if (v->closed || v->map->file == NULL) return -1;
  return v->map->file->handle;
}

int mm_paged_grow(mm_paged_map *pm, uint64_t capacity, int *os_errno) {
  mm__file *file = pm->file;
  int rc;
  *os_errno = 0;
  mm__detail_clear();
  if (pm->closed || file == NULL) return MM_ECLOSED;
  rc = mm__grow_check(pm->capacity, capacity, pm->access);
  if (rc < 0 || capacity == pm->capacity) return rc;
  rc = mm__plat_extend(file->handle, capacity, os_errno);
  if (rc < 0) return rc;
  if (capacity > mm_pager_capacity(file->pager)) mm_pager_grow(file->pager, capacity);
  pm->capacity = capacity;
  return 0;
}

int mm_paged_view_advise(mm_paged_view *v, mm_advice advice, uint64_t pos, uint64_t n, int64_t *dropped) {
  mm__file *file;
  uint64_t page;
  *dropped = MM_PAGED_DROPPED_NONE;
  if (v->closed) return MM_ECLOSED;
  if ((unsigned)advice >= MM_ADVICE__COUNT) return MM_EINVAL;
  if (pos > v->size || n > v->size - pos) return MM_ERANGE;
  file = v->map->file;
  switch (advice) {
    case MM_ADVICE_WILL_NEED:
      n = mm_paged_view_prefetch_span(v, pos, n);
      for (page = (v->offset + pos) / v->page_size; n > 0 && page * v->page_size < v->offset + pos + n; page++) {
        int rc = mm_pager_load(file->pager, page);
        if (rc < 0) return rc;
      }
      return 0;
    case MM_ADVICE_DONT_NEED: {
      /* Holds pin their pages: let them all go first (the caller forgets every translation). */
      int rc;
      mm__drop_all_holds(file);
      *dropped = MM_PAGED_DROPPED_ALL;
      rc = mm_pager_release_clean(file->pager, v->offset + pos, n);
      return rc < 0 ? rc : 0;
    }
    default:
      return mm_pager_set_policy(file->pager, advice);
  }
}

uint64_t mm_paged_view_prefetch_span(const mm_paged_view *v, uint64_t pos, uint64_t n) {
  uint64_t ps = v->page_size, start = v->offset + pos, keep;
  if (v->closed || pos > v->size || n > v->size - pos || n == 0) return 0;
  keep = (uint64_t)v->map->file->hold_count * ps - start % ps;
  return n < keep ? n : keep;
}

int mm_paged_view_load(mm_paged_view *v, uint64_t page) {
  if (v->closed) return MM_ECLOSED;
  if (!mm__view_has_page(v, page)) return MM_ERANGE;
  return mm_pager_load(v->map->file->pager, page);
}

int mm_paged_view_close(mm_paged_view *v) {
  if (v->closed) return 0;
  v->closed = 1;
  if (v->lends > 0) return 0;
  return mm__view_release(v);
}

void mm_paged_view_free(mm_paged_view *v) {
  if (v == NULL) return;
  mm_paged_view_close(v);
  v->owned = 0;
  if (v->lends == 0) free(v);
}
