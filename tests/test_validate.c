/* End-to-end tests of `bwsim validate` (sim/validate.c, issue 5):
 *  - on the default model every check passes and the command exits 0; the
 *    count-kernel comparison may only be SKIPPED (with its reason) while the
 *    count kernel is not built in, never silently PASS;
 *  - the table printed is the table written (validation.txt), every check of
 *    MODEL.md §10 is there, the CSV files and the plots exist and every PNG
 *    (on disk and embedded in index.html) is a well-formed PNG (chunk CRCs);
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
 *    is never replaced.
 * Each run uses few replications (-n 10, or 4 under AddressSanitizer): the
 * checks are statistically valid for any N (Student-t intervals, exact
 * variances), the replications only set their power. */
#define _GNU_SOURCE /* nftw */

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DATA_DIR BW_TEST_DIR "/data/validate"
#define DEFAULT_YAML DATA_DIR "/default.yaml"
#define BROKEN_YAML DATA_DIR "/broken_stock.yaml"
#define NO_PYTHON "/nonexistent/bwsim-test/python3"

#if defined(__SANITIZE_ADDRESS__)
#define NREP "4"
#else
#define NREP "10"
#endif

/* MODEL.md §10: every check the report must hold. */
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
/* MODEL.md §8: the national totals the kernels are compared on. */
static const char *const QUANTITIES[] = {
    "clients_I_jan1", "clients_A_jan1",   "clients_M_jan1",     "entries_I",
    "entries_A",      "entries_M",        "stepdowns_IA",       "entries_national_inst",
    "wlz_transfers",  "wlz_client_years", "wlz_settlement_eur", "cost_eur",
    "cost_national_inst_eur", "budget_eur", "shortfall_eur"};
enum { N_QUANTITIES = (int)(sizeof QUANTITIES / sizeof QUANTITIES[0]) };
static const char *const DATA_FILES[] = {"validation.txt", "validation.csv", "validation_cells.csv",
                                         "fan.csv", "residual_samples.csv", "residual_density.csv"};
enum { N_DATA_FILES = (int)(sizeof DATA_FILES / sizeof DATA_FILES[0]) };
static const char *const PNG_FILES[] = {"fan_clients.png", "fan_cost.png", "fan_wlz_transfers.png",
                                        "residual_law.png"};
enum { N_PNG = (int)(sizeof PNG_FILES / sizeof PNG_FILES[0]) };

/* ---- temporary directory and owned memory ------------------------------------ */

static char tmp_root[64];
static void *owned[256];
static int n_owned;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static void setup(void) {
  snprintf(tmp_root, sizeof tmp_root, "/tmp/bw_test_validate_XXXXXX");
  cr_assert_not_null(mkdtemp(tmp_root), "mkdtemp: %s", strerror(errno));
}

static void teardown(void) {
  if (tmp_root[0]) nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  tmp_root[0] = '\0';
  for (int i = 0; i < n_owned; i++) free(owned[i]);
  n_owned = 0;
}

TestSuite(validate, .init = setup, .fini = teardown, .timeout = 900);

static void *tmalloc(size_t n) {
  cr_assert_lt(n_owned, (int)(sizeof owned / sizeof owned[0]), "too many blocks");
  void *p = malloc(n ? n : 1);
  cr_assert_not_null(p, "out of memory");
  owned[n_owned++] = p;
  return p;
}

static char *tpath(const char *name) {
  size_t n = strlen(tmp_root) + strlen(name) + 2;
  char *p = tmalloc(n);
  snprintf(p, n, "%s/%s", tmp_root, name);
  return p;
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = tmalloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* Whole file; *len (if not NULL) receives its size. */
static char *slurp_n(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s: %s", path, strerror(errno));
  cr_assert_eq(fseek(f, 0, SEEK_END), 0);
  long n = ftell(f);
  cr_assert_geq(n, 0);
  cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
  char *buf = tmalloc((size_t)n + 1);
  cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  if (len) *len = (size_t)n;
  return buf;
}

static char *slurp(const char *path) { return slurp_n(path, NULL); }

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "cannot create %s", path);
  cr_assert(fputs(text, f) >= 0);
  cr_assert_eq(fclose(f), 0);
}

/* ---- running bwsim ----------------------------------------------------------------- */

typedef struct {
  int rc;
  char *out, *err;
} run_result;

/* BW_BINARY validate args... (NULL-terminated), with BWSIM_PYTHON set to
 * python (NULL: unset, i.e. the default /usr/bin/python3). */
static run_result run_validate(const char *python, const char *const *args) {
  static int serial;
  char name[64];
  snprintf(name, sizeof name, "run%d.out", serial);
  char *out_path = tpath(name);
  snprintf(name, sizeof name, "run%d.err", serial++);
  char *err_path = tpath(name);
  const char *argv[40];
  int n = 0;
  argv[n++] = BW_BINARY;
  argv[n++] = "validate";
  for (int i = 0; args[i]; i++) {
    cr_assert_lt(n, 38);
    argv[n++] = args[i];
  }
  argv[n] = NULL;
  fflush(stdout), fflush(stderr);
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo < 0 || fe < 0) _exit(126);
    dup2(fo, STDOUT_FILENO), dup2(fe, STDERR_FILENO);
    if (python) setenv("BWSIM_PYTHON", python, 1);
    else unsetenv("BWSIM_PYTHON");
    execv(BW_BINARY, (char *const *)argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
  cr_assert(WIFEXITED(status), "bwsim validate did not exit normally (signal %d)",
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  run_result r = {WEXITSTATUS(status), slurp(out_path), slurp(err_path)};
  return r;
}

/* ---- validation.csv ------------------------------------------------------------------ */

enum { C_GROUP, C_ID, C_LABEL, C_FIGURE, C_MEAN, C_LO, C_HI, C_SE, C_TOL, C_STATUS, C_FIGTXT, C_MODELTXT,
       C_DETAIL, C_N };
static const char *const CHECKS_HEADER =
    "group,id,label,figure,mean,ci95_low,ci95_high,se,tolerance,status,figure_text,model_text,detail";

typedef struct {
  char *f[C_N];
} row;

/* One RFC 4180 record from *p (fields unquoted in place); NULL at the end. */
static int parse_record(char **p, char **fields, int max) {
  char *s = *p;
  if (!*s) return -1;
  int n = 0;
  for (;;) {
    cr_assert_lt(n, max, "too many fields in a CSV record");
    char *dst = s, *start = s;
    if (*s == '"') {
      s++;
      for (;;) {
        cr_assert(*s, "unterminated quoted field");
        if (*s == '"' && s[1] == '"') *dst++ = '"', s += 2;
        else if (*s == '"') { s++; break; }
        else *dst++ = *s++;
      }
    } else {
      while (*s && *s != ',' && *s != '\n') *dst++ = *s++;
    }
    char sep = *s;
    *dst = '\0';
    fields[n++] = start;
    if (sep == ',') { s++; continue; }
    if (sep == '\n') s++;
    break;
  }
  *p = s;
  return n;
}

static int read_checks(const char *path, row *rows, int max) {
  char *text = slurp(path);
  char *nl = strchr(text, '\n');
  cr_assert_not_null(nl);
  *nl = '\0';
  cr_assert_str_eq(text, CHECKS_HEADER, "validation.csv header");
  char *p = nl + 1;
  int n = 0, k;
  char *fields[C_N + 1];
  while ((k = parse_record(&p, fields, C_N + 1)) > 0) {
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

/* ---- PNG ----------------------------------------------------------------------------- */

static uint32_t crc32_of(const unsigned char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A well-formed PNG: signature, IHDR first with a non-empty image, every
 * chunk's CRC right, at least one IDAT, IEND last at the end of the data. */
static void assert_png(const unsigned char *p, size_t n, const char *what) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  cr_assert(n > 8 + 25 && memcmp(p, sig, 8) == 0, "%s: no PNG signature", what);
  size_t off = 8;
  int chunks = 0, idat = 0, iend = 0;
  while (off + 12 <= n) {
    uint32_t len = be32(p + off);
    cr_assert(off + 12 + (size_t)len <= n, "%s: chunk %d runs past the end", what, chunks);
    const unsigned char *type = p + off + 4;
    cr_assert_eq(crc32_of(type, 4 + (size_t)len), be32(p + off + 8 + len), "%s: bad CRC in chunk %.4s", what,
                 (const char *)type);
    if (chunks == 0) {
      cr_assert(memcmp(type, "IHDR", 4) == 0 && len == 13, "%s: IHDR is not the first chunk", what);
      cr_assert(be32(type + 4) > 0 && be32(type + 8) > 0, "%s: empty image", what);
    }
    if (memcmp(type, "IDAT", 4) == 0) idat++;
    chunks++;
    off += 12 + (size_t)len;
    if (memcmp(type, "IEND", 4) == 0) {
      iend = 1;
      break;
    }
  }
  cr_assert(idat > 0, "%s: no image data", what);
  cr_assert(iend && off == n, "%s: IEND missing or not at the end", what);
}

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
  unsigned char *out = tmalloc(len * 3 / 4 + 3);
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

/* A line of text that starts with `label` and holds ` word `. */
static int has_line(const char *text, const char *label, const char *word) {
  size_t l = strlen(label);
  for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
    if (strncmp(s, label, l)) continue;
    const char *end = strchr(s, '\n');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    char *line = tmalloc(n + 1);
    memcpy(line, s, n);
    line[n] = '\0';
    char w[32];
    snprintf(w, sizeof w, " %s ", word);
    if (strstr(line, w)) return 1;
  }
  return 0;
}

Test(validate, default_params_pass) {
  char *a = tpath("a");
  const char *args[] = {DEFAULT_YAML, "-n", NREP, "-t", "2", "-o", a, NULL};
  run_result r = run_validate(NULL, args);
  cr_assert_eq(r.rc, 0, "exit %d on the default params\nstdout:\n%s\nstderr:\n%s", r.rc, r.out, r.err);

  /* every check is there, and passes (the kernel comparison may be SKIPPED,
   * with its reason, until the count kernel is built in) */
  row rows[128];
  int n = read_checks(join(a, "validation.csv"), rows, 128);
  for (int i = 0; i < N_EXPECTED; i++)
    cr_assert_not_null(find_row(rows, n, EXPECTED_IDS[i]), "check %s missing", EXPECTED_IDS[i]);
  const row *skip = find_row(rows, n, "kernel_counts_vs_individual");
  if (skip) {
    cr_assert_str_eq(skip->f[C_STATUS], "SKIPPED", "kernel comparison: %s", skip->f[C_DETAIL]);
    cr_assert(strstr(skip->f[C_DETAIL], "count") != NULL, "SKIPPED without a reason: '%s'", skip->f[C_DETAIL]);
  } else {
    for (int q = 0; q < N_QUANTITIES; q++) {
      char id[64];
      snprintf(id, sizeof id, "kernel_%s", QUANTITIES[q]);
      cr_assert_not_null(find_row(rows, n, id), "kernel comparison of %s missing", QUANTITIES[q]);
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
  char *txt = slurp(join(a, "validation.txt"));
  cr_assert_not_null(strstr(r.out, txt), "validation.txt is not the table printed on stdout");
  char summary[64];
  snprintf(summary, sizeof summary, "%d PASS, 0 FAIL, %d SKIPPED.", npass, skip ? 1 : 0);
  cr_assert_not_null(strstr(r.out, summary), "no '%s' on stdout", summary);

  /* files and plots */
  for (int i = 0; i < N_DATA_FILES; i++) cr_assert(exists(join(a, DATA_FILES[i])), "%s missing", DATA_FILES[i]);
  for (int i = 0; i < N_PNG; i++) {
    size_t len;
    unsigned char *png = (unsigned char *)slurp_n(join(a, PNG_FILES[i]), &len);
    assert_png(png, len, PNG_FILES[i]);
  }
  char *html = slurp(join(a, "index.html"));
  const char *marker = "data:image/png;base64,";
  int embedded = 0;
  for (const char *s = strstr(html, marker); s; s = strstr(s + 1, marker)) {
    size_t len;
    unsigned char *png = b64_decode(s + strlen(marker), &len);
    assert_png(png, len, "PNG embedded in index.html");
    embedded++;
  }
  cr_assert_eq(embedded, N_PNG, "index.html embeds %d PNGs, expected %d", embedded, N_PNG);
  cr_assert(exists(join(a, "fan.csv")) && strstr(slurp(join(a, "fan.csv")), "individual,clients_IA_jan1,2021,"));
  /* no temporary directory left beside the report */
  DIR *dir = opendir(tmp_root);
  cr_assert_not_null(dir);
  for (struct dirent *e; (e = readdir(dir));)
    cr_assert(strncmp(e->d_name, ".a.", 3) != 0, "left behind: %s", e->d_name);
  closedir(dir);

  /* one thread, no python: the same bytes, and the plots are skipped with a notice */
  char *b = tpath("b");
  const char *args1[] = {DEFAULT_YAML, "-n", NREP, "-t", "1", "-o", b, NULL};
  run_result r1 = run_validate(NO_PYTHON, args1);
  cr_assert_eq(r1.rc, 0, "exit %d without python\nstdout:\n%s\nstderr:\n%s", r1.rc, r1.out, r1.err);
  cr_assert_not_null(strstr(r1.out, "Plots skipped: " NO_PYTHON " not found."), "no notice of skipped plots:\n%s",
                     r1.out);
  for (int i = 0; i < N_PNG; i++) cr_assert(!exists(join(b, PNG_FILES[i])), "%s written without python", PNG_FILES[i]);
  cr_assert(!exists(join(b, "index.html")));
  for (int i = 0; i < N_DATA_FILES; i++) {
    size_t la, lb;
    char *x = slurp_n(join(a, DATA_FILES[i]), &la), *y = slurp_n(join(b, DATA_FILES[i]), &lb);
    cr_assert(la == lb && memcmp(x, y, la) == 0, "%s differs between 2 threads and 1 thread", DATA_FILES[i]);
  }
}

Test(validate, broken_calibration_fails) {
  /* an old report in the target: --force replaces the directory as a whole */
  char *c = tpath("c");
  cr_assert_eq(mkdir(c, 0777), 0);
  write_text(join(c, "validation.txt"), "old report\n");
  write_text(join(c, "stale.png"), "old plot\n");
  const char *args[] = {BROKEN_YAML, "-n", NREP, "-o", c, "-f", "-q", "--lang", "nl", NULL};
  run_result r = run_validate(NO_PYTHON, args);
  cr_assert_eq(r.rc, 1, "exit %d with a broken calibration (expected 1)\nstdout:\n%s\nstderr:\n%s", r.rc, r.out,
               r.err);

  row rows[128];
  int n = read_checks(join(c, "validation.csv"), rows, 128);
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
      char *line = tmalloc(len + 1);
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
  cr_assert(!exists(join(c, "stale.png")), "a file of the old report survived --force");
  cr_assert(strcmp(slurp(join(c, "validation.txt")), "old report\n") != 0, "validation.txt not replaced");
  cr_assert_not_null(strstr(slurp(join(c, "validation.txt")), "controle"), "validation.txt is not in Dutch");
}

/* Bad input: exit 2, a message, and nothing written. */
Test(validate, bad_input_exits_2) {
  char *bad_yaml = tpath("bad.yaml");
  write_text(bad_yaml, "run:\n  no_such_key: 1\n");
  char *out = tpath("never");
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
    run_result r = run_validate(NO_PYTHON, args);
    cr_assert_eq(r.rc, 2, "case %zu (%s): exit %d, expected 2\nstderr:\n%s", i, cases[i][0], r.rc, r.err);
    cr_assert(strlen(r.err) > 0, "case %zu: no message", i);
    cr_assert(!exists(out), "case %zu: the report directory was created", i);
  }
  run_result h = run_validate(NULL, (const char *[]){"--help", NULL});
  cr_assert_eq(h.rc, 0);
  cr_assert_not_null(strstr(h.out, "Usage: bwsim validate"));
}

/* An existing report is not replaced without --force; a directory that is
 * not a report, or a file, never. Refused before any simulation. */
Test(validate, refuses_to_overwrite) {
  char *rep = tpath("report");
  cr_assert_eq(mkdir(rep, 0777), 0);
  write_text(join(rep, "validation.txt"), "keep me\n");
  run_result r = run_validate(NO_PYTHON, (const char *[]){DEFAULT_YAML, "-o", rep, NULL});
  cr_assert_eq(r.rc, 2, "exit %d", r.rc);
  cr_assert_not_null(strstr(r.err, "--force"), "stderr:\n%s", r.err);
  cr_assert_str_eq(slurp(join(rep, "validation.txt")), "keep me\n");

  char *other = tpath("other");
  cr_assert_eq(mkdir(other, 0777), 0);
  write_text(join(other, "thesis.tex"), "precious\n");
  r = run_validate(NO_PYTHON, (const char *[]){DEFAULT_YAML, "-o", other, "-f", NULL});
  cr_assert_eq(r.rc, 2, "exit %d", r.rc);
  cr_assert_str_eq(slurp(join(other, "thesis.tex")), "precious\n");
  cr_assert(!exists(join(other, "validation.txt")));

  char *file = tpath("plain");
  write_text(file, "a file\n");
  r = run_validate(NO_PYTHON, (const char *[]){DEFAULT_YAML, "-o", file, "-f", NULL});
  cr_assert_eq(r.rc, 2, "exit %d", r.rc);
  cr_assert_str_eq(slurp(file), "a file\n");
}
