/* Tests of the output directory's reliability (sim/fileset.h, sim/h5util.h;
 * docs/outputs.md "Reliability"), running the bwsim executable:
 *
 * - a kill at every step of a commit (the test hook BWSIM_TEST_KILL_AT=N),
 *   over an older complete result, over an older result of plain files (an
 *   earlier bwsim, a copy with cp -L) and into an empty directory, leaves
 *   the directory, read as a user reads it (opening DIR/NAME for every
 *   name) at once, before any bwsim runs again, exactly the old complete set
 *   or exactly the new one (or, at first, no file at all); the next bwsim
 *   leaves that same set and nothing stale; a kill at every step of that
 *   recovery too;
 * - on a directory without symbolic links (BWSIM_TEST_NO_SYMLINKS=1) the
 *   plain files and the journal: a reader following the journal sees the old
 *   or the new set, and the next bwsim completes the commit;
 * - a second run, compare or sweep into a directory in use is refused at
 *   once (exit 2) naming the holder's pid; the lock is released at exit;
 * - temporaries of earlier bwsim versions, a damaged journal, unfinished
 *   generations and dangling links are cleaned;
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

enum { NSET = 6, MAX_STEPS = 90 };
static const char *const SET[NSET] = {"results.h5",        "risk.csv",        "national.csv",
                                      "gemeente_year.csv", "region_year.csv", "run.sha256"};

static void setup(void) { tu_setup("commit"); }

TestSuite(commit, .init = setup, .fini = tu_teardown);

/* ---- helpers -------------------------------------------------------------------- */

/* A small run of seed into dir (more arguments may follow, NULL-terminated),
 * with the environment entries env (may be NULL). */
#define RUN(env, seed, dir, ...) \
  tu_bwsim_env(env, "run", SMALL_YAML, "-n", "2", "-t", "1", "-q", "--seed", seed, "--out", dir, __VA_ARGS__)

/* What a user reads: the SHA-256 of DIR/NAME opened for reading (a link
 * followed), "" when it cannot be opened because nothing is there (a
 * missing file or a link that dangles). */
typedef struct {
  char h[NSET][65];
} snapshot;

static snapshot snap(const char *dir) {
  snapshot s;
  for (int i = 0; i < NSET; i++) {
    char *p = tu_join_malloc(dir, SET[i]);
    s.h[i][0] = '\0';
    int fd = open(p, O_RDONLY);
    if (fd >= 0) {
      close(fd);
      tu_sha256_file(p, s.h[i]);
    } else {
      cr_assert_eq(errno, ENOENT, "%s: %s", p, strerror(errno));
    }
    free(p);
  }
  return s;
}

static int same(const snapshot *a, const snapshot *b) {
  for (int i = 0; i < NSET; i++)
    if (strcmp(a->h[i], b->h[i])) return 0;
  return 1;
}

static int empty(const snapshot *a) {
  for (int i = 0; i < NSET; i++)
    if (a->h[i][0]) return 0;
  return 1;
}

/* Copy the tree src into dst (made): files, directories, and symbolic
 * links as links (cp -a); with follow, only what DIR/NAME reads for the
 * visible names, as plain files (cp -L DIR/NAME COPY/). */
static void copy_tree(const char *src, const char *dst, int follow) {
  cr_assert_eq(mkdir(dst, 0777), 0, "mkdir %s: %s", dst, strerror(errno));
  DIR *d = opendir(src);
  cr_assert_not_null(d, "opendir %s", src);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (follow && e->d_name[0] == '.')) continue;
    char *from = tu_join_malloc(src, e->d_name), *to = tu_join_malloc(dst, e->d_name);
    struct stat sb;
    cr_assert_eq(follow ? stat(from, &sb) : lstat(from, &sb), 0, "%s", from);
    if (S_ISDIR(sb.st_mode)) {
      if (!follow) copy_tree(from, to, 0);
    } else if (S_ISLNK(sb.st_mode)) {
      char t[4096];
      ssize_t n = readlink(from, t, sizeof t - 1);
      cr_assert_gt(n, 0);
      t[n] = '\0';
      cr_assert_eq(symlink(t, to), 0, "%s", to);
    } else {
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

/* The reader's view of dir through bw_fileset_verify: a complete set; its
 * run id. */
static void reader_view(const char *dir, char id[65], int *pending, const char *what) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_fileset_verify(dir, "run", id, pending, &ctx), BW_OK, "%s: a reader finds no complete set: %s",
               what, ctx.msg);
}

/* Nothing stale: no hidden temporary, nothing in DIR/.bwsim that no set
 * uses (tests/test_util.h), no link that dangles. */
static void assert_no_hidden(const char *dir, const char *what) {
  int visible, hidden;
  tu_list_dir(dir, NULL, &visible, &hidden);
  cr_assert_eq(hidden, 0, "%s: %d hidden files left in %s", what, hidden, dir);
  DIR *d = opendir(dir);
  cr_assert_not_null(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    struct stat sb;
    char *p = tu_join_malloc(dir, e->d_name);
    cr_assert(stat(p, &sb) == 0, "%s: %s dangles", what, p);
    free(p);
  }
  closedir(d);
}

/* Every file of the set is the link .bwsim/run/NAME (sim/fileset.h). */
static void assert_links(const char *dir, const char *what) {
  for (int i = 0; i < NSET; i++) {
    char *p = tu_join_malloc(dir, SET[i]), t[256];
    ssize_t n = readlink(p, t, sizeof t - 1);
    cr_assert_gt(n, 0, "%s: %s is not a link", what, p);
    t[n] = '\0';
    cr_assert_str_eq(t, tu_format(".bwsim/run/%s", SET[i]), "%s", what);
    free(p);
  }
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
  assert_links(t.a, "a complete run");
  return t;
}

/* What a user reads in dir right after a kill, no bwsim run since: exactly
 * A or exactly B (every file of one run, which its manifest lists), or,
 * when allowed, no file at all. 2: B, 1: A, 0: nothing. */
static int user_view(const two_runs *t, const char *dir, int none_ok, const char *what) {
  snapshot s = snap(dir);
  if (same(&s, &t->sb)) return 2;
  if (same(&s, &t->sa)) return 1;
  cr_assert(none_ok && empty(&s), "%s: a user reads neither A nor B%s: %.8s %.8s %.8s %.8s %.8s %.8s", what,
            none_ok ? " nor nothing" : "", s.h[0], s.h[1], s.h[2], s.h[3], s.h[4], s.h[5]);
  return 0;
}

/* After a kill: what a user reads at once (user_view), what a reader
 * through bw_fileset_verify reads (the same run), and what the next bwsim
 * leaves (a run without --force: refused, after its recovery, when there
 * are results; else it runs): the same set, nothing stale. */
static int check_after_kill(const two_runs *t, const char *dir, int none_ok, int links, const char *what) {
  int v = user_view(t, dir, none_ok, what);
  char id[65] = "";
  int pending = 0;
  if (v) {
    reader_view(dir, id, &pending, what);
    cr_assert_str_eq(id, v == 2 ? t->idb : t->ida, "%s: the reader and the user disagree", what);
    cr_assert(!pending, "%s: a pending commit", what);
  }
  tu_proc p = RUN(NULL, v ? "3" : "2", dir, NULL);
  cr_assert_eq(p.code, v ? 2 : 0, "%s: the next run (no --force) exits %d: %s", what, p.code, p.err);
  snapshot s = snap(dir);
  cr_assert(same(&s, v == 1 ? &t->sa : &t->sb), "%s: after the next run not the complete %s", what,
            v == 1 ? "A" : "B");
  assert_no_hidden(dir, what);
  if (links) assert_links(dir, what);
  return v;
}

/* A --force run of B into copies of src (NULL: an empty directory), killed
 * at every step; the number of kills that left nothing, A, B. links: the
 * set stays in links after the next bwsim (a refused run does not move
 * plain files into the layout). */
static void kill_every_step(const two_runs *t, const char *src, int links, int n[3]) {
  int k;
  n[0] = n[1] = n[2] = 0;
  for (k = 1; k <= MAX_STEPS; k++) {
    char *d = tu_path("k%d", k);
    if (src) copy_tree(src, d, 0);
    const char *env[] = {tu_format("BWSIM_TEST_KILL_AT=%d", k), NULL};
    tu_proc p = RUN(env, "2", d, "--force", NULL);
    if (p.code == 0) { /* past the last step: the new set, nothing left */
      snapshot s = snap(d);
      cr_assert(same(&s, &t->sb), "an uninterrupted commit is not B");
      assert_no_hidden(d, "an uninterrupted commit");
      assert_links(d, "an uninterrupted commit");
      tu_rm_rf(d);
      break;
    }
    cr_assert_eq(p.signal, SIGKILL, "step %d: exit %d: %s", k, p.code, p.err);
    cr_assert(strstr(p.err, "BWSIM_TEST_KILL_AT") != NULL, "step %d: %s", k, p.err);
    n[check_after_kill(t, d, src == NULL, links, tu_format("kill at step %d (%s)", k, p.err))]++;
    tu_rm_rf(d);
  }
  cr_assert_leq(k, MAX_STEPS, "the commit did not end within %d steps", MAX_STEPS);
}

Test(commit, kill_at_every_step_leaves_exactly_the_old_or_the_new_set) {
  two_runs t = make_two_runs();
  int n[3];
  kill_every_step(&t, t.a, 1, n);
  /* writes, manifest, syncs, the generation renamed, the pointer, the old
   * generation removed */
  cr_assert_geq(n[1] + n[2], 2 * 4 + 1 + 1 + 2 + 3 + NSET, "only %d steps", n[1] + n[2]);
  cr_assert_gt(n[1], 0, "no kill left the old set");
  cr_assert_gt(n[2], 0, "no kill left the new set");
}

/* Into an empty directory: no file at all, or the complete new set. */
Test(commit, first_run_killed_at_every_step_leaves_nothing_or_the_new_set) {
  two_runs t = make_two_runs();
  int n[3];
  kill_every_step(&t, NULL, 1, n);
  cr_assert_eq(n[1], 0);
  cr_assert_gt(n[0], 0, "no kill left nothing");
  cr_assert_gt(n[2], 0, "no kill left the new set");
}

/* Over the older set as plain files (an earlier bwsim, a copy made with
 * cp -rL): the files move into the layout without a reader ever seeing a
 * mix. */
Test(commit, kill_at_every_step_over_plain_files_leaves_the_old_or_the_new_set) {
  two_runs t = make_two_runs();
  char *plain = tu_path("plainA");
  copy_tree(t.a, plain, 1);
  struct stat sb;
  cr_assert(lstat(tu_join(plain, "risk.csv"), &sb) == 0 && S_ISREG(sb.st_mode));
  char id[65];
  run_id_of(plain, id); /* a reader of plain files */
  cr_assert_str_eq(id, t.ida);
  int n[3];
  kill_every_step(&t, plain, 0, n);
  cr_assert_gt(n[1], 0, "no kill left the old set");
  cr_assert_gt(n[2], 0, "no kill left the new set");
}

/* Killed just before and just after the commit point, then the recovery
 * killed at each of its steps: the same set every time, and nothing stale at
 * the end. */
Test(commit, kill_during_recovery_keeps_the_set) {
  two_runs t = make_two_runs();
  for (int side = 0; side < 2; side++) {
    char *mid = NULL;
    for (int k = 1; k <= MAX_STEPS && !mid; k++) {
      char *d = tu_path("m%d.%d", side, k);
      copy_tree(t.a, d, 0);
      const char *env[] = {tu_format("BWSIM_TEST_KILL_AT=%d", k), NULL};
      tu_proc p = RUN(env, "2", d, "--force", NULL);
      cr_assert_eq(p.signal, SIGKILL, "step %d: exit %d before the commit point: %s", k, p.code, p.err);
      /* before: the pointer's temporary made; after: renamed over it */
      if (side == 0 ? strstr(p.err, ": symlink ") && strstr(p.err, "/.bwsim/run.ptr.")
                    : strstr(p.err, ": rename ") && strstr(p.err, "/.bwsim/run\n"))
        mid = d;
    }
    cr_assert_not_null(mid, "no step turns the pointer");
    cr_assert_eq(user_view(&t, mid, 0, "mid"), side + 1);
    cr_assert_gt(tu_count_hidden(mid, NULL), 0, "nothing left to recover");
    int j;
    for (j = 1; j <= MAX_STEPS; j++) {
      char *e = tu_path("r%d.%d", side, j);
      copy_tree(mid, e, 0);
      const char *env[] = {tu_format("BWSIM_TEST_KILL_AT=%d", j), NULL};
      tu_proc p = RUN(env, "3", e, NULL);
      if (p.signal == 0) {
        cr_assert_eq(p.code, 2, "recovery, then the refusal: exit %d: %s", p.code, p.err);
        snapshot s = snap(e);
        cr_assert(same(&s, side ? &t.sb : &t.sa), "the recovered set is not %s", side ? "B" : "A");
        assert_no_hidden(e, "after recovery");
        break;
      }
      cr_assert_eq(p.signal, SIGKILL, "recovery step %d: %s", j, p.err);
      cr_assert(strstr(p.err, "recover") != NULL, "step %d is not one of recovery: %s", j, p.err);
      const char *what = tu_format("recovery killed at step %d (%s)", j, p.err);
      cr_assert_eq(check_after_kill(&t, e, 0, 1, what), side + 1, "%s", what);
      tu_rm_rf(e);
    }
    cr_assert_geq(j - 1, 2, "only %d recovery steps", j - 1);
  }
}

/* A directory without symbolic links: plain files under the journal. A
 * reader that follows the journal sees A or B after every kill, and the
 * next bwsim (one that could make links) completes the commit. */
Test(commit, without_symlinks_the_journal_still_gives_the_old_or_the_new_set) {
  two_runs t = make_two_runs();
  char *plain = tu_path("plainA");
  copy_tree(t.a, plain, 1);
  int k, n_old = 0, n_new = 0, pending_seen = 0;
  for (k = 1; k <= MAX_STEPS; k++) {
    char *d = tu_path("j%d", k);
    copy_tree(plain, d, 0);
    const char *env[] = {tu_format("BWSIM_TEST_KILL_AT=%d", k), "BWSIM_TEST_NO_SYMLINKS=1", NULL};
    tu_proc p = RUN(env, "2", d, "--force", NULL);
    if (p.code == 0) {
      snapshot s = snap(d);
      cr_assert(same(&s, &t.sb), "an uninterrupted commit is not B");
      struct stat sb;
      cr_assert(lstat(tu_join(d, "risk.csv"), &sb) == 0 && S_ISREG(sb.st_mode), "not plain files");
      assert_no_hidden(d, "an uninterrupted commit");
      break;
    }
    cr_assert_eq(p.signal, SIGKILL, "step %d: exit %d: %s", k, p.code, p.err);
    const char *what = tu_format("kill at step %d (%s)", k, p.err);
    char id[65];
    int pending;
    reader_view(d, id, &pending, what);
    int is_b = !strcmp(id, t.idb);
    cr_assert(is_b || !strcmp(id, t.ida), "%s: the reader sees run %.12s, neither A nor B", what, id);
    cr_assert(!pending || is_b, "%s: a pending commit of A", what);
    pending_seen += pending;
    tu_proc q = RUN(NULL, "3", d, NULL);
    cr_assert_eq(q.code, 2, "%s: the next run (no --force) exits %d: %s", what, q.code, q.err);
    if (pending)
      cr_assert(strstr(q.err, "completed the commit") != NULL, "%s: recovery not reported: %s", what, q.err);
    snapshot s = snap(d);
    cr_assert(same(&s, is_b ? &t.sb : &t.sa), "%s: after recovery not the complete %s", what, is_b ? "B" : "A");
    assert_no_hidden(d, what);
    if (is_b) n_new++;
    else n_old++;
    tu_rm_rf(d);
  }
  cr_assert_leq(k, MAX_STEPS, "the commit did not end within %d steps", MAX_STEPS);
  cr_assert_gt(n_old, 0, "no kill left the old set");
  cr_assert_gt(pending_seen, 0, "no kill left a pending commit");
  cr_assert_gt(n_new, 0, "no kill left the new set");
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
  /* the layout's leftovers: a generation being written, a pointer's
   * temporary, a replaced generation, a link of a file the set lost */
  cr_assert_eq(mkdir(tu_join(d, ".bwsim/run.new.99"), 0777), 0);
  tu_write_text(tu_join(d, ".bwsim/run.new.99/risk.csv"), "partial\n");
  cr_assert_eq(symlink("run.new.99", tu_join(d, ".bwsim/run.ptr.99")), 0);
  cr_assert_eq(mkdir(tu_join(d, ".bwsim/run.0123456789ab.1"), 0777), 0);
  cr_assert_eq(symlink(".bwsim/run/extra.csv", tu_join(d, "extra.csv")), 0);
  cr_assert_eq(symlink(".bwsim/run.link-tmp", tu_join(d, ".bwsim-tmp-link-risk.csv")), 0);
  cr_assert_gt(tu_count_hidden(d, ".keep"), 6);
  p = RUN(NULL, "2", d, NULL);
  cr_assert_eq(p.code, 2, "%s", p.err);
  cr_assert(strstr(p.err, "damaged") != NULL, "the damaged journal is not reported: %s", p.err);
  cr_assert(strstr(p.err, "removed 6 temporary files") != NULL, "%s", p.err);
  cr_assert(strstr(p.err, "removed 3 unfinished or replaced generations and 1 dangling link") != NULL, "%s",
            p.err);
  for (size_t i = 0; i < sizeof stale / sizeof *stale; i++)
    cr_assert(!tu_exists(tu_join(d, stale[i])), "%s left", stale[i]);
  cr_assert(!tu_exists(tu_join(d, "extra.csv")), "a dangling link left");
  cr_assert_eq(tu_count_hidden(d, ".keep"), 1, "leftovers in .bwsim"); /* .report.tmp.123 */
  assert_links(d, "after recovery");
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
