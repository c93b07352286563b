/* The count kernel's chain algebra alone (models/counts_chain.c): the step
 * transition matrix P = exp(Q len) by uniformisation and a step's expected
 * client-time, against independent computations.
 *
 * - Known answer by hand: with exponential stays (shape 1) and no mortality,
 *   step-down or Wlz, each care type is one phase left at rate r = 1/m, so
 *   P stays = e^(−r len), and a leaver's expected time in care within the
 *   step is 1/r − len e^(−r len) / (1 − e^(−r len)).
 * - Against GSL: with the default parameters (two-phase I stays, step-down,
 *   Wlz, mortality) every filled row of P equals GSL's matrix exponential
 *   (gsl_linalg_exponential_ss, an independent algorithm: scaling and
 *   squaring of a Taylor series) of the same Q, and P is stochastic. */
#include <criterion/criterion.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <string.h>

#include "counts_internal.h"
#include "model_fixture.h"

static bw_outer central_outer(void) {
  bw_outer o;
  for (int c = 0; c < BW_NCARE; c++) o.rate_mult[c] = 1.0, o.duration_mult[c] = 1.0;
  o.wlz_factor = 1.0, o.cost_index = 1.0;
  return o;
}

/* The workspace of a model of p, its tables prepared for a full step. */
static struct bw_counts_ws *prepared(const bw_params *p, bw_data *d, bw_model **m) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  *m = bw_model_create(p, d, &ctx);
  cr_assert_not_null(*m, "bw_model_create: %s", ctx.msg);
  struct bw_counts_ws *c = bw_counts_ws_create(*m);
  cr_assert_not_null(c);
  bw_outer o = central_outer();
  bwc_prepare(c, *m, &o, 0.0);
  return c;
}

Test(chain, exponential_stays_known_answer) {
  bw_data d = {0};
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  for (int k = 0; k < BW_NCARE; k++) p.duration_shape[k] = 1.0, p.mortality_rate[k] = 0.0;
  p.p_step_down = 0.0;
  p.wlz_hazard = 0.0;
  bw_model *m;
  struct bw_counts_ws *c = prepared(&p, &d, &m);
  double len = c->kind_len[0];
  cr_assert_eq(c->NL, 4, "one phase per care type and I in a national institution: %d", c->NL);
  static const int cls[3] = {CL_I, CL_A, CL_M};
  static const int care[3] = {BW_I, BW_A, BW_M};
  for (int k = 0; k < 3; k++) {
    int j = c->off[cls[k]];
    double r = 1.0 / p.duration_mean_years[care[k]], stay = exp(-r * len);
    const double *P = c->Pm + (size_t)j * c->D; /* Pm holds the last kind built: the full step */
    cr_expect(fabs(P[j] - stay) < 1e-14, "care %d: P(stay) %.17g, e^(-r len) %.17g", k, P[j], stay);
    const spec *s = &c->spec[0][j];
    cr_assert_eq(s->nd, 1, "care %d: one way out", k);
    cr_expect(fabs(s->pd[0] - (1.0 - stay)) < 1e-14, "care %d: P(leave) %.17g", k, s->pd[0]);
    /* a leaver's time in its own care type, relative to a stayer's len */
    double want = 1.0 / r - len * stay / (1.0 - stay) - len;
    double got = s->dtime[0][cls[k]];
    cr_expect(fabs(got - want) < 1e-9 * len, "care %d: leaver's time %.17g, by hand %.17g", k, got + len,
              want + len);
  }
  bw_counts_ws_free(c);
  bw_model_free(m);
  bw_data_free(&d);
}

Test(chain, step_matrix_is_the_exponential_of_q) {
  bw_data d = {0};
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  bw_model *m;
  struct bw_counts_ws *c = prepared(&p, &d, &m);
  int D = c->D, NL = c->NL;
  double len = c->kind_len[0];
  cr_assert(c->nph[BW_I] >= 2, "the default I stay is a phase-type of %d phases", c->nph[BW_I]);
  gsl_matrix *Q = gsl_matrix_alloc((size_t)D, (size_t)D), *E = gsl_matrix_alloc((size_t)D, (size_t)D);
  for (int i = 0; i < D; i++)
    for (int j = 0; j < D; j++) gsl_matrix_set(Q, (size_t)i, (size_t)j, c->Q[(size_t)i * D + j] * len);
  cr_assert_eq(gsl_linalg_exponential_ss(Q, E, GSL_PREC_DOUBLE), 0);
  double worst = 0;
  for (int i = 0; i <= NL; i++) { /* the live states and the Wlz: the rows the kernel reads */
    double sum = 0;
    for (int j = 0; j < D; j++) {
      double x = c->Pm[(size_t)i * D + j];
      cr_expect(x >= 0, "P[%d][%d] = %g < 0", i, j, x);
      sum += x;
      double e = fabs(x - gsl_matrix_get(E, (size_t)i, (size_t)j));
      worst = e > worst ? e : worst;
    }
    cr_expect(fabs(sum - 1.0) < 1e-13, "row %d of P sums to 1 + %g", i, sum - 1.0);
  }
  cr_expect(worst < 1e-12, "P differs from GSL's exp(Q len) by %g", worst);
  gsl_matrix_free(Q), gsl_matrix_free(E);
  bw_counts_ws_free(c);
  bw_model_free(m);
  bw_data_free(&d);
}
