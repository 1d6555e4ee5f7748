/*
 * map_internal.h — the map structure and what the core's files share about
 * it beyond map.h (map.c owns it; view.c and shared.c use it).
 */
#ifndef MM_MAP_INTERNAL_H
#define MM_MAP_INTERNAL_H

#include <stdint.h>

#include "mm/map.h"

typedef enum mm__map_kind {
  MM__KIND_FILE,      /* a persisted map of a file */
  MM__KIND_SHARED,    /* a named shared-memory object memmap made: flock lifetime (shared.c) */
  MM__KIND_FOREIGN,   /* a named object another program made: joined as it is, never removed */
  MM__KIND_ANONYMOUS  /* an anonymous shared-memory object */
} mm__map_kind;

struct mm_map {
  intptr_t handle;    /* platform handle; -1 once released */
  uint64_t capacity;  /* bytes */
  mm_access access;   /* the map's access */
  mm__map_kind kind;
  char *name;         /* MM__KIND_SHARED, MM__KIND_FOREIGN: the object's name (malloc'd), else NULL */
  int closed;         /* mm_map_close has run: no new views */
  int released;       /* the handle (and shared lock) have been released */
  unsigned views;     /* open views */
  unsigned refs;      /* the owner's reference (until mm_map_free) + one per open view */
};

/*
 * The file half of mm_map_open_file: opens `path` under the mode, access and
 * capacity rules (the file grown or replaced as they say) and returns its
 * handle, the resolved capacity, and whether this call created the file (the
 * caller removes it again if it fails later).
 */
int mm__file_open(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                  intptr_t *handle, uint64_t *capacity_out, int *created, int *os_errno);

/* Allocates a map over an open handle with one (the owner's) reference. NULL when out of memory. */
mm_map *mm__map_new(intptr_t handle, uint64_t capacity, mm_access access, mm__map_kind kind,
                    const char *name);

/* A view of the map was opened / closed. */
void mm__map_view_opened(mm_map *map);
void mm__map_view_closed(mm_map *map);

/* Releases a shared object's handle under the lifetime protocol (shared.c). */
void mm__shared_release(mm_map *map);

/*
 * The detail of a failed open (errors.c; see mm_error_detail): mm__detail
 * sets it from `text`, in which the first '%' stands for `a` and the second
 * for `b` (decimal), and returns `code`; mm__detail_clear empties it.
 */
int mm__detail(int code, const char *text, uint64_t a, uint64_t b);
void mm__detail_clear(void);

#endif /* MM_MAP_INTERNAL_H */
