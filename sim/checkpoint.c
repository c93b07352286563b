/* Checkpoints, partial statistics and stopping on a signal (sim/checkpoint.h,
 * docs/cluster.md). */
#define _XOPEN_SOURCE 700 /* SA_RESTART */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h" /* bw_sha256_file, bw_sha256_bytes */
#include "params_yaml.h"

#define MAGIC "bwsim-checkpoint"
#define FORMAT 1
static const char *const KIND_NAME[2] = {"checkpoint", "partial"};

bw_status bw_ckpt_identify(const bw_params *p, long long lo, long long hi, bw_ckpt_id *id, char **yaml,
                           bw_ctx *ctx) {
  memset(id, 0, sizeof *id);
  if (yaml) *yaml = NULL;
  char *text = bw_params_to_yaml(p);
  if (!text) return bw_fail(ctx, BW_ENOMEM, "out of memory writing the resolved params");
  snprintf(id->version, sizeof id->version, "%s", BW_VERSION);
  bw_sha256_bytes(text, strlen(text), id->params_sha256);
  bw_status st = bw_sha256_file(p->gemeenten_path, id->gemeenten_sha256, ctx);
  if (st == BW_OK) st = bw_sha256_file(p->regions_path, id->regions_sha256, ctx);
  id->seed = p->seed;
  id->replications = p->replications;
  id->lo = lo;
  id->hi = hi;
  if (st == BW_OK && yaml) *yaml = text;
  else free(text);
  return st;
}

void bw_rangeset_text(const bw_rangeset *s, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  if (s->n == 0) {
    snprintf(buf, cap, "none");
    return;
  }
  for (int i = 0; i < s->n && len < cap; i++) {
    if (i == 4 && s->n > 5) {
      snprintf(buf + len, cap - len, ", ... (%d ranges)", s->n);
      return;
    }
    int n = snprintf(buf + len, cap - len, "%s%lld-%lld", i ? ", " : "", s->r[i].lo, s->r[i].hi - 1);
    if (n < 0) return;
    len += (size_t)n;
  }
}

/* ---- writing -------------------------------------------------------------------- */

static bw_status sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd); /* some file systems cannot sync a directory: the rename stands */
    close(fd);
  }
  return BW_OK;
}

bw_status bw_ckpt_write(const char *dir, const char *name, bw_ckpt_kind kind, const bw_ckpt_id *id,
                        const char *params_yaml, const bw_rangeset *done, const bw_acc *acc, bw_ctx *ctx) {
  char path[PATH_MAX], tmp[PATH_MAX];
  int n1 = snprintf(path, sizeof path, "%s/%s", dir, name);
  int n2 = snprintf(tmp, sizeof tmp, "%s/.bwsim-tmp-%s", dir, name[0] == '.' ? name + 1 : name);
  if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof path || (size_t)n2 >= sizeof tmp)
    return bw_fail(ctx, BW_EIO, "%s/%s: path too long", dir, name);
  size_t acc_len = bw_acc_packed_size(acc);
  unsigned char *buf = malloc(acc_len ? acc_len : 1);
  if (!buf) return bw_fail(ctx, BW_ENOMEM, "%s: out of memory packing the statistics (%zu bytes)", path, acc_len);
  bw_acc_pack(acc, buf);
  char acc_sha[65];
  bw_sha256_bytes(buf, acc_len, acc_sha);

  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!f) {
    int e = errno;
    if (fd >= 0) close(fd);
    free(buf);
    return bw_fail(ctx, BW_EIO, "%s: cannot create %s: %s", path, tmp, strerror(e));
  }
  fprintf(f, "%s %d\nkind %s\nversion %s\nparams_sha256 %s\ngemeenten_sha256 %s\nregions_sha256 %s\n", MAGIC,
          FORMAT, KIND_NAME[kind], id->version, id->params_sha256, id->gemeenten_sha256, id->regions_sha256);
  fprintf(f, "seed %llu\nreplications %lld\nrange %lld %lld\ndone %lld in %d ranges\n", id->seed,
          id->replications, id->lo, id->hi, bw_rangeset_count(done), done->n);
  for (int i = 0; i < done->n; i++) fprintf(f, "%lld %lld\n", done->r[i].lo, done->r[i].hi);
  fprintf(f, "params_bytes %zu\nacc_bytes %zu\nacc_sha256 %s\nend\n", strlen(params_yaml), acc_len, acc_sha);
  fwrite(params_yaml, 1, strlen(params_yaml), f);
  fwrite(buf, 1, acc_len, f);
  free(buf);
  int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
  int e = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (!bad && rename(tmp, path) != 0) {
    bad = 1;
    e = errno;
  }
  if (bad) {
    unlink(tmp);
    return bw_fail(ctx, BW_EIO, "%s: cannot write: %s", path, strerror(e));
  }
  return sync_dir(dir);
}

/* ---- reading -------------------------------------------------------------------- */

void bw_ckpt_free(bw_ckpt *c) {
  free(c->params_yaml);
  free(c->acc);
  bw_rangeset_free(&c->done);
  memset(c, 0, sizeof *c);
}

/* The next header line into line (without its newline); 0 at a bad one. */
static int next_line(FILE *f, char *line, size_t cap, int *lineno) {
  if (!fgets(line, (int)cap, f)) return 0;
  size_t n = strlen(line);
  if (n == 0 || line[n - 1] != '\n') return 0;
  line[n - 1] = '\0';
  ++*lineno;
  return 1;
}

static int hex64(const char *s) {
  if (strlen(s) != 64) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
  return 1;
}

/* Read "key value" where value is a SHA-256 in hex. */
static int read_hex(FILE *f, const char *key, char out[65], int *lineno) {
  char line[256], k[64], v[128];
  if (!next_line(f, line, sizeof line, lineno) || sscanf(line, "%63s %127s", k, v) != 2 || strcmp(k, key) ||
      !hex64(v))
    return 0;
  memcpy(out, v, 65);
  return 1;
}

bw_status bw_ckpt_read(const char *path, bw_ckpt *c, bw_ctx *ctx) {
  memset(c, 0, sizeof *c);
  FILE *f = fopen(path, "rb");
  if (!f) {
    int e = errno;
    return bw_fail(ctx, BW_EIO, "%s: cannot open: %s", path, strerror(e));
  }
  char line[512], word[64], sha[65];
  int lineno = 0, format = 0, nranges = -1;
  long long ndone = -1;
  size_t params_len = 0;
  bw_ckpt_id *id = &c->id;
  int ok = next_line(f, line, sizeof line, &lineno) && sscanf(line, MAGIC " %d", &format) == 1 && format == FORMAT;
  ok = ok && next_line(f, line, sizeof line, &lineno) && sscanf(line, "kind %63s", word) == 1;
  if (ok) {
    if (!strcmp(word, KIND_NAME[BW_CKPT_CHECKPOINT])) c->kind = BW_CKPT_CHECKPOINT;
    else if (!strcmp(word, KIND_NAME[BW_CKPT_PARTIAL])) c->kind = BW_CKPT_PARTIAL;
    else ok = 0;
  }
  ok = ok && next_line(f, line, sizeof line, &lineno) && sscanf(line, "version %31s", id->version) == 1;
  ok = ok && read_hex(f, "params_sha256", id->params_sha256, &lineno) &&
       read_hex(f, "gemeenten_sha256", id->gemeenten_sha256, &lineno) &&
       read_hex(f, "regions_sha256", id->regions_sha256, &lineno);
  ok = ok && next_line(f, line, sizeof line, &lineno) && sscanf(line, "seed %llu", &id->seed) == 1;
  ok = ok && next_line(f, line, sizeof line, &lineno) && sscanf(line, "replications %lld", &id->replications) == 1;
  ok = ok && next_line(f, line, sizeof line, &lineno) && sscanf(line, "range %lld %lld", &id->lo, &id->hi) == 2 &&
       0 <= id->lo && id->lo < id->hi && id->hi <= id->replications;
  ok = ok && next_line(f, line, sizeof line, &lineno) &&
       sscanf(line, "done %lld in %d ranges", &ndone, &nranges) == 2 && nranges >= 0;
  long long prev_hi = -1;
  for (int i = 0; ok && i < nranges; i++) {
    long long lo, hi;
    ok = next_line(f, line, sizeof line, &lineno) && sscanf(line, "%lld %lld", &lo, &hi) == 2 && lo < hi &&
         lo > prev_hi && lo >= id->lo && hi <= id->hi;
    if (ok && bw_rangeset_add(&c->done, lo, hi)) {
      fclose(f);
      bw_ckpt_free(c);
      return bw_fail(ctx, BW_ENOMEM, "%s: out of memory", path);
    }
    prev_hi = hi;
  }
  ok = ok && bw_rangeset_count(&c->done) == ndone;
  ok = ok && next_line(f, line, sizeof line, &lineno) && sscanf(line, "params_bytes %zu", &params_len) == 1 &&
       params_len < (size_t)1 << 30;
  ok = ok && next_line(f, line, sizeof line, &lineno) && sscanf(line, "acc_bytes %zu", &c->acc_len) == 1;
  ok = ok && read_hex(f, "acc_sha256", sha, &lineno);
  ok = ok && next_line(f, line, sizeof line, &lineno) && !strcmp(line, "end");
  if (!ok) {
    fclose(f);
    bw_ckpt_free(c);
    return bw_fail(ctx, BW_EDATA, "%s: not a bwsim checkpoint of format %d (header line %d)", path, FORMAT,
                   lineno + 1);
  }
  /* the payload: exactly the lengths the header gives, and their hashes */
  long here = ftell(f);
  struct stat sb;
  if (here < 0 || fstat(fileno(f), &sb) != 0 || (unsigned long long)sb.st_size !=
                                                   (unsigned long long)here + params_len + c->acc_len) {
    fclose(f);
    bw_ckpt_free(c);
    return bw_fail(ctx, BW_EDATA, "%s: truncated or padded (the header announces %zu + %zu bytes after it)", path,
                   params_len, c->acc_len);
  }
  c->params_yaml = malloc(params_len + 1);
  c->acc = malloc(c->acc_len ? c->acc_len : 1);
  if (!c->params_yaml || !c->acc) {
    fclose(f);
    bw_ckpt_free(c);
    return bw_fail(ctx, BW_ENOMEM, "%s: out of memory reading the statistics", path);
  }
  ok = fread(c->params_yaml, 1, params_len, f) == params_len && fread(c->acc, 1, c->acc_len, f) == c->acc_len;
  fclose(f);
  c->params_yaml[ok ? params_len : 0] = '\0';
  char got[65];
  if (ok) {
    bw_sha256_bytes(c->params_yaml, params_len, got);
    ok = !strcmp(got, id->params_sha256);
  }
  if (ok) {
    bw_sha256_bytes(c->acc, c->acc_len, got);
    ok = !strcmp(got, sha);
  }
  if (!ok) {
    bw_ckpt_free(c);
    return bw_fail(ctx, BW_EDATA, "%s: damaged (its params or statistics do not have the SHA-256 of its header)",
                   path);
  }
  return BW_OK;
}

/* ---- identity ----------------------------------------------------------------- */

/* "key (file: a, given: b); ..." for the first keys whose values differ. */
static void params_diff(const char *file_yaml, const char *given_yaml, char *out, size_t cap) {
  bw_params a, b;
  bw_ctx c;
  bw_ctx_init(&c);
  out[0] = '\0';
  if (bw_params_parse(file_yaml, "checkpoint", NULL, &a, &c) != BW_OK ||
      bw_params_parse(given_yaml, "given", NULL, &b, &c) != BW_OK) {
    snprintf(out, cap, "the resolved params differ");
    return;
  }
  size_t len = 0;
  int shown = 0, more = 0;
  for (int i = 0; i < bw_params_nkeys(); i++) {
    const char *key = bw_params_key(i);
    char va[BW_PARAMS_TEXT_MAX], vb[BW_PARAMS_TEXT_MAX];
    if (bw_params_value_text(&a, key, va, sizeof va) || bw_params_value_text(&b, key, vb, sizeof vb) ||
        !strcmp(va, vb))
      continue;
    if (shown == 3) {
      more++;
      continue;
    }
    int n = snprintf(out + len, len < cap ? cap - len : 0, "%s%s (checkpoint: %.60s, given: %.60s)",
                     shown ? "; " : "", key, va, vb);
    if (n > 0) len += (size_t)n;
    shown++;
  }
  if (more && len < cap) snprintf(out + len, cap - len, "; and %d more key%s", more, more == 1 ? "" : "s");
  if (!shown) snprintf(out, cap, "the resolved params differ");
}

bw_status bw_ckpt_match(const char *path, const bw_ckpt *c, const bw_ckpt_id *given, const char *given_yaml,
                        int with_range, bw_ctx *ctx) {
  const bw_ckpt_id *f = &c->id;
  const char *how = "give the command line of the run that wrote it (the same params file, --set, -n, -s)";
  if (strcmp(f->version, given->version))
    return bw_fail(ctx, BW_EUSAGE, "%s was written by bwsim %s; this is bwsim %s: finish it with that version",
                   path, f->version, given->version);
  if (f->seed != given->seed)
    return bw_fail(ctx, BW_EUSAGE, "%s belongs to another run: seed %llu, given %llu; %s", path, f->seed,
                   given->seed, how);
  if (f->replications != given->replications)
    return bw_fail(ctx, BW_EUSAGE, "%s belongs to another run: %lld replications, given %lld; %s", path,
                   f->replications, given->replications, how);
  if (with_range && (f->lo != given->lo || f->hi != given->hi))
    return bw_fail(ctx, BW_EUSAGE,
                   "%s belongs to another run: replications %lld:%lld, given %lld:%lld (--replications-range); %s",
                   path, f->lo, f->hi, given->lo, given->hi, how);
  if (strcmp(f->gemeenten_sha256, given->gemeenten_sha256) || strcmp(f->regions_sha256, given->regions_sha256))
    return bw_fail(ctx, BW_EUSAGE,
                   "%s belongs to another run: its data tables differ from those given (SHA-256 of %s %.12s..., "
                   "given %.12s...)",
                   path, strcmp(f->gemeenten_sha256, given->gemeenten_sha256) ? "gemeenten" : "regions",
                   strcmp(f->gemeenten_sha256, given->gemeenten_sha256) ? f->gemeenten_sha256 : f->regions_sha256,
                   strcmp(f->gemeenten_sha256, given->gemeenten_sha256) ? given->gemeenten_sha256
                                                                        : given->regions_sha256);
  if (strcmp(f->params_sha256, given->params_sha256)) {
    char diff[768];
    params_diff(c->params_yaml, given_yaml, diff, sizeof diff);
    return bw_fail(ctx, BW_EUSAGE, "%s belongs to another run: %s", path, diff);
  }
  return BW_OK;
}

/* ---- stopping on a signal -------------------------------------------------------- */

volatile sig_atomic_t bw_stop_signal;
static const int STOP_SIGNALS[3] = {SIGTERM, SIGINT, SIGUSR1};
static struct sigaction saved[3];
static int installed, stop_verbose;

static void on_stop(int sig) {
  if (bw_stop_signal) {
    /* the second: as if we had never caught it */
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  bw_stop_signal = sig;
  if (stop_verbose) {
    static const char msg[] = "\nbwsim: stopping: the replications in flight finish, then a checkpoint is written "
                              "(a second signal ends bwsim at once)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
  }
}

void bw_stop_install(int verbose) {
  bw_stop_signal = 0;
  stop_verbose = verbose;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sa.sa_flags = SA_RESTART; /* a write or a wait goes on after the signal */
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; i++) sigaction(STOP_SIGNALS[i], &sa, &saved[i]);
  installed = 1;
}

void bw_stop_restore(void) {
  if (!installed) return;
  for (int i = 0; i < 3; i++) sigaction(STOP_SIGNALS[i], &saved[i], NULL);
  installed = 0;
}
