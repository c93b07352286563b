/* A set of result files that appear together or not at all: each is written
 * to dir/.NAME.tmp.<pid>, synced, and only when all are complete are they
 * renamed into place; existing targets are refused unless force, and when
 * replaced, hard-linked to a backup first so that a failed rename puts the
 * old files back. Used by `bwsim run` (sim/output.c), `compare` and `sweep`
 * (sim/compare.c). */
#ifndef BW_FILESET_H
#define BW_FILESET_H

#include <stdio.h>

#include "model_types.h"
#include "status.h"

enum { BW_FILESET_MAX = 8 };

typedef struct {
  int n;
  char dst[BW_FILESET_MAX][BW_PATH_MAX];
  char tmp[BW_FILESET_MAX][BW_PATH_MAX];
  char bak[BW_FILESET_MAX][BW_PATH_MAX];
} bw_fileset;

/* Create dir (and parents) if missing; fail with BW_EEXIST naming the first
 * of names[0..n-1] that exists when !force (or that is not a regular file);
 * check that dir is writable; fill fs's paths. Call it before a long run, so
 * the run never ends in a refusal, and again before writing. */
bw_status bw_fileset_prepare(bw_fileset *fs, const char *dir, const char *const *names, int n, int force,
                             bw_ctx *ctx);

/* Write temporary i with fn(f, arg), then flush, fsync and close it. */
typedef void (*bw_text_writer)(FILE *f, const void *arg);
bw_status bw_fileset_write_text(const bw_fileset *fs, int i, bw_text_writer fn, const void *arg, bw_ctx *ctx);

/* fsync temporary i (a file written by other means, e.g. HDF5). */
bw_status bw_fileset_sync(const bw_fileset *fs, int i, bw_ctx *ctx);

/* Rename every temporary into place (all or none), then sync dir. */
bw_status bw_fileset_commit(bw_fileset *fs, const char *dir, bw_ctx *ctx);

/* Remove the temporaries (after a failed write). */
void bw_fileset_abort(const bw_fileset *fs);

#endif
