/* map_internal.h — what view.c may know of a map beyond map.h. */
#ifndef MM_MAP_INTERNAL_H
#define MM_MAP_INTERNAL_H

#include <stdint.h>

#include "mm/map.h"

/* The platform file handle of an open map (-1 once closed). */
intptr_t mm__map_handle(const mm_map *map);

#endif /* MM_MAP_INTERNAL_H */
