"""bwreport: the Taskforce reports of bwsim.

    reader.py    results.h5 (format check, resolved params, decomposition)
    texts.py     number formats, plain names of parameters, the run report's texts (nl, en)
    geo.py       gemeente boundaries (GeoJSON), region borders, the GSHHG coastline
    figures.py   every figure (matplotlib, Agg), the choropleth map shared with comparisons
    html.py      the document: numbered sections, figures and tables, references, HTML
    pdf.py       the PDF of the same HTML (WeasyPrint)
    run.py       the content of the run report
    cli.py       `report.py DIR --out OUTDIR`: reads, builds, writes

sim/report.py (the run report) and sim/report_compare.py (comparisons and
sweeps) are thin entry points that `bwsim report` (sim/report_cmd.c) runs.
Importing this package checks numpy, h5py and matplotlib (exit 3 with what to
install) and fixes the matplotlib settings that make figures reproducible.
"""

import sys

try:
    import numpy  # noqa: F401
    import h5py  # noqa: F401
    import matplotlib
except ImportError as e:  # bwsim checks this before running us; be clear anyway
    sys.stderr.write("bwsim report: %s: install python3-matplotlib python3-h5py python3-numpy "
                     "python3-yaml, or run bash scripts/setup.sh run\n" % e)
    sys.exit(3)

matplotlib.use("Agg")
matplotlib.rcParams.update({
    "svg.hashsalt": "bwsim",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "figure.dpi": 100,
    "pdf.fonttype": 42,
})
