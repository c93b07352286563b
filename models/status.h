/* One status type for the whole of bwsim, generated from one list (X-macro),
 * and the error context that carries a message naming file, line and field. */
#ifndef BW_STATUS_H
#define BW_STATUS_H

#include <stddef.h>

/* X(name, value, description) */
#define BW_STATUS_LIST(X)                                              \
  X(BW_OK,      0, "success")                                          \
  X(BW_ENOMEM, -1, "out of memory")                                    \
  X(BW_EIO,    -2, "input/output error")                               \
  X(BW_EPARAM, -3, "invalid parameter file")                           \
  X(BW_EDATA,  -4, "invalid data table")                               \
  X(BW_EUSAGE, -5, "invalid command line")                             \
  X(BW_EEXIST, -6, "output exists (use --force to replace it)")        \
  X(BW_EHDF5,  -7, "HDF5 error")                                       \
  X(BW_EGSL,   -8, "GSL error")                                        \
  X(BW_EMODEL, -9, "model error")                                      \
  X(BW_EMPI,  -10, "MPI error")

typedef enum {
#define BW_X_ENUM(name, value, text) name = value,
  BW_STATUS_LIST(BW_X_ENUM)
#undef BW_X_ENUM
} bw_status;

const char *bw_strerror(bw_status st);

/* Process exit code for a status: 0 ok, 2 bad input (params, data, CLI,
 * existing output), 1 anything else. */
int bw_exit_code(bw_status st);

#define BW_MSG_MAX 1024

/* Error context: the first failure wins; later failures do not overwrite it. */
typedef struct bw_ctx {
  bw_status status;
  char msg[BW_MSG_MAX];
} bw_ctx;

void bw_ctx_init(bw_ctx *ctx);

/* Record a failure: message formatted as printf. Returns st for
 * `return bw_fail(ctx, BW_EPARAM, "%s:%d: %s must be >= 1", ...)`. */
bw_status bw_fail(bw_ctx *ctx, bw_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
