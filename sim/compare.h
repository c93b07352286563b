/* `bwsim compare` and `bwsim sweep` (docs/scenarios.md). */
#ifndef BW_COMPARE_H
#define BW_COMPARE_H

/* argv[0] = "compare" / "sweep"; returns the exit code. */
int bw_compare_main(int argc, char **argv);
int bw_sweep_main(int argc, char **argv);

#endif
