/* Tests for the client-flow side of the model (models/flows.c, uncertainty.c,
 * model.c) against docs/model.md:
 *  1. Flows in reduced settings with closed-form answers:
 *     - immigration–death (§10.1): exponential stays, Poisson entries, no
 *       step-down, no Wlz: N(t) = Binomial(N0, e^(-t/m)) + Poisson(λm(1 -
 *       e^(-t/m))), mean and variance of clients_*_jan1; Poisson entry counts;
 *       the cost of §4 (tariff x days x cost index, MO extra) nationally and
 *       on the non-centrum gemeenten (need weights, supply attraction);
 *     - step-down I -> A (§3.4) and a separate mortality hazard (§3.3);
 *     - the need effect eps_g and negative-binomial counts (§3.2, §7);
 *     - where the stock and the new clients are placed and where they come
 *       from, per region (§3.1, §3.2), through who pays for them (§4);
 *     - the cost of a full-year stock, exactly; the outer draws' priors (§7).
 *  2. Calibration (§10.6) of the default run: 34,000 I + A clients on 1 Jan
 *     2021, the Wlz wave and transfers of 2021 and p·q_2021 against the
 *     model's own expectation (given each replication's outer draws) and
 *     against the documented ≈ 11,100 / 11,600 / €644 mln; macro balance of
 *     cost and budget in 2022.
 *  3. Keyed draws and common random numbers (§9): a replication is a pure
 *     function of (params, data, seed, rep); a budget-only scenario sees the
 *     same clients; a start-year scenario the same clients with other payers;
 *     the nested design shares outer draws.
 *  4. Payer rules (§4) and national institutions (§3.6).
 * Statistical checks use mean ± 4 se with a fixed seed; se from the sample
 * (means) or from the exact variance of a sample variance (variances).
 * Runtimes: a few seconds per test in a Debug build (small stocks and entry
 * rates where the property does not need the default sizes). */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_csv.h"
#include "model.h"
#include "model_fixture.h"
#include "oracle.h"

/* ---- helpers --------------------------------------------------------------- */

static double total_population(const bw_data *d) {
  double s = 0;
  for (int g = 0; g < d->ng; g++) s += d->g[g].population;
  return s;
}




static void assert_rel(double got, double want, double rel, const char *what) {
  double tol = rel * fmax(1.0, fabs(want));
  cr_assert(fabs(got - want) <= tol, "%s = %.17g, expected %.17g (tol %.3g)", what, got, want, tol);
}

/* need_g of docs/model.md §5: the need form, normalised to a population-weighted
 * mean of 1 (written here from the spec, not taken from the model). */
static void need_weights(const bw_params *p, const bw_data *d, double *need) {
  double sp = 0, sw = 0;
  for (int g = 0; g < d->ng; g++) {
    const bw_gemeente *x = &d->g[g];
    need[g] = p->need.constant + p->need.single_hh * x->pct_single_hh / 100.0 +
              p->need.nonwestern * x->pct_nonwestern / 100.0 + p->need.urbanity * (5.0 - x->urbanity) / 4.0;
    sp += x->population;
    sw += x->population * need[g];
  }
  for (int g = 0; g < d->ng; g++) need[g] *= sp / sw;
}

/* ---- 1. immigration–death (docs/model.md §10.1) ---------------------------------- */

/* Client-years in year index y of a queue with stock n0, entry rate lam and
 * exponential stays of mean m: ∫_y^{y+1} E N(t) dt, split into the stock's
 * and the entries' part (models/oracle.h). */
static double stock_years(double n0, double m, int y) { return bw_oracle_id_years_stock(n0, m, y); }
static double entry_years(double lam, double m, int y) { return bw_oracle_id_years_entries(lam, m, y); }

Test(flows, immigration_death) {
  enum { R = 300 };
  bw_data d;
  load_data(&d);
  const double lambda[BW_NCARE] = {150, 200, 400}; /* entries per year */
  const double n0[BW_NCARE] = {200, 1000, 100};    /* N0 != λm (450, 400, 400): the curves move */
  const double m[BW_NCARE] = {3.0, 2.0, 1.0};      /* mean stay (years) */
  double pop = total_population(&d);
  bw_params p;
  queue_params(&p, pop, lambda, n0, m);
  /* every entry new regime (paid by its herkomst gemeente), the stock old
   * regime (paid by the centrumgemeente): the cost of the non-centrum
   * gemeenten is the cost of their own new clients (docs/model.md §4) */
  p.start_year = p.first_year;
  sim s = sim_open(&p, &d);
  int ny = s.ny;
  enum { NX = BW_NCARE + 3 }; /* clients_*_jan1, cost_bw, cost_mo, non-centrum cost_bw */
  double *x = malloc(sizeof(double) * (size_t)NX * (size_t)ny * R);
  double *e = malloc(sizeof(double) * (size_t)BW_NCARE * (size_t)ny * R);
  cr_assert(x && e);
#define X(k, y, r) x[((size_t)(k)*ny + (y)) * R + (r)]
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    for (int y = 0; y < ny; y++) {
      for (int c = 0; c < BW_NCARE; c++) {
        X(c, y, r) = nat(s.r, BW_Q_CLIENTS_I_JAN1 + c, y);
        e[((size_t)c * ny + y) * R + r] = nat(s.r, BW_Q_ENTRIES_I + c, y);
      }
      double cbw = 0, cmo = 0, cnc = 0;
      for (int g = 0; g < s.ng; g++) {
        cbw += s.r->cost_bw[gy(s.r, g, y)];
        cmo += s.r->cost_mo[gy(s.r, g, y)];
        if (!d.g[g].is_centrumgemeente) cnc += s.r->cost_bw[gy(s.r, g, y)];
      }
      X(BW_NCARE, y, r) = cbw, X(BW_NCARE + 1, y, r) = cmo, X(BW_NCARE + 2, y, r) = cnc;
      cr_assert_eq(nat(s.r, BW_Q_WLZ_TRANSFERS, y), 0.0);
      cr_assert_eq(nat(s.r, BW_Q_WLZ_CLIENT_YEARS, y), 0.0);
      cr_assert_eq(nat(s.r, BW_Q_STEPDOWNS_IA, y), 0.0);
      cr_assert_eq(nat(s.r, BW_Q_ENTRIES_NATIONAL_INST, y), 0.0);
      cr_assert_eq(nat(s.r, BW_Q_COST_NATIONAL_INST_EUR, y), 0.0);
    }
  }
  static const char *const names[BW_NCARE] = {"I", "A", "M"};
  char what[96];
  for (int c = 0; c < BW_NCARE; c++) {
    /* the stock is data: N(0) = N0 in every replication */
    for (int r = 0; r < R; r++)
      cr_assert_eq(X(c, 0, r), n0[c], "clients_%s_jan1 in %d, rep %d", names[c], p.first_year, r);
    for (int y = 1; y < ny; y++) {
      /* Binomial(N0, e^(-y/m)) + Poisson(λm(1 - e^(-y/m))) */
      bw_oracle_law law = bw_oracle_id_count(n0[c], lambda[c], m[c], y);
      snprintf(what, sizeof what, "clients_%s_jan1 in %d", names[c], p.first_year + y);
      assert_mean(&X(c, y, 0), R, law.mean, what);
      assert_variance(&X(c, y, 0), R, law.var, law.k4, what);
    }
    /* entries: Poisson(λ) per year, independent years: pool all years */
    snprintf(what, sizeof what, "entries_%s per year", names[c]);
    assert_mean(e + (size_t)c * ny * R, ny * R, lambda[c], what);
    assert_variance(e + (size_t)c * ny * R, ny * R, lambda[c], lambda[c], what);
  }

  /* Cost (docs/model.md §4): client-years x tariff x 365, indexed by cost_index
   * (no outer draws: the central 2 %); from mo_extra_from the M tariff rises
   * by mo_extra / MO_2021 (§5). The non-centrum gemeenten pay for the new
   * entries of their inhabitants: a share (1 - a) Σ_{non-centrum} pop need /
   * Σ pop of the national entries (supply attraction a puts the rest on the
   * centrumgemeenten). */
  double hist_mo = 0, f_nc = 0;
  for (int r = 0; r < d.nr; r++) hist_mo += d.r[r].hist_budget_mo_eur;
  double *need = malloc(sizeof(double) * (size_t)d.ng);
  cr_assert_not_null(need);
  need_weights(&p, &d, need);
  for (int g = 0; g < d.ng; g++)
    if (!d.g[g].is_centrumgemeente) f_nc += d.g[g].population * need[g] / pop;
  f_nc *= 1 - p.supply_attraction;
  for (int y = 0; y < ny; y++) {
    double yc[BW_NCARE];
    for (int c = 0; c < BW_NCARE; c++) yc[c] = p.tariff_eur_per_day[c] * 365.0 * pow(1 + p.cost_index, y);
    if (p.first_year + y >= p.mo_extra_from) yc[BW_M] *= 1 + p.mo_extra_eur / hist_mo;
    double bw = 0, nc = 0;
    for (int c = BW_I; c <= BW_A; c++) {
      bw += yc[c] * (stock_years(n0[c], m[c], y) + entry_years(lambda[c], m[c], y));
      nc += yc[c] * f_nc * entry_years(lambda[c], m[c], y);
    }
    double mo = yc[BW_M] * (stock_years(n0[BW_M], m[BW_M], y) + entry_years(lambda[BW_M], m[BW_M], y));
    snprintf(what, sizeof what, "national I + A cost in %d", p.first_year + y);
    assert_mean(&X(BW_NCARE, y, 0), R, bw, what);
    snprintf(what, sizeof what, "national M cost in %d", p.first_year + y);
    assert_mean(&X(BW_NCARE + 1, y, 0), R, mo, what);
    snprintf(what, sizeof what, "non-centrum I + A cost in %d", p.first_year + y);
    assert_mean(&X(BW_NCARE + 2, y, 0), R, nc, what);
  }
#undef X
  free(need);
  free(x);
  free(e);
  sim_close(&s);
  bw_data_free(&d);
}

/* Step-down (docs/model.md §3.4) and a separate mortality hazard (§3.3): with
 * exponential stays, I clients end naturally at rate N_I(t)/m_I and a
 * fraction p_sd starts an A stay, so
 *   E stepdowns in year y = p_sd ∫_y^{y+1} r(s) ds,  r(s) = λ_I + (N0_I/m_I - λ_I) e^{-s/m_I},
 *   E N_A(t) = queue(N0_A, λ_A, m_A) + p_sd ∫_0^t r(s) e^{-(t-s)/m_A} ds.
 * An M stay with mortality μ is exponential with mean 1/(1/m + μ). */
Test(flows, step_down_and_mortality) {
  enum { R = 200 };
  bw_data d;
  load_data(&d);
  const double lambda[BW_NCARE] = {300, 100, 200}, n0[BW_NCARE] = {1500, 200, 300}, m[BW_NCARE] = {3, 2, 1};
  bw_params p;
  queue_params(&p, total_population(&d), lambda, n0, m);
  p.p_step_down = 0.4;
  p.mortality_rate[BW_M] = 0.5;
  double mM = 1 / (1 / m[BW_M] + p.mortality_rate[BW_M]);
  sim s = sim_open(&p, &d);
  int ny = s.ny;
  double *sd = malloc(sizeof(double) * (size_t)ny * R), *na = malloc(sizeof(double) * (size_t)ny * R),
         *nm = malloc(sizeof(double) * (size_t)ny * R);
  cr_assert(sd && na && nm);
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    for (int y = 0; y < ny; y++) {
      sd[(size_t)y * R + r] = nat(s.r, BW_Q_STEPDOWNS_IA, y);
      na[(size_t)y * R + r] = nat(s.r, BW_Q_CLIENTS_A_JAN1, y);
      nm[(size_t)y * R + r] = nat(s.r, BW_Q_CLIENTS_M_JAN1, y);
    }
  }
  double a = m[BW_A], b = m[BW_I], psd = p.p_step_down, lI = lambda[BW_I], c0 = n0[BW_I] / b - lI;
  char what[96];
  for (int y = 0; y < ny; y++) {
    double esd = psd * (lI + c0 * b * (exp(-y / b) - exp(-(y + 1) / b)));
    snprintf(what, sizeof what, "stepdowns_IA in %d", p.first_year + y);
    assert_mean(sd + (size_t)y * R, R, esd, what);
    if (y == 0) continue;
    double t = y;
    double direct = bw_oracle_id_count(n0[BW_A], lambda[BW_A], a, t).mean;
    double stepped = psd * (lI * a * (1 - exp(-t / a)) + c0 * (exp(-t / b) - exp(-t / a)) / (1 / a - 1 / b));
    snprintf(what, sizeof what, "clients_A_jan1 in %d (with step-downs)", p.first_year + y);
    assert_mean(na + (size_t)y * R, R, direct + stepped, what);
    double em = bw_oracle_id_count(n0[BW_M], lambda[BW_M], mM, t).mean;
    snprintf(what, sizeof what, "clients_M_jan1 in %d (with mortality)", p.first_year + y);
    assert_mean(nm + (size_t)y * R, R, em, what);
  }
  free(sd);
  free(na);
  free(nm);
  sim_close(&s);
  bw_data_free(&d);
}

/* The need effect eps_g (docs/model.md §3.2, §7): lognormal with mean 1 and σ,
 * drawn once per replication and gemeente. With the other outer draws
 * switched off, the national M count of replication r over all years is
 * Poisson given eps with mean ny λ Σ_g s_g eps_g, s_g = pop_g need_g / Σ pop,
 * so E = ny λ and Var = ny λ + (ny λ)² (e^{σ²} - 1) Σ_g s_g². */
Test(flows, need_effect) {
  enum { R = 200 };
  bw_data d;
  load_data(&d);
  double pop = total_population(&d);
  const double lambda[BW_NCARE] = {10, 10, 400}, n0[BW_NCARE] = {10, 10, 10}, m[BW_NCARE] = {1, 1, 1};
  bw_params p;
  queue_params(&p, pop, lambda, n0, m);
  p.uncertainty_enabled = 1;
  p.rate_sigma = p.duration_sigma = p.wlz_factor_sigma = p.cost_index_sd = 0.0;
  p.need_effect_sigma = 0.25;
  double *need = malloc(sizeof(double) * (size_t)d.ng);
  cr_assert_not_null(need);
  need_weights(&p, &d, need);
  double s2 = 0;
  for (int g = 0; g < d.ng; g++) s2 += pow(d.g[g].population * need[g] / pop, 2);
  sim s = sim_open(&p, &d);
  int ny = s.ny;
  double tot[R];
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    cr_assert_eq(s.r->rate_mult[BW_M], 1.0);
    cr_assert_eq(s.r->cost_index, p.cost_index);
    tot[r] = 0;
    for (int y = 0; y < ny; y++) tot[r] += nat(s.r, BW_Q_ENTRIES_M, y);
  }
  double mu = ny * lambda[BW_M], sig2 = p.need_effect_sigma * p.need_effect_sigma;
  double v = mu + mu * mu * (exp(sig2) - 1) * s2;
  assert_mean(tot, R, mu, "M entries 2021-2031 with need effects");
  /* se of the sample variance from the sample's fourth moment: the law of
   * Σ s_g eps_g has no simple closed k4 */
  double mean, var, m4 = 0;
  mean_var(tot, R, &mean, &var);
  for (int r = 0; r < R; r++) m4 += pow(tot[r] - mean, 4) / R;
  double se = sqrt((m4 - var * var * (R - 3.0) / (R - 1.0)) / R);
  cr_log_info("need effect: variance %.1f, expected %.1f (Poisson alone %.1f), se %.1f", var, v, mu, se);
  cr_assert(fabs(var - v) <= 4 * se, "M entries with need effects: variance %.1f, expected %.1f (se %.1f)",
            var, v, se);
  cr_assert(var - mu > 4 * se, "the need effect adds no variance: %.1f vs Poisson %.1f (se %.1f)", var, mu,
            se);
  free(need);
  sim_close(&s);
  bw_data_free(&d);
}

/* docs/model.md §3.2: counts are negative binomial (mean μ_g, dispersion k) per
 * gemeente, independent, so the national count of a year has variance
 * Σ_g (μ_g + μ_g²/k); for M (no supply attraction) μ_g = rate·pop_g/1000·need_g. */
Test(flows, negative_binomial_counts) {
  enum { R = 100 };
  bw_data d;
  load_data(&d);
  double pop = total_population(&d);
  const double lambda[BW_NCARE] = {20, 20, 400}, n0[BW_NCARE] = {10, 10, 10}, m[BW_NCARE] = {1, 1, 1};
  bw_params p;
  queue_params(&p, pop, lambda, n0, m);
  const double k = 2.0;
  p.dispersion[BW_M] = k;
  double *need = malloc(sizeof(double) * (size_t)d.ng);
  cr_assert_not_null(need);
  need_weights(&p, &d, need);
  double mu = 0, v = 0, k4 = 0;
  for (int g = 0; g < d.ng; g++) {
    double mg = p.rate_per_1000[BW_M] * d.g[g].population / 1000.0 * need[g];
    mu += mg;
    v += mg + mg * mg / k;
    /* fourth cumulant of a negative binomial with mean a, size k (p = k/(k+a)):
     * k4 = a (1 + a/k)(1 + 6 a/k + 6 a²/k²) */
    k4 += mg * (1 + mg / k) * (1 + 6 * mg / k + 6 * mg * mg / (k * k));
  }
  sim s = sim_open(&p, &d);
  int ny = s.ny;
  double *e = malloc(sizeof(double) * (size_t)ny * R);
  cr_assert_not_null(e);
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    for (int y = 0; y < ny; y++) e[(size_t)r * ny + y] = nat(s.r, BW_Q_ENTRIES_M, y);
  }
  assert_rel(mu, lambda[BW_M], 1e-9, "national mean of M entries");
  assert_mean(e, ny * R, mu, "entries_M per year, k = 2");
  assert_variance(e, ny * R, v, k4, "entries_M per year, k = 2");
  /* and the dispersion is visible: Var > Poisson's by many se */
  double mean, var;
  mean_var(e, ny * R, &mean, &var);
  cr_assert(var > mu * 1.2, "negative-binomial counts look Poisson: variance %.1f, mean %.1f", var, mu);
  free(e);
  free(need);
  sim_close(&s);
  bw_data_free(&d);
}

/* The stock (docs/model.md §3.1, §4): placement region ∝ historical budget (BW
 * for A, MO for M), paid by the centrumgemeente of that region while old
 * regime; herkomst within the placement region ∝ pop·need, a fraction
 * p_outside_region nationally ∝ pop·need. With no entries and
 * old_regime_max_years = 1 from S = 2021, 2021 shows the placement (the
 * centrumgemeente's cost) and 2022 the herkomst (re-indicated clients are
 * paid by it): the non-centrum gemeenten carry a share
 *   f = Σ_r P(r) [(1 - p_out) Σ_{g∈r, non-centrum} w_g / Σ_{g∈r} w_g + p_out Σ_{non-centrum} w_g / Σ w_g],
 * w_g = pop_g need_g, P(r) = hist_bw_r / Σ hist_bw; and the herkomst gemeenten
 * of region r carry a share (1 - p_out) P(r) + p_out W_r / W (W_r = Σ_{g∈r} w_g). */
Test(flows, stock_placement_and_herkomst) {
  enum { R = 200 };
  bw_data d;
  load_data(&d);
  double pop = total_population(&d);
  const double lambda[BW_NCARE] = {0, 0, 0}, n0[BW_NCARE] = {0, 3000, 3000}, m[BW_NCARE] = {1, 2, 1};
  bw_params p;
  queue_params(&p, pop, lambda, n0, m);
  p.start_year = p.first_year;
  p.old_regime_max_years = 1.0;
  int ng = d.ng, nr = d.nr;
  double *need = malloc(sizeof(double) * (size_t)ng), *eb = calloc((size_t)ng, sizeof(double)),
         *em = calloc((size_t)ng, sizeof(double));
  double *x = malloc(sizeof(double) * (size_t)(2 * ng + 1 + nr) * R);
  double *er = calloc((size_t)nr, sizeof(double));
  cr_assert(need && eb && em && x && er);
  need_weights(&p, &d, need);
  double sum_bw = 0, sum_mo = 0, w_all = 0, w_nc = 0;
  for (int r = 0; r < nr; r++) sum_bw += d.r[r].hist_budget_bw_eur, sum_mo += d.r[r].hist_budget_mo_eur;
  for (int g = 0; g < ng; g++) {
    double w = d.g[g].population * need[g];
    w_all += w;
    if (!d.g[g].is_centrumgemeente) w_nc += w;
  }
  /* client-years in 2021 (y = 0) and 2022 (y = 1) of an exponential stock */
  double cyA0 = n0[BW_A] * m[BW_A] * (1 - exp(-1 / m[BW_A]));
  double cyM0 = n0[BW_M] * m[BW_M] * (1 - exp(-1 / m[BW_M]));
  double cyA1 = n0[BW_A] * m[BW_A] * (exp(-1 / m[BW_A]) - exp(-2 / m[BW_A]));
  double yA0 = p.tariff_eur_per_day[BW_A] * 365.0, yM0 = p.tariff_eur_per_day[BW_M] * 365.0;
  double yA1 = yA0 * (1 + p.cost_index);
  double f = 0;
  for (int r = 0; r < nr; r++) {
    double wr = 0, wr_nc = 0;
    for (int g = 0; g < ng; g++)
      if (d.g[g].region == r) {
        wr += d.g[g].population * need[g];
        if (!d.g[g].is_centrumgemeente) wr_nc += d.g[g].population * need[g];
      }
    double pr = d.r[r].hist_budget_bw_eur / sum_bw;
    f += pr * ((1 - p.p_outside_region) * wr_nc / wr + p.p_outside_region * w_nc / w_all);
    /* herkomst region r: placed in r and drawn in the region, or drawn
     * nationally from anywhere */
    er[r] = yA1 * cyA1 * ((1 - p.p_outside_region) * pr + p.p_outside_region * wr / w_all);
    eb[d.r[r].centrum] += yA0 * cyA0 * pr;
    em[d.r[r].centrum] += yM0 * cyM0 * d.r[r].hist_budget_mo_eur / sum_mo;
  }
  sim s = sim_open(&p, &d);
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    double nc = 0;
    for (int g = 0; g < ng; g++) {
      x[(size_t)g * R + r] = s.r->cost_bw[gy(s.r, g, 0)];
      x[(size_t)(ng + g) * R + r] = s.r->cost_mo[gy(s.r, g, 0)];
      if (!d.g[g].is_centrumgemeente) {
        cr_assert_eq(s.r->cost_bw[gy(s.r, g, 0)], 0.0, "old-regime stock cost on non-centrum %s in 2021",
                     d.g[g].code);
        nc += s.r->cost_bw[gy(s.r, g, 1)];
      }
    }
    x[(size_t)(2 * ng) * R + r] = nc;
    for (int j = 0; j < nr; j++) x[(size_t)(2 * ng + 1 + j) * R + r] = 0;
    for (int g = 0; g < ng; g++)
      x[(size_t)(2 * ng + 1 + d.g[g].region) * R + r] += s.r->cost_bw[gy(s.r, g, 1)];
  }
  char what[128];
  for (int g = 0; g < ng; g++) {
    if (!d.g[g].is_centrumgemeente) continue;
    snprintf(what, sizeof what, "A stock cost of centrumgemeente %s in 2021 (placement ∝ hist BW)",
             d.g[g].code);
    assert_mean(x + (size_t)g * R, R, eb[g], what);
    snprintf(what, sizeof what, "M stock cost of centrumgemeente %s in 2021 (placement ∝ hist MO)",
             d.g[g].code);
    assert_mean(x + (size_t)(ng + g) * R, R, em[g], what);
  }
  assert_mean(x + (size_t)(2 * ng) * R, R, yA1 * cyA1 * f,
              "re-indicated A stock cost on non-centrum gemeenten, 2022");
  for (int r = 0; r < nr; r++) {
    snprintf(what, sizeof what, "re-indicated A stock cost with herkomst in region %s, 2022", d.r[r].code);
    assert_mean(x + (size_t)(2 * ng + 1 + r) * R, R, er[r], what);
  }
  free(er);
  free(x);
  free(em);
  free(eb);
  free(need);
  sim_close(&s);
  bw_data_free(&d);
}

/* New indications in space (docs/model.md §3.2): herkomst region r has a share
 *   h_r = (1 - a) W_r / W + a P(r)
 * of the national entries (W_r = Σ_{g∈r} pop_g need_g; supply attraction a
 * on the centrumgemeenten ∝ H_g = P(r) = hist_bw_r / Σ hist_bw); a client is
 * placed in its herkomst region, or with p_outside_region in another region
 * r ≠ r' ∝ hist_bw, so region r receives
 *   P_r = (1 - p_out) h_r + p_out Σ_{r'≠r} h_{r'} hist_r / (Σ hist - hist_{r'}).
 * Before S the centrumgemeente of the placement region pays (§4), from S the
 * herkomst gemeente: the 2021 cost per region against P_r (start 2031) and
 * against h_r (start 2021). */
Test(flows, entry_placement_and_herkomst) {
  enum { R = 100 };
  bw_data d;
  load_data(&d);
  double pop = total_population(&d);
  const double lambda[BW_NCARE] = {0, 2000, 0}, n0[BW_NCARE] = {0, 0, 0}, m[BW_NCARE] = {1, 2, 1};
  bw_params p;
  queue_params(&p, pop, lambda, n0, m);
  int ng = d.ng, nr = d.nr;
  double *need = malloc(sizeof(double) * (size_t)ng), *h = calloc((size_t)nr, sizeof(double)),
         *pl = calloc((size_t)nr, sizeof(double)), *x = malloc(sizeof(double) * (size_t)nr * R);
  cr_assert(need && h && pl && x);
  need_weights(&p, &d, need);
  double sum_bw = 0, w_all = 0, a = p.supply_attraction, po = p.p_outside_region;
  for (int r = 0; r < nr; r++) sum_bw += d.r[r].hist_budget_bw_eur;
  for (int g = 0; g < ng; g++) w_all += d.g[g].population * need[g];
  for (int g = 0; g < ng; g++) h[d.g[g].region] += (1 - a) * d.g[g].population * need[g] / w_all;
  for (int r = 0; r < nr; r++) h[r] += a * d.r[r].hist_budget_bw_eur / sum_bw;
  for (int r = 0; r < nr; r++) {
    pl[r] = (1 - po) * h[r];
    for (int s = 0; s < nr; s++)
      if (s != r) pl[r] += po * h[s] * d.r[r].hist_budget_bw_eur / (sum_bw - d.r[s].hist_budget_bw_eur);
  }
  /* EUR in 2021 of one year of A entries: client-years per entry x tariff */
  double per = entry_years(lambda[BW_A], m[BW_A], 0) * p.tariff_eur_per_day[BW_A] * 365.0;
  char what[128];
  for (int pass = 0; pass < 2; pass++) {
    p.start_year = pass == 0 ? 2031 : 2021;
    sim s = sim_open(&p, &d);
    for (int r = 0; r < R; r++) {
      sim_run(&s, (uint32_t)r);
      for (int j = 0; j < nr; j++) x[(size_t)j * R + r] = 0;
      for (int g = 0; g < ng; g++) {
        double c = s.r->cost_bw[gy(s.r, g, 0)];
        if (pass == 0) {
          if (!d.g[g].is_centrumgemeente)
            cr_assert_eq(c, 0.0, "old-regime entry paid by non-centrum %s", d.g[g].code);
          /* the centrum's own region (a centrum heads exactly one region here) */
          for (int j = 0; j < nr; j++)
            if (d.r[j].centrum == g) x[(size_t)j * R + r] += c;
        } else {
          x[(size_t)d.g[g].region * R + r] += c;
        }
      }
    }
    for (int j = 0; j < nr; j++) {
      snprintf(what, sizeof what, "%s 2021 A entry cost, region %s",
               pass == 0 ? "placement:" : "herkomst:", d.r[j].code);
      assert_mean(x + (size_t)j * R, R, per * (pass == 0 ? pl[j] : h[j]), what);
    }
    sim_close(&s);
  }
  free(x);
  free(pl);
  free(h);
  free(need);
  bw_data_free(&d);
}

/* Cost per client-day (docs/model.md §4, §5): a stock whose stays outlast the
 * horizon (mean 10^9 years) is in care every day, so the cost is known
 * exactly: N_c x tariff_c x 365 x (1 + cost_index)^y, the M tariff raised by
 * mo_extra / MO_2021 from mo_extra_from; cost_index is the replication's own
 * outer draw (reported in the result). */
Test(flows, cost_known_answer) {
  bw_data d;
  load_data(&d);
  const double lambda[BW_NCARE] = {0, 0, 0}, n0[BW_NCARE] = {100, 200, 300}, m[BW_NCARE] = {1e9, 1e9, 1e9};
  bw_params p;
  queue_params(&p, total_population(&d), lambda, n0, m);
  p.duration_shape[BW_I] = 1.2; /* the forward recurrence of a Weibull stay */
  p.uncertainty_enabled = 1;
  double hist_mo = 0;
  for (int r = 0; r < d.nr; r++) hist_mo += d.r[r].hist_budget_mo_eur;
  sim s = sim_open(&p, &d);
  for (uint32_t rep = 0; rep < 3; rep++) {
    sim_run(&s, rep);
    double ci = s.r->cost_index;
    cr_assert(ci != p.cost_index, "rep %u: no outer draw of the cost index", rep);
    for (int y = 0; y < s.ny; y++) {
      double f = 365.0 * pow(1 + ci, y);
      double bw = f * (n0[BW_I] * p.tariff_eur_per_day[BW_I] + n0[BW_A] * p.tariff_eur_per_day[BW_A]);
      double mo = f * n0[BW_M] * p.tariff_eur_per_day[BW_M];
      if (p.first_year + y >= p.mo_extra_from) mo *= 1 + p.mo_extra_eur / hist_mo;
      double cbw = 0, cmo = 0;
      for (int g = 0; g < s.ng; g++) cbw += s.r->cost_bw[gy(s.r, g, y)], cmo += s.r->cost_mo[gy(s.r, g, y)];
      assert_rel(cbw, bw, 1e-9, "I + A cost of a full-year stock");
      assert_rel(cmo, mo, 1e-9, "M cost of a full-year stock");
      assert_rel(nat(s.r, BW_Q_COST_EUR, y), bw + mo, 1e-9, "cost_eur of a full-year stock");
      for (int c = 0; c < BW_NCARE; c++)
        cr_assert_eq(nat(s.r, BW_Q_CLIENTS_I_JAN1 + c, y), n0[c],
                     "clients on 1 Jan, care type %d, year index %d", c, y);
    }
  }
  sim_close(&s);
  bw_data_free(&d);
}

/* The outer draws of docs/model.md §7, read from the results of many cheap
 * replications (no clients): log multipliers normal(0, σ), log f_wlz
 * normal(log median, σ_f), cost_index normal(central, sd); the eight draws
 * independent (|correlation| within 4/√R of 0). */
Test(flows, outer_draws_follow_the_priors) {
  enum { R = 1000, NV = 8 };
  bw_data d;
  load_data(&d);
  const double lambda[BW_NCARE] = {0, 0, 0}, n0[BW_NCARE] = {0, 0, 0}, m[BW_NCARE] = {1, 1, 1};
  bw_params p;
  queue_params(&p, total_population(&d), lambda, n0, m);
  p.uncertainty_enabled = 1;
  sim s = sim_open(&p, &d);
  double *v = malloc(sizeof(double) * NV * R);
  cr_assert_not_null(v);
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    for (int c = 0; c < BW_NCARE; c++) {
      v[c * R + r] = log(s.r->rate_mult[c]);
      v[(3 + c) * R + r] = log(s.r->duration_mult[c]);
    }
    v[6 * R + r] = log(s.r->wlz_factor);
    v[7 * R + r] = s.r->cost_index;
  }
  const double mu[NV] = {0, 0, 0, 0, 0, 0, log(p.wlz_realisation_factor), p.cost_index};
  const double sd[NV] = {p.rate_sigma,     p.rate_sigma,     p.rate_sigma,       p.duration_sigma,
                         p.duration_sigma, p.duration_sigma, p.wlz_factor_sigma, p.cost_index_sd};
  char what[64];
  for (int i = 0; i < NV; i++) {
    snprintf(what, sizeof what, "outer draw %d", i);
    assert_mean(v + (size_t)i * R, R, mu[i], what);
    /* normal: fourth cumulant 0 */
    assert_variance(v + (size_t)i * R, R, sd[i] * sd[i], 0.0, what);
  }
  for (int i = 0; i < NV; i++)
    for (int j = i + 1; j < NV; j++) {
      double mi, vi, mj, vj, cov = 0;
      mean_var(v + (size_t)i * R, R, &mi, &vi);
      mean_var(v + (size_t)j * R, R, &mj, &vj);
      for (int r = 0; r < R; r++) cov += (v[i * R + r] - mi) * (v[j * R + r] - mj) / (R - 1);
      double rho = cov / sqrt(vi * vj);
      cr_assert(fabs(rho) <= 4.0 / sqrt(R), "outer draws %d and %d correlated: %.3f", i, j, rho);
    }
  free(v);
  sim_close(&s);
  bw_data_free(&d);
}

/* ---- 2. calibration (docs/model.md §10.6) ------------------------------------------ */

/* Simpson's rule on [0, 1] with n (even) intervals. */
static double simpson01(double (*f)(double, const void *), const void *arg, int n) {
  double h = 1.0 / n, s = f(0.0, arg) + f(1.0, arg);
  for (int i = 1; i < n; i++) s += (i % 2 ? 4.0 : 2.0) * f(i * h, arg);
  return s * h / 3.0;
}

/* The Wlz in 2021 for an I client, docs/model.md §3.3–3.5: stay Weibull(k, scale)
 * (stock: its forward-recurrence residual), transfer hazard h, mortality mu,
 * Wlz exit rate x. */
typedef struct {
  double scale, k, h, mu, x;
  int which; /* 0: stock transfer, 1: stock Wlz years, 2: entry transfer, 3: entry Wlz years */
} wlz_arg;

/* E min(Exp(x), tau) and its integral over [0, tau] */
static double g_min(double tau, double x) { return x > 0 ? (1 - exp(-x * tau)) / x : tau; }
static double G_min(double tau, double x) { return x > 0 ? (tau - g_min(tau, x)) / x : 0.5 * tau * tau; }

static double wlz_integrand(double w, const void *v) {
  const wlz_arg *a = v;
  /* transfer density at lag w: h e^{-(h + mu) w} times the survival of the stay */
  double surv = a->which < 2 ? bw_oracle_residual_survival(w, a->k, a->scale) : exp(-pow(w / a->scale, a->k));
  double dens = a->h * exp(-(a->h + a->mu) * w) * surv;
  switch (a->which) {
    case 0:
      return dens; /* stock: W < min(R, 1) */
    case 1:
      return dens * g_min(1 - w, a->x); /* stock: Wlz years in [w, 1) */
    case 2:
      return dens * (1 - w); /* entry at s ~ U(0,1): s + W < 1 */
    default:
      return dens * G_min(1 - w, a->x);
  }
}

/* The four integrals of a replication with I-duration multiplier dmult:
 * [0] P(a non-wave stock client transfers in the first year),
 * [1] its expected Wlz client-years in that year,
 * [2] the same two for an entry at a uniform time in the first year. */
static void wlz_integrals(const bw_params *p, double dmult, double I[4]) {
  double k = p->duration_shape[BW_I];
  wlz_arg a = {bw_oracle_weibull_scale(p->duration_mean_years[BW_I] * dmult, k),
               k,
               p->wlz_hazard,
               p->mortality_rate[BW_I],
               p->wlz_exit_rate,
               0};
  for (int i = 0; i < 4; i++) {
    a.which = i;
    I[i] = simpson01(wlz_integrand, &a, 400);
  }
}

/* Expected Wlz transfers and client-years in the first year, given a
 * replication's outer draws (f_wlz, I duration and rate multipliers): the
 * wave is Binomial(stock_I, min(1, p_wave f)); the other stock clients and
 * the year's I entries (national institutions included: they transfer too)
 * transfer with hazard h, competing with the end of the stay. The national
 * entry rate is rate·Σpop/1000 in expectation over eps_g (mean 1, so the
 * per-replication eps only adds noise). */
typedef struct {
  double wave, transfers, years;
} wlz_expect;

static wlz_expect wlz_first_year(const bw_params *p, double pop, double f, double dmult, double rmult) {
  double I[4];
  wlz_integrals(p, dmult, I);
  double pw = fmin(1.0, p->wlz_p_wave * f);
  double n = p->stock[BW_I], lam = p->rate_per_1000[BW_I] * rmult * pop / 1000.0;
  wlz_expect e;
  e.wave = n * pw;
  e.transfers = n * pw + n * (1 - pw) * I[0] + lam * I[2];
  e.years = n * pw * g_min(1, p->wlz_exit_rate) + n * (1 - pw) * I[1] + lam * I[3];
  return e;
}

/* The same over the prior of docs/model.md §7: f_wlz lognormal with median
 * wlz_realisation_factor, duration and rate multipliers lognormal with
 * median 1, all independent. The expectation is linear in min(1, p_wave f),
 * in the duration integrals and in the rate multiplier, so it factorises
 * into one-dimensional expectations: midpoint rule on the quantiles. */
static wlz_expect wlz_first_year_prior(const bw_params *p, double pop) {
  enum { NF = 4000, ND = 64 };
  double epw = 0;
  for (int i = 0; i < NF; i++) {
    double z = gsl_cdf_ugaussian_Pinv((i + 0.5) / NF);
    epw += fmin(1.0, p->wlz_p_wave * p->wlz_realisation_factor * exp(p->wlz_factor_sigma * z)) / NF;
  }
  double EI[4] = {0, 0, 0, 0}, I[4];
  for (int i = 0; i < ND; i++) {
    wlz_integrals(p, exp(p->duration_sigma * gsl_cdf_ugaussian_Pinv((i + 0.5) / ND)), I);
    for (int j = 0; j < 4; j++) EI[j] += I[j] / ND;
  }
  double n = p->stock[BW_I];
  double lam = p->rate_per_1000[BW_I] * exp(0.5 * p->rate_sigma * p->rate_sigma) * pop / 1000.0;
  wlz_expect e;
  e.wave = n * epw;
  e.transfers = n * epw + n * (1 - epw) * EI[0] + lam * EI[2];
  e.years = n * epw * g_min(1, p->wlz_exit_rate) + n * (1 - epw) * EI[1] + lam * EI[3];
  return e;
}

Test(calibration, default_run) {
  enum { R = 20, RC = 6 };
  bw_data d;
  load_data(&d);
  double pop = total_population(&d);
  bw_params p;
  bw_params_defaults(&p);

  /* the historical budgets of the data: €1.55 bn BW and €385 mln MO (the
   * data's euro rounding: ±100 EUR) */
  double hist_bw = 0, hist_mo = 0;
  for (int r = 0; r < d.nr; r++) hist_bw += d.r[r].hist_budget_bw_eur, hist_mo += d.r[r].hist_budget_mo_eur;
  cr_assert(fabs(hist_bw - 1.55e9) <= 100, "Σ historical BW budget = %.2f EUR", hist_bw);
  cr_assert(fabs(hist_mo - 385e6) <= 100, "Σ historical MO budget = %.2f EUR", hist_mo);

  /* the documented targets as expectations over the prior (deterministic) */
  wlz_expect prior = wlz_first_year_prior(&p, pop);
  double price = p.wlz_uitname_eur / p.wlz_uitname_clients; /* p_2021 */
  cr_assert(fabs(prior.wave / 11100 - 1) < 0.05, "E wave transfers = %.0f, docs/model.md ≈ 11,100", prior.wave);
  cr_assert(fabs(prior.transfers / 11600 - 1) < 0.05, "E wlz_transfers 2021 = %.0f, docs/model.md ≈ 11,600",
            prior.transfers);
  cr_assert(fabs(price * prior.years / 644e6 - 1) < 0.05, "E p·q_2021 = %.4g EUR, docs/model.md ≈ 644 mln",
            price * prior.years);

  cr_log_info("prior: E wave %.1f, E transfers %.1f, E q %.1f, E p·q %.5g", prior.wave, prior.transfers,
              prior.years, price * prior.years);
  sim s = sim_open(&p, &d);
  double tr[R], dtr[R], qy[R], dqy[R], ratio[R];
  for (int r = 0; r < R; r++) {
    sim_run(&s, (uint32_t)r);
    const bw_rep_result *o = s.r;
    cr_assert_eq(nat(o, BW_Q_CLIENTS_I_JAN1, 0) + nat(o, BW_Q_CLIENTS_A_JAN1, 0), 34000.0,
                 "rep %d: I + A on 1 Jan 2021 = %.0f", r,
                 nat(o, BW_Q_CLIENTS_I_JAN1, 0) + nat(o, BW_Q_CLIENTS_A_JAN1, 0));
    cr_assert_eq(nat(o, BW_Q_CLIENTS_M_JAN1, 0), p.stock[BW_M]);
    wlz_expect e = wlz_first_year(&p, pop, o->wlz_factor, o->duration_mult[BW_I], o->rate_mult[BW_I]);
    tr[r] = nat(o, BW_Q_WLZ_TRANSFERS, 0);
    qy[r] = nat(o, BW_Q_WLZ_CLIENT_YEARS, 0);
    dtr[r] = tr[r] - e.transfers;
    dqy[r] = qy[r] - e.years;
    ratio[r] = nat(o, BW_Q_COST_EUR, 1) / nat(o, BW_Q_BUDGET_EUR, 1);
  }
  /* the kernel against its own expectation given the outer draws: the
   * residuals carry only the flow noise (binomial wave, hazard) */
  assert_mean(dtr, R, 0.0, "wlz_transfers 2021 - E[. | outer draws]");
  assert_mean(dqy, R, 0.0, "wlz_client_years 2021 - E[. | outer draws]");
  /* and over the prior: the outer draws follow docs/model.md §7 */
  assert_mean(tr, R, prior.transfers, "wlz_transfers 2021");
  assert_mean(qy, R, prior.years, "wlz_client_years 2021");

  /* Macro balance after the 2022 settlement (§10.6: "within a few percent").
   * In the default run the ratio varies with the outer draws (sd ≈ 6 %); its
   * mean must be consistent with |E ratio - 1| ≤ 3 %. */
  double mr, vr;
  mean_var(ratio, R, &mr, &vr);
  cr_log_info("cost/budget 2022, default run: %.4f ± %.4f", mr, sqrt(vr / R));
  cr_assert(fabs(mr - 1) <= 0.03 + 4 * sqrt(vr / R), "cost/budget 2022 = %.4f ± %.4f (default run)", mr,
            sqrt(vr / R));
  sim_close(&s);

  /* At the central parameters (no outer draws) only flow noise is left, so
   * the band itself can be asserted: mean ± 4 se inside 1 ± 3 %. */
  p.uncertainty_enabled = 0;
  s = sim_open(&p, &d);
  for (int r = 0; r < RC; r++) {
    sim_run(&s, (uint32_t)r);
    ratio[r] = nat(s.r, BW_Q_COST_EUR, 1) / nat(s.r, BW_Q_BUDGET_EUR, 1);
  }
  mean_var(ratio, RC, &mr, &vr);
  cr_log_info("cost/budget 2022, central parameters: %.4f ± %.4f", mr, sqrt(vr / RC));
  cr_assert(fabs(mr - 1) + 4 * sqrt(vr / RC) <= 0.03, "cost/budget 2022 = %.4f ± %.4f (central parameters)",
            mr, sqrt(vr / RC));
  sim_close(&s);
  bw_data_free(&d);
}

/* ---- 3. keyed draws, common random numbers (docs/model.md §9) ----------------------- */


static void assert_same(const bw_rep_result *a, const bw_rep_result *b, const char *what) {
  size_t n = (size_t)a->ng * (size_t)a->ny * sizeof(double);
  cr_assert_eq(a->ng, b->ng);
  cr_assert_eq(a->ny, b->ny);
  cr_assert(memcmp(a->cost_bw, b->cost_bw, n) == 0, "%s: cost_bw differs", what);
  cr_assert(memcmp(a->cost_mo, b->cost_mo, n) == 0, "%s: cost_mo differs", what);
  cr_assert(memcmp(a->budget_bw, b->budget_bw, n) == 0, "%s: budget_bw differs", what);
  cr_assert(memcmp(a->budget_mo, b->budget_mo, n) == 0, "%s: budget_mo differs", what);
  cr_assert(memcmp(a->shortfall_bw, b->shortfall_bw, n) == 0, "%s: shortfall_bw differs", what);
  cr_assert(memcmp(a->shortfall_mo, b->shortfall_mo, n) == 0, "%s: shortfall_mo differs", what);
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < a->ny; y++)
      cr_assert(memcmp(&a->national[q * a->ny + y], &b->national[q * b->ny + y], sizeof(double)) == 0,
                "%s: %s[%d] differs: %.17g vs %.17g", what, bw_quantity_name(q), y, nat(a, q, y),
                nat(b, q, y));
  cr_assert(memcmp(a->rate_mult, b->rate_mult, sizeof a->rate_mult) == 0, "%s: rate_mult differs", what);
  cr_assert(memcmp(a->duration_mult, b->duration_mult, sizeof a->duration_mult) == 0,
            "%s: duration_mult differs", what);
  cr_assert(memcmp(&a->wlz_factor, &b->wlz_factor, sizeof(double)) == 0, "%s: wlz_factor differs", what);
  cr_assert(memcmp(&a->cost_index, &b->cost_index, sizeof(double)) == 0, "%s: cost_index differs", what);
}

Test(crn, replication_is_a_pure_function_of_its_key) {
  bw_data d;
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  sim s = sim_open(&p, &d);
  const uint32_t rep = 7;
  sim_run(&s, rep);
  bw_rep_result *first = copy_result(s.m, s.r);
  /* again on the same workspace, right away */
  sim_run(&s, rep);
  assert_same(first, s.r, "same workspace, twice");
  /* after other replications (one with another stock draw order) */
  sim_run(&s, 0);
  bw_rep_result *other = copy_result(s.m, s.r);
  cr_assert(memcmp(other->cost_bw, first->cost_bw, (size_t)s.ng * s.ny * sizeof(double)) != 0,
            "replications 0 and 7 are identical: the replication is not in the key");
  sim_run(&s, 3);
  sim_run(&s, rep);
  assert_same(first, s.r, "same workspace, after replications 0 and 3");
  /* a fresh workspace on the same model, and a fresh model from the same params */
  bw_workspace *w2 = bw_workspace_create(s.m);
  bw_rep_result *r2 = bw_rep_result_create(s.m);
  cr_assert(w2 && r2);
  simulate(s.m, rep, w2, r2);
  assert_same(first, r2, "fresh workspace");
  sim t = sim_open(&p, &d);
  sim_run(&t, rep);
  assert_same(first, t.r, "fresh model");
  /* another seed gives another replication */
  bw_params p2 = p;
  p2.seed = p.seed + 1;
  sim u = sim_open(&p2, &d);
  sim_run(&u, rep);
  cr_assert(memcmp(u.r->cost_bw, first->cost_bw, (size_t)s.ng * s.ny * sizeof(double)) != 0,
            "another seed gives the same replication");
  sim_close(&u);
  sim_close(&t);
  bw_rep_result_free(r2);
  bw_workspace_free(w2);
  bw_rep_result_free(other);
  bw_rep_result_free(first);
  sim_close(&s);
  bw_data_free(&d);
}

/* Flow quantities: every national quantity that does not involve money on
 * the revenue side. */
static int is_flow_quantity(int q) {
  return q != BW_Q_WLZ_SETTLEMENT_EUR && q != BW_Q_BUDGET_EUR && q != BW_Q_SHORTFALL_EUR;
}

Test(crn, budget_only_scenario_sees_the_same_clients) {
  bw_data d;
  load_data(&d);
  bw_params a;
  bw_params_defaults(&a);
  /* only the revenue side changes: verdeelmodel weights (need weights stay),
   * L, budget index, pooling */
  bw_params b = a;
  b.verdeelmodel = (bw_weights){0.5, 0.3, 2.0, 0.0};
  b.national_institutions_eur = 20e6;
  b.budget_index = 0.03;
  b.pooling = BW_POOL_REGION;
  sim sa = sim_open(&a, &d), sb = sim_open(&b, &d);
  size_t n = (size_t)sa.ng * sa.ny * sizeof(double);
  for (uint32_t rep = 0; rep < 2; rep++) {
    sim_run(&sa, rep);
    sim_run(&sb, rep);
    cr_assert(memcmp(sa.r->cost_bw, sb.r->cost_bw, n) == 0, "rep %u: cost_bw differs", rep);
    cr_assert(memcmp(sa.r->cost_mo, sb.r->cost_mo, n) == 0, "rep %u: cost_mo differs", rep);
    for (int q = 0; q < BW_NQ; q++)
      if (is_flow_quantity(q))
        for (int y = 0; y < sa.ny; y++)
          cr_assert(nat(sa.r, q, y) == nat(sb.r, q, y), "rep %u: %s[%d] differs", rep, bw_quantity_name(q),
                    y);
    cr_assert(memcmp(sa.r->budget_bw, sb.r->budget_bw, n) != 0, "the budget scenario changed no budget");
  }
  sim_close(&sa);
  sim_close(&sb);
  bw_data_free(&d);
}

/* Another start year: the same clients (same counts, transfers, national
 * cost; the same total per year up to summation order), other payers. */
Test(crn, start_year_scenario_moves_payers_not_clients) {
  bw_data d;
  load_data(&d);
  bw_params a;
  bw_params_defaults(&a);
  bw_params b = a;
  b.start_year = 2026;
  sim sa = sim_open(&a, &d), sb = sim_open(&b, &d);
  const uint32_t rep = 2;
  sim_run(&sa, rep);
  sim_run(&sb, rep);
  int moved = 0;
  for (int y = 0; y < sa.ny; y++) {
    for (int q = 0; q < BW_NQ; q++)
      if (is_flow_quantity(q) && q != BW_Q_COST_EUR)
        cr_assert(nat(sa.r, q, y) == nat(sb.r, q, y), "%s[%d] differs", bw_quantity_name(q), y);
    assert_rel(nat(sb.r, BW_Q_COST_EUR, y), nat(sa.r, BW_Q_COST_EUR, y), 1e-12,
               "cost_eur, start 2026 vs 2022");
    for (int g = 0; g < sa.ng; g++)
      if (sa.r->cost_bw[gy(sa.r, g, y)] != sb.r->cost_bw[gy(sb.r, g, y)]) moved = 1;
  }
  cr_assert(moved, "another start year moved no cost between gemeenten");
  sim_close(&sa);
  sim_close(&sb);
  bw_data_free(&d);
}

/* Nested design (docs/model.md §7, outer_draws = K): replications r and r + K
 * share one parameter draw, r and r + 1 do not. */
Test(crn, nested_outer_draws) {
  bw_data d;
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  for (int c = 0; c < BW_NCARE; c++) p.stock[c] = 50, p.rate_per_1000[c] *= 0.01;
  p.outer_draws = 4;
  sim s = sim_open(&p, &d);
  sim_run(&s, 1);
  bw_rep_result *a = copy_result(s.m, s.r);
  sim_run(&s, 5);
  cr_assert(memcmp(a->rate_mult, s.r->rate_mult, sizeof a->rate_mult) == 0);
  cr_assert(memcmp(a->duration_mult, s.r->duration_mult, sizeof a->duration_mult) == 0);
  cr_assert_eq(a->wlz_factor, s.r->wlz_factor);
  cr_assert_eq(a->cost_index, s.r->cost_index);
  cr_assert(memcmp(a->cost_bw, s.r->cost_bw, (size_t)s.ng * s.ny * sizeof(double)) != 0,
            "replications 1 and 5 share their flows too, not only the outer draw");
  sim_run(&s, 2);
  cr_assert_neq(a->wlz_factor, s.r->wlz_factor);
  cr_assert_neq(a->rate_mult[BW_I], s.r->rate_mult[BW_I]);
  bw_rep_result_free(a);
  sim_close(&s);
  bw_data_free(&d);
}

/* ---- 4. payer rules (docs/model.md §4) and national institutions (§3.6) -------------- */

/* Σ over non-centrum gemeenten of x[g, y]. */
static double non_centrum_sum(const bw_data *d, const bw_rep_result *r, const double *x, int y) {
  double s = 0;
  for (int g = 0; g < d->ng; g++)
    if (!d->g[g].is_centrumgemeente) s += x[gy(r, g, y)];
  return s;
}

static void assert_non_centrum_zero(const bw_data *d, const bw_rep_result *r, const double *x, int y,
                                    const char *what) {
  for (int g = 0; g < d->ng; g++)
    if (!d->g[g].is_centrumgemeente)
      cr_assert_eq(x[gy(r, g, y)], 0.0, "%s: non-centrum %s pays %.2f EUR in year index %d", what,
                   d->g[g].code, x[gy(r, g, y)], y);
}

Test(payer, old_regime_is_paid_by_the_centrumgemeente) {
  bw_data d;
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  p.start_year = 2031;
  p.p_outside_region = 0.0;
  sim s = sim_open(&p, &d);
  int S = p.start_year - p.first_year;
  sim_run(&s, 0);
  for (int y = 0; y < s.ny; y++) {
    if (y < S) cr_assert_eq(bw_model_ingroei_weight(s.m, y), 0.0, "w > 0 before the start year");
    if (y < S) assert_non_centrum_zero(&d, s.r, s.r->cost_bw, y, "start 2031, I/A cost before 2031");
    assert_non_centrum_zero(&d, s.r, s.r->cost_mo, y, "M cost without decentralisation");
  }
  /* new-regime clients from 2031 on are paid by their herkomst gemeente */
  cr_assert(non_centrum_sum(&d, s.r, s.r->cost_bw, S) > 0, "no non-centrum cost in the start year 2031");
  sim_close(&s);

  p.start_year = 2022;
  s = sim_open(&p, &d);
  sim_run(&s, 0);
  assert_non_centrum_zero(&d, s.r, s.r->cost_bw, 0, "start 2022, I/A cost in 2021");
  for (int y = 1; y < s.ny; y++) {
    cr_assert(non_centrum_sum(&d, s.r, s.r->cost_bw, y) > 0, "start 2022: no non-centrum I/A cost in %d",
              p.first_year + y);
    assert_non_centrum_zero(&d, s.r, s.r->cost_mo, y, "M cost without decentralisation");
  }
  sim_close(&s);
  bw_data_free(&d);
}

Test(payer, mo_decentralisation) {
  bw_data d;
  load_data(&d);
  bw_params a;
  bw_params_defaults(&a);
  bw_params b = a;
  b.mo_decentralise_year = 2025;
  int Y = b.mo_decentralise_year - b.first_year;
  sim sa = sim_open(&a, &d), sb = sim_open(&b, &d);
  sim_run(&sa, 1);
  sim_run(&sb, 1);
  for (int y = 0; y < sb.ny; y++) {
    if (y < Y)
      assert_non_centrum_zero(&d, sb.r, sb.r->cost_mo, y, "M cost before mo_decentralise_year");
    else
      cr_assert(non_centrum_sum(&d, sb.r, sb.r->cost_mo, y) > 0, "no non-centrum M cost in %d",
                b.first_year + y);
    /* the same M clients: the national M cost is the same */
    double ta = 0, tb = 0;
    for (int g = 0; g < sa.ng; g++) ta += sa.r->cost_mo[gy(sa.r, g, y)], tb += sb.r->cost_mo[gy(sb.r, g, y)];
    assert_rel(tb, ta, 1e-12, "national M cost with and without decentralisation");
  }
  cr_assert(memcmp(sa.r->cost_bw, sb.r->cost_bw, (size_t)sa.ng * sa.ny * sizeof(double)) == 0,
            "MO decentralisation changed the BW cost");
  sim_close(&sa);
  sim_close(&sb);
  bw_data_free(&d);
}

/* National institutions: paid nationally, in no gemeente's cost. With the
 * share set to 0 the same clients are ordinary I clients (common random
 * numbers), so cost_eur rises by exactly the national cost and entries_I by
 * exactly entries_national_inst. */
Test(payer, national_institutions) {
  bw_data d;
  load_data(&d);
  bw_params a;
  bw_params_defaults(&a);
  bw_params b = a;
  b.national_institution_share = 0.0;
  sim sa = sim_open(&a, &d), sb = sim_open(&b, &d);
  sim_run(&sa, 4);
  sim_run(&sb, 4);
  double entries_nat = 0;
  for (int y = 0; y < sa.ny; y++) {
    double sum = 0;
    for (int g = 0; g < sa.ng; g++) sum += sa.r->cost_bw[gy(sa.r, g, y)] + sa.r->cost_mo[gy(sa.r, g, y)];
    assert_rel(sum, nat(sa.r, BW_Q_COST_EUR, y), 1e-12, "Σ_g cost = cost_eur");
    cr_assert(nat(sa.r, BW_Q_COST_NATIONAL_INST_EUR, y) > 0, "no national-institution cost in %d",
              a.first_year + y);
    entries_nat += nat(sa.r, BW_Q_ENTRIES_NATIONAL_INST, y);
    cr_assert_eq(nat(sb.r, BW_Q_COST_NATIONAL_INST_EUR, y), 0.0);
    cr_assert_eq(nat(sb.r, BW_Q_ENTRIES_NATIONAL_INST, y), 0.0);
    cr_assert_eq(nat(sb.r, BW_Q_ENTRIES_I, y),
                 nat(sa.r, BW_Q_ENTRIES_I, y) + nat(sa.r, BW_Q_ENTRIES_NATIONAL_INST, y), "entries_I in %d",
                 a.first_year + y);
    cr_assert_eq(nat(sb.r, BW_Q_WLZ_TRANSFERS, y), nat(sa.r, BW_Q_WLZ_TRANSFERS, y));
    cr_assert_eq(nat(sb.r, BW_Q_STEPDOWNS_IA, y), nat(sa.r, BW_Q_STEPDOWNS_IA, y));
    assert_rel(nat(sb.r, BW_Q_COST_EUR, y),
               nat(sa.r, BW_Q_COST_EUR, y) + nat(sa.r, BW_Q_COST_NATIONAL_INST_EUR, y), 1e-12,
               "cost_eur without national institutions = cost_eur + cost_national_inst_eur");
  }
  cr_assert(entries_nat > 0, "no national-institution entries");
  sim_close(&sa);
  sim_close(&sb);
  bw_data_free(&d);
}
