/* Tests of sim/output.c, sim/sha256.c and the CSV writer of sim/cliutil.c:
 * SHA-256 known answers (FIPS 180-4 examples), the refusal to overwrite,
 * atomic replacement, the CSV and HDF5 contents read back (the CSV numbers
 * within the digits of their kind, docs/outputs.md), the nl dialect, pandas
 * and xarray reading the files, byte-identical files (and manifest) for
 * identical input, the run id in results.h5 and run.sha256 and what goes
 * into it. The kills, the lock and the disk errors: tests/test_commit.c.
 *
 * The summary is built by hand with a distinct value in every field (issue 4
 * fields included: err_* of every statistic, Wilson intervals, first
 * exceedance counts, flag_stable, other-pooling flags, the cumulative se and
 * error bounds, regions, the variance split), and each is read back from the
 * file it belongs in. */
#define _GNU_SOURCE /* memmem, mallopt; nftw, mkdtemp (test_util.h) */

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <hdf5_hl.h>

#include "fileset.h"
#include "output.h"
#include "test_util.h"

/* ---- SHA-256: FIPS 180-4 / NIST example vectors ------------------------- */

Test(sha256, nist_vectors) {
  char hex[65];
  bw_sha256_bytes("abc", 3, hex);
  cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  bw_sha256_bytes("", 0, hex);
  cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  cr_assert_eq(strlen(m448) * 8, 448u);
  bw_sha256_bytes(m448, strlen(m448), hex);
  cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *m896 =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
      "klmnopqrlmnopqrsmnopqrstnopqrstu";
  cr_assert_eq(strlen(m896) * 8, 896u);
  bw_sha256_bytes(m896, strlen(m896), hex);
  cr_assert_str_eq(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a': many blocks, and through the file reader (16 KiB reads
 * that do not align with the 64-byte blocks of the message). */
Test(sha256, million_a_bytes_and_file) {
  size_t n = 1000000;
  char *a = malloc(n);
  cr_assert_not_null(a);
  memset(a, 'a', n);
  char hex[65], hexf[65];
  bw_sha256_bytes(a, n, hex);
  cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  char *dir = tu_mkdtemp("output");
  char *p = tu_join_malloc(dir, "a.txt");
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(a, 1, n, f), n);
  fclose(f);
  tu_sha256_file(p, hexf);
  cr_assert_str_eq(hexf, hex);
  tu_rm_rf(dir);
  free(p);
  free(dir);
  free(a);
}

/* Lengths around the padding boundaries (55, 56, 63, 64 bytes ...): the
 * file path (chunked) and the one-shot path must agree, and all differ. */
Test(sha256, padding_boundaries_file_vs_bytes) {
  char *dir = tu_mkdtemp("output");
  char *p = tu_join_malloc(dir, "x.bin");
  unsigned char buf[200];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 37u + 11u);
  const size_t lens[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200};
  char prev[65] = "";
  for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    fwrite(buf, 1, lens[k], f);
    fclose(f);
    char h1[65], h2[65];
    bw_sha256_bytes(buf, lens[k], h1);
    tu_sha256_file(p, h2);
    cr_assert_str_eq(h1, h2, "length %zu", lens[k]);
    cr_assert_eq(strlen(h1), 64u);
    cr_assert_str_neq(h1, prev, "length %zu", lens[k]);
    strcpy(prev, h1);
  }
  tu_rm_rf(dir);
  free(p);
  free(dir);
}

Test(sha256, missing_file_is_eio) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  char hex[65];
  cr_assert_eq(bw_sha256_file("/nonexistent/bw_no_such_file.yaml", hex, &ctx), BW_EIO);
  cr_assert(strstr(ctx.msg, "/nonexistent/bw_no_such_file.yaml") != NULL, "%s", ctx.msg);
}

/* ---- prepare ------------------------------------------------------------ */

enum { NOUT = 5 };
static const char *const outputs[NOUT] = {"results.h5", "risk.csv", "national.csv", "gemeente_year.csv",
                                          "region_year.csv"};

Test(output_prepare, creates_nested_directory) {
  char *dir = tu_mkdtemp("output");
  char *sub = tu_join_malloc(dir, "a/b//c");
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_prepare(sub, 0, &ctx), BW_OK, "%s", ctx.msg);
  struct stat sb;
  cr_assert_eq(stat(sub, &sb), 0);
  cr_assert(S_ISDIR(sb.st_mode));
  cr_assert_eq(tu_count_hidden(sub, NULL), 0, "the write probe must not be left behind");
  /* again: an existing empty directory is fine */
  cr_assert_eq(bw_output_prepare(sub, 0, &ctx), BW_OK, "%s", ctx.msg);
  tu_rm_rf(dir);
  free(sub);
  free(dir);
}

Test(output_prepare, each_existing_file_refused_without_force) {
  for (int i = 0; i < NOUT; i++) {
    char *dir = tu_mkdtemp("output");
    char *p = tu_join_malloc(dir, outputs[i]);
    tu_write_text(p, "old\n");
    bw_ctx ctx;
    bw_ctx_init(&ctx);
    cr_assert_eq(bw_output_prepare(dir, 0, &ctx), BW_EEXIST, "%s", outputs[i]);
    cr_assert(strstr(ctx.msg, outputs[i]) != NULL, "message must name the file: %s", ctx.msg);
    cr_assert(strstr(ctx.msg, "--force") != NULL, "%s", ctx.msg);
    cr_assert(strstr(ctx.msg, "--out") != NULL, "%s", ctx.msg);
    bw_ctx_init(&ctx);
    cr_assert_eq(bw_output_prepare(dir, 1, &ctx), BW_OK, "%s", ctx.msg);
    char *old = tu_slurp_malloc(p, NULL);
    cr_assert_str_eq(old, "old\n", "prepare must not touch existing files");
    free(old);
    tu_rm_rf(dir);
    free(p);
    free(dir);
  }
}

Test(output_prepare, directory_as_target_refused_even_with_force) {
  char *dir = tu_mkdtemp("output");
  char *p = tu_join_malloc(dir, "risk.csv");
  cr_assert_eq(mkdir(p, 0777), 0);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_prepare(dir, 0, &ctx), BW_EEXIST);
  bw_ctx_init(&ctx);
  bw_status st = bw_output_prepare(dir, 1, &ctx);
  cr_assert_neq(st, BW_OK);
  cr_assert(strstr(ctx.msg, "risk.csv") != NULL, "%s", ctx.msg);
  tu_rm_rf(dir);
  free(p);
  free(dir);
}

Test(output_prepare, out_path_through_a_file_fails) {
  char *dir = tu_mkdtemp("output");
  char *f = tu_join_malloc(dir, "plain");
  tu_write_text(f, "x");
  char *sub = tu_join_malloc(f, "sub");
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_prepare(f, 0, &ctx), BW_EIO, "a file is not an output directory");
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_prepare(sub, 0, &ctx), BW_EIO);
  cr_assert(strstr(ctx.msg, "plain") != NULL, "%s", ctx.msg);
  tu_rm_rf(dir);
  free(sub);
  free(f);
  free(dir);
}

/* A directory nobody can create files in, even root: /proc/self. */
Test(output_prepare, unwritable_directory_fails) {
  struct stat sb;
  if (stat("/proc/self", &sb) != 0) cr_skip_test("no /proc");
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_prepare("/proc/self", 0, &ctx), BW_EIO);
  cr_assert(strstr(ctx.msg, "/proc/self") != NULL, "%s", ctx.msg);
}

/* ---- a small summary built by hand -------------------------------------- */

enum { NG = 3, NY = 2, NREP = 100, NR = 2, SPLIT_K = 4 };
static const double THETA = 15.0, PSTAR = 0.5;

typedef struct {
  bw_params p;
  bw_data d;
  bw_model *m;
  bw_summary s;
  bw_provenance prov;
} fixture;

/* A value that differs for every (v, g, y, field) and is not a short decimal. */
static double gy_value(int v, int g, int y, int field) {
  return (v + 1) * 1e6 + g * 1e4 + y * 100 + field + 1.0 / 3.0;
}

static double nat_value(int q, int y, int field) {
  return q * 1e7 + y * 1e3 + field * 0.1 + 1.0 / 7.0;
}

/* The sixteen fields of bw_stat in the order of stat_names below. */
enum { NSTAT = 16 };
static void fill_stat(bw_stat *st, double (*f)(int, int, int, int), int a, int b, int c) {
  double *x[NSTAT] = {&st->mean,    &st->sd,      &st->q05,     &st->q50,     &st->q95,    &st->cvar95,
                      &st->se_mean, &st->se_sd,   &st->se_q05,  &st->se_q50,  &st->se_q95, &st->se_cvar95,
                      &st->err_q05, &st->err_q50, &st->err_q95, &st->err_cvar95};
  for (int k = 0; k < NSTAT; k++) *x[k] = f(a, b, c, k);
}

static double reg_value(int r, int y, int unused, int field) {
  (void)unused;
  return -(r + 1) * 3e6 + y * 1e3 + field * 10 + 1.0 / 9.0;
}

static double nat_value4(int q, int y, int unused, int field) {
  (void)unused;
  return nat_value(q, y, field);
}

static void fixture_init(fixture *fx) {
  memset(fx, 0, sizeof *fx);
  bw_params_defaults(&fx->p);
  fx->p.first_year = 2021;
  fx->p.last_year = 2021 + NY - 1;
  fx->p.start_year = 2022;
  fx->p.replications = NREP;
  strcpy(fx->p.name, "unit-test");

  bw_data *d = &fx->d;
  d->ng = NG;
  d->nr = 2;
  d->g = calloc(NG, sizeof *d->g);
  d->r = calloc(2, sizeof *d->r);
  cr_assert(d->g && d->r);
  const struct {
    const char *code, *name;
    int region, centrum;
    double pop;
  } gs[NG] = {{"GM0001", "Alpha", 0, 1, 150000.4},
              {"GM0002", "Beta; Gamma, Delta", 0, 0, 40000.6},
              {"GM0003",
               "S\xc3\xba"
               "dwest \"Q\"",
               1, 1, 90000}};
  for (int g = 0; g < NG; g++) {
    bw_gemeente *x = &d->g[g];
    strcpy(x->code, gs[g].code);
    strcpy(x->name, gs[g].name);
    strcpy(x->province, "Testland");
    x->region = gs[g].region;
    x->is_centrumgemeente = gs[g].centrum;
    x->population = gs[g].pop;
    x->households = gs[g].pop / 2.2;
    x->pct_single_hh = 40;
    x->pct_nonwestern = 10;
    x->pct_age_15_24 = 12;
    x->urbanity = 2;
    x->lat = 52.0 + g * 0.1;
    x->lon = 5.0 + g * 0.1;
  }
  strcpy(d->r[0].code, "GM0001");
  strcpy(d->r[0].name, "Regio Alpha");
  d->r[0].centrum = 0;
  d->r[0].n_members = 2;
  strcpy(d->r[1].code, "GM0003");
  strcpy(d->r[1].name, "Regio S\xc3\xba"
                       "dwest");
  d->r[1].centrum = 2;
  d->r[1].n_members = 1;
  for (int r = 0; r < 2; r++) {
    strcpy(d->r[r].province, "Testland");
    d->r[r].hist_budget_bw_eur = 30e6 + r * 5e6;
    d->r[r].hist_budget_mo_eur = 8e6 + r * 1e6;
  }

  bw_ctx ctx;
  bw_ctx_init(&ctx);
  fx->m = bw_model_create(&fx->p, &fx->d, &ctx);
  cr_assert_not_null(fx->m, "bw_model_create: %s", ctx.msg);

  bw_summary *s = &fx->s;
  s->nrep = NREP;
  s->ng = NG;
  s->ny = NY;
  s->first_year = 2021;
  s->start_year = 2022;
  s->theta = THETA;
  s->p_star = PSTAR;
  for (int v = 0; v < BW_NGV; v++) {
    s->gy[v] = calloc(NG * NY, sizeof(bw_stat));
    cr_assert_not_null(s->gy[v]);
    for (int g = 0; g < NG; g++)
      for (int y = 0; y < NY; y++) fill_stat(&s->gy[v][g * NY + y], gy_value, v, g, y);
  }
  s->p_exceed = calloc(NG * NY, sizeof(double));
  s->p_exceed_se = calloc(NG * NY, sizeof(double));
  s->p_exceed_lo = calloc(NG * NY, sizeof(double));
  s->p_exceed_hi = calloc(NG * NY, sizeof(double));
  s->first_exceed = calloc(NG * (NY + 1), sizeof(long long));
  s->national = calloc((size_t)BW_NQ * NY, sizeof(bw_stat));
  s->risk = calloc(NG, sizeof(bw_risk_row));
  cr_assert(s->p_exceed && s->p_exceed_se && s->p_exceed_lo && s->p_exceed_hi && s->first_exceed &&
            s->national && s->risk);
  for (int i = 0; i < NG * NY; i++) {
    s->p_exceed[i] = (i + 1) / 7.0;
    s->p_exceed_se[i] = sqrt(s->p_exceed[i] * (1 - s->p_exceed[i]) / NREP);
    s->p_exceed_lo[i] = s->p_exceed[i] - 0.1 - i / 1e3;
    s->p_exceed_hi[i] = s->p_exceed[i] + 0.1 + i / 1e3;
  }
  /* first exceedance: g spread over its years, the rest never (sums to NREP) */
  for (int g = 0; g < NG; g++) {
    long long left = NREP;
    for (int y = 0; y < NY; y++) {
      s->first_exceed[g * (NY + 1) + y] = 10 * g + 7 * y + 1;
      left -= 10 * g + 7 * y + 1;
    }
    s->first_exceed[g * (NY + 1) + NY] = left;
  }
  s->exact = 0;
  s->pooling = BW_POOL_REGION;
  /* regions, data order */
  s->nr = NR;
  s->region = calloc(NR * NY, sizeof(bw_stat));
  s->region_p_exceed = calloc(NR * NY, sizeof(double));
  s->region_p_exceed_se = calloc(NR * NY, sizeof(double));
  s->region_risk = calloc(NR, sizeof(bw_region_row));
  cr_assert(s->region && s->region_p_exceed && s->region_p_exceed_se && s->region_risk);
  for (int r = 0; r < NR; r++) {
    for (int y = 0; y < NY; y++) {
      fill_stat(&s->region[r * NY + y], reg_value, r, y, 0);
      s->region_p_exceed[r * NY + y] = (r * NY + y + 1) / 9.0;
      s->region_p_exceed_se[r * NY + y] = 0.01 * (r * NY + y + 1) + 1.0 / 3e3;
    }
    bw_region_row *rr = &s->region_risk[r];
    rr->p_max_year = 0.55 - 0.3 * r + 1.0 / 7e3;
    rr->p_se = 0.05 + r / 1e3;
    rr->p_lo = rr->p_max_year - 0.11;
    rr->p_hi = rr->p_max_year + 0.12;
    rr->p_max_year_at = 2022 + r;
    rr->flagged = r == 0;
    rr->flag_stable = r == 1;
    rr->members = r == 0 ? 2 : 1;
    rr->members_flagged_none = r == 0 ? 1 : 0;
    rr->members_flagged_region = r == 0 ? 2 : -1;
  }
  /* variance split: K outer draws */
  s->split_k = SPLIT_K;
  s->param_share = calloc(NG, sizeof(double));
  s->param_share_year = calloc(NG * NY, sizeof(double));
  cr_assert(s->param_share && s->param_share_year);
  for (int g = 0; g < NG; g++) s->param_share[g] = 0.1 + g / 7.0;
  for (int i = 0; i < NG * NY; i++) s->param_share_year[i] = i == 1 ? NAN : 0.05 + i / 11.0;
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < NY; y++) fill_stat(&s->national[q * NY + y], nat_value4, q, y, 0);
  /* rank order: GM0003, GM0001, GM0002 */
  const int order[NG] = {2, 0, 1};
  for (int i = 0; i < NG; i++) {
    bw_risk_row *r = &s->risk[i];
    r->g = order[i];
    r->rank = i + 1;
    r->p_max_year = 0.9 - 0.3 * i + 1e-3 / 3;
    r->p_se = sqrt(r->p_max_year * (1 - r->p_max_year) / NREP);
    r->p_max_year_at = 2022;
    r->first_bottleneck_year = i == 0 ? 2022 : 0;
    r->p_any_year = r->p_max_year + 0.01;
    r->cum_mean = 1.25e6 * (3 - i) + 0.1;
    r->cum_q95 = r->cum_mean * 2;
    r->cum_cvar95 = r->cum_mean * 3;
    r->flagged = r->p_max_year >= PSTAR;
    r->p_lo = r->p_max_year - 0.2 - i / 1e4;
    r->p_hi = r->p_max_year + 0.05 + i / 1e4;
    r->flag_stable = r->p_lo > PSTAR || r->p_hi < PSTAR;
    r->flagged_other = i == 1 ? -1 : 1 - r->flagged;
    r->cum_se_mean = r->cum_mean / 17.0;
    r->cum_se_q95 = r->cum_mean / 19.0;
    r->cum_se_cvar95 = r->cum_mean / 23.0;
    r->cum_q95_err = r->cum_mean / 1e3 + 0.5;
    r->cum_cvar95_err = r->cum_mean / 2e3 + 0.25;
  }
  s->risk[2].p_se = NAN; /* printed as "nan" */
  s->n_flagged = 2;
  s->n_unstable = 1;       /* rank 2: [0.4, 0.65] straddles p* */
  s->n_flagged_other = -1; /* one unknown */

  fx->prov.version = "9.9.9-test";
  fx->prov.params_text = "name: unit-test\nrun:\n  replications: 100\n";
  fx->prov.params_name = "unit-test";
  fx->prov.seed = 18446744073709551557ull; /* > 2^63: must survive as uint64 */
  fx->prov.replications = NREP;
  bw_sha256_bytes(fx->prov.params_text, strlen(fx->prov.params_text), fx->prov.params_sha256);
  bw_sha256_bytes("gemeenten", 9, fx->prov.gemeenten_sha256);
  bw_sha256_bytes("regions", 7, fx->prov.regions_sha256);
}

static void fixture_free(fixture *fx) {
  bw_model_free(fx->m);
  for (int v = 0; v < BW_NGV; v++) free(fx->s.gy[v]);
  free(fx->s.p_exceed);
  free(fx->s.p_exceed_se);
  free(fx->s.p_exceed_lo);
  free(fx->s.p_exceed_hi);
  free(fx->s.first_exceed);
  free(fx->s.national);
  free(fx->s.risk);
  free(fx->s.region);
  free(fx->s.region_p_exceed);
  free(fx->s.region_p_exceed_se);
  free(fx->s.region_risk);
  free(fx->s.param_share);
  free(fx->s.param_share_year);
  free(fx->d.g);
  free(fx->d.r);
}

static void write_ok(const fixture *fx, const char *dir, int force) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_write(dir, force, &fx->s, fx->m, &fx->prov, NULL, &ctx), BW_OK, "%s", ctx.msg);
}

/* ---- CSV ---------------------------------------------------------------- */

static double parse_exact(const char *s) {
  char *end;
  double x = strtod(s, &end);
  cr_assert(end != s && *end == '\0', "not a number: '%s'", s);
  return x;
}

/* The digits of each kind (docs/outputs.md "Digits"), spelled out here. */
Test(csv, numbers_have_the_digits_of_their_kind) {
  const struct {
    double x;
    bw_num_kind kind;
    int pd;
    char dec;
    const char *want;
  } cases[] = {
      {0.123456, BW_NUM_PROB, 4, '.', "0.1235"},
      {1.0, BW_NUM_PROB, 4, '.', "1.0000"},
      {-0.00001, BW_NUM_PROB, 4, '.', "0.0000"}, /* never "-0" */
      {0.5, BW_NUM_PROB, 6, ',', "0,500000"},
      {2818028.145, BW_NUM_SE, 4, '.', "2820000"},
      {0.0158113, BW_NUM_SE, 4, '.', "0.0158"},
      {0.0150, BW_NUM_SE, 4, ',', "0,015"},
      {0.09996, BW_NUM_SE, 4, '.', "0.1"},
      {999.6, BW_NUM_SE, 4, '.', "1000"},
      {123.456, BW_NUM_SE, 4, '.', "123"},
      {12345, BW_NUM_SE, 4, '.', "12300"},
      {1.5e-7, BW_NUM_SE, 4, '.', "0.00000015"},
      {0, BW_NUM_SE, 4, '.', "0"},
      {1e300, BW_NUM_SE, 4, '.', NULL}, /* no exponent: 3 digits and zeros */
      {28745904.4375, BW_NUM_EUR, 4, '.', "28745904"},
      {-4746278.3, BW_NUM_EUR, 4, '.', "-4746278"},
      {-0.4, BW_NUM_EUR, 4, '.', "0"},
      {15.3749, BW_NUM_EUR_PER_INH, 4, ',', "15,37"},
      {-0.001, BW_NUM_EUR_PER_INH, 4, '.', "0.00"},
      {22000, BW_NUM_CLIENTS, 4, '.', "22000.00"},
      {1.0 / 3.0, BW_NUM_FULL, 4, '.', "0.33333333333333331"},
      {NAN, BW_NUM_EUR, 4, ',', "nan"},
      {INFINITY, BW_NUM_SE, 4, '.', "inf"},
      {-INFINITY, BW_NUM_PROB, 4, '.', "-inf"},
  };
  char buf[400];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bw_num_text(buf, sizeof buf, cases[i].x, cases[i].kind, cases[i].pd, cases[i].dec);
    if (cases[i].want)
      cr_expect_str_eq(buf, cases[i].want, "case %zu: %.17g gave '%s'", i, cases[i].x, buf);
    else
      cr_expect(!strchr(buf, 'e') && !strncmp(buf, "100000", 6) && strlen(buf) == 301, "1e300 gave '%s'", buf);
  }
  /* probabilities: a step of at most 1/n, at least 4 decimals */
  const long long n[] = {0, 8, 1000, 10000, 10001, 250000, 1000000, 100000000};
  const int d[] = {4, 4, 4, 4, 5, 6, 6, 8};
  for (size_t i = 0; i < sizeof n / sizeof *n; i++)
    cr_expect_eq(bw_prob_decimals(n[i]), d[i], "n = %lld: %d decimals", n[i], bw_prob_decimals(n[i]));
  cr_expect_eq(bw_num_kind_of_unit("EUR"), BW_NUM_EUR);
  cr_expect_eq(bw_num_kind_of_unit("EUR/inhabitant"), BW_NUM_EUR_PER_INH);
  cr_expect_eq(bw_num_kind_of_unit("1"), BW_NUM_PROB);
  cr_expect_eq(bw_num_kind_of_unit("clients/yr"), BW_NUM_CLIENTS);
}

/* A CSV number within the written precision of v: half a step of its kind
 * (pd decimals for a probability). */
static void assert_near(const char *text, double v, bw_num_kind kind, int pd, const char *what) {
  if (isnan(v)) {
    cr_assert_str_eq(text, "nan", "%s", what);
    return;
  }
  double x = parse_exact(text), tol;
  switch (kind) {
  case BW_NUM_PROB: tol = 0.5 * pow(10, -pd); break;
  case BW_NUM_SE: tol = 0.005 * fabs(v); break;
  case BW_NUM_EUR: tol = 0.5; break;
  default: tol = 0.005; break;
  }
  cr_assert_leq(fabs(x - v), tol * (1 + 1e-9) + 1e-12, "%s: '%s' for %.17g (kind %d)", what, text, v, (int)kind);
  char want[64];
  cr_assert_str_eq(text, bw_num_text(want, sizeof want, v, kind, pd, '.'), "%s: the one formatter", what);
}

/* The next line of the text at *p (without its newline) split into f. */
static int next_row(char **p, char **f, int max) {
  int n = tu_csv_next(p, f, max);
  cr_assert_gt(n, 0, "a row is missing");
  return n;
}

/* The expected data_sha256 of the fixture: its table hashes as SHA256SUMS lines. */
static void fixture_data_sha(const fixture *fx, char out[65]) {
  char sums[256];
  snprintf(sums, sizeof sums, "%s  gemeenten.csv\n%s  regions.csv\n", fx->prov.gemeenten_sha256,
           fx->prov.regions_sha256);
  bw_sha256_bytes(sums, strlen(sums), out);
}

Test(output_write, risk_csv_contents) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  char *p = tu_join_malloc(dir, "risk.csv");
  char *text = tu_slurp_malloc(p, NULL);
  const char *header =
      "rank,code,name,region,population,p_max_year,p_se,first_bottleneck_year,p_any_year,"
      "mean_cum_shortfall_eur,q95_cum_shortfall_eur,cvar95_cum_shortfall_eur,flagged,p_lo,p_hi,"
      "flag_stable,p_any_year_se,se_mean_cum_shortfall_eur,se_q95_cum_shortfall_eur,"
      "se_cvar95_cum_shortfall_eur,data_set,data_illustrative,data_sha256\n";
  cr_assert_eq(strncmp(text, header, strlen(header)), 0, "header: %s", text);
  char *line = text + strlen(header);
  const int pd = bw_prob_decimals(NREP);
  char sha[65];
  fixture_data_sha(&fx, sha);
  for (int i = 0; i < NG; i++) {
    char *f[28];
    cr_assert_eq(next_row(&line, f, 28), 23, "row %d", i + 1);
    const bw_risk_row *r = &fx.s.risk[i];
    const bw_gemeente *g = &fx.d.g[r->g];
    cr_assert_eq(atoi(f[0]), i + 1);
    cr_assert_str_eq(f[1], g->code);
    cr_assert_str_eq(f[2], g->name);
    cr_assert_str_eq(f[3], fx.d.r[g->region].code);
    cr_assert_eq(atoll(f[4]), llround(g->population));
    cr_assert_eq(strchr(f[4], '.'), NULL, "population is an integer: %s", f[4]);
    assert_near(f[5], r->p_max_year, BW_NUM_PROB, pd, "p_max_year");
    cr_assert_eq(strlen(strchr(f[5], '.') + 1), (size_t)pd, "p_max_year with %d decimals: %s", pd, f[5]);
    assert_near(f[6], r->p_se, BW_NUM_SE, pd, "p_se");
    if (r->first_bottleneck_year)
      cr_assert_eq(atoi(f[7]), r->first_bottleneck_year);
    else
      cr_assert_str_eq(f[7], "", "no bottleneck: empty field");
    assert_near(f[8], r->p_any_year, BW_NUM_PROB, pd, "p_any_year");
    assert_near(f[9], r->cum_mean, BW_NUM_EUR, pd, "mean_cum_shortfall_eur");
    assert_near(f[10], r->cum_q95, BW_NUM_EUR, pd, "q95_cum_shortfall_eur");
    assert_near(f[11], r->cum_cvar95, BW_NUM_EUR, pd, "cvar95_cum_shortfall_eur");
    cr_assert_str_eq(f[12], r->flagged ? "1" : "0");
    assert_near(f[13], r->p_lo, BW_NUM_PROB, pd, "p_lo");
    assert_near(f[14], r->p_hi, BW_NUM_PROB, pd, "p_hi");
    cr_assert_str_eq(f[15], r->flag_stable ? "1" : "0");
    /* the se of p_any_year, from the proportion and nrep */
    assert_near(f[16], sqrt(r->p_any_year * (1.0 - r->p_any_year) / NREP), BW_NUM_SE, pd, "p_any_year_se");
    assert_near(f[17], r->cum_se_mean, BW_NUM_SE, pd, "se_mean");
    assert_near(f[18], r->cum_se_q95, BW_NUM_SE, pd, "se_q95");
    assert_near(f[19], r->cum_se_cvar95, BW_NUM_SE, pd, "se_cvar95");
    /* the fixture's tables are not the shipped ones */
    cr_assert_str_eq(f[20], "user tables");
    cr_assert_str_eq(f[21], "0");
    cr_assert_str_eq(f[22], sha);
  }
  cr_assert_str_eq(line, "", "exactly one row per gemeente");
  /* the quoting itself, as a spreadsheet expects it */
  char *full = tu_slurp_malloc(p, NULL);
  cr_assert(strstr(full, ",\"Beta; Gamma, Delta\",") != NULL, "%s", full);
  cr_assert(strstr(full, ",\"S\xc3\xba"
                         "dwest \"\"Q\"\"\",") != NULL,
            "%s", full);
  free(full);
  free(text);
  free(p);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

Test(output_write, national_csv_contents) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  char *p = tu_join_malloc(dir, "national.csv");
  char *text = tu_slurp_malloc(p, NULL);
  const char *header =
      "year,quantity,mean,sd,q05,q50,q95,cvar95,se_mean,se_q05,se_q50,se_q95,se_cvar95\n";
  cr_assert_eq(strncmp(text, header, strlen(header)), 0, "header: %s", text);
  char *line = text + strlen(header);
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < NY; y++) {
      char *f[16];
      cr_assert_eq(next_row(&line, f, 16), 13);
      cr_assert_eq(atoi(f[0]), 2021 + y);
      cr_assert_str_eq(f[1], bw_quantity_name(q));
      const bw_stat *st = &fx.s.national[q * NY + y];
      /* euros whole, clients with 2 decimals; standard errors 3 digits */
      bw_num_kind kind = strcmp(bw_quantity_unit(q), "EUR") ? BW_NUM_CLIENTS : BW_NUM_EUR;
      const double v[11] = {st->mean,    st->sd,     st->q05,    st->q50,    st->q95,      st->cvar95,
                            st->se_mean, st->se_q05, st->se_q50, st->se_q95, st->se_cvar95};
      for (int k = 0; k < 11; k++) assert_near(f[2 + k], v[k], k < 6 ? kind : BW_NUM_SE, 4, header);
    }
  cr_assert_str_eq(line, "");
  free(text);
  free(p);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* gemeente_year.csv and region_year.csv: one row per code and year, the
 * documented columns, every value that of the summary within its digits. */
static const char *const CELL_COLUMNS =
    "year,population,shortfall_per_inhabitant_eur_mean,shortfall_per_inhabitant_eur_se_mean,"
    "shortfall_per_inhabitant_eur_q05,shortfall_per_inhabitant_eur_se_q05,shortfall_per_inhabitant_eur_q50,"
    "shortfall_per_inhabitant_eur_se_q50,shortfall_per_inhabitant_eur_q95,shortfall_per_inhabitant_eur_se_q95,"
    "shortfall_eur_mean,shortfall_eur_se_mean,shortfall_eur_q05,shortfall_eur_se_q05,shortfall_eur_q50,"
    "shortfall_eur_se_q50,shortfall_eur_q95,shortfall_eur_se_q95,p_exceed,p_exceed_se\n";

/* mean, se_mean, q05, se_q05, q50, se_q50, q95, se_q95 of st, divided by div */
static void stat8(const bw_stat *st, double div, double out[8]) {
  const double v[8] = {st->mean, st->se_mean, st->q05, st->se_q05, st->q50, st->se_q50, st->q95, st->se_q95};
  for (int i = 0; i < 8; i++) out[i] = v[i] / div;
}

/* The cell columns of a row f (from f[0] = year): the per-inhabitant
 * statistics pi, the euro ones eur, P and its se. */
static void check_cell(char **f, int year, double pop, const double pi[8], const double eur[8], double p,
                       double p_se, const char *what) {
  cr_assert_eq(atoi(f[0]), year, "%s", what);
  cr_assert_eq(atoll(f[1]), llround(pop), "%s: population %s", what, f[1]);
  for (int i = 0; i < 8; i++) {
    assert_near(f[2 + i], pi[i], i % 2 ? BW_NUM_SE : BW_NUM_EUR_PER_INH, 4, what);
    assert_near(f[10 + i], eur[i], i % 2 ? BW_NUM_SE : BW_NUM_EUR, 4, what);
  }
  assert_near(f[18], p, BW_NUM_PROB, 4, what);
  assert_near(f[19], p_se, BW_NUM_SE, 4, what);
}

Test(output_write, gemeente_and_region_year_csv_contents) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  char *p = tu_join_malloc(dir, "gemeente_year.csv");
  char *text = tu_slurp_malloc(p, NULL), *line = text;
  char *f[32];
  double pi[8], eur[8];
  char *head = tu_format("code,name,region,%s", CELL_COLUMNS);
  cr_assert_eq(strncmp(text, head, strlen(head)), 0, "header: %.400s", text);
  line += strlen(head);
  for (int g = 0; g < NG; g++)
    for (int y = 0; y < NY; y++) {
      cr_assert_eq(next_row(&line, f, 32), 23, "gemeente %d year %d", g, y);
      cr_assert_str_eq(f[0], fx.d.g[g].code);
      cr_assert_str_eq(f[1], fx.d.g[g].name);
      cr_assert_str_eq(f[2], fx.d.r[fx.d.g[g].region].code);
      /* the per-inhabitant statistics are the summary's own (the fixture's
       * are not its euros / population) */
      stat8(&fx.s.gy[BW_GV_SHORTFALL_PER_INH][g * NY + y], 1.0, pi);
      stat8(&fx.s.gy[BW_GV_SHORTFALL][g * NY + y], 1.0, eur);
      check_cell(f + 3, 2021 + y, bw_model_population(fx.m, g, y), pi, eur, fx.s.p_exceed[g * NY + y],
                 fx.s.p_exceed_se[g * NY + y], "gemeente_year.csv");
    }
  cr_assert_str_eq(line, "", "one row per gemeente and year");
  free(text);
  free(p);

  /* regions: the sums over the members, per inhabitant of the region */
  p = tu_join_malloc(dir, "region_year.csv");
  text = tu_slurp_malloc(p, NULL);
  head = tu_format("code,name,%s", CELL_COLUMNS);
  cr_assert_eq(strncmp(text, head, strlen(head)), 0, "header: %.400s", text);
  line = text + strlen(head);
  for (int r = 0; r < NR; r++)
    for (int y = 0; y < NY; y++) {
      cr_assert_eq(next_row(&line, f, 32), 22, "region %d year %d", r, y);
      cr_assert_str_eq(f[0], fx.d.r[r].code);
      cr_assert_str_eq(f[1], fx.d.r[r].name);
      double pop = 0;
      for (int g = 0; g < NG; g++)
        if (fx.d.g[g].region == r) pop += bw_model_population(fx.m, g, y);
      stat8(&fx.s.region[r * NY + y], pop, pi);
      stat8(&fx.s.region[r * NY + y], 1.0, eur);
      check_cell(f + 2, 2021 + y, pop, pi, eur, fx.s.region_p_exceed[r * NY + y], fx.s.region_p_exceed_se[r * NY + y],
                 "region_year.csv");
    }
  cr_assert_str_eq(line, "", "one row per region and year");
  free(text);
  free(p);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* The nl dialect: a UTF-8 byte-order mark, ';' between fields, a decimal
 * comma, a name holding ';' quoted (and one holding only ',' not), and
 * otherwise the same fields as the en dialect. */
/* The fixture's files in both dialects: dir/en and dir/nl (from malloc). */
static void write_both(const fixture *fx, const char *dir, char **en, char **nl) {
  *en = tu_join_malloc(dir, "en"), *nl = tu_join_malloc(dir, "nl");
  write_ok(fx, *en, 0);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_write(*nl, 0, &fx->s, fx->m, &fx->prov, &bw_csv_nl, &ctx), BW_OK, "%s", ctx.msg);
}

Test(output_write, nl_dialect) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output"), *en, *nl;
  write_both(&fx, dir, &en, &nl);
  for (int i = 1; i < NOUT; i++) {
    char *pe = tu_join_malloc(en, outputs[i]), *pn = tu_join_malloc(nl, outputs[i]);
    size_t ne, nn;
    char *te = tu_slurp_malloc(pe, &ne), *tn = tu_slurp_malloc(pn, &nn);
    cr_assert(nn > 3 && !memcmp(tn, "\xEF\xBB\xBF", 3), "%s: no BOM", outputs[i]);
    cr_assert(ne > 3 && memcmp(te, "\xEF\xBB\xBF", 3), "%s (en): a BOM", outputs[i]);
    /* field by field: the same text, with ',' for '.' in numbers */
    char *a = te, *b = tn + 3;
    int rows = 0;
    for (;;) {
      char *fa[32], *fb[32];
      int na = tu_csv_next(&a, fa, 32);
      /* the nl text, with ';' read as the separator: swap the two for the
       * en reader of test_util.h (no field holds both) */
      if (na < 0) {
        cr_assert_eq(*b, '\0', "%s: nl has more rows", outputs[i]);
        break;
      }
      char *end = strchr(b, '\n');
      cr_assert_not_null(end);
      *end = '\0';
      for (char *c = b; *c; c++) *c = *c == ';' ? ',' : *c == ',' ? ';' : *c;
      int nb = tu_csv_split(b, fb, 32);
      cr_assert_eq(na, nb, "%s row %d: %d fields in en, %d in nl", outputs[i], rows, na, nb);
      for (int k = 0; k < na; k++) {
        char want[512];
        snprintf(want, sizeof want, "%s", fa[k]);
        char *endp;
        strtod(fa[k], &endp);
        /* numbers get the decimal comma; text (a name with ',') stays */
        int number = *fa[k] && !*endp;
        for (char *c = want; *c; c++)
          if (number && *c == '.') *c = ',';
        /* fb[k] came through the swap: swap back */
        for (char *c = fb[k]; *c; c++) *c = *c == ';' ? ',' : *c == ',' ? ';' : *c;
        cr_assert_str_eq(fb[k], want, "%s row %d field %d", outputs[i], rows, k);
      }
      b = end + 1;
      rows++;
    }
    free(te), free(tn), free(pe), free(pn);
  }
  char *risk = tu_join_malloc(nl, "risk.csv");
  char *t = tu_slurp_malloc(risk, NULL);
  cr_assert(strstr(t, ";\"Beta; Gamma, Delta\";") != NULL, "a name with ';' is quoted: %s", t);
  cr_assert(strstr(t, ";0,9003;") != NULL, "p_max_year with a decimal comma: %s", t);
  cr_assert(strstr(t, "\n1;GM0003;") != NULL, "';' between fields: %s", t);
  free(t), free(risk), free(en), free(nl);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* ---- read by the analysts' tools (pandas, xarray) ------------------------ */

#define PYTHON "/usr/bin/python3"

/* 1 when python3 imports all of the modules (comma-separated). */
static int python_has(const char *modules) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, PYTHON " -c 'import %s' >/dev/null 2>&1", modules);
  int rc = system(cmd);
  return WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

/* Run python code (argv: the directories), fail with its output. */
static void python_ok(const char *code, const char *a, const char *b) {
  char *script = tu_format("%s/check.py", a);
  tu_write_text(script, code);
  char *log = tu_format("%s/check.log", a);
  char *cmd = tu_format(PYTHON " '%s' '%s' '%s' >'%s' 2>&1", script, a, b ? b : "", log);
  int rc = system(cmd);
  char *out = tu_slurp(log, NULL);
  cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "python failed:\n%s", out);
}

Test(output_write, pandas_reads_both_dialects) {
  if (!python_has("pandas")) cr_skip_test("pandas not installed (Debian: python3-pandas): not checked");
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output"), *en, *nl;
  write_both(&fx, dir, &en, &nl);
  /* results/README.md: pd.read_csv(path) and, for nl, sep=";", decimal=",",
   * encoding="utf-8-sig"; both give the same frames */
  python_ok("import sys, pandas as pd\n"
            "en, nl = sys.argv[1], sys.argv[2]\n"
            "for f in ['risk.csv', 'national.csv', 'gemeente_year.csv', 'region_year.csv']:\n"
            "    a = pd.read_csv(en + '/' + f)\n"
            "    b = pd.read_csv(nl + '/' + f, sep=';', decimal=',', encoding='utf-8-sig')\n"
            "    pd.testing.assert_frame_equal(a, b, check_exact=True)\n"
            "    assert a.columns[0] in ('rank', 'year', 'code'), (f, list(a.columns))\n"
            "r = pd.read_csv(nl + '/risk.csv', sep=';', decimal=',', encoding='utf-8-sig')\n"
            "assert r['name'].tolist() == ['S\\u00fadwest \"Q\"', 'Alpha', 'Beta; Gamma, Delta'], r['name'].tolist()\n"
            "assert r['p_max_year'].dtype == float and abs(r['p_max_year'][0] - 0.9003) < 1e-12\n"
            "assert r['p_se'].isna().tolist() == [False, False, True]\n"
            "g = pd.read_csv(en + '/gemeente_year.csv')\n"
            "assert len(g) == 6 and g['code'].tolist()[:2] == ['GM0001', 'GM0001'], g\n",
            en, nl);
  free(en), free(nl);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

Test(output_write, xarray_opens_the_groups) {
  if (!python_has("xarray, h5netcdf")) cr_skip_test("xarray or h5netcdf not installed (Debian: python3-xarray "
                                                     "python3-h5netcdf): not checked");
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  python_ok("import sys, numpy as np, xarray as xr\n"
            "p = sys.argv[1] + '/results.h5'\n"
            "def op(g):\n"
            "    return xr.open_dataset(p, group=g, engine='h5netcdf')\n"
            "codes = ['GM0001', 'GM0002', 'GM0003']\n"
            "gy = op('gemeente_year/shortfall_eur')\n"
            "assert gy['mean'].dims == ('gemeente', 'year'), gy['mean'].dims\n"
            "assert gy['gemeente'].values.tolist() == codes and isinstance(gy['gemeente'].values[0], str)\n"
            "assert gy['year'].values.tolist() == [2021, 2022]\n"
            "assert gy['mean'].attrs['units'] == 'EUR'\n"
            "assert abs(float(gy['mean'].sel(gemeente='GM0002', year=2022)) - (1e6 + 1e4 + 100 + 1/3)) < 1e-6\n"
            "g = op('gemeente')\n"
            "assert g['name'].values.tolist() == ['Alpha', 'Beta; Gamma, Delta', 'S\\u00fadwest \"Q\"']\n"
            "assert g['first_exceed_count'].dims == ('gemeente', 'first_exceed_year')\n"
            "assert g['first_exceed_year'].values.tolist() == [2021, 2022, 0]\n"
            "m = xr.merge([g[['name']], op('gemeente_year')])\n"
            "assert m['p_exceed'].dims == ('gemeente', 'year') and m['name'].dims == ('gemeente',)\n"
            "r = op('risk')\n"
            "assert r['rank'].values.tolist() == [1, 2, 3] and r['code'].values.tolist() == ['GM0003', 'GM0001', 'GM0002']\n"
            "n = op('national/shortfall_eur')\n"
            "assert n['q95'].dims == ('year',) and n['year'].values.tolist() == [2021, 2022]\n"
            "for grp, dim in [('region', 'region'), ('region_year/shortfall_eur', 'region'),\n"
            "                 ('region_year/shortfall_per_inhabitant_eur', 'region'), ('region_risk', 'region')]:\n"
            "    d = op(grp)\n"
            "    assert d[dim].values.tolist() == ['GM0001', 'GM0003'], (grp, d)\n"
            "v = op('variance_split')\n"
            "assert v['param_share_year'].dims == ('gemeente', 'year')\n"
            "pr = op('provenance')\n"
            "assert pr.attrs['data_name'] == 'user tables' and len(pr.attrs['data_sha256']) == 64\n"
            "assert str(pr['params_yaml'].values).startswith('name: unit-test')\n",
            dir, NULL);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* ---- HDF5 read back ----------------------------------------------------- */

static void read_doubles(hid_t file, const char *path, double *out, int rank, hsize_t d0,
                         hsize_t d1) {
  hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
  cr_assert_geq(ds, 0, "missing dataset %s", path);
  hid_t sp = H5Dget_space(ds);
  hsize_t dims[2] = {0, 0};
  cr_assert_eq(H5Sget_simple_extent_ndims(sp), rank, "%s", path);
  H5Sget_simple_extent_dims(sp, dims, NULL);
  cr_assert_eq(dims[0], d0, "%s", path);
  if (rank == 2) cr_assert_eq(dims[1], d1, "%s", path);
  cr_assert_geq(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), 0);
  H5Sclose(sp);
  H5Dclose(ds);
}

/* Dataset of n fixed-length strings -> out[i] (each < 128 bytes). */
static void read_strings(hid_t file, const char *path, char out[][128], int n) {
  hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
  cr_assert_geq(ds, 0, "missing dataset %s", path);
  hid_t t = H5Dget_type(ds);
  cr_assert_eq(H5Tget_class(t), H5T_STRING);
  cr_assert_eq(H5Tget_cset(t), H5T_CSET_UTF8, "%s is UTF-8", path);
  size_t len = H5Tget_size(t);
  cr_assert_lt(len, 128u);
  char *buf = calloc((size_t)n, len);
  cr_assert_not_null(buf);
  cr_assert_geq(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
  for (int i = 0; i < n; i++) {
    memcpy(out[i], buf + (size_t)i * len, len);
    out[i][len] = '\0';
  }
  free(buf);
  H5Tclose(t);
  H5Dclose(ds);
}

static const char *const stat_names[NSTAT] = {"mean",    "sd",      "q05",     "q50",
                                              "q95",     "cvar95",  "se_mean", "se_sd",
                                              "se_q05",  "se_q50",  "se_q95",  "se_cvar95",
                                              "err_q05", "err_q50", "err_q95", "err_cvar95"};

/* No modification / creation time on the object (H5Pset_obj_track_times 0). */
static void assert_no_times(hid_t file, const char *path) {
  H5O_info_t info;
  cr_assert_geq(H5Oget_info_by_name2(file, path, &info, H5O_INFO_TIME, H5P_DEFAULT), 0, "%s", path);
  cr_assert(info.mtime == 0 && info.ctime == 0 && info.atime == 0 && info.btime == 0,
            "%s carries a time stamp", path);
}

Test(output_write, hdf5_contents) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  char *p = tu_join_malloc(dir, "results.h5");
  hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);

  /* root attributes */
  char s[4096];
  tu_h5_attr_str(f, "/", "title", s, sizeof s);
  cr_assert(strstr(s, "unit-test") != NULL, "%s", s);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "first_year"), 2021);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "last_year"), 2021 + NY - 1);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "start_year"), 2022);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "n_replications"), NREP);
  cr_assert_eq(tu_h5_attr_double(f, "/", "threshold_eur_per_inhabitant"), THETA);
  cr_assert_eq(tu_h5_attr_double(f, "/", "p_star"), PSTAR);

  /* gemeente table and the two dimension scales */
  char str[NG][128];
  read_strings(f, "/gemeente/code", str, NG);
  for (int g = 0; g < NG; g++) cr_assert_str_eq(str[g], fx.d.g[g].code);
  read_strings(f, "/gemeente/name", str, NG);
  for (int g = 0; g < NG; g++) cr_assert_str_eq(str[g], fx.d.g[g].name);
  read_strings(f, "/gemeente/region", str, NG);
  for (int g = 0; g < NG; g++) cr_assert_str_eq(str[g], fx.d.r[fx.d.g[g].region].code);
  double pop[NG];
  read_doubles(f, "/gemeente/population", pop, 1, NG, 0);
  for (int g = 0; g < NG; g++) cr_assert_eq(pop[g], (double)llround(fx.d.g[g].population));

  /* the coordinates: /gemeente/gemeente (the codes) and /year are the
   * dimension scales, hard-linked under the same names into every group
   * whose datasets have those dimensions (what netCDF readers look for) */
  read_strings(f, "/gemeente/gemeente", str, NG);
  for (int g = 0; g < NG; g++) cr_assert_str_eq(str[g], fx.d.g[g].code);
  tu_h5_attr_str(f, "/gemeente/gemeente", "_Encoding", s, sizeof s);
  cr_assert_str_eq(s, "utf-8", "fixed-length strings marked for xarray");
  hid_t gscale = H5Dopen2(f, "/gemeente/gemeente", H5P_DEFAULT);
  hid_t yscale = H5Dopen2(f, "/year", H5P_DEFAULT);
  cr_assert(gscale >= 0 && yscale >= 0);
  cr_assert_gt(H5DSis_scale(gscale), 0);
  cr_assert_gt(H5DSis_scale(yscale), 0);
  char nm[64];
  cr_assert_gt(H5DSget_scale_name(gscale, nm, sizeof nm), 0);
  cr_assert_str_eq(nm, "gemeente");
  cr_assert_gt(H5DSget_scale_name(yscale, nm, sizeof nm), 0);
  cr_assert_str_eq(nm, "year");
  {
    const char *links[] = {"/gemeente_year/gemeente", "/gemeente_year/year", "/gemeente_year/shortfall_eur/gemeente",
                           "/national/shortfall_eur/year", "/variance_split/gemeente"};
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
      H5O_info_t a, b;
      cr_assert_geq(H5Oget_info_by_name2(f, links[i], &a, H5O_INFO_BASIC, H5P_DEFAULT), 0, "%s", links[i]);
      cr_assert_geq(H5Oget_info_by_name2(f, !strcmp(strrchr(links[i], '/'), "/year") ? "/year" : "/gemeente/gemeente", &b,
                                         H5O_INFO_BASIC, H5P_DEFAULT), 0);
      cr_assert(a.addr == b.addr && a.rc >= 2, "%s is a link to the coordinate (addr %llu vs %llu, rc %u)", links[i], (unsigned long long)a.addr, (unsigned long long)b.addr, a.rc);
    }
  }
  double yrs[NY];
  read_doubles(f, "/year", yrs, 1, NY, 0);
  for (int y = 0; y < NY; y++) cr_assert_eq(yrs[y], 2021 + y);

  /* gemeente x year: every statistic, its units, both scales attached */
  double v2[NG * NY];
  char path[256];
  for (int v = 0; v < BW_NGV; v++) {
    snprintf(path, sizeof path, "/gemeente_year/%s", bw_gvar_name(v));
    tu_h5_attr_str(f, path, "description", s, sizeof s);
    cr_assert_str_eq(s, bw_gvar_desc(v));
    for (int k = 0; k < NSTAT; k++) {
      snprintf(path, sizeof path, "/gemeente_year/%s/%s", bw_gvar_name(v), stat_names[k]);
      read_doubles(f, path, v2, 2, NG, NY);
      for (int i = 0; i < NG * NY; i++)
        cr_assert_eq(v2[i], gy_value(v, i / NY, i % NY, k), "%s[%d]", path, i);
      tu_h5_attr_str(f, path, "units", s, sizeof s);
      cr_assert_str_eq(s, bw_gvar_unit(v), "%s", path);
      hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
      cr_assert_gt(H5DSis_attached(ds, gscale, 0), 0, "%s: gemeente scale on dim 0", path);
      cr_assert_gt(H5DSis_attached(ds, yscale, 1), 0, "%s: year scale on dim 1", path);
      H5Dclose(ds);
    }
  }
  read_doubles(f, "/gemeente_year/p_exceed", v2, 2, NG, NY);
  for (int i = 0; i < NG * NY; i++) cr_assert_eq(v2[i], fx.s.p_exceed[i]);
  read_doubles(f, "/gemeente_year/p_exceed_se", v2, 2, NG, NY);
  for (int i = 0; i < NG * NY; i++) cr_assert_eq(v2[i], fx.s.p_exceed_se[i]);
  tu_h5_attr_str(f, "/gemeente_year/p_exceed", "units", s, sizeof s);
  cr_assert_str_eq(s, "1");
  cr_assert_eq(tu_h5_attr_double(f, "/gemeente_year/p_exceed", "threshold_eur_per_inhabitant"), THETA);
  cr_assert_eq(tu_h5_attr_double(f, "/gemeente_year/p_exceed_se", "threshold_eur_per_inhabitant"), THETA);

  /* national */
  double v1[NY];
  for (int q = 0; q < BW_NQ; q++)
    for (int k = 0; k < NSTAT; k++) {
      snprintf(path, sizeof path, "/national/%s/%s", bw_quantity_name(q), stat_names[k]);
      read_doubles(f, path, v1, 1, NY, 0);
      for (int y = 0; y < NY; y++) cr_assert_eq(v1[y], nat_value(q, y, k), "%s", path);
      tu_h5_attr_str(f, path, "units", s, sizeof s);
      cr_assert_str_eq(s, bw_quantity_unit(q), "%s", path);
      hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
      cr_assert_gt(H5DSis_attached(ds, yscale, 0), 0, "%s: year scale", path);
      H5Dclose(ds);
    }

  /* risk, in rank order */
  double rv[NG];
  read_doubles(f, "/risk/rank", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], i + 1);
  read_strings(f, "/risk/code", str, NG);
  for (int i = 0; i < NG; i++) cr_assert_str_eq(str[i], fx.d.g[fx.s.risk[i].g].code);
  read_strings(f, "/risk/name", str, NG);
  for (int i = 0; i < NG; i++) cr_assert_str_eq(str[i], fx.d.g[fx.s.risk[i].g].name);
  read_strings(f, "/risk/region", str, NG);
  for (int i = 0; i < NG; i++) cr_assert_str_eq(str[i], fx.d.r[fx.d.g[fx.s.risk[i].g].region].code);
  read_doubles(f, "/risk/population", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++)
    cr_assert_eq(rv[i], (double)llround(fx.d.g[fx.s.risk[i].g].population));
  read_doubles(f, "/risk/p_max_year", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].p_max_year);
  read_doubles(f, "/risk/p_se", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++)
    cr_assert(rv[i] == fx.s.risk[i].p_se || (isnan(rv[i]) && isnan(fx.s.risk[i].p_se)));
  read_doubles(f, "/risk/first_bottleneck_year", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].first_bottleneck_year);
  read_doubles(f, "/risk/p_any_year", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].p_any_year);
  read_doubles(f, "/risk/mean_cum_shortfall_eur", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].cum_mean);
  read_doubles(f, "/risk/q95_cum_shortfall_eur", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].cum_q95);
  read_doubles(f, "/risk/cvar95_cum_shortfall_eur", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].cum_cvar95);
  read_doubles(f, "/risk/flagged", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].flagged ? 1.0 : 0.0);
  {
    /* /risk is on its own coordinate, the rank */
    hid_t rank = H5Dopen2(f, "/risk/rank", H5P_DEFAULT), ds = H5Dopen2(f, "/risk/p_max_year", H5P_DEFAULT);
    cr_assert_gt(H5DSis_scale(rank), 0);
    cr_assert_gt(H5DSis_attached(ds, rank, 0), 0, "/risk/p_max_year on /risk/rank");
    H5Dclose(ds);
    H5Dclose(rank);
  }

  /* ---- issue 4: root attributes of the statistics and flags */
  tu_h5_attr_str(f, "/", "pooling", s, sizeof s);
  cr_assert_str_eq(s, "region");
  tu_h5_attr_str(f, "/", "statistics", s, sizeof s);
  cr_assert(strncmp(s, "streaming", 9) == 0, "statistics: %s", s);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "n_flagged"), 2);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "n_unstable"), 1);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "n_flagged_other_pooling"), -1);

  /* gemeente table: centroids, centrumgemeente, first exceedance counts */
  double g1[NG];
  read_doubles(f, "/gemeente/lat", g1, 1, NG, 0);
  for (int g = 0; g < NG; g++) cr_assert_eq(g1[g], fx.d.g[g].lat);
  read_doubles(f, "/gemeente/lon", g1, 1, NG, 0);
  for (int g = 0; g < NG; g++) cr_assert_eq(g1[g], fx.d.g[g].lon);
  read_doubles(f, "/gemeente/is_centrumgemeente", g1, 1, NG, 0);
  for (int g = 0; g < NG; g++) cr_assert_eq(g1[g], fx.d.g[g].is_centrumgemeente ? 1.0 : 0.0);
  double fe[NG * (NY + 1)];
  read_doubles(f, "/gemeente/first_exceed_count", fe, 2, NG, NY + 1);
  for (int i = 0; i < NG * (NY + 1); i++) cr_assert_eq(fe[i], (double)fx.s.first_exceed[i], "first_exceed[%d]", i);
  {
    hid_t ds = H5Dopen2(f, "/gemeente/first_exceed_count", H5P_DEFAULT);
    hid_t t = H5Dget_type(ds);
    cr_assert(H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) == 8, "first_exceed_count: int64");
    H5Tclose(t);
    cr_assert_gt(H5DSis_attached(ds, gscale, 0), 0);
    hid_t fy = H5Dopen2(f, "/gemeente/first_exceed_year", H5P_DEFAULT);
    cr_assert_gt(H5DSis_attached(ds, fy, 1), 0, "the columns' coordinate");
    double fyv[NY + 1];
    read_doubles(f, "/gemeente/first_exceed_year", fyv, 1, NY + 1, 0);
    for (int y = 0; y <= NY; y++) cr_assert_eq(fyv[y], y < NY ? 2021 + y : 0);
    H5Dclose(fy);
    H5Dclose(ds);
  }
  read_doubles(f, "/gemeente_year/p_exceed_lo", v2, 2, NG, NY);
  for (int i = 0; i < NG * NY; i++) cr_assert_eq(v2[i], fx.s.p_exceed_lo[i]);
  read_doubles(f, "/gemeente_year/p_exceed_hi", v2, 2, NG, NY);
  for (int i = 0; i < NG * NY; i++) cr_assert_eq(v2[i], fx.s.p_exceed_hi[i]);

  /* risk: interval, stability, other pooling, cumulative se and error */
  read_doubles(f, "/risk/p_lo", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].p_lo);
  read_doubles(f, "/risk/p_hi", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].p_hi);
  read_doubles(f, "/risk/flag_stable", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], fx.s.risk[i].flag_stable ? 1.0 : 0.0);
  read_doubles(f, "/risk/flagged_other_pooling", rv, 1, NG, 0);
  for (int i = 0; i < NG; i++) cr_assert_eq(rv[i], (double)fx.s.risk[i].flagged_other, "row %d", i);
  cr_assert_eq(fx.s.risk[1].flagged_other, -1, "design: one unknown, kept as -1 (signed)");
  const struct {
    const char *path;
    size_t off;
  } rc[] = {{"/risk/se_mean_cum_shortfall_eur", offsetof(bw_risk_row, cum_se_mean)},
            {"/risk/se_q95_cum_shortfall_eur", offsetof(bw_risk_row, cum_se_q95)},
            {"/risk/se_cvar95_cum_shortfall_eur", offsetof(bw_risk_row, cum_se_cvar95)},
            {"/risk/err_q95_cum_shortfall_eur", offsetof(bw_risk_row, cum_q95_err)},
            {"/risk/err_cvar95_cum_shortfall_eur", offsetof(bw_risk_row, cum_cvar95_err)}};
  for (size_t c = 0; c < sizeof rc / sizeof rc[0]; c++) {
    read_doubles(f, rc[c].path, rv, 1, NG, 0);
    for (int i = 0; i < NG; i++) {
      double want;
      memcpy(&want, (const char *)&fx.s.risk[i] + rc[c].off, sizeof want);
      cr_assert_eq(rv[i], want, "%s[%d]", rc[c].path, i);
    }
    tu_h5_attr_str(f, rc[c].path, "units", s, sizeof s);
    cr_assert_str_eq(s, "EUR", "%s", rc[c].path);
  }

  /* regions: table, per region x year statistics, the risk per region */
  char rstr[NR][128];
  read_strings(f, "/region/code", rstr, NR);
  for (int r = 0; r < NR; r++) cr_assert_str_eq(rstr[r], fx.d.r[r].code);
  read_strings(f, "/region/name", rstr, NR);
  for (int r = 0; r < NR; r++) cr_assert_str_eq(rstr[r], fx.d.r[r].name);
  double r1[NR];
  read_doubles(f, "/region/population", r1, 1, NR, 0);
  /* sums over the members: 150000.4 + 40000.6 and 90000 */
  cr_assert(r1[0] == 190001.0 && r1[1] == 90000.0, "region population %g %g", r1[0], r1[1]);
  hid_t rscale = H5Dopen2(f, "/region/region", H5P_DEFAULT);
  cr_assert_geq(rscale, 0);
  cr_assert_gt(H5DSis_scale(rscale), 0);
  double ry[NR * NY];
  for (int k = 0; k < NSTAT; k++) {
    snprintf(path, sizeof path, "/region_year/shortfall_eur/%s", stat_names[k]);
    read_doubles(f, path, ry, 2, NR, NY);
    for (int i = 0; i < NR * NY; i++) cr_assert_eq(ry[i], reg_value(i / NY, i % NY, 0, k), "%s[%d]", path, i);
    tu_h5_attr_str(f, path, "units", s, sizeof s);
    cr_assert_str_eq(s, "EUR");
    hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
    cr_assert_gt(H5DSis_attached(ds, rscale, 0), 0, "%s: region scale on dim 0", path);
    cr_assert_gt(H5DSis_attached(ds, yscale, 1), 0, "%s: year scale on dim 1", path);
    H5Dclose(ds);
  }
  /* per inhabitant of the region: the sums / the members' population */
  double rpop[NR * NY];
  read_doubles(f, "/region_year/population", rpop, 2, NR, NY);
  for (int r = 0; r < NR; r++)
    for (int y = 0; y < NY; y++) {
      double want = 0;
      for (int g = 0; g < NG; g++)
        if (fx.d.g[g].region == r) want += bw_model_population(fx.m, g, y);
      cr_assert_eq(rpop[r * NY + y], want, "region %d year %d population", r, y);
    }
  for (int k = 0; k < NSTAT; k++) {
    snprintf(path, sizeof path, "/region_year/shortfall_per_inhabitant_eur/%s", stat_names[k]);
    read_doubles(f, path, ry, 2, NR, NY);
    for (int i = 0; i < NR * NY; i++)
      cr_assert_eq(ry[i], reg_value(i / NY, i % NY, 0, k) / rpop[i], "%s[%d]", path, i);
  }
  read_doubles(f, "/gemeente_year/population", v2, 2, NG, NY);
  for (int i = 0; i < NG * NY; i++) cr_assert_eq(v2[i], bw_model_population(fx.m, i / NY, i % NY));
  read_doubles(f, "/region_year/p_exceed", ry, 2, NR, NY);
  for (int i = 0; i < NR * NY; i++) cr_assert_eq(ry[i], fx.s.region_p_exceed[i]);
  read_doubles(f, "/region_year/p_exceed_se", ry, 2, NR, NY);
  for (int i = 0; i < NR * NY; i++) cr_assert_eq(ry[i], fx.s.region_p_exceed_se[i]);
  read_strings(f, "/region_risk/code", rstr, NR);
  for (int r = 0; r < NR; r++) cr_assert_str_eq(rstr[r], fx.d.r[r].code, "region order, not ranked");
  read_strings(f, "/region_risk/name", rstr, NR);
  for (int r = 0; r < NR; r++) cr_assert_str_eq(rstr[r], fx.d.r[r].name);
  const struct {
    const char *path;
    size_t off;
    int is_int;
  } rr[] = {{"/region_risk/p_max_year", offsetof(bw_region_row, p_max_year), 0},
            {"/region_risk/p_se", offsetof(bw_region_row, p_se), 0},
            {"/region_risk/p_lo", offsetof(bw_region_row, p_lo), 0},
            {"/region_risk/p_hi", offsetof(bw_region_row, p_hi), 0},
            {"/region_risk/p_max_year_at", offsetof(bw_region_row, p_max_year_at), 1},
            {"/region_risk/flagged", offsetof(bw_region_row, flagged), 1},
            {"/region_risk/flag_stable", offsetof(bw_region_row, flag_stable), 1},
            {"/region_risk/members", offsetof(bw_region_row, members), 1},
            {"/region_risk/members_flagged", offsetof(bw_region_row, members_flagged_none), 1},
            {"/region_risk/members_flagged_pooled", offsetof(bw_region_row, members_flagged_region), 1}};
  for (size_t c = 0; c < sizeof rr / sizeof rr[0]; c++) {
    read_doubles(f, rr[c].path, r1, 1, NR, 0);
    for (int r = 0; r < NR; r++) {
      const char *row = (const char *)&fx.s.region_risk[r] + rr[c].off;
      double want;
      if (rr[c].is_int) {
        int iv;
        memcpy(&iv, row, sizeof iv);
        want = iv;
      } else {
        memcpy(&want, row, sizeof want);
      }
      cr_assert_eq(r1[r], want, "%s[%d]", rr[c].path, r);
    }
  }
  H5Dclose(rscale);

  /* the variance split: K outer draws, J = nrep / K inner replications */
  cr_assert_eq(tu_h5_attr_ll(f, "/variance_split", "K"), SPLIT_K);
  cr_assert_eq(tu_h5_attr_double(f, "/variance_split", "J"), (double)NREP / SPLIT_K);
  read_doubles(f, "/variance_split/param_share", g1, 1, NG, 0);
  for (int g = 0; g < NG; g++) cr_assert_eq(g1[g], fx.s.param_share[g]);
  read_doubles(f, "/variance_split/param_share_year", v2, 2, NG, NY);
  for (int i = 0; i < NG * NY; i++)
    cr_assert(v2[i] == fx.s.param_share_year[i] || (isnan(v2[i]) && isnan(fx.s.param_share_year[i])),
              "param_share_year[%d]", i);

  /* provenance */
  tu_h5_attr_str(f, "/provenance", "bwsim_version", s, sizeof s);
  cr_assert_str_eq(s, fx.prov.version);
  tu_h5_attr_str(f, "/provenance", "params_name", s, sizeof s);
  cr_assert_str_eq(s, fx.prov.params_name);
  tu_h5_attr_str(f, "/provenance", "params_sha256", s, sizeof s);
  cr_assert_str_eq(s, fx.prov.params_sha256);
  tu_h5_attr_str(f, "/provenance", "gemeenten_sha256", s, sizeof s);
  cr_assert_str_eq(s, fx.prov.gemeenten_sha256);
  tu_h5_attr_str(f, "/provenance", "regions_sha256", s, sizeof s);
  cr_assert_str_eq(s, fx.prov.regions_sha256);
  cr_assert_eq(tu_h5_attr_ll(f, "/provenance", "replications"), NREP);
  char sha[65];
  fixture_data_sha(&fx, sha);
  tu_h5_attr_str(f, "/provenance", "data_sha256", s, sizeof s);
  cr_assert_str_eq(s, sha, "the data set's hash, as in risk.csv");
  tu_h5_attr_str(f, "/provenance", "data_name", s, sizeof s);
  cr_assert_str_eq(s, "user tables");
  cr_assert_eq(tu_h5_attr_ll(f, "/provenance", "data_illustrative"), 0);
  {
    hid_t a = H5Aopen_by_name(f, "/provenance", "seed", H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(a, 0);
    hid_t t = H5Aget_type(a);
    cr_assert_eq(H5Tget_class(t), H5T_INTEGER);
    cr_assert_eq(H5Tget_sign(t), H5T_SGN_NONE, "seed is unsigned");
    cr_assert_eq(H5Tget_size(t), 8u);
    unsigned long long seed = 0;
    cr_assert_geq(H5Aread(a, H5T_NATIVE_ULLONG, &seed), 0);
    cr_assert_eq(seed, fx.prov.seed);
    H5Tclose(t);
    H5Aclose(a);
  }
  {
    hid_t ds = H5Dopen2(f, "/provenance/params_yaml", H5P_DEFAULT);
    cr_assert_geq(ds, 0);
    hid_t t = H5Dget_type(ds);
    memset(s, 0, sizeof s);
    cr_assert_lt(H5Tget_size(t), sizeof s);
    cr_assert_geq(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s), 0);
    cr_assert_str_eq(s, fx.prov.params_text);
    H5Tclose(t);
    H5Dclose(ds);
  }

  /* no time stamps anywhere we looked */
  assert_no_times(f, "/");
  assert_no_times(f, "/gemeente");
  assert_no_times(f, "/gemeente/code");
  assert_no_times(f, "/year");
  assert_no_times(f, "/gemeente_year/shortfall_eur/mean");
  assert_no_times(f, "/provenance");
  assert_no_times(f, "/region_year/shortfall_eur/err_q95");
  assert_no_times(f, "/variance_split/param_share");
  assert_no_times(f, "/gemeente/first_exceed_count");

  H5Dclose(gscale);
  H5Dclose(yscale);
  H5Fclose(f);

  /* h5dump, when installed, reads the header of the whole file */
  if (system("command -v h5dump >/dev/null 2>&1") == 0) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "h5dump -H '%s' >/dev/null 2>&1", p);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "h5dump -H failed on %s", p);
  }
  free(p);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* An exact summary without outer draws: the statistics attribute says so,
 * the error bounds are written as they are (0), and there is no
 * /variance_split group. */
Test(output_write, exact_without_split) {
  fixture fx;
  fixture_init(&fx);
  fx.s.exact = 1;
  fx.s.pooling = BW_POOL_NONE;
  fx.s.split_k = 0;
  free(fx.s.param_share);
  free(fx.s.param_share_year);
  fx.s.param_share = fx.s.param_share_year = NULL;
  for (int v = 0; v < BW_NGV; v++)
    for (int i = 0; i < NG * NY; i++)
      fx.s.gy[v][i].err_q05 = fx.s.gy[v][i].err_q50 = fx.s.gy[v][i].err_q95 = fx.s.gy[v][i].err_cvar95 = 0;
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  char *p = tu_join_malloc(dir, "results.h5");
  hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  char s[256];
  tu_h5_attr_str(f, "/", "statistics", s, sizeof s);
  cr_assert(strncmp(s, "exact", 5) == 0, "statistics: %s", s);
  tu_h5_attr_str(f, "/", "pooling", s, sizeof s);
  cr_assert_str_eq(s, "none");
  double v2[NG * NY];
  read_doubles(f, "/gemeente_year/shortfall_eur/err_q95", v2, 2, NG, NY);
  for (int i = 0; i < NG * NY; i++) cr_assert_eq(v2[i], 0.0);
  H5E_auto2_t fn;
  void *data;
  H5Eget_auto2(H5E_DEFAULT, &fn, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  cr_assert_leq(H5Lexists(f, "/variance_split", H5P_DEFAULT), 0, "no split without outer draws");
  H5Eset_auto2(H5E_DEFAULT, fn, data);
  H5Fclose(f);
  free(p);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* ---- reproducibility ---------------------------------------------------- */

static void assert_same_file(const char *a, const char *b) {
  size_t na, nb;
  char *x = tu_slurp_malloc(a, &na), *y = tu_slurp_malloc(b, &nb);
  cr_assert_eq(na, nb, "%s and %s differ in size", a, b);
  cr_assert_eq(memcmp(x, y, na), 0, "%s and %s differ", a, b);
  free(x);
  free(y);
}

/* Two writes more than a second apart (HDF5 time stamps have one-second
 * resolution) and with different malloc garbage (glibc M_PERTURB fills
 * fresh and freed memory): any uninitialised byte or time in a file would
 * show up. */
Test(output_write, identical_input_identical_bytes) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  char *a = tu_join_malloc(dir, "a"), *b = tu_join_malloc(dir, "b");
#ifdef M_PERTURB
  mallopt(M_PERTURB, 0x21);
#endif
  write_ok(&fx, a, 0);
  sleep(1);
#ifdef M_PERTURB
  mallopt(M_PERTURB, 0xc7);
#endif
  write_ok(&fx, b, 0);
#ifdef M_PERTURB
  mallopt(M_PERTURB, 0);
#endif
  for (int i = 0; i <= NOUT; i++) { /* and the manifest: the run id has no time or host */
    const char *name = i < NOUT ? outputs[i] : "run.sha256";
    char *fa = tu_join_malloc(a, name), *fb = tu_join_malloc(b, name);
    assert_same_file(fa, fb);
    free(fa);
    free(fb);
  }
  /* and the directory name is not in the files */
  size_t n;
  char *h5 = tu_join_malloc(a, "results.h5");
  char *bytes = tu_slurp_malloc(h5, &n);
  cr_assert_null(memmem(bytes, n, dir, strlen(dir)), "the output path leaks into results.h5");
  free(bytes);
  free(h5);
  free(a);
  free(b);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* ---- refusal and atomicity ---------------------------------------------- */

static void shas(const char *dir, char out[NOUT][65]) {
  for (int i = 0; i < NOUT; i++) {
    char *p = tu_join_malloc(dir, outputs[i]);
    tu_sha256_file(p, out[i]);
    free(p);
  }
}

Test(output_write, existing_files_refused_without_force_and_replaced_with) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  char before[NOUT][65], after[NOUT][65];
  shas(dir, before);
  fx.s.risk[0].p_max_year = 0.75; /* a different result */
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_write(dir, 0, &fx.s, fx.m, &fx.prov, NULL, &ctx), BW_EEXIST);
  cr_assert(strstr(ctx.msg, "--force") != NULL, "%s", ctx.msg);
  shas(dir, after);
  for (int i = 0; i < NOUT; i++) cr_assert_str_eq(before[i], after[i], "%s changed", outputs[i]);
  cr_assert_eq(tu_count_hidden(dir, NULL), 0);
  write_ok(&fx, dir, 1);
  shas(dir, after);
  cr_assert_str_neq(before[0], after[0], "results.h5 replaced");
  cr_assert_str_neq(before[1], after[1], "risk.csv replaced");
  cr_assert_str_eq(before[2], after[2], "national.csv did not change");
  cr_assert_eq(tu_count_hidden(dir, NULL), 0, "no temp or backup files left");
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* A target that is a directory: even with force nothing is replaced, and no
 * temporary file is left. */
Test(output_write, directory_target_leaves_old_files) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  char *h5 = tu_join_malloc(dir, "results.h5"), *nat = tu_join_malloc(dir, "national.csv");
  char *risk = tu_join_malloc(dir, "risk.csv");
  tu_write_text(h5, "old h5\n");
  tu_write_text(nat, "old national\n");
  cr_assert_eq(mkdir(risk, 0777), 0);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_neq(bw_output_write(dir, 1, &fx.s, fx.m, &fx.prov, NULL, &ctx), BW_OK);
  cr_assert(strstr(ctx.msg, "risk.csv") != NULL, "%s", ctx.msg);
  char *x = tu_slurp_malloc(h5, NULL);
  cr_assert_str_eq(x, "old h5\n");
  free(x);
  x = tu_slurp_malloc(nat, NULL);
  cr_assert_str_eq(x, "old national\n");
  free(x);
  cr_assert_eq(tu_count_hidden(dir, NULL), 0, "temp files left behind");
  free(h5);
  free(nat);
  free(risk);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* The last temp file cannot be created (its name is taken by a directory):
 * the two temps already written are removed and the old files stay. */
Test(output_write, failure_midway_removes_temps) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  char before[NOUT][65], after[NOUT][65];
  shas(dir, before);
  /* sim/fileset.h: the test hook puts a directory at the temporary's name */
  cr_assert_eq(setenv("BWSIM_TEST_BLOCK", "national.csv", 1), 0);
  fx.s.risk[0].p_max_year = 0.75;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_status st = bw_output_write(dir, 1, &fx.s, fx.m, &fx.prov, NULL, &ctx);
  unsetenv("BWSIM_TEST_BLOCK");
  cr_assert_eq(st, BW_EIO);
  cr_assert(strstr(ctx.msg, "national.csv") != NULL, "%s", ctx.msg);
  shas(dir, after);
  for (int i = 0; i < NOUT; i++) cr_assert_str_eq(before[i], after[i], "%s changed", outputs[i]);
  cr_assert_eq(tu_count_hidden(dir, NULL), 0, "temp files left behind");
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* The HDF5 temp cannot be created: an I/O error naming results.h5 and the
 * system's reason (sim/h5util.h: HDF5 builds the file in memory; the disk
 * is written by bwsim). */
Test(output_write, hdf5_temp_blocked_is_eio_with_the_reason) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  cr_assert_eq(setenv("BWSIM_TEST_BLOCK", "results.h5", 1), 0); /* sim/fileset.h */
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_status st = bw_output_write(dir, 0, &fx.s, fx.m, &fx.prov, NULL, &ctx);
  unsetenv("BWSIM_TEST_BLOCK");
  cr_assert_eq(st, BW_EIO);
  cr_assert(strstr(ctx.msg, "results.h5") != NULL, "%s", ctx.msg);
  cr_assert(strstr(ctx.msg, strerror(EISDIR)) != NULL, "the reason: %s", ctx.msg);
  for (int i = 0; i < NOUT; i++) {
    char *p = tu_join_malloc(dir, outputs[i]);
    cr_assert(!tu_exists(p), "%s written despite the failure", outputs[i]);
    free(p);
  }
  cr_assert_eq(tu_count_hidden(dir, NULL), 0);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* ---- the run id and the manifest ------------------------------------------- */

/* run.sha256: the run id in its first line, then every result file with its
 * SHA-256 in sha256sum format; results.h5 carries the same run id;
 * bw_fileset_verify reads the set as complete. */
Test(output_write, manifest_lists_every_file_with_the_run_id) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  write_ok(&fx, dir, 0);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  char vid[65];
  int pending = -1;
  cr_assert_eq(bw_fileset_verify(dir, "run", vid, &pending, &ctx), BW_OK, "%s", ctx.msg);
  cr_assert_eq(pending, 0);
  char *mp = tu_join_malloc(dir, "run.sha256");
  char *text = tu_slurp_malloc(mp, NULL);
  char id[65] = "", *line = text;
  cr_assert_eq(sscanf(line, "# bwsim %*s run_id %64[0-9a-f]", id), 1, "first line: %s", text);
  cr_assert_str_eq(vid, id);
  int n = 0;
  for (line = strchr(line, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
    char sha[65], name[64], want[65];
    cr_assert_eq(sscanf(line + 1, "%64[0-9a-f]  %63s", sha, name), 2, "%s", line + 1);
    cr_assert_lt(n, NOUT);
    cr_assert_str_eq(name, outputs[n], "the files in order");
    char *p = tu_join_malloc(dir, name);
    tu_sha256_file(p, want);
    cr_assert_str_eq(sha, want, "%s", name);
    free(p);
    n++;
  }
  cr_assert_eq(n, NOUT, "every result file listed");
  char *h5 = tu_join_malloc(dir, "results.h5"), attr[80];
  hid_t f = H5Fopen(h5, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  tu_h5_attr_str(f, "/", "run_id", attr, sizeof attr);
  H5Fclose(f);
  cr_assert_str_eq(attr, id, "results.h5 and run.sha256 name the same run");
  /* a file of another run beside them: the reader sees it */
  char *risk = tu_join_malloc(dir, "risk.csv");
  tu_write_text(risk, "rank\n");
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_fileset_verify(dir, "run", vid, &pending, &ctx), BW_EIO);
  cr_assert(strstr(ctx.msg, "risk.csv") != NULL, "%s", ctx.msg);
  /* run.sha256 alone is a result: refused without --force */
  for (int i = 0; i < NOUT; i++) {
    char *p = tu_join_malloc(dir, outputs[i]);
    cr_assert_eq(unlink(p), 0);
    free(p);
  }
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_output_prepare(dir, 0, &ctx), BW_EEXIST);
  cr_assert(strstr(ctx.msg, "run.sha256") != NULL, "%s", ctx.msg);
  cr_assert_eq(tu_count_hidden(dir, NULL), 0, "no lock or temporary left");
  free(risk);
  free(h5);
  free(text);
  free(mp);
  tu_rm_rf(dir);
  free(dir);
  fixture_free(&fx);
}

/* The run id is a function of what makes the numbers: each of them changes
 * it, and nothing else goes in. */
Test(output_write, run_id_of_what_makes_the_numbers) {
  const char *names[2] = {"base", "other"}, *yaml[2] = {"run: {seed: 1}\n", "policy: {pooling: region}\n"};
  char g[65], r[65];
  bw_sha256_bytes("g", 1, g);
  bw_sha256_bytes("r", 1, r);
  const bw_run_identity base = {"compare", "", 7, 100, g, r, 2, names, yaml};
  bw_run_identity v[9];
  for (int i = 0; i < 9; i++) v[i] = base;
  const char *other_names[2] = {"base", "other2"}, *other_yaml[2] = {"run: {seed: 1}\n", "policy: {pooling: none}\n"};
  v[1].command = "sweep";
  v[2].options = "exact";
  v[3].seed = 8;
  v[4].replications = 101;
  v[5].gemeenten_sha256 = r;
  v[6].regions_sha256 = g;
  v[7].names = other_names;
  v[8].params_yaml = other_yaml;
  char id[9][65], again[65];
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  for (int i = 0; i < 9; i++) {
    cr_assert_eq(bw_run_id(&v[i], id[i], &ctx), BW_OK, "%s", ctx.msg);
    cr_assert_eq(strlen(id[i]), 64u);
    for (int j = 0; j < i; j++) cr_assert_str_neq(id[i], id[j], "variants %d and %d", i, j);
  }
  cr_assert_eq(bw_run_id(&base, again, &ctx), BW_OK);
  cr_assert_str_eq(again, id[0], "the same identity, the same id");
  bw_run_identity one = base;
  one.n = 1;
  cr_assert_eq(bw_run_id(&one, again, &ctx), BW_OK);
  cr_assert_str_neq(again, id[0], "the scenarios count");
}

Test(output_write, summary_not_matching_data_rejected) {
  fixture fx;
  fixture_init(&fx);
  char *dir = tu_mkdtemp("output");
  char *sub = tu_join_malloc(dir, "out");
  fx.s.ng = NG - 1;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_neq(bw_output_write(sub, 0, &fx.s, fx.m, &fx.prov, NULL, &ctx), BW_OK);
  cr_assert_neq(ctx.msg[0], '\0');
  cr_assert(!tu_exists(sub), "nothing written");
  fx.s.ng = NG;
  tu_rm_rf(dir);
  free(sub);
  free(dir);
  fixture_free(&fx);
}

/* A summary without one of the arrays issue 4 added (or with regions that
 * are not the data's) is refused before anything is written, as one without
 * p_exceed is (a missing region array would otherwise be dereferenced, and a
 * missing interval array fail inside HDF5). */
Test(output_write, summary_lacking_issue4_arrays_rejected) {
  for (int k = 0; k < 6; k++) {
    fixture fx;
    fixture_init(&fx);
    double *saved_d = NULL;
    void *saved = NULL;
    int saved_nr = fx.s.nr;
    switch (k) {
    case 0: saved_d = fx.s.p_exceed_lo, fx.s.p_exceed_lo = NULL; break;
    case 1: saved_d = fx.s.p_exceed_hi, fx.s.p_exceed_hi = NULL; break;
    case 2: saved = fx.s.first_exceed, fx.s.first_exceed = NULL; break;
    case 3: saved = fx.s.region, fx.s.region = NULL; break;
    case 4: saved_d = fx.s.param_share_year, fx.s.param_share_year = NULL; break;
    default: fx.s.nr = NR + 1; break; /* more regions than the data */
    }
    char *dir = tu_mkdtemp("output");
    char *sub = tu_join_malloc(dir, "out");
    bw_ctx ctx;
    bw_ctx_init(&ctx);
    cr_assert_eq(bw_output_write(sub, 0, &fx.s, fx.m, &fx.prov, NULL, &ctx), BW_EMODEL, "case %d", k);
    cr_assert_neq(ctx.msg[0], '\0');
    cr_assert(!tu_exists(sub), "case %d: nothing written", k);
    switch (k) {
    case 0: fx.s.p_exceed_lo = saved_d; break;
    case 1: fx.s.p_exceed_hi = saved_d; break;
    case 2: fx.s.first_exceed = saved; break;
    case 3: fx.s.region = saved; break;
    case 4: fx.s.param_share_year = saved_d; break;
    default: fx.s.nr = saved_nr; break;
    }
    tu_rm_rf(dir);
    free(sub);
    free(dir);
    fixture_free(&fx);
  }
}

/* ---- the terminal table ------------------------------------------------- */

/* Display column (code points) at which needle starts in line, or -1. */
static int display_col(const char *line, const char *needle) {
  const char *at = strstr(line, needle);
  if (!at) return -1;
  int n = 0;
  for (const char *p = line; p < at; p++)
    if (((unsigned char)*p & 0xC0) != 0x80) n++;
  return n;
}

Test(output_print, table_aligned_and_counted) {
  fixture fx;
  fixture_init(&fx);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_not_null(f);
  bw_output_print_risk(f, &fx.s, fx.m, 2);
  fclose(f);
  /* header, two rows, the count line, and the legend of "?" when a flag is unstable */
  char *lines[8];
  int n = 0;
  for (char *p = strtok(buf, "\n"); p && n < 8; p = strtok(NULL, "\n")) lines[n++] = p;
  int legend = fx.s.n_unstable > 0;
  cr_assert_eq(n, 4 + legend, "header + 2 rows + summary line (+ legend), got %d", n);
  if (legend) cr_assert(strstr(lines[4], "not yet stable") != NULL, "%s", lines[4]);
  /* the flag column: "*" flagged, "?" unstable */
  for (int i = 0; i < 2; i++) {
    const bw_risk_row *r = &fx.s.risk[i];
    const char *want = r->flagged ? (r->flag_stable ? "*" : "*?") : (r->flag_stable ? "" : "?");
    size_t lw = strlen(want), ll = strlen(lines[1 + i]);
    while (ll > 0 && lines[1 + i][ll - 1] == ' ') ll--;
    if (lw) cr_assert(ll >= lw && !strncmp(lines[1 + i] + ll - lw, want, lw), "row %d ends '%s': %s", i + 1,
                      want, lines[1 + i]);
  }
  /* rank order: row 1 is GM0003 (a UTF-8 name), row 2 GM0001 */
  cr_assert(strstr(lines[1], "GM0003") != NULL, "%s", lines[1]);
  cr_assert(strstr(lines[2], "GM0001") != NULL, "%s", lines[2]);
  cr_assert_null(strstr(buf, "GM0002"), "only the top 2 rows");
  /* the columns after the name line up although one name has a 2-byte letter */
  int c1 = display_col(lines[1], "Regio S"), c2 = display_col(lines[2], "Regio Alpha");
  cr_assert(c1 > 0 && c1 == c2, "region column: %d vs %d\n%s\n%s", c1, c2, lines[1], lines[2]);
  c1 = display_col(lines[1], "0.900"), c2 = display_col(lines[2], "0.600");
  cr_assert(c1 > 0 && c1 == c2, "probability column: %d vs %d", c1, c2);
  cr_assert(strstr(lines[1], "2022") != NULL, "first bottleneck year shown");
  cr_assert(strstr(lines[1], "3.8") != NULL, "cumulative mean in EUR mln (3.75e6 + 0.1)");
  cr_assert(strstr(lines[3], "2 of 3 gemeenten flagged") != NULL, "%s", lines[3]);
  if (fx.s.n_flagged_other >= 0) {
    char other[64];
    snprintf(other, sizeof other, "; %d with ", fx.s.n_flagged_other);
    cr_assert(strstr(lines[3], other) != NULL, "the other pooling's count: %s", lines[3]);
  }
  cr_assert(strstr(lines[3], "15") != NULL && strstr(lines[3], "0.5") != NULL, "%s", lines[3]);
  free(buf);
  fixture_free(&fx);
}
