"""Words and numbers: the number formats of each language, the plain names of
parameters and their values, and every sentence of the run report in Dutch
and English.

Texts use {name} placeholders and [[fig:KEY]], [[tab:KEY]] and [[sec:KEY]]
references, which the document (html.py) turns into numbered links. A text
that a reader sees never holds a parameter key, a package name or an engine
mode name; those appear only in the technical appendix, where the plain names
below map them.
"""

import math

# --------------------------------------------------------------------------
# Texts both reports use
# --------------------------------------------------------------------------

COMMON = {
    "nl": {
        "eur_mln": "\u20ac\u00a0{x}\u00a0mln",
        "eur": "\u20ac\u00a0{x}",
        "ref_fig": "figuur\u00a0{n}", "ref_tab": "tabel\u00a0{n}", "ref_sec": "hoofdstuk\u00a0{n}",
        "ref_app": "bijlage\u00a0{n}",
        "cap_fig": "Figuur\u00a0{n}.", "cap_tab": "Tabel\u00a0{n}.",
        "yes": "ja", "no": "nee", "none": "\u2013", "and": "en",
        "list_more": "{list} en {n} andere",
        "map_credit": "Gemeentegrenzen 2021: CBS/PDOK, CC BY 4.0 (Bron: CBS).",
        "map_missing": "De gemeentegrenzen ({path}) ontbreken; de kaart toont elke gemeente als "
                       "stip op haar middelpunt.",
        "map_missing_nolatlon": "De gemeentegrenzen ({path}) ontbreken en het bestand bevat geen "
                                "middelpunten van de gemeenten: de kaart is weggelaten.",
        "lg_region_border": "grens van een regio",
        "lg_nodata": "geen gegevens",
        "scale_km": "50 km",
        "not_": "niet ", "col_stable": "Stabiel", "col_this": "Dit scenario",
        "t_file": "Het bestand", "t_file_cap": "Waaruit dit rapport is gemaakt.",
        "col_item": "Onderdeel", "col_value": "Waarde",
        "fi_file": "bestand", "fi_format": "formaat", "fi_version": "bwsim-versie",
        "fi_seed": "seed", "fi_years": "jaren",
    },
    "en": {
        "eur_mln": "\u20ac{x}\u00a0m",
        "eur": "\u20ac{x}",
        "ref_fig": "Figure\u00a0{n}", "ref_tab": "Table\u00a0{n}", "ref_sec": "section\u00a0{n}",
        "ref_app": "Appendix\u00a0{n}",
        "cap_fig": "Figure\u00a0{n}.", "cap_tab": "Table\u00a0{n}.",
        "yes": "yes", "no": "no", "none": "\u2013", "and": "and",
        "list_more": "{list} and {n} more",
        "map_credit": "Gemeente boundaries 2021: CBS/PDOK, CC BY 4.0 (Source: CBS).",
        "map_missing": "The gemeente boundaries ({path}) are missing; the map shows each gemeente "
                       "as a dot at its centre.",
        "map_missing_nolatlon": "The gemeente boundaries ({path}) are missing and the file holds "
                                "no centres of the gemeenten: the map is left out.",
        "lg_region_border": "border of a region",
        "lg_nodata": "no data",
        "scale_km": "50 km",
        "not_": "not ", "col_stable": "Stable", "col_this": "This scenario",
        "t_file": "The file", "t_file_cap": "What this report was made from.",
        "col_item": "Item", "col_value": "Value",
        "fi_file": "file", "fi_format": "format", "fi_version": "bwsim version",
        "fi_seed": "seed", "fi_years": "years",
    },
}

# --------------------------------------------------------------------------
# Plain names of parameters and of their values (the technical appendix maps
# them back to the keys)
# --------------------------------------------------------------------------

LABELS = {
    "policy.start_year": ("startjaar", "start year"),
    "policy.ingroeipad.mode": ("ingroeipad", "phase-in path"),
    "policy.ingroeipad.steps": ("aantal stappen van het ingroeipad",
                                "number of steps of the phase-in path"),
    "policy.ingroeipad.complete_by": ("jaar waarin het ingroeipad af is",
                                      "year the phase-in path is complete"),
    "policy.ingroeipad.custom": ("eigen ingroeipad", "custom phase-in path"),
    "policy.pooling": ("regionale verevening", "regional pooling"),
    "policy.mo_decentralise_year": ("jaar waarin de opvang decentraliseert",
                                    "year the opvang decentralises"),
    "policy.old_regime_max_years": ("overgangstermijn voor zittende cli\u00ebnten",
                                    "transition term for existing clients"),
    "policy.bijsturing.rule": ("tussentijdse bijsturing", "interim adjustment"),
    "policy.bijsturing.first_year": ("eerste jaar van bijsturing",
                                     "first year of adjustment"),
    "policy.bijsturing.every": ("termijn van bijsturing", "adjustment interval"),
    "policy.bijsturing.flag_fraction": ("aandeel signalen dat bijsturing start",
                                        "share of flags that starts an adjustment"),
    "budget.budget_index": ("indexering van het budget", "budget indexation"),
    "budget.volume_growth": ("volumegroei van het budget", "volume growth of the budget"),
    "budget.mo_extra_eur": ("extra budget voor de opvang", "extra opvang budget"),
    "costs.cost_index": ("kostenstijging", "cost growth"),
    "flows.population_growth": ("bevolkingsgroei", "population growth"),
    "flows.p_step_down": ("doorstroom naar beschermd thuis", "step-down to beschermd thuis"),
    "flows.p_outside_region": ("zorg buiten de eigen regio", "care outside the own region"),
    "flows.supply_attraction": ("aantrekking door bestaand aanbod",
                                "pull of existing supply"),
    "flows.wlz.realisation_factor": ("overgang naar de Wlz bij de start",
                                     "transfer to the Wlz at the start"),
    "flows.wlz.p_wave": ("overgang naar de Wlz bij de start", "transfer to the Wlz at the start"),
    "flows.wlz.hazard": ("jaarlijkse overgang naar de Wlz", "yearly transfer to the Wlz"),
    "flows.wlz.exit_rate": ("uitstroom uit de Wlz", "exit from the Wlz"),
    "flags.threshold_eur_per_inhabitant": ("drempel per inwoner",
                                           "threshold per inhabitant"),
    "flags.p_star": ("kansgrens", "probability threshold"),
    "uncertainty.enabled": ("onzekere aannames", "uncertain assumptions"),
    "uncertainty.outer_draws": ("groepen met dezelfde aannames",
                                "groups sharing their assumptions"),
    "run.replications": ("aantal simulaties", "number of simulations"),
    "run.name": ("naam van het scenario", "name of the scenario"),
    "run.seed": ("startgetal van het toeval", "random seed"),
}
PART_LABELS = {  # the last part of flows.*.I and the like
    "I": ("intramuraal", "intramural"), "A": ("beschermd thuis", "beschermd thuis"),
    "M": ("opvang", "opvang"),
    "rate_per_1000": ("instroom per 1000 inwoners", "entry rate per 1000 inhabitants"),
    "growth": ("groei van de instroom", "growth of the entry rate"),
    "duration_mean_years": ("gemiddelde verblijfsduur", "mean length of stay"),
    "tariff_eur_per_day": ("tarief per dag", "tariff per day"),
    "stock": ("cli\u00ebnten op 1 januari 2021", "clients on 1 January 2021"),
    "verdeelmodel": ("verdeelmodel", "allocation model"),
    "need": ("werkelijke zorgvraag", "real need"),
    "constant": ("vaste voet", "fixed part"),
    "single_hh": ("eenpersoonshuishoudens", "single-person households"),
    "nonwestern": ("niet-westerse migratieachtergrond", "non-western migration background"),
    "urbanity": ("stedelijkheid", "urbanity"),
}
VALUES = {
    "none": ("geen", "none"), "region": ("per regio", "by region"),
    "flow": ("met de cli\u00ebntenstroom mee", "following the client flow"),
    "linear": ("in gelijke stappen", "in equal steps"), "custom": ("eigen schema", "custom"),
    "null": ("geen", "none"), "~": ("geen", "none"), "true": ("aan", "on"),
    "false": ("uit", "off"), "pause": ("pauzeren", "pause"),
    "macro_correct": ("macrobudget bijstellen", "correct the macro budget"),
}
_GROUPS = ("policy", "flows", "costs", "budget", "flags", "uncertainty", "run")


class Lang:
    """Texts and number formats of one language: L("key", **kw) formats a
    text; the methods format numbers the way the language writes them."""

    def __init__(self, code, *tables):
        self.code = code
        self.i = 0 if code == "nl" else 1
        self.t = dict(COMMON[code])
        for t in tables:
            self.t.update(t[code])

    def __call__(self, key, **kw):
        s = self.t[key]
        return s.format(**kw) if kw else s

    def n(self, key, n, **kw):
        """key_1 or key_n by the count n."""
        return self(key + ("_1" if n == 1 else "_n"), n=n, **kw)

    def n0(self, key, n, **kw):
        """key_0, key_1 or key_n by the count n."""
        return self(key + "_0", **kw) if n == 0 else self.n(key, n, **kw)

    # -- numbers
    def num(self, x, nd=0):
        s = "{:,.{}f}".format(x, nd)
        if self.code == "nl":
            s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        if s.lstrip("-").strip("0,.") == "":  # no "-0"
            s = s.lstrip("-")
        return s.replace("-", "\u2212")

    def pct(self, p, nd=0):
        return self.num(100.0 * p, nd) + "%"

    def pct_p(self, p, p_star):
        """A probability as a percentage that never seems to sit on the wrong
        side of the threshold p_star (49.7% rather than 50%)."""
        for nd in (0, 1, 2):
            s = self.num(100.0 * p, nd)
            shown = round(100.0 * p, nd)
            if (shown >= 100.0 * p_star) == (p >= p_star):
                return s + "%"
        return s + "%"

    def pct_range(self, lo, hi):
        return "%s\u2013%s" % (self.num(100.0 * lo, 0), self.pct(hi))

    def pct_ci(self, p, lo, hi):
        return "%s (%s)" % (self.pct(p), self.pct_range(lo, hi))

    def pp(self, d, nd=0):
        s = self.num(abs(100.0 * d), nd)
        return ("+" if d > 0 and s.strip("0,.") else "\u2212" if d < 0 and s.strip("0,.") else
                "") + s

    def meur(self, x, nd=1):
        """Million euros, the sign before the euro sign."""
        s = self("eur_mln", x=self.num(abs(x) / 1e6, nd))
        return ("\u2212" if x < 0 and self.num(abs(x) / 1e6, nd).strip("0,.") else "") + s

    def dmeur(self, x, nd=1):
        """A difference in million euros: always signed."""
        s = self.meur(x, nd)
        return ("+" if x > 0 and self.num(x / 1e6, nd).strip("0,.") else "") + s

    def mln(self, x, nd=1):
        """Million euros as a bare number (table cells under a '€ mln' header)."""
        return self.num(x / 1e6, nd)

    def eur(self, x, nd=0):
        return self("eur", x=self.num(x, nd))

    def deur(self, x, nd=0):
        s = self.eur(abs(x), nd)
        nonzero = self.num(abs(x), nd).strip("0,.")
        return ("+" if x > 0 and nonzero else "\u2212" if x < 0 and nonzero else "") + s

    def pm(self, x, m, scale=1e6, nd=1):
        return "%s \u00b1\u00a0%s" % (self.num(x / scale, nd), self.num(m / scale, nd))

    def ratio(self, r):
        return self.num(r, 1)

    def theta(self, x):
        return self.eur(x, 0 if x == int(x) else 2)

    def join(self, items, more=0):
        """"a, b en c"; with more > 0: "a, b, c en 4 andere"."""
        items = list(items)
        if more:
            return self("list_more", list=", ".join(items), n=more)
        if len(items) <= 1:
            return "".join(items)
        return "%s %s %s" % (", ".join(items[:-1]), self("and"), items[-1])

    # -- parameters
    def label(self, key):
        """The plain name of a parameter key."""
        if key in LABELS:
            return LABELS[key][self.i]
        parts = key.split(".")
        words = [PART_LABELS[p][self.i] if p in PART_LABELS else p.replace("_", " ")
                 for p in parts[-2:] if p not in _GROUPS]
        if len(words) == 2 and parts[-1] in PART_LABELS and parts[-2] in PART_LABELS:
            return "%s, %s" % (words[0], words[1])
        return " ".join(words) if words else key

    def value(self, v):
        """A parameter value in words: numbers in the language's format."""
        v = v.strip()
        if v in VALUES:
            return VALUES[v][self.i]
        try:
            x = float(v)
        except ValueError:
            return v
        if math.isfinite(x) and x == int(x) and "." not in v and "e" not in v.lower():
            return str(int(x)) if abs(x) < 10000 else self.num(x)
        nd = len(v.split(".")[1]) if "." in v and "e" not in v.lower() else 3
        return self.num(x, min(nd, 6))


# --------------------------------------------------------------------------
# The drivers of a shortfall (/gemeente/decomposition): short name, plain
# explanation, colour. Unknown components get the file's description.
# --------------------------------------------------------------------------

COMPONENTS = {
    "cost_bw_eur": (("Kosten beschermd wonen", "Cost of beschermd wonen"),
                    ("wat de gemeente betaalt voor de zorg aan haar cli\u00ebnten in beschermd "
                     "wonen, in een instelling of thuis (beschermd thuis)",
                     "what the gemeente pays for the care of its clients in beschermd wonen, "
                     "in an institution or at home (beschermd thuis)"), "#b2182b"),
    "cost_bw_old_regime_eur": (("Kosten BW: cli\u00ebnten van v\u00f3\u00f3r de start",
                                "BW cost: clients from before the start"),
                               ("wat de centrumgemeente blijft betalen voor cli\u00ebnten die al "
                                "v\u00f3\u00f3r de start van het ingroeipad in zorg kwamen (het "
                                "oude regime); dit deel krimpt naarmate zij uitstromen",
                                "what the centrumgemeente keeps paying for clients who entered "
                                "care before the ingroeipad started (the old regime); it shrinks "
                                "as they leave"), "#b2182b"),
    "cost_bw_new_regime_eur": (("Kosten BW: nieuwe cli\u00ebnten", "BW cost: new clients"),
                               ("wat de gemeente betaalt voor haar eigen inwoners die na de start "
                                "in beschermd wonen kwamen (woonplaatsbeginsel); dit deel groeit",
                                "what the gemeente pays for its own inhabitants who entered "
                                "beschermd wonen after the start (woonplaatsbeginsel); it grows"),
                               "#ef8a62"),
    "cost_mo_eur": (("Kosten opvang", "Cost of opvang"),
                    ("wat de gemeente betaalt voor maatschappelijke opvang",
                     "what the gemeente pays for maatschappelijke opvang (shelter)"), "#f1a340"),
    "budget_historical_eur": (("Budget BW: historisch deel", "BW budget: historical part"),
                              ("het deel van het budget voor beschermd wonen dat nog volgens de "
                               "oude, historische verdeling gaat; het wordt kleiner naarmate het "
                               "ingroeipad vordert",
                               "the part of the beschermd wonen budget that is still divided "
                               "the old, historical way; it shrinks as the ingroeipad "
                               "progresses"), "#2166ac"),
    "budget_objective_eur": (("Budget BW: objectief deel", "BW budget: objective part"),
                             ("het deel van het budget voor beschermd wonen dat volgens het "
                              "objectieve verdeelmodel gaat (naar kenmerken van de inwoners); "
                              "het groeit langs het ingroeipad",
                              "the part of the beschermd wonen budget divided by the objective "
                              "verdeelmodel (by the characteristics of the inhabitants); it "
                              "grows along the ingroeipad"), "#92c5de"),
    "wlz_settlement_eur": (("Verrekening Wlz", "Wlz settlement"),
                           ("het aandeel van de gemeente in het bedrag dat achteraf van het "
                            "landelijke budget wordt afgehaald, omdat cli\u00ebnten naar de Wet "
                            "langdurige zorg (Wlz) zijn overgegaan",
                            "the gemeente's share of the amount taken off the national budget "
                            "afterwards because clients moved to the Wet langdurige zorg "
                            "(Wlz, long-term care act)"), "#8073ac"),
    "budget_mo_eur": (("Budget opvang", "Opvang budget"),
                      ("het budget voor maatschappelijke opvang",
                       "the budget for maatschappelijke opvang"), "#1b7837"),
    "pooling_eur": (("Regionale verevening", "Regional pooling"),
                    ("wat de gemeenten van de regio via verevening van de gemeente overnemen "
                     "(\u2212) of van haar vragen (+); nul zonder verevening",
                     "what the other gemeenten of the region take over from the gemeente "
                     "through pooling (\u2212) or ask of it (+); zero without pooling"),
                    "#999999"),
    "residual": (("Rest (afronding)", "Remainder (rounding)"),
                 ("het verschil tussen het tekort en de som van de posten hierboven",
                  "the difference between the shortfall and the sum of the items above"),
                 "#dddddd"),
}
COMPONENT_OTHER_COLOURS = ("#1b9e77", "#d95f02", "#e7298a", "#66a61e")

# --------------------------------------------------------------------------
# Glossary: (term, explanation) per language, in this order
# --------------------------------------------------------------------------

GLOSSARY = {
    "nl": [
        ("Beschermd wonen (BW)", "Wonen met toezicht en begeleiding voor mensen met psychische "
         "problemen die (nog) niet zelfstandig kunnen wonen: in een instelling (intramuraal) of "
         "in een eigen woning (beschermd thuis)."),
        ("Maatschappelijke opvang (MO)", "Opvang voor dak- en thuislozen."),
        ("Centrumgemeente", "Een van de 43 gemeenten die tot nu toe het geld voor beschermd "
         "wonen en opvang voor hun hele regio ontvangen en de zorg inkopen."),
        ("Regio", "Een centrumgemeente en de gemeenten waarvoor zij de zorg regelt."),
        ("Woonplaatsbeginsel", "De gemeente waar een nieuwe cli\u00ebnt vandaan komt, betaalt "
         "zijn zorg."),
        ("Ingroeipad", "De jaren waarin het budget voor beschermd wonen geleidelijk van de "
         "historische verdeling naar het objectieve verdeelmodel gaat."),
        ("Historisch budget", "Het budget zoals het tot nu toe verdeeld is: vooral bij de "
         "centrumgemeenten."),
        ("Objectief verdeelmodel", "De nieuwe verdeling van het budget over alle gemeenten, naar "
         "kenmerken van hun inwoners (zoals eenpersoonshuishoudens en stedelijkheid)."),
        ("Verrekening Wlz", "Cli\u00ebnten die naar de Wet langdurige zorg (Wlz) overgaan, "
         "kosten de gemeente niets meer; het Rijk haalt het geld daarvoor achteraf van het "
         "landelijke budget af."),
        ("Regionale verevening", "De gemeenten van een regio delen hun totale tekort naar rato "
         "van hun budget."),
        ("Tekort", "Kosten min budget voor beschermd wonen en opvang samen, van \u00e9\u00e9n "
         "gemeente in \u00e9\u00e9n jaar. Negatief is een overschot."),
        ("Cumulatief tekort", "Het tekort van alle jaren van het ingroeipad samen."),
        ("Knelpunt", "Een jaar waarin het tekort groter is dan de drempel per inwoner."),
        ("Gesimuleerde toekomst", "E\u00e9n doorrekening van het model met eigen cli\u00ebnten, "
         "verblijfsduren en waarden van de onzekere aannames. Een kans is het aandeel van de "
         "gesimuleerde toekomsten waarin iets gebeurt."),
        ("Signaalkans", "De hoogste kans, over de jaren van het ingroeipad, op een knelpunt."),
        ("Signaal", "Een signaalkans van de kansgrens of meer: in minstens \u00e9\u00e9n jaar is "
         "een knelpunt minstens zo waarschijnlijk als niet."),
        ("Kansgrens", "De signaalkans vanaf waar een gemeente een signaal krijgt."),
        ("95%-interval", "De marge om een kans die komt doordat het aantal gesimuleerde "
         "toekomsten eindig is. Meer simulaties maken haar smaller."),
        ("Stabiel", "Het 95%-interval ligt helemaal aan \u00e9\u00e9n kant van de kansgrens: "
         "meer simulaties veranderen het signaal niet. Het zegt niets over de juistheid van de "
         "aannames."),
        ("Bedrag op het spel (95%-niveau)", "Het cumulatieve tekort dat in 95% van de "
         "gesimuleerde toekomsten niet wordt overschreden: in 1 op de 20 is het groter."),
        ("Slechtste 5%", "Het gemiddelde cumulatieve tekort in de 5% ongunstigste gesimuleerde "
         "toekomsten."),
    ],
    "en": [
        ("Beschermd wonen (BW)", "Sheltered housing: housing with supervision and support for "
         "people with mental-health problems who cannot (yet) live on their own, in an "
         "institution (intramural) or in a home of their own (beschermd thuis)."),
        ("Maatschappelijke opvang (MO)", "Shelter for the homeless."),
        ("Gemeente", "Dutch municipality."),
        ("Centrumgemeente", "One of the 43 gemeenten that until now receive the money for "
         "beschermd wonen and shelter for their whole region and buy the care."),
        ("Region", "A centrumgemeente and the gemeenten for which it arranges the care."),
        ("Woonplaatsbeginsel", "Residence principle: the gemeente a new client comes from pays "
         "for the care."),
        ("Ingroeipad", "Phase-in path: the years in which the beschermd wonen budget moves "
         "gradually from the historical distribution to the objective verdeelmodel."),
        ("Historical budget", "The budget as divided until now: mostly to the "
         "centrumgemeenten."),
        ("Objective verdeelmodel", "The new distribution of the budget over all gemeenten, by "
         "characteristics of their inhabitants (such as single-person households and "
         "urbanity)."),
        ("Wlz settlement", "Clients who move to the Wet langdurige zorg (Wlz, long-term care "
         "act) no longer cost the gemeente anything; the state takes the money for them off the "
         "national budget afterwards."),
        ("Regional pooling", "The gemeenten of a region share their total shortfall in "
         "proportion to their budgets."),
        ("Shortfall", "Cost minus budget for beschermd wonen and shelter together, of one "
         "gemeente in one year. Negative is a surplus."),
        ("Cumulative shortfall", "The shortfall of all years of the ingroeipad together."),
        ("Bottleneck", "A year in which the shortfall is larger than the threshold per "
         "inhabitant."),
        ("Simulated future", "One run of the model with its own clients, lengths of stay and "
         "values of the uncertain assumptions. A probability is the share of the simulated "
         "futures in which something happens."),
        ("Flag probability", "The highest probability, over the years of the ingroeipad, of a "
         "bottleneck."),
        ("Flag", "A flag probability at or above the probability threshold: in at least one "
         "year a bottleneck is at least as likely as not."),
        ("Probability threshold", "The flag probability from which a gemeente is flagged."),
        ("95% interval", "The margin around a probability that comes from simulating a finite "
         "number of futures. More simulations make it narrower."),
        ("Stable", "The 95% interval lies wholly on one side of the probability threshold: "
         "more simulations do not change the flag. It says nothing about whether the "
         "assumptions are right."),
        ("Amount at stake (95% level)", "The cumulative shortfall that 95% of the simulated "
         "futures do not exceed: in 1 in 20 it is larger."),
        ("Worst 5%", "The mean cumulative shortfall in the 5% least favourable simulated "
         "futures."),
    ],
}

# --------------------------------------------------------------------------
# The run report
# --------------------------------------------------------------------------

RUN = {
    "nl": {
        "title": "Beschermd wonen en maatschappelijke opvang: risico op tekorten per gemeente",
        "sub": "Scenario \u2018{name}\u2019 \u2014 {R} gesimuleerde toekomsten, {S}\u2013{last}",
        "banner_illustrative": "Illustratieve gegevens. Dit rapport is gemaakt met gegevens die "
                               "deels geconstrueerd zijn (de regio-indeling en de historische "
                               "budgetten). De uitkomsten per gemeente laten zien hoe de methode "
                               "werkt; het zijn geen uitspraken over een werkelijke gemeente.",
        # ---- 1. summary
        "h_summary": "Samenvatting",
        "intro": "Dit rapport laat zien welke gemeenten tijdens het ingroeipad ({S}\u2013{last}) "
                 "waarschijnlijk meer uitgeven aan beschermd wonen en maatschappelijke opvang dan "
                 "zij aan budget ontvangen, waarom, en hoe zeker dat is. Het model heeft de jaren "
                 "{first}\u2013{last} {R} keer doorgerekend; elke doorrekening is een mogelijke "
                 "toekomst. Een kans is het aandeel van die toekomsten waarin iets gebeurt.",
        "s_flagged_1": "1 van de {ng} gemeenten krijgt een signaal: in minstens \u00e9\u00e9n "
                       "jaar van {S} tot en met {last} is de kans {pstar} of groter dat haar "
                       "tekort meer dan {theta} per inwoner is.",
        "s_flagged_n": "{n} van de {ng} gemeenten ({pct}) krijgen een signaal: in minstens "
                       "\u00e9\u00e9n jaar van {S} tot en met {last} is de kans {pstar} of groter "
                       "dat hun tekort meer dan {theta} per inwoner is.",
        "s_none": "Geen enkele gemeente krijgt een signaal: voor geen gemeente is in een jaar van "
                  "{S} tot en met {last} de kans {pstar} of groter dat haar tekort meer dan "
                  "{theta} per inwoner is.",
        "s_which_1": "Het gaat om {list} ([[tab:top]], [[fig:map]]).",
        "s_which_n": "Het gaat om {list} ([[tab:top]], [[fig:map]]).",
        "s_centrum_all_1": "Het is een centrumgemeente.",
        "s_centrum_all_n": "Alle gemeenten met een signaal zijn centrumgemeenten: gemeenten die "
                           "tot nu toe het budget voor hun hele regio ontvangen.",
        "s_centrum_some_1": "E\u00e9n van hen is een centrumgemeente.",
        "s_centrum_some_n": "{n} van hen zijn centrumgemeenten.",
        "s_centrum_none_1": "Het is geen centrumgemeente.",
        "s_centrum_none_n": "Geen van hen is een centrumgemeente.",
        "s_when_1": "Het eerste jaar waarin de kans de kansgrens bereikt, is {y} "
                    "([[fig:first_year]]).",
        "s_when_range": "Het eerste jaar waarin de kans de kansgrens bereikt, ligt tussen {y0} en "
                        "{y1} ([[fig:first_year]]).",
        "s_when_mode": "Het eerste jaar waarin de kans de kansgrens bereikt, ligt tussen {y0} en "
                       "{y1}; het vaakst is dat {y}, bij {n} van de {nf} gemeenten "
                       "([[fig:first_year]]).",
        "s_sure_all": "Alle signalen zijn stabiel: meer simulaties veranderen ze niet "
                      "([[fig:ranked]]).",
        "s_sure": "{nfs} van de {nf} signalen zijn stabiel: meer simulaties veranderen ze niet. "
                  "{nfu} {zijn} nog onzeker ([[fig:ranked]]).",
        "s_sure_1": "Het signaal is {not_}stabiel ([[fig:ranked]]).",
        "s_sure_none": "Geen van de {nf} signalen is al stabiel: meer simulaties kunnen elk van "
                       "hen nog veranderen ([[fig:ranked]]).",
        "s_near_1": "E\u00e9n gemeente zonder signaal ligt zo dicht bij de kansgrens dat meer "
                    "simulaties haar alsnog een signaal kunnen geven.",
        "s_near_n": "{n} gemeenten zonder signaal liggen zo dicht bij de kansgrens dat meer "
                    "simulaties ze alsnog een signaal kunnen geven.",
        "s_money_1": "Deze gemeente heeft over {S}\u2013{last} samen naar verwachting een tekort "
                     "van {sum}.",
        "s_money_n": "Samen hebben de gemeenten met een signaal over {S}\u2013{last} naar "
                     "verwachting een tekort van {sum}.",
        "s_exposure": "Het meeste geld staat op het spel in {name}: in 1 op de 20 gesimuleerde "
                      "toekomsten is haar tekort over {S}\u2013{last} samen {q95} of meer "
                      "(verwacht: {mean}; [[fig:exposure]]).",
        "s_exposure_noflag_1": "Van de {k} gemeenten met het meeste geld op het spel heeft er "
                               "\u00e9\u00e9n geen signaal: een groot bedrag, maar per inwoner "
                               "zelden boven de drempel.",
        "s_exposure_noflag_n": "Van de {k} gemeenten met het meeste geld op het spel hebben er "
                               "{n} geen signaal: grote bedragen, maar per inwoner zelden boven "
                               "de drempel.",
        "s_why": "Waar het tekort vandaan komt ([[fig:why]]): {part}.",
        "s_why_bw_all": "bij alle gemeenten met een signaal komt het grootste deel uit beschermd "
                        "wonen",
        "s_why_mo_all": "bij alle gemeenten met een signaal komt het grootste deel uit de opvang",
        "s_why_split": "bij {bw} van de {nf} gemeenten met een signaal komt het grootste deel uit "
                       "beschermd wonen, bij {mo} uit de opvang",
        "s_why_hist": "; bij {n} van hen krimpt het historische deel van het budget sneller dan "
                      "het objectieve deel groeit",
        "s_nat_up": "Landelijk zijn de kosten voor beschermd wonen en opvang over "
                    "{S}\u2013{last} naar verwachting {amount} hoger dan de budgetten "
                    "([[fig:money]]).",
        "s_nat_down": "Landelijk zijn de kosten voor beschermd wonen en opvang over "
                      "{S}\u2013{last} naar verwachting {amount} lager dan de budgetten "
                      "([[fig:money]]).",
        "s_pool_with": "Met regionale verevening zouden {n} gemeenten een signaal krijgen "
                       "(nu {nf}).",
        "s_pool_with_same": "Met regionale verevening zouden evenveel gemeenten een signaal "
                            "krijgen ({n}).",
        "s_pool_with_0": "Ook met regionale verevening zou geen enkele gemeente een signaal "
                         "krijgen.",
        "s_pool_without": "Zonder regionale verevening zouden {n} gemeenten een signaal krijgen "
                          "(nu {nf}).",
        "s_pool_without_same": "Zonder regionale verevening zouden evenveel gemeenten een "
                               "signaal krijgen ({n}).",
        "s_pool_without_0": "Ook zonder regionale verevening zou geen enkele gemeente een "
                            "signaal krijgen.",
        "s_regions": "Per regio (een centrumgemeente en haar gemeenten samen) krijgen {n} van de "
                     "{nr} regio\u2019s een signaal ([[fig:regions]]).",
        "s_regions_0": "Per regio (een centrumgemeente en haar gemeenten samen) krijgt geen van "
                       "de {nr} regio\u2019s een signaal ([[fig:regions]]).",
        "s_var": "Bij de gemeenten met een signaal komt gemiddeld {x} van de spreiding in het "
                 "tekort door onzekere aannames; de rest is toeval ([[fig:variance]]).",
        "s_read": "Lees [[sec:assume]] voordat u een getal overneemt: daar staat wat het model "
                  "aanneemt en wat u wel en niet kunt concluderen. [[sec:glossary]] legt de "
                  "begrippen uit.",
        "zijn": "zijn", "is": "is",
        # ---- 2. evidence
        "h_evidence": "De onderbouwing",
        "h_map": "Waar: de kaart",
        "p_map": "[[fig:map]] kleurt elke gemeente naar haar signaalkans. De dikke lijnen zijn de "
                 "grenzen van de regio\u2019s.",
        "h_ranked": "Welke gemeenten, en hoe zeker",
        "p_ranked": "[[fig:ranked]] zet de gemeenten op volgorde van hun signaalkans, elk met de "
                    "marge die het eindige aantal simulaties laat. [[tab:top]] geeft de getallen.",
        "h_exposure": "Hoeveel geld er op het spel staat",
        "p_exposure": "Een kleine kans kan toch om veel geld gaan, en omgekeerd. [[fig:exposure]] "
                      "en [[tab:exposure]] zetten de gemeenten op volgorde van het bedrag dat op "
                      "het spel staat: het cumulatieve tekort dat in 1 op de 20 gesimuleerde "
                      "toekomsten wordt bereikt of overschreden.",
        "h_why": "Waarom: waar het tekort vandaan komt",
        "p_why": "Het verwachte tekort over {S}\u2013{last} is de som van kosten (omhoog) en "
                 "budgetten (omlaag). De posten:",
        "p_why_example": "[[fig:why_example]] bouwt het tekort van {name} op, post voor post; "
                         "[[fig:why_years]] laat per jaar zien hoe het budget langs het "
                         "ingroeipad van het historische naar het objectieve deel schuift. "
                         "{hist}",
        "p_why_hist": "In {name} is het historische deel in {y0} {h0} en in {y1} {h1}; het "
                      "objectieve deel groeit van {o0} naar {o1}.",
        "p_why_all": "Dezelfde opbouw voor elke gemeente met een signaal en voor de {k} "
                     "gemeenten met het meeste geld op het spel staat in {figs}: rechts van de nul "
                     "wat het tekort groter maakt, links wat het kleiner maakt; het zwarte ruitje "
                     "is het verwachte tekort. [[tab:why]] geeft de bedragen.",
        "p_why_residual": "Bij {n} gemeenten tellen de posten niet precies op tot het tekort; "
                          "het verschil (ten hoogste {max}) staat als \u2018rest\u2019 in de "
                          "figuren.",
        "h_when": "Wanneer",
        "p_when": "[[fig:first_year]] laat zien vanaf welk jaar knelpunten optreden.",
        "h_regions": "Regio\u2019s",
        "p_regions": "[[fig:regions]] en [[tab:regions]] tellen per regio de signalen, zonder en "
                     "met regionale verevening. Een regio kan als geheel veilig zijn terwijl "
                     "enkele van haar gemeenten dat niet zijn: dat is wat verevening zou delen.",
        "h_national": "Het landelijke beeld",
        "p_national": "[[fig:clients]] toont het aantal cli\u00ebnten, [[fig:money]] de kosten, "
                      "het budget en het tekort van alle gemeenten samen.",
        "h_variance": "Onzekere aannames of toeval?",
        "p_variance": "[[fig:variance]] splitst de spreiding in het tekort van elke gemeente in "
                      "een deel door onzekere aannames en een deel door toeval. Een groot deel "
                      "door aannames betekent dat betere gegevens het antwoord scherper maken; "
                      "een groot deel door toeval betekent dat de gemeente klein is en haar "
                      "tekort grillig.",
        # ---- 3. assumptions
        "h_assume": "Aannames en beperkingen",
        "h_assume_model": "Wat het model aanneemt",
        "a_start": "Het nieuwe stelsel en het ingroeipad beginnen in {S}. Vanaf dan betaalt de "
                   "gemeente waar een nieuwe cli\u00ebnt beschermd wonen vandaan komt; wie "
                   "eerder instroomde, blijft tot het einde van het verblijf{old} ten laste van de "
                   "centrumgemeente van de regio waar de zorg wordt gegeven.",
        "a_old_limit": " (hooguit {n} jaar)",
        "a_path_flow": "Het budget voor beschermd wonen schuift van de historische verdeling "
                       "naar het objectieve verdeelmodel in het tempo waarin cli\u00ebnten naar "
                       "verwachting onder het nieuwe stelsel komen{complete}.",
        "a_path_complete": "; vanaf {y} geldt het verdeelmodel volledig",
        "a_path_linear": "Het budget voor beschermd wonen gaat in {steps} gelijke jaarlijkse "
                         "stappen van de historische verdeling naar het objectieve "
                         "verdeelmodel.",
        "a_path_custom": "Het budget voor beschermd wonen volgt een eigen schema: het aandeel "
                         "van het objectieve verdeelmodel is per jaar vanaf {S} {steps}, daarna "
                         "volledig.",
        "a_path_other": "Het ingroeipad volgt een schema dat dit rapport niet beschrijft "
                        "([[sec:tech]]).",
        "a_pool_none": "Geen regionale verevening: elke gemeente draagt haar eigen tekort.",
        "a_pool_region": "Regionale verevening: de gemeenten van een regio delen hun totale "
                         "tekort naar rato van hun budget.",
        "a_pool_other": "Een vorm van verevening die dit rapport niet beschrijft "
                        "([[sec:tech]]).",
        "a_mo_central": "De opvang blijft centraal: de centrumgemeenten betalen haar en krijgen "
                        "het budget ervoor.",
        "a_mo_decentral": "De opvang wordt gedecentraliseerd vanaf {y}: nieuwe cli\u00ebnten in "
                          "de opvang worden dan betaald door hun eigen gemeente.",
        "a_flag": "Een knelpunt is een jaar waarin de kosten van een gemeente haar budget met "
                  "meer dan {theta} per inwoner overschrijden (beschermd wonen en opvang samen). "
                  "Een gemeente krijgt een signaal als in minstens \u00e9\u00e9n jaar van {S} tot "
                  "en met {last} de kans op een knelpunt {pstar} of meer is.",
        "a_unc_on": "Onzekere aannames (instroom, verblijfsduur, overgang naar de Wlz, "
                    "kostenstijging en de werkelijke zorgvraag per gemeente) verschillen per "
                    "gesimuleerde toekomst.",
        "a_unc_off": "Onzekere aannames liggen vast op hun centrale waarde; alleen het toeval in "
                     "de in- en uitstroom van cli\u00ebnten verschilt per gesimuleerde toekomst.",
        "a_unc_nested": " De toekomsten komen in {K} groepen met dezelfde aannames, zodat het "
                        "rapport toeval en onzekere aannames kan scheiden.",
        "a_bij_none": "Geen tussentijdse bijsturing van het ingroeipad.",
        "a_bij_pause": "Tussentijdse bijsturing: vanaf {y} wordt om de {n} jaar gekeken; heeft "
                       "meer dan {frac} van de gemeenten een signaal, dan staat het ingroeipad "
                       "een jaar stil.",
        "a_bij_macro": "Tussentijdse bijsturing: vanaf {y} wordt om de {n} jaar het landelijke "
                       "budget gelijkgezet aan de gerealiseerde kostengroei.",
        "a_bij_other": "Een tussentijdse bijsturing die dit rapport niet beschrijft "
                       "([[sec:tech]]).",
        "a_repro": "{R} gesimuleerde toekomsten; dezelfde invoer geeft precies dezelfde "
                   "uitkomsten ([[sec:tech]]).",
        "a_default": " (standaard)",
        "a_default_note": "\u2018(standaard)\u2019: een instelling die dit scenario niet "
                          "wijzigt.",
        "a_unknown": "Dit resultatenbestand legt de instellingen van het scenario niet vast; "
                     "alleen wat uit de uitkomsten zelf blijkt, staat hierboven.",
        "h_conclude": "Wat u wel en niet kunt concluderen",
        "c_yes": "Wel:",
        "c_no": "Niet:",
        "c_yes1": "De lijst geeft een volgorde: bij welke gemeenten een tekort van betekenis onder "
                  "deze aannames het meest waarschijnlijk is, en vanaf welk jaar. Daarmee kan de "
                  "Taskforce kiezen waar zij eerst kijkt.",
        "c_yes2": "Een stabiel signaal verandert niet door meer simulaties. Het verandert wel als "
                  "de aannames veranderen: vergelijk scenario\u2019s (een ander ingroeipad, een "
                  "andere startdatum, regionale verevening) om te zien hoe robuust een signaal "
                  "is.",
        "c_no1": "Het is geen begroting en geen voorspelling van het werkelijke tekort van een "
                 "gemeente: het model kent de lokale contracten, tarieven, wachtlijsten en "
                 "afspraken niet.",
        "c_no2": "Een gemeente zonder signaal kan toch een tekort krijgen: het signaal gaat alleen "
                 "over tekorten boven {theta} per inwoner met een kans van {pstar} of meer.",
        "c_no3": "Deze gegevens zijn deels geconstrueerd (de regio-indeling en de historische "
                 "budgetten). Gebruik offici\u00eble cijfers voordat u conclusies trekt over een "
                 "afzonderlijke gemeente.",
        "c_no3_unknown": "Dit resultatenbestand zegt niet of de gegevens offici\u00eble cijfers "
                         "zijn. Ga dat na voordat u conclusies trekt over een afzonderlijke "
                         "gemeente.",
        "c_no4": "De kans op een knelpunt in \u00e9\u00e9n of meer jaren (\u2018kans ooit\u2019 in "
                 "[[tab:top]]) is altijd hoger dan de signaalkans. Bij kleine gemeenten komt die "
                 "vaak door toeval bij een handvol cli\u00ebnten; daarom telt zij niet voor het "
                 "signaal.",
        "h_data": "Gegevens",
        "d_data": "Gegevens: {name}, {version}.",
        "d_data_name": "Gegevens: {name}.",
        "d_data_unknown": "Dit resultatenbestand noemt niet welke gegevens het gebruikte.",
        "d_date": "Gegevens bij deze versie van bwsim: {date}.",
        "d_illustrative": "De gegevens zijn deels geconstrueerd en illustratief.",
        "d_official": "Volgens het resultatenbestand zijn de gegevens niet illustratief.",
        "d_money": "Bedragen in euro, ge\u00efndexeerd vanaf 2021 (budgetten met de loon- en "
                   "prijsbijstelling, tarieven met de kostenindex).",
        "d_map": "Gemeentegrenzen 2021: CBS/PDOK, CC BY 4.0 (Bron: CBS), vereenvoudigd.",
        "h_notes": "Wat in dit rapport ontbreekt",
        "n_missing": "Niet in dit resultatenbestand: {what}. {effect}",
        "n_ci": "de 95%-intervallen van de kansen en de stabiliteit van de signalen",
        "n_ci_eff": "De intervallen zijn benaderd als kans \u00b1 1,96 \u00d7 standaardfout.",
        "n_fec": "de verdeling over simulaties van het eerste jaar boven de drempel",
        "n_fec_eff": "De figuur van het eerste knelpuntjaar toont alleen de gemeenten met een "
                     "signaal.",
        "n_regions": "de uitkomsten per regio",
        "n_regions_eff": "De regiotabel telt alleen de gemeenten en hun signalen per regio.",
        "n_var": "de splitsing van de spreiding in onzekere aannames en toeval",
        "n_var_eff": "Die vraagt een doorrekening met groepen toekomsten die hun aannames delen "
                     "([[sec:tech]]).",
        "n_other_pool": "de signalen bij de andere vorm van verevening",
        "n_other_pool_eff": "Reken het scenario ook met de andere vorm door om te vergelijken.",
        "n_decomp": "de opbouw van het tekort uit kosten en budgetten",
        "n_decomp_eff": "Het hoofdstuk \u2018waarom\u2019 ontbreekt; reken het scenario opnieuw "
                        "door met een nieuwere versie van het model.",
        "n_ranked_cap": "[[fig:ranked]] toont de eerste {n} van de {nf} gemeenten met een signaal; "
                        "de volledige lijst staat in het bestand met de uitkomsten "
                        "([[sec:tech]]).",
        "n_why_cap": "De figuren tonen de eerste {n} van de {m} gemeenten met een signaal; "
                     "[[tab:why]] geeft ze allemaal.",
        # ---- figures
        "f_map": "Signaalkans per gemeente",
        "f_map_cap": "De kleur is de signaalkans: de hoogste kans over {S}\u2013{last} op een "
                     "tekort van meer dan {theta} per inwoner. Vanaf {pstar} (de zwarte streep in "
                     "de kleurenschaal) krijgt een gemeente een signaal. Dikke lijnen: grenzen van "
                     "de regio\u2019s. Vierkantje: centrumgemeente. Namen: de tien gemeenten met "
                     "de hoogste kans. {credit}",
        "f_map_cap_dots": "Elke stip is een gemeente op haar middelpunt; de oppervlakte volgt het "
                          "aantal inwoners, de kleur de signaalkans: de hoogste kans over "
                          "{S}\u2013{last} op een tekort van meer dan {theta} per inwoner. Zwart "
                          "omrand: signaal. Vierkant: centrumgemeente. Namen: de tien gemeenten "
                          "met de hoogste kans. {coast}",
        "f_map_alt": "Kaart van Nederland met de gemeenten gekleurd naar hun signaalkans. {nf} "
                     "gemeenten hebben een signaal (kans {pstar} of meer){top}. {where}",
        "f_map_alt_top": "; de hoogste kansen hebben {list}",
        "f_map_alt_where": "De gemeenten met een signaal liggen in {n} van de {nr} regio\u2019s.",
        "coast": "Kustlijn en landsgrens: GSHHG 2.3.7 (Wessel en Smith, LGPL).",
        "f_ranked": "Gemeenten met een signaal, met hun onzekerheid",
        "f_ranked_top": "De {n} gemeenten met de hoogste signaalkans, met hun onzekerheid",
        "f_ranked_cap": "Signaalkans per gemeente met het 95%-interval (de marge door het eindige "
                        "aantal simulaties). Gevulde stip: stabiel; open stip: onzeker. Rood: "
                        "signaal. De stippellijn is de kansgrens {pstar}. (c) = centrumgemeente.",
        "f_ranked_alt": "Puntgrafiek van de signaalkans van {n} gemeenten met hun "
                        "95%-intervallen, van {first} ({p0}) tot {last_} ({p1}); {ns} stabiel en "
                        "{nu} onzeker.",
        "f_exposure": "Het bedrag op het spel per gemeente",
        "f_exposure_cap": "De {n} gemeenten met het grootste cumulatieve tekort over "
                          "{S}\u2013{last} op het 95%-niveau (de balk; in 1 op de 20 gesimuleerde "
                          "toekomsten is het tekort groter), met het verwachte tekort (de stip). "
                          "Rood: signaal; grijs: geen signaal. (c) = centrumgemeente.",
        "f_exposure_alt": "Staafgrafiek van het bedrag op het spel van {n} gemeenten, van {first} "
                          "({v0}) tot {last_} ({v1}); {nf} van hen hebben een signaal.",
        "f_why_example": "Hoe het tekort van {name} ontstaat",
        "f_why_example_cap": "Het verwachte tekort over {S}\u2013{last} samen, post voor post: "
                             "kosten gaan omhoog, budgetten omlaag; de laatste balk is het "
                             "tekort. Miljoen euro.",
        "f_why_example_alt": "Watervalgrafiek voor {name}: {items}; samen een verwacht tekort "
                             "van {total}.",
        "f_why_years": "Het tekort van {name} per jaar, naar post",
        "f_why_years_cap": "Per jaar de posten van het verwachte tekort van {name}: boven de nul "
                           "wat het tekort groter maakt, onder de nul wat het kleiner maakt; de "
                           "lijn is het tekort. Het historische deel van het budget (donkerblauw) "
                           "maakt langs het ingroeipad plaats voor het objectieve deel "
                           "(lichtblauw). Miljoen euro.",
        "f_why_years_alt": "Gestapelde staafgrafiek per jaar ({y0}\u2013{y1}) van de posten van "
                           "het tekort van {name}; het historische budget gaat van {h0} naar "
                           "{h1}, het objectieve van {o0} naar {o1}.",
        "f_why": "Waar het tekort vandaan komt: de gemeenten met een signaal",
        "f_why_part": "Waar het tekort vandaan komt: de gemeenten met een signaal (deel {k} van "
                      "{m})",
        "f_why_money": "Waar het tekort vandaan komt: veel geld op het spel, geen signaal",
        "f_why_cap": "Het verwachte tekort over {S}\u2013{last} samen, uitgesplitst: rechts van de "
                     "nul de posten die het tekort groter maken (kosten), links die het kleiner "
                     "maken (budgetten); het zwarte ruitje en het getal rechts zijn het verwachte "
                     "tekort, de som van alle posten. Miljoen euro. (c) = centrumgemeente.",
        "f_why_cap_flag": "Op volgorde van signaalkans.",
        "f_why_cap_money": "De gemeenten zonder signaal onder de {k} met het meeste geld op het "
                           "spel, het grootste bedrag eerst.",
        "f_why_alt": "Gestapelde staafgrafiek van de opbouw van het tekort van {n} gemeenten "
                     "({list}); de bedragen staan in {tab}.",
        "f_first": "Eerste knelpuntjaar",
        "f_first_cap2": "Links: in welk jaar een gemeente in een gesimuleerde toekomst voor het "
                        "eerst boven de drempel komt (gemiddeld aantal gemeenten per jaar). "
                        "Rechts: de gemeenten met een signaal naar het eerste jaar waarin hun "
                        "kans de kansgrens bereikt.",
        "f_first_cap1": "De gemeenten met een signaal naar het eerste jaar waarin hun kans de "
                        "kansgrens bereikt.",
        "f_first_alt": "Staafgrafiek van het aantal gemeenten met een signaal per eerste "
                       "knelpuntjaar, {y0}\u2013{y1}: {counts}.",
        "f_regions": "Regio\u2019s",
        "f_regions_cap": "Signaalkans per regio (de centrumgemeente en haar gemeenten samen, "
                         "tekort per inwoner van de regio) met het 95%-interval. Gevulde stip: "
                         "stabiel; open stip: onzeker. Rechts: aantal gemeenten met een signaal in "
                         "de regio, zonder en met regionale verevening.",
        "f_regions_cap_min": "Aantal gemeenten met een signaal per regio.",
        "f_regions_alt": "Grafiek per regio van de signaalkans en van het aantal gemeenten met "
                         "een signaal; {n} van de {nr} regio\u2019s hebben een signaal.",
        "f_clients": "Cli\u00ebnten in zorg op 1 januari, landelijk",
        "f_clients_cap": "Band: 90% van de gesimuleerde toekomsten (5%\u201395%); doorgetrokken "
                         "lijn: mediaan; stippellijn: gemiddelde. Zonder de Wlz en de landelijke "
                         "instellingen. De verticale lijn is de start van het ingroeipad.",
        "f_clients_alt": "Drie lijngrafieken van het aantal cli\u00ebnten per jaar "
                         "({y0}\u2013{y1}): {items}.",
        "f_money": "Kosten, budget en tekort van alle gemeenten samen",
        "f_money_cap": "Links: kosten en budget voor beschermd wonen en opvang van alle "
                       "gemeenten samen; rechts: het tekort (kosten min budget). Band: 90% van "
                       "de gesimuleerde toekomsten; lijn: mediaan; stippellijn: gemiddelde. "
                       "Miljoen euro, ge\u00efndexeerd.",
        "f_money_alt": "Lijngrafieken van de landelijke kosten, het budget en het tekort per jaar "
                       "({y0}\u2013{y1}); het verwachte tekort gaat van {s0} in {y0} naar {s1} "
                       "in {y1}.",
        "f_var": "Onzekere aannames of toeval?",
        "f_var_cap": "Deel van de spreiding in het cumulatieve tekort over {S}\u2013{last} dat "
                     "komt door onzekere aannames (donker); de rest is toeval in de "
                     "cli\u00ebntenstromen (licht). Links: alle gemeenten; rechts: de {n} "
                     "gemeenten met de hoogste kans.",
        "f_var_alt": "Histogram en staafgrafiek van het aandeel van de spreiding door onzekere "
                     "aannames; gemiddeld {x} over alle gemeenten.",
        # ---- tables
        "t_top": "De {n} gemeenten met de hoogste signaalkans",
        "t_top_cap": "Kans: signaalkans (hoogste kans over {S}\u2013{last} op een tekort van meer "
                     "dan {theta} per inwoner). Kans ooit: kans op zo\u2019n tekort in minstens "
                     "\u00e9\u00e9n jaar. Tekort: cumulatief over {S}\u2013{last}, miljoen euro: "
                     "verwacht, op het 95%-niveau, en het gemiddelde van de slechtste 5%. "
                     "(c) = centrumgemeente.",
        "t_top_cap_other": " Andere verevening: signaal als het scenario {other} regionale "
                           "verevening was doorgerekend.",
        "with": "met", "without": "zonder",
        "t_exposure": "De {n} gemeenten met het meeste geld op het spel",
        "t_exposure_cap": "Op volgorde van het cumulatieve tekort over {S}\u2013{last} op het "
                          "95%-niveau, miljoen euro; met het verwachte tekort, het gemiddelde van "
                          "de slechtste 5%, per inwoner, de signaalkans en de plaats op de "
                          "volgorde van [[tab:top]].",
        "t_why": "De opbouw van het verwachte tekort",
        "t_why_cap": "Miljoen euro over {S}\u2013{last} samen; kosten positief, budgetten "
                     "negatief. De laatste kolom is het verwachte tekort: de som van de posten.",
        "t_regions": "Regio\u2019s",
        "t_regions_cap": "Per regio (een centrumgemeente en haar gemeenten samen): het aantal "
                         "gemeenten en hoeveel daarvan een signaal hebben, zonder en met "
                         "regionale verevening; met de signaalkans van de regio als geheel "
                         "(tekort per inwoner van de regio) en haar 95%-interval.",
        "t_regions_cap_min": "Per regio het aantal gemeenten en hoeveel daarvan een signaal "
                             "hebben.",
        "col_rank": "#", "col_name": "Gemeente", "col_pop": "Inwoners", "col_p": "Kans",
        "col_ci": "95%-interval", "col_first": "Eerste jaar",
        "col_pany": "Kans ooit", "col_mean": "Verwacht (\u20ac\u00a0mln)",
        "col_q95": "95%-niveau (\u20ac\u00a0mln)", "col_cvar": "Slechtste 5% (\u20ac\u00a0mln)",
        "col_other": "Andere verevening", "col_region": "Regio",
        "col_members": "Gemeenten", "col_mflag": "Met signaal",
        "col_mflag_pool": "Met signaal, verevend", "col_flag": "Signaal",
        "col_q95_pi": "95% per inwoner", "col_rank_p": "Plaats op kans",
        "col_total": "Tekort",
        "ax_p": "Signaalkans", "ax_pstar": "kansgrens {pstar}",
        "ax_clients": "cli\u00ebnten", "ax_meur": "miljoen euro",
        "ax_year": "jaar", "ax_ngem": "aantal gemeenten",
        "ax_ngem_avg": "gemiddeld aantal gemeenten",
        "ax_share": "aandeel door onzekere aannames",
        "ax_exposure": "cumulatief tekort {S}\u2013{last} (miljoen euro)",
        "care_I": "BW in een instelling", "care_A": "beschermd thuis",
        "care_M": "maatschappelijke opvang",
        "lg_q": "5%\u201395%", "lg_med": "mediaan", "lg_mean": "gemiddelde",
        "lg_cost": "kosten", "lg_budget": "budget", "lg_short": "tekort",
        "ax_cost_budget": "kosten en budget",
        "lg_flag": "signaal", "lg_noflag": "geen signaal", "lg_stable": "stabiel",
        "lg_unstable": "onzeker", "lg_centrum": "centrumgemeente",
        "lg_start": "start ingroeipad",
        "lg_never": "nooit boven de drempel: gemiddeld {n} gemeenten",
        "lg_param": "onzekere aannames", "lg_stoch": "toeval",
        "lg_unpooled": "zonder verevening", "lg_pooled": "met verevening",
        "lg_members": "gemeenten in de regio",
        "lg_q95": "95%-niveau", "lg_expected": "verwacht tekort",
        "lg_total": "verwacht tekort",
        "ax_first_rep": "Per toekomst: eerste jaar boven de drempel",
        "ax_first_flag": "Signaal: eerste jaar met kans \u2265 {pstar}",
        "ax_all": "Alle gemeenten", "ax_top": "Hoogste kans",
        "no_flags_chart": "geen gemeente met een signaal",
        # ---- 4. glossary, appendix, footer
        "h_glossary": "Begrippen",
        "h_tech": "Technische details",
        "tech_intro": "Voor wie het model zelf draait. De instellingen heten hier zoals in het "
                      "scenariobestand.",
        "tech_tab_changed": "[[tab:changed]] geeft wat afwijkt van de standaard",
        "tech_tab_settings": "[[tab:settings]] noemt de instellingen achter de aannames",
        "tech_tab_file": "[[tab:file]] beschrijft het bestand waaruit dit rapport is gemaakt",
        "t_changed": "Wat afwijkt van de standaardinstellingen",
        "t_changed_cap": "De instellingen die dit scenario anders zet dan de standaard "
                         "(params/default.yaml): parameter, waarde in dit scenario, standaard.",
        "col_setting": "Parameter", "col_plain": "In dit rapport", "col_default": "Standaard",
        "t_all_default": "Dit scenario gebruikt voor elke instelling de standaardwaarde.",
        "t_settings": "De instellingen die de aannames beschrijven",
        "t_settings_cap": "De parameters achter [[sec:assume]], met hun waarde in dit scenario.",
        "fi_R": "simulaties",
        "fi_params": "scenario (run.name)", "fi_data": "gegevens (data_name, data_version)",
        "fi_data_date": "params/data/VERSION", "fi_illustrative": "data_illustrative",
        "fi_sha": "SHA-256 van {what}", "fi_statistics": "statistiek",
        "tech_more": "De volledige lijst van gemeenten staat in risk.csv naast results.h5; meer "
                     "simulaties maken onzekere signalen zeker: bwsim run -n 5000 of bwsim run "
                     "--until-stable. De splitsing in aannames en toeval vraagt "
                     "uncertainty.outer_draws groter dan 0.",
        "tech_files": "De figuren staan ook los in figures/, de getallen van de opbouw van het "
                      "tekort in data/decomposition.csv.",
        "tech_format_missing": "Het resultatenbestand heeft geen format_version (een oudere "
                               "bwsim); het rapport leest het als de oudere indeling.",
        "tech_other_pool_unknown": "/risk/flagged_other_pooling is \u22121 (onbekend): de "
                                   "signalen bij de andere verevening zijn niet berekend.",
        "footer": "Gemaakt met bwsim {version} (bwsim report) uit results.h5.",
        "meta_data": "gegevens: {data}",
        "meta_date": "gegevens bij deze bwsim: {date}",
        "footer_data": " Gegevens: {data}.",
        "footer_date": " Gegevens bij deze bwsim: {date}.",
    },
    "en": {
        "title": "Beschermd wonen and maatschappelijke opvang: risk of shortfalls per gemeente",
        "sub": "Scenario \u2018{name}\u2019 \u2014 {R} simulated futures, {S}\u2013{last}",
        "banner_illustrative": "Illustrative data. This report was made with data that are partly "
                               "constructed (the regions and the historical budgets). The "
                               "results per gemeente show how the method works; they are not "
                               "statements about any real gemeente.",
        "h_summary": "Summary",
        "intro": "This report shows which gemeenten (Dutch municipalities) are likely to spend "
                 "more on beschermd wonen (sheltered housing) and maatschappelijke opvang "
                 "(shelter) than they receive in budget during the ingroeipad ({S}\u2013{last}), "
                 "why, and how sure that is. The model has simulated the years "
                 "{first}\u2013{last} {R} times; each simulation is one possible future. A "
                 "probability is the share of those futures in which something happens.",
        "s_flagged_1": "1 of the {ng} gemeenten is flagged: in at least one year from {S} to "
                       "{last} the probability is {pstar} or more that its shortfall exceeds "
                       "{theta} per inhabitant.",
        "s_flagged_n": "{n} of the {ng} gemeenten ({pct}) are flagged: in at least one year from "
                       "{S} to {last} the probability is {pstar} or more that their shortfall "
                       "exceeds {theta} per inhabitant.",
        "s_none": "No gemeente is flagged: for no gemeente is the probability {pstar} or more, in "
                  "any year from {S} to {last}, that its shortfall exceeds {theta} per "
                  "inhabitant.",
        "s_which_1": "It is {list} ([[tab:top]], [[fig:map]]).",
        "s_which_n": "They are {list} ([[tab:top]], [[fig:map]]).",
        "s_centrum_all_1": "It is a centrumgemeente.",
        "s_centrum_all_n": "All flagged gemeenten are centrumgemeenten: gemeenten that until now "
                           "receive the budget for their whole region.",
        "s_centrum_some_1": "One of them is a centrumgemeente.",
        "s_centrum_some_n": "{n} of them are centrumgemeenten.",
        "s_centrum_none_1": "It is not a centrumgemeente.",
        "s_centrum_none_n": "None of them is a centrumgemeente.",
        "s_when_1": "The first year in which the probability reaches the threshold is {y} "
                    "([[fig:first_year]]).",
        "s_when_range": "The first year in which the probability reaches the threshold lies "
                        "between {y0} and {y1} ([[fig:first_year]]).",
        "s_when_mode": "The first year in which the probability reaches the threshold lies "
                       "between {y0} and {y1}; most often it is {y}, for {n} of the {nf} gemeenten "
                       "([[fig:first_year]]).",
        "s_sure_all": "Every flag is stable: more simulations do not change it "
                      "([[fig:ranked]]).",
        "s_sure": "{nfs} of the {nf} flags are stable: more simulations do not change them. "
                  "{nfu} {zijn} still uncertain ([[fig:ranked]]).",
        "s_sure_1": "The flag is {not_}stable ([[fig:ranked]]).",
        "s_sure_none": "None of the {nf} flags is stable yet: more simulations could still change "
                       "each of them ([[fig:ranked]]).",
        "s_near_1": "One gemeente without a flag is so close to the threshold that more "
                    "simulations could still flag it.",
        "s_near_n": "{n} gemeenten without a flag are so close to the threshold that more "
                    "simulations could still flag them.",
        "s_money_1": "This gemeente's expected shortfall over {S}\u2013{last} together is "
                     "{sum}.",
        "s_money_n": "Together, the flagged gemeenten have an expected shortfall over "
                     "{S}\u2013{last} of {sum}.",
        "s_exposure": "The most money is at stake in {name}: in 1 in 20 simulated futures its "
                      "shortfall over {S}\u2013{last} together is {q95} or more (expected: "
                      "{mean}; [[fig:exposure]]).",
        "s_exposure_noflag_1": "Of the {k} gemeenten with the most money at stake, one is not "
                               "flagged: a large amount, but per inhabitant rarely above the "
                               "threshold.",
        "s_exposure_noflag_n": "Of the {k} gemeenten with the most money at stake, {n} are not "
                               "flagged: large amounts, but per inhabitant rarely above the "
                               "threshold.",
        "s_why": "Where the shortfall comes from ([[fig:why]]): {part}.",
        "s_why_bw_all": "for every flagged gemeente most of it comes from beschermd wonen",
        "s_why_mo_all": "for every flagged gemeente most of it comes from shelter",
        "s_why_split": "for {bw} of the {nf} flagged gemeenten most of it comes from beschermd "
                       "wonen, for {mo} from shelter",
        "s_why_hist": "; for {n} of them the historical part of the budget shrinks faster than "
                      "the objective part grows",
        "s_nat_up": "Nationally, the cost of beschermd wonen and shelter over {S}\u2013{last} is "
                    "expected to be {amount} higher than the budgets ([[fig:money]]).",
        "s_nat_down": "Nationally, the cost of beschermd wonen and shelter over {S}\u2013{last} "
                      "is expected to be {amount} lower than the budgets ([[fig:money]]).",
        "s_pool_with": "With regional pooling, {n} gemeenten would be flagged (now {nf}).",
        "s_pool_with_same": "With regional pooling, as many gemeenten would be flagged ({n}).",
        "s_pool_with_0": "With regional pooling, no gemeente would be flagged either.",
        "s_pool_without": "Without regional pooling, {n} gemeenten would be flagged (now {nf}).",
        "s_pool_without_same": "Without regional pooling, as many gemeenten would be flagged "
                               "({n}).",
        "s_pool_without_0": "Without regional pooling, no gemeente would be flagged either.",
        "s_regions": "Per region (a centrumgemeente and its gemeenten together), {n} of the {nr} "
                     "regions are flagged ([[fig:regions]]).",
        "s_regions_0": "Per region (a centrumgemeente and its gemeenten together), none of the "
                       "{nr} regions is flagged ([[fig:regions]]).",
        "s_var": "For the flagged gemeenten, on average {x} of the spread in the shortfall comes "
                 "from uncertain assumptions; the rest is chance ([[fig:variance]]).",
        "s_read": "Read [[sec:assume]] before you quote a number: it says what the model assumes "
                  "and what you can and cannot conclude. [[sec:glossary]] explains the words.",
        "zijn": "are", "is": "is",
        "h_evidence": "The evidence",
        "h_map": "Where: the map",
        "p_map": "[[fig:map]] colours each gemeente by its flag probability. The thick lines are "
                 "the borders of the regions.",
        "h_ranked": "Which gemeenten, and how sure",
        "p_ranked": "[[fig:ranked]] ranks the gemeenten by their flag probability, each with the "
                    "margin that the finite number of simulations leaves. [[tab:top]] gives the "
                    "numbers.",
        "h_exposure": "How much money is at stake",
        "p_exposure": "A small probability can still concern a lot of money, and the other way "
                      "round. [[fig:exposure]] and [[tab:exposure]] rank the gemeenten by the "
                      "amount at stake: the cumulative shortfall reached or exceeded in 1 in 20 "
                      "simulated futures.",
        "h_why": "Why: where the shortfall comes from",
        "p_why": "The expected shortfall over {S}\u2013{last} is the sum of costs (up) and "
                 "budgets (down). The items:",
        "p_why_example": "[[fig:why_example]] builds up the shortfall of {name} item by item; "
                         "[[fig:why_years]] shows per year how the budget moves along the "
                         "ingroeipad from the historical to the objective part. {hist}",
        "p_why_hist": "In {name} the historical part is {h0} in {y0} and {h1} in {y1}; the "
                      "objective part grows from {o0} to {o1}.",
        "p_why_all": "The same build-up for every flagged gemeente and for the {k} gemeenten "
                     "with the most money at stake is in {figs}: right of zero what makes the "
                     "shortfall larger, left what makes it smaller; the black diamond is the "
                     "expected shortfall. [[tab:why]] gives the amounts.",
        "p_why_residual": "For {n} gemeenten the items do not add up exactly to the shortfall; "
                          "the difference (at most {max}) is shown as \u2018remainder\u2019.",
        "h_when": "When",
        "p_when": "[[fig:first_year]] shows from which year bottlenecks occur.",
        "h_regions": "Regions",
        "p_regions": "[[fig:regions]] and [[tab:regions]] count the flags per region, without and "
                     "with regional pooling. A region can be safe as a whole while some of its "
                     "gemeenten are not: that is what pooling would share.",
        "h_national": "The national picture",
        "p_national": "[[fig:clients]] shows the number of clients, [[fig:money]] the cost, the "
                      "budget and the shortfall of all gemeenten together.",
        "h_variance": "Uncertain assumptions or chance?",
        "p_variance": "[[fig:variance]] splits the spread in each gemeente's shortfall into a part "
                      "due to uncertain assumptions and a part due to chance. A large part due to "
                      "assumptions means that better data would sharpen the answer; a large part "
                      "due to chance means that the gemeente is small and its shortfall noisy.",
        "h_assume": "Assumptions and limits",
        "h_assume_model": "What the model assumes",
        "a_start": "The new system and the ingroeipad start in {S}. From then on the gemeente a "
                   "new beschermd wonen client comes from pays; clients who entered earlier stay "
                   "with the centrumgemeente of the region where the care is given until their "
                   "stay ends{old}.",
        "a_old_limit": " (at most {n} years)",
        "a_path_flow": "The beschermd wonen budget moves from the historical distribution to the "
                       "objective verdeelmodel at the pace at which clients are expected to come "
                       "under the new system{complete}.",
        "a_path_complete": "; from {y} on the verdeelmodel applies in full",
        "a_path_linear": "The beschermd wonen budget moves in {steps} equal yearly steps from the "
                         "historical distribution to the objective verdeelmodel.",
        "a_path_custom": "The beschermd wonen budget follows a schedule of its own: the share of "
                         "the objective verdeelmodel per year from {S} is {steps}, then full.",
        "a_path_other": "The ingroeipad follows a schedule this report does not describe "
                        "([[sec:tech]]).",
        "a_pool_none": "No regional pooling: each gemeente carries its own shortfall.",
        "a_pool_region": "Regional pooling: the gemeenten of a region share their total shortfall "
                         "in proportion to their budgets.",
        "a_pool_other": "A form of pooling this report does not describe ([[sec:tech]]).",
        "a_mo_central": "Shelter stays central: the centrumgemeenten pay for it and receive its "
                        "budget.",
        "a_mo_decentral": "Shelter is decentralised from {y}: new shelter clients are then paid "
                          "for by their own gemeente.",
        "a_flag": "A bottleneck is a year in which a gemeente's cost exceeds its budget by more "
                  "than {theta} per inhabitant (beschermd wonen and shelter together). A gemeente "
                  "is flagged when in at least one year from {S} to {last} the probability of a "
                  "bottleneck is {pstar} or more.",
        "a_unc_on": "Uncertain assumptions (entries, lengths of stay, transfers to the Wlz, cost "
                    "growth and each gemeente's real need) differ between simulated futures.",
        "a_unc_off": "Uncertain assumptions are fixed at their central values; only chance in the "
                     "flows of clients differs between simulated futures.",
        "a_unc_nested": " The futures come in {K} groups that share their assumptions, so that "
                        "the report can separate chance from uncertain assumptions.",
        "a_bij_none": "No interim adjustment of the ingroeipad.",
        "a_bij_pause": "Interim adjustment: from {y}, every {n} years, the ingroeipad pauses for "
                       "a year when more than {frac} of the gemeenten are flagged.",
        "a_bij_macro": "Interim adjustment: from {y}, every {n} years, the national budget is "
                       "reset to the realised growth of cost.",
        "a_bij_other": "An interim adjustment this report does not describe ([[sec:tech]]).",
        "a_repro": "{R} simulated futures; the same input gives exactly the same results "
                   "([[sec:tech]]).",
        "a_default": " (default)",
        "a_default_note": "\u2018(default)\u2019: a setting this scenario does not change.",
        "a_unknown": "This results file does not record the settings of the scenario; only what "
                     "the results themselves show is stated above.",
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
                 "only shortfalls above {theta} per inhabitant with a probability of {pstar} or "
                 "more.",
        "c_no3": "draw conclusions about a single gemeente from these data: they are partly "
                 "constructed (the regions and the historical budgets). Use official figures "
                 "first.",
        "c_no3_unknown": "draw conclusions about a single gemeente before you have checked that "
                         "the data are official figures: this results file does not say.",
        "c_no4": "use the probability of a bottleneck in one or more years (\u2018P any year\u2019 "
                 "in [[tab:top]]) as a flag: it is always higher than the flag probability, and "
                 "for small gemeenten it is often chance among a handful of clients.",
        "h_data": "Data",
        "d_data": "Data: {name}, {version}.",
        "d_data_name": "Data: {name}.",
        "d_data_unknown": "This results file does not name the data it used.",
        "d_date": "Data shipped with this version of bwsim: {date}.",
        "d_illustrative": "The data are partly constructed and illustrative.",
        "d_official": "According to the results file, the data are not illustrative.",
        "d_money": "Amounts in euros, indexed from 2021 (budgets with the wage and price "
                   "adjustment, tariffs with the cost index).",
        "d_map": "Gemeente boundaries 2021: CBS/PDOK, CC BY 4.0 (Source: CBS), simplified.",
        "h_notes": "What this report lacks",
        "n_missing": "Not in this results file: {what}. {effect}",
        "n_ci": "the 95% intervals of the probabilities and the stability of the flags",
        "n_ci_eff": "The intervals are approximated as probability \u00b1 1.96 \u00d7 standard "
                    "error.",
        "n_fec": "the distribution over simulations of the first year above the threshold",
        "n_fec_eff": "The figure of the first bottleneck year shows the flagged gemeenten only.",
        "n_regions": "the results per region",
        "n_regions_eff": "The region table only counts the gemeenten and their flags per region.",
        "n_var": "the split of the spread into uncertain assumptions and chance",
        "n_var_eff": "It needs a run with groups of futures that share their assumptions "
                     "([[sec:tech]]).",
        "n_other_pool": "the flags under the other form of pooling",
        "n_other_pool_eff": "Run the scenario with the other form as well to compare.",
        "n_decomp": "the build-up of the shortfall from costs and budgets",
        "n_decomp_eff": "The section \u2018why\u2019 is left out; run the scenario again with a "
                        "newer version of the model.",
        "n_ranked_cap": "[[fig:ranked]] shows the first {n} of the {nf} flagged gemeenten; the full "
                        "list is in the results file ([[sec:tech]]).",
        "n_why_cap": "The figures show the first {n} of the {m} flagged gemeenten; [[tab:why]] "
                     "lists them all.",
        "f_map": "Flag probability per gemeente",
        "f_map_cap": "The colour is the flag probability: the highest probability over "
                     "{S}\u2013{last} of a shortfall of more than {theta} per inhabitant. From "
                     "{pstar} (the black line in the colour scale) a gemeente is flagged. Thick "
                     "lines: borders of the regions. Small square: centrumgemeente. Names: the "
                     "ten gemeenten with the highest probability. {credit}",
        "f_map_cap_dots": "Each dot is a gemeente at its centre; its area follows the "
                          "population, its colour the flag probability: the highest probability "
                          "over {S}\u2013{last} of a shortfall of more than {theta} per "
                          "inhabitant. Black outline: flagged. Square: centrumgemeente. Names: "
                          "the ten gemeenten with the highest probability. {coast}",
        "f_map_alt": "Map of the Netherlands with the gemeenten coloured by their flag "
                     "probability. {nf} gemeenten are flagged (probability {pstar} or more){top}. "
                     "{where}",
        "f_map_alt_top": "; the highest probabilities are in {list}",
        "f_map_alt_where": "The flagged gemeenten lie in {n} of the {nr} regions.",
        "coast": "Coastline and national border: GSHHG 2.3.7 (Wessel and Smith, LGPL).",
        "f_ranked": "Flagged gemeenten, with their uncertainty",
        "f_ranked_top": "The {n} gemeenten with the highest flag probability, with their "
                        "uncertainty",
        "f_ranked_cap": "Flag probability per gemeente with its 95% interval (the margin due to the "
                        "finite number of simulations). Filled dot: stable; open dot: uncertain. "
                        "Red: flagged. The dashed line is the threshold {pstar}. "
                        "(c) = centrumgemeente.",
        "f_ranked_alt": "Dot chart of the flag probability of {n} gemeenten with their 95% "
                        "intervals, from {first} ({p0}) to {last_} ({p1}); {ns} stable and {nu} "
                        "uncertain.",
        "f_exposure": "The amount at stake per gemeente",
        "f_exposure_cap": "The {n} gemeenten with the largest cumulative shortfall over "
                          "{S}\u2013{last} at the 95% level (the bar; in 1 in 20 simulated futures "
                          "the shortfall is larger), with the expected shortfall (the dot). Red: "
                          "flagged; grey: not flagged. (c) = centrumgemeente.",
        "f_exposure_alt": "Bar chart of the amount at stake of {n} gemeenten, from {first} ({v0}) "
                          "to {last_} ({v1}); {nf} of them are flagged.",
        "f_why_example": "How the shortfall of {name} comes about",
        "f_why_example_cap": "The expected shortfall over {S}\u2013{last} together, item by item: "
                             "costs go up, budgets down; the last bar is the shortfall. Million "
                             "euros.",
        "f_why_example_alt": "Waterfall chart for {name}: {items}; together an expected "
                             "shortfall of {total}.",
        "f_why_years": "The shortfall of {name} per year, by item",
        "f_why_years_cap": "Per year the items of the expected shortfall of {name}: above zero "
                           "what makes the shortfall larger, below zero what makes it smaller; "
                           "the line is the shortfall. Along the ingroeipad the historical part "
                           "of the budget (dark blue) gives way to the objective part (light "
                           "blue). Million euros.",
        "f_why_years_alt": "Stacked bar chart per year ({y0}\u2013{y1}) of the items of the "
                           "shortfall of {name}; the historical budget goes from {h0} to {h1}, "
                           "the objective one from {o0} to {o1}.",
        "f_why": "Where the shortfall comes from: the flagged gemeenten",
        "f_why_part": "Where the shortfall comes from: the flagged gemeenten (part {k} of {m})",
        "f_why_money": "Where the shortfall comes from: much money at stake, no flag",
        "f_why_cap": "The expected shortfall over {S}\u2013{last} together, split up: right of "
                     "zero the items that make the shortfall larger (costs), left those that make "
                     "it smaller (budgets); the black diamond and the number on the right are the "
                     "expected shortfall, the sum of all items. Million euros. "
                     "(c) = centrumgemeente.",
        "f_why_cap_flag": "By flag probability.",
        "f_why_cap_money": "The gemeenten without a flag among the {k} with the most money at "
                           "stake, largest amount first.",
        "f_why_alt": "Stacked bar chart of the build-up of the shortfall of {n} gemeenten "
                     "({list}); the amounts are in {tab}.",
        "f_first": "First bottleneck year",
        "f_first_cap2": "Left: in which year a gemeente first goes above the threshold in a "
                        "simulated future (average number of gemeenten per year). Right: the "
                        "flagged gemeenten by the first year in which their probability reaches "
                        "the threshold.",
        "f_first_cap1": "The flagged gemeenten by the first year in which their probability "
                        "reaches the threshold.",
        "f_first_alt": "Bar chart of the number of flagged gemeenten per first bottleneck year, "
                       "{y0}\u2013{y1}: {counts}.",
        "f_regions": "Regions",
        "f_regions_cap": "Flag probability per region (the centrumgemeente and its gemeenten "
                         "together, shortfall per inhabitant of the region) with its 95% interval. "
                         "Filled dot: stable; open dot: uncertain. Right: number of flagged "
                         "gemeenten in the region, without and with regional pooling.",
        "f_regions_cap_min": "Number of flagged gemeenten per region.",
        "f_regions_alt": "Chart per region of the flag probability and of the number of flagged "
                         "gemeenten; {n} of the {nr} regions are flagged.",
        "f_clients": "Clients in care on 1 January, national",
        "f_clients_cap": "Band: 90% of the simulated futures (5%\u201395%); solid line: median; "
                         "dashed line: mean. Excluding the Wlz and the national institutions. The "
                         "vertical line is the start of the ingroeipad.",
        "f_clients_alt": "Three line charts of the number of clients per year ({y0}\u2013{y1}): "
                         "{items}.",
        "f_money": "Cost, budget and shortfall of all gemeenten together",
        "f_money_cap": "Left: cost and budget for beschermd wonen and shelter of all gemeenten "
                       "together; right: the shortfall (cost minus budget). Band: 90% of the "
                       "simulated futures; solid line: median; dashed line: mean. Million euros, "
                       "indexed.",
        "f_money_alt": "Line charts of the national cost, budget and shortfall per year "
                       "({y0}\u2013{y1}); the expected shortfall goes from {s0} in {y0} to {s1} "
                       "in {y1}.",
        "f_var": "Uncertain assumptions or chance?",
        "f_var_cap": "Share of the spread in the cumulative shortfall over {S}\u2013{last} that "
                     "comes from uncertain assumptions (dark); the rest is chance in the flows of "
                     "clients (light). Left: all gemeenten; right: the {n} gemeenten with the "
                     "highest probability.",
        "f_var_alt": "Histogram and bar chart of the share of the spread due to uncertain "
                     "assumptions; on average {x} over all gemeenten.",
        "t_top": "The {n} gemeenten with the highest flag probability",
        "t_top_cap": "P: flag probability (highest probability over {S}\u2013{last} of a shortfall "
                     "of more than {theta} per inhabitant). P any year: probability of such a "
                     "shortfall in at least one year. Shortfall: cumulative over "
                     "{S}\u2013{last}, million euros: expected, at the 95% level, and the mean of "
                     "the worst 5%. (c) = centrumgemeente.",
        "t_top_cap_other": " Other pooling: flagged if the scenario had been run {other} "
                           "regional pooling.",
        "with": "with", "without": "without",
        "t_exposure": "The {n} gemeenten with the most money at stake",
        "t_exposure_cap": "Ranked by the cumulative shortfall over {S}\u2013{last} at the 95% "
                          "level, million euros; with the expected shortfall, the mean of the "
                          "worst 5%, per inhabitant, the flag probability and the rank in "
                          "[[tab:top]].",
        "t_why": "The build-up of the expected shortfall",
        "t_why_cap": "Million euros over {S}\u2013{last} together; costs positive, budgets "
                     "negative. The last column is the expected shortfall: the sum of the items.",
        "t_regions": "Regions",
        "t_regions_cap": "Per region (a centrumgemeente and its gemeenten together): the number "
                         "of gemeenten and how many of them are flagged, without and with "
                         "regional pooling; with the flag probability of the region as a whole "
                         "(shortfall per inhabitant of the region) and its 95% interval.",
        "t_regions_cap_min": "Per region the number of gemeenten and how many of them are "
                             "flagged.",
        "col_rank": "#", "col_name": "Gemeente", "col_pop": "Inhabitants", "col_p": "P",
        "col_ci": "95% interval", "col_first": "First year",
        "col_pany": "P any year", "col_mean": "Expected (\u20ac\u00a0m)",
        "col_q95": "95% level (\u20ac\u00a0m)", "col_cvar": "Worst 5% (\u20ac\u00a0m)",
        "col_other": "Other pooling", "col_region": "Region",
        "col_members": "Gemeenten", "col_mflag": "Flagged", "col_mflag_pool": "Flagged, pooled",
        "col_flag": "Flag", "col_q95_pi": "95% per inhabitant", "col_rank_p": "Rank by P",
        "col_total": "Shortfall",
        "ax_p": "Flag probability", "ax_pstar": "threshold {pstar}",
        "ax_clients": "clients", "ax_meur": "million euros",
        "ax_year": "year", "ax_ngem": "number of gemeenten",
        "ax_ngem_avg": "average number of gemeenten",
        "ax_share": "share due to uncertain assumptions",
        "ax_exposure": "cumulative shortfall {S}\u2013{last} (million euros)",
        "care_I": "BW in an institution", "care_A": "beschermd thuis (at home)",
        "care_M": "shelter (opvang)",
        "lg_q": "5%\u201395%", "lg_med": "median", "lg_mean": "mean",
        "lg_cost": "cost", "lg_budget": "budget", "lg_short": "shortfall",
        "ax_cost_budget": "cost and budget",
        "lg_flag": "flagged", "lg_noflag": "not flagged", "lg_stable": "stable",
        "lg_unstable": "uncertain", "lg_centrum": "centrumgemeente",
        "lg_start": "start of ingroeipad",
        "lg_never": "never above the threshold: on average {n} gemeenten",
        "lg_param": "uncertain assumptions", "lg_stoch": "chance",
        "lg_unpooled": "without pooling", "lg_pooled": "with pooling",
        "lg_members": "gemeenten in the region",
        "lg_q95": "95% level", "lg_expected": "expected shortfall",
        "lg_total": "expected shortfall",
        "ax_first_rep": "Per future: first year above the threshold",
        "ax_first_flag": "Flag: first year with probability \u2265 {pstar}",
        "ax_all": "All gemeenten", "ax_top": "Highest probability",
        "no_flags_chart": "no flagged gemeente",
        "h_glossary": "Glossary",
        "h_tech": "Technical details",
        "tech_intro": "For those who run the model themselves. The settings are named here as in "
                      "the scenario file.",
        "tech_tab_changed": "[[tab:changed]] gives what differs from the defaults",
        "tech_tab_settings": "[[tab:settings]] lists the settings behind the assumptions",
        "tech_tab_file": "[[tab:file]] describes the file this report was made from",
        "t_changed": "What differs from the default settings",
        "t_changed_cap": "The settings this scenario sets differently from the defaults "
                         "(params/default.yaml): parameter, value in this scenario, default.",
        "col_setting": "Parameter", "col_plain": "In this report", "col_default": "Default",
        "t_all_default": "This scenario uses the default value of every setting.",
        "t_settings": "The settings behind the assumptions",
        "t_settings_cap": "The parameters behind [[sec:assume]], with their value in this "
                          "scenario.",
        "fi_R": "simulations",
        "fi_params": "scenario (run.name)", "fi_data": "data (data_name, data_version)",
        "fi_data_date": "params/data/VERSION", "fi_illustrative": "data_illustrative",
        "fi_sha": "SHA-256 of {what}", "fi_statistics": "statistics",
        "tech_more": "The full list of gemeenten is in risk.csv beside results.h5; more "
                     "simulations settle uncertain flags: bwsim run -n 5000 or bwsim run "
                     "--until-stable. The split into assumptions and chance needs "
                     "uncertainty.outer_draws greater than 0.",
        "tech_files": "The figures are also in figures/, the numbers of the build-up of the "
                      "shortfall in data/decomposition.csv.",
        "tech_format_missing": "The results file has no format_version (an older bwsim); the "
                               "report reads it as the older layout.",
        "tech_other_pool_unknown": "/risk/flagged_other_pooling is \u22121 (unknown): the flags "
                                   "under the other pooling were not computed.",
        "footer": "Made with bwsim {version} (bwsim report) from results.h5.",
        "meta_data": "data: {data}", "meta_date": "data shipped with this bwsim: {date}",
        "footer_data": " Data: {data}.",
        "footer_date": " Data shipped with this bwsim: {date}.",
    },
}
