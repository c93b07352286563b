/* `bwsim validate` (issue 5, docs/model.md §15): the checks of docs/model.md
 * §10 and the calibration against the published figures, printed one line
 * per check with the model's value and its Monte Carlo 95 % interval, and a
 * validation report.
 *
 * This file is the command: the arguments, the params and data, the output
 * directory and the exit code. The checks are validate_checks.c, the table,
 * files and plots validate_report.c (map: validate_internal.h).
 *
 * The output directory (sim/fileset.h, as run, compare and sweep): DIR must
 * be absent, empty, or a validation report (it holds validation.txt; then
 * only with --force); another directory is never written into. Its lock is
 * taken before the simulation and held to the end. The report is built in a
 * scratch directory (the plot script reads the data files from it and draws
 * beside them), then committed as one file set with the manifest
 * validate.sha256: a reader sees the old report or the new one, never a mix;
 * files of a replaced report that the new one lacks (plots not drawn this
 * time, files of an older version) are removed with it.
 *
 * Validate runs in one process: the slots are not gathered across MPI
 * processes, and under mpirun with more than one it refuses to start. */
#define _POSIX_C_SOURCE 200809L
#include "validate.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cliutil.h"
#include "fileset.h"
#include "output.h"
#include "params_yaml.h"
#include "validate_internal.h"

enum {
  VAL_DEFAULT_N = 400, /* replications of the params run (docs/model.md §15) */
  VAL_MIN_N = 4, /* a Student-t interval needs a few degrees of freedom */
  VAL_MAX_N = 1000000
};

/* ---- command line -------------------------------------------------------------- */

static const char *const usage_validate =
    "Usage: bwsim validate [PARAMS.yaml] [options]\n"
    "\n"
    "Runs the model and prints one line per check: the published or analytic figure, the\n"
    "model's value with its Monte Carlo 95 % interval, the tolerance, and PASS/FAIL/SKIPPED.\n"
    "  calibration  (docs/model.md §10.6) the params against the published figures of 2021;\n"
    "  analytic     (§10.1-10.3) immigration-death mean and variance, budget conservation to\n"
    "               the cent, ingroeipad end points, ex-post Wlz settlement, stationary start\n"
    "               and the forward-recurrence residual law (Kolmogorov-Smirnov);\n"
    "  kernel       (§10.4) count-based kernel vs individual kernel, national totals per year.\n"
    "What each check means: docs/model.md, section 'bwsim validate'.\n"
    "\n"
    "PARAMS.yaml        params file (default: params/default.yaml).\n"
    "Options:\n"
    "  -n, --replications N  replications of the params run (default 400; 4..1000000).\n"
    "                        The analytic variants scale with N (floors in the docs).\n"
    "  -s, --seed S          random seed (default: run.seed of the params).\n"
    "  -t, --threads T       OpenMP threads (default: all cores). Output does not depend on T.\n"
    "  -o, --out DIR         report directory (default: results/validate/).\n"
    "  -f, --force           replace an existing report in DIR.\n"
    "      --lang nl|en      language of the table and report (default en).\n"
    "  -q, --quiet           no progress bar and no table; only failed checks and errors.\n"
    "  -h, --help            this text.\n"
    "\n"
    "Writes, as one whole set (sim/fileset.h: a reader sees the old report or the new one,\n"
    "checked by its manifest DIR/validate.sha256):\n"
    "  DIR/validation.txt  the printed table;   DIR/validation.csv  one row per check;\n"
    "  DIR/validation_cells.csv  every compared year and care type or quantity;\n"
    "  DIR/fan.csv, residual_samples.csv, residual_density.csv  the data of the plots;\n"
    "  DIR/*.png and DIR/index.html  plots by sim/validate_plots.py (/usr/bin/python3 with\n"
    "                      numpy and matplotlib; skipped with a notice when missing).\n"
    "DIR must be absent, empty or an earlier report (with --force); another directory is\n"
    "never written into.\n"
    "\n"
    "Exit codes: 0 every check passed (or was skipped); 1 a check failed or the run failed;\n"
    "2 bad input (command line, params, data, existing report without --force).\n";

typedef struct {
  const char *params;
  bw_common_opts c; /* -n (preset to VAL_DEFAULT_N), -s, -t, -o, -f, -q */
  int lang;
} val_args;

static int usage_error(const char *fmt, const char *arg) { return bw_usage_error("validate", fmt, arg); }

/* 0 ok, 1 help printed, 2 usage error. */
static int parse_args(int argc, char **argv, val_args *a) {
  memset(a, 0, sizeof *a);
  a->c.replications = VAL_DEFAULT_N;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i], *val = NULL;
    int taken;
#define OPT(short_, long_) (!strcmp(s, short_) || !strcmp(s, long_))
#define NEED_VALUE()                                                        \
  do {                                                                      \
    if (i + 1 >= argc) return usage_error("option '%s' needs a value", s); \
    val = argv[++i];                                                        \
  } while (0)
    if (OPT("-h", "--help")) {
      fputs(usage_validate, stdout);
      return 1;
    } else if ((taken = bw_parse_common_opt("validate", argc, argv, &i, VAL_MIN_N, VAL_MAX_N, &a->c)) != 0) {
      if (taken == 2) return 2;
    } else if (!strcmp(s, "--lang") || !strncmp(s, "--lang=", 7)) {
      if (s[6] == '=') val = s + 7;
      else NEED_VALUE();
      if (!strcmp(val, "en")) a->lang = 0;
      else if (!strcmp(val, "nl")) a->lang = 1;
      else return usage_error("--lang: must be 'nl' or 'en' (got '%s')", val);
    } else if (s[0] == '-' && s[1]) {
      return usage_error("unknown option '%s'", s);
    } else if (!a->params) {
      a->params = s;
    } else {
      return usage_error("only one params file may be given (extra: '%s')", s);
    }
#undef OPT
#undef NEED_VALUE
  }
  return 0;
}


/* ---- the output directory ---------------------------------------------------------- */

/* bwsim's own files in an output directory (lock, temporaries, journal):
 * hidden, and left to sim/fileset.h. */
static int hidden(const char *name) { return name[0] == '.'; }

/* 0 absent or empty (hidden files aside), 2 a validation report (holds
 * validation.txt), 3 another directory, 4 not a directory, -1 error (errno). */
static int dir_state(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return 4;
  DIR *d = opendir(path);
  if (!d) return -1;
  int any = 0, report = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (hidden(e->d_name)) continue;
    any = 1;
    if (!strcmp(e->d_name, "validation.txt")) report = 1;
  }
  closedir(d);
  return !any ? 0 : report ? 2 : 3;
}

/* Is `dir` writable as a report target? Checked before any simulation. */
static bw_status check_out_dir(const char *dir, int state, int force, bw_ctx *ctx) {
  switch (state) {
  case 0: return BW_OK;
  case 2:
    if (force) return BW_OK;
    return bw_fail(ctx, BW_EEXIST, "%s: a validation report exists; use --force to replace it", dir);
  case 3:
    return bw_fail(ctx, BW_EEXIST,
                   "%s: exists and is not a validation report (no validation.txt); not replaced, "
                   "even with --force: choose another --out",
                   dir);
  case 4: return bw_fail(ctx, BW_EEXIST, "%s: exists and is not a directory", dir);
  default: return bw_fail(ctx, BW_EIO, "%s: %s", dir, strerror(errno));
  }
}

static int listed(const char *name, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (!strcmp(name, names[i])) return 1;
  return 0;
}

/* After --force replaced a report: remove its files (or links to them,
 * sim/fileset.h) that the new one does not hold (keep[0..n)), as if the
 * directory had been replaced whole. */
static void remove_stale(const char *dir, const char *const *keep, int n) {
  DIR *d = opendir(dir);
  if (!d) return;
  char *gone[64];
  int ng = 0;
  struct dirent *e;
  while ((e = readdir(d)) && ng < 64)
    if (!hidden(e->d_name) && !listed(e->d_name, keep, n) && (gone[ng] = strdup(e->d_name))) ng++;
  closedir(d);
  char path[PATH_MAX + 256];
  for (int i = 0; i < ng; i++) {
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, gone[i]);
    if (lstat(path, &sb) == 0 && (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) && unlink(path) != 0)
      fprintf(stderr, "bwsim validate: warning: could not remove %s of the old report\n", path);
    free(gone[i]);
  }
}

/* ---- building and committing the report -------------------------------------------- */

static bw_status write_file(const char *dir, const val_file *vf, const vstate *s, const char *arg, bw_ctx *ctx) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", dir, vf->name);
  FILE *f = fopen(path, "w");
  if (!f) return bw_fail(ctx, BW_EIO, "%s: %s", path, strerror(errno));
  int rc = vf->fn(f, s, arg);
  if (rc != 0 || ferror(f)) {
    fclose(f);
    return bw_fail(ctx, rc == -1 ? BW_ENOMEM : BW_EIO, "%s: write failed", path);
  }
  if (fclose(f) != 0) return bw_fail(ctx, BW_EIO, "%s: %s", path, strerror(errno));
  return BW_OK;
}

/* A file of the scratch directory copied into a temporary of the set. */
typedef struct {
  char path[PATH_MAX + 64];
  int err; /* errno of a failed read */
} copy_src;

static void copy_file(FILE *f, const void *arg) {
  copy_src *c = (copy_src *)arg; /* not const: the read error is returned in it */
  FILE *in = fopen(c->path, "rb");
  if (!in) {
    c->err = errno;
    return;
  }
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, f);
  if (ferror(in)) c->err = EIO;
  fclose(in);
}

/* Commit names[0..n) of scratch into out as the set `what` (sim/fileset.h). */
static bw_status commit_set(const char *scratch, const char *out, const char *what, const char *const *names,
                            int n, int force, const char *run_id, bw_ctx *ctx) {
  bw_fileset fs;
  bw_status st = bw_fileset_prepare(&fs, out, what, names, n, force, ctx);
  if (st != BW_OK) return st;
  for (int i = 0; i < n && st == BW_OK; i++) {
    copy_src c = {"", 0};
    snprintf(c.path, sizeof c.path, "%s/%s", scratch, names[i]);
    st = bw_fileset_write_text(&fs, i, copy_file, &c, ctx);
    if (st == BW_OK && c.err) st = bw_fail(ctx, BW_EIO, "%s: %s", c.path, strerror(c.err));
  }
  if (st != BW_OK) {
    bw_fileset_abort(&fs);
    return st;
  }
  return bw_fileset_commit(&fs, run_id, ctx);
}

/* The run id of the manifests (sim/output.h): what made the numbers. */
static bw_status validate_run_id(const vstate *s, char run_id[65], bw_ctx *ctx) {
  char gem[65], reg[65];
  bw_status st;
  if ((st = bw_sha256_file(s->p.gemeenten_path, gem, ctx)) != BW_OK ||
      (st = bw_sha256_file(s->p.regions_path, reg, ctx)) != BW_OK)
    return st;
  char *yaml = bw_params_to_yaml(&s->p);
  if (!yaml) return bw_fail(ctx, BW_ENOMEM, "out of memory");
  const char *name = s->p.name, *const yamls[1] = {yaml};
  const bw_run_identity who = {"validate", "", s->p.seed, s->N, gem, reg, 1, &name, yamls};
  st = bw_run_id(&who, run_id, ctx);
  free(yaml);
  return st;
}

/* Write every file of the report and the plots into a scratch directory,
 * then commit them into out: the data files, then the plots, then remove
 * what a replaced report held besides (replacing: out was a report). Sets
 * *plots_skipped and why. */
static bw_status write_report(const vstate *s, const char *header, const char *out, int force, int replacing,
                              int *plots_skipped, char *why, size_t cap, bw_ctx *ctx) {
  const char *tmpdir = getenv("TMPDIR");
  char scratch[PATH_MAX];
  if (snprintf(scratch, sizeof scratch, "%s/bwsim-validate.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp") >=
          (int)sizeof scratch ||
      !mkdtemp(scratch))
    return bw_fail(ctx, BW_EIO, "%s: cannot make a scratch directory: %s", scratch, strerror(errno));
  bw_status st = BW_OK;
  const char *names[VAL_NFILES + 1 + VAL_NPLOTS];
  for (int i = 0; i < VAL_NFILES && st == BW_OK; i++) {
    names[i] = val_files[i].name;
    st = write_file(scratch, &val_files[i], s, i == 0 ? header : NULL, ctx);
  }
  char run_id[65];
  if (st == BW_OK) {
    *plots_skipped = val_draw_plots(scratch, why, cap);
    st = validate_run_id(s, run_id, ctx);
  }
  int n = VAL_NFILES;
  if (!*plots_skipped)
    for (int i = 0; i < VAL_NPLOTS; i++) names[n++] = val_plot_files[i];
  if (st == BW_OK) st = commit_set(scratch, out, "validate", names, n, force, run_id, ctx);
  if (st == BW_OK && replacing) {
    names[n++] = "validate.sha256";
    remove_stale(out, names, n);
  }
  bw_remove_tree(scratch);
  return st;
}

/* ---- main ---- */

int bw_validate_main(int argc, char **argv) {
  val_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc == 1 ? 0 : rc;
  vstate *s = calloc(1, sizeof *s);
  if (!s) {
    fputs("bwsim validate: out of memory\n", stderr);
    return 1;
  }
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  s->rep.lang = a.lang;
  char params_path[PATH_MAX];
  const char *out = a.c.out ? a.c.out : "results/validate";
  bw_outdir_lock_t *lock = NULL;
  int exit_code = 1, have_data = 0;
  /* the replications' slots are not gathered across MPI processes (run_reps):
   * every rank refuses alike, so that none waits for the others */
  if (bw_mpi_size() > 1) {
    bw_fail(&ctx, BW_EUSAGE, "validate runs in one process; start it without mpirun (here %d processes)",
            bw_mpi_size());
    goto fail;
  }

  /* params: the given file, or params/default.yaml here or in the source tree */
  if (a.params) {
    snprintf(params_path, sizeof params_path, "%s", a.params);
    if (!bw_file_exists(params_path)) {
      bw_fail(&ctx, BW_EUSAGE, "%s: params file not found (or not a regular file)", params_path);
      goto fail;
    }
  } else if (bw_file_exists("params/default.yaml")) {
    snprintf(params_path, sizeof params_path, "params/default.yaml");
  } else {
    snprintf(params_path, sizeof params_path, "%s/params/default.yaml", BW_SOURCE_DIR);
  }
  if (bw_params_load(params_path, &s->p, NULL, &ctx) != BW_OK) goto fail;
  if (a.c.have_seed) s->p.seed = a.c.seed;
  s->p.kernel = BW_KERNEL_INDIVIDUAL;
  if (bw_data_load(s->p.gemeenten_path, s->p.regions_path, &s->d, &ctx) != BW_OK) goto fail;
  have_data = 1;
  /* the output directory: refused before any simulation, then locked to the end */
  int state = dir_state(out);
  if (check_out_dir(out, state, a.c.force, &ctx) != BW_OK) goto fail;
  if (bw_outdir_lock(out, "validate", &lock, &ctx) != BW_OK) goto fail;
  {
    bw_fileset fs; /* a check that the files can be written: nothing written yet */
    const char *names[VAL_NFILES];
    for (int i = 0; i < VAL_NFILES; i++) names[i] = val_files[i].name;
    if (bw_fileset_prepare(&fs, out, "validate", names, VAL_NFILES, a.c.force, &ctx) != BW_OK) goto fail;
    bw_fileset_abort(&fs);
  }

  s->N = (int)a.c.replications;
  s->ny = bw_params_nyears(&s->p);
  s->ro.threads = a.c.threads;
  s->ro.progress = !a.c.quiet && isatty(STDERR_FILENO);
  int threads = a.c.threads > 0 ? a.c.threads : omp_get_max_threads();
  if (!a.c.quiet)
    fprintf(stderr, "bwsim %s validate: %s, %d replications, seed %llu, %d thread%s\n", BW_VERSION, params_path,
            s->N, (unsigned long long)s->p.seed, threads, threads == 1 ? "" : "s");
  if (val_run_checks(s, &ctx) != BW_OK) goto fail;

  int nfail = 0, nskip = 0, npass = 0;
  for (int i = 0; i < s->rep.n; i++) {
    if (s->rep.c[i].status == ST_FAIL) nfail++;
    else if (s->rep.c[i].status == ST_SKIP) nskip++;
    else npass++;
  }
  /* no paths in the report files (CONVENTIONS: only what the result depends on) */
  const char *params_base = strrchr(params_path, '/') ? strrchr(params_path, '/') + 1 : params_path;
  char header[1024];
  snprintf(header, sizeof header,
           TR(&s->rep,
              "bwsim %s validate: %s (scenario '%s'), seed %llu, %d replications of the params run\n"
              "Interval: 95 %% Monte Carlo interval of the model's mean (Student t). A calibration check\n"
              "passes when that interval meets figure ± tolerance; a statistical check when every\n"
              "compared year lies within 4 standard errors. Cells: validation_cells.csv.\n",
              "bwsim %s validate: %s (scenario '%s'), seed %llu, %d replicaties van de params-run\n"
              "Interval: 95%%-Monte-Carlo-interval van het gemiddelde van het model (Student t). Een\n"
              "kalibratiecontrole slaagt als dat interval cijfer ± tolerantie raakt; een statistische\n"
              "controle als elk vergeleken jaar binnen 4 standaardfouten ligt. Cellen: validation_cells.csv.\n"),
           BW_VERSION, params_base, s->p.name, (unsigned long long)s->p.seed, s->N);

  char why[640] = "";
  int plots_skipped = 1;
  if (write_report(s, header, out, a.c.force, state == 2, &plots_skipped, why, sizeof why, &ctx) != BW_OK)
    goto fail;

  if (!a.c.quiet) {
    val_print_table(stdout, &s->rep, header, 0);
    printf("\n%d %s, %d %s, %d %s.\n", npass, "PASS", nfail, "FAIL", nskip, "SKIPPED");
    if (plots_skipped)
      printf(TR(&s->rep, "Plots skipped: %s.\n", "Grafieken overgeslagen: %s.\n"), why);
    printf(TR(&s->rep, "Report: %s/validation.txt  %s/validation.csv%s\n", "Rapport: %s/validation.txt  %s/validation.csv%s\n"),
           out, out, plots_skipped ? "" : "  index.html");
  } else {
    val_print_table(stdout, &s->rep, "", 1);
    if (plots_skipped) fprintf(stderr, "bwsim validate: plots skipped: %s\n", why);
  }
  exit_code = nfail ? 1 : 0;
  goto done;

fail:
  fprintf(stderr, "bwsim validate: error: %s\n", ctx.msg[0] ? ctx.msg : bw_strerror(ctx.status));
  exit_code = bw_exit_code(ctx.status);
done:
  bw_outdir_unlock(lock);
  val_state_free(s);
  if (have_data) bw_data_free(&s->d);
  free(s);
  return exit_code;
}
