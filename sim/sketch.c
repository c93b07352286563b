/* Streaming, exactly mergeable statistics of one cell (see sketch.h).
 *
 * Every piece of state is an integer (n, the fixed-point sums, the bin
 * counts) or an extreme (min, max under a total order), so addition is
 * associative and commutative to the bit: the statistics depend on the
 * multiset of values added, never on the order. The histogram is read only
 * at the end (bw_cell_stat), in bin order. */
#include "sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BW_Z95 1.96
#define BW_TAIL 0.05
/* bins added beyond the one needed when the range grows: at least 32, and a
 * sixteenth of the held range, so that a cell whose values drift (a trend
 * over replications) is copied O(log n) times, not O(n), while the slack
 * stays within 1/8 of the range (memory must not grow with n) */
#define BW_GROW_PAD 32

/* a < b: numeric order, -0 before +0 (NaN never reaches a cell) */
static inline int total_less(double a, double b) {
  if (a < b) return 1;
  if (a > b) return 0;
  return signbit(a) && !signbit(b);
}

void bw_cell_init(bw_cell *cell, double c, double inv_h) {
  memset(cell, 0, sizeof *cell);
  cell->c = c;
  cell->inv_h = inv_h;
  cell->min = INFINITY;
  cell->max = -INFINITY;
}

void bw_cell_free(bw_cell *cell) {
  free(cell->cnt);
  cell->cnt = NULL;
  cell->len = 0;
}

void bw_cell_clear(bw_cell *cell) {
  cell->n = 0;
  cell->s1 = cell->s2 = 0;
  cell->min = INFINITY;
  cell->max = -INFINITY;
  if (cell->cnt) memset(cell->cnt, 0, (size_t)cell->len * sizeof *cell->cnt);
}

static inline int64_t bin_of(const bw_cell *cell, double x) {
  return (int64_t)floor(asinh(x / cell->c) * cell->inv_h);
}

/* Lower edge of bin i in x. */
static inline double edge(const bw_cell *cell, int64_t i) {
  return cell->c * sinh((double)i / cell->inv_h);
}

/* Make bins [a, b) present (a < b). */
static int cover(bw_cell *cell, int64_t a, int64_t b) {
  if (cell->len > 0 && a >= cell->lo && b <= cell->lo + (int64_t)cell->len) return 0;
  int64_t lo = cell->len ? cell->lo : a, hi = cell->len ? cell->lo + (int64_t)cell->len : b;
  int64_t pad = cell->len ? (int64_t)cell->len / 16 : 0;
  if (cell->len && pad < BW_GROW_PAD) pad = BW_GROW_PAD;
  if (a < lo) lo = a - pad;
  if (b > hi) hi = b + pad;
  if (hi - lo > (int64_t)UINT32_MAX / 2) return -1;
  uint32_t len = (uint32_t)(hi - lo);
  uint32_t *cnt = calloc(len, sizeof *cnt);
  if (!cnt) return -1;
  if (cell->len) memcpy(cnt + (cell->lo - lo), cell->cnt, (size_t)cell->len * sizeof *cnt);
  free(cell->cnt);
  cell->cnt = cnt;
  cell->lo = lo;
  cell->len = len;
  return 0;
}

static inline void add_extremes(bw_cell *cell, double mn, double mx) {
  if (total_less(mn, cell->min)) cell->min = mn;
  if (total_less(cell->max, mx)) cell->max = mx;
}

int64_t bw_cell_bin(const bw_cell *cell, double x) { return bin_of(cell, x); }

void bw_cell_prefetch(const bw_cell *cell, int64_t bin) {
  if (bin >= cell->lo && bin < cell->lo + (int64_t)cell->len)
    __builtin_prefetch(cell->cnt + (bin - cell->lo), 1);
}

int bw_cell_add(bw_cell *cell, double x) {
  if (isnan(x) || fabs(x) > BW_CELL_XMAX) return -2;
  return bw_cell_add_bin(cell, x, bin_of(cell, x));
}

int bw_cell_add_bin(bw_cell *cell, double x, int64_t i) {
  if (isnan(x) || fabs(x) > BW_CELL_XMAX) return -2;
  if (cover(cell, i, i + 1) != 0) return -1;
  cell->cnt[i - cell->lo]++;
  bw_i128 v = (bw_i128)llround(x * BW_FIX_SCALE);
  cell->n++;
  cell->s1 += v;
  cell->s2 += v * v;
  add_extremes(cell, x, x);
  return 0;
}

int bw_cell_merge(bw_cell *dst, const bw_cell *src) {
  if (dst->c != src->c || dst->inv_h != src->inv_h) return -2;
  if (src->n == 0) return 0;
  /* the used part of src only */
  uint32_t a = 0, b = src->len;
  while (a < b && src->cnt[a] == 0) a++;
  while (b > a && src->cnt[b - 1] == 0) b--;
  if (a < b) {
    if (cover(dst, src->lo + a, src->lo + b) != 0) return -1;
    uint32_t *d = dst->cnt + (src->lo + a - dst->lo);
    for (uint32_t k = a; k < b; k++) d[k - a] += src->cnt[k];
  }
  dst->n += src->n;
  dst->s1 += src->s1;
  dst->s2 += src->s2;
  add_extremes(dst, src->min, src->max);
  return 0;
}

/* ---- reading the histogram ------------------------------------------------ */

/* The values of bin k (index into cnt) lie in [lo, hi], the bin's edges
 * clipped to the observed [min, max]; the estimate is the midpoint. */
typedef struct {
  double mid, half;
} bin_val;

static bin_val bin_value(const bw_cell *cell, uint32_t k) {
  int64_t i = cell->lo + (int64_t)k;
  double a = edge(cell, i), b = edge(cell, i + 1);
  if (a < cell->min) a = cell->min;
  if (b > cell->max) b = cell->max;
  if (b < a) b = a; /* a one-value bin at an edge */
  /* asinh/sinh round: widen the bound by a few ulps of the value */
  double slack = 4e-15 * (fabs(a) > fabs(b) ? fabs(a) : fabs(b));
  return (bin_val){0.5 * (a + b), 0.5 * (b - a) + slack};
}

/* Order statistic of 0-based rank r (r < n): the bin holding it. The
 * smallest and largest values are known exactly. */
static bin_val order_stat(const bw_cell *cell, uint64_t r) {
  if (r == 0) return (bin_val){cell->min, 0.0};
  if (r + 1 == cell->n) return (bin_val){cell->max, 0.0};
  uint64_t cum = 0;
  for (uint32_t k = 0; k < cell->len; k++) {
    cum += cell->cnt[k];
    if (cum > r) return bin_value(cell, k);
  }
  return (bin_val){cell->max, 0.0}; /* unreachable for r < n */
}

/* Type-7 quantile (h = (n-1)p) and the bound on its error. */
static double quantile7(const bw_cell *cell, double p, double *err) {
  double h = (double)(cell->n - 1) * p;
  uint64_t lo = (uint64_t)floor(h);
  bin_val a = order_stat(cell, lo);
  if (lo + 1 >= cell->n) {
    *err = a.half;
    return a.mid;
  }
  bin_val b = order_stat(cell, lo + 1);
  double f = h - (double)lo;
  *err = (1.0 - f) * a.half + f * b.half;
  return a.mid + f * (b.mid - a.mid);
}

/* Standard error of the p-quantile as in stats.c: from the order
 * statistics at the ranks of an approximate 95 % interval. */
static double quantile_se(const bw_cell *cell, double p) {
  double n = (double)cell->n, np = n * p;
  double half = BW_Z95 * sqrt(np * (1.0 - p));
  double l = floor(np - half), u = ceil(np + half);
  if (l < 1.0) l = 1.0;
  if (u > n) u = n;
  return (order_stat(cell, (uint64_t)u - 1).mid - order_stat(cell, (uint64_t)l - 1).mid) /
         (2.0 * BW_Z95);
}

void bw_cell_stat(const bw_cell *cell, bw_stat *out) {
  const double u = NAN;
  if (cell->n == 0) {
    *out = (bw_stat){u, u, u, u, u, u, u, u, u, u, u, u, u, u, u, u};
    return;
  }
  const uint64_t n = cell->n;
  const long double ln = (long double)n, scale = BW_FIX_SCALE;

  /* mean and variance from the exact sums: with q = s1 div n, r = s1 mod n,
   * sum (v - mean)^2 = sum (v - q)^2 - r^2 / n, and sum (v - q)^2 =
   * s2 - 2 q s1 + n q^2 is an exact integer. */
  bw_i128 q = cell->s1 / (bw_i128)n, r = cell->s1 - q * (bw_i128)n;
  bw_i128 d = cell->s2 - 2 * q * cell->s1 + (bw_i128)n * q * q;
  long double ss = (long double)d - (long double)r * (long double)r / ln;
  if (ss < 0) ss = 0;
  double mean = (double)(((long double)q + (long double)r / ln) / scale);
  out->mean = mean;

  out->q05 = quantile7(cell, 0.05, &out->err_q05);
  out->q50 = quantile7(cell, 0.50, &out->err_q50);
  out->q95 = quantile7(cell, 0.95, &out->err_q95);

  /* CVaR95: mean of the largest k = ceil(n/20) values, from the top bins */
  uint64_t k = (n + 19) / 20, need = k;
  double tail = 0.0, tail_err = 0.0;
  for (uint32_t b = cell->len; b-- > 0 && need > 0;) {
    if (cell->cnt[b] == 0) continue;
    uint64_t take = cell->cnt[b] < need ? cell->cnt[b] : need;
    bin_val v = bin_value(cell, b);
    tail += (double)take * v.mid;
    tail_err += (double)take * v.half;
    need -= take;
  }
  out->cvar95 = tail / (double)k;
  out->err_cvar95 = tail_err / (double)k;

  if (n == 1) {
    out->sd = 0.0;
    out->se_mean = out->se_sd = out->se_q05 = out->se_q50 = out->se_q95 = out->se_cvar95 = 0.0;
    return;
  }
  double var = (double)(ss / (ln - 1) / (scale * scale));
  double sd = sqrt(var), dn = (double)n;
  out->sd = sd;
  out->se_mean = sd / sqrt(dn);

  /* fourth central moment and the CVaR tail moments from the bins */
  double m4 = 0.0, e1 = 0.0, e2 = 0.0, q95 = out->q95;
  for (uint32_t b = 0; b < cell->len; b++) {
    if (cell->cnt[b] == 0) continue;
    double x = bin_value(cell, b).mid, c = (double)cell->cnt[b];
    double dd = (x - mean) * (x - mean);
    m4 += c * dd * dd;
    if (x > q95) {
      e1 += c * (x - q95);
      e2 += c * (x - q95) * (x - q95);
    }
  }
  double mu4 = m4 / dn;
  double var_s2 = (mu4 - var * var * (dn - 3.0) / (dn - 1.0)) / dn;
  out->se_sd = (sd > 0.0 && var_s2 > 0.0) ? sqrt(var_s2) / (2.0 * sd) : 0.0;
  out->se_q05 = quantile_se(cell, 0.05);
  out->se_q50 = quantile_se(cell, 0.50);
  out->se_q95 = quantile_se(cell, 0.95);
  double ebar = e1 / dn, var_e = (e2 - dn * ebar * ebar) / (dn - 1.0);
  if (var_e < 0.0) var_e = 0.0;
  out->se_cvar95 = sqrt(var_e / (BW_TAIL * BW_TAIL * dn));
}

/* ---- serialisation ------------------------------------------------------ */

typedef struct {
  uint64_t n;
  bw_i128 s1, s2;
  double min, max, c, inv_h;
  int64_t lo;
  uint32_t len, pad;
} packed_head;

size_t bw_cell_packed_size(const bw_cell *cell) {
  return sizeof(packed_head) + (size_t)cell->len * sizeof(uint32_t);
}

size_t bw_cell_pack(const bw_cell *cell, unsigned char *buf) {
  packed_head h;
  memset(&h, 0, sizeof h);
  h.n = cell->n;
  h.s1 = cell->s1;
  h.s2 = cell->s2;
  h.min = cell->min;
  h.max = cell->max;
  h.c = cell->c;
  h.inv_h = cell->inv_h;
  h.lo = cell->lo;
  h.len = cell->len;
  memcpy(buf, &h, sizeof h);
  if (cell->len) memcpy(buf + sizeof h, cell->cnt, (size_t)cell->len * sizeof(uint32_t));
  return bw_cell_packed_size(cell);
}

size_t bw_cell_unpack_merge(bw_cell *dst, const unsigned char *buf, size_t avail) {
  packed_head h;
  if (avail < sizeof h) return 0;
  memcpy(&h, buf, sizeof h);
  size_t need = sizeof h + (size_t)h.len * sizeof(uint32_t);
  if (need > avail) return 0;
  bw_cell src;
  bw_cell_init(&src, h.c, h.inv_h);
  src.n = h.n;
  src.s1 = h.s1;
  src.s2 = h.s2;
  src.min = h.min;
  src.max = h.max;
  src.lo = h.lo;
  src.len = h.len;
  if (h.len) {
    src.cnt = malloc((size_t)h.len * sizeof(uint32_t));
    if (!src.cnt) return 0;
    memcpy(src.cnt, buf + sizeof h, (size_t)h.len * sizeof(uint32_t));
  }
  int rc = bw_cell_merge(dst, &src);
  bw_cell_free(&src);
  return rc == 0 ? need : 0;
}
