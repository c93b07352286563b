/* Compiled (never run) by the ctests rng_purpose_duplicate_refused and
 * rng_purpose_probe_compiles (CMakeLists.txt): one more purpose, with the
 * value BW_PROBE_VALUE, added to the registry of models/rng_purpose.h. With a
 * value already taken the file must not compile; with a free one it must. */
#define BW_RNG_PURPOSE_EXTRA(X) X(BW_RNG_PROBE, BW_PROBE_VALUE, "probe")
#include "rng_purpose.h"

int main(void) { return bw_rng_purposes_unique_(BW_RNG_PROBE) == BW_RNG_PROBE ? 0 : 1; }
