/*
 * stub.c — platform.h for platforms without a port yet: every operation is
 * MM_EUNSUPPORTED, so the core still compiles and says clearly what is missing.
 */
#include "mm/errors.h"
#include "platform.h"

int mm__plat_open(const char *path, int flags, intptr_t *handle, int *created,
                  int *os_errno) {
  *handle = -1;
  *created = 0;
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_identity(intptr_t handle, char *buf, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_size(intptr_t handle, uint64_t *size, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_resize(intptr_t handle, uint64_t size, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_extend(intptr_t handle, uint64_t size, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

void mm__plat_close(intptr_t handle) {}

void mm__plat_unlink(const char *path) {}

mm_pager_sink *mm__plat_sink(void) { return NULL; } /* all memory is addressable here */

int mm__plat_storage(intptr_t handle, mm_storage **out, int *os_errno) {
  *out = NULL;
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}
