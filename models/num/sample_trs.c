/* Transformed rejection over compacted lanes (sample.h: bw_trs_lanes).
 *
 * The lanes of a vectorised call whose mean is at or above BW_LANE_TRS_MEAN
 * are listed (their n or mean, and their first uniform, from the lane's
 * word) and drawn together by rounds of PTRS (bw_ptrs_round_lanes) or BTRS
 * (bw_btrs_round_lanes), the first round's acceptance about 85 %: each
 * round over the draws still pending, with fresh words from the pool (the
 * first round's V, then U and V), until all are accepted. When fewer than
 * six are left after a round they are finished one by one by the scalar
 * twins (a vector round costs 16 lanes); a draw whose index falls beyond the
 * log-factorial table is finished by its scalar twin from the same
 * uniforms, with further ones from a second pool. A fixed order of
 * consumption: a pure function of the pools' keys.
 *
 * Call order: bw_trs_lanes_alloc; per call: fill n[i], u[i] for i < nb,
 * bw_trs_lanes_draw, read k[i]; bw_trs_lanes_free.
 */
#include <stdlib.h>

#include "sample.h"

int bw_trs_lanes_alloc(bw_trs_lanes *b, int cap) {
  size_t n = (size_t)cap + 16;
  b->cap = cap;
  b->pend = calloc(n, sizeof(int));
  double **d[8] = {&b->n, &b->u, &b->k, &b->pn, &b->pu, &b->pv, &b->pk, &b->st};
  int ok = b->pend != NULL;
  for (int i = 0; i < 8; i++) ok = (*d[i] = calloc(n, sizeof(double))) && ok;
  return ok ? 0 : -1;
}

void bw_trs_lanes_free(bw_trs_lanes *b) {
  free(b->pend), free(b->n), free(b->u), free(b->k), free(b->pn), free(b->pu), free(b->pv), free(b->pk), free(b->st);
}

void bw_trs_lanes_draw(bw_trs_lanes *b, int nb, int pois, double bp, double lpq, const bw_lftab *t, bw_wpool *wp,
                       bw_wpool *wp_beyond) {
  int *pend = b->pend, npend = nb;
  double *pn = b->pn, *pu = b->pu, *pv = b->pv, *pk = b->pk;
  double *st = b->st;
  for (int i = 0; i < nb; i++) pend[i] = i, pn[i] = b->n[i], pu[i] = b->u[i];
  for (int round = 0; npend > 0; round++) {
    if (round > 0 && npend < 6) { /* a few left: one by one (a vector round costs 16 lanes) */
      for (int i = 0; i < npend; i++) {
        double u = bw_wpool_u01(wp), v = bw_wpool_u01(wp);
        b->k[pend[i]] = pois ? bw_pois_ptrs(t, pn[i], u, v, wp) : bw_binom_btrs(t, (int)pn[i], bp, lpq, u, v, wp);
      }
      break;
    }
    if (round > 0) {
      const uint32_t *wu = bw_wpool_take(wp, npend);
      for (int i = 0; i < npend; i++) pu[i] = bw_u01(wu[i]);
    }
    const uint32_t *wv = bw_wpool_take(wp, npend);
    for (int i = 0; i < npend; i++) pv[i] = bw_u01(wv[i]);
    /* padded to whole vectors with harmless draws whose results are not
     * used (a short tail would run in the scalar epilogue) */
    int m16 = (npend + 15) & ~15; /* the vector loop runs from 16 on */
    for (int i = npend; i < m16; i++) pn[i] = 2.0 * BW_LANE_TRS_MEAN, pu[i] = 0.5, pv[i] = 0.5;
    if (pois) bw_ptrs_round_lanes(m16, pn, pu, pv, t->lf, pk, st);
    else bw_btrs_round_lanes(m16, pn, pu, pv, bp, lpq, t->lf, pk, st);
    /* accepted: the result (every draw's, rejected ones overwritten later);
     * beyond the log-factorial table: finished by the scalar twin from the
     * same uniforms, in order; rejected: compacted for the next round (m <=
     * i: nothing unread is overwritten). One pass: a separate count of the
     * beyond-table draws cost 8 instructions a draw for a case that is rare. */
    int m = 0;
    for (int i = 0; i < npend; i++) {
      int j = pend[i];
      if (st[i] != 2.0) b->k[j] = pk[i];
      else b->k[j] = pois ? bw_pois_ptrs(t, pn[i], pu[i], pv[i], wp_beyond)
                          : bw_binom_btrs(t, (int)pn[i], bp, lpq, pu[i], pv[i], wp_beyond);
      pend[m] = j, pn[m] = pn[i], pu[m] = pu[i];
      m += st[i] == 0.0;
    }
    npend = m;
  }
}
