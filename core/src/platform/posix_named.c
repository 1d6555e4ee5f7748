/*
 * posix_named.c — named objects (platform.h) on POSIX: a name is the
 * shared-memory object "/<name>" (shm_open(3)), and its lifetime, which must
 * survive crashes, is kept with flock(2) locks on the object itself.
 *
 * What an object under a name is, from its owner and mode (which shm_open
 * sets atomically with the name, so no header in the data is needed and an
 * object is never half-recognised):
 *
 *   not the caller's effective user, or  never joined (MM_EACCES): another user
 *   any group or other permission bit    could have planted it, or can read it
 *   01600 (sticky, owner read-write)     a non-persisted map memmap made; the
 *                                        data from offset 0, no header
 *   01400 (sticky, owner read)           the name of a persisted map: a record
 *                                        of its file (below), made by memmap
 *   any other owner-only mode            another program's object (Python's
 *                                        shared_memory, a C program's
 *                                        shm_open): joined as it is, with its
 *                                        size; never locked, resized,
 *                                        truncated or removed
 *
 * The sticky bit is one no program sets on a shared-memory object by accident.
 *
 * The lifetime protocol of memmap's own objects (both kinds):
 *
 *   holder      keeps a SHARED lock for as long as it holds the map (its
 *               views included); a process that dies loses its locks.
 *   creator     shm_open(O_EXCL, marker mode) -> EXCLUSIVE lock -> check the
 *               name still names the object -> fill it (size a map, after
 *               checking the system can back it; write a file's record) ->
 *               convert to SHARED -> check again. While it fills the object,
 *               joiners wait on their SHARED lock, so nobody sees a half-made
 *               object.
 *   joiner      shm_open -> trust -> try EXCLUSIVE without waiting: if it is
 *               granted, no process holds the object: it is stale (its
 *               holders crashed), so unlink it and answer ENOENT or create
 *               afresh. Otherwise take SHARED (waiting out a creator) and check
 *               the name still names the object.
 *   releaser    drop the lock, try EXCLUSIVE without waiting: if granted, it
 *               was the last holder and unlinks the name if it still names
 *               the object.
 *
 * "Check the name still names the object" (same device and inode) closes the
 * races between a closer or a stale-remover unlinking a name and a joiner or
 * creator that has opened it but not yet locked it: the loser retries. A
 * name is only ever unlinked by a process holding the EXCLUSIVE lock of the
 * object it names, so it never removes a newer object of the same name.
 * Converting a flock is not atomic (flock(2)), which the second check of the
 * creator covers. Two last holders releasing at once may both fail to take
 * the exclusive lock; the object is then stale and the next joiner removes it.
 *
 * A persisted map's name is a record of its file, written once by its creator
 * under the EXCLUSIVE lock (mapped, since macOS shared memory has no
 * read(2)/write(2)):
 *
 *   offset 0   "memmap-file-name" (16 bytes, the record's magic)
 *          16  version, 1                 (uint32, host order)
 *          20  bytes of the path          (uint32)
 *          24  device of the file         (uint64)
 *          32  inode of the file          (uint64)
 *          40  the map's capacity         (uint64)
 *          48  the absolute path, no NUL
 *
 * A joiner opens the path and maps the file only if it is still the same file
 * (device and inode): a file replaced or removed since is MM_ESTALE.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define MM__MAP_MODE (S_ISVTX | S_IRUSR | S_IWUSR) /* a non-persisted map memmap made */
#define MM__RECORD_MODE (S_ISVTX | S_IRUSR)        /* the name of a persisted map */

/*
 * The longest "/<name>" shm_open(3) takes: macOS refuses more than 31 bytes
 * (PSHMNAMLEN) with ENAMETOOLONG; elsewhere a name is a file name under
 * /dev/shm (NAME_MAX). Longer names are MM_ENAMETOOLONG here, before the
 * system is asked.
 */
#if defined(__APPLE__)
#define MM__SHM_PATH_MAX 31
#else
#define MM__SHM_PATH_MAX (NAME_MAX + 1)
#endif

/* Retries of the protocol before giving up with MM_EBUSY under heavy churn. */
#define MM__NAMED_MAX_ATTEMPTS 1000

#define MM__RECORD_MAGIC "memmap-file-name"
#define MM__RECORD_HEADER 48

/* What a trusted object under a name is (see the table above). */
enum { MM__OBJ_FOREIGN, MM__OBJ_MAP, MM__OBJ_RECORD };

/* The results of one step of the protocol, besides 0 and MM_E* codes. */
enum { MM__RETRY = 1, MM__STALE = 2 };

static int mm__fail(int *os_errno) {
  *os_errno = errno;
  return mm_err_from_errno(errno);
}

/* "/" + name into buf (MM__SHM_PATH_MAX + 1 bytes); MM_ENAMETOOLONG when it does not fit. */
static int mm__shm_path(const char *name, char *buf) {
  size_t n = strlen(name);
  if (n + 1 > MM__SHM_PATH_MAX) return MM_ENAMETOOLONG;
  buf[0] = '/';
  memcpy(buf + 1, name, n + 1);
  return 0;
}

/* Creates "/<name>" exclusively, read-write, with exactly `mode`. */
static int mm__shm_create(const char *name, mode_t mode, int *fd_out, int *os_errno) {
  char path[MM__SHM_PATH_MAX + 1];
  struct stat st;
  int fd, rc = mm__shm_path(name, path);
  *fd_out = -1;
  if (rc < 0) return rc;
  do fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return mm__fail(os_errno);
  /* The umask may have taken owner bits away; the marker mode must be exact. */
  if (fstat(fd, &st) != 0 || (st.st_mode & 07777) != mode) (void)fchmod(fd, mode);
  *fd_out = fd;
  return 0;
}

static int mm__shm_open(const char *name, int oflag, int *fd_out, int *os_errno) {
  char path[MM__SHM_PATH_MAX + 1];
  int fd, rc = mm__shm_path(name, path);
  *fd_out = -1;
  if (rc < 0) return rc;
  do fd = shm_open(path, oflag | O_CLOEXEC, 0);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return mm__fail(os_errno);
  *fd_out = fd;
  return 0;
}

static void mm__shm_unlink(const char *name) {
  char path[MM__SHM_PATH_MAX + 1];
  if (mm__shm_path(name, path) == 0) shm_unlink(path);
}

/* What the open object is (MM__OBJ_*), or MM_EACCES when it may not be joined. */
static int mm__trust(int fd, int *what, int *os_errno) {
  struct stat st;
  if (fstat(fd, &st) != 0) return mm__fail(os_errno);
  if (st.st_uid != geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) return MM_EACCES;
  switch (st.st_mode & 07777) {
    case MM__MAP_MODE: *what = MM__OBJ_MAP; break;
    case MM__RECORD_MODE: *what = MM__OBJ_RECORD; break;
    default: *what = MM__OBJ_FOREIGN; break;
  }
  return 0;
}

/*
 * Opens the object under `name` for joining: read-write when `write`, except
 * a persisted map's record, which is only ever read (its mode allows no more).
 */
static int mm__open_for_join(const char *name, int write, int *fd, int *what, int *os_errno) {
  int rc = mm__shm_open(name, write ? O_RDWR : O_RDONLY, fd, os_errno);
  if (rc == MM_EACCES && write) {
    int saved = *os_errno;
    if (mm__shm_open(name, O_RDONLY, fd, os_errno) == 0) {
      if (mm__trust(*fd, what, os_errno) == 0 && *what == MM__OBJ_RECORD) return 0;
      close(*fd);
      *fd = -1;
    }
    *os_errno = saved;
    return MM_EACCES;
  }
  if (rc < 0) return rc;
  rc = mm__trust(*fd, what, os_errno);
  if (rc < 0) {
    close(*fd);
    *fd = -1;
  }
  return rc;
}

/* flock(2): MM_EAGAIN when `nonblocking` and someone else holds it. */
static int mm__lock(int fd, int op, int nonblocking, int *os_errno) {
  int rc;
  if (nonblocking) op |= LOCK_NB;
  do rc = flock(fd, op);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EWOULDBLOCK) return MM_EAGAIN;
    if (errno == EOPNOTSUPP || errno == ENOTSUP) {
      /* macOS: flock(2) needs a vnode, and shared-memory objects are none. */
      *os_errno = errno;
      return mm__detail(MM_EUNSUPPORTED, "this system cannot flock(2) shared memory, which the crash-proof lifetime of named maps needs", 0, 0);
    }
    return mm__fail(os_errno);
  }
  return 0;
}

/* 1 when `name` currently names the object `fd` refers to, else 0. */
static int mm__still_named(int fd, const char *name) {
  struct stat mine, named;
  int other, os_errno, same;
  if (fstat(fd, &mine) != 0) return 0;
  if (mm__shm_open(name, O_RDONLY, &other, &os_errno) != 0) return 0;
  same = fstat(other, &named) == 0 && named.st_dev == mine.st_dev && named.st_ino == mine.st_ino;
  close(other);
  return same;
}

/* The releaser's step: drop the lock; the last holder removes the name. */
static void mm__let_go(int fd, const char *name) {
  int os_errno;
  mm__lock(fd, LOCK_UN, 0, &os_errno);
  if (mm__lock(fd, LOCK_EX, 1, &os_errno) == 0 && mm__still_named(fd, name)) mm__shm_unlink(name);
}

/*
 * The creator's first step on an object it made under `name`: EXCLUSIVE, and
 * the name still names it (MM__RETRY otherwise). An object that cannot be
 * locked at all (macOS) is removed again: it could never be held.
 */
static int mm__creator_lock(int fd, const char *name, int *os_errno) {
  int rc = mm__lock(fd, LOCK_EX, 0, os_errno);
  if (rc < 0) {
    if (mm__still_named(fd, name)) mm__shm_unlink(name);
    return rc;
  }
  return mm__still_named(fd, name) ? 0 : MM__RETRY;
}

/* The creator's last step: SHARED, and the name still names it. */
static int mm__creator_done(int fd, const char *name, int *os_errno) {
  int rc = mm__lock(fd, LOCK_SH, 0, os_errno);
  if (rc < 0) {
    mm__shm_unlink(name); /* we held it exclusively: it is ours */
    return rc;
  }
  return mm__still_named(fd, name) ? 0 : MM__RETRY;
}

/* The joiner's steps: MM__STALE (now unlinked), MM__RETRY, 0 (holding SHARED), or an error. */
static int mm__join(int fd, const char *name, int *os_errno) {
  int rc = mm__lock(fd, LOCK_EX, 1, os_errno);
  if (rc == 0) {
    if (mm__still_named(fd, name)) mm__shm_unlink(name);
    return MM__STALE;
  }
  if (rc != MM_EAGAIN) return rc;
  rc = mm__lock(fd, LOCK_SH, 0, os_errno);
  if (rc < 0) return rc;
  return mm__still_named(fd, name) ? 0 : MM__RETRY;
}

static int mm__object_size(int fd, uint64_t *size, int *os_errno) {
  struct stat st;
  if (fstat(fd, &st) != 0) return mm__fail(os_errno);
  *size = (uint64_t)st.st_size;
  return 0;
}

/* Reads the record (not empty) of a persisted map's name: the path (malloc'd), identity and capacity. */
static int mm__read_record(int fd, char **path, uint64_t *dev, uint64_t *ino, uint64_t *capacity,
                           int *os_errno) {
  uint64_t size = 0;
  uint32_t version, length;
  unsigned char *p;
  int rc = mm__object_size(fd, &size, os_errno);
  if (rc < 0) return rc;
  if (size < MM__RECORD_HEADER || size > MM__RECORD_HEADER + (uint64_t)PATH_MAX)
    return mm__detail(MM_EINVAL, "the shared-memory object is marked as a memmap map's name but holds no record", 0, 0);
  p = (unsigned char *)mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return mm__fail(os_errno);
  memcpy(&version, p + 16, 4);
  memcpy(&length, p + 20, 4);
  if (memcmp(p, MM__RECORD_MAGIC, 16) != 0 || version != 1 || length == 0 ||
      length > size - MM__RECORD_HEADER) {
    munmap(p, (size_t)size);
    return mm__detail(MM_EINVAL, "the shared-memory object is marked as a memmap map's name but holds no record", 0, 0);
  }
  memcpy(dev, p + 24, 8);
  memcpy(ino, p + 32, 8);
  memcpy(capacity, p + 40, 8);
  *path = (char *)malloc((size_t)length + 1);
  if (*path != NULL) {
    memcpy(*path, p + MM__RECORD_HEADER, length);
    (*path)[length] = '\0';
  }
  munmap(p, (size_t)size);
  return *path == NULL ? MM_ENOMEM : 0;
}

/* Opens the file a record names, only if it is still that file: MM_ESTALE otherwise. */
static int mm__open_recorded_file(const char *path, uint64_t dev, uint64_t ino, uint64_t capacity,
                                  int write, intptr_t *file, int *os_errno) {
  struct stat st;
  int created, rc = mm__plat_open(path, write ? MM__OPEN_WRITE : 0, file, &created, os_errno);
  if (rc == MM_ENOENT || rc == MM_ENOTDIR || rc == MM_EISDIR || rc == MM_ENODEV) {
    *os_errno = 0;
    return mm__detail(MM_ESTALE, "the map's file is no longer at its path (removed or replaced)", 0, 0);
  }
  if (rc < 0) return rc;
  if (fstat((int)*file, &st) != 0) {
    rc = mm__fail(os_errno);
  } else if ((uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino) {
    rc = mm__detail(MM_ESTALE, "the map's path now names another file (the file was replaced)", 0, 0);
  } else if ((uint64_t)st.st_size < capacity) {
    rc = mm__detail(MM_ESTALE, "the map's file was cut to % bytes, below the map's capacity %",
                    (uint64_t)st.st_size, capacity);
  }
  if (rc < 0) {
    close((int)*file);
    *file = -1;
  }
  return rc;
}

/* Joins the record `fd` (holding SHARED): opens its file into `out`. */
static int mm__join_record(int fd, int write, mm__named *out, int *os_errno) {
  char *path = NULL;
  uint64_t dev = 0, ino = 0, capacity = 0, size = 0;
  intptr_t file = -1;
  int rc = mm__read_record(fd, &path, &dev, &ino, &capacity, os_errno);
  if (rc != 0) return rc;
  rc = mm__open_recorded_file(path, dev, ino, capacity, write, &file, os_errno);
  free(path);
  if (rc == 0) rc = mm__object_size((int)file, &size, os_errno);
  if (rc < 0) {
    if (file >= 0) close((int)file);
    return rc;
  }
  out->handle = file;
  out->claim = fd;
  /* A holder may have grown the map since its record was written (mm__plat_named_grow). */
  out->size = size > capacity ? size : capacity;
  out->kind = MM__NAMED_FILE;
  return 0;
}

/* Creates the named map under the protocol (the object is ours, freshly made). */
static int mm__create_map(int fd, const char *name, uint64_t capacity, uint64_t room, int *os_errno) {
  int rc = mm__creator_lock(fd, name, os_errno);
  if (rc != 0) return rc;
  rc = capacity > room ? MM_ENOSPC : mm__plat_resize(fd, capacity, os_errno);
  if (rc < 0) {
    mm__shm_unlink(name); /* we hold it exclusively: it is ours */
    return rc;
  }
  return mm__creator_done(fd, name, os_errno);
}

int mm__plat_named_open(const char *name, int mode, uint64_t capacity, uint64_t room, mm_access access,
                        mm__named *out, int *created, int *os_errno) {
  int write = access == MM_ACCESS_READ_WRITE || access == MM_ACCESS_WRITE || access == MM_ACCESS_READ_WRITE_EXECUTE;
  int attempt;
  *os_errno = 0;
  *created = 0;
  memset(out, 0, sizeof *out);
  out->handle = out->claim = -1;

  for (attempt = 0; attempt < MM__NAMED_MAX_ATTEMPTS; attempt++) {
    int fd = -1, what = MM__OBJ_FOREIGN, rc;

    if (mode != MM_SHARED_OPEN_EXISTING) {
      rc = mm__shm_create(name, MM__MAP_MODE, &fd, os_errno);
      if (rc == 0) {
        rc = mm__create_map(fd, name, capacity, room, os_errno);
        if (rc == 0) {
          out->handle = fd;
          out->size = capacity;
          out->kind = MM__NAMED_SHARED;
          *created = 1;
          return 0;
        }
        close(fd);
        if (rc == MM__RETRY) continue;
        return rc;
      }
      if (rc != MM_EEXIST) return rc;
    }

    rc = mm__open_for_join(name, write, &fd, &what, os_errno);
    if (rc == MM_ENOENT) {
      if (mode == MM_SHARED_OPEN_EXISTING) return MM_ENOENT;
      continue; /* removed since our create failed: create again */
    }
    if (rc < 0) return rc;

    if (what == MM__OBJ_FOREIGN) {
      /* Another program's object: joined as it is, with its size. */
      rc = mm__object_size(fd, &out->size, os_errno);
      if (rc == 0 && out->size == 0) rc = MM_EINVAL;
      if (rc == 0 && mode == MM_SHARED_CREATE_NEW) rc = MM_EEXIST;
      if (rc < 0) {
        close(fd);
        return rc;
      }
      out->handle = fd;
      out->kind = MM__NAMED_FOREIGN;
      return 0;
    }

    rc = mm__join(fd, name, os_errno);
    if (rc == MM__STALE) {
      close(fd);
      if (mode == MM_SHARED_OPEN_EXISTING) return MM_ENOENT;
      continue; /* the stale object is gone: create afresh */
    }
    if (rc == 0) rc = mm__object_size(fd, &out->size, os_errno);
    /* A creator that failed before filling it left it empty; once we let go it is stale. */
    if (rc == 0 && out->size == 0) rc = MM__RETRY;
    if (rc == 0 && mode == MM_SHARED_CREATE_NEW) rc = MM_EEXIST;
    if (rc == 0 && what == MM__OBJ_RECORD) {
      rc = mm__join_record(fd, write, out, os_errno);
    } else if (rc == 0) {
      out->handle = fd;
      out->kind = MM__NAMED_SHARED;
    }
    if (rc == 0) return 0;
    if (rc == MM__RETRY) {
      close(fd);
      continue;
    }
    mm__let_go(fd, name);
    close(fd);
    if (rc == MM_EEXIST) *os_errno = 0;
    return rc;
  }
  return MM_EBUSY;
}

int mm__plat_named_claim(const char *name, mm__named *out, int *os_errno) {
  int attempt;
  *os_errno = 0;
  memset(out, 0, sizeof *out);
  out->handle = out->claim = -1;
  out->kind = MM__NAMED_FILE;
  for (attempt = 0; attempt < MM__NAMED_MAX_ATTEMPTS; attempt++) {
    int fd = -1, what = MM__OBJ_FOREIGN;
    int rc = mm__shm_create(name, MM__RECORD_MODE, &fd, os_errno);
    if (rc == 0) {
      rc = mm__creator_lock(fd, name, os_errno);
      if (rc == 0) {
        out->claim = fd;
        return 0;
      }
      close(fd);
      if (rc == MM__RETRY) continue;
      return rc;
    }
    if (rc != MM_EEXIST) return rc;
    /* Taken: live, or left by crashed holders (then removed, and we try again). */
    rc = mm__open_for_join(name, 0, &fd, &what, os_errno);
    if (rc == MM_ENOENT) continue;
    if (rc < 0) return rc;
    if (what != MM__OBJ_FOREIGN && mm__lock(fd, LOCK_EX, 1, os_errno) == 0) {
      if (mm__still_named(fd, name)) mm__shm_unlink(name);
      close(fd);
      continue;
    }
    close(fd);
    *os_errno = 0;
    return MM_EEXIST;
  }
  return MM_EBUSY;
}

int mm__plat_named_publish(const char *name, const char *path, intptr_t file, uint64_t capacity,
                           mm_access access, mm__named *named, int *os_errno) {
  char real[PATH_MAX];
  struct stat st, at;
  uint32_t version = 1, length;
  uint64_t dev, ino;
  unsigned char *p;
  size_t size;
  int fd = (int)named->claim, rc;

  *os_errno = 0;
  /* The record names the file by an absolute path that leads to this very file. */
  if (realpath(path, real) == NULL) {
    rc = mm__fail(os_errno);
    goto fail;
  }
  if (fstat((int)file, &st) != 0 || stat(real, &at) != 0) {
    rc = mm__fail(os_errno);
    goto fail;
  }
  if (st.st_dev != at.st_dev || st.st_ino != at.st_ino) {
    rc = mm__detail(MM_ESTALE, "the file was replaced while its map was being named", 0, 0);
    goto fail;
  }
  length = (uint32_t)strlen(real);
  dev = (uint64_t)st.st_dev;
  ino = (uint64_t)st.st_ino;
  size = MM__RECORD_HEADER + length;
  rc = mm__plat_resize(fd, size, os_errno);
  if (rc < 0) goto fail;
  p = (unsigned char *)mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    rc = mm__fail(os_errno);
    goto fail;
  }
  memcpy(p, MM__RECORD_MAGIC, 16);
  memcpy(p + 16, &version, 4);
  memcpy(p + 20, &length, 4);
  memcpy(p + 24, &dev, 8);
  memcpy(p + 32, &ino, 8);
  memcpy(p + 40, &capacity, 8);
  memcpy(p + MM__RECORD_HEADER, real, length);
  munmap(p, size);
  rc = mm__creator_done(fd, name, os_errno);
  if (rc == MM__RETRY) {
    /* Only a process that held it exclusively can have taken the name over: never ours to keep. */
    rc = mm__detail(MM_EBUSY, "the map's name was taken over while it was being made", 0, 0);
  }
  if (rc < 0) goto fail;
  named->handle = file;
  named->size = capacity;
  return 0;

fail:
  mm__plat_named_release(name, named);
  return rc;
}

int mm__plat_named_size(const mm__named *named, uint64_t *size, int *os_errno) {
  *os_errno = 0;
  return mm__object_size((int)named->handle, size, os_errno);
}

int mm__plat_named_grow(const char *name, mm__named *named, uint64_t capacity, int *os_errno) {
  *os_errno = 0;
  if (named->kind == MM__NAMED_FOREIGN)
    return mm__detail(MM_EACCES, "the map is another program's shared-memory object, which memmap never resizes", 0, 0);
#if defined(__APPLE__)
  /* macOS sizes a shared-memory object once: a second ftruncate(2) fails with EINVAL. */
  if (named->kind == MM__NAMED_SHARED)
    return mm__detail(MM_EUNSUPPORTED, "macOS sizes a shared-memory object once, when it is made", 0, 0);
#endif
  return mm__plat_extend(named->handle, capacity, os_errno);
}

void mm__plat_named_release(const char *name, mm__named *named) {
  int lock = named->kind == MM__NAMED_FILE ? (int)named->claim : (int)named->handle;
  if (named->kind != MM__NAMED_FOREIGN && lock >= 0) mm__let_go(lock, name);
  if (named->handle >= 0) close((int)named->handle);
  if (named->claim >= 0 && named->claim != named->handle) close((int)named->claim);
  named->handle = named->claim = -1;
}

#if defined(__linux__)
/* Owner and mode of /dev/shm/<name>, which Linux lets anyone stat. */
static int mm__owner_of(const char *name, uint32_t *uid, uint32_t *mode) {
  char path[NAME_MAX + 16];
  struct stat st;
  if (snprintf(path, sizeof path, "/dev/shm/%s", name) >= (int)sizeof path) return MM_ENAMETOOLONG;
  if (stat(path, &st) != 0) return mm_err_from_errno(errno);
  *uid = (uint32_t)st.st_uid;
  *mode = (uint32_t)(st.st_mode & 07777);
  return 0;
}
#else
/* Named objects have no path elsewhere (macOS): only an opener could fstat one. */
static int mm__owner_of(const char *name, uint32_t *uid, uint32_t *mode) { return MM_EUNSUPPORTED; }
#endif

int mm__plat_named_owner(const char *name, uint32_t *uid, uint32_t *mode, char *user, size_t user_size) {
  struct passwd pw, *found = NULL;
  char buf[1024];
  int rc = mm__owner_of(name, uid, mode);
  if (rc < 0) return rc;
  user[0] = '\0';
  if (getpwuid_r((uid_t)*uid, &pw, buf, sizeof buf, &found) == 0 && found != NULL)
    snprintf(user, user_size, "%s", found->pw_name);
  return 0;
}
