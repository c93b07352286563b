#!/usr/bin/python3
"""Synthetic compare.h5 and sweep.h5 for the tests of sim/report_compare.py.

    make_fixture.py compare OUTDIR [--format-version N] [--format NAME]
    make_fixture.py sweep OUTDIR [--keys K] [--format-version N] [--format NAME]

Writes OUTDIR/compare.h5 or OUTDIR/sweep.h5 in the layout that `bwsim compare`
and `bwsim sweep` write (docs/report.md, "Comparison and sweep reports"), with
the gemeenten, centroids and regions of params/data and made-up but coherent
numbers: flags follow the probabilities, stable flags follow the Wilson
intervals, flag changes follow the flags of base and scenario. Deterministic:
a fixed seed, no dates. --format-version and --format write a file that the
report must refuse.
"""

import argparse
import csv
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "params", "data"))
STR = h5py.string_dtype("utf-8")
R = 200            # replications
P_STAR = 0.5
THETA = 15.0
FIRST, LAST, START = 2021, 2031, 2022
NATIONAL = ["shortfall_eur", "cost_eur", "budget_eur", "clients_I_jan1", "clients_A_jan1",
            "clients_M_jan1"]


def read_csv(name):
    with open(os.path.join(DATA, name), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def gemeenten():
    g = read_csv("gemeenten.csv")
    r = read_csv("regions.csv")
    rindex = {row["code"]: i for i, row in enumerate(r)}
    return g, r, rindex


def wilson(p, n, z=1.96):
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return np.clip(c - h, 0, 1), np.clip(c + h, 0, 1)


def root_attrs(f, fmt, version):
    f.attrs["format"] = fmt
    f.attrs["format_version"] = np.int64(version)
    f.attrs["bwsim_version"] = "0.2.0-test"
    f.attrs["seed"] = np.uint64(20210101)
    f.attrs["replications"] = np.int64(R)
    f.attrs["theta_eur_per_inhabitant"] = THETA
    f.attrs["p_star"] = P_STAR
    f.attrs["first_year"] = np.int64(FIRST)
    f.attrs["last_year"] = np.int64(LAST)


def strings(group, name, values):
    group.create_dataset(name, data=np.array(values, dtype=object), dtype=STR)


def scenario_stats(p, pop, cum, rng):
    """The per-scenario datasets of one scenario from its probabilities."""
    ng = len(p)
    lo, hi = wilson(p, R)
    flagged = (p >= P_STAR).astype(np.int32)
    stable = ((lo >= P_STAR) | (hi < P_STAR)).astype(np.int32)
    first = np.where(flagged == 1, rng.integers(START + 1, LAST + 1, ng), 0).astype(np.int32)
    cum_se = np.abs(cum) * 0.08 + pop * 2.0
    return {"p_max_year": p, "p_se": np.sqrt(p * (1 - p) / R), "p_lo": lo, "p_hi": hi,
            "flagged": flagged, "flag_stable": stable, "first_bottleneck_year": first,
            "cum_mean": cum, "cum_se": cum_se, "cum_q95": cum + 1.645 * cum_se * np.sqrt(R)}


def national_block(years, level, spread, rng):
    ny = len(years)
    out = {}
    for k, s in (("mean", 0.0), ("q05", -1.645), ("q50", 0.0), ("q95", 1.645)):
        rows = []
        for j, lv in enumerate(level):
            t = np.arange(ny, dtype=float)
            rows.append(lv * (1 + 0.02 * t) + s * spread[j] * np.sqrt(1 + t))
        out[k] = np.array(rows)
    return out


def write_compare(path, version, fmt):
    rng = np.random.default_rng(12345)
    g, r, rindex = gemeenten()
    ng, nr = len(g), len(r)
    years = np.arange(FIRST, LAST + 1)
    ny, nq = len(years), len(NATIONAL)
    pop = np.array([float(x["population"]) for x in g])
    region = np.array([rindex[x["region"]] for x in g], dtype=np.int32)

    # base: a logistic risk score; the scenarios move it
    score = rng.normal(-1.2, 1.1, ng)
    p0 = np.round(1 / (1 + np.exp(-score)) * R) / R
    cum0 = (score + 1.0) * pop * 40.0
    names = ["standaard", "lineair_ingroeipad", "regionale_verevening"]
    changed = ["", "policy.ingroeipad.mode: flow -> linear\npolicy.ingroeipad.steps: 10 -> 6",
               "policy.pooling: none -> region"]
    same = [0, 0, 1]
    scen_p = [p0]
    scen_cum = [cum0]
    # scenario 1: more risk in the east, less in the west; scenario 2: smaller moves
    lon = np.array([float(x["lon"]) for x in g])
    for k, amp in ((1, 1.0), (2, 0.45)):
        shift = amp * (0.9 * (lon - 5.3) + rng.normal(0, 0.35, ng))
        pk = np.round(1 / (1 + np.exp(-(score + shift))) * R) / R
        scen_p.append(pk)
        scen_cum.append(cum0 + shift * pop * 25.0)

    with h5py.File(path, "w", track_order=True) as f:
        root_attrs(f, fmt, version)
        f.create_dataset("years", data=years.astype(np.int32))
        gg = f.create_group("gemeenten")
        strings(gg, "code", [x["code"] for x in g])
        strings(gg, "name", [x["name"] for x in g])
        strings(gg, "province", [x["province"] for x in g])
        gg.create_dataset("region", data=region)
        gg.create_dataset("lat", data=np.array([float(x["lat"]) for x in g]))
        gg.create_dataset("lon", data=lon)
        gg.create_dataset("population", data=pop)
        rg = f.create_group("regions")
        strings(rg, "code", [x["code"] for x in r])
        strings(rg, "name", [x["name"] for x in r])
        strings(f.create_group("national"), "quantity", NATIONAL)
        sg = f.create_group("scenarios")
        strings(sg, "name", names)
        strings(sg, "changed", changed)
        sg.create_dataset("same_clients", data=np.array(same, dtype=np.int32))
        strings(sg, "params_yaml", ["run: {name: %s}\n" % n for n in names])

        level = np.array([-20e6, 3.4e9, 3.42e9, 21000, 12000, 11000])
        spread = np.array([60e6, 40e6, 10e6, 300, 200, 200])
        stats = []
        for k in range(len(names)):
            st = scenario_stats(scen_p[k], pop, scen_cum[k], rng)
            rp = np.array([scen_p[k][region == j].mean() for j in range(nr)])
            st["region_p_max_year"] = rp
            st["region_flagged"] = (rp >= P_STAR).astype(np.int32)
            lv = level.copy()
            lv[0] += 15e6 * k
            st.update({"national_" + s: v for s, v in
                       national_block(years, lv, spread, rng).items()})
            stats.append(st)
            grp = f.create_group("scenario/%d" % k)
            grp.attrs["name"] = names[k]
            for key, v in st.items():
                grp.create_dataset(key, data=v)

        for k in range(1, len(names)):
            b, s = stats[0], stats[k]
            grp = f.create_group("delta/%d" % k)
            grp.attrs["name"] = names[k]
            d_cum = s["cum_mean"] - b["cum_mean"]
            se_u = np.sqrt(b["cum_se"] ** 2 + s["cum_se"] ** 2)
            # paired: the chance that both scenarios share drops out of the difference;
            # budget side only (same clients): almost all of it
            se_p = se_u * (rng.uniform(0.02, 0.06, ng) if same[k] else rng.uniform(0.15, 0.35, ng))
            d_p = s["p_max_year"] - b["p_max_year"]
            p_u = np.sqrt(b["p_se"] ** 2 + s["p_se"] ** 2)
            p_p = p_u * rng.uniform(0.2, 0.45, ng)
            fc = s["flagged"] - b["flagged"]
            fcs = ((b["flag_stable"] == 1) & (s["flag_stable"] == 1)).astype(np.int32)
            w = pop / pop.sum()
            r_cum = np.array([d_cum[region == j].sum() for j in range(nr)])
            r_se = np.array([np.sqrt((se_p[region == j] ** 2).sum()) for j in range(nr)])
            r_p = s["region_p_max_year"] - b["region_p_max_year"]
            # the national difference per year: its spread is narrower than either scenario's
            nat = {"mean": s["national_mean"] - b["national_mean"]}
            t = np.arange(1, ny + 1, dtype=float)
            for q, z in (("q05", -1.645), ("q50", 0.0), ("q95", 1.645)):
                nat[q] = nat["mean"] + z * (0.3 * np.abs(nat["mean"]) + 2e6 * t)
            nat_se = (nat["q95"] - nat["q05"]) / (2 * 1.645 * np.sqrt(R))
            data = {"cum_mean": d_cum, "cum_se_paired": se_p, "cum_se_unpaired": se_u,
                    "p_max_year": d_p, "p_se_paired": p_p, "p_se_unpaired": p_u,
                    "flag_change": fc.astype(np.int32), "flag_change_stable": fcs,
                    "region_cum_mean": r_cum, "region_cum_se_paired": r_se,
                    "region_p_max_year": r_p,
                    "region_p_se_paired": np.full(nr, float(np.sqrt((w * p_p ** 2).sum()))),
                    "region_flag_change": (s["region_flagged"] - b["region_flagged"]).astype(np.int32),
                    "national_mean": nat["mean"], "national_se_paired": nat_se,
                    "national_q05": nat["q05"], "national_q50": nat["q50"],
                    "national_q95": nat["q95"]}
            for key, v in data.items():
                grp.create_dataset(key, data=v)
        assert nq == f["scenario/0/national_mean"].shape[0]


def write_sweep(path, version, fmt, n_keys):
    rng = np.random.default_rng(54321)
    g, _, _ = gemeenten()
    ng = len(g)
    pop = np.array([float(x["population"]) for x in g])
    axes = [("policy.ingroeipad.steps", ["4", "6", "8", "10"]),
            ("policy.pooling", ["none", "region"]),
            ("budget.budget_index", ["0.015", "0.02", "0.025"])][:n_keys]
    grids = np.meshgrid(*[np.arange(len(v)) for _, v in axes], indexing="ij")
    idx = np.stack([x.ravel() for x in grids], axis=1)  # [P, K], first key slowest
    P = idx.shape[0]
    values = [[axes[k][1][idx[i, k]] for k in range(n_keys)] for i in range(P)]

    def num(s):
        try:
            return float(s)
        except ValueError:
            return float("nan")

    numeric = np.array([[num(v) for v in row] for row in values])
    score = rng.normal(-1.2, 1.1, ng)
    meas = {m: np.zeros(P) for m in ("national_shortfall_mean_eur", "national_shortfall_q95_eur",
                                     "positive_shortfall_sum_eur",
                                     "max_q95_shortfall_per_inhabitant_eur")}
    ses = {m: np.zeros(P) for m in meas}
    pm = np.zeros((P, ng))
    cm = np.zeros((P, ng))
    for i in range(P):
        shift = 0.0
        if n_keys >= 1:
            shift += 0.18 * (numeric[i, 0] - 7)
        if n_keys >= 2:
            shift += -0.4 if values[i][1] == "region" else 0.0
        if n_keys >= 3:
            shift += -60 * (numeric[i, 2] - 0.02)
        s = score + shift + rng.normal(0, 0.15, ng)
        pm[i] = np.round(1 / (1 + np.exp(-s)) * R) / R
        cm[i] = (s + 1.0) * pop * 40.0
        meas["national_shortfall_mean_eur"][i] = cm[i].sum() / 8
        meas["national_shortfall_q95_eur"][i] = cm[i].sum() / 8 + 250e6
        meas["positive_shortfall_sum_eur"][i] = np.clip(cm[i], 0, None).sum()
        meas["max_q95_shortfall_per_inhabitant_eur"][i] = float(np.max(cm[i] / pop)) * 1.3
        for m in meas:
            ses[m][i] = abs(meas[m][i]) * 0.03 + 1e6 * (m != "max_q95_shortfall_per_inhabitant_eur")
    lo, hi = wilson(pm, R)
    flagged = (pm >= P_STAR).astype(np.int32)
    stable = ((lo >= P_STAR) | (hi < P_STAR)).astype(np.int32)

    with h5py.File(path, "w", track_order=True) as f:
        root_attrs(f, fmt, version)
        gr = f.create_group("grid")
        strings(gr, "keys", [k for k, _ in axes])
        gr.create_dataset("values", data=np.array(values, dtype=object), dtype=STR)
        gr.create_dataset("numeric", data=numeric)
        pt = f.create_group("points")
        for m in meas:
            pt.create_dataset(m, data=meas[m])
            pt.create_dataset(m + "_se", data=ses[m])
        pt.create_dataset("n_flagged", data=flagged.sum(axis=1).astype(np.int32))
        pt.create_dataset("n_flagged_stable", data=(flagged & stable).sum(axis=1).astype(np.int32))
        gg = f.create_group("gemeenten")
        strings(gg, "code", [x["code"] for x in g])
        strings(gg, "name", [x["name"] for x in g])
        f.create_dataset("p_max_year", data=pm)
        f.create_dataset("cum_mean", data=cm)
        f.create_dataset("flagged", data=flagged)
        f.create_dataset("flag_stable", data=stable)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("compare", "sweep"))
    ap.add_argument("outdir")
    ap.add_argument("--keys", type=int, default=1, choices=(1, 2, 3))
    ap.add_argument("--format-version", type=int, default=1)
    ap.add_argument("--format", default=None, help="the format attribute (default: bwsim-KIND)")
    a = ap.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    fmt = a.format or "bwsim-" + a.kind
    path = os.path.join(a.outdir, a.kind + ".h5")
    if a.kind == "compare":
        write_compare(path, a.format_version, fmt)
    else:
        write_sweep(path, a.format_version, fmt, a.keys)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
