#!/usr/bin/python3
"""Build the illustrative default data set (gemeenten.csv, regions.csv) from raw/.

Run: /usr/bin/python3 build.py   (standard library only)
See SOURCES.md for what is measured and what is constructed.
"""
import csv, json, math

RAW = "raw/"
BW_MACRO_2021 = 1_550_000_000   # IU beschermd wonen 2021, order of magnitude ("ruim 1,5 mld")
MO_MACRO_2021 = 385_000_000     # DU maatschappelijke opvang, order of magnitude

def obj_weight(r):
    """Default objective-model weight of one gemeente (docs/model.md §5, default verdeelmodel)."""
    return r["population"] * (0.2 + 1.0 * r["pct_single_person_hh"] / 100
                              + 1.0 * r["pct_nonwestern"] / 100
                              + 0.5 * (5 - r["urbanity"]) / 4)

def km(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))

cbs = list(csv.DictReader(open(RAW + "cbs_wijkbuurtkaart_2021_gemeenten.csv")))
cent = {c["id"]: c for c in json.load(open(RAW + "gemeente_centroids_2023.json"))}
merged = {r["code_2021"]: r["code_2023"] for r in csv.DictReader(open(RAW + "mergers_2022_2023.csv"))}
cg = {r["name"]: r["published_redistribution_effect"] for r in csv.DictReader(open(RAW + "centrumgemeenten.csv"))}
sourced = {r["gemeente_code"]: r["centrumgemeente_code"]
           for r in csv.DictReader(open(RAW + "region_membership_sourced.csv"))}

rows = []
for r in cbs:
    c = cent[merged.get(r["GM_CODE"], r["GM_CODE"])]
    name = c["name"] if c["id"] == r["GM_CODE"] else r["GM_NAAM"]  # CBS extract garbles non-ASCII names
    rows.append(dict(code=r["GM_CODE"], name=name, province=c["province"],
                     lat=round(c["center"]["lat"], 5), lon=round(c["center"]["lon"], 5),
                     population=int(r["AANT_INW"]), households=int(r["AANTAL_HH"]),
                     pct_single_person_hh=int(r["P_EENP_HH"]), pct_nonwestern=int(r["P_N_W_AL"]),
                     pct_age_15_24=int(r["P_15_24_JR"]), urbanity=int(r["STED"])))
centres = [r for r in rows if r["name"] in cg]
assert len(centres) == len(cg) == 43
# A region whose members a source lists is closed: the rest go to the nearest open centrumgemeente
# of their province.
closed = set(sourced.values())
for r in rows:
    if r["code"] in sourced:
        r["region"] = sourced[r["code"]]
    else:
        same = [c for c in centres if c["province"] == r["province"] and c["code"] not in closed]
        r["region"] = min(same, key=lambda c: km((r["lat"], r["lon"]), (c["lat"], c["lon"])))["code"]
    r["is_centrumgemeente"] = int(r["name"] in cg)
assert all(r["region"] == r["code"] for r in centres)

w_total = sum(obj_weight(r) for r in rows)
regions = []
for c in centres:
    members = [r for r in rows if r["region"] == c["code"]]
    obj = sum(obj_weight(r) for r in members) / w_total
    eff = cg[c["name"]]
    regions.append(dict(code=c["code"], name=c["name"], province=c["province"], n_gemeenten=len(members),
                        population=sum(r["population"] for r in members), obj_share=obj,
                        published_redistribution_effect=eff,
                        raw_hist=obj / (1 + float(eff)) if eff else obj))
raw_total = sum(g["raw_hist"] for g in regions)
for g in regions:
    g["hist_budget_bw_2021_eur"] = round(BW_MACRO_2021 * g.pop("raw_hist") / raw_total)
    g["hist_budget_mo_2021_eur"] = round(MO_MACRO_2021 * g.pop("obj_share"))

cols = ["code", "name", "province", "region", "is_centrumgemeente", "population", "households",
        "pct_single_person_hh", "pct_nonwestern", "pct_age_15_24", "urbanity", "lat", "lon"]
with open("gemeenten.csv", "w", newline="") as f:
    w = csv.DictWriter(f, cols, lineterminator="\n"); w.writeheader(); w.writerows(rows)
with open("regions.csv", "w", newline="") as f:
    w = csv.DictWriter(f, list(regions[0]), lineterminator="\n"); w.writeheader(); w.writerows(regions)
print(len(rows), "gemeenten,", len(regions), "regions")
