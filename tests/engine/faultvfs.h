/*
 * faultvfs.h — a fault-injecting SQLite VFS for the store's disk-fault tests:
 * "wt-fault" wraps the default VFS and passes every call through, except
 * that, when armed, writes or syncs fail the way a full or broken disk makes
 * them fail. The failure reaches SQLite exactly where a real one would, in
 * the middle of writing a transaction's log frames or at its fsync.
 */
#ifndef WATTLE_TEST_FAULTVFS_H
#define WATTLE_TEST_FAULTVFS_H

#include <stdbool.h>

#define WT_FAULTVFS_NAME "wt-fault"

/* Register the VFS (not as the default); idempotent. */
void wt_faultvfs_register(void);
/* Let `writes_ok` more xWrite calls through, then fail every later one with
 * `rc` (SQLITE_FULL, SQLITE_IOERR_WRITE, ...) until wt_faultvfs_heal. */
void wt_faultvfs_fail_writes(long writes_ok, int rc);
/* Fail every xSync with SQLITE_IOERR_FSYNC until wt_faultvfs_heal. */
void wt_faultvfs_fail_syncs(void);
/* Stop failing; counters restart. */
void wt_faultvfs_heal(void);
/* How many calls failed since the last heal. */
long wt_faultvfs_failures(void);

#endif /* WATTLE_TEST_FAULTVFS_H */
