#!/usr/bin/python3
"""bwsim report: the Taskforce report of one results directory.

    report.py DIR --out OUTDIR [--lang nl|en] [--quiet]

Reads DIR/results.h5 (written by `bwsim run`) and writes report.html,
report.pdf, figures/ and data/ into OUTDIR. `bwsim report` (sim/report_cmd.c)
runs this script into a temporary directory and moves it to DIR/report only
when it succeeded. The report itself is the package sim/bwreport (see its
__init__.py); this file only makes it importable from wherever bwsim runs.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bwreport.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
