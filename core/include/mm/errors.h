/*
 * errors.h — the one list of error codes of the memmap core.
 *
 * Every function of the core that can fail returns an int: 0 (or a count) on
 * success, a negative MM_E* code on failure. Codes that correspond to a POSIX
 * errno are that errno negated (as in libuv), so `-errno` from a system call can
 * be returned as it is when it is one of the listed codes; codes that have no
 * errno live in the -4000 range. The raw OS errno, when there is one, is kept
 * by the caller (see the `os_errno` out-parameters), not folded into the code.
 *
 * MM_ERRNO_MAP is the single source: it generates the enum, mm_strerror() and
 * mm_err_name(), and the Node addon and the WASM loader build their JS error
 * codes from mm_err_name(), so the same failure has the same name everywhere.
 */
#ifndef MM_ERRORS_H
#define MM_ERRORS_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message) */
#define MM_ERRNO_MAP(X)                                                          \
  X(EPERM, -EPERM, "operation not permitted")                                    \
  X(ENOENT, -ENOENT, "no such file or directory")                                \
  X(EIO, -EIO, "input/output error")                                             \
  X(EBADF, -EBADF, "bad file descriptor")                                        \
  X(ENOMEM, -ENOMEM, "not enough memory")                                        \
  X(EACCES, -EACCES, "permission denied")                                        \
  X(EFAULT, -EFAULT, "bad address")                                              \
  X(EBUSY, -EBUSY, "resource busy")                                              \
  X(EEXIST, -EEXIST, "already exists")                                           \
  X(ENOTDIR, -ENOTDIR, "not a directory")                                        \
  X(EISDIR, -EISDIR, "is a directory")                                           \
  X(EINVAL, -EINVAL, "invalid argument")                                         \
  X(ENFILE, -ENFILE, "too many open files in system")                            \
  X(EMFILE, -EMFILE, "too many open files")                                      \
  X(EFBIG, -EFBIG, "file too large")                                             \
  X(ENOSPC, -ENOSPC, "no space left")                                            \
  X(EROFS, -EROFS, "read-only file system")                                      \
  X(ERANGE, -ERANGE, "out of range")                                             \
  X(ENAMETOOLONG, -ENAMETOOLONG, "name too long")                                \
  X(ENODEV, -ENODEV, "no such device (the file system cannot be mapped)")       \
  X(ELOOP, -ELOOP, "too many levels of symbolic links")                          \
  X(EAGAIN, -EAGAIN, "resource temporarily unavailable")                         \
  X(ETIMEDOUT, -ETIMEDOUT, "timed out")                                          \
  X(EDEADLK, -EDEADLK, "the caller already holds the lock")                      \
  X(EPIPE, -EPIPE, "the other end is closed")                                    \
  X(ECONNRESET, -ECONNRESET, "the other end died")                               \
  X(ECLOSED, -4001, "the object is closed")                                      \
  X(EUNSUPPORTED, -4002, "not supported by this backend or platform")           \
  X(EUNKNOWN, -4003, "unknown error")                                            \
  X(ESTALE, -4004, "the name stands for a file that has since been replaced")

typedef enum mm_err {
  MM_OK = 0,
#define MM__ERR_ENUM(name, value, msg) MM_##name = (value),
  MM_ERRNO_MAP(MM__ERR_ENUM)
#undef MM__ERR_ENUM
} mm_err;

/* The message of a code ("unknown error" for a code not in the list). */
const char *mm_strerror(int code);

/* The stable name of a code, e.g. "ENOENT" ("EUNKNOWN" for a code not in the list). */
const char *mm_err_name(int code);

/*
 * The core code for an OS errno: -errno when that errno is in the list,
 * MM_EIO for any other errno (the raw errno is still reported separately).
 */
int mm_err_from_errno(int os_errno);

/*
 * Why the last failed open on this thread failed, as the core decided it,
 * with the facts it decided on: e.g. "capacity 10 is below the file's size
 * 4096". "" when that failure has no more to say than its code. Set by
 * mm_map_open_file, mm_map_open_shared and mm_paged_open_file, which clear it
 * when they start; valid until the thread's next such call. Boundaries put it
 * in their error messages in place of mm_strerror(), adding their own context
 * (which path, which name), so that the reason is written once, here.
 */
const char *mm_error_detail(void);

#ifdef __cplusplus
}
#endif

#endif /* MM_ERRORS_H */
