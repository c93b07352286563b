/* Weibull variates (sample.h), the individual kernel's.
 *
 * Algorithms
 *   inversion      D = scale (−log U)^(1/k) (bw_weibull_batch), by the
 *                  batch log/exp of fastmath.h; k = 1 needs no power.
 *   forward        the residual stay of a client in care on a given day
 *   recurrence     (docs/model.md §3.1): R = U·D*, D* = λ G^(1/k), G ~
 *                  Gamma(1 + 1/k), has density P(D > r)/E D = exp(−(r/λ)^k)
 *                  / (λ Γ(1 + 1/k)); in units of λ, exp(−x^k) / Γ(1 + 1/k).
 *                  For k > 1 by rejection from the envelope e^h e^(−βx) >=
 *                  e^(−x^k): propose x = E1/β, E1 ~ Exp(1), accept with
 *                  probability exp(βx − x^k − h), i.e. iff an independent
 *                  E2 ~ Exp(1) satisfies E2 >= x^k + h − E1. β = k^(1/k)
 *                  minimises the envelope's mass; then max_x (βx − x^k) =
 *                  (k − 1)/k (at x = 1/β), and h adds 1e-12 so that rounding
 *                  in β cannot make the acceptance probability exceed 1.
 *                  Acceptance 1/mass = Γ(1 + 1/k) β e^−(k−1)/k: 0.927 for
 *                  k = 1.2, 0.76 for k = 2. (k = 1: the residual is Exp(1)
 *                  itself; k < 1: the kernel draws U λ G^(1/k) with GSL's
 *                  Gamma.)
 *
 * Interface: bw_weibull_batch; bw_fwd_weibull_init, then per batch
 * bw_fwd_weibull_lanes (the first proposal of every draw, vectorised), then
 * bw_fwd_weibull_try (sample.h, its scalar twin) per rejected draw with
 * further exponentials until one is accepted.
 */
#include "sample.h"

void bw_weibull_batch(const uint32_t *w, double scale, double inv_shape, int expo, double *dur, size_t n) {
  bw_neglog_u01_batch(w, dur, n);
  if (!expo) {
    bw_log_batch(dur, dur, n);
    for (size_t i = 0; i < n; i++) dur[i] *= inv_shape;
    bw_exp_batch(dur, dur, n);
  }
  for (size_t i = 0; i < n; i++) dur[i] *= scale;
}

int bw_fwd_weibull_lanes(const bw_fwd_weibull *f, const uint32_t *w1, const uint32_t *w2, int n, double scale,
                         double *out, double *e1, double *e2, double *x, int *rej) {
  bw_neglog_u01_batch(w1, e1, (size_t)n);
  bw_neglog_u01_batch(w2, e2, (size_t)n);
  for (int i = 0; i < n; i++) x[i] = e1[i] * f->inv_beta;
  bw_log_batch(x, out, (size_t)n);
  for (int i = 0; i < n; i++) out[i] *= f->k;
  bw_exp_batch(out, out, (size_t)n); /* x^k */
  /* accepted iff E2 >= x^k + h − E1 */
  int nrej = 0;
  for (int i = 0; i < n; i++) {
    rej[nrej] = i;
    nrej += e2[i] < out[i] + f->h - e1[i];
    out[i] = scale * x[i];
  }
  return nrej;
}
