/*
 * spawn_win32.h — starts the running test executable again as a child with
 * a part to play (`<exe> <role> <arg>`, which its main() dispatches on), for
 * the Windows tests that need a second process: a holder to kill, a sleeper
 * to wake. Include after <windows.h>.
 */
#ifndef MM_TEST_SPAWN_WIN32_H
#define MM_TEST_SPAWN_WIN32_H

#include <stdio.h>
#include <string.h>

/* Starts `<this exe> <role> <arg>`; 0 and the child in *pi (handles to close), or -1. */
static int spawn_self(const char *role, const char *arg, PROCESS_INFORMATION *pi) {
  char cmd[MAX_PATH + 128], self[MAX_PATH];
  STARTUPINFOA si;
  if (GetModuleFileNameA(NULL, self, sizeof self) == 0) return -1;
  snprintf(cmd, sizeof cmd, "\"%s\" %s %s", self, role, arg);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  return CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, pi) ? 0 : -1;
}

#endif
