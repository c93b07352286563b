/* The oracles of models/oracle.h (the closed forms that `bwsim validate` and
 * the flow tests hold the kernels to), each against an independent
 * computation:
 *  - the immigration–death count law (mean, variance, fourth cumulant) against
 *    the moments of the exact distribution, Binomial ⊛ Poisson summed term by
 *    term, and against the year-to-year recursion of the process (Markov:
 *    N(y+1) = Binomial(N(y), e^(-1/m)) + Poisson(λm(1 - e^(-1/m))));
 *  - the expected client-years of a year against the integral of the mean
 *    count, and their variance against a numerical integral of each client's
 *    time in the year (stock: independent clients; entrants: Campbell);
 *  - the forward-recurrence survival against ∫_t^∞ S(u) du / m integrated
 *    numerically, its density against the derivative, its capped mean
 *    against the exponential's closed form, the Weibull scale against the
 *    mean it must give;
 *  - the stationary-start law against the immigration–death law it is for
 *    exponential stays (λ = N0/m).
 * Tolerances are those of the numerical method (Simpson's rule on the stated
 * grid, a central difference), far below any effect a check relies on. */
#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "oracle.h"

/* Simpson's rule for f on [a, b] with n (even) intervals. */
static double simpson(double (*f)(double, const void *), const void *arg, double a, double b, int n) {
  double h = (b - a) / n, s = f(a, arg) + f(b, arg);
  for (int i = 1; i < n; i++) s += (i % 2 ? 4.0 : 2.0) * f(a + i * h, arg);
  return s * h / 3.0;
}

static void assert_rel(double got, double want, double tol, const char *what) {
  cr_assert(fabs(got - want) <= tol * fabs(want), "%s: %.15g, expected %.15g (rel. %.2g)", what, got, want,
            fabs(got / want - 1));
}

/* The three immigration–death queues of bwsim validate and one with a small
 * stock: stock n0, entries lam a year, mean stay m. */
static const double Q_N0[] = {400, 1000, 200, 5}, Q_LAM[] = {300, 250, 600, 40}, Q_M[] = {3, 2, 1, 0.5};
enum { NQ = 4, YEARS = 11 };

/* ---- the count law ------------------------------------------------------------------- */

/* Mean, variance and fourth cumulant of Binomial(n, p) + Poisson(mu) from its
 * probabilities, summed term by term (the tail beyond 40 sd is < 1e-300). */
static bw_oracle_law convolved_law(unsigned n, double p, double mu) {
  int kmax = (int)(n + mu + 40 * sqrt(mu + n * p * (1 - p) + 1));
  double *pmf = calloc((size_t)kmax + 1, sizeof(double));
  cr_assert_not_null(pmf);
  for (unsigned b = 0; b <= n; b++) {
    double pb = gsl_ran_binomial_pdf(b, p, n);
    if (pb == 0) continue;
    for (int j = 0; b + (unsigned)j <= (unsigned)kmax; j++) pmf[b + (unsigned)j] += pb * gsl_ran_poisson_pdf((unsigned)j, mu);
  }
  double m1 = 0;
  for (int k = 0; k <= kmax; k++) m1 += k * pmf[k];
  double c2 = 0, c4 = 0;
  for (int k = 0; k <= kmax; k++) {
    double d = k - m1;
    c2 += d * d * pmf[k];
    c4 += d * d * d * d * pmf[k];
  }
  free(pmf);
  bw_oracle_law l = {m1, c2, c4 - 3 * c2 * c2};
  return l;
}

Test(oracle, immigration_death_law_is_binomial_plus_poisson) {
  for (int i = 0; i < NQ; i++)
    for (int y = 1; y < YEARS; y += 3) {
      double q = exp(-y / Q_M[i]);
      bw_oracle_law want = convolved_law((unsigned)Q_N0[i], q, Q_LAM[i] * Q_M[i] * (1 - q));
      bw_oracle_law got = bw_oracle_id_count(Q_N0[i], Q_LAM[i], Q_M[i], y);
      char what[64];
      snprintf(what, sizeof what, "queue %d, year %d: mean", i, y);
      assert_rel(got.mean, want.mean, 1e-10, what);
      snprintf(what, sizeof what, "queue %d, year %d: variance", i, y);
      assert_rel(got.var, want.var, 1e-9, what);
      /* κ4 = μ4 - 3σ⁴ loses digits to cancellation: 1e-6 of κ4 is far
       * below the round-off of μ4 */
      snprintf(what, sizeof what, "queue %d, year %d: fourth cumulant", i, y);
      assert_rel(got.k4, want.k4, 1e-6, what);
    }
}

/* Year by year: given N(y), the survivors to y + 1 are Binomial(N(y), q1)
 * and the entries of the year still in care Poisson(λm(1 - q1)), so
 *   E N(y+1) = q1 E N(y) + λm(1 - q1),
 *   Var N(y+1) = q1 (1 - q1) E N(y) + q1² Var N(y) + λm(1 - q1). */
Test(oracle, immigration_death_follows_its_recursion) {
  for (int i = 0; i < NQ; i++) {
    double q1 = exp(-1 / Q_M[i]), pois = Q_LAM[i] * Q_M[i] * (1 - q1);
    double mean = Q_N0[i], var = 0;
    for (int y = 1; y < YEARS; y++) {
      var = q1 * (1 - q1) * mean + q1 * q1 * var + pois;
      mean = q1 * mean + pois;
      bw_oracle_law got = bw_oracle_id_count(Q_N0[i], Q_LAM[i], Q_M[i], y);
      char what[64];
      snprintf(what, sizeof what, "queue %d, year %d: mean", i, y);
      assert_rel(got.mean, mean, 1e-12, what);
      snprintf(what, sizeof what, "queue %d, year %d: variance", i, y);
      assert_rel(got.var, var, 1e-12, what);
    }
    /* the stationary law: Poisson(λm) */
    bw_oracle_law inf = bw_oracle_id_count(Q_N0[i], Q_LAM[i], Q_M[i], 1e6);
    assert_rel(inf.mean, Q_LAM[i] * Q_M[i], 1e-12, "stationary mean");
    assert_rel(inf.var, Q_LAM[i] * Q_M[i], 1e-12, "stationary variance");
    assert_rel(inf.k4, Q_LAM[i] * Q_M[i], 1e-12, "stationary fourth cumulant");
  }
}

/* ---- client-years of a year --------------------------------------------------------- */

typedef struct {
  double n0, lam, m, y, a; /* a: the entry time of an entrant */
} queue_arg;

static double mean_count(double t, const void *v) {
  const queue_arg *q = v;
  return bw_oracle_id_count(q->n0, q->lam, q->m, t).mean;
}

/* A client in care over [a, a + D], D ~ Exp(mean m): its time in [y, y + 1)
 * is f = min(max(a + D - lo, 0), hi - lo) with lo = max(a, y), hi = y + 1.
 * E f² = ∫_{lo-a}^{hi-a} (a + d - lo)² e^{-d/m}/m dd + (hi - lo)² P(D > hi - a). */
static double ef2_integrand(double d, const void *v) {
  const queue_arg *q = v;
  double lo = q->a > q->y ? q->a : q->y, f = q->a + d - lo;
  return f * f * exp(-d / q->m) / q->m;
}

static double ef2(const queue_arg *q) {
  double lo = q->a > q->y ? q->a : q->y, hi = q->y + 1;
  return simpson(ef2_integrand, q, lo - q->a, hi - q->a, 400) + (hi - lo) * (hi - lo) * exp(-(hi - q->a) / q->m);
}

static double entrant_ef2(double a, const void *v) {
  queue_arg q = *(const queue_arg *)v;
  q.a = a;
  return ef2(&q);
}

static double stock_ef(double d, const void *v) {
  const queue_arg *q = v;
  return (d - q->y) * exp(-d / q->m) / q->m;
}

Test(oracle, client_years_mean_and_variance) {
  for (int i = 0; i < NQ; i++)
    for (int y = 0; y < YEARS; y += 2) {
      queue_arg q = {Q_N0[i], Q_LAM[i], Q_M[i], y, 0};
      char what[64];
      double want = simpson(mean_count, &q, y, y + 1, 400);
      double got = bw_oracle_id_years_stock(q.n0, q.m, y) + bw_oracle_id_years_entries(q.lam, q.m, y);
      snprintf(what, sizeof what, "queue %d, year %d: E client-years", i, y);
      assert_rel(got, want, 1e-9, what);
      /* stock: n0 Var f; entrants: λ ∫_0^{y+1} E f(a)² da (Campbell), split
       * at a = y where f changes form */
      double ef = simpson(stock_ef, &q, y, y + 1, 400) + exp(-(y + 1) / q.m);
      double var_stock = q.n0 * (ef2(&q) - ef * ef);
      double var_entries = q.lam * ((y > 0 ? simpson(entrant_ef2, &q, 0, y, 400) : 0) + simpson(entrant_ef2, &q, y, y + 1, 400));
      snprintf(what, sizeof what, "queue %d, year %d: Var client-years", i, y);
      assert_rel(bw_oracle_id_years_var(q.n0, q.lam, q.m, y), var_stock + var_entries, 1e-7, what);
    }
}

/* ---- the forward recurrence ------------------------------------------------------------ */

typedef struct {
  double k, scale;
} weib;

static double weibull_survival(double u, const void *v) {
  const weib *w = v;
  return exp(-pow(u / w->scale, w->k));
}

static double residual_survival(double t, const void *v) {
  const weib *w = v;
  return bw_oracle_residual_survival(t, w->k, w->scale);
}

Test(oracle, residual_law_is_the_integrated_survival) {
  const double shapes[] = {0.7, 1.0, 1.2, 2.0, 3.5}, m = 2.5;
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
    weib w = {shapes[i], bw_oracle_weibull_scale(m, shapes[i])};
    char what[80];
    /* the scale gives the mean: ∫_0^∞ S(u) du = m (the tail beyond 400
     * scales is below e^-66 for k >= 0.7; Simpson's rule loses a little at
     * the cusp of S at 0 when k < 1, hence 1e-6) */
    snprintf(what, sizeof what, "k = %g: ∫ S = m", w.k);
    assert_rel(simpson(weibull_survival, &w, 0, 400 * w.scale, 400000), m, 1e-6, what);
    for (double t = 0.25; t < 11; t += 1.5) {
      double want = simpson(weibull_survival, &w, t, t + 400 * w.scale, 400000) / m;
      double got = bw_oracle_residual_survival(t, w.k, w.scale);
      snprintf(what, sizeof what, "k = %g: G(%g)", w.k, t);
      cr_assert(fabs(got - want) <= 1e-9, "%s: %.15g, expected %.15g", what, got, want);
      /* the density is -G' (central difference, error O(h²)) */
      double h = 1e-5;
      double dG = (bw_oracle_residual_survival(t - h, w.k, w.scale) - bw_oracle_residual_survival(t + h, w.k, w.scale)) / (2 * h);
      snprintf(what, sizeof what, "k = %g: density at %g", w.k, t);
      assert_rel(bw_oracle_residual_density(t, w.k, w.scale, m), dG, 1e-6, what);
    }
    cr_assert_eq(bw_oracle_residual_survival(0, w.k, w.scale), 1.0);
    cr_assert_eq(bw_oracle_residual_survival(-1, w.k, w.scale), 1.0);
    /* E min(R, H) against a finer integral of G */
    snprintf(what, sizeof what, "k = %g: E min(R, 11)", w.k);
    assert_rel(bw_oracle_residual_mean_capped(11, w.k, w.scale), simpson(residual_survival, &w, 0, 11, 20000), 1e-8,
               what);
  }
  /* exponential stays: no memory, R is the stay itself; E min(R, H) = m (1 - e^(-H/m)) */
  weib e = {1.0, bw_oracle_weibull_scale(m, 1.0)};
  assert_rel(e.scale, m, 1e-15, "exponential scale");
  for (double t = 0.5; t < 11; t += 2) assert_rel(bw_oracle_residual_survival(t, 1.0, e.scale), exp(-t / m), 1e-12, "exponential G");
  assert_rel(bw_oracle_residual_mean_capped(11, 1.0, e.scale), m * (1 - exp(-11 / m)), 1e-10, "exponential E min(R, 11)");
}

/* With exponential stays a stationary start is the immigration–death queue
 * with λ = N0/m: G(t) = e^(-t/m). */
Test(oracle, stationary_start_is_immigration_death_in_equilibrium) {
  const double n0 = 730, m = 1.7;
  for (int y = 0; y < YEARS; y++) {
    bw_oracle_law st = bw_oracle_stationary_count(n0, exp(-y / m));
    bw_oracle_law id = bw_oracle_id_count(n0, n0 / m, m, y);
    cr_assert_eq(st.mean, n0, "year %d: mean %.17g", y, st.mean);
    assert_rel(st.mean, id.mean, 1e-12, "stationary vs immigration-death: mean");
    assert_rel(st.var, id.var, 1e-12, "stationary vs immigration-death: variance");
    cr_assert(fabs(st.k4 - id.k4) <= 1e-9 * n0, "year %d: fourth cumulant %.15g vs %.15g", y, st.k4, id.k4);
  }
}
