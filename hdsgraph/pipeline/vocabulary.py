"""Namespaces, and the lookup tables the pipeline reads from the ontology and data files.

The activities, certificate types and positioning codes are defined once, in
``ontology/hds.ttl``; this module reads them from there so that code and ontology
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    referentials: dict[str, str] = field(default_factory=dict)  # version ("1.1", "2.0") -> IRI


def _notation_query(store: ox.Store, cls: str) -> dict[str, str]:
    rows = select(store, f"SELECT ?c ?n WHERE {{ ?c a <{cls}> ; <{SKOS}notation> ?n }}")
    return {row["n"].value: row["c"].value for row in rows}


@cache
def vocabulary() -> Vocabulary:
    """The activities, certificate types, positioning codes and referential versions of the ontology."""
    store = open_store(ontology_path())
    activities = {int(n): iri for n, iri in _notation_query(store, HDS + "Activity").items()}
    types = []
    for code, iri in sorted(_notation_query(store, HDS + "CertificateType").items()):
        covered = select(store, f"SELECT ?n WHERE {{ <{iri}> <{HDS}typeActivity>/<{SKOS}notation> ?n }}")
        types.append(CertificateType(iri, code, frozenset(int(r["n"].value) for r in covered)))
    positionings = _notation_query(store, HDS + "Positioning")
    referentials = _notation_query(store, HDS + "Referential")
    return Vocabulary(
        dict(sorted(activities.items())),
        tuple(types),
        dict(sorted(positionings.items())),
        dict(sorted(referentials.items())),
    )


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


@dataclass(frozen=True)
class Rename:
    name: str
    until: str | None  # the last day the name was used, when a source gives it


@dataclass(frozen=True)
class Body:
    """A certification body of ``data/certification-bodies.yaml``: one IRI whatever it is called."""

    id: str
    name: str
    aliases: tuple[str, ...]
    renamed: tuple[Rename, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the registry may write for it: the current one, its aliases, its old names."""
        return (self.name, *self.aliases, *(r.name for r in self.renamed))


@cache
def certification_bodies() -> tuple[Body, ...]:
    """The known certification bodies, with their aliases and renames."""
    import yaml

    raw = yaml.safe_load(data_file("certification-bodies.yaml").read_text(encoding="utf-8"))
    return tuple(
        Body(
            id=entry["id"],
            name=entry["name"],
            aliases=tuple(entry.get("aliases") or ()),
            renamed=tuple(
                Rename(r["name"], str(r["until"]) if r.get("until") is not None else None)
                for r in entry.get("renamed") or ()
            ),
        )
        for entry in raw["bodies"]
    )
