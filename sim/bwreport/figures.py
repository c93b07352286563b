"""The figures (matplotlib, Agg backend; settings in __init__.py). Each
function takes the numbers to draw and a Lang, and returns a Figure; none
reads a file, so every figure is a pure function of results.h5 (and, for the
map, of the shipped gemeente boundaries)."""

import io
import math

import numpy as np
import matplotlib.pyplot as plt
from matplotlib import colors as mcolors
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import geo
from .texts import COMPONENTS, COMPONENT_OTHER_COLOURS

PNG_DPI = 120
C_FLAG = "#b2182b"
C_NOFLAG = "#7f7f7f"
C_COST = "#b2182b"
C_BUDGET = "#2166ac"
C_BAND = "#4d4d4d"
C_REGION = "#222222"


def png_bytes(fig):
    """The figure as PNG bytes without metadata (the same figure, the same
    bytes), and closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None},
                bbox_inches="tight", pad_inches=0.08)
    plt.close(fig)
    return buf.getvalue()


# ---- axes -----------------------------------------------------------------

def pct_formatter(L, scale=100.0):
    return FuncFormatter(lambda v, _pos: L.num(scale * v, 0) + "%")


def meur_formatter(L):
    return FuncFormatter(lambda v, _pos: L.num(v / 1e6, 0))


def int_formatter(L):
    return FuncFormatter(lambda v, _pos: L.num(v, 0))


def _bare(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_visible(False)


# ---- the map ----------------------------------------------------------------

class MapSpec:
    """What a map shows. codes, names: the gemeenten; values: the colour
    value of each (NaN: no data); cmap, norm, cbar_label, cbar_format,
    cbar_ticks, cbar_line (a value marked on the colour bar, or None);
    group: region of each gemeente (borders between regions), or None;
    squares: boolean array (a small square at the gemeente), or None;
    markers: [(indices, marker, label)] drawn on top; named: indices to name;
    lat, lon, pop: the centres and populations for the map of dots that
    stands in without boundaries; flagged: outline of the dots."""

    def __init__(self, **kw):
        self.group = self.squares = self.flagged = None
        self.lat = self.lon = self.pop = None
        self.cbar_line = None
        self.cbar_ticks = None
        self.square_label = ""
        self.markers = []
        self.named = []
        self.__dict__.update(kw)


def fig_map(spec, L, bounds):
    """A choropleth on the gemeente boundaries, or dots at the centres when
    bounds is None. Returns (figure, 'choropleth' | 'dots' | 'dots+coast')."""
    fig, ax = plt.subplots(figsize=(7.4, 8.2))
    ng = len(spec.codes)
    cmap, norm = spec.cmap, spec.norm
    kind = "choropleth"
    pts = np.full((ng, 2), np.nan)
    size = np.full(ng, 36.0)
    if bounds is not None:
        polys, cols = [], []
        missing = []
        for i, code in enumerate(spec.codes):
            if code not in bounds.rings:
                continue
            v = spec.values[i]
            col = cmap(norm(v)) if np.isfinite(v) else (0.9, 0.9, 0.9, 1.0)
            for r in bounds.rings[code]:
                polys.append(np.column_stack((r[:, 0] * geo.KX, r[:, 1])))
                cols.append(col)
            lon, lat = bounds.label_point(code)
            pts[i] = (lon * geo.KX, lat)
        for code in sorted(set(bounds.rings) - set(spec.codes)):
            missing.extend(bounds.rings[code])
        ax.add_collection(PolyCollection(polys, facecolors=cols, edgecolors="#ffffff",
                                         linewidths=0.25, zorder=2))
        if missing:
            ax.add_collection(PolyCollection(
                [np.column_stack((r[:, 0] * geo.KX, r[:, 1])) for r in missing],
                facecolors="#e6e6e6", edgecolors="#ffffff", linewidths=0.25, hatch="///",
                zorder=2))
        if spec.group is not None:
            group_of = {c: spec.group[i] for i, c in enumerate(spec.codes)}
            seg = bounds.group_edges(group_of)
            if len(seg):
                lines = [[(s[0] * geo.KX, s[1]), (s[2] * geo.KX, s[3])] for s in seg]
                ax.add_collection(LineCollection(lines, colors=C_REGION, linewidths=1.1,
                                                 capstyle="round", zorder=3))
        coast = bounds.outline()
        if len(coast):
            ax.add_collection(LineCollection(
                [[(s[0] * geo.KX, s[1]), (s[2] * geo.KX, s[3])] for s in coast],
                colors="#8c8c8c", linewidths=0.5, zorder=3))
        x0, x1, y0, y1 = bounds.extent()
        xlo, xhi, ylo, yhi = x0 * geo.KX - 0.08, x1 * geo.KX + 0.08, y0 - 0.08, y1 + 0.08
    else:
        x, y = spec.lon * geo.KX, spec.lat
        pts = np.column_stack((x, y))
        pad = 0.25
        xlo, xhi, ylo, yhi = x.min() - pad, x.max() + pad, y.min() - pad, y.max() + pad
        basemap = geo.load_basemap((float(np.nanmin(spec.lon)) - 0.5,
                                    float(np.nanmax(spec.lon)) + 0.5,
                                    float(np.nanmin(spec.lat)) - 0.5,
                                    float(np.nanmax(spec.lat)) + 0.5))
        kind = "dots+coast" if basemap else "dots"
        if basemap:
            coast, border = basemap
            for lx, ly in coast:
                ax.plot(lx * geo.KX, ly, color="#6b8fb3", lw=0.6, zorder=1)
            for lx, ly in border:
                ax.plot(lx * geo.KX, ly, color="#888888", lw=0.7, ls=(0, (4, 2)), zorder=1)
        size = 6.0 + 260.0 * spec.pop / max(float(spec.pop.max()), 1.0)
        order = np.lexsort((np.arange(ng), np.nan_to_num(np.abs(spec.values))))
        flag = spec.flagged if spec.flagged is not None else np.zeros(ng, dtype=bool)
        ax.scatter(x[order], y[order], s=size[order], c=spec.values[order], cmap=cmap, norm=norm,
                   edgecolors=np.where(flag[order], "black", "#999999"),
                   linewidths=np.where(flag[order], 1.1, 0.3), zorder=3)
    if spec.squares is not None:
        sq = np.flatnonzero(spec.squares & np.isfinite(pts[:, 0]))
        ax.scatter(pts[sq, 0], pts[sq, 1], s=9, marker="s", facecolors="white",
                   edgecolors="black", linewidths=0.7, zorder=5)
    for idx, marker, _label in spec.markers:
        idx = np.asarray([i for i in idx if np.isfinite(pts[i, 0])], dtype=int)
        if idx.size:
            ax.scatter(pts[idx, 0], pts[idx, 1], s=70, marker=marker, facecolors="none",
                       edgecolors="black", linewidths=1.1, zorder=5)
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    ax.set_aspect("equal")
    _bare(ax)
    # scale bar: 50 km in the equal-aspect frame (1 degree latitude = 111.2 km)
    d = 50.0 / 111.2
    sx, sy = xlo + 0.1, ylo + 0.08
    ax.plot([sx, sx + d], [sy, sy], color="black", lw=2)
    ax.text(sx + d / 2, sy + 0.04, L("scale_km"), ha="center", va="bottom", fontsize=8)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    cb = fig.colorbar(sm, ax=ax, shrink=0.55, pad=0.02, ticks=spec.cbar_ticks)
    cb.ax.yaxis.set_major_formatter(spec.cbar_format)
    cb.set_label(spec.cbar_label)
    if spec.cbar_line is not None:
        cb.ax.axhline(spec.cbar_line, color="black", lw=2.0)
    handles = []
    if bounds is not None and spec.group is not None:
        handles.append(Line2D([], [], color=C_REGION, lw=1.1, label=L("lg_region_border")))
    if spec.squares is not None:
        handles.append(Line2D([], [], ls="", marker="s", mfc="white", mec="black", mew=0.7, ms=4,
                              label=spec.square_label))
    for _idx, marker, label in spec.markers:
        handles.append(Line2D([], [], ls="", marker=marker, mfc="none", mec="black", ms=8,
                              label=label))
    if handles:
        ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.9)
    fig.tight_layout()
    name_points(fig, ax, [(pts[i, 0], pts[i, 1], spec.names[i],
                           math.sqrt(size[i]) / 2.0 + 2.0) for i in spec.named
                          if np.isfinite(pts[i, 0])])
    return fig, kind


def name_points(fig, ax, items):
    """Name points (x, y, name, radius in points), each label at the first of
    a few positions around its point where it overlaps no label placed
    before it."""
    fig.canvas.draw()  # fixes the layout, so that label extents are final
    renderer = fig.canvas.get_renderer()
    placed = []
    for x, y, name, d in items:
        ann = None
        for dx, dy, ha, va in ((d, 0.5 * d, "left", "bottom"), (d, -0.5 * d, "left", "top"),
                               (-d, 0.5 * d, "right", "bottom"), (-d, -0.5 * d, "right", "top"),
                               (0, d, "center", "bottom"), (0, -d, "center", "top")):
            if ann is not None:
                ann.remove()
            ann = ax.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha,
                              va=va, fontsize=7, zorder=6,
                              bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none",
                                        alpha=0.85))
            ext = ann.get_window_extent(renderer)
            if not any(ext.overlaps(p) for p in placed):
                break
        placed.append(ann.get_window_extent(renderer))


def prob_map_spec(codes, names, p, p_star, L):
    """Colours of the flag probability: ten classes of 10 percentage points."""
    levels = np.linspace(0.0, 1.0, 11)
    cmap = plt.get_cmap("YlOrRd")
    return dict(codes=codes, names=names, values=p, cmap=cmap,
                norm=mcolors.BoundaryNorm(levels, cmap.N), cbar_label=L("ax_p"),
                cbar_format=pct_formatter(L), cbar_ticks=levels[::2], cbar_line=p_star)


# ---- interval charts ---------------------------------------------------------

def _interval_chart(ax, names, p, lo, hi, flagged, stable, p_star, L):
    n = len(names)
    ypos = np.arange(n)[::-1]
    for j in range(n):
        col = C_FLAG if flagged[j] else C_NOFLAG
        ax.plot([lo[j], hi[j]], [ypos[j], ypos[j]], color=col, lw=1.6, solid_capstyle="butt")
        ax.plot([p[j]], [ypos[j]], ls="", marker="o", ms=5.5, mec=col, mew=1.3,
                mfc=col if stable[j] else "white", zorder=3)
    ax.axvline(p_star, color="black", lw=0.9, ls="--")
    ax.set_yticks(ypos)
    ax.set_yticklabels(names, fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(pct_formatter(L))
    ax.set_xlabel(L("ax_p"))
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)


def _interval_legend(ax, L, p_star, with_flag=True, ncol=None):
    h = []
    if with_flag:
        h += [Line2D([], [], color=C_FLAG, lw=1.6, label=L("lg_flag")),
              Line2D([], [], color=C_NOFLAG, lw=1.6, label=L("lg_noflag"))]
    h += [Line2D([], [], ls="", marker="o", ms=5.5, mfc="black", mec="black", label=L("lg_stable")),
          Line2D([], [], ls="", marker="o", ms=5.5, mfc="white", mec="black", mew=1.3,
                 label=L("lg_unstable")),
          Line2D([], [], color="black", lw=0.9, ls="--", label=L("ax_pstar", pstar=L.pct(p_star)))]
    ax.legend(handles=h, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol or len(h),
              frameon=False, handlelength=1.6, columnspacing=1.2)


def fig_ranked(names, p, lo, hi, flagged, stable, p_star, L):
    n = len(names)
    fig, ax = plt.subplots(figsize=(7.6, 1.3 + 0.2 * n))
    _interval_chart(ax, names, p, lo, hi, flagged, stable, p_star, L)
    _interval_legend(ax, L, p_star)
    fig.tight_layout()
    return fig


# ---- money per gemeente ------------------------------------------------------

def fig_exposure(names, q95, mean, flagged, L, xlabel):
    n = len(names)
    fig, ax = plt.subplots(figsize=(7.6, 1.2 + 0.26 * n))
    ypos = np.arange(n)[::-1]
    cols = [C_FLAG if f else C_NOFLAG for f in flagged]
    ax.barh(ypos, q95, color=cols, height=0.62, alpha=0.85)
    ax.plot(mean, ypos, ls="", marker="o", ms=5, mfc="white", mec="black", mew=1.1, zorder=3)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(ypos)
    ax.set_yticklabels(names, fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    ax.xaxis.set_major_formatter(meur_formatter(L))
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    h = [Patch(color=C_FLAG, alpha=0.85, label=L("lg_q95") + ", " + L("lg_flag")),
         Patch(color=C_NOFLAG, alpha=0.85, label=L("lg_q95") + ", " + L("lg_noflag")),
         Line2D([], [], ls="", marker="o", ms=5, mfc="white", mec="black", mew=1.1,
                label=L("lg_expected"))]
    ax.legend(handles=h, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def component_style(names, L):
    """(label, colour) of each component: the known ones from texts.COMPONENTS,
    others by their own name."""
    out, k = [], 0
    for c in names:
        if c in COMPONENTS:
            out.append((COMPONENTS[c][0][L.i], COMPONENTS[c][2]))
        else:
            out.append((c.replace("_eur", "").replace("_", " "),
                        COMPONENT_OTHER_COLOURS[k % len(COMPONENT_OTHER_COLOURS)]))
            k += 1
    return out


def _wrap(s, width=16):
    words, lines, cur = s.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    lines.append(cur)
    return "\n".join(lines)


def fig_waterfall(names, values, total, L):
    """One gemeente: each component a step from the running sum, the total last."""
    style = component_style(names, L)
    n = len(names)
    fig, ax = plt.subplots(figsize=(7.6, 4.4))
    run = 0.0
    for j, v in enumerate(values):
        ax.bar(j, v, bottom=run, color=style[j][1], width=0.7, edgecolor="#333333", lw=0.4)
        top = run + v
        if j + 1 < n:
            ax.plot([j + 0.35, j + 0.65], [top, top], color="#555555", lw=0.7)
        ax.text(j, max(run, top), L.dmeur(v, 1), ha="center", va="bottom", fontsize=7.5)
        run = top
    ax.bar(n, total, color="#222222", width=0.7)
    ax.text(n, max(total, 0.0), L.meur(total, 1), ha="center", va="bottom", fontsize=8,
            weight="bold")
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xticks(range(n + 1))
    ax.set_xticklabels([_wrap(s[0], 13) for s in style] + [_wrap(L("lg_total"), 13)],
                       fontsize=7)
    ax.yaxis.set_major_formatter(meur_formatter(L))
    ax.set_ylabel(L("ax_meur"))
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.06 * (hi - lo))
    fig.tight_layout()
    return fig


def _stack(ax, pos, matrix, colours, horizontal, width):
    """Stack each row's positive values up (right) from zero and its negative
    values down (left)."""
    up = np.zeros(len(pos))
    down = np.zeros(len(pos))
    for j in range(matrix.shape[1]):
        v = matrix[:, j]
        base = np.where(v >= 0, up, down)
        if horizontal:
            ax.barh(pos, v, left=base, color=colours[j], height=width, edgecolor="white", lw=0.3)
        else:
            ax.bar(pos, v, bottom=base, color=colours[j], width=width, edgecolor="white", lw=0.3)
        up += np.where(v >= 0, v, 0.0)
        down += np.where(v < 0, v, 0.0)


def _component_legend(ax, style, L, ncol):
    h = [Patch(color=c, label=lab) for lab, c in style]
    h.append(Line2D([], [], ls="", marker="D", ms=6, mfc="black", mec="white",
                    label=L("lg_total")))
    ax.legend(handles=h, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol,
              frameon=False, fontsize=7.5, handlelength=1.2, columnspacing=1.0)


def _driver_axes(fig, ax, money_axis, which, style, L):
    """The money axis, grid and legend of a chart of drivers."""
    money_axis.set_major_formatter(meur_formatter(L))
    money_axis.set_label_text(L("ax_meur"))
    ax.grid(axis=which, color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    _component_legend(ax, style, L, 3)
    fig.tight_layout()
    return fig


def fig_why_bars(rows, names, matrix, totals, L):
    """Many gemeenten: per row the components stacked right (+) and left (−)
    of zero, a diamond at the total (the sum)."""
    style = component_style(names, L)
    n = len(rows)
    fig, ax = plt.subplots(figsize=(7.6, 1.9 + 0.27 * n))
    ypos = np.arange(n)[::-1]
    _stack(ax, ypos, matrix, [s[1] for s in style], True, 0.7)
    ax.plot(totals, ypos, ls="", marker="D", ms=5.5, mfc="black", mec="white", mew=0.8, zorder=4)
    ax.axvline(0.0, color="black", lw=0.8)
    # room on the right for each row's total as a number: small gemeenten stay readable
    lo = min(0.0, float(np.where(matrix < 0, matrix, 0.0).sum(axis=1).min()))
    hi = max(0.0, float(np.where(matrix > 0, matrix, 0.0).sum(axis=1).max()))
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - 0.03 * span, hi + 0.24 * span)
    for y, t in zip(ypos, totals):
        ax.text(0.995, y, L.meur(t, 1), transform=ax.get_yaxis_transform(), ha="right",
                va="center", fontsize=7.5)
    ax.set_yticks(ypos)
    ax.set_yticklabels(rows, fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    return _driver_axes(fig, ax, ax.xaxis, "x", style, L)


def fig_why_years(years, names, matrix, L):
    """One gemeente per year: matrix [ny, C] stacked, the total as a line."""
    style = component_style(names, L)
    fig, ax = plt.subplots(figsize=(7.6, 4.6))
    _stack(ax, years, matrix, [s[1] for s in style], False, 0.72)
    ax.plot(years, matrix.sum(axis=1), color="black", lw=1.6, marker="D", ms=4.5, mfc="black",
            mec="white", zorder=4)
    ax.axhline(0.0, color="black", lw=0.8)
    ax.margins(y=0.08)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=11))
    ax.set_xlabel(L("ax_year"))
    return _driver_axes(fig, ax, ax.yaxis, "y", style, L)


# ---- national fans -------------------------------------------------------------

def _fan(ax, years, st, color, label):
    ax.fill_between(years, st["q05"], st["q95"], color=color, alpha=0.2, lw=0)
    ax.plot(years, st["q50"], color=color, lw=1.8, label=label)
    if "mean" in st:
        ax.plot(years, st["mean"], color=color, lw=1.0, ls="--")


def _year_axis(ax, years, start_year):
    ax.axvline(start_year, color="#555555", lw=0.8, ls=":")
    ax.set_xlim(years[0] - 0.3, years[-1] + 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.grid(color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)


def _fan_legend(ax, L, color):
    h = [Patch(color=color, alpha=0.2, label=L("lg_q")),
         Line2D([], [], color=color, lw=1.8, label=L("lg_med")),
         Line2D([], [], color=color, lw=1.0, ls="--", label=L("lg_mean")),
         Line2D([], [], color="#555555", lw=0.8, ls=":", label=L("lg_start"))]
    ax.legend(handles=h, loc="best", framealpha=0.9)


def has_fan(st):
    return st is not None and all(k in st for k in ("q05", "q50", "q95"))


def fig_clients(years, start_year, series, L):
    """series: [(title, stats)] of the national client counts."""
    fig, axes = plt.subplots(1, len(series), figsize=(10.5, 3.6), squeeze=False)
    for ax, (title, st) in zip(axes[0], series):
        _fan(ax, years, st, C_BAND, L("lg_med"))
        ax.set_title(title)
        ax.yaxis.set_major_formatter(int_formatter(L))
        ax.set_ylim(bottom=0)
        _year_axis(ax, years, start_year)
    axes[0][0].set_ylabel(L("ax_clients"))
    _fan_legend(axes[0][-1], L, C_BAND)
    fig.tight_layout()
    return fig


def fig_money(years, start_year, cost, budget, short, L):
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.0))
    ax = axes[0]
    if has_fan(cost) and has_fan(budget):
        _fan(ax, years, cost, C_COST, L("lg_cost"))
        _fan(ax, years, budget, C_BUDGET, L("lg_budget"))
        ax.yaxis.set_major_formatter(meur_formatter(L))
        ax.set_ylabel(L("ax_meur"))
        ax.set_title(L("ax_cost_budget"))
        _year_axis(ax, years, start_year)
        h = [Line2D([], [], color=C_COST, lw=1.8, label=L("lg_cost")),
             Line2D([], [], color=C_BUDGET, lw=1.8, label=L("lg_budget")),
             Patch(color="#777777", alpha=0.25, label=L("lg_q")),
             Line2D([], [], color="#444444", lw=1.0, ls="--", label=L("lg_mean"))]
        ax.legend(handles=h, loc="upper left", framealpha=0.9)
    else:
        ax.set_visible(False)
    ax = axes[1]
    if has_fan(short):
        _fan(ax, years, short, C_BAND, L("lg_med"))
        ax.axhline(0.0, color="black", lw=0.8)
        ax.yaxis.set_major_formatter(meur_formatter(L))
        ax.set_ylabel(L("ax_meur"))
        ax.set_title(L("lg_short"))
        _year_axis(ax, years, start_year)
        _fan_legend(ax, L, C_BAND)
    else:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


# ---- first year, regions, variance ----------------------------------------------

def fig_first_year(flag_years, flag_counts, per_rep, L, p_star):
    """flag_years/flag_counts: flagged gemeenten by first year; per_rep:
    (years, average count, average never) or None."""
    have_rep = per_rep is not None
    fig, axes = plt.subplots(1, 2 if have_rep else 1, figsize=(10.5 if have_rep else 6.5, 3.8),
                             squeeze=False)
    axes = axes[0]
    if have_rep:
        yrs, avg, never = per_rep
        ax = axes[0]
        ax.bar(yrs, avg, color="#d6604d", width=0.7)
        ax.set_title(L("ax_first_rep"))
        ax.set_ylabel(L("ax_ngem_avg"))
        ax.set_xlabel(L("ax_year"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.yaxis.set_major_formatter(int_formatter(L))
        if not math.isnan(never):
            ax.text(0.98, 0.96, L("lg_never", n=L.num(never, 0)), transform=ax.transAxes,
                    ha="right", va="top", fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="#cccccc"))
        ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
    ax = axes[-1]
    ax.bar(flag_years, flag_counts, color=C_FLAG, width=0.7)
    ax.set_title(L("ax_first_flag", pstar=L.pct(p_star)))
    ax.set_ylabel(L("ax_ngem"))
    ax.set_xlabel(L("ax_year"))
    ax.set_xlim(min(flag_years) - 0.6, max(flag_years) + 0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if sum(flag_counts) == 0:
        ax.set_ylim(0, 1)
        ax.text(0.5, 0.5, L("no_flags_chart"), transform=ax.transAxes, ha="center", va="center",
                color="#777777")
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    return fig


def fig_regions(rs, full, p_star, L):
    """rs: region rows (dicts) in display order; full: they carry
    probabilities and intervals."""
    n = len(rs)
    names = [r["name"] for r in rs]
    h = 1.3 + 0.2 * n
    if full:
        fig, axes = plt.subplots(1, 2, figsize=(10.5, h), gridspec_kw={"width_ratios": [3, 2]})
        _interval_chart(axes[0], names, np.array([r["p"] for r in rs]),
                        np.array([r["lo"] for r in rs]), np.array([r["hi"] for r in rs]),
                        np.array([r["flag"] for r in rs]), np.array([r["stable"] for r in rs]),
                        p_star, L)
        _interval_legend(axes[0], L, p_star, ncol=3)
        ax = axes[1]
    else:
        fig, ax = plt.subplots(figsize=(7.0, h))
    ypos = np.arange(n)[::-1]
    mf = np.array([int(r["members_flagged"]) for r in rs])
    mem = np.array([int(r["members"]) for r in rs])
    ax.barh(ypos, mem, color="#e0e0e0", height=0.75, label=L("lg_members"))
    if all("members_flagged_pooled" in r for r in rs):
        mp = np.array([int(r["members_flagged_pooled"]) for r in rs])
        ax.barh(ypos + 0.17, mf, color=C_FLAG, height=0.34, label=L("lg_unpooled"))
        ax.barh(ypos - 0.17, mp, color="#f4a582", height=0.34, label=L("lg_pooled"))
    else:
        ax.barh(ypos, mf, color=C_FLAG, height=0.5, label=L("col_mflag"))
    ax.set_yticks(ypos)
    ax.set_yticklabels([] if full else names, fontsize=8)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(L("ax_ngem"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False,
              handlelength=1.6, columnspacing=1.2)
    fig.tight_layout()
    return fig


def fig_variance(share, top_names, top_share, L):
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 5.6), gridspec_kw={"width_ratios": [2, 3]})
    ax = axes[0]
    ok = np.isfinite(share)
    ax.hist(share[ok], bins=np.linspace(0, 1, 21), color="#4d4d4d")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(pct_formatter(L))
    ax.set_xlabel(L("ax_share"))
    ax.set_ylabel(L("ax_ngem"))
    ax.set_title(L("ax_all"))
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    ax = axes[1]
    n = len(top_names)
    ypos = np.arange(n)[::-1]
    s = np.nan_to_num(np.asarray(top_share, dtype=float), nan=0.0)
    ax.barh(ypos, s, color="#4d4d4d", height=0.7, label=L("lg_param"))
    ax.barh(ypos, 1 - s, left=s, color="#cfcfcf", height=0.7, label=L("lg_stoch"))
    ax.set_yticks(ypos)
    ax.set_yticklabels(top_names, fontsize=8)
    ax.set_ylim(-0.7, n - 0.3 + 1.6)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(pct_formatter(L))
    ax.set_title(L("ax_top"))
    ax.legend(loc="upper center", ncol=2, framealpha=0.95)
    fig.tight_layout()
    return fig
