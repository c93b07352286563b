/* Several scenarios on common random numbers, in one pass over the
 * replications: the engine under `bwsim compare` and `bwsim sweep`.
 *
 * Every scenario sees the same simulated futures (docs/model.md §9: a draw is a
 * function of its key, not of the scenario), so differences between
 * scenarios are differences of policy, not of luck. Scenarios whose params
 * differ only on the budget side (bw_params_same_clients) form one client
 * group: each replication simulates the group's clients once and evaluates
 * every member's budgets on them (bw_simulate_clients, bw_evaluate_budgets).
 *
 * Per scenario a light accumulator (bw_acc_create_light) gives the flags,
 * flag probabilities and cumulative statistics that `bwsim run` of the same
 * params and seed gives, digit for digit. With `paired`, every scenario
 * k >= 1 also accumulates its replication-by-replication differences with
 * scenario 0 (the base): the paired standard errors of docs/scenarios.md.
 * With `extras`, the per-point measures of a sweep. Every statistic is an
 * integer count or a sim/sketch.h cell: exactly mergeable, so the outputs
 * are byte-identical for any number of threads and MPI processes. */
#ifndef BW_MULTI_H
#define BW_MULTI_H

#include "model.h"
#include "run.h"
#include "stats.h"
#include "status.h"
#include "summary.h"

/* Differences scenario k - base (k >= 1), from the paired accumulators. */
typedef struct {
  /* per gemeente, data order [ng] */
  double *cum_mean;        /* mean of (cumulative shortfall over the reform years, EUR) */
  double *cum_se;          /* its paired Monte Carlo standard error */
  double *cum_se_unpaired; /* what two independent runs would give: sqrt(se_b^2 + se_k^2) */
  double *p;               /* p_max_year(k) - p_max_year(base) */
  double *p_se;            /* paired se of that difference */
  double *p_se_unpaired;
  int *flag_change;        /* +1 gained, -1 lost, 0 unchanged */
  int *flag_change_stable; /* 1 when both flags are stable */
  /* per region, data order [nr] */
  double *reg_cum_mean, *reg_cum_se, *reg_p, *reg_p_se;
  int *reg_flag_change;
  /* national quantity x year [q * ny + y]: statistics of the difference */
  bw_stat *nat;
} bw_delta;

/* Per sweep point: national cumulative shortfall over the reform years
 * (EUR) and the sum over gemeenten of the positive part of their cumulative
 * shortfall (EUR: what short gemeenten lack, not netted against surpluses). */
typedef struct {
  bw_stat natcum, possum;
} bw_point_extra;

typedef struct bw_multi bw_multi;

/* S >= 1 scenarios on the data d (which must outlive mu). names[s] labels
 * scenario s in messages. Every scenario must have the same seed, years and
 * data paths (else BW_EPARAM naming the first that differs). */
bw_multi *bw_multi_create(const bw_data *d, const bw_params *ps, const char *const *names, int S,
                          int paired, int extras, bw_ctx *ctx);
void bw_multi_free(bw_multi *mu);

int bw_multi_nscenarios(const bw_multi *mu);
/* Number of client groups (1 when every scenario differs from the first only
 * on the budget side), and the group of scenario s. */
int bw_multi_ngroups(const bw_multi *mu);
int bw_multi_group(const bw_multi *mu, int s);
const bw_model *bw_multi_model(const bw_multi *mu, int s);

/* Replications lo .. hi-1 (all ranks, same range; bw_drive). */
bw_status bw_multi_run(bw_multi *mu, const bw_run_opts *opts, int lo, int hi, bw_ctx *ctx);

/* After the run, on rank 0: summaries, differences, extras. */
bw_status bw_multi_summarise(bw_multi *mu, bw_ctx *ctx);
const bw_summary *bw_multi_summary(const bw_multi *mu, int s);
const bw_delta *bw_multi_delta(const bw_multi *mu, int s);       /* s >= 1, paired */
const bw_point_extra *bw_multi_extra(const bw_multi *mu, int s); /* extras */

#endif
