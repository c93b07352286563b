/* Benchmark of verdeelmodel benchmarking (the sweep/compare issue):
 *  1. a 20-point grid over verdeelmodel weights (urbanity 0, 0.25, .., 1 x
 *     single_hh 0.5, 0.75, 1, 1.25) against one `bwsim run` of the same
 *     replications, end to end as the commands do it (simulate, accumulate,
 *     summarise): the bar is at most 3x the time of the run. Prints the cost
 *     per extra point.
 *  2. the paired standard error of the mean cumulative shortfall for a
 *     verdeelmodel-weight change (urbanity 0.5 -> 1) against the unpaired one
 *     (two independent runs): the bar is a ratio >= 5 for the median gemeente.
 * The run and the sweep alternate `rounds` times (same load for both); the
 * medians are compared. Never fails on time.
 * Usage: bench_sweep [PARAMS.yaml] [replications] [rounds] [threads] */
#define _DEFAULT_SOURCE /* getloadavg */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_csv.h"
#include "model.h"
#include "multi.h"
#include "params_yaml.h"
#include "run.h"
#include "summary.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void die(const char *what, const bw_ctx *ctx) {
  fprintf(stderr, "bench_sweep: %s: %s\n", what, ctx->msg);
  exit(1);
}

/* One `bwsim run`: full accumulator, the run, the summary. Seconds. */
static double time_run(const bw_params *p, const bw_data *d, int n, const bw_run_opts *ro) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  double t0 = omp_get_wtime();
  bw_model *m = bw_model_create(p, d, &ctx);
  bw_acc *acc = m ? bw_acc_create(m, 0) : NULL;
  if (!acc || bw_run(m, ro, acc, 0, n, &ctx) != BW_OK) die("run", &ctx);
  bw_summary *s = bw_summary_from_acc(acc, m);
  if (!s) die("summary", &ctx);
  double t = omp_get_wtime() - t0;
  bw_summary_free(s);
  bw_acc_free(acc);
  bw_model_free(m);
  return t;
}

/* S scenarios through bw_multi (sweep: extras; compare: paired). Seconds;
 * *out keeps the engine when not NULL. */
static double time_multi(const bw_params *ps, int S, const bw_data *d, int n, const bw_run_opts *ro, int paired,
                         bw_multi **out) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  const char *names[64];
  for (int s = 0; s < S; s++) names[s] = "point";
  double t0 = omp_get_wtime();
  bw_multi *mu = bw_multi_create(d, ps, names, S, paired, !paired, &ctx);
  if (!mu || bw_multi_run(mu, ro, 0, n, &ctx) != BW_OK || bw_multi_summarise(mu, &ctx) != BW_OK)
    die("multi", &ctx);
  double t = omp_get_wtime() - t0;
  if (out) *out = mu;
  else bw_multi_free(mu);
  return t;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : BW_SOURCE_DIR "/params/default.yaml";
  int n = argc > 2 ? atoi(argv[2]) : 400;
  int rounds = argc > 3 ? atoi(argv[3]) : 3;
  int threads = argc > 4 ? atoi(argv[4]) : 0;
  if (n < 10) n = 10;
  if (rounds < 1) rounds = 1;
  if (rounds > 50) rounds = 50;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_params base;
  bw_data d = {0};
  if (bw_params_load_with(path, NULL, 0, &base, NULL, &ctx) ||
      bw_data_load(base.gemeenten_path, base.regions_path, &d, &ctx))
    die(path, &ctx);
  base.replications = n;
  enum { P = 20 };
  bw_params ps[P];
  static const double urb[5] = {0, 0.25, 0.5, 0.75, 1}, shh[4] = {0.5, 0.75, 1, 1.25};
  for (int i = 0; i < P; i++) {
    ps[i] = base;
    ps[i].verdeelmodel.urbanity = urb[i / 4];
    ps[i].verdeelmodel.single_hh = shh[i % 4];
  }
  bw_run_opts ro = {.threads = threads, .progress = 0};
  double load0[3] = {0}, load1[3] = {0};
  getloadavg(load0, 3);
  printf("bench_sweep: %s, %d replications, %d thread(s), %d rounds, kernel %s\n", path, n,
         threads > 0 ? threads : omp_get_max_threads(), rounds,
         base.kernel == BW_KERNEL_COUNTS ? "counts" : "individual");

  double tr[50], ts[50], t1[50];
  for (int r = 0; r < rounds; r++) {
    tr[r] = time_run(&base, &d, n, &ro);
    ts[r] = time_multi(ps, P, &d, n, &ro, 0, NULL);
    t1[r] = time_multi(ps, 1, &d, n, &ro, 0, NULL);
  }
  qsort(tr, (size_t)rounds, sizeof *tr, cmp_double);
  qsort(ts, (size_t)rounds, sizeof *ts, cmp_double);
  qsort(t1, (size_t)rounds, sizeof *t1, cmp_double);
  double mr = tr[rounds / 2], msw = ts[rounds / 2], m1 = t1[rounds / 2];
  printf("one bwsim run:           %8.3f s (median of %d; %.0f replications/s)\n", mr, rounds, n / mr);
  printf("sweep, 1 point:          %8.3f s (light statistics)\n", m1);
  printf("sweep, %d points:        %8.3f s: %.2fx the run (bar 3x: %s, ratio to the bar %.2f)\n", P, msw, msw / mr,
         msw / mr <= 3 ? "met" : "NOT met", (msw / mr) / 3.0);
  printf("cost of one more point:  %8.2f ms per replication-point (%.1f %% of a run's replication)\n",
         1e3 * (msw - m1) / (P - 1) / n, 100.0 * (msw - m1) / (P - 1) / mr);

  /* paired vs unpaired: urbanity 0.5 -> 1 */
  bw_params pair[2] = {base, base};
  pair[0].verdeelmodel.urbanity = 0.5;
  pair[1].verdeelmodel.urbanity = 1.0;
  bw_multi *mu = NULL;
  time_multi(pair, 2, &d, n, &ro, 1, &mu);
  const bw_delta *dl = bw_multi_delta(mu, 1);
  double *ratio = malloc((size_t)d.ng * sizeof *ratio);
  int k = 0;
  for (int g = 0; g < d.ng; g++)
    if (dl->cum_se[g] > 0) ratio[k++] = dl->cum_se_unpaired[g] / dl->cum_se[g];
  qsort(ratio, (size_t)k, sizeof *ratio, cmp_double);
  double med = k ? ratio[k / 2] : 0;
  printf("paired vs unpaired se of the mean cumulative shortfall (urbanity 0.5 -> 1), %d gemeenten:\n", k);
  printf("  median ratio %.1f (q10 %.1f, q90 %.1f): bar 5x %s, ratio to the bar %.2f\n", med,
         k ? ratio[k / 10] : 0, k ? ratio[k * 9 / 10] : 0, med >= 5 ? "met" : "NOT met", med / 5.0);
  getloadavg(load1, 3);
  printf("load average %.2f before, %.2f after\n", load0[0], load1[0]);
  free(ratio);
  bw_multi_free(mu);
  bw_data_free(&d);
  return 0;
}
