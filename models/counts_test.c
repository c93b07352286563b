/* The count kernel's test hook (counts.h: bw_counts_test_draws): the lane
 * samplers of counts_step.c driven directly, for tests/test_counts.c. */
#include <string.h>

#include "counts_internal.h"

/* For tests of the samplers (tests/test_counts.c): n draws of Poisson(mean)
 * (pois = 1) or Binomial(trials, p) (pois = 0) through the lane samplers of
 * bwc_set_entries / bwc_set_live (bwc_pois_lanes, bwc_binom_lanes: the vectorised inversion
 * below BW_LANE_TRS_MEAN, PTRS / BTRS at or above), all lanes of the GEM set at once,
 * keyed (seed, rep, round); rep below 65536. 0, or -1 when out of memory or
 * on bad input. */
int bw_counts_test_draws(const bw_model *m, int pois, double mean_or_trials, double p, uint64_t seed, uint32_t rep,
                         int n, int32_t *out) {
  if (!(mean_or_trials >= 0) || (!pois && !(p >= 0 && p <= 1)) || n < 0) return -1;
  struct bw_counts_ws *c = bw_counts_ws_create(m);
  if (!c) return -1;
  gset *S = &c->gem;
  int np = S->np, blk[MAXBLK + 1], nblk = bwc_set_blocks(S, blk);
  double fmx[MAXBLK], dt[4] = {1, 0, 0, 0};
  int32_t mxb[MAXBLK];
  vdest d;
  memset(&d, 0, sizeof d);
  bw_binom_lane_make(&d.bn, &c->lt, p);
  for (int done = 0, round = 0; done < n; round++) {
    int L = n - done < S->n ? n - done : S->n;
    int32_t *dst = c->lane_sink, *src = S->cnt, *rest = c->lane_rest;
    double *full = S->full[0];
    for (int g = 0; g < np; g++) {
      dst[g] = 0;
      full[g] = g < L ? mean_or_trials : 0.0;
      rest[g] = src[g] = g < L ? (int32_t)mean_or_trials : 0;
    }
    for (int b = 0; b < nblk; b++) {
      fmx[b] = bw_lanes_max_nonneg(blk[b + 1] - blk[b], full + blk[b]);
      mxb[b] = bw_lanes_max_i32(blk[b + 1] - blk[b], src + blk[b]);
    }
    fold2 fo = bwc_fold_make(c, S, TV_BW, dt, 0.0);
    /* the pools' year index has 8 bits: later rounds go to other keys */
    uint32_t key = rep * 65536u + (uint32_t)(round >> 8);
    bw_wpool_key(&c->pmi, seed, key, BW_RNG_COUNTS_BIG, (unsigned)round & 255u); /* the scalar continuations' */
    if (pois) {
      bw_wpool_key(&c->pen, seed, key, BW_RNG_COUNTS_ENTRY, (unsigned)round & 255u);
      int nbl = 0;
      estream es = {dst, fo, 0};
      bwc_pois_lanes(c, nblk, blk, fmx, full, 1.0, dst, fo, &nbl, 0);
      bwc_entries_big(c, &es, &nbl);
    } else {
      bw_wpool_key(&c->pst, seed, key, BW_RNG_COUNTS_STEP, (unsigned)round & 255u);
      bwc_binom_lanes(c, nblk, blk, mxb, &d, rest, dst, fo);
    }
    for (int g = 0; g < L; g++) out[done + g] = dst[g];
    done += L;
  }
  bw_counts_ws_free(c);
  return 0;
}
