"""Namespaces, and the lookup tables the pipeline reads from the ontology and data files.

The activities, certificate types and positioning codes are defined once, in
``ontology/hds.ttl``; this module reads them from there so that code and ontology
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from hdsgraph.resources import asset_dir, data_file, data_table

VOCAB_BASE = "https://w3id.org/hdsgraph/"
DEFAULT_BASE_URI = "https://w3id.org/hdsgraph/"
HDS = VOCAB_BASE + "ontology#"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
ROV = "http://www.w3.org/ns/regorg#"
ADMS = "http://www.w3.org/ns/adms#"
OWL = "http://www.w3.org/2002/07/owl#"
VANN = "http://purl.org/vocab/vann/"
SH = "http://www.w3.org/ns/shacl#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"

# Prefixes used when writing Turtle, and in the JSON-LD context.
PREFIXES = {
    "hds": HDS,
    "act": VOCAB_BASE + "activity/",
    "certtype": VOCAB_BASE + "certificate-type/",
    "pos": VOCAB_BASE + "positioning/",
    "country": COUNTRY,
    "adms": ADMS,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "rov": ROV,
    "skos": SKOS,
    "vann": VANN,
    "void": VOID,
    "xsd": XSD,
}

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

    def type_for(self, activity: int) -> CertificateType:
        for ctype in self.certificate_types:
            if activity in ctype.activities:
                return ctype
        raise KeyError(activity)


def _notation_query(store: ox.Store, cls: str) -> dict[str, str]:
    rows = store.query(
        f"SELECT ?c ?n WHERE {{ ?c a <{cls}> ; <{SKOS}notation> ?n }}"
    )
    return {row["n"].value: row["c"].value for row in rows}


@lru_cache(maxsize=None)
def vocabulary() -> Vocabulary:
    """The activities, certificate types and positioning codes of the ontology."""
    store = ox.Store()
    store.load(path=str(ontology_path()), format=ox.RdfFormat.TURTLE)
    activities = {int(n): iri for n, iri in _notation_query(store, HDS + "Activity").items()}
    types = []
    for code, iri in sorted(_notation_query(store, HDS + "CertificateType").items()):
        covered = store.query(
            f"SELECT ?n WHERE {{ <{iri}> <{HDS}typeActivity>/<{SKOS}notation> ?n }}"
        )
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


@lru_cache(maxsize=None)
def countries() -> dict[str, Country]:
    """ISO 3166-1 countries keyed by their alpha-2 code."""
    return {row["alpha2"]: Country(**row) for row in data_table("countries.csv")}


@lru_cache(maxsize=None)
def legal_forms() -> frozenset[str]:
    """Legal-form words ignored when comparing host names (SAS, SARL, Inc...)."""
    text = data_file("legal-forms.txt").read_text(encoding="utf-8")
    return frozenset(
        word.strip().casefold() for word in text.splitlines() if word.strip() and not word.startswith("#")
    )
