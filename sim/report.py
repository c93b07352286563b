#!/usr/bin/python3
"""bwsim report: the Taskforce report of one results directory.

    report.py DIR --out OUTDIR [--lang nl|en] [--quiet]

Reads DIR/results.h5 (written by `bwsim run`; layout: the engine's output
contract) and writes into OUTDIR only:

    OUTDIR/report.html     self-contained: every figure embedded as base64 PNG
    OUTDIR/report.pdf      the same content (summary, figures, tables)
    OUTDIR/figures/*.png   the figures

`bwsim report` (sim/report_cmd.c) runs this script into a temporary
directory and moves it to DIR/report only when it succeeded.

Datasets that newer engines add (centroids, confidence intervals, regions,
the variance split, replication-level first years) are used when present;
without them the report says what it leaves out. Needs numpy, h5py and
matplotlib (Debian: python3-numpy python3-h5py python3-matplotlib) and
nothing else. The coastline and national border behind the map come from
GSHHG (Debian package gmt-gshhg-low, read with h5py) when it is installed.

Deterministic: the same results.h5 gives the same bytes (no dates, fixed
hash salt, fixed figure order).
"""

import argparse
import base64
import html
import io
import math
import os
import sys

try:
    import numpy as np
    import h5py
    import matplotlib
except ImportError as e:  # bwsim checks this before running us; be clear anyway
    sys.stderr.write("report.py: %s: install python3-matplotlib python3-h5py python3-numpy, "
                     "or run bash scripts/setup.sh run\n" % e)
    sys.exit(3)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.backends.backend_agg import RendererAgg  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

matplotlib.rcParams.update({
    "svg.hashsalt": "bwsim",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "figure.dpi": 100,
    "pdf.fonttype": 42,
})

PNG_DPI = 120
A4 = (8.27, 11.69)
A4_LANDSCAPE = (11.69, 8.27)
GSHHG_DIR = os.environ.get("BWSIM_GSHHG_DIR", "/usr/share/gmt-gshhg")
GSHHG_PACKAGE = "gmt-gshhg-low"
MAP_LAT0 = 52.2  # degrees: the equal-aspect map scales longitude by cos(52.2°)
MAX_RANKED = 60  # rows of the ranked chart; the full list is in risk.csv
TOP_TABLE = 25

C_FLAG = "#b2182b"
C_NOFLAG = "#7f7f7f"
C_COST = "#b2182b"
C_BUDGET = "#2166ac"
C_BAND = "#4d4d4d"

# Defaults of params/default.yaml (MODEL.md) for the few settings the summary
# names. The stored params text holds only what a scenario file sets; what it
# leaves out has these values. Keep in step with params/default.yaml.
PARAM_DEFAULTS = {
    "policy.ingroeipad.mode": "flow",
    "policy.ingroeipad.steps": "10",
    "policy.ingroeipad.complete_by": "null",
    "policy.ingroeipad.custom": "[]",
    "policy.pooling": "none",
    "policy.mo_decentralise_year": "null",
    "policy.old_regime_max_years": "null",
    "policy.bijsturing.rule": "none",
    "policy.bijsturing.first_year": "2025",
    "policy.bijsturing.every": "4",
    "uncertainty.enabled": "true",
    "uncertainty.outer_draws": "0",
}

# --------------------------------------------------------------------------
# Texts. Every sentence a reader sees is here, in both languages.
# --------------------------------------------------------------------------

T = {
    "nl": {
        "title": "Beschermd wonen en maatschappelijke opvang: risico op tekorten per gemeente",
        "subtitle": "Scenario \u2018{name}\u2019 \u2014 bwsim {version}, {R} gesimuleerde toekomsten, "
                    "seed {seed}",
        "intro": "Dit rapport laat zien welke gemeenten tijdens het ingroeipad ({S}\u2013{last}) "
                 "waarschijnlijk meer uitgeven aan beschermd wonen (BW) en maatschappelijke opvang "
                 "(MO) dan zij aan budget ontvangen. Het model heeft de jaren {first}\u2013{last} "
                 "{R} keer doorgerekend. Elke simulatie is een mogelijke toekomst, met andere "
                 "cli\u00ebnten, andere verblijfsduren en andere waarden voor de onzekere aannames. "
                 "Een kans in dit rapport is het aandeel simulaties waarin iets gebeurt.",
        "h_assume": "Wat het model aanneemt",
        "a_start": "Het nieuwe stelsel en het ingroeipad beginnen in {S}. Vanaf dan betaalt de "
                   "gemeente waar een nieuwe cli\u00ebnt BW vandaan komt (woonplaatsbeginsel); wie "
                   "eerder instroomde, blijft tot het einde van het verblijf{old} ten laste van de "
                   "centrumgemeente van de regio waar de zorg wordt gegeven.",
        "a_old_limit": " (hooguit {n} jaar)",
        "a_flow": "Ingroeipad \u2018flow\u2019: het budget schuift van de historische verdeling "
                  "(bij de centrumgemeenten) naar het objectieve verdeelmodel, in het tempo waarin "
                  "cli\u00ebnten naar verwachting onder het nieuwe stelsel komen{complete}.",
        "a_flow_complete": "; vanaf {y} geldt het verdeelmodel volledig",
        "a_linear": "Ingroeipad \u2018linear\u2019: het budget gaat in {steps} gelijke jaarlijkse "
                    "stappen van de historische verdeling naar het objectieve verdeelmodel.",
        "a_custom": "Ingroeipad \u2018custom\u2019: het aandeel van het objectieve verdeelmodel is "
                    "per jaar vanaf {S}: {steps}, daarna volledig.",
        "a_mode_other": "Ingroeipad: \u2018{mode}\u2019.",
        "a_pool_none": "Geen regionale verevening: elke gemeente draagt haar eigen tekort.",
        "a_pool_region": "Regionale verevening: de gemeenten van een regio delen hun totale tekort "
                         "naar rato van hun budget.",
        "a_pool_other": "Verevening: \u2018{p}\u2019.",
        "a_mo_central": "MO blijft centraal: de centrumgemeenten betalen de opvang en krijgen het "
                        "MO-budget.",
        "a_mo_decentral": "MO wordt gedecentraliseerd vanaf {y}: nieuwe MO-cli\u00ebnten worden dan "
                          "betaald door hun eigen gemeente.",
        "a_flag": "Een knelpunt is een jaar waarin de kosten van een gemeente haar budget met "
                  "meer dan \u20ac\u00a0{theta} per inwoner overschrijden (BW en MO samen). Een "
                  "gemeente krijgt een signaal als in minstens \u00e9\u00e9n jaar van {S} tot en met "
                  "{last} de kans op een knelpunt {pstar} of meer is.",
        "a_unc_on": "Onzekere aannames (instroom, verblijfsduur, overgang naar de Wlz, "
                    "kostenstijging en de werkelijke zorgvraag per gemeente) verschillen per "
                    "simulatie.",
        "a_unc_off": "Onzekere aannames liggen vast op hun centrale waarde; alleen het toeval in "
                     "de in- en uitstroom van cli\u00ebnten verschilt per simulatie.",
        "a_unc_nested": " De simulaties zijn in {K} groepen met dezelfde aannames verdeeld, zodat "
                        "het rapport toeval en onzekere aannames kan scheiden.",
        "a_bij_none": "Geen tussentijdse bijsturing van het ingroeipad.",
        "a_bij_pause": "Bijsturing \u2018pause\u2019: vanaf {y} wordt om de {n} jaar gekeken; heeft "
                       "meer dan een deel van de gemeenten een signaal, dan pauzeert het ingroeipad "
                       "een jaar.",
        "a_bij_macro": "Bijsturing \u2018macro_correct\u2019: vanaf {y} wordt om de {n} jaar het "
                       "macrobudget gelijkgezet aan de gerealiseerde kostengroei.",
        "a_bij_other": "Bijsturing: \u2018{r}\u2019.",
        "a_repro": "{R} simulaties, seed {seed}: dezelfde invoer geeft precies dezelfde "
                   "uitkomsten.",
        "a_default": " (standaard)",
        "h_results": "Wat eruit komt",
        "r_flagged": "{nf} van de {ng} gemeenten krijgen een signaal; {ncf} daarvan "
                     "{is_are} centrumgemeente.",
        "is": "is", "are": "zijn",
        "r_none": "Geen enkele gemeente krijgt een signaal: in geen jaar is de kans op een "
                  "knelpunt {pstar} of meer.",
        "r_stable": "{nfs} van de {nf} signalen {is_are} stabiel: de marge door het beperkte aantal "
                    "simulaties kan ze niet omdraaien. {nfu} {is_are2} nog onzeker.",
        "r_unstable_other": " Van de gemeenten zonder signaal {is_are} er {n} nog onzeker: bij "
                            "meer simulaties kan daar alsnog een signaal komen.",
        "r_stable_more": " Meer simulaties (bwsim run -n \u2026 of --until-stable) beslissen de "
                         "onzekere gevallen.",
        "r_stable_se": "Stabiliteit is hier berekend uit de standaardfout (interval \u00b11,96 "
                       "standaardfout), omdat dit resultatenbestand geen intervallen bevat.",
        "r_first": "Het eerste knelpuntjaar (het eerste jaar waarin de kans de kansgrens bereikt) "
                   "ligt tussen {y0} en {y1}; het vaakst is dat {y} ({n} van de {nf} gemeenten).",
        "r_first_range": "Het eerste knelpuntjaar (het eerste jaar waarin de kans de kansgrens "
                          "bereikt) ligt tussen {y0} en {y1}.",
        "r_first1": "Het eerste knelpuntjaar (het eerste jaar waarin de kans de kansgrens bereikt) "
                    "is {y}.",
        "r_nat": "Landelijk zijn de kosten van gemeenten voor BW en MO over {S}\u2013{last} samen "
                 "naar verwachting {amount} {dir} dan hun budget.",
        "higher": "hoger", "lower": "lager",
        "r_other_pool_region": "Met regionale verevening zou het aantal gemeenten met een signaal "
                               "{n} zijn (nu {nf}).",
        "r_other_pool_none": "Zonder regionale verevening zou het aantal gemeenten met een signaal "
                             "{n} zijn (nu {nf}).",
        "r_regions": "Per regio (de gemeenten van een centrumgemeente samen) krijgen {n} van de "
                     "{nr} regio\u2019s een signaal.",
        "r_var": "Bij de gemeenten met een signaal komt gemiddeld {x}% van de spreiding in het "
                 "tekort over {S}\u2013{last} door onzekere aannames; de rest is toeval in de "
                 "cli\u00ebntenstromen.",
        "r_var_all": "Over alle gemeenten komt gemiddeld {x}% van de spreiding in het tekort over "
                     "{S}\u2013{last} door onzekere aannames; de rest is toeval in de "
                     "cli\u00ebntenstromen.",
        "h_sure": "Hoe zeker is elk signaal",
        "s_intro": "Elke kans is een schatting uit {R} simulaties en heeft dus een marge. Bij {R} "
                   "simulaties is die marge hooguit ongeveer \u00b1{m} (95%-interval). Een signaal "
                   "is stabiel als het hele interval boven de kansgrens {pstar} ligt.",
        "s_stable": "Stabiel ({n}): {names}.",
        "s_unstable": "Onzeker ({n}): {names}.",
        "s_near": "Zonder signaal, maar dicht bij de kansgrens ({n}): {names}.",
        "s_more": " en {n} andere (zie de tabel en risk.csv)",
        "s_name": "{name} {p}",
        "s_name_ci": "{name} {p} ({lo}\u2013{hi})",
        "h_conclude": "Wat u wel en niet kunt concluderen",
        "c_yes": "Wel:",
        "c_no": "Niet:",
        "c_yes1": "De lijst geeft een volgorde: bij welke gemeenten een tekort van betekenis onder "
                  "deze aannames het meest waarschijnlijk is, en vanaf welk jaar. Daarmee kan de "
                  "Taskforce kiezen waar zij eerst kijkt.",
        "c_yes2": "Een stabiel signaal verandert niet door meer simulaties. Het verandert wel als "
                  "de aannames veranderen: vergelijk scenario\u2019s (ander ingroeipad, andere "
                  "startdatum, regionale verevening) om te zien hoe robuust een signaal is.",
        "c_no1": "Het is geen begroting en geen voorspelling van het werkelijke tekort van een "
                 "gemeente: het model kent de lokale contracten, tarieven, wachtlijsten en "
                 "afspraken niet.",
        "c_no2": "Een gemeente zonder signaal kan toch een tekort krijgen: het signaal gaat alleen "
                 "over tekorten boven \u20ac\u00a0{theta} per inwoner met een kans van {pstar} of "
                 "meer.",
        "c_no3": "De standaardtabellen van bwsim bevatten deels geconstrueerde, illustratieve "
                 "gegevens (de regio-indeling en de historische budgetten). Gebruik offici\u00eble "
                 "cijfers voordat u conclusies trekt over een afzonderlijke gemeente.",
        "c_no4": "De kans op een knelpunt in \u00e9\u00e9n of meer jaren (\u2018kans ooit\u2019 in "
                 "de tabel) is altijd hoger dan de signaalkans. Bij kleine gemeenten komt die vaak "
                 "door toeval bij een handvol cli\u00ebnten; daarom telt zij niet voor het signaal.",
        "h_notes": "Toelichting",
        "n_missing": "Niet in dit resultatenbestand: {what}. {effect}",
        "n_latlon": "de middelpunten van de gemeenten",
        "n_latlon_eff": "De kaart ontbreekt; maak de resultaten opnieuw met een nieuwere bwsim.",
        "n_ci": "de 95%-intervallen van de kansen en de stabiliteit van de signalen",
        "n_ci_eff": "De intervallen zijn benaderd als kans \u00b1 1,96 \u00d7 standaardfout.",
        "n_fec": "de verdeling over simulaties van het eerste jaar boven de drempel",
        "n_fec_eff": "De figuur van het eerste knelpuntjaar toont alleen de gemeenten met een "
                     "signaal.",
        "n_regions": "de uitkomsten per regio",
        "n_regions_eff": "De regiotabel telt alleen de gemeenten en hun signalen per regio.",
        "n_var": "de splitsing van de spreiding in onzekere aannames en toeval",
        "n_var_eff": "Die vraagt een run met uncertainty.outer_draws groter dan 0.",
        "n_other_pool": "de signalen bij de andere verevening",
        "n_other_pool_eff": "Draai het scenario met een andere policy.pooling om te vergelijken.",
        "n_boundary": "Geen Debian-pakket bevat de gemeentegrenzen; de kaart toont elke gemeente "
                      "als stip op haar middelpunt (middelpunten in de standaardtabel: CBS Wijk- "
                      "en Buurtkaart 2021, CC BY 4.0, \u2018Bron: CBS\u2019).",
        "n_default": "\u2018(standaard)\u2019 in de samenvatting: een instelling die het scenario "
                     "niet wijzigt; zij heeft de standaardwaarde van params/default.yaml.",
        "n_coast": "Kustlijn en landsgrens: GSHHG 2.3.7 (Wessel en Smith, LGPL), uit het "
                   "Debian-pakket {pkg}.",
        "n_nocoast": "Zonder kustlijn en landsgrens getekend: het Debian-pakket {pkg} (GSHHG) is "
                     "niet ge\u00efnstalleerd.",
        "n_ranked_cap": "De rangschikking toont de eerste {n} van de {nf} gemeenten met een signaal; "
                        "de volledige lijst staat in risk.csv.",
        "n_money": "Bedragen in euro, geïndexeerd vanaf 2021 (budgetten met de loon- en "
                   "prijsbijstelling, tarieven met de kostenindex).",
        "h_figures": "Figuren",
        "f_map": "Kaart van de signaalkans",
        "f_map_cap": "Elke stip is een gemeente op haar middelpunt; de oppervlakte volgt het aantal "
                     "inwoners, de kleur de signaalkans: de hoogste kans over {S}\u2013{last} op een "
                     "tekort van meer dan \u20ac\u00a0{theta} per inwoner. Zwart omrand: signaal. "
                     "Vierkant: centrumgemeente. Namen: de tien gemeenten met de hoogste kans.",
        "f_ranked": "Gemeenten met een signaal, met hun onzekerheid",
        "f_ranked_top": "De {n} gemeenten met de hoogste kans, met hun onzekerheid",
        "f_ranked_cap": "Signaalkans per gemeente met het 95%-interval (de marge door het eindige "
                        "aantal simulaties). Gevulde stip: stabiel; open stip: onzeker. Rood: "
                        "signaal. De stippellijn is de kansgrens {pstar}. (c) = centrumgemeente.",
        "f_clients": "Cli\u00ebnten in zorg op 1 januari, landelijk",
        "f_clients_cap": "Band: 90% van de simulaties (5%\u201395%); doorgetrokken lijn: mediaan; "
                         "stippellijn: gemiddelde. Zonder de Wlz en de landelijke instellingen. De "
                         "verticale lijn is de start van het ingroeipad.",
        "f_money": "Kosten, budget en tekort van gemeenten samen",
        "f_money_cap": "Links: kosten en budget voor BW en MO van alle gemeenten samen; rechts: "
                       "het tekort (kosten min budget). Band: 90% van de simulaties; lijn: "
                       "mediaan; stippellijn: gemiddelde. Miljoen euro, geïndexeerd.",
        "f_first": "Eerste knelpuntjaar",
        "f_first_cap2": "Links: in welk jaar een gemeente in een simulatie voor het eerst boven de "
                        "drempel komt (gemiddeld aantal gemeenten per jaar, over alle simulaties). "
                        "Rechts: de gemeenten met een signaal naar het eerste jaar waarin hun kans "
                        "de kansgrens bereikt.",
        "f_first_cap1": "De gemeenten met een signaal naar het eerste jaar waarin hun kans de "
                        "kansgrens bereikt.",
        "f_regions": "Regio\u2019s",
        "f_regions_cap": "Signaalkans per regio (de centrumgemeente en haar regiogemeenten samen, "
                         "tekort per inwoner van de regio) met het 95%-interval. Gevulde stip: "
                         "stabiel; open stip: onzeker. Rechts: aantal gemeenten met een signaal in "
                         "de regio, zonder en met regionale verevening.",
        "f_regions_cap_min": "Aantal gemeenten met een signaal per regio.",
        "f_var": "Onzekere aannames of toeval?",
        "f_var_cap": "Deel van de spreiding in het cumulatieve tekort over {S}\u2013{last} dat "
                     "komt door onzekere aannames (donker); de rest is toeval in de "
                     "cli\u00ebntenstromen (licht). Links: alle gemeenten; rechts: de {n} gemeenten "
                     "met de hoogste kans.",
        "h_tables": "Tabellen",
        "t_top": "De {n} gemeenten met de hoogste signaalkans",
        "t_top_cap": "Kans: signaalkans (hoogste kans over {S}\u2013{last} op een tekort van meer "
                     "dan \u20ac\u00a0{theta} per inwoner). Kans ooit: kans op zo\u2019n tekort in "
                     "minstens \u00e9\u00e9n jaar. Tekort: cumulatief over {S}\u2013{last}, miljoen "
                     "euro: gemiddelde, de grens die 95% van de simulaties niet overschrijdt, en "
                     "het gemiddelde van de slechtste 5%.",
        "t_regions": "Regio\u2019s",
        "t_changed": "Wat afwijkt van de standaardinstellingen",
        "t_changed_cap": "De instellingen die dit scenario anders zet dan params/default.yaml: "
                         "de parameter, de waarde in dit scenario en de standaardwaarde.",
        "col_setting": "Parameter", "col_this": "Dit scenario", "col_default": "Standaard",
        "n_all_default": "Dit scenario gebruikt voor elke instelling de standaardwaarde.",
        "col_rank": "#", "col_name": "Gemeente", "col_pop": "Inwoners", "col_p": "Kans",
        "col_ci": "95%-interval", "col_stable": "Stabiel", "col_first": "Eerste jaar",
        "col_pany": "Kans ooit", "col_mean": "Tekort gem.", "col_q95": "Tekort 95%",
        "col_cvar": "Slechtste 5%", "col_other": "Andere verevening", "col_region": "Regio",
        "col_members": "Gemeenten", "col_mflag": "Met signaal", "col_mflag_pool": "Met signaal, "
        "verevend", "col_flag": "Signaal",
        "yes": "ja", "no": "nee", "none": "\u2013",
        "ax_p": "Signaalkans", "ax_pstar": "kansgrens p* = {pstar}",
        "ax_clients": "cli\u00ebnten", "ax_meur": "miljoen euro",
        "ax_year": "jaar", "ax_ngem": "aantal gemeenten",
        "ax_ngem_avg": "gemiddeld aantal gemeenten",
        "ax_share": "aandeel door onzekere aannames",
        "care_I": "BW intramuraal", "care_A": "beschermd thuis", "care_M": "maatschappelijke opvang",
        "lg_q": "5%\u201395%", "lg_med": "mediaan", "lg_mean": "gemiddelde",
        "lg_cost": "kosten", "lg_budget": "budget", "lg_short": "tekort",
        "ax_cost_budget": "kosten en budget",
        "lg_flag": "signaal", "lg_noflag": "geen signaal", "lg_stable": "stabiel",
        "lg_unstable": "onzeker", "lg_centrum": "centrumgemeente", "lg_gem": "gemeente",
        "lg_start": "start ingroeipad",
        "lg_never": "nooit boven de drempel: gemiddeld {n} gemeenten",
        "lg_param": "onzekere aannames", "lg_stoch": "toeval",
        "lg_unpooled": "zonder verevening", "lg_pooled": "met verevening",
        "lg_members": "gemeenten in de regio",
        "ax_first_rep": "Per simulatie: eerste jaar boven de drempel",
        "ax_first_flag": "Signaal: eerste jaar met kans \u2265 p* = {pstar}",
        "ax_all": "Alle gemeenten", "ax_top": "Hoogste kans",
        "scale_km": "50 km",
        "eur_mln": "\u20ac\u00a0{x}\u00a0mln",
        "no_flags_chart": "geen gemeente met een signaal",
        "footer": "Gemaakt met bwsim {version} (bwsim report) uit {file}.",
    },
    "en": {
        "title": "Beschermd wonen and maatschappelijke opvang: risk of shortfalls per gemeente",
        "subtitle": "Scenario \u2018{name}\u2019 \u2014 bwsim {version}, {R} simulated futures, "
                    "seed {seed}",
        "intro": "This report shows which gemeenten are likely to spend more on beschermd wonen "
                 "(BW, sheltered housing) and maatschappelijke opvang (MO, shelter) than they "
                 "receive in budget during the ingroeipad ({S}\u2013{last}). The model has "
                 "simulated the years {first}\u2013{last} {R} times. Each simulation is one "
                 "possible future, with other clients, other lengths of stay and other values of "
                 "the uncertain assumptions. A probability in this report is the share of "
                 "simulations in which something happens.",
        "h_assume": "What the model assumes",
        "a_start": "The new system and the ingroeipad start in {S}. From then on the gemeente a "
                   "new BW client comes from pays (woonplaatsbeginsel); clients who entered "
                   "earlier stay with the centrumgemeente of the region where the care is given "
                   "until their stay ends{old}.",
        "a_old_limit": " (at most {n} years)",
        "a_flow": "Ingroeipad \u2018flow\u2019: the budget moves from the historical distribution "
                  "(with the centrumgemeenten) to the objective verdeelmodel at the pace at which "
                  "clients are expected to come under the new system{complete}.",
        "a_flow_complete": "; from {y} on the verdeelmodel applies in full",
        "a_linear": "Ingroeipad \u2018linear\u2019: the budget moves in {steps} equal yearly steps "
                    "from the historical distribution to the objective verdeelmodel.",
        "a_custom": "Ingroeipad \u2018custom\u2019: the share of the objective verdeelmodel per "
                    "year from {S} is {steps}, then full.",
        "a_mode_other": "Ingroeipad: \u2018{mode}\u2019.",
        "a_pool_none": "No regional pooling: each gemeente carries its own shortfall.",
        "a_pool_region": "Regional pooling: the gemeenten of a region share their total shortfall "
                         "in proportion to their budgets.",
        "a_pool_other": "Pooling: \u2018{p}\u2019.",
        "a_mo_central": "MO stays central: the centrumgemeenten pay for the shelters and receive the "
                        "MO budget.",
        "a_mo_decentral": "MO is decentralised from {y}: new MO clients are then paid for by their "
                          "own gemeente.",
        "a_flag": "A bottleneck is a year in which a gemeente's cost exceeds its budget by more "
                  "than \u20ac{theta} per inhabitant (BW and MO together). A gemeente is flagged "
                  "when in at least one year from {S} to {last} the probability of a bottleneck "
                  "is {pstar} or more.",
        "a_unc_on": "Uncertain assumptions (entries, lengths of stay, transfers to the Wlz, cost "
                    "growth and each gemeente's real need) differ between simulations.",
        "a_unc_off": "Uncertain assumptions are fixed at their central values; only chance in the "
                     "flows of clients differs between simulations.",
        "a_unc_nested": " The simulations come in {K} groups that share their assumptions, so that "
                        "the report can separate chance from uncertain assumptions.",
        "a_bij_none": "No mid-course correction of the ingroeipad (bijsturing).",
        "a_bij_pause": "Bijsturing \u2018pause\u2019: from {y}, every {n} years, the ingroeipad pauses "
                       "for a year when more than a set share of gemeenten is flagged.",
        "a_bij_macro": "Bijsturing \u2018macro_correct\u2019: from {y}, every {n} years, the "
                       "macrobudget is reset to the realised growth of cost.",
        "a_bij_other": "Bijsturing: \u2018{r}\u2019.",
        "a_repro": "{R} simulations, seed {seed}: the same input gives exactly the same "
                   "results.",
        "a_default": " (default)",
        "h_results": "What comes out",
        "r_flagged": "{nf} of the {ng} gemeenten are flagged; {ncf} of them {is_are} "
                     "a centrumgemeente.",
        "is": "is", "are": "are",
        "r_none": "No gemeente is flagged: in no year is the probability of a bottleneck {pstar} "
                  "or more.",
        "r_stable": "{nfs} of the {nf} flags {is_are} stable: the margin due to the limited number "
                    "of simulations cannot reverse them. {nfu} {is_are2} still uncertain.",
        "r_unstable_other": " Of the gemeenten without a flag, {n} {is_are} still uncertain: more "
                            "simulations could still flag them.",
        "r_stable_more": " More simulations (bwsim run -n \u2026 or --until-stable) settle the "
                         "uncertain cases.",
        "r_stable_se": "Stability is computed here from the standard error (interval \u00b11.96 "
                       "standard errors), because this results file holds no intervals.",
        "r_first": "The first bottleneck year (the first year in which the probability reaches the "
                   "cut-off p*) lies between {y0} and {y1}; most often it is {y} ({n} of the {nf} "
                   "gemeenten).",
        "r_first_range": "The first bottleneck year (the first year in which the probability "
                          "reaches the cut-off p*) lies between {y0} and {y1}.",
        "r_first1": "The first bottleneck year (the first year in which the probability reaches "
                    "the cut-off p*) is {y}.",
        "r_nat": "Nationally, the cost of the gemeenten for BW and MO over {S}\u2013{last} is "
                 "expected to be {amount} {dir} than their budget.",
        "higher": "higher", "lower": "lower",
        "r_other_pool_region": "With regional pooling, the number of flagged gemeenten would be "
                               "{n} (now {nf}).",
        "r_other_pool_none": "Without regional pooling, the number of flagged gemeenten would be "
                             "{n} (now {nf}).",
        "r_regions": "Per region (the gemeenten of one centrumgemeente together), {n} of the {nr} "
                     "regions are flagged.",
        "r_var": "For the flagged gemeenten, on average {x}% of the spread in the shortfall over "
                 "{S}\u2013{last} comes from uncertain assumptions; the rest is chance in the flows "
                 "of clients.",
        "r_var_all": "Over all gemeenten, on average {x}% of the spread in the shortfall over "
                     "{S}\u2013{last} comes from uncertain assumptions; the rest is chance in the "
                     "flows of clients.",
        "h_sure": "How sure is each flag",
        "s_intro": "Each probability is estimated from {R} simulations and so has a margin. With "
                   "{R} simulations that margin is at most about \u00b1{m} (95% interval). A flag "
                   "is stable when the whole interval lies above the cut-off p* = {pstar}.",
        "s_stable": "Stable ({n}): {names}.",
        "s_unstable": "Uncertain ({n}): {names}.",
        "s_near": "Not flagged, but close to the cut-off ({n}): {names}.",
        "s_more": " and {n} more (see the table and risk.csv)",
        "s_name": "{name} {p}",
        "s_name_ci": "{name} {p} ({lo}\u2013{hi})",
        "h_conclude": "What you can and cannot conclude",
        "c_yes": "You can:",
        "c_no": "You cannot:",
        "c_yes1": "read the list as an order: where, under these assumptions, a shortfall that "
                  "matters is most likely, and from which year. The Taskforce can use it to "
                  "choose where to look first.",
        "c_yes2": "trust that a stable flag does not change with more simulations. It does change "
                  "when the assumptions change: compare scenarios (another ingroeipad, another "
                  "start year, regional pooling) to see how robust a flag is.",
        "c_no1": "read it as a budget or as a forecast of a gemeente's real shortfall: the model "
                 "does not know local contracts, tariffs, waiting lists or agreements.",
        "c_no2": "conclude that a gemeente without a flag will not run short: the flag covers "
                 "only shortfalls above \u20ac{theta} per inhabitant with a probability of "
                 "{pstar} or more.",
        "c_no3": "draw conclusions about a single gemeente from the default tables of bwsim: they "
                 "hold partly constructed, illustrative data (the regions and the historical "
                 "budgets). Use official figures first.",
        "c_no4": "use the probability of a bottleneck in one or more years (\u2018P any year\u2019 "
                 "in the table) as a flag: it is always higher than the flag probability, and for "
                 "small gemeenten it is often chance among a handful of clients.",
        "h_notes": "Notes",
        "n_missing": "Not in this results file: {what}. {effect}",
        "n_latlon": "the centroids of the gemeenten",
        "n_latlon_eff": "The map is left out; make the results again with a newer bwsim.",
        "n_ci": "the 95% intervals of the probabilities and the stability of the flags",
        "n_ci_eff": "The intervals are approximated as probability \u00b1 1.96 \u00d7 standard error.",
        "n_fec": "the distribution over simulations of the first year above the threshold",
        "n_fec_eff": "The figure of the first bottleneck year shows the flagged gemeenten only.",
        "n_regions": "the results per region",
        "n_regions_eff": "The region table only counts the gemeenten and their flags per region.",
        "n_var": "the split of the spread into uncertain assumptions and chance",
        "n_var_eff": "It needs a run with uncertainty.outer_draws greater than 0.",
        "n_other_pool": "the flags under the other pooling setting",
        "n_other_pool_eff": "Run the scenario with another policy.pooling to compare.",
        "n_boundary": "No Debian package holds the gemeente boundaries; the map shows each gemeente "
                      "as a dot at its centroid (centroids in the default table: CBS Wijk- en "
                      "Buurtkaart 2021, CC BY 4.0, \u2018Bron: CBS\u2019).",
        "n_default": "\u2018(default)\u2019 in the summary: a setting the scenario does not change; "
                     "it has the default value of params/default.yaml.",
        "n_coast": "Coastline and national border: GSHHG 2.3.7 (Wessel and Smith, LGPL), from the "
                   "Debian package {pkg}.",
        "n_nocoast": "Drawn without coastline and border: the Debian package {pkg} (GSHHG) is not "
                     "installed.",
        "n_ranked_cap": "The ranked chart shows the first {n} of the {nf} flagged gemeenten; the "
                        "full list is in risk.csv.",
        "n_money": "Amounts in euros, indexed from 2021 (budgets with the loon- en "
                   "prijsbijstelling, tariffs with the cost index).",
        "h_figures": "Figures",
        "f_map": "Map of the flag probability",
        "f_map_cap": "Each dot is a gemeente at its centroid; its area follows the population, its "
                     "colour the flag probability: the highest probability over {S}\u2013{last} of "
                     "a shortfall of more than \u20ac{theta} per inhabitant. Black outline: "
                     "flagged. Square: centrumgemeente. Names: the ten gemeenten with the highest "
                     "probability.",
        "f_ranked": "Flagged gemeenten, with their uncertainty",
        "f_ranked_top": "The {n} gemeenten with the highest probability, with their uncertainty",
        "f_ranked_cap": "Flag probability per gemeente with its 95% interval (the margin due to the "
                        "finite number of simulations). Filled dot: stable; open dot: uncertain. "
                        "Red: flagged. The dashed line is the cut-off p* = {pstar}. "
                        "(c) = centrumgemeente.",
        "f_clients": "Clients in care on 1 January, national",
        "f_clients_cap": "Band: 90% of the simulations (5%\u201395%); solid line: median; dashed "
                         "line: mean. Excluding the Wlz and the national institutions. The "
                         "vertical line is the start of the ingroeipad.",
        "f_money": "Cost, budget and shortfall of all gemeenten together",
        "f_money_cap": "Left: cost and budget for BW and MO of all gemeenten together; right: the "
                       "shortfall (cost minus budget). Band: 90% of the simulations; solid line: "
                       "median; dashed line: mean. Million euros, indexed.",
        "f_first": "First bottleneck year",
        "f_first_cap2": "Left: in which year a gemeente first goes above the threshold in a "
                        "simulation (average number of gemeenten per year, over all simulations). "
                        "Right: the flagged gemeenten by the first year in which their probability "
                        "reaches the cut-off p*.",
        "f_first_cap1": "The flagged gemeenten by the first year in which their probability reaches "
                        "the cut-off p*.",
        "f_regions": "Regions",
        "f_regions_cap": "Flag probability per region (the centrumgemeente and its region together, "
                         "shortfall per inhabitant of the region) with its 95% interval. Filled "
                         "dot: stable; open dot: uncertain. Right: number of flagged gemeenten in "
                         "the region, without and with regional pooling.",
        "f_regions_cap_min": "Number of flagged gemeenten per region.",
        "f_var": "Uncertain assumptions or chance?",
        "f_var_cap": "Share of the spread in the cumulative shortfall over {S}\u2013{last} that "
                     "comes from uncertain assumptions (dark); the rest is chance in the flows of "
                     "clients (light). Left: all gemeenten; right: the {n} gemeenten with the "
                     "highest probability.",
        "h_tables": "Tables",
        "t_top": "The {n} gemeenten with the highest flag probability",
        "t_top_cap": "P: flag probability (highest probability over {S}\u2013{last} of a shortfall "
                     "of more than \u20ac{theta} per inhabitant). P any year: probability of such a "
                     "shortfall in at least one year. Shortfall: cumulative over {S}\u2013{last}, "
                     "million euros: mean, the level that 95% of the simulations do not exceed, "
                     "and the mean of the worst 5%.",
        "t_regions": "Regions",
        "t_changed": "What differs from the defaults",
        "t_changed_cap": "The settings this scenario sets differently from params/default.yaml: "
                         "the parameter, its value in this scenario and its default.",
        "col_setting": "Parameter", "col_this": "This scenario", "col_default": "Default",
        "n_all_default": "This scenario uses the default value of every setting.",
        "col_rank": "#", "col_name": "Gemeente", "col_pop": "Inhabitants", "col_p": "P",
        "col_ci": "95% interval", "col_stable": "Stable", "col_first": "First year",
        "col_pany": "P any year", "col_mean": "Shortfall mean", "col_q95": "Shortfall 95%",
        "col_cvar": "Worst 5%", "col_other": "Other pooling", "col_region": "Region",
        "col_members": "Gemeenten", "col_mflag": "Flagged", "col_mflag_pool": "Flagged, pooled",
        "col_flag": "Flag",
        "yes": "yes", "no": "no", "none": "\u2013",
        "ax_p": "Flag probability", "ax_pstar": "cut-off p* = {pstar}",
        "ax_clients": "clients", "ax_meur": "million euros",
        "ax_year": "year", "ax_ngem": "number of gemeenten",
        "ax_ngem_avg": "average number of gemeenten",
        "ax_share": "share due to uncertain assumptions",
        "care_I": "BW intramural", "care_A": "beschermd thuis (ambulant)",
        "care_M": "maatschappelijke opvang",
        "lg_q": "5%\u201395%", "lg_med": "median", "lg_mean": "mean",
        "lg_cost": "cost", "lg_budget": "budget", "lg_short": "shortfall",
        "ax_cost_budget": "cost and budget",
        "lg_flag": "flagged", "lg_noflag": "not flagged", "lg_stable": "stable",
        "lg_unstable": "uncertain", "lg_centrum": "centrumgemeente", "lg_gem": "gemeente",
        "lg_start": "start of ingroeipad",
        "lg_never": "never above the threshold: on average {n} gemeenten",
        "lg_param": "uncertain assumptions", "lg_stoch": "chance",
        "lg_unpooled": "without pooling", "lg_pooled": "with pooling",
        "lg_members": "gemeenten in the region",
        "ax_first_rep": "Per simulation: first year above the threshold",
        "ax_first_flag": "Flag: first year with probability \u2265 p* = {pstar}",
        "ax_all": "All gemeenten", "ax_top": "Highest probability",
        "scale_km": "50 km",
        "eur_mln": "\u20ac{x}\u00a0m",
        "no_flags_chart": "no flagged gemeente",
        "footer": "Made with bwsim {version} (bwsim report) from {file}.",
    },
}


class Lang:
    """Texts and number formats of one language."""

    def __init__(self, code):
        self.code = code
        self.t = T[code]

    def __call__(self, key, **kw):
        s = self.t[key]
        return s.format(**kw) if kw else s

    def num(self, x, nd=0):
        s = "{:,.{}f}".format(x, nd)
        if self.code == "nl":
            s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return s.replace("-", "\u2212")

    def prob(self, p):
        return self.num(p, 2)

    def meur(self, x, nd=1):
        return self("eur_mln", x=self.num(x / 1e6, nd))


# --------------------------------------------------------------------------
# Reading results.h5
# --------------------------------------------------------------------------

def _str(x):
    if isinstance(x, bytes):
        return x.decode("utf-8", "replace")
    if isinstance(x, np.ndarray) and x.shape == ():
        return _str(x[()])
    return str(x)


class Results:
    """What the report needs from results.h5; None for what the file lacks."""

    def __init__(self, path):
        self.path = path
        with h5py.File(path, "r") as f:
            a = f.attrs
            self.first_year = int(a["first_year"])
            self.last_year = int(a["last_year"])
            self.start_year = int(a["start_year"])
            self.theta = float(a["threshold_eur_per_inhabitant"])
            self.p_star = float(a["p_star"])
            self.R = int(a["n_replications"])
            self.title = _str(a.get("title", b""))
            self.pooling = _str(a["pooling"]) if "pooling" in a else None
            self.n_unstable = int(a["n_unstable"]) if "n_unstable" in a else None
            self.years = f["year"][:].astype(int)

            g = f["gemeente"]
            self.g_code = [_str(c) for c in g["code"][:]]
            self.g_name = [_str(c) for c in g["name"][:]]
            self.g_region = [_str(c) for c in g["region"][:]]
            self.g_pop = g["population"][:].astype(float)
            self.g_lat = g["lat"][:].astype(float) if "lat" in g else None
            self.g_lon = g["lon"][:].astype(float) if "lon" in g else None
            if "is_centrumgemeente" in g:
                self.g_centrum = g["is_centrumgemeente"][:].astype(bool)
            else:  # a centrumgemeente is the region code of its own region
                self.g_centrum = np.array([c == r for c, r in zip(self.g_code, self.g_region)])
            self.first_exceed_count = (g["first_exceed_count"][:].astype(np.int64)
                                       if "first_exceed_count" in g else None)

            r = f["risk"]
            self.risk = {k: r[k][:] for k in r.keys()}
            for k in ("code", "name", "region"):
                self.risk[k] = [_str(c) for c in self.risk[k]]
            self.has_ci = "p_lo" in r and "p_hi" in r
            self.has_stable = "flag_stable" in r
            self.has_other_pool = "flagged_other_pooling" in r

            self.national = {}
            if "national" in f:
                for q in f["national"].keys():
                    grp = f["national"][q]
                    self.national[q] = {s: grp[s][:].astype(float) for s in
                                        ("mean", "q05", "q50", "q95") if s in grp}

            self.region_risk = None
            if "region_risk" in f:
                rr = f["region_risk"]
                self.region_risk = {k: rr[k][:] for k in rr.keys()}
                for k in ("code", "name"):
                    if k in self.region_risk:
                        self.region_risk[k] = [_str(c) for c in self.region_risk[k]]

            self.var_share = None
            self.var_K = None
            if "variance_split" in f and "param_share" in f["variance_split"]:
                vs = f["variance_split"]
                self.var_share = vs["param_share"][:].astype(float)
                self.var_K = int(vs.attrs["K"]) if "K" in vs.attrs else None

            p = f["provenance"] if "provenance" in f else None
            pa = p.attrs if p is not None else {}
            self.version = _str(pa.get("bwsim_version", b"?"))
            self.params_name = _str(pa.get("params_name", b"?"))
            self.seed = _str(pa.get("seed", "?"))
            self.params_text = (_str(p["params_yaml"][()])
                                if p is not None and "params_yaml" in p else "")
            # /provenance/changed (newer files): key, value, default of every changed setting
            ch = p["changed"] if p is not None and "changed" in p else None
            self.changed = (list(zip(*[[_str(x) for x in ch[n][()]] for n in
                                      ("key", "value", "default")]))
                            if ch is not None else None)
            st = p["settings"] if p is not None and "settings" in p else None
            self.settings = ({k: _str(v) for k, v in st.attrs.items()}
                             if st is not None else {})

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
        else:  # MODEL.md §8: stable = interval wholly on one side of p*
            self.stable = (self.p_lo >= self.p_star) | (self.p_hi < self.p_star)
        # risk rows -> gemeente index, and the flag probability per gemeente
        self.risk_g = np.array([self.index_of[c] for c in rk["code"]], dtype=int)
        self.g_p = np.zeros(self.ng)
        self.g_p[self.risk_g] = self.p
        self.g_flag = np.zeros(self.ng, dtype=bool)
        self.g_flag[self.risk_g] = self.flagged
        self.risk_centrum = self.g_centrum[self.risk_g]


# --------------------------------------------------------------------------
# The params text: a reader for the small YAML subset of bwsim params files
# (block mappings, flow mappings and lists, comments), enough to look up the
# settings the summary names. Anything it cannot read counts as absent.
# --------------------------------------------------------------------------

def _strip_comment(line):
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _unquote(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _parse_flow(s, i=0):
    """Parse a flow value starting at s[i]; returns (value, next index)."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i < len(s) and s[i] == "{":
        d = {}
        i += 1
        while True:
            while i < len(s) and s[i] in " ,":
                i += 1
            if i >= len(s):
                raise ValueError("unterminated {")
            if s[i] == "}":
                return d, i + 1
            j = s.index(":", i)
            key = _unquote(s[i:j])
            val, i = _parse_flow(s, j + 1)
            d[key] = val
    if i < len(s) and s[i] == "[":
        out = []
        i += 1
        while True:
            while i < len(s) and s[i] in " ,":
                i += 1
            if i >= len(s):
                raise ValueError("unterminated [")
            if s[i] == "]":
                return out, i + 1
            val, i = _parse_flow(s, i)
            out.append(val)
    j = i
    while j < len(s) and s[j] not in ",}]":
        j += 1
    return _unquote(s[i:j]), j


def parse_params(text):
    root = {}
    stack = [(-1, root)]
    for raw in text.splitlines():
        line = _strip_comment(raw).rstrip()
        if not line.strip() or line.lstrip().startswith("-"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        s = line.strip()
        if ":" not in s:
            continue
        key, _, val = s.partition(":")
        key, val = _unquote(key), val.strip()
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if val == "":
            d = {}
            parent[key] = d
            stack.append((indent, d))
        elif val[0] in "{[":
            try:
                parent[key] = _parse_flow(val)[0]
            except ValueError:
                parent[key] = val
        else:
            parent[key] = _unquote(val)
    return root


class Params:
    def __init__(self, text, settings=None):
        try:
            self.tree = parse_params(text)
        except Exception:  # an unreadable text: every setting counts as default
            self.tree = {}
        # /provenance/settings (newer files): the resolved values, defaults included
        self.settings = settings or {}

    def get(self, dotted):
        """(value as text, True when the params text sets it)"""
        if dotted in self.settings:
            _, explicit = self._from_text(dotted)
            return self.settings[dotted], explicit
        return self._from_text(dotted)

    def _from_text(self, dotted):
        node = self.tree
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return PARAM_DEFAULTS.get(dotted), False
            node = node[part]
        if isinstance(node, list):
            return "[" + ", ".join(str(x) for x in node) + "]", True
        if isinstance(node, dict):
            return None, True
        return str(node), True


# --------------------------------------------------------------------------
# Coastline and border (GSHHG binned netCDF-4, read with h5py)
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


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------

class Figure:
    def __init__(self, key, title, caption, fig):
        self.key = key
        self.title = title
        self.caption = caption
        self.fig = fig
        self.png = None
        self.filename = None


def _prob_formatter(L):
    return FuncFormatter(lambda v, _pos: L.num(v, 1))


def _meur_formatter(L):
    return FuncFormatter(lambda v, _pos: L.num(v / 1e6, 0))


def _int_formatter(L):
    return FuncFormatter(lambda v, _pos: L.num(v, 0))


def fig_map(res, L, basemap):
    k = math.cos(math.radians(MAP_LAT0))
    x = res.g_lon * k
    y = res.g_lat
    fig, ax = plt.subplots(figsize=(7.6, 8.4))
    pad = 0.25
    xlo, xhi = x.min() - pad, x.max() + pad
    ylo, yhi = y.min() - pad, y.max() + pad
    if basemap:
        coast, border = basemap
        for lx, ly in coast:
            ax.plot(lx * k, ly, color="#6b8fb3", lw=0.6, zorder=1)
        for lx, ly in border:
            ax.plot(lx * k, ly, color="#888888", lw=0.7, ls=(0, (4, 2)), zorder=1)
    levels = np.linspace(0.0, 1.0, 11)
    cmap = plt.get_cmap("YlOrRd")
    norm = mcolors.BoundaryNorm(levels, cmap.N)
    size = 6.0 + 260.0 * res.g_pop / max(res.g_pop.max(), 1.0)
    order = np.lexsort((np.arange(res.ng), res.g_p))  # high probability on top
    for centrum, marker in ((False, "o"), (True, "s")):
        idx = [i for i in order if res.g_centrum[i] == centrum]
        if not idx:
            continue
        idx = np.array(idx)
        edge = np.where(res.g_flag[idx], "black", "#999999")
        lw = np.where(res.g_flag[idx], 1.1, 0.3)
        ax.scatter(x[idx], y[idx], s=size[idx] * (0.8 if centrum else 1.0), c=res.g_p[idx],
                   cmap=cmap, norm=norm, marker=marker, edgecolors=edge, linewidths=lw,
                   zorder=3 if not centrum else 4)
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_visible(False)
    # scale bar: 50 km in the equal-aspect frame (1 degree latitude = 111.2 km)
    d = 50.0 / 111.2
    sx, sy = xlo + 0.15, ylo + 0.12
    ax.plot([sx, sx + d], [sy, sy], color="black", lw=2)
    ax.text(sx + d / 2, sy + 0.05, L("scale_km"), ha="center", va="bottom", fontsize=8)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    cb = fig.colorbar(sm, ax=ax, shrink=0.6, pad=0.02, ticks=levels[::2])
    cb.ax.yaxis.set_major_formatter(_prob_formatter(L))
    cb.set_label(L("ax_p"))
    cb.ax.axhline(res.p_star, color="black", lw=1.5)
    handles = [
        Line2D([], [], ls="", marker="o", mfc="#fdae61", mec="black", mew=1.1, ms=8,
               label=L("lg_flag")),
        Line2D([], [], ls="", marker="o", mfc="#ffffb2", mec="#999999", mew=0.3, ms=8,
               label=L("lg_noflag")),
        Line2D([], [], ls="", marker="s", mfc="white", mec="black", mew=0.6, ms=7,
               label=L("lg_centrum")),
    ]
    ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.9)
    fig.tight_layout()
    _name_top(fig, ax, res, x, y, size)
    return fig


def _name_top(fig, ax, res, x, y, size, n=10):
    """Name the n gemeenten with the highest probability next to their dots,
    each label at the first of a few positions around the dot where it
    overlaps no label placed before it."""
    fig.canvas.draw()  # fixes the layout, so that label extents are final
    renderer = fig.canvas.get_renderer()
    placed = []
    for r in range(min(n, len(res.risk_g))):
        i = res.risk_g[r]
        d = math.sqrt(size[i]) / 2.0 + 2.0  # the marker's radius in points, and a gap
        ann = None
        for dx, dy, ha, va in ((d, 0.5 * d, "left", "bottom"), (d, -0.5 * d, "left", "top"),
                               (-d, 0.5 * d, "right", "bottom"), (-d, -0.5 * d, "right", "top"),
                               (0, d, "center", "bottom"), (0, -d, "center", "top")):
            if ann is not None:
                ann.remove()
            ann = ax.annotate(res.g_name[i], (x[i], y[i]), xytext=(dx, dy),
                              textcoords="offset points", ha=ha, va=va, fontsize=7, zorder=5,
                              bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none",
                                        alpha=0.8))
            ext = ann.get_window_extent(renderer)
            if not any(ext.overlaps(p) for p in placed):
                break
        placed.append(ann.get_window_extent(renderer))


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
    ax.xaxis.set_major_formatter(_prob_formatter(L))
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
          Line2D([], [], color="black", lw=0.9, ls="--", label=L("ax_pstar", pstar=L.prob(p_star)))]
    ax.legend(handles=h, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=ncol or len(h),
              frameon=False, handlelength=1.6, columnspacing=1.2)


def fig_ranked(res, L, rows):
    names = [res.risk["name"][r] + (" (c)" if res.risk_centrum[r] else "") for r in rows]
    n = len(rows)
    fig, ax = plt.subplots(figsize=(7.6, 1.3 + 0.2 * n))
    _interval_chart(ax, names, res.p[rows], res.p_lo[rows], res.p_hi[rows], res.flagged[rows],
                    res.stable[rows], res.p_star, L)
    _interval_legend(ax, L, res.p_star)
    fig.tight_layout()
    return fig


def _fan(ax, years, st, color, label, scale=1.0):
    ax.fill_between(years, st["q05"] / scale, st["q95"] / scale, color=color, alpha=0.2, lw=0)
    ax.plot(years, st["q50"] / scale, color=color, lw=1.8, label=label)
    if "mean" in st:
        ax.plot(years, st["mean"] / scale, color=color, lw=1.0, ls="--")


def _year_axis(ax, res, L):
    ax.axvline(res.start_year, color="#555555", lw=0.8, ls=":")
    ax.set_xlim(res.years[0] - 0.3, res.years[-1] + 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.grid(color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)


def _fan_legend(ax, L, color):
    h = [Patch(color=color, alpha=0.2, label=L("lg_q")),
         Line2D([], [], color=color, lw=1.8, label=L("lg_med")),
         Line2D([], [], color=color, lw=1.0, ls="--", label=L("lg_mean")),
         Line2D([], [], color="#555555", lw=0.8, ls=":", label=L("lg_start"))]
    ax.legend(handles=h, loc="best", framealpha=0.9)


def _has_fan(st):
    return st is not None and all(k in st for k in ("q05", "q50", "q95"))


def fig_clients(res, L):
    keys = [("clients_I_jan1", "care_I"), ("clients_A_jan1", "care_A"),
            ("clients_M_jan1", "care_M")]
    keys = [k for k in keys if _has_fan(res.national.get(k[0]))]
    if not keys:
        return None
    fig, axes = plt.subplots(1, len(keys), figsize=(10.5, 3.6), squeeze=False)
    for ax, (q, lab) in zip(axes[0], keys):
        _fan(ax, res.years, res.national[q], C_BAND, L("lg_med"))
        ax.set_title(L(lab))
        ax.yaxis.set_major_formatter(_int_formatter(L))
        ax.set_ylim(bottom=0)
        _year_axis(ax, res, L)
    axes[0][0].set_ylabel(L("ax_clients"))
    _fan_legend(axes[0][-1], L, C_BAND)
    fig.tight_layout()
    return fig


def fig_money(res, L):
    cost, budget = res.national.get("cost_eur"), res.national.get("budget_eur")
    short = res.national.get("shortfall_eur")
    if not (_has_fan(cost) and _has_fan(budget)) and not _has_fan(short):
        return None
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.0))
    ax = axes[0]
    if _has_fan(cost) and _has_fan(budget):
        _fan(ax, res.years, cost, C_COST, L("lg_cost"), 1.0)
        _fan(ax, res.years, budget, C_BUDGET, L("lg_budget"), 1.0)
        ax.yaxis.set_major_formatter(_meur_formatter(L))
        ax.set_ylabel(L("ax_meur"))
        ax.set_title(L("ax_cost_budget"))
        _year_axis(ax, res, L)
        h = [Line2D([], [], color=C_COST, lw=1.8, label=L("lg_cost")),
             Line2D([], [], color=C_BUDGET, lw=1.8, label=L("lg_budget")),
             Patch(color="#777777", alpha=0.25, label=L("lg_q")),
             Line2D([], [], color="#444444", lw=1.0, ls="--", label=L("lg_mean"))]
        ax.legend(handles=h, loc="upper left", framealpha=0.9)
    else:
        ax.set_visible(False)
    ax = axes[1]
    if _has_fan(short):
        _fan(ax, res.years, short, C_BAND, L("lg_med"), 1.0)
        ax.axhline(0.0, color="black", lw=0.8)
        ax.yaxis.set_major_formatter(_meur_formatter(L))
        ax.set_ylabel(L("ax_meur"))
        ax.set_title(L("lg_short"))
        _year_axis(ax, res, L)
        _fan_legend(ax, L, C_BAND)
    else:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def fig_first_year(res, L):
    reform = res.years >= res.start_year
    fb = res.risk["first_bottleneck_year"].astype(int)
    if not reform.any():  # a start year after the horizon: show every year
        reform = np.ones_like(reform)
    flag_years = [int(y) for y in res.years[reform]]
    flag_counts = [int(np.sum(fb[res.flagged] == y)) for y in flag_years]
    have_rep = res.first_exceed_count is not None
    fig, axes = plt.subplots(1, 2 if have_rep else 1, figsize=(10.5 if have_rep else 6.5, 3.8),
                             squeeze=False)
    axes = axes[0]
    if have_rep:
        cnt = res.first_exceed_count
        ny = len(res.years)
        per_rep = cnt.sum(axis=1)
        R = float(per_rep.max()) if per_rep.size and per_rep.max() > 0 else float(res.R)
        avg = cnt[:, :ny].sum(axis=0) / R
        never = cnt[:, ny].sum() / R if cnt.shape[1] > ny else float("nan")
        ax = axes[0]
        ax.bar(res.years[reform], avg[reform], color="#d6604d", width=0.7)
        ax.set_title(L("ax_first_rep"))
        ax.set_ylabel(L("ax_ngem_avg"))
        ax.set_xlabel(L("ax_year"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: L.num(v, 0)))
        if not math.isnan(never):
            ax.text(0.98, 0.96, L("lg_never", n=L.num(never, 0)), transform=ax.transAxes,
                    ha="right", va="top", fontsize=8,
                    bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="#cccccc"))
        ax.grid(axis="y", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
    ax = axes[-1]
    ax.bar(flag_years, flag_counts, color=C_FLAG, width=0.7)
    ax.set_title(L("ax_first_flag", pstar=L.prob(res.p_star)))
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


def region_rows(res):
    """Rows of the region table: dicts with name, members, flagged, and the
    region-level figures when the results file has them."""
    rows = []
    if res.region_risk is not None and "name" in res.region_risk:
        rr = res.region_risk
        for j, name in enumerate(rr["name"]):
            row = {"name": name, "code": rr["code"][j] if "code" in rr else ""}
            for k in ("p_max_year", "p_se", "p_lo", "p_hi", "flagged", "flag_stable", "members",
                      "members_flagged", "members_flagged_pooled"):
                if k in rr:
                    row[k] = rr[k][j]
            rows.append(row)
        return rows
    codes = sorted(set(res.g_region))
    for rc in codes:
        members = [i for i, r in enumerate(res.g_region) if r == rc]
        name = res.g_name[res.index_of[rc]] if rc in res.index_of else rc
        rows.append({"name": name, "code": rc, "members": len(members),
                     "members_flagged": int(sum(res.g_flag[i] for i in members))})
    return rows


def fig_regions(res, L, rows):
    full = all("p_max_year" in r for r in rows) and rows
    if full:
        order = sorted(range(len(rows)), key=lambda j: (-float(rows[j]["p_max_year"]), j))
    else:
        order = sorted(range(len(rows)), key=lambda j: (-int(rows[j]["members_flagged"]),
                                                         rows[j]["name"]))
    rs = [rows[j] for j in order]
    n = len(rs)
    names = [r["name"] for r in rs]
    h = 1.3 + 0.2 * n
    if full:
        fig, axes = plt.subplots(1, 2, figsize=(10.5, h), gridspec_kw={"width_ratios": [3, 2]})
        p = np.array([float(r["p_max_year"]) for r in rs])
        se = np.array([float(r.get("p_se", 0.0)) for r in rs])
        lo = np.array([float(r["p_lo"]) if "p_lo" in r else max(0.0, p[j] - 1.96 * se[j])
                       for j, r in enumerate(rs)])
        hi = np.array([float(r["p_hi"]) if "p_hi" in r else min(1.0, p[j] + 1.96 * se[j])
                       for j, r in enumerate(rs)])
        fl = np.array([bool(r.get("flagged", p[j] >= res.p_star)) for j, r in enumerate(rs)])
        st = np.array([bool(r["flag_stable"]) if "flag_stable" in r
                       else (lo[j] >= res.p_star or hi[j] < res.p_star) for j, r in enumerate(rs)])
        _interval_chart(axes[0], names, p, lo, hi, fl, st, res.p_star, L)
        _interval_legend(axes[0], L, res.p_star, ncol=3)
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


def fig_variance(res, L):
    share = res.var_share
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 5.6), gridspec_kw={"width_ratios": [2, 3]})
    ax = axes[0]
    ok = np.isfinite(share)
    ax.hist(share[ok], bins=np.linspace(0, 1, 21), color="#4d4d4d")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: L.num(100 * v, 0) + "%"))
    ax.set_xlabel(L("ax_share"))
    ax.set_ylabel(L("ax_ngem"))
    ax.set_title(L("ax_all"))
    ax.grid(axis="y", color="#e5e5e5", lw=0.6)
    ax.set_axisbelow(True)
    ax = axes[1]
    rows = list(range(min(TOP_TABLE, len(res.risk_g))))
    n = len(rows)
    ypos = np.arange(n)[::-1]
    s = np.nan_to_num(np.array([share[res.risk_g[r]] for r in rows]), nan=0.0)
    ax.barh(ypos, s, color="#4d4d4d", height=0.7, label=L("lg_param"))
    ax.barh(ypos, 1 - s, left=s, color="#cfcfcf", height=0.7, label=L("lg_stoch"))
    ax.set_yticks(ypos)
    ax.set_yticklabels([res.risk["name"][r] for r in rows], fontsize=8)
    ax.set_ylim(-0.7, n - 0.3 + 1.6)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: L.num(100 * v, 0) + "%"))
    ax.set_title(L("ax_top"))
    ax.legend(loc="upper center", ncol=2, framealpha=0.95)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# The content: blocks rendered to HTML and to PDF
# --------------------------------------------------------------------------

def _name_list(L, res, rows, with_ci, limit):
    parts = []
    for r in rows[:limit]:
        nm = res.risk["name"][r]
        if with_ci:
            parts.append(L("s_name_ci", name=nm, p=L.prob(res.p[r]), lo=L.prob(res.p_lo[r]),
                           hi=L.prob(res.p_hi[r])))
        else:
            parts.append(L("s_name", name=nm, p=L.prob(res.p[r])))
    s = "; ".join(parts)
    if len(rows) > limit:
        s += L("s_more", n=len(rows) - limit)
    return s


def assumptions(res, L, P):
    items = []
    dflt = L("a_default")

    def mark(text, explicit):
        return text + ("" if explicit else dflt)

    old, _ = P.get("policy.old_regime_max_years")
    old_txt = L("a_old_limit", n=old) if old not in (None, "null", "~", "") else ""
    items.append(L("a_start", S=res.start_year, old=old_txt))
    mode, m_set = P.get("policy.ingroeipad.mode")
    if mode == "flow":
        cb, _ = P.get("policy.ingroeipad.complete_by")
        comp = L("a_flow_complete", y=cb) if cb not in (None, "null", "~", "") else ""
        items.append(mark(L("a_flow", complete=comp), m_set))
    elif mode == "linear":
        steps, _ = P.get("policy.ingroeipad.steps")
        items.append(mark(L("a_linear", steps=steps), m_set))
    elif mode == "custom":
        steps, _ = P.get("policy.ingroeipad.custom")
        items.append(mark(L("a_custom", S=res.start_year, steps=steps), m_set))
    else:
        items.append(L("a_mode_other", mode=mode))
    if res.pooling is not None:
        pool, p_set = res.pooling, True
    else:
        pool, p_set = P.get("policy.pooling")
    if pool == "none":
        items.append(mark(L("a_pool_none"), p_set))
    elif pool == "region":
        items.append(mark(L("a_pool_region"), p_set))
    else:
        items.append(L("a_pool_other", p=pool))
    mo, _ = P.get("policy.mo_decentralise_year")
    if mo in (None, "null", "~", ""):
        items.append(L("a_mo_central"))
    else:
        items.append(L("a_mo_decentral", y=mo))
    items.append(L("a_flag", S=res.start_year, last=res.last_year, pstar=L.prob(res.p_star),
                   theta=L.num(res.theta, 0 if res.theta == int(res.theta) else 2)))
    unc, u_set = P.get("uncertainty.enabled")
    if unc in ("false", "False", "no", "off"):
        items.append(L("a_unc_off"))
    else:
        K, k_set = P.get("uncertainty.outer_draws")
        if res.var_K:
            K = str(res.var_K)
        if K not in (None, "0", ""):
            items.append(L("a_unc_on") + L("a_unc_nested", K=K))
        else:
            items.append(mark(L("a_unc_on"), u_set or k_set))
    rule, r_set = P.get("policy.bijsturing.rule")
    fy, _ = P.get("policy.bijsturing.first_year")
    ev, _ = P.get("policy.bijsturing.every")
    if rule == "none":
        items.append(mark(L("a_bij_none"), r_set))
    elif rule == "pause":
        items.append(L("a_bij_pause", y=fy, n=ev))
    elif rule == "macro_correct":
        items.append(L("a_bij_macro", y=fy, n=ev))
    else:
        items.append(L("a_bij_other", r=rule))
    items.append(L("a_repro", R=L.num(res.R), seed=res.seed))
    return items


def build(res, L, out_figs_dir, notes_missing):
    """The report as a list of blocks, and the figures (saved as PNG)."""
    P = Params(res.params_text, res.settings)
    fmt = dict(S=res.start_year, first=res.first_year, last=res.last_year, R=L.num(res.R),
               theta=L.num(res.theta, 0 if res.theta == int(res.theta) else 2),
               pstar=L.prob(res.p_star), seed=res.seed, version=res.version)
    name = res.params_name
    assume = assumptions(res, L, P)
    blocks = [("h1", L("title")), ("sub", L("subtitle", name=name, **fmt)),
              ("p", L("intro", **fmt)),
              ("h2", L("h_assume")), ("ul", assume)]

    nf = int(res.flagged.sum())
    flagged_rows = [r for r in range(len(res.p)) if res.flagged[r]]
    results = []
    if nf == 0:
        results.append(L("r_none", pstar=fmt["pstar"]))
    else:
        ncf = int(res.risk_centrum[res.flagged].sum())
        results.append(L("r_flagged", nf=nf, ng=res.ng, ncf=ncf,
                         is_are=L("is") if ncf == 1 else L("are")))
        nfs = int((res.flagged & res.stable).sum())
        nfu = nf - nfs
        s = L("r_stable", nfs=nfs, nf=nf, nfu=nfu, is_are=L("is") if nfs == 1 else L("are"),
              is_are2=L("is") if nfu == 1 else L("are"))
        nuu = int((~res.flagged & ~res.stable).sum())
        if nuu:
            s += L("r_unstable_other", n=nuu, is_are=L("is") if nuu == 1 else L("are"))
        if nfu or nuu:
            s += L("r_stable_more")
        if not res.has_stable:
            s += " " + L("r_stable_se")
        results.append(s)
        fb = res.risk["first_bottleneck_year"].astype(int)[res.flagged]
        fb = fb[fb > 0]
        if fb.size:
            ys, cs = np.unique(fb, return_counts=True)
            j = int(np.argmax(cs))
            if len(ys) == 1:
                results.append(L("r_first1", y=int(ys[0])))
            elif cs[j] == 1 or np.sum(cs == cs[j]) > 1:  # no single most common year
                results.append(L("r_first_range", y0=int(ys[0]), y1=int(ys[-1])))
            else:
                results.append(L("r_first", y0=int(ys[0]), y1=int(ys[-1]), y=int(ys[j]),
                                 n=int(cs[j]), nf=int(fb.size)))
    short = res.national.get("shortfall_eur")
    if short is not None and "mean" in short:
        tot = float(short["mean"][res.years >= res.start_year].sum())
        results.append(L("r_nat", S=res.start_year, last=res.last_year,
                         amount=L.meur(abs(tot), 0), dir=L("higher") if tot >= 0 else L("lower")))
    if res.has_other_pool:
        n_other = int(res.risk["flagged_other_pooling"].astype(bool).sum())
        pool = res.pooling if res.pooling is not None else P.get("policy.pooling")[0]
        key = "r_other_pool_none" if pool == "region" else "r_other_pool_region"
        results.append(L(key, n=n_other, nf=nf))
    if res.region_risk is not None and "flagged" in res.region_risk:
        fl = np.asarray(res.region_risk["flagged"]).astype(bool)
        results.append(L("r_regions", n=int(fl.sum()), nr=len(fl)))
    if res.var_share is not None:
        vs = res.var_share[res.risk_g]
        sel = vs[res.flagged & np.isfinite(vs)]
        if sel.size:
            results.append(L("r_var", x=L.num(100 * float(sel.mean()), 0), S=res.start_year,
                             last=res.last_year))
        elif np.isfinite(vs).any():
            results.append(L("r_var_all", x=L.num(100 * float(np.nanmean(vs)), 0),
                             S=res.start_year, last=res.last_year))
    blocks += [("h2", L("h_results")), ("ul", results)]

    margin = 1.96 * 0.5 / math.sqrt(max(res.R, 1))
    sure = [L("s_intro", R=L.num(res.R), m=L.num(margin, 2), pstar=fmt["pstar"])]
    items = []
    st_rows = [r for r in flagged_rows if res.stable[r]]
    un_rows = [r for r in flagged_rows if not res.stable[r]]
    near = [r for r in range(len(res.p)) if not res.flagged[r] and not res.stable[r]]
    if st_rows:
        items.append(L("s_stable", n=len(st_rows), names=_name_list(L, res, st_rows, False, 10)))
    if un_rows:
        items.append(L("s_unstable", n=len(un_rows), names=_name_list(L, res, un_rows, True, 10)))
    if near:
        items.append(L("s_near", n=len(near), names=_name_list(L, res, near, True, 6)))
    blocks += [("h2", L("h_sure")), ("p", sure[0])]
    if items:
        blocks.append(("ul", items))

    blocks += [("h2", L("h_conclude")), ("p_b", L("c_yes")), ("ul", [L("c_yes1"), L("c_yes2")]),
               ("p_b", L("c_no")),
               ("ul", [L("c_no1"), L("c_no2", theta=fmt["theta"], pstar=fmt["pstar"]),
                       L("c_no3"), L("c_no4")])]

    # ---- figures
    figs = []
    notes = list(notes_missing)
    if any(L("a_default") in x for x in assume):
        notes.append(L("n_default"))
    if res.g_lat is not None and res.g_lon is not None:
        k = 0.5
        box = (float(np.nanmin(res.g_lon)) - k, float(np.nanmax(res.g_lon)) + k,
               float(np.nanmin(res.g_lat)) - k, float(np.nanmax(res.g_lat)) + k)
        basemap = load_basemap(box)
        figs.append(Figure("map", L("f_map"), L("f_map_cap", **fmt), fig_map(res, L, basemap)))
        notes.append(L("n_boundary"))
        notes.append(L("n_coast", pkg=GSHHG_PACKAGE) if basemap else
                     L("n_nocoast", pkg=GSHHG_PACKAGE))
    if nf >= TOP_TABLE:
        rows = flagged_rows[:MAX_RANKED]
        title = L("f_ranked")
        if nf > MAX_RANKED:
            notes.append(L("n_ranked_cap", n=MAX_RANKED, nf=nf))
    else:
        rows = list(range(min(TOP_TABLE, len(res.p))))
        title = L("f_ranked_top", n=len(rows)) if nf < len(rows) else L("f_ranked")
    figs.append(Figure("ranked", title, L("f_ranked_cap", **fmt), fig_ranked(res, L, rows)))
    f = fig_clients(res, L)
    if f is not None:
        figs.append(Figure("clients", L("f_clients"), L("f_clients_cap"), f))
    f = fig_money(res, L)
    if f is not None:
        figs.append(Figure("money", L("f_money"), L("f_money_cap"), f))
        notes.append(L("n_money"))
    figs.append(Figure("first_year", L("f_first"),
                       L("f_first_cap2") if res.first_exceed_count is not None
                       else L("f_first_cap1"), fig_first_year(res, L)))
    rrows = region_rows(res)
    if rrows:
        full = res.region_risk is not None
        figs.append(Figure("regions", L("f_regions"),
                           L("f_regions_cap") if full else L("f_regions_cap_min"),
                           fig_regions(res, L, rrows)))
    if res.var_share is not None:
        figs.append(Figure("variance", L("f_var"),
                           L("f_var_cap", n=min(TOP_TABLE, len(res.p)), **fmt),
                           fig_variance(res, L)))

    os.makedirs(out_figs_dir, exist_ok=True)
    for i, fg in enumerate(figs, 1):
        fg.filename = "%02d_%s.png" % (i, fg.key)
        buf = io.BytesIO()
        fg.fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": "bwsim report"})
        plt.close(fg.fig)
        fg.png = buf.getvalue()
        with open(os.path.join(out_figs_dir, fg.filename), "wb") as fh:
            fh.write(fg.png)

    blocks += [("pagebreak", None), ("h2", L("h_figures"))]
    for fg in figs:
        blocks.append(("fig", fg))
    blocks.append(("h2", L("h_tables")))
    blocks.append(("table", top_table(res, L, fmt)))
    blocks.append(("table", region_table(res, L, rrows)))
    if res.changed:
        blocks.append(("table", Table(L("t_changed"), L("t_changed_cap"),
                                      [L("col_setting"), L("col_this"), L("col_default")],
                                      [list(r) for r in res.changed], "lll", [2.4, 1.6, 1.6],
                                      False)))
    elif res.changed is not None:
        notes.append(L("n_all_default"))
    blocks += [("pagebreak", None), ("h2", L("h_notes")), ("notes", notes)]
    blocks.append(("footer", L("footer", version=res.version, file="results.h5")))
    return blocks, figs


class Table:
    def __init__(self, title, caption, header, rows, align, widths, landscape):
        self.title, self.caption = title, caption
        self.header, self.rows, self.align, self.widths = header, rows, align, widths
        self.landscape = landscape


def top_table(res, L, fmt):
    n = min(TOP_TABLE, len(res.p))
    header = [L("col_rank"), L("col_name"), L("col_pop"), L("col_p"), L("col_ci"),
              L("col_stable"), L("col_first"), L("col_pany"), L("col_mean"), L("col_q95"),
              L("col_cvar")]
    align = "rlrrcccrrrr"
    widths = [0.3, 1.7, 0.8, 0.5, 0.9, 0.6, 0.8, 0.8, 0.95, 0.95, 0.95]
    if res.has_other_pool:
        header.append(L("col_other"))
        align += "c"
        widths.append(1.3)
    rows = []
    rk = res.risk
    for r in range(n):
        fb = int(rk["first_bottleneck_year"][r])
        row = [str(int(rk["rank"][r])),
               rk["name"][r] + (" (c)" if res.risk_centrum[r] else ""),
               L.num(float(rk["population"][r])),
               L.prob(res.p[r]),
               "%s\u2013%s" % (L.prob(res.p_lo[r]), L.prob(res.p_hi[r])),
               L("yes") if res.stable[r] else L("no"),
               str(fb) if fb > 0 else L("none"),
               L.prob(float(rk["p_any_year"][r])),
               L.num(float(rk["mean_cum_shortfall_eur"][r]) / 1e6, 1),
               L.num(float(rk["q95_cum_shortfall_eur"][r]) / 1e6, 1),
               L.num(float(rk["cvar95_cum_shortfall_eur"][r]) / 1e6, 1)]
        if res.has_other_pool:
            row.append(L("yes") if rk["flagged_other_pooling"][r] else L("no"))
        rows.append(row)
    return Table(L("t_top", n=n), L("t_top_cap", **fmt), header, rows, align, widths, True)


def region_table(res, L, rrows):
    full = res.region_risk is not None
    header = [L("col_region"), L("col_members"), L("col_mflag")]
    align = "lrr"
    widths = [1.6, 0.9, 1.0]
    has_pooled = rrows and all("members_flagged_pooled" in r for r in rrows)
    if has_pooled:
        header.append(L("col_mflag_pool"))
        align += "r"
        widths.append(1.6)
    if full:
        header += [L("col_p"), L("col_ci"), L("col_flag"), L("col_stable")]
        align += "rccc"
        widths += [0.6, 1.0, 0.6, 0.6]
        order = sorted(range(len(rrows)), key=lambda j: (-float(rrows[j].get("p_max_year", 0)), j))
    else:
        order = sorted(range(len(rrows)), key=lambda j: (-int(rrows[j]["members_flagged"]),
                                                         rrows[j]["name"]))
    rows = []
    for j in order:
        r = rrows[j]
        row = [r["name"], str(int(r["members"])), str(int(r["members_flagged"]))]
        if has_pooled:
            row.append(str(int(r["members_flagged_pooled"])))
        if full:
            p = float(r.get("p_max_year", float("nan")))
            se = float(r.get("p_se", 0.0))
            lo = float(r["p_lo"]) if "p_lo" in r else max(0.0, p - 1.96 * se)
            hi = float(r["p_hi"]) if "p_hi" in r else min(1.0, p + 1.96 * se)
            fl = bool(r["flagged"]) if "flagged" in r else p >= res.p_star
            st = bool(r["flag_stable"]) if "flag_stable" in r else (lo >= res.p_star or
                                                                   hi < res.p_star)
            row += [L.prob(p), "%s\u2013%s" % (L.prob(lo), L.prob(hi)),
                    L("yes") if fl else L("no"), L("yes") if st else L("no")]
        rows.append(row)
    return Table(L("t_regions"), L("f_regions_cap") if full else L("f_regions_cap_min"),
                 header, rows, align, widths, False)


# ---- HTML ----------------------------------------------------------------

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 60em; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.sub { color: #555; margin-top: 0; }
figure { margin: 1.5em 0; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figure#map img { max-width: 75%; }
figcaption { font-size: 0.9em; color: #444; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em 0; }
th, td { padding: 0.2em 0.5em; border-bottom: 1px solid #e3e3e3; }
th { background: #f3f3f3; text-align: left; }
td.r { text-align: right; } td.c { text-align: center; }
.caption { font-size: 0.9em; color: #444; }
li.missing { color: #8a4b00; }
.footer { font-size: 0.8em; color: #777; margin-top: 3em; }
"""


def to_html(blocks, L):
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="%s">' % L.code, "<head>", '<meta charset="utf-8">',
           "<title>%s</title>" % e(L("title")), "<style>%s</style>" % CSS, "</head>", "<body>"]
    for kind, val in blocks:
        if kind == "h1":
            out.append("<h1>%s</h1>" % e(val))
        elif kind == "sub":
            out.append('<p class="sub">%s</p>' % e(val))
        elif kind == "h2":
            out.append("<h2>%s</h2>" % e(val))
        elif kind == "p":
            out.append("<p>%s</p>" % e(val))
        elif kind == "p_b":
            out.append("<p><strong>%s</strong></p>" % e(val))
        elif kind == "ul":
            out.append("<ul>" + "".join("<li>%s</li>" % e(x) for x in val) + "</ul>")
        elif kind == "notes":
            out.append("<ul>" + "".join(
                '<li class="missing">%s</li>' % e(x[1]) if isinstance(x, tuple) else
                "<li>%s</li>" % e(x) for x in val) + "</ul>")
        elif kind == "fig":
            b64 = base64.b64encode(val.png).decode("ascii")
            out.append('<figure id="%s"><h3>%s</h3><img src="data:image/png;base64,%s" alt="%s">'
                       "<figcaption>%s</figcaption></figure>"
                       % (e(val.key), e(val.title), b64, e(val.title), e(val.caption)))
        elif kind == "table":
            t = val
            out.append("<h3>%s</h3>" % e(t.title))
            out.append('<p class="caption">%s</p>' % e(t.caption))
            out.append("<table><thead><tr>" + "".join("<th>%s</th>" % e(h) for h in t.header)
                       + "</tr></thead><tbody>")
            for row in t.rows:
                cells = []
                for c, a in zip(row, t.align):
                    cls = {"r": ' class="r"', "c": ' class="c"'}.get(a, "")
                    cells.append("<td%s>%s</td>" % (cls, e(c)))
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</tbody></table>")
        elif kind == "footer":
            out.append('<p class="footer">%s</p>' % e(val))
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


# ---- PDF -----------------------------------------------------------------

class PdfWriter:
    """Lays blocks out on pages: text flows (wrapped with measured widths),
    figures and tables start pages of their own. With draw=False it only
    counts pages (to choose the font size that keeps the summary on one)."""

    MARGIN = 0.7  # inches, every side

    def __init__(self, pdf, draw=True, fontsize=10.0, widths=None):
        self.pdf = pdf
        self.draw = draw
        self.fs = fontsize
        self.fig = None
        self.size = A4
        self.y = 0.0
        self.page = 0
        self.open = False  # a page is open for text
        self._measure = RendererAgg(10, 10, 72)  # 72 dpi: widths in points
        self._widths = {} if widths is None else widths  # shared between layouts

    # -- pages
    def new_page(self, size=A4):
        self._flush()
        self.size = size
        self.y = size[1] - self.MARGIN
        self.page += 1
        self.open = True
        if self.draw:
            self.fig = plt.figure(figsize=size)

    def _flush(self):
        self.open = False
        if self.fig is not None:
            self.fig.text(0.5, 0.3 / self.size[1], str(self.page), ha="center", va="bottom",
                          fontsize=8, color="#777777")
            self.pdf.savefig(self.fig)
            plt.close(self.fig)
            self.fig = None

    def close(self):
        self._flush()

    def _ensure_page(self):
        if not self.open:
            self.new_page()

    # -- text
    def _word_in(self, word, weight):
        """Width in inches of word at 10 pt; text widths scale with the size."""
        key = (word, weight)
        w = self._widths.get(key)
        if w is None:
            prop = FontProperties(family="DejaVu Sans", size=10.0, weight=weight)
            w = self._measure.get_text_width_height_descent(word, prop, ismath=False)[0] / 72.0
            self._widths[key] = w
        return w

    def wrap(self, s, fontsize, weight, width_in):
        """Greedy word wrap with measured widths (words summed, one space between)."""
        k = fontsize / 10.0
        space = self._word_in("a a", weight) - 2 * self._word_in("a", weight)
        lines, cur, cur_w = [], [], 0.0
        for word in s.split(" "):
            w = self._word_in(word, weight)
            if cur and (cur_w + space + w) * k > width_in:
                lines.append(" ".join(cur))
                cur, cur_w = [word], w
            else:
                cur_w = cur_w + (space if cur else 0.0) + w
                cur.append(word)
        lines.append(" ".join(cur))
        return lines

    def text(self, s, fontsize, weight="normal", indent=0.0, bullet=None, gap=0.06,
             color="black", lead=1.32):
        self._ensure_page()
        bi = 0.18 if bullet else 0.0
        width = self.size[0] - 2 * self.MARGIN - indent - bi
        lh = fontsize * lead / 72.0
        for k, line in enumerate(self.wrap(s, fontsize, weight, width)):
            if self.y - lh < self.MARGIN:
                self.new_page(self.size)
            if self.draw:
                W, H = self.size
                if bullet and k == 0:
                    self.fig.text((self.MARGIN + indent) / W, self.y / H, bullet,
                                  fontsize=fontsize, va="top", color=color)
                self.fig.text((self.MARGIN + indent + bi) / W, self.y / H, line,
                              fontsize=fontsize, weight=weight, va="top", color=color)
            self.y -= lh
        self.y -= gap

    # -- blocks
    def block(self, kind, val, L):
        fs = self.fs
        if kind == "h1":
            self.text(val, fs + 5, "bold", gap=0.04)
        elif kind == "sub":
            self.text(val, fs, color="#555555", gap=0.1)
        elif kind == "h2":
            if self.open and self.y < self.MARGIN + 1.2:
                self._flush()
            self.y -= 0.04
            self.text(val, fs + 2.5, "bold", gap=0.04)
        elif kind == "p":
            self.text(val, fs)
        elif kind == "p_b":
            self.text(val, fs, "bold", gap=0.02)
        elif kind in ("ul", "notes"):
            for x in val:
                self.text(x[1] if isinstance(x, tuple) else x, fs, bullet="\u2022", gap=0.03)
            self.y -= 0.04
        elif kind == "pagebreak":
            self._flush()
        elif kind == "fig":
            self.figure(val)
        elif kind == "table":
            self.table(val)
        elif kind == "footer":
            self.text(val, 8, color="#777777")

    def figure(self, fg):
        self.new_page()
        self.text(fg.title, 13, "bold", gap=0.08)
        self.text(fg.caption, 9, gap=0.15, color="#333333")
        if not self.draw:
            return
        img = plt.imread(io.BytesIO(fg.png), format="png")
        h_px, w_px = img.shape[0], img.shape[1]
        W, H = self.size
        avail_w = W - 2 * self.MARGIN
        avail_h = self.y - self.MARGIN
        scale = min(avail_w / w_px, avail_h / h_px)
        w, h = w_px * scale, h_px * scale
        x0 = self.MARGIN + (avail_w - w) / 2
        ax = self.fig.add_axes([x0 / W, (self.y - h) / H, w / W, h / H])
        ax.imshow(img, interpolation="none")
        ax.set_axis_off()
        self.y -= h

    def table(self, t):
        size = A4_LANDSCAPE if t.landscape else A4
        fs = 8
        rh = fs * 1.5 / 72.0
        start = 0
        while True:
            self.new_page(size)
            self.text(t.title, 13, "bold", gap=0.08)
            if start == 0:
                self.text(t.caption, 9, gap=0.15, color="#333333")
            W = size[0]
            scale = (W - 2 * self.MARGIN) / sum(t.widths)
            xs = [self.MARGIN]
            for w in t.widths:
                xs.append(xs[-1] + w * scale)
            self._row(t.header, t.align, xs, fs, "bold")
            if self.draw:
                yl = (self.y + 0.03) / size[1]
                self.fig.add_artist(Line2D([self.MARGIN / W, (W - self.MARGIN) / W], [yl, yl],
                                           color="#999999", lw=0.6))
            n = max(1, int((self.y - self.MARGIN) / rh))
            for row in t.rows[start:start + n]:
                self._row(row, t.align, xs, fs, "normal")
            start += n
            if start >= len(t.rows):
                break

    def _row(self, cells, align, xs, fs, weight):
        if self.draw:
            W, H = self.size
            for j, (c, a) in enumerate(zip(cells, align)):
                if a == "r":
                    x, ha = xs[j + 1] - 0.05, "right"
                elif a == "c":
                    x, ha = (xs[j] + xs[j + 1]) / 2, "center"
                else:
                    x, ha = xs[j] + 0.05, "left"
                self.fig.text(x / W, self.y / H, c, fontsize=fs, weight=weight, ha=ha, va="top")
        self.y -= fs * 1.5 / 72.0


def summary_fontsize(blocks, widths):
    """The largest body font size (points) at which the summary blocks (up to
    the first pagebreak) fit on one A4 page."""
    end = next((i for i, b in enumerate(blocks) if b[0] == "pagebreak"), len(blocks))
    for fs in (10.0, 9.5, 9.0, 8.5, 8.0, 7.5):
        w = PdfWriter(None, draw=False, fontsize=fs, widths=widths)
        for kind, val in blocks[:end]:
            w.block(kind, val, None)
        if w.page <= 1:
            return fs
    return 7.5


def to_pdf(blocks, path, L):
    meta = {"Title": L("title"), "Creator": "bwsim report", "CreationDate": None,
            "Producer": "bwsim report (matplotlib)"}
    widths = {}
    fs = summary_fontsize(blocks, widths)
    with PdfPages(path, metadata=meta) as pdf:
        w = PdfWriter(pdf, draw=True, fontsize=fs, widths=widths)
        for kind, val in blocks:
            if kind == "h2" and val in (L("h_figures"), L("h_tables")):
                continue  # figures and tables start pages of their own
            w.block(kind, val, L)
        w.close()


# --------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(prog="report.py",
                                 description="Write the bwsim Taskforce report of a results "
                                             "directory into OUTDIR.")
    ap.add_argument("dir", help="results directory (holds results.h5)")
    ap.add_argument("--out", required=True, help="directory to write into (must exist or be "
                                                   "creatable)")
    ap.add_argument("--lang", choices=("nl", "en"), default="nl")
    ap.add_argument("--quiet", action="store_true", help="accepted for symmetry; the script "
                    "prints nothing but errors anyway")
    args = ap.parse_args(argv)

    h5 = os.path.join(args.dir, "results.h5")
    if not os.path.isfile(h5):
        sys.stderr.write("report.py: %s: no such file\n" % h5)
        return 2
    L = Lang(args.lang)
    try:
        res = Results(h5)
    except (OSError, KeyError) as e:
        sys.stderr.write("report.py: %s: cannot read the results (%s)\n" % (h5, e))
        return 1

    missing = []

    def miss(what, effect):
        missing.append(("missing", L("n_missing", what=L(what), effect=L(effect))))

    if res.g_lat is None or res.g_lon is None:
        miss("n_latlon", "n_latlon_eff")
    if not res.has_ci or not res.has_stable:
        miss("n_ci", "n_ci_eff")
    if res.first_exceed_count is None:
        miss("n_fec", "n_fec_eff")
    if res.region_risk is None:
        miss("n_regions", "n_regions_eff")
    if res.var_share is None:
        miss("n_var", "n_var_eff")
    if not res.has_other_pool:
        miss("n_other_pool", "n_other_pool_eff")

    os.makedirs(args.out, exist_ok=True)
    blocks, figs = build(res, L, os.path.join(args.out, "figures"), missing)
    with open(os.path.join(args.out, "report.html"), "w", encoding="utf-8") as fh:
        fh.write(to_html(blocks, L))
    to_pdf(blocks, os.path.join(args.out, "report.pdf"), L)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
