"""`hdsgraph publish` into a real Oxigraph server, then `hdsgraph query --endpoint`: the same
answers as local queries; the named-graph layout; errors from unreachable or failing stores."""

from __future__ import annotations

import base64
import json
import textwrap

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from werkzeug import Response

from hdsgraph.cli import cli
from hdsgraph.pipeline.answers import study_queries
from hdsgraph.rdf.store import load_rdflib, read_ntriples
from tests.helpers.paths import REPO
from tests.helpers.servers import free_port, oxigraph

GRAPH = "https://w3id.org/hdsgraph/graph/"


@pytest.fixture(scope="module")
def store(two_snapshots, tmp_path_factory):
    """An Oxigraph server (default graph = union of the named graphs) with the build published."""
    with oxigraph(tmp_path_factory.mktemp("oxigraph")) as base:
        from click.testing import CliRunner

        result = CliRunner().invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", base + "/store"])
        assert result.exit_code == 0, result.output
        yield base, result.stdout


def local(runner, data, *args):
    result = runner.invoke(cli, ["query", *args, "--data", str(data)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_publish_puts_every_triple_in_exactly_one_graph(store, two_snapshots):
    base, output = store
    names = [
        row["g"]
        for row in requests.get(
            base + "/query",
            params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
        ).json()["results"]["bindings"]
    ]
    names = sorted(n["value"] for n in names)
    assert names == [GRAPH + "ontology", GRAPH + "registry", GRAPH + "snapshot/2020-07", GRAPH + "snapshot/2022-04"]
    graphs = {}
    for name in names:
        response = requests.get(base + "/store", params={"graph": name}, headers={"Accept": "application/n-triples"})
        graphs[name] = set(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    dump = read_ntriples(two_snapshots)
    # disjoint, and together exactly the dump
    assert sum(len(g) for g in graphs.values()) == len(set().union(*graphs.values()))
    union = ox.serialize(sorted(set().union(*graphs.values()), key=str), format=ox.RdfFormat.N_TRIPLES)
    assert isomorphic(load_rdflib(union), load_rdflib(dump))
    # the ontology graph is the ontology file
    ontology = ox.serialize(graphs[GRAPH + "ontology"], format=ox.RdfFormat.N_TRIPLES)
    assert isomorphic(load_rdflib(ontology), rdflib.Graph().parse(REPO / "ontology" / "hds.ttl"))
    # a snapshot graph: the snapshot's description and what it lists, nothing else
    listed_in = "https://w3id.org/hdsgraph/ontology#listedIn"
    for snapshot in ("2020-07", "2022-04"):
        iri = "https://w3id.org/hdsgraph/snapshot/" + snapshot
        expected = {
            t
            for t in ox.parse(dump, format=ox.RdfFormat.N_TRIPLES)
            if t.subject.value == iri or (t.predicate.value == listed_in and t.object.value == iri)
        }
        assert graphs[GRAPH + "snapshot/" + snapshot] == expected
    # the command reported each graph with the count the store holds, then how to query it
    assert output.splitlines()[:-2] == [
        f"<{name}> ({name[len(GRAPH) :].replace('/', ' ')}): {len(graphs[name])} triples, read back and checked"
        for name in [GRAPH + "ontology", GRAPH + "registry", GRAPH + "snapshot/2020-07", GRAPH + "snapshot/2022-04"]
    ]
    assert output.splitlines()[-2] == f"Published {len(load_rdflib(dump))} triples in 4 graphs"
    assert output.splitlines()[-1] == (
        f"Query it: hdsgraph query hosts-total --endpoint {base}/query    or in the store's own SPARQL page: "
        f"SELECT (COUNT(DISTINCT ?host) AS ?hosts) FROM <{GRAPH}registry> "
        "WHERE { ?host a <https://w3id.org/hdsgraph/ontology#Host> }"
    )


@pytest.mark.parametrize("name", sorted(study_queries()))
def test_every_study_query_answers_the_same_remotely(runner, store, two_snapshots, name):
    remote = runner.invoke(cli, ["query", name, "--endpoint", store[0] + "/query", "--format", "json"])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local(runner, two_snapshots, name, "--format", "json"))


def test_an_older_snapshot_answers_the_same_remotely(runner, store, two_snapshots):
    args = ["hosts-by-positioning", "--snapshot", "2020-07"]
    remote = runner.invoke(cli, ["query", *args, "--endpoint", store[0] + "/query"])
    assert remote.exit_code == 0, remote.output
    assert remote.stdout == local(runner, two_snapshots, *args)
    assert remote.stdout != local(runner, two_snapshots, "hosts-by-positioning")  # the snapshot mattered


def test_the_python_api_gives_the_same_dataframe_remotely(store, two_snapshots):
    from pandas.testing import assert_frame_equal

    from hdsgraph import query

    for name in ("hosts-by-positioning", "activity-coverage", "single-activity-hosts"):
        assert_frame_equal(query(name, source=store[0] + "/query"), query(name, source=two_snapshots))


def test_a_plain_oxigraph_needs_no_flags_and_graphs_without_the_ontology_fail(runner, two_snapshots, tmp_path):
    """``oxigraph serve`` as it starts (its default graph empty): ``query`` finds the graphs."""
    with oxigraph(tmp_path / "db", union=False) as base:
        published = runner.invoke(
            cli, ["publish", "--data", str(two_snapshots), "--endpoint", base + "/store", "--graph", "urn:hds:"]
        )
        assert published.exit_code == 0, published.output
        bare = runner.invoke(cli, ["query", "hosts-by-nationality", "--endpoint", base + "/query"])
        assert bare.exit_code == 0, bare.output
        assert bare.stdout == local(runner, two_snapshots, "hosts-by-nationality")
        chosen = runner.invoke(cli, ["query", "hosts-total", "--endpoint", base + "/query", "--graph", "urn:hds:"])
        assert (chosen.exit_code, chosen.stdout) == (0, local(runner, two_snapshots, "hosts-total"))
        # the graphs named by hand, but not the ontology: one clear line, not a table of "unknown"
        graphs = [
            x for g in ("registry", "snapshot/2020-07", "snapshot/2022-04") for x in ("--default-graph", "urn:hds:" + g)
        ]
        partial = runner.invoke(cli, ["query", "hosts-by-positioning", "--endpoint", base + "/query", *graphs])
        assert (partial.exit_code, partial.stderr) == (
            2,
            f"Error: {base}/query holds no hds vocabulary (the ontology's activities and labels) in the graphs it "
            "queries, so every label would read unknown; name the ontology graph too (--default-graph PREFIX + "
            "ontology), or publish the build with hdsgraph publish\n",
        )
        wrong = runner.invoke(cli, ["query", "hosts-total", "--endpoint", base + "/query", "--graph", "urn:other:"])
        assert (wrong.exit_code, wrong.stderr) == (
            2,
            f"Error: {base}/query holds no hdsgraph graphs under <urn:other:> (it holds: <urn:hds:>)\n",
        )


def test_a_store_holding_two_builds_asks_which(runner, two_snapshots, tmp_path):
    with oxigraph(tmp_path / "db", union=False) as base:
        for prefix in ("urn:a:", "urn:b:"):
            args = ["publish", "--data", str(two_snapshots), "--endpoint", base + "/store", "--graph", prefix]
            assert runner.invoke(cli, args).exit_code == 0
        both = runner.invoke(cli, ["query", "hosts-total", "--endpoint", base + "/query"])
        assert (both.exit_code, both.stderr) == (
            2,
            f"Error: {base}/query holds several hdsgraph datasets, under <urn:a:>, <urn:b:>; choose one with --graph IRI\n",
        )
        one = runner.invoke(cli, ["query", "hosts-total", "--endpoint", base + "/query", "--graph", "urn:b:"])
        assert (one.exit_code, one.stdout) == (0, local(runner, two_snapshots, "hosts-total"))


def test_an_empty_store_says_so(runner, tmp_path):
    with oxigraph(tmp_path / "db", union=False) as base:
        result = runner.invoke(cli, ["query", "hosts-total", "--endpoint", base + "/query"])
        assert (result.exit_code, result.stderr) == (
            2,
            f"Error: {base}/query holds no hdsgraph snapshot in the graphs it queries; publish the build there "
            "(hdsgraph publish), or name the graphs that hold it with --default-graph\n",
        )


def test_endpoint_down_is_one_line_and_exit_2(runner, two_snapshots):
    url = f"http://127.0.0.1:{free_port()}"
    query = runner.invoke(cli, ["query", "hosts-total", "--endpoint", url + "/query"])
    assert (query.exit_code, query.stderr) == (2, f"Error: cannot reach {url}/query (connection refused)\n")
    publish = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", url + "/store"])
    assert (publish.exit_code, publish.stderr) == (2, f"Error: cannot reach {url}/store (connection refused)\n")


def test_an_endpoint_error_is_one_line_with_the_store_s_reason(runner, store, tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?y }")
    result = runner.invoke(cli, ["query", str(bad), "--endpoint", store[0] + "/query"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {store[0]}/query answered HTTP 400 Bad Request: error at 1:")
    assert result.stderr.count("\n") == 1


def test_an_answer_that_is_not_sparql_results_is_one_line(runner, httpserver):
    httpserver.expect_request("/page").respond_with_data("<html></html>", content_type="text/html")
    httpserver.expect_request("/broken").respond_with_data("{not json", content_type="application/sparql-results+json")
    page = runner.invoke(cli, ["query", "hosts-total", "--endpoint", httpserver.url_for("/page")])
    assert (page.exit_code, page.stderr) == (
        2,
        f"Error: {httpserver.url_for('/page')} did not answer with SPARQL results (it sent text/html)\n",
    )
    broken = runner.invoke(cli, ["query", "hosts-total", "--endpoint", httpserver.url_for("/broken")])
    assert broken.exit_code == 2
    assert broken.stderr.startswith(f"Error: {httpserver.url_for('/broken')} sent results that cannot be read (")


def _echo_auth(request):
    """A store that refuses everyone and echoes the credentials it got (a careless server)."""
    return Response(
        f"denied for {request.headers.get('Authorization', '-')} "
        f"{base64.b64decode(request.headers.get('Authorization', 'Basic ')[6:]).decode()}\n",
        status=401,
    )


def test_credentials_come_from_the_environment_and_never_show(runner, httpserver, two_snapshots, monkeypatch):
    monkeypatch.setenv("HDSGRAPH_USER", "publisher")
    monkeypatch.setenv("HDSGRAPH_PASSWORD", "s3cret-pw")
    httpserver.expect_request("/store").respond_with_handler(_echo_auth)
    httpserver.expect_request("/query").respond_with_handler(_echo_auth)
    publish = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", httpserver.url_for("/store")])
    query = runner.invoke(cli, ["query", "hosts-total", "--endpoint", httpserver.url_for("/query")])
    sent = base64.b64encode(b"publisher:s3cret-pw").decode()
    # publish sends credentials only when asked, in the scheme asked (none named: Basic);
    # a query sends them with its first request
    assert [r.headers.get("Authorization") for r, _ in httpserver.log] == [None, f"Basic {sent}", f"Basic {sent}"]
    for result in (publish, query):
        assert result.exit_code == 2
        assert "s3cret-pw" not in result.output and sent not in result.output
        assert result.stderr.count("\n") == 1
    assert publish.stderr.startswith(
        f"Error: {httpserver.url_for('/store')} answered HTTP 401 UNAUTHORIZED to the PUT of graph <"
    )
    assert query.stderr.startswith(
        f"Error: {httpserver.url_for('/query')} answered HTTP 401 Unauthorized: denied for Basic "
    )


def test_credentials_come_from_a_netrc_file(runner, httpserver, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text(
        textwrap.dedent("""\
        machine localhost
        login reader
        password from-netrc
    """)
    )
    netrc.chmod(0o600)
    monkeypatch.delenv("HDSGRAPH_USER", raising=False)
    monkeypatch.delenv("HDSGRAPH_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(netrc))
    httpserver.expect_request("/query").respond_with_handler(_echo_auth)
    result = runner.invoke(cli, ["query", "hosts-total", "--endpoint", httpserver.url_for("/query")])
    assert result.exit_code == 2 and "from-netrc" not in result.output
    assert httpserver.log[0][0].headers["Authorization"] == "Basic " + base64.b64encode(b"reader:from-netrc").decode()


def test_credentials_in_the_url_are_refused(runner, two_snapshots):
    result = runner.invoke(
        cli, ["publish", "--data", str(two_snapshots), "--endpoint", "http://me:pw@127.0.0.1:9/store"]
    )
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: http://127.0.0.1:9/store: put no credentials in the URL; set HDSGRAPH_USER and HDSGRAPH_PASSWORD "
        "or use a netrc file\n",
    )


def _graph_list(graphs):
    """What a store's query endpoint answers to publish's query for its graphs."""
    bindings = [{"g": {"type": "uri", "value": g}} for g in graphs]
    return json.dumps({"head": {"vars": ["g"]}, "results": {"bindings": bindings}})


LAYOUT = [GRAPH + g for g in ("ontology", "registry", "snapshot/2020-07", "snapshot/2022-04")]


def test_publish_fails_when_a_graph_reads_back_with_another_count(runner, httpserver, two_snapshots):
    httpserver.expect_request("/store", method="PUT").respond_with_data("", status=204)
    httpserver.expect_request("/query").respond_with_data(
        _graph_list(LAYOUT), content_type="application/sparql-results+json"
    )
    httpserver.expect_request("/store", method="GET").respond_with_data(
        "<urn:a> <urn:b> <urn:c> .\n", content_type="application/n-triples"
    )
    result = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", httpserver.url_for("/store")])
    ontology = len(rdflib.Graph().parse(REPO / "ontology" / "hds.ttl"))
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: graph <{GRAPH}ontology> (ontology) holds 1 triples on the store after the upload, expected {ontology}\n",
    )
    puts = [r for r, _ in httpserver.log if r.method == "PUT"]
    assert [r.args["graph"] for r in puts] == [
        GRAPH + g for g in ("ontology", "registry", "snapshot/2020-07", "snapshot/2022-04")
    ]
    assert {r.headers["Content-Type"] for r in puts} == {"application/n-triples"}


def test_publish_fails_when_the_store_keeps_a_graph_it_was_told_to_delete(runner, httpserver, two_snapshots):
    stale = GRAPH + "snapshot/2019-01"
    httpserver.expect_request("/store", method="PUT").respond_with_data("", status=204)
    httpserver.expect_request("/store", method="DELETE").respond_with_data("", status=204)  # but keeps it
    httpserver.expect_request("/query").respond_with_data(
        _graph_list([*LAYOUT, stale]), content_type="application/sparql-results+json"
    )
    result = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", httpserver.url_for("/store")])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: after the upload, {httpserver.url_for('/query')} lists other graphs under <{GRAPH}> than the "
        f"build's; not deleted: <{stale}>\n",
    )
    deletes = [r for r, _ in httpserver.log if r.method == "DELETE"]
    assert [r.args["graph"] for r in deletes] == [stale]


def test_an_html_error_page_gives_its_reason_not_its_markup(runner, httpserver, two_snapshots):
    page = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">\n<html><head><title>Error 507</title>'
        "<style>body { color: red }</style></head><body><h1>Error 507</h1><p>Insufficient   storage on the "
        "store</p></body></html>"
    )
    httpserver.expect_request("/store").respond_with_data(page, status=507, content_type="text/html")
    result = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", httpserver.url_for("/store")])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {httpserver.url_for('/store')} answered HTTP 507 INSUFFICIENT STORAGE to the PUT of graph "
        f"<{GRAPH}ontology>: Error 507\n",
    )
    httpserver.clear()
    httpserver.expect_request("/store").respond_with_data(
        "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1>\n<p>No writes here.</p></body></html>",
        status=403,
        content_type="text/html",
    )
    result = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", httpserver.url_for("/store")])
    assert result.stderr == (
        f"Error: {httpserver.url_for('/store')} answered HTTP 403 FORBIDDEN to the PUT of graph <{GRAPH}ontology>: "
        "No writes here.\n"
    )


def test_a_store_of_unknown_layout_needs_its_query_endpoint(runner, two_snapshots):
    result = runner.invoke(
        cli, ["publish", "--data", str(two_snapshots), "--endpoint", "http://127.0.0.1:9/upload-here"]
    )
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: cannot tell the SPARQL query endpoint of the store http://127.0.0.1:9/upload-here (publish lists "
        "the store's graphs with it, to delete the stale ones); give it with --query-endpoint\n",
    )


@pytest.mark.parametrize(
    ("store", "query"),
    [
        ("http://h:7878/store", "http://h:7878/query"),
        ("http://h:8890/sparql-graph-crud-auth", "http://h:8890/sparql"),
        ("https://h/fuseki/hds/data", "https://h/fuseki/hds/sparql"),
        ("http://h:7200/repositories/hds/rdf-graphs/service", "http://h:7200/repositories/hds"),
    ],
)
def test_the_query_endpoint_is_found_from_the_graph_store_s_path(store, query):
    from hdsgraph.sparql.graphstore import query_endpoint_for

    assert query_endpoint_for(store) == query


@pytest.fixture(scope="module")
def served(two_snapshots, tmp_path_factory):
    """`hdsgraph serve` on the same build: the third kind of endpoint remote queries must read
    without flags (it honours the default-graph-uri and named-graph-uri they send)."""
    from tests.helpers.servers import hdsgraph_serve

    with hdsgraph_serve(two_snapshots, log=tmp_path_factory.mktemp("serve") / "serve.log") as (url, _):
        yield url


@pytest.mark.parametrize("name", sorted(study_queries()))
def test_every_study_query_answers_the_same_on_hdsgraph_serve(runner, served, two_snapshots, name):
    remote = runner.invoke(cli, ["query", name, "--endpoint", served, "--format", "json"])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local(runner, two_snapshots, name, "--format", "json"))


def test_an_older_snapshot_answers_the_same_on_hdsgraph_serve(runner, served, two_snapshots):
    args = ["hosts-by-positioning", "--snapshot", "2020-07"]
    remote = runner.invoke(cli, ["query", *args, "--endpoint", served])
    assert remote.exit_code == 0, remote.output
    assert remote.stdout == local(runner, two_snapshots, *args)


def test_a_variable_named_from_is_not_a_dataset_clause(runner, store, two_snapshots, tmp_path):
    """`?from <` in a query's body is a comparison, not FROM <...>: the graphs are still named
    (on a store whose default graph is empty, a missed naming gives 0)."""
    query = tmp_path / "hosts-before.rq"
    query.write_text(
        "SELECT (COUNT(DISTINCT ?from) AS ?hosts) WHERE {\n"
        "  ?host a <https://w3id.org/hdsgraph/ontology#Host> BIND(STR(?host) AS ?from)\n"
        '  FILTER(?from < "https://w3id.org/hdsgraph/host/~")\n}\n'
    )
    with oxigraph(tmp_path / "plain", union=False) as base:
        published = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", base + "/store"])
        assert published.exit_code == 0, published.output
        remote = runner.invoke(cli, ["query", str(query), "--endpoint", base + "/query", "--format", "json"])
    assert remote.exit_code == 0, remote.output
    answer = json.loads(remote.stdout)
    assert answer == json.loads(local(runner, two_snapshots, str(query), "--format", "json"))
    assert int(answer[0]["hosts"]) > 0  # the hosts counted, not an empty default graph
