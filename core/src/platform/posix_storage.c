/*
 * posix_storage.c — the storage (storage.h) over a POSIX file descriptor.
 *
 * This is what the pager runs on in native builds, so the page cache of the
 * WASM backend is exercised by the C unit tests with sanitizers; the WASM
 * build replaces it with storage imported from JS (node:fs or OPFS).
 *
 * Every call is retried on EINTR, and pread/pwrite are looped because POSIX
 * allows them to transfer fewer bytes than asked (pread(2): "The value returned
 * may be less than nbyte if the number of bytes left in the file is less than
 * nbyte, if the read() request was interrupted by a signal, or if the file is a
 * pipe or FIFO or special file"); only pread returning 0 means end of file.
 * flush is fsync(2), and on macOS then fcntl(F_FULLFSYNC), since fsync there
 * does not empty the drive's write cache (as for a native map's flush).
 */
/* pread, pwrite, fsync and ftruncate are POSIX.1-2008 (XSI); 64-bit off_t
 * on 32-bit hosts. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "mm/errors.h"
#include "mm/storage.h"

typedef struct mm__fd_storage {
  mm_storage base; /* first member: a mm__fd_storage* is a mm_storage* */
  int fd;
  int own_fd;
  int last_errno;
} mm__fd_storage;

/* Records errno as the last OS error and returns its MM_E* code. */
static int mm__fd_fail(mm__fd_storage *fs) {
  fs->last_errno = errno;
  return mm_err_from_errno(errno);
}

/* Offsets travel as uint64_t; off_t is signed, so the top half is refused. */
static int mm__fd_range_ok(uint64_t offset, size_t n) {
  return offset <= (uint64_t)INT64_MAX && n <= (size_t)INT_MAX &&
         (uint64_t)n <= (uint64_t)INT64_MAX - offset;
}

static int mm__fd_read_at(mm_storage *s, void *buf, size_t n, uint64_t offset) {
  mm__fd_storage *fs = (mm__fd_storage *)s;
  unsigned char *p = buf;
  size_t done = 0;
  if (!mm__fd_range_ok(offset, n)) return MM_EFBIG;
  while (done < n) {
    ssize_t r = pread(fs->fd, p + done, n - done, (off_t)(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return mm__fd_fail(fs);
    }
    if (r == 0) break; /* end of file: the caller zero-fills the rest */
    done += (size_t)r;
  }
  return (int)done;
}

static int mm__fd_write_at(mm_storage *s, const void *buf, size_t n,
                           uint64_t offset) {
  mm__fd_storage *fs = (mm__fd_storage *)s;
  const unsigned char *p = buf;
  size_t done = 0;
  if (!mm__fd_range_ok(offset, n)) return MM_EFBIG;
  while (done < n) {
    ssize_t w = pwrite(fs->fd, p + done, n - done, (off_t)(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return mm__fd_fail(fs);
    }
    if (w == 0) { /* no progress and no errno: report it rather than spin */
      fs->last_errno = ENOSPC;
      return MM_ENOSPC;
    }
    done += (size_t)w;
  }
  return 0;
}

static int mm__fd_size(mm_storage *s, uint64_t *out) {
  mm__fd_storage *fs = (mm__fd_storage *)s;
  struct stat st;
  if (fstat(fs->fd, &st) != 0) return mm__fd_fail(fs);
  *out = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
  return 0;
}

static int mm__fd_truncate(mm_storage *s, uint64_t size) {
  mm__fd_storage *fs = (mm__fd_storage *)s;
  if (size > (uint64_t)INT64_MAX) return MM_EFBIG;
  while (ftruncate(fs->fd, (off_t)size) != 0) {
    if (errno != EINTR) return mm__fd_fail(fs);
  }
  return 0;
}

static int mm__fd_flush(mm_storage *s) {
  mm__fd_storage *fs = (mm__fd_storage *)s;
  while (fsync(fs->fd) != 0) {
    if (errno != EINTR) return mm__fd_fail(fs);
  }
#if defined(F_FULLFSYNC)
  if (fcntl(fs->fd, F_FULLFSYNC) != 0) return mm__fd_fail(fs);
#endif
  return 0;
}

static int mm__fd_close(mm_storage *s) {
  mm__fd_storage *fs = (mm__fd_storage *)s;
  int rc = 0;
  /* close(2) is not retried on EINTR: on Linux the descriptor is already
   * released then, and retrying could close a descriptor reused by another
   * thread. */
  if (fs->own_fd && close(fs->fd) != 0 && errno != EINTR) rc = mm__fd_fail(fs);
  free(fs);
  return rc;
}

static const mm_storage_methods mm__fd_methods = {
    MM_STORAGE_VERSION, mm__fd_read_at,  mm__fd_write_at, mm__fd_size,
    mm__fd_truncate,    mm__fd_flush,    mm__fd_close,
};

int mm_storage_open_fd(int fd, int own_fd, mm_storage **out) {
  mm__fd_storage *fs;
  if (fd < 0 || out == NULL) return MM_EINVAL;
  fs = calloc(1, sizeof *fs);
  if (fs == NULL) return MM_ENOMEM;
  fs->base.methods = &mm__fd_methods;
  fs->fd = fd;
  fs->own_fd = own_fd != 0;
  *out = &fs->base;
  return 0;
}

int mm_storage_fd_last_errno(const mm_storage *s) {
  if (s == NULL || s->methods != &mm__fd_methods) return 0;
  return ((const mm__fd_storage *)s)->last_errno;
}
