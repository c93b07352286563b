/* Lane arithmetic (lanes.h). */
#include <string.h>

#include "lanes.h"
#include "rng_batch.h"

/* T[g] += cnt[g] len; returns Σ cnt. */
BW_BATCH_CLONES int64_t bw_lanes_tally(int n, const int32_t *restrict cnt, double *restrict T,
                                                     double len) {
  int64_t s = 0;
  for (int g = 0; g < n; g++) {
    T[g] += (double)cnt[g] * len;
    s += cnt[g];
  }
  return s;
}

/* Σ cnt[g] over lanes [0, e). */
BW_BATCH_CLONES int64_t bw_lanes_sum_i32(int e, const int32_t *restrict cnt) {
  int64_t s = 0;
  for (int g = 0; g < e; g++) s += cnt[g];
  return s;
}

/* out[g] = a x[g] y[g] + b z[g] (a year's entry means per lane). */
BW_BATCH_CLONES void bw_lanes_axy_bz(int e, double *restrict out, double a, const double *restrict x,
                                 const double *restrict y, double b, const double *restrict z) {
  for (int g = 0; g < e; g++) out[g] = a * x[g] * y[g] + b * z[g];
}

/* out[g] = x[g] s1 s2. */
BW_BATCH_CLONES void bw_lanes_scale2(int e, double *restrict out, const double *restrict x, double s1, double s2) {
  for (int g = 0; g < e; g++) out[g] = x[g] * s1 * s2;
}

/* Largest count of lanes [0, e). */
BW_BATCH_CLONES int32_t bw_lanes_max_i32(int e, const int32_t *restrict cnt) {
  int32_t m = 0;
  for (int g = 0; g < e; g++) m = cnt[g] > m ? cnt[g] : m;
  return m;
}

/* Largest of lanes [0, e), all >= 0 (0 when none is above): by their bit
 * patterns, which order non-negative doubles as integers, so that GCC
 * vectorises the reduction (a double max does not without -ffast-math). */
BW_BATCH_CLONES double bw_lanes_max_nonneg(int e, const double *restrict mu) {
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

/* cum[g] = Σ_{k <= g} x[k] for g < n, x >= 0, returned cum[n − 1] (0 when
 * n = 0): four chunks summed side by side (four independent chains of
 * additions instead of one), then each chunk offset by the total before it.
 * Non-decreasing (rounding is monotone; a chunk's offset is the previous
 * chunk's last cum exactly). */
double bw_prefix_sum(const double *restrict x, int n, double *restrict cum) {
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

