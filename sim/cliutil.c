#include "cliutil.h"

#include <errno.h>
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
