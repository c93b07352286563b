/* From replications to the published statistics (docs/model.md §7–8).
 *
 * Streaming (the default): bw_acc holds, per output cell, a bw_cell
 * (sim/sketch.h: integer counts and fixed-point sums, memory set by the
 * spread of the values, not their number) and integer exceedance counts.
 * Every piece of state is an integer or an extreme, so adding replications
 * in any order, on any thread or MPI process, and merging the partial
 * accumulators in any grouping gives the same bits: the output is
 * byte-identical for any split of the work, without a reorder buffer.
 *
 * Exact (--exact, and bw_summary_create on a store): every value is also
 * kept, and mean, sd, quantiles and CVaR are computed from all values
 * (sim/stats.c); the counts are the same either way.
 *
 * The summary is a function of the accumulator only; its per-gemeente loop
 * may run on several threads (each iteration writes its own slots), the
 * ranking runs after it on one thread. */
#include "summary.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#if defined(__GNUC__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sketch.h"

/* Bins per unit of asinh(x / c): 512 for gemeente and region cells (values
 * far from zero to within 0.1 %), 4096 for the national cells (0.012 %). */
#define BW_GEM_INV_H 512.0
#define BW_NAT_INV_H 4096.0
/* c of a gemeente or region cell: EUR 5 per inhabitant (below that the bins
 * are about EUR 0.01 per inhabitant wide). National: 1 client, EUR 1000. */
#define BW_EUR_PER_INH_SCALE 5.0

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

/* ---- accumulator --------------------------------------------------------- */

enum { CV_TOTAL = 0, CV_BW = 1, CV_MO = 2, NCV = 3 };
enum { NSTRIPE = 8 }; /* gemeente stripes; one more for national + regions */

struct bw_acc {
  const bw_model *m;
  int ng, ny, nr, y_first, y_last, K, pooling, have_other;
  int light;            /* no gy cells, no other-pooling counts (bw_acc_create_light) */
  size_t n_nat, n_reg;  /* national and region cells updated: all, or none (light) */
  double theta;
  long long n;
  bw_cell *gy;          /* [(v * ng + g) * ny + y], v < NCV: EUR */
  bw_cell *cum;         /* [g]: sum over reform years, EUR */
  bw_cell *nat;         /* [q * ny + y] */
  bw_cell *reg;         /* [r * ny + y]: sum over members, EUR */
  double *reg_pop;      /* [r * ny + y]: the members' population */
  uint64_t *exceed;     /* [g * ny + y]: s_gt > theta */
  uint64_t *exceed_oth; /* same under the other pooling setting */
  uint64_t *any;        /* [g]: some reform year > theta */
  uint64_t *first;      /* [g * (ny + 1) + y]; column ny: never */
  uint64_t *reg_exceed; /* [r * ny + y] */
  uint64_t *kn;         /* [k]: replications of outer draw k (K > 0) */
  bw_i128 *ks1, *ks2;   /* [(k * ng + g) * (ny + 1) + j]: fixed-point sums of the
                           shortfall in year j (j = ny: cumulative) */
  /* the drivers of the shortfall (bw_decomp_combine), full accumulators only:
   * fixed-point sums of the BW cost, MO cost, pooling transfer and BW cost
   * of old-regime clients per gemeente-year, [(j * ng + g) * ny + y],
   * j < 4, and of the national year terms (bw_decomp_year_terms), [j * ny + y] */
  bw_i128 *dsum, *dterm;
  uint64_t *dn;         /* [2]: replications decomposed (all, or none: a store's summary),
                           and those with the old-regime part (the individual kernel) */
  bw_store *store;      /* exact values, or NULL */
  int owns_store;
  int nocells;          /* a thread's part (bw_acc_part): counts only, no cells */
  double *pop;          /* nocells: [g * ny + y] the population (bw_model_population) */
  double *thr;          /* nocells: [g * ny + y] exceed_threshold of pop and theta, or NULL
                           (one of them is not usable: divide) */
  unsigned char *over;  /* nocells: [g * ny + y] scratch, s_gt > theta this replication */
  int64_t *dpend;       /* nocells with dsum: [4 * ng * ny] the fixed-point values of dsum not
                           yet added (|v| < 2^46 each, at most 2^16 replications: no overflow) */
  double *dtmp;         /* nocells with dsum: [ng * ny] scratch */
  double *rtmp;         /* nocells: [ng + n_nat + n_reg] a part's row values before they are stored */
  int ntile;            /* tiles of TILE slots (slot_spans), each with a lock */
  omp_lock_t *tlock;
  omp_lock_t lock[NSTRIPE + 1];
};

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define BW_PART_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BW_PART_CLONES
#endif

/* cells per tile of a part's flush: TILE x block values (128 kB at the
 * default block) stay in L2 while their cells take them */
enum { TILE = 64 }; /* a multiple of 8 (flush_tile) */

/* s_gt, docs/model.md §8: BW + MO shortfall per inhabitant of g in year y. One
 * expression, used for every P(s_gt > theta), so all see the same value. */
static inline double per_inhabitant(double bw, double mo, double pop) { return (bw + mo) / pop; }

/* The doubles from -inf to +inf as ordered unsigned integers (-0 just
 * below +0; NaNs outside), and back. */
static uint64_t dbl_key(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}
static double key_dbl(uint64_t k) {
  uint64_t u = k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* The smallest x with x / pop > theta, per_inhabitant's test of a sum x:
 * rounding x / pop is monotone in x, so x / pop > theta is x >= this for
 * every x (false both ways for NaN). A part tests its gemeente-years so,
 * without a division (exceed_count). Found from theta pop by steps that
 * double, then bisection. NaN when pop is not positive and finite or theta
 * not finite (then x / pop > theta is computed). */
static double exceed_threshold(double pop, double theta) {
  if (!(pop > 0 && pop <= DBL_MAX) || !(fabs(theta) <= DBL_MAX)) return NAN;
  const uint64_t kmin = dbl_key(-INFINITY), kmax = dbl_key(INFINITY); /* over: never, always */
#define OVER(k) (key_dbl(k) / pop > theta)
  uint64_t lo, hi, k = dbl_key(theta * pop), step = 1;
  if (OVER(k)) { /* lo: not over, hi: over */
    hi = k;
    for (;;) {
      lo = hi - kmin > step ? hi - step : kmin;
      if (!OVER(lo)) break;
      hi = lo;
      step *= 2;
    }
  } else {
    lo = k;
    for (;;) {
      hi = kmax - lo > step ? lo + step : kmax;
      if (OVER(hi)) break;
      lo = hi;
      step *= 2;
    }
  }
  while (hi - lo > 1) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (OVER(mid)) hi = mid;
    else lo = mid;
  }
#undef OVER
  return key_dbl(hi);
}

/* llround(x * 256), inline: y - trunc(y) is exact (and 0 for |y| >= 2^52) */
static inline bw_i128 fix(double x) {
  double y = x * BW_FIX_SCALE;
  if (!(fabs(y) < 0x1p62)) return (bw_i128)llround(y);
  double t = trunc(y), f = y - t;
  return (bw_i128)((int64_t)t + (f >= 0.5) - (f <= -0.5));
}

static size_t n_split(const bw_acc *a) { return (size_t)a->K * (size_t)a->ng * (size_t)(a->ny + 1); }
/* gemeente x year cells held: none in a light accumulator */
static size_t n_gy(const bw_acc *a) { return a->light ? 0 : NCV * (size_t)a->ng * (size_t)a->ny; }
/* every cell, in one order: gy, cum, nat, reg (a part's row of values) */
static size_t n_cells(const bw_acc *a) { return n_gy(a) + (size_t)a->ng + a->n_nat + a->n_reg; }
static bw_cell *cell_at(bw_acc *a, size_t j) {
  if (j < n_gy(a)) return &a->gy[j];
  j -= n_gy(a);
  if (j < (size_t)a->ng) return &a->cum[j];
  j -= (size_t)a->ng;
  if (j < a->n_nat) return &a->nat[j];
  return &a->reg[j - a->n_nat];
}

/* A part's slots (bw_acc_part): the cells in n_cells order, span by span
 * (gy total, BW, MO, cum, nat, reg), each span starting at a multiple of 8,
 * so that a span's values of one replication fill whole groups of eight
 * (a cache line each); a span's last group may end in padding slots, which
 * have no cell. */
enum { NSPAN = 6 };
typedef struct {
  size_t cell[NSPAN + 1], slot[NSPAN + 1]; /* first cell, first slot of span k; [NSPAN]: the totals */
} slot_map;

static slot_map slot_spans(const bw_acc *a) {
  size_t len[NSPAN] = {n_gy(a) / NCV, n_gy(a) / NCV, n_gy(a) / NCV, (size_t)a->ng, a->n_nat, a->n_reg};
  slot_map m = {{0}, {0}};
  for (int k = 0; k < NSPAN; k++) {
    m.cell[k + 1] = m.cell[k] + len[k];
    m.slot[k + 1] = m.slot[k] + (len[k] + 7) / 8 * 8;
  }
  return m;
}

/* The cell of slot s, or NULL for padding. */
static bw_cell *slot_cell(bw_acc *a, const slot_map *m, size_t s) {
  for (int k = 0; k < NSPAN; k++)
    if (s < m->slot[k + 1]) {
      size_t off = s - m->slot[k];
      return off < m->cell[k + 1] - m->cell[k] ? cell_at(a, m->cell[k] + off) : NULL;
    }
  return NULL;
}

void bw_acc_free(bw_acc *a) {
  if (!a) return;
  if (a->gy)
    for (size_t i = 0; i < n_gy(a); i++) bw_cell_free(&a->gy[i]);
  if (a->cum)
    for (int g = 0; g < a->ng; g++) bw_cell_free(&a->cum[g]);
  if (a->nat)
    for (size_t i = 0; i < (size_t)BW_NQ * (size_t)a->ny; i++) bw_cell_free(&a->nat[i]); /* all: safe unused */
  if (a->reg)
    for (size_t i = 0; i < (size_t)a->nr * (size_t)a->ny; i++) bw_cell_free(&a->reg[i]);
  free(a->gy), free(a->cum), free(a->nat), free(a->reg), free(a->reg_pop);
  free(a->exceed), free(a->exceed_oth), free(a->any), free(a->first), free(a->reg_exceed);
  free(a->kn), free(a->ks1), free(a->ks2), free(a->dsum), free(a->dterm), free(a->dn);
  free(a->pop), free(a->thr), free(a->over), free(a->dpend), free(a->dtmp), free(a->rtmp);
  if (a->owns_store) bw_store_free(a->store);
  for (int i = 0; i <= NSTRIPE; i++) omp_destroy_lock(&a->lock[i]);
  for (int i = 0; a->tlock && i < a->ntile; i++) omp_destroy_lock(&a->tlock[i]);
  free(a->tlock);
  free(a);
}

/* The cells' scales: EUR 5 per inhabitant of the cell's population for
 * gemeenten and regions; per national quantity its unit. */
static void init_cells(bw_acc *a) {
  const bw_model *m = a->m;
  const bw_data *d = bw_model_data(m);
  int ng = a->ng, ny = a->ny, nreform = a->y_last - a->y_first + 1;
  for (int r = 0; r < a->nr; r++)
    for (int y = 0; y < ny; y++) {
      double pop = 0;
      for (int g = 0; g < ng; g++)
        if (d->g[g].region == r) pop += bw_model_population(m, g, y);
      a->reg_pop[(size_t)r * ny + y] = pop > 0 ? pop : 1.0;
    }
  if (a->nocells) return;
  for (int v = 0; v < NCV && !a->light; v++)
    for (int g = 0; g < ng; g++)
      for (int y = 0; y < ny; y++)
        bw_cell_init(&a->gy[((size_t)v * ng + g) * ny + y],
                     BW_EUR_PER_INH_SCALE * bw_model_population(m, g, y), BW_GEM_INV_H);
  for (int g = 0; g < ng; g++)
    bw_cell_init(&a->cum[g],
                 BW_EUR_PER_INH_SCALE * bw_model_population(m, g, 0) * (nreform > 1 ? nreform : 1),
                 BW_GEM_INV_H);
  for (int q = 0; q < BW_NQ; q++) {
    const char *unit = bw_quantity_unit(q);
    double c = unit && !strcmp(unit, "EUR") ? 1000.0 : 1.0;
    for (int y = 0; y < ny; y++) bw_cell_init(&a->nat[(size_t)q * ny + y], c, BW_NAT_INV_H);
  }
  for (int r = 0; r < a->nr; r++)
    for (int y = 0; y < ny; y++)
      bw_cell_init(&a->reg[(size_t)r * ny + y], BW_EUR_PER_INH_SCALE * a->reg_pop[(size_t)r * ny + y],
                   BW_GEM_INV_H);
}

static bw_acc *acc_create(const bw_model *m, int exact_nrep, int light, int keep_national, int nocells) {
  const bw_params *p = bw_model_params(m);
  const bw_data *d = bw_model_data(m);
  if (!m || !p || !d || d->ng < 1 || bw_model_nyears(m) < 1) return NULL;
  bw_acc *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  for (int i = 0; i <= NSTRIPE; i++) omp_init_lock(&a->lock[i]);
  a->m = m;
  a->ng = d->ng;
  a->ny = bw_model_nyears(m);
  a->nr = d->nr;
  a->theta = p->threshold_eur_per_inhabitant;
  a->pooling = p->pooling;
  a->light = light;
  a->n_nat = !light || keep_national ? (size_t)BW_NQ * (size_t)bw_model_nyears(m) : 0;
  a->n_reg = light ? 0 : (size_t)d->nr * (size_t)bw_model_nyears(m);
  a->have_other = !light;
  /* reform years S .. last as year indices, clipped to the simulated years */
  a->y_first = p->start_year - p->first_year;
  if (a->y_first < 0) a->y_first = 0;
  a->y_last = a->ny - 1;
  a->K = p->outer_draws > 0 ? p->outer_draws : 0;
  size_t ngy = (size_t)a->ng * (size_t)a->ny;
  a->nocells = nocells;
  if (!nocells) {
    a->gy = calloc(light ? 1 : NCV * ngy, sizeof *a->gy);
    a->cum = calloc((size_t)a->ng, sizeof *a->cum);
    a->nat = calloc((size_t)BW_NQ * (size_t)a->ny, sizeof *a->nat);
    a->reg = calloc((size_t)(a->nr > 0 ? a->nr : 1) * (size_t)a->ny, sizeof *a->reg);
    a->ntile = (int)((slot_spans(a).slot[NSPAN] + TILE - 1) / TILE);
    a->tlock = malloc((size_t)a->ntile * sizeof *a->tlock);
    if (a->tlock)
      for (int i = 0; i < a->ntile; i++) omp_init_lock(&a->tlock[i]);
  }
  a->reg_pop = calloc((size_t)(a->nr > 0 ? a->nr : 1) * (size_t)a->ny, sizeof *a->reg_pop);
  a->exceed = calloc(ngy, sizeof *a->exceed);
  a->exceed_oth = calloc(ngy, sizeof *a->exceed_oth);
  a->any = calloc((size_t)a->ng, sizeof *a->any);
  a->first = calloc((size_t)a->ng * (size_t)(a->ny + 1), sizeof *a->first);
  a->reg_exceed = calloc((size_t)(a->nr > 0 ? a->nr : 1) * (size_t)a->ny, sizeof *a->reg_exceed);
  if (nocells) {
    a->pop = malloc(ngy * sizeof *a->pop);
    a->over = malloc(ngy);
    a->rtmp = malloc(((size_t)a->ng + a->n_nat + a->n_reg) * sizeof *a->rtmp);
    a->thr = malloc(ngy * sizeof *a->thr);
    if (a->pop)
      for (int g = 0; g < a->ng; g++)
        for (int y = 0; y < a->ny; y++) a->pop[(size_t)g * a->ny + y] = bw_model_population(m, g, y);
    for (size_t i = 0; a->pop && a->thr && i < ngy; i++)
      if (isnan(a->thr[i] = exceed_threshold(a->pop[i], a->theta))) {
        free(a->thr);
        a->thr = NULL;
      }
  }
  int ok = (!nocells || (a->pop && a->over && a->rtmp)) &&
           (nocells || (a->gy && a->cum && a->nat && a->reg && a->tlock)) && a->reg_pop && a->exceed &&
           a->exceed_oth && a->any && a->first && a->reg_exceed;
  if (ok && a->K > 0) {
    a->kn = calloc((size_t)a->K, sizeof *a->kn);
    a->ks1 = calloc(n_split(a), sizeof *a->ks1);
    a->ks2 = calloc(n_split(a), sizeof *a->ks2);
    ok = a->kn && a->ks1 && a->ks2;
  }
  if (ok && !light) {
    a->dsum = calloc(4 * ngy, sizeof *a->dsum);
    a->dterm = calloc((size_t)BW_DECOMP_NTERMS * (size_t)a->ny, sizeof *a->dterm);
    a->dn = calloc(2, sizeof *a->dn);
    ok = a->dsum && a->dterm && a->dn;
    if (ok && nocells) {
      a->dpend = calloc(4 * ngy, sizeof *a->dpend);
      a->dtmp = malloc(ngy * sizeof *a->dtmp);
      ok = a->dpend && a->dtmp;
    }
  }
  if (ok && exact_nrep > 0) {
    a->store = bw_store_create(exact_nrep, a->ng, a->ny);
    a->owns_store = 1;
    ok = a->store != NULL;
  }
  if (!ok) {
    bw_acc_free(a);
    return NULL;
  }
  init_cells(a);
  return a;
}

bw_acc *bw_acc_create(const bw_model *m, int exact_nrep) { return acc_create(m, exact_nrep, 0, 1, 0); }
bw_acc *bw_acc_create_light(const bw_model *m, int keep_national) { return acc_create(m, 0, 1, keep_national, 0); }

long long bw_acc_count(const bw_acc *a) { return a ? a->n : 0; }
bw_store *bw_acc_store(bw_acc *a) { return a ? a->store : NULL; }

size_t bw_acc_scratch_len(const bw_acc *a) {
  return (size_t)(a->nr > 0 ? a->nr : 1) * (size_t)a->ny +
         (a->dsum ? (size_t)BW_DECOMP_NTERMS * (size_t)a->ny : 0);
}

/* Record the first failure of a cell update (-1 memory, -2 value). */
static inline void cell_add(bw_cell *c, double x, int *err) {
  int rc = bw_cell_add(c, x);
  if (rc != 0 && *err == 0) *err = rc;
}

/* x as a cell takes it: a NaN or a value beyond BW_CELL_XMAX becomes 0 and
 * sets *err (-2) unless an error is set already. */
static inline double cell_value(double x, int *err) {
  if (!(isnan(x) || fabs(x) > BW_CELL_XMAX)) return x;
  if (*err == 0) *err = -2;
  return 0.0;
}

/* Gemeenten [g0, g1) of one replication. oth_* may be NULL (unknown).
 * The bins of a gemeente's cells are computed and prefetched first: the
 * counts of ~12,000 cells are spread over tens of MB, and one cache miss per
 * value would otherwise dominate. */
static void add_gemeenten(bw_acc *a, int rep, int g0, int g1, const double *sbw, const double *smo,
                          const double *oth_bw, const double *oth_mo, const bw_rep_result *dec, int *err) {
  const int ny = a->ny, ng = a->ng;
  int64_t bins[NCV][BW_MAX_YEARS];
  double vals[NCV][BW_MAX_YEARS];
  /* light: no gemeente x year cells to hide the cumulative cells' cache
   * misses behind, so their bins are computed and prefetched a chunk of
   * gemeenten ahead of the adds (the same values into the same cells) */
  enum { CUM_CHUNK = 64 };
  double cums[CUM_CHUNK];
  int64_t cbins[CUM_CHUNK];
  int nc = 0, gc0 = g0;
  for (int g = g0; g < g1; g++) {
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)g * ny + y;
      vals[CV_TOTAL][y] = sbw[i] + smo[i];
      vals[CV_BW][y] = sbw[i];
      vals[CV_MO][y] = smo[i];
      for (int v = 0; v < NCV && !a->light; v++) {
        double x = vals[v][y] = cell_value(vals[v][y], err);
        const bw_cell *c = &a->gy[(size_t)v * ng * ny + i];
        bins[v][y] = bw_cell_bin(c, x);
        bw_cell_prefetch(c, bins[v][y]);
      }
    }
    double cum = 0.0;
    int first = ny;
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)g * ny + y;
      double bw = sbw[i], mo = smo[i], pop = bw_model_population(a->m, g, y);
      for (int v = 0; v < NCV && !a->light; v++) {
        int rc = bw_cell_add_bin(&a->gy[(size_t)v * ng * ny + i], vals[v][y], bins[v][y]);
        if (rc != 0 && *err == 0) *err = rc;
      }
      int over = per_inhabitant(bw, mo, pop) > a->theta;
      a->exceed[i] += (uint64_t)over;
      if (oth_bw) a->exceed_oth[i] += per_inhabitant(oth_bw[i], oth_mo[i], pop) > a->theta;
      if (y >= a->y_first && y <= a->y_last) {
        cum += bw + mo;
        if (over && first == ny) first = y;
      }
    }
    a->any[g] += first < ny;
    a->first[(size_t)g * (ny + 1) + first]++;
    if (dec) {
      size_t ngy = (size_t)ng * ny;
      bw_i128 *cb = a->dsum + (size_t)g * ny, *cm = cb + ngy, *pt = cm + ngy, *co = pt + ngy;
      for (int y = 0; y < ny; y++) {
        size_t i = (size_t)g * ny + y;
        cb[y] += fix(dec->cost_bw[i]);
        cm[y] += fix(dec->cost_mo[i]);
        if (a->pooling == BW_POOL_REGION) pt[y] += fix(bw_pooling_transfer(dec, i)); /* else 0 */
        if (dec->have_old) co[y] += fix(dec->cost_bw_old[i]);
      }
    }
    if (!a->light) {
      cell_add(&a->cum[g], cum, err);
    } else {
      if (nc == 0) gc0 = g;
      cum = cell_value(cum, err);
      cums[nc] = cum;
      cbins[nc] = bw_cell_bin(&a->cum[g], cum);
      bw_cell_prefetch(&a->cum[g], cbins[nc]);
      if (++nc == CUM_CHUNK || g + 1 == g1) {
        for (int k = 0; k < nc; k++) {
          int rc = bw_cell_add_bin(&a->cum[gc0 + k], cums[k], cbins[k]);
          if (rc != 0 && *err == 0) *err = rc;
        }
        nc = 0;
      }
    }
    if (a->K > 0) {
      size_t base = ((size_t)(rep % a->K) * ng + g) * (size_t)(ny + 1);
      for (int j = 0; j <= ny; j++) {
        bw_i128 v = fix(j < ny ? sbw[(size_t)g * ny + j] + smo[(size_t)g * ny + j] : cum);
        a->ks1[base + j] += v;
        a->ks2[base + j] += v * v;
      }
    }
  }
}

/* Replication b's slots in a part's block: slot s at base[(s / 8) * gs + s % 8]
 * (bw_acc_part: base = vals + (b / 8) * 8 nslot + (b % 8) * 8, gs = 64). */
typedef struct {
  double *base;
  size_t gs;
  const slot_map *map;
} part_row;

static inline double *row_at(part_row r, size_t s) { return r.base + (s >> 3) * r.gs + (s & 7); }

/* Lanes [0, n) of one group of row_values: the values into rt, rb, rm, and
 * whether one is NaN or beyond BW_CELL_XMAX. */
static inline int row_lanes(int n, const double *sbw, const double *smo, double *rt, double *rb, double *rm) {
  int bad = 0;
  for (int l = 0; l < n; l++) {
    double t = sbw[l] + smo[l];
    rt[l] = t;
    rb[l] = sbw[l];
    rm[l] = smo[l];
    bad |= !(fabs(t) <= BW_CELL_XMAX) | !(fabs(sbw[l]) <= BW_CELL_XMAX) | !(fabs(smo[l]) <= BW_CELL_XMAX);
  }
  return bad;
}

#if defined(__GNUC__) && defined(__SSE2__)
/* A whole group's values go to its line (64-byte aligned) around the caches:
 * the line is read again only at the flush, a block (~16 MB) later, and a
 * cached store would first fetch the line it overwrites whole. (Measured
 * with perf on bwsim run -n 4000 -t 1 --set run.kernel=counts: row_values
 * 1.8 % of the run with cached stores into the replication-major block of
 * before, 5.4 % with cached stores into this layout, 2.0 % non-temporal.) */
#define BW_STREAM_ROWS 1
typedef double bw_v8d __attribute__((vector_size(64)));

/* (v by address: a 64-byte vector argument has another ABI per target) */
static inline void stream_line(double *dst, const bw_v8d *v) {
  _mm_stream_pd(dst, (__m128d)__builtin_shufflevector(*v, *v, 0, 1));
  _mm_stream_pd(dst + 2, (__m128d)__builtin_shufflevector(*v, *v, 2, 3));
  _mm_stream_pd(dst + 4, (__m128d)__builtin_shufflevector(*v, *v, 4, 5));
  _mm_stream_pd(dst + 6, (__m128d)__builtin_shufflevector(*v, *v, 6, 7));
}
#endif

/* x[0 .. n-1] into a span of a part's row: dst its first slot (a group's
 * first), gs doubles between groups; whole lines, a partial last group
 * padded with zeros (padding slots are never read). */
static void put_span(double *dst, size_t gs, const double *x, size_t n) {
  size_t i = 0, o = 0;
#ifdef BW_STREAM_ROWS
  for (; i + 8 <= n; i += 8, o += gs) {
    bw_v8d w;
    memcpy(&w, x + i, sizeof w);
    stream_line(dst + o, &w);
  }
#endif
  for (; i < n; i += 8, o += gs) {
    double v[8] = {0};
    for (size_t l = 0; l < 8 && i + l < n; l++) v[l] = x[i + l];
#ifdef BW_STREAM_ROWS
    bw_v8d w;
    memcpy(&w, v, sizeof w);
    stream_line(dst + o, &w);
#else
    memcpy(dst + o, v, sizeof v);
#endif
  }
}

/* add_gemeenten for a part's row (a nocells accumulator), all gemeenten of
 * one replication: the same counts and the same values, in loops over the
 * gemeente-years that vectorise (the values and checks, the exceedances) and
 * short ones per gemeente (first year, cumulative). The values go eight at a
 * time (a group of slots) to the spans rt, rb, rm, gs doubles between groups. */
BW_PART_CLONES static int row_values(size_t ngy, const double *sbw, const double *smo, double *rt, double *rb,
                                     double *rm, size_t gs) {
  int bad = 0;
  size_t i = 0, o = 0;
#ifdef BW_STREAM_ROWS
  /* the checks in a loop of their own (one that vectorises: as vector
   * comparisons of the groups below they went lane by lane) */
  const size_t nfull = ngy / 8 * 8;
  for (; i < nfull; i++)
    bad |= !(fabs(sbw[i] + smo[i]) <= BW_CELL_XMAX) | !(fabs(sbw[i]) <= BW_CELL_XMAX) |
           !(fabs(smo[i]) <= BW_CELL_XMAX);
  for (i = 0; i < nfull; i += 8, o += gs) {
    bw_v8d b, m;
    memcpy(&b, sbw + i, sizeof b);
    memcpy(&m, smo + i, sizeof m);
    bw_v8d t = b + m;
    stream_line(rt + o, &t);
    stream_line(rb + o, &b);
    stream_line(rm + o, &m);
  }
#endif
  for (; i < ngy; i += 8, o += gs) {
    int n = ngy - i < 8 ? (int)(ngy - i) : 8;
    double t[8], b[8], m[8];
    bad |= row_lanes(n, sbw + i, smo + i, t, b, m);
    put_span(rt + o, gs, t, (size_t)n);
    put_span(rb + o, gs, b, (size_t)n);
    put_span(rm + o, gs, m, (size_t)n);
  }
  return bad;
}

/* cnt[i] += (s_gt > theta), and over[i] = the same unless over is NULL:
 * with the thresholds thr of a part (exceed_threshold: a comparison, not a
 * division; both calls of a replication 1.9 us instead of 4.2 us, AVX-512,
 * the 3,762 gemeente-years of the data), or with the populations pop when
 * thr is NULL. */
BW_PART_CLONES static void exceed_count(size_t ngy, const double *bw, const double *mo, const double *thr,
                                        const double *pop, double theta, uint64_t *cnt, unsigned char *over) {
  for (size_t i = 0; i < ngy; i++) {
    unsigned char o = thr ? bw[i] + mo[i] >= thr[i] : per_inhabitant(bw[i], mo[i], pop[i]) > theta;
    cnt[i] += o;
    if (over) over[i] = o;
  }
}

/* pend[i] += fix(x[i]) in 64-bit lanes where |256 x| < 2^46 (fix's value:
 * y - trunc(y) exact, and the integer t + 1.5 2^52 holds t in its low bits),
 * else sum[i] += fix(x[i]) at once (and NaN as fix gives it). */
BW_PART_CLONES static int fix_lanes(size_t n, const double *x, int64_t *pend) {
  int far = 0;
  const double magic = 0x1.8p52;
  int64_t mbits;
  memcpy(&mbits, &magic, sizeof mbits);
  for (size_t i = 0; i < n; i++) {
    double y = x[i] * BW_FIX_SCALE;
    int near = fabs(y) < 0x1p46;
    double t = trunc(y), f = y - t;
    double v = t + (f >= 0.5 ? 1.0 : 0.0) - (f <= -0.5 ? 1.0 : 0.0);
    double m = (near ? v : 0.0) + magic;
    int64_t k;
    memcpy(&k, &m, sizeof k);
    pend[i] += k - mbits;
    far |= !near;
  }
  return far;
}

static void fix_pending(size_t n, const double *x, int64_t *pend, bw_i128 *sum) {
  if (fix_lanes(n, x, pend))
    for (size_t i = 0; i < n; i++)
      if (!(fabs(x[i] * BW_FIX_SCALE) < 0x1p46)) sum[i] += fix(x[i]);
}

static void part_gemeenten(bw_acc *a, int rep, const double *sbw, const double *smo, const double *oth_bw,
                           const double *oth_mo, const bw_rep_result *dec, part_row row, int *err) {
  const int ny = a->ny, ng = a->ng;
  const size_t ngy = (size_t)ng * ny;
  if (!a->light) {
    double *rt = row_at(row, row.map->slot[CV_TOTAL]), *rb = row_at(row, row.map->slot[CV_BW]),
           *rm = row_at(row, row.map->slot[CV_MO]);
    if (row_values(ngy, sbw, smo, rt, rb, rm, row.gs)) {
      if (*err == 0) *err = -2;
      for (size_t i = 0; i < ngy; i++) {
        size_t o = (i >> 3) * row.gs + (i & 7);
        if (!(fabs(rt[o]) <= BW_CELL_XMAX)) rt[o] = 0.0;
        if (!(fabs(rb[o]) <= BW_CELL_XMAX)) rb[o] = 0.0;
        if (!(fabs(rm[o]) <= BW_CELL_XMAX)) rm[o] = 0.0;
      }
    }
  }
  exceed_count(ngy, sbw, smo, a->thr, a->pop, a->theta, a->exceed, a->over);
  if (oth_bw) exceed_count(ngy, oth_bw, oth_mo, a->thr, a->pop, a->theta, a->exceed_oth, NULL);
  for (int g = 0; g < ng; g++) {
    const size_t i0 = (size_t)g * ny;
    double cum = 0.0;
    int first = ny;
    for (int y = a->y_first; y <= a->y_last; y++) {
      cum += sbw[i0 + y] + smo[i0 + y];
      if (a->over[i0 + y] && first == ny) first = y;
    }
    a->any[g] += first < ny;
    a->first[(size_t)g * (ny + 1) + first]++;
    cum = cell_value(cum, err);
    a->rtmp[g] = cum;
    if (a->K > 0) {
      size_t base = ((size_t)(rep % a->K) * ng + g) * (size_t)(ny + 1);
      for (int j = 0; j <= ny; j++) {
        bw_i128 v = fix(j < ny ? sbw[i0 + j] + smo[i0 + j] : cum);
        a->ks1[base + j] += v;
        a->ks2[base + j] += v * v;
      }
    }
  }
  put_span(row_at(row, row.map->slot[3]), row.gs, a->rtmp, (size_t)ng);
  if (dec) {
    bw_i128 *cb = a->dsum, *cm = cb + ngy, *pt = cm + ngy, *co = pt + ngy;
    int64_t *pb = a->dpend, *pm = pb + ngy, *pp = pm + ngy, *po = pp + ngy;
    fix_pending(ngy, dec->cost_bw, pb, cb);
    fix_pending(ngy, dec->cost_mo, pm, cm);
    if (a->pooling == BW_POOL_REGION) { /* else 0 */
      for (size_t i = 0; i < ngy; i++) a->dtmp[i] = bw_pooling_transfer(dec, i);
      fix_pending(ngy, a->dtmp, pp, pt);
    }
    if (dec->have_old) fix_pending(ngy, dec->cost_bw_old, po, co);
  }
}

/* dsum += the pending values (a part's flush and finish). */
static void fold_pending(bw_acc *a) {
  if (!a->dpend) return;
  size_t n = 4 * (size_t)a->ng * (size_t)a->ny;
  for (size_t i = 0; i < n; i++) a->dsum[i] += a->dpend[i];
  memset(a->dpend, 0, n * sizeof *a->dpend);
}

/* National quantities, regions and the counters of one replication. */
static void add_rest(bw_acc *a, int rep, const double *nat, const double *regsum, const double *terms,
                     int have_old, const part_row *row, int *err) {
  const int ny = a->ny;
  if (terms) {
    for (size_t i = 0; i < (size_t)BW_DECOMP_NTERMS * ny; i++) a->dterm[i] += fix(terms[i]);
    a->dn[0]++;
    a->dn[1] += (uint64_t)(have_old != 0);
  }
  if (row) {
    double *rn = a->rtmp, *rr = rn + a->n_nat;
    for (size_t i = 0; i < a->n_nat; i++) rn[i] = cell_value(nat[i], err);
    for (size_t i = 0; i < a->n_reg; i++) rr[i] = cell_value(regsum[i], err);
    put_span(row_at(*row, row->map->slot[4]), row->gs, rn, a->n_nat);
    put_span(row_at(*row, row->map->slot[5]), row->gs, rr, a->n_reg);
  } else {
    for (size_t i = 0; i < a->n_nat; i++) cell_add(&a->nat[i], nat[i], err);
    for (size_t i = 0; i < a->n_reg; i++) cell_add(&a->reg[i], regsum[i], err);
  }
  for (size_t i = 0; i < (size_t)a->nr * ny; i++) {
    a->reg_exceed[i] += per_inhabitant(regsum[i], 0.0, a->reg_pop[i]) > a->theta;
  }
  if (a->K > 0) a->kn[rep % a->K]++;
  a->n++;
}

/* Region sums (invariant under pooling) into regsum [nr * ny]. */
static void region_sums(const bw_acc *a, const double *sbw, const double *smo, double *regsum) {
  const bw_data *d = bw_model_data(a->m);
  memset(regsum, 0, (size_t)a->nr * (size_t)a->ny * sizeof *regsum);
  for (int g = 0; g < a->ng; g++)
    for (int y = 0; y < a->ny; y++) {
      size_t i = (size_t)g * a->ny + y;
      regsum[(size_t)d->g[g].region * a->ny + y] += sbw[i] + smo[i];
    }
}

static bw_status add_values(bw_acc *a, int rep, const double *sbw, const double *smo,
                            const double *nat, const double *oth_bw, const double *oth_mo,
                            const bw_rep_result *dec, const double *terms, double *regsum, bw_ctx *ctx) {
  region_sums(a, sbw, smo, regsum);
  int err = 0, t = omp_get_thread_num();
  /* stripes in a rotated order, so threads rarely wait for each other */
  for (int k = 0; k <= NSTRIPE; k++) {
    int s = (k + t) % (NSTRIPE + 1);
    omp_set_lock(&a->lock[s]);
    if (s < NSTRIPE)
      add_gemeenten(a, rep, (int)((long)a->ng * s / NSTRIPE), (int)((long)a->ng * (s + 1) / NSTRIPE),
                    sbw, smo, oth_bw, oth_mo, dec, &err);
    else
      add_rest(a, rep, nat, regsum, terms, dec && dec->have_old, NULL, &err);
    omp_unset_lock(&a->lock[s]);
  }
  if (err == -1) return bw_fail(ctx, BW_ENOMEM, "out of memory growing a statistics histogram");
  if (err) return bw_fail(ctx, BW_EMODEL, "replication %d: a shortfall is NaN or beyond %.3g EUR",
                          rep, BW_CELL_XMAX);
  return BW_OK;
}

/* The year terms of replication r's drivers (bw_decomp_year_terms) in the
 * scratch after the region sums (regsum: nr x ny doubles), or NULL when a
 * keeps no drivers. */
static double *rep_terms(const bw_acc *a, const bw_rep_result *r, double *regsum) {
  double *terms = a->dsum ? regsum + (size_t)(a->nr > 0 ? a->nr : 1) * (size_t)a->ny : NULL;
  if (terms) bw_decomp_year_terms(a->m, r, terms);
  return terms;
}

/* The shortfall under the other pooling setting: the model's counterfactual
 * (bw_budget_apply); unknown (and so for the whole run) when it was not
 * computed. Light accumulators keep no such flags. */
static void rep_other_pooling(bw_acc *a, const bw_rep_result *r, const double **cf_bw, const double **cf_mo) {
  if (a->light) return;
  if (r->have_cf) {
    *cf_bw = r->cf->shortfall_bw;
    *cf_mo = r->cf->shortfall_mo;
  } else {
#pragma omp atomic write
    a->have_other = 0;
  }
}

bw_status bw_acc_add(bw_acc *a, int rep, const bw_rep_result *r, double *scratch, bw_ctx *ctx) {
  if (!a || !r || r->ng != a->ng || r->ny != a->ny || rep < 0)
    return bw_fail(ctx, BW_EMODEL, "bw_acc_add: replication %d does not match the accumulator", rep);
  double *regsum = scratch;
  double *terms = rep_terms(a, r, regsum);
  const double *cf_bw = NULL, *cf_mo = NULL;
  rep_other_pooling(a, r, &cf_bw, &cf_mo);
  bw_status st = add_values(a, rep, r->shortfall_bw, r->shortfall_mo, r->national, cf_bw, cf_mo,
                            terms ? r : NULL, terms, regsum, ctx);
  if (st == BW_OK && a->store) {
    if (rep >= a->store->nrep)
      return bw_fail(ctx, BW_EMODEL, "--exact keeps %d replications, not replication %d",
                     a->store->nrep, rep);
    bw_store_put(a->store, rep, r);
  }
  return st;
}

void bw_acc_clear(bw_acc *a) {
  size_t ngy = (size_t)a->ng * (size_t)a->ny, nry = (size_t)a->nr * (size_t)a->ny;
  for (size_t i = 0; !a->nocells && i < n_cells(a); i++) bw_cell_clear(cell_at(a, i));
  memset(a->exceed, 0, ngy * sizeof *a->exceed);
  memset(a->exceed_oth, 0, ngy * sizeof *a->exceed_oth);
  memset(a->any, 0, (size_t)a->ng * sizeof *a->any);
  memset(a->first, 0, (size_t)a->ng * (size_t)(a->ny + 1) * sizeof *a->first);
  memset(a->reg_exceed, 0, nry * sizeof *a->reg_exceed);
  if (a->K > 0) {
    memset(a->kn, 0, (size_t)a->K * sizeof *a->kn);
    memset(a->ks1, 0, n_split(a) * sizeof *a->ks1);
    memset(a->ks2, 0, n_split(a) * sizeof *a->ks2);
  }
  if (a->dsum) {
    memset(a->dsum, 0, 4 * ngy * sizeof *a->dsum);
    memset(a->dterm, 0, (size_t)BW_DECOMP_NTERMS * a->ny * sizeof *a->dterm);
    a->dn[0] = a->dn[1] = 0;
  }
  a->n = 0;
}

/* ---- merging and packing ---------------------------------------------------
 * One walk over the state serves merge, size, pack and unpack: the state is
 * a list of cell arrays and integer arrays in a fixed order. */

typedef struct {
  bw_cell *cells;
  size_t n;
} cell_span;
typedef struct {
  void *v;
  size_t n, size; /* elements, bytes each */
} int_span;

enum { N_CELL_SPANS = 4, N_INT_SPANS = 11 };

static void spans(const bw_acc *a, cell_span cs[N_CELL_SPANS], int_span is[N_INT_SPANS]) {
  size_t ngy = (size_t)a->ng * (size_t)a->ny, nry = (size_t)a->nr * (size_t)a->ny;
  cs[0] = (cell_span){a->gy, n_gy(a)};
  cs[1] = (cell_span){a->cum, (size_t)a->ng};
  cs[2] = (cell_span){a->nat, a->n_nat};
  cs[3] = (cell_span){a->reg, a->n_reg};
  is[0] = (int_span){a->exceed, ngy, sizeof(uint64_t)};
  is[1] = (int_span){a->exceed_oth, ngy, sizeof(uint64_t)};
  is[2] = (int_span){a->any, (size_t)a->ng, sizeof(uint64_t)};
  is[3] = (int_span){a->first, (size_t)a->ng * (size_t)(a->ny + 1), sizeof(uint64_t)};
  is[4] = (int_span){a->reg_exceed, nry, sizeof(uint64_t)};
  is[5] = (int_span){a->kn, (size_t)a->K, sizeof(uint64_t)};
  is[6] = (int_span){a->ks1, n_split(a), sizeof(bw_i128)};
  is[7] = (int_span){a->ks2, n_split(a), sizeof(bw_i128)};
  is[8] = (int_span){a->dsum, a->dsum ? 4 * ngy : 0, sizeof(bw_i128)};
  is[9] = (int_span){a->dterm, a->dterm ? (size_t)BW_DECOMP_NTERMS * a->ny : 0, sizeof(bw_i128)};
  is[10] = (int_span){a->dn, a->dn ? 2 : 0, sizeof(uint64_t)};
}

static void add_ints(int_span d, const void *src) {
  if (d.size == sizeof(uint64_t)) {
    uint64_t *x = d.v;
    const unsigned char *s = src;
    for (size_t i = 0; i < d.n; i++) {
      uint64_t v;
      memcpy(&v, s + i * sizeof v, sizeof v);
      x[i] += v;
    }
  } else {
    bw_i128 *x = d.v;
    const unsigned char *s = src;
    for (size_t i = 0; i < d.n; i++) {
      bw_i128 v;
      memcpy(&v, s + i * sizeof v, sizeof v);
      x[i] += v;
    }
  }
}

static int same_shape(const bw_acc *a, const bw_acc *b) {
  return a->ng == b->ng && a->ny == b->ny && a->nr == b->nr && a->K == b->K && a->light == b->light &&
         a->n_nat == b->n_nat && a->n_reg == b->n_reg &&
         a->y_first == b->y_first && a->y_last == b->y_last && a->theta == b->theta;
}

bw_status bw_acc_merge(bw_acc *dst, const bw_acc *src, bw_ctx *ctx) {
  if (!same_shape(dst, src)) return bw_fail(ctx, BW_EMODEL, "bw_acc_merge: accumulators differ");
  cell_span cd[N_CELL_SPANS], cs[N_CELL_SPANS];
  int_span id[N_INT_SPANS], is[N_INT_SPANS];
  spans(dst, cd, id);
  spans(src, cs, is);
  for (int k = 0; k < N_CELL_SPANS; k++)
    for (size_t i = 0; i < cd[k].n; i++) {
      int rc = bw_cell_merge(&cd[k].cells[i], &cs[k].cells[i]);
      if (rc == -1) return bw_fail(ctx, BW_ENOMEM, "out of memory merging statistics");
      if (rc) return bw_fail(ctx, BW_EMODEL, "bw_acc_merge: cell scales differ");
    }
  for (int k = 0; k < N_INT_SPANS; k++)
    if (id[k].n) add_ints(id[k], is[k].v);
  dst->n += src->n;
  dst->have_other &= src->have_other;
  return BW_OK;
}

size_t bw_acc_packed_size(const bw_acc *a) {
  cell_span cs[N_CELL_SPANS];
  int_span is[N_INT_SPANS];
  spans(a, cs, is);
  size_t n = 2 * sizeof(long long);
  for (int k = 0; k < N_CELL_SPANS; k++)
    for (size_t i = 0; i < cs[k].n; i++) n += bw_cell_packed_size(&cs[k].cells[i]);
  for (int k = 0; k < N_INT_SPANS; k++) n += is[k].n * is[k].size;
  return n;
}

size_t bw_acc_pack(const bw_acc *a, unsigned char *buf) {
  cell_span cs[N_CELL_SPANS];
  int_span is[N_INT_SPANS];
  spans(a, cs, is);
  long long head[2] = {a->n, a->have_other};
  size_t off = sizeof head;
  memcpy(buf, head, sizeof head);
  for (int k = 0; k < N_CELL_SPANS; k++)
    for (size_t i = 0; i < cs[k].n; i++) off += bw_cell_pack(&cs[k].cells[i], buf + off);
  for (int k = 0; k < N_INT_SPANS; k++) {
    if (is[k].n) memcpy(buf + off, is[k].v, is[k].n * is[k].size);
    off += is[k].n * is[k].size;
  }
  return off;
}

bw_status bw_acc_unpack_merge(bw_acc *dst, const unsigned char *buf, size_t n, bw_ctx *ctx) {
  cell_span cs[N_CELL_SPANS];
  int_span is[N_INT_SPANS];
  spans(dst, cs, is);
  long long head[2];
  if (n < sizeof head) return bw_fail(ctx, BW_EMODEL, "packed statistics truncated");
  memcpy(head, buf, sizeof head);
  size_t off = sizeof head;
  for (int k = 0; k < N_CELL_SPANS; k++)
    for (size_t i = 0; i < cs[k].n; i++) {
      size_t used = bw_cell_unpack_merge(&cs[k].cells[i], buf + off, n - off);
      if (!used) return bw_fail(ctx, BW_EMODEL, "packed statistics malformed (or out of memory)");
      off += used;
    }
  for (int k = 0; k < N_INT_SPANS; k++) {
    size_t bytes = is[k].n * is[k].size;
    if (bytes > n - off) return bw_fail(ctx, BW_EMODEL, "packed statistics truncated");
    if (bytes) add_ints(is[k], buf + off);
    off += bytes;
  }
  dst->n += head[0];
  dst->have_other &= (int)head[1];
  return BW_OK;
}


/* ---- a thread's part ----------------------------------------------------------
 * The cells of ~12,000 outputs hold ~100 MB of bins: adding one replication
 * at a time misses the cache once per cell. A part keeps a block of
 * replications' values (in the layout below) and its own integer counts;
 * when the block is full it adds the block to the shared cells tile by
 * tile (bw_cell_add_block: each histogram is loaded once for the whole
 * block), taking a tile's lock only if it is free (a tile another thread
 * holds is taken on a later pass), so threads do not wait for each other.
 * Its counts are merged once, at the end. */
struct bw_acc_part {
  bw_acc *a;      /* the shared accumulator */
  bw_acc *own;    /* this thread's counts (no cells) */
  int block, nb;  /* replications per block, held now */
  int first_tile; /* where this part's flushes start */
  slot_map map;   /* where a replication's values go (slot_spans) */
  size_t nslot;   /* slots per replication, a multiple of 8 */
  double *vals;   /* [ceil(block / 8)][nslot / 8][8][8]: per eight replications, per group of
                     eight slots, an 8 x 8 square [replication][slot] (see below) */
  double *scratch;
  double *col;    /* [2][8][col_len]: two groups of eight slots' values, a row per slot */
  int32_t *bins;  /* [2][2 block] */
  unsigned char *done; /* [a->ntile] */
};

/* The block's layout. A replication writes its values in order, a cell
 * takes them a block at a time: one side must stride. Replication-major rows
 * (the layout before) made the flush gather each cell's values from ~160
 * rows 98 kB apart, a cache miss per value that prefetching hid poorly
 * (3.6 % of a count run; bwsim run -n 4000 -t 1 --set run.kernel=counts,
 * perf). Here replication b writes slot s at
 *   vals[((b / 8) * (nslot / 8) + s / 8) * 64 + (b % 8) * 8 + s % 8],
 * a whole cache line per group of eight slots (non-temporal where SSE2 has
 * it: row_values), and the flush reads a group's squares, 512 contiguous
 * bytes each, prefetched a group ahead, and transposes each in registers
 * (transpose_group). Together 3.0 % of the same run instead of 5.4 %.
 *
 * The length of a row of col: the block rounded up to whole squares. */
static size_t col_len(const bw_acc_part *p) { return ((size_t)p->block + 7) / 8 * 8; }

/* Replications per block: about BW_PART_BYTES of values per thread, at most
 * BW_PART_MAXB (a cell's histogram spans ~100 cache lines: the block must be
 * large beside that), at least 16. */
#define BW_PART_BYTES (16.0 * 1024 * 1024)
#define BW_PART_MAXB 256

int bw_acc_block_for(size_t values_per_rep) {
  double per = (double)values_per_rep * sizeof(double);
  double b = BW_PART_BYTES / (per > 0 ? per : 1);
  /* a multiple of 16 (the vector loops over a block then have no scalar tail) */
  return b > BW_PART_MAXB ? BW_PART_MAXB : b < 16 ? 16 : (int)b / 16 * 16;
}

int bw_acc_part_block(const bw_acc *a) { return bw_acc_block_for(n_cells(a)); }

void bw_acc_part_free(bw_acc_part *p) {
  if (!p) return;
  bw_acc_free(p->own);
  free(p->vals), free(p->scratch), free(p->col), free(p->bins), free(p->done);
  free(p);
}

bw_acc_part *bw_acc_part_create(bw_acc *a, int block) {
  if (!a || a->nocells) return NULL;
  static int next_id;
  int id;
#pragma omp atomic capture
  id = next_id++;
  bw_acc_part *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->a = a;
  p->block = block > 0 ? (block > 65536 ? 65536 : block) : bw_acc_part_block(a);
  p->map = slot_spans(a);
  p->nslot = p->map.slot[NSPAN];
  p->first_tile = (int)(((long long)id * 7919) % (a->ntile > 0 ? a->ntile : 1));
  p->own = acc_create(a->m, 0, a->light, a->n_nat > 0, 1);
  size_t nv = (size_t)(p->block + 7) / 8 * 8 * (p->nslot ? p->nslot : 8);
  p->vals = aligned_alloc(64, nv * sizeof *p->vals); /* nv: a multiple of 8 */
  if (p->vals) memset(p->vals, 0, nv * sizeof *p->vals); /* padding slots: never written, read as 0 */
  p->scratch = malloc(bw_acc_scratch_len(a) * sizeof *p->scratch);
  p->col = aligned_alloc(64, 16 * col_len(p) * sizeof *p->col);
  p->bins = malloc(4 * (size_t)p->block * sizeof *p->bins);
  p->done = malloc((size_t)(a->ntile > 0 ? a->ntile : 1));
  if (!p->own || !p->vals || !p->scratch || !p->col || !p->bins || !p->done) {
    bw_acc_part_free(p);
    return NULL;
  }
  return p;
}

/* Group k of the block (slots 8k .. 8k+7: an 8 x 8 square per eight
 * replications) into dst [8][col_len], the values of each slot in a row
 * (past nb: leftovers of earlier blocks, never read). */
BW_PART_CLONES static void transpose_group(const bw_acc_part *p, size_t k, double *dst) {
  const size_t L = col_len(p), gt = p->nslot / 8;
  for (size_t c = 0; c * 8 < (size_t)p->nb; c++) {
    const double *src = p->vals + (c * gt + k) * 64; /* [r][l] */
    double *d = dst + c * 8;                         /* [l][r], rows of L */
#ifdef BW_STREAM_ROWS
    /* in registers: three rounds of shuffles (the scalar copy below cost
     * 0.9 % of a count run, this 0.5 %) */
    bw_v8d r[8], u[8], w[8];
    for (int q = 0; q < 8; q++) memcpy(&r[q], src + 8 * q, sizeof r[q]);
    for (int q = 0; q < 8; q += 2) { /* u[q]: rows q, q+1, even columns; u[q+1]: odd */
      u[q] = __builtin_shufflevector(r[q], r[q + 1], 0, 8, 2, 10, 4, 12, 6, 14);
      u[q + 1] = __builtin_shufflevector(r[q], r[q + 1], 1, 9, 3, 11, 5, 13, 7, 15);
    }
    for (int q = 0; q < 8; q += 4) /* w[q + e]: rows q .. q+3 of columns e and e + 4 */
      for (int e = 0; e < 4; e++) {
        int a = q + (e & 1), b = a + 2;
        w[q + e] = (e & 2) ? __builtin_shufflevector(u[a], u[b], 2, 3, 10, 11, 6, 7, 14, 15)
                           : __builtin_shufflevector(u[a], u[b], 0, 1, 8, 9, 4, 5, 12, 13);
      }
    for (int e = 0; e < 4; e++) {
      bw_v8d lo = __builtin_shufflevector(w[e], w[e + 4], 0, 1, 2, 3, 8, 9, 10, 11);
      bw_v8d hi = __builtin_shufflevector(w[e], w[e + 4], 4, 5, 6, 7, 12, 13, 14, 15);
      memcpy(d + (size_t)e * L, &lo, sizeof lo);
      memcpy(d + (size_t)(e + 4) * L, &hi, sizeof hi);
    }
#else
    for (int r = 0; r < 8; r++)
      for (int l = 0; l < 8; l++) d[(size_t)l * L + (size_t)r] = src[r * 8 + l];
#endif
  }
}

/* The values of slot s: group s / 8, transposed into half (s / 8) & 1 of
 * col when not there yet. A tile's cells are taken in slot order and
 * consecutive cells are at most one group apart (a span's padding is less
 * than a group), so the half of the cell being added is never overwritten
 * while the next one's bins are computed. */
static const double *slot_values(bw_acc_part *p, size_t s, size_t loaded[2]) {
  size_t k = s / 8, h = k & 1;
  double *half = p->col + h * 8 * col_len(p);
  if (loaded[h] != k) {
    transpose_group(p, k, half);
    loaded[h] = k;
  }
  return half + (s % 8) * col_len(p);
}

/* One tile's cells += the block's values: the next cell's bins are computed
 * and the counts they touch prefetched while this cell's are incremented
 * (only the range the block touches: a cell's histogram also holds the
 * tails of every replication so far). */
static int flush_tile(bw_acc_part *p, int t) {
  size_t s0 = (size_t)t * TILE, s1 = s0 + TILE < p->nslot ? s0 + TILE : p->nslot;
  const int nb = p->nb;
  const size_t B = (size_t)p->block;
  bw_cell *cell[TILE];
  size_t slot[TILE];
  int n = 0;
  for (size_t s = s0; s < s1; s++) {
    bw_cell *c = slot_cell(p->a, &p->map, s);
    if (c) cell[n] = c, slot[n++] = s;
  }
  if (n == 0) return 0;
  size_t loaded[2] = {SIZE_MAX, SIZE_MAX};
  int cur = 0;
  int32_t range[2][2];
  const double *x = slot_values(p, slot[0], loaded);
  int rc_next = bw_cell_block_bins(cell[0], x, nb, p->bins, range[0]);
  for (int i = 0; i < n; i++) {
    int rc = rc_next, nxt = cur ^ 1;
    int32_t *bc = p->bins + (size_t)cur * 2 * B, *bn = p->bins + (size_t)nxt * 2 * B;
    const double *xn = NULL;
    if (i + 1 < n) {
      xn = slot_values(p, slot[i + 1], loaded);
      rc_next = bw_cell_block_bins(cell[i + 1], xn, nb, bn, range[nxt]);
      if (rc_next == 0) bw_cell_prefetch_range(cell[i + 1], range[nxt]);
    }
    { /* an eighth of the next group's squares (the next tile's first group after the last) */
      size_t k = slot[i] / 8 + 1, l = slot[i] % 8, nc = ((size_t)nb + 7) / 8;
      if (k < p->nslot / 8)
        for (size_t c = l * nc / 8; c < (l + 1) * nc / 8; c++)
          for (int r = 0; r < 8; r++) __builtin_prefetch(p->vals + (c * (p->nslot / 8) + k) * 64 + r * 8, 0, 3);
    }
    if (rc == 1) rc = bw_cell_add_block(cell[i], x, nb, bc); /* a bin far out: one value at a time */
    else if (rc == 0) rc = bw_cell_add_block_bins(cell[i], x, nb, bc, range[cur]);
    if (rc) return rc;
    cur = nxt;
    x = xn;
  }
  return 0;
}

/* The block's values into the shared cells, tile by tile: a free tile is
 * taken, a held one left for a later pass; only a pass that found every
 * remaining tile held waits for one. */
static bw_status flush_cells(bw_acc_part *p, bw_ctx *ctx) {
  fold_pending(p->own);
#ifdef BW_STREAM_ROWS
  _mm_sfence(); /* the rows' non-temporal stores complete before the block is read */
#endif
  if (p->nb == 0) return BW_OK;
  bw_acc *a = p->a;
  int nt = a->ntile, left = nt, err = 0;
  memset(p->done, 0, (size_t)(nt > 0 ? nt : 1));
  while (left > 0 && !err) {
    int progress = 0, pending = -1;
    for (int k = 0; k < nt && !err; k++) {
      int t = (k + p->first_tile) % nt;
      if (p->done[t]) continue;
      if (!omp_test_lock(&a->tlock[t])) {
        if (pending < 0) pending = t;
        continue;
      }
      err = flush_tile(p, t);
      omp_unset_lock(&a->tlock[t]);
      p->done[t] = 1;
      left--;
      progress++;
    }
    if (!progress && pending >= 0 && !err) { /* every remaining tile held: wait for one */
      omp_set_lock(&a->tlock[pending]);
      err = flush_tile(p, pending);
      omp_unset_lock(&a->tlock[pending]);
      p->done[pending] = 1;
      left--;
    }
  }
  p->nb = 0;
  if (err == -1) return bw_fail(ctx, BW_ENOMEM, "out of memory growing a statistics histogram");
  if (err) return bw_fail(ctx, BW_EMODEL, "a shortfall is NaN or beyond %.3g EUR", BW_CELL_XMAX);
  return BW_OK;
}

bw_status bw_acc_part_add(bw_acc_part *p, int rep, const bw_rep_result *r, bw_ctx *ctx) {
  bw_acc *a = p->own;
  if (!r || r->ng != a->ng || r->ny != a->ny || rep < 0)
    return bw_fail(ctx, BW_EMODEL, "bw_acc_part_add: replication %d does not match the accumulator", rep);
  bw_store *store = p->a->store;
  if (store && rep >= store->nrep)
    return bw_fail(ctx, BW_EMODEL, "--exact keeps %d replications, not replication %d", store->nrep, rep);
  double *regsum = p->scratch;
  double *terms = rep_terms(a, r, regsum);
  const double *cf_bw = NULL, *cf_mo = NULL;
  rep_other_pooling(a, r, &cf_bw, &cf_mo);
  part_row row = {p->vals + (size_t)(p->nb / 8) * 8 * p->nslot + (size_t)(p->nb % 8) * 8, 64, &p->map};
  int err = 0;
  region_sums(a, r->shortfall_bw, r->shortfall_mo, regsum);
  part_gemeenten(a, rep, r->shortfall_bw, r->shortfall_mo, cf_bw, cf_mo, terms ? r : NULL, row, &err);
  add_rest(a, rep, r->national, regsum, terms, terms && r->have_old, &row, &err);
  if (err) return bw_fail(ctx, BW_EMODEL, "replication %d: a shortfall is NaN or beyond %.3g EUR", rep,
                          BW_CELL_XMAX);
  if (store) bw_store_put(store, rep, r);
  if (++p->nb == p->block) return flush_cells(p, ctx);
  return BW_OK;
}

bw_status bw_acc_part_finish(bw_acc_part *p, bw_ctx *ctx) {
  bw_status st = flush_cells(p, ctx);
  if (st != BW_OK) return st;
  bw_acc *a = p->a, *own = p->own;
  cell_span cd[N_CELL_SPANS], cs[N_CELL_SPANS];
  int_span id[N_INT_SPANS], is[N_INT_SPANS];
  spans(a, cd, id);
  spans(own, cs, is);
  for (int k = 0; k <= NSTRIPE; k++) omp_set_lock(&a->lock[k]);
  for (int k = 0; k < N_INT_SPANS; k++)
    if (id[k].n) add_ints(id[k], is[k].v);
  a->n += own->n;
  a->have_other &= own->have_other;
  for (int k = NSTRIPE; k >= 0; k--) omp_unset_lock(&a->lock[k]);
  bw_acc_clear(own);
  own->have_other = !own->light;
  return BW_OK;
}

/* ---- summary ------------------------------------------------------------- */

void bw_summary_free(bw_summary *s) {
  if (!s) return;
  for (int v = 0; v < BW_NGV; v++) free(s->gy[v]);
  free(s->p_exceed), free(s->p_exceed_se), free(s->p_exceed_lo), free(s->p_exceed_hi);
  free(s->first_exceed);
  free(s->national);
  free(s->risk);
  free(s->region), free(s->region_p_exceed), free(s->region_p_exceed_se), free(s->region_risk);
  free(s->param_share), free(s->param_share_year), free(s->decomp), free(s->decomp_cum);
  free(s);
}

/* Multiply every location and scale of st by f > 0. */
static void stat_scale(bw_stat *st, double f) {
  double *v[] = {&st->mean,   &st->sd,     &st->q05,    &st->q50,    &st->q95,
                 &st->cvar95, &st->se_mean, &st->se_sd, &st->se_q05, &st->se_q50,
                 &st->se_q95, &st->se_cvar95, &st->err_q05, &st->err_q50, &st->err_q95,
                 &st->err_cvar95};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) *v[i] *= f;
}

/* Proportion k/n with se and Wilson interval. */
static void proportion(uint64_t k, uint64_t n, double *p, double *se, double *lo, double *hi) {
  double pp = (double)k / (double)n;
  *p = pp;
  if (se) *se = sqrt(pp * (1.0 - pp) / (double)n);
  bw_wilson95((size_t)k, (size_t)n, lo, hi);
}

/* The flag rule (docs/model.md §8) for one gemeente or region: the max over the
 * reform years of P(> theta), with its se/interval, the year, the first
 * year >= p*, the flag and whether it is stable. p, se, lo, hi: [ny]. No
 * reform years (y_first > y_last): all zero, not flagged. */
typedef struct {
  double p, se, lo, hi;
  int at, first, flagged, stable;
} pmax;

static pmax max_over_reform(const double *p, const double *se, const double *lo, const double *hi,
                            int y_first, int y_last, int first_year, double p_star) {
  pmax r = {0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0};
  for (int y = y_first; y <= y_last; y++) {
    if (y == y_first || p[y] > r.p) { /* first year on ties */
      r.p = p[y];
      r.se = se[y];
      r.lo = lo[y];
      r.hi = hi[y];
      r.at = first_year + y;
    }
    if (r.first == 0 && p[y] >= p_star) r.first = first_year + y;
  }
  int reform = y_first <= y_last;
  r.flagged = reform && r.p >= p_star;
  r.stable = reform && (r.lo > p_star || r.hi < p_star);
  return r;
}

/* Statistics of cell c, or all NaN when the accumulator keeps no such cell
 * (light accumulators). */
typedef struct {
  bw_edge_tab t[2]; /* gemeente and region cells (BW_GEM_INV_H), national (BW_NAT_INV_H) */
} edge_tabs;

static void cstat(const bw_cell *c, const edge_tabs *et, bw_stat *out) {
  bw_cell_stat_tab(c, c->inv_h == et->t[0].inv_h ? &et->t[0] : &et->t[1], out);
}

static void cell_stat_opt(const bw_cell *c, const edge_tabs *et, bw_stat *out) {
  bw_cell empty;
  if (!c) bw_cell_init(&empty, 1.0, 1.0);
  cstat(c ? c : &empty, et, out);
}

/* Exact statistics of values gathered by get(rep) from the store. */
typedef double (*store_get)(const bw_store *s, int rep, int g, int y);
static double get_total(const bw_store *s, int r, int g, int y) {
  size_t i = ((size_t)r * s->ng + g) * s->ny + y;
  return s->shortfall_bw[i] + s->shortfall_mo[i];
}
static double get_bw(const bw_store *s, int r, int g, int y) {
  return s->shortfall_bw[((size_t)r * s->ng + g) * s->ny + y];
}
static double get_mo(const bw_store *s, int r, int g, int y) {
  return s->shortfall_mo[((size_t)r * s->ng + g) * s->ny + y];
}
static double get_nat(const bw_store *s, int r, int q, int y) {
  return s->national[((size_t)r * BW_NQ + q) * s->ny + y];
}

static void exact_stat(const bw_store *s, store_get get, int g, int y, double *buf, bw_stat *out) {
  for (int r = 0; r < s->nrep; r++) buf[r] = get(s, r, g, y);
  bw_stat_compute(buf, (size_t)s->nrep, out);
}

/* Everything about gemeente g: statistics per year and its unranked risk
 * row. buf: nrep doubles of this thread (exact mode only). */
static void summarise_gemeente(const bw_acc *a, const edge_tabs *et, bw_summary *out, int g, double *buf) {
  const int ng = a->ng, ny = a->ny;
  const bw_store *st = a->store;
  const uint64_t n = (uint64_t)a->n;
  static const store_get getter[NCV] = {get_total, get_bw, get_mo};
  static const int gv_of[NCV] = {BW_GV_SHORTFALL, BW_GV_SHORTFALL_BW, BW_GV_SHORTFALL_MO};
  double ro[BW_MAX_YEARS], rse[BW_MAX_YEARS], rlo[BW_MAX_YEARS], rhi[BW_MAX_YEARS];
  for (int y = 0; y < ny; y++) {
    size_t i = (size_t)g * ny + y;
    for (int v = 0; v < NCV; v++) {
      bw_stat *dst = &out->gy[gv_of[v]][i];
      if (st)
        exact_stat(st, getter[v], g, y, buf, dst);
      else if (a->light)
        cell_stat_opt(NULL, et, dst); /* a light accumulator keeps no gemeente x year cells */
      else
        cstat(&a->gy[(size_t)v * ng * ny + i], et, dst);
    }
    bw_stat *pi = &out->gy[BW_GV_SHORTFALL_PER_INH][i];
    *pi = out->gy[BW_GV_SHORTFALL][i];
    stat_scale(pi, 1.0 / bw_model_population(a->m, g, y));
    proportion(a->exceed[i], n, &out->p_exceed[i], &out->p_exceed_se[i], &out->p_exceed_lo[i],
               &out->p_exceed_hi[i]);
    ro[y] = out->p_exceed[i];
    rse[y] = out->p_exceed_se[i];
    rlo[y] = out->p_exceed_lo[i];
    rhi[y] = out->p_exceed_hi[i];
  }
  for (int y = 0; y <= ny; y++)
    out->first_exceed[(size_t)g * (ny + 1) + y] = (long long)a->first[(size_t)g * (ny + 1) + y];

  bw_risk_row *row = &out->risk[g];
  memset(row, 0, sizeof *row);
  row->g = g;
  int reform = a->y_first <= a->y_last;
  pmax pm = max_over_reform(ro, rse, rlo, rhi, a->y_first, a->y_last, out->first_year, out->p_star);
  row->p_max_year = pm.p;
  row->p_se = pm.se;
  row->p_lo = pm.lo;
  row->p_hi = pm.hi;
  row->p_max_year_at = pm.at;
  row->first_bottleneck_year = pm.first;
  row->flagged = pm.flagged;
  row->flag_stable = pm.stable;
  row->flagged_other = -1;
  if (a->have_other && reform) {
    double best = 0.0;
    for (int y = a->y_first; y <= a->y_last; y++) {
      double p = (double)a->exceed_oth[(size_t)g * ny + y] / (double)n;
      if (y == a->y_first || p > best) best = p;
    }
    row->flagged_other = best >= out->p_star;
  }
  row->p_any_year = (double)a->any[g] / (double)n;

  bw_stat cs;
  if (st) {
    for (int r = 0; r < st->nrep; r++) {
      double cum = 0.0;
      for (int y = a->y_first; y <= a->y_last; y++) cum += get_total(st, r, g, y);
      buf[r] = cum;
    }
    bw_stat_compute(buf, (size_t)st->nrep, &cs);
  } else {
    cstat(&a->cum[g], et, &cs);
  }
  row->cum_mean = cs.mean;
  row->cum_q95 = cs.q95;
  row->cum_cvar95 = cs.cvar95;
  row->cum_se_mean = cs.se_mean;
  row->cum_se_q95 = cs.se_q95;
  row->cum_se_cvar95 = cs.se_cvar95;
  row->cum_q95_err = cs.err_q95;
  row->cum_cvar95_err = cs.err_cvar95;
}

/* Share of the variance of the cell due to the outer draws: one-way random
 * effects ANOVA over the K groups (unbalanced: n0 of Searle), from the exact
 * group sums. NaN when it cannot be estimated. */
static double param_share(const bw_acc *a, int g, int j) {
  const int K = a->K, ng = a->ng, ny = a->ny;
  long double N = 0, S = 0, ssw = 0, sb = 0, sumn2 = 0;
  int groups = 0;
  for (int k = 0; k < K; k++) {
    long double nk = (long double)a->kn[k];
    if (nk == 0) continue;
    size_t i = ((size_t)k * ng + g) * (size_t)(ny + 1) + j;
    long double s1 = (long double)a->ks1[i], s2 = (long double)a->ks2[i];
    ssw += s2 - s1 * s1 / nk;
    sb += s1 * s1 / nk;
    S += s1;
    N += nk;
    sumn2 += nk * nk;
    groups++;
  }
  if (groups < 2 || N <= groups) return NAN;
  long double ssb = sb - S * S / N;
  long double msw = ssw / (N - groups), msb = ssb / (groups - 1);
  long double n0 = (N - sumn2 / N) / (groups - 1);
  long double vb = (msb - msw) / n0;
  if (vb < 0) vb = 0;
  if (msw < 0) msw = 0;
  if (vb + msw <= 0) return NAN;
  return (double)(vb / (vb + msw));
}

static void summarise_regions(const bw_acc *a, const edge_tabs *et, bw_summary *out, double *buf) {
  const int ny = a->ny, nr = a->nr;
  const bw_data *d = bw_model_data(a->m);
  const bw_store *st = a->store;
  double lo[BW_MAX_YEARS], hi[BW_MAX_YEARS];
  for (int r = 0; r < nr; r++) {
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)r * ny + y;
      if (st) {
        for (int k = 0; k < st->nrep; k++) {
          double s = 0.0;
          for (int g = 0; g < a->ng; g++)
            if (d->g[g].region == r) s += get_total(st, k, g, y);
          buf[k] = s;
        }
        bw_stat_compute(buf, (size_t)st->nrep, &out->region[i]);
      } else {
        cell_stat_opt(a->n_reg ? &a->reg[i] : NULL, et, &out->region[i]);
      }
      proportion(a->reg_exceed[i], (uint64_t)a->n, &out->region_p_exceed[i],
                 &out->region_p_exceed_se[i], &lo[y], &hi[y]);
    }
    bw_region_row *row = &out->region_risk[r];
    memset(row, 0, sizeof *row);
    pmax pm = max_over_reform(out->region_p_exceed + (size_t)r * ny, out->region_p_exceed_se + (size_t)r * ny,
                              lo, hi, a->y_first, a->y_last, out->first_year, out->p_star);
    row->p_max_year = pm.p;
    row->p_se = pm.se;
    row->p_lo = pm.lo;
    row->p_hi = pm.hi;
    row->p_max_year_at = pm.at;
    row->flagged = pm.flagged;
    row->flag_stable = pm.stable;
    row->members_flagged_none = row->members_flagged_region = 0;
    for (int g = 0; g < a->ng; g++) {
      if (d->g[g].region != r) continue;
      row->members++;
      /* risk rows are still in gemeente order here */
      int own = out->risk[g].flagged, other = out->risk[g].flagged_other;
      int none = a->pooling == BW_POOL_NONE ? own : other;
      int pooled = a->pooling == BW_POOL_NONE ? other : own;
      if (none < 0 || row->members_flagged_none < 0) row->members_flagged_none = -1;
      else row->members_flagged_none += none;
      if (pooled < 0 || row->members_flagged_region < 0) row->members_flagged_region = -1;
      else row->members_flagged_region += pooled;
    }
  }
}

bw_summary *bw_summary_from_acc(const bw_acc *a, const bw_model *m) {
  if (!a || !m || a->n < 1 || a->m != m) return NULL;
  if (a->store && a->store->nrep != a->n) return NULL; /* exact: every slot filled */
  const bw_params *p = bw_model_params(m);
  const bw_data *d = bw_model_data(m);
  const int ng = a->ng, ny = a->ny, nr = a->nr;
  bw_summary *out = calloc(1, sizeof *out);
  if (!out) return NULL;
  out->nrep = (int)a->n;
  out->ng = ng;
  out->ny = ny;
  out->nr = nr;
  out->first_year = p->first_year;
  out->start_year = p->start_year;
  out->theta = a->theta;
  out->p_star = p->p_star;
  out->exact = a->store != NULL;
  out->pooling = a->pooling;

  size_t ngy = (size_t)ng * (size_t)ny, nqy = (size_t)BW_NQ * (size_t)ny;
  size_t nry = (size_t)(nr > 0 ? nr : 1) * (size_t)ny;
  int ok = 1;
  for (int v = 0; v < BW_NGV; v++) ok &= (out->gy[v] = calloc(ngy, sizeof(bw_stat))) != NULL;
  out->p_exceed = calloc(ngy, sizeof(double));
  out->p_exceed_se = calloc(ngy, sizeof(double));
  out->p_exceed_lo = calloc(ngy, sizeof(double));
  out->p_exceed_hi = calloc(ngy, sizeof(double));
  out->first_exceed = calloc((size_t)ng * (size_t)(ny + 1), sizeof(long long));
  out->national = calloc(nqy, sizeof(bw_stat));
  out->risk = calloc((size_t)ng, sizeof(bw_risk_row));
  out->region = calloc(nry, sizeof(bw_stat));
  out->region_p_exceed = calloc(nry, sizeof(double));
  out->region_p_exceed_se = calloc(nry, sizeof(double));
  out->region_risk = calloc((size_t)(nr > 0 ? nr : 1), sizeof(bw_region_row));
  if (a->K > 0) {
    out->split_k = a->K;
    ok &= (out->param_share = calloc((size_t)ng, sizeof(double))) != NULL;
    ok &= (out->param_share_year = calloc(ngy, sizeof(double))) != NULL;
  }
  if (a->dsum && a->dn[0] == (uint64_t)a->n) {
    ok &= (out->decomp = calloc((size_t)BW_NDECOMP * ngy, sizeof(double))) != NULL;
    ok &= (out->decomp_cum = calloc((size_t)BW_NDECOMP * ng, sizeof(double))) != NULL;
  }
  risk_key *keys = calloc((size_t)ng, sizeof *keys);
  bw_risk_row *ranked = calloc((size_t)ng, sizeof *ranked);
  int nthreads = omp_get_max_threads();
  if (nthreads < 1) nthreads = 1;
  size_t nbuf = a->store ? (size_t)a->store->nrep : 1;
  double *scratch = calloc((size_t)nthreads * nbuf, sizeof(double));
  /* the bin edges, one sinh per edge for all cells (not two per bin per cell) */
  edge_tabs et;
  memset(&et, 0, sizeof et);
  if (!a->store && !a->nocells) {
    size_t nc = n_cells(a), ng_ = 0, nn_ = 0;
    const bw_cell **gem = malloc((nc ? nc : 1) * sizeof *gem), **nat = malloc((nc ? nc : 1) * sizeof *nat);
    ok &= gem && nat;
    for (size_t j = 0; ok && j < nc; j++) {
      const bw_cell *c = cell_at((bw_acc *)a, j);
      if (j >= n_gy(a) + (size_t)a->ng && j < n_gy(a) + (size_t)a->ng + a->n_nat) nat[nn_++] = c;
      else gem[ng_++] = c;
    }
    if (ok) ok &= bw_edge_tab_build(&et.t[0], BW_GEM_INV_H, gem, ng_) == 0;
    if (ok) ok &= bw_edge_tab_build(&et.t[1], BW_NAT_INV_H, nat, nn_) == 0;
    free(gem), free(nat);
  } else {
    et.t[0].inv_h = BW_GEM_INV_H;
    et.t[1].inv_h = BW_NAT_INV_H;
  }
  if (!ok || !out->p_exceed || !out->p_exceed_se || !out->p_exceed_lo || !out->p_exceed_hi ||
      !out->first_exceed || !out->national || !out->risk || !out->region ||
      !out->region_p_exceed || !out->region_p_exceed_se || !out->region_risk || !keys || !ranked ||
      !scratch) {
    free(keys), free(ranked), free(scratch);
    bw_edge_tab_free(&et.t[0]), bw_edge_tab_free(&et.t[1]);
    bw_summary_free(out);
    return NULL;
  }

#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 4)
  for (int g = 0; g < ng; g++)
    summarise_gemeente(a, &et, out, g, scratch + (size_t)omp_get_thread_num() * nbuf);

  for (int q = 0; q < BW_NQ; q++)
    for (int y = 0; y < ny; y++) {
      size_t i = (size_t)q * ny + y;
      if (a->store)
        exact_stat(a->store, get_nat, q, y, scratch, &out->national[i]);
      else
        cell_stat_opt(a->n_nat ? &a->nat[i] : NULL, &et, &out->national[i]);
    }

  summarise_regions(a, &et, out, scratch);

  /* drivers: the model combines the means of the sums (bw_decomp_combine) */
  if (out->decomp) {
    out->decomp_have_old = a->dn[1] == (uint64_t)a->n;
    double tmean[BW_DECOMP_NTERMS * BW_MAX_YEARS], dv[BW_NDECOMP];
    double nn = (double)a->n * BW_FIX_SCALE;
    for (size_t j = 0; j < (size_t)BW_DECOMP_NTERMS * ny; j++) tmean[j] = (double)a->dterm[j] / nn;
    for (int g = 0; g < ng; g++)
      for (int y = 0; y < ny; y++) {
        size_t i = (size_t)g * ny + y;
        double old = out->decomp_have_old ? (double)a->dsum[3 * ngy + i] / nn : NAN;
        bw_decomp_combine(m, g, y, (double)a->dsum[i] / nn, old, (double)a->dsum[ngy + i] / nn,
                          (double)a->dsum[2 * ngy + i] / nn, tmean, dv);
        for (int k = 0; k < BW_NDECOMP; k++) {
          out->decomp[(size_t)k * ngy + i] = dv[k];
          if (y == 0) out->decomp_cum[(size_t)k * ng + g] = 0.0;
          if (y >= a->y_first && y <= a->y_last) out->decomp_cum[(size_t)k * ng + g] += dv[k];
        }
      }
  }

  if (a->K > 0)
    for (int g = 0; g < ng; g++) {
      for (int y = 0; y < ny; y++) out->param_share_year[(size_t)g * ny + y] = param_share(a, g, y);
      out->param_share[g] = param_share(a, g, ny);
    }

  /* rank: the order is total, so qsort's result is unique */
  for (int g = 0; g < ng; g++) {
    keys[g].row = &out->risk[g];
    keys[g].code = d->g[g].code;
  }
  qsort(keys, (size_t)ng, sizeof *keys, risk_cmp);
  out->n_flagged = out->n_unstable = out->n_flagged_other = 0;
  for (int i = 0; i < ng; i++) {
    ranked[i] = *keys[i].row;
    ranked[i].rank = i + 1;
    out->n_flagged += ranked[i].flagged;
    out->n_unstable += !ranked[i].flag_stable;
    if (ranked[i].flagged_other < 0 || out->n_flagged_other < 0) out->n_flagged_other = -1;
    else out->n_flagged_other += ranked[i].flagged_other;
  }
  memcpy(out->risk, ranked, (size_t)ng * sizeof *ranked);

  free(keys), free(ranked), free(scratch);
  bw_edge_tab_free(&et.t[0]), bw_edge_tab_free(&et.t[1]);
  return out;
}

int *bw_summary_row_index(const bw_summary *s) {
  int *ix = malloc((size_t)s->ng * sizeof *ix);
  if (ix)
    for (int i = 0; i < s->ng; i++) ix[s->risk[i].g] = i;
  return ix;
}

bw_summary *bw_summary_create(const bw_store *s, const bw_model *m) {
  if (!s || !m || s->nrep < 1) return NULL;
  const bw_data *d = bw_model_data(m);
  if (!d || d->ng != s->ng || bw_model_nyears(m) != s->ny) return NULL;
  bw_acc *a = bw_acc_create(m, 0);
  if (!a) return NULL;
  a->store = (bw_store *)s; /* borrowed: read only */
  a->owns_store = 0;
  a->have_other = 0;
  double *regsum = malloc(bw_acc_scratch_len(a) * sizeof *regsum);
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  int ok = regsum != NULL;
  size_t ngy = (size_t)s->ng * (size_t)s->ny, nqy = (size_t)BW_NQ * (size_t)s->ny;
  for (int r = 0; ok && r < s->nrep; r++)
    ok = add_values(a, r, s->shortfall_bw + r * ngy, s->shortfall_mo + r * ngy, s->national + r * nqy,
                    NULL, NULL, NULL, NULL, regsum, &ctx) == BW_OK;
  free(regsum);
  bw_summary *out = ok ? bw_summary_from_acc(a, m) : NULL;
  bw_acc_free(a);
  return out;
}
