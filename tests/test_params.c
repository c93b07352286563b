/* sim/params_yaml: params/default.yaml is docs/model.md's defaults, every key maps
 * to its field, and every bad input is rejected with "FILE:LINE: KEY: ...". */
#define _GNU_SOURCE /* nftw, mkdtemp, execvpe (test_util.h) */

#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cliutil.h"
#include "params_yaml.h"
#include "test_util.h"

#define PARAMS_DIR BW_TEST_DIR "/../params"
#define NAME "t.yaml"

/* ---- helpers --------------------------------------------------------------- */

static bw_status parse(const char *yaml, bw_params *p, bw_ctx *ctx) {
  bw_ctx_init(ctx);
  return bw_params_parse(yaml, NAME, PARAMS_DIR, p, ctx);
}

/* yaml must be rejected with st, and the message must start with
 * "t.yaml:LINE: KEY: " and contain `what`. */
static void expect_fail(const char *yaml, bw_status st, int line, const char *key, const char *what) {
  bw_params p, before;
  memset(&p, 0x5a, sizeof p);
  memcpy(&before, &p, sizeof p);
  bw_ctx ctx;
  bw_status got = parse(yaml, &p, &ctx);
  cr_assert_eq(got, st, "status %d (want %d) for:\n%s\nmessage: %s", got, st, yaml, ctx.msg);
  cr_assert_eq(ctx.status, st);
  char prefix[256];
  if (key)
    snprintf(prefix, sizeof prefix, NAME ":%d: %s: ", line, key);
  else
    snprintf(prefix, sizeof prefix, NAME ":%d: ", line);
  cr_assert(strncmp(ctx.msg, prefix, strlen(prefix)) == 0, "message '%s' does not start with '%s'", ctx.msg,
            prefix);
  if (what) cr_assert(strstr(ctx.msg, what) != NULL, "message '%s' lacks '%s'", ctx.msg, what);
  cr_assert(memcmp(&p, &before, sizeof p) == 0, "a failed parse wrote into the params");
}

static void expect_ok(const char *yaml, bw_params *p) {
  bw_ctx ctx;
  bw_status st = parse(yaml, p, &ctx);
  cr_assert_eq(st, BW_OK, "rejected:\n%s\nmessage: %s", yaml, ctx.msg);
}

static int is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* ---- default.yaml ------------------------------------------------------------ */

#define EQ(f) cr_expect(a->f == b->f, #f ": %g (file) != %g (defaults)", (double)a->f, (double)b->f)
#define EQ3(f) \
  do { \
    EQ(f[BW_I]); \
    EQ(f[BW_A]); \
    EQ(f[BW_M]); \
  } while (0)
#define EQW(f) \
  do { \
    EQ(f.constant); \
    EQ(f.single_hh); \
    EQ(f.nonwestern); \
    EQ(f.urbanity); \
  } while (0)

/* Every field of bw_params except the data paths. */
static void expect_same_params(const bw_params *a, const bw_params *b) {
  cr_expect_str_eq(a->name, b->name);
  EQ(replications);
  cr_expect(a->seed == b->seed);
  EQ(first_year);
  EQ(last_year);
  EQ3(stock);
  EQ3(rate_per_1000);
  EQ3(growth);
  EQ3(dispersion);
  EQ3(duration_mean_years);
  EQ3(duration_shape);
  EQ3(mortality_rate);
  EQ(population_growth);
  EQ(p_step_down);
  EQ(p_outside_region);
  EQ(supply_attraction);
  EQ(national_institution_share);
  EQ(wlz_p_wave);
  EQ(wlz_realisation_factor);
  EQ(wlz_hazard);
  EQ(wlz_exit_rate);
  EQ3(tariff_eur_per_day);
  EQ(cost_index);
  EQ(budget_index);
  EQ(volume_growth);
  EQ(wlz_uitname_eur);
  EQ(wlz_uitname_clients);
  EQ(national_institutions_eur);
  EQ(mo_extra_eur);
  EQ(mo_extra_from);
  EQW(verdeelmodel);
  EQW(need);
  EQ(start_year);
  EQ(ingroei_mode);
  EQ(ingroei_steps);
  EQ(complete_by);
  EQ(n_custom);
  for (int i = 0; i < a->n_custom && i < b->n_custom; i++) EQ(ingroei_custom[i]);
  EQ(pooling);
  EQ(mo_decentralise_year);
  EQ(old_regime_max_years);
  EQ(bijsturing);
  EQ(bijsturing_first_year);
  EQ(bijsturing_every);
  EQ(bijsturing_flag_fraction);
  EQ(uncertainty_enabled);
  EQ(rate_sigma);
  EQ(duration_sigma);
  EQ(wlz_factor_sigma);
  EQ(cost_index_sd);
  EQ(need_effect_sigma);
  EQ(outer_draws);
  EQ(threshold_eur_per_inhabitant);
  EQ(p_star);
}

Test(params, default_yaml_equals_defaults) {
  const char *path = PARAMS_DIR "/default.yaml";
  bw_params p, d;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  char *text = NULL;
  bw_status st = bw_params_load(path, &p, &text, &ctx);
  cr_assert_eq(st, BW_OK, "%s", ctx.msg);
  bw_params_defaults(&d);
  expect_same_params(&p, &d);

  /* the data paths resolve next to the file, to files that exist: the
   * shipped tables, spelled as the shipped paths */
  cr_expect(is_file(p.gemeenten_path), "%s", p.gemeenten_path);
  cr_expect(is_file(p.regions_path), "%s", p.regions_path);
  cr_expect_str_eq(p.gemeenten_path, BW_SHIPPED_GEMEENTEN);
  cr_expect_str_eq(p.regions_path, BW_SHIPPED_REGIONS);

  /* text_out is the file, byte for byte */
  cr_assert_not_null(text);
  char *want = tu_slurp_malloc(path, NULL);
  cr_expect_str_eq(text, want);
  free(want);
  free(text);

  /* the defaults themselves pass validation */
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_params_validate(&d, "defaults", &ctx), BW_OK, "%s", ctx.msg);
}

Test(params, empty_text_gives_defaults) {
  bw_params p, d;
  bw_params_defaults(&d);
  expect_ok("", &p);
  expect_same_params(&p, &d);
  /* no data keys: the shipped tables, whatever base_dir is */
  cr_expect_str_eq(p.gemeenten_path, BW_SHIPPED_GEMEENTEN);
  cr_expect_str_eq(p.regions_path, BW_SHIPPED_REGIONS);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_parse("", "t.yaml", "/nonexistent_bw_dir", &p, &ctx), BW_OK, "%s", ctx.msg);
  cr_expect_str_eq(p.gemeenten_path, BW_SHIPPED_GEMEENTEN);
  expect_ok("# only a comment\nflows:\npolicy:\n  bijsturing:\n", &p); /* empty sections */
  expect_same_params(&p, &d);
}

/* Every key of the table set to a value other than its default. */
static const char *const EVERY_KEY_YAML =
      "run:\n"
      "  name: scen_2.b-1\n"
      "  replications: 17\n"
      "  seed: 18446744073709551615\n"
      "  first_year: 2020\n"
      "  last_year: 2035\n"
      "flows:\n"
      "  stock:               {I: 1, A: 2, M: 3}\n"
      "  rate_per_1000:       {I: 0.1, A: 0.2, M: 0.3}\n"
      "  growth:              {I: 0.02, A: -0.01, M: 0.03}\n"
      "  dispersion:          {I: 5, A: .Inf, M: 2.5}\n"
      "  duration_mean_years: {I: 4, A: 3, M: 2}\n"
      "  duration_shape:      {I: 1.5, A: 0.8, M: 2}\n"
      "  mortality_rate:      {I: 0.01, A: 0.02, M: 0.03}\n"
      "  population_growth: 0.001\n"
      "  p_step_down: 0.4\n"
      "  p_outside_region: 0.11\n"
      "  supply_attraction: 0.3\n"
      "  national_institution_share: 0.02\n"
      "  wlz:\n"
      "    p_wave: 0.4\n"
      "    realisation_factor: 1.1\n"
      "    hazard: 0.06\n"
      "    exit_rate: 0.07\n"
      "costs:\n"
      "  tariff_eur_per_day: {I: 170, A: 60, M: 100}\n"
      "  cost_index: 0.025\n"
      "budget:\n"
      "  budget_index: 0.021\n"
      "  volume_growth: 0.012\n"
      "  wlz_uitname_eur: 5.0e8\n"
      "  wlz_uitname_clients: 9000\n"
      "  national_institutions_eur: 9000000\n"
      "  mo_extra_eur: 70000000\n"
      "  mo_extra_from: 2024\n"
      "  verdeelmodel: {constant: 0.3, single_hh: 1.1, nonwestern: 0.9, urbanity: 0.4}\n"
      "  need:         {constant: 0.1, single_hh: 1.2, nonwestern: 0.8, urbanity: 0.6}\n"
      "policy:\n"
      "  start_year: 2023\n"
      "  ingroeipad:\n"
      "    mode: custom\n"
      "    steps: 8\n"
      "    complete_by: 2030\n"
      "    custom: [0.1, 0.3, 0.3, 1]\n"
      "  pooling: region\n"
      "  mo_decentralise_year: 2026\n"
      "  old_regime_max_years: 5\n"
      "  bijsturing:\n"
      "    rule: macro_correct\n"
      "    first_year: 2026\n"
      "    every: 2\n"
      "    flag_fraction: 0.2\n"
      "uncertainty:\n"
      "  enabled: false\n"
      "  rate_sigma: 0.11\n"
      "  duration_sigma: 0.12\n"
      "  wlz_factor_sigma: 0.13\n"
      "  cost_index_sd: 0.004\n"
      "  need_effect_sigma: 0.3\n"
      "  outer_draws: 5\n"
      "flags:\n"
      "  threshold_eur_per_inhabitant: 20\n"
      "  p_star: 0.6\n";

/* Every key set to a non-default value lands in its own field (and only there). */
Test(params, every_key_reaches_its_field) {
  bw_params p, w;
  expect_ok(EVERY_KEY_YAML, &p);
  bw_params_defaults(&w);
  strcpy(w.name, "scen_2.b-1");
  w.replications = 17;
  w.seed = UINT64_MAX;
  w.first_year = 2020;
  w.last_year = 2035;
  double v[][3] = {{1, 2, 3}, {0.1, 0.2, 0.3}, {0.02, -0.01, 0.03}, {5, INFINITY, 2.5}, {4, 3, 2},
                   {1.5, 0.8, 2}, {0.01, 0.02, 0.03}, {170, 60, 100}};
  double *dst[] = {w.stock, w.rate_per_1000, w.growth, w.dispersion, w.duration_mean_years,
                   w.duration_shape, w.mortality_rate, w.tariff_eur_per_day};
  for (int i = 0; i < 8; i++) memcpy(dst[i], v[i], sizeof v[i]);
  w.population_growth = 0.001;
  w.p_step_down = 0.4;
  w.p_outside_region = 0.11;
  w.supply_attraction = 0.3;
  w.national_institution_share = 0.02;
  w.wlz_p_wave = 0.4;
  w.wlz_realisation_factor = 1.1;
  w.wlz_hazard = 0.06;
  w.wlz_exit_rate = 0.07;
  w.cost_index = 0.025;
  w.budget_index = 0.021;
  w.volume_growth = 0.012;
  w.wlz_uitname_eur = 5e8;
  w.wlz_uitname_clients = 9000;
  w.national_institutions_eur = 9e6;
  w.mo_extra_eur = 7e7;
  w.mo_extra_from = 2024;
  w.verdeelmodel = (bw_weights){0.3, 1.1, 0.9, 0.4};
  w.need = (bw_weights){0.1, 1.2, 0.8, 0.6};
  w.start_year = 2023;
  w.ingroei_mode = BW_INGROEI_CUSTOM;
  w.ingroei_steps = 8;
  w.complete_by = 2030;
  w.n_custom = 4;
  w.ingroei_custom[0] = 0.1;
  w.ingroei_custom[1] = 0.3;
  w.ingroei_custom[2] = 0.3;
  w.ingroei_custom[3] = 1;
  w.pooling = BW_POOL_REGION;
  w.mo_decentralise_year = 2026;
  w.old_regime_max_years = 5;
  w.bijsturing = BW_BIJST_MACRO;
  w.bijsturing_first_year = 2026;
  w.bijsturing_every = 2;
  w.bijsturing_flag_fraction = 0.2;
  w.uncertainty_enabled = 0;
  w.rate_sigma = 0.11;
  w.duration_sigma = 0.12;
  w.wlz_factor_sigma = 0.13;
  w.cost_index_sd = 0.004;
  w.need_effect_sigma = 0.3;
  w.outer_draws = 5;
  w.threshold_eur_per_inhabitant = 20;
  w.p_star = 0.6;
  expect_same_params(&p, &w);
}

/* ---- overrides and YAML forms ----------------------------------------------------- */

Test(params, care_map_subset_keeps_the_others) {
  bw_params p, d;
  bw_params_defaults(&d);
  expect_ok("flows:\n  growth: {A: 0.03}\n  stock:\n    M: 9000\n", &p);
  cr_expect_eq(p.growth[BW_A], 0.03);
  cr_expect_eq(p.growth[BW_I], d.growth[BW_I]);
  cr_expect_eq(p.growth[BW_M], d.growth[BW_M]);
  cr_expect_eq(p.stock[BW_M], 9000);
  cr_expect_eq(p.stock[BW_I], d.stock[BW_I]);
  cr_expect_eq(p.stock[BW_A], d.stock[BW_A]);
}

Test(params, weights_subset_and_need_stays_apart) {
  bw_params p, d;
  bw_params_defaults(&d);
  expect_ok("budget:\n  verdeelmodel: {urbanity: 0.7}\n", &p);
  cr_expect_eq(p.verdeelmodel.urbanity, 0.7);
  cr_expect_eq(p.verdeelmodel.constant, d.verdeelmodel.constant);
  cr_expect_eq(p.verdeelmodel.single_hh, d.verdeelmodel.single_hh);
  cr_expect_eq(p.verdeelmodel.nonwestern, d.verdeelmodel.nonwestern);
  /* real need is a separate assumption: changing the verdeelmodel does not move it */
  cr_expect_eq(p.need.urbanity, d.need.urbanity);
}

Test(params, number_spellings) {
  bw_params p;
  const char *inf[] = {".inf", ".Inf", ".INF", "inf", "+.inf", "Infinity"};
  for (size_t i = 0; i < sizeof inf / sizeof *inf; i++) {
    char y[128];
    snprintf(y, sizeof y, "flows:\n  dispersion: {I: %s}\n", inf[i]);
    expect_ok(y, &p);
    cr_expect(isinf(p.dispersion[BW_I]) && p.dispersion[BW_I] > 0, "%s", inf[i]);
  }
  expect_ok("budget:\n  wlz_uitname_eur: 495000000\n", &p);
  double a = p.wlz_uitname_eur;
  expect_ok("budget:\n  wlz_uitname_eur: 4.95e8\n", &p);
  cr_expect_eq(p.wlz_uitname_eur, a);
  cr_expect_eq(a, 495e6);
  expect_ok("flows:\n  dispersion: {M: 3}\n", &p); /* an integer where a double goes */
  cr_expect_eq(p.dispersion[BW_M], 3.0);
  expect_ok("run:\n  replications: 1e6\n", &p); /* an integral number where an int goes */
  cr_expect_eq(p.replications, 1000000);
  expect_ok("flags:\n  threshold_eur_per_inhabitant: -.5\n", &p);
  cr_expect_eq(p.threshold_eur_per_inhabitant, -0.5);
}

Test(params, null_forms) {
  bw_params p;
  expect_ok("policy:\n  ingroeipad: {complete_by: 2028}\n  mo_decentralise_year: 2025\n"
            "  old_regime_max_years: 4.5\n",
            &p);
  cr_expect_eq(p.complete_by, 2028);
  cr_expect_eq(p.mo_decentralise_year, 2025);
  cr_expect_eq(p.old_regime_max_years, 4.5);
  expect_ok("policy:\n  ingroeipad: {complete_by: ~}\n  mo_decentralise_year: null\n"
            "  old_regime_max_years:\n",
            &p);
  cr_expect_eq(p.complete_by, 0);
  cr_expect_eq(p.mo_decentralise_year, 0);
  cr_expect(isinf(p.old_regime_max_years));
  expect_ok("policy:\n  ingroeipad:\n    custom: ~\n", &p);
  cr_expect_eq(p.n_custom, 0);
}

Test(params, anchors_and_aliases) {
  bw_params p;
  expect_ok("budget:\n  verdeelmodel: &vm {constant: 0.3, urbanity: 0.1}\n  need: *vm\n", &p);
  cr_expect_eq(p.need.constant, 0.3);
  cr_expect_eq(p.need.urbanity, 0.1);
  cr_expect_eq(p.verdeelmodel.constant, 0.3);
}

Test(params, enums_and_bools) {
  bw_params p;
  expect_ok("policy:\n  ingroeipad: {mode: linear}\n  pooling: region\n  bijsturing: {rule: pause}\n"
            "uncertainty: {enabled: false}\n",
            &p);
  cr_expect_eq(p.ingroei_mode, BW_INGROEI_LINEAR);
  cr_expect_eq(p.pooling, BW_POOL_REGION);
  cr_expect_eq(p.bijsturing, BW_BIJST_PAUSE);
  cr_expect_eq(p.uncertainty_enabled, 0);
  expect_ok("policy:\n  ingroeipad: {mode: \"custom\", custom: [0.5]}\nuncertainty: {enabled: True}\n", &p);
  cr_expect_eq(p.ingroei_mode, BW_INGROEI_CUSTOM);
  cr_expect_eq(p.n_custom, 1);
  cr_expect_eq(p.ingroei_custom[0], 0.5);
  cr_expect_eq(p.uncertainty_enabled, 1);
}

Test(params, custom_list_block_form_and_maximum_length) {
  bw_params p;
  expect_ok("policy:\n  ingroeipad:\n    mode: custom\n    custom:\n      - 0.2\n      - 0.6\n      - 1.0\n", &p);
  cr_expect_eq(p.n_custom, 3);
  cr_expect_eq(p.ingroei_custom[1], 0.6);

  char y[2048] = "policy:\n  ingroeipad:\n    custom: [";
  for (int i = 0; i < BW_MAX_YEARS; i++) strcat(y, i ? ", 1" : "1");
  strcat(y, "]\n");
  expect_ok(y, &p);
  cr_expect_eq(p.n_custom, BW_MAX_YEARS);
  y[strlen(y) - 2] = '\0';
  strcat(y, ", 1]\n"); /* one too many */
  expect_fail(y, BW_EPARAM, 3, "policy.ingroeipad.custom", "at most 64 values");
}

/* ---- rejections -------------------------------------------------------------------- */

Test(params, yaml_syntax_errors) {
  expect_fail("run:\n  seed: 1\n\tname: x\n", BW_EPARAM, 3, NULL, "YAML syntax error");
  expect_fail("run: {seed: 1\nflows: {}\n", BW_EPARAM, 2, NULL, "YAML syntax error");
  expect_fail("run:\n  name: [a\n", BW_EPARAM, 3, NULL, "YAML syntax error");
}

Test(params, unknown_keys) {
  expect_fail("run:\n  seed: 1\nflows:\n  grwoth: {I: 0.02}\n", BW_EPARAM, 4, "flows.grwoth",
              "unknown key, did you mean 'flows.growth'?");
  expect_fail("start_year: 2023\n", BW_EPARAM, 1, "start_year", "did you mean 'policy.start_year'?");
  expect_fail("flows:\n  p_wave: 0.3\n", BW_EPARAM, 2, "flows.p_wave", "did you mean 'flows.wlz.p_wave'?");
  expect_fail("\n\nflows:\n  zzzzqqqq: 1\n", BW_EPARAM, 4, "flows.zzzzqqqq", "unknown key");
  bw_params p;
  bw_ctx ctx;
  cr_assert_eq(parse("flows:\n  zzzzqqqq: 1\n", &p, &ctx), BW_EPARAM);
  cr_expect(strstr(ctx.msg, "did you mean") == NULL, "far-fetched suggestion: %s", ctx.msg);
  expect_fail("flows:\n  stock: {I: 1,\n          X: 2}\n", BW_EPARAM, 3, "flows.stock.X", "unknown key");
  expect_fail("budget:\n  need: {urban: 1}\n", BW_EPARAM, 2, "budget.need.urban", "unknown key");
  expect_fail("run:\n  name:\n    first: x\n", BW_EPARAM, 3, "run.name", "not a mapping");
  expect_fail("run:\n  seed:\n    bad: 1\n", BW_EPARAM, 3, "run.seed", "not a mapping");
}

Test(params, duplicate_keys) {
  expect_fail("run:\n  seed: 1\n  seed: 2\n", BW_EPARAM, 3, "run.seed", "duplicate key (first on line 2)");
  expect_fail("run: {}\nflows: {}\nrun: {}\n", BW_EPARAM, 3, "run", "duplicate key (first on line 1)");
  expect_fail("flows:\n  stock: {I: 1, A: 2, I: 3}\n", BW_EPARAM, 2, "flows.stock.I", "duplicate key");
}

Test(params, wrong_types) {
  expect_fail("run:\n  replications: 1.5\n", BW_EPARAM, 2, "run.replications", "must be an integer (got 1.5)");
  expect_fail("flows:\n  p_step_down: abc\n", BW_EPARAM, 2, "flows.p_step_down", "must be a number (got abc)");
  expect_fail("flows:\n  p_step_down: {x: 1}\n", BW_EPARAM, 2, "flows.p_step_down", "not a mapping");
  expect_fail("flows:\n  p_step_down: [0.5]\n", BW_EPARAM, 2, "flows.p_step_down", "not a list");
  expect_fail("flows:\n  p_step_down:\n", BW_EPARAM, 2, "flows.p_step_down", "null");
  expect_fail("flows:\n  p_step_down: .nan\n", BW_EPARAM, 2, "flows.p_step_down", "NaN");
  expect_fail("flows:\n  p_step_down: 0.5x\n", BW_EPARAM, 2, "flows.p_step_down", "must be a number");
  expect_fail("flows:\n  p_step_down: 0x1\n", BW_EPARAM, 2, "flows.p_step_down", "must be a number");
  expect_fail("flows:\n  rate_per_1000: {I: \"0.3\"}\n", BW_EPARAM, 2, "flows.rate_per_1000.I",
              "quoted string");
  expect_fail("flows:\n  stock: 5\n", BW_EPARAM, 2, "flows.stock", "must be a map");
  expect_fail("flows:\n  stock: [1, 2, 3]\n", BW_EPARAM, 2, "flows.stock", "must be a map");
  expect_fail("flows: 3\n", BW_EPARAM, 1, "flows", "must be a section");
  expect_fail("42\n", BW_EPARAM, 1, "(top level)", "must be a mapping");
  expect_fail("run:\n  seed: -1\n", BW_EPARAM, 2, "run.seed", "must be an integer");
  expect_fail("run:\n  seed: 18446744073709551616\n", BW_EPARAM, 2, "run.seed", "must be an integer");
  expect_fail("run:\n  first_year: 2021.5\n", BW_EPARAM, 2, "run.first_year", "must be an integer");
  expect_fail("uncertainty:\n  enabled: yes\n", BW_EPARAM, 2, "uncertainty.enabled", "true or false");
  expect_fail("uncertainty:\n  enabled: 1\n", BW_EPARAM, 2, "uncertainty.enabled", "true or false");
  expect_fail("policy:\n  pooling: regio\n", BW_EPARAM, 2, "policy.pooling", "none | region (got regio)");
  expect_fail("policy:\n  ingroeipad:\n    mode: lineair\n", BW_EPARAM, 3, "policy.ingroeipad.mode",
              "flow | linear | custom");
  expect_fail("policy:\n  bijsturing:\n    rule: macro\n", BW_EPARAM, 3, "policy.bijsturing.rule",
              "none | pause | macro_correct");
  expect_fail("policy:\n  ingroeipad:\n    custom: 0.5\n", BW_EPARAM, 3, "policy.ingroeipad.custom",
              "must be a list");
  expect_fail("policy:\n  ingroeipad:\n    custom: [0.1, x]\n", BW_EPARAM, 3, "policy.ingroeipad.custom[1]",
              "must be a number");
  expect_fail("flows:\n  ? [a, b]\n  : 1\n", BW_EPARAM, 2, "flows", "keys must be plain names, not a list");
  expect_fail("a: 1\n---\nb: 2\n", BW_EPARAM, 1, "a", "unknown key");
  expect_fail("run: {seed: 1}\n---\nrun: {seed: 2}\n", BW_EPARAM, 3, "(top level)", "only one YAML document");
}

Test(params, run_name) {
  bw_params p;
  expect_ok("run: {name: A-z_0.9}\n", &p);
  cr_expect_str_eq(p.name, "A-z_0.9");
  char y[200] = "run:\n  name: ";
  for (int i = 0; i < 63; i++) strcat(y, "n");
  strcat(y, "\n");
  expect_ok(y, &p);
  cr_expect_eq(strlen(p.name), 63);
  y[strlen(y) - 1] = '\0';
  strcat(y, "n\n"); /* 64 characters */
  expect_fail(y, BW_EPARAM, 2, "run.name", "1 to 63 characters");
  expect_fail("run:\n  name: a/b\n", BW_EPARAM, 2, "run.name", "(got a/b)");
  expect_fail("run:\n  name: \"a b\"\n", BW_EPARAM, 2, "run.name", "1 to 63");
  expect_fail("run:\n  name: ..\n", BW_EPARAM, 2, "run.name", "1 to 63");
  expect_fail("run:\n  name: \"\"\n", BW_EPARAM, 2, "run.name", "1 to 63");
  expect_fail("run:\n  name: Fryslân\n", BW_EPARAM, 2, "run.name", "1 to 63");
}

Test(params, out_of_range) {
  expect_fail("\npolicy:\n  start_year: 2040\n", BW_EPARAM, 3, "policy.start_year",
              "must be in 2021..2031 (got 2040)");
  expect_fail("flows:\n  p_step_down: 1.5\n", BW_EPARAM, 2, "flows.p_step_down", "must be in 0..1 (got 1.5)");
  expect_fail("flows:\n  p_outside_region: -0.1\n", BW_EPARAM, 2, "flows.p_outside_region", "0..1");
  expect_fail("flows:\n  rate_per_1000: {A: -1}\n", BW_EPARAM, 2, "flows.rate_per_1000.A", "(got -1)");
  expect_fail("flows:\n  duration_mean_years: {I: 0}\n", BW_EPARAM, 2, "flows.duration_mean_years.I",
              "(got 0)");
  expect_fail("flows:\n  duration_mean_years: {I: .inf}\n", BW_EPARAM, 2, "flows.duration_mean_years.I",
              "(got .inf)");
  expect_fail("flows:\n  duration_shape: {M: 0}\n", BW_EPARAM, 2, "flows.duration_shape.M", "must be in 0.1..10 (got 0)");
  expect_fail("flows:\n  dispersion: {I: 0}\n", BW_EPARAM, 2, "flows.dispersion.I", "must be >= 0.01 (got 0)");
  expect_fail("flows:\n  dispersion: {I: -.inf}\n", BW_EPARAM, 2, "flows.dispersion.I", "(got -.inf)");
  expect_fail("flows:\n  mortality_rate: {A: -0.01}\n", BW_EPARAM, 2, "flows.mortality_rate.A", "0..10");
  expect_fail("flows:\n  growth: {I: -1}\n", BW_EPARAM, 2, "flows.growth.I", "(got -1)");
  expect_fail("flows:\n  wlz:\n    hazard: -0.05\n", BW_EPARAM, 3, "flows.wlz.hazard", "0..10 (got -0.05)");
  expect_fail("flows:\n  wlz:\n    p_wave: 2\n", BW_EPARAM, 3, "flows.wlz.p_wave", "0..1");
  expect_fail("run:\n  replications: 0\n", BW_EPARAM, 2, "run.replications", "must be in 1..100000000 (got 0)");
  expect_fail("run:\n  replications: 100000001\n", BW_EPARAM, 2, "run.replications", "1..100000000");
  expect_fail("run:\n  first_year: 1800\n", BW_EPARAM, 2, "run.first_year", "1900..2200");
  expect_fail("costs:\n  tariff_eur_per_day: {M: -96}\n", BW_EPARAM, 2, "costs.tariff_eur_per_day.M", "(got -96)");
  expect_fail("budget:\n  wlz_uitname_clients: 0\n", BW_EPARAM, 2, "budget.wlz_uitname_clients", "must be in 100..10000000 (got 0)");
  expect_fail("budget:\n  national_institutions_eur: -1\n", BW_EPARAM, 2, "budget.national_institutions_eur",
              "(got -1)");
  expect_fail("budget:\n  need: {constant: -0.2}\n", BW_EPARAM, 2, "budget.need.constant", "(got -0.2)");
  expect_fail("budget:\n  verdeelmodel: {constant: 0, single_hh: 0, nonwestern: 0, urbanity: 0}\n", BW_EPARAM,
              2, "budget.verdeelmodel", "at least one weight");
  expect_fail("uncertainty:\n  rate_sigma: -0.1\n", BW_EPARAM, 2, "uncertainty.rate_sigma", "0..1");
  expect_fail("uncertainty:\n  outer_draws: -1\n", BW_EPARAM, 2, "uncertainty.outer_draws", "(got -1)");
  expect_fail("flags:\n  p_star: 0\n", BW_EPARAM, 2, "flags.p_star", "must be > 0 and < 1 (got 0)");
  expect_fail("flags:\n  p_star: 1\n", BW_EPARAM, 2, "flags.p_star", "(got 1)");
  expect_fail("policy:\n  bijsturing:\n    every: 0\n", BW_EPARAM, 3, "policy.bijsturing.every", "(got 0)");
  expect_fail("policy:\n  bijsturing:\n    flag_fraction: 1.1\n", BW_EPARAM, 3,
              "policy.bijsturing.flag_fraction", "0..1");
  expect_fail("policy:\n  ingroeipad:\n    steps: 0\n", BW_EPARAM, 3, "policy.ingroeipad.steps", "(got 0)");
  expect_fail("policy:\n  old_regime_max_years: 0\n", BW_EPARAM, 2, "policy.old_regime_max_years", "> 0");
  expect_fail("policy:\n  ingroeipad:\n    custom: [0.5, 1.2]\n", BW_EPARAM, 3, "policy.ingroeipad.custom[1]",
              "0..1 (got 1.2)");
}

Test(params, cross_field_checks) {
  /* the key the file set is the one blamed, at its line */
  expect_fail("run:\n  first_year: 2021\n  last_year: 2020\n", BW_EPARAM, 3, "run.last_year",
              ">= run.first_year (2021) (got 2020)");
  expect_fail("run:\n  first_year: 2023\n", BW_EPARAM, 2, "run.first_year",
              "<= policy.start_year (2022) (got 2023)");
  expect_fail("run:\n  last_year: 2099\n", BW_EPARAM, 2, "run.last_year", "at most 64 years");
  expect_fail("policy:\n  start_year: 2020\n", BW_EPARAM, 2, "policy.start_year", "must be in 2021..2031 (got 2020)");
  expect_fail("policy:\n  start_year: 2025\n  ingroeipad:\n    complete_by: 2024\n", BW_EPARAM, 4,
              "policy.ingroeipad.complete_by", ">= policy.start_year (2025) (got 2024)");
  expect_fail("policy:\n  mo_decentralise_year: 2040\n", BW_EPARAM, 2, "policy.mo_decentralise_year",
              "must be in 2021..2031 (got 2040)");
  expect_fail("budget:\n  mo_extra_from: 2020\n", BW_EPARAM, 2, "budget.mo_extra_from",
              ">= run.first_year (2021) (got 2020)");
  expect_fail("policy:\n  ingroeipad:\n    mode: custom\n", BW_EPARAM, 3, "policy.ingroeipad.mode",
              "at least one value");
  expect_fail("policy:\n  ingroeipad:\n    mode: custom\n    custom: []\n", BW_EPARAM, 4,
              "policy.ingroeipad.custom", "at least one value");
  expect_fail("policy:\n  ingroeipad:\n    custom: [0.2, 0.5,\n             0.4]\n", BW_EPARAM, 4,
              "policy.ingroeipad.custom[2]", "nondecreasing");
  expect_fail("run:\n  replications: 10\nuncertainty:\n  outer_draws: 20\n", BW_EPARAM, 4,
              "uncertainty.outer_draws",
              "must be <= the replications, run.replications or -n (10) (got 20): every outer draw needs a replication");

  /* linear mode does not need a custom list */
  bw_params p;
  expect_ok("policy:\n  ingroeipad:\n    mode: linear\n    custom: []\n", &p);
}

Test(params, validate_a_struct_built_in_code) {
  bw_params p;
  bw_params_defaults(&p);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_validate(&p, "code", &ctx), BW_OK, "%s", ctx.msg);
  p.p_star = 2;
  cr_assert_eq(bw_params_validate(&p, "code", &ctx), BW_EPARAM);
  cr_expect(strncmp(ctx.msg, "code: flags.p_star: ", 20) == 0, "%s", ctx.msg);
  bw_params_defaults(&p);
  bw_ctx_init(&ctx);
  p.duration_shape[BW_A] = NAN;
  cr_assert_eq(bw_params_validate(&p, "code", &ctx), BW_EPARAM);
  cr_expect(strstr(ctx.msg, "flows.duration_shape.A") != NULL, "%s", ctx.msg);
  bw_params_defaults(&p);
  bw_ctx_init(&ctx);
  p.start_year = 2035;
  cr_assert_eq(bw_params_validate(&p, "code", &ctx), BW_EPARAM);
  cr_expect(strstr(ctx.msg, "code: policy.start_year: must be in 2021..2031 (got 2035)") != NULL, "%s", ctx.msg);
  bw_params_defaults(&p);
  bw_ctx_init(&ctx);
  p.ingroei_mode = BW_INGROEI_CUSTOM;
  p.n_custom = 2;
  p.ingroei_custom[0] = 0.6;
  p.ingroei_custom[1] = 0.5;
  cr_assert_eq(bw_params_validate(&p, "code", &ctx), BW_EPARAM);
  cr_expect(strstr(ctx.msg, "policy.ingroeipad.custom[1]") != NULL, "%s", ctx.msg);
  /* -n applied after the files (sim/main.c), then validated again: more
   * outer draws than replications would give an all-NaN variance split */
  bw_params_defaults(&p);
  bw_ctx_init(&ctx);
  p.outer_draws = 50;
  p.replications = 10;
  cr_assert_eq(bw_params_validate(&p, "-n 10", &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "-n 10: uncertainty.outer_draws: must be <= the replications, run.replications or -n "
                            "(10) (got 50): every outer draw needs a replication");
  p.replications = 50;
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_params_validate(&p, "-n 50", &ctx), BW_OK, "%s", ctx.msg);
}

/* ---- files ---------------------------------------------------------------------------- */

Test(params, load_resolves_data_paths_next_to_the_file) {
  char dir[] = "/tmp/bw_params_XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char yaml[512], g[512], r[512], sub[512];
  snprintf(sub, sizeof sub, "%s/tables", dir);
  cr_assert_eq(mkdir(sub, 0700), 0);
  snprintf(g, sizeof g, "%s/tables/g.csv", dir);
  snprintf(r, sizeof r, "%s/r.csv", dir);
  tu_write_text(g, "x\n");
  tu_write_text(r, "x\n");
  snprintf(yaml, sizeof yaml, "%s/s.yaml", dir);
  const char *text = "run: {name: s}\ndata:\n  gemeenten: tables/g.csv\n  regions: \"r.csv\"\n";
  tu_write_text(yaml, text);

  bw_params p;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  char *got = NULL;
  bw_status st = bw_params_load(yaml, &p, &got, &ctx);

  /* no data section: the shipped tables (before: data/ next to the file, which is not there) */
  char yaml2[512];
  snprintf(yaml2, sizeof yaml2, "%s/plain.yaml", dir);
  tu_write_text(yaml2, "run: {name: plain}\n");
  bw_params p2;
  bw_ctx ctx2;
  bw_ctx_init(&ctx2);
  bw_status st2 = bw_params_load(yaml2, &p2, NULL, &ctx2);

  /* a data file that does not exist */
  char yaml3[512];
  snprintf(yaml3, sizeof yaml3, "%s/bad.yaml", dir);
  tu_write_text(yaml3, "run: {name: bad}\n\ndata:\n  gemeenten: tables/g.csv\n  regions: nope/r.csv\n");
  bw_params p3;
  memset(&p3, 0, sizeof p3);
  bw_ctx ctx3;
  bw_ctx_init(&ctx3);
  char *got3 = (char *)"sentinel";
  bw_status st3 = bw_params_load(yaml3, &p3, &got3, &ctx3);

  unlink(yaml);
  unlink(yaml2);
  unlink(yaml3);
  unlink(g);
  unlink(r);
  rmdir(sub);
  rmdir(dir);

  cr_assert_eq(st, BW_OK, "%s", ctx.msg);
  cr_expect_str_eq(p.gemeenten_path, g);
  cr_expect_str_eq(p.regions_path, r);
  cr_assert_not_null(got);
  cr_expect_str_eq(got, text);
  free(got);

  cr_assert_eq(st2, BW_OK, "%s", ctx2.msg);
  char want[600];
  cr_expect_str_eq(p2.gemeenten_path, BW_SHIPPED_GEMEENTEN);
  cr_expect_str_eq(p2.regions_path, BW_SHIPPED_REGIONS);

  cr_assert_eq(st3, BW_EPARAM);
  snprintf(want, sizeof want, "%s:5: data.regions: ", yaml3);
  cr_expect(strncmp(ctx3.msg, want, strlen(want)) == 0, "%s", ctx3.msg);
  snprintf(want, sizeof want, "%s/nope/r.csv", dir);
  cr_expect(strstr(ctx3.msg, want) != NULL, "message does not name the resolved path: %s", ctx3.msg);
  cr_expect_null(got3, "text_out must be NULL after a failure");
}

Test(params, absolute_data_path_and_missing_gemeenten_in_parse) {
  bw_params p;
  /* an absolute path to the shipped table is the shipped path; to a copy, itself */
  expect_ok("data:\n  gemeenten: " PARAMS_DIR "/data/gemeenten.csv\n", &p);
  cr_expect_str_eq(p.gemeenten_path, BW_SHIPPED_GEMEENTEN);
  cr_expect_str_eq(p.regions_path, BW_SHIPPED_REGIONS);
  char *dir = tu_mkdtemp("params_abs");
  char *copy = tu_join_malloc(dir, "g.csv");
  tu_write_text(copy, "x\n");
  char yaml[600];
  snprintf(yaml, sizeof yaml, "data:\n  gemeenten: %s\n", copy);
  bw_ctx ctx;
  bw_status st = parse(yaml, &p, &ctx);
  tu_rm_rf(dir);
  cr_assert_eq(st, BW_OK, "%s", ctx.msg);
  cr_expect_str_eq(p.gemeenten_path, copy);
  free(copy);
  free(dir);
  expect_fail("data:\n  regions: data/regions.csv\n  gemeenten: data/gemeentes.csv\n", BW_EPARAM, 3,
              "data.gemeenten", PARAMS_DIR "/data/gemeentes.csv");
  expect_fail("data:\n  gemeenten: data\n", BW_EPARAM, 2, "data.gemeenten", "is a directory");
  expect_fail("data:\n  gemeenten:\n", BW_EPARAM, 2, "data.gemeenten", "must be a file path");
}

Test(params, unreadable_file_is_eio_a_directory_eparam) {
  bw_params p;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  char *text = (char *)"sentinel";
  const char *path = "/nonexistent_bw_dir/x.yaml";
  cr_assert_eq(bw_params_load(path, &p, &text, &ctx), BW_EIO);
  cr_expect_eq(ctx.status, BW_EIO);
  cr_expect(strstr(ctx.msg, path) != NULL, "%s", ctx.msg);
  cr_expect_null(text);
  bw_ctx_init(&ctx);
  /* not a regular file: bad input (exit 2), refused before it is opened */
  cr_assert_eq(bw_params_load(PARAMS_DIR, &p, NULL, &ctx), BW_EPARAM, "a directory: %s", ctx.msg);
  cr_expect(strstr(ctx.msg, "not a regular file (a directory)") != NULL, "%s", ctx.msg);
}

Test(params, run_kernel) {
  bw_params p;
  expect_ok("run:\n  kernel: counts\n", &p);
  cr_expect_eq(p.kernel, BW_KERNEL_COUNTS);
  expect_ok("run:\n  kernel: individual\n", &p);
  cr_expect_eq(p.kernel, BW_KERNEL_INDIVIDUAL);
  expect_fail("run:\n  name: x\n  kernel: count\n", BW_EPARAM, 3, "run.kernel", "individual | counts (got count)");
  expect_fail("run:\n  kernel: 1\n", BW_EPARAM, 2, "run.kernel", "individual | counts");
  expect_fail("run:\n  kernel:\n", BW_EPARAM, 2, "run.kernel", "individual | counts (got null)");
}

/* ---- composition: base:, --set (issue "Benchmarking verdeelmodel choices") ------------ */

/* A fresh directory for one test (removed and freed by rm_dir). */
static char *new_dir(void) { return tu_mkdtemp("params_base"); }

static void rm_dir(char *dir) {
  tu_rm_rf(dir);
  free(dir);
}

/* dir/name with text; the path, from malloc. */
static char *put(const char *dir, const char *name, const char *text) {
  char *path = tu_join_malloc(dir, name);
  tu_write_text(path, text);
  return path;
}

static bw_status load_with(const char *path, const char *const *sets, int nsets, bw_params *p, bw_ctx *ctx) {
  bw_ctx_init(ctx);
  return bw_params_load_with(path, sets, nsets, p, NULL, ctx);
}

/* The message is exactly fmt with each %s replaced by dir. */
__attribute__((format(printf, 2, 0))) static void expect_msg(const bw_ctx *ctx, const char *fmt, const char *dir) {
  char want[BW_MSG_MAX];
  snprintf(want, sizeof want, fmt, dir, dir, dir, dir, dir);
  cr_expect_str_eq(ctx->msg, want);
}

Test(params, base_chain_overrides_at_depth_3) {
  char *dir = new_dir();
  char *sub = tu_join_malloc(dir, "sub");
  cr_assert_eq(mkdir(sub, 0700), 0);
  /* a (deepest) <- b (in sub/, names ../a.yaml) <- c (names sub/b.yaml) */
  char *a = put(dir, "a.yaml",
                "run: {name: a, seed: 1}\n"
                "flows:\n  stock: {I: 100, A: 200}\n  wlz: {hazard: 0.07, exit_rate: 0.04}\n"
                "policy:\n  pooling: region\n  ingroeipad: {mode: linear, steps: 5}\n");
  char *b = put(sub, "b.yaml",
                "run: {name: b}\nbase: ../a.yaml\n"
                "flows:\n  stock: {A: 250}\n  wlz: {hazard: 0.08}\n"
                "policy:\n  ingroeipad: {steps: 6}\n");
  char *c = put(dir, "c.yaml", "# the child\nbase: sub/b.yaml\nrun: {name: c}\nflows: {stock: {M: 7}}\n");
  bw_params p;
  bw_ctx ctx;
  bw_status st = load_with(c, NULL, 0, &p, &ctx);
  cr_assert_eq(st, BW_OK, "%s", ctx.msg);
  cr_expect_str_eq(p.name, "c");                          /* c over b over a */
  cr_expect_eq(p.seed, 1);                                /* only a */
  cr_expect_eq(p.stock[BW_I], 100);                       /* a, below two maps that set other keys */
  cr_expect_eq(p.stock[BW_A], 250);                       /* b over a */
  cr_expect_eq(p.stock[BW_M], 7);                         /* c */
  cr_expect_eq(p.wlz_hazard, 0.08);                       /* b over a, one level deeper */
  cr_expect_eq(p.wlz_exit_rate, 0.04);                    /* a */
  cr_expect_eq(p.pooling, BW_POOL_REGION);                /* a */
  cr_expect_eq(p.ingroei_mode, BW_INGROEI_LINEAR);        /* a */
  cr_expect_eq(p.ingroei_steps, 6);                       /* b over a */
  cr_expect_eq(p.wlz_p_wave, 0.38);                       /* the default under them all */
  cr_expect_str_eq(p.gemeenten_path, BW_SHIPPED_GEMEENTEN); /* no file named data */

  /* bw_params_load gives the same params and the child's own text */
  bw_params q;
  char *text = NULL;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_load(c, &q, &text, &ctx), BW_OK, "%s", ctx.msg);
  expect_same_params(&p, &q);
  cr_expect(text && !strncmp(text, "# the child\n", 12), "text_out is the loaded file's text");
  free(text);

  /* an error in a base names the base file and its line */
  tu_write_text(b, "run: {name: b}\nbase: ../a.yaml\npolicy:\n  pooling: regio\n");
  st = load_with(c, NULL, 0, &p, &ctx);
  cr_expect_eq(st, BW_EPARAM);
  expect_msg(&ctx, "%s/sub/b.yaml:4: policy.pooling: must be one of none | region (got regio)", dir);
  free(a), free(b), free(c), free(sub);
  rm_dir(dir);
}

Test(params, base_cycle_refused_with_the_chain) {
  char *dir = new_dir();
  char *a = put(dir, "a.yaml", "base: b.yaml\nrun: {name: a}\n");
  char *b = put(dir, "b.yaml", "run: {name: b}\nbase: a.yaml\n");
  char *self = put(dir, "self.yaml", "base: ./self.yaml\n");
  bw_params p;
  memset(&p, 0x5a, sizeof p);
  bw_params before = p;
  bw_ctx ctx;
  cr_expect_eq(load_with(a, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/b.yaml:2: base: cycle %s/a.yaml -> %s/b.yaml -> %s/a.yaml", dir);
  cr_expect(memcmp(&p, &before, sizeof p) == 0, "a refused load wrote into the params");
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_params_load(self, &p, NULL, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/self.yaml:1: base: cycle %s/self.yaml -> %s/./self.yaml", dir);
  cr_expect_eq(bw_exit_code(ctx.status), 2);
  free(a), free(b), free(self);
  rm_dir(dir);
}

Test(params, base_depth_is_capped) {
  char *dir = new_dir();
  char name[32], text[64];
  for (int i = 0; i <= BW_PARAMS_MAX_BASE; i++) { /* l0 <- l1 <- ... <- l32: 33 files */
    snprintf(name, sizeof name, "l%d.yaml", i);
    if (i < BW_PARAMS_MAX_BASE) snprintf(text, sizeof text, "base: l%d.yaml\n", i + 1);
    else snprintf(text, sizeof text, "run: {seed: 5}\n");
    free(put(dir, name, text));
  }
  bw_params p;
  bw_ctx ctx;
  char *l0 = tu_join_malloc(dir, "l0.yaml"), *l1 = tu_join_malloc(dir, "l1.yaml");
  cr_expect_eq(load_with(l0, NULL, 0, &p, &ctx), BW_EPARAM);
  char want[600];
  snprintf(want, sizeof want, "%s/l%d.yaml:1: base: more than %d files deep: %s/l0.yaml -> ", dir,
           BW_PARAMS_MAX_BASE - 1, BW_PARAMS_MAX_BASE, dir);
  cr_expect(!strncmp(ctx.msg, want, strlen(want)), "%s", ctx.msg);
  /* 32 files are allowed */
  cr_expect_eq(load_with(l1, NULL, 0, &p, &ctx), BW_OK, "%s", ctx.msg);
  cr_expect_eq(p.seed, 5);
  free(l0), free(l1);
  rm_dir(dir);
}

Test(params, base_missing_or_bad) {
  char *dir = new_dir();
  char *x = put(dir, "x.yaml", "run: {name: x}\n\nbase: ../nope.yaml\n");
  bw_params p;
  bw_ctx ctx;
  cr_expect_eq(load_with(x, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/x.yaml:3: base: file not found: ../nope.yaml", dir);
  cr_expect_eq(bw_exit_code(ctx.status), 2);
  struct {
    const char *text, *msg; /* msg: after "DIR/x.yaml:" */
  } cases[] = {
      {"base: .\n", "1: base: . is a directory, not a params file"},
      {"base:\n", "1: base: must be the path of a params file (got null)"},
      {"base: [a.yaml]\n", "1: base: must be the path of a params file, not a list"},
      {"base: a.yaml\nbase: b.yaml\n", "2: base: duplicate key (first on line 1)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    tu_write_text(x, cases[i].text);
    cr_expect_eq(load_with(x, NULL, 0, &p, &ctx), BW_EPARAM, "%s", cases[i].text);
    char want[BW_MSG_MAX];
    snprintf(want, sizeof want, "%s/x.yaml:%s", dir, cases[i].msg);
    cr_expect_str_eq(ctx.msg, want);
  }
  tu_write_text(x, "policy:\n  base: a.yaml\n"); /* only at the top */
  cr_expect_eq(load_with(x, NULL, 0, &p, &ctx), BW_EPARAM);
  cr_expect(strstr(ctx.msg, "x.yaml:2: policy.base: unknown key") != NULL, "%s", ctx.msg);
  /* a YAML error in a base names the base */
  char *bad = put(dir, "bad.yaml", "run: {name: [}\n");
  tu_write_text(x, "base: bad.yaml\n");
  cr_expect_eq(load_with(x, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/bad.yaml:1: YAML syntax error: did not find expected node content (while parsing a flow "
                  "node on line 1)", dir);
  free(x), free(bad);
  rm_dir(dir);
}

Test(params, data_paths_relative_to_the_file_that_sets_them) {
  char *dir = new_dir();
  char *t = tu_join_malloc(dir, "tables"), *s = tu_join_malloc(dir, "scen");
  cr_assert_eq(mkdir(t, 0700), 0);
  cr_assert_eq(mkdir(s, 0700), 0);
  free(put(t, "g.csv", "x\n"));
  free(put(t, "r.csv", "x\n"));
  /* the base in tables/ names its tables; the child in scen/ names none */
  free(put(t, "base.yaml", "data: {gemeenten: g.csv, regions: ./r.csv}\n"));
  char *child = put(s, "child.yaml", "base: ../tables/base.yaml\nrun: {name: child}\n");
  bw_params p;
  bw_ctx ctx;
  cr_assert_eq(load_with(child, NULL, 0, &p, &ctx), BW_OK, "%s", ctx.msg);
  char want[600];
  snprintf(want, sizeof want, "%s/scen/../tables/g.csv", dir);
  cr_expect_str_eq(p.gemeenten_path, want);
  snprintf(want, sizeof want, "%s/scen/../tables/./r.csv", dir);
  cr_expect_str_eq(p.regions_path, want);
  /* the child names one table itself: relative to the child */
  free(put(s, "g2.csv", "x\n"));
  tu_write_text(child, "base: ../tables/base.yaml\ndata: {gemeenten: g2.csv}\n");
  cr_assert_eq(load_with(child, NULL, 0, &p, &ctx), BW_OK, "%s", ctx.msg);
  snprintf(want, sizeof want, "%s/scen/g2.csv", dir);
  cr_expect_str_eq(p.gemeenten_path, want);
  snprintf(want, sizeof want, "%s/scen/../tables/./r.csv", dir);
  cr_expect_str_eq(p.regions_path, want);
  /* a --set data path is relative to the working directory */
  const char *set[] = {"data.regions=no_such_bw_dir/r.csv"};
  cr_expect_eq(load_with(child, set, 1, &p, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--set data.regions=no_such_bw_dir/r.csv: data.regions: data file "
                            "no_such_bw_dir/r.csv: No such file or directory");
  free(child), free(t), free(s);
  rm_dir(dir);
}

Test(params, scenario_outside_params_uses_the_shipped_data) {
  char *dir = new_dir();
  /* README's my.yaml, saved anywhere: no data key, no base */
  char *my = put(dir, "my.yaml", "run: {name: linear_path}\npolicy:\n  ingroeipad: {mode: linear}\n  pooling: region\n");
  /* and one on params/default.yaml, whose data: names data/ next to itself */
  char *on = put(dir, "on.yaml", "base: " PARAMS_DIR "/default.yaml\npolicy: {pooling: region}\n");
  bw_params p;
  bw_ctx ctx;
  cr_assert_eq(load_with(my, NULL, 0, &p, &ctx), BW_OK, "%s", ctx.msg);
  cr_expect_str_eq(p.gemeenten_path, BW_SHIPPED_GEMEENTEN);
  cr_expect_str_eq(p.regions_path, BW_SHIPPED_REGIONS);
  cr_expect(is_file(p.gemeenten_path) && is_file(p.regions_path));
  cr_expect_eq(p.pooling, BW_POOL_REGION);
  cr_assert_eq(load_with(on, NULL, 0, &p, &ctx), BW_OK, "%s", ctx.msg);
  cr_expect_str_eq(p.gemeenten_path, BW_SHIPPED_GEMEENTEN);
  cr_expect_str_eq(p.regions_path, BW_SHIPPED_REGIONS);
  free(my), free(on);
  rm_dir(dir);
}

/* ---- --set ------------------------------------------------------------------------------ */

static const char *const DEFAULT_YAML = PARAMS_DIR "/default.yaml";

/* default.yaml with one --set must be refused with exactly msg. */
static void expect_set_fail(const char *set, const char *msg) {
  bw_params p;
  memset(&p, 0x5a, sizeof p);
  bw_params before = p;
  bw_ctx ctx;
  const char *sets[] = {"run.seed=7", set};
  cr_expect_eq(load_with(DEFAULT_YAML, sets, 2, &p, &ctx), BW_EPARAM, "--set %s accepted", set);
  cr_expect_str_eq(ctx.msg, msg);
  cr_expect(memcmp(&p, &before, sizeof p) == 0, "--set %s: a refused load wrote into the params", set);
  /* bw_params_apply_set says the same (the cross-field checks aside) and leaves p as it was */
  bw_params_defaults(&p);
  before = p;
  bw_ctx_init(&ctx);
  if (bw_params_apply_set(&p, set, "--set", &ctx) != BW_OK) {
    cr_expect_str_eq(ctx.msg, msg);
    cr_expect(memcmp(&p, &before, sizeof p) == 0, "bw_params_apply_set(%s) wrote into the params", set);
  }
}

Test(params, set_errors_name_the_option) {
  expect_set_fail("policy.pooling=regio",
                  "--set policy.pooling=regio: policy.pooling: must be one of none | region (got regio)");
  expect_set_fail("policy.poling=region", "--set policy.poling=region: policy.poling: unknown key, did you mean "
                                          "'policy.pooling'?");
  expect_set_fail("flows.stock.X=1", "--set flows.stock.X=1: flows.stock.X: unknown key (expected I, A or M)");
  expect_set_fail("budget.verdeelmodel.urban=1", "--set budget.verdeelmodel.urban=1: budget.verdeelmodel.urban: "
                                                 "unknown key (expected constant, single_hh, nonwestern or urbanity)");
  expect_set_fail("run.seed", "--set run.seed: must be key=value, e.g. policy.pooling=region");
  expect_set_fail("=3", "--set =3: must be key=value, e.g. policy.pooling=region");
  expect_set_fail("flags.p_star=1", "--set flags.p_star=1: flags.p_star: must be > 0 and < 1 (got 1)");
  expect_set_fail("flows.stock.I=-5", "--set flows.stock.I=-5: flows.stock.I: must be in 0..1000000 (got -5)");
  expect_set_fail("flows.stock.I=\"5\"",
                  "--set flows.stock.I=\"5\": flows.stock.I: must be a number (got \"5\", a quoted string)");
  expect_set_fail("run.replications=2.5", "--set run.replications=2.5: run.replications: must be an integer (got 2.5)");
  expect_set_fail("run.seed=", "--set run.seed=: run.seed: must be an integer in 0..18446744073709551615 (got )");
  expect_set_fail("uncertainty.enabled=yes", "--set uncertainty.enabled=yes: uncertainty.enabled: must be true or "
                                             "false (got yes)");
  expect_set_fail("policy.ingroeipad.custom=[0.5, 0.2]", "--set policy.ingroeipad.custom=[0.5, 0.2]: "
                  "policy.ingroeipad.custom[1]: values must be nondecreasing (got 0.2 after 0.5)");
  expect_set_fail("policy.ingroeipad.custom=[0.2", "--set policy.ingroeipad.custom=[0.2: policy.ingroeipad.custom: "
                  "not a valid YAML value (did not find expected ',' or ']')");
  expect_set_fail("flows=3", "--set flows=3: flows: must be a section (a mapping of keys), not 3");
  expect_set_fail("base=x.yaml", "--set base=x.yaml: base: only a params file can name a base (write base: FILE "
                                 "in the file)");
  expect_set_fail("policy.pooling=region\nflows: {}", "--set policy.pooling=region\nflows: {}: policy.pooling: the "
                  "value must be one line without control characters");
  /* cross-field: the --set is blamed when it is the later layer */
  expect_set_fail("policy.start_year=2035",
                  "--set policy.start_year=2035: policy.start_year: must be in 2021..2031 (got 2035)");
  expect_set_fail("policy.ingroeipad.mode=custom", "--set policy.ingroeipad.mode=custom: policy.ingroeipad.mode: "
                  "mode custom needs at least one value in policy.ingroeipad.custom (nondecreasing, in 0..1)");
  expect_set_fail("uncertainty.outer_draws=1001", "--set uncertainty.outer_draws=1001: uncertainty.outer_draws: must "
                  "be <= the replications, run.replications or -n (1000) (got 1001): every outer draw needs a "
                  "replication");
}

/* The cross-field checks run once, after every layer, and blame the layer
 * that set the key last: a file at its line, or a --set. */
Test(params, set_cross_field_checks_blame_the_last_layer) {
  char *dir = new_dir();
  char *f = put(dir, "s.yaml", "run:\n  last_year: 2036\npolicy:\n  start_year: 2027\n");
  bw_params p;
  bw_ctx ctx;
  const char *early[] = {"run.last_year=2025"};
  cr_expect_eq(load_with(f, early, 1, &p, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--set run.last_year=2025: run.last_year: must be >= policy.start_year (2027) (got 2025)");
  const char *later[] = {"run.last_year=2025", "policy.start_year=2024"}; /* each alone invalid, together fine */
  cr_expect_eq(load_with(f, later, 2, &p, &ctx), BW_OK, "%s", ctx.msg);
  cr_expect(p.last_year == 2025 && p.start_year == 2024);
  const char *late_start[] = {"policy.start_year=2040"}; /* start after the file's horizon */
  cr_expect_eq(load_with(f, late_start, 1, &p, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--set policy.start_year=2040: policy.start_year: must be in 2021..2036 (got 2040)");
  /* the file's line when the file is the later layer: a set of first_year, the file's start_year */
  const char *reps[] = {"uncertainty.outer_draws=50", "run.replications=20"};
  cr_expect_eq(load_with(f, reps, 2, &p, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--set run.replications=20: run.replications: must be >= uncertainty.outer_draws (50) "
                            "(got 20): every outer draw needs a replication");
  const char *first[] = {"run.first_year=2028"};
  cr_expect_eq(load_with(f, first, 1, &p, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--set run.first_year=2028: run.first_year: must be <= policy.start_year (2027) (got 2028)");
  tu_write_text(f, "base: b.yaml\npolicy:\n  start_year: 2027\n");
  free(put(dir, "b.yaml", "run:\n  last_year: 2026\n"));
  cr_expect_eq(load_with(f, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/s.yaml:3: policy.start_year: must be in 2021..2026 (got 2027)", dir);
  free(f);
  rm_dir(dir);
}

Test(params, set_typing_sub_keys_and_sections) {
  const char *sets[] = {"policy.pooling=region",
                        "budget.verdeelmodel.urbanity=0.8",
                        "flows.stock.I=20000",
                        "policy.ingroeipad.custom=[0.2,0.5,1]",
                        "policy.ingroeipad.mode=custom",
                        "run.seed=7",
                        "flows.wlz={hazard: 0.08, exit_rate: 0.06}",
                        "policy.mo_decentralise_year=null",
                        "policy.old_regime_max_years=3.5",
                        "flows.dispersion.A=.inf",
                        "run.name=my-run.2",
                        "uncertainty.enabled=false",
                        "data.gemeenten=" PARAMS_DIR "/data/gemeenten.csv",
                        "flows.stock.I=21000"}; /* later wins */
  bw_params p, d;
  bw_ctx ctx;
  cr_assert_eq(load_with(DEFAULT_YAML, sets, 14, &p, &ctx), BW_OK, "%s", ctx.msg);
  bw_params_defaults(&d);
  cr_expect_eq(p.pooling, BW_POOL_REGION);
  cr_expect_eq(p.verdeelmodel.urbanity, 0.8);
  cr_expect_eq(p.verdeelmodel.constant, d.verdeelmodel.constant); /* the other weights kept */
  cr_expect_eq(p.verdeelmodel.single_hh, d.verdeelmodel.single_hh);
  cr_expect_eq(p.need.urbanity, d.need.urbanity);                 /* need is another key */
  cr_expect_eq(p.stock[BW_I], 21000);
  cr_expect_eq(p.stock[BW_A], 12000);
  cr_expect_eq(p.n_custom, 3);
  cr_expect(p.ingroei_custom[0] == 0.2 && p.ingroei_custom[1] == 0.5 && p.ingroei_custom[2] == 1);
  cr_expect_eq(p.ingroei_mode, BW_INGROEI_CUSTOM);
  cr_expect_eq(p.seed, 7);
  cr_expect(p.wlz_hazard == 0.08 && p.wlz_exit_rate == 0.06 && p.wlz_p_wave == d.wlz_p_wave);
  cr_expect_eq(p.mo_decentralise_year, 0);
  cr_expect_eq(p.old_regime_max_years, 3.5);
  cr_expect(isinf(p.dispersion[BW_A]) && isinf(p.dispersion[BW_I]));
  cr_expect_str_eq(p.name, "my-run.2");
  cr_expect_eq(p.uncertainty_enabled, 0);
  cr_expect_str_eq(p.gemeenten_path, BW_SHIPPED_GEMEENTEN);

  /* bw_params_apply_set onto params built in code, with another origin */
  bw_params q;
  bw_params_defaults(&q);
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_apply_set(&q, "budget.verdeelmodel={constant: 1, urbanity: 0}", "--grid", &ctx), BW_OK,
               "%s", ctx.msg);
  cr_expect(q.verdeelmodel.constant == 1 && q.verdeelmodel.urbanity == 0 && q.verdeelmodel.single_hh == 1);
  cr_expect_eq(bw_params_apply_set(&q, "policy.pooling=regio", "--grid", &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--grid policy.pooling=regio: policy.pooling: must be one of none | region (got regio)");
  /* no cross-field check in apply_set: bw_params_validate does them */
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_params_apply_set(&q, "policy.start_year=2040", NULL, &ctx), BW_OK, "%s", ctx.msg);
  cr_expect_eq(bw_params_validate(&q, "grid", &ctx), BW_EPARAM);
}

/* ---- the params as text ------------------------------------------------------------------- */

/* to_yaml of p, read back with base_dir NULL, gives p again (and the same text). */
static void expect_round_trip(const bw_params *p, const char *what) {
  char *texts[2] = {bw_params_to_yaml(p), bw_params_to_yaml_changed(p)};
  for (int i = 0; i < 2; i++) {
    cr_assert_not_null(texts[i]);
    bw_params q;
    bw_ctx ctx;
    bw_ctx_init(&ctx);
    bw_status st = bw_params_parse(texts[i], "resolved", NULL, &q, &ctx);
    cr_assert_eq(st, BW_OK, "%s: the %s text does not read back: %s\n%s", what, i ? "changed" : "full", ctx.msg,
                 texts[i]);
    expect_same_params(&q, p);
    cr_expect_str_eq(q.gemeenten_path, p->gemeenten_path, "%s", what);
    cr_expect_str_eq(q.regions_path, p->regions_path, "%s", what);
    cr_expect(bw_params_same_clients(&q, p), "%s", what);
    char *again = i ? bw_params_to_yaml_changed(&q) : bw_params_to_yaml(&q);
    cr_expect_str_eq(again, texts[i], "%s: the text of the text differs", what);
    free(again);
  }
  /* every key is in the full text, none of the data paths of the shipped tables */
  for (int k = 0; k < bw_params_nkeys(); k++) {
    const char *leafk = strrchr(bw_params_key(k), '.') + 1;
    char needle[128];
    snprintf(needle, sizeof needle, " %s:", leafk);
    cr_expect(strstr(texts[0], needle) != NULL, "%s: %s missing from the full text", what, bw_params_key(k));
  }
  cr_expect(strstr(texts[0], BW_SOURCE_DIR) == NULL || strcmp(p->gemeenten_path, BW_SHIPPED_GEMEENTEN) ||
                strcmp(p->regions_path, BW_SHIPPED_REGIONS),
            "%s: the source tree's path is in the text", what);
  free(texts[0]);
  free(texts[1]);
}

Test(params, to_yaml_round_trip) {
  bw_params p;
  bw_ctx ctx;
  bw_params_defaults_shipped(&p);
  expect_round_trip(&p, "defaults");
  char *t = bw_params_to_yaml_changed(&p);
  cr_expect_str_eq(strchr(t, '\n') + 1, "", "the defaults differ from the defaults:\n%s", t);
  free(t);
  expect_ok(EVERY_KEY_YAML, &p);
  cr_assert_eq(bw_params_apply_set(&p, "run.kernel=counts", NULL, &ctx), BW_OK, "%s", ctx.msg);
  expect_round_trip(&p, "every key");
  /* odd doubles and paths with quotes, colons, spaces and '#' */
  p.p_star = 0.1 + 0.2;
  p.cost_index = 1e-300;
  p.wlz_uitname_eur = 12345678901.2345;
  p.stock[BW_M] = 1e6;
  p.growth[BW_A] = -0x1p-30;
  char *dir = new_dir();
  char *odd = put(dir, "we\"ird: #1 \\x.csv", "x\n");
  snprintf(p.gemeenten_path, sizeof p.gemeenten_path, "%s", odd);
  expect_round_trip(&p, "odd values");
  free(odd);
  rm_dir(dir);
  /* every file of the library, fully resolved */
  const char *names[] = {"linear", "pooling_region", "supply_attraction_0.1", "supply_attraction_0.3",
                         "start_2027", "mo_decentralised", "bijsturing_pause", "verdeelmodel_population",
                         "verdeelmodel_urban", "wlz_high"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char path[512];
    snprintf(path, sizeof path, PARAMS_DIR "/scenarios/%s.yaml", names[i]);
    bw_ctx_init(&ctx);
    cr_assert_eq(bw_params_load(path, &p, NULL, &ctx), BW_OK, "%s", ctx.msg);
    expect_round_trip(&p, path);
  }
}

Test(params, value_texts) {
  bw_params p;
  bw_params_defaults_shipped(&p);
  char buf[BW_PARAMS_TEXT_MAX];
  struct {
    const char *key, *want;
  } cases[] = {{"policy.pooling", "none"},
               {"budget.verdeelmodel.urbanity", "0.5"},
               {"flows.stock", "{I: 22000, A: 12000, M: 11000}"},
               {"flows.stock.I", "22000"},
               {"flows.dispersion", "{I: .inf, A: .inf, M: .inf}"},
               {"policy.ingroeipad.custom", "[]"},
               {"policy.ingroeipad.complete_by", "null"},
               {"policy.old_regime_max_years", "null"},
               {"run.seed", "20210101"},
               {"uncertainty.enabled", "true"},
               {"flows.population_growth", "0.005"},
               {"budget.wlz_uitname_eur", "495000000"},
               {"data.regions", BW_SHIPPED_REGIONS}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    cr_assert_eq(bw_params_value_text(&p, cases[i].key, buf, sizeof buf), 0, "%s", cases[i].key);
    cr_expect_str_eq(buf, cases[i].want, "%s", cases[i].key);
  }
  const char *unknown[] = {"policy", "flows.stock.X", "policy.poling", "", "budget.verdeelmodel.", "run.seed.x"};
  for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
    cr_expect_eq(bw_params_value_text(&p, unknown[i], buf, sizeof buf), -1, "'%s'", unknown[i]);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_apply_set(&p, "policy.ingroeipad.custom=[0.2, 0.5, 1]", NULL, &ctx), BW_OK, "%s", ctx.msg);
  bw_params_value_text(&p, "policy.ingroeipad.custom", buf, sizeof buf);
  cr_expect_str_eq(buf, "[0.2, 0.5, 1]");
  /* truncated, never overrun */
  char small[6];
  memset(small, 'x', sizeof small);
  cr_expect_eq(bw_params_value_text(&p, "flows.stock", small, 5), 0);
  cr_expect_str_eq(small, "{I: ");
  cr_expect_eq(small[5], 'x');
  /* the keys in the order of default.yaml */
  cr_expect_str_eq(bw_params_key(0), "run.name");
  cr_expect_str_eq(bw_params_key(bw_params_nkeys() - 1), "flags.p_star");
  cr_expect_null(bw_params_key(bw_params_nkeys()));
  cr_expect_null(bw_params_key(-1));
}

Test(params, budget_side_keys) {
  const char *yes[] = {"budget.budget_index", "budget.volume_growth", "budget.wlz_uitname_eur",
                       "budget.wlz_uitname_clients", "budget.national_institutions_eur", "budget.verdeelmodel",
                       "budget.verdeelmodel.urbanity", "policy.ingroeipad.mode", "policy.ingroeipad.custom",
                       "policy.ingroeipad", "policy.pooling", "policy.bijsturing", "policy.bijsturing.every",
                       "flags", "flags.p_star", "run.name", "run.replications"};
  const char *no[] = {"run.seed", "run.first_year", "run.last_year", "run.kernel", "data.gemeenten", "data",
                      "flows.stock.I", "flows.wlz.hazard", "flows", "costs.cost_index", "budget.need",
                      "budget.need.urbanity", "budget.mo_extra_eur", "budget.mo_extra_from", "budget",
                      "policy.start_year", "policy.mo_decentralise_year", "policy.old_regime_max_years", "policy",
                      "uncertainty.outer_draws", "run"};
  const char *unknown[] = {"policy.poling", "flows.stock.X", "nope", "budget.verdeelmodel.urban", ""};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    cr_expect_eq(bw_params_key_budget_side(yes[i]), 1, "%s", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    cr_expect_eq(bw_params_key_budget_side(no[i]), 0, "%s", no[i]);
  for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
    cr_expect_eq(bw_params_key_budget_side(unknown[i]), -1, "'%s'", unknown[i]);
  cr_expect_eq(bw_params_key_budget_side(NULL), -1);
}

Test(params, same_clients) {
  bw_params d;
  bw_params_defaults_shipped(&d);
  const char *budget_only[] = {"budget.verdeelmodel={constant: 1, single_hh: 0, nonwestern: 0, urbanity: 0}",
                               "budget.verdeelmodel.urbanity=0.9", "policy.ingroeipad.mode=linear",
                               "policy.pooling=region", "flags.threshold_eur_per_inhabitant=25",
                               "budget.budget_index=0.03", "policy.bijsturing.rule=pause",
                               "run.replications=5", "run.name=other"};
  const char *clients[] = {"run.seed=7", "flows.supply_attraction=0.3", "policy.start_year=2027",
                           "flows.wlz.hazard=0.08", "budget.need.urbanity=0.9", "budget.mo_extra_from=2024",
                           "uncertainty.outer_draws=5", "run.kernel=counts", "flows.stock.M=11001"};
  bw_ctx ctx;
  for (size_t i = 0; i < sizeof budget_only / sizeof *budget_only; i++) {
    bw_params p = d;
    bw_ctx_init(&ctx);
    cr_assert_eq(bw_params_apply_set(&p, budget_only[i], NULL, &ctx), BW_OK, "%s", ctx.msg);
    cr_expect(bw_params_same_clients(&p, &d) && bw_params_same_clients(&d, &p), "%s", budget_only[i]);
  }
  for (size_t i = 0; i < sizeof clients / sizeof *clients; i++) {
    bw_params p = d;
    bw_ctx_init(&ctx);
    cr_assert_eq(bw_params_apply_set(&p, clients[i], NULL, &ctx), BW_OK, "%s", ctx.msg);
    cr_expect(!bw_params_same_clients(&p, &d) && !bw_params_same_clients(&d, &p), "%s", clients[i]);
  }
  /* a data path that names the shipped table is the same table */
  bw_params p = d;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_apply_set(&p, "data.gemeenten=" PARAMS_DIR "/data/gemeenten.csv", NULL, &ctx), BW_OK,
               "%s", ctx.msg);
  cr_expect(bw_params_same_clients(&p, &d));
}

/* ---- input limits (docs/limits.md; issue "Cluster-grade reliability") --------------------- */

/* 100,000 levels of nesting in 200 KB used to take 52 s to refuse: now the
 * event parser stops at level 33, so the message says so and nothing more
 * was parsed (asserted by the message, not by a timer). */
Test(params, nesting_deeper_than_32_refused_while_parsing) {
  size_t n = 100000;
  char *deep = tu_malloc(2 * n + 2);
  memset(deep, '[', n);
  memset(deep + n, ']', n);
  strcpy(deep + 2 * n, "\n");
  expect_fail(deep, BW_EPARAM, 1, NULL, "nested deeper than 32 levels");
  /* block style: the line of the 33rd level, the path of keys to it */
  char *block = tu_malloc(64 * 40);
  strcpy(block, "run:\n");
  for (int i = 0; i < 40; i++) sprintf(block + strlen(block), "%*sk%d:\n", 2 * i + 2, "", i);
  expect_fail(block, BW_EPARAM, 33, "run.k0.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13.k14.k15.k16.k17.k18.k19.k20."
              "k21.k22.k23.k24.k25.k26.k27.k28.k29.k30", "nested deeper than 32 levels (a params file needs 4)");
  /* 32 levels are parsed (and refused as an unknown key, not for their depth) */
  block[0] = '\0';
  strcpy(block, "run:\n");
  for (int i = 0; i < 30; i++) sprintf(block + strlen(block), "%*sk%d:\n", 2 * i + 2, "", i);
  strcat(block, "                                                                {a: 1}\n");
  expect_fail(block, BW_EPARAM, 2, "run.k0", "unknown key");
  /* flow mappings, a --set */
  expect_fail("a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: "
              "{a: {a: {a: {a: {a: {a: {a: {a: {a: 1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}\n",
              BW_EPARAM, 1, NULL, "nested deeper than 32 levels");
  bw_params p;
  bw_params_defaults(&p);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_params_apply_set(&p, tu_format("flows=%.*s", 40, deep), NULL, &ctx), BW_EPARAM);
  cr_expect(strstr(ctx.msg, "--set flows=[[[[") == ctx.msg && strstr(ctx.msg, "nested deeper than 32 levels"),
            "%s", ctx.msg);
}

/* A params text or file of more than 1 MiB is refused before it is parsed. */
Test(params, larger_than_1_mib_refused) {
  size_t n = BW_PARAMS_MAX_BYTES;
  char *text = tu_malloc(n + 2);
  memset(text, ' ', n);
  text[0] = '#';
  text[n - 1] = '\n';
  text[n] = '\0';
  bw_params p;
  expect_ok(text, &p); /* exactly 1 MiB: a comment */
  text[n] = '\n';
  text[n + 1] = '\0';
  bw_ctx ctx;
  cr_assert_eq(parse(text, &p, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, NAME ": larger than 1 MiB (1048577 bytes): not a params file");
  /* a file: from its size alone (sparse: nothing is read), and as a base */
  char *dir = new_dir();
  char *big = tu_join_malloc(dir, "big.yaml");
  int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert_geq(fd, 0);
  cr_assert_eq(ftruncate(fd, (off_t)1 << 31), 0);
  close(fd);
  cr_assert_eq(load_with(big, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/big.yaml: params file larger than 1 MiB (2147483648 bytes)", dir);
  char *top = put(dir, "top.yaml", "run: {seed: 3}\nbase: big.yaml\n");
  cr_assert_eq(load_with(top, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/top.yaml:2: base: cannot read big.yaml (%s/big.yaml: params file larger than 1 MiB "
                   "(2147483648 bytes))", dir);
  free(top);
  free(big);
  rm_dir(dir);
}

/* A FIFO or a device, as the params file, a base or a data table, is
 * refused from stat, never opened blocking (.timeout: a regression fails
 * instead of hanging the suite). */
Test(params, fifo_and_devices_refused, .timeout = 20) {
  char *dir = new_dir();
  char *fifo = tu_join_malloc(dir, "fifo.yaml");
  cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo: %s", strerror(errno));
  bw_params p;
  bw_ctx ctx;
  cr_expect_eq(load_with(fifo, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/fifo.yaml: not a regular file (a FIFO): a params file must be a regular file", dir);
  cr_expect_eq(load_with("/dev/zero", NULL, 0, &p, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "/dev/zero: not a regular file (a character device): a params file must be a regular file");
  char *top = put(dir, "top.yaml", "base: fifo.yaml\n");
  cr_expect_eq(load_with(top, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/top.yaml:1: base: fifo.yaml is a FIFO, not a params file", dir);
  tu_write_text(top, "data:\n  regions: fifo.yaml\n");
  cr_expect_eq(load_with(top, NULL, 0, &p, &ctx), BW_EPARAM);
  expect_msg(&ctx, "%s/top.yaml:2: data.regions: data file %s/fifo.yaml: is a FIFO, not a regular file", dir);
  expect_fail("data:\n  gemeenten: /dev/zero\n", BW_EPARAM, 2, "data.gemeenten",
              "data file /dev/zero: is a character device, not a regular file");
  const char *set[] = {"data.gemeenten=/dev/zero"};
  cr_expect_eq(load_with(DEFAULT_YAML, set, 1, &p, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--set data.gemeenten=/dev/zero: data.gemeenten: data file /dev/zero: is a character "
                            "device, not a regular file");
  free(top);
  free(fifo);
  rm_dir(dir);
}

/* Explicit tags are refused: "!!str 20" used to be read as the number 20. */
Test(params, yaml_tags_refused) {
  expect_fail("run:\n  seed: !!str 20\n", BW_EPARAM, 2, "run.seed",
              "YAML tags are not allowed (got !!str): write the value without a tag");
  expect_fail("run:\n  replications: !!int 20\n", BW_EPARAM, 2, "run.replications", "(got !!int)");
  expect_fail("flows:\n  p_step_down: !!float 0.5\n", BW_EPARAM, 2, "flows.p_step_down", "(got !!float)");
  expect_fail("flows: !!map\n  p_step_down: 0.5\n", BW_EPARAM, 1, "flows", "(got !!map)");
  expect_fail("!!map {run: {seed: 1}}\n", BW_EPARAM, 1, "(top level)", "(got !!map)");
  expect_fail("run:\n  !!str seed: 1\n", BW_EPARAM, 2, "run", "(got !!str)");
  expect_fail("policy:\n  ingroeipad:\n    custom: [0.2, !!float 0.5]\n", BW_EPARAM, 3,
              "policy.ingroeipad.custom[1]", "(got !!float)");
  expect_fail("run:\n  name: !local x\n", BW_EPARAM, 2, "run.name", "(got !local)");
  expect_fail("run:\n  name: ! x\n", BW_EPARAM, 2, "run.name", "(got !)");
  expect_fail("%TAG !e! tag:example.com,2000:\n---\nrun:\n  name: !e!x y\n", BW_EPARAM, 4, "run.name",
              "(got tag:example.com,2000:x)");
  /* a --set */
  bw_params p;
  bw_params_defaults(&p);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_params_apply_set(&p, "run.seed=!!str 20", NULL, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--set run.seed=!!str 20: run.seed: YAML tags are not allowed (got !!str): write the "
                            "value without a tag");
}

/* One spelling per key: a dotted key is refused (it used to bypass the
 * duplicate check beside the section that sets the same key). */
Test(params, dotted_keys_refused_duplicates_in_any_spelling) {
  expect_fail("flows.wlz.hazard: 0.1\nflows:\n  wlz:\n    hazard: 0.2\n", BW_EPARAM, 1, "flows.wlz.hazard",
              "a key is one name, not a dotted path: write nested sections, flows: {wlz: {hazard: ...}}");
  expect_fail("flows:\n  wlz:\n    hazard: 0.2\nflows.wlz.hazard: 0.1\n", BW_EPARAM, 4, "flows.wlz.hazard",
              "not a dotted path");
  expect_fail("flows:\n  wlz.hazard: 0.1\n", BW_EPARAM, 2, "flows.wlz.hazard",
              "write nested sections, wlz: {hazard: ...}");
  expect_fail("flows:\n  stock: {I.x: 1}\n", BW_EPARAM, 2, "flows.stock.I.x", "not a dotted path");
  expect_fail("run:\n  seed: 1\n  \"seed\": 2\n", BW_EPARAM, 3, "run.seed", "duplicate key (first on line 2)");
  expect_fail("run:\n  seed: 1\n  ? seed\n  : 2\n", BW_EPARAM, 3, "run.seed", "duplicate key (first on line 2)");
  expect_fail("run: {'seed': 1, seed: 2}\n", BW_EPARAM, 1, "run.seed", "duplicate key");
  bw_params p;
  bw_params_defaults(&p);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_params_apply_set(&p, "flows={wlz.hazard: 0.1}", NULL, &ctx), BW_EPARAM);
  cr_expect_str_eq(ctx.msg, "--set flows={wlz.hazard: 0.1}: flows.wlz.hazard: a key is one name, not a dotted path: "
                            "write nested sections, wlz: {hazard: ...}");
}

/* Numbers a double cannot hold are refused, never read as inf or 0. */
Test(params, overflow_underflow_subnormal_refused) {
  expect_fail("flows:\n  wlz:\n    hazard: 1e-400\n", BW_EPARAM, 3, "flows.wlz.hazard",
              "too small for a double: it would be read as 0 (nonzero magnitudes start at 2.2e-308) (got 1e-400)");
  expect_fail("flows:\n  p_step_down: -0.000001e-400\n", BW_EPARAM, 2, "flows.p_step_down", "too small for a double");
  expect_fail("budget:\n  wlz_uitname_clients: 4.9e-324\n", BW_EPARAM, 2, "budget.wlz_uitname_clients",
              "a subnormal number, below the smallest normal double 2.2e-308 in magnitude (got 4.9e-324)");
  expect_fail("flags:\n  threshold_eur_per_inhabitant: 1e-310\n", BW_EPARAM, 2, "flags.threshold_eur_per_inhabitant",
              "a subnormal number");
  expect_fail("budget:\n  mo_extra_eur: 1e309\n", BW_EPARAM, 2, "budget.mo_extra_eur",
              "too large for a double (beyond 1.8e308) (got 1e309)");
  expect_fail("run:\n  replications: 1e400\n", BW_EPARAM, 2, "run.replications", "too large for a double");
  expect_fail("run:\n  replications: 1e-400\n", BW_EPARAM, 2, "run.replications", "must be an integer (got 1e-400)");
  expect_fail("flows:\n  stock: {I: 1e300}\n", BW_EPARAM, 2, "flows.stock.I", "must be in 0..1000000 (got 1e300)");
  /* zero in any spelling, and the smallest normal double, are numbers */
  bw_params p;
  expect_ok("flows:\n  wlz:\n    hazard: 0e-400\n  p_step_down: -0.0\n", &p);
  cr_expect_eq(p.wlz_hazard, 0.0);
  expect_ok("flows:\n  wlz:\n    hazard: 2.2250738585072014e-308\n", &p);
  cr_expect_eq(p.wlz_hazard, 2.2250738585072014e-308);
}

/* The ranges of the table are plausible, not merely representable. */
Test(params, plausible_ranges) {
  expect_fail("budget:\n  wlz_uitname_clients: 4.9\n", BW_EPARAM, 2, "budget.wlz_uitname_clients",
              "must be in 100..10000000 (got 4.9)");
  expect_fail("budget:\n  wlz_uitname_eur: 1e13\n", BW_EPARAM, 2, "budget.wlz_uitname_eur",
              "must be in 0..1e+11 (got 1e13)");
  expect_fail("budget:\n  national_institutions_eur: 2e11\n", BW_EPARAM, 2, "budget.national_institutions_eur",
              "must be in 0..1e+11");
  expect_fail("flows:\n  stock: {A: 1e8}\n", BW_EPARAM, 2, "flows.stock.A", "must be in 0..1000000 (got 1e8)");
  expect_fail("flows:\n  rate_per_1000: {M: 11}\n", BW_EPARAM, 2, "flows.rate_per_1000.M", "must be in 0..10 (got 11)");
  expect_fail("costs:\n  tariff_eur_per_day: {I: 20000}\n", BW_EPARAM, 2, "costs.tariff_eur_per_day.I",
              "must be in 0..10000 (got 20000)");
  expect_fail("costs:\n  cost_index: 0.6\n", BW_EPARAM, 2, "costs.cost_index", "must be in -0.2..0.2 (got 0.6)");
  expect_fail("flows:\n  growth: {I: -0.9}\n", BW_EPARAM, 2, "flows.growth.I", "must be in -0.2..0.2");
  expect_fail("flows:\n  duration_shape: {I: 0.01}\n", BW_EPARAM, 2, "flows.duration_shape.I", "must be in 0.1..10");
  expect_fail("flows:\n  dispersion: {I: 1e-300}\n", BW_EPARAM, 2, "flows.dispersion.I", "must be >= 0.01");
  expect_fail("uncertainty:\n  rate_sigma: 5\n", BW_EPARAM, 2, "uncertainty.rate_sigma", "must be in 0..1 (got 5)");
  expect_fail("uncertainty:\n  cost_index_sd: 0.5\n", BW_EPARAM, 2, "uncertainty.cost_index_sd",
              "must be in 0..0.05 (got 0.5)");
  /* every bound itself is a valid value */
  bw_params p;
  expect_ok("flows:\n  stock: {I: 1e6, A: 0}\n  rate_per_1000: {M: 10}\n  growth: {I: -0.2, A: 0.2}\n"
            "  duration_shape: {I: 0.1, A: 10}\n  dispersion: {I: 0.01}\n"
            "budget:\n  wlz_uitname_clients: 100\n  mo_extra_eur: 1e11\n"
            "costs:\n  tariff_eur_per_day: {I: 10000}\nuncertainty:\n  cost_index_sd: 0.05\n",
            &p);
  cr_expect_eq(p.stock[BW_I], 1e6);
  cr_expect_eq(p.wlz_uitname_clients, 100);
}

/* Options' whole numbers (-n, -s, -t): digits only, no sign '+', no space,
 * not empty (' 10' and '+10' used to be taken for 10). */
Test(params, strict_whole_numbers_of_options) {
  long long v = -7;
  const char *bad[] = {"", " 10", "10 ", "+10", "1e3", "10.0", "0x10", "-", "- 1", "\t5", "1 0", "9223372036854775808"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_expect_eq(bw_parse_ll(bad[i], -1000000, LLONG_MAX, &v), -1, "bw_parse_ll('%s') accepted", bad[i]);
    cr_expect_eq(v, -7, "bw_parse_ll('%s') wrote %lld", bad[i], v);
  }
  cr_expect_eq(bw_parse_ll(NULL, 0, 10, &v), -1);
  cr_expect_eq(bw_parse_ll("10", 1, 100, &v), 0);
  cr_expect_eq(v, 10);
  cr_expect_eq(bw_parse_ll("010", 1, 100, &v), 0);
  cr_expect_eq(v, 10);
  cr_expect_eq(bw_parse_ll("-5", -10, 10, &v), 0);
  cr_expect_eq(v, -5);
  cr_expect_eq(bw_parse_ll("101", 1, 100, &v), -1);
  cr_expect_eq(bw_parse_ll("0", 1, 100, &v), -1);
  unsigned long long u = 7;
  const char *ubad[] = {"", " 1", "+1", "-1", "1 ", "18446744073709551616", "1e3", "-0"};
  for (size_t i = 0; i < sizeof ubad / sizeof *ubad; i++) {
    cr_expect_eq(bw_parse_u64(ubad[i], &u), -1, "bw_parse_u64('%s') accepted", ubad[i]);
    cr_expect_eq(u, 7);
  }
  cr_expect_eq(bw_parse_u64("18446744073709551615", &u), 0);
  cr_expect_eq(u, 18446744073709551615ull);
  cr_expect_eq(bw_parse_u64("0", &u), 0);
  cr_expect_eq(u, 0);
}

/* An alias of its own ancestor (a cycle in the YAML graph) ends in an
 * unknown key, not in an endless walk. */
Test(params, recursive_alias_ends) {
  expect_fail("flows: &f\n  wlz: *f\n", BW_EPARAM, 2, "flows.wlz.wlz", "unknown key");
}

/* ---- the params against the data (bw_params_check_data) --------------------- */

#include "data_csv.h"

static void bound_setup(void) { tu_setup("params_bound"); }

TestSuite(params_bound, .init = bound_setup, .fini = tu_teardown);

/* yaml written to DIR/t.yaml (data: the shipped tables), loaded, checked
 * against its data; the status, the message in msg. */
static bw_status check_file(const char *yaml, int paired, char *path, size_t npath, char *msg, size_t nmsg) {
  snprintf(path, npath, "%s", tu_path("t.yaml"));
  tu_write_text(path, yaml);
  bw_params p;
  bw_data d = {0};
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_status st = bw_params_load(path, &p, NULL, &ctx);
  cr_assert_eq(st, BW_OK, "%s", ctx.msg);
  cr_assert_eq(bw_data_load(p.gemeenten_path, p.regions_path, &d, &ctx), BW_OK, "%s", ctx.msg);
  st = bw_params_check_data(&p, &d, path, NULL, 0, NULL, paired, &ctx);
  snprintf(msg, nmsg, "%s", ctx.msg);
  bw_data_free(&d);
  return st;
}

/* A combination beyond the statistics' limit is refused with the file, the
 * line and the key whose default lowers the bound most; so is a Wlz
 * uitname larger than the BW budget it comes off. */
Test(params_bound, refuses_a_combination_with_file_line_key) {
  char path[512], msg[BW_MSG_MAX], want[600];
  bw_status st = check_file("run: {name: big}\nflows:\n  stock: {I: 30000}\n  rate_per_1000: {I: 10}\n", 0, path,
                            sizeof path, msg, sizeof msg);
  cr_assert_eq(st, BW_EPARAM, "accepted (%d): %s", st, msg);
  cr_assert_eq(bw_exit_code(st), 2);
  snprintf(want, sizeof want, "%s:4: flows.rate_per_1000.I: ", path);
  cr_assert(strncmp(msg, want, strlen(want)) == 0, "message: %s\nwant prefix: %s", msg, want);
  cr_assert(strstr(msg, "beyond the 2.75e+11 EUR"), "%s", msg);

  st = check_file("run: {name: u}\nbudget:\n  wlz_uitname_eur: 1.6e9\n", 0, path, sizeof path, msg, sizeof msg);
  cr_assert_eq(st, BW_EPARAM, "accepted: %s", msg);
  snprintf(want, sizeof want, "%s:3: budget.wlz_uitname_eur: ", path);
  cr_assert(strncmp(msg, want, strlen(want)) == 0, "message: %s", msg);
  cr_assert(strstr(msg, "M_2021 - U - L must be positive"), "%s", msg);
  /* just below the budget: accepted */
  st = check_file("run: {name: u}\nbudget:\n  wlz_uitname_eur: 1.5e9\n", 0, path, sizeof path, msg, sizeof msg);
  cr_assert_eq(st, BW_OK, "%s", msg);
}

/* The same through bwsim run: exit 2 with file:line: key, and no output directory. */
Test(params_bound, refusal_from_the_command_line) {
  char *path = tu_path("big.yaml"), *out = tu_path("out");
  tu_write_text(path, "run:\n  name: big\n  last_year: 2084\nflows:\n  growth: {I: 0.2, A: 0.2, M: 0.2}\n");
  tu_proc r = tu_bwsim("run", path, "-n", "2", "-q", "--out", out, NULL);
  cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
  char want[600];
  snprintf(want, sizeof want, "%s:", path);
  cr_assert(strstr(r.err, want) && strstr(r.err, "docs/limits.md"), "stderr: %s", r.err);
  cr_assert(strstr(r.err, "run.last_year") || strstr(r.err, "flows.growth."), "stderr: %s", r.err);
  cr_assert(!tu_exists(out), "a refused run created %s", out);
}

/* The defaults and every shipped scenario pass, alone and paired. */
Test(params_bound, accepts_the_shipped_params) {
  const char *files[] = {"default.yaml",
                         "scenarios/bijsturing_pause.yaml",
                         "scenarios/linear.yaml",
                         "scenarios/mo_decentralised.yaml",
                         "scenarios/pooling_region.yaml",
                         "scenarios/start_2027.yaml",
                         "scenarios/supply_attraction_0.1.yaml",
                         "scenarios/supply_attraction_0.3.yaml",
                         "scenarios/verdeelmodel_population.yaml",
                         "scenarios/verdeelmodel_urban.yaml",
                         "scenarios/wlz_high.yaml"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PARAMS_DIR, files[i]);
    bw_params p;
    bw_data d = {0};
    bw_ctx ctx;
    bw_ctx_init(&ctx);
    cr_assert_eq(bw_params_load(path, &p, NULL, &ctx), BW_OK, "%s: %s", files[i], ctx.msg);
    cr_assert_eq(bw_data_load(p.gemeenten_path, p.regions_path, &d, &ctx), BW_OK, "%s", ctx.msg);
    for (int paired = 0; paired < 2; paired++)
      cr_expect_eq(bw_params_check_data(&p, &d, path, NULL, 0, NULL, paired, &ctx), BW_OK, "%s (paired %d): %s",
                   files[i], paired, ctx.msg);
    bw_data_free(&d);
  }
}

/* The bound is conservative: params drawn at random from extreme but
 * valid values that the check accepts run (-n 2) to the end, never into the
 * cell limit; and the draws are extreme enough that the check refuses some. */
Test(params_bound, accepted_extremes_run, .timeout = 600) {
  static const struct {
    const char *key;
    const char *vals[3];
  } knobs[] = {
    {"flows.stock.I", {"22000", "100000", "1000000"}},
    {"flows.stock.M", {"11000", "200000", "1000000"}},
    {"flows.rate_per_1000.A", {"0.24", "1", "5"}},
    {"flows.rate_per_1000.M", {"0.63", "1.5", "6"}},
    {"flows.growth.I", {"0.01", "0.05", "0.2"}},
    {"flows.duration_mean_years.I", {"3", "10", "60"}},
    {"flows.duration_shape.A", {"1", "0.3", "5"}},
    {"costs.tariff_eur_per_day.I", {"165", "500", "10000"}},
    {"costs.cost_index", {"0.02", "0.05", "0.2"}},
    {"budget.budget_index", {"0.02", "0.05", "0.2"}},
    {"budget.mo_extra_eur", {"65000000", "1e9", "1e11"}},
    {"uncertainty.rate_sigma", {"0.1", "0.2", "1"}},
    {"uncertainty.duration_sigma", {"0.1", "0.2", "1"}},
    {"flows.dispersion.M", {".inf", "10", "0.05"}},
    {"run.last_year", {"2031", "2035", "2060"}},
  };
  enum { NK = sizeof knobs / sizeof *knobs, TRIALS = 60, RUNS_MAX = 8 };
  const char *dir = tu_tmp_root;
  bw_data d = {0};
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_params base;
  bw_params_defaults_shipped(&base);
  cr_assert_eq(bw_data_load(base.gemeenten_path, base.regions_path, &d, &ctx), BW_OK, "%s", ctx.msg);
  uint64_t x = 0x9e3779b97f4a7c15ull; /* a fixed sequence: the test is reproducible */
  int accepted = 0, refused = 0, ran = 0;
  for (int t = 0; t < TRIALS; t++) {
    bw_params p = base;
    p.replications = 2;
    const char *argv[4 + 2 * NK + 8];
    char sets[NK][96];
    int na = 0, ns = 0;
    for (int k = 0; k < NK; k++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      int v = (int)((x >> 33) % 6) - 3; /* the default 4 times in 6 */
      if (v <= 0) continue;
      snprintf(sets[ns], sizeof sets[ns], "%s=%s", knobs[k].key, knobs[k].vals[v]);
      cr_assert_eq(bw_params_apply_set(&p, sets[ns], "--set", &ctx), BW_OK, "%s", ctx.msg);
      ns++;
    }
    if (bw_params_validate(&p, "t", &ctx) != BW_OK) continue;
    if (bw_params_check_data(&p, &d, NULL, NULL, 0, NULL, 0, &ctx) != BW_OK) {
      cr_assert(strstr(ctx.msg, "docs/limits.md"), "%s", ctx.msg);
      refused++;
      continue;
    }
    accepted++;
    if (ran >= RUNS_MAX) continue;
    char out[600], seed[32];
    snprintf(out, sizeof out, "%s/run%d", dir, t);
    snprintf(seed, sizeof seed, "%d", t + 1);
    argv[na++] = "run";
    for (int i = 0; i < ns; i++) argv[na++] = "--set", argv[na++] = sets[i];
    const char *tail[] = {"-n", "2", "-s", seed, "-q", "-t", "1", "--out", out};
    for (size_t i = 0; i < sizeof tail / sizeof *tail; i++) argv[na++] = tail[i];
    argv[na] = NULL;
    char *av[4 + 2 * NK + 8];
    av[0] = (char *)BW_BINARY;
    for (int i = 0; i <= na; i++) av[i + 1] = (char *)argv[i];
    tu_proc r = tu_run(av, NULL, dir);
    ran++;
    cr_assert_eq(r.code, 0, "trial %d accepted but the run failed (exit %d): %s", t, r.code, r.err);
    cr_assert(!strstr(r.err, "beyond"), "trial %d: %s", t, r.err);
  }
  bw_data_free(&d);
  cr_assert(ran >= 4, "only %d accepted draws ran (accepted %d, refused %d)", ran, accepted, refused);
  cr_assert(refused >= 4, "the draws are not extreme: only %d of %d refused", refused, accepted + refused);
}
