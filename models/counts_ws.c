/* The count kernel's workspace (struct bw_counts_ws, counts_internal.h):
 * everything a replication needs that does not depend on it, made once per
 * workspace (thread): phase counts and chain indices, the GEM lanes in
 * their order (the centrumgemeenten first, each part by population), lane
 * copies of the population and historical shares, the word pools, the
 * log-factorial tables and every scratch array.
 *
 * Interface: bw_counts_ws_create (counts.h; called by bw_counts_simulate on
 * first use, and by the test hook), bw_counts_ws_free.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counts_internal.h"

static void gset_free(gset *s) {
  free(s->cnt), free(s->T), free(s->payer);
  free(s->sv), free(s->si), free(s->ssh);
  for (int v = 0; v < NV; v++) free(s->full[v]);
}

static int gset_alloc(gset *s, int n, int NL, int gid0) {
  memset(s, 0, sizeof *s);
  s->n = n;
  s->np = (n + VB - 1) / VB * VB;
  s->gid0 = gid0;
  size_t np = (size_t)s->np;
  s->cnt = calloc((size_t)NL * np, sizeof(int32_t));
  s->T = calloc(NTS * np, sizeof(double));
  s->payer = calloc(np, sizeof(int));
  s->nsmax = NV * (NL + 3);
  size_t ns = (size_t)s->nsmax;
  s->sv = calloc(ns, sizeof(int));
  s->si = calloc(ns, sizeof(int));
  s->ssh = calloc(ns, sizeof(double));
  int ok = s->cnt && s->T && s->payer && s->sv && s->si && s->ssh;
  for (int v = 0; v < NV; v++) {
    s->full[v] = calloc(np, sizeof(double));
    ok = ok && s->full[v];
  }
  return ok ? 0 : -1;
}

void bw_counts_ws_free(struct bw_counts_ws *c) {
  if (!c) return;
  free(c->cls_of), free(c->ifam), free(c->Q), free(c->Qp);
  free(c->Pm), free(c->Pn), free(c->J), free(c->av), free(c->tm), free(c->row);
  free(c->prv), free(c->tmv), free(c->bmo), free(c->bscr), free(c->mrow);
  for (int k = 0; k < 3; k++) free(c->spec[k]), free(c->vplan[k]), free(c->nvd[k]);
  gset_free(&c->gem);
  for (int x = 0; x < MAXPH; x++) free(c->inl[x].g);
  free(c->perm), free(c->lane), free(c->lane_rest), free(c->lane_bad), free(c->lane_sink), free(c->entry_cum), free(c->ybw), free(c->ymo);
  free(c->bidx), free(c->btag);
  bw_trs_lanes_free(&c->trs);
  free(c->cnt), free(c->tacc), free(c->payer), free(c->pair_h), free(c->pair_of);
  free(c->lam), free(c->ne), free(c->popL), free(c->histL), free(c->regL), free(c->home), free(c->hist), free(c->region_mean),
      free(c->rcount), free(c->cursor), free(c->ebucket);
  free(c->rec), free(c->rec_tmp), free(c->c2a), free(c->lump);
  bw_lftab_free(&c->lt);
  bw_wpool_free(&c->pst), bw_wpool_free(&c->pen), bw_wpool_free(&c->pmi);
  free(c);
}

/* Does old_regime_max_years end within the horizon (then old-regime clients
 * need their herkomst: PAIR groups)? */
static int pair_mode_of(const bw_model *m) {
  double T = m->p.start_year - m->p.first_year + m->p.old_regime_max_years;
  return isfinite(T) && T < m->ny;
}

struct bw_counts_ws *bw_counts_ws_create(const bw_model *m) {
  const bw_params *p = &m->p;
  struct bw_counts_ws *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  int ng = m->ng, nr = m->nr;
  c->ng = ng, c->nr = nr, c->ny = m->ny;
  for (int k = 0; k < BW_NCARE; k++) {
    bwc_ph_fit(p->duration_mean_years[k], p->duration_shape[k], &c->ph[k]);
    c->nph[k] = c->ph[k].n;
  }
  int nI = c->nph[BW_I], nA = c->nph[BW_A], nM = c->nph[BW_M];
  c->off[CL_I] = 0, c->off[CL_IN] = nI, c->off[CL_A] = 2 * nI, c->off[CL_M] = 2 * nI + nA;
  c->NL = 2 * nI + nA + nM;
  c->NLP = (c->NL + 3) & ~3;
  c->sW = c->NL, c->sOI = c->NL + 1, c->sOA = c->NL + 2, c->sOM = c->NL + 3, c->sWG = c->NL + 4;
  c->D = c->NL + 5;
  c->NS = c->NL + 1 + NV;
  int D = c->D, NS = c->NS, NL = c->NL;

  /* steps per year: BW_COUNTS_STEPS_PER_YEAR; a sub-yearly build takes
   * finer steps when a phase is left faster than half the steps a year at
   * the central parameters (the yearly default needs none: its counts are
   * exact and its within-step timing variance is put back) */
  double rmax = p->wlz_exit_rate;
  for (int k = 0; k < BW_NCARE; k++)
    for (int i = 0; i < c->nph[k]; i++) {
      double r = c->ph[k].next[i] + c->ph[k].exit[i] + p->mortality_rate[k] + (k == BW_I ? p->wlz_hazard : 0);
      if (r > rmax) rmax = r;
    }
  int spy0 = BW_COUNTS_STEPS_PER_YEAR;
  c->spy = spy0 * (spy0 > 1 && rmax > spy0 / 2.0 ? (int)ceil(rmax / (spy0 / 2.0)) : 1);
  if (c->spy > 12 * 64) c->spy = 12 * 64;

  c->pair_mode = pair_mode_of(m);
  c->npair_max = c->pair_mode ? ng * nr : 0;
  int ok = gset_alloc(&c->gem, ng, NL, 0) == 0;
  size_t VP = (size_t)c->gem.np;
  size_t A = (size_t)(c->npair_max > 0 ? c->npair_max : 1);
  int nlane = (int)VP / 4 + 1 > 256 ? (int)VP / 4 + 1 : 256;

  c->cls_of = malloc(sizeof(int) * (size_t)D);
  c->ifam = malloc(sizeof(int) * (size_t)D);
  c->Q = calloc((size_t)D * D, sizeof(double));
  c->Qp = malloc(sizeof(double) * 31 * (size_t)D * D);
  c->Pm = malloc(sizeof(double) * (size_t)D * D);
  c->Pn = malloc(sizeof(double) * 4 * (size_t)D * D);
  c->J = malloc(sizeof(double) * NCL * (size_t)D * D);
  c->av = malloc(sizeof(double) * NV * 4 * (size_t)D);
  c->tm = malloc(sizeof(double) * NCL * (size_t)D);
  c->row = malloc(sizeof(double) * (size_t)D);
  c->prv = malloc(sizeof(double) * NV * (size_t)D);
  c->tmv = malloc(sizeof(double) * NV * NCL * (size_t)D);
  c->bmo = malloc(sizeof(double) * 12 * (size_t)D * D);
  c->bscr = malloc(sizeof(double) * 9 * (size_t)D * D);
  c->mrow = malloc(sizeof(double) * 5 * (size_t)D);
  {
    double tI = p->tariff_eur_per_day[BW_I], tA = p->tariff_eur_per_day[BW_A], u = tI > tA ? tI : tA;
    c->wI = u > 0 ? tI / u : 0.0, c->wA = u > 0 ? tA / u : 0.0;
  }
  ok = ok && c->cls_of && c->ifam && c->Q && c->Qp && c->Pm && c->Pn && c->J && c->av &&
       c->tm && c->row && c->prv && c->tmv && c->bmo && c->bscr && c->mrow;
  for (int k = 0; k < 3; k++) {
    c->spec[k] = malloc(sizeof(spec) * (size_t)NS);
    c->vplan[k] = malloc(sizeof(vdest) * (size_t)NL * MAXD);
    c->nvd[k] = malloc(sizeof(int) * (size_t)NL);
    ok = ok && c->spec[k] && c->vplan[k] && c->nvd[k];
  }
  c->perm = malloc(sizeof(int) * (size_t)ng);
  c->lane = malloc(sizeof(int) * (size_t)ng);
  c->lane_rest = calloc(VP, sizeof(int32_t));
  c->lane_bad = calloc(VP, sizeof(int32_t));
  c->lane_sink = calloc(VP, sizeof(int32_t));
  c->entry_cum = calloc(VP, sizeof(double));
  /* the big lanes of several entry streams, drawn together */
  int bok = bw_trs_lanes_alloc(&c->trs, 4 * (int)VP) == 0;
  size_t BC = (size_t)c->trs.cap + 16;
  c->bidx = calloc(BC, sizeof(int));
  c->btag = calloc(BC, sizeof(int));
  bok = bok && c->bidx && c->btag;
  c->ybw = calloc(VP * (size_t)m->ny, sizeof(double));
  c->ymo = calloc(VP * (size_t)m->ny, sizeof(double));
  c->cnt = calloc(A * (size_t)c->NLP, sizeof(int32_t));
  c->tacc = calloc(A * NTS, sizeof(double));
  c->payer = calloc(A, sizeof(int));
  size_t npg = (size_t)c->gem.np;
  c->lam = calloc(npg * BW_NCARE, sizeof(double));
  c->ne = calloc(npg, sizeof(double));
  c->popL = calloc(npg * (size_t)m->ny, sizeof(double));
  c->histL = calloc(npg, sizeof(double));
  c->regL = calloc(npg, sizeof(int));
  c->home = malloc(sizeof(double) * (size_t)nr);
  c->hist = malloc(sizeof(double) * (size_t)nr);
  c->region_mean = malloc(sizeof(double) * (size_t)nr);
  c->rcount = malloc(sizeof(int) * (size_t)nr);
  c->cursor = malloc(sizeof(int) * (size_t)(c->spy + 1));
  c->ebucket = malloc(sizeof(int) * (size_t)(c->spy + 2));
  int lok = bw_lftab_init(&c->lt) == 0;
  c->c2a = malloc(sizeof(uint32_t) * (size_t)nlane);
  c->lump = calloc((size_t)NS, sizeof(int64_t));
  ok = ok && bok && c->perm && c->lane && c->lane_rest && c->lane_bad && c->lane_sink && c->entry_cum && c->ybw && c->ymo &&
       c->cnt && c->tacc && c->payer && c->lam && c->ne && c->popL && c->histL && c->regL && c->home && c->hist &&
       c->region_mean && c->rcount && c->cursor && c->ebucket && lok && c->c2a && c->lump;
  bw_wpool *pools[3] = {&c->pst, &c->pen, &c->pmi};
  for (int i = 0; i < 3; i++) /* the longest take: the big-lane list (c->trs.cap) */
    ok = bw_wpool_alloc(pools[i], nlane, 4 * (int)VP + 16, c->c2a) == 0 && ok;
  if (c->pair_mode) {
    c->pair_h = malloc(sizeof(int) * A);
    c->pair_of = malloc(sizeof(int) * A);
    ok = ok && c->pair_h && c->pair_of;
  }
  if (!ok) {
    bw_counts_ws_free(c);
    return NULL;
  }
  for (int s = 0; s < D; s++) c->cls_of[s] = -1, c->ifam[s] = 0;
  for (int i = 0; i < nI; i++) {
    c->cls_of[c->off[CL_I] + i] = CL_I, c->ifam[c->off[CL_I] + i] = 1;
    c->cls_of[c->off[CL_IN] + i] = CL_IN, c->ifam[c->off[CL_IN] + i] = 1;
  }
  for (int i = 0; i < nA; i++) c->cls_of[c->off[CL_A] + i] = CL_A;
  for (int i = 0; i < nM; i++) c->cls_of[c->off[CL_M] + i] = CL_M;
  c->cls_of[c->sW] = CL_W;
  for (int k = 0; k < BW_NCARE; k++) bwc_ph_equilibrium(&c->ph[k], c->pi_stock[k]);
  for (int i = 0; i < nlane; i++) c->c2a[i] = (uint32_t)i;
  /* GEM lanes: the regions' centrumgemeenten first (they alone carry the
   * old-regime and central MO clients, large counts: their blocks are
   * mostly drawn by big_draws, and the other blocks have no M clients to
   * step while MO is central), then the others; each by population,
   * descending (insertion sort, once per workspace) */
  char *cen = calloc((size_t)ng, 1);
  if (!cen) {
    bw_counts_ws_free(c);
    return NULL;
  }
  for (int r = 0; r < nr; r++) cen[m->d.r[r].centrum] = 1;
#define LANE_BEFORE(a, b) \
  (cen[a] != cen[b] ? cen[a] > cen[b] : m->d.g[a].population > m->d.g[b].population)
  for (int g = 0; g < ng; g++) c->perm[g] = g;
  for (int i = 1; i < ng; i++)
    for (int j = i; j > 0 && LANE_BEFORE(c->perm[j], c->perm[j - 1]); j--) {
      int t = c->perm[j];
      c->perm[j] = c->perm[j - 1], c->perm[j - 1] = t;
    }
#undef LANE_BEFORE
  free(cen);
  for (int i = 0; i < ng; i++) c->lane[c->perm[i]] = i, c->gem.payer[i] = c->perm[i];
  for (int i = 0; i < ng; i++) {
    int g = c->perm[i];
    for (int y = 0; y < m->ny; y++) c->popL[(size_t)y * npg + i] = m->pop[g * m->ny + y];
    c->histL[i] = m->hist_bw[g];
    c->regL[i] = m->d.g[g].region;
  }
  return c;
}

