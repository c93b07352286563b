"""Reading results.h5 (written by `bwsim run`; layout: results/README.md).

Results checks the file's format first (root attributes `format` =
"bwsim-results" and `format_version`, refused when this report does not know
the version, accepted with a warning when absent: older files), then reads what
the report needs. Datasets that newer engines add (centroids, intervals,
regions, the variance split, replication-level first years, the drivers of the
shortfall) are None when absent; the report says what it leaves out.

The scenario's settings come from the engine itself: /provenance attribute
`params_resolved` (YAML of every key, read with PyYAML) and
/provenance/changed (key, value, default of every key that differs from the
defaults). Older files without them fall back to /provenance/settings.
"""

import numpy as np
import h5py

# 1: the layout before the attribute existed
RESULTS_FORMATS = {"bwsim-results": ((1, 2), "scenario")}


class FormatError(Exception):
    """The file is not one this report reads."""


def h5str(x):
    """An HDF5 string (bytes, str, or a 0-d array of either) as str."""
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    if isinstance(x, np.ndarray) and x.shape == ():
        return h5str(x[()])
    return str(x)


def check_format(f, path, formats, what, require=False):
    """(format, format_version, warning) of a file this report reads.
    formats: {format name: (versions read, what to re-run)}. Another format
    or an unknown version is refused (FormatError). A missing attribute is
    refused with require, else read as the only format / the older layout
    with a warning."""
    fmt = h5str(f.attrs["format"]) if "format" in f.attrs else None
    if fmt is None and not require and len(formats) == 1:
        fmt = next(iter(formats))
    if fmt not in formats:
        raise FormatError("%s: format %s is not one this report reads (it reads %s); is this a "
                          "file written by %s?"
                          % (path, "'%s'" % fmt if fmt is not None else "(no 'format' attribute)",
                             " and ".join("'%s'" % k for k in formats), what))
    versions, rerun = formats[fmt]
    if "format_version" not in f.attrs:
        if require:
            raise FormatError("%s: no 'format_version' attribute: not written by bwsim" % path)
        return fmt, None, ("%s has no format_version attribute (written by an older bwsim); "
                           "reading it as the older layout, which may leave parts of the "
                           "report out" % path)
    try:
        ver = int(np.asarray(f.attrs["format_version"]).ravel()[0])
    except (TypeError, ValueError, IndexError):
        raise FormatError("%s: format_version %r is not a number"
                          % (path, f.attrs["format_version"])) from None
    if ver not in versions:
        raise FormatError("%s: %s format_version %d is not supported: this report reads version "
                          "%s. Make the report with the bwsim that wrote the file, or re-run the "
                          "%s with this bwsim."
                          % (path, fmt, ver, " and ".join(str(v) for v in versions), rerun))
    return fmt, ver, None


# --------------------------------------------------------------------------
# The scenario's settings
# --------------------------------------------------------------------------

MISSING = object()


def _yaml():
    try:
        import yaml
    except ImportError:
        raise FormatError("PyYAML is not installed (Debian package python3-yaml); it reads the "
                          "settings in results.h5. Install it, or run bash scripts/setup.sh "
                          "run") from None
    return yaml


def _yaml_value(text):
    """A params value text ("null", "10", "[0.2, 1]", "flow") as Python."""
    try:
        return _yaml().safe_load(text)
    except Exception:  # not YAML: keep the text
        return text


class Params:
    """The resolved settings of a run: get("policy.pooling") is the value
    (None for null) or MISSING when the file does not record it."""

    def __init__(self, resolved_text, settings, changed):
        self.tree = None
        if resolved_text:
            try:
                t = _yaml().safe_load(resolved_text)
                self.tree = t if isinstance(t, dict) else None
            except FormatError:
                raise
            except Exception:
                self.tree = None
        self.settings = {k: _yaml_value(v) for k, v in (settings or {}).items()}
        self.changed = changed  # [(key, value, default)] or None

    @property
    def known(self):
        return self.tree is not None or bool(self.settings)

    def get(self, dotted):
        if self.tree is not None:
            node = self.tree
            for part in dotted.split("."):
                if not isinstance(node, dict) or part not in node:
                    node = MISSING
                    break
                node = node[part]
            if node is not MISSING:
                return node
        return self.settings.get(dotted, MISSING)

    def is_default(self, dotted):
        """True/False, or None when the file does not say."""
        if self.changed is None:
            return None
        return not any(k == dotted for k, _, _ in self.changed)

    @staticmethod
    def text(v):
        """A value as params text (as the technical appendix shows it)."""
        if v is MISSING:
            return "?"
        if v is None:
            return "null"
        if v is True or v is False:
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(Params.text(x) for x in v) + "]"
        return str(v)


# --------------------------------------------------------------------------
# results.h5
# --------------------------------------------------------------------------

class Results:
    """What the report needs from results.h5; None for what the file lacks."""

    def __init__(self, path):
        self.path = path
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise FormatError("%s: not a readable HDF5 file (%s)" % (path, e)) from None
        with f:
            _, self.format_version, self.warning = check_format(f, path, RESULTS_FORMATS,
                                                                "bwsim run")
            try:
                self._read(f)
            except KeyError as e:
                raise FormatError("%s: %s is missing; was it written by bwsim run?"
                                  % (path, e)) from None
        self._derive()

    def _read(self, f):
        a = f.attrs
        self.first_year = int(a["first_year"])
        self.last_year = int(a["last_year"])
        self.start_year = int(a["start_year"])
        self.theta = float(a["threshold_eur_per_inhabitant"])
        self.p_star = float(a["p_star"])
        self.R = int(a["n_replications"])
        self.pooling = h5str(a["pooling"]) if "pooling" in a else None
        self.statistics = h5str(a["statistics"]) if "statistics" in a else None
        self.years = f["year"][:].astype(int)

        g = f["gemeente"]
        self.g_code = [h5str(c) for c in g["code"][:]]
        self.g_name = [h5str(c) for c in g["name"][:]]
        self.g_region = [h5str(c) for c in g["region"][:]]
        self.g_pop = g["population"][:].astype(float)
        self.g_lat = g["lat"][:].astype(float) if "lat" in g else None
        self.g_lon = g["lon"][:].astype(float) if "lon" in g else None
        if "is_centrumgemeente" in g:
            self.g_centrum = g["is_centrumgemeente"][:].astype(bool)
        else:  # a centrumgemeente is the region code of its own region
            self.g_centrum = np.array([c == r for c, r in zip(self.g_code, self.g_region)])
        self.first_exceed_count = (g["first_exceed_count"][:].astype(np.int64)
                                   if "first_exceed_count" in g else None)
        self.decomp = self._decomposition(f)

        r = f["risk"]
        self.risk = {k: r[k][:] for k in r.keys()}
        for k in ("code", "name", "region"):
            self.risk[k] = [h5str(c) for c in self.risk[k]]
        self.has_ci = "p_lo" in r and "p_hi" in r
        self.has_stable = "flag_stable" in r
        self.has_other_pool = "flagged_other_pooling" in r

        self.national = {}
        if "national" in f:
            for q in f["national"].keys():
                grp = f["national"][q]
                self.national[q] = {s: grp[s][:].astype(float) for s in
                                    ("mean", "q05", "q50", "q95") if s in grp}

        self.region_name = {}
        if "region" in f and "code" in f["region"] and "name" in f["region"]:
            self.region_name = {h5str(c): h5str(n) for c, n in
                                zip(f["region/code"][:], f["region/name"][:])}
        self.region_risk = None
        if "region_risk" in f:
            rr = f["region_risk"]
            self.region_risk = {k: rr[k][:] for k in rr.keys()}
            for k in ("code", "name"):
                if k in self.region_risk:
                    self.region_risk[k] = [h5str(c) for c in self.region_risk[k]]

        self.var_share = None
        self.var_K = None
        if "variance_split" in f and "param_share" in f["variance_split"]:
            vs = f["variance_split"]
            self.var_share = vs["param_share"][:].astype(float)
            self.var_K = int(vs.attrs["K"]) if "K" in vs.attrs else None

        p = f["provenance"] if "provenance" in f else None
        pa = p.attrs if p is not None else {}

        def attr(name, default=None):
            return h5str(pa[name]) if name in pa else default

        self.version = attr("bwsim_version", "?")
        self.params_name = attr("params_name", "?")
        self.seed = attr("seed", "?")
        self.data_name = attr("data_name")
        self.data_version = attr("data_version")
        self.data_illustrative = (int(np.asarray(pa["data_illustrative"]).ravel()[0])
                                  if "data_illustrative" in pa else None)
        self.sha256 = [(k[:-len("_sha256")], h5str(pa[k])) for k in sorted(pa.keys())
                       if k.endswith("_sha256")]
        ch = p["changed"] if p is not None and "changed" in p else None
        changed = (list(zip(*[[h5str(x) for x in ch[n][()]] for n in ("key", "value", "default")]))
                   if ch is not None else None)
        st = p["settings"] if p is not None and "settings" in p else None
        settings = ({k: h5str(v) for k, v in st.attrs.items() if k != "description"}
                    if st is not None else {})
        self.params = Params(attr("params_resolved"), settings, changed)

    def _decomposition(self, f):
        """{components, total[name] [ng], year[name] [ng, ny] or None,
        description[name]} of /gemeente/decomposition, or None."""
        if "decomposition" not in f["gemeente"]:
            return None
        g = f["gemeente/decomposition"]
        names = ([c.strip() for c in h5str(g.attrs["components"]).split(",") if c.strip()]
                 if "components" in g.attrs else sorted(g.keys()))
        names = [c for c in names if c in g]
        if not names:
            return None
        gy = f["gemeente_year/decomposition"] if ("gemeente_year" in f and "decomposition" in
                                                  f["gemeente_year"]) else None
        return {
            "components": names,
            "total": {c: g[c][:].astype(float) for c in names},
            "year": ({c: gy[c][:].astype(float) for c in names}
                     if gy is not None and all(c in gy for c in names) else None),
            "description": {c: h5str(g[c].attrs.get("description", c)) for c in names},
        }

    def _derive(self):
        self.ng = len(self.g_code)
        self.index_of = {c: i for i, c in enumerate(self.g_code)}
        rk = self.risk
        self.flagged = rk["flagged"].astype(bool)
        self.p = rk["p_max_year"].astype(float)
        self.p_se = rk["p_se"].astype(float)
        if self.has_ci:
            self.p_lo = rk["p_lo"].astype(float)
            self.p_hi = rk["p_hi"].astype(float)
        else:
            self.p_lo = np.clip(self.p - 1.96 * self.p_se, 0.0, 1.0)
            self.p_hi = np.clip(self.p + 1.96 * self.p_se, 0.0, 1.0)
        if self.has_stable:
            self.stable = rk["flag_stable"].astype(bool)
        else:  # docs/model.md §8: stable = interval wholly on one side of p*
            self.stable = (self.p_lo >= self.p_star) | (self.p_hi < self.p_star)
        # risk rows (rank order) -> gemeente index, and per gemeente the flag probability
        self.risk_g = np.array([self.index_of[c] for c in rk["code"]], dtype=int)
        self.g_p = np.zeros(self.ng)
        self.g_p[self.risk_g] = self.p
        self.g_flag = np.zeros(self.ng, dtype=bool)
        self.g_flag[self.risk_g] = self.flagged
        self.risk_centrum = self.g_centrum[self.risk_g]
        self.q95 = rk["q95_cum_shortfall_eur"].astype(float)
        self.mean_cum = rk["mean_cum_shortfall_eur"].astype(float)
        # risk rows by exposure (q95 of the cumulative shortfall), largest first
        self.exposure_order = np.lexsort((np.arange(len(self.q95)), -self.q95))
        # flagged_other_pooling: -1 = not known
        self.other_pool = None
        if self.has_other_pool:
            op = rk["flagged_other_pooling"].astype(int)
            self.other_pool = None if np.any(op < 0) else op.astype(bool)
