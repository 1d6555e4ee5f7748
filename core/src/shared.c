/*
 * shared.c — non-persisted maps: named shared-memory objects whose lifetime
 * survives crashes, and anonymous ones (see mm_map_open_shared in map.h).
 *
 * Whose object it is comes first. An object found under a name is joined
 * only if it belongs to the caller's effective user and grants nobody else
 * any access (mm__plat_shm_trust): anything else could have been planted, or
 * be read, by another user (MM_EACCES). Of the trusted objects, memmap's own
 * carry a marker mode; another program's (Python's shared_memory, a C
 * program's shm_open) are joined as they are — mapped with their size, never
 * locked, resized, truncated or removed.
 *
 * The lifetime protocol of memmap's own objects, on flock(2) locks of the
 * object itself:
 *
 *   holder      keeps a SHARED lock for as long as it holds the map (its
 *               views included); a process that dies loses its locks.
 *   creator     shm_open(O_EXCL, marker mode) -> EXCLUSIVE lock -> check the
 *               name still names the object -> check the system can back the
 *               size -> size it -> convert to SHARED -> check again. While it
 *               sizes, openers wait on their SHARED lock, so nobody sees a
 *               half-made object.
 *   opener      shm_open -> trust -> try EXCLUSIVE without waiting: if it is
 *               granted, no process holds the object: it is stale (its
 *               holders crashed), so unlink it and answer ENOENT or create
 *               afresh. Otherwise take SHARED (waiting out a creator) and check
 *               the name still names the object.
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
 *
 * Sizing is O(1) (ftruncate): pages are committed on first touch, like any
 * anonymous memory. A size the system can never back (above RAM plus swap,
 * or above the free space of the shared-memory file system for a named map)
 * is refused at once; shared memory that another process fills later is the
 * OS's to report (SIGBUS on first touch of a page that cannot be backed).
 */
#include <stdlib.h>
#include <string.h>

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"

/* Retries of the open protocol before giving up with MM_EBUSY under heavy churn. */
#define MM__SHARED_MAX_ATTEMPTS 1000

/* MM_ENOSPC (named) or MM_ENOMEM (anonymous) when the system can never back `capacity` bytes. */
static int mm__check_room(int named, uint64_t capacity, int *os_errno) {
  uint64_t room;
  int rc = mm__plat_shm_room(named, &room, os_errno);
  if (rc < 0) return rc;
  if (capacity > room) return named ? MM_ENOSPC : MM_ENOMEM;
  return 0;
}

static int mm__open_anonymous(uint64_t capacity, mm_access access, mm_map **out, int *os_errno) {
  intptr_t handle;
  int rc = mm__check_room(0, capacity, os_errno);
  if (rc < 0) return rc;
  rc = mm__plat_anonymous(&handle, os_errno);
  if (rc < 0) return rc;
  rc = mm__plat_shm_size(handle, capacity, os_errno);
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
  rc = mm__check_room(1, capacity, os_errno);
  if (rc == 0) rc = mm__plat_shm_size(handle, capacity, os_errno);
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
  mm__detail_clear();
  if ((unsigned)mode >= MM_SHARED__COUNT || (unsigned)access >= MM_ACCESS__COUNT) return MM_EINVAL;
  if (mode != MM_SHARED_OPEN_EXISTING && capacity == 0) return MM_EINVAL;
  /*
   * A map made with access 'write' alone could never be read (as for file
   * maps, and as in .NET): createNew refuses it, and createOrOpen only joins
   * a live map.
   */
  if (access == MM_ACCESS_WRITE && mode != MM_SHARED_OPEN_EXISTING) {
    int rc = mode == MM_SHARED_CREATE_NEW
                 ? MM_ENOENT
                 : mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, capacity, access, out, os_errno);
    if (rc != MM_ENOENT) return rc;
    return mm__detail(MM_EINVAL, "access 'write' cannot create a map (it could never be read): ask for read-write", 0, 0);
  }
  if (name == NULL) {
    if (mode != MM_SHARED_CREATE_NEW) return MM_EINVAL;
    return mm__open_anonymous(capacity, access, out, os_errno);
  }
  if (name[0] == '\0') return MM_EINVAL;

  for (attempt = 0; attempt < MM__SHARED_MAX_ATTEMPTS; attempt++) {
    intptr_t handle = -1;
    uint64_t size = 0;
    int rc, created = 0;
    mm__map_kind kind = MM__KIND_SHARED;

    if (mode != MM_SHARED_OPEN_EXISTING) {
      rc = mm__plat_shm_create(name, &handle, os_errno);
      if (rc == 0) created = 1;
      else if (rc != MM_EEXIST) return rc;
    }
    if (created) {
      rc = mm__create_named(name, capacity, handle, os_errno);
      size = capacity;
    } else {
      int ours = 0;
      rc = mm__plat_shm_open(name, mm_access_shares(access), &handle, os_errno);
      if (rc == MM_ENOENT) {
        if (mode == MM_SHARED_OPEN_EXISTING) return MM_ENOENT;
        continue; /* removed since our create failed: create again */
      }
      if (rc < 0) return rc;
      rc = mm__plat_shm_trust(handle, &ours, os_errno);
      if (rc == 0 && ours) {
        rc = mm__join_named(name, handle, &size, os_errno);
      } else if (rc == 0) {
        /* Another program's object: joined as it is, with its size. */
        kind = MM__KIND_FOREIGN;
        rc = mm__plat_size(handle, &size, os_errno);
        if (rc == 0 && size == 0) rc = MM_EINVAL;
      }
      if (rc == 2) {
        mm__plat_close(handle);
        if (mode == MM_SHARED_OPEN_EXISTING) return MM_ENOENT;
        continue; /* the stale object is gone: create afresh */
      }
      if (rc == 0 && mode == MM_SHARED_CREATE_NEW) rc = MM_EEXIST;
      if (rc == 0 && capacity > size) {
        rc = mm__detail(MM_ERANGE, "the map has % bytes, fewer than the capacity % asked for", size, capacity);
      }
    }
    if (rc == 1) {
      mm__plat_close(handle);
      continue;
    }
    if (rc < 0) {
      mm__plat_close(handle);
      return rc;
    }
    *out = mm__map_new(handle, capacity == 0 ? size : capacity, access, kind, name);
    if (*out == NULL) {
      mm__plat_close(handle);
      return MM_ENOMEM;
    }
    return 0;
  }
  return MM_EBUSY;
}

int mm_shared_owner(const char *name, mm_shared_owner_info *out) {
  memset(out, 0, sizeof *out);
  if (name == NULL || name[0] == '\0') return MM_EINVAL;
  return mm__plat_shm_owner(name, &out->uid, &out->mode, out->user, sizeof out->user);
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
