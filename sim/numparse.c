#include "numparse.h"

#include <ctype.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

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
  char buf[128];
  if (dp && strcmp(dp, ".") != 0 && strlen(dp) == 1 && strlen(t) < sizeof buf) {
    strcpy(buf, t);
    char *dot = strchr(buf, '.');
    if (dot) *dot = dp[0];
    return strtod(buf, NULL);
  }
  return strtod(t, NULL);
}
