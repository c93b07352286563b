/* sim/data_csv: the shipped tables load with the documented totals; CSV
 * forms (quotes, CRLF, BOM, column order) are read; every bad table is
 * rejected with "FILE:LINE: FIELD: ..." and nothing is left in the output. */
#define _GNU_SOURCE /* nftw, mkdtemp, execvpe (test_util.h) */

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_csv.h"
#include "test_util.h"

#define DATA_DIR BW_TEST_DIR "/../params/data"

/* ---- the shipped tables ------------------------------------------------------- */

Test(data, shipped_tables) {
  bw_data d;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_status st = bw_data_load(DATA_DIR "/gemeenten.csv", DATA_DIR "/regions.csv", &d, &ctx);
  cr_assert_eq(st, BW_OK, "%s", ctx.msg);
  cr_expect_eq(d.ng, 352);
  cr_expect_eq(d.nr, 43);

  double pop = 0;
  int members = 0, centrum = 0;
  for (int i = 0; i < d.ng; i++) {
    pop += d.g[i].population;
    cr_assert(d.g[i].region >= 0 && d.g[i].region < d.nr);
    centrum += d.g[i].is_centrumgemeente;
  }
  cr_expect_eq(pop, 17475415.0, "population sum %.0f", pop); /* data/SOURCES.md */
  cr_expect_eq(centrum, 43);

  double bw = 0, mo = 0;
  for (int r = 0; r < d.nr; r++) {
    const bw_region *R = &d.r[r];
    cr_expect(R->n_members >= 1, "region %s has no members", R->code);
    members += R->n_members;
    int n = 0;
    for (int i = 0; i < d.ng; i++) n += d.g[i].region == r;
    cr_expect_eq(R->n_members, n, "region %s: n_members %d, counted %d", R->code, R->n_members, n);
    cr_assert(R->centrum >= 0 && R->centrum < d.ng);
    const bw_gemeente *c = &d.g[R->centrum];
    cr_expect_str_eq(c->code, R->code);
    cr_expect(c->is_centrumgemeente);
    cr_expect_eq(c->region, r);
    bw += R->hist_budget_bw_eur;
    mo += R->hist_budget_mo_eur;
  }
  cr_expect_eq(members, d.ng);
  /* docs/model.md §2/§10.6: €1.55 bn BW and €385 mln MO, each region rounded to the euro */
  cr_expect(fabs(bw - 1.55e9) <= 0.5 * d.nr, "BW total %.0f", bw);
  cr_expect(fabs(mo - 385e6) <= 0.5 * d.nr, "MO total %.0f", mo);

  /* a quoted name with a comma, and non-ASCII UTF-8 */
  int nuenen = 0, fryslan = 0;
  for (int i = 0; i < d.ng; i++) {
    nuenen += strcmp(d.g[i].name, "Nuenen, Gerwen en Nederwetten") == 0;
    fryslan += strcmp(d.g[i].province, "Frysl\xc3\xa2n") == 0;
  }
  cr_expect_eq(nuenen, 1);
  cr_expect(fryslan > 0);
  bw_data_free(&d);
  cr_expect_null(d.g);
  bw_data_free(NULL);
}

/* ---- a small synthetic pair of tables ---------------------------------------------- */

#define G_HEAD \
  "code,name,province,region,is_centrumgemeente,population,households,pct_single_person_hh," \
  "pct_nonwestern,pct_age_15_24,urbanity,lat,lon\n"
/* line 2..5 */
#define G2 "GM0001,Alpha,Frysl\xc3\xa2n,GM0001,1,1000,500,40,10,12,1,53.0,6.0\n"
#define G3 "GM0002,Beta,Frysl\xc3\xa2n,GM0001,0,2000,900,30,5,11,4,53.1,6.1\n"
#define G4 "GM0003,\"Gamma, Delta\",Utrecht,GM0003,1,3000,1400,35,20,14,2,52.0,5.1\n"
#define G5 "GM0004,\"Eps \"\"E\"\"\",Utrecht,GM0003,0,500,200,30,3,10,5,52.1,5.2\n"
#define R_HEAD "code,name,province,hist_budget_bw_2021_eur,hist_budget_mo_2021_eur\n"
#define R2 "GM0001,Alpha,Frysl\xc3\xa2n,1000000,200000\n"
#define R3 "GM0003,Gamma,Utrecht,3000000,600000\n"
#define GOOD_G G_HEAD G2 G3 G4 G5
#define GOOD_R R_HEAD R2 R3

typedef struct {
  char dir[64], g[128], r[128];
  bw_data d;
  bw_ctx ctx;
  bw_status st;
} loaded;

/* Writes the two tables into a fresh temporary directory, loads them and
 * removes the directory again (before any assertion can end the test). */
static void load(loaded *L, const char *g, const char *r) {
  strcpy(L->dir, "/tmp/bw_data_XXXXXX");
  cr_assert_not_null(mkdtemp(L->dir));
  snprintf(L->g, sizeof L->g, "%s/gemeenten.csv", L->dir);
  snprintf(L->r, sizeof L->r, "%s/regions.csv", L->dir);
  tu_write_text(L->g, g);
  tu_write_text(L->r, r);
  memset(&L->d, 0x5a, sizeof L->d);
  bw_ctx_init(&L->ctx);
  L->st = bw_data_load(L->g, L->r, &L->d, &L->ctx);
  unlink(L->g);
  unlink(L->r);
  rmdir(L->dir);
}

/* The load fails with st; the message starts with "<dir>/FILE:LINE: " and
 * contains `what` (which names the field); d is left empty. */
static void expect_fail(const char *g, const char *r, bw_status st, const char *file, int line, const char *what) {
  loaded L;
  load(&L, g, r);
  cr_assert_eq(L.st, st, "status %d (want %d): %s", L.st, st, L.ctx.msg);
  cr_assert_eq(L.ctx.status, st);
  char prefix[256];
  snprintf(prefix, sizeof prefix, "%s/%s:%d: ", L.dir, file, line);
  cr_assert(strncmp(L.ctx.msg, prefix, strlen(prefix)) == 0, "message '%s' does not start with '%s'",
            L.ctx.msg, prefix);
  cr_assert(strstr(L.ctx.msg, what) != NULL, "message '%s' lacks '%s'", L.ctx.msg, what);
  cr_assert(L.d.ng == 0 && L.d.nr == 0 && L.d.g == NULL && L.d.r == NULL, "partial data left after failure");
}

/* GOOD_G with line n (2..5) replaced by `row` (a complete line with \n). */
static char *g_with(int n, const char *row) {
  const char *rows[] = {G_HEAD, G2, G3, G4, G5};
  static char buf[4096];
  buf[0] = '\0';
  for (int i = 0; i < 5; i++) strcat(buf, i + 1 == n ? row : rows[i]);
  return buf;
}

static void expect_good(const loaded *L) {
  cr_assert_eq(L->st, BW_OK, "%s", L->ctx.msg);
  const bw_data *d = &L->d;
  cr_assert_eq(d->ng, 4);
  cr_assert_eq(d->nr, 2);
  cr_expect_str_eq(d->g[2].name, "Gamma, Delta");
  cr_expect_str_eq(d->g[3].name, "Eps \"E\"");
  cr_expect_str_eq(d->g[0].province, "Frysl\xc3\xa2n");
  cr_expect_eq(d->g[0].region, 0);
  cr_expect_eq(d->g[1].region, 0);
  cr_expect_eq(d->g[2].region, 1);
  cr_expect_eq(d->g[3].region, 1);
  cr_expect_eq(d->r[0].centrum, 0);
  cr_expect_eq(d->r[1].centrum, 2);
  cr_expect_eq(d->r[0].n_members, 2);
  cr_expect_eq(d->r[1].n_members, 2);
  cr_expect_eq(d->g[1].population, 2000);
  cr_expect_eq(d->g[1].households, 900);
  cr_expect_eq(d->g[1].pct_single_hh, 30);
  cr_expect_eq(d->g[1].pct_nonwestern, 5);
  cr_expect_eq(d->g[1].pct_age_15_24, 11);
  cr_expect_eq(d->g[1].urbanity, 4);
  cr_expect_eq(d->g[1].lat, 53.1);
  cr_expect_eq(d->g[1].lon, 6.1);
  cr_expect_eq(d->g[2].is_centrumgemeente, 1);
  cr_expect_eq(d->g[3].is_centrumgemeente, 0);
  cr_expect_eq(d->r[1].hist_budget_bw_eur, 3e6);
  cr_expect_eq(d->r[1].hist_budget_mo_eur, 6e5);
  cr_expect_str_eq(d->r[1].name, "Gamma");
}

Test(data, synthetic_tables) {
  loaded L;
  load(&L, GOOD_G, GOOD_R);
  expect_good(&L);
  bw_data_free(&L.d);
}

/* CRLF, a byte-order mark, blank lines and no final newline are all fine. */
static char *crlf(const char *s) {
  char *o = malloc(2 * strlen(s) + 1), *q = o;
  cr_assert_not_null(o);
  for (; *s; s++) {
    if (*s == '\n') *q++ = '\r';
    *q++ = *s;
  }
  *q = '\0';
  return o;
}

Test(data, crlf_bom_blank_lines) {
  char *g = crlf(GOOD_G), *r = crlf(GOOD_R);
  loaded L;
  load(&L, g, r);
  expect_good(&L);
  bw_data_free(&L.d);
  free(g);
  free(r);

  load(&L, "\xEF\xBB\xBF" GOOD_G "\n\n", R_HEAD "\n" R2 R3 "\n");
  expect_good(&L);
  bw_data_free(&L.d);

  char r_nonl[] = GOOD_R;
  r_nonl[strlen(r_nonl) - 1] = '\0';
  load(&L, GOOD_G, r_nonl);
  expect_good(&L);
  bw_data_free(&L.d);
}

Test(data, columns_by_name_extra_ignored) {
  const char *g =
      "lon,lat,urbanity,pct_age_15_24,pct_nonwestern,pct_single_person_hh,households,population,"
      "is_centrumgemeente,region,province,name,extra,code\n"
      "6.0,53.0,1,12,10,40,500,1000,1,GM0001,Frysl\xc3\xa2n,Alpha,x,GM0001\n"
      "6.1,53.1,4,11,5,30,900,2000,0,GM0001,Frysl\xc3\xa2n,Beta,,GM0002\n"
      "5.1,52.0,2,14,20,35,1400,3000,1,GM0003,Utrecht,\"Gamma, Delta\",\"y,\nz\",GM0003\n"
      "5.2,52.1,5,10,3,30,200,500,0,GM0003,Utrecht,\"Eps \"\"E\"\"\",,GM0004\n";
  const char *r = "n_gemeenten,code, name ,province,hist_budget_bw_2021_eur,hist_budget_mo_2021_eur\n"
                  "2,GM0001, Alpha ,Frysl\xc3\xa2n,1000000,200000\n"
                  "2,GM0003,Gamma,Utrecht,3e6,6.0e5\n";
  loaded L;
  load(&L, g, r);
  expect_good(&L);
  bw_data_free(&L.d);
}

/* ---- rejections ----------------------------------------------------------------------- */

Test(data, missing_files_are_eio) {
  bw_data d;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_data_load("/nonexistent_bw/gemeenten.csv", DATA_DIR "/regions.csv", &d, &ctx), BW_EIO);
  cr_expect(strstr(ctx.msg, "/nonexistent_bw/gemeenten.csv") != NULL, "%s", ctx.msg);
  cr_expect(d.g == NULL && d.ng == 0);
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_data_load(DATA_DIR "/gemeenten.csv", "/nonexistent_bw/regions.csv", &d, &ctx), BW_EIO);
  cr_expect(strstr(ctx.msg, "/nonexistent_bw/regions.csv") != NULL, "%s", ctx.msg);
  cr_expect(d.g == NULL && d.ng == 0 && d.r == NULL);
}

Test(data, file_structure) {
  expect_fail("", GOOD_R, BW_EDATA, "gemeenten.csv", 1, "empty file");
  expect_fail(GOOD_G, "\n\n", BW_EDATA, "regions.csv", 1, "empty file");
  expect_fail(G_HEAD, GOOD_R, BW_EDATA, "gemeenten.csv", 2, "no data rows");
  expect_fail(GOOD_G, R_HEAD, BW_EDATA, "regions.csv", 2, "no data rows");
  expect_fail("code,name,province,region,is_centrumgemeente,population,households,pct_single_person_hh,"
              "pct_nonwestern,pct_age_15_24,urbanity,lon\n",
              GOOD_R, BW_EDATA, "gemeenten.csv", 1, "lat: missing required column");
  expect_fail(GOOD_G, "code,name,province,hist_budget_bw_2021_eur\n", BW_EDATA, "regions.csv", 1,
              "hist_budget_mo_2021_eur: missing required column");
  expect_fail(GOOD_G, "code,name,province,hist_budget_bw_2021_eur,hist_budget_mo_2021_eur,code\n" R2 R3,
              BW_EDATA, "regions.csv", 1, "code: duplicate column");
  expect_fail(g_with(5, "GM0004,Eps,Utrecht,GM0003,0,500,200,30,3,10,5,52.1\n"), GOOD_R, BW_EDATA,
              "gemeenten.csv", 5, "expected 13 fields, got 12");
  expect_fail(GOOD_G, R_HEAD R2 "GM0003,Gamma,Utrecht,3000000,600000,7\n", BW_EDATA, "regions.csv", 3,
              "expected 5 fields, got 6");
  expect_fail(g_with(4, "GM0003,\"Gamma, Delta,Utrecht,GM0003,1,3000,1400,35,20,14,2,52.0,5.1\n"), GOOD_R,
              BW_EDATA, "gemeenten.csv", 4, "name: unexpected character after the closing quote on line 5");
  expect_fail(g_with(5, "GM0004,\"Eps,Utrecht,GM0003,0,500,200,30,3,10,5,52.1,5.2\n"), GOOD_R, BW_EDATA,
              "gemeenten.csv", 5, "name: quoted field opened on line 5 is not closed");
  expect_fail(g_with(3, "GM0002,Be\"ta,Frysl\xc3\xa2n,GM0001,0,2000,900,30,5,11,4,53.1,6.1\n"), GOOD_R,
              BW_EDATA, "gemeenten.csv", 3, "name: double quote inside an unquoted field");
  expect_fail(g_with(3, "GM0002,\"Beta\"x,Frysl\xc3\xa2n,GM0001,0,2000,900,30,5,11,4,53.1,6.1\n"), GOOD_R,
              BW_EDATA, "gemeenten.csv", 3, "name: unexpected character after the closing quote");
}

Test(data, bad_gemeente_fields) {
  const char *G = "gemeenten.csv";
#define ROW3(fields) "GM0002,Beta,Frysl\xc3\xa2n,GM0001," fields "\n"
  expect_fail(g_with(3, ROW3("0,-5,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "population: must be in 1..100000000 (got -5)");
  expect_fail(g_with(3, ROW3("0,0,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3, "population: must be in 1..100000000 (got 0)");
  expect_fail(g_with(3, ROW3("0,2000x,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "population: must be a number (got 2000x)");
  expect_fail(g_with(3, ROW3("0,,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "population: must be a number (got an empty field)");
  expect_fail(g_with(3, ROW3("0,nan,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3, "population: must be a number");
  expect_fail(g_with(3, ROW3("0,2000,2001,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3, "households: must be <=");
  expect_fail(g_with(3, ROW3("0,2000,-1,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3, "households: must be in 1..100000000 (got -1)");
  expect_fail(g_with(3, ROW3("0,2000,900,101,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "pct_single_person_hh: must be in 0..100 (got 101)");
  expect_fail(g_with(3, ROW3("0,2000,900,30,-1,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3, "pct_nonwestern: must be in 0..100");
  expect_fail(g_with(3, ROW3("0,2000,900,30,5,11 %,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3, "pct_age_15_24: must be a number");
  expect_fail(g_with(3, ROW3("0,2000,900,30,5,11,0,53.1,6.1")), GOOD_R, BW_EDATA, G, 3, "urbanity: must be in 1..5 (got 0)");
  expect_fail(g_with(3, ROW3("0,2000,900,30,5,11,6,53.1,6.1")), GOOD_R, BW_EDATA, G, 3, "urbanity: must be in 1..5 (got 6)");
  expect_fail(g_with(3, ROW3("0,2000,900,30,5,11,4,91,6.1")), GOOD_R, BW_EDATA, G, 3, "lat: must be in -90..90");
  expect_fail(g_with(3, ROW3("0,2000,900,30,5,11,4,53.1,6,1")), GOOD_R, BW_EDATA, G, 3, "expected 13 fields, got 14");
  expect_fail(g_with(3, ROW3("2,2000,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "is_centrumgemeente: must be 0 or 1 (got 2)");
#undef ROW3
  expect_fail(g_with(3, "GM00000000000002,Beta,F,GM0001,0,2000,900,30,5,11,4,53.1,6.1\n"), GOOD_R, BW_EDATA, G, 3,
              "code: longer than 15 bytes");
  expect_fail(g_with(3, ",Beta,F,GM0001,0,2000,900,30,5,11,4,53.1,6.1\n"), GOOD_R, BW_EDATA, G, 3,
              "code: must not be empty");
  expect_fail(g_with(3, "GM0002,Bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb,F,GM0001,0,2000,900,30,"
                        "5,11,4,53.1,6.1\n"),
              GOOD_R, BW_EDATA, G, 3, "name: longer than 63 bytes");
  expect_fail(g_with(3, "GM0002,B\xe2ta,F,GM0001,0,2000,900,30,5,11,4,53.1,6.1\n"), GOOD_R, BW_EDATA, G, 3,
              "name: not valid UTF-8");
}

Test(data, duplicates_and_cross_table) {
  const char *G = "gemeenten.csv", *R = "regions.csv";
  expect_fail(g_with(5, "GM0002,Eps,Utrecht,GM0003,0,500,200,30,3,10,5,52.1,5.2\n"), GOOD_R, BW_EDATA, G, 5,
              "code: duplicate gemeente code GM0002 (first on line 3)");
  expect_fail(GOOD_G, R_HEAD R2 R3 "GM0001,Again,F,1,1\n", BW_EDATA, R, 4,
              "code: duplicate region code GM0001 (first on line 2)");
  expect_fail(g_with(3, "GM0002,Beta,F,GM9999,0,2000,900,30,5,11,4,53.1,6.1\n"), GOOD_R, BW_EDATA, G, 3,
              "region: unknown region GM9999");
  /* a region whose code is no gemeente */
  expect_fail(GOOD_G, R_HEAD R2 R3 "GM0777,Nowhere,F,1,1\n", BW_EDATA, R, 4, "code: region GM0777 is not a gemeente");
  /* a region on a gemeente not flagged as centrumgemeente */
  expect_fail(GOOD_G, R_HEAD R2 R3 "GM0002,Beta,F,1,1\n", BW_EDATA, R, 4,
              "code: GM0002 (Beta) is not flagged is_centrumgemeente");
  /* a centrumgemeente that is not a member of its own region */
  expect_fail(g_with(4, "GM0003,\"Gamma, Delta\",Utrecht,GM0001,1,3000,1400,35,20,14,2,52.0,5.1\n"), GOOD_R,
              BW_EDATA, R, 3, "code: centrumgemeente GM0003 belongs to region GM0001");
  /* a flagged gemeente that is no region */
  expect_fail(g_with(3, "GM0002,Beta,F,GM0001,1,2000,900,30,5,11,4,53.1,6.1\n"), GOOD_R, BW_EDATA, G, 3,
              "is_centrumgemeente: GM0002 (Beta) is flagged but is not a region");
  expect_fail(GOOD_G, R_HEAD R2 "GM0003,Gamma,Utrecht,-3,600000\n", BW_EDATA, R, 3,
              "hist_budget_bw_2021_eur: must be > 0 and <= 1e+11 (got -3)");
  expect_fail(GOOD_G, R_HEAD R2 "GM0003,Gamma,Utrecht,3e6,6e5x\n", BW_EDATA, R, 3,
              "hist_budget_mo_2021_eur: must be a number (got 6e5x)");
  expect_fail(GOOD_G, R_HEAD "GM0001,Alpha,F,1e6,0\nGM0003,Gamma,Utrecht,3e6,6e5\n", BW_EDATA, R, 2,
              "hist_budget_mo_2021_eur: must be > 0 and <= 1e+11 (got 0)");
  expect_fail(GOOD_G, R_HEAD "GM0001,Alpha,F,1e6,2e5\nGM0003,Gamma,Utrecht,0,6e5\n", BW_EDATA, R, 3,
              "hist_budget_bw_2021_eur: must be > 0 and <= 1e+11 (got 0)");
}

/* ---- input limits (docs/limits.md) ----------------------------------------------------- */

/* Every count, share and amount has a plausible range; numbers that would
 * overflow, round to 0 or be subnormal are refused rather than read as inf
 * or 0 (issue "Cluster-grade reliability": a population of 1e300 used to run
 * to exit 0 with garbage, 1e9..1e11 and budgets of 1e20 failed in the run). */
Test(data, plausible_ranges) {
  const char *G = "gemeenten.csv", *R = "regions.csv";
#define ROW3(fields) "GM0002,Beta,Frysl\xc3\xa2n,GM0001," fields "\n"
  expect_fail(g_with(3, ROW3("0,1e300,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "population: must be in 1..100000000 (got 1e300)");
  expect_fail(g_with(3, ROW3("0,1e9,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "population: must be in 1..100000000 (got 1e9)");
  expect_fail(g_with(3, ROW3("0,100000000000,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "population: must be in 1..100000000 (got 100000000000)");
  expect_fail(g_with(3, ROW3("0,1e400,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "population: too large for a double (beyond 1.8e308) (got 1e400)");
  expect_fail(g_with(3, ROW3("0,2000.5,900,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "population: must be a whole number (got 2000.5)");
  expect_fail(g_with(3, ROW3("0,2000,0,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "households: must be in 1..100000000 (got 0)");
  expect_fail(g_with(3, ROW3("0,2000,900.25,30,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "households: must be a whole number (got 900.25)");
  expect_fail(g_with(3, ROW3("0,2000,900,1e-400,5,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "pct_single_person_hh: too small for a double: it would be read as 0");
  expect_fail(g_with(3, ROW3("0,2000,900,30,4.9e-324,11,4,53.1,6.1")), GOOD_R, BW_EDATA, G, 3,
              "pct_nonwestern: a subnormal number");
  expect_fail(g_with(3, ROW3("0,2000,900,30,5,11,4,53.1,-180.5")), GOOD_R, BW_EDATA, G, 3,
              "lon: must be in -180..180 (got -180.5)");
#undef ROW3
  /* budgets: > 0, at most 1e11, and 1..10000 EUR per inhabitant of the region */
  expect_fail(GOOD_G, R_HEAD R2 "GM0003,Gamma,Utrecht,1e20,6e5\n", BW_EDATA, R, 3,
              "hist_budget_bw_2021_eur: must be > 0 and <= 1e+11 (got 1e20)");
  expect_fail(GOOD_G, R_HEAD R2 "GM0003,Gamma,Utrecht,3e6,1e-400\n", BW_EDATA, R, 3,
              "hist_budget_mo_2021_eur: too small for a double");
  expect_fail(GOOD_G, R_HEAD "GM0001,Alpha,F,1,1\nGM0003,Gamma,Utrecht,1,1\n", BW_EDATA, R, 2,
              "hist_budget_bw_2021_eur: 1 EUR for the 3000 inhabitants of region GM0001 in ");
  expect_fail(GOOD_G, R_HEAD "GM0001,Alpha,F,1e6,1\nGM0003,Gamma,Utrecht,3e6,6e5\n", BW_EDATA, R, 2,
              "hist_budget_mo_2021_eur: 1 EUR for the 3000 inhabitants of region GM0001");
  expect_fail(GOOD_G, R_HEAD R2 "GM0003,Gamma,Utrecht,3e10,6e5\n", BW_EDATA, R, 3,
              "is 8.57e+06 EUR per inhabitant; must be 1..10000 EUR per inhabitant");
  /* the bounds themselves are plausible */
  loaded L;
  load(&L, g_with(3, "GM0002,Beta,F,GM0001,0,100000000,1,0,100,0,5,-90,180\n"),
       R_HEAD "GM0001,Alpha,F,1.00001e8,2e8\nGM0003,Gamma,Utrecht,3500,35e6\n");
  cr_assert_eq(L.st, BW_OK, "%s", L.ctx.msg);
  cr_expect_eq(L.d.g[1].population, 1e8);
  bw_data_free(&L.d);
}

/* The columns of regions.csv that the engine does not read are checked
 * when present: empty, or a number in range. */
Test(data, unread_region_columns) {
  const char *R = "regions.csv";
#define RH "code,name,province,n_gemeenten,population,published_redistribution_effect,hist_budget_bw_2021_eur," \
           "hist_budget_mo_2021_eur\n"
#define RR3 "GM0003,Gamma,Utrecht,2,3500,-0.1,3000000,600000\n"
  loaded L;
  load(&L, GOOD_G, RH "GM0001,Alpha,F,2,3000,,1000000,200000\n" RR3);
  expect_good(&L);
  bw_data_free(&L.d);
  load(&L, GOOD_G, RH "GM0001,Alpha,F,,,,1000000,200000\n" RR3);
  expect_good(&L);
  bw_data_free(&L.d);
  expect_fail(GOOD_G, RH "GM0001,Alpha,F,two,3000,,1000000,200000\n" RR3, BW_EDATA, R, 2,
              "n_gemeenten: must be a number (got two)");
  expect_fail(GOOD_G, RH "GM0001,Alpha,F,2.5,3000,,1000000,200000\n" RR3, BW_EDATA, R, 2,
              "n_gemeenten: must be a whole number (got 2.5)");
  expect_fail(GOOD_G, RH "GM0001,Alpha,F,0,3000,,1000000,200000\n" RR3, BW_EDATA, R, 2,
              "n_gemeenten: must be in 1..1000000 (got 0)");
  expect_fail(GOOD_G, RH "GM0001,Alpha,F,2,-3000,,1000000,200000\n" RR3, BW_EDATA, R, 2,
              "population: must be in 1..1000000000 (got -3000)");
  expect_fail(GOOD_G, RH "GM0001,Alpha,F,2,1e300,,1000000,200000\n" RR3, BW_EDATA, R, 2,
              "population: must be in 1..1000000000 (got 1e300)");
  expect_fail(GOOD_G, RH "GM0001,Alpha,F,2,3000,-18.8,1000000,200000\n" RR3, BW_EDATA, R, 2,
              "published_redistribution_effect: must be in -1..1 (got -18.8)");
  expect_fail(GOOD_G, RH "GM0001,Alpha,F,2,3000,-18.8%,1000000,200000\n" RR3, BW_EDATA, R, 2,
              "published_redistribution_effect: must be a number (got -18.8%)");
  expect_fail(GOOD_G, RH "GM0001,Alpha,F,2,3000,1e-400,1000000,200000\n" RR3, BW_EDATA, R, 2,
              "published_redistribution_effect: too small for a double");
  expect_fail(GOOD_G,
              "code,name,province,n_gemeenten,hist_budget_bw_2021_eur,hist_budget_mo_2021_eur,n_gemeenten\n"
              "GM0001,Alpha,F,2,1000000,200000,2\n",
              BW_EDATA, R, 1, "n_gemeenten: duplicate column (columns 4 and 7)");
#undef RH
#undef RR3
}

Test(data, records_of_at_most_256_fields) {
  char head[4096] = G_HEAD;
  head[strlen(head) - 1] = '\0';
  for (int i = 13; i < 257; i++) snprintf(head + strlen(head), sizeof head - strlen(head), ",x%d", i);
  strcat(head, "\n");
  expect_fail(head, GOOD_R, BW_EDATA, "gemeenten.csv", 1, "more than 256 fields in one record");
}

/* ---- files that are not regular files, or too large ------------------------------------- */

/* A FIFO, a device and a directory are refused at once, before any
 * blocking open or read (a FIFO with no writer used to block for ever,
 * /dev/zero to take 4.2 GB). .timeout: should that regress, the test fails
 * instead of hanging the suite. */
Test(data, fifo_device_directory_refused, .timeout = 20) {
  char *dir = tu_mkdtemp("data_fifo");
  char *fifo = tu_join_malloc(dir, "gemeenten.csv");
  cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo: %s", strerror(errno));
  const char *bad[][2] = {{fifo, "not a regular file (a FIFO)"},
                          {"/dev/zero", "not a regular file (a character device)"},
                          {dir, "not a regular file (a directory)"}};
  for (int i = 0; i < 3; i++) {
    for (int which = 0; which < 2; which++) {
      bw_data d;
      bw_ctx ctx;
      bw_ctx_init(&ctx);
      bw_status st = which ? bw_data_load(DATA_DIR "/gemeenten.csv", bad[i][0], &d, &ctx)
                           : bw_data_load(bad[i][0], DATA_DIR "/regions.csv", &d, &ctx);
      cr_expect_eq(st, BW_EDATA, "%s: status %d: %s", bad[i][0], st, ctx.msg);
      char *want = tu_format("%s: %s: a data file must be a regular file", bad[i][0], bad[i][1]);
      cr_expect_str_eq(ctx.msg, want);
      cr_expect(d.g == NULL && d.r == NULL && d.ng == 0);
    }
  }
  tu_rm_rf(dir);
  free(fifo);
  free(dir);
}

/* Over 64 MiB: refused from its size alone (a sparse file: nothing is read). */
Test(data, larger_than_64_mib_refused_unread) {
  char *dir = tu_mkdtemp("data_big");
  char *big = tu_join_malloc(dir, "regions.csv");
  int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert_geq(fd, 0);
  cr_assert_eq(ftruncate(fd, (off_t)BW_DATA_MAX_BYTES + 1), 0);
  close(fd);
  bw_data d;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_data_load(DATA_DIR "/gemeenten.csv", big, &d, &ctx), BW_EDATA);
  char *want = tu_format("%s: data file larger than 64 MiB (67108865 bytes)", big);
  cr_expect_str_eq(ctx.msg, want);
  /* from memory, the same limit */
  bw_ctx_init(&ctx);
  cr_expect_eq(bw_data_parse("", BW_DATA_MAX_BYTES + 1, "g.csv", "", 0, "r.csv", &d, &ctx), BW_EDATA);
  cr_expect_str_eq(ctx.msg, "g.csv: data file larger than 64 MiB (67108865 bytes)");
  tu_rm_rf(dir);
  free(big);
  free(dir);
}

/* bw_data_parse (the fuzz harnesses' entry) reads texts as bw_data_load reads files. */
Test(data, parse_from_memory) {
  loaded L;
  memset(&L, 0, sizeof L);
  bw_ctx_init(&L.ctx);
  L.st = bw_data_parse(GOOD_G, strlen(GOOD_G), "g.csv", GOOD_R, strlen(GOOD_R), "r.csv", &L.d, &L.ctx);
  expect_good(&L);
  bw_data_free(&L.d);
  bw_data d;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  const char nul[] = G_HEAD "GM0001,Al\0pha";
  cr_expect_eq(bw_data_parse(nul, sizeof nul - 1, "g.csv", GOOD_R, strlen(GOOD_R), "r.csv", &d, &ctx), BW_EDATA);
  cr_expect_str_eq(ctx.msg, "g.csv:2: NUL byte in file (not a text CSV file?)");
  bw_ctx_init(&ctx);
  const char *r = R_HEAD R2 "GM0003,Gamma,Utrecht,3e6,6e5x\n";
  cr_expect_eq(bw_data_parse(GOOD_G, strlen(GOOD_G), "g.csv", r, strlen(r), "r.csv", &d, &ctx), BW_EDATA);
  cr_expect_str_eq(ctx.msg, "r.csv:3: hist_budget_mo_2021_eur: must be a number (got 6e5x)");
}
