/* Word pools: Philox words for the count kernel's draws, generated a block of
 * lanes at a time by the vectorised batch (rng_batch.h) and consumed one by
 * one or in runs, in a fixed order.
 *
 * A pool keyed (seed, rep, purpose, year) holds the words of the counters
 * (rep, c1, lane, block), c1 = bw_rng_c1(purpose, year, 0), for lanes
 * 0 .. nlane − 1 and blocks 0, 1, 2, ...: block b's 4 nlane words are word 0
 * of every lane, then word 1, 2, 3. Which word comes next is a pure function
 * of how many were taken since bw_wpool_key: a replication that takes its
 * words in a fixed order is a pure function of its key.
 *
 * Call order: bw_wpool_alloc once; bw_wpool_key per family of draws (a
 * replication, a year); bw_wpool_u32 / bw_wpool_u01 / bw_wpool_take as
 * needed (bw_wpool_refill is theirs); bw_wpool_free.
 */
#ifndef BW_WPOOL_H
#define BW_WPOOL_H

#include <stdint.h>

#include "rng.h"

typedef struct {
  bw_rng_key key;
  uint32_t block;
  int pos, cap, nlane; /* next word, words in buf */
  int keep;            /* room before the block for words kept from the last one (bw_wpool_take) */
  uint32_t *c1a;       /* [nlane] this pool's family c1 */
  const uint32_t *c2a; /* [nlane] 0, 1, ..., nlane − 1 (shared, the caller's) */
  uint32_t *buf;       /* keep + 4 nlane words */
} bw_wpool;

/* Room for nlane lanes and runs of up to keep words; c2a: nlane counters
 * 0, 1, ... owned by the caller. Keyed (0, 0, 0, 0) until bw_wpool_key.
 * 0, or -1 (out of memory; bw_wpool_free still applies). */
int bw_wpool_alloc(bw_wpool *p, int nlane, int keep, const uint32_t *c2a);
void bw_wpool_free(bw_wpool *p);

/* Start the words of (seed, rep, purpose, year) from block 0. */
void bw_wpool_key(bw_wpool *p, uint64_t seed, uint32_t rep, unsigned purpose, unsigned year);

/* The next block, after the words of the last one not yet used (none is
 * skipped). */
void bw_wpool_refill(bw_wpool *p);

static inline uint32_t bw_wpool_u32(bw_wpool *p) {
  if (p->pos == p->cap) bw_wpool_refill(p);
  return p->buf[p->pos++];
}

/* bw_u01 of the next word: (w + 1/2) 2^-32. */
static inline double bw_wpool_u01(bw_wpool *p) { return bw_u01(bw_wpool_u32(p)); }

/* n consecutive words (n <= keep), valid until the pool is next used. */
static inline const uint32_t *bw_wpool_take(bw_wpool *p, int n) {
  if (p->pos + n > p->cap) bw_wpool_refill(p);
  const uint32_t *w = p->buf + p->pos;
  p->pos += n;
  return w;
}

#endif
