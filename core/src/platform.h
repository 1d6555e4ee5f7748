/*
 * platform.h — what the core needs from an operating system, implemented once
 * per platform in src/platform/ (posix*.c, win32*.c, emulated.c for WASM;
 * stub.c elsewhere; unsupported_*.c for the slots WASM and the stub both
 * lack) and chosen by CMake.
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

#include "mm/advice.h"
#include "mm/map.h"
#include "mm/pager.h"
#include "mm/storage.h"
#include "mm/sync.h"

/* Flags of mm__plat_open. */
enum {
  MM__OPEN_WRITE = 1,  /* open for reading and writing (else read only) */
  MM__OPEN_CREATE = 2, /* create the file when it does not exist */
  MM__OPEN_EXCL = 4    /* with CREATE: fail with MM_EEXIST when it exists */
};

/*
 * Opens `path`. *created is set to 1 when this call created the file. A
 * directory is MM_EISDIR whatever the flags; anything else that is not a
 * regular file is MM_ENODEV (it has no size to map by).
 */
int mm__plat_open(const char *path, int flags, intptr_t *handle, int *created,
                  int *os_errno);

/* The longest identity mm__plat_identity writes, NUL included. */
#define MM__IDENTITY_MAX 4096

/*
 * Writes into buf (MM__IDENTITY_MAX bytes) a NUL-terminated key that is the
 * same for two open handles exactly when they are the same file (device and
 * inode on POSIX), so that the maps of one file in a process share one page
 * cache (paged.c).
 */
int mm__plat_identity(intptr_t handle, char *buf, int *os_errno);

/* The current size of the open file. */
int mm__plat_size(intptr_t handle, uint64_t *size, int *os_errno);

/* Sets the file's size (grows with zeros). */
int mm__plat_resize(intptr_t handle, uint64_t size, int *os_errno);

/*
 * Makes the open file or shared-memory object at least `size` bytes long,
 * never shorter: the size is read and raised under an exclusive lock of the
 * object, so that two holders growing it at once (threads or processes) never
 * cut each other's larger size, and a mapping of the old range stays valid.
 * Errors as mm__plat_resize; MM_EUNSUPPORTED (with mm__detail's reason) where
 * the object's size is fixed (a pagefile-backed section on Windows).
 */
int mm__plat_extend(intptr_t handle, uint64_t size, int *os_errno);

/* Closes the handle. */
void mm__plat_close(intptr_t handle);

/* Removes the file at `path` (used to undo a create that failed). */
void mm__plat_unlink(const char *path);

/* The allocation granularity (the page size on POSIX). */
size_t mm__plat_granularity(void);

/*
 * Maps `length` bytes of the file from `offset` (a multiple of the
 * granularity) with the protection and sharing that `access` implies, and
 * says how the mapping was made: *stores_private is 1 when a store through
 * it is taken and stays in the mapping's own pages (copy-on-write: it
 * reaches neither the file or shared object nor any other mapping), 0 when
 * a store reaches the object or faults. `read` and `copyOnWrite` mappings
 * are private where the platform allows; where it does not (macOS maps
 * shared memory shared only), a `read` mapping is shared and read-only.
 */
int mm__plat_map(intptr_t handle, uint64_t offset, size_t length,
                 mm_access access, void **addr, int *stores_private, int *os_errno);

/*
 * Writes the modified pages of [addr, addr + length), a view of `handle`, to
 * the file and waits until the storage device has them (durable flush: msync
 * on Linux; msync and F_FULLFSYNC on macOS, where msync alone leaves the data
 * in the drive's cache; FlushViewOfFile and FlushFileBuffers on Windows).
 */
int mm__plat_sync(intptr_t handle, void *addr, size_t length, int *os_errno);

/*
 * Gives the system advice (advice.h) about [addr, addr + length), page
 * aligned, of a view with `access`. It must never lose data: 'dontNeed' on a
 * private (copy-on-write or read) view may only drop what can be read back
 * unchanged. Where the platform has no such advice, 0 (a hint may be
 * ignored).
 */
int mm__plat_advise(void *addr, size_t length, mm_access access, mm_advice advice, int *os_errno);

/*
 * Makes [addr, addr + length), page aligned, resident and mapped, and waits
 * until it is (any thread; see mm_prefetch in view.h).
 */
int mm__plat_prefetch(void *addr, size_t length, int *os_errno);

/* The system's page size (the unit of residency). */
size_t mm__plat_page_size(void);

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
 * The sink (pager.h) of memory the core cannot address, where the platform
 * has such memory (WASM: the JS array a read copies into, set by the loader
 * for the current call), else NULL.
 */
mm_pager_sink *mm__plat_sink(void);

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

/*
 * The size the name stands for now, in bytes: the shared-memory object's
 * size, or the persisted map's file's size (MM__NAMED_FILE), as grown by any
 * holder in any process. Where a platform keeps a named map's size fixed
 * (Windows), named->size.
 */
int mm__plat_named_size(const mm__named *named, uint64_t *size, int *os_errno);

/*
 * Grows what the name stands for to at least `capacity` bytes (as
 * mm__plat_extend: never shorter), so that every holder sees the new size
 * (mm__plat_named_size). MM_EACCES for another program's object (memmap
 * never resizes those); MM_EUNSUPPORTED, with the reason in mm__detail, where
 * the platform cannot resize a named object (Windows sections; macOS shared
 * memory).
 */
int mm__plat_named_grow(const char *name, mm__named *named, uint64_t capacity, int *os_errno);

/* Lets go of the name (the last holder's release removes it) and closes the hold's handles. */
void mm__plat_named_release(const char *name, mm__named *named);

/*
 * The owner (id, and name into `user`, "" when unknown) and permission bits
 * of the named object, without opening it for use (for error messages).
 * MM_EUNSUPPORTED where the platform cannot tell.
 */
int mm__plat_named_owner(const char *name, uint32_t *uid, uint32_t *mode, char *user, size_t user_size);

/*
 * Maps [offset, offset + length) of the object shared and read-only: the
 * window a private (read) view waits through (sync.h).
 */
int mm__plat_map_watch(intptr_t handle, uint64_t offset, size_t length, void **addr, int *os_errno);

/*
 * Waiting on words (sync.h), between threads and processes.
 *
 * A word is given as an mm_word: its address here, and the object and
 * offset it lives at. Linux and macOS key a wait by the address alone: the
 * kernel resolves an address in a shared mapping to the object's page, so
 * processes that map the object at different addresses meet (Linux:
 * futex(2) without FUTEX_PRIVATE_FLAG; macOS: __ulock_wait with
 * UL_COMPARE_AND_WAIT_SHARED, the primitive under os_sync_wait_on_address
 * with OS_SYNC_WAIT_ON_ADDRESS_SHARED).
 *
 * `object` and `offset` are for platforms whose address waits are process
 * local. Windows (win32_sync.c) is one: WaitOnAddress wakes only threads
 * of the same process. Its design, keyed by (object, offset):
 *   - the key names the word machine-wide: for a named section its name,
 *     for a file its volume serial number and file index
 *     (GetFileInformationByHandle), else the process and the object; plus
 *     the offset (hashed into the objects' names);
 *   - per key, a named semaphore that sleepers wait on, and a named section
 *     of one small record { waiters, wakes } guarded by a named mutex (a
 *     mutex that a dying holder abandons: WAIT_ABANDONED is taken as
 *     acquired);
 *   - wait: lock; if *addr != expected, unlock and return NOT_EQUAL;
 *     waiters++; unlock; WaitForSingleObject(semaphore, timeout); lock; on
 *     a wake, wakes--; on a timeout, if wakes > 0 a wake raced it: consume
 *     it (WaitForSingleObject(semaphore, 0), wakes--) and report woken,
 *     else waiters--; unlock. Any sleeper may take any wake: the number
 *     woken is what wake() promises, as with a futex;
 *   - wake(count): lock; k = min(count, waiters); waiters -= k; wakes += k;
 *     ReleaseSemaphore(semaphore, k); unlock; return k;
 *   - wait_any (at most 64 words: WaitForMultipleObjects' limit): each
 *     word is registered as by wait (a word that differs undoes the others
 *     and returns MM_EAGAIN); WaitForMultipleObjects over the semaphores;
 *     then each word as a wait ends: the signaled one takes its wake, the
 *     others take a wake that raced them or unregister.
 * The named objects live while any process has them open, so a crashed
 * process leaves nothing behind. A sleeper that dies leaves `waiters` one
 * too high: a later wake counts it as woken, once (its semaphore unit is
 * then taken by the next sleeper), the same over-count a futex shows for a
 * waiter that is being killed.
 *
 * Each returns 0 / an index / a count as sync.h's mm_word_* functions say;
 * signals do not end a wait early (it resumes with the time left).
 */
int mm__plat_wait(const mm_word *word, int32_t expected, int64_t timeout_ns, int *os_errno);
int mm__plat_wake(const mm_word *word, int32_t count, int *os_errno);
int mm__plat_wait_any(const mm_word *words, const int32_t *expected, int n, int64_t timeout_ns,
                      int *os_errno);
int mm__plat_wait_any_max(void); /* sync.h's mm_word_wait_any_max */

/*
 * The calling thread's (id, token) and whether a thread still runs (sync.h's
 * mm_thread_self and mm_thread_alive). Windows (win32_sync.c): the thread id
 * (GetCurrentThreadId, a multiple of 4: stored divided by 4 to fit 30 bits)
 * and its creation time (GetThreadTimes); alive: OpenThread with
 * SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, not signaled
 * (WaitForSingleObject 0 is WAIT_TIMEOUT), same creation time.
 */
int mm__plat_thread_self(uint32_t *id, uint32_t *token, int *os_errno);
int mm__plat_thread_alive(uint32_t id, uint32_t token, int *os_errno);

#endif /* MM_PLATFORM_H */
