"""Import: any export of the registry (HTML page, CSV/TSV, XLSX, JSON records) -> the canonical table.

Every table of the export is read; the one whose headers look most like the registry
(recognised through ``data/header-synonyms.yaml``, plus an optional ``--mapping`` file)
is taken. Its rows become canonical rows (strict ISO dates, activities as numbers), or
go to the quarantine with the reason; blank rows are not rows. So for every import,
``rows read = rows kept + rows quarantined``.

A row is quarantined whole only when its certificate cannot be known (no host, no usable
activity, a note or a repeated header). An optional value that cannot be read (a malformed
SIREN, an unreadable or impossible date) is dropped from the row, which is kept, and the
quarantine records the value and why. Each canonical row keeps where it was read
(``source``, ``source_row``), so that the build's quarantine names the page and its row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from hdsgraph.acquire.cells import (
    activity_named,
    fold,
    is_note,
    read_activities,
    read_certificate_types,
    read_date,
    read_mark,
    read_referential,
    read_siren,
    shown,
    without_marks,
)
from hdsgraph.acquire.tables import Row, Table, data_links, read_tables
from hdsgraph.errors import InputError
from hdsgraph.files import read_input, read_yaml, write_atomically
from hdsgraph.pipeline.read import COLUMNS, LOCATION_COLUMNS, import_quarantine_path
from hdsgraph.resources import data_file
from hdsgraph.safety import canonical_cell, neutralised_cell

ACTIVITY_COLUMNS = tuple(f"activity_{n}" for n in range(1, 7))
KNOWN_COLUMNS = COLUMNS + ACTIVITY_COLUMNS
REQUIRED = ("host", "activities")
HEADER_ROWS_SEARCHED = 10  # a title or a blank line may sit above the header
PASSED_THROUGH = ("certification_body", "positioning", "nationality", "synthetic", "snapshot")


def header_key(text: str) -> str:
    """A header as compared with the synonyms: case, accents, punctuation and spacing folded."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


# ---------------------------------------------------------------- synonyms


@dataclass(frozen=True)
class Synonyms:
    """Header keys -> (canonical column, rank); a lower rank wins when two headers match."""

    exact: dict[str, tuple[str, int]]

    def match(self, header: str) -> tuple[str, int] | None:
        key = header_key(header)
        if not key:
            return None
        if key in self.exact:
            return self.exact[key]
        bare = header_key(re.sub(r"\(.*?\)|\[.*?\]", " ", header))  # "Date de certification (jj/mm/aaaa)"
        if bare in self.exact:
            return self.exact[bare]
        if (activity := activity_named(header)) is not None:  # by meaning, not by the number it gives
            return f"activity_{activity}", 0
        # "Date d'expiration du certificat": the longest synonym of several words the header starts with
        prefixes = [k for k in self.exact if " " in k and (key + " ").startswith(k + " ")]
        if prefixes:
            column, rank = self.exact[max(prefixes, key=len)]
            return column, rank + 1000  # after any exact match
        return None


def parse_mapping(data, source: str) -> dict[str, list[str]]:
    """``{column: header or [headers]}``, checked."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: expected a YAML mapping of column names to header lists, such as 'host: [\"Raison sociale\"]'"
        )
    mapping: dict[str, list[str]] = {}
    for column, headers in data.items():
        if column not in KNOWN_COLUMNS:
            raise InputError(f"{source}: unknown column {column!r} (known: {', '.join(KNOWN_COLUMNS)})")
        if isinstance(headers, (str, int, float)):
            headers = [headers]
        if not isinstance(headers, list) or not all(isinstance(h, (str, int, float)) for h in headers):
            raise InputError(f"{source}: column {column!r} must map to a header or a list of headers")
        mapping[column] = [str(h) for h in headers]
    return mapping


@lru_cache(maxsize=1)
def default_synonyms() -> dict[str, list[str]]:
    path = data_file("header-synonyms.yaml")
    return parse_mapping(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def load_mapping(path: Path) -> dict[str, list[str]]:
    """A --mapping file: the shape of ``data/header-synonyms.yaml``."""
    return parse_mapping(read_yaml(path), str(path))


def synonyms(mapping: dict[str, list[str]] | None = None) -> Synonyms:
    exact: dict[str, tuple[str, int]] = {}
    for column, headers in default_synonyms().items():
        for rank, header in enumerate(headers):
            exact.setdefault(header_key(header), (column, rank))
    for column, headers in (mapping or {}).items():  # the user's word wins
        for header in headers:
            exact[header_key(header)] = (column, -1)
    return Synonyms(exact)


# ---------------------------------------------------------------- finding the registry table


@dataclass
class Layout:
    """Where the registry sits in a table: its header rows and which column is which."""

    table: Table
    header: list[str]  # one label per column (two header rows joined)
    first_data: int  # index in table.rows of the first row after the header
    columns: dict[str, int]  # canonical column -> index
    ignored: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return "host" in self.columns and (
            "activities" in self.columns or any(c in self.columns for c in ACTIVITY_COLUMNS)
        )

    @property
    def score(self) -> tuple:
        return (self.usable, len(self.columns), len(self.table.rows) - self.first_data)


def _joined(parent: list[str], child: list[str]) -> list[str]:
    """Two header rows as one: "Activités" over "1" reads "Activités 1"."""
    out = []
    for above, below in zip(parent, child, strict=False):
        if not below or above == below:
            out.append(above)
        elif not above:
            out.append(below)
        else:
            out.append(f"{above} {below}")
    return out


def _layout(table: Table, header: list[str], first_data: int, words: Synonyms) -> Layout:
    best: dict[str, tuple[int, int]] = {}  # column -> (rank, index)
    for index, label in enumerate(header):
        found = words.match(label.replace("\n", " "))
        if found and (found[0] not in best or found[1] < best[found[0]][0]):
            best[found[0]] = (found[1], index)
    columns = {column: index for column, (_, index) in best.items()}
    used = set(columns.values())
    ignored = [label.replace("\n", " ") for i, label in enumerate(header) if i not in used and label]
    return Layout(table, header, first_data, columns, list(dict.fromkeys(ignored)))


def find_layout(tables: list[Table], words: Synonyms) -> Layout | None:
    """The table and header rows that look most like the registry."""
    best: Layout | None = None
    for table in tables:
        candidates = [i for i, row in enumerate(table.rows) if any(row.cells)][:HEADER_ROWS_SEARCHED]
        for i in candidates:
            options = [(table.rows[i].cells, i + 1)]
            if i + 1 < len(table.rows):
                options.append((_joined(table.rows[i].cells, table.rows[i + 1].cells), i + 2))
            for header, first_data in options:
                layout = _layout(table, header, first_data, words)
                if best is None or layout.score > best.score:
                    best = layout
    return best


# ---------------------------------------------------------------- rows


class NoRegistry(InputError):
    """An export holding no registry table; ``links``: the data files a page links to."""

    def __init__(self, message: str, links: list[str] | None = None):
        super().__init__(message)
        self.links = links or []


@dataclass
class ImportResult:
    source: str
    format: str
    table: str
    columns: dict[str, str]  # header as found -> canonical column
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number in the source, canonical row)
    quarantine: list[tuple[int, str, list[str]]]  # (row number, reason, cells as read)
    ignored: list[str] = field(default_factory=list)
    # (row number, column, reason, cells as read): the values dropped from rows that were kept
    values: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    label: str = ""  # the source as the outputs name it: a file name, or the URL of a page

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.quarantine)

    @property
    def name(self) -> str:
        return self.label or Path(self.source).name


def _canonical_row(row: Row, layout: Layout) -> tuple[dict[str, str] | None, str | None, list[tuple[str, str]]]:
    """(canonical row, None, dropped values) or (None, why the row cannot be used, [])."""
    cells = row.cells
    cell = lambda column: cells[layout.columns[column]] if column in layout.columns else ""  # noqa: E731
    filled = [text for text in cells if text.strip()]
    if row.spanning or (len(set(filled)) == 1 and is_note(filled[0])):
        return None, f"a note or title, not a host row: {shown(filled[0])}", []
    if [c.strip() for c in cells] == [h.strip() for h in layout.header]:
        return None, "the header repeated", []
    problems: list[str] = []
    host = without_marks(cell("host"), name=True).replace("\n", " ")
    if not host:
        problems.append("no host name")
    activities: set[int] = set()
    unreadable = False  # an activity cell was filled but could not be read
    if "activities" in layout.columns and cell("activities").strip():
        reading = read_activities(without_marks(cell("activities")))
        if reading.ok:
            activities.update(reading.value or ())
        else:
            problems.append(reading.problem or "")
            unreadable = True
    for number, column in enumerate(ACTIVITY_COLUMNS, start=1):  # one column per activity, with marks
        if column in layout.columns:
            mark = read_mark(cell(column))
            if not mark.ok:
                problems.append(f"activity {number}: {mark.problem}")
                unreadable = True
            elif mark.value:
                activities.add(number)
    if not activities and not unreadable:
        problems.append("no activity")
    if problems:
        return None, "; ".join(problems), []
    canonical = {"host": host, "activities": ";".join(map(str, sorted(activities)))}
    dropped: list[tuple[str, str]] = []  # (column, reason): optional values that cannot be read
    siren = read_siren(without_marks(cell("siren")))
    canonical["siren"] = siren.value or ""
    if not siren.ok:
        dropped.append(("siren", f"{siren.problem}; the host is identified by its name"))
    for column, what in (("issued", "issue"), ("expires", "expiry")):
        reading = read_date(without_marks(cell(column)))
        canonical[column] = reading.value or ""
        if not reading.ok:
            dropped.append((column, f"{what} date: {reading.problem}; dropped"))
    for column in PASSED_THROUGH:
        canonical[column] = " ".join(without_marks(cell(column)).split())
    if "certificate_number" in layout.columns:  # the certificate columns of today's registry, when it has them
        canonical["certificate_number"] = " ".join(without_marks(cell("certificate_number")).split())
    # an unreadable referential or type is dropped (the certificate is still known by its
    # host and activities; its type is then derived from them)
    for column, reader in (("referential", read_referential), ("certificate_type", read_certificate_types)):
        if column in layout.columns:
            reading = reader(without_marks(cell(column)))
            canonical[column] = reading.value or ""
            if not reading.ok:
                dropped.append((column, f"{reading.problem}; dropped"))
    return canonical, None, dropped


def import_tables(
    tables: list[Table],
    source: str,
    fmt: str,
    mapping: dict[str, list[str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Pick the registry table and read its rows. Raises InputError when there is none."""
    if not tables:
        raise NoRegistry(f"{source}: no table in it, so no registry to read")
    if fmt == "json" and len(tables[0].rows) == 1:  # an empty list of records: a part with no host
        return ImportResult(source, fmt, "JSON records", {}, [], [], [])
    layout = find_layout(tables, synonyms(mapping))
    if layout is None or not layout.usable:
        raise NoRegistry(_missing_columns_message(source, layout))
    rows: list[tuple[int, dict[str, str]]] = []
    quarantine: list[tuple[int, str, list[str]]] = []
    values: list[tuple[int, str, str, list[str]]] = []
    data_rows = layout.table.rows[layout.first_data :]
    for done, row in enumerate(data_rows, start=1):
        if any(text.strip() for text in row.cells):  # a blank line is not a row
            canonical, reason, dropped = _canonical_row(row, layout)
            if canonical is None:
                cells = [row.cells[0]] + [""] * (len(row.cells) - 1) if row.spanning else row.cells
                quarantine.append((row.number, reason or "", cells))
            else:
                rows.append((row.number, canonical))
                values += [(row.number, column, why, row.cells) for column, why in dropped]
        if progress:
            progress(done, len(data_rows))
    columns = {
        layout.header[i].replace("\n", " "): column for column, i in sorted(layout.columns.items(), key=lambda c: c[1])
    }
    return ImportResult(
        source, fmt, layout.table.name, columns, layout.header, rows, quarantine, layout.ignored, values
    )


def _missing_columns_message(source: str, layout: Layout | None) -> str:
    header = [h.replace("\n", " ") for h in (layout.header if layout else []) if h.strip()]
    found = ", ".join(repr(h) for h in dict.fromkeys(header)) or "none"
    missing = [c for c in REQUIRED if not layout or c not in layout.columns]
    if layout and "activities" in missing and any(c in layout.columns for c in ACTIVITY_COLUMNS):
        missing.remove("activities")
    unrecognised = list(layout.ignored) if layout else []
    example = ", ".join(
        f"{column}: [{(unrecognised.pop(0) if unrecognised else 'the header')!r}]".replace("'", '"')
        for column in missing
    )
    return (
        f"{source}: cannot find the registry's {' and '.join(missing)} column{'s' if len(missing) > 1 else ''} "
        f"(headers found: {found}); name the header of each with --mapping FILE.yaml, for example {{{example}}}"
    )


def import_bytes(
    data: bytes,
    source: str,
    content_type: str = "",
    mapping: dict[str, list[str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import an export held in memory (what fetch downloaded)."""
    try:
        fmt, tables = read_tables(data, source, content_type)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None
    try:
        return import_tables(tables, source, fmt, mapping, progress)
    except NoRegistry as exc:
        if fmt == "html":  # a page that links to the registry as a file
            exc.links = data_links(data)
        raise


def import_file(
    path: Path, mapping: dict[str, list[str]] | None = None, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    data = read_input(path, "an export of the registry")
    if not data.strip():
        raise InputError(f"{path}: the file is empty")
    try:
        return import_bytes(data, str(path), "", mapping, progress)
    except NoRegistry as exc:
        if exc.links:
            raise InputError(
                f"{exc}; the page links to {exc.links[0]}: download that file and import it, "
                "or fetch the page with 'hdsgraph fetch --url', which follows the link"
            ) from None
        raise


# ---------------------------------------------------------------- writing


def canonical_csv(*results: ImportResult) -> bytes:
    """The canonical table of one import, or of the parts of one snapshot (several pages):
    its columns, then where each row was read (``source``, ``source_row``)."""
    present = {c for result in results for _, row in result.rows for c, v in row.items() if v} | set(REQUIRED)
    columns = [c for c in COLUMNS if c in present]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns + list(LOCATION_COLUMNS))
    for result in results:
        for number, row in result.rows:
            cells = [row.get(c, "") for c in columns] + [result.name, str(number)]
            writer.writerow([canonical_cell(cell) for cell in cells])  # read back by pipeline/read.py
    return out.getvalue().encode("utf-8")


QUARANTINE_HEAD = ("source", "row", "quarantined", "reason")


def quarantine_csv(*results: ImportResult) -> bytes:
    """The rows and values an import could not use: where each was read, ``quarantined``
    (``row`` for a whole row, else the column whose value was dropped), the reason, then
    the row as read under its headers (the parts' headers, when several)."""
    labels: list[str] = []
    placed: list[list[int]] = []  # per result: the position of each of its columns
    for result in results:
        positions = []
        for i, label in enumerate(result.header, start=1):
            label = label.replace("\n", " ") or f"column {i}"
            if label in QUARANTINE_HEAD:
                label += f" ({i})"
            if label not in labels:
                labels.append(label)
            positions.append(labels.index(label))
        placed.append(positions)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*QUARANTINE_HEAD, *map(neutralised_cell, labels)])
    for result, positions in zip(results, placed, strict=True):
        records = [(n, "row", reason, cells) for n, reason, cells in result.quarantine]
        records += list(result.values)
        for number, what, reason, cells in sorted(records, key=lambda r: r[0]):
            line = [""] * len(labels)
            for position, text in zip(positions, cells, strict=False):
                line[position] = text
            writer.writerow(map(neutralised_cell, [result.name, number, what, reason, *line]))
    return out.getvalue().encode("utf-8")


def quarantine_path(out: Path) -> Path:
    """``2022-04.csv`` -> ``2022-04.quarantine.csv``, beside it (where the build looks for it)."""
    return import_quarantine_path(out)


def write_import(result: ImportResult, out: Path) -> tuple[Path, Path]:
    """The canonical CSV and its quarantine file beside it."""
    try:
        write_atomically(quarantine_path(out), quarantine_csv(result))
        write_atomically(out, canonical_csv(result))
    except OSError as exc:
        raise InputError(f"{out}: cannot be written ({exc.strerror or exc})") from None
    return out, quarantine_path(out)
