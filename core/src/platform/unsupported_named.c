/*
 * unsupported_named.c — the named-object and anonymous-memory slots of
 * platform.h for builds that have neither: the WASM build (whose
 * non-persisted maps are SharedArrayBuffers in TypeScript) and the stub
 * platform. Every operation is MM_EUNSUPPORTED.
 */
#include <string.h>

#include "mm/errors.h"
#include "platform.h"

int mm__plat_anonymous(uint64_t size, mm_access access, intptr_t *handle, int *os_errno) {
  *handle = -1;
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_shm_room(int named, uint64_t *room, int *os_errno) {
  *room = 0;
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_named_open(const char *name, int mode, uint64_t capacity, uint64_t room, mm_access access,
                        mm__named *out, int *created, int *os_errno) {
  memset(out, 0, sizeof *out);
  out->handle = out->claim = -1;
  *created = 0;
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_named_claim(const char *name, mm__named *out, int *os_errno) {
  memset(out, 0, sizeof *out);
  out->handle = out->claim = -1;
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_named_publish(const char *name, const char *path, intptr_t file, uint64_t capacity,
                           mm_access access, mm__named *named, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_named_size(const mm__named *named, uint64_t *size, int *os_errno) {
  *size = named->size;
  *os_errno = 0;
  return 0;
}

int mm__plat_named_grow(const char *name, mm__named *named, uint64_t capacity, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

void mm__plat_named_release(const char *name, mm__named *named) {}

int mm__plat_named_owner(const char *name, uint32_t *uid, uint32_t *mode, char *user, size_t user_size) {
  return MM_EUNSUPPORTED;
}
