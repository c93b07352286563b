/* Tests for the streaming accumulator of sim/summary.h (bw_acc) and the
 * summary made from it (docs/model.md §7-8, issue 4).
 *
 * Models: a small hand-made one (as in test_summary.c), fed crafted
 * bw_rep_result values so that every count, probability and share below
 * follows from the design written next to it; and the shipped data with
 * bw_simulate (tests/model_fixture.h).
 *   a. Order independence: the same replications added in order, reversed,
 *      from several threads at once, into two or three accumulators merged
 *      in different groupings, or packed and unpacked (MPI), give
 *      memcmp-identical summaries.
 *   b. Streaming vs exact (bw_acc_create with exact_nrep) on the same
 *      replications: every q05/q50/q95/cvar95 of every gemeente x year,
 *      cumulative, national and region cell within its err_* bound of the
 *      exact value (issue 4: "streaming q95 within its stated error of the
 *      exact q95 on the same run"); the counts (p_exceed, intervals, first
 *      exceedance, flags) identical; the mean within the 1/256 fixed-point
 *      rounding (each value off by <= 1/512, so the mean too).
 *   c. flag_stable on designed counts around the Wilson limits of n = 100.
 *   d. The variance split (K outer draws, rep % K = group): param_share and
 *      param_share_year against the closed form of the one-way
 *      random-effects ANOVA estimate for a design with known group means
 *      and within-group deviations, and against the true share for random
 *      group effects (tolerance from the estimator's standard error).
 *   e. Regions: region shortfall = sum of the members, region exceedance per
 *      inhabitant of the region, member flag counts; the other-pooling flags:
 *      flagged_other of a run without pooling equals the flags of a run with
 *      regional pooling on the same replications, and vice versa.
 *   f. Rejections: results of another shape, NaN values, replications beyond
 *      the exact store, accumulators of another model, truncated packs. */
#define _GNU_SOURCE /* nftw, mkdtemp, execvpe (test_util.h) */

#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_fixture.h"
#include "rng_purpose.h"
#include "sketch.h"
#include "stats.h"
#include "summary.h"
#include "test_util.h"

/* a few roundings of a double computation on values of magnitude m */
#define FP(m) (64.0 * DBL_EPSILON * (m))

#ifdef __SANITIZE_ADDRESS__
enum { REAL_R = 4 };
#else
enum { REAL_R = 16 };
#endif

/* ---- the hand-made model ------------------------------------------------- */

/* The hand-made model of test_util.h with default params but the start year
 * 2022, pooling and outer_draws. */
static bw_model *hand_model(int ng, int pooling, int K) {
  bw_params p;
  bw_params_defaults(&p);
  p.start_year = 2022;
  p.pooling = pooling;
  p.outer_draws = K;
  return tu_hand_model(ng, NULL, NULL, &p);
}

/* A crafted replication: total shortfall tot[g * ny + y] (EUR), 60 % BW and
 * 40 % MO; budgets 100 and 30 EUR per inhabitant; cost = budget + shortfall;
 * pooled like the model pools. National: nat(q, y). */
static void craft(const bw_model *m, bw_rep_result *r, const double *tot, const double *nat) {
  int ng = r->ng, ny = r->ny;
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)g * ny + y;
      double pop = bw_model_population(m, g, y);
      r->budget_bw[i] = 100.0 * pop;
      r->budget_mo[i] = 30.0 * pop;
      r->shortfall_bw[i] = 0.6 * tot[i];
      r->shortfall_mo[i] = 0.4 * tot[i];
      r->cost_bw[i] = r->budget_bw[i] + r->shortfall_bw[i];
      r->cost_mo[i] = r->budget_mo[i] + r->shortfall_mo[i];
    }
  if (bw_model_params(m)->pooling == BW_POOL_REGION)
    for (int y = 0; y < ny; y++)
      bw_pool_shortfall(m, r->budget_bw, r->budget_mo, r->shortfall_bw, r->shortfall_mo, y);
  memcpy(r->national, nat, (size_t)BW_NQ * ny * sizeof(double));
  /* the counterfactual under the other pooling setting, as bw_budget_apply
   * computes it without the bijsturing pause: the same budgets, re-pooled */
  for (size_t i = 0; i < (size_t)ng * ny; i++) {
    r->cf->shortfall_bw[i] = r->cost_bw[i] - r->budget_bw[i];
    r->cf->shortfall_mo[i] = r->cost_mo[i] - r->budget_mo[i];
  }
  if (bw_model_params(m)->pooling == BW_POOL_NONE)
    for (int y = 0; y < ny; y++)
      bw_pool_shortfall(m, r->budget_bw, r->budget_mo, r->cf->shortfall_bw, r->cf->shortfall_mo, y);
  r->have_cf = 1;
}

/* R results of model m, filled by fill(rep, tot, nat, arg). */
typedef void (*rep_fill)(const bw_model *m, int rep, double *tot, double *nat, void *arg);

static bw_rep_result **crafted_reps(const bw_model *m, int R, rep_fill fill, void *arg) {
  int ng = bw_model_data(m)->ng, ny = bw_model_nyears(m);
  bw_rep_result **rs = calloc((size_t)R, sizeof *rs);
  double *tot = malloc((size_t)ng * ny * sizeof *tot), *nat = malloc((size_t)BW_NQ * ny * sizeof *nat);
  cr_assert(rs && tot && nat);
  for (int k = 0; k < R; k++) {
    rs[k] = bw_rep_result_create(m);
    cr_assert_not_null(rs[k]);
    fill(m, k, tot, nat, arg);
    craft(m, rs[k], tot, nat);
  }
  free(tot);
  free(nat);
  return rs;
}

/* R replications of bw_simulate. */
static bw_rep_result **simulated_reps(const bw_model *m, int R) {
  bw_rep_result **rs = calloc((size_t)R, sizeof *rs);
  bw_workspace *w = bw_workspace_create(m);
  cr_assert(rs && w);
  for (int k = 0; k < R; k++) {
    rs[k] = bw_rep_result_create(m);
    cr_assert_not_null(rs[k]);
    simulate(m, (uint32_t)k, w, rs[k]);
  }
  bw_workspace_free(w);
  return rs;
}

static void free_reps(bw_rep_result **rs, int R) {
  for (int k = 0; k < R; k++) bw_rep_result_free(rs[k]);
  free(rs);
}

/* ---- adding and summarising ------------------------------------------------ */

static bw_acc *new_acc(const bw_model *m, int exact_nrep) {
  bw_acc *a = bw_acc_create(m, exact_nrep);
  cr_assert_not_null(a, "bw_acc_create");
  cr_assert_eq(bw_acc_count(a), 0);
  return a;
}

/* Add reps[k] as replication k for k in order[0..n-1]. */
static void add_list(bw_acc *a, bw_rep_result **reps, const int *order, int n) {
  double *scratch = malloc(bw_acc_scratch_len(a) * sizeof *scratch);
  cr_assert_not_null(scratch);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  for (int i = 0; i < n; i++) {
    int k = order[i];
    cr_assert_eq(bw_acc_add(a, k, reps[k], scratch, &ctx), BW_OK, "bw_acc_add(%d): %s", k, ctx.msg);
  }
  free(scratch);
}

static void add_range(bw_acc *a, bw_rep_result **reps, int lo, int hi, int step) {
  double *scratch = malloc(bw_acc_scratch_len(a) * sizeof *scratch);
  cr_assert_not_null(scratch);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  for (int k = lo; step > 0 ? k < hi : k >= hi; k += step)
    cr_assert_eq(bw_acc_add(a, k, reps[k], scratch, &ctx), BW_OK, "bw_acc_add(%d): %s", k, ctx.msg);
  free(scratch);
}

/* All R from nt threads at once, dynamic schedule (an arbitrary order). */
static void add_threads(bw_acc *a, bw_rep_result **reps, int R, int nt) {
  size_t len = bw_acc_scratch_len(a);
  int failed = 0;
#pragma omp parallel num_threads(nt)
  {
    double *scratch = malloc(len * sizeof *scratch);
    bw_ctx ctx;
    bw_ctx_init(&ctx);
#pragma omp for schedule(dynamic, 1)
    for (int k = 0; k < R; k++)
      if (!scratch || bw_acc_add(a, k, reps[k], scratch, &ctx) != BW_OK) {
#pragma omp atomic write
        failed = 1;
      }
    free(scratch);
  }
  cr_assert_eq(failed, 0, "bw_acc_add from %d threads failed", nt);
}

/* All R through per-thread parts (bw_acc_part: the path of bwsim run) on nt
 * threads, block replications per block (0: the default), dynamic schedule;
 * every part finished once at the end. */
static void add_parts(bw_acc *a, bw_rep_result **reps, int R, int nt, int block) {
  int failed = 0;
#pragma omp parallel num_threads(nt)
  {
    bw_acc_part *p = bw_acc_part_create(a, block);
    bw_ctx ctx;
    bw_ctx_init(&ctx);
#pragma omp for schedule(dynamic, 1)
    for (int k = 0; k < R; k++)
      if (!p || bw_acc_part_add(p, k, reps[k], &ctx) != BW_OK) {
#pragma omp atomic write
        failed = 1;
      }
    if (!p || bw_acc_part_finish(p, &ctx) != BW_OK) {
#pragma omp atomic write
      failed = 1;
    }
    bw_acc_part_free(p);
  }
  cr_assert_eq(failed, 0, "bw_acc_part_add from %d threads failed", nt);
}

static void merge(bw_acc *dst, const bw_acc *src) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_acc_merge(dst, src, &ctx), BW_OK, "bw_acc_merge: %s", ctx.msg);
}

/* dst += src through a packed buffer (as MPI does). */
static void pack_merge(bw_acc *dst, const bw_acc *src) {
  size_t n = bw_acc_packed_size(src);
  unsigned char *buf = malloc(n);
  cr_assert_not_null(buf);
  cr_assert_eq(bw_acc_pack(src, buf), n, "bw_acc_pack returns the packed size");
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_acc_unpack_merge(dst, buf, n, &ctx), BW_OK, "bw_acc_unpack_merge: %s", ctx.msg);
  free(buf);
}

static bw_summary *summarise(const bw_acc *a, const bw_model *m) {
  bw_summary *s = bw_summary_from_acc(a, m);
  cr_assert_not_null(s, "bw_summary_from_acc");
  return s;
}

#define SAME(x, y, f) (memcmp(&(x)->f, &(y)->f, sizeof (x)->f) == 0)

/* Every byte of every field of two summaries (field by field: no padding). */
static void assert_identical(const bw_summary *a, const bw_summary *b, const char *what) {
  cr_assert(a->nrep == b->nrep && a->ng == b->ng && a->ny == b->ny && a->nr == b->nr &&
                a->first_year == b->first_year && a->start_year == b->start_year && SAME(a, b, theta) &&
                SAME(a, b, p_star) && a->exact == b->exact && a->pooling == b->pooling,
            "%s: header", what);
  cr_assert(a->n_flagged == b->n_flagged && a->n_unstable == b->n_unstable &&
                a->n_flagged_other == b->n_flagged_other && a->split_k == b->split_k,
            "%s: counts", what);
  size_t ngy = (size_t)a->ng * a->ny, nqy = (size_t)BW_NQ * a->ny, nry = (size_t)a->nr * a->ny;
  for (int v = 0; v < BW_NGV; v++)
    cr_assert(memcmp(a->gy[v], b->gy[v], ngy * sizeof(bw_stat)) == 0, "%s: %s", what, bw_gvar_name(v));
  cr_assert(memcmp(a->p_exceed, b->p_exceed, ngy * sizeof(double)) == 0, "%s: p_exceed", what);
  cr_assert(memcmp(a->p_exceed_se, b->p_exceed_se, ngy * sizeof(double)) == 0, "%s: p_exceed_se", what);
  cr_assert(memcmp(a->p_exceed_lo, b->p_exceed_lo, ngy * sizeof(double)) == 0, "%s: p_exceed_lo", what);
  cr_assert(memcmp(a->p_exceed_hi, b->p_exceed_hi, ngy * sizeof(double)) == 0, "%s: p_exceed_hi", what);
  cr_assert(memcmp(a->first_exceed, b->first_exceed, (size_t)a->ng * (a->ny + 1) * sizeof(long long)) == 0,
            "%s: first_exceed", what);
  cr_assert(memcmp(a->national, b->national, nqy * sizeof(bw_stat)) == 0, "%s: national", what);
  for (int i = 0; i < a->ng; i++) {
    const bw_risk_row *x = &a->risk[i], *y = &b->risk[i];
    cr_assert(SAME(x, y, g) && SAME(x, y, rank) && SAME(x, y, p_max_year) && SAME(x, y, p_se) &&
                  SAME(x, y, p_lo) && SAME(x, y, p_hi) && SAME(x, y, p_max_year_at) &&
                  SAME(x, y, first_bottleneck_year) && SAME(x, y, p_any_year) && SAME(x, y, cum_mean) &&
                  SAME(x, y, cum_q95) && SAME(x, y, cum_cvar95) && SAME(x, y, cum_se_mean) &&
                  SAME(x, y, cum_se_q95) && SAME(x, y, cum_se_cvar95) && SAME(x, y, cum_q95_err) &&
                  SAME(x, y, cum_cvar95_err) && SAME(x, y, flagged) && SAME(x, y, flag_stable) &&
                  SAME(x, y, flagged_other),
              "%s: risk row %d", what, i + 1);
  }
  cr_assert(memcmp(a->region, b->region, nry * sizeof(bw_stat)) == 0, "%s: region", what);
  cr_assert(memcmp(a->region_p_exceed, b->region_p_exceed, nry * sizeof(double)) == 0, "%s: region p", what);
  cr_assert(memcmp(a->region_p_exceed_se, b->region_p_exceed_se, nry * sizeof(double)) == 0, "%s: region se",
            what);
  for (int r = 0; r < a->nr; r++) {
    const bw_region_row *x = &a->region_risk[r], *y = &b->region_risk[r];
    cr_assert(SAME(x, y, p_max_year) && SAME(x, y, p_se) && SAME(x, y, p_lo) && SAME(x, y, p_hi) &&
                  SAME(x, y, p_max_year_at) && SAME(x, y, flagged) && SAME(x, y, flag_stable) &&
                  SAME(x, y, members) && SAME(x, y, members_flagged_none) &&
                  SAME(x, y, members_flagged_region),
              "%s: region row %d", what, r);
  }
  if (a->split_k > 0) {
    cr_assert(memcmp(a->param_share, b->param_share, (size_t)a->ng * sizeof(double)) == 0, "%s: param_share",
              what);
    cr_assert(memcmp(a->param_share_year, b->param_share_year, ngy * sizeof(double)) == 0,
              "%s: param_share_year", what);
  } else {
    cr_assert(a->param_share == NULL && b->param_share == NULL && a->param_share_year == NULL,
              "%s: no split without outer draws", what);
  }
}

/* ---- a. order independence ----------------------------------------------- */

/* Per-inhabitant shortfalls around theta (a gemeente-specific level, so the
 * flags are mixed), national values with a heavy tail; signed zeros too. */
typedef struct {
  gsl_rng *rng;
} noise_arg;

static void noise_fill(const bw_model *m, int rep, double *tot, double *nat, void *arg) {
  gsl_rng *rng = ((noise_arg *)arg)->rng;
  bw_rng_gsl_reset(rng, bw_rng_make(99, (uint32_t)rep, BW_RNG_TEST, 0, 0, 0));
  int ng = bw_model_data(m)->ng, ny = bw_model_nyears(m);
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      double pop = bw_model_population(m, g, y);
      tot[g * ny + y] = (8.0 + 1.5 * g + gsl_ran_gaussian(rng, 10.0)) * pop;
    }
  tot[0] = rep % 3 == 0 ? -0.0 : 0.0; /* g0 2021: +-0 */
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < ny; y++) nat[q * ny + y] = 1e6 * q + gsl_ran_lognormal(rng, log(1e6), 1.0);
}

/* thorough = 0: the orders that matter for bw_run (threads, processes)
 * only, for the expensive real model. */
static void order_independence(const bw_model *m, bw_rep_result **reps, int R, const char *label,
                               int thorough) {
  char what[128];
  bw_acc *base = new_acc(m, 0);
  add_range(base, reps, 0, R, 1);
  cr_assert_eq(bw_acc_count(base), R);
  bw_summary *s0 = summarise(base, m);
  bw_summary *s;

  bw_acc *a = new_acc(m, 0);
  int *ord = malloc((size_t)R * sizeof *ord);
  cr_assert_not_null(ord);
  if (thorough) {
    /* reversed */
    add_range(a, reps, R - 1, 0, -1);
    s = summarise(a, m);
    snprintf(what, sizeof what, "%s: reversed", label);
    assert_identical(s0, s, what);
    bw_summary_free(s);

    /* an interleaved order: stride 7, after a clear */
    int n = 0;
    for (int start = 0; start < 7; start++)
      for (int k = start; k < R; k += 7) ord[n++] = k;
    cr_assert_eq(n, R);
    bw_acc_clear(a);
    cr_assert_eq(bw_acc_count(a), 0, "bw_acc_clear forgets the count");
    add_list(a, reps, ord, R);
    s = summarise(a, m);
    snprintf(what, sizeof what, "%s: stride 7 after bw_acc_clear", label);
    assert_identical(s0, s, what);
    bw_summary_free(s);
  }

  /* 4 threads at once */
  bw_acc *t = new_acc(m, 0);
  add_threads(t, reps, R, 4);
  s = summarise(t, m);
  snprintf(what, sizeof what, "%s: 4 threads", label);
  assert_identical(s0, s, what);
  bw_summary_free(s);

  /* per-thread parts (blocks added tile by tile): 1 thread with the
   * default block, 3 threads with blocks of 5 (many flushes, a partial last
   * block), and a part reused after its finish */
  static const int pt[3][2] = {{1, 0}, {3, 5}, {2, 1}};
  for (int k = 0; k < 3; k++) {
    bw_acc *pa = new_acc(m, 0);
    add_parts(pa, reps, R, pt[k][0], pt[k][1]);
    cr_assert_eq(bw_acc_count(pa), R);
    s = summarise(pa, m);
    snprintf(what, sizeof what, "%s: parts, %d threads, block %d", label, pt[k][0], pt[k][1]);
    assert_identical(s0, s, what);
    bw_summary_free(s);
    bw_acc_free(pa);
  }
  {
    bw_acc *pa = new_acc(m, 0);
    bw_acc_part *p = bw_acc_part_create(pa, 4);
    cr_assert_not_null(p);
    bw_ctx ctx;
    bw_ctx_init(&ctx);
    for (int k = 0; k < R; k++) {
      cr_assert_eq(bw_acc_part_add(p, k, reps[k], &ctx), BW_OK, "%s", ctx.msg);
      if (k == R / 3) cr_assert_eq(bw_acc_part_finish(p, &ctx), BW_OK, "%s", ctx.msg);
    }
    cr_assert_eq(bw_acc_part_finish(p, &ctx), BW_OK, "%s", ctx.msg);
    bw_acc_part_free(p);
    s = summarise(pa, m);
    snprintf(what, sizeof what, "%s: one part finished twice", label);
    assert_identical(s0, s, what);
    bw_summary_free(s);
    bw_acc_free(pa);
  }

  /* even + odd, merged both ways */
  bw_acc *ev = new_acc(m, 0), *od = new_acc(m, 0), *ev2 = new_acc(m, 0), *od2 = new_acc(m, 0);
  add_range(ev, reps, 0, R, 2);
  add_range(od, reps, 1, R, 2);
  merge(ev, od);
  cr_assert_eq(bw_acc_count(ev), R);
  s = summarise(ev, m);
  snprintf(what, sizeof what, "%s: even += odd", label);
  assert_identical(s0, s, what);
  bw_summary_free(s);
  if (thorough) {
    add_range(ev2, reps, 0, R, 2);
    add_range(od2, reps, 1, R, 2);
    merge(od2, ev2);
    s = summarise(od2, m);
    snprintf(what, sizeof what, "%s: odd += even", label);
    assert_identical(s0, s, what);
    bw_summary_free(s);
  }

  /* three blocks, as three MPI processes: packed, unpacked into an empty one */
  bw_acc *b[3], *root = new_acc(m, 0);
  for (int k = 0; k < 3; k++) {
    b[k] = new_acc(m, 0);
    add_range(b[k], reps, R * k / 3, R * (k + 1) / 3, 1);
  }
  pack_merge(root, b[2]);
  pack_merge(root, b[0]);
  pack_merge(root, b[1]);
  s = summarise(root, m);
  snprintf(what, sizeof what, "%s: three packed blocks", label);
  assert_identical(s0, s, what);
  bw_summary_free(s);
  /* and as a tree b0 + (b2 + b1) */
  merge(b[2], b[1]);
  merge(b[0], b[2]);
  s = summarise(b[0], m);
  snprintf(what, sizeof what, "%s: b0 + (b2 + b1)", label);
  assert_identical(s0, s, what);
  bw_summary_free(s);

  /* the summary does not depend on the thread count of bw_summary_from_acc */
  int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  bw_summary *s1 = summarise(base, m);
  omp_set_num_threads(3);
  bw_summary *s3 = summarise(base, m);
  omp_set_num_threads(saved);
  snprintf(what, sizeof what, "%s: summary on 1 vs 3 threads", label);
  assert_identical(s1, s3, what);
  assert_identical(s0, s1, what);
  bw_summary_free(s1);
  bw_summary_free(s3);

  for (int k = 0; k < 3; k++) bw_acc_free(b[k]);
  bw_acc_free(root);
  bw_acc_free(ev), bw_acc_free(od), bw_acc_free(ev2), bw_acc_free(od2);
  bw_acc_free(t);
  bw_acc_free(a);
  bw_acc_free(base);
  bw_summary_free(s0);
  free(ord);
}

Test(acc, order_independence_hand_model) {
#ifdef __SANITIZE_ADDRESS__
  enum { R = 80 };
#else
  enum { R = 400 };
#endif
  for (int K = 0; K <= 3; K += 3) {
    bw_model *m = hand_model(9, BW_POOL_NONE, K);
    noise_arg arg = {gsl_rng_alloc(bw_rng_philox)};
    cr_assert_not_null(arg.rng);
    bw_rep_result **reps = crafted_reps(m, R, noise_fill, &arg);
    gsl_rng_free(arg.rng);
    bw_acc *a = new_acc(m, 0);
    add_range(a, reps, 0, R, 1);
    bw_summary *s = summarise(a, m);
    cr_assert(s->n_flagged > 0 && s->n_flagged < 9, "the design gives a mix of flags (%d)", s->n_flagged);
    cr_assert_eq(s->split_k, K);
    bw_summary_free(s);
    bw_acc_free(a);
    order_independence(m, reps, R, K ? "hand model, K = 3" : "hand model", 1);
    free_reps(reps, R);
    bw_model_free(m);
  }
}

/* ---- b. streaming vs exact -------------------------------------------------- */

/* |x| of the values behind a statistic is at most |mean| + sd sqrt(n - 1)
 * (the sum of squared deviations is (n - 1) sd^2). */
static double mag_of(const bw_stat *e, int n) { return fabs(e->mean) + e->sd * sqrt((double)(n > 1 ? n - 1 : 1)); }

/* One cell: streaming s against exact e of the same n values; unit = the
 * factor that took EUR to the statistic's unit (1/pop for per inhabitant). */
static void check_cell(const bw_stat *s, const bw_stat *e, int n, double unit, const char *what, int i) {
  double mag = mag_of(e, n);
  cr_assert(e->err_q05 == 0 && e->err_q50 == 0 && e->err_q95 == 0 && e->err_cvar95 == 0,
            "%s[%d]: exact statistics carry no streaming error", what, i);
  cr_assert(fabs(s->mean - e->mean) <= unit / 512 + FP(mag), "%s[%d]: mean %.17g, exact %.17g", what, i,
            s->mean, e->mean);
  const double got[4] = {s->q05, s->q50, s->q95, s->cvar95}, want[4] = {e->q05, e->q50, e->q95, e->cvar95};
  const double err[4] = {s->err_q05, s->err_q50, s->err_q95, s->err_cvar95};
  static const char *const name[4] = {"q05", "q50", "q95", "cvar95"};
  for (int k = 0; k < 4; k++)
    cr_assert(err[k] >= 0 && fabs(got[k] - want[k]) <= err[k] + FP(mag),
              "%s[%d] %s: streaming %.17g, exact %.17g, |d| %.3g > err %.3g", what, i, name[k], got[k],
              want[k], fabs(got[k] - want[k]), err[k]);
}

/* Streaming summary st against the exact summary ex of the same run. */
static void streaming_vs_exact(const bw_summary *st, const bw_summary *ex, const bw_model *m) {
  cr_assert(st->exact == 0 && ex->exact == 1);
  cr_assert_eq(st->nrep, ex->nrep);
  int n = st->nrep, ng = st->ng, ny = st->ny, nr = st->nr;
  size_t ngy = (size_t)ng * ny;
  char what[64];
  for (int v = 0; v < BW_NGV; v++)
    for (int g = 0; g < ng; g++)
      for (int y = 0; y < ny; y++) {
        size_t i = (size_t)g * ny + y;
        double unit = v == BW_GV_SHORTFALL_PER_INH ? 1.0 / bw_model_population(m, g, y) : 1.0;
        snprintf(what, sizeof what, "%s", bw_gvar_name(v));
        check_cell(&st->gy[v][i], &ex->gy[v][i], n, unit, what, (int)i);
      }
  for (int i = 0; i < BW_NQ * ny; i++) check_cell(&st->national[i], &ex->national[i], n, 1.0, "national", i);
  for (int i = 0; i < nr * ny; i++) check_cell(&st->region[i], &ex->region[i], n, 1.0, "region", i);
  /* counts: the same integers behind both */
  cr_assert(memcmp(st->p_exceed, ex->p_exceed, ngy * sizeof(double)) == 0, "p_exceed");
  cr_assert(memcmp(st->p_exceed_se, ex->p_exceed_se, ngy * sizeof(double)) == 0, "p_exceed_se");
  cr_assert(memcmp(st->p_exceed_lo, ex->p_exceed_lo, ngy * sizeof(double)) == 0, "p_exceed_lo");
  cr_assert(memcmp(st->p_exceed_hi, ex->p_exceed_hi, ngy * sizeof(double)) == 0, "p_exceed_hi");
  cr_assert(memcmp(st->first_exceed, ex->first_exceed, (size_t)ng * (ny + 1) * sizeof(long long)) == 0,
            "first_exceed");
  cr_assert(memcmp(st->region_p_exceed, ex->region_p_exceed, (size_t)nr * ny * sizeof(double)) == 0,
            "region_p_exceed");
  cr_assert(st->n_flagged == ex->n_flagged && st->n_unstable == ex->n_unstable &&
            st->n_flagged_other == ex->n_flagged_other);
  for (int g = 0; g < ng; g++) {
    const bw_risk_row *a = tu_risk_row(st, g), *b = tu_risk_row(ex, g);
    cr_assert(SAME(a, b, p_max_year) && SAME(a, b, p_se) && SAME(a, b, p_lo) && SAME(a, b, p_hi) &&
                  SAME(a, b, p_max_year_at) && SAME(a, b, first_bottleneck_year) && SAME(a, b, p_any_year) &&
                  SAME(a, b, flagged) && SAME(a, b, flag_stable) && SAME(a, b, flagged_other),
              "gemeente %d: the risk counts differ between streaming and exact", g);
    /* the cumulative shortfall: its own cell, read as the others */
    bw_stat cs = {.mean = a->cum_mean, .q95 = a->cum_q95, .cvar95 = a->cum_cvar95,
                  .err_q95 = a->cum_q95_err, .err_cvar95 = a->cum_cvar95_err,
                  .q05 = b->cum_mean, .q50 = b->cum_mean}; /* q05, q50: not reported */
    bw_stat ce = {.mean = b->cum_mean, .q95 = b->cum_q95, .cvar95 = b->cum_cvar95,
                  .q05 = b->cum_mean, .q50 = b->cum_mean, .sd = b->cum_se_mean * sqrt((double)n)};
    cr_assert(b->cum_q95_err == 0 && b->cum_cvar95_err == 0);
    check_cell(&cs, &ce, n, 1.0, "cumulative", g);
  }
  for (int r = 0; r < nr; r++) {
    const bw_region_row *a = &st->region_risk[r], *b = &ex->region_risk[r];
    cr_assert(SAME(a, b, p_max_year) && SAME(a, b, p_lo) && SAME(a, b, p_hi) && SAME(a, b, flagged) &&
                  SAME(a, b, flag_stable) && SAME(a, b, members_flagged_none) &&
                  SAME(a, b, members_flagged_region),
              "region %d", r);
  }
}

static void stream_and_exact(const bw_model *m, bw_rep_result **reps, int R) {
  bw_acc *st = new_acc(m, 0), *ex = new_acc(m, R);
  cr_assert_null(bw_acc_store(st));
  cr_assert_not_null(bw_acc_store(ex));
  add_range(st, reps, 0, R, 1);
  add_threads(ex, reps, R, 2); /* the store is filled by slot, any order */
  bw_summary *ss = summarise(st, m), *se = summarise(ex, m);
  streaming_vs_exact(ss, se, m);
  bw_summary_free(ss);
  bw_summary_free(se);
  bw_acc_free(st);
  bw_acc_free(ex);
}

/* Mixed distributions per gemeente, many replications: the quantiles fall
 * between bins, the CVaR tail spans many of them. */
static void mixed_fill(const bw_model *m, int rep, double *tot, double *nat, void *arg) {
  gsl_rng *rng = ((noise_arg *)arg)->rng;
  bw_rng_gsl_reset(rng, bw_rng_make(7, (uint32_t)rep, BW_RNG_TEST, 0, 0, 1));
  int ng = bw_model_data(m)->ng, ny = bw_model_nyears(m);
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      double pop = bw_model_population(m, g, y), x;
      switch (g % 4) {
      case 0: x = gsl_ran_gaussian(rng, 20.0) * pop; break;                      /* around 0 */
      case 1: x = (gsl_ran_lognormal(rng, log(10.0), 1.0) - 12.0) * pop; break;  /* skewed */
      case 2: x = (double)(gsl_rng_uniform_int(rng, 5) * 1000); break;           /* ties */
      default: x = 1e9 + gsl_ran_gaussian(rng, 1e5); break;                      /* far from 0 */
      }
      tot[g * ny + y] = x;
    }
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < ny; y++)
      nat[q * ny + y] = q % 2 ? (double)gsl_ran_poisson(rng, 2e4) : 1e8 + gsl_ran_gaussian(rng, 1e7);
}

Test(acc, streaming_within_error_of_exact_hand_model) {
#ifdef __SANITIZE_ADDRESS__
  enum { R = 250 };
#else
  enum { R = 3000 };
#endif
  bw_model *m = hand_model(8, BW_POOL_NONE, 0);
  noise_arg arg = {gsl_rng_alloc(bw_rng_philox)};
  cr_assert_not_null(arg.rng);
  bw_rep_result **reps = crafted_reps(m, R, mixed_fill, &arg);
  stream_and_exact(m, reps, R);
  free_reps(reps, R);
  /* and few replications: n = 1, 2, 7 (quantiles at the extremes) */
  for (int r = 1; r <= 7; r += r < 2 ? 1 : 5) {
    reps = crafted_reps(m, r, mixed_fill, &arg);
    stream_and_exact(m, reps, r);
    free_reps(reps, r);
  }
  gsl_rng_free(arg.rng);
  bw_model_free(m);
}

/* The shipped data and bw_simulate: order independence (a) and streaming vs
 * exact (b) on the same replications. */
Test(acc, real_replications_order_and_exact) {
  bw_data d;
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_model *m = bw_model_create(&p, &d, &ctx);
  cr_assert_not_null(m, "%s", ctx.msg);
  bw_rep_result **reps = simulated_reps(m, REAL_R);
  order_independence(m, reps, REAL_R, "shipped data", 0);
  stream_and_exact(m, reps, REAL_R);
  free_reps(reps, REAL_R);
  bw_model_free(m);
  bw_data_free(&d);
}

/* ---- c. stable flags --------------------------------------------------------- */

/* n = 100, year 2026: gemeente g exceeds theta in the first K_EXC[g] reps
 * (+20 EUR/inh), every other cell is -5 EUR/inh. The Wilson limits of
 * n = 100 put p* = 0.5 inside the interval for 41 <= k <= 59: k = 60 is the
 * smallest stable flag and k = 40 the largest stable non-flag. */
static const int K_EXC[8] = {100, 60, 59, 50, 45, 41, 40, 0};

static void design_fill(const bw_model *m, int rep, double *tot, double *nat, void *arg) {
  (void)arg;
  int ng = bw_model_data(m)->ng, ny = bw_model_nyears(m);
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      /* g 3 also exceeds in 2029 in every third rep: a later year, so
       * its first exceedance stays 2026 for rep < 50 */
      int over = (2021 + y == 2026 && rep < K_EXC[g]) || (g == 3 && 2021 + y == 2029 && rep % 3 == 0);
      tot[g * ny + y] = (over ? 20.0 : -5.0) * bw_model_population(m, g, y);
    }
  for (int i = 0; i < BW_NQ * ny; i++) nat[i] = i + rep % 2; /* not used here */
}

Test(acc, flag_stable_on_designed_counts) {
  enum { R = 100 };
  bw_model *m = hand_model(8, BW_POOL_NONE, 0);
  bw_rep_result **reps = crafted_reps(m, R, design_fill, NULL);
  bw_acc *a = new_acc(m, 0);
  add_range(a, reps, 0, R, 1);
  bw_summary *s = summarise(a, m);
  int ny = s->ny, y26 = 2026 - 2021, unstable = 0, flagged = 0;
  for (int g = 0; g < 8; g++) {
    const bw_risk_row *r = tu_risk_row(s, g);
    int k = K_EXC[g];
    double lo, hi;
    tu_wilson95(k, R, &lo, &hi);
    /* the design: which side of p* the interval lies on */
    int want_flag = k >= 50, want_stable = k >= 60 || k <= 40;
    cr_assert_eq(want_stable, lo > 0.5 || hi < 0.5, "design: k = %d (%.4f, %.4f)", k, lo, hi);
    cr_assert_eq(r->p_max_year, k / 100.0, "g %d: p_max_year", g);
    cr_assert_eq(r->p_max_year_at, k > 0 ? 2026 : 2022, "g %d: the year of the maximum", g);
    cr_assert(fabs(r->p_lo - lo) <= 1e-15 && fabs(r->p_hi - hi) <= 1e-15, "g %d: [%.17g, %.17g] vs [%.17g, %.17g]",
              g, r->p_lo, r->p_hi, lo, hi);
    cr_assert(fabs(r->p_se - sqrt(k / 100.0 * (1 - k / 100.0) / R)) <= 1e-16, "g %d: p_se", g);
    cr_assert_eq(r->flagged, want_flag, "g %d (k %d): flagged", g, k);
    cr_assert_eq(r->flag_stable, want_stable, "g %d (k %d): flag_stable", g, k);
    cr_assert_eq(r->first_bottleneck_year, want_flag ? 2026 : 0, "g %d", g);
    /* the year's own interval, in the gemeente x year arrays */
    size_t i = (size_t)g * ny + y26;
    cr_assert(s->p_exceed[i] == k / 100.0 && s->p_exceed_lo[i] == r->p_lo && s->p_exceed_hi[i] == r->p_hi);
    /* first exceedance year: 2026 for the k reps; for g 3, 2029 for the
     * 17 reps 51, 54, ..., 99; never for the others */
    int late = g == 3 ? 17 : 0;
    const long long *fe = s->first_exceed + (size_t)g * (ny + 1);
    cr_assert_eq(fe[y26], k, "g %d first_exceed 2026", g);
    cr_assert_eq(fe[2029 - 2021], late, "g %d first_exceed 2029", g);
    cr_assert_eq(fe[ny], R - k - late, "g %d: never", g);
    long long tot_fe = 0;
    for (int y = 0; y <= ny; y++) tot_fe += fe[y];
    cr_assert_eq(tot_fe, R, "g %d: every replication has one first year (or none)", g);
    cr_assert_eq(r->p_any_year, (k + late) / 100.0);
    unstable += !want_stable;
    flagged += want_flag;
  }
  cr_assert_eq(s->n_flagged, flagged);
  cr_assert_eq(s->n_unstable, unstable, "n_unstable %d, design %d", s->n_unstable, unstable);
  cr_assert_eq(unstable, 4, "design: k = 59, 50, 45, 41");
  /* ranks: by p_max_year, down the list */
  for (int i = 0; i < 8; i++) cr_assert_eq(s->risk[i].g, i, "rank %d", i + 1);
  bw_summary_free(s);

  /* one more replication, none exceeding: k = 60 of 101 is no longer stable
   * (lo 0.4975...), k = 40 of 101 still is */
  double lo, hi;
  tu_wilson95(60, 101, &lo, &hi);
  cr_assert(lo < 0.5, "design: 60/101 straddles");
  bw_rep_result **extra = crafted_reps(m, R + 1, design_fill, NULL);
  double *tot = calloc((size_t)8 * ny, sizeof *tot), nat[BW_NQ * BW_MAX_YEARS] = {0};
  cr_assert_not_null(tot);
  for (int g = 0; g < 8; g++)
    for (int y = 0; y < ny; y++) tot[g * ny + y] = -5.0 * bw_model_population(m, g, y);
  craft(m, extra[R], tot, nat);
  int one = R;
  add_list(a, extra, &one, 1);
  s = summarise(a, m);
  cr_assert(!tu_risk_row(s, 1)->flag_stable && tu_risk_row(s, 1)->flagged, "60/101");
  cr_assert(tu_risk_row(s, 6)->flag_stable && !tu_risk_row(s, 6)->flagged, "40/101");
  bw_summary_free(s);
  free(tot);
  free_reps(extra, R + 1);
  bw_acc_free(a);
  free_reps(reps, R);
  bw_model_free(m);
}

/* ---- d. variance split --------------------------------------------------------- */

/* Design: K groups of J replications (rep = j K + k, so rep % K = k). In
 * gemeente g, year y, the shortfall of rep is
 *     alpha(g, y) * MU[k] + beta(g, y) * EPS[j]   (EUR, whole numbers)
 * with sum_j EPS[j] = 0. The one-way random-effects ANOVA estimate is then,
 * in closed form (N = K J):
 *     MSW = K beta^2 sum_j EPS^2 / (N - K)
 *     MSB = J alpha^2 sum_k (MU_k - mean MU)^2 / (K - 1)
 *     sigma_b^2 = max(0, (MSB - MSW) / J),  share = sigma_b^2 / (sigma_b^2 + MSW)
 * (NaN when both are 0). The cumulative shortfall over the reform years has
 * alpha and beta summed over those years. All values are whole euros, so
 * the fixed-point sums are exact; what is left is long double arithmetic,
 * far below the 1e-12 allowed. */
enum { SK = 4, SJ = 6 };
static const double MU[SK] = {-3000, -1000, 2000, 6000};
static const double EPS[SJ] = {500, -500, 1500, -1500, 250, -250};

static double alpha_of(int g, int y) { return g == 3 ? 0.0 : (double)((g + 1) * (y % 3)); }
static double beta_of(int g, int y) { return g == 2 || (g == 3 && y % 2) ? 0.0 : 1.0 + y % 2; }

static void split_fill(const bw_model *m, int rep, double *tot, double *nat, void *arg) {
  (void)arg;
  int ng = bw_model_data(m)->ng, ny = bw_model_nyears(m), k = rep % SK, j = rep / SK;
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) tot[g * ny + y] = alpha_of(g, y) * MU[k] + beta_of(g, y) * EPS[j];
  for (int i = 0; i < BW_NQ * ny; i++) nat[i] = i; /* not used here */
}

static double closed_form_share(double alpha, double beta) {
  double n = SK * SJ, mu = 0, ssm = 0, sse = 0;
  for (int k = 0; k < SK; k++) mu += MU[k] / SK;
  for (int k = 0; k < SK; k++) ssm += (MU[k] - mu) * (MU[k] - mu);
  for (int j = 0; j < SJ; j++) sse += EPS[j] * EPS[j];
  double msw = SK * beta * beta * sse / (n - SK);
  double msb = SJ * alpha * alpha * ssm / (SK - 1);
  double vb = (msb - msw) / SJ;
  if (vb < 0) vb = 0;
  return vb + msw > 0 ? vb / (vb + msw) : NAN;
}

static void assert_share(double got, double want, const char *what, int g, int y) {
  if (isnan(want))
    cr_assert(isnan(got), "%s g %d y %d: %.17g, want NaN (no variance)", what, g, y, got);
  else
    cr_assert(fabs(got - want) <= 1e-12, "%s g %d y %d: %.17g, closed form %.17g", what, g, y, got, want);
}

Test(acc, variance_split_closed_form) {
  bw_model *m = hand_model(4, BW_POOL_NONE, SK);
  int ny = bw_model_nyears(m), yf = 2022 - 2021;
  double e = 0;
  for (int j = 0; j < SJ; j++) e += EPS[j];
  cr_assert_eq(e, 0.0, "design: the within-group deviations sum to 0");
  bw_rep_result **reps = crafted_reps(m, SK * SJ, split_fill, NULL);
  bw_acc *a = new_acc(m, 0);
  add_range(a, reps, SK * SJ - 1, 0, -1);
  bw_summary *s = summarise(a, m);
  cr_assert_eq(s->split_k, SK);
  cr_assert(s->param_share && s->param_share_year);
  int saw_mid = 0;
  for (int g = 0; g < 4; g++) {
    double A = 0, B = 0;
    for (int y = 0; y < ny; y++) {
      double want = closed_form_share(alpha_of(g, y), beta_of(g, y));
      assert_share(s->param_share_year[(size_t)g * ny + y], want, "param_share_year", g, y);
      saw_mid |= want > 0.1 && want < 0.9;
      if (y >= yf) {
        A += alpha_of(g, y);
        B += beta_of(g, y);
      }
    }
    assert_share(s->param_share[g], closed_form_share(A, B), "param_share (cumulative)", g, -1);
  }
  cr_assert(saw_mid, "design: some shares strictly between 0 and 1");
  /* the edge cases of the design: g 2 has no within-group variation (share
   * 1 where alpha != 0), g 3 none at all in odd years (NaN), and alpha = 0
   * (y % 3 == 0) gives share 0 where there is within-group variation */
  cr_assert_eq(s->param_share_year[2 * ny + 1], 1.0);
  cr_assert(isnan(s->param_share_year[3 * ny + 1]));
  cr_assert_eq(s->param_share_year[0 * ny + 3], 0.0);
  bw_summary_free(s);

  /* one group only: no split can be estimated */
  bw_acc *one = new_acc(m, 0);
  add_range(one, reps, 0, SK * SJ, SK);
  s = summarise(one, m);
  for (int g = 0; g < 4; g++) cr_assert(isnan(s->param_share[g]), "one group: NaN");
  bw_summary_free(s);
  bw_acc_free(one);

  /* unbalanced: drop the last replication of group 0 and the first of group
   * 2; the estimate (Searle's n0) recomputed here from the values */
  bw_acc *ub = new_acc(m, 0);
  int ord[SK * SJ], n = 0;
  for (int r = 0; r < SK * SJ; r++)
    if (r != (SJ - 1) * SK && r != 2) ord[n++] = r;
  add_list(ub, reps, ord, n);
  s = summarise(ub, m);
  for (int g = 0; g < 2; g++)
    for (int y = 0; y < ny; y++) {
      double sum[SK] = {0}, cnt[SK] = {0}, all = 0, ssw = 0;
      for (int i = 0; i < n; i++) {
        int r = ord[i];
        sum[r % SK] += alpha_of(g, y) * MU[r % SK] + beta_of(g, y) * EPS[r / SK];
        cnt[r % SK]++;
      }
      double N = n, sn2 = 0, ssb = 0;
      for (int k = 0; k < SK; k++) all += sum[k], sn2 += cnt[k] * cnt[k];
      for (int i = 0; i < n; i++) {
        int r = ord[i];
        double x = alpha_of(g, y) * MU[r % SK] + beta_of(g, y) * EPS[r / SK] - sum[r % SK] / cnt[r % SK];
        ssw += x * x;
      }
      for (int k = 0; k < SK; k++) ssb += cnt[k] * (sum[k] / cnt[k] - all / N) * (sum[k] / cnt[k] - all / N);
      double msw = ssw / (N - SK), msb = ssb / (SK - 1), n0 = (N - sn2 / N) / (SK - 1);
      double vb = fmax(0.0, (msb - msw) / n0);
      double want = vb + msw > 0 ? vb / (vb + msw) : NAN;
      assert_share(s->param_share_year[(size_t)g * ny + y], want, "unbalanced", g, y);
    }
  bw_summary_free(s);
  bw_acc_free(ub);
  bw_acc_free(a);
  free_reps(reps, SK * SJ);
  bw_model_free(m);

  /* without outer draws: no split */
  m = hand_model(4, BW_POOL_NONE, 0);
  reps = crafted_reps(m, 8, split_fill, NULL);
  a = new_acc(m, 0);
  add_range(a, reps, 0, 8, 1);
  s = summarise(a, m);
  cr_assert(s->split_k == 0 && s->param_share == NULL && s->param_share_year == NULL);
  bw_summary_free(s);
  bw_acc_free(a);
  free_reps(reps, 8);
  bw_model_free(m);
}

/* Random group effects: MU_k ~ N(0, sb^2), within ~ N(0, sw^2); the true
 * share is rho = sb^2 / (sb^2 + sw^2). The ANOVA estimate of the intraclass
 * correlation has the large-sample variance (Fisher)
 *     2 (1 - rho)^2 (1 + (J - 1) rho)^2 / (J (J - 1) (K - 1)),
 * and the estimate here is within 4 of its standard errors in every cell. */
enum { RK = 60, RJ = 20 };
static const double SB = 2000, SW = 3000;

static void random_split_fill(const bw_model *m, int rep, double *tot, double *nat, void *arg) {
  gsl_rng *rng = ((noise_arg *)arg)->rng;
  int ng = bw_model_data(m)->ng, ny = bw_model_nyears(m), k = rep % RK;
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      /* the group effect: keyed by (k, g, y), the same for every rep of k */
      bw_rng_gsl_reset(rng, bw_rng_make(31, (uint32_t)k, BW_RNG_TEST, (uint32_t)g, (uint32_t)y, 0));
      double mu = gsl_ran_gaussian(rng, SB);
      bw_rng_gsl_reset(rng, bw_rng_make(32, (uint32_t)rep, BW_RNG_TEST, (uint32_t)g, (uint32_t)y, 0));
      tot[g * ny + y] = mu + gsl_ran_gaussian(rng, SW);
    }
  for (int i = 0; i < BW_NQ * ny; i++) nat[i] = i; /* not used here */
}

Test(acc, variance_split_random_effects) {
  bw_model *m = hand_model(4, BW_POOL_NONE, RK);
  int ny = bw_model_nyears(m);
  noise_arg arg = {gsl_rng_alloc(bw_rng_philox)};
  cr_assert_not_null(arg.rng);
  bw_rep_result **reps = crafted_reps(m, RK * RJ, random_split_fill, &arg);
  gsl_rng_free(arg.rng);
  bw_acc *a = new_acc(m, 0);
  add_threads(a, reps, RK * RJ, 2);
  bw_summary *s = summarise(a, m);
  double rho = SB * SB / (SB * SB + SW * SW);
  double se = sqrt(2 * (1 - rho) * (1 - rho) * (1 + (RJ - 1) * rho) * (1 + (RJ - 1) * rho) /
                   (RJ * (RJ - 1.0) * (RK - 1)));
  for (int i = 0; i < 4 * ny; i++)
    cr_assert(fabs(s->param_share_year[i] - rho) <= 4 * se, "cell %d: share %.4f, true %.4f (se %.4f)", i,
              s->param_share_year[i], rho, se);
  bw_summary_free(s);
  bw_acc_free(a);
  free_reps(reps, RK * RJ);
  bw_model_free(m);
}

/* ---- e. regions and the other pooling --------------------------------------- */

/* Region sums over members, region exceedance per inhabitant of the region,
 * and the member counts, on crafted values (exact store and streaming). */
Test(acc, regions_sum_their_members) {
#ifdef __SANITIZE_ADDRESS__
  enum { R = 200 };
#else
  enum { R = 600 };
#endif
  bw_model *m = hand_model(7, BW_POOL_NONE, 0);
  const bw_data *d = bw_model_data(m);
  int ny = bw_model_nyears(m), ng = d->ng;
  noise_arg arg = {gsl_rng_alloc(bw_rng_philox)};
  cr_assert_not_null(arg.rng);
  bw_rep_result **reps = crafted_reps(m, R, noise_fill, &arg);
  gsl_rng_free(arg.rng);
  bw_acc *st = new_acc(m, 0), *ex = new_acc(m, R);
  add_range(st, reps, 0, R, 1);
  add_range(ex, reps, 0, R, 1);
  bw_summary *ss = summarise(st, m), *se = summarise(ex, m);
  cr_assert_eq(ss->nr, 2);
  double *sums = malloc(R * sizeof *sums);
  cr_assert_not_null(sums);
  for (int r = 0; r < 2; r++) {
    for (int y = 0; y < ny; y++) {
      /* the region's shortfall in each replication, and its population */
      double pop = 0;
      for (int g = 0; g < ng; g++)
        if (d->g[g].region == r) pop += bw_model_population(m, g, y);
      int over = 0;
      for (int k = 0; k < R; k++) {
        double s = 0;
        for (int g = 0; g < ng; g++)
          if (d->g[g].region == r) s += reps[k]->shortfall_bw[g * ny + y] + reps[k]->shortfall_mo[g * ny + y];
        sums[k] = s;
        over += s / pop > 15.0;
      }
      size_t i = (size_t)r * ny + y;
      cr_assert_eq(ss->region_p_exceed[i], (double)over / R, "region %d year %d: P(region > theta)", r, y);
      bw_stat e;
      bw_stat_compute(sums, R, &e);
      double mag = mag_of(&e, R);
      cr_assert(fabs(se->region[i].mean - e.mean) <= FP(mag) && fabs(se->region[i].q95 - e.q95) <= FP(mag) &&
                    fabs(se->region[i].cvar95 - e.cvar95) <= FP(mag),
                "region %d year %d: exact statistics of the member sums", r, y);
      cr_assert(fabs(ss->region[i].mean - e.mean) <= 1.0 / 512 + FP(mag), "region %d year %d: mean", r, y);
      cr_assert(fabs(ss->region[i].q95 - e.q95) <= ss->region[i].err_q95 + FP(mag), "region %d year %d: q95", r, y);
      /* the mean is linear: the sum of the members' means */
      double msum = 0;
      for (int g = 0; g < ng; g++)
        if (d->g[g].region == r) msum += ss->gy[BW_GV_SHORTFALL][(size_t)g * ny + y].mean;
      cr_assert(fabs(ss->region[i].mean - msum) <= 5.0 / 512 + FP(mag), "region %d year %d: mean of the sum", r, y);
    }
    /* members and their flags: pooling none, so the own flags count as
     * "none" and flagged_other as "with regional pooling" */
    const bw_region_row *row = &ss->region_risk[r];
    int members = 0, fl = 0, fo = 0;
    for (int g = 0; g < ng; g++)
      if (d->g[g].region == r) {
        members++;
        fl += tu_risk_row(ss, g)->flagged;
        fo += tu_risk_row(ss, g)->flagged_other;
      }
    cr_assert_eq(row->members, members);
    cr_assert_eq(row->members_flagged_none, fl, "region %d: members flagged", r);
    cr_assert_eq(row->members_flagged_region, fo, "region %d: members flagged with pooling", r);
    cr_assert_eq(row->flagged, row->p_max_year >= 0.5);
    cr_assert_eq(row->flag_stable, row->p_lo > 0.5 || row->p_hi < 0.5);
    double pm = 0;
    for (int y = 2022 - 2021; y < ny; y++) pm = fmax(pm, ss->region_p_exceed[(size_t)r * ny + y]);
    cr_assert_eq(row->p_max_year, pm, "region %d: max over the reform years", r);
  }
  free(sums);
  bw_summary_free(ss);
  bw_summary_free(se);
  bw_acc_free(st);
  bw_acc_free(ex);
  free_reps(reps, R);
  bw_model_free(m);
}

/* A region whose shortfall per inhabitant of the region is exactly theta is
 * not an exceedance (strict >, docs/model.md §8), as for a gemeente. */
Test(acc, region_exceedance_is_strict) {
  /* several sizes: region populations of many roundings */
  for (int size = 3; size <= 14; size++) {
  bw_model *m = hand_model(size, BW_POOL_NONE, 0);
  const bw_data *d = bw_model_data(m);
  int ny = bw_model_nyears(m), ng = d->ng;
  bw_rep_result *r = bw_rep_result_create(m);
  cr_assert_not_null(r);
  double *tot = calloc((size_t)ng * ny, sizeof *tot), nat[BW_NQ * BW_MAX_YEARS] = {0};
  cr_assert_not_null(tot);
  /* in the years where some double s has s / pop_region == 15 exactly,
   * region 0's centrumgemeente carries that whole shortfall, the others 0 */
  int exact_year[BW_MAX_YEARS] = {0}, n_exact = 0;
  for (int y = 0; y < ny; y++) {
    double pop = 0;
    for (int g = 0; g < ng; g++)
      if (d->g[g].region == 0) pop += bw_model_population(m, g, y);
    double s = 15.0 * pop;
    while (s / pop > 15.0) s = nextafter(s, -INFINITY);
    while (s / pop < 15.0) s = nextafter(s, INFINITY);
    exact_year[y] = s / pop == 15.0;
    n_exact += exact_year[y];
    tot[0 * ny + y] = exact_year[y] ? s : 0.0;
  }
  cr_assert_geq(n_exact, 3, "design: s / pop == 15 reachable in %d years only", n_exact);
  craft(m, r, tot, nat);
  /* craft splits 60/40: put it back whole into BW (the region sum is bw + mo) */
  for (int y = 0; y < ny; y++) {
    r->shortfall_bw[y] = tot[y];
    r->shortfall_mo[y] = 0.0;
  }
  bw_acc *a = new_acc(m, 0);
  bw_rep_result *one[1] = {r};
  int zero = 0;
  add_list(a, one, &zero, 1);
  bw_summary *s = summarise(a, m);
  for (int y = 0; y < ny; y++)
    cr_assert(!exact_year[y] || s->region_p_exceed[y] == 0.0,
              "%d gemeenten, region 0, %d: s / pop == theta counted as an exceedance", size, 2021 + y);
  bw_summary_free(s);
  bw_acc_free(a);
  bw_rep_result_free(r);
  free(tot);
  bw_model_free(m);
  }
}

/* Two models of the shipped data that differ only in policy.pooling: the
 * flows do not depend on pooling, so replication k has the same costs and
 * budgets in both; the flags of one run must be the other-pooling flags of
 * the other. */
Test(acc, other_pooling_flags_match_the_other_run) {
  bw_data d;
  load_data(&d);
  bw_params p;
  bw_params_defaults(&p);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_model *mn = bw_model_create(&p, &d, &ctx);
  cr_assert_not_null(mn, "%s", ctx.msg);
  p.pooling = BW_POOL_REGION;
  bw_model *mr = bw_model_create(&p, &d, &ctx);
  cr_assert_not_null(mr, "%s", ctx.msg);
  bw_rep_result **rn = simulated_reps(mn, REAL_R), **rr = simulated_reps(mr, REAL_R);
  size_t ngy = (size_t)d.ng * bw_model_nyears(mn);
  for (int k = 0; k < REAL_R; k++)
    cr_assert(memcmp(rn[k]->cost_bw, rr[k]->cost_bw, ngy * sizeof(double)) == 0 &&
                  memcmp(rn[k]->cost_mo, rr[k]->cost_mo, ngy * sizeof(double)) == 0 &&
                  memcmp(rn[k]->budget_bw, rr[k]->budget_bw, ngy * sizeof(double)) == 0 &&
                  memcmp(rn[k]->budget_mo, rr[k]->budget_mo, ngy * sizeof(double)) == 0,
              "premise: replication %d has the same costs and budgets with and without pooling", k);
  bw_acc *an = new_acc(mn, 0), *ar = new_acc(mr, 0);
  add_range(an, rn, 0, REAL_R, 1);
  add_range(ar, rr, 0, REAL_R, 1);
  bw_summary *sn = summarise(an, mn), *sr = summarise(ar, mr);
  cr_assert(sn->pooling == BW_POOL_NONE && sr->pooling == BW_POOL_REGION);
  int differ = 0;
  for (int g = 0; g < d.ng; g++) {
    const bw_risk_row *a = tu_risk_row(sn, g), *b = tu_risk_row(sr, g);
    cr_assert(a->flagged_other == 0 || a->flagged_other == 1, "g %d: flagged_other known", g);
    cr_assert_eq(a->flagged_other, b->flagged, "g %d: pooled flag", g);
    cr_assert_eq(b->flagged_other, a->flagged, "g %d: unpooled flag", g);
    differ += a->flagged != b->flagged;
  }
  cr_assert_gt(differ, 0, "premise: pooling changes some flag (else the test shows nothing)");
  cr_assert_eq(sn->n_flagged_other, sr->n_flagged);
  cr_assert_eq(sr->n_flagged_other, sn->n_flagged);
  for (int r = 0; r < d.nr; r++) {
    const bw_region_row *a = &sn->region_risk[r], *b = &sr->region_risk[r];
    cr_assert(a->members == b->members && a->members_flagged_none == b->members_flagged_none &&
                  a->members_flagged_region == b->members_flagged_region,
              "region %d: member flag counts do not depend on the run's pooling", r);
    /* pooling moves money inside a region only: the same region flag */
    cr_assert(a->flagged == b->flagged && a->p_max_year == b->p_max_year, "region %d: flag", r);
  }
  bw_summary_free(sn);
  bw_summary_free(sr);
  bw_acc_free(an);
  bw_acc_free(ar);
  free_reps(rn, REAL_R);
  free_reps(rr, REAL_R);
  bw_model_free(mn);
  bw_model_free(mr);
  bw_data_free(&d);
}

/* ---- f. rejections ----------------------------------------------------------- */

Test(acc, bad_input_rejected) {
  bw_model *m = hand_model(4, BW_POOL_NONE, 0), *m5 = hand_model(5, BW_POOL_NONE, 0);
  int ny = bw_model_nyears(m);
  bw_rep_result **reps = crafted_reps(m, 3, design_fill, NULL), **reps5 = crafted_reps(m5, 1, design_fill, NULL);
  bw_acc *a = new_acc(m, 0), *ex = new_acc(m, 2), *a5 = new_acc(m5, 0);
  double *scratch = malloc(bw_acc_scratch_len(a5) * sizeof *scratch);
  cr_assert_not_null(scratch);
  bw_ctx ctx;

  cr_assert_null(bw_summary_from_acc(a, m), "no replication: no summary");

  bw_ctx_init(&ctx);
  cr_assert_neq(bw_acc_add(a, 0, reps5[0], scratch, &ctx), BW_OK, "a result of another shape");
  cr_assert_neq(ctx.msg[0], '\0');
  bw_ctx_init(&ctx);
  cr_assert_neq(bw_acc_add(a, -1, reps[0], scratch, &ctx), BW_OK, "a negative replication number");

  /* NaN and a value beyond the cells' range: an error naming the replication */
  reps[1]->shortfall_bw[2 * ny + 3] = NAN;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_acc_add(a, 1, reps[1], scratch, &ctx), BW_EMODEL);
  cr_assert(strstr(ctx.msg, "1") != NULL, "%s", ctx.msg);
  reps[1]->shortfall_bw[2 * ny + 3] = 1e12;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_acc_add(a, 1, reps[1], scratch, &ctx), BW_EMODEL);

  /* the exact store keeps replications 0 .. exact_nrep - 1 */
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_acc_add(ex, 0, reps[0], scratch, &ctx), BW_OK, "%s", ctx.msg);
  cr_assert_null(bw_summary_from_acc(ex, m), "exact: one of two slots filled, no summary");
  cr_assert_neq(bw_acc_add(ex, 2, reps[2], scratch, &ctx), BW_OK, "replication 2 of an exact store of 2");
  cr_assert(strstr(ctx.msg, "2") != NULL, "%s", ctx.msg);

  /* accumulators of different models */
  bw_ctx_init(&ctx);
  cr_assert_neq(bw_acc_merge(a, a5, &ctx), BW_OK);
  cr_assert_neq(ctx.msg[0], '\0');
  bw_acc *b = new_acc(m, 0);
  add_range(b, reps, 0, 1, 1);
  cr_assert_null(bw_summary_from_acc(b, m5), "a summary for another model");

  /* packed statistics: truncated, or of another model */
  size_t n = bw_acc_packed_size(b);
  unsigned char *buf = malloc(n);
  cr_assert_not_null(buf);
  bw_acc_pack(b, buf);
  bw_acc *c = new_acc(m, 0);
  bw_ctx_init(&ctx);
  cr_assert_neq(bw_acc_unpack_merge(c, buf, n - 1, &ctx), BW_OK, "truncated by one byte");
  bw_ctx_init(&ctx);
  cr_assert_neq(bw_acc_unpack_merge(c, buf, 4, &ctx), BW_OK, "truncated to 4 bytes");
  bw_acc *c5 = new_acc(m5, 0);
  bw_ctx_init(&ctx);
  cr_assert_neq(bw_acc_unpack_merge(c5, buf, n, &ctx), BW_OK, "statistics of another model");

  free(buf);
  free(scratch);
  bw_acc_free(a), bw_acc_free(ex), bw_acc_free(a5), bw_acc_free(b), bw_acc_free(c), bw_acc_free(c5);
  bw_acc_free(NULL);
  free_reps(reps, 3);
  free_reps(reps5, 1);
  bw_model_free(m);
  bw_model_free(m5);
}

/* The same through a part (bw_acc_part_add, the path of bwsim run: the
 * gemeente-year values checked in a loop over whole groups of eight, then a
 * partial last group): at the start, end or inside a group, and in the last
 * (partial) group, a BW shortfall beyond BW_CELL_XMAX with the opposite MO
 * shortfall (and the reverse), a BW + MO sum beyond it of two values within
 * it (another member of the region the opposite, so that the region's sum
 * is 0), a NaN, or a bad national quantity: refused, naming the
 * replication; the part's next replication takes the row. The reform
 * period is the last year only, so that no checked value enters a
 * cumulative cell (whose check would hide a missed one). */
Test(acc, part_rejects_bad_values) {
  bw_params pp;
  bw_params_defaults(&pp);
  pp.pooling = BW_POOL_NONE;
  pp.start_year = pp.last_year;
  bw_model *m = tu_hand_model(5, NULL, NULL, &pp); /* regions {0, 2, 4}, {1, 3} */
  int ny = bw_model_nyears(m), ngy = 5 * ny, nqy = BW_NQ * ny;
  cr_assert(ngy % 8 >= 2 && ngy > 16, "the design needs full groups and a partial one (%d values)", ngy);
  bw_rep_result **reps = crafted_reps(m, 1, design_fill, NULL);
  bw_rep_result *r = reps[0];
  double *sbw = r->shortfall_bw, *smo = r->shortfall_mo;
  double *keep = malloc((size_t)(2 * ngy + nqy) * sizeof *keep);
  cr_assert_not_null(keep);
  memcpy(keep, sbw, (size_t)ngy * sizeof *keep);
  memcpy(keep + ngy, smo, (size_t)ngy * sizeof *keep);
  memcpy(keep + 2 * ngy, r->national, (size_t)nqy * sizeof *keep);
  const int pos[5] = {0, 7, 8, ngy / 8 * 8 - 1, ngy - 2};
  bw_acc *ref = new_acc(m, 0);
  add_range(ref, reps, 0, 1, 1);
  bw_summary *s0 = summarise(ref, m);
  for (int k = 0; k < 5; k++)
    for (int c = 0; c < 5; c++) {
      int at = pos[k], g = at / ny, y = at % ny, mate = (g + 2 < 5 ? g + 2 : g - 2) * ny + y;
      cr_assert_neq(y, ny - 1, "position %d in the reform period", at);
      switch (c) {
      case 0: sbw[at] = 1e12, smo[at] = -1e12; break;
      case 1: sbw[at] = -1e12, smo[at] = 1e12; break;
      case 2: /* each within the range, the sum beyond it */
        sbw[at] = smo[at] = 0.6 * BW_CELL_XMAX;
        sbw[mate] = smo[mate] = -0.6 * BW_CELL_XMAX;
        break;
      case 3: smo[at] = NAN; break;
      case 4: r->national[k == 4 ? nqy - 1 : at] = -1e12; break;
      }
      bw_acc *a = new_acc(m, 0);
      bw_acc_part *p = bw_acc_part_create(a, 4);
      cr_assert_not_null(p);
      bw_ctx ctx;
      bw_ctx_init(&ctx);
      cr_assert_eq(bw_acc_part_add(p, 3, r, &ctx), BW_EMODEL, "case %d at %d accepted", c, at);
      cr_assert(strstr(ctx.msg, "replication 3") != NULL, "%s", ctx.msg);
      memcpy(sbw, keep, (size_t)ngy * sizeof *keep);
      memcpy(smo, keep + ngy, (size_t)ngy * sizeof *keep);
      memcpy(r->national, keep + 2 * ngy, (size_t)nqy * sizeof *keep);
      bw_ctx_init(&ctx);
      cr_assert_eq(bw_acc_part_add(p, 0, r, &ctx), BW_OK, "%s", ctx.msg);
      cr_assert_eq(bw_acc_part_finish(p, &ctx), BW_OK, "%s", ctx.msg);
      bw_acc_part_free(p);
      /* the cells hold the good replication only (the counts of the
       * refused one stay: a run stops at the error) */
      bw_summary *s = summarise(a, m);
      for (int v = 0; v < BW_NGV; v++)
        cr_assert_eq(memcmp(s->gy[v], s0->gy[v], (size_t)ngy * sizeof(bw_stat)), 0,
                     "variable %d after refusing case %d at %d", v, c, at);
      cr_assert_eq(memcmp(s->national, s0->national, (size_t)nqy * sizeof(bw_stat)), 0,
                   "national after refusing case %d at %d", c, at);
      cr_assert_eq(memcmp(s->region, s0->region, (size_t)s->nr * ny * sizeof(bw_stat)), 0,
                   "regions after refusing case %d at %d", c, at);
      bw_summary_free(s);
      bw_acc_free(a);
    }
  bw_summary_free(s0);
  bw_acc_free(ref);
  free(keep);
  free_reps(reps, 1);
  bw_model_free(m);
}

/* A part counts s_gt > theta without dividing (the smallest sum over theta
 * per gemeente-year, found once): at that sum and at the double just below
 * it, for theta positive, zero (the sum in the subnormals) and negative,
 * the same counts as bw_acc_add's division, and the ones the design gives.
 * The sums here come from a walk of nextafter, not the part's search. */
Test(acc, part_exceedance_at_the_threshold) {
  enum { R = 6 };
  const double thetas[3] = {15.0, 0.0, -7.3};
  for (int t = 0; t < 3; t++) {
    bw_params pp;
    bw_params_defaults(&pp);
    pp.start_year = 2022;
    pp.pooling = BW_POOL_NONE;
    pp.threshold_eur_per_inhabitant = thetas[t];
    bw_model *m = tu_hand_model(5, NULL, NULL, &pp);
    int ny = bw_model_nyears(m), ngy = 5 * ny;
    double th = bw_model_params(m)->threshold_eur_per_inhabitant;
    cr_assert_eq(th, thetas[t]);
    bw_rep_result **reps = crafted_reps(m, R, design_fill, NULL);
    for (int i = 0; i < ngy; i++) {
      double pop = bw_model_population(m, i / ny, i % ny), x = th * pop;
      while (!(x / pop > th)) x = nextafter(x, INFINITY);
      while (nextafter(x, -INFINITY) / pop > th) x = nextafter(x, -INFINITY);
      for (int k = 0; k < R; k++) {
        double v = (k + i) % 2 == 0 ? x : nextafter(x, -INFINITY);
        reps[k]->shortfall_bw[i] = reps[k]->cf->shortfall_bw[i] = v;
        reps[k]->shortfall_mo[i] = reps[k]->cf->shortfall_mo[i] = 0.0;
      }
    }
    bw_acc *a = new_acc(m, 0), *b = new_acc(m, 0);
    add_range(a, reps, 0, R, 1);
    add_parts(b, reps, R, 2, 4);
    bw_summary *sa = summarise(a, m), *sb = summarise(b, m);
    char what[64];
    snprintf(what, sizeof what, "theta %g: parts vs bw_acc_add", th);
    assert_identical(sa, sb, what);
    for (int i = 0; i < ngy; i++)
      cr_assert_eq(sb->p_exceed[i], 0.5, "theta %g, gemeente-year %d: p_exceed %g", th, i, sb->p_exceed[i]);
    bw_summary_free(sa), bw_summary_free(sb);
    bw_acc_free(a), bw_acc_free(b);
    free_reps(reps, R);
    bw_model_free(m);
  }
}
