"""VoID: the graph -> a VoID description of it (``void.ttl``), with its real counts.

Counts, computed on the N-Triples of the build:
- ``void:triples``: the triples of the graph (data and ontology);
- ``void:entities``: distinct IRIs in subject position within the dataset's IRI space
  (``void:uriSpace``, the build's base URI);
- ``void:classes``: distinct objects of ``rdf:type``; ``void:properties``: distinct
  predicates; ``void:distinctSubjects`` and ``void:distinctObjects``;
- one class partition per class (its entities: distinct subjects of that type) and one
  property partition per property (its triples);
- one linkset per kind of link to another dataset (``data/linksets.csv``) that the graph
  holds: nationalities to the EU country table, ``owl:sameAs`` to Wikidata.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from hdsgraph.describe.catalog import (
    CatalogOptions,
    check_url,
    graph_facts,
    lit,
    nn,
    to_turtle,
)
from hdsgraph.rdf.namespaces import DCAT, DCTERMS, FOAF, HDS, PREFIXES, RDF, VOID, XSD
from hdsgraph.rdf.serialise import parse_ntriples
from hdsgraph.resources import data_table

FORMATS = "http://www.w3.org/ns/formats/"
DUMPS = {"hds.nt": "N-Triples", "hds.ttl": "Turtle", "hds.jsonld": "JSON-LD"}
EXAMPLES = 3  # example hosts
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


@dataclass(frozen=True)
class Linkset:
    name: str
    predicate: str
    target: str
    uri_space: str
    title: str


@lru_cache(maxsize=None)
def linksets() -> tuple[Linkset, ...]:
    return tuple(Linkset(**row) for row in data_table("linksets.csv"))


@dataclass
class Statistics:
    triples: int = 0
    entities: int = 0
    classes: int = 0
    properties: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    class_entities: dict[str, int] = field(default_factory=dict)
    property_triples: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)  # linkset name -> triples
    hosts: list[str] = field(default_factory=list)


def statistics(nt: bytes | Path, uri_space: str) -> Statistics:
    subjects, objects = set(), set()
    typed: dict[str, set] = defaultdict(set)
    per_property: dict[str, int] = defaultdict(int)
    links: dict[str, int] = defaultdict(int)
    by_predicate = defaultdict(list)
    for linkset in linksets():
        by_predicate[linkset.predicate].append(linkset)
    triples = 0
    for triple in parse_ntriples(nt):
        triples += 1
        subjects.add(triple.subject)
        objects.add(triple.object)
        predicate = triple.predicate.value
        per_property[predicate] += 1
        if predicate == RDF + "type":
            typed[triple.object.value].add(triple.subject)
        for linkset in by_predicate.get(predicate, ()):
            if isinstance(triple.object, ox.NamedNode) and triple.object.value.startswith(linkset.uri_space):
                links[linkset.name] += 1
    entities = {s for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(uri_space)}
    return Statistics(
        triples=triples,
        entities=len(entities),
        classes=len(typed),
        properties=len(per_property),
        distinct_subjects=len(subjects),
        distinct_objects=len(objects),
        class_entities={c: len(s) for c, s in sorted(typed.items())},
        property_triples=dict(sorted(per_property.items())),
        links=dict(links),
        hosts=sorted(s.value for s in typed.get(HDS + "Host", ())),
    )


def _local(kind: str, iri: str) -> str:
    return f"void-{kind}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:12]}"


def void_triples(nt: bytes | Path, store: ox.Store, base_uri: str, options: CatalogOptions = CatalogOptions()) -> list[ox.Triple]:
    stats = statistics(nt, base_uri)
    facts = graph_facts(store)
    download = options.download_base(base_uri)
    dataset = nn(base_uri + "dataset")
    out: set[ox.Triple] = set()

    def add(s, p, o):
        out.add(ox.Triple(s, nn(p), o))

    def count(n: int):
        return lit(str(n), XSD + "integer")

    add(dataset, RDF + "type", nn(VOID + "Dataset"))
    title = "Certified health-data hosts (HDS): knowledge graph"
    add(dataset, DCTERMS + "title", ox.Literal(title + (" — demonstration data" if facts.synthetic else ""), language="en"))
    add(dataset, DCTERMS + "license", nn(LICENCE))
    add(dataset, VOID + "uriSpace", lit(base_uri))
    add(dataset, VOID + "triples", count(stats.triples))
    add(dataset, VOID + "entities", count(stats.entities))
    add(dataset, VOID + "classes", count(stats.classes))
    add(dataset, VOID + "properties", count(stats.properties))
    add(dataset, VOID + "distinctSubjects", count(stats.distinct_subjects))
    add(dataset, VOID + "distinctObjects", count(stats.distinct_objects))
    if facts.snapshots:
        add(dataset, DCTERMS + "modified", facts.dates[-1])
    if options.sparql_endpoint:
        add(dataset, VOID + "sparqlEndpoint", nn(check_url(options.sparql_endpoint, "SPARQL endpoint")))
    for name, fmt in DUMPS.items():
        add(dataset, VOID + "dataDump", nn(download + name))
        add(dataset, VOID + "feature", nn(FORMATS + fmt))
    add(dataset, DCAT + "landingPage", nn(base_uri))
    for host in stats.hosts[:EXAMPLES]:
        add(dataset, VOID + "exampleResource", nn(host))
    namespaces = {PREFIXES[p] for p in PREFIXES if p not in ("act", "certtype", "pos", "country")}
    used = set(stats.class_entities) | set(stats.property_triples)
    for namespace in sorted(namespaces):
        if any(term.startswith(namespace) for term in used):
            add(dataset, VOID + "vocabulary", nn(namespace))
    for cls, entities in stats.class_entities.items():
        partition = nn(f"{dataset.value}#{_local('class', cls)}")
        add(dataset, VOID + "classPartition", partition)
        add(partition, VOID + "class", nn(cls))
        add(partition, VOID + "entities", count(entities))
    for prop, triples in stats.property_triples.items():
        partition = nn(f"{dataset.value}#{_local('property', prop)}")
        add(dataset, VOID + "propertyPartition", partition)
        add(partition, VOID + "property", nn(prop))
        add(partition, VOID + "triples", count(triples))
    for linkset in linksets():
        if not stats.links.get(linkset.name):
            continue
        node = nn(f"{dataset.value}#linkset-{linkset.name}")
        target = nn(linkset.target)
        add(dataset, VOID + "subset", node)
        add(node, RDF + "type", nn(VOID + "Linkset"))
        add(node, VOID + "subjectsTarget", dataset)
        add(node, VOID + "objectsTarget", target)
        add(node, VOID + "linkPredicate", nn(linkset.predicate))
        add(node, VOID + "triples", count(stats.links[linkset.name]))
        add(target, RDF + "type", nn(VOID + "Dataset"))
        add(target, DCTERMS + "title", ox.Literal(linkset.title, language="en"))
        add(target, VOID + "uriSpace", lit(linkset.uri_space))
        add(target, FOAF + "homepage", target)
    return sorted(out, key=str)


def void_turtle(nt: bytes | Path, store: ox.Store, base_uri: str, options: CatalogOptions = CatalogOptions()) -> bytes:
    prefixes = {"void": VOID, "dcterms": DCTERMS, "dcat": DCAT, "foaf": FOAF, "xsd": XSD, "hds": HDS,
                "formats": FORMATS}
    return to_turtle(void_triples(nt, store, base_uri, options), prefixes)
