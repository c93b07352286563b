/* The count kernel (models/counts.c, run.kernel: counts) against the
 * individual kernel (models/flows.c) and against docs/model.md (§10.1, §10.4):
 *  1. Cross-test, docs/model.md §10.4: on the default params and three stressed
 *     params files (tests/data/counts/: "exact" — no outer draws,
 *     exponential stays; "wlz_linear" — a high Wlz inflow, a linear
 *     ingroeipad, negative-binomial indications; "payer_rules" — pooling,
 *     mo_decentralise_year, old_regime_max_years cutting a month, start
 *     year 2023, mortality, 30 % national institutions), both kernels agree in distribution on every
 *     national total per year and on every gemeente's mean shortfall per
 *     year, with fixed seeds. The individual kernel runs replications
 *     0..R_IND-1; the count kernel runs the same replications (the same
 *     outer draws: a paired sample) and replications OFFSET + 0 .. OFFSET +
 *     R_CNT-1 (other outer draws: an independent sample).
 *       - national means (independent samples): |m_ind − m_cnt| <= 4 se,
 *         se = sqrt(s²_ind/R_IND +
 *         s²_cnt/R_CNT) — with few replications the Student-t equivalent of
 *         4 se (the same two-sided probability 6.3e-5, Welch–Satterthwaite
 *         degrees of freedom; 4.1 se in a Release build, 4.5 in Debug)
 *         (quantities with no spread in either kernel, such as the stock on
 *         1 Jan 2021 or the first year's budget, must be equal);
 *       - two-sample Kolmogorov–Smirnov (independent samples) per total and
 *         year at a family-wise
 *         level of 1 % per scenario (Bonferroni over the m totals × years
 *         tested): D <= λ_crit / (√n_e + 0.12 + 0.11/√n_e), n_e = R_IND R_CNT
 *         / (R_IND + R_CNT), Q_KS(λ_crit) = 0.01/m (Stephens' finite-sample
 *         form of the Kolmogorov limit);
 *       - variances (independent samples): |log s²_cnt − log s²_ind| within
 *         the Bonferroni normal quantile (family-wise 1 %) of its standard
 *         error √(2/(n − 1) + κ/n) per sample (κ: pooled excess kurtosis);
 *         a check on gross errors (about ±0.7 in log-variance); the
 *         within-year timing variance is tested with power by
 *         immigration_death_cost_variance below;
 *       - per gemeente and year, the mean shortfall cost − budget (BW + MO),
 *         paired: the mean of the differences count − individual over the
 *         same replications within 4 se of 0 (t-equivalent with R_IND − 1
 *         degrees of freedom). Pairing removes the outer draws (rate and
 *         duration multipliers, ε_g), which otherwise dominate a gemeente's
 *         spread, are skewed, and are common to all gemeenten: the
 *         differences carry only flow noise, nearly symmetric and nearly
 *         independent between gemeenten, so the t-test is well calibrated
 *         even with 24 replications (checked: mean z² = df/(df − 2)). The
 *         shortfall is taken before pooling: pooling is the same
 *         deterministic redistribution within a region in both kernels (the
 *         pooled national totals are tested above), so equal unpooled means
 *         give equal pooled means, and a region's members do not miss
 *         together. Of the 352 gemeenten at most 2 may miss in some year
 *         (gemeente-years with no spread must be equal): each comparison
 *         misses with probability 6.3e-5 under the null, so a gemeente misses
 *         in one of its 11 years with probability <= 7e-4 and E[gemeenten
 *         missing] <= 0.24 whatever the dependence; P(>= 3) <= 0.08 by
 *         Markov, about 0.002 for gemeenten that are nearly independent (as
 *         paired differences are). Years of one gemeente are counted once
 *         because a client's stay spans years, so they miss together.
 *     Power (Release build, R_IND = 120, R_CNT = 240): a systematic
 *     difference in a national mean of 0.45 sd of that total across
 *     replications is flagged with probability 1/2 and one of 0.65 sd with
 *     probability > 0.97; a gemeente's mean shortfall is held to 4 se of the
 *     paired differences (about 0.37 sd of the flow noise of its shortfall:
 *     e.g. for a gemeente of 30,000 inhabitants about €50k a year); the KS test (λ_crit ≈ 2.3, n_e = 80) catches a shift of a
 *     normal law by about 0.65 sd, or a change of spread of about 30 %. In
 *     the "exact" scenario (no outer draws) the sd of the national cost is
 *     about 0.3 % of it, so a bias of 0.15 % of the national cost would be
 *     caught; with outer draws the sd is about 6 % and the test is a check
 *     on gross errors only. Each test logs the smallest relative mean
 *     difference it would detect for cost_eur.
 *  2. The count kernel alone: a replication is a pure function of (seed,
 *     rep) — the same bytes in a fresh workspace and after other
 *     replications; the stock on 1 Jan of the first year is exactly the
 *     params' stock; the immigration–death law (docs/model.md §10.1): with
 *     exponential stays, constant Poisson entries, no Wlz and no step-down,
 *     N(t) = Binomial(N0, e^(−t/m)) + Poisson(λ m (1 − e^(−t/m))) (mean and
 *     variance within 4 se) and the cost of a year is tariff × expected
 *     client-years (mean within 4 se); the phase-type law of the durations
 *     has the Weibull's mean and variance; the variance of each year's
 *     national cost in the immigration–death model equals its exact value
 *     (the yearly steps' within-year timing, see that test).
 * Replication counts are smaller in a Debug build and smaller still under
 * AddressSanitizer; the tolerances come from the standard errors of the
 * replications actually run. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "data_csv.h"
#include "model.h"
#include "model_fixture.h"
#include "params_yaml.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BW_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BW_ASAN 1
#endif

#if defined(BW_ASAN)
enum { R_IND = 24, R_CNT = 48 };
#elif defined(__OPTIMIZE__)
enum { R_IND = 120, R_CNT = 240 };
#else
enum { R_IND = 30, R_CNT = 60 };
#endif

#define OFFSET (1u << 20) /* the count kernel's replications: other outer draws */
#define COUNTS_DIR BW_TEST_DIR "/data/counts"

/* ---- helpers --------------------------------------------------------------- */


static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Two-sample Kolmogorov–Smirnov statistic sup |F_a − F_b| (a, b sorted). */
static double ks_stat(const double *a, int na, const double *b, int nb) {
  int i = 0, j = 0;
  double d = 0;
  while (i < na && j < nb) {
    double x = a[i] < b[j] ? a[i] : b[j];
    while (i < na && a[i] <= x) i++;
    while (j < nb && b[j] <= x) j++;
    double diff = fabs((double)i / na - (double)j / nb);
    if (diff > d) d = diff;
  }
  return d;
}

/* Kolmogorov limit: Q(λ) = P(sup |B| > λ) = 2 Σ (−1)^(k−1) e^(−2 k² λ²). */
static double ks_q(double lambda) {
  double s = 0;
  for (int k = 1; k <= 100; k++) s += (k % 2 ? 2.0 : -2.0) * exp(-2.0 * k * k * lambda * lambda);
  return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* Sample excess kurtosis (k4 / σ⁴ − 3 from moments). */
static double excess_kurtosis(const double *x, int n, double mean, double var) {
  if (!(var > 0)) return 0.0;
  double m4 = 0;
  for (int i = 0; i < n; i++) {
    double d = x[i] - mean;
    m4 += d * d * d * d;
  }
  return m4 / n / (var * var) - 3.0;
}

/* λ with Q(λ) = alpha (bisection; Q decreases). */
static double ks_lambda(double alpha) {
  double lo = 0.3, hi = 5.0;
  for (int it = 0; it < 100; it++) {
    double mid = 0.5 * (lo + hi);
    if (ks_q(mid) > alpha) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* The Student-t equivalent of 4 se for a difference of two means (Welch):
 * the quantile with the normal's two-sided 4σ probability, 6.3e-5. */
static double z_crit(double va, int na, double vb, int nb) {
  double a = va / na, b = vb / nb;
  double df = (a + b) * (a + b) / ((a > 0 ? a * a / (na - 1) : 0) + (b > 0 ? b * b / (nb - 1) : 0));
  if (!(df > 0) || df > 1e6) return 4.0;
  return gsl_cdf_tdist_Qinv(gsl_cdf_ugaussian_Q(4.0), df);
}

static void load_params(const char *path, bw_params *p) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_load(path, p, NULL, &ctx), BW_OK, "%s", ctx.msg);
}

/* Outputs of R replications (reps first + 0 .. first + R − 1) of one kernel:
 * national totals [q][y][r] and the shortfall cost − budget (BW + MO,
 * before pooling) per gemeente [g][y][r]. */
typedef struct {
  int R, ng, ny;
  double *nat, *sf;
} sample;

static sample run_kernel(const bw_params *p0, const bw_data *d, bw_kernel kernel, uint32_t first, int R) {
  bw_params p = *p0;
  p.kernel = kernel;
  sim s = sim_open(&p, d);
  sample o = {R, s.ng, s.ny, NULL, NULL};
  o.nat = malloc(sizeof(double) * (size_t)BW_NQ * (size_t)s.ny * (size_t)R);
  o.sf = malloc(sizeof(double) * (size_t)s.ng * (size_t)s.ny * (size_t)R);
  cr_assert(o.nat && o.sf);
  for (int r = 0; r < R; r++) {
    sim_run(&s, first + (uint32_t)r);
    for (int q = 0; q < BW_NQ; q++)
      for (int y = 0; y < s.ny; y++) o.nat[((size_t)q * s.ny + y) * R + r] = nat(s.r, q, y);
    for (int g = 0; g < s.ng; g++)
      for (int y = 0; y < s.ny; y++)
        o.sf[((size_t)g * s.ny + y) * R + r] = s.r->cost_bw[gy(s.r, g, y)] + s.r->cost_mo[gy(s.r, g, y)] -
                                               s.r->budget_bw[gy(s.r, g, y)] - s.r->budget_mo[gy(s.r, g, y)];
  }
  sim_close(&s);
  return o;
}

static void sample_free(sample *s) {
  free(s->nat);
  free(s->sf);
}

/* ---- 1. cross-test (docs/model.md §10.4) ------------------------------------------- */

static void cross_test(const char *path, const char *label) {
  bw_params p;
  load_params(path, &p);
  bw_data d = {0};
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_data_load(p.gemeenten_path, p.regions_path, &d, &ctx), BW_OK, "%s", ctx.msg);
  sample a = run_kernel(&p, &d, BW_KERNEL_INDIVIDUAL, 0, R_IND);
  sample b = run_kernel(&p, &d, BW_KERNEL_COUNTS, OFFSET, R_CNT);
  sample pb = run_kernel(&p, &d, BW_KERNEL_COUNTS, 0, R_IND); /* paired with a */
  int ny = a.ny, ng = a.ng;

  /* national totals: which have spread (tested) and which must be equal */
  int m = 0;
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < ny; y++) {
      double ma, va, mb, vb;
      mean_var(a.nat + ((size_t)q * ny + y) * R_IND, R_IND, &ma, &va);
      mean_var(b.nat + ((size_t)q * ny + y) * R_CNT, R_CNT, &mb, &vb);
      if (va > 0 || vb > 0) m++;
    }
  cr_assert(m > 0);
  double ne = (double)R_IND * R_CNT / (R_IND + R_CNT);
  double lambda = ks_lambda(0.01 / m);
  double dcrit = lambda / (sqrt(ne) + 0.12 + 0.11 / sqrt(ne));
  double worst_z = 0, worst_d = 0, worst_v = 0;
  const char *wz_name = "", *wd_name = "", *wv_name = "";
  int wz_y = 0, wd_y = 0, wv_y = 0;
  /* variance ratio: |log s²_cnt − log s²_ind| within zv standard errors,
   * Var(log s²) ≈ 2/(n − 1) + κ/n (κ the excess kurtosis, pooled from both
   * samples, so heavy tails from the outer draws widen it); family-wise 1 %
   * over the m totals × years (Bonferroni, normal quantile) */
  double zv = gsl_cdf_ugaussian_Qinv(0.005 / m);
  double *xa = malloc(sizeof(double) * R_IND), *xb = malloc(sizeof(double) * R_CNT);
  cr_assert(xa && xb);
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < ny; y++) {
      memcpy(xa, a.nat + ((size_t)q * ny + y) * R_IND, sizeof(double) * R_IND);
      memcpy(xb, b.nat + ((size_t)q * ny + y) * R_CNT, sizeof(double) * R_CNT);
      double ma, va, mb, vb;
      const char *name = bw_quantity_name(q);
      for (int r = 0; r < R_CNT; r++)
        cr_assert(isfinite(xb[r]) && (r >= R_IND || isfinite(xa[r])), "%s: %s %d: a value is not finite", label,
                  name, p.first_year + y);
      mean_var(xa, R_IND, &ma, &va);
      mean_var(xb, R_CNT, &mb, &vb);
      if (va == 0 && vb == 0) {
        cr_assert(fabs(ma - mb) <= 1e-9 * fmax(1.0, fabs(ma)), "%s: %s %d is fixed but differs: %.17g vs %.17g",
                  label, name, p.first_year + y, ma, mb);
        continue;
      }
      if (va > 0 && vb > 0) {
        double ka = excess_kurtosis(xa, R_IND, ma, va), kb = excess_kurtosis(xb, R_CNT, mb, vb);
        double kap = (ka * R_IND + kb * R_CNT) / (R_IND + R_CNT);
        if (kap < 0) kap = 0; /* conservative only upwards: a short tail narrows nothing */
        double sev = sqrt(2.0 / (R_IND - 1) + kap / R_IND + 2.0 / (R_CNT - 1) + kap / R_CNT);
        double zr = log(vb / va) / sev;
        if (fabs(zr) / zv > fabs(worst_v)) worst_v = zr / zv, wv_name = name, wv_y = y;
        cr_expect(fabs(zr) <= zv,
                  "%s: %s %d: variance individual %.6g, counts %.6g (ratio %.3f, z = %.2f, limit %.2f)", label, name,
                  p.first_year + y, va, vb, vb / va, zr, zv);
      } else {
        cr_expect(0, "%s: %s %d: spread in one kernel only (variance %.6g vs %.6g)", label, name, p.first_year + y,
                  va, vb);
      }
      double se = sqrt(va / R_IND + vb / R_CNT), z = (mb - ma) / se, zc = z_crit(va, R_IND, vb, R_CNT);
      if (fabs(z) / zc > fabs(worst_z) / 4.0) worst_z = 4.0 * z / zc, wz_name = name, wz_y = y;
      cr_expect(fabs(z) <= zc, "%s: %s %d: individual %.6g, counts %.6g (se %.3g, z = %.2f, limit %.2f)", label, name,
                p.first_year + y, ma, mb, se, z, zc);
      qsort(xa, R_IND, sizeof(double), cmp_double);
      qsort(xb, R_CNT, sizeof(double), cmp_double);
      double D = ks_stat(xa, R_IND, xb, R_CNT);
      if (D > worst_d) worst_d = D, wd_name = name, wd_y = y;
      cr_expect(D <= dcrit, "%s: %s %d: KS D = %.3f > %.3f (family-wise 1 %% over %d)", label, name,
                p.first_year + y, D, dcrit, m);
    }
  cr_log_info("%s: %d totals × years; worst z %.2f (scaled to a limit of 4; %s %d), worst KS D %.3f (%s %d), "
              "critical %.3f; worst log-variance ratio %.2f of its limit %.2f se (%s %d)", label, m,
              worst_z, wz_name, p.first_year + wz_y, worst_d, wd_name, p.first_year + wd_y, dcrit, worst_v, zv,
              wv_name, p.first_year + wv_y);

  /* power: the smallest relative difference in the mean of cost_eur the
   * mean test would flag, per year (4 se / mean) */
  for (int y = 0; y < ny; y += 5) {
    double ma, va, mb, vb;
    mean_var(a.nat + ((size_t)BW_Q_COST_EUR * ny + y) * R_IND, R_IND, &ma, &va);
    mean_var(b.nat + ((size_t)BW_Q_COST_EUR * ny + y) * R_CNT, R_CNT, &mb, &vb);
    cr_log_info("%s: cost_eur %d: a difference of %.2f %% of the mean would be flagged", label, p.first_year + y,
                400.0 * sqrt(va / R_IND + vb / R_CNT) / ma);
  }

  /* every gemeente's mean shortfall per year, paired differences */
  int misses = 0, tested = 0, gem_missing = 0;
  double worst = 0, zc = gsl_cdf_tdist_Qinv(gsl_cdf_ugaussian_Q(4.0), R_IND - 1);
  double *dif = malloc(sizeof(double) * R_IND);
  cr_assert_not_null(dif);
  for (int g = 0; g < ng; g++) {
    int missed = 0;
    for (int y = 0; y < ny; y++) {
      const double *xi = a.sf + ((size_t)g * ny + y) * R_IND, *xc = pb.sf + ((size_t)g * ny + y) * R_IND;
      for (int r = 0; r < R_IND; r++) dif[r] = xc[r] - xi[r];
      double md, vd;
      mean_var(dif, R_IND, &md, &vd);
      if (!(vd > 0)) {
        cr_expect(fabs(md) <= 1e-6 * fmax(1.0, fabs(xi[0])), "%s: gemeente %s %d: fixed shortfall differs by %.6g",
                  label, d.g[g].code, p.first_year + y, md);
        continue;
      }
      tested++;
      double z = md / sqrt(vd / R_IND);
      if (fabs(z) > fabs(worst)) worst = z;
      if (fabs(z) > zc) {
        misses++, missed = 1;
        cr_log_info("%s: gemeente %s %d: mean shortfall differs by %.4g EUR (z = %.2f, limit %.2f)", label,
                    d.g[g].code, p.first_year + y, md, z, zc);
      }
    }
    gem_missing += missed;
  }
  cr_log_info("%s: %d gemeente-years (paired), %d beyond %.2f se in %d gemeenten, worst z %.2f", label, tested,
              misses, zc, gem_missing, worst);
  cr_expect(gem_missing <= 2, "%s: %d gemeenten with a mean shortfall beyond %.2f se (at most 2 allowed)", label,
            gem_missing, zc);
  free(dif);
  sample_free(&pb);
  free(xa);
  free(xb);
  sample_free(&a);
  sample_free(&b);
  bw_data_free(&d);
}

Test(counts_cross, default_params, .timeout = 900) { cross_test(BW_SOURCE_DIR "/params/default.yaml", "default"); }
Test(counts_cross, exact, .timeout = 900) { cross_test(COUNTS_DIR "/exact.yaml", "exact"); }
Test(counts_cross, wlz_linear, .timeout = 900) { cross_test(COUNTS_DIR "/wlz_linear.yaml", "wlz_linear"); }
Test(counts_cross, payer_rules, .timeout = 900) { cross_test(COUNTS_DIR "/payer_rules.yaml", "payer_rules"); }

/* ---- 2. the count kernel alone -------------------------------------------------- */


static int same_result(const bw_rep_result *a, const bw_rep_result *b) {
  size_t n = (size_t)a->ng * (size_t)a->ny * sizeof(double);
  return memcmp(a->cost_bw, b->cost_bw, n) == 0 && memcmp(a->cost_mo, b->cost_mo, n) == 0 &&
         memcmp(a->budget_bw, b->budget_bw, n) == 0 && memcmp(a->shortfall_bw, b->shortfall_bw, n) == 0 &&
         memcmp(a->shortfall_mo, b->shortfall_mo, n) == 0 &&
         memcmp(a->national, b->national, (size_t)BW_NQ * (size_t)a->ny * sizeof(double)) == 0;
}

/* A replication is a pure function of (seed, rep): the same bytes in a
 * fresh workspace and after other replications, in the default and in the
 * re-indication scenario (PAIR groups, a cut month); another replication
 * differs. */
Test(counts, replication_is_a_pure_function_of_its_key) {
  bw_data d;
  load_data(&d);
  const char *paths[2] = {BW_SOURCE_DIR "/params/default.yaml", COUNTS_DIR "/payer_rules.yaml"};
  for (int k = 0; k < 2; k++) {
    bw_params p;
    load_params(paths[k], &p);
    p.kernel = BW_KERNEL_COUNTS;
    sim s = sim_open(&p, &d);
    sim_run(&s, 7);
    bw_rep_result *first = copy_result(s.m, s.r);
    sim_run(&s, 8);
    cr_assert(!same_result(first, s.r), "%s: replications 7 and 8 gave the same result", paths[k]);
    bw_workspace *w2 = bw_workspace_create(s.m);
    bw_rep_result *r2 = bw_rep_result_create(s.m);
    cr_assert(w2 && r2);
    for (uint32_t r = 0; r < 3; r++) simulate(s.m, 100 + r, w2, r2);
    simulate(s.m, 7, w2, r2);
    cr_assert(same_result(first, r2), "%s: replication 7 depends on the workspace's history", paths[k]);
    sim_run(&s, 7);
    cr_assert(same_result(first, s.r), "%s: replication 7 not reproduced", paths[k]);
    bw_rep_result_free(first);
    bw_rep_result_free(r2);
    bw_workspace_free(w2);
    sim_close(&s);
  }
  bw_data_free(&d);
}

/* The stock on 1 Jan of the first year is the params' stock, in every
 * replication (docs/model.md §3.1: data, not drawn; counted before the wave). */
Test(counts, stock_on_1_jan_is_the_params_stock) {
  bw_data d;
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  p.kernel = BW_KERNEL_COUNTS;
  p.stock[BW_I] = 12345, p.stock[BW_A] = 6789, p.stock[BW_M] = 4321;
  sim s = sim_open(&p, &d);
  for (uint32_t r = 0; r < 20; r++) {
    sim_run(&s, r);
    for (int c = 0; c < BW_NCARE; c++)
      cr_assert_eq(nat(s.r, BW_Q_CLIENTS_I_JAN1 + c, 0), p.stock[c], "rep %u care %d: %.0f on 1 Jan", r, c,
                   nat(s.r, BW_Q_CLIENTS_I_JAN1 + c, 0));
    /* the wave takes some of the I stock, never more */
    double wave = nat(s.r, BW_Q_WLZ_TRANSFERS, 0);
    cr_assert(wave > 0 && wave <= p.stock[BW_I] + 1000, "rep %u: %.0f transfers in the first year", r, wave);
  }
  sim_close(&s);
  bw_data_free(&d);
}

/* ---- immigration–death (docs/model.md §10.1) ------------------------------------------ */

/* The closed forms of this section: models/oracle.h (included here, with the
 * section that uses it). */
#include "oracle.h"

/* The immigration–death model of docs/model.md §10.1 in the count kernel:
 * exponential stays of mean ID_M, constant Poisson entries ID_LAMBDA a
 * year, a stock of ID_N0 (N0 != λm: the curves move), no growth, Wlz,
 * step-down, national institutions or outer draws. */
static const double ID_LAMBDA[BW_NCARE] = {150, 200, 400}; /* entries per year */
static const double ID_N0[BW_NCARE] = {200, 1000, 100};
static const double ID_M[BW_NCARE] = {3.0, 2.0, 1.0}; /* mean stay (years) */

static void imm_death_params(const bw_data *d, bw_params *p) {
  double pop = 0;
  for (int g = 0; g < d->ng; g++) pop += d->g[g].population;
  queue_params(p, pop, ID_LAMBDA, ID_N0, ID_M); /* model_fixture.h */
  p->kernel = BW_KERNEL_COUNTS;
}

Test(counts, immigration_death) {
  enum { R = 400 };
  bw_data d;
  load_data(&d);
  const double *lambda = ID_LAMBDA, *n0 = ID_N0, *m = ID_M;
  bw_params p;
  imm_death_params(&d, &p);
  sim s = sim_open(&p, &d);
  int ny = s.ny;
  double *x = malloc(sizeof(double) * (size_t)(2 * BW_NCARE) * (size_t)ny * R);
  double *e = malloc(sizeof(double) * (size_t)BW_NCARE * (size_t)ny * R);
  cr_assert(x && e);
#define X(k, y, r) x[((size_t)(k)*ny + (y)) * R + (r)]
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    for (int y = 0; y < ny; y++) {
      double cbw = 0, cmo = 0;
      for (int g = 0; g < s.ng; g++) cbw += s.r->cost_bw[gy(s.r, g, y)], cmo += s.r->cost_mo[gy(s.r, g, y)];
      for (int c = 0; c < BW_NCARE; c++) {
        X(c, y, r) = nat(s.r, BW_Q_CLIENTS_I_JAN1 + c, y);
        e[((size_t)c * ny + y) * R + r] = nat(s.r, BW_Q_ENTRIES_I + c, y);
      }
      X(BW_NCARE, y, r) = cbw, X(BW_NCARE + 1, y, r) = cmo;
      cr_assert_eq(nat(s.r, BW_Q_WLZ_TRANSFERS, y), 0.0);
      cr_assert_eq(nat(s.r, BW_Q_STEPDOWNS_IA, y), 0.0);
    }
  }
  static const char *const names[BW_NCARE] = {"I", "A", "M"};
  char what[96];
  for (int c = 0; c < BW_NCARE; c++) {
    for (int y = 1; y < ny; y++) {
      bw_oracle_law law = bw_oracle_id_count(n0[c], lambda[c], m[c], y);
      snprintf(what, sizeof what, "counts: clients_%s_jan1 in %d", names[c], p.first_year + y);
      assert_mean(&X(c, y, 0), R, law.mean, what);
      assert_variance(&X(c, y, 0), R, law.var, law.k4, what);
    }
    snprintf(what, sizeof what, "counts: entries_%s per year", names[c]);
    assert_mean(e + (size_t)c * ny * R, ny * R, lambda[c], what);
    assert_variance(e + (size_t)c * ny * R, ny * R, lambda[c], lambda[c], what);
  }
  /* cost of a year: tariff × 365 × cost index × E client-years, where
   * E client-years = N0 m (e^(−y/m) − e^(−(y+1)/m)) + λ m (1 − m (e^(−y/m) −
   * e^(−(y+1)/m))); M from mo_extra_from with the MO extra's share */
  double hist_mo = 0;
  for (int r = 0; r < d.nr; r++) hist_mo += d.r[r].hist_budget_mo_eur;
  for (int y = 0; y < ny; y++) {
    double yc[BW_NCARE], cy[BW_NCARE];
    for (int c = 0; c < BW_NCARE; c++) {
      yc[c] = p.tariff_eur_per_day[c] * 365.0 * pow(1 + p.cost_index, y);
      cy[c] = bw_oracle_id_years_stock(n0[c], m[c], y) + bw_oracle_id_years_entries(lambda[c], m[c], y);
    }
    if (p.first_year + y >= p.mo_extra_from) yc[BW_M] *= 1 + p.mo_extra_eur / hist_mo;
    snprintf(what, sizeof what, "counts: national I + A cost in %d", p.first_year + y);
    assert_mean(&X(BW_NCARE, y, 0), R, yc[BW_I] * cy[BW_I] + yc[BW_A] * cy[BW_A], what);
    snprintf(what, sizeof what, "counts: national M cost in %d", p.first_year + y);
    assert_mean(&X(BW_NCARE + 1, y, 0), R, yc[BW_M] * cy[BW_M], what);
  }
#undef X
  free(x);
  free(e);
  sim_close(&s);
  bw_data_free(&d);
}

/* The variance of a year's cost in the immigration–death model, exactly:
 * the count kernel moves clients between year boundaries exactly and adds
 * the spread of their timing within the year as one deviate per group with
 * the conditional variance (docs/counts.md), so by the law of total
 * variance the cost of a year must have the model's variance, not less.
 * With exponential stays, N0 clients on 1 Jan of the first year and Poisson
 * entries, the variance of the client-years T_y of year y is
 * bw_oracle_id_years_var (models/oracle.h: a client's time in the year, the
 * stock independent clients, the entrants a Poisson process).
 * Power: with R = 2000 (Release) the standard error of a sample variance
 * is about 3.2 % of it; a kernel built without the timing deviates
 * (-DBW_COUNTS_TIMING_NOISE=0) has a first-year I + A cost variance 27 %
 * too small and fails here with z = −8.6. The sample's excess kurtosis
 * enters the standard error. */
static double imm_death_var(double n0, double lambda, double m, int y) {
  return bw_oracle_id_years_var(n0, lambda, m, y);
}

Test(counts, immigration_death_cost_variance, .timeout = 300) {
#if defined(BW_ASAN)
  enum { R = 200 };
#elif defined(__OPTIMIZE__)
  enum { R = 2000 };
#else
  enum { R = 500 };
#endif
  bw_data d;
  load_data(&d);
  const double *lambda = ID_LAMBDA, *n0 = ID_N0, *m = ID_M;
  bw_params p;
  imm_death_params(&d, &p);
  sim s = sim_open(&p, &d);
  int ny = s.ny;
  double *x = malloc(sizeof(double) * 2 * (size_t)ny * R);
  cr_assert_not_null(x);
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    for (int y = 0; y < ny; y++) {
      double cbw = 0, cmo = 0;
      for (int g = 0; g < s.ng; g++) cbw += s.r->cost_bw[gy(s.r, g, y)], cmo += s.r->cost_mo[gy(s.r, g, y)];
      x[(size_t)y * R + r] = cbw;
      x[((size_t)ny + y) * R + r] = cmo;
    }
  }
  double hist_mo = 0;
  for (int r = 0; r < d.nr; r++) hist_mo += d.r[r].hist_budget_mo_eur;
  char what[96];
  for (int y = 0; y < ny; y++) {
    double yc[BW_NCARE];
    for (int c = 0; c < BW_NCARE; c++) yc[c] = p.tariff_eur_per_day[c] * 365.0 * pow(1 + p.cost_index, y);
    if (p.first_year + y >= p.mo_extra_from) yc[BW_M] *= 1 + p.mo_extra_eur / hist_mo;
    double v[2] = {yc[BW_I] * yc[BW_I] * imm_death_var(n0[BW_I], lambda[BW_I], m[BW_I], y) +
                       yc[BW_A] * yc[BW_A] * imm_death_var(n0[BW_A], lambda[BW_A], m[BW_A], y),
                   yc[BW_M] * yc[BW_M] * imm_death_var(n0[BW_M], lambda[BW_M], m[BW_M], y)};
    for (int k = 0; k < 2; k++) {
      const double *xs = x + ((size_t)k * ny + y) * R;
      double mu, var;
      mean_var(xs, R, &mu, &var);
      double kap = excess_kurtosis(xs, R, mu, var);
      snprintf(what, sizeof what, "counts: variance of the national %s cost in %d", k ? "M" : "I + A",
               p.first_year + y);
      assert_variance(xs, R, v[k], (kap > 0 ? kap : 0.0) * v[k] * v[k], what);
    }
  }
  free(x);
  sim_close(&s);
  bw_data_free(&d);
}

/* The phase-type law that stands for a Weibull stay has the Weibull's mean
 * and variance (a two-moment fit): exactly the exponential for k = 1, two
 * phases for k = 1.2, a hyperexponential below k = 1. */
Test(counts, phase_type_matches_two_moments) {
  const double shapes[] = {0.6, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0};
  const double mean = 2.5;
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
    double k = shapes[i], m1, m2, m3;
    int n = bw_counts_phase_type(mean, k, &m1, &m2, &m3);
    double g1 = gsl_sf_gamma(1 + 1 / k), scale = mean / g1;
    double w2 = scale * scale * gsl_sf_gamma(1 + 2 / k), w3 = scale * scale * scale * gsl_sf_gamma(1 + 3 / k);
    cr_log_info("shape %.1f: %d phases, E D³ %.4g vs Weibull %.4g (%.1f %%)", k, n, m3, w3, 100 * (m3 / w3 - 1));
    cr_assert(fabs(m1 / mean - 1) < 1e-12, "shape %g: mean %.17g", k, m1);
    cr_assert(fabs(m2 / w2 - 1) < 1e-12, "shape %g: second moment %.17g vs %.17g", k, m2, w2);
    if (k == 1.0) cr_assert_eq(n, 1, "the exponential is one phase");
    if (k == 1.2) cr_assert_eq(n, 2);
  }
}

/* ---- the lane samplers ------------------------------------------------------------ */

#if defined(BW_ASAN)
enum { N_DRAWS = 40000 };
#elif defined(__OPTIMIZE__)
enum { N_DRAWS = 400000 };
#else
enum { N_DRAWS = 100000 };
#endif

/* Pearson's chi-square of n draws x[] against the pmf: consecutive values
 * grouped from the left into bins of expected count at least 5 (a short
 * last bin joins the one before); *df its degrees of freedom. */
static double chisq_gof(const int32_t *x, int n, int kmax, double (*pmf)(int, const double *), const double *par,
                        int *df) {
  double *obs = calloc((size_t)kmax + 1, sizeof(double));
  cr_assert(obs);
  for (int i = 0; i < n; i++) {
    cr_assert(x[i] >= 0 && x[i] <= kmax, "draw %d out of the support: %d", i, (int)x[i]);
    obs[x[i]] += 1;
  }
  double chi = 0, o = 0, e = 0, po = 0, pe = 0; /* current bin; the last closed one */
  int bins = 0;
  for (int k = 0; k <= kmax; k++) {
    o += obs[k], e += n * pmf(k, par);
    if (e >= 5) {
      if (bins) chi += (po - pe) * (po - pe) / pe;
      po = o, pe = e, o = e = 0, bins++;
    }
  }
  po += o, pe += e; /* the rest joins the last bin */
  chi += (po - pe) * (po - pe) / pe;
  *df = bins - 1;
  free(obs);
  return chi;
}

static double pois_pmf(int k, const double *par) { return gsl_ran_poisson_pdf((unsigned)k, par[0]); }
static double binom_pmf(int k, const double *par) {
  return gsl_ran_binomial_pdf((unsigned)k, par[1], (unsigned)par[0]);
}

/* The Poisson and binomial draws of the count kernel's lanes (the
 * vectorised inversion below a mean of 18; PTRS and BTRS, with their
 * vectorised rounds, from 18 on; a destination with a probability above
 * 1/2 drawn as the complement) follow their laws: Pearson's chi-square
 * against the exact pmf at a family-wise level of 0.1 % (Bonferroni over
 * the cases), and the mean within 4 se. N_DRAWS draws per case (400,000 in
 * a Release build): a chi-square this size detects a sampler whose
 * probabilities are off by about 1 % of the sd's bin, e.g. a Poisson(60)
 * whose mean is off by 0.05 or whose variance is off by 1 %. */
Test(counts, lane_samplers_follow_their_laws, .timeout = 300) {
  bw_data d;
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  p.kernel = BW_KERNEL_COUNTS;
  sim s = sim_open(&p, &d);
  /* {pois, mean or trials, p} */
  static const double cases[][3] = {
      {1, 0.3, 0},   {1, 2.0, 0},    {1, 6.5, 0},   {1, 11.0, 0},   {1, 17.9, 0},    {1, 18.0, 0},
      {1, 25.0, 0},  {1, 60.0, 0},   {1, 400.0, 0}, {0, 5, 0.3},    {0, 40, 0.1},    {0, 59, 0.3},
      {0, 60, 0.3},  {0, 200, 0.2},  {0, 300, 0.63}, {0, 120, 0.97}, {0, 2000, 0.05}, {0, 90000, 0.4},
  };
  const int nc = (int)(sizeof cases / sizeof *cases);
  int32_t *x = malloc(sizeof(int32_t) * N_DRAWS);
  cr_assert_not_null(x);
  for (int i = 0; i < nc; i++) {
    int pois = (int)cases[i][0];
    double a = cases[i][1], pr = cases[i][2];
    cr_assert_eq(bw_counts_test_draws(s.m, pois, a, pr, 20261123u, (uint32_t)i, N_DRAWS, x), 0);
    double mean = pois ? a : a * pr, var = pois ? a : a * pr * (1 - pr);
    double sum = 0;
    for (int j = 0; j < N_DRAWS; j++) sum += x[j];
    double m = sum / N_DRAWS, se = sqrt(var / N_DRAWS);
    int kmax = pois ? (int)(a + 20 * sqrt(a) + 40) : (int)a;
    double par[2] = {a, pr};
    int df;
    double chi = chisq_gof(x, N_DRAWS, kmax, pois ? pois_pmf : binom_pmf, par, &df);
    double crit = gsl_cdf_chisq_Qinv(1e-3 / nc, df);
    char what[64];
    if (pois) snprintf(what, sizeof what, "Poisson(%g)", a);
    else snprintf(what, sizeof what, "Binomial(%g, %g)", a, pr);
    cr_log_info("%s: mean %.4f (exact %.4f, z %.2f), chi-square %.1f on %d df (critical %.1f)", what, m, mean,
                (m - mean) / se, chi, df, crit);
    cr_assert(fabs(m - mean) <= 4 * se, "%s: mean %.5f vs %.5f (se %.5f)", what, m, mean, se);
    cr_assert(chi <= crit, "%s: chi-square %.1f on %d df above %.1f", what, chi, df, crit);
  }
  free(x);
  sim_close(&s);
  bw_data_free(&d);
}
