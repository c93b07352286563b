/* The run driver: replications over OpenMP threads (and MPI processes),
 * each keyed by its replication number, collected in replication order so
 * the output does not depend on how the work was split (docs/model.md §9). */
#ifndef BW_RUN_H
#define BW_RUN_H

#include "model.h"
#include "status.h"
#include "summary.h"

typedef struct {
  int threads;  /* 0 = OpenMP default */
  int progress; /* draw a progress bar on stderr */
  const char *label; /* the progress bar's label (NULL: none) */
} bw_run_opts;

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
 * statistics into rank 0's. */
bw_status bw_drive(const bw_visitor *v, const bw_run_opts *opts, int lo, int hi, bw_ctx *ctx);

/* Simulate replications lo .. hi-1 and add them to acc. With MPI (when
 * running under mpirun), each process simulates a contiguous block of the
 * range; the other processes' statistics (and, under --exact, their stored
 * values) are then merged into rank 0's acc, and cleared on the others.
 * Every rank must call it with the same range. */
bw_status bw_run(const bw_model *m, const bw_run_opts *opts, bw_acc *acc, int lo, int hi, bw_ctx *ctx);

/* Rank 0's value of *v on every rank (no-op without MPI). */
void bw_mpi_bcast_int(int *v);

/* MPI helpers (no-ops without MPI): rank and size of the world. */
int bw_mpi_rank(void);
int bw_mpi_size(void);
void bw_mpi_init(int *argc, char ***argv);
void bw_mpi_finalize(void);

#endif
