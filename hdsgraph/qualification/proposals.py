"""The proposal table: per host, its SIREN, positioning, nationality and parent, each with
its source, strength and evidence, and what a person should review first.

Sorted weakest first, it is the review queue. A value a person gave (the qualification
table) or the registry stated is copied with that source and never replaced by a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from hdsgraph.pipeline.normalise import name_key
from hdsgraph.qualification import rules as positioning_rules
from hdsgraph.qualification.client import Client
from hdsgraph.qualification.rules import Facts, data_lines, data_rows
from hdsgraph.qualification.services import (
    Endpoints,
    LegalEntity,
    Source,
    Unit,
    WikidataTop,
    gleif_by_siren,
    gleif_ultimate_parent,
    lookup_siren,
    search_name,
    wikidata_tops,
)
from hdsgraph.safety import neutralised_csv

COLUMNS = [
    "host_key",
    "host",
    "siren",
    "siren_source",
    "match_score",
    "matched_name",
    "candidates",
    "positioning",
    "positioning_source",
    "positioning_strength",
    "positioning_evidence",
    "nationality",
    "nationality_source",
    "nationality_strength",
    "nationality_evidence",
    "lei",
    "wikidata",
    "parent_name",
    "parent_siren",
    "parent_lei",
    "parent_wikidata",
    "review",
]
# Weakest first: the order of the review queue ("" is unknown).
RANKS = {"": 0, "weak": 1, "medium": 2, "strong": 3, "registry": 4, "reviewed": 5}

Progress = Callable[[int, int], None]  # (hosts done, hosts)


@dataclass(frozen=True)
class HostIn:
    """A host as the registry and the person's qualification table give it."""

    host_key: str
    host: str
    activities: frozenset[int]
    siren: str = ""  # given by the registry
    positioning: str = ""  # stated by the registry
    nationality: str = ""
    reviewed: dict = field(default_factory=dict)  # the qualification table's row: siren, positioning...


@dataclass(frozen=True)
class NationalityRule:
    rule_id: str
    strength: str
    reason: str


@cache
def nationality_rules() -> dict[str, NationalityRule]:
    return {row["rule_id"]: NationalityRule(**row) for row in data_rows("nationality-rules.csv")}


@cache
def insee_countries() -> dict[str, str]:
    return {row["insee"]: row["alpha2"] for row in data_rows("insee-countries.csv")}


@cache
def foreign_legal_categories() -> frozenset[str]:
    return frozenset(data_lines("foreign-legal-categories.txt"))


def _at(source: Source | None) -> str:
    return f" [{source.service} {source.retrieved}]" if source else ""


def score(name: str, unit: Unit) -> float:
    """How well a unit's names match a host's name: 1 when a normalised name is equal (legal
    forms aside), else the share of words in common."""
    key = name_key(name)
    best = 0.0
    for candidate in unit.names:
        other = name_key(candidate)
        if other == key:
            return 1.0
        a, b = set(key.split()), set(other.split())
        if a | b:
            best = max(best, len(a & b) / len(a | b))
    return round(best, 2)


@dataclass
class Identified:
    unit: Unit | None = None
    source: str = ""  # registry, reviewed, search
    score: str = ""
    matched: str = ""
    candidates: str = ""
    review: list[str] = field(default_factory=list)


def identify(client: Client, endpoints: Endpoints, host: HostIn) -> Identified:
    """Name -> SIREN with the company API, or the SIREN given, looked up directly."""
    given = [(host.siren, "registry"), (host.reviewed.get("siren") or "", "reviewed")]
    for siren, source in given:
        if siren:
            unit = lookup_siren(client, endpoints, siren)
            if unit is None:
                return Identified(review=[f"identify: SIREN {siren} ({source}) not found among active units"])
            return Identified(unit, source, "", unit.name)
    found = search_name(client, endpoints, host.host)
    scored = sorted(((score(host.host, u), u) for u in found), key=lambda su: (-su[0], su[1].siren))
    listed = "; ".join(f"{u.siren} {u.name} ({s:.2f})" for s, u in scored)
    exact = [u for s, u in scored if s == 1.0]
    if len(exact) == 1:
        others = "; ".join(f"{u.siren} {u.name} ({s:.2f})" for s, u in scored if u is not exact[0])
        return Identified(exact[0], "search", "1.00", exact[0].name, others)
    if exact:
        return Identified(candidates=listed, review=[f"identify: {len(exact)} units have this name"])
    if scored:
        return Identified(candidates=listed, review=["identify: no unit has exactly this name"])
    return Identified(review=["identify: no active unit found by this name"])


@dataclass
class Parent:
    name: str = ""
    siren: str = ""
    lei: str = ""
    wikidata: str = ""
    positioning: tuple[str, str] | None = None


def _parent(unit: Unit | None, entity: LegalEntity | None, top: LegalEntity | None, tops: list[WikidataTop]) -> Parent:
    if top is not None and top.lei != (entity.lei if entity else ""):
        wikidata = next((t.top for t in tops if t.lei == top.lei), "")
        return Parent(top.name, top.siren, top.lei, wikidata)
    above = [t for t in tops if t.top != t.item]
    if len(above) == 1:
        return Parent(above[0].label, above[0].siren, above[0].lei, above[0].top)
    return Parent()


def _nationality(
    unit: Unit | None, entity: LegalEntity | None, top: LegalEntity | None, tops: list[WikidataTop]
) -> tuple[str, str, str, list[str]]:
    """(country, rule id, evidence, review notes), following the chain in the data file's order."""
    review: list[str] = []
    for rule_id in nationality_rules():
        if rule_id == "GLEIF-PARENT" and top is not None and top.country:
            return (
                top.country,
                rule_id,
                f"ultimate parent {top.lei} {top.name}: legalAddress.country={top.country}{_at(top.source)}",
                review,
            )
        if rule_id == "WD-PARENT" and tops:
            countries = sorted({t.country for t in tops})
            if len(tops) > 1:
                names = ", ".join(f"{t.top} {t.label}".strip() for t in tops)
                return (
                    "",
                    "",
                    f"Wikidata tops of the parent chain: {names}",
                    ["nationality: two parents (a joint venture?)"],
                )
            t = tops[0]
            if t.country:
                what = "itself (no parent)" if t.top == t.item else f"{t.top} {t.label}".strip()
                return t.country, rule_id, f"top of P749 chain {what}: P17={t.country}{_at(t.source)}", review
            if countries == [""]:
                review.append("nationality: the Wikidata top has no country")
        if rule_id == "GLEIF-SELF" and entity is not None and entity.country:
            return (
                entity.country,
                rule_id,
                f"LEI {entity.lei}: legalAddress.country={entity.country}{_at(entity.source)}",
                review,
            )
        if rule_id == "SIRENE-ABROAD" and unit is not None:
            abroad = unit.code_pays_etranger or (unit.nature_juridique in foreign_legal_categories())
            if abroad:
                code = unit.code_pays_etranger
                country = insee_countries().get(code, "")
                named = f" ({unit.libelle_pays_etranger})" if unit.libelle_pays_etranger else ""
                evidence = f"nature_juridique={unit.nature_juridique}, siege.code_pays_etranger={code or '-'}{named}"
                evidence += _at(unit.source)
                if country:
                    return country, rule_id, evidence, review
                return (
                    "",
                    "",
                    evidence,
                    [*review, f"nationality: head office abroad, country code {code or 'not given'}"],
                )
        if rule_id == "FR-UNIT" and unit is not None:
            return "FR", rule_id, f"SIREN {unit.siren}, no parent found{_at(unit.source)}", review
    return "", "", "", review


def propose(
    hosts: list[HostIn],
    client: Client,
    endpoints: Endpoints,
    progress: Progress | None = None,
) -> list[dict[str, str]]:
    """One proposal row per host (COLUMNS), weakest first. Raises ServiceError when a
    service is down (nothing is returned then: the caller writes nothing)."""
    steps = len(hosts) + 3
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    identified: dict[str, Identified] = {}
    for host in hosts:
        identified[host.host_key] = identify(client, endpoints, host)
        tick()
    sirens = sorted({i.unit.siren for i in identified.values() if i.unit is not None})
    entities = gleif_by_siren(client, endpoints, sirens)
    tops_by_lei = {
        e.lei: gleif_ultimate_parent(client, endpoints, e.lei) for e in sorted(entities.values(), key=lambda e: e.lei)
    }
    tick()
    tops = wikidata_tops(client, endpoints, sirens)
    tick()
    parents: dict[str, Parent] = {}
    for siren in sirens:
        entity = entities.get(siren)
        top = tops_by_lei.get(entity.lei) if entity else None
        parent = _parent(None, entity, top, tops.get(siren, []))
        if parent.siren and parent.siren != siren:
            unit = lookup_siren(client, endpoints, parent.siren)
            if unit is not None:
                verdict = positioning_rules.positioning(Facts(unit.names, frozenset(), unit))
                if verdict.positioning and verdict.strength == "strong":
                    parent.positioning = (
                        verdict.positioning,
                        f"parent {parent.siren} {unit.name} is {verdict.positioning} ({verdict.rule_id}: "
                        f"{verdict.evidence[0].split(': ', 1)[-1] if verdict.evidence else ''}){_at(unit.source)}",
                    )
        parents[siren] = parent
    tick()
    rows = [_row(host, identified[host.host_key], entities, tops_by_lei, tops, parents) for host in hosts]
    return sorted(rows, key=_queue_order)


def _row(host, ident: Identified, entities, tops_by_lei, tops, parents) -> dict[str, str]:
    unit = ident.unit
    siren = unit.siren if unit else ""
    entity = entities.get(siren) if siren else None
    top = tops_by_lei.get(entity.lei) if entity else None
    wd_tops = tops.get(siren, []) if siren else []
    parent = parents.get(siren, Parent()) if siren else Parent()
    review = list(ident.review)
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        host_key=host.host_key,
        host=host.host,
        siren=siren,
        siren_source=ident.source,
        match_score=ident.score,
        matched_name=ident.matched,
        candidates=ident.candidates,
        lei=entity.lei if entity else "",
        wikidata=host.reviewed.get("wikidata") or next((t.item for t in wd_tops), ""),
        parent_name=parent.name,
        parent_siren=parent.siren,
        parent_lei=parent.lei,
        parent_wikidata=parent.wikidata,
    )
    # Positioning: the person, the registry, else the rules.
    given = host.reviewed.get("positioning") or ""
    if given or host.positioning:
        source = "reviewed" if given else "registry"
        row.update(positioning=given or host.positioning, positioning_source=source, positioning_strength=source)
    else:
        names = tuple(dict.fromkeys((host.host, *(unit.names if unit else ()))))
        verdict = positioning_rules.positioning(Facts(names, host.activities, unit, parent.positioning))
        row.update(
            positioning=verdict.positioning,
            positioning_source=verdict.rule_id,
            positioning_strength=verdict.strength,
            positioning_evidence=" | ".join(verdict.evidence) + (_at(unit.source) if unit and verdict.evidence else ""),
        )
        if not verdict.positioning:
            review.append(
                "positioning: no rule decides" + (f" ({'; '.join(verdict.review)})" if verdict.review else "")
            )
        else:
            review += [f"positioning: {note}" for note in verdict.review]
            if verdict.strength == "weak":
                review.append(f"positioning: weak ({verdict.rule_id})")
    # Nationality: the person, the registry, else the chain of parents.
    given = host.reviewed.get("nationality") or ""
    if given or host.nationality:
        source = "reviewed" if given else "registry"
        row.update(nationality=given or host.nationality, nationality_source=source, nationality_strength=source)
    else:
        country, rule_id, evidence, notes = _nationality(unit, entity, top, wd_tops)
        strength = nationality_rules()[rule_id].strength if rule_id else ""
        row.update(
            nationality=country,
            nationality_source=rule_id,
            nationality_strength=strength,
            nationality_evidence=evidence,
        )
        review += notes
        if not country and not notes:
            review.append("nationality: unknown")
        elif strength == "weak":
            review.append(f"nationality: weak ({rule_id})")
    row["review"] = " | ".join(review)
    return row


def _queue_order(row: dict[str, str]) -> tuple:
    ranks = sorted((RANKS[row["positioning_strength"]], RANKS[row["nationality_strength"]]))
    return (ranks[0], ranks[1], row["review"] == "", row["host_key"])


def proposals_csv(rows: list[dict[str, str]]) -> bytes:
    """The proposal table people review in a spreadsheet: formula-like cells shown as text
    (``read_proposals`` takes the quote off again)."""
    return neutralised_csv(pd.DataFrame(rows, columns=COLUMNS, dtype=object).fillna(""))
