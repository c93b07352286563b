/* `bwsim report DIR`: runs a report script (numpy, h5py, matplotlib, PyYAML;
 * WeasyPrint for the PDF) on what DIR holds into a fresh temporary directory
 * DIR/.report.tmp.XXXXXX and moves that to DIR/report only when the script
 * succeeded, so DIR/report is always a whole report (or absent, or the
 * previous one). DIR/results.h5 (bwsim run) takes sim/report.py; else
 * DIR/compare.h5 (bwsim compare) or DIR/sweep.h5 (bwsim sweep), in that
 * order, takes sim/report_compare.py, which is given the file itself.
 *
 * The interpreter is BWSIM_PYTHON, else /usr/bin/python3 (the Debian python
 * that has python3-matplotlib, not whichever python3 comes first in PATH);
 * the script is BWSIM_REPORT_SCRIPT, else BW_REPORT_SCRIPT (set by CMake to
 * the source tree's sim/report.py), and for comparisons and sweeps
 * BWSIM_REPORT_COMPARE_SCRIPT, else BW_REPORT_COMPARE_SCRIPT. Both scripts are
 * thin entries to the package sim/bwreport, which finds the gemeente
 * boundaries of the map in params/data of the same source tree (or in
 * BWSIM_REPORT_DATA_DIR, which passes through to it). Children run with
 * fork/execv: no shell, so no quoting of DIR is needed. */
#define _GNU_SOURCE /* renameat2, mkdtemp */

#include "report_cmd.h"

#include "cliutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef BW_REPORT_SCRIPT
#define BW_REPORT_SCRIPT "sim/report.py"
#endif
#ifndef BW_REPORT_COMPARE_SCRIPT
#define BW_REPORT_COMPARE_SCRIPT "sim/report_compare.py"
#endif

#define REPORT_NAME "report"
#define DEFAULT_PYTHON "/usr/bin/python3"
#define INSTALL_HINT                                                                   \
  "install python3-matplotlib python3-h5py python3-numpy python3-yaml, or run bash " \
  "scripts/setup.sh run"

enum { PATH_CAP = 4096 };

static const char *const usage_report =
    "Usage: bwsim report DIR [options]\n"
    "\n"
    "Turns a directory written by 'bwsim run', 'bwsim compare' or 'bwsim sweep' into a report\n"
    "that a Taskforce member can read without bwsim:\n"
    "  DIR/report/report.html   one self-contained page (figures embedded): open it in a browser\n"
    "  DIR/report/report.pdf    the same content, for printing\n"
    "  DIR/report/figures/*.png the figures\n"
    "  DIR/report/data/*.csv    the numbers behind the figures of the drivers\n"
    "\n"
    "Contents of the report of a run: (1) a one-page summary in plain language, every\n"
    "statement computed from the file: how many gemeenten are flagged and which, from which\n"
    "year, how sure, how much money is at stake, where it comes from; (2) the evidence: a map\n"
    "of the gemeenten (boundaries, region borders) coloured by flag probability, the ranking\n"
    "by probability with 95% intervals and the ranking by money at stake (95% level of the\n"
    "cumulative shortfall), the drivers of each flagged gemeente's shortfall (BW and MO cost,\n"
    "historical and objective budget, Wlz settlement, MO budget, pooling) as waterfall and\n"
    "stacked bars, first bottleneck years, regions, national fan charts, the share of the\n"
    "spread due to uncertain assumptions (nested runs); (3) assumptions and limits, the data;\n"
    "(4) a glossary; an appendix with the parameters by key. Figures and tables are numbered,\n"
    "every figure has a text alternative; a banner marks illustrative data. Parts that need\n"
    "data an older results file lacks are left out, with a note in the report. A results.h5\n"
    "of a format_version this report does not read is refused.\n"
    "\n"
    "What DIR holds decides the report:\n"
    "  results.h5   (bwsim run)      the report of one scenario, as above.\n"
    "  compare.h5   (bwsim compare)  scenarios against the base: per scenario a one-page\n"
    "               summary (flags gained and lost, how many of those changes are stable),\n"
    "               the flags gained and lost with their probabilities and 95% intervals, a\n"
    "               map of the change in flag probability, the national difference per year\n"
    "               (mean, 5%-95% band), the largest changes with paired margins, and why\n"
    "               paired margins are smaller; the changed settings in an appendix.\n"
    "  sweep.h5     (bwsim sweep)    the outcomes against the grid (one setting: line charts\n"
    "               with 95% error bars; two: heat maps; more: small multiples), a table of\n"
    "               every point and the gemeenten whose flag changes across the grid.\n"
    "The first of these that DIR holds is used. The file's format and format_version are\n"
    "checked: a file of another version is refused with a message and no report.\n"
    "The PDF is the same HTML laid out for A4 by WeasyPrint (Debian: weasyprint), tagged\n"
    "(PDF/UA); without it only report.html is written, with a warning.\n"
    "\n"
    "Options:\n"
    "  -l, --lang nl|en   language of the report (default: nl, Dutch).\n"
    "  -f, --force        replace an existing DIR/report (otherwise refused).\n"
    "  -q, --quiet        print nothing but errors.\n"
    "  -h, --help         this text.\n"
    "\n"
    "Example:\n"
    "  bwsim run -o results/default && bwsim report results/default --lang en\n"
    "  bwsim report results/compare   # a directory written by bwsim compare\n"
    "\n"
    "Needs /usr/bin/python3 with numpy, h5py, matplotlib and PyYAML (Debian: python3-numpy\n"
    "python3-h5py python3-matplotlib python3-yaml; 'bash scripts/setup.sh run' installs them).\n"
    "The map reads params/data/gemeenten_2021.geojson of the source tree (another directory:\n"
    "BWSIM_REPORT_DATA_DIR=dir); without it the map shows dots. Another\n"
    "interpreter: BWSIM_PYTHON=/path/to/python3. Other scripts: BWSIM_REPORT_SCRIPT=path (runs),\n"
    "BWSIM_REPORT_COMPARE_SCRIPT=path (comparisons and sweeps).\n"
    "The report is written to a temporary directory first and appears only when complete.\n"
    "\n"
    "Exit codes: 0 ok; 2 bad input (no results.h5, compare.h5 or sweep.h5 in DIR, bad option,\n"
    "existing report);\n"
    "1 the report could not be made (Python missing or failing; its message is shown).\n";

/* ---- paths -------------------------------------------------------------- */

static bw_status join(char *buf, size_t cap, const char *a, const char *b, bw_ctx *ctx) {
  int n = snprintf(buf, cap, "%s/%s", a, b);
  if (n < 0 || (size_t)n >= cap) return bw_fail(ctx, BW_EUSAGE, "%s/%s: path too long", a, b);
  return BW_OK;
}

static const char *python_path(void) {
  const char *p = getenv("BWSIM_PYTHON");
  return p && *p ? p : DEFAULT_PYTHON;
}

/* What a directory can hold, in the order tried, and the script of each. */
static const struct report_kind {
  const char *file, *env, *script, *name;
} report_kinds[] = {
    {"results.h5", "BWSIM_REPORT_SCRIPT", BW_REPORT_SCRIPT, "sim/report.py"},
    {"compare.h5", "BWSIM_REPORT_COMPARE_SCRIPT", BW_REPORT_COMPARE_SCRIPT, "sim/report_compare.py"},
    {"sweep.h5", "BWSIM_REPORT_COMPARE_SCRIPT", BW_REPORT_COMPARE_SCRIPT, "sim/report_compare.py"},
};

static const char *script_path(const struct report_kind *k) {
  const char *p = getenv(k->env);
  return p && *p ? p : k->script;
}

/* ---- children (run by bw_run_program, sim/cliutil.h) ---------------------- */

/* The interpreter exists and imports what the script needs. */
static bw_status check_python(const char *py, bw_ctx *ctx) {
  if (access(py, X_OK) != 0)
    return bw_fail(ctx, BW_EIO, "%s: no Python interpreter here (%s); " INSTALL_HINT
                   ", or point BWSIM_PYTHON at a python3 that has them",
                   py, strerror(errno));
  char *argv[] = {(char *)py, "-c", "import numpy, h5py, matplotlib, yaml", NULL};
  int rc = bw_run_program(argv, "/dev/null", "/dev/null");
  if (rc < 0) return bw_fail(ctx, BW_EIO, "cannot run %s: %s", py, strerror(errno));
  if (rc != 0)
    return bw_fail(ctx, BW_EIO,
                   "%s cannot import numpy, h5py, matplotlib and yaml, which the report needs: "
                   INSTALL_HINT, py);
  return BW_OK;
}

/* Put the finished temporary directory in place of DIR/report. With an
 * existing report (force), the two are swapped atomically and the old one
 * removed; where the file system cannot swap, the old one is moved aside
 * first. */
static bw_status install(const char *tmp, const char *dest, int replace, bw_ctx *ctx) {
  if (!replace) {
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) == 0) return BW_OK;
    if (errno == EEXIST || errno == ENOTEMPTY)
      return bw_fail(ctx, BW_EEXIST, "%s appeared while the report was made; use --force to "
                     "replace it", dest);
    if (errno != EINVAL && errno != ENOSYS)
      return bw_fail(ctx, BW_EIO, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
    if (rename(tmp, dest) == 0) return BW_OK;
    return bw_fail(ctx, BW_EIO, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
  }
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_EXCHANGE) == 0) {
    /* tmp now holds the old report */
    if (bw_remove_tree(tmp) != 0)
      fprintf(stderr, "bwsim report: warning: could not remove the old report in %s\n", tmp);
    return BW_OK;
  }
  if (errno != EINVAL && errno != ENOSYS)
    return bw_fail(ctx, BW_EIO, "cannot replace %s: %s", dest, strerror(errno));
  char old[PATH_CAP + 8];
  int n = snprintf(old, sizeof old, "%s.old", tmp);
  if (n < 0 || (size_t)n >= sizeof old) return bw_fail(ctx, BW_EIO, "%s: path too long", tmp);
  if (rename(dest, old) != 0)
    return bw_fail(ctx, BW_EIO, "cannot move %s aside: %s", dest, strerror(errno));
  if (rename(tmp, dest) != 0) {
    int e = errno;
    if (rename(old, dest) != 0)
      fprintf(stderr, "bwsim report: the previous report is in %s\n", old);
    return bw_fail(ctx, BW_EIO, "cannot rename %s to %s: %s", tmp, dest, strerror(e));
  }
  if (bw_remove_tree(old) != 0)
    fprintf(stderr, "bwsim report: warning: could not remove the old report in %s\n", old);
  return BW_OK;
}

/* ---- the library entry point -------------------------------------------- */

bw_status bw_report_write(const char *dir, const char *lang, int force, int quiet,
                          char *path_out, size_t cap, bw_ctx *ctx) {
  if (!dir || !*dir) return bw_fail(ctx, BW_EUSAGE, "no results directory given");
  if (!lang) lang = "nl";
  if (strcmp(lang, "nl") && strcmp(lang, "en"))
    return bw_fail(ctx, BW_EUSAGE, "--lang: must be nl or en (got '%s')", lang);

  struct stat sb;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return bw_fail(ctx, BW_EUSAGE, "%s: no such results directory (make one with 'bwsim run "
                   "--out %s')", dir, dir);
  char h5[PATH_CAP], dest[PATH_CAP], tmp[PATH_CAP];
  if (join(dest, sizeof dest, dir, REPORT_NAME, ctx) ||
      join(tmp, sizeof tmp, dir, ".report.tmp.XXXXXX", ctx))
    return ctx->status;
  const struct report_kind *kind = NULL;
  for (size_t i = 0; i < sizeof report_kinds / sizeof report_kinds[0] && !kind; i++) {
    if (join(h5, sizeof h5, dir, report_kinds[i].file, ctx)) return ctx->status;
    if (stat(h5, &sb) == 0 && S_ISREG(sb.st_mode)) kind = &report_kinds[i];
  }
  if (!kind)
    return bw_fail(ctx, BW_EUSAGE, "%s holds no results.h5, compare.h5 or sweep.h5; is it a "
                   "directory written by 'bwsim run', 'bwsim compare' or 'bwsim sweep'?", dir);
  int exists = lstat(dest, &sb) == 0;
  if (exists && !force)
    return bw_fail(ctx, BW_EEXIST, "%s exists; use --force to replace it", dest);

  const char *py = python_path();
  const char *script = script_path(kind);
  bw_status st = check_python(py, ctx);
  if (st != BW_OK) return st;
  if (access(script, R_OK) != 0)
    return bw_fail(ctx, BW_EIO, "%s: cannot read the report script (%s); set %s to %s of "
                   "the bwsim sources", script, strerror(errno), kind->env, kind->name);

  if (!mkdtemp(tmp))
    return bw_fail(ctx, BW_EIO, "cannot create a temporary directory in %s: %s", dir,
                   strerror(errno));
  /* mkdtemp makes it private (0700); the report is as readable as the results */
  mode_t mask = umask(0);
  umask(mask);
  if (chmod(tmp, 0777 & ~mask) != 0) {
    int e = errno;
    bw_remove_tree(tmp);
    return bw_fail(ctx, BW_EIO, "chmod %s: %s", tmp, strerror(e));
  }
  /* report.py reads DIR/results.h5; report_compare.py is given the file */
  const char *input = kind == &report_kinds[0] ? dir : h5;
  char *argv[] = {(char *)py,      (char *)script, (char *)input, "--out", tmp,
                  "--lang",        (char *)lang,   quiet ? "--quiet" : NULL, NULL};
  int rc = bw_run_program(argv, quiet ? "/dev/null" : NULL, NULL);
  if (rc != 0) {
    int e = errno;
    bw_remove_tree(tmp);
    if (rc < 0) return bw_fail(ctx, BW_EIO, "cannot run %s: %s", py, strerror(e));
    return bw_fail(ctx, BW_EIO, "the report script %s failed (exit %d); nothing was written",
                   script, rc);
  }
  st = install(tmp, dest, exists, ctx);
  if (st != BW_OK) {
    bw_remove_tree(tmp);
    return st;
  }
  if (path_out && cap) {
    int n = snprintf(path_out, cap, "%s/report.html", dest);
    if (n < 0 || (size_t)n >= cap) path_out[0] = '\0';
  }
  return BW_OK;
}

/* ---- the command -------------------------------------------------------- */

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "bwsim report: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'bwsim report --help'.\n");
  return 2;
}

int bw_report_main(int argc, char **argv) {
  const char *dir = NULL, *lang = "nl";
  int force = 0, quiet = 0;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
      fputs(usage_report, stdout);
      return 0;
    } else if (!strcmp(s, "-l") || !strcmp(s, "--lang")) {
      if (i + 1 >= argc) return usage_error("option '%s' needs a value (nl or en)", s);
      lang = argv[++i];
      if (strcmp(lang, "nl") && strcmp(lang, "en"))
        return usage_error("--lang: must be nl or en (got '%s')", lang);
    } else if (!strncmp(s, "--lang=", 7)) {
      lang = s + 7;
      if (strcmp(lang, "nl") && strcmp(lang, "en"))
        return usage_error("--lang: must be nl or en (got '%s')", lang);
    } else if (!strcmp(s, "-f") || !strcmp(s, "--force")) {
      force = 1;
    } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
      quiet = 1;
    } else if (s[0] == '-' && s[1]) {
      return usage_error("unknown option '%s'", s);
    } else if (!dir) {
      dir = s;
    } else {
      return usage_error("one results directory only (got also '%s')", s);
    }
  }
  if (!dir) return usage_error("which results directory?%s", " (bwsim report DIR)");

  bw_ctx ctx;
  bw_ctx_init(&ctx);
  char html[PATH_CAP];
  bw_status st = bw_report_write(dir, lang, force, quiet, html, sizeof html, &ctx);
  if (st != BW_OK) {
    fprintf(stderr, "bwsim report: error: %s\n", ctx.msg[0] ? ctx.msg : bw_strerror(st));
    return bw_exit_code(st);
  }
  if (!quiet) {
    /* without WeasyPrint a comparison or sweep report has no PDF (its script warned) */
    char pdf[PATH_CAP];
    size_t n = strlen(html); /* ".../report.html" */
    struct stat sb;
    int has_pdf = 0;
    if (n > 4 && n < sizeof pdf) {
      memcpy(pdf, html, n - 4);
      memcpy(pdf + n - 4, "pdf", 4);
      has_pdf = stat(pdf, &sb) == 0;
    }
    printf("Report: %s (and %sfigures/ beside it)\n", html, has_pdf ? "report.pdf, " : "");
  }
  return 0;
}
