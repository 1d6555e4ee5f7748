/*
 * exports.c — the C API the WASM module exports to JS (wasm/loader.ts).
 *
 * Thin wrappers over errors.h, paged.h and pager.h, shaped for a JS caller
 * that has no BigInt and no emscripten glue:
 *   - 64-bit offsets, sizes and page numbers cross as doubles (exact up to
 *     2^53; anything else is MM_EINVAL, or MM_ERANGE past 2^53);
 *   - pointers cross as i32 (JS reads them with `>>> 0`; memory may reach
 *     4 GiB), so functions that make an object store it through an out-pointer
 *     into scratch memory and return 0 or a negative MM_E* code;
 *   - every failure is a negative MM_E* code; JS names it with the error
 *     table below, so no errno number is written down anywhere in JS
 *     (emscripten's errno numbers differ from Linux's).
 *
 * malloc and free are exported too (by the build's EXPORTED_FUNCTIONS), for
 * path strings and copy buffers.
 */
#include <emscripten.h>
#include <stdlib.h>
#include <string.h>

#include "mm/errors.h"
#include "mm/paged.h"
#include "mm/pager.h"

#define MM__MAX_SAFE 9007199254740992.0 /* 2^53 */

/* Errors: the MM_ERRNO_MAP list, by index, then name and message by code. */

static const int mm__codes[] = {
#define MM__ERR_CODE(name, value, msg) (value),
    MM_ERRNO_MAP(MM__ERR_CODE)
#undef MM__ERR_CODE
};

/* The number of codes in the list. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_error_count(void) {
  return (int)(sizeof mm__codes / sizeof mm__codes[0]);
}

/* The code at index i of the list (0 for an index out of range). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_error_code(int i) {
  return i >= 0 && i < mm_wasm_error_count() ? mm__codes[i] : 0;
}

/* The stable name of a code, NUL-terminated ("EUNKNOWN" for an unknown code). */
EMSCRIPTEN_KEEPALIVE const char *mm_wasm_error_name(int code) { return mm_err_name(code); }

/* The message of a code, NUL-terminated. */
EMSCRIPTEN_KEEPALIVE const char *mm_wasm_error_message(int code) { return mm_strerror(code); }

/* Why the last failed open failed (mm_error_detail), NUL-terminated; "" when it has nothing to add. */
EMSCRIPTEN_KEEPALIVE const char *mm_wasm_error_detail(void) { return mm_error_detail(); }

/* A double that must hold a non-negative integer up to 2^53, as uint64_t. */
static int mm__u64(double d, uint64_t *out) {
  if (!(d >= 0)) return MM_EINVAL;
  if (d > MM__MAX_SAFE) return MM_ERANGE;
  if (d != (double)(uint64_t)d) return MM_EINVAL;
  *out = (uint64_t)d;
  return 0;
}

/* Paged maps (paged.h). */

/*
 * Opens the file at `path` (path_len bytes of UTF-8, copied, must not contain
 * a NUL) as mm_paged_open_file does, with mode and access as the mm_mode and
 * mm_access values, capacity 0 for the file's size, and page_size /
 * frame_count 0 for the pager's defaults. Stores the map in *out.
 */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_open(const char *path, int path_len, int mode,
                                            double capacity, int access, int page_size,
                                            int frame_count, mm_paged_map **out) {
  uint64_t cap;
  int os_errno, rc = mm__u64(capacity, &cap);
  char *copy;
  *out = NULL;
  if (rc < 0) return rc;
  if (path_len < 0 || page_size < 0 || frame_count < 0) return MM_EINVAL;
  if (memchr(path, '\0', (size_t)path_len) != NULL) return MM_EINVAL;
  copy = (char *)malloc((size_t)path_len + 1);
  if (copy == NULL) return MM_ENOMEM;
  memcpy(copy, path, (size_t)path_len);
  copy[path_len] = '\0';
  rc = mm_paged_open_file(copy, (mm_mode)mode, cap, (mm_access)access, (uint32_t)page_size,
                          (uint32_t)frame_count, out, &os_errno);
  free(copy);
  return rc;
}

/* The map's capacity in bytes. */
/* The FileHost id of the map's file. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_file(const mm_paged_map *pm) { return (int)mm_paged_handle(pm); }

EMSCRIPTEN_KEEPALIVE double mm_wasm_paged_capacity(const mm_paged_map *pm) {
  return (double)mm_paged_capacity(pm);
}

/* Opens a view with `access` (mm_access) and stores the pager it goes through in *out. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_view_open(mm_paged_map *pm, int access, mm_pager **out) {
  *out = NULL;
  return mm_paged_view_open(pm, (mm_access)access, out);
}

/* Closes a view: pass the pager mm_wasm_paged_view_open stored. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_view_close(mm_paged_map *pm, mm_pager *pager) {
  return mm_paged_view_close(pm, pager);
}

/* Writes back the map's shared pager and flushes the file. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_flush(mm_paged_map *pm) { return mm_paged_flush(pm); }

/* Closes the map (see mm_paged_close). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_close(mm_paged_map *pm) { return mm_paged_close(pm); }

/* Closes if needed and drops the owner's reference; pm must not be used again. */
EMSCRIPTEN_KEEPALIVE void mm_wasm_paged_free(mm_paged_map *pm) { mm_paged_free(pm); }

/* Pagers (pager.h): the pager of a view. */

/* Pins page `page` (see mm_pager_pin; `writable` is a pin kind, MM_PIN_*);
 * returns the frame index or a negative code. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_pager_pin(mm_pager *p, double page, int writable) {
  uint64_t page_no;
  int rc = mm__u64(page, &page_no);
  if (rc < 0) return rc;
  return mm_pager_pin(p, page_no, writable, NULL);
}

/* Ends one pin of `frame`, made with the same `writable`. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_pager_unpin(mm_pager *p, int frame, int writable) {
  return mm_pager_unpin(p, frame, writable);
}

/* Copies n bytes at `offset` of the map into buf. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_pager_read(mm_pager *p, double offset, void *buf, int n) {
  uint64_t off;
  int rc = mm__u64(offset, &off);
  if (rc < 0) return rc;
  if (n < 0) return MM_EINVAL;
  return mm_pager_read(p, off, buf, (size_t)n);
}

/* Copies n bytes from buf to `offset` of the map. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_pager_write(mm_pager *p, double offset, const void *buf, int n) {
  uint64_t off;
  int rc = mm__u64(offset, &off);
  if (rc < 0) return rc;
  if (n < 0) return MM_EINVAL;
  return mm_pager_write(p, off, buf, (size_t)n);
}

/* Writes back the dirty pages meeting [offset, offset + n) and flushes the file. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_pager_flush_range(mm_pager *p, double offset, double n) {
  uint64_t off, len;
  int rc = mm__u64(offset, &off);
  if (rc == 0) rc = mm__u64(n, &len);
  if (rc < 0) return rc;
  return mm_pager_flush_range(p, off, len);
}

/* The address of frame 0; frame i is at base + i * page size, fixed for the pager's life. */
EMSCRIPTEN_KEEPALIVE uint8_t *mm_wasm_pager_frame_base(const mm_pager *p) {
  return mm_pager_frame_base(p);
}

EMSCRIPTEN_KEEPALIVE int mm_wasm_pager_page_size(const mm_pager *p) {
  return (int)mm_pager_page_size(p);
}

/* 1 when the page (a double up to 2^53) is in the cache, else 0. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_pager_is_resident(const mm_pager *p, double page) {
  uint64_t n;
  return mm__u64(page, &n) == 0 && mm_pager_is_resident(p, n);
}

EMSCRIPTEN_KEEPALIVE int mm_wasm_pager_frame_count(const mm_pager *p) {
  return (int)mm_pager_frame_count(p);
}

/*
 * Writes the pager's counters as 9 doubles, in the order of mm_pager_stats:
 * hits, misses, evictions, storage_reads, storage_writes, storage_flushes,
 * resident, dirty, pinned.
 */
EMSCRIPTEN_KEEPALIVE void mm_wasm_pager_stats(const mm_pager *p, double *out) {
  mm_pager_stats s;
  mm_pager_get_stats(p, &s);
  out[0] = (double)s.hits;
  out[1] = (double)s.misses;
  out[2] = (double)s.evictions;
  out[3] = (double)s.storage_reads;
  out[4] = (double)s.storage_writes;
  out[5] = (double)s.storage_flushes;
  out[6] = (double)s.resident;
  out[7] = (double)s.dirty;
  out[8] = (double)s.pinned;
}
