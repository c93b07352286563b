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

#include "fastmath.h" /* bw_fm_log_, BW_BATCH_CLONES */

#define BW_Z95 1.96
#define BW_TAIL 0.05
/* bins added beyond the one needed when the range grows: at least 32, and a
 * sixteenth of the held range, so that a cell whose values drift (a trend
 * over replications) is copied O(log n) times, not O(n), while the slack
 * stays within 1/8 of the range (memory must not grow with n) */
#define BW_GROW_PAD 32
/* A cell's first block of at least BW_FIRST_BLOCK values is held with
 * 1/BW_FIRST_PAD_DIV of its range (at least BW_GROW_PAD bins) more on each
 * side: on the default data the spread of 10^5 replications stays within
 * it (docs/statistics.md), so the histogram is not copied again. */
#define BW_FIRST_BLOCK 16
#define BW_FIRST_PAD_DIV 3

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
  free(cell->car);
  cell->cnt = NULL;
  cell->car = NULL;
  cell->len = cell->ncar = cell->capcar = 0;
}

void bw_cell_clear(bw_cell *cell) {
  cell->n = 0;
  cell->s1 = cell->s2 = 0;
  cell->min = INFINITY;
  cell->max = -INFINITY;
  if (cell->cnt) memset(cell->cnt, 0, (size_t)cell->len * sizeof *cell->cnt);
  cell->ncar = 0;
}

/* ---- carries: multiples of 65536 of a bin's count ---------------------------- */

/* index of the first carry with bin >= i */
static inline uint32_t carry_find(const bw_cell *cell, int64_t i) {
  uint32_t a = 0, b = cell->ncar;
  while (a < b) {
    uint32_t m = a + (b - a) / 2;
    if (cell->car[m].bin < i) a = m + 1;
    else b = m;
  }
  return a;
}

static inline uint64_t carry_of(const bw_cell *cell, int64_t i) {
  if (cell->ncar == 0) return 0;
  uint32_t k = carry_find(cell, i);
  return k < cell->ncar && cell->car[k].bin == i ? cell->car[k].hi : 0;
}

/* room for `more` new carries: 0, -1 out of memory (nothing changed) */
static int carry_reserve(bw_cell *cell, uint32_t more) {
  if (cell->capcar - cell->ncar >= more) return 0;
  uint64_t cap = cell->capcar ? 2 * (uint64_t)cell->capcar : 4;
  if (cap < (uint64_t)cell->ncar + more) cap = (uint64_t)cell->ncar + more;
  if (cap > UINT32_MAX) return -1;
  bw_carry *c = realloc(cell->car, (size_t)cap * sizeof *c);
  if (!c) return -1;
  cell->car = c;
  cell->capcar = (uint32_t)cap;
  return 0;
}

/* carry of bin i += hi (room reserved for a new one) */
static void carry_add(bw_cell *cell, int64_t i, uint64_t hi) {
  uint32_t k = carry_find(cell, i);
  if (k < cell->ncar && cell->car[k].bin == i) {
    cell->car[k].hi += hi;
    return;
  }
  memmove(cell->car + k + 1, cell->car + k, (size_t)(cell->ncar - k) * sizeof *cell->car);
  cell->car[k] = (bw_carry){i, hi};
  cell->ncar++;
}

/* the count of bin k (index into cnt) */
static inline uint64_t cnt_at(const bw_cell *cell, uint32_t k) {
  uint64_t v = cell->cnt[k];
  if (cell->ncar) v += carry_of(cell, cell->lo + (int64_t)k) << 16;
  return v;
}

uint64_t bw_cell_count(const bw_cell *cell, int64_t i) {
  if (cell->len == 0 || i < cell->lo || i >= cell->lo + (int64_t)cell->len) return 0;
  return cnt_at(cell, (uint32_t)(i - cell->lo));
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
  uint16_t *cnt = calloc(len, sizeof *cnt);
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
  if (cell->cnt[i - cell->lo] == UINT16_MAX) {
    if (carry_reserve(cell, 1) != 0) return -1;
    carry_add(cell, i, 1);
  }
  cell->cnt[i - cell->lo]++;
  bw_i128 v = (bw_i128)llround(x * BW_FIX_SCALE);
  cell->n++;
  cell->s1 += v;
  cell->s2 += v * v;
  add_extremes(cell, x, x);
  return 0;
}

/* ---- blocks of values --------------------------------------------------------
 * bin_of calls libm's asinh (about 20 ns); a block computes the same bins in a
 * vector loop: a = log(|u| + sqrt(u^2 + 1)) with the vectorisable log of
 * fastmath.h and u = x (1/c). a differs from libm's asinh(|x / c|) by a
 * few ulps at most (each step rounds once; both are within 2 ulps of the
 * true value), far less than BIN_SLACK (1 + a) = 2^-40 (1 + a).
 * When floor(inv_h (s - slack)) = floor(inv_h (s + slack)), s = a with the
 * sign of u, that is bin_of's bin (rounding is monotone); otherwise (a value
 * within 2^-40 of a bin edge in asinh: probability ~1e-7 per value) the
 * block takes bin_of's path for it, and exact zeros bin 0 (asinh(+-0) = +-0,
 * floor(+-0) = 0). The bins, and so every count, are therefore exactly those
 * bw_cell_add gives. (Single precision for the sqrt and log was tried: its
 * wider slack sends ~1 % of the values to libm, and the block was slower.) */
#define BIN_SLACK 0x1p-40
#define BIN_TMAX 1073741824.0 /* 2^30: bins beyond take bin_of's path */
#define BIN_UMAX 1e150        /* |u| beyond (u^2 overflowing) takes bin_of's path */

/* bins of n values into bin (and bin[n ..]: the bin of the value's upper
 * slack); returns whether some value's bin is ambiguous (those must be
 * recomputed), whether a value is NaN or beyond XMAX, and the bins' range. */
typedef struct {
  int amb, bad;       /* nonzero: some bin is ambiguous; 1: a value NaN or beyond XMAX */
  int32_t bmin, bmax; /* range of bin[] */
} bins_info;

BW_BATCH_CLONES static bins_info bins_vec(double c, double inv_h, const double *x, int n, int32_t *bin) {
  int32_t *bhi = bin + n;
  /* x (1/c) is within an ulp of x / c: a change of asinh far below the slack */
  const double inv_c = 1.0 / c;
  int amb = 0, bad = 0;
  int32_t bmin = INT32_MAX, bmax = INT32_MIN;
  for (int i = 0; i < n; i++) {
    double u = x[i] * inv_c;
    double au = fabs(u);
    double ac = au < BIN_UMAX ? au : BIN_UMAX; /* u^2 must not overflow (beyond: bin_of) */
    double w = ac + sqrt(ac * ac + 1.0);
    double a = bw_fm_log_(w);
    double e = BIN_SLACK * (1.0 + a);
    double s = u < 0.0 ? -a : a;
    double tlo = floor((s - e) * inv_h), thi = floor((s + e) * inv_h);
    /* the slow path for: beyond +-2^30 bins, |u| >= BIN_UMAX and u = 0 (and
     * NaN, whose tlo is clamped below: no NaN is converted) */
    int slow = tlo <= -BIN_TMAX || thi >= BIN_TMAX || au >= BIN_UMAX || u == 0.0;
    tlo = tlo > -BIN_TMAX ? (tlo < BIN_TMAX ? tlo : BIN_TMAX) : -BIN_TMAX;
    thi = slow ? tlo + 1.0 : thi;
    int32_t lo = (int32_t)tlo, hi = (int32_t)thi;
    bin[i] = lo;
    bhi[i] = hi;
    amb |= hi - lo; /* nonzero: some bin is ambiguous */
    bad |= !(fabs(x[i]) <= BW_CELL_XMAX);
    bmin = lo < bmin ? lo : bmin;
    bmax = lo > bmax ? lo : bmax;
  }
  return (bins_info){amb, bad, bmin, bmax};
}

/* The block's exact sums and extremes in a vector loop. v = round(256 x)
 * (llround's value; |v| <= 2^46, an integer-valued double) is split as
 * v = a 2^24 + b, a = floor(v 2^-24) (|a| <= 2^22), 0 <= b < 2^24, all
 * exact in doubles; then v^2 = a^2 2^48 + a b 2^25 + b^2, and the sums of
 * a^2, a b (64-bit signed) and b^2 (64-bit unsigned) of up to 2^16 values
 * cannot overflow: 32 x 32-bit products summed in 64-bit lanes, combined in
 * 128 bits once per block. The extremes as integer keys in total_less's
 * order (the bits of a double, the magnitude bits flipped when negative:
 * -0 is then -1, below +0's 0), whose min and max vectorise. */
typedef struct {
  int64_t s1;
  bw_i128 s2;
  double mn, mx;
} block_sums;

static inline int64_t order_key(double x) {
  int64_t k;
  memcpy(&k, &x, sizeof k);
  return k ^ (int64_t)((uint64_t)(k >> 63) >> 1);
}
static inline double key_value(int64_t k) {
  k ^= (int64_t)((uint64_t)(k >> 63) >> 1);
  double x;
  memcpy(&x, &k, sizeof x);
  return x;
}

BW_BATCH_CLONES static block_sums sums_vec(const double *x, int n) {
  int64_t sa = 0, sb = 0, saa = 0, sab = 0;
  uint64_t sbb = 0;
  int64_t kmn = INT64_MAX, kmx = INT64_MIN;
  for (int i = 0; i < n; i++) {
    double y = x[i] * BW_FIX_SCALE, t = trunc(y), f = y - t;
    double v = t + (f >= 0.5 ? 1.0 : 0.0) - (f <= -0.5 ? 1.0 : 0.0);
    double ah = floor(v * 0x1p-24), bl = v - ah * 0x1p24;
    int64_t ai = (int32_t)ah, bi = (int32_t)bl;
    sa += ai;
    sb += bi;
    saa += ai * ai;
    sab += ai * bi;
    sbb += (uint64_t)(bi * bi);
    int64_t k = order_key(x[i]);
    kmn = k < kmn ? k : kmn;
    kmx = k > kmx ? k : kmx;
  }
  block_sums r;
  r.s1 = sa * (int64_t)(1 << 24) + sb;
  r.s2 = (bw_i128)saa * ((bw_i128)1 << 48) + (bw_i128)sab * ((bw_i128)1 << 25) + (bw_i128)sbb;
  r.mn = key_value(kmn);
  r.mx = key_value(kmx);
  return r;
}

int bw_cell_block_bins(const bw_cell *cell, const double *x, int n, int32_t *bin, int32_t range[2]) {
  if (n <= 0) return 0;
  bins_info bi = bins_vec(cell->c, cell->inv_h, x, n, bin);
  if (bi.bad) return -2;
  if (bi.amb > 0) {
    for (int i = 0; i < n; i++) {
      if (bin[n + i] == bin[i]) continue;
      int64_t b = x[i] == 0.0 ? 0 : bin_of(cell, x[i]); /* asinh(+-0) = +-0, floor: 0 */
      if (b <= -(int64_t)BIN_TMAX || b >= (int64_t)BIN_TMAX) return 1; /* far outside any sane range */
      bin[i] = (int32_t)b;
    }
    bi.bmin = bi.bmax = bin[0];
    for (int i = 1; i < n; i++) {
      bi.bmin = bin[i] < bi.bmin ? bin[i] : bi.bmin;
      bi.bmax = bin[i] > bi.bmax ? bin[i] : bi.bmax;
    }
  }
  range[0] = bi.bmin;
  range[1] = bi.bmax;
  return 0;
}

void bw_cell_prefetch_range(const bw_cell *cell, const int32_t range[2]) {
  int64_t a = range[0] > cell->lo ? range[0] : cell->lo;
  int64_t b = (int64_t)range[1] + 1 < cell->lo + (int64_t)cell->len ? (int64_t)range[1] + 1 : cell->lo + (int64_t)cell->len;
  if (a >= b) return;
  const char *p = (const char *)(cell->cnt + (a - cell->lo)), *end = (const char *)(cell->cnt + (b - cell->lo));
  p = (const char *)((uintptr_t)p & ~(uintptr_t)63);
  for (; p < end; p += 64) __builtin_prefetch(p, 1);
}

int bw_cell_add_block_bins(bw_cell *cell, const double *x, int n, int32_t *bin, const int32_t range[2]) {
  if (n <= 0) return 0;
  if (cell->len == 0 && n >= BW_FIRST_BLOCK) {
    /* a cell's first block: room for the tails later blocks reach, so that
     * the histogram is allocated once (no copies, no freed arrays left in
     * other threads' malloc arenas: memory flat in the replications) */
    int64_t w = (int64_t)range[1] - range[0] + 1, pad = w / BW_FIRST_PAD_DIV;
    if (pad < BW_GROW_PAD) pad = BW_GROW_PAD;
    if (cover(cell, range[0] - pad, (int64_t)range[1] + 1 + pad) != 0) return -1;
  }
  if (cover(cell, range[0], (int64_t)range[1] + 1) != 0) return -1;
  uint16_t *cnt = cell->cnt;
  int64_t lo = cell->lo;
  /* counts that wrap past 65535: their bins (in bin[n ..]) get a carry */
  int32_t *wrap = bin + n;
  int nw = 0;
  for (int i = 0; i < n; i++) {
    uint16_t v = (uint16_t)(cnt[bin[i] - lo] + 1);
    cnt[bin[i] - lo] = v;
    if (__builtin_expect(v == 0, 0)) wrap[nw++] = bin[i];
  }
  if (nw > 0) {
    if (carry_reserve(cell, (uint32_t)nw) != 0) {
      for (int i = 0; i < n; i++) cnt[bin[i] - lo]--; /* undo: nothing added */
      return -1;
    }
    for (int k = 0; k < nw; k++) carry_add(cell, wrap[k], 1);
  }
  block_sums bs = sums_vec(x, n);
  cell->n += (uint64_t)n;
  cell->s1 += bs.s1;
  cell->s2 += bs.s2;
  add_extremes(cell, bs.mn, bs.mx);
  return 0;
}

int bw_cell_add_block(bw_cell *cell, const double *x, int n, int32_t *bin) {
  int32_t range[2];
  int rc = bw_cell_block_bins(cell, x, n, bin, range);
  if (rc == 1) {
    for (int k = 0; k < n; k++) {
      rc = bw_cell_add(cell, x[k]);
      if (rc) return rc;
    }
    return 0;
  }
  if (rc) return rc;
  return bw_cell_add_block_bins(cell, x, n, bin, range);
}

int bw_cell_merge(bw_cell *dst, const bw_cell *src) {
  if (dst->c != src->c || dst->inv_h != src->inv_h) return -2;
  if (src->n == 0) return 0;
  /* the used part of src only (a bin with a carry is used) */
  uint32_t a = 0, b = src->len;
  while (a < b && cnt_at(src, a) == 0) a++;
  while (b > a && cnt_at(src, b - 1) == 0) b--;
  if (a < b) {
    if (cover(dst, src->lo + a, src->lo + b) != 0) return -1;
    uint16_t *d = dst->cnt + (src->lo + a - dst->lo);
    /* room for every carry first (src's, and the sums past 65535), so that
     * nothing fails half-way */
    uint32_t more = src->ncar;
    for (uint32_t k = a; k < b; k++) more += (uint32_t)d[k - a] + src->cnt[k] > UINT16_MAX;
    if (carry_reserve(dst, more) != 0) return -1;
    for (uint32_t k = a; k < b; k++) {
      uint32_t v = (uint32_t)d[k - a] + src->cnt[k];
      d[k - a] = (uint16_t)v;
      if (v > UINT16_MAX) carry_add(dst, src->lo + (int64_t)k, 1);
    }
    for (uint32_t k = 0; k < src->ncar; k++) carry_add(dst, src->car[k].bin, src->car[k].hi);
  }
  dst->n += src->n;
  dst->s1 += src->s1;
  dst->s2 += src->s2;
  add_extremes(dst, src->min, src->max);
  return 0;
}

/* ---- reading the histogram ------------------------------------------------ */

void bw_edge_tab_free(bw_edge_tab *t) {
  free(t->v);
  memset(t, 0, sizeof *t);
}

int bw_edge_tab_build(bw_edge_tab *t, double inv_h, const bw_cell *const *cells, size_t ncell) {
  memset(t, 0, sizeof *t);
  t->inv_h = inv_h;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t k = 0; k < ncell; k++) {
    const bw_cell *c = cells[k];
    if (!c || c->inv_h != inv_h || c->n == 0 || c->len == 0) continue;
    if (c->lo < lo) lo = c->lo;
    if (c->lo + (int64_t)c->len + 1 > hi) hi = c->lo + (int64_t)c->len + 1;
  }
  if (lo >= hi) return 0;
  if (hi - lo > BW_EDGE_TAB_MAX) return 0; /* too wide: sinh per edge */
  t->v = malloc((size_t)(hi - lo) * sizeof *t->v);
  if (!t->v) return -1;
  t->lo = lo;
  t->n = (size_t)(hi - lo);
  for (size_t k = 0; k < t->n; k++) t->v[k] = sinh((double)(lo + (int64_t)k) / inv_h);
  return 0;
}

/* Lower edge of bin i in x: c sinh(i / inv_h), from the table when it holds
 * it (the same double: the table holds sinh(i / inv_h)). */
static inline double edge_t(const bw_cell *cell, const bw_edge_tab *tab, int64_t i) {
  if (tab && tab->v && tab->inv_h == cell->inv_h && i >= tab->lo && i < tab->lo + (int64_t)tab->n)
    return cell->c * tab->v[i - tab->lo];
  return edge(cell, i);
}

/* The values of bin k (index into cnt) lie in [lo, hi], the bin's edges
 * clipped to the observed [min, max]; the estimate is the midpoint. */
typedef struct {
  double mid, half;
} bin_val;

/* The table's sinh(i / inv_h) for the cell's edges lo .. lo + len, or NULL
 * when the table does not hold them all. */
static const double *tab_span(const bw_cell *cell, const bw_edge_tab *tab) {
  if (!tab || !tab->v || tab->inv_h != cell->inv_h || cell->lo < tab->lo ||
      cell->lo + (int64_t)cell->len + 1 > tab->lo + (int64_t)tab->n)
    return NULL;
  return tab->v + (cell->lo - tab->lo);
}

/* bin_value's midpoint, the edges from span (tab_span): the same double. */
static inline double bin_mid_span(const bw_cell *cell, const double *span, uint32_t k) {
  double a = cell->c * span[k], b = cell->c * span[k + 1];
  if (a < cell->min) a = cell->min;
  if (b > cell->max) b = cell->max;
  if (b < a) b = a;
  return 0.5 * (a + b);
}

static bin_val bin_value(const bw_cell *cell, const bw_edge_tab *tab, uint32_t k) {
  int64_t i = cell->lo + (int64_t)k;
  double a = edge_t(cell, tab, i), b = edge_t(cell, tab, i + 1);
  if (a < cell->min) a = cell->min;
  if (b > cell->max) b = cell->max;
  if (b < a) b = a; /* a one-value bin at an edge */
  /* asinh/sinh round: widen the bound by a few ulps of the value */
  double slack = 4e-15 * (fabs(a) > fabs(b) ? fabs(a) : fabs(b));
  return (bin_val){0.5 * (a + b), 0.5 * (b - a) + slack};
}

/* The order statistics of 0-based ranks r[0 .. k-1] (each < n) in one pass
 * over the bins: the bin holding each (the smallest and largest values are
 * known exactly); and, in the same pass, m4 = sum over the bins of
 * count (mid - mean)^4 (mean NaN: not wanted). */
enum { MAX_RANKS = 12 };
static void order_stats(const bw_cell *cell, const bw_edge_tab *tab, const uint64_t *r, int k, bin_val *out,
                        double mean, double *m4) {
  int ord[MAX_RANKS], m = 0;
  for (int j = 0; j < k; j++) {
    if (r[j] == 0) out[j] = (bin_val){cell->min, 0.0};
    else if (r[j] + 1 == cell->n) out[j] = (bin_val){cell->max, 0.0};
    else {
      int at = m++;
      while (at > 0 && r[ord[at - 1]] > r[j]) {
        ord[at] = ord[at - 1];
        at--;
      }
      ord[at] = j;
    }
  }
  uint64_t cum = 0;
  int next = 0;
  double acc = 0.0;
  const double *span = tab_span(cell, tab);
  int want_m4 = !isnan(mean);
  for (uint32_t b = 0; b < cell->len; b++) {
    uint64_t cb = cnt_at(cell, b);
    if (cb == 0) continue;
    cum += cb;
    bin_val v = {0.0, 0.0};
    int have = 0;
    while (next < m && cum > r[ord[next]]) {
      if (!have) v = bin_value(cell, tab, b), have = 1;
      out[ord[next++]] = v;
    }
    if (want_m4) {
      double x = have ? v.mid : span ? bin_mid_span(cell, span, b) : bin_value(cell, tab, b).mid, c = (double)cb;
      double dd = (x - mean) * (x - mean);
      acc += c * dd * dd;
    } else if (next == m) {
      break;
    }
  }
  for (; next < m; next++) out[ord[next]] = (bin_val){cell->max, 0.0}; /* unreachable for r < n */
  if (m4) *m4 = acc;
}

/* Type-7 quantile (h = (n-1)p) from the order statistics a (rank floor(h))
 * and b (the next, when there is one), and the bound on its error. */
static double quantile7(const bw_cell *cell, double p, bin_val a, bin_val b, double *err) {
  double h = (double)(cell->n - 1) * p;
  uint64_t lo = (uint64_t)floor(h);
  if (lo + 1 >= cell->n) {
    *err = a.half;
    return a.mid;
  }
  double f = h - (double)lo;
  *err = (1.0 - f) * a.half + f * b.half;
  return a.mid + f * (b.mid - a.mid);
}

/* The ranks behind quantile7 (two: floor(h) and the next, or floor(h)
 * twice) and behind the standard error of the p-quantile as in stats.c (the
 * order statistics at the ranks of an approximate 95 % interval). */
static void quantile_ranks(uint64_t n, double p, uint64_t *r) {
  double h = (double)(n - 1) * p;
  uint64_t lo = (uint64_t)floor(h);
  r[0] = lo;
  r[1] = lo + 1 < n ? lo + 1 : lo;
  double dn = (double)n, np = dn * p;
  double half = BW_Z95 * sqrt(np * (1.0 - p));
  double l = floor(np - half), u = ceil(np + half);
  if (l < 1.0) l = 1.0;
  if (u > dn) u = dn;
  r[2] = (uint64_t)u - 1;
  r[3] = (uint64_t)l - 1;
}

void bw_cell_stat(const bw_cell *cell, bw_stat *out) { bw_cell_stat_tab(cell, NULL, out); }

void bw_cell_stat_tab(const bw_cell *cell, const bw_edge_tab *tab, bw_stat *out) {
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

  /* every order statistic, and the fourth central moment, in one pass */
  static const double ps[3] = {0.05, 0.50, 0.95};
  uint64_t rk[MAX_RANKS];
  bin_val os[MAX_RANKS];
  for (int j = 0; j < 3; j++) quantile_ranks(n, ps[j], rk + 4 * j);
  double m4 = 0.0;
  order_stats(cell, tab, rk, MAX_RANKS, os, n > 1 ? mean : NAN, &m4);
  out->q05 = quantile7(cell, 0.05, os[0], os[1], &out->err_q05);
  out->q50 = quantile7(cell, 0.50, os[4], os[5], &out->err_q50);
  out->q95 = quantile7(cell, 0.95, os[8], os[9], &out->err_q95);

  /* CVaR95: mean of the largest k = ceil(n/20) values, from the top bins */
  uint64_t k = (n + 19) / 20, need = k;
  double tail = 0.0, tail_err = 0.0;
  for (uint32_t b = cell->len; b-- > 0 && need > 0;) {
    uint64_t cb = cnt_at(cell, b);
    if (cb == 0) continue;
    uint64_t take = cb < need ? cb : need;
    bin_val v = bin_value(cell, tab, b);
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

  /* the CVaR tail moments over the bins whose midpoint exceeds q95 (a
   * suffix of the bins: the midpoints do not decrease), in ascending order */
  double e1 = 0.0, e2 = 0.0, q95 = out->q95;
  uint32_t b0 = cell->len;
  const double *span = tab_span(cell, tab);
#define MID(b) (span ? bin_mid_span(cell, span, (b)) : bin_value(cell, tab, (b)).mid)
  while (b0 > 0 && MID(b0 - 1) > q95) b0--;
  for (uint32_t b = b0; b < cell->len; b++) {
    uint64_t cb = cnt_at(cell, b);
    if (cb == 0) continue;
    double x = MID(b), c = (double)cb;
    e1 += c * (x - q95);
    e2 += c * (x - q95) * (x - q95);
  }
#undef MID
  double mu4 = m4 / dn;
  double var_s2 = (mu4 - var * var * (dn - 3.0) / (dn - 1.0)) / dn;
  out->se_sd = (sd > 0.0 && var_s2 > 0.0) ? sqrt(var_s2) / (2.0 * sd) : 0.0;
  for (int j = 0; j < 3; j++) {
    double se = (os[4 * j + 2].mid - os[4 * j + 3].mid) / (2.0 * BW_Z95);
    if (j == 0) out->se_q05 = se;
    else if (j == 1) out->se_q50 = se;
    else out->se_q95 = se;
  }
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

/* The held bins that hold a count: [*a, *b) (empty when none). Only they are
 * packed: the padding of the histogram is no part of its state. */
static void used_range(const bw_cell *cell, uint32_t *a, uint32_t *b) {
  uint32_t i = 0, j = cell->len;
  while (i < j && cnt_at(cell, i) == 0) i++;
  while (j > i && cnt_at(cell, j - 1) == 0) j--;
  *a = i;
  *b = j;
}

size_t bw_cell_packed_size(const bw_cell *cell) {
  uint32_t a, b;
  used_range(cell, &a, &b);
  return sizeof(packed_head) + (size_t)(b - a) * sizeof(uint32_t);
}

size_t bw_cell_pack(const bw_cell *cell, unsigned char *buf) {
  uint32_t a, b;
  used_range(cell, &a, &b);
  packed_head h;
  memset(&h, 0, sizeof h);
  h.n = cell->n;
  h.s1 = cell->s1;
  h.s2 = cell->s2;
  h.min = cell->min;
  h.max = cell->max;
  h.c = cell->c;
  h.inv_h = cell->inv_h;
  h.lo = cell->lo + (int64_t)a;
  h.len = b - a;
  memcpy(buf, &h, sizeof h);
  /* the counts as 32-bit integers (the format of 32-bit counters) */
  unsigned char *o = buf + sizeof h;
  for (uint32_t k = a; k < b; k++) {
    uint32_t v = (uint32_t)cnt_at(cell, k);
    memcpy(o + (size_t)(k - a) * sizeof v, &v, sizeof v);
  }
  return sizeof h + (size_t)(b - a) * sizeof(uint32_t);
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
    src.cnt = malloc((size_t)h.len * sizeof *src.cnt);
    if (!src.cnt) return 0;
    uint32_t nhi = 0;
    for (uint32_t k = 0; k < h.len; k++) {
      uint32_t v;
      memcpy(&v, buf + sizeof h + (size_t)k * sizeof v, sizeof v);
      src.cnt[k] = (uint16_t)v;
      nhi += v > UINT16_MAX;
    }
    if (nhi) {
      if (carry_reserve(&src, nhi) != 0) {
        bw_cell_free(&src);
        return 0;
      }
      for (uint32_t k = 0; k < h.len; k++) {
        uint32_t v;
        memcpy(&v, buf + sizeof h + (size_t)k * sizeof v, sizeof v);
        if (v > UINT16_MAX) src.car[src.ncar++] = (bw_carry){h.lo + (int64_t)k, v >> 16};
      }
    }
  }
  int rc = bw_cell_merge(dst, &src);
  bw_cell_free(&src);
  return rc == 0 ? need : 0;
}
