/*
 * test_named_file_posix.c — persisted maps shared by name on POSIX: the
 * registry object in the shared-memory namespace, its crash-proof lifetime,
 * and what an opener gets when the file was replaced.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm/errors.h"
#include "mm/map.h"
#include "mm/view.h"
#include "host.h"
#include "mmtest.h"

static char dir[256];
static char name[64];

#define path_of(file) mm_test_path_in(dir, file)

static int shm_mode(const char *n) {
  char path[128];
  struct stat st;
  snprintf(path, sizeof path, "/dev/shm/%s", n);
  return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void write_file(const char *path, const char *data, size_t n) {
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd >= 0) {
    if (write(fd, data, n) != (ssize_t)n) perror("write");
    close(fd);
  }
}

/* The name finds the same file's pages with the same capacity, for as long as a holder lives. */
static void test_open_by_name(void) {
  mm_map *a = NULL, *b = NULL, *c = NULL;
  mm_view va, vb;
  int e;
  mm_test_path p_ = path_of("by-name.bin");
  const char *p = p_.s;
  unlink(p);
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_CREATE_NEW, 10000, MM_ACCESS_READ_WRITE, name, &a, &e), 0);
  MM_CHECK_EQ(shm_mode(name), 01400); /* recognisably memmap's: a record, not a map's data */
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &b, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(b), 10000);
  MM_CHECK_EQ(mm_view_open(a, 0, 0, MM_ACCESS_READ_WRITE, &va, &e), 0);
  MM_CHECK_EQ(mm_view_open(b, 4096, 0, MM_ACCESS_READ_WRITE, &vb, &e), 0);
  memcpy(mm_view_data(&va) + 9000, "by name", 7);
  MM_CHECK(memcmp(mm_view_data(&vb) + 9000 - 4096, "by name", 7) == 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &c, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 10001, MM_ACCESS_READ_WRITE, &c, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 100, MM_ACCESS_READ, &c, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(c), 100);
  mm_map_free(c);
  /* the creator and its view go: the opener keeps the name alive */
  mm_view_close(&va);
  mm_map_free(a);
  MM_CHECK_EQ(shm_mode(name), 01400);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &c, &e), 0);
  mm_map_free(c);
  mm_map_free(b); /* its view still holds it */
  MM_CHECK_EQ(shm_mode(name), 01400);
  mm_view_close(&vb);
  MM_CHECK_EQ(shm_mode(name), -1);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &c, &e), MM_ENOENT);
  unlink(p);
}

/* A live name of either kind is EEXIST, and the file at the path is left exactly as it was. */
static void test_name_taken(void) {
  mm_map *m = NULL, *n = NULL;
  int e, fd;
  struct stat st;
  char buf[6];
  mm_test_path p_ = path_of("taken.bin");
  const char *p = p_.s;
  write_file(p, "before", 6);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_CREATE, 65536, MM_ACCESS_READ_WRITE, name, &n, &e), MM_EEXIST);
  MM_CHECK(n == NULL);
  MM_CHECK_EQ(stat(p, &st), 0);
  MM_CHECK_EQ(st.st_size, 6);
  fd = open(p, O_RDONLY);
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(read(fd, buf, 6), 6);
  close(fd);
  MM_CHECK(memcmp(buf, "before", 6) == 0);
  /* a file the failed call created is removed again */
  MM_CHECK_EQ(mm_map_open_file_named(path_of("new.bin").s, MM_MODE_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, name, &n, &e),
              MM_EEXIST);
  MM_CHECK_EQ(stat(path_of("new.bin").s, &st), -1);
  mm_map_free(m);
  /* and a persisted map's live name refuses another persisted map */
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, name, &m, &e), 0);
  MM_CHECK_EQ(mm_map_open_file_named(path_of("other.bin").s, MM_MODE_OPEN_OR_CREATE, 10, MM_ACCESS_READ_WRITE, name, &n, &e),
              MM_EEXIST);
  MM_CHECK_EQ(stat(path_of("other.bin").s, &st), -1);
  mm_map_free(m);
  MM_CHECK_EQ(shm_mode(name), -1);
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_OPEN, 0, MM_ACCESS_READ, "", &m, &e), MM_EINVAL);
  unlink(p);
}

/* The creator killed with SIGKILL: no holder is left, so the name is stale and goes. */
static void test_creator_killed(void) {
  mm_map *m = NULL;
  int e, status;
  mm_test_path p_ = path_of("killed.bin");
  const char *p = p_.s;
  pid_t pid;
  unlink(p);
  pid = fork();
  if (pid == 0) {
    mm_map *cm;
    int ce;
    if (mm_map_open_file_named(p, MM_MODE_CREATE_NEW, 8192, MM_ACCESS_READ_WRITE, name, &cm, &ce) != 0) _exit(1);
    raise(SIGKILL);
    _exit(2);
  }
  MM_CHECK(pid > 0);
  MM_CHECK_EQ(waitpid(pid, &status, 0), pid);
  MM_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  MM_CHECK_EQ(shm_mode(name), 01400); /* left behind by the crash... */
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &m, &e), MM_ENOENT);
  MM_CHECK_EQ(shm_mode(name), -1); /* ...and removed by the next opener */
  /* the file itself is the user's and stays */
  MM_CHECK_EQ(access(p, F_OK), 0);
  /* a stale name does not stop a new map from taking it */
  pid = fork();
  if (pid == 0) {
    mm_map *cm;
    int ce;
    if (mm_map_open_file_named(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, name, &cm, &ce) != 0) _exit(1);
    raise(SIGKILL);
    _exit(2);
  }
  MM_CHECK_EQ(waitpid(pid, &status, 0), pid);
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_OPEN, 0, MM_ACCESS_READ_WRITE, name, &m, &e), 0);
  mm_map_free(m);
  MM_CHECK_EQ(shm_mode(name), -1);
  unlink(p);
}

/* The name stands for one file: replaced, removed or cut short, openers get ESTALE, never another file. */
static void test_replaced_file(void) {
  mm_map *m = NULL, *o = NULL;
  int e;
  mm_test_path p_ = path_of("replaced.bin");
  const char *p = p_.s;
  mm_test_path tmp_ = path_of("impostor.bin");
  const char *tmp = tmp_.s;
  unlink(p);
  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, name, &m, &e), 0);
  write_file(tmp, "impostor", 8);
  MM_CHECK_EQ(truncate(tmp, 4096), 0);
  MM_CHECK_EQ(rename(tmp, p), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &o, &e), MM_ESTALE);
  MM_CHECK(strstr(mm_error_detail(), "another file") != NULL);
  MM_CHECK(o == NULL);
  unlink(p);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &o, &e), MM_ESTALE);
  MM_CHECK(strstr(mm_error_detail(), "no longer at its path") != NULL);
  mm_map_free(m);
  MM_CHECK_EQ(shm_mode(name), -1);

  MM_CHECK_EQ(mm_map_open_file_named(p, MM_MODE_CREATE_NEW, 8192, MM_ACCESS_READ_WRITE, name, &m, &e), 0);
  MM_CHECK_EQ(truncate(p, 100), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &o, &e), MM_ESTALE);
  MM_CHECK_EQ(strcmp(mm_error_detail(), "the map's file was cut to 100 bytes, below the map's capacity 8192"), 0);
  mm_map_free(m);
  MM_CHECK_EQ(shm_mode(name), -1);
  unlink(p);
}

/* A relative path is recorded as the absolute path of the same file. */
static void test_relative_path(void) {
  mm_map *m = NULL, *o = NULL;
  mm_view v;
  int e;
  char cwd[512];
  MM_CHECK(getcwd(cwd, sizeof cwd) != NULL);
  MM_CHECK_EQ(chdir(dir), 0);
  unlink("relative.bin");
  MM_CHECK_EQ(mm_map_open_file_named("relative.bin", MM_MODE_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, name, &m, &e), 0);
  MM_CHECK_EQ(chdir("/"), 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &o, &e), 0);
  MM_CHECK_EQ(mm_view_open(o, 0, 0, MM_ACCESS_READ, &v, &e), 0);
  MM_CHECK_EQ(mm_view_data(&v)[0], 0);
  mm_view_close(&v);
  mm_map_free(o);
  mm_map_free(m);
  MM_CHECK_EQ(chdir(cwd), 0);
  unlink(path_of("relative.bin").s);
}

/* An object with the record's marker that holds no record is refused, never mapped as a file. */
static void test_bad_record(void) {
  mm_map *m = NULL, *keep = NULL;
  int e, fd;
  char path[128];
  snprintf(path, sizeof path, "/%s", name);
  fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 01400);
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(fchmod(fd, 01400), 0);
  MM_CHECK_EQ(ftruncate(fd, 100), 0);
  /* held by someone (a shared lock through a second descriptor), so it is not stale */
  {
    int holder = shm_open(path, O_RDONLY, 0);
    MM_CHECK(holder >= 0);
    MM_CHECK_EQ(flock(holder, LOCK_SH), 0);
    MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &m, &e), MM_EINVAL);
    MM_CHECK(strstr(mm_error_detail(), "holds no record") != NULL);
    close(holder);
  }
  close(fd);
  /* with no holder it is stale, and the opener removes it */
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &m, &e), MM_ENOENT);
  MM_CHECK_EQ(shm_mode(name), -1);
  MM_CHECK(keep == NULL);
}

int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  if (mm_test_tempdir(dir, sizeof dir, "mmtest-named-file") != 0) return 2;
  snprintf(name, sizeof name, "mmtest-named-file-%ld", (long)getpid());
  MM_RUN(test_open_by_name);
  MM_RUN(test_name_taken);
  MM_RUN(test_creator_killed);
  MM_RUN(test_replaced_file);
  MM_RUN(test_relative_path);
  MM_RUN(test_bad_record);
  {
    char path[128];
    snprintf(path, sizeof path, "/%s", name);
    shm_unlink(path);
  }
  mm_test_rmtree(dir);
  return MM_TEST_END();
}
