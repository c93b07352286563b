/* `bwsim validate` (issue 5): the checks of docs/model.md §10 and the calibration
 * against the published figures, printed one line per check with the
 * model's value and its Monte Carlo 95 % interval, and a validation report.
 *
 * Three groups of checks (docs/model.md §15 explains each):
 *  - calibration (§10.6): N replications of the given params (default
 *    params/default.yaml) against the published figures, each with a stated
 *    tolerance; a check passes when the model's 95 % MC interval of the mean
 *    meets the band figure ± tolerance (the model is consistent with the
 *    figure to within the tolerance);
 *  - analytic (§10.1–10.3, issue 5 item 3): reduced params variants with a
 *    closed-form answer (immigration–death, stationary start, the
 *    forward-recurrence residual law), and identities on every replication
 *    of the run (budget conservation, ingroeipad end points, Wlz settlement);
 *  - kernel comparison (§10.4): the count kernel against the individual
 *    kernel on national totals per year; SKIPPED (not PASS) while the count
 *    kernel is not available.
 *
 * Replications run through bw_drive (sim/run.h); each replication writes
 * only its own slot, and every statistic is accumulated afterwards in
 * replication order, so the output is the same for any number of threads.
 * Validate runs in one process: the slots are not gathered across MPI
 * processes, and under mpirun with more than one it refuses to start.
 * Statistical checks allow 4 standard errors (two-sided p = 6.3e-5 per
 * comparison; with a sample standard error the Student-t quantile of the
 * same p). */
#define _POSIX_C_SOURCE 200809L
#include "validate.h"

#include "cliutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "data_csv.h"
#include "model.h"
#include "params_yaml.h"
#include "run.h"
#include "status.h"

/* ---- constants ------------------------------------------------------------ */

enum {
  VAL_DEFAULT_N = 400, /* replications of the params run (docs/model.md §15) */
  VAL_MIN_N = 4, /* a Student-t interval needs a few degrees of freedom */
  VAL_MAX_N = 1000000,
  QUEUE_MIN_REPS = 100, /* floor for the variance test: s² nearly normal */
  KS_MIN_DRAWS = 1000,  /* floor of single-client replications per care type */
  KS_PER_N = 5,         /* KS draws per care type = max(KS_PER_N * N, KS_MIN_DRAWS) */
  STATIONARY_SCALE = 10 /* stationary variant: stock / 10 (cheap, power ample) */
};
#define Z_MAX 4.0
#define P_Z_MAX 6.334248366623996e-05 /* two-sided P(|Z| > 4), Z normal */
#define KS_ALPHA 1e-4                  /* the same order as 4 se */
#define CENT 0.01
#define SETTLE_TOL 1e-6                /* EUR: the same formula, rounding only */
#define DEFAULT_PYTHON "/usr/bin/python3"

static const char *const care_name[BW_NCARE] = {"I", "A", "M"};

/* The published figures of docs/model.md §10.6 and their tolerances. A figure
 * printed with d significant digits is trusted to half a unit of its last
 * digit; an "≈" gets 3 % (its MC interval must meet the band). */
#define FIG_BW_CLIENTS 34000.0 /* CPB 2019: ≈ 34,000 BW clients (I + A) */
#define TOL_BW_CLIENTS 500.0   /* rounded to thousands */
#define FIG_WLZ_WAVE 11100.0   /* ≈ 11,100 first-wave transfers on 1 Jan 2021 */
#define FIG_WLZ_2021 11600.0   /* ≈ 11,600 Wlz transfers in 2021 with the hazard */
#define FIG_PQ_2021 644e6      /* final uitname p·q_2021 */
#define FIG_U_EX_ANTE 495e6    /* ex-ante uitname U */
#define TOL_U_EX_ANTE 0.5e6    /* rounded to EUR mln */
#define FIG_HIST_BW 1.55e9     /* historical BW budget 2021 ("ruim €1,5 mld") */
#define TOL_HIST_BW 5e6        /* three significant digits */
#define FIG_HIST_MO 385e6      /* historical MO budget 2021 */
#define TOL_HIST_MO 0.5e6      /* rounded to EUR mln */
#define TOL_REL_APPROX 0.03    /* "≈" and "within a few percent" */
#define CALIB_YEAR 2021

/* ---- small helpers ---------------------------------------------------------- */

/* Student-t quantile with the two-sided tail of |Z| > 4: 4 for large df. */
static double z_crit(double df) {
  if (!(df > 0)) return INFINITY;
  if (df > 1e6) return Z_MAX;
  return gsl_cdf_tdist_Pinv(1.0 - 0.5 * P_Z_MAX, df);
}

/* Two-sided 97.5 % Student-t quantile for a 95 % interval with n - 1 df. */
static double t95(int n) { return n > 1 ? gsl_cdf_tdist_Pinv(0.975, n - 1) : INFINITY; }

typedef struct {
  double mean, var, se; /* sample mean, (n - 1) variance, sd / sqrt(n) */
  int n;
} moments;

/* Two-pass moments of x[i * stride], i < n, in index order. */
static moments moments_of(const double *x, int n, size_t stride) {
  moments m = {0, 0, 0, n};
  double s = 0;
  for (int i = 0; i < n; i++) s += x[(size_t)i * stride];
  m.mean = s / n;
  double ss = 0;
  for (int i = 0; i < n; i++) {
    double d = x[(size_t)i * stride] - m.mean;
    ss += d * d;
  }
  m.var = n > 1 ? ss / (n - 1) : 0.0;
  m.se = sqrt(m.var / n);
  return m;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Type-7 quantile of sorted x[0..n). */
static double quantile7(const double *x, int n, double p) {
  double h = (n - 1) * p;
  int lo = (int)floor(h);
  if (lo >= n - 1) return x[n - 1];
  return x[lo] + (h - lo) * (x[lo + 1] - x[lo]);
}

/* Kolmogorov's limiting distribution with Stephens' small-sample
 * correction: P(D_n > d). */
static double ks_pvalue(double d, int n) {
  double sn = sqrt((double)n), lam = (sn + 0.12 + 0.11 / sn) * d;
  if (lam < 0.2) return 1.0;
  double s = 0.0, sign = 1.0;
  for (int j = 1; j <= 200; j++) {
    double t = sign * exp(-2.0 * j * j * lam * lam);
    s += t;
    if (fabs(t) < 1e-17) break;
    sign = -sign;
  }
  double p = 2.0 * s;
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* Number of UTF-8 code points (display columns for the table). */
static int utf8_width(const char *s) {
  int n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

static void put_padded(FILE *f, const char *s, int width) {
  fputs(s, f);
  for (int i = utf8_width(s); i < width; i++) fputc(' ', f);
}

/* "34 000" style: thin groups of three with a space (the same in English and
 * Dutch, no decimal-mark ambiguity). */
static void fmt_count(char *buf, size_t cap, double x) {
  if (!isfinite(x)) {
    snprintf(buf, cap, "%s", isnan(x) ? "n/a" : "inf");
    return;
  }
  char raw[64];
  int decimals = fabs(x - nearbyint(x)) > 1e-9 && fabs(x) < 1e6;
  snprintf(raw, sizeof raw, decimals ? "%.1f" : "%.0f", x);
  const char *p = raw;
  char out[96];
  size_t o = 0;
  if (*p == '-') out[o++] = *p++;
  const char *dot = strchr(p, '.');
  int intlen = dot ? (int)(dot - p) : (int)strlen(p);
  for (int i = 0; i < intlen; i++) {
    if (i > 0 && (intlen - i) % 3 == 0) out[o++] = ' ';
    out[o++] = p[i];
  }
  if (dot) {
    size_t l = strlen(dot);
    memcpy(out + o, dot, l);
    o += l;
  }
  out[o] = '\0';
  snprintf(buf, cap, "%s", out);
}

typedef enum { U_COUNT, U_MLN, U_RATIO, U_VAR } vunit;

static void fmt_unit(char *buf, size_t cap, vunit u, double x) {
  switch (u) {
  case U_COUNT: fmt_count(buf, cap, x); break;
  case U_MLN: snprintf(buf, cap, "%.1f", x / 1e6); break;
  case U_RATIO: snprintf(buf, cap, "%.4f", x); break;
  case U_VAR: fmt_count(buf, cap, nearbyint(x * 10) / 10); break;
  }
}

static const char *unit_suffix(vunit u) { return u == U_MLN ? " mln" : ""; }

/* ---- checks and cells --------------------------------------------------------- */

typedef enum { ST_PASS = 0, ST_FAIL = 1, ST_SKIP = 2 } vstatus;
static const char *const status_word[3] = {"PASS", "FAIL", "SKIPPED"};

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

static vcheck *add_check(vreport *r, const char *group, const char *id) {
  if (r->n == r->cap) {
    int cap = r->cap ? 2 * r->cap : 64;
    vcheck *c = realloc(r->c, sizeof *c * (size_t)cap);
    if (!c) {
      r->oom = 1;
      return NULL;
    }
    r->c = c, r->cap = cap;
  }
  vcheck *c = &r->c[r->n++];
  memset(c, 0, sizeof *c);
  snprintf(c->group, sizeof c->group, "%s", group);
  snprintf(c->id, sizeof c->id, "%s", id);
  c->fig = c->mean = c->lo = c->hi = c->se = NAN;
  return c;
}

static void add_cell(vreport *r, const char *check, const char *item, int year, double expected, double mean,
                     double se, double z, double zcrit) {
  if (r->ncell == r->capcell) {
    int cap = r->capcell ? 2 * r->capcell : 256;
    vcell *c = realloc(r->cell, sizeof *c * (size_t)cap);
    if (!c) {
      r->oom = 1;
      return;
    }
    r->cell = c, r->capcell = cap;
  }
  vcell *c = &r->cell[r->ncell++];
  snprintf(c->check, sizeof c->check, "%s", check);
  snprintf(c->item, sizeof c->item, "%s", item);
  c->year = year, c->expected = expected, c->mean = mean, c->se = se, c->z = z, c->zcrit = zcrit;
}

static void vreport_free(vreport *r) {
  free(r->c);
  free(r->cell);
}

/* z of (mean - expected) with standard error se; a zero se demands equality. */
static double zscore(double mean, double expected, double se) {
  double d = mean - expected;
  if (se > 0) return d / se;
  return d == 0 ? 0.0 : copysign(INFINITY, d);
}

/* A calibration check: model mean and its 95 % interval (Student t) against
 * figure ± tol. PASS when the interval meets the band. */
static void calib_check(vreport *r, const char *id, const char *label, vunit u, double fig, double tol,
                        const char *tol_text, const moments *m) {
  vcheck *c = add_check(r, "calibration", id);
  if (!c) return;
  snprintf(c->label, sizeof c->label, "%s", label);
  /* a value that is the same in every replication up to round-off has no
   * MC interval */
  double half = m->se > 1e-12 * fabs(m->mean) ? t95(m->n) * m->se : 0.0;
  c->fig = fig, c->mean = m->mean, c->se = m->se, c->lo = m->mean - half, c->hi = m->mean + half;
  char a[32], b[32], d[32];
  fmt_unit(a, sizeof a, u, fig);
  snprintf(c->figure, sizeof c->figure, "%s%s", a, unit_suffix(u));
  fmt_unit(a, sizeof a, u, m->mean);
  fmt_unit(b, sizeof b, u, c->lo);
  fmt_unit(d, sizeof d, u, c->hi);
  if (half > 0)
    snprintf(c->model, sizeof c->model, "%s [%s, %s]%s", a, b, d, unit_suffix(u));
  else
    snprintf(c->model, sizeof c->model, "%s%s %s", a, unit_suffix(u), TR(r, "(every rep.)", "(elke rep.)"));
  snprintf(c->tol, sizeof c->tol, "%s", tol_text);
  int meets = c->hi >= fig - tol && c->lo <= fig + tol;
  c->status = meets ? ST_PASS : ST_FAIL;
  snprintf(c->detail, sizeof c->detail, "%s %+.2f %%", TR(r, "mean vs figure", "gemiddelde t.o.v. cijfer"),
           100.0 * (m->mean - fig) / fig);
}

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
    "Writes, atomically (a temporary directory renamed into place):\n"
    "  DIR/validation.txt  the printed table;   DIR/validation.csv  one row per check;\n"
    "  DIR/validation_cells.csv  every compared year and care type or quantity;\n"
    "  DIR/fan.csv, residual_samples.csv, residual_density.csv  the data of the plots;\n"
    "  DIR/*.png and DIR/index.html  plots by sim/validate_plots.py (/usr/bin/python3 with\n"
    "                      numpy and matplotlib; skipped with a notice when missing).\n"
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
      if (taken == 2) return 2;    } else if (!strcmp(s, "--lang") || !strncmp(s, "--lang=", 7)) {
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

/* ---- replications ---------------------------------------------------------------- */

/* Called once per replication with its result; writes only slot `rep`. */
typedef void (*rep_fn)(void *user, uint32_t rep, const bw_rep_result *r);

/* The visitor of bw_drive (sim/run.h): simulate a replication of m and hand
 * its result to fn. No pack/unpack: the slots are not merged across MPI
 * processes, so validate runs in one process (run_reps refuses more). */
typedef struct {
  const bw_model *m;
  rep_fn fn;
  void *user;
} reps_self;

typedef struct {
  bw_workspace *w;
  bw_rep_result *r;
} reps_thread;

static void reps_thread_free(void *self, void *tp) {
  (void)self;
  reps_thread *t = tp;
  if (!t) return;
  bw_workspace_free(t->w);
  bw_rep_result_free(t->r);
  free(t);
}

static void *reps_thread_create(void *self) {
  const reps_self *s = self;
  reps_thread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->w = bw_workspace_create(s->m);
  t->r = bw_rep_result_create(s->m);
  if (!t->w || !t->r) {
    reps_thread_free(self, t);
    return NULL;
  }
  return t;
}

static bw_status reps_visit(void *self, void *tp, int rep, bw_ctx *ctx) {
  const reps_self *s = self;
  reps_thread *t = tp;
  bw_status st = bw_simulate(s->m, (uint32_t)rep, t->w, t->r, ctx);
  if (st == BW_OK) s->fn(s->user, (uint32_t)rep, t->r);
  return st;
}

/* Replications lo .. hi-1 of m through bw_drive (threads, progress bar, the
 * first error, returned in ctx); label heads the progress bar. */
static bw_status run_reps(const bw_model *m, int lo, int hi, const bw_run_opts *ro, const char *label, rep_fn fn,
                          void *user, bw_ctx *ctx) {
  /* without pack/unpack, bw_drive must not split the range over processes */
  if (bw_mpi_size() > 1) return bw_fail(ctx, BW_EMPI, "%s: validate runs in one process, not under mpirun", label);
  /* no more threads (and workspaces) than replications */
  bw_run_opts o = *ro;
  o.label = label;
  int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  o.threads = threads < hi - lo ? threads : hi - lo;
  reps_self self = {m, fn, user};
  bw_visitor v = {&self, reps_thread_create, reps_visit, NULL, reps_thread_free, NULL, NULL, NULL, NULL};
  return bw_drive(&v, &o, lo, hi, ctx);
}

/* Keep every replication's national totals: nat[(rep * BW_NQ + q) * ny + y]. */
typedef struct {
  int ny;
  double *nat;
} nat_store;

static void store_national(void *user, uint32_t rep, const bw_rep_result *r) {
  nat_store *s = user;
  size_t per = (size_t)BW_NQ * (size_t)s->ny;
  memcpy(s->nat + (size_t)rep * per, r->national, per * sizeof(double));
}

static inline double natv(const nat_store *s, int rep, int q, int y) {
  return s->nat[((size_t)rep * BW_NQ + (size_t)q) * (size_t)s->ny + (size_t)y];
}

/* ---- shares and budgets recomputed from docs/model.md §5 ------------------------------- */

typedef struct {
  double *obj, *hist_bw, *hist_mo; /* [ng] */
  double sum_bw, sum_mo;           /* M_2021, MO_2021 */
} shares;

static int shares_of(const bw_params *p, const bw_data *d, shares *s) {
  memset(s, 0, sizeof *s);
  s->obj = calloc((size_t)d->ng, sizeof(double));
  s->hist_bw = calloc((size_t)d->ng, sizeof(double));
  s->hist_mo = calloc((size_t)d->ng, sizeof(double));
  if (!s->obj || !s->hist_bw || !s->hist_mo) return -1;
  const bw_weights *b = &p->verdeelmodel;
  double so = 0;
  for (int g = 0; g < d->ng; g++) {
    const bw_gemeente *x = &d->g[g];
    s->obj[g] = x->population * (b->constant + b->single_hh * x->pct_single_hh / 100.0 +
                                 b->nonwestern * x->pct_nonwestern / 100.0 +
                                 b->urbanity * (5.0 - x->urbanity) / 4.0);
    so += s->obj[g];
  }
  for (int g = 0; g < d->ng; g++) s->obj[g] /= so;
  for (int r = 0; r < d->nr; r++) s->sum_bw += d->r[r].hist_budget_bw_eur, s->sum_mo += d->r[r].hist_budget_mo_eur;
  for (int r = 0; r < d->nr; r++) {
    s->hist_bw[d->r[r].centrum] += d->r[r].hist_budget_bw_eur / s->sum_bw;
    s->hist_mo[d->r[r].centrum] += d->r[r].hist_budget_mo_eur / s->sum_mo;
  }
  return 0;
}

static void shares_free(shares *s) {
  free(s->obj);
  free(s->hist_bw);
  free(s->hist_mo);
}

/* M_t and MO_t of docs/model.md §5 for year index y, given the replication's
 * settlement X_t: M_t = (M_2021 - U - L)·(1 + bi)^y·(1 + vg)^y - X_t,
 * MO_t = (MO_2021 + extra from mo_extra_from)·(1 + bi)^y·(1 + vg)^y. */
static void macro_of(const bw_params *p, const shares *sh, double X, int y, double *M, double *MO) {
  double index = pow(1.0 + p->budget_index, y) * pow(1.0 + p->volume_growth, y);
  *M = (sh->sum_bw - p->wlz_uitname_eur - p->national_institutions_eur) * index - X;
  int t = p->first_year + y;
  *MO = (sh->sum_mo + (t >= p->mo_extra_from ? p->mo_extra_eur : 0.0)) * index;
}

/* ---- the params run: national totals and the identities of every replication ---- */

typedef struct {
  const bw_params *p;
  const shares *sh;
  int ny, ng;
  nat_store nat;
  double *cons_err;   /* [rep] max |Σ_g (B + MO) - (M_t + MO_t)| and |Σ_g (B + MO) - budget_eur| */
  double *settle_err; /* [rep] max |X_{t+1} - (p_t q_t - U_t)|, |X_first| */
  double *uitname;    /* [rep] U deduced from the first-year budget: M_2021 - L - Σ_g B_g */
} main_run;

static void main_rep(void *user, uint32_t rep, const bw_rep_result *r) {
  main_run *s = user;
  const bw_params *p = s->p;
  int ny = s->ny, ng = s->ng;
  store_national(&s->nat, rep, r);
  const double *nat = r->national;
  double cerr = 0, serr = 0;
  int formula = p->bijsturing != BW_BIJST_MACRO; /* macro_correct replaces M_t's growth */
  for (int y = 0; y < ny; y++) {
    double bw = 0, mo = 0;
    for (int g = 0; g < ng; g++) {
      bw += r->budget_bw[(size_t)g * ny + y];
      mo += r->budget_mo[(size_t)g * ny + y];
    }
    double X = nat[BW_Q_WLZ_SETTLEMENT_EUR * ny + y], M, MO;
    macro_of(p, s->sh, X, y, &M, &MO);
    double e = fabs(bw + mo - nat[BW_Q_BUDGET_EUR * ny + y]);
    if (formula) e = fmax(e, fabs(bw + mo - (M + MO)));
    else e = fmax(e, fabs(mo - MO));
    if (!(e <= cerr)) cerr = e; /* NaN propagates */
    /* docs/model.md §5, bouwsteen 4: X_{t+1} = p_t q_t - U_t, p_t = U_t / clients */
    double want = 0.0;
    if (y > 0) {
      double U = p->wlz_uitname_eur * pow(1.0 + p->budget_index, y - 1);
      double price = U / p->wlz_uitname_clients;
      want = price * nat[BW_Q_WLZ_CLIENT_YEARS * ny + y - 1] - U;
    }
    double se = fabs(X - want);
    if (!(se <= serr)) serr = se;
    if (y == 0) {
      /* first year: no settlement, so Σ_g B = M_2021 - U - L */
      s->uitname[rep] = s->sh->sum_bw - p->national_institutions_eur - bw;
    }
  }
  s->cons_err[rep] = cerr;
  s->settle_err[rep] = serr;
}

/* ---- single-client replications: the residual stay itself --------------------- */

typedef struct {
  int ny, ng;
  double *resid; /* [rep] min(R, horizon) in years */
} resid_run;

/* Tariff 1 EUR/day, no indexation: the client's cost / 365 is its time in
 * care within the horizon. */
static void resid_rep(void *user, uint32_t rep, const bw_rep_result *r) {
  resid_run *s = user;
  double t = 0;
  size_t n = (size_t)s->ng * (size_t)s->ny;
  for (size_t i = 0; i < n; i++) t += r->cost_bw[i] + r->cost_mo[i];
  s->resid[rep] = t / 365.0;
}

/* ---- params variants -------------------------------------------------------------- */

/* No Wlz, no step-down, no national institutions, no mortality, no growth,
 * Poisson counts, no outer draws: the flows of docs/model.md §3 reduced to one
 * M/G/∞ queue per care type. */
static void reduce_flows(bw_params *p) {
  for (int c = 0; c < BW_NCARE; c++) {
    p->growth[c] = 0.0;
    p->dispersion[c] = INFINITY;
    p->mortality_rate[c] = 0.0;
  }
  p->population_growth = 0.0;
  p->p_step_down = 0.0;
  p->wlz_p_wave = 0.0;
  p->wlz_hazard = 0.0;
  p->national_institution_share = 0.0;
  p->uncertainty_enabled = 0;
  p->outer_draws = 0;
}

static double total_population(const bw_data *d) {
  double s = 0;
  for (int g = 0; g < d->ng; g++) s += d->g[g].population;
  return s;
}

/* Immigration–death variant (docs/model.md §10.1): exponential stays of mean m_c,
 * a constant national entry rate λ_c, a fixed stock N0_c (N0 ≠ λm so the
 * mean moves). The national rate is rate·Σpop/1000 whatever the supply
 * attraction: need_g has a population-weighted mean of 1 and H_g sums to 1. */
static const double QUEUE_LAMBDA[BW_NCARE] = {300.0, 250.0, 600.0};
static const double QUEUE_N0[BW_NCARE] = {400.0, 1000.0, 200.0};
static const double QUEUE_MEAN[BW_NCARE] = {3.0, 2.0, 1.0};

static void queue_params(bw_params *p, double pop) {
  reduce_flows(p);
  for (int c = 0; c < BW_NCARE; c++) {
    p->duration_shape[c] = 1.0;
    p->duration_mean_years[c] = QUEUE_MEAN[c];
    p->rate_per_1000[c] = QUEUE_LAMBDA[c] * 1000.0 / pop;
    p->stock[c] = QUEUE_N0[c];
  }
}

/* ---- output directory ---------------------------------------------------------------- */

/* 0 absent, 1 empty directory, 2 a validation report (holds validation.txt),
 * 3 another non-empty directory, 4 not a directory, -1 error (errno). */
static int dir_state(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return 4;
  DIR *d = opendir(path);
  if (!d) return -1;
  int any = 0, report = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    any = 1;
    if (!strcmp(e->d_name, "validation.txt")) report = 1;
  }
  closedir(d);
  return !any ? 1 : report ? 2 : 3;
}

static int mkdir_p(const char *dir) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
  for (char *s = buf + 1; *s; s++) {
    if (*s != '/') continue;
    *s = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *s = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
  return 0;
}

/* dir without trailing slashes -> parent and base name; -1 when a part
 * does not fit. */
static int split_path(const char *dir, char *parent, size_t pcap, char *base, size_t bcap) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) return -1;
  size_t l = strlen(buf);
  while (l > 1 && buf[l - 1] == '/') buf[--l] = '\0';
  char *slash = strrchr(buf, '/');
  const char *par = ".", *name = buf;
  if (slash == buf) {
    par = "/", name = slash + 1;
  } else if (slash) {
    *slash = '\0';
    par = buf, name = slash + 1;
  }
  if (snprintf(parent, pcap, "%s", par) >= (int)pcap) return -1;
  if (snprintf(base, bcap, "%s", name) >= (int)bcap) return -1;
  return 0;
}

/* Remove the regular files directly in dir, then dir. */
static int remove_flat_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  struct dirent *e;
  char path[PATH_MAX + 256];
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  return rmdir(dir);
}

/* Is `dir` writable as a report target? Checked before any simulation. */
static bw_status check_out_dir(const char *dir, int force, bw_ctx *ctx) {
  int st = dir_state(dir);
  switch (st) {
  case 0:
  case 1: return BW_OK;
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

/* Put the finished temporary directory in place of dir. */
static bw_status commit_dir(const char *tmp, const char *dir, const char *old, int force, bw_ctx *ctx) {
  int st = dir_state(dir);
  if (st == 1 && rmdir(dir) != 0) return bw_fail(ctx, BW_EIO, "%s: %s", dir, strerror(errno));
  if (st == 2) {
    if (!force) return bw_fail(ctx, BW_EEXIST, "%s: a validation report appeared meanwhile", dir);
    if (rename(dir, old) != 0) return bw_fail(ctx, BW_EIO, "%s: cannot move aside: %s", dir, strerror(errno));
  } else if (st >= 3 || st < 0) {
    return check_out_dir(dir, force, ctx);
  }
  if (rename(tmp, dir) != 0) {
    int e = errno;
    if (st == 2) rename(old, dir);
    return bw_fail(ctx, BW_EIO, "%s: cannot rename the report into place: %s", dir, strerror(e));
  }
  if (st == 2 && remove_flat_dir(old) != 0)
    fprintf(stderr, "bwsim validate: warning: could not remove the old report %s\n", old);
  return BW_OK;
}

/* ---- plots: sim/validate_plots.py, run without a shell ---------------------------- */

/* Run python on the script with dir as argument. Returns 0 when the plots
 * were drawn; otherwise fills why (the notice printed) and returns 1. */
static int run_plots(const char *dir, char *why, size_t cap) {
  const char *python = getenv("BWSIM_PYTHON");
  if (!python || !*python) python = DEFAULT_PYTHON;
  char script[PATH_MAX];
  snprintf(script, sizeof script, "%s/sim/validate_plots.py", BW_SOURCE_DIR);
  if (access(python, X_OK) != 0) {
    snprintf(why, cap, "%.400s not found", python);
    return 1;
  }
  if (access(script, R_OK) != 0) {
    snprintf(why, cap, "%.400s not found", script);
    return 1;
  }
  char logpath[PATH_MAX + 32];
  snprintf(logpath, sizeof logpath, "%s/.plots.log", dir);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(why, cap, "fork: %s", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    int nul = open("/dev/null", O_RDWR);
    int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (nul >= 0) dup2(nul, STDIN_FILENO), dup2(nul, STDOUT_FILENO);
    if (log >= 0) dup2(log, STDERR_FILENO);
    char *const argv[] = {(char *)python, script, (char *)dir, NULL};
    execv(python, argv);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      snprintf(why, cap, "waitpid: %s", strerror(errno));
      unlink(logpath);
      return 1;
    }
  /* the last line of the script's stderr says why it stopped */
  char last[512] = "";
  FILE *f = fopen(logpath, "r");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f))
      if (line[0] != '\n') snprintf(last, sizeof last, "%s", line);
    fclose(f);
    last[strcspn(last, "\n")] = '\0';
  }
  unlink(logpath);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    snprintf(why, cap, "%s could not be run", python);
  else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
    snprintf(why, cap, "%s", last[0] ? last : "numpy or matplotlib missing");
  else
    snprintf(why, cap, "the plot script failed (%s)", last[0] ? last : "no message");
  return 1;
}

/* ---- writing the report ---------------------------------------------------------------- */

static void csv_num(FILE *f, double x) {
  if (isnan(x)) fputs("", f);
  else if (isinf(x)) fputs(x > 0 ? "inf" : "-inf", f);
  else fprintf(f, "%.10g", x);
}

/* RFC 4180 quoting. */

static void print_table(FILE *f, const vreport *r, const char *header, int only_failed) {
  enum { WL = 50, WF = 16, WM = 38, WT = 22 };
  if (!only_failed) {
    fputs(header, f);
    put_padded(f, TR(r, "check", "controle"), WL);
    fputs("  ", f);
    put_padded(f, TR(r, "figure", "cijfer"), WF);
    fputs("  ", f);
    put_padded(f, TR(r, "model [95 % MC interval]", "model [95%-MC-interval]"), WM);
    fputs("  ", f);
    put_padded(f, TR(r, "tolerance", "tolerantie"), WT);
    fputs("  ", f);
    put_padded(f, TR(r, "result", "uitkomst"), 8);
    fputs("  detail\n", f);
  }
  const char *group = "";
  for (int i = 0; i < r->n; i++) {
    const vcheck *c = &r->c[i];
    if (only_failed && c->status != ST_FAIL) continue;
    if (!only_failed && strcmp(group, c->group)) {
      group = c->group;
      const char *title = !strcmp(group, "calibration") ? TR(r, "Calibration (docs/model.md §10.6)", "Kalibratie (docs/model.md §10.6)")
                          : !strcmp(group, "analytic")  ? TR(r, "Analytic checks (docs/model.md §10.1-10.3)", "Analytische controles (docs/model.md §10.1-10.3)")
                                                        : TR(r, "Kernel comparison (docs/model.md §10.4)", "Vergelijking van de kernels (docs/model.md §10.4)");
      fprintf(f, "\n%s\n", title);
    }
    put_padded(f, c->label, WL);
    fputs("  ", f);
    put_padded(f, c->figure, WF);
    fputs("  ", f);
    put_padded(f, c->model, WM);
    fputs("  ", f);
    put_padded(f, c->tol, WT);
    fputs("  ", f);
    put_padded(f, status_word[c->status], 8);
    fprintf(f, "  %s\n", c->detail);
  }
}

static void write_checks_csv(FILE *f, const vreport *r) {
  fputs("group,id,label,figure,mean,ci95_low,ci95_high,se,tolerance,status,figure_text,model_text,detail\n", f);
  for (int i = 0; i < r->n; i++) {
    const vcheck *c = &r->c[i];
    bw_csv_field(f, c->group), fputc(',', f);
    bw_csv_field(f, c->id), fputc(',', f);
    bw_csv_field(f, c->label), fputc(',', f);
    csv_num(f, c->fig), fputc(',', f);
    csv_num(f, c->mean), fputc(',', f);
    csv_num(f, c->lo), fputc(',', f);
    csv_num(f, c->hi), fputc(',', f);
    csv_num(f, c->se), fputc(',', f);
    bw_csv_field(f, c->tol), fputc(',', f);
    bw_csv_field(f, status_word[c->status]), fputc(',', f);
    bw_csv_field(f, c->figure), fputc(',', f);
    bw_csv_field(f, c->model), fputc(',', f);
    bw_csv_field(f, c->detail), fputc('\n', f);
  }
}

static void write_cells_csv(FILE *f, const vreport *r) {
  fputs("check,item,year,expected,mean,se,z,z_crit\n", f);
  for (int i = 0; i < r->ncell; i++) {
    const vcell *c = &r->cell[i];
    bw_csv_field(f, c->check), fputc(',', f);
    bw_csv_field(f, c->item), fprintf(f, ",%d,", c->year);
    csv_num(f, c->expected), fputc(',', f);
    csv_num(f, c->mean), fputc(',', f);
    csv_num(f, c->se), fputc(',', f);
    csv_num(f, c->z), fputc(',', f);
    csv_num(f, c->zcrit), fputc('\n', f);
  }
}

/* ---- the command ------------------------------------------------------------------------ */

typedef struct {
  /* inputs */
  val_args a;
  bw_params p;
  bw_data d;
  shares sh;
  bw_run_opts ro;
  int N, ny;
  double pop;
  char params_path[PATH_MAX];
  /* results kept for the report files */
  nat_store ind, cnt; /* per-replication national totals of both kernels (cnt.nat NULL: none) */
  int counts_ok;
  char counts_why[BW_MSG_MAX + 64];
  double *resid[BW_NCARE];
  int nresid;
  vreport rep;
} vstate;


/* ---- calibration ---- */

static bw_status check_calibration(vstate *s, const main_run *mr, bw_ctx *ctx) {
  vreport *r = &s->rep;
  const bw_params *p = &s->p;
  int N = s->N, ny = s->ny;
  char label[128], tol[48];
  if (p->first_year != CALIB_YEAR) {
    vcheck *c = add_check(r, "calibration", "calibration");
    if (!c) return BW_ENOMEM;
    snprintf(c->label, sizeof c->label, "%s", TR(r, "published figures of 2021", "gepubliceerde cijfers 2021"));
    snprintf(c->figure, sizeof c->figure, "-");
    snprintf(c->model, sizeof c->model, "-");
    snprintf(c->tol, sizeof c->tol, "-");
    c->status = ST_SKIP;
    snprintf(c->detail, sizeof c->detail, "run.first_year = %d: the figures are for %d", p->first_year, CALIB_YEAR);
    return BW_OK;
  }
  double *x = malloc(sizeof(double) * (size_t)N);
  if (!x) return bw_fail(ctx, BW_ENOMEM, "out of memory (calibration)");

  /* BW clients on 1 Jan 2021: the stock is data, the same in every replication */
  for (int i = 0; i < N; i++)
    x[i] = natv(&mr->nat, i, BW_Q_CLIENTS_I_JAN1, 0) + natv(&mr->nat, i, BW_Q_CLIENTS_A_JAN1, 0);
  moments m = moments_of(x, N, 1);
  snprintf(label, sizeof label, "%s", TR(r, "BW clients (I + A) on 1 Jan 2021", "BW-cliënten (I + A) op 1 jan 2021"));
  snprintf(tol, sizeof tol, "%s", TR(r, "±500 (rounding)", "±500 (afronding)"));
  calib_check(r, "calib_bw_clients_2021", label, U_COUNT, FIG_BW_CLIENTS, TOL_BW_CLIENTS, tol, &m);

  /* the first wave, counted in a variant without the hazard and without the
   * other flows: the same keyed draws move the same stock clients */
  {
    bw_params v = *p;
    v.wlz_hazard = 0.0;
    v.stock[BW_A] = v.stock[BW_M] = 0.0;
    for (int c = 0; c < BW_NCARE; c++) v.rate_per_1000[c] = 0.0;
    bw_model *mv = bw_model_create(&v, &s->d, ctx);
    if (!mv) {
      free(x);
      return ctx->status;
    }
    nat_store ws = {ny, malloc(sizeof(double) * (size_t)N * BW_NQ * (size_t)ny)};
    bw_status st = ws.nat ? run_reps(mv, 0, N, &s->ro, "Wlz wave", store_national, &ws, ctx)
                          : bw_fail(ctx, BW_ENOMEM, "out of memory (Wlz wave)");
    bw_model_free(mv);
    if (st != BW_OK) {
      free(ws.nat);
      free(x);
      return st;
    }
    for (int i = 0; i < N; i++) x[i] = natv(&ws, i, BW_Q_WLZ_TRANSFERS, 0);
    free(ws.nat);
  }
  /* the wave is part of the 2021 transfers of the same replication */
  int inconsistent = -1;
  for (int i = 0; i < N && inconsistent < 0; i++)
    if (x[i] > natv(&mr->nat, i, BW_Q_WLZ_TRANSFERS, 0)) inconsistent = i;
  m = moments_of(x, N, 1);
  snprintf(tol, sizeof tol, "±3 %%");
  calib_check(r, "calib_wlz_wave_2021", TR(r, "Wlz first wave, 1 Jan 2021", "Wlz eerste golf, 1 jan 2021"), U_COUNT,
              FIG_WLZ_WAVE, TOL_REL_APPROX * FIG_WLZ_WAVE, tol, &m);
  if (inconsistent >= 0 && r->n > 0 && !r->oom) {
    vcheck *c = &r->c[r->n - 1];
    c->status = ST_FAIL;
    snprintf(c->detail, sizeof c->detail, "replication %d: wave %.0f > Wlz transfers of 2021 %.0f", inconsistent,
             x[inconsistent], natv(&mr->nat, inconsistent, BW_Q_WLZ_TRANSFERS, 0));
  }

  for (int i = 0; i < N; i++) x[i] = natv(&mr->nat, i, BW_Q_WLZ_TRANSFERS, 0);
  m = moments_of(x, N, 1);
  calib_check(r, "calib_wlz_transfers_2021", TR(r, "Wlz transfers in 2021 (wave + hazard)", "Wlz-overgangen 2021 (golf + hazard)"),
              U_COUNT, FIG_WLZ_2021, TOL_REL_APPROX * FIG_WLZ_2021, tol, &m);

  /* p·q_2021: what the settlement of 2022 charges (checked exactly below) */
  double price = p->wlz_uitname_eur / p->wlz_uitname_clients;
  for (int i = 0; i < N; i++) x[i] = price * natv(&mr->nat, i, BW_Q_WLZ_CLIENT_YEARS, 0);
  m = moments_of(x, N, 1);
  calib_check(r, "calib_wlz_pq_2021", TR(r, "final Wlz uitname p·q_2021 (EUR)", "definitieve Wlz-uitname p·q_2021 (EUR)"),
              U_MLN, FIG_PQ_2021, TOL_REL_APPROX * FIG_PQ_2021, tol, &m);

  /* ex-ante uitname, as taken off the first-year macrobudget */
  for (int i = 0; i < N; i++) x[i] = mr->uitname[i];
  m = moments_of(x, N, 1);
  snprintf(tol, sizeof tol, "%s", TR(r, "±0.5 mln (rounding)", "±0.5 mln (afronding)"));
  calib_check(r, "calib_wlz_uitname_ex_ante", TR(r, "ex-ante Wlz uitname U_2021 (EUR)", "ex-ante Wlz-uitname U_2021 (EUR)"),
              U_MLN, FIG_U_EX_ANTE, TOL_U_EX_ANTE, tol, &m);

  /* historical budgets: data */
  moments dm = {s->sh.sum_bw, 0, 0, N};
  snprintf(tol, sizeof tol, "%s", TR(r, "±5 mln (rounding)", "±5 mln (afronding)"));
  calib_check(r, "calib_hist_bw_2021", TR(r, "historical BW budget 2021 (EUR)", "historisch budget BW 2021 (EUR)"), U_MLN,
              FIG_HIST_BW, TOL_HIST_BW, tol, &dm);
  dm.mean = s->sh.sum_mo;
  snprintf(tol, sizeof tol, "%s", TR(r, "±0.5 mln (rounding)", "±0.5 mln (afronding)"));
  calib_check(r, "calib_hist_mo_2021", TR(r, "historical MO budget 2021 (EUR)", "historisch budget MO 2021 (EUR)"), U_MLN,
              FIG_HIST_MO, TOL_HIST_MO, tol, &dm);

  /* macro balance after the 2022 settlement: national cost / budget in
   * every year from the first settled year on (docs/model.md §10.6: the defaults
   * describe a macro-balanced system); the line shows the year furthest
   * from 1, validation_cells.csv every year */
  if (ny > 1) {
    int worst = 1, all = 1;
    double dw = -1;
    moments mw = {0};
    for (int y = 1; y < ny; y++) {
      for (int i = 0; i < N; i++)
        x[i] = natv(&mr->nat, i, BW_Q_COST_EUR, y) / natv(&mr->nat, i, BW_Q_BUDGET_EUR, y);
      m = moments_of(x, N, 1);
      double half = m.se > 0 ? t95(N) * m.se : 0.0;
      add_cell(r, "calib_macro_balance", "cost_eur/budget_eur", p->first_year + y, 1.0, m.mean, m.se,
               zscore(m.mean, 1.0, m.se), NAN);
      if (!(m.mean + half >= 1.0 - TOL_REL_APPROX && m.mean - half <= 1.0 + TOL_REL_APPROX)) all = 0;
      if (!(fabs(m.mean - 1.0) <= dw)) dw = fabs(m.mean - 1.0), worst = y, mw = m;
    }
    snprintf(label, sizeof label, TR(r, "macro balance: cost / budget %d-%d", "macrobalans: kosten / budget %d-%d"),
             p->first_year + 1, p->last_year);
    snprintf(tol, sizeof tol, "±3 %%");
    calib_check(r, "calib_macro_balance", label, U_RATIO, 1.0, TOL_REL_APPROX, tol, &mw);
    if (r->n > 0 && !r->oom) {
      vcheck *c = &r->c[r->n - 1];
      c->status = all ? ST_PASS : ST_FAIL;
      snprintf(c->detail, sizeof c->detail,
               TR(r, "furthest from 1 of %d years: %d, %+.2f %%; every year's interval must meet the band",
                  "verst van 1 van %d jaren: %d, %+.2f %%; het interval van elk jaar moet de band raken"),
               ny - 1, p->first_year + worst, 100.0 * (mw.mean - 1.0));
    }
  }
  free(x);
  return r->oom ? bw_fail(ctx, BW_ENOMEM, "out of memory (report)") : BW_OK;
}

/* ---- identities on every replication ---- */

static void identity_check(vreport *r, const char *id, const char *label, double maxerr, double tol,
                           const char *tol_text, const char *detail) {
  vcheck *c = add_check(r, "analytic", id);
  if (!c) return;
  snprintf(c->label, sizeof c->label, "%s", label);
  snprintf(c->figure, sizeof c->figure, "0 EUR");
  snprintf(c->model, sizeof c->model, TR(r, "max |error| %.2g EUR", "max |fout| %.2g EUR"), maxerr);
  snprintf(c->tol, sizeof c->tol, "%s", tol_text);
  c->fig = 0.0, c->mean = maxerr;
  c->status = maxerr <= tol ? ST_PASS : ST_FAIL; /* NaN fails */
  snprintf(c->detail, sizeof c->detail, "%s", detail);
}

/* Ingroeipad end points (docs/model.md §10.2): with w = 0 every B_gt is M_t·H_g,
 * with w = 1 (from S) M_t·O_g; H, O and M_t recomputed here from §5. Flows
 * scaled down 20-fold (the budget does not depend on their size). */
enum { END_REPS = 2 };

typedef struct {
  const bw_params *v;
  const shares *sh;
  int ny, ng, S;
  double w;             /* the custom path's weight from S on */
  double err[END_REPS]; /* [rep] max |B - M_t·((1 - w)H_g + w O_g)|, |MO - MO_t·H^MO_g| */
} end_run;

static void end_rep(void *user, uint32_t rep, const bw_rep_result *res) {
  end_run *s = user;
  int ny = s->ny;
  double err = 0;
  for (int y = 0; y < ny; y++) {
    double M, MO;
    macro_of(s->v, s->sh, res->national[BW_Q_WLZ_SETTLEMENT_EUR * ny + y], y, &M, &MO);
    double wt = y < s->S ? 0.0 : s->w;
    for (int g = 0; g < s->ng; g++) {
      double want = M * ((1.0 - wt) * s->sh->hist_bw[g] + wt * s->sh->obj[g]);
      double e = fabs(res->budget_bw[(size_t)g * ny + y] - want);
      double emo = fabs(res->budget_mo[(size_t)g * ny + y] - MO * s->sh->hist_mo[g]);
      if (!(e <= err)) err = e;
      if (!(emo <= err)) err = emo;
    }
  }
  s->err[rep] = err;
}

static bw_status check_end_points(vstate *s, bw_ctx *ctx) {
  vreport *r = &s->rep;
  int ny = s->ny, ng = s->d.ng;
  bw_params base = s->p;
  for (int c = 0; c < BW_NCARE; c++) base.stock[c] *= 0.05, base.rate_per_1000[c] *= 0.05;
  base.bijsturing = BW_BIJST_NONE;
  base.pooling = BW_POOL_NONE;
  base.mo_decentralise_year = 0;
  base.complete_by = 0;
  base.ingroei_mode = BW_INGROEI_CUSTOM;
  base.n_custom = ny < BW_MAX_YEARS ? ny : BW_MAX_YEARS;
  int S = base.start_year - base.first_year;
  for (int pass = 0; pass < 2; pass++) {
    bw_params v = base;
    for (int k = 0; k < v.n_custom; k++) v.ingroei_custom[k] = pass;
    shares sh;
    if (shares_of(&v, &s->d, &sh)) {
      shares_free(&sh);
      return bw_fail(ctx, BW_ENOMEM, "out of memory (end points)");
    }
    bw_model *m = bw_model_create(&v, &s->d, ctx);
    end_run er = {&v, &sh, ny, ng, S, pass, {0}};
    bw_status st = m ? run_reps(m, 0, END_REPS, &s->ro, pass ? "ingroeipad w = 1" : "ingroeipad w = 0", end_rep,
                                &er, ctx)
                     : ctx->status;
    bw_model_free(m), shares_free(&sh);
    if (st != BW_OK) return st;
    double err = 0;
    for (int i = 0; i < END_REPS; i++)
      if (!(er.err[i] <= err)) err = er.err[i];
    char detail[256];
    snprintf(detail, sizeof detail,
             TR(r, "%d gemeenten x %d years x %d replications; custom path of %ds",
                "%d gemeenten x %d jaren x %d replicaties; eigen pad van %d-en"),
             ng, ny, END_REPS, pass);
    if (pass == 0)
      identity_check(r, "ingroeipad_w0_historical",
                     TR(r, "ingroeipad w = 0: B = M_t·H_g (historical)", "ingroeipad w = 0: B = M_t·H_g (historisch)"),
                     err, CENT, TR(r, "< 1 cent", "< 1 cent"), detail);
    else
      identity_check(r, "ingroeipad_w1_objective",
                     TR(r, "ingroeipad w = 1: B = M_t·O_g (objective)", "ingroeipad w = 1: B = M_t·O_g (objectief)"),
                     err, CENT, TR(r, "< 1 cent", "< 1 cent"), detail);
  }
  return r->oom ? bw_fail(ctx, BW_ENOMEM, "out of memory (report)") : BW_OK;
}

/* ---- immigration–death (docs/model.md §10.1) ---- */

/* With exponential stays of mean m, Poisson entries at rate λ (uniform
 * times within each year: a Poisson process) and a fixed stock N0 at t = 0,
 * the count in care at t is
 *   N(t) = B + P,  B ~ Binomial(N0, q) (stock still in care, q = e^{-t/m}),
 *                  P ~ Poisson(λ m (1 - q)) (entries still in care: a thinned
 *                      Poisson process, independent of B),
 * so E N(t) = N0 q + λ m (1 - q)                       (docs/model.md §10.1)
 *    Var N(t) = N0 q (1 - q) + λ m (1 - q),
 * and its fourth cumulant k4 = N0 q(1-q)(1 - 6q(1-q)) + λ m (1 - q) (cumulants
 * add). As t → ∞ the law tends to Poisson(λm), the stationary law. The mean
 * is tested with the exact se sqrt(Var/R); the sample variance s² with
 * Var(s²) = σ⁴·2/(R-1) + k4/R (iid). */
static bw_status check_immigration_death(vstate *s, bw_ctx *ctx) {
  vreport *r = &s->rep;
  int ny = s->ny, R = s->N > QUEUE_MIN_REPS ? s->N : QUEUE_MIN_REPS;
  bw_params v = s->p;
  queue_params(&v, s->pop);
  bw_model *m = bw_model_create(&v, &s->d, ctx);
  if (!m) return ctx->status;
  nat_store ns = {ny, malloc(sizeof(double) * (size_t)R * BW_NQ * (size_t)ny)};
  double *x = malloc(sizeof(double) * (size_t)R);
  bw_status st = ns.nat && x ? run_reps(m, 0, R, &s->ro, "immigration-death", store_national, &ns, ctx)
                             : bw_fail(ctx, BW_ENOMEM, "out of memory (immigration-death)");
  bw_model_free(m);
  if (st != BW_OK) {
    free(ns.nat), free(x);
    return st;
  }
  for (int c = 0; c < BW_NCARE; c++) {
    double lam = QUEUE_LAMBDA[c], n0 = QUEUE_N0[c], mc = QUEUE_MEAN[c];
    char id_mean[64], id_var[64];
    snprintf(id_mean, sizeof id_mean, "immigration_death_mean_%s", care_name[c]);
    snprintf(id_var, sizeof id_var, "immigration_death_variance_%s", care_name[c]);
    int worst_m = -1, worst_v = -1;
    double zm = -1, zv = -1;
    double e_m[BW_MAX_YEARS], e_v[BW_MAX_YEARS], se_m[BW_MAX_YEARS], se_v[BW_MAX_YEARS];
    moments mm[BW_MAX_YEARS];
    for (int y = 0; y < ny; y++) {
      for (int i = 0; i < R; i++) x[i] = natv(&ns, i, BW_Q_CLIENTS_I_JAN1 + c, y);
      mm[y] = moments_of(x, R, 1);
      double q = exp(-y / mc), pois = lam * mc * (1 - q), bin = n0 * q * (1 - q);
      e_m[y] = n0 * q + pois;
      e_v[y] = bin + pois;
      double k4 = bin * (1 - 6 * q * (1 - q)) + pois;
      se_m[y] = sqrt(e_v[y] / R);
      se_v[y] = sqrt(e_v[y] * e_v[y] * 2.0 / (R - 1) + k4 / R);
      double z1 = zscore(mm[y].mean, e_m[y], se_m[y]), z2 = zscore(mm[y].var, e_v[y], se_v[y]);
      add_cell(r, id_mean, care_name[c], s->p.first_year + y, e_m[y], mm[y].mean, se_m[y], z1, Z_MAX);
      add_cell(r, id_var, care_name[c], s->p.first_year + y, e_v[y], mm[y].var, se_v[y], z2, Z_MAX);
      if (!(fabs(z1) <= zm)) zm = fabs(z1), worst_m = y;
      if (!(fabs(z2) <= zv)) zv = fabs(z2), worst_v = y;
    }
    for (int pass = 0; pass < 2; pass++) {
      int y = pass ? worst_v : worst_m;
      vcheck *ch = add_check(r, "analytic", pass ? id_var : id_mean);
      if (!ch) break;
      snprintf(ch->label, sizeof ch->label,
               pass ? TR(r, "immigration-death variance, %s", "immigratie-sterfte variantie, %s")
                    : TR(r, "immigration-death mean, %s", "immigratie-sterfte gemiddelde, %s"),
               care_name[c]);
      double e = pass ? e_v[y] : e_m[y], val = pass ? mm[y].var : mm[y].mean, se = pass ? se_v[y] : se_m[y];
      char a[32], b[32], d[32];
      fmt_unit(a, sizeof a, U_VAR, e);
      snprintf(ch->figure, sizeof ch->figure, "%s", a);
      fmt_unit(a, sizeof a, U_VAR, val);
      fmt_unit(b, sizeof b, U_VAR, val - 1.96 * se);
      fmt_unit(d, sizeof d, U_VAR, val + 1.96 * se);
      snprintf(ch->model, sizeof ch->model, "%s [%s, %s]", a, b, d);
      snprintf(ch->tol, sizeof ch->tol, "±4 se");
      ch->fig = e, ch->mean = val, ch->se = se, ch->lo = val - 1.96 * se, ch->hi = val + 1.96 * se;
      int allok = 1;
      for (int k = 0; k < r->ncell; k++)
        if (!strcmp(r->cell[k].check, pass ? id_var : id_mean) && !(fabs(r->cell[k].z) <= Z_MAX)) allok = 0;
      ch->status = allok ? ST_PASS : ST_FAIL;
      snprintf(ch->detail, sizeof ch->detail,
               TR(r, "worst of %d years: %d, z = %+.2f; R = %d, N0 = %.0f, λ = %.0f/yr, m = %.0f yr",
                  "slechtste van %d jaren: %d, z = %+.2f; R = %d, N0 = %.0f, λ = %.0f/jr, m = %.0f jr"),
               pass ? ny - 1 : ny, s->p.first_year + y, zscore(val, e, se), R, n0, lam, mc);
    }
  }
  free(ns.nat), free(x);
  return r->oom ? bw_fail(ctx, BW_ENOMEM, "out of memory (report)") : BW_OK;
}

/* P(R > t) for the forward recurrence of a Weibull(k, scale) stay:
 * ∫_t^∞ S(u) du / m = Q(1/k, (t/scale)^k). */
static double resid_survival(double t, double k, double scale) {
  if (t <= 0) return 1.0;
  gsl_sf_result res;
  if (gsl_sf_gamma_inc_Q_e(1.0 / k, pow(t / scale, k), &res) != GSL_SUCCESS) return NAN;
  return res.val;
}

/* ---- forward recurrence: stationary start and the residual draws ---- */

/* A stationary start (docs/model.md §3.1, issue 5): stock N0 whose residual stays
 * follow the forward-recurrence law G(t) = P(R > t) = ∫_t^∞ S(u)du / m, and
 * Poisson entries at λ = N0 / m. Then
 *   N(t) = Binomial(N0, G(t)) + Poisson(λ ∫_0^t S(u) du) = Bin(N0, G) + Poisson(N0 (1 - G)),
 *   E N(t) = N0 for every t,   Var N(t) = N0 G (1 - G) + N0 (1 - G) = N0 (1 - G²).
 * Each care type keeps the params' Weibull law (for I: shape 1.2, where a
 * wrong residual law would show); the stock is the params' stock / 10. */
static bw_status check_stationary(vstate *s, bw_ctx *ctx) {
  vreport *r = &s->rep;
  int ny = s->ny, R = s->N;
  bw_params v = s->p;
  reduce_flows(&v);
  double n0[BW_NCARE], scale[BW_NCARE];
  for (int c = 0; c < BW_NCARE; c++) {
    n0[c] = nearbyint(s->p.stock[c] / STATIONARY_SCALE);
    if (n0[c] < 100) n0[c] = 100;
    v.stock[c] = n0[c];
    v.rate_per_1000[c] = n0[c] / v.duration_mean_years[c] * 1000.0 / s->pop;
    scale[c] = v.duration_mean_years[c] / gsl_sf_gamma(1.0 + 1.0 / v.duration_shape[c]);
  }
  bw_model *m = bw_model_create(&v, &s->d, ctx);
  if (!m) return ctx->status;
  nat_store ns = {ny, malloc(sizeof(double) * (size_t)R * BW_NQ * (size_t)ny)};
  double *x = malloc(sizeof(double) * (size_t)R);
  bw_status st = ns.nat && x ? run_reps(m, 0, R, &s->ro, "stationary start", store_national, &ns, ctx)
                             : bw_fail(ctx, BW_ENOMEM, "out of memory (stationary start)");
  bw_model_free(m);
  if (st != BW_OK) {
    free(ns.nat), free(x);
    return st;
  }
  for (int c = 0; c < BW_NCARE; c++) {
    char id[64];
    snprintf(id, sizeof id, "stationary_start_%s", care_name[c]);
    int worst = 0, ok = 1;
    double zw = -1, mean_w = 0, se_w = 0;
    for (int y = 0; y < ny; y++) {
      for (int i = 0; i < R; i++) x[i] = natv(&ns, i, BW_Q_CLIENTS_I_JAN1 + c, y);
      moments mm = moments_of(x, R, 1);
      double G = resid_survival((double)y, v.duration_shape[c], scale[c]);
      double se = sqrt(n0[c] * (1 - G * G) / R);
      double z = zscore(mm.mean, n0[c], se);
      add_cell(r, id, care_name[c], s->p.first_year + y, n0[c], mm.mean, se, z, Z_MAX);
      if (!(fabs(z) <= Z_MAX)) ok = 0;
      if (!(fabs(z) <= zw)) zw = fabs(z), worst = y, mean_w = mm.mean, se_w = se;
    }
    vcheck *ch = add_check(r, "analytic", id);
    if (!ch) break;
    snprintf(ch->label, sizeof ch->label,
             TR(r, "stationary start stays stationary, %s", "stationaire start blijft stationair, %s"), care_name[c]);
    char a[32], b[32], d[32];
    fmt_unit(a, sizeof a, U_COUNT, n0[c]);
    snprintf(ch->figure, sizeof ch->figure, "%s", a);
    fmt_unit(a, sizeof a, U_VAR, mean_w);
    fmt_unit(b, sizeof b, U_VAR, mean_w - 1.96 * se_w);
    fmt_unit(d, sizeof d, U_VAR, mean_w + 1.96 * se_w);
    snprintf(ch->model, sizeof ch->model, "%s [%s, %s]", a, b, d);
    snprintf(ch->tol, sizeof ch->tol, "±4 se");
    ch->fig = n0[c], ch->mean = mean_w, ch->se = se_w, ch->lo = mean_w - 1.96 * se_w, ch->hi = mean_w + 1.96 * se_w;
    ch->status = ok ? ST_PASS : ST_FAIL;
    snprintf(ch->detail, sizeof ch->detail,
             TR(r, "worst of %d years: %d, z = %+.2f; R = %d, Weibull k = %g, m = %g yr, λ = N0/m",
                "slechtste van %d jaren: %d, z = %+.2f; R = %d, Weibull k = %g, m = %g jr, λ = N0/m"),
             ny, s->p.first_year + worst, zscore(mean_w, n0[c], se_w), R, v.duration_shape[c],
             v.duration_mean_years[c]);
  }
  free(ns.nat), free(x);
  return r->oom ? bw_fail(ctx, BW_ENOMEM, "out of memory (report)") : BW_OK;
}

/* The residual stays themselves: replications with one stock client of one
 * care type and nothing else; with a tariff of 1 EUR a day and no
 * indexation its cost / 365 is its residual stay R (censored at the
 * horizon). Kolmogorov–Smirnov against F(t) = P(1/k, (t/scale)^k); with
 * censoring at H the supremum runs over [0, H), which only makes the
 * p-value conservative. */
static bw_status check_residual_law(vstate *s, bw_ctx *ctx) {
  vreport *r = &s->rep;
  int ny = s->ny, R = KS_PER_N * s->N > KS_MIN_DRAWS ? KS_PER_N * s->N : KS_MIN_DRAWS;
  double H = ny;
  s->nresid = R;
  for (int c = 0; c < BW_NCARE; c++) {
    bw_params v = s->p;
    reduce_flows(&v);
    for (int j = 0; j < BW_NCARE; j++) {
      v.stock[j] = j == c ? 1.0 : 0.0;
      v.rate_per_1000[j] = 0.0;
      v.tariff_eur_per_day[j] = 1.0;
    }
    v.cost_index = 0.0;
    v.mo_extra_eur = 0.0;
    double k = v.duration_shape[c], scale = v.duration_mean_years[c] / gsl_sf_gamma(1.0 + 1.0 / k);
    bw_model *m = bw_model_create(&v, &s->d, ctx);
    if (!m) return ctx->status;
    resid_run rr = {ny, s->d.ng, malloc(sizeof(double) * (size_t)R)};
    char label[32];
    snprintf(label, sizeof label, "residual stays %s", care_name[c]);
    bw_status st = rr.resid ? run_reps(m, 0, R, &s->ro, label, resid_rep, &rr, ctx)
                            : bw_fail(ctx, BW_ENOMEM, "out of memory (residual stays)");
    bw_model_free(m);
    if (st != BW_OK) {
      free(rr.resid);
      return st;
    }
    s->resid[c] = rr.resid; /* kept for residual_samples.csv, in replication order */
    double *x = malloc(sizeof(double) * (size_t)R);
    if (!x) return bw_fail(ctx, BW_ENOMEM, "out of memory (KS)");
    memcpy(x, rr.resid, sizeof(double) * (size_t)R);
    qsort(x, (size_t)R, sizeof(double), cmp_double);
    double D = 0;
    int nunc = 0;
    for (int i = 0; i < R; i++) {
      if (x[i] >= H - 1e-9) break; /* censored at the horizon */
      double F = 1.0 - resid_survival(x[i], k, scale);
      D = fmax(D, fmax((i + 1.0) / R - F, F - (double)i / R));
      nunc = i + 1;
    }
    D = fmax(D, fabs((1.0 - resid_survival(H, k, scale)) - (double)nunc / R));
    double pv = ks_pvalue(D, R);
    /* the mean of min(R, H) against ∫_0^H G(t) dt (Simpson), for the table */
    moments mm = moments_of(rr.resid, R, 1);
    int nsimp = 2000;
    double hstep = H / nsimp, integ = resid_survival(0, k, scale) + resid_survival(H, k, scale);
    for (int i = 1; i < nsimp; i++) integ += (i % 2 ? 4.0 : 2.0) * resid_survival(i * hstep, k, scale);
    integ *= hstep / 3.0;
    free(x);
    char id[64];
    snprintf(id, sizeof id, "residual_law_ks_%s", care_name[c]);
    add_cell(r, id, care_name[c], 0, integ, mm.mean, mm.se, zscore(mm.mean, integ, mm.se), Z_MAX);
    vcheck *ch = add_check(r, "analytic", id);
    if (!ch) break;
    snprintf(ch->label, sizeof ch->label,
             TR(r, "residual stay ~ forward recurrence (KS), %s", "resterend verblijf ~ voorwaartse recurrentie (KS), %s"),
             care_name[c]);
    snprintf(ch->figure, sizeof ch->figure, "%.3f yr", integ);
    double half = t95(R) * mm.se;
    snprintf(ch->model, sizeof ch->model, "%.3f [%.3f, %.3f] yr", mm.mean, mm.mean - half, mm.mean + half);
    snprintf(ch->tol, sizeof ch->tol, "KS p ≥ %.0e", KS_ALPHA);
    ch->fig = integ, ch->mean = mm.mean, ch->se = mm.se, ch->lo = mm.mean - half, ch->hi = mm.mean + half;
    ch->status = pv >= KS_ALPHA ? ST_PASS : ST_FAIL;
    snprintf(ch->detail, sizeof ch->detail,
             TR(r, "D = %.4f, p = %.3g; figure: E min(R, %g yr); n = %d one-client replications, %d censored; Weibull k = %g, m = %g yr",
                "D = %.4f, p = %.3g; cijfer: E min(R, %g jr); n = %d replicaties met één cliënt, %d gecensureerd; Weibull k = %g, m = %g jr"),
             D, pv, H, R, R - nunc, k, v.duration_mean_years[c]);
  }
  return r->oom ? bw_fail(ctx, BW_ENOMEM, "out of memory (report)") : BW_OK;
}

/* ---- kernel comparison (docs/model.md §10.4) ---- */

static int same_results(const nat_store *a, const nat_store *b, int rep) {
  size_t per = (size_t)BW_NQ * (size_t)a->ny;
  return memcmp(a->nat + (size_t)rep * per, b->nat + (size_t)rep * per, per * sizeof(double)) == 0;
}

/* The one line of the kernel comparison when it cannot be made: SKIPPED
 * (no count kernel) or FAIL (it failed part-way). */
static bw_status kernel_verdict(vreport *r, vstatus status, const char *detail, bw_ctx *ctx) {
  vcheck *ch = add_check(r, "kernel", "kernel_counts_vs_individual");
  if (!ch) return bw_fail(ctx, BW_ENOMEM, "out of memory (report)");
  snprintf(ch->label, sizeof ch->label, "%s", TR(r, "count vs individual kernel", "telkernel vs individuele kernel"));
  snprintf(ch->figure, sizeof ch->figure, "-");
  snprintf(ch->model, sizeof ch->model, "-");
  snprintf(ch->tol, sizeof ch->tol, TR(r, "±4 combined se", "±4 gecombineerde se"));
  ch->status = status;
  snprintf(ch->detail, sizeof ch->detail, "%.250s", detail);
  return BW_OK;
}

static bw_status check_kernels(vstate *s, bw_ctx *ctx) {
  vreport *r = &s->rep;
  int ny = s->ny, N = s->N;
  bw_params v = s->p;
  v.kernel = BW_KERNEL_COUNTS;
  s->counts_ok = 0;
  s->counts_why[0] = '\0';
  bw_ctx local;
  bw_ctx_init(&local);
  bw_model *m = bw_model_create(&v, &s->d, &local);
  if (!m) {
    snprintf(s->counts_why, sizeof s->counts_why, "kernel = counts: %.200s", local.msg);
  } else {
    s->cnt.ny = ny;
    s->cnt.nat = malloc(sizeof(double) * (size_t)N * BW_NQ * (size_t)ny);
    if (!s->cnt.nat) {
      bw_model_free(m);
      return bw_fail(ctx, BW_ENOMEM, "out of memory (count kernel)");
    }
    /* replication 0 first: the count kernel may not be built in yet */
    if (run_reps(m, 0, 1, &s->ro, "count kernel, first replication", store_national, &s->cnt, &local) != BW_OK) {
      if (local.status == BW_ENOMEM) {
        bw_model_free(m);
        return bw_fail(ctx, BW_ENOMEM, "%s (count kernel)", local.msg);
      }
      snprintf(s->counts_why, sizeof s->counts_why, "kernel = counts: %.200s", local.msg);
    } else if (same_results(&s->ind, &s->cnt, 0)) {
      snprintf(s->counts_why, sizeof s->counts_why, "%s",
               TR(r, "kernel = counts gives the individual kernel's results bit for bit: the count kernel is not built in",
                  "kernel = counts geeft bit voor bit de uitkomsten van de individuele kernel: de telkernel is er nog niet"));
    }
  }
  /* the rest; failing part-way is a failed check, not a skip */
  char failed[BW_MSG_MAX + 64] = "";
  if (!s->counts_why[0] && run_reps(m, 1, N, &s->ro, "count kernel", store_national, &s->cnt, &local) != BW_OK)
    snprintf(failed, sizeof failed, "count kernel failed: %.200s", local.msg);
  bw_model_free(m);
  if (s->counts_why[0] || failed[0]) {
    free(s->cnt.nat);
    s->cnt.nat = NULL;
    return failed[0] ? kernel_verdict(r, ST_FAIL, failed, ctx) : kernel_verdict(r, ST_SKIP, s->counts_why, ctx);
  }
  s->counts_ok = 1;
  double *x = malloc(sizeof(double) * (size_t)N), *z = malloc(sizeof(double) * (size_t)N);
  if (!x || !z) {
    free(x), free(z);
    return bw_fail(ctx, BW_ENOMEM, "out of memory (kernel comparison)");
  }
  /* Replication r of both kernels shares its keyed outer draws (parameters,
   * eps_g), so the two means are compared through the paired differences
   * d_r = count_r - individual_r: se(mean d) = sqrt((s_i² + s_c² - 2 s_ic) / N)
   * is the combined standard error of the two means including their
   * covariance. It is valid whatever the coupling (the pairs are iid over r)
   * and reduces to sqrt(se_i² + se_c²) for independent runs; the unpaired z
   * is reported beside it. */
  double *dd = malloc(sizeof(double) * (size_t)N);
  if (!dd) {
    free(x), free(z);
    return bw_fail(ctx, BW_ENOMEM, "out of memory (kernel comparison)");
  }
  double crit = z_crit(N - 1);
  for (int q = 0; q < BW_NQ; q++) {
    char id[64], id_u[80];
    snprintf(id, sizeof id, "kernel_%s", bw_quantity_name(q));
    snprintf(id_u, sizeof id_u, "kernel_%s_unpaired", bw_quantity_name(q));
    int ok = 1, worst = 0;
    double zw = -1, zs_w = 0, zu_w = 0, dw = 0;
    moments wi = {0}, wc = {0};
    for (int y = 0; y < ny; y++) {
      for (int i = 0; i < N; i++) {
        x[i] = natv(&s->ind, i, q, y), z[i] = natv(&s->cnt, i, q, y);
        dd[i] = z[i] - x[i];
      }
      moments mi = moments_of(x, N, 1), mc = moments_of(z, N, 1), md = moments_of(dd, N, 1);
      double zz = zscore(md.mean, 0.0, md.se);
      double se_u = sqrt(mi.se * mi.se + mc.se * mc.se), zu = zscore(mc.mean, mi.mean, se_u);
      add_cell(r, id, bw_quantity_name(q), s->p.first_year + y, mi.mean, mc.mean, md.se, zz, crit);
      add_cell(r, id_u, bw_quantity_name(q), s->p.first_year + y, mi.mean, mc.mean, se_u, zu, NAN);
      if (!(fabs(zz) <= crit)) ok = 0;
      if (!(fabs(zz) <= zw)) zw = fabs(zz), zs_w = zz, worst = y, wi = mi, wc = mc, zu_w = zu, dw = md.mean;
    }
    vcheck *ch = add_check(r, "kernel", id);
    if (!ch) break;
    snprintf(ch->label, sizeof ch->label, TR(r, "count vs individual: %s", "tel vs individueel: %s"), bw_quantity_name(q));
    int money = !strcmp(bw_quantity_unit(q), "EUR");
    vunit u = money ? U_MLN : U_VAR;
    char a[32], b[32], d[32];
    double half = t95(N) * wc.se;
    fmt_unit(a, sizeof a, u, wi.mean);
    snprintf(ch->figure, sizeof ch->figure, "%s%s", a, unit_suffix(u));
    fmt_unit(a, sizeof a, u, wc.mean);
    fmt_unit(b, sizeof b, u, wc.mean - half);
    fmt_unit(d, sizeof d, u, wc.mean + half);
    snprintf(ch->model, sizeof ch->model, "%s [%s, %s]%s", a, b, d, unit_suffix(u));
    snprintf(ch->tol, sizeof ch->tol, TR(r, "±4 se (paired)", "±4 se (gepaard)"));
    ch->fig = wi.mean, ch->mean = wc.mean, ch->se = wc.se, ch->lo = wc.mean - half, ch->hi = wc.mean + half;
    ch->status = ok ? ST_PASS : ST_FAIL;
    double rel = wi.mean != 0 ? 100.0 * dw / fabs(wi.mean) : 0.0;
    snprintf(ch->detail, sizeof ch->detail,
             TR(r, "worst of %d years: %d, paired z = %+.2f (limit %.2f), difference %+.3f %%; unpaired z = %+.2f; figure = individual mean",
                "slechtste van %d jaren: %d, gepaarde z = %+.2f (grens %.2f), verschil %+.3f %%; ongepaarde z = %+.2f; cijfer = gemiddelde individuele kernel"),
             ny, s->p.first_year + worst, zs_w, crit, rel, zu_w);
  }
  free(dd);
  free(x), free(z);
  return r->oom ? bw_fail(ctx, BW_ENOMEM, "out of memory (report)") : BW_OK;
}

/* ---- report files ---- */

/* fan.csv: per kernel, quantity and year the mean and the type-7 q05, q50,
 * q95 over replications; clients_IA_jan1 = I + A (the BW clients). */
static int write_fan(FILE *f, const vstate *s) {
  int N = s->N, ny = s->ny;
  double *x = malloc(sizeof(double) * (size_t)N);
  if (!x) return -1;
  fputs("kernel,quantity,year,mean,q05,q50,q95\n", f);
  const nat_store *ks[2] = {&s->ind, s->counts_ok ? &s->cnt : NULL};
  const char *kname[2] = {"individual", "counts"};
  for (int k = 0; k < 2; k++) {
    if (!ks[k]) continue;
    for (int q = -1; q < BW_NQ; q++) {
      for (int y = 0; y < ny; y++) {
        for (int i = 0; i < N; i++)
          x[i] = q < 0 ? natv(ks[k], i, BW_Q_CLIENTS_I_JAN1, y) + natv(ks[k], i, BW_Q_CLIENTS_A_JAN1, y)
                       : natv(ks[k], i, q, y);
        moments m = moments_of(x, N, 1);
        qsort(x, (size_t)N, sizeof(double), cmp_double);
        fprintf(f, "%s,%s,%d,", kname[k], q < 0 ? "clients_IA_jan1" : bw_quantity_name(q), s->p.first_year + y);
        csv_num(f, m.mean), fputc(',', f);
        csv_num(f, quantile7(x, N, 0.05)), fputc(',', f);
        csv_num(f, quantile7(x, N, 0.50)), fputc(',', f);
        csv_num(f, quantile7(x, N, 0.95)), fputc('\n', f);
      }
    }
  }
  free(x);
  return 0;
}

static void write_residual_samples(FILE *f, const vstate *s) {
  double H = s->ny;
  fputs("care,residual_years,censored\n", f);
  for (int c = 0; c < BW_NCARE; c++) {
    if (!s->resid[c]) continue;
    for (int i = 0; i < s->nresid; i++) {
      double t = s->resid[c][i];
      fprintf(f, "%s,", care_name[c]);
      csv_num(f, t);
      fprintf(f, ",%d\n", t >= H - 1e-9);
    }
  }
}

/* The forward-recurrence density f(t) = S(t) / m (S the Weibull survival)
 * and its CDF on a grid over the horizon. */
static void write_residual_density(FILE *f, const vstate *s) {
  double H = s->ny;
  fputs("care,t_years,density,cdf,weibull_k,mean_years\n", f);
  for (int c = 0; c < BW_NCARE; c++) {
    double k = s->p.duration_shape[c], m = s->p.duration_mean_years[c];
    double scale = m / gsl_sf_gamma(1.0 + 1.0 / k);
    for (int i = 0; i <= 400; i++) {
      double t = H * i / 400.0;
      fprintf(f, "%s,", care_name[c]);
      csv_num(f, t), fputc(',', f);
      csv_num(f, exp(-pow(t / scale, k)) / m), fputc(',', f);
      csv_num(f, 1.0 - resid_survival(t, k, scale));
      fprintf(f, ",%g,%g\n", k, m);
    }
  }
}

static bw_status write_file(const char *dir, const char *name, bw_ctx *ctx,
                            int (*fn)(FILE *, const vstate *, const char *), const vstate *s,
                            const char *arg) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) return bw_fail(ctx, BW_EIO, "%s: %s", path, strerror(errno));
  int rc = fn(f, s, arg);
  if (rc != 0 || ferror(f)) {
    fclose(f);
    return bw_fail(ctx, rc == -1 ? BW_ENOMEM : BW_EIO, "%s: write failed", path);
  }
  if (fclose(f) != 0) return bw_fail(ctx, BW_EIO, "%s: %s", path, strerror(errno));
  return BW_OK;
}

static int wf_txt(FILE *f, const vstate *s, const char *header) {
  print_table(f, &s->rep, header, 0);
  return 0;
}
static int wf_checks(FILE *f, const vstate *s, const char *u) {
  (void)u;
  write_checks_csv(f, &s->rep);
  return 0;
}
static int wf_cells(FILE *f, const vstate *s, const char *u) {
  (void)u;
  write_cells_csv(f, &s->rep);
  return 0;
}
static int wf_fan(FILE *f, const vstate *s, const char *u) {
  (void)u;
  return write_fan(f, s);
}
static int wf_samples(FILE *f, const vstate *s, const char *u) {
  (void)u;
  write_residual_samples(f, s);
  return 0;
}
static int wf_density(FILE *f, const vstate *s, const char *u) {
  (void)u;
  write_residual_density(f, s);
  return 0;
}
static int wf_meta(FILE *f, const vstate *s, const char *u) {
  (void)u;
  fprintf(f, "lang,%s\ncounts_kernel,%s\n", s->rep.lang ? "nl" : "en", s->counts_ok ? "yes" : "no");
  fputs("counts_reason,", f);
  bw_csv_field(f, s->counts_ok ? "" : s->counts_why);
  fputc('\n', f);
  return 0;
}

/* ---- main ---- */

int bw_validate_main(int argc, char **argv) {
  vstate *s = calloc(1, sizeof *s);
  if (!s) {
    fputs("bwsim validate: out of memory\n", stderr);
    return 1;
  }
  int rc = parse_args(argc, argv, &s->a);
  if (rc) {
    free(s);
    return rc == 1 ? 0 : rc;
  }
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  s->rep.lang = s->a.lang;
  char tmp[PATH_MAX + NAME_MAX + 64] = "", old[PATH_MAX + NAME_MAX + 64] = "";
  const char *out = s->a.c.out ? s->a.c.out : "results/validate";
  int exit_code = 1;
  /* the replications' slots are not gathered across MPI processes (run_reps):
   * every rank refuses alike, so that none waits for the others */
  if (bw_mpi_size() > 1) {
    bw_fail(&ctx, BW_EUSAGE, "validate runs in one process; start it without mpirun (here %d processes)",
            bw_mpi_size());
    goto fail;
  }

  /* params: the given file, or params/default.yaml here or in the source tree */
  if (s->a.params) {
    snprintf(s->params_path, sizeof s->params_path, "%s", s->a.params);
    if (!bw_file_exists(s->params_path)) {
      bw_fail(&ctx, BW_EUSAGE, "%s: params file not found (or not a regular file)", s->params_path);
      goto fail;
    }
  } else if (bw_file_exists("params/default.yaml")) {
    snprintf(s->params_path, sizeof s->params_path, "params/default.yaml");
  } else {
    snprintf(s->params_path, sizeof s->params_path, "%s/params/default.yaml", BW_SOURCE_DIR);
  }
  if (bw_params_load(s->params_path, &s->p, NULL, &ctx) != BW_OK) goto fail;
  if (s->a.c.have_seed) s->p.seed = s->a.c.seed;
  s->p.kernel = BW_KERNEL_INDIVIDUAL;
  if (bw_data_load(s->p.gemeenten_path, s->p.regions_path, &s->d, &ctx) != BW_OK) goto fail;
  if (check_out_dir(out, s->a.c.force, &ctx) != BW_OK) goto fail;
  /* the report is written to a temporary directory beside DIR and renamed
   * into place at the end; made now so that an unwritable target fails
   * before the simulation */
  {
    char parent[PATH_MAX], base[NAME_MAX + 1];
    if (split_path(out, parent, sizeof parent, base, sizeof base) != 0) {
      bw_fail(&ctx, BW_EUSAGE, "--out: path too long");
      goto fail;
    }
    if (mkdir_p(parent) != 0) {
      bw_fail(&ctx, BW_EIO, "%s: cannot create: %s", parent, strerror(errno));
      goto fail;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", parent, base, (long)getpid());
    snprintf(old, sizeof old, "%s/.%s.old.%ld", parent, base, (long)getpid());
    if (mkdir(tmp, 0777) != 0) {
      bw_fail(&ctx, BW_EIO, "%s: cannot create: %s", tmp, strerror(errno));
      tmp[0] = '\0';
      goto fail;
    }
  }

  s->N = (int)s->a.c.replications;
  s->ny = bw_params_nyears(&s->p);
  s->pop = total_population(&s->d);
  s->ro.threads = s->a.c.threads;
  s->ro.progress = !s->a.c.quiet && isatty(STDERR_FILENO);
  if (shares_of(&s->p, &s->d, &s->sh)) {
    bw_fail(&ctx, BW_ENOMEM, "out of memory");
    goto fail;
  }
  int threads = s->a.c.threads > 0 ? s->a.c.threads : omp_get_max_threads();
  if (!s->a.c.quiet)
    fprintf(stderr, "bwsim %s validate: %s, %d replications, seed %llu, %d thread%s\n", BW_VERSION,
            s->params_path, s->N, (unsigned long long)s->p.seed, threads, threads == 1 ? "" : "s");

  /* 1. the params run (individual kernel): national totals and identities */
  main_run mr = {&s->p, &s->sh, s->ny, s->d.ng, {s->ny, NULL}, NULL, NULL, NULL};
  mr.nat.nat = malloc(sizeof(double) * (size_t)s->N * BW_NQ * (size_t)s->ny);
  mr.cons_err = malloc(sizeof(double) * (size_t)s->N);
  mr.settle_err = malloc(sizeof(double) * (size_t)s->N);
  mr.uitname = malloc(sizeof(double) * (size_t)s->N);
  s->ind = mr.nat;
  if (!mr.nat.nat || !mr.cons_err || !mr.settle_err || !mr.uitname) {
    bw_fail(&ctx, BW_ENOMEM, "out of memory: %d replications x %d years", s->N, s->ny);
    free(mr.cons_err), free(mr.settle_err), free(mr.uitname);
    goto fail;
  }
  {
    bw_model *m = bw_model_create(&s->p, &s->d, &ctx);
    bw_status st = m ? run_reps(m, 0, s->N, &s->ro, "params run", main_rep, &mr, &ctx) : ctx.status;
    bw_model_free(m);
    if (st != BW_OK) {
      free(mr.cons_err), free(mr.settle_err), free(mr.uitname);
      goto fail;
    }
  }

  /* 2. calibration */
  bw_status st = check_calibration(s, &mr, &ctx);

  /* 3. analytic: identities of the params run, then the variants */
  if (st == BW_OK) {
    double ce = 0, se = 0;
    for (int i = 0; i < s->N; i++) {
      if (!(mr.cons_err[i] <= ce)) ce = mr.cons_err[i];
      if (!(mr.settle_err[i] <= se)) se = mr.settle_err[i];
    }
    char detail[256];
    snprintf(detail, sizeof detail,
             TR(&s->rep, "every replication-year of the params run (%d x %d)%s",
                "elk replicatiejaar van de params-run (%d x %d)%s"),
             s->N, s->ny,
             s->p.bijsturing == BW_BIJST_MACRO ? TR(&s->rep, "; macro_correct: Σ_g B = budget_eur and MO_t only",
                                                   "; macro_correct: alleen Σ_g B = budget_eur en MO_t")
                                               : "");
    identity_check(&s->rep, "budget_conservation",
                   TR(&s->rep, "budget conservation Σ_g B_gt = M_t + MO_t", "budgetbehoud Σ_g B_gt = M_t + MO_t"), ce, CENT,
                   "< 1 cent", detail);
    identity_check(&s->rep, "wlz_settlement",
                   TR(&s->rep, "ex-post Wlz settlement X_t+1 = p_t·q_t - U_t", "Wlz-nacalculatie X_t+1 = p_t·q_t - U_t"), se,
                   SETTLE_TOL, "< 1e-6 EUR", detail);
    st = check_end_points(s, &ctx);
  }
  free(mr.cons_err), free(mr.settle_err), free(mr.uitname);
  if (st == BW_OK) st = check_immigration_death(s, &ctx);
  if (st == BW_OK) st = check_stationary(s, &ctx);
  if (st == BW_OK) st = check_residual_law(s, &ctx);
  /* 4. kernel comparison */
  if (st == BW_OK) st = check_kernels(s, &ctx);
  if (st != BW_OK) goto fail;

  int nfail = 0, nskip = 0, npass = 0;
  for (int i = 0; i < s->rep.n; i++) {
    if (s->rep.c[i].status == ST_FAIL) nfail++;
    else if (s->rep.c[i].status == ST_SKIP) nskip++;
    else npass++;
  }
  /* no paths in the report files (CONVENTIONS: only what the result depends on) */
  const char *params_base = strrchr(s->params_path, '/') ? strrchr(s->params_path, '/') + 1 : s->params_path;
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

  if (write_file(tmp, "validation.txt", &ctx, wf_txt, s, header) != BW_OK ||
      write_file(tmp, "validation.csv", &ctx, wf_checks, s, NULL) != BW_OK ||
      write_file(tmp, "validation_cells.csv", &ctx, wf_cells, s, NULL) != BW_OK ||
      write_file(tmp, "fan.csv", &ctx, wf_fan, s, NULL) != BW_OK ||
      write_file(tmp, "residual_samples.csv", &ctx, wf_samples, s, NULL) != BW_OK ||
      write_file(tmp, "residual_density.csv", &ctx, wf_density, s, NULL) != BW_OK ||
      write_file(tmp, "report_meta.csv", &ctx, wf_meta, s, NULL) != BW_OK)
    goto fail;
  char why[640] = "";
  int plots_skipped = run_plots(tmp, why, sizeof why);
  if (commit_dir(tmp, out, old, s->a.c.force, &ctx) != BW_OK) goto fail;
  tmp[0] = '\0';

  if (!s->a.c.quiet) {
    print_table(stdout, &s->rep, header, 0);
    printf("\n%d %s, %d %s, %d %s.\n", npass, "PASS", nfail, "FAIL", nskip, "SKIPPED");
    if (plots_skipped)
      printf(TR(&s->rep, "Plots skipped: %s.\n", "Grafieken overgeslagen: %s.\n"), why);
    printf(TR(&s->rep, "Report: %s/validation.txt  %s/validation.csv%s\n", "Rapport: %s/validation.txt  %s/validation.csv%s\n"),
           out, out, plots_skipped ? "" : "  index.html");
  } else {
    print_table(stdout, &s->rep, "", 1);
    if (plots_skipped) fprintf(stderr, "bwsim validate: plots skipped: %s\n", why);
  }
  exit_code = nfail ? 1 : 0;
  goto done;

fail:
  fprintf(stderr, "bwsim validate: error: %s\n", ctx.msg[0] ? ctx.msg : bw_strerror(ctx.status));
  exit_code = bw_exit_code(ctx.status);
  if (tmp[0]) remove_flat_dir(tmp);
done:
  for (int c = 0; c < BW_NCARE; c++) free(s->resid[c]);
  free(s->ind.nat);
  free(s->cnt.nat);
  shares_free(&s->sh);
  bw_data_free(&s->d);
  vreport_free(&s->rep);
  free(s);
  return exit_code;
}
