"""Remote queries: the same query files, sent to any SPARQL 1.1 endpoint with SPARQLWrapper.

The endpoint's answer (SPARQL JSON, or XML or TSV if it insists) is parsed back into
Oxigraph solutions, so remote rows go through the very code that makes local rows
(``hdsgraph.query.table``) and print the same. ``--snapshot`` works as it does locally:
the endpoint is asked which snapshots it holds, and the chosen snapshot's IRI is written
in place of ``?requested`` as a checked IRI term.

A store holding a published build needs no flags: the endpoint is asked which of its named
graphs hold registry snapshots, and the build's graphs (``hdsgraph publish``'s layout:
``{prefix}ontology``, ``{prefix}registry``, ``{prefix}snapshot/{id}``) are named in the
request, as ``default-graph-uri`` (their union is the dump) and ``named-graph-uri``, so the
answers are the local ones whatever the store's default graph is (Oxigraph's empty one,
Virtuoso's union of every graph, ``hdsgraph serve``'s union of the build's graphs).
"""

from __future__ import annotations

import re
import urllib.error
from collections.abc import Sequence

import pyoxigraph as ox
from SPARQLWrapper import BASIC, JSON, POST, SPARQLWrapper

from hdsgraph.errors import first_line
from hdsgraph.pipeline.answers import (
    SNAPSHOTS_QUERY,
    bind_requested,
    pick_snapshot,
    snapshot_table,
)
from hdsgraph.rdf.namespaces import HDS, SKOS
from hdsgraph.rdf.results import QueryResult, table
from hdsgraph.safety import strict_opener
from hdsgraph.sparql.client import (
    TIMEOUT,
    EndpointError,
    check_url,
    credentials,
    http_error,
    shown,
    unreachable,
)
from hdsgraph.sparql.querytext import inspect

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
# The reasons these statuses are shown with, whatever words the endpoint's status line uses.
STATUS_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    414: "URI Too Long",
    500: "Internal Server Error",
}
LONG_QUERY = 2000  # characters; longer queries go by POST so that no URL gets too long


def remote_solutions(endpoint: str, text: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()):
    """Send a query to ``endpoint`` -> Oxigraph solutions (or a boolean for ASK)."""
    check_url(endpoint)
    client = SPARQLWrapper(endpoint)
    client.setOnlyConneg(True)  # standard content negotiation, no vendor parameters
    client.setReturnFormat(JSON)
    client.setTimeout(TIMEOUT)
    client.setQuery(text)
    if len(text) > LONG_QUERY:
        client.setMethod(POST)
    for graph in default_graphs:
        client.addDefaultGraph(ox.NamedNode(graph).value)
    for graph in named_graphs:
        client.addNamedGraph(ox.NamedNode(graph).value)
    login = credentials(endpoint)
    if login is not None:
        client.setHTTPAuth(BASIC)
        client.setCredentials(*login)
    try:
        # SPARQLWrapper's request (query, graphs, Accept, Authorization), sent by an opener that
        # sends no credentials across a redirect to another origin (urllib's own keeps them).
        response = strict_opener().open(client._createRequest(), timeout=TIMEOUT)
        body = response.read()
    except urllib.error.HTTPError as exc:
        reason = STATUS_REASONS.get(exc.code, exc.reason or "")
        raise http_error(endpoint, exc.code, reason, exc.read(), login) from None
    except (urllib.error.URLError, OSError) as exc:
        raise unreachable(endpoint, exc) from None
    kind = response.headers.get_content_type()
    fmt = RESULT_FORMATS.get(kind)
    if fmt is None:
        raise EndpointError(f"{shown(endpoint)} did not answer with SPARQL results (it sent {kind})")
    try:
        return ox.parse_query_results(body, fmt)
    except (SyntaxError, ValueError) as exc:
        raise EndpointError(f"{shown(endpoint)} sent results that cannot be read ({first_line(exc)})") from None


SNAPSHOT_GRAPHS_QUERY = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s a <{HDS}RegistrySnapshot> }} }}"
VOCABULARY_QUERY = f"ASK {{ ?activity a <{HDS}Activity> ; <{SKOS}notation> ?notation }}"
_LAYOUT = re.compile(r"^(?P<prefix>.*)snapshot/[^/]+$")


def published_graphs(endpoint: str, prefix: str | None = None) -> list[str]:
    """The named graphs of the hdsgraph build published to ``endpoint`` ([] when the store
    has none: its default graph is then queried as it is).

    The graphs holding a registry snapshot are asked for; one named ``{P}snapshot/{id}``
    stands for the layout of prefix P (its ontology, registry and snapshot graphs), any
    other holds a whole dump by itself. A store holding several builds needs ``prefix``.
    """
    found = remote_solutions(endpoint, SNAPSHOT_GRAPHS_QUERY)
    datasets: dict[str, set[str]] = {}
    for row in found if isinstance(found, ox.QuerySolutions) else ():
        graph = row["g"]
        if not isinstance(graph, ox.NamedNode):
            continue
        match = _LAYOUT.match(graph.value)
        key = match.group("prefix") if match else graph.value
        members = datasets.setdefault(key, {key + "ontology", key + "registry"} if match else set())
        members.add(graph.value)
    if prefix is not None:
        if prefix not in datasets:
            held = ", ".join(f"<{p}>" for p in sorted(datasets)) or "none"
            raise EndpointError(f"{shown(endpoint)} holds no hdsgraph graphs under <{prefix}> (it holds: {held})")
        return sorted(datasets[prefix])
    if len(datasets) > 1:
        raise EndpointError(
            f"{shown(endpoint)} holds several hdsgraph datasets, under "
            + ", ".join(f"<{p}>" for p in sorted(datasets))
            + "; choose one with --graph IRI"
        )
    return sorted(next(iter(datasets.values()), set()))


def remote_select(
    endpoint: str,
    text: str,
    snapshot: str | None = None,
    name: str = "query",
    default_graphs: Sequence[str] = (),
    expect_dataset: bool = False,
    prefix: str | None = None,
) -> QueryResult:
    """Run a SELECT query on a remote endpoint -> the rows a local run gives.

    Without ``default_graphs``, and unless the query names its own dataset (``FROM``), the
    graphs of the published build are found and named (``published_graphs``). With
    ``expect_dataset`` (a bundled query), graphs that hold no snapshot, or not the hds
    vocabulary (whose labels the answers print), are an error rather than a table of
    zeros or of "unknown".
    """
    named: Sequence[str] = ()
    if not default_graphs and (prefix is not None or not inspect(text).has_dataset):
        default_graphs = named = published_graphs(endpoint, prefix)
    term = None
    if expect_dataset or snapshot is not None:
        known = snapshot_table(remote_solutions(endpoint, SNAPSHOTS_QUERY, default_graphs))
        if expect_dataset and not known:
            raise EndpointError(
                f"{shown(endpoint)} holds no hdsgraph snapshot in the graphs it queries; publish the build there "
                "(hdsgraph publish), or name the graphs that hold it with --default-graph"
            )
        if expect_dataset and not bool(remote_solutions(endpoint, VOCABULARY_QUERY, default_graphs)):
            raise EndpointError(
                f"{shown(endpoint)} holds no hds vocabulary (the ontology's activities and labels) in the graphs it "
                "queries, so every label would read unknown; name the ontology graph too (--default-graph "
                "PREFIX + ontology), or publish the build with hdsgraph publish"
            )
        term = pick_snapshot(known, snapshot) if snapshot is not None else None
    return table(remote_solutions(endpoint, bind_requested(text, term), default_graphs, named), name)
