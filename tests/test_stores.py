"""Publish to real stores as they come, then query them with no flags: the local answers.

The stores: a plain ``oxigraph serve`` (its default graph empty, not the union), and
Virtuoso 7.2 (tests/helpers/virtuoso.py) through its authenticated Graph Store endpoint
``/sparql-graph-crud-auth``, which only lets in a user of the SPARQL_UPDATE role with HTTP
Digest. For each: the bundled build is published; every study query, for the latest
snapshot and for 2020-07, gives remotely what it gives locally; the command ``publish``
prints is run as printed; then another build is published, then the first again, and the
store holds exactly the last build each time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner

from hdsgraph.cli import cli
from hdsgraph.pipeline.answers import study_queries
from hdsgraph.pipeline.build import build
from hdsgraph.rdf.store import open_store
from tests.helpers.oracle import write_csv
from tests.helpers.servers import oxigraph

GRAPH = "https://w3id.org/hdsgraph/graph/"
BUNDLED_GRAPHS = {GRAPH + g for g in ("ontology", "registry", "snapshot/2020-07", "snapshot/2022-04")}
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
HOST = ox.NamedNode("https://w3id.org/hdsgraph/ontology#Host")
NO_CREDENTIALS = {"HDSGRAPH_USER": None, "HDSGRAPH_PASSWORD": None, "NETRC": "/nonexistent/netrc"}


@dataclass
class Store:
    graph_store: str
    query: str
    env: dict = field(default_factory=dict)  # the publisher's credentials, if the store wants them


@pytest.fixture(scope="module", params=["oxigraph", pytest.param("virtuoso", marks=pytest.mark.slow)])
def store(request, tmp_path_factory):
    if request.param == "oxigraph":
        with oxigraph(tmp_path_factory.mktemp("oxigraph"), union=False) as base:
            yield Store(base + "/store", base + "/query", NO_CREDENTIALS)
    else:
        from tests.helpers.virtuoso import isql

        server = request.getfixturevalue("virtuoso_server")
        # A store has a history. Virtuoso 7.2 compares some literals by the order it first
        # stored them: once it has seen "2022-04" before "2020-07", a bare ?a < ?b on them is
        # wrong (the bundled queries compare STR()s). Give it that history first.
        isql(server, "DB.DBA.TTLP('<urn:x> <urn:y> \"2022-04\" .', '', 'urn:hdsgraph-test:history');\n"
                     "SPARQL CLEAR GRAPH <urn:hdsgraph-test:history>;")  # fmt: skip
        env = {"HDSGRAPH_USER": server.user, "HDSGRAPH_PASSWORD": server.password, "NETRC": "/nonexistent/netrc"}
        yield Store(server.graph_store, server.sparql, env)
        for graph in store_graphs(server.sparql):  # leave the shared server as it was
            requests.delete(
                server.graph_store,
                params={"graph": graph},
                auth=requests.auth.HTTPDigestAuth(server.user, server.password),
                timeout=60,
            )


@pytest.fixture(scope="module")
def published(store, two_snapshots):
    """The bundled build published to the store -> the publish command's output."""
    result = CliRunner().invoke(
        cli, ["publish", "--data", str(two_snapshots), "--endpoint", store.graph_store], env=store.env
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def other_build(tmp_path_factory):
    """Another build: three hosts in a 2019-06 snapshot only."""
    folder = tmp_path_factory.mktemp("other")
    registry = write_csv(
        folder / "2019-06.csv",
        ["host", "activities", "positioning", "nationality", "synthetic"],
        [
            ["Hébergeur fictif Alpha", "1-6", "hosting_managed_services", "FR", "true"],
            ["Hébergeur fictif Beta", "3", "it_services_company", "DE", "true"],
            ["Hébergeur fictif Gamma", "1;2", "", "", "true"],
        ],
    )
    report = build([registry], out=folder / "dist")
    assert report.validation.conforms
    return folder / "dist"


def store_graphs(query_endpoint: str) -> set[str]:
    """The store's named graphs under the default prefix, read without hdsgraph."""
    text = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }}'
    response = requests.post(
        query_endpoint, data={"query": text}, headers={"Accept": "application/sparql-results+json"}, timeout=60
    )
    response.raise_for_status()
    return {b["g"]["value"] for b in response.json()["results"]["bindings"]}


def local(data, *args) -> str:
    result = CliRunner().invoke(cli, ["query", *args, "--data", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def remote(store, *args) -> str:
    result = CliRunner().invoke(cli, ["query", *args, "--endpoint", store.query, "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_publish_reports_each_graph_and_how_to_query(store, published, two_snapshots):
    lines = published.splitlines()
    assert [line.split(" ")[0] for line in lines[:4]] == [
        f"<{GRAPH}{g}>" for g in ("ontology", "registry", "snapshot/2020-07", "snapshot/2022-04")
    ]
    assert all(line.endswith("triples, read back and checked") for line in lines[:4])
    assert store_graphs(store.query) == BUNDLED_GRAPHS
    command, _, query = lines[-1].removeprefix("Query it: ").partition("    or in the store's own SPARQL page: ")
    assert command == f"hdsgraph query hosts-total --endpoint {store.query}"
    # the printed command, run as printed, answers as a local run
    assert remote(store, *command.split()[2:-2]) == local(two_snapshots, "hosts-total")
    # the printed SPARQL works on the store as it is, with no dataset given by the protocol
    answer = requests.post(
        store.query, data={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60
    ).json()
    hosts = {q.subject for q in open_store(two_snapshots).quads_for_pattern(None, RDF_TYPE, HOST)}
    assert int(answer["results"]["bindings"][0]["hosts"]["value"]) == len(hosts)


@pytest.mark.parametrize("snapshot", [None, "2020-07"])
@pytest.mark.parametrize("name", sorted(study_queries()))
def test_every_study_query_answers_as_locally(store, published, two_snapshots, name, snapshot):
    args = [name, *(["--snapshot", snapshot] if snapshot else [])]
    assert remote(store, *args) == local(two_snapshots, *args)


def test_republishing_leaves_exactly_the_last_build(store, published, two_snapshots, other_build):
    runner = CliRunner()
    other = runner.invoke(cli, ["publish", "--data", str(other_build), "--endpoint", store.graph_store], env=store.env)
    assert other.exit_code == 0, other.output
    assert [line for line in other.stdout.splitlines() if "deleted" in line] == [
        f"<{GRAPH}snapshot/2020-07>: deleted (not in this build)",
        f"<{GRAPH}snapshot/2022-04>: deleted (not in this build)",
    ]
    assert store_graphs(store.query) == {GRAPH + g for g in ("ontology", "registry", "snapshot/2019-06")}
    for name in ("hosts-total", "hosts-by-positioning", "hosts-by-snapshot"):
        assert remote(store, name) == local(other_build, name)
    again = runner.invoke(
        cli, ["publish", "--data", str(two_snapshots), "--endpoint", store.graph_store], env=store.env
    )
    assert again.exit_code == 0, again.output
    assert [line for line in again.stdout.splitlines() if "deleted" in line] == [
        f"<{GRAPH}snapshot/2019-06>: deleted (not in this build)"
    ]
    assert store_graphs(store.query) == BUNDLED_GRAPHS
    for name in ("hosts-total", "changes-between-snapshots"):
        assert remote(store, name) == local(two_snapshots, name)


@pytest.mark.slow
def test_virtuoso_wants_digest_and_says_so_in_one_line(virtuoso_server, two_snapshots):
    """No credentials, or a wrong password: Virtuoso's 401 page gives one line, not its markup."""
    runner = CliRunner()
    args = ["publish", "--data", str(two_snapshots), "--endpoint", virtuoso_server.graph_store, "--graph", "urn:x:"]
    wrong = {"HDSGRAPH_USER": virtuoso_server.user, "HDSGRAPH_PASSWORD": "not-the-password", "NETRC": "/nonexistent"}
    for env in (NO_CREDENTIALS, wrong):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 2
        assert result.stderr.startswith(
            f"Error: {virtuoso_server.graph_store} answered HTTP 401 Unauthorized to the PUT of graph <urn:x:ontology>"
        )
        assert result.stderr.count("\n") == 1 and "<!DOCTYPE" not in result.stderr and "<html" not in result.stderr
        wanted = "; it wants credentials: set HDSGRAPH_USER and HDSGRAPH_PASSWORD, or use a netrc file\n"
        assert result.stderr.endswith(wanted) == (env is NO_CREDENTIALS)
        assert "not-the-password" not in result.output
