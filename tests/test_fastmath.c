/* Tests for models/num/rng_batch.h and models/num/fastmath.h: the batch primitives of the
 * individual kernel.
 *
 * 1. bw_rng_blocks gives, word for word, Random123's philox4x32 (10 rounds)
 *    for >= 10,000 random (key, counter) inputs plus edge values, and the same
 *    as bw_rng_block of a bw_rng_make key; bw_rng_c1 packs as bw_rng_make.
 *    Each code path (portable, AVX2, AVX-512F) is also checked on its own.
 * 2. Every batch function writes exactly n outputs (n = 0, 1, 3, ..., 33, 1000;
 *    sentinels after the end stay untouched) equal to the scalar results.
 * 3. bw_log_batch / bw_exp_batch equal bw_log1 / bw_exp1 bit for bit. The
 *    batch call runs the instruction-set clone the loader picked (AVX-512 or
 *    AVX2 on a recent x86-64), the scalar one the SSE2 baseline, so this also
 *    checks that the clones round alike.
 * 4. Relative error <= 4e-16 against libm log/exp and against long double
 *    logl/expl over 10^6 log-uniformly spread points per function plus edge
 *    points (2^-33, 1 - 2^-33, 1, 0.5, 2, 1e300, DBL_MIN, ...).
 * 5. bw_neglog_u01_batch equals -bw_log1(bw_u01(w)) bit for bit.
 * 6. bw_exp_poly1 (the count kernel's division-free exp) has the same
 *    accuracy bound over the same points as bw_exp1, and the same bits in
 *    every instruction-set variant.
 * Inputs come from a local splitmix64 with fixed seeds, so runs are repeatable.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastmath.h"
#include "rng_purpose.h"
#include "rng_batch.h"

#define MAX_REL_ERR 4e-16

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform on [0, 1) with 53 bits. */
static double unif(uint64_t *s) { return (double)(splitmix64(s) >> 11) * 0x1p-53; }

/* 32-bit words with edge values mixed in: one in four is an edge value. */
static uint32_t word(uint64_t *s) {
  static const uint32_t edge[] = {0u, 1u, 2u, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu,
                                  0x9E3779B9u, 0xD2511F53u, 0xCD9E8D57u};
  uint64_t r = splitmix64(s);
  if ((r & 3u) == 0) return edge[(r >> 2) % (sizeof edge / sizeof edge[0])];
  return (uint32_t)(r >> 32);
}

static void *xmalloc(size_t bytes) {
  void *p = malloc(bytes);
  cr_assert_not_null(p, "malloc(%zu) failed", bytes);
  return p;
}

static uint64_t bits(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

/* ---- 1. Philox ----------------------------------------------------------- */

Test(rng_batch, philox_matches_random123) {
  enum { N_KEYS = 40, N_PER_KEY = 300 }; /* 12,000 inputs */
  uint64_t s = 1;
  uint32_t c1[N_PER_KEY], c2[N_PER_KEY], w[4][N_PER_KEY];
  size_t checked = 0;
  for (int kk = 0; kk < N_KEYS; kk++) {
    bw_rng_key k;
    k.key.v[0] = word(&s);
    k.key.v[1] = word(&s);
    k.ctr.v[0] = word(&s);
    k.ctr.v[1] = word(&s); /* ignored: replaced by c1[i] */
    k.ctr.v[2] = word(&s); /* ignored: replaced by c2[i] */
    k.ctr.v[3] = word(&s); /* ignored: replaced by block */
    uint32_t block = word(&s);
    for (int i = 0; i < N_PER_KEY; i++) {
      c1[i] = word(&s);
      c2[i] = word(&s);
    }
    bw_rng_blocks(&k, c1, c2, block, N_PER_KEY, w[0], w[1], w[2], w[3]);
    for (int i = 0; i < N_PER_KEY; i++) {
      philox4x32_ctr_t c = {{k.ctr.v[0], c1[i], c2[i], block}};
      philox4x32_ctr_t want = philox4x32(c, k.key);
      for (int j = 0; j < 4; j++)
        cr_assert_eq(w[j][i], want.v[j],
                     "key %08x %08x ctr %08x %08x %08x %08x word %d: got %08x, Random123 %08x",
                     k.key.v[0], k.key.v[1], c.v[0], c.v[1], c.v[2], c.v[3], j, w[j][i],
                     want.v[j]);
      checked++;
    }
  }
  cr_assert_geq(checked, 10000);
}

/* The published all-zero and all-ones vectors (see tests/test_rng.c) through the batch. */
Test(rng_batch, known_answers) {
  bw_rng_key k;
  memset(&k, 0, sizeof k);
  uint32_t c1 = 0, c2 = 0, w[4];
  bw_rng_blocks(&k, &c1, &c2, 0, 1, &w[0], &w[1], &w[2], &w[3]);
  cr_assert(w[0] == 0x6627e8d5u && w[1] == 0xe169c58du && w[2] == 0xbc57ac4cu &&
            w[3] == 0x9b00dbd8u);
  k.key.v[0] = k.key.v[1] = k.ctr.v[0] = 0xffffffffu;
  c1 = c2 = 0xffffffffu;
  bw_rng_blocks(&k, &c1, &c2, 0xffffffffu, 1, &w[0], &w[1], &w[2], &w[3]);
  cr_assert(w[0] == 0x408f276du && w[1] == 0x41c83b0eu && w[2] == 0xa20bc7c6u &&
            w[3] == 0x6d5451fdu);
}

Test(rng_batch, same_as_bw_rng_block_of_bw_rng_make) {
  enum { N = 257 };
  uint64_t seed = UINT64_C(0x0123456789abcdef);
  uint32_t c1[N], c2[N], w[4][N];
  for (unsigned i = 0; i < N; i++) {
    unsigned purpose = 1 + i % 8, year = i % 31, gem = (i * 977u) % 65536u;
    c1[i] = bw_rng_c1(purpose, year, gem);
    c2[i] = 1000u + 7u * i;
    bw_rng_key ki = bw_rng_make(seed, 42, purpose, year, gem, c2[i]);
    cr_assert_eq(c1[i], ki.ctr.v[1], "bw_rng_c1(%u, %u, %u) = %08x, bw_rng_make packs %08x",
                 purpose, year, gem, c1[i], ki.ctr.v[1]);
  }
  bw_rng_key k = bw_rng_make(seed, 42, 0, 0, 0, 0);
  for (uint32_t block = 0; block < 3; block++) {
    bw_rng_blocks(&k, c1, c2, block, N, w[0], w[1], w[2], w[3]);
    for (unsigned i = 0; i < N; i++) {
      unsigned purpose = 1 + i % 8, year = i % 31, gem = (i * 977u) % 65536u;
      bw_rng_key ki = bw_rng_make(seed, 42, purpose, year, gem, c2[i]);
      philox4x32_ctr_t want = bw_rng_block(&ki, block);
      for (int j = 0; j < 4; j++)
        cr_assert_eq(w[j][i], want.v[j], "client %u block %u word %d", i, block, j);
    }
  }
  /* Fields are masked as bw_rng_make masks them. */
  cr_assert_eq(bw_rng_c1(0x1ff, 0x1ff, 0x1ffff), 0xffffffffu);
  cr_assert_eq(bw_rng_c1(5, 3, 17), (5u << 24) | (3u << 16) | 17u);
}

/* Each Philox code path on its own (the dispatcher runs only the widest the
 * CPU has): portable loop, AVX2, AVX-512F, against Random123. */
typedef void (*blocks_fn)(const bw_rng_key *restrict, const uint32_t *restrict,
                          const uint32_t *restrict, uint32_t, size_t, uint32_t *restrict,
                          uint32_t *restrict, uint32_t *restrict, uint32_t *restrict);

static void check_path(blocks_fn f, const char *name) {
  enum { N = 1000 + 37 };
  uint64_t s = 23;
  uint32_t c1[N], c2[N], w[4][N];
  for (int rep = 0; rep < 10; rep++) {
    bw_rng_key k;
    k.key.v[0] = word(&s);
    k.key.v[1] = word(&s);
    k.ctr.v[0] = word(&s);
    uint32_t block = word(&s);
    for (size_t i = 0; i < N; i++) {
      c1[i] = word(&s);
      c2[i] = word(&s);
    }
    size_t n = N - (size_t)rep; /* vary the tail */
    f(&k, c1, c2, block, n, w[0], w[1], w[2], w[3]);
    for (size_t i = 0; i < n; i++) {
      philox4x32_ctr_t c = {{k.ctr.v[0], c1[i], c2[i], block}};
      philox4x32_ctr_t want = philox4x32(c, k.key);
      for (int j = 0; j < 4; j++)
        cr_assert_eq(w[j][i], want.v[j], "%s: n=%zu i=%zu word %d", name, n, i, j);
    }
  }
}

Test(rng_batch, each_code_path) {
  check_path(bw_rng_blocks_loop_, "portable");
#if BW_RNG_HAVE_AVX2
  if (__builtin_cpu_supports("avx2"))
    check_path(bw_rng_blocks_avx2_, "avx2");
  else
    cr_log_warn("CPU lacks AVX2: AVX2 path not tested");
  if (__builtin_cpu_supports("avx512f"))
    check_path(bw_rng_blocks_avx512_, "avx512f");
  else
    cr_log_warn("CPU lacks AVX-512F: AVX-512 path not tested");
#endif
}

/* ---- 2. Lengths and tails ------------------------------------------------ */

static const size_t lengths[] = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1000};
#define GUARD 16
#define SENTINEL_U32 0xA5A5A5A5u
#define SENTINEL_F64 (-12345.678)

Test(batch, lengths_and_tails) {
  uint64_t s = 7;
  enum { NMAX = 1000 };
  uint32_t *c1 = xmalloc(NMAX * sizeof *c1), *c2 = xmalloc(NMAX * sizeof *c2);
  uint32_t *w[4];
  for (int j = 0; j < 4; j++) w[j] = xmalloc((NMAX + GUARD) * sizeof *w[j]);
  double *x = xmalloc(NMAX * sizeof *x), *out = xmalloc((NMAX + GUARD) * sizeof *out);
  uint32_t *u = xmalloc(NMAX * sizeof *u);
  bw_rng_key k = bw_rng_make(99, 1, BW_RNG_TEST, 2, 3, 0);
  for (size_t t = 0; t < sizeof lengths / sizeof lengths[0]; t++) {
    size_t n = lengths[t];
    for (size_t i = 0; i < n; i++) {
      c1[i] = word(&s);
      c2[i] = word(&s);
      u[i] = word(&s);
    }
    /* Philox */
    for (int j = 0; j < 4; j++)
      for (size_t i = 0; i < n + GUARD; i++) w[j][i] = SENTINEL_U32;
    bw_rng_blocks(&k, c1, c2, 5, n, w[0], w[1], w[2], w[3]);
    for (size_t i = 0; i < n; i++) {
      philox4x32_ctr_t c = {{k.ctr.v[0], c1[i], c2[i], 5}};
      philox4x32_ctr_t want = philox4x32(c, k.key);
      for (int j = 0; j < 4; j++) cr_assert_eq(w[j][i], want.v[j], "n=%zu i=%zu", n, i);
    }
    for (int j = 0; j < 4; j++)
      for (size_t i = n; i < n + GUARD; i++)
        cr_assert_eq(w[j][i], SENTINEL_U32, "n=%zu: bw_rng_blocks wrote w%d[%zu]", n, j, i);

    /* log */
    for (size_t i = 0; i < n; i++) x[i] = exp(1400.0 * unif(&s) - 700.0);
    for (size_t i = 0; i < n + GUARD; i++) out[i] = SENTINEL_F64;
    bw_log_batch(x, out, n);
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(bits(out[i]), bits(bw_log1(x[i])), "log n=%zu i=%zu x=%a", n, i, x[i]);
    for (size_t i = n; i < n + GUARD; i++)
      cr_assert_eq(out[i], SENTINEL_F64, "n=%zu: bw_log_batch wrote out[%zu]", n, i);

    /* exp */
    for (size_t i = 0; i < n; i++) x[i] = 1400.0 * unif(&s) - 700.0;
    for (size_t i = 0; i < n + GUARD; i++) out[i] = SENTINEL_F64;
    bw_exp_batch(x, out, n);
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(bits(out[i]), bits(bw_exp1(x[i])), "exp n=%zu i=%zu x=%a", n, i, x[i]);
    for (size_t i = n; i < n + GUARD; i++)
      cr_assert_eq(out[i], SENTINEL_F64, "n=%zu: bw_exp_batch wrote out[%zu]", n, i);

    /* -log(u01) */
    for (size_t i = 0; i < n + GUARD; i++) out[i] = SENTINEL_F64;
    bw_neglog_u01_batch(u, out, n);
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(bits(out[i]), bits(-bw_log1(bw_u01(u[i]))), "neglog n=%zu i=%zu", n, i);
    for (size_t i = n; i < n + GUARD; i++)
      cr_assert_eq(out[i], SENTINEL_F64, "n=%zu: bw_neglog_u01_batch wrote out[%zu]", n, i);
  }
  for (int j = 0; j < 4; j++) free(w[j]);
  free(c1);
  free(c2);
  free(x);
  free(out);
  free(u);
}

/* ---- 3, 4. Accuracy and batch == scalar -------------------------------- */

typedef struct {
  double max_vs_libm, max_vs_long;
  double worst_x_libm, worst_x_long;
} err_stats;

static void track(err_stats *e, double x, double got, double libm_val, long double truth) {
  double rl = libm_val == 0.0 ? fabs(got) : fabs((got - libm_val) / libm_val);
  double rt = truth == 0.0L ? fabs(got) : (double)fabsl(((long double)got - truth) / truth);
  if (!(rl <= e->max_vs_libm)) { /* also catches NaN */
    e->max_vs_libm = isnan(rl) ? INFINITY : rl;
    e->worst_x_libm = x;
  }
  if (!(rt <= e->max_vs_long)) {
    e->max_vs_long = isnan(rt) ? INFINITY : rt;
    e->worst_x_long = x;
  }
}

/* Runs the batch on x[0..n), checks batch == scalar bit for bit, tracks errors. */
static void check_log(const double *x, double *out, size_t n, err_stats *e) {
  bw_log_batch(x, out, n);
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(bits(out[i]), bits(bw_log1(x[i])), "log(%a): batch %a, scalar %a", x[i], out[i],
                 bw_log1(x[i]));
    track(e, x[i], out[i], log(x[i]), logl((long double)x[i]));
  }
}

static void check_exp(const double *x, double *out, size_t n, err_stats *e) {
  bw_exp_batch(x, out, n);
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(bits(out[i]), bits(bw_exp1(x[i])), "exp(%a): batch %a, scalar %a", x[i], out[i],
                 bw_exp1(x[i]));
    track(e, x[i], out[i], exp(x[i]), expl((long double)x[i]));
  }
}

/* The division-free exp: errors only (it has no batch function; the
 * variants are compared in every_instruction_set_gives_the_same_bits). */
static void check_exp_poly(const double *x, size_t n, err_stats *e) {
  for (size_t i = 0; i < n; i++) track(e, x[i], bw_exp_poly1(x[i]), exp(x[i]), expl((long double)x[i]));
}

static void assert_errors(const err_stats *e, const char *what) {
  cr_log_info("%s: max rel err vs libm %.3g (x=%a), vs long double %.3g (x=%a)", what,
              e->max_vs_libm, e->worst_x_libm, e->max_vs_long, e->worst_x_long);
  cr_assert_leq(e->max_vs_libm, MAX_REL_ERR, "%s: rel err vs libm %.3g at x=%a", what,
                e->max_vs_libm, e->worst_x_libm);
  cr_assert_leq(e->max_vs_long, MAX_REL_ERR, "%s: rel err vs long double %.3g at x=%a", what,
                e->max_vs_long, e->worst_x_long);
}

enum { NPTS = 250000 }; /* per region; four regions = 10^6 points per function */

Test(fastmath, log_accuracy_and_bit_identity) {
  uint64_t s = 11;
  double *x = xmalloc(NPTS * sizeof *x), *out = xmalloc(NPTS * sizeof *out);
  err_stats e = {0};
  /* log-uniform over the normal range [DBL_MIN, DBL_MAX) */
  for (size_t i = 0; i < NPTS; i++) x[i] = ldexp(1.0 + unif(&s), -1022 + (int)(2045.0 * unif(&s)));
  check_log(x, out, NPTS, &e);
  /* log-uniform over the uniforms' range (2^-33, 1) */
  for (size_t i = 0; i < NPTS; i++) x[i] = exp2(-33.0 * unif(&s));
  check_log(x, out, NPTS, &e);
  /* around 1, where log x -> 0 and relative error is hardest: 1 +- 2^-j, j in [1, 53) */
  for (size_t i = 0; i < NPTS; i++) {
    double d = exp2(-1.0 - 52.0 * unif(&s));
    x[i] = (i & 1) ? 1.0 + d : 1.0 - d;
  }
  check_log(x, out, NPTS, &e);
  /* the kernel's inputs: every u01 word value class, and positive durations (0.01, 100) */
  for (size_t i = 0; i < NPTS; i++)
    x[i] = (i & 1) ? bw_u01((uint32_t)splitmix64(&s)) : exp2(-6.6 + 13.3 * unif(&s));
  check_log(x, out, NPTS, &e);
  static const double edges[] = {0x1p-33, 1.0 - 0x1p-33, 1.0, 0.5, 2.0, 1e300, DBL_MIN, DBL_MAX,
                                 0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bcdp+0,
                                 0x1.6a09e667f3bccp+0, 1.0 + DBL_EPSILON, 1.0 - DBL_EPSILON / 2,
                                 2.718281828459045, 0.5 * 0x1p-32, (0xffffffffu + 0.5) * 0x1p-32};
  enum { NE = sizeof edges / sizeof edges[0] };
  double eo[NE];
  check_log(edges, eo, NE, &e);
  cr_assert_eq(bits(bw_log1(1.0)), bits(0.0), "log(1) must be +0, got %a", bw_log1(1.0));
  assert_errors(&e, "log");
  free(x);
  free(out);
}

Test(fastmath, exp_accuracy_and_bit_identity) {
  uint64_t s = 13;
  double *x = xmalloc(NPTS * sizeof *x), *out = xmalloc(NPTS * sizeof *out);
  err_stats e = {0}, ep = {0};
  /* uniform over the whole domain [-700, 700] */
  for (size_t i = 0; i < NPTS; i++) x[i] = 1400.0 * unif(&s) - 700.0;
  check_exp(x, out, NPTS, &e);
  check_exp_poly(x, NPTS, &ep);
  /* log-uniform |x| in [2^-60, 1], both signs */
  for (size_t i = 0; i < NPTS; i++) {
    double a = exp2(-60.0 * unif(&s));
    x[i] = (i & 1) ? a : -a;
  }
  check_exp(x, out, NPTS, &e);
  check_exp_poly(x, NPTS, &ep);
  /* log-uniform |x| in [1, 700], both signs */
  for (size_t i = 0; i < NPTS; i++) {
    double a = exp(log(700.0) * unif(&s));
    x[i] = (i & 1) ? a : -a;
  }
  check_exp(x, out, NPTS, &e);
  check_exp_poly(x, NPTS, &ep);
  /* near the rounding boundaries of k: x close to (j + 1/2) ln 2 */
  for (size_t i = 0; i < NPTS; i++) {
    double j = floor(2018.0 * unif(&s)) - 1009.0;
    x[i] = (j + 0.5) * 0.6931471805599453 + 1e-12 * (unif(&s) - 0.5);
    if (fabs(x[i]) > 700.0) x[i] = 0.0;
  }
  check_exp(x, out, NPTS, &e);
  check_exp_poly(x, NPTS, &ep);
  static const double edges[] = {0.0, -0.0, 700.0, -700.0, 1.0, -1.0, 0.5, -0.5, 0x1p-33,
                                 -0x1p-33, 0.6931471805599453, -0.6931471805599453,
                                 0.34657359027997264, -0.34657359027997264, DBL_MIN, 709.0 - 9.0};
  enum { NE = sizeof edges / sizeof edges[0] };
  double eo[NE];
  check_exp(edges, eo, NE, &e);
  check_exp_poly(edges, NE, &ep);
  cr_assert_eq(bw_exp1(0.0), 1.0);
  cr_assert_eq(bw_exp1(-0.0), 1.0);
  assert_errors(&e, "exp");
  cr_assert_eq(bw_exp_poly1(0.0), 1.0);
  cr_assert_eq(bw_exp_poly1(-0.0), 1.0);
  assert_errors(&ep, "exp_poly");
  free(x);
  free(out);
}

/* out == x is allowed for log and exp, and gives the same bits. */
Test(batch, in_place) {
  enum { N = 1003 };
  uint64_t s = 19;
  double x[N], y[N], want[N];
  for (size_t i = 0; i < N; i++) x[i] = y[i] = 10.0 * unif(&s) + 1e-3;
  bw_log_batch(x, want, N);
  bw_log_batch(y, y, N);
  for (size_t i = 0; i < N; i++) cr_assert_eq(bits(y[i]), bits(want[i]), "log in place, i=%zu", i);
  bw_exp_batch(x, want, N);
  memcpy(y, x, sizeof y);
  bw_exp_batch(y, y, N);
  for (size_t i = 0; i < N; i++) cr_assert_eq(bits(y[i]), bits(want[i]), "exp in place, i=%zu", i);
}

/* The same loops compiled for each instruction set by hand (in an optimised
 * build GCC vectorises each with that set's vector width), so every clone
 * the loader might pick on some machine is compared with the scalar code. */
#define VARIANT_LOOPS(suffix, attr)                                                            \
  attr static void log_##suffix(const double *x, double *o, size_t n) {                       \
    for (size_t i = 0; i < n; i++) o[i] = bw_log1(x[i]);                                      \
  }                                                                                            \
  attr static void exp_##suffix(const double *x, double *o, size_t n) {                       \
    for (size_t i = 0; i < n; i++) o[i] = bw_exp1(x[i]);                                      \
  }                                                                                            \
  attr static void neglog_##suffix(const uint32_t *w, double *o, size_t n) {                  \
    for (size_t i = 0; i < n; i++) o[i] = bw_neglog_u01_1(w[i]);                              \
  }                                                                                            \
  attr static void exp_poly_##suffix(const double *x, double *o, size_t n) {                  \
    for (size_t i = 0; i < n; i++) o[i] = bw_exp_poly1(x[i]);                                 \
  }
VARIANT_LOOPS(base, )
#if defined(__x86_64__) && defined(__GNUC__)
VARIANT_LOOPS(avx2, __attribute__((target("avx2"))))
VARIANT_LOOPS(avx512, __attribute__((target("avx512f"))))
#endif

static void check_variant(void (*lg)(const double *, double *, size_t),
                          void (*ex)(const double *, double *, size_t),
                          void (*nl)(const uint32_t *, double *, size_t),
                          void (*ep)(const double *, double *, size_t), const char *name) {
  enum { N = 20011 };
  uint64_t s = 29;
  double *x = xmalloc(N * sizeof *x), *o = xmalloc(N * sizeof *o);
  uint32_t *w = xmalloc(N * sizeof *w);
  for (size_t i = 0; i < N; i++) x[i] = ldexp(1.0 + unif(&s), -1022 + (int)(2045.0 * unif(&s)));
  lg(x, o, N);
  for (size_t i = 0; i < N; i++)
    cr_assert_eq(bits(o[i]), bits(bw_log1(x[i])), "%s log(%a)", name, x[i]);
  for (size_t i = 0; i < N; i++) x[i] = 1400.0 * unif(&s) - 700.0;
  ex(x, o, N);
  for (size_t i = 0; i < N; i++)
    cr_assert_eq(bits(o[i]), bits(bw_exp1(x[i])), "%s exp(%a)", name, x[i]);
  ep(x, o, N);
  for (size_t i = 0; i < N; i++)
    cr_assert_eq(bits(o[i]), bits(bw_exp_poly1(x[i])), "%s exp_poly(%a)", name, x[i]);
  for (size_t i = 0; i < N; i++) w[i] = word(&s);
  nl(w, o, N);
  for (size_t i = 0; i < N; i++)
    cr_assert_eq(bits(o[i]), bits(bw_neglog_u01_1(w[i])), "%s neglog(%08x)", name, w[i]);
  free(x);
  free(o);
  free(w);
}

Test(fastmath, every_instruction_set_gives_the_same_bits) {
  check_variant(log_base, exp_base, neglog_base, exp_poly_base, "baseline");
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2"))
    check_variant(log_avx2, exp_avx2, neglog_avx2, exp_poly_avx2, "avx2");
  else
    cr_log_warn("CPU lacks AVX2: AVX2 variant not tested");
  if (__builtin_cpu_supports("avx512f"))
    check_variant(log_avx512, exp_avx512, neglog_avx512, exp_poly_avx512, "avx512f");
  else
    cr_log_warn("CPU lacks AVX-512F: AVX-512 variant not tested");
#endif
}

/* ---- 5. -log(u01) -------------------------------------------------------- */

Test(fastmath, neglog_u01_is_minus_log_of_bw_u01) {
  enum { N = 100000 };
  uint64_t s = 17;
  uint32_t *w = xmalloc(N * sizeof *w);
  double *out = xmalloc(N * sizeof *out);
  for (size_t i = 0; i < N; i++) w[i] = word(&s);
  w[0] = 0u;
  w[1] = 0xffffffffu;
  w[2] = 0x80000000u;
  bw_neglog_u01_batch(w, out, N);
  err_stats e = {0};
  for (size_t i = 0; i < N; i++) {
    double u = bw_u01(w[i]);
    cr_assert_eq(bits(out[i]), bits(-bw_log1(u)), "w=%08x: %a vs -bw_log1 %a", w[i], out[i],
                 -bw_log1(u));
    cr_assert_eq(bits(out[i]), bits(bw_neglog_u01_1(w[i])), "w=%08x: batch vs scalar", w[i]);
    cr_assert(out[i] > 0.0, "w=%08x: -log(u) = %a must be > 0", w[i], out[i]);
    track(&e, u, out[i], -log(u), -logl((long double)u));
  }
  assert_errors(&e, "-log(u01)");
  free(w);
  free(out);
}
