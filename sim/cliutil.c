#define _XOPEN_SOURCE 700 /* nftw */
#include "cliutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const bw_csv_style bw_csv_en = {"en", ',', '.', 0}, bw_csv_nl = {"nl", ';', ',', 1};

const bw_csv_style *bw_csv_style_named(const char *name) {
  if (!strcmp(name, "en")) return &bw_csv_en;
  if (!strcmp(name, "nl")) return &bw_csv_nl;
  return NULL;
}

/* Only decimal digits, at least one (after an optional '-' when neg_ok):
 * no sign '+', no space, no empty string; strtoll/strtoull would take all three. */
static int whole_digits(const char *s, int neg_ok) {
  if (!s) return 0;
  if (neg_ok && *s == '-') s++;
  if (!isdigit((unsigned char)*s)) return 0;
  while (isdigit((unsigned char)*s)) s++;
  return *s == '\0';
}

/* In the child: fd to path (opened for writing), or left alone for NULL. */
static void redirect(int fd, const char *path) {
  if (!path) return;
  int to = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (to < 0) _exit(126);
  if (to != fd) {
    dup2(to, fd);
    close(to);
  }
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int bw_remove_tree(const char *path) { return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

int bw_run_program(char *const argv[], const char *out_path, const char *err_path) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0 && in != STDIN_FILENO) dup2(in, STDIN_FILENO), close(in);
    redirect(STDOUT_FILENO, out_path);
    redirect(STDERR_FILENO, err_path);
    execv(argv[0], argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int bw_parse_ll(const char *s, long long lo, long long hi, long long *out) {
  if (!whole_digits(s, 1)) return -1;
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int bw_parse_every(const char *s, long long *count, double *seconds) {
  size_t n = strlen(s);
  if (n == 0) return -1;
  double unit = 0;
  switch (s[n - 1]) {
  case 's': unit = 1; break;
  case 'm': unit = 60; break;
  case 'h': unit = 3600; break;
  default: break;
  }
  char digits[32];
  if (n - (unit > 0) >= sizeof digits) return -1;
  memcpy(digits, s, n - (unit > 0));
  digits[n - (unit > 0)] = '\0';
  long long v;
  if (bw_parse_ll(digits, 1, 100000000, &v)) return -1;
  if (unit > 0) *seconds = (double)v * unit, *count = 0;
  else *count = v, *seconds = 0;
  return 0;
}

int bw_parse_u64(const char *s, unsigned long long *out) {
  if (!whole_digits(s, 0)) return -1;
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  if (errno) return -1;
  *out = v;
  return 0;
}

int bw_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int bw_usage_error(const char *cmd, const char *fmt, const char *arg) {
  fprintf(stderr, "bwsim %s: ", cmd);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'bwsim %s --help'.\n", cmd);
  return 2;
}

/* The value of the long option name when argv[*i] is that option: after
 * '=' in the same argument, or the next argument (*i advanced over it);
 * "" when it has none. NULL when argv[*i] is another option. */
static const char *long_value(const char *name, int argc, char **argv, int *i) {
  size_t n = strlen(name);
  const char *s = argv[*i];
  if (strncmp(s, name, n) || (s[n] != '\0' && s[n] != '=')) return NULL;
  if (s[n] == '=') return s + n + 1;
  return *i + 1 < argc ? argv[++*i] : "";
}

int bw_parse_common_opt(const char *cmd, int argc, char **argv, int *i, long long n_lo,
                        long long n_hi, bw_common_opts *o) {
  const char *s = argv[*i], *val;
#define OPT(short_, long_) (!strcmp(s, short_) || !strcmp(s, long_))
  /* --csv-dialect and --set: not for validate, which writes its own files
   * from its own params */
  int simulating = strcmp(cmd, "validate") != 0;
  if (simulating && (val = long_value("--csv-dialect", argc, argv, i))) {
    if (!*val) return bw_usage_error(cmd, "option '%s' needs a value (en or nl)", s);
    if (!(o->csv = bw_csv_style_named(val)))
      return bw_usage_error(cmd, "--csv-dialect: must be en or nl (got '%s')", val);
    return 1;
  }
  if (simulating && (val = long_value("--set", argc, argv, i))) {
    if (!*val) return bw_usage_error(cmd, "option '%s' needs a value (key=value)", s);
    const char *eq = strchr(val, '=');
    if (!eq || eq == val)
      return bw_usage_error(cmd, "--set %s: must be key=value, e.g. --set policy.pooling=region", val);
    if (o->nsets >= BW_MAX_SETS) {
      char fmt[64];
      snprintf(fmt, sizeof fmt, "--set %%s: at most %d --set options", BW_MAX_SETS);
      return bw_usage_error(cmd, fmt, val);
    }
    o->sets[o->nsets++] = val;
    return 1;
  }
  int takes_value = OPT("-n", "--replications") || OPT("-s", "--seed") || OPT("-t", "--threads") ||
                    OPT("-o", "--out");
  if (!takes_value) {
    if (OPT("-f", "--force")) return o->force = 1;
    if (OPT("-q", "--quiet")) return o->quiet = 1;
    return 0;
  }
  if (*i + 1 >= argc) return bw_usage_error(cmd, "option '%s' needs a value", s);
  val = argv[++*i];
  if (OPT("-n", "--replications")) {
    if (bw_parse_ll(val, n_lo, n_hi, &o->replications)) {
      char fmt[96];
      snprintf(fmt, sizeof fmt, "--replications: must be a whole number in %lld..%lld (got '%%s')", n_lo,
               n_hi);
      return bw_usage_error(cmd, fmt, val);
    }
  } else if (OPT("-s", "--seed")) {
    if (bw_parse_u64(val, &o->seed))
      return bw_usage_error(cmd, "--seed: must be a whole number in 0..18446744073709551615 (got '%s')",
                            val);
    o->have_seed = 1;
  } else if (OPT("-t", "--threads")) {
    long long t;
    if (bw_parse_ll(val, 1, 4096, &t))
      return bw_usage_error(cmd, "--threads: must be a whole number in 1..4096 (got '%s')", val);
    o->threads = (int)t;
  } else {
    if (!*val) return bw_usage_error(cmd, "--out: needs a directory%s", "");
    o->out = val;
  }
#undef OPT
  return 1;
}

void bw_progress_draw(const char *label, long done, long total, double elapsed, long fresh) {
  int width = 30, fill = total > 0 ? (int)((long)width * done / total) : width;
  double rate = elapsed > 0 ? (double)fresh / elapsed : 0;
  double eta = rate > 0 ? (double)(total - done) / rate : 0;
  char bar[64];
  for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
  bar[width] = '\0';
  if (label)
    fprintf(stderr, "\r  %-22s [%s] %ld/%ld  %.1f rep/s  ETA %.0f s   ", label, bar, done, total, rate, eta);
  else
    fprintf(stderr, "\r  [%s] %ld/%ld replications  %.1f rep/s  ETA %.0f s   ", bar, done, total, rate,
            eta);
  fflush(stderr);
}

/* A duration for a log: "45 s", "12 min 05 s", "3 h 07 min", "2 d 04 h". */
static void duration_text(char *buf, size_t cap, double s) {
  long t = s > 0 && s < 1e12 ? (long)(s + 0.5) : 0;
  if (t < 60) snprintf(buf, cap, "%ld s", t);
  else if (t < 3600) snprintf(buf, cap, "%ld min %02ld s", t / 60, t % 60);
  else if (t < 86400) snprintf(buf, cap, "%ld h %02ld min", t / 3600, t / 60 % 60);
  else snprintf(buf, cap, "%ld d %02ld h", t / 86400, t / 3600 % 24);
}

void bw_progress_line(const char *label, long done, long total, double elapsed, long fresh) {
  double rate = elapsed > 0 ? (double)fresh / elapsed : 0;
  char el[32], eta[32];
  duration_text(el, sizeof el, elapsed);
  if (rate > 0) duration_text(eta, sizeof eta, (double)(total - done) / rate);
  else snprintf(eta, sizeof eta, "unknown");
  fprintf(stderr, "bwsim: %s%s%ld/%ld replications (%.1f %%), %.1f rep/s, elapsed %s, ETA %s\n", label ? label : "",
          label ? ": " : "", done, total, total > 0 ? 100.0 * (double)done / (double)total : 100.0, rate, el, eta);
  fflush(stderr);
}

/* s as one field: quoted when it holds sep, a quote or a line break. */
static void put_field(FILE *f, const char *s, char sep) {
  const char special[] = {sep, '"', '\r', '\n', '\0'};
  if (!strpbrk(s, special)) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

void bw_csv_field(FILE *f, const char *s) { put_field(f, s, ','); }

/* ---- numbers ---------------------------------------------------------------- */

bw_num_kind bw_num_kind_of_unit(const char *unit) {
  if (!unit) return BW_NUM_FULL;
  if (!strcmp(unit, "EUR")) return BW_NUM_EUR;
  if (!strcmp(unit, "EUR/inhabitant")) return BW_NUM_EUR_PER_INH;
  if (!strcmp(unit, "1")) return BW_NUM_PROB;
  return BW_NUM_CLIENTS;
}

int bw_prob_decimals(long long n) {
  int d = 0;
  for (long long p = 1; p < n && d < 18; p *= 10) d++; /* ceil(log10 n) */
  return d > 4 ? d : 4;
}

/* 3 significant digits without an exponent, trailing zeros dropped. */
static void three_digits(char *buf, size_t cap, double x) {
  char e[40];
  snprintf(e, sizeof e, "%.2e", x); /* [-]d.dde[+-]X: rounded once, here */
  const char *m = e[0] == '-' ? e + 1 : e;
  int exp10 = atoi(strchr(m, 'e') + 1);
  if (exp10 >= 2) {
    /* the three digits, then zeros: exact, whatever the size */
    size_t n = 0;
    if (e[0] == '-' && n + 1 < cap) buf[n++] = '-';
    const char dig[3] = {m[0], m[2], m[3]};
    for (int k = 0; k < 3 + (exp10 - 2) && n + 1 < cap; k++) buf[n++] = k < 3 ? dig[k] : '0';
    buf[n] = '\0';
  } else {
    snprintf(buf, cap, "%.*f", 2 - exp10, x);
    if (strchr(buf, '.')) {
      size_t n = strlen(buf);
      while (n > 0 && buf[n - 1] == '0') buf[--n] = '\0';
      if (n > 0 && buf[n - 1] == '.') buf[--n] = '\0';
    }
  }
}

char *bw_num_text(char *buf, size_t cap, double x, bw_num_kind kind, int p_decimals, char dec) {
  if (isnan(x)) {
    snprintf(buf, cap, "nan");
    return buf;
  }
  if (isinf(x)) {
    snprintf(buf, cap, "%s", x > 0 ? "inf" : "-inf");
    return buf;
  }
  switch (kind) {
  case BW_NUM_PROB: snprintf(buf, cap, "%.*f", p_decimals, x); break;
  case BW_NUM_SE: three_digits(buf, cap, x); break;
  case BW_NUM_EUR: snprintf(buf, cap, "%.0f", x); break;
  case BW_NUM_EUR_PER_INH:
  case BW_NUM_CLIENTS: snprintf(buf, cap, "%.2f", x); break;
  default: snprintf(buf, cap, "%.17g", x); break;
  }
  /* one spelling: a point whatever LC_NUMERIC says, then the dialect's mark;
   * no "-0" for a value that rounds to zero */
  int nonzero = 0;
  for (char *p = buf; *p; p++) {
    if (*p == ',' || *p == '.') *p = dec;
    else if (*p >= '1' && *p <= '9') nonzero = 1;
  }
  if (buf[0] == '-' && !nonzero) memmove(buf, buf + 1, strlen(buf));
  return buf;
}

/* ---- the CSV writer ------------------------------------------------------- */

void bw_csv_begin(bw_csv *c, FILE *f, const bw_csv_style *st, long long n) {
  c->f = f;
  c->st = st ? st : &bw_csv_en;
  c->p_decimals = bw_prob_decimals(n);
  c->col = 0;
  if (c->st->bom) fputs("\xEF\xBB\xBF", f);
}

static void next_field(bw_csv *c) {
  if (c->col++ > 0) fputc(c->st->sep, c->f);
}

void bw_csv_names(bw_csv *c, const char *names) {
  for (const char *p = names; *p;) {
    size_t n = strcspn(p, ",");
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), p);
    bw_csv_text(c, name);
    p += n;
    if (*p == ',') p++;
  }
}

void bw_csv_header(bw_csv *c, const char *names) {
  bw_csv_names(c, names);
  bw_csv_end(c);
}

void bw_csv_text(bw_csv *c, const char *s) {
  next_field(c);
  put_field(c->f, s, c->st->sep);
}

void bw_csv_value_text(bw_csv *c, const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (c->st->dec == '.' || end == s || *end || !isfinite(v) || strlen(s) >= 64) {
    bw_csv_text(c, s);
    return;
  }
  char t[64];
  snprintf(t, sizeof t, "%s", s);
  for (char *p = t; *p; p++)
    if (*p == '.') *p = c->st->dec;
  bw_csv_text(c, t);
}

void bw_csv_num(bw_csv *c, double x, bw_num_kind kind) {
  char buf[64];
  next_field(c);
  fputs(bw_num_text(buf, sizeof buf, x, kind, c->p_decimals, c->st->dec), c->f);
}

void bw_csv_int(bw_csv *c, long long v) {
  next_field(c);
  fprintf(c->f, "%lld", v);
}

void bw_csv_end(bw_csv *c) {
  fputc('\n', c->f);
  c->col = 0;
}
