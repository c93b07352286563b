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

/* Simulate replications 0 .. store->nrep-1 into store. With MPI (when
 * running under mpirun), each process simulates a contiguous block and the
 * blocks are gathered on rank 0; other ranks' stores are left partial. */
bw_status bw_run(const bw_model *m, const bw_run_opts *opts, bw_store *store, bw_ctx *ctx);

/* MPI helpers (no-ops without MPI): rank and size of the world. */
int bw_mpi_rank(void);
int bw_mpi_size(void);
void bw_mpi_init(int *argc, char ***argv);
void bw_mpi_finalize(void);

#endif
