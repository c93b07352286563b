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
 * 2. The set, in the generation layout. Every committed set lives in a
 *    hidden directory of its own, a generation, DIR/.bwsim/WHAT.ID12.K (its
 *    files and its manifest WHAT.sha256: sha256sum format, the run id in its
 *    first line); the pointer, a symbolic link DIR/.bwsim/WHAT -> WHAT.ID12.K,
 *    names the current one; each visible file is a relative link
 *    DIR/NAME -> .bwsim/WHAT/NAME. So every name is read through the one
 *    pointer, and turning the pointer is the single commit point:
 *        $ ls -l results/default
 *        results.h5 -> .bwsim/run/results.h5      (and so on; run.log is a file)
 *        $ ls -l results/default/.bwsim
 *        run -> run.5e0c7a13d2f4.1
 *        run.5e0c7a13d2f4.1/                       (the files and run.sha256)
 *    The commit (bw_fileset_commit):
 *    a. the files are written into DIR/.bwsim/WHAT.new.PID and synced, the
 *       manifest last; the directory synced and renamed WHAT.ID12.K;
 *    b. files of the set that are regular files in DIR (an older set of plain
 *       files: an earlier bwsim, a copy made with cp -L, a stray file that
 *       --force replaces) first move into the layout without any name ever
 *       reading other bytes: a generation is made of hard links (copies on a
 *       file system without them) of those files and of the current
 *       generation's others, the pointer is turned to it, and only then each
 *       regular file is replaced by its link (symlink + rename), which reads
 *       the same bytes;
 *    c. the links of new names are made BEFORE the commit point: until it,
 *       they dangle or name the previous set's file, and a link that dangles
 *       reads as an absent file, never as a wrong one; DIR and .bwsim synced;
 *    d. the commit point: a new link to the generation under a temporary
 *       name, renamed over the pointer (rename is atomic), .bwsim synced;
 *    e. the links of names the new set lacks (they dangle now) are removed,
 *       then the previous generation.
 *    So at every instant, a reader opening DIR/NAME for every name finds
 *    exactly the previous complete set or exactly the new one (at first:
 *    no file, or the new set); never a mix, also before any bwsim runs
 *    again. A reader that opens the files one after another while a commit
 *    goes on may still meet the pointer turning between two opens: one that
 *    must not resolves the pointer once and reads the generation
 *    (bw_fileset_verify does).
 *    Why not renameat2(RENAME_EXCHANGE) of whole directories: it swaps two
 *    names atomically, but the results would then live in a subdirectory,
 *    not in DIR itself where users, scripts and the report look for them;
 *    it is Linux-only and unsupported on NFS and many FUSE file systems; and
 *    it still needs a link or a second name to be readable at a stable
 *    path. The link layout needs only symlink and rename (POSIX).
 *    Each command has its own pointer (run, compare, sweep), so a run and a
 *    compare can share DIR and each set is replaced alone.
 *
 *    A directory that cannot hold symbolic links (FAT, exFAT, some SMB
 *    shares) gets plain files instead: each file to DIR/.bwsim-tmp-NAME,
 *    synced; the manifest; the journal DIR/.bwsim-commit naming every rename
 *    (temporary -> final, the manifest last) and the run id, synced; the
 *    renames; DIR synced; the journal removed. There a kill between two
 *    renames leaves a mix until the next bwsim rolls the journal forward (a
 *    reader that follows the journal, as bw_fileset_verify does, sees one
 *    set at any time).
 *
 * 3. Recovery (under the lock, at bw_outdir_lock): a journal (plain files) is
 *    rolled forward and reported. Every temporary of bwsim (.bwsim-tmp-*,
 *    .bwsim-commit.tmp, .bwsim-probe.*, and the .NAME.tmp.PID / .NAME.bak.PID
 *    files of earlier bwsim versions) is removed; in DIR/.bwsim, everything
 *    but the pointers that name a generation and those generations (a
 *    generation being written or being replaced, a pointer's temporary);
 *    .bwsim itself when it is empty; and every link of bwsim in DIR that
 *    dangles. None of this changes what a reader reads.
 *
 * Test hook (always compiled in, for tests/test_commit.c only):
 * BWSIM_TEST_KILL_AT=N raises SIGKILL at the N-th write, rename, link,
 * symlink, sync or unlink step of recovery and commit, counted from 1 in the
 * process (BWSIM_TEST_KILL_AT=N:stop raises SIGSTOP instead: the process
 * stops holding the lock). The step is named on stderr first.
 * BWSIM_TEST_NO_SYMLINKS=1: every directory is one without symbolic links.
 * BWSIM_TEST_BLOCK=NAME: prepare puts a directory where the temporary of
 * NAME goes, so that writing it fails (read at every prepare). */
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

enum { BW_FILESET_MAX = 16 }; /* validate: 7 data files, 4 plots, index.html */

typedef struct {
  int n;                                     /* result files; slot n is the manifest */
  int links;                                 /* 1: the generation layout; 0: plain files and the journal */
  char dir[BW_PATH_MAX];
  char what[32];                             /* run, compare, sweep */
  char manifest[64];                         /* WHAT.sha256 */
  char name[BW_FILESET_MAX + 1][64];
  char dst[BW_FILESET_MAX + 1][BW_PATH_MAX]; /* DIR/NAME */
  char tmp[BW_FILESET_MAX + 1][BW_PATH_MAX]; /* write file i here */
  char stage[BW_PATH_MAX];                   /* links: the new generation ("" once committed) */
  bw_outdir_lock_t *lock;                    /* taken by prepare, released by commit or abort */
} bw_fileset;

/* Lock dir (unless this process holds its lock), create it if missing; fail
 * with BW_EEXIST naming the first of names[0..n-1] and WHAT.sha256 that
 * exists when !force (with force: BW_EIO when it is neither a regular file
 * nor a link of this set); check that dir is writable; choose the layout
 * (links, or plain files where symbolic links cannot be made); make the new
 * generation's directory; fill fs. Call it before a long run, so the run never ends in a
 * refusal, and again before writing. A prepare that is not followed by
 * bw_fileset_commit is ended with bw_fileset_abort. */
bw_status bw_fileset_prepare(bw_fileset *fs, const char *dir, const char *what, const char *const *names, int n,
                             int force, bw_ctx *ctx);

/* Write temporary i with fn(f, arg), then flush, fsync and close it. */
typedef void (*bw_text_writer)(FILE *f, const void *arg);
bw_status bw_fileset_write_text(const bw_fileset *fs, int i, bw_text_writer fn, const void *arg, bw_ctx *ctx);

/* fsync temporary i (a file written by other means, e.g. sim/h5util.h). */
bw_status bw_fileset_sync(const bw_fileset *fs, int i, bw_ctx *ctx);

/* Put the new set in place (above, 2.) under the run id run_id (64 hex
 * digits, bw_run_id of sim/output.h); release the lock prepare took. On an
 * error before the commit point, the new files are removed and the previous
 * set stays; after it there is no error (what is left to remove, the next
 * bwsim removes). Plain files: on an error after the journal, the journal
 * stays and the next bwsim into dir completes the commit (the message says
 * so). */
bw_status bw_fileset_commit(bw_fileset *fs, const char *run_id, bw_ctx *ctx);

/* Remove the temporaries (after a failed write) and release the lock
 * prepare took. */
void bw_fileset_abort(bw_fileset *fs);

/* ---- reading ------------------------------------------------------------------ */

/* What a reader of dir sees of the set of command what: BW_OK when the
 * manifest WHAT.sha256 lists files that all exist with its SHA-256, with its
 * run id in run_id; an error naming the first file that is missing or
 * differs otherwise. In the generation layout the pointer is resolved once
 * and the files of the set (the links DIR/NAME of it) are read in that
 * generation, so a commit going on does not move them under the reader; a
 * file that is not its link is read as it is. Plain files are read through
 * the journal when a commit was interrupted (*pending = 1: the new set,
 * complete in the temporaries and the files already renamed). Writes
 * nothing. */
bw_status bw_fileset_verify(const char *dir, const char *what, char run_id[65], int *pending, bw_ctx *ctx);

#endif
