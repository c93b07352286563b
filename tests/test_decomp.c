/* The drivers of the shortfall (models/budget.c bw_decompose, written to
 * results.h5 /gemeente/decomposition and /gemeente_year/decomposition):
 *  - they add up to the mean shortfall of every gemeente-year and to the mean
 *    cumulative shortfall of risk.csv (to the fixed-point rounding of the
 *    sums: 1/256 EUR per component and replication);
 *  - the pooling transfer is 0 without pooling and sums to 0 within every
 *    region with pooling (pooling moves money inside a region);
 *  - before the start year the objective part is 0 (w = 0), and in every
 *    year the two budget parts have the sign of a budget (<= 0);
 *  - results.h5 says its format and version.
 * Through the real executable, as a user runs it. */
#define _GNU_SOURCE /* execvpe, nftw */

#include <hdf5_hl.h>
#include <math.h>

#include "test_util.h"

#define DEFAULT_YAML BW_SOURCE_DIR "/params/default.yaml"

static void setup(void) { tu_setup("decomp"); }
TestSuite(decomp, .init = setup, .fini = tu_teardown);

enum { NG_MAX = 400, NY_MAX = 64 };

enum { MAXCOMP = 16 };

/* The drivers that add up, from the group's `components` attribute. */
static int components(hid_t f, char names[MAXCOMP][64]) {
  char list[1024];
  tu_h5_attr_str(f, "/gemeente/decomposition", "components", list, sizeof list);
  int n = 0;
  for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    cr_assert_lt(n, MAXCOMP);
    snprintf(names[n++], 64, "%s", t);
  }
  return n;
}

static int has(char names[MAXCOMP][64], int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(names[i], name)) return 1;
  return 0;
}

static void read_doubles(hid_t f, const char *path, double *v) {
  cr_assert_geq(H5LTread_dataset_double(f, path, v), 0, "cannot read %s", path);
}

/* Runs the default model with extra args; opens results.h5. */
static hid_t run(const char *name, const char *set) {
  char *out = tu_path(name);
  tu_proc p = set ? tu_bwsim("run", DEFAULT_YAML, "-n", "12", "-q", "--set", set, "--out", out, NULL)
                  : tu_bwsim("run", DEFAULT_YAML, "-n", "12", "-q", "--out", out, NULL);
  cr_assert_eq(p.code, 0, "%s: exit %d\n%s", name, p.code, p.err);
  hid_t f = H5Fopen(tu_join(out, "results.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  return f;
}

static void dims(hid_t f, const char *path, int *ng, int *ny) {
  hsize_t d[2] = {0, 0};
  int rank = 0;
  cr_assert_geq(H5LTget_dataset_ndims(f, path, &rank), 0);
  cr_assert_geq(H5LTget_dataset_info(f, path, d, NULL, NULL), 0);
  *ng = (int)d[0];
  *ny = rank > 1 ? (int)d[1] : 1;
}

/* n fixed-length strings of path into out */
static void read_codes(hid_t f, const char *path, char out[][16], int n) {
  hid_t t = H5Dopen2(f, path, H5P_DEFAULT);
  cr_assert_geq(t, 0, "no %s", path);
  hid_t ty = H5Dget_type(t);
  size_t len = H5Tget_size(ty);
  cr_assert(len < 16, "%s: strings of %zu bytes", path, len);
  static char buf[NG_MAX * 16];
  cr_assert_geq(H5Dread(t, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
  for (int i = 0; i < n; i++) snprintf(out[i], 16, "%.*s", (int)len, buf + i * len);
  H5Tclose(ty);
  H5Dclose(t);
}

static void check_sums(hid_t f) {
  int ng, ny;
  dims(f, "/gemeente_year/shortfall_eur/mean", &ng, &ny);
  cr_assert(ng > 0 && ng <= NG_MAX && ny > 0 && ny <= NY_MAX);
  char names[MAXCOMP][64];
  int ncomp = components(f, names);
  static double comp[MAXCOMP][NG_MAX * NY_MAX], total[NG_MAX * NY_MAX];
  static double cum[MAXCOMP][NG_MAX];
  for (int k = 0; k < ncomp; k++) {
    read_doubles(f, tu_format("/gemeente_year/decomposition/%s", names[k]), comp[k]);
    read_doubles(f, tu_format("/gemeente/decomposition/%s", names[k]), cum[k]);
  }
  read_doubles(f, "/gemeente_year/shortfall_eur/mean", total);
  double tol_rounding = ncomp * 1.0 / 256; /* each mean is exact to 1/256 EUR */
  for (int i = 0; i < ng * ny; i++) {
    double s = 0;
    for (int k = 0; k < ncomp; k++) s += comp[k][i];
    cr_assert_leq(fabs(s - total[i]), tol_rounding + 1e-12 * fabs(total[i]),
                  "gemeente-year %d: drivers sum to %.6f, shortfall mean %.6f", i, s, total[i]);
  }
  /* the cumulative drivers against the risk table (in rank order: by code) */
  static double risk_cum[NG_MAX];
  static char codes[NG_MAX][16], rcodes[NG_MAX][16];
  read_codes(f, "/gemeente/code", codes, ng);
  read_codes(f, "/risk/code", rcodes, ng);
  read_doubles(f, "/risk/mean_cum_shortfall_eur", risk_cum);
  for (int i = 0; i < ng; i++) {
    int g = -1;
    for (int j = 0; j < ng && g < 0; j++)
      if (!strcmp(codes[j], rcodes[i])) g = j;
    cr_assert_geq(g, 0, "risk row %s not a gemeente", rcodes[i]);
    double s = 0;
    for (int k = 0; k < ncomp; k++) s += cum[k][g];
    cr_assert_leq(fabs(s - risk_cum[i]), ny * tol_rounding + 1e-12 * fabs(risk_cum[i]),
                  "%s: cumulative drivers sum to %.6f, risk mean %.6f", rcodes[i], s, risk_cum[i]);
  }
}

Test(decomp, drivers_add_up_and_pooling_stays_in_the_region) {
  hid_t f = run("none", NULL);
  char fmt[64];
  tu_h5_attr_str(f, "/", "format", fmt, sizeof fmt);
  cr_assert_str_eq(fmt, "bwsim-results");
  cr_assert_eq(tu_h5_attr_ll(f, "/", "format_version"), 2);
  check_sums(f);
  int ng, ny;
  dims(f, "/gemeente_year/shortfall_eur/mean", &ng, &ny);
  static double pool[NG_MAX * NY_MAX], obj[NG_MAX * NY_MAX], hist[NG_MAX * NY_MAX];
  read_doubles(f, "/gemeente_year/decomposition/pooling_eur", pool);
  read_doubles(f, "/gemeente_year/decomposition/budget_objective_eur", obj);
  read_doubles(f, "/gemeente_year/decomposition/budget_historical_eur", hist);
  long long first = tu_h5_attr_ll(f, "/", "first_year"), start = tu_h5_attr_ll(f, "/", "start_year");
  for (int i = 0; i < ng * ny; i++) {
    cr_assert_eq(pool[i], 0.0, "no pooling, yet a pooling transfer at %d", i);
    cr_assert_leq(obj[i], 0.0);
    cr_assert_leq(hist[i], 0.0);
    if (first + i % ny < start) cr_assert_eq(obj[i], 0.0, "objective part before the start year");
  }
  H5Fclose(f);

  f = run("region", "policy.pooling=region");
  check_sums(f);
  read_doubles(f, "/gemeente_year/decomposition/pooling_eur", pool);
  static char region_code[NG_MAX][16];
  int region[NG_MAX];
  read_codes(f, "/gemeente/region", region_code, ng);
  for (int g = 0; g < ng; g++) { /* region index: the first gemeente with the same code */
    region[g] = g;
    for (int h = 0; h < g; h++)
      if (!strcmp(region_code[h], region_code[g])) {
        region[g] = region[h];
        break;
      }
  }
  int moved = 0;
  for (int y = 0; y < ny; y++) {
    double sum[NG_MAX] = {0}, mag[NG_MAX] = {0};
    for (int g = 0; g < ng; g++) {
      sum[region[g]] += pool[g * ny + y];
      mag[region[g]] += fabs(pool[g * ny + y]);
      moved |= pool[g * ny + y] != 0;
    }
    for (int r = 0; r < ng; r++)
      cr_assert_leq(fabs(sum[r]), 1e-9 * mag[r] + 0.05, "region %d year %d: pooling sums to %g", r, y, sum[r]);
  }
  cr_assert(moved, "pooling moved nothing");
  H5Fclose(f);
}

/* The BW cost of old-regime clients (entered before the start year) falls on
 * the centrumgemeenten only (docs/model.md §4): zero elsewhere, and old + new
 * = the BW cost. The count kernel, which counts a centrumgemeente's payer
 * groups in one lane, reports the BW cost without the split. */
Test(decomp, old_regime_cost_only_on_centrumgemeenten) {
  hid_t f = run("indiv", NULL);
  char names[MAXCOMP][64];
  int n = components(f, names);
  cr_assert(has(names, n, "cost_bw_old_regime_eur") && has(names, n, "cost_bw_new_regime_eur") &&
                !has(names, n, "cost_bw_eur"),
            "the individual kernel splits the BW cost by regime");
  int ng, ny;
  dims(f, "/gemeente_year/shortfall_eur/mean", &ng, &ny);
  static double old[NG_MAX * NY_MAX], neu[NG_MAX * NY_MAX], tot[NG_MAX * NY_MAX];
  read_doubles(f, "/gemeente_year/decomposition/cost_bw_old_regime_eur", old);
  read_doubles(f, "/gemeente_year/decomposition/cost_bw_new_regime_eur", neu);
  read_doubles(f, "/gemeente_year/decomposition/cost_bw_eur", tot);
  int centrum[NG_MAX];
  cr_assert_geq(H5LTread_dataset_int(f, "/gemeente/is_centrumgemeente", centrum), 0);
  long long first = tu_h5_attr_ll(f, "/", "first_year"), start = tu_h5_attr_ll(f, "/", "start_year");
  int some_old = 0, some_new_before = 0;
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      int i = g * ny + y;
      cr_assert_geq(old[i], 0.0);
      cr_assert_leq(fabs(old[i] + neu[i] - tot[i]), 2.0 / 256 + 1e-12 * fabs(tot[i]), "old + new != BW cost");
      if (!centrum[g]) cr_assert_eq(old[i], 0.0, "gemeente %d pays old-regime clients in year %d", g, y);
      some_old |= old[i] > 0;
      /* before the start year every client is old regime */
      if (first + y < start) some_new_before |= fabs(neu[i]) > 2.0 / 256;
    }
  cr_assert(some_old, "no old-regime cost anywhere");
  cr_assert(!some_new_before, "new-regime cost before the start year");
  check_sums(f);
  H5Fclose(f);

  f = run("counts", "run.kernel=counts");
  n = components(f, names);
  cr_assert(has(names, n, "cost_bw_eur") && !has(names, n, "cost_bw_old_regime_eur"),
            "the count kernel reports the BW cost as one driver");
  cr_assert_eq(H5Lexists(f, "/gemeente/decomposition/cost_bw_old_regime_eur", H5P_DEFAULT), 0);
  check_sums(f);
  H5Fclose(f);
}
