/* Benchmark of the count kernel (issue 5: ≥ 10× the individual kernel's
 * replications per second). One thread; the two kernels run in alternating
 * rounds of about `seconds`/rounds each, so that both see the same load on a
 * shared machine. Prints:
 *   - replications per second of each kernel (best round, and median),
 *   - the ratio counts / individual (of the medians, and of the best
 *     rounds) and that ratio over the 10× bar,
 *   - the load average before and after (a busy machine slows both).
 * Never fails on time. Usage: bench_counts [PARAMS.yaml] [seconds] [rounds]
 */
#define _DEFAULT_SOURCE /* getloadavg */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "data_csv.h"
#include "model.h"
#include "params_yaml.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Replications per second of one kernel over about `seconds`; reps are
 * numbered from *next on (fresh outer draws each round). */
static double rate(const bw_model *m, bw_workspace *w, bw_rep_result *r, double seconds, uint32_t *next) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  int reps = 0;
  double t0 = omp_get_wtime(), t;
  do {
    if (bw_simulate(m, (*next)++, w, r, &ctx) != BW_OK) {
      fprintf(stderr, "bench_counts: %s\n", ctx.msg);
      exit(1);
    }
    reps++;
    t = omp_get_wtime() - t0;
  } while (t < seconds);
  return reps / t;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : BW_SOURCE_DIR "/params/default.yaml";
  double seconds = argc > 2 ? atof(argv[2]) : 12.0;
  int rounds = argc > 3 ? atoi(argv[3]) : 6;
  if (rounds < 1) rounds = 1;
  if (rounds > 100) rounds = 100;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_params p;
  bw_data d = {0};
  if (bw_params_load(path, &p, NULL, &ctx) || bw_data_load(p.gemeenten_path, p.regions_path, &d, &ctx)) {
    fprintf(stderr, "bench_counts: %s\n", ctx.msg);
    return 1;
  }
  bw_model *m[2];
  bw_workspace *w[2];
  bw_rep_result *r[2];
  for (int k = 0; k < 2; k++) {
    p.kernel = k == 0 ? BW_KERNEL_INDIVIDUAL : BW_KERNEL_COUNTS;
    m[k] = bw_model_create(&p, &d, &ctx);
    if (!m[k]) {
      fprintf(stderr, "bench_counts: %s\n", ctx.msg);
      return 1;
    }
    w[k] = bw_workspace_create(m[k]);
    r[k] = bw_rep_result_create(m[k]);
    if (!w[k] || !r[k]) {
      fprintf(stderr, "bench_counts: out of memory\n");
      return 1;
    }
  }
  double load0[3] = {0, 0, 0}, load1[3] = {0, 0, 0};
  if (getloadavg(load0, 3) < 0) load0[0] = -1;

  /* warm-up (tables, caches), then alternating rounds */
  uint32_t next[2] = {0, 0};
  rate(m[0], w[0], r[0], 0.3, &next[0]);
  rate(m[1], w[1], r[1], 0.3, &next[1]);
  double per = seconds / (2.0 * rounds), rt[2][100];
  uint64_t stays[2];
  for (int i = 0; i < rounds; i++)
    for (int k = 0; k < 2; k++) rt[k][i] = rate(m[k], w[k], r[k], per, &next[k]);
  for (int k = 0; k < 2; k++) stays[k] = bw_workspace_stays(w[k]);
  if (getloadavg(load1, 3) < 0) load1[0] = -1;

  double best[2], med[2];
  for (int k = 0; k < 2; k++) {
    qsort(rt[k], (size_t)rounds, sizeof(double), cmp_double);
    best[k] = rt[k][rounds - 1];
    med[k] = rounds % 2 ? rt[k][rounds / 2] : 0.5 * (rt[k][rounds / 2 - 1] + rt[k][rounds / 2]);
  }
  double ratio = med[1] / med[0], ratio_best = best[1] / best[0];
  printf("params                               %s\n", path);
  printf("rounds                               %d x %.2f s per kernel, 1 thread\n", rounds, per);
  printf("load_average_before_after            %.2f  %.2f   (2 cores; above ~1 the other work shares them)\n",
         load0[0], load1[0]);
  printf("individual_replications_per_s        %.2f   (best round %.2f; stays/rep %llu)\n", med[0], best[0],
         (unsigned long long)stays[0]);
  printf("counts_replications_per_s            %.2f   (best round %.2f; stays/rep %llu)\n", med[1], best[1],
         (unsigned long long)stays[1]);
  printf("counts_over_individual               %.2f   (best rounds %.2f)\n", ratio, ratio_best);
  printf("ratio_to_bar_10x                     %.3f\n", ratio / 10.0);
  for (int k = 0; k < 2; k++) {
    bw_rep_result_free(r[k]);
    bw_workspace_free(w[k]);
    bw_model_free(m[k]);
  }
  bw_data_free(&d);
  return 0;
}
