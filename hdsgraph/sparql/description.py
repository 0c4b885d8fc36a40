"""The SPARQL 1.1 Service Description of ``hdsgraph serve`` (what a GET on the endpoint
without a query answers): the endpoint, the language, the result formats, the features
(the default graph is the union of the named graphs), and the dataset, graph by graph
with its size. Blank nodes have fixed labels, so the same data gives the same bytes.
"""

from __future__ import annotations

import pyoxigraph as ox

from hdsgraph.rdf.namespaces import RDF
from hdsgraph.sparql.worker import result_formats

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


def service_description(url: str, graphs, oxigraph_format: str, federated: bool = False) -> bytes:
    """The description of the endpoint at ``url`` serving ``graphs`` ((IRI, triples) pairs),
    serialised in the Oxigraph RDF format named ``oxigraph_format`` (``TURTLE``...)."""
    service, dataset, default = ox.NamedNode(url), ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = []

    def add(subject, predicate: str, obj) -> None:
        triples.append(ox.Triple(subject, ox.NamedNode(predicate), obj))

    add(service, RDF + "type", ox.NamedNode(SD + "Service"))
    add(service, SD + "endpoint", service)
    add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    add(service, SD + "feature", ox.NamedNode(SD + "UnionDefaultGraph"))
    if federated:
        add(service, SD + "feature", ox.NamedNode(SD + "BasicFederatedQuery"))
    for iri in sorted({f.format_iri for f in result_formats() if f.format_iri}):
        add(service, SD + "resultFormat", ox.NamedNode(iri))
    add(service, SD + "defaultDataset", dataset)
    add(dataset, RDF + "type", ox.NamedNode(SD + "Dataset"))
    add(dataset, SD + "defaultGraph", default)
    add(default, RDF + "type", ox.NamedNode(SD + "Graph"))
    add(default, VOID + "triples", ox.Literal(str(sum(n for _, n in graphs)), datatype=ox.NamedNode(XSD_INTEGER)))
    for i, (iri, count) in enumerate(graphs):
        named, graph = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        add(dataset, SD + "namedGraph", named)
        add(named, RDF + "type", ox.NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", ox.NamedNode(iri))
        add(named, SD + "graph", graph)
        add(graph, RDF + "type", ox.NamedNode(SD + "Graph"))
        add(graph, VOID + "triples", ox.Literal(str(count), datatype=ox.NamedNode(XSD_INTEGER)))
    fmt = getattr(ox.RdfFormat, oxigraph_format)
    prefixes = {"sd": SD, "void": VOID} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, format=fmt, prefixes=prefixes) if prefixes else ox.serialize(triples, format=fmt)


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
