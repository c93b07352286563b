#define _POSIX_C_SOURCE 200809L

#include "numparse.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Strict decimal: [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)? -- no inf, nan, hex, junk. */
int bw_is_decimal(const char *t) {
  const char *q = t;
  if (*q == '+' || *q == '-') q++;
  int nd = 0;
  while (isdigit((unsigned char)*q)) q++, nd++;
  if (*q == '.') {
    q++;
    while (isdigit((unsigned char)*q)) q++, nd++;
  }
  if (nd == 0) return 0;
  if (*q == 'e' || *q == 'E') {
    q++;
    if (*q == '+' || *q == '-') q++;
    if (!isdigit((unsigned char)*q)) return 0;
    while (isdigit((unsigned char)*q)) q++;
  }
  return *q == '\0';
}

/* strtod in the "C" notation whatever LC_NUMERIC says; t is bw_is_decimal(). */
double bw_strtod_c(const char *t) {
  const char *dp = localeconv()->decimal_point;
  if (!dp || strcmp(dp, ".") == 0 || strlen(dp) != 1) return strtod(t, NULL);
  char small[128], *buf = small;
  size_t n = strlen(t);
  if (n >= sizeof small && !(buf = malloc(n + 1))) return NAN; /* out of memory: not a number */
  memcpy(buf, t, n + 1);
  char *dot = strchr(buf, '.');
  if (dot) *dot = dp[0];
  double v = strtod(buf, NULL);
  if (buf != small) free(buf);
  return v;
}

/* Some digit of the mantissa (before the exponent) is not 0. */
static int nonzero_mantissa(const char *t) {
  for (; *t && *t != 'e' && *t != 'E'; t++)
    if (*t >= '1' && *t <= '9') return 1;
  return 0;
}

bw_dec_status bw_parse_decimal(const char *t, double *out) {
  if (!bw_is_decimal(t)) return BW_DEC_SYNTAX;
  double v = bw_strtod_c(t);
  if (isnan(v)) return BW_DEC_SYNTAX;
  if (isinf(v)) return BW_DEC_OVERFLOW;
  if (v == 0 && nonzero_mantissa(t)) return BW_DEC_UNDERFLOW;
  if (v != 0 && fabs(v) < DBL_MIN) return BW_DEC_SUBNORMAL;
  *out = v;
  return BW_DEC_OK;
}

void bw_num_show(char *buf, size_t n, double v) {
  if (isinf(v))
    snprintf(buf, n, "%s", v > 0 ? ".inf" : "-.inf");
  else if (v == floor(v) && fabs(v) < 1e10)
    snprintf(buf, n, "%.0f", v);
  else
    snprintf(buf, n, "%g", v);
}

const char *bw_dec_problem(bw_dec_status st) {
  switch (st) {
  case BW_DEC_OVERFLOW: return "too large for a double (beyond 1.8e308)";
  case BW_DEC_UNDERFLOW: return "too small for a double: it would be read as 0 (nonzero magnitudes start at 2.2e-308)";
  case BW_DEC_SUBNORMAL: return "a subnormal number, below the smallest normal double 2.2e-308 in magnitude";
  case BW_DEC_SYNTAX: return "not a decimal number";
  default: return "no problem";
  }
}

/* ---- bounded reads of regular files ------------------------------------------ */

const char *bw_file_kind(unsigned mode) {
  mode_t m = (mode_t)mode;
  if (S_ISREG(m)) return "a regular file";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

void bw_size_text(char *buf, size_t cap, size_t n) {
  if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
    snprintf(buf, cap, "%zu MiB", n >> 20);
  else if (n >= 1024 && n % 1024 == 0)
    snprintf(buf, cap, "%zu KiB", n >> 10);
  else
    snprintf(buf, cap, "%zu bytes", n);
}

static bw_status refuse(const char *path, const struct stat *sb, size_t max, bw_status bad, const char *what,
                        bw_ctx *ctx) {
  if (!S_ISREG(sb->st_mode))
    return bw_fail(ctx, bad, "%s: not a regular file (%s): a %s must be a regular file", path,
                   bw_file_kind((unsigned)sb->st_mode), what);
  char lim[32];
  bw_size_text(lim, sizeof lim, max);
  return bw_fail(ctx, bad, "%s: %s larger than %s (%lld bytes)", path, what, lim, (long long)sb->st_size);
}

bw_status bw_read_input_file(const char *path, size_t max, bw_status bad, const char *what, char **text,
                             size_t *len, bw_ctx *ctx) {
  *text = NULL;
  *len = 0;
  struct stat sb;
  if (stat(path, &sb) != 0) return bw_fail(ctx, BW_EIO, "%s: cannot open %s: %s", path, what, strerror(errno));
  if (!S_ISREG(sb.st_mode) || (uintmax_t)sb.st_size > max) return refuse(path, &sb, max, bad, what, ctx);
  /* O_NONBLOCK: should the path have become a FIFO since the stat, the open
   * does not wait for a writer; fstat then refuses it */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return bw_fail(ctx, BW_EIO, "%s: cannot open %s: %s", path, what, strerror(errno));
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return bw_fail(ctx, BW_EIO, "%s: cannot read %s: %s", path, what, strerror(e));
  }
  if (!S_ISREG(sb.st_mode) || (uintmax_t)sb.st_size > max) {
    close(fd);
    return refuse(path, &sb, max, bad, what, ctx);
  }
  /* the size as stat says, and room to see the file grow past max */
  size_t cap = (size_t)sb.st_size + 2, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      close(fd);
      return bw_fail(ctx, BW_ENOMEM, "%s: out of memory", path);
    }
    if (n > max) {
      free(buf);
      close(fd);
      sb.st_size = (off_t)n;
      return refuse(path, &sb, max, bad, what, ctx);
    }
    if (cap - n < 2) {
      size_t ncap = cap < max / 2 ? 2 * cap : max + 2;
      char *nb = realloc(buf, ncap);
      if (!nb) free(buf);
      buf = nb;
      cap = ncap;
      continue;
    }
    ssize_t got = read(fd, buf + n, cap - n - 1);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int e = errno;
      free(buf);
      close(fd);
      return bw_fail(ctx, BW_EIO, "%s: cannot read %s: %s", path, what, strerror(e));
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  close(fd);
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return BW_OK;
}
