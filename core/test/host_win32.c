/* host_win32.c — host.h on Windows (and under wine). */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <psapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "host.h"

int mm_test_tempdir(char *buf, size_t size, const char *prefix) {
  char tmp[MAX_PATH + 1];
  DWORD n = GetTempPathA(sizeof tmp, tmp);
  if (n == 0 || n > MAX_PATH) return -1;
  for (int attempt = 0; attempt < 100; attempt++) {
    snprintf(buf, size, "%s%s-%lu-%d", tmp, prefix, (unsigned long)GetCurrentProcessId(), attempt);
    if (CreateDirectoryA(buf, NULL)) return 0;
    if (GetLastError() != ERROR_ALREADY_EXISTS) return -1;
  }
  return -1;
}

void mm_test_rmtree(const char *dir) {
  char pattern[MAX_PATH + 4], path[2 * MAX_PATH + 2];
  WIN32_FIND_DATAA found;
  HANDLE search;
  snprintf(pattern, sizeof pattern, "%s\\*", dir);
  search = FindFirstFileA(pattern, &found);
  if (search != INVALID_HANDLE_VALUE) {
    do {
      if (strcmp(found.cFileName, ".") == 0 || strcmp(found.cFileName, "..") == 0) continue;
      snprintf(path, sizeof path, "%s\\%s", dir, found.cFileName);
      if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) mm_test_rmtree(path);
      else DeleteFileA(path);
    } while (FindNextFileA(search, &found));
    FindClose(search);
  }
  if (!RemoveDirectoryA(dir)) fprintf(stderr, "could not remove %s\n", dir);
}

/* A handle on the file that leaves it to be mapped, written and removed by others. */
static HANDLE mm_test_open(const char *path, DWORD access, DWORD disposition) {
  return CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, disposition,
                     FILE_ATTRIBUTE_NORMAL, NULL);
}

void mm_test_write_file(const char *path, const void *data, size_t n) {
  HANDLE h = mm_test_open(path, GENERIC_WRITE, CREATE_ALWAYS);
  DWORD done = 0;
  if (h == INVALID_HANDLE_VALUE) return;
  if (n > 0 && (!WriteFile(h, data, (DWORD)n, &done, NULL) || done != n)) fprintf(stderr, "write %s failed\n", path);
  CloseHandle(h);
}

long long mm_test_file_size(const char *path) {
  WIN32_FILE_ATTRIBUTE_DATA info;
  if (!GetFileAttributesExA(path, GetFileExInfoStandard, &info)) return -1;
  return ((long long)info.nFileSizeHigh << 32) | info.nFileSizeLow;
}

static long mm_test_transfer(const char *path, void *buf, size_t n, uint64_t offset, int write) {
  HANDLE h = mm_test_open(path, write ? GENERIC_WRITE : GENERIC_READ, OPEN_EXISTING);
  OVERLAPPED at;
  DWORD done = 0;
  BOOL ok;
  if (h == INVALID_HANDLE_VALUE) return -1;
  memset(&at, 0, sizeof at);
  at.Offset = (DWORD)(offset & 0xffffffffu);
  at.OffsetHigh = (DWORD)(offset >> 32);
  ok = write ? WriteFile(h, buf, (DWORD)n, &done, &at) : ReadFile(h, buf, (DWORD)n, &done, &at);
  CloseHandle(h);
  return ok ? (long)done : -1;
}

long mm_test_read_at(const char *path, void *buf, size_t n, uint64_t offset) {
  return mm_test_transfer(path, buf, n, offset, 0);
}

long mm_test_write_at(const char *path, const void *buf, size_t n, uint64_t offset) {
  return mm_test_transfer(path, (void *)buf, n, offset, 1);
}

void mm_test_remove(const char *path) { DeleteFileA(path); }

mm_test_path mm_test_path_in(const char *dir, const char *file) {
  mm_test_path p;
  snprintf(p.s, sizeof p.s, "%s\\%s", dir, file);
  return p;
}

int mm_test_named_exists(const char *name) {
  wchar_t wname[300];
  HANDLE h;
  swprintf(wname, 300, L"Local\\%hs", name);
  h = OpenFileMappingW(FILE_MAP_READ, FALSE, wname);
  if (h != NULL) CloseHandle(h);
  return h != NULL;
}

/* Windows keeps a pagefile-backed section's size in whole pages. */
uint64_t mm_test_opened_size(uint64_t capacity) { return (capacity + 4095) / 4096 * 4096; }

/* The identity of an open file: volume and file index. */
static int mm_test_identity(HANDLE h, BY_HANDLE_FILE_INFORMATION *id) {
  int ok = h != INVALID_HANDLE_VALUE && GetFileInformationByHandle(h, id);
  if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
  return ok;
}

/* Whether the view at `base` maps the file `want`: opened again by the name the view reports. */
static int mm_test_view_of(void *base, const BY_HANDLE_FILE_INFORMATION *want) {
  wchar_t device[MAX_PATH + 1], path[MAX_PATH + 32];
  BY_HANDLE_FILE_INFORMATION id;
  DWORD n = GetMappedFileNameW(GetCurrentProcess(), base, device, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) return 0;
  device[n] = L'\0';
  /* Windows: "\Device\HarddiskVolume3\..."; wine: "\??\C:\..." */
  if (wcsncmp(device, L"\\??\\", 4) == 0) swprintf(path, MAX_PATH + 32, L"\\\\?\\%ls", device + 4);
  else swprintf(path, MAX_PATH + 32, L"\\\\?\\GLOBALROOT%ls", device);
  if (!mm_test_identity(CreateFileW(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                                    FILE_ATTRIBUTE_NORMAL, NULL),
                        &id))
    return 0;
  return id.dwVolumeSerialNumber == want->dwVolumeSerialNumber && id.nFileIndexHigh == want->nFileIndexHigh &&
         id.nFileIndexLow == want->nFileIndexLow;
}

/* Walks this process's address space, counting the views (allocations) of the file. */
int mm_test_mappings_of(const char *path) {
  BY_HANDLE_FILE_INFORMATION want;
  MEMORY_BASIC_INFORMATION info;
  char *at = NULL;
  int n = 0;
  if (!mm_test_identity(mm_test_open(path, 0, OPEN_EXISTING), &want)) return -1;
  while (VirtualQuery(at, &info, sizeof info) == sizeof info) {
    if (info.Type == MEM_MAPPED && info.BaseAddress == info.AllocationBase && mm_test_view_of(info.BaseAddress, &want)) n++;
    at = (char *)info.BaseAddress + info.RegionSize;
  }
  return n;
}

long mm_test_pid(void) { return (long)GetCurrentProcessId(); }

/* Whether this Windows has placeholders, asked as win32.c asks: by making one. */
int mm_test_retire_in_place(void) {
  typedef PVOID(WINAPI * alloc2_fn)(HANDLE, PVOID, SIZE_T, ULONG, ULONG, void *, ULONG);
  alloc2_fn alloc2 = (alloc2_fn)(void *)GetProcAddress(GetModuleHandleW(L"kernelbase.dll"), "VirtualAlloc2");
  void *probe = alloc2 == NULL ? NULL : alloc2(GetCurrentProcess(), NULL, 65536, MEM_RESERVE | 0x00040000, PAGE_NOACCESS, NULL, 0);
  if (probe == NULL) return 0;
  VirtualFree(probe, 0, MEM_RELEASE);
  return 1;
}
