#define _POSIX_C_SOURCE 200809L
#include "run.h"

#include "cliutil.h"

#include <limits.h>
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

/* ---- replications -------------------------------------------------------- */

#ifdef BW_HAVE_MPI
/* Merge every other rank's statistics into rank 0's acc (the order does not
 * matter: the merge is exact), and gather the stored values of --exact. */
static bw_status mpi_collect(bw_acc *acc, int lo, int hi, bw_ctx *ctx) {
  int rank = bw_mpi_rank(), size = bw_mpi_size();
  int err = MPI_SUCCESS;
  if (rank == 0) {
    for (int src = 1; src < size && err == MPI_SUCCESS; src++) {
      unsigned long long len = 0;
      err = MPI_Recv(&len, 1, MPI_UNSIGNED_LONG_LONG, src, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (err != MPI_SUCCESS) break;
      if (len > (unsigned long long)INT_MAX)
        return bw_fail(ctx, BW_EMPI, "statistics of rank %d too large to send (%llu bytes)", src, len);
      unsigned char *buf = malloc(len ? len : 1);
      if (!buf) return bw_fail(ctx, BW_ENOMEM, "out of memory receiving statistics of rank %d", src);
      err = MPI_Recv(buf, (int)len, MPI_BYTE, src, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      bw_status st = err == MPI_SUCCESS ? bw_acc_unpack_merge(acc, buf, len, ctx) : BW_OK;
      free(buf);
      if (st != BW_OK) return st;
    }
  } else {
    unsigned long long len = bw_acc_packed_size(acc);
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf) return bw_fail(ctx, BW_ENOMEM, "out of memory packing statistics");
    bw_acc_pack(acc, buf);
    err = MPI_Send(&len, 1, MPI_UNSIGNED_LONG_LONG, 0, 1, MPI_COMM_WORLD);
    if (err == MPI_SUCCESS && len > (unsigned long long)INT_MAX)
      err = MPI_ERR_COUNT;
    if (err == MPI_SUCCESS) err = MPI_Send(buf, (int)len, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
    free(buf);
    bw_acc_clear(acc);
  }
  if (err != MPI_SUCCESS) return bw_fail(ctx, BW_EMPI, "MPI send/receive of statistics failed (code %d)", err);

  bw_store *store = bw_acc_store(acc);
  if (!store) return BW_OK;
  /* --exact: gather the blocks of stored values on rank 0 in replication order */
  int *counts = malloc(sizeof(int) * (size_t)size), *displs = malloc(sizeof(int) * (size_t)size);
  if (!counts || !displs) {
    free(counts), free(displs);
    return bw_fail(ctx, BW_ENOMEM, "out of memory gathering MPI results");
  }
  struct {
    double *data;
    long per_rep;
  } parts[3] = {{store->shortfall_bw, (long)store->ng * store->ny},
                {store->shortfall_mo, (long)store->ng * store->ny},
                {store->national, (long)BW_NQ * store->ny}};
  long n = hi - lo;
  for (int k = 0; k < 3 && err == MPI_SUCCESS; k++) {
    long per = parts[k].per_rep;
    if (n * per * size > INT_MAX) {
      err = MPI_ERR_COUNT;
      break;
    }
    for (int p = 0; p < size; p++) {
      long plo = lo + n * p / size, phi = lo + n * (p + 1) / size;
      counts[p] = (int)((phi - plo) * per);
      displs[p] = (int)((plo - lo) * per);
    }
    double *base = parts[k].data + (long)lo * per;
    err = rank == 0 ? MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, base, counts, displs, MPI_DOUBLE, 0,
                                  MPI_COMM_WORLD)
                    : MPI_Gatherv(base + displs[rank], counts[rank], MPI_DOUBLE, NULL, NULL, NULL,
                                  MPI_DOUBLE, 0, MPI_COMM_WORLD);
  }
  free(counts), free(displs);
  if (err != MPI_SUCCESS) return bw_fail(ctx, BW_EMPI, "MPI_Gatherv of --exact values failed (code %d)", err);
  return BW_OK;
}
#endif

void bw_mpi_bcast_int(int *v) {
#ifdef BW_HAVE_MPI
  if (mpi_active && bw_mpi_size() > 1) MPI_Bcast(v, 1, MPI_INT, 0, MPI_COMM_WORLD);
#else
  (void)v;
#endif
}

bw_status bw_run(const bw_model *m, const bw_run_opts *opts, bw_acc *acc, int lo_all, int hi_all,
                 bw_ctx *ctx) {
  int rank = bw_mpi_rank(), size = bw_mpi_size();
  long n_all = (long)hi_all - lo_all;
  /* contiguous block of the range for this process */
  int lo = (int)(lo_all + n_all * rank / size), hi = (int)(lo_all + n_all * (rank + 1) / size);
  int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
  int failed = 0, done = 0, show = opts->progress && rank == 0;
  double t0 = omp_get_wtime(), last = 0;
  size_t nscratch = bw_acc_scratch_len(acc);

#pragma omp parallel num_threads(threads)
  {
    bw_workspace *w = bw_workspace_create(m);
    bw_rep_result *r = bw_rep_result_create(m);
    double *scratch = malloc(nscratch * sizeof *scratch);
    bw_ctx local;
    bw_ctx_init(&local);
    if (!w || !r || !scratch) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp barrier
    if (!failed) {
#pragma omp for schedule(dynamic, 1)
      for (int rep = lo; rep < hi; rep++) {
        int stop;
#pragma omp atomic read
        stop = failed;
        if (stop) continue;
        if (bw_simulate(m, (uint32_t)rep, w, r, &local) != BW_OK ||
            bw_acc_add(acc, rep, r, scratch, &local) != BW_OK) {
#pragma omp critical(bw_run_error)
          {
            if (!failed) bw_fail(ctx, local.status, "%s", local.msg);
            failed = 1;
          }
          continue;
        }
        int d;
#pragma omp atomic capture
        d = ++done;
        if (show && omp_get_thread_num() == 0) {
          double now = omp_get_wtime() - t0;
          if (now - last > 0.1 || d == hi - lo) {
            last = now;
            bw_progress_draw(NULL, lo_all + d, hi_all, now, d);
          }
        }
      }
    }
    bw_workspace_free(w);
    bw_rep_result_free(r);
    free(scratch);
  }
  if (show) {
    bw_progress_draw(NULL, lo_all + done, hi_all, omp_get_wtime() - t0, done);
    fputc('\n', stderr);
  }
  if (failed) {
    if (ctx->status == BW_OK) bw_fail(ctx, BW_ENOMEM, "out of memory allocating thread workspaces");
    return ctx->status;
  }
#ifdef BW_HAVE_MPI
  if (size > 1) return mpi_collect(acc, lo_all, hi_all, ctx);
#endif
  return BW_OK;
}
