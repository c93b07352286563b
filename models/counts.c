/* Client flows of one replication as counts: the count kernel
 * (run.kernel: counts), docs/model.md §3–4, §10.4; the model and the files
 * are described in counts_internal.h, docs/counts.md for users.
 *
 * This file is the replication loop. bw_counts_simulate (counts.h):
 *   bw_outer_draw, bw_year_costs; bwc_prepare (counts_chain.c)
 *   simulate_stock                 the stock on 1 Jan of the first year
 *   per year y:
 *     year_entries                 the entry means per lane (Gamma mixing),
 *                                  the streams (set_entry_year), PAIR records
 *     step per step of the year    counts_step.c; merge_pairs at the
 *                                  re-indication moment (a cut step)
 *     flush_all                    the year's cost per payer, with the
 *                                  timing deviates (timing_noise, vflush)
 *   the GEM lanes' costs to their gemeenten.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "counts_internal.h"

typedef struct {
  struct bw_counts_ws *c;
  const bw_model *m;
  bw_workspace *w;
  uint32_t rep;
  int ny, y;
  int pair_active;
  int cut_step;      /* step (within the year) cut at T; -1: none this year */
  int wave;          /* stock I transferred on 1 Jan of the first year */
  double yc[BW_NCARE];
  double ycu;        /* EUR per unit of the BW timing weight (docs/counts.md) */
  nat_acc a;
} run;

/* A deviate with mean 0 and variance v for the within-step timing of a
 * group-year (docs/counts.md): the sum of four 8-bit uniforms of one word
 * (Irwin–Hall, bounded by ±3.46 sd, kurtosis −0.3: the sum of a few
 * clients' timings is close to normal), in EUR (scale), not taking the
 * total below 0 (mean, the group's expected total; a cut at 0 happens only
 * for the smallest groups and moves their mean by a tiny fraction of its
 * standard error). From the year's step pool, after the steps. */
static double timing_noise(run *R, double v, double mean, double scale) {
  if (!BW_COUNTS_TIMING_NOISE) return 0.0;
  /* Σ (b + 1/2) / 256 − 2 has variance 4 (1 − 2^−16) / 12 */
  double z = bw_irwin_hall4(bw_wpool_u32(&R->c->pst), sqrt(3.0 / (1.0 - 1.0 / 65536.0)));
  double x = sqrt(v) * z * scale;
  return x < -mean ? -mean : x;
}

static int row_empty(const struct bw_counts_ws *c, int k) {
  const int32_t *n = c->cnt + (size_t)k * c->NLP;
  int32_t any = 0;
  for (int j = 0; j < c->NL; j++) any |= n[j];
  return any == 0;
}

/* Cost of a group's client-time so far this year, to its payer (docs/model.md
 * §4): I and A to the BW cost, M to the MO cost, In nationally. */
static void flush(run *R, gref r, int payer) {
  size_t i = (size_t)payer * (size_t)R->ny + (size_t)R->y;
  double tI = r.T[CL_I * r.ts], tIn = r.T[CL_IN * r.ts], tA = r.T[CL_A * r.ts], tM = r.T[CL_M * r.ts];
  double vb = r.T[TV_BW * r.ts], vm = r.T[TV_M * r.ts];
  double cbw = tI * R->yc[BW_I] + tA * R->yc[BW_A], cmo = tM * R->yc[BW_M];
  /* the within-step timing (docs/counts.md): one deviate per group and
   * slot with the variance of the sum of its clients' timings, never below
   * a cost of 0 */
  if (vb > 0) cbw += timing_noise(R, vb, cbw, R->ycu);
  if (vm > 0) cmo += timing_noise(R, vm, cmo, R->yc[BW_M]);
  if (cbw != 0) R->w->cost_bw[i] += cbw;
  if (cmo != 0) R->w->cost_mo[i] += cmo;
  if (tIn != 0) R->w->national[BW_Q_COST_NATIONAL_INST_EUR * R->ny + R->y] += tIn * R->yc[BW_I];
  for (int cl = 0; cl < NTS; cl++) r.T[cl * r.ts] = 0;
}

/* deviate of timing_noise from one word, in sd units (this constant is
 * 5e-9 above timing_noise's sqrt(3 / (1 − 2^−16)); kept: it is in the
 * pinned results) */
#define IH_Z(w) bw_irwin_hall4(w, 1.7320640313680538)

/* flush of the n lanes of a set at once: cost with the timing deviates
 * (one word per lane and slot, as timing_noise) into cb, cm; In's time. */
BW_BATCH_CLONES static void vflush(int n, const uint32_t *restrict wb, const uint32_t *restrict wm,
                                   const double *restrict tI, const double *restrict tA, const double *restrict tM,
                                   const double *restrict vb, const double *restrict vm, double ycI, double ycA,
                                   double ycM, double ycu, int noise, double *restrict cb, double *restrict cm) {
  for (int g = 0; g < n; g++) {
    double b = tI[g] * ycI + tA[g] * ycA, m = tM[g] * ycM;
    /* a sum of variances, some relative to another: rounding can leave it a hair below 0 */
    double sb = vb[g] > 0 ? vb[g] : 0.0, sm = vm[g] > 0 ? vm[g] : 0.0;
    double xb = sqrt(sb) * IH_Z(wb[g]) * ycu, xm = sqrt(sm) * IH_Z(wm[g]) * ycM;
    xb = xb < -b ? -b : xb;
    xm = xm < -m ? -m : xm;
    cb[g] = noise ? b + xb : b;
    cm[g] = noise ? m + xm : m;
  }
}

static void set_flush(run *R, gset *S) {
  struct bw_counts_ws *c = R->c;
  size_t np = (size_t)S->np;
  double *T = S->T, *cb = c->ybw + (size_t)R->y * np, *cm = c->ymo + (size_t)R->y * np;
  const uint32_t *wb = bw_wpool_take(&c->pst, S->np);
  memcpy(c->flush_words, wb, sizeof(uint32_t) * np); /* the next take may refill */
  const uint32_t *wm = bw_wpool_take(&c->pst, S->np);
  vflush(S->n, c->flush_words, wm, T + CL_I * np, T + CL_A * np, T + CL_M * np, T + TV_BW * np,
         T + TV_M * np, R->yc[BW_I], R->yc[BW_A], R->yc[BW_M], R->ycu, BW_COUNTS_TIMING_NOISE, cb, cm);
  double tin = 0;
  for (int g = 0; g < S->n; g++) tin += T[CL_IN * np + (size_t)g];
  tin += R->a.tin;
  R->a.tin = 0;
  if (tin != 0) R->w->national[BW_Q_COST_NATIONAL_INST_EUR * R->ny + R->y] += tin * R->yc[BW_I];
  memset(T, 0, sizeof(double) * NTS * np);
}

static void flush_all(run *R) {
  struct bw_counts_ws *c = R->c;
  set_flush(R, &c->gem);
  if (R->pair_active)
    for (int k = 0; k < c->npair; k++) flush(R, pair_ref(c, k), c->payer[k]);
}

/* Re-indication (old_regime_max_years): the PAIR groups' cost so far goes to
 * their centrumgemeente, their clients join their herkomst's GEM group. */
static void merge_pairs(run *R) {
  struct bw_counts_ws *c = R->c;
  for (int k = 0; k < c->npair; k++) {
    gref r = pair_ref(c, k);
    flush(R, r, c->payer[k]);
    int g = c->lane[c->pair_h[k]];
    gref h = set_ref(&c->gem, g);
    for (int j = 0; j < c->NL; j++) h.n[j * h.ns] += r.n[j], r.n[j] = 0;
    bwc_in_harvest(c, &c->gem, g);
  }
  R->pair_active = 0;
}

static int pair_row(struct bw_counts_ws *c, const bw_model *m, int p, int h) {
  int *slot = c->pair_of + (size_t)p * c->ng + h;
  if (*slot < 0) {
    int k = c->npair++;
    *slot = k;
    c->pair_h[k] = h;
    c->payer[k] = m->d.r[p].centrum;
  }
  return *slot;
}

/* Apply the one-by-one entrants recorded for step s of this year. */
static void apply_records(struct bw_counts_ws *c, int s, nat_acc *a) {
  for (int i = c->ebucket[s]; i < c->ebucket[s + 1]; i++) {
    const erec *e = c->rec + i;
    int src = c->NL + 1 + e->v;
    const spec *sp = c->spec[0] + src;
    gref r = ref_of(c, e->gid);
    a->entries[e->v] += 1;
    enter_one(sp, e->i, src, r, a);
  }
}

/* One step (kind, share `scale` of a full step; s: the step within the year
 * whose records apply, -1 none). */
static void step(run *R, int kind, double scale, int s) {
  struct bw_counts_ws *c = R->c;
  const spec *S = c->spec[kind];
  double len = c->kind_len[kind];
  nat_acc *a = &R->a;
  bwc_wlz_step(c, S, len, a);
  bwc_set_live(c, &c->gem, kind, a);
  if (kind == 0) bwc_set_entries(c, &c->gem, a);
  else bwc_set_entries_cut(c, &c->gem, kind, scale, a);
  if (R->pair_active)
    for (int k = 0; k < c->npair; k++)
      if (!row_empty(c, k)) bwc_group_live(c, S, pair_ref(c, k), len, a);
  if (s >= 0) apply_records(c, s, a);
  bwc_lump_split(c, S, a);
}

/* Multinomial of n over weights wt[0..k) by conditional binomials. */
static void multinomial(const struct bw_counts_ws *c, bw_wpool *wp, int n, const double *wt, int k, int *out) {
  double rest = 0;
  for (int i = 0; i < k; i++) rest += wt[i];
  for (int i = 0; i < k; i++) {
    int x = (i == k - 1 || !(rest > 0)) ? n : bw_binom_any(&c->lt, wp, n, wt[i] / rest);
    if (x > n) x = n;
    out[i] = x;
    n -= x;
    rest -= wt[i];
  }
}

/* Stock on 1 Jan of the first year (docs/model.md §3.1): fixed counts, the Wlz
 * wave on I (§3.5), placement ∝ historical budget, phases by the
 * forward-recurrence law of the phase-type. Herkomst is drawn only when
 * someone is ever re-indicated (PAIR groups); otherwise it never matters to
 * a payer. */
static void simulate_stock(run *R, const bw_outer *o) {
  struct bw_counts_ws *c = R->c;
  const bw_model *m = R->m;
  const bw_params *p = &m->p;
  bw_wpool *wp = &c->pmi;
  bw_wpool_key(wp, p->seed, R->rep, BW_RNG_COUNTS_STOCK, 0);
  double p_wave = p->wlz_p_wave * o->wlz_factor;
  if (p_wave > 1) p_wave = 1;
  static const int cls_of_care[BW_NCARE] = {CL_I, CL_A, CL_M};
  for (int care = 0; care < BW_NCARE; care++) {
    int N = (int)lround(p->stock[care]);
    if (care == BW_I) {
      R->wave = bw_binom_any(&c->lt, wp, N, p_wave);
      N -= R->wave;
      R->a.wlz += R->wave;
      R->a.transfers += R->wave;
    }
    int first = c->off[cls_of_care[care]], nph = c->nph[care];
    if (care != BW_M && c->pair_mode) {
      /* one by one: region, herkomst (docs/model.md §3.1), phase */
      double cum[MAXPH], sum = 0;
      for (int i = 0; i < nph; i++) sum += c->pi_stock[care][i], cum[i] = sum;
      for (int i = 0; i < N; i++) {
        int r = bw_alias_draw(&m->region_bw, bw_wpool_u01(wp));
        double u1 = bw_wpool_u01(wp), u2 = bw_wpool_u01(wp), u3 = bw_wpool_u01(wp) * sum;
        int h = u1 < p->p_outside_region ? bw_alias_draw(&m->herkomst_nat, u2)
                                         : bw_alias_draw(&m->herkomst_reg[r], u2);
        int ph = 0;
        while (ph < nph - 1 && u3 >= cum[ph]) ph++;
        c->cnt[(size_t)pair_row(c, m, r, h) * c->NLP + first + ph]++;
      }
      continue;
    }
    for (int r = 0; r < c->nr; r++)
      c->hist[r] = care == BW_M ? m->d.r[r].hist_budget_mo_eur : m->d.r[r].hist_budget_bw_eur;
    multinomial(c, wp, N, c->hist, c->nr, c->rcount);
    for (int r = 0; r < c->nr; r++) {
      int ph[MAXPH];
      multinomial(c, wp, c->rcount[r], c->pi_stock[care], nph, ph);
      /* paid by the region's centrumgemeente: its lane */
      int L = c->lane[m->d.r[r].centrum];
      for (int i = 0; i < nph; i++) c->gem.cnt[(size_t)(first + i) * c->gem.np + L] += ph[i];
    }
  }
}

/* Per-region mean of one care type's entries placed there: the home region
 * with probability 1 − p_outside_region, else another ∝ its historical
 * budget (docs/model.md §3.2). */
static void region_means(struct bw_counts_ws *c, const bw_model *m, int care, double *out) {
  int nr = m->nr;
  double po = m->p.p_outside_region, H = 0;
  double *home = c->home, *h = c->hist;
  for (int r = 0; r < nr; r++) home[r] = 0;
  const double *lam = c->lam + (size_t)care * c->gem.np;
  for (int i = 0; i < m->ng; i++) home[c->regL[i]] += lam[i];
  for (int r = 0; r < nr; r++) {
    h[r] = care == BW_M ? m->d.r[r].hist_budget_mo_eur : m->d.r[r].hist_budget_bw_eur;
    H += h[r];
  }
  for (int p = 0; p < nr; p++) out[p] = nr == 1 ? home[p] : (1.0 - po) * home[p];
  if (nr == 1) return;
  int all = 1;
  for (int r = 0; r < nr; r++) all = all && H - h[r] > 0;
  if (all) { /* Σ_{r≠p} home_r h_p / (H − h_r) = h_p (A − home_p / (H − h_p)) */
    double A = 0;
    for (int r = 0; r < nr; r++) A += home[r] / (H - h[r]);
    for (int p = 0; p < nr; p++) out[p] += po * h[p] * (A - home[p] / (H - h[p]));
    return;
  }
  for (int r = 0; r < nr; r++) {
    if (home[r] == 0) continue;
    double other = H - h[r];
    for (int p = 0; p < nr; p++)
      if (p != r) out[p] += po * home[r] * (other > 0 ? h[p] / other : 1.0 / (nr - 1));
  }
}

static int rec_push(struct bw_counts_ws *c, int step, int gid, int v, int i) {
  if (c->rec_n == c->rec_cap) {
    size_t cap = c->rec_cap ? 2 * c->rec_cap : 4096;
    erec *a = realloc(c->rec_tmp, sizeof(erec) * cap);
    if (!a) return -1;
    c->rec_tmp = a;
    erec *b = realloc(c->rec, sizeof(erec) * cap);
    if (!b) return -1;
    c->rec = b;
    c->rec_cap = cap;
  }
  erec *e = c->rec_tmp + c->rec_n++;
  e->step = step, e->gid = gid, e->v = v, e->i = i;
  c->ebucket[step + 1]++;
  return 0;
}

/* Entry type v of a set for this year, from S->full[v] (the per-step mean
 * of all its entrants): by Poisson thinning, one independent Poisson
 * stream per end state of the first step (the main phase and each leaver
 * destination of the entry spec), drawn per step and vectorised over the
 * lanes (bwc_set_entries). A cut step draws its entrants whole
 * (bwc_set_entries_cut). */
static int set_entry_year(run *R, gset *S, int v, int on) {
  struct bw_counts_ws *c = R->c;
  const spec *sv = c->spec[0] + c->NL + 1 + v;
  if (!on) return 0;
  int blk[MAXBLK + 1], nblk = bwc_set_blocks(S, blk);
  double any = 0;
  for (int b = 0; b < nblk; b++) {
    S->fmx[v][b] = bw_lanes_max_nonneg(blk[b + 1] - blk[b], S->full[v] + blk[b]);
    any += S->fmx[v][b];
  }
  if (!(any > 0)) return 0;
  if (v == V_IN) { /* few: drawn nationally (set_entries_sparse) */
    S->sparse_on = 1;
    return 0;
  }
  for (int i = -1; i < sv->nd; i++) {
    double share = i < 0 ? 1.0 - sv->b.p : sv->pd[i];
    if (!(share > 0)) continue;
    int k = S->nstr++;
    S->sv[k] = v, S->si[k] = i, S->ssh[k] = share;
  }
  return 0;
}

/* The year's entries (docs/model.md §3.2): means per gemeente and care type with
 * need, ε_g, supply attraction and growth; negative-binomial Gamma mixing;
 * then per lane the laws of set_entry_year (new regime and decentralised M
 * of the herkomst; entries before S placed in a region and central M on the
 * region's centrumgemeente); in a PAIR year every
 * old-regime I/A entrant one by one. */
static int year_entries(run *R, const bw_outer *o) {
  struct bw_counts_ws *c = R->c;
  const bw_model *m = R->m;
  const bw_params *p = &m->p;
  bw_workspace *w = R->w;
  int y = R->y, ng = m->ng, nr = m->nr, spy = c->spy;
  int year = p->first_year + y;
  int old = year < p->start_year;
  int mo_local = p->mo_decentralise_year > 0 && year >= p->mo_decentralise_year;
  double pop_k = m->pop_total[y] / 1000.0, at = p->supply_attraction, ns = p->national_institution_share;
  size_t npg = (size_t)c->gem.np;
  for (int care = 0; care < BW_NCARE; care++) {
    double level = p->rate_per_1000[care] * o->rate_mult[care] * pow(1.0 + p->growth[care], y);
    double k_disp = p->dispersion[care];
    double a1 = care == BW_M ? level : level * (1.0 - at), b1 = care == BW_M ? 0.0 : level * at * pop_k;
    double *lam = c->lam + (size_t)care * npg;
    const double *pop = c->popL + (size_t)y * npg;
    bw_lanes_axy_bz(ng, lam, a1, pop, c->ne, b1, c->histL);
    if (!isinf(k_disp))
      for (int i = 0; i < ng; i++) {
        if (!(lam[i] > 0)) continue;
        int g = c->perm[i]; /* keyed by gemeente */
        bw_rng_gsl_reset(w->rng, bw_rng_make(p->seed, R->rep, BW_RNG_COUNTS_GAMMA, (unsigned)y, (unsigned)g,
                                             (uint32_t)care));
        lam[i] = gsl_ran_gamma(w->rng, k_disp, lam[i] / k_disp);
      }
  }
  double per_step = 1.0 / spy;
  bw_wpool_key(&c->pmi, p->seed, R->rep, BW_RNG_COUNTS_PAIR, (unsigned)y);
  c->rec_n = 0;
  c->gem.nstr = 0;
  c->gem.sparse_on = 0;
  for (int s = 0; s <= spy; s++) c->ebucket[s] = 0;

  static const int care_of[NV] = {BW_I, BW_I, BW_A, BW_M};
  for (int v = 0; v < NV; v++) {
    double share = v == V_I ? 1.0 - ns : v == V_IN ? ns : 1.0;
    /* new-regime I/A (woonplaatsbeginsel), M once decentralised: paid by
     * the herkomst gemeente */
    int on = v == V_M ? mo_local : !old;
    gset *G = &c->gem;
    if (on) bw_lanes_scale2(G->np, G->full[v], c->lam + (size_t)care_of[v] * npg, share, per_step);
    else memset(G->full[v], 0, sizeof(double) * (size_t)G->np);
    /* old-regime I/A placed in a region (unless PAIR), central M: paid by
     * the region's centrumgemeente, so counted in its lane (Poisson
     * superposition: one stream with the summed mean) */
    int on_r = v == V_M ? !mo_local : old && !c->pair_mode;
    if (on_r) {
      region_means(c, m, care_of[v], c->region_mean);
      for (int r = 0; r < nr; r++) G->full[v][c->lane[m->d.r[r].centrum]] += c->region_mean[r] * share * per_step;
    }
    if (set_entry_year(R, G, v, on || on_r)) return -1;
  }

  /* PAIR year: every I/A entrant one by one (placement, national
   * institution, step, end state); a PAIR year never holds the cut */
  if (old && c->pair_mode) {
    bw_wpool *wp = &c->pmi;
    const spec *S = c->spec[0];
    for (int g = 0; g < ng; g++) {
      int region = m->d.g[g].region;
      for (int care = BW_I; care <= BW_A; care++) {
        int N = pois_draw(c, c->lam[(size_t)care * npg + c->lane[g]], wp);
        for (int e = 0; e < N; e++) {
          int s = (int)(((uint64_t)bw_wpool_u32(wp) * (uint64_t)spy) >> 32);
          int r = bw_wpool_u01(wp) < p->p_outside_region ? bw_alias_draw(&m->other_bw[region], bw_wpool_u01(wp)) : region;
          int v = care == BW_A ? V_A : (bw_wpool_u01(wp) < ns ? V_IN : V_I);
          int i = bwc_entrant_dest(S + c->NL + 1 + v, wp);
          if (rec_push(c, s, ng + nr + pair_row(c, m, r, g), v, i)) return -1;
        }
      }
    }
  }

  /* counting sort of the records by step (stable: the draw order) */
  for (int s = 0; s < spy; s++) c->ebucket[s + 1] += c->ebucket[s];
  for (int s = 0; s < spy; s++) c->cursor[s] = c->ebucket[s];
  for (size_t i = 0; i < c->rec_n; i++) c->rec[c->cursor[c->rec_tmp[i].step]++] = c->rec_tmp[i];
  return 0;
}

int bw_counts_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_outer *o) {
  const bw_params *p = &m->p;
  int ng = m->ng, nr = m->nr, ny = m->ny;
  if (!w->counts && !(w->counts = bw_counts_ws_create(m))) return -1;
  struct bw_counts_ws *c = w->counts;
  size_t n = (size_t)ng * (size_t)ny;
  memset(w->cost_bw, 0, n * sizeof(double));
  memset(w->cost_mo, 0, n * sizeof(double));
  memset(w->national, 0, (size_t)BW_NQ * (size_t)ny * sizeof(double));
  bw_outer_draw(m, rep, o, w->eps);
  for (int i = 0; i < ng; i++) c->ne[i] = m->need[c->perm[i]] * w->eps[c->perm[i]] / 1000.0; /* lane order */

  bw_year_costs(m, o, w->year_cost);

  run R;
  memset(&R, 0, sizeof R);
  R.c = c, R.m = m, R.w = w, R.rep = rep, R.ny = ny;
  R.a.lump = c->lump;
  memset(c->lump, 0, sizeof(int64_t) * (size_t)c->NS);
  /* the re-indication moment T in steps: at the start of step cut_gs when
   * cut_frac = 0, else inside it */
  double cut_frac = 0;
  long cut_gs = -1;
  if (c->pair_mode) {
    double T = (p->start_year - p->first_year + p->old_regime_max_years) * c->spy;
    if (T < 0) T = 0;
    double fl = floor(T + 1e-9);
    cut_gs = (long)fl;
    cut_frac = T - fl < 1e-9 ? 0.0 : T - fl;
    R.pair_active = 1;
    for (size_t i = 0; i < (size_t)ng * (size_t)nr; i++) c->pair_of[i] = -1;
    c->npair = 0;
    memset(c->cnt, 0, sizeof(int32_t) * (size_t)c->npair_max * (size_t)c->NLP);
    memset(c->tacc, 0, sizeof(double) * (size_t)c->npair_max * NTS);
  }
  gset *G = &c->gem;
  memset(c->lane_sink, 0, sizeof(int32_t) * (size_t)G->np);
  memset(G->cnt, 0, sizeof(int32_t) * (size_t)c->NL * (size_t)G->np);
  memset(G->T, 0, sizeof(double) * NTS * (size_t)G->np);
  for (int x = 0; x < MAXPH; x++) c->inl[x].n = 0;
  c->oom = 0;
  bwc_prepare(c, m, o, cut_frac);

  simulate_stock(&R, o);
  int64_t stock_total = 0, entries_total = 0, stepdowns_total = 0;
  for (int k = 0; k < BW_NCARE; k++) stock_total += lround(p->stock[k]);

  double *nat = w->national;
  static const int cls_of_care[BW_NCARE] = {CL_I, CL_A, CL_M};
  for (int y = 0; y < ny; y++) {
    R.y = y;
    for (int k = 0; k < BW_NCARE; k++) R.yc[k] = w->year_cost[k * ny + y];
    R.ycu = c->wI > 0 ? R.yc[BW_I] / c->wI : c->wA > 0 ? R.yc[BW_A] / c->wA : 0.0;
    R.cut_step = (R.pair_active && cut_frac > 0 && cut_gs / c->spy == y) ? (int)(cut_gs % c->spy) : -1;
    bw_wpool_key(&c->pst, p->seed, rep, BW_RNG_COUNTS_STEP, (unsigned)y);
    bw_wpool_key(&c->pen, p->seed, rep, BW_RNG_COUNTS_ENTRY, (unsigned)y);
    if (year_entries(&R, o)) return -1;

    /* in care on 1 Jan, excluding national institutions and the Wlz; the
     * first year's count is taken before the wave (docs/model.md §3.5) */
    double jan[BW_NCARE] = {y == 0 ? R.wave : 0, 0, 0};
    for (int k = 0; k < BW_NCARE; k++)
      for (int i = 0; i < c->nph[k]; i++) {
        int j = c->off[cls_of_care[k]] + i;
        int64_t s = bw_lanes_sum_i32(G->n, G->cnt + (size_t)j * G->np);
        if (R.pair_active)
          for (int row = 0; row < c->npair; row++) s += c->cnt[(size_t)row * c->NLP + j];
        jan[k] += (double)s;
      }
    for (int k = 0; k < BW_NCARE; k++) nat[(BW_Q_CLIENTS_I_JAN1 + k) * ny + y] = jan[k];

    R.a.stepdowns = 0, R.a.q = 0, R.a.vn[0] = R.a.vn[1] = 0;
    if (y > 0) R.a.transfers = 0;
    memset(R.a.entries, 0, sizeof R.a.entries);
    for (int s = 0; s < c->spy; s++) {
      long gs = (long)y * c->spy + s;
      if (R.pair_active && gs == cut_gs) {
        if (cut_frac == 0) {
          merge_pairs(&R);
          step(&R, 0, 1.0, s);
        } else {
          step(&R, 1, cut_frac, -1);
          merge_pairs(&R);
          step(&R, 2, 1.0 - cut_frac, -1);
        }
      } else {
        step(&R, 0, 1.0, s);
      }
    }
    if (c->oom) return -1;
    flush_all(&R);
    /* national timing variances: the Wlz client-years and the national
     * institutions' cost */
    if (R.a.vn[VN_W] > 0) R.a.q += timing_noise(&R, R.a.vn[VN_W], R.a.q, 1.0);
    if (R.a.vn[VN_IN] > 0) {
      double *ci = &nat[BW_Q_COST_NATIONAL_INST_EUR * ny + y];
      *ci += timing_noise(&R, R.a.vn[VN_IN], *ci, R.yc[BW_I]);
    }

    nat[BW_Q_ENTRIES_I * ny + y] = (double)R.a.entries[V_I];
    nat[BW_Q_ENTRIES_A * ny + y] = (double)R.a.entries[V_A];
    nat[BW_Q_ENTRIES_M * ny + y] = (double)R.a.entries[V_M];
    nat[BW_Q_ENTRIES_NATIONAL_INST * ny + y] = (double)R.a.entries[V_IN];
    nat[BW_Q_STEPDOWNS_IA * ny + y] = (double)R.a.stepdowns;
    nat[BW_Q_WLZ_TRANSFERS * ny + y] = (double)R.a.transfers;
    nat[BW_Q_WLZ_CLIENT_YEARS * ny + y] = R.a.q;
    for (int v = 0; v < NV; v++) entries_total += R.a.entries[v];
    stepdowns_total += R.a.stepdowns;
  }
  /* the GEM lanes' yearly cost to their gemeenten (adding a zero changes nothing) */
  for (int g = 0; g < G->n; g++) {
    size_t i0 = (size_t)G->payer[g] * (size_t)ny;
    for (int y = 0; y < ny; y++) {
      w->cost_bw[i0 + y] += c->ybw[(size_t)y * G->np + g];
      w->cost_mo[i0 + y] += c->ymo[(size_t)y * G->np + g];
    }
  }
  w->stays = (uint64_t)(stock_total - R.wave + entries_total + stepdowns_total);
  return 0;
}

