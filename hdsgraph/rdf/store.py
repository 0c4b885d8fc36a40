"""Open a built dataset or a dump as a queryable graph."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from hdsgraph.errors import InputError, first_line
from hdsgraph.files import read_input
from hdsgraph.safety import check_xml_entities

if TYPE_CHECKING:
    import rdflib

FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ttl": ox.RdfFormat.TURTLE,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}
BUILD_GRAPH = "hds.nt"  # in a build folder, the dump the other commands read


def graph_file(path: Path) -> Path:
    """A dump file, or the N-Triples dump of a build folder."""
    if path.is_dir():
        dump = path / BUILD_GRAPH
        if not dump.is_file():
            raise InputError(f"{path}: no build here (no {BUILD_GRAPH}); run 'hdsgraph build' first")
        return dump
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    return path


def read_ntriples(path: Path) -> bytes:
    """Any dump -> N-Triples bytes. Raises InputError on a file that is not RDF."""
    path = graph_file(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown RDF format; use .ttl, .nt, .jsonld or .rdf")
    data = read_input(path, "an RDF file")
    if fmt == ox.RdfFormat.N_TRIPLES:
        return data
    if fmt == ox.RdfFormat.RDF_XML:  # the one format with entities: no XXE, no billion laughs
        check_xml_entities(data, str(path))
    try:
        return serialised(ox.parse(data, format=fmt))
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not valid {fmt.name} ({first_line(exc)})") from None


def select(store: ox.Store, text: str) -> ox.QuerySolutions:
    """The solutions of a SELECT query (``Store.query`` is typed for every query form)."""
    solutions = store.query(text)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("not a SELECT query")
    return solutions


def serialised(
    triples: Iterable[ox.Triple], fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES, prefixes: dict[str, str] | None = None
) -> bytes:
    """Triples -> bytes in ``fmt`` (``ox.serialize`` without an output file returns them)."""
    data = ox.serialize(triples, format=fmt, prefixes=prefixes)
    assert data is not None  # no output file was given
    return data


def load_store(nt: bytes, source: Path | str = "graph") -> ox.Store:
    store = ox.Store()
    try:
        store.bulk_load(nt, format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"{source}: not valid N-Triples ({first_line(exc)})") from None
    return store


DISK_STORE_BYTES = 1_000_000_000  # larger N-Triples files load into a store on disk (~250,000 hosts)


def load_store_file(path: Path, folder: Path | None = None) -> ox.Store:
    """An Oxigraph store of an N-Triples file, bulk loaded from the file (never read whole
    into Python): in memory, or on disk in a temporary folder (in ``folder``, by default the
    system's) when the file is larger than ``DISK_STORE_BYTES``; the folder goes when the
    process ends."""
    if path.stat().st_size > DISK_STORE_BYTES:
        scratch = tempfile.mkdtemp(prefix="hdsgraph-store-", dir=folder)
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        store = ox.Store(scratch)
    else:
        store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not valid N-Triples ({first_line(exc)})") from None
    return store


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rdflib_graph(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """pyoxigraph triples -> an rdflib Graph. Oxigraph parses and rdflib only stores: twice
    as fast as rdflib's own parser, which matters because pySHACL needs an rdflib Graph."""
    import rdflib  # only validation needs it: queries, uploads and the site do not pay for it

    graph = rdflib.Graph()
    graph.addN((s, p, o, graph) for s, p, o in rdflib_terms(triples))
    return graph


def rdflib_terms(triples: Iterable[ox.Triple]) -> Iterator[tuple]:
    """pyoxigraph triples -> (subject, predicate, object) tuples of rdflib terms, each term
    made once (the same term object wherever it occurs)."""
    import rdflib

    cache: dict = {}

    def converted(term):
        known = cache.get(term)
        if known is None:
            if isinstance(term, ox.NamedNode):
                known = rdflib.URIRef(term.value)
            elif isinstance(term, ox.BlankNode):
                known = rdflib.BNode(term.value)
            elif term.language:
                known = rdflib.Literal(term.value, lang=term.language)
            elif term.datatype.value == _XSD_STRING:
                known = rdflib.Literal(term.value)  # rdflib's plain literal is the xsd:string
            else:
                known = rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
            cache[term] = known
        return known

    for t in triples:
        yield converted(t.subject), converted(t.predicate), converted(t.object)


def load_rdflib(nt: bytes) -> rdflib.Graph:
    return rdflib_graph(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))


def open_store(path: Path) -> ox.Store:
    """A build folder or dump -> an in-memory Oxigraph store."""
    return load_store(read_ntriples(path), graph_file(path))
