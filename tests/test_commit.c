/* Tests of the output directory's reliability (sim/fileset.h, sim/h5util.h;
 * docs/outputs.md "Reliability"), running the bwsim executable:
 *
 * - a kill at every write, rename, sync and unlink step of a commit over an
 *   older complete result (the test hook BWSIM_TEST_KILL_AT=N) leaves, as a
 *   reader following the manifest and the journal sees it at once and as
 *   the next bwsim leaves it after its recovery, the old complete set or the
 *   new one, and no temporary after the next run; a kill at every step of
 *   that recovery too;
 * - a second run, compare or sweep into a directory in use is refused at
 *   once (exit 2) naming the holder's pid; the lock is released at exit;
 * - temporaries of earlier bwsim versions and a damaged journal are cleaned;
 * - a full disk (a 300 KiB tmpfs: root only) ends with exit 1, the reason
 *   and no partial file, where HDF5 1.10 used to crash at exit; a read-only
 *   directory says "Read-only file system" / "Permission denied";
 * - compare and sweep sets carry their run id and manifest too. */
#define _GNU_SOURCE /* nftw, mkdtemp, execvpe (test_util.h) */

#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <time.h>

#include "fileset.h"
#include "output.h"
#include "test_util.h"

#define SMALL_YAML BW_TEST_DIR "/data/cli/small.yaml"
#define DEFAULT_YAML BW_SOURCE_DIR "/params/default.yaml"

enum { NSET = 6, MAX_STEPS = 80 };
static const char *const SET[NSET] = {"results.h5",        "risk.csv",        "national.csv",
                                      "gemeente_year.csv", "region_year.csv", "run.sha256"};

static void setup(void) { tu_setup("commit"); }

TestSuite(commit, .init = setup, .fini = tu_teardown);

/* ---- helpers -------------------------------------------------------------------- */

/* A small run of seed into dir (more arguments may follow, NULL-terminated),
 * with the environment entries env (may be NULL). */
#define RUN(env, seed, dir, ...) \
  tu_bwsim_env(env, "run", SMALL_YAML, "-n", "2", "-t", "1", "-q", "--seed", seed, "--out", dir, __VA_ARGS__)

typedef struct {
  char h[NSET][65]; /* "" for a missing file */
} snapshot;

static snapshot snap(const char *dir) {
  snapshot s;
  for (int i = 0; i < NSET; i++) {
    char *p = tu_join_malloc(dir, SET[i]);
    s.h[i][0] = '\0';
    if (tu_exists(p)) tu_sha256_file(p, s.h[i]);
    free(p);
  }
  return s;
}

static int same(const snapshot *a, const snapshot *b) {
  for (int i = 0; i < NSET; i++)
    if (strcmp(a->h[i], b->h[i])) return 0;
  return 1;
}

/* Copy every regular file of src (hidden ones too) into dst (made). */
static void copy_dir(const char *src, const char *dst) {
  cr_assert_eq(mkdir(dst, 0777), 0, "mkdir %s: %s", dst, strerror(errno));
  DIR *d = opendir(src);
  cr_assert_not_null(d, "opendir %s", src);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char *from = tu_join_malloc(src, e->d_name), *to = tu_join_malloc(dst, e->d_name);
    struct stat sb;
    if (lstat(from, &sb) == 0 && S_ISREG(sb.st_mode)) {
      size_t n;
      char *bytes = tu_slurp_malloc(from, &n);
      FILE *f = fopen(to, "wb");
      cr_assert_not_null(f, "%s", to);
      cr_assert_eq(fwrite(bytes, 1, n, f), n);
      cr_assert_eq(fclose(f), 0);
      free(bytes);
    }
    free(from);
    free(to);
  }
  closedir(d);
}

/* The reader's view of dir: verify must find a complete set; its run id. */
static void reader_view(const char *dir, char id[65], int *pending, const char *what) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_fileset_verify(dir, "run", id, pending, &ctx), BW_OK, "%s: a reader finds no complete set: %s",
               what, ctx.msg);
}

static void assert_no_hidden(const char *dir, const char *what) {
  int visible, hidden;
  tu_list_dir(dir, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "%s: %d hidden files left in %s", what, hidden, dir);
}

static void run_id_of(const char *dir, char id[65]) {
  int pending;
  reader_view(dir, id, &pending, dir);
  cr_assert_eq(pending, 0);
}

/* ---- a kill at every step --------------------------------------------------------- */

/* The older complete result A (seed 1) and the newer B (seed 2) of the same
 * small run. */
typedef struct {
  char *a, *b;
  snapshot sa, sb;
  char ida[65], idb[65];
} two_runs;

static two_runs make_two_runs(void) {
  two_runs t;
  t.a = tu_path("A");
  t.b = tu_path("B");
  tu_proc p = RUN(NULL, "1", t.a, NULL);
  cr_assert_eq(p.code, 0, "run A: %s", p.err);
  p = RUN(NULL, "2", t.b, NULL);
  cr_assert_eq(p.code, 0, "run B: %s", p.err);
  t.sa = snap(t.a);
  t.sb = snap(t.b);
  for (int i = 0; i < NSET; i++) cr_assert_neq(t.sa.h[i][0], '\0', "%s missing", SET[i]);
  run_id_of(t.a, t.ida);
  run_id_of(t.b, t.idb);
  cr_assert_str_neq(t.ida, t.idb);
  assert_no_hidden(t.a, "a complete run");
  return t;
}

/* dir as a reader sees it (complete A or B, the journal followed) and as the
 * next bwsim leaves it (a run refused for the existing files, after its
 * recovery): the same complete set, and no hidden file. 1: B, 0: A. */
static int check_after_kill(const two_runs *t, const char *dir, const char *what) {
  char id[65];
  int pending;
  reader_view(dir, id, &pending, what);
  int is_b = !strcmp(id, t->idb);
  cr_assert(is_b || !strcmp(id, t->ida), "%s: the reader sees run %.12s, neither A nor B", what, id);
  cr_assert(!pending || is_b, "%s: a pending commit of A", what);
  tu_proc p = RUN(NULL, "3", dir, NULL);
  cr_assert_eq(p.code, 2, "%s: the next run (no --force) exits %d: %s", what, p.code, p.err);
  if (pending)
    cr_assert(strstr(p.err, "completed the commit") != NULL, "%s: recovery not reported: %s", what, p.err);
  snapshot s = snap(dir);
  cr_assert(same(&s, is_b ? &t->sb : &t->sa), "%s: after recovery not the complete %s", what, is_b ? "B" : "A");
  assert_no_hidden(dir, what);
  char id2[65];
  run_id_of(dir, id2);
  cr_assert_str_eq(id2, id, "%s", what);
  return is_b;
}

Test(commit, kill_at_every_step_leaves_the_old_or_the_new_set) {
  two_runs t = make_two_runs();
  int n_old = 0, n_new = 0, k;
  for (k = 1; k <= MAX_STEPS; k++) {
    char *d = tu_path("k%d", k);
    copy_dir(t.a, d);
    const char *env[] = {tu_format("BWSIM_TEST_KILL_AT=%d", k), NULL};
    tu_proc p = RUN(env, "2", d, "--force", NULL);
    if (p.code == 0) { /* past the last step: the new set, nothing left */
      snapshot s = snap(d);
      cr_assert(same(&s, &t.sb), "an uninterrupted commit is not B");
      assert_no_hidden(d, "an uninterrupted commit");
      break;
    }
    cr_assert_eq(p.signal, SIGKILL, "step %d: exit %d: %s", k, p.code, p.err);
    cr_assert(strstr(p.err, "BWSIM_TEST_KILL_AT") != NULL, "step %d: %s", k, p.err);
    const char *what = tu_format("kill at step %d (%s)", k, p.err);
    if (check_after_kill(&t, d, what)) n_new++;
    else n_old++;
    tu_rm_rf(d);
  }
  cr_assert_leq(k, MAX_STEPS, "the commit did not end within %d steps", MAX_STEPS);
  /* the writes, the manifest, the journal, six renames, syncs and unlink */
  cr_assert_geq(k - 1, 2 * 4 + 1 + 1 + 2 + NSET + 2, "only %d steps", k - 1);
  cr_assert_gt(n_old, 0, "no kill left the old set");
  cr_assert_gt(n_new, 0, "no kill left the new set");
}

/* Interrupted after the first rename, then the recovery killed at each of
 * its steps: the new set every time, and no temporary at the end. */
Test(commit, kill_during_recovery_still_completes_the_commit) {
  two_runs t = make_two_runs();
  char *mid = NULL;
  for (int k = 1; k <= MAX_STEPS && !mid; k++) {
    char *d = tu_path("m%d", k);
    copy_dir(t.a, d);
    const char *env[] = {tu_format("BWSIM_TEST_KILL_AT=%d", k), NULL};
    tu_proc p = RUN(env, "2", d, "--force", NULL);
    cr_assert_eq(p.signal, SIGKILL, "step %d: exit %d before the first rename: %s", k, p.code, p.err);
    if (strstr(p.err, ": rename results.h5")) mid = d;
  }
  cr_assert_not_null(mid, "no step renames results.h5");
  char *journal = tu_join(mid, ".bwsim-commit");
  cr_assert(tu_exists(journal), "no journal after the first rename");
  int j;
  for (j = 1; j <= MAX_STEPS; j++) {
    char *e = tu_path("r%d", j);
    copy_dir(mid, e);
    const char *env[] = {tu_format("BWSIM_TEST_KILL_AT=%d", j), NULL};
    tu_proc p = RUN(env, "3", e, NULL);
    if (p.signal == 0) {
      cr_assert_eq(p.code, 2, "recovery, then the refusal: exit %d: %s", p.code, p.err);
      snapshot s = snap(e);
      cr_assert(same(&s, &t.sb), "the recovered set is not B");
      assert_no_hidden(e, "after recovery");
      break;
    }
    cr_assert_eq(p.signal, SIGKILL, "recovery step %d: %s", j, p.err);
    cr_assert(strstr(p.err, "recover") != NULL, "step %d is not one of recovery: %s", j, p.err);
    cr_assert_eq(check_after_kill(&t, e, tu_format("recovery killed at step %d (%s)", j, p.err)), 1);
    tu_rm_rf(e);
  }
  /* five renames left, a sync, the journal, and the hidden temporaries */
  cr_assert_geq(j - 1, 5 + 2, "only %d recovery steps", j - 1);
}

/* ---- the lock ------------------------------------------------------------------------- */

/* bwsim with args, started in the background in tu_tmp_root with extra
 * environment env; stdout and stderr to files. */
static pid_t spawn_bwsim(const char *const *env, char *const *args) {
  char *argv[64];
  argv[0] = (char *)BW_BINARY;
  int n = 1;
  for (; args[n - 1]; n++) argv[n] = args[n - 1];
  argv[n] = NULL;
  char **envp = tu_environ_with(env);
  char *errp = tu_path("holder.err");
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    int o = open("/dev/null", O_WRONLY), e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0 || chdir(tu_tmp_root) != 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(126);
    execvpe(argv[0], argv, envp);
    _exit(127);
  }
  return pid;
}

Test(commit, second_run_into_a_locked_directory_refused_at_once_naming_the_holder) {
  char *d = tu_path("locked");
  /* the first run stops at its first commit step, holding the lock */
  const char *env[] = {"BWSIM_TEST_KILL_AT=1:stop", NULL};
  char *args[] = {"run", SMALL_YAML, "-n", "2", "-t", "1", "-q", "--out", d, NULL};
  pid_t holder = spawn_bwsim(env, args);
  int status;
  cr_assert_eq(waitpid(holder, &status, WUNTRACED), holder);
  cr_assert(WIFSTOPPED(status), "the first run did not stop at its commit: %s", tu_slurp(tu_path("holder.err"), NULL));
  char pid[32];
  snprintf(pid, sizeof pid, "pid %ld", (long)holder);
  char *lock = tu_slurp(tu_join(d, ".bwsim.lock"), NULL);
  cr_assert(strstr(lock, pid) != NULL, "the lock file does not name its holder: %s", lock);

  /* a second run, compare, sweep: refused before anything runs (a run of a
   * million replications would take minutes) */
  time_t t0 = time(NULL);
  tu_proc p = tu_bwsim("run", SMALL_YAML, "-n", "1000000", "-q", "--force", "--out", d, NULL);
  cr_assert_eq(p.code, 2, "second run: exit %d: %s", p.code, p.err);
  cr_assert(strstr(p.err, pid) && strstr(p.err, "in use") && strstr(p.err, "run"), "the holder: %s", p.err);
  p = tu_bwsim("compare", DEFAULT_YAML, "--vs", "policy.pooling=region", "-n", "1000000", "-q", "--out", d, NULL);
  cr_assert_eq(p.code, 2, "compare: exit %d: %s", p.code, p.err);
  cr_assert(strstr(p.err, pid) != NULL, "%s", p.err);
  p = tu_bwsim("sweep", DEFAULT_YAML, "--grid", "flags.p_star=0.4,0.6", "-n", "1000000", "-q", "--out", d, NULL);
  cr_assert_eq(p.code, 2, "sweep: exit %d: %s", p.code, p.err);
  cr_assert(strstr(p.err, pid) != NULL, "%s", p.err);
  cr_assert_lt(time(NULL) - t0, 60, "the refusals took %lds", (long)(time(NULL) - t0));

  /* the holder goes on and completes; the lock goes with it */
  cr_assert_eq(kill(holder, SIGCONT), 0);
  cr_assert_eq(waitpid(holder, &status, 0), holder);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the first run did not complete: %s",
            tu_slurp(tu_path("holder.err"), NULL));
  char id[65];
  run_id_of(d, id);
  assert_no_hidden(d, "after the holder ended");
  p = RUN(NULL, "5", d, "--force", NULL);
  cr_assert_eq(p.code, 0, "a run after the holder ended: %s", p.err);
}

/* The lock in this process: bwsim is refused naming this pid; taken again
 * by the same process it is counted; the last unlock removes the file. */
Test(commit, lock_api_in_process) {
  char *d = tu_path("api/sub");
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  bw_outdir_lock_t *l1 = NULL, *l2 = NULL;
  cr_assert_eq(bw_outdir_lock(d, "test", &l1, &ctx), BW_OK, "%s", ctx.msg);
  cr_assert_eq(bw_outdir_lock(d, "test", &l2, &ctx), BW_OK, "%s", ctx.msg);
  char *lock = tu_join(d, ".bwsim.lock");
  cr_assert(tu_exists(lock));
  tu_proc p = RUN(NULL, "1", d, NULL);
  cr_assert_eq(p.code, 2, "%s", p.err);
  cr_assert(strstr(p.err, tu_format("pid %ld", (long)getpid())) != NULL, "%s", p.err);
  bw_outdir_unlock(l2);
  cr_assert(tu_exists(lock), "released while still held once");
  bw_outdir_unlock(l1);
  cr_assert(!tu_exists(lock), "the lock file stays after the last unlock");
  p = RUN(NULL, "1", d, NULL);
  cr_assert_eq(p.code, 0, "%s", p.err);
  assert_no_hidden(d, "a run");
}

/* ---- cleaning ------------------------------------------------------------------------------ */

Test(commit, stale_temporaries_and_a_damaged_journal_are_cleaned) {
  char *d = tu_path("stale");
  tu_proc p = RUN(NULL, "1", d, NULL);
  cr_assert_eq(p.code, 0, "%s", p.err);
  snapshot before = snap(d);
  static const char *const stale[] = {".risk.csv.tmp.1234", ".results.h5.bak.77", ".bwsim-tmp-risk.csv",
                                      ".bwsim-commit.tmp", ".bwsim-probe.42", ".bwsim-commit"};
  for (size_t i = 0; i < sizeof stale / sizeof *stale; i++) tu_write_text(tu_join(d, stale[i]), "junk\n");
  tu_write_text(tu_join(d, ".keep"), "mine\n");           /* not bwsim's */
  cr_assert_eq(mkdir(tu_join(d, ".report.tmp.123"), 0777), 0); /* a directory: not ours to remove */
  p = RUN(NULL, "2", d, NULL);
  cr_assert_eq(p.code, 2, "%s", p.err);
  cr_assert(strstr(p.err, "damaged") != NULL, "the damaged journal is not reported: %s", p.err);
  cr_assert(strstr(p.err, "removed 5 temporary files") != NULL, "%s", p.err);
  for (size_t i = 0; i < sizeof stale / sizeof *stale; i++)
    cr_assert(!tu_exists(tu_join(d, stale[i])), "%s left", stale[i]);
  cr_assert(tu_exists(tu_join(d, ".keep")) && tu_exists(tu_join(d, ".report.tmp.123")), "removed too much");
  snapshot after = snap(d);
  cr_assert(same(&before, &after), "the results changed");
}

/* ---- I/O errors ----------------------------------------------------------------------------- */

/* A tmpfs of size at dir (made), or skip: needs root and mount(2). */
static void mount_tmpfs(const char *dir, const char *opts, unsigned long flags) {
  if (geteuid() != 0) cr_skip_test("not root: cannot mount a small tmpfs");
  cr_assert_eq(mkdir(dir, 0755), 0);
  if (mount("tmpfs", dir, "tmpfs", flags, opts) != 0)
    cr_skip_test("mount tmpfs: %s", strerror(errno));
}

/* Fill the file system of dir up to about keep bytes free. */
static void fill_up(const char *dir, long keep) {
  struct statvfs vs;
  cr_assert_eq(statvfs(dir, &vs), 0);
  long avail = (long)(vs.f_bavail * vs.f_frsize) - keep;
  FILE *f = fopen(tu_join(dir, "filler"), "wb");
  cr_assert_not_null(f);
  static const char zeros[4096];
  for (long n = 0; n < avail; n += (long)sizeof zeros) fwrite(zeros, 1, sizeof zeros, f);
  fclose(f); /* a short write is fine: the disk is full */
}

Test(commit, full_disk_exits_1_with_the_reason_and_no_partial_file) {
  char *mnt = tu_path("full");
  mount_tmpfs(mnt, "size=300k", 0);
  char *r = tu_join(mnt, "r");
  tu_proc p = tu_bwsim("run", "-n", "20", "-t", "1", "-q", "--out", r, NULL);
  int code = p.code;
  char *err = p.err;
  /* an older result stays as it was */
  char *r2 = tu_join(mnt, "r2");
  cr_assert_eq(mkdir(r2, 0755), 0);
  tu_write_text(tu_join(r2, "risk.csv"), "old\n");
  tu_proc p2 = tu_bwsim("run", "-n", "20", "-t", "1", "-q", "--force", "--out", r2, NULL);
  cr_assert_eq(mkdir(tu_join(mnt, "c"), 0755), 0);
  fill_up(mnt, 16384);
  tu_proc p3 = tu_bwsim("compare", DEFAULT_YAML, "--vs", "policy.pooling=region", "-n", "3", "-t", "1", "-q",
                        "--out", tu_join(mnt, "c"), NULL);
  int visible, hidden, v2, h2, v3, h3;
  tu_list_dir(r, NULL, &visible, &hidden);
  tu_list_dir(r2, NULL, &v2, &h2);
  tu_list_dir(tu_join(mnt, "c"), NULL, &v3, &h3);
  char *old = tu_slurp(tu_join(r2, "risk.csv"), NULL);
  umount2(mnt, MNT_DETACH);
  cr_assert_eq(code, 1, "run on a full disk: exit %d (139: the crash in HDF5's exit handler)\n%s", code, err);
  cr_assert(strstr(err, strerror(ENOSPC)) != NULL, "the reason is not given: %s", err);
  cr_assert_eq(visible + hidden, 0, "a failed run left %d files", visible + hidden);
  cr_assert_eq(p2.code, 1, "run --force on a full disk: exit %d\n%s", p2.code, p2.err);
  cr_assert_str_eq(old, "old\n", "the older result changed");
  cr_assert_eq(v2 + h2, 1, "a failed run left files beside the older result");
  cr_assert_eq(p3.code, 1, "compare on a full disk: exit %d\n%s", p3.code, p3.err);
  cr_assert(strstr(p3.err, strerror(ENOSPC)) != NULL, "%s", p3.err);
  cr_assert_eq(v3 + h3, 0, "a failed compare left files");
}

Test(commit, read_only_file_system_named) {
  char *mnt = tu_path("ro");
  mount_tmpfs(mnt, "size=64k", MS_RDONLY);
  tu_proc p = RUN(NULL, "1", tu_join(mnt, "new"), NULL);
  tu_proc q = RUN(NULL, "1", mnt, NULL);
  umount2(mnt, MNT_DETACH);
  cr_assert_eq(p.code, 1, "%s", p.err);
  cr_assert(strstr(p.err, strerror(EROFS)) != NULL, "a new --out on a read-only file system: %s", p.err);
  cr_assert(strstr(p.err, strerror(ENOENT)) == NULL, "%s", p.err);
  cr_assert_eq(q.code, 1, "%s", q.err);
  cr_assert(strstr(q.err, strerror(EROFS)) != NULL, "an existing --out on a read-only file system: %s", q.err);
}

/* A directory the user may not write in: as an unprivileged user (as root:
 * the run is started as nobody). */
Test(commit, permission_denied_named) {
  char *d = tu_path("denied");
  cr_assert_eq(mkdir(d, 0555), 0);
  cr_assert_eq(chmod(tu_tmp_root, 0755), 0);
  char *sub = tu_join(d, "new");
  char *errp = tu_path("denied.err");
  char *argv[] = {(char *)BW_BINARY, "run", SMALL_YAML, "-n", "2", "-q", "--out", d, NULL};
  for (int k = 0; k < 2; k++) {
    argv[7] = k ? sub : d;
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
      int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (e < 0 || dup2(e, 2) < 0 || chdir("/") != 0) _exit(126);
      if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(125);
      execv(argv[0], argv);
      _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    char *err = tu_slurp(errp, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit %d: %s", WEXITSTATUS(status), err);
    cr_assert(strstr(err, strerror(EACCES)) != NULL, "%s: %s", argv[7], err);
  }
}

/* ---- compare and sweep ------------------------------------------------------------------------ */

static void check_set(const char *dir, const char *what, const char *h5) {
  char id[65], attr[80];
  int pending;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_fileset_verify(dir, what, id, &pending, &ctx), BW_OK, "%s: %s", what, ctx.msg);
  cr_assert_eq(pending, 0);
  hid_t f = H5Fopen(tu_join(dir, h5), H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  tu_h5_attr_str(f, "/", "run_id", attr, sizeof attr);
  H5Fclose(f);
  cr_assert_str_eq(attr, id, "%s: the run id of %s", what, h5);
  assert_no_hidden(dir, what);
}

Test(commit, compare_and_sweep_sets_carry_their_run_id) {
  char *c1 = tu_path("c1"), *c2 = tu_path("c2"), *s1 = tu_path("s1");
  for (int k = 0; k < 2; k++) {
    tu_proc p = tu_bwsim("compare", DEFAULT_YAML, "--vs", "policy.pooling=region", "-n", "3", "-t", "1", "-q",
                         "--out", k ? c2 : c1, NULL);
    cr_assert_eq(p.code, 0, "%s", p.err);
  }
  check_set(c1, "compare", "compare.h5");
  char *m1 = tu_slurp(tu_join(c1, "compare.sha256"), NULL), *m2 = tu_slurp(tu_join(c2, "compare.sha256"), NULL);
  cr_assert_str_eq(m1, m2, "identical compares, different manifests");
  tu_proc p = tu_bwsim("sweep", DEFAULT_YAML, "--grid", "flags.p_star=0.4,0.6", "-n", "3", "-t", "1", "-q", "--out",
                       s1, NULL);
  cr_assert_eq(p.code, 0, "%s", p.err);
  check_set(s1, "sweep", "sweep.h5");
  /* a compare and a run may share a directory: each has its manifest */
  p = RUN(NULL, "1", c1, NULL);
  cr_assert_eq(p.code, 0, "%s", p.err);
  check_set(c1, "compare", "compare.h5");
  check_set(c1, "run", "results.h5");
}
