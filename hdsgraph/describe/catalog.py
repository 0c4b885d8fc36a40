"""Catalogue: the built files -> a DCAT-AP 3.0 description of the dataset and its files.

The fixed text (titles, descriptions, publisher, contact point, licence, keywords, themes,
provenance) is the skeleton ``hdsgraph/data/catalog-skeleton.ttl``, read with the build's
base URI so that ``<dataset>`` is the dataset IRI the graph itself uses. This module adds
what each build knows: one ``dcat:Distribution`` per data file (URL, byte size, SHA-256,
media type and EU file type), the temporal coverage and the issued/modified dates (from
the registry snapshots in the graph, never the clock), the snapshots the dataset derives
from, the SPARQL endpoint when there is one, and "demonstration data" in the title when
the graph holds synthetic hosts.

The catalogue does not describe itself, ``void.ttl`` or ``SHA256SUMS`` as distributions:
they are metadata about the files, and a file cannot carry its own checksum. SHA256SUMS
covers them all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from hdsgraph.errors import InputError
from hdsgraph.rdf.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    HDS,
    PROV,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    VOCAB_BASE,
    XSD,
)
from hdsgraph.rdf.terms import check_http
from hdsgraph.resources import data_file, data_table

HDSCAT = VOCAB_BASE + "catalog-skeleton#"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"

CATALOG_FILES = ("catalog.ttl", "catalog.jsonld")
VOID_FILE = "void.ttl"
DOCUMENTATION = "README.md"
# Files of a build that are metadata about the others, not distributions of the dataset.
NOT_DISTRIBUTIONS = frozenset({*CATALOG_FILES, VOID_FILE, DOCUMENTATION, "SHA256SUMS"})

# Skeleton annotations on <dataset> that every distribution gets.
DISTRIBUTION_DEFAULTS = {
    HDSCAT + "distributionLicence": DCTERMS + "license",
    HDSCAT + "distributionAvailability": "http://data.europa.eu/r5r/availability",
}

PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "vcard": VCARD,
    "spdx": SPDX,
    "skos": SKOS,
    "prov": PROV,
    "rdfs": RDFS,
    "xsd": XSD,
    "hds": HDS,
    "filetype": FILE_TYPE,
    "eulang": "http://publications.europa.eu/resource/authority/language/",
    "eutheme": "http://publications.europa.eu/resource/authority/data-theme/",
}


@dataclass(frozen=True)
class CatalogOptions:
    """What a publisher configures: where the files can be downloaded (default
    ``{base}dist/``), the SPARQL endpoint serving the graph (default: none), and its own
    catalogue skeleton (default: the bundled one)."""

    download_url: str | None = None
    sparql_endpoint: str | None = None
    skeleton: Path | None = None

    def download_base(self, base_uri: str) -> str:
        url = self.download_url or base_uri + "dist/"
        return check_url(url, "download URL", folder=True)


def check_url(url: str, what: str, folder: bool = False) -> str:
    return check_http(url, what, "URL", ("/",) if folder else ())


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    media_type: str

    @property
    def iri(self) -> str:
        return FILE_TYPE + self.code


@lru_cache(maxsize=None)
def file_types() -> dict[str, FileType]:
    """File extension -> EU file type and IANA media type (``data/file-types.csv``)."""
    return {row["extension"]: FileType(row["file_type"], row["label"], row["media_type"])
            for row in data_table("file-types.csv")}


def nn(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def lit(value: str, datatype: str | None = None) -> ox.Literal:
    return ox.Literal(value, datatype=nn(datatype)) if datatype else ox.Literal(value)


@dataclass(frozen=True)
class GraphFacts:
    """What the catalogue and the VoID description read from the data graph."""

    snapshots: tuple[tuple[str, ox.Literal], ...]  # (snapshot IRI, dcterms:date), by date
    synthetic: bool

    @property
    def dates(self) -> list[ox.Literal]:
        return [date for _, date in self.snapshots]


def graph_facts(store: ox.Store) -> GraphFacts:
    rows = store.query(
        f"SELECT ?s ?d WHERE {{ ?s a <{HDS}RegistrySnapshot> ; <{DCTERMS}date> ?d }}"
    )
    snapshots = tuple(sorted(((row["s"].value, row["d"]) for row in rows), key=lambda p: (p[1].value, p[0])))
    synthetic = bool(store.query(f"ASK {{ ?h <{HDS}synthetic> true }}"))
    return GraphFacts(snapshots, synthetic)


def read_skeleton(path: Path | None, base_uri: str) -> list[ox.Triple]:
    path = Path(path) if path else data_file("catalog-skeleton.ttl")
    try:
        triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base_uri)]
    except FileNotFoundError:
        raise InputError(f"{path}: no such catalogue skeleton") from None
    except (SyntaxError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a valid Turtle catalogue skeleton ({first})") from None
    dataset = nn(base_uri + "dataset")
    if ox.Triple(dataset, nn(RDF + "type"), nn(DCAT + "Dataset")) not in triples:
        raise InputError(f"{path}: the skeleton must describe <dataset> (the dataset {dataset.value}) as a dcat:Dataset")
    return triples


def catalog_triples(
    files: dict[str, bytes], store: ox.Store, base_uri: str, options: CatalogOptions = CatalogOptions()
) -> list[ox.Triple]:
    """The catalogue: the skeleton plus the generated parts, sorted."""
    download = options.download_base(base_uri)
    skeleton = read_skeleton(options.skeleton, base_uri)
    facts = graph_facts(store)
    dataset, catalog = nn(base_uri + "dataset"), nn(base_uri + "catalog")
    out: set[ox.Triple] = set()

    def add(s, p, o):
        out.add(ox.Triple(s, nn(p), o))

    demo_title = [t.object for t in skeleton if t.subject == dataset and t.predicate.value == HDSCAT + "demonstrationTitle"]
    notes = {t.object.language: t.object.value for t in skeleton
             if t.subject == dataset and t.predicate.value == HDSCAT + "demonstrationNote"}
    for triple in skeleton:
        predicate = triple.predicate.value
        if predicate.startswith(HDSCAT):
            continue
        if facts.synthetic and triple.subject == dataset and predicate == DCTERMS + "title" and demo_title:
            continue
        if facts.synthetic and triple.subject == dataset and predicate == DCTERMS + "description" \
                and triple.object.language in notes:
            note = notes[triple.object.language]
            out.add(ox.Triple(dataset, triple.predicate, ox.Literal(f"{triple.object.value} {note}",
                                                                      language=triple.object.language)))
            continue
        out.add(triple)
    if facts.synthetic:
        for title in demo_title:
            add(dataset, DCTERMS + "title", title)

    add(dataset, DCTERMS + "identifier", lit(dataset.value))
    if facts.snapshots:
        first, last = facts.dates[0], facts.dates[-1]
        for node in (dataset, catalog):
            add(node, DCTERMS + "issued", first)
            add(node, DCTERMS + "modified", last)
        period = nn(base_uri + "dataset#temporal")
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

    if options.sparql_endpoint:
        endpoint = check_url(options.sparql_endpoint, "SPARQL endpoint")
        service = nn(base_uri + "catalog#sparql-endpoint")
        add(catalog, DCAT + "service", service)
        add(service, RDF + "type", nn(DCAT + "DataService"))
        add(service, DCTERMS + "title", ox.Literal("SPARQL endpoint of the hdsgraph knowledge graph", language="en"))
        add(service, DCTERMS + "title", ox.Literal("Point d'accès SPARQL du graphe hdsgraph", language="fr"))
        add(service, DCAT + "endpointURL", nn(endpoint))
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


def to_turtle(triples: list[ox.Triple], prefixes: dict[str, str] = PREFIXES) -> bytes:
    return ox.serialize(ox.parse(ntriples(triples), format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE,
                        prefixes=prefixes)


def to_prefixed_jsonld(triples: list[ox.Triple], prefixes: dict[str, str] = PREFIXES) -> bytes:
    """JSON-LD with the prefixes as its context: one node per subject, in order, keys as
    compact IRIs, values as explicit value objects, so it parses to the same graph."""

    def compact(value: str) -> str:
        for prefix, namespace in sorted(prefixes.items(), key=lambda p: -len(p[1])):
            rest = value[len(namespace):]
            if value.startswith(namespace) and rest and not rest.startswith("//"):
                return f"{prefix}:{rest}"
        return value

    nodes: dict[str, dict] = {}
    for triple in sorted(triples, key=str):
        node = nodes.setdefault(triple.subject.value, {"@id": compact(triple.subject.value)})
        obj = triple.object
        if triple.predicate.value == RDF + "type":
            node.setdefault("@type", []).append(compact(obj.value))
            continue
        if isinstance(obj, ox.NamedNode):
            value = {"@id": compact(obj.value)}
        elif obj.language:
            value = {"@value": obj.value, "@language": obj.language}
        elif obj.datatype.value == XSD + "string":
            value = obj.value
        else:
            value = {"@value": obj.value, "@type": compact(obj.datatype.value)}
        node.setdefault(compact(triple.predicate.value), []).append(value)
    document = {"@context": dict(sorted(prefixes.items())), "@graph": list(nodes.values())}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def metadata_files(
    files: dict[str, bytes | Path], base_uri: str, options: CatalogOptions | None = None,
    store: ox.Store | None = None,
) -> dict[str, bytes]:
    """``catalog.ttl``, ``catalog.jsonld`` and ``void.ttl`` for the files of a build, given
    as their bytes or as files (``files`` must hold ``hds.nt``, the graph; ``store``, when
    given, holds it already)."""
    from hdsgraph.describe.void import void_turtle
    from hdsgraph.rdf.store import load_store

    options = options or CatalogOptions()
    if store is None:
        nt = files["hds.nt"]
        store = load_store(nt.read_bytes() if isinstance(nt, Path) else nt)
    triples = catalog_triples(files, store, base_uri, options)
    return {
        "catalog.ttl": to_turtle(triples),
        "catalog.jsonld": to_prefixed_jsonld(triples),
        VOID_FILE: void_turtle(files["hds.nt"], store, base_uri, options),
    }
