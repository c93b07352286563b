/* Poisson variates (sample.h), scalar and lane twins side by side.
 *
 * Algorithms
 *   inversion from 0      the smallest x with F(x) >= u (53-bit: u > F moves
 *                         on, capped at x = 80, whose tail for μ < 10 has mass
 *                         < 1e-40, far below the 2^-53 grid of u; 32-bit:
 *                         u >= F moves on, stops when a term underflows)
 *   search from the mode  P(mode) from log-factorials, then the neighbours by
 *                         the ratio recurrence, alternating up and down: an
 *                         exact inversion of one fixed ordering of the
 *                         support; O(sd) terms
 *   PTRS                  W. Hörmann, "The transformed rejection method for
 *                         generating Poisson random variables", Insurance:
 *                         Mathematics and Economics 12 (1993) 39–45: hat from
 *                         k = ⌊(2a/us + b) U + μ + 0.43⌋ with the paper's
 *                         constants (BW_PTRS_*); a squeeze (us >= 0.07, V <=
 *                         v_r) accepts about 86 % at once, the rest are
 *                         tested against the exact log pmf −μ + k log μ − log k!.
 *                         Expected 1.1–1.2 rounds of two uniforms for μ >= 10.
 * Switch points: the individual kernel inverts below μ = 10 (where the
 * inversion's ~μ terms cost less than a PTRS round) and uses PTRS at or
 * above. The count kernel's scalar paths search (from 0 below a mean of 1,
 * else from the mode) up to BW_SEARCH_MAX_MEAN = 40 and use PTRS above; its
 * lanes invert from 0 with K = 4, 8, 16 or 32 terms (class by the block's
 * largest mean: above 0.7, 2.5, 7 — a Poisson of mean 0.7, 2.5, 7, 18 lies
 * beyond 4, 8, 16, 32 terms with probability 8e-4, 1e-3, 1.3e-3, 5e-4, and
 * such a lane is finished by bw_pois_low with its word) below
 * BW_LANE_TRS_MEAN = 18 and use vectorised PTRS rounds at or above (64 terms
 * up to 40 measured slower). On AVX-512 the lanes stop in groups of 16 once
 * all have their count (lane_scan.h: the same draws from fewer terms).
 *
 * Interface, in call order of a typical user
 *   individual kernel: bw_ptrs_squeeze_lanes, bw_poisson_inv_lanes (lanes),
 *     then bw_ptrs_init / bw_ptrs_try (sample.h) for the rejected squeezes;
 *     bw_poisson_draw (sample.h) is the scalar reference of the same draws.
 *   count kernel: bw_pois_lanes_class, bw_pois_lanes_inv, bw_pois_low for
 *     the bad lanes, the big lanes by bw_trs_lanes_draw (sample_trs.c:
 *     bw_ptrs_round_lanes, bw_pois_ptrs); scalar: bw_pois_mode_make +
 *     bw_pois_mode, bw_pois_low, bw_pois_ptrs.
 */
#include <string.h>

#include "lane_scan.h"
#include "rng_batch.h"
#include "sample.h"

/* ---- 53-bit variant: lane twins of bw_poisson_inv and the PTRS squeeze ---- */

/* bw_poisson_inv for n means in (0, 10): the same operations in the same
 * order, lanes that have found their count stand still. */
BW_BATCH_CLONES void bw_poisson_inv_lanes(const double *restrict mu, const double *restrict u, double *restrict p,
                                          double *restrict F, double *restrict x, int n) {
  for (int i = 0; i < n; i++) {
    p[i] = bw_exp1(-mu[i]);
    F[i] = p[i];
    x[i] = 0;
  }
  for (int it = 1; it <= 80; it++) {
    int active = 0;
    for (int i = 0; i < n; i++) {
      int go = u[i] > F[i];
      double pn = p[i] * (mu[i] / it);
      p[i] = go ? pn : p[i];
      F[i] = go ? F[i] + pn : F[i];
      x[i] += go;
      active |= go;
    }
    if (!active) break;
  }
}

/* The squeeze of bw_ptrs_try's first proposal, the same expressions in the
 * same order as bw_ptrs_init / bw_ptrs_try. */
BW_BATCH_CLONES void bw_ptrs_squeeze_lanes(const double *restrict mu, const double *restrict u1,
                                           const double *restrict u2, double *restrict k, int n) {
  for (int i = 0; i < n; i++) {
    double m = mu[i] >= BW_POIS_INV_MAX ? mu[i] : BW_POIS_INV_MAX;
    double b = BW_PTRS_B0 + BW_PTRS_B1 * sqrt(m);
    double a = BW_PTRS_A0 + BW_PTRS_A1 * b;
    double vr = BW_PTRS_VR0 - BW_PTRS_VR1 / (b - BW_PTRS_VR2);
    double U = u1[i] - 0.5, V = u2[i];
    double us = 0.5 - fabs(U);
    double kk = floor((2.0 * a / us + b) * U + m + BW_PTRS_K0);
    k[i] = mu[i] >= BW_POIS_INV_MAX && us >= BW_TRS_US_FAST && V <= vr ? kk : -1.0;
  }
}

/* ---- 32-bit variant: inversion from 0 and its lane twin ------------------- */

int bw_pois_low(const bw_lftab *t, double mu, double p0, double u) {
  double pr = p0, F = p0;
  int k = 0;
  while (u >= F) {
    k++;
    pr *= mu * bw_invk(t, k);
    F += pr;
    if (pr == 0.0) break;
  }
  return k;
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

/* bw_pois_lanes_inv with K terms (inv[i] = 1/(i + 1)): branch-free so that
 * GCC vectorises the loop; every clone does the same IEEE operations, so the
 * result does not depend on it. */
#define BW_POIS_LANES(K)                                                                             \
  BW_BATCH_CLONES static int64_t pois_lanes_##K(                                                     \
      int e, const uint32_t *restrict w, const double *restrict full, double share,                  \
      const double *restrict inv, int32_t *restrict dst, double *restrict Tt, double *restrict TV,    \
      double ct, double cv, int32_t *restrict bad, int *nbad) {                                      \
    int64_t s = 0;                                                                                   \
    int nb = 0;                                                                                      \
    for (int g = 0; g < e; g++) {                                                                     \
      double u = ((double)w[g] + 0.5) * (1.0 / 4294967296.0);                                        \
      double m = full[g] * share, p0 = bw_exp_poly1(-m), F = p0, pr = p0, k = 0.0;                   \
      _Pragma("GCC unroll 64") for (int i = 0; i < K; i++) {                                         \
        k += u >= F ? 1.0 : 0.0;                                                                     \
        pr = pr * (m * inv[i]);                                                                      \
        F += pr;                                                                                     \
      }                                                                                              \
      double b = u >= F ? 1.0 : 0.0;                                                                 \
      b = m >= BW_LANE_TRS_MEAN ? 1.0 : b;                                                           \
      double xd = k * (1.0 - b);                                                                     \
      BW_LANE_BOOK(g, xd, b);                                                                        \
    }                                                                                                \
    *nbad = nb;                                                                                      \
    return s;                                                                                        \
  }
BW_POIS_LANES(4)
BW_POIS_LANES(8)
BW_POIS_LANES(16)
BW_POIS_LANES(32)
#undef BW_POIS_LANES

#if BW_LANE_SCAN_X86
/* The same with an early exit (lane_scan.h), for AVX-512F: in chunks of
 * BW_SCAN_CH lanes, the uniforms, means and P(0) (a loop GCC vectorises),
 * the terms by BW_LANE_SCAN, then the flags and tallies as above. (With
 * the binomial's twin: the count kernel's CPU per replication 0.366 ->
 * 0.348 ms, best of 9 runs at load 4.) */
#define BW_POIS_STEP(a, i) ((a) * inv[i])
#define BW_POIS_LANES_X(K)                                                                           \
  __attribute__((target("avx512f"))) static int64_t pois_lanes_x##K(                                 \
      int e, const uint32_t *restrict w, const double *restrict full, double share,                  \
      const double *restrict inv, int32_t *restrict dst, double *restrict Tt, double *restrict TV,    \
      double ct, double cv, int32_t *restrict bad, int *nbad) {                                      \
    int64_t s = 0;                                                                                   \
    int nb = 0;                                                                                      \
    _Alignas(64) double U[BW_SCAN_CH], M[BW_SCAN_CH], F[BW_SCAN_CH], KD[BW_SCAN_CH];                \
    for (int g0 = 0; g0 < e; g0 += BW_SCAN_CH) {                                                     \
      int n = e - g0 < BW_SCAN_CH ? e - g0 : BW_SCAN_CH, n16 = (n + 15) & ~15;                       \
      for (int l = 0; l < n; l++) {                                                                  \
        double u = ((double)w[g0 + l] + 0.5) * (1.0 / 4294967296.0);                                 \
        double m = full[g0 + l] * share, p0 = bw_exp_poly1(-m);                                      \
        int live = m < BW_LANE_TRS_MEAN; /* else bad whatever u */                                   \
        U[l] = live ? u : 0.0, M[l] = m, F[l] = live ? p0 : 1.0;                                     \
      }                                                                                              \
      for (int l = n; l < n16; l++) U[l] = 0.0, M[l] = 0.0, F[l] = 1.0;                              \
      BW_LANE_SCAN(K, n16, U, M, F, KD, BW_POIS_STEP);                                               \
      for (int l = 0; l < n; l++) {                                                                  \
        int g = g0 + l;                                                                              \
        double b = U[l] >= F[l] ? 1.0 : 0.0;                                                         \
        b = M[l] >= BW_LANE_TRS_MEAN ? 1.0 : b;                                                      \
        double xd = KD[l] * (1.0 - b);                                                               \
        BW_LANE_BOOK(g, xd, b);                                                                      \
      }                                                                                              \
    }                                                                                                \
    *nbad = nb;                                                                                      \
    return s;                                                                                        \
  }
BW_POIS_LANES_X(4)
BW_POIS_LANES_X(8)
BW_POIS_LANES_X(16)
BW_POIS_LANES_X(32)
#undef BW_POIS_LANES_X
#undef BW_POIS_STEP
#endif

int64_t bw_pois_lanes_inv(int kclass, int e, const uint32_t *w, const double *full, double share, int32_t *dst,
                          double *t1, double *t2, double c1, double c2, int32_t *bad, int *nbad) {
#if BW_LANE_SCAN_X86
  if (bw_lane_scan_on()) switch (kclass) {
    case 0: return pois_lanes_x4(e, w, full, share, INV_1, dst, t1, t2, c1, c2, bad, nbad);
    case 1: return pois_lanes_x8(e, w, full, share, INV_1, dst, t1, t2, c1, c2, bad, nbad);
    case 2: return pois_lanes_x16(e, w, full, share, INV_1, dst, t1, t2, c1, c2, bad, nbad);
    default: return pois_lanes_x32(e, w, full, share, INV_1, dst, t1, t2, c1, c2, bad, nbad);
    }
#endif
  switch (kclass) {
  case 0: return pois_lanes_4(e, w, full, share, INV_1, dst, t1, t2, c1, c2, bad, nbad);
  case 1: return pois_lanes_8(e, w, full, share, INV_1, dst, t1, t2, c1, c2, bad, nbad);
  case 2: return pois_lanes_16(e, w, full, share, INV_1, dst, t1, t2, c1, c2, bad, nbad);
  default: return pois_lanes_32(e, w, full, share, INV_1, dst, t1, t2, c1, c2, bad, nbad);
  }
}

/* Branch-free integer reductions, so that GCC vectorises them. */
BW_BATCH_CLONES void bw_pois_lanes_class(int nblk, const int *restrict blk, const double *restrict fmx,
                                         const double *restrict full, double share, int *restrict nbig,
                                         int32_t *restrict kc) {
  for (int b = 0; b < nblk; b++) {
    int32_t k = 0;
    int nb = 0;
    double top = fmx[b] * share; /* the block's largest mean */
    if (top < BW_LANE_TRS_MEAN) {
      nbig[b] = 0, kc[b] = (top > 0.7) + (top > 2.5) + (top > 7.0);
      continue;
    }
    if (fmx[b] > 0)
      for (int g = blk[b]; g < blk[b + 1]; g++) {
        double mu = full[g] * share;
        int32_t big = mu >= BW_LANE_TRS_MEAN;
        int32_t c = ((mu > 0.7) + (mu > 2.5) + (mu > 7.0)) * (1 - big);
        nb += big;
        k = c > k ? c : k;
      }
    nbig[b] = nb, kc[b] = k;
  }
}

/* ---- 32-bit variant: search from the mode ------------------------------------ */

bw_pois_mode_c bw_pois_mode_make(const bw_lftab *t, double mu) {
  bw_pois_mode_c p;
  p.mu = mu;
  if (!(mu > 0)) {
    p.mode = -1, p.imu = 0, p.pmode = 1;
    return p;
  }
  p.imu = 1.0 / mu;
  double fm = floor(mu);
  p.mode = fm > 2e9 ? 2000000000 : (int)fm;
  double lm = -mu + p.mode * log(mu) - bw_lfact(t, p.mode);
  p.pmode = lm > -700 ? bw_exp1(lm) : exp(lm);
  return p;
}

int bw_pois_mode(const bw_lftab *t, const bw_pois_mode_c *p, double u) {
  if (p->mode < 0) return 0;
  u -= p->pmode;
  if (u < 0) return p->mode;
  int lo = p->mode, hi = p->mode;
  double plo = p->pmode, phi = p->pmode;
  for (;;) {
    phi *= p->mu * bw_invk(t, hi + 1);
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

/* ---- 32-bit variant: PTRS and its lane round --------------------------------- */

/* 1/α and v_r from one division: 1 / ((b − 3.4)(b − 2)). The first uniform
 * is the caller's (a lane's word), further ones from wp (a fixed order of
 * consumption, so still a pure function of the key). */
int bw_pois_ptrs(const bw_lftab *t, double mu, double u0, double v0, bw_wpool *wp) {
  double slam = sqrt(mu), loglam = bw_log1(mu);
  double b = BW_PTRS_B0 + BW_PTRS_B1 * slam, a = BW_PTRS_A0 + BW_PTRS_A1 * b;
  double d1 = b - BW_PTRS_IA2, d2 = b - BW_PTRS_VR2, ir = 1.0 / (d1 * d2);
  double invalpha = BW_PTRS_IA0 + BW_PTRS_IA1 * d2 * ir, vr = BW_PTRS_VR0 - BW_PTRS_VR1 * d1 * ir;
  double u = u0, v = v0;
  for (int first = 1;; first = 0) {
    double U = u - 0.5, V = first ? v : bw_wpool_u01(wp);
    double us = 0.5 - fabs(U), ius = 1.0 / us;
    double kd = floor((2.0 * a * ius + b) * U + mu + BW_PTRS_K0);
    if (us >= BW_TRS_US_FAST && V <= vr) return (int)kd;
    u = bw_wpool_u01(wp);
    if (kd < 0 || (us < BW_TRS_US_REJ && V > us)) continue;
    int k = (int)kd;
    if (bw_log1(V * invalpha / (a * ius * ius + b)) <= -mu + k * loglam - bw_lfact(t, k)) return k;
  }
}

/* Branch-free (flags as doubles 0 or 1, combined by products; indices by
 * products; bw_floor_lanes), so that GCC vectorises it; the same IEEE
 * operations in the same order as bw_pois_ptrs. */
BW_BATCH_CLONES void bw_ptrs_round_lanes(int m, const double *restrict mu, const double *restrict u,
                                         const double *restrict v, const double *restrict lf, double *restrict k,
                                         double *restrict st) {
  for (int i = 0; i < m; i++) {
    double mb = mu[i], V = v[i];
    double slam = sqrt(mb), loglam = bw_log1(mb);
    double b = BW_PTRS_B0 + BW_PTRS_B1 * slam, a = BW_PTRS_A0 + BW_PTRS_A1 * b;
    double d1 = b - BW_PTRS_IA2, d2 = b - BW_PTRS_VR2, ir = 1.0 / (d1 * d2);
    double invalpha = BW_PTRS_IA0 + BW_PTRS_IA1 * d2 * ir, vr = BW_PTRS_VR0 - BW_PTRS_VR1 * d1 * ir;
    double U = u[i] - 0.5, us = 0.5 - fabs(U), ius = 1.0 / us;
    double kd = bw_floor_lanes((2.0 * a * ius + b) * U + mb + BW_PTRS_K0);
    double fast = (us >= BW_TRS_US_FAST ? 1.0 : 0.0) * (V <= vr ? 1.0 : 0.0);
    double test = (kd >= 0.0 ? 1.0 : 0.0) *
                  ((us >= BW_TRS_US_REJ ? 1.0 : 0.0) + (V <= us ? 1.0 : 0.0) > 0.0 ? 1.0 : 0.0);
    double tab = test * (kd < (double)BW_LFT_N ? 1.0 : 0.0);
    int32_t ik = (int32_t)(kd * tab);
    double lhs = bw_log1(V * invalpha / (a * ius * ius + b));
    double rhs = -mb + kd * loglam - lf[ik];
    double acc = tab * (lhs <= rhs ? 1.0 : 0.0);
    double ok = fast + acc > 0.0 ? 1.0 : 0.0;
    double und = (1.0 - ok) * test * (1.0 - tab);
    k[i] = kd;
    st[i] = ok + 2.0 * und;
  }
}
