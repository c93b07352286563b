/* The flags "under the other pooling setting" (results.h5
 * /risk/flagged_other_pooling) are the flags of the run with that setting
 * (docs/model.md §6): the model computes the counterfactual
 * (bw_budget_apply), with the bijsturing pause too — where the budgets
 * themselves depend on pooling, so re-pooling one run's budgets would be
 * wrong (the defect this test guards: 19 of 352 gemeenten disagreed).
 * Through the real executable: two runs that differ only in pooling, each
 * one's other-pooling flags against the other's own flags. */
#define _GNU_SOURCE /* execvpe, nftw */

#include <hdf5_hl.h>

#include "test_util.h"

#define DEFAULT_YAML BW_SOURCE_DIR "/params/default.yaml"

static void setup(void) { tu_setup("pooling"); }
TestSuite(pooling, .init = setup, .fini = tu_teardown);

enum { NG_MAX = 400 };

typedef struct {
  int ng;
  char code[NG_MAX][16];
  int flagged[NG_MAX], other[NG_MAX];
} flags;

static flags run_flags(const char *name, const char *pooling, const char *rule) {
  char *out = tu_path(name);
  tu_proc p = tu_bwsim("run", DEFAULT_YAML, "-n", "30", "-q", "--set", tu_format("policy.pooling=%s", pooling),
                       "--set", tu_format("policy.bijsturing.rule=%s", rule), "--set",
                       "flags.threshold_eur_per_inhabitant=5", "--out", out, NULL);
  cr_assert_eq(p.code, 0, "%s: exit %d\n%s", name, p.code, p.err);
  hid_t f = H5Fopen(tu_join(out, "results.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
  cr_assert_geq(f, 0);
  flags fl;
  hsize_t d[1];
  cr_assert_geq(H5LTget_dataset_info(f, "/risk/flagged", d, NULL, NULL), 0);
  fl.ng = (int)d[0];
  cr_assert(fl.ng > 0 && fl.ng <= NG_MAX);
  cr_assert_geq(H5LTread_dataset_int(f, "/risk/flagged", fl.flagged), 0);
  cr_assert_geq(H5LTread_dataset_int(f, "/risk/flagged_other_pooling", fl.other), 0);
  hid_t ds = H5Dopen2(f, "/risk/code", H5P_DEFAULT);
  hid_t t = H5Dget_type(ds);
  size_t len = H5Tget_size(t);
  cr_assert(!H5Tis_variable_str(t) && len < 16);
  static char buf[NG_MAX * 16];
  cr_assert_geq(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
  for (int i = 0; i < fl.ng; i++) snprintf(fl.code[i], 16, "%.*s", (int)len, buf + i * len);
  H5Tclose(t), H5Dclose(ds), H5Fclose(f);
  return fl;
}

static int row(const flags *f, const char *code) {
  for (int i = 0; i < f->ng; i++)
    if (!strcmp(f->code[i], code)) return i;
  cr_assert_fail("%s missing", code);
  return -1;
}

static void assert_mirror(const char *rule) {
  flags a = run_flags(tu_format("none_%s", rule), "none", rule);
  flags b = run_flags(tu_format("region_%s", rule), "region", rule);
  cr_assert_eq(a.ng, b.ng);
  int differ = 0;
  for (int i = 0; i < a.ng; i++) {
    int j = row(&b, a.code[i]);
    cr_assert_neq(a.other[i], -1, "%s: other-pooling flag unknown", rule);
    cr_assert_eq(a.other[i], b.flagged[j], "%s, %s: flag with pooling %d, but the pooled run says %d", rule,
                 a.code[i], a.other[i], b.flagged[j]);
    cr_assert_eq(b.other[j], a.flagged[i], "%s, %s: flag without pooling %d, but the plain run says %d", rule,
                 a.code[i], b.other[j], a.flagged[i]);
    differ += a.flagged[i] != b.flagged[j];
  }
  /* pooling must matter, or the test shows nothing */
  cr_assert_gt(differ, 0, "%s: pooling changed no flag", rule);
}

Test(pooling, other_pooling_flags_are_the_other_runs_flags) {
  assert_mirror("none");
  assert_mirror("pause");
}
