/*
 * posix.c — platform.h on POSIX systems: open/fstat/ftruncate for files,
 * mmap/msync/munmap for views, anonymous shared memory and its limits (named
 * objects are posix_named.c's).
 *
 * Sharing and protection of a view, by access (mmap(2)):
 *   readWrite, write      MAP_SHARED   PROT_READ|PROT_WRITE
 *   readWriteExecute      MAP_SHARED   PROT_READ|PROT_WRITE|PROT_EXEC
 *   readExecute           MAP_SHARED   PROT_READ|PROT_EXEC
 *   copyOnWrite           MAP_PRIVATE  PROT_READ|PROT_WRITE  (+MAP_NORESERVE)
 *   read                  MAP_PRIVATE  PROT_READ|PROT_WRITE  (+MAP_NORESERVE)
 * A read view is mapped private and writable on purpose: JavaScript has no
 * read-only ArrayBuffer, so a stray store into a read view's bytes must not
 * kill the process with SIGSEGV. It lands in a private page that never reaches
 * the file (the accessor API itself refuses writes with EACCES). Pages that
 * were never written stay shared with the page cache, so writes by others stay
 * visible. MAP_NORESERVE keeps a private mapping of a huge file from being
 * charged in full against the commit limit (proc(5), overcommit_memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mm/errors.h"
#include "platform.h"

#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

static int mm__fail(int *os_errno) {
  *os_errno = errno;
  return mm_err_from_errno(errno);
}

#if defined(__linux__)
#include <sys/statvfs.h>
#include <sys/sysinfo.h>

/* RAM plus swap (sysinfo(2)). */
static uint64_t mm__memory_and_swap(void) {
  struct sysinfo si;
  if (sysinfo(&si) != 0) return UINT64_MAX;
  return ((uint64_t)si.totalram + (uint64_t)si.totalswap) * (si.mem_unit ? si.mem_unit : 1);
}

/* Free bytes of the shared-memory file system, where shm_open(3) keeps named objects. */
static int mm__shm_fs_room(uint64_t *room) {
  struct statvfs st;
  if (statvfs("/dev/shm", &st) != 0) return -1;
  *room = (uint64_t)st.f_bavail * (uint64_t)st.f_frsize;
  return 0;
}
#elif defined(__APPLE__)
#include <sys/sysctl.h>

/* RAM plus swap (sysctl hw.memsize, vm.swapusage). */
static uint64_t mm__memory_and_swap(void) {
  uint64_t mem = 0;
  struct xsw_usage swap;
  size_t n = sizeof mem;
  if (sysctlbyname("hw.memsize", &mem, &n, NULL, 0) != 0) return UINT64_MAX;
  n = sizeof swap;
  if (sysctlbyname("vm.swapusage", &swap, &n, NULL, 0) == 0) mem += swap.xsu_total;
  return mem;
}

/* macOS keeps shared memory in the VM system, with no file system to measure. */
static int mm__shm_fs_room(uint64_t *room) { return -1; }
#else
static uint64_t mm__memory_and_swap(void) { return UINT64_MAX; }
static int mm__shm_fs_room(uint64_t *room) { return -1; }
#endif

int mm__plat_open(const char *path, int flags, intptr_t *handle, int *created,
                  int *os_errno) {
  int oflags = O_CLOEXEC | ((flags & MM__OPEN_WRITE) ? O_RDWR : O_RDONLY);
  int fd = -1;
  struct stat st;

  *created = 0;
  *handle = -1;
  if (flags & MM__OPEN_CREATE) {
    /* Try to create exclusively first, so that we know whether we made the file. */
    do fd = open(path, oflags | O_CREAT | O_EXCL, 0666);
    while (fd < 0 && errno == EINTR);
    if (fd >= 0) {
      *created = 1;
    } else if (errno != EEXIST || (flags & MM__OPEN_EXCL)) {
      return mm__fail(os_errno);
    }
  }
  if (fd < 0) {
    do fd = open(path, oflags);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return mm__fail(os_errno);
  }
  if (fstat(fd, &st) != 0) {
    int rc = mm__fail(os_errno);
    close(fd);
    return rc;
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    *os_errno = EISDIR;
    return MM_EISDIR;
  }
  if (!S_ISREG(st.st_mode)) {
    /* FIFOs, sockets and devices: no size to map by (mmap(2) ENODEV). */
    close(fd);
    *os_errno = ENODEV;
    return MM_ENODEV;
  }
  *handle = fd;
  return 0;
}

int mm__plat_identity(intptr_t handle, char *buf, int *os_errno) {
  struct stat st;
  if (fstat((int)handle, &st) != 0) return mm__fail(os_errno);
  snprintf(buf, MM__IDENTITY_MAX, "%llu:%llu", (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino);
  return 0;
}

int mm__plat_size(intptr_t handle, uint64_t *size, int *os_errno) {
  struct stat st;
  if (fstat((int)handle, &st) != 0) return mm__fail(os_errno);
  *size = (uint64_t)st.st_size;
  return 0;
}

int mm__plat_resize(intptr_t handle, uint64_t size, int *os_errno) {
  int rc;
  if (size > (uint64_t)INT64_MAX) {
    *os_errno = EFBIG;
    return MM_EFBIG;
  }
  do rc = ftruncate((int)handle, (off_t)size);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    /* ftruncate reports a size beyond the file system's limit as EINVAL. */
    if (errno == EINVAL) {
      *os_errno = EFBIG;
      return MM_EFBIG;
    }
    return mm__fail(os_errno);
  }
  return 0;
}

/*
 * The lock of mm__plat_extend: one byte at the end of the offsets a file can
 * have, where no program's own record locks are likely to be. Open file
 * description locks (Linux) belong to the descriptor, so they exclude the
 * threads of one process too and are not dropped when another descriptor of
 * the file closes; elsewhere classic record locks exclude other processes and
 * a mutex the threads of this one.
 */
#if defined(F_OFD_SETLKW)
#define MM__EXTEND_LOCK F_OFD_SETLKW
#else
#define MM__EXTEND_LOCK F_SETLKW
#endif
static pthread_mutex_t mm__extend_mutex = PTHREAD_MUTEX_INITIALIZER;

static int mm__extend_lock(int fd, short type) {
  struct flock lock;
  int rc;
  memset(&lock, 0, sizeof lock);
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = (off_t)INT64_MAX - 1;
  lock.l_len = 1;
  do rc = fcntl(fd, MM__EXTEND_LOCK, &lock);
  while (rc != 0 && errno == EINTR);
  return rc;
}

int mm__plat_extend(intptr_t handle, uint64_t size, int *os_errno) {
  struct stat st;
  int fd = (int)handle, rc = 0;
  *os_errno = 0;
  if (size > (uint64_t)INT64_MAX - 2) {
    *os_errno = EFBIG;
    return MM_EFBIG;
  }
  pthread_mutex_lock(&mm__extend_mutex);
  if (mm__extend_lock(fd, F_WRLCK) != 0) {
    rc = mm__fail(os_errno);
  } else {
    if (fstat(fd, &st) != 0) rc = mm__fail(os_errno);
    else if ((uint64_t)st.st_size < size) rc = mm__plat_resize(handle, size, os_errno);
    mm__extend_lock(fd, F_UNLCK);
  }
  pthread_mutex_unlock(&mm__extend_mutex);
  return rc;
}

void mm__plat_close(intptr_t handle) {
  if (handle >= 0) close((int)handle);
}

void mm__plat_unlink(const char *path) { unlink(path); }

size_t mm__plat_granularity(void) {
  static size_t granularity = 0;
  if (granularity == 0) granularity = (size_t)sysconf(_SC_PAGESIZE);
  return granularity;
}

int mm__plat_map(intptr_t handle, uint64_t offset, size_t length,
                 mm_access access, void **addr, int *stores_private, int *os_errno) {
  int prot = PROT_READ, share = MAP_SHARED;
  void *p;

  switch (access) {
    case MM_ACCESS_READ_WRITE:
    case MM_ACCESS_WRITE:
      prot |= PROT_WRITE;
      break;
    case MM_ACCESS_READ_WRITE_EXECUTE:
      prot |= PROT_WRITE | PROT_EXEC;
      break;
    case MM_ACCESS_READ_EXECUTE:
      prot |= PROT_EXEC;
      break;
    case MM_ACCESS_READ:
    case MM_ACCESS_COPY_ON_WRITE:
      prot |= PROT_WRITE;
      share = MAP_PRIVATE | MAP_NORESERVE;
      break;
    default:
      return MM_EINVAL;
  }
  if (offset > (uint64_t)INT64_MAX) return MM_ERANGE;
  p = mmap(NULL, length, prot, share, (int)handle, (off_t)offset);
#if defined(__APPLE__)
  /*
   * macOS maps POSIX shared memory MAP_SHARED only (EINVAL otherwise): a read
   * view of a shared map is mapped shared and read-only there, so a stray
   * store into its bytes faults, and a copy-on-write view of one cannot be.
   */
  if (p == MAP_FAILED && errno == EINVAL && (share & MAP_PRIVATE)) {
    if (access == MM_ACCESS_COPY_ON_WRITE) return MM_EUNSUPPORTED;
    share = MAP_SHARED;
    p = mmap(NULL, length, PROT_READ, share, (int)handle, (off_t)offset);
  }
#endif
  if (p == MAP_FAILED) return mm__fail(os_errno);
  *addr = p;
  *stores_private = (share & MAP_PRIVATE) != 0;
  return 0;
}

size_t mm__plat_page_size(void) {
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? (size_t)page : 4096;
}

/*
 * madvise(2). 'dontNeed' is MADV_DONTNEED only on a shared mapping, where it
 * drops the page-table entries and the changes stay in the file's (or the
 * shared object's) page cache, dirty, to be written back. On a private
 * mapping (read, copyOnWrite) Linux's MADV_DONTNEED would throw the private
 * changes away, so there it is MADV_PAGEOUT (Linux 5.4: reclaim, swapping
 * private pages out; nothing is lost), and a no-op where that is missing.
 */
int mm__plat_advise(void *addr, size_t length, mm_access access, mm_advice advice, int *os_errno) {
  int shared = access != MM_ACCESS_READ && access != MM_ACCESS_COPY_ON_WRITE;
  int how;
  switch (advice) {
    case MM_ADVICE_NORMAL: how = MADV_NORMAL; break;
    case MM_ADVICE_SEQUENTIAL: how = MADV_SEQUENTIAL; break;
    case MM_ADVICE_RANDOM: how = MADV_RANDOM; break;
    case MM_ADVICE_WILL_NEED: how = MADV_WILLNEED; break;
    case MM_ADVICE_DONT_NEED:
      if (shared) {
        how = MADV_DONTNEED;
        break;
      }
#ifdef MADV_PAGEOUT
      if (madvise(addr, length, MADV_PAGEOUT) != 0 && errno != EINVAL) return mm__fail(os_errno);
#endif
      return 0;
    default: return MM_EINVAL;
  }
  if (madvise(addr, length, how) != 0) return mm__fail(os_errno);
  return 0;
}

/*
 * MADV_POPULATE_READ (Linux 5.14) faults the range in and reports a range
 * the file no longer backs as EFAULT instead of raising SIGBUS. Elsewhere:
 * MADV_WILLNEED starts the reads, and one load per page waits for them.
 */
int mm__plat_prefetch(void *addr, size_t length, int *os_errno) {
  size_t page = mm__plat_page_size(), at;
  volatile const uint8_t *bytes = (volatile const uint8_t *)addr;
  uint8_t sink = 0;
#ifdef MADV_POPULATE_READ
  if (madvise(addr, length, MADV_POPULATE_READ) == 0) return 0;
  if (errno != EINVAL) return mm__fail(os_errno);
#endif
  (void)madvise(addr, length, MADV_WILLNEED);
  for (at = 0; at < length; at += page) sink ^= bytes[at];
  (void)sink;
  return 0;
}

int mm__plat_sync(intptr_t handle, void *addr, size_t length, int *os_errno) {
  if (msync(addr, length, MS_SYNC) != 0) return mm__fail(os_errno);
#if defined(F_FULLFSYNC)
  /*
   * macOS: msync(MS_SYNC) and fsync(2) hand the data to the drive, which may
   * keep it in its cache; F_FULLFSYNC asks the drive to write it to its
   * medium (fcntl(2)). Shared memory is no file on a drive: the call fails
   * there (ENOTSUP, EINVAL or ENOTTY), which is no failure of the flush.
   */
  if (fcntl((int)handle, F_FULLFSYNC) != 0 && errno != ENOTSUP && errno != EINVAL && errno != ENOTTY)
    return mm__fail(os_errno);
#endif
  return 0;
}

void mm__plat_unmap(void *addr, size_t length) { munmap(addr, length); }

int mm__plat_remap_inert(void *addr, size_t length, int *os_errno) {
  /* MAP_FIXED replaces the old mapping in one step: no other thread can map
     something else at these addresses in between (mmap(2)). */
  void *p = mmap(addr, length, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return mm__fail(os_errno);
  return 0;
}

mm_pager_sink *mm__plat_sink(void) { return NULL; } /* all memory is addressable here */

int mm__plat_storage(intptr_t handle, mm_storage **out, int *os_errno) {
  *os_errno = 0;
  return mm_storage_open_fd((int)handle, 0, out);
}

int mm__plat_anonymous(uint64_t size, mm_access access, intptr_t *handle, int *os_errno) {
  int fd, rc;
  *os_errno = 0;
  *handle = -1;
#if defined(__linux__)
  fd = memfd_create("memmap", MFD_CLOEXEC);
  if (fd < 0) return mm__fail(os_errno);
#else
  {
    char name[32];
    int tries = 0;
    do {
      /* 31 bytes at most with the '/' (macOS), unlinked at once. */
      snprintf(name, sizeof name, "/mm-%ld-%lx", (long)getpid(),
               ((unsigned long)clock() ^ (unsigned long)rand()) & 0xffffffffUL);
      fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    } while (fd < 0 && errno == EEXIST && ++tries < 100);
    if (fd < 0) return mm__fail(os_errno);
    shm_unlink(name);
  }
#endif
  rc = mm__plat_resize(fd, size, os_errno);
  if (rc < 0) {
    close(fd);
    return rc;
  }
  *handle = fd;
  return 0;
}

int mm__plat_shm_room(int named, uint64_t *room, int *os_errno) {
  uint64_t fs_room;
  *os_errno = 0;
  *room = mm__memory_and_swap();
  if (named && mm__shm_fs_room(&fs_room) == 0 && fs_room < *room) *room = fs_room;
  return 0;
}
