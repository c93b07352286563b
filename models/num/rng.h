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

/* The purpose of a draw (c[1]'s top 8 bits) is a number to this layer; the
 * one registry that gives each family of draws its number is the model's:
 * models/rng_purpose.h (BW_RNG_PURPOSE_LIST). */

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
