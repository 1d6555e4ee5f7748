/*
 * platform.h — what the core needs from an operating system, implemented once
 * per platform in src/platform/ (posix*.c, win32*.c, emulated.c for WASM;
 * stub.c elsewhere) and chosen by CMake.
 *
 * Every function returns 0 or a negative MM_E* code and stores the raw OS
 * errno in *os_errno when a system call failed (GetLastError() on Windows). A
 * handle is an intptr_t that only its platform interprets (a file descriptor
 * on POSIX, a pointer to the platform's own record on Windows); -1 is none.
 */
#ifndef MM_PLATFORM_H
#define MM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "mm/map.h"
#include "mm/storage.h"

/* Flags of mm__plat_open. */
enum {
  MM__OPEN_WRITE = 1,  /* open for reading and writing (else read only) */
  MM__OPEN_CREATE = 2, /* create the file when it does not exist */
  MM__OPEN_EXCL = 4,   /* with CREATE: fail with MM_EEXIST when it exists */
  MM__OPEN_TRUNC = 8   /* truncate an existing file to 0 bytes */
};

/*
 * Opens `path`. *created is set to 1 when this call created the file. A
 * directory is MM_EISDIR whatever the flags.
 */
int mm__plat_open(const char *path, int flags, intptr_t *handle, int *created,
                  int *os_errno);

/* The current size of the open file. */
int mm__plat_size(intptr_t handle, uint64_t *size, int *os_errno);

/* Sets the file's size (grows with zeros). */
int mm__plat_resize(intptr_t handle, uint64_t size, int *os_errno);

/* Closes the handle. */
void mm__plat_close(intptr_t handle);

/* Removes the file at `path` (used to undo a create that failed). */
void mm__plat_unlink(const char *path);

/* The allocation granularity (the page size on POSIX). */
size_t mm__plat_granularity(void);

/*
 * Maps `length` bytes of the file from `offset` (a multiple of the
 * granularity) with the protection and sharing that `access` implies.
 */
int mm__plat_map(intptr_t handle, uint64_t offset, size_t length,
                 mm_access access, void **addr, int *os_errno);

/*
 * Writes the modified pages of [addr, addr + length), a view of `handle`, to
 * the file and waits until the storage device has them (durable flush: msync
 * on Linux; msync and F_FULLFSYNC on macOS, where msync alone leaves the data
 * in the drive's cache; FlushViewOfFile and FlushFileBuffers on Windows).
 */
int mm__plat_sync(intptr_t handle, void *addr, size_t length, int *os_errno);

/* Unmaps [addr, addr + length). */
void mm__plat_unmap(void *addr, size_t length);

/*
 * Replaces the mapping [addr, addr + length) in place, atomically, by private
 * anonymous zero pages (readable and writable, not charged against the
 * commit limit), releasing the file or shared object it mapped; the range
 * stays reserved until mm__plat_unmap. On failure the old mapping is intact.
 */
int mm__plat_remap_inert(void *addr, size_t length, int *os_errno);

/*
 * A storage (storage.h) over the open file `handle`, for the pager. The
 * handle is borrowed: closing the storage does not close it.
 */
int mm__plat_storage(intptr_t handle, mm_storage **out, int *os_errno);

/*
 * Anonymous shared memory: a new object of `size` bytes, zero-filled, made in
 * time independent of the size (memory is committed when a page is first
 * touched, like any anonymous memory, where the platform allows), that views
 * with `access` (the map's) can map.
 */
int mm__plat_anonymous(uint64_t size, mm_access access, intptr_t *handle, int *os_errno);

/*
 * The most bytes a new shared-memory object could ever be given: RAM plus
 * swap (the commit limit on Windows) for an anonymous object; for a named one
 * also no more than the free space of the shared-memory file system.
 * UINT64_MAX where it cannot be told.
 */
int mm__plat_shm_room(int named, uint64_t *room, int *os_errno);

/*
 * Named objects: the names by which processes find a map. A name stands for
 * a shared-memory object (a non-persisted map: mm_map_open_shared) or for a
 * persisted map of a file (mm_map_open_file_named). Each platform keeps its
 * names its own way — posix_named.c with shm_open objects and a flock
 * protocol, win32_named.c with named section objects in Local\ — under one
 * contract:
 *   - a name lives while any holder has it (a map or a view made from it, in
 *     any process) and is gone after the last one lets go, also when holders
 *     crash; createNew on a live name of either kind is MM_EEXIST, and
 *     openExisting of a name nobody holds is MM_ENOENT;
 *   - an object found under a name is joined only if it is the caller's
 *     user's and nobody else's (MM_EACCES otherwise: another user could have
 *     planted it, or can read it);
 *   - a shared-memory object another program made is joined as it is: mapped
 *     with its size, and never resized, truncated or removed.
 */
typedef enum mm__named_kind {
  MM__NAMED_SHARED = 0,  /* shared memory that memmap made */
  MM__NAMED_FOREIGN = 1, /* shared memory that another program made */
  MM__NAMED_FILE = 2     /* the name of a persisted map; `handle` is its file */
} mm__named_kind;

/* A holder's hold on a name, owned by the platform until mm__plat_named_release. */
typedef struct mm__named {
  intptr_t handle;     /* what views map (mm__plat_map) */
  intptr_t claim;      /* the platform's own hold on the name, or -1 */
  uint64_t size;       /* bytes of the object, or the persisted map's capacity */
  mm__named_kind kind;
} mm__named;

/*
 * Finds or makes the map named `name` (MM_SHARED_* `mode`):
 *   CREATE_NEW      a new shared-memory object of `capacity` bytes; MM_EEXIST
 *                   when the name is live;
 *   CREATE_OR_OPEN  joins the live name, else as CREATE_NEW;
 *   OPEN_EXISTING   joins the live name; MM_ENOENT when there is none.
 * A new object larger than `room` is MM_ENOSPC, decided once the name is
 * claimed (so a live name is MM_EEXIST first); it is zero-filled and made in
 * time independent of its size. Joining a persisted map's name opens its file
 * (MM__NAMED_FILE, `size` its capacity). `access` is the holder's: the object
 * or file is opened for what its views may do. *created is 1 when this call
 * made the object. MM_ENAMETOOLONG when the name is longer than the platform
 * allows, said before the system would.
 */
int mm__plat_named_open(const char *name, int mode, uint64_t capacity, uint64_t room, mm_access access,
                        mm__named *out, int *created, int *os_errno);

/*
 * Claims `name` for a persisted map, before the file it will stand for is
 * changed in any way: MM_EEXIST when the name is live. Nobody can join the
 * name until mm__plat_named_publish; release the claim with
 * mm__plat_named_release if the map is not made after all.
 */
int mm__plat_named_claim(const char *name, mm__named *out, int *os_errno);

/*
 * Completes a claim: the name now stands for the open file `file` (opened
 * from `path`), mapped with `capacity` bytes and `access`, and the hold takes
 * the file handle over (views map named->handle; release closes it). On
 * failure the claim is released and the file handle is still the caller's.
 */
int mm__plat_named_publish(const char *name, const char *path, intptr_t file, uint64_t capacity,
                           mm_access access, mm__named *named, int *os_errno);

/* Lets go of the name (the last holder's release removes it) and closes the hold's handles. */
void mm__plat_named_release(const char *name, mm__named *named);

/*
 * The owner (id, and name into `user`, "" when unknown) and permission bits
 * of the named object, without opening it for use (for error messages).
 * MM_EUNSUPPORTED where the platform cannot tell.
 */
int mm__plat_named_owner(const char *name, uint32_t *uid, uint32_t *mode, char *user, size_t user_size);

#endif /* MM_PLATFORM_H */
