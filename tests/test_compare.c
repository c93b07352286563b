/* End-to-end tests of `bwsim compare` and `bwsim sweep` (sim/compare.c,
 * sim/multi.c; docs/scenarios.md):
 *  - a compared scenario and a grid point give exactly the p_max_year and
 *    flags of `bwsim run` of the same params and seed (digit for digit), for
 *    budget-side variants (clients shared) and client-side ones;
 *  - the mean of the paired differences equals the difference of the two
 *    runs' means (to the whole euros of the CSV files);
 *  - a budget-only change leaves every client-flow total identical in every
 *    replication (common random numbers); a client-side change does not;
 *  - a scenario identical to the base has differences exactly 0, se 0;
 *  - paired standard errors are below the unpaired ones for a budget change;
 *  - byte-identical outputs for 1 and 2 threads and 1 and 2 MPI processes;
 *  - refusals (exit 2, message, nothing written): unknown grid key, value
 *    out of range, a huge grid without --yes, different seeds, one scenario.
 * Runs use few replications so the ASan build stays fast. */
#define _GNU_SOURCE /* execvpe, nftw */

#include <math.h>

#include "test_util.h"

#define DEFAULT_YAML BW_SOURCE_DIR "/params/default.yaml"
#define NREP "12"

static void setup(void) { tu_setup("compare"); }
TestSuite(compare, .init = setup, .fini = tu_teardown);

/* ---- helpers ------------------------------------------------------------- */

static void assert_exit(const tu_proc *p, int code, const char *what) {
  cr_assert_eq(p->code, code, "%s: exit %d, expected %d\nstderr: %s", what, p->code, code, p->err);
}

/* The rows of a CSV file: a block of the suite; *ncol set from the header. */
typedef struct {
  int nrow, ncol;
  char **head;
  char ***row;
} table;

static table read_csv(const char *path) {
  char *text = tu_slurp(path, NULL);
  cr_assert_not_null(text, "cannot read %s", path);
  int lines = 0;
  for (const char *c = text; *c; c++) lines += *c == '\n';
  /* three blocks per table: the suite's allocator holds a few hundred */
  char **fields = tu_malloc((size_t)(lines + 1) * 64 * sizeof(char *));
  table t = {0};
  t.row = tu_malloc((size_t)(lines + 1) * sizeof(char **));
  t.head = fields;
  char *p = text;
  t.ncol = tu_csv_next(&p, t.head, 64);
  for (;;) {
    char **f = fields + (size_t)(t.nrow + 1) * 64;
    int n = tu_csv_next(&p, f, 64);
    if (n < 0) break;
    cr_assert_eq(n, t.ncol, "%s: row %d has %d fields, the header %d", path, t.nrow + 2, n, t.ncol);
    t.row[t.nrow++] = f;
  }
  return t;
}

static int col(const table *t, const char *name) {
  for (int i = 0; i < t->ncol; i++)
    if (!strcmp(t->head[i], name)) return i;
  cr_assert_fail("column %s missing", name);
  return -1;
}

/* The row of gemeente code in a risk.csv table. */
static char **risk_row(const table *t, const char *code) {
  int c = col(t, "code");
  for (int i = 0; i < t->nrow; i++)
    if (!strcmp(t->row[i][c], code)) return t->row[i];
  cr_assert_fail("gemeente %s not in risk.csv", code);
  return NULL;
}

/* bwsim run SCENARIO.yaml -n NREP into dir (a scenario file is the params a
 * compare scenario stands for). */
static table run_risk(const char *yaml_text, const char *name) {
  char *yaml = tu_path(tu_format("%s.yaml", name)), *out = tu_path(tu_format("run_%s", name));
  tu_write_text(yaml, yaml_text);
  tu_proc p = tu_bwsim("run", yaml, "-n", NREP, "-q", "-t", "2", "--out", out, NULL);
  assert_exit(&p, 0, name);
  return read_csv(tu_join(out, "risk.csv"));
}

static void assert_same_as_run(const table *cmp, const char *scenario, const table *run, const char *pcol,
                               const char *fcol) {
  int cs = col(cmp, "scenario"), cc = col(cmp, "code"), cp = col(cmp, pcol), cf = col(cmp, fcol);
  int rp = col(run, "p_max_year"), rf = col(run, "flagged");
  int n = 0;
  for (int i = 0; i < cmp->nrow; i++) {
    char **r = cmp->row[i];
    if (strcmp(r[cs], scenario)) continue;
    char **q = risk_row(run, r[cc]);
    cr_assert_str_eq(r[cp], q[rp], "%s %s: p_max_year %s, bwsim run %s", scenario, r[cc], r[cp], q[rp]);
    cr_assert_str_eq(r[cf], q[rf], "%s %s: flag %s, bwsim run %s", scenario, r[cc], r[cf], q[rf]);
    n++;
  }
  cr_assert_eq(n, run->nrow, "%s: %d rows, risk.csv has %d", scenario, n, run->nrow);
}

/* SHA-256 of each named file of dir, concatenated. */
static char *hashes(const char *dir, const char *const *files, int n) {
  char *all = tu_malloc((size_t)n * 66 + 1);
  all[0] = '\0';
  for (int i = 0; i < n; i++) {
    char h[65];
    tu_sha256_file(tu_join(dir, files[i]), h);
    strcat(all, h);
    strcat(all, "\n");
  }
  return all;
}

static int mpi_available(void) {
#ifdef BW_HAVE_MPI
  return access("/usr/bin/mpirun", X_OK) == 0;
#else
  return 0;
#endif
}

/* mpirun -n 2 bwsim CMD ARGS... (NULL-terminated) */
static tu_proc mpirun2(const char *arg, ...) {
  char *argv[64];
  int n = 0;
  const char *pre[] = {"mpirun", "--oversubscribe", "-n", "2", BW_BINARY};
  for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) argv[n++] = (char *)pre[i];
  va_list ap;
  va_start(ap, arg);
  tu_argv_va(argv, n, 64, arg, ap);
  va_end(ap);
  return tu_run(argv, tu_mpi_environ(), tu_tmp_root);
}

/* ---- 1. the same numbers as bwsim run -------------------------------------- */

Test(compare, scenarios_give_the_flags_of_bwsim_run) {
  /* base; a budget-side variant (clients shared); a client-side variant */
  const char *linear = "policy:\n  ingroeipad: {mode: linear}\n";
  const char *supply = "flows:\n  supply_attraction: 0.3\n";
  char *a = tu_path("linear.yaml"), *b = tu_path("supply.yaml"), *out = tu_path("cmp");
  tu_write_text(a, tu_format("run: {name: linear}\n%s", linear));
  tu_write_text(b, tu_format("run: {name: supply}\n%s", supply));
  tu_proc p = tu_bwsim("compare", DEFAULT_YAML, a, b, "-n", NREP, "-q", "--out", out, NULL);
  assert_exit(&p, 0, "compare");
  table cmp = read_csv(tu_join(out, "compare.csv"));
  table base = run_risk("run: {name: base}\n", "base");
  table lin = run_risk(linear, "linear");
  table sup = run_risk(supply, "supply");
  assert_same_as_run(&cmp, "linear", &base, "p_max_year_base", "flag_base");
  assert_same_as_run(&cmp, "linear", &lin, "p_max_year_scenario", "flag_scenario");
  assert_same_as_run(&cmp, "supply", &sup, "p_max_year_scenario", "flag_scenario");

  /* the mean of the paired differences = the difference of the runs' means
   * (each mean is exact to the 1/256 EUR of the fixed-point sums; the CSV
   * files round euros to whole euros: 1.5 EUR at most between the two) */
  int cs = col(&cmp, "scenario"), cc = col(&cmp, "code"), cd = col(&cmp, "delta_mean_cum_shortfall_eur");
  int rm = col(&base, "mean_cum_shortfall_eur");
  for (int i = 0; i < cmp.nrow; i++) {
    char **r = cmp.row[i];
    const table *t = !strcmp(r[cs], "linear") ? &lin : &sup;
    double d = strtod(risk_row(t, r[cc])[rm], NULL) - strtod(risk_row(&base, r[cc])[rm], NULL);
    double got = strtod(r[cd], NULL);
    cr_assert_leq(fabs(got - d), 1.5 + 1e-12 * fabs(d), "%s %s: mean of differences %.6f, difference of means %.6f",
                  r[cs], r[cc], got, d);
  }
}

Test(compare, sweep_points_give_the_flags_of_bwsim_run) {
  char *out = tu_path("sw");
  tu_proc p = tu_bwsim("sweep", DEFAULT_YAML, "--grid", "budget.verdeelmodel.urbanity=0,1", "--grid",
                       "flags.p_star=0.3,0.6", "-n", NREP, "-q", "--out", out, NULL);
  assert_exit(&p, 0, "sweep");
  table pts = read_csv(tu_join(out, "sweep.csv")), gem = read_csv(tu_join(out, "sweep_gemeenten.csv"));
  cr_assert_eq(pts.nrow, 4, "2 x 2 grid: %d points", pts.nrow);
  const char *urb[2] = {"0", "1"}, *ps[2] = {"0.3", "0.6"};
  int gp = col(&gem, "point"), gc = col(&gem, "code"), gpm = col(&gem, "p_max_year"), gf = col(&gem, "flagged");
  for (int pt = 0; pt < 4; pt++) {
    /* the last key varies fastest */
    const char *u = urb[pt / 2], *s = ps[pt % 2];
    cr_assert_str_eq(pts.row[pt][col(&pts, "budget.verdeelmodel.urbanity")], u);
    cr_assert_str_eq(pts.row[pt][col(&pts, "flags.p_star")], s);
    table run = run_risk(tu_format("budget:\n  verdeelmodel: {urbanity: %s}\nflags: {p_star: %s}\n", u, s),
                         tu_format("pt%d", pt));
    int flagged = 0, n = 0;
    for (int i = 0; i < gem.nrow; i++) {
      char **r = gem.row[i];
      if (atoi(r[gp]) != pt) continue;
      char **q = risk_row(&run, r[gc]);
      cr_assert_str_eq(r[gpm], q[col(&run, "p_max_year")], "point %d %s", pt, r[gc]);
      cr_assert_str_eq(r[gf], q[col(&run, "flagged")], "point %d %s", pt, r[gc]);
      flagged += atoi(r[gf]);
      n++;
    }
    cr_assert_eq(n, run.nrow);
    cr_assert_eq(atoi(pts.row[pt][col(&pts, "n_flagged")]), flagged, "point %d: n_flagged", pt);
  }
}

/* ---- 2. common random numbers ------------------------------------------------ */

static const char *const FLOW_QUANTITIES[] = {
    "clients_I_jan1", "clients_A_jan1", "clients_M_jan1", "entries_I",        "entries_A",
    "entries_M",      "stepdowns_IA",   "entries_national_inst", "wlz_transfers", "wlz_client_years",
    "cost_eur",       "cost_national_inst_eur"};

static int is_flow_quantity(const char *q) {
  for (size_t i = 0; i < sizeof FLOW_QUANTITIES / sizeof *FLOW_QUANTITIES; i++)
    if (!strcmp(q, FLOW_QUANTITIES[i])) return 1;
  return 0;
}

Test(compare, budget_only_changes_leave_every_client_flow_identical) {
  char *out = tu_path("crn");
  tu_proc p = tu_bwsim("compare", DEFAULT_YAML, "--vs", "budget.budget_index=0.03", "--vs",
                       "budget.verdeelmodel={constant: 1, single_hh: 0, nonwestern: 0, urbanity: 0}", "--vs",
                       "policy.ingroeipad.mode=linear", "--vs", "policy.pooling=region", "--vs",
                       "flags.threshold_eur_per_inhabitant=5", "--vs", "flows.supply_attraction=0.3", "-n", NREP,
                       "-q", "--out", out, NULL);
  assert_exit(&p, 0, "compare");
  table nat = read_csv(tu_join(out, "compare_national.csv"));
  int cs = col(&nat, "scenario"), cq = col(&nat, "quantity");
  int cols[4] = {col(&nat, "delta_mean"), col(&nat, "delta_q05"), col(&nat, "delta_q95"), col(&nat, "delta_se")};
  int client_side_differs = 0, checked = 0;
  for (int i = 0; i < nat.nrow; i++) {
    char **r = nat.row[i];
    if (!is_flow_quantity(r[cq])) continue;
    int client_side = !strcmp(r[cs], "flows.supply_attraction=0.3");
    for (int k = 0; k < 4; k++) {
      double v = strtod(r[cols[k]], NULL);
      if (client_side) client_side_differs |= v != 0;
      else cr_assert_eq(v, 0.0, "%s: %s %s = %s, not 0", r[cs], r[cq], nat.head[cols[k]], r[cols[k]]);
    }
    checked += !client_side;
  }
  cr_assert_eq(checked, 5 * 12 * 11, "rows checked: %d", checked);
  /* the test can fail: a client-side change does change the flows */
  cr_assert(client_side_differs, "supply_attraction 0.3 left every flow unchanged");
  /* and the run says which scenarios shared their clients */
  cr_assert(strstr(tu_slurp(tu_join(out, "run.log"), NULL), "client_groups 2") != NULL,
            "one group for the budget-side variants, one for supply_attraction");
}

Test(compare, identical_scenario_differs_by_exactly_zero) {
  char *out = tu_path("same");
  tu_proc p = tu_bwsim("compare", DEFAULT_YAML, "--vs", "run.name=twin", "-n", NREP, "-q", "--out", out, NULL);
  assert_exit(&p, 0, "compare");
  table cmp = read_csv(tu_join(out, "compare.csv"));
  const char *zero[] = {"delta_mean_cum_shortfall_eur", "delta_mean_cum_shortfall_se", "delta_p_max_year",
                        "delta_p_max_year_se"};
  for (int i = 0; i < cmp.nrow; i++) {
    for (size_t k = 0; k < 4; k++) cr_assert_eq(strtod(cmp.row[i][col(&cmp, zero[k])], NULL), 0.0, "%s", zero[k]);
    cr_assert_str_eq(cmp.row[i][col(&cmp, "flag_change")], "unchanged");
  }
}

Test(compare, paired_standard_errors_are_smaller_for_a_budget_change) {
  char *out = tu_path("se");
  tu_proc p = tu_bwsim("compare", DEFAULT_YAML, "--vs", "budget.verdeelmodel.urbanity=1", "-n", "40", "-q",
                       "--out", out, NULL);
  assert_exit(&p, 0, "compare");
  table cmp = read_csv(tu_join(out, "compare.csv"));
  int cp = col(&cmp, "delta_mean_cum_shortfall_se"), cu = col(&cmp, "delta_mean_cum_shortfall_se_unpaired");
  int smaller = 0;
  for (int i = 0; i < cmp.nrow; i++) smaller += strtod(cmp.row[i][cp], NULL) < strtod(cmp.row[i][cu], NULL);
  /* the verdeelmodel moves budget, not clients: the noise of the clients
   * cancels in the paired difference for (nearly) every gemeente */
  cr_assert_geq(smaller, cmp.nrow * 9 / 10, "paired se smaller for %d of %d gemeenten", smaller, cmp.nrow);
}

/* ---- 3. reproducibility -------------------------------------------------------- */

static const char *const COMPARE_FILES[] = {"compare.csv", "compare_regions.csv", "compare_national.csv",
                                            "compare.h5"};
static const char *const SWEEP_FILES[] = {"sweep.csv", "sweep_gemeenten.csv", "sweep.h5"};

Test(compare, same_bytes_for_threads_and_processes) {
  char *h[3], *s[3];
  for (int t = 0; t < 2; t++) {
    char *o = tu_path(tu_format("c%d", t)), *w = tu_path(tu_format("s%d", t));
    tu_proc p = tu_bwsim("compare", DEFAULT_YAML, "--vs", "policy.pooling=region", "--vs",
                         "flows.wlz.hazard=0.08", "-n", NREP, "-q", "-t", t ? "2" : "1", "--out", o, NULL);
    assert_exit(&p, 0, "compare");
    h[t] = hashes(o, COMPARE_FILES, 4);
    p = tu_bwsim("sweep", DEFAULT_YAML, "--grid", "budget.verdeelmodel.urbanity=0:1:0.5", "-n", NREP, "-q", "-t",
                 t ? "2" : "1", "--out", w, NULL);
    assert_exit(&p, 0, "sweep");
    s[t] = hashes(w, SWEEP_FILES, 3);
  }
  cr_assert_str_eq(h[0], h[1], "compare: 1 vs 2 threads");
  cr_assert_str_eq(s[0], s[1], "sweep: 1 vs 2 threads");
  if (!mpi_available()) return;
  char *o = tu_path("cm"), *w = tu_path("sm");
  tu_proc p = mpirun2("compare", DEFAULT_YAML, "--vs", "policy.pooling=region", "--vs", "flows.wlz.hazard=0.08",
                      "-n", NREP, "-q", "-t", "1", "--out", o, NULL);
  assert_exit(&p, 0, "mpirun compare");
  cr_assert_str_eq(hashes(o, COMPARE_FILES, 4), h[0], "compare: 1 vs 2 MPI processes");
  p = mpirun2("sweep", DEFAULT_YAML, "--grid", "budget.verdeelmodel.urbanity=0:1:0.5", "-n", NREP, "-q", "-t", "1",
              "--out", w, NULL);
  assert_exit(&p, 0, "mpirun sweep");
  cr_assert_str_eq(hashes(w, SWEEP_FILES, 3), s[0], "sweep: 1 vs 2 MPI processes");
}

/* ---- 4. refusals ----------------------------------------------------------------- */

static void assert_refused(const char *what, const char *needle, const char *arg, ...) {
  char *out = tu_path(tu_format("refused_%d", rand()));
  char *argv[64];
  argv[0] = (char *)BW_BINARY;
  va_list ap;
  va_start(ap, arg);
  int n = tu_argv_va(argv, 1, 60, arg, ap);
  va_end(ap);
  argv[n++] = "--out";
  argv[n++] = out;
  argv[n] = NULL;
  tu_proc p = tu_run(argv, NULL, tu_tmp_root);
  cr_assert_eq(p.code, 2, "%s: exit %d, expected 2\nstderr: %s", what, p.code, p.err);
  cr_assert(strstr(p.err, needle) != NULL, "%s: message lacks '%s':\n%s", what, needle, p.err);
  int visible = 0, hidden = 0;
  if (tu_exists(out)) tu_list_dir(out, NULL, &visible, &hidden);
  cr_assert_eq(visible + hidden, 0, "%s: files written", what);
}

Test(compare, bad_input_refused_before_anything_runs) {
  assert_refused("unknown grid key", "budget.verdeelmodel.urbanityy", "sweep", DEFAULT_YAML, "--grid",
                 "budget.verdeelmodel.urbanityy=0,1", NULL);
  assert_refused("grid value out of range", "flags.p_star", "sweep", DEFAULT_YAML, "--grid", "flags.p_star=0.5,2",
                 NULL);
  assert_refused("a million points", "--yes", "sweep", DEFAULT_YAML, "--grid", "flags.p_star=0.001:0.999:0.001",
                 "--grid", "budget.verdeelmodel.urbanity=0:1:0.001", NULL);
  assert_refused("bad range", "STEP", "sweep", DEFAULT_YAML, "--grid", "flags.p_star=0.9:0.1:0.1", NULL);
  assert_refused("no grid", "--grid", "sweep", DEFAULT_YAML, NULL);
  assert_refused("different seeds", "run.seed", "compare", DEFAULT_YAML, "--vs", "run.seed=7", NULL);
  assert_refused("different horizons", "run.last_year", "compare", DEFAULT_YAML, "--vs", "run.last_year=2036",
                 NULL);
  assert_refused("one scenario", "two scenarios", "compare", DEFAULT_YAML, NULL);
  assert_refused("bad --vs", "policy.pooling", "compare", DEFAULT_YAML, "--vs", "policy.pooling=regio", NULL);
  assert_refused("bad --set", "--set", "compare", DEFAULT_YAML, "--vs", "policy.pooling=region", "--set",
                 "flows.wlz.hazard=-1", NULL);
  assert_refused("unknown option", "--frobnicate", "sweep", DEFAULT_YAML, "--grid", "flags.p_star=0.5",
                 "--frobnicate", NULL);
}
