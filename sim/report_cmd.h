/* `bwsim report DIR`: a self-contained report (HTML with embedded PNG, and a
 * PDF) from a results directory, drawn by sim/report.py (matplotlib). */
#ifndef BW_REPORT_CMD_H
#define BW_REPORT_CMD_H

#include "status.h"

/* Write DIR/report/ (report.html, report.pdf, figures/NAME.png) atomically.
 * lang: "nl" or "en". Refuses to replace an existing report unless force.
 * quiet: no progress text on stdout. On success, when path_out is not NULL,
 * copies the path of report.html into it (cap bytes). */
bw_status bw_report_write(const char *dir, const char *lang, int force, int quiet,
                          char *path_out, size_t cap, bw_ctx *ctx);

/* The `bwsim report` command: argv[0] = "report". Returns the exit code. */
int bw_report_main(int argc, char **argv);

#endif
