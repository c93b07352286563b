/* Benchmark: the batch primitives of models/num/rng_batch.h and models/num/fastmath.h
 * against the per-client code they replace, on one core.
 *
 * Prints, single-threaded, best of 3 runs of at least ~0.3 s each, on
 * batches of 4096 clients (SoA arrays that stay in L2):
 *   philox_*_blocks_per_s_per_core   Philox4x32-10 blocks (4 words each)
 *   neglog_u01_*_per_s_per_core      -log(u01(w)) values
 *   log_* / exp_*                    log and exp values
 * for the batch function as called (what it dispatches to on this CPU), for
 * each instruction-set variant forced (sse2 = the baseline build; avx2,
 * avx512 = Philox's intrinsics paths or the fastmath loops compiled for that
 * set; *_autovec = the portable Philox loop auto-vectorised for that set, to
 * show why intrinsics are used there; a variant the CPU lacks is skipped),
 * and for the scalar loop it replaces (bw_rng_block per client; libm log/exp
 * per value), with the ratios to that scalar loop. Never fails on time: exit 0.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c17 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fastmath.h"
#include "rng_purpose.h"
#include "rng_batch.h"

#define NB 4096
#define MIN_SECONDS 0.3
#define REPEATS 3

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86_VARIANTS 1
#define TARGET(t) __attribute__((target(t)))
#else
#define HAVE_X86_VARIANTS 0
#define TARGET(t)
#endif

typedef struct {
  bw_rng_key k;
  uint32_t c1[NB], c2[NB];
  uint32_t w[4][NB];
  double x[NB], y[NB];
} bench_data;

static volatile uint32_t sink_u32;
static volatile double sink_f64;

static double now_s(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0.0; /* rates print as inf/0 */
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Each kernel does `calls` passes over the batch and returns how many items it made. */
typedef uint64_t (*kernel_fn)(bench_data *, uint64_t calls);

/* ---- Philox ---- */

static uint64_t philox_scalar(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    for (size_t i = 0; i < NB; i++) {
      bw_rng_key ki = d->k;
      ki.ctr.v[1] = d->c1[i];
      ki.ctr.v[2] = d->c2[i];
      philox4x32_ctr_t r = bw_rng_block(&ki, (uint32_t)c);
      d->w[0][i] = r.v[0];
      d->w[1][i] = r.v[1];
      d->w[2][i] = r.v[2];
      d->w[3][i] = r.v[3];
    }
    sink_u32 ^= d->w[0][c % NB];
  }
  return calls * NB;
}

static uint64_t philox_batch(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    bw_rng_blocks(&d->k, d->c1, d->c2, (uint32_t)c, NB, d->w[0], d->w[1], d->w[2], d->w[3]);
    sink_u32 ^= d->w[0][c % NB];
  }
  return calls * NB;
}

#define PHILOX_VARIANT(name, attr)                                                       \
  attr static uint64_t name(bench_data *d, uint64_t calls) {                             \
    for (uint64_t c = 0; c < calls; c++) {                                               \
      bw_rng_blocks_loop_(&d->k, d->c1, d->c2, (uint32_t)c, NB, d->w[0], d->w[1], d->w[2], \
                          d->w[3]);                                                      \
      sink_u32 ^= d->w[0][c % NB];                                                       \
    }                                                                                    \
    return calls * NB;                                                                   \
  }
PHILOX_VARIANT(philox_sse2, )
#if HAVE_X86_VARIANTS
static uint64_t philox_avx2(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    bw_rng_blocks_avx2_(&d->k, d->c1, d->c2, (uint32_t)c, NB, d->w[0], d->w[1], d->w[2], d->w[3]);
    sink_u32 ^= d->w[0][c % NB];
  }
  return calls * NB;
}
PHILOX_VARIANT(philox_avx2_autovec, TARGET("avx2"))
PHILOX_VARIANT(philox_avx512_autovec, TARGET("avx512f"))
static uint64_t philox_avx512(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    bw_rng_blocks_avx512_(&d->k, d->c1, d->c2, (uint32_t)c, NB, d->w[0], d->w[1], d->w[2],
                          d->w[3]);
    sink_u32 ^= d->w[0][c % NB];
  }
  return calls * NB;
}
#endif

/* ---- -log(u01) ---- */

static uint64_t neglog_libm(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    for (size_t i = 0; i < NB; i++) d->y[i] = -log(bw_u01(d->w[c & 3][i]));
    sink_f64 += d->y[c % NB];
  }
  return calls * NB;
}

static uint64_t neglog_batch(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    bw_neglog_u01_batch(d->w[c & 3], d->y, NB);
    sink_f64 += d->y[c % NB];
  }
  return calls * NB;
}

#define NEGLOG_VARIANT(name, attr)                                                     \
  attr static uint64_t name(bench_data *d, uint64_t calls) {                           \
    for (uint64_t c = 0; c < calls; c++) {                                             \
      const uint32_t *w = d->w[c & 3];                                                 \
      for (size_t i = 0; i < NB; i++) d->y[i] = -bw_fm_log_(bw_fm_u01_(w[i]));         \
      sink_f64 += d->y[c % NB];                                                        \
    }                                                                                  \
    return calls * NB;                                                                 \
  }
NEGLOG_VARIANT(neglog_sse2, )
#if HAVE_X86_VARIANTS
NEGLOG_VARIANT(neglog_avx2, TARGET("avx2"))
NEGLOG_VARIANT(neglog_avx512, TARGET("avx512f"))
#endif

/* ---- log, exp ---- */

static uint64_t log_libm(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    for (size_t i = 0; i < NB; i++) d->y[i] = log(d->x[i]);
    sink_f64 += d->y[c % NB];
  }
  return calls * NB;
}

static uint64_t log_batch(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    bw_log_batch(d->x, d->y, NB);
    sink_f64 += d->y[c % NB];
  }
  return calls * NB;
}

/* exp of a value in [-10, 10] (d->x holds durations in (0, 20)). */
static uint64_t exp_libm(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    for (size_t i = 0; i < NB; i++) d->y[i] = exp(d->x[i] - 10.0);
    sink_f64 += d->y[c % NB];
  }
  return calls * NB;
}

static uint64_t exp_batch(bench_data *d, uint64_t calls) {
  for (uint64_t c = 0; c < calls; c++) {
    for (size_t i = 0; i < NB; i++) d->y[i] = d->x[i] - 10.0;
    bw_exp_batch(d->y, d->y, NB);
    sink_f64 += d->y[c % NB];
  }
  return calls * NB;
}

/* Grow the pass count until one run takes MIN_SECONDS, then the best of REPEATS. */
static double best_rate(kernel_fn f, bench_data *d) {
  uint64_t calls = 16;
  for (;;) {
    double t0 = now_s();
    f(d, calls);
    double dt = now_s() - t0;
    if (dt >= MIN_SECONDS || calls >= (UINT64_C(1) << 30)) break;
    double scale = dt > 0.0 ? 1.2 * MIN_SECONDS / dt : 16.0;
    if (scale < 2.0) scale = 2.0;
    if (scale > 16.0) scale = 16.0;
    calls = (uint64_t)((double)calls * scale);
  }
  double best = 0.0;
  for (int r = 0; r < REPEATS; r++) {
    double t0 = now_s();
    uint64_t done = f(d, calls);
    double dt = now_s() - t0;
    double rate = dt > 0.0 ? (double)done / dt : 0.0;
    if (rate > best) best = rate;
  }
  return best;
}

static void report(const char *name, const char *unit, double rate, double base) {
  printf("%-28s %.3e %s/s   ratio_to_scalar %.2f\n", name, rate, unit, base > 0 ? rate / base : 0.0);
}

int main(void) {
  bench_data *d = malloc(sizeof *d);
  if (!d) {
    fprintf(stderr, "bench_batch: out of memory\n");
    return 0;
  }
  d->k = bw_rng_make(20240101u, 3, BW_RNG_BENCH, 0, 0, 0);
  for (uint32_t i = 0; i < NB; i++) {
    d->c1[i] = bw_rng_c1(BW_RNG_ENTRY, i % 11, i % 342);
    d->c2[i] = i;
  }
  /* Words for -log(u01), and durations in (0, 20) for log / exp. */
  bw_rng_blocks(&d->k, d->c1, d->c2, 0, NB, d->w[0], d->w[1], d->w[2], d->w[3]);
  for (size_t i = 0; i < NB; i++) d->x[i] = 20.0 * bw_u01(d->w[0][i]);
  int avx2 = 0, avx512 = 0;
#if HAVE_X86_VARIANTS
  __builtin_cpu_init();
  avx2 = __builtin_cpu_supports("avx2");
  avx512 = __builtin_cpu_supports("avx512f");
#endif

  printf("# one thread, batches of %d, best of %d runs of >= %.1f s\n", NB, REPEATS, MIN_SECONDS);
  printf("# batch = as dispatched; sse2/avx2/avx512 = variant forced; ratio = / scalar loop\n");

  double ps = best_rate(philox_scalar, d);
  report("philox_scalar_blocks", "blocks", ps, ps);
  double pb = best_rate(philox_batch, d);
  report("philox_batch_blocks", "blocks", pb, ps);
  report("philox_sse2_blocks", "blocks", best_rate(philox_sse2, d), ps);
#if HAVE_X86_VARIANTS
  if (avx2) report("philox_avx2_blocks", "blocks", best_rate(philox_avx2, d), ps);
  if (avx2) report("philox_avx2_autovec_blocks", "blocks", best_rate(philox_avx2_autovec, d), ps);
  if (avx512) report("philox_avx512_blocks", "blocks", best_rate(philox_avx512, d), ps);
  if (avx512)
    report("philox_avx512_autovec_blocks", "blocks", best_rate(philox_avx512_autovec, d), ps);
#endif
  printf("%-28s %.3e words/s (batch) vs %.3e words/s (scalar)\n", "philox_words", 4 * pb, 4 * ps);

  /* The kernel's words for -log(u01) come from all four outputs of a block. */
  bw_rng_blocks(&d->k, d->c1, d->c2, 1, NB, d->w[0], d->w[1], d->w[2], d->w[3]);
  double nl = best_rate(neglog_libm, d);
  report("neglog_u01_libm", "values", nl, nl);
  report("neglog_u01_batch", "values", best_rate(neglog_batch, d), nl);
  report("neglog_u01_sse2", "values", best_rate(neglog_sse2, d), nl);
#if HAVE_X86_VARIANTS
  if (avx2) report("neglog_u01_avx2", "values", best_rate(neglog_avx2, d), nl);
  if (avx512) report("neglog_u01_avx512", "values", best_rate(neglog_avx512, d), nl);
#endif

  double ll = best_rate(log_libm, d);
  report("log_libm", "values", ll, ll);
  report("log_batch", "values", best_rate(log_batch, d), ll);
  double el = best_rate(exp_libm, d);
  report("exp_libm", "values", el, el);
  report("exp_batch", "values", best_rate(exp_batch, d), el);

  printf("# cpu: avx2 %s, avx512f %s; sink %08x %g\n", avx2 ? "yes" : "no", avx512 ? "yes" : "no",
         (unsigned)sink_u32, (double)sink_f64);
  free(d);
  return 0;
}
