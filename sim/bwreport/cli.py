"""report.py DIR --out OUTDIR [--lang nl|en] [--quiet]: the run report.

Reads DIR/results.h5 and writes into OUTDIR only:

    OUTDIR/report.html             self-contained (figures embedded), reads on a phone
    OUTDIR/report.pdf              the same HTML laid out for A4 by WeasyPrint
    OUTDIR/figures/NN_KEY.png      the figures, numbered as in the report
    OUTDIR/data/decomposition.csv  the numbers behind the figures of the drivers

Exit codes: 0 ok; 2 the file is not one this report reads (format, version,
missing dataset) or DIR has no results.h5; 3 numpy, h5py or matplotlib
missing (checked on import of the package).
"""

import argparse
import csv
import io
import os
import sys

from . import geo, pdf
from .html import to_html
from .reader import FormatError, Results
from .run import build, run_lang

PROG = "report.py"

# the summary keeps to page 1 of the PDF: when it does not, it is set tighter
TIGHTER = """
@media print {
  #sec-summary { font-size: 8.2pt; line-height: 1.28; }
  #sec-summary li { margin-bottom: 0.1em; }
  .banner { padding: 0.3em 0.6em; margin: 0.5em 0; }
}
"""


def warn(msg):
    sys.stderr.write("%s: warning: %s\n" % (os.path.basename(sys.argv[0]) or PROG, msg))


def write_outputs(doc, out, rows=None, pdf_anchor=None, tighter=None):
    """figures/, report.html, data/decomposition.csv (rows) and report.pdf;
    False when the PDF could not be made (no WeasyPrint)."""
    os.makedirs(os.path.join(out, "figures"), exist_ok=True)
    for fg in doc.figs:
        with open(os.path.join(out, "figures", "%02d_%s.png" % (fg.num, fg.key)), "wb") as fh:
            fh.write(fg.png)
    text = to_html(doc)
    for ref in sorted(set(doc.missing_refs)):
        warn("the text refers to %s, which the report does not hold; left out" % ref)
    with open(os.path.join(out, "report.html"), "w", encoding="utf-8") as fh:
        fh.write(text)
    if rows:
        os.makedirs(os.path.join(out, "data"), exist_ok=True)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        with open(os.path.join(out, "data", "decomposition.csv"), "w", encoding="utf-8") as fh:
            fh.write(buf.getvalue())
    return pdf.to_pdf(text, os.path.join(out, "report.pdf"), pdf_anchor, tighter)


def parse_args(prog, description, dir_help, argv):
    """The command line both report scripts take (bwsim report runs them)."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("dir", help=dir_help)
    ap.add_argument("--out", required=True, help="directory to write into")
    ap.add_argument("--lang", choices=("nl", "en"), default="nl")
    ap.add_argument("--quiet", action="store_true", help="print nothing but errors and warnings")
    return ap.parse_args(argv)


def main(argv):
    args = parse_args(PROG, "Write the bwsim Taskforce report of a results directory into "
                      "OUTDIR.", "results directory (holds results.h5)", argv)

    h5 = os.path.join(args.dir, "results.h5")
    if not os.path.isfile(h5):
        sys.stderr.write("%s: %s: no such file\n" % (PROG, h5))
        return 2
    try:
        res = Results(h5)
    except FormatError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
        return 2
    if res.warning:
        warn(res.warning)
    L = run_lang(args.lang)
    bounds, bounds_path = geo.load_boundaries()
    if bounds is None:
        warn("%s: no gemeente boundaries there; the map shows dots" % bounds_path)
    doc, rows = build(res, L, bounds, bounds_path, geo.data_date())
    if not write_outputs(doc, args.out, rows, "sec-evidence", TIGHTER):
        warn("WeasyPrint (Debian package weasyprint) is not installed: wrote report.html only, "
             "no report.pdf. Install it with bash scripts/setup.sh run.")
    return 0
