/* test_shared_posix.c — named maps on POSIX: the flock lifetime protocol (crashes, churn), other programs' objects, modes, and the room of /dev/shm. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm/errors.h"
#include "mm/map.h"
#include "map_internal.h"
#include "mm/view.h"
#include "mmtest.h"

static char name[64];

static int shm_exists(const char *n) {
  char path[128];
  struct stat st;
  snprintf(path, sizeof path, "/dev/shm/%s", n);
  return stat(path, &st) == 0;
}


static void test_stale_after_crash(void) {
  mm_map *m = NULL;
  mm_view v;
  int e, status;
  pid_t pid = fork();
  if (pid == 0) {
    mm_map *cm;
    mm_view cv;
    int ce;
    if (mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &cm, &ce) != 0) _exit(1);
    if (mm_view_open(cm, 0, 0, MM_ACCESS_READ_WRITE, &cv, &ce) != 0) _exit(1);
    memset(mm_view_data(&cv), 0xAB, 4096);
    raise(SIGKILL); /* dies holding the map: no release runs */
    _exit(2);
  }
  MM_CHECK(pid > 0);
  MM_CHECK_EQ(waitpid(pid, &status, 0), pid);
  MM_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  MM_CHECK(shm_exists(name)); /* left behind by the crash... */
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_ENOENT);
  MM_CHECK(!shm_exists(name)); /* ...and removed by the next opener */

  pid = fork();
  if (pid == 0) {
    mm_map *cm;
    int ce;
    if (mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &cm, &ce) != 0) _exit(1);
    raise(SIGKILL);
    _exit(2);
  }
  MM_CHECK_EQ(waitpid(pid, &status, 0), pid);
  /* createNew over a stale object creates it afresh, zero-filled */
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 8192, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(m), 8192);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ, &v, &e), 0);
  for (int i = 0; i < 8192; i++) MM_CHECK_EQ(mm_view_data(&v)[i], 0);
  mm_view_close(&v);
  mm_map_free(m);
  MM_CHECK(!shm_exists(name));
}



/*
 * Many processes opening and closing one name at once, from a start barrier:
 * no errors, every holder holds the object the name names for as long as it
 * holds it (its own handle and the name agree on the inode), and nothing is
 * left at the end. Two of the processes create-or-open, two open-existing.
 */
static void test_churn(void) {
  enum { PROCS = 4, ROUNDS = 1000 };
  /* [0] arrivals at the barrier, [1] holders that held an object the name no longer named,
     [2] successful opens, [3] failed opens other than ENOENT */
  int *board = (int *)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t pids[PROCS];
  int status, failures = 0;
  MM_CHECK(board != MAP_FAILED);
  for (int p = 0; p < PROCS; p++) {
    pids[p] = fork();
    if (pids[p] == 0) {
      mm_shared_mode how = p % 2 == 0 ? MM_SHARED_CREATE_OR_OPEN : MM_SHARED_OPEN_EXISTING;
      __atomic_fetch_add(&board[0], 1, __ATOMIC_SEQ_CST);
      while (__atomic_load_n(&board[0], __ATOMIC_SEQ_CST) < PROCS) {
      }
      for (int i = 0; i < ROUNDS; i++) {
        mm_map *m;
        mm_view v;
        struct stat mine, named;
        char path[128];
        int e, rc = mm_map_open_shared(name, how, 4096, MM_ACCESS_READ_WRITE, &m, &e);
        if (rc == MM_ENOENT && how == MM_SHARED_OPEN_EXISTING) continue;
        if (rc != 0) {
          __atomic_fetch_add(&board[3], 1, __ATOMIC_SEQ_CST);
          continue;
        }
        __atomic_fetch_add(&board[2], 1, __ATOMIC_SEQ_CST);
        if (mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e) != 0) _exit(4);
        __atomic_fetch_add((int *)mm_view_data(&v), 1, __ATOMIC_SEQ_CST);
        snprintf(path, sizeof path, "/dev/shm/%s", name);
        if (fstat((int)m->handle, &mine) != 0 || stat(path, &named) != 0 || mine.st_ino != named.st_ino)
          __atomic_fetch_add(&board[1], 1, __ATOMIC_SEQ_CST);
        mm_view_close(&v);
        mm_map_free(m);
      }
      _exit(0);
    }
  }
  for (int p = 0; p < PROCS; p++) {
    MM_CHECK_EQ(waitpid(pids[p], &status, 0), pids[p]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failures++;
  }
  MM_CHECK_EQ(failures, 0);
  MM_CHECK_EQ(board[1], 0);
  MM_CHECK_EQ(board[3], 0);
  MM_CHECK(board[2] >= PROCS / 2 * ROUNDS); /* every create-or-open succeeded */
  munmap(board, 4096);
  {
    mm_map *m;
    int e;
    /* at most a stale object from two simultaneous last releases; the next opener removes it */
    MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &m, &e), MM_ENOENT);
  }
  MM_CHECK(!shm_exists(name));
}

/* Makes /<n> as another program would: shm_open with `mode`, `size` bytes, `text` at offset 0. */
static int raw_object(const char *n, mode_t mode, off_t size, const char *text) {
  char path[128];
  int fd;
  snprintf(path, sizeof path, "/%s", n);
  fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, mode);
  if (fd < 0) return -1;
  if (fchmod(fd, mode) != 0 || ftruncate(fd, size) != 0 || pwrite(fd, text, strlen(text), 0) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Another program's object is joined as it is, and never resized, truncated or removed. */
static void test_foreign_object(void) {
  mm_map *m = NULL, *again = NULL;
  mm_view v;
  int e, fd = raw_object(name, 0600, 4096, "hello");
  struct stat st;
  MM_CHECK(fd >= 0);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 4096, MM_ACCESS_READ_WRITE, &m, &e), MM_EEXIST);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 8192, MM_ACCESS_READ_WRITE, &m, &e), MM_ERANGE);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(mm_map_capacity(m), 4096);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 100, MM_ACCESS_READ_WRITE, &again, &e), 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  MM_CHECK(memcmp(mm_view_data(&v), "hello", 5) == 0);
  memcpy(mm_view_data(&v), "world", 5);
  mm_view_close(&v);
  mm_map_free(again);
  mm_map_free(m);
  /* every memmap holder is gone: the object stays, as its program left it plus our write */
  MM_CHECK(shm_exists(name));
  MM_CHECK_EQ(fstat(fd, &st), 0);
  MM_CHECK_EQ(st.st_size, 4096);
  {
    char buf[5];
    MM_CHECK_EQ(pread(fd, buf, 5, 0), 5);
    MM_CHECK(memcmp(buf, "world", 5) == 0);
  }
  /* and it is not taken for a stale memmap object by a later opener either */
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ, &m, &e), 0);
  mm_map_free(m);
  MM_CHECK(shm_exists(name));
  close(fd);
  {
    char path[128];
    snprintf(path, sizeof path, "/%s", name);
    shm_unlink(path);
  }
}

/* An object that grants group or other access is never joined, memmap's marker or not. */
static void test_untrusted_object(void) {
  static const mode_t modes[] = {0644, 0660, 0606, 01666, 01604};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    mm_map *m = NULL;
    int e, fd = raw_object(name, modes[i], 4096, "planted");
    mm_shared_owner_info who;
    MM_CHECK(fd >= 0);
    MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_OPEN_EXISTING, 0, MM_ACCESS_READ_WRITE, &m, &e), MM_EACCES);
    MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_OR_OPEN, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EACCES);
    MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, 10, MM_ACCESS_READ_WRITE, &m, &e), MM_EACCES);
    MM_CHECK(m == NULL);
    MM_CHECK(shm_exists(name)); /* refused, and left alone */
    MM_CHECK_EQ(mm_shared_owner(name, &who), 0);
    MM_CHECK_EQ(who.uid, geteuid());
    MM_CHECK_EQ(who.mode, modes[i]);
    MM_CHECK(strcmp(who.user, geteuid() == 0 ? "root" : who.user) == 0 && who.user[0] != '\0');
    close(fd);
    {
      char path[128];
      snprintf(path, sizeof path, "/%s", name);
      shm_unlink(path);
    }
  }
}

/* Creating is O(1): nothing is allocated until touched, and a size no system could back is refused at once. */
static void test_capacity_room(void) {
  mm_map *m = NULL;
  mm_view v;
  int e;
  char path[128];
  struct stat st;
  snprintf(path, sizeof path, "/dev/shm/%s", name);
  MM_CHECK_EQ(mm_map_open_shared(NULL, MM_SHARED_CREATE_NEW, (uint64_t)1 << 62, MM_ACCESS_READ_WRITE, &m, &e), MM_ENOMEM);
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, (uint64_t)1 << 62, MM_ACCESS_READ_WRITE, &m, &e), MM_ENOSPC);
  MM_CHECK(!shm_exists(name));
  MM_CHECK_EQ(mm_map_open_shared(name, MM_SHARED_CREATE_NEW, (uint64_t)1 << 30, MM_ACCESS_READ_WRITE, &m, &e), 0);
  MM_CHECK_EQ(stat(path, &st), 0);
  MM_CHECK_EQ(st.st_size, (off_t)1 << 30);
  MM_CHECK_EQ(st.st_blocks, 0);
  MM_CHECK_EQ(mm_view_open(m, 0, 0, MM_ACCESS_READ_WRITE, &v, &e), 0);
  mm_view_data(&v)[12345] = 1; /* one page is committed on first touch */
  MM_CHECK_EQ(stat(path, &st), 0);
  MM_CHECK(st.st_blocks > 0 && st.st_blocks * 512 <= 64 * 1024);
  mm_view_close(&v);
  mm_map_free(m);
  MM_CHECK(!shm_exists(name));
}



int main(int argc, char **argv) {
  MM_TEST_ARGS(argc, argv);
  snprintf(name, sizeof name, "mmtest-shared-%ld", (long)getpid());
  MM_RUN(test_stale_after_crash);
  MM_RUN(test_churn);
  MM_RUN(test_foreign_object);
  MM_RUN(test_untrusted_object);
  MM_RUN(test_capacity_room);
  {
    char path[128];
    snprintf(path, sizeof path, "/dev/shm/%s", name);
    unlink(path);
  }
  return MM_TEST_END();
}
