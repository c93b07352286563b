/* The bwsim model (docs/model.md): one replication = outer draws, client flows,
 * cost per payer, budgets, shortfall. Pure functions of (params, data, key):
 * no I/O, no threads, no globals. The engine in sim/ calls these. */
#ifndef BW_MODEL_H
#define BW_MODEL_H

#include <stdint.h>

#include "model_types.h"
#include "status.h"

/* National totals per replication and year, docs/model.md §8 (names used in every
 * output). X(enum, name, unit). */
#define BW_NATIONAL_LIST(X)                                   \
  X(BW_Q_CLIENTS_I_JAN1, "clients_I_jan1", "clients")         \
  X(BW_Q_CLIENTS_A_JAN1, "clients_A_jan1", "clients")         \
  X(BW_Q_CLIENTS_M_JAN1, "clients_M_jan1", "clients")         \
  X(BW_Q_ENTRIES_I, "entries_I", "clients/yr")                \
  X(BW_Q_ENTRIES_A, "entries_A", "clients/yr")                \
  X(BW_Q_ENTRIES_M, "entries_M", "clients/yr")                \
  X(BW_Q_STEPDOWNS_IA, "stepdowns_IA", "clients/yr")          \
  X(BW_Q_ENTRIES_NATIONAL_INST, "entries_national_inst", "clients/yr") \
  X(BW_Q_WLZ_TRANSFERS, "wlz_transfers", "clients/yr")        \
  X(BW_Q_WLZ_CLIENT_YEARS, "wlz_client_years", "client-years") \
  X(BW_Q_WLZ_SETTLEMENT_EUR, "wlz_settlement_eur", "EUR")     \
  X(BW_Q_COST_EUR, "cost_eur", "EUR")                         \
  X(BW_Q_COST_NATIONAL_INST_EUR, "cost_national_inst_eur", "EUR") \
  X(BW_Q_BUDGET_EUR, "budget_eur", "EUR")                     \
  X(BW_Q_SHORTFALL_EUR, "shortfall_eur", "EUR")

/* Columns of a three-column X-macro list X(enum, name, text): for enums and
 * the name and text tables derived from it. */
#define BW_X_COL1(a, b, c) a,
#define BW_X_COL2(a, b, c) b,
#define BW_X_COL3(a, b, c) c,

typedef enum { BW_NATIONAL_LIST(BW_X_COL1) BW_NQ } bw_quantity;

const char *bw_quantity_name(int q);
const char *bw_quantity_unit(int q);

/* Everything derived once from params + data (shares, alias tables, the
 * mean-field ingroeipad weights). Read-only during the run: shared by threads. */
typedef struct bw_model bw_model;

bw_model *bw_model_create(const bw_params *p, const bw_data *d, bw_ctx *ctx);
void bw_model_free(bw_model *m);

const bw_params *bw_model_params(const bw_model *m);
const bw_data *bw_model_data(const bw_model *m);
int bw_model_nyears(const bw_model *m);

/* Ingroeipad weight w_t of the central schedule (before bijsturing),
 * t = first_year + y. */
double bw_model_ingroei_weight(const bw_model *m, int y);
/* Objective share O_g and historical BW share H_g (each sums to 1). */
double bw_model_objective_share(const bw_model *m, int g);
double bw_model_historical_share(const bw_model *m, int g);
/* Population of gemeente g in year index y. */
double bw_model_population(const bw_model *m, int g, int y);

/* The drivers of a gemeente's shortfall (the report's "why"), each as its
 * contribution to cost - budget in EUR: costs positive, budgets negative.
 * All but BW_D_COST_BW_OLD and _NEW add up to the shortfall; when the
 * kernel knows the regimes apart (have_old), those two split BW_D_COST_BW
 * and replace it in the sum (bw_decomp_additive). X(enum, name, description). */
#define BW_DECOMP_LIST(X)                                                                           \
  X(BW_D_COST_BW, "cost_bw_eur", "BW (I + A) cost borne by the gemeente")                          \
  X(BW_D_COST_BW_OLD, "cost_bw_old_regime_eur",                                                    \
    "the part of the BW cost for clients of the old regime (entered before the start year; the "  \
    "centrumgemeente pays)")                                                                       \
  X(BW_D_COST_BW_NEW, "cost_bw_new_regime_eur",                                                    \
    "the part of the BW cost for clients of the new regime (entered from the start year on; "     \
    "their herkomst gemeente pays)")                                                               \
  X(BW_D_COST_MO, "cost_mo_eur", "MO cost borne by the gemeente")                                  \
  X(BW_D_BUDGET_HIST, "budget_historical_eur",                                                     \
    "minus the historical part of the BW budget: (1 - w_t) x H_g x the macrobudget before the Wlz " \
    "settlement")                                                                                  \
  X(BW_D_BUDGET_OBJ, "budget_objective_eur",                                                       \
    "minus the objective (verdeelmodel) part of the BW budget: w_t x O_g x the macrobudget before " \
    "the Wlz settlement")                                                                          \
  X(BW_D_WLZ_SETTLEMENT, "wlz_settlement_eur",                                                     \
    "the gemeente's share of the ex-post Wlz settlement taken off the macrobudget")                \
  X(BW_D_BUDGET_MO, "budget_mo_eur", "minus the MO budget")                                        \
  X(BW_D_POOLING, "pooling_eur", "what regional pooling moves to (+) or from (-) the gemeente; 0 without pooling")

typedef enum { BW_DECOMP_LIST(BW_X_COL1) BW_NDECOMP } bw_decomp;

const char *bw_decomp_name(int k);
const char *bw_decomp_desc(int k);

/* The result of one replication. Arrays [g * ny + y]. */
typedef struct bw_rep_result {
  int ng, ny;
  double *cost_bw;      /* I + A cost borne by gemeente g (EUR) */
  double *cost_bw_old;  /* its part for old-regime clients (docs/model.md §4), when have_old */
  int have_old;         /* 1: cost_bw_old is known (the individual kernel; counts: 0) */
  /* the counterfactual under the other pooling setting (docs/model.md §6),
   * computed by bw_evaluate_budgets when want_cf (default 1): its
   * shortfall_bw and shortfall_mo; have_cf says it was */
  struct bw_rep_result *cf;
  int want_cf, have_cf;
  double *cost_mo;      /* M cost borne by gemeente g (EUR) */
  double *budget_bw;    /* B_gt */
  double *budget_mo;    /* MO budget */
  double *shortfall_bw; /* cost - budget, after pooling */
  double *shortfall_mo;
  double *national;     /* [q * ny + y], q < BW_NQ */
  double *w_bw;         /* [ny] ingroeipad weight w_t applied (after bijsturing) */
  double *macro_bw;     /* [ny] BW macrobudget before the Wlz settlement (EUR) */
  double *w_mo;         /* [ny] the MO budget's weight of the objective share */
  double *macro_mo;     /* [ny] MO macrobudget (EUR) */
  /* outer draws of this replication (docs/model.md §7), for diagnostics */
  double rate_mult[BW_NCARE], duration_mult[BW_NCARE], wlz_factor, cost_index;
} bw_rep_result;

bw_rep_result *bw_rep_result_create(const bw_model *m);
void bw_rep_result_free(bw_rep_result *r);

/* The drivers, in two steps so that a mean over replications needs only
 * three sums per gemeente-year (the budget parts are a gemeente's shares
 * times national amounts):
 * bw_decomp_year_terms: the national amounts of replication r per year,
 *   t[j * ny + y] for j < BW_DECOMP_NTERMS;
 * bw_decomp_combine: the drivers of gemeente g in year y from the MEANS
 *   over replications of its BW cost, the old-regime part of it (NaN when
 *   the kernel does not know it), its MO cost, its pooling transfer
 *   (bw_pooling_transfer) and of the year terms (tmean, same layout).
 * The drivers add up to the mean shortfall (to rounding). */
enum { BW_DECOMP_NTERMS = 6 };
void bw_decomp_year_terms(const bw_model *m, const bw_rep_result *r, double *t);
void bw_decomp_combine(const bw_model *m, int g, int y, double cost_bw, double cost_bw_old, double cost_mo,
                       double pooling, const double *tmean, double out[BW_NDECOMP]);
/* 1 when driver k is one of the terms that add up to the shortfall, given
 * whether the old/new regime split is known. */
int bw_decomp_additive(int k, int have_old);
/* What regional pooling moved to (+) or from (-) gemeente-year i of r. */
static inline double bw_pooling_transfer(const bw_rep_result *r, size_t i) {
  return (r->shortfall_bw[i] + r->shortfall_mo[i]) -
         ((r->cost_bw[i] - r->budget_bw[i]) + (r->cost_mo[i] - r->budget_mo[i]));
}

/* Regional pooling of year y (bouwsteen 2), in place: each region's members
 * share the region's BW and MO shortfall pro rata to their BW and MO budgets
 * (by population when the region's budget is 0). Arrays [g * ny + y]. */
void bw_pool_shortfall(const bw_model *m, const double *budget_bw, const double *budget_mo,
                       double *short_bw, double *short_mo, int y);
/* The same for the years y0 .. y1-1 in one pass (the same bits). */
void bw_pool_shortfall_years(const bw_model *m, const double *budget_bw, const double *budget_mo,
                             double *short_bw, double *short_mo, int y0, int y1);

/* Per-thread scratch (client buffers, alias draws). Allocate before the
 * parallel region; reused for every replication. */
typedef struct bw_workspace bw_workspace;
bw_workspace *bw_workspace_create(const bw_model *m);
void bw_workspace_free(bw_workspace *w);

/* Simulate replication `rep` (keyed: the result is a pure function of
 * (params, data, seed, rep)). Returns BW_OK or an error in ctx. */
bw_status bw_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_rep_result *out,
                      bw_ctx *ctx);

/* The two halves of bw_simulate, for running several scenarios on the same
 * simulated clients (bwsim compare and sweep, common random numbers):
 * bw_simulate_clients fills w with replication rep's client flows and costs
 * (outer draws, entries, stays, Wlz, cost per payer); bw_evaluate_budgets
 * then computes the budgets, settlement, bijsturing, pooling and shortfalls
 * of model m from what w holds. m may be another model than the one that
 * simulated the clients, provided bw_params_same_clients holds for their
 * params and they share the data: only budget-side parameters may differ.
 * bw_simulate(m, rep, w, out) = bw_simulate_clients(m, rep, w) then
 * bw_evaluate_budgets(m, w, out). */
bw_status bw_simulate_clients(const bw_model *m, uint32_t rep, bw_workspace *w, bw_ctx *ctx);
void bw_evaluate_budgets(const bw_model *m, const bw_workspace *w, bw_rep_result *out);

/* Number of client stays simulated by the last bw_simulate on w (benchmarks). */
uint64_t bw_workspace_stays(const bw_workspace *w);

#endif
