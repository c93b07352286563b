/* Tests for the revenue side (models/budget.c and the shares and ingroeipad
 * schedule of models/model.c) against docs/model.md §5–6 and §10.2–10.3:
 *  1. Shares: O_g (verdeelmodel) and H_g (historical, on the centrumgemeente)
 *     recomputed here from the data; a hand-made table with hand-worked values.
 *  2. Conservation (§10.2): per replication and year Σ_g (B_gt + MO_gt) =
 *     budget_eur = M_t + MO_t to the cent, with M_t and MO_t computed here
 *     from §5's formulas and the replication's own q_t; over several
 *     scenarios (ingroeipad modes, pooling, bijsturing, MO decentralisation).
 *  3. w = 0 gives the historical, w = 1 the objective shares, w = ½ the mix.
 *  4. The ingroeipad schedules: linear, custom, complete_by, flow (the
 *     docs/model.md values), w = 0 before the start year.
 *  5. Ex-post Wlz settlement (§10.3): X_{t+1} = p_t q_t - U_t, X_2021 = 0.
 *  6. Pooling in the region (§6): regional totals kept, one shortfall/budget
 *     ratio per region.
 * The budget checks are exact identities, so few replications suffice; the
 * flows are scaled down where their size does not matter. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_csv.h"
#include "model.h"
#include "model_fixture.h"

/* to the cent (docs/model.md §5 invariant) */
#define CENT 0.01

/* ---- helpers --------------------------------------------------------------- */

/* Defaults with the flows scaled down 20-fold (stocks and entry rates): the
 * revenue side does not depend on their size, and replications are cheap. */
static void light_params(bw_params *p) {
  bw_params_defaults(p);
  for (int c = 0; c < BW_NCARE; c++) {
    p->stock[c] *= 0.05;
    p->rate_per_1000[c] *= 0.05;
  }
}

/* Shares recomputed from docs/model.md §5 (not read from the model). */
typedef struct {
  double *obj, *hist_bw, *hist_mo; /* [ng], each sums to 1 */
  double sum_bw, sum_mo;           /* Σ historical budgets = M_2021, MO_2021 */
} shares;

static shares shares_of(const bw_params *p, const bw_data *d) {
  shares s;
  s.obj = calloc((size_t)d->ng, sizeof(double));
  s.hist_bw = calloc((size_t)d->ng, sizeof(double));
  s.hist_mo = calloc((size_t)d->ng, sizeof(double));
  cr_assert(s.obj && s.hist_bw && s.hist_mo);
  const bw_weights *b = &p->verdeelmodel;
  double so = 0;
  for (int g = 0; g < d->ng; g++) {
    const bw_gemeente *x = &d->g[g];
    s.obj[g] =
        x->population * (b->constant + b->single_hh * x->pct_single_hh / 100.0 +
                         b->nonwestern * x->pct_nonwestern / 100.0 + b->urbanity * (5.0 - x->urbanity) / 4.0);
    so += s.obj[g];
  }
  for (int g = 0; g < d->ng; g++) s.obj[g] /= so;
  s.sum_bw = s.sum_mo = 0;
  for (int r = 0; r < d->nr; r++)
    s.sum_bw += d->r[r].hist_budget_bw_eur, s.sum_mo += d->r[r].hist_budget_mo_eur;
  for (int r = 0; r < d->nr; r++) {
    int c = d->r[r].centrum;
    cr_assert(d->g[c].is_centrumgemeente, "region %s: centrum %d is not a centrumgemeente", d->r[r].code, c);
    s.hist_bw[c] += d->r[r].hist_budget_bw_eur / s.sum_bw;
    s.hist_mo[c] += d->r[r].hist_budget_mo_eur / s.sum_mo;
  }
  return s;
}

static void shares_free(shares *s) {
  free(s->obj);
  free(s->hist_bw);
  free(s->hist_mo);
}

/* docs/model.md §5 for year index y of replication r: U_t, p_t (price-indexed),
 * X_t = p_{t-1} q_{t-1} - U_{t-1} (0 in the first year), M_t = (M_2021 - U -
 * L)(1 + bi)^y (1 + vg)^y - X_t, MO_t = (MO_2021 + extra from mo_extra_from)
 * (1 + bi)^y (1 + vg)^y. */
typedef struct {
  double X, M, MO;
} macro;

static macro macro_of(const bw_params *p, const shares *s, const bw_rep_result *r, int y) {
  macro m;
  double grow = pow(1 + p->budget_index, y) * pow(1 + p->volume_growth, y);
  m.X = 0;
  if (y > 0) {
    double U_prev = p->wlz_uitname_eur * pow(1 + p->budget_index, y - 1);
    double price_prev = U_prev / p->wlz_uitname_clients;
    m.X = price_prev * nat(r, BW_Q_WLZ_CLIENT_YEARS, y - 1) - U_prev;
  }
  m.M = (s->sum_bw - p->wlz_uitname_eur - p->national_institutions_eur) * grow - m.X;
  m.MO = (s->sum_mo + (p->first_year + y >= p->mo_extra_from ? p->mo_extra_eur : 0.0)) * grow;
  return m;
}

/* ---- 1. shares ----------------------------------------------------------------- */

Test(budget, shares_from_the_data) {
  bw_data d;
  load_data(&d);
  bw_params p;
  light_params(&p);
  shares s = shares_of(&p, &d);
  sim m = sim_open(&p, &d);
  double so = 0, sh = 0;
  for (int g = 0; g < d.ng; g++) {
    double o = bw_model_objective_share(m.m, g), h = bw_model_historical_share(m.m, g);
    cr_assert(fabs(o - s.obj[g]) <= 1e-14, "O_g of %s: %.17g, expected %.17g", d.g[g].code, o, s.obj[g]);
    cr_assert(fabs(h - s.hist_bw[g]) <= 1e-14, "H_g of %s: %.17g, expected %.17g", d.g[g].code, h,
              s.hist_bw[g]);
    if (!d.g[g].is_centrumgemeente) cr_assert_eq(h, 0.0, "H_g of non-centrum %s", d.g[g].code);
    so += o, sh += h;
  }
  cr_assert(fabs(so - 1) < 1e-12 && fabs(sh - 1) < 1e-12, "Σ O_g = %.17g, Σ H_g = %.17g", so, sh);
  sim_close(&m);
  shares_free(&s);
  bw_data_free(&d);
}

/* A four-gemeente, two-region table with shares worked out by hand
 * (verdeelmodel β = 0.2, 1.0, 1.0, 0.5):
 *   g0 pop 100000, single 50 %, nonwestern 20 %, urbanity 1: 0.2+.5+.2+.5   = 1.4   -> 140000
 *   g1 pop  50000, single 30 %, nonwestern 10 %, urbanity 5: 0.2+.3+.1+0    = 0.6   ->  30000
 *   g2 pop  80000, single 40 %, nonwestern 15 %, urbanity 3: 0.2+.4+.15+.25 = 1.0   ->  80000
 *   g3 pop  20000, single 25 %, nonwestern  5 %, urbanity 4: 0.2+.25+.05+.125 = .625 -> 12500
 *   total 262500; regions {g0*, g1} BW 30 mln MO 10 mln, {g2*, g3} BW 20 mln MO 5 mln
 * (tiny_table; tiny_params the params it is used with). */
static void tiny_table(bw_gemeente g[4], bw_region r[2]) {
  memset(g, 0, 4 * sizeof *g);
  memset(r, 0, 2 * sizeof *r);
  const double pop[4] = {100000, 50000, 80000, 20000}, single[4] = {50, 30, 40, 25}, nw[4] = {20, 10, 15, 5},
               urb[4] = {1, 5, 3, 4};
  for (int i = 0; i < 4; i++) {
    snprintf(g[i].code, sizeof g[i].code, "GM%04d", i);
    snprintf(g[i].name, sizeof g[i].name, "G%d", i);
    g[i].region = i / 2;
    g[i].is_centrumgemeente = i % 2 == 0;
    g[i].population = pop[i];
    g[i].households = pop[i] / 2;
    g[i].pct_single_hh = single[i];
    g[i].pct_nonwestern = nw[i];
    g[i].pct_age_15_24 = 12;
    g[i].urbanity = urb[i];
  }
  for (int j = 0; j < 2; j++) {
    snprintf(r[j].code, sizeof r[j].code, "GM%04d", 2 * j);
    r[j].centrum = 2 * j;
    r[j].n_members = 2;
  }
  r[0].hist_budget_bw_eur = 30e6, r[0].hist_budget_mo_eur = 10e6;
  r[1].hist_budget_bw_eur = 20e6, r[1].hist_budget_mo_eur = 5e6;
}

/* A revenue side of tiny_table's size (U and L well below the 50 mln), 100
 * clients of each care type, and w = 0, 1/4, then 1 from the start year. */
static void tiny_params(bw_params *p) {
  bw_params_defaults(p);
  p->wlz_uitname_eur = 5e6;
  p->wlz_uitname_clients = 100;
  p->national_institutions_eur = 1e6;
  p->mo_extra_eur = 1e6;
  for (int c = 0; c < BW_NCARE; c++) p->stock[c] = 100;
  p->ingroei_mode = BW_INGROEI_CUSTOM;
  p->n_custom = 2;
  p->ingroei_custom[0] = 0.0;
  p->ingroei_custom[1] = 0.25;
}

Test(budget, hand_made_table) {
  bw_gemeente g[4];
  bw_region r[2];
  tiny_table(g, r);
  bw_data d = {4, 2, g, r};
  bw_params p;
  tiny_params(&p);

  const double O[4] = {140000.0 / 262500, 30000.0 / 262500, 80000.0 / 262500, 12500.0 / 262500};
  const double H[4] = {0.6, 0, 0.4, 0}, Hmo[4] = {10.0 / 15, 0, 5.0 / 15, 0};
  sim s = sim_open(&p, &d);
  for (int i = 0; i < 4; i++) {
    cr_assert(fabs(bw_model_objective_share(s.m, i) - O[i]) <= 1e-15, "O_%d = %.17g, by hand %.17g", i,
              bw_model_objective_share(s.m, i), O[i]);
    cr_assert(fabs(bw_model_historical_share(s.m, i) - H[i]) <= 1e-15, "H_%d = %.17g, by hand %.17g", i,
              bw_model_historical_share(s.m, i), H[i]);
  }
  sim_run(&s, 0);
  /* 2021 (before S): historical; 2022: w = 0; 2023: w = 1/4; then 1 */
  const double w[4] = {0, 0, 0.25, 1};
  shares sh = shares_of(&p, &d);
  for (int y = 0; y < 4; y++) {
    macro mc = macro_of(&p, &sh, s.r, y);
    cr_assert_eq(bw_model_ingroei_weight(s.m, y), w[y]);
    for (int i = 0; i < 4; i++) {
      double want = mc.M * ((1 - w[y]) * H[i] + w[y] * O[i]);
      cr_assert(fabs(s.r->budget_bw[gy(s.r, i, y)] - want) < CENT,
                "B_%d in year index %d: %.4f, expected %.4f", i, y, s.r->budget_bw[gy(s.r, i, y)], want);
      cr_assert(fabs(s.r->budget_mo[gy(s.r, i, y)] - mc.MO * Hmo[i]) < CENT, "MO_%d in year index %d", i, y);
    }
  }
  shares_free(&sh);
  sim_close(&s);
}

/* ---- 2. conservation (docs/model.md §10.2) -------------------------------------------- */

/* Every identity of §5 for one replication: Σ_g B = budget_eur = M_t + MO_t,
 * the settlement, and shortfall = cost - budget (per gemeente without
 * pooling; nationally always). `formula` = 0 skips M_t (macro_correct
 * replaces its growth). */
static void check_identities(const bw_params *p, const shares *sh, const sim *s, int formula,
                             const char *what) {
  const bw_rep_result *r = s->r;
  for (int y = 0; y < s->ny; y++) {
    double bw = 0, mo = 0, sf = 0, cost = 0;
    for (int g = 0; g < s->ng; g++) {
      size_t i = gy(r, g, y);
      bw += r->budget_bw[i];
      mo += r->budget_mo[i];
      sf += r->shortfall_bw[i] + r->shortfall_mo[i];
      cost += r->cost_bw[i] + r->cost_mo[i];
      if (p->pooling == BW_POOL_NONE) {
        cr_assert_eq(r->shortfall_bw[i], r->cost_bw[i] - r->budget_bw[i], "%s: shortfall_bw", what);
        cr_assert_eq(r->shortfall_mo[i], r->cost_mo[i] - r->budget_mo[i], "%s: shortfall_mo", what);
      }
    }
    double budget = nat(r, BW_Q_BUDGET_EUR, y);
    cr_assert(fabs(bw + mo - budget) < CENT, "%s, year index %d: Σ_g B = %.4f, budget_eur = %.4f", what, y,
              bw + mo, budget);
    cr_assert(fabs(cost - nat(r, BW_Q_COST_EUR, y)) < CENT, "%s: Σ_g cost != cost_eur", what);
    cr_assert(fabs(nat(r, BW_Q_SHORTFALL_EUR, y) - (nat(r, BW_Q_COST_EUR, y) - budget)) < CENT,
              "%s: shortfall_eur != cost_eur - budget_eur", what);
    cr_assert(fabs(sf - nat(r, BW_Q_SHORTFALL_EUR, y)) < CENT,
              "%s, year index %d: Σ_g shortfall = %.4f, national %.4f", what, y, sf,
              nat(r, BW_Q_SHORTFALL_EUR, y));
    macro mc = macro_of(p, sh, r, y);
    cr_assert(fabs(nat(r, BW_Q_WLZ_SETTLEMENT_EUR, y) - mc.X) < 1e-6,
              "%s, year index %d: X = %.6f, expected %.6f", what, y, nat(r, BW_Q_WLZ_SETTLEMENT_EUR, y),
              mc.X);
    cr_assert(fabs(mo - mc.MO) < CENT, "%s, year index %d: Σ_g MO = %.4f, MO_t = %.4f", what, y, mo, mc.MO);
    if (formula) {
      cr_assert(fabs(bw - mc.M) < CENT, "%s, year index %d: Σ_g B_BW = %.4f, M_t = %.4f", what, y, bw, mc.M);
      cr_assert(fabs(budget - (mc.M + mc.MO)) < CENT, "%s, year index %d: budget_eur %.4f != M_t + MO_t %.4f",
                what, y, budget, mc.M + mc.MO);
    }
  }
}

Test(budget, conservation_to_the_cent) {
  bw_data d;
  load_data(&d);
  bw_params base;
  light_params(&base);
  shares sh = shares_of(&base, &d);
  enum { NS = 6 };
  bw_params sc[NS];
  const char *name[NS] = {"default (flow)",
                          "linear, start 2024",
                          "pooling region",
                          "bijsturing pause, MO decentralised 2025",
                          "custom path, other indices",
                          "bijsturing macro_correct"};
  for (int i = 0; i < NS; i++) sc[i] = base;
  sc[1].ingroei_mode = BW_INGROEI_LINEAR, sc[1].start_year = 2024;
  sc[2].pooling = BW_POOL_REGION;
  sc[3].bijsturing = BW_BIJST_PAUSE, sc[3].bijsturing_flag_fraction = 0.0, sc[3].mo_decentralise_year = 2025;
  sc[4].ingroei_mode = BW_INGROEI_CUSTOM, sc[4].n_custom = 3;
  sc[4].ingroei_custom[0] = 0.3, sc[4].ingroei_custom[1] = 0.2, sc[4].ingroei_custom[2] = 0.9;
  sc[4].budget_index = 0.035, sc[4].volume_growth = 0.0, sc[4].wlz_uitname_eur = 600e6;
  sc[4].wlz_uitname_clients = 9000, sc[4].national_institutions_eur = 12e6, sc[4].mo_extra_eur = 80e6;
  sc[4].mo_extra_from = 2026;
  sc[5].bijsturing = BW_BIJST_MACRO;
  for (int i = 0; i < NS; i++) {
    sim s = sim_open(&sc[i], &d);
    for (uint32_t rep = 0; rep < 2; rep++) {
      sim_run(&s, rep);
      check_identities(&sc[i], &sh, &s, sc[i].bijsturing != BW_BIJST_MACRO, name[i]);
    }
    sim_close(&s);
  }
  shares_free(&sh);
  bw_data_free(&d);
}

/* ---- 3. w = 0 historical, w = 1 objective (docs/model.md §10.2) -------------------------- */

/* Every B_gt = M_t·((1 - w_t) H_g + w_t O_g) with w_t given, and the MO
 * budget on the historical MO shares. */
static void check_mix(const bw_params *p, const shares *sh, const sim *s, const double *w, const char *what) {
  for (int y = 0; y < s->ny; y++) {
    macro mc = macro_of(p, sh, s->r, y);
    for (int g = 0; g < s->ng; g++) {
      size_t i = gy(s->r, g, y);
      double want = mc.M * ((1 - w[y]) * sh->hist_bw[g] + w[y] * sh->obj[g]);
      cr_assert(fabs(s->r->budget_bw[i] - want) < CENT,
                "%s: B of gemeente %d in year index %d = %.4f, expected %.4f", what, g, y, s->r->budget_bw[i],
                want);
      cr_assert(fabs(s->r->budget_mo[i] - mc.MO * sh->hist_mo[g]) < CENT, "%s: MO budget of gemeente %d",
                what, g);
    }
  }
}

Test(budget, historical_and_objective_shares) {
  bw_data d;
  load_data(&d);
  bw_params base;
  light_params(&base);
  shares sh = shares_of(&base, &d);
  int ny = bw_params_nyears(&base), S = base.start_year - base.first_year;
  cr_assert(S == 1 && ny == 11, "test written for start 2022 and 2021-2031");
  double w[BW_MAX_YEARS];

  /* custom path of ten zeros: w = 0 in every year, historical shares */
  bw_params p = base;
  p.ingroei_mode = BW_INGROEI_CUSTOM;
  p.n_custom = 10;
  for (int k = 0; k < 10; k++) p.ingroei_custom[k] = 0.0;
  sim s = sim_open(&p, &d);
  for (int y = 0; y < ny; y++) w[y] = 0.0;
  for (uint32_t rep = 0; rep < 2; rep++) sim_run(&s, rep), check_mix(&p, &sh, &s, w, "w = 0 (custom zeros)");
  sim_close(&s);

  /* complete_by = start year, and a custom path of ones: w = 1 from S */
  for (int y = 0; y < ny; y++) w[y] = y < S ? 0.0 : 1.0;
  p = base;
  p.complete_by = p.start_year;
  s = sim_open(&p, &d);
  sim_run(&s, 0), check_mix(&p, &sh, &s, w, "w = 1 (complete_by = start year)");
  sim_close(&s);
  p = base;
  p.ingroei_mode = BW_INGROEI_CUSTOM;
  p.n_custom = 10;
  for (int k = 0; k < 10; k++) p.ingroei_custom[k] = 1.0;
  s = sim_open(&p, &d);
  sim_run(&s, 1), check_mix(&p, &sh, &s, w, "w = 1 (custom ones)");
  sim_close(&s);

  /* w = ½: the mix */
  for (int k = 0; k < 10; k++) p.ingroei_custom[k] = 0.5;
  for (int y = 0; y < ny; y++) w[y] = y < S ? 0.0 : 0.5;
  s = sim_open(&p, &d);
  sim_run(&s, 1), check_mix(&p, &sh, &s, w, "w = 1/2 (custom halves)");
  sim_close(&s);
  shares_free(&sh);
  bw_data_free(&d);
}

/* ---- 4. ingroeipad schedules (docs/model.md §5) ------------------------------------------- */

static bw_model *model_of(const bw_params *p, const bw_data *d) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_model *m = bw_model_create(p, d, &ctx);
  cr_assert_not_null(m, "bw_model_create: %s", ctx.msg);
  return m;
}

Test(budget, ingroeipad_schedules) {
  bw_data d;
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  int ny = bw_params_nyears(&p);

  /* linear: 10 equal steps, w_S = 0.1 ... w_{S+9} = 1, 0 before S */
  p.ingroei_mode = BW_INGROEI_LINEAR;
  for (int S = 2022; S <= 2025; S += 3) {
    p.start_year = S;
    bw_model *m = model_of(&p, &d);
    for (int y = 0; y < ny; y++) {
      int k = p.first_year + y - S;
      double want = k < 0 ? 0.0 : fmin(1.0, (k + 1) / 10.0);
      cr_assert(fabs(bw_model_ingroei_weight(m, y) - want) < 1e-15,
                "linear, S = %d: w_%d = %.17g, expected %g", S, p.first_year + y,
                bw_model_ingroei_weight(m, y), want);
    }
    if (S == 2022) {
      cr_assert(fabs(bw_model_ingroei_weight(m, 1) - 0.1) < 1e-15, "w_S");
      cr_assert(bw_model_ingroei_weight(m, 10) == 1.0, "w_{S+9}");
    }
    bw_model_free(m);
  }
  /* linear in 5 steps */
  p.start_year = 2022;
  p.ingroei_steps = 5;
  bw_model *m = model_of(&p, &d);
  for (int y = 1; y < ny; y++)
    cr_assert(fabs(bw_model_ingroei_weight(m, y) - fmin(1.0, y / 5.0)) < 1e-15,
              "linear 5 steps, year index %d", y);
  bw_model_free(m);

  /* custom: the list from S, then 1 */
  bw_params_defaults(&p);
  p.ingroei_mode = BW_INGROEI_CUSTOM;
  p.n_custom = 3;
  p.ingroei_custom[0] = 0.2, p.ingroei_custom[1] = 0.5, p.ingroei_custom[2] = 0.7;
  m = model_of(&p, &d);
  const double cw[5] = {0, 0.2, 0.5, 0.7, 1.0};
  for (int y = 0; y < ny; y++)
    cr_assert_eq(bw_model_ingroei_weight(m, y), cw[y < 4 ? y : 4], "custom, index %d", y);
  bw_model_free(m);

  /* flow (default): the docs/model.md path within 0.02, increasing, in (0, 1] */
  bw_params_defaults(&p);
  m = model_of(&p, &d);
  const double doc[10] = {.17, .43, .62, .75, .83, .89, .93, .96, .97, .98};
  cr_assert_eq(bw_model_ingroei_weight(m, 0), 0.0, "flow: w_2021 = %g before the start year",
               bw_model_ingroei_weight(m, 0));
  for (int k = 0; k < 10; k++) {
    double w = bw_model_ingroei_weight(m, 1 + k);
    cr_assert(fabs(w - doc[k]) <= 0.02, "flow: w_%d = %.4f, docs/model.md ≈ %.2f", 2022 + k, w, doc[k]);
    cr_assert(w > 0 && w <= 1);
    if (k > 0) cr_assert(w > bw_model_ingroei_weight(m, k), "flow: w_%d not above w_%d", 2022 + k, 2021 + k);
  }
  bw_model_free(m);

  /* flow with a later start: 0 before S, increasing after; complete_by */
  p.start_year = 2025;
  p.complete_by = 2029;
  m = model_of(&p, &d);
  for (int y = 0; y < ny; y++) {
    double w = bw_model_ingroei_weight(m, y);
    int t = p.first_year + y;
    if (t < p.start_year)
      cr_assert_eq(w, 0.0, "flow S = 2025: w_%d = %g", t, w);
    else if (t >= p.complete_by)
      cr_assert_eq(w, 1.0, "complete_by 2029: w_%d = %g", t, w);
    else
      cr_assert(w > 0 && w < 1 && (t == p.start_year || w > bw_model_ingroei_weight(m, y - 1)),
                "flow S = 2025: w_%d = %g", t, w);
  }
  bw_model_free(m);
  bw_data_free(&d);
}

/* ---- 5. ex-post Wlz settlement (docs/model.md §10.3) -------------------------------------- */

Test(budget, wlz_settlement) {
  bw_data d;
  load_data(&d);
  bw_params a;
  bw_params_defaults(&a);
  bw_params b = a; /* other uitname parameters: the settlement follows them */
  b.wlz_uitname_eur = 600e6;
  b.wlz_uitname_clients = 9000;
  b.budget_index = 0.03;
  const bw_params *ps[2] = {&a, &b};
  for (int i = 0; i < 2; i++) {
    const bw_params *p = ps[i];
    sim s = sim_open(p, &d);
    for (uint32_t rep = 0; rep < 3; rep++) {
      sim_run(&s, rep);
      cr_assert_eq(nat(s.r, BW_Q_WLZ_SETTLEMENT_EUR, 0), 0.0, "X_2021 = %g",
                   nat(s.r, BW_Q_WLZ_SETTLEMENT_EUR, 0));
      for (int y = 0; y + 1 < s.ny; y++) {
        double U = p->wlz_uitname_eur * pow(1 + p->budget_index, y);
        double price = U / p->wlz_uitname_clients;
        double q = nat(s.r, BW_Q_WLZ_CLIENT_YEARS, y);
        cr_assert(q > 0, "no Wlz client-years in year index %d", y);
        double want = price * q - U;
        cr_assert(fabs(nat(s.r, BW_Q_WLZ_SETTLEMENT_EUR, y + 1) - want) < 1e-6,
                  "params %d rep %u: X_%d = %.6f, p_t q_t - U_t = %.6f", i, rep, p->first_year + y + 1,
                  nat(s.r, BW_Q_WLZ_SETTLEMENT_EUR, y + 1), want);
      }
    }
    sim_close(&s);
  }
  bw_data_free(&d);
}

/* ---- 6. pooling in the region (docs/model.md §6, bouwsteen 2) -------------------------------- */

Test(budget, pooling_region) {
  bw_data d;
  load_data(&d);
  bw_params a;
  bw_params_defaults(&a);
  bw_params b = a;
  b.pooling = BW_POOL_REGION;
  sim sa = sim_open(&a, &d), sb = sim_open(&b, &d);
  sim_run(&sa, 3);
  sim_run(&sb, 3);
  int ny = sa.ny, ng = sa.ng;
  size_t n = (size_t)ng * ny * sizeof(double);
  /* pooling moves shortfall, not cost or budget */
  cr_assert(memcmp(sa.r->cost_bw, sb.r->cost_bw, n) == 0 && memcmp(sa.r->cost_mo, sb.r->cost_mo, n) == 0);
  cr_assert(memcmp(sa.r->budget_bw, sb.r->budget_bw, n) == 0 &&
            memcmp(sa.r->budget_mo, sb.r->budget_mo, n) == 0);
  int differs = 0;
  for (int y = 0; y < ny; y++)
    for (int r = 0; r < d.nr; r++) {
      double s_bw[2] = {0, 0}, s_mo[2] = {0, 0}, b_bw = 0, b_mo = 0;
      for (int g = 0; g < ng; g++) {
        if (d.g[g].region != r) continue;
        size_t i = gy(sa.r, g, y);
        s_bw[0] += sa.r->shortfall_bw[i], s_bw[1] += sb.r->shortfall_bw[i];
        s_mo[0] += sa.r->shortfall_mo[i], s_mo[1] += sb.r->shortfall_mo[i];
        b_bw += sb.r->budget_bw[i], b_mo += sb.r->budget_mo[i];
        if (sa.r->shortfall_bw[i] != sb.r->shortfall_bw[i]) differs = 1;
      }
      double tol = CENT;
      cr_assert(fabs(s_bw[0] - s_bw[1]) <= tol,
                "region %s, year index %d: Σ BW shortfall %.4f unpooled, %.4f pooled", d.r[r].code, y,
                s_bw[0], s_bw[1]);
      cr_assert(fabs(s_mo[0] - s_mo[1]) <= tol,
                "region %s, year index %d: Σ MO shortfall %.4f unpooled, %.4f pooled", d.r[r].code, y,
                s_mo[0], s_mo[1]);
      /* pro rata to budget: one shortfall/budget ratio per region */
      for (int g = 0; g < ng; g++) {
        if (d.g[g].region != r) continue;
        size_t i = gy(sb.r, g, y);
        if (b_bw > 0)
          cr_assert(fabs(sb.r->shortfall_bw[i] - s_bw[0] * sb.r->budget_bw[i] / b_bw) <= tol,
                    "%s, year index %d: pooled BW shortfall %.4f, its budget share of %.4f is %.4f",
                    d.g[g].code, y, sb.r->shortfall_bw[i], s_bw[0], s_bw[0] * sb.r->budget_bw[i] / b_bw);
        if (b_mo > 0)
          cr_assert(fabs(sb.r->shortfall_mo[i] - s_mo[0] * sb.r->budget_mo[i] / b_mo) <= tol,
                    "%s, year index %d: pooled MO shortfall", d.g[g].code, y);
      }
    }
  cr_assert(differs, "pooling changed no shortfall");
  sim_close(&sa);
  sim_close(&sb);
  bw_data_free(&d);
}

/* ---- 7. the one-pass evaluation against the plain formulas ------------------------------------ */

/* bw_budget_apply without the bijsturing pause does the budgets, the
 * national sums, the unpooled shortfalls and the region sums of the pooling
 * in one pass, writes the run's and the counterfactual's shortfalls at once
 * and sums the region populations only when a region-year has no positive
 * budget (models/budget.c). Here every number it gives is recomputed the
 * plain way, a sum or a share at a time in gemeente order, and must have
 * the same bits: the outputs are pinned (tests/test_golden.c). */

/* The pooled shortfalls of r (docs/model.md §6): each region-year's sum of
 * the unpooled shortfalls, pro rata to budget, or to population when the
 * region's budget is not positive. */
static void pooled_plain(const bw_model *m, const bw_data *d, const bw_rep_result *r, double *p_bw,
                         double *p_mo) {
  for (int y = 0; y < r->ny; y++)
    for (int k = 0; k < d->nr; k++) {
      double s_bw = 0, s_mo = 0, b_bw = 0, b_mo = 0, pop = 0;
      for (int g = 0; g < r->ng; g++) {
        if (d->g[g].region != k) continue;
        size_t i = gy(r, g, y);
        s_bw += r->cost_bw[i] - r->budget_bw[i];
        s_mo += r->cost_mo[i] - r->budget_mo[i];
        b_bw += r->budget_bw[i];
        b_mo += r->budget_mo[i];
        pop += bw_model_population(m, g, y);
      }
      for (int g = 0; g < r->ng; g++) {
        if (d->g[g].region != k) continue;
        size_t i = gy(r, g, y);
        double pg = bw_model_population(m, g, y);
        p_bw[i] = s_bw * (b_bw > 0 ? r->budget_bw[i] / b_bw : pg / pop);
        p_mo[i] = s_mo * (b_mo > 0 ? r->budget_mo[i] / b_mo : pg / pop);
      }
    }
}

static void same_bits(const double *a, const double *b, size_t n, const char *what, const char *which) {
  for (size_t i = 0; i < n; i++)
    cr_assert(memcmp(&a[i], &b[i], sizeof(double)) == 0, "%s: %s[%zu] = %.17g, plainly %.17g", what, which, i,
              a[i], b[i]);
}

/* Replication rep of s (params p) against the plain formulas; *by_pop counts
 * the region-years pooled by population. */
static void check_one_pass(const bw_params *p, const bw_data *d, sim *s, uint32_t rep, int want_cf, int *by_pop,
                           const char *what) {
  s->r->want_cf = want_cf;
  sim_run(s, rep);
  const bw_rep_result *r = s->r;
  int ng = s->ng, ny = s->ny;
  size_t n = (size_t)ng * ny;
  double *u_bw = malloc(n * sizeof(double)), *u_mo = malloc(n * sizeof(double));
  double *p_bw = malloc(n * sizeof(double)), *p_mo = malloc(n * sizeof(double));
  cr_assert(u_bw && u_mo && p_bw && p_mo);
  for (size_t i = 0; i < n; i++) {
    u_bw[i] = r->cost_bw[i] - r->budget_bw[i];
    u_mo[i] = r->cost_mo[i] - r->budget_mo[i];
  }
  pooled_plain(s->m, d, r, p_bw, p_mo);
  int pooled = p->pooling == BW_POOL_REGION;
  same_bits(r->shortfall_bw, pooled ? p_bw : u_bw, n, what, "shortfall_bw");
  same_bits(r->shortfall_mo, pooled ? p_mo : u_mo, n, what, "shortfall_mo");
  cr_assert_eq(r->have_cf, want_cf, "%s: have_cf", what);
  if (want_cf) {
    same_bits(r->cf->shortfall_bw, pooled ? u_bw : p_bw, n, what, "cf shortfall_bw");
    same_bits(r->cf->shortfall_mo, pooled ? u_mo : p_mo, n, what, "cf shortfall_mo");
  }
  /* the budgets of docs/model.md §5 from the year terms the result reports */
  shares sh = shares_of(p, d);
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      size_t i = gy(r, g, y);
      double mbw = r->macro_bw[y] - nat(r, BW_Q_WLZ_SETTLEMENT_EUR, y), w = r->w_bw[y], v = r->w_mo[y];
      double o = bw_model_objective_share(s->m, g);
      double bb = mbw * ((1.0 - w) * bw_model_historical_share(s->m, g) + w * o);
      double bm = r->macro_mo[y] * ((1.0 - v) * sh.hist_mo[g] + v * o);
      same_bits(&r->budget_bw[i], &bb, 1, what, "budget_bw");
      same_bits(&r->budget_mo[i], &bm, 1, what, "budget_mo");
    }
  shares_free(&sh);
  for (int y = 0; y < ny; y++) {
    double cost = 0, budget = 0;
    for (int g = 0; g < ng; g++) {
      size_t i = gy(r, g, y);
      cost += r->cost_bw[i] + r->cost_mo[i];
      budget += r->budget_bw[i] + r->budget_mo[i];
    }
    double sf = cost - budget;
    same_bits(&r->national[BW_Q_COST_EUR * ny + y], &cost, 1, what, "cost_eur");
    same_bits(&r->national[BW_Q_BUDGET_EUR * ny + y], &budget, 1, what, "budget_eur");
    same_bits(&r->national[BW_Q_SHORTFALL_EUR * ny + y], &sf, 1, what, "shortfall_eur");
    for (int k = 0; k < d->nr; k++) {
      double b_bw = 0, b_mo = 0;
      for (int g = 0; g < ng; g++)
        if (d->g[g].region == k) b_bw += r->budget_bw[gy(r, g, y)], b_mo += r->budget_mo[gy(r, g, y)];
      *by_pop += !(b_bw > 0) + !(b_mo > 0);
    }
  }
  free(u_bw), free(u_mo), free(p_bw), free(p_mo);
}

Test(budget, one_pass_is_the_plain_evaluation) {
  bw_data d;
  load_data(&d);
  bw_params base;
  light_params(&base);
  enum { NS = 5 };
  bw_params sc[NS];
  const char *name[NS] = {"default", "pooling region", "macro_correct", "MO decentralised, pooling region",
                          "24 years (43 x 24 region-years: more than one pooling pass holds)"};
  for (int i = 0; i < NS; i++) sc[i] = base;
  sc[1].pooling = BW_POOL_REGION;
  sc[2].bijsturing = BW_BIJST_MACRO;
  sc[3].mo_decentralise_year = 2024, sc[3].pooling = BW_POOL_REGION;
  sc[4].last_year = sc[4].first_year + 23;
  for (int i = 0; i < NS; i++) {
    sim s = sim_open(&sc[i], &d);
    if (i == 4) cr_assert_gt(d.nr * s.ny, 1024, "the fallback of the one pass is not reached");
    int by_pop = 0;
    for (int want_cf = 1; want_cf >= 0; want_cf--) check_one_pass(&sc[i], &d, &s, 2, want_cf, &by_pop, name[i]);
    sim_close(&s);
  }
  bw_data_free(&d);

  /* tiny_table with region 1 without historical budgets: before the
   * ingroeipad (w = 0) and with MO central its budgets are 0, so its
   * members share by population, in passes that share others by budget */
  bw_gemeente g[4];
  bw_region r[2];
  tiny_table(g, r);
  r[1].hist_budget_bw_eur = r[1].hist_budget_mo_eur = 0;
  bw_data t = {4, 2, g, r};
  for (int pool = 0; pool < 2; pool++) {
    bw_params p;
    tiny_params(&p);
    p.pooling = pool ? BW_POOL_REGION : BW_POOL_NONE;
    sim s = sim_open(&p, &t);
    int by_pop = 0;
    for (int want_cf = 1; want_cf >= 0; want_cf--) check_one_pass(&p, &t, &s, 1, want_cf, &by_pop, "tiny table");
    /* BW in 2021 and 2022 (w = 0), MO every year; twice (with and without cf) */
    cr_assert_eq(by_pop, 2 * (2 + s.ny), "tiny table: %d region-years pooled by population", by_pop);
    sim_close(&s);
  }
}
