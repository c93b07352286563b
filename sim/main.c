/* bwsim command line. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <hdf5.h>

#include "checkpoint.h"
#include "cliutil.h"
#include "compare.h"
#include "data_csv.h"
#include "fileset.h"
#include "model.h"
#include "output.h"
#include "params_yaml.h"
#include "report_cmd.h"
#include "run.h"
#include "summary.h"
#include "validate.h"

static const char *const usage_main =
    "bwsim " BW_VERSION " - Monte Carlo microsimulation of the doordecentralisatie of beschermd wonen\n"
    "\n"
    "Usage:\n"
    "  bwsim run [PARAMS.yaml] [options]   simulate a scenario and write the risk list\n"
    "  bwsim compare BASE.yaml OTHER.yaml   scenarios on common random numbers: paired differences\n"
    "  bwsim sweep PARAMS.yaml --grid k=a,b  a grid of parameter values (verdeelmodel benchmarking)\n"
    "  bwsim report DIR [--lang nl|en]      the report (HTML + PDF) of a results, compare or sweep dir\n"
    "  bwsim validate [PARAMS.yaml]         check the model against docs/model.md and the published figures\n"
    "  bwsim merge PART... --out DIR        combine the partial runs of a job array (docs/cluster.md)\n"
    "  bwsim --help | COMMAND --help        explain the options\n"
    "  bwsim --version\n"
    "\n"
    "bwsim simulates every client (stock, new indications, Wlz transfer, step-down, uitstroom)\n"
    "in every gemeente from 2021 to 2031, many times over, and ranks the gemeenten by the\n"
    "probability that their BW + MO cost exceeds their budget by more than EUR 15 per\n"
    "inhabitant in some year of the ingroeipad. The model is described in docs/model.md.\n"
    "\n"
    "Options of run (details: bwsim run --help):\n"
    "  -n, --replications N   -s, --seed S   -t, --threads T\n"
    "  -o, --out DIR          -f, --force    -q, --quiet\n"
    "  --until-stable [--max-replications N]   --exact   --report [--lang nl|en]\n"
    "  --checkpoint-every N|DURATION   --resume DIR   --replications-range A:B\n"
    "  --set KEY=VALUE (also compare, sweep)   --csv-dialect en|nl (also compare, sweep)\n"
    "\n"
    "Example:\n"
    "  bwsim run --report                   default scenario (params/default.yaml), 1000 replications,\n"
    "                                       and the report\n"
    "  bwsim run my.yaml --replications 200 --out results/try --force\n"
    "  bwsim compare params/default.yaml params/scenarios/linear.yaml --report\n";

static const char *const usage_run =
    "Usage: bwsim run [PARAMS.yaml] [options]\n"
    "\n"
    "PARAMS.yaml        scenario file (default: params/default.yaml). Every parameter has the\n"
    "                   default of the model description; a file only needs what it changes.\n"
    "                   'base: FILE' in it loads FILE first (relative to the file; a base can\n"
    "                   have a base) and the file's keys override it. Data paths in a file are\n"
    "                   relative to that file; when no file names them, the shipped tables\n"
    "                   params/data/ are used, so a scenario works from any directory.\n"
    "                   Library: params/scenarios/ (README.md there).\n"
    "Options:\n"
    "      --set KEY=VALUE   set one parameter after the files (repeatable), with the same\n"
    "                        checks as in a file; KEY dotted, VALUE as in YAML:\n"
    "                          --set policy.pooling=region --set flows.wlz.hazard=0.08\n"
    "                          --set budget.verdeelmodel.urbanity=0.8 --set flows.stock.I=20000\n"
    "                          --set 'policy.ingroeipad.custom=[0.2, 0.5, 1]'\n"
    "  -n, --replications N  number of simulated futures (default: run.replications, 1000).\n"
    "                        Monte Carlo error of a flag probability is about 0.5/sqrt(N).\n"
    "  -s, --seed S          random seed (default: run.seed). Same seed + params = same bytes,\n"
    "                        whatever the number of threads or MPI processes.\n"
    "  -t, --threads T       OpenMP threads (default: all cores; also OMP_NUM_THREADS).\n"
    "  -o, --out DIR         output directory (default: results/<run.name>/).\n"
    "  -f, --force           replace existing result files in DIR (otherwise refused).\n"
    "  -q, --quiet           no progress bar and no table; only errors.\n"
    "      --until-stable    run in batches (N, 2N, 4N, ...) until every flag is stable: the 95 %\n"
    "                        interval of its probability lies wholly on one side of p*. Prints how\n"
    "                        many stayed unstable at the cap. Stopping at M gives the same bytes\n"
    "                        as -n M.\n"
    "      --max-replications N  cap for --until-stable (default 100000).\n"
    "      --exact           keep every value and compute exact quantiles and CVaR (memory grows\n"
    "                        with N; for checking the streaming estimates, whose error bounds are\n"
    "                        in results.h5 as err_*).\n"
    "      --report          also write DIR/report/ (report.html, report.pdf; bwsim report --help).\n"
    "      --lang nl|en      language of the report (default nl).\n"
    BW_CSV_DIALECT_HELP
    "  -h, --help            this text.\n"
    "\n"
    "Long runs and clusters (docs/cluster.md):\n"
    "      --checkpoint-every N|DURATION  write DIR/.checkpoint after every N replications\n"
    "                        (1000) or DURATION of running (90s, 10m, 2h). Without it a\n"
    "                        checkpoint is written only when stopped: SIGTERM, SIGINT or SIGUSR1\n"
    "                        let the replications in flight finish, write it and exit with\n"
    "                        code 75, saying how to resume.\n"
    "      --resume DIR      continue the run whose checkpoint is DIR/.checkpoint (DIR is the\n"
    "                        output directory); give the params, --set, -n and -s of that run\n"
    "                        (a checkpoint of another run is refused, naming what differs). Any\n"
    "                        number of threads or processes: the same bytes as a run never\n"
    "                        stopped. The checkpoint is removed when the results are written.\n"
    "      --replications-range A:B  only replications A .. B-1 of the N of the run: writes\n"
    "                        DIR/partial.bwacc instead of the results; bwsim merge combines\n"
    "                        the parts of a job array into the results of one run.\n"
    "      --progress-every S  when stderr is not a terminal (a batch job), a progress line\n"
    "                        every S seconds (default 60; 30s, 5m also read); -q: none.\n"
    "      --allow-memory    run even when the memory estimate printed before the run\n"
    "                        exceeds the available memory (MemAvailable); otherwise refused.\n"
    "--exact and --until-stable run without checkpoints (and cannot be combined with these).\n"
    "\n"
    "Example: a scenario file my.yaml, anywhere:\n"
    "    base: /path/to/bwsim/params/default.yaml   # optional: the defaults are built in\n"
    "    run: {name: my}\n"
    "    policy: {pooling: region}\n"
    "  bwsim run my.yaml --set flags.p_star=0.8 -n 5000\n"
    "results.h5 records the fully resolved params (/provenance params_resolved) and the keys\n"
    "that differ from the defaults (/provenance/changed).\n"
    "\n"
    "Memory does not grow with N: statistics are streamed (docs/statistics.md), so a million\n"
    "replications fit in the memory of a thousand.\n"
    "\n"
    "Writes, atomically (all files or none):\n"
    "  DIR/risk.csv      one row per gemeente, ranked by risk (flagged = a reform year with\n"
    "                    P(shortfall > threshold per inhabitant) >= p*), with the 95 % interval\n"
    "                    of that probability and flag_stable.\n"
    "  DIR/national.csv  national totals per year: mean, sd, q05, q50, q95, CVaR95 with their\n"
    "                    standard errors.\n"
    "  DIR/gemeente_year.csv, DIR/region_year.csv  one row per gemeente (region) and year:\n"
    "                    the shortfall per inhabitant and in euros (mean, q05, q50, q95, each\n"
    "                    with its standard error) and P(shortfall > threshold per inhabitant).\n"
    "  DIR/results.h5    per gemeente x year and region x year statistics with Monte Carlo\n"
    "                    standard errors, national statistics, flags with and without pooling,\n"
    "                    the variance split (uncertainty.outer_draws > 0), provenance; at full\n"
    "                    precision (the CSV files round to the digits of docs/outputs.md).\n"
    "                    xarray: xr.open_dataset(path, group='gemeente_year', engine='h5netcdf').\n"
    "  DIR/run.log       wall time, threads, host (not part of the reproducible result).\n"
    "\n"
    "Exit codes: 0 ok; 2 bad input (params, data, command line, existing output, a locked\n"
    "directory, a checkpoint of another run, not enough memory); 75 stopped by a signal after\n"
    "writing the checkpoint (resume with --resume DIR); 1 other errors. Under MPI every process\n"
    "exits with the same code.\n"
    "MPI: mpirun -n P bwsim run ... splits the replications over P processes (same bytes).\n";

static const char *const usage_merge =
    "Usage: bwsim merge PART... --out DIR [options]\n"
    "\n"
    "Combine the partial statistics of a job array into the results of one run.\n"
    "PART   a directory holding partial.bwacc (or that file), written by\n"
    "         bwsim run PARAMS ... --replications-range A:B --out PART\n"
    "       The parts must have the same params, seed, replications N, data tables and\n"
    "       bwsim version, and their ranges must cover 0 .. N-1 exactly once.\n"
    "Writes DIR/risk.csv, national.csv, gemeente_year.csv, region_year.csv, results.h5:\n"
    "byte-identical to `bwsim run PARAMS ... -n N` in one piece (docs/cluster.md).\n"
    "Options:\n"
    "  -o, --out DIR         output directory (required).\n"
    "  -f, --force           replace existing result files in DIR.\n"
    "  -q, --quiet           no table; only errors.\n"
    BW_CSV_DIALECT_HELP
    "  -h, --help            this text.\n"
    "Exit codes: 0 ok; 2 parts that do not fit together (or bad command line); 1 other errors.\n";

static int usage_error(const char *fmt, const char *arg) { return bw_usage_error("run", fmt, arg); }

typedef struct {
  const char *params;
  bw_common_opts c; /* -n (0 = from params), -s, -t, -o, -f, -q */
  int exact, until_stable, report;
  long long max_replications; /* 0 = default */
  const char *lang;
  /* long runs (docs/cluster.md) */
  long long ckpt_reps;   /* --checkpoint-every N */
  double ckpt_seconds;   /* --checkpoint-every DURATION */
  const char *resume;    /* --resume DIR */
  int have_range;        /* --replications-range A:B */
  long long range_lo, range_hi;
  double progress_every; /* --progress-every (0: 60) */
  int allow_memory;
} run_args;

/* "N" (a count: *count) or "N" followed by s, m or h (a duration: *seconds). */
static int parse_run_args(int argc, char **argv, run_args *a) {
  memset(a, 0, sizeof *a);
  const char *long_opt = NULL; /* the first option of a long run, for messages */
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    const char *val = NULL;
    int taken;
#define OPT(short_, long_) (!strcmp(s, short_) || !strcmp(s, long_))
#define NEED_VALUE()                                                        \
  do {                                                                      \
    if (i + 1 >= argc) return usage_error("option '%s' needs a value", s); \
    val = argv[++i];                                                        \
  } while (0)
    if (OPT("-h", "--help")) {
      fputs(usage_run, stdout);
      return 1;
    } else if ((taken = bw_parse_common_opt("run", argc, argv, &i, 1, 100000000, &a->c)) != 0) {
      if (taken == 2) return 2;
    } else if (!strcmp(s, "--exact")) {
      a->exact = 1;
    } else if (!strcmp(s, "--until-stable")) {
      a->until_stable = 1;
    } else if (!strcmp(s, "--max-replications")) {
      NEED_VALUE();
      if (bw_parse_ll(val, 1, 100000000, &a->max_replications))
        return usage_error("--max-replications: must be a whole number in 1..100000000 (got '%s')", val);
    } else if (!strcmp(s, "--report")) {
      a->report = 1;
    } else if (!strcmp(s, "--lang")) {
      NEED_VALUE();
      if (strcmp(val, "nl") && strcmp(val, "en"))
        return usage_error("--lang: must be nl or en (got '%s')", val);
      a->lang = val;
    } else if (!strcmp(s, "--checkpoint-every")) {
      NEED_VALUE();
      if (bw_parse_every(val, &a->ckpt_reps, &a->ckpt_seconds))
        return usage_error("--checkpoint-every: a number of replications (1000) or a duration (90s, 10m, 2h); "
                           "got '%s'",
                           val);
      long_opt = long_opt ? long_opt : "--checkpoint-every";
    } else if (!strcmp(s, "--resume")) {
      NEED_VALUE();
      if (!*val) return usage_error("--resume: needs the output directory of the run%s", "");
      a->resume = val;
      long_opt = long_opt ? long_opt : "--resume";
    } else if (!strcmp(s, "--replications-range")) {
      NEED_VALUE();
      char tail;
      if (sscanf(val, "%lld:%lld%c", &a->range_lo, &a->range_hi, &tail) != 2 || a->range_lo < 0 ||
          a->range_hi <= a->range_lo || a->range_hi > 100000000 || val[0] == '-' || val[0] == '+')
        return usage_error("--replications-range: A:B with 0 <= A < B, replications A .. B-1 (got '%s')", val);
      a->have_range = 1;
      long_opt = long_opt ? long_opt : "--replications-range";
    } else if (!strcmp(s, "--progress-every")) {
      NEED_VALUE();
      long long n;
      double sec;
      if (bw_parse_every(val, &n, &sec))
        return usage_error("--progress-every: seconds between progress lines (60, 30s, 5m; got '%s')", val);
      a->progress_every = sec > 0 ? sec : (double)n;
    } else if (!strcmp(s, "--allow-memory")) {
      a->allow_memory = 1;
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
  if (a->exact && a->until_stable)
    return usage_error("--exact keeps every value for checking; it cannot be combined with %s",
                       "--until-stable");
  if (a->max_replications && !a->until_stable)
    return usage_error("--max-replications only applies with %s", "--until-stable");
  if (a->lang && !a->report) return usage_error("--lang only applies with %s", "--report");
  if (long_opt && a->exact)
    return usage_error("--exact keeps every value in memory and runs without checkpoints; it cannot be "
                       "combined with %s",
                       long_opt);
  if (long_opt && a->until_stable)
    return usage_error("--until-stable runs without checkpoints; it cannot be combined with %s", long_opt);
  if (a->have_range && a->report)
    return usage_error("--replications-range writes partial statistics, no results: --report belongs to %s",
                       "bwsim merge's results (bwsim report DIR)");
  if (a->resume && a->c.out && strcmp(a->resume, a->c.out))
    return usage_error("--resume DIR continues in DIR: --out must name the same directory (got '%s')", a->c.out);
  return 0;
}

static void write_run_log(const char *dir, const char *command, int force, const bw_params *p, int threads,
                          double seconds, const char *params_path, const char *extra) {
  FILE *f = bw_run_log_open(dir, command);
  if (!f) return;
  fprintf(f, "params %s\nreplications %d seed %llu\nforce %d\n", params_path, p->replications,
          (unsigned long long)p->seed, force);
  if (extra && *extra) fprintf(f, "%s", extra);
  bw_run_log_close(f, threads, seconds);
}

/* What rank 0 does with the statistics of a whole run (run, merge). */
typedef struct {
  const char *out_dir;
  int force, quiet;
  const bw_csv_style *csv;
  int report;
  const char *lang;
  int until_stable;
  long long max_reps;
  double seconds; /* < 0: not a run (merge): no rate line */
} results_opts;

/* The summary of acc, the result files (bw_output_write), the top of the
 * risk table on stdout and the report; p->replications must be the
 * replications in acc. */
static bw_status write_results(const results_opts *o, const bw_acc *acc, const bw_model *m, bw_params *p,
                               bw_ctx *ctx) {
  bw_summary *sum = bw_summary_from_acc(acc, m);
  if (!sum) return bw_fail(ctx, BW_ENOMEM, "out of memory summarising the run");
  char *params_text = bw_params_to_yaml_changed(p); /* what differs from the defaults, after -n/-s */
  bw_status st = BW_OK;
  if (!params_text) {
    st = bw_fail(ctx, BW_ENOMEM, "out of memory writing the params text");
    goto out;
  }
  bw_provenance prov = {0};
  prov.version = BW_VERSION;
  prov.params_text = params_text;
  prov.params_name = p->name;
  prov.seed = p->seed;
  prov.replications = p->replications;
  prov.params = p;
  bw_sha256_bytes(params_text, strlen(params_text), prov.params_sha256);
  if ((st = bw_sha256_file(p->gemeenten_path, prov.gemeenten_sha256, ctx)) != BW_OK ||
      (st = bw_sha256_file(p->regions_path, prov.regions_sha256, ctx)) != BW_OK ||
      (st = bw_output_write(o->out_dir, o->force, sum, m, &prov, o->csv, ctx)) != BW_OK)
    goto out;
  const char *dir = o->out_dir;
  if (!o->quiet) {
    printf("\n");
    bw_output_print_risk(stdout, sum, m, 20);
    if (o->seconds >= 0)
      printf("\n%d replications in %.1f s (%.0f per second).\n", p->replications, o->seconds,
             p->replications / o->seconds);
    else
      printf("\n%d replications.\n", p->replications);
    printf("%d of %d flags stable (95 %% interval of the probability wholly on one side of p* = %g)%s\n",
           sum->ng - sum->n_unstable, sum->ng, sum->p_star,
           sum->n_unstable && !o->until_stable ? "; --until-stable runs until all are" : "");
    if (o->until_stable && sum->n_unstable)
      printf("%d flag%s still unstable at the cap of %lld replications (--max-replications).\n", sum->n_unstable,
             sum->n_unstable == 1 ? "" : "s", o->max_reps);
    printf("Results: %s/risk.csv  %s/national.csv  %s/results.h5\n"
           "         %s/gemeente_year.csv  %s/region_year.csv\n",
           dir, dir, dir, dir, dir);
  }
  if (o->report) {
    char html[PATH_MAX];
    bw_ctx rctx;
    bw_ctx_init(&rctx);
    if (bw_report_write(dir, o->lang ? o->lang : "nl", o->force, o->quiet, html, sizeof html, &rctx) == BW_OK) {
      if (!o->quiet) printf("Report:  %s\n", html);
    } else {
      /* the results are complete and stay; only the report is missing */
      fprintf(stderr, "bwsim: warning: no report: %s\n", rctx.msg[0] ? rctx.msg : bw_strerror(rctx.status));
    }
  }
out:
  bw_summary_free(sum);
  free(params_text);
  return st;
}

/* dir/name */
static void dir_file(char *out, size_t cap, const char *dir, const char *name) {
  snprintf(out, cap, "%s/%s", dir, name);
}

/* Rank 0, before anything runs: the lock of the output directory, then the
 * files the run will write must be absent (or --force), and the checkpoint
 * present exactly when resuming. */
static bw_status prepare_out_dir(const char *dir, const run_args *a, bw_ctx *ctx) {
  /* the directory is this process's until it exits (sim/fileset.h) */
  if (bw_outdir_lock(dir, "run", NULL, ctx) != BW_OK) return ctx->status;
  char path[PATH_MAX + 32];
  struct stat sb;
  dir_file(path, sizeof path, dir, BW_CKPT_NAME);
  int have = lstat(path, &sb) == 0;
  if (a->resume && !have)
    return bw_fail(ctx, BW_EUSAGE,
                   "%s: no checkpoint to resume (it is removed when a run's results are written, and a run "
                   "writes one only with --checkpoint-every or when stopped)",
                   path);
  if (a->have_range) {
    dir_file(path, sizeof path, dir, BW_PARTIAL_NAME);
    if (lstat(path, &sb) == 0 && !a->c.force)
      return bw_fail(ctx, BW_EEXIST, "%s already exists: use --force to replace it, or choose another --out", path);
  } else if (bw_output_prepare(dir, a->c.force, ctx) != BW_OK) {
    return ctx->status;
  }
  dir_file(path, sizeof path, dir, BW_CKPT_NAME);
  if (!a->resume && have) {
    if (!a->c.force)
      return bw_fail(ctx, BW_EEXIST,
                     "%s: the checkpoint of an interrupted run: continue it with --resume %s (and its params), or "
                     "start again with --force",
                     path, dir);
    if (unlink(path) != 0) {
      int e = errno;
      return bw_fail(ctx, BW_EIO, "%s: cannot remove the old checkpoint: %s", path, strerror(e));
    }
  }
  return BW_OK;
}

static void human_bytes(char *buf, size_t cap, double b) {
  if (b >= 1e9) snprintf(buf, cap, "%.1f GB", b / 1e9);
  else snprintf(buf, cap, "%.0f MB", b / 1e6);
}

/* The memory estimate of this process (docs/cluster.md "Memory"), printed
 * by rank 0; a refusal when it exceeds MemAvailable, unless --allow-memory. */
static bw_status check_memory(const bw_model *m, const run_args *a, int threads, long long nrep, bw_ctx *ctx) {
  int packs = bw_mpi_size() > 1 || a->ckpt_reps || a->ckpt_seconds > 0 || a->resume || a->have_range;
  bw_mem_estimate e;
  bw_mem_estimate_run(m, threads, nrep, a->exact, packs, &e);
  char tot[32], acc[32], thr[32], avail[32], store[64] = "";
  human_bytes(tot, sizeof tot, e.total);
  human_bytes(acc, sizeof acc, e.acc + e.packed);
  human_bytes(thr, sizeof thr, e.threads);
  if (e.available > 0) human_bytes(avail, sizeof avail, e.available);
  else snprintf(avail, sizeof avail, "unknown");
  if (a->exact) {
    char b[32];
    human_bytes(b, sizeof b, e.store);
    snprintf(store, sizeof store, ", --exact values %s", b);
  }
  if (!a->c.quiet && bw_mpi_rank() == 0)
    fprintf(stderr, "memory: about %s%s (statistics %s, %d thread%s %s%s); available %s\n", tot,
            bw_mpi_size() > 1 ? " per process" : "", acc, threads, threads == 1 ? "" : "s", thr, store, avail);
  if (e.available > 0 && e.total > e.available && !a->allow_memory)
    return bw_fail(ctx, BW_EUSAGE,
                   "this run needs about %s of memory%s but %s is available (MemAvailable): %s--allow-memory "
                   "runs it anyway",
                   tot, bw_mpi_size() > 1 ? " per process" : "", avail,
                   a->exact ? "--exact keeps every value (fewer replications, or without --exact); "
                            : "fewer threads or fewer processes per node; ");
  return BW_OK;
}

/* The command line that continues a stopped run: this one with --resume DIR. */
static void print_resume_hint(int argc, char **argv, const char *dir, int has_resume) {
  fprintf(stderr, "Continue with:\n  bwsim run");
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    int plain = *s != '\0';
    for (const char *c = s; *c && plain; c++)
      plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+-@%", *c) != NULL;
    if (plain) {
      fprintf(stderr, " %s", s);
      continue;
    }
    fputs(" '", stderr);
    for (const char *c = s; *c; c++)
      if (*c == '\'') fputs("'\\''", stderr);
      else fputc(*c, stderr);
    fputc('\'', stderr);
  }
  if (!has_resume) fprintf(stderr, " --resume %s", dir);
  fputc('\n', stderr);
}

/* The checkpoint writer of the driver (rank 0). */
typedef struct {
  const char *dir;
  const bw_ckpt_id *id;
  const char *yaml;
  const bw_acc *acc;
  int quiet, bar;
} ckpt_saver;

static bw_status save_checkpoint(void *arg, const bw_rangeset *done, bw_ctx *ctx) {
  const ckpt_saver *s = arg;
  double t0 = omp_get_wtime();
  bw_status st = bw_ckpt_write(s->dir, BW_CKPT_NAME, BW_CKPT_CHECKPOINT, s->id, s->yaml, done, s->acc, ctx);
  if (st == BW_OK && !s->quiet)
    fprintf(stderr, "%sbwsim: checkpoint: %lld of %lld replications in %s/%s (%.1f s)\n", s->bar ? "\n" : "",
            bw_rangeset_count(done), s->id->hi - s->id->lo, s->dir, BW_CKPT_NAME, omp_get_wtime() - t0);
  return st;
}

/* Rank 0 of a resumed run: the checkpoint's statistics into acc, its
 * replications into *done, after checking that it is this run's. */
static bw_status load_checkpoint(const char *dir, const bw_ckpt_id *id, const char *yaml, bw_acc *acc,
                                 bw_rangeset *done, bw_ctx *ctx) {
  char path[PATH_MAX + 32];
  dir_file(path, sizeof path, dir, BW_CKPT_NAME);
  bw_ckpt ck;
  if (bw_ckpt_read(path, &ck, ctx) != BW_OK) return ctx->status;
  bw_status st = BW_OK;
  if (ck.kind != BW_CKPT_CHECKPOINT)
    st = bw_fail(ctx, BW_EUSAGE, "%s: not a checkpoint (partial statistics: bwsim merge combines them)", path);
  if (st == BW_OK) st = bw_ckpt_match(path, &ck, id, yaml, 1, ctx);
  if (st == BW_OK) st = bw_acc_unpack_merge(acc, ck.acc, ck.acc_len, ctx);
  if (st == BW_OK && bw_acc_count(acc) != bw_rangeset_count(&ck.done))
    st = bw_fail(ctx, BW_EDATA, "%s: its statistics hold %lld replications, its header says %lld", path,
                 bw_acc_count(acc), bw_rangeset_count(&ck.done));
  if (st == BW_OK) {
    *done = ck.done;
    memset(&ck.done, 0, sizeof ck.done);
  }
  bw_ckpt_free(&ck);
  return st;
}

static int cmd_run(int argc, char **argv) {
  run_args a;
  int rc = parse_run_args(argc, argv, &a);
  if (rc) return rc == 1 ? 0 : rc;
  int rank = bw_mpi_rank();
  bw_ctx ctx;
  bw_ctx_init(&ctx);

  /* params: the given file, or params/default.yaml here or in the source tree */
  char default_path[PATH_MAX];
  const char *params_path = a.params;
  if (!params_path) {
    params_path = "params/default.yaml";
    if (!bw_file_exists(params_path)) {
      snprintf(default_path, sizeof default_path, "%s/params/default.yaml", BW_SOURCE_DIR);
      params_path = default_path;
    }
  }
  bw_params p;
  bw_data data = {0};
  bw_model *m = NULL;
  bw_acc *acc = NULL;
  bw_summary *sum = NULL;
  char *yaml = NULL;
  bw_rangeset done = {0}, todo = {0};
  bw_ckpt_id id;
  int stopped = 0;
  /* Every step that may fail on some processes only is agreed on
   * (bw_mpi_agree) before any process waits for another: all give up
   * together, with the same message and exit code. */
  bw_status st;
  if (a.params && !bw_file_exists(params_path))
    st = bw_fail(&ctx, BW_EUSAGE, "%s: params file not found (or not a regular file)", params_path);
  else
    st = bw_params_load_with(params_path, a.c.sets, a.c.nsets, &p, NULL, &ctx);
  if (bw_mpi_agree(st, &ctx) != BW_OK) goto fail;
  if (a.c.replications) p.replications = (int)a.c.replications;
  if (a.c.have_seed) p.seed = a.c.seed;
  /* the cross-field checks again with -n applied (uncertainty.outer_draws <= replications) */
  if (st == BW_OK && a.c.replications) st = bw_params_validate(&p, "command line", &ctx);
  long long lo = 0, hi = p.replications;
  if (a.have_range) {
    lo = a.range_lo;
    hi = a.range_hi;
    if (hi > p.replications)
      st = bw_fail(&ctx, BW_EUSAGE,
                   "--replications-range %lld:%lld: the run has %d replications (0 .. %d); -n gives the whole "
                   "run's number",
                   lo, hi, p.replications, p.replications - 1);
  }
  if (st == BW_OK) st = bw_data_load(p.gemeenten_path, p.regions_path, &data, &ctx);
  /* the params against the data: nothing can stop the run on its values */
  if (st == BW_OK)
    st = bw_params_check_data(&p, &data, params_path, a.c.sets, a.c.nsets, "command line", 0, &ctx);
  if (bw_mpi_agree(st, &ctx) != BW_OK) goto fail;

  char out_dir[PATH_MAX];
  if (a.resume) snprintf(out_dir, sizeof out_dir, "%s", a.resume);
  else if (a.c.out) snprintf(out_dir, sizeof out_dir, "%s", a.c.out);
  else snprintf(out_dir, sizeof out_dir, "results/%s", p.name);
  st = rank == 0 ? prepare_out_dir(out_dir, &a, &ctx) : BW_OK;
  if (bw_mpi_agree(st, &ctx) != BW_OK) goto fail;

  m = bw_model_create(&p, &data, &ctx);
  if (bw_mpi_agree(m ? BW_OK : ctx.status, &ctx) != BW_OK) goto fail;
  int threads = a.c.threads > 0 ? a.c.threads : omp_get_max_threads();
  /* -t bounds every phase, the summary's parallel loops included (the
   * results do not depend on it) */
  if (a.c.threads > 0) omp_set_num_threads(a.c.threads);
  char part[96] = "";
  if (a.have_range) snprintf(part, sizeof part, " (this part: %lld .. %lld)", lo, hi - 1);
  if (!a.c.quiet && rank == 0)
    fprintf(stderr, "bwsim %s: %s, %d replications%s, seed %llu, %d thread%s%s\n", BW_VERSION, params_path,
            p.replications, part, (unsigned long long)p.seed, threads, threads == 1 ? "" : "s",
            bw_mpi_size() > 1 ? " per process" : "");
  long long max_reps = a.max_replications ? a.max_replications : 100000;
  if (a.until_stable && max_reps < p.replications) max_reps = p.replications;
  if (bw_mpi_agree(check_memory(m, &a, threads, a.until_stable ? max_reps : p.replications, &ctx), &ctx) != BW_OK)
    goto fail;
  acc = bw_acc_create(m, a.exact ? p.replications : 0);
  if (!acc)
    bw_fail(&ctx, BW_ENOMEM, a.exact ? "out of memory: --exact keeps %d replications x %d gemeenten"
                                     : "out of memory allocating the statistics (%d replications, %d gemeenten)",
            p.replications, data.ng);
  if (bw_mpi_agree(acc ? BW_OK : ctx.status, &ctx) != BW_OK) goto fail;
  int tty = isatty(STDERR_FILENO);
  bw_run_opts ro = {a.c.threads, a.c.quiet ? 0 : tty ? BW_PROGRESS_BAR : BW_PROGRESS_LINES, NULL, a.progress_every};
  double t0 = omp_get_wtime();
  int nrep = 0;
  if (a.exact || a.until_stable) {
    /* --until-stable: the first batch is the replications asked for; each
     * next batch doubles the total, until every flag is stable or the cap.
     * The statistics are exact integers, so a run that stops at N gives the
     * same bytes as `-n N`. */
    int next = p.replications;
    for (;;) {
      if (bw_run(m, &ro, acc, nrep, next, &ctx) != BW_OK) goto fail;
      nrep = next;
      if (!a.until_stable) break;
      int unstable = 0;
      st = BW_OK;
      if (rank == 0) {
        sum = bw_summary_from_acc(acc, m);
        if (!sum) st = bw_fail(&ctx, BW_ENOMEM, "out of memory summarising the run");
        else unstable = sum->n_unstable;
        bw_summary_free(sum);
        sum = NULL;
      }
      if (bw_mpi_agree(st, &ctx) != BW_OK) goto fail;
      bw_mpi_bcast_int(&unstable);
      if (unstable == 0 || nrep >= max_reps) break;
      next = nrep > max_reps / 2 ? (int)max_reps : 2 * nrep;
      if (!a.c.quiet && rank == 0)
        fprintf(stderr, "  %d flag%s not yet stable after %d replications: running to %d\n", unstable,
                unstable == 1 ? "" : "s", nrep, next);
    }
  } else {
    /* checkpoints: the run's identity, the replications already done (a
     * resumed run), the rest; a signal stops the run at a checkpoint */
    st = bw_ckpt_identify(&p, lo, hi, &id, &yaml, &ctx);
    if (bw_mpi_agree(st, &ctx) != BW_OK) goto fail;
    st = a.resume && rank == 0 ? load_checkpoint(out_dir, &id, yaml, acc, &done, &ctx) : BW_OK;
    if (bw_mpi_agree(st, &ctx) != BW_OK) goto fail;
    st = bw_mpi_bcast_rangeset(&done) || bw_rangeset_complement(&done, lo, hi, &todo)
             ? bw_fail(&ctx, BW_ENOMEM, "out of memory planning the replications")
             : BW_OK;
    if (bw_mpi_agree(st, &ctx) != BW_OK) goto fail;
    if (a.resume && !a.c.quiet && rank == 0)
      fprintf(stderr, "bwsim: resuming %s: %lld of %lld replications done, %lld to go\n", out_dir,
              bw_rangeset_count(&done), hi - lo, bw_rangeset_count(&todo));
    ckpt_saver saver = {out_dir, &id, yaml, acc, a.c.quiet, ro.progress == BW_PROGRESS_BAR};
    bw_drive_long lr = {a.ckpt_reps, a.ckpt_seconds, &bw_stop_signal, save_checkpoint, &saver, &done, 0,
                        a.progress_every};
    bw_stop_install(rank == 0);
    st = bw_run_set(m, &ro, acc, &todo, &lr, &ctx);
    int sig = bw_stop_signal;
    bw_stop_restore();
    if (st != BW_OK) goto fail;
    if (lr.stopped) {
      if (rank == 0) {
        fprintf(stderr, "bwsim: stopped by %s after %lld of %lld replications; checkpoint: %s/%s\n",
                sig == SIGINT ? "SIGINT" : sig == SIGUSR1 ? "SIGUSR1" : "SIGTERM", bw_rangeset_count(&done),
                hi - lo, out_dir, BW_CKPT_NAME);
        print_resume_hint(argc, argv, out_dir, a.resume != NULL);
      }
      stopped = 1;
      goto cleanup;
    }
    nrep = (int)(hi - lo);
  }
  double seconds = omp_get_wtime() - t0;

  st = BW_OK;
  if (rank == 0) {
    char ckpt[PATH_MAX + 32];
    dir_file(ckpt, sizeof ckpt, out_dir, BW_CKPT_NAME);
    if (a.have_range) {
      st = bw_ckpt_write(out_dir, BW_PARTIAL_NAME, BW_CKPT_PARTIAL, &id, yaml, &done, acc, &ctx);
      if (st == BW_OK && !a.c.quiet)
        printf("Replications %lld .. %lld of %d in %.1f s: %s/%s\nCombine the parts with: bwsim merge PART... "
               "--out DIR\n",
               lo, hi - 1, p.replications, seconds, out_dir, BW_PARTIAL_NAME);
    } else {
      p.replications = nrep;
      results_opts o = {out_dir, a.c.force, a.c.quiet, a.c.csv, a.report, a.lang, a.until_stable, max_reps, seconds};
      st = write_results(&o, acc, m, &p, &ctx);
    }
    if (st == BW_OK) {
      unlink(ckpt); /* the results (or the part) are in place: nothing to resume */
      char extra[256] = "";
      if (a.resume) snprintf(extra, sizeof extra, "resumed 1\n");
      if (!a.have_range) write_run_log(out_dir, NULL, a.c.force, &p, threads, seconds, params_path, extra);
    }
  }
  if (bw_mpi_agree(st, &ctx) != BW_OK) goto fail;
  rc = 0;
  goto cleanup;
fail:
  /* agreed: every process holds this message; one prints it */
  if (rank == 0) fprintf(stderr, "bwsim: error: %s\n", ctx.msg[0] ? ctx.msg : bw_strerror(ctx.status));
  rc = bw_exit_code(ctx.status);
cleanup:
  bw_summary_free(sum);
  bw_acc_free(acc);
  bw_model_free(m);
  bw_data_free(&data);
  free(yaml);
  bw_rangeset_free(&done);
  bw_rangeset_free(&todo);
  return stopped ? BW_EXIT_RESUMABLE : rc;
}

/* ---- bwsim merge: the parts of a job array ------------------------------------ */

/* PART: a directory holding partial.bwacc, or the file. */
static void part_path(const char *part, char *out, size_t cap) {
  struct stat sb;
  if (stat(part, &sb) == 0 && S_ISDIR(sb.st_mode)) dir_file(out, cap, part, BW_PARTIAL_NAME);
  else snprintf(out, cap, "%s", part);
}

static int cmd_merge(int argc, char **argv) {
  bw_common_opts c;
  memset(&c, 0, sizeof c);
  const char **parts = calloc((size_t)(argc > 0 ? argc : 1), sizeof *parts);
  if (!parts) {
    fprintf(stderr, "bwsim merge: out of memory\n");
    return 1;
  }
  int nparts = 0;
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    int taken;
    if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
      fputs(usage_merge, stdout);
      free(parts);
      return 0;
    }
    if ((taken = bw_parse_common_opt("merge", argc, argv, &i, 1, 100000000, &c)) != 0) {
      if (taken == 2 || c.replications || c.have_seed || c.threads || c.nsets) {
        free(parts);
        return taken == 2 ? 2
                          : bw_usage_error("merge", "option '%s' does not apply: the parts fix the params", s);
      }
    } else if (s[0] == '-' && s[1]) {
      free(parts);
      return bw_usage_error("merge", "unknown option '%s'", s);
    } else {
      parts[nparts++] = s;
    }
  }
  if (nparts == 0 || !c.out) {
    free(parts);
    return bw_usage_error("merge", "needs the parts and --out DIR%s", "");
  }
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_params p;
  bw_data data = {0};
  bw_model *m = NULL;
  bw_acc *acc = NULL;
  bw_ckpt ck = {0};
  bw_ckpt_id id;
  char *yaml = NULL;
  bw_range *cover = calloc((size_t)nparts, sizeof *cover);
  bw_rangeset all = {0};
  char path[PATH_MAX + 32], first[PATH_MAX + 32];
  double t0 = omp_get_wtime();
  if (!cover) {
    bw_fail(&ctx, BW_ENOMEM, "out of memory");
    goto fail;
  }
  if (bw_mpi_size() > 1) {
    /* every rank refuses alike: none waits for the others */
    bw_fail(&ctx, BW_EUSAGE, "merge runs in one process; start it without mpirun (here %d processes)",
            bw_mpi_size());
    goto fail;
  }
  /* the first part gives the params; the data tables must be those it ran on */
  for (int k = 0; k < nparts; k++) {
    part_path(parts[k], path, sizeof path);
    if (!bw_file_exists(path)) {
      bw_fail(&ctx, BW_EUSAGE, "%s: no partial statistics (bwsim run --replications-range A:B --out PART writes "
              "PART/%s)", path, BW_PARTIAL_NAME);
      goto fail;
    }
  }
  part_path(parts[0], first, sizeof first);
  if (bw_ckpt_read(first, &ck, &ctx) != BW_OK) goto fail;
  if (bw_params_parse(ck.params_yaml, first, NULL, &p, &ctx) != BW_OK ||
      bw_ckpt_identify(&p, 0, p.replications, &id, &yaml, &ctx) != BW_OK)
    goto fail;
  if (bw_ckpt_match(first, &ck, &id, yaml, 0, &ctx) != BW_OK) goto fail;
  if (bw_data_load(p.gemeenten_path, p.regions_path, &data, &ctx) != BW_OK) goto fail;
  if (bw_outdir_lock(c.out, "merge", NULL, &ctx) != BW_OK || bw_output_prepare(c.out, c.force, &ctx) != BW_OK)
    goto fail;
  if (!(m = bw_model_create(&p, &data, &ctx))) goto fail;
  if (!(acc = bw_acc_create(m, 0))) {
    bw_fail(&ctx, BW_ENOMEM, "out of memory allocating the statistics");
    goto fail;
  }
  for (int k = 0; k < nparts; k++) {
    part_path(parts[k], path, sizeof path);
    if (k > 0 && bw_ckpt_read(path, &ck, &ctx) != BW_OK) goto fail;
    if (ck.kind != BW_CKPT_PARTIAL) {
      bw_fail(&ctx, BW_EUSAGE, "%s: a checkpoint, not the partial statistics of a finished part (resume it first)",
              path);
      goto fail;
    }
    if (bw_ckpt_match(path, &ck, &id, yaml, 0, &ctx) != BW_OK) goto fail;
    if (!bw_rangeset_is(&ck.done, ck.id.lo, ck.id.hi)) {
      bw_fail(&ctx, BW_EDATA, "%s: holds not all of its range %lld:%lld", path, ck.id.lo, ck.id.hi);
      goto fail;
    }
    cover[k] = (bw_range){ck.id.lo, ck.id.hi};
    for (int j = 0; j < k; j++)
      if (cover[j].lo < cover[k].hi && cover[k].lo < cover[j].hi) {
        bw_fail(&ctx, BW_EUSAGE, "%s (replications %lld:%lld) and %s (%lld:%lld) overlap: each replication must be "
                "in one part", parts[j], cover[j].lo, cover[j].hi, parts[k], cover[k].lo, cover[k].hi);
        goto fail;
      }
    if (bw_rangeset_add(&all, ck.id.lo, ck.id.hi)) {
      bw_fail(&ctx, BW_ENOMEM, "out of memory");
      goto fail;
    }
    long long before = bw_acc_count(acc);
    if (bw_acc_unpack_merge(acc, ck.acc, ck.acc_len, &ctx) != BW_OK) goto fail;
    if (bw_acc_count(acc) - before != ck.id.hi - ck.id.lo) {
      bw_fail(&ctx, BW_EDATA, "%s: its statistics hold %lld replications, its range %lld", path,
              bw_acc_count(acc) - before, ck.id.hi - ck.id.lo);
      goto fail;
    }
    bw_ckpt_free(&ck);
  }
  if (!bw_rangeset_is(&all, 0, p.replications)) {
    bw_rangeset missing = {0};
    char text[256] = "?";
    if (bw_rangeset_complement(&all, 0, p.replications, &missing) == 0) bw_rangeset_text(&missing, text, sizeof text);
    bw_rangeset_free(&missing);
    bw_fail(&ctx, BW_EUSAGE, "the parts do not cover the %d replications of the run: missing %s", p.replications,
            text);
    goto fail;
  }
  results_opts o = {c.out, c.force, c.quiet, c.csv, 0, NULL, 0, 0, -1};
  if (write_results(&o, acc, m, &p, &ctx) != BW_OK) goto fail;
  char extra[64];
  snprintf(extra, sizeof extra, "merged_parts %d\n", nparts);
  write_run_log(c.out, "merge", c.force, &p, 1, omp_get_wtime() - t0, first, extra);
  if (!c.quiet) printf("Merged %d parts.\n", nparts);
fail: /* and the way out after success */
  if (ctx.status != BW_OK && bw_mpi_rank() == 0)
    fprintf(stderr, "bwsim merge: error: %s\n", ctx.msg[0] ? ctx.msg : bw_strerror(ctx.status));
  bw_ckpt_free(&ck);
  bw_acc_free(acc);
  bw_model_free(m);
  bw_data_free(&data);
  free(yaml);
  free(cover);
  free(parts);
  bw_rangeset_free(&all);
  return bw_exit_code(ctx.status);
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off();
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  bw_mpi_init(&argc, &argv);
  int rc;
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    fputs(usage_main, argc < 2 ? stderr : stdout);
    rc = argc < 2 ? 2 : 0;
  } else if (!strcmp(argv[1], "--version")) {
    printf("bwsim %s\n", BW_VERSION);
    rc = 0;
  } else if (!strcmp(argv[1], "run")) {
    rc = cmd_run(argc - 2, argv + 2);
  } else if (!strcmp(argv[1], "compare")) {
    rc = bw_compare_main(argc - 1, argv + 1);
  } else if (!strcmp(argv[1], "sweep")) {
    rc = bw_sweep_main(argc - 1, argv + 1);
  } else if (!strcmp(argv[1], "report")) {
    rc = bw_report_main(argc - 1, argv + 1);
  } else if (!strcmp(argv[1], "validate")) {
    rc = bw_validate_main(argc - 1, argv + 1);
  } else if (!strcmp(argv[1], "merge")) {
    rc = cmd_merge(argc - 2, argv + 2);
  } else {
    fprintf(stderr, "bwsim: unknown command '%s'\nTry 'bwsim --help'.\n", argv[1]);
    rc = 2;
  }
  bw_mpi_finalize();
  return rc;
}
