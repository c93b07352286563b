/* Internals of the count kernel (run.kernel: counts), docs/model.md §3–4,
 * §10.4: the types and tables shared by its files. models/counts.h is its
 * public face; nothing outside models/counts*.c and tests/test_chain.c
 * includes this header.
 *
 * Files, in the order a replication calls them (bw_counts_simulate):
 *   counts_ws.c     bw_counts_ws_create / _free: the workspace, once per
 *                   thread (GEM lane order, tables, word pools)
 *   counts_phase.c  bwc_ph_fit, bwc_ph_equilibrium: the phase-type law of
 *                   each care type's stay (at create, and per replication
 *                   with its duration multipliers)
 *   counts_chain.c  bwc_prepare: the chain Q of the replication and each
 *                   step kind's tables (spec, vplan) by uniformisation —
 *                   cached across replications with the same multipliers
 *   counts.c        bw_counts_simulate: the replication loop — stock, then
 *                   per year the entry means, the steps (step: wlz_step,
 *                   set_live, set_entries, group_live, records, lump_split)
 *                   and the flush of the year's cost
 *   counts_step.c   the steps: vectorised over the GEM lanes (bwc_set_live,
 *                   bwc_set_entries, bwc_binom_lanes, bwc_pois_lanes), the
 *                   national institutions' clients one by one, PAIR groups,
 *                   the Wlz and the national split of lumped leavers
 *   counts_test.c   bw_counts_test_draws: the lane samplers for the tests
 * Samplers, word pools and lane arithmetic are model-free and live in
 * models/num/ (sample.h, wpool.h, lanes.h).
 *
 * The model as counts:
 *
 * The same model as the individual kernel (models/flows.c), simulated as
 * numbers of clients instead of clients. It shares the outer draws
 * (models/uncertainty.c) and everything after the flows (models/budget.c),
 * not the client code. docs/counts.md describes it for users.
 *
 * State. Clients are counted per *payer group* and *phase*:
 *   - GEM g: clients whose care gemeente g pays: its new-regime clients
 *     (woonplaatsbeginsel: herkomst g; re-indicated old clients; new M
 *     clients after mo_decentralise_year) and, when g is the
 *     centrumgemeente of region p, the clients p's centrumgemeente pays
 *     (the stock and every entry before the start year S placed in p;
 *     centrally paid M) — one group, since one payer;
 *   - PAIR (p, h), only when old_regime_max_years ends within the horizon:
 *     old-regime I/A clients placed in p with herkomst h, paid by centrum(p)
 *     until the re-indication moment T, then merged into GEM h.
 * Within a group the phases are those of I (paid by the group), In (I in a
 * national institution, paid nationally; its step-down A is the group's),
 * A and M: each care type has the phases of its phase-type duration law
 * (below). This is issue 5's herkomst × placement × care type × regime ×
 * duration class, lumped where the payer does not depend on it: a
 * new-regime client's placement, and an old-regime client's herkomst when
 * nobody is re-indicated, never change who pays, and clients with the same
 * payer and phase have the same future, so counting them together leaves
 * every output's law unchanged (strong lumpability). The Wlz (clients
 * transferred since 2021) is one national count: it leaves the gemeenten's
 * books (docs/model.md §3.5) and only q_t is needed.
 *
 * Time. Steps of one year (BW_COUNTS_STEPS_PER_YEAR = 1; a build with 12
 * steps a year, finer when a phase is left faster than 6 times a year, is
 * kept for checks), aligned with the calendar years; the step that holds the
 * re-indication moment T is cut in two at T. A client's path is a
 * continuous-time Markov chain over the phases plus the absorbing states
 * "left I", "left A after a step-down in this step", "left A or M", "in the
 * Wlz", "left the Wlz", and P = exp(Q dt) is its exact step transition
 * matrix (by uniformisation, a sum of non-negative terms: see the tables).
 * Each step, the clients of one phase of one group move by a multinomial
 * draw with the row of P (conditional binomials, one destination after the
 * other), so the counts at step boundaries have exactly the law of the
 * individual model with phase-type durations: there is no discretisation
 * error in them, whatever the step. The leavers of an I phase to "left",
 * "Wlz" and "step-down and left" are pooled per group and split nationally
 * (the payer does not care which).
 * New indications: an entrant at a uniform moment of the step ends it in
 * state d with probability (1/dt) ∫ α P(s) ds; by Poisson thinning the
 * entrants of one type that end the step in d are an independent Poisson
 * count per lane (given the year's negative-binomial Gamma mixing), one
 * "stream" per end state, drawn vectorised like the moves. (In a PAIR year
 * every old-regime entrant is placed one by one as a "record".)
 * Client-time (the cost of docs/model.md §4, q_t of §3.5): each client adds the
 * exact conditional expectation of its time in each care type during the
 * step given its start and end state, (∫ P(s) E_c P(dt − s) ds)_jd / P_jd
 * (Van Loan's integral by Gauss–Legendre), so every mean is exact. The
 * spread of the timing around that expectation (an exit moment within the
 * year: a variance of up to 1/12 year² per client, no longer negligible at
 * yearly steps) is put back as one deviate per group, slot and year
 * (timing_noise, counts.c) whose variance is the sum over its clients of the exact
 * conditional variance given (start, end), from the second moments
 * 2 (∫∫_{s<u} P(s) E P(u − s) E P(dt − u))_jd / P_jd (the top block row of
 * Van Loan's block-triangular exponential, by uniformisation). Given the transitions the clients'
 * timings are independent, so by the law of total variance the variance of
 * a group's yearly cost is exact; what is approximate is the shape of that
 * deviate (a sum of four uniforms: mean 0, the right variance, bounded) and
 * the cross-covariances left out between slots paid by different payers
 * (docs/counts.md). Slots: per group the BW cost (I and A time weighted by
 * their tariffs) and the M time; nationally the In time and q_t.
 *
 * Durations: the phase-type approximation. A Weibull(k) stay of mean m is
 * replaced by the phase-type law with the same mean and the same variance
 * (a two-moment fit): k = 1 (CV² = 1) is the exponential itself, exact;
 * CV² < 1 (k > 1) is Tijms' mixture of Erlang(n − 1, μ) and Erlang(n, μ),
 * n = ⌈1/CV²⌉, a chain of n phases of rate μ that ends after phase n − 1
 * with probability p; CV² > 1 (k < 1) a two-phase hyperexponential with
 * balanced means. For the default I stays (k = 1.2, CV² = 0.7004): n = 2,
 * p = 0.3686, μ = 1.6314/m. With the first two moments exact, the mean
 * residual stay of the stock (forward recurrence, E D²/(2 E D) = 0.850 m =
 * 2.55 yr for I) and every stationary occupancy (Little) are exact too; what
 * differs is the shape. For k = 1.2 the distribution functions differ by at
 * most 0.006 (at 0.08 m: the phase-type has slightly more very short
 * stays), the third moment by +0.16 %, the stock's residual-stay survival by
 * at most 0.0012; for k = 1.5 and 2 by 0.019 and 0.025, +2.7 % and +2.9 %,
 * 0.008 and 0.010. Shapes beyond CV² = 1/MAXPH (k above about 4.5) get an
 * Erlang(MAXPH), whose variance is too large. The stock's phases are drawn
 * from the phase-type's own forward-recurrence law: phase i with
 * probability ∝ the mean time spent in it.
 *
 * Random numbers: pools of batch-Philox words (models/num/wpool.h) keyed
 * (seed, replication, purpose, year), purposes BW_RNG_COUNTS_* (counts.h),
 * consumed in a fixed order: a replication is a pure function of (seed,
 * replication) whatever the thread count. In the vectorised steps a lane's
 * binomial or Poisson count is an inversion from 0 of its 32-bit uniform
 * when its mean is below BW_LANE_TRS_MEAN (18), else a transformed rejection (Hörmann's
 * PTRS, BTRS) that starts from that uniform; which of the two depends on
 * the mean only, never on the uniform. The scalar paths (national splits,
 * the stock, PAIR groups, the national institutions' clients) use BW_SEARCH_MAX_MEAN
 * (40) as the same kind of rule and search outward from the mode below it.
 *
 * Speed: the GEM groups (lanes = gemeenten: the centrumgemeenten, then the
 * others, each by population) are arrays over lanes, stepped by vectorised
 * inversions: the first K terms of the CDF for every lane of a
 * run of blocks of 32 lanes at once (K from the largest mean below BW_LANE_TRS_MEAN in
 * the block; on AVX-512 a group of 16 lanes stops as soon as all have their
 * count, models/num/lane_scan.h), the rare lane whose count lies beyond them finished one by
 * one with the same word; the lanes at or above BW_LANE_TRS_MEAN are compacted and
 * drawn by vectorised rounds of PTRS / BTRS (bw_trs_lanes_draw; the entries of all
 * streams of a set together). The kernels add the movers' client-time and
 * timing variance to two slots per lane as they go (fold2). A
 * destination with a probability above 1/2 is drawn as its complement.
 * The national institutions' clients (about 1 % of I entries) are few:
 * their entrants are drawn as a national Poisson total placed on lanes, and
 * the GEM set's clients are kept one by one, as a list of lanes per In
 * phase, each stepped by one word (in_step). PAIR groups are stepped one by
 * one.
 */
#ifndef BW_MODELS_COUNTS_INTERNAL_H
#define BW_MODELS_COUNTS_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "counts.h"
#include "fastmath.h"
#include "lanes.h"
#include "rng_batch.h"
#include "sample.h"

#ifndef BW_COUNTS_TIMING_NOISE
#define BW_COUNTS_TIMING_NOISE 1 /* 0: leave the within-step timing variance out (experiments only) */
#endif
#ifndef BW_COUNTS_STEPS_PER_YEAR
#define BW_COUNTS_STEPS_PER_YEAR 1 /* yearly; 12 = monthly, a build option for checks */
#endif

enum {
  MAXPH = 16,             /* phases of one care type's duration law */
  MAXD = 4 * MAXPH + 2,   /* leaver destinations of one source */
  FEW = 8,                /* up to this many leavers each draw their own destination */
  VB = 16,                /* lanes per block (alignment of the lane sets) */
  MAXBLK = 64,            /* blocks of a lane set */
  BLK = 32                /* lanes per block (at least; more when a set has more than MAXBLK * BLK) */
};

/* Where the vector kernels add the client-time of the clients they move:
 * t the lanes' time slot (M time for an M source; for an I or A source the
 * BW time I + A weighted by tariff, in the slot of the larger tariff: the
 * cost of a year is that slot's time times its tariff, bwc_fold_make), v their
 * timing variance slot, ct and cv the amounts per client. Two slots instead
 * of one per care type: the kernels' memory traffic is their main cost. */
typedef struct {
  double *t, *v;
  double ct, cv;
} fold2;
#define FB_ARGS fb.t, fb.v, fb.ct, fb.cv /* a fold as the lane samplers' two tallies */

enum { CL_I = 0, CL_IN = 1, CL_A = 2, CL_M = 3, CL_W = 4, NCL = 5 };
/* leaver destinations besides a live phase */
enum { DEST_LUMP = -1, DEST_GONE = -2 };
/* national split of a lumped I leaver: left; left A after a step-down in the
 * same step; in the Wlz; transferred and left the Wlz in the step */
enum { LU_OUT = 0, LU_SDOUT = 1, LU_WLZ = 2, LU_WGONE = 3, NLU = 4 };
/* a group's slots of the year: client-time I, In, A, M; then the variance
 * of the within-step timing of its BW cost (in I client-years, A weighted
 * by tariff_A / tariff_I) and of its M client-time */
enum { TV_BW = 4, TV_M = 5, NTS = 6 };
/* national variances of the within-step timing: In client-time, Wlz q */
enum { VN_IN = 0, VN_W = 1 };
/* entry types (their specs follow the live phases and the Wlz) */
enum { V_I = 0, V_IN = 1, V_A = 2, V_M = 3, NV = 4 };

/* ---- phase-type fit of a Weibull stay -------------------------------------- */

typedef struct {
  int n;
  double alpha[MAXPH]; /* initial phase */
  double next[MAXPH];  /* rate to phase i + 1 */
  double exit[MAXPH];  /* rate of the natural end from phase i */
} phtype;

/* ---- transition tables ------------------------------------------------------- */

/* One source of moves in one step: a live phase, the Wlz or an entry type.
 * Its clients go to `main` (a live phase: itself) unless they leave
 * (binomial b); a leaver goes to dest[i] (cumulative thresholds thr). */
typedef struct {
  int cls;                 /* class of a live source's own time; -1 for entries */
  int main;                /* live index of the main destination (-1: the Wlz) */
  int nd;                  /* leaver destinations */
  bw_bconst b;                /* success = leaving main */
  double base[NCL];        /* client-time per client ending in main */
  double pz[BW_PZ_N];           /* P(nobody leaves) = (1 − b.p)^n */
  int dest[MAXD];          /* live phase, DEST_LUMP or DEST_GONE */
  int sd[MAXD];            /* the move is a step-down I -> A */
  double pd[MAXD];         /* unconditional probability of dest i */
  uint64_t thr[MAXD];      /* a leaver goes to the first i with word < thr[i] */
  uint64_t thr1[MAXD + 1]; /* one client by one word: stays below thr1[0], else dest i − 1 for the first i with word < thr1[i] */
  bw_bconst cb[MAXD];         /* conditional binomials for many leavers */
  double dtime[MAXD][NCL]; /* client-time per leaver, relative to base */
  bw_bconst lb[NLU - 1];      /* national split of lumped leavers */
  double lw[NLU];          /* Wlz client-time per lumped leaver of each kind */
  /* variance of one client's timing within the step given its end state
   * (docs/counts.md): [0] of its group's slot vslot (TV_BW or TV_M), [1]
   * of the national slot nslot (VN_IN, VN_W or -1); bv for the main
   * destination, dv relative to bv */
  int vslot, nslot;
  double bv[2], dv[MAXD][2];
  double lwv[NLU];         /* Wlz client-time variance per lumped leaver of each kind */
} spec;

/* One destination of a live phase for the vectorised step of a lane set: the phase's
 * clients go to the destinations in turn by conditional binomials
 * (probability b.p of the clients not yet moved); the rest stay. */
typedef struct {
  int dest, sd;
  bw_binom_lane_c bn; /* the binomial of moving (flip: drawn as its complement), its tables */
  double dt[4];      /* client-time (I, In, A, M) per mover, relative to staying */
  double dv[2];      /* timing variance per mover (group slot, national slot) */
} vdest;

typedef struct {
  int64_t stepdowns, transfers, entries[NV];
  int64_t *lump; /* [NS] lumped leavers of this step per source */
  double tin;    /* In client-time of the GEM set's listed clients this year (in_step) */
  int wlz;       /* clients in the Wlz now */
  double q;      /* Wlz client-years of this year */
  double vn[2];  /* timing variance of the year: national In client-time, q */
} nat_acc;

/* An entrant placed one by one: step, group (GEM: g; else ng + AoS index),
 * entry type, destination (-1: main). */
typedef struct {
  int step, gid, v, i;
} erec;

/* A set of groups stored as arrays over lanes (stride np): the GEM groups
 * (lane = gemeente, centrumgemeenten first, each part by population, so
 * that blocks of lanes have similar counts). */
typedef struct {
  int n, np;                 /* lanes, padded to a multiple of VB */
  int gid0;                  /* group id of lane 0 (records: GEM 0) */
  int32_t *cnt;              /* [NL * np] */
  double *T;                 /* [NTS * np] client-time of the year: I, In, A, M; variances */
  int *payer;                /* [np] gemeente paying for lane */
  double *full[NV];          /* [np] per-step mean of all entrants */
  /* entry streams of this year: entrants of type sv[k] that end their first
   * step in the main phase (si[k] = -1) or at leaver destination si[k] of
   * the entry spec; independent Poisson counts per lane (thinning) */
  int nstr, nsmax;
  int *sv, *si;              /* [nsmax] */
  double *ssh;               /* [nsmax] share of the type's entrants */
  double fmx[NV][MAXBLK];    /* largest per-step mean of all entrants per block, this year */
  int sparse_on;             /* this year's national-institution entrants (V_IN) drawn nationally */
} gset;

struct bw_counts_ws {
  int ng, nr, ny, spy;
  int nph[BW_NCARE];
  int NL, D, NS, NLP;         /* live phases, chain states, specs, PAIR row stride */
  int off[4];                 /* first live index of I, In, A, M */
  int sW, sOI, sOA, sOM, sWG; /* chain states: Wlz, left I, left A after step-down, left A/M, left Wlz */
  int *cls_of;                /* [D] class of a chain state, -1 absorbing */
  int *ifam;                  /* [D] 1 for I and In phases */
  phtype ph[BW_NCARE];
  double pi_stock[BW_NCARE][MAXPH];
  /* this replication's chain and step tables */
  double *Q, *Qp;             /* D*D; scratch of the uniformisation (31 D*D) */
  double *Pm, *Pn, *J, *av, *tm, *row, *prv, *tmv; /* scratch */
  double wI, wA;              /* weights of I and A time in the BW timing variance: tariff / the larger */
  double *bmo;                /* [2 weights][P, G, H, SP, SG, SH][D * D] block moments */
  double *bscr;               /* [9 * D * D] scratch of the uniformisation */
  double *mrow;               /* [NV][P, G0, H0, G1, H1][D] entry rows of the moments */
  spec *spec[3];              /* per step kind: full step, the two parts of a cut step */
  vdest *vplan[3];            /* [NL * MAXD] per kind */
  int *nvd[3];                /* [NL] */
  double kind_len[3];
  double cache_mult[BW_NCARE], cache_cut;
  int cache_valid;
  /* groups */
  gset gem;
  int *perm, *lane;           /* GEM lane -> gemeente, gemeente -> lane */
  /* lane scratch [max np]: a phase's clients not yet moved (set_live); the
   * lanes a lane sampler could not settle; the destination of movers and
   * entrants that leave every count (an absorbing state) */
  union {
    int32_t *lane_rest;
    uint32_t *flush_words; /* set_flush: the lanes' words of the BW timing deviates */
  };
  int32_t *lane_bad, *lane_sink;
  /* the GEM set's national-institution clients one by one (few: about
   * 1 % of I entries), a list of their lanes per In phase; the cnt rows of
   * the In phases stay 0 between steps (bwc_in_harvest) */
  struct inlist {
    int32_t *g;
    int n, cap;
  } inl[MAXPH];
  int oom; /* a list could not grow: the replication fails */
  double *entry_cum;          /* [max np] cumulative entry means over lanes (set_entries_sparse) */
  double *ybw, *ymo;          /* [ny * np] the GEM lanes' BW and MO cost per year (set_flush), added to
                               * the workspace's per-gemeente arrays at the end of the replication */
  /* the lanes at or above BW_LANE_TRS_MEAN of one or more vectorised calls,
   * compacted and drawn together by bw_trs_lanes_draw (trs.n, trs.u in,
   * trs.k out; capacity trs.cap = 4 × max np): their lane and entry stream */
  bw_trs_lanes trs;
  int *bidx, *btag;           /* [trs.cap + 16] */
  int pair_mode, npair, npair_max;
  int32_t *cnt;               /* PAIR rows: [row * NLP + phase] */
  double *tacc;               /* [row * NTS] */
  int *payer, *pair_h, *pair_of; /* [row]; [row]; [p * ng + h] -> row, or -1 */
  /* entries */
  /* in GEM lane order (lane i = gemeente perm[i]; np lanes, 0 beyond ng) */
  double *lam;                /* [care * np + i] this year's mean per care type (after Gamma mixing) */
  double *ne;                 /* [np] need_g ε_g / 1000 of this replication */
  double *popL, *histL;       /* [y * np + i] population; [np] historical BW share of the lane's gemeente */
  int *regL;                  /* [np] region of the lane's gemeente */
  double *home, *hist;        /* [nr] region_means: entry means by home region, historical budgets */
  double *region_mean;        /* [nr] a year's entry mean placed per region (year_entries) */
  int *rcount, *cursor, *ebucket; /* [nr], [spy], [spy + 1] */
  erec *rec, *rec_tmp;
  size_t rec_n, rec_cap;
  bw_lftab lt;                /* log k! and 1/k */
  uint32_t *c2a;              /* [nlane] 0, 1, 2, ...: the pools' lane counters */
  bw_wpool pst, pen, pmi;
  int64_t *lump;
};

/* ---- draws through the sampler library (models/num/sample.h) -------------------- */

/* How many of n clients leave source s this step. (Which inversion is used
 * depends on n and p only, never on the uniform: two inversions enumerate
 * the support in different orders, so they may not share a uniform.) */
static inline int leave_count(const struct bw_counts_ws *c, const spec *s, int n, bw_wpool *wp) {
  double u = bw_wpool_u01(wp);
  if (n < BW_PZ_N && n * s->b.p < BW_BINOM_MODE_MEAN)
    return u < s->pz[n] ? 0 : bw_binom_low(&c->lt, &s->b, n, s->pz[n], u);
  if (n > 0 && s->b.p > 0 && s->b.q > 0 && n * s->b.p > BW_SEARCH_MAX_MEAN) return bw_binom_big(&c->lt, &s->b, n, u, wp);
  return bw_binom_inv(&c->lt, &s->b, n, u);
}

/* Poisson(mu) by search from the mode, one word of wp (none when mu <= 0). */
static inline int pois_draw(const struct bw_counts_ws *c, double mu, bw_wpool *wp) {
  bw_pois_mode_c pc = bw_pois_mode_make(&c->lt, mu);
  return pc.mode < 0 ? 0 : bw_pois_mode(&c->lt, &pc, bw_wpool_u01(wp));
}

/* One group's counts and client-time: a lane of a set (stride np) or a PAIR
 * row (stride 1). Group ids: GEM lane i -> i, PAIR row k -> ng + nr + k
 * (ng .. ng + nr − 1: the regional groups, now counted in their
 * centrumgemeente's lane, are no longer used). */
typedef struct {
  int32_t *n;
  double *T;
  int ns, ts;
} gref;

static inline gref set_ref(gset *s, int lane) {
  gref r = {s->cnt + lane, s->T + lane, s->np, s->np};
  return r;
}

static inline gref pair_ref(struct bw_counts_ws *c, int k) {
  gref r = {c->cnt + (size_t)k * c->NLP, c->tacc + (size_t)k * NTS, 1, 1};
  return r;
}

static inline gref ref_of(struct bw_counts_ws *c, int gid) {
  if (gid < c->ng) return set_ref(&c->gem, gid);
  return pair_ref(c, gid - c->ng - c->nr);
}

/* The client-time of k leavers of source s to its destination i. */
static inline void move_time(const spec *s, int i, int k, gref r, nat_acc *a) {
  for (int cl = 0; cl < 4; cl++) r.T[cl * r.ts] += k * s->dtime[i][cl];
  r.T[s->vslot * r.ts] += k * s->dv[i][0];
  if (s->nslot >= 0) a->vn[s->nslot] += k * s->dv[i][1];
}

/* Move k leavers of source s (spec index src) to its destination i. */
static inline void move(const spec *s, int i, int k, int src, gref r, nat_acc *a) {
  move_time(s, i, k, r, a);
  int d = s->dest[i];
  if (d >= 0) {
    r.n[d * r.ns] += k;
    if (s->sd[i]) a->stepdowns += k;
  } else if (d == DEST_LUMP) {
    a->lump[src] += k;
  }
}

/* The client-time of e entrants of entry spec s that end the step in its
 * main destination (move_time adds a leaver's difference). */
static inline void enter_time(const spec *s, int e, gref r, nat_acc *a) {
  for (int cl = 0; cl < 4; cl++) r.T[cl * r.ts] += e * s->base[cl];
  r.T[s->vslot * r.ts] += e * s->bv[0];
  if (s->nslot >= 0) a->vn[s->nslot] += e * s->bv[1];
}

/* One entrant of entry spec s (index src) whose end state, drawn by the
 * caller, is leaver destination i (−1: the main one). */
static inline void enter_one(const spec *s, int i, int src, gref r, nat_acc *a) {
  enter_time(s, 1, r, a);
  if (i < 0) r.n[s->main * r.ns] += 1;
  else move(s, i, 1, src, r, a);
}

static inline fold2 fold_at(const fold2 *f, int o) {
  fold2 r = *f;
  r.t += o, r.v += o;
  return r;
}

static inline void fold_one(const fold2 *f, int g, int k) {
  f->t[g] += (double)k * f->ct;
  f->v[g] += (double)k * f->cv;
}

/* Entrants of a set in a full step: each stream a Poisson count per lane,
 * vectorised, added to its destination (a scratch sink for the absorbing
 * ones); with their client-time tallies. */
typedef struct {
  int32_t *dst;
  fold2 fo;
  int64_t in;
} estream;


/* ---- the files' interfaces ---------------------------------------------------- */

/* counts_phase.c: the two-moment phase-type fit of a Weibull(shape) stay of
 * the given mean; its forward-recurrence phase law (mean time per phase). */
void bwc_ph_fit(double mean, double shape, phtype *f);
void bwc_ph_equilibrium(const phtype *f, double *pi);

/* counts_chain.c: this replication's chain and step tables (c->Q; per step
 * kind c->spec, c->vplan, c->nvd, c->kind_len; kind 0 a full step of
 * 1/spy years, 1 and 2 the parts of a step cut at cut_frac when > 0).
 * Cached: nothing is done when the duration multipliers and cut_frac are
 * those of the last call. */
void bwc_prepare(struct bw_counts_ws *c, const bw_model *m, const bw_outer *o, double cut_frac);

/* counts_step.c, per step of kind `kind` (spec table S = c->spec[kind]): */
void bwc_wlz_step(struct bw_counts_ws *c, const spec *S, double len, nat_acc *a);
void bwc_set_live(struct bw_counts_ws *c, gset *S, int kind, nat_acc *a);
void bwc_set_entries(struct bw_counts_ws *c, gset *S, nat_acc *a);
void bwc_set_entries_cut(struct bw_counts_ws *c, gset *S, int kind, double scale, nat_acc *a);
void bwc_group_live(struct bw_counts_ws *c, const spec *S, gref r, double len, nat_acc *a);
void bwc_lump_split(struct bw_counts_ws *c, const spec *S, nat_acc *a);
/* the In-phase clients just counted in lane g of S onto the lists */
void bwc_in_harvest(struct bw_counts_ws *c, gset *S, int g);
/* end state of one entrant of entry spec s: −1 main, else a leaver index */
int bwc_entrant_dest(const spec *s, bw_wpool *wp);
/* blocks of a set's lanes [blk[b], blk[b + 1]), b < the result */
int bwc_set_blocks(const gset *S, int *blk);
fold2 bwc_fold_make(const struct bw_counts_ws *c, gset *S, int vslot, const double *dt, double v);
int64_t bwc_binom_lanes(struct bw_counts_ws *c, int nblk, const int *blk, const int32_t *mxb, const vdest *d,
                        int32_t *rest, int32_t *dst, fold2 fo);
int64_t bwc_pois_lanes(struct bw_counts_ws *c, int nblk, const int *blk, const double *fmx, const double *full,
                       double share, int32_t *dst, fold2 fo, int *nbig_io, int tag);
void bwc_entries_big(struct bw_counts_ws *c, estream *es, int *nbl);

#endif
