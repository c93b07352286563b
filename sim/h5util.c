/* Reproducible HDF5 writing (sim/h5util.h). */
#include "h5util.h"

#include <stdlib.h>
#include <string.h>

static int ok(const bw_h5 *h) { return h->ctx->status == BW_OK && h->file >= 0; }

static void fail(bw_h5 *h, const char *what, const char *obj) {
  if (h->ctx->status == BW_OK) bw_fail(h->ctx, BW_EIO, "%s: HDF5 cannot %s %s", h->shown, what, obj);
}

bw_status bw_h5_create(bw_h5 *h, const char *path, const char *shown, bw_ctx *ctx) {
  memset(h, 0, sizeof *h);
  h->file = h->fcpl = h->fapl = h->gcpl = h->dcpl = -1;
  h->shown = shown;
  h->ctx = ctx;
  /* we report through ctx; HDF5 would print its stack to stderr */
  H5Eget_auto2(H5E_DEFAULT, &h->old_func, &h->old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  h->fcpl = H5Pcreate(H5P_FILE_CREATE);
  h->fapl = H5Pcreate(H5P_FILE_ACCESS);
  h->gcpl = H5Pcreate(H5P_GROUP_CREATE);
  h->dcpl = H5Pcreate(H5P_DATASET_CREATE);
  /* no modification times: identical runs, identical bytes */
  if (h->fcpl < 0 || h->fapl < 0 || h->gcpl < 0 || h->dcpl < 0 || H5Pset_obj_track_times(h->fcpl, 0) < 0 ||
      H5Pset_obj_track_times(h->gcpl, 0) < 0 || H5Pset_obj_track_times(h->dcpl, 0) < 0 ||
      H5Pset_libver_bounds(h->fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18) < 0) {
    fail(h, "set up the properties of", "the file");
  } else {
    h->file = H5Fcreate(path, H5F_ACC_TRUNC, h->fcpl, h->fapl);
    if (h->file < 0) fail(h, "create", path);
  }
  if (ctx->status != BW_OK) return bw_h5_close(h);
  return BW_OK;
}

bw_status bw_h5_close(bw_h5 *h) {
  if (h->file >= 0 && H5Fclose(h->file) < 0) fail(h, "close", "the file");
  hid_t *p[4] = {&h->dcpl, &h->gcpl, &h->fapl, &h->fcpl};
  for (int i = 0; i < 4; i++)
    if (*p[i] >= 0) H5Pclose(*p[i]);
  h->file = h->fcpl = h->fapl = h->gcpl = h->dcpl = -1;
  H5Eset_auto2(H5E_DEFAULT, h->old_func, h->old_data);
  return h->ctx->status;
}

static void attr(bw_h5 *h, hid_t obj, const char *objpath, const char *name, hid_t ftype, hid_t mtype,
                 const void *v) {
  if (!ok(h)) return;
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = sp >= 0 ? H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
  if (a < 0 || H5Awrite(a, mtype, v) < 0) fail(h, "write the attribute of", objpath);
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
}

static hid_t str_type(size_t len) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return t;
  if (H5Tset_size(t, len > 0 ? len : 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
      H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    H5Tclose(t);
    return -1;
  }
  return t;
}

static void attr_str_on(bw_h5 *h, hid_t obj, const char *objpath, const char *name, const char *v) {
  if (!ok(h)) return;
  hid_t t = str_type(strlen(v));
  if (t < 0) {
    fail(h, "make a string type for", objpath);
    return;
  }
  attr(h, obj, objpath, name, t, t, v);
  H5Tclose(t);
}

/* The object at path, or -1 (error recorded). */
static hid_t open_obj(bw_h5 *h, const char *path) {
  if (!ok(h)) return -1;
  hid_t o = H5Oopen(h->file, path, H5P_DEFAULT);
  if (o < 0) fail(h, "open", path);
  return o;
}

void bw_h5_attr_str(bw_h5 *h, const char *objpath, const char *name, const char *v) {
  hid_t o = open_obj(h, objpath);
  if (o < 0) return;
  attr_str_on(h, o, objpath, name, v ? v : "");
  H5Oclose(o);
}
void bw_h5_attr_double(bw_h5 *h, const char *objpath, const char *name, double v) {
  hid_t o = open_obj(h, objpath);
  if (o < 0) return;
  attr(h, o, objpath, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
  H5Oclose(o);
}
void bw_h5_attr_int(bw_h5 *h, const char *objpath, const char *name, int v) {
  hid_t o = open_obj(h, objpath);
  if (o < 0) return;
  attr(h, o, objpath, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
  H5Oclose(o);
}
void bw_h5_attr_u64(bw_h5 *h, const char *objpath, const char *name, uint64_t v) {
  hid_t o = open_obj(h, objpath);
  if (o < 0) return;
  attr(h, o, objpath, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
  H5Oclose(o);
}

void bw_h5_group(bw_h5 *h, const char *path, const char *description) {
  if (!ok(h)) return;
  hid_t g = H5Gcreate2(h->file, path, H5P_DEFAULT, h->gcpl, H5P_DEFAULT);
  if (g < 0) {
    fail(h, "create the group", path);
    return;
  }
  if (description) attr_str_on(h, g, path, "description", description);
  H5Gclose(g);
}

static void dataset(bw_h5 *h, const char *path, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                    const void *v, const char *desc, const char *units) {
  if (!ok(h)) return;
  hid_t sp = H5Screate_simple(rank, dims, NULL);
  hid_t ds = sp >= 0 ? H5Dcreate2(h->file, path, ftype, sp, H5P_DEFAULT, h->dcpl, H5P_DEFAULT) : -1;
  hsize_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  if (ds < 0 || (n > 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0))
    fail(h, "write the dataset", path);
  if (ds >= 0) {
    if (desc) attr_str_on(h, ds, path, "description", desc);
    if (units) attr_str_on(h, ds, path, "units", units);
    H5Dclose(ds);
  }
  if (sp >= 0) H5Sclose(sp);
}

void bw_h5_doubles(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const double *v,
                   const char *desc, const char *units) {
  dataset(h, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, v, desc, units);
}

void bw_h5_ints(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const int *v, const char *desc) {
  dataset(h, path, H5T_STD_I32LE, H5T_NATIVE_INT, rank, dims, v, desc, NULL);
}

void bw_h5_strings(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const char *const *v,
                   const char *desc) {
  if (!ok(h)) return;
  size_t n = 1, len = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(v[i]);
    if (l > len) len = l;
  }
  char *buf = calloc(n ? n : 1, len); /* zero padding: the same bytes every time */
  hid_t t = str_type(len);
  if (!buf || t < 0) {
    free(buf);
    if (t >= 0) H5Tclose(t);
    fail(h, "allocate the strings of", path);
    return;
  }
  for (size_t i = 0; i < n; i++) memcpy(buf + i * len, v[i], strlen(v[i]));
  dataset(h, path, t, t, rank, dims, buf, desc, NULL);
  H5Tclose(t);
  free(buf);
}
