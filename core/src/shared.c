/*
 * shared.c — non-persisted maps (see mm_map_open_shared in map.h): the rules
 * every platform shares. Names themselves — how they are made, joined,
 * trusted, and removed after the last holder, crashes included — are the
 * platform's (platform.h, "named objects": posix_named.c, win32_named.c).
 *
 *   mm_map_open_shared
 *     arguments: mode, access, capacity; 'write' access never creates
 *     anonymous:  room check -> mm__plat_anonymous
 *     named:      room -> mm__plat_named_open -> capacity against what it found
 *
 * Sizing is O(1): pages are committed on first touch (Windows charges the
 * commit at once). A size the system can never back (above RAM plus swap, or
 * above the free space of the shared-memory file system for a named map) is
 * refused at once; shared memory that another process fills later is the
 * OS's to report (SIGBUS on first touch of a page that cannot be backed).
 */
#include <stdlib.h>
#include <string.h>

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"

static int mm__open_anonymous(uint64_t capacity, mm_access access, mm_map **out, int *os_errno) {
  intptr_t handle;
  uint64_t room;
  int rc = mm__plat_shm_room(0, &room, os_errno);
  if (rc < 0) return rc;
  if (capacity > room) return MM_ENOMEM;
  rc = mm__plat_anonymous(capacity, access, &handle, os_errno);
  if (rc < 0) return rc;
  *out = mm__map_new(handle, capacity, access, NULL, NULL);
  if (*out == NULL) {
    mm__plat_close(handle);
    return MM_ENOMEM;
  }
  (*out)->anonymous = 1;
  return 0;
}

int mm_map_open_shared(const char *name, mm_shared_mode mode, uint64_t capacity,
                       mm_access access, mm_map **out, int *os_errno) {
  mm__named hold;
  uint64_t room = UINT64_MAX;
  int rc, created = 0;

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
    rc = mode == MM_SHARED_CREATE_NEW
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

  if (mode != MM_SHARED_OPEN_EXISTING) {
    rc = mm__plat_shm_room(1, &room, os_errno);
    if (rc < 0) return rc;
  }
  rc = mm__plat_named_open(name, (int)mode, capacity, room, access, &hold, &created, os_errno);
  if (rc < 0) return rc;
  if (capacity > hold.size) {
    mm__plat_named_release(name, &hold);
    return mm__detail(MM_ERANGE, "the map has % bytes, fewer than the capacity % asked for", hold.size, capacity);
  }
  *out = mm__map_new(hold.handle, capacity == 0 ? hold.size : capacity, access, name, &hold);
  if (*out == NULL) {
    mm__plat_named_release(name, &hold);
    return MM_ENOMEM;
  }
  return 0;
}

int mm_shared_owner(const char *name, mm_shared_owner_info *out) {
  memset(out, 0, sizeof *out);
  if (name == NULL || name[0] == '\0') return MM_EINVAL;
  return mm__plat_named_owner(name, &out->uid, &out->mode, out->user, sizeof out->user);
}
