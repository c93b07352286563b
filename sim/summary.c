/* From the per-replication store to the published statistics (MODEL.md §8).
 *
 * Determinism: every statistic is a function of the values of one
 * (gemeente, year) or (quantity, year) cell in replication order; the
 * per-gemeente loop may run on several threads, but each iteration writes only
 * its own slots and reads only shared read-only data, and the ranking runs
 * after it on one thread. The summary is byte-identical for any thread count. */
#include "summary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

/* ---- variable names ------------------------------------------------------ */

static const char *const gv_name[] = {
#define BW_X_GV(e, name, unit, desc) name,
    BW_GVAR_LIST(BW_X_GV)
#undef BW_X_GV
};
static const char *const gv_unit[] = {
#define BW_X_GV(e, name, unit, desc) unit,
    BW_GVAR_LIST(BW_X_GV)
#undef BW_X_GV
};
static const char *const gv_desc[] = {
#define BW_X_GV(e, name, unit, desc) desc,
    BW_GVAR_LIST(BW_X_GV)
#undef BW_X_GV
};

const char *bw_gvar_name(int v) { return (v >= 0 && v < BW_NGV) ? gv_name[v] : NULL; }
const char *bw_gvar_unit(int v) { return (v >= 0 && v < BW_NGV) ? gv_unit[v] : NULL; }
const char *bw_gvar_desc(int v) { return (v >= 0 && v < BW_NGV) ? gv_desc[v] : NULL; }

/* ---- store --------------------------------------------------------------- */

/* a * b * c elements, 0 on overflow of size_t or a non-positive factor. */
static size_t count3(int a, int b, int c) {
  if (a <= 0 || b <= 0 || c <= 0) return 0;
  size_t n = (size_t)a;
  if ((size_t)b > SIZE_MAX / n) return 0;
  n *= (size_t)b;
  if ((size_t)c > SIZE_MAX / sizeof(double) / n) return 0;
  return n * (size_t)c;
}

bw_store *bw_store_create(int nrep, int ng, int ny) {
  size_t ngy = count3(nrep, ng, ny), nq = count3(nrep, BW_NQ, ny);
  if (ngy == 0 || nq == 0) return NULL;
  bw_store *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->nrep = nrep;
  s->ng = ng;
  s->ny = ny;
  s->shortfall_bw = calloc(ngy, sizeof(double));
  s->shortfall_mo = calloc(ngy, sizeof(double));
  s->national = calloc(nq, sizeof(double));
  if (!s->shortfall_bw || !s->shortfall_mo || !s->national) {
    bw_store_free(s);
    return NULL;
  }
  return s;
}

void bw_store_free(bw_store *s) {
  if (!s) return;
  free(s->shortfall_bw);
  free(s->shortfall_mo);
  free(s->national);
  free(s);
}

/* A slot out of range or a result of another shape is ignored (the header
 * gives no status to report it; the run driver never produces either). */
void bw_store_put(bw_store *s, int rep, const bw_rep_result *r) {
  if (!s || !r || rep < 0 || rep >= s->nrep || r->ng != s->ng || r->ny != s->ny) return;
  size_t ngy = (size_t)s->ng * (size_t)s->ny, nqy = (size_t)BW_NQ * (size_t)s->ny;
  memcpy(s->shortfall_bw + (size_t)rep * ngy, r->shortfall_bw, ngy * sizeof(double));
  memcpy(s->shortfall_mo + (size_t)rep * ngy, r->shortfall_mo, ngy * sizeof(double));
  memcpy(s->national + (size_t)rep * nqy, r->national, nqy * sizeof(double));
}

/* ---- summary ------------------------------------------------------------- */

void bw_summary_free(bw_summary *s) {
  if (!s) return;
  for (int v = 0; v < BW_NGV; v++) free(s->gy[v]);
  free(s->p_exceed);
  free(s->p_exceed_se);
  free(s->national);
  free(s->risk);
  free(s);
}

/* s_gt, MODEL.md §8: BW + MO shortfall per inhabitant of g in year y. One
 * expression, used for P(s_gt > theta) and P(any year), so both see the
 * same value. */
static inline double per_inhabitant(double bw, double mo, double pop) { return (bw + mo) / pop; }

/* Descending in p_max_year, then cum_mean, then ascending gemeente code, then
 * index (codes are unique in valid data; the index makes the order total). */
typedef struct {
  const bw_risk_row *row;
  const char *code;
} risk_key;

static int cmp_desc(double a, double b) {
  if (a > b) return -1;
  if (a < b) return 1;
  /* equal, or NaN: NaN ranks last */
  int na = isnan(a), nb = isnan(b);
  return na - nb;
}

static int risk_cmp(const void *pa, const void *pb) {
  const risk_key *a = pa, *b = pb;
  int c = cmp_desc(a->row->p_max_year, b->row->p_max_year);
  if (c) return c;
  c = cmp_desc(a->row->cum_mean, b->row->cum_mean);
  if (c) return c;
  c = strcmp(a->code, b->code);
  if (c) return c;
  return (a->row->g > b->row->g) - (a->row->g < b->row->g);
}

/* Everything about gemeente g: the gemeente x year statistics and its
 * (unranked) risk row. buf is this thread's scratch of nrep doubles. */
static void summarise_gemeente(const bw_store *s, const bw_model *m, bw_summary *out, int g,
                               int y_first, int y_last, double *buf) {
  const int nrep = s->nrep, ng = s->ng, ny = s->ny;
  const size_t n = (size_t)nrep;
#define BW_AT(arr, r, y) ((arr)[((size_t)(r) * (size_t)ng + (size_t)g) * (size_t)ny + (size_t)(y)])

  for (int y = 0; y < ny; y++) {
    size_t slot = (size_t)g * (size_t)ny + (size_t)y;
    double pop = bw_model_population(m, g, y);
    for (int r = 0; r < nrep; r++) buf[r] = BW_AT(s->shortfall_bw, r, y) + BW_AT(s->shortfall_mo, r, y);
    bw_stat_compute(buf, n, &out->gy[BW_GV_SHORTFALL][slot]);
    for (int r = 0; r < nrep; r++) buf[r] = BW_AT(s->shortfall_bw, r, y);
    bw_stat_compute(buf, n, &out->gy[BW_GV_SHORTFALL_BW][slot]);
    for (int r = 0; r < nrep; r++) buf[r] = BW_AT(s->shortfall_mo, r, y);
    bw_stat_compute(buf, n, &out->gy[BW_GV_SHORTFALL_MO][slot]);
    for (int r = 0; r < nrep; r++)
      buf[r] = per_inhabitant(BW_AT(s->shortfall_bw, r, y), BW_AT(s->shortfall_mo, r, y), pop);
    /* the proportion first: bw_stat_compute sorts buf (harmless, but keep it plain) */
    out->p_exceed[slot] = bw_prop_greater(buf, n, out->theta, &out->p_exceed_se[slot]);
    bw_stat_compute(buf, n, &out->gy[BW_GV_SHORTFALL_PER_INH][slot]);
  }

  /* Over the reform years t = S .. last (year indices y_first .. y_last;
   * none when y_first > y_last). */
  bw_risk_row *row = &out->risk[g];
  row->g = g;
  row->rank = 0;
  row->p_max_year = 0.0;
  row->p_se = 0.0;
  row->p_max_year_at = 0;
  row->first_bottleneck_year = 0;
  for (int y = y_first; y <= y_last; y++) {
    size_t slot = (size_t)g * (size_t)ny + (size_t)y;
    double p = out->p_exceed[slot];
    if (y == y_first || p > row->p_max_year) { /* first year on ties */
      row->p_max_year = p;
      row->p_se = out->p_exceed_se[slot];
      row->p_max_year_at = out->first_year + y;
    }
    if (row->first_bottleneck_year == 0 && p >= out->p_star) row->first_bottleneck_year = out->first_year + y;
  }
  row->flagged = y_first <= y_last && row->p_max_year >= out->p_star;

  size_t n_any = 0;
  for (int r = 0; r < nrep; r++) {
    double cum = 0.0;
    int any = 0;
    for (int y = y_first; y <= y_last; y++) {
      double bw = BW_AT(s->shortfall_bw, r, y), mo = BW_AT(s->shortfall_mo, r, y);
      cum += bw + mo;
      any |= per_inhabitant(bw, mo, bw_model_population(m, g, y)) > out->theta;
    }
    buf[r] = cum;
    n_any += (size_t)any;
  }
  row->p_any_year = (double)n_any / (double)nrep;
  bw_stat cs;
  bw_stat_compute(buf, n, &cs);
  row->cum_mean = cs.mean;
  row->cum_q95 = cs.q95;
  row->cum_cvar95 = cs.cvar95;
#undef BW_AT
}

/* NULL on out-of-memory, and also when the store does not match the model
 * (gemeenten or years) or holds no replication: there is nothing to publish. */
bw_summary *bw_summary_create(const bw_store *s, const bw_model *m) {
  if (!s || !m || s->nrep < 1) return NULL;
  const bw_params *p = bw_model_params(m);
  const bw_data *d = bw_model_data(m);
  if (!p || !d || d->ng != s->ng || bw_model_nyears(m) != s->ny) return NULL;

  const int nrep = s->nrep, ng = s->ng, ny = s->ny;
  bw_summary *out = calloc(1, sizeof *out);
  if (!out) return NULL;
  out->nrep = nrep;
  out->ng = ng;
  out->ny = ny;
  out->first_year = p->first_year;
  out->start_year = p->start_year;
  out->theta = p->threshold_eur_per_inhabitant;
  out->p_star = p->p_star;

  size_t ngy = (size_t)ng * (size_t)ny, nqy = (size_t)BW_NQ * (size_t)ny;
  int ok = 1;
  for (int v = 0; v < BW_NGV; v++) ok &= (out->gy[v] = calloc(ngy, sizeof(bw_stat))) != NULL;
  out->p_exceed = calloc(ngy, sizeof(double));
  out->p_exceed_se = calloc(ngy, sizeof(double));
  out->national = calloc(nqy, sizeof(bw_stat));
  out->risk = calloc((size_t)ng, sizeof(bw_risk_row));
  risk_key *keys = calloc((size_t)ng, sizeof *keys);
  bw_risk_row *ranked = calloc((size_t)ng, sizeof *ranked);
  /* per-thread scratch, one block of nrep doubles per thread of the team */
  int nthreads = omp_get_max_threads();
  if (nthreads < 1) nthreads = 1;
  double *scratch = calloc((size_t)nthreads * (size_t)nrep, sizeof(double));
  if (!ok || !out->p_exceed || !out->p_exceed_se || !out->national || !out->risk || !keys ||
      !ranked || !scratch) {
    free(keys);
    free(ranked);
    free(scratch);
    bw_summary_free(out);
    return NULL;
  }

  /* reform years S .. last as year indices, clipped to the simulated years */
  int y_first = p->start_year - p->first_year, y_last = ny - 1;
  if (y_first < 0) y_first = 0;

#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 4)
  for (int g = 0; g < ng; g++)
    summarise_gemeente(s, m, out, g, y_first, y_last,
                       scratch + (size_t)omp_get_thread_num() * (size_t)nrep);

  /* national totals per quantity and year */
  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < ny; y++) {
      for (int r = 0; r < nrep; r++)
        scratch[r] = s->national[((size_t)r * BW_NQ + (size_t)q) * (size_t)ny + (size_t)y];
      bw_stat_compute(scratch, (size_t)nrep, &out->national[(size_t)q * (size_t)ny + (size_t)y]);
    }

  /* rank: the order is total, so qsort's result is unique */
  for (int g = 0; g < ng; g++) {
    keys[g].row = &out->risk[g];
    keys[g].code = d->g[g].code;
  }
  qsort(keys, (size_t)ng, sizeof *keys, risk_cmp);
  out->n_flagged = 0;
  for (int i = 0; i < ng; i++) {
    ranked[i] = *keys[i].row;
    ranked[i].rank = i + 1;
    out->n_flagged += ranked[i].flagged;
  }
  memcpy(out->risk, ranked, (size_t)ng * sizeof *ranked);

  free(keys);
  free(ranked);
  free(scratch);
  return out;
}
