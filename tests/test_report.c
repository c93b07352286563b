/* End-to-end tests of `bwsim report` (sim/report_cmd.c + sim/report.py): a
 * small run (tests/data/report/small.yaml, 30 replications) is turned into a
 * report, and its files are checked for what a reader relies on: the HTML is
 * self-contained (every figure file embedded as a PNG, nothing loaded from
 * elsewhere), the PDF is a PDF, every figure is a real PNG of a readable
 * size, the language switch works, an older results file (without the
 * datasets newer engines add) still gives a report with notes, and every
 * refusal (missing results, bad option, existing report, missing Python,
 * failing script) exits with its code and leaves nothing behind.
 *
 * Each test runs the real executable (BW_BINARY) with fork/exec in its own
 * mkdtemp directory under /tmp, removed by the suite's fini. */
#define _GNU_SOURCE /* execve with a built environment, nftw, mkdtemp */

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#define SMALL_YAML BW_TEST_DIR "/data/report/small.yaml"

static const unsigned char PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
/* base64 of the PNG signature's first 8 bytes: what every embedded image starts with */
#define PNG_B64_PREFIX "iVBORw0KGgo"
#define DATA_URI "data:image/png;base64,"
/* A figure a person can read is at least this many pixels on each side. */
enum { MIN_FIGURE_PX = 300, MAX_FIGURE_PX = 10000, MAX_FIGURES = 32 };

/* ---- the per-test temporary directory ----------------------------------- */

static char tmp_root[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static void *owned[256];
static int n_owned;

static void *tmalloc(size_t n) {
  cr_assert_lt(n_owned, (int)(sizeof owned / sizeof owned[0]), "too many blocks");
  void *p = malloc(n ? n : 1);
  cr_assert_not_null(p, "out of memory");
  owned[n_owned++] = p;
  return p;
}

static void setup(void) {
  snprintf(tmp_root, sizeof tmp_root, "/tmp/bw_test_report_XXXXXX");
  cr_assert_not_null(mkdtemp(tmp_root), "mkdtemp: %s", strerror(errno));
}

static void teardown(void) {
  if (tmp_root[0]) nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  tmp_root[0] = '\0';
  for (int i = 0; i < n_owned; i++) free(owned[i]);
  n_owned = 0;
}

TestSuite(report, .init = setup, .fini = teardown);

static char *tpath(const char *fmt, ...) {
  char rel[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(rel, sizeof rel, fmt, ap);
  va_end(ap);
  cr_assert(n > 0 && (size_t)n < sizeof rel, "path too long");
  char *p = tmalloc(strlen(tmp_root) + (size_t)n + 2);
  sprintf(p, "%s/%s", tmp_root, rel);
  return p;
}

/* ---- files -------------------------------------------------------------- */

typedef struct {
  unsigned char *data;
  size_t n;
} blob;

static blob slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s: %s", path, strerror(errno));
  cr_assert_eq(fseek(f, 0, SEEK_END), 0);
  long n = ftell(f);
  cr_assert_geq(n, 0);
  cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
  blob b = {tmalloc((size_t)n + 1), (size_t)n};
  cr_assert_eq(fread(b.data, 1, b.n, f), b.n, "short read of %s", path);
  b.data[n] = '\0';
  fclose(f);
  return b;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "cannot create %s: %s", path, strerror(errno));
  cr_assert_geq(fputs(text, f), 0);
  cr_assert_eq(fclose(f), 0);
}

static int exists(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0;
}

static int count_of(const char *hay, const char *needle) {
  int n = 0;
  size_t k = strlen(needle);
  for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle)) n++;
  return n;
}

/* Entries of dir other than . and ..; hidden ones (temporaries) counted apart. */
static void list_dir(const char *dir, int *visible, int *hidden) {
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
  *visible = *hidden = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (e->d_name[0] == '.')
      (*hidden)++;
    else
      (*visible)++;
  }
  closedir(d);
}

/* ---- running the executable --------------------------------------------- */

typedef struct {
  int code; /* exit status, or 128 + signal */
  char *out, *err;
} proc;

extern char **environ;

/* Run BW_BINARY with args (NULL-terminated) in tmp_root, extra environment
 * entries env (NULL-terminated, may be NULL), stdout and stderr captured. */
static proc bwsim_env(const char *const *env, const char *arg, ...) {
  char *argv[32];
  int n = 0;
  argv[n++] = (char *)BW_BINARY;
  va_list ap;
  va_start(ap, arg);
  for (const char *a = arg; a; a = va_arg(ap, const char *)) {
    cr_assert_lt(n, 31);
    argv[n++] = (char *)a;
  }
  va_end(ap);
  argv[n] = NULL;

  int ne = 0;
  while (environ[ne]) ne++;
  int nx = 0;
  while (env && env[nx]) nx++;
  char **envp = tmalloc((size_t)(ne + nx + 1) * sizeof *envp);
  int k = 0;
  for (int i = 0; i < nx; i++) envp[k++] = (char *)env[i];
  for (int i = 0; i < ne; i++) {
    /* an extra entry replaces the inherited one of the same name */
    const char *eq = strchr(environ[i], '=');
    size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
    int dup = 0;
    for (int j = 0; j < nx; j++)
      if (!strncmp(env[j], environ[i], len)) dup = 1;
    if (!dup) envp[k++] = environ[i];
  }
  envp[k] = NULL;

  char *outp = tpath("stdout.txt"), *errp = tpath("stderr.txt");
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0 || chdir(tmp_root) != 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 ||
        dup2(e, 2) < 0)
      _exit(126);
    execve(argv[0], argv, envp);
    _exit(127);
  }
  int status;
  pid_t w;
  do w = waitpid(pid, &status, 0);
  while (w < 0 && errno == EINTR);
  cr_assert_eq(w, pid, "waitpid: %s", strerror(errno));
  proc p;
  p.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  p.out = (char *)slurp(outp).data;
  p.err = (char *)slurp(errp).data;
  return p;
}

#define bwsim(...) bwsim_env(NULL, __VA_ARGS__)

/* A small run into tmp_root/name. */
static char *small_run(const char *name) {
  char *dir = tpath("%s", name);
  proc p = bwsim("run", SMALL_YAML, "-o", dir, "-q", NULL);
  cr_assert_eq(p.code, 0, "bwsim run: exit %d\nstderr: %s", p.code, p.err);
  cr_assert(exists(tpath("%s/results.h5", name)), "bwsim run wrote no results.h5");
  return dir;
}

/* A directory that looks like a results directory to bwsim report (which
 * only checks that results.h5 is there before it runs the script). */
static char *fake_results(const char *name) {
  char *dir = tpath("%s", name);
  cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s: %s", dir, strerror(errno));
  write_text(tpath("%s/results.h5", name), "not really HDF5\n");
  return dir;
}

static void assert_refused(const proc *p, int code, const char *what) {
  cr_assert_eq(p->code, code, "%s: exit %d, expected %d\nstderr: %s", what, p->code, code, p->err);
  cr_assert(strstr(p->err, "bwsim report") != NULL, "%s: no message on stderr (got '%s')", what,
            p->err);
}

/* ---- what a report must be ---------------------------------------------- */

static uint32_t be32(const unsigned char *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* Checks the report in res/report and returns its HTML text. Every figure
 * file is a PNG of a readable size; the HTML embeds exactly these figures
 * (as many data URIs, each a PNG, each of the length of one file's base64)
 * and loads nothing from elsewhere; the PDF is a whole PDF; no temporary
 * directory is left in res. */
static char *check_report(const char *res, const char *lang, int *n_figures) {
  char path[1024];
  snprintf(path, sizeof path, "%s/report/report.pdf", res);
  blob pdf = slurp(path);
  cr_assert_gt(pdf.n, 1000, "report.pdf is only %zu bytes", pdf.n);
  cr_assert_eq(memcmp(pdf.data, "%PDF-", 5), 0, "report.pdf does not start with %%PDF-");
  size_t tail = pdf.n > 64 ? pdf.n - 64 : 0;
  cr_assert_not_null(memmem(pdf.data + tail, pdf.n - tail, "%%EOF", 5),
                     "report.pdf has no %%%%EOF at its end (truncated?)");

  snprintf(path, sizeof path, "%s/report/figures", res);
  DIR *d = opendir(path);
  cr_assert_not_null(d, "opendir %s: %s", path, strerror(errno));
  size_t b64_len[MAX_FIGURES];
  int nf = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    size_t len = strlen(e->d_name);
    cr_assert(len > 4 && !strcmp(e->d_name + len - 4, ".png"), "figures/%s is not a .png",
              e->d_name);
    cr_assert_lt(nf, MAX_FIGURES);
    char fp[1300];
    snprintf(fp, sizeof fp, "%s/%s", path, e->d_name);
    blob png = slurp(fp);
    cr_assert_gt(png.n, 33, "%s: too short for a PNG", e->d_name);
    cr_assert_eq(memcmp(png.data, PNG_SIGNATURE, 8), 0, "%s: no PNG signature", e->d_name);
    cr_assert_eq(be32(png.data + 8), 13u, "%s: first chunk is not a 13-byte IHDR", e->d_name);
    cr_assert_eq(memcmp(png.data + 12, "IHDR", 4), 0, "%s: first chunk is not IHDR", e->d_name);
    uint32_t w = be32(png.data + 16), h = be32(png.data + 20);
    cr_assert(w >= MIN_FIGURE_PX && h >= MIN_FIGURE_PX && w <= MAX_FIGURE_PX &&
                  h <= MAX_FIGURE_PX,
              "%s: %u x %u pixels", e->d_name, w, h);
    b64_len[nf++] = 4 * ((png.n + 2) / 3);
  }
  closedir(d);
  /* the current engine writes what every figure needs but the map's
   * centroids and the regions, which older files may lack */
  cr_assert_geq(nf, 4, "only %d figures", nf);

  snprintf(path, sizeof path, "%s/report/report.html", res);
  char *html = (char *)slurp(path).data;
  char want[64];
  snprintf(want, sizeof want, "<html lang=\"%s\">", lang);
  cr_assert_not_null(strstr(html, want), "report.html lacks %s", want);
  cr_assert_eq(count_of(html, DATA_URI), nf, "report.html embeds %d images, figures/ holds %d",
               count_of(html, DATA_URI), nf);
  /* self-contained: every src is an embedded PNG, no link to a file */
  cr_assert_eq(count_of(html, "src=\""), count_of(html, "src=\"" DATA_URI),
               "report.html loads something that is not embedded");
  cr_assert_null(strstr(html, "<link"), "report.html links an external file");
  size_t got[MAX_FIGURES];
  int k = 0;
  for (const char *p = strstr(html, DATA_URI); p; p = strstr(p + 1, DATA_URI)) {
    p += strlen(DATA_URI);
    cr_assert_eq(strncmp(p, PNG_B64_PREFIX, strlen(PNG_B64_PREFIX)), 0,
                 "an embedded image is not a PNG");
    got[k++] = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
  }
  qsort(got, (size_t)k, sizeof got[0], cmp_size);
  qsort(b64_len, (size_t)nf, sizeof b64_len[0], cmp_size);
  for (int i = 0; i < nf; i++)
    cr_assert_eq(got[i], b64_len[i], "the embedded images are not the figure files");

  int visible, hidden;
  list_dir(res, &visible, &hidden);
  cr_assert_eq(hidden, 0, "temporary files left in %s", res);
  *n_figures = nf;
  return html;
}

/* ---- tests -------------------------------------------------------------- */

Test(report, english_dutch_and_replacement, .timeout = 600) {
  char *res = small_run("res");
  proc p = bwsim("report", res, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  cr_assert_not_null(strstr(p.out, "report.html"), "the path of the report is not printed");
  int nf;
  char *html = check_report(res, "en", &nf);
  cr_assert_not_null(strstr(html, "What the model assumes"), "no English summary");
  cr_assert_not_null(strstr(html, "How sure is each flag"), "no English summary");
  cr_assert_null(strstr(html, "Wat het model aanneemt"), "Dutch text in the English report");

  /* an existing report is refused without --force, and left as it was */
  p = bwsim("report", res, "--lang", "nl", NULL);
  assert_refused(&p, 2, "existing report");
  cr_assert_not_null(strstr(p.err, "/report"), "the refusal does not name the report: %s", p.err);
  cr_assert_not_null(strstr(p.err, "--force"), "the refusal does not say how: %s", p.err);
  check_report(res, "en", &nf);

  /* --force replaces it, here by the Dutch one */
  p = bwsim("report", res, "--lang", "nl", "--force", "-q", NULL);
  cr_assert_eq(p.code, 0, "bwsim report --force: exit %d\nstderr: %s", p.code, p.err);
  cr_assert_eq(p.out[0], '\0', "--quiet printed '%s'", p.out);
  html = check_report(res, "nl", &nf);
  const char *dutch[] = {"Wat het model aanneemt", "Hoe zeker is elk signaal", "gemeenten",
                         "Signaalkans", "ingroeipad", "Wat u wel en niet kunt concluderen"};
  for (size_t i = 0; i < sizeof dutch / sizeof dutch[0]; i++)
    cr_assert_not_null(strstr(html, dutch[i]), "the Dutch report lacks '%s'", dutch[i]);
  cr_assert_null(strstr(html, "What the model assumes"), "English text in the Dutch report");
}

/* Delete obj (a dataset, group or root attribute "@name") from an HDF5 file
 * if it is there. */
static void h5_remove(hid_t f, const char *obj) {
  if (obj[0] == '@') {
    if (H5Aexists(f, obj + 1) > 0) cr_assert_geq(H5Adelete(f, obj + 1), 0, "delete %s", obj);
    return;
  }
  /* H5Lexists needs every parent to exist: check them in order */
  char part[256];
  for (const char *s = strchr(obj + 1, '/');; s = strchr(s + 1, '/')) {
    size_t n = s ? (size_t)(s - obj) : strlen(obj);
    cr_assert_lt(n, sizeof part);
    memcpy(part, obj, n);
    part[n] = '\0';
    if (H5Lexists(f, part, H5P_DEFAULT) <= 0) return;
    if (!s) break;
  }
  cr_assert_geq(H5Ldelete(f, obj, H5P_DEFAULT), 0, "delete %s", obj);
}

Test(report, older_results_file, .timeout = 600) {
  /* a results file as bwsim 0.1 wrote it: without the datasets of the
   * results contract that came later. The report must still be whole, leave
   * the map out and say what is missing. */
  char *res = small_run("res");
  hid_t f = H5Fopen(tpath("res/results.h5"), H5F_ACC_RDWR, H5P_DEFAULT);
  cr_assert_geq(f, 0, "cannot open results.h5");
  const char *newer[] = {"/gemeente/lat", "/gemeente/lon", "/gemeente/is_centrumgemeente",
                         "/gemeente/first_exceed_count", "/gemeente_year/p_exceed_lo",
                         "/gemeente_year/p_exceed_hi", "/risk/p_lo", "/risk/p_hi",
                         "/risk/flag_stable", "/risk/flagged_other_pooling", "/region",
                         "/region_year", "/region_risk", "/variance_split", "@pooling",
                         "@n_unstable"};
  for (size_t i = 0; i < sizeof newer / sizeof newer[0]; i++) h5_remove(f, newer[i]);
  cr_assert_geq(H5Fclose(f), 0);

  proc p = bwsim("report", res, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  int nf;
  char *html = check_report(res, "en", &nf);
  cr_assert(!exists(tpath("res/report/figures/01_map.png")), "a map without centroids");
  cr_assert_null(strstr(html, "id=\"map\""), "a map without centroids");
  cr_assert_geq(count_of(html, "class=\"missing\""), 3, "the report does not say what it lacks");
  cr_assert_not_null(strstr(html, "centroids"), "the report does not say the map is left out");
}

Test(report, missing_results) {
  /* no such directory */
  char *nope = tpath("no_such_dir");
  proc p = bwsim("report", nope, NULL);
  assert_refused(&p, 2, "missing directory");
  cr_assert_not_null(strstr(p.err, nope), "the message does not name %s: %s", nope, p.err);
  cr_assert(!exists(nope), "bwsim report created %s", nope);

  /* a directory without results.h5 */
  char *empty = tpath("empty");
  cr_assert_eq(mkdir(empty, 0755), 0);
  p = bwsim("report", empty, "--lang", "en", NULL);
  assert_refused(&p, 2, "no results.h5");
  cr_assert_not_null(strstr(p.err, "results.h5"), "the message does not name results.h5: %s",
                     p.err);
  int visible, hidden;
  list_dir(empty, &visible, &hidden);
  cr_assert_eq(visible + hidden, 0, "a refused report wrote into %s", empty);
}

Test(report, bad_command_line) {
  char *res = fake_results("res");
  proc p = bwsim("report", res, "--lang", "fr", NULL);
  assert_refused(&p, 2, "--lang fr");
  cr_assert_not_null(strstr(p.err, "--lang"), "the message does not name --lang: %s", p.err);
  p = bwsim("report", res, "--lang=de", NULL);
  assert_refused(&p, 2, "--lang=de");
  p = bwsim("report", res, "--lang", NULL);
  assert_refused(&p, 2, "--lang without a value");
  p = bwsim("report", res, "--colour", NULL);
  assert_refused(&p, 2, "unknown option");
  cr_assert_not_null(strstr(p.err, "--colour"), "the message does not name the option: %s", p.err);
  p = bwsim("report", NULL);
  assert_refused(&p, 2, "no directory");
  p = bwsim("report", res, res, NULL);
  assert_refused(&p, 2, "two directories");
  int visible, hidden;
  list_dir(res, &visible, &hidden);
  cr_assert_eq(visible, 1, "a refused report wrote into %s", res); /* results.h5 only */
  cr_assert_eq(hidden, 0, "a refused report left a temporary in %s", res);

  p = bwsim("report", "--help", NULL);
  cr_assert_eq(p.code, 0);
  cr_assert_not_null(strstr(p.out, "--lang"), "--help does not explain --lang");
  cr_assert_not_null(strstr(p.out, "Example"), "--help has no example");
}

Test(report, failing_script_writes_nothing) {
  char *res = fake_results("res");
  /* a script that writes part of a report, says why it fails, and fails */
  char *script = tpath("fail.py");
  write_text(script,
             "import os, sys\n"
             "out = sys.argv[sys.argv.index('--out') + 1]\n"
             "open(os.path.join(out, 'report.html'), 'w').write('half')\n"
             "sys.stderr.write('deliberate failure of the test script\\n')\n"
             "sys.exit(1)\n");
  size_t cap = strlen(script) + 32;
  char *env_script = tmalloc(cap);
  snprintf(env_script, cap, "BWSIM_REPORT_SCRIPT=%s", script);
  const char *env[] = {env_script, NULL};

  proc p = bwsim_env(env, "report", res, NULL);
  assert_refused(&p, 1, "failing script");
  cr_assert_not_null(strstr(p.err, "deliberate failure"), "the script's message is lost: %s",
                     p.err);
  cr_assert(!exists(tpath("res/report")), "a failed report was installed");
  int visible, hidden;
  list_dir(res, &visible, &hidden);
  cr_assert_eq(hidden, 0, "a failed report left a temporary in %s", res);

  /* with --force, a failure keeps the report that was there */
  cr_assert_eq(mkdir(tpath("res/report"), 0755), 0);
  write_text(tpath("res/report/report.html"), "the previous report");
  p = bwsim_env(env, "report", res, "--force", NULL);
  assert_refused(&p, 1, "failing script with --force");
  cr_assert_str_eq((char *)slurp(tpath("res/report/report.html")).data, "the previous report",
                   "a failed report replaced the previous one");
  list_dir(res, &visible, &hidden);
  cr_assert_eq(hidden, 0, "a failed report left a temporary in %s", res);
}

Test(report, missing_python) {
  char *res = fake_results("res");
  const char *env[] = {"BWSIM_PYTHON=/no/such/python3", NULL};
  proc p = bwsim_env(env, "report", res, NULL);
  assert_refused(&p, 1, "missing interpreter");
  cr_assert_not_null(strstr(p.err, "python3-matplotlib"), "the message does not say what to "
                     "install: %s", p.err);
  int visible, hidden;
  list_dir(res, &visible, &hidden);
  cr_assert_eq(visible + hidden, 1, "a refused report wrote into %s", res);

  /* an interpreter without matplotlib: /bin/false imports nothing */
  const char *env2[] = {"BWSIM_PYTHON=/bin/false", NULL};
  p = bwsim_env(env2, "report", res, NULL);
  assert_refused(&p, 1, "interpreter without matplotlib");
  cr_assert_not_null(strstr(p.err, "scripts/setup.sh"), "the message does not say what to run: %s",
                     p.err);
}
