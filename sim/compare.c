/* `bwsim compare` and `bwsim sweep`: scenarios on common random numbers
 * (sim/multi.h), their paired differences and the grid of a sweep, written
 * as CSV for analysts and HDF5 for the report (docs/scenarios.md,
 * results/README.md).
 *
 * Interface map: bw_compare_main and bw_sweep_main parse the command line
 * (shared options of sim/cliutil.h), build the scenarios' params
 * (load_base, then --vs / --grid assignments through bw_params_apply_set),
 * run them with the shared driver (bw_multi_run) and write the file set
 * (sim/fileset.h: all files or none). */
#define _DEFAULT_SOURCE /* realpath, strndup */
#include "compare.h"

#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cliutil.h"
#include "data_csv.h"
#include "fileset.h"
#include "h5util.h"
#include "multi.h"
#include "output.h"
#include "params_yaml.h"
#include "report_cmd.h"
#include "run.h"

enum { MAX_SCEN = 64, MAX_GRID_KEYS = 8, MAX_POINTS_UNASKED = 1000, MAX_POINTS = 100000 };
#define FORMAT_VERSION 1

/* ---- the scenarios ------------------------------------------------------------ */

typedef struct {
  int S;
  bw_params *p;  /* [S] */
  char **name;   /* [S] label in outputs */
  char **yaml;   /* [S] resolved params */
  char **changed;/* [S] "key: base -> value" lines ("" for the base) */
  /* [S] the params file each was loaded from (with the --set of the
   * command line) and what changed it after (--vs, --grid; NULL: nothing):
   * where bw_params_check_data finds the file and line of a key */
  const char **file, **origin;
  /* sweep: the grid */
  int nkeys;
  char *keys[MAX_GRID_KEYS];
  char **values; /* [S * nkeys] value texts */
} scenarios;

static void scenarios_free(scenarios *sc) {
  for (int s = 0; s < sc->S; s++) {
    if (sc->name) free(sc->name[s]);
    if (sc->yaml) free(sc->yaml[s]);
    if (sc->changed) free(sc->changed[s]);
  }
  if (sc->values)
    for (int i = 0; i < sc->S * sc->nkeys; i++) free(sc->values[i]);
  for (int k = 0; k < sc->nkeys; k++) free(sc->keys[k]);
  free(sc->p), free(sc->name), free(sc->yaml), free(sc->changed), free(sc->values);
  free(sc->file), free(sc->origin);
  memset(sc, 0, sizeof *sc);
}

static int scenarios_alloc(scenarios *sc, int S) {
  sc->S = S;
  sc->p = calloc((size_t)S, sizeof *sc->p);
  sc->name = calloc((size_t)S, sizeof *sc->name);
  sc->yaml = calloc((size_t)S, sizeof *sc->yaml);
  sc->changed = calloc((size_t)S, sizeof *sc->changed);
  sc->file = calloc((size_t)S, sizeof *sc->file);
  sc->origin = calloc((size_t)S, sizeof *sc->origin);
  return sc->p && sc->name && sc->yaml && sc->changed && sc->file && sc->origin ? 0 : -1;
}

/* "key: a -> b" for every table key whose value differs; malloc'd */
static char *describe_changes(const bw_params *base, const bw_params *p) {
  size_t cap = 256, len = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  out[0] = '\0';
  for (int i = 0; i < bw_params_nkeys(); i++) {
    const char *key = bw_params_key(i);
    if (!strcmp(key, "run.name") || !strcmp(key, "run.replications")) continue;
    char a[BW_PARAMS_TEXT_MAX], b[BW_PARAMS_TEXT_MAX];
    if (bw_params_value_text(base, key, a, sizeof a) || bw_params_value_text(p, key, b, sizeof b)) continue;
    if (!strcmp(a, b)) continue;
    size_t need = strlen(key) + strlen(a) + strlen(b) + 8;
    if (len + need >= cap) {
      while (len + need >= cap) cap *= 2;
      char *n = realloc(out, cap);
      if (!n) {
        free(out);
        return NULL;
      }
      out = n;
    }
    len += (size_t)snprintf(out + len, cap - len, "%s%s: %s -> %s", len ? "\n" : "", key, a, b);
  }
  return out;
}

/* The params file given, or params/default.yaml here or in the source tree. */
static const char *params_path(const char *path) {
  static char def[PATH_MAX];
  if (path) return path;
  if (bw_file_exists("params/default.yaml")) return "params/default.yaml";
  snprintf(def, sizeof def, "%s/params/default.yaml", BW_SOURCE_DIR);
  return def;
}

/* The params file with the common --set assignments, or the default params. */
static bw_status load_base(const char *path, const bw_common_opts *c, bw_params *p, bw_ctx *ctx) {
  if (!path) {
    path = params_path(NULL);
  } else if (!bw_file_exists(path)) {
    return bw_fail(ctx, BW_EUSAGE, "%s: params file not found (or not a regular file)", path);
  }
  char *text = NULL;
  bw_status st = bw_params_load_with(path, (const char *const *)c->sets, c->nsets, p, &text, ctx);
  free(text);
  return st;
}

/* The command line's -n and -s for every scenario, then the cross-field
 * checks (outer_draws <= replications), and the texts. */
static bw_status finish_scenarios(scenarios *sc, const bw_common_opts *c, bw_ctx *ctx) {
  for (int s = 0; s < sc->S; s++) {
    /* one spelling of each data file, so that scenarios from different
     * directories share their clients (a path that does not resolve is left
     * for the data loader to report) */
    char *paths[2] = {sc->p[s].gemeenten_path, sc->p[s].regions_path}, real[PATH_MAX];
    for (int k = 0; k < 2; k++)
      if (realpath(paths[k], real) && strlen(real) < BW_PATH_MAX) strcpy(paths[k], real);
    if (c->replications) sc->p[s].replications = (int)c->replications;
    else sc->p[s].replications = sc->p[0].replications;
    if (c->have_seed) sc->p[s].seed = c->seed;
    bw_status st = bw_params_validate(&sc->p[s], sc->name[s], ctx);
    if (st != BW_OK) return st;
    sc->yaml[s] = bw_params_to_yaml(&sc->p[s]);
    sc->changed[s] = s ? describe_changes(&sc->p[0], &sc->p[s]) : strdup("");
    if (!sc->yaml[s] || !sc->changed[s]) return bw_fail(ctx, BW_ENOMEM, "out of memory");
  }
  /* unique labels */
  for (int s = 1; s < sc->S; s++)
    for (int t = 0; t < s; t++)
      if (!strcmp(sc->name[s], sc->name[t])) {
        char buf[300];
        snprintf(buf, sizeof buf, "%.280s#%d", sc->name[s], s + 1);
        free(sc->name[s]);
        sc->name[s] = strdup(buf);
        if (!sc->name[s]) return bw_fail(ctx, BW_ENOMEM, "out of memory");
        t = -1;
      }
  return BW_OK;
}

/* Apply "k=v;k=v" assignments (a --vs) onto p, naming origin in messages. */
static bw_status apply_list(bw_params *p, const char *list, const char *origin, bw_ctx *ctx) {
  char *copy = strdup(list), *save = NULL;
  if (!copy) return bw_fail(ctx, BW_ENOMEM, "out of memory");
  bw_status st = BW_OK;
  int n = 0;
  for (char *tok = strtok_r(copy, ";", &save); tok && st == BW_OK; tok = strtok_r(NULL, ";", &save)) {
    while (*tok == ' ') tok++;
    if (!*tok) continue;
    st = bw_params_apply_set(p, tok, origin, ctx);
    n++;
  }
  free(copy);
  if (st == BW_OK && n == 0) st = bw_fail(ctx, BW_EUSAGE, "%s: needs key=value (got '%s')", origin, list);
  return st;
}

/* ---- the run ------------------------------------------------------------------- */

typedef struct {
  const char *cmd;
  bw_common_opts c;
  int report, yes;
  const char *lang;
  double progress_every; /* --progress-every (0: 60) */
} cmd_opts;

static void write_log(const char *dir, const char *cmd, const scenarios *sc, int threads, double seconds,
                      int groups) {
  FILE *f = bw_run_log_open(dir, cmd);
  if (!f) return;
  fprintf(f, "scenarios %d client_groups %d\nreplications %d seed %llu\n", sc->S, groups, sc->p[0].replications,
          (unsigned long long)sc->p[0].seed);
  bw_run_log_close(f, threads, seconds);
}

/* Load the data, run every scenario on common random numbers, summarise.
 * *mu and *data are the caller's to free. */
static bw_status run_all(const cmd_opts *o, const scenarios *sc, int paired, int extras, const char *out_dir,
                         const char *const *files, int nfiles, bw_data *data, bw_multi **mu, double *seconds,
                         bw_ctx *ctx) {
  bw_status st = bw_data_load(sc->p[0].gemeenten_path, sc->p[0].regions_path, data, ctx);
  if (st != BW_OK) return st;
  /* every scenario against the data (paired: their differences too), before any output */
  for (int s = 0; s < sc->S; s++)
    if ((st = bw_params_check_data(&sc->p[s], data, sc->file[s], (const char *const *)o->c.sets, o->c.nsets,
                                   sc->origin[s] ? sc->origin[s] : "command line", paired, ctx)) != BW_OK)
      return st;
  if (bw_mpi_rank() == 0) {
    /* the directory is this process's until it exits (sim/fileset.h) */
    if ((st = bw_outdir_lock(out_dir, o->cmd, NULL, ctx)) != BW_OK) return st;
    bw_fileset fs;
    if ((st = bw_fileset_prepare(&fs, out_dir, o->cmd, files, nfiles, o->c.force, ctx)) != BW_OK) return st;
    bw_fileset_abort(&fs); /* a check: nothing written yet */
  }
  *mu = bw_multi_create(data, sc->p, (const char *const *)sc->name, sc->S, paired, extras, ctx);
  if (!*mu) return ctx->status;
  int threads = o->c.threads > 0 ? o->c.threads : omp_get_max_threads();
  if (o->c.threads > 0) omp_set_num_threads(o->c.threads); /* the summaries too */
  int groups = bw_multi_ngroups(*mu);
  if (!o->c.quiet && bw_mpi_rank() == 0)
    fprintf(stderr,
            "bwsim %s %s: %d scenarios, %d replications, seed %llu, %d thread%s; clients simulated %s\n",
            BW_VERSION, o->cmd, sc->S, sc->p[0].replications, (unsigned long long)sc->p[0].seed, threads,
            threads == 1 ? "" : "s",
            groups == 1 ? "once per replication (the scenarios differ only on the budget side)"
                        : "once per group of scenarios with the same clients");
  /* a bar on a terminal, else a line every --progress-every seconds (as run) */
  bw_run_opts ro = {o->c.threads, o->c.quiet ? 0 : isatty(STDERR_FILENO) ? BW_PROGRESS_BAR : BW_PROGRESS_LINES, NULL,
                    o->progress_every};
  double t0 = omp_get_wtime();
  if ((st = bw_multi_run(*mu, &ro, 0, sc->p[0].replications, ctx)) != BW_OK) return st;
  *seconds = omp_get_wtime() - t0;
  if (bw_mpi_rank() == 0 && (st = bw_multi_summarise(*mu, ctx)) != BW_OK) return st;
  return BW_OK;
}


/* ---- compare outputs ---------------------------------------------------------- */

typedef struct {
  const scenarios *sc;
  const bw_multi *mu;
  const bw_data *d;
  int **ix; /* [S][ng]: risk row of gemeente g */
  const bw_csv_style *csv;
} cmp_out;

static const char *change_word(int c) { return c > 0 ? "gained" : c < 0 ? "lost" : "unchanged"; }

static void write_compare_csv(FILE *f, const void *arg) {
  const cmp_out *o = arg;
  const bw_data *d = o->d;
  const bw_summary *sb = bw_multi_summary(o->mu, 0);
  bw_csv c;
  bw_csv_begin(&c, f, o->csv, sb->nrep);
  bw_csv_header(&c, "scenario,code,name,region,delta_mean_cum_shortfall_eur,delta_mean_cum_shortfall_se,"
                    "delta_mean_cum_shortfall_se_unpaired,delta_p_max_year,delta_p_max_year_se,"
                    "delta_p_max_year_se_unpaired,p_max_year_base,p_max_year_scenario,flag_base,flag_scenario,"
                    "flag_base_stable,flag_scenario_stable,flag_change,flag_change_stable,"
                    "mean_cum_shortfall_base_eur,mean_cum_shortfall_scenario_eur");
  for (int k = 1; k < o->sc->S; k++) {
    const bw_summary *sk = bw_multi_summary(o->mu, k);
    const bw_delta *dl = bw_multi_delta(o->mu, k);
    for (int g = 0; g < d->ng; g++) {
      const bw_risk_row *rb = &sb->risk[o->ix[0][g]], *rk = &sk->risk[o->ix[k][g]];
      bw_csv_text(&c, o->sc->name[k]);
      bw_csv_text(&c, d->g[g].code);
      bw_csv_text(&c, d->g[g].name);
      bw_csv_text(&c, d->r[d->g[g].region].code);
      bw_csv_num(&c, dl->cum_mean[g], BW_NUM_EUR);
      bw_csv_num(&c, dl->cum_se[g], BW_NUM_SE);
      bw_csv_num(&c, dl->cum_se_unpaired[g], BW_NUM_SE);
      bw_csv_num(&c, dl->p[g], BW_NUM_PROB);
      bw_csv_num(&c, dl->p_se[g], BW_NUM_SE);
      bw_csv_num(&c, dl->p_se_unpaired[g], BW_NUM_SE);
      bw_csv_num(&c, rb->p_max_year, BW_NUM_PROB);
      bw_csv_num(&c, rk->p_max_year, BW_NUM_PROB);
      bw_csv_int(&c, rb->flagged);
      bw_csv_int(&c, rk->flagged);
      bw_csv_int(&c, rb->flag_stable);
      bw_csv_int(&c, rk->flag_stable);
      bw_csv_text(&c, change_word(dl->flag_change[g]));
      bw_csv_int(&c, dl->flag_change_stable[g]);
      bw_csv_num(&c, rb->cum_mean, BW_NUM_EUR);
      bw_csv_num(&c, rk->cum_mean, BW_NUM_EUR);
      bw_csv_end(&c);
    }
  }
}

static void write_compare_regions_csv(FILE *f, const void *arg) {
  const cmp_out *o = arg;
  const bw_data *d = o->d;
  const bw_summary *sb = bw_multi_summary(o->mu, 0);
  bw_csv c;
  bw_csv_begin(&c, f, o->csv, sb->nrep);
  bw_csv_header(&c, "scenario,code,name,delta_mean_cum_shortfall_eur,delta_mean_cum_shortfall_se,delta_p_max_year,"
                    "delta_p_max_year_se,p_max_year_base,p_max_year_scenario,flag_base,flag_scenario,flag_change");
  for (int k = 1; k < o->sc->S; k++) {
    const bw_summary *sk = bw_multi_summary(o->mu, k);
    const bw_delta *dl = bw_multi_delta(o->mu, k);
    for (int r = 0; r < d->nr; r++) {
      bw_csv_text(&c, o->sc->name[k]);
      bw_csv_text(&c, d->r[r].code);
      bw_csv_text(&c, d->r[r].name);
      bw_csv_num(&c, dl->reg_cum_mean[r], BW_NUM_EUR);
      bw_csv_num(&c, dl->reg_cum_se[r], BW_NUM_SE);
      bw_csv_num(&c, dl->reg_p[r], BW_NUM_PROB);
      bw_csv_num(&c, dl->reg_p_se[r], BW_NUM_SE);
      bw_csv_num(&c, sb->region_risk[r].p_max_year, BW_NUM_PROB);
      bw_csv_num(&c, sk->region_risk[r].p_max_year, BW_NUM_PROB);
      bw_csv_int(&c, sb->region_risk[r].flagged);
      bw_csv_int(&c, sk->region_risk[r].flagged);
      bw_csv_text(&c, change_word(dl->reg_flag_change[r]));
      bw_csv_end(&c);
    }
  }
}

static void write_compare_national_csv(FILE *f, const void *arg) {
  const cmp_out *o = arg;
  const bw_summary *sb = bw_multi_summary(o->mu, 0);
  int ny = sb->ny;
  bw_csv c;
  bw_csv_begin(&c, f, o->csv, sb->nrep);
  bw_csv_header(&c, "scenario,year,quantity,delta_mean,delta_se,delta_q05,delta_q50,delta_q95,mean_base,"
                    "mean_scenario");
  for (int k = 1; k < o->sc->S; k++) {
    const bw_summary *sk = bw_multi_summary(o->mu, k);
    const bw_delta *dl = bw_multi_delta(o->mu, k);
    for (int q = 0; q < BW_NQ; q++) {
      bw_num_kind kind = bw_num_kind_of_unit(bw_quantity_unit(q));
      for (int y = 0; y < ny; y++) {
        const bw_stat *st = &dl->nat[q * ny + y];
        bw_csv_text(&c, o->sc->name[k]);
        bw_csv_int(&c, sb->first_year + y);
        bw_csv_text(&c, bw_quantity_name(q));
        bw_csv_num(&c, st->mean, kind);
        bw_csv_num(&c, st->se_mean, BW_NUM_SE);
        bw_csv_num(&c, st->q05, kind);
        bw_csv_num(&c, st->q50, kind);
        bw_csv_num(&c, st->q95, kind);
        bw_csv_num(&c, sb->national[q * ny + y].mean, kind);
        bw_csv_num(&c, sk->national[q * ny + y].mean, kind);
        bw_csv_end(&c);
      }
    }
  }
}

/* ---- HDF5: the parts compare.h5 and sweep.h5 share -------------------------- */

static const char *g_code(const bw_data *d, int i) { return d->g[i].code; }

/* The coordinates (dimension scales) of compare.h5 and sweep.h5; the
 * scenario coordinate is /scenarios/scenario (compare) or /scenarios/point
 * (sweep). */
#define SC_YEARS "/years"
#define SC_GEM "/gemeenten/gemeente"
#define SC_REG "/regions/region"
#define SC_QUANTITY "/national/quantity"

/* Attach the datasets grp/NAME, for each NAME of the comma-separated names,
 * to the scales sc0 (and sc1 when not NULL). */
static void dims_of(bw_h5 *h, const char *grp, const char *names, const char *sc0, const char *sc1) {
  char path[256];
  for (const char *n = names; *n && bw_h5_ok(h);) {
    size_t len = strcspn(n, ",");
    snprintf(path, sizeof path, "%s/%.*s", grp, (int)len, n);
    bw_h5_dims(h, path, sc0, sc1);
    n += len + (n[len] == ',');
  }
}

/* The [S] coordinate of the scenarios or grid points (0 .. S-1) as the scale
 * at path. */
static void h5_index_scale(bw_h5 *h, const char *path, const char *name, int S, const char *desc) {
  int *ix = malloc((size_t)(S > 0 ? S : 1) * sizeof *ix);
  if (!ix) {
    bw_fail(h->ctx, BW_ENOMEM, "out of memory writing %s", h->shown);
    return;
  }
  for (int s = 0; s < S; s++) ix[s] = s;
  hsize_t dn = (hsize_t)S;
  bw_h5_ints(h, path, 1, &dn, ix, desc);
  bw_h5_scale(h, path, name);
  free(ix);
}

static void h5_common(bw_h5 *h, const char *format, const char *scen_dim, const scenarios *sc, const bw_multi *mu,
                      const bw_data *d, const char *run_id) {
  const bw_params *p = &sc->p[0];
  bw_h5_attr_str(h, "/", "format", format);
  bw_h5_attr_int(h, "/", "format_version", FORMAT_VERSION);
  bw_h5_attr_str(h, "/", "run_id", run_id); /* as in the manifest (sim/output.h bw_run_id) */
  bw_h5_attr_str(h, "/", "bwsim_version", BW_VERSION);
  bw_h5_attr_u64(h, "/", "seed", p->seed);
  bw_h5_attr_int(h, "/", "replications", p->replications);
  bw_h5_attr_double(h, "/", "theta_eur_per_inhabitant", p->threshold_eur_per_inhabitant);
  bw_h5_attr_double(h, "/", "p_star", p->p_star);
  bw_h5_attr_int(h, "/", "first_year", p->first_year);
  bw_h5_attr_int(h, "/", "last_year", p->last_year);
  bw_h5_attr_int(h, "/", "start_year", p->start_year); /* the base's: the reform years start there */
  bw_h5_attr_int(h, "/", "client_groups", bw_multi_ngroups(mu));
  int ny = bw_params_nyears(p), ng = d->ng, nr = d->nr;
  int *years = malloc((size_t)ny * sizeof *years);
  const char **gs = malloc((size_t)(ng > nr ? ng : nr) * 3 * sizeof *gs);
  double *dv = malloc((size_t)ng * 3 * sizeof *dv);
  int *iv = malloc((size_t)ng * sizeof *iv);
  if (!years || !gs || !dv || !iv) {
    bw_fail(h->ctx, BW_ENOMEM, "out of memory writing %s", h->shown);
  } else {
    for (int y = 0; y < ny; y++) years[y] = p->first_year + y;
    hsize_t dy = (hsize_t)ny, dg = (hsize_t)ng, dr = (hsize_t)nr, dq = BW_NQ;
    bw_h5_ints(h, SC_YEARS, 1, &dy, years, "calendar years");
    bw_h5_scale(h, SC_YEARS, "years");
    bw_h5_group(h, "/gemeenten", "the gemeenten, in data order (the order of every [ng] dataset)");
    for (int g = 0; g < ng; g++) {
      gs[g] = g_code(d, g);
      gs[ng + g] = d->g[g].name;
      gs[2 * ng + g] = d->g[g].province;
      iv[g] = d->g[g].region;
      dv[g] = d->g[g].lat;
      dv[ng + g] = d->g[g].lon;
      dv[2 * ng + g] = d->g[g].population;
    }
    bw_h5_strings(h, SC_GEM, 1, &dg, gs, "CBS gemeente code: the coordinate of the gemeente dimension");
    bw_h5_scale(h, SC_GEM, "gemeente");
    bw_h5_strings(h, "/gemeenten/code", 1, &dg, gs, "CBS gemeente code");
    bw_h5_strings(h, "/gemeenten/name", 1, &dg, gs + ng, "name");
    bw_h5_strings(h, "/gemeenten/province", 1, &dg, gs + 2 * ng, "province");
    bw_h5_ints(h, "/gemeenten/region", 1, &dg, iv, "index of its region in /regions");
    bw_h5_doubles(h, "/gemeenten/lat", 1, &dg, dv, "centroid latitude", "degrees");
    bw_h5_doubles(h, "/gemeenten/lon", 1, &dg, dv + ng, "centroid longitude", "degrees");
    bw_h5_doubles(h, "/gemeenten/population", 1, &dg, dv + 2 * ng, "population in the first year",
                  "inhabitants");
    dims_of(h, "/gemeenten", "code,name,province,region,lat,lon,population", SC_GEM, NULL);
    bw_h5_group(h, "/regions", "the regions (centrumgemeente and its members), in data order");
    for (int r = 0; r < nr; r++) {
      gs[r] = d->r[r].code;
      gs[nr + r] = d->r[r].name;
    }
    bw_h5_strings(h, SC_REG, 1, &dr, gs, "code of the region's centrumgemeente: the coordinate of the region "
                                         "dimension");
    bw_h5_scale(h, SC_REG, "region");
    bw_h5_strings(h, "/regions/code", 1, &dr, gs, "code of the region's centrumgemeente");
    bw_h5_strings(h, "/regions/name", 1, &dr, gs + nr, "name");
    dims_of(h, "/regions", "code,name", SC_REG, NULL);
    bw_h5_group(h, "/national", "national quantities (names as in national.csv)");
    const char *qn[BW_NQ];
    for (int q = 0; q < BW_NQ; q++) qn[q] = bw_quantity_name(q);
    bw_h5_strings(h, SC_QUANTITY, 1, &dq, qn, "national quantity names");
    bw_h5_scale(h, SC_QUANTITY, "quantity");
    hsize_t ds = (hsize_t)sc->S;
    bw_h5_group(h, "/scenarios", "the scenarios (index 0: the base)");
    char scen[64];
    snprintf(scen, sizeof scen, "/scenarios/%s", scen_dim);
    h5_index_scale(h, scen, scen_dim, sc->S, "index of the scenario (the coordinate of the scenario dimension)");
    bw_h5_strings(h, "/scenarios/name", 1, &ds, (const char *const *)sc->name, "scenario label");
    bw_h5_strings(h, "/scenarios/changed", 1, &ds, (const char *const *)sc->changed,
                  "what differs from the base: one line per key, 'key: base -> this'");
    bw_h5_strings(h, "/scenarios/params_yaml", 1, &ds, (const char *const *)sc->yaml,
                  "the fully resolved parameters (YAML; bwsim run reads it back)");
    int *same = malloc((size_t)sc->S * sizeof *same);
    if (same) {
      for (int s = 0; s < sc->S; s++) same[s] = bw_multi_group(mu, s) == bw_multi_group(mu, 0);
      bw_h5_ints(h, "/scenarios/same_clients", 1, &ds, same,
                 "1: the same simulated clients as the base (differs only on the budget side)");
      free(same);
    }
    dims_of(h, "/scenarios", "name,changed,params_yaml,same_clients", scen, NULL);
  }
  free(years), free(gs), free(dv), free(iv);
}

/* per gemeente risk columns of summary s into the group path (compare) */
static void h5_scenario(bw_h5 *h, const char *grp, const bw_summary *s, const int *ix, const bw_data *d) {
  int ng = d->ng, nr = d->nr, ny = s->ny;
  hsize_t dg = (hsize_t)ng, dr = (hsize_t)nr, dn[2] = {BW_NQ, (hsize_t)ny};
  size_t nbuf = (size_t)(ng > BW_NQ * ny ? ng : BW_NQ * ny);
  double *v = malloc(nbuf * sizeof *v);
  int *iv = malloc((size_t)(ng > nr ? ng : nr) * sizeof *iv);
  if (!v || !iv) {
    free(v), free(iv);
    bw_fail(h->ctx, BW_ENOMEM, "out of memory writing %s", h->shown);
    return;
  }
  char path[256];
#define GEM_D(field, name, desc, units)                           \
  do {                                                             \
    for (int g = 0; g < ng; g++) v[g] = s->risk[ix[g]].field;      \
    snprintf(path, sizeof path, "%s/%s", grp, name);               \
    bw_h5_doubles(h, path, 1, &dg, v, desc, units);                \
  } while (0)
#define GEM_I(field, name, desc)                                  \
  do {                                                             \
    for (int g = 0; g < ng; g++) iv[g] = s->risk[ix[g]].field;     \
    snprintf(path, sizeof path, "%s/%s", grp, name);               \
    bw_h5_ints(h, path, 1, &dg, iv, desc);                         \
  } while (0)
  GEM_D(p_max_year, "p_max_year", "max over the reform years of P(shortfall per inhabitant > theta)", "1");
  GEM_D(p_se, "p_se", "Monte Carlo standard error of p_max_year", "1");
  GEM_D(p_lo, "p_lo", "Wilson 95 % interval of p_max_year: lower", "1");
  GEM_D(p_hi, "p_hi", "Wilson 95 % interval of p_max_year: upper", "1");
  GEM_I(flagged, "flagged", "1: p_max_year >= p*");
  GEM_I(flag_stable, "flag_stable", "1: the 95 % interval lies wholly on one side of p*");
  GEM_I(first_bottleneck_year, "first_bottleneck_year", "first year with P >= p* (0: none)");
  GEM_D(cum_mean, "cum_mean", "mean cumulative shortfall over the reform years", "EUR");
  GEM_D(cum_se_mean, "cum_se", "Monte Carlo standard error of cum_mean", "EUR");
  GEM_D(cum_q95, "cum_q95", "95 % quantile of the cumulative shortfall", "EUR");
#undef GEM_D
#undef GEM_I
  for (int r = 0; r < nr; r++) v[r] = s->region_risk[r].p_max_year;
  snprintf(path, sizeof path, "%s/region_p_max_year", grp);
  bw_h5_doubles(h, path, 1, &dr, v, "the region's p_max_year (sums over its members)", "1");
  for (int r = 0; r < nr; r++) iv[r] = s->region_risk[r].flagged;
  snprintf(path, sizeof path, "%s/region_flagged", grp);
  bw_h5_ints(h, path, 1, &dr, iv, "1: the region is flagged");
  static const char *const nat_name[4] = {"national_mean", "national_q05", "national_q50", "national_q95"};
  for (int k = 0; k < 4; k++) {
    for (int i = 0; i < BW_NQ * ny; i++) {
      const bw_stat *st = &s->national[i];
      v[i] = k == 0 ? st->mean : k == 1 ? st->q05 : k == 2 ? st->q50 : st->q95;
    }
    snprintf(path, sizeof path, "%s/%s", grp, nat_name[k]);
    bw_h5_doubles(h, path, 2, dn, v, "national quantity x year (units: /national/quantity)", NULL);
  }
  free(v), free(iv);
  dims_of(h, grp, "p_max_year,p_se,p_lo,p_hi,flagged,flag_stable,first_bottleneck_year,cum_mean,cum_se,cum_q95",
          SC_GEM, NULL);
  dims_of(h, grp, "region_p_max_year,region_flagged", SC_REG, NULL);
  dims_of(h, grp, "national_mean,national_q05,national_q50,national_q95", SC_QUANTITY, SC_YEARS);
}

static void h5_delta(bw_h5 *h, const char *grp, const bw_delta *dl, int ng, int nr, int ny) {
  hsize_t dg = (hsize_t)ng, dr = (hsize_t)nr, dn[2] = {BW_NQ, (hsize_t)ny};
  char path[256];
  struct {
    const char *name;
    const double *v;
    hsize_t *dim;
    const char *desc, *units;
  } dd[] = {
      {"cum_mean", dl->cum_mean, &dg, "mean of the paired difference of the cumulative shortfall (scenario - base)", "EUR"},
      {"cum_se_paired", dl->cum_se, &dg, "paired Monte Carlo standard error of cum_mean", "EUR"},
      {"cum_se_unpaired", dl->cum_se_unpaired, &dg, "standard error two independent runs would give", "EUR"},
      {"p_max_year", dl->p, &dg, "difference of p_max_year (scenario - base)", "1"},
      {"p_se_paired", dl->p_se, &dg, "paired Monte Carlo standard error of the difference", "1"},
      {"p_se_unpaired", dl->p_se_unpaired, &dg, "standard error two independent runs would give", "1"},
      {"region_cum_mean", dl->reg_cum_mean, &dr, "regions: difference of the cumulative shortfall", "EUR"},
      {"region_cum_se_paired", dl->reg_cum_se, &dr, "its paired standard error", "EUR"},
      {"region_p_max_year", dl->reg_p, &dr, "regions: difference of p_max_year", "1"},
      {"region_p_se_paired", dl->reg_p_se, &dr, "its paired standard error", "1"},
  };
  for (size_t i = 0; i < sizeof dd / sizeof dd[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", grp, dd[i].name);
    bw_h5_doubles(h, path, 1, dd[i].dim, dd[i].v, dd[i].desc, dd[i].units);
  }
  snprintf(path, sizeof path, "%s/flag_change", grp);
  bw_h5_ints(h, path, 1, &dg, dl->flag_change, "+1 flag gained, -1 lost, 0 unchanged");
  snprintf(path, sizeof path, "%s/flag_change_stable", grp);
  bw_h5_ints(h, path, 1, &dg, dl->flag_change_stable, "1: both scenarios' flags are stable");
  snprintf(path, sizeof path, "%s/region_flag_change", grp);
  bw_h5_ints(h, path, 1, &dr, dl->reg_flag_change, "+1 flag gained, -1 lost, 0 unchanged");
  double *v = malloc((size_t)BW_NQ * ny * sizeof *v);
  if (!v) {
    bw_fail(h->ctx, BW_ENOMEM, "out of memory writing %s", h->shown);
    return;
  }
  static const char *const nat_name[5] = {"national_mean", "national_se_paired", "national_q05", "national_q50",
                                          "national_q95"};
  for (int k = 0; k < 5; k++) {
    for (int i = 0; i < BW_NQ * ny; i++) {
      const bw_stat *st = &dl->nat[i];
      v[i] = k == 0 ? st->mean : k == 1 ? st->se_mean : k == 2 ? st->q05 : k == 3 ? st->q50 : st->q95;
    }
    snprintf(path, sizeof path, "%s/%s", grp, nat_name[k]);
    bw_h5_doubles(h, path, 2, dn, v, "paired difference of a national quantity x year (scenario - base)", NULL);
  }
  free(v);
  dims_of(h, grp, "cum_mean,cum_se_paired,cum_se_unpaired,p_max_year,p_se_paired,p_se_unpaired,flag_change,"
                  "flag_change_stable",
          SC_GEM, NULL);
  dims_of(h, grp, "region_cum_mean,region_cum_se_paired,region_p_max_year,region_p_se_paired,region_flag_change",
          SC_REG, NULL);
  dims_of(h, grp, "national_mean,national_se_paired,national_q05,national_q50,national_q95", SC_QUANTITY,
          SC_YEARS);
}

static bw_status write_compare_h5(const char *tmp, const char *shown, const void *arg, const char *run_id,
                                  bw_ctx *ctx) {
  const cmp_out *o = arg;
  bw_h5 h;
  if (bw_h5_create(&h, tmp, shown, ctx) != BW_OK) return ctx->status;
  h5_common(&h, "bwsim-compare", "scenario", o->sc, o->mu, o->d, run_id);
  bw_h5_group(&h, "/scenario", "per scenario: its own flags and statistics (as bwsim run gives them)");
  bw_h5_group(&h, "/delta", "per scenario k >= 1: paired differences with the base (scenario - base)");
  const bw_summary *sb = bw_multi_summary(o->mu, 0);
  for (int s = 0; s < o->sc->S; s++) {
    char grp[64];
    snprintf(grp, sizeof grp, "/scenario/%d", s);
    bw_h5_group(&h, grp, NULL);
    bw_h5_attr_str(&h, grp, "name", o->sc->name[s]);
    h5_scenario(&h, grp, bw_multi_summary(o->mu, s), o->ix[s], o->d);
    if (s == 0) continue;
    snprintf(grp, sizeof grp, "/delta/%d", s);
    bw_h5_group(&h, grp, NULL);
    bw_h5_attr_str(&h, grp, "name", o->sc->name[s]);
    h5_delta(&h, grp, bw_multi_delta(o->mu, s), o->d->ng, o->d->nr, sb->ny);
  }
  return bw_h5_close(&h);
}

/* ---- sweep outputs ------------------------------------------------------------- */

typedef struct {
  int n_flagged, n_flagged_stable, argmax_g;
  double max_q95_pi, max_q95_pi_se;
} point_row;

typedef struct {
  const scenarios *sc;
  const bw_multi *mu;
  const bw_data *d;
  int **ix;
  point_row *rows;
  const bw_csv_style *csv;
} sweep_out;

/* The largest 95 % quantile of the cumulative shortfall per inhabitant
 * (population of the first reform year) over the gemeenten. */
static point_row point_measures(const bw_summary *s, const bw_model *m) {
  point_row r = {0, 0, -1, NAN, NAN};
  const bw_params *p = bw_model_params(m);
  int y = p->start_year - p->first_year;
  if (y < 0) y = 0;
  if (y >= s->ny) y = s->ny - 1;
  for (int i = 0; i < s->ng; i++) {
    const bw_risk_row *row = &s->risk[i];
    r.n_flagged += row->flagged;
    r.n_flagged_stable += row->flagged && row->flag_stable;
    double pop = bw_model_population(m, row->g, y);
    double v = row->cum_q95 / pop;
    if (r.argmax_g < 0 || v > r.max_q95_pi || (v == r.max_q95_pi && row->g < r.argmax_g)) {
      r.max_q95_pi = v;
      r.max_q95_pi_se = row->cum_se_q95 / pop;
      r.argmax_g = row->g;
    }
  }
  return r;
}

static void write_sweep_csv(FILE *f, const void *arg) {
  const sweep_out *o = arg;
  bw_csv c;
  bw_csv_begin(&c, f, o->csv, bw_multi_summary(o->mu, 0)->nrep);
  bw_csv_text(&c, "point");
  for (int k = 0; k < o->sc->nkeys; k++) bw_csv_text(&c, o->sc->keys[k]);
  bw_csv_names(&c, "n_flagged,n_flagged_stable,national_shortfall_mean_eur,national_shortfall_mean_eur_se,"
                   "national_shortfall_q95_eur,national_shortfall_q95_eur_se,positive_shortfall_sum_eur,"
                   "positive_shortfall_sum_eur_se,max_q95_shortfall_per_inhabitant_eur,"
                   "max_q95_shortfall_per_inhabitant_eur_se,max_q95_gemeente");
  bw_csv_end(&c);
  for (int s = 0; s < o->sc->S; s++) {
    const bw_point_extra *e = bw_multi_extra(o->mu, s);
    const point_row *r = &o->rows[s];
    bw_csv_int(&c, s);
    for (int k = 0; k < o->sc->nkeys; k++) bw_csv_value_text(&c, o->sc->values[s * o->sc->nkeys + k]);
    bw_csv_int(&c, r->n_flagged);
    bw_csv_int(&c, r->n_flagged_stable);
    bw_csv_num(&c, e->natcum.mean, BW_NUM_EUR);
    bw_csv_num(&c, e->natcum.se_mean, BW_NUM_SE);
    bw_csv_num(&c, e->natcum.q95, BW_NUM_EUR);
    bw_csv_num(&c, e->natcum.se_q95, BW_NUM_SE);
    bw_csv_num(&c, e->possum.mean, BW_NUM_EUR);
    bw_csv_num(&c, e->possum.se_mean, BW_NUM_SE);
    bw_csv_num(&c, r->max_q95_pi, BW_NUM_EUR_PER_INH);
    bw_csv_num(&c, r->max_q95_pi_se, BW_NUM_SE);
    bw_csv_text(&c, r->argmax_g >= 0 ? o->d->g[r->argmax_g].code : "");
    bw_csv_end(&c);
  }
}

static void write_sweep_gemeenten_csv(FILE *f, const void *arg) {
  const sweep_out *o = arg;
  bw_csv c;
  bw_csv_begin(&c, f, o->csv, bw_multi_summary(o->mu, 0)->nrep);
  bw_csv_header(&c, "point,code,p_max_year,flagged,p_se,flag_stable,mean_cum_shortfall_eur");
  for (int s = 0; s < o->sc->S; s++) {
    const bw_summary *sm = bw_multi_summary(o->mu, s);
    for (int g = 0; g < o->d->ng; g++) {
      const bw_risk_row *r = &sm->risk[o->ix[s][g]];
      bw_csv_int(&c, s);
      bw_csv_text(&c, o->d->g[g].code);
      bw_csv_num(&c, r->p_max_year, BW_NUM_PROB);
      bw_csv_int(&c, r->flagged);
      bw_csv_num(&c, r->p_se, BW_NUM_SE);
      bw_csv_int(&c, r->flag_stable);
      bw_csv_num(&c, r->cum_mean, BW_NUM_EUR);
      bw_csv_end(&c);
    }
  }
}

/* A grid value as a number, NaN when it is not one. */
static double as_number(const char *t) {
  char *end;
  double v = strtod(t, &end);
  return end != t && *end == '\0' ? v : NAN;
}

static bw_status write_sweep_h5(const char *tmp, const char *shown, const void *arg, const char *run_id,
                                bw_ctx *ctx) {
  const sweep_out *o = arg;
  bw_h5 h;
  if (bw_h5_create(&h, tmp, shown, ctx) != BW_OK) return ctx->status;
  const scenarios *sc = o->sc;
  int S = sc->S, K = sc->nkeys, ng = o->d->ng;
  h5_common(&h, "bwsim-sweep", "point", sc, o->mu, o->d, run_id);
  hsize_t dk = (hsize_t)K, dpk[2] = {(hsize_t)S, (hsize_t)K}, dp = (hsize_t)S, dpg[2] = {(hsize_t)S, (hsize_t)ng};
  bw_h5_group(&h, "/grid", "the grid: keys, and each point's values");
  bw_h5_strings(&h, "/grid/keys", 1, &dk, (const char *const *)sc->keys, "params keys of the grid");
  bw_h5_scale(&h, "/grid/keys", "keys");
  bw_h5_strings(&h, "/grid/values", 2, dpk, (const char *const *)sc->values, "value text of each key at each point");
  size_t nbuf = (size_t)S * (size_t)(ng > K ? ng : K);
  double *v = malloc(nbuf * sizeof *v);
  int *iv = malloc(nbuf * sizeof *iv);
  if (!v || !iv) {
    free(v), free(iv);
    bw_fail(ctx, BW_ENOMEM, "out of memory writing %s", shown);
    return bw_h5_close(&h);
  }
  for (int i = 0; i < S * K; i++) v[i] = as_number(sc->values[i]);
  bw_h5_doubles(&h, "/grid/numeric", 2, dpk, v, "the value as a number (NaN when it is not one)", NULL);
  bw_h5_group(&h, "/points", "outcome measures per grid point (docs/scenarios.md defines each)");
  struct {
    const char *name, *desc, *units;
    int which; /* 0 natcum mean, 1 natcum q95, 2 possum mean, 3 max q95 per inhabitant */
  } ms[] = {
      {"national_shortfall_mean_eur", "mean national shortfall summed over the reform years", "EUR", 0},
      {"national_shortfall_q95_eur", "95 % quantile of the national shortfall summed over the reform years", "EUR", 1},
      {"positive_shortfall_sum_eur", "mean over replications of the sum over gemeenten of max(0, cumulative shortfall)", "EUR", 2},
      {"max_q95_shortfall_per_inhabitant_eur", "largest 95 % quantile of a gemeente's cumulative shortfall per inhabitant", "EUR/inhabitant", 3},
  };
  char path[128];
  for (size_t m = 0; m < sizeof ms / sizeof ms[0]; m++)
    for (int se = 0; se < 2; se++) {
      for (int s = 0; s < S; s++) {
        const bw_point_extra *e = bw_multi_extra(o->mu, s);
        const point_row *r = &o->rows[s];
        switch (ms[m].which) {
        case 0: v[s] = se ? e->natcum.se_mean : e->natcum.mean; break;
        case 1: v[s] = se ? e->natcum.se_q95 : e->natcum.q95; break;
        case 2: v[s] = se ? e->possum.se_mean : e->possum.mean; break;
        default: v[s] = se ? r->max_q95_pi_se : r->max_q95_pi; break;
        }
      }
      snprintf(path, sizeof path, "/points/%s%s", ms[m].name, se ? "_se" : "");
      bw_h5_doubles(&h, path, 1, &dp, v, se ? "Monte Carlo standard error" : ms[m].desc, ms[m].units);
    }
  for (int s = 0; s < S; s++) iv[s] = o->rows[s].n_flagged;
  bw_h5_ints(&h, "/points/n_flagged", 1, &dp, iv, "number of flagged gemeenten");
  for (int s = 0; s < S; s++) iv[s] = o->rows[s].n_flagged_stable;
  bw_h5_ints(&h, "/points/n_flagged_stable", 1, &dp, iv, "number of flagged gemeenten whose flag is stable");
  for (int pass = 0; pass < 4; pass++) {
    for (int s = 0; s < S; s++) {
      const bw_summary *sm = bw_multi_summary(o->mu, s);
      for (int g = 0; g < ng; g++) {
        const bw_risk_row *r = &sm->risk[o->ix[s][g]];
        size_t i = (size_t)s * ng + g;
        if (pass == 0) v[i] = r->p_max_year;
        else if (pass == 1) v[i] = r->cum_mean;
        else if (pass == 2) iv[i] = r->flagged;
        else iv[i] = r->flag_stable;
      }
    }
    if (pass == 0) bw_h5_doubles(&h, "/p_max_year", 2, dpg, v, "point x gemeente: p_max_year", "1");
    else if (pass == 1) bw_h5_doubles(&h, "/cum_mean", 2, dpg, v, "point x gemeente: mean cumulative shortfall", "EUR");
    else if (pass == 2) bw_h5_ints(&h, "/flagged", 2, dpg, iv, "point x gemeente: 1 when flagged");
    else bw_h5_ints(&h, "/flag_stable", 2, dpg, iv, "point x gemeente: 1 when the flag is stable");
  }
  free(v), free(iv);
  dims_of(&h, "/grid", "values,numeric", "/scenarios/point", "/grid/keys");
  dims_of(&h, "/points",
          "national_shortfall_mean_eur,national_shortfall_mean_eur_se,national_shortfall_q95_eur,"
          "national_shortfall_q95_eur_se,positive_shortfall_sum_eur,positive_shortfall_sum_eur_se,"
          "max_q95_shortfall_per_inhabitant_eur,max_q95_shortfall_per_inhabitant_eur_se,n_flagged,n_flagged_stable",
          "/scenarios/point", NULL);
  dims_of(&h, "", "p_max_year,cum_mean,flagged,flag_stable", "/scenarios/point", SC_GEM);
  return bw_h5_close(&h);
}

/* ---- the file set --------------------------------------------------------------- */

typedef bw_status (*h5_writer)(const char *tmp, const char *shown, const void *arg, const char *run_id, bw_ctx *ctx);

/* The file set of compare or sweep (sim/fileset.h): files[0..nfiles-2] by
 * the CSV writers csv[], the last by h5 (each given arg), and the manifest
 * CMD.sha256, under the run id of the scenarios (sim/output.h); then
 * run.log, as bwsim run does (not part of the set). */
static bw_status write_set(const cmd_opts *o, const scenarios *sc, const bw_multi *mu, double seconds,
                           const char *out_dir, const char *const *files, int nfiles, const bw_text_writer *csv,
                           h5_writer h5, const void *arg, bw_ctx *ctx) {
  const char *cmd = o->cmd;
  char gem[65], reg[65], run_id[65];
  bw_status st;
  if ((st = bw_sha256_file(sc->p[0].gemeenten_path, gem, ctx)) != BW_OK ||
      (st = bw_sha256_file(sc->p[0].regions_path, reg, ctx)) != BW_OK)
    return st;
  const bw_run_identity who = {cmd, "", sc->p[0].seed, sc->p[0].replications, gem, reg, sc->S,
                               (const char *const *)sc->name, (const char *const *)sc->yaml};
  if ((st = bw_run_id(&who, run_id, ctx)) != BW_OK) return st;
  bw_fileset fs;
  if ((st = bw_fileset_prepare(&fs, out_dir, cmd, files, nfiles, o->c.force, ctx)) != BW_OK) return st;
  for (int i = 0; i < nfiles - 1 && st == BW_OK; i++) st = bw_fileset_write_text(&fs, i, csv[i], arg, ctx);
  if (st == BW_OK && (st = h5(fs.tmp[nfiles - 1], fs.dst[nfiles - 1], arg, run_id, ctx)) == BW_OK)
    st = bw_fileset_sync(&fs, nfiles - 1, ctx);
  if (st != BW_OK) {
    bw_fileset_abort(&fs);
    return st;
  }
  if ((st = bw_fileset_commit(&fs, run_id, ctx)) == BW_OK)
    write_log(out_dir, cmd, sc, o->c.threads > 0 ? o->c.threads : omp_get_max_threads(), seconds,
              bw_multi_ngroups(mu));
  return st;
}

/* ---- command line ------------------------------------------------------------- */

static const char *const usage_compare =
    "Usage: bwsim compare BASE.yaml OTHER.yaml [MORE.yaml ...] [options]\n"
    "       bwsim compare BASE.yaml --vs 'key=value[;key=value]' [--vs ...] [options]\n"
    "\n"
    "Runs the scenarios on common random numbers - every scenario sees the same simulated\n"
    "futures - and reports, per gemeente and region, how each differs from the base: the change\n"
    "of the mean cumulative shortfall over the reform years and of the flag probability, each\n"
    "with its PAIRED Monte Carlo standard error (far smaller than two separate runs give:\n"
    "docs/scenarios.md), and the flags gained or lost, marked stable or not; per year the\n"
    "national differences. Scenarios that differ from each other only on the budget side\n"
    "(verdeelmodel, ingroeipad, pooling, budget index, bijsturing, thresholds) share their\n"
    "clients: each replication simulates them once.\n"
    "\n"
    "Each scenario's own flags and probabilities are exactly those of 'bwsim run' with the same\n"
    "params and seed. The scenarios must share run.seed, the years and the data.\n"
    "\n"
    "Options:\n"
    "      --vs 'k=v;k=v'     one more scenario: the base with these changes (repeatable).\n"
    "      --set key=value    change a parameter in EVERY scenario (repeatable; as for run).\n"
    "  -n, --replications N   replications (default: the base's run.replications).\n"
    "  -s, --seed S           seed of every scenario (default: the base's run.seed).\n"
    "  -t, --threads T        OpenMP threads.   -q, --quiet   no progress, no table.\n"
    "      --progress-every S when stderr is not a terminal (a batch job), a progress line every\n"
    "                         S seconds (default 60; 30s, 5m also read).\n"
    "  -o, --out DIR          output directory (default: results/compare).\n"
    "  -f, --force            replace existing result files in DIR.\n"
    "      --report           also write DIR/report/ (bwsim report DIR).  --lang nl|en\n"
    BW_CSV_DIALECT_HELP
    "  -h, --help             this text.\n"
    "\n"
    "Writes, atomically (all files or none):\n"
    "  DIR/compare.csv           one row per gemeente x non-base scenario: scenario, code, name,\n"
    "                            region, delta_mean_cum_shortfall_eur (+ _se paired, _se_unpaired),\n"
    "                            delta_p_max_year (+ _se, _se_unpaired), p_max_year_base/_scenario,\n"
    "                            flag_base, flag_scenario, their stability, flag_change\n"
    "                            (gained | lost | unchanged), flag_change_stable, the two means.\n"
    "  DIR/compare_regions.csv   the same per region (sums over its members).\n"
    "  DIR/compare_national.csv  per scenario, year and national quantity: the paired difference\n"
    "                            (mean, se, q05, q50, q95) and the two means.\n"
    "  DIR/compare.h5            all of it, with each scenario's resolved params (results/README.md).\n"
    "  DIR/run.log               wall time, threads, host.\n"
    "\n"
    "Example:\n"
    "  bwsim compare params/default.yaml params/scenarios/linear.yaml --vs policy.pooling=region\n";

static const char *const usage_sweep =
    "Usage: bwsim sweep PARAMS.yaml --grid key=v1,v2,... [--grid key=...] [options]\n"
    "\n"
    "Runs every point of the grid (the Cartesian product of the --grid values; the last key\n"
    "varies fastest) on common random numbers, and writes per point the outcome measures that\n"
    "benchmark a verdeelmodel or a policy: how many gemeenten are flagged (and how many of those\n"
    "flags are stable), the national shortfall over the reform years (mean and 95 % quantile),\n"
    "the sum of the gemeenten's positive shortfalls, and the largest 95 % quantile of a\n"
    "gemeente's cumulative shortfall per inhabitant - each with its standard error. When the\n"
    "grid keys are budget-side only (verdeelmodel weights, ingroeipad, pooling, budget index,\n"
    "thresholds), the clients are simulated once per replication for all points.\n"
    "\n"
    "Each point's flags and probabilities are exactly those of 'bwsim run' of the same params.\n"
    "\n"
    "Grid values: a list v1,v2,... (commas inside [] or {} belong to the value), or a range\n"
    "FROM:TO:STEP (numbers, TO included), e.g. --grid budget.verdeelmodel.urbanity=0:1:0.25.\n"
    "\n"
    "Options:\n"
    "      --grid key=values  one axis of the grid (repeatable, at most 8).\n"
    "      --set key=value    change a parameter at every point (repeatable).\n"
    "      --yes              run a grid of more than 1000 points.\n"
    "  -n, --replications N   -s, --seed S   -t, --threads T   -q, --quiet\n"
    "      --progress-every S when stderr is not a terminal, a progress line every S seconds\n"
    "                         (default 60; 30s, 5m also read).\n"
    "  -o, --out DIR          output directory (default: results/sweep).   -f, --force\n"
    "      --report [--lang nl|en]   also write DIR/report/.\n"
    BW_CSV_DIALECT_HELP
    "  -h, --help             this text.\n"
    "\n"
    "Writes, atomically: DIR/sweep.csv (one row per point: the grid keys as columns, n_flagged,\n"
    "n_flagged_stable, national_shortfall_mean_eur, national_shortfall_q95_eur,\n"
    "positive_shortfall_sum_eur, max_q95_shortfall_per_inhabitant_eur, each with _se),\n"
    "DIR/sweep_gemeenten.csv (point, code, p_max_year, flagged, p_se, flag_stable,\n"
    "mean_cum_shortfall_eur), DIR/sweep.h5, DIR/run.log.\n"
    "\n"
    "Example (verdeelmodel benchmarking):\n"
    "  bwsim sweep params/default.yaml --grid budget.verdeelmodel.urbanity=0,0.5,1 \\\n"
    "              --grid budget.verdeelmodel.single_hh=0.5,1,1.5 -n 400\n";

/* "N" or "N" followed by s, m or h: seconds (as bwsim run's --progress-every). */
static int parse_seconds(const char *s, double *seconds) {
  long long n;
  double sec;
  if (bw_parse_every(s, &n, &sec)) return -1;
  *seconds = sec > 0 ? sec : (double)n;
  return 0;
}

/* Options of compare and sweep; positional files into files[]. 1 = --help shown. */
static int parse_opts(const char *cmd, int argc, char **argv, cmd_opts *o, const char **files, int *nfiles,
                      const char **extra, int *nextra, const char *extra_opt, const char *usage) {
  memset(o, 0, sizeof *o);
  o->cmd = cmd;
  *nfiles = *nextra = 0;
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    int taken;
    if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
      fputs(usage, stdout);
      return 1;
    } else if ((taken = bw_parse_common_opt(cmd, argc, argv, &i, 1, 100000000, &o->c)) != 0) {
      if (taken == 2) return 2;
    } else if (!strcmp(s, extra_opt)) {
      if (i + 1 >= argc) return bw_usage_error(cmd, "option '%s' needs a value", s);
      if (*nextra >= MAX_SCEN) return bw_usage_error(cmd, "at most 64 %s options", extra_opt);
      extra[(*nextra)++] = argv[++i];
    } else if (!strcmp(s, "--progress-every")) {
      if (i + 1 >= argc) return bw_usage_error(cmd, "option '%s' needs a value", s);
      if (parse_seconds(argv[++i], &o->progress_every))
        return bw_usage_error(cmd, "--progress-every: seconds between progress lines (60, 30s, 5m; got '%s')",
                              argv[i]);
    } else if (!strcmp(s, "--report")) {
      o->report = 1;
    } else if (!strcmp(s, "--yes")) {
      o->yes = 1;
    } else if (!strcmp(s, "--lang")) {
      if (i + 1 >= argc) return bw_usage_error(cmd, "option '%s' needs a value", s);
      o->lang = argv[++i];
      if (strcmp(o->lang, "nl") && strcmp(o->lang, "en"))
        return bw_usage_error(cmd, "--lang: must be nl or en (got '%s')", o->lang);
    } else if (s[0] == '-' && s[1]) {
      return bw_usage_error(cmd, "unknown option '%s'", s);
    } else {
      if (*nfiles >= MAX_SCEN) return bw_usage_error(cmd, "at most 64 scenario files%s", "");
      files[(*nfiles)++] = s;
    }
  }
  if (o->lang && !o->report) return bw_usage_error(cmd, "--lang only applies with %s", "--report");
  return 0;
}

static void print_compare(const scenarios *sc, const bw_multi *mu, const bw_data *d, int **ix) {
  const bw_summary *sb = bw_multi_summary(mu, 0);
  printf("\nBase: %s, %d flagged gemeenten (%d replications)\n", sc->name[0], sb->n_flagged, sb->nrep);
  for (int k = 1; k < sc->S; k++) {
    const bw_summary *sk = bw_multi_summary(mu, k);
    const bw_delta *dl = bw_multi_delta(mu, k);
    int gained = 0, lost = 0, stable = 0;
    double ratio[4096];
    int nr = 0;
    for (int g = 0; g < d->ng; g++) {
      gained += dl->flag_change[g] > 0;
      lost += dl->flag_change[g] < 0;
      stable += dl->flag_change[g] != 0 && dl->flag_change_stable[g];
      if (dl->cum_se[g] > 0 && nr < 4096) ratio[nr++] = dl->cum_se_unpaired[g] / dl->cum_se[g];
    }
    /* median ratio of unpaired to paired se (insertion sort: a few hundred values) */
    for (int i = 1; i < nr; i++)
      for (int j = i; j > 0 && ratio[j - 1] > ratio[j]; j--) {
        double t = ratio[j];
        ratio[j] = ratio[j - 1];
        ratio[j - 1] = t;
      }
    printf("\n%s: %d flagged; %d gained, %d lost (%d of these changes stable)%s\n", sc->name[k],
           sk->n_flagged, gained, lost, stable,
           bw_multi_group(mu, k) == bw_multi_group(mu, 0) ? "; budget-side change, same clients" : "");
    if (nr) printf("  paired standard errors are %.1fx smaller than two separate runs' (median)\n", ratio[nr / 2]);
    /* the five largest changes of the mean cumulative shortfall */
    int top[5] = {-1, -1, -1, -1, -1};
    for (int g = 0; g < d->ng; g++)
      for (int t = 0; t < 5; t++)
        if (top[t] < 0 || fabs(dl->cum_mean[g]) > fabs(dl->cum_mean[top[t]])) {
          for (int u = 4; u > t; u--) top[u] = top[u - 1];
          top[t] = g;
          break;
        }
    printf("  %-26s %16s %12s %9s %9s\n", "largest changes", "d cum. EUR mln", "(paired se)", "P base",
           "P scen.");
    for (int t = 0; t < 5 && top[t] >= 0; t++) {
      int g = top[t];
      printf("  %-26.26s %16.2f %12.2f %8.0f%% %8.0f%%\n", d->g[g].name, dl->cum_mean[g] / 1e6,
             dl->cum_se[g] / 1e6, 100 * sb->risk[ix[0][g]].p_max_year, 100 * sk->risk[ix[k][g]].p_max_year);
    }
  }
}

static void print_sweep(const scenarios *sc, const point_row *rows, const bw_multi *mu) {
  printf("\n%5s", "point");
  for (int k = 0; k < sc->nkeys; k++) printf("  %-18.18s", sc->keys[k]);
  printf(" %8s %8s %18s\n", "flagged", "stable", "national EUR mln");
  for (int s = 0; s < sc->S; s++) {
    printf("%5d", s);
    for (int k = 0; k < sc->nkeys; k++) printf("  %-18.18s", sc->values[s * sc->nkeys + k]);
    printf(" %8d %8d %18.1f\n", rows[s].n_flagged, rows[s].n_flagged_stable,
           bw_multi_extra(mu, s)->natcum.mean / 1e6);
  }
}

static int finish(int rc, const char *cmd, bw_ctx *ctx) {
  /* every process gives up with the same message and exit code (sim/run.h);
   * one prints it */
  if (rc) bw_mpi_agree_failure(ctx);
  if (rc && bw_mpi_rank() == 0)
    fprintf(stderr, "bwsim %s: error: %s\n", cmd, ctx->msg[0] ? ctx->msg : bw_strerror(ctx->status));
  return rc ? bw_exit_code(ctx->status) : 0;
}

static void maybe_report(const cmd_opts *o, const char *dir) {
  if (!o->report) return;
  char html[PATH_MAX];
  bw_ctx rctx;
  bw_ctx_init(&rctx);
  if (bw_report_write(dir, o->lang ? o->lang : "nl", o->c.force, o->c.quiet, html, sizeof html, &rctx) == BW_OK) {
    if (!o->c.quiet) printf("Report:  %s\n", html);
  } else {
    fprintf(stderr, "bwsim %s: warning: no report: %s\n", o->cmd, rctx.msg[0] ? rctx.msg : bw_strerror(rctx.status));
  }
}

int bw_compare_main(int argc, char **argv) {
  cmd_opts o;
  const char *files[MAX_SCEN], *vs[MAX_SCEN];
  int nfiles, nvs;
  int rc = parse_opts("compare", argc - 1, argv + 1, &o, files, &nfiles, vs, &nvs, "--vs", usage_compare);
  if (rc) return rc == 1 ? 0 : rc;
  if (nfiles < 1) return bw_usage_error("compare", "needs a base params file and another scenario%s", "");
  if (nfiles + nvs < 2)
    return bw_usage_error("compare", "needs at least two scenarios: another file or --vs key=value%s", "");
  if (nfiles + nvs > MAX_SCEN) return bw_usage_error("compare", "at most 64 scenarios%s", "");
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  scenarios sc = {0};
  bw_data data = {0};
  bw_multi *mu = NULL;
  int **ix = NULL;
  double seconds = 0;
  char out_dir[PATH_MAX];
  snprintf(out_dir, sizeof out_dir, "%s", o.c.out ? o.c.out : "results/compare");
  static const char *const out_files[] = {"compare.csv", "compare_regions.csv", "compare_national.csv",
                                          "compare.h5"};
  rc = 1;
  if (scenarios_alloc(&sc, nfiles + nvs)) {
    bw_fail(&ctx, BW_ENOMEM, "out of memory");
    goto done;
  }
  for (int s = 0; s < sc.S; s++) {
    if (s < nfiles) {
      if (load_base(files[s], &o.c, &sc.p[s], &ctx) != BW_OK) goto done;
      sc.name[s] = strdup(sc.p[s].name);
      sc.file[s] = params_path(files[s]);
    } else {
      char origin[64];
      snprintf(origin, sizeof origin, "--vs");
      sc.p[s] = sc.p[0];
      sc.file[s] = sc.file[0];
      sc.origin[s] = "--vs";
      if (apply_list(&sc.p[s], vs[s - nfiles], origin, &ctx) != BW_OK) goto done;
      sc.name[s] = strdup(vs[s - nfiles]);
    }
    if (!sc.name[s]) {
      bw_fail(&ctx, BW_ENOMEM, "out of memory");
      goto done;
    }
  }
  if (finish_scenarios(&sc, &o.c, &ctx) != BW_OK) goto done;
  if (run_all(&o, &sc, 1, 0, out_dir, out_files, 4, &data, &mu, &seconds, &ctx) != BW_OK) goto done;
  if (bw_mpi_rank() == 0) {
    ix = calloc((size_t)sc.S, sizeof *ix);
    if (!ix) {
      bw_fail(&ctx, BW_ENOMEM, "out of memory");
      goto done;
    }
    for (int s = 0; s < sc.S; s++)
      if (!(ix[s] = bw_summary_row_index(bw_multi_summary(mu, s)))) {
        bw_fail(&ctx, BW_ENOMEM, "out of memory");
        goto done;
      }
    cmp_out out = {&sc, mu, &data, ix, o.c.csv};
    static const bw_text_writer csv[] = {write_compare_csv, write_compare_regions_csv, write_compare_national_csv};
    if (write_set(&o, &sc, mu, seconds, out_dir, out_files, 4, csv, write_compare_h5, &out, &ctx) != BW_OK)
      goto done;
    if (!o.c.quiet) {
      print_compare(&sc, mu, &data, ix);
      printf("\n%d scenarios x %d replications in %.1f s.\nResults: %s/compare.csv  %s/compare_national.csv  "
             "%s/compare.h5\n",
             sc.S, sc.p[0].replications, seconds, out_dir, out_dir, out_dir);
    }
    maybe_report(&o, out_dir);
  }
  /* how rank 0's writing went, on every process */
  if (bw_mpi_agree(BW_OK, &ctx) != BW_OK) goto done;
  rc = 0;
done:
  if (ix)
    for (int s = 0; s < sc.S; s++) free(ix[s]);
  free(ix);
  bw_multi_free(mu);
  bw_data_free(&data);
  scenarios_free(&sc);
  return finish(rc, "compare", &ctx);
}

/* ---- sweep: the grid ---------------------------------------------------------------- */

/* Split "v1,v2,[a,b],{x: 1, y: 2}" at top-level commas, or expand FROM:TO:STEP. */
static int split_values(const char *spec, char **out, int cap, char *err, size_t errcap) {
  int n = 0;
  double a, b, st;
  char tail;
  if (sscanf(spec, "%lf:%lf:%lf%c", &a, &b, &st, &tail) == 3) {
    if (!(st > 0) || !(b >= a) || !isfinite(a) || !isfinite(b)) {
      snprintf(err, errcap, "a range FROM:TO:STEP needs STEP > 0 and TO >= FROM (got '%s')", spec);
      return -1;
    }
    double count = floor((b - a) / st + 1e-9) + 1;
    if (count > cap) {
      snprintf(err, errcap, "the range '%s' has %.0f values (at most %d per key)", spec, count, cap);
      return -1;
    }
    for (int i = 0; i < (int)count; i++) {
      char buf[64];
      snprintf(buf, sizeof buf, "%.12g", a + i * st);
      if (!(out[n++] = strdup(buf))) return -1;
    }
    return n;
  }
  const char *p = spec;
  while (1) {
    int depth = 0;
    const char *q = p;
    for (; *q && !(depth == 0 && *q == ','); q++) {
      if (*q == '[' || *q == '{') depth++;
      if (*q == ']' || *q == '}') depth--;
    }
    if (q == p) {
      snprintf(err, errcap, "empty value in '%s'", spec);
      return -1;
    }
    if (n >= cap) {
      snprintf(err, errcap, "at most %d values per key", cap);
      return -1;
    }
    if (!(out[n++] = strndup(p, (size_t)(q - p)))) return -1;
    if (!*q) break;
    p = q + 1;
  }
  return n;
}

enum { MAX_VALUES = 10000 };

int bw_sweep_main(int argc, char **argv) {
  cmd_opts o;
  const char *files[MAX_SCEN], *grid[MAX_SCEN];
  int nfiles, ngrid;
  int rc = parse_opts("sweep", argc - 1, argv + 1, &o, files, &nfiles, grid, &ngrid, "--grid", usage_sweep);
  if (rc) return rc == 1 ? 0 : rc;
  if (nfiles > 1) return bw_usage_error("sweep", "only one params file may be given (extra: '%s')", files[1]);
  if (ngrid < 1) return bw_usage_error("sweep", "needs at least one --grid key=v1,v2,...%s", "");
  if (ngrid > MAX_GRID_KEYS) return bw_usage_error("sweep", "at most 8 --grid keys%s", "");
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  scenarios sc = {0};
  bw_data data = {0};
  bw_multi *mu = NULL;
  int **ix = NULL;
  point_row *rows = NULL;
  char **vals[MAX_GRID_KEYS] = {0};
  int nval[MAX_GRID_KEYS] = {0};
  double seconds = 0;
  char out_dir[PATH_MAX];
  snprintf(out_dir, sizeof out_dir, "%s", o.c.out ? o.c.out : "results/sweep");
  static const char *const out_files[] = {"sweep.csv", "sweep_gemeenten.csv", "sweep.h5"};
  bw_params base;
  rc = 1;
  if (load_base(nfiles ? files[0] : NULL, &o.c, &base, &ctx) != BW_OK) goto done;
  /* the axes: each value checked on its own against the base before anything runs */
  double points = 1;
  for (int k = 0; k < ngrid; k++) {
    const char *eq = strchr(grid[k], '=');
    if (!eq || eq == grid[k] || !eq[1]) {
      bw_fail(&ctx, BW_EUSAGE, "--grid %s: needs key=v1,v2,... or key=FROM:TO:STEP", grid[k]);
      goto done;
    }
    sc.keys[k] = strndup(grid[k], (size_t)(eq - grid[k]));
    vals[k] = calloc(MAX_VALUES, sizeof *vals[k]);
    if (!sc.keys[k] || !vals[k]) {
      bw_fail(&ctx, BW_ENOMEM, "out of memory");
      goto done;
    }
    sc.nkeys = k + 1;
    for (int j = 0; j < k; j++)
      if (!strcmp(sc.keys[j], sc.keys[k])) {
        bw_fail(&ctx, BW_EUSAGE, "--grid %s: the key %s is given twice", grid[k], sc.keys[k]);
        goto done;
      }
    char err[256];
    nval[k] = split_values(eq + 1, vals[k], MAX_VALUES, err, sizeof err);
    if (nval[k] < 0) {
      bw_fail(&ctx, BW_EUSAGE, "--grid %s: %s", grid[k], err);
      goto done;
    }
    for (int v = 0; v < nval[k]; v++) {
      char assign[1024];
      snprintf(assign, sizeof assign, "%s=%s", sc.keys[k], vals[k][v]);
      bw_params t = base;
      if (bw_params_apply_set(&t, assign, "--grid", &ctx) != BW_OK) goto done;
    }
    points *= nval[k];
  }
  if (points > MAX_POINTS_UNASKED && !o.yes) {
    bw_fail(&ctx, BW_EUSAGE, "the grid has %.0f points (over %d): add --yes if you mean it", points,
            MAX_POINTS_UNASKED);
    goto done;
  }
  if (points > MAX_POINTS) {
    bw_fail(&ctx, BW_EUSAGE, "the grid has %.0f points; at most %d, even with --yes", points, MAX_POINTS);
    goto done;
  }
  int P = (int)points;
  if (scenarios_alloc(&sc, P) || !(sc.values = calloc((size_t)P * sc.nkeys, sizeof *sc.values))) {
    bw_fail(&ctx, BW_ENOMEM, "out of memory");
    goto done;
  }
  for (int s = 0; s < P; s++) {
    sc.p[s] = base;
    sc.file[s] = params_path(nfiles ? files[0] : NULL);
    sc.origin[s] = "--grid";
    char name[512] = "";
    size_t len = 0;
    for (int k = 0, rest = s, stride = P; k < sc.nkeys; k++) {
      stride /= nval[k];
      int v = rest / stride;
      rest %= stride;
      char assign[1024];
      snprintf(assign, sizeof assign, "%s=%s", sc.keys[k], vals[k][v]);
      if (bw_params_apply_set(&sc.p[s], assign, "--grid", &ctx) != BW_OK) goto done;
      if (!(sc.values[s * sc.nkeys + k] = strdup(vals[k][v]))) {
        bw_fail(&ctx, BW_ENOMEM, "out of memory");
        goto done;
      }
      len += (size_t)snprintf(name + len, len < sizeof name ? sizeof name - len : 0, "%s%s", k ? ";" : "", assign);
    }
    if (!(sc.name[s] = strdup(name))) {
      bw_fail(&ctx, BW_ENOMEM, "out of memory");
      goto done;
    }
  }
  if (finish_scenarios(&sc, &o.c, &ctx) != BW_OK) goto done;
  if (run_all(&o, &sc, 0, 1, out_dir, out_files, 3, &data, &mu, &seconds, &ctx) != BW_OK) goto done;
  if (bw_mpi_rank() == 0) {
    ix = calloc((size_t)P, sizeof *ix);
    rows = calloc((size_t)P, sizeof *rows);
    if (!ix || !rows) {
      bw_fail(&ctx, BW_ENOMEM, "out of memory");
      goto done;
    }
    for (int s = 0; s < P; s++) {
      if (!(ix[s] = bw_summary_row_index(bw_multi_summary(mu, s)))) {
        bw_fail(&ctx, BW_ENOMEM, "out of memory");
        goto done;
      }
      rows[s] = point_measures(bw_multi_summary(mu, s), bw_multi_model(mu, s));
    }
    sweep_out out = {&sc, mu, &data, ix, rows, o.c.csv};
    static const bw_text_writer csv[] = {write_sweep_csv, write_sweep_gemeenten_csv};
    if (write_set(&o, &sc, mu, seconds, out_dir, out_files, 3, csv, write_sweep_h5, &out, &ctx) != BW_OK)
      goto done;
    if (!o.c.quiet) {
      print_sweep(&sc, rows, mu);
      printf("\n%d points x %d replications in %.1f s; clients simulated %s.\nResults: %s/sweep.csv  "
             "%s/sweep_gemeenten.csv  %s/sweep.h5\n",
             P, sc.p[0].replications, seconds,
             bw_multi_ngroups(mu) == 1 ? "once per replication" : "once per group of points", out_dir, out_dir,
             out_dir);
    }
    maybe_report(&o, out_dir);
  }
  /* how rank 0's writing went, on every process */
  if (bw_mpi_agree(BW_OK, &ctx) != BW_OK) goto done;
  rc = 0;
done:
  for (int k = 0; k < MAX_GRID_KEYS; k++) {
    if (vals[k])
      for (int v = 0; v < MAX_VALUES && vals[k][v]; v++) free(vals[k][v]);
    free(vals[k]);
  }
  if (ix)
    for (int s = 0; s < sc.S; s++) free(ix[s]);
  free(ix), free(rows);
  bw_multi_free(mu);
  bw_data_free(&data);
  scenarios_free(&sc);
  return finish(rc, "sweep", &ctx);
}
