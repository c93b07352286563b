/* From replications to the published statistics (docs/model.md §8): per
 * gemeente x year, per region x year, national per year, the ranked risk
 * list with stable/unstable flags, and the variance split of the nested
 * design. Streaming by default (bw_acc: memory independent of the number of
 * replications, exactly mergeable, so byte-identical for any split of the
 * work); exact (all values kept, bw_store) on request. docs/statistics.md. */
#ifndef BW_SUMMARY_H
#define BW_SUMMARY_H

#include <stddef.h>

#include "model.h"
#include "stats.h"

/* Per-replication values kept for the whole run (--exact, and tests). */
typedef struct {
  int nrep, ng, ny;
  double *shortfall_bw; /* [(rep * ng + g) * ny + y] */
  double *shortfall_mo; /* same layout */
  double *national;     /* [(rep * BW_NQ + q) * ny + y] */
} bw_store;

bw_store *bw_store_create(int nrep, int ng, int ny);
void bw_store_free(bw_store *s);
/* Copy one replication's result into slot rep. */
void bw_store_put(bw_store *s, int rep, const bw_rep_result *r);

/* Gemeente x year variables of the output. */
#define BW_GVAR_LIST(X)                                                          \
  X(BW_GV_SHORTFALL, "shortfall_eur", "EUR", "cost - budget, BW + MO")            \
  X(BW_GV_SHORTFALL_BW, "shortfall_bw_eur", "EUR", "cost - budget, BW (I + A)")   \
  X(BW_GV_SHORTFALL_MO, "shortfall_mo_eur", "EUR", "cost - budget, MO")           \
  X(BW_GV_SHORTFALL_PER_INH, "shortfall_per_inhabitant_eur", "EUR/inhabitant",   \
    "(cost - budget) / population, BW + MO")

typedef enum {
#define BW_X_GV(e, name, unit, desc) e,
  BW_GVAR_LIST(BW_X_GV)
#undef BW_X_GV
  BW_NGV
} bw_gvar;

const char *bw_gvar_name(int v);
const char *bw_gvar_unit(int v);
const char *bw_gvar_desc(int v);

typedef struct {
  int g;                     /* gemeente index */
  int rank;                  /* 1 = highest risk */
  double p_max_year;         /* max over reform years of P(s_gt > theta) */
  double p_se;               /* its MC standard error */
  double p_lo, p_hi;         /* its Wilson 95 % interval */
  int p_max_year_at;         /* the calendar year of that maximum */
  int first_bottleneck_year; /* first year with P(s_gt > theta) >= p*, 0 = none */
  double p_any_year;         /* P(s_gt > theta in any reform year) */
  double cum_mean, cum_q95, cum_cvar95; /* cumulative shortfall over reform years (EUR) */
  double cum_se_mean, cum_se_q95, cum_se_cvar95; /* their MC standard errors */
  double cum_q95_err, cum_cvar95_err;   /* streaming error bounds (0 exact) */
  int flagged;               /* p_max_year >= p* */
  int flag_stable;           /* [p_lo, p_hi] wholly on one side of p*: p_lo > p* or p_hi < p* */
  int flagged_other;         /* flag under the other pooling setting; -1 unknown */
} bw_risk_row;

/* A region (sum over its members), docs/model.md §8 "the same per region". */
typedef struct {
  double p_max_year, p_se, p_lo, p_hi;
  int p_max_year_at, flagged, flag_stable;
  int members, members_flagged_none, members_flagged_region; /* flags without / with pooling; -1 unknown */
} bw_region_row;

typedef struct {
  int nrep, ng, ny, nr, first_year, start_year;
  double theta, p_star;
  int exact;                /* 1: quantiles from all values */
  int pooling;              /* the run's bw_pooling */
  bw_stat *gy[BW_NGV];      /* [g * ny + y] */
  double *p_exceed;         /* P(s_gt > theta) [g * ny + y] */
  double *p_exceed_se;
  double *p_exceed_lo, *p_exceed_hi; /* Wilson 95 % */
  long long *first_exceed;  /* [g * (ny + 1) + y]: replications whose first reform year
                               with s_gt > theta is y; [g * (ny + 1) + ny]: none */
  bw_stat *national;        /* [q * ny + y] */
  bw_risk_row *risk;        /* ng rows in rank order */
  int n_flagged, n_unstable, n_flagged_other; /* n_flagged_other -1 unknown */
  /* regions, data order */
  bw_stat *region;          /* shortfall_eur, sum over members [r * ny + y] */
  double *region_p_exceed, *region_p_exceed_se; /* per inhabitant of the region */
  bw_region_row *region_risk;
  /* variance split (nested design, uncertainty.outer_draws = K > 0), else NULL */
  int split_k;
  double *param_share;      /* [g]: cumulative reform-period shortfall */
  double *param_share_year; /* [g * ny + y] */
  /* the drivers of the shortfall (bw_decompose, BW_DECOMP_LIST), means over
   * replications; NULL when unknown (light accumulators, a store's summary) */
  double *decomp;           /* [(k * ng + g) * ny + y] */
  double *decomp_cum;       /* [k * ng + g]: summed over the reform years */
  int decomp_have_old;      /* 1: the old/new regime split of the BW cost is known
                               (bw_decomp_additive says which drivers add up) */
} bw_summary;

/* ---- streaming accumulator ---------------------------------------------- */

typedef struct bw_acc bw_acc;

/* An empty accumulator for model m. exact_nrep > 0 also keeps every value of
 * replications 0 .. exact_nrep-1 (--exact). NULL on out of memory. */
bw_acc *bw_acc_create(const bw_model *m, int exact_nrep);
/* A light accumulator for the many scenarios of bwsim compare and sweep: the
 * same counts (P(s_gt > theta), flags, first years, region flags), the
 * cumulative cells and the variance split as bw_acc_create, so the summary's
 * flags, probabilities and cumulative statistics are the bytes a full run
 * gives; but no gemeente x year and region x year cells (their statistics
 * are NaN in the summary), national cells only with keep_national, and no
 * flags under the other pooling setting (unknown). A few per cent of the
 * memory and a fraction of the cost per replication. */
bw_acc *bw_acc_create_light(const bw_model *m, int keep_national);
void bw_acc_free(bw_acc *a);
/* Replications added so far. */
long long bw_acc_count(const bw_acc *a);
/* Scratch doubles one bw_acc_add call needs (one block per thread). */
size_t bw_acc_scratch_len(const bw_acc *a);

/* Add replication rep. Thread-safe: callers may add concurrently (striped
 * locks inside); the result does not depend on the order of the calls. */
bw_status bw_acc_add(bw_acc *a, int rep, const bw_rep_result *r, double *scratch, bw_ctx *ctx);

/* A thread's part of an accumulator: what a thread adds without waiting for
 * the others. Its replications' values are kept in a block (about 16 MB)
 * and added to a's cells a block at a time (much cheaper per value than one
 * at a time: each cell's bins are loaded once per block); its counts are
 * merged into a by bw_acc_part_finish. The bytes of a's statistics are those
 * bw_acc_add gives for the same replications. block: replications per block
 * (0: bw_acc_part_block). NULL on out of memory. */
typedef struct bw_acc_part bw_acc_part;
bw_acc_part *bw_acc_part_create(bw_acc *a, int block);
int bw_acc_part_block(const bw_acc *a);
/* The default block for values_per_rep values per replication (cells of
 * the accumulator): a part holds block x values_per_rep doubles. */
int bw_acc_block_for(size_t values_per_rep);
/* Add replication rep to the part (the thread's own: not thread-safe on one
 * part; any number of parts of one accumulator may add concurrently). */
bw_status bw_acc_part_add(bw_acc_part *p, int rep, const bw_rep_result *r, bw_ctx *ctx);
/* Everything the part holds into its accumulator (thread-safe); the part is
 * then empty and may be used again. */
bw_status bw_acc_part_finish(bw_acc_part *p, bw_ctx *ctx);
/* Free (what it holds and has not finished is lost). */
void bw_acc_part_free(bw_acc_part *p);

/* dst += src (same model). Exact: any grouping gives the same bytes. */
bw_status bw_acc_merge(bw_acc *dst, const bw_acc *src, bw_ctx *ctx);
/* Forget all values (keep the allocation): for the next batch of a process. */
void bw_acc_clear(bw_acc *a);

/* Serialisation of the streaming part (not the exact store) for MPI. */
size_t bw_acc_packed_size(const bw_acc *a);
size_t bw_acc_pack(const bw_acc *a, unsigned char *buf);
bw_status bw_acc_unpack_merge(bw_acc *dst, const unsigned char *buf, size_t n, bw_ctx *ctx);
/* The exact store (NULL when streaming). */
bw_store *bw_acc_store(bw_acc *a);

/* Summarise (deterministic; may run its loops in parallel, never changing
 * a byte). NULL on out-of-memory or when a holds no replication. */
bw_summary *bw_summary_from_acc(const bw_acc *a, const bw_model *m);

/* Summarise a filled store exactly (as with --exact; the other-pooling flags
 * are unknown, a store holds no costs and budgets). NULL on out-of-memory,
 * or when s holds no replication or does not match m (gemeenten, years). */
bw_summary *bw_summary_create(const bw_store *s, const bw_model *m);
void bw_summary_free(bw_summary *s);

/* The risk rows are in rank order: ix[g] = the row of gemeente g, a malloc'd
 * array of s->ng (caller frees); NULL on out of memory. */
int *bw_summary_row_index(const bw_summary *s);

#endif
