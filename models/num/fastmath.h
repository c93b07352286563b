/* Natural log and exp for batches of doubles, written so GCC -O3 vectorises
 * them, with scalar twins that give the same bits.
 *
 *   bw_log_batch(x, out, n)        out[i] = log(x[i]),  x[i] a positive normal finite double
 *   bw_exp_batch(x, out, n)        out[i] = exp(x[i]),  |x[i]| <= 700
 *   bw_neglog_u01_batch(w, out, n) out[i] = -log(bw_u01(w[i])) = -log((w[i] + 1/2) 2^-32),
 *                                  the unit exponential draw of the flow kernel
 *   bw_log1(x), bw_exp1(x)         one value, the same bits as the batch functions
 *   bw_exp_poly1(x)                exp(x), |x| <= 700, without a division (below)
 *   (bw_log_batch / bw_exp_batch may run in place, out == x; no other overlap.)
 *
 * Outside those domains the results are meaningless (no NaN/Inf/zero/subnormal
 * handling: the kernel never passes them). Error: below 1 ulp of the true
 * value (relative error < 2.3e-16), tested against libm and long double in
 * tests/test_fastmath.c.
 *
 * Why the bits do not depend on the machine: every step is an IEEE +, -, *, /
 * in double, or integer bit manipulation, evaluated in the order written. The
 * build has -ffp-contract=off (and ISO C mode, whose default is off too), so
 * no step is fused into an FMA; the AVX2 / AVX-512 clones and the scalar
 * functions therefore round exactly as the SSE2 baseline does.
 *
 * Algorithms (the classic fdlibm scheme; coefficients are Taylor series
 * computed for this file, not copied):
 *   log: x = 2^k m with m in [sqrt(2)/2, sqrt(2)), taken from the exponent bits;
 *        f = m - 1 (exact), s = f / (2 + f), z = s^2,
 *        log(1 + f) = 2 atanh(s) = f - s f + s R(z), R(z) = sum_{j>=1} 2 z^j / (2j + 1),
 *        log x = k ln2_hi - ((f^2/2 - (s (f^2/2 + R) + k ln2_lo)) - f).
 *        |s| <= 0.1716, z <= 0.0295: eleven terms leave < 1e-18 relative.
 *   exp: k = round(x / ln2) (the 1.5 * 2^52 shifter), r = (x - k ln2_hi) - k ln2_lo,
 *        r coth(r/2) = 2 + t P(t), t = r^2, P(t) = sum_{n>=1} 2 B_2n t^(n-1) / (2n)!,
 *        c = r - t P(t), exp(r) = 1 + r + r c / (2 - c), then 2^k by adding k to the
 *        exponent bits. |r| <= 0.35: seven terms leave < 1e-19.
 *   ln2_hi has 42 significant bits, so k ln2_hi is exact for |k| < 2048.
 *   exp_poly: the same k and r, then exp(r) = 1 + (r + r^2 q(r)), q the Taylor
 *        polynomial of degree 11 (so exp's of degree 13; remainder < 4e-18) by
 *        Estrin's scheme. No division: in a vector loop whose other work is a
 *        few dozen multiplies and adds (the count kernel's inversions) a
 *        vector division costs as much as all of them. Error < 1.5 ulp too.
 */
#ifndef BW_FASTMATH_H
#define BW_FASTMATH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rng_batch.h" /* BW_BATCH_CLONES, BW_BATCH_CLONES_UNUSED */

static inline uint64_t bw_fm_bits_(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

static inline double bw_fm_double_(uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

#define BW_FM_LN2_HI 0x1.62e42fefa3800p-1
#define BW_FM_LN2_LO 0x1.ef35793c76730p-45
#define BW_FM_INV_LN2 0x1.71547652b82fep+0
#define BW_FM_TWO52 0x1p52

/* log of a positive normal double. */
static inline double bw_fm_log_(double x) {
  const uint64_t sqrt_half = UINT64_C(0x3fe6a09e667f3bcd); /* bits of sqrt(2)/2 */
  const uint64_t one = UINT64_C(0x3ff0000000000000);
  uint64_t ix = bw_fm_bits_(x);
  /* Biased exponent of x / sqrt(2)/2, i.e. k + 1023 with m = x 2^-k in [sqrt(2)/2, sqrt(2)).
   * Unsigned wrap-around keeps this branch- and sign-free for every positive normal x. */
  uint64_t eb = (ix - sqrt_half + one) >> 52;
  double m = bw_fm_double_(ix - (eb << 52) + one);
  /* k as a double without an int64 -> double conversion (which SSE2/AVX2 lack):
   * 2^52 + eb has eb in its low mantissa bits. */
  double dk = bw_fm_double_(UINT64_C(0x4330000000000000) | eb) - (BW_FM_TWO52 + 1023.0);
  double f = m - 1.0;
  double s = f / (2.0 + f);
  double z = s * s;
  /* R = z P(z), P(z) = sum_{j=1..11} 2 z^(j-1) / (2j + 1), by Estrin's scheme: a
   * short dependency chain (Horner's would be ~70 cycles long and make the
   * batch loop latency-bound). */
  double z2 = z * z;
  double z4 = z2 * z2;
  double q0 = 0x1.5555555555555p-1 + 0x1.999999999999ap-2 * z; /* 2/3, 2/5 */
  double q1 = 0x1.2492492492492p-2 + 0x1.c71c71c71c71cp-3 * z; /* 2/7, 2/9 */
  double q2 = 0x1.745d1745d1746p-3 + 0x1.3b13b13b13b14p-3 * z; /* 2/11, 2/13 */
  double q3 = 0x1.1111111111111p-3 + 0x1.e1e1e1e1e1e1ep-4 * z; /* 2/15, 2/17 */
  double q4 = 0x1.af286bca1af28p-4 + 0x1.8618618618618p-4 * z; /* 2/19, 2/21 */
  double e2 = q4 + 0x1.642c8590b2164p-4 * z2;                   /* 2/23 */
  double R = z * ((q0 + q1 * z2) + z4 * ((q2 + q3 * z2) + z4 * e2));
  double hfsq = 0.5 * f * f;
  return dk * BW_FM_LN2_HI - ((hfsq - (s * (hfsq + R) + dk * BW_FM_LN2_LO)) - f);
}

#define BW_FM_SHIFTER 0x1.8p52

/* exp's reduction x = k ln2 + r, r = hi − lo, |r| <= 0.35 (shared by both exps). */
typedef struct {
  double kt, hi, lo; /* kt = 1.5 2^52 + k, k = round(x / ln2) */
} bw_fm_red_;

static inline bw_fm_red_ bw_fm_exp_reduce_(double x) {
  bw_fm_red_ z;
  z.kt = x * BW_FM_INV_LN2 + BW_FM_SHIFTER;
  double dk = z.kt - BW_FM_SHIFTER;
  z.hi = x - dk * BW_FM_LN2_HI; /* exact: dk ln2_hi exact, Sterbenz */
  z.lo = dk * BW_FM_LN2_LO;
  return z;
}

/* y 2^k: the low bits of kt hold k + 2^51; shift k into the exponent field (mod 2^64). */
static inline double bw_fm_exp_scale_(double y, double kt) {
  uint64_t kbits = (bw_fm_bits_(kt) - bw_fm_bits_(BW_FM_SHIFTER)) << 52;
  return bw_fm_double_(bw_fm_bits_(y) + kbits);
}

/* exp of x, |x| <= 700. */
static inline double bw_fm_exp_(double x) {
  bw_fm_red_ z = bw_fm_exp_reduce_(x);
  double hi = z.hi, lo = z.lo, r = hi - lo;
  double t = r * r;
  /* c = r - t P(t), P(t) = sum_{n=1..7} 2 B_2n t^(n-1) / (2n)!, by Estrin's scheme. */
  double t2 = t * t;
  double t4 = t2 * t2;
  double q0 = 0x1.5555555555555p-3 + -0x1.6c16c16c16c17p-9 * t;   /* 1/6, -1/360 */
  double q1 = 0x1.1566abc011567p-14 + -0x1.bbd779334ef0bp-20 * t; /* 1/15120, -1/604800 */
  double q2 = 0x1.66a8f2bf70ebep-25 + -0x1.22805d644267fp-30 * t; /* 1/23950080, n = 6 */
  double P = (q0 + q1 * t2) + t4 * (q2 + 0x1.d6db2c4e09162p-36 * t2);
  double c = r - t * P;
  double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  return bw_fm_exp_scale_(y, z.kt);
}

/* exp of x, |x| <= 700, by a polynomial of r (no division). */
static inline double bw_fm_exp_poly_(double x) {
  bw_fm_red_ z = bw_fm_exp_reduce_(x);
  double r = z.hi - z.lo;
  double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  double a1 = 0x1.0000000000000p-1 + 0x1.5555555555555p-3 * r;  /* 1/2!, 1/3! */
  double a2 = 0x1.5555555555555p-5 + 0x1.1111111111111p-7 * r;  /* 1/4!, 1/5! */
  double a3 = 0x1.6c16c16c16c17p-10 + 0x1.a01a01a01a01ap-13 * r; /* 1/6!, 1/7! */
  double a4 = 0x1.a01a01a01a01ap-16 + 0x1.71de3a556c734p-19 * r; /* 1/8!, 1/9! */
  double a5 = 0x1.27e4fb7789f5cp-22 + 0x1.ae64567f544e4p-26 * r; /* 1/10!, 1/11! */
  double a6 = 0x1.1eed8eff8d898p-29 + 0x1.6124613a86d09p-33 * r; /* 1/12!, 1/13! */
  double q = ((a1 + a2 * r2) + (a3 + a4 * r2) * r4) + (a5 + a6 * r2) * r8;
  double y = 1.0 + (r + r2 * q);
  return bw_fm_exp_scale_(y, z.kt);
}

/* 32-bit word -> (w + 1/2) 2^-32 exactly (as bw_u01), via bits: 2^52 + 2w + 1. */
static inline double bw_fm_u01_(uint32_t w) {
  uint64_t odd = ((uint64_t)w << 1) | 1u;
  return (bw_fm_double_(UINT64_C(0x4330000000000000) | odd) - BW_FM_TWO52) * 0x1p-33;
}

static inline double bw_log1(double x) { return bw_fm_log_(x); }
static inline double bw_exp1(double x) { return bw_fm_exp_(x); }
static inline double bw_exp_poly1(double x) { return bw_fm_exp_poly_(x); }
static inline double bw_neglog_u01_1(uint32_t w) { return -bw_fm_log_(bw_fm_u01_(w)); }

#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wunused-function"
#endif
/* out may be x itself (in place), but must not overlap it otherwise. */
BW_BATCH_CLONES BW_BATCH_CLONES_UNUSED static void bw_log_batch(const double *x, double *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = bw_fm_log_(x[i]);
}

BW_BATCH_CLONES BW_BATCH_CLONES_UNUSED static void bw_exp_batch(const double *x, double *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = bw_fm_exp_(x[i]);
}

BW_BATCH_CLONES BW_BATCH_CLONES_UNUSED static void bw_neglog_u01_batch(const uint32_t *restrict w,
                                                                double *restrict out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = -bw_fm_log_(bw_fm_u01_(w[i]));
}

#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#endif
