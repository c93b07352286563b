/* End-to-end tests of `bwsim validate` (sim/validate.c, issue 5):
 *  - on the default model every check passes and the command exits 0; the
 *    count-kernel comparison may only be SKIPPED (with its reason) while the
 *    count kernel is not built in, never silently PASS;
 *  - the table printed is the table written (validation.txt), every check of
 *    docs/model.md §10 is there, the CSV files and the plots exist and every PNG
 *    (on disk and embedded in index.html) is a well-formed PNG (chunk CRCs);
 *    the data files and the plots are one whole set (sim/fileset.h) matching
 *    its manifest; without plots the set holds none, and --force over a
 *    report with plots leaves none of the old ones;
 *  - the report files are byte-identical for 1 and 2 threads;
 *  - without python (BWSIM_PYTHON pointing nowhere) the checks still run and
 *    the command says the plots were skipped;
 *  - a deliberately broken calibration (stock I 5,000: I + A = 17,000 against
 *    the published 34,000) makes the calibration check FAIL and exit 1, while
 *    the analytic checks (which test the code, not the calibration) pass;
 *    -q prints only the failed checks; --lang nl labels; -f replaces an old
 *    report as a whole;
 *  - bad input exits 2 with a message and writes nothing; an existing report
 *    is not replaced without --force, and a directory that is not a report
 *    is never replaced;
 *  - under mpirun with two processes it refuses at once on every rank (the
 *    replications' slots are not gathered across processes), without
 *    hanging and without writing anything.
 * Each run uses few replications (-n 10, or 4 under AddressSanitizer): the
 * checks are statistically valid for any N (Student-t intervals, exact
 * variances), the replications only set their power. */
#define _GNU_SOURCE /* nftw, mkdtemp, execvpe (test_util.h) */

#include "test_util.h"

#include "fileset.h" /* bw_fileset_verify */

#define DATA_DIR BW_TEST_DIR "/data/validate"
#define DEFAULT_YAML DATA_DIR "/default.yaml"
#define BROKEN_YAML DATA_DIR "/broken_stock.yaml"
#define NO_PYTHON "/nonexistent/bwsim-test/python3"

#if defined(__SANITIZE_ADDRESS__)
#define NREP "4"
#else
#define NREP "10"
#endif

/* docs/model.md §10: every check the report must hold. */
static const char *const EXPECTED_IDS[] = {
    "calib_bw_clients_2021",     "calib_wlz_wave_2021",        "calib_wlz_transfers_2021",
    "calib_wlz_pq_2021",         "calib_wlz_uitname_ex_ante",  "calib_hist_bw_2021",
    "calib_hist_mo_2021",        "calib_macro_balance",        "budget_conservation",
    "wlz_settlement",            "ingroeipad_w0_historical",   "ingroeipad_w1_objective",
    "immigration_death_mean_I",  "immigration_death_mean_A",   "immigration_death_mean_M",
    "immigration_death_variance_I", "immigration_death_variance_A", "immigration_death_variance_M",
    "stationary_start_I",        "stationary_start_A",         "stationary_start_M",
    "residual_law_ks_I",         "residual_law_ks_A",          "residual_law_ks_M"};
enum { N_EXPECTED = (int)(sizeof EXPECTED_IDS / sizeof EXPECTED_IDS[0]) };
static const char *const DATA_FILES[] = {"validation.txt", "validation.csv", "validation_cells.csv",
                                         "fan.csv", "residual_samples.csv", "residual_density.csv"};
enum { N_DATA_FILES = (int)(sizeof DATA_FILES / sizeof DATA_FILES[0]) };
static const char *const PNG_FILES[] = {"fan_clients.png", "fan_cost.png", "fan_wlz_transfers.png",
                                        "residual_law.png"};
enum { N_PNG = (int)(sizeof PNG_FILES / sizeof PNG_FILES[0]) };

/* ---- temporary directory and owned memory ------------------------------------ */

static void setup(void) { tu_setup("validate"); }

TestSuite(validate, .init = setup, .fini = tu_teardown, .timeout = 900);

/* ---- running bwsim ----------------------------------------------------------------- */

/* BW_BINARY validate args... (NULL-terminated), with BWSIM_PYTHON set to
 * python (NULL: unset, i.e. the default /usr/bin/python3). */
static tu_proc run_validate(const char *python, const char *const *args) {
  const char *argv[40];
  int n = 0;
  argv[n++] = BW_BINARY;
  argv[n++] = "validate";
  for (int i = 0; args[i]; i++) {
    cr_assert_lt(n, 38);
    argv[n++] = args[i];
  }
  argv[n] = NULL;
  const char *env[] = {python ? tu_format("BWSIM_PYTHON=%s", python) : "BWSIM_PYTHON", NULL};
  tu_proc p = tu_run((char *const *)argv, tu_environ_with(env), NULL);
  cr_assert(!p.signal, "bwsim validate did not exit normally (signal %d)", p.signal);
  return p;
}

/* ---- validation.csv ------------------------------------------------------------------ */

enum { C_GROUP, C_ID, C_LABEL, C_FIGURE, C_MEAN, C_LO, C_HI, C_SE, C_TOL, C_STATUS, C_FIGTXT, C_MODELTXT,
       C_DETAIL, C_N };
static const char *const CHECKS_HEADER =
    "group,id,label,figure,mean,ci95_low,ci95_high,se,tolerance,status,figure_text,model_text,detail";

typedef struct {
  char *f[C_N];
} row;

static int read_checks(const char *path, row *rows, int max) {
  char *text = tu_slurp(path, NULL);
  char *nl = strchr(text, '\n');
  cr_assert_not_null(nl);
  *nl = '\0';
  cr_assert_str_eq(text, CHECKS_HEADER, "validation.csv header");
  char *p = nl + 1;
  int n = 0, k;
  char *fields[C_N + 1];
  while ((k = tu_csv_next(&p, fields, C_N + 1)) > 0) {
    cr_assert_eq(k, C_N, "validation.csv row %d has %d fields", n + 2, k);
    cr_assert_lt(n, max);
    memcpy(rows[n].f, fields, sizeof rows[n].f);
    n++;
  }
  return n;
}

static const row *find_row(const row *rows, int n, const char *id) {
  const row *hit = NULL;
  for (int i = 0; i < n; i++)
    if (!strcmp(rows[i].f[C_ID], id)) {
      cr_assert_null(hit, "check %s listed twice", id);
      hit = &rows[i];
    }
  return hit;
}

/* ---- base64 ------------------------------------------------------------------------ */

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decode base64 from s up to the first non-alphabet character. */
static unsigned char *b64_decode(const char *s, size_t *n) {
  size_t len = 0;
  while (b64_value(s[len]) >= 0) len++;
  unsigned char *out = tu_malloc(len * 3 / 4 + 3);
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    acc = acc << 6 | (uint32_t)b64_value(s[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
    }
  }
  *n = o;
  return out;
}

/* ---- tests ------------------------------------------------------------------------------ */

/* The set `what` of dir is whole: every file its manifest lists has its SHA-256. */
static void assert_set(const char *dir, const char *what) {
  char run_id[65];
  int pending = 0;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_fileset_verify(dir, what, run_id, &pending, &ctx), BW_OK, "%s: set %s: %s", dir, what, ctx.msg);
  cr_assert_eq(pending, 0, "%s: set %s: a commit is pending", dir, what);
}

/* A line of text that starts with `label` and holds ` word `. */
static int has_line(const char *text, const char *label, const char *word) {
  size_t l = strlen(label);
  for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
    if (strncmp(s, label, l)) continue;
    const char *end = strchr(s, '\n');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    char *line = tu_malloc(n + 1);
    memcpy(line, s, n);
    line[n] = '\0';
    char w[32];
    snprintf(w, sizeof w, " %s ", word);
    if (strstr(line, w)) return 1;
  }
  return 0;
}

Test(validate, default_params_pass) {
  char *a = tu_path("a");
  const char *args[] = {DEFAULT_YAML, "-n", NREP, "-t", "2", "-o", a, NULL};
  tu_proc r = run_validate(NULL, args);
  cr_assert_eq(r.code, 0, "exit %d on the default params\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err);

  /* every check is there, and passes (the kernel comparison may be SKIPPED,
   * with its reason, until the count kernel is built in) */
  row rows[128];
  int n = read_checks(tu_join(a, "validation.csv"), rows, 128);
  for (int i = 0; i < N_EXPECTED; i++)
    cr_assert_not_null(find_row(rows, n, EXPECTED_IDS[i]), "check %s missing", EXPECTED_IDS[i]);
  const row *skip = find_row(rows, n, "kernel_counts_vs_individual");
  if (skip) {
    cr_assert_str_eq(skip->f[C_STATUS], "SKIPPED", "kernel comparison: %s", skip->f[C_DETAIL]);
    cr_assert(strstr(skip->f[C_DETAIL], "count") != NULL, "SKIPPED without a reason: '%s'", skip->f[C_DETAIL]);
  } else {
    for (int q = 0; q < TU_N_QUANTITIES; q++) {
      char id[64];
      snprintf(id, sizeof id, "kernel_%s", TU_QUANTITIES[q]);
      cr_assert_not_null(find_row(rows, n, id), "kernel comparison of %s missing", TU_QUANTITIES[q]);
    }
  }
  int npass = 0;
  for (int i = 0; i < n; i++) {
    const row *x = &rows[i];
    if (x != skip) {
      cr_assert_str_eq(x->f[C_STATUS], "PASS", "%s: %s (%s)", x->f[C_ID], x->f[C_STATUS], x->f[C_DETAIL]);
      npass++;
    }
    /* printed, one line per check, with its label and result */
    cr_assert(has_line(r.out, x->f[C_LABEL], x->f[C_STATUS]), "no line '%s ... %s' on stdout", x->f[C_LABEL],
              x->f[C_STATUS]);
  }
  /* the stock is data: I + A on 1 Jan 2021 = 22,000 + 12,000 in every replication */
  const row *bw = find_row(rows, n, "calib_bw_clients_2021");
  cr_assert_eq(strtod(bw->f[C_MEAN], NULL), 34000.0);
  cr_assert_eq(strtod(bw->f[C_FIGURE], NULL), 34000.0);

  /* the printed table is the written one */
  char *txt = tu_slurp(tu_join(a, "validation.txt"), NULL);
  cr_assert_not_null(strstr(r.out, txt), "validation.txt is not the table printed on stdout");
  char summary[64];
  snprintf(summary, sizeof summary, "%d PASS, 0 FAIL, %d SKIPPED.", npass, skip ? 1 : 0);
  cr_assert_not_null(strstr(r.out, summary), "no '%s' on stdout", summary);

  /* files and plots */
  for (int i = 0; i < N_DATA_FILES; i++) cr_assert(tu_exists(tu_join(a, DATA_FILES[i])), "%s missing", DATA_FILES[i]);
  for (int i = 0; i < N_PNG; i++) {
    size_t len;
    unsigned char *png = (unsigned char *)tu_slurp(tu_join(a, PNG_FILES[i]), &len);
    tu_assert_png(png, len, PNG_FILES[i]);
  }
  char *html = tu_slurp(tu_join(a, "index.html"), NULL);
  const char *marker = "data:image/png;base64,";
  int embedded = 0;
  for (const char *s = strstr(html, marker); s; s = strstr(s + 1, marker)) {
    size_t len;
    unsigned char *png = b64_decode(s + strlen(marker), &len);
    tu_assert_png(png, len, "PNG embedded in index.html");
    embedded++;
  }
  cr_assert_eq(embedded, N_PNG, "index.html embeds %d PNGs, expected %d", embedded, N_PNG);
  cr_assert(tu_exists(tu_join(a, "fan.csv")) && strstr(tu_slurp(tu_join(a, "fan.csv"), NULL), "individual,clients_IA_jan1,2021,"));
  assert_set(a, "validate");
  /* one set: the plots are in the manifest of the data (a kill leaves the
   * old report or the new one, plots included, never new data beside old plots) */
  const char *manifest = tu_slurp(tu_join(a, "validate.sha256"), NULL);
  cr_assert_not_null(strstr(manifest, "  index.html\n"), "index.html is not in validate.sha256:\n%s", manifest);
  for (int i = 0; i < N_PNG; i++)
    cr_assert_not_null(strstr(manifest, tu_format("  %s\n", PNG_FILES[i])), "%s is not in validate.sha256", PNG_FILES[i]);
  cr_assert(!tu_exists(tu_join(a, "validate_plots.sha256")), "a second manifest");
  /* no temporary directory left beside the report */
  DIR *dir = opendir(tu_tmp_root);
  cr_assert_not_null(dir);
  for (struct dirent *e; (e = readdir(dir));)
    cr_assert(strncmp(e->d_name, ".a.", 3) != 0, "left behind: %s", e->d_name);
  closedir(dir);

  /* one thread, no python: the same bytes, and the plots are skipped with a notice */
  char *b = tu_path("b");
  const char *args1[] = {DEFAULT_YAML, "-n", NREP, "-t", "1", "-o", b, NULL};
  tu_proc r1 = run_validate(NO_PYTHON, args1);
  cr_assert_eq(r1.code, 0, "exit %d without python\nstdout:\n%s\nstderr:\n%s", r1.code, r1.out, r1.err);
  cr_assert_not_null(strstr(r1.out, "Plots skipped: " NO_PYTHON " not found."), "no notice of skipped plots:\n%s",
                     r1.out);
  for (int i = 0; i < N_PNG; i++) cr_assert(!tu_exists(tu_join(b, PNG_FILES[i])), "%s written without python", PNG_FILES[i]);
  cr_assert(!tu_exists(tu_join(b, "index.html")));
  assert_set(b, "validate");
  cr_assert(!tu_exists(tu_join(b, "validate_plots.sha256")), "a second manifest");
  for (int i = 0; i < N_DATA_FILES; i++) {
    size_t la, lb;
    char *x = tu_slurp(tu_join(a, DATA_FILES[i]), &la), *y = tu_slurp(tu_join(b, DATA_FILES[i]), &lb);
    cr_assert(la == lb && memcmp(x, y, la) == 0, "%s differs between 2 threads and 1 thread", DATA_FILES[i]);
  }

  /* --force over the report with plots, without python: no old plot (nor
   * its manifest) survives beside the new data */
  const char *args2[] = {DEFAULT_YAML, "-n", NREP, "-t", "2", "-o", a, "-f", "-q", NULL};
  tu_proc r2 = run_validate(NO_PYTHON, args2);
  cr_assert_eq(r2.code, 0, "exit %d replacing a report\nstderr:\n%s", r2.code, r2.err);
  for (int i = 0; i < N_PNG; i++) cr_assert(!tu_exists(tu_join(a, PNG_FILES[i])), "old %s survived --force", PNG_FILES[i]);
  cr_assert(!tu_exists(tu_join(a, "index.html")) && !tu_exists(tu_join(a, "validate_plots.sha256")));
  assert_set(a, "validate");
}

Test(validate, broken_calibration_fails) {
  /* an old report in the target: --force replaces the directory as a whole */
  char *c = tu_path("c");
  cr_assert_eq(mkdir(c, 0777), 0);
  tu_write_text(tu_join(c, "validation.txt"), "old report\n");
  tu_write_text(tu_join(c, "stale.png"), "old plot\n");
  const char *args[] = {BROKEN_YAML, "-n", NREP, "-o", c, "-f", "-q", "--lang", "nl", NULL};
  tu_proc r = run_validate(NO_PYTHON, args);
  cr_assert_eq(r.code, 1, "exit %d with a broken calibration (expected 1)\nstdout:\n%s\nstderr:\n%s", r.code, r.out,
               r.err);

  row rows[128];
  int n = read_checks(tu_join(c, "validation.csv"), rows, 128);
  const row *bw = find_row(rows, n, "calib_bw_clients_2021");
  cr_assert_not_null(bw);
  cr_assert_str_eq(bw->f[C_STATUS], "FAIL");
  cr_assert_eq(strtod(bw->f[C_MEAN], NULL), 5000.0 + 12000.0);
  cr_assert_str_eq(bw->f[C_LABEL], "BW-cliënten (I + A) op 1 jan 2021");
  /* the data are unchanged, and the analytic checks test the code */
  const char *still[] = {"calib_hist_bw_2021", "calib_hist_mo_2021", "budget_conservation", "wlz_settlement",
                         "ingroeipad_w0_historical", "ingroeipad_w1_objective", "stationary_start_I",
                         "residual_law_ks_I"};
  for (size_t i = 0; i < sizeof still / sizeof still[0]; i++) {
    const row *x = find_row(rows, n, still[i]);
    cr_assert_not_null(x, "%s missing", still[i]);
    cr_assert_str_eq(x->f[C_STATUS], "PASS", "%s: %s", still[i], x->f[C_DETAIL]);
  }

  /* -q: only the failed checks are printed, the Dutch labels among them */
  int lines = 0;
  for (char *s = r.out; *s;) {
    char *e = strchr(s, '\n');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len > 0) {
      char *line = tu_malloc(len + 1);
      memcpy(line, s, len);
      line[len] = '\0';
      cr_assert_not_null(strstr(line, " FAIL "), "-q printed a line that is not a failed check: '%s'", line);
      lines++;
    }
    s += len + (e ? 1 : 0);
  }
  cr_assert_geq(lines, 1);
  cr_assert(has_line(r.out, "BW-cliënten (I + A) op 1 jan 2021", "FAIL"), "stdout:\n%s", r.out);
  cr_assert_not_null(strstr(r.err, "plots skipped"), "stderr:\n%s", r.err);

  /* the old report was replaced as a whole */
  cr_assert(!tu_exists(tu_join(c, "stale.png")), "a file of the old report survived --force");
  cr_assert(strcmp(tu_slurp(tu_join(c, "validation.txt"), NULL), "old report\n") != 0, "validation.txt not replaced");
  cr_assert_not_null(strstr(tu_slurp(tu_join(c, "validation.txt"), NULL), "controle"), "validation.txt is not in Dutch");
}

/* Bad input: exit 2, a message, and nothing written. */
Test(validate, bad_input_exits_2) {
  char *bad_yaml = tu_path("bad.yaml");
  tu_write_text(bad_yaml, "run:\n  no_such_key: 1\n");
  char *out = tu_path("never");
  const char *const cases[][8] = {
      {"--bogus", NULL},
      {"-n", "3", NULL},
      {"-n", "many", NULL},
      {"-n", NULL},
      {"-t", "0", NULL},
      {"--lang", "de", NULL},
      {"--lang=xx", NULL},
      {DEFAULT_YAML, DEFAULT_YAML, NULL},
      {"/nonexistent/params.yaml", NULL},
      {bad_yaml, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *args[12];
    int k = 0;
    for (int j = 0; cases[i][j]; j++) args[k++] = cases[i][j];
    args[k++] = "-o", args[k++] = out, args[k] = NULL;
    tu_proc r = run_validate(NO_PYTHON, args);
    cr_assert_eq(r.code, 2, "case %zu (%s): exit %d, expected 2\nstderr:\n%s", i, cases[i][0], r.code, r.err);
    cr_assert(strlen(r.err) > 0, "case %zu: no message", i);
    cr_assert(!tu_exists(out), "case %zu: the report directory was created", i);
  }
  tu_proc h = run_validate(NULL, (const char *[]){"--help", NULL});
  cr_assert_eq(h.code, 0);
  cr_assert_not_null(strstr(h.out, "Usage: bwsim validate"));
}

/* An existing report is not replaced without --force; a directory that is
 * not a report, or a file, never. Refused before any simulation. */
Test(validate, refuses_to_overwrite) {
  char *rep = tu_path("report");
  cr_assert_eq(mkdir(rep, 0777), 0);
  tu_write_text(tu_join(rep, "validation.txt"), "keep me\n");
  tu_proc r = run_validate(NO_PYTHON, (const char *[]){DEFAULT_YAML, "-o", rep, NULL});
  cr_assert_eq(r.code, 2, "exit %d", r.code);
  cr_assert_not_null(strstr(r.err, "--force"), "stderr:\n%s", r.err);
  cr_assert_str_eq(tu_slurp(tu_join(rep, "validation.txt"), NULL), "keep me\n");

  char *other = tu_path("other");
  cr_assert_eq(mkdir(other, 0777), 0);
  tu_write_text(tu_join(other, "thesis.tex"), "precious\n");
  r = run_validate(NO_PYTHON, (const char *[]){DEFAULT_YAML, "-o", other, "-f", NULL});
  cr_assert_eq(r.code, 2, "exit %d", r.code);
  cr_assert_str_eq(tu_slurp(tu_join(other, "thesis.tex"), NULL), "precious\n");
  cr_assert(!tu_exists(tu_join(other, "validation.txt")));

  char *file = tu_path("plain");
  tu_write_text(file, "a file\n");
  r = run_validate(NO_PYTHON, (const char *[]){DEFAULT_YAML, "-o", file, "-f", NULL});
  cr_assert_eq(r.code, 2, "exit %d", r.code);
  cr_assert_str_eq(tu_slurp(file, NULL), "a file\n");
}

/* PATH holds an executable name. */
static int on_path(const char *name) {
  const char *path = getenv("PATH");
  if (!path) return 0;
  char *copy = tu_strdup(path), *save = NULL;
  for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
    if (access(tu_join(*d ? d : ".", name), X_OK) == 0) return 1;
  return 0;
}

/* validate runs in one process: bw_drive would split its replications over
 * the MPI processes, and it has no pack/unpack to gather their slots. Under
 * mpirun -n 2 every rank refuses before any simulation (exit 2), so none
 * waits for the other. */
Test(validate, refuses_two_mpi_processes) {
#ifndef BW_HAVE_MPI
  cr_skip_test("bwsim was built without MPI (BW_WITH_MPI off or no MPI found)");
#else
  if (!on_path("mpirun")) cr_skip_test("mpirun not found (Debian: openmpi-bin)");
  if (!on_path("timeout")) cr_skip_test("timeout not found (coreutils)");
  char *out = tu_path("mpi");
  /* Open MPI leaks in MPI_Init (see tests/test_cli.c): no leak check here */
  const char *asan_old = getenv("ASAN_OPTIONS");
  const char *env[] = {"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
                       tu_format("ASAN_OPTIONS=%s%sdetect_leaks=0", asan_old ? asan_old : "",
                                 asan_old && *asan_old ? ":" : ""),
                       "BWSIM_PYTHON=" NO_PYTHON, NULL};
  char *argv[] = {"timeout", "300", "mpirun", "--oversubscribe", "-n", "2", (char *)BW_BINARY, "validate",
                  DEFAULT_YAML, "-n", NREP, "-t", "1", "-o", out, NULL};
  tu_proc p = tu_run(argv, tu_environ_with(env), tu_tmp_root);
  cr_assert_neq(p.code, 124, "mpirun -n 2 bwsim validate hung\nstderr:\n%s", p.err);
  cr_assert_eq(p.code, 2, "exit %d under mpirun -n 2 (expected 2)\nstdout:\n%s\nstderr:\n%s", p.code, p.out, p.err);
  cr_assert_not_null(strstr(p.err, "validate runs in one process"), "stderr:\n%s", p.err);
  cr_assert(!tu_exists(out), "a report was written under mpirun -n 2");
  cr_assert_eq(tu_count_hidden(tu_tmp_root, NULL), 0, "a temporary directory was left in %s", tu_tmp_root);
#endif
}
