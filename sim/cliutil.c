#include "cliutil.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int bw_parse_ll(const char *s, long long lo, long long hi, long long *out) {
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int bw_parse_u64(const char *s, unsigned long long *out) {
  if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end) return -1;
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

int bw_parse_common_opt(const char *cmd, int argc, char **argv, int *i, long long n_lo,
                        long long n_hi, bw_common_opts *o) {
  const char *s = argv[*i];
#define OPT(short_, long_) (!strcmp(s, short_) || !strcmp(s, long_))
  if (strcmp(cmd, "validate") != 0 && (!strcmp(s, "--set") || !strncmp(s, "--set=", 6))) {
    const char *val = s + 5;
    if (*val == '=') {
      val++;
    } else {
      if (*i + 1 >= argc) return bw_usage_error(cmd, "option '%s' needs a value (key=value)", s);
      val = argv[++*i];
    }
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
  const char *val = argv[++*i];
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

void bw_csv_field(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
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

void bw_csv_double(FILE *f, double x) {
  char buf[40];
  if (isnan(x)) {
    strcpy(buf, "nan");
  } else if (isinf(x)) {
    strcpy(buf, x > 0 ? "inf" : "-inf");
  } else {
    snprintf(buf, sizeof buf, "%.17g", x);
    for (char *p = buf; *p; p++)
      if (*p == ',') *p = '.';
  }
  fputs(buf, f);
}
