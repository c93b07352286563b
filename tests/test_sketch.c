/* Tests for sim/sketch.h + sim/sketch.c: one output cell's streaming
 * statistics.
 *
 * 1. Against the exact statistics (bw_stat_compute on the same values), for
 *    normal, lognormal, zero-crossing, integer, all-equal, single, huge
 *    (up to BW_CELL_XMAX), tiny and mixed-magnitude samples and for values
 *    placed on the bin edges:
 *    - mean and sd within the fixed-point rounding. Every x is summed as
 *      round(256 x), off by at most 1/512, so the mean of the rounded values
 *      is within 1/512 of the exact mean; the centred vectors differ by at
 *      most the rounding vector, whose norm is <= sqrt(n)/512, so the sd is
 *      within sqrt(n/(n-1))/512 (triangle inequality). On top of that, a few
 *      roundings of the double arithmetic on both sides (FP below).
 *    - q05, q50, q95 and cvar95 within their err_* bound of the exact value
 *      (plus the same few roundings of the interpolation / the tail sum),
 *      and the bound itself no wider than the bins it was read from: half a
 *      bin, c (sinh((i+1)/H) - sinh(i/H)) / 2 <= sqrt(c^2 + x^2) e^(1/H) / 2H.
 * 2. Exact mergeability: any order of addition, any grouping of merges, and
 *    pack / unpack_merge give the same state (n, sums, extremes, the count
 *    of every bin) and memcmp-identical bw_stat.
 * 3. Rejections: NaN, infinities and |x| > BW_CELL_XMAX give -2 and leave the
 *    cell as it was; merges and unpacks of another scale, truncated buffers.
 *    The two-step add (bw_cell_bin, bw_cell_prefetch, bw_cell_add_bin) is
 *    the one-step add.
 * 4. -0.0 and +0.0: every order of a multiset holding both gives the same
 *    bytes.
 * 5. Memory follows the spread of the values, not their number; a first block
 *    holds room for the tails; counts past 255 (a second byte, held only
 *    over the bins that need it) and past 65535 (a carry) are exact; clear.
 * 6. The vector bins of a block (an approximation of asinh within a proven
 *    bound, and a slack around it) are libm's, value by value, near the bin
 *    edges too; the block's fixed-point sums are llround's. */
#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rng_purpose.h"
#include "sketch.h"
#include "stats.h"

/* a few roundings of a double computation on values of magnitude m */
#define FP(m) (16.0 * DBL_EPSILON * (m))

static gsl_rng *rng_open(uint32_t stream) {
  gsl_rng *r = gsl_rng_alloc(bw_rng_philox);
  cr_assert_not_null(r);
  bw_rng_gsl_reset(r, bw_rng_make(4242, 0, BW_RNG_TEST, 0, 0, stream));
  return r;
}

static void fill_cell(bw_cell *cell, const double *x, size_t n) {
  for (size_t i = 0; i < n; i++) cr_assert_eq(bw_cell_add(cell, x[i]), 0, "add x[%zu] = %.17g", i, x[i]);
}

static double max_abs(const double *x, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
  return m;
}

/* Half the width of any bin holding a value of magnitude <= x (sketch.h:
 * bins uniform in asinh(x/c), width 1/H there). */
static double half_bin(double c, double inv_h, double x) {
  return 0.5 * sqrt(c * c + x * x) * exp(1.0 / inv_h) / inv_h;
}

/* One quantile: |streaming - exact| <= err (+ rounding), and err no wider
 * than the bins of the two order statistics it interpolates. */
static void check_quantile(const char *what, const char *name, double got, double err, double want,
                           const double *sorted, size_t n, double p, double c, double inv_h,
                           double mag) {
  cr_assert(err >= 0.0 && isfinite(err), "%s %s: err %g", what, name, err);
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
  /* when h is whole, both sides return an order statistic without
   * interpolating: the only rounding left is that of the bin's midpoint and
   * half-width (an ulp each), so the bound must hold to 2 ulps of the value */
  double slack = h == floor(h) ? 2 * DBL_EPSILON * fabs(want) : FP(mag);
  cr_assert(fabs(got - want) <= err + slack, "%s %s: streaming %.17g, exact %.17g, |d| %.3g > err %.3g",
            what, name, got, want, fabs(got - want), err);
  double x = fmax(fabs(sorted[lo]), fabs(sorted[hi]));
  double bound = half_bin(c, inv_h, x) + FP(mag) + 4e-15 * mag;
  cr_assert(err <= bound, "%s %s: err %.3g wider than a bin (%.3g) at |x| = %g", what, name, err,
            bound, x);
}

/* The cell of x[0..n-1] against bw_stat_compute of the same values. */
static void check_vs_exact(const char *what, const double *x, size_t n, double c, double inv_h) {
  bw_cell cell;
  bw_cell_init(&cell, c, inv_h);
  fill_cell(&cell, x, n);
  cr_assert_eq(cell.n, (uint64_t)n);
  bw_stat s, e;
  bw_cell_stat(&cell, &s);
  double *sorted = malloc(n * sizeof *sorted);
  cr_assert_not_null(sorted);
  memcpy(sorted, x, n * sizeof *sorted);
  bw_stat_compute(sorted, n, &e); /* sorts */
  double mag = max_abs(x, n);

  cr_assert_eq(cell.min, sorted[0], "%s: min", what);
  cr_assert_eq(cell.max, sorted[n - 1], "%s: max", what);
  double tol_mean = 1.0 / 512 + FP(mag);
  cr_assert(fabs(s.mean - e.mean) <= tol_mean, "%s: mean %.17g, exact %.17g (tol %.3g)", what, s.mean,
            e.mean, tol_mean);
  if (n > 1) {
    double dn = (double)n;
    double tol_sd = sqrt(dn / (dn - 1)) / 512 + (dn + 16) * DBL_EPSILON * e.sd + FP(mag);
    cr_assert(fabs(s.sd - e.sd) <= tol_sd, "%s: sd %.17g, exact %.17g (tol %.3g)", what, s.sd, e.sd,
              tol_sd);
    cr_assert(fabs(s.se_mean - s.sd / sqrt(dn)) <= FP(s.se_mean), "%s: se_mean = sd / sqrt(n)", what);
    /* the order-statistic se reads two order statistics from the bins: each
     * within half a bin of its exact value */
    const double se_s[3] = {s.se_q05, s.se_q50, s.se_q95}, se_e[3] = {e.se_q05, e.se_q50, e.se_q95};
    for (int k = 0; k < 3; k++)
      cr_assert(fabs(se_s[k] - se_e[k]) <= 2 * half_bin(c, inv_h, mag) / (2 * 1.96) + FP(mag),
                "%s: se of quantile %d: %.17g vs exact %.17g", what, k, se_s[k], se_e[k]);
    cr_assert(s.se_sd >= 0 && s.se_cvar95 >= 0, "%s: se_sd, se_cvar95 >= 0", what);
  } else {
    cr_assert(s.sd == 0 && s.se_mean == 0 && s.se_sd == 0 && s.se_q05 == 0 && s.se_q50 == 0 &&
                  s.se_q95 == 0 && s.se_cvar95 == 0,
              "%s: one value: sd and every se 0", what);
  }
  check_quantile(what, "q05", s.q05, s.err_q05, e.q05, sorted, n, 0.05, c, inv_h, mag);
  check_quantile(what, "q50", s.q50, s.err_q50, e.q50, sorted, n, 0.50, c, inv_h, mag);
  check_quantile(what, "q95", s.q95, s.err_q95, e.q95, sorted, n, 0.95, c, inv_h, mag);
  size_t k = (n + 19) / 20;
  double tol_cv = s.err_cvar95 + (double)(k + 16) * DBL_EPSILON * mag;
  cr_assert(s.err_cvar95 >= 0.0 && fabs(s.cvar95 - e.cvar95) <= tol_cv,
            "%s: cvar95 %.17g, exact %.17g, |d| %.3g > err %.3g", what, s.cvar95, e.cvar95,
            fabs(s.cvar95 - e.cvar95), s.err_cvar95);
  cr_assert(s.err_cvar95 <= half_bin(c, inv_h, mag) + FP(mag) + 4e-15 * mag, "%s: err_cvar95 %.3g",
            what, s.err_cvar95);

  /* the same values in another order: the same bytes */
  bw_cell rev;
  bw_cell_init(&rev, c, inv_h);
  for (size_t i = n; i-- > 0;) cr_assert_eq(bw_cell_add(&rev, x[i]), 0);
  bw_stat r;
  bw_cell_stat(&rev, &r);
  cr_assert(memcmp(&r, &s, sizeof r) == 0, "%s: reversed order changes the statistics", what);
  bw_cell_free(&rev);
  bw_cell_free(&cell);
  free(sorted);
}

#ifdef __SANITIZE_ADDRESS__
enum { N = 1000 };
#else
enum { N = 4000 };
#endif

/* (c, 1/h) of the cells in sim/summary.c: a gemeente (EUR 5 per inhabitant
 * of 60 000, 512 bins per unit), a national money cell and a count cell. */
static const struct {
  double c, inv_h;
} scales[] = {{3e5, 512}, {1000, 4096}, {1, 4096}, {5, 512}};
enum { NSCALES = (int)(sizeof scales / sizeof scales[0]) };

Test(sketch, normal_lognormal_and_zero_crossing_vs_exact) {
  gsl_rng *r = rng_open(1);
  double *x = malloc(N * sizeof *x);
  cr_assert_not_null(x);
  char what[96];
  for (int s = 0; s < NSCALES; s++) {
    double c = scales[s].c, h = scales[s].inv_h;
    for (int i = 0; i < N; i++) x[i] = 1e6 + gsl_ran_gaussian(r, 3e5);
    snprintf(what, sizeof what, "normal(1e6, 3e5) c %g H %g", c, h);
    check_vs_exact(what, x, N, c, h);
    for (int i = 0; i < N; i++) x[i] = gsl_ran_lognormal(r, log(2e6), 1.0);
    snprintf(what, sizeof what, "lognormal c %g H %g", c, h);
    check_vs_exact(what, x, N, c, h);
    for (int i = 0; i < N; i++) x[i] = gsl_ran_gaussian(r, 3.0 * c);
    snprintf(what, sizeof what, "normal(0, 3c) c %g H %g", c, h);
    check_vs_exact(what, x, N, c, h);
    for (int i = 0; i < N; i++) x[i] = gsl_ran_gaussian(r, 50.0) - 10.0;
    snprintf(what, sizeof what, "normal(-10, 50) c %g H %g", c, h);
    check_vs_exact(what, x, N, c, h);
    /* counts, as the national client numbers: many ties */
    for (int i = 0; i < N; i++) x[i] = (double)gsl_ran_poisson(r, 20000.0);
    snprintf(what, sizeof what, "poisson(20000) c %g H %g", c, h);
    check_vs_exact(what, x, N, c, h);
    /* shortfall-like: a surplus most of the time, a heavy right tail */
    for (int i = 0; i < N; i++) x[i] = -2e5 + gsl_ran_lognormal(r, log(1e5), 1.2);
    snprintf(what, sizeof what, "shifted lognormal c %g H %g", c, h);
    check_vs_exact(what, x, N, c, h);
  }
  free(x);
  gsl_rng_free(r);
}

Test(sketch, small_samples_vs_exact) {
  /* n = 2 .. 45: the quantiles interpolate between the extremes (known
   * exactly) and interior order statistics; CVaR over 1, 2, 3 values */
  gsl_rng *r = rng_open(2);
  double x[45];
  char what[64];
  for (int n = 2; n <= 45; n++) {
    for (int i = 0; i < n; i++) x[i] = gsl_ran_gaussian(r, 1e4);
    snprintf(what, sizeof what, "n = %d", n);
    check_vs_exact(what, x, (size_t)n, 3e3, 512);
  }
  gsl_rng_free(r);
}

Test(sketch, all_equal_and_single_value) {
  double x[500];
  for (int i = 0; i < 500; i++) x[i] = 1234.5625; /* a multiple of 1/256: the mean is exact */
  for (int s = 0; s < NSCALES; s++) check_vs_exact("all equal", x, 500, scales[s].c, scales[s].inv_h);
  bw_cell cell;
  bw_cell_init(&cell, 5, 512);
  fill_cell(&cell, x, 500);
  bw_stat st;
  bw_cell_stat(&cell, &st);
  cr_assert(st.mean == 1234.5625 && st.sd == 0.0, "all equal: mean exact, sd 0");
  cr_assert(st.q05 == 1234.5625 && st.q50 == 1234.5625 && st.q95 == 1234.5625 && st.cvar95 == 1234.5625,
            "all equal: every quantile is the value (the bin is clipped to [min, max])");
  bw_cell_free(&cell);

  double one = -7.25;
  for (int s = 0; s < NSCALES; s++) check_vs_exact("single value", &one, 1, scales[s].c, scales[s].inv_h);
  bw_cell_init(&cell, 1, 512);
  cr_assert_eq(bw_cell_add(&cell, one), 0);
  bw_cell_stat(&cell, &st);
  cr_assert(st.mean == one && st.q05 == one && st.q50 == one && st.q95 == one && st.cvar95 == one);
  /* the quantiles of one value are its extremes, known exactly; CVaR is
   * read from the (clipped, one-point) top bin, whose bound carries only
   * the few-ulp allowance for the asinh/sinh rounding */
  cr_assert(st.err_q05 == 0 && st.err_q50 == 0 && st.err_q95 == 0 && st.err_cvar95 <= 4e-15 * fabs(one) + FP(fabs(one)),
            "one value is known exactly: errors 0 (%g %g %g %g)", st.err_q05, st.err_q50, st.err_q95,
            st.err_cvar95);
  bw_cell_free(&cell);

  /* empty: all NaN */
  bw_cell_init(&cell, 1, 512);
  bw_cell_stat(&cell, &st);
  const double *f = &st.mean;
  for (size_t i = 0; i < sizeof st / sizeof(double); i++) cr_assert(isnan(f[i]), "empty: field %zu", i);
  bw_cell_free(&cell);
}

Test(sketch, huge_tiny_and_mixed_magnitudes_vs_exact) {
  gsl_rng *r = rng_open(3);
  double *x = malloc(N * sizeof *x);
  cr_assert_not_null(x);
  /* huge: both signs up to the limit, the limit itself included */
  for (int i = 0; i < N; i++) x[i] = (i % 2 ? 1 : -1) * gsl_ran_flat(r, 1e10, BW_CELL_XMAX);
  x[0] = BW_CELL_XMAX;
  x[1] = -BW_CELL_XMAX;
  for (int s = 0; s < NSCALES; s++) check_vs_exact("huge", x, N, scales[s].c, scales[s].inv_h);
  for (int i = 0; i < N; i++) x[i] = 2.5e11 + gsl_ran_gaussian(r, 1e6); /* far from zero, narrow */
  check_vs_exact("huge and narrow", x, N, 3e5, 512);
  /* tiny: below the 1/256 of the sums, the mean and sd round to 0, but the
   * quantiles come from the bins near zero, absolute width about c/H */
  for (int i = 0; i < N; i++) x[i] = gsl_ran_gaussian(r, 1e-6);
  for (int s = 0; s < NSCALES; s++) check_vs_exact("tiny", x, N, scales[s].c, scales[s].inv_h);
  check_vs_exact("tiny, tiny c", x, N, 1e-6, 512);
  /* mixed: sign * 10^U(-6, 11) in one cell */
  for (int i = 0; i < N; i++) x[i] = (gsl_rng_uniform(r) < 0.5 ? -1 : 1) * pow(10.0, gsl_ran_flat(r, -6, 11));
  for (int s = 0; s < NSCALES; s++) check_vs_exact("mixed magnitudes", x, N, scales[s].c, scales[s].inv_h);
  free(x);
  gsl_rng_free(r);
}

/* Values on the bin edges c sinh(i/H), computed as the sketch computes them,
 * and one ulp either side: the asinh/sinh rounding must not move a value
 * outside the interval its bin reports. */
Test(sketch, values_on_bin_edges_vs_exact) {
  /* sets of 101 values, so that q05, q50 and q95 are order statistics
   * (h = 5, 50, 95) and are checked to the ulp */
  enum { M = 101 };
  double x[M];
  char what[64];
  for (int s = 0; s < NSCALES; s++) {
    double c = scales[s].c, h = scales[s].inv_h;
    for (int set = 0; set < 40; set++) {
      int n = 0;
      /* 33 edges, each with its two neighbours, around magnitudes that
       * change with the set; 2 more edges below */
      for (int i = 0; i < 33; i++) {
        int64_t bin = (int64_t)(i - 16) * (1 + set * 13) + set * 101;
        int64_t top = (int64_t)floor(asinh(0.5 * BW_CELL_XMAX / c) * h); /* stay below the limit */
        if (bin > top) bin = top - i;
        if (bin < -top) bin = -top + i;
        double e = c * sinh((double)bin / h);
        x[n++] = e;
        x[n++] = nextafter(e, -INFINITY);
        x[n++] = nextafter(e, INFINITY);
      }
      x[n++] = c * sinh(-5000.0 / h);
      x[n++] = c * sinh(-5001.0 / h);
      cr_assert_eq(n, M);
      snprintf(what, sizeof what, "bin edges, set %d, c %g H %g", set, c, h);
      check_vs_exact(what, x, M, c, h);
    }
    /* many values in few bins */
    for (int i = 0; i < M; i++) {
      double e = c * sinh((double)(1000 + i % 7) / h);
      x[i] = i % 3 == 0 ? e : nextafter(e, i % 3 == 1 ? -INFINITY : INFINITY);
    }
    check_vs_exact("bin edges, few bins", x, M, c, h);
  }
}

/* ---- 2. exact mergeability ----------------------------------------------- */

/* Count in absolute bin i (0 outside the held range). */
static uint64_t bin_count(const bw_cell *c, int64_t i) { return bw_cell_count(c, i); }

/* The same state: n, sums, extremes (bitwise), scales and every bin count
 * (the held range itself may differ: it depends on how the cell grew). */
static void assert_same_state(const bw_cell *a, const bw_cell *b, const char *what) {
  cr_assert_eq(a->n, b->n, "%s: n", what);
  cr_assert(a->s1 == b->s1 && a->s2 == b->s2, "%s: fixed-point sums", what);
  cr_assert(memcmp(&a->min, &b->min, sizeof a->min) == 0 && memcmp(&a->max, &b->max, sizeof a->max) == 0,
            "%s: min/max", what);
  cr_assert(a->c == b->c && a->inv_h == b->inv_h, "%s: scales", what);
  int64_t lo = a->lo < b->lo ? a->lo : b->lo;
  int64_t hi = a->lo + (int64_t)a->len > b->lo + (int64_t)b->len ? a->lo + (int64_t)a->len : b->lo + (int64_t)b->len;
  if (a->len == 0) lo = b->lo, hi = b->lo + (int64_t)b->len;
  if (b->len == 0) lo = a->lo, hi = a->lo + (int64_t)a->len;
  for (int64_t i = lo; i < hi; i++)
    cr_assert_eq(bin_count(a, i), bin_count(b, i), "%s: bin %lld", what, (long long)i);
  bw_stat sa, sb;
  bw_cell_stat(a, &sa);
  bw_cell_stat(b, &sb);
  cr_assert(memcmp(&sa, &sb, sizeof sa) == 0, "%s: bw_stat bytes differ", what);
}

enum { NCHUNK = 7 };

Test(sketch, any_order_and_grouping_gives_the_same_bytes) {
  enum { M = 3000 };
  gsl_rng *r = rng_open(4);
  double *x = malloc(M * sizeof *x);
  cr_assert_not_null(x);
  /* a mix with ties, both signs, a tail, and +-0 */
  for (int i = 0; i < M; i++) {
    double u = gsl_rng_uniform(r);
    x[i] = u < 0.4 ? gsl_ran_gaussian(r, 5e4)
           : u < 0.8 ? gsl_ran_lognormal(r, log(1e5), 1.5)
           : u < 0.9 ? (double)(int)gsl_ran_flat(r, -3, 3)
                     : (u < 0.95 ? -0.0 : 0.0);
  }
  const double c = 5e3, h = 512;
  /* chunk boundaries of unequal sizes */
  const int cut[NCHUNK + 1] = {0, 1, 17, 400, 1000, 1001, 2200, M};

  bw_cell all;
  bw_cell_init(&all, c, h);
  fill_cell(&all, x, M);

  /* reversed */
  bw_cell rev;
  bw_cell_init(&rev, c, h);
  for (int i = M; i-- > 0;) cr_assert_eq(bw_cell_add(&rev, x[i]), 0);
  assert_same_state(&all, &rev, "reversed order");

  /* a random permutation (Fisher-Yates with the test stream) */
  double *y = malloc(M * sizeof *y);
  cr_assert_not_null(y);
  memcpy(y, x, M * sizeof *y);
  for (int i = M - 1; i > 0; i--) {
    int j = (int)gsl_rng_uniform_int(r, (unsigned long)i + 1);
    double t = y[i];
    y[i] = y[j];
    y[j] = t;
  }
  bw_cell perm;
  bw_cell_init(&perm, c, h);
  fill_cell(&perm, y, M);
  assert_same_state(&all, &perm, "shuffled order");

  /* chunks, each in its own cell; chunks of the original and of the shuffle */
  bw_cell part[2][NCHUNK];
  for (int k = 0; k < NCHUNK; k++)
    for (int v = 0; v < 2; v++) {
      bw_cell_init(&part[v][k], c, h);
      fill_cell(&part[v][k], (v ? y : x) + cut[k], (size_t)(cut[k + 1] - cut[k]));
    }
  for (int v = 0; v < 2; v++) {
    /* left to right into an empty cell */
    bw_cell m1;
    bw_cell_init(&m1, c, h);
    for (int k = 0; k < NCHUNK; k++) cr_assert_eq(bw_cell_merge(&m1, &part[v][k]), 0);
    assert_same_state(&all, &m1, v ? "shuffled chunks, left to right" : "chunks, left to right");
    /* right to left */
    bw_cell m2;
    bw_cell_init(&m2, c, h);
    for (int k = NCHUNK; k-- > 0;) cr_assert_eq(bw_cell_merge(&m2, &part[v][k]), 0);
    assert_same_state(&all, &m2, "chunks, right to left");
    /* a tree: ((0 1)(2 3))((4 5) 6), built on copies via merge into empty */
    bw_cell t[NCHUNK];
    for (int k = 0; k < NCHUNK; k++) {
      bw_cell_init(&t[k], c, h);
      cr_assert_eq(bw_cell_merge(&t[k], &part[v][k]), 0);
    }
    cr_assert_eq(bw_cell_merge(&t[0], &t[1]), 0);
    cr_assert_eq(bw_cell_merge(&t[2], &t[3]), 0);
    cr_assert_eq(bw_cell_merge(&t[4], &t[5]), 0);
    cr_assert_eq(bw_cell_merge(&t[4], &t[6]), 0);
    cr_assert_eq(bw_cell_merge(&t[2], &t[0]), 0);
    cr_assert_eq(bw_cell_merge(&t[4], &t[2]), 0);
    assert_same_state(&all, &t[4], "chunks, as a tree");
    for (int k = 0; k < NCHUNK; k++) bw_cell_free(&t[k]);
    /* pack each chunk and unpack_merge them, from one buffer */
    size_t total = 0;
    for (int k = 0; k < NCHUNK; k++) total += bw_cell_packed_size(&part[v][k]);
    unsigned char *buf = malloc(total);
    cr_assert_not_null(buf);
    size_t off = 0;
    for (int k = 0; k < NCHUNK; k++) {
      size_t w = bw_cell_pack(&part[v][k], buf + off);
      cr_assert_eq(w, bw_cell_packed_size(&part[v][k]), "pack returns the packed size");
      off += w;
    }
    bw_cell m3;
    bw_cell_init(&m3, c, h);
    off = 0;
    for (int k = 0; k < NCHUNK; k++) {
      size_t used = bw_cell_unpack_merge(&m3, buf + off, total - off);
      cr_assert_eq(used, bw_cell_packed_size(&part[v][k]), "unpack reads one packed cell");
      off += used;
    }
    cr_assert_eq(off, total);
    assert_same_state(&all, &m3, "packed and unpacked chunks");
    free(buf);
    bw_cell_free(&m1);
    bw_cell_free(&m2);
    bw_cell_free(&m3);
  }
  /* merging an empty cell changes nothing, either way round */
  bw_cell empty, cp;
  bw_cell_init(&empty, c, h);
  bw_cell_init(&cp, c, h);
  cr_assert_eq(bw_cell_merge(&cp, &all), 0);
  cr_assert_eq(bw_cell_merge(&cp, &empty), 0);
  assert_same_state(&all, &cp, "merge of an empty cell");
  cr_assert_eq(bw_cell_merge(&empty, &all), 0);
  assert_same_state(&all, &empty, "merge into an empty cell");

  for (int k = 0; k < NCHUNK; k++) {
    bw_cell_free(&part[0][k]);
    bw_cell_free(&part[1][k]);
  }
  bw_cell_free(&empty);
  bw_cell_free(&cp);
  bw_cell_free(&all);
  bw_cell_free(&rev);
  bw_cell_free(&perm);
  free(x);
  free(y);
  gsl_rng_free(r);
}

/* One cell packed, unpacked into an empty cell, packed again, unpacked
 * again: the statistics keep their bytes at every step. */
Test(sketch, pack_unpack_round_trip) {
  gsl_rng *r = rng_open(5);
  bw_cell a;
  bw_cell_init(&a, 100, 4096);
  for (int i = 0; i < 2000; i++) cr_assert_eq(bw_cell_add(&a, gsl_ran_cauchy(r, 1e3)), 0);
  bw_stat sa;
  bw_cell_stat(&a, &sa);
  size_t n = bw_cell_packed_size(&a);
  unsigned char *buf = malloc(n);
  cr_assert_not_null(buf);
  cr_assert_eq(bw_cell_pack(&a, buf), n);

  bw_cell b;
  bw_cell_init(&b, 100, 4096);
  cr_assert_eq(bw_cell_unpack_merge(&b, buf, n), n);
  assert_same_state(&a, &b, "one round trip");
  size_t n2 = bw_cell_packed_size(&b);
  unsigned char *buf2 = malloc(n2);
  cr_assert_not_null(buf2);
  cr_assert_eq(bw_cell_pack(&b, buf2), n2);
  bw_cell c;
  bw_cell_init(&c, 100, 4096);
  cr_assert_eq(bw_cell_unpack_merge(&c, buf2, n2), n2);
  assert_same_state(&a, &c, "two round trips");
  /* the canonical (trimmed) form is a fixed point: packing it again gives
   * the same bytes */
  size_t n3 = bw_cell_packed_size(&c);
  cr_assert_eq(n3, n2);
  unsigned char *buf3 = malloc(n3);
  cr_assert_not_null(buf3);
  cr_assert_eq(bw_cell_pack(&c, buf3), n3);
  cr_assert(memcmp(buf2, buf3, n2) == 0, "pack(unpack(pack(unpack(x)))) bytes");

  /* unpacking into a non-empty cell is a merge */
  cr_assert_eq(bw_cell_unpack_merge(&c, buf, n), n);
  bw_cell d;
  bw_cell_init(&d, 100, 4096);
  cr_assert_eq(bw_cell_merge(&d, &a), 0);
  cr_assert_eq(bw_cell_merge(&d, &a), 0);
  assert_same_state(&c, &d, "unpack into a filled cell = merge");

  /* truncated input: 0 and nothing changes */
  bw_cell e;
  bw_cell_init(&e, 100, 4096);
  cr_assert_eq(bw_cell_unpack_merge(&e, buf, n - 1), 0u, "one byte short");
  cr_assert_eq(bw_cell_unpack_merge(&e, buf, 8), 0u, "header cut");
  cr_assert_eq(bw_cell_unpack_merge(&e, buf, 0), 0u, "nothing");
  cr_assert_eq(e.n, 0u);
  /* another scale: 0 (bw_cell_merge refuses it) */
  bw_cell f;
  bw_cell_init(&f, 101, 4096);
  cr_assert_eq(bw_cell_unpack_merge(&f, buf, n), 0u, "scale c differs");
  cr_assert_eq(f.n, 0u);
  bw_cell_free(&f);
  bw_cell_init(&f, 100, 2048);
  cr_assert_eq(bw_cell_unpack_merge(&f, buf, n), 0u, "scale 1/h differs");
  cr_assert_eq(bw_cell_merge(&f, &a), -2, "bw_cell_merge: scales differ -> -2");
  cr_assert_eq(f.n, 0u);
  /* an empty cell packs and unpacks too */
  bw_cell g, g2;
  bw_cell_init(&g, 100, 4096);
  bw_cell_init(&g2, 100, 4096);
  unsigned char small[256];
  cr_assert_leq(bw_cell_packed_size(&g), sizeof small);
  size_t ng = bw_cell_pack(&g, small);
  cr_assert_eq(bw_cell_unpack_merge(&g2, small, ng), ng);
  cr_assert_eq(g2.n, 0u);

  bw_cell_free(&a), bw_cell_free(&b), bw_cell_free(&c), bw_cell_free(&d), bw_cell_free(&e);
  bw_cell_free(&f), bw_cell_free(&g), bw_cell_free(&g2);
  free(buf), free(buf2), free(buf3);
  gsl_rng_free(r);
}

/* ---- 3. rejections --------------------------------------------------------- */

Test(sketch, nan_infinity_and_beyond_xmax_rejected) {
  bw_cell cell;
  bw_cell_init(&cell, 5, 512);
  for (int i = 0; i < 50; i++) cr_assert_eq(bw_cell_add(&cell, i * 3.5 - 20), 0);
  bw_stat before, after;
  bw_cell_stat(&cell, &before);
  const double bad[] = {NAN, -NAN, INFINITY, -INFINITY, nextafter(BW_CELL_XMAX, INFINITY),
                        -nextafter(BW_CELL_XMAX, INFINITY), 1e300, -3e11};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    cr_assert_eq(bw_cell_add(&cell, bad[k]), -2, "value %g must be rejected with -2", bad[k]);
    cr_assert_eq(cell.n, 50u, "a rejected value must not count");
  }
  bw_cell_stat(&cell, &after);
  cr_assert(memcmp(&before, &after, sizeof before) == 0, "rejected values changed the statistics");
  cr_assert_eq(bw_cell_add(&cell, BW_CELL_XMAX), 0, "the limit itself is accepted");
  cr_assert_eq(bw_cell_add(&cell, -BW_CELL_XMAX), 0);
  cr_assert_eq(cell.n, 52u);
  cr_assert_eq(cell.max, BW_CELL_XMAX);
  cr_assert_eq(cell.min, -BW_CELL_XMAX);
  bw_cell_free(&cell);
}

/* The two-step add of the accumulator (bin, prefetch, add_bin) is the
 * one-step add: the same state for any values; the same rejections. */
Test(sketch, add_in_two_steps_is_add) {
  gsl_rng *r = rng_open(7);
  bw_cell one, two;
  bw_cell_init(&one, 50, 512);
  bw_cell_init(&two, 50, 512);
  for (int i = 0; i < 3000; i++) {
    double x = i % 5 == 0 ? gsl_ran_gaussian(r, 10) : gsl_ran_lognormal(r, log(1e4), 2.0) * (i % 2 ? 1 : -1);
    if (i == 7) x = -0.0;
    if (i == 8) x = BW_CELL_XMAX;
    cr_assert_eq(bw_cell_add(&one, x), 0);
    int64_t bin = bw_cell_bin(&two, x);
    bw_cell_prefetch(&two, bin);
    bw_cell_prefetch(&two, bin + 1000000); /* outside the held bins: a no-op */
    cr_assert_eq(bw_cell_add_bin(&two, x, bin), 0);
  }
  assert_same_state(&one, &two, "bw_cell_add vs bw_cell_bin + bw_cell_add_bin");
  bw_stat before, after;
  bw_cell_stat(&two, &before);
  cr_assert_eq(bw_cell_add_bin(&two, NAN, 0), -2, "NaN through add_bin");
  cr_assert_eq(bw_cell_add_bin(&two, -INFINITY, 0), -2);
  cr_assert_eq(bw_cell_add_bin(&two, 2 * BW_CELL_XMAX, 0), -2);
  bw_cell_stat(&two, &after);
  cr_assert(memcmp(&before, &after, sizeof before) == 0 && two.n == one.n, "rejections change nothing");
  /* prefetch on an empty cell (no bins held) is harmless too */
  bw_cell empty;
  bw_cell_init(&empty, 50, 512);
  bw_cell_prefetch(&empty, 3);
  cr_assert_eq(empty.n, 0u);
  bw_cell_free(&empty);
  bw_cell_free(&one);
  bw_cell_free(&two);
  gsl_rng_free(r);
}

/* bw_cell_add_block (the bins in a vector loop) is n bw_cell_add calls: the
 * same state for values of every size and sign, zeros, values on and next
 * to the bin edges (where the vector bins are ambiguous and bin_of decides),
 * blocks of every length; rejections change nothing. */
Test(sketch, add_block_is_add) {
  gsl_rng *r = rng_open(11);
  static const double cs[3] = {50, 1, 1e6};
  static const double hs[3] = {512, 4096, 3};
  enum { N = 6000 };
  double *x = malloc(N * sizeof *x);
  int32_t *bins = malloc(2 * N * sizeof *bins);
  cr_assert(x && bins);
  for (int k = 0; k < 3; k++) {
    double c = cs[k], h = hs[k];
    for (int i = 0; i < N; i++) {
      switch (i % 6) {
      case 0: x[i] = gsl_ran_gaussian(r, 10 * c); break;
      case 1: x[i] = gsl_ran_lognormal(r, log(1e4), 3.0) * (i % 4 ? 1 : -1); break;
      case 2: { /* on a bin edge, and an ulp either side */
        double e = c * sinh((double)(gsl_rng_uniform_int(r, 20000) - 10000) / h);
        x[i] = i % 12 == 2 ? e : nextafter(e, i % 24 == 8 ? INFINITY : -INFINITY);
        if (fabs(x[i]) > BW_CELL_XMAX) x[i] = 0.5;
        break;
      }
      case 3: x[i] = i % 9 == 3 ? -0.0 : 0.0; break;
      case 4: x[i] = gsl_ran_gaussian(r, 1e-6 * c); break;
      default: x[i] = (i % 10 == 5 ? -1 : 1) * BW_CELL_XMAX * gsl_rng_uniform(r); break;
      }
    }
    bw_cell one, blk;
    bw_cell_init(&one, c, h);
    bw_cell_init(&blk, c, h);
    fill_cell(&one, x, N);
    for (int i = 0, len = 1; i < N; i += len, len = len * 3 % 1001 + 1) {
      int n = i + len <= N ? len : N - i;
      cr_assert_eq(bw_cell_add_block(&blk, x + i, n, bins), 0, "block at %d", i);
    }
    char what[64];
    snprintf(what, sizeof what, "c %g, 1/h %g: one by one vs blocks", c, h);
    assert_same_state(&one, &blk, what);
    /* rejections: nothing of the block is added */
    bw_stat before, after;
    bw_cell_stat(&blk, &before);
    double bad[3] = {1.0, NAN, 2.0}, big[2] = {1.0, 2 * BW_CELL_XMAX};
    cr_assert_eq(bw_cell_add_block(&blk, bad, 3, bins), -2);
    cr_assert_eq(bw_cell_add_block(&blk, big, 2, bins), -2);
    bw_cell_stat(&blk, &after);
    cr_assert(memcmp(&before, &after, sizeof before) == 0 && blk.n == one.n, "rejections change nothing");
    /* the edge table gives the same statistics as sinh per edge */
    const bw_cell *cells[2] = {&one, &blk};
    bw_edge_tab tab;
    cr_assert_eq(bw_edge_tab_build(&tab, h, cells, 2), 0);
    bw_stat st;
    bw_cell_stat_tab(&one, &tab, &st);
    bw_cell_stat(&one, &before);
    cr_assert(memcmp(&st, &before, sizeof st) == 0, "%s: the edge table changes the statistics", what);
    bw_edge_tab_free(&tab);
    bw_cell_free(&one);
    bw_cell_free(&blk);
  }
  free(x);
  free(bins);
  gsl_rng_free(r);
}

/* The vector bins' approximation of asinh (sketch.c: single-precision square
 * root, a division-free log) stays within the error bound sketch.c proves,
 * on a dense sample: log-spaced |u| from 2^-40 to just below 2^64 (where the
 * square root's argument would overflow a float), both signs, and a fine
 * uniform grid on [0, 16] where the root's error is largest; and the slack
 * of the bins covers it with libm's error on top (with the margin the proof
 * needs): a slack set too small fails here. Beyond 2^64, infinite and NaN u
 * give NaN (the block then takes libm's path). */
Test(sketch, asinh_approximation_within_its_bound_and_the_slack) {
  const double err = bw_sketch_asinh_err(), slack = bw_sketch_bin_slack();
  cr_assert(err > 0 && err + 0x1p-44 < slack, "bound %a, slack %a", err, slack);
  long double worst = 0, worst_libm = 0;
  double worst_u = 0;
  enum { NLOG = 1 << 21, NLIN = 1 << 20 };
  for (int i = 0; i <= NLOG + NLIN; i++) {
    double u = i <= NLOG ? exp2(-40.0 + 103.999 * (double)i / NLOG) : 16.0 * (double)(i - NLOG) / NLIN;
    for (int sgn = 0; sgn < 2; sgn++) {
      double v = sgn ? -u : u, a = bw_sketch_asinh_fast(v);
      long double e = fabsl((long double)a - asinhl((long double)v));
      long double el = fabsl((long double)a - (long double)asinh(v));
      if (e > worst) worst = e, worst_u = v;
      if (el > worst_libm) worst_libm = el;
    }
  }
  cr_assert(worst <= err, "|asinh_fast(u) - asinh(u)| = %Lg at u = %.17g beyond the proven bound %g", worst, worst_u,
            err);
  cr_assert(worst_libm + 0x1p-40 < slack, "the slack %g does not cover the error vs libm %Lg", slack, worst_libm);
  /* the bound is not vacuous: the square root's single precision shows */
  cr_assert(worst > 0.5 * err, "largest error %Lg, bound %g", worst, err);
  const double nan_in[] = {0x1p65, -0x1p65, 1e300, INFINITY, -INFINITY, NAN};
  for (size_t k = 0; k < sizeof nan_in / sizeof nan_in[0]; k++)
    cr_assert(isnan(bw_sketch_asinh_fast(nan_in[k])), "asinh_fast(%g) must be NaN", nan_in[k]);
  cr_assert_eq(bw_sketch_asinh_fast(0.0), bw_sketch_asinh_fast(-0.0));
}

/* The bins of bw_cell_block_bins, value by value, are bw_cell_bin's (libm's
 * asinh): values placed on the bin edges and at offsets around the
 * approximation's slack (in units of the bin: 1e-9 .. 1e-2, both sides;
 * and 1 .. 3 ulps of x), random values, tiny (subnormal) and huge (XMAX;
 * u far beyond 2^64 through tiny c) values, both zeros, at inv_h
 * 512 and 4096 and scales c from 1e-290 to 1e6; the range returned is that
 * of the bins, and adding the blocks gives the state of adding one by one. */
Test(sketch, block_bins_are_libm_bins_near_edges) {
  gsl_rng *r = rng_open(12);
  static const double cs[] = {5, 1, 1e6, 0.37, 1e-3, 1e-9, 1e-290};
  static const double hs[] = {512, 4096};
  static const double offs[] = {1e-9, 1e-7, 2e-6, 1e-5, 3e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 4e-3, 1e-2};
  enum { N = 24000, B = 160 };
  double *x = malloc(N * sizeof *x);
  int32_t *bins = malloc(2 * N * sizeof *bins);
  cr_assert(x && bins);
  long amb_checked = 0;
  for (size_t ci = 0; ci < sizeof cs / sizeof cs[0]; ci++)
    for (size_t hi = 0; hi < sizeof hs / sizeof hs[0]; hi++) {
      double c = cs[ci], h = hs[hi];
      /* the largest bin magnitude of a value within XMAX */
      double top = floor(asinh(BW_CELL_XMAX / c) * h) - 2;
      for (int i = 0; i < N; i++) {
        double sgn = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
        /* a bin: mostly near the middle of the range, some far out */
        double t = gsl_rng_uniform(r) < 0.8 ? floor(gsl_ran_gaussian(r, 3 * h)) : floor(gsl_rng_uniform(r) * top);
        if (fabs(t) > top) t = copysign(top, t);
        switch (i % 8) {
        case 0: x[i] = c * sinh(t / h); break; /* the edge itself */
        case 1:
        case 2: { /* an offset in bins around the slack */
          double d = offs[gsl_rng_uniform_int(r, sizeof offs / sizeof offs[0])];
          x[i] = c * sinh((t + (i % 8 == 1 ? d : -d)) / h);
          break;
        }
        case 3: { /* ulps of x from the edge */
          double e = c * sinh(t / h);
          int k = 1 + (int)gsl_rng_uniform_int(r, 3);
          for (int j = 0; j < k; j++) e = nextafter(e, sgn > 0 ? INFINITY : -INFINITY);
          x[i] = e;
          break;
        }
        case 4: x[i] = sgn * c * gsl_ran_lognormal(r, 0, 3); break;
        case 5: { /* tiny, zero, huge */
          static const double sp[] = {0.0, -0.0, 5e-324, -5e-324, 1e-310, -1e-300, 1e-20, BW_CELL_XMAX, -BW_CELL_XMAX, 1e11};
          x[i] = sp[gsl_rng_uniform_int(r, sizeof sp / sizeof sp[0])];
          break;
        }
        default: x[i] = sgn * gsl_rng_uniform(r) * (gsl_rng_uniform(r) < 0.5 ? 10 * c : BW_CELL_XMAX); break;
        }
        if (!(fabs(x[i]) <= BW_CELL_XMAX)) x[i] = copysign(BW_CELL_XMAX, x[i]);
      }
      bw_cell one, blk;
      bw_cell_init(&one, c, h);
      bw_cell_init(&blk, c, h);
      for (int i0 = 0; i0 < N; i0 += B) {
        int n = i0 + B <= N ? B : N - i0;
        int32_t range[2];
        int rc = bw_cell_block_bins(&blk, x + i0, n, bins, range);
        cr_assert_eq(rc, 0, "c %g, 1/h %g: block at %d: %d", c, h, i0, rc);
        int64_t bmin = INT64_MAX, bmax = INT64_MIN;
        for (int i = 0; i < n; i++) {
          int64_t want = bw_cell_bin(&one, x[i0 + i]);
          cr_assert_eq((int64_t)bins[i], want, "c %g, 1/h %g: x = %.17g (%a): bin %d, libm's %lld", c, h, x[i0 + i],
                       x[i0 + i], bins[i], (long long)want);
          bmin = want < bmin ? want : bmin;
          bmax = want > bmax ? want : bmax;
        }
        cr_assert(range[0] == bmin && range[1] == bmax, "c %g, 1/h %g: range", c, h);
        bw_cell_prefetch_range(&blk, range);
        cr_assert_eq(bw_cell_add_block_bins(&blk, x + i0, n, bins, range), 0);
        amb_checked += n;
      }
      fill_cell(&one, x, N);
      char what[64];
      snprintf(what, sizeof what, "c %g, 1/h %g: blocks vs one by one", c, h);
      assert_same_state(&one, &blk, what);
      bw_cell_free(&one);
      bw_cell_free(&blk);
    }
  cr_assert_gt(amb_checked, 0);
  /* bins beyond +-2^30: the block says so (1), and bw_cell_add_block adds
   * the values one at a time */
  bw_cell one, blk;
  bw_cell_init(&one, 1, 1e8);
  bw_cell_init(&blk, 1, 1e8);
  double far[3] = {1e6, 1.0000001e6, 1e6}; /* bins near 1.45e9 */
  int32_t range[2];
  cr_assert_eq(bw_cell_block_bins(&blk, far, 3, bins, range), 1);
  cr_assert_eq(bw_cell_add_block(&blk, far, 3, bins), 0);
  fill_cell(&one, far, 3);
  assert_same_state(&one, &blk, "bins beyond 2^30");
  bw_cell_free(&one);
  bw_cell_free(&blk);
  free(x);
  free(bins);
  gsl_rng_free(r);
}

/* The block's fixed-point sums are exactly those of llround one value at a
 * time: ties (x 256 = k + 1/2, rounded away from zero), the doubles next to
 * them, the largest magnitudes (round(256 XMAX) = 2^46, and 2^46 - 1 whose low
 * 24 bits are all ones) in blocks of 65536 (the most a block holds: the
 * 64-bit partial sums must not overflow), mixed signs. */
Test(sketch, block_sums_exact_on_ties_and_extremes) {
  enum { N = 65536 };
  double *x = malloc(N * sizeof *x);
  int32_t *bins = malloc(2 * N * sizeof *bins);
  cr_assert(x && bins);
  for (int set = 0; set < 4; set++) {
    for (int i = 0; i < N; i++) {
      double k = (double)(i * 7919 % 200003) - 100001;
      switch (set) {
      case 0: x[i] = (k + 0.5) / 256; break;
      case 1: x[i] = nextafter((k + 0.5) / 256, i % 2 ? INFINITY : -INFINITY); break;
      case 2: x[i] = i % 3 == 0 ? BW_CELL_XMAX : i % 3 == 1 ? 0x1p38 - 0x1p-8 : -0x1p38 + 0x1p-9; break;
      default: x[i] = (i % 2 ? -1 : 1) * (i % 5 == 0 ? BW_CELL_XMAX : (0x1p46 - 1 - (double)(i % 97)) / 256); break;
      }
    }
    bw_cell one, blk;
    bw_cell_init(&one, 5, 512);
    bw_cell_init(&blk, 5, 512);
    fill_cell(&one, x, N);
    cr_assert_eq(bw_cell_add_block(&blk, x, N, bins), 0);
    char what[48];
    snprintf(what, sizeof what, "sums, set %d", set);
    assert_same_state(&one, &blk, what);
    bw_cell_free(&one);
    bw_cell_free(&blk);
  }
  free(x);
  free(bins);
}

/* The counters are 8-bit, with a second byte for bins past 255 and a carry
 * per 65536 (sketch.h): a bin past 65535, reached one value at a time, in
 * blocks, by merges (two halves whose sum wraps) and through pack / unpack
 * (the 32-bit counts of the packed format), holds the exact count, and every
 * route gives the same state and bytes. Values: a point mass at 0 (200,003
 * of them: three carries) beside a spread of 3,000 values in five bins,
 * which pass 255 (their second bytes). */
Test(sketch, counts_past_65535_carry_exactly) {
  enum { NZ = 200003, NS = 3000, N = NZ + NS };
  double *x = malloc(N * sizeof *x);
  int32_t *bins = malloc(2 * 4096 * sizeof *bins);
  cr_assert(x && bins);
  for (int i = 0; i < N; i++) x[i] = i < NZ ? (i % 7 ? 0.0 : -0.0) : 1.0 + (i - NZ) % 5;
  /* shuffle deterministically so that blocks mix the mass and the spread */
  for (int i = N - 1; i > 0; i--) {
    int j = (int)(((uint64_t)i * 2654435761u) % (uint64_t)(i + 1));
    double t = x[i];
    x[i] = x[j];
    x[j] = t;
  }
  const double c = 5, h = 512;
  bw_cell one, blk, lo, hi, merged, unpacked;
  bw_cell_init(&one, c, h);
  bw_cell_init(&blk, c, h);
  bw_cell_init(&lo, c, h);
  bw_cell_init(&hi, c, h);
  bw_cell_init(&merged, c, h);
  bw_cell_init(&unpacked, c, h);
  fill_cell(&one, x, N);
  for (int i = 0, len = 7; i < N; i += len, len = len * 5 % 4093 + 1) {
    int n = i + len <= N ? len : N - i;
    cr_assert_eq(bw_cell_add_block(&blk, x + i, n, bins), 0, "block at %d", i);
  }
  fill_cell(&lo, x, N / 2);
  fill_cell(&hi, x + N / 2, N - N / 2);
  cr_assert(bw_cell_count(&lo, 0) < 131072 && bw_cell_count(&hi, 0) < 131072);
  cr_assert_eq(bw_cell_merge(&merged, &lo), 0);
  cr_assert_eq(bw_cell_merge(&merged, &hi), 0);
  cr_assert_eq(bw_cell_count(&one, 0), (uint64_t)NZ, "the point mass: %llu", (unsigned long long)bw_cell_count(&one, 0));
  cr_assert_eq(bw_cell_count(&blk, 0), (uint64_t)NZ);
  cr_assert_eq(bw_cell_count(&merged, 0), (uint64_t)NZ);
  /* pack the halves (32-bit counts), unpack_merge both */
  size_t n1 = bw_cell_packed_size(&lo), n2 = bw_cell_packed_size(&hi);
  unsigned char *buf = malloc(n1 + n2);
  cr_assert(buf);
  cr_assert_eq(bw_cell_pack(&lo, buf), n1);
  cr_assert_eq(bw_cell_pack(&hi, buf + n1), n2);
  cr_assert_eq(bw_cell_unpack_merge(&unpacked, buf, n1 + n2), n1);
  cr_assert_eq(bw_cell_unpack_merge(&unpacked, buf + n1, n2), n2);
  /* and the merged cell packed whole: a 32-bit count of 200,003 */
  size_t nm = bw_cell_packed_size(&merged);
  unsigned char *bm = malloc(nm);
  cr_assert(bm);
  bw_cell_pack(&merged, bm);
  bw_cell again;
  bw_cell_init(&again, c, h);
  cr_assert_eq(bw_cell_unpack_merge(&again, bm, nm), nm);
  assert_same_state(&one, &blk, "carries: one by one vs blocks");
  assert_same_state(&one, &merged, "carries: one by one vs merged halves");
  assert_same_state(&one, &unpacked, "carries: one by one vs unpacked halves");
  assert_same_state(&one, &again, "carries: one by one vs the merged cell packed and unpacked");
  bw_stat st;
  bw_cell_stat(&one, &st);
  cr_assert(fabs(st.q50) <= st.err_q50 && fabs(st.q05) <= st.err_q05,
            "the median and q05 lie in the point mass: %g +- %g, %g +- %g", st.q50, st.err_q50, st.q05, st.err_q05);
  /* clear forgets the carries too */
  bw_cell_clear(&one);
  cr_assert_eq(bw_cell_count(&one, 0), 0u);
  cr_assert_eq(bw_cell_add(&one, 0.0), 0);
  cr_assert_eq(bw_cell_count(&one, 0), 1u);
  bw_cell *all[] = {&one, &blk, &lo, &hi, &merged, &unpacked, &again};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) bw_cell_free(all[k]);
  free(buf), free(bm), free(x), free(bins);
}

/* The second bytes (counts past 255): held only over the bins that need
 * them, never beyond the held bins (a cell takes at most 2 bytes a bin),
 * grown as heavier bins appear on either side; exact by every route: one
 * value at a time, blocks of every length up to 65536 (a bin wrapping its
 * first byte 256 times in one block: its second byte once), merges of many
 * small cells whose sums pass 255 and 65535, pack / unpack; and a failed
 * add leaves nothing behind (checked through the states). */
Test(sketch, second_bytes_exact_and_within_the_bins) {
  gsl_rng *r = rng_open(31);
  enum { N = 120000 };
  double *x = malloc(N * sizeof *x);
  int32_t *bins = malloc(2 * 65536 * sizeof *bins);
  cr_assert(x && bins);
  /* a bell whose bins pass 255 from the mode outwards as values arrive,
   * drifting so that heavy bins appear on both sides over time */
  for (int i = 0; i < N; i++) x[i] = gsl_ran_gaussian(r, 2.0) + 40.0 * sin(6.0 * i / N);
  const double c = 5, h = 512;
  bw_cell one, blk, merged, unpacked;
  bw_cell_init(&one, c, h);
  bw_cell_init(&blk, c, h);
  bw_cell_init(&merged, c, h);
  bw_cell_init(&unpacked, c, h);
  for (int i = 0; i < N; i++) {
    cr_assert_eq(bw_cell_add(&one, x[i]), 0);
    if (one.hlen) {
      cr_assert(one.hlo >= one.lo && one.hlo + (int64_t)one.hlen <= one.lo + (int64_t)one.len,
                "second bytes [%lld, +%u) beyond the bins [%lld, +%u)", (long long)one.hlo, one.hlen,
                (long long)one.lo, one.len);
    }
  }
  cr_assert_gt(one.hlen, 0u, "no bin passed 255");
  for (int i = 0, len = 3; i < N; i += len, len = len * 7 % 5003 + 1) {
    int n = i + len <= N ? len : N - i;
    cr_assert_eq(bw_cell_add_block(&blk, x + i, n, bins), 0, "block at %d", i);
    cr_assert(blk.hlen == 0 || (blk.hlo >= blk.lo && blk.hlo + (int64_t)blk.hlen <= blk.lo + (int64_t)blk.len));
  }
  assert_same_state(&one, &blk, "second bytes: one by one vs blocks");
  /* many small cells merged (each bin below 256 in each), and packed */
  for (int i = 0; i < N; i += 997) {
    int n = i + 997 <= N ? 997 : N - i;
    bw_cell part;
    bw_cell_init(&part, c, h);
    fill_cell(&part, x + i, (size_t)n);
    cr_assert_eq(bw_cell_merge(&merged, &part), 0);
    size_t np = bw_cell_packed_size(&part);
    unsigned char *buf = malloc(np);
    cr_assert(buf);
    cr_assert_eq(bw_cell_pack(&part, buf), np);
    cr_assert_eq(bw_cell_unpack_merge(&unpacked, buf, np), np);
    free(buf);
    bw_cell_free(&part);
  }
  assert_same_state(&one, &merged, "second bytes: one by one vs merged parts");
  assert_same_state(&one, &unpacked, "second bytes: one by one vs unpacked parts");
  cr_assert(merged.hlen <= merged.len && unpacked.hlen <= unpacked.len);
  /* the whole cell packed and unpacked into an empty one, and merged into
   * itself (every count doubles) */
  size_t nw = bw_cell_packed_size(&one);
  unsigned char *wb = malloc(nw);
  cr_assert(wb);
  bw_cell_pack(&one, wb);
  bw_cell back;
  bw_cell_init(&back, c, h);
  cr_assert_eq(bw_cell_unpack_merge(&back, wb, nw), nw);
  assert_same_state(&one, &back, "second bytes: packed and unpacked");
  bw_cell twice;
  bw_cell_init(&twice, c, h);
  cr_assert_eq(bw_cell_merge(&twice, &one), 0);
  cr_assert_eq(bw_cell_merge(&twice, &back), 0);
  for (int64_t i = one.lo; i < one.lo + (int64_t)one.len; i++)
    cr_assert_eq(bw_cell_count(&twice, i), 2 * bw_cell_count(&one, i), "doubled bin %lld", (long long)i);
  /* blocks of 65536 values in one bin: the first byte wraps 256 times in a
   * block, the second byte once (a carry); after 65535 single adds too */
  double *same = malloc(65536 * sizeof *same);
  cr_assert(same);
  for (int i = 0; i < 65536; i++) same[i] = 7.25;
  bw_cell pm, pm1;
  bw_cell_init(&pm, c, h);
  bw_cell_init(&pm1, c, h);
  int64_t b = bw_cell_bin(&pm, 7.25);
  cr_assert_eq(bw_cell_add_block(&pm, same, 65536, bins), 0);
  cr_assert_eq(bw_cell_count(&pm, b), 65536u);
  cr_assert_eq(bw_cell_add_block(&pm, same, 65536, bins), 0);
  cr_assert_eq(bw_cell_count(&pm, b), 131072u);
  fill_cell(&pm1, same, 65535);
  cr_assert_eq(bw_cell_count(&pm1, b), 65535u);
  cr_assert_eq(bw_cell_add_block(&pm1, same, 65536, bins), 0);
  cr_assert_eq(bw_cell_count(&pm1, b), 131071u);
  fill_cell(&pm1, same, 1);
  assert_same_state(&pm, &pm1, "a bin of 131072 by blocks and by single adds");
  /* clear forgets the second bytes too */
  bw_cell_clear(&pm);
  cr_assert_eq(bw_cell_count(&pm, b), 0u);
  cr_assert_eq(bw_cell_add(&pm, 7.25), 0);
  cr_assert_eq(bw_cell_count(&pm, b), 1u);
  bw_cell *all[] = {&one, &blk, &merged, &unpacked, &back, &twice, &pm, &pm1};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) bw_cell_free(all[k]);
  free(same), free(wb), free(x), free(bins);
  gsl_rng_free(r);
}

/* Blocks whose values share one bin take a shortcut (the count += n at
 * once; for +-0 no bins nor sums computed): all +0, all -0, both (the
 * extremes order -0 below +0), enough of them for bin 0 to pass 255 and
 * 65535; and distinct values within one bin. The same state as one value at
 * a time. */
Test(sketch, blocks_of_one_bin_and_of_zeros) {
  enum { B = 8192 };
  static double x[B];
  static int32_t bins[2 * B];
  for (int kind = 0; kind < 4; kind++) {
    bw_cell one, blk;
    bw_cell_init(&one, 5, 512);
    bw_cell_init(&blk, 5, 512);
    for (int rep = 0; rep < 20; rep++) {
      int n = rep % 2 ? B : 1 + rep * 37;
      for (int i = 0; i < n; i++) {
        switch (kind) {
        case 0: x[i] = 0.0; break;
        case 1: x[i] = -0.0; break;
        case 2: x[i] = (i + rep) % 3 ? 0.0 : -0.0; break;
        default: x[i] = 100.0 + 1e-9 * i; break; /* one bin, distinct values */
        }
      }
      if (kind == 2 && rep == 4) x[0] = 0.0, x[1] = 0.0, x[2] = 0.0; /* a block of +0 only, mid-way */
      cr_assert_eq(bw_cell_add_block(&blk, x, n, bins), 0);
      fill_cell(&one, x, (size_t)n);
      char what[48];
      snprintf(what, sizeof what, "one-bin blocks, kind %d, block %d", kind, rep);
      assert_same_state(&one, &blk, what);
    }
    cr_assert_gt(bw_cell_count(&blk, bw_cell_bin(&blk, x[0])), 65535u);
    bw_cell_free(&one);
    bw_cell_free(&blk);
  }
}

#ifndef __SANITIZE_ADDRESS__
/* Out of memory on demand: the n-th calloc / realloc from now fails (glibc's
 * own behind them otherwise; not under AddressSanitizer, whose allocator
 * these would bypass). */
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static int fail_in = -1;
static int fail_now(void) {
  if (fail_in < 0) return 0;
  return fail_in-- == 0;
}
void *calloc(size_t n, size_t size) { return fail_now() ? NULL : __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { return fail_now() ? NULL : __libc_realloc(p, size); }

/* A cell with bin(1.0) at 255 and bin(3.0) at 65535: the next value in each
 * wraps its first byte, and in bin(3.0) the second byte too (a carry). */
static void wrap_cell(bw_cell *cell) {
  bw_cell_init(cell, 5, 512);
  for (int i = 0; i < 255; i++) cr_assert_eq(bw_cell_add(cell, 1.0), 0);
  for (int i = 0; i < 65535; i++) cr_assert_eq(bw_cell_add(cell, 3.0), 0);
  cr_assert_eq(cell->ncar, 0u);
}

/* An add or merge that runs out of memory for a second byte or a carry
 * returns -1 and leaves the cell as it was (the counts it had incremented
 * undone); the same add then succeeds. */
Test(sketch, out_of_memory_for_second_bytes_and_carries_adds_nothing) {
  double x[3] = {1.0, 3.0, 2.0};
  int32_t bins[6];
  for (int fail = 0; fail < 2; fail++) {
    /* a block: fail 0 the second bytes' growth, fail 1 the carry's room
     * (after bin(1.0)'s second byte was incremented) */
    bw_cell cell, ref;
    wrap_cell(&cell);
    wrap_cell(&ref);
    fail_in = fail;
    int rc = bw_cell_add_block(&cell, x, 3, bins);
    fail_in = -1;
    cr_assert_eq(rc, -1, "block, allocation %d failing: %d", fail, rc);
    assert_same_state(&cell, &ref, "a block that ran out of memory");
    cr_assert_eq(bw_cell_add_block(&cell, x, 3, bins), 0);
    fill_cell(&ref, x, 3);
    assert_same_state(&cell, &ref, "the block again");
    cr_assert_eq(bw_cell_count(&cell, bw_cell_bin(&cell, 3.0)), 65536u);
    bw_cell_free(&cell);
    bw_cell_free(&ref);
    /* one value: fail 0 for bin(1.0) (second bytes), fail 0 for bin(3.0)
     * after bin(1.0)'s (the carry) */
    wrap_cell(&cell);
    wrap_cell(&ref);
    double v = fail ? 3.0 : 1.0;
    if (fail) {
      cr_assert_eq(bw_cell_add(&cell, 1.0), 0);
      cr_assert_eq(bw_cell_add(&ref, 1.0), 0);
    }
    fail_in = 0;
    rc = bw_cell_add(&cell, v);
    fail_in = -1;
    cr_assert_eq(rc, -1, "one value %g: %d", v, rc);
    assert_same_state(&cell, &ref, "a value that ran out of memory");
    cr_assert_eq(bw_cell_add(&cell, v), 0);
    cr_assert_eq(bw_cell_add(&ref, v), 0);
    assert_same_state(&cell, &ref, "the value again");
    /* a merge whose sums need second bytes / a carry */
    bw_cell dst, dref;
    wrap_cell(&dst);
    wrap_cell(&dref);
    fail_in = fail;
    rc = bw_cell_merge(&dst, &cell);
    fail_in = -1;
    cr_assert_eq(rc, -1, "merge, allocation %d failing: %d", fail, rc);
    assert_same_state(&dst, &dref, "a merge that ran out of memory");
    cr_assert_eq(bw_cell_merge(&dst, &cell), 0);
    cr_assert_eq(bw_cell_merge(&dref, &cell), 0);
    assert_same_state(&dst, &dref, "the merge again");
    bw_cell_free(&cell), bw_cell_free(&ref), bw_cell_free(&dst), bw_cell_free(&dref);
  }
}
#endif

/* ---- 4. signed zeros ------------------------------------------------------- */

/* Next permutation of a[0..n-1] in lexicographic order of the indices. */
static int next_perm(int *a, int n) {
  int i = n - 2;
  while (i >= 0 && a[i] >= a[i + 1]) i--;
  if (i < 0) return 0;
  int j = n - 1;
  while (a[j] <= a[i]) j--;
  int t = a[i];
  a[i] = a[j];
  a[j] = t;
  for (int l = i + 1, r = n - 1; l < r; l++, r--) t = a[l], a[l] = a[r], a[r] = t;
  return 1;
}

Test(sketch, signed_zeros_in_any_order) {
  /* 7 values, 5040 orders; -0 and +0 in the same bin */
  const double v[7] = {-0.0, 0.0, -0.0, 0.0, -0.0, 1.5, -2.25};
  int idx[7] = {0, 1, 2, 3, 4, 5, 6};
  bw_stat first;
  int count = 0;
  bw_cell cell;
  bw_cell_init(&cell, 5, 512);
  do {
    bw_cell_clear(&cell);
    for (int i = 0; i < 7; i++) cr_assert_eq(bw_cell_add(&cell, v[idx[i]]), 0);
    bw_stat s;
    bw_cell_stat(&cell, &s);
    if (count++ == 0)
      first = s;
    else
      cr_assert(memcmp(&s, &first, sizeof s) == 0, "order %d of the signed zeros changes the bytes", count);
  } while (next_perm(idx, 7));
  cr_assert_eq(count, 5040);
  bw_cell_free(&cell);

  /* only zeros: min is -0 and max is +0 whatever the order; merges agree */
  bw_cell a, b, m1, m2;
  bw_cell_init(&a, 5, 512);
  bw_cell_init(&b, 5, 512);
  cr_assert_eq(bw_cell_add(&a, -0.0), 0);
  cr_assert_eq(bw_cell_add(&a, 0.0), 0);
  cr_assert_eq(bw_cell_add(&b, 0.0), 0);
  cr_assert_eq(bw_cell_add(&b, -0.0), 0);
  cr_assert(signbit(a.min) && !signbit(a.max) && signbit(b.min) && !signbit(b.max),
            "-0 is the minimum and +0 the maximum in either order");
  assert_same_state(&a, &b, "{-0, +0} vs {+0, -0}");
  bw_cell_clear(&a), bw_cell_clear(&b);
  cr_assert_eq(bw_cell_add(&a, -0.0), 0);
  cr_assert_eq(bw_cell_add(&b, 0.0), 0);
  bw_cell_init(&m1, 5, 512);
  bw_cell_init(&m2, 5, 512);
  cr_assert_eq(bw_cell_merge(&m1, &a), 0);
  cr_assert_eq(bw_cell_merge(&m1, &b), 0);
  cr_assert_eq(bw_cell_merge(&m2, &b), 0);
  cr_assert_eq(bw_cell_merge(&m2, &a), 0);
  assert_same_state(&m1, &m2, "merge {-0} + {+0} in either order");
  bw_cell_free(&a), bw_cell_free(&b), bw_cell_free(&m1), bw_cell_free(&m2);
}

/* ---- 5. memory and clear ------------------------------------------------- */

/* 10^5 values in [0, 1000): the held bins cover that range (plus the growth
 * pad at each end), however many values there are. */
/* A cell's first block (>= 16 values) holds its bins with a third of the
 * block's range more on each side (sketch.c): later blocks whose values stay
 * within that room do not copy the histogram (same array, same length), and
 * one beyond it grows it. The packed form holds only the bins with counts. */
Test(sketch, first_block_holds_room_for_the_tails) {
  gsl_rng *r = rng_open(21);
  enum { B = 160 };
  double x[B];
  int32_t bins[2 * B];
  bw_cell cell, one;
  bw_cell_init(&cell, 5, 512);
  bw_cell_init(&one, 5, 512);
  for (int i = 0; i < B; i++) x[i] = i == 0 ? 100.0 : i == 1 ? 900.0 : gsl_ran_flat(r, 100, 900);
  cr_assert_eq(bw_cell_add_block(&cell, x, B, bins), 0);
  fill_cell(&one, x, B);
  const uint8_t *held = cell.cnt;
  const uint32_t len = cell.len;
  int64_t lo_bin = (int64_t)floor(asinh(100.0 / 5) * 512), hi_bin = (int64_t)floor(asinh(900.0 / 5) * 512);
  int64_t room = (hi_bin - lo_bin + 1) / 3;
  cr_assert(cell.lo <= lo_bin - room && cell.lo + (int64_t)len >= hi_bin + 1 + room,
            "held [%lld, %lld) for bins [%lld, %lld] and room %lld", (long long)cell.lo,
            (long long)(cell.lo + len), (long long)lo_bin, (long long)hi_bin, (long long)room);
  /* 100 more blocks in [80, 1000]: within the room on both sides */
  for (int k = 0; k < 100; k++) {
    for (int i = 0; i < B; i++) x[i] = gsl_ran_flat(r, 80, 1000);
    cr_assert_eq(bw_cell_add_block(&cell, x, B, bins), 0);
    fill_cell(&one, x, B);
  }
  cr_assert(cell.cnt == held && cell.len == len, "the histogram was copied: %u -> %u bins", len, cell.len);
  assert_same_state(&one, &cell, "first block's room: blocks vs one by one");
  /* only the used bins are packed: the round trip gives the same state */
  uint32_t used_lo = 0, used_hi = cell.len;
  while (bw_cell_count(&cell, cell.lo + used_lo) == 0) used_lo++;
  while (bw_cell_count(&cell, cell.lo + used_hi - 1) == 0) used_hi--;
  size_t n = bw_cell_packed_size(&cell);
  bw_cell none;
  bw_cell_init(&none, 5, 512);
  cr_assert_eq(n - bw_cell_packed_size(&none), (size_t)(used_hi - used_lo) * sizeof(uint32_t),
               "packed bytes beyond the head: the used bins only");
  unsigned char *buf = malloc(n);
  cr_assert(buf);
  cr_assert_eq(bw_cell_pack(&cell, buf), n);
  bw_cell back;
  bw_cell_init(&back, 5, 512);
  cr_assert_eq(bw_cell_unpack_merge(&back, buf, n), n);
  assert_same_state(&cell, &back, "used bins packed and unpacked");
  /* a value far beyond the room grows the histogram */
  x[0] = 1e6;
  cr_assert_eq(bw_cell_add_block(&cell, x, 1, bins), 0);
  cr_assert(cell.len > len);
  free(buf);
  bw_cell_free(&cell), bw_cell_free(&one), bw_cell_free(&back), bw_cell_free(&none);
  gsl_rng_free(r);
}

Test(sketch, memory_follows_the_spread_not_the_count) {
  gsl_rng *r = rng_open(6);
  const double c = 5, h = 512;
  bw_cell cell;
  bw_cell_init(&cell, c, h);
  /* the range's bins: floor(asinh(0)) = 0 .. floor(asinh(1000/c) h) */
  double range_bins = floor(asinh(1000.0 / c) * h) + 1;
  uint32_t len_1k = 0;
#ifdef __SANITIZE_ADDRESS__
  enum { BIG = 20000 };
#else
  enum { BIG = 100000 };
#endif
  for (int i = 0; i < BIG; i++) {
    cr_assert_eq(bw_cell_add(&cell, gsl_ran_flat(r, 0, 1000)), 0);
    if (i == 999) len_1k = cell.len;
  }
  /* growth pads max(32, len/16) bins on a side (sketch.c) */
  double pad = fmax(32, ceil(range_bins / 16));
  cr_assert_leq((double)cell.len, range_bins + 2 * pad + 2, "%u bins held for %g bins of range",
                cell.len, range_bins);
  cr_assert_leq(cell.len, len_1k + 2 * fmax(32, ceil(cell.len / 16.0)),
                "bins grew from %u at 1000 values to %u at %d", len_1k, cell.len, BIG);
  /* clear: forget the values, keep the scale; refilling gives fresh bytes */
  bw_cell_clear(&cell);
  cr_assert_eq(cell.n, 0u);
  bw_stat s;
  bw_cell_stat(&cell, &s);
  cr_assert(isnan(s.mean) && isnan(s.q95), "cleared cell: NaN statistics");
  bw_cell fresh;
  bw_cell_init(&fresh, c, h);
  for (int i = 0; i < 300; i++) {
    double x = gsl_ran_gaussian(r, 40);
    cr_assert_eq(bw_cell_add(&cell, x), 0);
    cr_assert_eq(bw_cell_add(&fresh, x), 0);
  }
  assert_same_state(&cell, &fresh, "cleared and refilled vs fresh");
  bw_cell_free(&cell);
  bw_cell_free(&fresh);
  bw_cell_free(&fresh); /* a second free is harmless */
  gsl_rng_free(r);
}

/* ---- reading a cell vs a plain reference ---------------------------------
 * bw_cell_stat lists a cell's non-empty bins 64 at a time, visits only
 * them, finds the tail above q95 by bisection and reads the edges from a
 * shared table. ref_stat is the straightforward reading it must match to
 * the bit: every bin in order, its count from bw_cell_count, its edges from
 * sinh, the tail found by walking down from the top bin. */

typedef struct {
  double mid, half;
} ref_bin;

static ref_bin ref_bin_value(const bw_cell *c, uint32_t k) {
  int64_t i = c->lo + (int64_t)k;
  double a = c->c * sinh((double)i / c->inv_h), b = c->c * sinh((double)(i + 1) / c->inv_h);
  if (a < c->min) a = c->min;
  if (b > c->max) b = c->max;
  if (b < a) b = a;
  double slack = 4e-15 * (fabs(a) > fabs(b) ? fabs(a) : fabs(b));
  return (ref_bin){0.5 * (a + b), 0.5 * (b - a) + slack};
}

static uint64_t ref_count(const bw_cell *c, uint32_t k) { return bw_cell_count(c, c->lo + (int64_t)k); }

/* the bin holding 0-based rank r (r < n; the extremes are exact) */
static ref_bin ref_order_stat(const bw_cell *c, uint64_t r) {
  if (r == 0) return (ref_bin){c->min, 0.0};
  if (r + 1 == c->n) return (ref_bin){c->max, 0.0};
  uint64_t cum = 0;
  for (uint32_t k = 0; k < c->len; k++)
    if ((cum += ref_count(c, k)) > r) return ref_bin_value(c, k);
  return (ref_bin){c->max, 0.0};
}

static void ref_stat(const bw_cell *c, bw_stat *out) {
  const double u = NAN;
  if (c->n == 0) {
    *out = (bw_stat){u, u, u, u, u, u, u, u, u, u, u, u, u, u, u, u};
    return;
  }
  const uint64_t n = c->n;
  const long double ln = (long double)n, scale = BW_FIX_SCALE;
  bw_i128 q = c->s1 / (bw_i128)n, r = c->s1 - q * (bw_i128)n;
  bw_i128 d = c->s2 - 2 * q * c->s1 + (bw_i128)n * q * q;
  long double ss = (long double)d - (long double)r * (long double)r / ln;
  if (ss < 0) ss = 0;
  double mean = (double)(((long double)q + (long double)r / ln) / scale);
  out->mean = mean;
  static const double ps[3] = {0.05, 0.50, 0.95};
  double qv[3], qerr[3], qse[3];
  for (int j = 0; j < 3; j++) {
    double p = ps[j], h = (double)(n - 1) * p;
    uint64_t lo = (uint64_t)floor(h);
    ref_bin a = ref_order_stat(c, lo), b = ref_order_stat(c, lo + 1 < n ? lo + 1 : lo);
    if (lo + 1 >= n) {
      qerr[j] = a.half;
      qv[j] = a.mid;
    } else {
      double f = h - (double)lo;
      qerr[j] = (1.0 - f) * a.half + f * b.half;
      qv[j] = a.mid + f * (b.mid - a.mid);
    }
    double dn = (double)n, np = dn * p, half = 1.96 * sqrt(np * (1.0 - p));
    double l = floor(np - half), hi = ceil(np + half);
    if (l < 1.0) l = 1.0;
    if (hi > dn) hi = dn;
    qse[j] = (ref_order_stat(c, (uint64_t)hi - 1).mid - ref_order_stat(c, (uint64_t)l - 1).mid) / (2.0 * 1.96);
  }
  out->q05 = qv[0], out->err_q05 = qerr[0];
  out->q50 = qv[1], out->err_q50 = qerr[1];
  out->q95 = qv[2], out->err_q95 = qerr[2];
  uint64_t k = (n + 19) / 20, need = k;
  double tail = 0.0, tail_err = 0.0;
  for (uint32_t b = c->len; b-- > 0 && need > 0;) {
    uint64_t cb = ref_count(c, b);
    if (cb == 0) continue;
    uint64_t take = cb < need ? cb : need;
    ref_bin v = ref_bin_value(c, b);
    tail += (double)take * v.mid;
    tail_err += (double)take * v.half;
    need -= take;
  }
  out->cvar95 = tail / (double)k;
  out->err_cvar95 = tail_err / (double)k;
  if (n == 1) {
    out->sd = 0.0;
    out->se_mean = out->se_sd = out->se_q05 = out->se_q50 = out->se_q95 = out->se_cvar95 = 0.0;
    return;
  }
  double var = (double)(ss / (ln - 1) / (scale * scale));
  double sd = sqrt(var), dn = (double)n;
  out->sd = sd;
  out->se_mean = sd / sqrt(dn);
  double m4 = 0.0;
  for (uint32_t b = 0; b < c->len; b++) {
    uint64_t cb = ref_count(c, b);
    if (cb == 0) continue;
    double x = ref_bin_value(c, b).mid, dd = (x - mean) * (x - mean);
    m4 += (double)cb * dd * dd;
  }
  double e1 = 0.0, e2 = 0.0, q95 = out->q95;
  uint32_t b0 = c->len;
  while (b0 > 0 && ref_bin_value(c, b0 - 1).mid > q95) b0--;
  for (uint32_t b = b0; b < c->len; b++) {
    uint64_t cb = ref_count(c, b);
    if (cb == 0) continue;
    double x = ref_bin_value(c, b).mid, cc = (double)cb;
    e1 += cc * (x - q95);
    e2 += cc * (x - q95) * (x - q95);
  }
  double mu4 = m4 / dn;
  double var_s2 = (mu4 - var * var * (dn - 3.0) / (dn - 1.0)) / dn;
  out->se_sd = (sd > 0.0 && var_s2 > 0.0) ? sqrt(var_s2) / (2.0 * sd) : 0.0;
  out->se_q05 = qse[0], out->se_q50 = qse[1], out->se_q95 = qse[2];
  double ebar = e1 / dn, var_e = (e2 - dn * ebar * ebar) / (dn - 1.0);
  if (var_e < 0.0) var_e = 0.0;
  out->se_cvar95 = sqrt(var_e / (0.05 * 0.05 * dn));
}

/* bw_cell_stat, and bw_cell_stat_tab with a table holding the cell's edges
 * and with one that does not (sinh per edge), are ref_stat to the bit */
static void assert_stat_is_ref(const bw_cell *c, const char *what) {
  bw_stat want, got[3];
  ref_stat(c, &want);
  bw_cell_stat(c, &got[0]);
  const bw_cell *cells[] = {c};
  bw_edge_tab tab, off;
  cr_assert_eq(bw_edge_tab_build(&tab, c->inv_h, cells, 1), 0);
  bw_cell_stat_tab(c, &tab, &got[1]);
  bw_cell far;
  bw_cell_init(&far, c->c, c->inv_h);
  cr_assert_eq(bw_cell_add(&far, 1e9), 0); /* a table of other bins */
  const bw_cell *fc[] = {&far};
  cr_assert_eq(bw_edge_tab_build(&off, c->inv_h, fc, 1), 0);
  bw_cell_stat_tab(c, &off, &got[2]);
  static const char *name[16] = {"mean", "sd", "q05", "q50", "q95", "cvar95", "se_mean", "se_sd",
                                 "se_q05", "se_q50", "se_q95", "se_cvar95", "err_q05", "err_q50",
                                 "err_q95", "err_cvar95"}; /* bw_stat's order (stats.h) */
  cr_assert_eq(sizeof(bw_stat), 16 * sizeof(double));
  for (int v = 0; v < 3; v++)
    for (int f = 0; f < 16; f++) {
      double w = ((const double *)&want)[f], g = ((const double *)&got[v])[f];
      cr_assert(memcmp(&w, &g, sizeof w) == 0, "%s (n %llu, %u bins, %u second bytes, %u carries), %s: %s %.17g, "
                "reference %.17g", what, (unsigned long long)c->n, c->len, c->hlen, c->ncar,
                v == 0 ? "no table" : v == 1 ? "table" : "table without its edges", name[f], g, w);
    }
  bw_edge_tab_free(&tab);
  bw_edge_tab_free(&off);
  bw_cell_free(&far);
}

Test(sketch, reading_a_cell_is_the_plain_reading) {
  gsl_rng *r = rng_open(7);
  const double c = 5, h = 512;
  enum { N = 120000 };
  double *x = malloc(N * sizeof *x);
  int32_t *bins = malloc(2 * 65536 * sizeof *bins);
  cr_assert(x && bins);
  bw_cell cell;
  bw_cell_init(&cell, c, h);
  assert_stat_is_ref(&cell, "empty");
  /* small n: 1 (every rank the one value), 2, 3, 20, 21 */
  static const int small[] = {1, 2, 3, 20, 21};
  for (size_t s = 0; s < sizeof small / sizeof small[0]; s++) {
    bw_cell_clear(&cell);
    for (int i = 0; i < small[s]; i++) cr_assert_eq(bw_cell_add(&cell, gsl_ran_gaussian(r, 30)), 0);
    assert_stat_is_ref(&cell, "small");
  }
  /* one bin: every value equal (second bytes at 300, a carry at 70000) */
  static const int same[] = {2, 300, 70000};
  for (size_t s = 0; s < sizeof same / sizeof same[0]; s++) {
    bw_cell_clear(&cell);
    for (int i = 0; i < same[s]; i++) cr_assert_eq(bw_cell_add(&cell, 3.7), 0);
    cr_assert_eq(bw_cell_count(&cell, bw_cell_bin(&cell, 3.7)), (uint64_t)same[s]);
    assert_stat_is_ref(&cell, "one bin");
  }
  /* point masses whose boundaries sit at the ranks of q05, q50, q95 and of
   * their standard errors (n = 1000: ranks 49/50, 499/500, 949/950, ...),
   * and at the top 50 values (CVaR) */
  static const int cut[] = {49, 50, 500, 950, 951, 980, 999};
  for (size_t s = 0; s < sizeof cut / sizeof cut[0]; s++) {
    bw_cell_clear(&cell);
    for (int i = 0; i < 1000; i++) cr_assert_eq(bw_cell_add(&cell, i < cut[s] ? -2.0 : i < 975 ? 10.0 : 1e4), 0);
    assert_stat_is_ref(&cell, "point masses");
  }
  /* long sparse tails (bins held >> non-empty, many chunks of 256 and
   * groups of 64), with and without second bytes in the bulk, built one
   * value at a time, in blocks and by merge / unpack (tight second bytes) */
  static const int nn[] = {64, 257, 1000, 5000, 20000, N};
  for (size_t s = 0; s < sizeof nn / sizeof nn[0]; s++) {
    for (int i = 0; i < nn[s]; i++)
      x[i] = i % 8 == 0   ? gsl_ran_lognormal(r, 3, 1.5)
             : i % 8 == 1 ? gsl_ran_gaussian(r, 50)
             : i % 8 == 2 ? floor(gsl_ran_exponential(r, 4))
                          : 0.0; /* a point mass: past 65535 at n = N */
    bw_cell blk, packed;
    bw_cell_init(&blk, c, h);
    bw_cell_init(&packed, c, h);
    bw_cell_clear(&cell);
    fill_cell(&cell, x, (size_t)nn[s]);
    for (int i = 0; i < nn[s]; i += 65536)
      cr_assert_eq(bw_cell_add_block(&blk, x + i, nn[s] - i < 65536 ? nn[s] - i : 65536, bins), 0);
    size_t np = bw_cell_packed_size(&cell);
    unsigned char *buf = malloc(np);
    cr_assert(buf);
    bw_cell_pack(&cell, buf);
    cr_assert_eq(bw_cell_unpack_merge(&packed, buf, np), np);
    free(buf);
    assert_stat_is_ref(&cell, "tails, one value at a time");
    assert_stat_is_ref(&blk, "tails, blocks");
    assert_stat_is_ref(&packed, "tails, unpacked");
    if (nn[s] == N) cr_assert(cell.hlen > 0 && cell.ncar > 0, "second bytes and a carry exercised");
    bw_cell_free(&blk);
    bw_cell_free(&packed);
  }
  /* a wide, flat top: the CVaR's 5 % spread over more than a chunk of bins */
  bw_cell_clear(&cell);
  for (int i = 0; i < 20000; i++) cr_assert_eq(bw_cell_add(&cell, gsl_ran_flat(r, -1e5, 1e6)), 0);
  assert_stat_is_ref(&cell, "wide flat");
  /* the national scale (another inv_h) */
  bw_cell nat;
  bw_cell_init(&nat, 1e3, 4096);
  for (int i = 0; i < 3000; i++) cr_assert_eq(bw_cell_add(&nat, 1e7 + gsl_ran_gaussian(r, 1e5)), 0);
  assert_stat_is_ref(&nat, "national scale");
  bw_cell_free(&nat);
  bw_cell_free(&cell);
  free(x), free(bins);
  gsl_rng_free(r);
}
