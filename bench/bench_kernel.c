/* Benchmark of the individual kernel (issue 3 bars). Prints:
 *   - Philox4x32-10 draws per second per core (the RNG limit),
 *   - simulated client stays per second per core (one thread): the one-thread
 *     time is cut into ROUNDS rounds; the figure is the best round by wall
 *     clock (as bench_rng takes the best of its rounds), with the median round
 *     and the rate by the thread's CPU time beside it, because the machines
 *     are shared and other work stretches the wall clock of some rounds,
 *   - default replications per second on all threads,
 *   - the kernel's ratio to the RNG limit (limit = draws/s / 5 draws per stay)
 *     and to the bar of 50 M stays/s per core.
 * Never fails on time. Usage: bench_kernel [PARAMS.yaml] [seconds]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "data_csv.h"
#include "model.h"
#include "params_yaml.h"
#include "rng_purpose.h"

enum { ROUNDS = 9 };

/* CPU time of the calling thread, seconds. */
static double thread_cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double philox_rate(double seconds) {
  bw_rng_key k = bw_rng_make(1, 0, BW_RNG_BENCH, 0, 0, 0);
  volatile uint32_t sink = 0;
  double best = 0;
  for (int round = 0; round < 3; round++) {
    uint32_t acc = 0, b = 0;
    double t0 = omp_get_wtime(), t;
    do {
      for (int i = 0; i < 1 << 16; i++, b++) {
        philox4x32_ctr_t r = bw_rng_block(&k, b);
        acc ^= r.v[0] + r.v[1] + r.v[2] + r.v[3];
      }
      t = omp_get_wtime() - t0;
    } while (t < seconds / 3);
    sink ^= acc;
    double rate = 4.0 * b / t;
    if (rate > best) best = rate;
  }
  (void)sink;
  return best;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : BW_SOURCE_DIR "/params/default.yaml";
  double seconds = argc > 2 ? atof(argv[2]) : 3.0;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_params p;
  bw_data d = {0};
  if (bw_params_load(path, &p, NULL, &ctx) || bw_data_load(p.gemeenten_path, p.regions_path, &d, &ctx)) {
    fprintf(stderr, "bench_kernel: %s\n", ctx.msg);
    return 1;
  }
  bw_model *m = bw_model_create(&p, &d, &ctx);
  if (!m) {
    fprintf(stderr, "bench_kernel: %s\n", ctx.msg);
    return 1;
  }
  double draws = philox_rate(1.0);

  /* one thread: stays per second, in rounds */
  bw_workspace *w = bw_workspace_create(m);
  bw_rep_result *r = bw_rep_result_create(m);
  if (!w || !r) {
    fprintf(stderr, "bench_kernel: out of memory\n");
    return 1;
  }
  uint64_t stays = 0;
  int reps = 0;
  double rate[ROUNDS], cpu = 0, t = 0;
  for (int k = 0; k < ROUNDS; k++) {
    uint64_t s0 = stays;
    double c0 = thread_cpu_seconds(), t0 = omp_get_wtime(), tk;
    do {
      if (bw_simulate(m, (uint32_t)reps, w, r, &ctx) != BW_OK) {
        fprintf(stderr, "bench_kernel: %s\n", ctx.msg);
        return 1;
      }
      stays += bw_workspace_stays(w);
      reps++;
      tk = omp_get_wtime() - t0;
    } while (tk < seconds / ROUNDS);
    cpu += thread_cpu_seconds() - c0;
    t += tk;
    rate[k] = (double)(stays - s0) / tk;
  }
  qsort(rate, ROUNDS, sizeof rate[0], cmp_double);
  double stays_rate = rate[ROUNDS - 1], stays_median = rate[ROUNDS / 2], stays_cpu = (double)stays / cpu;
  double rep_rate_1 = reps / t;
  bw_workspace_free(w);
  bw_rep_result_free(r);

  /* all threads: replications per second */
  int threads = omp_get_max_threads(), nrep = (int)(rep_rate_1 * threads * seconds) + threads;
  double t0 = omp_get_wtime();
#pragma omp parallel
  {
    bw_workspace *wt = bw_workspace_create(m);
    bw_rep_result *rt = bw_rep_result_create(m);
    bw_ctx c;
    bw_ctx_init(&c);
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < nrep; i++) bw_simulate(m, (uint32_t)i, wt, rt, &c);
    bw_workspace_free(wt);
    bw_rep_result_free(rt);
  }
  double rep_rate = nrep / (omp_get_wtime() - t0);

  double limit = draws / 5.0;
  printf("philox_draws_per_s_per_core      %.3e\n", draws);
  printf("stays_per_replication            %.0f\n", (double)stays / reps);
  printf("kernel_stays_per_s_per_core      %.3e   (best of %d rounds, wall clock)\n", stays_rate, ROUNDS);
  printf("kernel_stays_per_s_median_round  %.3e\n", stays_median);
  printf("kernel_stays_per_s_cpu_time      %.3e   (stays / CPU time of the thread)\n", stays_cpu);
  printf("kernel_ratio_to_rng_limit        %.3f   (limit = draws/s / 5 draws per stay = %.3e)\n",
         stays_rate / limit, limit);
  printf("kernel_ratio_to_bar_50M          %.3f\n", stays_rate / 50e6);
  printf("replications_per_s_1_thread      %.2f\n", rep_rate_1);
  printf("replications_per_s_%d_threads     %.2f\n", threads, rep_rate);
  printf("default_run_seconds_estimate     %.1f   (%d replications; bar 15 s)\n",
         p.replications / rep_rate, p.replications);
  bw_model_free(m);
  bw_data_free(&d);
  return 0;
}
