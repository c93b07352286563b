/* Golden hashes: the bytes of the default run's CSVs, both kernels, pinned.
 *
 * Why: a refactor (layers, the sampler library, counts.c split, the
 * statistics' new structure) must not change a single result. The other tests
 * check properties (distributions, conservation, thread and process
 * invariance); they would let a refactor shift every draw by one and still
 * pass. These hashes do not.
 *
 * Two kinds:
 * - --exact runs (every value kept, quantiles from all of them): these pin
 *   the model and both kernels, independent of the streaming statistics.
 * - a streaming run (the default): this pins the statistics too.
 *
 * When a result changes on purpose (a model fix, a new statistics structure),
 * regenerate with the commands in the comments below, and say in the commit
 * message which change moved which hash and why. The outputs are the same
 * bytes on every x86-64 build (AVX-512, AVX2, SSE2, clang; README), so the
 * hashes hold in the sanitizer build too. */
#define _GNU_SOURCE
#include "test_util.h"

static void suite_init(void) { tu_setup("golden"); }
static void suite_fini(void) { tu_teardown(); }

TestSuite(golden, .init = suite_init, .fini = suite_fini, .timeout = 600);

typedef struct {
  const char *file, *sha256;
} golden_file;

static void check_run(const char *name, const char *kernel, const char *n, const char *threads,
                      int exact, const golden_file *want, int nwant) {
  char *out = tu_path("%s_t%s", name, threads);
  char *set = tu_format("run.kernel=%s", kernel);
  tu_proc p = exact ? tu_bwsim("run", "-n", n, "-t", threads, "-q", "-s", "7", "--exact", "--set",
                               set, "--out", out, NULL)
                    : tu_bwsim("run", "-n", n, "-t", threads, "-q", "-s", "7", "--set", set, "--out",
                               out, NULL);
  cr_assert_eq(p.code, 0, "%s: bwsim run exited %d:\n%s", name, p.code, p.err);
  for (int i = 0; i < nwant; i++) {
    char hex[65];
    tu_sha256_file(tu_join(out, want[i].file), hex);
    cr_expect_str_eq(hex, want[i].sha256,
                     "%s (%s kernel, -n %s, -t %s%s): %s changed: sha256 %s, pinned %s.\n"
                     "If the change is intended, regenerate (tests/test_golden.c) and say why.",
                     name, kernel, n, threads, exact ? ", --exact" : "", want[i].file, hex,
                     want[i].sha256);
  }
}

/* bwsim run -n 40 -t 1 -q -s 7 --exact --set run.kernel=individual --out D
 * (cd D && sha256sum risk.csv gemeente_year.csv region_year.csv national.csv) */
static const golden_file exact_individual[] = {
    {"risk.csv", "f33a0f469ab70ab03710a4b41606b2284f7ffd4502eefe692ab0c681729d2461"},
    {"gemeente_year.csv", "f3af73b63aba4845449b9e57c428b36f218df66af77f8622df516e4480ee62c2"},
    {"region_year.csv", "4cacbd19785c53f447aceb67d1ec7e5ba1e49b94be67cc50dea24109dc50133b"},
    {"national.csv", "1e2150b5c2522743ecf7a21fa83d4296bcf1dccc820118010386120903141717"},
};

/* bwsim run -n 200 -t 1 -q -s 7 --exact --set run.kernel=counts --out D */
static const golden_file exact_counts[] = {
    {"risk.csv", "cb6e958d75a353bce5c70a2d9b52e6b2e4833d046cb6d2589b59a3bba8a928c5"},
    {"gemeente_year.csv", "256ceff039b7225f4346c2fdbc9b5a542fa5f3cf60f336be1982aa97f76d2907"},
    {"region_year.csv", "246fc579ba15217a964479b6fb6c3cd4666edc82b8896ebe41bd7b33d4c3cbcf"},
    {"national.csv", "cd6470987bfe119367f1cc4fa24a9b4646ad1fcbfb6e304eea66f49ff8f18199"},
};

/* bwsim run -n 200 -t 1 -q -s 7 --set run.kernel=counts --out D (streaming) */
static const golden_file streaming_counts[] = {
    {"risk.csv", "3db24bcda895f324ca78638b4c493ba921f9aecde58a63fd20de4bea26c1c20b"},
    {"gemeente_year.csv", "f01267d17c9aab810c7ec2f6e9bc8c24dc7c3e0155c83d857d8e31cc95518e06"},
    {"region_year.csv", "da791dae593046735ec40c99079a11e2cf1a1339009461d3e0758cad9999cb9e"},
    {"national.csv", "a38b2a16b39cc7d35693142ff92d2653f6ac96b00eb4a818063399b3b445a975"},
};

#define NF(a) ((int)(sizeof a / sizeof a[0]))

Test(golden, individual_kernel_exact) {
  check_run("ind_exact", "individual", "40", "1", 1, exact_individual, NF(exact_individual));
}

Test(golden, count_kernel_exact) {
  check_run("cnt_exact", "counts", "200", "1", 1, exact_counts, NF(exact_counts));
}

/* Two threads: the same bytes (the pinned hashes, not merely each other). */
Test(golden, count_kernel_streaming_any_thread_count) {
  check_run("cnt_stream", "counts", "200", "1", 0, streaming_counts, NF(streaming_counts));
  check_run("cnt_stream", "counts", "200", "2", 0, streaming_counts, NF(streaming_counts));
}
