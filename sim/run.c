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

void bw_mpi_bcast_int(int *v) {
#ifdef BW_HAVE_MPI
  if (mpi_active && bw_mpi_size() > 1) MPI_Bcast(v, 1, MPI_INT, 0, MPI_COMM_WORLD);
#else
  (void)v;
#endif
}

/* ---- the driver ----------------------------------------------------------- */

#ifdef BW_HAVE_MPI
/* Merge every other rank's statistics into rank 0's (the order does not
 * matter: the merge is exact); the other ranks clear theirs. */
static bw_status mpi_merge(const bw_visitor *v, bw_ctx *ctx) {
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
      bw_status st = err == MPI_SUCCESS ? v->unpack_merge(v->self, buf, len, ctx) : BW_OK;
      free(buf);
      if (st != BW_OK) return st;
    }
  } else {
    unsigned long long len = v->packed_size(v->self);
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf) return bw_fail(ctx, BW_ENOMEM, "out of memory packing statistics");
    v->pack(v->self, buf);
    err = MPI_Send(&len, 1, MPI_UNSIGNED_LONG_LONG, 0, 1, MPI_COMM_WORLD);
    if (err == MPI_SUCCESS && len > (unsigned long long)INT_MAX) err = MPI_ERR_COUNT;
    if (err == MPI_SUCCESS) err = MPI_Send(buf, (int)len, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
    free(buf);
    v->clear(v->self);
  }
  if (err != MPI_SUCCESS) return bw_fail(ctx, BW_EMPI, "MPI send/receive of statistics failed (code %d)", err);
  return BW_OK;
}
#endif

bw_status bw_drive(const bw_visitor *v, const bw_run_opts *opts, int lo_all, int hi_all, bw_ctx *ctx) {
  int rank = bw_mpi_rank(), size = bw_mpi_size();
  long n_all = (long)hi_all - lo_all;
  /* contiguous block of the range for this process */
  int lo = (int)(lo_all + n_all * rank / size), hi = (int)(lo_all + n_all * (rank + 1) / size);
  int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
  /* setup_failed is written only before the barrier, so after it every
   * thread sees the same value and either all enter the work-shared loop or
   * none does (a thread that skipped it while others wait at its end would
   * hang the run); failed may be set at any time and only stops the work. */
  int setup_failed = 0, failed = 0, done = 0, show = opts->progress && rank == 0;
  double t0 = omp_get_wtime(), last = 0;

#pragma omp parallel num_threads(threads)
  {
    void *t = v->thread_create(v->self);
    bw_ctx local;
    bw_ctx_init(&local);
    if (!t) {
#pragma omp atomic write
      setup_failed = 1;
    }
#pragma omp barrier
    int skip;
#pragma omp atomic read
    skip = setup_failed;
    if (!skip) {
#pragma omp for schedule(dynamic, 1)
      for (int rep = lo; rep < hi; rep++) {
        int stop;
#pragma omp atomic read
        stop = failed;
        if (stop) continue;
        if (v->visit(v->self, t, rep, &local) != BW_OK) {
#pragma omp critical(bw_run_error)
          {
            if (!failed) bw_fail(ctx, local.status, "%s", local.msg);
#pragma omp atomic write
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
            bw_progress_draw(opts->label, lo_all + d, hi_all, now, d);
          }
        }
      }
    }
    /* the threads' partial statistics, one thread at a time (exact merges:
     * the order does not matter) */
    if (t && v->thread_finish) {
#pragma omp critical(bw_run_error)
      {
        int stop;
#pragma omp atomic read
        stop = failed;
        if (!stop && !setup_failed && v->thread_finish(v->self, t, &local) != BW_OK) {
          bw_fail(ctx, local.status, "%s", local.msg);
#pragma omp atomic write
          failed = 1;
        }
      }
    }
    if (t) v->thread_free(v->self, t);
  }
  if (show) {
    bw_progress_draw(opts->label, lo_all + done, hi_all, omp_get_wtime() - t0, done);
    fputc('\n', stderr);
  }
  if (failed || setup_failed) {
    if (ctx->status == BW_OK) bw_fail(ctx, BW_ENOMEM, "out of memory allocating thread workspaces");
    return ctx->status;
  }
#ifdef BW_HAVE_MPI
  if (size > 1) return mpi_merge(v, ctx);
#endif
  return BW_OK;
}

/* ---- bwsim run: simulate and accumulate -------------------------------------- */

typedef struct {
  const bw_model *m;
  bw_acc *acc;
} run_self;

typedef struct {
  bw_workspace *w;
  bw_rep_result *r;
  double *scratch;
} run_thread;

static void run_thread_free(void *self, void *tp) {
  (void)self;
  run_thread *t = tp;
  if (!t) return;
  bw_workspace_free(t->w);
  bw_rep_result_free(t->r);
  free(t->scratch);
  free(t);
}

static void *run_thread_create(void *self) {
  run_self *s = self;
  run_thread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->w = bw_workspace_create(s->m);
  t->r = bw_rep_result_create(s->m);
  t->scratch = malloc(bw_acc_scratch_len(s->acc) * sizeof *t->scratch);
  if (!t->w || !t->r || !t->scratch) {
    run_thread_free(self, t);
    return NULL;
  }
  return t;
}

static bw_status run_visit(void *self, void *tp, int rep, bw_ctx *ctx) {
  run_self *s = self;
  run_thread *t = tp;
  bw_status st = bw_simulate(s->m, (uint32_t)rep, t->w, t->r, ctx);
  if (st == BW_OK) st = bw_acc_add(s->acc, rep, t->r, t->scratch, ctx);
  return st;
}

static size_t run_packed_size(void *self) { return bw_acc_packed_size(((run_self *)self)->acc); }
static size_t run_pack(void *self, unsigned char *buf) { return bw_acc_pack(((run_self *)self)->acc, buf); }
static bw_status run_unpack_merge(void *self, const unsigned char *buf, size_t n, bw_ctx *ctx) {
  return bw_acc_unpack_merge(((run_self *)self)->acc, buf, n, ctx);
}
static void run_clear(void *self) { bw_acc_clear(((run_self *)self)->acc); }

#ifdef BW_HAVE_MPI
/* --exact: gather the blocks of stored values on rank 0 in replication order */
static bw_status mpi_gather_store(bw_store *store, int lo, int hi, bw_ctx *ctx) {
  int rank = bw_mpi_rank(), size = bw_mpi_size();
  int err = MPI_SUCCESS;
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

bw_status bw_run(const bw_model *m, const bw_run_opts *opts, bw_acc *acc, int lo, int hi, bw_ctx *ctx) {
  run_self self = {m, acc};
  bw_visitor v = {&self,           run_thread_create, run_visit, NULL,     run_thread_free,
                  run_packed_size, run_pack,          run_unpack_merge, run_clear};
  bw_status st = bw_drive(&v, opts, lo, hi, ctx);
#ifdef BW_HAVE_MPI
  if (st == BW_OK && bw_mpi_size() > 1 && bw_acc_store(acc))
    st = mpi_gather_store(bw_acc_store(acc), lo, hi, ctx);
#endif
  return st;
}
