"""Acquire: a registry file on disk -> its rows, with provenance (name, checksum, snapshot).

The canonical registry table is a UTF-8 CSV, one row per certificate. This stage reads
it as text and nothing more: every cell stays a string, and each row keeps its row
number (the header is row 1, as in a spreadsheet) so that later stages can say which
row they quarantined and why.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from hdsgraph.errors import InputError
from hdsgraph.files import read_input
from hdsgraph.rdf.terms import check_http

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
    ignored_columns: list[str] = field(default_factory=list)
    provenance: dict | None = None  # from YYYY-MM-DD.provenance.json beside it, written by `hdsgraph fetch`


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
            ignored_columns=[c for c in columns if c and c not in COLUMNS],
            provenance=read_provenance(path, digest),
        )
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # a blank line is not a row
            row = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(columns) if name in COLUMNS}
            if len(cells) > len(columns):
                row["__extra__"] = f"the row has {len(cells)} cells but the header has {len(columns)}"
            snapshot.rows.append((number, row))
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file (line {reader.line_num}: {exc})") from None
    return snapshot


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
    if record.get("canonical_sha256") != sha256:
        raise InputError(
            f"{record_path}: describes another version of {path.name} (its checksum differs); "
            "fetch again, or delete the record if the file was corrected by hand"
        )
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
    try:
        check_http(url, "url")  # it becomes the snapshot's prov:wasDerivedFrom, so an IRI
    except InputError:
        raise unusable from None
    return {"url": url, "retrieved": retrieved, "sha256": raw}
