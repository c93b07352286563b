/* The count kernel's chain and its step tables (counts_internal.h: "Time",
 * "Client-time"): the linear algebra, testable alone (tests/test_chain.c).
 *
 * Interface and call order: bwc_prepare(c, m, o, cut_frac) per replication
 * (cached) = chain_build (Q and its parts, uniformised) then kind_build per
 * step kind (part_tables per part: exp(Q s) at the step's end, at 4
 * Gauss–Legendre and 16 Duffy points, and Van Loan's block moments; then
 * spec_build per source and vplan_build per live phase). Reads c->ph, the
 * index maps and the tables; writes c->Q, c->Pm (P(len) of the last kind
 * built), c->spec, c->vplan, c->nvd, c->kind_len and scratch.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counts_internal.h"

/* A step's tables need exp(Q s) at its end, at 4 Gauss–Legendre points and at
 * 16 Duffy points, and Van Loan's block exponential of the generator
 * A = [[Q, E, 0], [0, Q, E], [0, 0, Q]] for the timing moments. All of them
 * come from one pass of uniformisation (Jensen 1953): on a part of the chain
 * whose largest exit rate is λ, U = I + Q/λ is a stochastic matrix and
 *   exp(Q s) = Σ_n π_n(λ s) U^n,   π_n(x) = e^(−x) x^n / n!,
 * and, with F = E/λ, the top block row of exp(A s) is Σ_n π_n(λ s) [U^n, G_n, H_n]
 * with G_{n+1} = G_n U + U^n F, H_{n+1} = H_n U + G_n F. Why this rather than
 * a Taylor series in Q with scaling and squaring: every term is >= 0, so each
 * entry, however small, is exact to a few ulp (no cancellation: the Taylor
 * series lost up to 1e-9 of the small timing moments with 4-phase stays and
 * 5e-5 of the small probabilities with 13-phase ones), and every time point of
 * the step shares the same powers: only its Poisson weights differ. The
 * chain is a DAG (I and In phases -> A -> left; the Wlz -> left the Wlz;
 * M -> left), so its live states fall into parts joined by no transition
 * (with the defaults: I, In, A and the Wlz; M), each uniformised on its own
 * rows and the absorbing states they reach, with its own λ: a part needs as
 * many terms as its own fastest phase asks. */

enum {
  MAXST = MAXD + 8,            /* chain states: D = NL + 5 <= 4 MAXPH + 5 */
  MAXNZ = 2 * MAXPH * (MAXPH + 3) + 4 * MAXPH + 1, /* of U off its diagonal: an I or In phase has its next,
                                                    * the A phases, left and the Wlz; A and M phases their
                                                    * next and left; the Wlz left */
  NSEQ = 4 + 16                /* Poisson weights besides the step's end: Gauss–Legendre and Duffy points */
};

/* One part of the chain, in its own indices: rows 0 .. nr − 1 are its live
 * states in chain order, columns nr .. nc − 1 the absorbing states they
 * reach. Column j of exp(Q s) and of the moments is 0 below the last row
 * that reaches j: only rows 0 .. h_j − 1 are kept (chain order is
 * topological, Q upper triangular, which makes these short). */
typedef struct {
  int nr, nc;
  int na;      /* rows where an entry can start: ch->ar[s0 .. s0 + na), ascending */
  int s0;      /* chain index of local state k: ch->st[s0 + k]; its h: ch->h[s0 + k] */
  int z0, nz;  /* its nonzeros of U off the diagonal: ch->zm, zj, zu [z0 .. z0 + nz), row by row */
  int rmax;    /* most jumps on a shortest path from a row to a column */
  double lam;  /* uniformisation rate: the largest exit rate of its rows */
} chain_part;

typedef struct {
  int np;
  chain_part p[MAXST];
  int st[5 * MAXST], h[5 * MAXST]; /* a part's absorbing columns are also listed by every other part reaching them */
  int ar[5 * MAXST];               /* rows where an entry can start */
  int zm[MAXNZ], zj[MAXNZ];        /* local row and column */
  double zu[MAXNZ];
  double ud[MAXST];                /* diagonal of U, by chain state */
  double ew[2][MAXST];             /* the two timing weights of each chain state */
} chain;

/* Initial vector of an entry of type v over the chain states. */
static void entry_alpha(const struct bw_counts_ws *c, int v, double *a) {
  memset(a, 0, sizeof(double) * (size_t)c->D);
  static const int care[NV] = {BW_I, BW_I, BW_A, BW_M};
  static const int cls[NV] = {CL_I, CL_IN, CL_A, CL_M};
  for (int i = 0; i < c->nph[care[v]]; i++) a[c->off[cls[v]] + i] = c->ph[care[v]].alpha[i];
}

/* Breadth-first from each row of part P (its nonzeros come row by row):
 * the most jumps on a shortest path from a row to a state it reaches
 * (rmax), and per column the rows that reach it (h). */
static void part_reach(chain *ch, chain_part *P) {
  int rs[MAXST + 1], dist[MAXST], queue[MAXST], *h = ch->h + P->s0;
  for (int i = 0, z = P->z0; i <= P->nr; i++) {
    while (z < P->z0 + P->nz && ch->zm[z] < i) z++;
    rs[i] = z;
  }
  P->rmax = 0;
  for (int k = 0; k < P->nc; k++) h[k] = 0;
  for (int r = 0; r < P->nr; r++) {
    for (int k = 0; k < P->nc; k++) dist[k] = -1;
    int head = 0, tail = 0;
    dist[r] = 0, queue[tail++] = r;
    while (head < tail) {
      int k = queue[head++];
      if (dist[k] > P->rmax) P->rmax = dist[k];
      h[k] = r + 1;
      if (k >= P->nr) continue; /* absorbing */
      for (int z = rs[k]; z < rs[k + 1]; z++)
        if (dist[ch->zj[z]] < 0) dist[ch->zj[z]] = dist[k] + 1, queue[tail++] = ch->zj[z];
    }
  }
}

/* Q of this replication: phase-type stays with the replication's mean
 * durations, competing Wlz hazard and mortality, step-down I -> A; and its
 * parts, uniformised. */
static void chain_build(struct bw_counts_ws *c, const bw_model *m, const bw_outer *o, chain *ch) {
  const bw_params *p = &m->p;
  int D = c->D, NL = c->NL;
  double *Q = c->Q;
  memset(Q, 0, sizeof(double) * (size_t)D * D);
  phtype ph[BW_NCARE];
  for (int k = 0; k < BW_NCARE; k++)
    bwc_ph_fit(p->duration_mean_years[k] * o->duration_mult[k], p->duration_shape[k], &ph[k]);
#define QA(i, j, v) (Q[(size_t)(i) * D + (j)] += (v))
  for (int fam = CL_I; fam <= CL_IN; fam++)
    for (int i = 0; i < c->nph[BW_I]; i++) {
      int s = c->off[fam] + i;
      if (i + 1 < ph[BW_I].n) QA(s, s + 1, ph[BW_I].next[i]);
      double e = ph[BW_I].exit[i];
      for (int a = 0; a < c->nph[BW_A]; a++) QA(s, c->off[CL_A] + a, e * p->p_step_down * ph[BW_A].alpha[a]);
      QA(s, c->sOI, e * (1.0 - p->p_step_down) + p->mortality_rate[BW_I]);
      QA(s, c->sW, p->wlz_hazard);
    }
  for (int i = 0; i < c->nph[BW_A]; i++) {
    int s = c->off[CL_A] + i;
    if (i + 1 < ph[BW_A].n) QA(s, s + 1, ph[BW_A].next[i]);
    QA(s, c->sOA, ph[BW_A].exit[i] + p->mortality_rate[BW_A]);
  }
  for (int i = 0; i < c->nph[BW_M]; i++) {
    int s = c->off[CL_M] + i;
    if (i + 1 < ph[BW_M].n) QA(s, s + 1, ph[BW_M].next[i]);
    QA(s, c->sOM, ph[BW_M].exit[i] + p->mortality_rate[BW_M]);
  }
  QA(c->sW, c->sWG, p->wlz_exit_rate);
#undef QA
  for (int i = 0; i < D; i++) {
    double out = 0;
    for (int j = 0; j < D; j++)
      if (j != i) out += Q[(size_t)i * D + j];
    Q[(size_t)i * D + i] = -out;
  }

  /* parts: live states joined by a transition either way (flood fill) */
  int pof[MAXST], ent[MAXST], ns = 0, nz = 0;
  for (int s = 0; s < D; s++) pof[s] = -1, ent[s] = 0;
  for (int v = 0; v < NV; v++) {
    entry_alpha(c, v, c->row);
    for (int s = 0; s < D; s++) ent[s] |= c->row[s] != 0.0;
  }
  ch->np = 0;
  for (int r = 0; r <= NL; r++) {
    if (pof[r] >= 0) continue;
    chain_part *P = &ch->p[ch->np];
    int *st = ch->st + ns, nr = 0;
    pof[r] = ch->np, st[nr++] = r;
    for (int k = 0; k < nr; k++)
      for (int b = 0; b <= NL; b++)
        if (pof[b] < 0 && (Q[(size_t)st[k] * D + b] != 0.0 || Q[(size_t)b * D + st[k]] != 0.0))
          pof[b] = ch->np, st[nr++] = b;
    for (int i = 1; i < nr; i++) /* chain order */
      for (int j = i; j > 0 && st[j] < st[j - 1]; j--) {
        int t = st[j];
        st[j] = st[j - 1], st[j - 1] = t;
      }
    int na = 0;
    for (int k = 0; k < nr; k++)
      if (ent[st[k]]) ch->ar[ns + na++] = k;
    int nc = nr;
    for (int a = NL + 1; a < D; a++)
      for (int k = 0; k < nr; k++)
        if (Q[(size_t)st[k] * D + a] != 0.0) {
          st[nc++] = a;
          break;
        }
    double lam = 0;
    for (int k = 0; k < nr; k++) lam = fmax(lam, -Q[(size_t)st[k] * (D + 1)]);
    if (!(lam > 0)) lam = 1.0; /* nothing moves: any rate will do */
    P->nr = nr, P->na = na, P->nc = nc, P->s0 = ns, P->z0 = nz, P->lam = lam;
    for (int i = 0; i < nr; i++) {
      ch->ud[st[i]] = (lam + Q[(size_t)st[i] * (D + 1)]) / lam;
      for (int j = 0; j < nc; j++) {
        double q = Q[(size_t)st[i] * D + st[j]];
        if (j != i && q != 0.0) ch->zm[nz] = i, ch->zj[nz] = j, ch->zu[nz] = q / lam, nz++;
      }
    }
    P->nz = nz - P->z0;
    part_reach(ch, P);
    ns += nc;
    ch->np++;
  }

  /* timing weights: BW cost (I 1, A tariff_A / tariff_I) with M client-time
   * (M never meets I or A); In and Wlz client-time (an In client reaches the
   * Wlz rarely: their cross term is left in) */
  for (int d = 0; d < D; d++) {
    int cl = c->cls_of[d];
    ch->ew[0][d] = cl == CL_I ? c->wI : cl == CL_M ? 1.0 : cl == CL_A ? c->wA : 0.0;
    ch->ew[1][d] = cl == CL_IN || cl == CL_W ? 1.0 : 0.0;
  }
}

/* Fill one spec from a row of end-state probabilities pr[d] and the
 * client-time by class in the step jointly with the end state, tm[cl D + d].
 * src: the live phase or the Wlz (chain index), or -1 for an entry type. */
/* Variance of a client's weighted time in a step given its end state, from
 * P(end) = p, E[W 1{end}] = g, E[W² 1{end}] / 2 = h. */
static double vcalc(double p, double g, double h) {
  if (!(p > 1e-300)) return 0.0;
  double v = 2.0 * h / p - (g / p) * (g / p);
  return v > 0 ? v : 0.0;
}

static void spec_build(const struct bw_counts_ws *c, spec *s, int src, int ifam, const double *pr,
                       const double *tm, double len, int v, const double *mom) {
  int D = c->D, NL = c->NL;
  memset(s, 0, sizeof *s);
  s->cls = src >= 0 ? c->cls_of[src] : -1;
  /* mom: rows over end states of P, then G and H of the two weights */
  const double *mp = mom, *mg[2] = {mom + D, mom + 3 * D}, *mh[2] = {mom + 2 * D, mom + 4 * D};
  int vcls = src >= 0 ? c->cls_of[src] : (v == V_I ? CL_I : v == V_IN ? CL_IN : v == V_A ? CL_A : CL_M);
  s->vslot = vcls == CL_M ? TV_M : TV_BW;
  s->nslot = vcls == CL_IN ? VN_IN : vcls == CL_W ? VN_W : -1;
  int main = src >= 0 && src < NL ? src : -1;
  if (src < 0) {
    double best = -1;
    for (int d = 0; d < NL; d++)
      if (pr[d] > best) best = pr[d], main = d;
  }
  s->main = main;
  int self = src == c->sW ? c->sW : main;
  double pself = pr[self];
  for (int w = 0; w < 2; w++) s->bv[w] = vcalc(mp[self], mg[w][self], mh[w][self]);
  if (src >= 0) {
    s->base[s->cls] = len; /* staying: the whole step in its own phase */
  } else if (pself > 0) {
    for (int k = 0; k < NCL; k++) s->base[k] = tm[k * D + main] / pself;
  }
  /* leaver destinations: other live phases one by one; the absorbing states
   * of an I source lumped (split nationally), of other sources gone */
  double lump_p = 0, lump_t[NCL] = {0}, gone_p = 0, gone_t[NCL] = {0};
  double lump_m[3][2] = {{0}}, gone_m[3][2] = {{0}}; /* P, G, H of the weights */
  int nd = 0;
  for (int d = 0; d < D; d++) {
    if (d == self || !(pr[d] > 0)) continue;
    if (d < NL) {
      s->dest[nd] = d;
      s->sd[nd] = ifam && c->cls_of[d] == CL_A;
      s->pd[nd] = pr[d];
      for (int k = 0; k < NCL; k++) s->dtime[nd][k] = tm[k * D + d] / pr[d] - s->base[k];
      for (int w = 0; w < 2; w++) s->dv[nd][w] = vcalc(mp[d], mg[w][d], mh[w][d]) - s->bv[w];
      nd++;
    } else if (ifam) {
      lump_p += pr[d];
      for (int k = 0; k < NCL; k++) lump_t[k] += tm[k * D + d];
      for (int w = 0; w < 2; w++) lump_m[0][w] += mp[d], lump_m[1][w] += mg[w][d], lump_m[2][w] += mh[w][d];
    } else {
      gone_p += pr[d];
      for (int k = 0; k < NCL; k++) gone_t[k] += tm[k * D + d];
      for (int w = 0; w < 2; w++) gone_m[0][w] += mp[d], gone_m[1][w] += mg[w][d], gone_m[2][w] += mh[w][d];
    }
  }
  if (lump_p > 0) {
    s->dest[nd] = DEST_LUMP;
    s->pd[nd] = lump_p;
    for (int k = 0; k < NCL; k++) s->dtime[nd][k] = lump_t[k] / lump_p - s->base[k];
    /* the group's cost: the lump's mixture variance (its mean is the lump's
     * mean whatever the split); the Wlz part per kind of the split (lwv),
     * so the national slot gets none here unless it is In's */
    s->dv[nd][0] = vcalc(lump_m[0][0], lump_m[1][0], lump_m[2][0]) - s->bv[0];
    s->dv[nd][1] = (s->nslot == VN_IN ? vcalc(lump_m[0][1], lump_m[1][1], lump_m[2][1]) : 0.0) - s->bv[1];
    nd++;
    int lu[NLU] = {c->sOI, c->sOA, c->sW, c->sWG};
    double rest = lump_p;
    for (int j = 0; j < NLU; j++) {
      double pj = pr[lu[j]] > 0 ? pr[lu[j]] : 0.0;
      if (j < NLU - 1) s->lb[j] = bw_bconst_make(rest > 0 ? pj / rest : 0.0);
      rest -= pj;
      s->lw[j] = pj > 0 ? tm[CL_W * D + lu[j]] / pj : 0.0;
      /* In's weight includes In time: its Wlz variance is in its lump's */
      s->lwv[j] = s->nslot == VN_IN ? 0.0 : vcalc(mp[lu[j]], mg[1][lu[j]], mh[1][lu[j]]);
    }
  }
  if (gone_p > 0) {
    s->dest[nd] = DEST_GONE;
    s->pd[nd] = gone_p;
    for (int k = 0; k < NCL; k++) s->dtime[nd][k] = gone_t[k] / gone_p - s->base[k];
    for (int w = 0; w < 2; w++) s->dv[nd][w] = vcalc(gone_m[0][w], gone_m[1][w], gone_m[2][w]) - s->bv[w];
    nd++;
  }
  s->nd = nd;
  double ptot = 0;
  for (int i = 0; i < nd; i++) ptot += s->pd[i];
  double cum = 0, rest = ptot;
  for (int i = 0; i < nd; i++) {
    cum += s->pd[i];
    double f = ptot > 0 ? cum / ptot : 1.0;
    s->thr[i] = i == nd - 1 ? (UINT64_C(1) << 32) : (uint64_t)llround(f * 4294967296.0);
    s->cb[i] = bw_bconst_make(rest > 0 ? s->pd[i] / rest : 1.0);
    rest -= s->pd[i];
  }
  if (ptot > 1) ptot = 1;
  cum = 1.0 - ptot;
  s->thr1[0] = (uint64_t)llround(cum * 4294967296.0);
  for (int i = 0; i < nd; i++) {
    cum += s->pd[i];
    s->thr1[i + 1] = i == nd - 1 ? (UINT64_C(1) << 32) : (uint64_t)llround(cum * 4294967296.0);
  }
  s->b = bw_bconst_make(ptot);
  bw_pow_table(1.0 - ptot, s->pz);
}

/* The vectorised plan of live phase j: its destinations, most likely first,
 * as conditional binomials on the clients not yet moved. */
static void vplan_build(const struct bw_counts_ws *c, const spec *s, vdest *vd, int *nvd) {
  int order[MAXD], nd = s->nd;
  for (int i = 0; i < nd; i++) order[i] = i;
  for (int i = 1; i < nd; i++) /* insertion sort by probability, descending */
    for (int j = i; j > 0 && s->pd[order[j]] > s->pd[order[j - 1]]; j--) {
      int t = order[j];
      order[j] = order[j - 1], order[j - 1] = t;
    }
  double rest = 1.0;
  for (int k = 0; k < nd; k++) {
    int i = order[k];
    vdest *d = vd + k;
    d->dest = s->dest[i];
    d->sd = s->sd[i];
    bw_binom_lane_make(&d->bn, &c->lt, rest > 0 ? s->pd[i] / rest : 0.0);
    rest -= s->pd[i];
    for (int cl = 0; cl < 4; cl++) d->dt[cl] = s->dtime[i][cl];
    d->dv[0] = s->dv[i][0];
    d->dv[1] = s->nslot >= 0 ? s->dv[i][1] : 0.0;
  }
  *nvd = nd;
}

static const double GL_X[4] = {-0.86113631159405258, -0.33998104358485626, 0.33998104358485626,
                                0.86113631159405258};
static const double GL_W[4] = {0.34785484513745386, 0.65214515486254614, 0.65214515486254614,
                                0.34785484513745386};

/* Terms of the series at λ len = x, n = 0 .. K: the Poisson tail beyond the
 * first m terms is below 2^-53, and K = m + rmax + 2: an entry reached in no
 * fewer than r jumps starts at term r (a G term at r + 1, an H term at
 * r + 2), so that its tail relative to its own value is at most that of the
 * first m terms of e^x. (Checked: 10 more terms and a tail of 2^-70 change
 * no bit of the tables, for Weibull shapes 0.8 to 4 and steps of 0.05 to
 * 1.) The weights of the shorter times of the step need no more terms. */
static int pois_terms(const struct bw_counts_ws *c, double x, int rmax) {
  int n0 = x > 400 ? (int)(x - 20.0 * sqrt(x)) : 0;
  double p = n0 > 0 ? exp(-x + n0 * log(x) - lgamma(n0 + 1.0)) : exp(-x);
  for (int n = n0;; n++) {
    if (n > n0) p *= x * bw_invk(&c->lt, n);
    if (!(n + 1 <= x) && !(p > 0x1p-53 * (1.0 - x / (n + 1)))) return n + rmax + 2; /* (ends on a NaN too) */
  }
}

/* Poisson weights π_n(x_k) of several x_k for n = 0, 1, 2, ... in turn: from
 * e^(−x), or for x > 400, where e^(−x) would soon underflow, from the weight
 * at n0 = x − 20 √x on (those before it sum to below e^(−200)). A weight
 * below 1e-290, far in its tail, becomes 0 (no subnormals in the loops). */
typedef struct {
  int k, late; /* late: some n0 > 0 */
  int n0[1 + NSEQ];
  double x[1 + NSEQ], p[1 + NSEQ];
} pois_seqs;

static void pois_start(pois_seqs *s, int k, double x) {
  s->x[k] = x;
  s->n0[k] = x > 400 ? (int)(x - 20.0 * sqrt(x)) : 0;
  s->p[k] = s->n0[k] > 0 ? 0.0 : exp(-x);
  s->late |= s->n0[k] > 0;
}

static void pois_step(const struct bw_counts_ws *c, pois_seqs *s, int n) {
  if (n == 0) return;
  double in = bw_invk(&c->lt, n);
  for (int k = 0; k < s->k; k++) s->p[k] = s->p[k] < 1e-290 ? 0.0 : s->p[k] * (s->x[k] * in);
  if (s->late)
    for (int k = 0; k < s->k; k++)
      if (n == s->n0[k]) s->p[k] = exp(-s->x[k] + n * log(s->x[k]) - lgamma(n + 1.0));
}

/* Where column j of part P starts in its tables: co[j] in E and the
 * iterates (rows 0 .. h_j − 1, each with its 5 blocks: U^n- or P-, G0-,
 * H0-, G1- and H1-terms), so[j] in S (the same, of the entry rows below
 * h_j), po[j] in the Gauss–Legendre and Duffy sums (rows 0 .. h_j − 1, 8
 * sums each). [nc]: the sizes. */
typedef struct {
  int co[MAXST + 1], so[MAXST + 1], po[MAXST + 1];
} part_lay;

static void part_layout(const chain *ch, const chain_part *P, part_lay *L) {
  const int *h = ch->h + P->s0, *ar = ch->ar + P->s0;
  L->co[0] = L->so[0] = L->po[0] = 0;
  for (int j = 0; j < P->nc; j++) {
    int na = 0;
    while (na < P->na && ar[na] < h[j]) na++;
    L->co[j + 1] = L->co[j] + 5 * h[j], L->so[j + 1] = L->so[j] + 5 * na, L->po[j + 1] = L->po[j] + h[j];
  }
}

/* The tables of part P for a step of length len, in its own indices (layout
 * L):
 *   E  = top block row of exp(A len);
 *   S  = the same of ∫_0^len exp(A t) dt (entrants at a uniform moment), as
 *        Σ_n π_n(λ len) R_n, R_n = Σ_{k<n} Y_k / λ (the integral of π_k(λ t)
 *        is the Poisson tail beyond k over λ: summed up, not a difference);
 *   PZ = per entry, exp(Q s_i) at the 4 Gauss–Legendre points, then
 *        Σ_k w_ik exp(Q v_ik) over the 4 Duffy points of each of them with
 *        their weights (all kind_build needs of the 16 points).
 * scr: 2 co[nc] + so[nc]. */
static void part_tables(const struct bw_counts_ws *c, const chain *ch, const chain_part *P, const part_lay *L,
                        double len, double *E, double *S, double *PZ, double *scr) {
  int nr = P->nr, nc = P->nc, NE = L->co[nc], NS = L->so[nc], NP = L->po[nc];
  const int *st = ch->st + P->s0, *h = ch->h + P->s0, *ar = ch->ar + P->s0;
  double lam = P->lam, il = 1.0 / lam;
  double *Y = scr, *Yn = Y + NE, *R = Yn + NE;
  memset(E, 0, sizeof(double) * (size_t)NE);
  memset(S, 0, sizeof(double) * (size_t)NS);
  memset(R, 0, sizeof(double) * (size_t)NS);
  memset(Y, 0, sizeof(double) * (size_t)NE);
  memset(PZ, 0, sizeof(double) * 8 * (size_t)NP);
  for (int i = 0; i < nr; i++) Y[L->co[i] + 5 * i] = 1.0;
  double f[2][MAXST], ud[MAXST]; /* weights over λ and the diagonal of U, by column */
  for (int j = 0; j < nc; j++) {
    ud[j] = j < nr ? ch->ud[st[j]] : 1.0;
    for (int w = 0; w < 2; w++) f[w][j] = j < nr ? ch->ew[w][st[j]] * il : 0.0;
  }

  /* weights: [0] the step's end, [1 + i] Gauss–Legendre point i, [5 + 4 i + k] Duffy point (i, k) */
  pois_seqs ps = {.k = 1 + NSEQ};
  double wz[16];
  pois_start(&ps, 0, lam * len);
  for (int i = 0; i < 4; i++) {
    double xi = 0.5 * (1.0 + GL_X[i]);
    pois_start(&ps, 1 + i, lam * (0.5 * len * (1.0 + GL_X[i])));
    for (int k = 0; k < 4; k++) {
      double eta = 0.5 * (1.0 + GL_X[k]);
      wz[4 * i + k] = 0.25 * GL_W[i] * GL_W[k] * len * (1.0 - xi);
      pois_start(&ps, 5 + 4 * i + k, lam * (len * (1.0 - xi) * eta));
    }
  }
  int K = pois_terms(c, lam * len, P->rmax);
  for (int n = 0;; n++) {
    pois_step(c, &ps, n);
    double pe = ps.p[0], w8[8];
    for (int i = 0; i < 4; i++) {
      w8[i] = ps.p[1 + i];
      w8[4 + i] = 0;
      for (int k = 0; k < 4; k++) w8[4 + i] += wz[4 * i + k] * ps.p[5 + 4 * i + k];
    }
    /* one pass over the columns: the sums; Yn = Y times the diagonal of U
     * and the F blocks of the block generator [[U, F, 0], [0, U, F], [0, 0, U]] */
    for (int j = 0; j < nc; j++) {
      const double *y = Y + L->co[j];
      double *e = E + L->co[j], *yn = Yn + L->co[j], u = ud[j];
      for (int t = 0; t < 5 * h[j]; t++) e[t] += pe * y[t], yn[t] = u * y[t];
      double *sj = S + L->so[j], *r = R + L->so[j];
      for (int k = 0; k < (L->so[j + 1] - L->so[j]) / 5; k++)
        for (int b = 0; b < 5; b++) sj[5 * k + b] += pe * r[5 * k + b], r[5 * k + b] += il * y[5 * ar[k] + b];
      double f0 = f[0][j], f1 = f[1][j];
      if (f0 != 0.0 || f1 != 0.0)
        for (int i = 0; i < h[j]; i++) {
          const double *yi = y + 5 * i;
          double *yni = yn + 5 * i;
          yni[1] += f0 * yi[0], yni[2] += f0 * yi[1], yni[3] += f1 * yi[0], yni[4] += f1 * yi[3];
        }
      double *a = PZ + 8 * (size_t)L->po[j];
      for (int i = 0; i < h[j]; i++)
        for (int q = 0; q < 8; q++) a[8 * i + q] += w8[q] * y[5 * i];
    }
    if (n == K) break;
    /* Yn += Y times U off its diagonal (a row reaching zm reaches zj: its
     * column is at least as long) */
    for (int z = P->z0; z < P->z0 + P->nz; z++) {
      int m = ch->zm[z];
      const double *y = Y + L->co[m];
      double *yn = Yn + L->co[ch->zj[z]], u = ch->zu[z];
      for (int t = 0; t < 5 * h[m]; t++) yn[t] += u * y[t];
    }
    double *sw = Y;
    Y = Yn, Yn = sw;
  }
}

/* The tables of a step of length len (kind 0: a full step; 1, 2: the parts
 * of the step cut at the re-indication moment). Only the rows of the live
 * states and the Wlz (0 .. NL) of the matrices are filled: no other is read. */
static void kind_build(struct bw_counts_ws *c, const chain *ch, int kind, double len) {
  int D = c->D, NL = c->NL;
  size_t DD = (size_t)D * D, RD = (size_t)(NL + 1) * D;
  spec *S = c->spec[kind];
  c->kind_len[kind] = len;

  /* every part's tables, scattered into the chain's indices: Pm = P(len), Pn
   * at the Gauss–Legendre points, Zc (the Duffy sums), bmo = [w][P, G, H,
   * SP, SG, SH] of the two weights (P and SP only for w = 0; SP, SG, SH only
   * in the rows where an entry can start). Scratch: a part's E, S and
   * iterates in Qp (at most 25 D² doubles), its sums in bscr (8 D²), Zc in
   * Qp after the part's (4 D²). */
  double *Zc = c->Qp + 27 * DD;
  static const int bslot[5] = {0, 1, 2, 7, 8}; /* block b of E at bmo + bslot[b] DD; of S 3 DD further */
  memset(c->Pm, 0, sizeof(double) * RD);
  for (int i = 0; i < 4; i++) {
    memset(c->Pn + i * DD, 0, sizeof(double) * RD);
    memset(Zc + i * DD, 0, sizeof(double) * RD);
  }
  for (int b = 0; b < 5; b++) {
    memset(c->bmo + bslot[b] * DD, 0, sizeof(double) * RD);
    memset(c->bmo + (bslot[b] + 3) * DD, 0, sizeof(double) * RD);
  }
  for (int k = 0; k < ch->np; k++) {
    const chain_part *P = &ch->p[k];
    const int *st = ch->st + P->s0, *h = ch->h + P->s0;
    part_lay L;
    part_layout(ch, P, &L);
    int NE = L.co[P->nc];
    double *E = c->Qp, *Sb = E + NE, *PZ = c->bscr;
    part_tables(c, ch, P, &L, len, E, Sb, PZ, Sb + L.so[P->nc]);
    for (int j = 0; j < P->nc; j++) {
      for (int i = 0; i < h[j]; i++) {
        size_t g = (size_t)st[i] * D + st[j];
        const double *e = E + L.co[j] + 5 * i, *pz = PZ + 8 * (size_t)(L.po[j] + i);
        c->Pm[g] = e[0];
        for (int b = 0; b < 5; b++) c->bmo[bslot[b] * DD + g] = e[b];
        for (int q = 0; q < 4; q++) c->Pn[q * DD + g] = pz[q], Zc[q * DD + g] = pz[4 + q];
      }
      for (int a = 0; a < (L.so[j + 1] - L.so[j]) / 5; a++) {
        size_t g = (size_t)st[ch->ar[P->s0 + a]] * D + st[j];
        for (int b = 0; b < 5; b++) c->bmo[(bslot[b] + 3) * DD + g] = Sb[L.so[j] + 5 * a + b];
      }
    }
  }

  /* live sources and the Wlz: J_cl[j][d] = ∫_0^len Σ_{x∈cl} P(s)_jx
   * P(len − s)_xd ds (Gauss–Legendre; P(len − s_i) = P(s_{3−i})) */
  memset(c->J, 0, sizeof(double) * NCL * DD);
  for (int i = 0; i < 4; i++) {
    const double *A = c->Pn + i * DD, *B = c->Pn + (3 - i) * DD;
    double w = 0.5 * len * GL_W[i];
    for (int j = 0; j <= NL; j++)
      for (int x = 0; x < D; x++) {
        int cl = c->cls_of[x];
        double a = A[(size_t)j * D + x];
        if (cl < 0 || a == 0.0) continue;
        double *Jr = c->J + (size_t)cl * DD + (size_t)j * D;
        const double *Br = B + (size_t)x * D;
        for (int d = 0; d < D; d++) Jr[d] += w * a * Br[d];
      }
  }
  double *mom = c->mrow; /* rows: P, G0, H0, G1, H1 */
  for (int j = 0; j <= NL; j++) {
    for (int cl = 0; cl < NCL; cl++)
      for (int d = 0; d < D; d++) c->tm[cl * D + d] = c->J[(size_t)cl * DD + (size_t)j * D + d];
    for (int d = 0; d < D; d++) {
      size_t jd = (size_t)j * D + d;
      mom[d] = c->bmo[jd];
      for (int w = 0; w < 2; w++) {
        mom[(1 + 2 * w) * D + d] = c->bmo[(size_t)w * 6 * DD + DD + jd];
        mom[(2 + 2 * w) * D + d] = c->bmo[(size_t)w * 6 * DD + 2 * DD + jd];
      }
    }
    spec_build(c, &S[j], j, c->ifam[j], c->Pm + (size_t)j * D, c->tm, len, -1, mom);
    if (j < NL) vplan_build(c, &S[j], c->vplan[kind] + (size_t)j * MAXD, &c->nvd[kind][j]);
  }

  /* entries at a uniform moment of the step: end state (1/len) ∫ α P(s) ds;
   * client-time (1/len) ∫∫_{r+v<=len} α P(r) E_cl P(v) dr dv, by Duffy's
   * map r = len ξ, v = len (1 − ξ) η and Gauss–Legendre in ξ and η: the sum
   * over η is in Zc */
  for (int v = 0; v < NV; v++) {
    entry_alpha(c, v, c->row);
    double *pv = c->prv + (size_t)v * D;
    for (int d = 0; d < D; d++) pv[d] = 0;
    for (int i = 0; i < 4; i++) {
      double *ai = c->av + ((size_t)v * 4 + i) * D;
      const double *A = c->Pn + i * DD;
      for (int d = 0; d < D; d++) ai[d] = 0;
      for (int x = 0; x < D; x++)
        if (c->row[x] != 0.0)
          for (int d = 0; d < D; d++) ai[d] += c->row[x] * A[(size_t)x * D + d];
      for (int d = 0; d < D; d++) pv[d] += 0.5 * GL_W[i] * ai[d];
    }
  }
  memset(c->tmv, 0, sizeof(double) * NV * NCL * (size_t)D);
  for (int i = 0; i < 4; i++)
    for (int v = 0; v < NV; v++) {
      const double *ai = c->av + ((size_t)v * 4 + i) * D;
      for (int x = 0; x < D; x++) {
        int cl = c->cls_of[x];
        if (cl < 0 || ai[x] == 0.0) continue;
        double *t = c->tmv + ((size_t)v * NCL + cl) * D;
        const double *Br = Zc + i * DD + (size_t)x * D;
        for (int d = 0; d < D; d++) t[d] += ai[x] * Br[d];
      }
    }
  for (int v = 0; v < NV; v++) {
    /* α S / len: the moments averaged over the entry moment */
    entry_alpha(c, v, c->row);
    for (int r = 0; r < 5; r++) {
      const double *src =
          r == 0 ? c->bmo + 3 * DD : c->bmo + (size_t)((r - 1) / 2) * 6 * DD + (size_t)(4 + (r - 1) % 2) * DD;
      double *acc = mom + r * D;
      for (int d = 0; d < D; d++) acc[d] = 0;
      for (int x = 0; x < D; x++)
        if (c->row[x] != 0.0)
          for (int d = 0; d < D; d++) acc[d] += c->row[x] * src[(size_t)x * D + d];
      for (int d = 0; d < D; d++) acc[d] /= len;
    }
    spec_build(c, &S[NL + 1 + v], -1, v == V_I || v == V_IN, c->prv + (size_t)v * D,
               c->tmv + (size_t)v * NCL * D, len, v, mom);
  }
}

/* The step tables of this replication (cached: they depend only on the
 * mean-duration multipliers). */
void bwc_prepare(struct bw_counts_ws *c, const bw_model *m, const bw_outer *o, double cut_frac) {
  int same = c->cache_valid && c->cache_cut == cut_frac;
  for (int k = 0; k < BW_NCARE; k++) same = same && c->cache_mult[k] == o->duration_mult[k];
  if (same) return;
  chain ch;
  chain_build(c, m, o, &ch);
  double dt = 1.0 / c->spy;
  kind_build(c, &ch, 0, dt);
  if (cut_frac > 0) {
    kind_build(c, &ch, 1, cut_frac * dt);
    kind_build(c, &ch, 2, (1.0 - cut_frac) * dt);
  }
  for (int k = 0; k < BW_NCARE; k++) c->cache_mult[k] = o->duration_mult[k];
  c->cache_cut = cut_frac;
  c->cache_valid = 1;
}

