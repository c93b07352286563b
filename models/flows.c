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
 * Speed: clients are handled in chunks of CHUNK (new clients of one care
 * type and year, gemeente after gemeente; stock clients of one care type),
 * structure of arrays, in passes: the Philox blocks of the chunk, then every
 * exponential, Weibull and Wlz time with the vectorised logarithms
 * (sim/rng_batch.h, sim/fastmath.h), then one branch-light pass that places
 * each client, decides its competing events and books its stay, and lists the
 * step-downs and Wlz transfers, which get their own passes.
 *
 * Booking a stay costs O(1), not a loop over its calendar years: the ledger
 * keeps, per care type, payer and year, the start and end events of stays
 * (events[y] = starts - ends in year y, part[y] = Σ ±(y + 1 - t) over them).
 * Client-years of year y are then part[y] + Σ_{y' < y} events[y'], and the
 * clients in care on 1 Jan of year y are Σ_{y' < y} events[y'] plus the
 * events that fall exactly on that 1 Jan; cost = client-years × tariff of
 * the year (bw_flows_simulate folds the ledger at the end). This is the
 * integral of the in-care indicator of §2, evaluated per year: the same
 * numbers as charging each calendar-year piece, up to rounding.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "fastmath.h"
#include "internal.h"
#include "rng_batch.h"

/* Clients per chunk: their words and deviates (~40 kB) stay in L1/L2. */
#define CHUNK 256

typedef struct {
  const bw_model *m;
  bw_workspace *w;
  int ng, ny;
  double horizon;      /* ny */
  double start;        /* S - first_year */
  double reindicate;   /* start + old_regime_max_years (INFINITY = never) */
  double scale[BW_NCARE], inv_shape[BW_NCARE];
  int expo[BW_NCARE];  /* shape == 1: exponential, no pow */
  double mort[BW_NCARE];
  double h_wlz, wlz_exit, p_sd, p_out, nat_share;
  int any_mort;
  double *nat;         /* w->national: [q * ny + y] */
  uint64_t stays;
  /* the ledger (see the header): acc[((c * (ng + 1) + row) * (ny + 1) + y) * 2 + {0, 1}]
   * = {part, events}; row ng = national institutions (I), column ny = after
   * the horizon. at_int[c][y]: starts - ends exactly on 1 Jan of y (row
   * BW_NCARE: national institutions, not counted). wlzq: the same for the
   * Wlz stays of transferred clients (q_t). */
  double *acc;
  size_t row_stride, care_stride; /* 2 (ny + 1), row_stride (ng + 1) */
  double at_int[BW_NCARE + 1][BW_MAX_YEARS + 1];
  double wlzq[(BW_MAX_YEARS + 1) * 2], wlz_at_int[BW_MAX_YEARS + 1];
} kernel;

/* One chunk of clients, structure of arrays. */
typedef struct {
  uint32_t c1[CHUNK], c2[CHUNK];  /* counter words of each client's key */
  uint32_t b[4][4][CHUNK];        /* blocks 0..3, words 0..3 */
  int g[CHUNK], reg[CHUNK];       /* new clients: herkomst gemeente, its region */
  /* stays to book: start, natural duration, Wlz time, mortality time,
   * centrumgemeente of the placement region, herkomst, national institution */
  double t0[CHUNK], d[CHUNK], wz[CHUNK], mt[CHUNK];
  int cen[CHUNK], her[CHUNK], nat[CHUNK];
  uint32_t ws[4][CHUNK];          /* gathered words (stock I): step-down?, A duration, A mortality, Wlz exit */
  int idx[CHUNK];                 /* compacted client indices */
  /* follow-ups: time and client index; gathered words; deviates */
  int nsd, nwz;
  double sd_t[CHUNK], wz_t[CHUNK], x0[CHUNK], x1[CHUNK];
  int sd_i[CHUNK];
  uint32_t u0[CHUNK], u1[CHUNK];
} chunk;

/* Exponential time with rate h from a 32-bit word; INFINITY when h = 0. */
static inline double exp_time(uint32_t w, double h) { return h > 0 ? bw_neglog_u01_1(w) / h : INFINITY; }

/* out[i] = exponential time with rate h from word w[i] (INFINITY when h = 0). */
static void exp_times(const uint32_t *w, double h, double *out, size_t n) {
  if (h > 0) {
    bw_neglog_u01_batch(w, out, n);
    for (size_t i = 0; i < n; i++) out[i] /= h;
  } else {
    for (size_t i = 0; i < n; i++) out[i] = INFINITY;
  }
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

/* The blocks b of the n clients of the chunk for which bit b of `mask` is set. */
static void chunk_blocks(const bw_rng_key *key, chunk *ch, int n, unsigned mask) {
  for (int b = 0; b < 4; b++)
    if (mask & (1u << b))
      bw_rng_blocks(key, ch->c1, ch->c2, (uint32_t)b, (size_t)n, ch->b[b][0], ch->b[b][1], ch->b[b][2],
                  ch->b[b][3]);
}

/* ---- the ledger ------------------------------------------------------------ */

/* A stay of care type c on ledger row `row` starts (s = +1) or ends (s = -1)
 * at t, 0 <= t <= horizon. */
static inline void ledger_event(double *row, double *at_int, double t, double s) {
  int y = (int)t;
  double *cell = row + 2 * y;
  cell[0] += s * ((double)(y + 1) - t);
  cell[1] += s;
  if (t == (double)y) at_int[y] += s;
}

/* Book the stay [a, b) of care type c on ledger row `row` (a gemeente that
 * pays, or ng: a national institution); 0 <= a < horizon, a <= b. */
static inline void book(kernel *k, int c, int row, double a, double b) {
  if (b > k->horizon) b = k->horizon;
  double *r = k->acc + (size_t)c * k->care_stride + (size_t)row * k->row_stride;
  double *at = k->at_int[row < k->ng ? c : BW_NCARE];
  ledger_event(r, at, a, 1.0);
  ledger_event(r, at, b, -1.0);
}

/* An old-regime stay that outlasts the re-indication moment (MODEL.md §4,
 * old_regime_max_years): the centrumgemeente pays until then, herkomst after. */
static void book_split(kernel *k, int c, int centrum, int herkomst, double a, double b) {
  double r = a > k->reindicate ? a : k->reindicate;
  if (r > a) book(k, c, centrum, a, r);
  book(k, c, herkomst, r, b);
}

/* A stay under the regime rules (MODEL.md §4): old regime -> the centrumgemeente
 * of the placement region (until re-indication; M always), new -> herkomst. */
static inline void book_regime(kernel *k, int c, int old, int centrum, int herkomst, double a, double b) {
  if (old && c != BW_M && b > k->reindicate) book_split(k, c, centrum, herkomst, a, b);
  else book(k, c, old ? centrum : herkomst, a, b);
}

/* A transfer to the Wlz at time t < horizon: counted in year t, then in the
 * Wlz for `stay` years (exit with rate wlz_exit, MODEL.md §3.5); q_t
 * accumulates client-years. */
static inline void wlz_transfer(kernel *k, double t, double stay) {
  k->nat[BW_Q_WLZ_TRANSFERS * k->ny + (int)t] += 1.0;
  double end = t + stay;
  if (end > k->horizon) end = k->horizon;
  ledger_event(k->wlzq, k->wlz_at_int, t, 1.0);
  ledger_event(k->wlzq, k->wlz_at_int, end, -1.0);
}

/* ---- stays -------------------------------------------------------------------- */

/* The I stays of the chunk (ch->t0, d, wz, mt, cen, her, nat for i < n):
 * competing Wlz transfer (time wz) and mortality; at a natural end, the
 * step-down to A with the same payer (bouwsteen 3). w_sd, w_da, w_ma, w_wx:
 * each client's words for step-down?, A duration, A mortality, Wlz exit. */
static void i_stays(kernel *k, chunk *ch, int n, int old, const uint32_t *w_sd, const uint32_t *w_da,
                    const uint32_t *w_ma, const uint32_t *w_wx) {
  const double horizon = k->horizon, p_sd = k->p_sd;
  int nsd = 0, nwz = 0;
  for (int i = 0; i < n; i++) {
    double a = ch->t0[i];
    double end_nat = a + ch->d[i], end_wlz = a + ch->wz[i], end_mort = a + ch->mt[i];
    double end = end_nat;
    if (end_wlz < end) end = end_wlz;
    if (end_mort < end) end = end_mort;
    int national = ch->nat[i];
    if (old && !national && end > k->reindicate) book_split(k, BW_I, ch->cen[i], ch->her[i], a, end);
    else book(k, BW_I, national ? k->ng : old ? ch->cen[i] : ch->her[i], a, end);
    int live = end < horizon;
    int wlz = live & (end == end_wlz) & (end_wlz < end_nat) & (end_wlz <= end_mort);
    int sd = live & !wlz & (end == end_nat) & (end_nat < end_mort) & (bw_u01(w_sd[i]) < p_sd);
    ch->sd_i[nsd] = i;
    ch->sd_t[nsd] = end;
    nsd += sd;
    ch->idx[nwz] = i;
    ch->wz_t[nwz] = end;
    nwz += wlz;
  }
  k->stays += (uint64_t)n;

  /* Wlz transfers */
  for (int j = 0; j < nwz; j++) ch->u0[j] = w_wx[ch->idx[j]];
  exp_times(ch->u0, k->wlz_exit, ch->x0, (size_t)nwz);
  for (int j = 0; j < nwz; j++) wlz_transfer(k, ch->wz_t[j], ch->x0[j]);

  /* step-downs: an A stay from the natural end, the same payer */
  for (int j = 0; j < nsd; j++) {
    ch->u0[j] = w_da[ch->sd_i[j]];
    ch->u1[j] = w_ma[ch->sd_i[j]];
  }
  weibull_batch(k, BW_A, ch->u0, ch->x0, (size_t)nsd);
  exp_times(ch->u1, k->mort[BW_A], ch->x1, (size_t)nsd);
  double *sd_count = k->nat + BW_Q_STEPDOWNS_IA * k->ny;
  for (int j = 0; j < nsd; j++) {
    int i = ch->sd_i[j];
    double t = ch->sd_t[j], da = ch->x0[j], ma = ch->x1[j];
    sd_count[(int)t] += 1.0;
    book_regime(k, BW_A, old, ch->cen[i], ch->her[i], t, t + (da < ma ? da : ma));
  }
  k->stays += (uint64_t)nsd;
}

/* The A or M stays of the chunk: [t0, t0 + d) under the regime rules; new M
 * clients are paid by herkomst from mo_decentralise_year (mo_local). */
static void am_stays(kernel *k, chunk *ch, int c, int n, int old, int mo_local) {
  if (c == BW_M) {
    for (int i = 0; i < n; i++)
      book(k, BW_M, mo_local ? ch->her[i] : ch->cen[i], ch->t0[i], ch->t0[i] + ch->d[i]);
  } else {
    for (int i = 0; i < n; i++) book_regime(k, c, old, ch->cen[i], ch->her[i], ch->t0[i], ch->t0[i] + ch->d[i]);
  }
  k->stays += (uint64_t)n;
}

static void kernel_init(kernel *k, const bw_model *m, bw_workspace *w, const bw_outer *o) {
  const bw_params *p = &m->p;
  memset(k, 0, sizeof *k);
  k->m = m;
  k->w = w;
  k->ng = m->ng;
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
    if (k->mort[c] > 0) k->any_mort = 1;
  }
  k->h_wlz = p->wlz_hazard;
  k->wlz_exit = p->wlz_exit_rate;
  k->p_sd = p->p_step_down;
  k->p_out = p->p_outside_region;
  k->nat_share = p->national_institution_share;
  k->nat = w->national;
  k->acc = w->aux;
  k->row_stride = 2 * (size_t)(m->ny + 1);
  k->care_stride = k->row_stride * (size_t)(m->ng + 1);
  memset(k->acc, 0, BW_NCARE * k->care_stride * sizeof(double));

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

/* Costs, clients on 1 Jan and Wlz client-years from the ledger. */
static void ledger_fold(kernel *k) {
  bw_workspace *w = k->w;
  int ng = k->ng, ny = k->ny;
  for (int c = 0; c < BW_NCARE; c++) {
    const double *yc = w->year_cost + c * ny;
    double *cost = c == BW_M ? w->cost_mo : w->cost_bw;
    double ev[BW_MAX_YEARS + 1] = {0};
    for (int g = 0; g <= ng; g++) {
      const double *r = k->acc + (size_t)c * k->care_stride + (size_t)g * k->row_stride;
      double *dst = g < ng ? cost + (size_t)g * ny : k->nat + BW_Q_COST_NATIONAL_INST_EUR * ny;
      double run = 0;
      for (int y = 0; y < ny; y++) {
        double cy = r[2 * y] + run;
        dst[y] += cy * yc[y];
        run += r[2 * y + 1];
        if (g < ng) ev[y] += r[2 * y + 1];
      }
    }
    double *jan1 = k->nat + (BW_Q_CLIENTS_I_JAN1 + c) * ny, run = 0;
    for (int y = 0; y < ny; y++) {
      jan1[y] += run + k->at_int[c][y];
      run += ev[y];
    }
  }
  double *q = k->nat + BW_Q_WLZ_CLIENT_YEARS * ny, run = 0;
  for (int y = 0; y < ny; y++) {
    q[y] += k->wlzq[2 * y] + run;
    run += k->wlzq[2 * y + 1];
  }
  w->stays = k->stays;
}

/* ---- the stock ------------------------------------------------------------- */

/* Stock on 1 Jan first_year (MODEL.md §3.1): fixed counts, placement ∝
 * historical budget, herkomst ∝ pop·need (in region or, a fraction
 * p_outside_region, nationally), residual stay by the forward-recurrence law,
 * Wlz wave on 1 Jan for I. All stock clients are old regime. */
static void stock_chunk(kernel *k, chunk *ch, const bw_rng_key *base, int c, uint32_t i0, int n,
                        double p_wave, uint32_t rep) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  const bw_alias *regions = c == BW_M ? &m->region_mo : &m->region_bw;
  uint32_t c1 = bw_rng_c1(BW_RNG_STOCK, 0, (unsigned)c);
  for (int i = 0; i < n; i++) ch->c1[i] = c1, ch->c2[i] = i0 + (uint32_t)i;
  chunk_blocks(base, ch, n, 3u | ((c == BW_I || k->any_mort) ? 4u : 0u) | (k->expo[c] ? 8u : 0u));
  uint32_t(*b0)[CHUNK] = ch->b[0];

  /* placement and herkomst */
  for (int i = 0; i < n; i++) {
    int r = bw_alias_draw(regions, bw_u01(b0[0][i]));
    int h_nat = bw_alias_draw(&m->herkomst_nat, bw_u01(b0[2][i]));
    int h_reg = bw_alias_draw(&m->herkomst_reg[r], bw_u01(b0[2][i]));
    ch->cen[i] = m->d.r[r].centrum;
    ch->her[i] = bw_u01(b0[1][i]) < k->p_out ? h_nat : h_reg;
  }

  /* the Wlz wave (I): counted on 1 Jan (before the wave, MODEL.md §3.5) and
   * transferred at once; the others, compacted, continue */
  int nk = 0;
  if (c == BW_I) {
    int nw = 0;
    for (int i = 0; i < n; i++) {
      int wave = bw_u01(b0[3][i]) < p_wave;
      ch->sd_i[nw] = i;
      nw += wave;
      ch->idx[nk] = i;
      nk += !wave;
    }
    k->nat[BW_Q_CLIENTS_I_JAN1 * k->ny + 0] += nw;
    for (int j = 0; j < nw; j++) ch->u0[j] = ch->b[2][2][ch->sd_i[j]];
    exp_times(ch->u0, k->wlz_exit, ch->x0, (size_t)nw);
    for (int j = 0; j < nw; j++) wlz_transfer(k, 0.0, ch->x0[j]);
  } else {
    for (int i = 0; i < n; i++) ch->idx[i] = i;
    nk = n;
  }

  /* residual stay: forward recurrence, D* = scale * G^(1/k), G ~ Gamma(1 + 1/k); R = U D* */
  double a_gamma = 1.0 + 1.0 / p->duration_shape[c];
  for (int j = 0; j < nk; j++) {
    int i = ch->idx[j];
    double G;
    if (k->expo[c]) {
      G = bw_neglog_u01_1(ch->b[3][0][i]) + bw_neglog_u01_1(ch->b[3][1][i]);
    } else {
      bw_rng_gsl_reset(k->w->rng, bw_rng_make(p->seed, rep, BW_RNG_STOCK_RESID, 0, (unsigned)c, ch->c2[i]));
      G = gsl_ran_gamma(k->w->rng, a_gamma, 1.0);
    }
    double Dstar = k->expo[c] ? k->scale[c] * G : k->scale[c] * bw_exp1(bw_log1(G) * k->inv_shape[c]);
    ch->t0[j] = 0.0;
    ch->d[j] = bw_u01(ch->b[1][0][i]) * Dstar;
    ch->cen[j] = ch->cen[i];
    ch->her[j] = ch->her[i];
    ch->nat[j] = 0;
    ch->ws[0][j] = ch->b[1][2][i];
    ch->ws[1][j] = ch->b[1][3][i];
    ch->ws[2][j] = ch->b[2][1][i];
    ch->ws[3][j] = ch->b[2][2][i];
    ch->u0[j] = ch->b[1][1][i];
    ch->u1[j] = ch->b[2][0][i];
  }
  /* mortality (own stay) */
  if (k->mort[c] > 0) {
    exp_times(ch->u1, k->mort[c], ch->mt, (size_t)nk);
  } else {
    for (int j = 0; j < nk; j++) ch->mt[j] = INFINITY;
  }
  if (c == BW_I) {
    exp_times(ch->u0, k->h_wlz, ch->wz, (size_t)nk);
    i_stays(k, ch, nk, 1, ch->ws[0], ch->ws[1], ch->ws[2], ch->ws[3]);
  } else {
    for (int j = 0; j < nk; j++)
      if (ch->mt[j] < ch->d[j]) ch->d[j] = ch->mt[j];
    am_stays(k, ch, c, nk, 1, 0);
  }
}

static void simulate_stock(kernel *k, chunk *ch, uint32_t rep, const bw_outer *o) {
  const bw_params *p = &k->m->p;
  double p_wave = p->wlz_p_wave * o->wlz_factor;
  if (p_wave > 1) p_wave = 1;
  bw_rng_key base = bw_rng_make(p->seed, rep, 0, 0, 0, 0);
  for (int c = 0; c < BW_NCARE; c++) {
    size_t n = (size_t)lround(p->stock[c]);
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
      int nc = n - i0 < CHUNK ? (int)(n - i0) : CHUNK;
      stock_chunk(k, ch, &base, c, (uint32_t)i0, nc, p_wave, rep);
    }
  }
}

/* ---- new indications --------------------------------------------------------- */

/* A chunk of new clients of care type c in year y (ch->c1, c2, g, reg). */
static void entry_chunk(kernel *k, chunk *ch, const bw_rng_key *base, int c, int y, int n) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  int year = p->first_year + y;
  int old = year < p->start_year;
  int mo_local = p->mo_decentralise_year > 0 && year >= p->mo_decentralise_year;
  int ny = k->ny;
  chunk_blocks(base, ch, n, c == BW_I ? 7u : k->mort[c] > 0 ? 5u : 1u);
  uint32_t(*b0)[CHUNK] = ch->b[0];

  /* entry time, natural duration, mortality */
  for (int i = 0; i < n; i++) ch->t0[i] = y + bw_u01(b0[0][i]);
  weibull_batch(k, c, b0[1], ch->d, (size_t)n);
  if (k->mort[c] > 0) {
    exp_times(ch->b[2][0], k->mort[c], ch->mt, (size_t)n);
  } else {
    for (int i = 0; i < n; i++) ch->mt[i] = INFINITY;
  }
  /* placement: the herkomst region, or (p_outside_region) another ∝ historical budget */
  const bw_alias *others = c == BW_M ? m->other_mo : m->other_bw;
  for (int i = 0; i < n; i++) {
    int region = ch->reg[i];
    int ro = bw_alias_draw(&others[region], bw_u01(b0[3][i]));
    int r = bw_u01(b0[2][i]) < k->p_out ? ro : region;
    ch->cen[i] = m->d.r[r].centrum;
    ch->her[i] = ch->g[i];
  }

  if (c == BW_I) {
    int n_nat = 0;
    for (int i = 0; i < n; i++) {
      ch->nat[i] = bw_u01(ch->b[1][1][i]) < k->nat_share;
      n_nat += ch->nat[i];
    }
    k->nat[BW_Q_ENTRIES_NATIONAL_INST * ny + y] += n_nat;
    k->nat[BW_Q_ENTRIES_I * ny + y] += n - n_nat;
    exp_times(ch->b[1][0], k->h_wlz, ch->wz, (size_t)n);
    i_stays(k, ch, n, old, ch->b[1][2], ch->b[1][3], ch->b[2][1], ch->b[2][2]);
  } else {
    k->nat[(BW_Q_ENTRIES_I + c) * ny + y] += n;
    for (int i = 0; i < n; i++)
      if (ch->mt[i] < ch->d[i]) ch->d[i] = ch->mt[i];
    am_stays(k, ch, c, n, old, mo_local);
  }
}

/* New indications (MODEL.md §3.2): per gemeente x care type x year a
 * (negative binomial or Poisson) count with mean mu_gct, entry times uniform
 * in the year; placement in the herkomst region except a fraction
 * p_outside_region in another region ∝ historical budget. */
static void simulate_entries(kernel *k, chunk *ch, uint32_t rep, const bw_outer *o) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  bw_workspace *w = k->w;
  int ny = k->ny, ng = m->ng;
  const double *eps = w->eps;
  double a = p->supply_attraction;
  int *cnt = w->gem;
  bw_rng_key base = bw_rng_make(p->seed, rep, 0, 0, 0, 0);
  for (int y = 0; y < ny; y++) {
    double pop_k = m->pop_total[y] / 1000.0;
    for (int c = 0; c < BW_NCARE; c++) {
      /* counts per gemeente */
      double level = p->rate_per_1000[c] * o->rate_mult[c] * pow(1.0 + p->growth[c], y);
      double k_disp = p->dispersion[c];
      for (int g = 0; g < ng; g++) {
        double need = m->pop[g * ny + y] / 1000.0 * m->need[g] * eps[g];
        double mu = c == BW_M ? level * need : level * ((1.0 - a) * need + a * pop_k * m->hist_bw[g]);
        cnt[g] = 0;
        if (!(mu > 0)) continue;
        bw_rng_gsl_reset(w->rng, bw_rng_make(p->seed, rep, BW_RNG_COUNT, (unsigned)y, (unsigned)g, (uint32_t)c));
        double lam = isinf(k_disp) ? mu : gsl_ran_gamma(w->rng, k_disp, mu / k_disp);
        cnt[g] = (int)gsl_ran_poisson(w->rng, lam);
      }
      /* the clients, gemeente after gemeente, in chunks */
      int g = 0, j = 0;
      for (;;) {
        int n = 0;
        while (n < CHUNK && g < ng) {
          int take = cnt[g] - j;
          if (take > CHUNK - n) take = CHUNK - n;
          uint32_t c1 = bw_rng_c1(BW_RNG_ENTRY + (unsigned)c, (unsigned)y, (unsigned)g);
          int region = m->d.g[g].region;
          for (int t = 0; t < take; t++, n++) {
            ch->c1[n] = c1;
            ch->c2[n] = (uint32_t)(j + t);
            ch->g[n] = g;
            ch->reg[n] = region;
          }
          j += take;
          if (j >= cnt[g]) g++, j = 0;
        }
        if (n == 0) break;
        entry_chunk(k, ch, &base, c, y, n);
      }
    }
  }
}

int bw_flows_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_outer *o) {
  size_t n = (size_t)m->ng * (size_t)m->ny;
  /* scratch: the ledger in w->aux, the counts per gemeente in w->gem */
  size_t ledger = (size_t)BW_NCARE * 2 * (size_t)(m->ny + 1) * (size_t)(m->ng + 1);
  if (bw_workspace_reserve(w, ledger > (size_t)m->ng ? ledger : (size_t)m->ng)) return -1;
  memset(w->cost_bw, 0, n * sizeof(double));
  memset(w->cost_mo, 0, n * sizeof(double));
  memset(w->national, 0, (size_t)BW_NQ * (size_t)m->ny * sizeof(double));
  w->stays = 0;
  bw_outer_draw(m, rep, o, w->eps);
  kernel k;
  kernel_init(&k, m, w, o);
  chunk ch;
  simulate_stock(&k, &ch, rep, o);
  simulate_entries(&k, &ch, rep, o);
  ledger_fold(&k);
  return 0;
}
