/*
 * test_named_win32.c — named maps on Windows: sections in Local\, whose
 * lifetime is the kernel's (crashes included), other programs' sections and
 * other kinds of objects, persisted maps shared by name, the name rules and
 * the commit limit. (What every platform does: test_shared.c.)
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stdint.h>

#include "host.h"
#include "mm/errors.h"
#include "mm/map.h"
#include "mm/view.h"
#include "mmtest.h"
#include "spawn_win32.h"

static char dir[256];
static char name[64];

#define path_of(file) mm_test_path_in(dir, file)

/* A holder killed (TerminateProcess, as a crash): the kernel closes its handles, and the name goes. */
static void test_killed_holder(void) {
  PROCESS_INFORMATION pi;
  mm_map *m = NULL;
  mm_view v;
  int e, waited = 0;
  MM_CHECK_EQ(spawn_self("--hold", name, &pi), 0);
  while (!mm_test_named_exists(name) && waited++ < 1000) Sleep(10);
  MM_CHECK(mm_test_named_exists(name));
  MM_CHECK(TerminateProcess(pi.hProcess, 9));
  MM_CHECK_EQ(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_ENOENT);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 8192, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &v, &e), 0);
  for (int i = 0; i < 8192; i++) MM_CHECK_EQ(mm_view_data(&v)[i], 0);
  mm_view_close(&v);
  mm_map_free(m);
}

/* Another program's section is joined as it is, with its size. */
static void test_foreign_section(void) {
  wchar_t wname[128];
  HANDLE theirs;
  char *data;
  mm_map *m = NULL;
  mm_view v;
  int e;
  swprintf(wname, 128, L"Local\\%hs", name);
  theirs = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, wname);
  MM_CHECK(theirs != NULL);
  data = (char *)MapViewOfFile(theirs, FILE_MAP_WRITE, 0, 0, 0);
  MM_CHECK(data != NULL);
  memcpy(data, "hello", 5);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 8192, MM_ACCESS_READ_WRITE, &m, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(m), 4096);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  MM_CHECK(memcmp(mm_view_data(&v), "hello", 5) == 0);
  memcpy(mm_view_data(&v), "world", 5);
  mm_view_close(&v);
  mm_map_free(m);
  MM_CHECK(memcmp(data, "world", 5) == 0);
  MM_CHECK(mm_test_named_exists(name)); /* theirs, alive while they hold it */
  UnmapViewOfFile(data);
  CloseHandle(theirs);
  MM_CHECK(!mm_test_named_exists(name));
}

/* A name held by a kernel object of another kind is taken, and is no map. */
static void test_other_kind_of_object(void) {
  wchar_t wname[128];
  HANDLE mutex;
  mm_map *m = NULL;
  int e;
  swprintf(wname, 128, L"Local\\%hs", name);
  mutex = CreateMutexW(NULL, FALSE, wname);
  MM_CHECK(mutex != NULL);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), MM_EEXIST);
  MM_CHECK(strstr(mm_error_detail(), "another kind") != NULL);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_ENOENT);
  MM_CHECK_EQ(mm_map_open_file_named(path_of("mutex.bin").s, MM_MODE_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, name, &m, &e),
              MM_EEXIST);
  MM_CHECK_EQ(mm_test_file_size(path_of("mutex.bin").s), -1);
  CloseHandle(mutex);
}

/* The persisted map's name: a section over the file, opened with the file's capacity in bytes. */
static void test_persisted_by_name(void) {
  mm_test_path p_ = path_of("by-name.bin");
  const char *p = p_.s;
  mm_map *a = NULL, *b = NULL, *c = NULL;
  mm_view va, vb;
  char buf[7];
  int e;
  mm_test_remove(p);
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_CREATE_NEW, 10000, MM_ACCESS_READ_WRITE, name, &a, &e), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &b, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(b), 10000);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &c, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, name, &c, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_view_open(a, 0, 0, MM_ACCESS_READ_WRITE, &va, &e), 0);
  MM_CHECK_EQ(mm_view_open(b, 0, 0, MM_ACCESS_READ_WRITE, &vb, &e), 0);
  memcpy(mm_view_data(&vb) + 9000, "by name", 7);
  MM_CHECK(memcmp(mm_view_data(&va) + 9000, "by name", 7) == 0);
  /* the opener by name flushes to the file too */
  MM_CHECK_EQ(mm_view_flush(&vb, &e), 0);
  MM_CHECK_EQ(mm_test_read_at(p, buf, 7, 9000), 7);
  MM_CHECK(memcmp(buf, "by name", 7) == 0);
  mm_view_close(&va);
  mm_map_free(a);
  MM_CHECK(mm_test_named_exists(name));
  mm_view_close(&vb);
  mm_map_free(b);
  MM_CHECK(!mm_test_named_exists(name));
  MM_CHECK_EQ(mm_test_file_size(p), 10000);
  mm_test_remove(p);
}

/* A live name is refused before the file changes: the file at the path is left as it was. */
static void test_name_taken_leaves_the_file(void) {
  mm_test_path p_ = path_of("taken.bin");
  const char *p = p_.s;
  mm_map *m = NULL, *n = NULL;
  char buf[6];
  int e;
  mm_test_write_file(p, "before", 6);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_CREATE, 65536, MM_ACCESS_READ_WRITE, name, &n, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_test_file_size(p), 6);
  MM_CHECK_EQ(mm_test_read_at(p, buf, 6, 0), 6);
  MM_CHECK(memcmp(buf, "before", 6) == 0);
  MM_CHECK_EQ(mm_map_open_file_named(path_of("new.bin").s, MM_MODE_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, name, &n, &e),
              MM_EEXIST);
  MM_CHECK_EQ(mm_test_file_size(path_of("new.bin").s), -1);
  mm_map_free(m);
  mm_test_remove(p);
}

static void test_name_rules(void) {
  char longest[256], too_long[257];
  mm_map *m = NULL;
  int e;
  memset(longest, 'n', 255);
  longest[255] = '\0';
  memset(too_long, 'n', 256);
  too_long[256] = '\0';
  MM_CHECK_EQ(mm_map_open_shared("a\\b", MM_SHARED_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
  MM_CHECK_EQ(mm_map_open_shared(too_long, MM_SHARED_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_ENAMETOOLONG);
  MM_CHECK_EQ(mm_map_open_shared(longest, MM_SHARED_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, &m, &e), 0);
  mm_map_free(m);
  MM_CHECK_EQ(mm_map_open_shared("", MM_SHARED_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EINVAL);
}

/* A capacity no system could back is refused at once: Windows charges sections against the commit limit. */
static void test_capacity_room(void) {
  mm_map *m = NULL;
  int e;
  MM_CHECK_EQ(mm_map_open_shared(NULL, MM_SHARED_CREATE_NEW, (uint64_t)1 << 62, MM_ACCESS_READ_WRITE, &m, &e), MM_ENOMEM);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, (uint64_t)1 << 62, MM_ACCESS_READ_WRITE, &m, &e), MM_ENOSPC);
  MM_CHECK(!mm_test_named_exists(name));
}

/* The child of test_killed_holder: creates the map and waits to be killed. */
static int hold(const char *n) {
  mm_map *m;
  mm_view v;
  int e;
  if (mm_map_open_shared(n, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e) != 0) return 1;
  if (mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e) != 0) return 1;
  memset(mm_view_data(&v), 0xAB, 4096);
  Sleep(INFINITE);
  return 2;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--hold") == 0) return hold(argv[2]);
  MM_TEST_ARGS(argc, argv);
  if (mm_test_tempdir(dir, sizeof dir, "mmtest-named") != 0) return 2;
  snprintf(name, sizeof name, "mmtest-named-%ld", mm_test_pid());
  MM_RUN(test_killed_holder);
  MM_RUN(test_foreign_section);
  MM_RUN(test_other_kind_of_object);
  MM_RUN(test_persisted_by_name);
  MM_RUN(test_name_taken_leaves_the_file);
  MM_RUN(test_name_rules);
  MM_RUN(test_capacity_room);
  mm_test_rmtree(dir);
  return MM_TEST_END();
}
