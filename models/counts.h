/* The count kernel (run.kernel: counts), docs/model.md §10.4 and issue 5: the
 * flows of docs/model.md §3–4 simulated as counts of clients per payer group and
 * phase, with binomial/multinomial transitions in yearly steps. Internal to
 * models/ (and the tests); the engine reaches it through bw_simulate. */
#ifndef BW_MODELS_COUNTS_H
#define BW_MODELS_COUNTS_H

#include <stdint.h>

#include "internal.h"

/* Scratch of the count kernel, one per workspace (w->counts). */
struct bw_counts_ws *bw_counts_ws_create(const bw_model *m);
void bw_counts_ws_free(struct bw_counts_ws *c);

/* Client flows of one replication by counts: the contract of
 * bw_flows_simulate (fills w->cost_bw, w->cost_mo, w->year_cost, the flow
 * quantities of w->national, w->stays, and returns the outer draws in *o).
 * Creates w->counts on first use. 0, or -1 when out of memory. */
int bw_counts_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_outer *o);

/* The phase-type law that stands for a Weibull(shape) stay of the given mean
 * (for tests and docs): number of phases, and its first three moments. */
int bw_counts_phase_type(double mean, double shape, double *m1, double *m2, double *m3);

/* For tests of the samplers: n draws of Poisson(mean) (pois = 1) or
 * Binomial(trials, p) (pois = 0) through the kernel's vectorised lane
 * samplers, as the entries and moves of a set of lanes draw them; keyed
 * (seed, rep). 0, or -1 when out of memory or on bad input. */
int bw_counts_test_draws(const bw_model *m, int pois, double mean_or_trials, double p, uint64_t seed, uint32_t rep,
                         int n, int32_t *out);

/* The count kernel's random-number purposes (BW_RNG_COUNTS_*) are registered
 * with every other purpose in models/rng_purpose.h (BW_RNG_PURPOSE_LIST). */

#endif
