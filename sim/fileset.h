/* The output directory of `bwsim run`, `compare` and `sweep`: one writer at a
 * time, and a set of result files that a reader finds complete, never mixed
 * (docs/outputs.md "Reliability").
 *
 * 1. The lock. bw_outdir_lock takes flock(LOCK_EX | LOCK_NB) on
 *    DIR/.bwsim.lock and writes the holder into it (pid, host, command line,
 *    start time); a second bwsim into DIR is refused at once (BW_EEXIST,
 *    exit 2) with a message naming the holder. The lock is held until
 *    bw_outdir_unlock, or, taken with out == NULL, until the process exits;
 *    the lock file is removed with the lock. Taking it also recovers what an
 *    interrupted bwsim left in DIR (3.).
 *
 *    A command takes it ONCE, before its long run, with one call:
 *        if (rank == 0 && bw_outdir_lock(out_dir, "run", NULL, &ctx) != BW_OK) goto fail;
 *    Under MPI only rank 0 takes it (only rank 0 writes); the function only
 *    returns a status, so the ranks can agree on it (broadcast the status
 *    before the run). Everything below takes the lock itself when the
 *    process does not hold it yet, so library users are safe without it.
 *
 * 2. The set. Each file is written to DIR/.bwsim-tmp-NAME and synced; the
 *    commit then writes the manifest WHAT.sha256 (sha256sum format, the run
 *    id in its first line: `sha256sum -c WHAT.sha256` checks the set), and
 *    the journal DIR/.bwsim-commit naming every rename (temporary -> final,
 *    the manifest last) and the run id, synced; renames; syncs DIR; removes
 *    the journal.
 *
 * 3. Recovery (under the lock, at bw_outdir_lock): a journal means a commit
 *    was interrupted after every new file was complete: it is rolled forward
 *    (the remaining renames are done) and reported. Then every temporary of
 *    bwsim (.bwsim-tmp-*, .bwsim-commit.tmp, .bwsim-probe.*, and the
 *    .NAME.tmp.PID / .NAME.bak.PID files of earlier bwsim versions) is removed.
 *    So a kill at any instant leaves the previous complete set or the new
 *    complete set once the next bwsim has taken the lock, and a reader that
 *    follows the journal (bw_fileset_verify) sees one of the two at any time.
 *
 * Test hook (always compiled in, for tests/test_commit.c only):
 * BWSIM_TEST_KILL_AT=N raises SIGKILL at the N-th write, rename, sync or
 * unlink step of recovery and commit, counted from 1 in the process
 * (BWSIM_TEST_KILL_AT=N:stop raises SIGSTOP instead: the process stops
 * holding the lock). The step is named on stderr first. */
#ifndef BW_FILESET_H
#define BW_FILESET_H

#include <stdio.h>

#include "model_types.h"
#include "status.h"

/* ---- the lock -------------------------------------------------------------- */

typedef struct bw_outdir_lock bw_outdir_lock_t;

/* Create dir (and parents) if missing, take its lock, recover (see above).
 * what names the command ("run", "compare", "sweep") when the command line
 * cannot be read. BW_EEXIST: another process holds it (the message names
 * it); BW_EIO: the directory cannot be created or written (the message
 * says why: "Read-only file system", "Permission denied", ...) or an
 * interrupted commit cannot be completed. A process that already holds the
 * lock of dir gets it again (counted). *out == NULL: held until exit. */
bw_status bw_outdir_lock(const char *dir, const char *what, bw_outdir_lock_t **out, bw_ctx *ctx);
/* Release a lock of bw_outdir_lock (NULL: no-op); the last release removes
 * DIR/.bwsim.lock. */
void bw_outdir_unlock(bw_outdir_lock_t *lock);

/* ---- the set ---------------------------------------------------------------- */

enum { BW_FILESET_MAX = 8 };

typedef struct {
  int n;                                     /* result files; slot n is the manifest */
  char dir[BW_PATH_MAX];
  char manifest[64];                         /* WHAT.sha256 */
  char name[BW_FILESET_MAX + 1][64];
  char dst[BW_FILESET_MAX + 1][BW_PATH_MAX];
  char tmp[BW_FILESET_MAX + 1][BW_PATH_MAX]; /* write file i here */
  bw_outdir_lock_t *lock;                    /* taken by prepare, released by commit or abort */
} bw_fileset;

/* Lock dir (unless this process holds its lock), create it if missing; fail
 * with BW_EEXIST naming the first of names[0..n-1] and WHAT.sha256 that
 * exists when !force (or that is not a regular file); check that dir is
 * writable; fill fs. Call it before a long run, so the run never ends in a
 * refusal, and again before writing. A prepare that is not followed by
 * bw_fileset_commit is ended with bw_fileset_abort. */
bw_status bw_fileset_prepare(bw_fileset *fs, const char *dir, const char *what, const char *const *names, int n,
                             int force, bw_ctx *ctx);

/* Write temporary i with fn(f, arg), then flush, fsync and close it. */
typedef void (*bw_text_writer)(FILE *f, const void *arg);
bw_status bw_fileset_write_text(const bw_fileset *fs, int i, bw_text_writer fn, const void *arg, bw_ctx *ctx);

/* fsync temporary i (a file written by other means, e.g. sim/h5util.h). */
bw_status bw_fileset_sync(const bw_fileset *fs, int i, bw_ctx *ctx);

/* Put every temporary in place (above, 2.) under the run id run_id (64 hex
 * digits, bw_run_id of sim/output.h); release the lock prepare took. On an
 * error before the journal, the temporaries are removed and the previous
 * files stay; on an error after it, the journal stays and the next bwsim
 * into dir completes the commit (the message says so). */
bw_status bw_fileset_commit(bw_fileset *fs, const char *run_id, bw_ctx *ctx);

/* Remove the temporaries (after a failed write) and release the lock
 * prepare took. */
void bw_fileset_abort(bw_fileset *fs);

/* ---- reading ------------------------------------------------------------------ */

/* What a reader of dir sees of the set of command what: BW_OK when the
 * manifest WHAT.sha256 lists files that all exist with its SHA-256 — read
 * through the journal when a commit was interrupted (*pending = 1: the new
 * set, complete in the temporaries and the files already renamed) — with
 * its run id in run_id; an error naming the first file that is missing or
 * differs otherwise. Writes nothing. */
bw_status bw_fileset_verify(const char *dir, const char *what, char run_id[65], int *pending, bw_ctx *ctx);

#endif
