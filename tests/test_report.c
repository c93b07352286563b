/* End-to-end tests of `bwsim report` (sim/report_cmd.c + sim/report.py and
 * sim/report_compare.py, both on the package sim/bwreport).
 *
 * The run report: a small run (tests/data/report/small.yaml, 30
 * replications) is turned into a report, and its files are checked for what
 * a reader relies on. The HTML is self-contained and reads on a phone, every
 * figure is a real PNG with a text alternative, numbered and referred to in
 * the text; the PDF is a whole (tagged) PDF; the summary's counts and the
 * numbers of the tables are those of risk.csv; the drivers of each shortfall
 * add up to it (data/decomposition.csv); no parameter key or package name
 * stands before the technical appendix; the same file gives the same bytes.
 * tests/data/report/results_fixture.py changes a copy of the run's
 * results.h5 so that a computed statement is true in one copy and false in
 * another (every flagged gemeente a centrumgemeente, the flags under the
 * other pooling, illustrative data), the format_version is unknown or
 * missing, or the drivers are absent. An older results file still gives a
 * report with notes; every refusal (missing results, bad option, existing
 * report, missing Python, failing script, unknown format) exits with its code
 * and leaves nothing behind.
 *
 * Each test runs the real executable (BW_BINARY) with fork/exec in its own
 * mkdtemp directory under /tmp, removed by the suite's fini. */
#define _GNU_SOURCE /* execve with a built environment, nftw, mkdtemp */

#include "test_util.h"

#define SMALL_YAML BW_TEST_DIR "/data/report/small.yaml"
#define RESULTS_FIXTURE BW_TEST_DIR "/data/report/results_fixture.py"
#define PYTHON "/usr/bin/python3"

/* base64 of the PNG signature's first 8 bytes: what every embedded image starts with */
#define PNG_B64_PREFIX "iVBORw0KGgo"
#define DATA_URI "data:image/png;base64,"
/* A figure a person can read is at least this many pixels on each side. */
enum { MIN_FIGURE_PX = 300, MAX_FIGURE_PX = 10000, MAX_FIGURES = 32, MAX_ROWS = 400 };

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

static void copy_file(const char *from, const char *to) {
  size_t n;
  char *b = tu_slurp(from, &n);
  FILE *f = fopen(to, "wb");
  cr_assert_not_null(f, "fopen %s: %s", to, strerror(errno));
  cr_assert_eq(fwrite(b, 1, n, f), n, "write %s", to);
  cr_assert_eq(fclose(f), 0, "close %s", to);
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

/* A copy of the results directory from (results.h5 and risk.csv) as
 * tu_tmp_root/name, changed by results_fixture.py with the options given
 * (NULL-terminated). */
static char *variant(const char *from, const char *name, ...) {
  char *dir = tu_path("%s", name);
  cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s: %s", dir, strerror(errno));
  copy_file(tu_join(from, "results.h5"), tu_join(dir, "results.h5"));
  copy_file(tu_join(from, "risk.csv"), tu_join(dir, "risk.csv"));
  char *argv[16] = {PYTHON, RESULTS_FIXTURE, dir};
  int n = 3;
  va_list ap;
  va_start(ap, name);
  for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *)) {
    cr_assert_lt(n, 15);
    argv[n++] = (char *)a;
  }
  va_end(ap);
  argv[n] = NULL;
  tu_proc p = tu_run(argv, NULL, NULL);
  cr_assert_eq(p.code, 0, "results_fixture.py: exit %d\nstderr: %s", p.code, p.err);
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

static int has_weasyprint(void) {
  char *argv[] = {PYTHON, "-c", "import weasyprint", NULL};
  return tu_run(argv, NULL, NULL).code == 0;
}

/* The dataset name of an HDF5 file as the native type (int or double): a
 * block of the suite, *n its size. */
static void *h5_read(const char *file, const char *name, hid_t type, size_t size, size_t *n) {
  hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0, "cannot open %s", file);
  hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
  cr_assert_geq(d, 0, "%s: no dataset %s", file, name);
  hid_t s = H5Dget_space(d);
  hssize_t np = H5Sget_simple_extent_npoints(s);
  cr_assert_gt(np, 0);
  void *v = tu_malloc((size_t)np * size);
  cr_assert_geq(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0, "read %s", name);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  *n = (size_t)np;
  return v;
}

static int *h5_ints(const char *file, const char *name, size_t *n) {
  return h5_read(file, name, H5T_NATIVE_INT, sizeof(int), n);
}

static double *h5_doubles(const char *file, const char *name, size_t *n) {
  return h5_read(file, name, H5T_NATIVE_DOUBLE, sizeof(double), n);
}

static int sum_of(const int *v, size_t n) {
  int k = 0;
  for (size_t i = 0; i < n; i++) k += v[i] != 0;
  return k;
}

/* ---- what a report must be ---------------------------------------------- */

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
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
    cr_assert_gt(strcspn(alt + 6, "\""), 40, "an alt text too short to describe a figure");
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

/* Every figure and table (id="fig-…", id="tab-…") is referred to in the text
 * by a link to it. */
static void check_referenced(const char *html) {
  static const char *const kinds[] = {"id=\"fig-", "id=\"tab-"};
  for (int k = 0; k < 2; k++) {
    for (const char *p = strstr(html, kinds[k]); p; p = strstr(p + 1, kinds[k])) {
      const char *key = p + 4; /* fig-… or tab-… */
      size_t n = strcspn(key, "\"");
      char *href = tu_format("href=\"#%.*s\"", (int)n, key);
      cr_assert_not_null(strstr(html, href), "%.*s is not referred to in the text", (int)n, key);
    }
  }
}

/* Checks the report in res/report and returns its HTML text. Every figure
 * file is a PNG of a readable size; the HTML embeds exactly these figures
 * (as many data URIs, each a PNG, each of the length of one file's base64),
 * each with an alt text and a numbered caption, loads nothing from elsewhere
 * and has a viewport for phones; every figure and table is referred to; the
 * PDF is a whole PDF, tagged where WeasyPrint can; no temporary directory is
 * left in res. */
static char *check_report(const char *res, const char *lang, int *n_figures) {
  char path[1024];
  snprintf(path, sizeof path, "%s/report/report.pdf", res);
  if (has_weasyprint()) {
    size_t pdf_n;
    char *pdf = tu_slurp(path, &pdf_n);
    cr_assert_gt(pdf_n, 1000, "report.pdf is only %zu bytes", pdf_n);
    cr_assert_eq(memcmp(pdf, "%PDF-", 5), 0, "report.pdf does not start with %%PDF-");
    size_t tail = pdf_n > 64 ? pdf_n - 64 : 0;
    cr_assert_not_null(memmem(pdf + tail, pdf_n - tail, "%%EOF", 5),
                       "report.pdf has no %%%%EOF at its end (truncated?)");
    cr_assert_not_null(memmem(pdf, pdf_n, "/StructTreeRoot", 15), "report.pdf is not tagged");
  } else {
    cr_assert(!tu_exists(path), "a report.pdf without WeasyPrint");
  }

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
  cr_assert_geq(nf, 4, "only %d figures", nf);

  snprintf(path, sizeof path, "%s/report/report.html", res);
  char *html = tu_slurp(path, NULL);
  char want[64];
  snprintf(want, sizeof want, "<html lang=\"%s\">", lang);
  cr_assert_not_null(strstr(html, want), "report.html lacks %s", want);
  cr_assert_not_null(strstr(html, "name=\"viewport\""), "no viewport meta");
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
    got[k++] = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
  }
  qsort(got, (size_t)k, sizeof got[0], cmp_size);
  qsort(b64_len, (size_t)nf, sizeof b64_len[0], cmp_size);
  for (int i = 0; i < nf; i++)
    cr_assert_eq(got[i], b64_len[i], "the embedded images are not the figure files");
  cr_assert_eq(check_images(html), nf);
  const char *word = !strcmp(lang, "en") ? "<strong>Figure\xc2\xa0" : "<strong>Figuur\xc2\xa0";
  cr_assert_eq(count_of(html, word), nf, "a figure without a numbered caption");
  check_referenced(html);

  int visible, hidden;
  tu_list_dir(res, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "temporary files left in %s", res);
  *n_figures = nf;
  return html;
}

/* ---- reading risk.csv ---------------------------------------------------- */

/* The rows of risk.csv (names, flags, whole euros) with the numbers of the
 * same rows of results.h5 /risk (full precision, as the report formats them). */
typedef struct {
  int n;
  char code[MAX_ROWS][8], name[MAX_ROWS][40];
  double p[MAX_ROWS], mean[MAX_ROWS], q95[MAX_ROWS], mean_csv[MAX_ROWS];
  int flagged[MAX_ROWS], stable[MAX_ROWS];
} risk_table;

static int column(char **head, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(head[i], name)) return i;
  cr_assert_fail("risk.csv has no column %s", name);
  return -1;
}

static void read_risk(const char *dir, risk_table *t) {
  char *text = tu_slurp(tu_join(dir, "risk.csv"), NULL), *p = text;
  char *head[64], *f[64];
  int nh = tu_csv_next(&p, head, 64);
  int c_code = column(head, nh, "code"), c_name = column(head, nh, "name"),
      c_mean = column(head, nh, "mean_cum_shortfall_eur"), c_flag = column(head, nh, "flagged"),
      c_stable = column(head, nh, "flag_stable");
  t->n = 0;
  while (tu_csv_next(&p, f, 64) == nh) {
    int i = t->n++;
    cr_assert_lt(i, MAX_ROWS);
    snprintf(t->code[i], sizeof t->code[i], "%s", f[c_code]);
    snprintf(t->name[i], sizeof t->name[i], "%s", f[c_name]);
    t->mean_csv[i] = strtod(f[c_mean], NULL);
    t->flagged[i] = atoi(f[c_flag]);
    t->stable[i] = atoi(f[c_stable]);
  }
  cr_assert_gt(t->n, 100, "risk.csv has only %d rows", t->n);
  char *h5 = tu_join(dir, "results.h5");
  size_t n;
  double *prob = h5_doubles(h5, "/risk/p_max_year", &n), *mean, *q95;
  cr_assert_eq(n, (size_t)t->n, "risk.csv and /risk differ in length");
  mean = h5_doubles(h5, "/risk/mean_cum_shortfall_eur", &n);
  q95 = h5_doubles(h5, "/risk/q95_cum_shortfall_eur", &n);
  for (int i = 0; i < t->n; i++) {
    cr_assert(fabs(mean[i] - t->mean_csv[i]) <= 0.5, "row %d: risk.csv and /risk differ", i + 1);
    t->p[i] = prob[i], t->mean[i] = mean[i], t->q95[i] = q95[i];
  }
}

/* ---- the report's formats (English) ---------------------------------------- */

/* x with nd decimals, thousands with commas, a minus sign U+2212 */
static char *fmt_num(double x, int nd) {
  char digits[64];
  snprintf(digits, sizeof digits, "%.*f", nd, fabs(x));
  char *dot = strchr(digits, '.');
  size_t ni = dot ? (size_t)(dot - digits) : strlen(digits);
  char out[96];
  size_t o = 0;
  int zero = strspn(digits, "0.") == strlen(digits);
  if (x < 0 && !zero) o += (size_t)snprintf(out, sizeof out, "\xe2\x88\x92");
  for (size_t i = 0; i < ni; i++) {
    if (i && (ni - i) % 3 == 0) out[o++] = ',';
    out[o++] = digits[i];
  }
  snprintf(out + o, sizeof out - o, "%s", dot ? dot : "");
  return tu_format("%s", out);
}

/* a probability as the report shows it: never on the wrong side of p* */
static char *fmt_pct_p(double p, double pstar) {
  char *s = NULL;
  for (int nd = 0; nd <= 2; nd++) {
    s = fmt_num(100.0 * p, nd);
    double shown = strtod(s, NULL);
    if ((shown >= 100.0 * pstar) == (p >= pstar)) break;
  }
  return tu_format("%s%%", s);
}

/* name as html.escape writes it */
static char *html_name(const char *s) {
  char out[256];
  size_t o = 0;
  for (; *s && o < sizeof out - 8; s++) {
    if (*s == '\'') o += (size_t)snprintf(out + o, sizeof out - o, "&#x27;");
    else if (*s == '&') o += (size_t)snprintf(out + o, sizeof out - o, "&amp;");
    else out[o++] = *s;
  }
  out[o] = '\0';
  return tu_format("%s", out);
}

/* Row r (0-based) of the body of the table id="tab-key", as text. */
static char *table_row(const char *html, const char *key, int r) {
  const char *t = strstr(html, tu_format("id=\"tab-%s\"", key));
  cr_assert_not_null(t, "no table %s", key);
  const char *p = strstr(t, "<tbody>");
  cr_assert_not_null(p);
  for (int i = 0; i <= r; i++) {
    p = strstr(p + 1, "<tr>");
    cr_assert_not_null(p, "table %s has no row %d", key, r + 1);
  }
  const char *end = strstr(p, "</tr>");
  cr_assert_not_null(end);
  return tu_format("%.*s", (int)(end - p), p);
}

/* the cell of gemeente name (with " (c)" or not) */
static void assert_name_cell(const char *row, const char *name, const char *what) {
  const char *a = strstr(row, tu_format(">%s<", html_name(name)));
  const char *b = strstr(row, tu_format(">%s (c)<", html_name(name)));
  cr_assert(a || b, "%s: no cell '%s' in %s", what, name, row);
}

static void assert_cell(const char *row, const char *value, const char *what) {
  cr_assert_not_null(strstr(row, tu_format(">%s<", value)), "%s: no cell '%s' in %s", what, value,
                     row);
}

/* ---- tests -------------------------------------------------------------- */

Test(report, english_dutch_and_replacement, .timeout = 600) {
  char *res = small_run("res");
  tu_proc p = tu_bwsim("report", res, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  cr_assert_not_null(strstr(p.out, "report.html"), "the path of the report is not printed");
  cr_assert_null(strstr(p.err, "refers to"), "a dangling reference: %s", p.err);
  int nf;
  char *html = check_report(res, "en", &nf);
  const char *english[] = {"1. Summary", "2. The evidence", "3. Assumptions and limits",
                           "4. Glossary", "Appendix A. Technical details",
                           "What the model assumes", "Which gemeenten, and how sure",
                           "Why: where the shortfall comes from", "How much money is at stake"};
  for (size_t i = 0; i < sizeof english / sizeof english[0]; i++)
    cr_assert_not_null(strstr(html, english[i]), "the English report lacks '%s'", english[i]);
  cr_assert_null(strstr(html, "Wat het model aanneemt"), "Dutch text in the English report");
  /* the order: summary, evidence, assumptions, glossary, appendix */
  const char *ids[] = {"id=\"sec-summary\"", "id=\"sec-evidence\"", "id=\"sec-assume\"",
                       "id=\"sec-glossary\"", "id=\"sec-tech\""};
  for (size_t i = 1; i < sizeof ids / sizeof ids[0]; i++)
    cr_assert(strstr(html, ids[i - 1]) && strstr(html, ids[i]) &&
                  strstr(html, ids[i - 1]) < strstr(html, ids[i]),
              "%s does not come before %s", ids[i - 1], ids[i]);
  /* the data and the version at the foot; the map's credit */
  cr_assert_not_null(strstr(html, "class=\"footer\">Made with bwsim "), "no footer");
  cr_assert_not_null(strstr(html, "class=\"meta\">bwsim "), "no version under the title");
  cr_assert_not_null(strstr(html, "CC BY 4.0"), "the map's source is not credited");

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
  const char *dutch[] = {"1. Samenvatting", "Wat het model aanneemt",
                         "Welke gemeenten, en hoe zeker", "Signaalkans", "ingroeipad",
                         "Wat u wel en niet kunt concluderen", "Begrippen",
                         "Bijlage A. Technische details"};
  for (size_t i = 0; i < sizeof dutch / sizeof dutch[0]; i++)
    cr_assert_not_null(strstr(html, dutch[i]), "the Dutch report lacks '%s'", dutch[i]);
  cr_assert_null(strstr(html, "What the model assumes"), "English text in the Dutch report");
}

Test(report, numbers_are_those_of_the_run, .timeout = 600) {
  char *res = small_run("res");
  tu_proc p = tu_bwsim("report", res, "--lang", "en", "-q", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  int nfig;
  char *html = check_report(res, "en", &nfig);
  static risk_table t;
  read_risk(res, &t);
  const double pstar = 0.5;

  /* the summary's counts */
  int nf = 0, nfs = 0;
  for (int i = 0; i < t.n; i++) nf += t.flagged[i], nfs += t.flagged[i] && t.stable[i];
  cr_assert_gt(nf, 1, "the small run should flag several gemeenten");
  const char *evidence = strstr(html, "id=\"sec-evidence\"");
  char *want = tu_format("%d of the %d gemeenten (%s%%) are flagged", nf, t.n,
                         fmt_num(100.0 * nf / t.n, 0));
  const char *at = strstr(html, want);
  cr_assert(at && at < evidence, "the summary lacks '%s'", want);
  want = nfs == nf ? tu_format("Every flag is stable")
                   : tu_format("%d of the %d flags are stable", nfs, nf);
  at = strstr(html, want);
  cr_assert(at && at < evidence, "the summary lacks '%s'", want);
  /* the first flagged gemeente is named with its probability */
  want = tu_format("%s (%s)", html_name(t.name[0]), fmt_pct_p(t.p[0], pstar));
  at = strstr(html, want);
  cr_assert(at && at < evidence, "the summary does not name '%s'", want);

  /* the table by probability: the first ten rows of risk.csv */
  for (int r = 0; r < 10; r++) {
    char *row = table_row(html, "top", r);
    assert_name_cell(row, t.name[r], "probability table");
    assert_cell(row, fmt_pct_p(t.p[r], pstar), "probability table");
    assert_cell(row, fmt_num(t.mean[r] / 1e6, 1), "probability table, expected shortfall");
    assert_cell(row, fmt_num(t.q95[r] / 1e6, 1), "probability table, 95% level");
  }
  /* the table by money at stake: the ten largest q95, largest first */
  int order[MAX_ROWS];
  for (int i = 0; i < t.n; i++) order[i] = i;
  for (int i = 1; i < t.n; i++) /* a stable insertion sort by q95 descending */
    for (int j = i; j > 0 && t.q95[order[j]] > t.q95[order[j - 1]]; j--) {
      int x = order[j];
      order[j] = order[j - 1], order[j - 1] = x;
    }
  for (int r = 0; r < 10; r++) {
    char *row = table_row(html, "exposure", r);
    assert_name_cell(row, t.name[order[r]], "exposure table");
    assert_cell(row, fmt_num(t.q95[order[r]] / 1e6, 1), "exposure table, 95% level");
  }

  /* the drivers: the numbers behind the figures add up to the shortfall, for every flagged
   * gemeente and the ten largest amounts at stake */
  char *csv = tu_slurp(tu_join(res, "report/data/decomposition.csv"), NULL), *cp = csv;
  char *head[32], *f[32];
  int nh = tu_csv_next(&cp, head, 32);
  int c_code = column(head, nh, "code"), c_first = column(head, nh, "flagged") + 1,
      c_total = column(head, nh, "total_eur"), c_mean = column(head, nh, "mean_cum_shortfall_eur");
  cr_assert_geq(c_total - c_first, 7, "fewer drivers than the engine writes");
  int seen[MAX_ROWS] = {0}, rows = 0;
  while (tu_csv_next(&cp, f, 32) == nh) {
    double sum = 0.0, total = strtod(f[c_total], NULL), mean = strtod(f[c_mean], NULL);
    for (int j = c_first; j < c_total; j++) sum += strtod(f[j], NULL);
    cr_assert(fabs(sum - total) <= 0.01 * (c_total - c_first), "%s: the drivers add up to %.2f, "
              "the total is %.2f", f[c_code], sum, total);
    cr_assert(fabs(total - mean) <= 1.0, "%s: the drivers add up to %.2f, the expected shortfall "
              "is %.2f", f[c_code], total, mean);
    int i = 0;
    while (i < t.n && strcmp(t.code[i], f[c_code])) i++;
    cr_assert_lt(i, t.n, "%s is not in risk.csv", f[c_code]);
    cr_assert(fabs(mean - t.mean[i]) <= 0.01, "%s: %.2f in the report, %.2f in risk.csv",
              f[c_code], mean, t.mean[i]);
    seen[i] = 1, rows++;
  }
  for (int i = 0; i < t.n; i++)
    if (t.flagged[i]) cr_assert(seen[i], "the drivers of flagged %s are not shown", t.code[i]);
  for (int r = 0; r < 10; r++)
    cr_assert(seen[order[r]], "the drivers of %s (money at stake) are not shown",
              t.code[order[r]]);
  cr_assert_not_null(strstr(html, "id=\"fig-why\""), "no figure of the drivers");
  cr_assert_not_null(strstr(html, "id=\"fig-why_example\""), "no waterfall");

  /* no parameter key, package or mode name before the technical appendix */
  const char *main_start = strstr(html, "<main>"), *tech = strstr(html, "id=\"sec-tech\"");
  cr_assert(main_start && tech);
  char *policy = tu_format("%.*s", (int)(tech - main_start), main_start);
  const char *dev[] = {"policy.",     "flows.",      "uncertainty.enabled", "flags.p_star",
                       "flags.threshold", "run.name", "run.seed",  "budget.budget_index",
                       "p_max_year",  "q95_cum",     "risk.csv",    "easyprint",
                       "python3",     "gmt-gshhg",   "\xe2\x80\x98" "flow\xe2\x80\x99",
                       "outer_draws", "until-stable", "seed"};
  for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
    cr_assert_null(strstr(policy, dev[i]), "'%s' stands before the technical appendix", dev[i]);
  cr_assert_not_null(strstr(tech, "policy.pooling"), "the appendix does not name the keys");

  /* the same file gives the same bytes */
  char h1[65], h2[65], p1[65] = "", p2[65] = "";
  int pdf = tu_exists(tu_join(res, "report/report.pdf"));
  tu_sha256_file(tu_join(res, "report/report.html"), h1);
  if (pdf) tu_sha256_file(tu_join(res, "report/report.pdf"), p1);
  p = tu_bwsim("report", res, "--lang", "en", "-q", "--force", NULL);
  cr_assert_eq(p.code, 0, "bwsim report --force: exit %d\nstderr: %s", p.code, p.err);
  tu_sha256_file(tu_join(res, "report/report.html"), h2);
  if (pdf) tu_sha256_file(tu_join(res, "report/report.pdf"), p2);
  cr_assert_str_eq(h1, h2, "report.html differs between two runs on the same file");
  cr_assert_str_eq(p1, p2, "report.pdf differs between two runs on the same file");
}

/* The report of a variant in English without a PDF (faster): its HTML. */
static char *variant_report(const char *dir) {
  const char *env[] = {"BWSIM_REPORT_NO_PDF=1", NULL};
  tu_proc p = tu_bwsim_env(env, "report", dir, "--lang", "en", "-q", NULL);
  cr_assert_eq(p.code, 0, "bwsim report %s: exit %d\nstderr: %s", dir, p.code, p.err);
  return tu_slurp(tu_join(dir, "report/report.html"), NULL);
}

Test(report, statements_only_when_true, .timeout = 600) {
  char *res = small_run("res");
  const char *all_centrum = "All flagged gemeenten are centrumgemeenten";

  /* every flagged gemeente a centrumgemeente; the flags under the other pooling known;
   * illustrative data */
  char *a = variant(res, "a", "--flag-only-centrum", "--illustrative", "1", NULL);
  char *html = variant_report(a);
  cr_assert_not_null(strstr(html, all_centrum), "'%s' is true but not said", all_centrum);
  size_t n;
  int *other = h5_ints(tu_join(a, "results.h5"), "/risk/flagged_other_pooling", &n);
  int *flagged = h5_ints(tu_join(a, "results.h5"), "/risk/flagged", &n);
  char *want = tu_format("With regional pooling, %d gemeenten would be flagged (now %d)",
                         sum_of(other, n), sum_of(flagged, n));
  cr_assert_not_null(strstr(html, want), "the summary lacks '%s'", want);
  cr_assert_not_null(strstr(html, "class=\"banner\""), "no banner on illustrative data");

  /* a flagged gemeente that is not a centrumgemeente; the other pooling unknown (-1); data
   * that are not illustrative */
  char *b = variant(res, "b", "--flag-non-centrum", "--other-pooling-unknown", "--illustrative",
                    "0", NULL);
  html = variant_report(b);
  cr_assert_null(strstr(html, all_centrum), "'%s' is false but said", all_centrum);
  cr_assert_not_null(strstr(html, "of them are centrumgemeenten"),
                     "the summary does not count the centrumgemeenten");
  cr_assert_null(strstr(html, "would be flagged"), "flags under an unknown pooling are counted");
  cr_assert_null(strstr(html, "class=\"banner\""), "a banner on data that are not illustrative");
  cr_assert_null(strstr(html, "partly constructed"), "data called constructed that are not");
}

Test(report, format_version, .timeout = 300) {
  char *res = small_run("res");
  /* a version this report does not know: refused, nothing written */
  char *v = variant(res, "v99", "--format-version", "99", NULL);
  tu_proc p = tu_bwsim("report", v, "--lang", "en", NULL);
  assert_refused(&p, 1, "format_version 99");
  cr_assert_not_null(strstr(p.err, "format_version 99 is not supported"),
                     "the message does not say why: %s", p.err);
  cr_assert(!tu_exists(tu_join(v, "report")), "a report of an unknown format_version");
  int visible, hidden;
  tu_list_dir(v, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "a refused report left a temporary in %s", v);

  /* no format_version (an older bwsim): a warning, and the report */
  char *old = variant(res, "old", "--no-format-version", NULL);
  const char *env[] = {"BWSIM_REPORT_NO_PDF=1", NULL};
  p = tu_bwsim_env(env, "report", old, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "no format_version: exit %d\nstderr: %s", p.code, p.err);
  cr_assert_not_null(strstr(p.err, "no format_version attribute"), "no warning: %s", p.err);
  char *html = tu_slurp(tu_join(old, "report/report.html"), NULL);
  cr_assert_not_null(strstr(html, "has no format_version"), "the appendix does not say so");
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
   * results contract that came later. The report must still be whole, draw
   * the map from the boundaries and say what is missing. */
  char *res = small_run("res");
  hid_t f = H5Fopen(tu_path("res/results.h5"), H5F_ACC_RDWR, H5P_DEFAULT);
  cr_assert_geq(f, 0, "cannot open results.h5");
  const char *newer[] = {"/gemeente/lat", "/gemeente/lon", "/gemeente/is_centrumgemeente",
                         "/gemeente/first_exceed_count", "/gemeente_year/p_exceed_lo",
                         "/gemeente_year/p_exceed_hi", "/risk/p_lo", "/risk/p_hi",
                         "/risk/flag_stable", "/risk/flagged_other_pooling", "/region",
                         "/region_year", "/region_risk", "/variance_split", "@pooling",
                         "@n_unstable", "@format", "@format_version", "/gemeente/decomposition",
                         "/gemeente_year/decomposition", "/provenance/changed",
                         "/provenance/settings"};
  for (size_t i = 0; i < sizeof newer / sizeof newer[0]; i++) h5_remove(f, newer[i]);
  cr_assert_geq(H5Fclose(f), 0);

  tu_proc p = tu_bwsim("report", res, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  int nf;
  char *html = check_report(res, "en", &nf);
  cr_assert(tu_exists(tu_path("res/report/figures/01_map.png")), "no map from the boundaries");
  cr_assert_null(strstr(html, "id=\"fig-why\""), "drivers without their data");
  const char *notes = strstr(html, "class=\"notes\"");
  cr_assert_not_null(notes, "the report does not say what it lacks");
  cr_assert_geq(count_of(notes, "<li>Not in this results file"), 4,
                "the report does not say what it lacks");
  cr_assert_not_null(strstr(html, "build-up of the shortfall"),
                     "the missing drivers are not named");
}

Test(report, map_without_boundaries, .timeout = 300) {
  char *res = small_run("res");
  char *empty = tu_path("nodata");
  cr_assert_eq(mkdir(empty, 0755), 0);
  const char *env[] = {tu_format("BWSIM_REPORT_DATA_DIR=%s", empty), "BWSIM_REPORT_NO_PDF=1",
                       NULL};
  tu_proc p = tu_bwsim_env(env, "report", res, "--lang", "en", NULL);
  cr_assert_eq(p.code, 0, "bwsim report: exit %d\nstderr: %s", p.code, p.err);
  cr_assert_not_null(strstr(p.err, "gemeenten_2021.geojson"), "no warning: %s", p.err);
  char *html = tu_slurp(tu_path("res/report/report.html"), NULL);
  cr_assert_not_null(strstr(html, "gemeente boundaries (params/data/gemeenten_2021.geojson) are "
                                  "missing"), "the report does not say the boundaries are missing");
  cr_assert(tu_exists(tu_path("res/report/figures/01_map.png")), "no map of dots");
  cr_assert_null(strstr(html, "CC BY 4.0 (Source: CBS)"), "boundaries credited that are not drawn");
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

/* tests/data/report/make_fixture.py KIND tu_tmp_root/name [args...]: a
 * synthetic compare.h5 or sweep.h5 in the layout of bwsim compare / sweep. */
static char *fixture(const char *kind, const char *name, const char *a1, const char *a2) {
  char *dir = tu_path("%s", name);
  char *argv[] = {PYTHON, FIXTURE, (char *)kind, dir, (char *)a1, (char *)a2, NULL};
  tu_proc p = tu_run(argv, NULL, NULL);
  cr_assert_eq(p.code, 0, "make_fixture.py %s: exit %d\nstderr: %s", kind, p.code, p.err);
  return dir;
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
