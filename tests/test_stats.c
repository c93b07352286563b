/* Tests for sim/stats.h + sim/stats.c (docs/model.md §8).
 *
 * 1. Known answers on small samples, each value worked out by hand from the
 *    definitions in stats.h (type-7 quantiles, CVaR95 = mean of the largest
 *    ceil(0.05 n), the order-statistic quantile se, the delta-method sd se,
 *    the CVaR se), and the edge cases n = 0, n = 1, constant samples.
 * 2. The in-place sort: ascending in the total order (-0 before +0), the same
 *    multiset as the input, for random samples with ties and infinities.
 * 3. bw_prop_greater (strict) and bw_wilson95 (closed forms, symmetry,
 *    exact coverage).
 * 4. Statistical: normal(0,1) samples drawn from the bw_rng_philox gsl_rng:
 *    the estimates lie within 4 reported se of the exact values, and the
 *    reported se match the spread of the estimates over 200 samples.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rng_purpose.h"
#include "stats.h"

#define Z 1.96

static void assert_close(double got, double want, double rel, const char *what) {
  double tol = rel * fmax(1.0, fabs(want));
  cr_assert(fabs(got - want) <= tol, "%s = %.17g, expected %.17g (tol %.3g)", what, got, want, tol);
}

/* ---- 1. known answers ---------------------------------------------------- */

Test(stats, one_to_hundred) {
  enum { N = 100 };
  double x[N];
  /* 1..100 in a scrambled order: i -> 37 i mod 100 is a permutation */
  for (int i = 0; i < N; i++) x[i] = (double)((37 * i) % N + 1);
  bw_stat s;
  bw_stat_compute(x, N, &s);

  for (int i = 0; i < N; i++) cr_assert_eq(x[i], (double)(i + 1), "x not sorted at %d", i);

  assert_close(s.mean, 50.5, 1e-15, "mean");
  double sd = sqrt(100.0 * 101.0 / 12.0); /* sd of 1..n = sqrt(n(n+1)/12) */
  assert_close(s.sd, sd, 1e-14, "sd");
  /* type 7: h = 99 p; q05 = x[4] + .95 (x[5] - x[4]) = 5 + .95 */
  assert_close(s.q05, 5.95, 1e-14, "q05");
  assert_close(s.q50, 50.5, 1e-14, "q50");
  assert_close(s.q95, 95.05, 1e-14, "q95");
  /* largest ceil(5) = 5 values: 96..100 */
  assert_close(s.cvar95, 98.0, 1e-15, "cvar95");

  assert_close(s.se_mean, sd / 10.0, 1e-14, "se_mean");
  /* order-statistic ranks, np -+ 1.96 sqrt(np(1-p)):
   *   p = .05: 5 -+ 4.27 -> floor 0 (clipped to 1), ceil 10 -> x_(10) - x_(1) = 9
   *   p = .50: 50 -+ 9.8 -> 40, 60 -> 20
   *   p = .95: 95 -+ 4.27 -> 90, 100 -> 10 */
  assert_close(s.se_q05, 9.0 / (2 * Z), 1e-14, "se_q05");
  assert_close(s.se_q50, 20.0 / (2 * Z), 1e-14, "se_q50");
  assert_close(s.se_q95, 10.0 / (2 * Z), 1e-14, "se_q95");

  /* CVaR se: (x - 95.05)+ is .95, 1.95, 2.95, 3.95, 4.95 and 95 zeros;
   * sum 14.75, sum of squares 53.5125; sample variance
   * (53.5125 - 14.75^2 / 100) / 99; se = sqrt(var / (.05^2 * 100)). */
  double var_e = (53.5125 - 14.75 * 14.75 / 100.0) / 99.0;
  assert_close(s.se_cvar95, sqrt(var_e / (0.0025 * 100.0)), 1e-12, "se_cvar95");

  /* sd se by the delta method: mu4 of 1..100 about 50.5 */
  double mu4 = 0;
  for (int i = 1; i <= N; i++) mu4 += pow(i - 50.5, 4);
  mu4 /= N;
  double v = sd * sd;
  double se_s2 = sqrt((mu4 - v * v * 97.0 / 99.0) / 100.0);
  assert_close(s.se_sd, se_s2 / (2 * sd), 1e-12, "se_sd");
}

Test(stats, small_sample_quantiles) {
  double x[] = {4, 1, 3, 2};
  bw_stat s;
  bw_stat_compute(x, 4, &s);
  /* h = 3p: q05 at h = .15 -> 1.15; q50 at 1.5 -> 2.5; q95 at 2.85 -> 3.85 */
  assert_close(s.q05, 1.15, 1e-14, "q05");
  assert_close(s.q50, 2.5, 1e-14, "q50");
  assert_close(s.q95, 3.85, 1e-14, "q95");
  cr_assert_eq(s.cvar95, 4.0, "cvar95 of 4 values is the maximum");
  assert_close(s.sd, sqrt(5.0 / 3.0), 1e-14, "sd"); /* squares about 2.5: 5 / 3 */
}

Test(stats, cvar_counts_ceil_of_five_percent) {
  double x[41];
  bw_stat s;
  /* n = 20: ceil(1) = 1 value */
  for (int i = 0; i < 20; i++) x[i] = i + 1;
  bw_stat_compute(x, 20, &s);
  cr_assert_eq(s.cvar95, 20.0);
  /* n = 21: ceil(1.05) = 2 values: 20, 21 */
  for (int i = 0; i < 21; i++) x[i] = 21 - i;
  bw_stat_compute(x, 21, &s);
  cr_assert_eq(s.cvar95, 20.5);
  /* n = 41: ceil(2.05) = 3 values: 39, 40, 41 */
  for (int i = 0; i < 41; i++) x[i] = i + 1;
  bw_stat_compute(x, 41, &s);
  cr_assert_eq(s.cvar95, 40.0);
  /* n = 7: 1 value */
  for (int i = 0; i < 7; i++) x[i] = -i;
  bw_stat_compute(x, 7, &s);
  cr_assert_eq(s.cvar95, 0.0);
}

Test(stats, empty_is_nan) {
  double x[1] = {3};
  bw_stat s;
  bw_stat_compute(x, 0, &s);
  const double *f = &s.mean;
  for (size_t i = 0; i < sizeof s / sizeof(double); i++) cr_assert(isnan(f[i]), "field %zu", i);
  cr_assert_eq(x[0], 3.0, "n = 0 must not touch x");
}

Test(stats, single_value) {
  double x[1] = {-7.25};
  bw_stat s;
  bw_stat_compute(x, 1, &s);
  cr_assert_eq(s.mean, -7.25);
  cr_assert_eq(s.q05, -7.25);
  cr_assert_eq(s.q50, -7.25);
  cr_assert_eq(s.q95, -7.25);
  cr_assert_eq(s.cvar95, -7.25);
  cr_assert_eq(s.sd, 0.0);
  cr_assert_eq(s.se_mean, 0.0);
  cr_assert_eq(s.se_sd, 0.0);
  cr_assert_eq(s.se_q05, 0.0);
  cr_assert_eq(s.se_q50, 0.0);
  cr_assert_eq(s.se_q95, 0.0);
  cr_assert_eq(s.se_cvar95, 0.0);
}

Test(stats, constant_sample) {
  double x[50];
  for (int i = 0; i < 50; i++) x[i] = 1e6 + 0.1;
  bw_stat s;
  bw_stat_compute(x, 50, &s);
  cr_assert_eq(s.mean, 1e6 + 0.1, "compensated mean of equal values is exact");
  cr_assert_eq(s.sd, 0.0);
  cr_assert_eq(s.q95, 1e6 + 0.1);
  cr_assert_eq(s.cvar95, 1e6 + 0.1);
  cr_assert_eq(s.se_mean, 0.0);
  cr_assert_eq(s.se_sd, 0.0);
  cr_assert_eq(s.se_q50, 0.0);
  cr_assert_eq(s.se_cvar95, 0.0);
}

/* ---- 2. the sort ----------------------------------------------------------- */

/* Reference order: numeric, -0 before +0 (no NaN in the input). */
static int ref_cmp(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  if (a < b) return -1;
  if (a > b) return 1;
  return (int)(signbit(b) != 0) - (int)(signbit(a) != 0);
}

Test(stats, sort_is_total_order_permutation) {
  gsl_rng *r = gsl_rng_alloc(bw_rng_philox);
  cr_assert_not_null(r);
  static double x[5000], ref[5000];
  const size_t sizes[] = {2, 3, 15, 16, 17, 100, 1000, 5000};
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
    size_t n = sizes[t];
    for (int pattern = 0; pattern < 4; pattern++) {
      bw_rng_gsl_reset(r, bw_rng_make(7, (uint32_t)t, BW_RNG_TEST, (unsigned)pattern, 0, 0));
      for (size_t i = 0; i < n; i++) {
        switch (pattern) {
        case 0: x[i] = gsl_ran_gaussian(r, 1.0); break;           /* distinct */
        case 1: x[i] = (double)gsl_rng_uniform_int(r, 5) - 2; break; /* many ties */
        case 2: x[i] = (double)(n - i); break;                     /* descending */
        default: {                                                 /* zeros, infinities */
          unsigned long k = gsl_rng_uniform_int(r, 5);
          x[i] = k == 0 ? -0.0 : k == 1 ? 0.0 : k == 2 ? INFINITY : k == 3 ? -INFINITY : 1.5;
        }
        }
        if (pattern == 1 && i % 7 == 0 && x[i] == 0) x[i] = -0.0;
      }
      memcpy(ref, x, n * sizeof(double));
      qsort(ref, n, sizeof(double), ref_cmp);
      bw_stat s;
      bw_stat_compute(x, n, &s);
      cr_assert(memcmp(x, ref, n * sizeof(double)) == 0, "n = %zu, pattern %d: not the sorted input",
                n, pattern);
    }
  }
  gsl_rng_free(r);
}

/* ---- 3. proportions and the Wilson interval ------------------------------ */

Test(stats, prop_greater_is_strict) {
  double x[] = {15, 15.000001, 14.9, 20, 15, -3, 100, 15};
  double se;
  double p = bw_prop_greater(x, 8, 15.0, &se);
  cr_assert_eq(p, 3.0 / 8.0, "values equal to theta do not count");
  assert_close(se, sqrt(3.0 / 8.0 * 5.0 / 8.0 / 8.0), 1e-15, "se");
  cr_assert_eq(bw_prop_greater(x, 8, 1000.0, &se), 0.0);
  cr_assert_eq(se, 0.0);
  cr_assert_eq(bw_prop_greater(x, 8, -1000.0, &se), 1.0);
  cr_assert_eq(se, 0.0);
  p = bw_prop_greater(x, 0, 0.0, &se);
  cr_assert(isnan(p) && isnan(se), "no values: no proportion");
}

Test(stats, wilson_closed_forms) {
  double lo, hi;
  /* k = 0: the upper limit solves p = z sqrt(p(1-p)/n) -> z^2 / (n + z^2) */
  bw_wilson95(0, 10, &lo, &hi);
  cr_assert_eq(lo, 0.0);
  assert_close(hi, Z * Z / (10 + Z * Z), 1e-14, "hi(0/10)");
  /* k = n mirrors it */
  bw_wilson95(10, 10, &lo, &hi);
  cr_assert_eq(hi, 1.0);
  assert_close(lo, 10 / (10 + Z * Z), 1e-14, "lo(10/10)");
  /* k = n/2: centred on 1/2, half width z sqrt(n/4 + z^2/4) / (n + z^2) */
  bw_wilson95(50, 100, &lo, &hi);
  assert_close(0.5 * (lo + hi), 0.5, 1e-14, "centre(50/100)");
  assert_close(0.5 * (hi - lo), Z * sqrt(25.0 + Z * Z / 4) / (100 + Z * Z), 1e-13, "half width");
  /* the limits are the roots of (k - n p)^2 = z^2 n p (1 - p) */
  for (size_t k = 1; k < 30; k += 4) {
    bw_wilson95(k, 30, &lo, &hi);
    cr_assert(lo < (double)k / 30 && (double)k / 30 < hi, "k = %zu: p-hat outside", k);
    for (int e = 0; e < 2; e++) {
      double p = e ? hi : lo;
      double lhs = ((double)k - 30 * p) * ((double)k - 30 * p), rhs = Z * Z * 30 * p * (1 - p);
      cr_assert(fabs(lhs - rhs) <= 1e-10 * fmax(1.0, rhs), "k = %zu: limit %g not a root", k, p);
    }
    double lo2, hi2;
    bw_wilson95(30 - k, 30, &lo2, &hi2);
    assert_close(lo, 1 - hi2, 1e-13, "symmetry lo");
    assert_close(hi, 1 - lo2, 1e-13, "symmetry hi");
  }
  bw_wilson95(0, 0, &lo, &hi);
  cr_assert(lo == 0.0 && hi == 1.0, "n = 0 gives [0, 1]");
}

/* Exact coverage of the interval for Binomial(n, p): close to 95 % (Wilson's
 * coverage oscillates within about a point or two of nominal for n p >= 10). */
Test(stats, wilson_coverage) {
  const int ns[] = {50, 200, 1000};
  const double ps[] = {0.2, 0.5, 0.7};
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      double cover = 0;
      for (int k = 0; k <= ns[a]; k++) {
        double lo, hi;
        bw_wilson95((size_t)k, (size_t)ns[a], &lo, &hi);
        if (lo <= ps[b] && ps[b] <= hi) cover += gsl_ran_binomial_pdf((unsigned)k, ps[b], (unsigned)ns[a]);
      }
      cr_assert(cover > 0.93 && cover < 0.97, "n = %d, p = %g: coverage %g", ns[a], ps[b], cover);
    }
}

/* ---- 4. statistical ------------------------------------------------------- */

static void draw_normal(gsl_rng *r, uint32_t rep, double *x, size_t n) {
  bw_rng_gsl_reset(r, bw_rng_make(20210101u, rep, BW_RNG_TEST, 1, 0, 0));
  for (size_t i = 0; i < n; i++) x[i] = gsl_ran_gaussian(r, 1.0);
}

/* exact values for N(0, 1) */
static double q_normal(double p) { return gsl_cdf_ugaussian_Pinv(p); }
static double cvar95_normal(void) { return gsl_ran_ugaussian_pdf(q_normal(0.95)) / 0.05; }

#define WITHIN4(est, se, exact, what)                                                         \
  cr_assert(fabs((est) - (exact)) <= 4 * (se), "%s = %.6g, exact %.6g, se %.3g", what, est, \
            exact, se)

Test(stats, normal_within_4se) {
  enum { N = 20000 };
  static double x[N];
  gsl_rng *r = gsl_rng_alloc(bw_rng_philox);
  cr_assert_not_null(r);
  draw_normal(r, 0, x, N);
  gsl_rng_free(r);
  bw_stat s;
  bw_stat_compute(x, N, &s);
  assert_close(q_normal(0.95), 1.6449, 1e-4, "reference q95");
  assert_close(cvar95_normal(), 2.0627, 1e-4, "reference cvar95");
  WITHIN4(s.mean, s.se_mean, 0.0, "mean");
  WITHIN4(s.sd, s.se_sd, 1.0, "sd");
  WITHIN4(s.q05, s.se_q05, q_normal(0.05), "q05");
  WITHIN4(s.q50, s.se_q50, 0.0, "q50");
  WITHIN4(s.q95, s.se_q95, q_normal(0.95), "q95");
  WITHIN4(s.cvar95, s.se_cvar95, cvar95_normal(), "cvar95");
  /* and the se are of the asymptotic size: se(q) = sqrt(p(1-p)/n) / phi(q),
   * se(sd) = sqrt(1/(2n)) for the normal. The reported q95 se is the gap of
   * two order statistics m = 2 z sqrt(np(1-p)) ~ 121 ranks apart, so its own
   * relative sd is about 1/sqrt(m) ~ 9 %: allow 4/sqrt(m). The sd se rests on
   * the fourth moment: Var(m4 - s^4) ~ 56/n for the normal, a relative sd of
   * sqrt(56/n)/2/2 ~ 1.3 % for se_sd: allow 6 %. */
  double m = 2 * Z * sqrt(N * 0.95 * 0.05);
  double se_q95 = sqrt(0.95 * 0.05 / N) / gsl_ran_ugaussian_pdf(q_normal(0.95));
  cr_assert(fabs(s.se_q95 / se_q95 - 1) <= 4 / sqrt(m), "se_q95 %.4g, asymptotic %.4g", s.se_q95,
            se_q95);
  cr_assert(fabs(s.se_sd / sqrt(0.5 / N) - 1) <= 0.06, "se_sd %.4g, asymptotic %.4g", s.se_sd,
            sqrt(0.5 / N));
}

/* The reported se against the spread of 200 independent estimates (n = 2000).
 * The empirical sd from 200 samples has a relative se of about 1/sqrt(400)
 * = 5 % (more for the heavier-tailed tail estimates), so 20 % is about 4 se. */
Test(stats, se_matches_spread) {
  enum { N = 2000, R = 200, K = 6 };
  static double x[N];
  double est[K][R], se[K][R];
  gsl_rng *r = gsl_rng_alloc(bw_rng_philox);
  cr_assert_not_null(r);
  for (int rep = 0; rep < R; rep++) {
    draw_normal(r, (uint32_t)(rep + 1), x, N);
    bw_stat s;
    bw_stat_compute(x, N, &s);
    double e[K] = {s.mean, s.sd, s.q05, s.q50, s.q95, s.cvar95};
    double v[K] = {s.se_mean, s.se_sd, s.se_q05, s.se_q50, s.se_q95, s.se_cvar95};
    for (int k = 0; k < K; k++) {
      est[k][rep] = e[k];
      se[k][rep] = v[k];
    }
  }
  gsl_rng_free(r);
  const char *names[K] = {"mean", "sd", "q05", "q50", "q95", "cvar95"};
  for (int k = 0; k < K; k++) {
    double m = 0, ms = 0, ss = 0;
    for (int i = 0; i < R; i++) {
      m += est[k][i];
      ms += se[k][i];
    }
    m /= R;
    ms /= R;
    for (int i = 0; i < R; i++) ss += (est[k][i] - m) * (est[k][i] - m);
    double sd = sqrt(ss / (R - 1));
    cr_assert(fabs(sd / ms - 1) <= 0.2, "%s: empirical sd %.4g, mean reported se %.4g", names[k], sd,
              ms);
  }
}
