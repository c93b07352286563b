/* The scenario library params/scenarios/: every file runs (bwsim run FILE
 * -n 4), is a small file on base: ../default.yaml with a "# purpose:" line
 * and run.name = its stem, differs from the defaults in exactly the keys it
 * sets, is listed in params/scenarios/README.md with the right "budget-side
 * only" column, and a budget-side-only scenario sees the same clients as the
 * default run (national client totals identical). */
#define _GNU_SOURCE /* nftw, mkdtemp, execvpe (test_util.h) */

#include <yaml.h>

#include "params_yaml.h"
#include "test_util.h"

#define SCENARIO_DIR BW_SOURCE_DIR "/params/scenarios"
#define DEFAULT_YAML BW_SOURCE_DIR "/params/default.yaml"
#define MAX_SCEN 64
#define MAX_KEYS 64

static void setup(void) { tu_setup("scenarios"); }

TestSuite(scenarios, .init = setup, .fini = tu_teardown);

/* ---- the files ------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The *.yaml files of the library (names, sorted), blocks of the suite. */
static int scenario_files(char **names) {
  DIR *d = opendir(SCENARIO_DIR);
  cr_assert_not_null(d, "opendir %s: %s", SCENARIO_DIR, strerror(errno));
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len > 5 && !strcmp(e->d_name + len - 5, ".yaml")) {
      cr_assert_lt(n, MAX_SCEN);
      names[n++] = tu_strdup(e->d_name);
    }
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  cr_assert_geq(n, 10, "the library has %d files, the issue asks for 10", n);
  return n;
}

static char *stem(const char *file) { return tu_format("%.*s", (int)(strlen(file) - 5), file); }

static bw_params load(const char *path) {
  bw_params p;
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  cr_assert_eq(bw_params_load(path, &p, NULL, &ctx), BW_OK, "%s: %s", path, ctx.msg);
  return p;
}

/* The table keys a YAML file sets (base: left out), read with libyaml
 * directly: a mapping is walked down until its path is a table key. */
typedef struct {
  char *key[MAX_KEYS];
  int n;
} keyset;

static int is_table_key(const char *path) {
  for (int i = 0; i < bw_params_nkeys(); i++)
    if (!strcmp(bw_params_key(i), path)) return 1;
  return 0;
}

static void collect(yaml_document_t *doc, yaml_node_t *m, const char *prefix, keyset *ks) {
  cr_assert_eq(m->type, YAML_MAPPING_NODE, "%s is not a mapping", prefix[0] ? prefix : "the file");
  for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
    yaml_node_t *k = yaml_document_get_node(doc, pr->key), *v = yaml_document_get_node(doc, pr->value);
    const char *name = (const char *)k->data.scalar.value;
    char *path = prefix[0] ? tu_format("%s.%s", prefix, name) : tu_strdup(name);
    if (!prefix[0] && !strcmp(name, "base")) continue;
    if (is_table_key(path)) {
      cr_assert_lt(ks->n, MAX_KEYS);
      ks->key[ks->n++] = path;
    } else {
      collect(doc, v, path, ks);
    }
  }
}

static keyset keys_of_file(const char *path) {
  keyset ks = {.n = 0};
  char *text = tu_slurp(path, NULL);
  yaml_parser_t ps;
  yaml_document_t doc;
  cr_assert(yaml_parser_initialize(&ps));
  yaml_parser_set_input_string(&ps, (const unsigned char *)text, strlen(text));
  cr_assert(yaml_parser_load(&ps, &doc), "%s: YAML error", path);
  collect(&doc, yaml_document_get_root_node(&doc), "", &ks);
  yaml_document_delete(&doc);
  yaml_parser_delete(&ps);
  qsort(ks.key, (size_t)ks.n, sizeof *ks.key, cmp_str);
  return ks;
}

/* The keys whose value text differs between a and b, sorted. */
static keyset differing_keys(const bw_params *a, const bw_params *b) {
  keyset ks = {.n = 0};
  char va[BW_PARAMS_TEXT_MAX], vb[BW_PARAMS_TEXT_MAX];
  for (int i = 0; i < bw_params_nkeys(); i++) {
    const char *key = bw_params_key(i);
    cr_assert_eq(bw_params_value_text(a, key, va, sizeof va), 0);
    cr_assert_eq(bw_params_value_text(b, key, vb, sizeof vb), 0);
    if (strcmp(va, vb) != 0) {
      cr_assert_lt(ks.n, MAX_KEYS);
      ks.key[ks.n++] = tu_strdup(key);
    }
  }
  qsort(ks.key, (size_t)ks.n, sizeof *ks.key, cmp_str);
  return ks;
}

static char *join_keys(const keyset *ks) {
  char *s = tu_strdup("");
  for (int i = 0; i < ks->n; i++) s = tu_format("%s%s%s", s, i ? ", " : "", ks->key[i]);
  return s;
}

/* 1 when every key the file sets is budget-side (run.name is). */
static int budget_side_only(const keyset *ks) {
  for (int i = 0; i < ks->n; i++) {
    int b = bw_params_key_budget_side(ks->key[i]);
    cr_assert_geq(b, 0, "%s: unknown key", ks->key[i]);
    if (!b) return 0;
  }
  return 1;
}

/* ---- the tests ---------------------------------------------------------------- */

Test(scenarios, each_is_a_small_file_on_the_defaults_with_a_purpose) {
  char *files[MAX_SCEN];
  int n = scenario_files(files);
  for (int i = 0; i < n; i++) {
    char *path = tu_format("%s/%s", SCENARIO_DIR, files[i]);
    char *text = tu_slurp(path, NULL);
    cr_expect(!strncmp(text, "# purpose: ", 11), "%s: the first line is not '# purpose: ...'", files[i]);
    char *nl = strchr(text, '\n');
    cr_expect(nl && nl - text > 20, "%s: the purpose line says too little", files[i]);
    cr_expect(strstr(text, "\nbase: ../default.yaml\n") != NULL, "%s: no 'base: ../default.yaml' line", files[i]);
    int lines = 0;
    for (const char *c = text; *c; c++) lines += *c == '\n';
    cr_expect_leq(lines, 10, "%s: %d lines, a scenario should be a few", files[i], lines);
    bw_params p = load(path);
    cr_expect_str_eq(p.name, stem(files[i]), "%s: run.name", files[i]);
  }
}

Test(scenarios, each_differs_from_the_defaults_in_exactly_the_keys_it_sets) {
  char *files[MAX_SCEN];
  int n = scenario_files(files);
  bw_params d = load(DEFAULT_YAML);
  for (int i = 0; i < n; i++) {
    char *path = tu_format("%s/%s", SCENARIO_DIR, files[i]);
    bw_params p = load(path);
    keyset set = keys_of_file(path), diff = differing_keys(&p, &d);
    char *a = join_keys(&set), *b = join_keys(&diff);
    cr_expect_str_eq(a, b, "%s sets {%s} but differs from the defaults in {%s}", files[i], a, b);
    cr_expect_gt(set.n, 1, "%s: sets nothing but its name", files[i]);
  }
}

/* README.md: one table row per file, with "yes" in the last column exactly
 * for the files that set only budget-side keys. */
Test(scenarios, readme_lists_every_file_with_its_budget_side_column) {
  char *files[MAX_SCEN];
  int n = scenario_files(files);
  char *readme = tu_slurp(SCENARIO_DIR "/README.md", NULL);
  int rows = 0;
  for (char *line = readme; line && *line;) {
    char *next = strchr(line, '\n');
    if (next) *next++ = '\0';
    if (!strncmp(line, "| `", 3)) {
      char *end = strchr(line + 3, '`');
      cr_assert_not_null(end, "README row without a closing backquote: %s", line);
      char *file = tu_format("%.*s", (int)(end - line - 3), line + 3);
      char *last = strrchr(line, '|');
      *last = '\0';
      char *col = strrchr(line, '|') + 1;
      while (*col == ' ') col++;
      int yes = !strncmp(col, "yes", 3);
      cr_assert(yes || !strncmp(col, "no", 2), "README row of %s: last column '%s' is not yes or no", file, col);
      int found = 0;
      for (int i = 0; i < n; i++) found |= !strcmp(files[i], file);
      cr_assert(found, "README lists %s, which is not in params/scenarios/", file);
      keyset ks = keys_of_file(tu_format("%s/%s", SCENARIO_DIR, file));
      cr_expect_eq(yes, budget_side_only(&ks), "README says %s for %s, which sets %s", yes ? "yes" : "no", file,
                   join_keys(&ks));
      rows++;
    }
    line = next;
  }
  cr_expect_eq(rows, n, "README has %d rows for %d files", rows, n);
}

/* The rows of national.csv that count clients or their cost (not the budget
 * side), as one text. */
static char *client_rows(const char *dir) {
  static const char *const CLIENT_Q[] = {"clients_I_jan1,", "clients_A_jan1,", "clients_M_jan1,", "entries_I,",
                                         "entries_A,",      "entries_M,",      "stepdowns_IA,",   "entries_national_inst,",
                                         "wlz_transfers,",  "wlz_client_years,", "cost_eur,",     "cost_national_inst_eur,"};
  size_t len;
  char *text = tu_slurp(tu_format("%s/national.csv", dir), &len);
  char *out = tu_malloc(len + 1); /* the rows kept are a part of the text */
  size_t used = 0;
  int n = 0;
  for (char *line = text; line && *line;) {
    char *next = strchr(line, '\n');
    if (next) *next++ = '\0';
    const char *q = strchr(line, ',');
    for (size_t i = 0; q && i < sizeof CLIENT_Q / sizeof *CLIENT_Q; i++)
      if (!strncmp(q + 1, CLIENT_Q[i], strlen(CLIENT_Q[i]))) {
        size_t l = strlen(line);
        memcpy(out + used, line, l);
        out[used + l] = '\n';
        used += l + 1;
        n++;
      }
    line = next;
  }
  out[used] = '\0';
  cr_assert_eq(n, 12 * 11, "%s/national.csv: %d client rows, expected 12 quantities x 11 years", dir, n);
  return out;
}

Test(scenarios, every_file_runs_and_budget_side_ones_see_the_default_clients, .timeout = 900) {
  char *files[MAX_SCEN];
  int n = scenario_files(files);
  char *def = tu_path("default");
  tu_proc p = tu_bwsim("run", DEFAULT_YAML, "-n", "4", "-q", "--out", def, NULL);
  cr_assert_eq(p.code, 0, "default: exit %d\n%s", p.code, p.err);
  char *def_clients = client_rows(def);
  int compared = 0, differed = 0;
  for (int i = 0; i < n; i++) {
    char *path = tu_format("%s/%s", SCENARIO_DIR, files[i]);
    char *out = tu_path("%s", stem(files[i]));
    p = tu_bwsim("run", path, "-n", "4", "-q", "--out", out, NULL);
    cr_assert_eq(p.code, 0, "bwsim run %s: exit %d\nstderr: %s", files[i], p.code, p.err);
    cr_assert(tu_exists(tu_format("%s/risk.csv", out)), "%s: no risk.csv", files[i]);
    cr_assert_str_eq(p.out, "", "%s: -q printed %s", files[i], p.out);
    keyset ks = keys_of_file(path);
    if (budget_side_only(&ks)) {
      cr_expect_str_eq(client_rows(out), def_clients, "%s changes only the budget side, but not the same clients",
                       files[i]);
      compared++;
    } else if (!strcmp(files[i], "wlz_high.yaml")) {
      /* the comparison can fail: more Wlz transfers are other clients */
      differed += strcmp(client_rows(out), def_clients) != 0;
    }
  }
  cr_expect_geq(compared, 5, "only %d budget-side-only scenarios compared", compared);
  cr_expect_eq(differed, 1, "wlz_high.yaml gave the default run's client totals");
}
