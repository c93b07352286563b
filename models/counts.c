/* Client flows of one replication as counts: the count kernel
 * (run.kernel: counts), MODEL.md §3–4, §10.4.
 *
 * The same model as the individual kernel (models/flows.c), simulated as
 * numbers of clients instead of clients. It shares the outer draws
 * (models/uncertainty.c) and everything after the flows (models/budget.c),
 * not the client code. docs/counts.md describes it for users.
 *
 * State. Clients are counted per *payer group* and *phase*:
 *   - GEM g: clients whose care gemeente g pays (woonplaatsbeginsel: new
 *     regime; re-indicated old clients; new M clients after
 *     mo_decentralise_year), g = herkomst;
 *   - REG p: clients paid by the centrumgemeente of placement region p (the
 *     stock and every entry before the start year S; centrally paid M);
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
 * books (MODEL.md §3.5) and only q_t is needed.
 *
 * Time. Steps of 1/12 year (finer when a phase is left faster than 6 times
 * a year), aligned with the calendar years; the step that holds the
 * re-indication moment T is cut in two at T. A client's path is a
 * continuous-time Markov chain over the phases plus the absorbing states
 * "left I", "left A after a step-down in this step", "left A or M", "in the
 * Wlz", "left the Wlz", and P = exp(Q dt) is its exact step transition
 * matrix (Taylor series on precomputed powers of Q). Each step, the clients
 * of one phase of one group move by a multinomial draw with the row of P
 * (conditional binomials, one destination after the other), so the counts
 * at step boundaries have exactly the law of the individual model with
 * phase-type durations: there is no discretisation error in them. The
 * leavers of an I phase to "left", "Wlz" and "step-down and left" are
 * pooled per group and split nationally (the payer does not care which).
 * New indications arrive per step as Poisson counts (given the year's
 * negative-binomial Gamma mixing): the same as a yearly count with uniform
 * entry times. An entrant's end-of-step state has the law (1/dt) ∫ α P(s)
 * ds; by Poisson thinning, the entrants that end their first step in the
 * first phase are drawn per step, and the few that already moved on (and
 * the rare national-institution entrants) per year, each placed in its step
 * one by one ("records").
 * Client-time (the cost of MODEL.md §4, q_t of §3.5) is the exact
 * conditional expectation of the time spent in each care type during the
 * step given its start and end state, (∫ P(s) E_c P(dt − s) ds)_jd / P_jd
 * (Van Loan's integral by Gauss–Legendre). So every mean is exact; what is
 * left out is the spread of an exit moment within its month, a variance of
 * about dt²/12 per event: below 0.1 % of the variance of a gemeente's
 * yearly client-time.
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
 * Random numbers: pools of batch-Philox words (sim/rng_batch.h) keyed
 * (seed, replication, purpose, year), purposes BW_RNG_COUNTS_* (counts.h),
 * consumed in a fixed order: a replication is a pure function of (seed,
 * replication) whatever the thread count. A binomial or Poisson count is an
 * inversion of one 32-bit uniform: from 0, or, for a mean above BIG_MEAN,
 * outward from the mode; which of the two depends on the mean only, never
 * on the uniform (two orders of the support may not share one uniform).
 *
 * Speed: the GEM groups (lanes = gemeenten, largest population first) and
 * the REG groups (lanes = regions) are arrays over lanes, stepped by
 * vectorised inversions: the first K terms of the CDF for every lane of a
 * block at once (K from the block's largest mean), the rare lane whose
 * count lies beyond them finished one by one with the same word. PAIR
 * groups are stepped one by one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "counts.h"
#include "fastmath.h"
#include "rng_batch.h"

#ifndef BW_COUNTS_STEPS_PER_YEAR
#define BW_COUNTS_STEPS_PER_YEAR 12 /* monthly; a build option for experiments only */
#endif

enum {
  MAXPH = 16,             /* phases of one care type's duration law */
  MAXD = 4 * MAXPH + 2,   /* leaver destinations of one source */
  NT = 128,               /* cells below this size use a table for P(0) */
  NLF = 1 << 16,          /* log-factorial and 1/k tables */
  SMALL_MEAN = 8,         /* binomial mean from which the search starts at the mode */
  FEW = 8,                /* up to this many leavers each draw their own destination */
  KMAX_V = 64,            /* terms of the vectorised inversion */
  VB = 16,                /* lanes per block (alignment of the lane sets) */
  MAXBLK = 8              /* blocks of a lane set */
};

/* classes of client-time: who pays and at which tariff */
enum { CL_I = 0, CL_IN = 1, CL_A = 2, CL_M = 3, CL_W = 4, NCL = 5 };
/* leaver destinations besides a live phase */
enum { DEST_LUMP = -1, DEST_GONE = -2 };
/* national split of a lumped I leaver: left; left A after a step-down in the
 * same step; in the Wlz; transferred and left the Wlz in the step */
enum { LU_OUT = 0, LU_SDOUT = 1, LU_WLZ = 2, LU_WGONE = 3, NLU = 4 };
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

/* ---- random words -------------------------------------------------------------- */

/* A pool of Philox words keyed (seed, rep, purpose, year): the counters
 * (rep, c1, lane, block) for lanes 0 .. nlane − 1 and blocks 0, 1, 2, ...,
 * generated one block (4 nlane words) at a time by the vectorised batch. */
typedef struct {
  bw_rng_key key;
  uint32_t block;
  int pos, cap, nlane;
  uint32_t *c1a;       /* [nlane] this pool's family c1 */
  const uint32_t *c2a; /* [nlane] 0, 1, ..., nlane − 1 (the workspace's) */
  uint32_t *buf;       /* 4 nlane words */
} wpool;

static void pool_init(wpool *p, uint64_t seed, uint32_t rep, unsigned purpose, unsigned year) {
  p->key = bw_rng_make(seed, rep, 0, 0, 0, 0);
  uint32_t c1 = bw_rng_c1(purpose, year, 0);
  for (int i = 0; i < p->nlane; i++) p->c1a[i] = c1;
  p->block = 0;
  p->pos = p->cap;
}

static void pool_refill(wpool *p) {
  bw_rng_blocks(&p->key, p->c1a, p->c2a, p->block++, (size_t)p->nlane, p->buf, p->buf + p->nlane,
                p->buf + 2 * p->nlane, p->buf + 3 * p->nlane);
  p->pos = 0;
}

static inline uint32_t pool_u32(wpool *p) {
  if (p->pos == p->cap) pool_refill(p);
  return p->buf[p->pos++];
}

static inline double pool_u01(wpool *p) { return bw_u01(pool_u32(p)); }

/* n consecutive words (n <= cap); the rest of a buffer too short is skipped. */
static inline const uint32_t *pool_take(wpool *p, int n) {
  if (p->pos + n > p->cap) pool_refill(p);
  const uint32_t *w = p->buf + p->pos;
  p->pos += n;
  return w;
}

/* ---- transition tables ------------------------------------------------------- */

/* A binomial's success probability with what its samplers need. */
typedef struct {
  double p, q, lp, lq, r, ir; /* p, 1 − p, logs, p/q, q/p */
} bconst;

static bconst bconst_make(double p) {
  bconst b;
  if (!(p > 0)) p = 0;
  if (p > 1) p = 1;
  b.p = p;
  b.q = 1.0 - p;
  b.lp = p > 0 ? log(p) : -INFINITY;
  b.lq = p < 1 ? log1p(-p) : -INFINITY;
  b.r = b.q > 0 ? p / b.q : INFINITY;
  b.ir = p > 0 ? b.q / p : INFINITY;
  return b;
}

/* One source of moves in one step: a live phase, the Wlz or an entry type.
 * Its clients go to `main` (a live phase: itself) unless they leave
 * (binomial b); a leaver goes to dest[i] (cumulative thresholds thr). */
typedef struct {
  int cls;                 /* class of a live source's own time; -1 for entries */
  int main;                /* live index of the main destination (-1: the Wlz) */
  int nd;                  /* leaver destinations */
  bconst b;                /* success = leaving main */
  double base[NCL];        /* client-time per client ending in main */
  double pz[NT];           /* P(nobody leaves) = (1 − b.p)^n */
  int dest[MAXD];          /* live phase, DEST_LUMP or DEST_GONE */
  int sd[MAXD];            /* the move is a step-down I -> A */
  double pd[MAXD];         /* unconditional probability of dest i */
  uint64_t thr[MAXD];      /* a leaver goes to the first i with word < thr[i] */
  bconst cb[MAXD];         /* conditional binomials for many leavers */
  double dtime[MAXD][NCL]; /* client-time per leaver, relative to base */
  bconst lb[NLU - 1];      /* national split of lumped leavers */
  double lw[NLU];          /* Wlz client-time per lumped leaver of each kind */
} spec;

/* One destination of a live phase for the vectorised step of a lane set: the phase's
 * clients go to the destinations in turn by conditional binomials
 * (probability b.p of the clients not yet moved); the rest stay. */
typedef struct {
  int dest, sd;
  bconst b;
  double pz[NT];     /* (1 − b.p)^n */
  double cr[KMAX_V]; /* b.r / (i + 1) */
  double dt[4];      /* client-time (I, In, A, M) per mover, relative to staying */
} vdest;

typedef struct {
  double mu, imu, pmode;
  int mode; /* -1: nothing enters */
} pois;

typedef struct {
  int64_t stepdowns, transfers, entries[NV];
  int64_t *lump; /* [NS] lumped leavers of this step per source */
  int wlz;       /* clients in the Wlz now */
  double q;      /* Wlz client-years of this year */
} nat_acc;

/* An entrant placed one by one: step, group (GEM: g; else ng + AoS index),
 * entry type, destination (-1: main). */
typedef struct {
  int step, gid, v, i;
} erec;

/* A set of groups stored as arrays over lanes (stride np): the GEM groups
 * (lane = gemeente, largest population first so that blocks of lanes have
 * similar counts) or the REG groups (lane = region). */
typedef struct {
  int n, np;                 /* lanes, padded to a multiple of VB */
  int gid0;                  /* group id of lane 0 (records: GEM 0, REG ng) */
  int32_t *cnt;              /* [NL * np] */
  double *T;                 /* [4 * np] client-time of the year: I, In, A, M */
  int *payer;                /* [np] gemeente paying for lane */
  double *mu[NV], *ez[NV];   /* [np] per-step mean of main entrants, exp(−mean) */
  double *full[NV];          /* [np] per-step mean of all entrants */
  pois *pm[NV];              /* [np] mode-search law of the main entrants (big lanes) */
  int32_t ke[NV][MAXBLK];    /* inversion length of the entries per block, this year */
  double *mv;                /* [(NL * MAXD) * np] clients moved this year by phase and destination
                              * in full steps (their client-time is added once a year) */
  double *ev;                /* [NV * np] main entrants this year in full steps */
  int on[NV];                /* entry type has main entrants this year */
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
  double *Q, *Qp;             /* D*D, powers (kq+1)*D*D */
  int kq;
  double qnorm;
  double *Pm, *Pn, *Pw, *Pv, *J, *av, *tm, *row, *prv, *tmv; /* scratch */
  spec *spec[3];              /* per step kind: full step, the two parts of a cut step */
  vdest *vplan[3];            /* [NL * MAXD] per kind */
  int *nvd[3];                /* [NL] */
  double kind_len[3];
  double cache_mult[BW_NCARE], cache_cut;
  int cache_valid;
  /* groups */
  gset gem, reg;
  int *perm, *lane;           /* GEM lane -> gemeente, gemeente -> lane */
  int32_t *vrest, *vbad, *vsink; /* [max np] scratch */
  double *vx, *vy;            /* [max np] scratch */
  int32_t *kb;                /* [max np / VB] scratch: largest count per block */
  int pair_mode, npair, npair_max;
  int32_t *cnt;               /* PAIR rows: [row * NLP + phase] */
  double *tacc;               /* [row * 4] */
  int *payer, *pair_h, *pair_of; /* [row]; [row]; [p * ng + h] -> row, or -1 */
  /* entries */
  double *lam;                /* [g * 3] this year's mean per care type (after Gamma mixing) */
  double *home, *hist;        /* [nr] scratch */
  int *rcount, *cursor, *ebucket; /* [nr], [spy], [spy + 1] */
  erec *rec, *rec_tmp;
  size_t rec_n, rec_cap;
  double *lf, *invk;
  uint32_t *c2a;              /* [nlane] 0, 1, 2, ...: the pools' lane counters */
  wpool pst, pen, pmi;
  int64_t *lump;
};

static inline double lfact(const struct bw_counts_ws *c, int k) { return k < NLF ? c->lf[k] : lgamma(k + 1.0); }
static inline double invk(const struct bw_counts_ws *c, int k) { return k < NLF ? c->invk[k] : 1.0 / k; }

/* ---- samplers (one uniform each) ----------------------------------------- */

/* Binomial(n, p) by search outward from the mode: the pmf at the mode from
 * log-factorials, then the neighbours by the ratio recurrence, alternating
 * up and down (an exact inversion of one fixed ordering of the support). */
static int binom_mode(const struct bw_counts_ws *c, const bconst *b, int n, double u) {
  int m = (int)((n + 1) * b->p);
  if (m > n) m = n;
  double pm = bw_exp1(lfact(c, n) - lfact(c, m) - lfact(c, n - m) + m * b->lp + (n - m) * b->lq);
  u -= pm;
  if (u < 0) return m;
  int lo = m, hi = m;
  double plo = pm, phi = pm;
  for (;;) {
    if (hi < n) {
      phi *= (n - hi) * invk(c, hi + 1) * b->r;
      hi++;
      u -= phi;
      if (u < 0) return hi;
    }
    if (lo > 0) {
      plo *= lo * invk(c, n - lo + 1) * b->ir;
      lo--;
      u -= plo;
      if (u < 0) return lo;
    }
    if ((hi >= n || phi < 1e-18 * pm) && (lo <= 0 || plo < 1e-18 * pm)) return m; /* rounding residue */
  }
}

/* Binomial(n, p) by inversion from 0, given P(0) = p0. */
static inline int binom_low(const struct bw_counts_ws *c, const bconst *b, int n, double p0, double u) {
  double pr = p0, F = p0;
  int k = 0;
  while (u >= F) {
    if (k >= n || pr == 0.0) return k;
    pr *= (n - k) * invk(c, k + 1) * b->r;
    k++;
    F += pr;
  }
  return k;
}

static int binom_draw(const struct bw_counts_ws *c, const bconst *b, int n, double u) {
  if (n <= 0 || b->p <= 0) return 0;
  if (b->q <= 0) return n;
  if (n * b->p >= SMALL_MEAN) return binom_mode(c, b, n, u);
  double lz = n * b->lq;
  return binom_low(c, b, n, lz > -700 ? bw_exp1(lz) : 0.0, u);
}

/* Binomial(n, p) for a p not known in advance (stock placement). */
static int binom_any(const struct bw_counts_ws *c, wpool *wp, int n, double p) {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binom_any(c, wp, n, 1.0 - p);
  bconst b = bconst_make(p);
  return binom_draw(c, &b, n, pool_u01(wp));
}

/* How many of n clients leave source s this step. (Which inversion is used
 * depends on n and p only, never on the uniform: two inversions enumerate
 * the support in different orders, so they may not share a uniform.) */
static inline int leave_count(const struct bw_counts_ws *c, const spec *s, int n, wpool *wp) {
  double u = pool_u01(wp);
  if (n < NT && n * s->b.p < SMALL_MEAN) return u < s->pz[n] ? 0 : binom_low(c, &s->b, n, s->pz[n], u);
  return binom_draw(c, &s->b, n, u);
}

static pois pois_make(const struct bw_counts_ws *c, double mu) {
  pois p;
  p.mu = mu;
  if (!(mu > 0)) {
    p.mode = -1, p.imu = 0, p.pmode = 1;
    return p;
  }
  p.imu = 1.0 / mu;
  double fm = floor(mu);
  p.mode = fm > 2e9 ? 2000000000 : (int)fm;
  double lm = -mu + p.mode * log(mu) - lfact(c, p.mode);
  p.pmode = lm > -700 ? bw_exp1(lm) : exp(lm);
  return p;
}

/* Poisson by search outward from the mode (from 0 when the mean is below 1). */
static int pois_u(const struct bw_counts_ws *c, const pois *p, double u) {
  if (p->mode < 0) return 0;
  u -= p->pmode;
  if (u < 0) return p->mode;
  int lo = p->mode, hi = p->mode;
  double plo = p->pmode, phi = p->pmode;
  for (;;) {
    phi *= p->mu * invk(c, hi + 1);
    hi++;
    u -= phi;
    if (u < 0) return hi;
    if (lo > 0) {
      plo *= lo * p->imu;
      lo--;
      u -= plo;
      if (u < 0) return lo;
    }
    if (phi < 1e-18 * p->pmode && (lo <= 0 || plo < 1e-18 * p->pmode)) return p->mode;
  }
}

/* Poisson(mu) by inversion from 0, given P(0) = p0. */
static int pois_low(const struct bw_counts_ws *c, double mu, double p0, double u) {
  double pr = p0, F = p0;
  int k = 0;
  while (u >= F) {
    k++;
    pr *= mu * invk(c, k);
    F += pr;
    if (pr == 0.0) break;
  }
  return k;
}

static inline int pois_draw(const struct bw_counts_ws *c, const pois *p, wpool *wp) {
  return p->mode < 0 ? 0 : pois_u(c, p, pool_u01(wp));
}

/* Word -> index by cumulative thresholds. */
static inline int pick(const uint64_t *thr, int n, uint32_t w) {
  int i = 0;
  while (i < n - 1 && (uint64_t)w >= thr[i]) i++;
  return i;
}

/* ---- vectorised inversions over lanes ------------------------------------------- */

/* Lanes are handled in blocks; each block gets the inversion length K that
 * its largest mean needs (GEM lanes are sorted by population, so the blocks
 * [0,16) [16,32) [32,64) [64,128) [128,...) hold similar gemeenten). */

/* A lane is drawn on its own (search from the mode) when its mean exceeds
 * BIG_MEAN; every other lane by inversion from 0: the first K terms
 * vectorised, any rest one by one with the same word. The rule depends on
 * the mean only, so a lane's count does not depend on the K chosen for its
 * block (which only sets the speed). */
#define BIG_MEAN 40.0

/* Move Binomial(rest[g], p) clients from src to dst (a scratch sink for an
 * absorbing destination), counting them in acc, for the e lanes of a block:
 * inversion from 0 by the first K terms of the CDF (P0 gives P(0) =
 * (1 − p)^n: from the table pz for n < NT, or exp(n log(1 − p));
 * cr[i] = p/(1 − p)/(i + 1)). Lanes it cannot settle get bad[g] = 1 and move
 * nobody (the caller finishes them). Returns Σ moved, *nbad the number of
 * bad lanes. Branch-free so that GCC vectorises the loop; every clone does
 * the same IEEE operations, so the result does not depend on it. */
#define BW_CNT_VMOVE(NAME, K, P0DECL, BAD0)                                                              \
  BW_BATCH_CLONES static int64_t NAME(                                               \
      int e, const uint32_t *restrict w, const double *restrict pz, double lq,                       \
      const double *restrict cr, double p, int32_t *restrict rest, int32_t *restrict src,            \
      int32_t *restrict dst, double *restrict acc, int32_t *restrict bad, int *nbad) {               \
    int64_t s = 0;                                                                                   \
    int nb = 0;                                                                                      \
    (void)pz, (void)lq;                                                                              \
    for (int g = 0; g < e; g++) {                                                                    \
      double u = ((double)w[g] + 0.5) * (1.0 / 4294967296.0);                                        \
      int32_t ni = rest[g];                                                                          \
      double nn = (double)ni;                                                                        \
      P0DECL;                                                                                        \
      double F = p0, pr = p0, k = 0.0;                                                               \
      _Pragma("GCC unroll 64") for (int i = 0; i < K; i++) {                                         \
        k += u >= F ? 1.0 : 0.0;                                                                     \
        double f = nn - i;                                                                           \
        f = f > 0.0 ? f : 0.0;                                                                       \
        pr = pr * f * cr[i];                                                                         \
        F += pr;                                                                                     \
      }                                                                                              \
      double b = u >= F ? 1.0 : 0.0;                                                                 \
      b = BAD0 ? 1.0 : b;                                                                            \
      b = nn * p > BIG_MEAN ? 1.0 : b;                                                               \
      double xd = k * (1.0 - b); /* b is 0 or 1: exact */                                            \
      int32_t x = (int32_t)xd;                                                                       \
      bad[g] = (int32_t)b;                                                                           \
      nb += (int)b;                                                                                  \
      rest[g] -= x;                                                                                  \
      src[g] -= x;                                                                                   \
      dst[g] += x;                                                                                   \
      acc[g] += xd;                                                                                  \
      s += x;                                                                                        \
    }                                                                                                \
    *nbad = nb;                                                                                      \
    return s;                                                                                        \
  }
#define P0_TABLE                    \
  int32_t idx = ni < NT ? ni : NT - 1; \
  double p0 = pz[idx]
#define P0_EXP                           \
  double lz = nn * lq > -700.0 ? nn * lq : -700.0; \
  double p0 = bw_exp1(lz)
BW_CNT_VMOVE(vmove_t4, 4, P0_TABLE, ni >= NT)
BW_CNT_VMOVE(vmove_t8, 8, P0_TABLE, ni >= NT)
BW_CNT_VMOVE(vmove_t16, 16, P0_TABLE, ni >= NT)
BW_CNT_VMOVE(vmove_e32, 32, P0_EXP, 0)
BW_CNT_VMOVE(vmove_e64, 64, P0_EXP, 0)

/* Add Poisson(mu[g]) entrants (ez = exp(−mu), inv[i] = 1/(i + 1)) to dst,
 * counting them in acc, for the e lanes of a block; as the moves. */
#define BW_CNT_VENTER(K)                                                                             \
  BW_BATCH_CLONES static int64_t venter_##K(                                         \
      int e, const uint32_t *restrict w, const double *restrict mu, const double *restrict ez,       \
      const double *restrict inv, int32_t *restrict dst, double *restrict acc,                       \
      int32_t *restrict bad, int *nbad) {                                                            \
    int64_t s = 0;                                                                                   \
    int nb = 0;                                                                                      \
    for (int g = 0; g < e; g++) {                                                                    \
      double u = ((double)w[g] + 0.5) * (1.0 / 4294967296.0);                                        \
      double m = mu[g], p0 = ez[g], F = p0, pr = p0, k = 0.0;                                        \
      _Pragma("GCC unroll 64") for (int i = 0; i < K; i++) {                                         \
        k += u >= F ? 1.0 : 0.0;                                                                     \
        pr = pr * m * inv[i];                                                                        \
        F += pr;                                                                                     \
      }                                                                                              \
      double b = u >= F ? 1.0 : 0.0;                                                                 \
      b = m > BIG_MEAN ? 1.0 : b;                                                                    \
      double xd = k * (1.0 - b);                                                                     \
      int32_t x = (int32_t)xd;                                                                       \
      bad[g] = (int32_t)b;                                                                           \
      nb += (int)b;                                                                                  \
      dst[g] += x;                                                                                   \
      acc[g] += xd;                                                                                  \
      s += x;                                                                                        \
    }                                                                                                \
    *nbad = nb;                                                                                      \
    return s;                                                                                        \
  }
BW_CNT_VENTER(4)
BW_CNT_VENTER(8)
BW_CNT_VENTER(16)
BW_CNT_VENTER(32)
BW_CNT_VENTER(64)

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

/* Largest count of lanes [0, e). */
BW_BATCH_CLONES static int32_t vmax(int e, const int32_t *restrict cnt) {
  int32_t m = 0;
  for (int g = 0; g < e; g++) m = cnt[g] > m ? cnt[g] : m;
  return m;
}

/* Largest of lanes [0, e) among those at most BIG_MEAN. */
BW_BATCH_CLONES static double vmaxmean(int e, const double *restrict mu) {
  double m = 0;
  for (int g = 0; g < e; g++) {
    double y = mu[g] > BIG_MEAN ? 0.0 : mu[g];
    m = y > m ? y : m;
  }
  return m;
}

/* T[g] += x[g] d. */
BW_BATCH_CLONES static void vfold(int n, const double *restrict x, double *restrict T, double d) {
  for (int g = 0; g < n; g++) T[g] += x[g] * d;
}

/* out[g] = exp(−x[g]). */
BW_BATCH_CLONES static void vexpneg(int n, const double *restrict x, double *restrict out) {
  for (int g = 0; g < n; g++) out[g] = bw_exp1(-x[g]);
}

/* Terms of the vectorised inversion for the largest mean of a block (at most
 * BIG_MEAN): beyond K terms lie a Poisson(0.7) with probability 8e-4 (K = 4),
 * a Poisson(2.5) with 1e-3 (8), a Poisson(7) with 1.3e-3 (16), a
 * Poisson(18) with 5e-4 (32), a Poisson(40) with 1e-3 (64); binomials less. */
static int k_for(double mean) {
  return mean <= 0.7 ? 4 : mean <= 2.5 ? 8 : mean <= 7.0 ? 16 : mean <= 18.0 ? 32 : 64;
}

static const double INV_1[64] = {
    1.0, 1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5, 1.0 / 6, 1.0 / 7, 1.0 / 8,
    1.0 / 9, 1.0 / 10, 1.0 / 11, 1.0 / 12, 1.0 / 13, 1.0 / 14, 1.0 / 15, 1.0 / 16,
    1.0 / 17, 1.0 / 18, 1.0 / 19, 1.0 / 20, 1.0 / 21, 1.0 / 22, 1.0 / 23, 1.0 / 24,
    1.0 / 25, 1.0 / 26, 1.0 / 27, 1.0 / 28, 1.0 / 29, 1.0 / 30, 1.0 / 31, 1.0 / 32,
    1.0 / 33, 1.0 / 34, 1.0 / 35, 1.0 / 36, 1.0 / 37, 1.0 / 38, 1.0 / 39, 1.0 / 40,
    1.0 / 41, 1.0 / 42, 1.0 / 43, 1.0 / 44, 1.0 / 45, 1.0 / 46, 1.0 / 47, 1.0 / 48,
    1.0 / 49, 1.0 / 50, 1.0 / 51, 1.0 / 52, 1.0 / 53, 1.0 / 54, 1.0 / 55, 1.0 / 56,
    1.0 / 57, 1.0 / 58, 1.0 / 59, 1.0 / 60, 1.0 / 61, 1.0 / 62, 1.0 / 63, 1.0 / 64};

/* ---- workspace --------------------------------------------------------------- */

static void gset_free(gset *s) {
  free(s->cnt), free(s->T), free(s->payer), free(s->mv), free(s->ev);
  for (int v = 0; v < NV; v++) free(s->mu[v]), free(s->ez[v]), free(s->full[v]), free(s->pm[v]);
}

static int gset_alloc(gset *s, int n, int NL, int gid0) {
  memset(s, 0, sizeof *s);
  s->n = n;
  s->np = (n + VB - 1) / VB * VB;
  s->gid0 = gid0;
  size_t np = (size_t)s->np;
  s->cnt = calloc((size_t)NL * np, sizeof(int32_t));
  s->T = calloc(4 * np, sizeof(double));
  s->payer = calloc(np, sizeof(int));
  s->mv = calloc((size_t)NL * MAXD * np, sizeof(double));
  s->ev = calloc(NV * np, sizeof(double));
  int ok = s->cnt && s->T && s->payer && s->mv && s->ev;
  for (int v = 0; v < NV; v++) {
    s->mu[v] = calloc(np, sizeof(double));
    s->ez[v] = calloc(np, sizeof(double));
    s->full[v] = calloc(np, sizeof(double));
    s->pm[v] = calloc(np, sizeof(pois));
    ok = ok && s->mu[v] && s->ez[v] && s->full[v] && s->pm[v];
  }
  return ok ? 0 : -1;
}

void bw_counts_ws_free(struct bw_counts_ws *c) {
  if (!c) return;
  free(c->cls_of), free(c->ifam), free(c->Q), free(c->Qp);
  free(c->Pm), free(c->Pn), free(c->Pw), free(c->Pv), free(c->J), free(c->av), free(c->tm), free(c->row);
  free(c->prv), free(c->tmv);
  for (int k = 0; k < 3; k++) free(c->spec[k]), free(c->vplan[k]), free(c->nvd[k]);
  gset_free(&c->gem), gset_free(&c->reg);
  free(c->perm), free(c->lane), free(c->vrest), free(c->vbad), free(c->vsink), free(c->vx), free(c->vy), free(c->kb);
  free(c->cnt), free(c->tacc), free(c->payer), free(c->pair_h), free(c->pair_of);
  free(c->lam), free(c->home), free(c->hist), free(c->rcount), free(c->cursor), free(c->ebucket);
  free(c->rec), free(c->rec_tmp), free(c->lf), free(c->invk), free(c->c2a), free(c->lump);
  free(c->pst.buf), free(c->pen.buf), free(c->pmi.buf);
  free(c->pst.c1a), free(c->pen.c1a), free(c->pmi.c1a);
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

  /* steps per year: monthly, finer when a phase is left faster than 6
   * times a year at the central parameters */
  double rmax = p->wlz_exit_rate;
  for (int k = 0; k < BW_NCARE; k++)
    for (int i = 0; i < c->nph[k]; i++) {
      double r = c->ph[k].next[i] + c->ph[k].exit[i] + p->mortality_rate[k] + (k == BW_I ? p->wlz_hazard : 0);
      if (r > rmax) rmax = r;
    }
  int spy0 = BW_COUNTS_STEPS_PER_YEAR;
  c->spy = spy0 * (rmax > spy0 / 2.0 ? (int)ceil(rmax / (spy0 / 2.0)) : 1);
  if (c->spy > 12 * 64) c->spy = 12 * 64;

  c->pair_mode = pair_mode_of(m);
  c->npair_max = c->pair_mode ? ng * nr : 0;
  int ok = gset_alloc(&c->gem, ng, NL, 0) == 0 && gset_alloc(&c->reg, nr, NL, ng) == 0;
  size_t VP = (size_t)(c->gem.np > c->reg.np ? c->gem.np : c->reg.np);
  size_t A = (size_t)(c->npair_max > 0 ? c->npair_max : 1);
  int nlane = (int)VP / 4 + 1 > 256 ? (int)VP / 4 + 1 : 256;

  c->cls_of = malloc(sizeof(int) * (size_t)D);
  c->ifam = malloc(sizeof(int) * (size_t)D);
  c->Q = calloc((size_t)D * D, sizeof(double));
  c->Qp = malloc(sizeof(double) * 31 * (size_t)D * D);
  c->Pm = malloc(sizeof(double) * (size_t)D * D);
  c->Pn = malloc(sizeof(double) * 4 * (size_t)D * D);
  c->Pw = malloc(sizeof(double) * (size_t)D * D);
  c->Pv = malloc(sizeof(double) * (size_t)D * D);
  c->J = malloc(sizeof(double) * NCL * (size_t)D * D);
  c->av = malloc(sizeof(double) * NV * 4 * (size_t)D);
  c->tm = malloc(sizeof(double) * NCL * (size_t)D);
  c->row = malloc(sizeof(double) * (size_t)D);
  c->prv = malloc(sizeof(double) * NV * (size_t)D);
  c->tmv = malloc(sizeof(double) * NV * NCL * (size_t)D);
  ok = ok && c->cls_of && c->ifam && c->Q && c->Qp && c->Pm && c->Pn && c->Pw && c->Pv && c->J && c->av &&
       c->tm && c->row && c->prv && c->tmv;
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
  c->vy = calloc(VP, sizeof(double));
  c->kb = calloc(VP / VB + 1, sizeof(int32_t));
  c->cnt = calloc(A * (size_t)c->NLP, sizeof(int32_t));
  c->tacc = calloc(A * 4, sizeof(double));
  c->payer = calloc(A, sizeof(int));
  c->lam = malloc(sizeof(double) * (size_t)ng * BW_NCARE);
  c->home = malloc(sizeof(double) * (size_t)nr);
  c->hist = malloc(sizeof(double) * (size_t)nr);
  c->rcount = malloc(sizeof(int) * (size_t)nr);
  c->cursor = malloc(sizeof(int) * (size_t)(c->spy + 1));
  c->ebucket = malloc(sizeof(int) * (size_t)(c->spy + 2));
  c->lf = malloc(sizeof(double) * NLF);
  c->invk = malloc(sizeof(double) * NLF);
  c->c2a = malloc(sizeof(uint32_t) * (size_t)nlane);
  c->lump = calloc((size_t)NS, sizeof(int64_t));
  ok = ok && c->perm && c->lane && c->vrest && c->vbad && c->vsink && c->vx && c->vy && c->kb && c->cnt && c->tacc &&
       c->payer && c->lam && c->home && c->hist && c->rcount && c->cursor && c->ebucket && c->lf && c->invk &&
       c->c2a && c->lump;
  wpool *pools[3] = {&c->pst, &c->pen, &c->pmi};
  for (int i = 0; i < 3; i++) {
    pools[i]->nlane = nlane;
    pools[i]->cap = 4 * nlane;
    pools[i]->c1a = malloc(sizeof(uint32_t) * (size_t)nlane);
    pools[i]->c2a = c->c2a;
    pools[i]->buf = malloc(sizeof(uint32_t) * 4 * (size_t)nlane);
    ok = ok && pools[i]->buf && pools[i]->c1a;
  }
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
  for (int k = 0; k < NLF; k++) {
    c->lf[k] = lgamma(k + 1.0);
    c->invk[k] = k > 0 ? 1.0 / k : 0.0;
  }
  /* GEM lanes by population, descending (insertion sort, once per workspace) */
  for (int g = 0; g < ng; g++) c->perm[g] = g;
  for (int i = 1; i < ng; i++)
    for (int j = i; j > 0 && m->d.g[c->perm[j]].population > m->d.g[c->perm[j - 1]].population; j--) {
      int t = c->perm[j];
      c->perm[j] = c->perm[j - 1], c->perm[j - 1] = t;
    }
  for (int i = 0; i < ng; i++) c->lane[c->perm[i]] = i, c->gem.payer[i] = c->perm[i];
  for (int r = 0; r < nr; r++) c->reg.payer[r] = m->d.r[r].centrum;
  return c;
}

/* ---- the chain and its step tables ------------------------------------------ */

static void matmul(int D, const double *A, const double *B, double *C) {
  for (int i = 0; i < D; i++) {
    double *ci = C + (size_t)i * D;
    for (int j = 0; j < D; j++) ci[j] = 0.0;
    for (int k = 0; k < D; k++) {
      double a = A[(size_t)i * D + k];
      if (a == 0.0) continue;
      const double *bk = B + (size_t)k * D;
      for (int j = 0; j < D; j++) ci[j] += a * bk[j];
    }
  }
}

/* exp(Q s) from the stored powers of Q (Taylor; 1/23! < 4e-23), scaling and
 * squaring when ||Q s|| > 1. out must not be c->Pw. */
static void expm_at(struct bw_counts_ws *c, double s, double *out) {
  int D = c->D, sq = 0;
  double t = c->qnorm * s;
  while (t > 1.0) t *= 0.5, sq++;
  double h = ldexp(s, -sq), coef = 1.0;
  for (int i = 0; i < D * D; i++) out[i] = c->Qp[i];
  for (int k = 1; k <= c->kq; k++) {
    coef *= h / k;
    const double *Qk = c->Qp + (size_t)k * D * D;
    for (int i = 0; i < D * D; i++) out[i] += coef * Qk[i];
  }
  for (int j = 0; j < sq; j++) {
    matmul(D, out, out, c->Pw);
    memcpy(out, c->Pw, sizeof(double) * (size_t)D * D);
  }
  for (int i = 0; i < D * D; i++)
    if (out[i] < 0) out[i] = 0; /* rounding below zero of entries that are >= 0 */
}

/* Q of this replication: phase-type stays with the replication's mean
 * durations, competing Wlz hazard and mortality, step-down I -> A. */
static void chain_build(struct bw_counts_ws *c, const bw_model *m, const bw_outer *o) {
  const bw_params *p = &m->p;
  int D = c->D;
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
  c->qnorm = 0;
  for (int i = 0; i < D; i++) {
    double out = 0;
    for (int j = 0; j < D; j++)
      if (j != i) out += Q[(size_t)i * D + j];
    Q[(size_t)i * D + i] = -out;
    if (2 * out > c->qnorm) c->qnorm = 2 * out;
  }
  c->kq = 23;
  double *Qp = c->Qp;
  memset(Qp, 0, sizeof(double) * (size_t)D * D);
  for (int i = 0; i < D; i++) Qp[(size_t)i * D + i] = 1.0;
  for (int k = 1; k <= c->kq; k++) matmul(D, Qp + (size_t)(k - 1) * D * D, Q, Qp + (size_t)k * D * D);
}

/* Initial vector of an entry of type v over the chain states. */
static void entry_alpha(const struct bw_counts_ws *c, int v, double *a) {
  memset(a, 0, sizeof(double) * (size_t)c->D);
  static const int care[NV] = {BW_I, BW_I, BW_A, BW_M};
  static const int cls[NV] = {CL_I, CL_IN, CL_A, CL_M};
  for (int i = 0; i < c->nph[care[v]]; i++) a[c->off[cls[v]] + i] = c->ph[care[v]].alpha[i];
}

/* Fill one spec from a row of end-state probabilities pr[d] and the
 * client-time by class in the step jointly with the end state, tm[cl D + d].
 * src: the live phase or the Wlz (chain index), or -1 for an entry type. */
static void spec_build(const struct bw_counts_ws *c, spec *s, int src, int ifam, const double *pr,
                       const double *tm, double len) {
  int D = c->D, NL = c->NL;
  memset(s, 0, sizeof *s);
  s->cls = src >= 0 ? c->cls_of[src] : -1;
  int main = src >= 0 && src < NL ? src : -1;
  if (src < 0) {
    double best = -1;
    for (int d = 0; d < NL; d++)
      if (pr[d] > best) best = pr[d], main = d;
  }
  s->main = main;
  int self = src == c->sW ? c->sW : main;
  double pself = pr[self];
  if (src >= 0) {
    s->base[s->cls] = len; /* staying: the whole step in its own phase */
  } else if (pself > 0) {
    for (int k = 0; k < NCL; k++) s->base[k] = tm[k * D + main] / pself;
  }
  /* leaver destinations: other live phases one by one; the absorbing states
   * of an I source lumped (split nationally), of other sources gone */
  double lump_p = 0, lump_t[NCL] = {0}, gone_p = 0, gone_t[NCL] = {0};
  int nd = 0;
  for (int d = 0; d < D; d++) {
    if (d == self || !(pr[d] > 0)) continue;
    if (d < NL) {
      s->dest[nd] = d;
      s->sd[nd] = ifam && c->cls_of[d] == CL_A;
      s->pd[nd] = pr[d];
      for (int k = 0; k < NCL; k++) s->dtime[nd][k] = tm[k * D + d] / pr[d] - s->base[k];
      nd++;
    } else if (ifam) {
      lump_p += pr[d];
      for (int k = 0; k < NCL; k++) lump_t[k] += tm[k * D + d];
    } else {
      gone_p += pr[d];
      for (int k = 0; k < NCL; k++) gone_t[k] += tm[k * D + d];
    }
  }
  if (lump_p > 0) {
    s->dest[nd] = DEST_LUMP;
    s->pd[nd] = lump_p;
    for (int k = 0; k < NCL; k++) s->dtime[nd][k] = lump_t[k] / lump_p - s->base[k];
    nd++;
    int lu[NLU] = {c->sOI, c->sOA, c->sW, c->sWG};
    double rest = lump_p;
    for (int j = 0; j < NLU; j++) {
      double pj = pr[lu[j]] > 0 ? pr[lu[j]] : 0.0;
      if (j < NLU - 1) s->lb[j] = bconst_make(rest > 0 ? pj / rest : 0.0);
      rest -= pj;
      s->lw[j] = pj > 0 ? tm[CL_W * D + lu[j]] / pj : 0.0;
    }
  }
  if (gone_p > 0) {
    s->dest[nd] = DEST_GONE;
    s->pd[nd] = gone_p;
    for (int k = 0; k < NCL; k++) s->dtime[nd][k] = gone_t[k] / gone_p - s->base[k];
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
    s->cb[i] = bconst_make(rest > 0 ? s->pd[i] / rest : 1.0);
    rest -= s->pd[i];
  }
  if (ptot > 1) ptot = 1;
  s->b = bconst_make(ptot);
  double z = 1.0;
  for (int n = 0; n < NT; n++) s->pz[n] = z, z *= 1.0 - ptot;
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
    d->b = bconst_make(rest > 0 ? s->pd[i] / rest : 0.0);
    rest -= s->pd[i];
    double z = 1.0;
    for (int n = 0; n < NT; n++) d->pz[n] = z, z *= d->b.q;
    for (int t = 0; t < KMAX_V; t++) d->cr[t] = d->b.r < INFINITY ? d->b.r * c->invk[t + 1] : 0.0;
    for (int cl = 0; cl < 4; cl++) d->dt[cl] = s->dtime[i][cl];
  }
  *nvd = nd;
}

static const double GL_X[4] = {-0.86113631159405258, -0.33998104358485626, 0.33998104358485626,
                                0.86113631159405258};
static const double GL_W[4] = {0.34785484513745386, 0.65214515486254614, 0.65214515486254614,
                                0.34785484513745386};

/* The tables of a step of length len (kind 0: a full step; 1, 2: the parts
 * of the step cut at the re-indication moment). */
static void kind_build(struct bw_counts_ws *c, int kind, double len) {
  int D = c->D, NL = c->NL;
  size_t DD = (size_t)D * D;
  spec *S = c->spec[kind];
  c->kind_len[kind] = len;
  expm_at(c, len, c->Pm);
  for (int i = 0; i < 4; i++) expm_at(c, 0.5 * len * (1.0 + GL_X[i]), c->Pn + i * DD);

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
  for (int j = 0; j <= NL; j++) {
    for (int cl = 0; cl < NCL; cl++)
      for (int d = 0; d < D; d++) c->tm[cl * D + d] = c->J[(size_t)cl * DD + (size_t)j * D + d];
    spec_build(c, &S[j], j, c->ifam[j], c->Pm + (size_t)j * D, c->tm, len);
    if (j < NL) vplan_build(c, &S[j], c->vplan[kind] + (size_t)j * MAXD, &c->nvd[kind][j]);
  }

  /* entries at a uniform moment of the step: end state (1/len) ∫ α P(s) ds;
   * client-time (1/len) ∫∫_{r+v<=len} α P(r) E_cl P(v) dr dv, by Duffy's
   * map r = len ξ, v = len (1 − ξ) η and Gauss–Legendre in ξ and η */
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
  for (int i = 0; i < 4; i++) {
    double xi = 0.5 * (1.0 + GL_X[i]);
    for (int k = 0; k < 4; k++) {
      double eta = 0.5 * (1.0 + GL_X[k]);
      double w = 0.25 * GL_W[i] * GL_W[k] * len * (1.0 - xi);
      expm_at(c, len * (1.0 - xi) * eta, c->Pv);
      for (int v = 0; v < NV; v++) {
        const double *ai = c->av + ((size_t)v * 4 + i) * D;
        for (int x = 0; x < D; x++) {
          int cl = c->cls_of[x];
          if (cl < 0 || ai[x] == 0.0) continue;
          double *t = c->tmv + ((size_t)v * NCL + cl) * D;
          const double *Br = c->Pv + (size_t)x * D;
          for (int d = 0; d < D; d++) t[d] += w * ai[x] * Br[d];
        }
      }
    }
  }
  for (int v = 0; v < NV; v++)
    spec_build(c, &S[NL + 1 + v], -1, v == V_I || v == V_IN, c->prv + (size_t)v * D,
               c->tmv + (size_t)v * NCL * D, len);
}

/* The step tables of this replication (cached: they depend only on the
 * mean-duration multipliers). */
static void prepare(struct bw_counts_ws *c, const bw_model *m, const bw_outer *o, double cut_frac) {
  int same = c->cache_valid && c->cache_cut == cut_frac;
  for (int k = 0; k < BW_NCARE; k++) same = same && c->cache_mult[k] == o->duration_mult[k];
  if (same) return;
  chain_build(c, m, o);
  double dt = 1.0 / c->spy;
  kind_build(c, 0, dt);
  if (cut_frac > 0) {
    kind_build(c, 1, cut_frac * dt);
    kind_build(c, 2, (1.0 - cut_frac) * dt);
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
  nat_acc a;
} run;

/* One group's counts and client-time: a lane of a set (stride np) or a PAIR
 * row (stride 1). Group ids: GEM lane i -> i, REG lane r -> ng + r, PAIR row
 * k -> ng + nr + k. */
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
  gref r = {c->cnt + (size_t)k * c->NLP, c->tacc + (size_t)k * 4, 1, 1};
  return r;
}

static inline gref ref_of(struct bw_counts_ws *c, int gid) {
  if (gid < c->ng) return set_ref(&c->gem, gid);
  if (gid < c->ng + c->nr) return set_ref(&c->reg, gid - c->ng);
  return pair_ref(c, gid - c->ng - c->nr);
}

/* Move k leavers of source s (spec index src) to its destination i. */
static inline void move(const spec *s, int i, int k, int src, gref r, nat_acc *a) {
  for (int cl = 0; cl < 4; cl++) r.T[cl * r.ts] += k * s->dtime[i][cl];
  int d = s->dest[i];
  if (d >= 0) {
    r.n[d * r.ns] += k;
    if (s->sd[i]) a->stepdowns += k;
  } else if (d == DEST_LUMP) {
    a->lump[src] += k;
  }
}

/* Where L leavers go: each its own word when few, else a multinomial by
 * conditional binomials. */
static void scatter(const struct bw_counts_ws *c, const spec *s, int src, int L, gref r, nat_acc *a,
                    wpool *wp) {
  if (s->nd == 1) {
    move(s, 0, L, src, r, a);
  } else if (L <= FEW) {
    for (int l = 0; l < L; l++) move(s, pick(s->thr, s->nd, pool_u32(wp)), 1, src, r, a);
  } else {
    int rest = L;
    for (int i = 0; i < s->nd && rest > 0; i++) {
      int k = i == s->nd - 1 ? rest : binom_draw(c, &s->cb[i], rest, pool_u01(wp));
      if (k) move(s, i, k, src, r, a);
      rest -= k;
    }
  }
}

/* e clients enter through entry spec s (index src) this step. */
static void enter(const struct bw_counts_ws *c, const spec *s, int src, int e, gref r, nat_acc *a, wpool *wp) {
  for (int cl = 0; cl < 4; cl++) r.T[cl * r.ts] += e * s->base[cl];
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
  static const int bounds[] = {16, 32, 64, 128};
  int n = 0;
  blk[n++] = 0;
  for (int i = 0; i < 4; i++)
    if (bounds[i] < S->np) blk[n++] = bounds[i];
  blk[n] = S->np;
  return n;
}

/* One step of the live phases of a set of groups, vectorised over its
 * lanes: per phase (last first, so that movers are not moved twice) the
 * staying time, then the destinations in turn by conditional binomials. */
static void set_live(struct bw_counts_ws *c, gset *S, int kind, nat_acc *a) {
  int np = S->np, blk[MAXBLK], nblk = set_blocks(S, blk);
  double len = c->kind_len[kind];
  int32_t *rest = c->vrest, *bad = c->vbad;
  for (int j = c->NL - 1; j >= 0; j--) {
    int32_t *nj = S->cnt + (size_t)j * np;
    const spec *s = c->spec[kind] + j;
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
      const uint32_t *w = pool_take(&c->pst, np);
      /* full steps: count the movers, their client-time is added once a
       * year (fold_year); a cut step's kind adds it now */
      double *acc = kind == 0 ? S->mv + ((size_t)j * MAXD + i) * np : c->vx;
      int64_t moved = 0;
      for (int b = 0; b < nblk; b++) {
        int o = blk[b], e = blk[b + 1] - o, nb = 0;
        if (mxb[b] == 0) continue;
        double mmax = mxb[b] * d->b.p;
        int K = k_for(mmax < BIG_MEAN ? mmax : BIG_MEAN);
        int32_t all = mxb[b];
#define MV(F) F(e, w + o, d->pz, d->b.lq, d->cr, d->b.p, rest + o, nj + o, dst + o, acc + o, bad + o, &nb)
        if (all < NT && K <= 16) moved += K == 4 ? MV(vmove_t4) : K == 8 ? MV(vmove_t8) : MV(vmove_t16);
        else moved += K <= 32 ? MV(vmove_e32) : MV(vmove_e64);
#undef MV
        if (!nb) continue;
        /* the lanes the vector could not settle, with the same word */
        for (int g = o; g < o + e; g++) {
          if (!bad[g]) continue;
          int ni = rest[g];
          double u = bw_u01(w[g]);
          int k;
          if (ni * d->b.p > BIG_MEAN) {
            k = binom_mode(c, &d->b, ni, u);
          } else {
            double lz = ni * d->b.lq;
            k = binom_low(c, &d->b, ni, ni < NT ? d->pz[ni] : bw_exp1(lz > -700 ? lz : -700), u);
          }
          rest[g] -= k, nj[g] -= k, dst[g] += k;
          acc[g] += k;
          moved += k;
        }
      }
      if (kind != 0) {
        for (int cl = 0; cl < 4; cl++) vfold(np, acc, S->T + (size_t)cl * np, d->dt[cl]);
        memset(acc, 0, sizeof(double) * (size_t)np);
      }
      if (d->dest == DEST_LUMP) a->lump[j] += moved;
      if (d->sd) a->stepdowns += moved;
      left -= moved;
    }
  }
}

/* Entrants of a set that end their first step in the main phase: Poisson
 * per lane, vectorised; the others come as records. */
static void set_entries(struct bw_counts_ws *c, gset *S, nat_acc *a) {
  int np = S->np, blk[MAXBLK], nblk = set_blocks(S, blk);
  int32_t *bad = c->vbad;
  for (int v = 0; v < NV; v++) {
    if (!S->on[v]) continue;
    double *acc = S->ev + (size_t)v * np;
    const spec *s = c->spec[0] + c->NL + 1 + v;
    int32_t *dst = S->cnt + (size_t)s->main * np;
    const double *mu = S->mu[v], *ez = S->ez[v];
    const uint32_t *w = pool_take(&c->pen, np);
    int64_t in = 0;
    for (int b = 0; b < nblk; b++) {
      int o = blk[b], e = blk[b + 1] - o, K = S->ke[v][b], nb = 0;
      if (K == 0) continue;
#define EN(F) F(e, w + o, mu + o, ez + o, INV_1, dst + o, acc + o, bad + o, &nb)
      in += K == 4 ? EN(venter_4) : K == 8 ? EN(venter_8) : K == 16 ? EN(venter_16) : K == 32 ? EN(venter_32)
                                                                                          : EN(venter_64);
#undef EN
      if (!nb) continue;
      for (int g = o; g < o + e; g++) {
        if (!bad[g]) continue;
        double u = bw_u01(w[g]);
        int k = mu[g] > BIG_MEAN ? pois_u(c, &S->pm[v][g], u) : pois_low(c, mu[g], ez[g], u);
        dst[g] += k;
        acc[g] += k;
        in += k;
      }
    }
    a->entries[v] += in;
  }
}

/* Entrants of a cut step, lane by lane: Poisson with the part of the step's
 * mean, then their end state by the part's own law. */
static void set_entries_cut(struct bw_counts_ws *c, gset *S, int kind, double scale, nat_acc *a) {
  for (int g = 0; g < S->n; g++)
    for (int v = 0; v < NV; v++) {
      double mu = S->full[v][g] * scale;
      if (!(mu > 0)) continue;
      pois pc = pois_make(c, mu);
      int e = pois_draw(c, &pc, &c->pen);
      if (!e) continue;
      a->entries[v] += e;
      enter(c, c->spec[kind] + c->NL + 1 + v, c->NL + 1 + v, e, set_ref(S, g), a, &c->pst);
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
  if (L && s->nd > 0) a->q += L * s->dtime[0][CL_W];
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
      part[j] = binom_draw(c, &s->lb[j], rest, pool_u01(&c->pst));
      rest -= part[j];
    }
    part[NLU - 1] = rest;
    a->stepdowns += part[LU_SDOUT];
    a->transfers += part[LU_WLZ] + part[LU_WGONE];
    a->wlz += part[LU_WLZ];
    a->q += part[LU_WLZ] * s->lw[LU_WLZ] + part[LU_WGONE] * s->lw[LU_WGONE];
  }
}

static int row_empty(const struct bw_counts_ws *c, int k) {
  const int32_t *n = c->cnt + (size_t)k * c->NLP;
  int32_t any = 0;
  for (int j = 0; j < c->NL; j++) any |= n[j];
  return any == 0;
}

/* Cost of a group's client-time so far this year, to its payer (MODEL.md
 * §4): I and A to the BW cost, M to the MO cost, In nationally. */
static void flush(run *R, gref r, int payer) {
  size_t i = (size_t)payer * (size_t)R->ny + (size_t)R->y;
  double tI = r.T[CL_I * r.ts], tIn = r.T[CL_IN * r.ts], tA = r.T[CL_A * r.ts], tM = r.T[CL_M * r.ts];
  if (tI != 0 || tA != 0) R->w->cost_bw[i] += tI * R->yc[BW_I] + tA * R->yc[BW_A];
  if (tM != 0) R->w->cost_mo[i] += tM * R->yc[BW_M];
  if (tIn != 0) R->w->national[BW_Q_COST_NATIONAL_INST_EUR * R->ny + R->y] += tIn * R->yc[BW_I];
  for (int cl = 0; cl < 4; cl++) r.T[cl * r.ts] = 0;
}

/* Client-time of the movers and main entrants of this year's full steps
 * (counted in mv, ev): count × client-time per mover of the full step. */
static void fold_year(struct bw_counts_ws *c, gset *S) {
  int np = S->np;
  const spec *Sp = c->spec[0];
  for (int j = 0; j < c->NL; j++)
    for (int i = 0; i < c->nvd[0][j]; i++) {
      const vdest *d = c->vplan[0] + (size_t)j * MAXD + i;
      double *acc = S->mv + ((size_t)j * MAXD + i) * np;
      for (int cl = 0; cl < 4; cl++)
        if (d->dt[cl] != 0.0) vfold(np, acc, S->T + (size_t)cl * np, d->dt[cl]);
      memset(acc, 0, sizeof(double) * (size_t)np);
    }
  for (int v = 0; v < NV; v++) {
    const spec *s = Sp + c->NL + 1 + v;
    double *acc = S->ev + (size_t)v * np;
    for (int cl = 0; cl < 4; cl++)
      if (s->base[cl] != 0.0) vfold(np, acc, S->T + (size_t)cl * np, s->base[cl]);
    memset(acc, 0, sizeof(double) * (size_t)np);
  }
}

static void flush_all(run *R) {
  struct bw_counts_ws *c = R->c;
  fold_year(c, &c->gem);
  fold_year(c, &c->reg);
  for (int i = 0; i < c->gem.n; i++) flush(R, set_ref(&c->gem, i), c->gem.payer[i]);
  for (int i = 0; i < c->reg.n; i++) flush(R, set_ref(&c->reg, i), c->reg.payer[i]);
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
    gref h = set_ref(&c->gem, c->lane[c->pair_h[k]]);
    for (int j = 0; j < c->NL; j++) h.n[j * h.ns] += r.n[j], r.n[j] = 0;
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
    for (int cl = 0; cl < 4; cl++) r.T[cl * r.ts] += sp->base[cl];
    if (e->i < 0) r.n[sp->main * r.ns] += 1;
    else move(sp, e->i, 1, src, r, a);
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
  set_live(c, &c->reg, kind, a);
  if (kind == 0) {
    set_entries(c, &c->gem, a);
    set_entries(c, &c->reg, a);
  } else {
    set_entries_cut(c, &c->gem, kind, scale, a);
    set_entries_cut(c, &c->reg, kind, scale, a);
  }
  if (R->pair_active)
    for (int k = 0; k < c->npair; k++)
      if (!row_empty(c, k)) group_live(c, S, pair_ref(c, k), len, a);
  if (s >= 0) apply_records(c, s, a);
  lump_split(c, S, a);
}

/* Multinomial of n over weights wt[0..k) by conditional binomials. */
static void multinomial(const struct bw_counts_ws *c, wpool *wp, int n, const double *wt, int k, int *out) {
  double rest = 0;
  for (int i = 0; i < k; i++) rest += wt[i];
  for (int i = 0; i < k; i++) {
    int x = (i == k - 1 || !(rest > 0)) ? n : binom_any(c, wp, n, wt[i] / rest);
    if (x > n) x = n;
    out[i] = x;
    n -= x;
    rest -= wt[i];
  }
}

/* Stock on 1 Jan of the first year (MODEL.md §3.1): fixed counts, the Wlz
 * wave on I (§3.5), placement ∝ historical budget, phases by the
 * forward-recurrence law of the phase-type. Herkomst is drawn only when
 * someone is ever re-indicated (PAIR groups); otherwise it never matters to
 * a payer. */
static void simulate_stock(run *R, const bw_outer *o) {
  struct bw_counts_ws *c = R->c;
  const bw_model *m = R->m;
  const bw_params *p = &m->p;
  wpool *wp = &c->pmi;
  pool_init(wp, p->seed, R->rep, BW_RNG_COUNTS_STOCK, 0);
  double p_wave = p->wlz_p_wave * o->wlz_factor;
  if (p_wave > 1) p_wave = 1;
  static const int cls_of_care[BW_NCARE] = {CL_I, CL_A, CL_M};
  for (int care = 0; care < BW_NCARE; care++) {
    int N = (int)lround(p->stock[care]);
    if (care == BW_I) {
      R->wave = binom_any(c, wp, N, p_wave);
      N -= R->wave;
      R->a.wlz += R->wave;
      R->a.transfers += R->wave;
    }
    int first = c->off[cls_of_care[care]], nph = c->nph[care];
    if (care != BW_M && c->pair_mode) {
      /* one by one: region, herkomst (MODEL.md §3.1), phase */
      double cum[MAXPH], sum = 0;
      for (int i = 0; i < nph; i++) sum += c->pi_stock[care][i], cum[i] = sum;
      for (int i = 0; i < N; i++) {
        int r = bw_alias_draw(&m->region_bw, pool_u01(wp));
        double u1 = pool_u01(wp), u2 = pool_u01(wp), u3 = pool_u01(wp) * sum;
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
      for (int i = 0; i < nph; i++) c->reg.cnt[(size_t)(first + i) * c->reg.np + r] += ph[i];
    }
  }
}

/* Per-region mean of one care type's entries placed there: the home region
 * with probability 1 − p_outside_region, else another ∝ its historical
 * budget (MODEL.md §3.2). */
static void region_means(struct bw_counts_ws *c, const bw_model *m, int care, double *out) {
  int nr = m->nr;
  double po = m->p.p_outside_region, H = 0;
  double *home = c->home, *h = c->hist;
  for (int r = 0; r < nr; r++) home[r] = 0;
  for (int g = 0; g < m->ng; g++) home[m->d.g[g].region] += c->lam[(size_t)g * BW_NCARE + care];
  for (int r = 0; r < nr; r++) {
    h[r] = care == BW_M ? m->d.r[r].hist_budget_mo_eur : m->d.r[r].hist_budget_bw_eur;
    H += h[r];
  }
  for (int p = 0; p < nr; p++) out[p] = nr == 1 ? home[p] : (1.0 - po) * home[p];
  if (nr == 1) return;
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
static int entrant_dest(const spec *s, wpool *wp) {
  if (pool_u01(wp) < 1.0 - s->b.p) return -1;
  return s->nd > 1 ? pick(s->thr, s->nd, pool_u32(wp)) : 0;
}

/* Entry type v of a set for this year, from S->full[v] (the per-step mean of
 * all its entrants): by Poisson thinning, those that end their first step in
 * the main phase per step (vectorised), the others (and every national
 * institution entrant) over the year, each with its step and end state, as
 * records; none in a cut step, whose entrants are drawn whole. */
static int set_entry_year(run *R, gset *S, int v, int on) {
  struct bw_counts_ws *c = R->c;
  const spec *sv = c->spec[0] + c->NL + 1 + v;
  wpool *wp = &c->pmi;
  int spy = c->spy;
  double pmain = v == V_IN ? 0.0 : 1.0 - sv->b.p;
  S->on[v] = on && v != V_IN;
  if (!on) {
    for (int b = 0; b < MAXBLK; b++) S->ke[v][b] = 0;
    return 0;
  }
  double *other = c->vx;
  for (int g = 0; g < S->np; g++) {
    S->mu[v][g] = S->full[v][g] * pmain;
    other[g] = S->full[v][g] * (1.0 - pmain) * spy;
  }
  vexpneg(S->np, S->mu[v], S->ez[v]);
  int blk[MAXBLK], nblk = set_blocks(S, blk);
  for (int b = 0; b < nblk; b++) {
    int o = blk[b], e = blk[b + 1] - o;
    double mx = vmaxmean(e, S->mu[v] + o), any = 0;
    for (int g = o; g < o + e; g++) {
      any += S->mu[v][g];
      if (S->mu[v][g] > BIG_MEAN) S->pm[v][g] = pois_make(c, S->mu[v][g]);
    }
    S->ke[v][b] = any > 0 ? k_for(mx) : 0;
  }
  vexpneg(S->np, other, c->vy);
  for (int g = 0; g < S->n; g++) {
    if (!(other[g] > 0)) continue;
    double u = pool_u01(wp);
    int k;
    if (other[g] > BIG_MEAN) {
      pois pc = pois_make(c, other[g]);
      k = pois_u(c, &pc, u);
    } else {
      k = pois_low(c, other[g], c->vy[g], u);
    }
    for (int e = 0; e < k; e++) {
      int s = (int)(((uint64_t)pool_u32(wp) * (uint64_t)spy) >> 32);
      int i = v == V_IN ? entrant_dest(sv, wp) : (sv->nd > 1 ? pick(sv->thr, sv->nd, pool_u32(wp)) : 0);
      if (s == R->cut_step) continue;
      if (rec_push(c, s, S->gid0 + g, v, i)) return -1;
    }
  }
  return 0;
}

/* The year's entries (MODEL.md §3.2): means per gemeente and care type with
 * need, ε_g, supply attraction and growth; negative-binomial Gamma mixing;
 * then per set (GEM: new regime and decentralised M; REG: entries before S
 * and central M) the laws of set_entry_year; in a PAIR year every
 * old-regime I/A entrant one by one. */
static int year_entries(run *R, const bw_outer *o) {
  struct bw_counts_ws *c = R->c;
  const bw_model *m = R->m;
  const bw_params *p = &m->p;
  bw_workspace *w = R->w;
  int y = R->y, ny = m->ny, ng = m->ng, nr = m->nr, spy = c->spy;
  int year = p->first_year + y;
  int old = year < p->start_year;
  int mo_local = p->mo_decentralise_year > 0 && year >= p->mo_decentralise_year;
  double pop_k = m->pop_total[y] / 1000.0, at = p->supply_attraction, ns = p->national_institution_share;
  for (int care = 0; care < BW_NCARE; care++) {
    double level = p->rate_per_1000[care] * o->rate_mult[care] * pow(1.0 + p->growth[care], y);
    double k_disp = p->dispersion[care];
    for (int g = 0; g < ng; g++) {
      double need = m->pop[g * ny + y] / 1000.0 * m->need[g] * w->eps[g];
      double mu = care == BW_M ? level * need : level * ((1.0 - at) * need + at * pop_k * m->hist_bw[g]);
      double lam = 0;
      if (mu > 0) {
        if (isinf(k_disp)) {
          lam = mu;
        } else {
          bw_rng_gsl_reset(w->rng, bw_rng_make(p->seed, R->rep, BW_RNG_COUNTS_GAMMA, (unsigned)y, (unsigned)g,
                                               (uint32_t)care));
          lam = gsl_ran_gamma(w->rng, k_disp, mu / k_disp);
        }
      }
      c->lam[(size_t)g * BW_NCARE + care] = lam;
    }
  }
  double per_step = 1.0 / spy;
  pool_init(&c->pmi, p->seed, R->rep, BW_RNG_COUNTS_PAIR, (unsigned)y);
  c->rec_n = 0;
  for (int s = 0; s <= spy; s++) c->ebucket[s] = 0;

  static const int care_of[NV] = {BW_I, BW_I, BW_A, BW_M};
  for (int v = 0; v < NV; v++) {
    double share = v == V_I ? 1.0 - ns : v == V_IN ? ns : 1.0;
    /* GEM: new-regime I/A (woonplaatsbeginsel), M once decentralised */
    int on = v == V_M ? mo_local : !old;
    gset *G = &c->gem;
    for (int i = 0; i < G->np; i++)
      G->full[v][i] = on && i < ng ? c->lam[(size_t)c->perm[i] * BW_NCARE + care_of[v]] * share * per_step : 0.0;
    if (set_entry_year(R, G, v, on)) return -1;
    /* REG: old-regime I/A placed in the region (unless PAIR), central M */
    on = v == V_M ? !mo_local : old && !c->pair_mode;
    gset *Rg = &c->reg;
    for (int i = 0; i < Rg->np; i++) Rg->full[v][i] = 0.0;
    if (on) {
      region_means(c, m, care_of[v], Rg->full[v]);
      for (int r = 0; r < nr; r++) Rg->full[v][r] *= share * per_step;
    }
    if (set_entry_year(R, Rg, v, on)) return -1;
  }

  /* PAIR year: every I/A entrant one by one (placement, national
   * institution, step, end state); a PAIR year never holds the cut */
  if (old && c->pair_mode) {
    wpool *wp = &c->pmi;
    const spec *S = c->spec[0];
    for (int g = 0; g < ng; g++) {
      int region = m->d.g[g].region;
      for (int care = BW_I; care <= BW_A; care++) {
        pois pc = pois_make(c, c->lam[(size_t)g * BW_NCARE + care]);
        int N = pois_draw(c, &pc, wp);
        for (int e = 0; e < N; e++) {
          int s = (int)(((uint64_t)pool_u32(wp) * (uint64_t)spy) >> 32);
          int r = pool_u01(wp) < p->p_outside_region ? bw_alias_draw(&m->other_bw[region], pool_u01(wp)) : region;
          int v = care == BW_A ? V_A : (pool_u01(wp) < ns ? V_IN : V_I);
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

  /* EUR per client-year by care type and year (MODEL.md §4), as flows.c */
  for (int k = 0; k < BW_NCARE; k++)
    for (int y = 0; y < ny; y++) {
      double v = p->tariff_eur_per_day[k] * 365.0 * pow(1.0 + o->cost_index, y);
      if (k == BW_M && p->first_year + y >= p->mo_extra_from) v *= 1.0 + p->mo_extra_eur / m->macro_mo_2021;
      w->year_cost[k * ny + y] = v;
    }

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
    memset(c->tacc, 0, sizeof(double) * (size_t)c->npair_max * 4);
  }
  gset *sets[2] = {&c->gem, &c->reg};
  for (int k = 0; k < 2; k++) {
    memset(sets[k]->cnt, 0, sizeof(int32_t) * (size_t)c->NL * (size_t)sets[k]->np);
    memset(sets[k]->T, 0, sizeof(double) * 4 * (size_t)sets[k]->np);
  }
  prepare(c, m, o, cut_frac);

  simulate_stock(&R, o);
  int64_t stock_total = 0, entries_total = 0, stepdowns_total = 0;
  for (int k = 0; k < BW_NCARE; k++) stock_total += lround(p->stock[k]);

  double *nat = w->national;
  static const int cls_of_care[BW_NCARE] = {CL_I, CL_A, CL_M};
  for (int y = 0; y < ny; y++) {
    R.y = y;
    for (int k = 0; k < BW_NCARE; k++) R.yc[k] = w->year_cost[k * ny + y];
    R.cut_step = (R.pair_active && cut_frac > 0 && cut_gs / c->spy == y) ? (int)(cut_gs % c->spy) : -1;
    pool_init(&c->pst, p->seed, rep, BW_RNG_COUNTS_STEP, (unsigned)y);
    pool_init(&c->pen, p->seed, rep, BW_RNG_COUNTS_ENTRY, (unsigned)y);
    if (year_entries(&R, o)) return -1;

    /* in care on 1 Jan, excluding national institutions and the Wlz; the
     * first year's count is taken before the wave (MODEL.md §3.5) */
    double jan[BW_NCARE] = {y == 0 ? R.wave : 0, 0, 0};
    for (int k = 0; k < BW_NCARE; k++)
      for (int i = 0; i < c->nph[k]; i++) {
        int j = c->off[cls_of_care[k]] + i;
        int64_t s = 0;
        for (int t = 0; t < 2; t++) {
          const int32_t *col = sets[t]->cnt + (size_t)j * sets[t]->np;
          for (int g = 0; g < sets[t]->n; g++) s += col[g];
        }
        if (R.pair_active)
          for (int row = 0; row < c->npair; row++) s += c->cnt[(size_t)row * c->NLP + j];
        jan[k] += (double)s;
      }
    for (int k = 0; k < BW_NCARE; k++) nat[(BW_Q_CLIENTS_I_JAN1 + k) * ny + y] = jan[k];

    R.a.stepdowns = 0, R.a.q = 0;
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
    flush_all(&R);

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
  w->stays = (uint64_t)(stock_total - R.wave + entries_total + stepdowns_total);
  return 0;
}
