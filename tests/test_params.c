/* sim/params_yaml: params/default.yaml is MODEL.md's defaults, every key maps
 * to its field, and every bad input is rejected with "FILE:LINE: KEY: ...". */
#define _GNU_SOURCE /* nftw, mkdtemp, execvpe (test_util.h) */

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Every key set to a non-default value lands in its own field (and only there). */
Test(params, every_key_reaches_its_field) {
  const char *yaml =
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
  bw_params p, w;
  expect_ok(yaml, &p);
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
  expect_fail("flows:\n  duration_shape: {M: 0}\n", BW_EPARAM, 2, "flows.duration_shape.M", "must be > 0");
  expect_fail("flows:\n  dispersion: {I: 0}\n", BW_EPARAM, 2, "flows.dispersion.I", "must be > 0 (got 0)");
  expect_fail("flows:\n  dispersion: {I: -.inf}\n", BW_EPARAM, 2, "flows.dispersion.I", "(got -.inf)");
  expect_fail("flows:\n  mortality_rate: {A: -0.01}\n", BW_EPARAM, 2, "flows.mortality_rate.A", "0..100");
  expect_fail("flows:\n  growth: {I: -1}\n", BW_EPARAM, 2, "flows.growth.I", "(got -1)");
  expect_fail("flows:\n  wlz:\n    hazard: -0.05\n", BW_EPARAM, 3, "flows.wlz.hazard", "0..100 (got -0.05)");
  expect_fail("flows:\n  wlz:\n    p_wave: 2\n", BW_EPARAM, 3, "flows.wlz.p_wave", "0..1");
  expect_fail("run:\n  replications: 0\n", BW_EPARAM, 2, "run.replications", "must be in 1..100000000 (got 0)");
  expect_fail("run:\n  replications: 100000001\n", BW_EPARAM, 2, "run.replications", "1..100000000");
  expect_fail("run:\n  first_year: 1800\n", BW_EPARAM, 2, "run.first_year", "1900..2200");
  expect_fail("costs:\n  tariff_eur_per_day: {M: -96}\n", BW_EPARAM, 2, "costs.tariff_eur_per_day.M", "(got -96)");
  expect_fail("budget:\n  wlz_uitname_clients: 0\n", BW_EPARAM, 2, "budget.wlz_uitname_clients", "> 0");
  expect_fail("budget:\n  national_institutions_eur: -1\n", BW_EPARAM, 2, "budget.national_institutions_eur",
              "(got -1)");
  expect_fail("budget:\n  need: {constant: -0.2}\n", BW_EPARAM, 2, "budget.need.constant", "(got -0.2)");
  expect_fail("budget:\n  verdeelmodel: {constant: 0, single_hh: 0, nonwestern: 0, urbanity: 0}\n", BW_EPARAM,
              2, "budget.verdeelmodel", "at least one weight");
  expect_fail("uncertainty:\n  rate_sigma: -0.1\n", BW_EPARAM, 2, "uncertainty.rate_sigma", "0..5");
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
              "uncertainty.outer_draws", "<= run.replications (10) (got 20)");
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

Test(params, unreadable_file_is_eio) {
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
  cr_assert_eq(bw_params_load(PARAMS_DIR, &p, NULL, &ctx), BW_EIO, "a directory: %s", ctx.msg);
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
