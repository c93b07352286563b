/* The one registry of random-number purposes (docs/model.md §9): every
 * independent family of draws in bwsim, both kernels, the outer draws, the
 * benchmarks and the tests, with the value that keys it in the Philox counter
 * (models/num/rng.h: c[1] = purpose << 24 | year << 16 | gemeente).
 *
 * Two families with one value would draw the same numbers, silently
 * correlated: a duplicate value does not compile (bw_rng_purposes_unique_),
 * nor does a value that does not fit the counter's 8 bits. The list is the
 * model's (it names what the model draws), so it lives in models/, above the
 * numerics layer that only carries the number. */
#ifndef BW_RNG_PURPOSE_H
#define BW_RNG_PURPOSE_H

#include "rng.h"

/* A hook for tests/probe_rng_purpose.c, which adds one entry to show that a
 * duplicate does not compile (ctest rng_purpose_duplicate_refused); empty
 * everywhere else. */
#ifndef BW_RNG_PURPOSE_EXTRA
#define BW_RNG_PURPOSE_EXTRA(X)
#endif

/* X(name, value, what it keys). */
#define BW_RNG_PURPOSE_LIST(X)                                                                       \
  X(BW_RNG_OUTER, 1, "outer parameter draws (docs/model.md §7); client = draw number")              \
  X(BW_RNG_NEED, 2, "eps_g, gemeente g")                                                            \
  X(BW_RNG_COUNT, 3, "new-indication count; gemeente, year, client = care type")                    \
  X(BW_RNG_STOCK, 4, "a stock client; gemeente = care type, client = ordinal")                      \
  X(BW_RNG_ENTRY, 5, "a new I client (BW_RNG_ENTRY + care type); gemeente, year, ordinal")          \
  X(BW_RNG_ENTRY_A, 6, "a new A client (BW_RNG_ENTRY + BW_A)")                                      \
  X(BW_RNG_ENTRY_M, 7, "a new M client (BW_RNG_ENTRY + BW_M)")                                      \
  X(BW_RNG_STOCK_RESID, 8, "the forward-recurrence Gamma draw of a stock client")                   \
  X(BW_RNG_COUNTS_STOCK, 16, "count kernel: stock placement, phases and Wlz wave")                  \
  X(BW_RNG_COUNTS_ENTRY, 17, "count kernel: entry counts per step; year index, sub = 0")            \
  X(BW_RNG_COUNTS_STEP, 18, "count kernel: transitions of one year's steps; year index")            \
  X(BW_RNG_COUNTS_GAMMA, 19, "count kernel: negative-binomial Gamma mixing; year, gemeente, care")  \
  X(BW_RNG_COUNTS_PAIR, 20, "count kernel: per-client herkomst/placement (old_regime_max_years)")   \
  X(BW_RNG_COUNTS_BIG, 21, "count kernel: GSL fallback for counts beyond its tables")               \
  X(BW_RNG_BENCH, 250, "benchmarks")                                                                \
  X(BW_RNG_TEST, 251, "tests")                                                                     \
  BW_RNG_PURPOSE_EXTRA(X)

typedef enum {
#define BW_X_PURPOSE(name, value, what) name = value,
  BW_RNG_PURPOSE_LIST(BW_X_PURPOSE)
#undef BW_X_PURPOSE
} bw_rng_purpose;

/* Never called: its case labels make a duplicate purpose a compile error. */
static inline int bw_rng_purposes_unique_(int p) {
  switch (p) {
#define BW_X_PURPOSE(name, value, what) \
  case value:                          \
    return value;
    BW_RNG_PURPOSE_LIST(BW_X_PURPOSE)
#undef BW_X_PURPOSE
  default:
    return -1;
  }
}
#define BW_X_PURPOSE(name, value, what) _Static_assert(value > 0 && value < 256, #name " fits in 8 bits");
BW_RNG_PURPOSE_LIST(BW_X_PURPOSE)
#undef BW_X_PURPOSE
_Static_assert(BW_RNG_ENTRY_A == BW_RNG_ENTRY + 1 && BW_RNG_ENTRY_M == BW_RNG_ENTRY + 2,
               "the entry purposes of I, A, M are consecutive (flows.c keys BW_RNG_ENTRY + care type)");

#endif
