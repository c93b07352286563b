"""Maps: the gemeente boundaries (params/data/gemeenten_2021.geojson, CBS/PDOK
2021, CC BY 4.0), the borders between regions, and the GSHHG coastline for
the fallback map of dots when the boundaries are missing.

The boundaries are found in params/data of the source tree this package sits
in (sim/bwreport/../../params/data), or in BWSIM_REPORT_DATA_DIR. Coordinates
are WGS84; maps use an equal-aspect frame with longitude scaled by
cos(52.2°), which is close enough for the Netherlands.
"""

import json
import math
import os

import numpy as np
import h5py

BOUNDARIES_FILE = "gemeenten_2021.geojson"
MAP_LAT0 = 52.2
KX = math.cos(math.radians(MAP_LAT0))
GSHHG_DIR = os.environ.get("BWSIM_GSHHG_DIR", "/usr/share/gmt-gshhg")


def data_dir():
    """params/data of the source tree (or BWSIM_REPORT_DATA_DIR)."""
    env = os.environ.get("BWSIM_REPORT_DATA_DIR")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "params", "data"))


def data_date():
    """The first line of params/data/VERSION (the date of the data), or None."""
    try:
        with open(os.path.join(data_dir(), "VERSION"), encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#"):
                    return line[:200]
    except OSError:
        pass
    return None


class Boundaries:
    """The gemeente polygons: rings[code] = [array (n, 2) of lon, lat] (outer
    rings of every part; the generalised file has no holes)."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        self.rings = {}
        self.names = {}
        for feat in doc.get("features", []):
            props = feat.get("properties") or {}
            code = str(props.get("code", ""))
            geom = feat.get("geometry") or {}
            if not code or geom.get("type") not in ("Polygon", "MultiPolygon"):
                continue
            parts = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
            rings = [np.asarray(p[0], dtype=float)[:, :2] for p in parts if p and len(p[0]) >= 3]
            if rings:
                self.rings.setdefault(code, []).extend(rings)
                self.names[code] = str(props.get("name", code))
        if not self.rings:
            raise ValueError("no gemeente polygons")

    def label_point(self, code):
        """(lon, lat) of the centroid of the gemeente's largest part."""
        best, best_a = None, -1.0
        for r in self.rings[code]:
            x, y = r[:, 0], r[:, 1]
            cross = x * np.roll(y, -1) - np.roll(x, -1) * y
            a = cross.sum() / 2.0
            if abs(a) > best_a and a != 0:
                cx = ((x + np.roll(x, -1)) * cross).sum() / (6 * a)
                cy = ((y + np.roll(y, -1)) * cross).sum() / (6 * a)
                best, best_a = (float(cx), float(cy)), abs(a)
        if best is None:
            r = self.rings[code][0]
            best = (float(r[:, 0].mean()), float(r[:, 1].mean()))
        return best

    def extent(self):
        allp = np.concatenate([r for rs in self.rings.values() for r in rs])
        return (float(allp[:, 0].min()), float(allp[:, 0].max()),
                float(allp[:, 1].min()), float(allp[:, 1].max()))

    def _owners(self, codes):
        """{segment: set of gemeenten whose boundary has it} over codes."""
        owners = {}
        for code in codes:
            for r in self.rings[code]:
                pts = [tuple(p) for p in r]
                if pts[0] != pts[-1]:
                    pts.append(pts[0])
                for a, b in zip(pts, pts[1:]):
                    if a != b:
                        owners.setdefault((a, b) if a < b else (b, a), set()).add(code)
        return owners

    @staticmethod
    def _segments(keys):
        return np.array([[a[0], a[1], b[0], b[1]] for a, b in sorted(keys)]).reshape(-1, 4)

    def outline(self):
        """The segments (lon0, lat0, lon1, lat1) of one gemeente only: the
        coast and the national border."""
        return self._segments(k for k, v in self._owners(sorted(self.rings)).items()
                              if len(v) == 1)

    def group_edges(self, group_of):
        """The segments (lon0, lat0, lon1, lat1) that two gemeenten of
        different groups share (region borders): the edges of the polygons
        that belong to exactly two gemeenten, whose groups differ. Gemeenten
        without a group are left out."""
        owners = self._owners(sorted(c for c in self.rings if c in group_of))
        return self._segments(k for k, v in owners.items()
                              if len(v) == 2 and len({group_of[c] for c in v}) == 2)


def load_boundaries():
    """(Boundaries or None, path tried)."""
    path = os.path.join(data_dir(), BOUNDARIES_FILE)
    if not os.path.isfile(path):
        return None, path
    try:
        return Boundaries(path), path
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None, path


# --------------------------------------------------------------------------
# Coastline and border (GSHHG binned netCDF-4, read with h5py): only behind
# the map of dots that stands in when the boundaries are missing
# --------------------------------------------------------------------------

def _gshhg_lines(path, coast, box):
    """Polylines (lon, lat arrays) of the GSHHG binned file inside box
    (lon0, lon1, lat0, lat1): shorelines of level 1 (land/sea) for coast,
    national borders (level 1) otherwise. Bins are numbered row by row from
    the north pole, columns east from Greenwich; points are 16-bit offsets
    from the bin's south-west corner."""
    lon0, lon1, lat0, lat1 = box
    out = []
    with h5py.File(path, "r") as f:
        bsz = float(f["Bin_size_in_minutes"][0]) / 60.0
        nx = int(f["N_bins_in_360_longitude_range"][0])
        first_seg = f["Id_of_first_segment_in_a_bin"][:]
        n_seg = f["N_segments_in_a_bin"][:]
        first_pt = f["Id_of_first_point_in_a_segment"][:].astype(np.int64)
        closed = None
        if coast:
            info = f["Embedded_npts_levels_exit_entry_for_a_segment"][:].astype(np.int64)
            npts, level = info >> 9, (info >> 6) & 7
            closed = ((info >> 3) & 7 == 4) & (info & 7 == 4)  # a polygon wholly inside the bin
        else:
            npts = f["N_points_for_a_segment"][:].astype(np.int64)
            level = f["Hierarchial_level_of_a_segment"][:]
        dx = f["Relative_longitude_from_SW_corner_of_bin"]
        dy = f["Relative_latitude_from_SW_corner_of_bin"]
        for b in range(len(first_seg)):
            blon = (b % nx) * bsz
            blat = 90.0 - (b // nx + 1) * bsz
            if blon > lon1 or blon + bsz < lon0 or blat > lat1 or blat + bsz < lat0:
                continue
            for s in range(int(first_seg[b]), int(first_seg[b]) + int(n_seg[b])):
                if level[s] != 1 or npts[s] < 2:
                    continue
                a, e = int(first_pt[s]), int(first_pt[s] + npts[s])
                x = blon + dx[a:e].view(np.uint16) / 65535.0 * bsz
                y = blat + dy[a:e].view(np.uint16) / 65535.0 * bsz
                if closed is not None and closed[s]:
                    x, y = np.append(x, x[0]), np.append(y, y[0])
                out.append((x, y))
    return out


def load_basemap(box):
    """(coast, border) polylines, or None when GSHHG is not installed."""
    for res in ("i", "l"):
        cpath = os.path.join(GSHHG_DIR, "binned_GSHHS_%s.nc" % res)
        bpath = os.path.join(GSHHG_DIR, "binned_border_%s.nc" % res)
        if os.path.isfile(cpath) and os.path.isfile(bpath):
            try:
                return _gshhg_lines(cpath, True, box), _gshhg_lines(bpath, False, box)
            except (OSError, KeyError, ValueError):
                return None
    return None
