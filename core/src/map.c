/*
 * map.c — the capacity and mode rules of persisted maps, and the lifetime of
 * every map (see map.h), written once for every platform on top of platform.h.
 */
#include "mm/map.h"

#include <stdlib.h>
#include <string.h>

#include "mm/errors.h"
#include "map_internal.h"
#include "platform.h"

/* A column of MM_ACCESS_MAP for `access`, 0 for a value outside the enum. */
#define MM__ACCESS_COLUMN(fn, column)                                                   \
  int fn(mm_access access) {                                                            \
    switch (access) {                                                                   \
      MM_ACCESS_MAP(column)                                                             \
      default:                                                                          \
        return 0;                                                                       \
    }                                                                                   \
  }
#define MM__VIEWS(name, value, api, reads, writes, shares, views) case MM_ACCESS_##name: return (int)(views);
#define MM__READS(name, value, api, reads, writes, shares, views) case MM_ACCESS_##name: return reads;
#define MM__WRITES(name, value, api, reads, writes, shares, views) case MM_ACCESS_##name: return writes;
#define MM__SHARES(name, value, api, reads, writes, shares, views) case MM_ACCESS_##name: return shares;
static MM__ACCESS_COLUMN(mm__access_views, MM__VIEWS)
MM__ACCESS_COLUMN(mm_access_reads, MM__READS)
MM__ACCESS_COLUMN(mm_access_writes, MM__WRITES)
MM__ACCESS_COLUMN(mm_access_shares, MM__SHARES)

int mm_access_allows(mm_access map_access, mm_access view_access) {
  if ((unsigned)view_access >= MM_ACCESS__COUNT) return 0;
  return (mm__access_views(map_access) & (1 << view_access)) != 0;
}

/* A persisted map of `path`, named `name` (NULL: not named). */
static int mm__map_open_file(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                             const char *name, mm_map **out, int *os_errno) {
  intptr_t handle;
  int created, rc;
  mm__named hold;
  mm_map *map;
  *out = NULL;
  rc = mm__file_open(path, mode, capacity, access, name, &hold, &handle, &capacity, &created, os_errno);
  if (rc < 0) return rc;
  if (name != NULL) {
    rc = mm__plat_named_publish(name, path, handle, capacity, access, &hold, os_errno);
    if (rc < 0) goto fail; /* publish releases the claim when it fails */
    map = mm__map_new(hold.handle, capacity, access, name, &hold);
    if (map == NULL) {
      mm__plat_named_release(name, &hold);
      handle = -1; /* the hold had it */
      rc = MM_ENOMEM;
      goto fail;
    }
  } else {
    map = mm__map_new(handle, capacity, access, NULL, NULL);
    if (map == NULL) {
      rc = MM_ENOMEM;
      goto fail;
    }
  }
  *out = map;
  return 0;

fail:
  mm__plat_close(handle);
  if (created) mm__plat_unlink(path);
  return rc;
}

int mm_map_open_file(const char *path, mm_mode mode, uint64_t capacity,
                     mm_access access, mm_map **out, int *os_errno) {
  return mm__map_open_file(path, mode, capacity, access, NULL, out, os_errno);
}

int mm_map_open_file_named(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                           const char *name, mm_map **out, int *os_errno) {
  *out = NULL;
  *os_errno = 0;
  if (name == NULL || name[0] == '\0') {
    mm__detail_clear();
    return MM_EINVAL;
  }
  return mm__map_open_file(path, mode, capacity, access, name, out, os_errno);
}

int mm__file_open(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                  const char *name, mm__named *hold, intptr_t *handle_out, uint64_t *capacity_out,
                  int *created_out, int *os_errno) {
  intptr_t handle = -1;
  uint64_t size = 0;
  int created = 0, flags = 0, claimed = 0, rc;

  *os_errno = 0;
  *handle_out = -1;
  *created_out = 0;
  mm__detail_clear();
  if (path == NULL || path[0] == '\0') return MM_EINVAL;
  if ((unsigned)mode >= MM_MODE__COUNT || (unsigned)access >= MM_ACCESS__COUNT)
    return MM_EINVAL;
  if (access == MM_ACCESS_WRITE)
    return mm__detail(MM_EINVAL, "access 'write' cannot map a file (a mapping is always readable): ask for read-write", 0, 0);
  /* A new or replaced file is empty until it is sized, which needs write access. */
  if ((mode == MM_MODE_CREATE || mode == MM_MODE_CREATE_NEW) && !mm_access_shares(access))
    return mm__detail(MM_EACCES, "creating or replacing a file needs a writable access", 0, 0);

  if (mm_access_shares(access)) flags |= MM__OPEN_WRITE;
  switch (mode) {
    case MM_MODE_OPEN: break;
    case MM_MODE_CREATE: flags |= MM__OPEN_CREATE; break;
    case MM_MODE_CREATE_NEW: flags |= MM__OPEN_CREATE | MM__OPEN_EXCL; break;
    case MM_MODE_OPEN_OR_CREATE: flags |= MM__OPEN_CREATE; break;
    default: return MM_EINVAL;
  }

  /*
   * MM_MODE_CREATE replaces an existing file, but only once the new capacity
   * is known to be valid; it is resized to 0 after opening rather than with
   * O_TRUNC so that a failure before that point leaves the old file alone.
   * The capacity rules come after the open, as in .NET: what is at the path
   * decides first (EEXIST, ENOENT, EISDIR, EACCES), whatever the capacity.
   */
  rc = mm__plat_open(path, flags, &handle, &created, os_errno);
  if (rc < 0) return rc;
  /* A name is claimed before the file changes: a live name (EEXIST) leaves it as it was. */
  if (name != NULL) {
    rc = mm__plat_named_claim(name, hold, os_errno);
    if (rc < 0) goto fail;
    claimed = 1;
  }

  rc = mm__plat_size(handle, &size, os_errno);
  if (rc < 0) goto fail;
  if (capacity == 0 && (size == 0 || mode == MM_MODE_CREATE)) {
    rc = mm__detail(MM_EINVAL,
                    size == 0 ? "cannot map an empty file without a capacity"
                              : "mode create replaces the file with an empty one, which cannot be mapped without a capacity",
                    0, 0);
    goto fail;
  }
  if (mode == MM_MODE_CREATE && !created) {
    /*
     * Grow first: if the file cannot reach the capacity (EFBIG, ENOSPC) the
     * old file is still whole. Only then empty it and size it again, which
     * the first resize has shown to be possible.
     */
    if (capacity > size) {
      rc = mm__plat_resize(handle, capacity, os_errno);
      if (rc < 0) goto fail;
    }
    rc = mm__plat_resize(handle, 0, os_errno);
    if (rc == 0) rc = mm__plat_resize(handle, capacity, os_errno);
    if (rc < 0) goto fail;
    size = capacity;
  }

  if (capacity == 0) {
    capacity = size;
  } else if (capacity < size) {
    rc = mm__detail(MM_ERANGE, "capacity % is below the file's size %", capacity, size);
    goto fail;
  } else if (capacity > size) {
    if (!mm_access_shares(access)) {
      rc = mm__detail(MM_EACCES, "a read-only map cannot grow the file from % to % bytes", size, capacity);
      goto fail;
    }
    rc = mm__plat_resize(handle, capacity, os_errno);
    if (rc < 0) goto fail;
  }

  *handle_out = handle;
  *capacity_out = capacity;
  *created_out = created;
  return 0;

fail:
  if (claimed) mm__plat_named_release(name, hold);
  mm__plat_close(handle);
  if (created) mm__plat_unlink(path);
  return rc;
}

/*
 * A named map's capacity follows its name: when the object or file has grown
 * since this holder last looked (another holder's mm_map_grow, in any
 * process), the capacity becomes the new size. A holder that opened a name
 * with less than its size keeps its capacity until the name grows.
 */
uint64_t mm_map_capacity(mm_map *map) {
  uint64_t size;
  int os_errno;
  if (map->named && !map->released && mm__plat_named_size(&map->hold, &size, &os_errno) == 0 &&
      size > map->seen) {
    map->seen = size;
    if (size > map->capacity) map->capacity = size;
  }
  return map->capacity;
}

int mm__grow_check(uint64_t current, uint64_t capacity, mm_access access) {
  if (capacity < current)
    return mm__detail(MM_ERANGE, "capacity % is below the map's capacity %", capacity, current);
  if (!mm_access_shares(access))
    return mm__detail(MM_EACCES, "a map whose writes do not reach its file or memory cannot grow", 0, 0);
  return 0;
}

int mm_map_grow(mm_map *map, uint64_t capacity, int *os_errno) {
  uint64_t current, room;
  int rc, shm;
  *os_errno = 0;
  mm__detail_clear();
  if (map == NULL || map->closed) return MM_ECLOSED;
  current = mm_map_capacity(map);
  rc = mm__grow_check(current, capacity, map->access);
  if (rc < 0 || capacity == current) return rc;
  /* Shared memory grows under the rule it was made by: no more than the system could ever back. */
  shm = map->anonymous || (map->named && map->hold.kind == MM__NAMED_SHARED);
  if (shm) {
    rc = mm__plat_shm_room(!map->anonymous, &room, os_errno);
    if (rc < 0) return rc;
    if (capacity > room)
      return mm__detail(map->anonymous ? MM_ENOMEM : MM_ENOSPC, "% bytes of shared memory is more than the system can back (%)",
                        capacity, room);
  }
  rc = map->named ? mm__plat_named_grow(map->name, &map->hold, capacity, os_errno)
                  : mm__plat_extend(map->handle, capacity, os_errno);
  if (rc < 0) return rc;
  map->capacity = capacity;
  if (map->named && capacity > map->seen) map->seen = capacity;
  return 0;
}

mm_access mm_map_access(const mm_map *map) { return map->access; }

int mm_map_is_closed(const mm_map *map) { return map->closed; }

mm_map *mm__map_new(intptr_t handle, uint64_t capacity, mm_access access, const char *name,
                    const mm__named *hold) {
  mm_map *map = (mm_map *)calloc(1, sizeof *map);
  if (map == NULL) return NULL;
  if (name != NULL) {
    size_t n = strlen(name) + 1;
    map->name = (char *)malloc(n);
    if (map->name == NULL) {
      free(map);
      return NULL;
    }
    memcpy(map->name, name, n);
  }
  if (hold != NULL) {
    map->named = 1;
    map->hold = *hold;
    map->seen = hold->size;
  }
  map->handle = handle;
  map->capacity = capacity;
  map->access = access;
  map->refs = 1;
  return map;
}

/* Releases the object once the map is closed and no view uses it. */
static void mm__map_maybe_release(mm_map *map) {
  if (!map->closed || map->views > 0 || map->released) return;
  map->released = 1;
  if (map->named) {
    mm__plat_named_release(map->name, &map->hold); /* the platform's lifetime rules for the name */
  } else {
    mm__plat_close(map->handle);
  }
  map->handle = -1;
}

static void mm__map_unref(mm_map *map) {
  if (--map->refs > 0) return;
  free(map->name);
  free(map);
}

void mm__map_view_opened(mm_map *map) {
  map->views++;
  map->refs++;
}

void mm__map_view_closed(mm_map *map) {
  map->views--;
  mm__map_maybe_release(map);
  mm__map_unref(map);
}

int mm_map_close(mm_map *map) {
  if (map == NULL || map->closed) return 0;
  map->closed = 1;
  mm__map_maybe_release(map);
  return 0;
}

void mm_map_free(mm_map *map) {
  if (map == NULL) return;
  mm_map_close(map);
  mm__map_unref(map);
}

size_t mm_allocation_granularity(void) { return mm__plat_granularity(); }
