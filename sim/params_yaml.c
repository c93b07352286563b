/* Params files (YAML) -> bw_params.
 *
 * One table (PARAMS below) lists every key of params/default.yaml with its
 * type, the field it fills and its valid range; adding a parameter is one
 * line there. The YAML is loaded with libyaml's document API and walked: a
 * dotted path that is in the table is parsed by its type, a path that is a
 * prefix of table keys is a section (a mapping), anything else is an unknown
 * key. The same table drives bw_params_validate, so a struct built in code is
 * checked exactly like one read from a file.
 *
 * YAML typing: numbers, booleans and null must be plain (unquoted) scalars,
 * as in the YAML core schema; "0.24" in quotes is a string and rejected with
 * a hint. Strings (run.name, enums, data paths) may be quoted or not.
 *
 * Layers: the params are built in layers, defaults first, then each file of
 * a base: chain from the deepest base up, then each --set. The walker
 * applies one layer onto the params so far and records, per key, which
 * layer set it last and at which line; the cross-field checks run once at
 * the end and blame that layer. A --set is a YAML document of one key
 * ("a.b.c=v" -> "a:\n  b:\n    c: v"), walked like a file without lines. */
#define _POSIX_C_SOURCE 200809L

#include "numparse.h"
#include "oracle.h"
#include "params_yaml.h"
#include "sketch.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

/* ---- the table ----------------------------------------------------------- */

typedef enum {
  T_INT,        /* int */
  T_U64,        /* uint64_t, any value */
  T_DOUBLE,     /* double */
  T_BOOL,       /* int 0/1 from true/false */
  T_NAME,       /* char[64], [A-Za-z0-9_.-]{1,63} */
  T_PATH,       /* char[BW_PATH_MAX], resolved against the file's directory */
  T_ENUM,       /* int-sized enum, value = index in names */
  T_OPT_YEAR,   /* int, null -> 0 */
  T_OPT_DOUBLE, /* double, null -> INFINITY */
  T_CARE3,      /* double[BW_NCARE] from {I, A, M}; a subset keeps the rest */
  T_WEIGHTS,    /* bw_weights from {constant, single_hh, nonwestern, urbanity} */
  T_DLIST       /* double[BW_MAX_YEARS] + int count (off_n) */
} ptype;

enum {
  F_MIN_EXCL = 1u << 0, /* value must be > min (else >= min) */
  F_MAX_EXCL = 1u << 1, /* value must be < max (else <= max) */
  F_INF_OK = 1u << 2,   /* +infinity is a valid value (max is then HUGE_VAL) */
  F_NONDECR = 1u << 3,  /* list: values nondecreasing */
  /* Budget side (bw_params_key_budget_side): read only by models/budget.c
   * (budgets, settlement, ingroeipad, bijsturing, pooling), by models/model.c
   * for the objective shares and ingroeipad steps that budget.c uses, or by
   * the statistics (flags.*), or run-level (run.name, run.replications). The
   * client kernels (models/flows.c, models/counts.c, models/uncertainty.c,
   * and models/meanfield.c for the flow ingroeipad) read none of these
   * fields, so two params that differ only here simulate the same clients
   * (checked by grep of p-> in those files; tests/test_scenarios.c compares
   * the client totals of real runs). */
  F_BUDGET = 1u << 4
};

typedef struct {
  const char *key; /* dotted path in the YAML */
  ptype type;
  size_t off;      /* offsetof(bw_params, field) */
  double min, max; /* range of the value (of each element for maps/lists) */
  unsigned flags;
  const char *const *names; /* T_ENUM: value names, index = enum value */
  size_t off_n;             /* T_DLIST: offset of the int count */
} pentry;

#define UNB HUGE_VAL /* no upper bound */
#define ROW(key, type, field, lo, hi, fl) {key, type, offsetof(bw_params, field), lo, hi, fl, NULL, 0}
#define ENUM(key, field, names, fl) \
  {key, T_ENUM, offsetof(bw_params, field), 0, (double)(sizeof names / sizeof *names) - 1, fl, names, 0}
#define YEAR_MIN 1900
#define YEAR_MAX 2200
/* Plausible ranges (docs/limits.md): each bounds one value with the others
 * at their defaults so that the run stays within what the engine represents
 * (a shortfall of at most 2.75e11 EUR in any cell of the statistics);
 * several values near their bounds at once, or a horizon of decades, can
 * still exceed it: bw_params_check_data refuses those before the run. Yearly growth rates: at most
 * 20 % a year either way. Money: national amounts per year, at most 1e11
 * EUR (the whole BW budget is 1.55e9). */
#define MONEY_MAX 1e11
#define GROWTH(key, field, fl) ROW(key, T_DOUBLE, field, -0.2, 0.2, (fl))
#define B F_BUDGET

static const char *const MODE_NAMES[] = {"flow", "linear", "custom"};
static const char *const POOL_NAMES[] = {"none", "region"};
static const char *const BIJST_NAMES[] = {"none", "pause", "macro_correct"};
static const char *const KERNEL_NAMES[] = {"individual", "counts"};
static const char *const CARE_NAMES[BW_NCARE] = {"I", "A", "M"};
static const char *const WEIGHT_NAMES[4] = {"constant", "single_hh", "nonwestern", "urbanity"};

_Static_assert(sizeof(bw_ingroei_mode) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(bw_pooling) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(bw_bijsturing) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(bw_kernel) == sizeof(int), "enums are stored as int");
_Static_assert(BW_INGROEI_CUSTOM == 2 && BW_POOL_REGION == 1 && BW_BIJST_MACRO == 2 && BW_KERNEL_COUNTS == 1,
               "enum values are the indices of their names");

static const pentry PARAMS[] = {
  ROW("run.name", T_NAME, name, 1, 63, B),
  ROW("run.replications", T_INT, replications, 1, 100000000, B),
  ROW("run.seed", T_U64, seed, 0, 0, 0),
  ROW("run.first_year", T_INT, first_year, YEAR_MIN, YEAR_MAX, 0),
  ROW("run.last_year", T_INT, last_year, YEAR_MIN, YEAR_MAX, 0),
  ENUM("run.kernel", kernel, KERNEL_NAMES, 0),

  ROW("data.gemeenten", T_PATH, gemeenten_path, 0, 0, 0),
  ROW("data.regions", T_PATH, regions_path, 0, 0, 0),

  ROW("flows.stock", T_CARE3, stock, 0, 1e6, 0),
  ROW("flows.rate_per_1000", T_CARE3, rate_per_1000, 0, 10, 0),
  ROW("flows.growth", T_CARE3, growth, -0.2, 0.2, 0),
  ROW("flows.dispersion", T_CARE3, dispersion, 0.01, UNB, F_INF_OK),
  ROW("flows.duration_mean_years", T_CARE3, duration_mean_years, 0.01, 100, 0),
  ROW("flows.duration_shape", T_CARE3, duration_shape, 0.1, 10, 0),
  ROW("flows.mortality_rate", T_CARE3, mortality_rate, 0, 10, 0),
  GROWTH("flows.population_growth", population_growth, 0),
  ROW("flows.p_step_down", T_DOUBLE, p_step_down, 0, 1, 0),
  ROW("flows.p_outside_region", T_DOUBLE, p_outside_region, 0, 1, 0),
  ROW("flows.supply_attraction", T_DOUBLE, supply_attraction, 0, 1, 0),
  ROW("flows.national_institution_share", T_DOUBLE, national_institution_share, 0, 1, 0),
  ROW("flows.wlz.p_wave", T_DOUBLE, wlz_p_wave, 0, 1, 0),
  ROW("flows.wlz.realisation_factor", T_DOUBLE, wlz_realisation_factor, 0, 10, 0),
  ROW("flows.wlz.hazard", T_DOUBLE, wlz_hazard, 0, 10, 0),
  ROW("flows.wlz.exit_rate", T_DOUBLE, wlz_exit_rate, 0, 10, 0),

  ROW("costs.tariff_eur_per_day", T_CARE3, tariff_eur_per_day, 0, 1e4, 0),
  GROWTH("costs.cost_index", cost_index, 0),

  GROWTH("budget.budget_index", budget_index, B),
  GROWTH("budget.volume_growth", volume_growth, B),
  ROW("budget.wlz_uitname_eur", T_DOUBLE, wlz_uitname_eur, 0, MONEY_MAX, B),
  ROW("budget.wlz_uitname_clients", T_DOUBLE, wlz_uitname_clients, 100, 1e7, B),
  ROW("budget.national_institutions_eur", T_DOUBLE, national_institutions_eur, 0, MONEY_MAX, B),
  /* the M tariff rise: flows.c and counts.c charge it to the clients */
  ROW("budget.mo_extra_eur", T_DOUBLE, mo_extra_eur, 0, MONEY_MAX, 0),
  ROW("budget.mo_extra_from", T_INT, mo_extra_from, YEAR_MIN, YEAR_MAX, 0),
  ROW("budget.verdeelmodel", T_WEIGHTS, verdeelmodel, 0, 1e6, B),
  ROW("budget.need", T_WEIGHTS, need, 0, 1e6, 0), /* entry rates: client side */

  /* who pays and the regimes: client side (flows.c, counts.c) */
  ROW("policy.start_year", T_INT, start_year, YEAR_MIN, YEAR_MAX, 0),
  ENUM("policy.ingroeipad.mode", ingroei_mode, MODE_NAMES, B),
  ROW("policy.ingroeipad.steps", T_INT, ingroei_steps, 1, BW_MAX_YEARS, B),
  ROW("policy.ingroeipad.complete_by", T_OPT_YEAR, complete_by, YEAR_MIN, YEAR_MAX, B),
  {"policy.ingroeipad.custom", T_DLIST, offsetof(bw_params, ingroei_custom), 0, 1, F_NONDECR | B, NULL,
   offsetof(bw_params, n_custom)},
  ENUM("policy.pooling", pooling, POOL_NAMES, B),
  ROW("policy.mo_decentralise_year", T_OPT_YEAR, mo_decentralise_year, YEAR_MIN, YEAR_MAX, 0),
  ROW("policy.old_regime_max_years", T_OPT_DOUBLE, old_regime_max_years, 0, UNB,
      F_MIN_EXCL | F_INF_OK),
  ENUM("policy.bijsturing.rule", bijsturing, BIJST_NAMES, B),
  ROW("policy.bijsturing.first_year", T_INT, bijsturing_first_year, YEAR_MIN, YEAR_MAX, B),
  ROW("policy.bijsturing.every", T_INT, bijsturing_every, 1, 100, B),
  ROW("policy.bijsturing.flag_fraction", T_DOUBLE, bijsturing_flag_fraction, 0, 1, B),

  ROW("uncertainty.enabled", T_BOOL, uncertainty_enabled, 0, 1, 0),
  ROW("uncertainty.rate_sigma", T_DOUBLE, rate_sigma, 0, 1, 0),
  ROW("uncertainty.duration_sigma", T_DOUBLE, duration_sigma, 0, 1, 0),
  ROW("uncertainty.wlz_factor_sigma", T_DOUBLE, wlz_factor_sigma, 0, 1, 0),
  ROW("uncertainty.cost_index_sd", T_DOUBLE, cost_index_sd, 0, 0.05, 0),
  ROW("uncertainty.need_effect_sigma", T_DOUBLE, need_effect_sigma, 0, 1, 0),
  ROW("uncertainty.outer_draws", T_INT, outer_draws, 0, 100000000, 0),

  ROW("flags.threshold_eur_per_inhabitant", T_DOUBLE, threshold_eur_per_inhabitant, -1e6, 1e6, B),
  ROW("flags.p_star", T_DOUBLE, p_star, 0, 1, F_MIN_EXCL | F_MAX_EXCL | B),
};
#undef B
#define NPARAMS ((int)(sizeof PARAMS / sizeof *PARAMS))

static int param_index(const char *key) {
  for (int i = 0; i < NPARAMS; i++)
    if (strcmp(PARAMS[i].key, key) == 0) return i;
  return -1;
}

/* A section is a proper prefix of some key ending at a dot: "flows", "flows.wlz". */
static int is_section(const char *path) {
  size_t n = strlen(path);
  for (int i = 0; i < NPARAMS; i++)
    if (strncmp(PARAMS[i].key, path, n) == 0 && PARAMS[i].key[n] == '.') return 1;
  return 0;
}

/* ---- messages ------------------------------------------------------------ */

#define KEY_MAX 256
#define SHOW_MAX 48

/* Where a message comes from. While a layer is walked: its name (a file,
 * or "--set key=value") and whether its lines are shown. In the cross-field
 * checks: per table entry, the layer that set it last (set_by, 1-based in
 * the order applied; 0 = no layer), its name and the line there (0 = none). */
typedef struct {
  const char *name;        /* the layer walked; the default name in the checks */
  int lines;               /* show "name:line:" (a file) or "name:" (a --set) */
  const int *set_by;       /* NPARAMS entries, or NULL (bw_params_validate) */
  const int *line;         /* NPARAMS entries, or NULL */
  const char *const *file; /* NPARAMS entries, or NULL */
  bw_ctx *ctx;
} src_t;

static bw_status failv(const src_t *s, const char *name, int line, const char *key, const char *fmt,
                       va_list ap) {
  char what[BW_MSG_MAX];
  vsnprintf(what, sizeof what, fmt, ap);
  if (line > 0) return bw_fail(s->ctx, BW_EPARAM, "%s:%d: %s: %s", name, line, key, what);
  return bw_fail(s->ctx, BW_EPARAM, "%s: %s: %s", name, key, what);
}

/* Message about the layer being walked, at line (shown for files). */
static bw_status fail_at(const src_t *s, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bw_status fail_at(const src_t *s, int line, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bw_status st = failv(s, s->name, s->lines ? line : 0, key, fmt, ap);
  va_end(ap);
  return st;
}

/* Message about `key` of table entry k, naming the layer and line that set k
 * (or s->name when no layer did). */
static bw_status fail_keyed(const src_t *s, int k, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bw_status fail_keyed(const src_t *s, int k, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *name = s->file && s->file[k] ? s->file[k] : s->name;
  bw_status st = failv(s, name, s->line ? s->line[k] : 0, key, fmt, ap);
  va_end(ap);
  return st;
}

#define fail_key(s, k, ...) fail_keyed(s, k, PARAMS[k].key, __VA_ARGS__)

/* "must be in 0..1", "must be > 0", "must be >= 0 and < 1" */
static void fmt_range(char *buf, size_t n, double lo, double hi, unsigned fl) {
  char a[32], b[32];
  bw_num_show(a, sizeof a, lo);
  bw_num_show(b, sizeof b, hi);
  const char *lop = (fl & F_MIN_EXCL) ? ">" : ">=";
  const char *hip = (fl & F_MAX_EXCL) ? "<" : "<=";
  if (hi == UNB && !(fl & F_INF_OK))
    snprintf(buf, n, "must be %s %s and finite", lop, a);
  else if (hi == UNB)
    snprintf(buf, n, "must be %s %s", lop, a);
  else if (!(fl & (F_MIN_EXCL | F_MAX_EXCL)))
    snprintf(buf, n, "must be in %s..%s", a, b);
  else
    snprintf(buf, n, "must be %s %s and %s %s", lop, a, hip, b);
}

static int in_range(double v, double lo, double hi, unsigned fl) {
  if (isnan(v)) return 0;
  if (isinf(v) && v > 0) return (fl & F_INF_OK) != 0;
  if ((fl & F_MIN_EXCL) ? !(v > lo) : !(v >= lo)) return 0;
  if ((fl & F_MAX_EXCL) ? !(v < hi) : !(v <= hi)) return 0;
  return 1;
}

/* ---- scalar parsing ------------------------------------------------------- */


static int ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

enum { NUM_NAN = -1 }; /* besides the bw_dec_status values */

/* YAML float: decimal, or .inf/inf/infinity with an optional sign (any
 * case). A decimal beyond a double's range, one that would round to 0 and a
 * subnormal are errors (bw_parse_decimal), never a silent inf or 0. */
static int parse_double(const char *t, double *out) {
  const char *q = t;
  int neg = 0;
  if (*q == '+' || *q == '-') neg = (*q++ == '-');
  if (ieq(q, ".inf") || ieq(q, "inf") || ieq(q, "infinity")) {
    *out = neg ? -INFINITY : INFINITY;
    return BW_DEC_OK;
  }
  if (ieq(q, ".nan") || ieq(q, "nan")) return NUM_NAN;
  return (int)bw_parse_decimal(t, out);
}

/* ---- the walker ------------------------------------------------------------ */

/* The params built so far and, per key, the layer that set it last. */
typedef struct {
  bw_params p;
  int set_by[NPARAMS];       /* 1-based layer number; 0 = defaults */
  int line[NPARAMS];         /* line in that layer; 0 = none (a --set) */
  const char *file[NPARAMS]; /* that layer's name (in names) */
  char **names;              /* owned: the name of each layer */
  int nlayers, cap;
} layers;

typedef struct {
  src_t s;
  yaml_document_t *doc;
  layers *L;
  bw_params *p;         /* &L->p */
  const char *base_dir; /* relative data paths of this layer */
  int layer;            /* this layer's number */
} walker;

static int node_line(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }

static const char *sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static int is_plain(const yaml_node_t *n) { return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE; }

static int is_null(const yaml_node_t *n) {
  if (n->type != YAML_SCALAR_NODE || !is_plain(n)) return 0;
  const char *v = sval(n);
  return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
         !strcmp(v, "NULL");
}

/* The scalar as quoted in a message: abc, "0.24" (quoted in the file), truncated. */
static void show(char *buf, size_t n, const yaml_node_t *v) {
  const char *t = sval(v);
  char tmp[SHOW_MAX + 4];
  size_t len = strlen(t);
  if (len > SHOW_MAX) {
    memcpy(tmp, t, SHOW_MAX);
    strcpy(tmp + SHOW_MAX, "...");
  } else {
    memcpy(tmp, t, len + 1);
  }
  if (is_plain(v))
    snprintf(buf, n, "%s", tmp);
  else
    snprintf(buf, n, "\"%s\", a quoted string", tmp);
}

static const char *kind(const yaml_node_t *v) {
  return v->type == YAML_MAPPING_NODE ? "a mapping" : v->type == YAML_SEQUENCE_NODE ? "a list" : "a scalar";
}

/* Value node v must be a scalar, else "must be <what>, not a mapping". */
static bw_status want_scalar(walker *w, const yaml_node_t *v, const char *key, const char *what) {
  if (v->type == YAML_SCALAR_NODE) {
    if (strlen(sval(v)) != v->data.scalar.length)
      return fail_at(&w->s, node_line(v), key, "contains a NUL character");
    return BW_OK;
  }
  return fail_at(&w->s, node_line(v), key, "must be %s, not %s", what, kind(v));
}

static bw_status get_double(walker *w, const yaml_node_t *v, const char *key, double lo, double hi,
                            unsigned fl, double *out) {
  bw_status st = want_scalar(w, v, key, "a number");
  if (st) return st;
  char got[SHOW_MAX + 32];
  show(got, sizeof got, v);
  if (!is_plain(v)) return fail_at(&w->s, node_line(v), key, "must be a number (got %s)", got);
  double x = 0;
  int pst = parse_double(sval(v), &x);
  switch (pst) {
  case BW_DEC_OK: break;
  case NUM_NAN: return fail_at(&w->s, node_line(v), key, "must be a number, not NaN");
  case BW_DEC_SYNTAX:
    if (is_null(v)) return fail_at(&w->s, node_line(v), key, "must be a number (got null)");
    return fail_at(&w->s, node_line(v), key, "must be a number (got %s)", got);
  default: return fail_at(&w->s, node_line(v), key, "%s (got %s)", bw_dec_problem((bw_dec_status)pst), got);
  }
  if (!in_range(x, lo, hi, fl)) {
    char r[128];
    fmt_range(r, sizeof r, lo, hi, fl);
    return fail_at(&w->s, node_line(v), key, "%s (got %s)", r, got);
  }
  *out = x;
  return BW_OK;
}

/* Integers: plain decimal digits, or a number with an integral value (1e6, 2022.0). */
static bw_status get_int(walker *w, const yaml_node_t *v, const char *key, double lo, double hi,
                         int *out) {
  bw_status st = want_scalar(w, v, key, "an integer");
  if (st) return st;
  char got[SHOW_MAX + 32];
  show(got, sizeof got, v);
  double x = 0;
  int pst = is_plain(v) ? parse_double(sval(v), &x) : BW_DEC_SYNTAX;
  if (pst == BW_DEC_OVERFLOW)
    return fail_at(&w->s, node_line(v), key, "%s (got %s)", bw_dec_problem(BW_DEC_OVERFLOW), got);
  if (pst != BW_DEC_OK || isinf(x)) {
    if (is_null(v)) return fail_at(&w->s, node_line(v), key, "must be an integer (got null)");
    return fail_at(&w->s, node_line(v), key, "must be an integer (got %s)", got);
  }
  if (x != floor(x)) return fail_at(&w->s, node_line(v), key, "must be an integer (got %s)", got);
  if (!(x >= lo && x <= hi)) {
    char r[128];
    fmt_range(r, sizeof r, lo, hi, 0);
    return fail_at(&w->s, node_line(v), key, "%s (got %s)", r, got);
  }
  *out = (int)x;
  return BW_OK;
}

static bw_status get_u64(walker *w, const yaml_node_t *v, const char *key, uint64_t *out) {
  bw_status st = want_scalar(w, v, key, "an integer");
  if (st) return st;
  char got[SHOW_MAX + 32];
  show(got, sizeof got, v);
  const char *t = sval(v);
  if (*t == '+') t++;
  int ok = is_plain(v) && *t != '\0';
  for (const char *q = t; ok && *q; q++) ok = isdigit((unsigned char)*q) != 0;
  if (!ok)
    return fail_at(&w->s, node_line(v), key, "must be an integer in 0..%llu (got %s)",
                   (unsigned long long)UINT64_MAX, got);
  errno = 0;
  unsigned long long x = strtoull(t, NULL, 10);
  if (errno == ERANGE || x > UINT64_MAX)
    return fail_at(&w->s, node_line(v), key, "must be an integer in 0..%llu (got %s)",
                   (unsigned long long)UINT64_MAX, got);
  *out = (uint64_t)x;
  return BW_OK;
}

/* Levenshtein distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b);
  if (na > KEY_MAX || nb > KEY_MAX) return (size_t)-1;
  size_t row[KEY_MAX + 1];
  for (size_t j = 0; j <= nb; j++) row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t up = row[j];
      size_t sub = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      size_t best = sub;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[nb];
}

static const char *leaf(const char *path) {
  const char *d = strrchr(path, '.');
  return d ? d + 1 : path;
}

/* Closest known key or section to an unknown path: a small typo in the whole
 * path, else the same leaf name in another section (start_year ->
 * policy.start_year), else a small typo in the leaf. Writes "" if none. */
static void suggest(const char *path, char *out, size_t n) {
  size_t best_d = (size_t)-1, best_leaf_d = (size_t)-1;
  char best[KEY_MAX] = "", best_leaf[KEY_MAX] = "";
  const char *pl = leaf(path);
  for (int i = 0; i < NPARAMS; i++) {
    /* the key itself and each section above it */
    char cand[KEY_MAX];
    snprintf(cand, sizeof cand, "%s", PARAMS[i].key);
    for (;;) {
      size_t d = edit_distance(path, cand);
      if (d < best_d) best_d = d, snprintf(best, sizeof best, "%s", cand);
      size_t dl = edit_distance(pl, leaf(cand));
      if (dl < best_leaf_d) best_leaf_d = dl, snprintf(best_leaf, sizeof best_leaf, "%s", cand);
      char *dot = strrchr(cand, '.');
      if (!dot) break;
      *dot = '\0';
    }
  }
  size_t plen = strlen(path), llen = strlen(pl);
  if (best_d <= 2 || (best_d <= 3 && plen >= 12))
    snprintf(out, n, "%s", best);
  else if (best_leaf_d == 0 || (best_leaf_d <= 2 && llen >= 5))
    snprintf(out, n, "%s", best_leaf);
  else
    out[0] = '\0';
}

static bw_status unknown_key(const src_t *s, int line, const char *path, const char *expected) {
  char sug[KEY_MAX];
  suggest(path, sug, sizeof sug);
  if (expected) return fail_at(s, line, path, "unknown key (expected %s)", expected);
  if (sug[0]) return fail_at(s, line, path, "unknown key, did you mean '%s'?", sug);
  return fail_at(s, line, path, "unknown key");
}

static void append(char *buf, size_t n, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "flows.wlz.hazard" as "flows: {wlz: {hazard: ...}}". */
static void nested_form(const char *dotted, char *out, size_t n) {
  size_t len = 0;
  int depth = 0;
  out[0] = '\0';
  for (const char *seg = dotted;; depth++) {
    size_t sl = strcspn(seg, ".");
    append(out, n, &len, "%s%.*s: ", depth ? "{" : "", (int)sl, seg);
    if (!seg[sl]) break;
    seg += sl + 1;
  }
  append(out, n, &len, "...");
  for (int i = 0; i < depth; i++) append(out, n, &len, "}");
}

/* Checks the keys of mapping m: scalar names without dots, no duplicates. */
static bw_status check_keys(walker *w, const yaml_node_t *m, const char *prefix) {
  for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
    const yaml_node_t *k = yaml_document_get_node(w->doc, pr->key);
    if (!k) return fail_at(&w->s, node_line(m), prefix[0] ? prefix : "(top level)", "bad key");
    const char *where = prefix[0] ? prefix : "(top level)";
    if (k->type != YAML_SCALAR_NODE)
      return fail_at(&w->s, node_line(k), where, "keys must be plain names, not %s", kind(k));
    if (strlen(sval(k)) != k->data.scalar.length || k->data.scalar.length >= KEY_MAX / 2)
      return fail_at(&w->s, node_line(k), where, "key too long or with a NUL character");
    if (strchr(sval(k), '.')) { /* one spelling per key: duplicates stay visible */
      char path[KEY_MAX], nested[KEY_MAX + 64];
      snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", sval(k));
      nested_form(sval(k), nested, sizeof nested);
      return fail_at(&w->s, node_line(k), path,
                     "a key is one name, not a dotted path: write nested sections, %s", nested);
    }
    for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < pr; q++) {
      const yaml_node_t *k0 = yaml_document_get_node(w->doc, q->key);
      if (strcmp(sval(k0), sval(k)) == 0) {
        char path[KEY_MAX];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", sval(k));
        return fail_at(&w->s, node_line(k), path, "duplicate key (first on line %d)", node_line(k0));
      }
    }
  }
  return BW_OK;
}

/* A map {name: number} over a fixed list of names, into vals[i]; names left
 * out keep their value. */
static bw_status get_named_doubles(walker *w, const pentry *e, const yaml_node_t *v,
                                   const char *const *names, int nnames, const char *what,
                                   const char *expected, double *vals) {
  if (v->type != YAML_MAPPING_NODE) {
    char got[SHOW_MAX + 32] = "";
    if (v->type == YAML_SCALAR_NODE) show(got, sizeof got, v);
    if (v->type == YAML_SCALAR_NODE)
      return fail_at(&w->s, node_line(v), e->key, "must be a map %s (got %s)", what,
                     is_null(v) ? "null" : got);
    return fail_at(&w->s, node_line(v), e->key, "must be a map %s, not %s", what, kind(v));
  }
  bw_status st = check_keys(w, v, e->key);
  if (st) return st;
  for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
    const yaml_node_t *k = yaml_document_get_node(w->doc, pr->key);
    const yaml_node_t *x = yaml_document_get_node(w->doc, pr->value);
    char path[KEY_MAX];
    snprintf(path, sizeof path, "%s.%s", e->key, sval(k));
    int idx = -1;
    for (int i = 0; i < nnames; i++)
      if (strcmp(sval(k), names[i]) == 0) idx = i;
    if (idx < 0) return unknown_key(&w->s, node_line(k), path, expected);
    st = get_double(w, x, path, e->min, e->max, e->flags, &vals[idx]);
    if (st) return st;
  }
  return BW_OK;
}

static int valid_name(const char *t) {
  size_t n = strlen(t);
  if (n < 1 || n > 63 || !strcmp(t, ".") || !strcmp(t, "..")) return 0;
  for (const char *q = t; *q; q++)
    if (!isalnum((unsigned char)*q) && *q != '_' && *q != '.' && *q != '-') return 0;
  return 1;
}

/* dir/rel (rel as is when absolute or dir is empty); 0 when too long. */
static int join_path(char *out, size_t n, const char *dir, const char *rel) {
  int len;
  if (rel[0] == '/' || !dir || !dir[0])
    len = snprintf(out, n, "%s", rel);
  else if (dir[strlen(dir) - 1] == '/')
    len = snprintf(out, n, "%s%s", dir, rel);
  else
    len = snprintf(out, n, "%s/%s", dir, rel);
  return len >= 0 && (size_t)len < n;
}

static bw_status set_value(walker *w, int k, const yaml_node_t *v) {
  const pentry *e = &PARAMS[k];
  char *field = (char *)w->p + e->off;
  char got[SHOW_MAX + 32] = "";
  bw_status st;

  switch (e->type) {
  case T_INT:
    return get_int(w, v, e->key, e->min, e->max, (int *)field);
  case T_OPT_YEAR:
    if (is_null(v)) {
      *(int *)field = 0;
      return BW_OK;
    }
    return get_int(w, v, e->key, e->min, e->max, (int *)field);
  case T_U64:
    return get_u64(w, v, e->key, (uint64_t *)field);
  case T_DOUBLE:
    return get_double(w, v, e->key, e->min, e->max, e->flags, (double *)field);
  case T_OPT_DOUBLE:
    if (is_null(v)) {
      *(double *)field = INFINITY;
      return BW_OK;
    }
    return get_double(w, v, e->key, e->min, e->max, e->flags, (double *)field);
  case T_BOOL: {
    if ((st = want_scalar(w, v, e->key, "true or false"))) return st;
    const char *t = sval(v);
    show(got, sizeof got, v);
    if (is_plain(v) && (!strcmp(t, "true") || !strcmp(t, "True") || !strcmp(t, "TRUE")))
      *(int *)field = 1;
    else if (is_plain(v) && (!strcmp(t, "false") || !strcmp(t, "False") || !strcmp(t, "FALSE")))
      *(int *)field = 0;
    else
      return fail_at(&w->s, node_line(v), e->key, "must be true or false (got %s)",
                     is_null(v) ? "null" : got);
    return BW_OK;
  }
  case T_ENUM: {
    if ((st = want_scalar(w, v, e->key, "a name"))) return st;
    int n = (int)e->max + 1;
    for (int i = 0; i < n; i++)
      if (strcmp(sval(v), e->names[i]) == 0) {
        *(int *)field = i;
        return BW_OK;
      }
    char list[128] = "";
    for (int i = 0; i < n; i++) {
      strncat(list, e->names[i], sizeof list - strlen(list) - 1);
      if (i + 1 < n) strncat(list, " | ", sizeof list - strlen(list) - 1);
    }
    show(got, sizeof got, v);
    return fail_at(&w->s, node_line(v), e->key, "must be one of %s (got %s)", list,
                   is_null(v) ? "null" : got);
  }
  case T_NAME: {
    if ((st = want_scalar(w, v, e->key, "a name"))) return st;
    show(got, sizeof got, v);
    if (is_null(v) || !valid_name(sval(v)))
      return fail_at(&w->s, node_line(v), e->key,
                     "must be 1 to 63 characters from A-Z a-z 0-9 _ . - (not . or ..) (got %s)",
                     is_null(v) ? "null" : got);
    snprintf(field, 64, "%s", sval(v));
    return BW_OK;
  }
  case T_PATH: {
    if ((st = want_scalar(w, v, e->key, "a file path"))) return st;
    if (is_null(v) || sval(v)[0] == '\0')
      return fail_at(&w->s, node_line(v), e->key, "must be a file path (got null)");
    char path[BW_PATH_MAX];
    if (!join_path(path, sizeof path, w->base_dir, sval(v)))
      return fail_at(&w->s, node_line(v), e->key, "path too long (over %d bytes)", BW_PATH_MAX - 1);
    struct stat sb;
    if (stat(path, &sb) != 0)
      return fail_at(&w->s, node_line(v), e->key, "data file %s: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
      return fail_at(&w->s, node_line(v), e->key, "data file %s: is %s, not a regular file", path,
                     bw_file_kind((unsigned)sb.st_mode));
    memcpy(field, path, strlen(path) + 1);
    return BW_OK;
  }
  case T_CARE3:
    return get_named_doubles(w, e, v, CARE_NAMES, BW_NCARE, "of care types {I, A, M}",
                             "I, A or M", (double *)field);
  case T_WEIGHTS: {
    bw_weights *bwv = (bw_weights *)field;
    double vals[4] = {bwv->constant, bwv->single_hh, bwv->nonwestern, bwv->urbanity};
    st = get_named_doubles(w, e, v, WEIGHT_NAMES, 4,
                           "of weights {constant, single_hh, nonwestern, urbanity}",
                           "constant, single_hh, nonwestern or urbanity", vals);
    if (st) return st;
    *bwv = (bw_weights){vals[0], vals[1], vals[2], vals[3]};
    return BW_OK;
  }
  case T_DLIST: {
    double *vals = (double *)field;
    int *count = (int *)((char *)w->p + e->off_n);
    if (is_null(v)) {
      *count = 0;
      return BW_OK;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
      if (v->type == YAML_SCALAR_NODE) show(got, sizeof got, v);
      return fail_at(&w->s, node_line(v), e->key, "must be a list of numbers, like [0.2, 0.5, 1] (got %s)",
                     v->type == YAML_SCALAR_NODE ? got : kind(v));
    }
    int n = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++, n++) {
      const yaml_node_t *x = yaml_document_get_node(w->doc, *it);
      char path[KEY_MAX];
      snprintf(path, sizeof path, "%s[%d]", e->key, n);
      if (n >= BW_MAX_YEARS)
        return fail_at(&w->s, node_line(x), e->key, "at most %d values", BW_MAX_YEARS);
      if ((st = get_double(w, x, path, e->min, e->max, e->flags, &vals[n]))) return st;
      if ((e->flags & F_NONDECR) && n > 0 && vals[n] < vals[n - 1]) {
        show(got, sizeof got, x);
        return fail_at(&w->s, node_line(x), path,
                       "values must be nondecreasing (got %s after %s)", got,
                       sval(yaml_document_get_node(w->doc, it[-1])));
      }
    }
    *count = n;
    return BW_OK;
  }
  }
  return fail_at(&w->s, node_line(v), e->key, "internal error: unknown type");
}

static bw_status walk_map(walker *w, const yaml_node_t *m, const char *prefix) {
  bw_status st = check_keys(w, m, prefix);
  if (st) return st;
  for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
    const yaml_node_t *k = yaml_document_get_node(w->doc, pr->key);
    const yaml_node_t *v = yaml_document_get_node(w->doc, pr->value);
    char path[KEY_MAX];
    snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", sval(k));
    int idx = param_index(path);
    if (!prefix[0] && !strcmp(path, "base")) {
      continue; /* loaded before this layer (apply_text) */
    } else if (idx >= 0) {
      w->L->set_by[idx] = w->layer;
      w->L->line[idx] = w->s.lines ? node_line(k) : 0;
      w->L->file[idx] = w->s.name;
      if ((st = set_value(w, idx, v))) return st;
    } else if (is_section(path)) {
      if (v->type == YAML_MAPPING_NODE) {
        if ((st = walk_map(w, v, path))) return st;
      } else if (!is_null(v)) { /* "flows:" with every line commented out is fine */
        char got[SHOW_MAX + 32] = "";
        if (v->type == YAML_SCALAR_NODE) show(got, sizeof got, v);
        return fail_at(&w->s, node_line(v), path, "must be a section (a mapping of keys), not %s",
                       v->type == YAML_SCALAR_NODE ? got : kind(v));
      }
    } else {
      return unknown_key(&w->s, node_line(k), path, NULL);
    }
  }
  return BW_OK;
}

/* ---- validation (table-driven + cross-field) ------------------------------- */

static bw_status check_range(const src_t *s, int k, const char *key, double v) {
  const pentry *e = &PARAMS[k];
  if (in_range(v, e->min, e->max, e->flags)) return BW_OK;
  char r[128], got[32];
  fmt_range(r, sizeof r, e->min, e->max, e->flags);
  bw_num_show(got, sizeof got, v);
  return fail_keyed(s, k, key, "%s (got %s)", r, isnan(v) ? "nan" : got);
}

/* The layer that set k last (later layers have higher numbers); 0 = none. */
static int set_by(const src_t *s, int k) { return s->set_by ? s->set_by[k] : 0; }

static int key_index(const char *key) {
  int k = param_index(key);
  if (k < 0) abort(); /* a typo in this file's own keys: caught by every test */
  return k;
}

/* va <= vb must hold. Blame the key set by the later layer; when one layer
 * set both (or none did), blame b. */
static bw_status check_le(const src_t *s, int ka, int va, int kb, int vb) {
  if (va <= vb) return BW_OK;
  if (set_by(s, kb) >= set_by(s, ka))
    return fail_key(s, kb, "must be >= %s (%d) (got %d)", PARAMS[ka].key, va, vb);
  return fail_key(s, ka, "must be <= %s (%d) (got %d)", PARAMS[kb].key, vb, va);
}

/* lo <= x <= hi must hold. Blame x unless the violated bound was set by a later layer. */
static bw_status check_between(const src_t *s, int klo, int lo, int kx, int x, int khi, int hi) {
  if (x >= lo && x <= hi) return BW_OK;
  int kb = x < lo ? klo : khi;
  if (set_by(s, kx) >= set_by(s, kb)) return fail_key(s, kx, "must be in %d..%d (got %d)", lo, hi, x);
  if (x < lo) return fail_key(s, klo, "must be <= %s (%d) (got %d)", PARAMS[kx].key, x, lo);
  return fail_key(s, khi, "must be >= %s (%d) (got %d)", PARAMS[kx].key, x, hi);
}

/* Every field against its table range. */
static bw_status validate_table(const src_t *s, const bw_params *p) {
  bw_status st = BW_OK;
  for (int k = 0; k < NPARAMS && !st; k++) {
    const pentry *e = &PARAMS[k];
    const char *field = (const char *)p + e->off;
    char key[KEY_MAX];
    switch (e->type) {
    case T_INT:
    case T_BOOL:
    case T_ENUM: st = check_range(s, k, e->key, *(const int *)field); break;
    case T_OPT_YEAR:
      if (*(const int *)field != 0) st = check_range(s, k, e->key, *(const int *)field);
      break;
    case T_U64: break;
    case T_DOUBLE:
    case T_OPT_DOUBLE: st = check_range(s, k, e->key, *(const double *)field); break;
    case T_NAME:
      if (!memchr(field, '\0', 64) || !valid_name(field))
        st = fail_key(s, k, "must be 1 to 63 characters from A-Z a-z 0-9 _ . - (not . or ..)");
      break;
    case T_PATH:
      if (!memchr(field, '\0', BW_PATH_MAX)) st = fail_key(s, k, "path not terminated");
      break;
    case T_CARE3:
      for (int c = 0; c < BW_NCARE && !st; c++) {
        snprintf(key, sizeof key, "%s.%s", e->key, CARE_NAMES[c]);
        st = check_range(s, k, key, ((const double *)field)[c]);
      }
      break;
    case T_WEIGHTS: {
      const bw_weights *b = (const bw_weights *)field;
      double v[4] = {b->constant, b->single_hh, b->nonwestern, b->urbanity};
      for (int i = 0; i < 4 && !st; i++) {
        snprintf(key, sizeof key, "%s.%s", e->key, WEIGHT_NAMES[i]);
        st = check_range(s, k, key, v[i]);
      }
      if (!st && !(v[0] + v[1] + v[2] + v[3] > 0))
        st = fail_key(s, k, "at least one weight must be > 0");
      break;
    }
    case T_DLIST: {
      int n = *(const int *)((const char *)p + e->off_n);
      const double *v = (const double *)field;
      if (n < 0 || n > BW_MAX_YEARS) {
        st = fail_key(s, k, "must have 0..%d values (got %d)", BW_MAX_YEARS, n);
        break;
      }
      for (int i = 0; i < n && !st; i++) {
        snprintf(key, sizeof key, "%s[%d]", e->key, i);
        st = check_range(s, k, key, v[i]);
        if (!st && (e->flags & F_NONDECR) && i > 0 && v[i] < v[i - 1])
          st = fail_keyed(s, k, key, "values must be nondecreasing (got %g after %g)", v[i],
                       v[i - 1]);
      }
      break;
    }
    }
  }
  return st;
}

static bw_status validate(const src_t *s, const bw_params *p) {
  bw_status st = validate_table(s, p);
  if (st) return st;
  const int first = key_index("run.first_year"), last = key_index("run.last_year");
  const int start = key_index("policy.start_year");
  if ((st = check_le(s, first, p->first_year, last, p->last_year))) return st;
  int nyears = bw_params_nyears(p);
  if (nyears > BW_MAX_YEARS || nyears >= 256) {
    int k = set_by(s, last) >= set_by(s, first) ? last : first;
    return fail_key(s, k, "the horizon run.first_year..run.last_year may span at most %d years (got %d..%d, %d years)",
                    BW_MAX_YEARS < 255 ? BW_MAX_YEARS : 255, p->first_year, p->last_year, nyears);
  }
  if ((st = check_between(s, first, p->first_year, start, p->start_year, last, p->last_year))) return st;
  if (p->complete_by != 0 &&
      (st = check_le(s, start, p->start_year, key_index("policy.ingroeipad.complete_by"), p->complete_by)))
    return st;
  /* from a simulated year on; a year after the horizon means "not within this run" */
  if ((st = check_le(s, first, p->first_year, key_index("budget.mo_extra_from"), p->mo_extra_from)))
    return st;
  if (p->mo_decentralise_year != 0 &&
      (st = check_between(s, first, p->first_year, key_index("policy.mo_decentralise_year"),
                          p->mo_decentralise_year, last, p->last_year)))
    return st;
  if (p->ingroei_mode == BW_INGROEI_CUSTOM && p->n_custom < 1) {
    int kc = key_index("policy.ingroeipad.custom"), km = key_index("policy.ingroeipad.mode");
    return fail_key(s, set_by(s, kc) >= set_by(s, km) ? kc : km,
                    "mode custom needs at least one value in policy.ingroeipad.custom "
                    "(nondecreasing, in 0..1)");
  }
  if (p->outer_draws > p->replications) { /* a nested design needs a replication per outer draw */
    int ko = key_index("uncertainty.outer_draws"), kr = key_index("run.replications");
    if (set_by(s, kr) > set_by(s, ko))
      return fail_key(s, kr, "must be >= uncertainty.outer_draws (%d) (got %d): every outer draw needs a replication",
                      p->outer_draws, p->replications);
    return fail_key(s, ko,
                    "must be <= the replications, run.replications or -n (%d) (got %d): every outer draw needs "
                    "a replication",
                    p->replications, p->outer_draws);
  }
  return BW_OK;
}

bw_status bw_params_validate(const bw_params *p, const char *name, bw_ctx *ctx) {
  src_t s = {name ? name : "params", 0, NULL, NULL, NULL, ctx};
  return validate(&s, p);
}

/* ---- loading ---------------------------------------------------------------- */

static bw_status yaml_error(const yaml_parser_t *ps, const char *name, const char *text, size_t len,
                            bw_ctx *ctx) {
  if (ps->error == YAML_MEMORY_ERROR) return bw_fail(ctx, BW_ENOMEM, "%s: out of memory reading YAML", name);
  const char *problem = ps->problem ? ps->problem : "unknown error";
  if (ps->error == YAML_READER_ERROR) {
    int line = 1;
    for (size_t i = 0; i < ps->problem_offset && i < len; i++) line += text[i] == '\n';
    return bw_fail(ctx, BW_EPARAM, "%s:%d: YAML syntax error: %s", name, line, problem);
  }
  int line = (int)ps->problem_mark.line + 1;
  if (ps->context)
    return bw_fail(ctx, BW_EPARAM, "%s:%d: YAML syntax error: %s (%s on line %d)", name, line, problem,
                   ps->context, (int)ps->context_mark.line + 1);
  return bw_fail(ctx, BW_EPARAM, "%s:%d: YAML syntax error: %s", name, line, problem);
}

/* ---- layers --------------------------------------------------------------------- */

static void layers_init(layers *L, const bw_params *start) {
  memset(L, 0, sizeof *L);
  memcpy(&L->p, start, sizeof L->p);
}

static void layers_free(layers *L) {
  for (int i = 0; i < L->nlayers; i++) free(L->names[i]);
  free(L->names);
  L->names = NULL;
  L->nlayers = L->cap = 0;
}

/* A new layer called name: its number (1-based), or 0 when out of memory. */
static int layers_push(layers *L, const char *name) {
  if (L->nlayers == L->cap) {
    int cap = L->cap ? 2 * L->cap : 8;
    char **nn = realloc(L->names, (size_t)cap * sizeof *nn);
    if (!nn) return 0;
    L->names = nn;
    L->cap = cap;
  }
  size_t n = strlen(name) + 1;
  char *copy = malloc(n);
  if (!copy) return 0;
  memcpy(copy, name, n);
  L->names[L->nlayers++] = copy;
  return L->nlayers;
}

/* The files of a base: chain, the loaded file first: their names (for the
 * message of a cycle) and identities (to find it). */
typedef struct {
  const char *name[BW_PARAMS_MAX_BASE];
  dev_t dev[BW_PARAMS_MAX_BASE];
  ino_t ino[BW_PARAMS_MAX_BASE];
  int known[BW_PARAMS_MAX_BASE]; /* 0: a text (bw_params_parse), no identity */
  int n;
} chain;

static void chain_push(chain *ch, const char *name, const struct stat *sb) {
  ch->name[ch->n] = name;
  ch->known[ch->n] = sb != NULL;
  ch->dev[ch->n] = sb ? sb->st_dev : 0;
  ch->ino[ch->n] = sb ? sb->st_ino : 0;
  ch->n++;
}

/* "a.yaml -> b.yaml -> last" */
static void chain_text(const chain *ch, const char *last, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; i <= ch->n && len < n; i++)
    len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? " -> " : "", i < ch->n ? ch->name[i] : last);
}

/* The directory of path: "" (the working directory) when it has no slash. */
static bw_status dir_of(const char *path, char *dir, size_t n, bw_ctx *ctx) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    dir[0] = '\0';
  else if (slash == path)
    snprintf(dir, n, "/");
  else if ((size_t)(slash - path) < n)
    snprintf(dir, n, "%.*s", (int)(slash - path), path);
  else
    return bw_fail(ctx, BW_EIO, "%s: path too long", path);
  return BW_OK;
}

static bw_status read_file(const char *path, char **text, size_t *len, bw_ctx *ctx);
static bw_status apply_text(layers *L, const char *text, size_t len, const char *name, const char *dir,
                            chain *ch, const char *set_key, bw_ctx *ctx);

/* The base: of the file whose top-level mapping is root, loaded as the
 * layers under it (none when it has no base:). */
static bw_status load_base(walker *w, const yaml_node_t *root, const char *dir, chain *ch) {
  const yaml_node_t *v = NULL;
  for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++)
    if (!strcmp(sval(yaml_document_get_node(w->doc, pr->key)), "base"))
      v = yaml_document_get_node(w->doc, pr->value);
  if (!v) return BW_OK;
  bw_status st = want_scalar(w, v, "base", "the path of a params file");
  if (st) return st;
  const char *rel = sval(v);
  if (is_null(v) || !rel[0])
    return fail_at(&w->s, node_line(v), "base", "must be the path of a params file (got null)");
  char full[BW_PATH_MAX], why[BW_MSG_MAX];
  if (!join_path(full, sizeof full, dir, rel))
    return fail_at(&w->s, node_line(v), "base", "path too long (over %d bytes)", BW_PATH_MAX - 1);
  struct stat sb;
  if (stat(full, &sb) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return fail_at(&w->s, node_line(v), "base", "file not found: %s", rel);
    return fail_at(&w->s, node_line(v), "base", "cannot read %s: %s", rel, strerror(errno));
  }
  if (!S_ISREG(sb.st_mode))
    return fail_at(&w->s, node_line(v), "base", "%s is %s, not a params file", rel, bw_file_kind((unsigned)sb.st_mode));
  for (int i = 0; i < ch->n; i++)
    if (ch->known[i] && ch->dev[i] == sb.st_dev && ch->ino[i] == sb.st_ino) {
      chain_text(ch, full, why, sizeof why);
      return fail_at(&w->s, node_line(v), "base", "cycle %s", why);
    }
  if (ch->n >= BW_PARAMS_MAX_BASE) {
    chain_text(ch, full, why, sizeof why);
    return fail_at(&w->s, node_line(v), "base", "more than %d files deep: %s", BW_PARAMS_MAX_BASE, why);
  }
  char *text = NULL, bdir[BW_PATH_MAX];
  size_t len = 0;
  bw_ctx rctx;
  bw_ctx_init(&rctx);
  if (read_file(full, &text, &len, &rctx) != BW_OK) {
    if (rctx.status == BW_ENOMEM) return bw_fail(w->s.ctx, BW_ENOMEM, "%s", rctx.msg);
    return fail_at(&w->s, node_line(v), "base", "cannot read %s (%s)", rel, rctx.msg);
  }
  if ((st = dir_of(full, bdir, sizeof bdir, w->s.ctx)) == BW_OK) {
    chain_push(ch, full, &sb);
    st = apply_text(w->L, text, len, full, bdir, ch, NULL, w->s.ctx);
    ch->n--;
  }
  free(text);
  return st;
}

/* The error of parser ps on text: a YAML syntax error at its line, or (a
 * --set, set_key) a bad value of that key. */
static bw_status parse_error(const yaml_parser_t *ps, const char *name, const char *text, size_t len,
                             const char *set_key, bw_ctx *ctx) {
  if (set_key && ps->error != YAML_MEMORY_ERROR)
    return bw_fail(ctx, BW_EPARAM, "%s: %s: not a valid YAML value (%s)", name, set_key,
                   ps->problem ? ps->problem : "syntax error");
  return yaml_error(ps, name, text, len, ctx);
}

/* "tag:yaml.org,2002:str" as written, "!!str"; other tags as they are. */
static void tag_text(const yaml_char_t *tag, char *buf, size_t n) {
  const char *t = (const char *)tag, *core = "tag:yaml.org,2002:";
  if (!strncmp(t, core, strlen(core)))
    snprintf(buf, n, "!!%.*s", SHOW_MAX, t + strlen(core));
  else
    snprintf(buf, n, "%.*s%s", SHOW_MAX, t, strlen(t) > SHOW_MAX ? "..." : "");
}

/* The text's events before it is loaded: nesting at most
 * BW_PARAMS_MAX_DEPTH deep and no explicit tags. A hostile text (100,000
 * levels of [[[[...) is refused at its first offence, after the few events
 * before it, instead of being loaded whole. The key of a message is the
 * path of the offending node ("(top level)" for the root, "key[i]" for a
 * list item); the path of keys deeper than KEY_MAX is cut. */
typedef struct {
  int map, want_key; /* a mapping, and its next node is a key */
  long item;         /* a list: index of its next item */
  size_t base;       /* strlen of the container's own path */
} scan_frame;

static bw_status prescan(const src_t *s, const char *text, size_t len, const char *set_key) {
  yaml_parser_t ps;
  if (!yaml_parser_initialize(&ps)) return bw_fail(s->ctx, BW_ENOMEM, "%s: cannot start the YAML parser", s->name);
  yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
  scan_frame fr[BW_PARAMS_MAX_DEPTH];
  char path[KEY_MAX] = "", key[KEY_MAX], tag[SHOW_MAX + 8];
  size_t plen = 0;
  int depth = 0;
  bw_status st = BW_OK;
  for (int done = 0; !done && !st;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&ps, &ev)) {
      st = parse_error(&ps, s->name, text, len, set_key, s->ctx);
      break;
    }
    int line = (int)ev.start_mark.line + 1, is_node = 0, opens = 0, closes = 0;
    const yaml_char_t *etag = NULL;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT: done = 1; break;
    case YAML_SCALAR_EVENT: is_node = 1, etag = ev.data.scalar.tag; break;
    case YAML_ALIAS_EVENT: is_node = 1; break;
    case YAML_SEQUENCE_START_EVENT: is_node = opens = 1, etag = ev.data.sequence_start.tag; break;
    case YAML_MAPPING_START_EVENT: is_node = opens = 1, etag = ev.data.mapping_start.tag; break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: closes = 1; break;
    default: break;
    }
    int as_key = 0;
    if (is_node && depth > 0) {
      scan_frame *top = &fr[depth - 1];
      if (top->map) {
        as_key = top->want_key;
      } else { /* a list item: key[i] */
        char idx[32];
        snprintf(idx, sizeof idx, "[%ld]", top->item);
        plen = top->base;
        path[plen] = '\0';
        append(path, sizeof path, &plen, "%s", idx);
      }
    }
    /* the node's path: a key is shown at its mapping's path */
    snprintf(key, sizeof key, "%s", path);
    if (as_key) key[fr[depth - 1].base] = '\0';
    const char *where = key[0] ? key : "(top level)";
    if (etag) {
      tag_text(etag, tag, sizeof tag);
      st = fail_at(s, line, where, "YAML tags are not allowed (got %s): write the value without a tag", tag);
    } else if (opens && depth == BW_PARAMS_MAX_DEPTH) {
      st = fail_at(s, line, where, "nested deeper than %d levels (a params file needs 4)", BW_PARAMS_MAX_DEPTH);
    } else if (opens) {
      fr[depth].map = ev.type == YAML_MAPPING_START_EVENT;
      fr[depth].want_key = 1;
      fr[depth].item = 0;
      fr[depth].base = plen;
      depth++;
    }
    if (!st && as_key && ev.type == YAML_SCALAR_EVENT) { /* the path of the value that follows */
      plen = fr[depth - 1].base;
      path[plen] = '\0';
      append(path, sizeof path, &plen, "%s%.*s", plen ? "." : "", KEY_MAX / 2, (const char *)ev.data.scalar.value);
    }
    if (!st && closes && depth > 0) depth--;
    /* a node is complete: a scalar, an alias or the end of a container */
    if (!st && ((is_node && !opens) || closes) && depth > 0) {
      scan_frame *top = &fr[depth - 1];
      int was_key = top->map && top->want_key;
      if (top->map) top->want_key = !top->want_key;
      else top->item++;
      if (!was_key) {
        plen = top->base;
        path[plen] = '\0';
      }
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&ps);
  return st;
}

/* One YAML text as a layer onto L: its base: first (a file; chain holds the
 * files above it), then its keys. set_key: the key of a --set (no lines, no
 * base:, a YAML error is a bad value of that key); NULL for a file. */
static bw_status apply_text(layers *L, const char *text, size_t len, const char *name, const char *dir,
                            chain *ch, const char *set_key, bw_ctx *ctx) {
  if (len > BW_PARAMS_MAX_BYTES) {
    char lim[32];
    bw_size_text(lim, sizeof lim, BW_PARAMS_MAX_BYTES);
    return bw_fail(ctx, BW_EPARAM, "%s: larger than %s (%zu bytes): not a params file", name, lim, len);
  }
  src_t pre = {name, set_key == NULL, NULL, NULL, NULL, ctx};
  bw_status pst = prescan(&pre, text, len, set_key);
  if (pst) return pst;
  yaml_parser_t ps;
  if (!yaml_parser_initialize(&ps)) return bw_fail(ctx, BW_ENOMEM, "%s: cannot start the YAML parser", name);
  yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
  yaml_document_t doc;
  if (!yaml_parser_load(&ps, &doc)) {
    bw_status st = parse_error(&ps, name, text, len, set_key, ctx);
    yaml_parser_delete(&ps);
    return st;
  }
  walker w = {.s = {name, set_key == NULL, NULL, NULL, NULL, ctx}, .doc = &doc, .L = L, .p = &L->p,
              .base_dir = dir};
  bw_status st = BW_OK;
  const yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (root && root->type == YAML_MAPPING_NODE) {
    st = check_keys(&w, root, "");
    if (!st && !set_key) st = load_base(&w, root, dir, ch);
    if (!st && !(w.layer = layers_push(L, name))) st = bw_fail(ctx, BW_ENOMEM, "%s: out of memory", name);
    if (!st) {
      w.s.name = L->names[w.layer - 1];
      st = walk_map(&w, root, "");
    }
  } else if (root && !is_null(root)) {
    st = fail_at(&w.s, node_line(root), "(top level)",
                 "must be a mapping of sections (run, data, flows, costs, budget, policy, "
                 "uncertainty, flags), not %s", kind(root));
  }
  if (!st) { /* a second document would be silently ignored: refuse it */
    yaml_document_t doc2;
    if (!yaml_parser_load(&ps, &doc2)) {
      st = yaml_error(&ps, name, text, len, ctx);
    } else {
      const yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
      if (r2) st = fail_at(&w.s, node_line(r2), "(top level)", "only one YAML document is allowed");
      yaml_document_delete(&doc2);
    }
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&ps);
  return st;
}

/* ---- data paths ------------------------------------------------------------------- */

static const struct {
  const char *key, *shipped, *file;
} DATA_KEYS[2] = {{"data.gemeenten", BW_SHIPPED_GEMEENTEN, "gemeenten.csv"},
                  {"data.regions", BW_SHIPPED_REGIONS, "regions.csv"}};

static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* A data path that names the shipped table itself becomes the shipped path,
 * so that the resolved params do not depend on how a file spelled it. */
static void canon_data(bw_params *p) {
  for (int i = 0; i < 2; i++) {
    char *path = (char *)p + PARAMS[key_index(DATA_KEYS[i].key)].off;
    if (strcmp(path, DATA_KEYS[i].shipped) != 0 && same_file(path, DATA_KEYS[i].shipped))
      snprintf(path, BW_PATH_MAX, "%s", DATA_KEYS[i].shipped);
  }
}

void bw_params_defaults_shipped(bw_params *p) {
  bw_params_defaults(p);
  for (int i = 0; i < 2; i++)
    snprintf((char *)p + PARAMS[key_index(DATA_KEYS[i].key)].off, BW_PATH_MAX, "%s", DATA_KEYS[i].shipped);
}

/* After the last layer: the shipped data where no layer named a table, then
 * the cross-field checks (keys no layer set are blamed on `name`). */
static bw_status finish(layers *L, const char *name, bw_ctx *ctx) {
  for (int i = 0; i < 2; i++) {
    int k = key_index(DATA_KEYS[i].key);
    if (!L->set_by[k]) snprintf((char *)&L->p + PARAMS[k].off, BW_PATH_MAX, "%s", DATA_KEYS[i].shipped);
  }
  canon_data(&L->p);
  src_t s = {name, 1, L->set_by, L->line, L->file, ctx};
  return validate(&s, &L->p);
}

/* ---- --set ------------------------------------------------------------------------ */

/* The table entry of the map (T_CARE3, T_WEIGHTS) that key is a key of
 * (flows.stock.I -> flows.stock), or -1. The leaf is not checked against the
 * map's names. */
static int map_parent(const char *key) {
  const char *dot = strrchr(key, '.');
  if (!dot || !dot[1] || (size_t)(dot - key) >= KEY_MAX) return -1;
  for (const char *q = dot + 1; *q; q++)
    if (!isalnum((unsigned char)*q) && *q != '_') return -1;
  char parent[KEY_MAX];
  snprintf(parent, sizeof parent, "%.*s", (int)(dot - key), key);
  int k = param_index(parent);
  return k >= 0 && (PARAMS[k].type == T_CARE3 || PARAMS[k].type == T_WEIGHTS) ? k : -1;
}

/* The names of the map of entry k, and their count. */
static const char *const *map_names(int k, int *n) {
  *n = PARAMS[k].type == T_CARE3 ? BW_NCARE : 4;
  return PARAMS[k].type == T_CARE3 ? CARE_NAMES : WEIGHT_NAMES;
}

/* Index of the leaf of key in the names of its map (entry k), or -1. */
static int map_index(int k, const char *key) {
  int n;
  const char *const *names = map_names(k, &n);
  for (int i = 0; i < n; i++)
    if (!strcmp(leaf(key), names[i])) return i;
  return -1;
}

static void yaml_quoted(char *out, size_t n, const char *t);

/* "key=value" as a one-key YAML document, walked as the next layer of L. */
static bw_status apply_set(layers *L, const char *assignment, const char *origin, bw_ctx *ctx) {
  if (!origin || !origin[0]) origin = "--set";
  if (!assignment) return bw_fail(ctx, BW_EPARAM, "%s: no key=value given", origin);
  char name[KEY_MAX + SHOW_MAX + 16];
  snprintf(name, sizeof name, "%s %.*s%s", origin, KEY_MAX + SHOW_MAX - 4, assignment,
           strlen(assignment) > KEY_MAX + SHOW_MAX - 4 ? "..." : "");
  src_t s = {name, 0, NULL, NULL, NULL, ctx};
  const char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment)
    return bw_fail(ctx, BW_EPARAM, "%s: must be key=value, e.g. policy.pooling=region", name);
  const char *value = eq + 1;
  char key[KEY_MAX];
  if ((size_t)(eq - assignment) >= sizeof key) return fail_at(&s, 0, "(key)", "key too long");
  snprintf(key, sizeof key, "%.*s", (int)(eq - assignment), assignment);
  if (!strcmp(key, "base"))
    return fail_at(&s, 0, key, "only a params file can name a base (write base: FILE in the file)");
  int k = param_index(key);
  if (k < 0 && !is_section(key) && map_parent(key) < 0) return unknown_key(&s, 0, key, NULL);
  for (const char *q = value; *q; q++)
    if ((unsigned char)*q < 0x20 || *q == 0x7f)
      return fail_at(&s, 0, key, "the value must be one line without control characters");

  /* a:\n  b:\n    c: value -- a data path quoted, so that any file name is a string */
  size_t cap = strlen(key) * 3 + 4 * strlen(value) + 64;
  char *doc = malloc(cap);
  if (!doc) return bw_fail(ctx, BW_ENOMEM, "%s: out of memory", name);
  size_t len = 0;
  int depth = 0;
  for (const char *seg = key;; depth++) {
    const char *dot = strchr(seg, '.');
    len += (size_t)snprintf(doc + len, cap - len, "%*s%.*s:%s", 2 * depth, "",
                            (int)(dot ? (size_t)(dot - seg) : strlen(seg)), seg, dot ? "\n" : " ");
    if (!dot) break;
    seg = dot + 1;
  }
  if (k >= 0 && PARAMS[k].type == T_PATH && value[0])
    yaml_quoted(doc + len, cap - len, value);
  else
    snprintf(doc + len, cap - len, "%s", value);
  len += strlen(doc + len);
  bw_status st = apply_text(L, doc, len, name, "", NULL, key, ctx);
  free(doc);
  return st;
}

bw_status bw_params_apply_set(bw_params *p, const char *assignment, const char *origin, bw_ctx *ctx) {
  layers L;
  layers_init(&L, p);
  bw_status st = apply_set(&L, assignment, origin, ctx);
  if (!st) {
    canon_data(&L.p);
    memcpy(p, &L.p, sizeof *p);
  }
  layers_free(&L);
  return st;
}

/* ---- the loaders ------------------------------------------------------------------- */

bw_status bw_params_parse(const char *text, const char *name, const char *base_dir, bw_params *p,
                          bw_ctx *ctx) {
  if (!name) name = "params";
  if (!text) return bw_fail(ctx, BW_EPARAM, "%s: no text", name);
  bw_params d;
  bw_params_defaults(&d);
  layers L;
  layers_init(&L, &d);
  chain ch = {.n = 0};
  chain_push(&ch, name, NULL);
  bw_status st = apply_text(&L, text, strlen(text), name, base_dir ? base_dir : "", &ch, NULL, ctx);
  if (!st) st = finish(&L, name, ctx);
  if (!st) memcpy(p, &L.p, sizeof *p);
  layers_free(&L);
  return st;
}

/* Whole file into a NUL-terminated buffer: a regular file of at most
 * BW_PARAMS_MAX_BYTES. */
static bw_status read_file(const char *path, char **text, size_t *len, bw_ctx *ctx) {
  return bw_read_input_file(path, BW_PARAMS_MAX_BYTES, BW_EPARAM, "params file", text, len, ctx);
}

/* The file at path (with its base: chain) as the first layers of L; *text
 * gets the file text (caller frees). */
static bw_status load_layers(layers *L, const char *path, char **text, bw_ctx *ctx) {
  *text = NULL;
  if (!path) return bw_fail(ctx, BW_EIO, "params file: no path given");
  char dir[BW_PATH_MAX];
  size_t len = 0;
  bw_status st = dir_of(path, dir, sizeof dir, ctx);
  if (!st) st = read_file(path, text, &len, ctx);
  if (st) return st;
  struct stat sb;
  chain ch = {.n = 0};
  chain_push(&ch, path, stat(path, &sb) == 0 ? &sb : NULL);
  return apply_text(L, *text, len, path, dir, &ch, NULL, ctx);
}

/* path with its base: chain, then the sets, then the checks, into *out;
 * *file_text (if not NULL) gets the text of the file at path. */
static bw_status load_all(const char *path, const char *const *sets, int nsets, bw_params *out,
                          char **file_text, bw_ctx *ctx) {
  bw_params d;
  bw_params_defaults(&d);
  layers L;
  layers_init(&L, &d);
  char *text = NULL;
  bw_status st = load_layers(&L, path, &text, ctx);
  for (int i = 0; i < nsets && !st; i++) st = apply_set(&L, sets[i], "--set", ctx);
  if (!st) st = finish(&L, path, ctx);
  if (!st) memcpy(out, &L.p, sizeof *out);
  layers_free(&L);
  if (st || !file_text)
    free(text);
  else
    *file_text = text;
  return st;
}

bw_status bw_params_load(const char *path, bw_params *p, char **text_out, bw_ctx *ctx) {
  if (text_out) *text_out = NULL;
  return load_all(path, NULL, 0, p, text_out, ctx);
}

bw_status bw_params_load_with(const char *path, const char *const *sets, int nsets, bw_params *p,
                              char **text_out, bw_ctx *ctx) {
  if (text_out) *text_out = NULL;
  bw_params tmp;
  bw_status st = load_all(path, sets, nsets, &tmp, NULL, ctx);
  char *yaml = NULL;
  if (!st && text_out && !(yaml = bw_params_to_yaml(&tmp)))
    st = bw_fail(ctx, BW_ENOMEM, "%s: out of memory", path);
  if (st) return st;
  memcpy(p, &tmp, sizeof *p);
  if (text_out) *text_out = yaml;
  return BW_OK;
}

/* ---- the params as text ------------------------------------------------------------- */

/* v exactly, as short as possible: 2021, 0.8, 1e-07, .inf. */
static void fmt_exact(char *buf, size_t n, double v) {
  if (isnan(v)) {
    snprintf(buf, n, ".nan");
  } else if (isinf(v)) {
    snprintf(buf, n, "%s", v > 0 ? ".inf" : "-.inf");
  } else if (v == floor(v) && fabs(v) < 1e15) {
    snprintf(buf, n, "%.0f", v);
  } else {
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(buf, n, "%.*g", prec, v);
      for (char *c = buf; *c; c++) /* whatever LC_NUMERIC says */
        if (*c == ',') *c = '.';
      if (bw_strtod_c(buf) == v) break;
    }
  }
}

/* Appends printf output to buf (capacity n, *len used), truncating. */
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t n, size_t *len, const char *fmt, ...) {
  if (*len >= n) return;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + *len, n - *len, fmt, ap);
  va_end(ap);
  if (w > 0) *len = *len + (size_t)w < n ? *len + (size_t)w : n - 1;
}

/* The value of table entry k in p, as a YAML flow value (strings unquoted). */
static void value_text(const bw_params *p, int k, char *buf, size_t n) {
  const pentry *e = &PARAMS[k];
  const char *field = (const char *)p + e->off;
  char num[40];
  size_t len = 0;
  buf[0] = '\0';
  switch (e->type) {
  case T_INT: append(buf, n, &len, "%d", *(const int *)field); break;
  case T_U64: append(buf, n, &len, "%llu", (unsigned long long)*(const uint64_t *)field); break;
  case T_DOUBLE: fmt_exact(buf, n, *(const double *)field); break;
  case T_BOOL: append(buf, n, &len, "%s", *(const int *)field ? "true" : "false"); break;
  case T_NAME: append(buf, n, &len, "%.63s", field); break;
  case T_PATH: append(buf, n, &len, "%.*s", BW_PATH_MAX - 1, field); break;
  case T_ENUM: {
    int v = *(const int *)field;
    append(buf, n, &len, "%s", v >= 0 && v <= (int)e->max ? e->names[v] : "?");
    break;
  }
  case T_OPT_YEAR:
    if (*(const int *)field == 0) append(buf, n, &len, "null");
    else append(buf, n, &len, "%d", *(const int *)field);
    break;
  case T_OPT_DOUBLE:
    if (isinf(*(const double *)field) && *(const double *)field > 0) append(buf, n, &len, "null");
    else fmt_exact(buf, n, *(const double *)field);
    break;
  case T_CARE3:
  case T_WEIGHTS: {
    int nn;
    const char *const *names = map_names(k, &nn);
    const bw_weights *w = (const bw_weights *)field;
    const double *c3 = (const double *)field;
    for (int i = 0; i < nn; i++) {
      double v = e->type == T_CARE3 ? c3[i] : i == 0 ? w->constant : i == 1 ? w->single_hh
                                              : i == 2 ? w->nonwestern : w->urbanity;
      fmt_exact(num, sizeof num, v);
      append(buf, n, &len, "%s%s: %s%s", i ? ", " : "{", names[i], num, i + 1 < nn ? "" : "}");
    }
    break;
  }
  case T_DLIST: {
    int cnt = *(const int *)((const char *)p + e->off_n);
    append(buf, n, &len, "[");
    for (int i = 0; i < cnt && i < BW_MAX_YEARS; i++) {
      fmt_exact(num, sizeof num, ((const double *)field)[i]);
      append(buf, n, &len, "%s%s", i ? ", " : "", num);
    }
    append(buf, n, &len, "]");
    break;
  }
  }
}

int bw_params_value_text(const bw_params *p, const char *key, char *buf, size_t n) {
  if (!key || !buf || n == 0) return -1;
  int k = param_index(key);
  if (k >= 0) {
    value_text(p, k, buf, n);
    return 0;
  }
  int i;
  if ((k = map_parent(key)) < 0 || (i = map_index(k, key)) < 0) return -1;
  const char *field = (const char *)p + PARAMS[k].off;
  if (PARAMS[k].type == T_CARE3) {
    fmt_exact(buf, n, ((const double *)field)[i]);
  } else {
    const bw_weights *w = (const bw_weights *)field;
    fmt_exact(buf, n, i == 0 ? w->constant : i == 1 ? w->single_hh : i == 2 ? w->nonwestern : w->urbanity);
  }
  return 0;
}

int bw_params_nkeys(void) { return NPARAMS; }

const char *bw_params_key(int i) { return i >= 0 && i < NPARAMS ? PARAMS[i].key : NULL; }

int bw_params_key_budget_side(const char *key) {
  if (!key) return -1;
  int k = param_index(key);
  if (k < 0 && (k = map_parent(key)) >= 0 && map_index(k, key) < 0) return -1;
  if (k >= 0) return (PARAMS[k].flags & F_BUDGET) != 0;
  if (!is_section(key)) return -1;
  size_t n = strlen(key);
  for (int i = 0; i < NPARAMS; i++)
    if (!strncmp(PARAMS[i].key, key, n) && PARAMS[i].key[n] == '.' && !(PARAMS[i].flags & F_BUDGET)) return 0;
  return 1;
}

int bw_params_same_clients(const bw_params *a, const bw_params *b) {
  char va[BW_PARAMS_TEXT_MAX], vb[BW_PARAMS_TEXT_MAX];
  for (int k = 0; k < NPARAMS; k++) {
    if (PARAMS[k].flags & F_BUDGET) continue;
    value_text(a, k, va, sizeof va);
    value_text(b, k, vb, sizeof vb);
    if (strcmp(va, vb) != 0) return 0;
  }
  return 1;
}

/* t as a YAML double-quoted scalar (", \ and control characters escaped). */
static void yaml_quoted(char *out, size_t n, const char *t) {
  size_t len = 0;
  append(out, n, &len, "\"");
  for (const unsigned char *c = (const unsigned char *)t; *c; c++) {
    if (*c == '"' || *c == '\\') append(out, n, &len, "\\%c", *c);
    else if (*c < 0x20 || *c == 0x7f) append(out, n, &len, "\\x%02x", *c);
    else append(out, n, &len, "%c", *c);
  }
  append(out, n, &len, "\"");
}

/* A growing text; oom set when an allocation failed. */
typedef struct {
  char *s;
  size_t len, cap;
  int oom;
} sbuf;

static void sb_puts(sbuf *b, const char *t) {
  size_t n = strlen(t);
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + n + 1 > cap) cap *= 2;
    char *ns = realloc(b->s, cap);
    if (!ns) {
      b->oom = 1;
      return;
    }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->len, t, n + 1);
  b->len += n;
}

/* Number of leading dotted segments that a and b share ("policy.bijsturing"
 * and "policy.ingroeipad": 1); an empty string has none. */
static int common_segments(const char *a, const char *b) {
  if (!a[0] || !b[0]) return 0;
  int n = 0;
  for (;;) {
    size_t la = strcspn(a, "."), lb = strcspn(b, ".");
    if (la != lb || strncmp(a, b, la) != 0) return n;
    n++;
    if (!a[la] || !b[lb]) return n;
    a += la + 1;
    b += lb + 1;
  }
}

/* The params as YAML: every key, or (changed) those that differ from
 * bw_params_defaults_shipped. Sections are nested as in default.yaml (the
 * keys of a section are contiguous in the table). */
static char *to_yaml(const bw_params *p, int changed) {
  bw_params ref;
  bw_params_defaults_shipped(&ref);
  sbuf b = {0};
  sb_puts(&b, changed ? "# bwsim params: what differs from the defaults (read back, the same params)\n"
                      : "# bwsim params, fully resolved: every key with its value\n");
  char open[KEY_MAX] = ""; /* the sections open in the text */
  char *v = malloc(BW_PARAMS_TEXT_MAX), *r = malloc(BW_PARAMS_TEXT_MAX);
  char *line = malloc(2 * BW_PARAMS_TEXT_MAX + KEY_MAX);
  if (!v || !r || !line) b.oom = 1;
  for (int k = 0; k < NPARAMS && !b.oom; k++) {
    const pentry *e = &PARAMS[k];
    value_text(p, k, v, BW_PARAMS_TEXT_MAX);
    value_text(&ref, k, r, BW_PARAMS_TEXT_MAX);
    int same = !strcmp(v, r);
    if (changed && same) continue;
    /* open the sections of this key that are not open */
    char sect[KEY_MAX];
    snprintf(sect, sizeof sect, "%.*s", (int)(leaf(e->key) - e->key - 1), e->key);
    int have = common_segments(open, sect), depth = 0;
    for (const char *seg = sect;; depth++) {
      size_t sl = strcspn(seg, ".");
      if (depth >= have) {
        snprintf(line, KEY_MAX, "%*s%.*s:\n", 2 * depth, "", (int)sl, seg);
        sb_puts(&b, line);
      }
      if (!seg[sl]) break;
      seg += sl + 1;
    }
    snprintf(open, sizeof open, "%s", sect);
    int indent = 2 * (depth + 1);
    if (e->type == T_PATH && same) { /* the shipped table: no path in the text */
      snprintf(line, 2 * BW_PARAMS_TEXT_MAX + KEY_MAX, "%*s# %s: the shipped params/data/%s\n", indent, "",
               leaf(e->key), DATA_KEYS[k == key_index("data.regions")].file);
    } else {
      int n = snprintf(line, 2 * BW_PARAMS_TEXT_MAX + KEY_MAX, "%*s%s: ", indent, "", leaf(e->key));
      if (e->type == T_PATH || e->type == T_NAME)
        yaml_quoted(line + n, 2 * BW_PARAMS_TEXT_MAX + KEY_MAX - (size_t)n - 1, v);
      else
        snprintf(line + n, 2 * BW_PARAMS_TEXT_MAX + KEY_MAX - (size_t)n - 1, "%s", v);
      strcat(line, "\n");
    }
    sb_puts(&b, line);
  }
  free(v);
  free(r);
  free(line);
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

char *bw_params_to_yaml(const bw_params *p) { return to_yaml(p, 0); }

char *bw_params_to_yaml_changed(const bw_params *p) { return to_yaml(p, 1); }

/* ---- the params against the data: what a run can reach ------------------------------- */

/* docs/limits.md "Combinations". The range of each key bounds it with the
 * others at their defaults; here the whole run is bounded at once, from the
 * params and the data, before anything is simulated or written:
 *  - the outer draws of one care type (docs/model.md §7: its rate and
 *    duration multipliers, the cost index) anywhere in the ball of radius
 *    BOUND_R around the medians, each at most BOUND_Z (a normal deviate is
 *    the inverse CDF of a 32-bit uniform in [2^-33, 1 - 2^-33]: |z| <= 6.4,
 *    models/uncertainty.c); outside the ball with probability 1.3e-10;
 *  - the need effect eps_g at its largest value for a gemeente's count (an
 *    int), the national count at e^-46 by the variance of eps_g, the Gamma
 *    mean of a negative binomial and the Poisson;
 *  - the clients in care in a year: the stock and every earlier cohort times
 *    the probability that its stay (an I stay and its step-down A stay)
 *    lasts that long, plus Hoeffding's e^-46 term for the stays drawn, never
 *    more than every client that entered. Mortality and Wlz transfers only
 *    shorten stays;
 *  - cost: those clients at the highest tariff they can be charged, indexed
 *    by the cost index; budget: the macrobudgets with the settlement X in
 *    [-U, U (q / clients - 1)], q bounded by the wave and the hazard.
 * Every cell of the statistics (sim/sketch.h) holds a cost, a budget or a
 * shortfall of a year or summed over the reform years (paired: the
 * difference of two), each bounded from these. */

#define BOUND_Z 6.4          /* |z| of any outer normal deviate */
#define BOUND_TAIL 46.0      /* -log of each tail probability */
#define BOUND_HALF_PI 1.5707963267948966
#define BOUND_R 7.0          /* radius of the outer deviates of one care type together */
#define BOUND_CELL_MAX BW_CELL_XMAX /* the statistics' limit per cell */
#define BOUND_COUNT_MAX 2147483647.0  /* a gemeente-year's count is an int (models/flows.c) */

typedef struct {
  double excess;      /* max of the ratios below: > 1 is refused */
  double cell;        /* largest value a cell can take, EUR */
  double count;       /* largest new-indication count of a gemeente-year */
  double clients;     /* largest national count of clients in a year */
  double cost, budget;/* the largest national cost and |budget| of a year */
  int cell_cum;       /* the cell bound is a cumulative one */
} run_bound;

/* x >= k with P(Gamma(k, 1) > x) <= e^-BOUND_TAIL by Chernoff:
 * (x / k)^k e^(k - x) <= e^-BOUND_TAIL. */
static double gamma_tail(double k) {
  double lo = k, hi = k + 10.0 * (BOUND_TAIL + 10.0) + 100.0 * sqrt(k);
  for (int i = 0; i < 200; i++) {
    double x = 0.5 * (lo + hi);
    if (k * log(x / k) + k - x <= -BOUND_TAIL) hi = x;
    else lo = x;
  }
  return hi;
}

/* The Poisson count of mean mu: P(X >= mu + t) <= exp(-t^2 / (2 (mu + t/3))). */
static double poisson_tail(double mu) {
  const double L = BOUND_TAIL;
  return mu + L / 3.0 + sqrt(L * L / 9.0 + 2.0 * mu * L);
}

/* P(D > s) for a Weibull stay of the given mean and shape (stock: the
 * residual stay, by the forward-recurrence law: Q(1/k, (s/λ)^k)). */
static double stay_survival(double s, double mean, double shape, int stock) {
  if (s <= 0) return 1.0;
  double lambda = bw_oracle_weibull_scale(mean, shape), x = pow(s / lambda, shape);
  if (!stock) return exp(-x);
  if (!(x < 1e300)) return 0.0;
  double g = bw_oracle_residual_survival(s, shape, lambda); /* NaN (GSL failed): 1, the safe side */
  return g < 1.0 ? g : 1.0;
}

/* P(in BW care after s years) of an I client: its I stay D_I, then with
 * probability psd an A stay D_A: S_I(s) + psd P(D_I <= s < D_I + D_A), the
 * integral as an upper Riemann sum (S_A decreases). */
static double i_survival(double s, double meanI, double shapeI, int stock, double psd, double meanA, double shapeA) {
  double v = stay_survival(s, meanI, shapeI, stock);
  if (psd > 0 && s > 0) {
    enum { J = 32 };
    double sum = 0, F0 = 0;
    for (int j = 0; j < J; j++) {
      double u0 = s * j / J, u1 = s * (j + 1) / J;
      double F1 = 1.0 - stay_survival(u1, meanI, shapeI, stock);
      if (j == 0) F0 = 1.0 - stay_survival(u0, meanI, shapeI, stock);
      sum += (F1 - F0) * stay_survival(s - u1, meanA, shapeA, 0);
      F0 = F1;
    }
    v += psd * sum;
  }
  return v < 1.0 ? v : 1.0;
}

/* verdeelmodel form of a gemeente (models/model.c weight_per_capita) */
static double need_weight(const bw_weights *b, const bw_gemeente *g) {
  return b->constant + b->single_hh * g->pct_single_hh / 100.0 + b->nonwestern * g->pct_nonwestern / 100.0 +
         b->urbanity * (5.0 - g->urbanity) / 4.0;
}

/* What compute_bound derives once from params and data. */
typedef struct {
  const bw_params *p;
  int ng, ny;
  double pop0, macro_bw, macro_mo;
  const double *need, *hist; /* [ng]: need_g x population (mean-1 need), H_g */
  double e_max, var_eps;     /* eps_g: its largest value and its variance */
} bound_in;

/* One care type c with the outer deviates zr (its rate), zd (its durations)
 * and zc (the cost index): per year its national new indications (n_new),
 * the clients that ever were in it (n_ever), in care (in) and its cost. */
static void care_path(const bound_in *b, int c, double zr, double zd, double zc, double *n_new, double *n_ever,
                      double *in_care, double *cost) {
  const bw_params *p = b->p;
  const double L = BOUND_TAIL;
  double a = c == BW_M ? 0.0 : p->supply_attraction, k = p->dispersion[c];
  for (int y = 0; y < b->ny; y++) {
    double grow = pow(1.0 + p->population_growth, y), popk = b->pop0 * grow / 1000.0;
    double level = p->rate_per_1000[c] * exp(p->rate_sigma * zr) * pow(1.0 + p->growth[c], y);
    double mean = 0, var = 0;
    for (int g = 0; g < b->ng; g++) {
      double own = level * (1.0 - a) * b->need[g] * grow / 1000.0, sup = level * a * popk * b->hist[g];
      double mu = own + sup, m1 = own * b->e_max + sup;
      /* the count's variance: eps_g, the Gamma mean, the Poisson */
      mean += mu;
      var += own * own * b->var_eps + m1 * (1.0 + (isinf(k) ? 0.0 : m1 / k));
    }
    n_new[y] = mean + sqrt(2.0 * L * var) + L;
  }
  const double dm = exp(p->duration_sigma * zd), ci = p->cost_index + p->cost_index_sd * zc;
  const double mean_c = p->duration_mean_years[c] * dm, shape = p->duration_shape[c];
  const double meanA = p->duration_mean_years[BW_A] * dm, shapeA = p->duration_shape[BW_A];
  const double psd = c == BW_I ? p->p_step_down : 0.0;
  double tariff = p->tariff_eur_per_day[c];
  if (c == BW_I && psd > 0 && p->tariff_eur_per_day[BW_A] > tariff) tariff = p->tariff_eur_per_day[BW_A];
  /* P(still in care) s years after an entry (s = -1 .. ny - 2) */
  double sv[BW_MAX_YEARS + 1];
  for (int k = 0; k <= b->ny; k++) sv[k] = i_survival(k - 1.0, mean_c, shape, 0, psd, meanA, shapeA);
  for (int y = 0; y < b->ny; y++) {
    double in = p->stock[c] * i_survival(y, mean_c, shape, 1, psd, meanA, shapeA), n = p->stock[c];
    for (int t = 0; t <= y; t++) {
      in += n_new[t] * sv[y - t];
      n += n_new[t];
    }
    in += sqrt(0.5 * L * n); /* Hoeffding: the stays drawn */
    if (in > n) in = n;
    n_ever[y] = n, in_care[y] = in;
    double tf = tariff;
    if (c == BW_M && p->first_year + y >= p->mo_extra_from) tf *= 1.0 + p->mo_extra_eur / b->macro_mo;
    cost[y] = in * tf * 365.0 * pow(1.0 + ci, y);
  }
}

static void compute_bound(const bw_params *p, const bw_data *d, int paired, run_bound *out) {
  memset(out, 0, sizeof *out);
  const int ng = d->ng, nr = d->nr, ny = bw_params_nyears(p);
  if (ng <= 0 || nr <= 0 || ny <= 0 || ny > BW_MAX_YEARS) return;
  const int on = p->uncertainty_enabled;
  const double L = BOUND_TAIL;
  bound_in b = {p, ng, ny, 0, 0, 0, NULL, NULL, 1.0, 0.0};
  double sum_need = 0;
  for (int r = 0; r < nr; r++) b.macro_bw += d->r[r].hist_budget_bw_eur, b.macro_mo += d->r[r].hist_budget_mo_eur;
  for (int g = 0; g < ng; g++) {
    b.pop0 += d->g[g].population;
    sum_need += d->g[g].population * need_weight(&p->need, &d->g[g]);
  }
  if (!(b.macro_bw > 0) || !(b.macro_mo > 0) || !(sum_need > 0) || !(b.pop0 > 0)) {
    out->excess = INFINITY; /* the model refuses these itself */
    return;
  }
  double *need = malloc((size_t)ng * sizeof *need), *hist = calloc((size_t)ng, sizeof *hist);
  if (!need || !hist) {
    free(need), free(hist);
    out->excess = INFINITY;
    return;
  }
  for (int g = 0; g < ng; g++) need[g] = d->g[g].population * need_weight(&p->need, &d->g[g]) * b.pop0 / sum_need;
  for (int r = 0; r < nr; r++) hist[d->r[r].centrum] += d->r[r].hist_budget_bw_eur / b.macro_bw;
  b.need = need, b.hist = hist;
  const double s_need = on ? p->need_effect_sigma : 0.0;
  b.e_max = exp(s_need * BOUND_Z - 0.5 * s_need * s_need), b.var_eps = expm1(s_need * s_need);

  /* a gemeente-year's count (an int), at every outer deviate's extreme */
  for (int c = 0; c < BW_NCARE; c++) {
    double a = c == BW_M ? 0.0 : p->supply_attraction, k = p->dispersion[c];
    double xk = isinf(k) ? 1.0 : gamma_tail(k) / k, zr = on ? BOUND_Z : 0.0;
    for (int y = 0; y < ny; y++) {
      double grow = pow(1.0 + p->population_growth, y), popk = b.pop0 * grow / 1000.0;
      double level = p->rate_per_1000[c] * exp(p->rate_sigma * zr) * pow(1.0 + p->growth[c], y);
      for (int g = 0; g < ng; g++) {
        double mu = level * ((1.0 - a) * need[g] * grow / 1000.0 * b.e_max + a * popk * hist[g]);
        double cnt = mu > 0 ? poisson_tail(mu * xk) : 0.0;
        if (cnt > out->count) out->count = cnt;
      }
    }
  }

  /* per care type, the largest path over the outer deviates (z_rate,
   * z_duration, z_cost) within the ball of radius BOUND_R, each at most
   * BOUND_Z: the cost grows with each, so over a patch of directions it is
   * at most its value at the patch's largest coordinates */
  double cost[BW_NCARE][BW_MAX_YEARS] = {{0}}, inI[BW_MAX_YEARS] = {0}, everI[BW_MAX_YEARS] = {0};
  double clients_max = 0;
  enum { NP = 5 };
  for (int c = 0; c < BW_NCARE; c++) {
    for (int i = 0; i < (on ? NP : 1); i++)
      for (int j = 0; j < (on ? NP : 1); j++) {
        double zr = 0, zd = 0, zc = 0;
        if (on) {
          double t0 = BOUND_HALF_PI * i / NP, t1 = BOUND_HALF_PI * (i + 1) / NP, f0 = BOUND_HALF_PI * j / NP, f1 = BOUND_HALF_PI * (j + 1) / NP;
          zr = fmin(BOUND_Z, BOUND_R * sin(t1) * cos(f0));
          zd = fmin(BOUND_Z, BOUND_R * sin(t1) * sin(f1));
          zc = fmin(BOUND_Z, BOUND_R * cos(t0));
        }
        double nn[BW_MAX_YEARS], ne[BW_MAX_YEARS], ic[BW_MAX_YEARS], co[BW_MAX_YEARS];
        care_path(&b, c, zr, zd, zc, nn, ne, ic, co);
        for (int y = 0; y < ny; y++) {
          if (co[y] > cost[c][y]) cost[c][y] = co[y];
          if (ne[y] > clients_max) clients_max = ne[y];
          if (c == BW_I && ic[y] > inI[y]) inI[y] = ic[y];
          if (c == BW_I && ne[y] > everI[y]) everI[y] = ne[y];
        }
      }
  }
  free(need), free(hist);

  /* the least BW cost (for macro_correct): stock clients still in their
   * first stay through the year, none transferred or dead */
  double cbw_min[BW_MAX_YEARS];
  double p_wave = p->wlz_p_wave * p->wlz_realisation_factor * exp(p->wlz_factor_sigma * (on ? BOUND_Z : 0.0));
  if (p_wave > 1) p_wave = 1;
  const double zlo = on ? BOUND_Z : 0.0, dmin = exp(-p->duration_sigma * zlo);
  const double ci_min = p->cost_index - p->cost_index_sd * zlo;
  for (int y = 0; y < ny; y++) {
    double low = 0;
    for (int c = 0; c < BW_NCARE; c++) {
      if (c == BW_M) continue;
      double keep = stay_survival(y + 1.0, p->duration_mean_years[c] * dmin, p->duration_shape[c], 1) *
                    exp(-(p->mortality_rate[c] + (c == BW_I ? p->wlz_hazard : 0.0)) * (y + 1.0)) *
                    (c == BW_I ? 1.0 - p_wave : 1.0);
      double stay = p->stock[c] * keep - sqrt(0.5 * L * p->stock[c]);
      if (stay > 0) low += stay * p->tariff_eur_per_day[c] * 365.0 * pow(1.0 + ci_min, y);
    }
    cbw_min[y] = low;
  }

  /* per year: cost C, the BW macrobudget before settlement (base: at most
   * base_hi, at least base_lo), the settlement X in [-U, x_hi]; a budget is
   * at most b_pos = base_hi + U + MO and below zero by at most
   * b_neg = x_hi - base_lo. A shortfall (cost - budget, of a gemeente, a
   * region or the nation, over a year or summed over years) lies in
   * [-b_pos, C + b_neg]; a difference of two such, (C + b_neg + b_pos). */
  double cmax = 0, bmax = 0, qprev = 0, exposure = 0, cum_lo = 0, cum_hi = 0, cum_pair = 0;
  double base_hi = b.macro_bw - p->wlz_uitname_eur - p->national_institutions_eur, base_lo = base_hi;
  int y_first = p->start_year - p->first_year;
  if (y_first < 0) y_first = 0;
  for (int y = 0; y < ny; y++) {
    double cbw = cost[BW_I][y] + cost[BW_A][y], ctot = cbw + cost[BW_M][y];
    double cbw_prev = y > 0 ? cost[BW_I][y - 1] + cost[BW_A][y - 1] : 0;
    /* with macro_correct the growth at an evaluation year is last year's
     * cost growth: at most cbw[y-1] / cbw_min[y-2], at least 0 */
    if (y > 0) {
      int t = p->first_year + y;
      int eval = p->bijsturing == BW_BIJST_MACRO && t >= p->bijsturing_first_year &&
                 (t - p->bijsturing_first_year) % p->bijsturing_every == 0 && y >= 2;
      double step = (1.0 + p->budget_index) * (1.0 + p->volume_growth);
      if (eval) {
        double r = cbw_min[y - 2] > 0 ? cbw_prev / cbw_min[y - 2] : INFINITY;
        base_hi *= r > step ? r : step;
        base_lo = 0;
      } else {
        base_hi *= step, base_lo *= step;
      }
    }
    double index = pow(1.0 + p->budget_index, y) * pow(1.0 + p->volume_growth, y);
    double U = 0, x_hi = 0;
    if (y > 0) { /* X = U q / clients - U, in year y-1 prices */
      U = p->wlz_uitname_eur * pow(1.0 + p->budget_index, y - 1);
      x_hi = U * (qprev / p->wlz_uitname_clients - 1.0);
    }
    /* Wlz client-years: the wave, then transfers at the hazard from the
     * I client-years so far (Hoeffding), never more than every I client */
    exposure += inI[y];
    double q = p->stock[BW_I] * p_wave + p->wlz_hazard * exposure + sqrt(0.5 * L * everI[y]) + L;
    qprev = q < everI[y] ? q : everI[y];
    double mo = (b.macro_mo + (p->first_year + y >= p->mo_extra_from ? p->mo_extra_eur : 0.0)) * index;
    double b_pos = base_hi + U + mo, b_neg = x_hi - base_lo > 0 ? x_hi - base_lo : 0.0;
    if (ctot > cmax) cmax = ctot;
    if (b_pos > bmax) bmax = b_pos;
    double hi = ctot + b_neg, year = hi > b_pos ? hi : b_pos, pair = hi + b_pos;
    if ((paired ? pair : year) > out->cell) out->cell = paired ? pair : year;
    if (y >= y_first) cum_hi += hi, cum_lo += b_pos, cum_pair += pair;
  }
  double cum = paired ? cum_pair : (cum_hi > cum_lo ? cum_hi : cum_lo);
  out->cost = cmax, out->budget = bmax, out->clients = clients_max;
  if (cum > out->cell) out->cell = cum, out->cell_cum = 1;
  double clients = clients_max > out->count ? clients_max : out->count;
  out->excess = out->cell / BOUND_CELL_MAX;
  if (!(out->excess >= 0)) out->excess = INFINITY;
  if (out->count / BOUND_COUNT_MAX > out->excess) out->excess = out->count / BOUND_COUNT_MAX;
  if (clients / BOUND_CELL_MAX > out->excess) out->excess = clients / BOUND_CELL_MAX;
}

/* The keys a bound is blamed on: each numeric key (each care type apart)
 * and the horizon, tried at its default. */
typedef struct {
  int k;       /* table entry */
  int elem;    /* T_CARE3: the care type; else -1 */
} candidate;

/* q = p with candidate c at its default; 0 when that changes nothing. */
static int reset_candidate(const bw_params *p, const bw_params *def, const candidate *c, bw_params *q) {
  const pentry *e = &PARAMS[c->k];
  *q = *p;
  char *f = (char *)q + e->off;
  const char *fd = (const char *)def + e->off;
  if (!strcmp(e->key, "run.last_year")) {
    int last = p->first_year + (def->last_year - def->first_year);
    if (last >= p->last_year) return 0;
    q->last_year = last;
    return 1;
  }
  size_t n;
  switch (e->type) {
  case T_DOUBLE: n = sizeof(double); break;
  case T_CARE3: f += (size_t)c->elem * sizeof(double), fd += (size_t)c->elem * sizeof(double), n = sizeof(double); break;
  case T_BOOL:
  case T_ENUM: n = sizeof(int); break;
  case T_WEIGHTS: n = sizeof(bw_weights); break;
  default: return 0;
  }
  if (!memcmp(f, fd, n)) return 0;
  memcpy(f, fd, n);
  return 1;
}

static int is_candidate_type(const pentry *e) {
  return e->type == T_DOUBLE || e->type == T_CARE3 || e->type == T_BOOL || e->type == T_ENUM ||
         e->type == T_WEIGHTS || !strcmp(e->key, "run.last_year");
}

/* Which layer set each key of the params at path + sets (file and line);
 * keys whose value in p differs from that (set later: -n, --vs, --grid) are
 * blamed on `other`. 0, or -1 when the layers cannot be rebuilt. */
static int provenance(layers *L, const bw_params *p, const char *path, const char *const *sets, int nsets,
                      const char *other) {
  bw_params d;
  bw_params_defaults(&d);
  layers_init(L, &d);
  bw_ctx quiet;
  bw_ctx_init(&quiet);
  char *text = NULL;
  bw_status st = load_layers(L, path, &text, &quiet);
  free(text);
  for (int i = 0; i < nsets && !st; i++) st = apply_set(L, sets[i], "--set", &quiet);
  if (st) return -1;
  int idx = layers_push(L, other);
  for (int k = 0; k < NPARAMS; k++) {
    char a[BW_PARAMS_TEXT_MAX], b[BW_PARAMS_TEXT_MAX];
    if (PARAMS[k].type == T_PATH) continue;
    value_text(p, k, a, sizeof a);
    value_text(&L->p, k, b, sizeof b);
    if (strcmp(a, b) && idx > 0) {
      L->set_by[k] = idx;
      L->line[k] = 0;
      L->file[k] = L->names[idx - 1];
    }
  }
  return 0;
}

static const char *care_key(int k, int elem, char *buf, size_t n) {
  if (elem < 0) return PARAMS[k].key;
  snprintf(buf, n, "%s.%s", PARAMS[k].key, CARE_NAMES[elem]);
  return buf;
}

static bw_status check_data(const src_t *s, const bw_params *p, const bw_data *d, int paired) {
  /* the BW budget of 2021 must exceed what comes off it before the mix */
  double macro_bw = 0, pop = 0;
  for (int r = 0; r < d->nr; r++) macro_bw += d->r[r].hist_budget_bw_eur;
  for (int g = 0; g < d->ng; g++) pop += d->g[g].population;
  if (!(p->wlz_uitname_eur + p->national_institutions_eur < macro_bw)) {
    int ku = key_index("budget.wlz_uitname_eur"), kl = key_index("budget.national_institutions_eur");
    int k = set_by(s, kl) > set_by(s, ku) || (p->wlz_uitname_eur == 0 && set_by(s, kl) > 0) ? kl : ku;
    char u[32], l[32], m[32];
    bw_num_show(u, sizeof u, p->wlz_uitname_eur);
    bw_num_show(l, sizeof l, p->national_institutions_eur);
    bw_num_show(m, sizeof m, macro_bw);
    if (set_by(s, ku) == 0 && set_by(s, kl) == 0)
      return bw_fail(s->ctx, BW_EDATA,
                     "%s: hist_budget_bw_2021_eur: the regions' BW budgets of 2021 add up to %s EUR, not more than "
                     "budget.wlz_uitname_eur + budget.national_institutions_eur (%s + %s): the BW macrobudget "
                     "M_2021 - U - L would not be positive",
                     p->regions_path, m, u, l);
    return fail_key(s, k,
                    "budget.wlz_uitname_eur + budget.national_institutions_eur (%s + %s EUR) must be less than the "
                    "BW budget of 2021, the sum of hist_budget_bw_2021_eur in %s (%s EUR): the BW macrobudget "
                    "M_2021 - U - L must be positive",
                    u, l, p->regions_path, m);
  }
  run_bound b;
  compute_bound(p, d, paired, &b);
  if (b.excess <= 1.0) return BW_OK;
  /* the key whose default brings the bound down most */
  bw_params def, q;
  bw_params_defaults(&def);
  int best = -1, best_elem = -1;
  double best_excess = b.excess;
  run_bound bq, best_b = b;
  for (int k = 0; k < NPARAMS; k++) {
    if (!is_candidate_type(&PARAMS[k])) continue;
    for (int e = PARAMS[k].type == T_CARE3 ? 0 : -1; e < (PARAMS[k].type == T_CARE3 ? BW_NCARE : 0); e++) {
      candidate c = {k, e};
      if (!reset_candidate(p, &def, &c, &q)) continue;
      compute_bound(&q, d, paired, &bq);
      if (bq.excess < best_excess * (1 - 1e-9)) best = k, best_elem = e, best_excess = bq.excess, best_b = bq;
    }
  }
  char what[200], lim[32], got[32];
  if (b.count / BOUND_COUNT_MAX >= b.excess) {
    bw_num_show(got, sizeof got, round(b.count));
    snprintf(what, sizeof what, "the new indications of one gemeente in one year could reach %s, beyond the "
             "model's counter (2147483647)", got);
  } else {
    snprintf(got, sizeof got, "%.3g", b.cell);
    bw_num_show(lim, sizeof lim, BOUND_CELL_MAX);
    snprintf(what, sizeof what, "a %s%s could reach %s EUR, beyond the %.3g EUR the statistics hold per cell",
             b.cell_cum ? "shortfall summed over the reform years" : "yearly cost, budget or shortfall",
             paired ? " (or a paired difference)" : "", got, BOUND_CELL_MAX);
  }
  if (best < 0) {
    /* nothing in the params: the data */
    char ptxt[32];
    bw_num_show(ptxt, sizeof ptxt, pop);
    return bw_fail(s->ctx, BW_EDATA,
                   "%s: population: with these params %s (the gemeenten's population adds up to %s; "
                   "docs/limits.md \"Combinations\")",
                   p->gemeenten_path, what, ptxt);
  }
  char key[KEY_MAX], val[BW_PARAMS_TEXT_MAX], dval[BW_PARAMS_TEXT_MAX];
  const char *kn = care_key(best, best_elem, key, sizeof key);
  if (bw_params_value_text(p, kn, val, sizeof val)) snprintf(val, sizeof val, "?");
  if (bw_params_value_text(&def, kn, dval, sizeof dval)) snprintf(dval, sizeof dval, "?");
  if (!strcmp(kn, "run.last_year")) snprintf(dval, sizeof dval, "%d", p->first_year + def.last_year - def.first_year);
  return fail_keyed(s, best, kn,
                    "with the other values %s; %s weighs most: at %s it would be %.3g (got %s; "
                    "docs/limits.md \"Combinations\")",
                    what, kn, dval, best_b.excess * (b.count / BOUND_COUNT_MAX >= b.excess ? BOUND_COUNT_MAX : BOUND_CELL_MAX), val);
}

bw_status bw_params_check_data(const bw_params *p, const bw_data *d, const char *path, const char *const *sets,
                               int nsets, const char *other, int paired, bw_ctx *ctx) {
  src_t s0 = {path ? path : "params", 0, NULL, NULL, NULL, ctx};
  bw_ctx quiet;
  bw_ctx_init(&quiet);
  src_t q = s0;
  q.ctx = &quiet;
  if (check_data(&q, p, d, paired) == BW_OK) return BW_OK;
  /* refused: again, with each key's file and line */
  layers L;
  if (path && provenance(&L, p, path, sets, nsets, other ? other : "command line") == 0) {
    src_t s = {path, 1, L.set_by, L.line, L.file, ctx};
    bw_status st = check_data(&s, p, d, paired);
    layers_free(&L);
    return st;
  }
  if (path) layers_free(&L);
  return check_data(&s0, p, d, paired);
}
