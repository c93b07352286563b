/* Benchmark: Philox4x32-10 throughput on one core (models/num/rng.h).
 *
 * Prints, single-threaded, best of 3 runs of at least ~0.5 s each:
 *   philox_draws_per_s_per_core          32-bit words via bw_rng_block in a tight loop
 *   philox_stream_draws_per_s_per_core   32-bit words via bw_rng_stream_u32
 *   u01_doubles_per_s_per_core           doubles in (0,1) via bw_rng_stream_u01
 * and each draw rate's ratio to the issue's figure, "≈ 500 M draws per second
 * per core" (ratio = measured / 5e8). Never fails on time: exit 0 unless the
 * clock itself fails.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rng_purpose.h"

#define ISSUE_DRAWS_PER_S 5e8
#define MIN_SECONDS 0.5
#define REPEATS 3

/* Results are folded into this sink so the compiler cannot drop the work. */
static volatile uint32_t sink_u32;
static volatile double sink_f64;

static double now_s(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    perror("bench_rng: clock_gettime");
    exit(EXIT_FAILURE);
  }
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Each kernel produces n draws from key k and returns how many it made. */
static uint64_t kernel_block(const bw_rng_key *k, uint64_t n) {
  uint64_t nblocks = n / 4;
  uint32_t acc = 0;
  for (uint64_t b = 0; b < nblocks; b++) {
    philox4x32_ctr_t r = bw_rng_block(k, (uint32_t)b);
    acc ^= r.v[0] ^ r.v[1] ^ r.v[2] ^ r.v[3];
  }
  sink_u32 ^= acc;
  return 4 * nblocks;
}

static uint64_t kernel_stream(const bw_rng_key *k, uint64_t n) {
  bw_rng_stream s;
  bw_rng_stream_init(&s, *k);
  uint32_t acc = 0;
  for (uint64_t i = 0; i < n; i++) acc += bw_rng_stream_u32(&s);
  sink_u32 ^= acc;
  return n;
}

static uint64_t kernel_u01(const bw_rng_key *k, uint64_t n) {
  bw_rng_stream s;
  bw_rng_stream_init(&s, *k);
  double acc = 0.0;
  for (uint64_t i = 0; i < n; i++) acc += bw_rng_stream_u01(&s);
  sink_f64 += acc;
  return n;
}

typedef uint64_t (*kernel_fn)(const bw_rng_key *, uint64_t);

/* Grow n until one run takes MIN_SECONDS, then report the best rate of
 * REPEATS runs of that size (each on a fresh key, so no run repeats work). */
static double best_rate(kernel_fn f) {
  uint64_t n = 1u << 20;
  uint32_t rep = 0;
  for (;;) {
    bw_rng_key k = bw_rng_make(20211231u, rep++, BW_RNG_BENCH, 0, 0, 0);
    double t0 = now_s();
    f(&k, n);
    double dt = now_s() - t0;
    if (dt >= MIN_SECONDS || n >= (UINT64_C(1) << 34)) break;
    /* Aim a little past the target so the next try usually suffices. */
    double scale = dt > 0.0 ? 1.2 * MIN_SECONDS / dt : 16.0;
    if (scale < 2.0) scale = 2.0;
    if (scale > 16.0) scale = 16.0;
    n = (uint64_t)((double)n * scale);
  }
  double best = 0.0;
  for (int r = 0; r < REPEATS; r++) {
    bw_rng_key k = bw_rng_make(20211231u, rep++, BW_RNG_BENCH, 0, 0, 0);
    double t0 = now_s();
    uint64_t done = f(&k, n);
    double dt = now_s() - t0;
    double rate = dt > 0.0 ? (double)done / dt : 0.0;
    if (rate > best) best = rate;
  }
  return best;
}

int main(void) {
  double block = best_rate(kernel_block);
  double stream = best_rate(kernel_stream);
  double u01 = best_rate(kernel_u01);

  printf("# Philox4x32-10, one thread, best of %d runs of >= %.1f s each\n", REPEATS,
         MIN_SECONDS);
  printf("# issue figure: ~500 M draws per second per core (ratio = measured / %.0e)\n",
         ISSUE_DRAWS_PER_S);
  printf("philox_draws_per_s_per_core %.3e\n", block);
  printf("philox_draws_ratio_to_issue %.3f\n", block / ISSUE_DRAWS_PER_S);
  printf("philox_stream_draws_per_s_per_core %.3e\n", stream);
  printf("philox_stream_draws_ratio_to_issue %.3f\n", stream / ISSUE_DRAWS_PER_S);
  printf("u01_doubles_per_s_per_core %.3e\n", u01);
  printf("u01_doubles_ratio_to_issue %.3f\n", u01 / ISSUE_DRAWS_PER_S);
  printf("# sink %08x %g\n", (unsigned)sink_u32, (double)sink_f64);
  return 0;
}
