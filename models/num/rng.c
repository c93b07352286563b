#include "rng.h"

/* gsl_rng_type callbacks. get() returns a full 32-bit word (max 2^32-1),
 * get_double() 53 bits on [0, 1) as GSL requires. */
static void philox_set(void *state, unsigned long seed) {
  bw_rng_stream_init((bw_rng_stream *)state, bw_rng_make((uint64_t)seed, 0, 0, 0, 0, 0));
}

static unsigned long philox_get(void *state) {
  return bw_rng_stream_u32((bw_rng_stream *)state);
}

static double philox_get_double(void *state) {
  bw_rng_stream *s = (bw_rng_stream *)state;
  uint32_t hi = bw_rng_stream_u32(s);
  uint32_t lo = bw_rng_stream_u32(s);
  return bw_u01_53(hi, lo);
}

static const gsl_rng_type philox_type = {
    "bw-philox4x32-10", 0xffffffffUL, 0, sizeof(bw_rng_stream),
    philox_set, philox_get, philox_get_double};

const gsl_rng_type *const bw_rng_philox = &philox_type;

void bw_rng_gsl_reset(gsl_rng *r, bw_rng_key k) {
  bw_rng_stream_init((bw_rng_stream *)r->state, k);
}
