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

#include "test_util.h"

#define SMALL_YAML BW_TEST_DIR "/data/report/small.yaml"

/* base64 of the PNG signature's first 8 bytes: what every embedded image starts with */
#define PNG_B64_PREFIX "iVBORw0KGgo"
#define DATA_URI "data:image/png;base64,"
/* A figure a person can read is at least this many pixels on each side. */
enum { MIN_FIGURE_PX = 300, MAX_FIGURE_PX = 10000, MAX_FIGURES = 32 };

/* ---- the per-test temporary directory ----------------------------------- */

static void setup(void) { tu_setup("report"); }

TestSuite(report, .init = setup, .fini = tu_teardown);

/* ---- files -------------------------------------------------------------- */

static int count_of(const char *hay, const char *needle) {
  int n = 0;
  size_t k = strlen(needle);
  for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle)) n++;
  return n;
}

/* ---- running the executable --------------------------------------------- */

/* A small run into tu_tmp_root/name. */
static char *small_run(const char *name) {
  char *dir = tu_path("%s", name);
  tu_proc p = tu_bwsim("run", SMALL_YAML, "-o", dir, "-q", NULL);
  cr_assert_eq(p.code, 0, "bwsim run: exit %d\nstderr: %s", p.code, p.err);
  cr_assert(tu_exists(tu_path("%s/results.h5", name)), "bwsim run wrote no results.h5");
  return dir;
}

/* A directory that looks like a results directory to bwsim report (which
 * only checks that results.h5 is there before it runs the script). */
static char *fake_results(const char *name) {
  char *dir = tu_path("%s", name);
  cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s: %s", dir, strerror(errno));
  tu_write_text(tu_path("%s/results.h5", name), "not really HDF5\n");
  return dir;
}

static void assert_refused(const tu_proc *p, int code, const char *what) {
  cr_assert_eq(p->code, code, "%s: exit %d, expected %d\nstderr: %s", what, p->code, code, p->err);
  cr_assert(strstr(p->err, "bwsim report") != NULL, "%s: no message on stderr (got '%s')", what,
            p->err);
}

/* ---- what a report must be ---------------------------------------------- */

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
  size_t pdf_n;
  char *pdf = tu_slurp(path, &pdf_n);
  cr_assert_gt(pdf_n, 1000, "report.pdf is only %zu bytes", pdf_n);
  cr_assert_eq(memcmp(pdf, "%PDF-", 5), 0, "report.pdf does not start with %%PDF-");
  size_t tail = pdf_n > 64 ? pdf_n - 64 : 0;
  cr_assert_not_null(memmem(pdf + tail, pdf_n - tail, "%%EOF", 5),
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
    size_t png_n;
    unsigned char *png = (unsigned char *)tu_slurp(fp, &png_n);
    uint32_t w, h;
    tu_png_size(png, png_n, e->d_name, &w, &h);
    cr_assert(w >= MIN_FIGURE_PX && h >= MIN_FIGURE_PX && w <= MAX_FIGURE_PX &&
                  h <= MAX_FIGURE_PX,
              "%s: %u x %u pixels", e->d_name, w, h);
    b64_len[nf++] = 4 * ((png_n + 2) / 3);
  }
  closedir(d);
  /* the current engine writes what every figure needs but the map's
   * centroids and the regions, which older files may lack */
  cr_assert_geq(nf, 4, "only %d figures", nf);

  snprintf(path, sizeof path, "%s/report/report.html", res);
  char *html = tu_slurp(path, NULL);
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
  tu_list_dir(res, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "temporary files left in %s", res);
  *n_figures = nf;
  return html;
}

/* ---- tests -------------------------------------------------------------- */

Test(report, english_dutch_and_replacement, .timeout = 600) {
  char *res = small_run("res");
  tu_proc p = tu_bwsim("report", res, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  cr_assert_not_null(strstr(p.out, "report.html"), "the path of the report is not printed");
  int nf;
  char *html = check_report(res, "en", &nf);
  cr_assert_not_null(strstr(html, "What the model assumes"), "no English summary");
  cr_assert_not_null(strstr(html, "How sure is each flag"), "no English summary");
  cr_assert_null(strstr(html, "Wat het model aanneemt"), "Dutch text in the English report");

  /* an existing report is refused without --force, and left as it was */
  p = tu_bwsim("report", res, "--lang", "nl", NULL);
  assert_refused(&p, 2, "existing report");
  cr_assert_not_null(strstr(p.err, "/report"), "the refusal does not name the report: %s", p.err);
  cr_assert_not_null(strstr(p.err, "--force"), "the refusal does not say how: %s", p.err);
  check_report(res, "en", &nf);

  /* --force replaces it, here by the Dutch one */
  p = tu_bwsim("report", res, "--lang", "nl", "--force", "-q", NULL);
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
  hid_t f = H5Fopen(tu_path("res/results.h5"), H5F_ACC_RDWR, H5P_DEFAULT);
  cr_assert_geq(f, 0, "cannot open results.h5");
  const char *newer[] = {"/gemeente/lat", "/gemeente/lon", "/gemeente/is_centrumgemeente",
                         "/gemeente/first_exceed_count", "/gemeente_year/p_exceed_lo",
                         "/gemeente_year/p_exceed_hi", "/risk/p_lo", "/risk/p_hi",
                         "/risk/flag_stable", "/risk/flagged_other_pooling", "/region",
                         "/region_year", "/region_risk", "/variance_split", "@pooling",
                         "@n_unstable"};
  for (size_t i = 0; i < sizeof newer / sizeof newer[0]; i++) h5_remove(f, newer[i]);
  cr_assert_geq(H5Fclose(f), 0);

  tu_proc p = tu_bwsim("report", res, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  int nf;
  char *html = check_report(res, "en", &nf);
  cr_assert(!tu_exists(tu_path("res/report/figures/01_map.png")), "a map without centroids");
  cr_assert_null(strstr(html, "id=\"map\""), "a map without centroids");
  cr_assert_geq(count_of(html, "class=\"missing\""), 3, "the report does not say what it lacks");
  cr_assert_not_null(strstr(html, "centroids"), "the report does not say the map is left out");
}

Test(report, missing_results) {
  /* no such directory */
  char *nope = tu_path("no_such_dir");
  tu_proc p = tu_bwsim("report", nope, NULL);
  assert_refused(&p, 2, "missing directory");
  cr_assert_not_null(strstr(p.err, nope), "the message does not name %s: %s", nope, p.err);
  cr_assert(!tu_exists(nope), "bwsim report created %s", nope);

  /* a directory without results.h5 */
  char *empty = tu_path("empty");
  cr_assert_eq(mkdir(empty, 0755), 0);
  p = tu_bwsim("report", empty, "--lang", "en", NULL);
  assert_refused(&p, 2, "no results.h5");
  cr_assert_not_null(strstr(p.err, "results.h5"), "the message does not name results.h5: %s",
                     p.err);
  int visible, hidden;
  tu_list_dir(empty, NULL, &visible, &hidden);
  cr_assert_eq(visible + hidden, 0, "a refused report wrote into %s", empty);
}

Test(report, bad_command_line) {
  char *res = fake_results("res");
  tu_proc p = tu_bwsim("report", res, "--lang", "fr", NULL);
  assert_refused(&p, 2, "--lang fr");
  cr_assert_not_null(strstr(p.err, "--lang"), "the message does not name --lang: %s", p.err);
  p = tu_bwsim("report", res, "--lang=de", NULL);
  assert_refused(&p, 2, "--lang=de");
  p = tu_bwsim("report", res, "--lang", NULL);
  assert_refused(&p, 2, "--lang without a value");
  p = tu_bwsim("report", res, "--colour", NULL);
  assert_refused(&p, 2, "unknown option");
  cr_assert_not_null(strstr(p.err, "--colour"), "the message does not name the option: %s", p.err);
  p = tu_bwsim("report", NULL);
  assert_refused(&p, 2, "no directory");
  p = tu_bwsim("report", res, res, NULL);
  assert_refused(&p, 2, "two directories");
  int visible, hidden;
  tu_list_dir(res, NULL, &visible, &hidden);
  cr_assert_eq(visible, 1, "a refused report wrote into %s", res); /* results.h5 only */
  cr_assert_eq(hidden, 0, "a refused report left a temporary in %s", res);

  p = tu_bwsim("report", "--help", NULL);
  cr_assert_eq(p.code, 0);
  cr_assert_not_null(strstr(p.out, "--lang"), "--help does not explain --lang");
  cr_assert_not_null(strstr(p.out, "Example"), "--help has no example");
}

Test(report, failing_script_writes_nothing) {
  char *res = fake_results("res");
  /* a script that writes part of a report, says why it fails, and fails */
  char *script = tu_path("fail.py");
  tu_write_text(script,
             "import os, sys\n"
             "out = sys.argv[sys.argv.index('--out') + 1]\n"
             "open(os.path.join(out, 'report.html'), 'w').write('half')\n"
             "sys.stderr.write('deliberate failure of the test script\\n')\n"
             "sys.exit(1)\n");
  const char *env[] = {tu_format("BWSIM_REPORT_SCRIPT=%s", script), NULL};

  tu_proc p = tu_bwsim_env(env, "report", res, NULL);
  assert_refused(&p, 1, "failing script");
  cr_assert_not_null(strstr(p.err, "deliberate failure"), "the script's message is lost: %s",
                     p.err);
  cr_assert(!tu_exists(tu_path("res/report")), "a failed report was installed");
  int visible, hidden;
  tu_list_dir(res, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "a failed report left a temporary in %s", res);

  /* with --force, a failure keeps the report that was there */
  cr_assert_eq(mkdir(tu_path("res/report"), 0755), 0);
  tu_write_text(tu_path("res/report/report.html"), "the previous report");
  p = tu_bwsim_env(env, "report", res, "--force", NULL);
  assert_refused(&p, 1, "failing script with --force");
  cr_assert_str_eq(tu_slurp(tu_path("res/report/report.html"), NULL), "the previous report",
                   "a failed report replaced the previous one");
  tu_list_dir(res, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "a failed report left a temporary in %s", res);
}

Test(report, missing_python) {
  char *res = fake_results("res");
  const char *env[] = {"BWSIM_PYTHON=/no/such/python3", NULL};
  tu_proc p = tu_bwsim_env(env, "report", res, NULL);
  assert_refused(&p, 1, "missing interpreter");
  cr_assert_not_null(strstr(p.err, "python3-matplotlib"), "the message does not say what to "
                     "install: %s", p.err);
  int visible, hidden;
  tu_list_dir(res, NULL, &visible, &hidden);
  cr_assert_eq(visible + hidden, 1, "a refused report wrote into %s", res);

  /* an interpreter without matplotlib: /bin/false imports nothing */
  const char *env2[] = {"BWSIM_PYTHON=/bin/false", NULL};
  p = tu_bwsim_env(env2, "report", res, NULL);
  assert_refused(&p, 1, "interpreter without matplotlib");
  cr_assert_not_null(strstr(p.err, "scripts/setup.sh"), "the message does not say what to run: %s",
                     p.err);
}

/* ---- comparison and sweep reports (sim/report_compare.py) --------------- */

#define FIXTURE BW_TEST_DIR "/data/report/make_fixture.py"
#define PYTHON "/usr/bin/python3"

/* tests/data/report/make_fixture.py KIND tu_tmp_root/name [args...]: a
 * synthetic compare.h5 or sweep.h5 in the layout of bwsim compare / sweep. */
static char *fixture(const char *kind, const char *name, const char *a1, const char *a2) {
  char *dir = tu_path("%s", name);
  char *argv[] = {PYTHON, FIXTURE, (char *)kind, dir, (char *)a1, (char *)a2, NULL};
  tu_proc p = tu_run(argv, NULL, NULL);
  cr_assert_eq(p.code, 0, "make_fixture.py %s: exit %d\nstderr: %s", kind, p.code, p.err);
  return dir;
}

static int has_weasyprint(void) {
  char *argv[] = {PYTHON, "-c", "import weasyprint", NULL};
  return tu_run(argv, NULL, NULL).code == 0;
}

/* The int dataset name of an HDF5 file: a block of the suite, *n its size. */
static int *h5_ints(const char *file, const char *name, size_t *n) {
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0, "cannot open %s", file);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  cr_assert_geq(d, 0, "%s: no dataset %s", file, name);
  hid_t s = H5Dget_space(d);
  hssize_t np = H5Sget_simple_extent_npoints(s);
  cr_assert_gt(np, 0);
  int *v = tu_malloc((size_t)np * sizeof *v);
  cr_assert_geq(H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0, "read %s", name);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  *n = (size_t)np;
  return v;
}

/* Every <img> has a non-empty alt text and is an embedded PNG of a readable
 * size; returns how many there are. */
static int check_images(const char *html) {
  int n = 0;
  for (const char *p = strstr(html, "<img"); p; p = strstr(p + 4, "<img"), n++) {
    const char *end = strchr(p, '>');
    cr_assert_not_null(end, "an unterminated <img");
    const char *alt = strstr(p, " alt=\"");
    cr_assert(alt && alt < end, "an <img> without alt text");
    cr_assert_neq(alt[6], '"', "an <img> with an empty alt text");
    const char *src = strstr(p, "src=\"" DATA_URI);
    cr_assert(src && src < end, "an <img> that is not an embedded PNG");
    src += strlen("src=\"" DATA_URI);
    size_t len = strspn(src, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
    cr_assert_eq(strncmp(src, PNG_B64_PREFIX, strlen(PNG_B64_PREFIX)), 0, "not a PNG");
    /* the signature and IHDR are the first 33 bytes: decode 36 (48 characters) */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char raw[36];
    cr_assert_gt(len, 48);
    for (int i = 0; i < 12; i++) {
      uint32_t w = 0;
      for (int j = 0; j < 4; j++) w = w << 6 | (uint32_t)(strchr(b64, src[4 * i + j]) - b64);
      raw[3 * i] = (unsigned char)(w >> 16), raw[3 * i + 1] = (unsigned char)(w >> 8),
      raw[3 * i + 2] = (unsigned char)w;
    }
    uint32_t w, h;
    tu_png_size(raw, sizeof raw, "embedded figure", &w, &h);
    cr_assert(w >= MIN_FIGURE_PX && h >= MIN_FIGURE_PX && w <= MAX_FIGURE_PX && h <= MAX_FIGURE_PX,
              "an embedded figure of %u x %u pixels", w, h);
  }
  return n;
}

/* The report in dir/report: a self-contained HTML page for a phone, in
 * language lang, with numbered figures whose files are in figures/, and a
 * PDF when WeasyPrint is there. Returns the HTML. */
static char *check_compare_report(const char *dir, const char *lang) {
  char *html = tu_slurp(tu_join(dir, "report/report.html"), NULL);
  cr_assert_not_null(strstr(html, tu_format("<html lang=\"%s\">", lang)), "wrong language");
  cr_assert_not_null(strstr(html, "name=\"viewport\""), "no viewport meta");
  cr_assert_null(strstr(html, "<link"), "report.html links an external file");
  cr_assert_eq(count_of(html, "src=\""), count_of(html, "src=\"" DATA_URI),
               "report.html loads something that is not embedded");
  int nimg = check_images(html);
  cr_assert_geq(nimg, 1, "no figure");
  int visible, hidden;
  tu_list_dir(tu_join(dir, "report/figures"), NULL, &visible, &hidden);
  cr_assert_eq(visible, nimg, "%d figure files for %d embedded figures", visible, nimg);
  const char *word = !strcmp(lang, "en") ? "Figure\xc2\xa0" : "Figuur\xc2\xa0";
  cr_assert_eq(count_of(html, "<figcaption><strong>"), nimg, "a figure without a caption");
  cr_assert_geq(count_of(html, word), nimg, "figures are not numbered");
  cr_assert_not_null(strstr(html, "class=\"footer\">"), "no footer");
  cr_assert_not_null(strstr(html, "bwsim 0.2.0-test"), "the footer lacks the bwsim version");
  char *pdf = tu_join(dir, "report/report.pdf");
  if (has_weasyprint()) {
    size_t n;
    char *b = tu_slurp(pdf, &n);
    cr_assert(n > 1000 && !memcmp(b, "%PDF-", 5), "report.pdf is not a PDF");
  } else {
    cr_assert(!tu_exists(pdf), "a report.pdf without WeasyPrint");
  }
  tu_list_dir(dir, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "temporary files left in %s", dir);
  return html;
}

static int count_eq(const int *v, size_t n, int x) {
  int k = 0;
  for (size_t i = 0; i < n; i++) k += v[i] == x;
  return k;
}

Test(report, compare_report, .timeout = 600) {
  char *dir = fixture("compare", "cmp", NULL, NULL);
  tu_proc p = tu_bwsim("report", dir, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  cr_assert_not_null(strstr(p.out, "report.html"), "the path of the report is not printed");
  char *html = check_compare_report(dir, "en");

  /* the counts in the text are those of the file */
  char *h5 = tu_join(dir, "compare.h5");
  for (int k = 1; k <= 2; k++) {
    size_t n, m;
    int *fc = h5_ints(h5, tu_format("/delta/%d/flag_change", k), &n);
    int *st = h5_ints(h5, tu_format("/delta/%d/flag_change_stable", k), &m);
    cr_assert_eq(n, m);
    int gained = count_eq(fc, n, 1), lost = count_eq(fc, n, -1), stable = 0;
    for (size_t i = 0; i < n; i++) stable += fc[i] != 0 && st[i] == 1;
    cr_assert(gained > 1 && lost > 1, "the fixture should change several flags");
    char *want = tu_format("%d gemeenten gain a flag and %d lose one; %d of these changes %s "
                           "statistically stable", gained, lost, stable, stable == 1 ? "is" : "are");
    cr_assert_not_null(strstr(html, want), "scenario %d: '%s' is not in the report", k, want);
  }
  /* parameter keys only in the technical details */
  const char *tech = strstr(html, "<h2>Technical details</h2>");
  cr_assert_not_null(tech, "no technical details");
  const char *key = strstr(html, "policy.");
  cr_assert(key && key > tech, "a parameter key outside the technical details");
  cr_assert_not_null(strstr(html, "times smaller than without shared futures"),
                     "no explanation of the paired margins");

  /* the same file gives the same bytes */
  char h1[65], h2[65], p1[65] = "", p2[65] = "";
  tu_sha256_file(tu_join(dir, "report/report.html"), h1);
  int pdf = tu_exists(tu_join(dir, "report/report.pdf"));
  if (pdf) tu_sha256_file(tu_join(dir, "report/report.pdf"), p1);
  p = tu_bwsim("report", dir, "--lang", "en", "--force", "-q", NULL);
  cr_assert_eq(p.code, 0, "bwsim report --force: exit %d\nstderr: %s", p.code, p.err);
  tu_sha256_file(tu_join(dir, "report/report.html"), h2);
  cr_assert_str_eq(h1, h2, "report.html differs between two runs on the same file");
  if (pdf) {
    tu_sha256_file(tu_join(dir, "report/report.pdf"), p2);
    cr_assert_str_eq(p1, p2, "report.pdf differs between two runs on the same file");
  }

  /* Dutch */
  p = tu_bwsim("report", dir, "--force", "-q", NULL);
  cr_assert_eq(p.code, 0, "bwsim report (nl): exit %d\nstderr: %s", p.code, p.err);
  html = check_compare_report(dir, "nl");
  cr_assert_not_null(strstr(html, "gemeenten een signaal erbij"), "no Dutch summary");
  cr_assert_not_null(strstr(html, "Technische details"), "no Dutch appendix");
  cr_assert_null(strstr(html, "gain a flag"), "English text in the Dutch report");
}

Test(report, sweep_reports, .timeout = 600) {
  /* one key: line charts; two: heat maps; three: small multiples */
  const char *keys[] = {"1", "2", "3"};
  for (int k = 0; k < 3; k++) {
    char *dir = fixture("sweep", tu_format("sweep%s", keys[k]), "--keys", keys[k]);
    tu_proc p = tu_bwsim("report", dir, "--lang", "en", "-q", NULL);
    cr_assert_eq(p.code, 0, "bwsim report (%s keys): exit %d\nstderr: %s", keys[k], p.code, p.err);
    char *html = check_compare_report(dir, "en");
    cr_assert_not_null(strstr(html, k == 0 ? "id=\"fig-lines\"" : "id=\"fig-heat_n\""),
                       "%s keys: not the chart of that many keys", keys[k]);
    /* the counts in the text are those of the file */
    char *h5 = tu_join(dir, "sweep.h5");
    size_t P, n;
    int *nf = h5_ints(h5, "/points/n_flagged", &P);
    int *fl = h5_ints(h5, "/flagged", &n);
    cr_assert_eq(n % P, 0);
    size_t ng = n / P;
    int changers = 0, lo = nf[0], hi = nf[0];
    for (size_t g = 0; g < ng; g++) {
      int c = 0;
      for (size_t i = 0; i < P; i++) c += fl[i * ng + g] != 0;
      changers += c > 0 && c < (int)P;
    }
    for (size_t i = 0; i < P; i++) lo = nf[i] < lo ? nf[i] : lo, hi = nf[i] > hi ? nf[i] : hi;
    char *want = tu_format("%d gemeenten have a flag at some points of the grid and not at others",
                           changers);
    cr_assert_not_null(strstr(html, want), "%s keys: '%s' is not in the report", keys[k], want);
    want = tu_format("ranges from %d (", lo);
    cr_assert_not_null(strstr(html, want), "%s keys: '%s' is not in the report", keys[k], want);
    cr_assert_not_null(strstr(html, tu_format(") to %d (", hi)), "%s keys: no maximum", keys[k]);
    cr_assert_eq(count_of(html, "<tr>") - 1 > (int)P, 1, "the table of all points is short");
    if (k == 1) { /* the same file gives the same bytes */
      char h1[65], h2[65];
      tu_sha256_file(tu_join(dir, "report/report.html"), h1);
      p = tu_bwsim("report", dir, "--lang", "en", "-q", "--force", NULL);
      cr_assert_eq(p.code, 0, "bwsim report --force: exit %d\nstderr: %s", p.code, p.err);
      tu_sha256_file(tu_join(dir, "report/report.html"), h2);
      cr_assert_str_eq(h1, h2, "the sweep report differs between two runs on the same file");
    }
  }
}

Test(report, compare_wrong_format, .timeout = 300) {
  /* a format_version this report does not read: a clear error, no report */
  char *dir = fixture("compare", "v2", "--format-version", "2");
  tu_proc p = tu_bwsim("report", dir, "--lang", "en", NULL);
  cr_assert_neq(p.code, 0, "a compare.h5 of format_version 2 gave a report");
  cr_assert(strstr(p.err, "bwsim report") != NULL, "no message from bwsim report: %s", p.err);
  cr_assert_not_null(strstr(p.err, "format_version 2 is not supported"),
                     "the message does not say why: %s", p.err);
  cr_assert(!tu_exists(tu_join(dir, "report")), "a report directory was left");
  int visible, hidden;
  tu_list_dir(dir, NULL, &visible, &hidden);
  cr_assert_eq(visible + hidden, 1, "a refused report left files in %s", dir);

  /* a file of another format under the name sweep.h5 */
  dir = fixture("sweep", "other", "--format", "bwsim-results");
  p = tu_bwsim("report", dir, NULL);
  cr_assert_neq(p.code, 0, "a sweep.h5 of format bwsim-results gave a report");
  cr_assert_not_null(strstr(p.err, "bwsim-results"), "the message does not name the format: %s",
                     p.err);
  cr_assert(!tu_exists(tu_join(dir, "report")), "a report directory was left");
  tu_list_dir(dir, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "a refused report left a temporary in %s", dir);
}

Test(report, compare_dispatch_and_no_pdf, .timeout = 300) {
  /* compare.h5 and sweep.h5 go to BWSIM_REPORT_COMPARE_SCRIPT with the file
   * itself; BWSIM_REPORT_SCRIPT (runs) is not used */
  char *script = tu_path("echo.py");
  tu_write_text(script,
                "import os, sys\n"
                "out = sys.argv[sys.argv.index('--out') + 1]\n"
                "open(os.path.join(out, 'report.html'), 'w').write(sys.argv[1])\n");
  const char *env[] = {tu_format("BWSIM_REPORT_COMPARE_SCRIPT=%s", script),
                       "BWSIM_REPORT_SCRIPT=/no/such/script.py", NULL};
  const char *files[] = {"compare.h5", "sweep.h5"};
  for (int i = 0; i < 2; i++) {
    char *dir = tu_path("d%d", i);
    cr_assert_eq(mkdir(dir, 0755), 0);
    tu_write_text(tu_join(dir, files[i]), "not read by the test script\n");
    tu_proc p = tu_bwsim_env(env, "report", dir, "-q", NULL);
    cr_assert_eq(p.code, 0, "%s: exit %d\nstderr: %s", files[i], p.code, p.err);
    cr_assert_str_eq(tu_slurp(tu_join(dir, "report/report.html"), NULL), tu_join(dir, files[i]),
                     "the script was not given the file");
  }

  /* without WeasyPrint: report.html only, a warning, exit 0 */
  char *dir = fixture("compare", "nopdf", NULL, NULL);
  const char *env2[] = {"BWSIM_REPORT_NO_PDF=1", NULL};
  tu_proc p = tu_bwsim_env(env2, "report", dir, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report without PDF: exit %d\nstderr: %s", p.code, p.err);
  cr_assert(tu_exists(tu_join(dir, "report/report.html")), "no report.html");
  cr_assert(!tu_exists(tu_join(dir, "report/report.pdf")), "a report.pdf without WeasyPrint");
  cr_assert_not_null(strstr(p.err, "WeasyPrint"), "no warning about the PDF: %s", p.err);
  cr_assert_null(strstr(p.out, "report.pdf"), "the PDF is announced: %s", p.out);
}
