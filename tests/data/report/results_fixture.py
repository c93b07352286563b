#!/usr/bin/python3
"""Change a real results.h5 (from `bwsim run`) in place, for the tests of the
run report (tests/test_report.c): each option makes the file show one case
the report must tell apart.

    results_fixture.py DIR [--format-version N | --no-format-version]
                           [--illustrative 0|1|none] [--other-pooling-unknown]
                           [--flag-only-centrum | --flag-non-centrum]
                           [--no-decomposition]

--flag-only-centrum unflags every flagged gemeente that is not a
centrumgemeente (so that every flagged gemeente is one); --flag-non-centrum
flags the gemeente with the highest flag probability that is not a
centrumgemeente and not flagged (so that not every flagged gemeente is one).
"""

import argparse
import os
import sys

import h5py
import numpy as np


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--format-version", type=int)
    ap.add_argument("--no-format-version", action="store_true")
    ap.add_argument("--illustrative", choices=("0", "1", "none"))
    ap.add_argument("--other-pooling-unknown", action="store_true")
    ap.add_argument("--flag-only-centrum", action="store_true")
    ap.add_argument("--flag-non-centrum", action="store_true")
    ap.add_argument("--no-decomposition", action="store_true")
    a = ap.parse_args(argv)
    with h5py.File(os.path.join(a.dir, "results.h5"), "r+") as f:
        if a.format_version is not None:
            f.attrs["format"] = "bwsim-results"
            f.attrs["format_version"] = np.int32(a.format_version)
        if a.no_format_version:
            for k in ("format", "format_version"):
                if k in f.attrs:
                    del f.attrs[k]
        if a.illustrative is not None:
            p = f["provenance"].attrs
            if a.illustrative == "none":
                if "data_illustrative" in p:
                    del p["data_illustrative"]
            else:
                p["data_illustrative"] = np.int32(int(a.illustrative))
        if a.other_pooling_unknown:
            d = f["risk/flagged_other_pooling"]
            d[...] = np.full(d.shape, -1, dtype=d.dtype)
        if a.flag_only_centrum or a.flag_non_centrum:
            codes = [c.decode() for c in f["gemeente/code"][:]]
            centrum = dict(zip(codes, f["gemeente/is_centrumgemeente"][:].astype(bool)))
            rc = [centrum[c.decode()] for c in f["risk/code"][:]]
            flagged = f["risk/flagged"][:]
            if a.flag_only_centrum:
                flagged[[not c for c in rc]] = 0
            else:
                flagged[next(i for i, c in enumerate(rc) if not c and not flagged[i])] = 1
            f["risk/flagged"][...] = flagged
        if a.no_decomposition:
            for g in ("gemeente/decomposition", "gemeente_year/decomposition"):
                if g in f:
                    del f[g]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
