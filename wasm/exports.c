/*
 * exports.c — the C API the WASM module exports to JS (wasm/loader.ts).
 *
 * Thin wrappers over errors.h and paged.h, shaped for a JS caller that has
 * no BigInt and no emscripten glue:
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
#include "platform.h"

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
                                            double capacity, int access, double page_size,
                                            double frame_count, mm_paged_map **out) {
  uint64_t cap, ps, frames;
  int os_errno, rc = mm__u64(capacity, &cap);
  char *copy;
  *out = NULL;
  if (rc == 0) rc = mm__u64(page_size, &ps);
  if (rc == 0) rc = mm__u64(frame_count, &frames);
  if (rc < 0) return rc;
  if (ps > MM_PAGER_MAX_PAGE_SIZE || frames > MM_PAGER_MAX_FRAMES) return MM_ERANGE;
  if (path_len < 0 || (unsigned)mode >= MM_MODE__COUNT || (unsigned)access >= MM_ACCESS__COUNT)
    return MM_EINVAL;
  if (memchr(path, '\0', (size_t)path_len) != NULL) return MM_EINVAL;
  copy = (char *)malloc((size_t)path_len + 1);
  if (copy == NULL) return MM_ENOMEM;
  memcpy(copy, path, (size_t)path_len);
  copy[path_len] = '\0';
  rc = mm_paged_open_file(copy, (mm_mode)mode, cap, (mm_access)access, (uint32_t)ps,
                          (uint32_t)frames, out, &os_errno);
  free(copy);
  return rc;
}

/* The map's capacity in bytes. */
EMSCRIPTEN_KEEPALIVE double mm_wasm_paged_capacity(const mm_paged_map *pm) {
  return (double)mm_paged_capacity(pm);
}

/* The page size and frames of the map's cache. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_page_size(const mm_paged_map *pm) {
  return (int)mm_paged_page_size(pm);
}

EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_frame_count(const mm_paged_map *pm) {
  return (int)mm_paged_frame_count(pm);
}

/* The id of the map's file cache (0 once the map is released); see mm_paged_file_id. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_file_id(const mm_paged_map *pm) {
  return (int)mm_paged_file_id(pm);
}

/* 1 while the file cache `id` is open. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_file_is_open(int id) {
  return id > 0 && mm_paged_file_is_open((uint32_t)id);
}

/*
 * Writes the counters of the map's file cache as 9 doubles, in the order of
 * mm_pager_stats: hits, misses, evictions, storage_reads, storage_writes,
 * storage_flushes, resident, dirty, pinned.
 */
EMSCRIPTEN_KEEPALIVE void mm_wasm_paged_stats(const mm_paged_map *pm, double *out) {
  mm_pager_stats s;
  mm_paged_stats(pm, &s);
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

/* Lends out in the process: while any is, opening a map or a view is MM_EBUSY. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_lent(void) { return (int)mm_paged_lent(); }

/* Closes the map (see mm_paged_close). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_close(mm_paged_map *pm) { return mm_paged_close(pm); }

/* Closes if needed and ends the owner's use; pm must not be passed again. */
EMSCRIPTEN_KEEPALIVE void mm_wasm_paged_free(mm_paged_map *pm) { mm_paged_free(pm); }

/* Views (paged.h). */

/* Opens a view of [offset, offset + size) with `access` (mm_access) and stores it in *out. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_open(mm_paged_map *pm, double offset, double size,
                                           int access, mm_paged_view **out) {
  uint64_t off, len;
  int rc = mm__u64(offset, &off);
  *out = NULL;
  if (rc == 0) rc = mm__u64(size, &len);
  if (rc < 0) return rc;
  return mm_paged_view_open(pm, off, len, (mm_access)access, out);
}

/* The view's resolved range and pointer offset. */
EMSCRIPTEN_KEEPALIVE double mm_wasm_view_offset(const mm_paged_view *v) {
  return (double)mm_paged_view_offset(v);
}

EMSCRIPTEN_KEEPALIVE double mm_wasm_view_size(const mm_paged_view *v) {
  return (double)mm_paged_view_size(v);
}

EMSCRIPTEN_KEEPALIVE double mm_wasm_view_pointer_offset(const mm_paged_view *v) {
  return (double)mm_paged_view_pointer_offset(v);
}

/*
 * Holds page `page` (see mm_paged_view_hold; `kind` is MM_PIN_*): stores the
 * frame's address in *frame and the dropped page (or MM_PAGED_DROPPED_*) as
 * a double in *dropped; returns MM_PAGED_HOLD_SHARED / _PRIVATE or a code.
 */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_hold(mm_paged_view *v, double page, int kind,
                                           uint8_t **frame, double *dropped) {
  uint64_t n;
  int64_t gone = MM_PAGED_DROPPED_NONE;
  int rc = mm__u64(page, &n);
  if (rc == 0) rc = mm_paged_view_hold(v, n, kind, frame, &gone);
  *dropped = (double)gone;
  return rc;
}

/* Lends page `page` (see mm_paged_view_lend); out-parameters as mm_wasm_view_hold. */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_lend(mm_paged_view *v, double page, int writable,
                                           uint8_t **frame, double *dropped) {
  uint64_t n;
  int64_t gone = MM_PAGED_DROPPED_NONE;
  int rc = mm__u64(page, &n);
  if (rc == 0) rc = mm_paged_view_lend(v, n, writable, frame, &gone);
  *dropped = (double)gone;
  return rc;
}

/* Returns a lend (the frame address and `writable` of mm_wasm_view_lend). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_unlend(mm_paged_view *v, const uint8_t *frame,
                                             int writable) {
  return mm_paged_view_unlend(v, frame, writable);
}

/*
 * Copies n bytes at `pos` of the view into the JS array the loader set as
 * the destination, from its byte `at` (mm_paged_view_read_sink).
 */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_read(mm_paged_view *v, double pos, double n, double at) {
  uint64_t p, len, to;
  int rc = mm__u64(pos, &p);
  if (rc == 0) rc = mm__u64(n, &len);
  if (rc == 0) rc = mm__u64(at, &to);
  if (rc < 0) return rc;
  if (len > SIZE_MAX) return MM_ERANGE;
  return mm_paged_view_read_sink(v, p, (size_t)len, mm__plat_sink(), to);
}

/* Copies n bytes at `src` (WASM memory) to `pos` of the view (mm_paged_view_write). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_write(mm_paged_view *v, double pos, double n, const uint8_t *src) {
  uint64_t p, len;
  int rc = mm__u64(pos, &p);
  if (rc == 0) rc = mm__u64(n, &len);
  if (rc < 0) return rc;
  if (len > SIZE_MAX) return MM_ERANGE;
  return mm_paged_view_write(v, p, src, (size_t)len);
}

/*
 * Advice (mm_advice) for [pos, pos + n) of the view (mm_paged_view_advise);
 * stores the dropped page (or MM_PAGED_DROPPED_*) as a double in *dropped.
 */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_advise(mm_paged_view *v, int advice, double pos, double n,
                                             double *dropped) {
  uint64_t p, len;
  int64_t gone = MM_PAGED_DROPPED_NONE;
  int rc = mm__u64(pos, &p);
  if (rc == 0) rc = mm__u64(n, &len);
  if (rc == 0) rc = mm_paged_view_advise(v, (mm_advice)advice, p, len, &gone);
  *dropped = (double)gone;
  return rc;
}

/* The bytes of [pos, pos + n) a prefetch makes resident (mm_paged_view_prefetch_span). */
EMSCRIPTEN_KEEPALIVE double mm_wasm_view_prefetch_span(const mm_paged_view *v, double pos, double n) {
  uint64_t p, len;
  if (mm__u64(pos, &p) < 0 || mm__u64(n, &len) < 0) return 0;
  return (double)mm_paged_view_prefetch_span(v, p, len);
}

/* Loads page `page` into the file's cache (mm_paged_view_load). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_load(mm_paged_view *v, double page) {
  uint64_t n;
  int rc = mm__u64(page, &n);
  return rc < 0 ? rc : mm_paged_view_load(v, n);
}

/* Flushes (see mm_paged_view_flush). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_flush(mm_paged_view *v) { return mm_paged_view_flush(v); }

/* Flushes [offset, offset + length) of the view (see mm_paged_view_flush_range). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_flush_range(mm_paged_view *v, double offset, double length) {
  uint64_t off, len;
  int rc = mm__u64(offset, &off);
  if (rc == 0) rc = mm__u64(length, &len);
  if (rc < 0) return rc;
  return mm_paged_view_flush_range(v, off, len);
}

/*
 * One slice of a flush (see mm_paged_view_write_back): the page to continue
 * from, or a negative code.
 */
EMSCRIPTEN_KEEPALIVE double mm_wasm_view_write_back(mm_paged_view *v, double offset, double length,
                                                    double from_page, int max_pages) {
  uint64_t off, len, from;
  int rc = mm__u64(offset, &off);
  if (rc == 0) rc = mm__u64(length, &len);
  if (rc == 0) rc = mm__u64(from_page, &from);
  if (rc == 0 && max_pages <= 0) rc = MM_EINVAL;
  if (rc < 0) return rc;
  return (double)mm_paged_view_write_back(v, off, len, from, (uint32_t)max_pages);
}

/* The host's id of the view's file, or -1 (see mm_paged_view_file_handle). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_file(mm_paged_view *v) { return (int)mm_paged_view_file_handle(v); }

/* Grows the map (see mm_paged_grow). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_paged_grow(mm_paged_map *pm, double capacity) {
  uint64_t cap;
  int os_errno, rc = mm__u64(capacity, &cap);
  if (rc < 0) return rc;
  return mm_paged_grow(pm, cap, &os_errno);
}

/* Closes the view (see mm_paged_view_close). */
EMSCRIPTEN_KEEPALIVE int mm_wasm_view_close(mm_paged_view *v) { return mm_paged_view_close(v); }

/* Closes if needed and ends the owner's use; v must not be passed again but to unlend its lends. */
EMSCRIPTEN_KEEPALIVE void mm_wasm_view_free(mm_paged_view *v) { mm_paged_view_free(v); }
