#!/usr/bin/python3
"""Plots of the `bwsim validate` report (sim/validate.c runs this with
/usr/bin/python3, no shell): reads the CSV files in DIR and writes

  fan_clients.png, fan_cost.png, fan_wlz_transfers.png
      both kernels' fan charts overlaid: the q05-q95 band and the median per
      year over the replications (fan.csv);
  residual_law.png
      the residual stays of the stock against the forward-recurrence density
      f(t) = S(t)/m, one panel per care type (residual_samples.csv,
      residual_density.csv, the KS result from validation.csv);
  index.html
      the validation table and every PNG embedded (base64).

Usage: validate_plots.py DIR
Exit codes: 0 done; 3 numpy or matplotlib missing (the last stderr line
says which); 1 anything else.
"""
import base64
import csv
import html
import os
import sys


def fail_import(err):
    sys.stderr.write("numpy/matplotlib not available to %s: %s\n" % (sys.executable, err))
    sys.exit(3)


try:
    import numpy as np
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except Exception as e:  # ImportError, or a broken installation
    fail_import(e)

TEXT = {
    "en": {
        "title": "bwsim validation report",
        "table": "Checks",
        "fan_clients": "BW clients (I + A) on 1 January",
        "fan_cost": "National BW + MO cost borne by gemeenten (EUR mln)",
        "fan_wlz": "Wlz transfers per year",
        "band": "q05-q95",
        "median": "median",
        "individual": "individual kernel",
        "counts": "count kernel",
        "no_counts": "count kernel not available: ",
        "year": "year",
        "resid_title": "Residual stay of the stock vs the forward-recurrence density",
        "resid_x": "residual stay R (years)",
        "resid_y": "density",
        "hist": "model draws",
        "density": "f(t) = S(t) / m",
        "censored": "censored at the horizon",
        "fan_caption": "Both kernels' fan charts overlaid: band = 5 %-95 % of the replications, line = median.",
        "resid_caption": "Histogram of the residual stays of one-client replications (uncensored part, "
        "scaled by all draws) against the forward-recurrence density; KS result in the panel.",
    },
    "nl": {
        "title": "bwsim validatierapport",
        "table": "Controles",
        "fan_clients": "BW-cliënten (I + A) op 1 januari",
        "fan_cost": "Landelijke kosten BW + MO voor gemeenten (EUR mln)",
        "fan_wlz": "Wlz-overgangen per jaar",
        "band": "q05-q95",
        "median": "mediaan",
        "individual": "individuele kernel",
        "counts": "telkernel",
        "no_counts": "telkernel niet beschikbaar: ",
        "year": "jaar",
        "resid_title": "Resterende verblijfsduur van de beginstand vs de dichtheid van de voorwaartse recurrentie",
        "resid_x": "resterende verblijfsduur R (jaren)",
        "resid_y": "dichtheid",
        "hist": "trekkingen model",
        "density": "f(t) = S(t) / m",
        "censored": "gecensureerd op de horizon",
        "fan_caption": "Waaiers van beide kernels over elkaar: band = 5 %-95 % van de replicaties, lijn = mediaan.",
        "resid_caption": "Histogram van de resterende verblijfsduur in replicaties met één cliënt "
        "(ongecensureerd deel, geschaald op alle trekkingen) tegen de dichtheid van de voorwaartse "
        "recurrentie; KS-uitkomst in het paneel.",
    },
}

COLOURS = {"individual": "#1f77b4", "counts": "#d62728"}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def save(fig, path):
    # no Software/date metadata: the same data give the same bytes
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


def kernel_series(rows, kernel, quantity, scale):
    sel = [r for r in rows if r["kernel"] == kernel and r["quantity"] == quantity]
    sel.sort(key=lambda r: int(r["year"]))
    years = np.array([int(r["year"]) for r in sel])
    q = {k: np.array([float(r[k]) for r in sel]) / scale for k in ("q05", "q50", "q95")}
    return years, q


def draw_fan(ax, rows, quantity, scale, t, first=None, rest=False):
    """Both kernels' q05-q95 bands and medians on ax; first/rest select the
    first year only (as intervals) or the years after it."""
    for j, kernel in enumerate(("individual", "counts")):
        years, q = kernel_series(rows, kernel, quantity, scale)
        if len(years) == 0:
            continue
        c = COLOURS[kernel]
        if first is not None:
            keep = years == first
            x = np.full(keep.sum(), 0.0 if kernel == "individual" else 1.0)
            ax.errorbar(x, q["q50"][keep], yerr=[q["q50"][keep] - q["q05"][keep], q["q95"][keep] - q["q50"][keep]],
                        fmt="o" if kernel == "individual" else "s", color=c, capsize=6, lw=2,
                        label="%s %s / %s" % (t[kernel], t["median"], t["band"]))
            continue
        if rest:
            keep = years > years[0]
            years = years[keep]
            q = {k: v[keep] for k, v in q.items()}
        hatch = None if kernel == "individual" else "//"
        ax.fill_between(years, q["q05"], q["q95"], color=c, alpha=0.22, hatch=hatch, linewidth=0,
                        label="%s %s" % (t[kernel], t["band"]))
        ax.plot(years, q["q50"], color=c, lw=2, ls="-" if kernel == "individual" else "--",
                label="%s %s" % (t[kernel], t["median"]))


def fan_chart(rows, quantity, title, scale, path, t, counts_note, split_first=False):
    if split_first:
        # the first year (the Wlz wave) is an order of magnitude above the
        # rest: its own panel, so that the later years stay readable
        fig, (a0, a1) = plt.subplots(1, 2, figsize=(8.5, 4.2), gridspec_kw={"width_ratios": [1, 3]})
        years, _ = kernel_series(rows, "individual", quantity, scale)
        first = int(years[0]) if len(years) else 0
        draw_fan(a0, rows, quantity, scale, t, first=first)
        a0.set_xticks([0, 1])
        a0.set_xticklabels(["%d\n%s" % (first, t["individual"].split()[0]), "%d\n%s" % (first, t["counts"].split()[0])],
                           fontsize=8)
        a0.set_xlim(-0.6, 1.6)
        a0.grid(alpha=0.3)
        draw_fan(a1, rows, quantity, scale, t, rest=True)
        a1.set_xlabel(t["year"])
        a1.grid(alpha=0.3)
        a1.legend(fontsize=8, loc="best")
        fig.suptitle(title)
        ax = a1
    else:
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        draw_fan(ax, rows, quantity, scale, t)
        ax.set_title(title)
        ax.set_xlabel(t["year"])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    if counts_note:
        ax.text(0.01, 0.01, counts_note, transform=ax.transAxes, fontsize=7, color="#555555",
                va="bottom", ha="left", wrap=True)
    fig.tight_layout()
    save(fig, path)


def residual_plot(samples, density, checks, path, t):
    cares = [c for c in ("I", "A", "M") if any(r["care"] == c for r in samples)]
    fig, axes = plt.subplots(1, max(1, len(cares)), figsize=(4.2 * max(1, len(cares)), 3.8), squeeze=False)
    for ax, care in zip(axes[0], cares):
        x = np.array([float(r["residual_years"]) for r in samples if r["care"] == care])
        cens = np.array([r["censored"] == "1" for r in samples if r["care"] == care])
        grid = [r for r in density if r["care"] == care]
        tt = np.array([float(r["t_years"]) for r in grid])
        ff = np.array([float(r["density"]) for r in grid])
        horizon = tt[-1] if len(tt) else (x.max() if len(x) else 1.0)
        n = len(x)
        bins = np.linspace(0.0, horizon, 45)
        width = bins[1] - bins[0]
        unc = x[~cens]
        # scaled by all n draws so that the bars estimate f(t) on [0, horizon)
        ax.hist(unc, bins=bins, weights=np.full(len(unc), 1.0 / (n * width)), color="#1f77b4",
                alpha=0.55, label="%s (n = %d)" % (t["hist"], n))
        ax.plot(tt, ff, color="black", lw=1.8, label=t["density"])
        k = grid[0]["weibull_k"] if grid else "?"
        m = grid[0]["mean_years"] if grid else "?"
        ks = next((c for c in checks if c["id"] == "residual_law_ks_" + care), None)
        label = "%s: Weibull k = %s, m = %s" % (care, k, m)
        ax.set_title(label, fontsize=10)
        if ks is not None:
            detail = ks["detail"].split(";")[0]
            ax.text(0.97, 0.70, "%s\n%s" % (detail, ks["status"]), transform=ax.transAxes, ha="right",
                    va="top", fontsize=8)
        if cens.any():
            ax.text(0.97, 0.50, "%d %s" % (int(cens.sum()), t["censored"]), transform=ax.transAxes,
                    ha="right", va="top", fontsize=7, color="#555555")
        ax.set_xlabel(t["resid_x"])
        ax.set_ylabel(t["resid_y"])
        ax.set_xlim(0, horizon)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle(t["resid_title"], fontsize=10)
    fig.tight_layout()
    save(fig, path)


def embed(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode("ascii")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: validate_plots.py DIR\n")
        return 1
    d = sys.argv[1]
    meta = {}
    with open(os.path.join(d, "report_meta.csv"), newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) >= 2:
                meta[row[0]] = row[1]
    lang = meta.get("lang", "en")
    t = TEXT.get(lang, TEXT["en"])
    counts_note = "" if meta.get("counts_kernel") == "yes" else t["no_counts"] + meta.get("counts_reason", "")
    fan = read_csv(os.path.join(d, "fan.csv"))
    checks = read_csv(os.path.join(d, "validation.csv"))
    samples = read_csv(os.path.join(d, "residual_samples.csv"))
    density = read_csv(os.path.join(d, "residual_density.csv"))

    figures = [
        ("fan_clients.png", t["fan_clients"], t["fan_caption"]),
        ("fan_cost.png", t["fan_cost"], t["fan_caption"]),
        ("fan_wlz_transfers.png", t["fan_wlz"], t["fan_caption"]),
        ("residual_law.png", t["resid_title"], t["resid_caption"]),
    ]
    fan_chart(fan, "clients_IA_jan1", t["fan_clients"], 1.0, os.path.join(d, "fan_clients.png"), t, counts_note)
    fan_chart(fan, "cost_eur", t["fan_cost"], 1e6, os.path.join(d, "fan_cost.png"), t, counts_note)
    fan_chart(fan, "wlz_transfers", t["fan_wlz"], 1.0, os.path.join(d, "fan_wlz_transfers.png"), t, counts_note,
              split_first=True)
    residual_plot(samples, density, checks, os.path.join(d, "residual_law.png"), t)

    with open(os.path.join(d, "validation.txt"), encoding="utf-8") as f:
        table = f.read()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="%s"><head><meta charset="utf-8"><title>%s</title>' % (lang, html.escape(t["title"])),
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "pre{font-size:11px;overflow-x:auto;background:#f6f6f6;padding:1em}"
        "img{max-width:100%;border:1px solid #ddd}figure{margin:2em 0}</style></head><body>",
        "<h1>%s</h1>" % html.escape(t["title"]),
        "<h2>%s</h2>" % html.escape(t["table"]),
        "<pre>%s</pre>" % html.escape(table),
    ]
    for name, title, caption in figures:
        parts.append('<figure><h2>%s</h2><img alt="%s" src="data:image/png;base64,%s">'
                     "<figcaption>%s</figcaption></figure>"
                     % (html.escape(title), html.escape(name), embed(os.path.join(d, name)), html.escape(caption)))
    parts.append("</body></html>\n")
    with open(os.path.join(d, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except Exception as e:
        sys.stderr.write("validate_plots.py: %s: %s\n" % (type(e).__name__, e))
        sys.exit(1)
