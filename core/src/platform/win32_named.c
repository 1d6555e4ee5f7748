/*
 * win32_named.c — named objects (platform.h) on Windows: a name is the
 * section object "Local\<name>" in the session's namespace, the name .NET's
 * MemoryMappedFile gives a map too (so each opens the other's maps).
 *
 *   non-persisted map   a pagefile-backed section (CreateFileMappingW with
 *                       INVALID_HANDLE_VALUE), data from offset 0, no header
 *   persisted map       a section over the file (CreateFileMappingW with the
 *                       file), which also keeps the file from being replaced
 *                       or cut while the name lives
 *
 * Lifetime is the kernel's: a section lives while any handle or view of it
 * does, in any process, and its name goes with the last one — also when
 * holders crash. That is the contract itself, so nothing here locks, marks or
 * removes anything. createNew on a live name is MM_EEXIST (CreateFileMappingW
 * says ERROR_ALREADY_EXISTS), openExisting of none is MM_ENOENT.
 *
 * Trust: a section is joined only if its owner is the caller's user (or the
 * default owner of the caller's token: the Administrators group for an
 * elevated process); MM_EACCES otherwise. Wine keeps no owner on kernel
 * objects (GetSecurityInfo gives none): there, as on any system where every
 * object is the one user's, the section is joined.
 *
 * Sizes: Windows keeps a pagefile-backed section's size in whole pages, so
 * an opener sees the creator's capacity rounded up to a page (as .NET's
 * OpenExisting does); a file-backed section keeps its size in bytes.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <aclapi.h>
#include <psapi.h>

#include <stdlib.h>
#include <string.h>

#include "map_internal.h"
#include "mm/errors.h"
#include "platform.h"
#include "win32_internal.h"

/* The longest name, in UTF-8 bytes: the same as a POSIX shm name, so a name means one map everywhere. */
#define MM__NAME_MAX 255

/* NtQuerySection's SectionBasicInformation (ntdll.dll; documented in the Windows dev notes). */
typedef struct mm__section_basic {
  PVOID base;
  ULONG attributes;
  LARGE_INTEGER size;
} mm__section_basic;
typedef LONG(NTAPI *mm__nt_query_section)(HANDLE, int, PVOID, SIZE_T, PSIZE_T);
#define MM__SEC_FILE 0x800000

static int mm__query_section(HANDLE section, mm__section_basic *info, int *os_errno) {
  static mm__nt_query_section query = NULL;
  LONG status;
  if (query == NULL) {
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    query = ntdll == NULL ? NULL : (mm__nt_query_section)(void *)GetProcAddress(ntdll, "NtQuerySection");
    if (query == NULL) return MM_EUNSUPPORTED;
  }
  status = query(section, 0 /* SectionBasicInformation */, info, sizeof *info, NULL);
  if (status < 0) {
    *os_errno = (int)status;
    return MM_EIO;
  }
  return 0;
}

int mm__win_section_size(HANDLE section, uint64_t *size, int *os_errno) {
  mm__section_basic info;
  int rc = mm__query_section(section, &info, os_errno);
  if (rc == 0) *size = (uint64_t)info.size.QuadPart;
  return rc;
}

/* "Local\<name>" as UTF-16 (malloc'd); a name with '\' or too long is refused before Windows is asked. */
static int mm__section_name(const char *name, wchar_t **out) {
  *out = NULL;
  if (strlen(name) > MM__NAME_MAX) return MM_ENAMETOOLONG;
  if (strchr(name, '\\') != NULL)
    return mm__detail(MM_EINVAL, "a map name cannot contain '\\' (it separates Windows object namespaces)", 0, 0);
  *out = mm__win_wide(name, L"Local\\");
  return *out == NULL ? MM_EINVAL : 0;
}

/* The SID of a TOKEN_USER or TOKEN_OWNER of this process (malloc'd), or NULL. */
static PSID mm__token_sid(TOKEN_INFORMATION_CLASS what) {
  HANDLE token;
  DWORD n = 0;
  void *info;
  PSID sid, copy = NULL;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return NULL;
  GetTokenInformation(token, what, NULL, 0, &n);
  info = n > 0 ? malloc(n) : NULL;
  if (info != NULL && GetTokenInformation(token, what, info, n, &n)) {
    sid = what == TokenUser ? ((TOKEN_USER *)info)->User.Sid : ((TOKEN_OWNER *)info)->Owner;
    copy = malloc(GetLengthSid(sid));
    if (copy != NULL) CopySid(GetLengthSid(sid), copy, sid);
  }
  free(info);
  CloseHandle(token);
  return copy;
}

/* 0 when the section may be joined (see the contract above), MM_EACCES otherwise. */
static int mm__trust(HANDLE section, int *os_errno) {
  PSID owner = NULL, user, default_owner;
  PSECURITY_DESCRIPTOR sd = NULL;
  DWORD error = GetSecurityInfo(section, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, NULL, NULL, NULL, &sd);
  int trusted;
  if (error != ERROR_SUCCESS) {
    *os_errno = (int)error;
    return MM_EACCES;
  }
  if (owner == NULL) {
    LocalFree(sd);
    return 0; /* no owner recorded (wine) */
  }
  user = mm__token_sid(TokenUser);
  default_owner = mm__token_sid(TokenOwner);
  trusted = (user != NULL && EqualSid(owner, user)) || (default_owner != NULL && EqualSid(owner, default_owner));
  free(user);
  free(default_owner);
  LocalFree(sd);
  return trusted ? 0 : mm__detail(MM_EACCES, "the section belongs to another user; memmap joins only its own user's maps", 0, 0);
}

/*
 * The file a file-backed section maps, opened again (for FlushFileBuffers and
 * its size): found through the path of a one-page view of it. NULL when
 * Windows will not say.
 */
static HANDLE mm__file_of_section(HANDLE section, int write) {
  wchar_t device[MAX_PATH + 1], *path;
  HANDLE file = INVALID_HANDLE_VALUE;
  void *view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 1);
  DWORD n;
  size_t length;
  if (view == NULL) return NULL;
  n = GetMappedFileNameW(GetCurrentProcess(), view, device, MAX_PATH);
  UnmapViewOfFile(view);
  if (n == 0 || n >= MAX_PATH) return NULL;
  device[n] = L'\0';
  /*
   * Windows names the file by its device ("\Device\HarddiskVolume3\dir\file",
   * opened as "\\?\GLOBALROOT\Device\..."); wine by its DOS device
   * ("\??\C:\dir\file", opened as "\\?\C:\dir\file").
   */
  length = wcslen(device);
  path = (wchar_t *)malloc((length + 16) * sizeof(wchar_t));
  if (path == NULL) return NULL;
  if (wcsncmp(device, L"\\??\\", 4) == 0) {
    wcscpy(path, L"\\\\?\\");
    wcscat(path, device + 4);
  } else {
    wcscpy(path, L"\\\\?\\GLOBALROOT");
    wcscat(path, device);
  }
  file = CreateFileW(path, GENERIC_READ | (write ? GENERIC_WRITE : 0),
                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                     FILE_ATTRIBUTE_NORMAL, NULL);
  free(path);
  return file == INVALID_HANDLE_VALUE ? NULL : file;
}

static int mm__writes(mm_access access) {
  return access == MM_ACCESS_READ_WRITE || access == MM_ACCESS_WRITE || access == MM_ACCESS_READ_WRITE_EXECUTE;
}

static int mm__executes(mm_access access) {
  return access == MM_ACCESS_READ_EXECUTE || access == MM_ACCESS_READ_WRITE_EXECUTE;
}

/* What waits on a named section's words key on (win32_sync.c): its name. */
static uint64_t mm__name_key(const char *name) {
  return mm__win_hash(mm__win_hash(0, "name", 4), name, strlen(name));
}

/* Takes an existing section into `out` as a holder with `access` would: trust, then size and kind. */
static int mm__join(HANDLE section, mm_access access, mm__named *out, int *os_errno) {
  mm__section_basic info;
  mm__win_object *obj;
  HANDLE file = NULL;
  int rc = mm__trust(section, os_errno);
  if (rc == 0) rc = mm__query_section(section, &info, os_errno);
  if (rc < 0) return rc;
  if (info.attributes & MM__SEC_FILE) file = mm__file_of_section(section, mm__writes(access));
  obj = mm__win_object_new(file, section);
  if (obj == NULL) {
    if (file != NULL) CloseHandle(file);
    return MM_ENOMEM;
  }
  obj->writable = file != NULL && mm__writes(access);
  out->handle = (intptr_t)obj;
  out->size = (uint64_t)info.size.QuadPart;
  out->kind = (info.attributes & MM__SEC_FILE) ? MM__NAMED_FILE : MM__NAMED_SHARED;
  return 0;
}

int mm__plat_named_open(const char *name, int mode, uint64_t capacity, uint64_t room, mm_access access,
                        mm__named *out, int *created, int *os_errno) {
  DWORD desired = SECTION_QUERY | READ_CONTROL | FILE_MAP_READ | (mm__writes(access) ? FILE_MAP_WRITE : 0);
  wchar_t *wname;
  HANDLE section = NULL;
  int rc;

  *os_errno = 0;
  *created = 0;
  memset(out, 0, sizeof *out);
  out->handle = out->claim = -1;
  rc = mm__section_name(name, &wname);
  if (rc < 0) return rc;
  if (mode != MM_SHARED_OPEN_EXISTING && capacity <= room) {
    DWORD protect = mm__executes(access) ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
    section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, protect, (DWORD)(capacity >> 32),
                                 (DWORD)(capacity & 0xffffffffu), wname);
    if (section == NULL) {
      rc = mm__win_fail(os_errno);
      if (*os_errno == ERROR_INVALID_HANDLE)
        rc = mm__detail(MM_EEXIST, "the name belongs to a Windows object of another kind (not a section)", 0, 0);
    } else if (GetLastError() != ERROR_ALREADY_EXISTS) {
      mm__win_object *obj = mm__win_object_new(NULL, section);
      free(wname);
      if (obj == NULL) {
        CloseHandle(section);
        return MM_ENOMEM;
      }
      obj->wait_key = (LONG64)mm__name_key(name);
      out->handle = (intptr_t)obj;
      out->size = capacity;
      out->kind = MM__NAMED_SHARED;
      *created = 1;
      return 0;
    }
  }
  if (section == NULL && rc == 0) {
    /* openExisting, or a capacity no system could back: only a live name is joined. */
    section = OpenFileMappingW(desired | (mm__executes(access) ? FILE_MAP_EXECUTE : 0), FALSE, wname);
    if (section == NULL && mm__executes(access)) section = OpenFileMappingW(desired, FALSE, wname);
    if (section == NULL) {
      rc = mm__win_fail(os_errno);
      if (*os_errno == ERROR_INVALID_HANDLE) {
        rc = mm__detail(mode == MM_SHARED_OPEN_EXISTING ? MM_ENOENT : MM_EEXIST,
                        "the name belongs to a Windows object of another kind (not a section)", 0, 0);
      } else if (rc == MM_ENOENT && mode != MM_SHARED_OPEN_EXISTING) {
        rc = MM_ENOSPC; /* capacity > room, and no live map to join */
      }
      if (rc == MM_ENOENT || rc == MM_ENOSPC) *os_errno = 0;
    }
  }
  free(wname);
  if (rc < 0) return rc;
  if (mode == MM_SHARED_CREATE_NEW) {
    CloseHandle(section);
    return MM_EEXIST;
  }
  rc = mm__join(section, access, out, os_errno);
  if (rc < 0) CloseHandle(section);
  else ((mm__win_object *)out->handle)->wait_key = (LONG64)mm__name_key(name);
  return rc;
}

int mm__plat_named_claim(const char *name, mm__named *out, int *os_errno) {
  wchar_t *wname;
  HANDLE section;
  int rc;
  *os_errno = 0;
  memset(out, 0, sizeof *out);
  out->handle = out->claim = -1;
  out->kind = MM__NAMED_FILE;
  rc = mm__section_name(name, &wname);
  if (rc < 0) return rc;
  /*
   * Windows makes the name and the section in one call (publish), once the
   * file is sized; a name taken now is refused before the file changes, and
   * one taken in between by publish.
   */
  section = OpenFileMappingW(SECTION_QUERY, FALSE, wname);
  if (section != NULL) {
    CloseHandle(section);
    rc = MM_EEXIST;
  } else if (GetLastError() == ERROR_INVALID_HANDLE) {
    rc = MM_EEXIST; /* an object of another type has the name */
  }
  free(wname);
  return rc;
}

int mm__plat_named_publish(const char *name, const char *path, intptr_t file, uint64_t capacity,
                           mm_access access, mm__named *named, int *os_errno) {
  mm__win_object *obj = (mm__win_object *)file;
  DWORD protect;
  wchar_t *wname;
  HANDLE section;
  int rc;
  *os_errno = 0;
  switch (access) {
    case MM_ACCESS_READ_WRITE_EXECUTE: protect = PAGE_EXECUTE_READWRITE; break;
    case MM_ACCESS_READ_EXECUTE: protect = PAGE_EXECUTE_READ; break;
    case MM_ACCESS_READ:
    case MM_ACCESS_COPY_ON_WRITE: protect = PAGE_READONLY; break;
    default: protect = PAGE_READWRITE; break;
  }
  rc = mm__section_name(name, &wname);
  if (rc < 0) return rc;
  section = CreateFileMappingW(obj->file, NULL, protect, (DWORD)(capacity >> 32), (DWORD)(capacity & 0xffffffffu),
                               wname);
  free(wname);
  if (section == NULL) {
    rc = mm__win_fail(os_errno);
    return *os_errno == ERROR_INVALID_HANDLE ? MM_EEXIST : rc;
  }
  if (GetLastError() == ERROR_ALREADY_EXISTS) {
    CloseHandle(section);
    *os_errno = 0;
    return MM_EEXIST;
  }
  obj->section = section;
  named->handle = file;
  named->size = capacity;
  named->kind = MM__NAMED_FILE;
  return 0;
}

int mm__plat_named_size(const mm__named *named, uint64_t *size, int *os_errno) {
  *os_errno = 0;
  *size = named->size;
  return 0;
}

int mm__plat_named_grow(const char *name, mm__named *named, uint64_t capacity, int *os_errno) {
  *os_errno = 0;
  return mm__detail(MM_EUNSUPPORTED,
                    "Windows fixes a named section's size when it is made (other holders map it by that size)", 0, 0);
}

void mm__plat_named_release(const char *name, mm__named *named) {
  /* The kernel ends the name with its last handle or view. */
  mm__plat_close(named->handle);
  named->handle = named->claim = -1;
}

int mm__plat_named_owner(const char *name, uint32_t *uid, uint32_t *mode, char *user, size_t user_size) {
  return MM_EUNSUPPORTED; /* Windows owners are SIDs, not user ids and modes */
}
