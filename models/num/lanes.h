/* Lane arithmetic: small loops over arrays of lanes (structure of arrays)
 * written so that GCC vectorises them (BW_BATCH_CLONES: every clone gives the
 * same bits). No model knowledge; the count kernel's lanes are gemeenten.
 *
 *   bw_lanes_tally(n, cnt, T, len)       T[g] += cnt[g] len; returns Σ cnt
 *   bw_lanes_sum_i32(n, cnt)             Σ cnt[g]
 *   bw_lanes_axy_bz(n, out, a, x, y, b, z)  out[g] = a x[g] y[g] + b z[g]
 *   bw_lanes_scale2(n, out, x, s1, s2)   out[g] = x[g] s1 s2
 *   bw_lanes_max_i32(n, cnt)             max(0, max cnt[g])
 *   bw_lanes_max_nonneg(n, x)            max(0, max x[g]) for x[g] >= 0, by
 *                                        their bit patterns (which order
 *                                        non-negative doubles as integers:
 *                                        a double max does not vectorise
 *                                        without -ffast-math)
 *   bw_prefix_sum(x, n, cum)             cum[g] = Σ_{k <= g} x[k], x >= 0,
 *                                        returns cum[n − 1] (0 when n = 0):
 *                                        four chunks side by side, then
 *                                        offset; non-decreasing
 */
#ifndef BW_LANES_H
#define BW_LANES_H

#include <stdint.h>

int64_t bw_lanes_tally(int n, const int32_t *cnt, double *T, double len);
int64_t bw_lanes_sum_i32(int n, const int32_t *cnt);
void bw_lanes_axy_bz(int n, double *out, double a, const double *x, const double *y, double b, const double *z);
void bw_lanes_scale2(int n, double *out, const double *x, double s1, double s2);
int32_t bw_lanes_max_i32(int n, const int32_t *cnt);
double bw_lanes_max_nonneg(int n, const double *x);
double bw_prefix_sum(const double *x, int n, double *cum);

#endif
