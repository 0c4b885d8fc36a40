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
from hdsgraph.files import read_input
from hdsgraph.pipeline.normalise import (
    Registry,
    RowError,
    name_key,
    parse_nationality,
    parse_positioning,
    parse_siren,
)

HOST_COLUMNS = ["host_key", "host", "siren", "positioning", "nationality", "synthetic", "wikidata"]


@dataclass
class Qualification:
    by_siren: dict[str, dict] = field(default_factory=dict)
    by_name: dict[str, dict] = field(default_factory=dict)

    def lookup_key(self, siren: str | None, key: str) -> dict:
        if siren and siren in self.by_siren:
            return self.by_siren[siren]
        return self.by_name.get(key, {})


def read_qualification(path: Path | None) -> Qualification:
    """Read a qualification CSV keyed by ``siren`` or ``host``."""
    qualification = Qualification()
    if path is None:
        return qualification
    try:
        text = read_input(path, "a qualification file").decode("utf-8-sig")
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
        raise InputError(
            f"{path}: a qualification table needs a 'host' or a 'siren' column (found: {', '.join(rows[0])})"
        )
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


def _most_common(rows: pd.DataFrame, column: str) -> pd.Series:
    """Per host, the most frequent non-empty value of ``column``; ties go to the smallest
    value, so that the choice does not depend on row order (as ``most_common`` does)."""
    counts = rows.dropna(subset=[column]).groupby(["host_key", column]).size().rename("n").reset_index()
    counts = counts.sort_values(["host_key", "n", column], ascending=[True, False, True], kind="stable")
    return counts.drop_duplicates("host_key").set_index("host_key")[column]


def qualify(registry: Registry, qualification: Qualification) -> Hosts:
    """One row per host: its name, SIREN and qualification."""
    # One vote per registry row (a row spanning both certificate types counts once).
    rows = registry.certificates.drop_duplicates(["source", "row"])
    # The name is the one the host's latest snapshot spells most often, as names change.
    # (Snapshot ids sort as dates; integer codes keep that order and group fast.)
    order = pd.Series(pd.factorize(rows["snapshot"], sort=True)[0], index=rows.index)
    latest = order == order.groupby(rows["host_key"]).transform("max")
    table = pd.DataFrame(index=pd.Index(sorted(rows["host_key"].unique()), name="host_key"))
    table["host"] = _most_common(rows[latest], "host")
    table["siren"] = _most_common(rows, "siren")
    names = rows[latest].drop_duplicates(["host_key", "host"]).set_index(["host_key", "host"])["name_key"]
    keys = [names[(k, h)] for k, h in zip(table.index, table["host"], strict=False)]
    looked_up = [
        qualification.lookup_key(siren if isinstance(siren, str) else None, key)
        for siren, key in zip(table["siren"], keys, strict=True)
    ]

    warnings: list[str] = []
    for column in ("positioning", "nationality"):
        given = rows.dropna(subset=[column])
        distinct = given.groupby("host_key")[column].nunique()
        for host_key in distinct[distinct > 1].index:
            values = sorted(set(given.loc[given["host_key"] == host_key, column]))
            warnings.append(
                f"{table.at[host_key, 'host']}: rows disagree on {column} ({', '.join(values)}); kept the most frequent"
            )
        from_rows = _most_common(rows, column).reindex(table.index)
        table[column] = [v if isinstance(v, str) else q.get(column) for v, q in zip(from_rows, looked_up, strict=False)]
    synthetic = rows["synthetic"].astype(bool)
    table["synthetic"] = synthetic.groupby(rows["host_key"]).any().reindex(table.index)
    table["wikidata"] = [q.get("wikidata") for q in looked_up]
    table = table.reset_index()
    table = table.astype(object).where(table.notna(), None)[HOST_COLUMNS]
    gaps = pd.Series(_gaps(table), index=table.index, dtype=object)
    missing = gaps != ""
    unqualified = table.loc[missing, ["host_key", "host"]].assign(missing=gaps[missing]).reset_index(drop=True)
    return Hosts(table, unqualified, warnings)


def _gaps(table: pd.DataFrame) -> list[str]:
    return [
        " and ".join(name for name, value in (("positioning", p), ("nationality", n)) if not value)
        for p, n in zip(table["positioning"], table["nationality"], strict=False)
    ]
