/* Internals shared by the files of models/ (not part of the public API). */
#ifndef BW_MODELS_INTERNAL_H
#define BW_MODELS_INTERNAL_H

#include <gsl/gsl_rng.h>

#include "model.h"
#include "rng_purpose.h"

/* Walker alias table: draw an index with one uniform (docs/model.md §3 placement
 * and herkomst draws). */
typedef struct {
  int n;
  double *prob; /* acceptance probability of cell i */
  int *alias;   /* the other index of cell i */
  int *index;   /* maps cell -> caller's index (NULL = identity) */
} bw_alias;

int bw_alias_init(bw_alias *a, const double *w, int n, const int *index);
void bw_alias_destroy(bw_alias *a);
static inline int bw_alias_draw(const bw_alias *a, double u) {
  double x = u * a->n;
  int i = (int)x;
  i = i < a->n ? i : a->n - 1;
  /* branch-free: the accept test is a coin flip the predictor cannot learn */
  int other = a->alias[i];
  int keep = -(int)(x - i < a->prob[i]); /* all ones or 0 */
  int k = (i & keep) | (other & ~keep);
  return a->index ? a->index[k] : k;
}

struct bw_model {
  bw_params p;
  bw_data d;     /* deep copy */
  int ng, nr, ny;
  double *pop;   /* [g * ny + y] population of g in year y */
  double *pop_total; /* [y] */
  double *need;  /* need_g: population-weighted mean 1 */
  double *obj;   /* O_g, sums to 1 */
  double *hist_bw; /* H_g on centrumgemeenten, sums to 1 */
  double *hist_mo;
  double macro_bw_2021, macro_mo_2021;
  double *w_sched; /* central ingroeipad weight by year index [ny] */
  double *w_steps; /* the step sequence from S on: w_steps[k] = weight k years after S (k < ny) */
  /* alias tables */
  bw_alias region_bw;     /* placement of stock I/A: region ∝ hist BW */
  bw_alias region_mo;     /* placement of stock M: region ∝ hist MO */
  bw_alias herkomst_nat;  /* gemeente ∝ pop·need, whole country */
  bw_alias *herkomst_reg; /* [nr] gemeente ∝ pop·need within region */
  bw_alias *other_bw;     /* [nr] another region ∝ hist BW (excluding r) */
  bw_alias *other_mo;     /* [nr] another region ∝ hist MO */
};

/* Outer (parameter) draws of one replication, docs/model.md §7. */
typedef struct {
  double rate_mult[BW_NCARE];
  double duration_mult[BW_NCARE];
  double wlz_factor;
  double cost_index;
} bw_outer;

void bw_outer_draw(const bw_model *m, uint32_t rep, bw_outer *o, double *eps_g);

struct bw_workspace {
  gsl_rng *rng;         /* bw_rng_philox, re-keyed for each family of draws */
  double *eps;          /* [ng] need effect of this replication */
  double *cost_bw, *cost_mo; /* [ng * ny] */
  double *cost_bw_old;  /* [ng * ny] the part of cost_bw for old-regime clients (docs/model.md §4) */
  int have_old;         /* 1 when the kernel filled cost_bw_old (the individual kernel) */
  double *national;     /* [BW_NQ * ny] */
  double *year_cost;    /* [BW_NCARE * ny] EUR per client-year, this replication */
  double *budget_scr;   /* [7 * ny] scratch of bw_budget_apply */
  uint64_t stays;
  /* scratch arrays of cap elements each, grown by bw_workspace_reserve outside
   * the hot loops. models/flows.c keeps its client chunks on the stack and
   * uses: aux, its ledger of stay events (3 (ng + 1)(ny + 1) pairs), and gem,
   * the new-indication counts per gemeente. */
  size_t cap;
  int *gem;
  double *aux;
  struct bw_counts_ws *counts; /* scratch of the count kernel (models/counts.c), or NULL */
  bw_outer outer;       /* outer draws of the replication last simulated */
};

/* Make room for n clients in w's batch arrays; 0 or -1 (out of memory). */
int bw_workspace_reserve(bw_workspace *w, size_t n);

/* Client flows of one replication (models/flows.c): fills w->cost_*, the
 * flow quantities of w->national and returns the outer draws in *o.
 * 0, or -1 when a client batch could not be grown (out of memory). */
int bw_flows_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_outer *o);

/* Budgets, settlement, bijsturing and pooling (models/budget.c): from the
 * costs and Wlz client-years in w to out. */
void bw_budget_apply(const bw_model *m, const bw_outer *o, const bw_workspace *w,
                     bw_rep_result *out);

/* Mean-field projection (models/meanfield.c): expected share of BW
 * client-years of new-regime clients per year index (0 before S). */
int bw_meanfield_new_share(const bw_params *p, double total_pop, double *share, int ny);

/* EUR per client-year by care type and year, yc[c * ny + y] (docs/model.md
 * §4): tariff x 365, indexed by the replication's cost index; from
 * mo_extra_from the M tariff rises by the MO extra's share (the extra buys
 * care, §5). The one rule both kernels cost their client-years with. */
void bw_year_costs(const bw_model *m, const bw_outer *o, double *yc);

/* Weibull scale for mean m and shape k: m / Gamma(1 + 1/k). */
double bw_weibull_scale(double mean, double shape);

#endif
