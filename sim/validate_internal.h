/* The parts of `bwsim validate` (docs/model.md §15) and what they share.
 *
 *   validate.c         the command: arguments, params and data, the output
 *                      directory through sim/fileset.h, the exit code;
 *   validate_checks.c  the checks: replications of reduced params variants
 *                      through bw_drive (sim/run.h), their statistics, one
 *                      function per group, run by val_run_checks; the
 *                      analytic expectations come from models/oracle.h;
 *   validate_report.c  the report: the list of checks and of compared cells,
 *                      the table, the CSV files and the plot script.
 *
 * Call order: val_run_checks(s) fills s->rep and the per-replication data
 * kept for the report; then the report writers (val_write_*) are called on
 * s, and val_draw_plots on the directory that holds what they wrote. */
#ifndef BW_VALIDATE_INTERNAL_H
#define BW_VALIDATE_INTERNAL_H

#include <stdio.h>

#include "data_csv.h"
#include "model.h"
#include "run.h"
#include "status.h"

/* ---- the report: checks and cells -------------------------------------------------- */

typedef enum { ST_PASS = 0, ST_FAIL = 1, ST_SKIP = 2 } vstatus;
extern const char *const val_status_word[3]; /* "PASS", "FAIL", "SKIPPED" */
extern const char *const val_care_name[BW_NCARE];

typedef struct {
  char group[16];
  char id[64];
  char label[128];
  char figure[48];
  char model[128];
  char tol[48];
  vstatus status;
  char detail[256];
  /* numbers for validation.csv (NAN where they do not apply) */
  double fig, mean, lo, hi, se;
} vcheck;

/* One comparison of a statistical check (validation_cells.csv). */
typedef struct {
  char check[96];
  char item[40];
  int year;
  double expected, mean, se, z, zcrit;
} vcell;

typedef struct {
  vcheck *c;
  int n, cap;
  vcell *cell;
  int ncell, capcell;
  int lang; /* 0 en, 1 nl */
  int oom;
} vreport;

#define TR(rep, en, nl) ((rep)->lang ? (nl) : (en))

/* A new check (fields zero, numbers NAN) at the end of r; NULL (r->oom set)
 * when out of memory. */
vcheck *val_add_check(vreport *r, const char *group, const char *id);
void val_add_cell(vreport *r, const char *check, const char *item, int year, double expected, double mean,
                  double se, double z, double zcrit);
void val_report_free(vreport *r);

/* How a number of the table is shown: "34 000", "644.0" (mln), "1.0012", a
 * count to one decimal. */
typedef enum { U_COUNT, U_MLN, U_RATIO, U_VAR } vunit;
void val_fmt_unit(char *buf, size_t cap, vunit u, double x);
const char *val_unit_suffix(vunit u);

/* ---- the state of one validation ---------------------------------------------------- */

/* Historical and objective shares and the 2021 totals (docs/model.md §5). */
typedef struct {
  double *obj, *hist_bw, *hist_mo; /* [ng] */
  double sum_bw, sum_mo;           /* M_2021, MO_2021 */
} shares;

/* Every replication's national totals: nat[(rep * BW_NQ + q) * ny + y]. */
typedef struct {
  int ny;
  double *nat;
} nat_store;

static inline double natv(const nat_store *s, int rep, int q, int y) {
  return s->nat[((size_t)rep * BW_NQ + (size_t)q) * (size_t)s->ny + (size_t)y];
}

typedef struct {
  /* inputs: set by the command */
  bw_params p; /* the params, individual kernel */
  bw_data d;
  bw_run_opts ro; /* threads, progress */
  int N, ny;      /* replications of the params run, years */
  double pop;     /* Σ_g population: set by val_run_checks */
  /* results kept for the report files: set by val_run_checks */
  shares sh;
  nat_store ind, cnt; /* national totals of both kernels (cnt.nat NULL: none) */
  int counts_ok;
  char counts_why[BW_MSG_MAX + 64];
  double *resid[BW_NCARE]; /* [nresid] residual stays, replication order */
  int nresid;
  vreport rep;
} vstate;

/* Run every check of docs/model.md §15 in the order of the report. BW_OK
 * also when checks fail (their status says so); an error stops the run. */
bw_status val_run_checks(vstate *s, bw_ctx *ctx);
/* Free what val_run_checks kept (not p, d). */
void val_state_free(vstate *s);

/* ---- the report files ------------------------------------------------------------------- */

/* The table of r (header first) on f; only_failed: the FAIL lines alone,
 * without header and group titles. */
void val_print_table(FILE *f, const vreport *r, const char *header, int only_failed);

/* The files of the report, each written by one function on f: 0, or -1 out
 * of memory. */
typedef int (*val_writer)(FILE *f, const vstate *s, const char *arg);
typedef struct {
  const char *name;
  val_writer fn;
} val_file;
extern const val_file val_files[];
enum { VAL_NFILES = 7 }; /* validation.txt (arg: the header) first */

/* The plots: sim/validate_plots.py on dir (which holds the files above),
 * writing its PNGs and index.html into dir. 0 when drawn; otherwise 1 and
 * the reason (printed as a notice) in why. */
int val_draw_plots(const char *dir, char *why, size_t cap);
extern const char *const val_plot_files[];
enum { VAL_NPLOTS = 5 };

#endif
