"""VoID: the graph -> a VoID description of it (``void.ttl``), with its real counts.

Counts, asked of the store holding the graph with SPARQL (COUNT, COUNT DISTINCT):
- ``void:triples``: the triples of the graph (data and ontology);
- ``void:entities``: distinct IRIs in subject position within the dataset's IRI space
  (``void:uriSpace``, the build's base URI);
- ``void:classes``: distinct objects of ``rdf:type``; ``void:properties``: distinct
  predicates; ``void:distinctSubjects`` and ``void:distinctObjects``;
- one class partition per class (its entities: distinct subjects of that type) and one
  property partition per property (its triples);
- one linkset per kind of link to another dataset (``data/linksets.csv``) that the graph
  holds: nationalities to the EU country table, ``owl:sameAs`` to Wikidata.

The title, description, licence and dates are the shared facts of
``hdsgraph.describe.facts``, the same as the catalogue's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from typing import cast

import pyoxigraph as ox

from hdsgraph.describe.facts import Facts, sparql_count
from hdsgraph.rdf.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    FORMATS,
    GRAPH_PREFIXES,
    HDS,
    RDF,
    VOID,
    XSD,
    prefixes,
)
from hdsgraph.rdf.serialise import to_turtle
from hdsgraph.rdf.store import select
from hdsgraph.resources import data_table

DUMPS = {"hds.nt": "N-Triples", "hds.ttl": "Turtle", "hds.jsonld": "JSON-LD"}
EXAMPLES = 3  # example hosts
VOID_PREFIXES = prefixes("void", "dcterms", "dcat", "foaf", "xsd", "hds", "formats")
# Namespaces of the graph's terms that are vocabularies (the concept schemes are data).
VOCABULARIES = frozenset(ns for p, ns in GRAPH_PREFIXES.items() if p not in ("act", "certtype", "pos", "country"))


@dataclass(frozen=True)
class Linkset:
    name: str
    predicate: str
    target: str
    uri_space: str
    title: str


@cache
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
    hosts: list[str] = field(default_factory=list)  # the first hosts, by IRI


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def statistics(store: ox.Store, uri_space: str) -> Statistics:
    """The counts of the graph in ``store`` (its default graph), by SPARQL."""

    def count(aggregate: str, where: str) -> int:
        return sparql_count(store, aggregate, where)

    def grouped(aggregate: str, key: str, where: str) -> dict[str, int]:
        rows = select(store, f"SELECT ?{key} ({aggregate} AS ?n) WHERE {{ {where} }} GROUP BY ?{key}")
        return dict(sorted((row[key].value, int(row["n"].value)) for row in rows))

    rdf_type = f"<{RDF}type>"
    links = {}
    for linkset in linksets():
        links[linkset.name] = count(
            "COUNT(*)",
            f"?s <{linkset.predicate}> ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), {_string(linkset.uri_space)}))",
        )
    hosts = select(store, f"SELECT ?h WHERE {{ ?h {rdf_type} <{HDS}Host> }} ORDER BY STR(?h) LIMIT {EXAMPLES}")
    return Statistics(
        triples=count("COUNT(*)", "?s ?p ?o"),
        entities=count("COUNT(DISTINCT ?s)", f"?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {_string(uri_space)}))"),
        classes=count("COUNT(DISTINCT ?c)", f"?s {rdf_type} ?c"),
        properties=count("COUNT(DISTINCT ?p)", "?s ?p ?o"),
        distinct_subjects=count("COUNT(DISTINCT ?s)", "?s ?p ?o"),
        distinct_objects=count("COUNT(DISTINCT ?o)", "?s ?p ?o"),
        class_entities=grouped("COUNT(DISTINCT ?s)", "c", f"?s {rdf_type} ?c"),
        property_triples=grouped("COUNT(*)", "p", "?s ?p ?o"),
        links={name: n for name, n in links.items() if n},
        hosts=[row["h"].value for row in hosts],
    )


def _local(kind: str, iri: str) -> str:
    return f"void-{kind}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:12]}"


def nn(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def void_triples(facts: Facts, store: ox.Store) -> list[ox.Triple]:
    stats = statistics(store, facts.base_uri)
    download = facts.download
    dataset = facts.dataset
    out: set[ox.Triple] = set()

    def add(s, p, o):
        out.add(ox.Triple(s, nn(p), o))

    def count(n: int):
        return ox.Literal(str(n), datatype=nn(XSD + "integer"))

    add(dataset, RDF + "type", nn(VOID + "Dataset"))
    for literal in facts.texts.literals("title"):
        add(dataset, DCTERMS + "title", literal)
    for literal in facts.texts.literals("description"):
        add(dataset, DCTERMS + "description", literal)
    if facts.texts.licence:
        add(dataset, DCTERMS + "license", nn(facts.texts.licence))
    add(dataset, VOID + "uriSpace", ox.Literal(facts.base_uri))
    add(dataset, VOID + "triples", count(stats.triples))
    add(dataset, VOID + "entities", count(stats.entities))
    add(dataset, VOID + "classes", count(stats.classes))
    add(dataset, VOID + "properties", count(stats.properties))
    add(dataset, VOID + "distinctSubjects", count(stats.distinct_subjects))
    add(dataset, VOID + "distinctObjects", count(stats.distinct_objects))
    if facts.last is not None:
        add(dataset, DCTERMS + "modified", facts.last)
    if facts.sparql_endpoint:
        add(dataset, VOID + "sparqlEndpoint", nn(facts.sparql_endpoint))
    for name, fmt in DUMPS.items():
        add(dataset, VOID + "dataDump", nn(download + name))
        add(dataset, VOID + "feature", nn(FORMATS + fmt))
    add(dataset, DCAT + "landingPage", nn(facts.base_uri))
    for host in stats.hosts:
        add(dataset, VOID + "exampleResource", nn(host))
    used = set(stats.class_entities) | set(stats.property_triples)
    for namespace in sorted(VOCABULARIES):
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
        add(target, VOID + "uriSpace", ox.Literal(linkset.uri_space))
        add(target, FOAF + "homepage", target)
    return sorted(out, key=str)


def void_turtle(facts: Facts, store: ox.Store) -> bytes:
    """``void.ttl`` for the graph held by ``store``."""
    nt = "".join(f"{t} .\n" for t in void_triples(facts, store)).encode("utf-8")
    return cast(bytes, to_turtle(nt, prefixes=VOID_PREFIXES))
