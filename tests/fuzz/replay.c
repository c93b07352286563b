/* The committed fuzz corpus (tests/fuzz/corpus/<harness>/) replayed through
 * the loaders, as plain C under the project's own builds (the ASan+UBSan
 * build included; no libFuzzer needed): no input may crash, leak or break a
 * property of fuzz_targets.h; every bad_* file is rejected with the message
 * expected.tsv gives for it, "FILE:LINE: key: what is wrong"; every ok_* file
 * loads. Files of other names (inputs the fuzzer found) only must not crash. */
#define _GNU_SOURCE

#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>

#include "fuzz_targets.h"

#define CORPUS BW_FUZZ_DIR "/corpus"
#define EXPECTED BW_FUZZ_DIR "/expected.tsv"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s: %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  cr_assert_not_null(buf);
  for (size_t got; (got = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) {
      buf = realloc(buf, cap *= 2);
      cr_assert_not_null(buf);
    }
  }
  cr_assert(!ferror(f), "cannot read %s", path);
  fclose(f);
  *len = n;
  return buf;
}

/* The expected message of harness/file in expected.tsv ("harness<TAB>file<TAB>message"), or NULL. */
static const char *expected_of(char *tsv, const char *harness, const char *file, char *buf, size_t n) {
  for (char *line = tsv; line && *line;) {
    char *next = strchr(line, '\n');
    size_t len = next ? (size_t)(next - line) : strlen(line);
    char want[512];
    int k = snprintf(want, sizeof want, "%s\t%s\t", harness, file);
    if (line[0] != '#' && len >= (size_t)k && !strncmp(line, want, (size_t)k)) {
      snprintf(buf, n, "%.*s", (int)(len - (size_t)k), line + k);
      return buf;
    }
    line = next ? next + 1 : NULL;
  }
  return NULL;
}

/* msg starts with "NAME:LINE: " for NAME one of the table files. */
static int has_file_line(const char *msg, const char *const *names, int nnames) {
  for (int i = 0; i < nnames; i++) {
    size_t n = strlen(names[i]);
    if (strncmp(msg, names[i], n) || msg[n] != ':' || !isdigit((unsigned char)msg[n + 1])) continue;
    const char *q = msg + n + 1;
    while (isdigit((unsigned char)*q)) q++;
    if (q[0] == ':' && q[1] == ' ') return 1;
  }
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

Test(fuzz_corpus, replay, .timeout = 300) {
  size_t tsv_len;
  char *tsv = slurp(EXPECTED, &tsv_len);
  tsv = realloc(tsv, tsv_len + 1);
  tsv[tsv_len] = '\0';
  int nbad = 0, nok = 0, nother = 0;
  for (size_t t = 0; t < sizeof FUZZ_TARGETS / sizeof *FUZZ_TARGETS; t++) {
    const char *h = FUZZ_TARGETS[t].name;
    char dir[512];
    snprintf(dir, sizeof dir, CORPUS "/%s", h);
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, by_name);
    cr_assert_geq(n, 0, "%s: %s", dir, strerror(errno));
    for (int i = 0; i < n; i++) {
      const char *file = ents[i]->d_name;
      if (file[0] == '.') continue;
      char path[1024], want[1024];
      snprintf(path, sizeof path, "%s/%s", dir, file);
      size_t len;
      char *data = slurp(path, &len);
      bw_ctx ctx;
      bw_ctx_init(&ctx);
      bw_status st = FUZZ_TARGETS[t].one((const uint8_t *)data, len, file, &ctx);
      free(data);
      const char *exp = expected_of(tsv, h, file, want, sizeof want);
      if (!strncmp(file, "bad_", 4)) {
        nbad++;
        cr_expect_neq(st, BW_OK, "%s/%s: accepted", h, file);
        cr_expect_not_null(exp, "%s/%s: no line in expected.tsv", h, file);
        const char *names[] = {file, "gemeenten.csv", "regions.csv"};
        cr_expect(st == BW_OK || has_file_line(ctx.msg, names, t == 0 ? 1 : 3),
                  "%s/%s: the message does not start with FILE:LINE: : %s", h, file, ctx.msg);
        cr_expect(st == BW_OK || !exp || strstr(ctx.msg, exp), "%s/%s: message\n  %s\nlacks\n  %s", h, file,
                  ctx.msg, exp);
      } else if (!strncmp(file, "ok_", 3)) {
        nok++;
        cr_expect_eq(st, BW_OK, "%s/%s: rejected: %s", h, file, ctx.msg);
      } else {
        nother++;
      }
    }
    for (int i = 0; i < n; i++) free(ents[i]);
    free(ents);
  }
  /* every line of expected.tsv names a file of the corpus */
  for (char *line = tsv; line && *line;) {
    char *next = strchr(line, '\n');
    if (next) *next = '\0';
    if (line[0] && line[0] != '#') {
      char h[64], f[256];
      cr_expect_eq(sscanf(line, "%63[^\t]\t%255[^\t]\t", h, f), 2, "expected.tsv: bad line: %s", line);
      char path[512];
      snprintf(path, sizeof path, CORPUS "/%s/%s", h, f);
      FILE *fp = fopen(path, "rb");
      cr_expect_not_null(fp, "expected.tsv names %s, not in the corpus", path);
      if (fp) fclose(fp);
    }
    line = next ? next + 1 : NULL;
  }
  free(tsv);
  cr_expect_geq(nbad, 40, "only %d known-bad inputs", nbad);
  cr_log_info("replayed %d known-bad, %d good and %d other inputs", nbad, nok, nother);
}
