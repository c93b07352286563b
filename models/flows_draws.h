/* Exact samplers of the individual kernel (models/flows.c) that replace GSL
 * where GSL's scalar routines were the bottleneck. Each draws the law of
 * docs/model.md exactly (up to double rounding, as GSL does); none approximates.
 *
 *   bw_poisson_draw(s, mu)     Poisson(mu) from the words of stream s, in order:
 *                              inversion (sequential search) for mu < 10, PTRS
 *                              (Hörmann 1993, transformed rejection with
 *                              squeeze) for mu >= 10. Uniforms have 53 bits.
 *   bw_fwd_weibull_init(f, k)  for Weibull shape k > 1: the forward-recurrence
 *   bw_fwd_weibull_try(f,...)  residual in units of the scale, density
 *                              exp(-x^k) / Γ(1 + 1/k) on x > 0 (docs/model.md §3.1:
 *                              R = U·D*, D* = λ·G^(1/k), G ~ Gamma(1 + 1/k), has
 *                              density P(D > r) / E D = exp(-(r/λ)^k) / (λ Γ(1 + 1/k))),
 *                              by rejection from an exponential envelope.
 */
#ifndef BW_FLOWS_DRAWS_H
#define BW_FLOWS_DRAWS_H

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_sf_gamma.h>

#include "fastmath.h"
#include "rng_purpose.h"

/* Uniform on [0, 1) with 53 bits from the next two words of s. */
static inline double bw_stream_u53(bw_rng_stream *s) {
  uint32_t hi = bw_rng_stream_u32(s);
  uint32_t lo = bw_rng_stream_u32(s);
  return bw_u01_53(hi, lo);
}

/* The same 53 bits as a uniform on the open interval (0, 1): bw_u01_53 + 2^-54
 * (exact), for a V whose logarithm is taken. */
static inline double bw_u01_53_open(uint32_t hi, uint32_t lo) {
  return ((double)(((uint64_t)(hi >> 5) << 26) | (lo >> 6)) + 0.5) * (1.0 / 9007199254740992.0);
}

static inline double bw_stream_u53_open(bw_rng_stream *s) {
  uint32_t hi = bw_rng_stream_u32(s);
  uint32_t lo = bw_rng_stream_u32(s);
  return bw_u01_53_open(hi, lo);
}

/* ---- Poisson ------------------------------------------------------------------ */

/* mu < 10: the smallest x with F(x) >= u, F the Poisson CDF summed from 0.
 * Past x = 80 the tail has mass < 1e-40 (mu < 10), far below the 2^-53 grid
 * of u: the cap only guards against F stopping short of u by rounding. */
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

/* mu >= 10: PTRS, W. Hörmann, "The transformed rejection method for
 * generating Poisson random variables", Insurance: Mathematics and Economics
 * 12 (1993) 39–45. Hat function from the transformation k = ⌊(2a/us + b)U + mu
 * + 0.43⌋ with the paper's constants; a squeeze accepts about 86 % at once,
 * the rest are tested against the exact log pmf -mu + k log mu - log k!.
 * bw_ptrs_try is one proposal from two uniforms, U on [0, 1) and V on (0, 1)
 * (log V is taken): k, or -1 when rejected. (flows.c evaluates the squeeze of the first proposal in SIMD
 * lanes with the same expressions, in the same order.) */
typedef struct {
  double mu, log_mu, a, b, inv_alpha, vr;
} bw_ptrs;

static inline void bw_ptrs_init(bw_ptrs *q, double mu) {
  q->mu = mu;
  q->log_mu = log(mu);
  q->b = 0.931 + 2.53 * sqrt(mu);
  q->a = -0.059 + 0.02483 * q->b;
  q->inv_alpha = 1.1239 + 1.1328 / (q->b - 3.4);
  q->vr = 0.9277 - 3.6224 / (q->b - 2.0);
}

static inline double bw_ptrs_try(const bw_ptrs *q, double u1, double u2) {
  double U = u1 - 0.5, V = u2;
  double us = 0.5 - fabs(U);
  double k = floor((2.0 * q->a / us + q->b) * U + q->mu + 0.43);
  if (us >= 0.07 && V <= q->vr) return k;
  if (k < 0 || (us < 0.013 && V > us)) return -1;
  double log_kfact = k < 4294967295.0 ? gsl_sf_lnfact((unsigned)k) : gsl_sf_lngamma(k + 1.0);
  if (log(V) + log(q->inv_alpha) - log(q->a / (us * us) + q->b) <= -q->mu + k * q->log_mu - log_kfact)
    return k;
  return -1;
}

/* Poisson(mu) from the words of s in order: one uniform (two words) for
 * inversion, two uniforms (one block) per PTRS proposal, U on [0, 1) and V
 * on (0, 1). */
static inline unsigned bw_poisson_draw(bw_rng_stream *s, double mu) {
  if (!(mu > 0)) return 0;
  if (mu < 10.0) return bw_poisson_inv(bw_stream_u53(s), mu);
  bw_ptrs q;
  bw_ptrs_init(&q, mu);
  for (;;) {
    double u1 = bw_stream_u53(s);
    double k = bw_ptrs_try(&q, u1, bw_stream_u53_open(s));
    if (k >= 0) return (unsigned)k;
  }
}

/* ---- forward recurrence of a Weibull stay, shape k > 1 ------------------------ */

/* Rejection from the envelope e^h·e^(-βx) ≥ e^(-x^k): propose x = E1/β with
 * E1 ~ Exp(1), accept with probability exp(βx - x^k - h), i.e. iff an
 * independent E2 ~ Exp(1) satisfies E2 >= x^k + h - E1.
 * β = k^(1/k) minimises the envelope's mass; then max_x (βx - x^k) = (k - 1)/k
 * (at x = 1/β), and h adds 1e-12 so that rounding in β cannot make the
 * acceptance probability exceed 1. Acceptance 1/(mass) = Γ(1 + 1/k)·β·e^-(k-1)/k:
 * 0.927 for k = 1.2, 0.76 for k = 2. */
typedef struct {
  double k, inv_beta, h;
} bw_fwd_weibull;

static inline void bw_fwd_weibull_init(bw_fwd_weibull *f, double k) {
  f->k = k;
  f->inv_beta = 1.0 / pow(k, 1.0 / k);
  f->h = (k - 1.0) / k + 1e-12;
}

/* One proposal from the unit exponentials e1, e2: 1 and *x, or 0 (rejected). */
static inline int bw_fwd_weibull_try(const bw_fwd_weibull *f, double e1, double e2, double *x) {
  double xv = e1 * f->inv_beta;
  double xk = bw_exp1(f->k * bw_log1(xv));
  *x = xv;
  return e2 >= xk + f->h - e1;
}

#endif
