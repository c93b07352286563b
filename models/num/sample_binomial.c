/* Binomial variates (sample.h), scalar and lane twins side by side; the
 * count kernel's (32-bit uniforms, fastmath.h, bw_lftab tables).
 *
 * Algorithms
 *   inversion from 0      P(0) = (1 − p)^n (a table for n < BW_PZ_N = 128,
 *                         else exp(n log(1 − p)), 0 below e^-700), then the
 *                         ratio recurrence P(k + 1) = P(k) (n − k)/(k + 1) p/q
 *   search from the mode  P(m), m = ⌊(n + 1) p⌋, from log-factorials, then
 *                         the neighbours alternating up and down: an exact
 *                         inversion of one fixed ordering of the support
 *   BTRS                  W. Hörmann, "The generation of binomial random
 *                         variates", J. Statist. Comput. Simul. 46 (1993)
 *                         101–110: b = 1.15 + 2.53 √(npq), a = −0.0873 +
 *                         0.0248 b + 0.01 p, c = n p + 1/2, v_r = 0.92 − 4.2/b,
 *                         α = (2.83 + 5.1/b) √(npq); squeeze us >= 0.07 and
 *                         V <= v_r, else the exact test against the log pmf
 *                         ratio to the mode. For p <= 1/2 and n p >= 10.
 *   reflection            p > 1/2: n − Binomial(n, 1 − p) (every sampler
 *                         above is for the smaller probability).
 * Switch points (a draw's algorithm depends on (n, p) only): scalar, from
 * the mode when n p >= BW_BINOM_MODE_MEAN = 8 (below, the inversion from 0
 * takes fewer terms than the mode's log-factorials cost), BTRS when n p >
 * BW_SEARCH_MAX_MEAN = 40 (a search costs O(√(npq)) terms; BTRS about 1.2
 * rounds); the lanes invert from 0 with K = 4, 8, 16, 32 terms (class by
 * the largest mean of a block: above 0.7, 2.5, 7) below BW_LANE_TRS_MEAN =
 * 18, P(0) from the table when every count of the run of blocks is below
 * BW_PZ_N = 128, and BTRS rounds at or above 18. On AVX-512 the lanes stop
 * in groups of 16 once all have their count (lane_scan.h: the same draws).
 *
 * Interface, in call order of a typical user
 *   setup: bw_bconst_make, bw_pow_table, bw_binom_lane_make;
 *   lanes: bw_binom_lanes_class, bw_binom_lanes_inv, bw_binom_low for the
 *     bad lanes, bw_trs_lanes_draw (sample_trs.c) for the big ones
 *     (bw_btrs_round_lanes, bw_binom_btrs);
 *   scalar: bw_binom_low (sample.h), bw_binom_inv, bw_binom_big,
 *     bw_binom_any (parameters not known in advance).
 */
#include "lane_scan.h"
#include "rng_batch.h"
#include "sample.h"

bw_bconst bw_bconst_make(double p) {
  bw_bconst b;
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

/* A chain of 128 dependent products per table was most of the cost of the
 * count kernel's table building: eight interleaved chains. */
void bw_pow_table(double z, double *pz) {
  pz[0] = 1.0;
  for (int n = 1; n < 8; n++) pz[n] = pz[n - 1] * z;
  double z8 = pz[7] * z;
  for (int n = 8; n < BW_PZ_N; n++) pz[n] = pz[n - 8] * z8;
}

/* ---- scalar: search from the mode, the dispatch of the searches -------------- */

int bw_binom_mode(const bw_lftab *t, const bw_bconst *b, int n, double u) {
  int m = (int)((n + 1) * b->p);
  if (m > n) m = n;
  double pm = bw_exp1(bw_lfact(t, n) - bw_lfact(t, m) - bw_lfact(t, n - m) + m * b->lp + (n - m) * b->lq);
  u -= pm;
  if (u < 0) return m;
  int lo = m, hi = m;
  double plo = pm, phi = pm;
  for (;;) {
    if (hi < n) {
      phi *= (n - hi) * bw_invk(t, hi + 1) * b->r;
      hi++;
      u -= phi;
      if (u < 0) return hi;
    }
    if (lo > 0) {
      plo *= lo * bw_invk(t, n - lo + 1) * b->ir;
      lo--;
      u -= plo;
      if (u < 0) return lo;
    }
    if ((hi >= n || phi < 1e-18 * pm) && (lo <= 0 || plo < 1e-18 * pm)) return m; /* rounding residue */
  }
}

int bw_binom_inv(const bw_lftab *t, const bw_bconst *b, int n, double u) {
  if (n <= 0 || b->p <= 0) return 0;
  if (b->q <= 0) return n;
  if (n * b->p >= BW_BINOM_MODE_MEAN) return bw_binom_mode(t, b, n, u);
  double lz = n * b->lq;
  return bw_binom_low(t, b, n, lz > -700 ? bw_exp1(lz) : 0.0, u);
}

/* ---- scalar: BTRS, reflection ------------------------------------------------- */

int bw_binom_btrs(const bw_lftab *t, int n, double p, double lpq, double u0, double v0, bw_wpool *wp) {
  double q = 1.0 - p, spq = sqrt(n * p * q);
  double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p, cc = n * p + 0.5;
  double ib = 1.0 / b, vr = 0.92 - 4.2 * ib;
  double u = u0, v = v0;
  for (int first = 1;; first = 0) {
    double U = u - 0.5, V = first ? v : bw_wpool_u01(wp);
    double us = 0.5 - fabs(U), ius = 1.0 / us;
    double kd = floor((2.0 * a * ius + b) * U + cc);
    if (us >= BW_TRS_US_FAST && V <= vr && kd >= 0 && kd <= n) return (int)kd;
    u = bw_wpool_u01(wp);
    if (kd < 0 || kd > n) continue;
    int k = (int)kd, m = (int)floor((n + 1) * p);
    double alpha = (2.83 + 5.1 * ib) * spq;
    if (bw_log1(V * alpha / (a * ius * ius + b)) <=
        bw_lfact(t, m) + bw_lfact(t, n - m) - bw_lfact(t, k) - bw_lfact(t, n - k) + (k - m) * lpq)
      return k;
  }
}

/* Branch-free, the same IEEE operations in the same order as bw_binom_btrs
 * (see bw_ptrs_round_lanes). */
BW_BATCH_CLONES void bw_btrs_round_lanes(int m, const double *restrict n, const double *restrict u,
                                         const double *restrict v, double p, double lpq,
                                         const double *restrict lf, double *restrict k, double *restrict st) {
  const double q = 1.0 - p;
  for (int i = 0; i < m; i++) {
    double nn = n[i], V = v[i];
    double spq = sqrt(nn * p * q);
    double b = 1.15 + 2.53 * spq, a = -0.0873 + 0.0248 * b + 0.01 * p, cc = nn * p + 0.5;
    double ib = 1.0 / b, vr = 0.92 - 4.2 * ib;
    double U = u[i] - 0.5, us = 0.5 - fabs(U), ius = 1.0 / us;
    double kd = bw_floor_lanes((2.0 * a * ius + b) * U + cc); /* floor of the scalar's wherever it decides */
    double in = (kd >= 0.0 ? 1.0 : 0.0) * (kd <= nn ? 1.0 : 0.0);
    double fast = (us >= BW_TRS_US_FAST ? 1.0 : 0.0) * (V <= vr ? 1.0 : 0.0) * in;
    double tab = in * (nn < (double)BW_LFT_N ? 1.0 : 0.0); /* every index below in the table */
    double md = bw_floor_lanes((nn + 1.0) * p);
    int32_t ik = (int32_t)(kd * tab), im = (int32_t)(md * tab), in_ = (int32_t)(nn * tab);
    double alpha = (2.83 + 5.1 * ib) * spq;
    double arg = V * alpha / (a * ius * ius + b);
    double lhs = bw_log1(tab > 0.0 ? arg : 1.0); /* a positive argument on every lane */
    double rhs = lf[im] + lf[in_ - im] - lf[ik] - lf[in_ - ik] + (kd - md) * lpq;
    double acc = tab * (lhs <= rhs ? 1.0 : 0.0);
    double ok = fast + acc > 0.0 ? 1.0 : 0.0;
    double und = (1.0 - ok) * in * (1.0 - tab); /* in range, beyond the table */
    k[i] = kd;
    st[i] = ok + 2.0 * und;
  }
}

int bw_binom_big(const bw_lftab *t, const bw_bconst *bc, int n, double u, bw_wpool *wp) {
  if (bc->p <= 0.5) return bw_binom_btrs(t, n, bc->p, bc->lp - bc->lq, u, bw_wpool_u01(wp), wp);
  if (n * bc->q >= 10.0) return n - bw_binom_btrs(t, n, bc->q, bc->lq - bc->lp, u, bw_wpool_u01(wp), wp);
  bw_bconst f = bw_bconst_make(bc->q);
  double lz = n * f.lq;
  return n - bw_binom_low(t, &f, n, lz > -700 ? bw_exp1(lz) : 0.0, u);
}

int bw_binom_any(const bw_lftab *t, bw_wpool *wp, int n, double p) {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - bw_binom_any(t, wp, n, 1.0 - p);
  bw_bconst b = bw_bconst_make(p);
  if (n * p > BW_SEARCH_MAX_MEAN) return bw_binom_big(t, &b, n, bw_wpool_u01(wp), wp);
  return bw_binom_inv(t, &b, n, bw_wpool_u01(wp));
}

/* ---- lanes: inversion from 0 ------------------------------------------------- */

void bw_binom_lane_make(bw_binom_lane_c *d, const bw_lftab *t, double pm) {
  pm = pm < 1.0 ? pm : 1.0;
  d->flip = pm > 0.5;
  d->b = bw_bconst_make(d->flip ? 1.0 - pm : pm);
  bw_pow_table(d->b.q, d->pz);
  for (int i = 0; i < BW_LANE_KMAX; i++) d->cr[i] = d->b.r < INFINITY ? d->b.r * t->invk[i + 1] : 0.0;
}

/* Move Binomial(rest[g], p) from rest to dst for the e lanes of a block by
 * the first K terms of the CDF (P0DECL gives P(0): from the table pz for
 * n < BW_PZ_N, or exp(n log(1 − p)); cr[i] = p/(1 − p)/(i + 1)). Lanes it
 * cannot settle get bad[g] = 1 and move nobody. Branch-free so that GCC
 * vectorises the loop; every clone does the same IEEE operations. */
#define BW_BINOM_LANES(NAME, K, P0DECL, BAD0)                                                        \
  BW_BATCH_CLONES static int64_t NAME(                                                               \
      int e, const uint32_t *restrict w, const double *restrict pz, double lq,                       \
      const double *restrict cr, double p, int flip, int32_t *restrict rest, int32_t *restrict dst,   \
      double *restrict Tt, double *restrict TV, double ct, double cv, int32_t *restrict bad,         \
      int *nbad) {                                                                                   \
    int64_t s = 0;                                                                                   \
    int nb = 0;                                                                                      \
    (void)pz, (void)lq;                                                                              \
    for (int g = 0; g < e; g++) {                                                                     \
      double u = ((double)w[g] + 0.5) * (1.0 / 4294967296.0);                                        \
      int32_t ni = rest[g];                                                                          \
      double nn = (double)ni;                                                                        \
      P0DECL;                                                                                        \
      double F = p0, pr = p0, k = 0.0;                                                               \
      _Pragma("GCC unroll 64") for (int i = 0; i < K; i++) {                                         \
        k += u >= F ? 1.0 : 0.0;                                                                     \
        pr = pr * ((nn - i) * cr[i]); /* 0 at i = n, then ±0: no max needed */                      \
        F += pr;                                                                                     \
      }                                                                                              \
      double b = u >= F ? 1.0 : 0.0;                                                                 \
      b = BAD0 ? 1.0 : b;                                                                            \
      b = nn * p >= BW_LANE_TRS_MEAN ? 1.0 : b;                                                      \
      double xd = (flip ? nn - k : k) * (1.0 - b); /* b is 0 or 1: exact */                          \
      BW_LANE_BOOK(g, xd, b);                                                                        \
      rest[g] -= x;                                                                                  \
    }                                                                                                \
    *nbad = nb;                                                                                      \
    return s;                                                                                        \
  }
#define P0_TABLE                                   \
  int32_t idx = ni < BW_PZ_N ? ni : BW_PZ_N - 1; \
  double p0 = pz[idx]
#define P0_EXP                                     \
  double lz = nn * lq > -700.0 ? nn * lq : -700.0; \
  double p0 = bw_exp_poly1(lz)
BW_BINOM_LANES(binom_lanes_t4, 4, P0_TABLE, ni >= BW_PZ_N)
BW_BINOM_LANES(binom_lanes_t8, 8, P0_TABLE, ni >= BW_PZ_N)
BW_BINOM_LANES(binom_lanes_t16, 16, P0_TABLE, ni >= BW_PZ_N)
BW_BINOM_LANES(binom_lanes_t32, 32, P0_TABLE, ni >= BW_PZ_N)
BW_BINOM_LANES(binom_lanes_e4, 4, P0_EXP, 0)
BW_BINOM_LANES(binom_lanes_e8, 8, P0_EXP, 0)
BW_BINOM_LANES(binom_lanes_e16, 16, P0_EXP, 0)
BW_BINOM_LANES(binom_lanes_e32, 32, P0_EXP, 0)
#if BW_LANE_SCAN_X86
/* The same with an early exit (lane_scan.h), for AVX-512F: in chunks of
 * BW_SCAN_CH lanes, the uniforms and P(0) (a loop GCC vectorises), the terms
 * by BW_LANE_SCAN, then the moves and tallies as above. */
#define BW_BINOM_STEP(a, i) (((a) - (double)(i)) * cr[i]) /* 0 at i = n, then ±0 */
#define BW_BINOM_LANES_X(NAME, K, P0DECL, BAD0)                                                      \
  __attribute__((target("avx512f"))) static int64_t NAME(                                            \
      int e, const uint32_t *restrict w, const double *restrict pz, double lq,                       \
      const double *restrict cr, double p, int flip, int32_t *restrict rest, int32_t *restrict dst,   \
      double *restrict Tt, double *restrict TV, double ct, double cv, int32_t *restrict bad,         \
      int *nbad) {                                                                                   \
    int64_t s = 0;                                                                                   \
    int nb = 0;                                                                                      \
    (void)pz, (void)lq;                                                                              \
    _Alignas(64) double U[BW_SCAN_CH], N[BW_SCAN_CH], F[BW_SCAN_CH], KD[BW_SCAN_CH];                \
    for (int g0 = 0; g0 < e; g0 += BW_SCAN_CH) {                                                     \
      int n = e - g0 < BW_SCAN_CH ? e - g0 : BW_SCAN_CH, n16 = (n + 15) & ~15;                       \
      for (int l = 0; l < n; l++) {                                                                  \
        double u = ((double)w[g0 + l] + 0.5) * (1.0 / 4294967296.0);                                 \
        int32_t ni = rest[g0 + l];                                                                   \
        double nn = (double)ni;                                                                      \
        P0DECL;                                                                                      \
        int live = !(BAD0) && nn * p < BW_LANE_TRS_MEAN; /* else bad whatever u */                   \
        U[l] = live ? u : 0.0, N[l] = nn, F[l] = live ? p0 : 1.0;                                    \
      }                                                                                              \
      for (int l = n; l < n16; l++) U[l] = 0.0, N[l] = 0.0, F[l] = 1.0;                              \
      BW_LANE_SCAN(K, n16, U, N, F, KD, BW_BINOM_STEP);                                              \
      for (int l = 0; l < n; l++) {                                                                  \
        int g = g0 + l;                                                                              \
        int32_t ni = rest[g];                                                                        \
        double nn = N[l], k = KD[l];                                                                 \
        double b = U[l] >= F[l] ? 1.0 : 0.0;                                                         \
        b = BAD0 ? 1.0 : b;                                                                          \
        b = nn * p >= BW_LANE_TRS_MEAN ? 1.0 : b;                                                    \
        double xd = (flip ? nn - k : k) * (1.0 - b); /* b is 0 or 1: exact */                        \
        BW_LANE_BOOK(g, xd, b);                                                                      \
        rest[g] = ni - x;                                                                            \
      }                                                                                              \
    }                                                                                                \
    *nbad = nb;                                                                                      \
    return s;                                                                                        \
  }
BW_BINOM_LANES_X(binom_lanes_xt4, 4, P0_TABLE, ni >= BW_PZ_N)
BW_BINOM_LANES_X(binom_lanes_xt8, 8, P0_TABLE, ni >= BW_PZ_N)
BW_BINOM_LANES_X(binom_lanes_xt16, 16, P0_TABLE, ni >= BW_PZ_N)
BW_BINOM_LANES_X(binom_lanes_xt32, 32, P0_TABLE, ni >= BW_PZ_N)
BW_BINOM_LANES_X(binom_lanes_xe4, 4, P0_EXP, 0)
BW_BINOM_LANES_X(binom_lanes_xe8, 8, P0_EXP, 0)
BW_BINOM_LANES_X(binom_lanes_xe16, 16, P0_EXP, 0)
BW_BINOM_LANES_X(binom_lanes_xe32, 32, P0_EXP, 0)
#undef BW_BINOM_LANES_X
#undef BW_BINOM_STEP
#endif
#undef BW_BINOM_LANES
#undef P0_TABLE
#undef P0_EXP

int64_t bw_binom_lanes_inv(int kclass, int ptab, int e, const uint32_t *w, const bw_binom_lane_c *d, int32_t *rest,
                           int32_t *dst, double *t1, double *t2, double c1, double c2, int32_t *bad, int *nbad) {
#define BL(F) F(e, w, d->pz, d->b.lq, d->cr, d->b.p, d->flip, rest, dst, t1, t2, c1, c2, bad, nbad)
#if BW_LANE_SCAN_X86
  if (bw_lane_scan_on()) switch (kclass + (ptab ? 0 : 4)) {
    case 0: return BL(binom_lanes_xt4);
    case 1: return BL(binom_lanes_xt8);
    case 2: return BL(binom_lanes_xt16);
    case 3: return BL(binom_lanes_xt32);
    case 4: return BL(binom_lanes_xe4);
    case 5: return BL(binom_lanes_xe8);
    case 6: return BL(binom_lanes_xe16);
    default: return BL(binom_lanes_xe32);
    }
#endif
  switch (kclass + (ptab ? 0 : 4)) {
  case 0: return BL(binom_lanes_t4);
  case 1: return BL(binom_lanes_t8);
  case 2: return BL(binom_lanes_t16);
  case 3: return BL(binom_lanes_t32);
  case 4: return BL(binom_lanes_e4);
  case 5: return BL(binom_lanes_e8);
  case 6: return BL(binom_lanes_e16);
  default: return BL(binom_lanes_e32);
  }
#undef BL
}

/* Branch-free integer reductions, so that GCC vectorises them; one call
 * for all blocks. */
BW_BATCH_CLONES void bw_binom_lanes_class(int nblk, const int *restrict blk, const int32_t *restrict mxb,
                                          const int32_t *restrict rest, double p, int *restrict nbig,
                                          int32_t *restrict kc, int32_t *restrict mn) {
  for (int b = 0; b < nblk; b++) {
    int32_t k = 0, n = 0;
    int nb = 0;
    double bound = (double)mxb[b] * p; /* no lane's mean is larger */
    if (bound < BW_LANE_TRS_MEAN) { /* all below: the bound's class will do (K only sets the speed) */
      nbig[b] = 0, kc[b] = (bound > 0.7) + (bound > 2.5) + (bound > 7.0), mn[b] = mxb[b];
      continue;
    }
    if (mxb[b])
      for (int g = blk[b]; g < blk[b + 1]; g++) {
        double mu = (double)rest[g] * p;
        int32_t big = mu >= BW_LANE_TRS_MEAN;
        int32_t c = ((mu > 0.7) + (mu > 2.5) + (mu > 7.0)) * (1 - big);
        nb += big;
        k = c > k ? c : k;
        n = rest[g] > n ? rest[g] : n;
      }
    nbig[b] = nb, kc[b] = k, mn[b] = n;
  }
}
