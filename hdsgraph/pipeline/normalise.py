"""Normalise: registry rows -> the certificate table, plus the rows that cannot be used.

One output row per certificate. A registry row whose activities span both certificate
types (1-2 and 3-6) stands for two certificates. A row whose certificate cannot be known
(no host, no usable activity, a duplicate) goes to the quarantine with its row number and
the reason; an optional value that cannot be used (a malformed SIREN or one failing the
Luhn check, an unreadable date, an expiry not after issue, an unknown code) is dropped
from its row, which is kept, and the quarantine records the value and the reason.
Nothing is dropped silently: ``rows read = rows kept + rows quarantined`` always holds,
counting the rows the import that wrote a table quarantined already.

Quarantine records name where the row was read: the page or export and its row number
there when the table was imported (``source``, ``source_row``), else the registry file
and its row; ``registry_file`` is the file the build read.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

import pandas as pd

from hdsgraph.errors import InputError
from hdsgraph.pipeline.progress import OnProgress
from hdsgraph.pipeline.progress import report as report_progress
from hdsgraph.pipeline.read import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    SNAPSHOT_ID,
    UNDATED,
    YEARS,
    RawSnapshot,
    without_cyclic_gc,
)
from hdsgraph.pipeline.vocabulary import certification_bodies, countries, legal_forms, vocabulary

# One row per certificate: where it was read, its host, what it covers, then the optional
# columns of the canonical table carried through as they were read.
CERTIFICATE_COLUMNS = [
    "snapshot",
    "source",
    "row",
    "host_key",
    "host",
    "name_key",
    "siren",
    "certificate_type",
    "activities",
    *(column for column in OPTIONAL_COLUMNS if column not in ("siren", "snapshot", "certificate_type")),
]
# quarantined: "row" for a whole row, else the column whose value was dropped
QUARANTINE_COLUMNS = ["source", "row", "quarantined", "reason", *COLUMNS, "registry_file", "as_read"]
# the one column whose records note a value that stays (a body the bodies file does not know)
NOTED = "certification_body"


class RowError(ValueError):
    """Why one row cannot be used."""


@dataclass
class Registry:
    """The normalised registry: every snapshot read in one build."""

    certificates: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: dict[str, int]  # per source file
    snapshots: list[RawSnapshot]
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_kept(self) -> int:
        return int(self.certificates.drop_duplicates(["source", "row"]).shape[0])

    @property
    def quarantined_rows(self) -> pd.DataFrame:
        """The whole rows quarantined (not the dropped values)."""
        return self.quarantine[self.quarantine["quarantined"] == "row"]

    @property
    def dropped_values(self) -> pd.DataFrame:
        """The values dropped from kept rows (not the whole rows, nor the kept values noted)."""
        return self.quarantine[~self.quarantine["quarantined"].isin(["row", NOTED])]

    @property
    def noted_values(self) -> pd.DataFrame:
        """The values kept but recorded: certification bodies the bodies file does not know."""
        return self.quarantine[self.quarantine["quarantined"] == NOTED]


# ---------------------------------------------------------------- cell parsers

_ACTIVITY_TOKEN = re.compile(r"^(\d+)(?:\s*[-–]\s*(\d+))?$")


@lru_cache(maxsize=4096)
def parse_activities(cell: str) -> tuple[int, ...]:
    """``"1;2"``, ``"1, 3-6"`` -> sorted activity numbers. Raises RowError."""
    text = cell.strip()
    if not text:
        raise RowError("no activity")
    numbers: set[int] = set()
    for token in re.split(r"[;,]", text):
        token = token.strip()
        if not token:
            continue
        match = _ACTIVITY_TOKEN.match(token)
        if not match:
            raise RowError(f"unreadable activities {cell!r}: expected numbers 1-6 separated by ';' or ','")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first:
            raise RowError(f"unreadable activity range {token!r}")
        for number in range(first, last + 1):
            if not 1 <= number <= 6:
                raise RowError(f"activity {number} is not one of the six HDS activities (1-6)")
            numbers.add(number)
    if not numbers:
        raise RowError("no activity")
    return tuple(sorted(numbers))


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=65536)
def parse_date(cell: str, what: str) -> str | None:
    """An ISO date cell -> ``YYYY-MM-DD``, or None when empty. Raises RowError."""
    text = cell.strip()
    if not text:
        return None
    if _ISO_DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if day.year not in YEARS:
                raise RowError(f"{what} date {text!r}: the year is not between {YEARS[0]} and {YEARS[-1]}")
            return day.isoformat()
    raise RowError(f"unparseable {what} date {text!r}: expected YYYY-MM-DD")


def parse_siren(cell: str) -> str | None:
    text = re.sub(r"[\s.\u00a0\u202f]", "", cell)
    if not text:
        return None
    if not re.fullmatch(r"\d{9}", text):
        raise RowError(f"malformed SIREN {cell.strip()!r}: expected 9 digits; the host is identified by its name")
    if not luhn_valid(text):
        raise RowError(f"SIREN {text} fails the Luhn check; the host is identified by its name")
    return text


def luhn_valid(digits: str) -> bool:
    """The Luhn check INSEE uses for SIRENs: every second digit from the right doubled."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def parse_positioning(cell: str) -> str | None:
    code = cell.strip()
    if not code:
        return None
    if code not in vocabulary().positionings:
        raise RowError(f"unknown positioning code {code!r}")
    return code


def parse_nationality(cell: str) -> str | None:
    code = cell.strip().upper()
    if not code:
        return None
    if code not in countries():
        raise RowError(f"unknown nationality {cell.strip()!r}: expected an ISO 3166-1 alpha-2 code such as FR")
    return code


_TRUE = {"true", "1", "yes", "oui", "vrai"}
_FALSE = {"false", "0", "no", "non", "faux", ""}


def parse_flag(cell: str) -> bool:
    text = cell.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowError(f"unreadable synthetic flag {cell.strip()!r}: expected true or false")


def parse_snapshot(cell: str, default: str | None) -> str | None:
    text = cell.strip()
    if not text:
        return default
    if not SNAPSHOT_ID.match(text):
        raise RowError(f"unreadable snapshot {text!r}: expected YYYY-MM or YYYY-MM-DD")
    return text


def parse_certificate_number(cell: str) -> str | None:
    """The certificate's number as the certification body gives it (spacing made plain)."""
    number = " ".join(cell.split())
    if not number:
        return None
    if not number_key(number):
        raise RowError(f"certificate number {number!r} has no letter or digit")
    return number


@lru_cache(maxsize=65536)
def number_key(number: str) -> str:
    """What identifies a certificate by its number: case, accents and punctuation do not
    count ("LNE/HDS 2021-042" and "lne-hds-2021-042" are one number)."""
    folded = unicodedata.normalize("NFKD", number.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return "-".join(re.findall(r"[a-z0-9]+", folded))


def parse_referential(cell: str) -> str | None:
    version = cell.strip()
    if not version:
        return None
    if version not in vocabulary().referentials:
        known = " or ".join(vocabulary().referentials)
        raise RowError(f"unknown referential {version!r}: expected {known}")
    return version


def parse_certificate_type_codes(cell: str) -> tuple[str, ...] | None:
    """The certificate types the registry states: codes separated by ';' or ','. Raises
    RowError on an unknown code."""
    codes = sorted({code.strip() for code in re.split(r"[;,]", cell) if code.strip()})
    if not codes:
        return None
    types = {t.code for t in vocabulary().certificate_types}
    for code in codes:
        if code not in types:
            raise RowError(
                f"unknown certificate type {code!r}: expected {' or '.join(sorted(types))}; "
                "the type is derived from the activities"
            )
    return tuple(codes)


def check_certificate_types(codes: tuple[str, ...] | None, activities: tuple[int, ...]) -> tuple[str, ...] | None:
    """Stated types checked against the activities: each activity allowed by one of them,
    each covering one. Raises RowError."""
    if not codes:
        return None
    types = {t.code: t for t in vocabulary().certificate_types}
    allowed = set().union(*(types[code].activities for code in codes))
    outside = [a for a in activities if a not in allowed]
    if outside:
        raise RowError(f"activity {outside[0]} is not allowed by the stated certificate type {', '.join(codes)}")
    for code in codes:
        if not types[code].activities & set(activities):
            raise RowError(f"certificate type {code} is stated but none of its activities is listed")
    return codes


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """What identifies a host by its name: case, accents, punctuation, spacing and legal
    forms (SAS, SA, SARL...) do not count."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", folded)  # S.A.S. -> SAS
    words = re.findall(r"[a-z0-9]+", folded)
    kept = [w for w in words if w not in legal_forms()]
    return " ".join(kept or words)


@lru_cache(maxsize=65536)
def spelling_key(name: str) -> str:
    """``name_key`` keeping the letters and digits of every script: "Société α" and "Société
    β" have one name key ("societe") but two spellings, so they are two hosts."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", folded)
    words = re.findall(r"[^\W_]+", folded)
    kept = [w for w in words if w not in legal_forms()]
    return " ".join(kept or words)


COLLISION_MARK = "~"  # host/{name}~2: never in a name key (letters, digits, spaces), so never another name's IRI


def _name_identities(parsed: list[dict]) -> list[str]:
    """Give rows whose names share a name key but not a spelling their own identity: the
    first spelling (in sorted order) keeps the name key, the next get ``~2``, ``~3``...
    Returns a warning for each such collision: distinct names are never merged silently."""
    spellings: dict[str, set[str]] = {}
    for row in parsed:
        row["spelling"] = spelling_key(row["host"])
        spellings.setdefault(row["name_key"], set()).add(row["spelling"])
    suffixes: dict[tuple[str, str], str] = {}
    warnings = []
    for key, found in sorted(spellings.items()):
        if len(found) > 1:
            ordered = sorted(found)
            for i, spelling in enumerate(ordered[1:], start=2):
                suffixes[(key, spelling)] = f"{key}{COLLISION_MARK}{i}"
            names = sorted({r["host"] for r in parsed if r["name_key"] == key})
            warnings.append(
                f"{len(ordered)} hosts have the name key {key!r} ({', '.join(repr(n) for n in names)}): "
                f"kept apart, the others with the suffix {COLLISION_MARK}2, {COLLISION_MARK}3... in their IRI"
            )
    for row in parsed:
        row["name_key"] = suffixes.get((row["name_key"], row["spelling"]), row["name_key"])
    return warnings


@lru_cache(maxsize=4096)
def body_key(name: str) -> str:
    """What identifies a certification body: its id in ``data/certification-bodies.yaml``
    when it is known by this name (its name now, an alias or an earlier name), else its
    name key."""
    known = {name_key(n): "id:" + body.id for body in certification_bodies() for n in body.names}
    key = name_key(name)
    return known.get(key, key)


def _clean_name(cell: str) -> str:
    return " ".join(cell.split())


# ---------------------------------------------------------------- the stage


def _optional(parse, dropped: list[tuple[str, str]], column: str, *args):
    """An optional value: parsed, or None with (column, reason) added to ``dropped``."""
    try:
        return parse(*args)
    except RowError as exc:
        dropped.append((column, str(exc)))
        return None


def _parse_row(row: dict[str, str], snapshot_default: str | None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The row's values, and the optional values dropped from it ((column, reason)).
    Raises RowError when the certificate itself cannot be known."""
    if "__extra__" in row:
        raise RowError(row["__extra__"])
    host = _clean_name(row.get("host", ""))
    if not host:
        raise RowError("no host name")
    key = name_key(host)
    if not key:
        raise RowError(f"host name {host!r} has no letter or digit")
    dropped: list[tuple[str, str]] = []
    parsed: dict[str, Any] = {
        "host": host,
        "name_key": key,
        "activities": parse_activities(row.get("activities", "")),
        "synthetic": parse_flag(row.get("synthetic", "")),
        "snapshot": parse_snapshot(row.get("snapshot", ""), snapshot_default),
        "siren": _optional(parse_siren, dropped, "siren", row.get("siren", "")),
        "certification_body": _clean_name(row.get("certification_body", "")) or None,
        "issued": _optional(parse_date, dropped, "issued", row.get("issued", ""), "issue"),
        "expires": _optional(parse_date, dropped, "expires", row.get("expires", ""), "expiry"),
        "positioning": _optional(parse_positioning, dropped, "positioning", row.get("positioning", "")),
        "nationality": _optional(parse_nationality, dropped, "nationality", row.get("nationality", "")),
        "certificate_number": _optional(
            parse_certificate_number, dropped, "certificate_number", row.get("certificate_number", "")
        ),
        "referential": _optional(parse_referential, dropped, "referential", row.get("referential", "")),
    }
    # an unknown type code is dropped (the type is then derived from the activities); a known
    # type that contradicts the activities quarantines the row: which of the two is wrong
    # cannot be told, and publishing either could be a false claim
    codes = _optional(parse_certificate_type_codes, dropped, "certificate_type", row.get("certificate_type", ""))
    parsed["certificate_type"] = check_certificate_types(codes, parsed["activities"])
    if parsed["issued"] and parsed["expires"] and parsed["expires"] <= parsed["issued"]:
        dropped.append(
            ("expires", f"expiry {parsed['expires']} is not after issue {parsed['issued']}; the expiry date is dropped")
        )
        parsed["expires"] = None
    return parsed, dropped


class RowParser:
    """``_parse_row`` remembering the rows it has parsed: a history lists most hosts' rows
    again in every snapshot, the same cells but for the snapshot, so each distinct row is
    parsed once per build. The snapshot cell is parsed on each row; a row that cannot be
    used is parsed again in full, so that its reason is the one ``_parse_row`` gives."""

    def __init__(self) -> None:
        self.seen: dict[tuple, tuple[dict[str, Any], list[tuple[str, str]]] | None] = {}

    def parse(self, row: dict[str, str], snapshot_default: str | None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        key = tuple(item for item in row.items() if item[0] != "snapshot")
        if key not in self.seen:
            try:
                self.seen[key] = _parse_row({**row, "snapshot": ""}, None)
            except RowError:
                self.seen[key] = None
        known = self.seen[key]
        if known is None:
            return _parse_row(row, snapshot_default)  # raises the row's own reason
        values, dropped = known
        values = dict(values)
        values["snapshot"] = parse_snapshot(row.get("snapshot", ""), snapshot_default)
        return values, list(dropped)


def _host_keys(parsed: list[dict]) -> None:
    """Give each row a host key: its SIREN; else the one SIREN its name goes with in the
    whole build; else its name key."""
    sirens_by_name: dict[str, set[str]] = {}
    for row in parsed:
        if row["siren"]:
            sirens_by_name.setdefault(row["name_key"], set()).add(row["siren"])
    for row in parsed:
        if row["siren"]:
            row["host_key"] = row["siren"]
        else:
            key = row["name_key"]
            sirens = sirens_by_name.get(key, set())
            row["host_key"] = next(iter(sirens)) if len(sirens) == 1 else "name:" + key


def _number_conflict(values: dict, numbered: dict[tuple, dict]) -> str | None:
    """Rows of one snapshot with the same certificate number are one certificate (they may
    list its activities of each type apart): they must agree on its dates, body and
    referential. The reason to quarantine a row that does not; None when it agrees."""
    if not values["certificate_number"]:
        return None
    key = (values["snapshot"], values["host_key"], number_key(values["certificate_number"]))
    first = numbered.setdefault(key, values)
    same_body = body_key(first["certification_body"] or "") == body_key(values["certification_body"] or "")
    for differs, what in (
        (first["issued"] != values["issued"], "issue date"),
        (first["expires"] != values["expires"], "expiry date"),
        (first["referential"] != values["referential"], "referential"),
        (not same_body, "certification body"),
    ):
        if differs:
            raw = first["raw"]  # the row where it was read: the page's, when the table was imported
            where = raw["source_row"] if raw.get("source") else first["row"]
            elsewhere = raw.get("source") and raw.get("source") != values["raw"].get("source")
            of = f" of {raw['source']}" if elsewhere else ""
            return f"certificate {values['certificate_number']} is listed in row {where}{of} with another {what}"
    return None


def parse_rows(snap: RawSnapshot, parser: RowParser | None = None) -> list[tuple[dict[str, Any] | None, Any]]:
    """Each row of one file parsed on its own: (values, the values dropped from it), or
    (None, why the row cannot be used). It depends on the rows and the file's snapshot
    only, so ``hdsgraph.pipeline.cache`` can keep it per file; ``parser`` remembers rows
    parsed in other files of the same build."""
    parser = parser or RowParser()
    results: list[tuple[dict[str, Any] | None, Any]] = []
    for _, row in snap.rows:
        try:
            results.append(parser.parse(row, snap.snapshot))
        except RowError as exc:
            results.append((None, str(exc)))
    return results


def normalise(
    snapshots: list[RawSnapshot],
    parse: Callable[[RawSnapshot], list] | None = None,
    on_progress: OnProgress | None = None,
) -> Registry:
    """Parse every row of every snapshot; split rows into certificates; quarantine the rest.
    ``parse`` gives each file's parsed rows (default ``parse_rows`` with one memory for the
    whole build; or cached results); ``on_progress`` is told the rows parsed after each
    snapshot."""
    if parse is None:
        parser = RowParser()

        def parse(snap: RawSnapshot) -> list:
            return parse_rows(snap, parser)

    with without_cyclic_gc():  # row dicts and tuples by the hundred thousand, none in a cycle
        return _normalise(snapshots, parse, on_progress)


def _normalise(
    snapshots: list[RawSnapshot], parse: Callable[[RawSnapshot], list], on_progress: OnProgress | None
) -> Registry:
    vocab = vocabulary()
    quarantined: list[dict] = []
    parsed: list[dict] = []
    rows_read: dict[str, int] = {}
    warnings: list[str] = []

    def quarantine(
        snap: RawSnapshot, number: int, row: dict[str, str], reason: str, snapshot_id=None, what: str = "row"
    ):
        record = {
            "source": row.get("source") or snap.source,  # the page or export the row was read from...
            "row": int(row["source_row"]) if row.get("source_row", "").isdigit() else number,  # ...and its row there
            "quarantined": what,
            "reason": reason,
            **{c: row.get(c, "") for c in COLUMNS},
            "registry_file": snap.source,
            "as_read": "",
        }
        record["snapshot"] = record["snapshot"] or snapshot_id or snap.snapshot or ""
        quarantined.append(record)

    several = len(snapshots) > 1
    total, done = sum(len(snap.rows) for snap in snapshots), 0
    for snap in snapshots:
        rows_read[snap.source] = len(snap.rows) + snap.imported_rows_quarantined
        warnings += snap.warnings
        kept_rows = (
            {(row.get("source", ""), row.get("source_row", "")): row for _, row in snap.rows}
            if snap.imported_quarantine
            else {}
        )
        for record in snap.imported_quarantine:  # what the import that wrote the table could not use
            row_number = int(record["row"]) if str(record["row"]).isdigit() else record["row"]
            # a value dropped from a kept row: the row's other values, as the table has them
            same = kept_rows.get((record["source"], str(record["row"])), {}) if record["quarantined"] != "row" else {}
            quarantined.append(
                {c: same.get(c, "") for c in COLUMNS}
                | record
                | {
                    "row": row_number,
                    "registry_file": snap.source,
                    "snapshot": same.get("snapshot") or snap.snapshot or "",
                }
            )
        for (number, row), (values, dropped) in zip(snap.rows, parse(snap), strict=True):
            if values is None:
                quarantine(snap, number, row, dropped)  # why the row cannot be used
                continue
            for column, reason in dropped:
                quarantine(snap, number, row, reason, values["snapshot"], what=column)
            if values["snapshot"] is None:
                if several:
                    raise InputError(
                        f"{snap.source}: cannot tell which date this registry is from; name the file "
                        "YYYY-MM.csv or YYYY-MM-DD.csv, or add a 'snapshot' column"
                    )
                values["snapshot"] = UNDATED
            values.update(source=snap.source, row=number, raw=row)
            parsed.append(values)
        done += len(snap.rows)
        report_progress(on_progress, "normalise", done, total, "rows")

    warnings += _name_identities(parsed)
    _host_keys(parsed)

    # The same certificate listed twice in one snapshot is a duplicate, not two certificates.
    seen: dict[tuple, tuple[str, object]] = {}  # identity -> where its first row was read (source, row)
    numbered: dict[tuple, dict] = {}  # (snapshot, host, number) -> its first row
    kept: list[dict] = []
    for values in parsed:
        identity = (
            values["snapshot"],
            values["host_key"],
            values["activities"],
            body_key(values["certification_body"] or ""),
            values["issued"],
            values["expires"],
            number_key(values["certificate_number"] or ""),
            values["referential"],
            values["certificate_type"],
        )
        raw = values["raw"]
        where = (raw.get("source") or values["source"], raw["source_row"] if raw.get("source") else values["row"])
        if identity in seen:
            snap = next(s for s in snapshots if s.source == values["source"])
            first_source, first_row = seen[identity]
            of = "" if first_source == where[0] else f" of {first_source}"
            quarantine(snap, values["row"], raw, f"duplicate of row {first_row}{of}", values["snapshot"])
            continue
        conflict = _number_conflict(values, numbered)
        if conflict:
            snap = next(s for s in snapshots if s.source == values["source"])
            quarantine(snap, values["row"], raw, conflict, values["snapshot"])
            continue
        seen[identity] = where
        kept.append(values)

    # A body the data file does not know stays as written; one record per registry file says so.
    unknown_bodies: dict[tuple[str, str], list[dict]] = {}
    for values in kept:
        body = values["certification_body"]
        if body and not body_key(body).startswith("id:"):
            unknown_bodies.setdefault((values["source"], body_key(body)), []).append(values)
    for rows in unknown_bodies.values():
        first = rows[0]
        snap = next(s for s in snapshots if s.source == first["source"])
        also = f" (and {len(rows) - 1} more row{'s' if len(rows) > 2 else ''})" if len(rows) > 1 else ""
        reason = (
            f"certification body {first['certification_body']!r} is not in the certification bodies file{also}: "
            "kept as written, without its other names"
        )
        quarantine(snap, first["row"], first["raw"], reason, first["snapshot"], what=NOTED)

    certificates = []
    type_at, activities_at = CERTIFICATE_COLUMNS.index("certificate_type"), CERTIFICATE_COLUMNS.index("activities")
    cells = itemgetter(*CERTIFICATE_COLUMNS)  # every parsed row has them all
    split: dict[tuple, list[tuple[str, tuple[int, ...]]]] = {}  # (activities, stated types) -> its certificates
    for values in kept:
        stated, activities = values["certificate_type"], values["activities"]
        if (activities, stated) not in split:
            split[(activities, stated)] = [
                (ctype.code, covered)
                for ctype in vocab.certificate_types
                if not (stated and ctype.code not in stated)
                and (covered := tuple(a for a in activities if a in ctype.activities))
            ]
        row = cells(values)
        for code, covered in split[(activities, stated)]:
            certificate = list(row)
            certificate[type_at], certificate[activities_at] = code, covered
            certificates.append(certificate)
    table = pd.DataFrame(certificates, columns=CERTIFICATE_COLUMNS, dtype=object)
    quarantine_table = pd.DataFrame(quarantined, columns=QUARANTINE_COLUMNS, dtype=object)
    order = quarantine_table.assign(_row=pd.to_numeric(quarantine_table["row"], errors="coerce"))
    quarantine_table = quarantine_table.loc[
        order.sort_values(["registry_file", "source", "_row"], kind="stable").index
    ].reset_index(drop=True)
    return Registry(table, quarantine_table, rows_read, snapshots, warnings)


def most_common(values) -> str | None:
    """The most frequent non-empty value; ties go to the smallest, so that the choice does
    not depend on row order."""
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)
