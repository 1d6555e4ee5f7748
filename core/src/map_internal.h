/*
 * map_internal.h — the map structure and what the core's files share about
 * it beyond map.h (map.c owns it; view.c, shared.c and paged.c use it).
 */
#ifndef MM_MAP_INTERNAL_H
#define MM_MAP_INTERNAL_H

#include <stdint.h>

#include "mm/map.h"
#include "platform.h"

struct mm_map {
  intptr_t handle;    /* platform handle views map; -1 once released */
  uint64_t capacity;  /* bytes */
  uint64_t seen;      /* named: the name's size when this holder last looked (mm_map_capacity) */
  int anonymous;      /* an anonymous shared-memory object (shared.c) */
  mm_access access;   /* the map's access */
  int named;          /* held through a name: `hold` is the platform's, released by it */
  mm__named hold;     /* when named */
  char *name;         /* when named: the map's name (malloc'd), else NULL */
  int closed;         /* mm_map_close has run: no new views */
  int released;       /* the handle (and the hold on the name) have been released */
  unsigned views;     /* open views */
  unsigned refs;      /* the owner's reference (until mm_map_free) + one per open view */
};

/*
 * The file half of mm_map_open_file: opens `path` under the mode, access and
 * capacity rules (the file grown or replaced as they say) and returns its
 * handle, the resolved capacity, and whether this call created the file (the
 * caller removes it again if it fails later). With a `name`, the name is
 * claimed (*hold) once the path has decided and before the file changes, so
 * that a live name (MM_EEXIST) leaves the file as it was; the caller then
 * publishes or releases the claim.
 */
int mm__file_open(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                  const char *name, mm__named *hold, intptr_t *handle, uint64_t *capacity_out,
                  int *created, int *os_errno);

/*
 * Allocates a map with one (the owner's) reference: over an open handle, or
 * (with `hold`) over a hold on the name `name`, whose handle views map. NULL
 * when out of memory (the caller still owns the handle or hold).
 */
mm_map *mm__map_new(intptr_t handle, uint64_t capacity, mm_access access, const char *name,
                    const mm__named *hold);

/*
 * The rule of growing a map from `current` to `capacity` bytes with
 * `access` (mm_map_grow, mm_paged_grow): 0 when it may (the same capacity
 * included), MM_ERANGE below the capacity, MM_EACCES when the map's writes do
 * not reach its file or memory; the detail says why.
 */
int mm__grow_check(uint64_t current, uint64_t capacity, mm_access access);

/* A view of the map was opened / closed. */
void mm__map_view_opened(mm_map *map);
void mm__map_view_closed(mm_map *map);

/*
 * The detail of a failed open (errors.c; see mm_error_detail): mm__detail
 * sets it from `text`, in which the first '%' stands for `a` and the second
 * for `b` (decimal), and returns `code`; mm__detail_clear empties it.
 */
int mm__detail(int code, const char *text, uint64_t a, uint64_t b);
void mm__detail_clear(void);

#endif /* MM_MAP_INTERNAL_H */
