"""SPARQL results -> plain rows: integers stay integers, decimals become floats rounded to 4
places, IRIs and strings become strings; and rows -> an aligned text table, CSV or JSON.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import pyoxigraph as ox

from hdsgraph.errors import InputError
from hdsgraph.rdf.namespaces import XSD
from hdsgraph.safety import neutralised_cell

SHARE_PLACES = Decimal("0.0001")
_INTEGERS = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "unsignedInt",
        "unsignedLong",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedShort",
        "unsignedByte",
    )
}
_REALS = {XSD + t for t in ("decimal", "double", "float")}


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[dict]
    # column -> the datatype IRI its literals share, when they all share one (for DataFrames)
    datatypes: dict[str, str] = field(default_factory=dict)


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


def table(solutions, name: str = "query") -> QueryResult:
    """Query solutions, from a local store or parsed from an endpoint's answer -> rows."""
    if not isinstance(solutions, ox.QuerySolutions):
        raise InputError(f"{name}: only SELECT queries give a table")
    columns = [v.value for v in solutions.variables]
    terms = [[solution[c] for c in columns] for solution in solutions]
    rows = [{c: python_value(t) for c, t in zip(columns, row, strict=False)} for row in terms]
    datatypes = {}
    for i, column in enumerate(columns):
        kinds = {t.datatype.value if isinstance(t, ox.Literal) else "" for row in terms if (t := row[i]) is not None}
        if len(kinds) == 1 and "" not in kinds:
            datatypes[column] = kinds.pop()
    return QueryResult(columns, rows, datatypes)


def format_result(result: QueryResult, fmt: str) -> str:
    """Render rows as an aligned text table, CSV or JSON."""
    if fmt == "json":
        return json.dumps(result.rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow(["" if row[c] is None else neutralised_cell(row[c]) for c in result.columns])
        return buffer.getvalue()
    cells = [[("" if row[c] is None else str(row[c])) for c in result.columns] for row in result.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(result.columns)]
    numeric = [all(_is_number(row[c]) for row in result.rows) and result.rows for c in result.columns]

    def line(values):
        cells = zip(values, widths, numeric, strict=True)
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in cells).rstrip()

    out = [line(result.columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    return "\n".join(out) + "\n"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
