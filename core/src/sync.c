/*
 * sync.c — the rules of waiting on a view's words (sync.h): which views may
 * wait and notify, where a word must lie, and the read view's wait window;
 * the waiting itself is the platform's (platform.h).
 */
#include "mm/sync.h"

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"

static int mm__access_waits(mm_access access) {
  return access == MM_ACCESS_READ || access == MM_ACCESS_READ_WRITE ||
         access == MM_ACCESS_READ_EXECUTE || access == MM_ACCESS_READ_WRITE_EXECUTE;
}

static int mm__access_notifies(mm_access access) {
  return access == MM_ACCESS_WRITE || access == MM_ACCESS_READ_WRITE ||
         access == MM_ACCESS_READ_WRITE_EXECUTE;
}

int mm_view_word(mm_view *view, uint64_t position, int for_notify, mm_word *out, int *os_errno) {
  uint64_t in_map;
  uint8_t *base;
  *os_errno = 0;
  if (view->closed) return MM_ECLOSED;
  if (position > view->size || view->size - position < 4) return MM_ERANGE;
  in_map = view->offset + position;
  if (in_map % 4 != 0) return MM_ERANGE;
  if (!(for_notify ? mm__access_notifies(view->access) : mm__access_waits(view->access)))
    return MM_EACCES;
  base = (uint8_t *)view->base;
  if (view->access == MM_ACCESS_READ) {
    /* A private mapping: wait through a shared read-only window of the same range (sync.h). */
    if (view->watch == NULL) {
      int rc = mm__plat_map_watch(view->map->handle, view->offset - view->pointer_offset,
                                  view->length, &view->watch, os_errno);
      if (rc < 0) return rc;
    }
    base = (uint8_t *)view->watch;
  }
  out->addr = (volatile int32_t *)(void *)(base + view->pointer_offset + position);
  out->object = view->map->handle;
  out->offset = in_map;
  return 0;
}

void mm_word_local(volatile int32_t *addr, mm_word *out) {
  out->addr = addr;
  out->object = -1;
  out->offset = 0;
}

int mm_word_wait(const mm_word *word, int32_t expected, int64_t timeout_ns, int *os_errno) {
  return mm__plat_wait(word, expected, timeout_ns < 0 ? MM_WAIT_FOREVER : timeout_ns, os_errno);
}

int mm_word_wake(const mm_word *word, int32_t count, int *os_errno) {
  *os_errno = 0;
  if (count < 0) return MM_EINVAL;
  return mm__plat_wake(word, count, os_errno);
}

int mm_word_wait_any_max(void) { return mm__plat_wait_any_max(); }

int mm_word_wait_any(const mm_word *words, const int32_t *expected, int n, int64_t timeout_ns,
                     int *os_errno) {
  int max = mm__plat_wait_any_max(); /* at most MM_WAIT_ANY_MAX */
  *os_errno = 0;
  if (max == 0) return MM_EUNSUPPORTED;
  if (n < 1 || n > max) return MM_EINVAL;
  return mm__plat_wait_any(words, expected, n, timeout_ns < 0 ? MM_WAIT_FOREVER : timeout_ns,
                           os_errno);
}

int mm_view_wait(mm_view *view, uint64_t position, int32_t expected, int64_t timeout_ns, int *os_errno) {
  mm_word word;
  int rc = mm_view_word(view, position, 0, &word, os_errno);
  return rc < 0 ? rc : mm_word_wait(&word, expected, timeout_ns, os_errno);
}

int mm_view_notify(mm_view *view, uint64_t position, int32_t count, int *os_errno) {
  mm_word word;
  int rc = mm_view_word(view, position, 1, &word, os_errno);
  return rc < 0 ? rc : mm_word_wake(&word, count, os_errno);
}

int mm_thread_self(uint32_t *id, uint32_t *token, int *os_errno) {
  return mm__plat_thread_self(id, token, os_errno);
}

int mm_thread_alive(uint32_t id, uint32_t token, int *os_errno) {
  *os_errno = 0;
  if (id == 0 || id > MM_THREAD_ID_MAX) return MM_EINVAL;
  return mm__plat_thread_alive(id, token, os_errno);
}
