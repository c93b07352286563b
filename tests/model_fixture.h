/* Shared fixture of the model tests (test_model.c, test_budget.c): the
 * shipped data, a model with one workspace and one result, and accessors. */
#ifndef BW_TEST_MODEL_FIXTURE_H
#define BW_TEST_MODEL_FIXTURE_H

#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

#include "data_csv.h"
#include "model.h"

#define GEMEENTEN_CSV BW_SOURCE_DIR "/params/data/gemeenten.csv"
#define REGIONS_CSV BW_SOURCE_DIR "/params/data/regions.csv"

static inline void load_data(bw_data *d) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_status st = bw_data_load(GEMEENTEN_CSV, REGIONS_CSV, d, &ctx);
  cr_assert_eq(st, BW_OK, "loading the shipped data: %s", ctx.msg);
  cr_assert(d->ng > 0 && d->nr > 0);
}

/* A model with one workspace and one result. */
typedef struct {
  bw_model *m;
  bw_workspace *w;
  bw_rep_result *r;
  int ng, ny;
} sim;

static inline sim sim_open(const bw_params *p, const bw_data *d) {
  sim s;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  s.m = bw_model_create(p, d, &ctx);
  cr_assert_not_null(s.m, "bw_model_create: %s", ctx.msg);
  s.w = bw_workspace_create(s.m);
  s.r = bw_rep_result_create(s.m);
  cr_assert_not_null(s.w);
  cr_assert_not_null(s.r);
  s.ng = d->ng;
  s.ny = bw_model_nyears(s.m);
  cr_assert_eq(s.ny, bw_params_nyears(p));
  return s;
}

/* Params reduced to an M/M/∞ queue per care type: exponential stays of mean
 * m_c, Poisson entries at a constant national rate λ_c, a fixed stock N0_c,
 * no step-down, no Wlz, no national institutions, no growth, no outer draws.
 * The national rate is rate·Σpop/1000 for any supply attraction, because
 * need_g has a population-weighted mean of 1 and H_g sums to 1. */
static inline void queue_params(bw_params *p, double pop, const double lambda[BW_NCARE], const double n0[BW_NCARE],
                         const double m[BW_NCARE]) {
  bw_params_defaults(p);
  bw_params_immigration_death(p);
  for (int c = 0; c < BW_NCARE; c++) {
    p->duration_shape[c] = 1.0;
    p->duration_mean_years[c] = m[c];
    p->rate_per_1000[c] = lambda[c] * 1000.0 / pop;
    p->stock[c] = n0[c];
  }
}

static inline void sim_close(sim *s) {
  bw_rep_result_free(s->r);
  bw_workspace_free(s->w);
  bw_model_free(s->m);
}

static inline void simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_rep_result *r) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_status st = bw_simulate(m, rep, w, r, &ctx);
  cr_assert_eq(st, BW_OK, "bw_simulate(rep %u): %s", rep, ctx.msg);
}

static inline void sim_run(sim *s, uint32_t rep) { simulate(s->m, rep, s->w, s->r); }

static inline double nat(const bw_rep_result *r, int q, int y) {
  return r->national[(size_t)q * (size_t)r->ny + (size_t)y];
}

static inline size_t gy(const bw_rep_result *r, int g, int y) {
  return (size_t)g * (size_t)r->ny + (size_t)y;
}

/* Statistics helpers shared by the model and count-kernel tests. */
/* Sample mean and (n - 1) variance of x[0..n). */
static inline void mean_var(const double *x, int n, double *mean, double *var) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i];
  double mu = s / n, ss = 0;
  for (int i = 0; i < n; i++) ss += (x[i] - mu) * (x[i] - mu);
  *mean = mu;
  *var = n > 1 ? ss / (n - 1) : 0.0;
}

/* The sample mean of x lies within 4 standard errors (sample sd / sqrt n) of
 * `expect`. */
static inline void assert_mean(const double *x, int n, double expect, const char *what) {
  double mu, var;
  mean_var(x, n, &mu, &var);
  double se = sqrt(var / n);
  cr_log_info("%s: mean %.6g, expected %.6g, se %.3g, z = %.2f", what, mu, expect, se, (mu - expect) / se);
  cr_assert(fabs(mu - expect) <= 4.0 * se, "%s: mean %.6g, expected %.6g (se %.3g, z = %.2f)", what, mu,
            expect, se, se > 0 ? (mu - expect) / se : INFINITY);
}

/* The sample variance of x lies within 4 standard errors of `v`, the exact
 * variance of the law; k4 is its fourth cumulant. For iid data
 * Var(s²) = σ⁴ (2/(n-1) + κ/n), κ = k4/σ⁴ the excess kurtosis. */
static inline void assert_variance(const double *x, int n, double v, double k4, const char *what) {
  double mu, var;
  mean_var(x, n, &mu, &var);
  double se = sqrt(v * v * 2.0 / (n - 1) + k4 / n);
  cr_log_info("%s: variance %.6g, expected %.6g, se %.3g, z = %.2f", what, var, v, se, (var - v) / se);
  cr_assert(fabs(var - v) <= 4.0 * se, "%s: variance %.6g, expected %.6g (se %.3g, z = %.2f)", what, var, v,
            se, (var - v) / se);
}

/* A deep copy of a replication's result (outer draws included). */
static inline bw_rep_result *copy_result(const bw_model *m, const bw_rep_result *r) {
  bw_rep_result *c = bw_rep_result_create(m);
  cr_assert_not_null(c);
  size_t n = (size_t)r->ng * (size_t)r->ny;
  memcpy(c->cost_bw, r->cost_bw, n * sizeof(double));
  memcpy(c->cost_mo, r->cost_mo, n * sizeof(double));
  memcpy(c->budget_bw, r->budget_bw, n * sizeof(double));
  memcpy(c->budget_mo, r->budget_mo, n * sizeof(double));
  memcpy(c->shortfall_bw, r->shortfall_bw, n * sizeof(double));
  memcpy(c->shortfall_mo, r->shortfall_mo, n * sizeof(double));
  memcpy(c->national, r->national, (size_t)BW_NQ * (size_t)r->ny * sizeof(double));
  memcpy(c->rate_mult, r->rate_mult, sizeof r->rate_mult);
  memcpy(c->duration_mult, r->duration_mult, sizeof r->duration_mult);
  c->wlz_factor = r->wlz_factor;
  c->cost_index = r->cost_index;
  return c;
}

#endif
