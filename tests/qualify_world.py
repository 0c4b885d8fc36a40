"""The fictitious hosts the qualification tests ask the stand-ins about (tests/helpers/standins.py).

One host per case of issue 12: a clear match, two candidates, no match, a hospital (7364),
a GIP that is a regional e-health group, an insurer's IT arm, a French subsidiary of a US
group found through GLEIF, one found only through Wikidata, a joint venture, a foreign
company with a French branch. Every name says it is fictitious.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.helpers.siren import luhn_siren
from tests.helpers.standins import World, lei_record, unit, wikidata_row

S = {
    name: luhn_siren(812_000_000 + 1000 * i)
    for i, name in enumerate(
        [
            "clear",
            "twin1",
            "twin2",
            "hospital",
            "grades",
            "itarm",
            "mutual",
            "usfr",
            "wdonly",
            "wdparent",
            "jv",
            "branch",
        ]
    )
}

# host name, activities, the registry's SIREN cell
HOSTS = [
    ("Hébergeur fictif Alpha SAS", "1-2", ""),
    ("Infogérance fictive Bêta", "1-6", ""),
    ("Inconnu fictif Gamma", "3-6", ""),
    ("Centre hospitalier fictif de Delta", "1-6", S["hospital"]),
    ("GIP e-santé fictif Epsilon", "3-6", ""),
    ("Informatique mutualiste fictive Zêta", "1-6", ""),
    ("Nuage fictif Thêta France", "1-6", ""),
    ("Éditeur fictif Iota", "3-6", ""),
    ("Coentreprise fictive Kappa", "1-6", ""),
    ("Fictive Lambda GmbH", "3-6", ""),
]


def world() -> World:
    w = World()
    w.units = {
        S["clear"]: unit(S["clear"], "HEBERGEUR FICTIF ALPHA", "5710", "63.11Z"),
        S["twin1"]: unit(S["twin1"], "INFOGERANCE FICTIVE BETA", "5710", "62.03Z"),
        S["twin2"]: unit(S["twin2"], "INFOGÉRANCE FICTIVE BÊTA SARL", "5499", "62.02A"),
        S["hospital"]: unit(S["hospital"], "CENTRE HOSPITALIER FICTIF DE DELTA", "7364", "86.10Z", finess=True),
        S["grades"]: unit(S["grades"], "GIP E-SANTE FICTIF EPSILON", "7410", "62.03Z"),
        S["itarm"]: unit(S["itarm"], "INFORMATIQUE MUTUALISTE FICTIVE ZETA", "5599", "62.02A"),
        S["mutual"]: unit(S["mutual"], "MUTUELLE FICTIVE ETA", "8210", "65.12Z"),
        S["usfr"]: unit(S["usfr"], "NUAGE FICTIF THETA FRANCE", "5710", "63.11Z"),
        S["wdonly"]: unit(S["wdonly"], "EDITEUR FICTIF IOTA", "5710", "58.29C"),
        S["jv"]: unit(S["jv"], "COENTREPRISE FICTIVE KAPPA", "5710", "63.11Z"),
        S["branch"]: unit(S["branch"], "FICTIVE LAMBDA GMBH", "3120", "62.02A", pays="99109"),
    }
    w.searches = {
        "Hébergeur fictif Alpha SAS": [S["clear"], S["twin1"]],
        "Infogérance fictive Bêta": [S["twin1"], S["twin2"]],
        "GIP e-santé fictif Epsilon": [S["grades"]],
        "Informatique mutualiste fictive Zêta": [S["itarm"]],
        "Nuage fictif Thêta France": [S["usfr"]],
        "Éditeur fictif Iota": [S["wdonly"]],
        "Coentreprise fictive Kappa": [S["jv"]],
        "Fictive Lambda GmbH": [S["branch"]],
    }
    w.leis = {
        S["itarm"]: lei_record("969500FICTIVEZETA001", "INFORMATIQUE MUTUALISTE FICTIVE ZETA", "FR", S["itarm"]),
        S["usfr"]: lei_record("969500FICTIVETHETA01", "NUAGE FICTIF THETA FRANCE", "FR", S["usfr"]),
    }
    w.parents = {
        "969500FICTIVEZETA001": lei_record("969500FICTIVEETA0001", "MUTUELLE FICTIVE ETA", "FR", S["mutual"]),
        "969500FICTIVETHETA01": lei_record("5493FICTIVECLOUDIN01", "Fictional Cloud Holdings Inc.", "US"),
    }
    w.wikidata = {
        S["wdonly"]: [wikidata_row(S["wdonly"], "Q990001", "Q990002", "Fiktiver Verlag AG", "DE")],
        S["jv"]: [
            wikidata_row(S["jv"], "Q990010", "Q990011", "Groupe fictif Un", "FR"),
            wikidata_row(S["jv"], "Q990010", "Q990012", "Kaisha fictif Ni", "JP"),
        ],
    }
    return w


def write_registry(folder: Path) -> Path:
    path = folder / "2026-11-30.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["host", "siren", "activities", "certification_body", "issued", "expires", "snapshot"])
        for name, activities, siren in HOSTS:
            writer.writerow([name, siren, activities, "Organisme fictif A", "2025-01-10", "2028-01-10", "2026-11-30"])
    return path
