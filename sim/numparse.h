/* What the params (YAML) and data (CSV) readers share: strict numbers and
 * bounded reads of regular files. */
#ifndef BW_NUMPARSE_H
#define BW_NUMPARSE_H

#include <stddef.h>

#include "status.h"

/* Strict decimal: [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)? -- no inf, nan, hex, junk. */
int bw_is_decimal(const char *t);

/* strtod in the "C" notation whatever LC_NUMERIC says; t must pass bw_is_decimal. */
double bw_strtod_c(const char *t);

/* A decimal read strictly: BW_DEC_OK and *out set only for a decimal
 * (bw_is_decimal) whose value is zero (written as zero: 0, -0.0, 0e5) or a
 * finite normal double. Too large for a double, a nonzero literal that rounds
 * to 0 (1e-400) and a subnormal (4.9e-324) are errors, never a silent inf or 0. */
typedef enum { BW_DEC_OK = 0, BW_DEC_SYNTAX, BW_DEC_OVERFLOW, BW_DEC_UNDERFLOW, BW_DEC_SUBNORMAL } bw_dec_status;
bw_dec_status bw_parse_decimal(const char *t, double *out);

/* v as a user would write it: 2021, 0.5, 100000000, 1e+12, .inf. */
void bw_num_show(char *buf, size_t n, double v);

/* What is wrong with a decimal of status st (not BW_DEC_OK, BW_DEC_SYNTAX),
 * for a message: "too large for a double (beyond 1.8e308)". */
const char *bw_dec_problem(bw_dec_status st);

/* The whole of the regular file at path into a malloc'd NUL-terminated
 * *text (*len bytes). Never blocks and never reads more than max bytes: the
 * path is checked with stat before it is opened, opened with O_NONBLOCK and
 * checked again; a FIFO, device, directory or socket and a file over max
 * bytes are refused with status bad ("PATH: not a regular file (a FIFO)",
 * "PATH: larger than 1 MiB (...)"), a file that cannot be opened or read
 * with BW_EIO. what names the file in messages ("params file"). */
bw_status bw_read_input_file(const char *path, size_t max, bw_status bad, const char *what, char **text,
                             size_t *len, bw_ctx *ctx);

/* "a FIFO", "a directory", "a character device", ... for a st_mode that is
 * not a regular file ("a regular file" for one). */
const char *bw_file_kind(unsigned mode);

/* n bytes as "64 MiB", "1 MiB", "512 KiB" or "100 bytes". */
void bw_size_text(char *buf, size_t cap, size_t n);

#endif
