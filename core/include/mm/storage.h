/*
 * storage.h — the byte store under the emulated pager: one function table.
 *
 * A storage is a random-access file-like object: the pager (pager.h) reads and
 * writes whole pages through it and never touches a file any other way. Each
 * kind of storage (a POSIX file descriptor here, node:fs or an OPFS access
 * handle behind JS imports in the WASM build, the fault-injecting wrapper of
 * storage_fault.h) is a struct whose first member is an `mm_storage`, so a
 * pointer to the concrete struct is a pointer to its `mm_storage`, in the
 * manner of SQLite's sqlite3_file / sqlite3_io_methods.
 *
 * All methods return an int: a negative MM_E* code (errors.h) on failure, and
 * otherwise the value their comment states. A storage is used by one thread at
 * a time; it needs no locking of its own.
 */
#ifndef MM_STORAGE_H
#define MM_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the method table described below. */
#define MM_STORAGE_VERSION 1

typedef struct mm_storage mm_storage;

typedef struct mm_storage_methods {
  /*
   * The version of this table, MM_STORAGE_VERSION or later. A later version
   * may only append slots, so a reader of version 1 can use any later table.
   */
  int version;

  /*
   * Required. Reads up to n bytes (n <= INT_MAX) at byte `offset` into buf and
   * returns the number of bytes read. The storage keeps reading until it has n
   * bytes or reaches its end, so a count below n means "the storage ends here"
   * (0 when offset is at or past the end); the caller treats the missing bytes
   * as zeros (the pager zero-fills them). On failure it returns a negative code
   * and the contents of buf are unspecified. The caller owns buf.
   */
  int (*read_at)(mm_storage *s, void *buf, size_t n, uint64_t offset);

  /*
   * Optional: NULL for a storage that cannot be written (a read-only file);
   * the pager then only opens read-only or private (copy-on-write) pagers on
   * it. Writes all n bytes (n <= INT_MAX) of buf at byte `offset`, growing the
   * storage when offset + n is past its end (any gap reads as zeros), and
   * returns 0. On failure it returns a negative code; some prefix of the bytes
   * may then have been written (a torn write), and the caller must write the
   * whole range again. The caller owns buf.
   */
  int (*write_at)(mm_storage *s, const void *buf, size_t n, uint64_t offset);

  /*
   * Required. Stores the current size in bytes in *out and returns 0, or
   * returns a negative code and leaves *out unchanged.
   */
  int (*size)(mm_storage *s, uint64_t *out);

  /*
   * Optional: NULL for a storage whose size cannot be set directly (it still
   * grows through write_at). Sets the size to `size` bytes, cutting off the
   * tail or appending zeros, and returns 0; or returns a negative code, with
   * the size unspecified between the old and the new one.
   */
  int (*truncate)(mm_storage *s, uint64_t size);

  /*
   * Optional: NULL for a storage with nothing to make durable (memory). Makes
   * every byte written so far durable (fsync) and returns 0. On failure it
   * returns a negative code, and bytes written since the last successful flush
   * may or may not be durable; the caller should write them again before the
   * next flush (the pager does).
   */
  int (*flush)(mm_storage *s);

  /*
   * Optional: NULL for a storage owned by someone else (nothing to release).
   * Releases everything the storage holds, including the struct itself, and
   * returns 0, or a negative code that reports a failure while releasing
   * (e.g. a deferred write error). In both cases the storage is gone and `s`
   * must not be used again. Close does not flush: whoever wants durability
   * calls flush first.
   */
  int (*close)(mm_storage *s);
} mm_storage_methods;

/* The header every concrete storage embeds as its first member. */
struct mm_storage {
  const mm_storage_methods *methods;
};

/*
 * POSIX file-descriptor storage (core/src/platform/posix_storage.c; native
 * builds only, the WASM build brings its storage in through JS imports).
 *
 * Wraps an open file descriptor: read_at/write_at are pread/pwrite retried on
 * EINTR and on partial transfers, size is fstat, truncate is ftruncate, flush
 * is fsync, close frees the storage and closes the descriptor if and only if
 * `own_fd` is nonzero (even when close fails, the descriptor is released).
 * Whether the storage can be written is decided by how the descriptor was
 * opened: writing through a read-only descriptor fails with MM_EBADF.
 *
 * Returns 0 and stores the storage in *out, or MM_EINVAL for a negative fd,
 * or MM_ENOMEM. On failure the caller still owns fd.
 */
int mm_storage_open_fd(int fd, int own_fd, mm_storage **out);

/*
 * The raw errno of the last failed system call of a storage made by
 * mm_storage_open_fd (0 if none failed yet, and 0 for any other storage), for messages and for JS errors
 * that carry the OS errno; the return codes of the methods carry the MM_E*
 * code.
 */
int mm_storage_fd_last_errno(const mm_storage *s);

#ifdef __cplusplus
}
#endif

#endif /* MM_STORAGE_H */
