/*
 * emulated.c — platform.h for the WASM build, where files live on the JS side.
 *
 *   core (map.c, paged.c, pager.c)
 *        |  mm__plat_open / size / resize / close / unlink, mm__plat_storage
 *        v
 *   this file: a file handle is an integer id chosen by JS
 *        |  imports from module "env" (mm_js_*), implemented by wasm/loader.ts
 *        v
 *   a FileHost in JS: node:fs in Node (wasm/node-files.ts), OPFS in a browser worker
 *
 * There is no mmap here: persisted maps are paged (paged.h) through a storage
 * made by mm__plat_storage over the same imports, and non-persisted maps are
 * SharedArrayBuffers handled in TypeScript. So mapping, msync, shared-memory
 * objects and named objects are MM_EUNSUPPORTED (unsupported_named.c).
 *
 * The JS side reports a failure as a negative MM_E* code (it builds the codes
 * from the table that wasm/exports.c exports, so no errno number is written
 * twice) and keeps the JS error itself, with the OS errno and the original
 * message, for the loader to rethrow once the call into WASM returns. That is
 * why *os_errno is always 0 here: emscripten's errno numbers (musl/WASI
 * numbering, ENOENT is 44) mean nothing to JS, and the real errno travels
 * with the JS error.
 *
 * 64-bit offsets and sizes cross as doubles (exact up to 2^53) rather than
 * i64, which would need BigInt on the JS side; anything larger is MM_EFBIG.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mm/errors.h"
#include "mm/storage.h"
#include "platform.h"

#define MM__JS_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* The largest offset or size a double holds exactly. */
#define MM__JS_MAX_OFFSET (UINT64_C(1) << 53)

/*
 * Opens `path` (path_len bytes of UTF-8, no NUL), read-write when `write`
 * else read-only, and with `create` creates it exclusively (MM_EEXIST when
 * it exists), as open(2) with O_CREAT|O_EXCL. Returns the new handle's id
 * (>= 0) or a negative MM_E* code. The rest of mm__plat_open's rules (what
 * to do when a file to create exists, and refusing what is not a regular
 * file) are applied here and in the loader, once for every FileHost.
 */
MM__JS_IMPORT(mm_js_open) int mm_js_open(const char *path, int path_len, int write, int create);
/* 0 when the handle is a regular file, else a negative code: MM_EISDIR for a directory, MM_ENODEV for anything else. */
MM__JS_IMPORT(mm_js_kind) int mm_js_kind(int id);
/*
 * Writes the file's identity (a key equal for two ids exactly when they are
 * the same file: device and inode on Node, the normalized path in OPFS) as
 * UTF-8 into buf (at most cap bytes, no NUL) and returns its length, or a
 * negative code.
 */
MM__JS_IMPORT(mm_js_identity) int mm_js_identity(int id, char *buf, int cap);
/* The file's size in bytes (>= 0), or a negative MM_E* code. */
MM__JS_IMPORT(mm_js_size) double mm_js_size(int id);
/* Sets the file's size (zeros appended when it grows). 0 or a negative code. */
MM__JS_IMPORT(mm_js_resize) int mm_js_resize(int id, double size);
/* Closes the handle; errors are ignored, as close(2)'s are in posix.c. */
MM__JS_IMPORT(mm_js_close) void mm_js_close(int id);
/* Removes the file (undoing a failed create); errors are ignored. */
MM__JS_IMPORT(mm_js_unlink) void mm_js_unlink(const char *path, int path_len);
/* Reads up to n bytes at `offset` into buf, short only at the end of the file.
 * Returns the count read or a negative code. */
MM__JS_IMPORT(mm_js_read) int mm_js_read(int id, void *buf, int n, double offset);
/* Writes all n bytes of buf at `offset`. Returns 0 or a negative code. */
MM__JS_IMPORT(mm_js_write) int mm_js_write(int id, const void *buf, int n, double offset);
/* Makes the file's written bytes durable (fsync). Returns 0 or a negative code. */
MM__JS_IMPORT(mm_js_sync) int mm_js_sync(int id);
/*
 * The destination of the current read into JS memory (mm__plat_sink): the
 * loader sets a JS array as the destination before the call into WASM.
 * mm_js_put copies n bytes from src (WASM memory) to it at byte `at`;
 * mm_js_fill reads n bytes of file `id` at `offset` straight into it at byte
 * `at` and returns the count read (short only at the file's end) or a
 * negative code.
 */
MM__JS_IMPORT(mm_js_put) void mm_js_put(double at, const void *src, int n);
MM__JS_IMPORT(mm_js_fill) int mm_js_fill(int id, double at, int n, double offset);

int mm__plat_open(const char *path, int flags, intptr_t *handle, int *created,
                  int *os_errno) {
  size_t len = strlen(path);
  int write = (flags & MM__OPEN_WRITE) != 0, id = -1, kind;

  *handle = -1;
  *created = 0;
  *os_errno = 0;
  if (len > INT_MAX) return MM_ENAMETOOLONG;
  if (flags & MM__OPEN_CREATE) {
    /* Create exclusively first, so that we know whether we made the file. */
    id = mm_js_open(path, (int)len, write, 1);
    if (id >= 0) {
      *created = 1;
    } else if (id != MM_EEXIST || (flags & MM__OPEN_EXCL)) {
      return id;
    }
  }
  if (id < 0) {
    id = mm_js_open(path, (int)len, write, 0);
    if (id < 0) return id;
  }
  kind = mm_js_kind(id);
  if (kind < 0) {
    mm_js_close(id);
    return kind;
  }
  *handle = id;
  return 0;
}

int mm__plat_identity(intptr_t handle, char *buf, int *os_errno) {
  int n = mm_js_identity((int)handle, buf, MM__IDENTITY_MAX - 1);
  *os_errno = 0;
  if (n < 0) return n;
  buf[n] = '\0';
  return 0;
}

int mm__plat_size(intptr_t handle, uint64_t *size, int *os_errno) {
  double d = mm_js_size((int)handle);
  *os_errno = 0;
  if (d < 0) return (int)d;
  *size = (uint64_t)d;
  return 0;
}

int mm__plat_resize(intptr_t handle, uint64_t size, int *os_errno) {
  *os_errno = 0;
  if (size > MM__JS_MAX_OFFSET) return MM_EFBIG;
  return mm_js_resize((int)handle, (double)size);
}

/* One thread uses a WASM instance's files, and OPFS access handles are exclusive: no lock is needed. */
int mm__plat_extend(intptr_t handle, uint64_t size, int *os_errno) {
  uint64_t now;
  int rc = mm__plat_size(handle, &now, os_errno);
  if (rc < 0 || now >= size) return rc;
  return mm__plat_resize(handle, size, os_errno);
}

void mm__plat_close(intptr_t handle) {
  if (handle >= 0) mm_js_close((int)handle);
}

void mm__plat_unlink(const char *path) {
  size_t len = strlen(path);
  if (len <= INT_MAX) mm_js_unlink(path, (int)len);
}

/* The storage over a JS file: the id is borrowed from the map that owns it. */
typedef struct mm__js_storage {
  mm_storage base; /* first member: a mm__js_storage* is a mm_storage* */
  int id;
} mm__js_storage;

static int mm__js_range_ok(uint64_t offset, size_t n) {
  return n <= (size_t)INT_MAX && offset <= MM__JS_MAX_OFFSET &&
         (uint64_t)n <= MM__JS_MAX_OFFSET - offset;
}

static int mm__js_read_at(mm_storage *s, void *buf, size_t n, uint64_t offset) {
  if (!mm__js_range_ok(offset, n)) return MM_EFBIG;
  return mm_js_read(((mm__js_storage *)s)->id, buf, (int)n, (double)offset);
}

static int mm__js_write_at(mm_storage *s, const void *buf, size_t n, uint64_t offset) {
  if (!mm__js_range_ok(offset, n)) return MM_EFBIG;
  return mm_js_write(((mm__js_storage *)s)->id, buf, (int)n, (double)offset);
}

static int mm__js_size(mm_storage *s, uint64_t *out) {
  int os_errno;
  return mm__plat_size(((mm__js_storage *)s)->id, out, &os_errno);
}

static int mm__js_truncate(mm_storage *s, uint64_t size) {
  int os_errno;
  return mm__plat_resize(((mm__js_storage *)s)->id, size, &os_errno);
}

static int mm__js_flush(mm_storage *s) { return mm_js_sync(((mm__js_storage *)s)->id); }

/* Frees the struct only: the handle belongs to the map and is closed with it. */
static int mm__js_close(mm_storage *s) {
  free(s);
  return 0;
}

static const mm_storage_methods mm__js_methods = {
    MM_STORAGE_VERSION, mm__js_read_at, mm__js_write_at, mm__js_size,
    mm__js_truncate,    mm__js_flush,   mm__js_close,
};

static void mm__js_put(mm_pager_sink *sink, uint64_t at, const uint8_t *src, size_t n) {
  mm_js_put((double)at, src, (int)n);
}

static int mm__js_fill(mm_pager_sink *sink, mm_storage *s, uint64_t at, size_t n, uint64_t offset) {
  if (s->methods != &mm__js_methods) return MM_EUNSUPPORTED; /* no JS file underneath */
  if (!mm__js_range_ok(offset, n) || at > MM__JS_MAX_OFFSET) return MM_EFBIG;
  return mm_js_fill(((mm__js_storage *)s)->id, (double)at, (int)n, (double)offset);
}

static mm_pager_sink mm__js_sink = {mm__js_put, mm__js_fill};

mm_pager_sink *mm__plat_sink(void) { return &mm__js_sink; }

int mm__plat_storage(intptr_t handle, mm_storage **out, int *os_errno) {
  mm__js_storage *js;
  *os_errno = 0;
  *out = NULL;
  if (handle < 0 || handle > INT_MAX) return MM_EINVAL;
  js = (mm__js_storage *)malloc(sizeof *js);
  if (js == NULL) return MM_ENOMEM;
  js->base.methods = &mm__js_methods;
  js->id = (int)handle;
  *out = &js->base;
  return 0;
}
