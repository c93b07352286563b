/* Streaming statistics of one output cell (a gemeente x year, a national
 * quantity x year, ...) over replications, in memory that does not grow with
 * the number of replications, and EXACTLY mergeable: adding values in any
 * order, or merging partial cells in any grouping, gives the same bits.
 * That is what makes the results byte-identical for any number of threads
 * and MPI processes without keeping every replication.
 *
 * How (docs/statistics.md):
 * - n, and the sums of x and x^2 with x rounded to 1/256 (fixed point, in
 *   128-bit integers): the mean and the standard deviation are exact up to
 *   that rounding, whatever the order of addition.
 * - min and max (a total order on doubles, so -0 and +0 are ordered too).
 * - a histogram of integer counts on bins uniform in asinh(x / c): about
 *   linear (absolute width c*h) near zero, logarithmic (relative width h)
 *   far from it, so one table covers values of any size and sign. A cell's
 *   bins are a dense range grown to cover the values seen: memory follows
 *   the spread of the values, not their number.
 * Quantiles and CVaR come from the histogram, each with a hard bound on its
 * error (half the width of the bins it was read from, clipped to [min, max]);
 * bw_stat's err_* fields carry it. */
#ifndef BW_SKETCH_H
#define BW_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

__extension__ typedef __int128 bw_i128;

/* Fixed-point resolution of the exact sums: x is summed as round(x * 256). */
#define BW_FIX_SCALE 256.0
/* Largest |x| a cell accepts (so that the sums cannot overflow 128 bits for
 * up to 2^32 values): 2^38, about 2.7e11. */
#define BW_CELL_XMAX 274877906944.0

/* A bin's count is cnt[k] + 256 * hi[bin - hlo] + 65536 * (its carry):
 * 8-bit counters (a quarter of the memory, and of the bytes a block of
 * replications streams through, of 32-bit ones); for bins past 255 a second
 * byte in hi, a dense range of bins grown (like cnt) only over the bins that
 * need it (a distribution's bulk; never wider than cnt, so a cell holds at
 * most the 2 bytes a bin of 16-bit counters took); and for the rare bin past
 * 65535 (a point mass, such as an exact zero, over tens of thousands of
 * replications) a carry in a short sorted list. The counts are exact
 * integers either way; the packed form (bw_cell_pack) holds them as 32-bit
 * integers whatever the layout. */
typedef struct {
  int64_t bin;  /* absolute bin index */
  uint64_t hi;  /* multiples of 65536 in its count */
} bw_carry;

typedef struct {
  uint64_t n;
  bw_i128 s1, s2;  /* sum of round(256 x), sum of its square */
  double min, max; /* NaN-free by contract; -0 < +0 */
  double c;        /* scale of the bins */
  double inv_h;    /* bins per unit of asinh(x / c) */
  int64_t lo;      /* bin index of cnt[0] */
  int64_t hlo;     /* bin index of hi[0] */
  uint32_t len;    /* bins held */
  uint32_t hlen;   /* bins with a second byte held (within [lo, lo + len)) */
  uint32_t ncar, capcar; /* carries held, allocated */
  uint8_t *cnt;    /* len counts mod 256 (NULL when len = 0) */
  uint8_t *hi;     /* hlen counts div 256 mod 256 (NULL when hlen = 0) */
  bw_carry *car;   /* ncar carries, ascending bin */
} bw_cell;

/* The count of absolute bin i (0 outside the held bins). */
uint64_t bw_cell_count(const bw_cell *cell, int64_t i);

/* An empty cell with bins of width 1/inv_h in asinh(x / c); c > 0, inv_h > 0. */
void bw_cell_init(bw_cell *cell, double c, double inv_h);
void bw_cell_free(bw_cell *cell);
/* Forget the values, keep the scale (and the allocation). */
void bw_cell_clear(bw_cell *cell);

/* Add x: 0, -1 out of memory, -2 x is NaN or |x| > BW_CELL_XMAX. */
int bw_cell_add(bw_cell *cell, double x);

/* The same in two steps, so a caller can compute the bins of many cells and
 * prefetch their counts before touching them (the counts of thousands of
 * cells do not fit in cache): bin = bw_cell_bin(cell, x) (x must pass the
 * checks of bw_cell_add), bw_cell_prefetch(cell, bin), then
 * bw_cell_add_bin(cell, x, bin) with the same x. */
int64_t bw_cell_bin(const bw_cell *cell, double x);
void bw_cell_prefetch(const bw_cell *cell, int64_t bin);
int bw_cell_add_bin(bw_cell *cell, double x, int64_t bin);

/* Add x[0 .. n-1] (n <= 65536): the same state as n bw_cell_add calls, in
 * fewer steps (the bins in a vector loop, the histogram grown once, the
 * counts incremented while they are in cache). bin: scratch of 2 n. 0, -1 out
 * of memory, -2 a value is NaN or beyond BW_CELL_XMAX (nothing added). */
int bw_cell_add_block(bw_cell *cell, const double *x, int n, int32_t *bin);

/* bw_cell_add_block in two steps, so that a caller can compute the next
 * cell's bins and prefetch the counts they touch while this cell adds:
 * bw_cell_block_bins(cell, x, n, bin, range) gives the bins (bin: 2 n) and
 * their range [range[0], range[1]]: 0; -2 as above; 1 a bin beyond +-2^30
 * (add the values one at a time). bw_cell_prefetch_range(cell, range) then
 * bw_cell_add_block_bins(cell, x, n, bin, range) with the same x and bin:
 * 0, or -1 out of memory (nothing added). The prefetches are a hint, spread
 * over this thread's next bw_cell_add_block_bins (a burst of them would
 * wait for free line-fill buffers); the bins' scratch bin[n ..] is reused. */
int bw_cell_block_bins(const bw_cell *cell, const double *x, int n, int32_t *bin, int32_t range[2]);
void bw_cell_prefetch_range(const bw_cell *cell, const int32_t range[2]);
int bw_cell_add_block_bins(bw_cell *cell, const double *x, int n, int32_t *bin, const int32_t range[2]);

/* For tests: the approximation of asinh behind the vector bins of a block
 * (sketch.c), the bound on its error that sketch.c proves, and the slack its
 * bins allow for (a value whose bin the slack leaves ambiguous takes libm's
 * asinh): |bw_sketch_asinh_fast(u) - asinh(u)| <= bw_sketch_asinh_err() for
 * |u| < 2^64, and bw_sketch_asinh_err() + libm's error < bw_sketch_bin_slack(). */
double bw_sketch_asinh_fast(double u);
double bw_sketch_asinh_err(void);
double bw_sketch_bin_slack(void);

/* dst += src (same c and inv_h): 0, -1 out of memory, -2 scales differ. */
int bw_cell_merge(bw_cell *dst, const bw_cell *src);

/* Statistics as bw_stat_compute gives them for the same values, except that
 * q05, q50, q95 and cvar95 (and their standard errors, and the higher
 * moment behind se_sd) are read from the histogram: err_q05 .. err_cvar95
 * bound |estimate - exact value|. n = 0 gives all NaN. */
void bw_cell_stat(const bw_cell *cell, bw_stat *out);

/* The bin edges shared by many cells: sinh(i / inv_h) does not depend on a
 * cell's c (its edges are c sinh(i / inv_h)), so one table serves every cell
 * of a given inv_h, and reading a cell costs no sinh. Same results, to the
 * bit, as without it. */
typedef struct {
  double inv_h;
  int64_t lo;  /* v[k] = sinh((lo + k) / inv_h) */
  size_t n;
  double *v;   /* NULL: no table (sinh per edge) */
} bw_edge_tab;
#define BW_EDGE_TAB_MAX (1 << 22) /* edges at most (32 MB); wider: no table */
/* The table for the edges of cells[0 .. ncell-1] with this inv_h (NULLs and
 * other inv_h skipped): 0 (possibly an empty table), -1 out of memory. */
int bw_edge_tab_build(bw_edge_tab *t, double inv_h, const bw_cell *const *cells, size_t ncell);
void bw_edge_tab_free(bw_edge_tab *t);
/* bw_cell_stat with the edges from tab (NULL: sinh). */
void bw_cell_stat_tab(const bw_cell *cell, const bw_edge_tab *tab, bw_stat *out);

/* Serialisation for MPI: bytes needed, write (returns bytes written), and
 * read one cell back (returns bytes read, 0 on malformed input or out of
 * memory). Native byte order: for processes of one run only. */
size_t bw_cell_packed_size(const bw_cell *cell);
size_t bw_cell_pack(const bw_cell *cell, unsigned char *buf);
size_t bw_cell_unpack_merge(bw_cell *dst, const unsigned char *buf, size_t avail);

#endif
