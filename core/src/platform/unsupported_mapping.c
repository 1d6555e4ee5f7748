/*
 * unsupported_mapping.c — the mapping slots of platform.h for builds that map
 * nothing: the WASM build (whose persisted maps are pages in a cache, paged.c)
 * and the stub platform. Mapping, syncing, advising and prefetching a mapping
 * are MM_EUNSUPPORTED; unmapping is a no-op, as nothing is ever mapped.
 *
 * The granularity and page size are 4096: the emulated backend's pager
 * chooses a page size per map (MM_PAGER_MIN_PAGE_SIZE and up), so the
 * smallest page is its granularity, as on most POSIX systems.
 */
#include "mm/errors.h"
#include "platform.h"

size_t mm__plat_granularity(void) { return 4096; }

size_t mm__plat_page_size(void) { return 4096; }

int mm__plat_map(intptr_t handle, uint64_t offset, size_t length,
                 mm_access access, void **addr, int *stores_private, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_sync(intptr_t handle, void *addr, size_t length, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_advise(void *addr, size_t length, mm_access access, mm_advice advice, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_prefetch(void *addr, size_t length, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

void mm__plat_unmap(void *addr, size_t length) {}

int mm__plat_remap_inert(void *addr, size_t length, int *os_errno) {
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}
