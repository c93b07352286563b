/* The report of `bwsim validate` (docs/model.md §15, "The report"): the list of
 * checks and compared cells that the checks fill, the table as printed, the
 * files of the report directory and the plot script that draws from them.
 *
 *   val_add_check, val_add_cell   append to the report (validate_checks.c);
 *   val_fmt_unit                  a number as the table shows it;
 *   val_print_table               the table (stdout and validation.txt);
 *   val_files[]                   name and writer of every data file;
 *   val_draw_plots                sim/validate_plots.py on a directory of
 *                                 those files (PNGs and index.html beside). */
#define _POSIX_C_SOURCE 200809L
#include "validate_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliutil.h"
#include "oracle.h"
#include "stats.h"

#define DEFAULT_PYTHON "/usr/bin/python3"

const char *const val_status_word[3] = {"PASS", "FAIL", "SKIPPED"};
const char *const val_care_name[BW_NCARE] = {"I", "A", "M"};

/* ---- the list of checks and cells ---------------------------------------------------- */

vcheck *val_add_check(vreport *r, const char *group, const char *id) {
  if (r->n == r->cap) {
    int cap = r->cap ? 2 * r->cap : 64;
    vcheck *c = realloc(r->c, sizeof *c * (size_t)cap);
    if (!c) {
      r->oom = 1;
      return NULL;
    }
    r->c = c, r->cap = cap;
  }
  vcheck *c = &r->c[r->n++];
  memset(c, 0, sizeof *c);
  snprintf(c->group, sizeof c->group, "%s", group);
  snprintf(c->id, sizeof c->id, "%s", id);
  c->fig = c->mean = c->lo = c->hi = c->se = NAN;
  return c;
}

void val_add_cell(vreport *r, const char *check, const char *item, int year, double expected, double mean,
                  double se, double z, double zcrit) {
  if (r->ncell == r->capcell) {
    int cap = r->capcell ? 2 * r->capcell : 256;
    vcell *c = realloc(r->cell, sizeof *c * (size_t)cap);
    if (!c) {
      r->oom = 1;
      return;
    }
    r->cell = c, r->capcell = cap;
  }
  vcell *c = &r->cell[r->ncell++];
  snprintf(c->check, sizeof c->check, "%s", check);
  snprintf(c->item, sizeof c->item, "%s", item);
  c->year = year, c->expected = expected, c->mean = mean, c->se = se, c->z = z, c->zcrit = zcrit;
}

void val_report_free(vreport *r) {
  free(r->c);
  free(r->cell);
}

/* ---- numbers in the table -------------------------------------------------------------- */

/* Number of UTF-8 code points (display columns for the table). */
static int utf8_width(const char *s) {
  int n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

static void put_padded(FILE *f, const char *s, int width) {
  fputs(s, f);
  for (int i = utf8_width(s); i < width; i++) fputc(' ', f);
}

/* "34 000" style: thin groups of three with a space (the same in English and
 * Dutch, no decimal-mark ambiguity). */
static void fmt_count(char *buf, size_t cap, double x) {
  if (!isfinite(x)) {
    snprintf(buf, cap, "%s", isnan(x) ? "n/a" : "inf");
    return;
  }
  char raw[64];
  int decimals = fabs(x - nearbyint(x)) > 1e-9 && fabs(x) < 1e6;
  snprintf(raw, sizeof raw, decimals ? "%.1f" : "%.0f", x);
  const char *p = raw;
  char out[96];
  size_t o = 0;
  if (*p == '-') out[o++] = *p++;
  const char *dot = strchr(p, '.');
  int intlen = dot ? (int)(dot - p) : (int)strlen(p);
  for (int i = 0; i < intlen; i++) {
    if (i > 0 && (intlen - i) % 3 == 0) out[o++] = ' ';
    out[o++] = p[i];
  }
  if (dot) {
    size_t l = strlen(dot);
    memcpy(out + o, dot, l);
    o += l;
  }
  out[o] = '\0';
  snprintf(buf, cap, "%s", out);
}

void val_fmt_unit(char *buf, size_t cap, vunit u, double x) {
  switch (u) {
  case U_COUNT: fmt_count(buf, cap, x); break;
  case U_MLN: snprintf(buf, cap, "%.1f", x / 1e6); break;
  case U_RATIO: snprintf(buf, cap, "%.4f", x); break;
  case U_VAR: fmt_count(buf, cap, nearbyint(x * 10) / 10); break;
  }
}

const char *val_unit_suffix(vunit u) { return u == U_MLN ? " mln" : ""; }

/* ---- the table ---------------------------------------------------------------------------- */

void val_print_table(FILE *f, const vreport *r, const char *header, int only_failed) {
  enum { WL = 50, WF = 16, WM = 38, WT = 22 };
  if (!only_failed) {
    fputs(header, f);
    put_padded(f, TR(r, "check", "controle"), WL);
    fputs("  ", f);
    put_padded(f, TR(r, "figure", "cijfer"), WF);
    fputs("  ", f);
    put_padded(f, TR(r, "model [95 % MC interval]", "model [95%-MC-interval]"), WM);
    fputs("  ", f);
    put_padded(f, TR(r, "tolerance", "tolerantie"), WT);
    fputs("  ", f);
    put_padded(f, TR(r, "result", "uitkomst"), 8);
    fputs("  detail\n", f);
  }
  const char *group = "";
  for (int i = 0; i < r->n; i++) {
    const vcheck *c = &r->c[i];
    if (only_failed && c->status != ST_FAIL) continue;
    if (!only_failed && strcmp(group, c->group)) {
      group = c->group;
      const char *title = !strcmp(group, "calibration") ? TR(r, "Calibration (docs/model.md §10.6)", "Kalibratie (docs/model.md §10.6)")
                          : !strcmp(group, "analytic")  ? TR(r, "Analytic checks (docs/model.md §10.1-10.3)", "Analytische controles (docs/model.md §10.1-10.3)")
                                                        : TR(r, "Kernel comparison (docs/model.md §10.4)", "Vergelijking van de kernels (docs/model.md §10.4)");
      fprintf(f, "\n%s\n", title);
    }
    put_padded(f, c->label, WL);
    fputs("  ", f);
    put_padded(f, c->figure, WF);
    fputs("  ", f);
    put_padded(f, c->model, WM);
    fputs("  ", f);
    put_padded(f, c->tol, WT);
    fputs("  ", f);
    put_padded(f, val_status_word[c->status], 8);
    fprintf(f, "  %s\n", c->detail);
  }
}

/* ---- the data files ------------------------------------------------------------------------- */

static void csv_num(FILE *f, double x) {
  if (isnan(x)) fputs("", f);
  else if (isinf(x)) fputs(x > 0 ? "inf" : "-inf", f);
  else fprintf(f, "%.10g", x);
}

static int write_table(FILE *f, const vstate *s, const char *header) {
  val_print_table(f, &s->rep, header, 0);
  return 0;
}

static int write_checks(FILE *f, const vstate *s, const char *unused) {
  (void)unused;
  const vreport *r = &s->rep;
  fputs("group,id,label,figure,mean,ci95_low,ci95_high,se,tolerance,status,figure_text,model_text,detail\n", f);
  for (int i = 0; i < r->n; i++) {
    const vcheck *c = &r->c[i];
    bw_csv_field(f, c->group), fputc(',', f);
    bw_csv_field(f, c->id), fputc(',', f);
    bw_csv_field(f, c->label), fputc(',', f);
    csv_num(f, c->fig), fputc(',', f);
    csv_num(f, c->mean), fputc(',', f);
    csv_num(f, c->lo), fputc(',', f);
    csv_num(f, c->hi), fputc(',', f);
    csv_num(f, c->se), fputc(',', f);
    bw_csv_field(f, c->tol), fputc(',', f);
    bw_csv_field(f, val_status_word[c->status]), fputc(',', f);
    bw_csv_field(f, c->figure), fputc(',', f);
    bw_csv_field(f, c->model), fputc(',', f);
    bw_csv_field(f, c->detail), fputc('\n', f);
  }
  return 0;
}

static int write_cells(FILE *f, const vstate *s, const char *unused) {
  (void)unused;
  const vreport *r = &s->rep;
  fputs("check,item,year,expected,mean,se,z,z_crit\n", f);
  for (int i = 0; i < r->ncell; i++) {
    const vcell *c = &r->cell[i];
    bw_csv_field(f, c->check), fputc(',', f);
    bw_csv_field(f, c->item), fprintf(f, ",%d,", c->year);
    csv_num(f, c->expected), fputc(',', f);
    csv_num(f, c->mean), fputc(',', f);
    csv_num(f, c->se), fputc(',', f);
    csv_num(f, c->z), fputc(',', f);
    csv_num(f, c->zcrit), fputc('\n', f);
  }
  return 0;
}

/* fan.csv: per kernel, quantity and year the mean and the type-7 q05, q50,
 * q95 over replications (sim/stats.h); clients_IA_jan1 = I + A (the BW
 * clients). */
static int write_fan(FILE *f, const vstate *s, const char *unused) {
  (void)unused;
  int N = s->N, ny = s->ny;
  double *x = malloc(sizeof(double) * (size_t)N);
  if (!x) return -1;
  fputs("kernel,quantity,year,mean,q05,q50,q95\n", f);
  const nat_store *ks[2] = {&s->ind, s->counts_ok ? &s->cnt : NULL};
  const char *kname[2] = {"individual", "counts"};
  for (int k = 0; k < 2; k++) {
    if (!ks[k]) continue;
    for (int q = -1; q < BW_NQ; q++) {
      for (int y = 0; y < ny; y++) {
        for (int i = 0; i < N; i++)
          x[i] = q < 0 ? natv(ks[k], i, BW_Q_CLIENTS_I_JAN1, y) + natv(ks[k], i, BW_Q_CLIENTS_A_JAN1, y)
                       : natv(ks[k], i, q, y);
        bw_stat st;
        bw_stat_compute(x, (size_t)N, &st);
        fprintf(f, "%s,%s,%d,", kname[k], q < 0 ? "clients_IA_jan1" : bw_quantity_name(q), s->p.first_year + y);
        csv_num(f, st.mean), fputc(',', f);
        csv_num(f, st.q05), fputc(',', f);
        csv_num(f, st.q50), fputc(',', f);
        csv_num(f, st.q95), fputc('\n', f);
      }
    }
  }
  free(x);
  return 0;
}

static int write_residual_samples(FILE *f, const vstate *s, const char *unused) {
  (void)unused;
  double H = s->ny;
  fputs("care,residual_years,censored\n", f);
  for (int c = 0; c < BW_NCARE; c++) {
    if (!s->resid[c]) continue;
    for (int i = 0; i < s->nresid; i++) {
      double t = s->resid[c][i];
      fprintf(f, "%s,", val_care_name[c]);
      csv_num(f, t);
      fprintf(f, ",%d\n", t >= H - 1e-9);
    }
  }
  return 0;
}

/* The forward-recurrence density f(t) = S(t) / m (S the Weibull survival)
 * and its CDF on a grid over the horizon (models/oracle.h). */
static int write_residual_density(FILE *f, const vstate *s, const char *unused) {
  (void)unused;
  double H = s->ny;
  fputs("care,t_years,density,cdf,weibull_k,mean_years\n", f);
  for (int c = 0; c < BW_NCARE; c++) {
    double k = s->p.duration_shape[c], m = s->p.duration_mean_years[c];
    double scale = bw_oracle_weibull_scale(m, k);
    for (int i = 0; i <= 400; i++) {
      double t = H * i / 400.0;
      fprintf(f, "%s,", val_care_name[c]);
      csv_num(f, t), fputc(',', f);
      csv_num(f, bw_oracle_residual_density(t, k, scale, m)), fputc(',', f);
      csv_num(f, 1.0 - bw_oracle_residual_survival(t, k, scale));
      fprintf(f, ",%g,%g\n", k, m);
    }
  }
  return 0;
}

/* What the plot script needs besides the data: the language, and whether
 * the count kernel ran (and why not). */
static int write_meta(FILE *f, const vstate *s, const char *unused) {
  (void)unused;
  fprintf(f, "lang,%s\ncounts_kernel,%s\n", s->rep.lang ? "nl" : "en", s->counts_ok ? "yes" : "no");
  fputs("counts_reason,", f);
  bw_csv_field(f, s->counts_ok ? "" : s->counts_why);
  fputc('\n', f);
  return 0;
}

const val_file val_files[VAL_NFILES] = {
    {"validation.txt", write_table},
    {"validation.csv", write_checks},
    {"validation_cells.csv", write_cells},
    {"fan.csv", write_fan},
    {"residual_samples.csv", write_residual_samples},
    {"residual_density.csv", write_residual_density},
    {"report_meta.csv", write_meta},
};

/* ---- plots: sim/validate_plots.py, run without a shell ------------------------------------ */

const char *const val_plot_files[VAL_NPLOTS] = {"fan_clients.png", "fan_cost.png", "fan_wlz_transfers.png",
                                                "residual_law.png", "index.html"};

int val_draw_plots(const char *dir, char *why, size_t cap) {
  const char *python = getenv("BWSIM_PYTHON");
  if (!python || !*python) python = DEFAULT_PYTHON;
  char script[PATH_MAX];
  snprintf(script, sizeof script, "%s/sim/validate_plots.py", BW_SOURCE_DIR);
  if (access(python, X_OK) != 0) {
    snprintf(why, cap, "%.400s not found", python);
    return 1;
  }
  if (access(script, R_OK) != 0) {
    snprintf(why, cap, "%.400s not found", script);
    return 1;
  }
  char logpath[PATH_MAX + 32];
  snprintf(logpath, sizeof logpath, "%s/.plots.log", dir);
  char *const argv[] = {(char *)python, script, (char *)dir, NULL};
  int rc = bw_run_program(argv, "/dev/null", logpath);
  /* the last line of the script's stderr says why it stopped */
  char last[512] = "";
  FILE *f = fopen(logpath, "r");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f))
      if (line[0] != '\n') snprintf(last, sizeof last, "%s", line);
    fclose(f);
    last[strcspn(last, "\n")] = '\0';
  }
  unlink(logpath);
  if (rc == 0) return 0;
  if (rc < 0)
    snprintf(why, cap, "%s could not be started", python);
  else if (rc == 127)
    snprintf(why, cap, "%s could not be run", python);
  else if (rc == 3)
    snprintf(why, cap, "%s", last[0] ? last : "numpy or matplotlib missing");
  else
    snprintf(why, cap, "the plot script failed (%s)", last[0] ? last : "no message");
  return 1;
}
