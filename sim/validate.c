/* Placeholder until the validate command lands (issue 5): says so and fails. */
#include "validate.h"

#include <stdio.h>

int bw_validate_main(int argc, char **argv) {
  (void)argc, (void)argv;
  fputs("bwsim validate: not built yet\n", stderr);
  return 1;
}
