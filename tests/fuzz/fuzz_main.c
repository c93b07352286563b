/* A libFuzzer harness for one input loader (tests/fuzz/fuzz_targets.h):
 * built once per loader with -DBW_FUZZ_ONE=fuzz_params|fuzz_gemeenten|
 * fuzz_regions (tests/fuzz/CMakeLists.txt). */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bw_ctx ctx;
  bw_ctx_init(&ctx);
  (void)BW_FUZZ_ONE(data, size, "fuzz.input", &ctx);
  return 0;
}
