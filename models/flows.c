/* Client flows of one replication: the individual kernel, docs/model.md §3–4.
 *
 * Every client is simulated once from its entry: its stay, the competing
 * Wlz transfer and mortality, the step-down I -> A, and the cost of each
 * piece of stay to the gemeente that pays for it (payer rules of §4) per
 * calendar year. Time is in years since 1 Jan of first_year; year index
 * y covers [y, y + 1).
 *
 * Random numbers: every draw is a pure function of its key (docs/model.md §9,
 * models/num/rng.h): a client owns a Philox key and reads fixed words of fixed
 * blocks, so its fate does not depend on any other client, thread or
 * scenario (common random numbers). Which blocks are generated for which
 * clients is only an optimisation: it changes no word.
 *   new-indication count (purpose COUNT, year y, gemeente g, client c):
 *     Poisson(mu) (models/num/sample.h: bw_poisson_draw) from the key's words in order. Negative
 *     binomial (finite dispersion): first the Gamma mean by GSL on this key,
 *     then the Poisson from the key with client BW_NCARE + c.
 *   new client (purpose ENTRY + c, year y, gemeente g, ordinal j)
 *     block 0: entry time, duration, outside-region?, placement region
 *     block 1 (I): Wlz time, national institution?, step-down?, A duration
 *     block 2: mortality (own stay), mortality (step-down stay), Wlz exit
 *   stock client (purpose STOCK, gemeente field = care type c, ordinal i)
 *     block 0: placement, outside?, herkomst, then I: wave?, A and M: the
 *              residual (k = 1: its Exp(1); k < 1: its U)
 *     block 1 (I): the residual (as above), Wlz time, step-down?, A duration
 *     block 2: mortality, A mortality, Wlz exit
 *     blocks 3, 4, ... (k > 1): the residual's rejection proposals, two per
 *              block (E1, E2 from words 0, 1 and from words 2, 3)
 *     k < 1: Gamma(1 + 1/k) by GSL keyed (STOCK_RESID, c, i).
 *   This layout dates from the vectorised kernel (issue 3); before it the
 *   counts came from GSL's Poisson on the COUNT key and the stock residual
 *   was U·λ·G^(1/k) with GSL's Gamma (k != 1) or, for k = 1, U from block 1
 *   times two exponentials from block 3. The laws are the same.
 *
 * Speed (issue 3: >= 50 M client stays per second per core): clients are
 * handled in chunks of CHUNK (new clients of one care type and year,
 * gemeente after gemeente; stock clients of one care type), structure of
 * arrays, in passes: the Philox blocks, every exponential, Weibull and Wlz
 * time with the vectorised logarithms (models/num/rng_batch.h, models/num/fastmath.h);
 * Bernoulli draws as integer comparisons of the words (bw_u01_below()); placement
 * (only the clients placed outside their region draw another); one
 * branch-light pass that decides each I stay's competing events and lists
 * the step-downs and Wlz transfers, which get passes of their own; booking.
 * No allocation: the chunk lives on the stack, the ledger and the counts in
 * the workspace (bw_workspace_reserve, once).
 *
 * Booking a stay costs O(1), not a loop over its calendar years: a ledger
 * per care type, payer and year collects the start and end events of the
 * stays (ledger_event); folding it at the end gives the clients in care on
 * each 1 Jan and the client-years in each year, and cost = client-years ×
 * EUR per client-year of that year (docs/model.md §4). That is the integral of the
 * in-care indicator of §2 (entry <= t < exit) per year: the same numbers as
 * charging each calendar-year piece of each stay, up to rounding.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "fastmath.h"
#include "internal.h"
#include "rng_batch.h"
#include "sample.h"

/* Clients per chunk: their words and deviates (~70 kB, on the stack) stay in
 * L1/L2; 128 and 512 measured slower. */
#define CHUNK 256
/* Ledger updates of a chunk are interleaved over this many segments. */
#define LANES 8

typedef struct {
  const bw_model *m;
  bw_workspace *w;
  bw_rng_key base;     /* (seed, rep); a client sets counter words 1 and 2 */
  int ng, ny;
  double horizon;      /* ny */
  double reindicate;   /* S - first_year + old_regime_max_years (INFINITY = never) */
  double scale[BW_NCARE], inv_shape[BW_NCARE];
  int expo[BW_NCARE];  /* shape == 1: exponential, no pow */
  double mort[BW_NCARE];
  int any_mort;
  double h_wlz, wlz_exit;
  /* Bernoulli draws: bw_u01(w) < p  <=>  w < bw_u01_below(p) (sample.h) */
  uint64_t t_out, t_nat, t_sd;
  double *nat;         /* w->national: [q * ny + y] */
  uint64_t stays;
  /* the ledger (ledger_event): acc[((s * (ng + 1) + row) * (ny + 1) + j) * 2 + {0, 1}]
   * = {part of year j - 1, count from year j}; row ng = national
   * institutions (I); slot s (slot_of): the care type, with the I and A
   * stays of old-regime clients on slots of their own (the report's old /
   * new split of the BW cost). wlzq: the same for the Wlz stays of
   * transferred clients (q_t). */
  double *acc;
  size_t row_stride, care_stride; /* 2 (ny + 1), row_stride (ng + 1) */
  double wlzq[(BW_MAX_YEARS + 1) * 2];
} kernel;

/* One chunk of clients, structure of arrays. */
typedef struct {
  uint32_t c1[CHUNK], c2[CHUNK];  /* counter words of each client's key */
  uint32_t b[4][4][CHUNK];        /* blocks 0..3, words 0..3 */
  int reg[CHUNK];                 /* new clients: the herkomst region */
  /* stays: start, natural duration, Wlz time, mortality time, end; before a
   * chunk's clients exist, draw_counts keeps its inversion lanes here */
  union {
    struct {
      double t0[CHUNK], d[CHUNK], wz[CHUNK], mt[CHUNK], te[CHUNK];
    };
    struct { /* draw_counts: the means below 10, their uniforms, pmf, CDF and counts (bw_poisson_inv_lanes) */
      double inv_mu[CHUNK], inv_u[CHUNK], inv_p[CHUNK], inv_F[CHUNK], inv_x[CHUNK];
    };
  };
  /* centrumgemeente of the placement region, herkomst, national institution */
  int cen[CHUNK], her[CHUNK], nat[CHUNK];
  uint32_t ws[4][CHUNK];          /* stock I, compacted: step-down?, A duration, A mortality, Wlz exit */
  int idx[CHUNK], sd_i[CHUNK];    /* compacted client indices */
  /* per-pass deviates, one memory under the name of what each pass keeps in it */
  union {
    struct { /* i_stays and the Wlz wave */
      double pad_[2][CHUNK];
      double wlz_stay[CHUNK]; /* Wlz stays of the transferred clients */
      double sd_mort[CHUNK];  /* A mortality times of the step-downs */
    };
    struct { /* i_stays: the step-downs' A stays (after sd_mort: their lengths) */
      double pad2_[2][CHUNK];
      double sd_len[CHUNK];
    };
    struct { /* draw_counts: second uniform, squeeze result, mean, first uniform */
      double cnt_u2[CHUNK], cnt_fast[CHUNK], cnt_mu[CHUNK], cnt_u1[CHUNK];
    };
    struct { /* fwd_weibull_chunk: the two exponentials of each proposal, its x */
      double fw_e1[CHUNK], fw_e2[CHUNK], fw_x[CHUNK];
    };
  };
  uint32_t u0[CHUNK], u1[CHUNK], tmp[6][CHUNK];
  /* follow-up stays (step-downs), structure of arrays */
  double fa[CHUNK], fb[CHUNK];
  int fcen[CHUNK], fher[CHUNK];
  /* ledger cells of the stays being booked (ledger_cells) */
  int oa[CHUNK], ob[CHUNK];
  double pa[CHUNK], pb[CHUNK];
} chunk;

/* Weibull durations of care type c for a batch: dur[i] = scale (-ln u_i)^(1/k). */
static void weibull_batch(const kernel *k, int c, const uint32_t *w, double *dur, size_t n) {
  bw_weibull_batch(w, k->scale[c], k->inv_shape[c], k->expo[c], dur, n);
}

/* Block b of the n clients (c1[i], c2[i]) into out[0..3]. */
static void blocks(const kernel *k, const uint32_t *c1, const uint32_t *c2, int n, uint32_t b,
                   uint32_t (*out)[CHUNK]) {
  bw_rng_blocks(&k->base, c1, c2, b, (size_t)n, out[0], out[1], out[2], out[3]);
}

/* Word `word` of block b of the clients idx[j], j < n, of the chunk into out[j]. */
static void words_of(const kernel *k, chunk *ch, const int *idx, int n, uint32_t b, int word, uint32_t *out) {
  for (int j = 0; j < n; j++) ch->tmp[0][j] = ch->c1[idx[j]], ch->tmp[1][j] = ch->c2[idx[j]];
  uint32_t *w[4] = {ch->tmp[2], ch->tmp[3], ch->tmp[4], ch->tmp[5]};
  w[word] = out;
  bw_rng_blocks(&k->base, ch->tmp[0], ch->tmp[1], b, (size_t)n, w[0], w[1], w[2], w[3]);
}

/* ---- the ledger ------------------------------------------------------------ */

/* A stay on ledger row `row` starts (s = +1) or ends (s = -1) at t, 0 <= t <=
 * horizon. With j = ceil(t): the stay is in care on 1 Jan of every year >= j
 * (or stops being so), and in year j - 1 it has the part j - t (the year
 * fraction after t; 0 when t is a whole year). Both go to cell j:
 * cell[j] = {part of year j - 1, count from year j}. */
static inline void ledger_event(double *row, double t, double s) {
  int j = (int)t;
  j += (double)j < t;
  double *cell = row + 2 * j;
  cell[0] += s * ((double)j - t);
  cell[1] += s;
}

/* Ledger slots: I, A, M, then the I and A stays of old-regime clients. */
enum { NSLOT = BW_NCARE + 2 };
static inline int slot_of(int c, int old) { return old && c != BW_M ? BW_NCARE + c : c; }

/* Book the stay [a, b) on ledger slot s (slot_of) and row `row` (a gemeente
 * that pays, or ng: a national institution); 0 <= a < horizon, a <= b. */
static inline void book(kernel *k, int s, int row, double a, double b) {
  if (b > k->horizon) b = k->horizon;
  double *r = k->acc + (size_t)s * k->care_stride + (size_t)row * k->row_stride;
  ledger_event(r, a, 1.0);
  ledger_event(r, b, -1.0);
}

/* An old-regime stay that outlasts the re-indication moment (docs/model.md §4,
 * old_regime_max_years): the centrumgemeente pays until then, herkomst after. */
static void book_split(kernel *k, int c, int centrum, int herkomst, double a, double b) {
  double r = a > k->reindicate ? a : k->reindicate;
  if (r > a) book(k, slot_of(c, 1), centrum, a, r);
  book(k, c, herkomst, r, b);
}

/* Ledger cells of the stays [a[i], min(b[i], horizon)) on rows row[i] (or
 * row `national` where nat[i]): offsets of the start and end cells in the
 * ledger of one care type and their parts (see ledger_event). A pass without
 * branches or scatter, so that it runs in SIMD lanes. */
BW_BATCH_CLONES static void ledger_cells(const double *restrict a, const double *restrict b,
                                         const int *restrict row, const int *restrict nat, int national,
                                         int n, double horizon, int row_stride, int *restrict oa,
                                         double *restrict pa, int *restrict ob, double *restrict pb) {
  for (int i = 0; i < n; i++) {
    double ta = a[i], tb = b[i] < horizon ? b[i] : horizon;
    int ja = (int)ta, jb = (int)tb;
    ja += (double)ja < ta;
    jb += (double)jb < tb;
    int r = nat && nat[i] ? national : row[i];
    oa[i] = r * row_stride + 2 * ja;
    ob[i] = r * row_stride + 2 * jb;
    pa[i] = ja - ta;
    pb[i] = jb - tb;
  }
}

/* Book the stays [a[i], b[i]) of care type c, i < n, under the payer rules
 * (docs/model.md §4): a national institution (nat[i], I only; nat may be NULL)
 * pays nationally; M is paid by the centrumgemeente of the placement region,
 * or by herkomst when mo_local (mo_decentralise_year); I and A by the
 * centrumgemeente under the old regime (until re-indication, then
 * herkomst), by herkomst under the new. */
static void book_stays(kernel *k, chunk *ch, int c, int n, int old, int mo_local, const int *cen,
                       const int *her, const int *nat, const double *a, const double *b) {
  int by_cen = c == BW_M ? !mo_local : old;
  k->stays += (uint64_t)n;
  if (old && c != BW_M && isfinite(k->reindicate)) {
    /* old_regime_max_years: a stay may change payer */
    for (int i = 0; i < n; i++) {
      int national = nat ? nat[i] : 0;
      if (!national && b[i] > k->reindicate) book_split(k, c, cen[i], her[i], a[i], b[i]);
      else book(k, slot_of(c, old), national ? k->ng : by_cen ? cen[i] : her[i], a[i], b[i]);
    }
    return;
  }
  ledger_cells(a, b, by_cen ? cen : her, nat, k->ng, n, k->horizon, (int)k->row_stride, ch->oa, ch->pa,
               ch->ob, ch->pb);
  double *acc = k->acc + (size_t)slot_of(c, old) * k->care_stride;
  /* in LANES interleaved segments: clients come gemeente after gemeente, and
   * consecutive updates of one cell would wait for each other */
  int len = (n + LANES - 1) / LANES;
  for (int t = 0; t < len; t++)
    for (int l = 0; l < LANES; l++) {
      int i = l * len + t;
      if (i >= n) break;
      double *p = acc + ch->oa[i], *q = acc + ch->ob[i];
      p[0] += ch->pa[i];
      p[1] += 1.0;
      q[0] -= ch->pb[i];
      q[1] -= 1.0;
    }
}

/* A transfer to the Wlz at time t < horizon: counted in year t, then in the
 * Wlz for `stay` years (exit with rate wlz_exit, docs/model.md §3.5); q_t
 * accumulates client-years. */
static inline void wlz_transfer(kernel *k, double t, double stay) {
  k->nat[BW_Q_WLZ_TRANSFERS * k->ny + (int)t] += 1.0;
  double end = t + stay;
  if (end > k->horizon) end = k->horizon;
  ledger_event(k->wlzq, t, 1.0);
  ledger_event(k->wlzq, end, -1.0);
}

/* ---- I stays --------------------------------------------------------------------- */

/* The I stays of the chunk (ch->t0, d, wz, mt, cen, her, nat for i < n):
 * competing Wlz transfer (time wz) and mortality; at a natural end, the
 * step-down to A with the same payer (bouwsteen 3). w_sd, w_da, w_ma, w_wx:
 * each client's words for step-down?, A duration, A mortality (read only
 * when mortality_rate A > 0), Wlz exit (NULL: block 2 is generated for the
 * transferred clients only, from ch->c1, c2). */
static void i_stays(kernel *k, chunk *ch, int n, int old, const uint32_t *w_sd, const uint32_t *w_da,
                    const uint32_t *w_ma, const uint32_t *w_wx) {
  const double horizon = k->horizon;
  const uint64_t t_sd = k->t_sd;
  int nsd = 0, nwz = 0;
  for (int i = 0; i < n; i++) {
    double a = ch->t0[i];
    double end_nat = a + ch->d[i], end_wlz = a + ch->wz[i], end_mort = a + ch->mt[i];
    double end = end_nat;
    if (end_wlz < end) end = end_wlz;
    if (end_mort < end) end = end_mort;
    ch->te[i] = end;
    int live = end < horizon;
    int wlz = live & (end == end_wlz) & (end_wlz < end_nat) & (end_wlz <= end_mort);
    int sd = live & !wlz & (end == end_nat) & (end_nat < end_mort) & ((uint64_t)w_sd[i] < t_sd);
    ch->sd_i[nsd] = i;
    nsd += sd;
    ch->idx[nwz] = i;
    nwz += wlz;
  }
  book_stays(k, ch, BW_I, n, old, 0, ch->cen, ch->her, ch->nat, ch->t0, ch->te);

  /* Wlz transfers */
  if (w_wx) {
    for (int j = 0; j < nwz; j++) ch->u0[j] = w_wx[ch->idx[j]];
  } else {
    words_of(k, ch, ch->idx, nwz, 2, 2, ch->u0);
  }
  bw_exp_rate_batch(ch->u0, k->wlz_exit, ch->wlz_stay, (size_t)nwz);
  for (int j = 0; j < nwz; j++) wlz_transfer(k, ch->te[ch->idx[j]], ch->wlz_stay[j]);

  /* step-downs: an A stay from the natural end, the same payer */
  for (int j = 0; j < nsd; j++) ch->u0[j] = w_da[ch->sd_i[j]];
  weibull_batch(k, BW_A, ch->u0, ch->sd_len, (size_t)nsd);
  if (k->mort[BW_A] > 0) {
    for (int j = 0; j < nsd; j++) ch->u1[j] = w_ma[ch->sd_i[j]];
    bw_exp_rate_batch(ch->u1, k->mort[BW_A], ch->sd_mort, (size_t)nsd);
    for (int j = 0; j < nsd; j++)
      if (ch->sd_mort[j] < ch->sd_len[j]) ch->sd_len[j] = ch->sd_mort[j];
  }
  double *sd_count = k->nat + BW_Q_STEPDOWNS_IA * k->ny;
  for (int j = 0; j < nsd; j++) {
    int i = ch->sd_i[j];
    double t = ch->te[i];
    sd_count[(int)t] += 1.0;
    ch->fa[j] = t;
    ch->fb[j] = t + ch->sd_len[j];
    ch->fcen[j] = ch->cen[i];
    ch->fher[j] = ch->her[i];
  }
  book_stays(k, ch, BW_A, nsd, old, 0, ch->fcen, ch->fher, NULL, ch->fa, ch->fb);
}

/* ---- the stock ------------------------------------------------------------- */

/* Forward-recurrence residuals (shape k > 1) of the n clients (ch->c1, c2)
 * into ch->d, in units of `scale`: the proposal from words 0, 1 of block 3
 * for all, vectorised; a client that rejects it (7 % for k = 1.2) tries
 * words 2, 3, then blocks 4, 5, ... of its own key. */
static void fwd_weibull_chunk(const kernel *k, chunk *ch, const bw_fwd_weibull *f, double scale, int n) {
  uint32_t(*b3)[CHUNK] = ch->b[3];
  blocks(k, ch->c1, ch->c2, n, 3, b3);
  int nrej = bw_fwd_weibull_lanes(f, b3[0], b3[1], n, scale, ch->d, ch->fw_e1, ch->fw_e2, ch->fw_x, ch->idx);
  for (int j = 0; j < nrej; j++) {
    int i = ch->idx[j];
    double xi = 0;
    if (!bw_fwd_weibull_try(f, bw_neglog_u01_1(b3[2][i]), bw_neglog_u01_1(b3[3][i]), &xi)) {
      bw_rng_key key = k->base;
      key.ctr.v[1] = ch->c1[i];
      key.ctr.v[2] = ch->c2[i];
      for (uint32_t b = 4;; b++) {
        philox4x32_ctr_t w = bw_rng_block(&key, b);
        if (bw_fwd_weibull_try(f, bw_neglog_u01_1(w.v[0]), bw_neglog_u01_1(w.v[1]), &xi)) break;
        if (bw_fwd_weibull_try(f, bw_neglog_u01_1(w.v[2]), bw_neglog_u01_1(w.v[3]), &xi)) break;
      }
    }
    ch->d[i] = scale * xi;
  }
}

/* Stock on 1 Jan first_year (docs/model.md §3.1): fixed counts, placement ∝
 * historical budget, herkomst ∝ pop·need (in region or, a fraction
 * p_outside_region, nationally), residual stay by the forward-recurrence law,
 * Wlz wave on 1 Jan for I. All stock clients are old regime. */
static void stock_chunk(kernel *k, chunk *ch, int c, uint32_t i0, int n, uint64_t t_wave, uint32_t rep) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  const bw_alias *regions = c == BW_M ? &m->region_mo : &m->region_bw;
  uint32_t c1 = bw_rng_c1(BW_RNG_STOCK, 0, (unsigned)c);
  for (int i = 0; i < n; i++) ch->c1[i] = c1, ch->c2[i] = i0 + (uint32_t)i;
  blocks(k, ch->c1, ch->c2, n, 0, ch->b[0]);
  if (c == BW_I) blocks(k, ch->c1, ch->c2, n, 1, ch->b[1]);
  if (k->any_mort) blocks(k, ch->c1, ch->c2, n, 2, ch->b[2]);
  uint32_t(*b0)[CHUNK] = ch->b[0];

  /* placement and herkomst; only the clients from outside the region draw a
   * herkomst nationally */
  int nout = 0;
  for (int i = 0; i < n; i++) {
    int r = bw_alias_draw(regions, bw_u01(b0[0][i]));
    ch->cen[i] = m->d.r[r].centrum;
    ch->her[i] = bw_alias_draw(&m->herkomst_reg[r], bw_u01(b0[2][i]));
    ch->idx[nout] = i;
    nout += (uint64_t)b0[1][i] < k->t_out;
  }
  for (int j = 0; j < nout; j++) {
    int i = ch->idx[j];
    ch->her[i] = bw_alias_draw(&m->herkomst_nat, bw_u01(b0[2][i]));
  }

  /* the Wlz wave (I): counted on 1 Jan (before the wave, docs/model.md §3.5) and
   * transferred at once; the others continue, compacted */
  int nk = n;
  if (c == BW_I) {
    int nw = 0;
    nk = 0;
    for (int i = 0; i < n; i++) {
      int wave = (uint64_t)b0[3][i] < t_wave;
      ch->sd_i[nw] = i;
      nw += wave;
      ch->idx[nk] = i;
      nk += !wave;
    }
    k->nat[BW_Q_CLIENTS_I_JAN1 * k->ny + 0] += nw;
    if (k->any_mort) {
      for (int j = 0; j < nw; j++) ch->u0[j] = ch->b[2][2][ch->sd_i[j]];
    } else {
      words_of(k, ch, ch->sd_i, nw, 2, 2, ch->u0);
    }
    bw_exp_rate_batch(ch->u0, k->wlz_exit, ch->wlz_stay, (size_t)nw);
    for (int j = 0; j < nw; j++) wlz_transfer(k, 0.0, ch->wlz_stay[j]);
    /* compact (idx[j] >= j: in place) */
    for (int j = 0; j < nk; j++) {
      int i = ch->idx[j];
      ch->c2[j] = ch->c2[i];
      ch->cen[j] = ch->cen[i];
      ch->her[j] = ch->her[i];
      ch->ws[0][j] = ch->b[1][2][i];
      ch->ws[1][j] = ch->b[1][3][i];
      ch->u0[j] = ch->b[1][1][i];
      ch->tmp[0][j] = ch->b[1][0][i];
    }
    if (k->any_mort)
      for (int j = 0; j < nk; j++) {
        int i = ch->idx[j];
        ch->ws[2][j] = ch->b[2][1][i];
        ch->ws[3][j] = ch->b[2][2][i];
        ch->u1[j] = ch->b[2][0][i];
      }
  } else {
    for (int i = 0; i < n; i++) ch->tmp[0][i] = b0[3][i];
    if (k->any_mort)
      for (int i = 0; i < n; i++) ch->u1[i] = ch->b[2][0][i];
  }
  for (int j = 0; j < nk; j++) ch->t0[j] = 0.0, ch->nat[j] = 0;

  /* residual stay by the forward-recurrence law (docs/model.md §3.1): k = 1:
   * λ·Exp(1) (U·Gamma(2) is Exp(1)); k > 1: λ·x, x with density
   * exp(-x^k)/Γ(1 + 1/k), by rejection (models/num/sample_weibull.c); k < 1: U·λ·G^(1/k),
   * G ~ Gamma(1 + 1/k) by GSL. */
  double scale = k->scale[c], kshape = p->duration_shape[c];
  if (kshape == 1.0) {
    bw_neglog_u01_batch(ch->tmp[0], ch->d, (size_t)nk);
    for (int j = 0; j < nk; j++) ch->d[j] *= scale;
  } else if (kshape > 1.0) {
    bw_fwd_weibull f;
    bw_fwd_weibull_init(&f, kshape);
    fwd_weibull_chunk(k, ch, &f, scale, nk);
  } else {
    double a_gamma = 1.0 + 1.0 / kshape;
    for (int j = 0; j < nk; j++) {
      bw_rng_gsl_reset(k->w->rng, bw_rng_make(p->seed, rep, BW_RNG_STOCK_RESID, 0, (unsigned)c, ch->c2[j]));
      double G = gsl_ran_gamma(k->w->rng, a_gamma, 1.0);
      ch->d[j] = bw_u01(ch->tmp[0][j]) * scale * bw_exp1(bw_log1(G) * k->inv_shape[c]);
    }
  }
  /* mortality (own stay) */
  bw_exp_rate_batch(ch->u1, k->mort[c], ch->mt, (size_t)nk);
  if (c == BW_I) {
    bw_exp_rate_batch(ch->u0, k->h_wlz, ch->wz, (size_t)nk);
    i_stays(k, ch, nk, 1, ch->ws[0], ch->ws[1], ch->ws[2], k->any_mort ? ch->ws[3] : NULL);
  } else {
    for (int j = 0; j < nk; j++) ch->te[j] = ch->mt[j] < ch->d[j] ? ch->mt[j] : ch->d[j];
    book_stays(k, ch, c, nk, 1, 0, ch->cen, ch->her, NULL, ch->t0, ch->te);
  }
}

static void simulate_stock(kernel *k, chunk *ch, uint32_t rep, const bw_outer *o) {
  const bw_params *p = &k->m->p;
  double p_wave = p->wlz_p_wave * o->wlz_factor;
  if (p_wave > 1) p_wave = 1;
  uint64_t t_wave = bw_u01_below(p_wave);
  for (int c = 0; c < BW_NCARE; c++) {
    size_t n = (size_t)lround(p->stock[c]);
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
      int nc = n - i0 < CHUNK ? (int)(n - i0) : CHUNK;
      stock_chunk(k, ch, c, (uint32_t)i0, nc, t_wave, rep);
    }
  }
}

/* ---- new indications --------------------------------------------------------- */

/* A chunk of new clients of care type c in year y (ch->c1, c2, her, reg;
 * cen = the centrumgemeente of their own region). */
static void entry_chunk(kernel *k, chunk *ch, int c, int y, int n) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  int year = p->first_year + y;
  int old = year < p->start_year;
  int mo_local = p->mo_decentralise_year > 0 && year >= p->mo_decentralise_year;
  int ny = k->ny;
  /* block 2 (mortality) for all when there is mortality; else the Wlz exit
   * of transferred clients alone (i_stays) */
  int need2 = c == BW_I ? (k->mort[BW_I] > 0 || k->mort[BW_A] > 0) : k->mort[c] > 0;
  blocks(k, ch->c1, ch->c2, n, 0, ch->b[0]);
  if (c == BW_I) blocks(k, ch->c1, ch->c2, n, 1, ch->b[1]);
  if (need2) blocks(k, ch->c1, ch->c2, n, 2, ch->b[2]);
  uint32_t(*b0)[CHUNK] = ch->b[0];

  /* entry time, natural duration, mortality */
  for (int i = 0; i < n; i++) ch->t0[i] = y + bw_u01(b0[0][i]);
  weibull_batch(k, c, b0[1], ch->d, (size_t)n);
  bw_exp_rate_batch(ch->b[2][0], k->mort[c], ch->mt, (size_t)n);

  /* placement: the herkomst region, or (p_outside_region) another ∝ historical budget */
  const bw_alias *others = c == BW_M ? m->other_mo : m->other_bw;
  int nout = 0;
  for (int i = 0; i < n; i++) {
    ch->idx[nout] = i;
    nout += (uint64_t)b0[2][i] < k->t_out;
  }
  for (int j = 0; j < nout; j++) {
    int i = ch->idx[j];
    ch->cen[i] = m->d.r[bw_alias_draw(&others[ch->reg[i]], bw_u01(b0[3][i]))].centrum;
  }

  if (c == BW_I) {
    int n_nat = 0;
    for (int i = 0; i < n; i++) {
      ch->nat[i] = (uint64_t)ch->b[1][1][i] < k->t_nat;
      n_nat += ch->nat[i];
    }
    k->nat[BW_Q_ENTRIES_NATIONAL_INST * ny + y] += n_nat;
    k->nat[BW_Q_ENTRIES_I * ny + y] += n - n_nat;
    bw_exp_rate_batch(ch->b[1][0], k->h_wlz, ch->wz, (size_t)n);
    i_stays(k, ch, n, old, ch->b[1][2], ch->b[1][3], ch->b[2][1], need2 ? ch->b[2][2] : NULL);
  } else {
    k->nat[(BW_Q_ENTRIES_I + c) * ny + y] += n;
    for (int i = 0; i < n; i++) ch->te[i] = ch->t0[i] + (ch->mt[i] < ch->d[i] ? ch->mt[i] : ch->d[i]);
    book_stays(k, ch, c, n, old, mo_local, ch->cen, ch->her, NULL, ch->t0, ch->te);
  }
}

/* New-indication counts of care type c in year y for every gemeente into
 * cnt[g] (docs/model.md §3.2): Poisson, or negative binomial as a Poisson with a
 * Gamma(k, mu/k) mean, with mean
 * mu_gcy = rate_c·growth_c^y·[(1 - a)·pop_gy/1000·need_g·eps_g + a·Σpop/1000·H_g]
 * (supply attraction a for I and A; M: the first term with a = 0).
 * bw_poisson_draw's words come from block 0 of every key at once; the few
 * draws that need more words continue the key's stream from block 1. */
static void draw_counts(kernel *k, chunk *ch, int c, int y, uint32_t rep, const bw_outer *o, int *cnt) {
  const bw_model *m = k->m;
  const bw_params *p = &m->p;
  int ny = k->ny, ng = k->ng;
  double a = c == BW_M ? 0.0 : p->supply_attraction, pop_k = m->pop_total[y] / 1000.0;
  double level = p->rate_per_1000[c] * o->rate_mult[c] * pow(1.0 + p->growth[c], y);
  double k_disp = p->dispersion[c];
  int nb = !isinf(k_disp);
  double *mu = ch->cnt_mu, *u1 = ch->cnt_u1, *u2 = ch->cnt_u2, *fast = ch->cnt_fast;
  for (int g0 = 0; g0 < ng; g0 += CHUNK) {
    int n = ng - g0 < CHUNK ? ng - g0 : CHUNK;
    for (int i = 0; i < n; i++) {
      int g = g0 + i;
      double need = m->pop[g * ny + y] / 1000.0 * m->need[g] * k->w->eps[g];
      mu[i] = c == BW_M ? level * need : level * ((1.0 - a) * need + a * pop_k * m->hist_bw[g]);
      ch->c1[i] = bw_rng_c1(BW_RNG_COUNT, (unsigned)y, (unsigned)g);
      ch->c2[i] = (uint32_t)c;
    }
    if (nb)
      for (int i = 0; i < n; i++) {
        if (!(mu[i] > 0)) continue;
        bw_rng_gsl_reset(k->w->rng, bw_rng_make(p->seed, rep, BW_RNG_COUNT, (unsigned)y, (unsigned)(g0 + i),
                                                (uint32_t)c));
        mu[i] = gsl_ran_gamma(k->w->rng, k_disp, mu[i] / k_disp);
        ch->c2[i] = BW_NCARE + (uint32_t)c;
      }
    blocks(k, ch->c1, ch->c2, n, 0, ch->b[0]);
    for (int i = 0; i < n; i++) {
      u1[i] = bw_u01_53(ch->b[0][0][i], ch->b[0][1][i]);
      u2[i] = bw_u01_53_open(ch->b[0][2][i], ch->b[0][3][i]);
    }
    bw_ptrs_squeeze_lanes(mu, u1, u2, fast, n);
    /* mu < 10: inversion, in SIMD lanes */
    int ns = 0;
    for (int i = 0; i < n; i++) {
      ch->idx[ns] = i;
      ns += mu[i] > 0 && mu[i] < 10.0;
    }
    for (int j = 0; j < ns; j++) ch->inv_mu[j] = mu[ch->idx[j]], ch->inv_u[j] = u1[ch->idx[j]];
    bw_poisson_inv_lanes(ch->inv_mu, ch->inv_u, ch->inv_p, ch->inv_F, ch->inv_x, ns);
    for (int i = 0; i < n; i++) cnt[g0 + i] = fast[i] >= 0 ? (int)fast[i] : 0;
    for (int j = 0; j < ns; j++) cnt[g0 + ch->idx[j]] = (int)ch->inv_x[j];
    /* mu >= 10 and the squeeze rejected: the whole test, then more proposals */
    for (int i = 0; i < n; i++) {
      if (!(mu[i] >= 10.0 && fast[i] < 0)) continue;
      bw_ptrs q;
      bw_ptrs_init(&q, mu[i]);
      double x = bw_ptrs_try(&q, u1[i], u2[i]);
      if (x < 0) {
        bw_rng_key key = k->base;
        key.ctr.v[1] = ch->c1[i];
        key.ctr.v[2] = ch->c2[i];
        bw_rng_stream s;
        bw_rng_stream_init(&s, key);
        s.block = 1;
        do {
          double v1 = bw_stream_u53(&s);
          x = bw_ptrs_try(&q, v1, bw_stream_u53_open(&s));
        } while (x < 0);
      }
      cnt[g0 + i] = (int)x;
    }
  }
}

/* New indications (docs/model.md §3.2): per gemeente x care type x year a
 * (negative binomial or Poisson) count with mean mu_gct, entry times uniform
 * in the year; placement in the herkomst region except a fraction
 * p_outside_region in another region ∝ historical budget. */
static void simulate_entries(kernel *k, chunk *ch, uint32_t rep, const bw_outer *o) {
  const bw_model *m = k->m;
  bw_workspace *w = k->w;
  int ny = k->ny, ng = m->ng;
  int *cnt = w->gem;
  for (int y = 0; y < ny; y++) {
    for (int c = 0; c < BW_NCARE; c++) {
      draw_counts(k, ch, c, y, rep, o, cnt);
      /* the clients, gemeente after gemeente, in chunks */
      int g = 0, j = 0;
      for (;;) {
        int n = 0;
        while (n < CHUNK && g < ng) {
          int take = cnt[g] - j;
          if (take > CHUNK - n) take = CHUNK - n;
          uint32_t c1 = bw_rng_c1(BW_RNG_ENTRY + (unsigned)c, (unsigned)y, (unsigned)g);
          int region = m->d.g[g].region, centrum = m->d.r[region].centrum;
          for (int t = 0; t < take; t++, n++) {
            ch->c1[n] = c1;
            ch->c2[n] = (uint32_t)(j + t);
            ch->her[n] = g;
            ch->reg[n] = region;
            ch->cen[n] = centrum;
          }
          j += take;
          if (j >= cnt[g]) g++, j = 0;
        }
        if (n == 0) break;
        entry_chunk(k, ch, c, y, n);
      }
    }
  }
}

/* ---- one replication ------------------------------------------------------------ */

static void kernel_init(kernel *k, const bw_model *m, bw_workspace *w, uint32_t rep, const bw_outer *o) {
  const bw_params *p = &m->p;
  memset(k, 0, sizeof *k);
  k->m = m;
  k->w = w;
  k->base = bw_rng_make(p->seed, rep, 0, 0, 0, 0);
  k->ng = m->ng;
  k->ny = m->ny;
  k->horizon = m->ny;
  k->reindicate = (p->start_year - p->first_year) + p->old_regime_max_years;
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
  k->t_out = bw_u01_below(p->p_outside_region);
  k->t_nat = bw_u01_below(p->national_institution_share);
  k->t_sd = bw_u01_below(p->p_step_down);
  k->nat = w->national;
  k->acc = w->aux;
  k->row_stride = 2 * (size_t)(m->ny + 1);
  k->care_stride = k->row_stride * (size_t)(m->ng + 1);
  memset(k->acc, 0, NSLOT * k->care_stride * sizeof(double));

  bw_year_costs(m, o, w->year_cost);
}

/* Costs, clients on 1 Jan and Wlz client-years from the ledger:
 * in care on 1 Jan of y = Σ_{j <= y} count[j], client-years of y = that +
 * part[y + 1]; cost = client-years x EUR per client-year of (c, y). The
 * old-regime slot of I and A is added cell by cell to its care type's, and
 * folded on its own into cost_bw_old. */
static void ledger_fold(kernel *k) {
  bw_workspace *w = k->w;
  int ng = k->ng, ny = k->ny;
  for (int c = 0; c < BW_NCARE; c++) {
    const double *yc = w->year_cost + c * ny;
    double *cost = c == BW_M ? w->cost_mo : w->cost_bw;
    double *jan1 = k->nat + (BW_Q_CLIENTS_I_JAN1 + c) * ny;
    for (int g = 0; g <= ng; g++) {
      size_t row = (size_t)g * k->row_stride;
      const double *r = k->acc + (size_t)c * k->care_stride + row;
      const double *ro = c != BW_M ? k->acc + (size_t)slot_of(c, 1) * k->care_stride + row : NULL;
      double *dst = g < ng ? cost + (size_t)g * ny : k->nat + BW_Q_COST_NATIONAL_INST_EUR * ny;
      double *dst_old = g < ng && ro ? w->cost_bw_old + (size_t)g * ny : NULL;
      double in_care = 0, in_old = 0;
      for (int y = 0; y < ny; y++) {
        double count = r[2 * y + 1], part = r[2 * (y + 1)];
        if (ro) {
          count += ro[2 * y + 1];
          part += ro[2 * (y + 1)];
          in_old += ro[2 * y + 1];
          if (dst_old) dst_old[y] += (in_old + ro[2 * (y + 1)]) * yc[y];
        }
        in_care += count;
        dst[y] += (in_care + part) * yc[y];
        if (g < ng) jan1[y] += in_care;
      }
    }
  }
  double *q = k->nat + BW_Q_WLZ_CLIENT_YEARS * ny, in_wlz = 0;
  for (int y = 0; y < ny; y++) {
    in_wlz += k->wlzq[2 * y + 1];
    q[y] += in_wlz + k->wlzq[2 * (y + 1)];
  }
  k->w->stays = k->stays;
}

int bw_flows_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_outer *o) {
  size_t n = (size_t)m->ng * (size_t)m->ny;
  /* scratch: the ledger in w->aux, the counts per gemeente in w->gem */
  size_t ledger = (size_t)NSLOT * 2 * (size_t)(m->ny + 1) * (size_t)(m->ng + 1);
  if (bw_workspace_reserve(w, ledger > (size_t)m->ng ? ledger : (size_t)m->ng)) return -1;
  memset(w->cost_bw, 0, n * sizeof(double));
  memset(w->cost_bw_old, 0, n * sizeof(double));
  memset(w->cost_mo, 0, n * sizeof(double));
  memset(w->national, 0, (size_t)BW_NQ * (size_t)m->ny * sizeof(double));
  w->stays = 0;
  bw_outer_draw(m, rep, o, w->eps);
  kernel k;
  kernel_init(&k, m, w, rep, o);
  chunk ch;
  simulate_stock(&k, &ch, rep, o);
  simulate_entries(&k, &ch, rep, o);
  ledger_fold(&k);
  return 0;
}
