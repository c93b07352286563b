/* Benchmark of the streaming statistics (issue 4). Prints:
 *   - bw_acc_add replications per second (one thread), and its cost as a
 *     share of simulating a replication (the limit: statistics must stay a
 *     small fraction of the run; ratio = add time / simulate time),
 *   - the summary time, and the accumulator's memory, after R replications
 *     and after 10 R (the bar: memory at 100,000 replications within 10 % of
 *     memory at 1,000, so the growth printed here must be small).
 * The same simulated replications are re-added under new replication
 * numbers (statistics of a replication do not depend on its number), so the
 * benchmark measures the statistics, not the kernel.
 * Never fails on time. Usage: bench_stats [PARAMS.yaml] [R]
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "data_csv.h"
#include "model.h"
#include "params_yaml.h"
#include "sketch.h"
#include "summary.h"

/* Resident set size in bytes (Linux /proc/self/statm), 0 if unknown. */
static double rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, res = 0;
  if (!f) return 0;
  if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
  fclose(f);
  return (double)res * 4096.0;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : BW_SOURCE_DIR "/params/default.yaml";
  int R = argc > 2 ? atoi(argv[2]) : 1000;
  if (R < 10) R = 10;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_params p;
  bw_data d = {0};
  if (bw_params_load(path, &p, NULL, &ctx) || bw_data_load(p.gemeenten_path, p.regions_path, &d, &ctx)) {
    fprintf(stderr, "bench_stats: %s\n", ctx.msg);
    return 1;
  }
  bw_model *m = bw_model_create(&p, &d, &ctx);
  if (!m) {
    fprintf(stderr, "bench_stats: %s\n", ctx.msg);
    return 1;
  }
  /* a pool of simulated replications */
  enum { POOL = 96 };
  bw_workspace *w = bw_workspace_create(m);
  bw_rep_result *pool[POOL];
  double t0 = omp_get_wtime();
  for (int i = 0; i < POOL; i++) {
    pool[i] = bw_rep_result_create(m);
    if (!w || !pool[i] || bw_simulate(m, (uint32_t)i, w, pool[i], &ctx) != BW_OK) {
      fprintf(stderr, "bench_stats: %s\n", ctx.msg[0] ? ctx.msg : "out of memory");
      return 1;
    }
  }
  double sim_per_rep = (omp_get_wtime() - t0) / POOL;

  bw_acc *a = bw_acc_create(m, 0);
  double *scratch = a ? malloc(bw_acc_scratch_len(a) * sizeof *scratch) : NULL;
  if (!a || !scratch) {
    fprintf(stderr, "bench_stats: out of memory\n");
    return 1;
  }
  double rss0 = rss_bytes(), rss_r = 0;
  t0 = omp_get_wtime();
  int n = 0;
  for (; n < 10 * R; n++) {
    if (bw_acc_add(a, n, pool[n % POOL], scratch, &ctx) != BW_OK) {
      fprintf(stderr, "bench_stats: %s\n", ctx.msg);
      return 1;
    }
    if (n + 1 == R) rss_r = rss_bytes();
  }
  double add_per_rep = (omp_get_wtime() - t0) / n;
  double rss_10r = rss_bytes();
  t0 = omp_get_wtime();
  bw_summary *s = bw_summary_from_acc(a, m);
  double t_sum = omp_get_wtime() - t0;

  printf("simulate_seconds_per_replication %.3e\n", sim_per_rep);
  printf("acc_add_replications_per_s       %.1f\n", 1.0 / add_per_rep);
  printf("acc_add_ratio_to_simulate        %.4f   (limit: a small fraction of the run)\n",
         add_per_rep / sim_per_rep);
  printf("summary_seconds                  %.3f\n", t_sum);
  printf("acc_rss_mb_after_%d             %.1f\n", R, (rss_r - rss0) / 1e6);
  printf("acc_rss_mb_after_%d            %.1f\n", 10 * R, (rss_10r - rss0) / 1e6);
  printf("process_rss_ratio_10R_to_R       %.3f   (bar: <= 1.10 from 1e3 to 1e5)\n",
         rss_r > 0 ? rss_10r / rss_r : 0.0);
  printf("note: the %d re-added replications repeat %d distinct values, so the histograms "
         "grow less than in a real run; bench/README.md has the real 1e3 vs 1e5 run.\n",
         10 * R, POOL);
  bw_summary_free(s);
  bw_acc_free(a);
  free(scratch);
  for (int i = 0; i < POOL; i++) bw_rep_result_free(pool[i]);
  bw_workspace_free(w);
  bw_model_free(m);
  bw_data_free(&d);
  return 0;
}
