"""python3 -m bwreport DIR --out OUTDIR: the run report (as sim/report.py)."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
