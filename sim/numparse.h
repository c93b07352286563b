/* Strict number parsing shared by the params (YAML) and data (CSV) readers. */
#ifndef BW_NUMPARSE_H
#define BW_NUMPARSE_H

/* Strict decimal: [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)? -- no inf, nan, hex, junk. */
int bw_is_decimal(const char *t);

/* strtod in the "C" notation whatever LC_NUMERIC says; t must pass bw_is_decimal. */
double bw_strtod_c(const char *t);

#endif
