/* The sampler library: every random variate both kernels draw, once, each
 * with its scalar and its vectorised (batch, "lanes") twin side by side.
 * No model knowledge: counts, means, probabilities and words in, draws out.
 *
 * Files (GSL randist style, one per algorithm family; each states its
 * algorithm, source, constants and switch points in its top comment):
 *   sample.h           this API
 *   wpool.h, wpool.c   word pools: batch-Philox words keyed (seed, rep,
 *                      purpose, year), consumed in a fixed order
 *   sample_poisson.c   Poisson: inversion from 0, search from the mode,
 *                      PTRS (scalar and lane rounds), lane inversions
 *   sample_binomial.c  binomial: inversion from 0, search from the mode,
 *                      BTRS (scalar and lane rounds), the p > 1/2
 *                      reflection, lane inversions, the P(0) table
 *   lane_scan.h        (private) the lane inversions' early exit on AVX-512
 *   sample_trs.c       rounds of vectorised transformed rejection (PTRS or
 *                      BTRS) over a compacted list of draws
 *   sample_weibull.c   Weibull by inversion (batch) and the forward
 *                      recurrence residual of a Weibull stay (rejection)
 * The scalar samplers that the kernels call per draw are inline below.
 *
 * Two word conventions, one per kernel, which the library keeps apart
 * because changing either changes every draw (tests/test_golden.c):
 *   - 53-bit uniforms (the individual kernel, bw_u01_53 of two words from a
 *     client's own stream): bw_poisson_inv, bw_ptrs_*, bw_poisson_draw
 *     compute with libm's log and GSL's log-factorials;
 *   - 32-bit uniforms (the count kernel, bw_u01 of one word of a pool):
 *     the bw_pois_*, bw_binom_* and lane samplers compute with the fast
 *     log/exp of fastmath.h and the tables of a bw_lftab.
 *   They are the same algorithms (the PTRS constants are written once,
 *   BW_PTRS_*), with different rounding; each is exact for its law.
 *
 * Switch points (why, in the family files):
 *   BW_POIS_INV_MAX       10   53-bit Poisson: inversion below, PTRS at/above
 *   BW_BINOM_MODE_MEAN     8   scalar binomial: inversion from 0 below n p = 8,
 *                              search from the mode at/above
 *   BW_SEARCH_MAX_MEAN    40   count kernel's scalar paths: search (mode or 0)
 *                              up to a mean of 40, PTRS / BTRS above
 *   BW_LANE_TRS_MEAN      18   lane samplers: inversion from 0 below a mean
 *                              of 18, PTRS / BTRS at/above
 *   BW_PZ_N              128   binomial P(0) = (1 - p)^n from a table for
 *                              n < 128, else by exp(n log(1 - p))
 *   p > 1/2: a binomial is drawn as n minus Binomial(n, 1 - p).
 * Which algorithm draws a variate depends on its parameters only, never on
 * the uniform (two inversions enumerate the support in different orders, so
 * they may not share a uniform).
 *
 * Bits: every function computes with IEEE +, -, *, / and the fastmath.h
 * functions in the order written (-ffp-contract=off); the vector twins do
 * the same operations in the same order as their scalar twins, so every
 * instruction-set clone (BW_BATCH_CLONES) gives the same draws.
 */
#ifndef BW_SAMPLE_H
#define BW_SAMPLE_H

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_sf_gamma.h>

#include "fastmath.h"
#include "rng.h"
#include "wpool.h"

/* ==== constants ============================================================ */

#define BW_POIS_INV_MAX 10.0
#define BW_BINOM_MODE_MEAN 8.0
#define BW_SEARCH_MAX_MEAN 40.0
#define BW_LANE_TRS_MEAN 18.0
enum {
  BW_PZ_N = 128,       /* P(0) table length */
  BW_LFT_N = 1 << 16,  /* log k! and 1/k tables */
  BW_LANE_KMAX = 32    /* most terms of a lane inversion */
};

/* PTRS (Hörmann 1993) constants: b = B0 + B1 √μ, a = A0 + A1 b,
 * 1/α = IA0 + IA1 / (b − IA2), v_r = VR0 − VR1 / (b − VR2), k = ⌊(2a/us + b) U
 * + μ + K0⌋; squeeze us >= US_FAST and V <= v_r; reject us < US_REJ and V > us. */
#define BW_PTRS_B0 0.931
#define BW_PTRS_B1 2.53
#define BW_PTRS_A0 (-0.059)
#define BW_PTRS_A1 0.02483
#define BW_PTRS_IA0 1.1239
#define BW_PTRS_IA1 1.1328
#define BW_PTRS_IA2 3.4
#define BW_PTRS_VR0 0.9277
#define BW_PTRS_VR1 3.6224
#define BW_PTRS_VR2 2.0
#define BW_PTRS_K0 0.43
#define BW_TRS_US_FAST 0.07
#define BW_TRS_US_REJ 0.013

/* ==== uniforms, thresholds, small discrete draws ============================ */

/* Uniform on the open interval (0, 1) from the 53 bits of bw_u01_53 (hi, lo),
 * plus 2^-54 (exact): for a V whose logarithm is taken. */
static inline double bw_u01_53_open(uint32_t hi, uint32_t lo) {
  return ((double)(((uint64_t)(hi >> 5) << 26) | (lo >> 6)) + 0.5) * (1.0 / 9007199254740992.0);
}

/* bw_u01_53 / bw_u01_53_open of the next two words of stream s. */
static inline double bw_stream_u53(bw_rng_stream *s) {
  uint32_t hi = bw_rng_stream_u32(s);
  uint32_t lo = bw_rng_stream_u32(s);
  return bw_u01_53(hi, lo);
}
static inline double bw_stream_u53_open(bw_rng_stream *s) {
  uint32_t hi = bw_rng_stream_u32(s);
  uint32_t lo = bw_rng_stream_u32(s);
  return bw_u01_53_open(hi, lo);
}

/* Bernoulli(p) as an integer test: bw_u01(w) < p iff w < bw_u01_below(p).
 * (p 2^32 − 1/2 is exact in double, and w < ceil(p 2^32 − 1/2) iff
 * w + 1/2 < p 2^32.) Result in [0, 2^32]. */
uint64_t bw_u01_below(double p);

/* Index by cumulative 33-bit thresholds thr[0 .. n − 2] (thr[n − 1] = 2^32):
 * the first i with w < thr[i]; one word, a search from 0. */
static inline int bw_pick_thr(const uint64_t *thr, int n, uint32_t w) {
  int i = 0;
  while (i < n - 1 && (uint64_t)w >= thr[i]) i++;
  return i;
}

/* Irwin–Hall: the four bytes b_j of one word as (Σ (b_j + 1/2) / 256 − 2)
 * times scale, mean 0, variance (1 − 2^-16) scale² / 3, bounded by
 * ±2 scale. scale = sqrt(3 / (1 − 2^-16)) gives variance 1. */
static inline double bw_irwin_hall4(uint32_t w, double scale) {
  double sum = (double)(w & 255u) + (double)((w >> 8) & 255u) + (double)((w >> 16) & 255u) + (double)(w >> 24);
  return ((sum + 2.0) / 256.0 - 2.0) * scale;
}

/* floor(y) for |y| <= 1e9, y clamped to that range first: a floor that GCC
 * vectorises (no conversion; t is y rounded to the nearest integer by the
 * 1.5 2^52 shifter, in the default rounding mode). For the lane rounds of
 * transformed rejection: wherever the scalar twin decides with floor(), this
 * is the same value. */
static inline double bw_floor_lanes(double y) {
  double lo = y < -1e9 ? -1e9 : y;
  double yc = lo > 1e9 ? 1e9 : lo;
  double t = (yc + 0x1.8p52) - 0x1.8p52;
  return t - (t > yc ? 1.0 : 0.0);
}

/* Exponential times with rate h from words: out[i] = −log(bw_u01(w[i])) / h,
 * or INFINITY for every i when h <= 0. */
void bw_exp_rate_batch(const uint32_t *w, double h, double *out, size_t n);

/* ==== log-factorial and reciprocal tables ================================== */

/* lf[k] = lgamma(k + 1), invk[k] = 1/k (invk[0] = 0) for k < BW_LFT_N; the
 * accessors fall back to lgamma and a division beyond. */
typedef struct {
  double *lf, *invk;
} bw_lftab;

int bw_lftab_init(bw_lftab *t); /* 0, or -1 (out of memory) */
void bw_lftab_free(bw_lftab *t);
static inline double bw_lfact(const bw_lftab *t, int k) { return k < BW_LFT_N ? t->lf[k] : lgamma(k + 1.0); }
static inline double bw_invk(const bw_lftab *t, int k) { return k < BW_LFT_N ? t->invk[k] : 1.0 / k; }

/* ==== Poisson (sample_poisson.c) ============================================ */

/* -- 53-bit variant (the individual kernel) -- */

/* μ < 10: the smallest x with F(x) >= u (F summed from 0, capped at 80). */
static inline unsigned bw_poisson_inv(double u, double mu) {
  double p = bw_exp1(-mu), F = p;
  unsigned x = 0;
  while (u > F && x < 80) {
    x++;
    p *= mu / x;
    F += p;
  }
  return x;
}

/* μ >= 10: PTRS; one proposal from U on [0, 1) and V on (0, 1): k, or −1. */
typedef struct {
  double mu, log_mu, a, b, inv_alpha, vr;
} bw_ptrs;

static inline void bw_ptrs_init(bw_ptrs *q, double mu) {
  q->mu = mu;
  q->log_mu = log(mu);
  q->b = BW_PTRS_B0 + BW_PTRS_B1 * sqrt(mu);
  q->a = BW_PTRS_A0 + BW_PTRS_A1 * q->b;
  q->inv_alpha = BW_PTRS_IA0 + BW_PTRS_IA1 / (q->b - BW_PTRS_IA2);
  q->vr = BW_PTRS_VR0 - BW_PTRS_VR1 / (q->b - BW_PTRS_VR2);
}

static inline double bw_ptrs_try(const bw_ptrs *q, double u1, double u2) {
  double U = u1 - 0.5, V = u2;
  double us = 0.5 - fabs(U);
  double k = floor((2.0 * q->a / us + q->b) * U + q->mu + BW_PTRS_K0);
  if (us >= BW_TRS_US_FAST && V <= q->vr) return k;
  if (k < 0 || (us < BW_TRS_US_REJ && V > us)) return -1;
  double log_kfact = k < 4294967295.0 ? gsl_sf_lnfact((unsigned)k) : gsl_sf_lngamma(k + 1.0);
  if (log(V) + log(q->inv_alpha) - log(q->a / (us * us) + q->b) <= -q->mu + k * q->log_mu - log_kfact)
    return k;
  return -1;
}

/* Poisson(μ) from the words of s in order: one 53-bit uniform for the
 * inversion (μ < 10), two (U, then V open) per PTRS proposal. 0 for μ <= 0. */
static inline unsigned bw_poisson_draw(bw_rng_stream *s, double mu) {
  if (!(mu > 0)) return 0;
  if (mu < BW_POIS_INV_MAX) return bw_poisson_inv(bw_stream_u53(s), mu);
  bw_ptrs q;
  bw_ptrs_init(&q, mu);
  for (;;) {
    double u1 = bw_stream_u53(s);
    double k = bw_ptrs_try(&q, u1, bw_stream_u53_open(s));
    if (k >= 0) return (unsigned)k;
  }
}

/* Lane twins: bw_poisson_inv for n means in (0, 10) (p, F scratch; x[i] the
 * count); the first PTRS proposal's squeeze (k[i] the count when μ >= 10
 * and the squeeze accepts, else −1). */
void bw_poisson_inv_lanes(const double *mu, const double *u, double *p, double *F, double *x, int n);
void bw_ptrs_squeeze_lanes(const double *mu, const double *u1, const double *u2, double *k, int n);

/* -- 32-bit variant (the count kernel) -- */

/* Poisson(μ) by inversion from 0, given P(0) = p0 (u >= F: next term). */
int bw_pois_low(const bw_lftab *t, double mu, double p0, double u);

/* Search outward from the mode (alternating up and down): an exact
 * inversion of one fixed ordering of the support. mode −1: μ <= 0, draws 0. */
typedef struct {
  double mu, imu, pmode;
  int mode;
} bw_pois_mode_c;
bw_pois_mode_c bw_pois_mode_make(const bw_lftab *t, double mu);
int bw_pois_mode(const bw_lftab *t, const bw_pois_mode_c *p, double u);

/* PTRS, μ >= 10: the first proposal from (u0, v0), further uniforms from wp
 * (U then V per round). */
int bw_pois_ptrs(const bw_lftab *t, double mu, double u0, double v0, bw_wpool *wp);

/* The lane inversions (bw_pois_lanes_inv, bw_binom_lanes_inv) stop a group
 * of lanes early on AVX-512 (models/num/lane_scan.h: the same draws from
 * fewer terms); 1 here makes them take the plain loops, for the tests that
 * compare the two. 0 by default. */
extern int bw_lanes_inv_plain;

/* Poisson lane inversion from 0 for the e lanes of a block: x_g ~
 * Poisson(full[g] share) from word w[g] by the first K terms of the CDF,
 * K = 4 << kclass (kclass 0..3); dst[g] += x_g, t1[g] += x_g c1, t2[g] +=
 * x_g c2 (two weighted tallies). A lane whose mean is >= BW_LANE_TRS_MEAN or
 * whose count lies beyond K gets bad[g] = 1 and adds nothing. Returns Σ x_g,
 * *nbad the bad lanes. */
int64_t bw_pois_lanes_inv(int kclass, int e, const uint32_t *w, const double *full, double share, int32_t *dst,
                          double *t1, double *t2, double c1, double c2, int32_t *bad, int *nbad);

/* Per block b, lanes [blk[b], blk[b + 1]) with fmx[b] > 0 (the largest
 * full[g] of the block): the number of lanes at or above BW_LANE_TRS_MEAN
 * (nbig[b]) and the largest inversion class of the others (kc[b]). */
void bw_pois_lanes_class(int nblk, const int *blk, const double *fmx, const double *full, double share, int *nbig,
                         int32_t *kc);

/* One round of bw_pois_ptrs for m compacted draws Poisson(mu[i]), mu[i] >=
 * 10, from the uniforms u[i], v[i] (lf: the bw_lftab's log-factorials):
 * st[i] = 1 accepted (k[i] the draw), 0 rejected (another round with fresh
 * uniforms), 2 undecided here (an index beyond the table: finish it with
 * bw_pois_ptrs from the same uniforms). */
void bw_ptrs_round_lanes(int m, const double *mu, const double *u, const double *v, const double *lf, double *k,
                         double *st);

/* ==== binomial (sample_binomial.c) ========================================= */

/* A success probability with what the samplers need (clamped to [0, 1]). */
typedef struct {
  double p, q, lp, lq, r, ir; /* p, 1 − p, their logs, p/q, q/p */
} bw_bconst;
bw_bconst bw_bconst_make(double p);

/* Binomial(n, p) by inversion from 0, given P(0) = p0. */
static inline int bw_binom_low(const bw_lftab *t, const bw_bconst *b, int n, double p0, double u) {
  double pr = p0, F = p0;
  int k = 0;
  while (u >= F) {
    if (k >= n || pr == 0.0) return k;
    pr *= (n - k) * (bw_invk(t, k + 1) * b->r); /* the lane twin's association: (n - k) cr[k] */
    k++;
    F += pr;
  }
  return k;
}

/* Search outward from the mode (alternating up and down). */
int bw_binom_mode(const bw_lftab *t, const bw_bconst *b, int n, double u);

/* One uniform: from the mode when n p >= BW_BINOM_MODE_MEAN, else from 0. */
int bw_binom_inv(const bw_lftab *t, const bw_bconst *b, int n, double u);

/* BTRS, p <= 1/2, n p >= 10, lpq = log(p / (1 − p)): the first proposal
 * from (u0, v0), further uniforms from wp. */
int bw_binom_btrs(const bw_lftab *t, int n, double p, double lpq, double u0, double v0, bw_wpool *wp);

/* n p > BW_SEARCH_MAX_MEAN, 0 < p < 1: BTRS from the uniform u (V from wp),
 * for p > 1/2 by reflection (n − BTRS(n, 1 − p), or an inversion from 0 of
 * the reflected count when n (1 − p) < 10). */
int bw_binom_big(const bw_lftab *t, const bw_bconst *b, int n, double u, bw_wpool *wp);

/* Binomial(n, p) for a p not known in advance, uniforms from wp: reflection
 * for p > 1/2, BTRS above BW_SEARCH_MAX_MEAN, else bw_binom_inv. */
int bw_binom_any(const bw_lftab *t, bw_wpool *wp, int n, double p);

/* pz[n] = z^n for n < BW_PZ_N (eight interleaved product chains: pz[n] =
 * pz[n - 8] z^8). Each entry is within about n roundings of z^n: each of the
 * n/8 products by z^8 adds its own rounding and the 7 that z^8 carries
 * (tests/test_samplers.c asserts n + 2 half-ulps). */
void bw_pow_table(double z, double *pz);

/* The tables of a lane binomial with probability pm of moving: flip when
 * pm > 1/2 (draw the stayers, Binomial(n, 1 − pm)); b of the smaller
 * probability; pz its P(0) table; cr[i] = b.r / (i + 1). */
typedef struct {
  int flip;
  bw_bconst b;
  double pz[BW_PZ_N];
  double cr[BW_LANE_KMAX];
} bw_binom_lane_c;
void bw_binom_lane_make(bw_binom_lane_c *d, const bw_lftab *t, double pm);

/* Binomial lane inversion from 0 for the e lanes of a block: x_g ~
 * Binomial(rest[g], p) (flip: rest[g] minus it) from word w[g] by the first
 * K = 4 << kclass terms; P(0) from d->pz (ptab: every rest[g] < BW_PZ_N) or
 * by exp. rest[g] −= x_g, dst[g] += x_g, tallies as bw_pois_lanes_inv. A
 * lane at or above BW_LANE_TRS_MEAN, beyond K, or (ptab) beyond the table
 * gets bad[g] = 1 and moves nothing. Returns Σ x_g. */
int64_t bw_binom_lanes_inv(int kclass, int ptab, int e, const uint32_t *w, const bw_binom_lane_c *d, int32_t *rest,
                           int32_t *dst, double *t1, double *t2, double c1, double c2, int32_t *bad, int *nbad);

/* Per block (mxb[b] > 0: the largest count of the block): lanes at or above
 * BW_LANE_TRS_MEAN (nbig), the largest class of the others (kc), the
 * largest count (mn). */
void bw_binom_lanes_class(int nblk, const int *blk, const int32_t *mxb, const int32_t *rest, double p, int *nbig,
                          int32_t *kc, int32_t *mn);

/* One round of bw_binom_btrs for m compacted draws Binomial(n[i], p),
 * p <= 1/2, n[i] p >= 10, as bw_ptrs_round_lanes. */
void bw_btrs_round_lanes(int m, const double *n, const double *u, const double *v, double p, double lpq,
                         const double *lf, double *k, double *st);

/* ==== transformed rejection over compacted lanes (sample_trs.c) ============= */

/* The draws at or above BW_LANE_TRS_MEAN of one vectorised call, compacted:
 * the caller fills n[i] (the mean, or the trials) and u[i] (the first
 * uniform, from the lane's word) for i < nb; bw_trs_lanes_draw leaves the
 * draw in k[i]. The other arrays are scratch. cap: room for cap + 16. */
typedef struct {
  int cap;
  double *n, *u, *k;
  int *pend;
  double *pn, *pu, *pv, *pk, *st;
} bw_trs_lanes;

int bw_trs_lanes_alloc(bw_trs_lanes *b, int cap);
void bw_trs_lanes_free(bw_trs_lanes *b);

/* Rounds of PTRS (pois = 1) or BTRS (0, with p <= 1/2 and lpq) over the nb
 * listed draws until all are accepted, fresh uniforms from wp; a draw beyond
 * the log-factorial table is finished by the scalar twin with further
 * uniforms from wp_beyond. A fixed order of consumption. */
void bw_trs_lanes_draw(bw_trs_lanes *b, int nb, int pois, double p, double lpq, const bw_lftab *t, bw_wpool *wp,
                       bw_wpool *wp_beyond);

/* ==== Weibull (sample_weibull.c) ============================================ */

/* Weibull by inversion: dur[i] = scale (−log bw_u01(w[i]))^(inv_shape);
 * expo: the shape is 1 (no power). */
void bw_weibull_batch(const uint32_t *w, double scale, double inv_shape, int expo, double *dur, size_t n);

/* Forward-recurrence residual of a Weibull(k) stay, k > 1, in units of the
 * scale: density exp(−x^k) / Γ(1 + 1/k) on x > 0, by rejection from an
 * exponential envelope (sample_weibull.c). */
typedef struct {
  double k, inv_beta, h;
} bw_fwd_weibull;

static inline void bw_fwd_weibull_init(bw_fwd_weibull *f, double k) {
  f->k = k;
  f->inv_beta = 1.0 / pow(k, 1.0 / k);
  f->h = (k - 1.0) / k + 1e-12;
}

/* One proposal from the unit exponentials e1, e2: 1 and *x, or 0. */
static inline int bw_fwd_weibull_try(const bw_fwd_weibull *f, double e1, double e2, double *x) {
  double xv = e1 * f->inv_beta;
  double xk = bw_exp1(f->k * bw_log1(xv));
  *x = xv;
  return e2 >= xk + f->h - e1;
}

/* Lane twin: the proposal from words w1[i], w2[i] for n draws: out[i] =
 * scale x_i; the indices of the rejected ones in rej[0 .. return − 1].
 * e1, e2, x: scratch of n doubles (e1, e2 keep the exponentials). */
int bw_fwd_weibull_lanes(const bw_fwd_weibull *f, const uint32_t *w1, const uint32_t *w2, int n, double scale,
                         double *out, double *e1, double *e2, double *x, int *rej);

#endif
