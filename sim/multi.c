/* Several scenarios on common random numbers in one pass (sim/multi.h).
 *
 * Interface map, in call order:
 *   bw_multi_create    one model and one light accumulator per scenario;
 *                      client groups by bw_params_same_clients; the paired
 *                      and sweep accumulators.
 *   bw_multi_run       bw_drive with the visitor below: per replication,
 *                      each group's clients once (bw_simulate_clients), each
 *                      scenario's budgets on them (bw_evaluate_budgets), its
 *                      light accumulator, then the differences with the base
 *                      and the sweep measures into the thread's partials,
 *                      merged once per thread (mthread_finish).
 *   bw_multi_summarise the summaries (bw_summary_from_acc: the same code as
 *                      `bwsim run`), then the differences (delta_compute).
 *
 * The paired flag-probability difference: p_max_year of a scenario is
 * P(s_gt > theta) in its maximising reform year a*, the base's in b*. Per
 * replication D = 1[s_k,a* > theta_k] - 1[s_base,b* > theta_base], whose
 * variance needs P(both): so the joint counts of every pair of years (a, b)
 * are kept (ny x ny integers per gemeente), because a* and b* are known
 * only at the end. The se treats a* and b* as fixed (as the se of
 * p_max_year itself does). */
#include "multi.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params_yaml.h"
#include "sketch.h"

/* Cell scales as sim/summary.c uses them: EUR 5 per inhabitant (bins
 * 1/512 wide in asinh), national EUR 1000 or 1 client (1/4096). */
#define GEM_INV_H 512.0
#define NAT_INV_H 4096.0
#define EUR_PER_INH_SCALE 5.0

typedef struct {
  long long n;
  bw_cell *dcum;    /* [ng]: cumulative shortfall, scenario - base */
  bw_cell *dreg;    /* [nr] */
  bw_cell *dnat;    /* [nq * ny] */
  uint64_t *joint;  /* [(g * ny + a) * ny + b]: scenario over theta in year a and base in year b */
  uint64_t *rjoint; /* [(r * ny + a) * ny + b] */
} pair_state;

typedef struct {
  bw_cell natcum, possum;
} extra_state;

typedef struct {
  bw_model *m;
  bw_acc *acc;
  bw_summary *sum;
  int group, leader;
  int y_first, y_last; /* reform years as indices */
  double theta;
  bw_delta delta;
  bw_point_extra extra;
} scen;

struct bw_multi {
  const bw_data *d;
  int S, ng, nr, ny, ngroups, paired, extras;
  scen *sc;
  int *leaders;      /* [ngroups]: the scenario that simulates the group's clients */
  double *reg_pop;   /* [r * ny + y], as sim/summary.c sums it */
  double *gem_pop;   /* [g * ny + y] */
  pair_state *pair;  /* [S] (0 unused), when paired */
  extra_state *ext;  /* [S], when extras */
};

/* ---- mergeable state: arrays of cells and of counts ------------------------ */

static int cells_merge(bw_cell *dst, const bw_cell *src, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = bw_cell_merge(&dst[i], &src[i]);
    if (rc) return rc;
  }
  return 0;
}
static size_t cells_size(const bw_cell *c, size_t n) {
  size_t b = 0;
  for (size_t i = 0; i < n; i++) b += bw_cell_packed_size(&c[i]);
  return b;
}
static size_t cells_pack(const bw_cell *c, size_t n, unsigned char *buf) {
  size_t off = 0;
  for (size_t i = 0; i < n; i++) off += bw_cell_pack(&c[i], buf + off);
  return off;
}
/* bytes read, 0 on malformed input */
static size_t cells_unpack(bw_cell *c, size_t n, const unsigned char *buf, size_t avail) {
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    size_t used = bw_cell_unpack_merge(&c[i], buf + off, avail - off);
    if (!used) return 0;
    off += used;
  }
  return off;
}
static void cells_clear(bw_cell *c, size_t n) {
  for (size_t i = 0; i < n; i++) bw_cell_clear(&c[i]);
}
static void cells_free(bw_cell *c, size_t n) {
  if (!c) return;
  for (size_t i = 0; i < n; i++) bw_cell_free(&c[i]);
  free(c);
}

static size_t n_joint(const bw_multi *mu) { return (size_t)mu->ng * mu->ny * mu->ny; }
static size_t n_rjoint(const bw_multi *mu) { return (size_t)mu->nr * mu->ny * mu->ny; }
static size_t n_nat(const bw_multi *mu) { return (size_t)BW_NQ * mu->ny; }

static void pair_free(const bw_multi *mu, pair_state *ps) {
  cells_free(ps->dcum, (size_t)mu->ng);
  cells_free(ps->dreg, (size_t)mu->nr);
  cells_free(ps->dnat, n_nat(mu));
  free(ps->joint), free(ps->rjoint);
  memset(ps, 0, sizeof *ps);
}

static int pair_init(const bw_multi *mu, const scen *s, pair_state *ps) {
  memset(ps, 0, sizeof *ps);
  int ng = mu->ng, nr = mu->nr, ny = mu->ny;
  int nreform = s->y_last - s->y_first + 1;
  if (nreform < 1) nreform = 1;
  ps->dcum = calloc((size_t)ng, sizeof *ps->dcum);
  ps->dreg = calloc((size_t)nr, sizeof *ps->dreg);
  ps->dnat = calloc(n_nat(mu), sizeof *ps->dnat);
  ps->joint = calloc(n_joint(mu), sizeof *ps->joint);
  ps->rjoint = calloc(n_rjoint(mu) ? n_rjoint(mu) : 1, sizeof *ps->rjoint);
  if (!ps->dcum || !ps->dreg || !ps->dnat || !ps->joint || !ps->rjoint) return -1;
  for (int g = 0; g < ng; g++)
    bw_cell_init(&ps->dcum[g], EUR_PER_INH_SCALE * mu->gem_pop[(size_t)g * ny] * nreform, GEM_INV_H);
  for (int r = 0; r < nr; r++)
    bw_cell_init(&ps->dreg[r], EUR_PER_INH_SCALE * mu->reg_pop[(size_t)r * ny] * nreform, GEM_INV_H);
  for (int q = 0; q < BW_NQ; q++) {
    const char *unit = bw_quantity_unit(q);
    double c = unit && !strcmp(unit, "EUR") ? 1000.0 : 1.0;
    for (int y = 0; y < ny; y++) bw_cell_init(&ps->dnat[(size_t)q * ny + y], c, NAT_INV_H);
  }
  return 0;
}

static int pair_merge(const bw_multi *mu, pair_state *dst, const pair_state *src) {
  int rc = cells_merge(dst->dcum, src->dcum, (size_t)mu->ng);
  if (!rc) rc = cells_merge(dst->dreg, src->dreg, (size_t)mu->nr);
  if (!rc) rc = cells_merge(dst->dnat, src->dnat, n_nat(mu));
  if (rc) return rc;
  for (size_t i = 0; i < n_joint(mu); i++) dst->joint[i] += src->joint[i];
  for (size_t i = 0; i < n_rjoint(mu); i++) dst->rjoint[i] += src->rjoint[i];
  dst->n += src->n;
  return 0;
}

static void extra_init(extra_state *e) {
  bw_cell_init(&e->natcum, 1e6, NAT_INV_H);
  bw_cell_init(&e->possum, 1e6, NAT_INV_H);
}
static void extra_free(extra_state *e) {
  bw_cell_free(&e->natcum);
  bw_cell_free(&e->possum);
}

/* ---- create / free ------------------------------------------------------------ */

static void delta_free(bw_delta *d) {
  free(d->cum_mean), free(d->cum_se), free(d->cum_se_unpaired);
  free(d->p), free(d->p_se), free(d->p_se_unpaired), free(d->flag_change), free(d->flag_change_stable);
  free(d->reg_cum_mean), free(d->reg_cum_se), free(d->reg_p), free(d->reg_p_se), free(d->reg_flag_change);
  free(d->nat);
  memset(d, 0, sizeof *d);
}

void bw_multi_free(bw_multi *mu) {
  if (!mu) return;
  for (int s = 0; s < mu->S && mu->sc; s++) {
    bw_summary_free(mu->sc[s].sum);
    bw_acc_free(mu->sc[s].acc);
    bw_model_free(mu->sc[s].m);
    delta_free(&mu->sc[s].delta);
    if (mu->pair) pair_free(mu, &mu->pair[s]);
    if (mu->ext) extra_free(&mu->ext[s]);
  }
  free(mu->sc), free(mu->leaders), free(mu->reg_pop), free(mu->gem_pop), free(mu->pair), free(mu->ext);
  free(mu);
}

bw_multi *bw_multi_create(const bw_data *d, const bw_params *ps, const char *const *names, int S,
                          int paired, int extras, bw_ctx *ctx) {
  if (S < 1 || !d || !ps) {
    bw_fail(ctx, BW_EUSAGE, "no scenario to run");
    return NULL;
  }
  /* common random numbers need one seed, one horizon and one set of gemeenten */
  for (int s = 1; s < S; s++) {
    const char *why = NULL;
    if (ps[s].seed != ps[0].seed) why = "run.seed (common random numbers need one seed)";
    else if (ps[s].first_year != ps[0].first_year || ps[s].last_year != ps[0].last_year)
      why = "run.first_year..run.last_year (the years are compared one by one; set run.last_year "
            "the same in every scenario, e.g. --set run.last_year=2036)";
    else if (strcmp(ps[s].gemeenten_path, ps[0].gemeenten_path) || strcmp(ps[s].regions_path, ps[0].regions_path))
      why = "data.gemeenten / data.regions (the gemeenten are compared one by one)";
    if (why) {
      bw_fail(ctx, BW_EPARAM, "%s: differs from %s in %s", names[s], names[0], why);
      return NULL;
    }
  }
  bw_multi *mu = calloc(1, sizeof *mu);
  if (!mu) goto oom;
  mu->d = d;
  mu->S = S;
  mu->ng = d->ng;
  mu->nr = d->nr;
  mu->ny = bw_params_nyears(&ps[0]);
  mu->paired = paired && S > 1;
  mu->extras = extras;
  int ng = mu->ng, nr = mu->nr, ny = mu->ny;
  mu->sc = calloc((size_t)S, sizeof *mu->sc);
  mu->leaders = calloc((size_t)S, sizeof *mu->leaders);
  mu->reg_pop = calloc((size_t)(nr > 0 ? nr : 1) * ny, sizeof *mu->reg_pop);
  mu->gem_pop = calloc((size_t)ng * ny, sizeof *mu->gem_pop);
  if (!mu->sc || !mu->leaders || !mu->reg_pop || !mu->gem_pop) goto oom;
  for (int s = 0; s < S; s++) {
    scen *c = &mu->sc[s];
    c->m = bw_model_create(&ps[s], d, ctx);
    if (!c->m) {
      char msg[BW_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", ctx->msg);
      bw_fail(ctx, ctx->status, "%s: %s", names[s], msg);
      goto fail;
    }
    c->acc = bw_acc_create_light(c->m, mu->paired); /* compare writes each scenario's national statistics */
    if (!c->acc) goto oom;
    c->y_first = ps[s].start_year - ps[s].first_year;
    if (c->y_first < 0) c->y_first = 0;
    c->y_last = ny - 1;
    c->theta = ps[s].threshold_eur_per_inhabitant;
    c->group = -1;
    for (int k = 0; k < mu->ngroups && c->group < 0; k++)
      if (bw_params_same_clients(&ps[mu->leaders[k]], &ps[s]) == 1) c->group = k;
    if (c->group < 0) {
      c->group = mu->ngroups;
      mu->leaders[mu->ngroups++] = s;
    }
    c->leader = mu->leaders[c->group];
  }
  /* populations as the model and sim/summary.c compute them */
  const bw_model *m0 = mu->sc[0].m;
  for (int g = 0; g < ng; g++)
    for (int y = 0; y < ny; y++) mu->gem_pop[(size_t)g * ny + y] = bw_model_population(m0, g, y);
  for (int r = 0; r < nr; r++)
    for (int y = 0; y < ny; y++) {
      double pop = 0;
      for (int g = 0; g < ng; g++)
        if (d->g[g].region == r) pop += bw_model_population(m0, g, y);
      mu->reg_pop[(size_t)r * ny + y] = pop > 0 ? pop : 1.0;
    }
  if (mu->paired) {
    mu->pair = calloc((size_t)S, sizeof *mu->pair);
    if (!mu->pair) goto oom;
    for (int s = 1; s < S; s++)
      if (pair_init(mu, &mu->sc[s], &mu->pair[s])) goto oom;
  }
  if (extras) {
    mu->ext = calloc((size_t)S, sizeof *mu->ext);
    if (!mu->ext) goto oom;
    for (int s = 0; s < S; s++) extra_init(&mu->ext[s]);
  }
  return mu;
oom:
  bw_fail(ctx, BW_ENOMEM, "out of memory setting up %d scenarios", S);
fail:
  bw_multi_free(mu);
  return NULL;
}

int bw_multi_nscenarios(const bw_multi *mu) { return mu->S; }
int bw_multi_ngroups(const bw_multi *mu) { return mu->ngroups; }
int bw_multi_group(const bw_multi *mu, int s) { return mu->sc[s].group; }
const bw_model *bw_multi_model(const bw_multi *mu, int s) { return mu->sc[s].m; }
const bw_summary *bw_multi_summary(const bw_multi *mu, int s) { return mu->sc[s].sum; }
const bw_delta *bw_multi_delta(const bw_multi *mu, int s) {
  return mu->paired && s >= 1 && s < mu->S ? &mu->sc[s].delta : NULL;
}
const bw_point_extra *bw_multi_extra(const bw_multi *mu, int s) {
  return mu->extras && s >= 0 && s < mu->S ? &mu->sc[s].extra : NULL;
}

/* ---- one replication ------------------------------------------------------------ */

/* What the differences need of one scenario's replication: the cumulative
 * shortfall per gemeente and region, and which gemeente- and region-years
 * exceed theta (the expressions of sim/summary.c, so the counts agree). */
typedef struct {
  double *cum;          /* [ng] */
  double *regsum;       /* [nr * ny] */
  double *regcum;       /* [nr] */
  unsigned char *over;  /* [ng * ny] */
  unsigned char *rover; /* [nr * ny] */
} digest;

typedef struct {
  bw_workspace **ws;    /* [ngroups] */
  bw_rep_result **res;  /* [S] when paired, else [1] */
  bw_acc_part **part;   /* [S]: this thread's part of each scenario's statistics */
  digest dg[2];         /* base, scenario */
  pair_state *pair;     /* [S] partials */
  extra_state *ext;     /* [S] partials */
} mthread;

static void digest_free(digest *g) {
  free(g->cum), free(g->regsum), free(g->regcum), free(g->over), free(g->rover);
}
static int digest_init(const bw_multi *mu, digest *g) {
  size_t ngy = (size_t)mu->ng * mu->ny, nry = (size_t)(mu->nr > 0 ? mu->nr : 1) * mu->ny;
  g->cum = malloc((size_t)mu->ng * sizeof *g->cum);
  g->regsum = malloc(nry * sizeof *g->regsum);
  g->regcum = malloc(nry * sizeof *g->regcum);
  g->over = malloc(ngy);
  g->rover = malloc(nry);
  return g->cum && g->regsum && g->regcum && g->over && g->rover ? 0 : -1;
}

static void digest_fill(const bw_multi *mu, const scen *c, const bw_rep_result *r, digest *dg) {
  const int ng = mu->ng, ny = mu->ny, nr = mu->nr;
  memset(dg->regsum, 0, (size_t)nr * ny * sizeof *dg->regsum);
  for (int g = 0; g < ng; g++) {
    double cum = 0.0;
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)g * ny + y;
      double bw = r->shortfall_bw[i], mo = r->shortfall_mo[i];
      dg->over[i] = (bw + mo) / mu->gem_pop[i] > c->theta;
      if (y >= c->y_first && y <= c->y_last) cum += bw + mo;
      dg->regsum[(size_t)mu->d->g[g].region * ny + y] += bw + mo;
    }
    dg->cum[g] = cum;
  }
  for (int r = 0; r < nr; r++) {
    double cum = 0.0;
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)r * ny + y;
      dg->rover[i] = (dg->regsum[i] + 0.0) / mu->reg_pop[i] > c->theta;
      if (y >= c->y_first && y <= c->y_last) cum += dg->regsum[i];
    }
    dg->regcum[r] = cum;
  }
}

static void joint_add(uint64_t *joint, const unsigned char *ok, const unsigned char *ob, int n, int ny) {
  for (int g = 0; g < n; g++) {
    const unsigned char *a = ok + (size_t)g * ny, *b = ob + (size_t)g * ny;
    uint64_t *j = joint + (size_t)g * ny * ny;
    for (int ya = 0; ya < ny; ya++) {
      if (!a[ya]) continue;
      for (int yb = 0; yb < ny; yb++) j[(size_t)ya * ny + yb] += b[yb];
    }
  }
}

/* 0, or the first failing cell's code (-1 memory, -2 value out of range) */
static int pair_add(const bw_multi *mu, pair_state *ps, const digest *k, const digest *b,
                    const bw_rep_result *rk, const bw_rep_result *rb) {
  int err = 0;
  for (int g = 0; g < mu->ng && !err; g++) err = bw_cell_add(&ps->dcum[g], k->cum[g] - b->cum[g]);
  for (int r = 0; r < mu->nr && !err; r++) err = bw_cell_add(&ps->dreg[r], k->regcum[r] - b->regcum[r]);
  for (size_t i = 0; i < n_nat(mu) && !err; i++) err = bw_cell_add(&ps->dnat[i], rk->national[i] - rb->national[i]);
  joint_add(ps->joint, k->over, b->over, mu->ng, mu->ny);
  joint_add(ps->rjoint, k->rover, b->rover, mu->nr, mu->ny);
  ps->n++;
  return err;
}

static int extra_add(const bw_multi *mu, const scen *c, extra_state *e, const bw_rep_result *r,
                     const digest *dg) {
  const int ny = mu->ny;
  double nat = 0.0, pos = 0.0;
  for (int y = c->y_first; y <= c->y_last; y++) nat += r->national[BW_Q_SHORTFALL_EUR * ny + y];
  for (int g = 0; g < mu->ng; g++) pos += dg->cum[g] > 0 ? dg->cum[g] : 0.0;
  int err = bw_cell_add(&e->natcum, nat);
  if (!err) err = bw_cell_add(&e->possum, pos);
  return err;
}

static void mthread_free(void *self, void *tp) {
  bw_multi *mu = self;
  mthread *t = tp;
  if (!t) return;
  if (t->ws)
    for (int k = 0; k < mu->ngroups; k++) bw_workspace_free(t->ws[k]);
  int nres = mu->paired ? mu->S : 1;
  if (t->res)
    for (int s = 0; s < nres; s++) bw_rep_result_free(t->res[s]);
  if (t->pair)
    for (int s = 1; s < mu->S; s++) pair_free(mu, &t->pair[s]);
  if (t->ext)
    for (int s = 0; s < mu->S; s++) extra_free(&t->ext[s]);
  digest_free(&t->dg[0]);
  digest_free(&t->dg[1]);
  if (t->part)
    for (int s = 0; s < mu->S; s++) bw_acc_part_free(t->part[s]);
  free(t->ws), free(t->res), free(t->part), free(t->pair), free(t->ext);
  free(t);
}

static void *mthread_create(void *self) {
  bw_multi *mu = self;
  mthread *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  int nres = mu->paired ? mu->S : 1, ok = 1;
  t->ws = calloc((size_t)mu->ngroups, sizeof *t->ws);
  t->res = calloc((size_t)nres, sizeof *t->res);
  t->part = calloc((size_t)mu->S, sizeof *t->part);
  ok = t->ws && t->res && t->part && !digest_init(mu, &t->dg[0]) && !digest_init(mu, &t->dg[1]);
  for (int s = 0; ok && s < mu->S; s++) ok = (t->part[s] = bw_acc_part_create(mu->sc[s].acc, 0)) != NULL;
  for (int k = 0; ok && k < mu->ngroups; k++) ok = (t->ws[k] = bw_workspace_create(mu->sc[mu->leaders[k]].m)) != NULL;
  for (int s = 0; ok && s < nres; s++) {
    ok = (t->res[s] = bw_rep_result_create(mu->sc[s].m)) != NULL;
    if (ok) t->res[s]->want_cf = 0; /* light statistics keep no other-pooling flags */
  }
  if (ok && mu->paired) {
    ok = (t->pair = calloc((size_t)mu->S, sizeof *t->pair)) != NULL;
    for (int s = 1; ok && s < mu->S; s++) ok = !pair_init(mu, &mu->sc[s], &t->pair[s]);
  }
  if (ok && mu->extras) {
    ok = (t->ext = calloc((size_t)mu->S, sizeof *t->ext)) != NULL;
    for (int s = 0; ok && s < mu->S; s++) extra_init(&t->ext[s]);
  }
  if (!ok) {
    mthread_free(self, t);
    return NULL;
  }
  return t;
}

static bw_status cell_error(bw_ctx *ctx, int rc, int rep) {
  if (rc == -1) return bw_fail(ctx, BW_ENOMEM, "out of memory growing a statistics histogram");
  return bw_fail(ctx, BW_EMODEL, "replication %d: a difference is NaN or beyond %.3g EUR", rep, BW_CELL_XMAX);
}

static bw_status mthread_visit(void *self, void *tp, int rep, bw_ctx *ctx) {
  bw_multi *mu = self;
  mthread *t = tp;
  for (int k = 0; k < mu->ngroups; k++) {
    bw_status st = bw_simulate_clients(mu->sc[mu->leaders[k]].m, (uint32_t)rep, t->ws[k], ctx);
    if (st != BW_OK) return st;
  }
  for (int s = 0; s < mu->S; s++) {
    const scen *c = &mu->sc[s];
    bw_rep_result *r = t->res[mu->paired ? s : 0];
    bw_evaluate_budgets(c->m, t->ws[c->group], r);
    bw_status st = bw_acc_part_add(t->part[s], rep, r, ctx);
    if (st != BW_OK) return st;
    if (!mu->paired && !mu->extras) continue;
    digest *dg = &t->dg[s == 0 ? 0 : 1];
    digest_fill(mu, c, r, dg);
    int rc = 0;
    if (mu->extras) rc = extra_add(mu, c, &t->ext[s], r, dg);
    if (!rc && mu->paired && s >= 1) rc = pair_add(mu, &t->pair[s], dg, &t->dg[0], r, t->res[0]);
    if (rc) return cell_error(ctx, rc, rep);
  }
  return BW_OK;
}

static bw_status mthread_finish(void *self, void *tp, bw_ctx *ctx) {
  bw_multi *mu = self;
  mthread *t = tp;
  for (int s = 0; s < mu->S; s++) {
    bw_status st = bw_acc_part_finish(t->part[s], ctx);
    if (st != BW_OK) return st;
    int rc = 0;
    if (mu->paired && s >= 1) rc = pair_merge(mu, &mu->pair[s], &t->pair[s]);
    if (!rc && mu->extras) {
      rc = bw_cell_merge(&mu->ext[s].natcum, &t->ext[s].natcum);
      if (!rc) rc = bw_cell_merge(&mu->ext[s].possum, &t->ext[s].possum);
    }
    if (rc) return bw_fail(ctx, BW_ENOMEM, "out of memory merging the threads' statistics");
  }
  return BW_OK;
}

/* ---- MPI: every scenario's accumulator, pairs and extras as one buffer ------- */

static size_t put_u64(unsigned char *buf, uint64_t v) {
  if (buf) memcpy(buf, &v, sizeof v);
  return sizeof v;
}

/* One walk for size (buf NULL) and pack. */
static size_t multi_walk_pack(bw_multi *mu, unsigned char *buf) {
  size_t off = 0;
  for (int s = 0; s < mu->S; s++) {
    size_t n = bw_acc_packed_size(mu->sc[s].acc);
    off += put_u64(buf ? buf + off : NULL, n);
    if (buf) bw_acc_pack(mu->sc[s].acc, buf + off);
    off += n;
    if (mu->paired && s >= 1) {
      pair_state *p = &mu->pair[s];
      off += put_u64(buf ? buf + off : NULL, (uint64_t)p->n);
      bw_cell *arr[3] = {p->dcum, p->dreg, p->dnat};
      size_t len[3] = {(size_t)mu->ng, (size_t)mu->nr, n_nat(mu)};
      for (int k = 0; k < 3; k++) off += buf ? cells_pack(arr[k], len[k], buf + off) : cells_size(arr[k], len[k]);
      size_t bj = n_joint(mu) * sizeof *p->joint, br = n_rjoint(mu) * sizeof *p->rjoint;
      if (buf) memcpy(buf + off, p->joint, bj);
      off += bj;
      if (buf && br) memcpy(buf + off, p->rjoint, br);
      off += br;
    }
    if (mu->extras) {
      bw_cell *e[2] = {&mu->ext[s].natcum, &mu->ext[s].possum};
      for (int k = 0; k < 2; k++) off += buf ? bw_cell_pack(e[k], buf + off) : bw_cell_packed_size(e[k]);
    }
  }
  return off;
}

static size_t multi_packed_size(void *self) { return multi_walk_pack(self, NULL); }
static size_t multi_pack(void *self, unsigned char *buf) { return multi_walk_pack(self, buf); }

static bw_status multi_unpack_merge(void *self, const unsigned char *buf, size_t n, bw_ctx *ctx) {
  bw_multi *mu = self;
  size_t off = 0;
#define NEED(k)                                                                  \
  do {                                                                           \
    if ((k) > n - off) return bw_fail(ctx, BW_EMPI, "packed statistics truncated"); \
  } while (0)
  for (int s = 0; s < mu->S; s++) {
    uint64_t len;
    NEED(sizeof len);
    memcpy(&len, buf + off, sizeof len);
    off += sizeof len;
    NEED(len);
    bw_status st = bw_acc_unpack_merge(mu->sc[s].acc, buf + off, len, ctx);
    if (st != BW_OK) return st;
    off += len;
    if (mu->paired && s >= 1) {
      pair_state *p = &mu->pair[s];
      uint64_t cnt;
      NEED(sizeof cnt);
      memcpy(&cnt, buf + off, sizeof cnt);
      off += sizeof cnt;
      p->n += (long long)cnt;
      bw_cell *arr[3] = {p->dcum, p->dreg, p->dnat};
      size_t nn[3] = {(size_t)mu->ng, (size_t)mu->nr, n_nat(mu)};
      for (int k = 0; k < 3; k++) {
        size_t used = cells_unpack(arr[k], nn[k], buf + off, n - off);
        if (!used && nn[k]) return bw_fail(ctx, BW_EMPI, "packed statistics malformed");
        off += used;
      }
      uint64_t *ints[2] = {p->joint, p->rjoint};
      size_t ni[2] = {n_joint(mu), n_rjoint(mu)};
      for (int k = 0; k < 2; k++) {
        NEED(ni[k] * sizeof(uint64_t));
        for (size_t i = 0; i < ni[k]; i++) {
          uint64_t v;
          memcpy(&v, buf + off + i * sizeof v, sizeof v);
          ints[k][i] += v;
        }
        off += ni[k] * sizeof(uint64_t);
      }
    }
    if (mu->extras) {
      bw_cell *e[2] = {&mu->ext[s].natcum, &mu->ext[s].possum};
      for (int k = 0; k < 2; k++) {
        size_t used = bw_cell_unpack_merge(e[k], buf + off, n - off);
        if (!used) return bw_fail(ctx, BW_EMPI, "packed statistics malformed");
        off += used;
      }
    }
  }
#undef NEED
  return BW_OK;
}

static void multi_clear(void *self) {
  bw_multi *mu = self;
  for (int s = 0; s < mu->S; s++) {
    bw_acc_clear(mu->sc[s].acc);
    if (mu->paired && s >= 1) {
      pair_state *p = &mu->pair[s];
      cells_clear(p->dcum, (size_t)mu->ng);
      cells_clear(p->dreg, (size_t)mu->nr);
      cells_clear(p->dnat, n_nat(mu));
      memset(p->joint, 0, n_joint(mu) * sizeof *p->joint);
      memset(p->rjoint, 0, n_rjoint(mu) * sizeof *p->rjoint);
      p->n = 0;
    }
    if (mu->extras) {
      bw_cell_clear(&mu->ext[s].natcum);
      bw_cell_clear(&mu->ext[s].possum);
    }
  }
}

bw_status bw_multi_run(bw_multi *mu, const bw_run_opts *opts, int lo, int hi, bw_ctx *ctx) {
  bw_visitor v = {mu,          mthread_create, mthread_visit,      mthread_finish, mthread_free,
                  multi_packed_size, multi_pack, multi_unpack_merge, multi_clear};
  return bw_drive(&v, opts, lo, hi, ctx);
}

/* ---- summaries and differences -------------------------------------------------- */


/* se of the mean difference of two indicators with P = pk, pb and P(both) = j, n pairs */
static double paired_se(double pk, double pb, double j, double n) {
  double d = pk - pb, v = pk + pb - 2.0 * j - d * d;
  return sqrt((v > 0 ? v : 0.0) / n);
}

static bw_status delta_compute(bw_multi *mu, int k, bw_ctx *ctx) {
  const int ng = mu->ng, nr = mu->nr, ny = mu->ny, fy = bw_model_params(mu->sc[0].m)->first_year;
  const bw_summary *sb = mu->sc[0].sum, *sk = mu->sc[k].sum;
  const pair_state *ps = &mu->pair[k];
  bw_delta *d = &mu->sc[k].delta;
  d->cum_mean = malloc((size_t)ng * sizeof(double));
  d->cum_se = malloc((size_t)ng * sizeof(double));
  d->cum_se_unpaired = malloc((size_t)ng * sizeof(double));
  d->p = malloc((size_t)ng * sizeof(double));
  d->p_se = malloc((size_t)ng * sizeof(double));
  d->p_se_unpaired = malloc((size_t)ng * sizeof(double));
  d->flag_change = malloc((size_t)ng * sizeof(int));
  d->flag_change_stable = malloc((size_t)ng * sizeof(int));
  size_t nr1 = (size_t)(nr > 0 ? nr : 1);
  d->reg_cum_mean = malloc(nr1 * sizeof(double));
  d->reg_cum_se = malloc(nr1 * sizeof(double));
  d->reg_p = malloc(nr1 * sizeof(double));
  d->reg_p_se = malloc(nr1 * sizeof(double));
  d->reg_flag_change = malloc(nr1 * sizeof(int));
  d->nat = malloc(n_nat(mu) * sizeof(bw_stat));
  int *ib = bw_summary_row_index(sb), *ik = bw_summary_row_index(sk);
  if (!d->cum_mean || !d->cum_se || !d->cum_se_unpaired || !d->p || !d->p_se || !d->p_se_unpaired ||
      !d->flag_change || !d->flag_change_stable || !d->reg_cum_mean || !d->reg_cum_se || !d->reg_p ||
      !d->reg_p_se || !d->reg_flag_change || !d->nat || !ib || !ik) {
    free(ib), free(ik);
    return bw_fail(ctx, BW_ENOMEM, "out of memory computing the differences");
  }
  double n = (double)ps->n;
  for (int g = 0; g < ng; g++) {
    const bw_risk_row *rb = &sb->risk[ib[g]], *rk = &sk->risk[ik[g]];
    bw_stat st;
    bw_cell_stat(&ps->dcum[g], &st);
    d->cum_mean[g] = st.mean;
    d->cum_se[g] = st.se_mean;
    d->cum_se_unpaired[g] = sqrt(rb->cum_se_mean * rb->cum_se_mean + rk->cum_se_mean * rk->cum_se_mean);
    d->p[g] = rk->p_max_year - rb->p_max_year;
    d->p_se_unpaired[g] = sqrt(rb->p_se * rb->p_se + rk->p_se * rk->p_se);
    int a = rk->p_max_year_at ? rk->p_max_year_at - fy : -1, b = rb->p_max_year_at ? rb->p_max_year_at - fy : -1;
    if (a >= 0 && b >= 0 && n > 0) {
      double j = (double)ps->joint[((size_t)g * ny + a) * ny + b] / n;
      d->p_se[g] = paired_se(rk->p_max_year, rb->p_max_year, j, n);
    } else {
      d->p_se[g] = d->p_se_unpaired[g];
    }
    d->flag_change[g] = rk->flagged - rb->flagged;
    d->flag_change_stable[g] = rk->flag_stable && rb->flag_stable;
  }
  for (int r = 0; r < nr; r++) {
    const bw_region_row *rb = &sb->region_risk[r], *rk = &sk->region_risk[r];
    bw_stat st;
    bw_cell_stat(&ps->dreg[r], &st);
    d->reg_cum_mean[r] = st.mean;
    d->reg_cum_se[r] = st.se_mean;
    d->reg_p[r] = rk->p_max_year - rb->p_max_year;
    int a = rk->p_max_year_at ? rk->p_max_year_at - fy : -1, b = rb->p_max_year_at ? rb->p_max_year_at - fy : -1;
    if (a >= 0 && b >= 0 && n > 0)
      d->reg_p_se[r] = paired_se(rk->p_max_year, rb->p_max_year,
                                 (double)ps->rjoint[((size_t)r * ny + a) * ny + b] / n, n);
    else
      d->reg_p_se[r] = sqrt(rb->p_se * rb->p_se + rk->p_se * rk->p_se);
    d->reg_flag_change[r] = rk->flagged - rb->flagged;
  }
  for (size_t i = 0; i < n_nat(mu); i++) bw_cell_stat(&ps->dnat[i], &d->nat[i]);
  free(ib), free(ik);
  return BW_OK;
}

bw_status bw_multi_summarise(bw_multi *mu, bw_ctx *ctx) {
  for (int s = 0; s < mu->S; s++) {
    bw_summary_free(mu->sc[s].sum);
    mu->sc[s].sum = bw_summary_from_acc(mu->sc[s].acc, mu->sc[s].m);
    if (!mu->sc[s].sum) return bw_fail(ctx, BW_ENOMEM, "out of memory summarising scenario %d", s + 1);
    if (mu->extras) {
      bw_cell_stat(&mu->ext[s].natcum, &mu->sc[s].extra.natcum);
      bw_cell_stat(&mu->ext[s].possum, &mu->sc[s].extra.possum);
    }
  }
  for (int k = 1; mu->paired && k < mu->S; k++) {
    delta_free(&mu->sc[k].delta);
    bw_status st = delta_compute(mu, k, ctx);
    if (st != BW_OK) return st;
  }
  return BW_OK;
}
