/* host_posix.c — host.h on POSIX systems. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"

int mm_test_tempdir(char *buf, size_t size, const char *prefix) {
  snprintf(buf, size, "/tmp/%s-XXXXXX", prefix);
  return mkdtemp(buf) == NULL ? -1 : 0;
}

void mm_test_rmtree(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

void mm_test_write_file(const char *path, const void *data, size_t n) {
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd >= 0) {
    if (write(fd, data, n) != (ssize_t)n) perror("write");
    close(fd);
  }
}

long long mm_test_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static long mm_test_transfer(const char *path, void *buf, size_t n, uint64_t offset, int write) {
  int fd = open(path, write ? O_WRONLY : O_RDONLY);
  long r;
  if (fd < 0) return -1;
  r = (long)(write ? pwrite(fd, buf, n, (off_t)offset) : pread(fd, buf, n, (off_t)offset));
  close(fd);
  return r;
}

long mm_test_read_at(const char *path, void *buf, size_t n, uint64_t offset) {
  return mm_test_transfer(path, buf, n, offset, 0);
}

long mm_test_write_at(const char *path, const void *buf, size_t n, uint64_t offset) {
  return mm_test_transfer(path, (void *)buf, n, offset, 1);
}

mm_test_path mm_test_path_in(const char *dir, const char *file) {
  mm_test_path p;
  snprintf(p.s, sizeof p.s, "%s/%s", dir, file);
  return p;
}

void mm_test_remove(const char *path) { unlink(path); }

/* Counts the lines of /proc/self/maps that end with the file's real path (Linux). */
int mm_test_mappings_of(const char *path) {
  char line[1024], real[PATH_MAX];
  int n = 0;
  size_t len;
  FILE *f = fopen("/proc/self/maps", "r");
  if (f == NULL || realpath(path, real) == NULL) {
    if (f) fclose(f);
    return -1;
  }
  len = strlen(real);
  while (fgets(line, sizeof line, f) != NULL) {
    size_t l = strlen(line);
    if (l > len && line[l - 1] == '\n' && strncmp(line + l - 1 - len, real, len) == 0) n++;
  }
  fclose(f);
  return n;
}

int mm_test_named_exists(const char *name) {
  char path[NAME_MAX + 16];
  struct stat st;
  snprintf(path, sizeof path, "/dev/shm/%s", name);
  return stat(path, &st) == 0;
}

uint64_t mm_test_opened_size(uint64_t capacity) { return capacity; }

long mm_test_pid(void) { return (long)getpid(); }

int mm_test_retire_in_place(void) { return 1; }
