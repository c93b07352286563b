/* End-to-end tests of the bwsim command line (sim/main.c): the result files
 * of a small run read back (risk.csv, national.csv, results.h5), byte-identical
 * results for 1, 2 and 4 threads and for 1 and 2 MPI processes (docs/model.md
 * §10.5), and the refusals: bad command line, bad params, bad data, existing
 * output — each with exit code 2, a message on stderr and nothing written.
 *
 * Issue 4 (streaming statistics): the Wilson interval, flag_stable and se
 * columns; --until-stable stopping with every flag stable, or at
 * --max-replications with the count printed, and giving the bytes of -n N;
 * --exact vs streaming on the same run (every quantile within its err_*);
 * byte-identical results with the variance split and regional pooling for
 * 1/2 threads and 1/2 MPI processes, and for --exact and --until-stable
 * under MPI.
 *
 * Each test runs the real executable (BW_BINARY) with fork/exec in its own
 * mkdtemp directory under /tmp, removed by the suite's fini. The runs use
 * tests/data/cli/small.yaml: the default model with 8 replications, so that
 * the suite stays fast in the ASan+UBSan Debug build too. */
#define _GNU_SOURCE /* execvpe, nftw */

#include <float.h>

#include "test_util.h"

#define SMALL_YAML BW_TEST_DIR "/data/cli/small.yaml"
#define GEMEENTEN_CSV BW_SOURCE_DIR "/params/data/gemeenten.csv"
#define REGIONS_CSV BW_SOURCE_DIR "/params/data/regions.csv"

/* What small.yaml inherits from params/default.yaml (run.seed, the years,
 * flags.p_star, flows.stock.I) and sets itself (run.replications). */
enum { SMALL_REPLICATIONS = 8, FIRST_YEAR = 2021, LAST_YEAR = 2031, N_YEARS = 11 };
static const unsigned long long DEFAULT_SEED = 20210101ULL;
static const double P_STAR = 0.5;
static const double STOCK_I = 22000.0;

/* The contract of the CSV files: the columns listed in README.md "Outputs"; the
 * national quantities of docs/model.md §8 are TU_QUANTITIES (test_util.h). */
static const char *const RISK_HEADER =
    "rank,code,name,region,population,p_max_year,p_se,first_bottleneck_year,p_any_year,"
    "mean_cum_shortfall_eur,q95_cum_shortfall_eur,cvar95_cum_shortfall_eur,flagged,p_lo,p_hi,"
    "flag_stable,p_any_year_se,se_mean_cum_shortfall_eur,se_q95_cum_shortfall_eur,"
    "se_cvar95_cum_shortfall_eur,data_set,data_illustrative,data_sha256";
enum { RISK_NCOL = 23 };
static const char *const NATIONAL_HEADER =
    "year,quantity,mean,sd,q05,q50,q95,cvar95,se_mean,se_q05,se_q50,se_q95,se_cvar95";
enum { NATIONAL_NCOL = 13 };
enum { N_RESULT_FILES = 5 };
static const char *const RESULT_FILES[N_RESULT_FILES] = {"risk.csv", "national.csv", "results.h5",
                                                         "gemeente_year.csv", "region_year.csv"};

/* ---- the per-test temporary directory ----------------------------------- */

static void setup(void) { tu_setup("cli"); }

TestSuite(cli, .init = setup, .fini = tu_teardown);

/* ---- files -------------------------------------------------------------- */

/* SHA-256 of the result files of dir, in RESULT_FILES order. */
typedef struct {
  char h[N_RESULT_FILES][65];
} result_hashes;

static result_hashes hash_results(const char *dir) {
  result_hashes r;
  char path[600];
  for (int i = 0; i < N_RESULT_FILES; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, RESULT_FILES[i]);
    tu_sha256_file(path, r.h[i]);
  }
  return r;
}

static void assert_same_results(const result_hashes *a, const result_hashes *b, const char *what) {
  for (int i = 0; i < N_RESULT_FILES; i++)
    cr_assert_str_eq(a->h[i], b->h[i], "%s: %s differs", what, RESULT_FILES[i]);
}

/* A refused run leaves dir missing or empty: no result file, no run.log, no
 * temporary (.NAME.tmp.PID) or backup file. */
static void assert_nothing_written(const char *dir, const char *what) {
  DIR *d = opendir(dir);
  if (!d) {
    cr_assert_eq(errno, ENOENT, "%s: opendir %s: %s", what, dir, strerror(errno));
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    closedir(d);
    cr_assert_fail("%s: refused run left '%s' in %s", what, e->d_name, dir);
  }
  closedir(d);
}

/* ---- running the executable --------------------------------------------- */

/* Run argv (argv[0] looked up in PATH unless it holds a '/') in tu_tmp_root.
 * With mpi_env, the environment lets Open MPI run as root (containers, CI). */
static tu_proc run_argv(char *const argv[], int mpi_env) {
  if (!mpi_env) return tu_run(argv, NULL, tu_tmp_root);
  /* Open MPI leaks in MPI_Init and its plugins (unloaded at exit, so their
   * frames cannot be suppressed by name); in the sanitizer build that would
   * fail every MPI run. Leaks of bwsim itself are caught by the plain runs
   * of this suite. No effect on an unsanitized build. */
  const char *asan_old = getenv("ASAN_OPTIONS");
  const char *env[] = {"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
                       tu_format("ASAN_OPTIONS=%s%sdetect_leaks=0", asan_old ? asan_old : "",
                                 asan_old && *asan_old ? ":" : ""),
                       NULL};
  return tu_run(argv, tu_environ_with(env), tu_tmp_root);
}

/* A successful run: exit 0 and the result files in dir. */
static void assert_ok(const tu_proc *p, const char *dir, const char *what) {
  cr_assert_eq(p->code, 0, "%s: exit %d\nstderr: %s", what, p->code, p->err);
  for (int i = 0; i < N_RESULT_FILES; i++) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, RESULT_FILES[i]);
    cr_assert(tu_exists(path), "%s: %s missing", what, path);
  }
  cr_assert_eq(tu_count_hidden(dir, NULL), 0, "%s: temporary files left in %s", what, dir);
}

/* A refusal: exit 2 and a message on stderr (a line starting "bwsim"). */
static void assert_refused(const tu_proc *p, const char *what) {
  cr_assert_eq(p->code, 2, "%s: exit %d, expected 2\nstderr: %s", what, p->code, p->err);
  cr_assert(strstr(p->err, "bwsim") != NULL && strlen(p->err) > 10,
            "%s: no message on stderr (got '%s')", what, p->err);
}

static int contains(const char *hay, const char *needle) { return strstr(hay, needle) != NULL; }

/* ---- CSV ---------------------------------------------------------------- */

/* Lines of text (the final newline ends the last line; no empty lines). */
static int split_lines(char *text, char **lines, int max) {
  int n = 0;
  char *p = text;
  while (*p) {
    char *nl = strchr(p, '\n');
    cr_assert_not_null(nl, "CSV does not end with a newline");
    *nl = '\0';
    if (nl > p && nl[-1] == '\r') nl[-1] = '\0';
    cr_assert_lt(n, max, "too many lines");
    lines[n++] = p;
    p = nl + 1;
  }
  return n;
}

static double num(const char *s, const char *what) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  cr_assert(*s && !*end && errno == 0, "%s: not a number: '%s'", what, s);
  return v;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the checks of one run's results ------------------------------------ */

typedef struct {
  int flagged, unstable;
} risk_counts;

/* risk.csv: the documented header, one row per gemeente of the shipped table
 * (each code once), ranks 1..n in order, p_max_year a probability that does
 * not increase down the file, flagged exactly when p_max_year >= p*; its
 * Wilson interval over nrep replications, flag_stable exactly when the
 * interval misses p*, the standard errors. Returns the flag counts. */
static risk_counts check_risk_csv(const char *dir, int nrep) {
  risk_counts rc = {0, 0};
  char path[600];
  snprintf(path, sizeof path, "%s/risk.csv", dir);
  char *text = tu_slurp(path, NULL);
  char *gem = tu_slurp(GEMEENTEN_CSV, NULL);
  enum { MAXL = 4096 };
  char **lines = tu_malloc(MAXL * sizeof *lines), **glines = tu_malloc(MAXL * sizeof *glines);
  char **codes = tu_malloc(MAXL * sizeof *codes), **gcodes = tu_malloc(MAXL * sizeof *gcodes);

  int ng = split_lines(gem, glines, MAXL) - 1;
  cr_assert_eq(ng, 352, "the shipped gemeenten table has %d rows, expected 352 (2021)", ng);
  for (int i = 0; i < ng; i++) {
    char *f[32];
    tu_csv_split(glines[i + 1], f, 32);
    gcodes[i] = f[0];
  }

  int nl = split_lines(text, lines, MAXL);
  cr_assert_geq(nl, 1, "risk.csv is empty");
  cr_assert_str_eq(lines[0], RISK_HEADER);
  cr_assert_eq(nl - 1, ng, "risk.csv has %d rows, expected one per gemeente (%d)", nl - 1, ng);

  double prev = 1.0;
  for (int i = 0; i < ng; i++) {
    char *f[RISK_NCOL + 1];
    int nf = tu_csv_split(lines[i + 1], f, RISK_NCOL + 1);
    cr_assert_eq(nf, RISK_NCOL, "risk.csv line %d: %d fields", i + 2, nf);
    cr_assert_eq(num(f[0], "rank"), (double)(i + 1), "risk.csv line %d: rank %s", i + 2, f[0]);
    codes[i] = f[1];
    double p = num(f[5], "p_max_year"), p_any = num(f[8], "p_any_year");
    cr_assert(p >= 0.0 && p <= 1.0, "line %d: p_max_year %g outside [0, 1]", i + 2, p);
    cr_assert_leq(p, prev, "line %d: p_max_year %.17g above the row before (%.17g)", i + 2, p, prev);
    prev = p;
    /* an exceedance in the max year is an exceedance in some year, in every
     * replication, so the estimates obey the same order */
    cr_assert(p_any >= p && p_any <= 1.0, "line %d: p_any_year %g vs p_max_year %g", i + 2, p_any,
              p);
    cr_assert(!strcmp(f[12], "0") || !strcmp(f[12], "1"), "line %d: flagged '%s'", i + 2, f[12]);
    int flagged = f[12][0] == '1';
    cr_assert_eq(flagged, p >= P_STAR, "line %d: flagged %d but p_max_year %.17g", i + 2, flagged,
                 p);
    if (flagged) {
      /* a year with P >= p* exists, so there is a first one */
      cr_assert(*f[7], "line %d: flagged without a first_bottleneck_year", i + 2);
      double y = num(f[7], "first_bottleneck_year");
      cr_assert(y >= FIRST_YEAR && y <= LAST_YEAR, "line %d: first_bottleneck_year %g", i + 2, y);
    }
    /* issue 4: the interval and its side of p*; the proportions' se. The
     * CSV rounds probabilities to a step of at most 1/n (4 decimals here)
     * and standard errors to 3 significant digits (docs/outputs.md). */
    const double half = 0.5e-4 + 1e-12;
    cr_assert_eq(strlen(f[5]), 6u, "line %d: p_max_year with 4 decimals: %s", i + 2, f[5]);
    double k = round(p * nrep), lo, hi;
    cr_assert(fabs(k / nrep - p) <= half, "line %d: p_max_year %.17g is not a count / %d", i + 2, p, nrep);
    tu_wilson95(k, nrep, &lo, &hi);
    double p_lo = num(f[13], "p_lo"), p_hi = num(f[14], "p_hi");
    cr_assert(fabs(p_lo - lo) <= half && fabs(p_hi - hi) <= half,
              "line %d: interval [%.17g, %.17g], Wilson of %g/%d is [%.17g, %.17g]", i + 2, p_lo, p_hi, k,
              nrep, lo, hi);
    double pk = k / nrep;
    cr_assert(!strcmp(f[15], "0") || !strcmp(f[15], "1"), "line %d: flag_stable '%s'", i + 2, f[15]);
    int stable = f[15][0] == '1';
    cr_assert_eq(stable, lo > P_STAR || hi < P_STAR, "line %d: flag_stable %d, interval [%g, %g]", i + 2,
                 stable, lo, hi);
    double se = sqrt(pk * (1 - pk) / nrep), pa = round(p_any * nrep) / nrep, se_any = sqrt(pa * (1 - pa) / nrep);
    cr_assert(fabs(num(f[6], "p_se") - se) <= 0.005 * se + 1e-15, "line %d: p_se %s, want %g", i + 2, f[6], se);
    cr_assert(fabs(num(f[16], "p_any_year_se") - se_any) <= 0.005 * se_any + 1e-15, "line %d: p_any_year_se",
              i + 2);
    for (int c = 17; c < 20; c++) {
      double se = num(f[c], "se of the cumulative shortfall");
      cr_assert(isfinite(se) && se >= 0, "line %d column %d: se %g", i + 2, c + 1, se);
    }
    rc.flagged += flagged;
    rc.unstable += !stable;
  }

  /* the ranked codes are a permutation of the table's codes */
  qsort(codes, (size_t)ng, sizeof *codes, cmp_str);
  qsort(gcodes, (size_t)ng, sizeof *gcodes, cmp_str);
  for (int i = 0; i < ng; i++) {
    cr_assert_str_eq(codes[i], gcodes[i], "risk.csv codes differ from the gemeenten table");
    if (i > 0) cr_assert_str_neq(codes[i], codes[i - 1], "code %s twice in risk.csv", codes[i]);
  }
  return rc;
}

static int quantity_index(const char *name) {
  for (int q = 0; q < TU_N_QUANTITIES; q++)
    if (!strcmp(TU_QUANTITIES[q], name)) return q;
  return -1;
}

/* national.csv: the documented header, every (year, quantity) once, ordered
 * statistics, the stock as given, and shortfall = cost - budget in the mean.
 * Returns the mean of shortfall_eur and budget_eur per year. */
static void check_national_csv(const char *dir, double shortfall_mean[N_YEARS],
                               double budget_mean[N_YEARS]) {
  char path[600];
  snprintf(path, sizeof path, "%s/national.csv", dir);
  char *text = tu_slurp(path, NULL);
  char *lines[1024];
  int nl = split_lines(text, lines, 1024);
  cr_assert_geq(nl, 1, "national.csv is empty");
  cr_assert_str_eq(lines[0], NATIONAL_HEADER);
  cr_assert_eq(nl - 1, TU_N_QUANTITIES * N_YEARS, "national.csv has %d rows, expected %d", nl - 1,
               TU_N_QUANTITIES * N_YEARS);

  int seen[TU_N_QUANTITIES][N_YEARS] = {{0}};
  double mean[TU_N_QUANTITIES][N_YEARS];
  for (int i = 1; i < nl; i++) {
    char *f[NATIONAL_NCOL + 1];
    int nf = tu_csv_split(lines[i], f, NATIONAL_NCOL + 1);
    cr_assert_eq(nf, NATIONAL_NCOL, "national.csv line %d: %d fields", i + 1, nf);
    double yv = num(f[0], "year");
    cr_assert(yv >= FIRST_YEAR && yv <= LAST_YEAR, "line %d: year %s", i + 1, f[0]);
    int y = (int)yv - FIRST_YEAR;
    int q = quantity_index(f[1]);
    cr_assert_geq(q, 0, "line %d: unknown quantity '%s'", i + 1, f[1]);
    cr_assert_eq(seen[q][y], 0, "line %d: %s %s twice", i + 1, f[1], f[0]);
    seen[q][y] = 1;
    double v[NATIONAL_NCOL - 2];
    for (int k = 0; k < NATIONAL_NCOL - 2; k++) {
      v[k] = num(f[2 + k], "statistic");
      cr_assert(isfinite(v[k]), "line %d: %s %s: non-finite value", i + 1, f[1], f[0]);
    }
    for (int k = 6; k < NATIONAL_NCOL - 2; k++)
      cr_assert_geq(v[k], 0.0, "line %d: negative standard error %g", i + 1, v[k]);
    mean[q][y] = v[0];
    cr_assert_geq(v[1], 0.0, "line %d: negative sd", i + 1);
    cr_assert(v[2] <= v[3] && v[3] <= v[4], "line %d: q05 %g, q50 %g, q95 %g out of order", i + 1,
              v[2], v[3], v[4]);
    if (q == quantity_index("clients_I_jan1") && y == 0) {
      /* docs/model.md §3.1: the stock is data, the same in every replication */
      cr_assert_eq(v[0], STOCK_I, "clients_I_jan1 2021 mean %.17g, expected %g", v[0], STOCK_I);
      cr_assert_eq(v[1], 0.0, "clients_I_jan1 2021 sd %.17g, expected 0", v[1]);
    }
  }
  int qs = quantity_index("shortfall_eur"), qc = quantity_index("cost_eur"),
      qb = quantity_index("budget_eur");
  for (int y = 0; y < N_YEARS; y++) {
    /* the mean is linear; rounding of sums of ~1e9 euros is far below 1e-6 */
    double d = mean[qs][y] - (mean[qc][y] - mean[qb][y]);
    cr_assert_leq(fabs(d), 1e-6 * fabs(mean[qb][y]),
                  "%d: mean shortfall %.17g != mean cost - mean budget (%.17g)", FIRST_YEAR + y,
                  mean[qs][y], mean[qc][y] - mean[qb][y]);
    shortfall_mean[y] = mean[qs][y];
    budget_mean[y] = mean[qb][y];
  }
}

/* A whole dataset as doubles into a new block; *n its number of elements. */
static double *h5_read(hid_t file, const char *path, size_t *n) {
  hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
  cr_assert_geq(ds, 0, "results.h5: no dataset %s", path);
  hid_t sp = H5Dget_space(ds);
  hssize_t cnt = H5Sget_simple_extent_npoints(sp);
  cr_assert_gt(cnt, 0, "%s is empty", path);
  double *v = tu_malloc((size_t)cnt * sizeof *v);
  cr_assert_geq(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0, "read %s", path);
  H5Sclose(sp);
  H5Dclose(ds);
  *n = (size_t)cnt;
  return v;
}

/* results.h5: shortfall mean per gemeente x year with the right shape, whose
 * sum over gemeenten is the national mean shortfall; provenance seed and
 * replication count as run. */
static void check_results_h5(const char *dir, unsigned long long seed, int replications,
                             const double shortfall_mean[N_YEARS],
                             const double budget_mean[N_YEARS]) {
  char path[600];
  snprintf(path, sizeof path, "%s/results.h5", dir);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0, "cannot open %s with HDF5", path);

  hid_t ds = H5Dopen2(f, "/gemeente_year/shortfall_eur/mean", H5P_DEFAULT);
  cr_assert_geq(ds, 0, "results.h5: no /gemeente_year/shortfall_eur/mean");
  hid_t sp = H5Dget_space(ds);
  cr_assert_geq(sp, 0);
  hsize_t dims[4] = {0};
  int rank = H5Sget_simple_extent_ndims(sp);
  cr_assert_eq(rank, 2, "shortfall_eur/mean has rank %d, expected 2", rank);
  cr_assert_eq(H5Sget_simple_extent_dims(sp, dims, NULL), 2);
  cr_assert(dims[0] == 352 && dims[1] == N_YEARS, "shortfall_eur/mean is [%llu][%llu], expected [352][%d]",
            (unsigned long long)dims[0], (unsigned long long)dims[1], N_YEARS);
  double *v = tu_malloc(352 * N_YEARS * sizeof *v);
  cr_assert_geq(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  for (int y = 0; y < N_YEARS; y++) {
    double sum = 0.0;
    for (int g = 0; g < 352; g++) {
      cr_assert(isfinite(v[g * N_YEARS + y]), "shortfall mean of gemeente %d year %d", g, y);
      sum += v[g * N_YEARS + y];
    }
    /* no pooling by default: the gemeenten's shortfalls add up to the nation's */
    cr_assert_leq(fabs(sum - shortfall_mean[y]), 1e-6 * fabs(budget_mean[y]),
                  "%d: sum over gemeenten %.17g, national %.17g", FIRST_YEAR + y, sum,
                  shortfall_mean[y]);
  }
  H5Sclose(sp);
  H5Dclose(ds);

  unsigned long long got_seed = 0, got_reps = 0;
  tu_h5_attr_read(f, "/provenance", "seed", H5T_NATIVE_ULLONG, &got_seed);
  cr_assert_eq(got_seed, seed, "provenance seed %llu, expected %llu", got_seed, seed);
  tu_h5_attr_read(f, "/provenance", "replications", H5T_NATIVE_ULLONG, &got_reps);
  cr_assert_eq(got_reps, (unsigned long long)replications, "provenance replications %llu",
               got_reps);
  H5Fclose(f);
}

/* ---- 1. a small run, its files read back --------------------------------- */

Test(cli, small_run_writes_documented_results) {
  char *out = tu_path("out");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--out", out, NULL);
  assert_ok(&p, out, "bwsim run small.yaml");
  char want[700];
  for (int i = 0; i < N_RESULT_FILES; i++) {
    snprintf(want, sizeof want, "%s/%s", out, RESULT_FILES[i]);
    cr_assert(contains(p.out, want), "stdout does not name %s:\n%s", want, p.out);
  }
  risk_counts rc = check_risk_csv(out, SMALL_REPLICATIONS);
  double shortfall[N_YEARS], budget[N_YEARS];
  check_national_csv(out, shortfall, budget);
  check_results_h5(out, DEFAULT_SEED, SMALL_REPLICATIONS, shortfall, budget);
  /* the counts of the root attributes and of the table agree, and stdout
   * says how many flags are stable */
  char path[600], text[256];
  snprintf(path, sizeof path, "%s/results.h5", out);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "n_flagged"), rc.flagged);
  cr_assert_eq(tu_h5_attr_ll(f, "/", "n_unstable"), rc.unstable);
  tu_h5_attr_str(f, "/", "statistics", text, sizeof text);
  cr_assert(!strncmp(text, "streaming", 9), "the default run streams: %s", text);
  tu_h5_attr_str(f, "/", "pooling", text, sizeof text);
  cr_assert_str_eq(text, "none");
  H5Fclose(f);
  snprintf(text, sizeof text, "%d of 352 flags stable", 352 - rc.unstable);
  cr_assert(contains(p.out, text), "stdout should say '%s':\n%s", text, p.out);
}

/* The command-line options override the params file: -n and -s. */
Test(cli, options_override_params) {
  char *out = tu_path("o");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "-n", "5", "-s", "77", "-o", out, "-q", NULL);
  assert_ok(&p, out, "bwsim run -n 5 -s 77");
  double shortfall[N_YEARS], budget[N_YEARS];
  check_national_csv(out, shortfall, budget);
  check_results_h5(out, 77, 5, shortfall, budget);
}

/* ---- 2. determinism (docs/model.md §10.5) ------------------------------------- */

Test(cli, same_bytes_for_1_2_4_threads_and_seed_matters) {
  const char *threads[3] = {"1", "2", "4"};
  result_hashes h[3];
  for (int i = 0; i < 3; i++) {
    char name[32];
    snprintf(name, sizeof name, "t%s", threads[i]);
    char *out = tu_path("%s", name);
    tu_proc p = tu_bwsim("run", SMALL_YAML, "--threads", threads[i], "--out", out, "--quiet", NULL);
    assert_ok(&p, out, name);
    h[i] = hash_results(out);
  }
  assert_same_results(&h[0], &h[1], "1 vs 2 threads");
  assert_same_results(&h[0], &h[2], "1 vs 4 threads");

  char *out = tu_path("seed2");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--seed", "20210102", "--threads", "2", "--out", out, "--quiet",
                 NULL);
  assert_ok(&p, out, "--seed 20210102");
  result_hashes hs = hash_results(out);
  cr_assert_str_neq(hs.h[2], h[0].h[2], "another seed gave the same results.h5");
}

static int have_program(const char *name) {
  const char *path = getenv("PATH");
  if (!path) return 0;
  char *copy = tu_strdup(path), *save = NULL;
  int found = 0;
  for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", *d ? d : ".", name);
    found = access(full, X_OK) == 0;
  }
  return found;
}

Test(cli, same_bytes_for_1_and_2_mpi_processes) {
#ifndef BW_HAVE_MPI
  cr_skip_test("bwsim was built without MPI (BW_WITH_MPI off or no MPI found)");
#else
  if (!have_program("mpirun")) cr_skip_test("mpirun not found (Debian: openmpi-bin)");
  char *one = tu_path("one");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--threads", "1", "--out", one, "--quiet", NULL);
  assert_ok(&p, one, "1 process");
  result_hashes h1 = hash_results(one);

  char *two = tu_path("two");
  char *argv[] = {"mpirun", "--oversubscribe", "-n", "2", (char *)BW_BINARY, "run",
                  (char *)SMALL_YAML, "--threads", "1", "--out", (char *)two, "--quiet", NULL};
  p = run_argv(argv, 1);
  assert_ok(&p, two, "mpirun -n 2");
  /* the run log says how many processes took part: make sure MPI really split
   * the run (two independent runs would write the same bytes too) */
  char log[600];
  snprintf(log, sizeof log, "%s/run.log", two);
  if (tu_exists(log)) {
    char *text = tu_slurp(log, NULL);
    if (contains(text, "mpi_processes"))
      cr_assert(contains(text, "mpi_processes 2"), "run.log under mpirun -n 2:\n%s", text);
  }
  result_hashes h2 = hash_results(two);
  assert_same_results(&h1, &h2, "1 vs 2 MPI processes");
#endif
}

/* ---- 3. refusals --------------------------------------------------------- */

Test(cli, existing_output_refused_without_force) {
  char *out = tu_path("out");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--out", out, "--quiet", NULL);
  assert_ok(&p, out, "first run");
  result_hashes before = hash_results(out);
  char log_before[65], log_after[65], log[600];
  snprintf(log, sizeof log, "%s/run.log", out);
  tu_sha256_file(log, log_before);

  /* another seed, so that a wrongful overwrite would change the bytes */
  p = tu_bwsim("run", SMALL_YAML, "--seed", "5", "--out", out, NULL);
  assert_refused(&p, "second run without --force");
  cr_assert(contains(p.err, "--force") || contains(p.err, "exist"),
            "the message should say the output exists: %s", p.err);
  result_hashes after = hash_results(out);
  assert_same_results(&before, &after, "refused run");
  tu_sha256_file(log, log_after);
  cr_assert_str_eq(log_before, log_after, "refused run rewrote run.log");
  cr_assert_eq(tu_count_hidden(out, NULL), 0, "refused run left temporary files");

  /* one result file is enough to refuse */
  char path[600];
  snprintf(path, sizeof path, "%s/results.h5", out);
  cr_assert_eq(unlink(path), 0);
  snprintf(path, sizeof path, "%s/national.csv", out);
  cr_assert_eq(unlink(path), 0);
  p = tu_bwsim("run", SMALL_YAML, "--out", out, NULL);
  assert_refused(&p, "run into a directory holding only risk.csv");
  cr_assert(!tu_exists(path), "refused run wrote national.csv");

  p = tu_bwsim("run", SMALL_YAML, "--seed", "5", "--out", out, "--force", "--quiet", NULL);
  assert_ok(&p, out, "--force");
  after = hash_results(out);
  cr_assert_str_neq(after.h[2], before.h[2], "--force did not replace results.h5");
}

/* Bad command lines: refused before anything is read or written. */
Test(cli, bad_command_lines_refused) {
  char *out = tu_path("out");
  struct {
    const char *what;
    const char *args[6];
  } cases[] = {
      {"unknown option", {"--frobnicate"}},
      {"--replications 0", {"--replications", "0"}},
      {"--replications -5", {"--replications", "-5"}},
      {"--replications abc", {"--replications", "abc"}},
      {"--replications 8x", {"--replications", "8x"}},
      {"--replications without value", {"--replications"}},
      {"--threads 0", {"--threads", "0"}},
      {"--seed -1", {"--seed", "-1"}},
      {"two params files", {SMALL_YAML}},
      {"--exact with --until-stable", {"--exact", "--until-stable"}},
      {"--max-replications without --until-stable", {"--max-replications", "16"}},
      {"--max-replications 0", {"--until-stable", "--max-replications", "0"}},
      {"--max-replications without value", {"--until-stable", "--max-replications"}},
      {"--lang de", {"--report", "--lang", "de"}},
      {"--lang without --report", {"--lang", "en"}},
      /* long runs (docs/cluster.md) */
      {"--checkpoint-every 0", {"--checkpoint-every", "0"}},
      {"--checkpoint-every 10x", {"--checkpoint-every", "10x"}},
      {"--checkpoint-every m", {"--checkpoint-every", "m"}},
      {"--checkpoint-every without value", {"--checkpoint-every"}},
      {"--checkpoint-every with --exact", {"--exact", "--checkpoint-every", "100"}},
      {"--resume with --until-stable", {"--until-stable", "--resume", out}},
      {"--resume into another --out", {"--resume", "elsewhere"}},
      {"--resume without a checkpoint", {"--resume", out}},
      {"--replications-range 5:3", {"--replications-range", "5:3"}},
      {"--replications-range 3:3", {"--replications-range", "3:3"}},
      {"--replications-range -1:4", {"--replications-range", "-1:4"}},
      {"--replications-range 4", {"--replications-range", "4"}},
      {"--replications-range a:b", {"--replications-range", "a:b"}},
      {"--replications-range beyond N", {"--replications-range", "4:9"}},
      {"--replications-range with --report", {"--replications-range", "0:4", "--report"}},
      {"--progress-every 0", {"--progress-every", "0"}},
  };
  int n = (int)(sizeof cases / sizeof cases[0]);
  for (int i = 0; i < n; i++) {
    const char *a[6] = {0};
    memcpy(a, cases[i].args, sizeof a);
    tu_proc p = tu_bwsim("run", SMALL_YAML, "--out", out, a[0], a[1], a[2], NULL);
    assert_refused(&p, cases[i].what);
    cr_assert_eq(p.out[0], '\0', "%s: stdout not empty: %s", cases[i].what, p.out);
    assert_nothing_written(out, cases[i].what);
  }
}

/* A params file that does not exist is bad input too (README: exit 2 for
 * params, data, command line and existing output). */
Test(cli, missing_params_file_refused) {
  char *missing = tu_path("no_such.yaml");
  char *out = tu_path("out");
  tu_proc p = tu_bwsim("run", missing, "--out", out, NULL);
  assert_refused(&p, "missing params file");
  cr_assert(contains(p.err, "no_such.yaml"), "stderr should name the file: %s", p.err);
  assert_nothing_written(out, "missing params file");
}

Test(cli, unknown_key_named_with_file_and_line) {
  char *params = tu_path("typo.yaml");
  char text[1024];
  snprintf(text, sizeof text,
           "run:\n"
           "  replications: 4\n"
           "data:\n"
           "  gemeenten: %s\n"
           "  regions: %s\n"
           "flows:\n"
           "  stok: {I: 1000, A: 1000, M: 1000}\n",
           GEMEENTEN_CSV, REGIONS_CSV);
  tu_write_text(params, text);
  char *out = tu_path("out");
  tu_proc p = tu_bwsim("run", params, "--out", out, NULL);
  assert_refused(&p, "unknown key");
  cr_assert(contains(p.err, "typo.yaml:7:") && contains(p.err, "stok"),
            "stderr should name typo.yaml:7 and the key 'stok': %s", p.err);
  assert_nothing_written(out, "unknown key");

  /* the shipped bad file: the key and line are fixed there */
  p = tu_bwsim("run", BW_TEST_DIR "/data/cli/unknown_key.yaml", "--out", out, NULL);
  assert_refused(&p, "unknown_key.yaml");
  cr_assert(contains(p.err, "unknown_key.yaml:9:") && contains(p.err, "budget.tarif_eur"),
            "stderr should name unknown_key.yaml:9 and budget.tarif_eur: %s", p.err);
  assert_nothing_written(out, "unknown_key.yaml");
}

Test(cli, missing_data_file_refused) {
  char *out = tu_path("out");
  tu_proc p = tu_bwsim("run", BW_TEST_DIR "/data/cli/missing_data.yaml", "--out", out, NULL);
  assert_refused(&p, "missing data file");
  cr_assert(contains(p.err, "no_such_gemeenten.csv"), "stderr should name the missing file: %s",
            p.err);
  assert_nothing_written(out, "missing data file");
}

Test(cli, duplicate_gemeente_code_refused) {
  /* a copy of the shipped table with its third data row repeated at the end */
  char *gem = tu_slurp(GEMEENTEN_CSV, NULL);
  char *lines[4096];
  char *copy = tu_strdup(gem);
  int nl = split_lines(copy, lines, 4096);
  cr_assert_gt(nl, 4);
  char *fields[32];
  char dup_line[1024];
  snprintf(dup_line, sizeof dup_line, "%s", lines[3]);
  tu_csv_split(lines[3], fields, 32);
  const char *code = fields[0];
  size_t n = strlen(gem) + strlen(dup_line) + 2;
  char *bad = tu_malloc(n);
  snprintf(bad, n, "%s%s\n", gem, dup_line);
  char *gem_copy = tu_path("gemeenten.csv");
  tu_write_text(gem_copy, bad);

  char *params = tu_path("dup.yaml");
  char text[1024];
  snprintf(text, sizeof text, "run: {replications: 4}\ndata:\n  gemeenten: gemeenten.csv\n  regions: %s\n",
           REGIONS_CSV);
  tu_write_text(params, text);
  char *out = tu_path("out");
  tu_proc p = tu_bwsim("run", params, "--out", out, NULL);
  assert_refused(&p, "duplicate gemeente code");
  cr_assert(contains(p.err, "gemeenten.csv") && contains(p.err, code) &&
                contains(p.err, "duplicate"),
            "stderr should name gemeenten.csv, 'duplicate' and the code %s: %s", code, p.err);
  assert_nothing_written(out, "duplicate gemeente code");
}

/* ---- the top-level command ------------------------------------------------ */

static void assert_mentions_options(const char *text, const char *what) {
  const char *opts[] = {"--replications", "--seed", "--threads", "--out", "--force"};
  for (int i = 0; i < 5; i++)
    cr_assert(contains(text, opts[i]), "%s does not mention %s:\n%s", what, opts[i], text);
}

Test(cli, help_version_and_commands) {
  tu_proc p = tu_bwsim(NULL);
  cr_assert_eq(p.code, 2, "bwsim without arguments: exit %d", p.code);
  cr_assert(contains(p.err, "Usage"), "bwsim without arguments should show the usage on stderr");

  p = tu_bwsim("--help", NULL);
  cr_assert_eq(p.code, 0, "bwsim --help: exit %d", p.code);
  assert_mentions_options(p.out, "bwsim --help");

  p = tu_bwsim("run", "--help", NULL);
  cr_assert_eq(p.code, 0, "bwsim run --help: exit %d", p.code);
  assert_mentions_options(p.out, "bwsim run --help");

  p = tu_bwsim("--version", NULL);
  cr_assert_eq(p.code, 0, "bwsim --version: exit %d", p.code);
  cr_assert(contains(p.out, BW_VERSION), "bwsim --version printed '%s', expected %s", p.out,
            BW_VERSION);

  p = tu_bwsim("frobnicate", NULL);
  assert_refused(&p, "unknown command");
  cr_assert(contains(p.err, "frobnicate"), "stderr should name the command: %s", p.err);
}

/* bwsim merge (docs/cluster.md): what it needs, and what does not apply. */
Test(cli, merge_command_line) {
  char *out = tu_path("out");
  tu_proc p = tu_bwsim("merge", "--help", NULL);
  cr_assert_eq(p.code, 0, "bwsim merge --help: exit %d", p.code);
  cr_assert(contains(p.out, "--out") && contains(p.out, "--replications-range"), "merge --help:\n%s", p.out);
  p = tu_bwsim("merge", NULL);
  assert_refused(&p, "merge without parts");
  p = tu_bwsim("merge", tu_path("part"), NULL);
  assert_refused(&p, "merge without --out");
  p = tu_bwsim("merge", tu_path("part"), "--out", out, "-n", "8", NULL);
  assert_refused(&p, "merge with -n");
  p = tu_bwsim("merge", tu_path("no_such_part"), "--out", out, NULL);
  assert_refused(&p, "merge of a missing part");
  assert_nothing_written(out, "merge of a missing part");
}

/* ---- 4. --quiet ------------------------------------------------------------ */

Test(cli, quiet_prints_nothing) {
  char *out = tu_path("out");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--out", out, "--quiet", NULL);
  assert_ok(&p, out, "--quiet");
  cr_assert_str_eq(p.out, "", "--quiet printed on stdout:\n%s", p.out);
  cr_assert_str_eq(p.err, "", "--quiet printed on stderr (only errors allowed):\n%s", p.err);
}

/* ---- 5. issue 4: --until-stable, --exact, the variance split ---------------- */

/* fewer replications in the sanitizer build (about 10 times slower) */
#ifdef __SANITIZE_ADDRESS__
#define CAP_REPS "4"
#define EXACT_REPS "4"
#define SPLIT_YAML "run:\n  replications: 4\npolicy:\n  pooling: region\nuncertainty:\n  outer_draws: 2\n"
#define SPLIT_K 2
#else
#define CAP_REPS "8"
#define EXACT_REPS "8"
#define SPLIT_YAML "run:\n  replications: 6\npolicy:\n  pooling: region\nuncertainty:\n  outer_draws: 3\n"
#define SPLIT_K 3
#endif

/* tu_tmp_root/name, returned: the shipped data (absolute paths) and the given YAML. */
static char *write_params(const char *name, const char *extra) {
  char *path = tu_path("%s", name);
  char text[2048];
  int n = snprintf(text, sizeof text, "data:\n  gemeenten: %s\n  regions: %s\n%s", GEMEENTEN_CSV,
                   REGIONS_CSV, extra);
  cr_assert(n > 0 && (size_t)n < sizeof text);
  tu_write_text(path, text);
  return path;
}

/* mpirun -n 2 bwsim run ARGS... (NULL-terminated), as the MPI test above. */
static tu_proc mpirun2(const char *arg, ...) {
  char *argv[64];
  int n = 0;
  const char *pre[] = {"mpirun", "--oversubscribe", "-n", "2", BW_BINARY, "run"};
  for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) argv[n++] = (char *)pre[i];
  va_list ap;
  va_start(ap, arg);
  tu_argv_va(argv, n, 64, arg, ap);
  va_end(ap);
  return run_argv(argv, 1);
}

static int mpi_available(void) {
#ifdef BW_HAVE_MPI
  return have_program("mpirun");
#else
  return 0;
#endif
}

static long long h5_file_attr(const char *dir, const char *obj, const char *name) {
  char path[600];
  snprintf(path, sizeof path, "%s/results.h5", dir);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0, "cannot open %s", path);
  long long v = tu_h5_attr_ll(f, obj, name);
  H5Fclose(f);
  return v;
}

/* With a threshold no gemeente reaches, every P is 0 and its Wilson upper
 * limit is z^2 / (n + z^2): below p* = 0.5 from n = 4 on (z^2 = 3.84). From
 * -n 1 the batches are 1, 2, 4: the run stops at 4 with every flag stable,
 * and gives the bytes of -n 4. */
Test(cli, until_stable_stops_when_every_flag_is_stable) {
  char *params = write_params("never.yaml",
               "run:\n  replications: 1\nflags:\n  threshold_eur_per_inhabitant: 1000000\n");
  int want = 1;
  for (;;) {
    double lo, hi;
    tu_wilson95(0, want, &lo, &hi);
    if (hi < P_STAR) break;
    want *= 2;
  }
  cr_assert_eq(want, 4, "design: 0 of 4 is the first stable count");

  char *out = tu_path("stable");
  tu_proc p = tu_bwsim("run", params, "--until-stable", "--seed", "5", "--threads", "2", "--out", out, NULL);
  assert_ok(&p, out, "--until-stable");
  cr_assert(contains(p.err, "running to 2") && contains(p.err, "running to 4") && !contains(p.err, "running to 8"),
            "the batches 1, 2, 4 should be announced on stderr:\n%s", p.err);
  cr_assert(contains(p.out, "352 of 352 flags stable"), "stdout:\n%s", p.out);
  cr_assert(!contains(p.out, "still unstable"), "stdout:\n%s", p.out);
  risk_counts rc = check_risk_csv(out, want);
  cr_assert(rc.unstable == 0 && rc.flagged == 0);
  cr_assert_eq(h5_file_attr(out, "/provenance", "replications"), want);
  cr_assert_eq(h5_file_attr(out, "/", "n_unstable"), 0);

  char *fixed = tu_path("fixed");
  p = tu_bwsim("run", params, "-n", "4", "--seed", "5", "--threads", "1", "--out", fixed, "--quiet", NULL);
  assert_ok(&p, fixed, "-n 4");
  result_hashes a = hash_results(out), b = hash_results(fixed);
  assert_same_results(&a, &b, "--until-stable stopping at 4 vs -n 4");
}

/* The shipped model has flags near p* that 8 replications cannot settle:
 * --until-stable -n 2 --max-replications 8 runs 2, 4, 8 and stops at the
 * cap, printing how many stayed unstable; the bytes are those of -n 8, and
 * of the same run under mpirun -n 2. */
Test(cli, until_stable_stops_at_the_cap) {
  char *out = tu_path("capped");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--until-stable", "-n", "2", "--max-replications", CAP_REPS, "--out", out,
                 NULL);
  assert_ok(&p, out, "--until-stable --max-replications");
  int cap = atoi(CAP_REPS);
  cr_assert_eq(h5_file_attr(out, "/provenance", "replications"), cap);
  risk_counts rc = check_risk_csv(out, cap);
  cr_assert_gt(rc.unstable, 0, "premise: some flag is still unstable at %d replications", cap);
  cr_assert_eq(h5_file_attr(out, "/", "n_unstable"), rc.unstable);
  char want[160];
  snprintf(want, sizeof want, "%d flag%s still unstable at the cap of %d replications", rc.unstable,
           rc.unstable == 1 ? "" : "s", cap);
  cr_assert(contains(p.out, want), "stdout should say '%s':\n%s", want, p.out);
  snprintf(want, sizeof want, "running to %d", cap);
  cr_assert(contains(p.err, "running to 4") && contains(p.err, want), "stderr:\n%s", p.err);

  char *fixed = tu_path("fixed");
  p = tu_bwsim("run", SMALL_YAML, "-n", CAP_REPS, "--out", fixed, "--quiet", NULL);
  assert_ok(&p, fixed, "-n cap");
  result_hashes a = hash_results(out), b = hash_results(fixed);
  assert_same_results(&a, &b, "--until-stable stopped at the cap vs -n cap");

  if (!mpi_available()) cr_skip_test("no MPI: the mpirun half of the test skipped");
  char *two = tu_path("mpi");
  p = mpirun2(SMALL_YAML, "--until-stable", "-n", "2", "--max-replications", CAP_REPS, "--threads", "1", "--out",
              two, "--quiet", NULL);
  assert_ok(&p, two, "mpirun -n 2 --until-stable");
  result_hashes c = hash_results(two);
  assert_same_results(&a, &c, "--until-stable: 1 vs 2 MPI processes");
}

/* The variance split (uncertainty.outer_draws) and regional pooling, with
 * the streaming statistics: the same bytes for 1 and 2 threads and 1 and 2
 * MPI processes; the split and the other-pooling flags are in the file. */
Test(cli, split_and_pooling_same_bytes_for_threads_and_processes) {
  char *params = write_params("split.yaml", SPLIT_YAML);
  char *t1 = tu_path("t1");
  char *t2 = tu_path("t2");
  tu_proc p = tu_bwsim("run", params, "--threads", "1", "--out", t1, "--quiet", NULL);
  assert_ok(&p, t1, "split, 1 thread");
  p = tu_bwsim("run", params, "--threads", "2", "--out", t2, "--quiet", NULL);
  assert_ok(&p, t2, "split, 2 threads");
  result_hashes a = hash_results(t1), b = hash_results(t2);
  assert_same_results(&a, &b, "split + pooling: 1 vs 2 threads");

  char path[600], text[64];
  snprintf(path, sizeof path, "%s/results.h5", t1);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  cr_assert_eq(tu_h5_attr_ll(f, "/variance_split", "K"), SPLIT_K);
  tu_h5_attr_str(f, "/", "pooling", text, sizeof text);
  cr_assert_str_eq(text, "region");
  size_t n;
  double *share = h5_read(f, "/variance_split/param_share", &n);
  cr_assert_eq(n, 352u);
  int finite = 0;
  for (size_t i = 0; i < n; i++) {
    cr_assert(isnan(share[i]) || (share[i] >= 0 && share[i] <= 1), "param_share[%zu] = %g", i, share[i]);
    finite += !isnan(share[i]);
  }
  cr_assert_gt(finite, 0, "some gemeente has a variance split");
  double *other = h5_read(f, "/risk/flagged_other_pooling", &n);
  for (size_t i = 0; i < n; i++) cr_assert(other[i] == 0 || other[i] == 1, "a run knows the other pooling's flags");
  cr_assert_geq(tu_h5_attr_ll(f, "/", "n_flagged_other_pooling"), 0);
  H5Fclose(f);

  if (!mpi_available()) cr_skip_test("no MPI: the mpirun half of the test skipped");
  char *m2 = tu_path("mpi");
  p = mpirun2(params, "--threads", "1", "--out", m2, "--quiet", NULL);
  assert_ok(&p, m2, "split, mpirun -n 2");
  result_hashes c = hash_results(m2);
  assert_same_results(&a, &c, "split + pooling: 1 vs 2 MPI processes");
}

/* Fixed-length strings of a dataset (each < 64 bytes). */
static char (*h5_codes(hid_t file, const char *path, size_t *n))[64] {
  hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
  cr_assert_geq(ds, 0, "no dataset %s", path);
  hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
  size_t len = H5Tget_size(t), cnt = (size_t)H5Sget_simple_extent_npoints(sp);
  cr_assert_lt(len, 64u);
  char *raw = tu_malloc(cnt * len);
  cr_assert_geq(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw), 0);
  char(*out)[64] = tu_malloc(cnt * sizeof *out);
  for (size_t i = 0; i < cnt; i++) {
    memcpy(out[i], raw + i * len, len);
    out[i][len] = '\0';
  }
  H5Sclose(sp);
  H5Tclose(t);
  H5Dclose(ds);
  *n = cnt;
  return out;
}

/* Streaming group `grp` (holding mean, sd, q05 .. cvar95, err_*) against
 * the same group of the exact run: every quantile and CVaR within its err_*
 * (plus a few roundings of the values' magnitude, which is at most
 * |mean| + sd sqrt(n - 1)), the mean within the 1/256 fixed point. */
static void compare_group(hid_t fs, hid_t fe, const char *grp, int nrep) {
  static const char *const q[4] = {"q05", "q50", "q95", "cvar95"};
  char path[256];
  size_t n, m;
  snprintf(path, sizeof path, "%s/mean", grp);
  double *ms = h5_read(fs, path, &n), *me = h5_read(fe, path, &m);
  cr_assert_eq(n, m);
  snprintf(path, sizeof path, "%s/sd", grp);
  double *sde = h5_read(fe, path, &m);
  for (size_t i = 0; i < n; i++) {
    double mag = fabs(me[i]) + sde[i] * sqrt(nrep - 1.0), fp = 64 * DBL_EPSILON * mag;
    cr_assert(fabs(ms[i] - me[i]) <= 1.0 / 512 + fp, "%s/mean[%zu]: %.17g vs exact %.17g", grp, i, ms[i], me[i]);
  }
  for (int k = 0; k < 4; k++) {
    snprintf(path, sizeof path, "%s/%s", grp, q[k]);
    double *vs = h5_read(fs, path, &n), *ve = h5_read(fe, path, &m);
    snprintf(path, sizeof path, "%s/err_%s", grp, q[k]);
    double *es = h5_read(fs, path, &n), *ee = h5_read(fe, path, &m);
    for (size_t i = 0; i < n; i++) {
      double mag = fabs(me[i]) + sde[i] * sqrt(nrep - 1.0), fp = 64 * DBL_EPSILON * mag;
      cr_assert_eq(ee[i], 0.0, "%s[%zu]: the exact run has no streaming error", path, i);
      cr_assert(es[i] >= 0 && fabs(vs[i] - ve[i]) <= es[i] + fp,
                "%s/%s[%zu]: streaming %.17g, exact %.17g, |d| %.3g > err %.3g", grp, q[k], i, vs[i], ve[i],
                fabs(vs[i] - ve[i]), es[i]);
    }
  }
}

static void same_dataset(hid_t fa, hid_t fb, const char *path) {
  size_t n, m;
  double *a = h5_read(fa, path, &n), *b = h5_read(fb, path, &m);
  cr_assert(n == m && memcmp(a, b, n * sizeof *a) == 0, "%s differs between streaming and --exact", path);
}

/* issue 4: "streaming q95 within its stated error of the exact q95 on the
 * same run", for every statistic of every cell of results.h5. */
Test(cli, exact_vs_streaming_on_the_same_run) {
  char *st = tu_path("stream");
  char *ex = tu_path("exact");
  const int nrep = atoi(EXACT_REPS);
  tu_proc p = tu_bwsim("run", SMALL_YAML, "-n", EXACT_REPS, "--out", st, "--quiet", NULL);
  assert_ok(&p, st, "streaming run");
  p = tu_bwsim("run", SMALL_YAML, "-n", EXACT_REPS, "--exact", "--threads", "2", "--out", ex, "--quiet", NULL);
  assert_ok(&p, ex, "--exact run");
  char path[600], text[256];
  snprintf(path, sizeof path, "%s/results.h5", st);
  hid_t fs = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  snprintf(path, sizeof path, "%s/results.h5", ex);
  hid_t fe = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert(fs >= 0 && fe >= 0);
  tu_h5_attr_str(fe, "/", "statistics", text, sizeof text);
  cr_assert(!strncmp(text, "exact", 5), "--exact: %s", text);
  tu_h5_attr_str(fs, "/", "statistics", text, sizeof text);
  cr_assert(!strncmp(text, "streaming", 9), "%s", text);

  const char *gv[4] = {"shortfall_eur", "shortfall_bw_eur", "shortfall_mo_eur", "shortfall_per_inhabitant_eur"};
  char grp[256];
  for (int v = 0; v < 4; v++) {
    snprintf(grp, sizeof grp, "/gemeente_year/%s", gv[v]);
    compare_group(fs, fe, grp, nrep);
  }
  for (int q = 0; q < TU_N_QUANTITIES; q++) {
    snprintf(grp, sizeof grp, "/national/%s", TU_QUANTITIES[q]);
    compare_group(fs, fe, grp, nrep);
  }
  compare_group(fs, fe, "/region_year/shortfall_eur", nrep);
  /* counts: identical */
  same_dataset(fs, fe, "/gemeente_year/p_exceed");
  same_dataset(fs, fe, "/gemeente_year/p_exceed_lo");
  same_dataset(fs, fe, "/gemeente_year/p_exceed_hi");
  same_dataset(fs, fe, "/gemeente/first_exceed_count");
  same_dataset(fs, fe, "/region_year/p_exceed");
  same_dataset(fs, fe, "/region_risk/flagged");
  /* the cumulative shortfall of each gemeente (rows by code: the rank may
   * break ties on the mean, which differs by the rounding) */
  size_t ng, m;
  char(*cs)[64] = h5_codes(fs, "/risk/code", &ng), (*ce)[64] = h5_codes(fe, "/risk/code", &m);
  cr_assert_eq(ng, m);
  double *q95s = h5_read(fs, "/risk/q95_cum_shortfall_eur", &m), *q95e = h5_read(fe, "/risk/q95_cum_shortfall_eur", &m);
  double *errs = h5_read(fs, "/risk/err_q95_cum_shortfall_eur", &m);
  double *cvs = h5_read(fs, "/risk/cvar95_cum_shortfall_eur", &m), *cve = h5_read(fe, "/risk/cvar95_cum_shortfall_eur", &m);
  double *errc = h5_read(fs, "/risk/err_cvar95_cum_shortfall_eur", &m);
  double *pss = h5_read(fs, "/risk/p_max_year", &m), *pse = h5_read(fe, "/risk/p_max_year", &m);
  double *fls = h5_read(fs, "/risk/flag_stable", &m), *fle = h5_read(fe, "/risk/flag_stable", &m);
  for (size_t i = 0; i < ng; i++) {
    size_t j = 0;
    while (j < ng && strcmp(cs[i], ce[j])) j++;
    cr_assert_lt(j, ng, "%s missing from the exact risk list", cs[i]);
    double fp = 64 * DBL_EPSILON * fmax(fabs(q95e[j]), fabs(cve[j]));
    cr_assert(fabs(q95s[i] - q95e[j]) <= errs[i] + fp, "%s: cumulative q95 %.17g vs exact %.17g (err %.3g)", cs[i],
              q95s[i], q95e[j], errs[i]);
    cr_assert(fabs(cvs[i] - cve[j]) <= errc[i] + fp, "%s: cumulative cvar95 %.17g vs exact %.17g (err %.3g)",
              cs[i], cvs[i], cve[j], errc[i]);
    cr_assert(pss[i] == pse[j] && fls[i] == fle[j], "%s: the flag counts differ", cs[i]);
  }
  H5Fclose(fs);
  H5Fclose(fe);

  /* --exact under MPI gathers the stored values: the same bytes */
  if (!mpi_available()) cr_skip_test("no MPI: the mpirun half of the test skipped");
  char *two = tu_path("exact_mpi");
  p = mpirun2(SMALL_YAML, "-n", EXACT_REPS, "--exact", "--threads", "1", "--out", two, "--quiet", NULL);
  assert_ok(&p, two, "mpirun -n 2 --exact");
  result_hashes a = hash_results(ex), b = hash_results(two);
  assert_same_results(&a, &b, "--exact: 1 vs 2 MPI processes");
}

/* ---- 6. scenarios that compose: --set, base:, the resolved params ----------- */

#include "params_yaml.h"

/* The n strings of the 1-D variable-length string dataset path, joined by '|'. */
static char *h5_vlstrings_joined(hid_t f, const char *path, size_t *n) {
  hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
  cr_assert_geq(ds, 0, "no %s", path);
  hid_t sp = H5Dget_space(ds), t = H5Dget_type(ds);
  cr_assert(H5Tis_variable_str(t) > 0, "%s is not variable-length", path);
  cr_assert_eq(H5Tget_cset(t), H5T_CSET_UTF8, "%s is not UTF-8", path);
  hsize_t dims[1] = {0};
  cr_assert_eq(H5Sget_simple_extent_ndims(sp), 1);
  H5Sget_simple_extent_dims(sp, dims, NULL);
  *n = (size_t)dims[0];
  char **v = tu_malloc((*n + 1) * sizeof *v);
  hid_t mt = H5Tcopy(H5T_C_S1);
  H5Tset_size(mt, H5T_VARIABLE);
  H5Tset_cset(mt, H5T_CSET_UTF8);
  if (*n) cr_assert_geq(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  char *out = tu_strdup("");
  for (size_t i = 0; i < *n; i++) out = tu_format("%s%s%s", out, i ? "|" : "", v[i]);
  if (*n) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
  H5Tclose(mt);
  H5Tclose(t);
  H5Sclose(sp);
  H5Dclose(ds);
  return out;
}

Test(cli, set_changes_the_result_and_is_recorded) {
  char *plain = tu_path("plain"), *set = tu_path("set"), *again = tu_path("again");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "-n", "4", "-q", "--out", plain, NULL);
  assert_ok(&p, plain, "without --set");
  p = tu_bwsim("run", SMALL_YAML, "-n", "4", "-q", "--set", "flags.p_star=0.05", "--set=policy.pooling=region",
               "--out", set, NULL);
  assert_ok(&p, set, "--set flags.p_star=0.05 --set=policy.pooling=region");
  p = tu_bwsim("run", SMALL_YAML, "-n", "4", "-q", "--set", "flags.p_star=0.05", "--set=policy.pooling=region",
               "--out", again, NULL);
  assert_ok(&p, again, "the same again");
  result_hashes h0 = hash_results(plain), h1 = hash_results(set), h2 = hash_results(again);
  assert_same_results(&h1, &h2, "the same --set twice");
  cr_assert_str_neq(h0.h[0], h1.h[0], "--set flags.p_star changed nothing in risk.csv");

  /* risk.csv: flagged is p_max_year >= 0.05, and some gemeente is flagged only because of that */
  char *risk = tu_slurp(tu_format("%s/risk.csv", set), NULL), *lines[400], *f[RISK_NCOL + 1];
  int nl = split_lines(risk, lines, 400), low = 0;
  cr_assert_eq(nl, 353);
  for (int i = 1; i < nl; i++) {
    cr_assert_eq(tu_csv_split(lines[i], f, RISK_NCOL + 1), RISK_NCOL);
    double pmax = num(f[5], "p_max_year");
    cr_assert_eq(atoi(f[12]), pmax >= 0.05, "%s: p_max_year %g, flagged %s with p* = 0.05", f[1], pmax, f[12]);
    low += pmax >= 0.05 && pmax < P_STAR;
  }
  cr_assert_gt(low, 0, "no gemeente with 0.05 <= p < 0.5: the test shows nothing");

  /* results.h5: the changed keys with both values, the resolved params, which read back */
  hid_t h = H5Fopen(tu_format("%s/results.h5", set), H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(h, 0);
  size_t nk, nv, nd;
  char *keys = h5_vlstrings_joined(h, "/provenance/changed/key", &nk);
  char *vals = h5_vlstrings_joined(h, "/provenance/changed/value", &nv);
  char *defs = h5_vlstrings_joined(h, "/provenance/changed/default", &nd);
  cr_expect(nk == 3 && nv == 3 && nd == 3, "%zu %zu %zu rows", nk, nv, nd);
  cr_expect_str_eq(keys, "run.replications|policy.pooling|flags.p_star");
  cr_expect_str_eq(vals, "4|region|0.05");
  cr_expect_str_eq(defs, "1000|none|0.5");
  static char text[16384];
  tu_h5_attr_str(h, "/provenance", "params_resolved", text, sizeof text);
  H5Fclose(h);
  bw_params q;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_parse(text, "params_resolved", NULL, &q, &ctx), BW_OK, "%s\n%s", ctx.msg, text);
  cr_expect(q.p_star == 0.05 && q.pooling == BW_POOL_REGION && q.replications == 4 && q.seed == DEFAULT_SEED);
  cr_expect_str_eq(q.gemeenten_path, GEMEENTEN_CSV);

  /* the run without --set lists only -n */
  h = H5Fopen(tu_format("%s/results.h5", plain), H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(h, 0);
  cr_expect_str_eq(h5_vlstrings_joined(h, "/provenance/changed/key", &nk), "run.replications");
  H5Fclose(h);
}

Test(cli, bad_set_refused_naming_the_option) {
  char *out = tu_path("out");
  struct {
    const char *set, *want;
  } cases[] = {
      {"policy.pooling=regio", "--set policy.pooling=regio: policy.pooling: must be one of none | region (got regio)"},
      {"flows.stok.I=1", "--set flows.stok.I=1: flows.stok.I: unknown key, did you mean 'flows.stock'?"},
      {"flags.p_star=1.5", "--set flags.p_star=1.5: flags.p_star: must be > 0 and < 1 (got 1.5)"},
      {"run.seed", "--set run.seed: must be key=value"},
      {"policy.start_year=2040", "--set policy.start_year=2040: policy.start_year: must be in 2021..2031 (got 2040)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    tu_proc p = tu_bwsim("run", SMALL_YAML, "--set", cases[i].set, "--out", out, NULL);
    assert_refused(&p, cases[i].set);
    cr_expect(contains(p.err, cases[i].want), "--set %s: stderr should say '%s':\n%s", cases[i].set, cases[i].want,
              p.err);
    cr_expect_str_eq(p.out, "", "--set %s: stdout not empty", cases[i].set);
    assert_nothing_written(out, cases[i].set);
  }
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--out", out, "--set", NULL);
  assert_refused(&p, "--set without a value");
  assert_nothing_written(out, "--set without a value");
}

/* README "Running scenarios": my.yaml saved anywhere (here: the test's
 * directory, the working directory of the run) runs on the shipped data,
 * and a scenario on a base in another directory too. */
Test(cli, scenario_saved_anywhere_runs) {
  char *my = tu_path("my.yaml"), *out = tu_path("out_my");
  tu_write_text(my, "run: {name: linear_path}\npolicy:\n  ingroeipad: {mode: linear}\n  pooling: region\n");
  tu_proc p = tu_bwsim("run", "my.yaml", "-n", "2", "-q", "--out", out, NULL);
  assert_ok(&p, out, "my.yaml in the working directory");
  char *on = tu_path("on.yaml");
  tu_write_text(on, "base: " BW_SOURCE_DIR "/params/scenarios/linear.yaml\nrun: {name: on_linear}\n");
  char *out2 = tu_path("out_on");
  p = tu_bwsim("run", on, "-n", "2", "-q", "--out", out2, NULL);
  assert_ok(&p, out2, "on.yaml with base: the library's linear.yaml");
  /* the same params, the same bytes (the names differ: pass the same one) */
  char *out3 = tu_path("out_my2");
  p = tu_bwsim("run", "my.yaml", "-n", "2", "-q", "--set", "run.name=on_linear", "--out", out3, NULL);
  assert_ok(&p, out3, "my.yaml renamed");
  p = tu_bwsim("run", on, "-n", "2", "-q", "--set", "policy.pooling=region", "--out", tu_path("out_on2"), NULL);
  assert_ok(&p, tu_path("out_on2"), "on.yaml with pooling");
  result_hashes a = hash_results(out3), b = hash_results(tu_path("out_on2"));
  assert_same_results(&a, &b, "one scenario composed two ways");
}

/* ---- 7. outputs analysts open in their own tools (docs/outputs.md) ----------- */

/* The rows of a CSV text (after a BOM, if any) as fields: a block of the
 * suite; *nrow rows after the header, whose fields go to *head. */
static char ***csv_rows(const char *path, int *nrow, char ***head, int *ncol) {
  char *text = tu_slurp(path, NULL);
  if (!strncmp(text, "\xEF\xBB\xBF", 3)) text += 3;
  int lines = 0;
  for (const char *c = text; *c; c++) lines += *c == '\n';
  char ***rows = tu_malloc((size_t)(lines + 1) * sizeof *rows);
  char **fields = tu_malloc((size_t)(lines + 1) * 32 * sizeof *fields);
  char *p = text;
  *head = fields;
  *ncol = tu_csv_next(&p, *head, 32);
  *nrow = 0;
  for (int n; (n = tu_csv_next(&p, fields + (size_t)(*nrow + 1) * 32, 32)) >= 0;) {
    cr_assert_eq(n, *ncol, "%s: row %d has %d fields, the header %d", path, *nrow + 2, n, *ncol);
    rows[*nrow] = fields + (size_t)(*nrow + 1) * 32;
    (*nrow)++;
  }
  return rows;
}

static int column(char **head, int ncol, const char *name) {
  for (int i = 0; i < ncol; i++)
    if (!strcmp(head[i], name)) return i;
  cr_assert_fail("column %s missing", name);
  return -1;
}

/* A CSV number of the written precision against the full-precision value v:
 * within half a step of its kind (docs/outputs.md "Digits"). */
static void assert_written(const char *text, double v, bw_num_kind kind, const char *what) {
  double x = num(text, what);
  double tol = kind == BW_NUM_PROB ? 0.5e-4 : kind == BW_NUM_SE ? 0.005 * fabs(v) : kind == BW_NUM_EUR ? 0.5 : 0.005;
  cr_assert_leq(fabs(x - v), tol * (1 + 1e-9) + 1e-9, "%s: '%s' vs results.h5 %.17g", what, text, v);
}

/* gemeente_year.csv (region_year.csv) against the groups of results.h5 it
 * comes from: one row per code and year in data order, each column the
 * dataset of the same name (<var>_<stat> = /<grp>/<var>/<stat>). */
static void check_cells_csv(hid_t f, const char *csv, const char *grp, const char *codes_path, int nrows_want) {
  int nrow, ncol;
  char **head;
  char ***rows = csv_rows(csv, &nrow, &head, &ncol);
  cr_assert_eq(nrow, nrows_want * N_YEARS, "%s: %d rows", csv, nrow);
  size_t nc;
  char(*codes)[64] = h5_codes(f, codes_path, &nc);
  cr_assert_eq((int)nc, nrows_want);
  int cc = column(head, ncol, "code"), cy = column(head, ncol, "year"), cp = column(head, ncol, "population");
  size_t n;
  double *pop = h5_read(f, tu_format("%s/population", grp), &n);
  for (int i = 0; i < nrow; i++) {
    cr_assert_str_eq(rows[i][cc], codes[i / N_YEARS], "%s row %d", csv, i + 2);
    cr_assert_eq(atoi(rows[i][cy]), FIRST_YEAR + i % N_YEARS);
    cr_assert_eq(atoll(rows[i][cp]), llround(pop[i]), "%s row %d: population", csv, i + 2);
  }
  const char *vars[2] = {"shortfall_per_inhabitant_eur", "shortfall_eur"};
  const char *stats[8] = {"mean", "se_mean", "q05", "se_q05", "q50", "se_q50", "q95", "se_q95"};
  int checked = 0;
  for (int v = 0; v < 2; v++)
    for (int k = 0; k < 8; k++) {
      double *x = h5_read(f, tu_format("%s/%s/%s", grp, vars[v], stats[k]), &n);
      cr_assert_eq((int)n, nrow);
      char name[96];
      snprintf(name, sizeof name, "%s_%s", vars[v], stats[k]);
      int c = column(head, ncol, name);
      bw_num_kind kind = k % 2 ? BW_NUM_SE : v == 0 ? BW_NUM_EUR_PER_INH : BW_NUM_EUR;
      for (int i = 0; i < nrow; i++, checked++) assert_written(rows[i][c], x[i], kind, name);
    }
  const char *pcol[2] = {"p_exceed", "p_exceed_se"};
  for (int k = 0; k < 2; k++) {
    double *x = h5_read(f, tu_format("%s/%s", grp, pcol[k]), &n);
    int c = column(head, ncol, pcol[k]);
    for (int i = 0; i < nrow; i++) assert_written(rows[i][c], x[i], k ? BW_NUM_SE : BW_NUM_PROB, pcol[k]);
  }
  cr_assert_eq(checked, 16 * nrow);
}

Test(cli, gemeente_and_region_year_csv_agree_with_results_h5) {
  char *out = tu_path("cells");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--out", out, "-q", NULL);
  assert_ok(&p, out, "small run");
  hid_t f = H5Fopen(tu_format("%s/results.h5", out), H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  check_cells_csv(f, tu_format("%s/gemeente_year.csv", out), "/gemeente_year", "/gemeente/code", 352);
  size_t nr;
  h5_codes(f, "/region/code", &nr);
  cr_assert_gt(nr, 0u);
  check_cells_csv(f, tu_format("%s/region_year.csv", out), "/region_year", "/region/code", (int)nr);

  /* risk.csv names the data set: the shipped tables' VERSION and the hash of
   * their SHA256SUMS lines, the same as /provenance says */
  char *version = tu_slurp(BW_SOURCE_DIR "/params/data/VERSION", NULL);
  version[strcspn(version, "\r\n")] = '\0';
  char sums[65], attr[256];
  tu_sha256_file(BW_SOURCE_DIR "/params/data/SHA256SUMS", sums);
  tu_h5_attr_str(f, "/provenance", "data_sha256", attr, sizeof attr);
  cr_assert_str_eq(attr, sums, "data_sha256 is the SHA-256 of params/data/SHA256SUMS for the shipped tables");
  H5Fclose(f);
  int nrow, ncol;
  char **head;
  char ***rows = csv_rows(tu_format("%s/risk.csv", out), &nrow, &head, &ncol);
  int cs = column(head, ncol, "data_set"), ci = column(head, ncol, "data_illustrative"),
      ch = column(head, ncol, "data_sha256");
  cr_assert_eq(ch, ncol - 1, "the data columns come last: readers of the first columns read on");
  for (int i = 0; i < nrow; i++) {
    cr_assert_str_eq(rows[i][cs], version);
    cr_assert_str_eq(rows[i][ci], "1", "the shipped region budgets are illustrative");
    cr_assert_str_eq(rows[i][ch], sums);
  }
}

/* --csv-dialect nl: every CSV file starts with a byte-order mark and holds
 * the en run's fields (numbers with a decimal comma) between ';'; results.h5
 * is the same bytes. Bad values are refused; --help explains the option. */
Test(cli, csv_dialect_nl) {
  char *en = tu_path("en"), *nl = tu_path("nl");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "--out", en, "-q", NULL);
  assert_ok(&p, en, "en");
  p = tu_bwsim("run", SMALL_YAML, "--out", nl, "-q", "--csv-dialect=nl", NULL);
  assert_ok(&p, nl, "--csv-dialect=nl");
  result_hashes a = hash_results(en), b = hash_results(nl);
  cr_assert_str_eq(a.h[2], b.h[2], "results.h5 does not depend on the CSV dialect");
  for (int i = 0; i < N_RESULT_FILES; i++) {
    if (strstr(RESULT_FILES[i], ".h5")) continue;
    char *te = tu_slurp(tu_format("%s/%s", en, RESULT_FILES[i]), NULL);
    char *tn = tu_slurp(tu_format("%s/%s", nl, RESULT_FILES[i]), NULL);
    cr_assert(!strncmp(tn, "\xEF\xBB\xBF", 3), "%s: no BOM", RESULT_FILES[i]);
    /* the en text with the separators and decimal points of nl; quotes
     * dropped from both (the shipped names hold no ';' or '"', and a text
     * with ',' is quoted in en only) */
    char *want = tu_strdup(te), *got = tu_strdup(tn + 3), *w = want, *g = got;
    int quoted = 0;
    for (const char *c = te; *c; c++) {
      if (*c == '"') {
        quoted = !quoted;
        continue;
      }
      int digits = c > te && c[-1] >= '0' && c[-1] <= '9' && c[1] >= '0' && c[1] <= '9';
      *w++ = *c == ',' && !quoted ? ';' : *c == '.' && digits ? ',' : *c;
    }
    *w = '\0';
    for (const char *c = tn + 3; *c; c++)
      if (*c != '"') *g++ = *c;
    *g = '\0';
    cr_assert_str_eq(got, want, "%s: nl is not en with ';' and ','", RESULT_FILES[i]);
  }
  char *bad = tu_path("bad");
  p = tu_bwsim("run", SMALL_YAML, "--out", bad, "--csv-dialect", "de", NULL);
  assert_refused(&p, "--csv-dialect de");
  cr_assert(contains(p.err, "--csv-dialect: must be en or nl (got 'de')"), "%s", p.err);
  assert_nothing_written(bad, "--csv-dialect de");
  p = tu_bwsim("run", SMALL_YAML, "--out", bad, "--csv-dialect", NULL);
  assert_refused(&p, "--csv-dialect without a value");
  const char *cmds[3] = {"run", "compare", "sweep"};
  for (int i = 0; i < 3; i++) {
    p = tu_bwsim(cmds[i], "--help", NULL);
    cr_assert_eq(p.code, 0);
    cr_assert(contains(p.out, "--csv-dialect en|nl") && contains(p.out, "decimal comma"),
              "%s --help does not explain --csv-dialect:\n%s", cmds[i], p.out);
  }
}

/* compare.h5 and sweep.h5 open with xarray: each group with its coordinates
 * (gemeente, region, quantity, years, scenario / point, keys) and str codes;
 * compare writes the nl dialect too. */
Test(cli, compare_and_sweep_files_for_analysts) {
  char *cmp = tu_path("cmp"), *sw = tu_path("sw");
  tu_proc p = tu_bwsim("compare", SMALL_YAML, "--vs", "policy.pooling=region", "-n", "4", "-q", "--out", cmp,
                       "--csv-dialect", "nl", NULL);
  cr_assert_eq(p.code, 0, "compare: %s", p.err);
  p = tu_bwsim("sweep", SMALL_YAML, "--grid", "flags.p_star=0.3,0.6", "-n", "4", "-q", "--out", sw, NULL);
  cr_assert_eq(p.code, 0, "sweep: %s", p.err);
  char *c = tu_slurp(tu_format("%s/compare.csv", cmp), NULL);
  cr_assert(!strncmp(c, "\xEF\xBB\xBF" "scenario;code;name;region;", 29), "compare.csv in nl: %.80s", c);
  cr_assert(contains(c, "\npolicy.pooling=region;GM0014;Groningen;"), "%.300s", c);
  char *s = tu_slurp(tu_format("%s/sweep.csv", sw), NULL);
  cr_assert(!strncmp(s, "point,flags.p_star,n_flagged,", 29), "sweep.csv in en: %.80s", s);
  cr_assert(contains(s, "\n1,0.6,"), "the grid value as given: %.300s", s);

  char *argv[] = {"/usr/bin/python3", "-c", "import xarray, h5netcdf", NULL};
  if (tu_run(argv, NULL, NULL).code != 0) cr_skip_test("xarray or h5netcdf not installed: compare.h5 and sweep.h5 not opened");
  const char *code =
      "import sys, xarray as xr\n"
      "def op(p, g): return xr.open_dataset(p, group=g, engine='h5netcdf')\n"
      "c, s = sys.argv[1] + '/compare.h5', sys.argv[2] + '/sweep.h5'\n"
      "d = op(c, 'delta/1')\n"
      "assert d['cum_mean'].dims == ('gemeente',) and isinstance(d['gemeente'].values[0], str)\n"
      "assert d['national_mean'].dims == ('quantity', 'years') and d['quantity'].values[0] == 'clients_I_jan1'\n"
      "assert d['region_p_max_year'].dims == ('region',)\n"
      "sc = op(c, 'scenarios')\n"
      "assert sc['scenario'].values.tolist() == [0, 1] and sc['name'].values[1] == 'policy.pooling=region'\n"
      "r = op(s, '/')\n"
      "assert r['p_max_year'].dims == ('point', 'gemeente') and r.sizes['point'] == 2\n"
      "g = op(s, 'grid')\n"
      "assert g['values'].dims == ('point', 'keys') and g['keys'].values.tolist() == ['flags.p_star']\n"
      "assert op(s, 'points')['n_flagged'].dims == ('point',)\n"
      "assert op(s, 'gemeenten')['name'].dims == ('gemeente',)\n";
  char *run[] = {"/usr/bin/python3", "-c", (char *)code, cmp, sw, NULL};
  p = tu_run(run, NULL, NULL);
  cr_assert_eq(p.code, 0, "xarray on compare.h5 / sweep.h5:\n%s%s", p.out, p.err);
}

/* -n given on the command line is checked against the params it bounds:
 * more outer draws than replications would leave outer draws without a
 * replication (an all-NaN variance split before this check). */
Test(cli, replications_on_the_command_line_checked_against_outer_draws) {
  char *out = tu_path("od");
  tu_proc p = tu_bwsim("run", SMALL_YAML, "-n", "10", "--set", "uncertainty.outer_draws=50", "-q", "--out", out, NULL);
  assert_refused(&p, "-n below uncertainty.outer_draws");
  cr_assert(contains(p.err, "uncertainty.outer_draws") && contains(p.err, "-n"), "message: %s", p.err);
  assert_nothing_written(out, "-n below uncertainty.outer_draws");
}

/* compare and sweep, like run, write progress lines when stderr is not a
 * terminal (here a file): "bwsim: D/N replications (P %), R rep/s, elapsed
 * E, ETA T", at least the last one; -q: none; --progress-every in --help and
 * checked like run's. */
Test(cli, compare_and_sweep_progress_lines_in_batch_logs) {
  char *cmp = tu_path("cmp"), *sw = tu_path("sw");
  tu_proc p = tu_bwsim("compare", SMALL_YAML, "--vs", "policy.pooling=region", "-n", "6", "--progress-every", "1",
                       "--out", cmp, NULL);
  cr_assert_eq(p.code, 0, "compare: %s", p.err);
  cr_assert(contains(p.err, "bwsim: 6/6 replications (100.0 %), ") && contains(p.err, " rep/s, elapsed ") &&
                contains(p.err, ", ETA "),
            "compare wrote no progress line:\n%s", p.err);
  p = tu_bwsim("sweep", SMALL_YAML, "--grid", "flags.p_star=0.3,0.6", "-n", "6", "--progress-every", "2s", "--out",
               sw, NULL);
  cr_assert_eq(p.code, 0, "sweep: %s", p.err);
  cr_assert(contains(p.err, "bwsim: 6/6 replications (100.0 %), "), "sweep wrote no progress line:\n%s", p.err);
  p = tu_bwsim("compare", SMALL_YAML, "--vs", "policy.pooling=region", "-n", "6", "-q", "--force", "--out", cmp,
               NULL);
  cr_assert_eq(p.code, 0, "compare -q: %s", p.err);
  cr_assert(!contains(p.err, "replications ("), "compare -q wrote progress:\n%s", p.err);
  char *bad = tu_path("bad");
  p = tu_bwsim("compare", SMALL_YAML, "--vs", "policy.pooling=region", "--progress-every", "0", "--out", bad, NULL);
  assert_refused(&p, "compare --progress-every 0");
  cr_assert(contains(p.err, "--progress-every"), "%s", p.err);
  assert_nothing_written(bad, "compare --progress-every 0");
  const char *cmds[2] = {"compare", "sweep"};
  for (int i = 0; i < 2; i++) {
    p = tu_bwsim(cmds[i], "--help", NULL);
    cr_assert(contains(p.out, "--progress-every S"), "%s --help lacks --progress-every:\n%s", cmds[i], p.out);
  }
}
