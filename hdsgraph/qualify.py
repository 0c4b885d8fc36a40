"""Qualify: certificate table -> host table, with positioning, nationality and identifiers.

The registry names hosts but says nothing of who they are. A qualification table, kept
by people, gives each host's main positioning and nationality (and, when known, its
Wikidata item). Values in the registry itself win; the qualification table fills the
gaps; hosts still missing either are reported as unqualified.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hdsgraph.errors import InputError
from hdsgraph.normalise import (
    Registry,
    RowError,
    most_common,
    name_key,
    parse_nationality,
    parse_positioning,
    parse_siren,
)

HOST_COLUMNS = ["host_key", "host", "siren", "positioning", "nationality", "synthetic", "wikidata"]
QUALIFICATION_COLUMNS = ("host", "siren", "positioning", "nationality", "wikidata")


@dataclass
class Qualification:
    by_siren: dict[str, dict] = field(default_factory=dict)
    by_name: dict[str, dict] = field(default_factory=dict)

    def lookup(self, siren: str | None, host: str) -> dict:
        if siren and siren in self.by_siren:
            return self.by_siren[siren]
        return self.by_name.get(name_key(host), {})


def read_qualification(path: Path | None) -> Qualification:
    """Read a qualification CSV keyed by ``siren`` or ``host``."""
    qualification = Qualification()
    if path is None:
        return qualification
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a qualification file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 CSV file") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None
    if not rows:
        raise InputError(f"{path}: the file is empty")
    header = [c.strip().lower() for c in rows[0]]
    if "host" not in header and "siren" not in header:
        raise InputError(f"{path}: a qualification table needs a 'host' or a 'siren' column (found: {', '.join(rows[0])})")
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        try:
            values = {
                "positioning": parse_positioning(row.get("positioning", "")),
                "nationality": parse_nationality(row.get("nationality", "")),
                "wikidata": _parse_wikidata(row.get("wikidata", "")),
            }
            siren = parse_siren(row.get("siren", ""))
        except RowError as exc:
            raise InputError(f"{path}, row {number}: {exc}") from None
        host = row.get("host", "").strip()
        if siren:
            qualification.by_siren[siren] = values
        if host:
            qualification.by_name[name_key(host)] = values
        if not siren and not host:
            raise InputError(f"{path}, row {number}: neither a host name nor a SIREN")
    return qualification


def _parse_wikidata(cell: str) -> str | None:
    text = cell.strip()
    if not text:
        return None
    match = re.fullmatch(r"(?:https?://www\.wikidata\.org/(?:wiki|entity)/)?(Q[1-9]\d*)", text)
    if not match:
        raise RowError(f"malformed Wikidata identifier {text!r}: expected Q followed by digits")
    return match.group(1)


@dataclass
class Hosts:
    table: pd.DataFrame  # one row per host, HOST_COLUMNS
    unqualified: pd.DataFrame  # host_key, host, missing
    warnings: list[str]


def qualify(registry: Registry, qualification: Qualification) -> Hosts:
    """One row per host: its name, SIREN and qualification."""
    warnings: list[str] = []
    hosts = []
    certificates = registry.certificates
    # One vote per registry row (a row spanning both certificate types counts once); the
    # name is the one the host's latest snapshot spells most often, as names change.
    rows = certificates.drop_duplicates(["source", "row"])
    for host_key, group in rows.groupby("host_key", sort=True):
        latest = group[group["snapshot"] == group["snapshot"].max()]
        name = most_common(latest["host"])
        record = {"host_key": host_key, "host": name, "siren": most_common(group["siren"])}
        qualified = qualification.lookup(record["siren"], name)
        for column in ("positioning", "nationality"):
            listed = {v for v in group[column] if v}
            if len(listed) > 1:
                warnings.append(f"{name}: rows disagree on {column} ({', '.join(sorted(listed))}); kept the most frequent")
            record[column] = most_common(group[column]) or qualified.get(column)
        record["synthetic"] = bool(group["synthetic"].any())
        record["wikidata"] = qualified.get("wikidata")
        hosts.append(record)
    table = pd.DataFrame(hosts, columns=HOST_COLUMNS, dtype=object)
    missing = []
    for record in hosts:
        gaps = [c for c in ("positioning", "nationality") if not record[c]]
        if gaps:
            missing.append({"host_key": record["host_key"], "host": record["host"], "missing": " and ".join(gaps)})
    unqualified = pd.DataFrame(missing, columns=["host_key", "host", "missing"], dtype=object)
    return Hosts(table, unqualified, warnings)
