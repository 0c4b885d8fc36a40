"""Qualify: certificate table -> host table, with positioning, nationality and identifiers.

The registry names hosts but says nothing of who they are. A qualification table, kept
by people, gives each host's main positioning and nationality (and, when known, its
Wikidata item). Values in the registry itself win; the qualification table fills the
gaps; hosts still missing either are reported as unqualified.

The qualification table is the human layer: its optional ``reviewed_by``, ``reviewed_on``
and ``note`` columns say who checked a row. A proposal table written by ``hdsgraph
qualify`` fills what is still missing, with the proposals at or above a minimum strength;
each value keeps its source (``reviewed``, ``registry`` or ``rule``), the rule's id, its
strength and its evidence.
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
from hdsgraph.safety import neutralised_value

HOST_COLUMNS = ["host_key", "host", "siren", "positioning", "nationality", "synthetic", "wikidata"]
# Where each value came from (see ``qualify``), and the links a proposal table brings.
SOURCE_COLUMNS = [
    f"{axis}_{part}" for axis in ("positioning", "nationality") for part in ("source", "rule", "strength", "evidence")
]
LINK_COLUMNS = [
    "lei",
    "matched_siren",
    "parent_name",
    "parent_lei",
    "parent_wikidata",
    "reviewed_by",
    "reviewed_on",
    "note",
]
STRENGTHS = ("weak", "medium", "strong")  # of the rules' proposals, weakest first


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
            values.update(_review(row))
        except RowError as exc:
            raise InputError(f"{path}, row {number}: {exc}") from None
        values["siren"] = siren
        host = row.get("host", "").strip()
        if siren:
            qualification.by_siren[siren] = values
        if host:
            qualification.by_name[name_key(host)] = values
        if not siren and not host:
            raise InputError(f"{path}, row {number}: neither a host name nor a SIREN")
    return qualification


def _review(row: dict[str, str]) -> dict[str, str | None]:
    """Who reviewed a row, when (an ISO date), and their note."""
    on = row.get("reviewed_on", "").strip()
    if on and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", on):
        raise RowError(f"unreadable reviewed_on {on!r}: expected YYYY-MM-DD")
    return {
        "reviewed_by": row.get("reviewed_by", "").strip() or None,
        "reviewed_on": on or None,
        "note": " ".join(row.get("note", "").split()) or None,
    }


@dataclass
class Proposals:
    """The rows of a proposal table (``hdsgraph qualify``) kept at or above a strength."""

    by_key: dict[str, dict] = field(default_factory=dict)
    min_strength: str = "medium"


def read_proposals(path: Path | None, min_strength: str = "medium") -> Proposals:
    """Read a proposal table; only rule proposals at or above ``min_strength`` are kept
    (its ``reviewed`` and ``registry`` rows are copies: the build reads those at their source)."""
    if min_strength not in STRENGTHS:
        raise InputError(f"unknown strength {min_strength!r}: expected one of {', '.join(STRENGTHS)}")
    proposals = Proposals(min_strength=min_strength)
    if path is None:
        return proposals
    try:
        text = read_input(path, "a proposal table").decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline=""), strict=True))
    except (UnicodeDecodeError, csv.Error):
        raise InputError(f"{path}: not a readable CSV file") from None
    # qualify wrote formula-like cells with a quote in front (safety.neutralised_csv).
    rows = [{k: neutralised_value(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
    needed = {"host_key", "positioning", "positioning_source", "positioning_strength", "nationality"}
    if not rows or not needed <= set(rows[0]):
        raise InputError(f"{path}: not a proposal table of hdsgraph qualify (it needs {', '.join(sorted(needed))})")
    floor = STRENGTHS.index(min_strength)
    for number, row in enumerate(rows, start=2):
        kept: dict[str, str | None] = {}
        for axis, parse in (("positioning", parse_positioning), ("nationality", parse_nationality)):
            strength = row.get(f"{axis}_strength", "")
            if strength not in STRENGTHS or STRENGTHS.index(strength) < floor:
                continue
            try:
                kept[axis] = parse(row.get(axis, ""))
            except RowError as exc:
                raise InputError(f"{path}, row {number}: {exc}") from None
            for part in ("strength", "evidence"):
                kept[f"{axis}_{part}"] = row.get(f"{axis}_{part}", "") or None
            kept[f"{axis}_rule"] = row.get(f"{axis}_source", "") or None
        try:
            kept["wikidata"] = _parse_wikidata(row.get("wikidata", ""))
            kept["parent_wikidata"] = _parse_wikidata(row.get("parent_wikidata", ""))
            kept["matched_siren"] = parse_siren(row.get("siren", "")) if row.get("siren_source") == "search" else None
        except RowError as exc:
            raise InputError(f"{path}, row {number}: {exc}") from None
        for name in ("lei", "parent_lei"):
            value = row.get(name, "").strip()
            if value and not re.fullmatch(r"[A-Z0-9]{18}[0-9]{2}", value):
                raise InputError(f"{path}, row {number}: malformed LEI {value!r}: expected 20 letters and digits")
            kept[name] = value or None
        kept["parent_name"] = " ".join(row.get("parent_name", "").split()) or None
        proposals.by_key[row["host_key"]] = kept
    return proposals


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


def qualify(registry: Registry, qualification: Qualification, proposals: Proposals | None = None) -> Hosts:
    """One row per host: its name, SIREN and qualification. Each positioning and
    nationality says where it came from: the registry (which wins), the qualification
    table (``reviewed``: a person), or a proposal (``rule``, with its id, strength and
    evidence)."""
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
        table[f"{column}_source"] = [
            "registry" if isinstance(v, str) else "reviewed" if q.get(column) else None
            for v, q in zip(from_rows, looked_up, strict=False)
        ]
    synthetic = rows["synthetic"].astype(bool)
    table["synthetic"] = synthetic.groupby(rows["host_key"]).any().reindex(table.index)
    table["wikidata"] = [q.get("wikidata") for q in looked_up]
    for name in ("reviewed_by", "reviewed_on", "note"):
        table[name] = [q.get(name) for q in looked_up]
    table = table.reset_index()
    table = table.astype(object).where(table.notna(), None)
    _apply_proposals(table, proposals or Proposals())
    table = table[HOST_COLUMNS + SOURCE_COLUMNS + LINK_COLUMNS]
    gaps = pd.Series(_gaps(table), index=table.index, dtype=object)
    missing = gaps != ""
    unqualified = table.loc[missing, ["host_key", "host"]].assign(missing=gaps[missing]).reset_index(drop=True)
    return Hosts(table, unqualified, warnings)


def _apply_proposals(table: pd.DataFrame, proposals: Proposals) -> None:
    """Fill what the registry and the person left empty from the proposals (in place)."""
    for column in SOURCE_COLUMNS + LINK_COLUMNS:
        if column not in table:
            table[column] = None
    for index, key in zip(table.index, table["host_key"], strict=True):
        proposal = proposals.by_key.get(key)
        if not proposal:
            continue
        for axis in ("positioning", "nationality"):
            if table.at[index, axis] is None and proposal.get(axis):
                table.at[index, axis] = proposal[axis]
                table.at[index, f"{axis}_source"] = "rule"
                for part in ("rule", "strength", "evidence"):
                    table.at[index, f"{axis}_{part}"] = proposal.get(f"{axis}_{part}")
        if table.at[index, "wikidata"] is None:
            table.at[index, "wikidata"] = proposal.get("wikidata")
        for name in LINK_COLUMNS[:5]:
            table.at[index, name] = proposal.get(name)


def source_counts(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per axis, how many hosts each source qualified: reviewed, registry, rule, unknown."""
    counts = {}
    for axis in ("positioning", "nationality"):
        sources = table[f"{axis}_source"].fillna("unknown")
        counts[axis] = {s: int((sources == s).sum()) for s in ("reviewed", "registry", "rule", "unknown")}
    return counts


def _gaps(table: pd.DataFrame) -> list[str]:
    return [
        " and ".join(name for name, value in (("positioning", p), ("nationality", n)) if not value)
        for p, n in zip(table["positioning"], table["nationality"], strict=False)
    ]
