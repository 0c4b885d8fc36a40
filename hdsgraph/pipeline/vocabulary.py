"""Namespaces, and the lookup tables the pipeline reads from the ontology and data files.

The activities, certificate types and positioning codes are defined once, in
``ontology/hds.ttl``; this module reads them from there so that code and ontology
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from hdsgraph.rdf.namespaces import COUNTRY, HDS, SKOS
from hdsgraph.rdf.store import open_store, select
from hdsgraph.resources import asset_dir, data_file, data_table

ONTOLOGY_FILE = "hds.ttl"


def ontology_path() -> Path:
    return asset_dir("ontology") / ONTOLOGY_FILE


@dataclass(frozen=True)
class CertificateType:
    iri: str
    code: str
    activities: frozenset[int]


@dataclass(frozen=True)
class Vocabulary:
    activities: dict[int, str]  # number -> IRI
    certificate_types: tuple[CertificateType, ...]
    positionings: dict[str, str]  # code -> IRI


def _notation_query(store: ox.Store, cls: str) -> dict[str, str]:
    rows = select(store, f"SELECT ?c ?n WHERE {{ ?c a <{cls}> ; <{SKOS}notation> ?n }}")
    return {row["n"].value: row["c"].value for row in rows}


@cache
def vocabulary() -> Vocabulary:
    """The activities, certificate types and positioning codes of the ontology."""
    store = open_store(ontology_path())
    activities = {int(n): iri for n, iri in _notation_query(store, HDS + "Activity").items()}
    types = []
    for code, iri in sorted(_notation_query(store, HDS + "CertificateType").items()):
        covered = select(store, f"SELECT ?n WHERE {{ <{iri}> <{HDS}typeActivity>/<{SKOS}notation> ?n }}")
        types.append(CertificateType(iri, code, frozenset(int(r["n"].value) for r in covered)))
    positionings = _notation_query(store, HDS + "Positioning")
    return Vocabulary(dict(sorted(activities.items())), tuple(types), dict(sorted(positionings.items())))


@dataclass(frozen=True)
class Country:
    alpha2: str
    alpha3: str
    name: str

    @property
    def iri(self) -> str:
        return COUNTRY + self.alpha3


@cache
def countries() -> dict[str, Country]:
    """ISO 3166-1 countries keyed by their alpha-2 code."""
    return {row["alpha2"]: Country(**row) for row in data_table("countries.csv")}


@cache
def legal_forms() -> frozenset[str]:
    """Legal-form words ignored when comparing host names (SAS, SARL, Inc...)."""
    text = data_file("legal-forms.txt").read_text(encoding="utf-8")
    return frozenset(word.strip().casefold() for word in text.splitlines() if word.strip() and not word.startswith("#"))
