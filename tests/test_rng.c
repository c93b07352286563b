/* Tests for models/num/rng.h + models/num/rng.c: Philox4x32-10 streams, docs/model.md §9.
 *
 * 1. Known answers: the published Random123 vectors, reached three ways
 *    (raw key/counter, through bw_rng_make's field packing, through the
 *    sequential stream and the gsl_rng_type).
 * 2. Key packing as documented in rng.h; distinct fields give distinct streams.
 * 3. The uniform maps hit their documented ranges at the extreme words.
 * 4. The gsl_rng_type: same words as bw_rng_stream, and GSL's distributions
 *    drawn from it pass moment and chi-square checks with tolerances from
 *    their standard errors.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "rng_purpose.h"

/* Known-answer vectors for philox4x32 with 10 rounds, from the kat_vectors
 * file of the Random123 distribution (D. E. Shaw Research), as reproduced in
 * DEShawResearch/Random123-Boost, libs/random/test/test_philox.cpp
 * (commit 916db91ae4c6fd8324ef054a518851321ab41f91, test_kat_philox4x32),
 * whose comment says they are "cut-and-pasted from the kat_vectors file in
 * the original Random123 distribution":
 *
 *   philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
 *   philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
 *   philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1
 *
 * Columns: CTR (4 words), KEY (2 words), EXPECTED output (4 words). */
typedef struct {
  const char *name;
  uint32_t ctr[4];
  uint32_t key[2];
  uint32_t expected[4];
} kat_vector;

static const kat_vector kat[] = {
    {"zeros",
     {0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u},
     {0x00000000u, 0x00000000u},
     {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
    {"ones",
     {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
     {0xffffffffu, 0xffffffffu},
     {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
    {"pi",
     {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
     {0xa4093822u, 0x299f31d0u},
     {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
};
enum { N_KAT = sizeof kat / sizeof kat[0] };

static void assert_block_eq(philox4x32_ctr_t got, const uint32_t want[4], const char *what) {
  for (int i = 0; i < 4; i++)
    cr_assert_eq(got.v[i], want[i], "%s: word %d is %08x, expected %08x", what, i,
                 (unsigned)got.v[i], (unsigned)want[i]);
}

/* ---- 1. Known answers ------------------------------------------------- */

Test(rng_kat, raw_key_and_counter) {
  for (int t = 0; t < N_KAT; t++) {
    bw_rng_key k;
    memset(&k, 0, sizeof k);
    k.key.v[0] = kat[t].key[0];
    k.key.v[1] = kat[t].key[1];
    for (int i = 0; i < 4; i++) k.ctr.v[i] = kat[t].ctr[i];
    assert_block_eq(bw_rng_block(&k, kat[t].ctr[3]), kat[t].expected, kat[t].name);
  }
}

/* The same vectors through the documented packing: seed = key[1]:key[0],
 * c[0] = rep, c[1] = purpose<<24 | year<<16 | gemeente, c[2] = client,
 * c[3] = block. All three vectors are reachable, so this checks the packing
 * (including the all-ones case, where every field is at its maximum). */
Test(rng_kat, through_bw_rng_make) {
  for (int t = 0; t < N_KAT; t++) {
    const kat_vector *v = &kat[t];
    uint64_t seed = ((uint64_t)v->key[1] << 32) | v->key[0];
    bw_rng_key k = bw_rng_make(seed, v->ctr[0], v->ctr[1] >> 24, (v->ctr[1] >> 16) & 0xffu,
                               v->ctr[1] & 0xffffu, v->ctr[2]);
    assert_block_eq(bw_rng_block(&k, v->ctr[3]), v->expected, v->name);
  }
}

Test(rng_kat, stream_first_block) {
  bw_rng_stream s;
  bw_rng_stream_init(&s, bw_rng_make(0, 0, 0, 0, 0, 0));
  for (int i = 0; i < 4; i++) {
    uint32_t w = bw_rng_stream_u32(&s);
    cr_assert_eq(w, kat[0].expected[i], "stream word %d is %08x, expected %08x", i, (unsigned)w,
                 (unsigned)kat[0].expected[i]);
  }
}

Test(rng_kat, gsl_type_first_block) {
  gsl_rng *r = gsl_rng_alloc(bw_rng_philox);
  cr_assert_not_null(r, "gsl_rng_alloc(bw_rng_philox) failed");
  gsl_rng_set(r, 0);
  for (int i = 0; i < 4; i++) {
    unsigned long w = gsl_rng_get(r);
    cr_assert_eq(w, (unsigned long)kat[0].expected[i], "gsl word %d is %08lx, expected %08x", i,
                 w, (unsigned)kat[0].expected[i]);
  }
  gsl_rng_free(r);
}

/* ---- 2. Key packing ----------------------------------------------------- */

Test(rng_make, packs_fields_as_documented) {
  bw_rng_key k = bw_rng_make(0x0123456789abcdefULL, 7u, BW_RNG_ENTRY, 10u, 351u, 42u);
  cr_assert_eq(k.key.v[0], 0x89abcdefu, "key[0] = low half of seed");
  cr_assert_eq(k.key.v[1], 0x01234567u, "key[1] = high half of seed");
  cr_assert_eq(k.ctr.v[0], 7u, "c[0] = replication");
  cr_assert_eq(k.ctr.v[1], ((uint32_t)BW_RNG_ENTRY << 24) | (10u << 16) | 351u,
               "c[1] = purpose<<24 | year<<16 | gemeente, got %08x", (unsigned)k.ctr.v[1]);
  cr_assert_eq(k.ctr.v[2], 42u, "c[2] = client ordinal");
  cr_assert_eq(k.ctr.v[3], 0u, "c[3] = block starts at 0");
}

Test(rng_make, fields_do_not_bleed_into_each_other) {
  /* Each field at its documented maximum leaves the neighbours untouched. */
  bw_rng_key a = bw_rng_make(0, 0, 0xffu, 0, 0, 0);
  bw_rng_key b = bw_rng_make(0, 0, 0, 0xffu, 0, 0);
  bw_rng_key c = bw_rng_make(0, 0, 0, 0, 0xffffu, 0);
  cr_assert_eq(a.ctr.v[1], 0xff000000u);
  cr_assert_eq(b.ctr.v[1], 0x00ff0000u);
  cr_assert_eq(c.ctr.v[1], 0x0000ffffu);
  for (int i = 0; i < 4; i += 2) {
    cr_assert_eq(a.ctr.v[i], 0u);
    cr_assert_eq(b.ctr.v[i], 0u);
    cr_assert_eq(c.ctr.v[i], 0u);
  }
}

static int blocks_equal(philox4x32_ctr_t x, philox4x32_ctr_t y) {
  return x.v[0] == y.v[0] && x.v[1] == y.v[1] && x.v[2] == y.v[2] && x.v[3] == y.v[3];
}

Test(rng_make, different_fields_give_different_streams) {
  const uint64_t seed = 20211231u;
  /* base, then one field changed at a time (both seed halves, rep, purpose,
   * year, gemeente, client), including neighbouring values of each. */
  bw_rng_key keys[] = {
      bw_rng_make(seed, 3, BW_RNG_TEST, 4, 100, 9),
      bw_rng_make(seed + 1, 3, BW_RNG_TEST, 4, 100, 9),
      bw_rng_make(seed + (1ULL << 32), 3, BW_RNG_TEST, 4, 100, 9),
      bw_rng_make(seed, 4, BW_RNG_TEST, 4, 100, 9),
      bw_rng_make(seed, 3, BW_RNG_BENCH, 4, 100, 9),
      bw_rng_make(seed, 3, BW_RNG_TEST, 5, 100, 9),
      bw_rng_make(seed, 3, BW_RNG_TEST, 4, 101, 9),
      bw_rng_make(seed, 3, BW_RNG_TEST, 4, 100, 10),
      bw_rng_make(seed, 3, BW_RNG_NEED, 4, 100, 9),
      bw_rng_make(seed, 3, BW_RNG_TEST, 0, 100, 9),
      bw_rng_make(seed, 3, BW_RNG_TEST, 4, 0, 9),
      bw_rng_make(seed, 0, BW_RNG_TEST, 4, 100, 9),
  };
  enum { NK = sizeof keys / sizeof keys[0] };
  philox4x32_ctr_t first[NK];
  for (int i = 0; i < NK; i++) first[i] = bw_rng_block(&keys[i], 0);
  for (int i = 0; i < NK; i++)
    for (int j = i + 1; j < NK; j++)
      cr_assert(!blocks_equal(first[i], first[j]), "keys %d and %d give the same first block", i,
                j);
  /* Different blocks of one key differ too. */
  cr_assert(!blocks_equal(bw_rng_block(&keys[0], 0), bw_rng_block(&keys[0], 1)));
}

Test(rng_make, same_key_gives_identical_words) {
  bw_rng_key a = bw_rng_make(987654321ULL, 12, BW_RNG_COUNT, 7, 351, 2);
  bw_rng_key b = bw_rng_make(987654321ULL, 12, BW_RNG_COUNT, 7, 351, 2);
  bw_rng_stream sa, sb;
  bw_rng_stream_init(&sa, a);
  bw_rng_stream_init(&sb, b);
  for (int i = 0; i < 1000; i++) {
    uint32_t wa = bw_rng_stream_u32(&sa), wb = bw_rng_stream_u32(&sb);
    cr_assert_eq(wa, wb, "word %d differs between two streams of the same key", i);
  }
  for (uint32_t blk = 0; blk < 10; blk++)
    cr_assert(blocks_equal(bw_rng_block(&a, blk), bw_rng_block(&b, blk)));
}

Test(rng_stream, consumes_blocks_in_order) {
  bw_rng_key k = bw_rng_make(42, 1, BW_RNG_TEST, 0, 0, 0);
  bw_rng_stream s;
  bw_rng_stream_init(&s, k);
  for (uint32_t blk = 0; blk < 50; blk++) {
    philox4x32_ctr_t want = bw_rng_block(&k, blk);
    for (int i = 0; i < 4; i++) {
      uint32_t w = bw_rng_stream_u32(&s);
      cr_assert_eq(w, want.v[i], "stream word %u differs from block %u word %d",
                   (unsigned)(4 * blk + (uint32_t)i), (unsigned)blk, i);
    }
  }
}

/* ---- 3. Uniform maps ---------------------------------------------------- */

Test(rng_u01, open_interval_at_extreme_words) {
  double lo = bw_u01(0u), hi = bw_u01(0xffffffffu);
  cr_assert(lo > 0.0, "bw_u01(0) = %g must be > 0", lo);
  cr_assert(hi < 1.0, "bw_u01(0xffffffff) = %.17g must be < 1", hi);
  /* (x + 1/2)/2^32 exactly: both ends are representable doubles. */
  cr_assert_eq(lo, ldexp(1.0, -33));
  cr_assert_eq(hi, 1.0 - ldexp(1.0, -33));
  /* Strictly increasing: adjacent words map to distinct doubles. */
  cr_assert(bw_u01(0xfffffffeu) < hi);
  cr_assert(bw_u01(1u) > lo);
  /* log(u) and log(1 - u) are finite: what inversion samplers need. */
  cr_assert(isfinite(log(lo)) && isfinite(log1p(-hi)));
}

Test(rng_u01, u53_half_open_interval) {
  cr_assert_eq(bw_u01_53(0u, 0u), 0.0, "bw_u01_53(0, 0) must be exactly 0");
  double top = bw_u01_53(0xffffffffu, 0xffffffffu);
  cr_assert(top < 1.0, "bw_u01_53(max, max) = %.17g must be < 1", top);
  cr_assert_eq(top, 1.0 - ldexp(1.0, -53));
  /* 53-bit resolution: the smallest step is 2^-53. */
  cr_assert_eq(bw_u01_53(0u, 1u << 6), ldexp(1.0, -53));
  cr_assert_eq(bw_u01_53(1u << 5, 0u), ldexp(1.0, -27));
  /* Many draws stay in range. */
  bw_rng_stream s;
  bw_rng_stream_init(&s, bw_rng_make(7, 0, BW_RNG_TEST, 0, 0, 1));
  for (int i = 0; i < 100000; i++) {
    uint32_t a = bw_rng_stream_u32(&s), b = bw_rng_stream_u32(&s);
    double u = bw_u01_53(a, b), v = bw_u01(a);
    cr_assert(u >= 0.0 && u < 1.0, "draw %d: u53 = %.17g", i, u);
    cr_assert(v > 0.0 && v < 1.0, "draw %d: u01 = %.17g", i, v);
  }
}

/* ---- 4. The gsl_rng_type ----------------------------------------------- */

static gsl_rng *alloc_philox(void) {
  gsl_set_error_handler_off();
  gsl_rng *r = gsl_rng_alloc(bw_rng_philox);
  cr_assert_not_null(r, "gsl_rng_alloc(bw_rng_philox) failed");
  return r;
}

Test(rng_gsl, type_metadata) {
  gsl_rng *r = alloc_philox();
  cr_assert_str_eq(gsl_rng_name(r), "bw-philox4x32-10");
  cr_assert_eq(gsl_rng_min(r), 0ul);
  cr_assert_eq(gsl_rng_max(r), 0xfffffffful);
  cr_assert_eq(gsl_rng_size(r), sizeof(bw_rng_stream));
  gsl_rng_free(r);
}

Test(rng_gsl, set_matches_stream) {
  gsl_rng *r = alloc_philox();
  const unsigned long seed = 0x5eed1234abcdul;
  gsl_rng_set(r, seed);
  bw_rng_stream s;
  bw_rng_stream_init(&s, bw_rng_make((uint64_t)seed, 0, 0, 0, 0, 0));
  for (int i = 0; i < 1001; i++) {
    unsigned long g = gsl_rng_get(r);
    uint32_t w = bw_rng_stream_u32(&s);
    cr_assert_eq(g, (unsigned long)w, "word %d: gsl %08lx, stream %08x", i, g, (unsigned)w);
  }
  gsl_rng_free(r);
}

Test(rng_gsl, reset_matches_stream_and_restarts) {
  gsl_rng *r = alloc_philox();
  bw_rng_key k = bw_rng_make(2021, 5, BW_RNG_ENTRY, 3, 200, 17);
  for (int pass = 0; pass < 2; pass++) {
    /* The second pass reuses r after draws: reset must restart the family. */
    bw_rng_gsl_reset(r, k);
    bw_rng_stream s;
    bw_rng_stream_init(&s, k);
    for (int i = 0; i < 1001; i++) {
      unsigned long g = gsl_rng_get(r);
      uint32_t w = bw_rng_stream_u32(&s);
      cr_assert_eq(g, (unsigned long)w, "pass %d word %d: gsl %08lx, stream %08x", pass, i, g,
                   (unsigned)w);
    }
  }
  /* gsl_rng_uniform uses two words per double (53 bits, [0, 1)). */
  bw_rng_gsl_reset(r, k);
  bw_rng_stream s;
  bw_rng_stream_init(&s, k);
  for (int i = 0; i < 1000; i++) {
    double u = gsl_rng_uniform(r);
    uint32_t hi = bw_rng_stream_u32(&s);
    uint32_t lo = bw_rng_stream_u32(&s);
    cr_assert_eq(u, bw_u01_53(hi, lo), "uniform %d", i);
  }
  gsl_rng_free(r);
}

Test(rng_gsl, clone_continues_identically) {
  gsl_rng *r = alloc_philox();
  bw_rng_gsl_reset(r, bw_rng_make(11, 0, BW_RNG_TEST, 0, 0, 3));
  for (int i = 0; i < 7; i++) (void)gsl_rng_get(r); /* mid-block */
  gsl_rng *c = gsl_rng_clone(r);
  cr_assert_not_null(c, "gsl_rng_clone failed");
  for (int i = 0; i < 100; i++) cr_assert_eq(gsl_rng_get(r), gsl_rng_get(c), "word %d", i);
  gsl_rng_free(c);
  gsl_rng_free(r);
}

Test(rng_gsl, gaussian_mean_and_variance) {
  gsl_rng *r = alloc_philox();
  bw_rng_gsl_reset(r, bw_rng_make(12345, 0, BW_RNG_TEST, 0, 0, 100));
  const int n = 100000;
  const double sigma = 2.0;
  /* Welford: mean and sum of squared deviations. */
  double mean = 0.0, m2 = 0.0;
  for (int i = 0; i < n; i++) {
    double x = gsl_ran_gaussian(r, sigma);
    double d = x - mean;
    mean += d / (i + 1);
    m2 += d * (x - mean);
  }
  double var = m2 / (n - 1);
  /* se of the mean: sigma/sqrt(n); se of the sample variance of a normal
   * sample: sigma^2 sqrt(2/(n-1)). */
  double se_mean = sigma / sqrt((double)n);
  double se_var = sigma * sigma * sqrt(2.0 / (n - 1));
  cr_assert(fabs(mean) < 4.0 * se_mean, "mean %g, 4 se = %g", mean, 4.0 * se_mean);
  cr_assert(fabs(var - sigma * sigma) < 4.0 * se_var, "variance %g vs %g, 4 se = %g", var,
            sigma * sigma, 4.0 * se_var);
  gsl_rng_free(r);
}

enum { CHI_N = 100000, CHI_BINS = 100 };

static double chisq_p(const long count[CHI_BINS]) {
  const double expected = (double)CHI_N / CHI_BINS;
  double stat = 0.0;
  long total = 0;
  for (int b = 0; b < CHI_BINS; b++) {
    double d = (double)count[b] - expected;
    stat += d * d / expected;
    total += count[b];
  }
  cr_assert_eq(total, (long)CHI_N, "every draw must land in a bin");
  return gsl_cdf_chisq_Q(stat, CHI_BINS - 1);
}

static void bin(long count[CHI_BINS], double u) {
  cr_assert(u >= 0.0 && u < 1.0, "u = %.17g out of [0, 1)", u);
  count[(int)(u * CHI_BINS)]++;
}

Test(rng_gsl, chisq_uniformity_u01) {
  long count[CHI_BINS] = {0};
  bw_rng_stream s;
  bw_rng_stream_init(&s, bw_rng_make(777, 0, BW_RNG_TEST, 0, 0, 200));
  for (int i = 0; i < CHI_N; i++) bin(count, bw_rng_stream_u01(&s));
  double p = chisq_p(count);
  cr_assert(p > 1e-4, "bw_u01 chi-square p-value %g <= 1e-4", p);
}

Test(rng_gsl, chisq_uniformity_gsl_uniform) {
  long count[CHI_BINS] = {0};
  gsl_rng *r = alloc_philox();
  bw_rng_gsl_reset(r, bw_rng_make(777, 0, BW_RNG_TEST, 0, 0, 201));
  for (int i = 0; i < CHI_N; i++) bin(count, gsl_rng_uniform(r));
  double p = chisq_p(count);
  cr_assert(p > 1e-4, "gsl_rng_uniform chi-square p-value %g <= 1e-4", p);
  gsl_rng_free(r);
}
