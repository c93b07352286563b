/* The term loop of the lane inversions (bw_pois_lanes_inv,
 * bw_binom_lanes_inv) with an early exit, for AVX-512; private to
 * sample_poisson.c and sample_binomial.c.
 *
 * A lane inversion from 0 adds CDF terms F_0 = p0, F_{i+1} = F_i + pr_{i+1}
 * and counts k = #{i <= K − 1: u >= F_i}, then tests u >= F_K (beyond K
 * terms: a bad lane). Every term pr_i is >= 0 (or −0), so F never decreases:
 * once u < F_i it stays so, and the remaining terms add nothing to k and
 * leave u >= F_K false. So a group of lanes may stop as soon as every lane
 * has u < F: the same k, the same flags, from fewer terms (in a count run
 * the K = 32 inversions need 12 terms on average, the K = 16 ones 6). The
 * caller's lanes that are bad whatever u (a mean at or above
 * BW_LANE_TRS_MEAN, a count beyond the P(0) table) enter with u = 0, F = 1,
 * so that they never keep a group going; it flags them itself.
 *
 * Written with GCC vector extensions, two vectors of 8 doubles side by side
 * (one alone waits on its chain of products, 4 cycles a term, where two fill
 * the FP ports), in a function compiled for AVX-512F (BW_LANE_SCAN_X86) and
 * chosen at run time (bw_lane_scan_on): the early exit needs a test across
 * the lanes, which the auto-vectorised clones cannot express, and on AVX2
 * the 16 lanes' state does not fit in the registers (the plain loop is as
 * fast there). The operations per lane are the IEEE +, *, comparisons of the
 * plain loop in the same order: the same bits. Checked every 4 terms. */
#ifndef BW_LANE_SCAN_H
#define BW_LANE_SCAN_H

#include <stdint.h>
#include <string.h>

#include "sample.h"

/* A lane's result booked, in every lane inversion (plain and early-exit,
 * Poisson and binomial): its flag b (0 or 1) in bad[g] and the count of
 * flagged lanes nb, its count x = xd (0 on a flagged lane) added to dst[g]
 * and to the sum s, and xd times the per-client amounts ct, cv to Tt[g],
 * TV[g]. Declares x for the caller's use. */
#define BW_LANE_BOOK(g, xd, b)          \
  int32_t x = (int32_t)(xd);            \
  bad[g] = (int32_t)(b);                \
  nb += (int)(b);                       \
  dst[g] += x;                          \
  Tt[g] += (xd) * ct, TV[g] += (xd) * cv; \
  s += x

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(BW_NO_CLONES)
#define BW_LANE_SCAN_X86 1

typedef double bw_v8d_ __attribute__((vector_size(64)));
typedef int64_t bw_v8l_ __attribute__((vector_size(64)));

enum { BW_SCAN_CH = 64 }; /* lanes per chunk of the callers' scratch: a multiple of 16 */

/* Use the AVX-512 kernels: the CPU has AVX-512F and the tests have not
 * asked for the plain ones (bw_lanes_inv_plain, sample.h). */
static inline int bw_lane_scan_on(void) {
  return !bw_lanes_inv_plain && __builtin_cpu_supports("avx512f");
}

/* Is any lane of the mask c (0 or −1 per lane) set? */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi" /* always inlined: no vector crosses a call */
static inline __attribute__((always_inline)) int bw_v8_any_(bw_v8l_ c) {
  bw_v8l_ a = c | __builtin_shuffle(c, (bw_v8l_){4, 5, 6, 7, 0, 1, 2, 3});
  a |= __builtin_shuffle(a, (bw_v8l_){2, 3, 0, 1, 6, 7, 4, 5});
  a |= __builtin_shuffle(a, (bw_v8l_){1, 0, 3, 2, 5, 4, 7, 6});
  return a[0] != 0;
}
#pragma GCC diagnostic pop

/* For the n16 (a multiple of 16) lanes of U, A (the lanes' parameter: mean
 * or trials), F (P(0) in, F after the last term added out) and the count KD
 * (out): up to K terms, K a multiple of 4, term i being k += (u >= F),
 * pr = pr * STEP(a, i) (a macro of the lanes' parameter vector a and the
 * term index: the plain loop's factor, e.g. (a * inv[i])), F += pr. */
#define BW_LANE_SCAN(K, n16, U, A, F, KD, STEP)                                        \
  do {                                                                                 \
    const bw_v8l_ one_ = {0x3ff0000000000000, 0x3ff0000000000000, 0x3ff0000000000000, \
                          0x3ff0000000000000, 0x3ff0000000000000, 0x3ff0000000000000, \
                          0x3ff0000000000000, 0x3ff0000000000000};                     \
    for (int l_ = 0; l_ < (n16); l_ += 16) {                                           \
      bw_v8d_ u0, a0, f0, pr0, k0 = {0}, u1, a1, f1, pr1, k1 = {0};                    \
      memcpy(&u0, (U) + l_, sizeof u0), memcpy(&u1, (U) + l_ + 8, sizeof u1);          \
      memcpy(&a0, (A) + l_, sizeof a0), memcpy(&a1, (A) + l_ + 8, sizeof a1);          \
      memcpy(&f0, (F) + l_, sizeof f0), memcpy(&f1, (F) + l_ + 8, sizeof f1);          \
      pr0 = f0, pr1 = f1;                                                              \
      for (int i = 0; i < (K); i += 4) {                                               \
        _Pragma("GCC unroll 4") for (int t_ = i; t_ < i + 4; t_++) {                   \
          k0 += (bw_v8d_)((u0 >= f0) & one_);                                          \
          k1 += (bw_v8d_)((u1 >= f1) & one_);                                          \
          pr0 = pr0 * STEP(a0, t_);                                                    \
          pr1 = pr1 * STEP(a1, t_);                                                    \
          f0 = f0 + pr0;                                                               \
          f1 = f1 + pr1;                                                               \
        }                                                                              \
        /* (a sum, not an OR of the masks: GCC 12 takes an OR apart lane by lane) */ \
        bw_v8d_ z_ = (bw_v8d_)((u0 >= f0) & one_) + (bw_v8d_)((u1 >= f1) & one_);      \
        if (!bw_v8_any_((bw_v8l_)z_)) break;                                           \
      }                                                                                \
      memcpy((KD) + l_, &k0, sizeof k0), memcpy((KD) + l_ + 8, &k1, sizeof k1);        \
      memcpy((F) + l_, &f0, sizeof f0), memcpy((F) + l_ + 8, &f1, sizeof f1);          \
    }                                                                                  \
  } while (0)

#else
#define BW_LANE_SCAN_X86 0
#endif

#endif
