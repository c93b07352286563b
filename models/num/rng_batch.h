/* Philox4x32-10 for a batch of clients at once (structure of arrays), docs/model.md §9.
 *
 * bw_rng_blocks(k, c1, c2, block, n, w0..w3) fills, for i < n, the four words
 * of the Philox4x32-10 block with counter (k->ctr.v[0], c1[i], c2[i], block)
 * under key k->key: exactly bw_rng_block(&k_i, block) of models/num/rng.h, where k_i
 * is *k with ctr.v[1] = c1[i] and ctr.v[2] = c2[i]. So a kernel that works on
 * a batch of clients (c2[i] = client ordinal, c1[i] = bw_rng_c1(...) of that
 * client's family) draws the same numbers as one that works client by client.
 *
 * The rounds are written out here (not Random123's philox4x32) so that GCC
 * -O3 vectorises the loop over i: the 32x32->64 products become pmuludq /
 * vpmuludq lanes. Integer arithmetic is exact, so every instruction-set clone
 * gives the same words; tests/test_fastmath.c checks them against Random123.
 */
#ifndef BW_RNG_BATCH_H
#define BW_RNG_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* Function multiversioning: on x86-64 GCC (and clang >= 14) with ifunc
 * support the batch loops are compiled for AVX-512F, AVX2 and the baseline
 * (SSE2), and the loader picks one per machine. Define BW_NO_CLONES to build
 * the baseline only. */
#ifndef BW_BATCH_CLONES
#if !defined(BW_NO_CLONES) && defined(__x86_64__) && defined(__ELF__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define BW_BATCH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef BW_BATCH_CLONES
#define BW_BATCH_CLONES
#endif
#endif

#ifndef BW_BATCH_UNUSED
#if defined(__GNUC__)
#define BW_BATCH_UNUSED __attribute__((unused))
#else
#define BW_BATCH_UNUSED
#endif
#endif

/* `unused` for a function that also has BW_BATCH_CLONES: clang refuses the
 * two together, so there it is left out (models/num/fastmath.h silences
 * -Wunused-function around such definitions instead). */
#if defined(__clang__)
#define BW_BATCH_CLONES_UNUSED
#else
#define BW_BATCH_CLONES_UNUSED BW_BATCH_UNUSED
#endif

/* Counter word c[1] of a family, packed as bw_rng_make does:
 * purpose << 24 | year_index << 16 | gemeente (8 | 8 | 16 bits). */
static inline uint32_t bw_rng_c1(unsigned purpose, unsigned year_index, unsigned gemeente) {
  return ((uint32_t)(purpose & 0xffu) << 24) | ((uint32_t)(year_index & 0xffu) << 16) |
         (uint32_t)(gemeente & 0xffffu);
}

/* Philox4x32 constants (Salmon et al., SC'11): round multipliers and the
 * Weyl sequence that bumps the key between rounds. */
#define BW_PHILOX_M0 UINT32_C(0xD2511F53)
#define BW_PHILOX_M1 UINT32_C(0xCD9E8D57)
#define BW_PHILOX_W0 UINT32_C(0x9E3779B9)
#define BW_PHILOX_W1 UINT32_C(0xBB67AE85)

/* One round on lane variables x0..x3 with round key (r0, r1):
 * (x0, x1, x2, x3) <- (hi(M1 x2) ^ x1 ^ r0, lo(M1 x2), hi(M0 x0) ^ x3 ^ r1, lo(M0 x0)). */
#define BW_PHILOX_ROUND_(x0, x1, x2, x3, r0, r1)                          \
  do {                                                                    \
    uint64_t p0_ = (uint64_t)BW_PHILOX_M0 * (uint64_t)(x0);               \
    uint64_t p1_ = (uint64_t)BW_PHILOX_M1 * (uint64_t)(x2);               \
    uint32_t y0_ = (uint32_t)(p1_ >> 32) ^ (x1) ^ (r0);                   \
    uint32_t y2_ = (uint32_t)(p0_ >> 32) ^ (x3) ^ (r1);                   \
    (x1) = (uint32_t)p1_;                                                 \
    (x3) = (uint32_t)p0_;                                                 \
    (x0) = y0_;                                                           \
    (x2) = y2_;                                                           \
  } while (0)

/* The loop itself, for callers that want it inlined into their own
 * (possibly target-specific) code; bw_rng_blocks below is the usual entry. */
static inline void bw_rng_blocks_loop_(const bw_rng_key *restrict k, const uint32_t *restrict c1,
                                       const uint32_t *restrict c2, uint32_t block, size_t n,
                                       uint32_t *restrict w0, uint32_t *restrict w1,
                                       uint32_t *restrict w2, uint32_t *restrict w3) {
  /* Round keys of rounds 0..9, the same for every lane. */
  uint32_t r0[10], r1[10];
  r0[0] = k->key.v[0];
  r1[0] = k->key.v[1];
  for (int r = 1; r < 10; r++) {
    r0[r] = r0[r - 1] + BW_PHILOX_W0;
    r1[r] = r1[r - 1] + BW_PHILOX_W1;
  }
  const uint32_t a0 = r0[0], a1 = r0[1], a2 = r0[2], a3 = r0[3], a4 = r0[4], a5 = r0[5],
                 a6 = r0[6], a7 = r0[7], a8 = r0[8], a9 = r0[9];
  const uint32_t b0 = r1[0], b1 = r1[1], b2 = r1[2], b3 = r1[3], b4 = r1[4], b5 = r1[5],
                 b6 = r1[6], b7 = r1[7], b8 = r1[8], b9 = r1[9];
  const uint32_t ctr0 = k->ctr.v[0];
  for (size_t i = 0; i < n; i++) {
    uint32_t x0 = ctr0, x1 = c1[i], x2 = c2[i], x3 = block;
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a0, b0);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a1, b1);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a2, b2);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a3, b3);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a4, b4);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a5, b5);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a6, b6);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a7, b7);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a8, b8);
    BW_PHILOX_ROUND_(x0, x1, x2, x3, a9, b9);
    w0[i] = x0;
    w1[i] = x1;
    w2[i] = x2;
    w3[i] = x3;
  }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(BW_NO_SIMD)
#define BW_RNG_HAVE_AVX2 1
#ifndef BW_RNG_AVX2_GROUPS
#define BW_RNG_AVX2_GROUPS 1
#endif
#ifndef BW_RNG_AVX512_GROUPS
#define BW_RNG_AVX512_GROUPS 2
#endif
#include <immintrin.h>

/* AVX2 version, with intrinsics because GCC (12) does not vectorise the
 * 32x32->64 products well: it repacks every product across 128-bit lanes and
 * ends up no faster than scalar code. Here each counter word lives in the low
 * half of a 64-bit lane; vpmuludq reads only those low halves, so the high
 * halves may hold garbage and no masking is needed; the stores keep the low
 * halves. Integer arithmetic: the same words as bw_rng_blocks_loop_. */
__attribute__((target("avx2"))) BW_BATCH_UNUSED static void bw_rng_blocks_avx2_(
    const bw_rng_key *restrict k, const uint32_t *restrict c1, const uint32_t *restrict c2,
    uint32_t block, size_t n, uint32_t *restrict w0, uint32_t *restrict w1,
    uint32_t *restrict w2, uint32_t *restrict w3) {
  __m256i ka[10], kb[10];
  uint32_t r0 = k->key.v[0], r1 = k->key.v[1];
  for (int r = 0; r < 10; r++) {
    ka[r] = _mm256_set1_epi64x((long long)r0);
    kb[r] = _mm256_set1_epi64x((long long)r1);
    r0 += BW_PHILOX_W0;
    r1 += BW_PHILOX_W1;
  }
  const __m256i m0 = _mm256_set1_epi64x((long long)BW_PHILOX_M0);
  const __m256i m1 = _mm256_set1_epi64x((long long)BW_PHILOX_M1);
  const __m256i vctr0 = _mm256_set1_epi64x((long long)k->ctr.v[0]);
  const __m256i vblock = _mm256_set1_epi64x((long long)block);
  const __m256i pack = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
  /* BW_RNG_AVX2_LANES independent groups of four counters per pass: one
   * group's ten rounds form a ~60-cycle dependency chain, so interleaving
   * groups is what keeps the multipliers busy. */
  enum { G = BW_RNG_AVX2_GROUPS };
  size_t i = 0;
  for (; i + 4 * G <= n; i += 4 * G) {
    __m256i x0[G], x1[G], x2[G], x3[G];
    for (int g = 0; g < G; g++) {
      x0[g] = vctr0;
      x3[g] = vblock;
      x1[g] = _mm256_cvtepu32_epi64(
          _mm_loadu_si128((const __m128i *)(const void *)(c1 + i + 4 * g)));
      x2[g] = _mm256_cvtepu32_epi64(
          _mm_loadu_si128((const __m128i *)(const void *)(c2 + i + 4 * g)));
    }
    for (int r = 0; r < 10; r++) {
      for (int g = 0; g < G; g++) {
        __m256i p0 = _mm256_mul_epu32(x0[g], m0);
        __m256i p1 = _mm256_mul_epu32(x2[g], m1);
        x0[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), x1[g]), ka[r]);
        x2[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), x3[g]), kb[r]);
        x1[g] = p1;
        x3[g] = p0;
      }
    }
    for (int g = 0; g < G; g++) {
      size_t j = i + 4 * (size_t)g;
      _mm_storeu_si128((__m128i *)(void *)(w0 + j),
                       _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(x0[g], pack)));
      _mm_storeu_si128((__m128i *)(void *)(w1 + j),
                       _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(x1[g], pack)));
      _mm_storeu_si128((__m128i *)(void *)(w2 + j),
                       _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(x2[g], pack)));
      _mm_storeu_si128((__m128i *)(void *)(w3 + j),
                       _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(x3[g], pack)));
    }
  }
  if (i < n) bw_rng_blocks_loop_(k, c1 + i, c2 + i, block, n - i, w0 + i, w1 + i, w2 + i, w3 + i);
}

/* AVX-512F version: eight counters per vector, and vpternlogq does the
 * three-way xor of a round in one instruction. */
__attribute__((target("avx512f"))) BW_BATCH_UNUSED static void bw_rng_blocks_avx512_(
    const bw_rng_key *restrict k, const uint32_t *restrict c1, const uint32_t *restrict c2,
    uint32_t block, size_t n, uint32_t *restrict w0, uint32_t *restrict w1,
    uint32_t *restrict w2, uint32_t *restrict w3) {
  __m512i ka[10], kb[10];
  uint32_t r0 = k->key.v[0], r1 = k->key.v[1];
  for (int r = 0; r < 10; r++) {
    ka[r] = _mm512_set1_epi64((long long)r0);
    kb[r] = _mm512_set1_epi64((long long)r1);
    r0 += BW_PHILOX_W0;
    r1 += BW_PHILOX_W1;
  }
  const __m512i m0 = _mm512_set1_epi64((long long)BW_PHILOX_M0);
  const __m512i m1 = _mm512_set1_epi64((long long)BW_PHILOX_M1);
  const __m512i vctr0 = _mm512_set1_epi64((long long)k->ctr.v[0]);
  const __m512i vblock = _mm512_set1_epi64((long long)block);
  enum { G = BW_RNG_AVX512_GROUPS };
  size_t i = 0;
  for (; i + 8 * G <= n; i += 8 * G) {
    __m512i x0[G], x1[G], x2[G], x3[G];
    for (int g = 0; g < G; g++) {
      x0[g] = vctr0;
      x3[g] = vblock;
      x1[g] = _mm512_cvtepu32_epi64(
          _mm256_loadu_si256((const __m256i *)(const void *)(c1 + i + 8 * g)));
      x2[g] = _mm512_cvtepu32_epi64(
          _mm256_loadu_si256((const __m256i *)(const void *)(c2 + i + 8 * g)));
    }
    for (int r = 0; r < 10; r++) {
      for (int g = 0; g < G; g++) {
        __m512i p0 = _mm512_mul_epu32(x0[g], m0);
        __m512i p1 = _mm512_mul_epu32(x2[g], m1);
        /* 0x96: a ^ b ^ c */
        x0[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x1[g], ka[r], 0x96);
        x2[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x3[g], kb[r], 0x96);
        x1[g] = p1;
        x3[g] = p0;
      }
    }
    for (int g = 0; g < G; g++) {
      size_t j = i + 8 * (size_t)g;
      _mm256_storeu_si256((__m256i *)(void *)(w0 + j), _mm512_cvtepi64_epi32(x0[g]));
      _mm256_storeu_si256((__m256i *)(void *)(w1 + j), _mm512_cvtepi64_epi32(x1[g]));
      _mm256_storeu_si256((__m256i *)(void *)(w2 + j), _mm512_cvtepi64_epi32(x2[g]));
      _mm256_storeu_si256((__m256i *)(void *)(w3 + j), _mm512_cvtepi64_epi32(x3[g]));
    }
  }
  if (i < n) bw_rng_blocks_avx2_(k, c1 + i, c2 + i, block, n - i, w0 + i, w1 + i, w2 + i, w3 + i);
}
#else
#define BW_RNG_HAVE_AVX2 0
#endif

/* Words w0..w3 of block `block` for the n counters (k->ctr.v[0], c1[i], c2[i], block).
 * The outputs must not overlap the inputs or each other. n = 0 does nothing.
 * Runs the AVX2 version where the CPU has AVX2, else the portable loop
 * (which GCC vectorises for SSE2). */
BW_BATCH_UNUSED static void bw_rng_blocks(const bw_rng_key *restrict k,
                                          const uint32_t *restrict c1,
                                          const uint32_t *restrict c2, uint32_t block, size_t n,
                                          uint32_t *restrict w0, uint32_t *restrict w1,
                                          uint32_t *restrict w2, uint32_t *restrict w3) {
#if BW_RNG_HAVE_AVX2
  if (__builtin_cpu_supports("avx512f")) {
    bw_rng_blocks_avx512_(k, c1, c2, block, n, w0, w1, w2, w3);
    return;
  }
  if (__builtin_cpu_supports("avx2")) {
    bw_rng_blocks_avx2_(k, c1, c2, block, n, w0, w1, w2, w3);
    return;
  }
#endif
  bw_rng_blocks_loop_(k, c1, c2, block, n, w0, w1, w2, w3);
}

#endif
