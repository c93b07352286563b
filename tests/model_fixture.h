/* Shared fixture of the model tests (test_model.c, test_budget.c): the
 * shipped data, a model with one workspace and one result, and accessors. */
#ifndef BW_TEST_MODEL_FIXTURE_H
#define BW_TEST_MODEL_FIXTURE_H

#include <criterion/criterion.h>
#include <stddef.h>
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

#endif
