#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *bw_strerror(bw_status st) {
  switch (st) {
#define BW_X_CASE(name, value, text) case name: return text;
    BW_STATUS_LIST(BW_X_CASE)
#undef BW_X_CASE
  }
  return "unknown status";
}

int bw_exit_code(bw_status st) {
  switch (st) {
  case BW_OK: return 0;
  case BW_EPARAM: case BW_EDATA: case BW_EUSAGE: case BW_EEXIST: return 2;
  default: return 1;
  }
}

void bw_ctx_init(bw_ctx *ctx) {
  ctx->status = BW_OK;
  ctx->msg[0] = '\0';
}

bw_status bw_fail(bw_ctx *ctx, bw_status st, const char *fmt, ...) {
  if (ctx && ctx->status == BW_OK) {
    ctx->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
  }
  return st;
}
