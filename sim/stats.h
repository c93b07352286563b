/* Descriptive statistics over replications, each with its Monte Carlo
 * standard error (docs/model.md §8). Deterministic: same input order, same bytes. */
#ifndef BW_STATS_H
#define BW_STATS_H

#include <stddef.h>

typedef struct {
  double mean, sd, q05, q50, q95, cvar95;
  double se_mean, se_sd, se_q05, se_q50, se_q95, se_cvar95;
  /* bound on |estimate - exact value| of a streaming estimate (sim/sketch.h);
   * 0 when computed from all values (bw_stat_compute) */
  double err_q05, err_q50, err_q95, err_cvar95;
} bw_stat;

/* Statistics of x[0..n-1]. x is scratch: it is sorted in place.
 * Quantiles: type-7 interpolation (as R/NumPy default). CVaR95: mean of the
 * worst (largest) 5 % (upper tail: shortfall is bad when large).
 * Standard errors: mean sd/sqrt(n); sd by the delta method from the fourth
 * central moment; quantiles from the distribution-free order-statistic 95 %
 * interval / (2*1.96); CVaR95 from the asymptotic variance
 * Var((X - q95)+)/(0.05^2 n). n = 0 gives all NaN, n = 1 sd and se = 0.
 * x must not contain NaN (the result is then meaningless). */
void bw_stat_compute(double *x, size_t n, bw_stat *out);

/* Proportion of x[0..n-1] strictly greater than theta, and its standard error
 * sqrt(p(1-p)/n). */
double bw_prop_greater(const double *x, size_t n, double theta, double *se);

/* Wilson 95 % interval for k successes out of n. */
void bw_wilson95(size_t k, size_t n, double *lo, double *hi);

#endif
