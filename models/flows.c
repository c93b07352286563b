/* Client flows of one replication: the individual kernel, MODEL.md §3–4.
 *
 * Every client is simulated once from its entry: its stay, the competing
 * Wlz transfer and mortality, the step-down I -> A, and the cost of each
 * piece of stay to the gemeente that pays for it (payer rules of §4) per
 * calendar year. Time is in years since 1 Jan of first_year; year index
 * y covers [y, y + 1).
 *
 * Random numbers: each client owns a Philox key (MODEL.md §9) and reads
 * fixed words of fixed blocks, so a client's fate does not depend on any
 * other client, thread or scenario:
 *   new client (purpose ENTRY + c, year y, gemeente g, ordinal j)
 *     block 0: entry time, duration, outside-region?, placement region
 *     block 1 (I): Wlz time, national institution?, step-down?, A duration
 *     block 2: mortality (own stay), mortality (step-down stay), Wlz exit
 *   stock client (purpose STOCK, gemeente field = care type, ordinal i)
 *     blocks 0-2: placement, outside?, herkomst, wave?, residual U, Wlz
 *     time, step-down?, A duration, mortality, A mortality, Wlz exit
 *     plus, for the forward recurrence, Gamma(1 + 1/k): with k = 1 the sum of
 *     two exponentials from block 3, else GSL's gamma keyed (STOCK_RESID, c, i).
 *
 * Speed: clients are handled in batches (all new clients of one care type
 * and year, all stock clients of one care type): the Philox blocks and the
 * logarithms of a batch are computed in vectorised loops (sim/rng_batch.h,
 * sim/fastmath.h), then each client's path and costs in a scalar loop.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "fastmath.h"
#include "internal.h"
#include "rng_batch.h"

typedef struct {
  const bw_model *m;
  bw_workspace *w;
  int ny;
  double horizon;      /* ny */
  double start;        /* S - first_year */
  double reindicate;   /* start + old_regime_max_years (INFINITY = never) */
  double scale[BW_NCARE], inv_shape[BW_NCARE];
  int expo[BW_NCARE];  /* shape == 1: exponential, no pow */
  double mort[BW_NCARE];
  double h_wlz, wlz_exit, p_sd, p_out, nat_share;
  const double *year_cost; /* [c * ny + y] EUR per client-year */
  double *cost[BW_NCARE];  /* cost array charged for care type c */
  double *nat;             /* [q * ny + y] */
} kernel;

/* Exponential time with rate h from a 32-bit word; INFINITY when h = 0. */
static inline double exp_time(uint32_t w, double h) { return h > 0 ? bw_neglog_u01_1(w) / h : INFINITY; }

/* Weibull duration from a unit exponential e: scale * e^(1/k). */
static inline double weibull_e(const kernel *k, int c, double e) {
  return k->expo[c] ? k->scale[c] * e : k->scale[c] * bw_exp1(bw_log1(e) * k->inv_shape[c]);
}

/* Weibull durations for a batch: dur[i] = scale * (-ln u_i)^(1/k). */
static void weibull_batch(const kernel *k, int c, const uint32_t *w, double *dur, size_t n) {
  bw_neglog_u01_batch(w, dur, n);
  if (!k->expo[c]) {
    bw_log_batch(dur, dur, n);
    for (size_t i = 0; i < n; i++) dur[i] *= k->inv_shape[c];
    bw_exp_batch(dur, dur, n);
  }
  for (size_t i = 0; i < n; i++) dur[i] *= k->scale[c];
}

/* Charge the stay [a, b) of care type c to gemeente `payer` (payer < 0:
 * national institution, paid nationally) and count it in care on 1 Jan. */
static inline void charge(kernel *k, int c, int payer, double a, double b) {
  if (a < 0) a = 0;
  if (b > k->horizon) b = k->horizon;
  if (!(b > a)) return;
  int ny = k->ny;
  const double *yc = k->year_cost + c * ny;
  double *dst = payer >= 0 ? k->cost[c] + (size_t)payer * (size_t)ny : NULL;
  double *jan1 = k->nat + (BW_Q_CLIENTS_I_JAN1 + c) * ny;
  for (int y = (int)a; y < ny && y < b; y++) {
    double lo = a > y ? a : y, hi = b < y + 1 ? b : y + 1;
    double amount = (hi - lo) * yc[y];
    if (dst) {
      dst[y] += amount;
      if (a <= y) jan1[y] += 1.0;
    } else {
      k->nat[BW_Q_COST_NATIONAL_INST_EUR * ny + y] += amount;
    }
  }
}

/* A stay of an old-regime client: paid by the centrumgemeente until the
 * re-indication moment, then by herkomst (MODEL.md §4, old_regime_max_years). */
static inline void charge_regime(kernel *k, int c, int old, int centrum, int herkomst, double a,
                                 double b) {
  if (!old) {
    charge(k, c, herkomst, a, b);
  } else if (b <= k->reindicate || c == BW_M) {
    charge(k, c, centrum, a, b);
  } else {
    double r = a > k->reindicate ? a : k->reindicate;
    charge(k, c, centrum, a, r);
    charge(k, c, herkomst, r, b);
  }
}

/* A transfer to the Wlz at time t: counted in year t, then in the Wlz until
 * an exit with rate wlz_exit (MODEL.md §3.5); q_t accumulates client-years. */
static inline void wlz_transfer(kernel *k, double t, uint32_t w_exit) {
  if (t >= k->horizon) return;
  int ny = k->ny;
  k->nat[BW_Q_WLZ_TRANSFERS * ny + (int)t] += 1.0;
  double end = t + exp_time(w_exit, k->wlz_exit);
  double *q = k->nat + BW_Q_WLZ_CLIENT_YEARS * ny;
  for (int y = (int)t; y < ny && y < end; y++) {
    double lo = t > y ? t : y, hi = end < y + 1 ? end : y + 1;
    q[y] += hi - lo;
  }
}

/* The rest of an I stay from `entry`, with its natural duration D already
 * drawn: competing Wlz transfer (time W) and mortality; at a natural end,
 * the step-down to A with the same payer (bouwsteen 3).
 * more: words [Wlz exit, step-down?, A duration, A mortality], read only
 * when needed. */
typedef struct {
  double entry, D, W, mort;
  int old, centrum, herkomst, national;
} istay;

static inline void run_i_stay(kernel *k, const istay *s, const uint32_t more[4]) {
  double end_nat = s->entry + s->D, end_wlz = s->entry + s->W, end_mort = s->entry + s->mort;
  double end = end_nat;
  if (end_wlz < end) end = end_wlz;
  if (end_mort < end) end = end_mort;
  k->w->stays++;
  if (s->national) charge(k, BW_I, -1, s->entry, end);
  else charge_regime(k, BW_I, s->old, s->centrum, s->herkomst, s->entry, end);
  if (end >= k->horizon) return;
  if (end == end_wlz && end_wlz < end_nat && end_wlz <= end_mort) {
    wlz_transfer(k, end, more[0]);
  } else if (end == end_nat && end_nat < end_mort && bw_u01(more[1]) < k->p_sd) {
    k->nat[BW_Q_STEPDOWNS_IA * k->ny + (int)end] += 1.0;
    double da = weibull_e(k, BW_A, bw_neglog_u01_1(more[2]));
    double ma = exp_time(more[3], k->mort[BW_A]);
    k->w->stays++;
    charge_regime(k, BW_A, s->old, s->centrum, s->herkomst, end, end + (da < ma ? da : ma));
  }
}

static void kernel_init(kernel *k, const bw_model *m, bw_workspace *w, const bw_outer *o) {
  const bw_params *p = &m->p;
  memset(k, 0, sizeof *k);
  k->m = m;
  k->w = w;
  k->ny = m->ny;
  k->horizon = m->ny;
  k->start = p->start_year - p->first_year;
  k->reindicate = k->start + p->old_regime_max_years;
  for (int c = 0; c < BW_NCARE; c++) {
    double mean = p->duration_mean_years[c] * o->duration_mult[c];
    k->scale[c] = bw_weibull_scale(mean, p->duration_shape[c]);
    k->inv_shape[c] = 1.0 / p->duration_shape[c];
    k->expo[c] = p->duration_shape[c] == 1.0;
    k->mort[c] = p->mortality_rate[c];
  }
  k->h_wlz = p->wlz_hazard;
  k->wlz_exit = p->wlz_exit_rate;
  k->p_sd = p->p_step_down;
  k->p_out = p->p_outside_region;
  k->nat_share = p->national_institution_share;
  k->year_cost = w->year_cost;
  k->cost[BW_I] = k->cost[BW_A] = w->cost_bw;
  k->cost[BW_M] = w->cost_mo;
  k->nat = w->national;

  /* EUR per client-year by care type and year (MODEL.md §4): tariff * 365,
   * indexed by this replication's cost_index; from mo_extra_from the M
   * tariff rises by the MO extra's share (the extra buys care, §5). */
  for (int c = 0; c < BW_NCARE; c++)
    for (int y = 0; y < m->ny; y++) {
      double v = p->tariff_eur_per_day[c] * 365.0 * pow(1.0 + o->cost_index, y);
      if (c == BW_M && p->first_year + y >= p->mo_extra_from)
        v *= 1.0 + p->mo_extra_eur / m->macro_mo_2021;
      w->year_cost[c * m->ny + y] = v;
    }
}

/* Blocks 0 and 1 of every client in w's batch (counter words c1, c2). */
static void batch_blocks(const kernel *k, const bw_rng_key *key, size_t n, int both) {
  bw_workspace *w = k->w;
  bw_rng_blocks(key, w->c1, w->c2, 0, n, w->b0[0], w->b0[1], w->b0[2], w->b0[3]);
  if (both) bw_rng_blocks(key, w->c1, w->c2, 1, n, w->b1[0], w->b1[1], w->b1[2], w->b1[3]);
}

/* Stock on 1 Jan first_year (MODEL.md §3.1): fixed counts, placement ∝
 * historical budget, herkomst ∝ pop·need (in region or, a fraction
 * p_outside_region, nationally), residual stay by the forward-recurrence law,
 * Wlz wave on 1 Jan for I. All stock clients are old regime. */
static int simulate_stock(kernel *k, uint32_t rep, const bw_outer *o) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  bw_workspace *w = k->w;
  int ny = k->ny;
  double p_wave = p->wlz_p_wave * o->wlz_factor;
  if (p_wave > 1) p_wave = 1;
  bw_rng_key base = bw_rng_make(p->seed, rep, 0, 0, 0, 0);
  for (int c = 0; c < BW_NCARE; c++) {
    size_t n = (size_t)lround(p->stock[c]);
    if (bw_workspace_reserve(w, n)) return -1;
    const bw_alias *regions = c == BW_M ? &m->region_mo : &m->region_bw;
    uint32_t c1 = bw_rng_c1(BW_RNG_STOCK, 0, (unsigned)c);
    for (size_t i = 0; i < n; i++) w->c1[i] = c1, w->c2[i] = (uint32_t)i;
    batch_blocks(k, &base, n, 1);
    /* Gamma(1 + 1/k) of the forward recurrence */
    if (k->expo[c]) {
      /* Gamma(2) = the sum of two unit exponentials (block 3) */
      bw_rng_blocks(&base, w->c1, w->c2, 3, n, w->bx[0], w->bx[1], w->bx[2], w->bx[3]);
      bw_neglog_u01_batch(w->bx[0], w->aux, n);
      bw_neglog_u01_batch(w->bx[1], w->dur, n);
      for (size_t i = 0; i < n; i++) w->aux[i] += w->dur[i];
    }
    double a_gamma = 1.0 + 1.0 / p->duration_shape[c];
    for (size_t i = 0; i < n; i++) {
      int r = bw_alias_draw(regions, bw_u01(w->b0[0][i]));
      int centrum = m->d.r[r].centrum;
      int herkomst = bw_u01(w->b0[1][i]) < k->p_out
                         ? bw_alias_draw(&m->herkomst_nat, bw_u01(w->b0[2][i]))
                         : bw_alias_draw(&m->herkomst_reg[r], bw_u01(w->b0[2][i]));
      bw_rng_key key = bw_rng_make(p->seed, rep, BW_RNG_STOCK, 0, (unsigned)c, (uint32_t)i);
      if (c == BW_I && bw_u01(w->b0[3][i]) < p_wave) {
        /* the 1 Jan stock count is taken before the wave (MODEL.md §3.5) */
        k->nat[BW_Q_CLIENTS_I_JAN1 * ny + 0] += 1.0;
        philox4x32_ctr_t b2 = bw_rng_block(&key, 2);
        wlz_transfer(k, 0.0, b2.v[2]);
        continue;
      }
      /* forward recurrence: D* = scale * G^(1/k), G ~ Gamma(1 + 1/k); R = U D* */
      double G;
      if (k->expo[c]) {
        G = w->aux[i];
      } else {
        bw_rng_gsl_reset(w->rng, bw_rng_make(p->seed, rep, BW_RNG_STOCK_RESID, 0, (unsigned)c, (uint32_t)i));
        G = gsl_ran_gamma(w->rng, a_gamma, 1.0);
      }
      double R = bw_u01(w->b1[0][i]) * weibull_e(k, c, G);
      double mort = INFINITY;
      uint32_t more[4] = {0, w->b1[2][i], w->b1[3][i], 0};
      if (k->mort[BW_I] > 0 || k->mort[BW_A] > 0 || k->mort[BW_M] > 0 || c == BW_I) {
        philox4x32_ctr_t b2 = bw_rng_block(&key, 2);
        mort = exp_time(b2.v[0], k->mort[c]);
        more[0] = b2.v[2];
        more[3] = b2.v[1];
      }
      if (c == BW_I) {
        istay s = {0.0, R, exp_time(w->b1[1][i], k->h_wlz), mort, 1, centrum, herkomst, 0};
        run_i_stay(k, &s, more);
      } else {
        w->stays++;
        charge_regime(k, c, 1, centrum, herkomst, 0.0, R < mort ? R : mort);
      }
    }
  }
  return 0;
}

/* New indications (MODEL.md §3.2): per gemeente x care type x year a
 * (negative binomial or Poisson) count with mean mu_gct, entry times uniform
 * in the year; placement in the herkomst region except a fraction
 * p_outside_region in another region ∝ historical budget. */
static int simulate_entries(kernel *k, uint32_t rep, const bw_outer *o) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  bw_workspace *w = k->w;
  int ny = k->ny, ng = m->ng;
  const double *eps = w->eps;
  double a = p->supply_attraction;
  bw_rng_key base = bw_rng_make(p->seed, rep, 0, 0, 0, 0);
  for (int y = 0; y < ny; y++) {
    int year = p->first_year + y;
    int old = year < p->start_year;
    int mo_local = p->mo_decentralise_year > 0 && year >= p->mo_decentralise_year;
    double pop_k = m->pop_total[y] / 1000.0;
    for (int c = 0; c < BW_NCARE; c++) {
      /* 1. counts per gemeente -> one batch of clients of care type c, year y */
      double level = p->rate_per_1000[c] * o->rate_mult[c] * pow(1.0 + p->growth[c], y);
      size_t n = 0;
      for (int g = 0; g < ng; g++) {
        double need = m->pop[g * ny + y] / 1000.0 * m->need[g] * eps[g];
        double mu = c == BW_M ? level * need : level * ((1.0 - a) * need + a * pop_k * m->hist_bw[g]);
        if (!(mu > 0)) continue;
        bw_rng_gsl_reset(w->rng, bw_rng_make(p->seed, rep, BW_RNG_COUNT, (unsigned)y, (unsigned)g, (uint32_t)c));
        double k_disp = p->dispersion[c];
        double lam = isinf(k_disp) ? mu : gsl_ran_gamma(w->rng, k_disp, mu / k_disp);
        unsigned int cnt = gsl_ran_poisson(w->rng, lam);
        if (bw_workspace_reserve(w, n + cnt)) return -1;
        uint32_t c1 = bw_rng_c1(BW_RNG_ENTRY + (unsigned)c, (unsigned)y, (unsigned)g);
        for (unsigned int j = 0; j < cnt; j++, n++) w->c1[n] = c1, w->c2[n] = j, w->gem[n] = g;
      }
      /* 2. random words, durations and Wlz times of the whole batch */
      batch_blocks(k, &base, n, c == BW_I);
      weibull_batch(k, c, w->b0[1], w->dur, n);
      if (c == BW_I && k->h_wlz > 0) {
        bw_neglog_u01_batch(w->b1[0], w->wlz, n);
        for (size_t i = 0; i < n; i++) w->wlz[i] /= k->h_wlz;
      }
      /* 3. each client's path and costs */
      for (size_t i = 0; i < n; i++) {
        int g = w->gem[i], region = m->d.g[g].region;
        const bw_alias *other = c == BW_M ? &m->other_mo[region] : &m->other_bw[region];
        double entry = y + bw_u01(w->b0[0][i]);
        double D = w->dur[i];
        int r = bw_u01(w->b0[2][i]) < k->p_out ? bw_alias_draw(other, bw_u01(w->b0[3][i])) : region;
        int centrum = m->d.r[r].centrum;
        if (c == BW_I) {
          int national = bw_u01(w->b1[1][i]) < k->nat_share;
          k->nat[(national ? BW_Q_ENTRIES_NATIONAL_INST : BW_Q_ENTRIES_I) * ny + y] += 1.0;
          double W = k->h_wlz > 0 ? w->wlz[i] : INFINITY, mort = INFINITY;
          uint32_t more[4] = {0, w->b1[2][i], w->b1[3][i], 0};
          if (k->mort[BW_I] > 0 || k->mort[BW_A] > 0 || W < D) {
            bw_rng_key key = base;
            key.ctr.v[1] = w->c1[i];
            key.ctr.v[2] = w->c2[i];
            philox4x32_ctr_t b2 = bw_rng_block(&key, 2);
            mort = exp_time(b2.v[0], k->mort[BW_I]);
            more[0] = b2.v[2];
            more[3] = b2.v[1];
          }
          istay s = {entry, D, W, mort, old, centrum, g, national};
          run_i_stay(k, &s, more);
        } else {
          k->nat[(BW_Q_ENTRIES_I + c) * ny + y] += 1.0;
          if (k->mort[c] > 0) {
            bw_rng_key key = base;
            key.ctr.v[1] = w->c1[i];
            key.ctr.v[2] = w->c2[i];
            double mt = exp_time(bw_rng_block(&key, 2).v[0], k->mort[c]);
            if (mt < D) D = mt;
          }
          w->stays++;
          if (c == BW_M) charge(k, BW_M, mo_local ? g : centrum, entry, entry + D);
          else charge_regime(k, BW_A, old, centrum, g, entry, entry + D);
        }
      }
    }
  }
  return 0;
}

int bw_flows_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_outer *o) {
  size_t n = (size_t)m->ng * (size_t)m->ny;
  memset(w->cost_bw, 0, n * sizeof(double));
  memset(w->cost_mo, 0, n * sizeof(double));
  memset(w->national, 0, (size_t)BW_NQ * (size_t)m->ny * sizeof(double));
  w->stays = 0;
  bw_outer_draw(m, rep, o, w->eps);
  kernel k;
  kernel_init(&k, m, w, o);
  if (simulate_stock(&k, rep, o)) return -1;
  return simulate_entries(&k, rep, o);
}
