/* Result files that appear together or not at all (sim/fileset.h). */
#define _POSIX_C_SOURCE 200809L

#include "fileset.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bw_status join(char *out, size_t cap, const char *dir, const char *prefix, const char *name,
                      const char *suffix, bw_ctx *ctx) {
  int n = snprintf(out, cap, "%s/%s%s%s", dir, prefix, name, suffix);
  if (n < 0 || (size_t)n >= cap) return bw_fail(ctx, BW_EIO, "%s/%s: output path too long", dir, name);
  return BW_OK;
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
    if (mkdir(path, 0777) != 0 && !is_dir(path)) {
      int e = errno;
      return bw_fail(ctx, BW_EIO, "%s: cannot create directory: %s", path, strerror(e));
    }
    path[i] = c;
  }
  if (!is_dir(dir)) return bw_fail(ctx, BW_EIO, "%s: not a directory", dir);
  return BW_OK;
}

/* Can we create files in dir? (access() is not enough: root, read-only
 * mounts, ACLs.) */
static bw_status probe_dir(const char *dir, bw_ctx *ctx) {
  char path[BW_PATH_MAX], suffix[32];
  snprintf(suffix, sizeof suffix, ".%ld", (long)getpid());
  bw_status st = join(path, sizeof path, dir, ".bwsim-probe", "", suffix, ctx);
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

bw_status bw_fileset_prepare(bw_fileset *fs, const char *dir, const char *const *names, int n, int force,
                             bw_ctx *ctx) {
  memset(fs, 0, sizeof *fs);
  if (n < 1 || n > BW_FILESET_MAX) return bw_fail(ctx, BW_EUSAGE, "bw_fileset_prepare: %d files", n);
  bw_status st = make_dirs(dir, ctx);
  if (st != BW_OK) return st;
  char pid[32];
  snprintf(pid, sizeof pid, ".%ld", (long)getpid());
  for (int i = 0; i < n; i++) {
    if ((st = join(fs->dst[i], sizeof fs->dst[i], dir, "", names[i], "", ctx)) != BW_OK ||
        (st = join(fs->tmp[i], sizeof fs->tmp[i], dir, ".", names[i], ".tmp", ctx)) != BW_OK ||
        (st = join(fs->bak[i], sizeof fs->bak[i], dir, ".", names[i], ".bak", ctx)) != BW_OK)
      return st;
    if (strlen(fs->tmp[i]) + strlen(pid) >= BW_PATH_MAX || strlen(fs->bak[i]) + strlen(pid) >= BW_PATH_MAX)
      return bw_fail(ctx, BW_EIO, "%s: output path too long", fs->dst[i]);
    strcat(fs->tmp[i], pid);
    strcat(fs->bak[i], pid);
    struct stat sb;
    if (lstat(fs->dst[i], &sb) != 0) {
      if (errno == ENOENT) continue;
      int e = errno;
      return bw_fail(ctx, BW_EIO, "%s: %s", fs->dst[i], strerror(e));
    }
    if (!force)
      return bw_fail(ctx, BW_EEXIST, "%s already exists: use --force to replace it, or choose another --out",
                     fs->dst[i]);
    if (!S_ISREG(sb.st_mode))
      return bw_fail(ctx, BW_EIO, "%s exists and is not a regular file: cannot replace it", fs->dst[i]);
  }
  fs->n = n;
  return probe_dir(dir, ctx);
}

bw_status bw_fileset_sync(const bw_fileset *fs, int i, bw_ctx *ctx) {
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
  int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
  int e = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (bad) return bw_fail(ctx, BW_EIO, "%s: write error: %s", fs->dst[i], strerror(e));
  return BW_OK;
}

void bw_fileset_abort(const bw_fileset *fs) {
  for (int i = 0; i < fs->n; i++) unlink(fs->tmp[i]);
}

/* Before the first rename, every existing target is hard-linked to its
 * backup; if a rename fails, the renamed files are put back (or removed when
 * there was none) so the directory is as it was. Where hard links are not
 * supported there is no backup and only the check of bw_fileset_prepare
 * stands between us and a half-done commit. */
bw_status bw_fileset_commit(bw_fileset *fs, const char *dir, bw_ctx *ctx) {
  int had[BW_FILESET_MAX] = {0}, backed[BW_FILESET_MAX] = {0};
  for (int i = 0; i < fs->n; i++) {
    struct stat sb;
    had[i] = lstat(fs->dst[i], &sb) == 0;
    if (had[i]) {
      unlink(fs->bak[i]);
      backed[i] = link(fs->dst[i], fs->bak[i]) == 0;
    }
  }
  int failed = -1, err = 0;
  for (int i = 0; i < fs->n; i++)
    if (rename(fs->tmp[i], fs->dst[i]) != 0) {
      failed = i;
      err = errno;
      break;
    }
  if (failed >= 0) {
    for (int j = 0; j < failed; j++) {
      if (backed[j])
        rename(fs->bak[j], fs->dst[j]);
      else if (!had[j])
        unlink(fs->dst[j]);
    }
    for (int j = failed; j < fs->n; j++) unlink(fs->tmp[j]);
  }
  for (int i = 0; i < fs->n; i++)
    if (backed[i]) unlink(fs->bak[i]); /* no-op for those renamed back */
  if (failed >= 0)
    return bw_fail(ctx, BW_EIO, "%s: cannot move the new file into place: %s", fs->dst[failed], strerror(err));
  /* make the renames durable; some file systems cannot sync a directory */
  int fd = open(dir, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return BW_OK;
}
