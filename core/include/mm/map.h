/*
 * map.h — a memory-mapped file: the object views are made from.
 *
 * A map is an open object plus a capacity: a file (persisted map), a named
 * shared-memory object, or an anonymous one. The map itself maps nothing: each
 * view maps its own range (view.h) and holds a reference on the map, so
 * closing a map ends no view already made from it, as in .NET; it only stops
 * new views. The object (file handle, shm object and its lock) is released
 * when the map is closed and its last view is closed.
 *
 *   mm_map_open_file()   \
 *   mm_map_open_shared()  +--> mm_map --> mm_view_open() --> mm_view (owns pages)
 *                                |
 *                          platform handle (platform/posix.c, win32.c)
 */
#ifndef MM_MAP_H
#define MM_MAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The tables below are the single source of the modes and accesses: they
 * generate the enums and mm_access_allows here, and, through
 * scripts/generate-core-data.mjs, the TypeScript API's lists (src/generated/).
 */

/*
 * How createFromFile treats the path (the .NET FileMode values that make
 * sense for a map). X(NAME, value, "API name"):
 *   OPEN            the file must exist (MM_ENOENT otherwise)
 *   CREATE          create, or replace an existing file (needs write access)
 *   CREATE_NEW      create; MM_EEXIST if the file exists
 *   OPEN_OR_CREATE  open if it exists, create otherwise
 */
#define MM_MODE_MAP(X)                  \
  X(OPEN, 0, "open")                    \
  X(CREATE, 1, "create")                \
  X(CREATE_NEW, 2, "createNew")         \
  X(OPEN_OR_CREATE, 3, "openOrCreate")

typedef enum mm_mode {
#define MM__MODE_ENUM(name, value, api) MM_MODE_##name = (value),
  MM_MODE_MAP(MM__MODE_ENUM)
#undef MM__MODE_ENUM
  MM_MODE__COUNT
} mm_mode;

/* The bit of an access in the "views" column of MM_ACCESS_MAP. */
#define MM_ACCESS_BIT(name) (1u << MM_ACCESS_##name)

/*
 * Access of a map or a view (the .NET MemoryMappedFileAccess values).
 * X(NAME, value, "API name", reads, writes, shares, views):
 *   reads, writes  whether a view with this access reads / writes its bytes
 *                  through the accessor and stream;
 *   shares         whether those writes reach the file or the shared memory
 *                  (copy-on-write writes stay private to the view);
 *   views          the view accesses a map with this access allows. A
 *                  read-only map still allows copy-on-write views: their
 *                  writes stay in private pages (as Win32's FILE_MAP_COPY
 *                  allows on a read-only section).
 */
#define MM_ACCESS_MAP(X)                                                                   \
  X(READ_WRITE, 0, "readWrite", 1, 1, 1,                                                   \
    MM_ACCESS_BIT(READ_WRITE) | MM_ACCESS_BIT(READ) | MM_ACCESS_BIT(WRITE) |               \
        MM_ACCESS_BIT(COPY_ON_WRITE))                                                      \
  X(READ, 1, "read", 1, 0, 0, MM_ACCESS_BIT(READ) | MM_ACCESS_BIT(COPY_ON_WRITE))          \
  X(WRITE, 2, "write", 0, 1, 1, MM_ACCESS_BIT(WRITE))                                      \
  X(COPY_ON_WRITE, 3, "copyOnWrite", 1, 1, 0,                                              \
    MM_ACCESS_BIT(READ) | MM_ACCESS_BIT(COPY_ON_WRITE))                                    \
  X(READ_EXECUTE, 4, "readExecute", 1, 0, 0,                                               \
    MM_ACCESS_BIT(READ) | MM_ACCESS_BIT(COPY_ON_WRITE) | MM_ACCESS_BIT(READ_EXECUTE))      \
  X(READ_WRITE_EXECUTE, 5, "readWriteExecute", 1, 1, 1,                                    \
    MM_ACCESS_BIT(READ_WRITE) | MM_ACCESS_BIT(READ) | MM_ACCESS_BIT(WRITE) |               \
        MM_ACCESS_BIT(COPY_ON_WRITE) | MM_ACCESS_BIT(READ_EXECUTE) |                       \
        MM_ACCESS_BIT(READ_WRITE_EXECUTE))

typedef enum mm_access {
#define MM__ACCESS_ENUM(name, value, api, reads, writes, shares, views) MM_ACCESS_##name = (value),
  MM_ACCESS_MAP(MM__ACCESS_ENUM)
#undef MM__ACCESS_ENUM
  MM_ACCESS__COUNT
} mm_access;

typedef struct mm_map mm_map;

/*
 * Opens or creates the file at `path` and returns a map of `capacity` bytes.
 *
 * Capacity rules (checked once the file is open, so that what is at the path
 * decides first, as in .NET, and before anything on disk changes):
 *   - capacity 0 means the file's current size; an empty file with capacity 0
 *     is MM_EINVAL, and so is MM_MODE_CREATE with 0 (it would empty the file;
 *     an existing file is left as it was);
 *   - a capacity below the file's size is MM_ERANGE;
 *   - a capacity above the file's size grows the file (sparse where the file
 *     system allows), which needs a writable access, else MM_EACCES;
 *   - MM_ACCESS_WRITE is MM_EINVAL for a file map (a mapping is always readable;
 *     ask for MM_ACCESS_READ_WRITE), as in .NET.
 * A file that this call created is removed again when the call fails, and a
 * file it did not create keeps its size and contents.
 *
 * Returns 0 and sets *out, or a negative MM_E* code; *os_errno receives the OS
 * errno of a failing system call (0 when the failure was not the OS's), and
 * mm_error_detail() says why a rule refused the call.
 */
int mm_map_open_file(const char *path, mm_mode mode, uint64_t capacity,
                     mm_access access, mm_map **out, int *os_errno);

/*
 * mm_map_open_file, and the map gets the name `name`, by which other
 * processes open the same file's map (mm_map_open_shared with
 * MM_SHARED_OPEN_EXISTING or MM_SHARED_CREATE_OR_OPEN): with the same
 * capacity, for as long as any holder (this map, its views, and every map
 * opened by the name, in any process) lives, crashes included. Names are one
 * namespace with non-persisted maps: a live name of either kind is MM_EEXIST,
 * decided once the path has decided (ENOENT, EEXIST, EISDIR, ...) and before
 * the file is changed in any way. On POSIX the name is a small registry
 * object in the shared-memory namespace that records the file's identity
 * (path, device, inode) and the capacity, with the lifetime protocol of
 * named shared maps (posix_named.c); an opener whose path now names another
 * file (the file was replaced) gets MM_ESTALE, never another file's map. On
 * Windows it is a named section object over the file (win32_named.c).
 */
int mm_map_open_file_named(const char *path, mm_mode mode, uint64_t capacity, mm_access access,
                           const char *name, mm_map **out, int *os_errno);

/*
 * How mm_map_open_shared treats the name. X(NAME, value, "API name"):
 *   CREATE_NEW      create; MM_EEXIST if a live map has the name
 *   CREATE_OR_OPEN  open a live map of that name, else create one
 *   OPEN_EXISTING   open a live map; MM_ENOENT if there is none
 */
#define MM_SHARED_MODE_MAP(X)            \
  X(CREATE_NEW, 0, "createNew")          \
  X(CREATE_OR_OPEN, 1, "createOrOpen")   \
  X(OPEN_EXISTING, 2, "openExisting")

typedef enum mm_shared_mode {
#define MM__SHARED_ENUM(name, value, api) MM_SHARED_##name = (value),
  MM_SHARED_MODE_MAP(MM__SHARED_ENUM)
#undef MM__SHARED_ENUM
  MM_SHARED__COUNT
} mm_shared_mode;

/*
 * Opens or creates a non-persisted map: the named shared-memory object `name`
 * (data at offset 0, no header, so any program can open it by name: the POSIX
 * object `/<name>`, the Windows section `Local\<name>`), or an anonymous
 * object when `name` is NULL (then `mode` must be CREATE_NEW). Opening a name
 * that stands for a persisted map (mm_map_open_file_named) maps that file.
 *
 * Trust: an existing object is joined only if it belongs to the caller's
 * effective user and grants no group or other permission; otherwise
 * MM_EACCES (mm_shared_owner tells whose it is).
 *
 * Lifetime: the data lives while any process holds the map (or a view of it)
 * and is gone after the last release, crashes included. Windows keeps named
 * sections so itself. On POSIX memmap marks the objects it creates, every
 * holder keeps a shared flock on the object, and the last one to release it
 * (the one that can take the lock exclusively) unlinks the name; an object
 * whose name exists but has no holder was left by holders that crashed:
 * openers treat it as stale, unlink it, and answer MM_ENOENT (open) or create
 * it afresh (create). An object another program created is joined as it is:
 * mapped with its size, and never resized, truncated or removed;
 * MM_SHARED_CREATE_NEW on its name is MM_EEXIST.
 *
 * capacity: bytes of a new object (MM_EINVAL when 0 for a create); when an
 * existing map is opened, 0 means its size and a larger capacity is MM_ERANGE.
 * Windows keeps the size of a shared-memory section in whole pages, so there
 * an existing map's size is its capacity rounded up to a page (as in .NET).
 * Creating takes time independent of the capacity (memory is committed on
 * first touch; Windows charges it against the commit limit at once); a
 * capacity the system can never back is MM_ENOMEM (anonymous: above RAM plus
 * swap) or MM_ENOSPC (named: also above the free space of the shared-memory
 * file system), at once and with nothing allocated.
 * Returns 0 and sets *out, or a negative MM_E* code.
 */
int mm_map_open_shared(const char *name, mm_shared_mode mode, uint64_t capacity,
                       mm_access access, mm_map **out, int *os_errno);

/* Whose a named shared-memory object is (see mm_shared_owner). */
typedef struct mm_shared_owner_info {
  uint32_t uid;   /* the owner's user id */
  uint32_t mode;  /* permission bits, e.g. 0600 */
  char user[64];  /* the owner's user name, "" when unknown */
} mm_shared_owner_info;

/*
 * Tells whose the named shared-memory object `name` is, for telling a caller
 * (e.g. after MM_EACCES) whether another user planted it. MM_EUNSUPPORTED
 * where the platform cannot tell without opening it, MM_ENOENT when there is
 * none.
 */
int mm_shared_owner(const char *name, mm_shared_owner_info *out);

/*
 * The map's capacity in bytes (valid until mm_map_free). A named map's
 * capacity follows its name: once another holder (in any process) has grown
 * it, the next call returns the new size.
 */
uint64_t mm_map_capacity(mm_map *map);

/*
 * Grows the map to `capacity` bytes, and its file or shared-memory object
 * with it: views made before keep their mapping and bytes, new views may
 * reach the new range. The same capacity is a no-op. Errors: MM_ECLOSED (map
 * closed), MM_ERANGE (below the capacity), MM_EACCES (a map whose writes do
 * not reach the object: read, copy-on-write, execute-read; or another
 * program's shared-memory object), MM_ENOSPC / MM_ENOMEM (shared memory
 * beyond what the system can back), MM_EFBIG / MM_ENOSPC (the file system),
 * MM_EUNSUPPORTED where the platform fixes the size (Windows sections: named
 * maps and anonymous ones; macOS shared memory); mm_error_detail() says why.
 * The file or object is only ever made longer, under a lock, so holders
 * growing it at once never cut each other. Other holders of a named map see
 * the new capacity on their next mm_map_capacity.
 */
int mm_map_grow(mm_map *map, uint64_t capacity, int *os_errno);

/* The access the map was opened with. */
mm_access mm_map_access(const mm_map *map);

/* Non-zero once mm_map_close has run. */
int mm_map_is_closed(const mm_map *map);

/*
 * Closes the map: no new views. Views made earlier stay valid, and the object
 * is released when the last of them closes. Closing twice is harmless.
 */
int mm_map_close(mm_map *map);

/* Closes (if needed) and drops the caller's reference; the memory is freed once no view refers to it. */
void mm_map_free(mm_map *map);

/* Non-zero when a view with `view_access` may be made from a map opened with `map_access`. */
int mm_access_allows(mm_access map_access, mm_access view_access);

/* Non-zero when a view with `access` reads / writes its bytes (the reads and writes columns). */
int mm_access_reads(mm_access access);
int mm_access_writes(mm_access access);

/* Non-zero when writes through `access` reach the file or shared memory (the shares column). */
int mm_access_shares(mm_access access);

/* The allocation granularity: view offsets are rounded down to a multiple of it. */
size_t mm_allocation_granularity(void);

#ifdef __cplusplus
}
#endif

#endif /* MM_MAP_H */
