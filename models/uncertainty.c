/* Outer draws of one replication, docs/model.md §7: the uncertain parameters,
 * drawn once per replication and held for all years, and the need effect
 * eps_g of docs/model.md §3.2.
 *
 * Both are keyed on the *outer* index: the replication itself, or with a
 * nested design (uncertainty.outer_draws = K > 0) replication mod K, so that
 * J = replications / K inner replications share one parameter draw. eps_g
 * belongs to the outer level: it is real but unknown need, not flow noise.
 * Each normal deviate is the inverse CDF of one keyed 32-bit uniform, so a
 * draw never shifts another (common random numbers across scenarios). */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "internal.h"
#include "rng_batch.h"

void bw_outer_draw(const bw_model *m, uint32_t rep, bw_outer *o, double *eps_g) {
  const bw_params *p = &m->p;
  uint32_t outer = p->outer_draws > 0 ? rep % (uint32_t)p->outer_draws : rep;
  int on = p->uncertainty_enabled;
  bw_rng_key k = bw_rng_make(p->seed, outer, BW_RNG_OUTER, 0, 0, 0);
  philox4x32_ctr_t b0 = bw_rng_block(&k, 0), b1 = bw_rng_block(&k, 1);
  double z[8];
  for (int i = 0; i < 4; i++) {
    z[i] = gsl_cdf_ugaussian_Pinv(bw_u01(b0.v[i]));
    z[4 + i] = gsl_cdf_ugaussian_Pinv(bw_u01(b1.v[i]));
  }
  /* lognormal multipliers with median 1 */
  for (int c = 0; c < BW_NCARE; c++) {
    o->rate_mult[c] = on ? exp(p->rate_sigma * z[c]) : 1.0;
    o->duration_mult[c] = on ? exp(p->duration_sigma * z[3 + c]) : 1.0;
  }
  o->wlz_factor = p->wlz_realisation_factor * (on ? exp(p->wlz_factor_sigma * z[6]) : 1.0);
  o->cost_index = p->cost_index + (on ? p->cost_index_sd * z[7] : 0.0);

  /* eps_g: lognormal with mean 1: exp(sigma z - sigma^2 / 2) */
  double s = on ? p->need_effect_sigma : 0.0;
  if (s == 0.0) {
    for (int g = 0; g < m->ng; g++) eps_g[g] = 1.0;
    return;
  }
  /* gemeente g's word: the first of block 0 of family (BW_RNG_NEED, g),
   * as bw_rng_make / bw_rng_block would give it, drawn CH gemeenten at a
   * time by the vectorised batch */
  enum { CH = 64 };
  bw_rng_key kn = bw_rng_make(p->seed, outer, 0, 0, 0, 0);
  uint32_t c1[CH], c2[CH] = {0}, w[4][CH];
  for (int g0 = 0; g0 < m->ng; g0 += CH) {
    int n = m->ng - g0 < CH ? m->ng - g0 : CH;
    for (int i = 0; i < n; i++) c1[i] = bw_rng_c1(BW_RNG_NEED, 0, (unsigned)(g0 + i));
    bw_rng_blocks(&kn, c1, c2, 0, (size_t)n, w[0], w[1], w[2], w[3]);
    for (int i = 0; i < n; i++) eps_g[g0 + i] = exp(s * gsl_cdf_ugaussian_Pinv(bw_u01(w[0][i])) - 0.5 * s * s);
  }
}
