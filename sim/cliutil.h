/* Small helpers shared by the commands (run, compare, sweep, validate,
 * report): number parsing for options, the progress bar, running a helper
 * program (bw_run_program), and the one CSV writer of the result files:
 * RFC 4180 fields in two dialects (en, nl) and numbers with the digits they
 * deserve (docs/outputs.md). */
#ifndef BW_CLIUTIL_H
#define BW_CLIUTIL_H

#include <stdio.h>

/* A CSV dialect: "en" (comma, decimal point, no BOM: what pandas and R read
 * by default) or "nl" (semicolon, decimal comma, UTF-8 byte-order mark: what
 * Excel with Dutch regional settings opens as columns). */
typedef struct {
  const char *name;
  char sep, dec;
  int bom;
} bw_csv_style;
extern const bw_csv_style bw_csv_en, bw_csv_nl;
/* The dialect called name ("en", "nl"), or NULL. */
const bw_csv_style *bw_csv_style_named(const char *name);

/* A whole decimal number in [lo, hi], written as digits with an optional
 * '-' and nothing else (no '+', no space, not empty): 0, or -1 (junk, out of
 * range). */
int bw_parse_ll(const char *s, long long lo, long long hi, long long *out);
/* A count or a duration, as --checkpoint-every and --progress-every take
 * them: "N" (1 .. 1e8) gives *count = N, *seconds = 0; "Ns", "Nm", "Nh"
 * give *seconds (N s, min, h), *count = 0. 0, or -1 (junk, out of range). */
int bw_parse_every(const char *s, long long *count, double *seconds);
/* A whole non-negative decimal number that fits 64 bits (a seed), only
 * digits: 0 or -1. */
int bw_parse_u64(const char *s, unsigned long long *out);
/* 1 when path is an existing regular file. */
int bw_file_exists(const char *path);

/* Run the program argv[0] (a path: no shell, no PATH search) with argv and
 * wait for it: stdin from /dev/null, stdout and stderr to the files
 * out_path and err_path (created or truncated; "/dev/null" discards; NULL:
 * ours). Returns its exit status (0..255; 127: it could not be executed),
 * 128 + the signal that ended it, or -1 when it could not be started or
 * waited for (errno). */
int bw_run_program(char *const argv[], const char *out_path, const char *err_path);
/* Remove a file or a directory tree (links not followed); 0, or -1 (errno). */
int bw_remove_tree(const char *path);

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
  const bw_csv_style *csv; /* --csv-dialect en|nl (NULL: en) */
} bw_common_opts;

/* The --csv-dialect lines of a command's --help. */
#define BW_CSV_DIALECT_HELP                                                                        \
  "      --csv-dialect en|nl  CSV files for pandas/R (en, the default: comma, decimal point)\n"  \
  "                         or for Dutch Excel (nl: semicolon, decimal comma, UTF-8 BOM).\n"


/* "bwsim CMD: <fmt with arg>" and "Try 'bwsim CMD --help'." on stderr; returns 2. */
int bw_usage_error(const char *cmd, const char *fmt, const char *arg);

/* If argv[*i] is one of -n/--replications (whole number in [n_lo, n_hi]),
 * -s/--seed, -t/--threads, -o/--out, -f/--force, -q/--quiet, --set
 * key=value (also --set=key=value) or --csv-dialect en|nl (also
 * --csv-dialect=nl; these two not for cmd "validate", which checks the model
 * on its own params and writes its own files): store it in o, advance *i
 * over its value and return 1. --set is only checked for its '=' here; the key and value are
 * checked when applied. 0 when argv[*i] is none of them;
 * 2 on a bad or missing value (message printed for command cmd). */
int bw_parse_common_opt(const char *cmd, int argc, char **argv, int *i, long long n_lo,
                        long long n_hi, bw_common_opts *o);

/* One line of progress on stderr (overwritten in place): `done` of `total`
 * replications; the rate and the ETA from the `fresh` of them simulated in
 * `elapsed` seconds. label may be NULL. */
void bw_progress_draw(const char *label, long done, long total, double elapsed, long fresh);
/* The same as one line of a log (stderr not a terminal: a batch job),
 * printed whole: "bwsim: [label: ]done/total replications (p %), rate/s,
 * elapsed T, ETA T". */
void bw_progress_line(const char *label, long done, long total, double elapsed, long fresh);

/* RFC 4180 in the en dialect: s as one CSV field, quoted when it holds a
 * comma, quote or line break. */
void bw_csv_field(FILE *f, const char *s);

/* The kinds of numbers in the CSV files, each with its rule
 * (docs/outputs.md "Digits"):
 *   BW_NUM_PROB         probabilities: max(4, ceil(log10 n)) decimals, n the
 *                       replications (a step of at most 1/n: k/n loses no count)
 *   BW_NUM_SE           standard errors: 3 significant digits
 *   BW_NUM_EUR          euros: whole euros
 *   BW_NUM_EUR_PER_INH  euros per inhabitant: 2 decimals (cents)
 *   BW_NUM_CLIENTS      clients, client-years (means and quantiles over
 *                       replications): 2 decimals
 *   BW_NUM_FULL         full precision (%.17g: round-trips)
 * Not a number: "nan", "inf", "-inf". Never an exponent, never "-0". */
typedef enum { BW_NUM_PROB, BW_NUM_SE, BW_NUM_EUR, BW_NUM_EUR_PER_INH, BW_NUM_CLIENTS, BW_NUM_FULL } bw_num_kind;

/* The kind of a quantity of unit "EUR", "EUR/inhabitant", "1" (a
 * probability) or anything else (clients). */
bw_num_kind bw_num_kind_of_unit(const char *unit);

/* Decimals of a probability estimated from n replications. */
int bw_prob_decimals(long long n);

/* x as text by the rule of kind (p_decimals for BW_NUM_PROB), with the
 * decimal mark dec. Returns buf. */
char *bw_num_text(char *buf, size_t cap, double x, bw_num_kind kind, int p_decimals, char dec);

/* One CSV file being written: the fields of a row are separated by the
 * dialect's separator; bw_csv_end ends the row. */
typedef struct {
  FILE *f;
  const bw_csv_style *st;
  int p_decimals; /* bw_prob_decimals of the run's replications */
  int col;        /* fields written in this row */
} bw_csv;

/* Start a CSV file on f in dialect st (NULL: en): the byte-order mark when
 * the dialect has one. n: the replications (digits of probabilities). */
void bw_csv_begin(bw_csv *c, FILE *f, const bw_csv_style *st, long long n);
/* Fields named by names (separated by commas in the source), written with
 * the dialect's separator; bw_csv_header also ends the row. */
void bw_csv_names(bw_csv *c, const char *names);
void bw_csv_header(bw_csv *c, const char *names);
/* A text field: quoted when it holds the separator, a quote or a line break. */
void bw_csv_text(bw_csv *c, const char *s);
/* A text that may be a number (a grid value): in the nl dialect a decimal
 * number's point becomes a comma; anything else as bw_csv_text. */
void bw_csv_value_text(bw_csv *c, const char *s);
void bw_csv_num(bw_csv *c, double x, bw_num_kind kind);
void bw_csv_int(bw_csv *c, long long v);
void bw_csv_end(bw_csv *c);

#endif
