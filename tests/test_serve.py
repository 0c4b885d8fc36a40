"""`hdsgraph serve`, started as a real server: the SPARQL 1.1 Protocol, content negotiation,
read-only refusals, the timeout, the result cap, the query page, clean shutdown."""

from __future__ import annotations

import csv
import io
import itertools
import socket
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import requests
from rdflib.compare import isomorphic

from hdsgraph.cli import cli
from hdsgraph.pipeline.answers import query_text, run_select, study_queries
from hdsgraph.rdf.results import table
from hdsgraph.rdf.store import load_rdflib, open_store
from hdsgraph.sparql.worker import CappedBuffer, ResultTooLarge, answer
from hdsgraph.sparql.worker import _html as worker_html
from tests.helpers.servers import descendants, hdsgraph_serve, wait_gone

TIMEOUT = 2
CAP = 20_000
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
# The hosts of one small positioning: a result of a few kilobytes, under the endpoint's cap.
CONSTRUCT_HOSTS = (
    "PREFIX hds: <https://w3id.org/hdsgraph/ontology#> PREFIX rov: <http://www.w3.org/ns/regorg#> "
    "CONSTRUCT { ?h rov:legalName ?name ; hds:listedIn ?s } WHERE { ?h rov:legalName ?name ; "
    "hds:listedIn ?s ; hds:positioning <https://w3id.org/hdsgraph/positioning/regional_ehealth_group> }"
)


@pytest.fixture(scope="module")
def endpoint(two_snapshots, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with hdsgraph_serve(two_snapshots, "--timeout", str(TIMEOUT), "--max-result-bytes", str(CAP), log=log) as (url, _):
        yield url


@pytest.fixture(scope="module")
def local_store(two_snapshots):
    return open_store(two_snapshots)


def rows_of(response, fmt):
    return table(ox.parse_query_results(response.content, fmt)).rows


def test_the_server_listens_on_loopback_by_default(endpoint):
    assert endpoint.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("name", sorted(study_queries()))
def test_remote_query_prints_the_same_table_as_the_local_query(runner, endpoint, two_snapshots, name):
    remote = runner.invoke(cli, ["query", name, "--endpoint", endpoint])
    local = runner.invoke(cli, ["query", name, "--data", str(two_snapshots)])
    assert remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout


@pytest.mark.parametrize(
    "accept, content_type, fmt",
    [
        (
            "application/sparql-results+json",
            "application/sparql-results+json; charset=utf-8",
            ox.QueryResultsFormat.JSON,
        ),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", ox.QueryResultsFormat.TSV),
        (None, "application/sparql-results+json; charset=utf-8", ox.QueryResultsFormat.JSON),
        (
            "text/csv;q=0.2, application/sparql-results+xml;q=0.9",
            "application/sparql-results+xml",
            ox.QueryResultsFormat.XML,
        ),
    ],
)
def test_select_results_by_content_negotiation(endpoint, local_store, accept, content_type, fmt):
    _, text = query_text("activity-coverage")
    response = requests.get(endpoint, params={"query": text}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(content_type.split(";")[0])
    assert rows_of(response, fmt) == run_select(local_store, text).rows


def test_select_results_as_csv(endpoint, local_store):
    _, text = query_text("hosts-by-positioning")
    response = requests.get(endpoint, params={"query": text}, headers={"Accept": "text/csv"})
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    parsed = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["positioning"], int(r["hosts"])) for r in parsed] == [
        (r["positioning"], r["hosts"]) for r in run_select(local_store, text).rows
    ]


@pytest.mark.parametrize(
    "accept, fmt",
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        (None, ox.RdfFormat.TURTLE),
    ],
)
def test_construct_results_by_content_negotiation(endpoint, local_store, accept, fmt):
    response = requests.get(endpoint, params={"query": CONSTRUCT_HOSTS}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == fmt.media_type
    served = ox.serialize(ox.parse(response.content, format=fmt), format=ox.RdfFormat.N_TRIPLES)
    expected = ox.serialize(local_store.query(CONSTRUCT_HOSTS), format=ox.RdfFormat.N_TRIPLES)
    assert len(load_rdflib(expected)) > 5
    assert isomorphic(load_rdflib(served), load_rdflib(expected))


def test_post_form_and_post_query_answer_like_get(endpoint, local_store):
    _, text = query_text("hosts-by-nationality")
    expected = run_select(local_store, text).rows
    accept = {"Accept": "application/sparql-results+json"}
    form = requests.post(endpoint, data={"query": text}, headers=accept)
    direct = requests.post(endpoint, data=text.encode(), headers={**accept, "Content-Type": "application/sparql-query"})
    for response in (form, direct):
        assert response.status_code == 200, response.text
        assert rows_of(response, ox.QueryResultsFormat.JSON) == expected


def test_an_unacceptable_format_is_406_and_bad_sparql_is_400(endpoint):
    refused = requests.get(endpoint, params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.text.startswith(
        "cannot answer Accept: image/png for this query; it offers json (application/sparql-results+json)"
    )
    bad = requests.get(endpoint, params={"query": "SELECT WHERE {"})
    assert bad.status_code == 400 and bad.text.startswith("not a valid SPARQL query: ")
    for missing in (requests.post(endpoint, data={"format": "json"}), requests.get(endpoint, params={"query": " "})):
        assert (missing.status_code, missing.text) == (400, "pass exactly one query, as the 'query' parameter\n")


INSERT = "INSERT DATA { <urn:x> <urn:p> <urn:o> }"


@pytest.mark.parametrize(
    "method, path, kwargs, status",
    [
        ("POST", "/query", {"data": INSERT, "headers": {"Content-Type": "application/sparql-update"}}, 403),
        ("POST", "/query", {"data": {"update": INSERT}}, 403),
        ("POST", "/update", {"data": {"update": INSERT}}, 403),
        (
            "PUT",
            "/store?default",
            {"data": "<urn:x> <urn:p> <urn:o> .", "headers": {"Content-Type": "application/n-triples"}},
            405,
        ),
        (
            "POST",
            "/store?default",
            {"data": "<urn:x> <urn:p> <urn:o> .", "headers": {"Content-Type": "application/n-triples"}},
            405,
        ),
        ("DELETE", "/store?default", {}, 405),
        ("PUT", "/query", {"data": "x"}, 405),
    ],
    ids=["update-body", "update-form", "update-path", "store-put", "store-post", "store-delete", "query-put"],
)
def test_writes_are_refused_and_change_nothing(endpoint, method, path, kwargs, status):
    base = endpoint[: -len("/query")]
    response = requests.request(method, base + path, **kwargs)
    assert response.status_code == status
    assert "read-only" in response.text
    check = requests.get(
        endpoint, params={"query": "ASK { <urn:x> ?p ?o }"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert check.json()["boolean"] is False


def test_a_heavy_query_is_stopped_at_the_timeout_and_the_server_goes_on(endpoint, local_store):
    stopped = requests.post(endpoint, data={"query": HEAVY})
    assert (stopped.status_code, stopped.text) == (503, f"the query ran longer than {TIMEOUT} s and was stopped\n")
    _, text = query_text("hosts-total")
    after = requests.get(endpoint, params={"query": text}, headers={"Accept": "application/sparql-results+json"})
    assert after.status_code == 200
    assert rows_of(after, ox.QueryResultsFormat.JSON) == run_select(local_store, text).rows


def test_a_result_over_the_cap_is_refused(endpoint, local_store):
    everything = "CONSTRUCT WHERE { ?s ?p ?o }"
    assert (
        len(ox.serialize(local_store.query(everything), format=ox.RdfFormat.TURTLE)) > CAP
    )  # the test means something
    response = requests.get(endpoint, params={"query": everything})
    assert (response.status_code, response.text) == (
        400,
        f"the result is larger than this endpoint's cap of {CAP} bytes; add a LIMIT or ask for less\n",
    )
    small = requests.get(
        endpoint, params={"query": everything + " LIMIT 3"}, headers={"Accept": "application/n-triples"}
    )
    assert small.status_code == 200 and len(small.text.splitlines()) == 3


def test_the_query_page_has_a_form_and_the_study_queries(endpoint):
    base = endpoint[: -len("query")]
    page = requests.get(base)
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<form action="/query" method="post">' in page.text and '<textarea name="query"' in page.text
    assert "<script" not in page.text  # works without JavaScript
    for name in study_queries():
        assert f'href="/?example={name}"' in page.text
    _, text = query_text("hosts-total")
    example = requests.get(base, params={"example": "hosts-total"}).text
    assert text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in example


def test_the_form_shows_results_as_a_web_page(endpoint, local_store):
    _, text = query_text("hosts-by-positioning")
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    response = requests.post(endpoint, data={"query": text, "format": "html"}, headers=browser)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    rows = run_select(local_store, text).rows
    for row in rows:
        assert f"<tr><td>{row['positioning']}</td><td>{row['hosts']}</td>" in response.text
    assert f"<p>{len(rows)} rows</p>" in response.text
    # a browser that follows a link, with no format parameter, gets the page too
    linked = requests.get(f"{endpoint}?query={quote(text)}", headers=browser)
    assert linked.text == response.text


NASTY = (
    b'<http://example.org/a"<script> <http://example.org/p> "<script>alert(\\"x\\")</script> & \'q\'" .\n'
    b"<http://example.org/b?x='1'&y=2> <http://example.org/p> _:n .\n"
)


def nasty_store() -> ox.Store:
    """A store whose terms hold markup; the IRI with '"' and '<' gets in only by a lenient parse."""
    store = ox.Store()
    for quad in ox.parse(NASTY, format=ox.RdfFormat.N_TRIPLES, lenient=True):
        store.add(quad)
    return store


def html_answer(store, query, max_bytes=100_000):
    return answer(store, {"query": query, "accept": None, "format": "html", "max_bytes": max_bytes})


def test_the_html_results_escape_what_the_data_holds():
    store = nasty_store()
    status, content_type, body = html_answer(store, "SELECT ?s ?o ?none WHERE { ?s ?p ?o } ORDER BY ?s")
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    page = body.decode("utf-8")
    assert (
        '<tr><td><a href="http://example.org/a&quot;&lt;script">http://example.org/a&quot;&lt;script</a></td>'
        "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;</td><td></td></tr>\n" in page
    )
    assert (
        '<tr><td><a href="http://example.org/b?x=&#x27;1&#x27;&amp;y=2">http://example.org/b?x=&#x27;1&#x27;&amp;y=2'
        "</a></td><td>" in page
    )
    assert "<script" not in page and "<p>2 rows</p>" in page
    _, _, body = html_answer(store, "CONSTRUCT WHERE { ?s ?p ?o }")
    graph = body.decode("utf-8")
    assert (
        "&lt;http://example.org/a&quot;&lt;script&gt; &lt;http://example.org/p&gt; "
        "&quot;&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;&quot; .\n" in graph
    )
    assert "<script" not in graph


def test_the_html_results_of_ask_and_of_one_row():
    store = nasty_store()
    assert b"<p>Answer: <strong>yes</strong></p>\n" in html_answer(store, "ASK { ?s ?p ?o }")[2]
    assert b"<p>Answer: <strong>no</strong></p>\n" in html_answer(store, "ASK { ?s ?p <urn:none> }")[2]
    one = html_answer(store, "SELECT ?o WHERE { ?s ?p ?o FILTER(isBlank(?o)) }")[2].decode()
    assert one.endswith("<tr><th>o</th></tr>\n<tr><td>n</td></tr>\n</table>\n<p>1 row</p>\n</body></html>\n")


def test_an_endless_html_result_stops_at_the_cap():
    """The page is written as it renders: a result with no end is refused at the cap."""

    class Endless:
        variables = [ox.Variable("n")]
        taken = 0

        def __iter__(self):
            for n in itertools.count():
                Endless.taken = n
                yield {"n": ox.Literal(str(n))}

    sink = CappedBuffer(200_000)
    with pytest.raises(ResultTooLarge):
        worker_html(Endless(), sink)
    assert sink.overflowed and sink.size > 200_000
    assert 5_000 < Endless.taken < 20_000  # about 25 bytes a row: stopped soon after the cap


def test_an_html_result_over_the_cap_is_refused():
    store = nasty_store()
    assert html_answer(store, "SELECT * WHERE { ?s ?p ?o }", 300) == (
        400,
        "text/plain; charset=utf-8",
        b"the result is larger than this endpoint's cap of 300 bytes; add a LIMIT or ask for less\n",
    )


def test_stopping_the_server_stops_its_workers(two_snapshots, tmp_path):
    with hdsgraph_serve(two_snapshots, "--workers", "2", log=tmp_path / "log") as (url, process):
        assert requests.get(url, params={"query": "ASK {}"}).status_code == 200
        children = descendants(process.pid)
        assert len(children) >= 2  # the workers
    assert wait_gone(children) == set()


def test_serve_errors_are_one_line(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(cli, ["serve", "--data", str(tmp_path / "empty")])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {tmp_path / 'empty'}: no build here (no hds.nt); run 'hdsgraph build' first\n",
    )


def test_a_port_in_use_is_one_line(runner, two_snapshots):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--data", str(two_snapshots), "--port", str(port), "--workers", "1"])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: cannot listen on 127.0.0.1:{port} (Address already in use)\n",
    )
