"""SPARQLWrapper, with its defaults, against `hdsgraph serve` and the Oxigraph server holding
the same build: SELECT, ASK, CONSTRUCT and DESCRIBE in every return format SPARQLWrapper
offers (it sends format=xml, rdf+xml, json-ld, n3... and an Accept header of its own) must
be answered, readable by SPARQLWrapper's convert(), and give the same results on both.
(test_sparqlwrapper.py checks Oxigraph and Virtuoso against pyoxigraph in-process; with this
file, all three servers give the same results.)"""

from __future__ import annotations

import warnings

import pyoxigraph as ox
import pytest
from rdflib import Graph
from SPARQLWrapper import SPARQLWrapper
from SPARQLWrapper.Wrapper import _allowedFormats

from hdsgraph.sparql.graphstore import publish
from tests.helpers.servers import hdsgraph_serve, oxigraph

HDS = "https://w3id.org/hdsgraph/ontology#"
QUERIES = {
    "SELECT": f"SELECT ?a (COUNT(*) AS ?n) WHERE {{ ?c <{HDS}activity> ?a }} GROUP BY ?a ORDER BY ?a",
    "ASK": f"ASK {{ ?h a <{HDS}Host> }}",
    "CONSTRUCT": f"CONSTRUCT {{ ?c a <{HDS}Activity> }} WHERE {{ ?c a <{HDS}Activity> }}",
    "DESCRIBE": "DESCRIBE <https://w3id.org/hdsgraph/activity/1>",
}
# What SPARQLWrapper's format names ask of a SELECT/ASK and of a CONSTRUCT/DESCRIBE answer
# (None: SPARQLWrapper sends Accept */*, any format of the kind will do).
SOLUTIONS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPHS = {
    "json-ld": "application/ld+json",
    "xml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "turtle": "text/turtle",
    "n3": "text/turtle",
}


@pytest.fixture(scope="module")
def endpoints(two_snapshots, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sparqlwrapper")
    with oxigraph(tmp / "oxigraph") as base, hdsgraph_serve(two_snapshots, log=tmp / "serve.log") as (url, _):
        publish(two_snapshots, base + "/store")
        yield {"hdsgraph serve": url, "oxigraph": base + "/query"}


def ask(endpoint: str, query: str, fmt: str):
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Sending Accept header '*/*'": its own default
        result = client.query()
    media = result.response.headers.get("Content-Type", "").split(";")[0].strip()
    body = result.response.read()
    return media, body


def normalised(media: str, body: bytes):
    """An answer -> something comparable: a boolean, sorted rows, or the set of triples."""
    if media in ("text/csv", "text/tab-separated-values"):
        return body.decode().replace("\r\n", "\n")
    results = ox.QueryResultsFormat.from_media_type(media)
    if results is not None:
        parsed = ox.parse_query_results(body, format=results)
        if isinstance(parsed, ox.QueryBoolean):
            return bool(parsed)
        columns = [v.value for v in parsed.variables]
        return sorted(tuple(str(s[c]) for c in columns) for s in parsed)
    rdf = ox.RdfFormat.from_media_type(media)
    assert rdf is not None, media
    return {str(q.triple) for q in ox.parse(body, format=rdf)}


@pytest.mark.parametrize("fmt", _allowedFormats)
@pytest.mark.parametrize("kind", list(QUERIES))
def test_sparqlwrapper_defaults_give_the_same_results_on_both(endpoints, kind, fmt):
    answers = {}
    for name, endpoint in endpoints.items():
        media, body = ask(endpoint, QUERIES[kind], fmt)
        answers[name] = normalised(media, body)
        if name == "hdsgraph serve":
            wanted = (SOLUTIONS if kind in ("SELECT", "ASK") else GRAPHS).get(fmt)
            assert wanted is None or media == wanted, (kind, fmt, media)
    assert answers["hdsgraph serve"] == answers["oxigraph"]
    assert answers["hdsgraph serve"] not in (set(), [], False, "")  # a result that means something


@pytest.mark.parametrize("fmt", ["json", "xml", "json-ld", "rdf+xml", "n3", "turtle"])
def test_sparqlwrapper_converts_the_answers(endpoints, fmt):
    for kind in ("SELECT", "CONSTRUCT"):
        client = SPARQLWrapper(endpoints["hdsgraph serve"])
        client.setQuery(QUERIES[kind])
        client.setReturnFormat(fmt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            converted = client.query().convert()
        if kind == "CONSTRUCT" and isinstance(converted, bytes):  # turtle, n3: the text, to parse
            converted = Graph().parse(data=converted.decode(), format="turtle")
        if kind == "CONSTRUCT" and fmt != "json":  # an rdflib Graph of the six activities
            assert len(converted) == 6
        else:
            assert converted  # SPARQL JSON as a dict, XML as a DOM document, JSON-LD as a list
