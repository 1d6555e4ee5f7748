/*
 * win32_sync.c — platform.h's waits and thread identity on Windows.
 *
 * WaitOnAddress wakes only threads of its own process, so a word is waited on
 * through named kernel objects that every process finds by the word's key:
 * the mapped object's identity (a file's volume serial number and file
 * index; a named section's name; for memory only this process can map, the
 * process id and the object) and the word's offset in it, hashed (FNV-1a,
 * 64 bits) into names in the session's namespace:
 *   Local\memmap-wait-<key>-<offset>-s   a semaphore sleepers wait on
 *   Local\memmap-wait-<key>-<offset>-r   a section of one record { waiters, wakes }
 *   Local\memmap-wait-<key>-<offset>-m   a mutex guarding the record (a holder that
 *                                        dies abandons it: WAIT_ABANDONED is taken
 *                                        as acquired)
 * The protocol (platform.h has the reasoning):
 *   wait:  lock; word != expected: unlock, NOT_EQUAL; waiters++; unlock;
 *          sleep on the semaphore; lock; woken: wakes--; timed out: a wake that
 *          raced it (wakes > 0 and a unit is there) is taken, else waiters--;
 *          unlock.
 *   wake:  lock; k = min(count, waiters); waiters -= k; wakes += k; release k
 *          units; unlock; return k.
 * The objects live while any process has them open: a crashed process
 * leaves nothing behind. Each process keeps the objects of the words it used
 * open in a table (MM__KEYS entries, then opened per call), so a wait costs
 * no lookups by name after the first.
 *
 * Waiting on several words at once (mm__plat_wait_any) registers on each and
 * sleeps in WaitForMultipleObjects, so at most 64 words (MAXIMUM_WAIT_OBJECTS).
 *
 * Threads: the id is GetCurrentThreadId() / 4 (Windows thread ids are
 * multiples of 4, unique machine-wide among live threads and processes), the
 * token the low 32 bits of the thread's creation time (never 0). A thread is
 * alive while OpenThread finds it, it has not ended, and its creation time
 * matches.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "mm/errors.h"
#include "platform.h"
#include "win32_internal.h"

typedef struct mm__wait_record {
  volatile LONG waiters; /* sleepers not yet woken */
  volatile LONG wakes;   /* semaphore units released and not yet taken */
} mm__wait_record;

typedef struct mm__wait_objects {
  uint64_t key, offset;
  HANDLE mutex, semaphore, section;
  mm__wait_record *record;
} mm__wait_objects;

#define MM__KEYS 512
static mm__wait_objects mm__keys[MM__KEYS];
static SRWLOCK mm__keys_lock = SRWLOCK_INIT;

uint64_t mm__win_hash(uint64_t seed, const void *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  uint64_t h = seed != 0 ? seed : 0xcbf29ce484222325ull;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/*
 * The key of the object a word lives in (see above). An object's key is made
 * once and kept in it (a named section's at creation), so a wait asks the
 * file system nothing; threads that make it at once store the same value.
 */
static int mm__key_of(const mm_word *word, uint64_t *key, int *os_errno) {
  DWORD pid = GetCurrentProcessId();
  mm__win_object *obj;
  if (word->object == -1) {
    const volatile int32_t *addr = word->addr;
    *key = mm__win_hash(mm__win_hash(0, "local", 5), &pid, sizeof pid);
    *key = mm__win_hash(*key, &addr, sizeof addr);
    return 0;
  }
  obj = (mm__win_object *)word->object;
  *key = (uint64_t)obj->wait_key;
  if (*key != 0) return 0;
  if (obj->file != NULL) {
    char identity[MM__IDENTITY_MAX];
    int rc = mm__plat_identity(word->object, identity, os_errno);
    if (rc < 0) return rc;
    *key = mm__win_hash(mm__win_hash(0, "file", 4), identity, strlen(identity));
  } else {
    *key = mm__win_hash(mm__win_hash(0, "anonymous", 9), &pid, sizeof pid);
    *key = mm__win_hash(*key, &obj, sizeof obj);
  }
  InterlockedExchange64(&obj->wait_key, (LONG64)*key);
  return 0;
}

static void mm__objects_close(mm__wait_objects *o) {
  if (o->record != NULL) UnmapViewOfFile((void *)o->record);
  if (o->section != NULL) CloseHandle(o->section);
  if (o->semaphore != NULL) CloseHandle(o->semaphore);
  if (o->mutex != NULL) CloseHandle(o->mutex);
  memset(o, 0, sizeof *o);
}

/* Opens (or creates) the three objects of (key, offset) into *o. */
static int mm__objects_open(uint64_t key, uint64_t offset, mm__wait_objects *o, int *os_errno) {
  wchar_t name[64];
  int rc;
  memset(o, 0, sizeof *o);
  o->key = key;
  o->offset = offset;
  _snwprintf(name, 64, L"Local\\memmap-wait-%016llx-%016llx-m", (unsigned long long)key,
             (unsigned long long)offset);
  name[63] = L'\0';
  o->mutex = CreateMutexW(NULL, FALSE, name);
  if (o->mutex == NULL) goto fail;
  name[wcslen(name) - 1] = L's';
  o->semaphore = CreateSemaphoreW(NULL, 0, LONG_MAX, name);
  if (o->semaphore == NULL) goto fail;
  name[wcslen(name) - 1] = L'r';
  o->section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof(mm__wait_record), name);
  if (o->section == NULL) goto fail;
  o->record = (mm__wait_record *)MapViewOfFile(o->section, FILE_MAP_WRITE, 0, 0, sizeof(mm__wait_record));
  if (o->record == NULL) goto fail;
  return 0;
fail:
  rc = mm__win_fail(os_errno);
  mm__objects_close(o);
  return rc;
}

/*
 * The objects of the word: from the table (*cached 1; they stay open) or
 * opened for this call (*cached 0; mm__objects_close them after).
 */
static int mm__objects(const mm_word *word, mm__wait_objects *out, int *cached, int *os_errno) {
  uint64_t key;
  uint32_t slot, i;
  int rc = mm__key_of(word, &key, os_errno);
  if (rc < 0) return rc;
  slot = (uint32_t)(mm__win_hash(key, &word->offset, sizeof word->offset) % MM__KEYS);
  AcquireSRWLockExclusive(&mm__keys_lock);
  for (i = 0; i < MM__KEYS; i++) {
    mm__wait_objects *o = &mm__keys[(slot + i) % MM__KEYS];
    if (o->mutex != NULL && o->key == key && o->offset == word->offset) {
      *out = *o;
      *cached = 1;
      ReleaseSRWLockExclusive(&mm__keys_lock);
      return 0;
    }
    if (o->mutex == NULL) {
      rc = mm__objects_open(key, word->offset, o, os_errno);
      if (rc == 0) *out = *o;
      *cached = 1;
      ReleaseSRWLockExclusive(&mm__keys_lock);
      return rc;
    }
  }
  ReleaseSRWLockExclusive(&mm__keys_lock);
  *cached = 0;
  return mm__objects_open(key, word->offset, out, os_errno);
}

static void mm__lock(mm__wait_objects *o) {
  WaitForSingleObject(o->mutex, INFINITE); /* WAIT_ABANDONED: ours now, as WAIT_OBJECT_0 */
}

static void mm__unlock(mm__wait_objects *o) { ReleaseMutex(o->mutex); }

static uint64_t mm__now_ms(void) { return GetTickCount64(); }

/* Milliseconds to wait for the rest of a timeout (rounded up; INFINITE for none). */
static DWORD mm__left_ms(int64_t timeout_ns, uint64_t deadline_ms) {
  uint64_t now;
  if (timeout_ns < 0) return INFINITE;
  now = mm__now_ms();
  if (now >= deadline_ms) return 0;
  return deadline_ms - now >= INFINITE ? INFINITE - 1 : (DWORD)(deadline_ms - now);
}

int mm__plat_wait(const mm_word *word, int32_t expected, int64_t timeout_ns, int *os_errno) {
  mm__wait_objects o;
  uint64_t deadline = 0;
  int cached, result;
  DWORD r;
  *os_errno = 0;
  if (timeout_ns >= 0) deadline = mm__now_ms() + (uint64_t)((timeout_ns + 999999) / 1000000);
  result = mm__objects(word, &o, &cached, os_errno);
  if (result < 0) return result;
  mm__lock(&o);
  MemoryBarrier(); /* a plain load: a read view's window is read-only (no locked cmpxchg there) */
  if (*word->addr != expected) {
    mm__unlock(&o);
    result = MM_WAIT_NOT_EQUAL;
    goto done;
  }
  o.record->waiters++;
  mm__unlock(&o);
  do r = WaitForSingleObject(o.semaphore, mm__left_ms(timeout_ns, deadline));
  while (r == WAIT_TIMEOUT && timeout_ns >= 0 && mm__now_ms() < deadline);
  mm__lock(&o);
  if (r == WAIT_OBJECT_0) {
    o.record->wakes--;
    result = MM_WAIT_WOKEN;
  } else if (o.record->wakes > 0 && WaitForSingleObject(o.semaphore, 0) == WAIT_OBJECT_0) {
    o.record->wakes--; /* a wake raced the timeout: it was ours to take */
    result = MM_WAIT_WOKEN;
  } else {
    if (o.record->waiters > 0) o.record->waiters--;
    result = r == WAIT_TIMEOUT ? MM_WAIT_TIMED_OUT : mm__win_fail(os_errno);
  }
  mm__unlock(&o);
done:
  if (!cached) mm__objects_close(&o);
  return result;
}

int mm__plat_wake(const mm_word *word, int32_t count, int *os_errno) {
  mm__wait_objects o;
  int cached, rc;
  LONG k;
  *os_errno = 0;
  rc = mm__objects(word, &o, &cached, os_errno);
  if (rc < 0) return rc;
  mm__lock(&o);
  k = o.record->waiters < count ? o.record->waiters : count;
  if (k > 0) {
    o.record->waiters -= k;
    o.record->wakes += k;
    ReleaseSemaphore(o.semaphore, k, NULL);
  }
  mm__unlock(&o);
  if (!cached) mm__objects_close(&o);
  return (int)k;
}

int mm__plat_wait_any_max(void) { return MAXIMUM_WAIT_OBJECTS; }

/* Ends word i's registration after a multi-word wait: 1 when it took a wake (its own or one that raced). */
static int mm__end_registration(mm__wait_objects *o, int signaled) {
  int took = 0;
  mm__lock(o);
  if (signaled) {
    o->record->wakes--;
    took = 1;
  } else if (o->record->wakes > 0 && WaitForSingleObject(o->semaphore, 0) == WAIT_OBJECT_0) {
    o->record->wakes--;
    took = 1;
  } else if (o->record->waiters > 0) {
    o->record->waiters--;
  }
  mm__unlock(o);
  return took;
}

int mm__plat_wait_any(const mm_word *words, const int32_t *expected, int n, int64_t timeout_ns,
                      int *os_errno) {
  mm__wait_objects o[MAXIMUM_WAIT_OBJECTS];
  HANDLE semaphores[MAXIMUM_WAIT_OBJECTS];
  int cached[MAXIMUM_WAIT_OBJECTS];
  uint64_t deadline = 0;
  int opened = 0, registered = 0, result = 0, i, woken = -1;
  DWORD r;
  *os_errno = 0;
  if (n < 1 || n > MAXIMUM_WAIT_OBJECTS) return MM_EINVAL;
  if (timeout_ns >= 0) deadline = mm__now_ms() + (uint64_t)((timeout_ns + 999999) / 1000000);
  for (; opened < n; opened++) {
    result = mm__objects(&words[opened], &o[opened], &cached[opened], os_errno);
    if (result < 0) goto done;
    semaphores[opened] = o[opened].semaphore;
  }
  for (; registered < n; registered++) {
    mm__wait_objects *w = &o[registered];
    mm__lock(w);
    MemoryBarrier();
    if (*words[registered].addr != expected[registered]) {
      mm__unlock(w);
      result = MM_EAGAIN;
      goto done;
    }
    w->record->waiters++;
    mm__unlock(w);
  }
  do r = WaitForMultipleObjects((DWORD)n, semaphores, FALSE, mm__left_ms(timeout_ns, deadline));
  while (r == WAIT_TIMEOUT && timeout_ns >= 0 && mm__now_ms() < deadline);
  if (r < WAIT_OBJECT_0 + (DWORD)n) woken = (int)(r - WAIT_OBJECT_0);
  else if (r != WAIT_TIMEOUT) result = mm__win_fail(os_errno);
done:
  /* Every registered word ends as a wait does; one woken index is reported (sync.h). */
  for (i = 0; i < registered; i++) {
    if (mm__end_registration(&o[i], i == woken) && woken < 0 && result == 0) woken = i;
  }
  for (i = 0; i < opened; i++) {
    if (!cached[i]) mm__objects_close(&o[i]);
  }
  if (result < 0) return result;
  return woken >= 0 ? woken : MM_ETIMEDOUT;
}

int mm__plat_map_watch(intptr_t handle, uint64_t offset, size_t length, void **addr, int *os_errno) {
  mm__win_object *obj = (mm__win_object *)handle;
  HANDLE section = obj->section;
  void *p;
  *os_errno = 0;
  if (section == NULL) {
    section = CreateFileMappingW(obj->file, NULL, PAGE_READONLY, 0, 0, NULL);
    if (section == NULL) return mm__win_fail(os_errno);
  }
  p = MapViewOfFile(section, FILE_MAP_READ, (DWORD)(offset >> 32), (DWORD)(offset & 0xffffffffu), length);
  if (p == NULL) {
    int rc = mm__win_fail(os_errno);
    if (section != obj->section) CloseHandle(section);
    return rc;
  }
  if (section != obj->section) CloseHandle(section); /* the view keeps it alive */
  *addr = p;
  return 0;
}

/* The low 32 bits of a thread's creation time (100 ns units), never 0; 0 when it cannot be read. */
static uint32_t mm__token_of(HANDLE thread) {
  FILETIME created, exited, kernel, user;
  uint32_t token;
  if (!GetThreadTimes(thread, &created, &exited, &kernel, &user)) return 0;
  token = created.dwLowDateTime;
  return token != 0 ? token : 1;
}

int mm__plat_thread_self(uint32_t *id, uint32_t *token, int *os_errno) {
  DWORD tid = GetCurrentThreadId();
  *os_errno = 0;
  if (tid % 4 != 0 || tid / 4 == 0 || tid / 4 > MM_THREAD_ID_MAX) return MM_EUNSUPPORTED;
  *id = tid / 4;
  *token = mm__token_of(GetCurrentThread());
  return 0;
}

int mm__plat_thread_alive(uint32_t id, uint32_t token, int *os_errno) {
  HANDLE thread;
  int alive;
  *os_errno = 0;
  thread = OpenThread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)id * 4);
  if (thread == NULL) {
    DWORD error = GetLastError();
    /* No such thread; one we may not open is somebody's, and runs. */
    if (error == ERROR_INVALID_PARAMETER) return 0;
    if (error == ERROR_ACCESS_DENIED) return 1;
    *os_errno = (int)error;
    return mm__win_error(error);
  }
  alive = WaitForSingleObject(thread, 0) == WAIT_TIMEOUT;
  if (alive && token != 0) alive = mm__token_of(thread) == token;
  CloseHandle(thread);
  return alive;
}
