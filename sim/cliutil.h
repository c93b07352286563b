/* Small helpers shared by the commands (run, validate, report): number
 * parsing for options, the progress bar, RFC 4180 CSV text fields. */
#ifndef BW_CLIUTIL_H
#define BW_CLIUTIL_H

#include <stdio.h>

/* A whole decimal number in [lo, hi]: 0, or -1 (empty, junk, out of range). */
int bw_parse_ll(const char *s, long long lo, long long hi, long long *out);
/* A whole non-negative decimal number that fits 64 bits (a seed): 0 or -1. */
int bw_parse_u64(const char *s, unsigned long long *out);
/* 1 when path is an existing regular file. */
int bw_file_exists(const char *path);

/* One line of progress on stderr (overwritten in place): `done` of `total`
 * replications; the rate and the ETA from the `fresh` of them simulated in
 * `elapsed` seconds. label may be NULL. */
void bw_progress_draw(const char *label, long done, long total, double elapsed, long fresh);

/* RFC 4180: s as one CSV field, quoted when it holds a comma, quote or line
 * break. */
void bw_csv_field(FILE *f, const char *s);

#endif
