/* Placeholder until the report command lands (issue 4): says so and fails. */
#include "report_cmd.h"

#include <stdio.h>

bw_status bw_report_write(const char *dir, const char *lang, int force, int quiet,
                          char *path_out, size_t cap, bw_ctx *ctx) {
  (void)dir, (void)lang, (void)force, (void)quiet, (void)path_out, (void)cap;
  return bw_fail(ctx, BW_EUSAGE, "bwsim report is not built yet");
}

int bw_report_main(int argc, char **argv) {
  (void)argc, (void)argv;
  fputs("bwsim report: not built yet\n", stderr);
  return 1;
}
