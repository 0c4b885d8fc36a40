"""Acquire: a registry file on disk -> its rows, with provenance (name, checksum, snapshot).

The canonical registry table is a UTF-8 CSV, one row per certificate. This stage reads
it as text and nothing more: every cell stays a string, and each row keeps its row
number (the header is row 1, as in a spreadsheet) so that later stages can say which
row they quarantined and why.

A table written by ``hdsgraph import`` or ``fetch`` also says where each row was read
(``source``, ``source_row``: the page or file and its row there), and has the import's
quarantine beside it (``NAME.quarantine.csv``): its records are read too, so that the
rows and values the import could not use reach the build's quarantine.
"""

from __future__ import annotations

import csv
import difflib
import gc
import hashlib
import io
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hdsgraph.errors import InputError
from hdsgraph.files import read_input
from hdsgraph.rdf.terms import check_http, without_userinfo
from hdsgraph.safety import canonical_value

REQUIRED_COLUMNS = ("host", "activities")
OPTIONAL_COLUMNS = (
    "siren",
    "certification_body",
    "issued",
    "expires",
    "positioning",
    "nationality",
    "synthetic",
    "snapshot",
    "certificate_number",
    "referential",
    "certificate_type",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# The years a registry date may have: an HDS certificate dates from 2018 on; a year outside
# these is a typing mistake (0021, 2921), and is quarantined rather than published.
YEARS = range(1900, 2101)
# Where an imported row was read: the page or file, and the row number there.
LOCATION_COLUMNS = ("source", "source_row")

SNAPSHOT_ID = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?$")
UNDATED = "undated"


@dataclass
class RawSnapshot:
    """The rows of one registry file, as read."""

    source: str  # the file name: what the dumps record, so that they do not depend on where the file sits
    path: Path
    sha256: str
    snapshot: str | None  # from the file name, when it is YYYY-MM.csv or YYYY-MM-DD.csv
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    provenance: dict | None = None  # from YYYY-MM-DD.provenance.json beside it, written by `hdsgraph fetch`
    # What the import that wrote this table quarantined (NAME.quarantine.csv beside it):
    # {source, row, quarantined ("row" or a column), reason, as_read}
    imported_quarantine: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def imported_rows_quarantined(self) -> int:
        return sum(1 for record in self.imported_quarantine if record["quarantined"] == "row")


def snapshot_from_name(path: Path) -> str | None:
    """``2022-04.csv`` -> ``2022-04``; any other name -> None."""
    return path.stem if SNAPSHOT_ID.match(path.stem) else None


def registry_files(path: Path) -> list[Path]:
    """A registry file, or the dated registry files of a folder, oldest first."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and snapshot_from_name(p))
        if not files:
            raise InputError(f"{path}: no registry file named YYYY-MM.csv or YYYY-MM-DD.csv in this folder")
        return files
    if not path.exists():
        raise InputError(f"{path}: no such file")
    return [path]


def distinct_sources(snapshots: list[RawSnapshot]) -> list[RawSnapshot]:
    """Files of the same name in different folders (``a/2022-04.csv``, ``b/2022-04.csv``)
    are named by as many of their folders as tell them apart, so that the rows of one are
    never taken for the rows of the other. A unique name stays the bare file name."""
    for depth in range(1, 1 + max((len(s.path.parts) for s in snapshots), default=1)):
        names = [s.source for s in snapshots]
        clashing = {name for name in names if names.count(name) > 1}
        if not clashing:
            break
        for snap in snapshots:
            if snap.source in clashing:
                snap.source = "/".join(snap.path.resolve().parts[-1 - depth :])
    return snapshots


@contextmanager
def without_cyclic_gc():
    """Python's cycle collector off for a while: it would walk the heap again and again while
    a stage builds hundreds of thousands of row dicts, none of them in a reference cycle (a
    third of the time normalise takes on a long history). Restored as it was afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_registry(path: Path) -> RawSnapshot:
    """Read one canonical registry CSV. Raises InputError when it cannot be used at all."""
    data = read_input(path, "a registry file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not a UTF-8 CSV file (byte {exc.start} cannot be decoded); "
            "convert it to UTF-8, or use 'hdsgraph import' for other encodings"
        ) from None
    if "\x00" in text:
        raise InputError(f"{path}: not a CSV file (it contains binary data)")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise InputError(f"{path}: the file is empty")
        columns = [cell.strip().lower() for cell in header]
        duplicated = sorted({c for c in columns if columns.count(c) > 1 and c})
        if duplicated:
            raise InputError(f"{path}: column {duplicated[0]!r} appears more than once in the header")
        unknown = [c for c in columns if c and c not in COLUMNS + LOCATION_COLUMNS]
        if unknown:
            raise InputError(f"{path}: {unknown_column_message(unknown[0])}")
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            found = ", ".join(repr(c) for c in header) or "none"
            raise InputError(
                f"{path}: missing required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(c) for c in missing)} (found: {found})"
            )
        digest = hashlib.sha256(data).hexdigest()
        snapshot = RawSnapshot(
            source=path.name,
            path=path,
            sha256=digest,
            snapshot=snapshot_from_name(path),
            provenance=read_provenance(path, digest),
        )
        known = set(COLUMNS + LOCATION_COLUMNS)
        kept = [(i, name) for i, name in enumerate(columns) if name in known]
        with without_cyclic_gc():  # a row dict each: no cycle among them
            for number, cells in enumerate(reader, start=2):
                if not "".join(cells).strip():
                    continue  # a blank line is not a row
                if len(cells) >= len(columns):  # as 'hdsgraph import' neutralised it
                    row = {name: canonical_value(cells[i]) for i, name in kept}
                else:
                    row = {name: canonical_value(cells[i]) if i < len(cells) else "" for i, name in kept}
                if len(cells) > len(columns):
                    row["__extra__"] = f"the row has {len(cells)} cells but the header has {len(columns)}"
                snapshot.rows.append((number, row))
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file (line {reader.line_num}: {exc})") from None
    if "source_row" in columns:  # written by an import: its quarantine is beside it
        snapshot.imported_quarantine, warning = read_import_quarantine(path)
        if warning:
            snapshot.warnings.append(warning)
    if snapshot.provenance and snapshot.provenance.get("corrected_from"):
        snapshot.warnings.append(
            f"{path.name}: corrected by hand since it was fetched (sha256 {digest}, fetched as "
            f"{snapshot.provenance['corrected_from']}); the graph records both checksums"
        )
    if snapshot.provenance and snapshot.provenance.get("ignored_columns"):
        shown = ", ".join(repr(c) for c in snapshot.provenance["ignored_columns"])
        snapshot.warnings.append(f"{path.name}: the fetched page's column(s) {shown} were not imported")
    return snapshot


def unknown_column_message(column: str) -> str:
    """Why a canonical table's column is refused, with the known column it most looks like."""
    close = difflib.get_close_matches(column, COLUMNS + LOCATION_COLUMNS, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"unknown column {column!r}{hint}; a canonical registry table has only the columns "
        f"{', '.join(COLUMNS + LOCATION_COLUMNS)} (use 'hdsgraph import' for an export with other columns)"
    )


def import_quarantine_path(path: Path) -> Path:
    """``2024-05-02.csv`` -> ``2024-05-02.quarantine.csv``: where an import writes its quarantine."""
    return path.with_name(path.stem + ".quarantine.csv")


def read_import_quarantine(path: Path) -> tuple[list[dict], str | None]:
    """The records of the quarantine an import wrote beside ``path`` (and a warning when
    there is none): each with the page or file and row it was read at, what was quarantined
    (``row``, or the column of a dropped value), the reason, and the cells as read (JSON)."""
    beside = import_quarantine_path(path)
    if not beside.is_file():
        return [], (
            f"{path.name}: written by an import, but its quarantine {beside.name} is not beside it: "
            "the rows the import quarantined are not counted"
        )
    try:
        text = beside.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{beside}: not a readable quarantine file ({exc})") from None
    if not rows or rows[0][:2] != ["source", "row"] or "reason" not in rows[0]:
        raise InputError(f"{beside}: not a quarantine file written by 'hdsgraph import' (its header differs)")
    header = rows[0]
    where = header.index("reason") + 1
    records = []
    for cells in rows[1:]:
        if not any(cells):
            continue
        record = dict(zip(header[:where], cells, strict=False))
        as_read = {label: cell for label, cell in zip(header[where:], cells[where:], strict=False) if cell}
        records.append(
            {
                "source": record.get("source", ""),
                "row": record.get("row", ""),
                "quarantined": record.get("quarantined") or "row",
                "reason": record.get("reason", ""),
                "as_read": json.dumps(as_read, ensure_ascii=False) if as_read else "",
            }
        )
    return records, None


_RETRIEVED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def read_provenance(path: Path, sha256: str) -> dict | None:
    """The provenance record ``hdsgraph fetch`` wrote beside a snapshot: its URL, retrieval
    time and the checksum of the raw download; None when there is none."""
    record_path = path.with_name(path.stem + ".provenance.json")
    if not record_path.is_file():
        return None
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError(f"{record_path}: not a readable provenance record (JSON)") from None
    if not isinstance(record, dict):
        raise InputError(f"{record_path}: not a readable provenance record (JSON)")
    url, retrieved, raw = record.get("url"), record.get("retrieved"), record.get("sha256")
    unusable = InputError(
        f"{record_path}: needs an http(s) 'url', a 'retrieved' time (YYYY-MM-DDTHH:MM:SSZ) "
        "and the 'sha256' of the raw download"
    )
    if not (
        isinstance(url, str)
        and isinstance(retrieved, str)
        and _RETRIEVED.match(retrieved)
        and isinstance(raw, str)
        and re.fullmatch(r"[0-9a-f]{64}", raw)
    ):
        raise unusable
    parts = [p.get("final_url") for p in record.get("parts", []) if isinstance(p, dict)]
    if not all(isinstance(p, str) for p in parts):
        raise unusable
    try:
        for each in [url, *parts]:
            check_http(str(each), "url")  # it becomes the snapshot's prov:wasDerivedFrom, so an IRI
    except InputError:
        raise unusable from None
    # A record written by hand, or by an older hdsgraph, may carry credentials: never into the graph.
    found = {
        "url": without_userinfo(url),
        "retrieved": retrieved,
        "sha256": raw,
        "parts": [without_userinfo(str(p)) for p in parts],
    }
    original = record.get("canonical_sha256")
    if original != sha256:  # corrected by hand since the fetch: accepted, and both checksums kept
        if not (isinstance(original, str) and re.fullmatch(r"[0-9a-f]{64}", original)):
            raise unusable
        found["corrected_from"] = original
    ignored = record.get("ignored_columns")
    if isinstance(ignored, list) and all(isinstance(c, str) for c in ignored):
        found["ignored_columns"] = ignored
    return found
