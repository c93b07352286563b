/* One step of the count kernel (counts_internal.h: "Each step", "Speed").
 *
 * Interface, in the order step() (counts.c) calls it:
 *   bwc_wlz_step         the Wlz: exits, q client-years
 *   bwc_set_live         the GEM lanes' live phases, vectorised: per phase
 *                        (last first) the stayers' time, then each
 *                        destination by bwc_binom_lanes (in_step for the
 *                        national institutions' clients, one by one)
 *   bwc_set_entries      (full step) the entry streams, vectorised by
 *                        bwc_pois_lanes, the big lanes of all streams by
 *                        bwc_entries_big, the national-institution entrants
 *                        nationally (set_entries_sparse)
 *   bwc_set_entries_cut  (a cut step) entrants lane by lane
 *   bwc_group_live       a PAIR group, scalar (leave_count, scatter)
 *   bwc_lump_split       the lumped I leavers split nationally
 * Words: the step pool c->pst (moves), the entry pool c->pen (entries),
 * c->pmi for the rare draws beyond the log-factorial table.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counts_internal.h"

/* Where L leavers go: each its own word when few, else a multinomial by
 * conditional binomials. */
static void scatter(const struct bw_counts_ws *c, const spec *s, int src, int L, gref r, nat_acc *a,
                    bw_wpool *wp) {
  if (s->nd == 1) {
    move(s, 0, L, src, r, a);
  } else if (L <= FEW) {
    for (int l = 0; l < L; l++) move(s, bw_pick_thr(s->thr, s->nd, bw_wpool_u32(wp)), 1, src, r, a);
  } else {
    int rest = L;
    for (int i = 0; i < s->nd && rest > 0; i++) {
      int k = i == s->nd - 1 ? rest : bw_binom_inv(&c->lt, &s->cb[i], rest, bw_wpool_u01(wp));
      if (k) move(s, i, k, src, r, a);
      rest -= k;
    }
  }
}

/* e clients enter through entry spec s (index src) this step. */
static void enter(const struct bw_counts_ws *c, const spec *s, int src, int e, gref r, nat_acc *a, bw_wpool *wp) {
  enter_time(s, e, r, a);
  int L = leave_count(c, s, e, wp);
  r.n[s->main * r.ns] += e - L;
  if (L) scatter(c, s, src, L, r, a, wp);
}

/* One step of the live phases of one PAIR group, scalar. */
void bwc_group_live(struct bw_counts_ws *c, const spec *S, gref r, double len, nat_acc *a) {
  for (int j = c->NL - 1; j >= 0; j--) {
    int nj = r.n[j * r.ns];
    if (!nj) continue;
    const spec *s = S + j;
    r.T[s->cls * r.ts] += nj * len;
    int L = leave_count(c, s, nj, &c->pst);
    if (L) {
      r.n[j * r.ns] = nj - L;
      scatter(c, s, j, L, r, a, &c->pst);
    }
  }
}

/* Blocks of a set's lanes: [blk[b], blk[b + 1]) for b < nblk. */
int bwc_set_blocks(const gset *S, int *blk) {
  int bs = BLK, n = 0;
  while ((S->np + bs - 1) / bs > MAXBLK) bs *= 2;
  for (int o = 0; o < S->np; o += bs) blk[n++] = o;
  blk[n] = S->np;
  return n;
}

/* The fold of movers with client-time dt[cl] per class (I, In, A, M) and
 * timing variance v into slot vslot, on the lanes of set S: the M time, or
 * the BW time weighted by tariff (c->wI, c->wA: tariff / the larger) in the
 * slot of the larger tariff, which flush prices at that tariff. (A source
 * of the vector kernels is I or A, or M: never In, whose clients are drawn
 * one by one, and never both BW and M time.) */
fold2 bwc_fold_make(const struct bw_counts_ws *c, gset *S, int vslot, const double *dt, double v) {
  fold2 f;
  size_t np = (size_t)S->np;
  if (vslot == TV_M) {
    f.t = S->T + CL_M * np, f.ct = dt[CL_M];
  } else {
    int slot = c->wI >= c->wA ? CL_I : CL_A;
    f.t = S->T + (size_t)slot * np, f.ct = c->wI * dt[CL_I] + c->wA * dt[CL_A];
  }
  f.v = S->T + (size_t)vslot * np, f.cv = v;
  return f;
}

/* Binomial(rest[g], p) movers (p and its tables in d; flip: rest − X) of
 * every lane of a set from rest to dst, with their client-time
 * (fo), vectorised over blocks of lanes (mxb: the largest count of each
 * block; a block without clients is skipped): as bwc_pois_lanes, BTRS for the
 * lanes at or above BW_LANE_TRS_MEAN. Words from the step pool. Returns Σ moved. */
int64_t bwc_binom_lanes(struct bw_counts_ws *c, int nblk, const int *blk, const int32_t *mxb,
                           const vdest *d, int32_t *rest, int32_t *dst, fold2 fo) {
  int32_t *bad = c->lane_bad;
  /* per block: lanes at or above BW_LANE_TRS_MEAN, the inversion class of the largest mean below, the largest count */
  int nbig[MAXBLK];
  int32_t kc[MAXBLK], mn[MAXBLK];
  bw_binom_lanes_class(nblk, blk, mxb, rest, d->bn.b.p, nbig, kc, mn);
  /* words for the lanes up to the last block with clients (the centrumgemeenten' lanes
   * come first: the M phases' clients are all there while MO is central) */
  int hi = 0;
  for (int b = 0; b < nblk; b++)
    if (mxb[b]) hi = blk[b + 1];
  if (!hi) return 0;
  const uint32_t *w = bw_wpool_take(&c->pst, hi);
  int64_t moved = 0;
  int nbl = 0; /* lanes at or above BW_LANE_TRS_MEAN, compacted for big_draws */
  /* runs of consecutive blocks that need the same inversion kernel, one
   * call each (GEM lanes are sorted by population: a few runs) */
  for (int b = 0, b2; b < nblk; b = b2) {
    int var = -1; /* the kernel: 0..3 table, 4..7 exp, by K class */
    if (mxb[b] && nbig[b] < blk[b + 1] - blk[b]) var = kc[b] + (mn[b] < BW_PZ_N ? 0 : 4);
    for (b2 = b + 1; b2 < nblk && var >= 0; b2++) {
      int v2 = -1;
      if (mxb[b2] && nbig[b2] < blk[b2 + 1] - blk[b2]) v2 = kc[b2] + (mn[b2] < BW_PZ_N ? 0 : 4);
      if (v2 != var) break;
    }
    int o = blk[b], e = blk[b2] - o, nb = 0, nbr = 0;
    for (int x = b; x < b2; x++) nbr += nbig[x];
    if (var >= 0) {
      fold2 fb = fold_at(&fo, o);
      moved += bw_binom_lanes_inv(var & 3, var < 4, e, w + o, &d->bn, rest + o, dst + o, FB_ARGS, bad + o, &nb);
      nb -= nbr; /* the big lanes are drawn below */
    }
    if (nbr)
      for (int g = o; g < o + e; g++)
        if (rest[g] * d->bn.b.p >= BW_LANE_TRS_MEAN) c->bidx[nbl] = g, c->trs.n[nbl] = rest[g], c->trs.u[nbl++] = bw_u01(w[g]);
    if (!nb) continue;
    /* the lanes the inversion could not settle: one by one, with the same word */
    for (int g = o; g < o + e; g++) {
      int ni = rest[g];
      if (!bad[g] || ni * d->bn.b.p >= BW_LANE_TRS_MEAN) continue;
      double lz = ni * d->bn.b.lq;
      double p0 = ni < BW_PZ_N ? d->bn.pz[ni] : bw_exp_poly1(lz > -700 ? lz : -700);
      int k = bw_binom_low(&c->lt, &d->bn.b, ni, p0, bw_u01(w[g]));
      if (d->bn.flip) k = ni - k;
      rest[g] -= k, dst[g] += k;
      fold_one(&fo, g, k);
      moved += k;
    }
  }
  if (nbl) { /* (w is not used after this: big_draws takes from the same pool) */
    bw_trs_lanes_draw(&c->trs, nbl, 0, d->bn.b.p, d->bn.b.lp - d->bn.b.lq, &c->lt, &c->pst, &c->pmi);
    for (int i = 0; i < nbl; i++) {
      int g = c->bidx[i], k = (int)c->trs.k[i];
      if (d->bn.flip) k = rest[g] - k;
      rest[g] -= k, dst[g] += k;
      fold_one(&fo, g, k);
      moved += k;
    }
  }
  return moved;
}

/* Add a national-institution client of the GEM set in lane g to the list
 * of In phase x. */
static void in_push(struct bw_counts_ws *c, int x, int g) {
  struct inlist *L = c->inl + x;
  if (L->n == L->cap) {
    int cap = L->cap ? 2 * L->cap : 256;
    int32_t *a = realloc(L->g, sizeof *a * (size_t)cap);
    if (!a) {
      c->oom = 1;
      return;
    }
    L->g = a, L->cap = cap;
  }
  L->g[L->n++] = g;
}

/* The In-phase clients that a scalar step (enter, move, a merge) has just
 * counted in lane g of the GEM set S: onto the lists. */
void bwc_in_harvest(struct bw_counts_ws *c, gset *S, int g) {
  for (int x = 0; x < c->nph[BW_I]; x++) {
    int32_t *n = S->cnt + (size_t)(c->off[CL_IN] + x) * S->np + g;
    for (int k = *n; k > 0; k--) in_push(c, x, g);
    *n = 0;
  }
}

/* One step of the GEM set's national-institution clients: per In phase
 * (last first, as bwc_set_live), each client its own word: it stays, or goes
 * to destination i − 1 for the first i with word < thr1[i] (decided
 * without branches, 64 clients at a time); stayers are compacted in place,
 * the leavers moved as by move (to their lane's counts and client-time, or
 * the lump), or onto a later In phase's list. The same law as a lane's
 * multinomial: its clients move independently. Their In time is national
 * (a->tin). */
static void in_step(struct bw_counts_ws *c, gset *S, int kind, nat_acc *a) {
  enum { CH = 64 }; /* at most a pool's keep (4 VB + 16) */
  const spec *sp = c->spec[kind];
  double len = c->kind_len[kind];
  for (int x = c->nph[BW_I] - 1; x >= 0; x--) {
    struct inlist *L = c->inl + x;
    int n = L->n, m = 0, j = c->off[CL_IN] + x;
    if (!n) continue;
    const spec *s = sp + j;
    a->tin += n * len; /* staying; the leavers' time relative to it below */
    for (int q0 = 0; q0 < n; q0 += CH) {
      int nb = n - q0 < CH ? n - q0 : CH, nl = 0;
      const uint32_t *w = bw_wpool_take(&c->pst, nb);
      int32_t dec[CH], lg[CH], li[CH];
      for (int q = 0; q < nb; q++) {
        int32_t i = 0;
        for (int k = 0; k < s->nd; k++) i += (uint64_t)w[q] >= s->thr1[k];
        dec[q] = i;
      }
      for (int q = 0; q < nb; q++) { /* m <= q0 + q: nothing unread is overwritten */
        int32_t g = L->g[q0 + q];
        L->g[m] = g, lg[nl] = g, li[nl] = dec[q];
        m += dec[q] == 0, nl += dec[q] != 0;
      }
      for (int l = 0; l < nl; l++) {
        int i = li[l] - 1, d = s->dest[i];
        gref r = set_ref(S, lg[l]);
        if (d >= 0 && c->cls_of[d] == CL_IN) { /* a later In phase (already stepped) */
          move_time(s, i, 1, r, a);
          in_push(c, d - c->off[CL_IN], lg[l]);
        } else {
          move(s, i, 1, j, r, a);
        }
      }
    }
    L->n = m;
  }
}

/* One step of the live phases of a set of groups, vectorised over its
 * lanes: per phase (last first, so that movers are not moved twice) the
 * staying time, then the destinations in turn by conditional binomials. */
void bwc_set_live(struct bw_counts_ws *c, gset *S, int kind, nat_acc *a) {
  int np = S->np, blk[MAXBLK + 1], nblk = bwc_set_blocks(S, blk);
  double len = c->kind_len[kind];
  int32_t *rest = c->lane_rest;
  for (int j = c->NL - 1; j >= 0; j--) {
    int32_t *nj = S->cnt + (size_t)j * np;
    const spec *s = c->spec[kind] + j;
    if (s->cls == CL_IN) { /* a few clients: one by one, all In phases at once */
      if (j == c->off[CL_IN] + c->nph[BW_I] - 1) in_step(c, S, kind, a);
      continue;
    }
    int64_t left = bw_lanes_tally(np, nj, S->T + (size_t)s->cls * np, len);
    if (!left) continue;
    memcpy(rest, nj, sizeof(int32_t) * (size_t)np);
    /* largest count per block (bounds the later destinations' too) */
    int32_t mxb[MAXBLK];
    for (int b = 0; b < nblk; b++) mxb[b] = bw_lanes_max_i32(blk[b + 1] - blk[b], nj + blk[b]);
    const vdest *vd = c->vplan[kind] + (size_t)j * MAXD;
    for (int i = 0; i < c->nvd[kind][j] && left > 0; i++) {
      const vdest *d = vd + i;
      int32_t *dst = d->dest >= 0 ? S->cnt + (size_t)d->dest * np : c->lane_sink;
      /* the movers' client-time relative to staying, and timing variance */
      fold2 fo = bwc_fold_make(c, S, s->vslot, d->dt, d->dv[0]);
      int64_t moved = bwc_binom_lanes(c, nblk, blk, mxb, d, rest, dst, fo);
      if (s->nslot >= 0) a->vn[s->nslot] += (double)moved * d->dv[1];
      if (d->dest == DEST_LUMP) a->lump[j] += moved;
      if (d->sd) a->stepdowns += moved;
      left -= moved;
    }
    memcpy(nj, rest, sizeof(int32_t) * (size_t)np); /* the phase's stayers */
  }
}

/* Entrants of type v of a set in a full step, few in all (the national
 * institutions' ~1 % of I): the lanes' independent Poisson counts drawn as
 * their national total, Poisson(Σ means), each entrant placed on a lane ∝
 * its mean (the same law: Poisson splitting) and given its end state of the
 * step by its own word. In batches of 64: the places (independent binary
 * searches, which the processor overlaps), then the end states. */
static void set_entries_sparse(struct bw_counts_ws *c, gset *S, int v, nat_acc *a) {
  enum { CH = 64 };
  const double *full = S->full[v];
  double *cum = c->entry_cum, tot = bw_prefix_sum(full, S->n, cum);
  if (!(tot > 0)) return;
  bw_wpool *wp = &c->pen;
  double u = bw_wpool_u01(wp);
  int N = tot > BW_SEARCH_MAX_MEAN ? bw_pois_ptrs(&c->lt, tot, u, bw_wpool_u01(wp), wp) : bw_pois_low(&c->lt, tot, bw_exp1(-tot), u);
  int src = c->NL + 1 + v;
  const spec *sp = c->spec[0] + src;
  for (int e0 = 0; e0 < N; e0 += CH) {
    int nb = N - e0 < CH ? N - e0 : CH, at[CH];
    double xs[CH];
    for (int e = 0; e < nb; e++) xs[e] = bw_wpool_u01(wp) * tot;
    for (int e = 0; e < nb; e++) {
      double x = xs[e];
      int lo = 0; /* the first lane with cum > x: a branch-free binary search */
      for (int len = S->n; len > 1;) {
        int half = len / 2;
        lo = cum[lo + half - 1] <= x ? lo + half : lo;
        len -= half;
      }
      at[e] = lo;
    }
    for (int e = 0; e < nb; e++) {
      int lo = at[e];
      while (lo > 0 && !(full[lo] > 0)) lo--; /* x on the edge of an empty lane: rounding only */
      enter_one(sp, bwc_entrant_dest(sp, wp), src, set_ref(S, lo), a);
      bwc_in_harvest(c, S, lo);
    }
  }
  a->entries[v] += N;
}

/* Poisson(full[g] share) entrants of every lane of a set into dst, with
 * their client-time (fo), vectorised over blocks of lanes (fmx: the largest
 * full[g] of each block): lanes below BW_LANE_TRS_MEAN by inversion (the block's terms
 * from its largest such mean; a lane beyond them one by one with the same
 * word); the others are appended (with their first uniform and `tag`) to
 * the list of big lanes, *nbig_io long, whose PTRS draws bwc_entries_big makes
 * for all streams at once (the stream's lane words are not needed after
 * this call). Words from the entry pool. Returns Σ entrants so far. */
int64_t bwc_pois_lanes(struct bw_counts_ws *c, int nblk, const int *blk, const double *fmx,
                          const double *full, double share, int32_t *dst, fold2 fo, int *nbig_io, int tag) {
  int32_t *bad = c->lane_bad;
  int nbig[MAXBLK];
  int32_t kc[MAXBLK];
  bw_pois_lanes_class(nblk, blk, fmx, full, share, nbig, kc);
  int hi = 0; /* words for the lanes up to the last block with entrants, as bwc_binom_lanes */
  for (int b = 0; b < nblk; b++)
    if (fmx[b] * share > 0) hi = blk[b + 1];
  if (!hi) return 0;
  const uint32_t *w = bw_wpool_take(&c->pen, hi);
  int64_t in = 0;
  int nbl = *nbig_io; /* lanes at or above BW_LANE_TRS_MEAN, appended to the list for big_draws */
  /* runs of consecutive blocks with the same inversion length, one call each */
  for (int b = 0, b2; b < nblk; b = b2) {
    int var = fmx[b] * share > 0 && nbig[b] < blk[b + 1] - blk[b] ? kc[b] : -1;
    for (b2 = b + 1; b2 < nblk && var >= 0; b2++)
      if ((fmx[b2] * share > 0 && nbig[b2] < blk[b2 + 1] - blk[b2] ? kc[b2] : -1) != var) break;
    int o = blk[b], e = blk[b2] - o, nb = 0, nbr = 0;
    for (int x = b; x < b2; x++) nbr += nbig[x];
    if (var >= 0) {
      fold2 fb = fold_at(&fo, o);
      in += bw_pois_lanes_inv(var, e, w + o, full + o, share, dst + o, FB_ARGS, bad + o, &nb);
      nb -= nbr;
    }
    if (nbr)
      for (int g = o; g < o + e; g++) {
        double mu = full[g] * share;
        if (mu >= BW_LANE_TRS_MEAN) c->bidx[nbl] = g, c->btag[nbl] = tag, c->trs.n[nbl] = mu, c->trs.u[nbl++] = bw_u01(w[g]);
      }
    if (!nb) continue;
    for (int g = o; g < o + e; g++) {
      double mu = full[g] * share;
      if (!bad[g] || mu >= BW_LANE_TRS_MEAN) continue;
      int x = bw_pois_low(&c->lt, mu, bw_exp_poly1(-mu), bw_u01(w[g]));
      dst[g] += x;
      fold_one(&fo, g, x);
      in += x;
    }
  }
  *nbig_io = nbl;
  return in;
}

/* The PTRS draws of the big lanes listed by bwc_pois_lanes, into their streams. */
void bwc_entries_big(struct bw_counts_ws *c, estream *es, int *nbl) {
  if (!*nbl) return;
  bw_trs_lanes_draw(&c->trs, *nbl, 1, 0.0, 0.0, &c->lt, &c->pen, &c->pmi);
  for (int i = 0; i < *nbl; i++) {
    estream *e = es + c->btag[i];
    int g = c->bidx[i], x = (int)c->trs.k[i];
    e->dst[g] += x;
    fold_one(&e->fo, g, x);
    e->in += x;
  }
  *nbl = 0;
}

/* Entrants of a set in a full step: each stream a Poisson count per lane,
 * vectorised (bwc_pois_lanes), added to its destination (a scratch sink for the
 * absorbing ones) with its client-time; the big lanes of all streams drawn
 * together (bwc_entries_big), in batches of at most c->trs.cap lanes. */
void bwc_set_entries(struct bw_counts_ws *c, gset *S, nat_acc *a) {
  int np = S->np, blk[MAXBLK + 1], nblk = bwc_set_blocks(S, blk), nbl = 0;
  estream es[NV * (MAXD + 1)];
  for (int k = 0; k < S->nstr; k++) {
    int v = S->sv[k], i = S->si[k];
    const spec *s = c->spec[0] + c->NL + 1 + v;
    int dest = i < 0 ? s->main : s->dest[i];
    double dt[4], dv0 = s->bv[0] + (i >= 0 ? s->dv[i][0] : 0.0);
    for (int cl = 0; cl < 4; cl++) dt[cl] = s->base[cl] + (i >= 0 ? s->dtime[i][cl] : 0.0);
    es[k].dst = dest >= 0 ? S->cnt + (size_t)dest * np : c->lane_sink;
    es[k].fo = bwc_fold_make(c, S, s->vslot, dt, dv0);
    if (nbl + np > c->trs.cap) bwc_entries_big(c, es, &nbl);
    es[k].in = bwc_pois_lanes(c, nblk, blk, S->fmx[v], S->full[v], S->ssh[k], es[k].dst, es[k].fo, &nbl, k);
  }
  bwc_entries_big(c, es, &nbl);
  for (int k = 0; k < S->nstr; k++) {
    int v = S->sv[k], i = S->si[k];
    const spec *s = c->spec[0] + c->NL + 1 + v;
    int64_t in = es[k].in;
    a->entries[v] += in;
    if (s->nslot >= 0) a->vn[s->nslot] += (double)in * (s->bv[1] + (i >= 0 ? s->dv[i][1] : 0.0));
    if (i >= 0) {
      if (s->dest[i] == DEST_LUMP) a->lump[c->NL + 1 + v] += in;
      if (s->sd[i]) a->stepdowns += in;
    }
  }
  if (S->sparse_on) set_entries_sparse(c, S, V_IN, a);
}

/* Entrants of a cut step, lane by lane: Poisson with the part of the step's
 * mean, then their end state by the part's own law. */
void bwc_set_entries_cut(struct bw_counts_ws *c, gset *S, int kind, double scale, nat_acc *a) {
  for (int g = 0; g < S->n; g++)
    for (int v = 0; v < NV; v++) {
      double mu = S->full[v][g] * scale;
      if (!(mu > 0)) continue;
      int e = pois_draw(c, mu, &c->pen);
      if (!e) continue;
      a->entries[v] += e;
      enter(c, c->spec[kind] + c->NL + 1 + v, c->NL + 1 + v, e, set_ref(S, g), a, &c->pst);
      if (v == V_IN) bwc_in_harvest(c, S, g);
    }
}

/* The Wlz: exits with the Wlz exit rate; q accumulates client-years. */
void bwc_wlz_step(struct bw_counts_ws *c, const spec *S, double len, nat_acc *a) {
  const spec *s = S + c->sW;
  int W = a->wlz;
  if (!W) return;
  a->q += W * len;
  int L = leave_count(c, s, W, &c->pst);
  a->wlz = W - L;
  if (L && s->nd > 0) a->q += L * s->dtime[0][CL_W], a->vn[VN_W] += L * s->dv[0][1];
}

/* National split of the lumped I leavers of this step. */
void bwc_lump_split(struct bw_counts_ws *c, const spec *S, nat_acc *a) {
  for (int src = 0; src < c->NS; src++) {
    int64_t k = a->lump[src];
    if (!k) continue;
    a->lump[src] = 0;
    const spec *s = S + src;
    int rest = (int)k, part[NLU];
    for (int j = 0; j < NLU - 1; j++) {
      double u = bw_wpool_u01(&c->pst);
      part[j] = rest > 0 && s->lb[j].p > 0 && s->lb[j].q > 0 && rest * s->lb[j].p > BW_SEARCH_MAX_MEAN
                    ? bw_binom_big(&c->lt, &s->lb[j], rest, u, &c->pst)
                    : bw_binom_inv(&c->lt, &s->lb[j], rest, u);
      rest -= part[j];
    }
    part[NLU - 1] = rest;
    a->stepdowns += part[LU_SDOUT];
    a->transfers += part[LU_WLZ] + part[LU_WGONE];
    a->wlz += part[LU_WLZ];
    a->q += part[LU_WLZ] * s->lw[LU_WLZ] + part[LU_WGONE] * s->lw[LU_WGONE];
    a->vn[VN_W] += part[LU_WLZ] * s->lwv[LU_WLZ] + part[LU_WGONE] * s->lwv[LU_WGONE];
  }
}

/* Destination of one entrant of spec s: -1 main, else a leaver's index. */
int bwc_entrant_dest(const spec *s, bw_wpool *wp) {
  if (bw_wpool_u01(wp) < 1.0 - s->b.p) return -1;
  return s->nd > 1 ? bw_pick_thr(s->thr, s->nd, bw_wpool_u32(wp)) : 0;
}

