/* The input loaders as the fuzz harnesses (fuzz_main.c, under libFuzzer)
 * and the corpus replay (replay.c, a plain C test) call them: arbitrary
 * bytes in, a status and a message out, and on success the properties every
 * loaded value must have (a violation aborts: the fuzzer reports it as a
 * crash, the replay as a crashed test).
 *
 *   params     bw_params_parse on the bytes as a params text (data paths
 *              and base: relative to params/, so default.yaml loads)
 *   gemeenten  bw_data_parse on the bytes as gemeenten.csv, with a fixed
 *              regions table (FUZZ_REGIONS)
 *   regions    bw_data_parse on the bytes as regions.csv, with a fixed
 *              gemeenten table (FUZZ_GEMEENTEN)
 *
 * Header-only: each harness and the replay is one executable. */
#ifndef BW_FUZZ_TARGETS_H
#define BW_FUZZ_TARGETS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_csv.h"
#include "params_yaml.h"

#define FUZZ_PARAMS_DIR BW_SOURCE_DIR "/params"

/* The companion tables: two regions (GM0001, GM0003) of four gemeenten. */
#define FUZZ_GEMEENTEN                                                                                          \
  "code,name,province,region,is_centrumgemeente,population,households,pct_single_person_hh,pct_nonwestern,"    \
  "pct_age_15_24,urbanity,lat,lon\n"                                                                            \
  "GM0001,Alpha,Fryslan,GM0001,1,1000,500,40,10,12,1,53.0,6.0\n"                                                \
  "GM0002,Beta,Fryslan,GM0001,0,2000,900,30,5,11,4,53.1,6.1\n"                                                  \
  "GM0003,\"Gamma, Delta\",Utrecht,GM0003,1,3000,1400,35,20,14,2,52.0,5.1\n"                                    \
  "GM0004,Eps,Utrecht,GM0003,0,500,200,30,3,10,5,52.1,5.2\n"
#define FUZZ_REGIONS                                                                                            \
  "code,name,province,hist_budget_bw_2021_eur,hist_budget_mo_2021_eur\n"                                        \
  "GM0001,Alpha,Fryslan,1000000,200000\n"                                                                       \
  "GM0003,Gamma,Utrecht,3000000,600000\n"

static void fuzz_violated(const char *what, const char *name) {
  fprintf(stderr, "fuzz property violated (%s): %s\n", name, what);
  abort();
}
#define FUZZ_CHECK(cond, name)                                                                                  \
  do {                                                                                                          \
    if (!(cond)) fuzz_violated(#cond, name);                                                                    \
  } while (0)

/* A failure: a status of bad input and a message. */
static void fuzz_check_failure(bw_status st, const bw_ctx *ctx, int params, const char *name) {
  FUZZ_CHECK(ctx->status == st, name);
  FUZZ_CHECK(ctx->msg[0] != '\0', name);
  FUZZ_CHECK(st == BW_ENOMEM || st == (params ? BW_EPARAM : BW_EDATA) || (params && st == BW_EIO), name);
}

/* The bytes as a NUL-terminated text (malloc'd). */
static char *fuzz_text(const uint8_t *data, size_t size) {
  char *t = malloc(size + 1);
  if (!t) abort();
  if (size) memcpy(t, data, size);
  t[size] = '\0';
  return t;
}

static bw_status fuzz_params(const uint8_t *data, size_t size, const char *name, bw_ctx *ctx) {
  char *text = fuzz_text(data, size);
  bw_params p;
  bw_status st = bw_params_parse(text, name, FUZZ_PARAMS_DIR, &p, ctx);
  free(text);
  if (st) {
    fuzz_check_failure(st, ctx, 1, name);
    return st;
  }
  /* what loads is valid, and its resolved text reads back to itself */
  bw_ctx c2;
  bw_ctx_init(&c2);
  FUZZ_CHECK(bw_params_validate(&p, name, &c2) == BW_OK, name);
  char *yaml = bw_params_to_yaml(&p);
  FUZZ_CHECK(yaml != NULL, name);
  bw_params q;
  FUZZ_CHECK(bw_params_parse(yaml, "resolved", NULL, &q, &c2) == BW_OK, name);
  char *again = bw_params_to_yaml(&q);
  FUZZ_CHECK(again != NULL && strcmp(again, yaml) == 0, name);
  free(again);
  free(yaml);
  return BW_OK;
}

/* What a loaded pair of tables must be (sim/data_csv.h, docs/limits.md). */
static void fuzz_check_data(const bw_data *d, const char *name) {
  FUZZ_CHECK(d->ng >= 1 && d->nr >= 1 && d->g && d->r, name);
  int members = 0;
  for (int r = 0; r < d->nr; r++) {
    const bw_region *R = &d->r[r];
    FUZZ_CHECK(memchr(R->code, '\0', sizeof R->code) && memchr(R->name, '\0', sizeof R->name), name);
    FUZZ_CHECK(R->centrum >= 0 && R->centrum < d->ng && d->g[R->centrum].region == r, name);
    FUZZ_CHECK(d->g[R->centrum].is_centrumgemeente && !strcmp(d->g[R->centrum].code, R->code), name);
    FUZZ_CHECK(R->hist_budget_bw_eur > 0 && R->hist_budget_bw_eur <= 1e11, name);
    FUZZ_CHECK(R->hist_budget_mo_eur > 0 && R->hist_budget_mo_eur <= 1e11, name);
    FUZZ_CHECK(R->n_members >= 1, name);
    members += R->n_members;
  }
  FUZZ_CHECK(members == d->ng, name);
  for (int g = 0; g < d->ng; g++) {
    const bw_gemeente *G = &d->g[g];
    FUZZ_CHECK(memchr(G->code, '\0', sizeof G->code) && memchr(G->name, '\0', sizeof G->name), name);
    FUZZ_CHECK(G->region >= 0 && G->region < d->nr, name);
    FUZZ_CHECK(G->population >= 1 && G->population <= 1e8 && G->population == floor(G->population), name);
    FUZZ_CHECK(G->households >= 1 && G->households <= G->population, name);
    FUZZ_CHECK(G->pct_single_hh >= 0 && G->pct_single_hh <= 100 && G->pct_nonwestern >= 0 &&
                   G->pct_nonwestern <= 100 && G->pct_age_15_24 >= 0 && G->pct_age_15_24 <= 100,
               name);
    FUZZ_CHECK(G->urbanity >= 1 && G->urbanity <= 5 && fabs(G->lat) <= 90 && fabs(G->lon) <= 180, name);
  }
}

static bw_status fuzz_data(const char *g, size_t glen, const char *gname, const char *r, size_t rlen,
                           const char *rname, const char *name, bw_ctx *ctx) {
  bw_data d;
  bw_status st = bw_data_parse(g, glen, gname, r, rlen, rname, &d, ctx);
  if (st) {
    fuzz_check_failure(st, ctx, 0, name);
    FUZZ_CHECK(d.g == NULL && d.r == NULL && d.ng == 0 && d.nr == 0, name);
    return st;
  }
  fuzz_check_data(&d, name);
  bw_data_free(&d);
  return BW_OK;
}

static bw_status fuzz_gemeenten(const uint8_t *data, size_t size, const char *name, bw_ctx *ctx) {
  return fuzz_data((const char *)data, size, name, FUZZ_REGIONS, strlen(FUZZ_REGIONS), "regions.csv", name, ctx);
}

static bw_status fuzz_regions(const uint8_t *data, size_t size, const char *name, bw_ctx *ctx) {
  return fuzz_data(FUZZ_GEMEENTEN, strlen(FUZZ_GEMEENTEN), "gemeenten.csv", (const char *)data, size, name, name,
                   ctx);
}

typedef bw_status (*fuzz_fn)(const uint8_t *data, size_t size, const char *name, bw_ctx *ctx);

/* The harnesses by name: their corpus is tests/fuzz/corpus/<name>/. */
static const struct {
  const char *name;
  fuzz_fn one;
} FUZZ_TARGETS[] = {{"params", fuzz_params}, {"gemeenten", fuzz_gemeenten}, {"regions", fuzz_regions}};

#endif
