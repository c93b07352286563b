#!/usr/bin/python3
"""bwsim report: the report of a scenario comparison or a parameter sweep.

    report_compare.py DIR|FILE --out OUTDIR [--lang nl|en] [--quiet]

Reads DIR/compare.h5 (written by `bwsim compare`) or DIR/sweep.h5 (written by
`bwsim sweep`), or the .h5 file named, checks its `format` and
`format_version`, and writes into OUTDIR only:

    OUTDIR/report.html     self-contained: figures embedded as base64 PNG
    OUTDIR/report.pdf      the same HTML laid out by WeasyPrint (Debian package
                           weasyprint); without it, no PDF and a warning
    OUTDIR/figures/*.png   the figures

`bwsim report` (sim/report_cmd.c) runs this script into a temporary directory
and moves it to DIR/report only when it succeeded. The package sim/bwreport
(the run report) lends the number formats and plain names of parameters
(texts.py), the map on the gemeente boundaries and the figure helpers
(figures.py, geo.py), the document with its numbered figures and tables
(html.py), the PDF (pdf.py) and the format check (reader.py).

Every statement in the text is computed from the file. Deterministic: the
same file gives the same bytes (no dates, fixed hash salt, PNGs without
metadata, the PDF's font subsets stamped with a fixed SOURCE_DATE_EPOCH).
Exit codes: 0 ok, 2 the file is not one this script reads (format, version,
missing dataset), 3 numpy, h5py or matplotlib missing.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# bwreport checks numpy, h5py and matplotlib (exit 3 with what to install), selects the Agg
# backend and fixes fonts and the SVG hash salt
from bwreport import figures as F, geo, texts  # noqa: E402
from bwreport.cli import parse_args, write_outputs  # noqa: E402
from bwreport.html import Doc  # noqa: E402
from bwreport.reader import FormatError as FileError, check_format as _check_format  # noqa: E402
from bwreport.reader import h5str as _str  # noqa: E402
from bwreport.run import file_table as run_file_table  # noqa: E402
import numpy as np  # noqa: E402
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

FORMATS = {"bwsim-compare": ((1,), "comparison"), "bwsim-sweep": ((1,), "sweep")}
FILES = ("compare.h5", "sweep.h5")
TOP_DELTA = 15   # rows of the table of largest changes per scenario
MAX_CHANGERS = 40  # rows of the sweep's table of gemeenten whose flag changes
MAX_PANELS = 12  # small multiples of a sweep with more than two keys
MAP_NAMES = 10   # gemeenten named on a map of change
Z95 = 1.96
C_UP = "#b2182b"
C_DOWN = "#2166ac"
C_LINE = "#333333"

MEASURES = ("national_shortfall_mean_eur", "national_shortfall_q95_eur",
            "positive_shortfall_sum_eur", "max_q95_shortfall_per_inhabitant_eur")

# --------------------------------------------------------------------------
# Texts. Every sentence a reader sees is here or in bwreport/texts.py (COMMON),
# in both languages; [[fig:KEY]] and [[tab:KEY]] become "figuur 3" / "Table 2",
# linked, when the page is written.
# --------------------------------------------------------------------------

T = {
    "nl": {
        "footer": "Gemaakt met bwsim {version} (bwsim report) uit {file} "
                  "(bestandsformaat {fmt}, versie {fv}).",
        "warn_pdf": "report_compare.py: waarschuwing: WeasyPrint (Debian-pakket weasyprint) is "
                    "niet ge\u00efnstalleerd: alleen report.html is gemaakt, geen report.pdf. "
                    "Installeer het met bash scripts/setup.sh run.",
        # ---- comparison
        "c_title": "Beschermd wonen en maatschappelijke opvang: scenario\u2019s vergeleken",
        "c_sub": "Basisscenario \u2018{base}\u2019 en {n} {scen_word} \u2014 bwsim {version}, "
                 "{R} gesimuleerde toekomsten per scenario, seed {seed}",
        "scen_1": "ander scenario", "scen_n": "andere scenario\u2019s",
        "c_intro": "Dit rapport laat zien wat er verandert als de regels of aannames anders zijn "
                   "dan in het basisscenario \u2018{base}\u2019. Alle scenario\u2019s zijn "
                   "doorgerekend met dezelfde {R} gesimuleerde toekomsten: dezelfde cli\u00ebnten, "
                   "op dezelfde momenten, waar het scenario dat niet zelf verandert. Een verschil "
                   "tussen twee scenario\u2019s komt daardoor door het scenario en nauwelijks door "
                   "toeval. Een kans is het aandeel van de toekomsten waarin iets gebeurt; een "
                   "gemeente krijgt een signaal als in minstens \u00e9\u00e9n jaar de kans op een "
                   "tekort van meer dan {theta} per inwoner {pstar} of meer is. Bedragen zijn in "
                   "miljoenen euro\u2019s.",
        "c_h_overview": "In het kort",
        "c_overview": "[[tab:overview]] zet de scenario\u2019s naast elkaar; daarna volgt per "
                      "scenario een pagina met de uitkomsten, de kaart, het landelijke verschil "
                      "per jaar en de gemeenten die het meest veranderen.",
        "t_overview": "De scenario\u2019s naast elkaar",
        "t_overview_cap": "Per scenario: het aantal gemeenten met een signaal (in de basis en in het "
                          "scenario), hoeveel er een signaal bij krijgen of verliezen, hoeveel van "
                          "die veranderingen statistisch stabiel zijn, en het verschil in het "
                          "landelijke tekort over {y0}\u2013{y1} samen.",
        "col_scenario": "Scenario", "col_flags": "Signalen (basis \u2192 scenario)",
        "col_gained": "Erbij", "col_lost": "Eraf", "col_stable_ch": "Waarvan stabiel",
        "col_dnat": "Verschil landelijk tekort",
        "c_h_scen": "\u2018{name}\u2019 vergeleken met \u2018{base}\u2019",
        "c_changes": "Dit scenario wijkt op {n} {punt} af van \u2018{base}\u2019: {list} "
                     "(technische details: [[tab:tech]]).",
        "punt_1": "punt", "punt_n": "punten",
        "c_change_item": "{label}: {new} in plaats van {old}",
        "c_change_item_novalue": "{label}: anders",
        "c_no_changes": "Dit scenario heeft dezelfde instellingen als \u2018{base}\u2019.",
        "c_same_clients": "Alleen de budgetkant verschilt: de cli\u00ebnten zijn \u00e9\u00e9n keer "
                          "gesimuleerd en in beide scenario\u2019s precies dezelfde. Elk verschil "
                          "komt dus uit de verdeling van het geld.",
        "c_shared": "Beide scenario\u2019s gebruiken dezelfde toevalstrekkingen; waar het scenario "
                    "de cli\u00ebnten verandert, verschillen ook de cli\u00ebnten.",
        "c_flags": "In scenario \u2018{name}\u2019 {gain} en {lose}; {stable}.",
        "c_gain_0": "krijgt geen enkele gemeente een signaal erbij",
        "c_gain_1": "krijgt 1 gemeente een signaal erbij",
        "c_gain_n": "krijgen {n} gemeenten een signaal erbij",
        "c_lose_0": "verliest geen enkele gemeente er een",
        "c_lose_1": "verliest 1 gemeente er een", "c_lose_n": "verliezen {n} gemeenten er een",
        "c_stable_1": "{s} van deze veranderingen is statistisch stabiel",
        "c_stable_n": "{s} van deze veranderingen zijn statistisch stabiel",
        "c_stable_only1": "deze verandering is {not_}statistisch stabiel",
        "c_flags_none": "In scenario \u2018{name}\u2019 krijgt geen enkele gemeente een signaal erbij "
                        "en verliest er geen een.",
        "c_flags_total": "Daarmee hebben {n1} van de {ng} gemeenten een signaal (in de basis {n0}). "
                         "Stabiel betekent: in beide scenario\u2019s ligt het 95%-interval van de "
                         "kans helemaal aan \u00e9\u00e9n kant van de kansgrens {pstar}, zodat meer "
                         "simulaties de verandering niet ongedaan maken. De gemeenten staan in "
                         "[[tab:flags_{k}]].",
        "c_flags_total_none": "Zoals in de basis hebben {n1} van de {ng} gemeenten een signaal.",
        "c_map": "De kaart ([[fig:map_{k}]]) laat per gemeente zien hoeveel de kans op een signaal "
                 "stijgt of daalt: bij {up} gemeenten stijgt die met 5 procentpunt of meer, bij "
                 "{down} daalt die met 5 procentpunt of meer.",
        "c_sig": "Bij {n} van de {ng} gemeenten is het verschil in het tekort over de jaren groter "
                 "dan de toevalsmarge: {up} hoger, {down} lager.",
        "c_top": "Het grootst is de verandering in {name}: {d} over {y0}\u2013{y1} samen "
                 "({pi} per inwoner). [[tab:top_{k}]] toont de {n} gemeenten met de grootste "
                 "verandering.",
        "c_nat": "Landelijk is het tekort over {y0}\u2013{y1} samen gemiddeld {amt} {dir} dan in "
                 "\u2018{base}\u2019.",
        "c_nat_year": "In {y} ligt het verschil in 90% van de gesimuleerde toekomsten tussen "
                      "{lo} en {hi} ([[fig:fan_{k}]]).",
        "c_nat_same": "Landelijk is het tekort over {y0}\u2013{y1} samen even groot als in "
                      "\u2018{base}\u2019 (het verschil is kleiner dan {amt}).",
        "higher": "hoger", "lower": "lager",
        "c_regions": "Per regio (een centrumgemeente en haar gemeenten samen) krijgen {g} van de "
                     "{nr} regio\u2019s een signaal erbij en verliezen {l} er een.",
        "c_regions_none": "Geen enkele regio (een centrumgemeente en haar gemeenten samen) krijgt "
                          "een signaal erbij of verliest er een.",
        "c_h_paired": "Waarom een verschil nauwkeuriger is dan elk scenario apart",
        "c_paired": "Elke uitkomst heeft een marge, omdat het aantal gesimuleerde toekomsten "
                    "beperkt is. Omdat de scenario\u2019s dezelfde toekomsten delen, valt het "
                    "toeval dat ze gemeen hebben weg uit hun verschil. De marge van een verschil "
                    "is daardoor veel kleiner dan wanneer elk scenario met eigen, andere "
                    "toekomsten was doorgerekend. De marges in dit rapport zijn die van het "
                    "gekoppelde verschil.",
        "c_paired_item": "\u2018{name}\u2019: de marge van het verschil in tekort is (mediaan "
                         "over de gemeenten) {r} keer zo klein als zonder gedeelde toekomsten: "
                         "even nauwkeurig als {x} keer zoveel los doorgerekende simulaties. Voor de kans op een "
                         "signaal is de marge {rp} keer zo klein.",
        "c_paired_item_nop": "\u2018{name}\u2019: de marge van het verschil in tekort is (mediaan "
                             "over de gemeenten) {r} keer zo klein als zonder gedeelde "
                             "toekomsten: even nauwkeurig als {x} keer zoveel los doorgerekende "
                             "simulaties.",
        "c_paired_equal": "\u2018{name}\u2019: de marge van het verschil in tekort is (mediaan "
                          "over de gemeenten) ongeveer even groot als zonder gedeelde toekomsten "
                          "(verhouding {r}): dit scenario verandert de cli\u00ebnten zo sterk dat "
                          "het delen weinig oplevert.",
        "c_paired_p_equal": " Voor de kans op een signaal is de marge ongeveer even groot.",
        "c_paired_zero": "\u2018{name}\u2019: bij {n} van de {ng} gemeenten heeft het verschil in "
                         "tekort helemaal geen toevalsmarge: daar verandert alleen het budget, "
                         "niet de cli\u00ebnten.",
        "f_map": "Verandering van de kans op een signaal: \u2018{name}\u2019 tegenover "
                 "\u2018{base}\u2019",
        "f_map_cap": "De kleur van elke gemeente is de verandering van haar signaalkans in "
                     "procentpunten (rood: hoger, blauw: lager, wit: gelijk). Driehoek omhoog: "
                     "signaal erbij; driehoek omlaag: signaal eraf. Dikke lijnen: grenzen van de "
                     "regio\u2019s. Namen: de {n} gemeenten met de grootste verandering. {credit}",
        "f_map_cap_dots": "Elke stip is een gemeente op haar middelpunt; de oppervlakte volgt het "
                          "aantal inwoners, de kleur de verandering van de signaalkans in "
                          "procentpunten (rood: hoger, blauw: lager, wit: gelijk). Driehoek "
                          "omhoog: signaal erbij; driehoek omlaag: signaal eraf. Namen: de {n} "
                          "gemeenten met de grootste verandering.",
        "f_map_alt": "Kaart van Nederland met de gemeenten gekleurd naar de verandering van de "
                     "kans op een signaal van \u2018{name}\u2019 tegenover \u2018{base}\u2019 "
                     "(rood hoger, blauw lager); driehoeken markeren {g} gemeenten met een signaal "
                     "erbij en {l} met een signaal eraf.",
        "ax_dp": "verandering signaalkans (procentpunt)",
        "lg_gain": "signaal erbij", "lg_lose": "signaal eraf",
        "f_fan": "Verschil in het landelijke tekort per jaar: \u2018{name}\u2019 tegenover "
                 "\u2018{base}\u2019",
        "f_fan_cap": "Het landelijke tekort min dat van \u2018{base}\u2019, per jaar, in "
                     "miljoenen euro\u2019s: de lijn is het gemiddelde verschil, de band bevat "
                     "90% van de gesimuleerde toekomsten (5%\u201395%). Boven nul: het scenario "
                     "heeft een groter tekort. Elk scenario heeft dezelfde verticale schaal.",
        "f_fan_alt": "Lijngrafiek van het verschil in landelijk tekort per jaar ({y0}\u2013{y1}) "
                     "van \u2018{name}\u2019 tegenover \u2018{base}\u2019, met een band van 90% van de "
                     "gesimuleerde toekomsten.",
        "ax_dnat": "verschil in tekort (\u20ac\u00a0mln)",
        "lg_mean": "gemiddeld verschil", "lg_band": "90% van de toekomsten",
        "t_flags": "Signalen erbij en eraf: \u2018{name}\u2019",
        "t_flags_cap": "De gemeenten waarvan het signaal verandert, met de kans op een signaal in "
                       "beide scenario\u2019s en het 95%-interval daarvan, het verschil met zijn "
                       "marge (95%, gekoppeld) en of de verandering statistisch stabiel is.",
        "t_flags_none": "Geen gemeente krijgt of verliest een signaal.",
        "col_gemeente": "Gemeente", "col_change": "Signaal", "col_p_base": "Kans in de basis",
        "col_p_scen": "Kans in het scenario", "col_dp": "Verschil (procentpunt)",
        "gained": "erbij", "lost": "eraf",
        "t_top": "Grootste veranderingen in het tekort: \u2018{name}\u2019",
        "t_top_cap": "De {n} gemeenten waarvan het tekort over {y0}\u2013{y1} samen het meest "
                     "verandert (gemiddeld, scenario min basis), met de marge (95%, gekoppeld), "
                     "het verschil per inwoner, het tekort in de basis en het signaal in beide "
                     "scenario\u2019s.",
        "col_dcum": "Verschil tekort", "col_dcum_pi": "Per inwoner", "col_cum_base": "Tekort basis",
        "col_flag_bs": "Signaal basis \u2192 scenario",
        "c_h_tech": "Technische details",
        "c_tech": "Voor wie het model zelf draait: de instellingen (parameters) die per scenario "
                  "afwijken van \u2018{base}\u2019 ([[tab:tech]]) en de gegevens van het "
                  "bestand ([[tab:file]]).",
        "t_tech": "Afwijkende instellingen per scenario",
        "t_tech_cap": "Parameter zoals in het scenariobestand, de waarde in de basis en in het "
                      "scenario.",
        "col_param": "Parameter", "col_base": "Basis",
        "fi_R": "simulaties per scenario",
        "fi_theta": "drempel per inwoner", "fi_pstar": "kansgrens",
        "fi_points": "combinaties", "fi_ng": "gemeenten",
        "note_nomap": "De kaart ontbreekt: het bestand bevat geen middelpunten van gemeenten "
                      "en de gemeentegrenzen ontbreken.",
        "note_nonat": "Het landelijke verschil per jaar ontbreekt: het bestand bevat geen "
                      "landelijk tekort.",
        "c_h_notes": "Opmerkingen",
        # ---- sweep
        "s_title": "Beschermd wonen en maatschappelijke opvang: gevoeligheid voor instellingen",
        "s_sub": "{P} combinaties van {K} {inst} \u2014 bwsim {version}, {R} gesimuleerde "
                 "toekomsten per combinatie, seed {seed}",
        "inst_1": "instelling", "inst_n": "instellingen",
        "s_intro": "Dit rapport laat zien hoe de uitkomsten veranderen als een of meer instellingen "
                   "van het model een reeks waarden doorlopen. Elke combinatie is doorgerekend "
                   "met {R} gesimuleerde toekomsten. Een gemeente krijgt een signaal als in "
                   "minstens \u00e9\u00e9n jaar de kans op een tekort van meer dan {theta} per "
                   "inwoner {pstar} of meer is. Bedragen zijn in miljoenen euro\u2019s.",
        "s_h_summary": "In het kort",
        "s_varied": "Gevarieerd: {list} (technische details: [[tab:tech]]).",
        "s_varied_item": "{label} ({values})",
        "s_nflag": "Het aantal gemeenten met een signaal loopt van {lo} ({at_lo}) tot {hi} "
                   "({at_hi}); zie [[fig:{fig}]].",
        "s_nflag_same": "Bij elke combinatie hebben {n} gemeenten een signaal.",
        "s_nat": "Het landelijke tekort loopt van {lo} ({at_lo}) tot {hi} ({at_hi}).",
        "s_changers": "{n} gemeenten hebben bij een deel van de combinaties een signaal en bij "
                      "een ander deel niet; bij {s} daarvan is dat verschil statistisch stabiel "
                      "([[tab:changers]]). {a} gemeenten hebben overal een signaal, {z} nergens.",
        "s_changers_none": "Geen gemeente wisselt van signaal: {a} gemeenten hebben overal een "
                           "signaal, {z} nergens.",
        "s_points": "Alle combinaties met hun uitkomsten staan in [[tab:points]].",
        "m_national_shortfall_mean_eur": "Landelijk tekort (gemiddeld)",
        "m_national_shortfall_q95_eur": "Landelijk tekort (95%-niveau)",
        "m_positive_shortfall_sum_eur": "Som van de tekorten van gemeenten met een tekort",
        "m_max_q95_shortfall_per_inhabitant_eur": "Hoogste tekort per inwoner (95%-niveau)",
        "s_measures": "Alle bedragen gelden voor de jaren van het ingroeipad samen. Het "
                      "95%-niveau is het bedrag waar 95% van de gesimuleerde toekomsten onder "
                      "blijft; de som van de tekorten telt alleen gemeenten met een tekort, zodat "
                      "overschotten elders die niet wegstrepen; het hoogste tekort per inwoner is "
                      "dat van de gemeente waar het 95%-niveau per inwoner het hoogst is.",
        "m_n_flagged": "Gemeenten met een signaal",
        "ax_mln": "\u20ac\u00a0mln", "ax_eur": "\u20ac per inwoner", "ax_n": "gemeenten",
        "lg_all": "alle signalen", "lg_stable": "stabiele signalen",
        "f_lines": "Uitkomsten naar {label}",
        "f_lines_cap": "Elk paneel \u00e9\u00e9n uitkomst tegen de waarde van {label}. De "
                       "foutstreepjes geven de marge door het beperkte aantal simulaties (95%). "
                       "Linksonder: het aantal gemeenten met een signaal, en hoeveel daarvan "
                       "stabiel zijn.",
        "f_lines_alt": "Vijf lijngrafieken van de uitkomsten (landelijk tekort gemiddeld en "
                       "95%-niveau, som van de tekorten, hoogste tekort per inwoner, aantal "
                       "signalen) tegen {label} ({values}).",
        "f_heat_n": "Aantal gemeenten met een signaal per combinatie",
        "f_heat_nat": "Landelijk tekort (gemiddeld) per combinatie",
        "f_heat_cap": "Elk vak is een combinatie van {x} (horizontaal) en {y} (verticaal); het "
                      "getal is de uitkomst.{more}",
        "f_heat_more": " Eén paneel per waarde van {rest}.",
        "f_heat_cut": " De eerste {n} van {m} panelen.",
        "f_heat_alt": "Heatmap van {what} voor elke combinatie van {x} en {y}; laagste {lo}, "
                      "hoogste {hi}.",
        "t_points": "Alle combinaties",
        "t_points_cap": "Per combinatie de uitkomsten; \u00b1 is de marge door het beperkte "
                        "aantal simulaties (95%). Tussen haakjes bij de signalen: hoeveel "
                        "stabiel zijn.",
        "col_point": "Nr.", "col_nat": "Landelijk tekort", "col_nat95": "95%-niveau",
        "col_pos": "Som tekorten", "col_maxpi": "Max. per inwoner", "col_nflag": "Signalen",
        "t_changers": "Gemeenten waarvan het signaal afhangt van de instellingen",
        "t_changers_cap": "Met een signaal bij een deel van de combinaties: bij hoeveel, de "
                          "laagste en hoogste kans op een signaal, bij welke combinaties (nummers "
                          "van [[tab:points]]) en of het verschil statistisch stabiel is.{more}",
        "t_changers_more": " De eerste {n} van {m}.",
        "col_nf_points": "Signaal bij", "col_prange": "Kans laagste\u2013hoogste",
        "col_where": "Combinaties met signaal",
        "n_of": "{n} van {m}",
        "s_tech": "De gevarieerde instellingen zoals in het scenariobestand ([[tab:tech]]) en de "
                  "gegevens van het bestand ([[tab:file]]).",
        "t_tech_s": "Gevarieerde instellingen",
        "t_tech_s_cap": "Parameter zoals in het scenariobestand, met de waarden van het rooster.",
        "col_label": "In dit rapport", "col_values": "Waarden",
    },
    "en": {
        "footer": "Made with bwsim {version} (bwsim report) from {file} (file format {fmt}, "
                  "version {fv}).",
        "warn_pdf": "report_compare.py: warning: WeasyPrint (Debian package weasyprint) is not "
                    "installed: wrote report.html only, no report.pdf. Install it with "
                    "bash scripts/setup.sh run.",
        "c_title": "Beschermd wonen and maatschappelijke opvang: scenarios compared",
        "c_sub": "Base scenario \u2018{base}\u2019 and {n} {scen_word} \u2014 bwsim {version}, "
                 "{R} simulated futures per scenario, seed {seed}",
        "scen_1": "other scenario", "scen_n": "other scenarios",
        "c_intro": "This report shows what changes when the rules or assumptions differ from the "
                   "base scenario \u2018{base}\u2019. Every scenario was computed on the same {R} "
                   "simulated futures: the same clients at the same moments, wherever the "
                   "scenario does not itself change them. A difference between two scenarios is "
                   "therefore due to the scenario and hardly to chance. A probability is the "
                   "share of the futures in which something happens; a gemeente is flagged when "
                   "in at least one year the probability of a shortfall of more than {theta} per "
                   "inhabitant is {pstar} or more. Amounts are in million euros.",
        "c_h_overview": "Summary",
        "c_overview": "[[tab:overview]] sets the scenarios side by side; then each scenario has a "
                      "page of results, the map, the national difference per year and the "
                      "gemeenten that change most.",
        "t_overview": "The scenarios side by side",
        "t_overview_cap": "Per scenario: the number of flagged gemeenten (in the base and in the "
                          "scenario), how many gain or lose a flag, how many of those changes are "
                          "statistically stable, and the difference in the national shortfall "
                          "over {y0}\u2013{y1} together.",
        "col_scenario": "Scenario", "col_flags": "Flags (base \u2192 scenario)",
        "col_gained": "Gained", "col_lost": "Lost", "col_stable_ch": "Of which stable",
        "col_dnat": "Difference in national shortfall",
        "c_h_scen": "\u2018{name}\u2019 compared with \u2018{base}\u2019",
        "c_changes": "This scenario differs from \u2018{base}\u2019 in {n} {punt}: {list} "
                     "(technical details: [[tab:tech]]).",
        "punt_1": "respect", "punt_n": "respects",
        "c_change_item": "{label}: {new} instead of {old}",
        "c_change_item_novalue": "{label}: different",
        "c_no_changes": "This scenario has the same settings as \u2018{base}\u2019.",
        "c_same_clients": "Only the budget side differs: the clients were simulated once and are "
                          "exactly the same in both scenarios. Every difference comes from how "
                          "the money is divided.",
        "c_shared": "Both scenarios use the same random draws; where the scenario changes the "
                    "clients, the clients differ too.",
        "c_flags": "In scenario \u2018{name}\u2019, {gain} and {lose}; {stable}.",
        "c_gain_0": "no gemeente gains a flag",
        "c_gain_1": "1 gemeente gains a flag", "c_gain_n": "{n} gemeenten gain a flag",
        "c_lose_0": "none loses one", "c_lose_1": "1 loses one", "c_lose_n": "{n} lose one",
        "c_stable_1": "{s} of these changes is statistically stable",
        "c_stable_n": "{s} of these changes are statistically stable",
        "c_stable_only1": "this change is {not_}statistically stable",
        "c_flags_none": "In scenario \u2018{name}\u2019, no gemeente gains or loses a flag.",
        "c_flags_total": "That leaves {n1} of the {ng} gemeenten flagged (in the base {n0}). "
                         "Stable means: in both scenarios the 95% interval of the probability "
                         "lies wholly on one side of the threshold {pstar}, so more simulations "
                         "will not undo the change. The gemeenten are listed in [[tab:flags_{k}]].",
        "c_flags_total_none": "As in the base, {n1} of the {ng} gemeenten are flagged.",
        "c_map": "The map ([[fig:map_{k}]]) shows for each gemeente how much the probability of a "
                 "flag rises or falls: it rises by 5 percentage points or more in {up} gemeenten "
                 "and falls by 5 percentage points or more in {down}.",
        "c_sig": "In {n} of the {ng} gemeenten the difference in the shortfall over the years is "
                 "larger than the margin of chance: {up} higher, {down} lower.",
        "c_top": "The largest change is in {name}: {d} over {y0}\u2013{y1} together ({pi} per "
                 "inhabitant). [[tab:top_{k}]] lists the {n} gemeenten with the largest change.",
        "c_nat": "Nationally, the shortfall over {y0}\u2013{y1} together is on average {amt} {dir} "
                 "than in \u2018{base}\u2019.",
        "c_nat_year": "In {y}, the difference lies between {lo} and {hi} in 90% of the simulated "
                      "futures ([[fig:fan_{k}]]).",
        "c_nat_same": "Nationally, the shortfall over {y0}\u2013{y1} together is the same as in "
                      "\u2018{base}\u2019 (the difference is less than {amt}).",
        "higher": "higher", "lower": "lower",
        "c_regions": "Per region (a centrumgemeente and its gemeenten together), {g} of the {nr} "
                     "regions gain a flag and {l} lose one.",
        "c_regions_none": "No region (a centrumgemeente and its gemeenten together) gains or loses "
                          "a flag.",
        "c_h_paired": "Why a difference is more precise than each scenario on its own",
        "c_paired": "Every outcome has a margin, because the number of simulated futures is "
                    "finite. Because the scenarios share the same futures, the chance they have "
                    "in common drops out of their difference. The margin of a difference is "
                    "therefore much smaller than if each scenario had been computed on its own, "
                    "different futures. The margins in this report are those of the paired "
                    "difference.",
        "c_paired_item": "\u2018{name}\u2019: the margin of the difference in shortfall is (median "
                         "over the gemeenten) {r} times smaller than without shared futures: as "
                         "precise as {x} times as many simulations computed apart. For the "
                         "probability of a flag the margin is {rp} times smaller.",
        "c_paired_item_nop": "\u2018{name}\u2019: the margin of the difference in shortfall is "
                             "(median over the gemeenten) {r} times smaller than without shared "
                             "futures: as precise as {x} times as many simulations computed "
                             "apart.",
        "c_paired_equal": "\u2018{name}\u2019: the margin of the difference in shortfall is "
                          "(median over the gemeenten) about as large as without shared futures "
                          "(ratio {r}): this scenario changes the clients so much that sharing "
                          "helps little.",
        "c_paired_p_equal": " For the probability of a flag the margin is about the same.",
        "c_paired_zero": "\u2018{name}\u2019: in {n} of the {ng} gemeenten the difference in "
                         "shortfall has no margin of chance at all: only the budget changes "
                         "there, not the clients.",
        "f_map": "Change in the probability of a flag: \u2018{name}\u2019 against \u2018{base}\u2019",
        "f_map_cap": "The colour of each gemeente is the change in its flag probability in "
                     "percentage points (red: higher, blue: lower, white: equal). Triangle up: "
                     "flag gained; triangle down: flag lost. Thick lines: borders of the regions. "
                     "Names: the {n} gemeenten with the largest change. {credit}",
        "f_map_cap_dots": "Each dot is a gemeente at its centroid; its area follows the "
                          "population, its colour the change in the flag probability in "
                          "percentage points (red: higher, blue: lower, white: equal). Triangle "
                          "up: flag gained; triangle down: flag lost. Names: the {n} gemeenten "
                          "with the largest change.",
        "f_map_alt": "Map of the Netherlands with the gemeenten coloured by the change in the "
                     "probability of a flag from \u2018{base}\u2019 to \u2018{name}\u2019 (red "
                     "higher, blue lower); triangles mark {g} gemeenten that gain a flag and {l} "
                     "that lose one.",
        "ax_dp": "change in flag probability (percentage points)",
        "lg_gain": "flag gained", "lg_lose": "flag lost",
        "f_fan": "Difference in the national shortfall per year: \u2018{name}\u2019 against "
                 "\u2018{base}\u2019",
        "f_fan_cap": "The national shortfall minus that of \u2018{base}\u2019, per year, in "
                     "million euros: the line is the mean difference, the band holds 90% "
                     "of the simulated futures (5%\u201395%). Above zero: the scenario has the "
                     "larger shortfall. Every scenario has the same vertical scale.",
        "f_fan_alt": "Line chart of the difference in national shortfall per year ({y0}\u2013{y1}) "
                     "of \u2018{name}\u2019 against \u2018{base}\u2019, with a band holding 90% of the "
                     "simulated futures.",
        "ax_dnat": "difference in shortfall (\u20ac m)",
        "lg_mean": "mean difference", "lg_band": "90% of the futures",
        "t_flags": "Flags gained and lost: \u2018{name}\u2019",
        "t_flags_cap": "The gemeenten whose flag changes, with the probability of a flag in both "
                       "scenarios and its 95% interval, the difference with its margin (95%, "
                       "paired) and whether the change is statistically stable.",
        "t_flags_none": "No gemeente gains or loses a flag.",
        "col_gemeente": "Gemeente", "col_change": "Flag", "col_p_base": "Probability in the base",
        "col_p_scen": "Probability in the scenario",
        "col_dp": "Difference (percentage points)",
        "gained": "gained", "lost": "lost",
        "t_top": "Largest changes in the shortfall: \u2018{name}\u2019",
        "t_top_cap": "The {n} gemeenten whose shortfall over {y0}\u2013{y1} together changes most "
                     "(mean, scenario minus base), with the margin (95%, paired), the difference "
                     "per inhabitant, the shortfall in the base and the flag in both scenarios.",
        "col_dcum": "Difference in shortfall", "col_dcum_pi": "Per inhabitant",
        "col_cum_base": "Shortfall in the base", "col_flag_bs": "Flag base \u2192 scenario",
        "c_h_tech": "Technical details",
        "c_tech": "For those who run the model themselves: the settings (parameters) in which each "
                  "scenario differs from \u2018{base}\u2019 ([[tab:tech]]) and the particulars "
                  "of the file ([[tab:file]]).",
        "t_tech": "Settings that differ, per scenario",
        "t_tech_cap": "Parameter as in the scenario file, its value in the base and in the "
                      "scenario.",
        "col_param": "Parameter", "col_base": "Base",
        "fi_R": "simulations per scenario",
        "fi_theta": "threshold per inhabitant", "fi_pstar": "probability threshold",
        "fi_points": "combinations", "fi_ng": "gemeenten",
        "note_nomap": "The map is left out: the file holds no centroids of the gemeenten and "
                      "the gemeente boundaries are missing.",
        "note_nonat": "The national difference per year is left out: the file holds no national "
                      "shortfall.",
        "c_h_notes": "Notes",
        "s_title": "Beschermd wonen and maatschappelijke opvang: sensitivity to settings",
        "s_sub": "{P} combinations of {K} {inst} \u2014 bwsim {version}, {R} simulated futures "
                 "per combination, seed {seed}",
        "inst_1": "setting", "inst_n": "settings",
        "s_intro": "This report shows how the outcomes change when one or more settings of the "
                   "model run through a range of values. Each combination was computed on {R} "
                   "simulated futures. A gemeente is flagged when in at least one year the "
                   "probability of a shortfall of more than {theta} per inhabitant is {pstar} or "
                   "more. Amounts are in million euros.",
        "s_h_summary": "Summary",
        "s_varied": "Varied: {list} (technical details: [[tab:tech]]).",
        "s_varied_item": "{label} ({values})",
        "s_nflag": "The number of flagged gemeenten ranges from {lo} ({at_lo}) to {hi} "
                   "({at_hi}); see [[fig:{fig}]].",
        "s_nflag_same": "At every combination {n} gemeenten are flagged.",
        "s_nat": "The national shortfall ranges from {lo} ({at_lo}) to {hi} ({at_hi}).",
        "s_changers": "{n} gemeenten have a flag at some points of the grid and not at others; "
                      "for {s} of them the difference is statistically stable ([[tab:changers]]). "
                      "{a} gemeenten are flagged everywhere, {z} nowhere.",
        "s_changers_none": "No gemeente changes its flag: {a} gemeenten are flagged everywhere, "
                           "{z} nowhere.",
        "s_points": "Every combination with its outcomes is in [[tab:points]].",
        "m_national_shortfall_mean_eur": "National shortfall (mean)",
        "m_national_shortfall_q95_eur": "National shortfall (95% level)",
        "m_positive_shortfall_sum_eur": "Sum of the shortfalls of gemeenten with a shortfall",
        "m_max_q95_shortfall_per_inhabitant_eur": "Highest shortfall per inhabitant (95% level)",
        "s_measures": "Every amount is for the years of the phase-in path together. The 95% level "
                      "is the amount that 95% of the simulated futures stay below; the sum of "
                      "the shortfalls counts only gemeenten with a shortfall, so that surpluses "
                      "elsewhere do not cancel them; the highest shortfall per inhabitant is that "
                      "of the gemeente whose 95% level per inhabitant is highest.",
        "m_n_flagged": "Flagged gemeenten",
        "ax_mln": "\u20ac m", "ax_eur": "\u20ac per inhabitant", "ax_n": "gemeenten",
        "lg_all": "all flags", "lg_stable": "stable flags",
        "f_lines": "Outcomes by {label}",
        "f_lines_cap": "Each panel is one outcome against the value of {label}. The error bars "
                       "give the margin from the finite number of simulations (95%). Bottom "
                       "left: the number of flagged gemeenten, and how many of those flags are "
                       "stable.",
        "f_lines_alt": "Five line charts of the outcomes (national shortfall mean and 95% level, "
                       "sum of shortfalls, highest shortfall per inhabitant, number of flags) "
                       "against {label} ({values}).",
        "f_heat_n": "Number of flagged gemeenten per combination",
        "f_heat_nat": "National shortfall (mean) per combination",
        "f_heat_cap": "Each cell is a combination of {x} (across) and {y} (up); the number is the "
                      "outcome.{more}",
        "f_heat_more": " One panel per value of {rest}.",
        "f_heat_cut": " The first {n} of {m} panels.",
        "f_heat_alt": "Heat map of {what} for each combination of {x} and {y}; lowest {lo}, "
                      "highest {hi}.",
        "t_points": "All combinations",
        "t_points_cap": "The outcomes per combination; \u00b1 is the margin from the finite number "
                        "of simulations (95%). In brackets with the flags: how many are stable.",
        "col_point": "No.", "col_nat": "National shortfall", "col_nat95": "95% level",
        "col_pos": "Sum of shortfalls", "col_maxpi": "Max. per inhabitant", "col_nflag": "Flags",
        "t_changers": "Gemeenten whose flag depends on the settings",
        "t_changers_cap": "Flagged at some of the combinations: at how many, the lowest and "
                          "highest probability of a flag, at which combinations (numbers of "
                          "[[tab:points]]) and whether the difference is statistically "
                          "stable.{more}",
        "t_changers_more": " The first {n} of {m}.",
        "col_nf_points": "Flagged at", "col_prange": "Probability lowest\u2013highest",
        "col_where": "Combinations with a flag",
        "n_of": "{n} of {m}",
        "s_tech": "The varied settings as in the scenario file ([[tab:tech]]) and the particulars "
                  "of the file ([[tab:file]]).",
        "t_tech_s": "Varied settings",
        "t_tech_s_cap": "Parameter as in the scenario file, with the values of the grid.",
        "col_label": "In this report", "col_values": "Values",
    },
}

class Lang(texts.Lang):
    """Texts (these and bwreport's COMMON) and number formats of one language."""

    def __init__(self, code):
        super().__init__(code, T)


# --------------------------------------------------------------------------
# Reading the files
# --------------------------------------------------------------------------

class H5:
    """Reads datasets of an open file, with a clear error for what is missing."""

    def __init__(self, f, path):
        self.f, self.path = f, path

    def has(self, name):
        return name in self.f

    def arr(self, name, dtype=float):
        if name not in self.f:
            raise FileError("%s: the dataset %s is missing; was it written by bwsim compare or "
                            "bwsim sweep of the same version?" % (self.path, name))
        a = self.f[name][()]
        return np.asarray(a, dtype=dtype)

    def strs(self, name):
        if name not in self.f:
            raise FileError("%s: the dataset %s is missing" % (self.path, name))
        a = self.f[name][()]
        return [_str(x) for x in np.asarray(a, dtype=object).ravel()]

    def attr(self, name, cast, obj="/"):
        a = self.f[obj].attrs
        if name not in a:
            raise FileError("%s: the attribute %s of %s is missing" % (self.path, name, obj))
        v = a[name]
        if cast is str:
            return _str(v)
        return cast(np.asarray(v).ravel()[0])


def check_format(f, path):
    """The file's format name and version, or FileError when this script
    does not read them."""
    fmt, ver, _ = _check_format(f, path, FORMATS, "bwsim compare or bwsim sweep", require=True)
    return fmt, ver


class Common:
    """Root attributes that both formats share."""

    def read_common(self, h):
        self.fmt, self.fv = check_format(h.f, h.path)
        self.file = os.path.basename(h.path)
        self.version = h.attr("bwsim_version", str)
        self.seed = h.attr("seed", int)
        self.R = h.attr("replications", int)
        self.theta = h.attr("theta_eur_per_inhabitant", float)
        self.p_star = h.attr("p_star", float)
        self.first_year = h.attr("first_year", int)
        self.last_year = h.attr("last_year", int)


class Compare(Common):
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            h = H5(f, path)
            self.read_common(h)
            self.years = h.arr("/years", int)
            self.g_code = h.strs("/gemeenten/code")
            self.g_name = h.strs("/gemeenten/name")
            self.g_pop = h.arr("/gemeenten/population")
            self.ng = len(self.g_code)
            self.g_lat = h.arr("/gemeenten/lat") if h.has("/gemeenten/lat") else None
            self.g_lon = h.arr("/gemeenten/lon") if h.has("/gemeenten/lon") else None
            self.g_region = (h.arr("/gemeenten/region", int) if h.has("/gemeenten/region")
                             else None)
            self.r_name = h.strs("/regions/name") if h.has("/regions/name") else []
            self.quantity = (h.strs("/national/quantity") if h.has("/national/quantity") else [])
            self.names = h.strs("/scenarios/name")
            self.S = len(self.names)
            if self.S < 2:
                raise FileError("%s: only %d scenario: nothing to compare" % (path, self.S))
            self.changed = h.strs("/scenarios/changed")
            self.same_clients = h.arr("/scenarios/same_clients", int)
            self.scen = []
            for k in range(self.S):
                g = "/scenario/%d/" % k
                d = {n: h.arr(g + n) for n in ("p_max_year", "p_lo", "p_hi", "cum_mean")}
                d.update({n: h.arr(g + n, int) for n in ("flagged", "flag_stable")})
                self.scen.append(d)
            self.delta = [None]
            for k in range(1, self.S):
                g = "/delta/%d/" % k
                d = {n: h.arr(g + n) for n in ("cum_mean", "cum_se_paired", "cum_se_unpaired",
                                                "p_max_year", "p_se_paired", "p_se_unpaired")}
                d.update({n: h.arr(g + n, int) for n in ("flag_change", "flag_change_stable")})
                d["region_flag_change"] = (h.arr(g + "region_flag_change", int)
                                           if h.has(g + "region_flag_change") else None)
                for q in ("mean", "q05", "q95"):
                    d["national_" + q] = (h.arr(g + "national_" + q)
                                          if h.has(g + "national_" + q) else None)
                self.delta.append(d)


class Sweep(Common):
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            h = H5(f, path)
            self.read_common(h)
            self.keys = h.strs("/grid/keys")
            self.K = len(self.keys)
            vals = h.strs("/grid/values")
            self.P = len(vals) // max(self.K, 1)
            if self.K < 1 or self.P < 1 or len(vals) != self.P * self.K:
                raise FileError("%s: /grid/values does not hold [points, keys] values" % path)
            self.values = [vals[i * self.K:(i + 1) * self.K] for i in range(self.P)]
            self.numeric = h.arr("/grid/numeric").reshape(self.P, self.K)
            self.meas = {m: h.arr("/points/" + m) for m in MEASURES}
            self.se = {m: h.arr("/points/" + m + "_se") for m in MEASURES}
            self.n_flagged = h.arr("/points/n_flagged", int)
            self.n_flagged_stable = h.arr("/points/n_flagged_stable", int)
            self.g_name = h.strs("/gemeenten/name")
            self.ng = len(self.g_name)
            self.p = h.arr("/p_max_year").reshape(self.P, self.ng)
            self.flagged = h.arr("/flagged", int).reshape(self.P, self.ng).astype(bool)
            self.stable = h.arr("/flag_stable", int).reshape(self.P, self.ng).astype(bool)
        # the distinct values of each key, numbers in numeric order
        self.levels = []
        for k in range(self.K):
            seen = []
            for i in range(self.P):
                v = self.values[i][k]
                if v not in seen:
                    seen.append(v)
            num = {self.values[i][k]: self.numeric[i, k] for i in range(self.P)}
            if all(np.isfinite(num[v]) for v in seen):
                seen.sort(key=lambda v: num[v])
            self.levels.append(seen)
        self.level_index = np.array([[self.levels[k].index(self.values[i][k])
                                      for k in range(self.K)] for i in range(self.P)], dtype=int)

    def is_numeric(self, k):
        return bool(np.all(np.isfinite(self.numeric[:, k])))


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------

def _nice_max(x):
    """A round upper bound of x > 0 for a symmetric colour scale."""
    if not x > 0:
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= x:
            return m * e
    return 10 * e


def fig_change_map(c, L, k, bounds):
    """Δ flag probability per gemeente (percentage points), diverging around 0,
    on the gemeente boundaries (dots at the centroids without them), with the
    flags gained and lost marked."""
    d = c.delta[k]
    dp = d["p_max_year"]
    vmax = _nice_max(float(np.max(np.abs(dp))) * 100.0)
    top = [int(i) for i in np.lexsort((np.arange(c.ng), -np.abs(dp)))[:MAP_NAMES]
           if dp[i] != 0]
    fc = d["flag_change"]
    spec = F.MapSpec(codes=c.g_code, names=c.g_name, values=100.0 * dp,
                     cmap=plt.get_cmap("RdBu_r"),
                     norm=mcolors.TwoSlopeNorm(vmin=-vmax, vcenter=0.0, vmax=vmax),
                     cbar_label=L("ax_dp"),
                     cbar_format=FuncFormatter(lambda v, _p: L.pp(v / 100.0)),
                     group=list(c.g_region) if c.g_region is not None else None,
                     markers=[(np.flatnonzero(fc == 1), "^", L("lg_gain")),
                              (np.flatnonzero(fc == -1), "v", L("lg_lose"))],
                     named=top, lat=c.g_lat, lon=c.g_lon, pop=c.g_pop)
    fig, kind = F.fig_map(spec, L, bounds)
    return fig, kind, len(top)


def fig_fan(c, L, qi, k):
    """Scenario k: Δ national shortfall per year, mean and q05–q95; the same
    vertical scale for every scenario."""
    lim = [0.0, 0.0]
    for j in range(1, c.S):
        lim[0] = min(lim[0], float(np.min(c.delta[j]["national_q05"][qi])))
        lim[1] = max(lim[1], float(np.max(c.delta[j]["national_q95"][qi])))
    pad = 0.06 * (lim[1] - lim[0] or 1.0)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    d = c.delta[k]
    years = c.years
    m, lo, hi = d["national_mean"][qi], d["national_q05"][qi], d["national_q95"][qi]
    ax.fill_between(years, lo, hi, color=C_UP if float(np.sum(m)) >= 0 else C_DOWN, alpha=0.2,
                    lw=0, label=L("lg_band"))
    ax.plot(years, m, color=C_LINE, lw=1.6, marker="o", ms=3, label=L("lg_mean"))
    ax.axhline(0.0, color="black", lw=0.8, ls="--")
    ax.set_ylim(lim[0] - pad, lim[1] + pad)
    ax.yaxis.set_major_formatter(F.meur_formatter(L))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.set_ylabel(L("ax_dnat"))
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def _x_of(s, k):
    """Positions of key k's levels: their numbers, or 0, 1, ... for text."""
    if s.is_numeric(k):
        num = {s.values[i][k]: float(s.numeric[i, k]) for i in range(s.P)}
        return np.array([num[v] for v in s.levels[k]])
    return np.arange(len(s.levels[k]), dtype=float)


def fig_lines(s, L):
    """One key: each outcome against its value, error bars ±1.96 se."""
    order = np.argsort(s.level_index[:, 0], kind="stable")
    xs = _x_of(s, 0)
    x = xs[s.level_index[order, 0]]
    fig, axes = plt.subplots(3, 2, figsize=(7.6, 8.6))
    panels = list(MEASURES) + ["n_flagged"]
    for j, m in enumerate(panels):
        ax = axes[j // 2][j % 2]
        if m == "n_flagged":
            ax.plot(x, s.n_flagged[order], color=C_UP, marker="o", lw=1.5, label=L("lg_all"))
            ax.plot(x, s.n_flagged_stable[order], color=C_UP, marker="s", mfc="white", ls="--",
                    lw=1.2, label=L("lg_stable"))
            ax.set_ylabel(L("ax_n"))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(loc="best")
        else:
            per_inh = m.endswith("per_inhabitant_eur")
            y, e = s.meas[m][order], Z95 * s.se[m][order]
            ax.errorbar(x, y, yerr=e, color=C_LINE, marker="o", ms=4, lw=1.4, capsize=3)
            ax.yaxis.set_major_formatter(F.int_formatter(L) if per_inh else F.meur_formatter(L))
            ax.set_ylabel(L("ax_eur") if per_inh else L("ax_mln"))
        ax.set_title(L("m_" + m), fontsize=9)
        ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        ax.set_xticks(xs)
        ax.set_xticklabels([L.value(v) for v in s.levels[0]])
        ax.set_xlabel(L.label(s.keys[0]))
    axes[2][1].set_visible(False)
    fig.tight_layout()
    return fig


def _heat(ax, s, vals, cmap, norm, fmt, L):
    """One heat map over the first two keys; vals[i] for point i (NaN absent)."""
    nx, ny = len(s.levels[0]), len(s.levels[1])
    grid = np.full((ny, nx), np.nan)
    for i, v in vals:
        grid[s.level_index[i, 1], s.level_index[i, 0]] = v
    ax.imshow(grid, cmap=cmap, norm=norm, origin="lower", aspect="auto")
    for yy in range(ny):
        for xx in range(nx):
            v = grid[yy, xx]
            if not np.isfinite(v):
                continue
            r, g, b, _ = cmap(norm(v))
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            ax.text(xx, yy, fmt(v), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_xticks(range(nx))
    ax.set_xticklabels([L.value(v) for v in s.levels[0]])
    ax.set_yticks(range(ny))
    ax.set_yticklabels([L.value(v) for v in s.levels[1]])
    ax.set_xlabel(L.label(s.keys[0]))
    ax.set_ylabel(L.label(s.keys[1]))


def heat_panels(s):
    """The small multiples: for each combination of keys 2.. (in level
    order), the points that have it."""
    if s.K == 2:
        return [((), list(range(s.P)))]
    combos = {}
    for i in range(s.P):
        combos.setdefault(tuple(s.level_index[i, 2:]), []).append(i)
    return [(c, combos[c]) for c in sorted(combos)]


def fig_heat(s, L, what):
    panels = heat_panels(s)[:MAX_PANELS]
    if what == "n":
        allv = s.n_flagged.astype(float)
        cmap = plt.get_cmap("Reds")
        norm = mcolors.Normalize(vmin=0.0, vmax=max(float(allv.max()), 1.0))

        def fmt(v):
            return str(int(round(v)))
    else:
        allv = s.meas["national_shortfall_mean_eur"]
        vmax = float(np.max(np.abs(allv))) or 1.0
        cmap = plt.get_cmap("RdBu_r")
        norm = mcolors.TwoSlopeNorm(vmin=-vmax, vcenter=0.0, vmax=vmax)

        def fmt(v):
            return L.num(v / 1e6, 0)
    n = len(panels)
    cols = 1 if n == 1 else 2 if n <= 4 else 3
    rows = (n + cols - 1) // cols
    w = 5.8 if cols == 1 else 7.8
    h = (3.4 if cols == 1 else 3.1) * rows + 0.6
    fig, axes = plt.subplots(rows, cols, figsize=(w, h), squeeze=False, layout="constrained")
    for j in range(rows * cols):
        ax = axes[j // cols][j % cols]
        if j >= n:
            ax.set_visible(False)
            continue
        combo, pts = panels[j]
        _heat(ax, s, [(i, allv[i]) for i in pts], cmap, norm, fmt, L)
        if j % cols:  # the outer panels carry the axis names
            ax.set_ylabel("")
        if j + cols < n:
            ax.set_xlabel("")
        if combo:
            ax.set_title(", ".join("%s: %s" % (L.label(s.keys[2 + q]),
                                               L.value(s.levels[2 + q][combo[q]]))
                                   for q in range(len(combo))), fontsize=8)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    cb = fig.colorbar(sm, ax=axes.ravel().tolist(), shrink=0.8)
    if what == "n":
        cb.set_label(L("m_n_flagged"))
    else:
        cb.ax.yaxis.set_major_formatter(F.meur_formatter(L))
        cb.set_label(L("m_national_shortfall_mean_eur") + " (" + L("ax_mln") + ")")
    return fig, len(heat_panels(s))


# --------------------------------------------------------------------------
# The comparison report
# --------------------------------------------------------------------------

def parse_changed(text):
    """[(key, base value, this value)] of the 'key: base -> this' lines."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, rest = line.partition(":")
        old, arrow, new = rest.partition("->")
        if not sep or not arrow:
            out.append((line, "", ""))
        else:
            out.append((key.strip(), old.strip(), new.strip()))
    return out


def _median_ratio(num, den):
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    return float(np.median(num[ok] / den[ok])) if ok.any() else None


def _flag_sentence(L, name, fc, fcs):
    g, lo = int(np.sum(fc == 1)), int(np.sum(fc == -1))
    s = int(np.sum((fc != 0) & (fcs == 1)))
    if g + lo == 0:
        return L("c_flags_none", name=name), g, lo, s
    if g + lo == 1:
        stable = L("c_stable_only1", not_="" if s else L("not_"))
    else:
        stable = L.n("c_stable", s, s=s)
    return L("c_flags", name=name, gain=L.n0("c_gain", g), lose=L.n0("c_lose", lo),
             stable=stable), g, lo, s


def build_compare(c, L):
    base = c.names[0]
    y0 = c.first_year
    y1 = c.last_year
    fmt = dict(base=base, R=L.num(c.R), seed=c.seed, version=c.version,
               theta=L.theta(c.theta),
               pstar=L.pct(c.p_star), y0=y0, y1=y1)
    doc = Doc(L, L("c_title"))
    n_other = c.S - 1
    doc.add("h1", L("c_title"))
    doc.add("sub", L("c_sub", n=n_other, scen_word=L.n("scen", n_other), **fmt))
    doc.add("meta", meta_line(c))
    doc.add("p", L("c_intro", **fmt))
    notes = []
    qi = c.quantity.index("shortfall_eur") if "shortfall_eur" in c.quantity else None
    has_nat = qi is not None and all(c.delta[k]["national_mean"] is not None and
                                     c.delta[k]["national_q05"] is not None and
                                     c.delta[k]["national_q95"] is not None
                                     for k in range(1, c.S))
    bounds, _ = geo.load_boundaries()
    has_map = bounds is not None or (
        c.g_lat is not None and c.g_lon is not None and
        bool(np.all(np.isfinite(c.g_lat)) and np.all(np.isfinite(c.g_lon))))
    if not has_map:
        notes.append(L("note_nomap"))
    if not has_nat:
        notes.append(L("note_nonat"))

    # ---- overview
    rows = []
    per = []
    for k in range(1, c.S):
        d = c.delta[k]
        sent, g, lo, st = _flag_sentence(L, c.names[k], d["flag_change"], d["flag_change_stable"])
        dnat = float(d["national_mean"][qi].sum()) if has_nat else None
        per.append((sent, g, lo, st, dnat))
        rows.append(["\u2018%s\u2019" % c.names[k],
                     "%d \u2192 %d" % (int(c.scen[0]["flagged"].sum()),
                                       int(c.scen[k]["flagged"].sum())),
                     str(g), str(lo), str(st),
                     L.dmeur(dnat, 0) if dnat is not None else L("none")])
    doc.add("h2", L("c_h_overview"))
    doc.add("p", L("c_overview"))
    doc.table("overview", L("t_overview"), L("t_overview_cap", **fmt),
              [L("col_scenario"), L("col_flags"), L("col_gained"), L("col_lost"),
               L("col_stable_ch"), L("col_dnat")], rows, "lcrrrr")

    # ---- one section per scenario
    for k in range(1, c.S):
        d = c.delta[k]
        name = c.names[k]
        sent, g, lo, st, dnat = per[k - 1]
        doc.section("scen_%d" % k, L("c_h_scen", name=name, base=base), numbered=False)
        items = []
        ch = parse_changed(c.changed[k])
        if ch:
            parts = []
            for key, old, new in ch:
                if old or new:
                    parts.append(L("c_change_item", label=L.label(key), new=L.value(new),
                                   old=L.value(old)))
                else:
                    parts.append(L("c_change_item_novalue", label=L.label(key)))
            items.append(L("c_changes", n=len(ch), punt=L.n("punt", len(ch)), base=base,
                           list="; ".join(parts)))
        else:
            items.append(L("c_no_changes", base=base))
        items.append(L("c_same_clients") if c.same_clients[k] else L("c_shared"))
        n0, n1 = int(c.scen[0]["flagged"].sum()), int(c.scen[k]["flagged"].sum())
        items.append(sent + " " + (L("c_flags_total", n0=n0, n1=n1, ng=c.ng, k=k, **fmt)
                                   if g + lo else L("c_flags_total_none", n1=n1, ng=c.ng)))
        dp = d["p_max_year"]
        if has_map:
            items.append(L("c_map", k=k, up=int(np.sum(dp >= 0.05 - 1e-12)),
                           down=int(np.sum(dp <= -0.05 + 1e-12))))
        dc, se = d["cum_mean"], d["cum_se_paired"]
        sig = np.abs(dc) > Z95 * se
        items.append(L("c_sig", n=int(sig.sum()), ng=c.ng, up=int(np.sum(sig & (dc > 0))),
                       down=int(np.sum(sig & (dc < 0)))))
        order = np.lexsort((np.arange(c.ng), -np.abs(dc)))
        top = [int(i) for i in order[:TOP_DELTA]]
        i0 = top[0]
        items.append(L("c_top", name=c.g_name[i0], d=L.dmeur(dc[i0]),
                       pi=L.deur(dc[i0] / max(c.g_pop[i0], 1.0)), n=len(top), k=k, **fmt))
        if has_nat:
            lo_y, hi_y = float(d["national_q05"][qi][-1]), float(d["national_q95"][qi][-1])
            if abs(dnat) < 0.5e6 and abs(lo_y) < 0.5e6 and abs(hi_y) < 0.5e6:
                items.append(L("c_nat_same", amt=L.meur(1e6, 0), **fmt))
            else:
                items.append(L("c_nat", amt=L.meur(abs(dnat), 0),
                               dir=L("higher") if dnat >= 0 else L("lower"), **fmt) + " " +
                             L("c_nat_year", y=int(c.years[-1]), k=k, lo=L.dmeur(lo_y, 0),
                               hi=L.dmeur(hi_y, 0)))
        rfc = d["region_flag_change"]
        if rfc is not None and len(rfc):
            rg, rl = int(np.sum(rfc == 1)), int(np.sum(rfc == -1))
            items.append(L("c_regions", g=rg, l=rl, nr=len(rfc)) if rg + rl else
                         L("c_regions_none"))
        doc.add("ul", items)

        if has_map:
            fig, kind, n_named = fig_change_map(c, L, k, bounds)
            cap = (L("f_map_cap", n=n_named, credit=L("map_credit")) if kind == "choropleth"
                   else L("f_map_cap_dots", n=n_named))
            doc.figure("map_%d" % k, L("f_map", name=name, base=base), cap,
                       L("f_map_alt", name=name, base=base, g=g, l=lo), F.png_bytes(fig),
                       cls="map")
        if has_nat:
            doc.figure("fan_%d" % k, L("f_fan", name=name, base=base), L("f_fan_cap", **fmt),
                       L("f_fan_alt", name=name, **fmt), F.png_bytes(fig_fan(c, L, qi, k)))

        # flags gained and lost
        b, s = c.scen[0], c.scen[k]
        fc = d["flag_change"]
        changed_idx = sorted(np.flatnonzero(fc != 0).tolist(),
                             key=lambda i: (-int(fc[i]), -abs(float(dp[i])), c.g_name[i]))
        rows = []
        for i in changed_idx:
            rows.append([c.g_name[i], L("gained") if fc[i] > 0 else L("lost"),
                         L.pct_ci(b["p_max_year"][i], b["p_lo"][i], b["p_hi"][i]),
                         L.pct_ci(s["p_max_year"][i], s["p_lo"][i], s["p_hi"][i]),
                         "%s \u00b1\u00a0%s" % (L.pp(dp[i]), L.num(100 * Z95 * d["p_se_paired"][i], 0)),
                         L("yes") if d["flag_change_stable"][i] else L("no")])
        doc.table("flags_%d" % k, L("t_flags", name=name),
                  L("t_flags_cap") if rows else L("t_flags_none"),
                  [L("col_gemeente"), L("col_change"), L("col_p_base"), L("col_p_scen"),
                   L("col_dp"), L("col_stable")], rows, "lcrrrc")
        rows = []
        for i in top:
            rows.append([c.g_name[i], L.pm(dc[i], Z95 * se[i]),
                         L.deur(dc[i] / max(c.g_pop[i], 1.0)),
                         L.num(b["cum_mean"][i] / 1e6, 1),
                         "%s \u2192 %s" % (L("yes") if b["flagged"][i] else L("no"),
                                           L("yes") if s["flagged"][i] else L("no"))])
        doc.table("top_%d" % k, L("t_top", name=name), L("t_top_cap", n=len(top), **fmt),
                  [L("col_gemeente"), L("col_dcum") + " (" + L("ax_mln") + ")",
                   L("col_dcum_pi"), L("col_cum_base") + " (" + L("ax_mln") + ")",
                   L("col_flag_bs")], rows, "lrrrc")
        doc.add("end")

    # ---- paired standard errors
    doc.section("paired", L("c_h_paired"), numbered=False)
    doc.add("p", L("c_paired"))
    items = []
    for k in range(1, c.S):
        d = c.delta[k]
        r = _median_ratio(d["cum_se_unpaired"], d["cum_se_paired"])
        rp = _median_ratio(d["p_se_unpaired"], d["p_se_paired"])
        zero = int(np.sum((d["cum_se_paired"] == 0) & (d["cum_se_unpaired"] > 0)))
        if r is not None and r < 1.1:
            items.append(L("c_paired_equal", name=c.names[k], r=L.ratio(r)))
        elif r is not None:
            kw = dict(name=c.names[k], r=L.ratio(r), x=L.num(r * r, 0))
            if rp is not None and rp >= 1.1:
                items.append(L("c_paired_item", rp=L.ratio(rp), **kw))
            else:
                items.append(L("c_paired_item_nop", **kw) +
                             (L("c_paired_p_equal") if rp is not None else ""))
        if zero:
            items.append(L("c_paired_zero", name=c.names[k], n=zero, ng=c.ng))
    if items:
        doc.add("ul", items)

    # ---- technical details
    doc.add("h2", L("c_h_tech"))
    doc.add("p", L("c_tech", **fmt))
    rows = []
    for k in range(1, c.S):
        for key, old, new in parse_changed(c.changed[k]):
            rows.append(["\u2018%s\u2019" % c.names[k], key, old, new])
    doc.table("tech", L("t_tech"), L("t_tech_cap"),
              [L("col_scenario"), L("col_param"), L("col_base"), L("col_this")], rows, "llll")
    file_table(doc, c, L, [(L("fi_ng"), str(c.ng))])
    if notes:
        doc.add("h2", L("c_h_notes"))
        doc.add("ul", notes)
    doc.add("end")
    doc.add("footer", L("footer", version=c.version, file=c.file, fmt=c.fmt, fv=c.fv))
    return doc


def meta_line(x):
    """bwsim version and file format: under the title, and in the PDF at the
    foot of every page."""
    return "bwsim %s \u00b7 %s %d" % (x.version, x.fmt, x.fv)


def file_table(doc, x, L, extra):
    run_file_table(doc, L, x.file, "%s %d" % (x.fmt, x.fv), x.version, x.R, x.seed, x.first_year,
                   x.last_year, [(L("fi_theta"), L.theta(x.theta)),
                                 (L("fi_pstar"), L.pct(x.p_star))] + list(extra))


# --------------------------------------------------------------------------
# The sweep report
# --------------------------------------------------------------------------

def point_label(s, L, i):
    return ", ".join("%s: %s" % (L.label(s.keys[k]), L.value(s.values[i][k])) for k in range(s.K))


def _extremes(v):
    """Index of the first minimum and the first maximum."""
    return int(np.argmin(v)), int(np.argmax(v))


def build_sweep(s, L):
    fmt = dict(R=L.num(s.R), seed=s.seed, version=s.version, P=s.P, K=s.K,
               theta=L.theta(s.theta),
               pstar=L.pct(s.p_star))
    doc = Doc(L, L("s_title"))
    doc.add("h1", L("s_title"))
    doc.add("sub", L("s_sub", inst=L.n("inst", s.K), **fmt))
    doc.add("meta", meta_line(s))
    doc.add("p", L("s_intro", **fmt))
    doc.add("h2", L("s_h_summary"))

    items = [L("s_varied", list="; ".join(
        L("s_varied_item", label=L.label(s.keys[k]),
          values=", ".join(L.value(v) for v in s.levels[k])) for k in range(s.K)))]
    fig_n = "lines" if s.K == 1 else "heat_n"
    a, b = _extremes(s.n_flagged)
    if s.n_flagged[a] == s.n_flagged[b]:
        items.append(L("s_nflag_same", n=int(s.n_flagged[a])))
    else:
        items.append(L("s_nflag", lo=int(s.n_flagged[a]), hi=int(s.n_flagged[b]),
                       at_lo=point_label(s, L, a), at_hi=point_label(s, L, b), fig=fig_n))
    nat = s.meas["national_shortfall_mean_eur"]
    a, b = _extremes(nat)
    items.append(L("s_nat", lo=L.meur(nat[a], 0), hi=L.meur(nat[b], 0),
                   at_lo=point_label(s, L, a), at_hi=point_label(s, L, b)))
    anyf, allf = s.flagged.any(axis=0), s.flagged.all(axis=0)
    changers = np.flatnonzero(anyf & ~allf)
    stable_change = (s.flagged & s.stable).any(axis=0) & (~s.flagged & s.stable).any(axis=0)
    n_all, n_none = int(allf.sum()), int((~anyf).sum())
    if changers.size:
        items.append(L("s_changers", n=int(changers.size), s=int(stable_change[changers].sum()),
                       a=n_all, z=n_none))
    else:
        items.append(L("s_changers_none", a=n_all, z=n_none))
    items.append(L("s_points"))
    doc.add("ul", items)
    doc.add("p", L("s_measures"))

    # ---- figures
    if s.K == 1:
        lab = L.label(s.keys[0])
        doc.figure("lines", L("f_lines", label=lab), L("f_lines_cap", label=lab),
                   L("f_lines_alt", label=lab, values=", ".join(L.value(v) for v in s.levels[0])),
                   F.png_bytes(fig_lines(s, L)))
    else:
        x, y = L.label(s.keys[0]), L.label(s.keys[1])
        for what, key, title in (("n", "heat_n", L("f_heat_n")),
                                 ("nat", "heat_nat", L("f_heat_nat"))):
            fig, n_panels = fig_heat(s, L, what)
            more = ""
            if s.K > 2:
                more = L("f_heat_more", rest=", ".join(L.label(k) for k in s.keys[2:]))
                if n_panels > MAX_PANELS:
                    more += L("f_heat_cut", n=MAX_PANELS, m=n_panels)
            v = s.n_flagged if what == "n" else nat
            fv = (lambda t: str(int(t))) if what == "n" else (lambda t: L.meur(t, 0))
            doc.figure(key, title, L("f_heat_cap", x=x, y=y, more=more),
                       L("f_heat_alt", what=title.lower() if L.code == "en" else title[0].lower()
                         + title[1:], x=x, y=y, lo=fv(v.min()), hi=fv(v.max())),
                       F.png_bytes(fig))

    # ---- the points
    rows = []
    for i in range(s.P):
        m = s.meas
        rows.append([str(i + 1)] + [L.value(v) for v in s.values[i]] +
                    [L.pm(m["national_shortfall_mean_eur"][i],
                          Z95 * s.se["national_shortfall_mean_eur"][i], nd=0),
                     L.num(m["national_shortfall_q95_eur"][i] / 1e6, 0),
                     L.num(m["positive_shortfall_sum_eur"][i] / 1e6, 0),
                     L.eur(m["max_q95_shortfall_per_inhabitant_eur"][i]),
                     "%d (%d)" % (s.n_flagged[i], s.n_flagged_stable[i])])
    mln = " (" + L("ax_mln") + ")"
    doc.table("points", L("t_points"), L("t_points_cap"),
              [L("col_point")] + [L.label(k)[0].upper() + L.label(k)[1:] for k in s.keys] +
              [L("col_nat") + mln, L("col_nat95") + mln, L("col_pos") + mln, L("col_maxpi"),
               L("col_nflag")], rows, "r" + "c" * s.K + "rrrrr")

    # ---- gemeenten whose flag changes across the grid
    cnt = s.flagged.sum(axis=0)
    pmax = s.p.max(axis=0)
    order = sorted(changers.tolist(), key=lambda g: (-int(cnt[g]), -float(pmax[g]), s.g_name[g]))
    rows = []
    for g in order[:MAX_CHANGERS]:
        where = np.flatnonzero(s.flagged[:, g]) + 1
        if s.K == 1:
            wtxt = ", ".join(L.value(s.values[i - 1][0]) for i in where)
        else:
            wtxt = ", ".join(str(i) for i in where)
        rows.append([s.g_name[g], L("n_of", n=int(cnt[g]), m=s.P),
                     "%s\u2013%s" % (L.pct(float(s.p[:, g].min())), L.pct(float(pmax[g]))),
                     wtxt, L("yes") if stable_change[g] else L("no")])
    more = (L("t_changers_more", n=MAX_CHANGERS, m=len(order)) if len(order) > MAX_CHANGERS
            else "")
    if rows:
        doc.table("changers", L("t_changers"), L("t_changers_cap", more=more),
                  [L("col_gemeente"), L("col_nf_points"), L("col_prange"),
                   L("col_where") if s.K > 1 else L.label(s.keys[0])[0].upper() +
                   L.label(s.keys[0])[1:], L("col_stable")], rows, "lrrlc")

    # ---- technical details
    doc.section("tech", L("c_h_tech"), numbered=False)
    doc.add("p", L("s_tech"))
    rows = [[k, L.label(k), ", ".join(s.levels[j])] for j, k in enumerate(s.keys)]
    doc.table("tech", L("t_tech_s"), L("t_tech_s_cap"),
              [L("col_param"), L("col_label"), L("col_values")], rows, "lll")
    file_table(doc, s, L, [(L("fi_points"), str(s.P)), (L("fi_ng"), str(s.ng))])
    doc.add("end")
    doc.add("footer", L("footer", version=s.version, file=s.file, fmt=s.fmt, fv=s.fv))
    return doc


# --------------------------------------------------------------------------

def find_input(arg):
    if os.path.isfile(arg):
        return arg
    for name in FILES:
        p = os.path.join(arg, name)
        if os.path.isfile(p):
            return p
    return None


def load(path):
    """Compare or Sweep, by the file's format attribute."""
    try:
        with h5py.File(path, "r") as f:
            fmt, _ = check_format(f, path)
    except OSError as e:
        raise FileError("%s: not a readable HDF5 file (%s)" % (path, e)) from None
    return Compare(path) if fmt == "bwsim-compare" else Sweep(path)


def main(argv):
    args = parse_args("report_compare.py", "Write the report of a bwsim comparison (compare.h5) "
                      "or sweep (sweep.h5) into OUTDIR.",
                      "directory holding compare.h5 or sweep.h5, or the file itself", argv)

    path = find_input(args.dir)
    if path is None:
        sys.stderr.write("report_compare.py: %s: no compare.h5 or sweep.h5 here\n" % args.dir)
        return 2
    L = Lang(args.lang)
    try:
        data = load(path)
    except (FileError, KeyError, ValueError) as e:
        sys.stderr.write("report_compare.py: error: %s\n" % e)
        return 2
    except OSError as e:
        sys.stderr.write("report_compare.py: error: %s: cannot read it (%s)\n" % (path, e))
        return 2
    doc = build_compare(data, L) if isinstance(data, Compare) else build_sweep(data, L)

    if not write_outputs(doc, args.out):
        sys.stderr.write(L("warn_pdf") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
