/* Word pools (wpool.h). */
#include "wpool.h"

#include <stdlib.h>
#include <string.h>

#include "rng_batch.h"

int bw_wpool_alloc(bw_wpool *p, int nlane, int keep, const uint32_t *c2a) {
  p->nlane = nlane;
  p->keep = keep;
  p->cap = p->pos = 0;
  p->c1a = malloc(sizeof(uint32_t) * (size_t)nlane);
  p->c2a = c2a;
  p->buf = malloc(sizeof(uint32_t) * (4 * (size_t)nlane + (size_t)keep));
  if (!p->buf || !p->c1a) return -1;
  bw_wpool_key(p, 0, 0, 0, 0);
  return 0;
}

void bw_wpool_free(bw_wpool *p) {
  free(p->buf), free(p->c1a);
  p->buf = NULL, p->c1a = NULL;
}

void bw_wpool_key(bw_wpool *p, uint64_t seed, uint32_t rep, unsigned purpose, unsigned year) {
  p->key = bw_rng_make(seed, rep, 0, 0, 0, 0);
  uint32_t c1 = bw_rng_c1(purpose, year, 0), *restrict c1a = p->c1a;
  for (int i = 0, n = p->nlane; i < n; i++) c1a[i] = c1;
  p->block = 0;
  p->pos = p->cap = 0;
}

void bw_wpool_refill(bw_wpool *p) {
  int r = p->cap - p->pos;
  uint32_t *b = p->buf + p->keep;
  memmove(b - r, p->buf + p->pos, sizeof(uint32_t) * (size_t)r);
  bw_rng_blocks(&p->key, p->c1a, p->c2a, p->block++, (size_t)p->nlane, b, b + p->nlane, b + 2 * p->nlane,
                b + 3 * p->nlane);
  p->pos = p->keep - r;
  p->cap = p->keep + 4 * p->nlane;
}
