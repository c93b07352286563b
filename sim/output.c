/* Result files of a run (docs/model.md §8): results.h5 (everything),
 * risk.csv (the ranked gemeenten), national.csv (national totals per year),
 * gemeente_year.csv and region_year.csv (per gemeente or region and year, in
 * long format). docs/outputs.md is the data dictionary.
 *
 * Reproducibility (docs/model.md §9): the bytes of every file are a function of
 * the summary, the data, the provenance and the CSV dialect only. HDF5 is
 * told not to stamp objects with times (sim/h5util.h), results.h5 keeps every
 * number at full precision, the CSV numbers have the digits of their kind
 * (sim/cliutil.h, docs/outputs.md "Digits"), and no time, host, path, pid or
 * thread count is written.
 *
 * Atomicity: the five files are one sim/fileset.h set with the manifest
 * run.sha256: written to temporaries, synced, and put in place under a
 * commit journal, so that a reader finds the old set or the new one, never
 * a mix; results.h5 and run.sha256 carry the run id (bw_run_id). */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#include "cliutil.h"
#include "fileset.h"
#include "h5util.h"
#include "params_yaml.h"

enum { OUT_H5 = 0, OUT_RISK, OUT_NATIONAL, OUT_GEMEENTE_YEAR, OUT_REGION_YEAR, OUT_N };
static const char *const out_name[OUT_N] = {"results.h5", "risk.csv", "national.csv", "gemeente_year.csv",
                                            "region_year.csv"};

#define RISK_CSV_HEADER                                                                            \
  "rank,code,name,region,population,p_max_year,p_se,first_bottleneck_year,p_any_year,"             \
  "mean_cum_shortfall_eur,q95_cum_shortfall_eur,cvar95_cum_shortfall_eur,flagged,p_lo,p_hi,"        \
  "flag_stable,p_any_year_se,se_mean_cum_shortfall_eur,se_q95_cum_shortfall_eur,"                   \
  "se_cvar95_cum_shortfall_eur,data_set,data_illustrative,data_sha256"
#define NATIONAL_CSV_HEADER "year,quantity,mean,sd,q05,q50,q95,cvar95,se_mean,se_q05,se_q50,se_q95,se_cvar95"
/* per gemeente (region) and year: the shortfall per inhabitant and in euros,
 * each statistic followed by its standard error, then P(s > theta) */
#define CELL_CSV_COLUMNS                                                                           \
  "year,population,"                                                                               \
  "shortfall_per_inhabitant_eur_mean,shortfall_per_inhabitant_eur_se_mean,"                        \
  "shortfall_per_inhabitant_eur_q05,shortfall_per_inhabitant_eur_se_q05,"                          \
  "shortfall_per_inhabitant_eur_q50,shortfall_per_inhabitant_eur_se_q50,"                          \
  "shortfall_per_inhabitant_eur_q95,shortfall_per_inhabitant_eur_se_q95,"                          \
  "shortfall_eur_mean,shortfall_eur_se_mean,shortfall_eur_q05,shortfall_eur_se_q05,"                \
  "shortfall_eur_q50,shortfall_eur_se_q50,shortfall_eur_q95,shortfall_eur_se_q95,p_exceed,p_exceed_se"

/* Names, units and descriptions from the lists in summary.h and model.h. */
static const char *const gvar_name[BW_NGV] = {
#define BW_X(e, name, unit, desc) [e] = name,
    BW_GVAR_LIST(BW_X)
#undef BW_X
};
static const char *const gvar_unit[BW_NGV] = {
#define BW_X(e, name, unit, desc) [e] = unit,
    BW_GVAR_LIST(BW_X)
#undef BW_X
};
static const char *const gvar_desc[BW_NGV] = {
#define BW_X(e, name, unit, desc) [e] = desc,
    BW_GVAR_LIST(BW_X)
#undef BW_X
};
static const char *const quantity_name[BW_NQ] = {
#define BW_X(e, name, unit) [e] = name,
    BW_NATIONAL_LIST(BW_X)
#undef BW_X
};
static const char *const quantity_unit[BW_NQ] = {
#define BW_X(e, name, unit) [e] = unit,
    BW_NATIONAL_LIST(BW_X)
#undef BW_X
};

/* The sixteen fields of bw_stat, in the order of the HDF5 datasets. */
typedef struct {
  const char *name;
  size_t offset;
  const char *desc;
} stat_field;

#define STAT_FIELD(f, d)                                                                           \
  { #f, offsetof(bw_stat, f), d }
static const stat_field stat_fields[] = {
    STAT_FIELD(mean, "mean over replications"),
    STAT_FIELD(sd, "standard deviation over replications"),
    STAT_FIELD(q05, "5 % quantile over replications (type 7)"),
    STAT_FIELD(q50, "median over replications (type 7)"),
    STAT_FIELD(q95, "95 % quantile over replications (type 7)"),
    STAT_FIELD(cvar95, "CVaR95: mean of the worst (largest) 5 % of replications"),
    STAT_FIELD(se_mean, "Monte Carlo standard error of mean"),
    STAT_FIELD(se_sd, "Monte Carlo standard error of sd"),
    STAT_FIELD(se_q05, "Monte Carlo standard error of q05"),
    STAT_FIELD(se_q50, "Monte Carlo standard error of q50"),
    STAT_FIELD(se_q95, "Monte Carlo standard error of q95"),
    STAT_FIELD(se_cvar95, "Monte Carlo standard error of cvar95"),
    STAT_FIELD(err_q05, "bound on the streaming-estimator error of q05 (0: exact, --exact)"),
    STAT_FIELD(err_q50, "bound on the streaming-estimator error of q50 (0: exact, --exact)"),
    STAT_FIELD(err_q95, "bound on the streaming-estimator error of q95 (0: exact, --exact)"),
    STAT_FIELD(err_cvar95, "bound on the streaming-estimator error of cvar95 (0: exact, --exact)"),
};
#undef STAT_FIELD
enum { N_STAT_FIELDS = (int)(sizeof stat_fields / sizeof stat_fields[0]) };

static double stat_get(const bw_stat *st, const stat_field *f) {
  double v;
  memcpy(&v, (const char *)st + f->offset, sizeof v);
  return v;
}

/* ---- the directory ------------------------------------------------------ */

bw_status bw_output_prepare(const char *dir, int force, bw_ctx *ctx) {
  bw_fileset fs;
  bw_status st = bw_fileset_prepare(&fs, dir, "run", out_name, OUT_N, force, ctx);
  if (st == BW_OK) bw_fileset_abort(&fs); /* a check: nothing written */
  return st;
}

/* ---- the run's identity ------------------------------------------------------ */

bw_status bw_run_id(const bw_run_identity *id, char out[65], bw_ctx *ctx) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return bw_fail(ctx, BW_ENOMEM, "out of memory for the run id");
  fprintf(f, "bwsim %s %s\noptions %s\nseed %llu\nreplications %d\ngemeenten_sha256 %s\nregions_sha256 %s\n"
          "scenarios %d\n",
          BW_VERSION, id->command, id->options ? id->options : "", id->seed, id->replications, id->gemeenten_sha256,
          id->regions_sha256, id->n);
  for (int i = 0; i < id->n; i++)
    fprintf(f, "scenario %d %s\n%s\n", i, id->names[i] ? id->names[i] : "", id->params_yaml[i]);
  int bad = fclose(f) != 0;
  if (!bad) bw_sha256_bytes(text, len, out);
  free(text);
  return bad ? bw_fail(ctx, BW_ENOMEM, "out of memory for the run id") : BW_OK;
}

/* ---- which data set ------------------------------------------------------- */

typedef struct {
  char name[128], version[256];
  int illustrative;
  char sha256[65]; /* of "<gemeenten sha>  gemeenten.csv\n<regions sha>  regions.csv\n" */
} data_id;

/* The shipped tables (their SHA-256 in params/data/SHA256SUMS of the source
 * tree; version in params/data/VERSION) or the user's own. data_sha256 is the
 * SHA-256 of the two tables' SHA256SUMS lines: for the shipped tables, that
 * of params/data/SHA256SUMS itself. */
static void identify_data(const bw_provenance *prov, data_id *id) {
  char sums[256];
  snprintf(sums, sizeof sums, "%s  gemeenten.csv\n%s  regions.csv\n", prov->gemeenten_sha256,
           prov->regions_sha256);
  bw_sha256_bytes(sums, strlen(sums), id->sha256);
  snprintf(id->name, sizeof id->name, "user tables");
  id->version[0] = '\0';
  id->illustrative = 0;
  FILE *f = fopen(BW_SOURCE_DIR "/params/data/SHA256SUMS", "r");
  if (!f) return;
  char line[512];
  int gem = 0, reg = 0;
  while (fgets(line, sizeof line, f)) {
    if (strlen(line) < 66) continue;
    if (!strncmp(line, prov->gemeenten_sha256, 64) && strstr(line + 64, "gemeenten.csv")) gem = 1;
    if (!strncmp(line, prov->regions_sha256, 64) && strstr(line + 64, "regions.csv")) reg = 1;
  }
  fclose(f);
  if (!gem || !reg) return;
  snprintf(id->name, sizeof id->name, "bwsim default tables (params/data)");
  /* the shipped region budgets are constructed: illustrative (params/data/SOURCES.md) */
  id->illustrative = 1;
  f = fopen(BW_SOURCE_DIR "/params/data/VERSION", "r");
  if (f) {
    if (fgets(id->version, (int)sizeof id->version, f)) id->version[strcspn(id->version, "\r\n")] = '\0';
    fclose(f);
  }
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct {
  const bw_summary *s;
  const bw_model *m;
  const bw_data *d;
  const bw_csv_style *st;
  const data_id *id;
} csv_job;

static void write_risk_csv(FILE *f, const void *arg) {
  const csv_job *j = arg;
  const bw_summary *s = j->s;
  const bw_data *d = j->d;
  bw_csv c;
  bw_csv_begin(&c, f, j->st, s->nrep);
  bw_csv_header(&c, RISK_CSV_HEADER);
  const char *set = j->id->version[0] ? j->id->version : j->id->name;
  for (int i = 0; i < s->ng; i++) {
    const bw_risk_row *r = &s->risk[i];
    const bw_gemeente *g = &d->g[r->g];
    bw_csv_int(&c, r->rank);
    bw_csv_text(&c, g->code);
    bw_csv_text(&c, g->name);
    bw_csv_text(&c, d->r[g->region].code);
    bw_csv_int(&c, llround(g->population));
    bw_csv_num(&c, r->p_max_year, BW_NUM_PROB);
    bw_csv_num(&c, r->p_se, BW_NUM_SE);
    if (r->first_bottleneck_year != 0) bw_csv_int(&c, r->first_bottleneck_year);
    else bw_csv_text(&c, "");
    bw_csv_num(&c, r->p_any_year, BW_NUM_PROB);
    bw_csv_num(&c, r->cum_mean, BW_NUM_EUR);
    bw_csv_num(&c, r->cum_q95, BW_NUM_EUR);
    bw_csv_num(&c, r->cum_cvar95, BW_NUM_EUR);
    bw_csv_int(&c, r->flagged ? 1 : 0);
    bw_csv_num(&c, r->p_lo, BW_NUM_PROB);
    bw_csv_num(&c, r->p_hi, BW_NUM_PROB);
    bw_csv_int(&c, r->flag_stable ? 1 : 0);
    bw_csv_num(&c, sqrt(r->p_any_year * (1.0 - r->p_any_year) / s->nrep), BW_NUM_SE);
    bw_csv_num(&c, r->cum_se_mean, BW_NUM_SE);
    bw_csv_num(&c, r->cum_se_q95, BW_NUM_SE);
    bw_csv_num(&c, r->cum_se_cvar95, BW_NUM_SE);
    bw_csv_text(&c, set);
    bw_csv_int(&c, j->id->illustrative);
    bw_csv_text(&c, j->id->sha256);
    bw_csv_end(&c);
  }
}

static void write_national_csv(FILE *f, const void *arg) {
  const csv_job *j = arg;
  const bw_summary *s = j->s;
  bw_csv c;
  bw_csv_begin(&c, f, j->st, s->nrep);
  bw_csv_header(&c, NATIONAL_CSV_HEADER);
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < s->ny; y++) {
      const bw_stat *st = &s->national[q * s->ny + y];
      bw_num_kind kind = bw_num_kind_of_unit(quantity_unit[q]);
      bw_csv_int(&c, s->first_year + y);
      bw_csv_text(&c, quantity_name[q]);
      const double v[6] = {st->mean, st->sd, st->q05, st->q50, st->q95, st->cvar95};
      const double se[5] = {st->se_mean, st->se_q05, st->se_q50, st->se_q95, st->se_cvar95};
      for (int k = 0; k < 6; k++) bw_csv_num(&c, v[k], kind);
      for (int k = 0; k < 5; k++) bw_csv_num(&c, se[k], BW_NUM_SE);
      bw_csv_end(&c);
    }
}

/* The statistics of one cell (a gemeente or region in a year) of
 * gemeente_year.csv and region_year.csv: the shortfall in euros st, per
 * inhabitant pi, with the population and P(s > theta). */
static void cell_row(bw_csv *c, int year, double pop, const bw_stat *pi, const bw_stat *st, double p,
                     double p_se) {
  bw_csv_int(c, year);
  bw_csv_int(c, llround(pop));
  const bw_stat *x[2] = {pi, st};
  const bw_num_kind kind[2] = {BW_NUM_EUR_PER_INH, BW_NUM_EUR};
  for (int k = 0; k < 2; k++) {
    const double v[8] = {x[k]->mean, x[k]->se_mean, x[k]->q05, x[k]->se_q05,
                         x[k]->q50,  x[k]->se_q50,  x[k]->q95, x[k]->se_q95};
    for (int i = 0; i < 8; i++) bw_csv_num(c, v[i], i % 2 ? BW_NUM_SE : kind[k]);
  }
  bw_csv_num(c, p, BW_NUM_PROB);
  bw_csv_num(c, p_se, BW_NUM_SE);
  bw_csv_end(c);
}

/* The population of region r in year y: the sum over its members. */
static double region_population(const bw_model *m, const bw_data *d, int r, int y) {
  double pop = 0;
  for (int g = 0; g < d->ng; g++)
    if (d->g[g].region == r) pop += bw_model_population(m, g, y);
  return pop;
}

/* The statistics of st divided by pop (> 0): a region's shortfall per inhabitant. */
static bw_stat per_inhabitant(const bw_stat *st, double pop) {
  bw_stat pi = *st;
  for (int k = 0; k < N_STAT_FIELDS; k++) {
    double v = stat_get(st, &stat_fields[k]) / pop;
    memcpy((char *)&pi + stat_fields[k].offset, &v, sizeof v);
  }
  return pi;
}

/* gemeente_year.csv (regions 0) or region_year.csv (regions 1): one row per
 * code and year, in data order. */
static void write_cells_csv(FILE *f, const csv_job *j, int regions) {
  const bw_summary *s = j->s;
  const bw_data *d = j->d;
  bw_csv c;
  bw_csv_begin(&c, f, j->st, s->nrep);
  bw_csv_names(&c, regions ? "code,name" : "code,name,region");
  bw_csv_header(&c, CELL_CSV_COLUMNS);
  for (int k = 0; k < (regions ? s->nr : s->ng); k++)
    for (int y = 0; y < s->ny; y++) {
      size_t i = (size_t)k * s->ny + y;
      if (regions) {
        double pop = region_population(j->m, d, k, y);
        bw_stat pi = per_inhabitant(&s->region[i], pop > 0 ? pop : 1.0);
        bw_csv_text(&c, d->r[k].code);
        bw_csv_text(&c, d->r[k].name);
        cell_row(&c, s->first_year + y, pop, &pi, &s->region[i], s->region_p_exceed[i], s->region_p_exceed_se[i]);
      } else {
        bw_csv_text(&c, d->g[k].code);
        bw_csv_text(&c, d->g[k].name);
        bw_csv_text(&c, d->r[d->g[k].region].code);
        cell_row(&c, s->first_year + y, bw_model_population(j->m, k, y), &s->gy[BW_GV_SHORTFALL_PER_INH][i],
                 &s->gy[BW_GV_SHORTFALL][i], s->p_exceed[i], s->p_exceed_se[i]);
      }
    }
}

static void write_gemeente_year_csv(FILE *f, const void *arg) { write_cells_csv(f, arg, 0); }
static void write_region_year_csv(FILE *f, const void *arg) { write_cells_csv(f, arg, 1); }

/* ---- HDF5 --------------------------------------------------------------- */

/* The dimension scales (coordinates) of results.h5. */
#define SC_YEAR "/year"
#define SC_GEMEENTE "/gemeente/gemeente"
#define SC_REGION "/region/region"
#define SC_RANK "/risk/rank"
#define SC_FIRST "/gemeente/first_exceed_year"
#define SC_KEY "/provenance/changed/key"

/* A float64 dataset with its units and description, its axes on the scales
 * sc0 and sc1 (NULL: none). */
static void values(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const double *v, const char *units,
                   const char *desc, const char *sc0, const char *sc1) {
  bw_h5_doubles(h, path, rank, dims, v, desc, units);
  if (sc0) bw_h5_dims(h, path, sc0, sc1);
}

/* A dataset of another type, on the scales. */
static void data_on(bw_h5 *h, const char *path, bw_h5_type type, int rank, const hsize_t *dims, const void *v,
                    const char *desc, const char *units, const char *sc0, const char *sc1) {
  bw_h5_data(h, path, type, rank, dims, v, desc, units);
  bw_h5_dims(h, path, sc0, sc1);
}

/* n strings str(i) as the dataset path on the scale sc (NULL: none). */
static void strings_on(bw_h5 *h, const char *path, int n, const char *const *v, const char *desc, const char *sc) {
  hsize_t dn = (hsize_t)n;
  bw_h5_strings(h, path, 1, &dn, v, desc);
  if (sc) bw_h5_dims(h, path, sc, NULL);
}

/* The sixteen statistics of cells[i * ny + y] (n rows), each divided by
 * div[i * ny + y] when div is not NULL, as grp/<stat> [n, ny]. */
static void stat_group(bw_h5 *h, const char *grp, const bw_stat *cells, const double *div, int n, int ny,
                       const char *units, double *buf, const char *row_scale) {
  const hsize_t dims[2] = {(hsize_t)n, (hsize_t)ny};
  char path[256];
  for (int k = 0; k < N_STAT_FIELDS && bw_h5_ok(h); k++) {
    for (int i = 0; i < n * ny; i++) buf[i] = stat_get(&cells[i], &stat_fields[k]) / (div ? div[i] : 1.0);
    if ((size_t)snprintf(path, sizeof path, "%s/%s", grp, stat_fields[k].name) >= sizeof path) return;
    values(h, path, 2, dims, buf, units, stat_fields[k].desc, row_scale, SC_YEAR);
  }
}

/* Root attributes: what the run was and what a reader checks first. */
static void write_h5_root(bw_h5 *h, const bw_summary *s, const bw_provenance *prov, const char *run_id) {
  char title[160];
  snprintf(title, sizeof title, "bwsim results: %s", prov->params_name ? prov->params_name : "");
  bw_h5_attr_str(h, "/", "title", title);
  /* what a reader checks before it trusts the layout (results/README.md) */
  bw_h5_attr_str(h, "/", "format", "bwsim-results");
  bw_h5_attr_int(h, "/", "format_version", BW_RESULTS_FORMAT_VERSION);
  /* the identity of the run, also in run.sha256 beside the other files */
  bw_h5_attr_str(h, "/", "run_id", run_id);
  bw_h5_attr_int(h, "/", "first_year", s->first_year);
  bw_h5_attr_int(h, "/", "last_year", s->first_year + s->ny - 1);
  bw_h5_attr_int(h, "/", "start_year", s->start_year);
  bw_h5_attr_double(h, "/", "threshold_eur_per_inhabitant", s->theta);
  bw_h5_attr_double(h, "/", "p_star", s->p_star);
  bw_h5_attr_int(h, "/", "n_replications", s->nrep);
  bw_h5_attr_str(h, "/", "pooling", s->pooling == BW_POOL_REGION ? "region" : "none");
  bw_h5_attr_str(h, "/", "statistics",
                 s->exact ? "exact (--exact: every value kept)"
                          : "streaming (quantiles and CVaR within the err_* bounds)");
  bw_h5_attr_int(h, "/", "n_flagged", s->n_flagged);
  bw_h5_attr_int(h, "/", "n_unstable", s->n_unstable);
  bw_h5_attr_int(h, "/", "n_flagged_other_pooling", s->n_flagged_other);
}

/* /year and the gemeente table with its coordinate /gemeente/gemeente. */
static void write_h5_gemeenten(bw_h5 *h, const bw_summary *s, const bw_data *d, void *buf) {
  const int ng = s->ng, ny = s->ny;
  const hsize_t dg[1] = {(hsize_t)ng}, dy[1] = {(hsize_t)ny};
  int *ib = buf;
  for (int y = 0; y < ny; y++) ib[y] = s->first_year + y;
  bw_h5_data(h, SC_YEAR, BW_H5_I32, 1, dy, ib, NULL, "calendar year");
  bw_h5_scale(h, SC_YEAR, "year");

  const char **str = buf;
  bw_h5_group(h, "/gemeente", "the gemeenten, in data order (the gemeente dimension)");
  for (int g = 0; g < ng; g++) str[g] = d->g[g].code;
  bw_h5_strings(h, SC_GEMEENTE, 1, dg, str, "CBS gemeente code: the coordinate of the gemeente dimension");
  bw_h5_scale(h, SC_GEMEENTE, "gemeente");
  strings_on(h, "/gemeente/code", ng, str, "CBS gemeente code", SC_GEMEENTE);
  for (int g = 0; g < ng; g++) str[g] = d->g[g].name;
  strings_on(h, "/gemeente/name", ng, str, "name", SC_GEMEENTE);
  for (int g = 0; g < ng; g++) str[g] = d->r[d->g[g].region].code;
  strings_on(h, "/gemeente/region", ng, str, "code of the centrumgemeente of the region", SC_GEMEENTE);
  long long *pop = buf;
  for (int g = 0; g < ng; g++) pop[g] = llround(d->g[g].population);
  data_on(h, "/gemeente/population", BW_H5_I64, 1, dg, pop, "population on 1 January of first_year (data)",
          "inhabitants", SC_GEMEENTE, NULL);
  double *v = buf;
  for (int g = 0; g < ng; g++) v[g] = d->g[g].lat;
  values(h, "/gemeente/lat", 1, dg, v, "degrees", "centroid latitude (data)", SC_GEMEENTE, NULL);
  for (int g = 0; g < ng; g++) v[g] = d->g[g].lon;
  values(h, "/gemeente/lon", 1, dg, v, "degrees", "centroid longitude (data)", SC_GEMEENTE, NULL);
  unsigned char *cg = buf;
  for (int g = 0; g < ng; g++) cg[g] = d->g[g].is_centrumgemeente ? 1 : 0;
  data_on(h, "/gemeente/is_centrumgemeente", BW_H5_U8, 1, dg, cg, "1 for the centrumgemeente of its region",
          NULL, SC_GEMEENTE, NULL);
  const hsize_t dfe[2] = {(hsize_t)ng, (hsize_t)ny + 1}, dny1[1] = {(hsize_t)ny + 1};
  for (int y = 0; y <= ny; y++) ib[y] = y < ny ? s->first_year + y : 0;
  bw_h5_data(h, SC_FIRST, BW_H5_I32, 1, dny1, ib, "the columns of first_exceed_count: calendar year; 0: none",
             NULL);
  bw_h5_scale(h, SC_FIRST, "first_exceed_year");
  data_on(h, "/gemeente/first_exceed_count", BW_H5_I64, 2, dfe, s->first_exceed,
          "replications whose first reform year with shortfall per inhabitant > threshold is year column y "
          "(columns first_year..last_year); last column: no such year",
          NULL, SC_GEMEENTE, SC_FIRST);
}

/* gemeente x year: the statistics of every variable, P(s > theta), population. */
static void write_h5_gemeente_year(bw_h5 *h, const bw_summary *s, const bw_model *m, double *buf) {
  const int ng = s->ng, ny = s->ny;
  const hsize_t dgy[2] = {(hsize_t)ng, (hsize_t)ny};
  char path[256], desc[160];
  bw_h5_group(h, "/gemeente_year", "per gemeente and year, over replications (docs/model.md §8)");
  for (int v = 0; v < BW_NGV; v++) {
    snprintf(path, sizeof path, "/gemeente_year/%s", gvar_name[v]);
    bw_h5_group(h, path, gvar_desc[v]);
    stat_group(h, path, s->gy[v], NULL, ng, ny, gvar_unit[v], buf, SC_GEMEENTE);
  }
  snprintf(desc, sizeof desc, "P(shortfall per inhabitant > %.17g EUR), BW + MO, over replications", s->theta);
  const struct {
    const char *path;
    const double *v;
    const char *desc;
  } pe[4] = {
      {"/gemeente_year/p_exceed", s->p_exceed, desc},
      {"/gemeente_year/p_exceed_se", s->p_exceed_se, "Monte Carlo standard error of p_exceed"},
      {"/gemeente_year/p_exceed_lo", s->p_exceed_lo, "lower end of the Wilson 95 % interval of p_exceed"},
      {"/gemeente_year/p_exceed_hi", s->p_exceed_hi, "upper end of the Wilson 95 % interval of p_exceed"}};
  for (int k = 0; k < 4; k++) {
    values(h, pe[k].path, 2, dgy, pe[k].v, "1", pe[k].desc, SC_GEMEENTE, SC_YEAR);
    bw_h5_attr_double(h, pe[k].path, "threshold_eur_per_inhabitant", s->theta);
  }
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) buf[g * ny + y] = bw_model_population(m, g, y);
  values(h, "/gemeente_year/population", 2, dgy, buf, "inhabitants",
         "population in the year (data x population growth): the divisor of the per-inhabitant shortfall",
         SC_GEMEENTE, SC_YEAR);
}

/* national, by quantity */
static void write_h5_national(bw_h5 *h, const bw_summary *s, double *buf) {
  const int ny = s->ny;
  const hsize_t dy[1] = {(hsize_t)ny};
  char path[256];
  bw_h5_group(h, "/national", "national totals per year, over replications (docs/model.md §8)");
  for (int q = 0; q < BW_NQ; q++) {
    snprintf(path, sizeof path, "/national/%s", quantity_name[q]);
    bw_h5_group(h, path, NULL);
    for (int k = 0; k < N_STAT_FIELDS; k++) {
      for (int y = 0; y < ny; y++) buf[y] = stat_get(&s->national[q * ny + y], &stat_fields[k]);
      snprintf(path, sizeof path, "/national/%s/%s", quantity_name[q], stat_fields[k].name);
      values(h, path, 1, dy, buf, quantity_unit[q], stat_fields[k].desc, SC_YEAR, NULL);
    }
  }
}

/* risk list, rank order (the columns of risk.csv) on the coordinate /risk/rank */
static void write_h5_risk(bw_h5 *h, const bw_summary *s, const bw_data *d, void *buf) {
  const int ng = s->ng;
  const hsize_t dg[1] = {(hsize_t)ng};
  char path[256];
  bw_h5_group(h, "/risk", "gemeenten ranked by p_max_year (the columns of risk.csv)");
  int *ib = buf;
  for (int i = 0; i < ng; i++) ib[i] = s->risk[i].rank;
  bw_h5_data(h, SC_RANK, BW_H5_I32, 1, dg, ib, "rank: 1 = highest p_max_year (the coordinate of /risk)", NULL);
  bw_h5_scale(h, SC_RANK, "rank");
  const char **str = buf;
  for (int i = 0; i < ng; i++) str[i] = d->g[s->risk[i].g].code;
  strings_on(h, "/risk/code", ng, str, "CBS gemeente code", SC_RANK);
  for (int i = 0; i < ng; i++) str[i] = d->g[s->risk[i].g].name;
  strings_on(h, "/risk/name", ng, str, "name", SC_RANK);
  for (int i = 0; i < ng; i++) str[i] = d->r[d->g[s->risk[i].g].region].code;
  strings_on(h, "/risk/region", ng, str, "code of the centrumgemeente of the region", SC_RANK);
  long long *pop = buf;
  for (int i = 0; i < ng; i++) pop[i] = llround(d->g[s->risk[i].g].population);
  data_on(h, "/risk/population", BW_H5_I64, 1, dg, pop, NULL, "inhabitants", SC_RANK, NULL);

  /* the columns of risk.csv, in its order */
  const struct {
    const char *name, *units, *desc;
    size_t off;
    char type; /* 'd' double, 'i' int, 'b' flag */
  } cols[] = {
      {"p_max_year", "1", NULL, offsetof(bw_risk_row, p_max_year), 'd'},
      {"p_se", "1", NULL, offsetof(bw_risk_row, p_se), 'd'},
      {"first_bottleneck_year", NULL, "first year with p_exceed >= p_star; 0 = none",
       offsetof(bw_risk_row, first_bottleneck_year), 'i'},
      {"p_any_year", "1", NULL, offsetof(bw_risk_row, p_any_year), 'd'},
      {"mean_cum_shortfall_eur", "EUR", NULL, offsetof(bw_risk_row, cum_mean), 'd'},
      {"q95_cum_shortfall_eur", "EUR", NULL, offsetof(bw_risk_row, cum_q95), 'd'},
      {"cvar95_cum_shortfall_eur", "EUR", NULL, offsetof(bw_risk_row, cum_cvar95), 'd'},
      {"flagged", NULL, "1 when p_max_year >= p_star", offsetof(bw_risk_row, flagged), 'b'},
      {"p_lo", "1", "Wilson 95 % interval of p_max_year", offsetof(bw_risk_row, p_lo), 'd'},
      {"p_hi", "1", "Wilson 95 % interval of p_max_year", offsetof(bw_risk_row, p_hi), 'd'},
      {"se_mean_cum_shortfall_eur", "EUR", NULL, offsetof(bw_risk_row, cum_se_mean), 'd'},
      {"se_q95_cum_shortfall_eur", "EUR", NULL, offsetof(bw_risk_row, cum_se_q95), 'd'},
      {"se_cvar95_cum_shortfall_eur", "EUR", NULL, offsetof(bw_risk_row, cum_se_cvar95), 'd'},
      {"err_q95_cum_shortfall_eur", "EUR", NULL, offsetof(bw_risk_row, cum_q95_err), 'd'},
      {"err_cvar95_cum_shortfall_eur", "EUR", NULL, offsetof(bw_risk_row, cum_cvar95_err), 'd'},
      {"flag_stable", NULL, "1 when the 95 % interval [p_lo, p_hi] lies wholly on one side of p_star",
       offsetof(bw_risk_row, flag_stable), 'b'},
  };
  double *v = buf;
  unsigned char *flag = buf;
  for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
    snprintf(path, sizeof path, "/risk/%s", cols[c].name);
    for (int i = 0; i < ng; i++) {
      const char *row = (const char *)&s->risk[i] + cols[c].off;
      if (cols[c].type == 'd') {
        memcpy(&v[i], row, sizeof *v);
      } else {
        int x;
        memcpy(&x, row, sizeof x);
        if (cols[c].type == 'i') ib[i] = x;
        else flag[i] = x ? 1 : 0;
      }
    }
    if (cols[c].type == 'd')
      values(h, path, 1, dg, v, cols[c].units, cols[c].desc, SC_RANK, NULL);
    else
      data_on(h, path, cols[c].type == 'i' ? BW_H5_I32 : BW_H5_U8, 1, dg, buf, cols[c].desc, NULL, SC_RANK, NULL);
  }
  signed char *oth = buf;
  for (int i = 0; i < ng; i++) oth[i] = (signed char)s->risk[i].flagged_other;
  data_on(h, "/risk/flagged_other_pooling", BW_H5_I8, 1, dg, oth,
          "flag under the other pooling setting (without pooling when the run pooled, with regional pooling "
          "when it did not); -1 unknown",
          NULL, SC_RANK, NULL);
}

/* Regions (docs/model.md §8: the same per region, sums over members), on the
 * coordinate /region/region. */
static void write_h5_regions(bw_h5 *h, const bw_summary *s, const bw_model *m, const bw_data *d, double *buf,
                             double *pop) {
  const int nr = s->nr, ny = s->ny;
  if (nr < 1 || !bw_h5_ok(h)) return;
  const hsize_t dr[1] = {(hsize_t)nr}, dry[2] = {(hsize_t)nr, (hsize_t)ny};
  char path[256];
  bw_h5_group(h, "/region", "the regions (centrumgemeente regions), in data order");
  const char **str = (const char **)buf;
  for (int r = 0; r < nr; r++) str[r] = d->r[r].code;
  bw_h5_strings(h, SC_REGION, 1, dr, str, "code of the region's centrumgemeente: the coordinate of the region "
                                          "dimension");
  bw_h5_scale(h, SC_REGION, "region");
  strings_on(h, "/region/code", nr, str, "code of the region's centrumgemeente", SC_REGION);
  for (int r = 0; r < nr; r++) str[r] = d->r[r].name;
  strings_on(h, "/region/name", nr, str, "name", SC_REGION);
  long long *lp = (long long *)buf;
  for (int r = 0; r < nr; r++) {
    double p = 0;
    for (int g = 0; g < d->ng; g++)
      if (d->g[g].region == r) p += d->g[g].population;
    lp[r] = llround(p);
  }
  data_on(h, "/region/population", BW_H5_I64, 1, dr, lp, "population on 1 January of first_year (data)",
          "inhabitants", SC_REGION, NULL);

  bw_h5_group(h, "/region_year", "per region and year: sums over the member gemeenten");
  bw_h5_group(h, "/region_year/shortfall_eur", "cost - budget, BW + MO, summed over the members");
  stat_group(h, "/region_year/shortfall_eur", s->region, NULL, nr, ny, "EUR", buf, SC_REGION);
  for (int r = 0; r < nr; r++)
    for (int y = 0; y < ny; y++) {
      double p = region_population(m, d, r, y);
      pop[r * ny + y] = p > 0 ? p : 1.0;
    }
  bw_h5_group(h, "/region_year/shortfall_per_inhabitant_eur",
              "the region's shortfall per inhabitant of the region (shortfall_eur / population)");
  stat_group(h, "/region_year/shortfall_per_inhabitant_eur", s->region, pop, nr, ny, "EUR/inhabitant", buf,
             SC_REGION);
  values(h, "/region_year/population", 2, dry, pop, "inhabitants", "population in the year: sum over the members",
         SC_REGION, SC_YEAR);
  values(h, "/region_year/p_exceed", 2, dry, s->region_p_exceed, "1",
         "P(region shortfall per inhabitant of the region > threshold)", SC_REGION, SC_YEAR);
  values(h, "/region_year/p_exceed_se", 2, dry, s->region_p_exceed_se, "1", "Monte Carlo standard error of p_exceed",
         SC_REGION, SC_YEAR);

  bw_h5_group(h, "/region_risk", "per region over the reform years (region order, not ranked)");
  for (int r = 0; r < nr; r++) str[r] = d->r[r].code;
  strings_on(h, "/region_risk/code", nr, str, "code of the region's centrumgemeente", SC_REGION);
  for (int r = 0; r < nr; r++) str[r] = d->r[r].name;
  strings_on(h, "/region_risk/name", nr, str, "name", SC_REGION);
  const struct {
    const char *name, *desc;
    size_t off;
    int is_int;
  } cols[] = {
      {"p_max_year", NULL, offsetof(bw_region_row, p_max_year), 0},
      {"p_se", NULL, offsetof(bw_region_row, p_se), 0},
      {"p_lo", NULL, offsetof(bw_region_row, p_lo), 0},
      {"p_hi", NULL, offsetof(bw_region_row, p_hi), 0},
      {"p_max_year_at", "calendar year of p_max_year", offsetof(bw_region_row, p_max_year_at), 1},
      {"flagged", "1 when p_max_year >= p_star", offsetof(bw_region_row, flagged), 1},
      {"flag_stable", "1 when [p_lo, p_hi] lies wholly on one side of p_star", offsetof(bw_region_row, flag_stable),
       1},
      {"members", "member gemeenten", offsetof(bw_region_row, members), 1},
      {"members_flagged", "members flagged without pooling (-1 unknown)",
       offsetof(bw_region_row, members_flagged_none), 1},
      {"members_flagged_pooled", "members flagged with regional pooling (-1 unknown)",
       offsetof(bw_region_row, members_flagged_region), 1},
  };
  int *ib = (int *)buf;
  for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
    snprintf(path, sizeof path, "/region_risk/%s", cols[c].name);
    for (int r = 0; r < nr; r++)
      memcpy(cols[c].is_int ? (void *)&ib[r] : (void *)&buf[r], (const char *)&s->region_risk[r] + cols[c].off,
             cols[c].is_int ? sizeof(int) : sizeof(double));
    if (cols[c].is_int)
      data_on(h, path, BW_H5_I32, 1, dr, ib, cols[c].desc, NULL, SC_REGION, NULL);
    else
      values(h, path, 1, dr, buf, "1", cols[c].desc, SC_REGION, NULL);
  }
}

/* The drivers of each gemeente's shortfall (BW_DECOMP_LIST): per year, and
 * summed over the reform years (what the report's waterfall shows). */
static void write_h5_decomp(bw_h5 *h, const bw_summary *s, double *buf) {
  if (!s->decomp || !s->decomp_cum || !bw_h5_ok(h)) return;
  const int ng = s->ng, ny = s->ny;
  const hsize_t dg[1] = {(hsize_t)ng}, dgy[2] = {(hsize_t)ng, (hsize_t)ny};
  char list[512] = "", path[160];
  /* `components`: the drivers that add up (with the old/new regime split of
   * the BW cost when the kernel knows it, else the BW cost as one) */
  for (int k = 0; k < BW_NDECOMP; k++) {
    if (!bw_decomp_additive(k, s->decomp_have_old)) continue;
    if (list[0]) strncat(list, ",", sizeof list - strlen(list) - 1);
    strncat(list, bw_decomp_name(k), sizeof list - strlen(list) - 1);
  }
  static const char *const grp[2] = {"/gemeente/decomposition", "/gemeente_year/decomposition"};
  for (int j = 0; j < 2; j++) {
    bw_h5_group(h, grp[j],
                j == 0 ? "the drivers of the mean cumulative shortfall over the reform years, as contributions "
                         "(costs +, budgets -); they add up to /risk mean_cum_shortfall_eur"
                       : "the drivers of the mean shortfall per year, as contributions (costs +, budgets -); "
                         "they add up to /gemeente_year/shortfall_eur/mean");
    bw_h5_attr_str(h, grp[j], "components", list);
    for (int k = 0; k < BW_NDECOMP; k++) {
      if ((k == BW_D_COST_BW_OLD || k == BW_D_COST_BW_NEW) && !s->decomp_have_old) continue; /* unknown */
      snprintf(path, sizeof path, "%s/%s", grp[j], bw_decomp_name(k));
      if (j == 0) {
        memcpy(buf, s->decomp_cum + (size_t)k * ng, (size_t)ng * sizeof *buf);
        values(h, path, 1, dg, buf, "EUR", bw_decomp_desc(k), SC_GEMEENTE, NULL);
      } else {
        memcpy(buf, s->decomp + (size_t)k * ng * ny, (size_t)ng * ny * sizeof *buf);
        values(h, path, 2, dgy, buf, "EUR", bw_decomp_desc(k), SC_GEMEENTE, SC_YEAR);
      }
    }
  }
}

/* Variance split of the nested design (only with uncertainty.outer_draws). */
static void write_h5_split(bw_h5 *h, const bw_summary *s) {
  if (s->split_k <= 0 || !s->param_share || !bw_h5_ok(h)) return;
  const hsize_t dg[1] = {(hsize_t)s->ng}, dgy[2] = {(hsize_t)s->ng, (hsize_t)s->ny};
  bw_h5_group(h, "/variance_split",
              "share of the shortfall variance due to the outer parameter draws (docs/model.md §7), "
              "one-way random-effects ANOVA over the K outer draws; the rest is stochastic flows");
  bw_h5_attr_int(h, "/variance_split", "K", s->split_k);
  bw_h5_attr_double(h, "/variance_split", "J", (double)s->nrep / s->split_k);
  values(h, "/variance_split/param_share", 1, dg, s->param_share, "1", "cumulative shortfall over the reform years",
         SC_GEMEENTE, NULL);
  values(h, "/variance_split/param_share_year", 2, dgy, s->param_share_year, "1", "shortfall (BW + MO) per year",
         SC_GEMEENTE, SC_YEAR);
}

/* The resolved policy settings (defaults included), as params text
 * (bw_params_value_text) in attributes of /provenance/settings named by their
 * params key: readers (the report) need not know the defaults. */
static void write_h5_settings(bw_h5 *h, const bw_params *p) {
  if (!p || !bw_h5_ok(h)) return;
  bw_h5_group(h, "/provenance/settings",
              "the resolved settings of the run (defaults included), by params key, as text");
  static const char *const keys[] = {"run.kernel",
                                     "policy.ingroeipad.mode",
                                     "policy.ingroeipad.steps",
                                     "policy.ingroeipad.complete_by",
                                     "policy.ingroeipad.custom",
                                     "policy.pooling",
                                     "policy.mo_decentralise_year",
                                     "policy.old_regime_max_years",
                                     "policy.bijsturing.rule",
                                     "policy.bijsturing.first_year",
                                     "policy.bijsturing.every",
                                     "uncertainty.enabled",
                                     "uncertainty.outer_draws"};
  char v[BW_PARAMS_TEXT_MAX];
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    bw_params_value_text(p, keys[i], v, sizeof v);
    bw_h5_attr_str(h, "/provenance/settings", keys[i], v);
  }
}

/* /provenance/changed/{key,value,default}: every params key whose value
 * differs from the default (bw_params_defaults with the shipped data
 * tables, so a run on the shipped data lists no data path), as params text,
 * in the order of params/default.yaml; key is the coordinate. */
static void write_h5_changed(bw_h5 *h, const bw_params *p) {
  if (!p || !bw_h5_ok(h)) return;
  bw_h5_group(h, "/provenance/changed",
              "the params keys whose value differs from the default, both values as params text");
  bw_params d;
  bw_params_defaults_shipped(&d);
  int nk = bw_params_nkeys(), n = 0;
  const char **col = calloc((size_t)nk * 3 + 1, sizeof *col);
  char *v = malloc(BW_PARAMS_TEXT_MAX), *dv = malloc(BW_PARAMS_TEXT_MAX);
  int oom = !col || !v || !dv;
  for (int i = 0; i < nk && !oom; i++) {
    const char *key = bw_params_key(i);
    bw_params_value_text(p, key, v, BW_PARAMS_TEXT_MAX);
    bw_params_value_text(&d, key, dv, BW_PARAMS_TEXT_MAX);
    if (!strcmp(v, dv)) continue;
    col[n] = key;
    col[nk + n] = strdup(v);
    col[2 * nk + n] = strdup(dv);
    oom = !col[nk + n] || !col[2 * nk + n];
    n++;
  }
  if (oom) {
    bw_fail(h->ctx, BW_ENOMEM, "%s: out of memory for /provenance/changed", h->shown);
  } else {
    bw_h5_vlstrings(h, SC_KEY, n, col, "params key");
    bw_h5_scale(h, SC_KEY, "key");
    bw_h5_vlstrings(h, "/provenance/changed/value", n, col + nk, "its value in this run");
    bw_h5_dims(h, "/provenance/changed/value", SC_KEY, NULL);
    bw_h5_vlstrings(h, "/provenance/changed/default", n, col + 2 * nk, "its default value");
    bw_h5_dims(h, "/provenance/changed/default", SC_KEY, NULL);
  }
  for (int i = 0; col && i < n; i++) {
    free((char *)col[nk + i]);
    free((char *)col[2 * nk + i]);
  }
  free(col);
  free(v);
  free(dv);
}

/* provenance: nothing that changes between identical runs */
static void write_h5_provenance(bw_h5 *h, const bw_provenance *prov, const data_id *id) {
  const char *g = "/provenance";
  bw_h5_group(h, g, "how these results were made");
  bw_h5_attr_str(h, g, "bwsim_version", prov->version ? prov->version : "");
  bw_h5_attr_str(h, g, "params_name", prov->params_name ? prov->params_name : "");
  bw_h5_attr_u64(h, g, "seed", prov->seed);
  bw_h5_attr_int(h, g, "replications", prov->replications);
  bw_h5_attr_str(h, g, "params_sha256", prov->params_sha256);
  bw_h5_attr_str(h, g, "gemeenten_sha256", prov->gemeenten_sha256);
  bw_h5_attr_str(h, g, "regions_sha256", prov->regions_sha256);
  bw_h5_attr_str(h, g, "data_name", id->name);
  bw_h5_attr_str(h, g, "data_version", id->version);
  bw_h5_attr_int(h, g, "data_illustrative", id->illustrative);
  bw_h5_attr_str(h, g, "data_sha256", id->sha256);
  /* every key with its value: bw_params_parse reads it back to these params */
  char *resolved = prov->params ? bw_params_to_yaml(prov->params) : NULL;
  if (prov->params && !resolved)
    bw_fail(h->ctx, BW_ENOMEM, "%s: out of memory for params_resolved", h->shown);
  else if (resolved)
    bw_h5_attr_str(h, g, "params_resolved", resolved);
  free(resolved);
  write_h5_settings(h, prov->params);
  write_h5_changed(h, prov->params);
  const char *text = prov->params_text ? prov->params_text : "";
  bw_h5_strings(h, "/provenance/params_yaml", 0, NULL, &text,
                "the params that differ from the defaults (YAML; bwsim run reads it back)");
}

static bw_status write_h5_file(const char *tmp, const char *shown, const bw_summary *s, const bw_model *m,
                               const bw_data *d, const bw_provenance *prov, const data_id *id, const char *run_id,
                               bw_ctx *ctx) {
  /* scratch for one dataset: [ng][ny + 1] values of 8 bytes at most, or
   * [nr][ny] twice (values and populations), or string pointers */
  size_t nbuf = (size_t)s->ng * (size_t)(s->ny + 1) + 1;
  if (nbuf < (size_t)s->nr * (size_t)s->ny) nbuf = (size_t)s->nr * (size_t)s->ny;
  if (nbuf < (size_t)s->ny + 1) nbuf = (size_t)s->ny + 1;
  double *buf = calloc(2 * nbuf, sizeof *buf);
  if (!buf) return bw_fail(ctx, BW_ENOMEM, "%s: out of memory", shown);
  bw_h5 h;
  if (bw_h5_create(&h, tmp, shown, ctx) == BW_OK) {
    write_h5_root(&h, s, prov, run_id);
    write_h5_gemeenten(&h, s, d, buf);
    write_h5_gemeente_year(&h, s, m, buf);
    write_h5_national(&h, s, buf);
    write_h5_risk(&h, s, d, buf);
    write_h5_regions(&h, s, m, d, buf, buf + nbuf);
    write_h5_split(&h, s);
    write_h5_decomp(&h, s, buf);
    write_h5_provenance(&h, prov, id);
    bw_h5_close(&h);
  }
  free(buf);
  return ctx->status;
}

/* ---- write them all ------------------------------------------------------ */

bw_status bw_output_write(const char *dir, int force, const bw_summary *s, const bw_model *m,
                          const bw_provenance *prov, const bw_csv_style *csv, bw_ctx *ctx) {
  if (!dir || !s || !m || !prov)
    return bw_fail(ctx, BW_EUSAGE,
                   "bw_output_write: missing directory, summary, model or provenance");
  const bw_data *d = bw_model_data(m);
  if (!d || d->ng != s->ng || s->ng < 0 || s->ny < 1 || !s->risk || !s->national || !s->p_exceed ||
      !s->p_exceed_se || !s->p_exceed_lo || !s->p_exceed_hi || !s->first_exceed || s->nr != d->nr ||
      (s->nr > 0 && (!s->region || !s->region_p_exceed || !s->region_p_exceed_se || !s->region_risk)) ||
      (s->split_k > 0 && (!s->param_share || !s->param_share_year)))
    return bw_fail(ctx, BW_EMODEL,
                   "bw_output_write: summary (%d gemeenten) does not match the data (%d)", s->ng,
                   d ? d->ng : -1);
  for (int v = 0; v < BW_NGV; v++)
    if (!s->gy[v])
      return bw_fail(ctx, BW_EMODEL, "bw_output_write: summary lacks %s", gvar_name[v]);
  for (int g = 0; g < d->ng; g++)
    if (d->g[g].region < 0 || d->g[g].region >= d->nr)
      return bw_fail(ctx, BW_EMODEL, "bw_output_write: gemeente %s has no region", d->g[g].code);
  for (int i = 0; i < s->ng; i++)
    if (s->risk[i].g < 0 || s->risk[i].g >= d->ng)
      return bw_fail(ctx, BW_EMODEL, "bw_output_write: risk row %d names no gemeente of the data",
                     i + 1);

  /* the run's identity: what made these numbers (sim/output.h) */
  char run_id[65];
  char *resolved = prov->params ? bw_params_to_yaml(prov->params) : NULL;
  if (prov->params && !resolved) return bw_fail(ctx, BW_ENOMEM, "out of memory for the resolved params");
  const char *yaml = resolved ? resolved : prov->params_text ? prov->params_text : "";
  const char *name = prov->params_name;
  const bw_run_identity who = {"run", s->exact ? "exact" : "", prov->seed, prov->replications,
                               prov->gemeenten_sha256, prov->regions_sha256, 1, &name, &yaml};
  bw_status st = bw_run_id(&who, run_id, ctx);
  free(resolved);
  if (st != BW_OK) return st;

  bw_fileset fs;
  if ((st = bw_fileset_prepare(&fs, dir, "run", out_name, OUT_N, force, ctx)) != BW_OK) return st;
  data_id id;
  identify_data(prov, &id);
  const csv_job job = {s, m, d, csv, &id};
  static const bw_text_writer csv_writer[OUT_N] = {
      [OUT_RISK] = write_risk_csv,
      [OUT_NATIONAL] = write_national_csv,
      [OUT_GEMEENTE_YEAR] = write_gemeente_year_csv,
      [OUT_REGION_YEAR] = write_region_year_csv,
  };
  st = write_h5_file(fs.tmp[OUT_H5], fs.dst[OUT_H5], s, m, d, prov, &id, run_id, ctx);
  if (st == BW_OK) st = bw_fileset_sync(&fs, OUT_H5, ctx);
  for (int i = 0; i < OUT_N && st == BW_OK; i++)
    if (csv_writer[i]) st = bw_fileset_write_text(&fs, i, csv_writer[i], &job, ctx);
  if (st != BW_OK) {
    bw_fileset_abort(&fs);
    return st;
  }
  return bw_fileset_commit(&fs, run_id, ctx);
}

/* ---- the table on the terminal ------------------------------------------ */

/* Display width of UTF-8 text: one column per code point (gemeente names
 * such as Súdwest-Fryslân, and the € sign). */
static int text_width(const char *s) {
  int n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

static void put_cell(FILE *f, const char *s, int width, int right) {
  int pad = width - text_width(s);
  if (right)
    for (int i = 0; i < pad; i++) fputc(' ', f);
  fputs(s, f);
  if (!right)
    for (int i = 0; i < pad; i++) fputc(' ', f);
}

enum { PR_COLS = 8, PR_CELL = 96 };

static void risk_cells(const bw_summary *s, const bw_data *d, int i, char c[PR_COLS][PR_CELL]) {
  const bw_risk_row *r = &s->risk[i];
  const bw_gemeente *g = &d->g[r->g];
  snprintf(c[0], PR_CELL, "%d", r->rank);
  snprintf(c[1], PR_CELL, "%s", g->code);
  snprintf(c[2], PR_CELL, "%s", g->name);
  snprintf(c[3], PR_CELL, "%s", d->r[g->region].name);
  snprintf(c[4], PR_CELL, "%.3f ± %.3f", r->p_max_year, r->p_se);
  if (r->first_bottleneck_year != 0)
    snprintf(c[5], PR_CELL, "%d", r->first_bottleneck_year);
  else
    snprintf(c[5], PR_CELL, "-");
  snprintf(c[6], PR_CELL, "%.1f", r->cum_mean / 1e6);
  /* "*" flagged, "?" the interval straddles p*: more replications may turn it */
  snprintf(c[7], PR_CELL, "%s%s", r->flagged ? "*" : "", r->flag_stable ? "" : "?");
}

void bw_output_print_risk(FILE *f, const bw_summary *s, const bw_model *m, int n) {
  const bw_data *d = bw_model_data(m);
  if (n < 0 || n > s->ng) n = s->ng;
  static const char *const head[PR_COLS] = {
      "rank", "code", "gemeente", "region", "P(max year) ± se", "first", "mean cum. € mln", "flag"};
  static const int right[PR_COLS] = {1, 0, 0, 0, 1, 1, 1, 0};
  int width[PR_COLS];
  char c[PR_COLS][PR_CELL];
  for (int k = 0; k < PR_COLS; k++) width[k] = text_width(head[k]);
  for (int i = 0; i < n; i++) {
    risk_cells(s, d, i, c);
    for (int k = 0; k < PR_COLS; k++)
      if (text_width(c[k]) > width[k]) width[k] = text_width(c[k]);
  }
  for (int k = 0; k < PR_COLS; k++) {
    if (k > 0) fputs("  ", f);
    put_cell(f, head[k], k == PR_COLS - 1 ? 0 : width[k], right[k]);
  }
  fputc('\n', f);
  for (int i = 0; i < n; i++) {
    risk_cells(s, d, i, c);
    for (int k = 0; k < PR_COLS; k++) {
      if (k > 0) fputs("  ", f);
      put_cell(f, c[k], k == PR_COLS - 1 ? 0 : width[k], right[k]);
    }
    fputc('\n', f);
  }
  fprintf(f, "%d of %d gemeenten flagged (max-year P(s > €%g/inhabitant) ≥ %g)", s->n_flagged,
          s->ng, s->theta, s->p_star);
  if (s->n_flagged_other >= 0)
    fprintf(f, "; %d with %s", s->n_flagged_other,
            s->pooling == BW_POOL_REGION ? "no pooling" : "regional pooling");
  fprintf(f, "\n%s", s->n_unstable ? "? = not yet stable: the 95 % interval of P contains p*\n" : "");
}
