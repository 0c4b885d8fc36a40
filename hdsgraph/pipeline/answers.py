"""Query: the study's questions, as SPARQL files in ``queries/``, run on a graph.

Every query answers for one registry snapshot: the latest unless the caller names
another, which is bound to ``?requested`` as an RDF term (never pasted into the text).
Results become plain rows: integers stay integers, decimals become floats rounded to 4
places, IRIs and strings become strings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from hdsgraph.errors import InputError, first_line
from hdsgraph.pipeline.progress import OnProgress
from hdsgraph.pipeline.progress import report as report_progress
from hdsgraph.rdf.namespaces import HDS
from hdsgraph.rdf.results import QueryResult, table
from hdsgraph.resources import asset_dir


def study_queries() -> dict[str, Path]:
    """The bundled queries: name -> file."""
    return {p.stem: p for p in sorted(asset_dir("queries").glob("*.rq"))}


def query_text(name_or_file: str) -> tuple[str, str]:
    """A bundled query name or a path to a .rq file -> (name, SPARQL text)."""
    bundled = study_queries()
    if name_or_file in bundled:
        return name_or_file, bundled[name_or_file].read_text(encoding="utf-8")
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        try:
            return path.stem, path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{path}: no such query file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot be read ({exc})") from None
    raise InputError(f"unknown query {name_or_file!r}; the bundled queries are: {', '.join(bundled)}")


SNAPSHOTS_QUERY = f"SELECT ?s ?id WHERE {{ ?s a <{HDS}RegistrySnapshot> ; <{HDS}snapshotId> ?id }}"


def snapshots(store: ox.Store) -> dict[str, str]:
    """Snapshot id -> IRI, oldest first."""
    return snapshot_table(store.query(SNAPSHOTS_QUERY))


def snapshot_table(solutions) -> dict[str, str]:
    """The solutions of SNAPSHOTS_QUERY (local or remote) -> snapshot id -> IRI, oldest first."""
    return dict(sorted((row["id"].value, row["s"].value) for row in solutions))


def snapshot_term(store: ox.Store, snapshot: str | None) -> ox.NamedNode | None:
    """The IRI of a snapshot named by its id, read from the graph itself."""
    if snapshot is None:
        return None
    return pick_snapshot(snapshots(store), snapshot)


def pick_snapshot(known: dict[str, str], snapshot: str) -> ox.NamedNode:
    """The snapshot ``snapshot`` among those a graph holds, as a checked IRI term."""
    if snapshot not in known:
        listed = ", ".join(known) or "none"
        raise InputError(f"no snapshot {snapshot!r} in this graph (snapshots: {listed})")
    return ox.NamedNode(known[snapshot])


_REQUESTED = re.compile(r"[?$]requested\b")


def bind_requested(text: str, term: ox.NamedNode | None) -> str:
    """Put an RDF term in place of ``?requested``.

    Oxigraph only substitutes projected variables, and remote endpoints take no bindings
    at all, so the term is written into the query — as a term: a NamedNode that Oxigraph
    has already checked to be a valid IRI, never as text a user typed.
    """
    return text if term is None else _REQUESTED.sub(lambda _: str(term), text)


def run_select(store: ox.Store, text: str, snapshot: str | None = None, name: str = "query") -> QueryResult:
    """Run a SELECT query on a store."""
    text = bind_requested(text, snapshot_term(store, snapshot))
    try:
        solutions = store.query(text)
    except SyntaxError as exc:
        raise InputError(f"{name}: not a valid SPARQL query ({first_line(exc)})") from None
    return table(solutions, name)


def answers(
    store: ox.Store, snapshot: str | None = None, on_progress: OnProgress | None = None
) -> dict[str, list[dict]]:
    """Every bundled query's rows, keyed by query name (``on_progress`` told after each query)."""
    queries = study_queries()
    rows = {}
    for done, (name, path) in enumerate(queries.items(), start=1):
        rows[name] = run_select(store, path.read_text(encoding="utf-8"), snapshot, name).rows
        report_progress(on_progress, "query", done, len(queries), "queries")
    return rows
