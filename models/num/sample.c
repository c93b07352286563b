/* The sampler library's small common parts (sample.h): Bernoulli
 * thresholds, exponential times, the log-factorial and reciprocal tables,
 * the tests' switch of the lane inversions. */
#include <stdlib.h>

#include "sample.h"

int bw_lanes_inv_plain = 0;

uint64_t bw_u01_below(double p) {
  double x = p * 4294967296.0 - 0.5;
  if (!(x > 0)) return 0;
  if (x >= 4294967296.0) return UINT64_C(4294967296);
  return (uint64_t)ceil(x);
}

void bw_exp_rate_batch(const uint32_t *w, double h, double *out, size_t n) {
  if (h > 0) {
    bw_neglog_u01_batch(w, out, n);
    for (size_t i = 0; i < n; i++) out[i] /= h;
  } else {
    for (size_t i = 0; i < n; i++) out[i] = INFINITY;
  }
}

int bw_lftab_init(bw_lftab *t) {
  t->lf = malloc(sizeof(double) * BW_LFT_N);
  t->invk = malloc(sizeof(double) * BW_LFT_N);
  if (!t->lf || !t->invk) return -1;
  for (int k = 0; k < BW_LFT_N; k++) {
    t->lf[k] = lgamma(k + 1.0);
    t->invk[k] = k > 0 ? 1.0 / k : 0.0;
  }
  return 0;
}

void bw_lftab_free(bw_lftab *t) {
  free(t->lf), free(t->invk);
  t->lf = NULL, t->invk = NULL;
}
