/*
 * storage_fault.c — the fault-injecting storage wrapper (see storage_fault.h).
 *
 * Each operation has a small state machine: disarmed, counting down to its
 * nth call, or firing (persistent faults stay firing). With
 * MM_FAULT_TRACK_UNSYNCED every write and truncate that reaches the inner
 * storage is logged with the bytes it replaced and the bytes it wrote; a
 * successful flush empties the log. A crash undoes the log newest first, which
 * puts the inner storage back exactly as it was at the last flush, and then
 * (for MM_FAULT_CRASH_RANDOM) replays a chosen subset oldest first.
 */
#include "mm/storage_fault.h"

#include <stdlib.h>
#include <string.h>

#include "mm/errors.h"

/* One logged change to the inner storage. */
typedef struct mm__fault_record {
  int is_truncate;
  uint64_t offset;   /* write: where it wrote; truncate: the new size */
  uint64_t old_size; /* the inner size just before the change */
  size_t old_len;    /* bytes of `data` holding what was there before */
  size_t new_len;    /* write: bytes written, following the old ones */
  unsigned char *data;
} mm__fault_record;

typedef struct mm__fault_arm {
  uint64_t countdown; /* 0: disarmed; 1: the next call fails */
  unsigned flags;
} mm__fault_arm;

typedef struct mm__fault_storage {
  mm_storage base; /* first member: a mm__fault_storage* is a mm_storage* */
  mm_storage_methods methods; /* this wrapper's table (mirrors inner's NULLs) */
  mm_storage *inner;
  unsigned open_flags;
  int crashed;
  mm__fault_arm arms[MM_FAULT_OP_COUNT];
  mm_fault_stats stats;
  mm__fault_record *log;
  size_t log_len, log_cap;
} mm__fault_storage;

/*
 * Counts a call of `op` and decides whether it fails. Returns 0 to let the
 * call through, or 1 to fail it (and then reports the arm flags in *flags).
 */
static int mm__fault_should_fail(mm__fault_storage *fs, mm_fault_op op,
                                 unsigned *flags) {
  mm__fault_arm *arm = &fs->arms[op];
  fs->stats.calls[op]++;
  if (arm->countdown == 0) return 0;
  if (arm->countdown > 1) {
    arm->countdown--;
    return 0;
  }
  *flags = arm->flags;
  if (!(arm->flags & MM_FAULT_PERSISTENT)) arm->countdown = 0;
  fs->stats.faults[op]++;
  return 1;
}

static void mm__fault_log_clear(mm__fault_storage *fs) {
  size_t i;
  for (i = 0; i < fs->log_len; i++) free(fs->log[i].data);
  fs->log_len = 0;
  fs->stats.unsynced = 0;
}

/* Appends a record with room for `bytes` bytes of data; NULL if out of memory. */
static mm__fault_record *mm__fault_log_add(mm__fault_storage *fs, size_t bytes) {
  mm__fault_record *rec;
  if (fs->log_len == fs->log_cap) {
    size_t cap = fs->log_cap ? fs->log_cap * 2 : 16;
    mm__fault_record *grown = realloc(fs->log, cap * sizeof *grown);
    if (grown == NULL) return NULL;
    fs->log = grown;
    fs->log_cap = cap;
  }
  rec = &fs->log[fs->log_len];
  memset(rec, 0, sizeof *rec);
  rec->data = malloc(bytes ? bytes : 1);
  if (rec->data == NULL) return NULL;
  fs->log_len++;
  fs->stats.unsynced = fs->log_len;
  return rec;
}

/* Forgets the record just added (its old bytes could not be read) and returns `rc`. */
static int mm__fault_log_drop_last(mm__fault_storage *fs, int rc) {
  free(fs->log[fs->log_len - 1].data);
  fs->log_len--;
  fs->stats.unsynced = fs->log_len;
  return rc;
}

/* Logs a write of n bytes of buf at offset, before it is made. */
static int mm__fault_log_write(mm__fault_storage *fs, const void *buf, size_t n,
                               uint64_t offset) {
  mm_storage *in = fs->inner;
  uint64_t size;
  int rc = in->methods->size(in, &size);
  mm__fault_record *rec;
  if (rc < 0) return rc;
  rec = mm__fault_log_add(fs, 2 * n);
  if (rec == NULL) return MM_ENOMEM;
  rec->offset = offset;
  rec->old_size = size;
  rc = in->methods->read_at(in, rec->data, n, offset);
  if (rc < 0) return mm__fault_log_drop_last(fs, rc);
  rec->old_len = (size_t)rc;
  rec->new_len = n;
  memcpy(rec->data + rec->old_len, buf, n);
  return 0;
}

/* Logs a truncate to new_size, before it is made. */
static int mm__fault_log_truncate(mm__fault_storage *fs, uint64_t new_size) {
  mm_storage *in = fs->inner;
  uint64_t size;
  size_t cut;
  mm__fault_record *rec;
  int rc = in->methods->size(in, &size);
  if (rc < 0) return rc;
  if (new_size < size && size - new_size > (uint64_t)INT32_MAX) return MM_ENOMEM;
  cut = new_size < size ? (size_t)(size - new_size) : 0;
  rec = mm__fault_log_add(fs, cut);
  if (rec == NULL) return MM_ENOMEM;
  rec->is_truncate = 1;
  rec->offset = new_size;
  rec->old_size = size;
  if (cut > 0) {
    rc = in->methods->read_at(in, rec->data, cut, new_size);
    if (rc < 0) return mm__fault_log_drop_last(fs, rc);
    rec->old_len = (size_t)rc;
  }
  return 0;
}

/* Puts the inner storage back as it was before `rec`. */
static int mm__fault_undo(mm__fault_storage *fs, const mm__fault_record *rec) {
  mm_storage *in = fs->inner;
  int rc;
  if (rec->is_truncate) {
    rc = in->methods->truncate(in, rec->old_size);
    if (rc < 0 || rec->old_len == 0) return rc;
    return in->methods->write_at(in, rec->data, rec->old_len, rec->offset);
  }
  if (rec->old_len > 0) {
    rc = in->methods->write_at(in, rec->data, rec->old_len, rec->offset);
    if (rc < 0) return rc;
  }
  if (rec->offset + rec->new_len > rec->old_size) {
    return in->methods->truncate(in, rec->old_size);
  }
  return 0;
}

/* Makes the change of `rec` again. */
static int mm__fault_redo(mm__fault_storage *fs, const mm__fault_record *rec) {
  mm_storage *in = fs->inner;
  if (rec->is_truncate) return in->methods->truncate(in, rec->offset);
  return in->methods->write_at(in, rec->data + rec->old_len, rec->new_len,
                               rec->offset);
}

static int mm__fault_read_at(mm_storage *s, void *buf, size_t n,
                             uint64_t offset) {
  mm__fault_storage *fs = (mm__fault_storage *)s;
  unsigned flags = 0;
  if (fs->crashed || mm__fault_should_fail(fs, MM_FAULT_READ, &flags)) {
    return MM_EIO;
  }
  return fs->inner->methods->read_at(fs->inner, buf, n, offset);
}

static int mm__fault_write_at(mm_storage *s, const void *buf, size_t n,
                              uint64_t offset) {
  mm__fault_storage *fs = (mm__fault_storage *)s;
  unsigned flags = 0;
  size_t len = n;
  int failing, rc;
  if (fs->crashed) return MM_EIO;
  failing = mm__fault_should_fail(fs, MM_FAULT_WRITE, &flags);
  if (failing) len = (flags & MM_FAULT_TORN) ? n / 2 : 0;
  if (len == 0) return failing ? MM_EIO : 0;
  if (fs->open_flags & MM_FAULT_TRACK_UNSYNCED) {
    rc = mm__fault_log_write(fs, buf, len, offset);
    if (rc < 0) return rc;
  }
  rc = fs->inner->methods->write_at(fs->inner, buf, len, offset);
  return failing ? MM_EIO : rc;
}

static int mm__fault_size(mm_storage *s, uint64_t *out) {
  mm__fault_storage *fs = (mm__fault_storage *)s;
  unsigned flags = 0;
  if (fs->crashed || mm__fault_should_fail(fs, MM_FAULT_SIZE, &flags)) {
    return MM_EIO;
  }
  return fs->inner->methods->size(fs->inner, out);
}

static int mm__fault_truncate(mm_storage *s, uint64_t size) {
  mm__fault_storage *fs = (mm__fault_storage *)s;
  unsigned flags = 0;
  int rc;
  if (fs->crashed || mm__fault_should_fail(fs, MM_FAULT_TRUNCATE, &flags)) {
    return MM_EIO;
  }
  if (fs->open_flags & MM_FAULT_TRACK_UNSYNCED) {
    rc = mm__fault_log_truncate(fs, size);
    if (rc < 0) return rc;
  }
  return fs->inner->methods->truncate(fs->inner, size);
}

static int mm__fault_flush(mm_storage *s) {
  mm__fault_storage *fs = (mm__fault_storage *)s;
  unsigned flags = 0;
  int rc = 0;
  if (fs->crashed || mm__fault_should_fail(fs, MM_FAULT_FLUSH, &flags)) {
    return MM_EIO;
  }
  if (fs->inner->methods->flush != NULL) rc = fs->inner->methods->flush(fs->inner);
  if (rc == 0) mm__fault_log_clear(fs);
  return rc;
}

static int mm__fault_close(mm_storage *s) {
  mm__fault_storage *fs = (mm__fault_storage *)s;
  int rc = 0;
  mm__fault_log_clear(fs);
  free(fs->log);
  if ((fs->open_flags & MM_FAULT_OWN_INNER) && fs->inner->methods->close != NULL) {
    rc = fs->inner->methods->close(fs->inner);
  }
  free(fs);
  return rc;
}

static const mm_storage_methods mm__fault_methods = {
    MM_STORAGE_VERSION, mm__fault_read_at, mm__fault_write_at, mm__fault_size,
    mm__fault_truncate, mm__fault_flush,   mm__fault_close,
};

int mm_storage_fault_open(mm_storage *inner, unsigned flags, mm_storage **out) {
  const mm_storage_methods *im;
  mm__fault_storage *fs;
  if (inner == NULL || out == NULL || inner->methods == NULL) return MM_EINVAL;
  if (flags & ~(MM_FAULT_OWN_INNER | MM_FAULT_TRACK_UNSYNCED)) return MM_EINVAL;
  im = inner->methods;
  if ((flags & MM_FAULT_TRACK_UNSYNCED) &&
      (im->write_at == NULL || im->truncate == NULL)) {
    return MM_EUNSUPPORTED;
  }
  fs = calloc(1, sizeof *fs);
  if (fs == NULL) return MM_ENOMEM;
  fs->methods = mm__fault_methods;
  if (im->write_at == NULL) fs->methods.write_at = NULL;
  if (im->truncate == NULL) fs->methods.truncate = NULL;
  /* flush and close stay: the wrapper has its own counting and freeing to do
   * and forwards them only when inner has them. */
  fs->base.methods = &fs->methods;
  fs->inner = inner;
  fs->open_flags = flags;
  *out = &fs->base;
  return 0;
}

void mm_storage_fault_arm(mm_storage *s, mm_fault_op op, uint64_t nth,
                          unsigned flags) {
  mm__fault_storage *fs = (mm__fault_storage *)s;
  fs->arms[op].countdown = nth;
  fs->arms[op].flags = flags;
}

void mm_storage_fault_get_stats(const mm_storage *s, mm_fault_stats *out) {
  const mm__fault_storage *fs = (const mm__fault_storage *)s;
  *out = fs->stats;
  out->crashed = fs->crashed;
}

int mm_storage_fault_crash(mm_storage *s, mm_fault_crash mode, uint32_t seed) {
  mm__fault_storage *fs = (mm__fault_storage *)s;
  uint32_t x = seed ? seed : 0x9e3779b9u;
  size_t i;
  int rc = 0;
  if (fs->crashed) return MM_EINVAL;
  if (mode != MM_FAULT_CRASH_KEEP_UNSYNCED &&
      !(fs->open_flags & MM_FAULT_TRACK_UNSYNCED)) {
    return MM_EINVAL;
  }
  fs->crashed = 1;
  if (mode == MM_FAULT_CRASH_KEEP_UNSYNCED) {
    mm__fault_log_clear(fs);
    return 0;
  }
  for (i = fs->log_len; i-- > 0 && rc == 0;) rc = mm__fault_undo(fs, &fs->log[i]);
  if (mode == MM_FAULT_CRASH_RANDOM) {
    for (i = 0; i < fs->log_len && rc == 0; i++) {
      x ^= x << 13; /* xorshift32 */
      x ^= x >> 17;
      x ^= x << 5;
      if (x & 1u) rc = mm__fault_redo(fs, &fs->log[i]);
    }
  }
  mm__fault_log_clear(fs);
  return rc;
}
