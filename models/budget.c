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
 * rata to budget. Applied to BW and MO apart, so the totals are kept.
 *
 * Years y0 .. y1-1 in one pass over the gemeenten, each gemeente's years
 * contiguous (the arrays are [g * ny + y]): the per-year form strided over
 * the gemeenten once per year, and its divisions were ~6 % of a count-kernel
 * replication (perf, default params, the other-pooling counterfactual). Each
 * region-year's sums still add the gemeenten in their order, and each share
 * is the same division, so the bits are those of the per-year form. */
void bw_pool_shortfall_years(const bw_model *m, const double *budget_bw, const double *budget_mo,
                             double *short_bw, double *short_mo, int y0, int y1) {
  enum { CELLS = 1024 }; /* region-years per pass (5 x 8 KiB of stack) */
  const int ny = m->ny, nyr = y1 - y0;
  if (nyr <= 0) return;
  if (nyr > CELLS) { /* more years than a pass holds: a year at a time */
    for (int y = y0; y < y1; y++) bw_pool_shortfall_years(m, budget_bw, budget_mo, short_bw, short_mo, y, y + 1);
    return;
  }
  const int chunk = CELLS / nyr; /* regions per pass (one pass for 43 regions and up to 23 years) */
  double s_bw[CELLS], s_mo[CELLS], b_bw[CELLS], b_mo[CELLS], pop[CELLS];
  for (int r0 = 0; r0 < m->nr; r0 += chunk) {
    int nc = m->nr - r0 < chunk ? m->nr - r0 : chunk;
    size_t nz = (size_t)nc * nyr;
    for (size_t j = 0; j < nz; j++) s_bw[j] = s_mo[j] = b_bw[j] = b_mo[j] = pop[j] = 0.0;
    for (int g = 0; g < m->ng; g++) {
      int k = m->d.g[g].region - r0;
      if (k < 0 || k >= nc) continue;
      size_t i0 = (size_t)g * ny + y0, k0 = (size_t)k * nyr;
      for (int j = 0; j < nyr; j++) {
        s_bw[k0 + j] += short_bw[i0 + j];
        s_mo[k0 + j] += short_mo[i0 + j];
        b_bw[k0 + j] += budget_bw[i0 + j];
        b_mo[k0 + j] += budget_mo[i0 + j];
        pop[k0 + j] += m->pop[i0 + j];
      }
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

/* Budgets and shortfalls of out under the given pooling setting. */
static void apply_pooling(const bw_model *m, const bw_workspace *w, bw_rep_result *out, bw_pooling pooling) {
  const bw_params *p = &m->p;
  int ng = m->ng, ny = m->ny;
  size_t n = (size_t)ng * (size_t)ny;
  memcpy(out->cost_bw, w->cost_bw, n * sizeof(double));
  out->have_old = w->have_old;
  if (w->have_old) memcpy(out->cost_bw_old, w->cost_bw_old, n * sizeof(double));
  memcpy(out->cost_mo, w->cost_mo, n * sizeof(double));
  memcpy(out->national, w->national, (size_t)BW_NQ * ny * sizeof(double));
  double *nat = out->national;
  const double *q = nat + BW_Q_WLZ_CLIENT_YEARS * ny;
  /* per year: macro BW, ingroeipad weight, macro MO, MO weight; national
   * BW cost, total cost (scratch of the workspace) */
  double *mbw = w->budget_scr, *wts = mbw + ny, *mmo = wts + ny, *vs = mmo + ny, *cbw = vs + ny, *ctot = cbw + ny;
  double *btot = ctot + ny;
  for (int y = 0; y < ny; y++) cbw[y] = ctot[y] = btot[y] = 0;
  /* national costs, gemeente by gemeente (each year's sum in gemeente
   * order, as a sum per year would be) */
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)g * ny + y;
      cbw[y] += out->cost_bw[i];
      ctot[y] += out->cost_bw[i] + out->cost_mo[i];
    }
  int pause = p->bijsturing == BW_BIJST_PAUSE;

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
  /* without the pause: every year of a gemeente at once (contiguous) */
  if (!pause) {
    for (int g = 0; g < ng; g++) {
      double hb = m->hist_bw[g], hm = m->hist_mo[g], ob = m->obj[g];
      size_t i0 = (size_t)g * ny;
      for (int y = 0; y < ny; y++) {
        size_t i = i0 + y;
        out->budget_bw[i] = mbw[y] * ((1.0 - wts[y]) * hb + wts[y] * ob);
        out->budget_mo[i] = mmo[y] * ((1.0 - vs[y]) * hm + vs[y] * ob);
        out->shortfall_bw[i] = out->cost_bw[i] - out->budget_bw[i];
        out->shortfall_mo[i] = out->cost_mo[i] - out->budget_mo[i];
      }
    }
    if (pooling == BW_POOL_REGION)
      bw_pool_shortfall_years(m, out->budget_bw, out->budget_mo, out->shortfall_bw, out->shortfall_mo, 0, ny);
  }
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)g * ny + y;
      btot[y] += out->budget_bw[i] + out->budget_mo[i];
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
 * same budgets; with the pause the budgets themselves depend on pooling (a
 * pause is decided on the pooled shortfalls), so it is a second evaluation. */
void bw_budget_apply(const bw_model *m, const bw_outer *o, const bw_workspace *w, bw_rep_result *out) {
  (void)o;
  const bw_params *p = &m->p;
  apply_pooling(m, w, out, p->pooling);
  out->have_cf = 0;
  if (!out->cf || !out->want_cf) return;
  bw_pooling other = p->pooling == BW_POOL_NONE ? BW_POOL_REGION : BW_POOL_NONE;
  bw_rep_result *cf = out->cf;
  if (p->bijsturing == BW_BIJST_PAUSE) {
    apply_pooling(m, w, cf, other);
  } else {
    size_t n = (size_t)m->ng * (size_t)m->ny;
    for (size_t i = 0; i < n; i++) {
      cf->shortfall_bw[i] = out->cost_bw[i] - out->budget_bw[i];
      cf->shortfall_mo[i] = out->cost_mo[i] - out->budget_mo[i];
    }
    if (other == BW_POOL_REGION)
      bw_pool_shortfall_years(m, out->budget_bw, out->budget_mo, cf->shortfall_bw, cf->shortfall_mo, 0, m->ny);
  }
  out->have_cf = 1;
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
