"""Normalise: registry rows -> the certificate table, plus the rows that cannot be used.

One output row per certificate. A registry row whose activities span both certificate
types (1-2 and 3-6) stands for two certificates. A row that cannot be read goes to the
quarantine with its row number and the reason; nothing is dropped silently, so
``rows read = rows kept + rows quarantined`` always holds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import pandas as pd

from hdsgraph.errors import InputError
from hdsgraph.pipeline.read import COLUMNS, OPTIONAL_COLUMNS, SNAPSHOT_ID, UNDATED, RawSnapshot
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
QUARANTINE_COLUMNS = ["source", "row", "reason", *COLUMNS]


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
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise RowError(f"unparseable {what} date {text!r}: expected YYYY-MM-DD")


def parse_siren(cell: str) -> str | None:
    text = re.sub(r"[\s.\u00a0\u202f]", "", cell)
    if not text:
        return None
    if not re.fullmatch(r"\d{9}", text):
        raise RowError(f"malformed SIREN {cell.strip()!r}: expected 9 digits")
    return text


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


def parse_certificate_types(cell: str, activities: tuple[int, ...]) -> tuple[str, ...] | None:
    """The certificate types the registry states (codes separated by ';' or ','), checked
    against the activities: each activity allowed by one of them, each covering one."""
    codes = sorted({code.strip() for code in re.split(r"[;,]", cell) if code.strip()})
    if not codes:
        return None
    types = {t.code: t for t in vocabulary().certificate_types}
    for code in codes:
        if code not in types:
            raise RowError(f"unknown certificate type {code!r}: expected {' or '.join(sorted(types))}")
    allowed = set().union(*(types[code].activities for code in codes))
    outside = [a for a in activities if a not in allowed]
    if outside:
        raise RowError(f"activity {outside[0]} is not allowed by the stated certificate type {', '.join(codes)}")
    for code in codes:
        if not types[code].activities & set(activities):
            raise RowError(f"certificate type {code} is stated but none of its activities is listed")
    return tuple(codes)


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


def _parse_row(row: dict[str, str], snapshot_default: str | None) -> dict[str, Any]:
    if "__extra__" in row:
        raise RowError(row["__extra__"])
    host = _clean_name(row.get("host", ""))
    if not host:
        raise RowError("no host name")
    key = name_key(host)
    if not key:
        raise RowError(f"host name {host!r} has no letter or digit")
    parsed: dict[str, Any] = {
        "host": host,
        "name_key": key,
        "siren": parse_siren(row.get("siren", "")),
        "activities": parse_activities(row.get("activities", "")),
        "certification_body": _clean_name(row.get("certification_body", "")) or None,
        "issued": parse_date(row.get("issued", ""), "issue"),
        "expires": parse_date(row.get("expires", ""), "expiry"),
        "positioning": parse_positioning(row.get("positioning", "")),
        "nationality": parse_nationality(row.get("nationality", "")),
        "synthetic": parse_flag(row.get("synthetic", "")),
        "snapshot": parse_snapshot(row.get("snapshot", ""), snapshot_default),
        "certificate_number": parse_certificate_number(row.get("certificate_number", "")),
        "referential": parse_referential(row.get("referential", "")),
    }
    parsed["certificate_type"] = parse_certificate_types(row.get("certificate_type", ""), parsed["activities"])
    if parsed["issued"] and parsed["expires"] and parsed["expires"] <= parsed["issued"]:
        raise RowError(f"expiry {parsed['expires']} is not after issue {parsed['issued']}")
    return parsed


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
            return f"certificate {values['certificate_number']} is listed in row {first['row']} with another {what}"
    return None


def normalise(snapshots: list[RawSnapshot]) -> Registry:
    """Parse every row of every snapshot; split rows into certificates; quarantine the rest."""
    vocab = vocabulary()
    quarantined: list[dict] = []
    parsed: list[dict] = []
    rows_read: dict[str, int] = {}
    warnings: list[str] = []

    def quarantine(snap: RawSnapshot, number: int, row: dict[str, str], reason: str, snapshot_id=None):
        record = {"source": snap.source, "row": number, "reason": reason, **{c: row.get(c, "") for c in COLUMNS}}
        record["snapshot"] = record["snapshot"] or snapshot_id or snap.snapshot or ""
        quarantined.append(record)

    several = len(snapshots) > 1
    for snap in snapshots:
        rows_read[snap.source] = len(snap.rows)
        if snap.ignored_columns:
            warnings.append(f"{snap.source}: ignored unknown column(s) {', '.join(snap.ignored_columns)}")
        for number, row in snap.rows:
            try:
                values = _parse_row(row, snap.snapshot)
            except RowError as exc:
                quarantine(snap, number, row, str(exc))
                continue
            if values["snapshot"] is None:
                if several:
                    raise InputError(
                        f"{snap.source}: cannot tell which date this registry is from; name the file "
                        "YYYY-MM.csv or YYYY-MM-DD.csv, or add a 'snapshot' column"
                    )
                values["snapshot"] = UNDATED
            values.update(source=snap.source, row=number, raw=row)
            parsed.append(values)

    _host_keys(parsed)

    # The same certificate listed twice in one snapshot is a duplicate, not two certificates.
    seen: dict[tuple, int] = {}
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
        if identity in seen:
            snap = next(s for s in snapshots if s.source == values["source"])
            quarantine(snap, values["row"], values["raw"], f"duplicate of row {seen[identity]}", values["snapshot"])
            continue
        conflict = _number_conflict(values, numbered)
        if conflict:
            snap = next(s for s in snapshots if s.source == values["source"])
            quarantine(snap, values["row"], values["raw"], conflict, values["snapshot"])
            continue
        seen[identity] = values["row"]
        kept.append(values)

    certificates = []
    for values in kept:
        stated = values["certificate_type"]
        for ctype in vocab.certificate_types:
            if stated and ctype.code not in stated:
                continue
            covered = tuple(a for a in values["activities"] if a in ctype.activities)
            if covered:
                certificates.append(
                    {c: values.get(c) for c in CERTIFICATE_COLUMNS}
                    | {"certificate_type": ctype.code, "activities": covered}
                )
    table = pd.DataFrame(certificates, columns=CERTIFICATE_COLUMNS, dtype=object)
    quarantine_table = pd.DataFrame(quarantined, columns=QUARANTINE_COLUMNS, dtype=object).sort_values(
        ["source", "row"], kind="stable", ignore_index=True
    )
    return Registry(table, quarantine_table, rows_read, snapshots, warnings)


def most_common(values) -> str | None:
    """The most frequent non-empty value; ties go to the smallest, so that the choice does
    not depend on row order."""
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)
