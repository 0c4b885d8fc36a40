"""Remote queries: the same query files, sent to any SPARQL 1.1 endpoint with SPARQLWrapper.

The endpoint's answer (SPARQL JSON, or XML or TSV if it insists) is parsed back into
Oxigraph solutions, so remote rows go through the very code that makes local rows
(``hdsgraph.query.table``) and print the same. ``--snapshot`` works as it does locally:
the endpoint is asked which snapshots it holds, and the chosen snapshot's IRI is written
in place of ``?requested`` as a checked IRI term.
"""

from __future__ import annotations

import ast
import urllib.error
from collections.abc import Sequence

import pyoxigraph as ox
from SPARQLWrapper import BASIC, JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from hdsgraph.errors import first_line
from hdsgraph.pipeline.answers import (
    SNAPSHOTS_QUERY,
    bind_requested,
    pick_snapshot,
    snapshot_table,
)
from hdsgraph.rdf.results import QueryResult, table
from hdsgraph.sparql.client import (
    TIMEOUT,
    EndpointError,
    check_url,
    credentials,
    http_error,
    shown,
    unreachable,
)

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
# SPARQLWrapper turns these statuses into its own exceptions and keeps only their text.
WRAPPER_STATUS = {
    "QueryBadFormed": (400, "Bad Request"),
    "Unauthorized": (401, "Unauthorized"),
    "EndPointNotFound": (404, "Not Found"),
    "URITooLong": (414, "URI Too Long"),
    "EndPointInternalError": (500, "Internal Server Error"),
}
LONG_QUERY = 2000  # characters; longer queries go by POST so that no URL gets too long


def remote_solutions(endpoint: str, text: str, default_graphs: Sequence[str] = ()):
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
    login = credentials(endpoint)
    if login is not None:
        client.setHTTPAuth(BASIC)
        client.setCredentials(*login)
    try:
        response = client.query().response
        body = response.read()
    except SPARQLWrapperException as exc:
        status, reason = WRAPPER_STATUS.get(type(exc).__name__, (0, type(exc).__name__))
        raise http_error(endpoint, status, reason, _wrapped_response(exc), login) from None
    except urllib.error.HTTPError as exc:
        raise http_error(endpoint, exc.code, exc.reason or "", exc.read(), login) from None
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


def remote_select(
    endpoint: str,
    text: str,
    snapshot: str | None = None,
    name: str = "query",
    default_graphs: Sequence[str] = (),
    expect_dataset: bool = False,
) -> QueryResult:
    """Run a SELECT query on a remote endpoint -> the rows a local run gives.

    With ``expect_dataset`` (a bundled query), an endpoint whose default graph holds no
    snapshot is an error rather than a table of zeros: the data is most likely in named
    graphs that the query does not see.
    """
    term = None
    if expect_dataset or snapshot is not None:
        known = snapshot_table(remote_solutions(endpoint, SNAPSHOTS_QUERY, default_graphs))
        if expect_dataset and not known:
            raise EndpointError(
                f"{shown(endpoint)} holds no hdsgraph snapshot in the graph it queries; if the data was published "
                "in named graphs, query their union (Oxigraph: serve --union-default-graph) or name them with "
                "--default-graph"
            )
        term = pick_snapshot(known, snapshot) if snapshot is not None else None
    return table(remote_solutions(endpoint, bind_requested(text, term), default_graphs), name)


def _wrapped_response(exc: SPARQLWrapperException) -> str:
    """The store's own message, which SPARQLWrapper keeps only inside its exception text."""
    message = str(exc)
    _, found, raw = message.partition("Response:\n")
    if not found:
        return ""
    try:
        value = ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError):
        return raw
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
