"""The Python API: what the CLI does, as functions (``hdsgraph`` re-exports them lazily).

For data scientists, a study query -> a pandas DataFrame:

    from hdsgraph import query
    query("hosts-by-positioning")                                     # the build in dist/
    query("activity-coverage", source="dist/hds.ttl", snapshot="2022-04")
    query("my-question.rq", source="http://127.0.0.1:7878/query")     # any SPARQL endpoint

Columns are typed from the literals' datatypes: integers as integers (``Int64`` when a
value is missing), decimals as floats, dates as dates (``datetime64``), booleans as
booleans, everything else as text.

For publishers and the rest: ``build``, ``fetch``, ``import_file``, ``validate_file``,
``publish``, ``write_site``, ``generate`` (synthetic registries), ``compare`` (what changed
between two snapshots), ``write_report`` and ``qualify_registry`` (the proposal table of
``hdsgraph qualify``); ``Guard`` sets the limits ``build`` and ``fetch`` stop at
(``Guard(max_quarantine=0.25, accept_shrink=True)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from hdsgraph.acquire.fetch import fetch
from hdsgraph.acquire.importer import import_file
from hdsgraph.pipeline.answers import query_text, run_select, study_queries
from hdsgraph.pipeline.build import build
from hdsgraph.pipeline.guard import Guard
from hdsgraph.pipeline.validate import validate_file
from hdsgraph.qualification.run import qualify_registry
from hdsgraph.rdf.namespaces import XSD
from hdsgraph.rdf.results import _INTEGERS, _REALS, QueryResult
from hdsgraph.rdf.store import open_store
from hdsgraph.site.pages import write_site
from hdsgraph.sparql.graphstore import publish
from hdsgraph.study.history import compare
from hdsgraph.study.report import write_report
from hdsgraph.study.synth import generate

__all__ = [
    "Guard",
    "build",
    "compare",
    "fetch",
    "generate",
    "import_file",
    "publish",
    "qualify_registry",
    "query",
    "run",
    "to_dataframe",
    "validate_file",
    "write_report",
    "write_site",
]

DATES = {XSD + "date", XSD + "dateTime", XSD + "dateTimeStamp"}


def is_url(source) -> bool:
    return isinstance(source, str) and source.split(":", 1)[0].lower() in ("http", "https")


def run(
    query: str,
    source: str | Path = "dist",
    snapshot: str | None = None,
    default_graphs: Sequence[str] = (),
    graph_prefix: str | None = None,
) -> QueryResult:
    """A bundled query name or a .rq file, run on a build, a dump or an endpoint URL -> rows."""
    name, text = query_text(query)
    if is_url(source):
        from hdsgraph.sparql.remote import (
            remote_select,  # SPARQLWrapper only when it is needed
        )

        return remote_select(
            str(source),
            text,
            snapshot,
            name,
            default_graphs,
            expect_dataset=name in study_queries(),
            prefix=graph_prefix,
        )
    return run_select(open_store(Path(source)), text, snapshot, name)


def to_dataframe(result: QueryResult) -> pd.DataFrame:
    """Rows -> a DataFrame whose column types follow the literals' datatypes."""
    frame = pd.DataFrame(result.rows, columns=result.columns)
    for column in result.columns:
        kind = result.datatypes.get(column)
        if kind in _INTEGERS:
            frame[column] = frame[column].astype("int64" if frame[column].notna().all() else "Int64")
        elif kind in _REALS:
            frame[column] = frame[column].astype("float64")
        elif kind in DATES:
            frame[column] = pd.to_datetime(frame[column])
        elif kind == XSD + "boolean":
            frame[column] = frame[column].astype("bool" if frame[column].notna().all() else "boolean")
    return frame


def query(
    query: str,
    source: str | Path = "dist",
    snapshot: str | None = None,
    default_graphs: Sequence[str] = (),
    graph_prefix: str | None = None,
) -> pd.DataFrame:
    """Run a bundled study query (by name) or a SPARQL SELECT file on ``source`` -> a DataFrame.

    ``source`` is a build folder, a dump (.ttl, .nt, .jsonld) or the URL of a SPARQL
    endpoint. ``snapshot`` names the registry snapshot to answer for (default: the latest);
    it is bound to ``?requested`` as a checked IRI, never pasted into the query text.
    ``default_graphs`` names the graphs a remote endpoint should query as its default graph;
    without them, the graphs ``publish`` wrote there are found and named (``graph_prefix``
    chooses among several published builds). Raises ``hdsgraph.errors.InputError`` for an
    unknown query, an unusable source, or an endpoint that cannot be reached or answers
    with an error.
    """
    return to_dataframe(run(query, source, snapshot, default_graphs, graph_prefix))
