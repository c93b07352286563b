/* Benchmark of the streaming statistics (issues 4 and 15). It first
 * simulates a pool of P distinct replications (the count kernel, P = 1000 by
 * default), then, on fresh accumulators, times adding them:
 *   - add_part_1t  the path of bwsim run: each thread a bw_acc_part (blocks
 *                  of replications added to the cells tile by tile), one thread;
 *   - add_part_2t  the same on two threads (each adds every second replication);
 *   - add_legacy   bw_acc_add, one replication at a time (tests, bench_sweep);
 * in milliseconds per replication, with the ratio to the target of issue 15
 * (0.15 ms) and to simulating a replication; it checks that all three give
 * the same packed bytes. Then the summary (bw_summary_from_acc) with one and
 * with two threads, and the accumulator's memory (RSS growth while adding).
 * Every replication added is distinct, so the histograms grow as in a run.
 * Never fails on time. Usage: bench_stats [PARAMS.yaml] [P]
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_csv.h"
#include "model.h"
#include "params_yaml.h"
#include "sketch.h"
#include "summary.h"

#define TARGET_MS 0.15

#include <time.h>
/* CPU seconds of the process (all threads) */
static double cpu_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Resident set size in bytes (Linux /proc/self/statm), 0 if unknown. */
static double rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (!f) return 0;
  if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
  fclose(f);
  return (double)res * 4096.0;
}

static void die(const char *what, const bw_ctx *ctx) {
  fprintf(stderr, "bench_stats: %s: %s\n", what, ctx && ctx->msg[0] ? ctx->msg : "out of memory");
  exit(1);
}

/* Add the pool with parts on nt threads; seconds. */
static double add_parts(bw_acc *a, bw_rep_result **pool, int P, int nt) {
  int failed = 0;
  double t0 = omp_get_wtime();
#pragma omp parallel num_threads(nt)
  {
    bw_ctx ctx;
    bw_ctx_init(&ctx);
    bw_acc_part *p = bw_acc_part_create(a, 0);
    if (!p) failed = 1;
#pragma omp barrier
    if (!failed) {
#pragma omp for schedule(static, 1)
      for (int i = 0; i < P; i++)
        if (bw_acc_part_add(p, i, pool[i], &ctx) != BW_OK) failed = 1;
      if (bw_acc_part_finish(p, &ctx) != BW_OK) failed = 1;
    }
    bw_acc_part_free(p);
  }
  if (failed) die("adding with parts", NULL);
  return omp_get_wtime() - t0;
}

static unsigned char *packed(const bw_acc *a, size_t *n) {
  *n = bw_acc_packed_size(a);
  unsigned char *b = malloc(*n);
  if (!b) die("pack", NULL);
  bw_acc_pack(a, b);
  return b;
}

/* Same statistics: the packed cells may differ in their zero padding (the
 * histograms grow in another order), so compare the summaries' bytes. */
static int same_summary(const bw_summary *x, const bw_summary *y) {
  size_t ngy = (size_t)x->ng * x->ny;
  for (int v = 0; v < BW_NGV; v++)
    if (memcmp(x->gy[v], y->gy[v], ngy * sizeof(bw_stat))) return 0;
  return !memcmp(x->national, y->national, (size_t)BW_NQ * x->ny * sizeof(bw_stat)) &&
         !memcmp(x->risk, y->risk, (size_t)x->ng * sizeof(bw_risk_row)) &&
         !memcmp(x->region, y->region, (size_t)x->nr * x->ny * sizeof(bw_stat)) &&
         !memcmp(x->p_exceed, y->p_exceed, ngy * sizeof(double));
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : BW_SOURCE_DIR "/params/default.yaml";
  int P = argc > 2 ? atoi(argv[2]) : 1000;
  if (P < 10) P = 10;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_params p;
  bw_data d = {0};
  if (bw_params_load(path, &p, NULL, &ctx) || bw_data_load(p.gemeenten_path, p.regions_path, &d, &ctx))
    die("params", &ctx);
  p.kernel = BW_KERNEL_COUNTS;
  bw_model *m = bw_model_create(&p, &d, &ctx);
  if (!m) die("model", &ctx);

  /* the pool: P distinct replications */
  bw_workspace *w = bw_workspace_create(m);
  bw_rep_result **pool = calloc((size_t)P, sizeof *pool);
  if (!w || !pool) die("pool", NULL);
  double t0 = omp_get_wtime(), cs0 = cpu_s();
  for (int i = 0; i < P; i++) {
    pool[i] = bw_rep_result_create(m);
    if (!pool[i] || bw_simulate(m, (uint32_t)i, w, pool[i], &ctx) != BW_OK) die("simulate", &ctx);
  }
  double sim_ms = (omp_get_wtime() - t0) / P * 1e3, sim_cpu_ms = (cpu_s() - cs0) / P * 1e3;

  /* parts, one thread (memory measured here: the first accumulator) */
  double rss0 = rss_bytes();
  bw_acc *a1 = bw_acc_create(m, 0);
  if (!a1) die("accumulator", NULL);
  double c0 = cpu_s();
  double t_1 = add_parts(a1, pool, P, 1);
  double c_1 = cpu_s() - c0;
  double acc_mb = (rss_bytes() - rss0) / 1e6;
  /* parts, two threads */
  bw_acc *a2 = bw_acc_create(m, 0);
  if (!a2) die("accumulator", NULL);
  double t_2 = add_parts(a2, pool, P, 2);
  /* one at a time */
  bw_acc *a3 = bw_acc_create(m, 0);
  double *scratch = a3 ? malloc(bw_acc_scratch_len(a3) * sizeof *scratch) : NULL;
  if (!a3 || !scratch) die("accumulator", NULL);
  t0 = omp_get_wtime();
  c0 = cpu_s();
  for (int i = 0; i < P; i++)
    if (bw_acc_add(a3, i, pool[i], scratch, &ctx) != BW_OK) die("bw_acc_add", &ctx);
  double t_l = omp_get_wtime() - t0, c_l = cpu_s() - c0;

  omp_set_num_threads(1);
  t0 = omp_get_wtime();
  c0 = cpu_s();
  bw_summary *s1 = bw_summary_from_acc(a1, m);
  double sum1 = omp_get_wtime() - t0, csum1 = cpu_s() - c0;
  omp_set_num_threads(2);
  t0 = omp_get_wtime();
  bw_summary *s2 = bw_summary_from_acc(a2, m);
  double sum2 = omp_get_wtime() - t0;
  bw_summary *s3 = bw_summary_from_acc(a3, m);
  if (!s1 || !s2 || !s3) die("summary", NULL);
  int same = same_summary(s1, s2) && same_summary(s1, s3);
  size_t n1, n2;
  unsigned char *b1 = packed(a1, &n1), *b2 = packed(a2, &n2);
  (void)b2;

  double ms1 = t_1 / P * 1e3, ms2 = t_2 / P * 1e3, msl = t_l / P * 1e3;
  double cms1 = c_1 / P * 1e3, cmsl = c_l / P * 1e3;
  /* CPU time: what other work on a shared machine cannot stretch (wall can) */
  printf("replications (distinct, count kernel)  %d\n", P);
  printf("simulate_ms_per_replication            %.3f wall, %.3f CPU\n", sim_ms, sim_cpu_ms);
  printf("add_part_1t_ms_per_replication         %.4f wall, %.4f CPU   (target <= %.2f: ratio %.2f (CPU); "
         "%.0f %% of simulating)\n",
         ms1, cms1, TARGET_MS, cms1 / TARGET_MS, 100 * cms1 / sim_cpu_ms);
  printf("add_part_2t_ms_per_replication         %.4f wall   (2 threads: %.2fx one thread's wall)\n", ms2,
         ms1 / ms2);
  printf("add_legacy_ms_per_replication          %.4f wall, %.4f CPU   (bw_acc_add, one at a time: %.1fx the "
         "parts' CPU)\n",
         msl, cmsl, cmsl / cms1);
  printf("same_statistics                        %s\n", same ? "yes" : "NO");
  printf("summary_seconds_1t                     %.3f wall, %.3f CPU\n", sum1, csum1);
  printf("summary_seconds_2t                     %.3f wall\n", sum2);
  printf("acc_rss_mb                             %.1f   (packed %.1f MB)\n", acc_mb, n1 / 1e6);
  free(b1), free(b2);
  bw_summary_free(s1), bw_summary_free(s2), bw_summary_free(s3);
  bw_acc_free(a1), bw_acc_free(a2), bw_acc_free(a3);
  free(scratch);
  for (int i = 0; i < P; i++) bw_rep_result_free(pool[i]);
  free(pool);
  bw_workspace_free(w);
  bw_model_free(m);
  bw_data_free(&d);
  return same ? 0 : 1;
}
