/* Descriptive statistics with Monte Carlo standard errors (docs/model.md §8).
 *
 * Input values must not be NaN: the statistics of a sample with a NaN are
 * meaningless. The sort still orders NaN last (so it stays deterministic and
 * terminates), but nothing else in this file checks for it.
 *
 * Determinism: the sort below is our own (glibc's qsort may call malloc and
 * its algorithm is not ours to fix); it sorts by a total order on doubles
 * (-0 before +0, NaN last), so the sorted array is unique whatever the input
 * order, and every sum runs in a fixed order over it. */
#include "stats.h"

#include <math.h>
#include <stdint.h>

/* z of the two-sided 95 % normal interval, as written in stats.h. */
#define BW_Z95 1.96
/* CVaR level: the worst 5 %. */
#define BW_TAIL 0.05

/* ---- sort ---------------------------------------------------------------- */

/* a < b in the total order: numeric order, -0 before +0, NaN after all. */
static inline int total_less(double a, double b) {
  if (a < b) return 1;
  if (a > b) return 0;
  if (a == b) return signbit(a) && !signbit(b);
  return !isnan(a) && isnan(b);
}

static inline void swap_d(double *a, double *b) {
  double t = *a;
  *a = *b;
  *b = t;
}

static void insertion_sort(double *x, size_t n) {
  for (size_t i = 1; i < n; i++) {
    double v = x[i];
    size_t j = i;
    while (j > 0 && total_less(v, x[j - 1])) {
      x[j] = x[j - 1];
      j--;
    }
    x[j] = v;
  }
}

static void sift_down(double *x, size_t root, size_t n) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && total_less(x[child], x[child + 1])) child++;
    if (!total_less(x[root], x[child])) return;
    swap_d(&x[root], &x[child]);
    root = child;
  }
}

static void heap_sort(double *x, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift_down(x, i, n);
  for (size_t end = n - 1; end > 0; end--) {
    swap_d(&x[0], &x[end]);
    sift_down(x, 0, end);
  }
}

/* Introsort: median-of-three quicksort, heap sort when the depth budget runs
 * out (no O(n^2) worst case), insertion sort for short runs. Recurses on the
 * smaller part only, so the stack depth is O(log n). In place, no malloc. */
static void intro_sort(double *x, size_t n, int depth) {
  while (n > 16) {
    if (depth-- == 0) {
      heap_sort(x, n);
      return;
    }
    size_t mid = n / 2;
    if (total_less(x[mid], x[0])) swap_d(&x[mid], &x[0]);
    if (total_less(x[n - 1], x[0])) swap_d(&x[n - 1], &x[0]);
    if (total_less(x[n - 1], x[mid])) swap_d(&x[n - 1], &x[mid]);
    /* x[0] <= pivot <= x[n-1]: sentinels for the Hoare scans below. */
    double pivot = x[mid];
    size_t i = 0, j = n - 1;
    for (;;) {
      do i++; while (total_less(x[i], pivot));
      do j--; while (total_less(pivot, x[j]));
      if (i >= j) break;
      swap_d(&x[i], &x[j]);
    }
    /* [0, j] <= pivot <= [j+1, n) */
    size_t nl = j + 1, nr = n - nl;
    if (nl < nr) {
      intro_sort(x, nl, depth);
      x += nl;
      n = nr;
    } else {
      intro_sort(x + nl, nr, depth);
      n = nl;
    }
  }
  insertion_sort(x, n);
}

static void sort_doubles(double *x, size_t n) {
  int depth = 0;
  for (size_t m = n; m > 1; m >>= 1) depth += 2;
  intro_sort(x, n, depth);
}

/* ---- statistics ---------------------------------------------------------- */

/* Type-7 quantile of sorted s[0..n-1], n >= 1: h = (n-1)p, interpolate
 * between s[floor h] and the next value. */
static double quantile7(const double *s, size_t n, double p) {
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  if (lo >= n - 1) return s[n - 1];
  return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

/* Distribution-free standard error of the p-quantile: the order statistics
 * x_(l), x_(u) (1-based) with l = floor(np - z sqrt(np(1-p))) and
 * u = ceil(np + z sqrt(np(1-p))), clipped to [1, n], bound an approximate
 * 95 % interval; se = (x_(u) - x_(l)) / (2z). */
static double quantile_se(const double *s, size_t n, double p) {
  double np = (double)n * p;
  double half = BW_Z95 * sqrt(np * (1.0 - p));
  double l = floor(np - half), u = ceil(np + half);
  if (l < 1.0) l = 1.0;
  if (u > (double)n) u = (double)n;
  return (s[(size_t)u - 1] - s[(size_t)l - 1]) / (2.0 * BW_Z95);
}

/* Neumaier-compensated sum, in index order. */
static double sum_comp(const double *x, size_t n) {
  double s = 0.0, c = 0.0;
  for (size_t i = 0; i < n; i++) {
    double t = s + x[i];
    if (fabs(s) >= fabs(x[i]))
      c += (s - t) + x[i];
    else
      c += (x[i] - t) + s;
    s = t;
  }
  return s + c;
}

void bw_stat_compute(double *x, size_t n, bw_stat *out) {
  if (n == 0) {
    const double u = NAN;
    *out = (bw_stat){u, u, u, u, u, u, u, u, u, u, u, u, u, u, u, u};
    return;
  }
  out->err_q05 = out->err_q50 = out->err_q95 = out->err_cvar95 = 0.0;
  sort_doubles(x, n);
  double dn = (double)n;
  double mean = sum_comp(x, n) / dn;

  out->mean = mean;
  out->q05 = quantile7(x, n, 0.05);
  out->q50 = quantile7(x, n, 0.50);
  out->q95 = quantile7(x, n, 0.95);

  /* CVaR95 = mean of the largest ceil(0.05 n) values (ceil(n/20) exactly). */
  size_t k = (n + 19) / 20;
  out->cvar95 = sum_comp(x + (n - k), k) / (double)k;

  if (n == 1) {
    out->sd = 0.0;
    out->se_mean = out->se_sd = out->se_q05 = out->se_q50 = out->se_q95 = out->se_cvar95 = 0.0;
    return;
  }

  /* Central moments by a second pass (no cancellation of E[x^2] - mean^2). */
  double m2 = 0.0, m4 = 0.0;
  for (size_t i = 0; i < n; i++) {
    double d = x[i] - mean, d2 = d * d;
    m2 += d2;
    m4 += d2 * d2;
  }
  double var = m2 / (dn - 1.0); /* unbiased s^2 */
  double mu4 = m4 / dn;         /* fourth central moment */
  double sd = sqrt(var);
  out->sd = sd;
  out->se_mean = sd / sqrt(dn);

  /* Delta method: Var(s^2) ~ (mu4 - s^4 (n-3)/(n-1)) / n, se(s) = se(s^2) / (2s). */
  double var_s2 = (mu4 - var * var * (dn - 3.0) / (dn - 1.0)) / dn;
  out->se_sd = (sd > 0.0 && var_s2 > 0.0) ? sqrt(var_s2) / (2.0 * sd) : 0.0;

  out->se_q05 = quantile_se(x, n, 0.05);
  out->se_q50 = quantile_se(x, n, 0.50);
  out->se_q95 = quantile_se(x, n, 0.95);

  /* CVaR95: asymptotic Var = Var((X - q95)+) / (0.05^2 n); (X - q95)+ is
   * zero below q95, so only the sorted tail contributes to the sums. */
  double q = out->q95;
  double e1 = 0.0, e2 = 0.0;
  for (size_t i = n; i-- > 0 && x[i] > q;) {
    double e = x[i] - q;
    e1 += e;
    e2 += e * e;
  }
  double ebar = e1 / dn;
  double var_e = (e2 - dn * ebar * ebar) / (dn - 1.0);
  if (var_e < 0.0) var_e = 0.0;
  out->se_cvar95 = sqrt(var_e / (BW_TAIL * BW_TAIL * dn));
}

double bw_prop_greater(const double *x, size_t n, double theta, double *se) {
  if (n == 0) {
    if (se) *se = NAN;
    return NAN;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += x[i] > theta;
  double p = (double)k / (double)n;
  if (se) *se = sqrt(p * (1.0 - p) / (double)n);
  return p;
}

/* Wilson score interval, z = 1.96:
 * (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n).
 * n = 0 (no information) gives [0, 1]. k = 0 gives lo = 0 and k = n gives
 * hi = 1 exactly (the formula's value, free of rounding). */
void bw_wilson95(size_t k, size_t n, double *lo, double *hi) {
  if (n == 0) {
    *lo = 0.0;
    *hi = 1.0;
    return;
  }
  if (k > n) k = n;
  double dn = (double)n, p = (double)k / dn, z2 = BW_Z95 * BW_Z95;
  double denom = 1.0 + z2 / dn;
  double centre = (p + z2 / (2.0 * dn)) / denom;
  double half = BW_Z95 * sqrt(p * (1.0 - p) / dn + z2 / (4.0 * dn * dn)) / denom;
  double l = centre - half, h = centre + half;
  *lo = (k == 0 || l < 0.0) ? 0.0 : l;
  *hi = (k == n || h > 1.0) ? 1.0 : h;
}
