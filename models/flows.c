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
 *     plus a Gamma draw keyed (STOCK_RESID, c, i) for the forward recurrence.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "internal.h"

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

/* Exponential time with rate h from a uniform in (0,1); INFINITY when h = 0. */
static inline double exp_time(double u, double h) { return h > 0 ? -log(u) / h : INFINITY; }

/* Weibull duration from a uniform: scale * (-ln u)^(1/k). */
static inline double weibull(const kernel *k, int c, double u) {
  double e = -log(u);
  return k->expo[c] ? k->scale[c] * e : k->scale[c] * exp(log(e) * k->inv_shape[c]);
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
static inline void wlz_transfer(kernel *k, double t, double u_exit) {
  if (t >= k->horizon) return;
  int ny = k->ny;
  k->nat[BW_Q_WLZ_TRANSFERS * ny + (int)t] += 1.0;
  double end = t + exp_time(u_exit, k->wlz_exit);
  double *q = k->nat + BW_Q_WLZ_CLIENT_YEARS * ny;
  for (int y = (int)t; y < ny && y < end; y++) {
    double lo = t > y ? t : y, hi = end < y + 1 ? end : y + 1;
    q[y] += hi - lo;
  }
}

/* The rest of an I stay from `entry`, with its natural duration D already
 * drawn: competing Wlz transfer (time W) and mortality; at a natural end,
 * the step-down to A with the same payer (bouwsteen 3).
 * u: [wlz-exit, step-down?, A duration, A mortality] uniforms, read only
 * when needed via the callback-free array. */
typedef struct {
  double entry, D, W, mort;
  int old, centrum, herkomst, national;
} istay;

static inline void run_i_stay(kernel *k, const istay *s, const double u_more[4]) {
  double end_nat = s->entry + s->D, end_wlz = s->entry + s->W, end_mort = s->entry + s->mort;
  double end = end_nat;
  if (end_wlz < end) end = end_wlz;
  if (end_mort < end) end = end_mort;
  k->w->stays++;
  if (s->national) charge(k, BW_I, -1, s->entry, end);
  else charge_regime(k, BW_I, s->old, s->centrum, s->herkomst, s->entry, end);
  if (end >= k->horizon) return;
  if (end == end_wlz && end_wlz < end_nat && end_wlz <= end_mort) {
    wlz_transfer(k, end, u_more[0]);
  } else if (end == end_nat && end_nat < end_mort && u_more[1] < k->p_sd) {
    k->nat[BW_Q_STEPDOWNS_IA * k->ny + (int)end] += 1.0;
    double da = weibull(k, BW_A, u_more[2]);
    double ma = exp_time(u_more[3], k->mort[BW_A]);
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

/* Stock on 1 Jan first_year (MODEL.md §3.1): fixed counts, placement ∝
 * historical budget, herkomst ∝ pop·need (in region or, a fraction
 * p_outside_region, nationally), residual stay by the forward-recurrence law,
 * Wlz wave on 1 Jan for I. All stock clients are old regime. */
static void simulate_stock(kernel *k, uint32_t rep, const bw_outer *o) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  int ny = k->ny;
  double p_wave = p->wlz_p_wave * o->wlz_factor;
  if (p_wave > 1) p_wave = 1;
  for (int c = 0; c < BW_NCARE; c++) {
    long n = lround(p->stock[c]);
    const bw_alias *regions = c == BW_M ? &m->region_mo : &m->region_bw;
    double a_gamma = 1.0 + 1.0 / p->duration_shape[c];
    for (long i = 0; i < n; i++) {
      bw_rng_key key = bw_rng_make(p->seed, rep, BW_RNG_STOCK, 0, (unsigned)c, (uint32_t)i);
      philox4x32_ctr_t b0 = bw_rng_block(&key, 0), b1 = bw_rng_block(&key, 1);
      int r = bw_alias_draw(regions, bw_u01(b0.v[0]));
      int centrum = m->d.r[r].centrum;
      int herkomst = bw_u01(b0.v[1]) < k->p_out ? bw_alias_draw(&m->herkomst_nat, bw_u01(b0.v[2]))
                                                : bw_alias_draw(&m->herkomst_reg[r], bw_u01(b0.v[2]));
      if (c == BW_I && bw_u01(b0.v[3]) < p_wave) {
        /* the 1 Jan stock count is taken before the wave (MODEL.md §3.5) */
        k->nat[BW_Q_CLIENTS_I_JAN1 * ny + 0] += 1.0;
        philox4x32_ctr_t b2 = bw_rng_block(&key, 2);
        wlz_transfer(k, 0.0, bw_u01(b2.v[2]));
        continue;
      }
      /* forward recurrence: D* = scale * G^(1/k), G ~ Gamma(1 + 1/k); R = U D* */
      bw_rng_gsl_reset(k->w->rng, bw_rng_make(p->seed, rep, BW_RNG_STOCK_RESID, 0, (unsigned)c, (uint32_t)i));
      double G = gsl_ran_gamma(k->w->rng, a_gamma, 1.0);
      double dstar = k->scale[c] * (k->expo[c] ? G : exp(log(G) * k->inv_shape[c]));
      double R = bw_u01(b1.v[0]) * dstar;
      philox4x32_ctr_t b2 = bw_rng_block(&key, 2);
      double mort = exp_time(bw_u01(b2.v[0]), k->mort[c]);
      if (c == BW_I) {
        istay s = {0.0, R, exp_time(bw_u01(b1.v[1]), k->h_wlz), mort, 1, centrum, herkomst, 0};
        double more[4] = {bw_u01(b2.v[2]), bw_u01(b1.v[2]), bw_u01(b1.v[3]), bw_u01(b2.v[1])};
        run_i_stay(k, &s, more);
      } else {
        k->w->stays++;
        charge_regime(k, c, 1, centrum, herkomst, 0.0, R < mort ? R : mort);
      }
    }
  }
}

/* New indications (MODEL.md §3.2): per gemeente x care type x year a
 * (negative binomial or Poisson) count with mean mu_gct, entry times uniform
 * in the year; placement in the herkomst region except a fraction
 * p_outside_region in another region ∝ historical budget. */
static void simulate_entries(kernel *k, uint32_t rep, const bw_outer *o) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  int ny = k->ny, ng = m->ng;
  const double *eps = k->w->eps;
  gsl_rng *rng = k->w->rng;
  double a = p->supply_attraction;
  for (int y = 0; y < ny; y++) {
    int year = p->first_year + y;
    int old = year < p->start_year;
    int mo_local = p->mo_decentralise_year > 0 && year >= p->mo_decentralise_year;
    double pop_k = m->pop_total[y] / 1000.0;
    for (int g = 0; g < ng; g++) {
      int region = m->d.g[g].region;
      double base = m->pop[g * ny + y] / 1000.0 * m->need[g] * eps[g];
      for (int c = 0; c < BW_NCARE; c++) {
        double level = p->rate_per_1000[c] * o->rate_mult[c] * pow(1.0 + p->growth[c], y);
        double mu = c == BW_M ? level * base
                              : level * ((1.0 - a) * base + a * pop_k * m->hist_bw[g]);
        if (!(mu > 0)) continue;
        bw_rng_gsl_reset(rng, bw_rng_make(p->seed, rep, BW_RNG_COUNT, (unsigned)y, (unsigned)g, (uint32_t)c));
        double k_disp = p->dispersion[c];
        double lam = isinf(k_disp) ? mu : gsl_ran_gamma(rng, k_disp, mu / k_disp);
        unsigned int n = gsl_ran_poisson(rng, lam);
        const bw_alias *other = c == BW_M ? &m->other_mo[region] : &m->other_bw[region];
        for (unsigned int j = 0; j < n; j++) {
          bw_rng_key key = bw_rng_make(p->seed, rep, BW_RNG_ENTRY + c, (unsigned)y, (unsigned)g, j);
          philox4x32_ctr_t b0 = bw_rng_block(&key, 0);
          double entry = y + bw_u01(b0.v[0]);
          double D = weibull(k, c, bw_u01(b0.v[1]));
          int r = bw_u01(b0.v[2]) < k->p_out ? bw_alias_draw(other, bw_u01(b0.v[3])) : region;
          int centrum = m->d.r[r].centrum;
          if (c == BW_I) {
            philox4x32_ctr_t b1 = bw_rng_block(&key, 1);
            int national = bw_u01(b1.v[1]) < k->nat_share;
            k->nat[(national ? BW_Q_ENTRIES_NATIONAL_INST : BW_Q_ENTRIES_I) * ny + y] += 1.0;
            double W = exp_time(bw_u01(b1.v[0]), k->h_wlz);
            double mort = INFINITY, more[4] = {0.5, bw_u01(b1.v[2]), bw_u01(b1.v[3]), 0.5};
            if (k->mort[BW_I] > 0 || k->mort[BW_A] > 0 || W < D) {
              philox4x32_ctr_t b2 = bw_rng_block(&key, 2);
              mort = exp_time(bw_u01(b2.v[0]), k->mort[BW_I]);
              more[0] = bw_u01(b2.v[2]);
              more[3] = bw_u01(b2.v[1]);
            }
            istay s = {entry, D, W, mort, old, centrum, g, national};
            run_i_stay(k, &s, more);
          } else {
            k->nat[(BW_Q_ENTRIES_I + c) * ny + y] += 1.0;
            if (k->mort[c] > 0) {
              philox4x32_ctr_t b2 = bw_rng_block(&key, 2);
              double mt = exp_time(bw_u01(b2.v[0]), k->mort[c]);
              if (mt < D) D = mt;
            }
            k->w->stays++;
            if (c == BW_M) charge(k, BW_M, mo_local ? g : centrum, entry, entry + D);
            else charge_regime(k, BW_A, old, centrum, g, entry, entry + D);
          }
        }
      }
    }
  }
}

void bw_flows_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_outer *o) {
  size_t n = (size_t)m->ng * (size_t)m->ny;
  memset(w->cost_bw, 0, n * sizeof(double));
  memset(w->cost_mo, 0, n * sizeof(double));
  memset(w->national, 0, (size_t)BW_NQ * (size_t)m->ny * sizeof(double));
  w->stays = 0;
  bw_outer_draw(m, rep, w->rng, o, w->eps);
  kernel k;
  kernel_init(&k, m, w, o);
  simulate_stock(&k, rep, o);
  simulate_entries(&k, rep, o);
}
