#define _POSIX_C_SOURCE 200809L
#include "run.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef BW_HAVE_MPI
#include <mpi.h>
#endif

/* ---- MPI ---------------------------------------------------------------- */
#ifdef BW_HAVE_MPI
static int mpi_active;
#endif

void bw_mpi_init(int *argc, char ***argv) {
#ifdef BW_HAVE_MPI
  /* only when launched by mpirun/srun: a plain `bwsim run` never touches MPI */
  if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK")) {
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    mpi_active = 1;
  }
#else
  (void)argc;
  (void)argv;
#endif
}

void bw_mpi_finalize(void) {
#ifdef BW_HAVE_MPI
  if (mpi_active) MPI_Finalize();
  mpi_active = 0;
#endif
}

int bw_mpi_rank(void) {
#ifdef BW_HAVE_MPI
  int r = 0;
  if (mpi_active) MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
#else
  return 0;
#endif
}

int bw_mpi_size(void) {
#ifdef BW_HAVE_MPI
  int s = 1;
  if (mpi_active) MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
#else
  return 1;
#endif
}

/* ---- progress bar ------------------------------------------------------- */
static void progress_draw(int done, int total, double elapsed) {
  int width = 30, fill = total > 0 ? (int)((long)width * done / total) : width;
  double rate = elapsed > 0 ? done / elapsed : 0;
  double eta = rate > 0 ? (total - done) / rate : 0;
  char bar[64];
  for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
  bar[width] = '\0';
  fprintf(stderr, "\r  [%s] %d/%d replications  %.1f rep/s  ETA %.0f s   ", bar, done, total, rate,
          eta);
  fflush(stderr);
}

/* ---- replications -------------------------------------------------------- */
bw_status bw_run(const bw_model *m, const bw_run_opts *opts, bw_store *store, bw_ctx *ctx) {
  int nrep = store->nrep, rank = bw_mpi_rank(), size = bw_mpi_size();
  /* contiguous block of replications for this process */
  int lo = (int)((long)nrep * rank / size), hi = (int)((long)nrep * (rank + 1) / size);
  int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
  int failed = 0, done = 0, show = opts->progress && rank == 0;
  double t0 = omp_get_wtime(), last = 0;

#pragma omp parallel num_threads(threads)
  {
    bw_workspace *w = bw_workspace_create(m);
    bw_rep_result *r = bw_rep_result_create(m);
    bw_ctx local;
    bw_ctx_init(&local);
    if (!w || !r) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp barrier
    if (!failed) {
#pragma omp for schedule(dynamic, 1)
      for (int rep = lo; rep < hi; rep++) {
        if (failed) continue;
        if (bw_simulate(m, (uint32_t)rep, w, r, &local) != BW_OK) {
#pragma omp critical(bw_run_error)
          {
            if (!failed) bw_fail(ctx, local.status, "%s", local.msg);
            failed = 1;
          }
          continue;
        }
        bw_store_put(store, rep, r);
        int d;
#pragma omp atomic capture
        d = ++done;
        if (show && omp_get_thread_num() == 0) {
          double now = omp_get_wtime() - t0;
          if (now - last > 0.1 || d == hi - lo) {
            last = now;
            progress_draw(d, hi - lo, now);
          }
        }
      }
    }
    bw_workspace_free(w);
    bw_rep_result_free(r);
  }
  if (show) {
    progress_draw(done, hi - lo, omp_get_wtime() - t0);
    fputc('\n', stderr);
  }
  if (failed) {
    if (ctx->status == BW_OK) bw_fail(ctx, BW_ENOMEM, "out of memory allocating thread workspaces");
    return ctx->status;
  }

#ifdef BW_HAVE_MPI
  if (size > 1) {
    /* gather the blocks on rank 0 in replication order */
    int *counts = malloc(sizeof(int) * (size_t)size), *displs = malloc(sizeof(int) * (size_t)size);
    if (!counts || !displs) {
      free(counts), free(displs);
      return bw_fail(ctx, BW_ENOMEM, "out of memory gathering MPI results");
    }
    struct { double *data; long per_rep; } parts[3] = {
        {store->shortfall_bw, (long)store->ng * store->ny},
        {store->shortfall_mo, (long)store->ng * store->ny},
        {store->national, (long)BW_NQ * store->ny}};
    int err = 0;
    for (int k = 0; k < 3 && !err; k++) {
      for (int p = 0; p < size; p++) {
        long plo = (long)nrep * p / size, phi = (long)nrep * (p + 1) / size;
        counts[p] = (int)((phi - plo) * parts[k].per_rep);
        displs[p] = (int)(plo * parts[k].per_rep);
      }
      double *mine = parts[k].data + (long)lo * parts[k].per_rep;
      err = rank == 0 ? MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, parts[k].data, counts, displs,
                                    MPI_DOUBLE, 0, MPI_COMM_WORLD)
                      : MPI_Gatherv(mine, counts[rank], MPI_DOUBLE, NULL, NULL, NULL, MPI_DOUBLE, 0,
                                    MPI_COMM_WORLD);
    }
    free(counts), free(displs);
    if (err != MPI_SUCCESS) return bw_fail(ctx, BW_EMPI, "MPI_Gatherv failed (code %d)", err);
  }
#endif
  return BW_OK;
}
