/* Revenue side of one replication, docs/model.md §5–6: macrobudget with
 * indexation, ex-ante Wlz uitname and ex-post p x q settlement (bouwsteen 4),
 * the ingroeipad mix of historical and objective shares (bouwsteen 1), the
 * MO budget, bijsturing at evaluation years (bouwsteen 9) and pooling in the
 * region (bouwsteen 2). Then shortfall = cost - budget per gemeente-year.
 *
 * "How is the budget of gemeente g computed in 2027?" — bw_budget_apply
 * below: the year loop, then year_fill or the loop over gemeenten. */
#include <math.h>
#include <string.h>

#include "internal.h"

/* Is calendar year t an evaluation year of the bijsturing rule? */
static int is_evaluation_year(const bw_params *p, int t) {
  return p->bijsturing != BW_BIJST_NONE && t >= p->bijsturing_first_year &&
         (t - p->bijsturing_first_year) % p->bijsturing_every == 0;
}

/* Share of gemeenten whose shortfall per inhabitant in year index y exceeds
 * theta: what is known at the evaluation moment (the last complete year). */
static double flagged_fraction(const bw_model *m, const bw_rep_result *out, int y) {
  int n = 0;
  double theta = m->p.threshold_eur_per_inhabitant;
  for (int g = 0; g < m->ng; g++) {
    size_t i = (size_t)g * (size_t)m->ny + (size_t)y;
    if ((out->shortfall_bw[i] + out->shortfall_mo[i]) / m->pop[i] > theta) n++;
  }
  return (double)n / m->ng;
}

/* Pooling (bouwsteen 2): a region's members share their total shortfall pro
 * rata to budget (to population when the region's budget is not positive).
 * Applied to BW and MO apart, so the totals are kept.
 *
 * In two halves: the region-year sums of shortfall and budget (each adds the
 * members in gemeente order), then each member's share. Region-year
 * kj = (region - r0) * nyr + (y - y0) of a pass over regions r0 .. r0+nc-1
 * and years y0 .. y0+nyr-1; each gemeente's years are contiguous (the
 * arrays are [g * ny + y]): the per-year form strided over the gemeenten
 * once per year, and its divisions were ~6 % of a count-kernel replication
 * (perf, default params, the other-pooling counterfactual). Each share is
 * the same division as in the per-year form, so the bits are its bits. */
enum { POOL_CELLS = 1024 }; /* region-years per pass (8 KiB per sum on the stack) */

/* The second half: the members' shares of region-year sums s_* by the
 * region budgets b_*. The population sums are needed only for a region-year
 * without a positive budget (a region without a historical MO budget while
 * MO is central, say), so a pass sums them only when it has one: the usual
 * pass is one division per share and no population sums (these were ~1/5
 * of the pooling's instructions, callgrind). restrict (budgets, sums and
 * shortfalls are distinct arrays) lets that loop divide two shares at a
 * time: its divisions took half the time. */
static void pool_shares(const bw_model *m, int r0, int nc, int y0, int nyr, const double *restrict s_bw,
                        const double *restrict s_mo, const double *restrict b_bw, const double *restrict b_mo,
                        const double *restrict budget_bw, const double *restrict budget_mo,
                        double *restrict short_bw, double *restrict short_mo) {
  const int ny = m->ny;
  size_t nz = (size_t)nc * nyr;
  int by_pop = 0;
  for (size_t j = 0; j < nz; j++) by_pop |= !(b_bw[j] > 0) | !(b_mo[j] > 0);
  if (!by_pop) {
    for (int g = 0; g < m->ng; g++) {
      int k = m->d.g[g].region - r0;
      if (k < 0 || k >= nc) continue;
      size_t i0 = (size_t)g * ny + y0, k0 = (size_t)k * nyr;
      for (int j = 0; j < nyr; j++) {
        short_bw[i0 + j] = s_bw[k0 + j] * (budget_bw[i0 + j] / b_bw[k0 + j]);
        short_mo[i0 + j] = s_mo[k0 + j] * (budget_mo[i0 + j] / b_mo[k0 + j]);
      }
    }
    return;
  }
  double pop[POOL_CELLS];
  for (size_t j = 0; j < nz; j++) pop[j] = 0.0;
  for (int g = 0; g < m->ng; g++) {
    int k = m->d.g[g].region - r0;
    if (k < 0 || k >= nc) continue;
    size_t i0 = (size_t)g * ny + y0, k0 = (size_t)k * nyr;
    for (int j = 0; j < nyr; j++) pop[k0 + j] += m->pop[i0 + j];
  }
  for (int g = 0; g < m->ng; g++) {
    int k = m->d.g[g].region - r0;
    if (k < 0 || k >= nc) continue;
    size_t i0 = (size_t)g * ny + y0, k0 = (size_t)k * nyr;
    for (int j = 0; j < nyr; j++) {
      size_t i = i0 + j, kj = k0 + j;
      short_bw[i] = s_bw[kj] * (b_bw[kj] > 0 ? budget_bw[i] / b_bw[kj] : m->pop[i] / pop[kj]);
      short_mo[i] = s_mo[kj] * (b_mo[kj] > 0 ? budget_mo[i] / b_mo[kj] : m->pop[i] / pop[kj]);
    }
  }
}

void bw_pool_shortfall_years(const bw_model *m, const double *budget_bw, const double *budget_mo,
                             double *short_bw, double *short_mo, int y0, int y1) {
  const int ny = m->ny, nyr = y1 - y0;
  if (nyr <= 0) return;
  if (nyr > POOL_CELLS) { /* more years than a pass holds: a year at a time */
    for (int y = y0; y < y1; y++) bw_pool_shortfall_years(m, budget_bw, budget_mo, short_bw, short_mo, y, y + 1);
    return;
  }
  const int chunk = POOL_CELLS / nyr; /* regions per pass (one pass for 43 regions and up to 23 years) */
  double s_bw[POOL_CELLS], s_mo[POOL_CELLS], b_bw[POOL_CELLS], b_mo[POOL_CELLS];
  for (int r0 = 0; r0 < m->nr; r0 += chunk) {
    int nc = m->nr - r0 < chunk ? m->nr - r0 : chunk;
    size_t nz = (size_t)nc * nyr;
    for (size_t j = 0; j < nz; j++) s_bw[j] = s_mo[j] = b_bw[j] = b_mo[j] = 0.0;
    for (int g = 0; g < m->ng; g++) {
      int k = m->d.g[g].region - r0;
      if (k < 0 || k >= nc) continue;
      size_t i0 = (size_t)g * ny + y0, k0 = (size_t)k * nyr;
      for (int j = 0; j < nyr; j++) {
        s_bw[k0 + j] += short_bw[i0 + j];
        s_mo[k0 + j] += short_mo[i0 + j];
        b_bw[k0 + j] += budget_bw[i0 + j];
        b_mo[k0 + j] += budget_mo[i0 + j];
      }
    }
    pool_shares(m, r0, nc, y0, nyr, s_bw, s_mo, b_bw, b_mo, budget_bw, budget_mo, short_bw, short_mo);
  }
}

void bw_pool_shortfall(const bw_model *m, const double *budget_bw, const double *budget_mo,
                       double *short_bw, double *short_mo, int y) {
  bw_pool_shortfall_years(m, budget_bw, budget_mo, short_bw, short_mo, y, y + 1);
}

/* Budgets and shortfalls of the gemeenten in year y from that year's
 * macro budgets and ingroeipad weights (arrays [g * ny + y]); the
 * per-year loop of the bijsturing pause, which needs each year's shortfalls
 * before the next year's weight. */
static void year_fill(const bw_model *m, bw_rep_result *out, int y, double macro_bw, double wt, double macro_mo,
                      double v) {
  int ng = m->ng, ny = m->ny;
  for (int g = 0; g < ng; g++) {
    size_t i = (size_t)g * ny + y;
    out->budget_bw[i] = macro_bw * ((1.0 - wt) * m->hist_bw[g] + wt * m->obj[g]);
    out->budget_mo[i] = macro_mo * ((1.0 - v) * m->hist_mo[g] + v * m->obj[g]);
    out->shortfall_bw[i] = out->cost_bw[i] - out->budget_bw[i];
    out->shortfall_mo[i] = out->cost_mo[i] - out->budget_mo[i];
  }
}

/* Without the bijsturing pause: the budgets and unpooled shortfalls of every
 * gemeente-year (each gemeente's years at once, contiguous) and the national
 * sums of cost and budget (ctot, btot) in one pass, and with s_bw the
 * region-year sums of the pooling (s_* shortfall, b_* budget, [r * ny + y],
 * zeroed before). wc[y] = 1 - wts[y] and vc[y] = 1 - vs[y]: the same
 * subtractions, once per year instead of once per gemeente-year. restrict:
 * the arrays are distinct, so the loops need no alias checks (without it
 * the inner loop, only ny long, stayed scalar). Inlined at its two calls,
 * with and without the sums, so each is one straight loop. */
static inline __attribute__((always_inline)) void
fill_pass(const bw_model *m, const double *restrict cost_bw, const double *restrict cost_mo,
          const double *restrict mbw, const double *restrict wts, const double *restrict wc,
          const double *restrict mmo, const double *restrict vs, const double *restrict vc, double *restrict bu_bw,
          double *restrict bu_mo, double *restrict sh_bw, double *restrict sh_mo, double *restrict ctot,
          double *restrict btot, double *restrict s_bw, double *restrict s_mo, double *restrict b_bw,
          double *restrict b_mo) {
  const int ng = m->ng, ny = m->ny;
  for (int g = 0; g < ng; g++) {
    double hb = m->hist_bw[g], hm = m->hist_mo[g], ob = m->obj[g];
    size_t i0 = (size_t)g * ny, k0 = (size_t)m->d.g[g].region * ny;
    for (int y = 0; y < ny; y++) {
      size_t i = i0 + y;
      double cb = cost_bw[i], cm = cost_mo[i];
      double bb = mbw[y] * (wc[y] * hb + wts[y] * ob);
      double bm = mmo[y] * (vc[y] * hm + vs[y] * ob);
      bu_bw[i] = bb;
      bu_mo[i] = bm;
      sh_bw[i] = cb - bb;
      sh_mo[i] = cm - bm;
      ctot[y] += cb + cm;
      btot[y] += bb + bm;
      if (s_bw) {
        s_bw[k0 + y] += cb - bb;
        s_mo[k0 + y] += cm - bm;
        b_bw[k0 + y] += bb;
        b_mo[k0 + y] += bm;
      }
    }
  }
}

/* Budgets and shortfalls of out under the given pooling setting; with cf
 * (not with the bijsturing pause, where the budgets depend on pooling) also
 * cf's shortfalls under the other setting, from the same budgets.
 *
 * Without the pause one pass over the gemeente-years does what were five
 * (the copy of the costs, the national cost sums, the budgets and the
 * unpooled shortfalls, the national budget sums and the region sums of the
 * pooling), and the unpooled shortfalls are computed once for out and cf:
 * with the other changes to the pooling (pool_shares) bw_evaluate_budgets
 * of a count-kernel replication went from ~26 to ~16.5 us CPU (default
 * params; 36 % fewer instructions, callgrind). Every sum still adds the
 * gemeenten in their order, so the bits are those of the separate passes. */
static void apply_pooling(const bw_model *m, const bw_workspace *w, bw_rep_result *out, bw_pooling pooling,
                          bw_rep_result *cf) {
  const bw_params *p = &m->p;
  int ng = m->ng, ny = m->ny, nr = m->nr;
  size_t n = (size_t)ng * (size_t)ny;
  int pause = p->bijsturing == BW_BIJST_PAUSE;
  out->have_old = w->have_old;
  if (w->have_old) memcpy(out->cost_bw_old, w->cost_bw_old, n * sizeof(double));
  memcpy(out->cost_bw, w->cost_bw, n * sizeof(double));
  memcpy(out->cost_mo, w->cost_mo, n * sizeof(double));
  memcpy(out->national, w->national, (size_t)BW_NQ * ny * sizeof(double));
  double *nat = out->national;
  const double *q = nat + BW_Q_WLZ_CLIENT_YEARS * ny;
  /* per year: macro BW, ingroeipad weight, macro MO, MO weight; national
   * BW cost, total cost, total budget (scratch of the workspace) */
  double *mbw = w->budget_scr, *wts = mbw + ny, *mmo = wts + ny, *vs = mmo + ny, *cbw = vs + ny, *ctot = cbw + ny;
  double *btot = ctot + ny;
  for (int y = 0; y < ny; y++) cbw[y] = ctot[y] = btot[y] = 0;
  /* national BW cost before the year loop, for macro_correct (each year's
   * sum in gemeente order, as a sum per year would be) */
  if (p->bijsturing == BW_BIJST_MACRO)
    for (int g = 0; g < ng; g++)
      for (int y = 0; y < ny; y++) cbw[y] += w->cost_bw[(size_t)g * ny + y];

  double price_prev = 1.0, index_prev = 1.0;
  double base = m->macro_bw_2021 - p->wlz_uitname_eur - p->national_institutions_eur;
  int lag = 0; /* years the ingroeipad has been paused */
  for (int y = 0; y < ny; y++) {
    int t = p->first_year + y;
    double price = pow(1.0 + p->budget_index, y);
    double index = price * pow(1.0 + p->volume_growth, y);

    /* BW macrobudget before settlement: (M_2021 - U - L) indexed by price
     * and volume; bijsturing macro_correct resets its growth at an
     * evaluation year to last year's realised cost growth. */
    if (y > 0) {
      if (p->bijsturing == BW_BIJST_MACRO && is_evaluation_year(p, t) && y >= 2 && cbw[y - 2] > 0)
        base *= cbw[y - 1] / cbw[y - 2];
      else
        base *= index / index_prev;
    }
    /* ex-post settlement of last year: X_t = p_{t-1} q_{t-1} - U_{t-1}
     * (bouwsteen 4; year t-1 prices; X = 0 in the first year) */
    double settlement = 0.0;
    if (y > 0) {
      double U_prev = p->wlz_uitname_eur * price_prev;
      double p_prev = U_prev / p->wlz_uitname_clients;
      settlement = p_prev * q[y - 1] - U_prev;
    }
    mbw[y] = base - settlement;
    out->macro_bw[y] = base;
    mmo[y] = (m->macro_mo_2021 + (t >= p->mo_extra_from ? p->mo_extra_eur : 0.0)) * index;

    /* ingroeipad weight, with bijsturing pause: a pause holds w one year and
     * shifts the rest of the path */
    if (pause && is_evaluation_year(p, t) && t > p->start_year && y >= 1 &&
        flagged_fraction(m, out, y - 1) > p->bijsturing_flag_fraction)
      lag++;
    int k = t - p->start_year - lag;
    double wt = k < 0 ? 0.0 : m->w_steps[k];
    if (p->complete_by > 0 && t >= p->complete_by) wt = 1.0;
    wts[y] = wt;
    out->w_bw[y] = wt;

    /* MO: by historical MO share, or after mo_decentralise_year its own
     * linear ingroeipad over ingroeipad.steps years towards O_g */
    double v = 0.0;
    if (p->mo_decentralise_year > 0 && t >= p->mo_decentralise_year) {
      v = (double)(t - p->mo_decentralise_year + 1) / p->ingroei_steps;
      if (v > 1) v = 1;
    }
    vs[y] = v;
    out->w_mo[y] = v;
    out->macro_mo[y] = mmo[y];
    if (pause) { /* the next year's weight needs this year's shortfalls */
      year_fill(m, out, y, mbw[y], wt, mmo[y], v);
      if (pooling == BW_POOL_REGION)
        bw_pool_shortfall(m, out->budget_bw, out->budget_mo, out->shortfall_bw, out->shortfall_mo, y);
    }
    nat[BW_Q_WLZ_SETTLEMENT_EUR * ny + y] = settlement;
    price_prev = price;
    index_prev = index;
  }
  if (pause) {
    for (int g = 0; g < ng; g++)
      for (int y = 0; y < ny; y++) {
        size_t i = (size_t)g * ny + y;
        ctot[y] += out->cost_bw[i] + out->cost_mo[i];
        btot[y] += out->budget_bw[i] + out->budget_mo[i];
      }
  } else {
    /* every year of a gemeente at once (contiguous). The unpooled
     * shortfalls go to out without pooling, else to cf (or to out, pooled
     * below in place, when there is no cf); the pooled ones to the other. */
    bw_rep_result *pooled = pooling == BW_POOL_REGION ? out : cf;
    bw_rep_result *plain = pooling == BW_POOL_NONE || !cf ? out : cf;
    double *sh_bw = plain->shortfall_bw, *sh_mo = plain->shortfall_mo;
    double wc[BW_MAX_YEARS], vc[BW_MAX_YEARS]; /* ny <= BW_MAX_YEARS (bw_model_create) */
    for (int y = 0; y < ny; y++) wc[y] = 1.0 - wts[y], vc[y] = 1.0 - vs[y];
    /* the region sums of the pooling in the same pass when all region-years
     * fit one pass of it (43 regions and up to 23 years) */
    if (pooled && (size_t)nr * ny <= POOL_CELLS) {
      double s_bw[POOL_CELLS], s_mo[POOL_CELLS], b_bw[POOL_CELLS], b_mo[POOL_CELLS];
      for (int j = 0; j < nr * ny; j++) s_bw[j] = s_mo[j] = b_bw[j] = b_mo[j] = 0.0;
      fill_pass(m, out->cost_bw, out->cost_mo, mbw, wts, wc, mmo, vs, vc, out->budget_bw, out->budget_mo, sh_bw,
                sh_mo, ctot, btot, s_bw, s_mo, b_bw, b_mo);
      pool_shares(m, 0, nr, 0, ny, s_bw, s_mo, b_bw, b_mo, out->budget_bw, out->budget_mo, pooled->shortfall_bw,
                  pooled->shortfall_mo);
    } else {
      fill_pass(m, out->cost_bw, out->cost_mo, mbw, wts, wc, mmo, vs, vc, out->budget_bw, out->budget_mo, sh_bw,
                sh_mo, ctot, btot, NULL, NULL, NULL, NULL);
      if (pooled) {
        if (pooled != plain) {
          memcpy(pooled->shortfall_bw, sh_bw, n * sizeof(double));
          memcpy(pooled->shortfall_mo, sh_mo, n * sizeof(double));
        }
        bw_pool_shortfall_years(m, out->budget_bw, out->budget_mo, pooled->shortfall_bw, pooled->shortfall_mo, 0,
                                ny);
      }
    }
  }
  for (int y = 0; y < ny; y++) {
    nat[BW_Q_COST_EUR * ny + y] = ctot[y];
    nat[BW_Q_BUDGET_EUR * ny + y] = btot[y];
    nat[BW_Q_SHORTFALL_EUR * ny + y] = ctot[y] - btot[y];
  }
}

/* The run's budgets, then (when out->cf asks for it) the counterfactual
 * under the other pooling setting, for the flags "with and without pooling"
 * (docs/model.md §6). Without the bijsturing pause pooling only moves
 * shortfalls after the budgets are set, so the counterfactual re-pools the
 * same budgets (in the same pass as the run's); with the pause the budgets
 * themselves depend on pooling (a pause is decided on the pooled
 * shortfalls), so it is a second evaluation. */
void bw_budget_apply(const bw_model *m, const bw_outer *o, const bw_workspace *w, bw_rep_result *out) {
  (void)o;
  const bw_params *p = &m->p;
  bw_rep_result *cf = out->cf && out->want_cf ? out->cf : NULL;
  int pause = p->bijsturing == BW_BIJST_PAUSE;
  apply_pooling(m, w, out, p->pooling, pause ? NULL : cf);
  if (cf && pause) apply_pooling(m, w, cf, p->pooling == BW_POOL_NONE ? BW_POOL_REGION : BW_POOL_NONE, NULL);
  out->have_cf = cf != NULL;
}

/* The shortfall of gemeente g in year y is
 *   cost_bw + cost_mo - B_bw - B_mo (+ the pooling transfer),
 *   B_bw = (base_t - X_t) [(1 - w_t) H_g + w_t O_g]
 *        = base_t (1 - w_t) H_g + base_t w_t O_g - X_t [(1 - w_t) H_g + w_t O_g],
 *   B_mo = MO_t [(1 - v_t) Hmo_g + v_t O_g],
 * with base_t the macrobudget before the settlement X_t. The budget parts
 * are shares times national amounts, so their means are the shares times the
 * means of these six amounts: */
enum { T_HIST, T_OBJ, T_X_HIST, T_X_OBJ, T_MO_HIST, T_MO_OBJ };
_Static_assert(T_MO_OBJ + 1 == BW_DECOMP_NTERMS, "one term each");

void bw_decomp_year_terms(const bw_model *m, const bw_rep_result *r, double *t) {
  const int ny = m->ny;
  for (int y = 0; y < ny; y++) {
    double w = r->w_bw[y], base = r->macro_bw[y], x = r->national[BW_Q_WLZ_SETTLEMENT_EUR * ny + y];
    double v = r->w_mo[y], mo = r->macro_mo[y];
    t[T_HIST * ny + y] = base * (1.0 - w);
    t[T_OBJ * ny + y] = base * w;
    t[T_X_HIST * ny + y] = x * (1.0 - w);
    t[T_X_OBJ * ny + y] = x * w;
    t[T_MO_HIST * ny + y] = mo * (1.0 - v);
    t[T_MO_OBJ * ny + y] = mo * v;
  }
}

void bw_decomp_combine(const bw_model *m, int g, int y, double cost_bw, double cost_bw_old, double cost_mo,
                       double pooling, const double *tmean, double out[BW_NDECOMP]) {
  const int ny = m->ny;
  const double h = m->hist_bw[g], o = m->obj[g], hmo = m->hist_mo[g];
#define TM(j) tmean[(j) * ny + y]
  out[BW_D_COST_BW] = cost_bw;
  out[BW_D_COST_BW_OLD] = cost_bw_old;
  out[BW_D_COST_BW_NEW] = cost_bw - cost_bw_old;
  out[BW_D_COST_MO] = cost_mo;
  out[BW_D_BUDGET_HIST] = -h * TM(T_HIST);
  out[BW_D_BUDGET_OBJ] = -o * TM(T_OBJ);
  out[BW_D_WLZ_SETTLEMENT] = h * TM(T_X_HIST) + o * TM(T_X_OBJ);
  out[BW_D_BUDGET_MO] = -(hmo * TM(T_MO_HIST) + o * TM(T_MO_OBJ));
  out[BW_D_POOLING] = pooling;
#undef TM
}

int bw_decomp_additive(int k, int have_old) {
  if (k == BW_D_COST_BW) return !have_old;
  if (k == BW_D_COST_BW_OLD || k == BW_D_COST_BW_NEW) return have_old;
  return k >= 0 && k < BW_NDECOMP;
}
