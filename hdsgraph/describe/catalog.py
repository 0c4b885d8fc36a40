"""Catalogue: the built files -> a DCAT-AP 3.0 description of the dataset and its files.

The fixed text (titles, descriptions, publisher, contact point, licence, keywords, themes,
provenance) is the skeleton ``hdsgraph/data/catalog-skeleton.ttl``, read with the build's
base URI so that ``<dataset>`` is the dataset IRI the graph itself uses. This module adds
what each build knows: one ``dcat:Distribution`` per data file (URL, byte size, SHA-256,
media type and EU file type), the temporal coverage and the issued/modified dates (from
the registry snapshots in the graph, never the clock), the snapshots the dataset derives
from, and the SPARQL endpoint when there is one. The dataset's title and description
(with "demonstration data" when the graph holds synthetic hosts) and the dates are the
shared facts of ``hdsgraph.describe.facts``.

The catalogue does not describe itself, ``void.ttl`` or ``SHA256SUMS`` as distributions:
they are metadata about the files, and a file cannot carry its own checksum. SHA256SUMS
covers them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import cast
from urllib.parse import quote

import pyoxigraph as ox

from hdsgraph.describe.facts import HDSCAT, CatalogOptions, Facts, check_url
from hdsgraph.rdf.namespaces import (
    DCAT,
    DCTERMS,
    FILE_TYPE,
    FOAF,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    XSD,
    prefixes,
)
from hdsgraph.rdf.serialise import prefix_context, to_jsonld, to_turtle
from hdsgraph.resources import data_table

__all__ = ["CatalogOptions", "catalog_files", "catalog_triples", "check_url", "file_types"]

IANA = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"

CATALOG_FILES = ("catalog.ttl", "catalog.jsonld")
# The data.gouv.fr profile of the record: the same triples, but for the checksum values,
# plain strings instead of xsd:hexBinary (see catalog_files).
DATAGOUV_FILE = "catalog-datagouv.ttl"
VOID_FILE = "void.ttl"
DOCUMENTATION = "README.md"
MANIFEST = "build.json"
# Files of a build that are metadata about the others, not distributions of the dataset.
NOT_DISTRIBUTIONS = frozenset({*CATALOG_FILES, DATAGOUV_FILE, VOID_FILE, DOCUMENTATION, MANIFEST, "SHA256SUMS"})

# Skeleton annotations on <dataset> that every distribution gets.
DISTRIBUTION_DEFAULTS = {
    HDSCAT + "distributionLicence": DCTERMS + "license",
    HDSCAT + "distributionAvailability": "http://data.europa.eu/r5r/availability",
}

# The prefixes the catalogue declares (from the one table).
CATALOG_PREFIXES = prefixes(
    "dcat",
    "dct",
    "foaf",
    "vcard",
    "spdx",
    "skos",
    "prov",
    "rdfs",
    "xsd",
    "hds",
    "filetype",
    "eulang",
    "eutheme",
    "locn",
    "gsp",
)


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    media_type: str

    @property
    def iri(self) -> str:
        return FILE_TYPE + self.code


@cache
def file_types() -> dict[str, FileType]:
    """File extension -> EU file type and IANA media type (``data/file-types.csv``)."""
    return {
        row["extension"]: FileType(row["file_type"], row["label"], row["media_type"])
        for row in data_table("file-types.csv")
    }


def nn(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def lit(value: str, datatype: str | None = None) -> ox.Literal:
    return ox.Literal(value, datatype=nn(datatype)) if datatype else ox.Literal(value)


def catalog_triples(files: Mapping[str, bytes | Path], facts: Facts) -> list[ox.Triple]:
    """The catalogue: the skeleton plus the generated parts, sorted."""
    download = facts.download
    skeleton = facts.skeleton.triples
    dataset, catalog = facts.dataset, facts.catalog
    out: set[ox.Triple] = set()

    def add(s, p, o):
        out.add(ox.Triple(s, nn(p), o))

    texts = (DCTERMS + "title", DCTERMS + "description")
    for triple in skeleton:
        predicate = triple.predicate.value
        if predicate.startswith(HDSCAT) or (triple.subject == dataset and predicate in texts):
            continue
        out.add(triple)
    for literal in facts.texts.literals("title"):
        add(dataset, DCTERMS + "title", literal)
    for literal in facts.texts.literals("description"):
        add(dataset, DCTERMS + "description", literal)

    add(dataset, DCTERMS + "identifier", lit(dataset.value))
    if facts.snapshots:
        first, last = facts.first, facts.last
        for node in (dataset, catalog):
            add(node, DCTERMS + "issued", first)
            add(node, DCTERMS + "modified", last)
        period = nn(dataset.value + "#temporal")
        add(dataset, DCTERMS + "temporal", period)
        add(period, RDF + "type", nn(DCTERMS + "PeriodOfTime"))
        add(period, DCAT + "startDate", first)
        add(period, DCAT + "endDate", last)
        for snapshot, _ in facts.snapshots:
            add(dataset, PROV + "wasDerivedFrom", nn(snapshot))

    titled = {t.subject for t in skeleton if t.predicate.value == DCTERMS + "title"}
    for name in sorted(set(files) - NOT_DISTRIBUTIONS):
        _distribution(add, dataset, name, files[name], download, titled, skeleton)
    if DOCUMENTATION in files:
        add(dataset, FOAF + "page", nn(download + DOCUMENTATION))
        add(nn(download + DOCUMENTATION), RDF + "type", nn(FOAF + "Document"))
    add(dataset, RDFS + "seeAlso", nn(download + VOID_FILE))

    if facts.sparql_endpoint:
        service = nn(catalog.value + "#sparql-endpoint")
        add(catalog, DCAT + "service", service)
        add(service, RDF + "type", nn(DCAT + "DataService"))
        add(service, DCTERMS + "title", ox.Literal("SPARQL endpoint of the hdsgraph knowledge graph", language="en"))
        add(service, DCTERMS + "title", ox.Literal("Point d'accès SPARQL du graphe hdsgraph", language="fr"))
        add(service, DCAT + "endpointURL", nn(facts.sparql_endpoint))
        add(service, DCAT + "servesDataset", dataset)
        add(service, DCTERMS + "conformsTo", nn(SPARQL_PROTOCOL))
        add(nn(SPARQL_PROTOCOL), RDF + "type", nn(DCTERMS + "Standard"))
        add(nn(SPARQL_PROTOCOL), DCTERMS + "title", ox.Literal("SPARQL 1.1 Protocol", language="en"))
    return sorted(out, key=str)


def _size_and_sha256(data: bytes | Path) -> tuple[int, str]:
    if isinstance(data, Path):
        from hdsgraph.files import file_sha256

        return data.stat().st_size, file_sha256(data)
    return len(data), hashlib.sha256(data).hexdigest()


def _distribution(add, dataset, name: str, data: bytes | Path, download: str, titled, skeleton) -> None:
    base = dataset.value
    distribution = nn(f"{base}#distribution-{quote(name, safe='-._~')}")
    checksum = nn(f"{base}#checksum-{quote(name, safe='-._~')}")
    url = nn(download + quote(name, safe="-._~"))
    add(dataset, DCAT + "distribution", distribution)
    add(distribution, RDF + "type", nn(DCAT + "Distribution"))
    add(distribution, DCAT + "accessURL", url)
    add(distribution, DCAT + "downloadURL", url)
    size, digest = _size_and_sha256(data)
    add(distribution, DCAT + "byteSize", lit(str(size), XSD + "decimal"))
    add(distribution, SPDX + "checksum", checksum)
    add(checksum, RDF + "type", nn(SPDX + "Checksum"))
    add(checksum, SPDX + "algorithm", nn(SPDX + "checksumAlgorithm_sha256"))
    add(checksum, SPDX + "checksumValue", lit(digest, XSD + "hexBinary"))
    for triple in skeleton:
        if triple.subject == dataset and triple.predicate.value in DISTRIBUTION_DEFAULTS:
            add(distribution, DISTRIBUTION_DEFAULTS[triple.predicate.value], triple.object)
    if distribution not in titled:
        add(distribution, DCTERMS + "title", lit(name))
        add(distribution, DCTERMS + "description", lit(f"The file {name} of the build."))
    kind = file_types().get(Path(name).suffix.lower())
    if kind is not None:
        media = nn(IANA + kind.media_type)
        add(distribution, DCAT + "mediaType", media)
        add(media, RDF + "type", nn(DCTERMS + "MediaType"))
        add(distribution, DCTERMS + "format", nn(kind.iri))
        add(nn(kind.iri), RDF + "type", nn(DCTERMS + "MediaTypeOrExtent"))
        add(nn(kind.iri), RDF + "type", nn(SKOS + "Concept"))
        add(nn(kind.iri), SKOS + "prefLabel", ox.Literal(kind.label, language="en"))
        add(nn(kind.iri), SKOS + "inScheme", nn(FILE_TYPE[:-1]))


def ntriples(triples: list[ox.Triple]) -> bytes:
    return "".join(f"{t} .\n" for t in sorted(triples, key=str)).encode("utf-8")


def datagouv_profile(triples: list[ox.Triple], facts: Facts) -> list[ox.Triple]:
    """The record as data.gouv.fr harvests it, which differs from the DCAT-AP record twice:

    - ``spdx:checksumValue`` is a plain string: DCAT-AP 3.0 wants ``xsd:hexBinary``, which
      udata's DCAT harvester reads as bytes, which its string field refuses, and then it
      saves nothing of the dataset;
    - the temporal coverage is a blank node: udata tries to download a period that has an
      IRI (``{base}dataset#temporal``), and drops it when it cannot.
    """
    period = nn(facts.dataset.value + "#temporal")
    blank = ox.BlankNode("temporal")
    out = []
    for t in triples:
        s, o = t.subject, t.object
        if t.predicate.value == SPDX + "checksumValue" and isinstance(o, ox.Literal):
            o = ox.Literal(o.value)
        s, o = (blank if s == period else s), (blank if o == period else o)
        out.append(ox.Triple(s, t.predicate, o))
    return sorted(out, key=str)


def catalog_files(files: Mapping[str, bytes | Path], facts: Facts) -> dict[str, bytes]:
    """``catalog.ttl`` and ``catalog.jsonld`` (the DCAT-AP 3.0 record) and
    ``catalog-datagouv.ttl`` (its data.gouv.fr profile) for the files of a build, given as
    their bytes or as files."""
    triples = catalog_triples(files, facts)
    nt = ntriples(triples)
    return {
        "catalog.ttl": cast(bytes, to_turtle(nt, prefixes=CATALOG_PREFIXES)),
        "catalog.jsonld": cast(bytes, to_jsonld(nt, context=prefix_context(CATALOG_PREFIXES))),
        DATAGOUV_FILE: cast(bytes, to_turtle(ntriples(datagouv_profile(triples, facts)), prefixes=CATALOG_PREFIXES)),
    }
