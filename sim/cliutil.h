/* Small helpers shared by the commands (run, validate, report): number
 * parsing for options, the progress bar, RFC 4180 CSV text fields. */
#ifndef BW_CLIUTIL_H
#define BW_CLIUTIL_H

#include <stdio.h>

/* A whole decimal number in [lo, hi]: 0, or -1 (empty, junk, out of range). */
int bw_parse_ll(const char *s, long long lo, long long hi, long long *out);
/* A whole non-negative decimal number that fits 64 bits (a seed): 0 or -1. */
int bw_parse_u64(const char *s, unsigned long long *out);
/* 1 when path is an existing regular file. */
int bw_file_exists(const char *path);

/* The options every simulating command shares. */
#define BW_MAX_SETS 64
typedef struct {
  long long replications;  /* -n (0 = not given, unless preset by the caller) */
  unsigned long long seed; /* -s, when have_seed */
  int have_seed;
  int threads;             /* -t (0 = OpenMP default) */
  const char *out;         /* -o */
  int force, quiet;        /* -f, -q */
  /* --set key=value, in the order given (repeatable; at most BW_MAX_SETS).
   * The strings point into argv. Apply them with bw_params_load_with or
   * bw_params_apply_set (sim/params_yaml.h). */
  const char *sets[BW_MAX_SETS];
  int nsets;
} bw_common_opts;

/* "bwsim CMD: <fmt with arg>" and "Try 'bwsim CMD --help'." on stderr; returns 2. */
int bw_usage_error(const char *cmd, const char *fmt, const char *arg);

/* If argv[*i] is one of -n/--replications (whole number in [n_lo, n_hi]),
 * -s/--seed, -t/--threads, -o/--out, -f/--force, -q/--quiet, or --set
 * key=value (also --set=key=value; not for cmd "validate", which checks the
 * model on its own params): store it in o, advance *i over its value and
 * return 1. --set is only checked for its '=' here; the key and value are
 * checked when applied. 0 when argv[*i] is none of them;
 * 2 on a bad or missing value (message printed for command cmd). */
int bw_parse_common_opt(const char *cmd, int argc, char **argv, int *i, long long n_lo,
                        long long n_hi, bw_common_opts *o);

/* One line of progress on stderr (overwritten in place): `done` of `total`
 * replications; the rate and the ETA from the `fresh` of them simulated in
 * `elapsed` seconds. label may be NULL. */
void bw_progress_draw(const char *label, long done, long total, double elapsed, long fresh);

/* RFC 4180: s as one CSV field, quoted when it holds a comma, quote or line
 * break. */
void bw_csv_field(FILE *f, const char *s);

/* A double as a CSV number: "%.17g" (round-trips), "nan", "inf", "-inf"
 * (one spelling each), a decimal point whatever LC_NUMERIC says. */
void bw_csv_double(FILE *f, double x);

#endif
