/* Long runs on a cluster (docs/cluster.md): the early errors every MPI
 * process agrees on (an existing output, bad params, a locked directory: all
 * exit 2 and nothing hangs, under `timeout`); checkpoints and resuming (a run
 * killed with SIGKILL after a checkpoint, a run stopped by SIGTERM, an MPI
 * run stopped by SIGUSR1 through mpirun) ending with the bytes of a run
 * never stopped, with another thread count; a checkpoint of another run
 * refused, naming what differs; the parts of a job array merged into the
 * bytes of one run, and parts that do not fit refused; progress lines in a
 * batch log; the memory estimate against the measured peak, and its refusal.
 *
 * Each test runs the real executable (BW_BINARY) in the suite's mkdtemp
 * directory. */
#define _GNU_SOURCE /* execvpe, nftw, wait4 */

#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <time.h>

#include "test_util.h"

#include "checkpoint.h"

#define SMALL_YAML BW_TEST_DIR "/data/cli/small.yaml"

static void setup(void) { tu_setup("resume"); }

TestSuite(resume, .init = setup, .fini = tu_teardown);

/* ---- result files ----------------------------------------------------------- */

enum { NFILES = 5 };
static const char *const FILES[NFILES] = {"risk.csv", "national.csv", "results.h5", "gemeente_year.csv",
                                          "region_year.csv"};

/* Every result file of a and b has the same SHA-256. */
static void assert_same_bytes(const char *a, const char *b, const char *what) {
  for (int i = 0; i < NFILES; i++) {
    char ha[65], hb[65];
    tu_sha256_file(tu_join(a, FILES[i]), ha);
    tu_sha256_file(tu_join(b, FILES[i]), hb);
    cr_assert_str_eq(ha, hb, "%s: %s differs from the uninterrupted run", what, FILES[i]);
  }
}

/* A successful end: exit 0, the result files, no checkpoint, no temporary. */
static void assert_done(const tu_proc *p, const char *dir, const char *what) {
  cr_assert_eq(p->code, 0, "%s: exit %d\nstderr: %s", what, p->code, p->err);
  for (int i = 0; i < NFILES; i++) cr_assert(tu_exists(tu_join(dir, FILES[i])), "%s: %s missing", what, FILES[i]);
  cr_assert_eq(tu_count_hidden(dir, NULL), 0, "%s: hidden files (a checkpoint, temporaries) left in %s", what, dir);
}

static void assert_exit2(const tu_proc *p, const char *needle, const char *what) {
  cr_assert_eq(p->code, 2, "%s: exit %d, expected 2\nstderr: %s", what, p->code, p->err);
  cr_assert(strstr(p->err, needle), "%s: the message should say '%s': %s", what, needle, p->err);
}

/* Replications done in dir's checkpoint (its header, checked). */
static long long checkpoint_done(const char *dir) {
  bw_ckpt c;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_ckpt_read(tu_join(dir, BW_CKPT_NAME), &c, &ctx), BW_OK, "%s", ctx.msg);
  long long n = bw_rangeset_count(&c.done);
  cr_assert_eq(c.kind, BW_CKPT_CHECKPOINT);
  bw_ckpt_free(&c);
  return n;
}

/* ---- processes ----------------------------------------------------------------- */

static int have_mpirun(void) {
#ifdef BW_HAVE_MPI
  return system("command -v mpirun > /dev/null 2>&1") == 0;
#else
  return 0;
#endif
}

/* argv[] of "[timeout -k 5 300 mpirun --oversubscribe -n P] BW_BINARY args...":
 * procs 0 runs bwsim alone (no timeout: tu_run waits). */
static tu_proc bwsim_argv(int procs, const char *const *args) {
  char *argv[64];
  int n = 0;
  if (procs > 0) {
    const char *pre[] = {"timeout", "-k", "5", "300", "mpirun", "--oversubscribe", "-n"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) argv[n++] = (char *)pre[i];
    argv[n++] = tu_format("%d", procs);
  }
  argv[n++] = (char *)BW_BINARY;
  for (; *args; args++) {
    cr_assert_lt(n, 62);
    argv[n++] = (char *)*args;
  }
  argv[n] = NULL;
  return tu_run(argv, procs > 0 ? tu_mpi_environ() : NULL, tu_tmp_root);
}

#define BWSIM(...) bwsim_argv(0, (const char *const[]){__VA_ARGS__, NULL})
#define MPIRUN2(...) bwsim_argv(2, (const char *const[]){__VA_ARGS__, NULL})

/* A process started in the background (its own process group), stderr to a
 * file of the suite. */
typedef struct {
  pid_t pid;
  char *err;
  struct rusage ru;
} tu_bg;

static tu_bg spawn(int procs, const char *const *args) {
  tu_bg b;
  memset(&b, 0, sizeof b);
  char *argv[64];
  int n = 0;
  if (procs > 0) {
    argv[n++] = "mpirun", argv[n++] = "--oversubscribe", argv[n++] = "-n";
    argv[n++] = tu_format("%d", procs);
  }
  argv[n++] = (char *)BW_BINARY;
  for (; *args; args++) argv[n++] = (char *)*args;
  argv[n] = NULL;
  char **envp = procs > 0 ? tu_mpi_environ() : environ;
  static int nbg;
  b.err = tu_path("bg%d.err", nbg++);
  tu_write_text(b.err, ""); /* there before the child writes: wait_until reads it */
  fflush(stdout);
  fflush(stderr);
  b.pid = fork();
  cr_assert_geq(b.pid, 0, "fork: %s", strerror(errno));
  if (b.pid == 0) {
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY), out = open("/dev/null", O_WRONLY),
        e = open(b.err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || e < 0 || chdir(tu_tmp_root) || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(e, 2) < 0)
      _exit(126);
    execvpe(argv[0], argv, envp);
    _exit(127);
  }
  return b;
}

/* Its exit code (128 + signal when killed); its resource use in b->ru. */
static int finish(tu_bg *b) {
  int status;
  pid_t w;
  do w = wait4(b->pid, &status, 0, &b->ru);
  while (w < 0 && errno == EINTR);
  cr_assert_eq(w, b->pid, "wait4: %s", strerror(errno));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Wait (up to 300 s) until path exists, or (needle not NULL) until the
 * process's stderr holds needle; fail when the process ends first. */
static void wait_until(tu_bg *b, const char *path, const char *needle) {
  for (int i = 0; i < 30000; i++) {
    if (path && tu_exists(path)) return;
    if (needle && strstr(tu_slurp(b->err, NULL), needle)) return;
    int status;
    if (waitpid(b->pid, &status, WNOHANG) == b->pid)
      cr_assert_fail("the run ended (status %d) before %s\nstderr: %s", status, path ? path : needle,
                     tu_slurp(b->err, NULL));
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  kill(-b->pid, SIGKILL); /* its process group: no run left behind */
  cr_assert_fail("timeout waiting for %s", path ? path : needle);
}

/* ---- 1. every process agrees on an early error ------------------------------------- */

Test(resume, mpi_early_errors_end_every_process_with_exit_2) {
  if (!have_mpirun()) cr_skip_test("no MPI (bwsim built without it, or no mpirun)");
  char *out = tu_path("out");
  tu_proc p = BWSIM("run", SMALL_YAML, "-n", "4", "--out", out, "-q");
  cr_assert_eq(p.code, 0, "%s", p.err);
  /* the measured deadlock: rank 0 refused the directory, rank 1 sent its
   * statistics to a rank 0 that had gone to MPI_Finalize */
  p = MPIRUN2("run", SMALL_YAML, "-n", "20", "-t", "1", "--out", out, "-q");
  assert_exit2(&p, "already exists", "mpirun: existing output");
  const char *first = strstr(p.err, "bwsim: error:");
  cr_assert(first && !strstr(first + 1, "bwsim: error:"), "one process prints the agreed error: %s", p.err);

  char *bad = tu_path("bad.yaml");
  tu_write_text(bad, "run:\n  replications: many\n");
  p = MPIRUN2("run", bad, "-t", "1", "--out", tu_path("bad"), "-q");
  assert_exit2(&p, "run.replications", "mpirun: bad params");

  /* a directory another bwsim holds (sim/fileset.h: flock on DIR/.bwsim.lock) */
  char *locked = tu_path("locked");
  cr_assert_eq(mkdir(locked, 0777), 0);
  int fd = open(tu_join(locked, ".bwsim.lock"), O_RDWR | O_CREAT, 0644);
  cr_assert(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0, "cannot lock: %s", strerror(errno));
  p = MPIRUN2("run", SMALL_YAML, "-t", "1", "--out", locked, "-q");
  close(fd);
  assert_exit2(&p, "in use", "mpirun: locked directory");

  /* compare and sweep: the same agreement */
  char *cmp = tu_path("cmp");
  p = BWSIM("compare", SMALL_YAML, "--vs", "policy.pooling=region", "-n", "2", "--out", cmp, "-q");
  cr_assert_eq(p.code, 0, "%s", p.err);
  p = MPIRUN2("compare", SMALL_YAML, "--vs", "policy.pooling=region", "-n", "4", "-t", "1", "--out", cmp, "-q");
  assert_exit2(&p, "already exists", "mpirun compare: existing output");
  p = MPIRUN2("sweep", bad, "--grid", "flags.p_star=0.4,0.6", "-t", "1", "--out", tu_path("sw"), "-q");
  assert_exit2(&p, "run.replications", "mpirun sweep: bad params");
  /* merge runs in one process */
  p = MPIRUN2("merge", out, "--out", tu_path("merged"), "-q");
  assert_exit2(&p, "one process", "mpirun merge");
}

/* ---- 2. checkpoints and resuming -------------------------------------------------- */

/* fewer replications in the sanitizer build (about ten times slower) */
#ifdef __SANITIZE_ADDRESS__
#define N_LONG 80
#define EVERY 20
#define N_TERM 200
#else
#define N_LONG 400
#define EVERY 100
#define N_TERM 1000 /* a run that is still going when the signal comes */
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

/* The uninterrupted run of n replications, two threads. */
static char *reference_run(const char *n) {
  char *ref = tu_path("ref");
  tu_proc p = BWSIM("run", SMALL_YAML, "-n", n, "-t", "2", "--out", ref, "-q");
  assert_done(&p, ref, "reference run");
  return ref;
}

/* A run of N_LONG replications in procs processes (0: bwsim alone), one
 * thread each, a checkpoint every EVERY, sent sig once its first checkpoint
 * is there: expect exit code want and a checkpoint of the run midway. */
static void interrupt_after_a_checkpoint(int procs, const char *dir, int sig, int want) {
  tu_bg b = spawn(procs, (const char *const[]){"run", SMALL_YAML, "-n", STR(N_LONG), "-t", "1", "--checkpoint-every",
                                               STR(EVERY), "--out", dir, "-q", NULL});
  wait_until(&b, tu_join(dir, BW_CKPT_NAME), NULL);
  kill(b.pid, sig);
  int code = finish(&b);
  cr_assert_eq(code, want, "exit %d, expected %d\nstderr: %s", code, want, tu_slurp(b.err, NULL));
  long long done = checkpoint_done(dir);
  cr_assert(done >= EVERY && done < N_LONG, "the checkpoint holds %lld replications", done);
}

Test(resume, killed_after_a_checkpoint_resumes_to_the_same_bytes, .timeout = 900) {
  char *ref = reference_run(STR(N_LONG));
  char *dir = tu_path("killed");
  interrupt_after_a_checkpoint(0, dir, SIGKILL, 128 + SIGKILL);
  /* another thread count */
  tu_proc p = BWSIM("run", SMALL_YAML, "-n", STR(N_LONG), "-t", "2", "--resume", dir, "-q");
  assert_done(&p, dir, "resumed after SIGKILL");
  assert_same_bytes(ref, dir, "killed and resumed");
}

Test(resume, sigterm_writes_a_checkpoint_another_run_is_refused_the_run_resumes, .timeout = 900) {
  char *ref = reference_run(STR(N_TERM));
  char *dir = tu_path("term");
  /* no --checkpoint-every: the signal alone writes it; the first progress
   * line says the run is under way */
  tu_bg b = spawn(0, (const char *const[]){"run", SMALL_YAML, "-n", STR(N_TERM), "-t", "1", "--progress-every", "1",
                                           "--out", dir, NULL});
  wait_until(&b, NULL, " replications (");
  kill(b.pid, SIGTERM);
  int code = finish(&b);
  char *err = tu_slurp(b.err, NULL);
  cr_assert_eq(code, BW_EXIT_RESUMABLE, "exit %d\nstderr: %s", code, err);
  cr_assert(strstr(err, "stopped by SIGTERM") && strstr(err, "--resume"), "how to resume: %s", err);
  long long done = checkpoint_done(dir);
  cr_assert(done > 0 && done < N_TERM, "the checkpoint holds %lld replications", done);

  /* the checkpoint of another run: refused, naming what differs, nothing written */
  tu_proc p = BWSIM("run", SMALL_YAML, "-n", STR(N_TERM), "-s", "5", "--resume", dir, "-q");
  assert_exit2(&p, "seed", "another seed");
  p = BWSIM("run", SMALL_YAML, "-n", STR(N_TERM), "--set", "flags.p_star=0.6", "--resume", dir, "-q");
  assert_exit2(&p, "flags.p_star", "another p*");
  p = BWSIM("run", SMALL_YAML, "-n", STR(N_LONG), "--resume", dir, "-q");
  assert_exit2(&p, "replications", "another N");
  /* a plain run into the directory: resume it or --force */
  p = BWSIM("run", SMALL_YAML, "-n", STR(N_TERM), "--out", dir, "-q");
  assert_exit2(&p, "--resume", "a new run over a checkpoint");
  cr_assert_eq(checkpoint_done(dir), done, "a refused run touched the checkpoint");

  p = BWSIM("run", SMALL_YAML, "-n", STR(N_TERM), "-t", "2", "--resume", dir, "-q");
  assert_done(&p, dir, "resumed after SIGTERM");
  assert_same_bytes(ref, dir, "stopped and resumed");
  p = BWSIM("run", SMALL_YAML, "-n", STR(N_TERM), "--resume", dir, "-q");
  assert_exit2(&p, "no checkpoint", "resuming a finished run");
}

Test(resume, mpi_run_stopped_through_mpirun_resumes_to_the_same_bytes, .timeout = 900) {
  if (!have_mpirun()) cr_skip_test("no MPI (bwsim built without it, or no mpirun)");
  char *ref = reference_run(STR(N_LONG));
  char *dir = tu_path("mpi");
  /* mpirun forwards SIGUSR1 to every process (SIGTERM it answers by killing
   * them a second later) */
  interrupt_after_a_checkpoint(2, dir, SIGUSR1, BW_EXIT_RESUMABLE);
  tu_proc p = MPIRUN2("run", SMALL_YAML, "-n", STR(N_LONG), "-t", "1", "--resume", dir, "-q");
  assert_done(&p, dir, "mpirun -n 2, resumed");
  assert_same_bytes(ref, dir, "MPI stopped and resumed");
}

/* ---- 3. job arrays --------------------------------------------------------------- */

Test(resume, job_array_parts_merge_into_the_bytes_of_one_run) {
  char *one = tu_path("one");
  tu_proc p = BWSIM("run", SMALL_YAML, "-t", "2", "--out", one, "-q");
  assert_done(&p, one, "one run");
  const char *ranges[3] = {"0:3", "3:5", "5:8"};
  char *part[3];
  for (int k = 0; k < 3; k++) {
    part[k] = tu_path("part%d", k);
    p = BWSIM("run", SMALL_YAML, "--replications-range", ranges[k], "-t", "1", "--out", part[k], "-q");
    cr_assert_eq(p.code, 0, "part %s: %s", ranges[k], p.err);
    cr_assert(tu_exists(tu_join(part[k], BW_PARTIAL_NAME)), "part %s: no %s", ranges[k], BW_PARTIAL_NAME);
    cr_assert(!tu_exists(tu_join(part[k], "results.h5")), "a part writes no results");
  }
  /* in any order; a part named by its file */
  char *merged = tu_path("merged");
  p = BWSIM("merge", part[2], tu_join(part[0], BW_PARTIAL_NAME), part[1], "--out", merged, "-q");
  assert_done(&p, merged, "merge");
  assert_same_bytes(one, merged, "3 parts merged");

  /* parts that do not fit together: refused, nothing written */
  char *bad = tu_path("bad");
  p = BWSIM("merge", part[0], part[2], "--out", bad, "-q");
  assert_exit2(&p, "missing 3-4", "a missing part");
  p = BWSIM("merge", part[0], part[1], part[2], part[1], "--out", bad, "-q");
  assert_exit2(&p, "overlap", "a part twice");
  char *other = tu_path("other");
  p = BWSIM("run", SMALL_YAML, "--replications-range", "3:5", "-s", "7", "-t", "1", "--out", other, "-q");
  cr_assert_eq(p.code, 0, "%s", p.err);
  p = BWSIM("merge", part[0], other, part[2], "--out", bad, "-q");
  assert_exit2(&p, "seed", "a part of another seed");
  int visible, hidden;
  if (tu_exists(bad)) {
    tu_list_dir(bad, NULL, &visible, &hidden);
    cr_assert_eq(visible + hidden, 0, "refused merges wrote into %s", bad);
  }
  /* a range beyond N */
  p = BWSIM("run", SMALL_YAML, "--replications-range", "6:9", "--out", tu_path("beyond"), "-q");
  assert_exit2(&p, "8 replications", "a range beyond N");
}

/* ---- 4. batch logs ----------------------------------------------------------------- */

Test(resume, progress_lines_when_stderr_is_not_a_terminal) {
  char *out = tu_path("lines");
  tu_proc p = BWSIM("run", SMALL_YAML, "-t", "1", "--progress-every", "1", "--out", out);
  assert_done(&p, out, "run");
  cr_assert(strstr(p.err, "bwsim: 8/8 replications (100.0 %)") && strstr(p.err, "ETA"),
            "a progress line: %s", p.err);
  cr_assert_null(strchr(p.err, '\r'), "no bar redrawn in place in a log: %s", p.err);
  cr_assert(strstr(p.err, "memory: about "), "the memory estimate: %s", p.err);
  p = BWSIM("run", SMALL_YAML, "-t", "1", "--progress-every", "1", "--out", tu_path("quiet"), "-q");
  cr_assert_str_eq(p.err, "", "-q: nothing on stderr");
}

/* ---- 5. memory -------------------------------------------------------------------- */

/* The estimate printed before a run against the peak RSS the kernel
 * measured (wait4): within 20 %, both kernels. Not in the sanitizer build,
 * whose shadow memory is no part of bwsim's. */
Test(resume, memory_estimate_within_20_percent_of_the_peak, .timeout = 900) {
#if defined(__SANITIZE_ADDRESS__)
  cr_skip_test("AddressSanitizer's shadow memory is in the peak");
#else
  const char *kernels[2] = {"run.kernel=individual", "run.kernel=counts"};
  for (int k = 0; k < 2; k++) {
    char *out = tu_path("mem%d", k);
    tu_bg b = spawn(0, (const char *const[]){"run", SMALL_YAML, "-n", "200", "-t", "2", "--set", kernels[k],
                                             "--progress-every", "600", "--out", out, NULL});
    cr_assert_eq(finish(&b), 0, "%s", tu_slurp(b.err, NULL));
    const char *line = strstr(tu_slurp(b.err, NULL), "memory: about ");
    cr_assert_not_null(line, "no estimate");
    double est = strtod(line + strlen("memory: about "), NULL); /* MB */
    double peak = (double)b.ru.ru_maxrss * 1024 / 1e6;         /* kB -> MB */
    cr_assert(fabs(est - peak) <= 0.2 * peak, "%s: estimate %.0f MB, peak %.0f MB", kernels[k], est, peak);
  }
#endif
}

Test(resume, memory_beyond_what_is_available_is_refused) {
  char *out = tu_path("huge");
  /* --exact keeps every value: 10^8 replications need terabytes */
  tu_proc p = BWSIM("run", SMALL_YAML, "--exact", "-n", "100000000", "--out", out, "-q");
  assert_exit2(&p, "--allow-memory", "more memory than available");
  int visible = 0, hidden = 0;
  if (tu_exists(out)) tu_list_dir(out, NULL, &visible, &hidden);
  cr_assert_eq(visible + hidden, 0, "a refused run wrote into %s", out);
}
