/*
 * shared.c — non-persisted maps: named shared-memory objects whose lifetime
 * survives crashes, and anonymous ones (see mm_map_open_shared in map.h).
 *
 * The lifetime protocol, on flock(2) locks of the object itself:
 *
 *   holder      keeps a SHARED lock for as long as it holds the map (its
 *               views included); a process that dies loses its locks.
 *   creator     shm_open(O_EXCL) -> EXCLUSIVE lock -> check the name still
 *               names the object -> size it -> convert to SHARED -> check again.
 *               While it sizes, openers wait on their SHARED lock, so nobody
 *               sees a half-made object.
 *   opener      shm_open -> try EXCLUSIVE without waiting: if it is granted,
 *               no process holds the object: it is stale (its holders
 *               crashed), so unlink it and answer ENOENT or create afresh.
 *               Otherwise take SHARED (waiting out a creator) and check the
 *               name still names the object.
 *   releaser    drop the lock, try EXCLUSIVE without waiting: if granted, it
 *               was the last holder and unlinks the name if it still names
 *               the object.
 *
 * "Check the name still names the object" (same device and inode) closes the
 * races between a closer or a stale-remover unlinking a name and an opener or
 * creator that has opened it but not yet locked it: the loser retries. A
 * name is only ever unlinked by a process holding the EXCLUSIVE lock of the
 * object it names, so it never removes a newer object of the same name.
 * Converting a flock is not atomic (flock(2)), which the second check of the
 * creator covers. Two last holders releasing at once may both fail to take
 * the exclusive lock; the object is then stale and the next opener removes it.
 */
#include <stdlib.h>

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"

/* Retries of the open protocol before giving up with MM_EBUSY under heavy churn. */
#define MM__SHARED_MAX_ATTEMPTS 1000

static int mm__open_anonymous(uint64_t capacity, mm_access access, mm_map **out, int *os_errno) {
  intptr_t handle;
  int rc = mm__plat_anonymous(&handle, os_errno);
  if (rc < 0) return rc;
  rc = mm__plat_reserve(handle, capacity, os_errno);
  if (rc == 0) {
    *out = mm__map_new(handle, capacity, access, MM__KIND_ANONYMOUS, NULL);
    if (*out == NULL) rc = MM_ENOMEM;
  }
  if (rc < 0) mm__plat_close(handle);
  return rc;
}

/* Creates the object; 1 = retry (the name was taken over meanwhile), 0 = done, < 0 = error. */
static int mm__create_named(const char *name, uint64_t capacity, intptr_t handle, int *os_errno) {
  int rc = mm__plat_lock(handle, MM__LOCK_EXCLUSIVE, 0, os_errno);
  if (rc < 0) return rc;
  if (!mm__plat_shm_is_named(handle, name)) return 1;
  rc = mm__plat_reserve(handle, capacity, os_errno);
  if (rc < 0) {
    mm__plat_shm_unlink(name); /* we hold it exclusively: it is ours */
    return rc;
  }
  rc = mm__plat_lock(handle, MM__LOCK_SHARED, 0, os_errno);
  if (rc < 0) {
    mm__plat_shm_unlink(name);
    return rc;
  }
  return mm__plat_shm_is_named(handle, name) ? 0 : 1;
}

/*
 * Joins an existing object; 1 = retry, 2 = it was stale (and is now
 * unlinked), 0 = joined (*size set), < 0 = error.
 */
static int mm__join_named(const char *name, intptr_t handle, uint64_t *size, int *os_errno) {
  int rc = mm__plat_lock(handle, MM__LOCK_EXCLUSIVE, 1, os_errno);
  if (rc == 0) {
    if (mm__plat_shm_is_named(handle, name)) mm__plat_shm_unlink(name);
    return 2;
  }
  if (rc != MM_EAGAIN) return rc;
  rc = mm__plat_lock(handle, MM__LOCK_SHARED, 0, os_errno);
  if (rc < 0) return rc;
  if (!mm__plat_shm_is_named(handle, name)) return 1;
  rc = mm__plat_size(handle, size, os_errno);
  if (rc < 0) return rc;
  /* A creator that failed while sizing left it empty; once we let go it is stale. */
  return *size == 0 ? 1 : 0;
}

int mm_map_open_shared(const char *name, mm_shared_mode mode, uint64_t capacity,
                       mm_access access, mm_map **out, int *os_errno) {
  int attempt;

  *os_errno = 0;
  *out = NULL;
  if ((unsigned)mode >= MM_SHARED__COUNT || (unsigned)access >= MM_ACCESS__COUNT) return MM_EINVAL;
  if (mode != MM_SHARED_OPEN_EXISTING && capacity == 0) return MM_EINVAL;
  if (name == NULL) {
    if (mode != MM_SHARED_CREATE_NEW) return MM_EINVAL;
    return mm__open_anonymous(capacity, access, out, os_errno);
  }
  if (name[0] == '\0') return MM_EINVAL;

  for (attempt = 0; attempt < MM__SHARED_MAX_ATTEMPTS; attempt++) {
    intptr_t handle = -1;
    uint64_t size = 0;
    int rc, created = 0;

    if (mode != MM_SHARED_OPEN_EXISTING) {
      rc = mm__plat_shm_create(name, &handle, os_errno);
      if (rc == 0) created = 1;
      else if (rc != MM_EEXIST) return rc;
    }
    if (created) {
      rc = mm__create_named(name, capacity, handle, os_errno);
      size = capacity;
    } else {
      rc = mm__plat_shm_open(name, mm_access_shares(access), &handle, os_errno);
      if (rc == MM_ENOENT) {
        if (mode == MM_SHARED_OPEN_EXISTING) return MM_ENOENT;
        continue; /* removed since our create failed: create again */
      }
      if (rc < 0) return rc;
      rc = mm__join_named(name, handle, &size, os_errno);
      if (rc == 2) {
        mm__plat_close(handle);
        if (mode == MM_SHARED_OPEN_EXISTING) return MM_ENOENT;
        continue; /* the stale object is gone: create afresh */
      }
      if (rc == 0 && mode == MM_SHARED_CREATE_NEW) rc = MM_EEXIST;
      if (rc == 0 && capacity > size) rc = MM_ERANGE;
    }
    if (rc == 1) {
      mm__plat_close(handle);
      continue;
    }
    if (rc < 0) {
      mm__plat_close(handle);
      return rc;
    }
    *out = mm__map_new(handle, capacity == 0 ? size : capacity, access, MM__KIND_SHARED, name);
    if (*out == NULL) {
      mm__plat_close(handle);
      return MM_ENOMEM;
    }
    return 0;
  }
  return MM_EBUSY;
}

void mm__shared_release(mm_map *map) {
  int os_errno;
  mm__plat_lock(map->handle, MM__LOCK_UNLOCK, 0, &os_errno);
  if (mm__plat_lock(map->handle, MM__LOCK_EXCLUSIVE, 1, &os_errno) == 0 &&
      mm__plat_shm_is_named(map->handle, map->name)) {
    mm__plat_shm_unlink(map->name);
  }
  mm__plat_close(map->handle);
}
