/* Helpers shared by the Criterion tests: a per-test temporary directory and
 * the heap blocks freed with it, whole files, running the bwsim executable
 * with its exit status, stdout and stderr captured, CSV records, PNG files,
 * HDF5 attributes, and the hand-made model, Wilson interval and risk list of
 * the summary tests.
 *
 * Header-only (static inline, as model_fixture.h): every tests/test_*.c is an
 * executable of its own. The including file defines _GNU_SOURCE before its
 * first #include (nftw, mkdtemp, execvpe). */
#ifndef BW_TEST_UTIL_H
#define BW_TEST_UTIL_H

#ifndef _GNU_SOURCE
#error "test_util.h: define _GNU_SOURCE before the first #include"
#endif

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#include "output.h" /* bw_sha256_file; model.h and summary.h */

/* ---- heap blocks freed by the suite's fini ------------------------------ */

/* A failed assertion leaves the test at once: blocks taken with tu_malloc
 * are freed by tu_teardown, so that the sanitizer build reports the failure,
 * not a leak. */
static void *tu_owned[4096]; /* test_commit: some 30 kill steps, each running bwsim twice */
static int tu_n_owned;

static inline void *tu_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  cr_assert_not_null(p, "out of memory");
  return p;
}

static inline void *tu_malloc(size_t n) {
  cr_assert_lt(tu_n_owned, (int)(sizeof tu_owned / sizeof tu_owned[0]), "too many blocks");
  void *p = tu_xmalloc(n);
  tu_owned[tu_n_owned++] = p;
  return p;
}

static inline char *tu_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(tu_malloc(n), s, n);
}

/* printf into a block of the suite. */
__attribute__((format(printf, 1, 2))) static inline char *tu_format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  cr_assert_geq(n, 0, "vsnprintf: %s", fmt);
  char *s = tu_malloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

/* ---- temporary directories ---------------------------------------------- */

/* The suite's directory: /tmp/bw_test_NAME_XXXXXX, made by tu_setup (call it
 * from the suite's init) and removed with all it holds by tu_teardown (the
 * suite's fini). */
static char tu_tmp_root[64];

static inline int tu_rm_entry_(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

/* rm -rf path */
static inline void tu_rm_rf(const char *path) { nftw(path, tu_rm_entry_, 16, FTW_DEPTH | FTW_PHYS); }

static inline void tu_mkdtemp_into_(char *buf, size_t cap, const char *name) {
  int n = snprintf(buf, cap, "/tmp/bw_test_%s_XXXXXX", name);
  cr_assert(n > 0 && (size_t)n < cap, "temporary directory name too long");
  cr_assert_not_null(mkdtemp(buf), "mkdtemp: %s", strerror(errno));
}

static inline void tu_setup(const char *name) { tu_mkdtemp_into_(tu_tmp_root, sizeof tu_tmp_root, name); }

static inline void tu_teardown(void) {
  if (tu_tmp_root[0]) tu_rm_rf(tu_tmp_root);
  tu_tmp_root[0] = '\0';
  for (int i = 0; i < tu_n_owned; i++) free(tu_owned[i]);
  tu_n_owned = 0;
}

/* A fresh directory /tmp/bw_test_NAME_XXXXXX of a test that does not use the
 * suite's: its name from malloc; the caller removes (tu_rm_rf) and frees it. */
static inline char *tu_mkdtemp(const char *name) {
  char buf[64];
  tu_mkdtemp_into_(buf, sizeof buf, name);
  size_t n = strlen(buf) + 1;
  return memcpy(tu_xmalloc(n), buf, n);
}

/* tu_tmp_root/fmt..., a block of the suite. */
__attribute__((format(printf, 1, 2))) static inline char *tu_path(const char *fmt, ...) {
  char rel[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(rel, sizeof rel, fmt, ap);
  va_end(ap);
  cr_assert(n > 0 && (size_t)n < sizeof rel, "path too long");
  return tu_format("%s/%s", tu_tmp_root, rel);
}

static inline char *tu_join_with_(const char *dir, const char *name, void *(*alloc)(size_t)) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = alloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* dir/name: a block of the suite, or from malloc (the caller frees it). */
static inline char *tu_join(const char *dir, const char *name) { return tu_join_with_(dir, name, tu_malloc); }
static inline char *tu_join_malloc(const char *dir, const char *name) {
  return tu_join_with_(dir, name, tu_xmalloc);
}

/* ---- files -------------------------------------------------------------- */

static inline char *tu_slurp_with_(const char *path, size_t *len, void *(*alloc)(size_t)) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s: %s", path, strerror(errno));
  cr_assert_eq(fseek(f, 0, SEEK_END), 0);
  long n = ftell(f);
  cr_assert_geq(n, 0);
  cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
  char *buf = alloc((size_t)n + 1);
  cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n, "short read of %s", path);
  buf[n] = '\0';
  fclose(f);
  if (len) *len = (size_t)n;
  return buf;
}

/* The whole file, NUL-terminated; *len (if len is not NULL) its size. In a
 * block of the suite, or from malloc (the caller frees it). */
static inline char *tu_slurp(const char *path, size_t *len) { return tu_slurp_with_(path, len, tu_malloc); }
static inline char *tu_slurp_malloc(const char *path, size_t *len) {
  return tu_slurp_with_(path, len, tu_xmalloc);
}

static inline void tu_write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "cannot create %s: %s", path, strerror(errno));
  cr_assert_geq(fputs(text, f), 0, "cannot write %s", path);
  cr_assert_eq(fclose(f), 0, "cannot close %s", path);
}

/* path names something (a dangling link too). */
static inline int tu_exists(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0;
}

/* The entries of DIR/.bwsim that no committed set uses (sim/fileset.h: a
 * pointer WHAT -> a generation WHAT.ID.K is kept with its generation;
 * everything else there is left over). */
static inline int tu_bwsim_leftovers(const char *meta) {
  DIR *d = opendir(meta);
  cr_assert_not_null(d, "opendir %s: %s", meta, strerror(errno));
  static char names[64][256], used[128][256];
  int n = 0, nu = 0, left = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 64)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) snprintf(names[n++], sizeof names[0], "%s", e->d_name);
  closedir(d);
  for (int i = 0; i < n; i++) {
    char p[4096], t[256];
    struct stat sb;
    snprintf(p, sizeof p, "%.3800s/%.255s", meta, names[i]);
    ssize_t k = strchr(names[i], '.') ? -1 : readlink(p, t, sizeof t - 1);
    if (k <= 0) continue;
    t[k] = '\0';
    snprintf(p, sizeof p, "%.3800s/%.255s", meta, t);
    if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
      memcpy(used[nu++], names[i], sizeof used[0]);
      snprintf(used[nu++], sizeof used[0], "%.255s", t);
    }
  }
  for (int i = 0; i < n; i++) {
    int u = 0;
    for (int j = 0; j < nu && !u; j++) u = !strcmp(names[i], used[j]);
    left += !u;
  }
  return left;
}

/* The entries of dir other than ., .. and keep (may be NULL): *hidden those
 * whose names start with '.' (temporaries, backups), *visible the others.
 * DIR/.bwsim, where committed result sets live, counts only with what in it
 * no set uses (tu_bwsim_leftovers), or when it is empty. */
static inline void tu_list_dir(const char *dir, const char *keep, int *visible, int *hidden) {
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
  *visible = *hidden = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (keep && !strcmp(e->d_name, keep))) continue;
    if (!strcmp(e->d_name, ".bwsim")) {
      char meta[4096];
      snprintf(meta, sizeof meta, "%s/.bwsim", dir);
      DIR *m = opendir(meta);
      int entries = 0;
      struct dirent *f;
      while (m && (f = readdir(m)) != NULL) entries += strcmp(f->d_name, ".") && strcmp(f->d_name, "..");
      if (m) closedir(m);
      *hidden += entries ? tu_bwsim_leftovers(meta) : 1;
    } else if (e->d_name[0] == '.') {
      (*hidden)++;
    } else {
      (*visible)++;
    }
  }
  closedir(d);
}

static inline int tu_count_hidden(const char *dir, const char *keep) {
  int visible, hidden;
  tu_list_dir(dir, keep, &visible, &hidden);
  return hidden;
}

static inline void tu_sha256_file(const char *path, char hex[65]) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_sha256_file(path, hex, &ctx), BW_OK, "%s", ctx.msg);
}

/* ---- running an executable ---------------------------------------------- */

typedef struct {
  int code;        /* exit status, or 128 + signal */
  int signal;      /* the signal that ended it, or 0 */
  char *out, *err; /* what it wrote, blocks of the suite */
} tu_proc;

extern char **environ;

/* The environment for a child, a block of the suite: this one with the
 * entries of extra (NULL-terminated, may be NULL) first. "NAME=value" in
 * extra replaces an inherited NAME; a bare "NAME" removes it. */
static inline char **tu_environ_with(const char *const *extra) {
  int ne = 0, nx = 0;
  while (environ[ne]) ne++;
  while (extra && extra[nx]) nx++;
  char **envp = tu_malloc((size_t)(ne + nx + 1) * sizeof *envp);
  int k = 0;
  for (int j = 0; j < nx; j++)
    if (strchr(extra[j], '=')) envp[k++] = (char *)extra[j];
  for (int i = 0; i < ne; i++) {
    int replaced = 0;
    for (int j = 0; j < nx && !replaced; j++) {
      size_t len = strcspn(extra[j], "=");
      replaced = !strncmp(extra[j], environ[i], len) && environ[i][len] == '=';
    }
    if (!replaced) envp[k++] = environ[i];
  }
  envp[k] = NULL;
  return envp;
}

/* Appends first, then the arguments of ap up to a NULL, to argv[n..] (cap
 * entries, the last kept for the NULL that ends argv). Returns the count. */
static inline int tu_argv_va(char **argv, int n, int cap, const char *first, va_list ap) {
  for (const char *a = first; a; a = va_arg(ap, const char *)) {
    cr_assert_lt(n, cap - 1, "too many arguments");
    argv[n++] = (char *)a;
  }
  argv[n] = NULL;
  return n;
}

/* Runs argv (argv[0] looked up in PATH unless it holds a '/') with the
 * environment envp (NULL: this one) in directory dir (NULL: this one), stdin
 * from /dev/null, stdout and stderr captured through files in tu_tmp_root. */
static inline tu_proc tu_run(char *const argv[], char *const envp[], const char *dir) {
  char *outp = tu_path("stdout.txt"), *errp = tu_path("stderr.txt");
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0 || (dir && chdir(dir) != 0) || dup2(in, 0) < 0 || dup2(o, 1) < 0 ||
        dup2(e, 2) < 0)
      _exit(126);
    execvpe(argv[0], argv, envp ? envp : environ);
    _exit(127);
  }
  int status;
  pid_t w;
  do w = waitpid(pid, &status, 0);
  while (w < 0 && errno == EINTR);
  cr_assert_eq(w, pid, "waitpid: %s", strerror(errno));
  tu_proc p;
  p.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  p.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + p.signal;
  p.out = tu_slurp(outp, NULL);
  p.err = tu_slurp(errp, NULL);
  return p;
}

/* BW_BINARY with the arguments arg, ... (NULL-terminated), run in
 * tu_tmp_root with the environment tu_environ_with(env) (env NULL: this one). */
static inline tu_proc tu_bwsim_env(const char *const *env, const char *arg, ...) {
  char *argv[64];
  argv[0] = (char *)BW_BINARY;
  va_list ap;
  va_start(ap, arg);
  tu_argv_va(argv, 1, 64, arg, ap);
  va_end(ap);
  return tu_run(argv, env ? tu_environ_with(env) : NULL, tu_tmp_root);
}

#define tu_bwsim(...) tu_bwsim_env(NULL, __VA_ARGS__)

/* The environment for `mpirun ... bwsim` in the tests, a block of the suite:
 * Open MPI allowed to run as root (containers, CI), and no leak check —
 * Open MPI leaks in MPI_Init and its plugins (unloaded at exit, so their
 * frames cannot be suppressed by name); in the sanitizer build that would
 * fail every MPI run. Leaks of bwsim itself are caught by the plain runs. */
static inline char **tu_mpi_environ(void) {
  const char *asan_old = getenv("ASAN_OPTIONS");
  const char *env[] = {"OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
                       tu_format("ASAN_OPTIONS=%s%sdetect_leaks=0", asan_old ? asan_old : "",
                                 asan_old && *asan_old ? ":" : ""),
                       NULL};
  return tu_environ_with(env);
}

/* ---- CSV ---------------------------------------------------------------- */

/* One CSV record (RFC 4180: quoted fields, "" is one quote) at *p, split in
 * place: f[0..n) point into the text. The record ends at a newline outside
 * quotes (*p moves past it) or at the end of the text. Returns n. */
static inline int tu_csv_fields_(char **p, char **f, int max) {
  char *r = *p, *w = *p;
  int n = 0;
  for (;;) {
    cr_assert_lt(n, max, "too many fields in a CSV record");
    f[n++] = w;
    if (*r == '"') {
      r++;
      for (;;) {
        cr_assert_neq(*r, '\0', "unterminated quote in a CSV record");
        if (*r == '"' && r[1] == '"') {
          *w++ = '"';
          r += 2;
        } else if (*r == '"') {
          r++;
          break;
        } else {
          *w++ = *r++;
        }
      }
      cr_assert(*r == ',' || *r == '\n' || *r == '\0', "text after a closing quote in a CSV record");
    } else {
      while (*r && *r != ',' && *r != '\n') *w++ = *r++;
    }
    char sep = *r;
    *w++ = '\0';
    if (sep == ',') {
      r++;
      continue;
    }
    *p = sep == '\n' ? r + 1 : r;
    return n;
  }
}

/* The fields of the first record of line (at least one). */
static inline int tu_csv_split(char *line, char **f, int max) { return tu_csv_fields_(&line, f, max); }

/* The next record of the text at *p, or -1 at its end. */
static inline int tu_csv_next(char **p, char **f, int max) { return **p ? tu_csv_fields_(p, f, max) : -1; }

/* ---- PNG ---------------------------------------------------------------- */

static const unsigned char TU_PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static inline uint32_t tu_be32(const unsigned char *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* CRC-32 of PNG chunks (ISO 3309, reflected polynomial 0xEDB88320). */
static inline uint32_t tu_crc32(const unsigned char *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

/* The PNG's signature and a 13-byte IHDR as its first chunk; *w x *h its
 * size in pixels. */
static inline void tu_png_size(const unsigned char *p, size_t n, const char *what, uint32_t *w, uint32_t *h) {
  cr_assert_gt(n, 33, "%s: too short for a PNG", what);
  cr_assert_eq(memcmp(p, TU_PNG_SIGNATURE, 8), 0, "%s: no PNG signature", what);
  cr_assert_eq(tu_be32(p + 8), 13u, "%s: first chunk is not a 13-byte IHDR", what);
  cr_assert_eq(memcmp(p + 12, "IHDR", 4), 0, "%s: first chunk is not IHDR", what);
  *w = tu_be32(p + 16);
  *h = tu_be32(p + 20);
}

/* A well-formed PNG: signature, IHDR first with a non-empty image, every
 * chunk's CRC right, at least one IDAT, IEND last at the end of the data. */
static inline void tu_assert_png(const unsigned char *p, size_t n, const char *what) {
  uint32_t width, height;
  tu_png_size(p, n, what, &width, &height);
  cr_assert(width > 0 && height > 0, "%s: empty image", what);
  size_t off = 8;
  int chunks = 0, idat = 0, iend = 0;
  while (off + 12 <= n) {
    uint32_t len = tu_be32(p + off);
    cr_assert(off + 12 + (size_t)len <= n, "%s: chunk %d runs past the end", what, chunks);
    const unsigned char *type = p + off + 4;
    cr_assert_eq(tu_crc32(type, 4 + (size_t)len), tu_be32(p + off + 8 + len), "%s: bad CRC in chunk %.4s", what,
                 (const char *)type);
    if (memcmp(type, "IDAT", 4) == 0) idat++;
    chunks++;
    off += 12 + (size_t)len;
    if (memcmp(type, "IEND", 4) == 0) {
      iend = 1;
      break;
    }
  }
  cr_assert(idat > 0, "%s: no image data", what);
  cr_assert(iend && off == n, "%s: IEND missing or not at the end", what);
}

/* ---- HDF5 attributes ---------------------------------------------------- */

/* Attribute name of object obj, read as the native type (H5T_NATIVE_…) into v. */
static inline void tu_h5_attr_read(hid_t file, const char *obj, const char *name, hid_t type, void *v) {
  hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert_geq(a, 0, "attribute %s of %s missing", name, obj);
  cr_assert_geq(H5Aread(a, type, v), 0, "cannot read attribute %s of %s", name, obj);
  H5Aclose(a);
}

static inline long long tu_h5_attr_ll(hid_t file, const char *obj, const char *name) {
  long long v = 0;
  tu_h5_attr_read(file, obj, name, H5T_NATIVE_LLONG, &v);
  return v;
}

static inline double tu_h5_attr_double(hid_t file, const char *obj, const char *name) {
  double v = NAN;
  tu_h5_attr_read(file, obj, name, H5T_NATIVE_DOUBLE, &v);
  return v;
}

/* A string attribute (fixed-length UTF-8, as bwsim writes them) into out. */
static inline void tu_h5_attr_str(hid_t file, const char *obj, const char *name, char *out, size_t cap) {
  hid_t a = H5Aopen_by_name(file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert_geq(a, 0, "attribute %s of %s missing", name, obj);
  hid_t t = H5Aget_type(a);
  cr_assert_eq(H5Tget_class(t), H5T_STRING, "%s/%s is not a string", obj, name);
  cr_assert_eq(H5Tis_variable_str(t), 0, "%s/%s is not fixed-length", obj, name);
  cr_assert_eq(H5Tget_cset(t), H5T_CSET_UTF8, "%s/%s is UTF-8", obj, name);
  cr_assert_lt(H5Tget_size(t), cap, "%s/%s is too long", obj, name);
  memset(out, 0, cap);
  cr_assert_geq(H5Aread(a, t, out), 0);
  H5Tclose(t);
  H5Aclose(a);
}

/* ---- the results contract ---------------------------------------------- */

/* docs/model.md §8: the national quantities, in the order of the results files. */
__attribute__((unused)) static const char *const TU_QUANTITIES[] = {
    "clients_I_jan1",         "clients_A_jan1", "clients_M_jan1",    "entries_I",
    "entries_A",              "entries_M",      "stepdowns_IA",      "entries_national_inst",
    "wlz_transfers",          "wlz_client_years", "wlz_settlement_eur", "cost_eur",
    "cost_national_inst_eur", "budget_eur",     "shortfall_eur"};
enum { TU_N_QUANTITIES = (int)(sizeof TU_QUANTITIES / sizeof TU_QUANTITIES[0]) };

/* ---- the summary tests: a hand-made model, the Wilson interval ---------- */

/* ng gemeenten (2..16) in 2 regions: gemeente g lies in region g % 2,
 * gemeenten 0 and 1 are the centrumgemeenten; codes (NULL: GM0003, GM0013,
 * ...) and populations (NULL: 20000 + 7000 g) as given, params p. */
static inline bw_model *tu_hand_model(int ng, const char *const *codes, const double *pop, const bw_params *p) {
  enum { MAXG = 16 };
  cr_assert(ng >= 2 && ng <= MAXG);
  bw_gemeente gem[MAXG];
  bw_region reg[2];
  memset(gem, 0, sizeof gem);
  memset(reg, 0, sizeof reg);
  for (int g = 0; g < ng; g++) {
    if (codes)
      snprintf(gem[g].code, sizeof gem[g].code, "%s", codes[g]);
    else
      snprintf(gem[g].code, sizeof gem[g].code, "GM%04d", 10 * g + 3);
    snprintf(gem[g].name, sizeof gem[g].name, "Gemeente %d", g);
    snprintf(gem[g].province, sizeof gem[g].province, "Utrecht");
    gem[g].region = g % 2;
    gem[g].is_centrumgemeente = g < 2;
    gem[g].population = pop ? pop[g] : 20000.0 + 7000.0 * g;
    gem[g].households = gem[g].population / 2.2;
    gem[g].pct_single_hh = 30 + g;
    gem[g].pct_nonwestern = 8 + 0.5 * g;
    gem[g].pct_age_15_24 = 12;
    gem[g].urbanity = 1 + g % 5;
    gem[g].lat = 52;
    gem[g].lon = 5;
  }
  for (int r = 0; r < 2; r++) {
    _Static_assert(sizeof reg[r].code == sizeof gem[r].code, "a region is coded by its centrumgemeente");
    memcpy(reg[r].code, gem[r].code, sizeof reg[r].code);
    snprintf(reg[r].name, sizeof reg[r].name, "Regio %d", r);
    snprintf(reg[r].province, sizeof reg[r].province, "Utrecht");
    reg[r].centrum = r;
    reg[r].hist_budget_bw_eur = r == 0 ? 30e6 : 20e6;
    reg[r].hist_budget_mo_eur = r == 0 ? 8e6 : 5e6;
    reg[r].n_members = (ng + 1 - r) / 2;
  }
  bw_data d = {.ng = ng, .nr = 2, .g = gem, .r = reg};
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_model *m = bw_model_create(p, &d, &ctx);
  cr_assert_not_null(m, "bw_model_create: %s", ctx.msg);
  return m;
}

/* Wilson 95 % interval of k in n (docs/model.md §8 "95 % MC confidence
 * interval"), written out here rather than taken from bw_wilson95. */
static inline void tu_wilson95(double k, double n, double *lo, double *hi) {
  const double z = 1.96, z2 = z * z;
  double p = k / n;
  double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
  double half = z * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1.0 + z2 / n);
  *lo = centre - half < 0 ? 0 : centre - half;
  *hi = centre + half > 1 ? 1 : centre + half;
}

/* The risk-list row of gemeente g. */
static inline const bw_risk_row *tu_risk_row(const bw_summary *s, int g) {
  for (int i = 0; i < s->ng; i++)
    if (s->risk[i].g == g) return &s->risk[i];
  cr_assert_fail("gemeente %d not in the risk list", g);
  return NULL;
}

#endif
