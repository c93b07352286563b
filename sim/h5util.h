/* A small HDF5 writer for reproducible result files (compare.h5, sweep.h5):
 * no modification times, HDF5 1.8-compatible format, fixed-length UTF-8
 * strings, a `description` (and `units`) attribute on every dataset, and the
 * first error reported through ctx with HDF5's own error stack silenced.
 * After an error every further call is a no-op, so a writer can make all
 * its calls and check once at bw_h5_close. */
#ifndef BW_H5UTIL_H
#define BW_H5UTIL_H

#include <stdint.h>

#include <hdf5.h>

#include "status.h"

typedef struct {
  hid_t file, fcpl, fapl, gcpl, dcpl;
  H5E_auto2_t old_func;
  void *old_data;
  const char *shown; /* the file's name in messages */
  bw_ctx *ctx;
} bw_h5;

bw_status bw_h5_create(bw_h5 *h, const char *path, const char *shown, bw_ctx *ctx);
/* Close the file (and restore HDF5's error printing); the first error. */
bw_status bw_h5_close(bw_h5 *h);

void bw_h5_group(bw_h5 *h, const char *path, const char *description);
/* rank 1 or 2; desc and units may be NULL */
void bw_h5_doubles(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const double *v,
                   const char *desc, const char *units);
void bw_h5_ints(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const int *v, const char *desc);
/* v: dims[0] (x dims[1]) strings, row-major */
void bw_h5_strings(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const char *const *v,
                   const char *desc);
/* Attributes on the object at objpath ("/" for the file). */
void bw_h5_attr_str(bw_h5 *h, const char *objpath, const char *name, const char *v);
void bw_h5_attr_double(bw_h5 *h, const char *objpath, const char *name, double v);
void bw_h5_attr_int(bw_h5 *h, const char *objpath, const char *name, int v);
void bw_h5_attr_u64(bw_h5 *h, const char *objpath, const char *name, uint64_t v);

#endif
