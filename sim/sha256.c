/* SHA-256 (FIPS 180-4, §4.1.2, §4.2.2, §5.1.1, §6.2): the provenance hashes
 * of the params and data files written into results.h5. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

typedef struct {
  uint32_t h[8];
  uint64_t nbytes; /* message length so far */
  unsigned char buf[64];
  size_t nbuf; /* bytes pending in buf */
} sha256_state;

/* §4.2.2: first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

/* §6.2.2: process one 512-bit block. */
static void sha256_block(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++)
    w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 |
           (uint32_t)p[4 * t + 3];
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = s1 + w[t - 7] + s0 + w[t - 16];
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int t = 0; t < 64; t++) {
    uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = hh + S1 + ch + K[t] + w[t];
    uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = S0 + maj;
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

static void sha256_init(sha256_state *s) {
  /* §5.3.3: first 32 bits of the fractional parts of the square roots of
   * the first 8 primes. */
  static const uint32_t h0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  memcpy(s->h, h0, sizeof h0);
  s->nbytes = 0;
  s->nbuf = 0;
}

static void sha256_update(sha256_state *s, const unsigned char *p, size_t n) {
  s->nbytes += n;
  if (s->nbuf > 0) {
    size_t take = 64 - s->nbuf < n ? 64 - s->nbuf : n;
    memcpy(s->buf + s->nbuf, p, take);
    s->nbuf += take;
    p += take;
    n -= take;
    if (s->nbuf < 64) return;
    sha256_block(s->h, s->buf);
    s->nbuf = 0;
  }
  for (; n >= 64; p += 64, n -= 64) sha256_block(s->h, p);
  memcpy(s->buf, p, n);
  s->nbuf = n;
}

/* §5.1.1: a 1 bit, zeros up to 448 mod 512, then the 64-bit bit length. */
static void sha256_final(sha256_state *s, char out_hex[65]) {
  uint64_t nbits = s->nbytes * 8u;
  unsigned char pad[72] = {0x80};
  size_t npad = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
  for (int i = 0; i < 8; i++) pad[npad + (size_t)i] = (unsigned char)(nbits >> (56 - 8 * i));
  sha256_update(s, pad, npad + 8);
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) out_hex[8 * i + j] = hex[(s->h[i] >> (28 - 4 * j)) & 0xfu];
  out_hex[64] = '\0';
}

void bw_sha256_bytes(const void *data, size_t n, char out_hex[65]) {
  sha256_state s;
  sha256_init(&s);
  sha256_update(&s, data, n);
  sha256_final(&s, out_hex);
}

bw_status bw_sha256_file(const char *path, char out_hex[65], bw_ctx *ctx) {
  out_hex[0] = '\0';
  FILE *f = fopen(path, "rb");
  if (!f) return bw_fail(ctx, BW_EIO, "%s: cannot open: %s", path, strerror(errno));
  sha256_state s;
  sha256_init(&s);
  unsigned char buf[16384];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) sha256_update(&s, buf, n);
  if (ferror(f)) {
    int e = errno;
    fclose(f);
    return bw_fail(ctx, BW_EIO, "%s: read error: %s", path, strerror(e));
  }
  fclose(f);
  sha256_final(&s, out_hex);
  return BW_OK;
}
