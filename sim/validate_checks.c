/* The checks of `bwsim validate` (docs/model.md §15): three groups, run by
 * val_run_checks in the order of the report.
 *  - calibration (§10.6): N replications of the given params against the
 *    published figures, each with a stated tolerance; a check passes when the
 *    model's 95 % MC interval of the mean meets the band figure ± tolerance
 *    (check_calibration);
 *  - analytic (§10.1–10.3, issue 5 item 3): identities on every replication
 *    of the params run (budget conservation, Wlz settlement: main_rep), the
 *    ingroeipad end points (check_end_points), and reduced params variants
 *    whose law has a closed form in models/oracle.h: immigration–death
 *    (check_immigration_death), stationary start (check_stationary), the
 *    forward-recurrence residual law (check_residual_law);
 *  - kernel comparison (§10.4): the count kernel against the individual
 *    kernel on national totals per year (check_kernels); SKIPPED (not PASS)
 *    while the count kernel is not available.
 *
 * Replications run through bw_drive (sim/run.h, run_reps): each replication
 * writes only its own slot, and every statistic is accumulated afterwards in
 * replication order, so the output is the same for any number of threads.
 * The slots are not gathered across MPI processes: run_reps refuses more
 * than one. Statistical checks allow 4 standard errors (two-sided p =
 * 6.3e-5 per comparison; with a sample standard error the Student-t
 * quantile of the same p). The statistics of a check (moments in index
 * order, Student-t quantiles, the one-sample Kolmogorov–Smirnov p-value)
 * are here: sim/stats.h has none of them. */
#define _POSIX_C_SOURCE 200809L
#include "validate_internal.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "oracle.h"

/* ---- constants ------------------------------------------------------------ */

enum {
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

/* ---- statistics of a check ---------------------------------------------------- */


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
  vcheck *c = val_add_check(r, "calibration", id);
  if (!c) return;
  snprintf(c->label, sizeof c->label, "%s", label);
  /* a value that is the same in every replication up to round-off has no
   * MC interval */
  double half = m->se > 1e-12 * fabs(m->mean) ? t95(m->n) * m->se : 0.0;
  c->fig = fig, c->mean = m->mean, c->se = m->se, c->lo = m->mean - half, c->hi = m->mean + half;
  char a[32], b[32], d[32];
  val_fmt_unit(a, sizeof a, u, fig);
  snprintf(c->figure, sizeof c->figure, "%s%s", a, val_unit_suffix(u));
  val_fmt_unit(a, sizeof a, u, m->mean);
  val_fmt_unit(b, sizeof b, u, c->lo);
  val_fmt_unit(d, sizeof d, u, c->hi);
  if (half > 0)
    snprintf(c->model, sizeof c->model, "%s [%s, %s]%s", a, b, d, val_unit_suffix(u));
  else
    snprintf(c->model, sizeof c->model, "%s%s %s", a, val_unit_suffix(u), TR(r, "(every rep.)", "(elke rep.)"));
  snprintf(c->tol, sizeof c->tol, "%s", tol_text);
  int meets = c->hi >= fig - tol && c->lo <= fig + tol;
  c->status = meets ? ST_PASS : ST_FAIL;
  snprintf(c->detail, sizeof c->detail, "%s %+.2f %%", TR(r, "mean vs figure", "gemiddelde t.o.v. cijfer"),
           100.0 * (m->mean - fig) / fig);
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
static void store_national(void *user, uint32_t rep, const bw_rep_result *r) {
  nat_store *s = user;
  size_t per = (size_t)BW_NQ * (size_t)s->ny;
  memcpy(s->nat + (size_t)rep * per, r->national, per * sizeof(double));
}


/* R replications of the params variant v; their national totals in *ns
 * and, when x is not NULL, scratch for R values in *x (the caller frees
 * both; on an error nothing is left to free). */
static bw_status run_variant(const vstate *s, const bw_params *v, int R, const char *label, nat_store *ns,
                             double **x, bw_ctx *ctx) {
  ns->ny = s->ny;
  ns->nat = malloc(sizeof(double) * (size_t)R * BW_NQ * (size_t)s->ny);
  double *scratch = x ? malloc(sizeof(double) * (size_t)R) : NULL;
  bw_status st = BW_OK;
  if (!ns->nat || (x && !scratch)) {
    st = bw_fail(ctx, BW_ENOMEM, "out of memory (%s)", label);
  } else {
    bw_model *m = bw_model_create(v, &s->d, ctx);
    st = m ? run_reps(m, 0, R, &s->ro, label, store_national, ns, ctx) : ctx->status;
    bw_model_free(m);
  }
  if (st != BW_OK) {
    free(ns->nat), free(scratch);
    ns->nat = scratch = NULL;
  }
  if (x) *x = scratch;
  return st;
}

/* ---- shares and budgets recomputed from docs/model.md §5 ------------------------------- */

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
  bw_params_immigration_death(p);
  for (int c = 0; c < BW_NCARE; c++) {
    p->duration_shape[c] = 1.0;
    p->duration_mean_years[c] = QUEUE_MEAN[c];
    p->rate_per_1000[c] = QUEUE_LAMBDA[c] * 1000.0 / pop;
    p->stock[c] = QUEUE_N0[c];
  }
}


/* ---- calibration ---- */

static bw_status check_calibration(vstate *s, const main_run *mr, bw_ctx *ctx) {
  vreport *r = &s->rep;
  const bw_params *p = &s->p;
  int N = s->N, ny = s->ny;
  char label[128], tol[48];
  if (p->first_year != CALIB_YEAR) {
    vcheck *c = val_add_check(r, "calibration", "calibration");
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
    nat_store ws;
    bw_status st = run_variant(s, &v, N, "Wlz wave", &ws, NULL, ctx);
    if (st != BW_OK) {
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
      val_add_cell(r, "calib_macro_balance", "cost_eur/budget_eur", p->first_year + y, 1.0, m.mean, m.se,
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

/* The figure, the model's value with its ±1.96 se interval and the
 * tolerance "±4 se" of a statistical line (the worst compared year). */
static void stat_line(vcheck *ch, vunit fig_unit, double fig, double val, double se) {
  char a[32], b[32], d[32];
  val_fmt_unit(a, sizeof a, fig_unit, fig);
  snprintf(ch->figure, sizeof ch->figure, "%s", a);
  val_fmt_unit(a, sizeof a, U_VAR, val);
  val_fmt_unit(b, sizeof b, U_VAR, val - 1.96 * se);
  val_fmt_unit(d, sizeof d, U_VAR, val + 1.96 * se);
  snprintf(ch->model, sizeof ch->model, "%s [%s, %s]", a, b, d);
  snprintf(ch->tol, sizeof ch->tol, "±4 se");
  ch->fig = fig, ch->mean = val, ch->se = se, ch->lo = val - 1.96 * se, ch->hi = val + 1.96 * se;
}

/* ---- identities on every replication ---- */

static void identity_check(vreport *r, const char *id, const char *label, double maxerr, double tol,
                           const char *tol_text, const char *detail) {
  vcheck *c = val_add_check(r, "analytic", id);
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
 * the count in care at t is Binomial(N0, e^{-t/m}) + Poisson(λ m (1 -
 * e^{-t/m})), whose mean, variance σ² and fourth cumulant k4 are
 * bw_oracle_id_count (models/oracle.h, docs/model.md §10.1). The mean is
 * tested with the exact se sqrt(σ²/R); the sample variance s² with
 * Var(s²) = σ⁴·2/(R-1) + k4/R (iid). */
static bw_status check_immigration_death(vstate *s, bw_ctx *ctx) {
  vreport *r = &s->rep;
  int ny = s->ny, R = s->N > QUEUE_MIN_REPS ? s->N : QUEUE_MIN_REPS;
  bw_params v = s->p;
  queue_params(&v, s->pop);
  nat_store ns;
  double *x;
  bw_status st = run_variant(s, &v, R, "immigration-death", &ns, &x, ctx);
  if (st != BW_OK) return st;
  for (int c = 0; c < BW_NCARE; c++) {
    double lam = QUEUE_LAMBDA[c], n0 = QUEUE_N0[c], mc = QUEUE_MEAN[c];
    char id_mean[64], id_var[64];
    snprintf(id_mean, sizeof id_mean, "immigration_death_mean_%s", val_care_name[c]);
    snprintf(id_var, sizeof id_var, "immigration_death_variance_%s", val_care_name[c]);
    int worst_m = -1, worst_v = -1;
    double zm = -1, zv = -1;
    double e_m[BW_MAX_YEARS], e_v[BW_MAX_YEARS], se_m[BW_MAX_YEARS], se_v[BW_MAX_YEARS];
    moments mm[BW_MAX_YEARS];
    for (int y = 0; y < ny; y++) {
      for (int i = 0; i < R; i++) x[i] = natv(&ns, i, BW_Q_CLIENTS_I_JAN1 + c, y);
      mm[y] = moments_of(x, R, 1);
      bw_oracle_law law = bw_oracle_id_count(n0, lam, mc, y);
      e_m[y] = law.mean;
      e_v[y] = law.var;
      se_m[y] = sqrt(e_v[y] / R);
      se_v[y] = sqrt(e_v[y] * e_v[y] * 2.0 / (R - 1) + law.k4 / R);
      double z1 = zscore(mm[y].mean, e_m[y], se_m[y]), z2 = zscore(mm[y].var, e_v[y], se_v[y]);
      val_add_cell(r, id_mean, val_care_name[c], s->p.first_year + y, e_m[y], mm[y].mean, se_m[y], z1, Z_MAX);
      val_add_cell(r, id_var, val_care_name[c], s->p.first_year + y, e_v[y], mm[y].var, se_v[y], z2, Z_MAX);
      if (!(fabs(z1) <= zm)) zm = fabs(z1), worst_m = y;
      if (!(fabs(z2) <= zv)) zv = fabs(z2), worst_v = y;
    }
    for (int pass = 0; pass < 2; pass++) {
      int y = pass ? worst_v : worst_m;
      vcheck *ch = val_add_check(r, "analytic", pass ? id_var : id_mean);
      if (!ch) break;
      snprintf(ch->label, sizeof ch->label,
               pass ? TR(r, "immigration-death variance, %s", "immigratie-sterfte variantie, %s")
                    : TR(r, "immigration-death mean, %s", "immigratie-sterfte gemiddelde, %s"),
               val_care_name[c]);
      double e = pass ? e_v[y] : e_m[y], val = pass ? mm[y].var : mm[y].mean, se = pass ? se_v[y] : se_m[y];
      stat_line(ch, U_VAR, e, val, se);
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

/* ---- forward recurrence: stationary start and the residual draws ---- */

/* A stationary start (docs/model.md §3.1, issue 5): stock N0 whose residual stays
 * follow the forward-recurrence law G(t) = P(R > t) = ∫_t^∞ S(u)du / m, and
 * Poisson entries at λ = N0 / m. Then N(t) = Bin(N0, G) + Poisson(N0 (1 - G)):
 * E N(t) = N0 for every t, Var N(t) = N0 (1 - G²) (bw_oracle_stationary_count).
 * Each care type keeps the params' Weibull law (for I: shape 1.2, where a
 * wrong residual law would show); the stock is the params' stock / 10. */
static bw_status check_stationary(vstate *s, bw_ctx *ctx) {
  vreport *r = &s->rep;
  int ny = s->ny, R = s->N;
  bw_params v = s->p;
  bw_params_immigration_death(&v);
  double n0[BW_NCARE], scale[BW_NCARE];
  for (int c = 0; c < BW_NCARE; c++) {
    n0[c] = nearbyint(s->p.stock[c] / STATIONARY_SCALE);
    if (n0[c] < 100) n0[c] = 100;
    v.stock[c] = n0[c];
    v.rate_per_1000[c] = n0[c] / v.duration_mean_years[c] * 1000.0 / s->pop;
    scale[c] = bw_oracle_weibull_scale(v.duration_mean_years[c], v.duration_shape[c]);
  }
  nat_store ns;
  double *x;
  bw_status st = run_variant(s, &v, R, "stationary start", &ns, &x, ctx);
  if (st != BW_OK) return st;
  for (int c = 0; c < BW_NCARE; c++) {
    char id[64];
    snprintf(id, sizeof id, "stationary_start_%s", val_care_name[c]);
    int worst = 0, ok = 1;
    double zw = -1, mean_w = 0, se_w = 0;
    for (int y = 0; y < ny; y++) {
      for (int i = 0; i < R; i++) x[i] = natv(&ns, i, BW_Q_CLIENTS_I_JAN1 + c, y);
      moments mm = moments_of(x, R, 1);
      double G = bw_oracle_residual_survival((double)y, v.duration_shape[c], scale[c]);
      bw_oracle_law law = bw_oracle_stationary_count(n0[c], G);
      double se = sqrt(law.var / R);
      double z = zscore(mm.mean, law.mean, se);
      val_add_cell(r, id, val_care_name[c], s->p.first_year + y, law.mean, mm.mean, se, z, Z_MAX);
      if (!(fabs(z) <= Z_MAX)) ok = 0;
      if (!(fabs(z) <= zw)) zw = fabs(z), worst = y, mean_w = mm.mean, se_w = se;
    }
    vcheck *ch = val_add_check(r, "analytic", id);
    if (!ch) break;
    snprintf(ch->label, sizeof ch->label,
             TR(r, "stationary start stays stationary, %s", "stationaire start blijft stationair, %s"), val_care_name[c]);
    stat_line(ch, U_COUNT, n0[c], mean_w, se_w);
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
    bw_params_immigration_death(&v);
    for (int j = 0; j < BW_NCARE; j++) {
      v.stock[j] = j == c ? 1.0 : 0.0;
      v.rate_per_1000[j] = 0.0;
      v.tariff_eur_per_day[j] = 1.0;
    }
    v.cost_index = 0.0;
    v.mo_extra_eur = 0.0;
    double k = v.duration_shape[c], scale = bw_oracle_weibull_scale(v.duration_mean_years[c], k);
    bw_model *m = bw_model_create(&v, &s->d, ctx);
    if (!m) return ctx->status;
    resid_run rr = {ny, s->d.ng, malloc(sizeof(double) * (size_t)R)};
    char label[32];
    snprintf(label, sizeof label, "residual stays %s", val_care_name[c]);
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
      double F = 1.0 - bw_oracle_residual_survival(x[i], k, scale);
      D = fmax(D, fmax((i + 1.0) / R - F, F - (double)i / R));
      nunc = i + 1;
    }
    D = fmax(D, fabs((1.0 - bw_oracle_residual_survival(H, k, scale)) - (double)nunc / R));
    double pv = ks_pvalue(D, R);
    /* the mean of min(R, H) against ∫_0^H G(t) dt, for the table */
    moments mm = moments_of(rr.resid, R, 1);
    double integ = bw_oracle_residual_mean_capped(H, k, scale);
    free(x);
    char id[64];
    snprintf(id, sizeof id, "residual_law_ks_%s", val_care_name[c]);
    val_add_cell(r, id, val_care_name[c], 0, integ, mm.mean, mm.se, zscore(mm.mean, integ, mm.se), Z_MAX);
    vcheck *ch = val_add_check(r, "analytic", id);
    if (!ch) break;
    snprintf(ch->label, sizeof ch->label,
             TR(r, "residual stay ~ forward recurrence (KS), %s", "resterend verblijf ~ voorwaartse recurrentie (KS), %s"),
             val_care_name[c]);
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
  vcheck *ch = val_add_check(r, "kernel", "kernel_counts_vs_individual");
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
      val_add_cell(r, id, bw_quantity_name(q), s->p.first_year + y, mi.mean, mc.mean, md.se, zz, crit);
      val_add_cell(r, id_u, bw_quantity_name(q), s->p.first_year + y, mi.mean, mc.mean, se_u, zu, NAN);
      if (!(fabs(zz) <= crit)) ok = 0;
      if (!(fabs(zz) <= zw)) zw = fabs(zz), zs_w = zz, worst = y, wi = mi, wc = mc, zu_w = zu, dw = md.mean;
    }
    vcheck *ch = val_add_check(r, "kernel", id);
    if (!ch) break;
    snprintf(ch->label, sizeof ch->label, TR(r, "count vs individual: %s", "tel vs individueel: %s"), bw_quantity_name(q));
    int money = !strcmp(bw_quantity_unit(q), "EUR");
    vunit u = money ? U_MLN : U_VAR;
    char a[32], b[32], d[32];
    double half = t95(N) * wc.se;
    val_fmt_unit(a, sizeof a, u, wi.mean);
    snprintf(ch->figure, sizeof ch->figure, "%s%s", a, val_unit_suffix(u));
    val_fmt_unit(a, sizeof a, u, wc.mean);
    val_fmt_unit(b, sizeof b, u, wc.mean - half);
    val_fmt_unit(d, sizeof d, u, wc.mean + half);
    snprintf(ch->model, sizeof ch->model, "%s [%s, %s]%s", a, b, d, val_unit_suffix(u));
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


/* ---- all checks ---------------------------------------------------------------------------- */

/* The params run (individual kernel): national totals for calibration and
 * the kernel comparison, and the identities of every replication. */
static bw_status check_params_run(vstate *s, bw_ctx *ctx) {
  vreport *r = &s->rep;
  int N = s->N, ny = s->ny;
  main_run mr = {&s->p, &s->sh, ny, s->d.ng, {ny, NULL}, NULL, NULL, NULL};
  mr.nat.nat = malloc(sizeof(double) * (size_t)N * BW_NQ * (size_t)ny);
  mr.cons_err = malloc(sizeof(double) * (size_t)N);
  mr.settle_err = malloc(sizeof(double) * (size_t)N);
  mr.uitname = malloc(sizeof(double) * (size_t)N);
  s->ind = mr.nat; /* freed by val_state_free */
  bw_status st = BW_OK;
  if (!mr.nat.nat || !mr.cons_err || !mr.settle_err || !mr.uitname) {
    st = bw_fail(ctx, BW_ENOMEM, "out of memory: %d replications x %d years", N, ny);
  } else {
    bw_model *m = bw_model_create(&s->p, &s->d, ctx);
    st = m ? run_reps(m, 0, N, &s->ro, "params run", main_rep, &mr, ctx) : ctx->status;
    bw_model_free(m);
  }
  if (st == BW_OK) st = check_calibration(s, &mr, ctx);
  if (st == BW_OK) {
    double ce = 0, se = 0;
    for (int i = 0; i < N; i++) {
      if (!(mr.cons_err[i] <= ce)) ce = mr.cons_err[i];
      if (!(mr.settle_err[i] <= se)) se = mr.settle_err[i];
    }
    char detail[256];
    snprintf(detail, sizeof detail,
             TR(r, "every replication-year of the params run (%d x %d)%s",
                "elk replicatiejaar van de params-run (%d x %d)%s"),
             N, ny,
             s->p.bijsturing == BW_BIJST_MACRO ? TR(r, "; macro_correct: Σ_g B = budget_eur and MO_t only",
                                                   "; macro_correct: alleen Σ_g B = budget_eur en MO_t")
                                               : "");
    identity_check(r, "budget_conservation",
                   TR(r, "budget conservation Σ_g B_gt = M_t + MO_t", "budgetbehoud Σ_g B_gt = M_t + MO_t"), ce, CENT,
                   "< 1 cent", detail);
    identity_check(r, "wlz_settlement",
                   TR(r, "ex-post Wlz settlement X_t+1 = p_t·q_t - U_t", "Wlz-nacalculatie X_t+1 = p_t·q_t - U_t"), se,
                   SETTLE_TOL, "< 1e-6 EUR", detail);
  }
  free(mr.cons_err), free(mr.settle_err), free(mr.uitname);
  return st;
}

bw_status val_run_checks(vstate *s, bw_ctx *ctx) {
  s->pop = total_population(&s->d);
  if (shares_of(&s->p, &s->d, &s->sh)) return bw_fail(ctx, BW_ENOMEM, "out of memory");
  bw_status st = check_params_run(s, ctx);
  if (st == BW_OK) st = check_end_points(s, ctx);
  if (st == BW_OK) st = check_immigration_death(s, ctx);
  if (st == BW_OK) st = check_stationary(s, ctx);
  if (st == BW_OK) st = check_residual_law(s, ctx);
  if (st == BW_OK) st = check_kernels(s, ctx);
  return st;
}

void val_state_free(vstate *s) {
  for (int c = 0; c < BW_NCARE; c++) free(s->resid[c]);
  free(s->ind.nat);
  free(s->cnt.nat);
  shares_free(&s->sh);
  val_report_free(&s->rep);
}
