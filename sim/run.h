/* The run driver: replications over OpenMP threads (and MPI processes),
 * each keyed by its replication number, collected in replication order so
 * the output does not depend on how the work was split (MODEL.md §9). */
#ifndef BW_RUN_H
#define BW_RUN_H

#include "model.h"
#include "status.h"
#include "summary.h"

typedef struct {
  int threads;  /* 0 = OpenMP default */
  int progress; /* draw a progress bar on stderr */
} bw_run_opts;

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
