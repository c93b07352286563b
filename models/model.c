/* The model object: everything derived once from params + data.
 * docs/model.md §5 (shares), §3 (placement and herkomst tables). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>

#include "counts.h"
#include "internal.h"

static const char *const quantity_names[] = {BW_NATIONAL_LIST(BW_X_COL2)};
static const char *const quantity_units[] = {BW_NATIONAL_LIST(BW_X_COL3)};
static const char *const decomp_names[] = {BW_DECOMP_LIST(BW_X_COL2)};
static const char *const decomp_descs[] = {BW_DECOMP_LIST(BW_X_COL3)};
const char *bw_decomp_name(int k) { return (k >= 0 && k < BW_NDECOMP) ? decomp_names[k] : "?"; }
const char *bw_decomp_desc(int k) { return (k >= 0 && k < BW_NDECOMP) ? decomp_descs[k] : "?"; }

const char *bw_quantity_name(int q) { return (q >= 0 && q < BW_NQ) ? quantity_names[q] : "?"; }
const char *bw_quantity_unit(int q) { return (q >= 0 && q < BW_NQ) ? quantity_units[q] : "?"; }

void bw_year_costs(const bw_model *m, const bw_outer *o, double *yc) {
  const bw_params *p = &m->p;
  for (int c = 0; c < BW_NCARE; c++)
    for (int y = 0; y < m->ny; y++) {
      double v = p->tariff_eur_per_day[c] * 365.0 * pow(1.0 + o->cost_index, y);
      if (c == BW_M && p->first_year + y >= p->mo_extra_from) v *= 1.0 + p->mo_extra_eur / m->macro_mo_2021;
      yc[c * m->ny + y] = v;
    }
}

double bw_weibull_scale(double mean, double shape) {
  return mean / gsl_sf_gamma(1.0 + 1.0 / shape);
}

/* ---- alias tables (Walker/Vose) ---------------------------------------- */
int bw_alias_init(bw_alias *a, const double *w, int n, const int *index) {
  memset(a, 0, sizeof *a);
  if (n <= 0) return -1;
  a->n = n;
  a->prob = malloc(sizeof(double) * (size_t)n);
  a->alias = malloc(sizeof(int) * (size_t)n);
  int *small = malloc(sizeof(int) * (size_t)n), *large = malloc(sizeof(int) * (size_t)n);
  double *scaled = malloc(sizeof(double) * (size_t)n);
  if (index) {
    a->index = malloc(sizeof(int) * (size_t)n);
    if (a->index) memcpy(a->index, index, sizeof(int) * (size_t)n);
  }
  if (!a->prob || !a->alias || !small || !large || !scaled || (index && !a->index)) {
    free(small), free(large), free(scaled);
    bw_alias_destroy(a);
    return -1;
  }
  double total = 0;
  for (int i = 0; i < n; i++) total += w[i];
  int ns = 0, nl = 0;
  for (int i = 0; i < n; i++) {
    scaled[i] = total > 0 ? w[i] * n / total : 1.0;
    if (scaled[i] < 1.0) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    int s = small[--ns], l = large[--nl];
    a->prob[s] = scaled[s];
    a->alias[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) { int l = large[--nl]; a->prob[l] = 1.0; a->alias[l] = l; }
  while (ns > 0) { int s = small[--ns]; a->prob[s] = 1.0; a->alias[s] = s; }
  free(small), free(large), free(scaled);
  return 0;
}

void bw_alias_destroy(bw_alias *a) {
  if (!a) return;
  free(a->prob), free(a->alias), free(a->index);
  memset(a, 0, sizeof *a);
}

/* ---- verdeelmodel form, docs/model.md §5 --------------------------------------- */
static double weight_per_capita(const bw_weights *b, const bw_gemeente *g) {
  return b->constant + b->single_hh * g->pct_single_hh / 100.0 +
         b->nonwestern * g->pct_nonwestern / 100.0 + b->urbanity * (5.0 - g->urbanity) / 4.0;
}

/* Ingroeipad steps from S on (docs/model.md §5): w_steps[k] for year S + k. */
static int ingroei_steps(const bw_model *m, double *steps, int n) {
  const bw_params *p = &m->p;
  int y0 = p->first_year, S = p->start_year;
  switch (p->ingroei_mode) {
  case BW_INGROEI_LINEAR:
    for (int k = 0; k < n; k++) steps[k] = k + 1 >= p->ingroei_steps ? 1.0 : (double)(k + 1) / p->ingroei_steps;
    break;
  case BW_INGROEI_CUSTOM:
    for (int k = 0; k < n; k++) steps[k] = k < p->n_custom ? p->ingroei_custom[k] : 1.0;
    break;
  case BW_INGROEI_FLOW: {
    /* project far enough to cover pauses of bijsturing: n years after S */
    int ny = (S - y0) + n;
    double *share = malloc(sizeof(double) * (size_t)ny);
    if (!share) return -1;
    if (bw_meanfield_new_share(p, m->pop_total[0], share, ny) != 0) { free(share); return -1; }
    for (int k = 0; k < n; k++) steps[k] = share[S - y0 + k];
    free(share);
    break;
  }
  }
  if (p->complete_by > 0)
    for (int k = 0; k < n; k++)
      if (S + k >= p->complete_by) steps[k] = 1.0;
  return 0;
}

bw_model *bw_model_create(const bw_params *p, const bw_data *d, bw_ctx *ctx) {
  bw_model *m = calloc(1, sizeof *m);
  if (!m) { bw_fail(ctx, BW_ENOMEM, "out of memory creating the model"); return NULL; }
  m->p = *p;
  m->ng = d->ng;
  m->nr = d->nr;
  m->ny = bw_params_nyears(p);
  if (m->ng <= 0 || m->nr <= 0 || m->ny <= 0 || m->ny > BW_MAX_YEARS) {
    bw_fail(ctx, BW_EMODEL, "model needs at least one gemeente, one region and 1..%d years", BW_MAX_YEARS);
    free(m);
    return NULL;
  }
  int ng = m->ng, nr = m->nr, ny = m->ny;
  m->d.ng = ng;
  m->d.nr = nr;
  m->d.g = malloc(sizeof(bw_gemeente) * (size_t)ng);
  m->d.r = malloc(sizeof(bw_region) * (size_t)nr);
  m->pop = malloc(sizeof(double) * (size_t)(ng * ny));
  m->pop_total = calloc((size_t)ny, sizeof(double));
  m->need = malloc(sizeof(double) * (size_t)ng);
  m->obj = malloc(sizeof(double) * (size_t)ng);
  m->hist_bw = calloc((size_t)ng, sizeof(double));
  m->hist_mo = calloc((size_t)ng, sizeof(double));
  m->w_sched = calloc((size_t)ny, sizeof(double));
  m->w_steps = calloc((size_t)ny, sizeof(double));
  m->herkomst_reg = calloc((size_t)nr, sizeof(bw_alias));
  m->other_bw = calloc((size_t)nr, sizeof(bw_alias));
  m->other_mo = calloc((size_t)nr, sizeof(bw_alias));
  double *tmp = malloc(sizeof(double) * (size_t)(ng > nr ? ng : nr));
  int *idx = malloc(sizeof(int) * (size_t)(ng > nr ? ng : nr));
  if (!m->d.g || !m->d.r || !m->pop || !m->pop_total || !m->need || !m->obj || !m->hist_bw ||
      !m->hist_mo || !m->w_sched || !m->w_steps || !m->herkomst_reg || !m->other_bw ||
      !m->other_mo || !tmp || !idx)
    goto oom;
  memcpy(m->d.g, d->g, sizeof(bw_gemeente) * (size_t)ng);
  memcpy(m->d.r, d->r, sizeof(bw_region) * (size_t)nr);

  /* population path: pop_g(t) = pop_g * (1 + growth)^(t - first_year) */
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) {
      m->pop[g * ny + y] = d->g[g].population * pow(1.0 + p->population_growth, y);
      m->pop_total[y] += m->pop[g * ny + y];
    }

  /* need_g normalised to a population-weighted mean of 1; O_g objective share */
  double sum_pop = 0, sum_need = 0, sum_obj = 0;
  for (int g = 0; g < ng; g++) {
    double pop = d->g[g].population;
    m->need[g] = weight_per_capita(&p->need, &d->g[g]);
    m->obj[g] = pop * weight_per_capita(&p->verdeelmodel, &d->g[g]);
    if (m->need[g] < 0 || m->obj[g] < 0) {
      bw_fail(ctx, BW_EMODEL, "gemeente %s: verdeelmodel or need weight is negative; check the weights",
              d->g[g].code);
      goto fail;
    }
    sum_pop += pop;
    sum_need += pop * m->need[g];
    sum_obj += m->obj[g];
  }
  if (!(sum_need > 0) || !(sum_obj > 0)) {
    bw_fail(ctx, BW_EMODEL, "verdeelmodel and need weights must give a positive total");
    goto fail;
  }
  for (int g = 0; g < ng; g++) {
    m->need[g] *= sum_pop / sum_need;
    m->obj[g] /= sum_obj;
  }

  /* historical shares H_g on the centrumgemeenten */
  for (int r = 0; r < nr; r++) {
    m->macro_bw_2021 += d->r[r].hist_budget_bw_eur;
    m->macro_mo_2021 += d->r[r].hist_budget_mo_eur;
  }
  if (!(m->macro_bw_2021 > 0) || !(m->macro_mo_2021 > 0)) {
    bw_fail(ctx, BW_EMODEL, "historical BW and MO budgets must have a positive total");
    goto fail;
  }
  for (int r = 0; r < nr; r++) {
    m->hist_bw[d->r[r].centrum] += d->r[r].hist_budget_bw_eur / m->macro_bw_2021;
    m->hist_mo[d->r[r].centrum] += d->r[r].hist_budget_mo_eur / m->macro_mo_2021;
  }

  /* alias tables for placement and herkomst (docs/model.md §3.1–3.2) */
  for (int r = 0; r < nr; r++) tmp[r] = d->r[r].hist_budget_bw_eur;
  if (bw_alias_init(&m->region_bw, tmp, nr, NULL)) goto oom;
  for (int r = 0; r < nr; r++) tmp[r] = d->r[r].hist_budget_mo_eur;
  if (bw_alias_init(&m->region_mo, tmp, nr, NULL)) goto oom;
  for (int g = 0; g < ng; g++) tmp[g] = d->g[g].population * m->need[g];
  if (bw_alias_init(&m->herkomst_nat, tmp, ng, NULL)) goto oom;
  for (int r = 0; r < nr; r++) {
    int n = 0;
    for (int g = 0; g < ng; g++)
      if (d->g[g].region == r) {
        tmp[n] = d->g[g].population * m->need[g];
        idx[n++] = g;
      }
    if (n == 0) {
      bw_fail(ctx, BW_EMODEL, "region %s has no member gemeenten", d->r[r].code);
      goto fail;
    }
    if (bw_alias_init(&m->herkomst_reg[r], tmp, n, idx)) goto oom;
    for (int pass = 0; pass < 2; pass++) {
      int k = 0;
      for (int s = 0; s < nr; s++)
        if (s != r || nr == 1) {
          tmp[k] = pass == 0 ? d->r[s].hist_budget_bw_eur : d->r[s].hist_budget_mo_eur;
          idx[k++] = s;
        }
      if (bw_alias_init(pass == 0 ? &m->other_bw[r] : &m->other_mo[r], tmp, k, idx)) goto oom;
    }
  }

  /* the ingroeipad schedule (before bijsturing) */
  if (ingroei_steps(m, m->w_steps, ny) != 0) goto oom;
  for (int y = 0; y < ny; y++) {
    int k = p->first_year + y - p->start_year;
    m->w_sched[y] = k < 0 ? 0.0 : m->w_steps[k];
  }
  free(tmp);
  free(idx);
  return m;

oom:
  bw_fail(ctx, BW_ENOMEM, "out of memory creating the model");
fail:
  free(tmp);
  free(idx);
  bw_model_free(m);
  return NULL;
}

void bw_model_free(bw_model *m) {
  if (!m) return;
  free(m->d.g), free(m->d.r);
  free(m->pop), free(m->pop_total), free(m->need), free(m->obj);
  free(m->hist_bw), free(m->hist_mo), free(m->w_sched), free(m->w_steps);
  bw_alias_destroy(&m->region_bw);
  bw_alias_destroy(&m->region_mo);
  bw_alias_destroy(&m->herkomst_nat);
  for (int r = 0; r < m->nr; r++) {
    if (m->herkomst_reg) bw_alias_destroy(&m->herkomst_reg[r]);
    if (m->other_bw) bw_alias_destroy(&m->other_bw[r]);
    if (m->other_mo) bw_alias_destroy(&m->other_mo[r]);
  }
  free(m->herkomst_reg), free(m->other_bw), free(m->other_mo);
  free(m);
}

const bw_params *bw_model_params(const bw_model *m) { return &m->p; }
const bw_data *bw_model_data(const bw_model *m) { return &m->d; }
int bw_model_nyears(const bw_model *m) { return m->ny; }
double bw_model_ingroei_weight(const bw_model *m, int y) { return m->w_sched[y]; }
double bw_model_objective_share(const bw_model *m, int g) { return m->obj[g]; }
double bw_model_historical_share(const bw_model *m, int g) { return m->hist_bw[g]; }
double bw_model_population(const bw_model *m, int g, int y) { return m->pop[g * m->ny + y]; }

/* ---- per-replication result and workspace --------------------------------- */
static bw_rep_result *rep_result_alloc(const bw_model *m) {
  bw_rep_result *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  size_t n = (size_t)m->ng * (size_t)m->ny;
  r->ng = m->ng;
  r->ny = m->ny;
  r->cost_bw = calloc(n, sizeof(double));
  r->cost_bw_old = calloc(n, sizeof(double));
  r->cost_mo = calloc(n, sizeof(double));
  r->budget_bw = calloc(n, sizeof(double));
  r->budget_mo = calloc(n, sizeof(double));
  r->shortfall_bw = calloc(n, sizeof(double));
  r->shortfall_mo = calloc(n, sizeof(double));
  r->national = calloc((size_t)BW_NQ * (size_t)m->ny, sizeof(double));
  r->w_bw = calloc((size_t)m->ny, sizeof(double));
  r->macro_bw = calloc((size_t)m->ny, sizeof(double));
  r->w_mo = calloc((size_t)m->ny, sizeof(double));
  r->macro_mo = calloc((size_t)m->ny, sizeof(double));
  if (!r->w_mo || !r->macro_mo || !r->cost_bw || !r->cost_bw_old || !r->cost_mo || !r->budget_bw || !r->budget_mo || !r->shortfall_bw ||
      !r->shortfall_mo || !r->national || !r->w_bw || !r->macro_bw) {
    bw_rep_result_free(r);
    return NULL;
  }
  return r;
}

bw_rep_result *bw_rep_result_create(const bw_model *m) {
  bw_rep_result *r = rep_result_alloc(m);
  if (r && !(r->cf = rep_result_alloc(m))) {
    bw_rep_result_free(r);
    return NULL;
  }
  if (r) r->want_cf = 1;
  return r;
}

void bw_rep_result_free(bw_rep_result *r) {
  if (!r) return;
  bw_rep_result_free(r->cf);
  free(r->cost_bw), free(r->cost_bw_old), free(r->cost_mo), free(r->budget_bw), free(r->budget_mo);
  free(r->shortfall_bw), free(r->shortfall_mo), free(r->national), free(r->w_bw), free(r->macro_bw);
  free(r->w_mo), free(r->macro_mo);
  free(r);
}

bw_workspace *bw_workspace_create(const bw_model *m) {
  bw_workspace *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  size_t n = (size_t)m->ng * (size_t)m->ny;
  w->rng = gsl_rng_alloc(bw_rng_philox);
  w->eps = calloc((size_t)m->ng, sizeof(double));
  w->cost_bw = calloc(n, sizeof(double));
  w->cost_bw_old = calloc(n, sizeof(double));
  w->cost_mo = calloc(n, sizeof(double));
  w->national = calloc((size_t)BW_NQ * (size_t)m->ny, sizeof(double));
  w->year_cost = calloc((size_t)BW_NCARE * (size_t)m->ny, sizeof(double));
  w->budget_scr = calloc(7 * (size_t)m->ny, sizeof(double));
  /* room for the largest batch: the biggest stock or about twice a year's
   * expected entries of one care type (grown later if a draw needs more) */
  double most = 0;
  for (int c = 0; c < BW_NCARE; c++) {
    double e = 2.0 * m->p.rate_per_1000[c] * m->pop_total[m->ny - 1] / 1000.0 *
               pow(1.0 + m->p.growth[c], m->ny);
    if (m->p.stock[c] > most) most = m->p.stock[c];
    if (e > most) most = e;
  }
  /* the count kernel's scratch (models/counts.c) */
  if (m->p.kernel == BW_KERNEL_COUNTS && !(w->counts = bw_counts_ws_create(m))) {
    bw_workspace_free(w);
    return NULL;
  }
  if (!w->rng || !w->eps || !w->cost_bw || !w->cost_bw_old || !w->cost_mo || !w->national || !w->year_cost || !w->budget_scr ||
      bw_workspace_reserve(w, (size_t)most + 1024)) {
    bw_workspace_free(w);
    return NULL;
  }
  return w;
}

static void batch_free(bw_workspace *w) {
  free(w->gem), free(w->aux);
  w->gem = NULL, w->aux = NULL;
}

int bw_workspace_reserve(bw_workspace *w, size_t n) {
  if (n <= w->cap) return 0;
  size_t cap = w->cap ? w->cap : 4096;
  while (cap < n) cap *= 2;
  batch_free(w);
  w->cap = 0;
  w->gem = malloc(cap * sizeof(int));
  w->aux = malloc(cap * sizeof(double));
  if (!w->gem || !w->aux) {
    batch_free(w);
    return -1;
  }
  w->cap = cap;
  return 0;
}

void bw_workspace_free(bw_workspace *w) {
  if (!w) return;
  if (w->rng) gsl_rng_free(w->rng);
  free(w->eps), free(w->cost_bw), free(w->cost_bw_old), free(w->cost_mo), free(w->national), free(w->year_cost), free(w->budget_scr);
  batch_free(w);
  bw_counts_ws_free(w->counts);
  free(w);
}

uint64_t bw_workspace_stays(const bw_workspace *w) { return w->stays; }

bw_status bw_simulate_clients(const bw_model *m, uint32_t rep, bw_workspace *w, bw_ctx *ctx) {
  /* run.kernel: every client (models/flows.c) or counts (models/counts.c) */
  int rc = m->p.kernel == BW_KERNEL_COUNTS ? bw_counts_simulate(m, rep, w, &w->outer)
                                           : bw_flows_simulate(m, rep, w, &w->outer);
  /* only the individual kernel books old- and new-regime stays apart (the
   * count kernel counts a centrumgemeente's payer groups in one lane) */
  w->have_old = m->p.kernel == BW_KERNEL_INDIVIDUAL;
  if (rc != 0) return bw_fail(ctx, BW_ENOMEM, "out of memory: client batch of replication %u", rep);
  return BW_OK;
}

void bw_evaluate_budgets(const bw_model *m, const bw_workspace *w, bw_rep_result *out) {
  const bw_outer *o = &w->outer;
  bw_budget_apply(m, o, w, out);
  for (int c = 0; c < BW_NCARE; c++) {
    out->rate_mult[c] = o->rate_mult[c];
    out->duration_mult[c] = o->duration_mult[c];
  }
  out->wlz_factor = o->wlz_factor;
  out->cost_index = o->cost_index;
}

bw_status bw_simulate(const bw_model *m, uint32_t rep, bw_workspace *w, bw_rep_result *out,
                      bw_ctx *ctx) {
  bw_status st = bw_simulate_clients(m, rep, w, ctx);
  if (st == BW_OK) bw_evaluate_budgets(m, w, out);
  return st;
}
