/*
 * host.h — what the core's C tests need from the machine they run on, one
 * file per platform (host_posix.c, host_win32.c), picked by
 * core/CMakeLists.txt as the core's own platform files are.
 */
#ifndef MM_TEST_HOST_H
#define MM_TEST_HOST_H

#include <stddef.h>
#include <stdint.h>

/* Makes a fresh temporary directory <tmp>/<prefix>-XXXXXX into buf; 0 on success. */
int mm_test_tempdir(char *buf, size_t size, const char *prefix);

/* Removes a directory made by mm_test_tempdir, with everything in it. */
void mm_test_rmtree(const char *dir);

/* Writes a file of exactly these bytes (replacing it). */
void mm_test_write_file(const char *path, const void *data, size_t n);

/* The file's size, or -1 when there is none. */
long long mm_test_file_size(const char *path);

/* Reads / writes n bytes at `offset` through the file system (not a mapping); the count, or -1. */
long mm_test_read_at(const char *path, void *buf, size_t n, uint64_t offset);
long mm_test_write_at(const char *path, const void *buf, size_t n, uint64_t offset);

/* A path in a directory: "<dir>/<file>" with the platform's separator. */
typedef struct mm_test_path {
  char s[512];
} mm_test_path;
mm_test_path mm_test_path_in(const char *dir, const char *file);

/* Removes a file (no error when there is none). */
void mm_test_remove(const char *path);

/* The number of mappings of the file at `path` in this process. */
int mm_test_mappings_of(const char *path);

/* Whether a named map `name` exists now (Linux: /dev/shm/<name>; Windows: the section Local\<name>). */
int mm_test_named_exists(const char *name);

/* The capacity an opener sees of a named map created with `capacity`: the same, or whole pages on Windows. */
uint64_t mm_test_opened_size(uint64_t capacity);

/* This process's id. */
long mm_test_pid(void);

/*
 * 1 where a view can be retired in place (mm_view_retire): always on POSIX;
 * on Windows where placeholders exist (Windows 10 1803 and later; not wine 8).
 */
int mm_test_retire_in_place(void);

#endif /* MM_TEST_HOST_H */
