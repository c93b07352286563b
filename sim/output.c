/* Result files of a run (MODEL.md §8): results.h5 (everything), risk.csv
 * (the ranked gemeenten) and national.csv (national totals per year).
 *
 * Reproducibility (MODEL.md §9): the bytes of every file are a function of
 * the summary, the data and the provenance only. HDF5 is told not to stamp
 * objects with times, strings are fixed-length and zero-padded, floats in CSV
 * are "%.17g" (round-trip exact), and no time, host, path, pid or thread count
 * is written.
 *
 * Atomicity: the three files are one sim/fileset.h set: written to
 * temporaries, synced, renamed into place together (all or none). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "output.h"

#include "fileset.h"

#include "cliutil.h"
#include "params_yaml.h"

enum { OUT_H5 = 0, OUT_RISK = 1, OUT_NATIONAL = 2, OUT_N = 3 };
static const char *const out_name[OUT_N] = {"results.h5", "risk.csv", "national.csv"};

#define RISK_CSV_HEADER                                                                            \
  "rank,code,name,region,population,p_max_year,p_se,first_bottleneck_year,p_any_year,"             \
  "mean_cum_shortfall_eur,q95_cum_shortfall_eur,cvar95_cum_shortfall_eur,flagged,p_lo,p_hi,"        \
  "flag_stable,p_any_year_se,se_mean_cum_shortfall_eur,se_q95_cum_shortfall_eur,"                   \
  "se_cvar95_cum_shortfall_eur\n"
#define NATIONAL_CSV_HEADER \
  "year,quantity,mean,sd,q05,q50,q95,cvar95,se_mean,se_q05,se_q50,se_q95,se_cvar95\n"

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
  return bw_fileset_prepare(&fs, dir, out_name, OUT_N, force, ctx);
}

/* ---- CSV ---------------------------------------------------------------- */

static void csv_double(FILE *f, double x) { bw_csv_double(f, x); }

static void write_risk_csv(FILE *f, const bw_summary *s, const bw_data *d) {
  fputs(RISK_CSV_HEADER, f);
  for (int i = 0; i < s->ng; i++) {
    const bw_risk_row *r = &s->risk[i];
    const bw_gemeente *g = &d->g[r->g];
    fprintf(f, "%d,", r->rank);
    bw_csv_field(f, g->code);
    fputc(',', f);
    bw_csv_field(f, g->name);
    fputc(',', f);
    bw_csv_field(f, d->r[g->region].code);
    fprintf(f, ",%lld,", llround(g->population));
    csv_double(f, r->p_max_year);
    fputc(',', f);
    csv_double(f, r->p_se);
    fputc(',', f);
    if (r->first_bottleneck_year != 0) fprintf(f, "%d", r->first_bottleneck_year);
    fputc(',', f);
    csv_double(f, r->p_any_year);
    fputc(',', f);
    csv_double(f, r->cum_mean);
    fputc(',', f);
    csv_double(f, r->cum_q95);
    fputc(',', f);
    csv_double(f, r->cum_cvar95);
    fprintf(f, ",%d,", r->flagged ? 1 : 0);
    csv_double(f, r->p_lo);
    fputc(',', f);
    csv_double(f, r->p_hi);
    fprintf(f, ",%d,", r->flag_stable ? 1 : 0);
    csv_double(f, sqrt(r->p_any_year * (1.0 - r->p_any_year) / s->nrep));
    const double se[3] = {r->cum_se_mean, r->cum_se_q95, r->cum_se_cvar95};
    for (int k = 0; k < 3; k++) {
      fputc(',', f);
      csv_double(f, se[k]);
    }
    fputc('\n', f);
  }
}

static void write_national_csv(FILE *f, const bw_summary *s) {
  fputs(NATIONAL_CSV_HEADER, f);
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < s->ny; y++) {
      const bw_stat *st = &s->national[q * s->ny + y];
      fprintf(f, "%d,%s,", s->first_year + y, quantity_name[q]);
      const double v[11] = {st->mean,    st->sd,     st->q05,    st->q50,    st->q95,      st->cvar95,
                            st->se_mean, st->se_q05, st->se_q50, st->se_q95, st->se_cvar95};
      for (int k = 0; k < 11; k++) {
        if (k > 0) fputc(',', f);
        csv_double(f, v[k]);
      }
      fputc('\n', f);
    }
}

typedef void (*csv_writer)(FILE *f, const bw_summary *s, const bw_data *d);

static void write_national_csv_d(FILE *f, const bw_summary *s, const bw_data *d) {
  (void)d;
  write_national_csv(f, s);
}

typedef struct {
  csv_writer fn;
  const bw_summary *s;
  const bw_data *d;
} csv_job;

static void run_csv_job(FILE *f, const void *arg) {
  const csv_job *j = arg;
  j->fn(f, j->s, j->d);
}

/* ---- HDF5 --------------------------------------------------------------- */

typedef struct {
  hid_t file, gcpl, dcpl;
  const char *shown; /* file name for messages */
  bw_ctx *ctx;
} h5w;

static herr_t first_error_cb(unsigned n, const H5E_error2_t *err, void *data) {
  char *buf = data;
  if (n == 0 && err->desc) snprintf(buf, 256, "%s", err->desc);
  return 0;
}

/* Record the failure of `what` on object `obj`, with HDF5's innermost reason. */
static void h5_fail(h5w *w, const char *what, const char *obj) {
  char why[256] = "";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error_cb, why);
  bw_fail(w->ctx, BW_EHDF5, "%s: cannot %s %s%s%s", w->shown, what, obj, why[0] ? ": " : "", why);
}

static int h5_ok(const h5w *w) { return w->ctx->status == BW_OK; }

/* Fixed-length UTF-8 string type of len bytes plus the terminating NUL. */
static hid_t str_type(size_t len) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return t;
  if (H5Tset_size(t, len + 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
      H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    H5Tclose(t);
    return -1;
  }
  return t;
}

static void h5_group(h5w *w, const char *path, const char *description) {
  if (!h5_ok(w)) return;
  hid_t g = H5Gcreate2(w->file, path, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
  if (g < 0) {
    h5_fail(w, "create group", path);
    return;
  }
  if (description) {
    hid_t t = str_type(strlen(description));
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a =
        (t >= 0 && sp >= 0) ? H5Acreate2(g, "description", t, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (a < 0 || H5Awrite(a, t, description) < 0)
      h5_fail(w, "write attribute description of", path);
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
  }
  H5Gclose(g);
}

/* Scalar attribute `name` on object `obj` (path, for messages). */
static void h5_attr(h5w *w, hid_t obj, const char *objpath, const char *name, hid_t ftype,
                    hid_t mtype, const void *value) {
  if (!h5_ok(w)) return;
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = sp >= 0 ? H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
  if (a < 0 || H5Awrite(a, mtype, value) < 0) {
    char what[96];
    snprintf(what, sizeof what, "write attribute %s of", name);
    h5_fail(w, what, objpath);
  }
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
}

static void h5_attr_str(h5w *w, hid_t obj, const char *objpath, const char *name,
                        const char *value) {
  if (!h5_ok(w)) return;
  hid_t t = str_type(strlen(value));
  if (t < 0) {
    h5_fail(w, "create a string type for", objpath);
    return;
  }
  h5_attr(w, obj, objpath, name, t, t, value);
  H5Tclose(t);
}

static void h5_attr_double(h5w *w, hid_t obj, const char *objpath, const char *name, double v) {
  h5_attr(w, obj, objpath, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

static void h5_attr_int(h5w *w, hid_t obj, const char *objpath, const char *name, int v) {
  h5_attr(w, obj, objpath, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}

/* Create and write dataset `path` (rank 0, 1 or 2). Returns the open dataset
 * (caller closes) or -1 with the failure recorded. */
static hid_t h5_dataset(h5w *w, const char *path, hid_t ftype, hid_t mtype, int rank,
                        const hsize_t *dims, const void *data) {
  if (!h5_ok(w)) return -1;
  hid_t sp = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
  hid_t ds = sp >= 0 ? H5Dcreate2(w->file, path, ftype, sp, H5P_DEFAULT, w->dcpl, H5P_DEFAULT) : -1;
  if (sp >= 0) H5Sclose(sp);
  if (ds < 0) {
    h5_fail(w, "create dataset", path);
    return -1;
  }
  if (H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    h5_fail(w, "write dataset", path);
    H5Dclose(ds);
    return -1;
  }
  return ds;
}

/* A [n] dataset of fixed-length strings strs(i). */
typedef const char *(*str_at)(const void *arg, int i);

static hid_t h5_strings(h5w *w, const char *path, int n, str_at get, const void *arg) {
  if (!h5_ok(w)) return -1;
  size_t len = 1;
  for (int i = 0; i < n; i++) {
    size_t l = strlen(get(arg, i));
    if (l > len) len = l;
  }
  /* calloc: the bytes after each NUL are written too and must not be garbage */
  char *buf = calloc((size_t)(n > 0 ? n : 1), len + 1);
  if (!buf) {
    bw_fail(w->ctx, BW_ENOMEM, "%s: out of memory for %s", w->shown, path);
    return -1;
  }
  for (int i = 0; i < n; i++) memcpy(buf + (size_t)i * (len + 1), get(arg, i), strlen(get(arg, i)));
  hid_t t = str_type(len);
  hid_t ds = -1;
  if (t < 0) {
    h5_fail(w, "create a string type for", path);
  } else {
    hsize_t dims[1] = {(hsize_t)n};
    ds = h5_dataset(w, path, t, t, 1, dims, buf);
    H5Tclose(t);
  }
  free(buf);
  return ds;
}

static void h5_attach(h5w *w, hid_t ds, const char *path, hid_t scale, unsigned dim,
                      const char *label) {
  if (!h5_ok(w)) return;
  if (H5DSattach_scale(ds, scale, dim) < 0)
    h5_fail(w, "attach a dimension scale to", path);
  else if (H5DSset_label(ds, dim, label) < 0)
    h5_fail(w, "label a dimension of", path);
}

static void h5_close(hid_t *id) {
  if (*id >= 0) H5Dclose(*id);
  *id = -1;
}

typedef struct {
  const bw_summary *s;
  const bw_data *d;
} names_arg;

static const char *gem_code(const void *a, int i) { return ((const names_arg *)a)->d->g[i].code; }
static const char *gem_name(const void *a, int i) { return ((const names_arg *)a)->d->g[i].name; }
static const char *gem_region(const void *a, int i) {
  const bw_data *d = ((const names_arg *)a)->d;
  return d->r[d->g[i].region].code;
}
static const char *risk_code(const void *a, int i) {
  const names_arg *x = a;
  return x->d->g[x->s->risk[i].g].code;
}
static const char *risk_name(const void *a, int i) {
  const names_arg *x = a;
  return x->d->g[x->s->risk[i].g].name;
}
static const char *risk_region(const void *a, int i) {
  const names_arg *x = a;
  return x->d->r[x->d->g[x->s->risk[i].g].region].code;
}

/* A [n] or [ng][ny] float64 dataset with units (and a description), its
 * dimensions attached to the scales. */
static void h5_values_rows(h5w *w, const char *path, int rank, const hsize_t *dims,
                           const double *v, const char *units, const char *desc, hid_t gscale,
                           const char *row_name, hid_t yscale) {
  hid_t ds = h5_dataset(w, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, v);
  if (ds < 0) return;
  h5_attr_str(w, ds, path, "units", units);
  if (desc) h5_attr_str(w, ds, path, "description", desc);
  if (rank == 2) {
    h5_attach(w, ds, path, gscale, 0, row_name);
    h5_attach(w, ds, path, yscale, 1, "year");
  } else if (yscale >= 0) {
    h5_attach(w, ds, path, yscale, 0, "year");
  } else if (gscale >= 0) {
    h5_attach(w, ds, path, gscale, 0, row_name);
  }
  H5Dclose(ds);
}

static void h5_values(h5w *w, const char *path, int rank, const hsize_t *dims, const double *v,
                      const char *units, const char *desc, hid_t gscale, hid_t yscale) {
  h5_values_rows(w, path, rank, dims, v, units, desc, gscale, "gemeente", yscale);
}

static const char *reg_code(const void *a, int i) { return ((const names_arg *)a)->d->r[i].code; }
static const char *reg_name(const void *a, int i) { return ((const names_arg *)a)->d->r[i].name; }

/* Regions (MODEL.md §8: the same per region, sums over members). */
static void write_h5_regions(h5w *w, const bw_summary *s, const bw_data *d, double *buf, hid_t yscale) {
  const int nr = s->nr, ny = s->ny;
  if (nr < 1 || !h5_ok(w)) return;
  const hsize_t dr[1] = {(hsize_t)nr}, dry[2] = {(hsize_t)nr, (hsize_t)ny};
  const names_arg na = {s, d};
  char path[256];
  h5_group(w, "/region", "the regions (centrumgemeente regions), in data order");
  hid_t rscale = h5_strings(w, "/region/code", nr, reg_code, &na);
  if (rscale >= 0 && H5DSset_scale(rscale, "region") < 0)
    h5_fail(w, "make a dimension scale of", "/region/code");
  hid_t ds = h5_strings(w, "/region/name", nr, reg_name, &na);
  h5_attach(w, ds, "/region/name", rscale, 0, "region");
  h5_close(&ds);
  long long *pop = (long long *)buf;
  for (int r = 0; r < nr; r++) {
    double p = 0;
    for (int g = 0; g < d->ng; g++)
      if (d->g[g].region == r) p += d->g[g].population;
    pop[r] = llround(p);
  }
  ds = h5_dataset(w, "/region/population", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, dr, pop);
  if (ds >= 0) h5_attr_str(w, ds, "/region/population", "units", "inhabitants");
  h5_attach(w, ds, "/region/population", rscale, 0, "region");
  h5_close(&ds);

  h5_group(w, "/region_year", "per region and year: sums over the member gemeenten");
  h5_group(w, "/region_year/shortfall_eur", "cost - budget, BW + MO, summed over the members");
  for (int k = 0; k < N_STAT_FIELDS; k++) {
    for (int i = 0; i < nr * ny; i++) buf[i] = stat_get(&s->region[i], &stat_fields[k]);
    snprintf(path, sizeof path, "/region_year/shortfall_eur/%s", stat_fields[k].name);
    h5_values_rows(w, path, 2, dry, buf, "EUR", stat_fields[k].desc, rscale, "region", yscale);
  }
  h5_values_rows(w, "/region_year/p_exceed", 2, dry, s->region_p_exceed, "1",
                 "P(region shortfall per inhabitant of the region > threshold)", rscale, "region",
                 yscale);
  h5_values_rows(w, "/region_year/p_exceed_se", 2, dry, s->region_p_exceed_se, "1",
                 "Monte Carlo standard error of p_exceed", rscale, "region", yscale);

  h5_group(w, "/region_risk", "per region over the reform years (region order, not ranked)");
  ds = h5_strings(w, "/region_risk/code", nr, reg_code, &na);
  h5_close(&ds);
  ds = h5_strings(w, "/region_risk/name", nr, reg_name, &na);
  h5_close(&ds);
  const struct {
    const char *name;
    size_t off;
  } dcols[] = {{"p_max_year", offsetof(bw_region_row, p_max_year)},
               {"p_se", offsetof(bw_region_row, p_se)},
               {"p_lo", offsetof(bw_region_row, p_lo)},
               {"p_hi", offsetof(bw_region_row, p_hi)}};
  for (size_t c = 0; c < sizeof dcols / sizeof dcols[0]; c++) {
    for (int r = 0; r < nr; r++) memcpy(&buf[r], (const char *)&s->region_risk[r] + dcols[c].off, sizeof(double));
    snprintf(path, sizeof path, "/region_risk/%s", dcols[c].name);
    h5_values_rows(w, path, 1, dr, buf, "1", NULL, rscale, "region", -1);
  }
  const struct {
    const char *name, *desc;
    size_t off;
  } icols[] = {
      {"p_max_year_at", "calendar year of p_max_year", offsetof(bw_region_row, p_max_year_at)},
      {"flagged", "1 when p_max_year >= p_star", offsetof(bw_region_row, flagged)},
      {"flag_stable", "1 when [p_lo, p_hi] lies wholly on one side of p_star",
       offsetof(bw_region_row, flag_stable)},
      {"members", "member gemeenten", offsetof(bw_region_row, members)},
      {"members_flagged", "members flagged without pooling (-1 unknown)",
       offsetof(bw_region_row, members_flagged_none)},
      {"members_flagged_pooled", "members flagged with regional pooling (-1 unknown)",
       offsetof(bw_region_row, members_flagged_region)},
  };
  int *ib = (int *)buf;
  for (size_t c = 0; c < sizeof icols / sizeof icols[0]; c++) {
    for (int r = 0; r < nr; r++) memcpy(&ib[r], (const char *)&s->region_risk[r] + icols[c].off, sizeof(int));
    snprintf(path, sizeof path, "/region_risk/%s", icols[c].name);
    ds = h5_dataset(w, path, H5T_STD_I32LE, H5T_NATIVE_INT, 1, dr, ib);
    if (ds >= 0) h5_attr_str(w, ds, path, "description", icols[c].desc);
    h5_attach(w, ds, path, rscale, 0, "region");
    h5_close(&ds);
  }
  if (rscale >= 0) H5Dclose(rscale);
}

/* The drivers of each gemeente's shortfall (BW_DECOMP_LIST): per year, and
 * summed over the reform years (what the report's waterfall shows). */
static void write_h5_decomp(h5w *w, const bw_summary *s, double *buf, hid_t gscale, hid_t yscale) {
  if (!s->decomp || !s->decomp_cum || !h5_ok(w)) return;
  const int ng = s->ng, ny = s->ny;
  const hsize_t dg[1] = {(hsize_t)ng}, dgy[2] = {(hsize_t)ng, (hsize_t)ny};
  char list[512] = "", path[160];
  for (int k = 0; k < BW_NDECOMP; k++) {
    strncat(list, bw_decomp_name(k), sizeof list - strlen(list) - 1);
    if (k + 1 < BW_NDECOMP) strncat(list, ",", sizeof list - strlen(list) - 1);
  }
  static const char *const grp[2] = {"/gemeente/decomposition", "/gemeente_year/decomposition"};
  for (int j = 0; j < 2; j++) {
    h5_group(w, grp[j],
             j == 0 ? "the drivers of the mean cumulative shortfall over the reform years, as contributions "
                      "(costs +, budgets -); they add up to /risk mean_cum_shortfall_eur"
                    : "the drivers of the mean shortfall per year, as contributions (costs +, budgets -); "
                      "they add up to /gemeente_year/shortfall_eur/mean");
    hid_t g = h5_ok(w) ? H5Gopen2(w->file, grp[j], H5P_DEFAULT) : -1;
    if (g < 0) {
      h5_fail(w, "open group", grp[j]);
      return;
    }
    h5_attr_str(w, g, grp[j], "components", list);
    H5Gclose(g);
    for (int k = 0; k < BW_NDECOMP; k++) {
      snprintf(path, sizeof path, "%s/%s", grp[j], bw_decomp_name(k));
      if (j == 0) {
        memcpy(buf, s->decomp_cum + (size_t)k * ng, (size_t)ng * sizeof *buf);
        h5_values(w, path, 1, dg, buf, "EUR", bw_decomp_desc(k), gscale, -1);
      } else {
        memcpy(buf, s->decomp + (size_t)k * ng * ny, (size_t)ng * ny * sizeof *buf);
        h5_values(w, path, 2, dgy, buf, "EUR", bw_decomp_desc(k), gscale, yscale);
      }
    }
  }
}

/* Which data set: the shipped tables (their SHA-256 in params/data/SHA256SUMS
 * of the source tree; version in params/data/VERSION) or the user's own. */
static void identify_data(const bw_provenance *prov, char *name, size_t nn, char *version, size_t nv,
                          int *illustrative) {
  snprintf(name, nn, "user tables");
  version[0] = '\0';
  *illustrative = 0;
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
  snprintf(name, nn, "bwsim default tables (params/data)");
  /* the shipped region budgets are constructed: illustrative (params/data/SOURCES.md) */
  *illustrative = 1;
  f = fopen(BW_SOURCE_DIR "/params/data/VERSION", "r");
  if (f) {
    if (fgets(version, (int)nv, f)) version[strcspn(version, "\r\n")] = '\0';
    fclose(f);
  }
}

/* Variance split of the nested design (only with uncertainty.outer_draws). */
static void write_h5_split(h5w *w, const bw_summary *s, double *buf, hid_t gscale, hid_t yscale) {
  if (s->split_k <= 0 || !s->param_share || !h5_ok(w)) return;
  const hsize_t dg[1] = {(hsize_t)s->ng}, dgy[2] = {(hsize_t)s->ng, (hsize_t)s->ny};
  h5_group(w, "/variance_split",
           "share of the shortfall variance due to the outer parameter draws (MODEL.md §7), "
           "one-way random-effects ANOVA over the K outer draws; the rest is stochastic flows");
  hid_t g = H5Gopen2(w->file, "/variance_split", H5P_DEFAULT);
  if (g < 0) {
    h5_fail(w, "open group", "/variance_split");
    return;
  }
  h5_attr_int(w, g, "/variance_split", "K", s->split_k);
  h5_attr_double(w, g, "/variance_split", "J", (double)s->nrep / s->split_k);
  H5Gclose(g);
  memcpy(buf, s->param_share, (size_t)s->ng * sizeof *buf);
  h5_values(w, "/variance_split/param_share", 1, dg, buf, "1",
            "cumulative shortfall over the reform years", gscale, -1);
  h5_values(w, "/variance_split/param_share_year", 2, dgy, s->param_share_year, "1",
            "shortfall (BW + MO) per year", gscale, yscale);
}

/* The resolved policy settings (defaults included), as params text
 * (bw_params_value_text) in attributes of /provenance/settings named by their
 * params key: readers (the report) need not know the defaults. */
static void write_h5_settings(h5w *w, const bw_params *p) {
  if (!p || !h5_ok(w)) return;
  h5_group(w, "/provenance/settings",
           "the resolved settings of the run (defaults included), by params key, as text");
  hid_t g = h5_ok(w) ? H5Gopen2(w->file, "/provenance/settings", H5P_DEFAULT) : -1;
  if (g < 0) {
    if (h5_ok(w)) h5_fail(w, "open group", "/provenance/settings");
    return;
  }
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
    h5_attr_str(w, g, "/provenance/settings", keys[i], v);
  }
  H5Gclose(g);
}

/* n variable-length UTF-8 strings as the 1-D dataset path. */
static void h5_vlstrings(h5w *w, const char *path, int n, const char *const *v, const char *description) {
  if (!h5_ok(w)) return;
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    h5_fail(w, "create a string type for", path);
  } else {
    hsize_t dims[1] = {(hsize_t)n};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t ds = sp >= 0 ? H5Dcreate2(w->file, path, t, sp, H5P_DEFAULT, w->dcpl, H5P_DEFAULT) : -1;
    if (ds < 0)
      h5_fail(w, "create dataset", path);
    else if (n > 0 && H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
      h5_fail(w, "write dataset", path);
    if (ds >= 0) h5_attr_str(w, ds, path, "description", description);
    if (ds >= 0) H5Dclose(ds);
    if (sp >= 0) H5Sclose(sp);
  }
  if (t >= 0) H5Tclose(t);
}

/* /provenance/changed/{key,value,default}: every params key whose value
 * differs from the default (bw_params_defaults with the shipped data
 * tables, so a run on the shipped data lists no data path), as params text,
 * in the order of params/default.yaml. */
static void write_h5_changed(h5w *w, const bw_params *p) {
  if (!p || !h5_ok(w)) return;
  h5_group(w, "/provenance/changed",
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
    bw_fail(w->ctx, BW_ENOMEM, "%s: out of memory for /provenance/changed", w->shown);
  } else {
    h5_vlstrings(w, "/provenance/changed/key", n, col, "params key");
    h5_vlstrings(w, "/provenance/changed/value", n, col + nk, "its value in this run");
    h5_vlstrings(w, "/provenance/changed/default", n, col + 2 * nk, "its default value");
  }
  for (int i = 0; col && i < n; i++) {
    free((char *)col[nk + i]);
    free((char *)col[2 * nk + i]);
  }
  free(col);
  free(v);
  free(dv);
}

static void write_h5_body(h5w *w, const bw_summary *s, const bw_data *d, const bw_provenance *prov,
                          double *buf) {
  const int ng = s->ng, ny = s->ny;
  const hsize_t dg[1] = {(hsize_t)ng}, dy[1] = {(hsize_t)ny}, dgy[2] = {(hsize_t)ng, (hsize_t)ny};
  const names_arg na = {s, d};
  char path[256], title[160];
  hid_t root = w->file;

  /* root attributes */
  snprintf(title, sizeof title, "bwsim results: %s", prov->params_name ? prov->params_name : "");
  h5_attr_str(w, root, "/", "title", title);
  /* what a reader checks before it trusts the layout (results/README.md) */
  h5_attr_str(w, root, "/", "format", "bwsim-results");
  h5_attr_int(w, root, "/", "format_version", BW_RESULTS_FORMAT_VERSION);
  h5_attr_int(w, root, "/", "first_year", s->first_year);
  h5_attr_int(w, root, "/", "last_year", s->first_year + ny - 1);
  h5_attr_int(w, root, "/", "start_year", s->start_year);
  h5_attr_double(w, root, "/", "threshold_eur_per_inhabitant", s->theta);
  h5_attr_double(w, root, "/", "p_star", s->p_star);
  h5_attr_int(w, root, "/", "n_replications", s->nrep);
  h5_attr_str(w, root, "/", "pooling", s->pooling == BW_POOL_REGION ? "region" : "none");
  h5_attr_str(w, root, "/", "statistics",
              s->exact ? "exact (--exact: every value kept)"
                       : "streaming (quantiles and CVaR within the err_* bounds)");
  h5_attr_int(w, root, "/", "n_flagged", s->n_flagged);
  h5_attr_int(w, root, "/", "n_unstable", s->n_unstable);
  h5_attr_int(w, root, "/", "n_flagged_other_pooling", s->n_flagged_other);

  /* dimension scales: /gemeente/code ("gemeente") and /year ("year") */
  h5_group(w, "/gemeente", "the gemeenten, in data order (the gemeente dimension)");
  hid_t gscale = h5_strings(w, "/gemeente/code", ng, gem_code, &na);
  if (gscale >= 0 && H5DSset_scale(gscale, "gemeente") < 0)
    h5_fail(w, "make a dimension scale of", "/gemeente/code");
  int *years = (int *)buf; /* buf holds ng*ny >= ny doubles */
  for (int y = 0; y < ny; y++) years[y] = s->first_year + y;
  hid_t yscale = h5_dataset(w, "/year", H5T_STD_I32LE, H5T_NATIVE_INT, 1, dy, years);
  if (yscale >= 0) {
    if (H5DSset_scale(yscale, "year") < 0) h5_fail(w, "make a dimension scale of", "/year");
    h5_attr_str(w, yscale, "/year", "units", "calendar year");
  }

  hid_t ds = h5_strings(w, "/gemeente/name", ng, gem_name, &na);
  h5_attach(w, ds, "/gemeente/name", gscale, 0, "gemeente");
  h5_close(&ds);
  ds = h5_strings(w, "/gemeente/region", ng, gem_region, &na);
  if (ds >= 0)
    h5_attr_str(w, ds, "/gemeente/region", "description",
                "code of the centrumgemeente of the region");
  h5_attach(w, ds, "/gemeente/region", gscale, 0, "gemeente");
  h5_close(&ds);
  long long *pop = (long long *)buf;
  for (int g = 0; g < ng; g++) pop[g] = llround(d->g[g].population);
  ds = h5_dataset(w, "/gemeente/population", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, dg, pop);
  if (ds >= 0) h5_attr_str(w, ds, "/gemeente/population", "units", "inhabitants");
  if (ds >= 0)
    h5_attr_str(w, ds, "/gemeente/population", "description",
                "population on 1 January of first_year (data)");
  h5_attach(w, ds, "/gemeente/population", gscale, 0, "gemeente");
  h5_close(&ds);
  for (int k = 0; k < 2; k++) {
    for (int g = 0; g < ng; g++) buf[g] = k == 0 ? d->g[g].lat : d->g[g].lon;
    h5_values(w, k == 0 ? "/gemeente/lat" : "/gemeente/lon", 1, dg, buf, "degrees",
              k == 0 ? "centroid latitude (data)" : "centroid longitude (data)", gscale, -1);
  }
  unsigned char *cg = (unsigned char *)buf;
  for (int g = 0; g < ng; g++) cg[g] = d->g[g].is_centrumgemeente ? 1 : 0;
  ds = h5_dataset(w, "/gemeente/is_centrumgemeente", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, dg, cg);
  h5_attach(w, ds, "/gemeente/is_centrumgemeente", gscale, 0, "gemeente");
  h5_close(&ds);
  {
    const hsize_t dfe[2] = {(hsize_t)ng, (hsize_t)ny + 1};
    ds = h5_dataset(w, "/gemeente/first_exceed_count", H5T_STD_I64LE, H5T_NATIVE_LLONG, 2, dfe,
                    s->first_exceed);
    if (ds >= 0)
      h5_attr_str(w, ds, "/gemeente/first_exceed_count", "description",
                  "replications whose first reform year with shortfall per inhabitant > threshold "
                  "is year column y (columns first_year..last_year); last column: no such year");
    h5_attach(w, ds, "/gemeente/first_exceed_count", gscale, 0, "gemeente");
    h5_close(&ds);
  }

  /* gemeente x year */
  h5_group(w, "/gemeente_year", "per gemeente and year, over replications (MODEL.md §8)");
  for (int v = 0; v < BW_NGV; v++) {
    snprintf(path, sizeof path, "/gemeente_year/%s", gvar_name[v]);
    h5_group(w, path, gvar_desc[v]);
    for (int k = 0; k < N_STAT_FIELDS; k++) {
      for (int i = 0; i < ng * ny; i++) buf[i] = stat_get(&s->gy[v][i], &stat_fields[k]);
      snprintf(path, sizeof path, "/gemeente_year/%s/%s", gvar_name[v], stat_fields[k].name);
      h5_values(w, path, 2, dgy, buf, gvar_unit[v], stat_fields[k].desc, gscale, yscale);
    }
  }
  char desc[160];
  snprintf(desc, sizeof desc, "P(shortfall per inhabitant > %.17g EUR), BW + MO, over replications",
           s->theta);
  const struct {
    const char *path;
    const double *v;
    const char *desc;
  } pe[4] = {
      {"/gemeente_year/p_exceed", s->p_exceed, desc},
      {"/gemeente_year/p_exceed_se", s->p_exceed_se, "Monte Carlo standard error of p_exceed"},
      {"/gemeente_year/p_exceed_lo", s->p_exceed_lo, "lower end of the Wilson 95 % interval of p_exceed"},
      {"/gemeente_year/p_exceed_hi", s->p_exceed_hi, "upper end of the Wilson 95 % interval of p_exceed"}};
  for (int k = 0; k < 4 && h5_ok(w); k++) {
    ds = h5_dataset(w, pe[k].path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dgy, pe[k].v);
    if (ds < 0) break;
    h5_attr_str(w, ds, pe[k].path, "units", "1");
    h5_attr_str(w, ds, pe[k].path, "description", pe[k].desc);
    h5_attr_double(w, ds, pe[k].path, "threshold_eur_per_inhabitant", s->theta);
    h5_attach(w, ds, pe[k].path, gscale, 0, "gemeente");
    h5_attach(w, ds, pe[k].path, yscale, 1, "year");
    h5_close(&ds);
  }

  /* national */
  h5_group(w, "/national", "national totals per year, over replications (MODEL.md §8)");
  for (int q = 0; q < BW_NQ; q++) {
    snprintf(path, sizeof path, "/national/%s", quantity_name[q]);
    h5_group(w, path, NULL);
    for (int k = 0; k < N_STAT_FIELDS; k++) {
      for (int y = 0; y < ny; y++) buf[y] = stat_get(&s->national[q * ny + y], &stat_fields[k]);
      snprintf(path, sizeof path, "/national/%s/%s", quantity_name[q], stat_fields[k].name);
      h5_values(w, path, 1, dy, buf, quantity_unit[q], stat_fields[k].desc, -1, yscale);
    }
  }

  /* risk list, rank order (the columns of risk.csv) */
  h5_group(w, "/risk", "gemeenten ranked by p_max_year (the columns of risk.csv)");
  int *ibuf = (int *)buf;
  for (int i = 0; i < ng; i++) ibuf[i] = s->risk[i].rank;
  ds = h5_dataset(w, "/risk/rank", H5T_STD_I32LE, H5T_NATIVE_INT, 1, dg, ibuf);
  h5_close(&ds);
  ds = h5_strings(w, "/risk/code", ng, risk_code, &na);
  h5_close(&ds);
  ds = h5_strings(w, "/risk/name", ng, risk_name, &na);
  h5_close(&ds);
  ds = h5_strings(w, "/risk/region", ng, risk_region, &na);
  h5_close(&ds);
  for (int i = 0; i < ng; i++) pop[i] = llround(d->g[s->risk[i].g].population);
  ds = h5_dataset(w, "/risk/population", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, dg, pop);
  if (ds >= 0) h5_attr_str(w, ds, "/risk/population", "units", "inhabitants");
  h5_close(&ds);

  const struct {
    const char *name, *units;
    size_t off;
  } rcols[] = {
      {"p_max_year", "1", offsetof(bw_risk_row, p_max_year)},
      {"p_se", "1", offsetof(bw_risk_row, p_se)},
      {"p_any_year", "1", offsetof(bw_risk_row, p_any_year)},
      {"mean_cum_shortfall_eur", "EUR", offsetof(bw_risk_row, cum_mean)},
      {"q95_cum_shortfall_eur", "EUR", offsetof(bw_risk_row, cum_q95)},
      {"cvar95_cum_shortfall_eur", "EUR", offsetof(bw_risk_row, cum_cvar95)},
  };
  for (size_t c = 0; c < sizeof rcols / sizeof rcols[0]; c++) {
    if (c == 2) { /* keep the column order of risk.csv */
      for (int i = 0; i < ng; i++) ibuf[i] = s->risk[i].first_bottleneck_year;
      ds = h5_dataset(w, "/risk/first_bottleneck_year", H5T_STD_I32LE, H5T_NATIVE_INT, 1, dg, ibuf);
      if (ds >= 0)
        h5_attr_str(w, ds, "/risk/first_bottleneck_year", "description",
                    "first year with p_exceed >= p_star; 0 = none");
      h5_close(&ds);
    }
    for (int i = 0; i < ng; i++)
      memcpy(&buf[i], (const char *)&s->risk[i] + rcols[c].off, sizeof(double));
    snprintf(path, sizeof path, "/risk/%s", rcols[c].name);
    h5_values(w, path, 1, dg, buf, rcols[c].units, NULL, -1, -1);
  }
  unsigned char *flags = (unsigned char *)buf;
  for (int i = 0; i < ng; i++) flags[i] = s->risk[i].flagged ? 1 : 0;
  ds = h5_dataset(w, "/risk/flagged", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, dg, flags);
  if (ds >= 0) h5_attr_str(w, ds, "/risk/flagged", "description", "1 when p_max_year >= p_star");
  h5_close(&ds);
  const struct {
    const char *name, *units;
    size_t off;
  } rcols2[] = {
      {"p_lo", "1", offsetof(bw_risk_row, p_lo)},
      {"p_hi", "1", offsetof(bw_risk_row, p_hi)},
      {"se_mean_cum_shortfall_eur", "EUR", offsetof(bw_risk_row, cum_se_mean)},
      {"se_q95_cum_shortfall_eur", "EUR", offsetof(bw_risk_row, cum_se_q95)},
      {"se_cvar95_cum_shortfall_eur", "EUR", offsetof(bw_risk_row, cum_se_cvar95)},
      {"err_q95_cum_shortfall_eur", "EUR", offsetof(bw_risk_row, cum_q95_err)},
      {"err_cvar95_cum_shortfall_eur", "EUR", offsetof(bw_risk_row, cum_cvar95_err)},
  };
  for (size_t c = 0; c < sizeof rcols2 / sizeof rcols2[0]; c++) {
    for (int i = 0; i < ng; i++)
      memcpy(&buf[i], (const char *)&s->risk[i] + rcols2[c].off, sizeof(double));
    snprintf(path, sizeof path, "/risk/%s", rcols2[c].name);
    h5_values(w, path, 1, dg, buf, rcols2[c].units, c < 2 ? "Wilson 95 % interval of p_max_year" : NULL,
              -1, -1);
  }
  for (int i = 0; i < ng; i++) flags[i] = s->risk[i].flag_stable ? 1 : 0;
  ds = h5_dataset(w, "/risk/flag_stable", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, dg, flags);
  if (ds >= 0)
    h5_attr_str(w, ds, "/risk/flag_stable", "description",
                "1 when the 95 % interval [p_lo, p_hi] lies wholly on one side of p_star");
  h5_close(&ds);
  signed char *oth = (signed char *)buf;
  for (int i = 0; i < ng; i++) oth[i] = (signed char)s->risk[i].flagged_other;
  ds = h5_dataset(w, "/risk/flagged_other_pooling", H5T_STD_I8LE, H5T_NATIVE_SCHAR, 1, dg, oth);
  if (ds >= 0)
    h5_attr_str(w, ds, "/risk/flagged_other_pooling", "description",
                "flag under the other pooling setting (without pooling when the run pooled, with "
                "regional pooling when it did not); -1 unknown");
  h5_close(&ds);

  write_h5_regions(w, s, d, buf, yscale);
  write_h5_split(w, s, buf, gscale, yscale);
  write_h5_decomp(w, s, buf, gscale, yscale);

  /* provenance: nothing that changes between identical runs */
  h5_group(w, "/provenance", "how these results were made");
  if (h5_ok(w)) {
    hid_t g = H5Gopen2(w->file, "/provenance", H5P_DEFAULT);
    if (g < 0) {
      h5_fail(w, "open group", "/provenance");
    } else {
      h5_attr_str(w, g, "/provenance", "bwsim_version", prov->version ? prov->version : "");
      h5_attr_str(w, g, "/provenance", "params_name", prov->params_name ? prov->params_name : "");
      unsigned long long seed = prov->seed;
      h5_attr(w, g, "/provenance", "seed", H5T_STD_U64LE, H5T_NATIVE_ULLONG, &seed);
      h5_attr_int(w, g, "/provenance", "replications", prov->replications);
      h5_attr_str(w, g, "/provenance", "params_sha256", prov->params_sha256);
      h5_attr_str(w, g, "/provenance", "gemeenten_sha256", prov->gemeenten_sha256);
      h5_attr_str(w, g, "/provenance", "regions_sha256", prov->regions_sha256);
      char dname[128], dver[256];
      int illustrative;
      identify_data(prov, dname, sizeof dname, dver, sizeof dver, &illustrative);
      h5_attr_str(w, g, "/provenance", "data_name", dname);
      h5_attr_str(w, g, "/provenance", "data_version", dver);
      h5_attr_int(w, g, "/provenance", "data_illustrative", illustrative);
      /* every key with its value: bw_params_parse reads it back to these params */
      char *resolved = prov->params ? bw_params_to_yaml(prov->params) : NULL;
      if (prov->params && !resolved)
        bw_fail(w->ctx, BW_ENOMEM, "%s: out of memory for params_resolved", w->shown);
      else if (resolved)
        h5_attr_str(w, g, "/provenance", "params_resolved", resolved);
      free(resolved);
      H5Gclose(g);
    }
  }
  write_h5_settings(w, prov->params);
  write_h5_changed(w, prov->params);
  const char *text = prov->params_text ? prov->params_text : "";
  hid_t t = h5_ok(w) ? str_type(strlen(text)) : -1;
  if (h5_ok(w) && t < 0) h5_fail(w, "create a string type for", "/provenance/params_yaml");
  if (t >= 0) {
    ds = h5_dataset(w, "/provenance/params_yaml", t, t, 0, NULL, text);
    h5_close(&ds);
    H5Tclose(t);
  }

  if (gscale >= 0) H5Dclose(gscale);
  if (yscale >= 0) H5Dclose(yscale);
}

static bw_status write_h5_file(const char *tmp, const char *shown, const bw_summary *s,
                               const bw_data *d, const bw_provenance *prov, bw_ctx *ctx) {
  size_t nbuf = (size_t)s->ng * (size_t)(s->ny + 1);
  if (nbuf < (size_t)s->nr * (size_t)s->ny) nbuf = (size_t)s->nr * (size_t)s->ny;
  if (nbuf < (size_t)s->ny) nbuf = (size_t)s->ny;
  double *buf = calloc(nbuf > 0 ? nbuf : 1, sizeof *buf);
  if (!buf) return bw_fail(ctx, BW_ENOMEM, "%s: out of memory", shown);

  /* HDF5 would print its error stack to stderr; we report through ctx. The
   * handler is process-wide state of the library: put it back when done. */
  H5E_auto2_t old_func = NULL;
  void *old_data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

  h5w w = {.file = -1, .gcpl = -1, .dcpl = -1, .shown = shown, .ctx = ctx};
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  w.gcpl = H5Pcreate(H5P_GROUP_CREATE);
  w.dcpl = H5Pcreate(H5P_DATASET_CREATE);
  /* No modification times (identical runs, identical bytes); a file format
   * that HDF5 1.8 readers open. */
  if (fcpl < 0 || fapl < 0 || w.gcpl < 0 || w.dcpl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
      H5Pset_obj_track_times(w.gcpl, 0) < 0 || H5Pset_obj_track_times(w.dcpl, 0) < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18) < 0) {
    h5_fail(&w, "set up the properties of", "the file");
  } else {
    w.file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (w.file < 0) h5_fail(&w, "create", tmp);
  }
  if (w.file >= 0) {
    write_h5_body(&w, s, d, prov, buf);
    if (H5Fclose(w.file) < 0) h5_fail(&w, "close", tmp);
  }
  if (w.dcpl >= 0) H5Pclose(w.dcpl);
  if (w.gcpl >= 0) H5Pclose(w.gcpl);
  if (fapl >= 0) H5Pclose(fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
  free(buf);
  return ctx->status;
}

/* ---- write all three ---------------------------------------------------- */

bw_status bw_output_write(const char *dir, int force, const bw_summary *s, const bw_model *m,
                          const bw_provenance *prov, bw_ctx *ctx) {
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

  bw_fileset fs;
  bw_status st = bw_fileset_prepare(&fs, dir, out_name, OUT_N, force, ctx);
  if (st != BW_OK) return st;
  csv_job risk = {write_risk_csv, s, d}, national = {write_national_csv_d, s, d};
  st = write_h5_file(fs.tmp[OUT_H5], fs.dst[OUT_H5], s, d, prov, ctx);
  if (st == BW_OK) st = bw_fileset_sync(&fs, OUT_H5, ctx);
  if (st == BW_OK) st = bw_fileset_write_text(&fs, OUT_RISK, run_csv_job, &risk, ctx);
  if (st == BW_OK) st = bw_fileset_write_text(&fs, OUT_NATIONAL, run_csv_job, &national, ctx);
  if (st != BW_OK) {
    bw_fileset_abort(&fs);
    return st;
  }
  return bw_fileset_commit(&fs, dir, ctx);
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
