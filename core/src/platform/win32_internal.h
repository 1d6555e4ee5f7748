/*
 * win32_internal.h — what win32.c and win32_named.c share: the record a
 * Windows handle points to, and the error and string helpers.
 */
#ifndef MM_WIN32_INTERNAL_H
#define MM_WIN32_INTERNAL_H

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdint.h>

/*
 * What an intptr_t handle points to on Windows. `file` is the file of a
 * persisted map (NULL for shared memory); `section` is the section views are
 * mapped from, or NULL for an unnamed persisted map, whose views each make a
 * section of their own. Both are closed with the record.
 */
typedef struct mm__win_object {
  HANDLE file;
  HANDLE section;
  int writable; /* `file` was opened for writing (FlushFileBuffers needs it) */
  /* What waits on the object's words key on (win32_sync.c): set at creation for a named section
   * (its name), else made on the first wait (the file's identity; or the process and object). */
  volatile LONG64 wait_key;
} mm__win_object;

mm__win_object *mm__win_object_new(HANDLE file, HANDLE section);
void mm__win_object_free(mm__win_object *obj);

/* FNV-1a (64 bits) of n bytes, continuing from `seed` (0: the start). */
uint64_t mm__win_hash(uint64_t seed, const void *data, size_t n);

/* The core code for a Windows error (GetLastError()); MM_EIO for one not in the table. */
int mm__win_error(DWORD error);

/* GetLastError() into *os_errno, and its core code. */
int mm__win_fail(int *os_errno);

/* UTF-8 to a new UTF-16 string after `prefix` (or none); NULL when it is not UTF-8 or out of memory. */
wchar_t *mm__win_wide(const char *utf8, const wchar_t *prefix);

/* The size of a section object in bytes (NtQuerySection; Windows keeps a pagefile-backed one's in whole pages). */
int mm__win_section_size(HANDLE section, uint64_t *size, int *os_errno);

#endif /* MM_WIN32_INTERNAL_H */
