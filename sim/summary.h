/* From the per-replication store to the published statistics (MODEL.md §8):
 * per gemeente x year, national per year, and the ranked risk list. */
#ifndef BW_SUMMARY_H
#define BW_SUMMARY_H

#include <stddef.h>

#include "model.h"
#include "stats.h"

/* Per-replication values kept for the whole run (exact statistics). */
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
  int p_max_year_at;         /* the calendar year of that maximum */
  int first_bottleneck_year; /* first year with P(s_gt > theta) >= p*, 0 = none */
  double p_any_year;         /* P(s_gt > theta in any reform year) */
  double cum_mean, cum_q95, cum_cvar95; /* cumulative shortfall over reform years (EUR) */
  int flagged;               /* p_max_year >= p* */
} bw_risk_row;

typedef struct {
  int nrep, ng, ny, first_year, start_year;
  double theta, p_star;
  bw_stat *gy[BW_NGV];  /* [g * ny + y] */
  double *p_exceed;     /* P(s_gt > theta) [g * ny + y] */
  double *p_exceed_se;
  bw_stat *national;    /* [q * ny + y] */
  bw_risk_row *risk;    /* ng rows in rank order */
  int n_flagged;
} bw_summary;

/* Summarise (deterministic; may run its loops in parallel, never changing
 * a byte). NULL on out-of-memory, or when s holds no replication or does
 * not match m (gemeenten, years). */
bw_summary *bw_summary_create(const bw_store *s, const bw_model *m);
void bw_summary_free(bw_summary *s);

#endif
