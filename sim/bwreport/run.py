"""The content of the run report: a one-page summary, the evidence (map,
rankings by probability and by money at stake, the drivers of the shortfall,
when, regions, the national picture), the assumptions and limits, a glossary
and a technical appendix. Every statement is computed from results.h5; a
statement that is not true of the file is not made.
"""

import numpy as np

from . import figures as F
from .html import Doc
from .reader import MISSING, Params
from .texts import COMPONENTS, GLOSSARY, RUN, Lang

TOP_TABLE = 25      # rows of the table by probability
MAX_RANKED = 60     # rows of the ranked chart; the full list is in risk.csv
TOP_EXPOSURE = 10   # the largest amounts at stake: table, and added to the drivers
EXPOSURE_CHART = 15
WHY_ROWS = 25       # gemeenten per figure of drivers
WHY_PARTS = 4
SUMMARY_NAMES = 12  # flagged gemeenten named in the summary
MAP_NAMES = 10
RESIDUAL_EUR = 0.5  # drivers that miss the shortfall by more get a "remainder" bar
BOUNDARIES = "params/data/gemeenten_2021.geojson"

# the settings the assumptions describe (the technical appendix lists them by key)
ASSUME_KEYS = ("policy.start_year", "policy.old_regime_max_years", "policy.ingroeipad.mode",
               "policy.ingroeipad.steps", "policy.ingroeipad.complete_by",
               "policy.ingroeipad.custom", "policy.pooling", "policy.mo_decentralise_year",
               "flags.threshold_eur_per_inhabitant", "flags.p_star", "uncertainty.enabled",
               "uncertainty.outer_draws", "policy.bijsturing.rule",
               "policy.bijsturing.first_year", "policy.bijsturing.every",
               "policy.bijsturing.flag_fraction", "run.replications", "run.seed")


def run_lang(code):
    return Lang(code, RUN)


class Ctx:
    """What the sections share: the results, the language, the format
    arguments and the notes gathered on the way."""

    def __init__(self, res, L, bounds, bounds_path, data_date):
        self.res, self.L = res, L
        self.bounds, self.bounds_path = bounds, bounds_path
        self.data_date = data_date
        self.fmt = dict(S=res.start_year, first=res.first_year, last=res.last_year,
                        R=L.num(res.R), theta=L.theta(res.theta), pstar=L.pct(res.p_star))
        self.missing = []    # what the file lacks, for the reader
        self.tech = []       # notes for the technical appendix
        self.map_kind = None
        self.nf = int(res.flagged.sum())
        self.flagged_rows = [r for r in range(len(res.p)) if res.flagged[r]]
        self.decomp = Drivers(res) if res.decomp is not None else None

    def miss(self, what, effect):
        self.missing.append(self.L("n_missing", what=self.L(what), effect=self.L(effect)))

    def name(self, r):
        """The name of risk row r, with (c) for a centrumgemeente."""
        return self.res.risk["name"][r] + (" (c)" if self.res.risk_centrum[r] else "")

    def pct(self, p):
        return self.L.pct_p(p, self.res.p_star)


class Drivers:
    """The drivers of the expected cumulative shortfall per gemeente (in
    gemeente order), with a remainder where they miss the shortfall."""

    def __init__(self, res):
        d = res.decomp
        self.names = list(d["components"])
        self.matrix = np.column_stack([d["total"][c] for c in self.names])
        target = np.zeros(res.ng)
        target[res.risk_g] = res.mean_cum
        self.shortfall = target
        resid = target - self.matrix.sum(axis=1)
        self.residual = resid
        self.n_resid = int(np.sum(np.abs(resid) > RESIDUAL_EUR))
        if self.n_resid:
            self.names.append("residual")
            self.matrix = np.column_stack([self.matrix, resid])
        self.year = None
        if d["year"] is not None:
            self.year = {c: d["year"][c] for c in d["components"]}
        # figures and tables leave out what is zero for every gemeente (pooling without
        # pooling); data/decomposition.csv keeps it
        keep = [j for j in range(len(self.names))
                if np.any(np.abs(self.matrix[:, j]) > RESIDUAL_EUR)]
        self.shown = [self.names[j] for j in keep]
        self.shown_matrix = self.matrix[:, keep]

    def col(self, name):
        return self.matrix[:, self.names.index(name)] if name in self.names else None


def build(res, L, bounds, bounds_path, data_date):
    """The run report as a Doc, and the rows of data/decomposition.csv."""
    cx = Ctx(res, L, bounds, bounds_path, data_date)
    doc = Doc(L, L("title"))
    doc.add("h1", L("title"))
    doc.add("sub", L("sub", name=res.params_name, **cx.fmt))
    doc.add("meta", meta_line(cx))
    if res.data_illustrative == 1:
        head, rest = L("banner_illustrative").split(". ", 1)
        doc.add("banner", (head + ".", rest))
    _check_missing(cx)
    summary(doc, cx)
    evidence(doc, cx)
    assumptions(doc, cx)
    doc.section("glossary", L("h_glossary"), page=False)
    doc.add("dl", GLOSSARY[L.code])
    doc.end()
    appendix(doc, cx)
    doc.add("footer", footer(cx))
    return doc, decomposition_rows(cx)


def _check_missing(cx):
    res = cx.res
    if not res.has_ci or not res.has_stable:
        cx.miss("n_ci", "n_ci_eff")
    if res.first_exceed_count is None:
        cx.miss("n_fec", "n_fec_eff")
    if res.region_risk is None:
        cx.miss("n_regions", "n_regions_eff")
    if res.var_share is None:
        cx.miss("n_var", "n_var_eff")
    if res.other_pool is None:
        cx.miss("n_other_pool", "n_other_pool_eff")
        if res.has_other_pool:
            cx.tech.append(cx.L("tech_other_pool_unknown"))
    if res.decomp is None:
        cx.miss("n_decomp", "n_decomp_eff")
    if res.warning:
        cx.tech.append(cx.L("tech_format_missing"))


# --------------------------------------------------------------------------
# 1. Summary
# --------------------------------------------------------------------------

def summary(doc, cx):
    res, L, fmt, nf = cx.res, cx.L, cx.fmt, cx.nf
    doc.section("summary", L("h_summary"), page=False)
    doc.add("p", L("intro", **fmt))
    items = []
    rows = cx.flagged_rows
    if nf == 0:
        items.append(L("s_none", **fmt))
    else:
        items.append(L.n("s_flagged", nf, ng=res.ng, pct=L.pct(nf / res.ng), **fmt))
        names = ["%s (%s)" % (res.risk["name"][r], cx.pct(res.p[r])) for r in rows[:SUMMARY_NAMES]]
        which = L.n("s_which", nf, list=L.join(names, max(0, nf - SUMMARY_NAMES)))
        ncf = int(res.risk_centrum[res.flagged].sum())
        if ncf == nf:
            which += " " + L.n("s_centrum_all", nf)
        elif ncf == 0:
            which += " " + L.n("s_centrum_none", nf)
        else:
            which += " " + L.n("s_centrum_some", ncf)
        items.append(which)
        when = _when(cx)
        if when:
            items.append(when)
        items.append(_sure(cx))
        total = float(res.mean_cum[res.flagged].sum())
        items.append(L.n("s_money", nf, sum=L.meur(total, 0 if abs(total) >= 10e6 else 1),
                         **fmt))
    items += _exposure_statements(cx)
    why = _why_statement(cx)
    if why:
        items.append(why)
    short = res.national.get("shortfall_eur")
    if short is not None and "mean" in short:
        tot = float(short["mean"][res.years >= res.start_year].sum())
        items.append(L("s_nat_up" if tot >= 0 else "s_nat_down",
                       amount=L.meur(abs(tot), 0), **fmt))
    if res.other_pool is not None:
        key = "s_pool_without" if res.pooling == "region" else "s_pool_with"
        n_other = int(res.other_pool.sum())
        if n_other == nf:
            key += "_0" if nf == 0 else "_same"
        items.append(L(key, n=n_other, nf=nf))
    if res.region_risk is not None and "flagged" in res.region_risk:
        fl = np.asarray(res.region_risk["flagged"]).astype(bool)
        items.append(L("s_regions" if fl.any() else "s_regions_0", n=int(fl.sum()), nr=len(fl)))
    if res.var_share is not None:
        vs = res.var_share[res.risk_g]
        sel = vs[res.flagged & np.isfinite(vs)]
        if sel.size:
            items.append(L("s_var", x=L.pct(float(sel.mean()))))
    doc.add("ul", items)
    doc.add("p", L("s_read"))
    doc.end()


def _when(cx):
    res, L = cx.res, cx.L
    fb = res.risk["first_bottleneck_year"].astype(int)[res.flagged]
    fb = fb[fb > 0]
    if not fb.size:
        return None
    ys, cs = np.unique(fb, return_counts=True)
    j = int(np.argmax(cs))
    if len(ys) == 1:
        return L("s_when_1", y=int(ys[0]))
    if cs[j] == 1 or np.sum(cs == cs[j]) > 1:  # no single most common year
        return L("s_when_range", y0=int(ys[0]), y1=int(ys[-1]))
    return L("s_when_mode", y0=int(ys[0]), y1=int(ys[-1]), y=int(ys[j]), n=int(cs[j]),
             nf=int(fb.size))


def _sure(cx):
    res, L, nf = cx.res, cx.L, cx.nf
    nfs = int((res.flagged & res.stable).sum())
    nfu = nf - nfs
    if nf == 1:
        s = L("s_sure_1", not_="" if nfs else L("not_"))
    elif nfu == 0:
        s = L("s_sure_all")
    elif nfs == 0:
        s = L("s_sure_none", nf=nf)
    else:
        s = L("s_sure", nfs=nfs, nf=nf, nfu=nfu, zijn=L("is") if nfu == 1 else L("zijn"))
    nuu = int((~res.flagged & ~res.stable).sum())
    if nuu:
        s += " " + L.n("s_near", nuu)
    return s


def _exposure_statements(cx):
    res, L = cx.res, cx.L
    if not len(res.q95):
        return []
    r0 = int(res.exposure_order[0])
    out = [L("s_exposure", name=res.risk["name"][r0], q95=L.meur(res.q95[r0]),
             mean=L.meur(res.mean_cum[r0]), **cx.fmt)]
    top = res.exposure_order[:TOP_EXPOSURE]
    k = len(top)
    n_no = int(np.sum(~res.flagged[top]))
    if cx.nf and n_no:
        out.append(L.n("s_exposure_noflag", n_no, k=k))
    return out


def _why_statement(cx):
    """Which part of the shortfall dominates for the flagged gemeenten, and
    for how many the historical budget shrinks faster than the objective
    one grows."""
    res, L, d = cx.res, cx.L, cx.decomp
    if d is None or not cx.nf:
        return None
    g = res.risk_g[res.flagged]
    bw = sum(d.col(c)[g] for c in ("cost_bw_eur", "budget_historical_eur",
                                    "budget_objective_eur", "wlz_settlement_eur")
             if d.col(c) is not None)
    mo = sum(d.col(c)[g] for c in ("cost_mo_eur", "budget_mo_eur") if d.col(c) is not None)
    if np.isscalar(bw) or np.isscalar(mo):
        return None
    n_bw = int(np.sum(bw >= mo))
    if n_bw == cx.nf:
        part = L("s_why_bw_all")
    elif n_bw == 0:
        part = L("s_why_mo_all")
    else:
        part = L("s_why_split", bw=n_bw, mo=cx.nf - n_bw, nf=cx.nf)
    shift = _hist_shift(cx, g)
    if shift is not None and shift:
        part += L("s_why_hist", n=shift)
    return L("s_why", part=part)


def _reform_cols(res):
    return np.flatnonzero(res.years >= res.start_year)


def _hist_shift(cx, g):
    """How many of the gemeenten g see the historical part of their BW budget
    shrink by more than the objective part grows, from the first to the last
    reform year; None without the yearly drivers."""
    d, res = cx.decomp, cx.res
    if d.year is None or not {"budget_historical_eur", "budget_objective_eur"} <= set(d.year):
        return None
    cols = _reform_cols(res)
    if len(cols) < 2:
        return None
    h = -d.year["budget_historical_eur"][g]  # the budget itself (the driver is minus it)
    o = -d.year["budget_objective_eur"][g]
    shrink = h[:, cols[0]] - h[:, cols[-1]]
    grow = o[:, cols[-1]] - o[:, cols[0]]
    return int(np.sum(shrink > grow))


# --------------------------------------------------------------------------
# 2. The evidence
# --------------------------------------------------------------------------

def evidence(doc, cx):
    res, L = cx.res, cx.L
    doc.section("evidence", L("h_evidence"))
    section_map(doc, cx)
    section_ranked(doc, cx)
    section_exposure(doc, cx)
    if cx.decomp is not None:
        section_why(doc, cx)
    section_when(doc, cx)
    rrows = region_rows(res)
    if rrows:
        section_regions(doc, cx, rrows)
    section_national(doc, cx)
    if res.var_share is not None:
        doc.sub("variance", L("h_variance"))
        doc.add("p", L("p_variance"))
        rows = list(range(min(TOP_TABLE, len(res.p))))
        share = res.var_share
        fig = F.fig_variance(share, [res.risk["name"][r] for r in rows],
                             [share[res.risk_g[r]] for r in rows], L)
        doc.figure("variance", L("f_var"), L("f_var_cap", n=len(rows), **cx.fmt),
                   L("f_var_alt", x=L.pct(float(np.nanmean(share)))), F.png_bytes(fig))
    doc.end()


def section_map(doc, cx):
    res, L = cx.res, cx.L
    if cx.bounds is None and (res.g_lat is None or res.g_lon is None):
        cx.missing.append(L("map_missing_nolatlon", path=BOUNDARIES))
        return
    doc.sub("map", L("h_map"))
    doc.add("p", L("p_map"))
    spec = F.MapSpec(**F.prob_map_spec(res.g_code, res.g_name, res.g_p, res.p_star, L))
    spec.group = res.g_region
    spec.squares = res.g_centrum
    spec.square_label = L("lg_centrum")
    spec.lat, spec.lon, spec.pop, spec.flagged = res.g_lat, res.g_lon, res.g_pop, res.g_flag
    spec.named = [int(res.risk_g[r]) for r in range(min(MAP_NAMES, len(res.risk_g)))]
    fig, kind = F.fig_map(spec, L, cx.bounds)
    cx.map_kind = kind
    if kind == "choropleth":
        cap = L("f_map_cap", credit=L("map_credit"), **cx.fmt)
    else:
        cap = L("f_map_cap_dots", coast=L("coast") if kind == "dots+coast" else "", **cx.fmt)
        cx.missing.append(L("map_missing", path=BOUNDARIES))
    top = ["%s (%s)" % (res.risk["name"][r], cx.pct(res.p[r]))
           for r in range(min(5, len(res.p))) if res.p[r] > 0]
    regions_hit = len({res.risk["region"][r] for r in cx.flagged_rows})
    nr = len(set(res.g_region))
    alt = L("f_map_alt", nf=cx.nf, pstar=cx.fmt["pstar"],
            top=L("f_map_alt_top", list=L.join(top)) if top else "",
            where=L("f_map_alt_where", n=regions_hit, nr=nr) if cx.nf else "")
    doc.figure("map", L("f_map"), cap, alt.strip(), F.png_bytes(fig), cls="map")


def section_ranked(doc, cx):
    res, L, nf = cx.res, cx.L, cx.nf
    doc.sub("ranked", L("h_ranked"))
    doc.add("p", L("p_ranked"))
    if nf >= TOP_TABLE:
        rows = cx.flagged_rows[:MAX_RANKED]
        title = L("f_ranked")
        if nf > MAX_RANKED:
            cx.tech.append(L("n_ranked_cap", n=MAX_RANKED, nf=nf))
    else:
        rows = list(range(min(TOP_TABLE, len(res.p))))
        title = L("f_ranked_top", n=len(rows)) if nf < len(rows) else L("f_ranked")
    fig = F.fig_ranked([cx.name(r) for r in rows], res.p[rows], res.p_lo[rows], res.p_hi[rows],
                       res.flagged[rows], res.stable[rows], res.p_star, L)
    ns = int(res.stable[rows].sum())
    alt = L("f_ranked_alt", n=len(rows), first=res.risk["name"][rows[0]],
            p0=cx.pct(res.p[rows[0]]), last_=res.risk["name"][rows[-1]],
            p1=cx.pct(res.p[rows[-1]]), ns=ns, nu=len(rows) - ns)
    doc.figure("ranked", title, L("f_ranked_cap", **cx.fmt), alt, F.png_bytes(fig),
               cls="narrow")
    top_table(doc, cx)


def top_table(doc, cx):
    res, L = cx.res, cx.L
    n = min(TOP_TABLE, len(res.p))
    header = [L("col_rank"), L("col_name"), L("col_pop"), L("col_p"), L("col_ci"),
              L("col_stable"), L("col_first"), L("col_pany"), L("col_mean"), L("col_q95"),
              L("col_cvar")]
    align = "#nrrccccrrr"
    cap = L("t_top_cap", **cx.fmt)
    if res.other_pool is not None:
        header.append(L("col_other"))
        align += "c"
        cap += L("t_top_cap_other", other=L("without") if res.pooling == "region" else L("with"))
    rk = res.risk
    rows = []
    for r in range(n):
        fb = int(rk["first_bottleneck_year"][r])
        row = [str(int(rk["rank"][r])), cx.name(r), L.num(float(rk["population"][r])),
               cx.pct(res.p[r]), L.pct_range(res.p_lo[r], res.p_hi[r]),
               L("yes") if res.stable[r] else L("no"), str(fb) if fb > 0 else L("none"),
               L.pct(float(rk["p_any_year"][r])), L.mln(res.mean_cum[r]), L.mln(res.q95[r]),
               L.mln(float(rk["cvar95_cum_shortfall_eur"][r]))]
        if res.other_pool is not None:
            row.append(L("yes") if res.other_pool[r] else L("no"))
        rows.append(row)
    doc.table("top", L("t_top", n=n), cap, header, rows, align)


def section_exposure(doc, cx):
    res, L = cx.res, cx.L
    doc.sub("exposure", L("h_exposure"))
    doc.add("p", L("p_exposure"))
    rows = [int(r) for r in res.exposure_order[:EXPOSURE_CHART]]
    fig = F.fig_exposure([cx.name(r) for r in rows], res.q95[rows], res.mean_cum[rows],
                         res.flagged[rows], L, L("ax_exposure", **cx.fmt))
    alt = L("f_exposure_alt", n=len(rows), first=res.risk["name"][rows[0]],
            v0=L.meur(res.q95[rows[0]]), last_=res.risk["name"][rows[-1]],
            v1=L.meur(res.q95[rows[-1]]), nf=int(res.flagged[rows].sum()))
    doc.figure("exposure", L("f_exposure"), L("f_exposure_cap", n=len(rows), **cx.fmt), alt,
               F.png_bytes(fig), cls="narrow")
    rk = res.risk
    trows = []
    for k, r in enumerate(res.exposure_order[:TOP_EXPOSURE]):
        r = int(r)
        trows.append([str(k + 1), cx.name(r), L.mln(res.q95[r]), L.mln(res.mean_cum[r]),
                      L.mln(float(rk["cvar95_cum_shortfall_eur"][r])),
                      L.eur(res.q95[r] / max(float(rk["population"][r]), 1.0)),
                      cx.pct(res.p[r]), L("yes") if res.flagged[r] else L("no"),
                      str(int(rk["rank"][r]))])
    doc.table("exposure", L("t_exposure", n=len(trows)), L("t_exposure_cap", **cx.fmt),
              [L("col_rank"), L("col_name"), L("col_q95"), L("col_mean"), L("col_cvar"),
               L("col_q95_pi"), L("col_p"), L("col_flag"), L("col_rank_p")], trows,
              "#nrrrrrcr")


def why_rows(cx):
    """Risk rows of the drivers: the flagged gemeenten by rank, then the
    largest amounts at stake that are not flagged."""
    res = cx.res
    rows = list(cx.flagged_rows)
    rows += [int(r) for r in res.exposure_order[:TOP_EXPOSURE] if not res.flagged[r]]
    return rows


def _component_items(cx):
    L, d = cx.L, cx.decomp
    out = []
    for c in d.names:
        if c in COMPONENTS:
            out.append("%s: %s." % (COMPONENTS[c][0][L.i], COMPONENTS[c][1][L.i]))
        else:
            out.append("%s: %s." % (c, cx.res.decomp["description"].get(c, c)))
    return out


def section_why(doc, cx):
    res, L, d = cx.res, cx.L, cx.decomp
    doc.sub("why", L("h_why"))
    doc.add("p", L("p_why", **cx.fmt))
    doc.add("ul", _component_items(cx))
    rows = why_rows(cx)
    if not rows:
        return
    # the example: the flagged gemeente with the largest expected shortfall, else the
    # largest amount at stake
    pool = cx.flagged_rows or [int(res.exposure_order[0])]
    ex = max(pool, key=lambda r: (res.mean_cum[r], -r))
    gi = int(res.risk_g[ex])
    name = res.risk["name"][ex]
    vals = d.shown_matrix[gi]
    fig = F.fig_waterfall(d.shown, vals, float(d.shortfall[gi]), L)
    labels = [s[0] for s in F.component_style(d.shown, L)]
    items = ", ".join("%s %s" % (lab, L.dmeur(v)) for lab, v in zip(labels, vals))
    hist = ""
    years_fig = None
    if d.year is not None:
        cols = _reform_cols(res)
        names = [c for c in res.decomp["components"] if c in d.shown]
        m = np.column_stack([d.year[c][gi, cols] for c in names])
        years_fig = F.fig_why_years(res.years[cols], names, m, L)
        if {"budget_historical_eur", "budget_objective_eur"} <= set(names) and len(cols) > 1:
            h = -d.year["budget_historical_eur"][gi, cols]
            o = -d.year["budget_objective_eur"][gi, cols]
            hk = dict(name=name, y0=int(res.years[cols[0]]), y1=int(res.years[cols[-1]]),
                      h0=L.meur(h[0]), h1=L.meur(h[-1]), o0=L.meur(o[0]), o1=L.meur(o[-1]))
            hist = L("p_why_hist", **hk)
    doc.add("p", L("p_why_example", name=name, hist=hist))
    doc.figure("why_example", L("f_why_example", name=name), L("f_why_example_cap", **cx.fmt),
               L("f_why_example_alt", name=name, items=items,
                 total=L.meur(float(d.shortfall[gi]))), F.png_bytes(fig), cls="narrow")
    if years_fig is not None:
        alt = (L("f_why_years_alt", **hk) if hist else
               L("f_why_years", name=name) + ".")
        doc.figure("why_years", L("f_why_years", name=name),
                   L("f_why_years_cap", name=name), alt, F.png_bytes(years_fig), cls="narrow")
    flagged = [r for r in rows if res.flagged[r]]
    k = -(-len(flagged) // WHY_ROWS)  # parts of equal size, at most WHY_ROWS rows each
    parts = [flagged[len(flagged) * j // k:len(flagged) * (j + 1) // k] for j in range(k)]
    shown = [("f_why_part" if len(parts) > 1 else "f_why", p, "f_why_cap_flag")
             for p in parts[:WHY_PARTS]]
    others = [r for r in rows if not res.flagged[r]]
    if others:
        shown.append(("f_why_money", others, "f_why_cap_money"))
    keys = ["why" if k == 0 else "why_%d" % (k + 1) for k in range(len(shown))]
    doc.add("p", L("p_why_all", k=TOP_EXPOSURE, figs=L.join("[[fig:%s]]" % k for k in keys)))
    if d.n_resid:
        doc.add("p", L("p_why_residual", n=d.n_resid,
                       max=L.meur(float(np.max(np.abs(d.residual))), 2)))
    for k, (title, part, order) in enumerate(shown):
        g = res.risk_g[part]
        fig = F.fig_why_bars([cx.name(r) for r in part], d.shown, d.shown_matrix[g],
                             d.shortfall[g], L)
        names = [res.risk["name"][r] for r in part]
        alt = L("f_why_alt", n=len(part), list=L.join(names[:8], max(0, len(names) - 8)),
                tab=doc.L("ref_tab", n=len(doc.tables) + 1))
        doc.figure(keys[k], L(title, k=k + 1, m=min(len(parts), WHY_PARTS)),
                   L("f_why_cap", **cx.fmt) + " " + L(order, k=TOP_EXPOSURE), alt,
                   F.png_bytes(fig),
                   cls="narrow")
    if len(parts) > WHY_PARTS:
        doc.add("p", L("n_why_cap", n=sum(len(p) for p in parts[:WHY_PARTS]), m=len(flagged)))
    labels = [s[0] for s in F.component_style(d.shown, L)]
    trows = []
    for r in rows:
        g = int(res.risk_g[r])
        trows.append([cx.name(r)] + [L.mln(v) for v in d.shown_matrix[g]] +
                     [L.mln(d.shortfall[g])])
    doc.table("why", L("t_why"), L("t_why_cap", **cx.fmt),
              [L("col_name")] + labels + [L("col_total")], trows,
              "n" + "r" * (len(labels) + 1), cls="small")


def decomposition_rows(cx):
    """data/decomposition.csv: the numbers behind the figures of drivers."""
    d, res = cx.decomp, cx.res
    if d is None:
        return None
    head = ["code", "name", "rank", "flagged"] + d.names + ["total_eur", "mean_cum_shortfall_eur"]
    rows = [head]
    for r in why_rows(cx):
        g = int(res.risk_g[r])
        rows.append([res.risk["code"][r], res.risk["name"][r], str(int(res.risk["rank"][r])),
                     "1" if res.flagged[r] else "0"] +
                    ["%.2f" % v for v in d.matrix[g]] +
                    ["%.2f" % float(d.matrix[g].sum()), "%.2f" % float(res.mean_cum[r])])
    return rows


def section_when(doc, cx):
    res, L = cx.res, cx.L
    doc.sub("when", L("h_when"))
    doc.add("p", L("p_when"))
    reform = res.years >= res.start_year
    if not reform.any():  # a start year after the horizon: show every year
        reform = np.ones_like(reform)
    fb = res.risk["first_bottleneck_year"].astype(int)
    flag_years = [int(y) for y in res.years[reform]]
    flag_counts = [int(np.sum(fb[res.flagged] == y)) for y in flag_years]
    per_rep = None
    if res.first_exceed_count is not None:
        cnt = res.first_exceed_count
        ny = len(res.years)
        tot = cnt.sum(axis=1)
        R = float(tot.max()) if tot.size and tot.max() > 0 else float(res.R)
        avg = cnt[:, :ny].sum(axis=0) / R
        never = cnt[:, ny].sum() / R if cnt.shape[1] > ny else float("nan")
        per_rep = (res.years[reform], avg[reform], never)
    fig = F.fig_first_year(flag_years, flag_counts, per_rep, L, res.p_star)
    counts = ", ".join("%d: %d" % (y, c) for y, c in zip(flag_years, flag_counts) if c)
    doc.figure("first_year", L("f_first"),
               L("f_first_cap2") if per_rep is not None else L("f_first_cap1"),
               L("f_first_alt", y0=flag_years[0], y1=flag_years[-1],
                 counts=counts or L("no_flags_chart")), F.png_bytes(fig))


def region_rows(res):
    """Rows of the region table: dicts with name, members, flagged, and the
    region-level figures (p, lo, hi, flag, stable) when the file has them."""
    rows = []
    if res.region_risk is not None and "name" in res.region_risk:
        rr = res.region_risk
        for j, name in enumerate(rr["name"]):
            row = {"name": name}
            for k in ("members", "members_flagged", "members_flagged_pooled"):
                if k in rr:
                    row[k] = int(rr[k][j])
            if "p_max_year" in rr:
                p = float(rr["p_max_year"][j])
                se = float(rr["p_se"][j]) if "p_se" in rr else 0.0
                lo = float(rr["p_lo"][j]) if "p_lo" in rr else max(0.0, p - 1.96 * se)
                hi = float(rr["p_hi"][j]) if "p_hi" in rr else min(1.0, p + 1.96 * se)
                row.update(p=p, lo=lo, hi=hi,
                           flag=bool(rr["flagged"][j]) if "flagged" in rr else p >= res.p_star,
                           stable=(bool(rr["flag_stable"][j]) if "flag_stable" in rr
                                   else lo >= res.p_star or hi < res.p_star))
            rows.append(row)
        if all("members" in r and "members_flagged" in r for r in rows):
            return rows
        rows = []
    for rc in sorted(set(res.g_region)):
        members = [i for i, r in enumerate(res.g_region) if r == rc]
        name = res.g_name[res.index_of[rc]] if rc in res.index_of else rc
        rows.append({"name": name, "members": len(members),
                     "members_flagged": int(sum(res.g_flag[i] for i in members))})
    return rows


def section_regions(doc, cx, rrows):
    res, L = cx.res, cx.L
    doc.sub("regions", L("h_regions"))
    doc.add("p", L("p_regions"))
    full = all("p" in r for r in rrows)
    if full:
        order = sorted(range(len(rrows)), key=lambda j: (-rrows[j]["p"], j))
    else:
        order = sorted(range(len(rrows)), key=lambda j: (-rrows[j]["members_flagged"],
                                                         rrows[j]["name"]))
    rs = [rrows[j] for j in order]
    nflag = sum(1 for r in rs if r.get("flag"))
    fig = F.fig_regions(rs, full, res.p_star, L)
    doc.figure("regions", L("f_regions"), L("f_regions_cap") if full else L("f_regions_cap_min"),
               L("f_regions_alt", n=nflag, nr=len(rs)), F.png_bytes(fig))
    header = [L("col_region"), L("col_members"), L("col_mflag")]
    align = "lrr"
    pooled = all("members_flagged_pooled" in r for r in rs)
    if pooled:
        header.append(L("col_mflag_pool"))
        align += "r"
    if full:
        header += [L("col_p"), L("col_ci"), L("col_flag"), L("col_stable")]
        align += "rccc"
    rows = []
    for r in rs:
        row = [r["name"], str(r["members"]), str(r["members_flagged"])]
        if pooled:
            row.append(str(r["members_flagged_pooled"]))
        if full:
            row += [cx.pct(r["p"]), L.pct_range(r["lo"], r["hi"]),
                    L("yes") if r["flag"] else L("no"), L("yes") if r["stable"] else L("no")]
        rows.append(row)
    doc.table("regions", L("t_regions"), L("t_regions_cap") if full else L("t_regions_cap_min"),
              header, rows, align)


def section_national(doc, cx):
    res, L = cx.res, cx.L
    keys = [("clients_I_jan1", "care_I"), ("clients_A_jan1", "care_A"),
            ("clients_M_jan1", "care_M")]
    series = [(L(lab), res.national[q]) for q, lab in keys if F.has_fan(res.national.get(q))]
    cost, budget = res.national.get("cost_eur"), res.national.get("budget_eur")
    short = res.national.get("shortfall_eur")
    money = (F.has_fan(cost) and F.has_fan(budget)) or F.has_fan(short)
    if not series and not money:
        return
    doc.sub("national", L("h_national"))
    doc.add("p", L("p_national"))
    y0, y1 = int(res.years[0]), int(res.years[-1])
    if series:
        items = ", ".join("%s %s \u2192 %s" % (t, L.num(st["q50"][0]), L.num(st["q50"][-1]))
                          for t, st in series)
        fig = F.fig_clients(res.years, res.start_year, series, L)
        doc.figure("clients", L("f_clients"), L("f_clients_cap"),
                   L("f_clients_alt", y0=y0, y1=y1, items=items), F.png_bytes(fig))
    if money:
        fig = F.fig_money(res.years, res.start_year, cost, budget, short, L)
        m = short.get("mean") if short else None
        alt = (L("f_money_alt", y0=y0, y1=y1, s0=L.meur(m[0], 0), s1=L.meur(m[-1], 0))
               if m is not None else L("f_money") + ".")
        doc.figure("money", L("f_money"), L("f_money_cap"), alt, F.png_bytes(fig))


# --------------------------------------------------------------------------
# 3. Assumptions and limits
# --------------------------------------------------------------------------

def _is_null(v):
    return v is None or v is MISSING or v == "" or v == "null" or v == "~"


def assumption_items(cx):
    """The assumptions in words, and whether one of them is marked default."""
    res, L, P = cx.res, cx.L, cx.res.params
    items = []
    marked = [False]

    def mark(text, *keys):
        d = [P.is_default(k) for k in keys]
        if d and all(x is True for x in d):
            marked[0] = True
            return text + L("a_default")
        return text

    old = P.get("policy.old_regime_max_years")
    items.append(mark(L("a_start", S=res.start_year,
                        old="" if _is_null(old) else L("a_old_limit", n=old)),
                      "policy.start_year", "policy.old_regime_max_years"))
    mode = P.get("policy.ingroeipad.mode")
    if mode == "flow":
        cb = P.get("policy.ingroeipad.complete_by")
        items.append(mark(L("a_path_flow",
                            complete="" if _is_null(cb) else L("a_path_complete", y=cb)),
                          "policy.ingroeipad.mode", "policy.ingroeipad.complete_by"))
    elif mode == "linear":
        items.append(mark(L("a_path_linear", steps=P.get("policy.ingroeipad.steps")),
                          "policy.ingroeipad.mode", "policy.ingroeipad.steps"))
    elif mode == "custom":
        steps = P.get("policy.ingroeipad.custom")
        txt = (", ".join(L.pct(float(x)) for x in steps) if isinstance(steps, list)
               else Params.text(steps))
        items.append(L("a_path_custom", S=res.start_year, steps=txt))
    elif mode is not MISSING:
        items.append(L("a_path_other"))
    pool = res.pooling if res.pooling is not None else P.get("policy.pooling")
    if pool == "none":
        items.append(mark(L("a_pool_none"), "policy.pooling"))
    elif pool == "region":
        items.append(mark(L("a_pool_region"), "policy.pooling"))
    elif pool is not MISSING and pool is not None:
        items.append(L("a_pool_other"))
    mo = P.get("policy.mo_decentralise_year")
    if mo is not MISSING:
        items.append(mark(L("a_mo_central"), "policy.mo_decentralise_year") if _is_null(mo)
                     else L("a_mo_decentral", y=mo))
    items.append(mark(L("a_flag", **cx.fmt), "flags.threshold_eur_per_inhabitant",
                      "flags.p_star"))
    unc = P.get("uncertainty.enabled")
    if unc is False or unc in ("false", "off", "no"):
        items.append(L("a_unc_off"))
    elif unc is not MISSING:
        K = res.var_K or P.get("uncertainty.outer_draws")
        if K not in (None, MISSING, 0, "0"):
            items.append(L("a_unc_on") + L("a_unc_nested", K=K))
        else:
            items.append(mark(L("a_unc_on"), "uncertainty.enabled", "uncertainty.outer_draws"))
    rule = P.get("policy.bijsturing.rule")
    fy, ev = P.get("policy.bijsturing.first_year"), P.get("policy.bijsturing.every")
    if rule == "none":
        items.append(mark(L("a_bij_none"), "policy.bijsturing.rule"))
    elif rule == "pause":
        frac = P.get("policy.bijsturing.flag_fraction")
        items.append(L("a_bij_pause", y=fy, n=ev,
                       frac=L.pct(float(frac)) if isinstance(frac, (int, float)) else "?"))
    elif rule == "macro_correct":
        items.append(L("a_bij_macro", y=fy, n=ev))
    elif rule is not MISSING:
        items.append(L("a_bij_other"))
    items.append(L("a_repro", R=L.num(res.R)))
    return items, marked[0]


def assumptions(doc, cx):
    res, L = cx.res, cx.L
    doc.section("assume", L("h_assume"))
    doc.sub("assume_model", L("h_assume_model"))
    items, marked = assumption_items(cx)
    doc.add("ul", items)
    notes = []
    if marked:
        notes.append(L("a_default_note"))
    if not res.params.known:
        notes.append(L("a_unknown"))
    if notes:
        doc.add("p", " ".join(notes))
    doc.sub("conclude", L("h_conclude"))
    no = [L("c_no1"), L("c_no2", **cx.fmt)]
    if res.data_illustrative == 1:
        no.append(L("c_no3"))
    elif res.data_illustrative is None:
        no.append(L("c_no3_unknown"))
    no.append(L("c_no4"))
    doc.add("p_b", L("c_yes"))
    doc.add("ul", [L("c_yes1"), L("c_yes2")])
    doc.add("p_b", L("c_no"))
    doc.add("ul", no)
    doc.sub("data", L("h_data"))
    data = []
    if res.data_name and res.data_version:
        data.append(L("d_data", name=res.data_name, version=res.data_version))
    elif res.data_name:
        data.append(L("d_data_name", name=res.data_name))
    else:
        data.append(L("d_data_unknown"))
    if _data_date(cx):
        data.append(L("d_date", date=_data_date(cx)))
    if res.data_illustrative == 1:
        data.append(L("d_illustrative"))
    elif res.data_illustrative == 0:
        data.append(L("d_official"))
    data.append(L("d_money"))
    if cx.map_kind == "choropleth":
        data.append(L("d_map"))
    doc.add("ul", data)
    if cx.missing:
        doc.sub("missing", L("h_notes"))
        doc.add("notes", cx.missing)
    doc.end()


# --------------------------------------------------------------------------
# Appendix and footer
# --------------------------------------------------------------------------

def appendix(doc, cx):
    res, L, P = cx.res, cx.L, cx.res.params
    doc.section("tech", L("h_tech"), appendix=True)
    rows = [[k, L.label(k), Params.text(P.get(k))] for k in ASSUME_KEYS
            if P.get(k) is not MISSING]
    tabs = (["tech_tab_changed"] if P.changed else []) + (["tech_tab_settings"] if rows else [])
    doc.add("p", L("tech_intro") + " " + "; ".join(L(t) for t in tabs + ["tech_tab_file"]) + ".")
    if P.changed:
        doc.table("changed", L("t_changed"), L("t_changed_cap"),
                  [L("col_setting"), L("col_plain"), L("col_this"), L("col_default")],
                  [[k, L.label(k), v, d] for k, v, d in P.changed], "kllll")
    elif P.changed is not None:
        doc.add("p", L("t_all_default"))
    if rows:
        doc.table("settings", L("t_settings"), L("t_settings_cap"),
                  [L("col_setting"), L("col_plain"), L("col_this")], rows, "kll")
    frows = [[L("fi_params"), res.params_name]]
    if res.statistics:
        frows.append([L("fi_statistics"), res.statistics])
    if res.data_name or res.data_version:
        frows.append([L("fi_data"), ", ".join(x for x in (res.data_name, res.data_version) if x)])
    if cx.data_date:
        frows.append([L("fi_data_date"), cx.data_date])
    if res.data_illustrative is not None:
        frows.append([L("fi_illustrative"), str(res.data_illustrative)])
    for what, h in res.sha256:
        frows.append([L("fi_sha", what=what), h])
    file_table(doc, L, "results.h5", "bwsim-results %s" % (
        res.format_version if res.format_version is not None else "?"), res.version, res.R,
        res.seed, res.first_year, res.last_year, frows)
    tech = [L("tech_more")]
    if cx.decomp is not None:
        tech.append(L("tech_files"))
    tech += cx.tech
    doc.add("ul", tech)
    doc.end()


def file_table(doc, L, name, fmt, version, R, seed, y0, y1, extra):
    """The table of the file a report was made from (the appendix): file,
    format, bwsim version, simulations, seed, years, then the rows extra."""
    rows = [[L("fi_file"), name], [L("fi_format"), fmt], [L("fi_version"), version],
            [L("fi_R"), L.num(R)], [L("fi_seed"), str(seed)],
            [L("fi_years"), "%d\u2013%d" % (y0, y1)]] + [list(r) for r in extra]
    doc.table("file", L("t_file"), L("t_file_cap"), [L("col_item"), L("col_value")], rows, "lk")


def _data_date(cx):
    """params/data/VERSION of this bwsim when it says more than the file."""
    d = cx.data_date
    return d if d and d != cx.res.data_version else None


def meta_line(cx):
    """bwsim version and data version: under the title, and in the PDF at the
    foot of every page."""
    res, L = cx.res, cx.L
    parts = ["bwsim %s" % res.version]
    if res.data_version:
        parts.append(L("meta_data", data=res.data_version))
    if _data_date(cx):
        parts.append(L("meta_date", date=_data_date(cx)))
    return " \u00b7 ".join(parts)


def footer(cx):
    res, L = cx.res, cx.L
    s = L("footer", version=res.version)
    data = ", ".join(x for x in (res.data_name, res.data_version) if x)
    if data:
        s += L("footer_data", data=data)
    if _data_date(cx):
        s += L("footer_date", date=_data_date(cx))
    if cx.map_kind == "choropleth":
        s += " " + L("map_credit")
    return s
