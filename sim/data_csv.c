/* The gemeente and region tables (docs/model.md §2) from CSV.
 *
 * CSV per RFC 4180: comma separated, fields optionally in double quotes (a
 * quoted field may hold commas, newlines and "" for a quote); LF or CRLF line
 * ends; a UTF-8 byte-order mark and blank lines are skipped; spaces around an
 * unquoted field are trimmed. Columns are found by their header name. Every
 * error names file, line (of the record's first line) and column:
 * "data/gemeenten.csv:17: population: must be > 0 (got -5)". */
#define _POSIX_C_SOURCE 200809L

#include "numparse.h"
#include "data_csv.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 1000000
#define MAX_FIELDS 256 /* fields of one record */
#define SHOW_MAX 48

/* ---- reading records -------------------------------------------------------- */

typedef struct {
  const char *name; /* file name for messages */
  bw_ctx *ctx;
  char *text;
  size_t len, pos;
  int line;         /* physical line at pos, 1-based */
  char *buf;        /* the current record's fields, unescaped, each NUL-terminated */
  size_t bcap, blen;
  size_t *fs;       /* start of field i in buf */
  int nf, fcap;
  char *hdr;        /* copy of the header's fields (names for messages) */
  size_t *hoff;
  int hn;
} csv_t;

static bw_status csv_fail(csv_t *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bw_status csv_fail(csv_t *c, int line, const char *fmt, ...) {
  char what[BW_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return bw_fail(c->ctx, BW_EDATA, "%s:%d: %s", c->name, line, what);
}

static void csv_free(csv_t *c) {
  free(c->text);
  free(c->buf);
  free(c->fs);
  free(c->hdr);
  free(c->hoff);
  c->text = c->buf = c->hdr = NULL;
  c->fs = c->hoff = NULL;
}

/* c reads text (taken over: freed by csv_free), called name in messages. */
static bw_status csv_init(csv_t *c, const char *name, char *text, size_t n, bw_ctx *ctx) {
  memset(c, 0, sizeof *c);
  c->name = name;
  c->ctx = ctx;
  c->line = 1;
  c->text = text;
  c->len = n;
  const char *nul = memchr(text, '\0', n);
  if (nul) {
    int line = 1;
    for (const char *q = text; q < nul; q++) line += *q == '\n';
    return csv_fail(c, line, "NUL byte in file (not a text CSV file?)");
  }
  if (n >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
    c->pos = 3; /* UTF-8 byte-order mark, as spreadsheet programs write it */
  return BW_OK;
}

/* The table at path: a regular file of at most BW_DATA_MAX_BYTES (a FIFO or
 * device is refused without a blocking open or a read). */
static bw_status csv_open(csv_t *c, const char *path, bw_ctx *ctx) {
  memset(c, 0, sizeof *c);
  char *t = NULL;
  size_t n = 0;
  bw_status st = bw_read_input_file(path, BW_DATA_MAX_BYTES, BW_EDATA, "data file", &t, &n, ctx);
  if (st) return st;
  return csv_init(c, path, t, n, ctx);
}

/* The table in text[0..n) (copied), called name in messages. */
static bw_status csv_from_text(csv_t *c, const char *name, const char *text, size_t n, bw_ctx *ctx) {
  memset(c, 0, sizeof *c);
  if (n > BW_DATA_MAX_BYTES) {
    char lim[32];
    bw_size_text(lim, sizeof lim, BW_DATA_MAX_BYTES);
    return bw_fail(ctx, BW_EDATA, "%s: data file larger than %s (%zu bytes)", name, lim, n);
  }
  char *t = malloc(n + 1);
  if (!t) return bw_fail(ctx, BW_ENOMEM, "%s: out of memory", name);
  memcpy(t, text, n);
  t[n] = '\0';
  return csv_init(c, name, t, n, ctx);
}

static bw_status put_char(csv_t *c, char ch) {
  if (c->blen + 1 >= c->bcap) {
    size_t ncap = c->bcap ? 2 * c->bcap : 1024;
    char *nb = realloc(c->buf, ncap);
    if (!nb) return bw_fail(c->ctx, BW_ENOMEM, "%s: out of memory", c->name);
    c->buf = nb;
    c->bcap = ncap;
  }
  c->buf[c->blen++] = ch;
  return BW_OK;
}

static bw_status new_field(csv_t *c, int rec_line) {
  if (c->nf >= MAX_FIELDS) return csv_fail(c, rec_line, "more than %d fields in one record", MAX_FIELDS);
  if (c->nf == c->fcap) {
    int ncap = c->fcap ? 2 * c->fcap : 32;
    size_t *nf = realloc(c->fs, (size_t)ncap * sizeof *nf);
    if (!nf) return bw_fail(c->ctx, BW_ENOMEM, "%s: out of memory", c->name);
    c->fs = nf;
    c->fcap = ncap;
  }
  c->fs[c->nf++] = c->blen;
  return BW_OK;
}

static const char *field(const csv_t *c, int i) { return c->buf + c->fs[i]; }

/* Column i's name for messages: its header, or "field N" in the header itself. */
static const char *colname(const csv_t *c, int i, char *buf, size_t n) {
  if (i < c->hn && c->hdr[c->hoff[i]]) return c->hdr + c->hoff[i];
  snprintf(buf, n, "field %d", i + 1);
  return buf;
}

/* Keeps the header record (the current one) for colname. */
static bw_status keep_header(csv_t *c) {
  c->hdr = malloc(c->blen ? c->blen : 1);
  c->hoff = malloc((size_t)c->nf * sizeof *c->hoff);
  if (!c->hdr || !c->hoff) return bw_fail(c->ctx, BW_ENOMEM, "%s: out of memory", c->name);
  memcpy(c->hdr, c->buf, c->blen);
  memcpy(c->hoff, c->fs, (size_t)c->nf * sizeof *c->hoff);
  c->hn = c->nf;
  return BW_OK;
}

/* At pos: end of record? (LF, CRLF, or end of text) */
static int at_eol(const csv_t *c) {
  return c->pos >= c->len || c->text[c->pos] == '\n' ||
         (c->text[c->pos] == '\r' && (c->pos + 1 >= c->len || c->text[c->pos + 1] == '\n'));
}

static void skip_eol(csv_t *c) {
  if (c->pos < c->len && c->text[c->pos] == '\r') c->pos++;
  if (c->pos < c->len && c->text[c->pos] == '\n') c->pos++, c->line++;
}

/* Next record into c->buf / c->fs. *more = 0 at the end of the file. */
static bw_status csv_next(csv_t *c, int *rec_line, int *more) {
  while (c->pos < c->len && at_eol(c)) skip_eol(c); /* blank lines */
  *more = c->pos < c->len;
  if (!*more) return BW_OK;
  *rec_line = c->line;
  c->nf = 0;
  c->blen = 0;
  const char *t = c->text;
  char cb[32];
  bw_status st;
  for (;;) {
    if ((st = new_field(c, *rec_line))) return st;
    while (c->pos < c->len && (t[c->pos] == ' ' || t[c->pos] == '\t')) c->pos++;
    if (c->pos < c->len && t[c->pos] == '"') {
      c->pos++;
      int open_line = c->line;
      for (;;) {
        if (c->pos >= c->len)
          return csv_fail(c, *rec_line, "%s: quoted field opened on line %d is not closed",
                          colname(c, c->nf - 1, cb, sizeof cb), open_line);
        char ch = t[c->pos];
        if (ch == '"') {
          if (c->pos + 1 < c->len && t[c->pos + 1] == '"') {
            if ((st = put_char(c, '"'))) return st;
            c->pos += 2;
            continue;
          }
          c->pos++;
          break;
        }
        if (ch == '\n') c->line++;
        if ((st = put_char(c, ch))) return st;
        c->pos++;
      }
      while (c->pos < c->len && (t[c->pos] == ' ' || t[c->pos] == '\t')) c->pos++;
      if (!at_eol(c) && t[c->pos] != ',') {
        if (c->line != open_line)
          return csv_fail(c, *rec_line,
                          "%s: unexpected character after the closing quote on line %d (the quoted "
                          "field runs from line %d: a quote missing?)",
                          colname(c, c->nf - 1, cb, sizeof cb), c->line, open_line);
        return csv_fail(c, *rec_line, "%s: unexpected character after the closing quote",
                        colname(c, c->nf - 1, cb, sizeof cb));
      }
    } else {
      size_t end_trim = c->blen;
      while (!at_eol(c) && t[c->pos] != ',') {
        char ch = t[c->pos];
        if (ch == '"')
          return csv_fail(c, *rec_line, "%s: double quote inside an unquoted field (quote the whole field)",
                          colname(c, c->nf - 1, cb, sizeof cb));
        if (ch == '\r')
          return csv_fail(c, *rec_line, "%s: carriage return inside a field",
                          colname(c, c->nf - 1, cb, sizeof cb));
        if ((st = put_char(c, ch))) return st;
        if (ch != ' ' && ch != '\t') end_trim = c->blen;
        c->pos++;
      }
      c->blen = end_trim;
    }
    if ((st = put_char(c, '\0'))) return st;
    if (at_eol(c)) {
      skip_eol(c);
      return BW_OK;
    }
    c->pos++; /* the comma */
  }
}

/* ---- fields ------------------------------------------------------------------ */

static int utf8_valid(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n;
    unsigned cp;
    if (*p < 0x80) {
      p++;
      continue;
    } else if ((*p & 0xE0) == 0xC0) {
      n = 1, cp = *p & 0x1F;
    } else if ((*p & 0xF0) == 0xE0) {
      n = 2, cp = *p & 0x0F;
    } else if ((*p & 0xF8) == 0xF0) {
      n = 3, cp = *p & 0x07;
    } else {
      return 0;
    }
    p++;
    for (int i = 0; i < n; i++, p++) {
      if ((*p & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (*p & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return 0; /* overlong, out of range or a surrogate */
  }
  return 1;
}

/* The field as quoted in a message, truncated. */
static const char *show(const char *v, char *buf, size_t n) {
  if (!*v) return "an empty field";
  if (strlen(v) > SHOW_MAX)
    snprintf(buf, n, "%.*s...", SHOW_MAX, v);
  else
    snprintf(buf, n, "%s", v);
  return buf;
}

static bw_status get_text(csv_t *c, int line, const char *col, const char *v, char *dst, size_t cap,
                          int required) {
  char b[SHOW_MAX + 8];
  if (required && !*v) return csv_fail(c, line, "%s: must not be empty", col);
  if (!utf8_valid(v)) return csv_fail(c, line, "%s: not valid UTF-8", col);
  if (strlen(v) >= cap)
    return csv_fail(c, line, "%s: longer than %zu bytes (got %s)", col, cap - 1, show(v, b, sizeof b));
  memcpy(dst, v, strlen(v) + 1);
  return BW_OK;
}


/* The plausible range of a numeric column (docs/limits.md). */
typedef struct {
  const char *col;
  double lo, hi;
  int lo_excl; /* value must be > lo (else >= lo) */
  int whole;   /* a whole number (a count) */
} num_range;

/* A number of column r->col in its range. */
static bw_status get_num(csv_t *c, int line, const num_range *r, const char *v, double *out) {
  char b[SHOW_MAX + 8], lo[32], hi[32];
  double x = 0;
  bw_dec_status ds = bw_parse_decimal(v, &x);
  if (ds == BW_DEC_SYNTAX)
    return csv_fail(c, line, "%s: must be a number (got %s)", r->col, show(v, b, sizeof b));
  if (ds != BW_DEC_OK) return csv_fail(c, line, "%s: %s (got %s)", r->col, bw_dec_problem(ds), show(v, b, sizeof b));
  bw_num_show(lo, sizeof lo, r->lo);
  bw_num_show(hi, sizeof hi, r->hi);
  if (!((r->lo_excl ? x > r->lo : x >= r->lo) && x <= r->hi)) {
    if (r->lo_excl) return csv_fail(c, line, "%s: must be > %s and <= %s (got %s)", r->col, lo, hi, show(v, b, sizeof b));
    return csv_fail(c, line, "%s: must be in %s..%s (got %s)", r->col, lo, hi, show(v, b, sizeof b));
  }
  if (r->whole && x != floor(x))
    return csv_fail(c, line, "%s: must be a whole number (got %s)", r->col, show(v, b, sizeof b));
  *out = x;
  return BW_OK;
}

/* ---- header ------------------------------------------------------------------ */

/* Reads the header and maps each column name of cols to its field index:
 * the first nreq are required, the others optional (-1 when absent). */
static bw_status read_header(csv_t *c, const char *const *cols, int ncols, int nreq, int *idx, int *nfields) {
  int line = 1, more = 0;
  bw_status st = csv_next(c, &line, &more);
  if (st) return st;
  if (!more) return csv_fail(c, 1, "empty file (expected a header line: %s, ...)", cols[0]);
  for (int j = 0; j < ncols; j++) {
    idx[j] = -1;
    for (int i = 0; i < c->nf; i++) {
      if (strcmp(field(c, i), cols[j]) != 0) continue;
      if (idx[j] >= 0)
        return csv_fail(c, line, "%s: duplicate column (columns %d and %d)", cols[j], idx[j] + 1, i + 1);
      idx[j] = i;
    }
    if (idx[j] < 0 && j < nreq) return csv_fail(c, line, "%s: missing required column", cols[j]);
  }
  *nfields = c->nf;
  return keep_header(c);
}

/* ---- the two tables ----------------------------------------------------------- */

/* The plausible ranges (docs/limits.md). Counts are whole numbers; a
 * gemeente has at most 1e8 inhabitants (the largest has under 1e6), so
 * that every count the model derives fits its integers. */
#define MAX_POPULATION 1e8
#define MAX_BUDGET_EUR 1e11 /* a region's yearly budget (the largest: 1.4e8) */
#define MIN_EUR_PER_INH 1.0 /* a region's budget per inhabitant of its gemeenten (shipped: 15..129) */
#define MAX_EUR_PER_INH 1e4

enum { G_CODE, G_NAME, G_PROVINCE, G_REGION, G_CENTRUM, G_POP, G_HH, G_SINGLE, G_NONWEST, G_AGE,
       G_URBAN, G_LAT, G_LON, G_NCOLS };
static const char *const G_COLS[G_NCOLS] = {
    "code", "name", "province", "region", "is_centrumgemeente", "population", "households",
    "pct_single_person_hh", "pct_nonwestern", "pct_age_15_24", "urbanity", "lat", "lon"};
static const num_range G_POP_R = {"population", 1, MAX_POPULATION, 0, 1},
                       G_HH_R = {"households", 1, MAX_POPULATION, 0, 1},
                       G_SINGLE_R = {"pct_single_person_hh", 0, 100, 0, 0},
                       G_NONWEST_R = {"pct_nonwestern", 0, 100, 0, 0},
                       G_AGE_R = {"pct_age_15_24", 0, 100, 0, 0}, G_URBAN_R = {"urbanity", 1, 5, 0, 0},
                       G_LAT_R = {"lat", -90, 90, 0, 0}, G_LON_R = {"lon", -180, 180, 0, 0};

/* regions.csv: the required columns, then those the engine does not read
 * but checks when present (the shipped table has them). */
enum { R_CODE, R_NAME, R_PROVINCE, R_BW, R_MO, R_NREQ, R_NGEM = R_NREQ, R_POP, R_EFFECT, R_NCOLS };
static const char *const R_COLS[R_NCOLS] = {"code", "name", "province", "hist_budget_bw_2021_eur",
                                            "hist_budget_mo_2021_eur", "n_gemeenten", "population",
                                            "published_redistribution_effect"};
static const num_range R_BW_R = {"hist_budget_bw_2021_eur", 0, MAX_BUDGET_EUR, 1, 0},
                       R_MO_R = {"hist_budget_mo_2021_eur", 0, MAX_BUDGET_EUR, 1, 0},
                       R_NGEM_R = {"n_gemeenten", 1, MAX_ROWS, 0, 1},
                       R_POP_R = {"population", 1, 10 * MAX_POPULATION, 0, 1},
                       /* a fraction of the budget: -0.188 is -18.8 % */
                       R_EFFECT_R = {"published_redistribution_effect", -1, 1, 0, 0};

#define CODE_MAX 16 /* bw_gemeente.code and bw_region.code */

/* What the cross-table checks need besides the structs. */
typedef struct {
  int *gline, *rline;      /* file line of each row */
  char (*gregion)[CODE_MAX]; /* region code of each gemeente, resolved later */
} rows_t;

static bw_status grow(void **p, int *cap, int need, size_t size, csv_t *c) {
  if (need <= *cap) return BW_OK;
  int ncap = *cap ? 2 * *cap : 64;
  while (ncap < need) ncap *= 2;
  void *np = realloc(*p, (size_t)ncap * size);
  if (!np) return bw_fail(c->ctx, BW_ENOMEM, "%s: out of memory", c->name);
  *p = np;
  *cap = ncap;
  return BW_OK;
}

static bw_status read_gemeenten(csv_t *c, bw_data *d, rows_t *rows) {
  int idx[G_NCOLS], nfields = 0;
  bw_status st = read_header(c, G_COLS, G_NCOLS, G_NCOLS, idx, &nfields);
  if (st) return st;
  int cap = 0, cap_l = 0, cap_r = 0;
  for (;;) {
    int line = 0, more = 0;
    if ((st = csv_next(c, &line, &more))) return st;
    if (!more) break;
    if (c->nf != nfields) return csv_fail(c, line, "expected %d fields, got %d", nfields, c->nf);
    if (d->ng >= MAX_ROWS) return csv_fail(c, line, "too many rows (at most %d)", MAX_ROWS);
    if ((st = grow((void **)&d->g, &cap, d->ng + 1, sizeof *d->g, c)) ||
        (st = grow((void **)&rows->gline, &cap_l, d->ng + 1, sizeof *rows->gline, c)) ||
        (st = grow((void **)&rows->gregion, &cap_r, d->ng + 1, sizeof *rows->gregion, c)))
      return st;
    bw_gemeente *g = &d->g[d->ng];
    memset(g, 0, sizeof *g);
    rows->gline[d->ng] = line;
#define F(j) field(c, idx[j])
    if ((st = get_text(c, line, "code", F(G_CODE), g->code, sizeof g->code, 1)) ||
        (st = get_text(c, line, "name", F(G_NAME), g->name, sizeof g->name, 1)) ||
        (st = get_text(c, line, "province", F(G_PROVINCE), g->province, sizeof g->province, 0)) ||
        (st = get_text(c, line, "region", F(G_REGION), rows->gregion[d->ng], CODE_MAX, 1)))
      return st;
    const char *cg = F(G_CENTRUM);
    if (strcmp(cg, "0") != 0 && strcmp(cg, "1") != 0) {
      char b[SHOW_MAX + 8];
      return csv_fail(c, line, "is_centrumgemeente: must be 0 or 1 (got %s)", show(cg, b, sizeof b));
    }
    g->is_centrumgemeente = cg[0] == '1';
    if ((st = get_num(c, line, &G_POP_R, F(G_POP), &g->population)) ||
        (st = get_num(c, line, &G_HH_R, F(G_HH), &g->households)) ||
        (st = get_num(c, line, &G_SINGLE_R, F(G_SINGLE), &g->pct_single_hh)) ||
        (st = get_num(c, line, &G_NONWEST_R, F(G_NONWEST), &g->pct_nonwestern)) ||
        (st = get_num(c, line, &G_AGE_R, F(G_AGE), &g->pct_age_15_24)) ||
        (st = get_num(c, line, &G_URBAN_R, F(G_URBAN), &g->urbanity)) ||
        (st = get_num(c, line, &G_LAT_R, F(G_LAT), &g->lat)) ||
        (st = get_num(c, line, &G_LON_R, F(G_LON), &g->lon)))
      return st;
#undef F
    if (g->households > g->population)
      return csv_fail(c, line, "households: must be <= population (%.0f) (got %.0f)", g->population,
                      g->households);
    d->ng++;
  }
  if (d->ng == 0) return csv_fail(c, c->line, "no data rows (only a header)");
  return BW_OK;
}

/* An optional column that the engine does not read: when present, each
 * field is empty or a number in its range. */
static bw_status check_optional(csv_t *c, int line, const num_range *r, int i) {
  double ignored;
  if (i < 0 || !field(c, i)[0]) return BW_OK;
  return get_num(c, line, r, field(c, i), &ignored);
}

static bw_status read_regions(csv_t *c, bw_data *d, rows_t *rows) {
  int idx[R_NCOLS], nfields = 0;
  bw_status st = read_header(c, R_COLS, R_NCOLS, R_NREQ, idx, &nfields);
  if (st) return st;
  int cap = 0, cap_l = 0;
  for (;;) {
    int line = 0, more = 0;
    if ((st = csv_next(c, &line, &more))) return st;
    if (!more) break;
    if (c->nf != nfields) return csv_fail(c, line, "expected %d fields, got %d", nfields, c->nf);
    if (d->nr >= MAX_ROWS) return csv_fail(c, line, "too many rows (at most %d)", MAX_ROWS);
    if ((st = grow((void **)&d->r, &cap, d->nr + 1, sizeof *d->r, c)) ||
        (st = grow((void **)&rows->rline, &cap_l, d->nr + 1, sizeof *rows->rline, c)))
      return st;
    bw_region *r = &d->r[d->nr];
    memset(r, 0, sizeof *r);
    r->centrum = -1;
    rows->rline[d->nr] = line;
#define F(j) field(c, idx[j])
    if ((st = get_text(c, line, "code", F(R_CODE), r->code, sizeof r->code, 1)) ||
        (st = get_text(c, line, "name", F(R_NAME), r->name, sizeof r->name, 1)) ||
        (st = get_text(c, line, "province", F(R_PROVINCE), r->province, sizeof r->province, 0)) ||
        (st = get_num(c, line, &R_BW_R, F(R_BW), &r->hist_budget_bw_eur)) ||
        (st = get_num(c, line, &R_MO_R, F(R_MO), &r->hist_budget_mo_eur)) ||
        (st = check_optional(c, line, &R_NGEM_R, idx[R_NGEM])) ||
        (st = check_optional(c, line, &R_POP_R, idx[R_POP])) ||
        (st = check_optional(c, line, &R_EFFECT_R, idx[R_EFFECT])))
      return st;
#undef F
    d->nr++;
  }
  if (d->nr == 0) return csv_fail(c, c->line, "no data rows (only a header)");
  return BW_OK;
}

/* ---- cross-table checks ------------------------------------------------------- */

typedef struct {
  const char *code;
  int idx, line;
} code_key;

static int key_cmp(const void *a, const void *b) {
  const code_key *x = a, *y = b;
  int c = strcmp(x->code, y->code);
  return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int key_find(const code_key *keys, int n, const char *code) {
  code_key probe = {code, -1, 0};
  int lo = 0, hi = n;
  while (lo < hi) { /* first key >= code */
    int mid = lo + (hi - lo) / 2;
    if (strcmp(keys[mid].code, probe.code) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && strcmp(keys[lo].code, code) == 0 ? keys[lo].idx : -1;
}

/* Sorted (code, line) keys; reports the duplicate that comes first in the file. */
static bw_status sorted_keys(csv_t *c, const char *what, code_key *keys, int n) {
  qsort(keys, (size_t)n, sizeof *keys, key_cmp);
  int dup = -1;
  for (int i = 1; i < n; i++)
    if (strcmp(keys[i].code, keys[i - 1].code) == 0 && (dup < 0 || keys[i].line < keys[dup].line)) dup = i;
  if (dup >= 0) {
    int first = dup; /* equal codes are sorted by line: the run's first holds the first line */
    while (first > 0 && strcmp(keys[first - 1].code, keys[dup].code) == 0) first--;
    return csv_fail(c, keys[dup].line, "code: duplicate %s code %s (first on line %d)", what,
                    keys[dup].code, keys[first].line);
  }
  return BW_OK;
}

static bw_status cross_check(csv_t *cg, csv_t *cr, bw_data *d, rows_t *rows) {
  bw_status st = BW_OK;
  code_key *gk = malloc((size_t)d->ng * sizeof *gk);
  code_key *rk = malloc((size_t)d->nr * sizeof *rk);
  int *is_centrum_of = malloc((size_t)d->ng * sizeof *is_centrum_of);
  double *pop = calloc((size_t)d->nr, sizeof *pop); /* inhabitants of each region */
  if (!gk || !rk || !is_centrum_of || !pop) {
    st = bw_fail(cg->ctx, BW_ENOMEM, "%s: out of memory", cg->name);
    goto done;
  }
  for (int i = 0; i < d->ng; i++) gk[i] = (code_key){d->g[i].code, i, rows->gline[i]}, is_centrum_of[i] = -1;
  for (int i = 0; i < d->nr; i++) rk[i] = (code_key){d->r[i].code, i, rows->rline[i]};
  if ((st = sorted_keys(cg, "gemeente", gk, d->ng)) || (st = sorted_keys(cr, "region", rk, d->nr)))
    goto done;

  for (int i = 0; i < d->ng; i++) {
    int r = key_find(rk, d->nr, rows->gregion[i]);
    if (r < 0) {
      st = csv_fail(cg, rows->gline[i], "region: unknown region %s (not a code in %s)", rows->gregion[i],
                    cr->name);
      goto done;
    }
    d->g[i].region = r;
  }
  for (int r = 0; r < d->nr; r++) {
    bw_region *R = &d->r[r];
    int g = key_find(gk, d->ng, R->code);
    if (g < 0) {
      st = csv_fail(cr, rows->rline[r], "code: region %s is not a gemeente code in %s", R->code, cg->name);
      goto done;
    }
    if (!d->g[g].is_centrumgemeente) {
      st = csv_fail(cr, rows->rline[r], "code: %s (%s) is not flagged is_centrumgemeente in %s (line %d)",
                    R->code, d->g[g].name, cg->name, rows->gline[g]);
      goto done;
    }
    if (d->g[g].region != r) {
      st = csv_fail(cr, rows->rline[r],
                    "code: centrumgemeente %s belongs to region %s in %s (line %d), not to its own region",
                    R->code, d->r[d->g[g].region].code, cg->name, rows->gline[g]);
      goto done;
    }
    R->centrum = g;
    is_centrum_of[g] = r;
  }
  for (int i = 0; i < d->ng; i++) {
    if (d->g[i].is_centrumgemeente && is_centrum_of[i] < 0) {
      st = csv_fail(cg, rows->gline[i], "is_centrumgemeente: %s (%s) is flagged but is not a region in %s",
                    d->g[i].code, d->g[i].name, cr->name);
      goto done;
    }
    d->r[d->g[i].region].n_members++;
    pop[d->g[i].region] += d->g[i].population;
  }
  /* each budget in euros per inhabitant of the region's gemeenten: a
   * budget in the wrong unit (thousands, cents) or a placeholder (1) would
   * scale every amount the model derives from the budgets */
  for (int r = 0; r < d->nr && !st; r++) {
    const bw_region *R = &d->r[r];
    for (int k = 0; k < 2 && !st; k++) {
      double b = k ? R->hist_budget_mo_eur : R->hist_budget_bw_eur, per = b / pop[r];
      if (per >= MIN_EUR_PER_INH && per <= MAX_EUR_PER_INH) continue;
      char lo[32], hi[32];
      bw_num_show(lo, sizeof lo, MIN_EUR_PER_INH);
      bw_num_show(hi, sizeof hi, MAX_EUR_PER_INH);
      st = csv_fail(cr, rows->rline[r],
                    "%s: %.0f EUR for the %.0f inhabitants of region %s in %s is %.3g EUR per inhabitant; "
                    "must be %s..%s EUR per inhabitant (the budget in euros, not thousands or cents?)",
                    R_COLS[k ? R_MO : R_BW], b, pop[r], R->code, cg->name, per, lo, hi);
    }
  }
done:
  free(gk);
  free(rk);
  free(is_centrum_of);
  free(pop);
  return st;
}

/* Both tables from cg and cr (opened, or failed with st), then the checks. */
static bw_status load_tables(csv_t *cg, csv_t *cr, bw_status st, bw_data *d) {
  rows_t rows = {NULL, NULL, NULL};
  if (!st) st = read_gemeenten(cg, d, &rows);
  if (!st) st = read_regions(cr, d, &rows);
  if (!st) st = cross_check(cg, cr, d, &rows);
  csv_free(cg);
  csv_free(cr);
  free(rows.gline);
  free(rows.rline);
  free(rows.gregion);
  if (st) bw_data_free(d);
  return st;
}

bw_status bw_data_load(const char *gemeenten_csv, const char *regions_csv, bw_data *d, bw_ctx *ctx) {
  memset(d, 0, sizeof *d);
  if (!gemeenten_csv || !regions_csv) return bw_fail(ctx, BW_EIO, "data tables: no path given");
  csv_t cg, cr;
  memset(&cr, 0, sizeof cr);
  bw_status st = csv_open(&cg, gemeenten_csv, ctx);
  if (!st) st = csv_open(&cr, regions_csv, ctx);
  return load_tables(&cg, &cr, st, d);
}

bw_status bw_data_parse(const char *gemeenten, size_t glen, const char *gname, const char *regions, size_t rlen,
                        const char *rname, bw_data *d, bw_ctx *ctx) {
  memset(d, 0, sizeof *d);
  if (!gemeenten || !regions || !gname || !rname) return bw_fail(ctx, BW_EIO, "data tables: no text given");
  csv_t cg, cr;
  memset(&cr, 0, sizeof cr);
  bw_status st = csv_from_text(&cg, gname, gemeenten, glen, ctx);
  if (!st) st = csv_from_text(&cr, rname, regions, rlen, ctx);
  return load_tables(&cg, &cr, st, d);
}
