/* Tests for sim/summary.h + sim/summary.c (docs/model.md §8).
 *
 * A model is built by bw_model_create from bw_params_defaults() and a small
 * hand-made bw_data; the store is filled by hand, so every probability,
 * year and rank below follows from the design written next to it.
 *   1. The store: create, put, free; bad shapes rejected.
 *   2. Gemeente x year statistics and P(s_gt > theta) (strict, BW + MO,
 *      per inhabitant of the year's population); national statistics.
 *   3. Risk rows: reform years only, p_max_year (first year on ties),
 *      first_bottleneck_year, the flag rule >= p*, p_any_year, the
 *      cumulative shortfall, the ranking order and its tie-breaks.
 *   4. Byte-identical summary with 1 and 4 threads.
 *   5. What the exact path (bw_summary_create) adds for issue 4: the Wilson
 *      intervals and flag_stable, the first-exceedance counts, regions (sums
 *      over members), no streaming error (err_* = 0), no other-pooling flags
 *      (a store holds no costs and budgets: -1) and no variance split.
 */
#define _GNU_SOURCE /* nftw, mkdtemp, execvpe (test_util.h) */

#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "rng_purpose.h"
#include "status.h"
#include "summary.h"
#include "test_util.h"

/* The hand-made model of test_util.h with default params but the start year. */
static bw_model *make_model(int ng, const char *const *codes, const double *pop, int start_year) {
  bw_params p;
  bw_params_defaults(&p);
  p.start_year = start_year;
  return tu_hand_model(ng, codes, pop, &p);
}

#define AT(arr, s, r, g, y) ((arr)[((size_t)(r) * (size_t)(s)->ng + (size_t)(g)) * (size_t)(s)->ny + (size_t)(y)])

/* Set the shortfall of (r, g, y) to v euros per inhabitant of that year,
 * split 60 % BW / 40 % MO (neither part alone need exceed theta). */
static void set_per_inh(bw_store *s, const bw_model *m, int r, int g, int y, double v) {
  double pop = bw_model_population(m, g, y);
  AT(s->shortfall_bw, s, r, g, y) = 0.6 * v * pop;
  AT(s->shortfall_mo, s, r, g, y) = 0.4 * v * pop;
}

/* ---- 1. the store --------------------------------------------------------- */

Test(summary, store_put_copies_one_slot) {
  bw_model *m = make_model(3, NULL, NULL, 2022);
  int ny = bw_model_nyears(m);
  bw_store *s = bw_store_create(4, 3, ny);
  cr_assert_not_null(s);
  cr_assert(s->nrep == 4 && s->ng == 3 && s->ny == ny);
  bw_rep_result *r = bw_rep_result_create(m);
  cr_assert_not_null(r);
  for (int i = 0; i < 3 * ny; i++) {
    r->shortfall_bw[i] = 1000 + i;
    r->shortfall_mo[i] = -i;
  }
  for (int i = 0; i < BW_NQ * ny; i++) r->national[i] = 0.5 * i;
  bw_store_put(s, 2, r);
  for (int rep = 0; rep < 4; rep++)
    for (int g = 0; g < 3; g++)
      for (int y = 0; y < ny; y++) {
        double want_bw = rep == 2 ? 1000 + g * ny + y : 0, want_mo = rep == 2 ? -(g * ny + y) : 0;
        cr_assert_eq(AT(s->shortfall_bw, s, rep, g, y), want_bw);
        cr_assert_eq(AT(s->shortfall_mo, s, rep, g, y), want_mo);
      }
  for (int rep = 0; rep < 4; rep++)
    for (int q = 0; q < BW_NQ; q++)
      for (int y = 0; y < ny; y++)
        cr_assert_eq(s->national[((size_t)rep * BW_NQ + q) * ny + y], rep == 2 ? 0.5 * (q * ny + y) : 0);
  /* out of range: nothing written */
  bw_store_put(s, 4, r);
  bw_store_put(s, -1, r);
  bw_rep_result_free(r);
  bw_store_free(s);
  bw_model_free(m);

  cr_assert_null(bw_store_create(0, 3, 11));
  cr_assert_null(bw_store_create(5, 0, 11));
  cr_assert_null(bw_store_create(5, 3, -1));
  bw_store_free(NULL);
  bw_summary_free(NULL);
}

Test(summary, gvar_names) {
  cr_assert_str_eq(bw_gvar_name(BW_GV_SHORTFALL), "shortfall_eur");
  cr_assert_str_eq(bw_gvar_name(BW_GV_SHORTFALL_BW), "shortfall_bw_eur");
  cr_assert_str_eq(bw_gvar_name(BW_GV_SHORTFALL_MO), "shortfall_mo_eur");
  cr_assert_str_eq(bw_gvar_name(BW_GV_SHORTFALL_PER_INH), "shortfall_per_inhabitant_eur");
  cr_assert_str_eq(bw_gvar_unit(BW_GV_SHORTFALL_PER_INH), "EUR/inhabitant");
  cr_assert_str_eq(bw_gvar_unit(BW_GV_SHORTFALL), "EUR");
  cr_assert_not_null(bw_gvar_desc(BW_GV_SHORTFALL_MO));
  cr_assert_null(bw_gvar_name(BW_NGV));
  cr_assert_null(bw_gvar_name(-1));
}

Test(summary, store_must_match_model) {
  bw_model *m = make_model(3, NULL, NULL, 2022);
  int ny = bw_model_nyears(m);
  bw_store *s = bw_store_create(5, 4, ny); /* one gemeente too many */
  cr_assert_not_null(s);
  cr_assert_null(bw_summary_create(s, m));
  bw_store_free(s);
  s = bw_store_create(5, 3, ny - 1); /* one year short */
  cr_assert_not_null(s);
  cr_assert_null(bw_summary_create(s, m));
  bw_store_free(s);
  bw_model_free(m);
}

/* ---- 2 + 3. a hand-filled store ---------------------------------------------
 *
 * nrep = 10, years 2021..2031, S = 2022, theta = 15 EUR/inh, p* = 0.5.
 * Per inhabitant, every cell is -5 (a surplus) unless set otherwise; an
 * exceedance is +20 (12 BW + 8 MO: neither alone passes theta).
 *   g0 GM0300: 2024 reps 0-3, 2026 reps 4-9, 2027 reps 0-5 exceed:
 *              p = .4, .6, .6 -> max .6 first in 2026, bottleneck 2026,
 *              any-year 10/10, flagged.
 *   g1 GM0100: 2021 all reps (before S: must be ignored), 2023 reps 0-4:
 *              max .5 in 2023 (>= p*: flagged), bottleneck 2023, any 5/10.
 *   g2 GM0200: baseline +14 (below theta, a large cumulative shortfall),
 *              2030 reps 0-3, 2031 reps 6-9: max .4 in 2030 (first on ties),
 *              no bottleneck, not flagged, any 8/10.
 *   g3 GM0050: the same cells as g0 and the same population, so the same
 *              p_max and cum_mean: the code decides, GM0050 before GM0300.
 * Rank: g3, g0 (p .6; code), g1 (.5), g2 (.4, in spite of its larger
 * cumulative shortfall). Then g0 gets +10 in 2031 rep 0 (still below
 * theta): a larger cum_mean puts g0 before g3. */
static const char *const codes4[] = {"GM0300", "GM0100", "GM0200", "GM0050"};
static const double pop4[] = {40000, 25000, 90000, 40000};
enum { NREP = 10 };

static void fill_design(bw_store *s, const bw_model *m) {
  int ny = s->ny;
  for (int r = 0; r < NREP; r++)
    for (int g = 0; g < 4; g++)
      for (int y = 0; y < ny; y++) set_per_inh(s, m, r, g, y, g == 2 ? 14.0 : -5.0);
  for (int g = 0; g < 4; g += 3) { /* g0 and g3 */
    for (int r = 0; r <= 3; r++) set_per_inh(s, m, r, g, 2024 - 2021, 20);
    for (int r = 4; r <= 9; r++) set_per_inh(s, m, r, g, 2026 - 2021, 20);
    for (int r = 0; r <= 5; r++) set_per_inh(s, m, r, g, 2027 - 2021, 20);
  }
  for (int r = 0; r < NREP; r++) set_per_inh(s, m, r, 1, 0, 20);
  for (int r = 0; r <= 4; r++) set_per_inh(s, m, r, 1, 2023 - 2021, 20);
  for (int r = 0; r <= 3; r++) set_per_inh(s, m, r, 2, 2030 - 2021, 20);
  for (int r = 6; r <= 9; r++) set_per_inh(s, m, r, 2, 2031 - 2021, 20);
  for (int r = 0; r < NREP; r++)
    for (int q = 0; q < BW_NQ; q++)
      for (int y = 0; y < ny; y++) s->national[((size_t)r * BW_NQ + q) * ny + y] = 1000.0 * q + y + r;
}

/* number of exceeding reps in the design, for (g, year) */
static int design_count(int g, int year) {
  switch (g) {
  case 0:
  case 3: return year == 2024 ? 4 : year == 2026 ? 6 : year == 2027 ? 6 : 0;
  case 1: return year == 2021 ? 10 : year == 2023 ? 5 : 0;
  default: return year == 2030 || year == 2031 ? 4 : 0;
  }
}

/* Replications whose first reform year (>= S = 2022) with s_gt > theta is
 * `year` (0 = none), in the design:
 *   g0, g3: reps 0-3 first in 2024, reps 4-9 first in 2026;
 *   g1: 2021 is before S, so reps 0-4 first in 2023 and reps 5-9 never;
 *   g2: reps 0-3 in 2030, 6-9 in 2031, reps 4-5 never. */
static int design_first(int g, int year) {
  switch (g) {
  case 0:
  case 3: return year == 2024 ? 4 : year == 2026 ? 6 : 0;
  case 1: return year == 2023 ? 5 : year == 0 ? 5 : 0;
  default: return year == 2030 || year == 2031 ? 4 : year == 0 ? 2 : 0;
  }
}

/* Cumulative (S..2031) BW + MO shortfall of each replication, from the store. */
static void cum_of(const bw_store *s, int g, int y_first, double *cum) {
  for (int r = 0; r < s->nrep; r++) {
    cum[r] = 0;
    for (int y = y_first; y < s->ny; y++) cum[r] += AT(s->shortfall_bw, s, r, g, y) + AT(s->shortfall_mo, s, r, g, y);
  }
}

Test(summary, gemeente_year_and_national) {
  bw_model *m = make_model(4, codes4, pop4, 2022);
  int ny = bw_model_nyears(m);
  cr_assert_eq(ny, 11);
  bw_store *s = bw_store_create(NREP, 4, ny);
  cr_assert_not_null(s);
  fill_design(s, m);
  bw_summary *sum = bw_summary_create(s, m);
  cr_assert_not_null(sum);
  cr_assert(sum->nrep == NREP && sum->ng == 4 && sum->ny == ny);
  cr_assert(sum->first_year == 2021 && sum->start_year == 2022);
  cr_assert(sum->theta == 15.0 && sum->p_star == 0.5, "theta, p* from the defaults");

  for (int g = 0; g < 4; g++)
    for (int y = 0; y < ny; y++) {
      size_t slot = (size_t)g * ny + y;
      double p = design_count(g, 2021 + y) / (double)NREP;
      cr_assert_eq(sum->p_exceed[slot], p, "g %d %d: P = %g, want %g", g, 2021 + y, sum->p_exceed[slot], p);
      cr_assert(fabs(sum->p_exceed_se[slot] - sqrt(p * (1 - p) / NREP)) < 1e-15);
      /* means of the four variables, from the store */
      double mb = 0, mm = 0, mi = 0;
      for (int r = 0; r < NREP; r++) {
        double bw = AT(s->shortfall_bw, s, r, g, y), mo = AT(s->shortfall_mo, s, r, g, y);
        mb += bw;
        mm += mo;
        mi += (bw + mo) / bw_model_population(m, g, y);
      }
      mb /= NREP, mm /= NREP, mi /= NREP;
      double tol = 1e-9 * fabs(mb + mm) + 1e-9;
      cr_assert(fabs(sum->gy[BW_GV_SHORTFALL][slot].mean - (mb + mm)) <= tol);
      cr_assert(fabs(sum->gy[BW_GV_SHORTFALL_BW][slot].mean - mb) <= tol);
      cr_assert(fabs(sum->gy[BW_GV_SHORTFALL_MO][slot].mean - mm) <= tol);
      cr_assert(fabs(sum->gy[BW_GV_SHORTFALL_PER_INH][slot].mean - mi) <= 1e-9);
    }
  /* a cell with 4 of 10 at +20 and 6 at -5: q95 (type 7, h = 8.55) = 20,
   * q05 = -5, worst 5 % = ceil(.5) = 1 value = 20 */
  const bw_stat *c = &sum->gy[BW_GV_SHORTFALL_PER_INH][0 * ny + (2024 - 2021)];
  cr_assert(fabs(c->q95 - 20) < 1e-9 && fabs(c->q05 + 5) < 1e-9 && fabs(c->cvar95 - 20) < 1e-9);
  cr_assert(fabs(c->mean - (4 * 20 - 6 * 5) / 10.0) < 1e-9);

  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < ny; y++) {
      const bw_stat *n = &sum->national[(size_t)q * ny + y];
      double want = 1000.0 * q + y + (NREP - 1) / 2.0; /* mean of (1000q + y + r), r = 0..9 */
      cr_assert(fabs(n->mean - want) <= 1e-12 * want + 1e-12, "national q %d y %d", q, y);
      cr_assert(fabs(n->sd - sqrt(NREP * (NREP + 1) / 12.0)) < 1e-9, "sd of 10 consecutive values");
      cr_assert(n->err_q05 == 0 && n->err_q50 == 0 && n->err_q95 == 0 && n->err_cvar95 == 0,
                "exact: no streaming error");
    }
  cr_assert_eq(sum->exact, 1, "bw_summary_create is the exact path");
  cr_assert_eq(sum->pooling, BW_POOL_NONE);
  for (int v = 0; v < BW_NGV; v++)
    for (int i = 0; i < 4 * ny; i++) {
      const bw_stat *st = &sum->gy[v][i];
      cr_assert(st->err_q05 == 0 && st->err_q50 == 0 && st->err_q95 == 0 && st->err_cvar95 == 0,
                "%s[%d]: exact, no streaming error", bw_gvar_name(v), i);
    }
  /* the Wilson 95 % interval of every P(s_gt > theta), written out here */
  for (int g = 0; g < 4; g++)
    for (int y = 0; y < ny; y++) {
      size_t slot = (size_t)g * ny + y;
      double lo, hi;
      tu_wilson95(design_count(g, 2021 + y), NREP, &lo, &hi);
      cr_assert(fabs(sum->p_exceed_lo[slot] - lo) <= 1e-15 && fabs(sum->p_exceed_hi[slot] - hi) <= 1e-15,
                "g %d %d: [%.17g, %.17g], want [%.17g, %.17g]", g, 2021 + y, sum->p_exceed_lo[slot],
                sum->p_exceed_hi[slot], lo, hi);
      cr_assert(sum->p_exceed_lo[slot] <= sum->p_exceed[slot] && sum->p_exceed[slot] <= sum->p_exceed_hi[slot]);
    }
  bw_summary_free(sum);
  bw_store_free(s);
  bw_model_free(m);
}

Test(summary, risk_rows_and_rank) {
  bw_model *m = make_model(4, codes4, pop4, 2022);
  int ny = bw_model_nyears(m);
  bw_store *s = bw_store_create(NREP, 4, ny);
  cr_assert_not_null(s);
  fill_design(s, m);
  bw_summary *sum = bw_summary_create(s, m);
  cr_assert_not_null(sum);

  const int order[4] = {3, 0, 1, 2};
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(sum->risk[i].rank, i + 1);
    cr_assert_eq(sum->risk[i].g, order[i], "rank %d: gemeente %d, want %d", i + 1, sum->risk[i].g, order[i]);
  }
  cr_assert_eq(sum->n_flagged, 3);

  /* the interval of the max-year probability, its stability, and what the
   * exact path cannot know: the flags under the other pooling setting */
  int unstable = 0;
  for (int g = 0; g < 4; g++) {
    const bw_risk_row *r = tu_risk_row(sum, g);
    int k = (int)lround(r->p_max_year * NREP);
    double lo, hi;
    tu_wilson95(k, NREP, &lo, &hi);
    cr_assert(fabs(r->p_lo - lo) <= 1e-15 && fabs(r->p_hi - hi) <= 1e-15, "g %d: interval", g);
    cr_assert_eq(r->flag_stable, lo > 0.5 || hi < 0.5, "g %d: stable iff the interval misses p*", g);
    unstable += !r->flag_stable;
    cr_assert_eq(r->flagged_other, -1, "g %d: no other-pooling flag from a store", g);
    cr_assert(r->cum_q95_err == 0 && r->cum_cvar95_err == 0, "g %d: exact cumulative statistics", g);
    /* first exceedance years, as designed; they sum to nrep */
    const long long *fe = sum->first_exceed + (size_t)g * (sum->ny + 1);
    long long total = 0;
    for (int y = 0; y < sum->ny; y++) {
      cr_assert_eq(fe[y], design_first(g, 2021 + y), "g %d: first exceedance in %d", g, 2021 + y);
      total += fe[y];
    }
    cr_assert_eq(fe[sum->ny], design_first(g, 0), "g %d: never", g);
    cr_assert_eq(total + fe[sum->ny], NREP);
  }
  /* with 10 replications, p = .6, .5 and .4 all straddle p* = .5 */
  cr_assert_eq(unstable, 4);
  cr_assert_eq(sum->n_unstable, unstable);
  cr_assert_eq(sum->n_flagged_other, -1, "unknown other-pooling flags: -1");
  cr_assert(sum->split_k == 0 && sum->param_share == NULL && sum->param_share_year == NULL,
            "no outer draws, no variance split");

  const bw_risk_row *r0 = tu_risk_row(sum, 0), *r1 = tu_risk_row(sum, 1), *r2 = tu_risk_row(sum, 2), *r3 = tu_risk_row(sum, 3);
  cr_assert_eq(r0->p_max_year, 0.6);
  cr_assert_eq(r0->p_max_year_at, 2026, "first of the tied years 2026, 2027");
  cr_assert(fabs(r0->p_se - sqrt(0.6 * 0.4 / NREP)) < 1e-15);
  cr_assert_eq(r0->first_bottleneck_year, 2026);
  cr_assert_eq(r0->p_any_year, 1.0);
  cr_assert(r0->flagged);

  cr_assert_eq(r1->p_max_year, 0.5, "2021 lies before S and does not count");
  cr_assert_eq(r1->p_max_year_at, 2023);
  cr_assert_eq(r1->first_bottleneck_year, 2023);
  cr_assert_eq(r1->p_any_year, 0.5);
  cr_assert(r1->flagged, "p = p* flags (>=)");

  cr_assert_eq(r2->p_max_year, 0.4);
  cr_assert_eq(r2->p_max_year_at, 2030);
  cr_assert_eq(r2->first_bottleneck_year, 0);
  cr_assert_eq(r2->p_any_year, 0.8);
  cr_assert(!r2->flagged);

  cr_assert_eq(r3->p_max_year, r0->p_max_year);
  cr_assert_eq(r3->cum_mean, r0->cum_mean, "same cells, same population: a tie on cum_mean");

  /* cumulative shortfall over 2022..2031, from the store */
  double cum[NREP];
  for (int g = 0; g < 4; g++) {
    cum_of(s, g, 1, cum);
    double mean = 0;
    for (int r = 0; r < NREP; r++) mean += cum[r];
    mean /= NREP;
    const bw_risk_row *row = tu_risk_row(sum, g);
    cr_assert(fabs(row->cum_mean - mean) <= 1e-9 * fabs(mean), "g %d cum_mean %.17g want %.17g", g,
              row->cum_mean, mean);
    bw_stat cs;
    bw_stat_compute(cum, NREP, &cs);
    cr_assert_eq(row->cum_q95, cs.q95);
    cr_assert_eq(row->cum_cvar95, cs.cvar95);
    cr_assert_eq(row->cum_se_mean, cs.se_mean, "g %d: se of the cumulative mean", g);
    cr_assert_eq(row->cum_se_q95, cs.se_q95, "g %d: se of the cumulative q95", g);
    cr_assert_eq(row->cum_se_cvar95, cs.se_cvar95, "g %d: se of the cumulative cvar95", g);
    /* CVaR95 of 10 values is the largest one */
    double mx = -INFINITY;
    cum_of(s, g, 1, cum);
    for (int r = 0; r < NREP; r++) mx = fmax(mx, cum[r]);
    cr_assert(fabs(row->cum_cvar95 - mx) <= 1e-9 * fabs(mx));
  }
  cr_assert(tu_risk_row(sum, 2)->cum_mean > tu_risk_row(sum, 0)->cum_mean, "design: g2 has the largest cum");
  bw_summary_free(sum);

  /* break the cum_mean tie: g0 +10 EUR/inh in 2031 rep 0 (below theta) */
  set_per_inh(s, m, 0, 0, 2031 - 2021, 10);
  sum = bw_summary_create(s, m);
  cr_assert_not_null(sum);
  const int order2[4] = {0, 3, 1, 2};
  for (int i = 0; i < 4; i++) cr_assert_eq(sum->risk[i].g, order2[i], "after the change, rank %d", i + 1);
  cr_assert_eq(tu_risk_row(sum, 0)->p_max_year, 0.6, "the change stays below theta");
  bw_summary_free(sum);
  bw_store_free(s);
  bw_model_free(m);
}

/* A later start year: the years before S drop out of every risk figure. */
Test(summary, start_year_bounds_the_reform_years) {
  bw_model *m = make_model(4, codes4, pop4, 2027);
  int ny = bw_model_nyears(m);
  bw_store *s = bw_store_create(NREP, 4, ny);
  cr_assert_not_null(s);
  fill_design(s, m);
  bw_summary *sum = bw_summary_create(s, m);
  cr_assert_not_null(sum);
  cr_assert_eq(sum->start_year, 2027);
  const bw_risk_row *r0 = tu_risk_row(sum, 0), *r1 = tu_risk_row(sum, 1);
  /* g0: 2024 and 2026 are before S; 2027 (reps 0-5) remains */
  cr_assert_eq(r0->p_max_year, 0.6);
  cr_assert_eq(r0->p_max_year_at, 2027);
  cr_assert_eq(r0->first_bottleneck_year, 2027);
  cr_assert_eq(r0->p_any_year, 0.6);
  /* g1: nothing after 2027 exceeds */
  cr_assert_eq(r1->p_max_year, 0.0);
  cr_assert_eq(r1->p_max_year_at, 2027, "all years tie at 0: the first");
  cr_assert_eq(r1->first_bottleneck_year, 0);
  cr_assert_eq(r1->p_any_year, 0.0);
  cr_assert(!r1->flagged);
  double cum[NREP];
  cum_of(s, 0, 2027 - 2021, cum);
  double mean = 0;
  for (int r = 0; r < NREP; r++) mean += cum[r];
  mean /= NREP;
  cr_assert(fabs(r0->cum_mean - mean) <= 1e-9 * fabs(mean));
  cr_assert_eq(sum->n_flagged, 2, "g0 and g3");
  /* first exceedance counts start at S: g0's 2024 and 2026 do not count */
  const long long *fe0 = sum->first_exceed, *fe1 = sum->first_exceed + (ny + 1);
  cr_assert(fe0[2024 - 2021] == 0 && fe0[2026 - 2021] == 0 && fe0[2027 - 2021] == 6 && fe0[ny] == 4,
            "g0 with S = 2027");
  cr_assert(fe1[2021 - 2021] == 0 && fe1[2023 - 2021] == 0 && fe1[ny] == NREP, "g1 with S = 2027");
  bw_summary_free(sum);
  bw_store_free(s);
  bw_model_free(m);
}

/* s_gt exactly equal to theta is not an exceedance, in P(s_gt > theta) and
 * in P(any year) alike. */
Test(summary, exceedance_is_strict) {
  bw_model *m = make_model(4, codes4, pop4, 2022);
  int ny = bw_model_nyears(m);
  bw_store *s = bw_store_create(NREP, 4, ny);
  cr_assert_not_null(s);
  fill_design(s, m);
  /* g1, 2028, every rep: BW shortfall with (bw + 0) / pop == 15 exactly */
  int y = 2028 - 2021;
  double pop = bw_model_population(m, 1, y), bw = 15.0 * pop;
  while ((bw + 0.0) / pop > 15.0) bw = nextafter(bw, -INFINITY);
  while ((bw + 0.0) / pop < 15.0) bw = nextafter(bw, INFINITY);
  cr_assert_eq((bw + 0.0) / pop, 15.0);
  for (int r = 0; r < NREP; r++) {
    AT(s->shortfall_bw, s, r, 1, y) = bw;
    AT(s->shortfall_mo, s, r, 1, y) = 0.0;
  }
  bw_summary *sum = bw_summary_create(s, m);
  cr_assert_not_null(sum);
  cr_assert_eq(sum->p_exceed[1 * ny + y], 0.0);
  cr_assert_eq(tu_risk_row(sum, 1)->p_any_year, 0.5, "unchanged: 2023 reps 0-4 only");
  bw_summary_free(sum);
  bw_store_free(s);
  bw_model_free(m);
}

/* ---- 5. regions ------------------------------------------------------------ */

/* Regions g % 2: region 0 = {g0 GM0300, g2 GM0200}, region 1 = {g1 GM0100,
 * g3 GM0050}. The region's shortfall is the sum over its members in each
 * replication; its P(> theta) is per inhabitant of the region (the members'
 * population in that year). */
Test(summary, regions_sum_their_members) {
  bw_model *m = make_model(4, codes4, pop4, 2022);
  int ny = bw_model_nyears(m);
  bw_store *s = bw_store_create(NREP, 4, ny);
  cr_assert_not_null(s);
  fill_design(s, m);
  bw_summary *sum = bw_summary_create(s, m);
  cr_assert_not_null(sum);
  cr_assert_eq(sum->nr, 2);
  for (int r = 0; r < 2; r++) {
    double pmax = 0;
    for (int y = 0; y < ny; y++) {
      double x[NREP], pop = bw_model_population(m, r, y) + bw_model_population(m, r + 2, y);
      int over = 0;
      for (int k = 0; k < NREP; k++) {
        x[k] = 0;
        for (int g = r; g < 4; g += 2) x[k] += AT(s->shortfall_bw, s, k, g, y) + AT(s->shortfall_mo, s, k, g, y);
        over += x[k] / pop > 15.0;
      }
      bw_stat e;
      bw_stat_compute(x, NREP, &e);
      const bw_stat *got = &sum->region[(size_t)r * ny + y];
      double tol = 1e-12 * (fabs(e.mean) + e.sd * 3) + 1e-9;
      cr_assert(fabs(got->mean - e.mean) <= tol && fabs(got->q95 - e.q95) <= tol &&
                    fabs(got->cvar95 - e.cvar95) <= tol && fabs(got->sd - e.sd) <= tol,
                "region %d %d: statistics of the member sums", r, 2021 + y);
      cr_assert(got->err_q95 == 0, "exact");
      double p = sum->region_p_exceed[(size_t)r * ny + y];
      cr_assert_eq(p, over / (double)NREP, "region %d %d: P = %g, want %d/10", r, 2021 + y, p, over);
      cr_assert(fabs(sum->region_p_exceed_se[(size_t)r * ny + y] - sqrt(p * (1 - p) / NREP)) < 1e-15);
      if (y >= 1 && p > pmax) pmax = p;
    }
    const bw_region_row *row = &sum->region_risk[r];
    cr_assert_eq(row->members, 2);
    cr_assert_eq(row->p_max_year, pmax, "region %d: max over the reform years", r);
    cr_assert_eq(row->flagged, pmax >= 0.5);
    cr_assert_eq(row->flag_stable, row->p_lo > 0.5 || row->p_hi < 0.5);
    /* pooling none: the own flags count as "without pooling"; the pooled
     * ones are unknown from a store */
    int own = tu_risk_row(sum, r)->flagged + tu_risk_row(sum, r + 2)->flagged;
    cr_assert_eq(row->members_flagged_none, own, "region %d: members flagged", r);
    cr_assert_eq(row->members_flagged_region, -1, "region %d: pooled flags unknown", r);
  }
  bw_summary_free(sum);
  bw_store_free(s);
  bw_model_free(m);
}

/* ---- 4. thread count ------------------------------------------------------ */

static bw_summary *summary_with_threads(const bw_store *s, const bw_model *m, int nt) {
  omp_set_num_threads(nt);
  bw_summary *sum = bw_summary_create(s, m);
  cr_assert_not_null(sum);
  return sum;
}

Test(summary, byte_identical_for_1_and_4_threads) {
  enum { NG = 13, R = 300 };
  bw_model *m = make_model(NG, NULL, NULL, 2022);
  int ny = bw_model_nyears(m);
  bw_store *s = bw_store_create(R, NG, ny);
  cr_assert_not_null(s);
  gsl_rng *rng = gsl_rng_alloc(bw_rng_philox);
  cr_assert_not_null(rng);
  bw_rng_gsl_reset(rng, bw_rng_make(99, 0, BW_RNG_TEST, 0, 0, 0));
  /* per-inhabitant shortfalls around theta, a gemeente-specific level */
  for (int r = 0; r < R; r++)
    for (int g = 0; g < NG; g++)
      for (int y = 0; y < ny; y++) {
        double pop = bw_model_population(m, g, y);
        AT(s->shortfall_bw, s, r, g, y) = (8.0 + g + gsl_ran_gaussian(rng, 10.0)) * pop;
        AT(s->shortfall_mo, s, r, g, y) = gsl_ran_gaussian(rng, 3.0) * pop;
      }
  for (size_t i = 0; i < (size_t)R * BW_NQ * ny; i++) s->national[i] = gsl_ran_gaussian(rng, 1e6);
  gsl_rng_free(rng);

  int saved = omp_get_max_threads();
  bw_summary *a = summary_with_threads(s, m, 1);
  bw_summary *b = summary_with_threads(s, m, 4);
  omp_set_num_threads(saved);

  size_t ngy = (size_t)NG * ny;
  for (int v = 0; v < BW_NGV; v++)
    cr_assert(memcmp(a->gy[v], b->gy[v], ngy * sizeof(bw_stat)) == 0, "variable %s", bw_gvar_name(v));
  cr_assert(memcmp(a->p_exceed, b->p_exceed, ngy * sizeof(double)) == 0);
  cr_assert(memcmp(a->p_exceed_se, b->p_exceed_se, ngy * sizeof(double)) == 0);
  cr_assert(memcmp(a->national, b->national, (size_t)BW_NQ * ny * sizeof(bw_stat)) == 0);
  cr_assert(memcmp(a->p_exceed_lo, b->p_exceed_lo, ngy * sizeof(double)) == 0);
  cr_assert(memcmp(a->p_exceed_hi, b->p_exceed_hi, ngy * sizeof(double)) == 0);
  cr_assert(memcmp(a->first_exceed, b->first_exceed, (size_t)NG * (ny + 1) * sizeof(long long)) == 0);
  cr_assert(memcmp(a->region, b->region, (size_t)a->nr * ny * sizeof(bw_stat)) == 0);
  cr_assert(memcmp(a->region_p_exceed, b->region_p_exceed, (size_t)a->nr * ny * sizeof(double)) == 0);
  cr_assert(memcmp(a->region_p_exceed_se, b->region_p_exceed_se, (size_t)a->nr * ny * sizeof(double)) == 0);
  for (int r = 0; r < a->nr; r++)
    cr_assert(a->region_risk[r].p_max_year == b->region_risk[r].p_max_year &&
                  a->region_risk[r].flagged == b->region_risk[r].flagged &&
                  a->region_risk[r].members_flagged_none == b->region_risk[r].members_flagged_none,
              "region row %d", r);
  cr_assert(a->n_flagged == b->n_flagged && a->n_unstable == b->n_unstable);
  int some_flagged = 0;
  for (int i = 0; i < NG; i++) {
    const bw_risk_row *x = &a->risk[i], *y = &b->risk[i];
    cr_assert(x->g == y->g && x->rank == y->rank && x->p_max_year_at == y->p_max_year_at &&
                  x->first_bottleneck_year == y->first_bottleneck_year && x->flagged == y->flagged,
              "risk row %d", i);
    cr_assert(memcmp(&x->p_max_year, &y->p_max_year, sizeof(double)) == 0 &&
                  memcmp(&x->p_se, &y->p_se, sizeof(double)) == 0 &&
                  memcmp(&x->p_any_year, &y->p_any_year, sizeof(double)) == 0 &&
                  memcmp(&x->cum_mean, &y->cum_mean, sizeof(double)) == 0 &&
                  memcmp(&x->cum_q95, &y->cum_q95, sizeof(double)) == 0 &&
                  memcmp(&x->cum_cvar95, &y->cum_cvar95, sizeof(double)) == 0 &&
                  memcmp(&x->p_lo, &y->p_lo, sizeof(double)) == 0 &&
                  memcmp(&x->p_hi, &y->p_hi, sizeof(double)) == 0 && x->flag_stable == y->flag_stable,
              "risk row %d", i);
    some_flagged |= x->flagged;
    /* ranks are ordered by p_max_year, then cum_mean */
    if (i > 0) {
      const bw_risk_row *w = &a->risk[i - 1];
      cr_assert(w->p_max_year > x->p_max_year ||
                (w->p_max_year == x->p_max_year && w->cum_mean >= x->cum_mean));
    }
  }
  cr_assert(some_flagged && a->n_flagged < NG, "the data should give a mix of flags (%d)", a->n_flagged);
  bw_summary_free(a);
  bw_summary_free(b);
  bw_store_free(s);
  bw_model_free(m);
}
