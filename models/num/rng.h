/* Counter-based random numbers: Philox4x32-10 (Random123), docs/model.md §9.
 *
 * A draw is a pure function of its key: (seed, replication, purpose, gemeente,
 * year, client ordinal, draw index). The 64-bit seed is the Philox key; the
 * 128-bit counter packs the rest:
 *   c[0] = replication (or outer-draw index)
 *   c[1] = purpose << 24 | year_index << 16 | gemeente     (8 | 8 | 16 bits)
 *   c[2] = client ordinal
 *   c[3] = block: each block gives four 32-bit words = draws 4b .. 4b+3
 * So results do not depend on thread or process count, and two scenarios see
 * the same random events wherever their clients are the same (common random
 * numbers).
 */
#ifndef BW_RNG_H
#define BW_RNG_H

#include <stdint.h>
#include <Random123/philox.h>
#include <gsl/gsl_rng.h>

/* What a draw is for: one value per independent family of draws. The one
 * registry of every purpose in bwsim, the count kernel's included: two
 * families with one value would draw the same numbers, silently correlated;
 * a duplicate value here does not compile (bw_rng_purposes_unique_).
 * X(name, value, what it keys). Values fit in 8 bits (the counter's field). */
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
  X(BW_RNG_TEST, 251, "tests")

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

typedef struct {
  philox4x32_key_t key;
  philox4x32_ctr_t ctr;
} bw_rng_key;

/* Key for one family of draws; block index (c[3]) starts at 0. */
static inline bw_rng_key bw_rng_make(uint64_t seed, uint32_t rep, unsigned purpose,
                                     unsigned year_index, unsigned gemeente, uint32_t client) {
  bw_rng_key k;
  k.key.v[0] = (uint32_t)seed;
  k.key.v[1] = (uint32_t)(seed >> 32);
  k.ctr.v[0] = rep;
  k.ctr.v[1] = ((uint32_t)(purpose & 0xffu) << 24) | ((uint32_t)(year_index & 0xffu) << 16) |
               (uint32_t)(gemeente & 0xffffu);
  k.ctr.v[2] = client;
  k.ctr.v[3] = 0;
  return k;
}

/* Four 32-bit words of block b. */
static inline philox4x32_ctr_t bw_rng_block(const bw_rng_key *k, uint32_t block) {
  philox4x32_ctr_t c = k->ctr;
  c.v[3] = block;
  return philox4x32(c, k->key);
}

/* 32-bit word -> uniform on the open interval (0, 1): (x + 1/2) / 2^32. */
static inline double bw_u01(uint32_t x) { return ((double)x + 0.5) * (1.0 / 4294967296.0); }

/* Two words -> uniform on [0, 1) with 53 bits. */
static inline double bw_u01_53(uint32_t hi, uint32_t lo) {
  return (double)(((uint64_t)(hi >> 5) << 26) | (lo >> 6)) * (1.0 / 9007199254740992.0);
}

/* A sequential stream over one key: for draws whose count varies (GSL's
 * gamma, Poisson, binomial). Words are consumed in block order. */
typedef struct {
  bw_rng_key k;
  philox4x32_ctr_t buf;
  uint32_t block; /* next block to generate */
  int idx;        /* next word in buf; 4 = empty */
} bw_rng_stream;

static inline void bw_rng_stream_init(bw_rng_stream *s, bw_rng_key k) {
  s->k = k;
  s->block = 0;
  s->idx = 4;
}

static inline uint32_t bw_rng_stream_u32(bw_rng_stream *s) {
  if (s->idx == 4) {
    s->buf = bw_rng_block(&s->k, s->block++);
    s->idx = 0;
  }
  return s->buf.v[s->idx++];
}

/* Uniform on the open interval (0, 1), 32-bit resolution (the hot path). */
static inline double bw_rng_stream_u01(bw_rng_stream *s) { return bw_u01(bw_rng_stream_u32(s)); }

/* Philox as a gsl_rng_type ("bw-philox4x32-10"): state is a bw_rng_stream.
 * gsl_rng_set(r, seed) keys it with (seed, 0, 0, 0, 0, 0); bw_rng_gsl_reset
 * points it at any key so GSL's distributions draw from that family. */
extern const gsl_rng_type *const bw_rng_philox;
void bw_rng_gsl_reset(gsl_rng *r, bw_rng_key k);

#endif
