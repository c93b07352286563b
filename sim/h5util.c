/* The HDF5 writer of the result files (sim/h5util.h). */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC, fsync */

#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5_hl.h>

int bw_h5_ok(const bw_h5 *h) { return h->ctx->status == BW_OK && h->file >= 0; }

static herr_t first_error_cb(unsigned n, const H5E_error2_t *err, void *data) {
  if (n == 0 && err->desc) snprintf(data, 256, "%s", err->desc);
  return 0;
}

/* Record the failure to `what` the object obj, with HDF5's innermost reason. */
static void fail(bw_h5 *h, const char *what, const char *obj) {
  if (h->ctx->status != BW_OK) return;
  char why[256] = "";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error_cb, why);
  bw_fail(h->ctx, BW_EHDF5, "%s: cannot %s %s%s%s", h->shown, what, obj, why[0] ? ": " : "", why);
}

bw_status bw_h5_create(bw_h5 *h, const char *path, const char *shown, bw_ctx *ctx) {
  memset(h, 0, sizeof *h);
  h->file = h->fcpl = h->fapl = h->gcpl = h->dcpl = -1;
  h->shown = shown;
  h->path = path;
  h->ctx = ctx;
  /* we report through ctx; HDF5 would print its stack to stderr. The handler
   * is process-wide state of the library: bw_h5_close puts it back. */
  H5Eget_auto2(H5E_DEFAULT, &h->old_func, &h->old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  h->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (h->fd < 0) {
    bw_fail(ctx, BW_EIO, "%s: cannot create %s: %s", shown, path, strerror(errno));
    return bw_h5_close(h);
  }
  h->fcpl = H5Pcreate(H5P_FILE_CREATE);
  h->fapl = H5Pcreate(H5P_FILE_ACCESS);
  h->gcpl = H5Pcreate(H5P_GROUP_CREATE);
  h->dcpl = H5Pcreate(H5P_DATASET_CREATE);
  /* no modification times: identical runs, identical bytes; a file format
   * that HDF5 1.8 readers open; in memory, grown 1 MiB at a time, never
   * written by HDF5 */
  if (h->fcpl < 0 || h->fapl < 0 || h->gcpl < 0 || h->dcpl < 0 || H5Pset_obj_track_times(h->fcpl, 0) < 0 ||
      H5Pset_obj_track_times(h->gcpl, 0) < 0 || H5Pset_obj_track_times(h->dcpl, 0) < 0 ||
      H5Pset_libver_bounds(h->fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18) < 0 ||
      H5Pset_fapl_core(h->fapl, (size_t)1 << 20, 0) < 0) {
    fail(h, "set up the properties of", "the file");
  } else {
    h->file = H5Fcreate(path, H5F_ACC_TRUNC, h->fcpl, h->fapl);
    if (h->file < 0) fail(h, "create", "the file in memory");
  }
  if (ctx->status != BW_OK) return bw_h5_close(h);
  return BW_OK;
}

/* The file's image, from memory to h->fd. */
static void write_image(bw_h5 *h) {
  if (!bw_h5_ok(h)) return;
  ssize_t n = H5Fflush(h->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(h->file, NULL, 0);
  char *buf = n > 0 ? malloc((size_t)n) : NULL;
  if (n <= 0 || !buf || H5Fget_file_image(h->file, buf, (size_t)n) != n) {
    free(buf);
    if (n > 0 && !buf)
      bw_fail(h->ctx, BW_ENOMEM, "%s: out of memory for the file image (%zd bytes)", h->shown, n);
    else
      fail(h, "take the image of", "the file");
    return;
  }
  const char *p = buf;
  size_t left = (size_t)n;
  int e = 0;
  while (left > 0 && !e) {
    ssize_t w = write(h->fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) e = w < 0 ? errno : EIO;
    else p += w, left -= (size_t)w;
  }
  free(buf);
  if (!e && fsync(h->fd) != 0) e = errno;
  if (e) bw_fail(h->ctx, BW_EIO, "%s: write error: %s", h->shown, strerror(e));
}

bw_status bw_h5_close(bw_h5 *h) {
  write_image(h);
  /* in memory: closing writes nothing and cannot meet an I/O error */
  if (h->file >= 0 && H5Fclose(h->file) < 0) fail(h, "close", "the file");
  hid_t *p[4] = {&h->dcpl, &h->gcpl, &h->fapl, &h->fcpl};
  for (int i = 0; i < 4; i++)
    if (*p[i] >= 0) H5Pclose(*p[i]);
  h->file = h->fcpl = h->fapl = h->gcpl = h->dcpl = -1;
  if (h->fd >= 0) {
    if (close(h->fd) != 0 && h->ctx->status == BW_OK)
      bw_fail(h->ctx, BW_EIO, "%s: write error: %s", h->shown, strerror(errno));
    if (h->ctx->status != BW_OK) unlink(h->path); /* no partial file */
  }
  h->fd = -1;
  H5Eset_auto2(H5E_DEFAULT, h->old_func, h->old_data);
  return h->ctx->status;
}

/* ---- attributes ------------------------------------------------------------ */

static void attr(bw_h5 *h, hid_t obj, const char *objpath, const char *name, hid_t ftype, hid_t mtype,
                 const void *v) {
  if (!bw_h5_ok(h)) return;
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = sp >= 0 ? H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
  if (a < 0 || H5Awrite(a, mtype, v) < 0) {
    char what[128];
    snprintf(what, sizeof what, "write the attribute %s of", name);
    fail(h, what, objpath);
  }
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
}

/* Fixed-length, zero-padded UTF-8 strings of len bytes. */
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
  if (!bw_h5_ok(h)) return;
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
  if (!bw_h5_ok(h)) return -1;
  hid_t o = H5Oopen(h->file, path, H5P_DEFAULT);
  if (o < 0) fail(h, "open", path);
  return o;
}

static void attr_at(bw_h5 *h, const char *objpath, const char *name, hid_t ftype, hid_t mtype, const void *v) {
  hid_t o = open_obj(h, objpath);
  if (o < 0) return;
  attr(h, o, objpath, name, ftype, mtype, v);
  H5Oclose(o);
}

void bw_h5_attr_str(bw_h5 *h, const char *objpath, const char *name, const char *v) {
  hid_t o = open_obj(h, objpath);
  if (o < 0) return;
  attr_str_on(h, o, objpath, name, v ? v : "");
  H5Oclose(o);
}
void bw_h5_attr_double(bw_h5 *h, const char *objpath, const char *name, double v) {
  attr_at(h, objpath, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}
void bw_h5_attr_int(bw_h5 *h, const char *objpath, const char *name, int v) {
  attr_at(h, objpath, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}
void bw_h5_attr_u64(bw_h5 *h, const char *objpath, const char *name, uint64_t v) {
  attr_at(h, objpath, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}

/* ---- groups and datasets ------------------------------------------------- */

void bw_h5_group(bw_h5 *h, const char *path, const char *description) {
  if (!bw_h5_ok(h)) return;
  hid_t g = H5Gcreate2(h->file, path, H5P_DEFAULT, h->gcpl, H5P_DEFAULT);
  if (g < 0) {
    fail(h, "create the group", path);
    return;
  }
  if (description) attr_str_on(h, g, path, "description", description);
  H5Gclose(g);
}

/* Create and write the dataset path (rank 0: scalar) with its attributes. */
static void dataset(bw_h5 *h, const char *path, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                    const void *v, const char *desc, const char *units, const char *encoding) {
  if (!bw_h5_ok(h)) return;
  hid_t sp = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
  hid_t ds = sp >= 0 ? H5Dcreate2(h->file, path, ftype, sp, H5P_DEFAULT, h->dcpl, H5P_DEFAULT) : -1;
  hsize_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  if (ds < 0)
    fail(h, "create the dataset", path);
  else if (n > 0 && H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    fail(h, "write the dataset", path);
  if (ds >= 0) {
    if (desc) attr_str_on(h, ds, path, "description", desc);
    if (units) attr_str_on(h, ds, path, "units", units);
    /* xarray (CF decoding) reads fixed-length strings marked so as text */
    if (encoding) attr_str_on(h, ds, path, "_Encoding", encoding);
    H5Dclose(ds);
  }
  if (sp >= 0) H5Sclose(sp);
}

void bw_h5_data(bw_h5 *h, const char *path, bw_h5_type type, int rank, const hsize_t *dims, const void *v,
                const char *desc, const char *units) {
  if (!bw_h5_ok(h)) return;
  hid_t ft = H5T_IEEE_F64LE, mt = H5T_NATIVE_DOUBLE;
  switch (type) {
  case BW_H5_I8: ft = H5T_STD_I8LE, mt = H5T_NATIVE_SCHAR; break;
  case BW_H5_U8: ft = H5T_STD_U8LE, mt = H5T_NATIVE_UCHAR; break;
  case BW_H5_I32: ft = H5T_STD_I32LE, mt = H5T_NATIVE_INT; break;
  case BW_H5_I64: ft = H5T_STD_I64LE, mt = H5T_NATIVE_LLONG; break;
  default: break;
  }
  dataset(h, path, ft, mt, rank, dims, v, desc, units, NULL);
}

void bw_h5_doubles(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const double *v,
                   const char *desc, const char *units) {
  bw_h5_data(h, path, BW_H5_F64, rank, dims, v, desc, units);
}

void bw_h5_ints(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const int *v, const char *desc) {
  bw_h5_data(h, path, BW_H5_I32, rank, dims, v, desc, NULL);
}

void bw_h5_strings(bw_h5 *h, const char *path, int rank, const hsize_t *dims, const char *const *v,
                   const char *desc) {
  if (!bw_h5_ok(h)) return;
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
  dataset(h, path, t, t, rank, dims, buf, desc, NULL, "utf-8");
  H5Tclose(t);
  free(buf);
}

void bw_h5_vlstrings(bw_h5 *h, const char *path, int n, const char *const *v, const char *desc) {
  if (!bw_h5_ok(h)) return;
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    fail(h, "make a string type for", path);
  } else {
    hsize_t dims[1] = {(hsize_t)n};
    dataset(h, path, t, t, 1, dims, v, desc, NULL, NULL);
  }
  if (t >= 0) H5Tclose(t);
}

/* ---- dimensions ------------------------------------------------------------ */

void bw_h5_scale(bw_h5 *h, const char *path, const char *name) {
  hid_t ds = open_obj(h, path);
  if (ds < 0) return;
  if (H5DSset_scale(ds, name) < 0) fail(h, "make a dimension scale of", path);
  H5Oclose(ds);
}

/* The scale at scale, as seen from the group of path: scale itself when it
 * lies in that group, else a hard link there under its base name (made
 * once). The path into out. */
static int scale_in_group(bw_h5 *h, const char *path, const char *scale, char *out, size_t cap) {
  const char *ps = strrchr(path, '/'), *ss = strrchr(scale, '/');
  size_t gl = (size_t)(ps - path), sl = (size_t)(ss - scale);
  if (gl == sl && !strncmp(path, scale, gl)) {
    snprintf(out, cap, "%s", scale);
    return 0;
  }
  if ((size_t)snprintf(out, cap, "%.*s/%s", (int)gl, path, ss + 1) >= cap) {
    fail(h, "name the dimension of", path);
    return -1;
  }
  htri_t there = H5Lexists(h->file, out, H5P_DEFAULT);
  if (there < 0 || (!there && H5Lcreate_hard(h->file, scale, h->file, out, H5P_DEFAULT, H5P_DEFAULT) < 0)) {
    fail(h, "link the dimension scale into", out);
    return -1;
  }
  return 0;
}

static void attach(bw_h5 *h, hid_t ds, const char *path, const char *scale, unsigned dim) {
  char local[512], name[64] = "";
  if (!bw_h5_ok(h) || scale_in_group(h, path, scale, local, sizeof local)) return;
  hid_t sc = open_obj(h, local);
  if (sc < 0) return;
  if (H5DSis_scale(sc) <= 0) /* a dataset of the same name is in the way */
    fail(h, "use as a dimension scale", local);
  else if (H5DSattach_scale(ds, sc, dim) < 0)
    fail(h, "attach a dimension scale to", path);
  else if (H5DSget_scale_name(sc, name, sizeof name) < 0 || H5DSset_label(ds, dim, name) < 0)
    fail(h, "label a dimension of", path);
  H5Oclose(sc);
}

void bw_h5_dims(bw_h5 *h, const char *path, const char *scale0, const char *scale1) {
  hid_t ds = open_obj(h, path);
  if (ds < 0) return;
  attach(h, ds, path, scale0, 0);
  if (scale1) attach(h, ds, path, scale1, 1);
  H5Oclose(ds);
}
