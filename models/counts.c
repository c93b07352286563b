/* Client flows of one replication as counts: the count kernel
 * (run.kernel: counts), docs/model.md §3–4, §10.4.
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
 * (timing_noise) whose variance is the sum over its clients of the exact
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
 * Random numbers: pools of batch-Philox words (models/num/rng_batch.h) keyed
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
 * the block), the rare lane whose count lies beyond them finished one by
 * one with the same word; the lanes at or above BW_LANE_TRS_MEAN are compacted and
 * drawn by vectorised rounds of PTRS / BTRS (big_draws; the entries of all
 * streams of a set together). The kernels add the movers' client-time and
 * timing variance to two slots per lane as they go (fold2). A
 * destination with a probability above 1/2 is drawn as its complement.
 * The national institutions' clients (about 1 % of I entries) are few:
 * their entrants are drawn as a national Poisson total placed on lanes, and
 * the GEM set's clients are kept one by one, as a list of lanes per In
 * phase, each stepped by one word (in_step). PAIR groups are stepped one by
 * one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "counts.h"
#include "fastmath.h"
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
 * cost of a year is that slot's time times its tariff, fold_make), v their
 * timing variance slot, ct and cv the amounts per client. Two slots instead
 * of one per care type: the kernels' memory traffic is their main cost. */
typedef struct {
  double *t, *v;
  double ct, cv;
} fold2;
#define FB_ARGS fb.t, fb.v, fb.ct, fb.cv

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

static void ph_fit(double mean, double shape, phtype *f) {
  memset(f, 0, sizeof *f);
  double g1 = gsl_sf_gamma(1.0 + 1.0 / shape), g2 = gsl_sf_gamma(1.0 + 2.0 / shape);
  double cv2 = g2 / (g1 * g1) - 1.0;
  if (fabs(cv2 - 1.0) < 1e-12) { /* exponential */
    f->n = 1;
    f->alpha[0] = 1.0;
    f->exit[0] = 1.0 / mean;
  } else if (cv2 < 1.0) { /* Tijms: Erlang(n − 1) w.p. p, else Erlang(n), common rate */
    int n = (int)ceil(1.0 / cv2 - 1e-12);
    if (n < 2) n = 2;
    if (n > MAXPH) n = MAXPH, cv2 = 1.0 / MAXPH;
    double disc = n * (1.0 + cv2) - (double)n * n * cv2;
    double p = (n * cv2 - sqrt(disc > 0 ? disc : 0.0)) / (1.0 + cv2);
    if (p < 0) p = 0;
    double mu = (n - p) / mean;
    f->n = n;
    f->alpha[0] = 1.0;
    for (int i = 0; i < n; i++) f->next[i] = mu;
    f->next[n - 2] = (1.0 - p) * mu;
    f->exit[n - 2] = p * mu;
    f->next[n - 1] = 0.0;
    f->exit[n - 1] = mu;
  } else { /* hyperexponential, balanced means */
    double p1 = 0.5 * (1.0 + sqrt((cv2 - 1.0) / (cv2 + 1.0)));
    f->n = 2;
    f->alpha[0] = p1;
    f->alpha[1] = 1.0 - p1;
    f->exit[0] = 2.0 * p1 / mean;
    f->exit[1] = 2.0 * (1.0 - p1) / mean;
  }
}

/* Forward-recurrence phase law: mean time spent in each phase, normalised. */
static void ph_equilibrium(const phtype *f, double *pi) {
  double reach = 0, sum = 0;
  for (int i = 0; i < f->n; i++) {
    reach += f->alpha[i];
    double rate = f->next[i] + f->exit[i];
    pi[i] = reach / rate;
    sum += pi[i];
    reach *= f->next[i] / rate;
  }
  for (int i = 0; i < f->n; i++) pi[i] /= sum;
}

int bw_counts_phase_type(double mean, double shape, double *m1, double *m2, double *m3) {
  phtype f;
  ph_fit(mean, shape, &f);
  /* E X^k = k! α (−T)^(−k) 1; −T is upper bidiagonal: back substitution */
  double x[MAXPH], y[MAXPH], z[MAXPH];
  for (int i = f.n - 1; i >= 0; i--) {
    double rate = f.next[i] + f.exit[i], nx = i + 1 < f.n ? f.next[i] : 0.0;
    x[i] = (1.0 + (i + 1 < f.n ? nx * x[i + 1] : 0.0)) / rate;
    y[i] = (x[i] + (i + 1 < f.n ? nx * y[i + 1] : 0.0)) / rate;
    z[i] = (y[i] + (i + 1 < f.n ? nx * z[i + 1] : 0.0)) / rate;
  }
  double a = 0, b = 0, c = 0;
  for (int i = 0; i < f.n; i++) a += f.alpha[i] * x[i], b += f.alpha[i] * y[i], c += f.alpha[i] * z[i];
  *m1 = a;
  *m2 = 2.0 * b;
  *m3 = 6.0 * c;
  return f.n;
}

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
  int32_t *vrest, *vbad, *vsink; /* [max np] scratch */
  /* the GEM set's national-institution clients one by one (few: about
   * 1 % of I entries), a list of their lanes per In phase; the cnt rows of
   * the In phases stay 0 between steps (in_harvest) */
  struct inlist {
    int32_t *g;
    int n, cap;
  } inl[MAXPH];
  int oom; /* a list could not grow: the replication fails */
  double *vx, *vy;            /* [max np] scratch */
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
  double *home, *hist, *home2; /* [nr] scratch */
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

/* ---- vectorised lane arithmetic ---------------------------------------------------- */

/* T[g] += cnt[g] len; returns Σ cnt. */
BW_BATCH_CLONES static int64_t vstay(int n, const int32_t *restrict cnt, double *restrict T,
                                                     double len) {
  int64_t s = 0;
  for (int g = 0; g < n; g++) {
    T[g] += (double)cnt[g] * len;
    s += cnt[g];
  }
  return s;
}

/* Σ cnt[g] over lanes [0, e). */
BW_BATCH_CLONES static int64_t vsum32(int e, const int32_t *restrict cnt) {
  int64_t s = 0;
  for (int g = 0; g < e; g++) s += cnt[g];
  return s;
}

/* out[g] = a x[g] y[g] + b z[g] (a year's entry means per lane). */
BW_BATCH_CLONES static void vlam(int e, double *restrict out, double a, const double *restrict x,
                                 const double *restrict y, double b, const double *restrict z) {
  for (int g = 0; g < e; g++) out[g] = a * x[g] * y[g] + b * z[g];
}

/* out[g] = x[g] s1 s2. */
BW_BATCH_CLONES static void vscale2(int e, double *restrict out, const double *restrict x, double s1, double s2) {
  for (int g = 0; g < e; g++) out[g] = x[g] * s1 * s2;
}

/* Largest count of lanes [0, e). */
BW_BATCH_CLONES static int32_t vmax(int e, const int32_t *restrict cnt) {
  int32_t m = 0;
  for (int g = 0; g < e; g++) m = cnt[g] > m ? cnt[g] : m;
  return m;
}

/* Largest of lanes [0, e), all >= 0 (0 when none is above): by their bit
 * patterns, which order non-negative doubles as integers, so that GCC
 * vectorises the reduction (a double max does not without -ffast-math). */
BW_BATCH_CLONES static double vmaxmean(int e, const double *restrict mu) {
  int64_t m = 0;
  for (int g = 0; g < e; g++) {
    int64_t b;
    memcpy(&b, mu + g, sizeof b);
    m = b > m ? b : m;
  }
  double r;
  memcpy(&r, &m, sizeof r);
  return r;
}

/* ---- workspace --------------------------------------------------------------- */

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
  free(c->perm), free(c->lane), free(c->vrest), free(c->vbad), free(c->vsink), free(c->vx), free(c->vy), free(c->ybw), free(c->ymo);
  free(c->bidx), free(c->btag);
  bw_trs_lanes_free(&c->trs);
  free(c->cnt), free(c->tacc), free(c->payer), free(c->pair_h), free(c->pair_of);
  free(c->lam), free(c->ne), free(c->popL), free(c->histL), free(c->regL), free(c->home), free(c->hist), free(c->home2),
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
    ph_fit(p->duration_mean_years[k], p->duration_shape[k], &c->ph[k]);
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
  c->vrest = calloc(VP, sizeof(int32_t));
  c->vbad = calloc(VP, sizeof(int32_t));
  c->vsink = calloc(VP, sizeof(int32_t));
  c->vx = calloc(VP, sizeof(double));
  /* the big lanes of several entry streams, drawn together */
  int bok = bw_trs_lanes_alloc(&c->trs, 4 * (int)VP) == 0;
  size_t BC = (size_t)c->trs.cap + 16;
  c->bidx = calloc(BC, sizeof(int));
  c->btag = calloc(BC, sizeof(int));
  bok = bok && c->bidx && c->btag;
  c->vy = calloc(VP, sizeof(double));
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
  c->home2 = malloc(sizeof(double) * (size_t)nr);
  c->rcount = malloc(sizeof(int) * (size_t)nr);
  c->cursor = malloc(sizeof(int) * (size_t)(c->spy + 1));
  c->ebucket = malloc(sizeof(int) * (size_t)(c->spy + 2));
  int lok = bw_lftab_init(&c->lt) == 0;
  c->c2a = malloc(sizeof(uint32_t) * (size_t)nlane);
  c->lump = calloc((size_t)NS, sizeof(int64_t));
  ok = ok && bok && c->perm && c->lane && c->vrest && c->vbad && c->vsink && c->vx && c->vy && c->ybw && c->ymo &&
       c->cnt && c->tacc && c->payer && c->lam && c->ne && c->popL && c->histL && c->regL && c->home && c->hist &&
       c->home2 && c->rcount && c->cursor && c->ebucket && lok && c->c2a && c->lump;
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
  for (int k = 0; k < BW_NCARE; k++) ph_equilibrium(&c->ph[k], c->pi_stock[k]);
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

/* ---- the chain and its step tables ------------------------------------------ */

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
    ph_fit(p->duration_mean_years[k] * o->duration_mult[k], p->duration_shape[k], &ph[k]);
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
static void prepare(struct bw_counts_ws *c, const bw_model *m, const bw_outer *o, double cut_frac) {
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

/* ---- one replication ------------------------------------------------------------ */

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

static int entrant_dest(const spec *s, bw_wpool *wp);

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

/* e clients enter through entry spec s (index src) this step. */
static void enter(const struct bw_counts_ws *c, const spec *s, int src, int e, gref r, nat_acc *a, bw_wpool *wp) {
  enter_time(s, e, r, a);
  int L = leave_count(c, s, e, wp);
  r.n[s->main * r.ns] += e - L;
  if (L) scatter(c, s, src, L, r, a, wp);
}

/* One step of the live phases of one PAIR group, scalar. */
static void group_live(struct bw_counts_ws *c, const spec *S, gref r, double len, nat_acc *a) {
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
static int set_blocks(const gset *S, int *blk) {
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
static fold2 fold_make(const struct bw_counts_ws *c, gset *S, int vslot, const double *dt, double v) {
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

static inline fold2 fold_at(const fold2 *f, int o) {
  fold2 r = *f;
  r.t += o, r.v += o;
  return r;
}

static inline void fold_one(const fold2 *f, int g, int k) {
  f->t[g] += (double)k * f->ct;
  f->v[g] += (double)k * f->cv;
}

/* Binomial(rest[g], p) movers (p and its tables in d; flip: rest − X) of
 * every lane of a set from rest to dst, with their client-time
 * (fo), vectorised over blocks of lanes (mxb: the largest count of each
 * block; a block without clients is skipped): as pois_lanes, BTRS for the
 * lanes at or above BW_LANE_TRS_MEAN. Words from the step pool. Returns Σ moved. */
static int64_t binom_lanes(struct bw_counts_ws *c, int nblk, const int *blk, const int32_t *mxb,
                           const vdest *d, int32_t *rest, int32_t *dst, fold2 fo) {
  int32_t *bad = c->vbad;
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
static void in_harvest(struct bw_counts_ws *c, gset *S, int g) {
  for (int x = 0; x < c->nph[BW_I]; x++) {
    int32_t *n = S->cnt + (size_t)(c->off[CL_IN] + x) * S->np + g;
    for (int k = *n; k > 0; k--) in_push(c, x, g);
    *n = 0;
  }
}

/* One step of the GEM set's national-institution clients: per In phase
 * (last first, as set_live), each client its own word: it stays, or goes
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
static void set_live(struct bw_counts_ws *c, gset *S, int kind, nat_acc *a) {
  int np = S->np, blk[MAXBLK + 1], nblk = set_blocks(S, blk);
  double len = c->kind_len[kind];
  int32_t *rest = c->vrest;
  for (int j = c->NL - 1; j >= 0; j--) {
    int32_t *nj = S->cnt + (size_t)j * np;
    const spec *s = c->spec[kind] + j;
    if (s->cls == CL_IN) { /* a few clients: one by one, all In phases at once */
      if (j == c->off[CL_IN] + c->nph[BW_I] - 1) in_step(c, S, kind, a);
      continue;
    }
    int64_t left = vstay(np, nj, S->T + (size_t)s->cls * np, len);
    if (!left) continue;
    memcpy(rest, nj, sizeof(int32_t) * (size_t)np);
    /* largest count per block (bounds the later destinations' too) */
    int32_t mxb[MAXBLK];
    for (int b = 0; b < nblk; b++) mxb[b] = vmax(blk[b + 1] - blk[b], nj + blk[b]);
    const vdest *vd = c->vplan[kind] + (size_t)j * MAXD;
    for (int i = 0; i < c->nvd[kind][j] && left > 0; i++) {
      const vdest *d = vd + i;
      int32_t *dst = d->dest >= 0 ? S->cnt + (size_t)d->dest * np : c->vsink;
      /* the movers' client-time relative to staying, and timing variance */
      fold2 fo = fold_make(c, S, s->vslot, d->dt, d->dv[0]);
      int64_t moved = binom_lanes(c, nblk, blk, mxb, d, rest, dst, fo);
      if (s->nslot >= 0) a->vn[s->nslot] += (double)moved * d->dv[1];
      if (d->dest == DEST_LUMP) a->lump[j] += moved;
      if (d->sd) a->stepdowns += moved;
      left -= moved;
    }
    memcpy(nj, rest, sizeof(int32_t) * (size_t)np); /* the phase's stayers */
  }
}

/* cum[g] = Σ_{k <= g} x[k] for g < n, x >= 0, returned cum[n − 1] (0 when
 * n = 0): four chunks summed side by side (four independent chains of
 * additions instead of one), then each chunk offset by the total before it.
 * Non-decreasing (rounding is monotone; a chunk's offset is the previous
 * chunk's last cum exactly). */
static double prefix_sum(const double *restrict x, int n, double *restrict cum) {
  int h = (n + 3) / 4;
  double acc[4] = {0, 0, 0, 0};
  for (int i = 0; i < h; i++)
    for (int k = 0; k < 4; k++) {
      int g = k * h + i;
      if (g < n) acc[k] += x[g], cum[g] = acc[k];
    }
  double off = 0;
  for (int k = 0; k < 4; k++) {
    int g0 = k * h, g1 = g0 + h < n ? g0 + h : n;
    if (k > 0)
      for (int g = g0; g < g1; g++) cum[g] = off + cum[g];
    if (g1 > g0) off = cum[g1 - 1];
  }
  return off;
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
  double *cum = c->vx, tot = prefix_sum(full, S->n, cum);
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
      enter_one(sp, entrant_dest(sp, wp), src, set_ref(S, lo), a);
      in_harvest(c, S, lo);
    }
  }
  a->entries[v] += N;
}

/* Poisson(full[g] share) entrants of every lane of a set into dst, with
 * their client-time (fo), vectorised over blocks of lanes (fmx: the largest
 * full[g] of each block): lanes below BW_LANE_TRS_MEAN by inversion (the block's terms
 * from its largest such mean; a lane beyond them one by one with the same
 * word); the others are appended (with their first uniform and `tag`) to
 * the list of big lanes, *nbig_io long, whose PTRS draws entries_big makes
 * for all streams at once (the stream's lane words are not needed after
 * this call). Words from the entry pool. Returns Σ entrants so far. */
static int64_t pois_lanes(struct bw_counts_ws *c, int nblk, const int *blk, const double *fmx,
                          const double *full, double share, int32_t *dst, fold2 fo, int *nbig_io, int tag) {
  int32_t *bad = c->vbad;
  int nbig[MAXBLK];
  int32_t kc[MAXBLK];
  bw_pois_lanes_class(nblk, blk, fmx, full, share, nbig, kc);
  int hi = 0; /* words for the lanes up to the last block with entrants, as binom_lanes */
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

/* Entrants of a set in a full step: each stream a Poisson count per lane,
 * vectorised, added to its destination (a scratch sink for the absorbing
 * ones); their client-time is added once a year (fold_year). */
typedef struct {
  int32_t *dst;
  fold2 fo;
  int64_t in;
} estream;

/* The PTRS draws of the big lanes listed by pois_lanes, into their streams. */
static void entries_big(struct bw_counts_ws *c, estream *es, int *nbl) {
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
 * vectorised (pois_lanes), added to its destination (a scratch sink for the
 * absorbing ones) with its client-time; the big lanes of all streams drawn
 * together (entries_big), in batches of at most c->trs.cap lanes. */
static void set_entries(struct bw_counts_ws *c, gset *S, nat_acc *a) {
  int np = S->np, blk[MAXBLK + 1], nblk = set_blocks(S, blk), nbl = 0;
  estream es[NV * (MAXD + 1)];
  for (int k = 0; k < S->nstr; k++) {
    int v = S->sv[k], i = S->si[k];
    const spec *s = c->spec[0] + c->NL + 1 + v;
    int dest = i < 0 ? s->main : s->dest[i];
    double dt[4], dv0 = s->bv[0] + (i >= 0 ? s->dv[i][0] : 0.0);
    for (int cl = 0; cl < 4; cl++) dt[cl] = s->base[cl] + (i >= 0 ? s->dtime[i][cl] : 0.0);
    es[k].dst = dest >= 0 ? S->cnt + (size_t)dest * np : c->vsink;
    es[k].fo = fold_make(c, S, s->vslot, dt, dv0);
    if (nbl + np > c->trs.cap) entries_big(c, es, &nbl);
    es[k].in = pois_lanes(c, nblk, blk, S->fmx[v], S->full[v], S->ssh[k], es[k].dst, es[k].fo, &nbl, k);
  }
  entries_big(c, es, &nbl);
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
static void set_entries_cut(struct bw_counts_ws *c, gset *S, int kind, double scale, nat_acc *a) {
  for (int g = 0; g < S->n; g++)
    for (int v = 0; v < NV; v++) {
      double mu = S->full[v][g] * scale;
      if (!(mu > 0)) continue;
      int e = pois_draw(c, mu, &c->pen);
      if (!e) continue;
      a->entries[v] += e;
      enter(c, c->spec[kind] + c->NL + 1 + v, c->NL + 1 + v, e, set_ref(S, g), a, &c->pst);
      if (v == V_IN) in_harvest(c, S, g);
    }
}

/* The Wlz: exits with the Wlz exit rate; q accumulates client-years. */
static void wlz_step(struct bw_counts_ws *c, const spec *S, double len, nat_acc *a) {
  const spec *s = S + c->sW;
  int W = a->wlz;
  if (!W) return;
  a->q += W * len;
  int L = leave_count(c, s, W, &c->pst);
  a->wlz = W - L;
  if (L && s->nd > 0) a->q += L * s->dtime[0][CL_W], a->vn[VN_W] += L * s->dv[0][1];
}

/* National split of the lumped I leavers of this step. */
static void lump_split(struct bw_counts_ws *c, const spec *S, nat_acc *a) {
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
  memcpy(c->vrest, wb, sizeof(uint32_t) * np); /* the next take may refill */
  const uint32_t *wm = bw_wpool_take(&c->pst, S->np);
  vflush(S->n, (const uint32_t *)c->vrest, wm, T + CL_I * np, T + CL_A * np, T + CL_M * np, T + TV_BW * np,
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
    in_harvest(c, &c->gem, g);
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
  wlz_step(c, S, len, a);
  set_live(c, &c->gem, kind, a);
  if (kind == 0) set_entries(c, &c->gem, a);
  else set_entries_cut(c, &c->gem, kind, scale, a);
  if (R->pair_active)
    for (int k = 0; k < c->npair; k++)
      if (!row_empty(c, k)) group_live(c, S, pair_ref(c, k), len, a);
  if (s >= 0) apply_records(c, s, a);
  lump_split(c, S, a);
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

/* Destination of one entrant of spec s: -1 main, else a leaver's index. */
static int entrant_dest(const spec *s, bw_wpool *wp) {
  if (bw_wpool_u01(wp) < 1.0 - s->b.p) return -1;
  return s->nd > 1 ? bw_pick_thr(s->thr, s->nd, bw_wpool_u32(wp)) : 0;
}

/* Entry type v of a set for this year, from S->full[v] (the per-step mean
 * of all its entrants): by Poisson thinning, one independent Poisson
 * stream per end state of the first step (the main phase and each leaver
 * destination of the entry spec), drawn per step and vectorised over the
 * lanes (set_entries). A cut step draws its entrants whole
 * (set_entries_cut). */
static int set_entry_year(run *R, gset *S, int v, int on) {
  struct bw_counts_ws *c = R->c;
  const spec *sv = c->spec[0] + c->NL + 1 + v;
  if (!on) return 0;
  int blk[MAXBLK + 1], nblk = set_blocks(S, blk);
  double any = 0;
  for (int b = 0; b < nblk; b++) {
    S->fmx[v][b] = vmaxmean(blk[b + 1] - blk[b], S->full[v] + blk[b]);
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
    vlam(ng, lam, a1, pop, c->ne, b1, c->histL);
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
    if (on) vscale2(G->np, G->full[v], c->lam + (size_t)care_of[v] * npg, share, per_step);
    else memset(G->full[v], 0, sizeof(double) * (size_t)G->np);
    /* old-regime I/A placed in a region (unless PAIR), central M: paid by
     * the region's centrumgemeente, so counted in its lane (Poisson
     * superposition: one stream with the summed mean) */
    int on_r = v == V_M ? !mo_local : old && !c->pair_mode;
    if (on_r) {
      double *rm = c->home2;
      region_means(c, m, care_of[v], rm);
      for (int r = 0; r < nr; r++) G->full[v][c->lane[m->d.r[r].centrum]] += rm[r] * share * per_step;
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
          int i = entrant_dest(S + c->NL + 1 + v, wp);
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
  memset(c->vsink, 0, sizeof(int32_t) * (size_t)G->np);
  memset(G->cnt, 0, sizeof(int32_t) * (size_t)c->NL * (size_t)G->np);
  memset(G->T, 0, sizeof(double) * NTS * (size_t)G->np);
  for (int x = 0; x < MAXPH; x++) c->inl[x].n = 0;
  c->oom = 0;
  prepare(c, m, o, cut_frac);

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
        int64_t s = vsum32(G->n, G->cnt + (size_t)j * G->np);
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

/* For tests of the samplers (tests/test_counts.c): n draws of Poisson(mean)
 * (pois = 1) or Binomial(trials, p) (pois = 0) through the lane samplers of
 * set_entries / set_live (pois_lanes, binom_lanes: the vectorised inversion
 * below BW_LANE_TRS_MEAN, PTRS / BTRS at or above), all lanes of the GEM set at once,
 * keyed (seed, rep, round); rep below 65536. 0, or -1 when out of memory or
 * on bad input. */
int bw_counts_test_draws(const bw_model *m, int pois, double mean_or_trials, double p, uint64_t seed, uint32_t rep,
                         int n, int32_t *out) {
  if (!(mean_or_trials >= 0) || (!pois && !(p >= 0 && p <= 1)) || n < 0) return -1;
  struct bw_counts_ws *c = bw_counts_ws_create(m);
  if (!c) return -1;
  gset *S = &c->gem;
  int np = S->np, blk[MAXBLK + 1], nblk = set_blocks(S, blk);
  double fmx[MAXBLK], dt[4] = {1, 0, 0, 0};
  int32_t mxb[MAXBLK];
  vdest d;
  memset(&d, 0, sizeof d);
  bw_binom_lane_make(&d.bn, &c->lt, p);
  for (int done = 0, round = 0; done < n; round++) {
    int L = n - done < S->n ? n - done : S->n;
    int32_t *dst = c->vsink, *src = S->cnt, *rest = c->vrest;
    double *full = S->full[0];
    for (int g = 0; g < np; g++) {
      dst[g] = 0;
      full[g] = g < L ? mean_or_trials : 0.0;
      rest[g] = src[g] = g < L ? (int32_t)mean_or_trials : 0;
    }
    for (int b = 0; b < nblk; b++) {
      fmx[b] = vmaxmean(blk[b + 1] - blk[b], full + blk[b]);
      mxb[b] = vmax(blk[b + 1] - blk[b], src + blk[b]);
    }
    fold2 fo = fold_make(c, S, TV_BW, dt, 0.0);
    /* the pools' year index has 8 bits: later rounds go to other keys */
    uint32_t key = rep * 65536u + (uint32_t)(round >> 8);
    bw_wpool_key(&c->pmi, seed, key, BW_RNG_COUNTS_BIG, (unsigned)round & 255u); /* the scalar continuations' */
    if (pois) {
      bw_wpool_key(&c->pen, seed, key, BW_RNG_COUNTS_ENTRY, (unsigned)round & 255u);
      int nbl = 0;
      estream es = {dst, fo, 0};
      pois_lanes(c, nblk, blk, fmx, full, 1.0, dst, fo, &nbl, 0);
      entries_big(c, &es, &nbl);
    } else {
      bw_wpool_key(&c->pst, seed, key, BW_RNG_COUNTS_STEP, (unsigned)round & 255u);
      binom_lanes(c, nblk, blk, mxb, &d, rest, dst, fo);
    }
    for (int g = 0; g < L; g++) out[done + g] = dst[g];
    done += L;
  }
  bw_counts_ws_free(c);
  return 0;
}
