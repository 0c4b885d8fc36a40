"""`hdsgraph serve` against the query side of the W3C SPARQL 1.1 Protocol test suite, and the
protocol features issue 13 asks for: dataset clauses (FROM, FROM NAMED, default-graph-uri,
named-graph-uri), format names as clients send them, a base IRI, the service description,
CORS, the synthetic notice only for synthetic data, readable HTML results.

The cases are those of the suite's manifest (protocol/manifest.ttl: query_get,
query_post_form, ..., bad_update_dataset_conflict), written here against the bundled build:
its named graphs stand for the suite's data1.rdf, data2.rdf..., and each dataset case also
checks that the answer changes when the dataset does (a server that ignored the dataset
would pass the suite's own ASK). Update cases must be refused with 403.
"""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Namespace, URIRef

from hdsgraph.pipeline.answers import query_text, run_select
from hdsgraph.rdf.store import open_store, read_ntriples
from hdsgraph.sparql.graphstore import dataset_layout
from hdsgraph.sparql.server import describe_dataset, load_graphs, query_page
from hdsgraph.sparql.worker import answer
from tests.helpers.servers import hdsgraph_serve

BASE = "https://w3id.org/hdsgraph/"
PREFIX = BASE + "graph/"
ONTOLOGY, REGISTRY = PREFIX + "ontology", PREFIX + "registry"
OLD, NEW = PREFIX + "snapshot/2020-07", PREFIX + "snapshot/2022-04"
HDS = "https://w3id.org/hdsgraph/ontology#"
RESULTS = ("application/sparql-results+xml", "application/sparql-results+json")
DIRECT = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
UPDATE = {"Content-Type": "application/sparql-update"}
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")


@pytest.fixture(scope="module")
def endpoint(two_snapshots, tmp_path_factory):
    log = tmp_path_factory.mktemp("protocol") / "serve.log"
    with hdsgraph_serve(two_snapshots, log=log) as (url, _):
        yield url


@pytest.fixture(scope="module")
def sizes(two_snapshots) -> dict[str, int]:
    """Triples per named graph, counted from the dump's own split (not by the server)."""
    layout = dataset_layout(read_ntriples(two_snapshots), PREFIX)
    return {g.iri: len(g.triples) for g in layout}


def media(response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip()


def boolean(response) -> bool:
    assert response.status_code == 200, response.text
    assert media(response) in RESULTS
    parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(media(response)))
    assert isinstance(parsed, ox.QueryBoolean)
    return bool(parsed)


def solutions(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(media(response)))
    columns = [v.value for v in parsed.variables]
    return [{c: s[c].value for c in columns if s[c] is not None} for s in parsed]


def count(endpoint: str, query: str, **params) -> int:
    response = requests.post(endpoint, params=params, data=query.encode(), headers=DIRECT)
    return int(solutions(response)[0]["n"])


COUNT = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"


# --- the suite's positive query cases ---------------------------------------------------------


def test_query_get(endpoint):
    assert boolean(requests.get(endpoint, params={"query": "ASK {}"})) is True


def test_query_post_form(endpoint):
    assert boolean(requests.post(endpoint, data={"query": "ASK {}"}, headers=FORM)) is True


def test_query_post_direct(endpoint):
    assert boolean(requests.post(endpoint, data=b"ASK {}", headers=DIRECT)) is True


def test_query_dataset_default_graph(endpoint):
    ask = f"ASK {{ <{HDS}Host> ?p ?o }}"
    post = lambda graph: requests.post(endpoint, params={"default-graph-uri": graph}, data=ask, headers=DIRECT)  # noqa: E731
    assert boolean(post(ONTOLOGY)) is True
    assert boolean(post(REGISTRY)) is False  # the class is described in the ontology graph only


ASK_TWO = f"ASK {{ <{HDS}Host> a ?type . <{BASE}snapshot/2022-04> a ?other }}"


def test_query_dataset_default_graphs_get(endpoint):
    both = requests.get(endpoint, params={"query": ASK_TWO, "default-graph-uri": [ONTOLOGY, NEW]})
    assert boolean(both) is True
    one = requests.get(endpoint, params={"query": ASK_TWO, "default-graph-uri": [ONTOLOGY]})
    assert boolean(one) is False


def test_query_dataset_default_graphs_post(endpoint):
    both = requests.post(endpoint, params={"default-graph-uri": [ONTOLOGY, NEW]}, data=ASK_TWO, headers=DIRECT)
    assert boolean(both) is True
    one = requests.post(endpoint, params={"default-graph-uri": [NEW]}, data=ASK_TWO, headers=DIRECT)
    assert boolean(one) is False


def test_query_dataset_named_graphs_post(endpoint):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = requests.post(endpoint, params={"named-graph-uri": [ONTOLOGY, OLD]}, data=query, headers=DIRECT)
    assert sorted(row["g"] for row in solutions(response)) == [ONTOLOGY, OLD]
    ask = requests.post(
        endpoint, params={"named-graph-uri": [ONTOLOGY]}, data="ASK { GRAPH ?g { ?s ?p ?o } }", headers=DIRECT
    )
    assert boolean(ask) is True


def test_query_dataset_named_graphs_get(endpoint):
    query = f"ASK {{ GRAPH ?g1 {{ <{HDS}Host> a ?t }} GRAPH ?g2 {{ <{BASE}snapshot/2022-04> a ?u }} }}"
    assert boolean(requests.get(endpoint, params={"query": query, "named-graph-uri": [ONTOLOGY, NEW]})) is True
    assert boolean(requests.get(endpoint, params={"query": query, "named-graph-uri": [ONTOLOGY, OLD]})) is False


def test_query_dataset_full(endpoint, sizes):
    """Both kinds at once: the default graph is the 2020 snapshot's, GRAPH sees the two named."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    params = {"default-graph-uri": [OLD], "named-graph-uri": [ONTOLOGY, REGISTRY]}
    response = requests.post(endpoint, params=params, data=query, headers=DIRECT)
    assert [(r["g"], int(r["n"])) for r in solutions(response)] == [
        (ONTOLOGY, sizes[ONTOLOGY]),
        (REGISTRY, sizes[REGISTRY]),
    ]
    assert count(endpoint, COUNT.format(**{"from": ""}), **params) == sizes[OLD]


def test_query_multiple_dataset(endpoint):
    """The protocol's dataset wins over the query's FROM; <snapshot/2022-04> is relative."""
    query = f"ASK FROM <{REGISTRY}> {{ <snapshot/2022-04> ?p ?o }}"
    assert boolean(requests.post(endpoint, params={"default-graph-uri": NEW}, data=query, headers=DIRECT)) is True
    assert boolean(requests.post(endpoint, data=query, headers=DIRECT)) is False  # FROM alone: the registry graph


def test_query_content_type_select(endpoint):
    response = requests.post(endpoint, data=b"SELECT (1 AS ?value) {}", headers=DIRECT)
    assert media(response) in (*RESULTS, "text/tab-separated-values", "text/csv")
    assert solutions(response) == [{"value": "1"}]


def test_query_content_type_ask(endpoint):
    assert boolean(requests.post(endpoint, data=b"ASK {}", headers=DIRECT)) is True


def test_query_content_type_describe(endpoint):
    response = requests.post(endpoint, data=b"DESCRIBE <http://example.org/>", headers=DIRECT)
    assert response.status_code == 200
    assert media(response) in ("application/rdf+xml", "application/rdf+json", "text/turtle")


def test_query_content_type_construct(endpoint):
    """Relative IRIs without BASE resolve against the data's base IRI."""
    response = requests.post(endpoint, data=b"CONSTRUCT { <s> <p> 1 } WHERE {}", headers=DIRECT)
    assert response.status_code == 200, response.text
    assert media(response) in ("application/rdf+xml", "application/rdf+json", "text/turtle")
    triples = list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media(response))))
    assert [(t.subject.value, t.predicate.value, t.object.value) for t in triples] == [(BASE + "s", BASE + "p", "1")]


# --- the suite's negative query cases ---------------------------------------------------------


@pytest.mark.parametrize(
    "case, method, kwargs, status",
    [
        ("bad_query_method", "PUT", {"params": {"query": "ASK {}"}}, 405),
        ("bad_multiple_queries", "GET", {"params": {"query": ["ASK {}", "SELECT * {}"]}}, 400),
        ("bad_query_wrong_media_type", "POST", {"data": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
        ("bad_query_missing_form_type", "POST", {"data": b"query=ASK%20%7B%7D"}, 415),
        ("bad_query_missing_direct_type", "POST", {"data": b"ASK {}"}, 415),
        (
            "bad_query_non_utf8",
            "POST",
            {
                "data": "ASK {}".encode("utf-16"),
                "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"},
            },
            415,
        ),
        ("bad_query_syntax", "GET", {"params": {"query": "ASK {"}}, 400),
    ],
)
def test_bad_queries_get_a_4xx_with_a_reason(endpoint, case, method, kwargs, status):
    response = requests.request(method, endpoint, **kwargs)
    assert response.status_code == status, (case, response.text)
    assert media(response) == "text/plain" and response.text.strip() and "Traceback" not in response.text


CLEAR = "CLEAR NAMED"
CONFLICT = "WITH <http://example/addresses> DELETE { ?p <urn:n> 'Bill' } INSERT { ?p <urn:n> 'William' } WHERE { ?p <urn:n> 'Bill' }"


@pytest.mark.parametrize(
    "case, method, kwargs, status",
    [
        ("bad_update_get", "GET", {"params": {"update": "CLEAR ALL"}}, 403),
        ("bad_multiple_updates", "POST", {"data": {"update": ["CLEAR NAMED", "CLEAR DEFAULT"]}}, 403),
        ("bad_update_wrong_media_type", "POST", {"data": CLEAR, "headers": {"Content-Type": "text/plain"}}, 415),
        ("bad_update_missing_form_type", "POST", {"data": b"update=CLEAR%20NAMED"}, 415),
        (
            "bad_update_non_utf8",
            "POST",
            {"data": CLEAR.encode("utf-16"), "headers": {"Content-Type": "application/sparql-update; charset=UTF-16"}},
            403,
        ),
        ("bad_update_syntax", "POST", {"data": {"update": "CLEAR XYZ"}}, 403),
        (
            "bad_update_dataset_conflict",
            "POST",
            {"data": {"using-named-graph-uri": "http://example/people", "update": CONFLICT}},
            403,
        ),
        ("update_post_form", "POST", {"data": {"update": "CLEAR ALL"}}, 403),
        ("update_post_direct", "POST", {"data": "CLEAR ALL", "headers": UPDATE}, 403),
        (
            "update_dataset_default_graph",
            "POST",
            {"params": {"using-graph-uri": ONTOLOGY}, "data": CLEAR, "headers": UPDATE},
            403,
        ),
        (
            "update_dataset_named_graphs",
            "POST",
            {"params": {"using-named-graph-uri": ONTOLOGY}, "data": CLEAR, "headers": UPDATE},
            403,
        ),
        ("update_base_uri", "POST", {"data": "INSERT DATA { <s> <p> <o> }", "headers": UPDATE}, 403),
    ],
)
def test_updates_are_refused(endpoint, sizes, case, method, kwargs, status):
    response = requests.request(method, endpoint, **kwargs)
    assert response.status_code == status, (case, response.text)
    assert count(endpoint, COUNT.format(**{"from": ""})) == sum(sizes.values())  # nothing changed


# --- dataset clauses in the query -------------------------------------------------------------


def test_from_and_from_named_are_honoured(endpoint, sizes):
    assert count(endpoint, COUNT.format(**{"from": ""})) == sum(sizes.values())  # the union
    assert count(endpoint, COUNT.format(**{"from": f"FROM <{ONTOLOGY}>"})) == sizes[ONTOLOGY]
    assert count(endpoint, COUNT.format(**{"from": f"FROM <{ONTOLOGY}> FROM <{OLD}>"})) == sizes[ONTOLOGY] + sizes[OLD]
    assert count(endpoint, COUNT.format(**{"from": f"FROM NAMED <{OLD}>"})) == 0  # FROM NAMED alone: empty default
    named = f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{OLD}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    rows = solutions(requests.post(endpoint, data=named, headers=DIRECT))
    assert [(r["g"], int(r["n"])) for r in rows] == [(OLD, sizes[OLD])]
    # the word FROM in a string or a comment is no dataset clause: the union still answers
    decoy = 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(STR(?o) != "FROM <urn:x>") } # FROM <urn:x>'
    assert count(endpoint, decoy) == sum(sizes.values())


def test_a_study_query_with_from_gives_the_local_answer(endpoint, two_snapshots):
    """The bundled queries name no graph; with FROM each graph they need, the answer is the same."""
    _, text = query_text("hosts-total")
    expected = run_select(open_store(two_snapshots), text).rows
    named = text.replace("WHERE", f"FROM <{ONTOLOGY}> FROM <{REGISTRY}> FROM <{OLD}> FROM <{NEW}>\nWHERE", 1)
    assert "FROM" in named
    rows = solutions(requests.post(endpoint, data=named, headers=DIRECT))
    assert [{k: int(v) for k, v in r.items()} for r in rows] == expected


# --- format names as clients send them --------------------------------------------------------

CONSTRUCT = f"CONSTRUCT {{ ?c a <{HDS}Activity> }} WHERE {{ ?c a <{HDS}Activity> }}"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("xml", "application/rdf+xml"),
        ("rdf+xml", "application/rdf+xml"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("json-ld", "application/ld+json"),
        ("json", "application/ld+json"),
        ("n3", "text/turtle"),
        ("turtle", "text/turtle"),
        ("nt", "application/n-triples"),
    ],
)
def test_format_names_for_construct(endpoint, value, expected):
    response = requests.get(endpoint, params={"query": CONSTRUCT, "format": value})
    assert (response.status_code, media(response)) == (200, expected), response.text
    parsed = {t.subject.value for t in ox.parse(response.content, format=ox.RdfFormat.from_media_type(expected))}
    assert len(parsed) == 6  # the six activities


@pytest.mark.parametrize(
    "value, expected",
    [
        ("xml", "application/sparql-results+xml"),
        ("json", "application/sparql-results+json"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_format_names_for_select(endpoint, value, expected):
    response = requests.get(endpoint, params={"query": "SELECT (1 AS ?one) {}", "format": value})
    assert (response.status_code, media(response)) == (200, expected)


def test_accept_wins_when_the_format_is_unknown(endpoint):
    """SPARQLWrapper repeats its format under three names, one of which may be a media type."""
    response = requests.get(
        endpoint,
        params={"query": "SELECT (1 AS ?one) {}", "format": ["rdf", "unknown"], "output": "rdf"},
        headers={"Accept": "text/csv"},
    )
    assert (response.status_code, media(response), response.text) == (200, "text/csv", "one\r\n1\r\n")
    pair = requests.get(endpoint, params={"query": CONSTRUCT, "format": ["tsv", "application/rdf+xml"]})
    assert media(pair) == "application/rdf+xml"


# --- service description, CORS ----------------------------------------------------------------


def test_the_service_description(endpoint, sizes):
    response = requests.get(endpoint, headers={"Accept": "text/turtle"})
    assert (response.status_code, media(response)) == (200, "text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    service = URIRef(endpoint)
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph  # no SERVICE allowed
    formats = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert {"http://www.w3.org/ns/formats/SPARQL_Results_JSON", "http://www.w3.org/ns/formats/Turtle"} <= formats
    named = {
        str(graph.value(n, SD.name)): int(graph.value(graph.value(n, SD.graph), VOID.triples))
        for n in graph.objects(None, SD.namedGraph)
    }
    assert named == sizes
    as_jsonld = requests.get(endpoint, headers={"Accept": "application/ld+json"})
    assert media(as_jsonld) == "application/ld+json"
    assert len(Graph().parse(data=as_jsonld.text, format="json-ld")) == len(graph)
    assert requests.get(endpoint).content == response.content  # */*: the description, in Turtle
    browser = requests.get(endpoint, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert media(browser) == "text/html" and '<textarea name="query"' in browser.text


def test_cors_lets_a_browser_client_on_another_origin_query(endpoint):
    origin = {"Origin": "http://yasgui.example"}
    preflight = requests.options(
        endpoint,
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    response = requests.post(endpoint, data={"query": "ASK {}"}, headers=origin)
    assert response.headers["Access-Control-Allow-Origin"] == "*" and boolean(response) is True


# --- the pages: synthetic only when it is, readable results -----------------------------------


def test_the_page_says_synthetic_only_for_synthetic_data(two_snapshots, tmp_path, endpoint):
    notice = "This data is synthetic"
    assert notice in requests.get(endpoint[: -len("query")]).text
    real = tmp_path / "real.nt"  # the same dump without its synthetic flags
    kept = [
        line
        for line in read_ntriples(two_snapshots).splitlines(keepends=True)
        if f"<{HDS}synthetic>".encode() not in line
    ]
    real.write_bytes(b"".join(kept))
    assert describe_dataset(real, load_graphs(real)).synthetic is False
    assert describe_dataset(two_snapshots, load_graphs(two_snapshots)).synthetic is True
    assert notice not in query_page(None, synthetic=False).decode() and notice in query_page(None, True).decode()


def test_html_results_echo_the_query_and_round_numbers_as_the_cli(endpoint, two_snapshots, runner):
    from hdsgraph.cli import cli

    _, text = query_text("activity-coverage")
    page = requests.post(endpoint, data={"query": text, "format": "html"}).text
    assert (
        "<pre>"
        + text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
        + "</pre>"
        in page
    )
    shares = re.findall(r"<td>(0\.\d+)</td>", page)
    cli_json = json.loads(
        runner.invoke(cli, ["query", "activity-coverage", "--data", str(two_snapshots), "--format", "json"]).stdout
    )
    assert shares == [str(row["share"]) for row in cli_json]
    assert all(len(s) <= 6 for s in shares)  # 4 places at most, not 18


def test_only_http_iris_become_links():
    store = ox.Store()
    for iri in ("javascript:alert(1)", "data:text/html,%3Cb%3E", "https://example.org/ok", "urn:x:y"):
        store.add(ox.Quad(ox.NamedNode(iri), ox.NamedNode("urn:p"), ox.Literal("v")))
    status, _, body = answer(
        store, {"query": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", "format": "html", "max_bytes": 100_000}
    )
    page = body.decode()
    assert status == 200
    assert page.count("<a href=") == 2  # "New query" and the https IRI
    assert '<a href="https://example.org/ok">' in page
    assert "<td>javascript:alert(1)</td>" in page and "<td>data:text/html,%3Cb%3E</td>" in page
