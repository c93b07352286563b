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
    "\n"
    "Example:\n"
    "  bwsim run --report                   default scenario (params/default.yaml), 1000 replications,\n"
    "                                       and the report\n"
    "  bwsim run my.yaml --replications 200 --out results/try --force\n";

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
    "Exit codes: 0 ok; 2 bad input (params, data, command line, existing output); 1 other errors.\n"
    "MPI: mpirun -n P bwsim run ... splits the replications over P processes (same bytes).\n";

static int usage_error(const char *fmt, const char *arg) { return bw_usage_error("run", fmt, arg); }

/* Parse a whole decimal integer in [lo, hi]. */



typedef struct {
  const char *params;
  bw_common_opts c; /* -n (0 = from params), -s, -t, -o, -f, -q */
  int exact, until_stable, report;
  long long max_replications; /* 0 = default */
  const char *lang;
} run_args;

static int parse_run_args(int argc, char **argv, run_args *a) {
  memset(a, 0, sizeof *a);
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
  return 0;
}

static void write_run_log(const char *dir, const run_args *a, const bw_params *p, int threads,
                          double seconds, const char *params_path) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/run.log", dir);
  FILE *f = fopen(path, "w");
  if (!f) return;
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  time_t now = time(NULL);
  char when[64];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
  fprintf(f, "bwsim %s\nfinished %s on %s\nparams %s\nreplications %d seed %llu\n", BW_VERSION, when,
          host, params_path, p->replications, (unsigned long long)p->seed);
  fprintf(f, "threads %d mpi_processes %d\nwall_seconds %.3f\nforce %d\n", threads, bw_mpi_size(),
          seconds, a->c.force);
  fclose(f);
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
  char *params_text = NULL; /* what differs from the defaults, after -n/-s: reproduces the run */
  bw_data data = {0};
  bw_model *m = NULL;
  bw_acc *acc = NULL;
  bw_summary *sum = NULL;
  if (a.params && !bw_file_exists(params_path)) {
    bw_fail(&ctx, BW_EUSAGE, "%s: params file not found (or not a regular file)", params_path);
    goto fail;
  }
  if (bw_params_load_with(params_path, a.c.sets, a.c.nsets, &p, NULL, &ctx) != BW_OK) goto fail;
  if (a.c.replications) p.replications = (int)a.c.replications;
  if (a.c.have_seed) p.seed = a.c.seed;
  if (bw_data_load(p.gemeenten_path, p.regions_path, &data, &ctx) != BW_OK) goto fail;

  char out_dir[PATH_MAX];
  if (a.c.out) snprintf(out_dir, sizeof out_dir, "%s", a.c.out);
  else snprintf(out_dir, sizeof out_dir, "results/%s", p.name);
  if (rank == 0 && (bw_outdir_lock(out_dir, "run", NULL, &ctx) != BW_OK || /* held until exit: sim/fileset.h */
                    bw_output_prepare(out_dir, a.c.force, &ctx) != BW_OK))
    goto fail;

  m = bw_model_create(&p, &data, &ctx);
  if (!m) goto fail;
  acc = bw_acc_create(m, a.exact ? p.replications : 0);
  if (!acc) {
    bw_fail(&ctx, BW_ENOMEM, a.exact ? "out of memory: --exact keeps %d replications x %d gemeenten"
                                     : "out of memory allocating the statistics (%d replications, %d gemeenten)",
            p.replications, data.ng);
    goto fail;
  }
  long long max_reps = a.max_replications ? a.max_replications : 100000;
  if (a.until_stable && max_reps < p.replications) max_reps = p.replications;
  int threads = a.c.threads > 0 ? a.c.threads : omp_get_max_threads();
  if (!a.c.quiet && rank == 0)
    fprintf(stderr, "bwsim %s: %s, %d replications, seed %llu, %d thread%s%s\n", BW_VERSION, params_path,
            p.replications, (unsigned long long)p.seed, threads, threads == 1 ? "" : "s",
            bw_mpi_size() > 1 ? " per process" : "");
  bw_run_opts ro = {a.c.threads, !a.c.quiet && isatty(STDERR_FILENO), NULL};
  double t0 = omp_get_wtime();
  /* --until-stable: the first batch is the replications asked for; each
   * next batch doubles the total, until every flag is stable or the cap.
   * The statistics are exact integers, so a run that stops at N gives the
   * same bytes as `-n N`. */
  int nrep = 0, next = p.replications;
  for (;;) {
    if (bw_run(m, &ro, acc, nrep, next, &ctx) != BW_OK) goto fail;
    nrep = next;
    if (!a.until_stable) break;
    int unstable = 0;
    if (rank == 0) {
      sum = bw_summary_from_acc(acc, m);
      if (!sum) {
        bw_fail(&ctx, BW_ENOMEM, "out of memory summarising the run");
        goto fail;
      }
      unstable = sum->n_unstable;
      bw_summary_free(sum);
      sum = NULL;
    }
    bw_mpi_bcast_int(&unstable);
    if (unstable == 0 || nrep >= max_reps) break;
    next = nrep > max_reps / 2 ? (int)max_reps : 2 * nrep;
    if (!a.c.quiet && rank == 0)
      fprintf(stderr, "  %d flag%s not yet stable after %d replications: running to %d\n", unstable,
              unstable == 1 ? "" : "s", nrep, next);
  }
  p.replications = nrep;
  double seconds = omp_get_wtime() - t0;

  if (rank == 0) {
    sum = bw_summary_from_acc(acc, m);
    if (!sum) {
      bw_fail(&ctx, BW_ENOMEM, "out of memory summarising the run");
      goto fail;
    }
    bw_provenance prov = {0};
    if (!(params_text = bw_params_to_yaml_changed(&p))) {
      bw_fail(&ctx, BW_ENOMEM, "out of memory writing the params text");
      goto fail;
    }
    prov.version = BW_VERSION;
    prov.params_text = params_text;
    prov.params_name = p.name;
    prov.seed = p.seed;
    prov.replications = p.replications;
    prov.params = &p;
    bw_sha256_bytes(params_text, strlen(params_text), prov.params_sha256);
    if (bw_sha256_file(p.gemeenten_path, prov.gemeenten_sha256, &ctx) != BW_OK ||
        bw_sha256_file(p.regions_path, prov.regions_sha256, &ctx) != BW_OK)
      goto fail;
    if (bw_output_write(out_dir, a.c.force, sum, m, &prov, a.c.csv, &ctx) != BW_OK) goto fail;
    write_run_log(out_dir, &a, &p, threads, seconds, params_path);
    if (!a.c.quiet) {
      printf("\n");
      bw_output_print_risk(stdout, sum, m, 20);
      printf("\n%d replications in %.1f s (%.0f per second).\n", p.replications, seconds,
             p.replications / seconds);
      printf("%d of %d flags stable (95 %% interval of the probability wholly on one side of p* = %g)%s\n",
             sum->ng - sum->n_unstable, sum->ng, sum->p_star,
             sum->n_unstable && !a.until_stable ? "; --until-stable runs until all are" : "");
      if (a.until_stable && sum->n_unstable)
        printf("%d flag%s still unstable at the cap of %lld replications (--max-replications).\n",
               sum->n_unstable, sum->n_unstable == 1 ? "" : "s", max_reps);
      printf("Results: %s/risk.csv  %s/national.csv  %s/results.h5\n"
             "         %s/gemeente_year.csv  %s/region_year.csv\n",
             out_dir, out_dir, out_dir, out_dir, out_dir);
    }
    if (a.report) {
      char html[PATH_MAX];
      bw_ctx rctx;
      bw_ctx_init(&rctx);
      if (bw_report_write(out_dir, a.lang ? a.lang : "nl", a.c.force, a.c.quiet, html, sizeof html,
                          &rctx) == BW_OK) {
        if (!a.c.quiet) printf("Report:  %s\n", html);
      } else {
        /* the results are complete and stay; only the report is missing */
        fprintf(stderr, "bwsim: warning: no report: %s\n", rctx.msg[0] ? rctx.msg : bw_strerror(rctx.status));
      }
    }
  }
  bw_summary_free(sum);
  bw_acc_free(acc);
  bw_model_free(m);
  bw_data_free(&data);
  free(params_text);
  return 0;

fail:
  fprintf(stderr, "bwsim: error: %s\n", ctx.msg[0] ? ctx.msg : bw_strerror(ctx.status));
  bw_summary_free(sum);
  bw_acc_free(acc);
  bw_model_free(m);
  bw_data_free(&data);
  free(params_text);
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
  } else {
    fprintf(stderr, "bwsim: unknown command '%s'\nTry 'bwsim --help'.\n", argv[1]);
    rc = 2;
  }
  bw_mpi_finalize();
  return rc;
}
