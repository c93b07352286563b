/* The run driver: replications over OpenMP threads (and MPI processes),
 * each keyed by its replication number, collected in replication order so
 * the output does not depend on how the work was split (docs/model.md §9). */
#ifndef BW_RUN_H
#define BW_RUN_H

#include "model.h"
#include "status.h"
#include "summary.h"

#include <signal.h>

typedef struct {
  int threads;  /* 0 = OpenMP default */
  int progress; /* BW_PROGRESS_BAR (1): a bar on stderr, redrawn in place (a terminal);
                   BW_PROGRESS_LINES: a line every bw_drive_long.progress_every
                   seconds (default 60: batch logs); 0: none */
  const char *label; /* the progress bar's label (NULL: none) */
  double progress_every; /* seconds between progress lines when bw_drive_long gives none (0: 60) */
} bw_run_opts;

enum { BW_PROGRESS_BAR = 1, BW_PROGRESS_LINES = 2 };

/* ---- sets of replications ---------------------------------------------------- */

/* Replications lo .. hi-1. */
typedef struct {
  long long lo, hi;
} bw_range;

/* A set of replications: n ranges, sorted, disjoint and not adjacent (each
 * replication once, in one range). {0} is the empty set. */
typedef struct {
  int n, cap;
  bw_range *r;
} bw_rangeset;

void bw_rangeset_free(bw_rangeset *s);
/* s |= [lo, hi): 0, or -1 out of memory (s unchanged). */
int bw_rangeset_add(bw_rangeset *s, long long lo, long long hi);
/* Replications in s. */
long long bw_rangeset_count(const bw_rangeset *s);
/* out = [lo, hi) minus s (out is overwritten): 0 or -1 out of memory. */
int bw_rangeset_complement(const bw_rangeset *s, long long lo, long long hi, bw_rangeset *out);
/* 1 when a and b share a replication. */
int bw_rangeset_intersects(const bw_rangeset *a, const bw_rangeset *b);
/* 1 when s is exactly [lo, hi) (lo < hi). */
int bw_rangeset_is(const bw_rangeset *s, long long lo, long long hi);

/* The work of one replication, for bw_drive: the one loop under run,
 * compare, sweep and validate. The driver owns the splitting (contiguous
 * blocks of the replication range per MPI process, dynamic scheduling over
 * OpenMP threads), the progress bar, the first error, and the merge of the
 * processes' statistics into rank 0; the visitor owns what a replication
 * computes and where it accumulates it. Results must not depend on which
 * thread or process ran a replication: accumulate exactly mergeable
 * statistics (integers, fixed-point sums, sim/sketch.h cells). */
typedef struct {
  void *self; /* the visitor's shared state, passed to every callback */
  /* Per-thread state (workspaces, results, partial statistics), created in
   * the parallel region before the loop; NULL = out of memory. */
  void *(*thread_create)(void *self);
  /* Replication rep on this thread. */
  bw_status (*visit)(void *self, void *thread, int rep, bw_ctx *ctx);
  /* After the loop, one thread at a time (optional): merge the thread's
   * partial statistics into self. Not called after an error. */
  bw_status (*thread_finish)(void *self, void *thread, bw_ctx *ctx);
  void (*thread_free)(void *self, void *thread);
  /* MPI (optional when never run under mpirun): this process's statistics as
   * bytes, merged into rank 0's; clear forgets them on the other ranks. */
  size_t (*packed_size)(void *self);
  size_t (*pack)(void *self, unsigned char *buf);
  bw_status (*unpack_merge)(void *self, const unsigned char *buf, size_t n, bw_ctx *ctx);
  void (*clear)(void *self);
} bw_visitor;

/* Visit replications lo .. hi-1 (every rank calls it with the same range;
 * each process takes a contiguous block), then merge every process's
 * statistics into rank 0's. Every rank returns the same status (the first
 * failing rank's message: bw_mpi_agree), so no rank waits for another that
 * gave up. */
bw_status bw_drive(const bw_visitor *v, const bw_run_opts *opts, int lo, int hi, bw_ctx *ctx);

/* What a long run adds to the driver (bwsim run: docs/cluster.md). */
typedef struct {
  /* A checkpoint after about every_reps replications (over all processes)
   * and/or every_seconds seconds; 0 and 0: only when stopped. */
  long long every_reps;
  double every_seconds;
  /* Non-zero (a signal handler sets it): take no new replication, let the
   * ones in flight finish, save, return with stopped = 1. NULL: never. */
  const volatile sig_atomic_t *stop;
  /* Called on rank 0 at a checkpoint, after every process's statistics
   * have been merged into rank 0's, with every replication they hold. NULL:
   * no checkpoints (and stop is not honoured). */
  bw_status (*save)(void *arg, const bw_rangeset *done, bw_ctx *ctx);
  void *arg;
  /* Rank 0: in, the replications already in its statistics (a resumed
   * run); out, those in them when the driver returns. Ignored elsewhere. */
  bw_rangeset *done;
  int stopped; /* out: the run stopped on request after a successful save */
  double progress_every; /* seconds between progress lines (0: 60) */
} bw_drive_long;

/* bw_drive over the set todo (the same on every rank; each process takes a
 * contiguous block of its replications in order, so a single range is split
 * as bw_drive splits it), with checkpoints and stopping as lr says (NULL:
 * none). Between checkpoints each process visits the replications of a
 * round (the next every_reps / processes of its block, or those it reaches
 * within every_seconds); the replications a round visited are recorded
 * exactly, whichever threads ran them, so a stopped round is a known set
 * too. The statistics are exactly mergeable: any grouping into rounds,
 * threads and processes gives the same bytes. */
bw_status bw_drive_set(const bw_visitor *v, const bw_run_opts *opts, const bw_rangeset *todo, bw_drive_long *lr,
                       bw_ctx *ctx);

/* Simulate replications lo .. hi-1 and add them to acc. With MPI (when
 * running under mpirun), each process simulates a contiguous block of the
 * range; the other processes' statistics (and, under --exact, their stored
 * values) are then merged into rank 0's acc, and cleared on the others.
 * Every rank must call it with the same range. */
bw_status bw_run(const bw_model *m, const bw_run_opts *opts, bw_acc *acc, int lo, int hi, bw_ctx *ctx);
/* The same over a set, with checkpoints (bw_drive_set); not with --exact
 * (the store is gathered by contiguous blocks). */
bw_status bw_run_set(const bw_model *m, const bw_run_opts *opts, bw_acc *acc, const bw_rangeset *todo,
                     bw_drive_long *lr, bw_ctx *ctx);

/* ---- memory ------------------------------------------------------------------ */

/* What a run of nrep replications of m will hold at its peak, in bytes, per
 * process, estimated before it starts (docs/cluster.md "Memory"). */
typedef struct {
  double base;    /* the process now: code, libraries, data, model (VmRSS) */
  double acc;     /* the statistics: the cells' bins after nrep replications, and the counts */
  double packed;  /* a packed copy of them (MPI merge, checkpoints, partial files) */
  double threads; /* every thread's workspace, result and scratch */
  double summary; /* the summary and the writing of the files at the end */
  double store;   /* --exact: every value */
  double total;
  double available; /* MemAvailable of /proc/meminfo; < 0 unknown */
} bw_mem_estimate;

/* exact: the --exact store of nrep replications; packed: one packed copy of
 * the statistics will exist (MPI, checkpoints, a partial file). */
void bw_mem_estimate_run(const bw_model *m, int threads, long long nrep, int exact, int packed, bw_mem_estimate *e);

/* DIR/run.log, what changes between identical runs and so stays out of the
 * result files: bw_run_log_open writes "bwsim VERSION COMMAND" and when and
 * where it finished, the caller adds its lines, bw_run_log_close the
 * threads, processes and wall time. NULL when the log cannot be written
 * (it is informative: not an error). */
#include <stdio.h>
FILE *bw_run_log_open(const char *dir, const char *command);
void bw_run_log_close(FILE *f, int threads, double seconds);

/* Rank 0's value of *v on every rank (no-op without MPI). */
void bw_mpi_bcast_int(int *v);
/* Rank 0's set on every rank (the others' is replaced): 0, or -1 out of
 * memory (on every rank). */
int bw_mpi_bcast_rangeset(bw_rangeset *s);

/* Every rank's view of a step all ranks took: returns BW_OK on every rank
 * when local is BW_OK on every rank; otherwise the status and message of
 * the lowest failing rank (ctx is set to them on every rank), so that all
 * ranks give up together and exit with the same code. Call it after each
 * step that may fail on some ranks only (params, data, the output
 * directory, rank 0's writing) before any rank waits for another. Without
 * MPI (or one process) it returns local. */
bw_status bw_mpi_agree(bw_status local, bw_ctx *ctx);
/* On a command's way out after a failure (ctx holds it): unless the
 * failure came from bw_mpi_agree (every rank knows it), take part in the
 * agreement the other ranks are waiting in, or will reach next. Valid
 * when the next collective call of every other rank is a bw_mpi_agree:
 * bw_drive begins and ends with one, and a command calls one after its
 * rank-0 steps. Returns ctx's status (the agreed one). */
bw_status bw_mpi_agree_failure(bw_ctx *ctx);

/* MPI helpers (no-ops without MPI): rank and size of the world. */
int bw_mpi_rank(void);
int bw_mpi_size(void);
void bw_mpi_init(int *argc, char ***argv);
void bw_mpi_finalize(void);

#endif
