#define _POSIX_C_SOURCE 200809L
#include "run.h"

#include "cliutil.h"
#include "sketch.h"

#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

FILE *bw_run_log_open(const char *dir, const char *command) {
  char path[4096 + 16];
  snprintf(path, sizeof path, "%s/run.log", dir);
  FILE *f = fopen(path, "w");
  if (!f) return NULL;
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  time_t now = time(NULL);
  char when[64];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
  fprintf(f, "bwsim %s%s%s\nfinished %s on %s\n", BW_VERSION, command ? " " : "", command ? command : "", when,
          host);
  return f;
}

void bw_run_log_close(FILE *f, int threads, double seconds) {
  if (!f) return;
  fprintf(f, "threads %d mpi_processes %d\nwall_seconds %.3f\n", threads, bw_mpi_size(), seconds);
  fclose(f);
}

void bw_mpi_bcast_int(int *v) {
#ifdef BW_HAVE_MPI
  if (mpi_active && bw_mpi_size() > 1) MPI_Bcast(v, 1, MPI_INT, 0, MPI_COMM_WORLD);
#else
  (void)v;
#endif
}

/* The last failure every rank agreed on (bw_mpi_agree_failure). */
static const bw_ctx *agreed_ctx;
static bw_status agreed_status;

/* Every rank learns whether all succeeded; if not, the lowest failing rank's
 * status and message. */
bw_status bw_mpi_agree(bw_status local, bw_ctx *ctx) {
#ifdef BW_HAVE_MPI
  int size = bw_mpi_size();
  if (size <= 1) return local;
  int rank = bw_mpi_rank(), me = local != BW_OK ? rank : size, first = size;
  if (MPI_Allreduce(&me, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS) {
    /* nothing to agree with: give up here (MPI's own error handler normally
     * aborts the job first) */
    return bw_fail(ctx, BW_EMPI, "MPI_Allreduce failed: the processes cannot agree");
  }
  if (first == size) return BW_OK;
  struct {
    int status;
    char msg[BW_MSG_MAX];
  } m;
  memset(&m, 0, sizeof m);
  if (rank == first) {
    m.status = ctx->status != BW_OK ? ctx->status : local;
    memcpy(m.msg, ctx->msg, sizeof m.msg);
    m.msg[BW_MSG_MAX - 1] = '\0';
  }
  if (MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, MPI_COMM_WORLD) != MPI_SUCCESS)
    return bw_fail(ctx, BW_EMPI, "MPI_Bcast failed: the processes cannot agree");
  ctx->status = (bw_status)m.status;
  memcpy(ctx->msg, m.msg, sizeof ctx->msg);
  agreed_ctx = ctx;
  agreed_status = ctx->status;
  return ctx->status;
#else
  (void)ctx;
  return local;
#endif
}

bw_status bw_mpi_agree_failure(bw_ctx *ctx) {
  if (ctx->status == BW_OK) bw_fail(ctx, BW_EMODEL, "failed (no message)");
  if (agreed_ctx == ctx && agreed_status == ctx->status) return ctx->status;
  return bw_mpi_agree(ctx->status, ctx);
}

/* ---- sets of replications ------------------------------------------------- */

void bw_rangeset_free(bw_rangeset *s) {
  free(s->r);
  memset(s, 0, sizeof *s);
}

long long bw_rangeset_count(const bw_rangeset *s) {
  long long n = 0;
  for (int i = 0; i < s->n; i++) n += s->r[i].hi - s->r[i].lo;
  return n;
}

int bw_rangeset_add(bw_rangeset *s, long long lo, long long hi) {
  if (hi <= lo) return 0;
  /* appending in order (the common case): grow the last range or add one */
  if (s->n > 0 && lo <= s->r[s->n - 1].hi && lo >= s->r[s->n - 1].lo) {
    if (hi > s->r[s->n - 1].hi) s->r[s->n - 1].hi = hi;
    return 0;
  }
  if (s->n == s->cap) {
    int cap = s->cap ? 2 * s->cap : 8;
    bw_range *r = realloc(s->r, (size_t)cap * sizeof *r);
    if (!r) return -1;
    s->r = r;
    s->cap = cap;
  }
  /* the ranges that touch [lo, hi) are a run first .. last-1 */
  int first = 0;
  while (first < s->n && s->r[first].hi < lo) first++;
  int last = first;
  while (last < s->n && s->r[last].lo <= hi) last++;
  if (first < last) {
    if (s->r[first].lo < lo) lo = s->r[first].lo;
    if (s->r[last - 1].hi > hi) hi = s->r[last - 1].hi;
  }
  /* replace the run by one range */
  int removed = last - first;
  memmove(&s->r[first + 1], &s->r[last], (size_t)(s->n - last) * sizeof *s->r);
  s->n += 1 - removed;
  s->r[first].lo = lo;
  s->r[first].hi = hi;
  return 0;
}

int bw_rangeset_complement(const bw_rangeset *s, long long lo, long long hi, bw_rangeset *out) {
  bw_rangeset c = {0};
  long long at = lo;
  for (int i = 0; i < s->n && at < hi; i++) {
    if (s->r[i].hi <= at) continue;
    if (s->r[i].lo > at && bw_rangeset_add(&c, at, s->r[i].lo < hi ? s->r[i].lo : hi)) goto oom;
    at = s->r[i].hi;
  }
  if (at < hi && bw_rangeset_add(&c, at, hi)) goto oom;
  bw_rangeset_free(out);
  *out = c;
  return 0;
oom:
  bw_rangeset_free(&c);
  return -1;
}

int bw_rangeset_intersects(const bw_rangeset *a, const bw_rangeset *b) {
  for (int i = 0, j = 0; i < a->n && j < b->n;) {
    if (a->r[i].hi <= b->r[j].lo) i++;
    else if (b->r[j].hi <= a->r[i].lo) j++;
    else return 1;
  }
  return 0;
}

int bw_rangeset_is(const bw_rangeset *s, long long lo, long long hi) {
  return lo < hi && s->n == 1 && s->r[0].lo == lo && s->r[0].hi == hi;
}

int bw_mpi_bcast_rangeset(bw_rangeset *s) {
#ifdef BW_HAVE_MPI
  if (bw_mpi_size() <= 1) return 0;
  int rank = bw_mpi_rank(), n = rank == 0 ? s->n : 0;
  MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
  long long *buf = malloc(2 * sizeof *buf * (size_t)(n > 0 ? n : 1));
  int ok = buf != NULL, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all_ok) {
    free(buf);
    return -1;
  }
  if (rank == 0)
    for (int i = 0; i < n; i++) buf[2 * i] = s->r[i].lo, buf[2 * i + 1] = s->r[i].hi;
  MPI_Bcast(buf, 2 * n, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  int bad = 0;
  if (rank != 0) {
    bw_rangeset_free(s);
    for (int i = 0; i < n && !bad; i++) bad = bw_rangeset_add(s, buf[2 * i], buf[2 * i + 1]);
  }
  free(buf);
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return bad ? -1 : 0;
#else
  (void)s;
  return 0;
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

/* Rank 0: *into |= every other rank's set; the others send theirs. */
static bw_status mpi_gather_sets(const bw_rangeset *mine, bw_rangeset *into, bw_ctx *ctx) {
  int rank = bw_mpi_rank(), size = bw_mpi_size(), err = MPI_SUCCESS, oom = 0;
  if (rank == 0) {
    for (int src = 1; src < size && err == MPI_SUCCESS; src++) {
      int n = 0;
      err = MPI_Recv(&n, 1, MPI_INT, src, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      long long *buf = err == MPI_SUCCESS ? malloc(2 * sizeof *buf * (size_t)(n > 0 ? n : 1)) : NULL;
      /* receive even without memory, so the sender is not left waiting */
      long long pair[2];
      for (int i = 0; i < n && err == MPI_SUCCESS; i++) {
        long long *at = buf ? buf + 2 * i : pair;
        err = MPI_Recv(at, 2, MPI_LONG_LONG, src, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (err == MPI_SUCCESS && bw_rangeset_add(into, at[0], at[1])) oom = 1;
      }
      if (!buf) oom = 1;
      free(buf);
    }
  } else {
    int n = mine->n;
    err = MPI_Send(&n, 1, MPI_INT, 0, 3, MPI_COMM_WORLD);
    for (int i = 0; i < n && err == MPI_SUCCESS; i++) {
      long long pair[2] = {mine->r[i].lo, mine->r[i].hi};
      err = MPI_Send(pair, 2, MPI_LONG_LONG, 0, 4, MPI_COMM_WORLD);
    }
  }
  if (err != MPI_SUCCESS) return bw_fail(ctx, BW_EMPI, "MPI send/receive of the replications done failed (code %d)", err);
  if (oom) return bw_fail(ctx, BW_ENOMEM, "out of memory collecting the replications done");
  return BW_OK;
}
#endif

/* The replications of one round: the ranges r[0..n) in order, off[k] the
 * position of r[k].lo among them, m in all. */
typedef struct {
  bw_range *r;
  long long *off;
  int n;
  long long m;
} round_map;

static long long round_rep(const round_map *rm, long long i) {
  int a = 0, b = rm->n - 1;
  while (a < b) {
    int k = (a + b + 1) / 2;
    if (rm->off[k] <= i) a = k;
    else b = k - 1;
  }
  return rm->r[a].lo + (i - rm->off[a]);
}

/* The first (at most) m replications of s. */
static int round_take(const bw_rangeset *s, long long m, round_map *rm) {
  memset(rm, 0, sizeof *rm);
  rm->r = malloc(sizeof *rm->r * (size_t)(s->n > 0 ? s->n : 1));
  rm->off = malloc(sizeof *rm->off * (size_t)(s->n > 0 ? s->n : 1));
  if (!rm->r || !rm->off) return -1;
  for (int i = 0; i < s->n && rm->m < m; i++) {
    long long take = s->r[i].hi - s->r[i].lo;
    if (take > m - rm->m) take = m - rm->m;
    rm->r[rm->n] = (bw_range){s->r[i].lo, s->r[i].lo + take};
    rm->off[rm->n++] = rm->m;
    rm->m += take;
  }
  return 0;
}

static void round_free(round_map *rm) {
  free(rm->r);
  free(rm->off);
}

/* The progress shown on rank 0 (its own replications, times the processes). */
typedef struct {
  int mode;
  const char *label;
  double t0, last, every;
  long long base, total; /* done before the call, and in all after it */
  long long fresh;       /* visited by this process in this call */
  int size;
} progress;

static void progress_show(progress *pg, long long d, int final) {
  double now = omp_get_wtime() - pg->t0;
  /* under MPI an estimate: rank 0's count times the processes (final: all) */
  long long todo = pg->total - pg->base, est = final ? todo : d * pg->size;
  if (est > todo) est = todo;
  if (pg->mode == BW_PROGRESS_BAR) {
    if (!final && now - pg->last <= 0.1 && d * pg->size < todo) return;
    pg->last = now;
    bw_progress_draw(pg->label, (long)(pg->base + est), (long)pg->total, now, (long)(d * pg->size));
  } else if (pg->mode == BW_PROGRESS_LINES) {
    if (!final && now - pg->last < pg->every) return;
    pg->last = now;
    bw_progress_line(pg->label, (long)(pg->base + est), (long)pg->total, now, (long)(d * pg->size));
  }
}

/* What a round may stop on. */
typedef struct {
  const volatile sig_atomic_t *stop; /* NULL: never */
  double deadline;                   /* omp_get_wtime(); INFINITY: none */
  int cut;                           /* out: the round took fewer than all (stop or deadline) */
} round_limits;

/* Visit the replications of rm over the threads; bit i of seen set when the
 * i-th was visited (seen NULL: every one is, or the round fails). */
static bw_status run_round(const bw_visitor *v, int threads, const round_map *rm, unsigned char *seen,
                           round_limits *lim, progress *pg, bw_ctx *ctx) {
  /* setup_failed is written only before the barrier, so after it every
   * thread sees the same value and either all enter the work-shared loop or
   * none does (a thread that skipped it while others wait at its end would
   * hang the run); failed may be set at any time and only stops the work. */
  int setup_failed = 0, failed = 0, cut = 0;
  long long m = rm->m;
  if (threads > m && m > 0) threads = (int)m;
  if (threads < 1) threads = 1;

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
      for (long long i = 0; i < m; i++) {
        int stop;
#pragma omp atomic read
        stop = failed;
        if (stop) continue;
        if ((lim->stop && *lim->stop) || (lim->deadline < INFINITY && omp_get_wtime() >= lim->deadline)) {
#pragma omp atomic write
          cut = 1;
          continue;
        }
        if (v->visit(v->self, t, (int)round_rep(rm, i), &local) != BW_OK) {
#pragma omp critical(bw_run_error)
          {
            if (!failed) bw_fail(ctx, local.status, "%s", local.msg);
#pragma omp atomic write
            failed = 1;
          }
          continue;
        }
        if (seen) {
#pragma omp atomic update
          seen[i >> 3] |= (unsigned char)(1u << (i & 7));
        }
        long long d;
#pragma omp atomic capture
        d = ++pg->fresh;
        if (pg->mode && omp_get_thread_num() == 0) progress_show(pg, d, 0);
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
  lim->cut = cut;
  if (failed || setup_failed) {
    if (ctx->status == BW_OK) bw_fail(ctx, BW_ENOMEM, "out of memory allocating thread workspaces");
    return ctx->status;
  }
  return BW_OK;
}

/* This process's contiguous block of todo: its replications number
 * R * rank / size .. R * (rank + 1) / size - 1 in order (R in all). */
static int share_of(const bw_rangeset *todo, int rank, int size, bw_rangeset *mine) {
  long long R = bw_rangeset_count(todo), a = R * rank / size, b = R * (rank + 1) / size, at = 0;
  memset(mine, 0, sizeof *mine);
  for (int i = 0; i < todo->n && at < b; i++) {
    long long len = todo->r[i].hi - todo->r[i].lo;
    long long from = a > at ? a - at : 0, to = b - at < len ? b - at : len;
    if (from < to && bw_rangeset_add(mine, todo->r[i].lo + from, todo->r[i].lo + to)) return -1;
    at += len;
  }
  return 0;
}

/* mine = what the round left of mine; since |= what it visited. */
static int round_account(bw_rangeset *mine, bw_rangeset *since, const round_map *rm, const unsigned char *seen) {
  bw_rangeset left = {0};
  for (int k = 0; k < rm->n; k++)
    for (long long rep = rm->r[k].lo; rep < rm->r[k].hi; rep++) {
      long long i = rm->off[k] + (rep - rm->r[k].lo);
      int visited = !seen || (seen[i >> 3] >> (i & 7) & 1);
      if (bw_rangeset_add(visited ? since : &left, rep, rep + 1)) goto oom;
    }
  /* the rest of mine after the round's replications */
  long long skip = rm->m;
  for (int i = 0; i < mine->n; i++) {
    long long len = mine->r[i].hi - mine->r[i].lo, from = skip < len ? skip : len;
    skip -= from;
    if (from < len && bw_rangeset_add(&left, mine->r[i].lo + from, mine->r[i].hi)) goto oom;
  }
  bw_rangeset_free(mine);
  *mine = left;
  return 0;
oom:
  bw_rangeset_free(&left);
  return -1;
}

/* The statistics of every process into rank 0's, agreed. */
static bw_status merge_processes(const bw_visitor *v, bw_ctx *ctx) {
#ifdef BW_HAVE_MPI
  if (bw_mpi_size() > 1) return bw_mpi_agree(mpi_merge(v, ctx), ctx);
#else
  (void)v;
#endif
  (void)ctx;
  return BW_OK;
}

bw_status bw_drive_set(const bw_visitor *v, const bw_run_opts *opts, const bw_rangeset *todo, bw_drive_long *lr,
                       bw_ctx *ctx) {
  int rank = bw_mpi_rank(), size = bw_mpi_size();
  int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
  int checkpoints = lr && lr->save;
  if (lr) lr->stopped = 0;
  bw_rangeset mine = {0}, since = {0};
  round_map rm = {0};
  unsigned char *seen = NULL;
  progress pg = {rank == 0 ? opts->progress : 0, opts->label, omp_get_wtime(), 0,
                 lr && lr->progress_every > 0 ? lr->progress_every
                 : opts->progress_every > 0    ? opts->progress_every
                                               : 60,
                 0, 0, 0, size};
  pg.base = lr && lr->done ? bw_rangeset_count(lr->done) : todo->n ? todo->r[0].lo : 0;
  pg.total = pg.base + bw_rangeset_count(todo);
  /* the statistics hold nothing that is not on disk yet (a resumed run):
   * a stop before any new replication needs no new checkpoint */
  int on_disk = checkpoints && lr->done && lr->done->n > 0;
  bw_status st = share_of(todo, rank, size, &mine) ? bw_fail(ctx, BW_ENOMEM, "out of memory splitting the work")
                                                     : BW_OK;
  if ((st = bw_mpi_agree(st, ctx)) != BW_OK) goto out;
  for (;;) {
    /* a round: the replications up to the next checkpoint */
    long long m = bw_rangeset_count(&mine);
    if (checkpoints && lr->every_reps > 0) {
      long long per = (lr->every_reps + size - 1) / size;
      if (m > per) m = per;
    }
    round_limits lim = {checkpoints ? lr->stop : NULL, INFINITY, 0};
    if (checkpoints && lr->every_seconds > 0) lim.deadline = omp_get_wtime() + lr->every_seconds;
    int exact_set = lim.stop || lim.deadline < INFINITY;
    round_free(&rm);
    free(seen);
    seen = NULL;
    if (round_take(&mine, m, &rm) || (exact_set && !(seen = calloc((size_t)(m / 8 + 1), 1))))
      st = bw_fail(ctx, BW_ENOMEM, "out of memory planning the replications");
    else
      st = run_round(v, threads, &rm, seen, &lim, &pg, ctx);
    if (st == BW_OK && round_account(&mine, &since, &rm, seen))
      st = bw_fail(ctx, BW_ENOMEM, "out of memory recording the replications done");
    if ((st = bw_mpi_agree(st, ctx)) != BW_OK) goto out;
    /* together: is any work left, did any process stop on request, did the
     * round visit any replication? */
    long long flags[3] = {bw_rangeset_count(&mine), lim.stop && *lim.stop ? 1 : 0, since.n > 0};
#ifdef BW_HAVE_MPI
    if (size > 1) MPI_Allreduce(MPI_IN_PLACE, flags, 3, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
#endif
    if (flags[2]) on_disk = 0;
    if (flags[0] == 0) break;
    if (!checkpoints) {
      st = bw_fail(ctx, BW_EMODEL, "bw_drive_set: a round left replications undone");
      goto out;
    }
    if (on_disk) {
      /* stopped right after a checkpoint: it holds everything */
      if (flags[1]) {
        lr->stopped = 1;
        goto out;
      }
      continue;
    }
    /* a checkpoint: every statistic and every replication done on rank 0 */
    if ((st = merge_processes(v, ctx)) != BW_OK) goto out;
#ifdef BW_HAVE_MPI
    if (size > 1) st = bw_mpi_agree(mpi_gather_sets(&since, lr->done, ctx), ctx);
#endif
    if (st == BW_OK && rank == 0)
      for (int i = 0; i < since.n && st == BW_OK; i++)
        if (bw_rangeset_add(lr->done, since.r[i].lo, since.r[i].hi))
          st = bw_fail(ctx, BW_ENOMEM, "out of memory recording the replications done");
    bw_rangeset_free(&since);
    if (st == BW_OK && rank == 0) st = lr->save(lr->arg, lr->done, ctx);
    if ((st = bw_mpi_agree(st, ctx)) != BW_OK) goto out;
    on_disk = 1;
    if (flags[1]) {
      lr->stopped = 1;
      goto out;
    }
  }
  if (pg.mode) {
    progress_show(&pg, pg.fresh, 1);
    if (pg.mode == BW_PROGRESS_BAR) fputc('\n', stderr);
  }
  if ((st = merge_processes(v, ctx)) != BW_OK) goto out;
  if (lr && lr->done && rank == 0)
    for (int i = 0; i < todo->n; i++)
      if (bw_rangeset_add(lr->done, todo->r[i].lo, todo->r[i].hi)) {
        st = bw_fail(ctx, BW_ENOMEM, "out of memory recording the replications done");
        break;
      }
  st = bw_mpi_agree(st, ctx);
out:
  if (st != BW_OK && pg.mode == BW_PROGRESS_BAR && pg.fresh) fputc('\n', stderr);
  round_free(&rm);
  free(seen);
  bw_rangeset_free(&mine);
  bw_rangeset_free(&since);
  return st;
}

bw_status bw_drive(const bw_visitor *v, const bw_run_opts *opts, int lo, int hi, bw_ctx *ctx) {
  bw_range r = {lo, hi};
  bw_rangeset todo = {lo < hi ? 1 : 0, 1, &r};
  return bw_drive_set(v, opts, &todo, NULL, ctx);
}

/* ---- memory ------------------------------------------------------------------- */

/* A "Key:   123 kB" line of a /proc file, in bytes; -1 when absent. */
static double proc_bytes(const char *file, const char *key) {
  FILE *f = fopen(file, "r");
  if (!f) return -1;
  char line[256];
  double v = -1;
  size_t n = strlen(key);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, key, n) && line[n] == ':') {
      v = 1024.0 * strtod(line + n + 1, NULL);
      break;
    }
  fclose(f);
  return v;
}

/* Heap bytes in use (glibc); 0 elsewhere. */
static double heap_bytes(void) {
#ifdef __GLIBC__
  struct mallinfo2 mi = mallinfo2();
  return (double)mi.uordblks + (double)mi.hblkhd;
#else
  return 0;
#endif
}

/* Measured on the default data (bench_stats, and peak RSS at n = 10^3 and
 * 10^5): the bins of a cell take about CELL_A + CELL_B * sqrt(2 ln n) bytes
 * after n replications. 16-bit counters, held from a cell's first block
 * with a third of its range more on each side (sketch.c), so that little
 * grows afterwards (the spread of n values grows as the largest of n normal
 * deviates, and mostly stays within that room). */
#define CELL_A 2266.0
#define CELL_B 75.0

void bw_mem_estimate_run(const bw_model *m, int threads, long long nrep, int exact, int packed, bw_mem_estimate *e) {
  memset(e, 0, sizeof *e);
  const bw_data *d = bw_model_data(m);
  const bw_params *p = bw_model_params(m);
  double ng = d->ng, ny = bw_model_nyears(m), nr = d->nr, ngy = ng * ny, K = p->outer_draws > 0 ? p->outer_draws : 0;
  double n = nrep > 2 ? (double)nrep : 2;
  /* the cells of docs/statistics.md §1: gemeente x year (total, BW, MO), the
   * cumulative shortfall per gemeente, national quantity x year, region x year */
  double cells = 3 * ngy + ng + BW_NQ * ny + nr * ny;
  double counts = ngy * (2 * 8 + 3 * 16) + ng * (ny + 2) * 8 + nr * ny * 24 + K * ng * (ny + 1) * 32;
  e->acc = cells * (sizeof(bw_cell) + CELL_A + CELL_B * sqrt(2 * log(n))) + counts;
  e->packed = packed ? e->acc : 0;
  /* one thread's workspace and result, measured; its scratch */
  double h0 = heap_bytes();
  bw_workspace *w = bw_workspace_create(m);
  bw_rep_result *r = bw_rep_result_create(m);
  double per_thread = heap_bytes() - h0;
  bw_workspace_free(w);
  bw_rep_result_free(r);
  if (per_thread <= 0) per_thread = 4e6; /* not glibc: the larger (count kernel) figure */
  per_thread += (2 * ngy + nr * ny + 64 * ny) * 8;
  /* its part of the statistics (bw_acc_part): a block of replications'
   * values and its own counts */
  per_thread += bw_acc_block_for((size_t)cells) * cells * 8 + counts;
  e->threads = threads * per_thread;
  /* the summary: statistics of every cell and their scratch, and the
   * writers' buffers (measured) */
  e->summary = (4 * ngy + BW_NQ * ny + nr * ny) * sizeof(bw_stat) + 24 * ngy * 8 + threads * 4 * ngy * 8 + 8e6;
  e->store = exact ? n * (2 * ngy + BW_NQ * ny) * 8 : 0;
  double rss = proc_bytes("/proc/self/status", "VmRSS");
  e->base = rss > 0 ? rss : 50e6;
  e->total = e->base + e->acc + e->packed + e->threads + e->summary + e->store;
  e->available = proc_bytes("/proc/meminfo", "MemAvailable");
}

/* ---- bwsim run: simulate and accumulate -------------------------------------- */

typedef struct {
  const bw_model *m;
  bw_acc *acc;
} run_self;

/* A thread's workspace, result and part of the statistics (bw_acc_part: it
 * adds without waiting for the other threads; bw_acc_part_finish merges it
 * into the shared accumulator after the loop). */
typedef struct {
  bw_workspace *w;
  bw_rep_result *r;
  bw_acc_part *part;
} run_thread;

static void run_thread_free(void *self, void *tp) {
  (void)self;
  run_thread *t = tp;
  if (!t) return;
  bw_workspace_free(t->w);
  bw_rep_result_free(t->r);
  bw_acc_part_free(t->part);
  free(t);
}

static void *run_thread_create(void *self) {
  run_self *s = self;
  run_thread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->w = bw_workspace_create(s->m);
  t->r = bw_rep_result_create(s->m);
  t->part = bw_acc_part_create(s->acc, 0);
  if (!t->w || !t->r || !t->part) {
    run_thread_free(self, t);
    return NULL;
  }
  return t;
}

static bw_status run_visit(void *self, void *tp, int rep, bw_ctx *ctx) {
  run_self *s = self;
  run_thread *t = tp;
  bw_status st = bw_simulate(s->m, (uint32_t)rep, t->w, t->r, ctx);
  if (st == BW_OK) st = bw_acc_part_add(t->part, rep, t->r, ctx);
  return st;
}

static bw_status run_thread_finish(void *self, void *tp, bw_ctx *ctx) {
  (void)self;
  return bw_acc_part_finish(((run_thread *)tp)->part, ctx);
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

static bw_status run_acc(const bw_model *m, const bw_run_opts *opts, bw_acc *acc, const bw_rangeset *todo,
                         bw_drive_long *lr, bw_ctx *ctx) {
  run_self self = {m, acc};
  bw_visitor v = {&self,           run_thread_create, run_visit, run_thread_finish, run_thread_free,
                  run_packed_size, run_pack,          run_unpack_merge, run_clear};
  return bw_drive_set(&v, opts, todo, lr, ctx);
}

bw_status bw_run(const bw_model *m, const bw_run_opts *opts, bw_acc *acc, int lo, int hi, bw_ctx *ctx) {
  bw_range r = {lo, hi};
  bw_rangeset todo = {lo < hi ? 1 : 0, 1, &r};
  bw_status st = run_acc(m, opts, acc, &todo, NULL, ctx);
#ifdef BW_HAVE_MPI
  if (st == BW_OK && bw_mpi_size() > 1 && bw_acc_store(acc))
    st = bw_mpi_agree(mpi_gather_store(bw_acc_store(acc), lo, hi, ctx), ctx);
#endif
  return st;
}

bw_status bw_run_set(const bw_model *m, const bw_run_opts *opts, bw_acc *acc, const bw_rangeset *todo,
                     bw_drive_long *lr, bw_ctx *ctx) {
  if (bw_acc_store(acc)) return bw_fail(ctx, BW_EUSAGE, "bw_run_set: not with the exact store (--exact)");
  return run_acc(m, opts, acc, todo, lr, ctx);
}
