/*
 * storage_fault.h — a storage that wraps another one and fails on command.
 *
 * Tests put it between the pager and the real storage to prove that an I/O
 * error reaches the caller as an error code, that the pager stays usable after
 * a transient error, and that nothing flushed is ever lost or torn:
 *
 *     pager --> fault wrapper --> inner storage (file descriptor, memory, JS)
 *                 |  counts every call per operation
 *                 |  fails the Nth read / write / size / truncate / flush,
 *                 |    once (transient) or from then on (persistent),
 *                 |    optionally tearing a write (half of it reaches inner)
 *                 |  optionally keeps a log of writes not yet flushed, so that
 *                 '-- crash() can model a power cut: unflushed writes are lost,
 *                      kept, or a random subset of them is kept
 *
 * Portable C with no system calls (it reaches the world only through the inner
 * storage), so the WASM build can use it too. Injected failures return MM_EIO.
 * In the manner of SQLite's test_vfs.c.
 */
#ifndef MM_STORAGE_FAULT_H
#define MM_STORAGE_FAULT_H

#include <stdint.h>

#include "mm/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The operations a fault can be armed on; also the index of the counters. */
typedef enum mm_fault_op {
  MM_FAULT_READ = 0,
  MM_FAULT_WRITE,
  MM_FAULT_SIZE,
  MM_FAULT_TRUNCATE,
  MM_FAULT_FLUSH,
  MM_FAULT_OP_COUNT
} mm_fault_op;

/* Flags of mm_storage_fault_open. */
/* Closing the wrapper also closes the inner storage. */
#define MM_FAULT_OWN_INNER 1u
/* Keep a log of every write and truncate since the last successful flush, so
 * that mm_storage_fault_crash can undo them. Costs a copy of the old and the
 * new bytes of each logged write, until the next flush. */
#define MM_FAULT_TRACK_UNSYNCED 2u

/* Flags of mm_storage_fault_arm. */
/* Fail the Nth call and every later one, until disarmed (without it: fail the
 * Nth call only). */
#define MM_FAULT_PERSISTENT 1u
/* For MM_FAULT_WRITE: the failing write first writes the first half of its
 * bytes to the inner storage (a torn write), then returns MM_EIO. */
#define MM_FAULT_TORN 2u

/* What a crash does with the writes made since the last successful flush. */
typedef enum mm_fault_crash {
  MM_FAULT_CRASH_LOSE_UNSYNCED = 0, /* all are lost: the inner storage is put
                                       back as it was at the last flush */
  MM_FAULT_CRASH_KEEP_UNSYNCED,     /* all survive (the process died, the OS
                                       did not) */
  MM_FAULT_CRASH_RANDOM             /* each write or truncate survives or not,
                                       by a seeded pseudo-random choice */
} mm_fault_crash;

typedef struct mm_fault_stats {
  uint64_t calls[MM_FAULT_OP_COUNT];  /* calls made to the wrapper, per op */
  uint64_t faults[MM_FAULT_OP_COUNT]; /* of which failed by injection */
  uint64_t unsynced;                  /* writes + truncates in the log */
  int crashed;                        /* mm_storage_fault_crash was called */
} mm_fault_stats;

/*
 * Wraps `inner` and stores the wrapper in *out. Flags: MM_FAULT_OWN_INNER,
 * MM_FAULT_TRACK_UNSYNCED. The wrapper's write_at and truncate are NULL when
 * inner's are, so users see the same capabilities; its flush and close always
 * exist (they count, and forward to inner when inner has them). Every call is
 * counted and may be failed; the others pass through to inner. Close the
 * wrapper with its close method; it closes inner when it owns it, and never
 * flushes.
 *
 * Returns 0, MM_EINVAL (NULL argument, unknown flag), MM_EUNSUPPORTED
 * (MM_FAULT_TRACK_UNSYNCED on an inner storage without write_at or truncate,
 * which undoing needs) or MM_ENOMEM. On failure inner is left alone.
 */
int mm_storage_fault_open(mm_storage *inner, unsigned flags, mm_storage **out);

/*
 * Arms a fault on `op`: counting from this call, the nth call of that
 * operation (1 = the next one) fails with MM_EIO without reaching inner (a
 * torn write reaches it half). With MM_FAULT_PERSISTENT every later call of
 * that operation fails too. nth = 0 disarms `op`. Re-arming replaces the
 * previous setting. `s` must come from mm_storage_fault_open.
 */
void mm_storage_fault_arm(mm_storage *s, mm_fault_op op, uint64_t nth,
                          unsigned flags);

/* Copies the counters of a wrapper into *out. */
void mm_storage_fault_get_stats(const mm_storage *s, mm_fault_stats *out);

/*
 * Simulates a crash of the machine under the storage: applies `mode` to the
 * writes and truncates logged since the last successful flush (the seed drives
 * MM_FAULT_CRASH_RANDOM), then makes the wrapper dead: every later method
 * except close fails with MM_EIO. The bytes the inner storage holds afterwards
 * are what a process opening the file after the crash would find.
 *
 * Returns 0; MM_EINVAL if the wrapper was not opened with
 * MM_FAULT_TRACK_UNSYNCED and mode is not MM_FAULT_CRASH_KEEP_UNSYNCED, or it
 * already crashed; or the inner storage's code if restoring the old bytes
 * failed (the wrapper is dead in every case except MM_EINVAL).
 */
int mm_storage_fault_crash(mm_storage *s, mm_fault_crash mode, uint32_t seed);

#ifdef __cplusplus
}
#endif

#endif /* MM_STORAGE_FAULT_H */
