"""Publish a built dataset to any SPARQL 1.1 store with the Graph Store HTTP Protocol.

The dataset is split into named graphs so that every triple lives in exactly one graph:

- ``{prefix}ontology``: the hdsgraph ontology and its concept schemes;
- ``{prefix}registry``: the hosts, their certificates, the certification bodies, countries;
- ``{prefix}snapshot/{id}``, one per registry snapshot: the snapshot's own description
  (date, source file, SHA-256) and its listings, the ``hds:listedIn`` triples that say
  which hosts and certificates it lists.

Because no triple is in two graphs, the union of the graphs is exactly the built graph,
with no duplicates: a query without GRAPH clauses, run on a store whose default graph is
the union of its named graphs (Oxigraph ``--union-default-graph``, Fuseki
``unionDefaultGraph``, GraphDB, Virtuoso), or with these graphs as ``default-graph-uri``,
gives the same answers as on the dump. ``hdsgraph serve`` serves this same layout.

Each graph is replaced by one PUT, so a graph is never half-written. Then the graphs the
store holds under the same prefix that this build does not have (an older build's
snapshots, demonstration data replaced by real data) are deleted, so that the store holds
exactly the build; the graphs are listed with a SPARQL query on the store's query endpoint
(found from the Graph Store endpoint's path, ``hdsgraph/data/store-endpoints.csv``, or
given). Last, each graph is read back and its triple count compared with what was sent.

Credentials are sent only when the store asks (HTTP 401), in the scheme its
``WWW-Authenticate`` challenge names: Digest (Virtuoso's ``/sparql-graph-crud-auth``) or
Basic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from hdsgraph.describe.manifest import build_graph_prefix, graph_prefix_for
from hdsgraph.errors import InputError
from hdsgraph.pipeline.mapping import ontology_path
from hdsgraph.rdf.namespaces import DEFAULT_BASE_URI, HDS, RDF
from hdsgraph.rdf.store import read_ntriples
from hdsgraph.resources import data_table
from hdsgraph.safety import strict_session
from hdsgraph.sparql.client import (
    PASSWORD_VARIABLE,
    TIMEOUT,
    USER_VARIABLE,
    EndpointError,
    check_iri,
    check_url,
    credentials,
    http_error,
    shown,
    unreachable,
)

NTRIPLES = "application/n-triples"
LISTED_IN = HDS + "listedIn"


@dataclass
class NamedGraph:
    iri: str
    role: str  # what the graph holds, for messages: "ontology", "registry", "snapshot 2022-04"
    triples: list  # pyoxigraph Triples, sorted as in the dump

    def ntriples(self) -> bytes:
        return ox.serialize(self.triples, format=ox.RdfFormat.N_TRIPLES)

    def prefix(self) -> str:
        """The prefix of the layout: the IRI without its role ("ontology", "snapshot/ID"...)."""
        return self.iri[: -len(self.role.replace(" ", "/"))]


@cache
def _ontology_triples() -> frozenset:
    return frozenset(ox.parse(path=str(ontology_path()), format=ox.RdfFormat.TURTLE))


def _snapshot_ids(triples: list) -> dict[str, str]:
    """Snapshot IRI -> snapshot id, read from the graph."""
    typed = {
        t.subject.value
        for t in triples
        if t.predicate.value == RDF + "type" and t.object.value == HDS + "RegistrySnapshot"
    }
    return {
        t.subject.value: t.object.value
        for t in triples
        if t.predicate.value == HDS + "snapshotId" and t.subject.value in typed
    }


def default_prefix(snapshot_ids: dict[str, str]) -> str:
    """``{base}graph/``, the base read from the snapshots' IRIs (``{base}snapshot/{id}``)."""
    for iri, snapshot_id in sorted(snapshot_ids.items()):
        suffix = f"snapshot/{snapshot_id}"
        if iri.endswith(suffix):
            return graph_prefix_for(iri[: -len(suffix)])
    return graph_prefix_for(DEFAULT_BASE_URI)


def dataset_layout(nt: bytes, prefix: str | None = None) -> list[NamedGraph]:
    """Split a graph (N-Triples) into the named graphs above: ontology, registry, snapshots."""
    triples = list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))
    snapshot_ids = _snapshot_ids(triples)
    prefix = check_iri(prefix if prefix is not None else default_prefix(snapshot_ids), "graph IRI")
    ontology = _ontology_triples()
    graphs = {
        "ontology": NamedGraph(prefix + "ontology", "ontology", []),
        "registry": NamedGraph(prefix + "registry", "registry", []),
    }
    for iri, snapshot_id in sorted(snapshot_ids.items(), key=lambda item: item[1]):
        graphs[iri] = NamedGraph(
            check_iri(f"{prefix}snapshot/{snapshot_id}", "graph IRI"), f"snapshot {snapshot_id}", []
        )
    for triple in triples:
        if triple.subject.value in snapshot_ids:
            graphs[triple.subject.value].triples.append(triple)
        elif triple.predicate.value == LISTED_IN and triple.object.value in snapshot_ids:
            graphs[triple.object.value].triples.append(triple)
        elif triple in ontology:
            graphs["ontology"].triples.append(triple)
        else:
            graphs["registry"].triples.append(triple)
    return [g for g in graphs.values() if g.triples]


@dataclass
class Published:
    graph: NamedGraph
    triples_read_back: int


@dataclass
class Publication:
    """What ``publish`` did: the graphs uploaded and checked, the stale ones deleted."""

    graphs: list[Published]
    removed: list[str] = field(default_factory=list)  # IRIs of the graphs deleted, sorted
    query_endpoint: str = ""

    @property
    def triples(self) -> int:
        return sum(p.triples_read_back for p in self.graphs)

    def query_command(self) -> str:
        """The command that queries the store (``hdsgraph query`` finds the graphs itself)."""
        return f"hdsgraph query hosts-total --endpoint {shown(self.query_endpoint)}"

    def store_query(self) -> str:
        """A SPARQL query for the store's own query page: it names its graph, so it works
        whatever the store's default graph is."""
        registry = next((p.graph.iri for p in self.graphs if p.graph.role == "registry"), self.graphs[0].graph.iri)
        return f"SELECT (COUNT(DISTINCT ?host) AS ?hosts) FROM <{registry}> WHERE {{ ?host a <{HDS}Host> }}"


def query_endpoint_for(graph_store: str) -> str | None:
    """The SPARQL query endpoint of the store whose Graph Store endpoint is ``graph_store``,
    when its path is one the stores of ``hdsgraph/data/store-endpoints.csv`` use."""
    parts = urlsplit(graph_store)
    path = parts.path.rstrip("/")
    for row in data_table("store-endpoints.csv"):
        suffix = row["graph_store_path"]
        if path.endswith(suffix):
            return urlunsplit(parts._replace(path=path[: -len(suffix)] + row["query_path"], query="", fragment=""))
    return None


def publish(source: Path, endpoint: str, prefix: str | None = None, query_endpoint: str | None = None) -> Publication:
    """Upload the dataset in ``source`` (a build folder or a dump) to a Graph Store endpoint,
    delete the graphs under the same prefix that it lacks, and check what the store holds.

    ``query_endpoint`` is the store's SPARQL query endpoint (default: found from
    ``endpoint``'s path). Raises EndpointError when the store cannot be reached, refuses a
    request, or holds other graphs or another number of triples than was sent once the
    upload is done; InputError when the query endpoint cannot be told.
    """
    check_url(endpoint)
    if query_endpoint is None:
        query_endpoint = query_endpoint_for(endpoint)
        if query_endpoint is None:
            raise InputError(
                f"cannot tell the SPARQL query endpoint of the store {shown(endpoint)} (publish lists the store's "
                "graphs with it, to delete the stale ones); give it with --query-endpoint"
            )
    check_url(query_endpoint)
    graphs = dataset_layout(
        read_ntriples(Path(source)), prefix if prefix is not None else build_graph_prefix(Path(source))
    )
    prefix = graphs[0].prefix()
    login = credentials(endpoint)
    with strict_session() as session:  # no credentials across a redirect to another origin
        for graph in graphs:
            _request(
                session, "PUT", endpoint, graph.iri, login, data=graph.ntriples(), headers={"Content-Type": NTRIPLES}
            )
        wanted = {g.iri for g in graphs}
        removed = sorted(store_graphs(query_endpoint, prefix) - wanted)
        for iri in removed:
            _request(session, "DELETE", endpoint, iri, login)
        left = store_graphs(query_endpoint, prefix)
        if left != wanted:
            extra, missing = sorted(left - wanted), sorted(wanted - left)
            raise EndpointError(
                f"after the upload, {shown(query_endpoint)} lists other graphs under <{prefix}> than the build's"
                + (f"; not deleted: {', '.join(f'<{g}>' for g in extra)}" if extra else "")
                + (f"; missing: {', '.join(f'<{g}>' for g in missing)}" if missing else "")
            )
        published = []
        for graph in graphs:
            count = _count(session, endpoint, graph.iri, login)
            if count != len(graph.triples):
                raise EndpointError(
                    f"graph <{graph.iri}> ({graph.role}) holds {count} triples on the store after the upload, "
                    f"expected {len(graph.triples)}"
                )
            published.append(Published(graph, count))
    return Publication(published, removed, query_endpoint)


def store_graphs(query_endpoint: str, prefix: str) -> set[str]:
    """The named graphs a store holds whose IRI starts with ``prefix`` (one SPARQL query)."""
    from hdsgraph.sparql.remote import remote_solutions  # SPARQLWrapper only when it is needed

    text = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), {ox.Literal(prefix)})) }}"
    solutions = remote_solutions(query_endpoint, text)
    if not isinstance(solutions, ox.QuerySolutions):
        raise EndpointError(f"{shown(query_endpoint)} did not answer the list of its graphs with rows")
    return {row["g"].value for row in solutions if isinstance(row["g"], ox.NamedNode)}


_DIGEST = re.compile(r"(?:^|,)\s*digest\b", re.IGNORECASE)


def challenge_auth(response: requests.Response, login: tuple[str, str]) -> AuthBase:
    """The authentication a 401 asks for: Digest when its WWW-Authenticate offers it, else Basic."""
    if _DIGEST.search(response.headers.get("WWW-Authenticate", "")):
        return HTTPDigestAuth(*login)
    return HTTPBasicAuth(*login)


def _request(session: requests.Session, method: str, endpoint: str, graph: str, login, **kwargs) -> requests.Response:
    response = _send(session, method, endpoint, graph, **kwargs)
    if response.status_code == 401 and login is not None and session.auth is None:
        # The first request goes without credentials; the store's challenge picks the scheme.
        session.auth = challenge_auth(response, login)
        response = _send(session, method, endpoint, graph, **kwargs)
    if not response.ok:
        error = http_error(
            endpoint,
            response.status_code,
            response.reason or "",
            response.content,
            login=login,
            action=f"{method} of graph <{graph}>",
        )
        if response.status_code == 401 and login is None:
            raise EndpointError(
                f"{error}; it wants credentials: set {USER_VARIABLE} and {PASSWORD_VARIABLE}, or use a netrc file"
            )
        raise error
    return response


def _send(session: requests.Session, method: str, endpoint: str, graph: str, **kwargs) -> requests.Response:
    try:
        return session.request(method, endpoint, params={"graph": graph}, timeout=TIMEOUT, **kwargs)
    except requests.Timeout:
        raise unreachable(endpoint, TimeoutError()) from None
    except requests.RequestException as exc:
        raise unreachable(endpoint, _root_cause(exc)) from None


def _count(session: requests.Session, endpoint: str, graph: str, login) -> int:
    """The number of triples the store holds in ``graph``, read back with a GET."""
    response = _request(session, "GET", endpoint, graph, login, headers={"Accept": NTRIPLES})
    kind = response.headers.get("Content-Type", NTRIPLES)
    try:
        fmt = ox.RdfFormat.from_media_type(kind) or ox.RdfFormat.N_TRIPLES
        return len(set(ox.parse(response.content, format=fmt)))
    except (SyntaxError, ValueError) as exc:
        raise EndpointError(f"graph <{graph}> read back from the store is not valid RDF ({exc})") from None


def _root_cause(exc: BaseException) -> BaseException:
    """The socket error under requests' and urllib3's wrappers (e.g. 'connection refused')."""
    seen, current = set(), exc
    while isinstance(current, BaseException) and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current
        inner = current.__cause__ or current.__context__ or getattr(current, "reason", None)
        if inner is None and current.args and isinstance(current.args[0], BaseException):
            inner = current.args[0]
        current = inner
    return exc
