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

Each graph is replaced by one PUT, so a graph is never half-written; then each graph is
read back and its triple count compared with what was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import requests

from hdsgraph.describe.manifest import build_graph_prefix, graph_prefix_for
from hdsgraph.pipeline.mapping import ontology_path
from hdsgraph.rdf.namespaces import DEFAULT_BASE_URI, HDS, RDF
from hdsgraph.rdf.store import read_ntriples
from hdsgraph.safety import strict_session
from hdsgraph.sparql.client import (
    TIMEOUT,
    EndpointError,
    check_iri,
    check_url,
    credentials,
    http_error,
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


def publish(source: Path, endpoint: str, prefix: str | None = None) -> list[Published]:
    """Upload the dataset in ``source`` (a build folder or a dump) to a Graph Store endpoint.

    Raises EndpointError when the store cannot be reached, refuses a request, or holds
    another number of triples than was sent once the upload is done.
    """
    check_url(endpoint)
    graphs = dataset_layout(
        read_ntriples(Path(source)), prefix if prefix is not None else build_graph_prefix(Path(source))
    )
    with strict_session() as session:  # no credentials across a redirect to another origin
        login = credentials(endpoint)
        if login is not None:
            session.auth = login
        for graph in graphs:
            _request(
                session, "PUT", endpoint, graph.iri, login, data=graph.ntriples(), headers={"Content-Type": NTRIPLES}
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
    return published


def _request(session: requests.Session, method: str, endpoint: str, graph: str, login, **kwargs) -> requests.Response:
    try:
        response = session.request(method, endpoint, params={"graph": graph}, timeout=TIMEOUT, **kwargs)
    except requests.Timeout:
        raise unreachable(endpoint, TimeoutError()) from None
    except requests.RequestException as exc:
        raise unreachable(endpoint, _root_cause(exc)) from None
    if not response.ok:
        raise http_error(
            endpoint,
            response.status_code,
            response.reason or "",
            response.content,
            login=login,
            action=f"{method} of graph <{graph}>",
        )
    return response


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
