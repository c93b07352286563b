/* The one HDF5 writer of bwsim's result files (results.h5, compare.h5,
 * sweep.h5): reproducible (no modification times, HDF5 1.8-compatible
 * format, zero-padded fixed-length strings: identical input, identical
 * bytes), self-describing (a `description` and `units` attribute where
 * given), readable by netCDF tools such as xarray (dimension scales, string
 * datasets marked `_Encoding` = "utf-8"), and with the first error reported
 * through ctx (BW_EHDF5 with HDF5's innermost reason) and HDF5's own error
 * stack silenced. After an error every further call is a no-op, so a writer
 * can make all its calls and check once at bw_h5_close.
 *
 * The file is built in memory (HDF5's core driver, no backing store) and
 * bw_h5_close writes its image with write(2) and fsync: HDF5 itself never
 * meets an I/O error. (HDF5 1.10 leaves a file whose H5Fclose failed, e.g.
 * on a full disk, half-freed in its ID table, and its exit handler
 * H5_term_library then crashes in H5F__close_cb: HDFFV-11052. Here a full
 * disk, a quota or a read-only file system is an ordinary BW_EIO with the
 * system's reason, and the partial file is removed.) */
#ifndef BW_H5UTIL_H
#define BW_H5UTIL_H

#include <stdint.h>

#include <hdf5.h>

#include "status.h"

typedef struct {
  hid_t file, fcpl, fapl, gcpl, dcpl;
  int fd;           /* the file on disk, written at bw_h5_close */
  const char *path;
  H5E_auto2_t old_func;
  void *old_data;
  const char *shown; /* the file's name in messages */
  bw_ctx *ctx;
} bw_h5;

/* Create path (BW_EIO when it cannot be: the reason named) and an empty
 * HDF5 file in memory for it. */
bw_status bw_h5_create(bw_h5 *h, const char *path, const char *shown, bw_ctx *ctx);
/* Write the file to path and fsync it, or remove path after an error; free
 * everything (and restore HDF5's error printing). The first error. */
bw_status bw_h5_close(bw_h5 *h);
/* 1 while no call has failed. */
int bw_h5_ok(const bw_h5 *h);

/* description may be NULL */
void bw_h5_group(bw_h5 *h, const char *path, const char *description);

/* Element types of numeric datasets, with the C type of their values. */
typedef enum {
  BW_H5_F64, /* double */
  BW_H5_I8,  /* signed char */
  BW_H5_U8,  /* unsigned char */
  BW_H5_I32, /* int */
  BW_H5_I64  /* long long */
} bw_h5_type;

/* A dataset of rank 0 (dims NULL), 1 or 2 (row-major); desc and units may be
 * NULL. */
void bw_h5_data(bw_h5 *h, const char *path, bw_h5_type type, int rank, const hsize_t *dims, const void *v,
                const char *desc, const char *units);
void bw_h5_doubles(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const double *v,
                   const char *desc, const char *units);
void bw_h5_ints(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const int *v, const char *desc);
/* Fixed-length UTF-8 strings (as long as the longest), rank 0 (dims NULL: one
 * string), 1 or 2; v row-major. */
void bw_h5_strings(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const char *const *v,
                   const char *desc);
/* n variable-length UTF-8 strings, rank 1. */
void bw_h5_vlstrings(bw_h5 *h, const char *path, int n, const char *const *v, const char *desc);

/* Attributes on the object at objpath ("/" for the file). */
void bw_h5_attr_str(bw_h5 *h, const char *objpath, const char *name, const char *v);
void bw_h5_attr_double(bw_h5 *h, const char *objpath, const char *name, double v);
void bw_h5_attr_int(bw_h5 *h, const char *objpath, const char *name, int v);
void bw_h5_attr_u64(bw_h5 *h, const char *objpath, const char *name, uint64_t v);

/* Dimensions. The 1-D dataset at path becomes the dimension scale `name`
 * (the coordinate of that dimension). */
void bw_h5_scale(bw_h5 *h, const char *path, const char *name);
/* Attach axis 0 of the dataset at path to the scale at scale0 and axis 1
 * (when scale1 is not NULL) to scale1, each labelled with its scale's name.
 * A scale in another group is also hard-linked into the dataset's group,
 * under its own base name (made once per group): netCDF readers (xarray)
 * name a dimension after the scale's base name and look for it in the group
 * and its parents, so every group opens with its coordinates. */
void bw_h5_dims(bw_h5 *h, const char *path, const char *scale0, const char *scale1);

#endif
