/*
 * win32.c — platform.h on Windows: CreateFileW and SetFileInformationByHandle
 * for files, section objects (CreateFileMappingW) and MapViewOfFile for
 * views, FlushViewOfFile + FlushFileBuffers for durable flushes; named
 * objects are win32_named.c's.
 *
 * A handle is a pointer to a mm__win_object (win32_internal.h): the file of
 * a persisted map, and/or the section views are mapped from. An unnamed
 * persisted map keeps only its file and makes a section per view, with the
 * protection that view needs; named and anonymous maps keep their section.
 *
 * Sharing and protection of a view, by access (as posix.c):
 *   readWrite, write      FILE_MAP_WRITE                      shared
 *   readWriteExecute      FILE_MAP_WRITE | FILE_MAP_EXECUTE   shared
 *   readExecute           FILE_MAP_READ | FILE_MAP_EXECUTE    shared
 *   copyOnWrite, read     FILE_MAP_COPY                       private
 * A read view is copy-on-write on purpose: JavaScript has no read-only
 * ArrayBuffer, so a stray store into a read view's bytes lands in a private
 * page instead of killing the process (the accessor API refuses writes).
 *
 * Views are placed at the 64 KiB allocation granularity (view.c asks for
 * offsets that are multiples of mm__plat_granularity()).
 *
 * Retiring a view in place (mm__plat_remap_inert) needs placeholders
 * (Windows 10 1803 and later): views are then mapped into a placeholder
 * reservation (VirtualAlloc2 MEM_RESERVE_PLACEHOLDER, MapViewOfFile3
 * MEM_REPLACE_PLACEHOLDER), and retiring unmaps the view back to a
 * placeholder (UnmapViewOfFile2 MEM_PRESERVE_PLACEHOLDER) and fills that with
 * private zero pages (VirtualAlloc2 MEM_REPLACE_PLACEHOLDER): the addresses
 * never become free in between, so nothing else can be mapped there. Without
 * placeholders (older Windows; wine 8) Windows offers no way to swap a view
 * for other memory without freeing its addresses first, so retiring is
 * MM_EUNSUPPORTED and the view keeps its mapping (of its own file only) until
 * mm_view_close.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"
#include "win32_internal.h"

#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER 0x00040000
#endif
#ifndef MEM_REPLACE_PLACEHOLDER
#define MEM_REPLACE_PLACEHOLDER 0x00004000
#endif
#ifndef MEM_PRESERVE_PLACEHOLDER
#define MEM_PRESERVE_PLACEHOLDER 0x00000002
#endif

int mm__win_error(DWORD error) {
  switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
      return MM_ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
      return MM_EACCES;
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_USER_MAPPED_FILE:
      return MM_EBUSY;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
      return MM_EEXIST;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_COMMITMENT_LIMIT:
    case ERROR_NO_SYSTEM_RESOURCES:
      return MM_ENOMEM;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
      return MM_ENOSPC;
    case ERROR_FILE_TOO_LARGE:
      return MM_EFBIG;
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_BUFFER_OVERFLOW:
      return MM_ENAMETOOLONG;
    case ERROR_DIRECTORY:
      return MM_ENOTDIR;
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_PARAMETER:
      return MM_EINVAL;
    case ERROR_WRITE_PROTECT:
      return MM_EROFS;
    case ERROR_TOO_MANY_OPEN_FILES:
      return MM_EMFILE;
    case ERROR_INVALID_HANDLE:
      return MM_EBADF;
    case ERROR_CANT_RESOLVE_FILENAME:
      return MM_ELOOP;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
      return MM_EUNSUPPORTED;
    default:
      return MM_EIO;
  }
}

int mm__win_fail(int *os_errno) {
  DWORD error = GetLastError();
  *os_errno = (int)error;
  return mm__win_error(error);
}

wchar_t *mm__win_wide(const char *utf8, const wchar_t *prefix) {
  size_t before = prefix == NULL ? 0 : wcslen(prefix);
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, NULL, 0);
  wchar_t *out;
  if (n <= 0) return NULL;
  out = (wchar_t *)malloc((before + (size_t)n) * sizeof(wchar_t));
  if (out == NULL) return NULL;
  if (before > 0) memcpy(out, prefix, before * sizeof(wchar_t));
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, -1, out + before, n) != n) {
    free(out);
    return NULL;
  }
  return out;
}

mm__win_object *mm__win_object_new(HANDLE file, HANDLE section) {
  mm__win_object *obj = (mm__win_object *)calloc(1, sizeof *obj);
  if (obj == NULL) return NULL;
  obj->file = file;
  obj->section = section;
  return obj;
}

void mm__win_object_free(mm__win_object *obj) {
  if (obj == NULL) return;
  if (obj->section != NULL) CloseHandle(obj->section);
  if (obj->file != NULL && obj->file != INVALID_HANDLE_VALUE) CloseHandle(obj->file);
  free(obj);
}

/* The path's parent directory exists and is a file: the path is MM_ENOTDIR (Windows says "not found"). */
static int mm__parent_is_file(const wchar_t *wpath) {
  size_t n = wcslen(wpath);
  wchar_t *parent;
  DWORD attrs;
  while (n > 0 && wpath[n - 1] != L'\\' && wpath[n - 1] != L'/') n--;
  if (n <= 1) return 0;
  parent = (wchar_t *)malloc(n * sizeof(wchar_t));
  if (parent == NULL) return 0;
  memcpy(parent, wpath, (n - 1) * sizeof(wchar_t));
  parent[n - 1] = L'\0';
  attrs = GetFileAttributesW(parent);
  free(parent);
  return attrs != INVALID_FILE_ATTRIBUTES && !(attrs & FILE_ATTRIBUTE_DIRECTORY);
}

static int mm__is_directory(const wchar_t *wpath) {
  DWORD attrs = GetFileAttributesW(wpath);
  return attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY);
}

/*
 * CreateFileW with the access the map may need: read, write when asked, and
 * execute when the file allows it (for execute views); POSIX-like sharing, so
 * other processes may open, map and rename the file too.
 */
static HANDLE mm__create_file(const wchar_t *wpath, int write, DWORD disposition) {
  DWORD access = GENERIC_READ | (write ? GENERIC_WRITE : 0);
  DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
  HANDLE h = CreateFileW(wpath, access | FILE_EXECUTE, share, NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED)
    h = CreateFileW(wpath, access, share, NULL, disposition, FILE_ATTRIBUTE_NORMAL, NULL);
  return h;
}

int mm__plat_open(const char *path, int flags, intptr_t *handle, int *created, int *os_errno) {
  int write = (flags & MM__OPEN_WRITE) != 0;
  wchar_t *wpath;
  HANDLE h = INVALID_HANDLE_VALUE;
  DWORD error = 0;
  mm__win_object *obj;

  *created = 0;
  *handle = -1;
  *os_errno = 0;
  wpath = mm__win_wide(path, NULL);
  if (wpath == NULL) return MM_EINVAL;
  if (flags & MM__OPEN_CREATE) {
    /* Create exclusively first, so that we know whether we made the file. */
    h = mm__create_file(wpath, write, CREATE_NEW);
    if (h != INVALID_HANDLE_VALUE) {
      *created = 1;
    } else {
      error = GetLastError();
      if ((error != ERROR_FILE_EXISTS && error != ERROR_ALREADY_EXISTS && !mm__is_directory(wpath)) ||
          (flags & MM__OPEN_EXCL)) {
        if (mm__is_directory(wpath)) error = ERROR_FILE_EXISTS; /* as POSIX: O_EXCL on a directory is EEXIST */
        goto fail;
      }
    }
  }
  if (h == INVALID_HANDLE_VALUE) {
    h = mm__create_file(wpath, write, OPEN_EXISTING);
    if (h == INVALID_HANDLE_VALUE) {
      error = GetLastError();
      goto fail;
    }
  }
  if (GetFileType(h) != FILE_TYPE_DISK) {
    CloseHandle(h);
    free(wpath);
    *os_errno = 0;
    return MM_ENODEV; /* pipes and devices: no size to map by */
  }
  obj = mm__win_object_new(h, NULL);
  if (obj == NULL) {
    CloseHandle(h);
    if (*created) DeleteFileW(wpath);
    free(wpath);
    *created = 0;
    return MM_ENOMEM;
  }
  obj->writable = write;
  free(wpath);
  *handle = (intptr_t)obj;
  return 0;

fail:
  *os_errno = (int)error;
  {
    int rc = mm__win_error(error);
    /* A directory is EISDIR whatever the flags (CreateFileW says "access denied"). */
    if (error == ERROR_ACCESS_DENIED && mm__is_directory(wpath)) rc = MM_EISDIR;
    if (error == ERROR_PATH_NOT_FOUND && mm__parent_is_file(wpath)) rc = MM_ENOTDIR;
    free(wpath);
    return rc;
  }
}

/* A file is its volume's serial number and its index on that volume. */
int mm__plat_identity(intptr_t handle, char *buf, int *os_errno) {
  mm__win_object *obj = (mm__win_object *)handle;
  BY_HANDLE_FILE_INFORMATION info;
  *os_errno = 0;
  if (obj->file == NULL) return MM_EINVAL; /* shared memory has no file to be */
  if (!GetFileInformationByHandle(obj->file, &info)) return mm__win_fail(os_errno);
  snprintf(buf, MM__IDENTITY_MAX, "%lu:%lu:%lu", (unsigned long)info.dwVolumeSerialNumber,
           (unsigned long)info.nFileIndexHigh, (unsigned long)info.nFileIndexLow);
  return 0;
}

int mm__plat_size(intptr_t handle, uint64_t *size, int *os_errno) {
  mm__win_object *obj = (mm__win_object *)handle;
  LARGE_INTEGER n;
  *os_errno = 0;
  if (obj->file != NULL) {
    if (!GetFileSizeEx(obj->file, &n)) return mm__win_fail(os_errno);
    *size = (uint64_t)n.QuadPart;
    return 0;
  }
  return mm__win_section_size(obj->section, size, os_errno);
}

int mm__plat_resize(intptr_t handle, uint64_t size, int *os_errno) {
  mm__win_object *obj = (mm__win_object *)handle;
  FILE_END_OF_FILE_INFO eof;
  *os_errno = 0;
  if (size > (uint64_t)INT64_MAX) return MM_EFBIG;
  eof.EndOfFile.QuadPart = (LONGLONG)size;
  if (!SetFileInformationByHandle(obj->file, FileEndOfFileInfo, &eof, sizeof eof)) {
    DWORD error = GetLastError();
    *os_errno = (int)error;
    /* Beyond what the file system can hold: NTFS says "invalid parameter". */
    if (error == ERROR_INVALID_PARAMETER || error == ERROR_FILE_TOO_LARGE) return MM_EFBIG;
    return mm__win_error(error);
  }
  return 0;
}

int mm__plat_extend(intptr_t handle, uint64_t size, int *os_errno) {
  mm__win_object *obj = (mm__win_object *)handle;
  OVERLAPPED at;
  LARGE_INTEGER n;
  int rc = 0;
  *os_errno = 0;
  if (obj->file == NULL)
    return mm__detail(MM_EUNSUPPORTED, "Windows fixes a pagefile-backed section's size when it is made", 0, 0);
  /* The lock is one byte at the end of the offsets, where no program's own locks are likely to be. */
  memset(&at, 0, sizeof at);
  at.Offset = 0xfffffffeu;
  at.OffsetHigh = 0x7fffffffu;
  if (!LockFileEx(obj->file, LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &at)) return mm__win_fail(os_errno);
  if (!GetFileSizeEx(obj->file, &n)) rc = mm__win_fail(os_errno);
  else if ((uint64_t)n.QuadPart < size) rc = mm__plat_resize(handle, size, os_errno);
  UnlockFileEx(obj->file, 0, 1, 0, &at);
  return rc;
}

void mm__plat_close(intptr_t handle) {
  if (handle != -1) mm__win_object_free((mm__win_object *)handle);
}

void mm__plat_unlink(const char *path) {
  wchar_t *wpath = mm__win_wide(path, NULL);
  if (wpath != NULL) DeleteFileW(wpath);
  free(wpath);
}

/* The system's page size and allocation granularity (64 KiB: where views may start). */
static const SYSTEM_INFO *mm__system(void) {
  static SYSTEM_INFO si;
  if (si.dwPageSize == 0) GetSystemInfo(&si);
  return &si;
}

size_t mm__plat_granularity(void) { return mm__system()->dwAllocationGranularity; }

static size_t mm__page_size(void) { return mm__system()->dwPageSize; }

/* The placeholder functions (kernelbase.dll, Windows 10 1803+), found once; NULL where missing or unusable. */
typedef PVOID(WINAPI *mm__virtual_alloc2)(HANDLE, PVOID, SIZE_T, ULONG, ULONG, void *, ULONG);
typedef PVOID(WINAPI *mm__map_view3)(HANDLE, HANDLE, PVOID, ULONG64, SIZE_T, ULONG, ULONG, void *, ULONG);
typedef BOOL(WINAPI *mm__unmap_view2)(HANDLE, PVOID, ULONG);

static struct {
  INIT_ONCE once;
  mm__virtual_alloc2 alloc2;
  mm__map_view3 map3;
  mm__unmap_view2 unmap2;
} mm__ph = {INIT_ONCE_STATIC_INIT, NULL, NULL, NULL};

static BOOL CALLBACK mm__find_placeholders(PINIT_ONCE once, PVOID param, PVOID *context) {
  HMODULE kernelbase = GetModuleHandleW(L"kernelbase.dll");
  mm__virtual_alloc2 alloc2;
  void *probe;
  if (kernelbase == NULL) return TRUE;
  alloc2 = (mm__virtual_alloc2)(void *)GetProcAddress(kernelbase, "VirtualAlloc2");
  mm__ph.map3 = (mm__map_view3)(void *)GetProcAddress(kernelbase, "MapViewOfFile3");
  mm__ph.unmap2 = (mm__unmap_view2)(void *)GetProcAddress(kernelbase, "UnmapViewOfFile2");
  if (alloc2 == NULL || mm__ph.map3 == NULL || mm__ph.unmap2 == NULL) return TRUE;
  /* Exported is not enough (wine 8 exports them and refuses placeholders): try one. */
  probe = alloc2(GetCurrentProcess(), NULL, mm__plat_granularity(), MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                 PAGE_NOACCESS, NULL, 0);
  if (probe == NULL) return TRUE;
  VirtualFree(probe, 0, MEM_RELEASE);
  mm__ph.alloc2 = alloc2;
  return TRUE;
}

static int mm__placeholders(void) {
  InitOnceExecuteOnce(&mm__ph.once, mm__find_placeholders, NULL, NULL);
  return mm__ph.alloc2 != NULL;
}

/* The section protection a view with `access` needs, and the view's own protection and FILE_MAP_* access. */
static void mm__view_protection(mm_access access, DWORD *section, DWORD *view, DWORD *desired) {
  switch (access) {
    case MM_ACCESS_READ_WRITE:
    case MM_ACCESS_WRITE:
      *section = PAGE_READWRITE;
      *view = PAGE_READWRITE;
      *desired = FILE_MAP_WRITE;
      break;
    case MM_ACCESS_READ_WRITE_EXECUTE:
      *section = PAGE_EXECUTE_READWRITE;
      *view = PAGE_EXECUTE_READWRITE;
      *desired = FILE_MAP_WRITE | FILE_MAP_EXECUTE;
      break;
    case MM_ACCESS_READ_EXECUTE:
      *section = PAGE_EXECUTE_READ;
      *view = PAGE_EXECUTE_READ;
      *desired = FILE_MAP_READ | FILE_MAP_EXECUTE;
      break;
    default: /* read, copyOnWrite: private pages */
      *section = PAGE_READONLY;
      *view = PAGE_WRITECOPY;
      *desired = FILE_MAP_COPY;
      break;
  }
}

/* Maps `length` bytes of `section` from `offset` into a placeholder of exactly that many pages. */
static void *mm__map_in_placeholder(HANDLE section, uint64_t offset, size_t length, DWORD protect) {
  size_t granularity = mm__plat_granularity(), page = mm__page_size();
  size_t pages = (length + page - 1) / page * page;
  size_t reserved = (pages + granularity - 1) / granularity * granularity;
  HANDLE self = GetCurrentProcess();
  char *base = (char *)mm__ph.alloc2(self, NULL, reserved, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS,
                                     NULL, 0);
  void *view;
  if (base == NULL) return NULL;
  if (reserved > pages) {
    /* Split off the tail (placeholders split at page granularity) and give it back. */
    if (!VirtualFree(base + pages, reserved - pages, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER)) {
      DWORD error = GetLastError();
      VirtualFree(base, 0, MEM_RELEASE);
      SetLastError(error);
      return NULL;
    }
    VirtualFree(base + pages, 0, MEM_RELEASE);
  }
  view = mm__ph.map3(section, self, base, offset, pages, MEM_REPLACE_PLACEHOLDER, protect, NULL, 0);
  if (view == NULL) {
    DWORD error = GetLastError();
    VirtualFree(base, 0, MEM_RELEASE);
    SetLastError(error);
  }
  return view;
}

int mm__plat_map(intptr_t handle, uint64_t offset, size_t length, mm_access access, void **addr,
                 int *stores_private, int *os_errno) {
  mm__win_object *obj = (mm__win_object *)handle;
  DWORD section_protect, view_protect, desired;
  HANDLE section = obj->section;
  void *p;

  *os_errno = 0;
  if ((unsigned)access >= MM_ACCESS__COUNT) return MM_EINVAL;
  mm__view_protection(access, &section_protect, &view_protect, &desired);
  if (section == NULL) {
    /* An unnamed file map: a section of the file's size, with this view's protection. */
    section = CreateFileMappingW(obj->file, NULL, section_protect, 0, 0, NULL);
    if (section == NULL) return mm__win_fail(os_errno);
  }
  if (mm__placeholders()) {
    p = mm__map_in_placeholder(section, offset, length, view_protect);
  } else {
    p = MapViewOfFile(section, desired, (DWORD)(offset >> 32), (DWORD)(offset & 0xffffffffu), length);
  }
  if (p == NULL) {
    int rc = mm__win_fail(os_errno);
    if (section != obj->section) CloseHandle(section);
    return rc;
  }
  /* The view keeps its section alive: the handle of a per-view section is no longer needed. */
  if (section != obj->section) CloseHandle(section);
  *addr = p;
  *stores_private = view_protect == PAGE_WRITECOPY;
  return 0;
}

int mm__plat_sync(intptr_t handle, void *addr, size_t length, int *os_errno) {
  mm__win_object *obj = (mm__win_object *)handle;
  *os_errno = 0;
  /* FlushViewOfFile starts writing the dirty pages; FlushFileBuffers waits until the device has them. */
  if (!FlushViewOfFile(addr, length)) return mm__win_fail(os_errno);
  if (obj->file != NULL && obj->writable && !FlushFileBuffers(obj->file)) return mm__win_fail(os_errno);
  return 0;
}

size_t mm__plat_page_size(void) { return mm__page_size(); }

typedef BOOL(WINAPI *mm__prefetch_vm)(HANDLE, ULONG_PTR, PWIN32_MEMORY_RANGE_ENTRY, ULONG);

/* PrefetchVirtualMemory (Windows 8+), found once; NULL where missing. */
static mm__prefetch_vm mm__prefetcher(void) {
  static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
  static mm__prefetch_vm fn;
  BOOL pending;
  if (InitOnceBeginInitialize(&once, 0, &pending, NULL) && pending) {
    HMODULE kernel32 = GetModuleHandleW(L"kernel32.dll");
    fn = kernel32 != NULL ? (mm__prefetch_vm)(void *)GetProcAddress(kernel32, "PrefetchVirtualMemory") : NULL;
    InitOnceComplete(&once, 0, NULL);
  }
  return fn;
}

/*
 * Windows has no access-pattern hints for mapped views: 'normal',
 * 'sequential' and 'random' are no-ops. 'willNeed' is PrefetchVirtualMemory.
 * 'dontNeed' is VirtualUnlock of a range that is not locked, which only
 * trims the pages from the working set (modified pages go to the modified
 * list and on to the file or the page file): nothing is lost.
 * DiscardVirtualMemory is not used: it throws the pages' contents away.
 */
int mm__plat_advise(void *addr, size_t length, mm_access access, mm_advice advice, int *os_errno) {
  *os_errno = 0;
  if ((unsigned)advice >= MM_ADVICE__COUNT) return MM_EINVAL;
  if (advice == MM_ADVICE_WILL_NEED) {
    mm__prefetch_vm prefetch = mm__prefetcher();
    WIN32_MEMORY_RANGE_ENTRY range;
    range.VirtualAddress = addr;
    range.NumberOfBytes = length;
    if (prefetch != NULL && !prefetch(GetCurrentProcess(), 1, &range, 0)) return mm__win_fail(os_errno);
  } else if (advice == MM_ADVICE_DONT_NEED) {
    if (!VirtualUnlock(addr, length) && GetLastError() != ERROR_NOT_LOCKED) return mm__win_fail(os_errno);
  }
  return 0;
}

/* PrefetchVirtualMemory starts the reads; one load per page waits for them and maps the pages. */
int mm__plat_prefetch(void *addr, size_t length, int *os_errno) {
  size_t page = mm__page_size(), at;
  volatile const uint8_t *bytes = (volatile const uint8_t *)addr;
  uint8_t sink = 0;
  int rc = mm__plat_advise(addr, length, MM_ACCESS_READ, MM_ADVICE_WILL_NEED, os_errno);
  if (rc < 0) return rc;
  for (at = 0; at < length; at += page) sink ^= bytes[at];
  (void)sink;
  return 0;
}

void mm__plat_unmap(void *addr, size_t length) {
  MEMORY_BASIC_INFORMATION info;
  if (VirtualQuery(addr, &info, sizeof info) == 0) return;
  if (info.Type == MEM_MAPPED) UnmapViewOfFile(addr);
  else VirtualFree(addr, 0, MEM_RELEASE); /* a retired view's private pages */
}

int mm__plat_remap_inert(void *addr, size_t length, int *os_errno) {
  size_t page = mm__page_size();
  size_t pages = (length + page - 1) / page * page;
  HANDLE self = GetCurrentProcess();
  *os_errno = 0;
  if (!mm__placeholders()) return MM_EUNSUPPORTED; /* the view keeps its mapping until mm__plat_unmap */
  if (!mm__ph.unmap2(self, addr, MEM_PRESERVE_PLACEHOLDER)) return mm__win_fail(os_errno);
  /* The addresses are a placeholder now: reserved, so nothing else can take them. */
  if (mm__ph.alloc2(self, addr, pages, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL,
                    0) == NULL) {
    /* Left as a placeholder: a stale pointer faults there, and reaches nothing. */
    return mm__win_fail(os_errno);
  }
  return 0;
}

mm_pager_sink *mm__plat_sink(void) { return NULL; } /* all memory is addressable here */

int mm__plat_storage(intptr_t handle, mm_storage **out, int *os_errno) {
  /* The pager is the wasm backend's; native Windows builds map files. */
  *out = NULL;
  *os_errno = 0;
  return MM_EUNSUPPORTED;
}

int mm__plat_anonymous(uint64_t size, mm_access access, intptr_t *handle, int *os_errno) {
  DWORD protect = (access == MM_ACCESS_READ_WRITE_EXECUTE || access == MM_ACCESS_READ_EXECUTE)
                      ? PAGE_EXECUTE_READWRITE
                      : PAGE_READWRITE;
  HANDLE section;
  mm__win_object *obj;
  *handle = -1;
  *os_errno = 0;
  section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, protect, (DWORD)(size >> 32),
                               (DWORD)(size & 0xffffffffu), NULL);
  if (section == NULL) return mm__win_fail(os_errno);
  obj = mm__win_object_new(NULL, section);
  if (obj == NULL) {
    CloseHandle(section);
    return MM_ENOMEM;
  }
  *handle = (intptr_t)obj;
  return 0;
}

int mm__plat_shm_room(int named, uint64_t *room, int *os_errno) {
  MEMORYSTATUSEX status;
  *os_errno = 0;
  status.dwLength = sizeof status;
  /* A pagefile-backed section is charged against the commit limit (RAM plus page files). */
  *room = GlobalMemoryStatusEx(&status) ? (uint64_t)status.ullTotalPageFile : UINT64_MAX;
  return 0;
}
