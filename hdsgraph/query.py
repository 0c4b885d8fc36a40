"""Query: the study's questions, as SPARQL files in ``queries/``, run on a graph.

Every query answers for one registry snapshot: the latest unless the caller names
another, which is bound to ``?requested`` as an RDF term (never pasted into the text).
Results become plain rows: integers stay integers, decimals become floats rounded to 4
places, IRIs and strings become strings.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import types
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pyoxigraph as ox

from hdsgraph.errors import InputError
from hdsgraph.resources import asset_dir
from hdsgraph.vocab import HDS, XSD

SHARE_PLACES = Decimal("0.0001")
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                               "positiveInteger", "unsignedInt", "unsignedLong", "negativeInteger",
                               "nonPositiveInteger", "unsignedShort", "unsignedByte")}
_REALS = {XSD + t for t in ("decimal", "double", "float")}


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[dict]
    # column -> the datatype IRI its literals share, when they all share one (for DataFrames)
    datatypes: dict[str, str] = field(default_factory=dict)


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


def python_value(term):
    """An RDF term from a result -> a plain Python value."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        kind = term.datatype.value if term.datatype is not None else None
        try:
            if kind in _INTEGERS:
                return int(term.value)
            if kind in _REALS:
                return float(Decimal(term.value).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN))
        except (ValueError, ArithmeticError):
            return term.value
        if kind == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return term.value


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
        raise InputError(f"{name}: not a valid SPARQL query ({str(exc).splitlines()[0]})") from None
    return table(solutions, name)


def table(solutions, name: str = "query") -> QueryResult:
    """Query solutions, from a local store or parsed from an endpoint's answer -> rows."""
    if not isinstance(solutions, ox.QuerySolutions):
        raise InputError(f"{name}: only SELECT queries give a table")
    columns = [v.value for v in solutions.variables]
    terms = [[solution[c] for c in columns] for solution in solutions]
    rows = [{c: python_value(t) for c, t in zip(columns, row)} for row in terms]
    datatypes = {}
    for i, column in enumerate(columns):
        kinds = {t.datatype.value if isinstance(t, ox.Literal) else "" for row in terms if (t := row[i]) is not None}
        if len(kinds) == 1 and "" not in kinds:
            datatypes[column] = kinds.pop()
    return QueryResult(columns, rows, datatypes)


def answers(store: ox.Store, snapshot: str | None = None) -> dict[str, list[dict]]:
    """Every bundled query's rows, keyed by query name."""
    return {
        name: run_select(store, path.read_text(encoding="utf-8"), snapshot, name).rows
        for name, path in study_queries().items()
    }


def format_result(result: QueryResult, fmt: str) -> str:
    """Render rows as an aligned text table, CSV or JSON."""
    if fmt == "json":
        return json.dumps(result.rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow(["" if row[c] is None else row[c] for c in result.columns])
        return buffer.getvalue()
    cells = [[("" if row[c] is None else str(row[c])) for c in result.columns] for row in result.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(result.columns)]
    numeric = [all(_is_number(row[c]) for row in result.rows) and result.rows for c in result.columns]
    def line(values):
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()
    out = [line(result.columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    return "\n".join(out) + "\n"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _CallableModule(types.ModuleType):
    """``hdsgraph.query`` is this module and also the Python API's entry point.

    ``from hdsgraph import query; query("hosts-by-positioning")`` returns a DataFrame
    (see ``hdsgraph.dataframe.query``), while ``hdsgraph.query.run_select`` and
    ``from hdsgraph.query import ...`` keep working: a function of the same name in the
    package would hide the module. Setting a module's ``__class__`` is how the Python
    data model lets a module customise itself.
    """

    def __call__(self, *args, **kwargs):
        from hdsgraph.dataframe import query as query_dataframe

        return query_dataframe(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
