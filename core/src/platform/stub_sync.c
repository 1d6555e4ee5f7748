/*
 * stub_sync.c — platform.h's waits and thread identity where the platform has
 * none: the stub platform, and the wasm build, whose waits are Atomics on
 * SharedArrayBuffers in TypeScript (src/) rather than calls into the core.
 * Every operation is MM_EUNSUPPORTED.
 */
#include "mm/errors.h"
#include "platform.h"

int mm__plat_map_watch(intptr_t handle, uint64_t offset, size_t length, void **addr, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_wait(const mm_word *word, int32_t expected, int64_t timeout_ns, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_wake(const mm_word *word, int32_t count, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_wait_any(const mm_word *words, const int32_t *expected, int n, int64_t timeout_ns,
                      int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_wait_any_max(void) { return 0; }

int mm__plat_thread_self(uint32_t *id, uint32_t *token, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_thread_alive(uint32_t id, uint32_t token, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}
