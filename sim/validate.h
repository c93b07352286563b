/* `bwsim validate`: the checks of docs/model.md §10 and the calibration against
 * the published figures, printed one per line with the model's value and
 * its Monte Carlo interval, plus a validation report. */
#ifndef BW_VALIDATE_H
#define BW_VALIDATE_H

/* The `bwsim validate` command: argv[0] = "validate". Returns the exit code
 * (0 all checks pass, 1 a check failed, 2 bad input). */
int bw_validate_main(int argc, char **argv);

#endif
