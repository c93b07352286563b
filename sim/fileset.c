/* The output directory: its lock, result file sets, the commit journal and
 * the recovery of interrupted commits (sim/fileset.h; docs/outputs.md
 * "Reliability"). */
#define _DEFAULT_SOURCE /* flock, gethostname, open_memstream */

#include "fileset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h" /* bw_sha256_file */

#define LOCK_FILE ".bwsim.lock"
#define JOURNAL ".bwsim-commit"
#define JOURNAL_TMP ".bwsim-commit.tmp"
#define TMP_PREFIX ".bwsim-tmp-"
#define PROBE_PREFIX ".bwsim-probe."
#define JOURNAL_MAGIC "bwsim-commit 1"
#define META ".bwsim"                      /* DIR/.bwsim/: the generations and their pointers */
#define LINK_TMP_PREFIX ".bwsim-tmp-link-" /* a link on its way to replace a regular file */

/* ---- the test hook -------------------------------------------------------------- */

/* One write, rename, sync or unlink step of recovery or commit: with
 * BWSIM_TEST_KILL_AT=N[:stop] the N-th of the process raises SIGKILL
 * (SIGSTOP) after saying which it is. */
static void step(const char *what, const char *name) {
  static long at = -1, n = 0;
  static int sig = SIGKILL;
  if (at < 0) {
    const char *e = getenv("BWSIM_TEST_KILL_AT");
    char *end = NULL;
    at = e && *e ? strtol(e, &end, 10) : 0;
    if (at > 0 && end && !strcmp(end, ":stop")) sig = SIGSTOP;
    else if (at < 0 || (end && *end)) at = 0;
  }
  if (at <= 0 || ++n != at) return;
  fprintf(stderr, "bwsim: BWSIM_TEST_KILL_AT=%ld: %s after step %ld: %s %s\n", at,
          sig == SIGSTOP ? "SIGSTOP" : "SIGKILL", n, what, name);
  raise(sig);
}

/* ---- paths and files -------------------------------------------------------------- */

static bw_status join(char *out, size_t cap, const char *dir, const char *prefix, const char *name,
                      bw_ctx *ctx) {
  int n = snprintf(out, cap, "%s/%s%s", dir, prefix, name);
  if (n < 0 || (size_t)n >= cap) return bw_fail(ctx, BW_EIO, "%s/%s: output path too long", dir, name);
  return BW_OK;
}

/* snprintf into a path buffer: 1, or 0 when it does not fit. */
__attribute__((format(printf, 3, 4))) static int pathf(char *out, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out, cap, fmt, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < cap;
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p */
static bw_status make_dirs(const char *dir, bw_ctx *ctx) {
  char path[BW_PATH_MAX];
  size_t n = strlen(dir);
  if (n == 0) return bw_fail(ctx, BW_EUSAGE, "output directory name is empty");
  if (n >= sizeof path) return bw_fail(ctx, BW_EIO, "%s: output path too long", dir);
  memcpy(path, dir, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    if (path[i - 1] == '/') continue; /* "a//b" */
    char c = path[i];
    path[i] = '\0';
    if (mkdir(path, 0777) != 0) {
      int e = errno; /* before is_dir: its stat would replace it */
      if (!is_dir(path)) return bw_fail(ctx, BW_EIO, "%s: cannot create directory: %s", path, strerror(e));
    }
    path[i] = c;
  }
  if (!is_dir(dir)) return bw_fail(ctx, BW_EIO, "%s: not a directory", dir);
  return BW_OK;
}

/* Make the renames in dir durable. 0 or an errno; file systems that cannot
 * sync a directory are not an error. */
static int sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = fsync(fd) == 0 || errno == EINVAL || errno == ENOTSUP ? 0 : errno;
  close(fd);
  return e;
}

/* Write n bytes to a new file at path and fsync it: 0 or an errno (the file
 * may then be partial: the caller removes it). */
static int write_file(const char *path, const char *buf, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return errno;
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      close(fd);
      return e;
    }
    buf += w;
    n -= (size_t)w;
  }
  int e = fsync(fd) == 0 ? 0 : errno;
  if (close(fd) != 0 && !e) e = errno;
  return e;
}

/* A file name of the set: no '/', no blank, not "." or "..". */
static int plain_name(const char *s) {
  if (!*s || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
  for (; *s; s++)
    if (*s == '/' || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') return 0;
  return 1;
}

/* ---- the generation layout (sim/fileset.h, 2.) ------------------------------------ */

static int is_real_dir(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The text of symbolic link path into buf: 1, or 0 when it is none. */
static int read_link(const char *path, char *buf, size_t cap) {
  ssize_t n = readlink(path, buf, cap - 1);
  if (n < 0 || (size_t)n >= cap - 1) return 0;
  buf[n] = '\0';
  return 1;
}

/* What the link DIR/NAME of set WHAT holds: ".bwsim/WHAT/NAME". */
static int link_text(char *out, size_t cap, const char *what, const char *name) {
  int n = snprintf(out, cap, META "/%s/%s", what, name);
  return n > 0 && (size_t)n < cap;
}

/* 1 when path is the link of file name of set what. */
static int is_our_link(const char *path, const char *what, const char *name) {
  char want[BW_PATH_MAX], have[BW_PATH_MAX];
  return link_text(want, sizeof want, what, name) && read_link(path, have, sizeof have) && !strcmp(want, have);
}

/* 1 when path, named name in DIR, is a link of bwsim of any set:
 * ".bwsim/W/NAME". */
static int is_bwsim_link(const char *path, const char *name) {
  char have[BW_PATH_MAX];
  if (!read_link(path, have, sizeof have) || strncmp(have, META "/", strlen(META "/"))) return 0;
  const char *w = have + strlen(META "/"), *slash = strchr(w, '/');
  return slash && slash > w && !strcmp(slash + 1, name);
}

/* A generation of set what: "WHAT." and more, a plain name. */
static int gen_of(const char *gen, const char *what) {
  size_t n = strlen(what);
  return !strncmp(gen, what, n) && gen[n] == '.' && gen[n + 1] && plain_name(gen);
}

/* The generation that the pointer DIR/.bwsim/WHAT names, into gen: 1; 0
 * when there is no pointer or it names no generation directory. */
static int current_gen(const char *dir, const char *what, char *gen, size_t cap) {
  char p[BW_PATH_MAX];
  if (snprintf(p, sizeof p, "%s/" META "/%s", dir, what) >= (int)sizeof p || !read_link(p, gen, cap) ||
      !gen_of(gen, what) || snprintf(p, sizeof p, "%s/" META "/%s", dir, gen) >= (int)sizeof p)
    return 0;
  return is_real_dir(p);
}

/* The names in directory path (not . and ..), malloc'ed; *n of them. NULL
 * with *n = -1 when it cannot be read. */
static char **list_dir(const char *path, int *n) {
  *n = -1;
  DIR *d = opendir(path);
  if (!d) return NULL;
  char **v = NULL;
  int k = 0, cap = 0, ok = 1;
  struct dirent *e;
  while (ok && (e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (k == cap) {
      char **w = realloc(v, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *v);
      if (!w) ok = 0;
      else v = w;
    }
    if (ok && !(v[k] = strdup(e->d_name))) ok = 0;
    if (ok) k++;
  }
  closedir(d);
  if (ok && !v && !(v = malloc(sizeof *v))) ok = 0; /* an empty directory: not NULL */
  if (!ok) {
    while (k > 0) free(v[--k]);
    free(v);
    return NULL;
  }
  *n = k;
  return v;
}

static void free_list(char **v, int n) {
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

/* rm -r path, never following a link (a generation holds files only); each
 * removal is a step labelled label. 0 or an errno. */
static int remove_tree(const char *path, const char *label, int depth) {
  struct stat sb;
  if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : errno;
  if (S_ISDIR(sb.st_mode)) {
    if (depth >= 4) return ELOOP;
    int n, e = 0;
    char **v = list_dir(path, &n);
    if (n < 0) return errno ? errno : EIO;
    for (int i = 0; i < n && !e; i++) {
      char child[BW_PATH_MAX];
      if (snprintf(child, sizeof child, "%s/%s", path, v[i]) >= (int)sizeof child) e = ENAMETOOLONG;
      else e = remove_tree(child, label, depth + 1);
    }
    free_list(v, n);
    if (e) return e;
    if (rmdir(path) != 0) return errno;
  } else if (unlink(path) != 0) {
    return errno;
  }
  step(label, path);
  return 0;
}

/* dst as a hard link of src, or, on a file system without hard links, a
 * synced copy. 0 or an errno. */
static int link_or_copy(const char *src, const char *dst) {
  if (link(src, dst) == 0) return 0;
  if (errno == EEXIST || errno == ENOENT || errno == ENOSPC || errno == EROFS || errno == EDQUOT) return errno;
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno;
  int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666), e = 0;
  if (out < 0) e = errno;
  char buf[65536];
  for (ssize_t r; !e && (r = read(in, buf, sizeof buf)) != 0;) {
    if (r < 0) {
      if (errno != EINTR) e = errno;
      continue;
    }
    for (ssize_t off = 0; !e && off < r;) {
      ssize_t w = write(out, buf + off, (size_t)(r - off));
      if (w < 0 && errno != EINTR) e = errno;
      if (w > 0) off += w;
    }
  }
  if (!e && fsync(out) != 0) e = errno;
  if (out >= 0 && close(out) != 0 && !e) e = errno;
  close(in);
  if (e && out >= 0) unlink(dst);
  return e;
}

/* ---- the journal ------------------------------------------------------------------- */

typedef struct {
  int n; /* renames */
  char run_id[65];
  char tmp[BW_FILESET_MAX + 1][64], dst[BW_FILESET_MAX + 1][64]; /* names in the directory */
} journal;

/* 1 read, 0 none, -1 damaged or unreadable. */
static int read_journal(const char *dir, journal *j) {
  memset(j, 0, sizeof *j);
  char path[BW_PATH_MAX], line[256];
  if (snprintf(path, sizeof path, "%s/" JOURNAL, dir) >= (int)sizeof path) return -1;
  FILE *f = fopen(path, "r");
  if (!f) return errno == ENOENT ? 0 : -1;
  int ok = fgets(line, sizeof line, f) && !strcmp(line, JOURNAL_MAGIC "\n") && fgets(line, sizeof line, f) &&
           sscanf(line, "run_id %64[0-9a-f]", j->run_id) == 1 && strlen(j->run_id) == 64;
  int end = 0;
  while (ok && !end && fgets(line, sizeof line, f)) {
    char t[128], d[128];
    if (!strcmp(line, "end\n"))
      end = 1;
    else if (j->n <= BW_FILESET_MAX && sscanf(line, "rename %127s %127s", t, d) == 2 && strlen(t) < 64 &&
             strlen(d) < 64 && !strncmp(t, TMP_PREFIX, strlen(TMP_PREFIX)) && plain_name(t) && plain_name(d)) {
      strcpy(j->tmp[j->n], t);
      strcpy(j->dst[j->n], d);
      j->n++;
    } else {
      ok = 0;
    }
  }
  fclose(f);
  return ok && end && j->n > 0 ? 1 : -1;
}

/* ---- recovery ------------------------------------------------------------------------- */

/* A temporary of an earlier bwsim version: .NAME.tmp.PID or .NAME.bak.PID. */
static int legacy_temporary(const char *s) {
  size_t n = strlen(s), d = n;
  while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9') d--;
  return s[0] == '.' && d < n && d > 6 && (!strncmp(s + d - 5, ".tmp.", 5) || !strncmp(s + d - 5, ".bak.", 5));
}

static int stale_temporary(const char *s) {
  return !strncmp(s, TMP_PREFIX, strlen(TMP_PREFIX)) || !strcmp(s, JOURNAL_TMP) ||
         !strncmp(s, PROBE_PREFIX, strlen(PROBE_PREFIX)) || legacy_temporary(s);
}

/* Under the lock: in DIR/.bwsim, keep every pointer that names a generation
 * and the generations they name, remove everything else (a pointer that
 * names none, a generation being written or being replaced, a pointer's
 * temporary), and .bwsim itself when nothing is left; then remove every
 * link of bwsim in DIR that dangles (made for a commit that did not reach
 * its commit point, or left by one that did). */
static bw_status recover_generations(const char *dir, bw_ctx *ctx) {
  char meta[BW_PATH_MAX], p[BW_PATH_MAX], gen[BW_PATH_MAX];
  bw_status st = join(meta, sizeof meta, dir, "", META, ctx);
  if (st != BW_OK) return st;
  int n, removed = 0;
  char **v;
  if (is_real_dir(meta)) {
    if (!(v = list_dir(meta, &n)))
      return bw_fail(ctx, BW_EIO, "%s: cannot read the directory: %s", meta, strerror(errno ? errno : ENOMEM));
    char *keep = calloc((size_t)n + 1, 1); /* keep[i]: entry i stays */
    if (!keep) {
      free_list(v, n);
      return bw_fail(ctx, BW_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
      struct stat sb;
      if (strchr(v[i], '.') || join(p, sizeof p, meta, "", v[i], NULL) != BW_OK || lstat(p, &sb) != 0 ||
          !S_ISLNK(sb.st_mode) || !current_gen(dir, v[i], gen, sizeof gen))
        continue;
      keep[i] = 1;
      for (int j = 0; j < n; j++)
        if (!strcmp(v[j], gen)) keep[j] = 1;
    }
    int e = 0;
    for (int i = 0; i < n && !e; i++) {
      if (keep[i]) continue;
      if ((st = join(p, sizeof p, meta, "", v[i], ctx)) != BW_OK) break;
      if ((e = remove_tree(p, "recover: remove", 0)) == 0) removed++;
    }
    free(keep);
    free_list(v, n);
    if (st != BW_OK) return st;
    if (e) return bw_fail(ctx, BW_EIO, "%s: cannot remove what an interrupted bwsim left: %s", meta, strerror(e));
    if (removed && (e = sync_dir(meta)) != 0)
      return bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", meta, strerror(e));
    if (rmdir(meta) == 0) step("recover: rmdir", meta); /* empty: no set of this layout */
  }
  int links = 0;
  if (!(v = list_dir(dir, &n)))
    return bw_fail(ctx, BW_EIO, "%s: cannot read the directory: %s", dir, strerror(errno ? errno : ENOMEM));
  for (int i = 0; i < n; i++) {
    struct stat sb;
    if (join(p, sizeof p, dir, "", v[i], NULL) == BW_OK && lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode) &&
        is_bwsim_link(p, v[i]) && stat(p, &sb) != 0 && errno == ENOENT && unlink(p) == 0) {
      links++;
      step("recover: unlink", v[i]);
    }
  }
  free_list(v, n);
  if (links) sync_dir(dir);
  if (removed + links)
    fprintf(stderr, "bwsim: %s: removed %d unfinished or replaced generation%s and %d dangling link%s that an "
            "interrupted bwsim left\n", dir, removed, removed == 1 ? "" : "s", links, links == 1 ? "" : "s");
  return BW_OK;
}

/* Under the lock: roll an interrupted commit forward, then remove every
 * temporary bwsim left. */
static bw_status recover(const char *dir, bw_ctx *ctx) {
  journal j;
  int r = read_journal(dir, &j);
  char path[BW_PATH_MAX], tmp[BW_PATH_MAX];
  bw_status st = join(path, sizeof path, dir, "", JOURNAL, ctx);
  if (st != BW_OK) return st;
  if (r < 0) {
    /* written whole and synced before it was renamed into place: only a
     * file system that lost data, or a person, makes a damaged one */
    fprintf(stderr, "bwsim: warning: %s: a damaged commit journal %s is ignored and removed\n", dir, JOURNAL);
    unlink(path);
  } else if (r > 0) {
    int missing = 0;
    for (int i = 0; i < j.n; i++) {
      char dst[BW_PATH_MAX];
      struct stat sb;
      if ((st = join(tmp, sizeof tmp, dir, "", j.tmp[i], ctx)) != BW_OK ||
          (st = join(dst, sizeof dst, dir, "", j.dst[i], ctx)) != BW_OK)
        return st;
      if (lstat(tmp, &sb) == 0) {
        if (rename(tmp, dst) != 0)
          return bw_fail(ctx, BW_EIO, "%s: cannot complete the interrupted commit of run %.12s: %s: %s", dir,
                         j.run_id, j.dst[i], strerror(errno));
        step("recover: rename", j.dst[i]);
      } else if (lstat(dst, &sb) != 0) {
        missing++;
      }
    }
    int e = sync_dir(dir);
    if (e) return bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", dir, strerror(e));
    step("recover: sync", dir);
    if (unlink(path) != 0 && errno != ENOENT)
      return bw_fail(ctx, BW_EIO, "%s: cannot remove %s: %s", dir, JOURNAL, strerror(errno));
    step("recover: unlink", JOURNAL);
    sync_dir(dir);
    if (missing)
      fprintf(stderr, "bwsim: warning: %s: %d file%s of the interrupted commit of run %.12s missing\n", dir,
              missing, missing == 1 ? " is" : "s are", j.run_id);
    else
      fprintf(stderr, "bwsim: %s: completed the commit of run %.12s that an interrupted bwsim left\n", dir,
              j.run_id);
  }
  /* the stale temporaries: names first, then unlink (not while reading) */
  DIR *d = opendir(dir);
  if (!d) return bw_fail(ctx, BW_EIO, "%s: cannot read the directory: %s", dir, strerror(errno));
  char *stale[64];
  int ns = 0, removed = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && ns < 64)
    if (stale_temporary(e->d_name) && (stale[ns] = strdup(e->d_name)) != NULL) ns++;
  closedir(d);
  for (int i = 0; i < ns; i++) {
    struct stat sb;
    if (join(tmp, sizeof tmp, dir, "", stale[i], NULL) == BW_OK && lstat(tmp, &sb) == 0 &&
        (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) && unlink(tmp) == 0) {
      removed++;
      step("recover: unlink", stale[i]);
    }
    free(stale[i]);
  }
  if (removed)
    fprintf(stderr, "bwsim: %s: removed %d temporary file%s that an interrupted bwsim left\n", dir, removed,
            removed == 1 ? "" : "s");
  return recover_generations(dir, ctx);
}

/* ---- the lock --------------------------------------------------------------------------- */

struct bw_outdir_lock {
  struct bw_outdir_lock *next;
  dev_t dev;
  ino_t ino; /* of the directory */
  pid_t pid;
  int fd, refs, until_exit;
  char path[BW_PATH_MAX]; /* of the lock file */
};

static bw_outdir_lock_t *held; /* the locks of this process */

static void release(bw_outdir_lock_t *l) {
  for (bw_outdir_lock_t **p = &held; *p; p = &(*p)->next)
    if (*p == l) {
      *p = l->next;
      break;
    }
  /* remove the file only while it is ours: not in a forked child, not when
   * someone replaced it */
  struct stat a, b;
  if (l->pid == getpid() && fstat(l->fd, &a) == 0 && stat(l->path, &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino)
    unlink(l->path);
  close(l->fd);
  free(l);
}

static void release_all(void) {
  while (held) release(held);
}

/* pid, host, command line and start time, into the lock file. */
static void write_holder(int fd, const char *what) {
  char cmd[600] = "", host[256] = "?", when[64] = "?", buf[1200];
  int f = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (f >= 0) {
    ssize_t n = read(f, cmd, sizeof cmd - 1);
    close(f);
    if (n < 0) n = 0;
    cmd[n] = '\0';
    while (n > 0 && cmd[n - 1] == '\0') n--;
    for (ssize_t i = 0; i < n; i++)
      if (cmd[i] == '\0' || cmd[i] == '\n') cmd[i] = ' ';
  }
  if (!cmd[0]) snprintf(cmd, sizeof cmd, "bwsim %s", what ? what : "");
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  time_t now = time(NULL);
  struct tm tm;
  if (localtime_r(&now, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", &tm);
  int n = snprintf(buf, sizeof buf, "pid %ld\nhost %s\nstarted %s\ncommand %s\n", (long)getpid(), host, when, cmd);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  /* best effort: on a full disk the lock holds without its description */
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) return;
}

/* "pid 123 on host, since TIME: COMMAND" from a holder's lock file. */
static void describe_holder(int fd, char *out, size_t cap) {
  char buf[1200], pid[32] = "", host[256] = "", when[64] = "", cmd[600] = "";
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  buf[n > 0 ? n : 0] = '\0';
  char *save = NULL;
  for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (!strncmp(line, "pid ", 4)) snprintf(pid, sizeof pid, "%s", line + 4);
    if (!strncmp(line, "host ", 5)) snprintf(host, sizeof host, "%s", line + 5);
    if (!strncmp(line, "started ", 8)) snprintf(when, sizeof when, "%s", line + 8);
    if (!strncmp(line, "command ", 8)) snprintf(cmd, sizeof cmd, "%s", line + 8);
  }
  if (!pid[0])
    snprintf(out, cap, "a process that is starting: its pid is not written yet");
  else
    snprintf(out, cap, "pid %s on %s, started %s: %s", pid, host[0] ? host : "?", when[0] ? when : "?",
             cmd[0] ? cmd : "?");
}

bw_status bw_outdir_lock(const char *dir, const char *what, bw_outdir_lock_t **out, bw_ctx *ctx) {
  if (out) *out = NULL;
  bw_status st = make_dirs(dir, ctx);
  if (st != BW_OK) return st;
  struct stat sd;
  if (stat(dir, &sd) != 0) return bw_fail(ctx, BW_EIO, "%s: %s", dir, strerror(errno));
  for (bw_outdir_lock_t *l = held; l; l = l->next)
    if (l->pid == getpid() && l->dev == sd.st_dev && l->ino == sd.st_ino) {
      if (out) {
        l->refs++;
        *out = l;
      } else {
        l->until_exit = 1;
      }
      return BW_OK;
    }
  bw_outdir_lock_t *l = calloc(1, sizeof *l);
  if (!l) return bw_fail(ctx, BW_ENOMEM, "out of memory");
  if ((st = join(l->path, sizeof l->path, dir, "", LOCK_FILE, ctx)) != BW_OK) {
    free(l);
    return st;
  }
  for (int tries = 0;; tries++) {
    l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (l->fd < 0) {
      int e = errno;
      free(l);
      return bw_fail(ctx, BW_EIO, "%s: cannot write in this directory: %s", dir, strerror(e));
    }
    if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      if (e == EWOULDBLOCK) {
        char who[1000];
        describe_holder(l->fd, who, sizeof who);
        close(l->fd);
        free(l);
        return bw_fail(ctx, BW_EEXIST,
                       "%s is in use by another bwsim (%s): wait until it ends, or choose another --out", dir,
                       who);
      }
      /* a file system without locks: say so and go on */
      fprintf(stderr, "bwsim: warning: %s: cannot lock %s (%s): nothing stops a second run into it\n", dir,
              LOCK_FILE, strerror(e));
      break;
    }
    /* the holder before us may have removed the file it locked: then ours
     * is not the lock file any more */
    struct stat a, b;
    if (fstat(l->fd, &a) == 0 && stat(l->path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) break;
    close(l->fd);
    if (tries == 100) {
      free(l);
      return bw_fail(ctx, BW_EIO, "%s: cannot take the lock %s: it keeps changing", dir, LOCK_FILE);
    }
  }
  write_holder(l->fd, what);
  static int registered;
  if (!registered) registered = atexit(release_all) == 0;
  l->dev = sd.st_dev;
  l->ino = sd.st_ino;
  l->pid = getpid();
  l->next = held;
  held = l;
  if ((st = recover(dir, ctx)) != BW_OK) {
    release(l);
    return st;
  }
  if (out) {
    l->refs = 1;
    *out = l;
  } else {
    l->until_exit = 1;
  }
  return BW_OK;
}

void bw_outdir_unlock(bw_outdir_lock_t *lock) {
  if (!lock || --lock->refs > 0 || lock->until_exit) return;
  release(lock);
}

/* ---- the set -------------------------------------------------------------------------- */

/* Can we create files in dir? (access() is not enough: root, read-only
 * mounts, ACLs.) */
static bw_status probe_dir(const char *dir, bw_ctx *ctx) {
  char path[BW_PATH_MAX], name[32];
  snprintf(name, sizeof name, "%ld", (long)getpid());
  bw_status st = join(path, sizeof path, dir, PROBE_PREFIX, name, ctx);
  if (st != BW_OK) return st;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;
    return bw_fail(ctx, BW_EIO, "%s: cannot write in this directory: %s", dir, strerror(e));
  }
  close(fd);
  unlink(path);
  return BW_OK;
}

/* A directory that cannot hold symbolic links (FAT, exFAT, some SMB
 * shares): the set is then written as plain files under the journal.
 * BWSIM_TEST_NO_SYMLINKS=1 makes every directory one (tests only). 1: links
 * work; 0: they do not; -1: another error (ctx). */
static int symlinks_work(const char *meta, bw_ctx *ctx) {
  const char *e = getenv("BWSIM_TEST_NO_SYMLINKS");
  if (e && *e && strcmp(e, "0")) return 0;
  char path[BW_PATH_MAX], name[48];
  snprintf(name, sizeof name, "probe.%ld", (long)getpid());
  if (join(path, sizeof path, meta, "", name, ctx) != BW_OK) return -1;
  unlink(path);
  if (symlink("probe", path) == 0) {
    unlink(path);
    return 1;
  }
  int err = errno;
  if (err == EPERM || err == EOPNOTSUPP || err == ENOSYS || err == EINVAL) return 0;
  bw_fail(ctx, BW_EIO, "%s: cannot write in this directory: %s", meta, strerror(err));
  return -1;
}

/* Remove DIR/.bwsim when it holds nothing (a first set that failed). */
static void drop_empty_meta(const char *dir) {
  char meta[BW_PATH_MAX];
  if (snprintf(meta, sizeof meta, "%s/" META, dir) < (int)sizeof meta) rmdir(meta);
}

static bw_status prepare_files(bw_fileset *fs, const char *dir, const char *const *names, int n, int force,
                               bw_ctx *ctx) {
  bw_status st;
  for (int i = 0; i <= n; i++) {
    const char *name = i < n ? names[i] : fs->manifest;
    if (!plain_name(name) || strlen(name) >= sizeof fs->name[i] || !strcmp(name, META))
      return bw_fail(ctx, BW_EUSAGE, "bw_fileset_prepare: bad file name '%s'", name);
    strcpy(fs->name[i], name);
    if ((st = join(fs->dst[i], sizeof fs->dst[i], dir, "", name, ctx)) != BW_OK) return st;
    struct stat sb;
    if (lstat(fs->dst[i], &sb) != 0) {
      if (errno == ENOENT) continue;
      return bw_fail(ctx, BW_EIO, "%s: %s", fs->dst[i], strerror(errno));
    }
    if (!force)
      return bw_fail(ctx, BW_EEXIST, "%s already exists: use --force to replace it, or choose another --out",
                     fs->dst[i]);
    if (!S_ISREG(sb.st_mode) && !is_our_link(fs->dst[i], fs->what, name))
      return bw_fail(ctx, BW_EIO, "%s exists and is neither a regular file nor a link of this set: cannot replace it",
                     fs->dst[i]);
  }
  fs->n = n;
  if ((st = probe_dir(dir, ctx)) != BW_OK) return st;
  /* the layout: DIR/.bwsim/WHAT.new.PID, the generation being written */
  char meta[BW_PATH_MAX];
  if ((st = join(meta, sizeof meta, dir, "", META, ctx)) != BW_OK) return st;
  if (mkdir(meta, 0777) != 0 && errno != EEXIST)
    return bw_fail(ctx, BW_EIO, "%s: cannot create directory: %s", meta, strerror(errno));
  if (!is_real_dir(meta)) return bw_fail(ctx, BW_EIO, "%s exists and is not a directory of bwsim", meta);
  int links = symlinks_work(meta, ctx);
  if (links < 0) return ctx->status;
  fs->links = links;
  if (!links) {
    drop_empty_meta(dir);
    for (int i = 0; i <= n; i++)
      if ((st = join(fs->tmp[i], sizeof fs->tmp[i], dir, TMP_PREFIX, fs->name[i], ctx)) != BW_OK) return st;
  } else {
    char name[64];
    snprintf(name, sizeof name, "%s.new.%ld", fs->what, (long)getpid());
    if ((st = join(fs->stage, sizeof fs->stage, meta, "", name, ctx)) != BW_OK) return st;
    int e = remove_tree(fs->stage, "remove", 0);
    if (e || mkdir(fs->stage, 0777) != 0) {
      if (!e) e = errno;
      fs->stage[0] = '\0';
      return bw_fail(ctx, BW_EIO, "%s: cannot create directory: %s", meta, strerror(e));
    }
    for (int i = 0; i <= n; i++)
      if ((st = join(fs->tmp[i], sizeof fs->tmp[i], fs->stage, "", fs->name[i], ctx)) != BW_OK) return st;
  }
  /* tests only: the temporary of file NAME cannot be made (a directory
   * takes its name), as a write error midway */
  const char *block = getenv("BWSIM_TEST_BLOCK");
  for (int i = 0; block && i <= n; i++)
    if (!strcmp(block, fs->name[i])) mkdir(fs->tmp[i], 0777);
  return BW_OK;
}

bw_status bw_fileset_prepare(bw_fileset *fs, const char *dir, const char *what, const char *const *names, int n,
                             int force, bw_ctx *ctx) {
  memset(fs, 0, sizeof *fs);
  if (n < 1 || n > BW_FILESET_MAX || !what || !plain_name(what) || strchr(what, '.') ||
      strlen(what) >= sizeof fs->what ||
      snprintf(fs->manifest, sizeof fs->manifest, "%s.sha256", what) >= (int)sizeof fs->manifest)
    return bw_fail(ctx, BW_EUSAGE, "bw_fileset_prepare: %d files of '%s'", n, what ? what : "");
  strcpy(fs->what, what);
  if (snprintf(fs->dir, sizeof fs->dir, "%s", dir) >= (int)sizeof fs->dir)
    return bw_fail(ctx, BW_EIO, "%s: output path too long", dir);
  bw_status st = bw_outdir_lock(dir, what, &fs->lock, ctx);
  if (st == BW_OK && (st = prepare_files(fs, dir, names, n, force, ctx)) != BW_OK) bw_fileset_abort(fs);
  return st;
}

bw_status bw_fileset_sync(const bw_fileset *fs, int i, bw_ctx *ctx) {
  step("write", fs->name[i]);
  int fd = open(fs->tmp[i], O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    int e = errno;
    if (fd >= 0) close(fd);
    return bw_fail(ctx, BW_EIO, "%s: cannot sync: %s", fs->dst[i], strerror(e));
  }
  close(fd);
  return BW_OK;
}

bw_status bw_fileset_write_text(const bw_fileset *fs, int i, bw_text_writer fn, const void *arg, bw_ctx *ctx) {
  int fd = open(fs->tmp[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    int e = errno;
    return bw_fail(ctx, BW_EIO, "%s: cannot create %s: %s", fs->dst[i], fs->tmp[i], strerror(e));
  }
  FILE *f = fdopen(fd, "w");
  if (!f) {
    int e = errno;
    close(fd);
    return bw_fail(ctx, BW_EIO, "%s: %s", fs->dst[i], strerror(e));
  }
  fn(f, arg);
  step("write (partly)", fs->name[i]);
  int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
  int e = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (bad) return bw_fail(ctx, BW_EIO, "%s: write error: %s", fs->dst[i], strerror(e));
  step("write", fs->name[i]);
  return BW_OK;
}

void bw_fileset_abort(bw_fileset *fs) {
  if (fs->links) {
    if (fs->stage[0]) remove_tree(fs->stage, "remove", 0);
    fs->stage[0] = '\0';
  } else {
    for (int i = 0; fs->n > 0 && i <= fs->n; i++) {
      rmdir(fs->tmp[i]); /* BWSIM_TEST_BLOCK */
      unlink(fs->tmp[i]);
    }
  }
  drop_empty_meta(fs->dir);
  bw_outdir_unlock(fs->lock);
  fs->lock = NULL;
}

static int is_run_id(const char *s) {
  if (!s || strlen(s) != 64) return 0;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return 0;
  return 1;
}

/* The manifest (sha256sum format, the run id in a comment line) into the
 * last temporary. */
static bw_status write_manifest(const bw_fileset *fs, const char *run_id, bw_ctx *ctx) {
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  if (!m) return bw_fail(ctx, BW_ENOMEM, "out of memory");
  fprintf(m, "# bwsim %s: run_id %s (check the files: sha256sum -c %s)\n", BW_VERSION, run_id, fs->manifest);
  bw_status st = BW_OK;
  for (int i = 0; i < fs->n && st == BW_OK; i++) {
    char sha[65];
    if ((st = bw_sha256_file(fs->tmp[i], sha, ctx)) == BW_OK) fprintf(m, "%s  %s\n", sha, fs->name[i]);
  }
  if (fclose(m) != 0 && st == BW_OK) st = bw_fail(ctx, BW_ENOMEM, "out of memory");
  int e = st == BW_OK ? write_file(fs->tmp[fs->n], text, len) : 0;
  free(text);
  if (e) return bw_fail(ctx, BW_EIO, "%s: write error: %s", fs->dst[fs->n], strerror(e));
  if (st == BW_OK) step("write", fs->manifest);
  return st;
}

/* The journal, written whole and synced under a temporary name, renamed into
 * place, and the directory synced: from then on the renames are done, now
 * or by the next bwsim into the directory. */
static bw_status write_journal(const bw_fileset *fs, const char *run_id, bw_ctx *ctx) {
  char text[256 + (BW_FILESET_MAX + 1) * 160], tmp[BW_PATH_MAX], path[BW_PATH_MAX];
  int len = snprintf(text, sizeof text, JOURNAL_MAGIC "\nrun_id %s\n", run_id);
  for (int i = 0; i <= fs->n; i++)
    len += snprintf(text + len, sizeof text - (size_t)len, "rename " TMP_PREFIX "%s %s\n", fs->name[i], fs->name[i]);
  len += snprintf(text + len, sizeof text - (size_t)len, "end\n");
  bw_status st;
  if ((st = join(tmp, sizeof tmp, fs->dir, "", JOURNAL_TMP, ctx)) != BW_OK ||
      (st = join(path, sizeof path, fs->dir, "", JOURNAL, ctx)) != BW_OK)
    return st;
  int e = write_file(tmp, text, (size_t)len);
  if (!e) {
    step("write", JOURNAL_TMP);
    e = rename(tmp, path) == 0 ? 0 : errno;
  }
  if (e) {
    unlink(tmp);
    return bw_fail(ctx, BW_EIO, "%s: cannot write the commit journal %s: %s", fs->dir, JOURNAL, strerror(e));
  }
  step("rename", JOURNAL);
  if ((e = sync_dir(fs->dir)) != 0) {
    unlink(path);
    return bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", fs->dir, strerror(e));
  }
  step("sync", fs->dir);
  return BW_OK;
}

/* Plain files under the journal (a directory without symbolic links). */
static bw_status commit_plain(bw_fileset *fs, const char *run_id, bw_ctx *ctx) {
  bw_status st = write_manifest(fs, run_id, ctx);
  if (st == BW_OK) st = write_journal(fs, run_id, ctx);
  if (st != BW_OK) {
    bw_fileset_abort(fs);
    return st;
  }
  /* the manifest last: until it is in place, the old one describes no file
   * that changed without the journal saying so */
  for (int i = 0; i <= fs->n && st == BW_OK; i++) {
    if (rename(fs->tmp[i], fs->dst[i]) != 0)
      st = bw_fail(ctx, BW_EIO,
                   "%s: cannot move the new file into place: %s; the new files are complete: the next bwsim "
                   "run, compare or sweep into %s puts them in place (journal %s/" JOURNAL ")",
                   fs->dst[i], strerror(errno), fs->dir, fs->dir);
    else
      step("rename", fs->name[i]);
  }
  int e = st == BW_OK ? sync_dir(fs->dir) : 0;
  if (e) st = bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", fs->dir, strerror(e));
  if (st == BW_OK) {
    step("sync", fs->dir);
    char path[BW_PATH_MAX];
    if ((st = join(path, sizeof path, fs->dir, "", JOURNAL, ctx)) == BW_OK) {
      if (unlink(path) != 0)
        st = bw_fail(ctx, BW_EIO, "%s: cannot remove the commit journal: %s", fs->dir, strerror(errno));
      else
        step("unlink", JOURNAL);
      sync_dir(fs->dir);
    }
  }
  bw_outdir_unlock(fs->lock);
  fs->lock = NULL;
  return st;
}

/* ---- the commit in the generation layout ------------------------------------------- */

/* Turn the pointer DIR/.bwsim/WHAT to generation gen: a new link under a
 * temporary name renamed over it (atomic), and .bwsim synced. */
static bw_status set_pointer(const bw_fileset *fs, const char *gen, bw_ctx *ctx) {
  char tmp[BW_PATH_MAX], ptr[BW_PATH_MAX], meta[BW_PATH_MAX];
  int n1 = snprintf(tmp, sizeof tmp, "%s/" META "/%s.ptr.%ld", fs->dir, fs->what, (long)getpid());
  int n2 = snprintf(ptr, sizeof ptr, "%s/" META "/%s", fs->dir, fs->what);
  int n3 = snprintf(meta, sizeof meta, "%s/" META, fs->dir);
  if (n1 >= (int)sizeof tmp || n2 >= (int)sizeof ptr || n3 >= (int)sizeof meta)
    return bw_fail(ctx, BW_EIO, "%s: output path too long", fs->dir);
  unlink(tmp);
  if (symlink(gen, tmp) != 0)
    return bw_fail(ctx, BW_EIO, "%s: cannot create %s: %s", fs->dir, tmp, strerror(errno));
  step("symlink", tmp);
  if (rename(tmp, ptr) != 0) {
    int e = errno;
    unlink(tmp);
    return bw_fail(ctx, BW_EIO, "%s: cannot put the new set in place: %s", fs->dir, strerror(e));
  }
  step("rename", ptr);
  /* the pointer is turned: from here the new generation is the set, and a
   * failed sync is only a warning (removing it now would leave no set) */
  int e = sync_dir(meta);
  if (e) fprintf(stderr, "bwsim: warning: %s: cannot sync the directory: %s\n", meta, strerror(e));
  else step("sync", meta);
  return BW_OK;
}

/* A free name for a generation of fs: WHAT.ID12.K, into gen. */
static bw_status gen_name(const bw_fileset *fs, const char *id, char *gen, size_t cap, bw_ctx *ctx) {
  for (int k = 1; k < 10000; k++) {
    char p[BW_PATH_MAX];
    struct stat sb;
    if (snprintf(gen, cap, "%s.%.12s.%d", fs->what, id, k) >= (int)cap ||
        snprintf(p, sizeof p, "%s/" META "/%s", fs->dir, gen) >= (int)sizeof p)
      break;
    if (lstat(p, &sb) != 0 && errno == ENOENT) return BW_OK;
  }
  return bw_fail(ctx, BW_EIO, "%s/" META ": no free name for a generation", fs->dir);
}

/* Is name one of the files (or the manifest) of fs? */
static int in_set(const bw_fileset *fs, const char *name) {
  for (int i = 0; i <= fs->n; i++)
    if (!strcmp(fs->name[i], name)) return 1;
  return 0;
}

/* The names of set fs that are regular files in DIR: the new set's, and
 * those listed in a regular DIR/WHAT.sha256 (an older set as plain files:
 * written by an earlier bwsim, copied with cp -L, or a directory without
 * links). Into v (cap names); their number; the run id of that manifest
 * into id ("unknown" without one). */
static int regular_files(const bw_fileset *fs, char v[][64], int cap, char id[65]) {
  int k = 0;
  char p[BW_PATH_MAX], line[512];
  struct stat sb;
  strcpy(id, "unknown");
  for (int i = 0; i <= fs->n && k < cap; i++)
    if (lstat(fs->dst[i], &sb) == 0 && S_ISREG(sb.st_mode)) strcpy(v[k++], fs->name[i]);
  FILE *f = lstat(fs->dst[fs->n], &sb) == 0 && S_ISREG(sb.st_mode) ? fopen(fs->dst[fs->n], "r") : NULL;
  while (f && k < cap && fgets(line, sizeof line, f)) {
    char sha[65], name[256];
    const char *r = strstr(line, "run_id ");
    if (line[0] == '#' && r && sscanf(r, "run_id %64[0-9a-f]", sha) == 1 && strlen(sha) == 64) strcpy(id, sha);
    if (line[0] == '#' || sscanf(line, "%64[0-9a-f]  %255[^\n]", sha, name) != 2 || strlen(name) >= 64 ||
        !plain_name(name) || !strcmp(name, META) || in_set(fs, name) ||
        snprintf(p, sizeof p, "%s/%s", fs->dir, name) >= (int)sizeof p)
      continue;
    if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode)) strcpy(v[k++], name);
  }
  if (f) fclose(f);
  return k;
}

/* Before the commit point, the files of the set that are regular files in
 * DIR move into the generation layout without a reader ever seeing other
 * bytes under a name: a generation is made of hard links (or copies) of
 * them and of the current generation's other files, the pointer turned to
 * it, and only then each regular file replaced by its link, which reads
 * the same bytes. old: the current generation ("" none), updated. */
static bw_status migrate(bw_fileset *fs, char *old, size_t cap, bw_ctx *ctx) {
  char reg[2 * (BW_FILESET_MAX + 1)][64], id[65], stage[BW_PATH_MAX], gen[128], p[BW_PATH_MAX], q[BW_PATH_MAX];
  int nreg = regular_files(fs, reg, 2 * (BW_FILESET_MAX + 1), id);
  if (nreg == 0) return BW_OK;
  bw_status st = BW_OK;
  int e = 0;
  if (!pathf(stage, sizeof stage, "%s/" META "/%s.mig.%ld", fs->dir, fs->what, (long)getpid()))
    return bw_fail(ctx, BW_EIO, "%s: output path too long", fs->dir);
  remove_tree(stage, "remove", 0);
  if (mkdir(stage, 0777) != 0) return bw_fail(ctx, BW_EIO, "%s: cannot create directory: %s", stage, strerror(errno));
  step("mkdir", stage);
  if (old[0]) { /* the current generation's files that are read through their links */
    int n;
    char **v = pathf(p, sizeof p, "%s/" META "/%s", fs->dir, old) ? list_dir(p, &n) : (n = -1, NULL);
    if (n < 0) e = errno ? errno : EIO;
    for (int i = 0; i < n && !e; i++) {
      struct stat sb;
      if (!pathf(q, sizeof q, "%s/%s", fs->dir, v[i])) e = ENAMETOOLONG;
      else if (lstat(q, &sb) == 0 && S_ISREG(sb.st_mode)) continue;
      else if (!pathf(p, sizeof p, "%s/" META "/%s/%s", fs->dir, old, v[i]) ||
               !pathf(q, sizeof q, "%s/%s", stage, v[i]))
        e = ENAMETOOLONG;
      else if ((e = link_or_copy(p, q)) == 0)
        step("link", q);
    }
    free_list(v, n > 0 ? n : 0);
  }
  for (int i = 0; i < nreg && !e; i++) {
    if (!pathf(p, sizeof p, "%s/%s", fs->dir, reg[i]) || !pathf(q, sizeof q, "%s/%s", stage, reg[i]))
      e = ENAMETOOLONG;
    else if ((e = link_or_copy(p, q)) == 0)
      step("link", q);
  }
  if (!e && (e = sync_dir(stage)) == 0) step("sync", stage);
  if (!e && (st = gen_name(fs, id, gen, sizeof gen, ctx)) == BW_OK) {
    if (!pathf(p, sizeof p, "%s/" META "/%s", fs->dir, gen)) e = ENAMETOOLONG;
    else if (rename(stage, p) != 0) e = errno;
    else step("rename", p);
  }
  if (e || st != BW_OK) {
    remove_tree(stage, "remove", 0);
    return st != BW_OK ? st : bw_fail(ctx, BW_EIO, "%s: cannot take over the files of the older set: %s", fs->dir,
                                      strerror(e));
  }
  if (!pathf(q, sizeof q, "%s/" META, fs->dir)) e = ENAMETOOLONG;
  if (e || (e = sync_dir(q)) != 0 || (st = set_pointer(fs, gen, ctx)) != BW_OK) {
    remove_tree(p, "remove", 0);
    return st != BW_OK ? st : bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", q, strerror(e));
  }
  /* the pointer names the same bytes as the regular files: replace them */
  for (int i = 0; i < nreg; i++) {
    char text[BW_PATH_MAX], tmp[BW_PATH_MAX], dst[BW_PATH_MAX];
    if (!link_text(text, sizeof text, fs->what, reg[i]) ||
        !pathf(tmp, sizeof tmp, "%s/" LINK_TMP_PREFIX "%s", fs->dir, reg[i]) ||
        !pathf(dst, sizeof dst, "%s/%s", fs->dir, reg[i]))
      return bw_fail(ctx, BW_EIO, "%s: output path too long", fs->dir);
    unlink(tmp);
    if (symlink(text, tmp) != 0 || (step("symlink", tmp), rename(tmp, dst) != 0)) {
      e = errno;
      unlink(tmp);
      return bw_fail(ctx, BW_EIO, "%s: cannot replace it by a link: %s", dst, strerror(e));
    }
    step("rename", dst);
  }
  if ((e = sync_dir(fs->dir)) != 0) return bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", fs->dir, strerror(e));
  step("sync", fs->dir);
  if (old[0]) {
    if (pathf(p, sizeof p, "%s/" META "/%s", fs->dir, old)) remove_tree(p, "unlink", 0);
  }
  snprintf(old, cap, "%s", gen);
  return BW_OK;
}

/* Put the generation written in fs->stage in place (sim/fileset.h, 2.).
 * An error before the commit point leaves the previous set (the caller
 * aborts: the new generation is removed); after it, only a warning. */
static bw_status commit_links(bw_fileset *fs, const char *run_id, bw_ctx *ctx) {
  char gen[128], old[128] = "", genp[BW_PATH_MAX], meta[BW_PATH_MAX], p[BW_PATH_MAX], text[BW_PATH_MAX];
  bw_status st;
  int e, made[BW_FILESET_MAX + 1] = {0};
  if ((st = write_manifest(fs, run_id, ctx)) != BW_OK) return st;
  if ((e = sync_dir(fs->stage)) != 0)
    return bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", fs->stage, strerror(e));
  step("sync", fs->stage);
  if ((st = gen_name(fs, run_id, gen, sizeof gen, ctx)) != BW_OK ||
      (st = join(genp, sizeof genp, fs->dir, META "/", gen, ctx)) != BW_OK ||
      (st = join(meta, sizeof meta, fs->dir, "", META, ctx)) != BW_OK)
    return st;
  if (rename(fs->stage, genp) != 0)
    return bw_fail(ctx, BW_EIO, "%s: cannot rename the new generation: %s", genp, strerror(errno));
  step("rename", genp);
  strcpy(fs->stage, genp); /* an abort from here removes it */
  if (!current_gen(fs->dir, fs->what, old, sizeof old)) old[0] = '\0';
  if ((st = migrate(fs, old, sizeof old, ctx)) != BW_OK) return st;
  /* the links of the new files before the commit point: they read as
   * absent (or as the previous set's file) until it */
  for (int i = 0; i <= fs->n && st == BW_OK; i++) {
    struct stat sb;
    if (!link_text(text, sizeof text, fs->what, fs->name[i]))
      st = bw_fail(ctx, BW_EIO, "%s: output path too long", fs->dst[i]);
    else if (lstat(fs->dst[i], &sb) != 0 && errno == ENOENT) {
      if (symlink(text, fs->dst[i]) != 0)
        st = bw_fail(ctx, BW_EIO, "%s: cannot create the link: %s", fs->dst[i], strerror(errno));
      else {
        made[i] = 1;
        step("symlink", fs->dst[i]);
      }
    } else if (!is_our_link(fs->dst[i], fs->what, fs->name[i])) {
      st = bw_fail(ctx, BW_EIO, "%s exists and is not a link of this set: cannot replace it", fs->dst[i]);
    }
  }
  if (st == BW_OK && (e = sync_dir(fs->dir)) != 0)
    st = bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", fs->dir, strerror(e));
  if (st == BW_OK) step("sync", fs->dir);
  if (st == BW_OK && (e = sync_dir(meta)) != 0)
    st = bw_fail(ctx, BW_EIO, "%s: cannot sync the directory: %s", meta, strerror(e));
  if (st == BW_OK) step("sync", meta);
  /* the commit point */
  if (st == BW_OK) st = set_pointer(fs, gen, ctx);
  if (st != BW_OK) {
    for (int i = 0; i <= fs->n; i++)
      if (made[i]) unlink(fs->dst[i]);
    return st;
  }
  fs->stage[0] = '\0';
  /* after it: the links of the previous set's files that the new one lacks
   * dangle now; they go, then the previous generation */
  if (old[0]) {
    int n;
    char **v = (join(p, sizeof p, meta, "", old, NULL) == BW_OK) ? list_dir(p, &n) : (n = -1, NULL);
    for (int i = 0; i < n; i++) {
      if (in_set(fs, v[i]) || join(p, sizeof p, fs->dir, "", v[i], NULL) != BW_OK || !is_our_link(p, fs->what, v[i]))
        continue;
      if (unlink(p) == 0) step("unlink", p);
    }
    if (n >= 0) free_list(v, n);
    if (n > 0 && sync_dir(fs->dir) == 0) step("sync", fs->dir);
    if (join(p, sizeof p, meta, "", old, NULL) == BW_OK && (e = remove_tree(p, "unlink", 0)) != 0)
      fprintf(stderr, "bwsim: warning: %s: cannot remove the previous generation (%s): the next bwsim into %s "
              "removes it\n", p, strerror(e), fs->dir);
    else if (sync_dir(meta) == 0)
      step("sync", meta);
  }
  return BW_OK;
}

bw_status bw_fileset_commit(bw_fileset *fs, const char *run_id, bw_ctx *ctx) {
  if (fs->n < 1 || !is_run_id(run_id)) {
    bw_fileset_abort(fs);
    return bw_fail(ctx, BW_EUSAGE, "bw_fileset_commit: no file set or no run id");
  }
  if (!fs->links) return commit_plain(fs, run_id, ctx);
  bw_status st = commit_links(fs, run_id, ctx);
  if (st != BW_OK) {
    bw_fileset_abort(fs);
    return st;
  }
  bw_outdir_unlock(fs->lock);
  fs->lock = NULL;
  return BW_OK;
}

/* ---- reading ------------------------------------------------------------------------ */

/* Where a reader finds file name of set what in dir: in the generation gen
 * when it is given and DIR/NAME is the set's link (resolved once, so that a
 * commit going on does not move files under the reader); the journal's
 * temporary while a commit of plain files is pending and it exists; else
 * DIR/NAME. */
static bw_status reader_path(const char *dir, const char *what, const char *gen, const journal *j, const char *name,
                             char *out, size_t cap, bw_ctx *ctx) {
  char p[BW_PATH_MAX];
  if (gen[0] && join(p, sizeof p, dir, "", name, NULL) == BW_OK && is_our_link(p, what, name)) {
    int n = snprintf(out, cap, "%s/" META "/%s/%s", dir, gen, name);
    if (n < 0 || (size_t)n >= cap) return bw_fail(ctx, BW_EIO, "%s/%s: output path too long", dir, name);
    return BW_OK;
  }
  for (int i = 0; i < j->n; i++)
    if (!strcmp(j->dst[i], name)) {
      bw_status st = join(out, cap, dir, "", j->tmp[i], ctx);
      struct stat sb;
      if (st != BW_OK || lstat(out, &sb) == 0) return st;
    }
  return join(out, cap, dir, "", name, ctx);
}

static bw_status verify_once(const char *dir, const char *what, char run_id[65], int *pending, bw_ctx *ctx) {
  run_id[0] = '\0';
  *pending = 0;
  char manifest[80], path[BW_PATH_MAX], line[512], gen[128] = "";
  snprintf(manifest, sizeof manifest, "%s.sha256", what);
  journal j;
  bw_status st = join(path, sizeof path, dir, "", manifest, ctx);
  if (st != BW_OK) return st;
  if (is_our_link(path, what, manifest)) { /* the generation layout: no journal */
    if (!current_gen(dir, what, gen, sizeof gen))
      return bw_fail(ctx, BW_EIO, "%s/" META "/%s names no generation", dir, what);
    memset(&j, 0, sizeof j);
  } else {
    int r = read_journal(dir, &j);
    if (r < 0) return bw_fail(ctx, BW_EIO, "%s: the commit journal %s is damaged", dir, JOURNAL);
    if (r == 0) j.n = 0;
    *pending = r > 0;
  }
  if ((st = reader_path(dir, what, gen, &j, manifest, path, sizeof path, ctx)) != BW_OK) return st;
  FILE *f = fopen(path, "r");
  if (!f) return bw_fail(ctx, BW_EIO, "%s: %s", path, strerror(errno));
  int nfiles = 0;
  while (st == BW_OK && fgets(line, sizeof line, f)) {
    char sha[65], name[256], have[65];
    const char *id = strstr(line, "run_id ");
    if (line[0] == '#') {
      if (id && sscanf(id, "run_id %64[0-9a-f]", run_id) != 1) run_id[0] = '\0';
    } else if (sscanf(line, "%64[0-9a-f]  %255[^\n]", sha, name) != 2 || strlen(sha) != 64) {
      st = bw_fail(ctx, BW_EIO, "%s: not a bwsim manifest: %s", path, line);
    } else if ((st = reader_path(dir, what, gen, &j, name, path, sizeof path, ctx)) == BW_OK &&
               (st = bw_sha256_file(path, have, ctx)) == BW_OK && strcmp(sha, have) != 0) {
      st = bw_fail(ctx, BW_EIO, "%s/%s: not the file of run %.12s (its SHA-256 differs from %s)", dir, name, run_id,
                   manifest);
    } else {
      nfiles++;
    }
  }
  fclose(f);
  if (st == BW_OK && (!is_run_id(run_id) || nfiles == 0))
    st = bw_fail(ctx, BW_EIO, "%s/%s: no run id or no file listed", dir, manifest);
  if (st == BW_OK && *pending && strcmp(j.run_id, run_id) != 0)
    st = bw_fail(ctx, BW_EIO, "%s: the commit journal is of run %.12s, the manifest of run %.12s", dir, j.run_id,
                 run_id);
  return st;
}

bw_status bw_fileset_verify(const char *dir, const char *what, char run_id[65], int *pending, bw_ctx *ctx) {
  /* a commit that goes on while we read moves files under us: read again */
  for (int tries = 0;; tries++) {
    bw_ctx c;
    bw_ctx_init(&c);
    bw_status st = verify_once(dir, what, run_id, pending, &c);
    if (st == BW_OK || tries == 3) {
      if (st != BW_OK) bw_fail(ctx, st, "%s", c.msg);
      return st;
    }
  }
}
