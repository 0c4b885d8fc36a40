"""Positioning rules, read from ``data/positioning-rules.csv`` and the curated list
``data/curated-groups.csv``.

The rules are in order: the first that matches a host decides its proposed positioning
(and says how strongly); the others that match only add evidence, and a review note when
one of the same or a higher strength disagrees. Rules never beat a person: the reviewed
qualification table is applied before any rule (``proposals``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hdsgraph.pipeline.normalise import name_key
from hdsgraph.qualification.services import Unit

DATA = Path(__file__).resolve().parent / "data"
STRENGTHS = ("weak", "medium", "strong")  # weakest first; "reviewed" and "registry" beat them all
FIELDS = ("curated", "nature_juridique", "activite_principale", "finess", "name", "parent", "activities")


def data_rows(name: str) -> list[dict[str, str]]:
    """The rows of a CSV file of ``qualification/data`` (lines starting with # are comments)."""
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def data_lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Rule:
    rule_id: str
    field: str
    match: str
    positioning: str  # a code, "a | b" (candidates: decides nothing), or "" (says nothing)
    strength: str
    reason: str

    @property
    def candidates(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.positioning.split("|") if p.strip())


@cache
def rules() -> tuple[Rule, ...]:
    loaded = tuple(Rule(**row) for row in data_rows("positioning-rules.csv"))
    for rule in loaded:
        if rule.field not in FIELDS or rule.strength not in STRENGTHS:
            raise ValueError(f"positioning-rules.csv: rule {rule.rule_id} has an unknown field or strength")
    return loaded


@dataclass(frozen=True)
class Curated:
    name: str
    siren: str
    positioning: str
    source: str


@cache
def curated() -> tuple[Curated, ...]:
    return tuple(Curated(**row) for row in data_rows("curated-groups.csv"))


def curated_entry(names: tuple[str, ...], siren: str) -> Curated | None:
    keys = {name_key(n) for n in names if n}
    for entry in curated():
        if (entry.siren and entry.siren == siren) or name_key(entry.name) in keys:
            return entry
    return None


@dataclass(frozen=True)
class Facts:
    """What the rules read about one host."""

    names: tuple[str, ...]  # the registry's name, and the unit's names
    activities: frozenset[int]
    unit: Unit | None = None
    parent_positioning: tuple[str, str] | None = None  # (positioning, the parent rule's evidence)


@dataclass(frozen=True)
class Match:
    rule: Rule
    positioning: str  # "" when the rule decides nothing
    evidence: str  # the field and value read


def _code_matches(value: str, patterns: str) -> bool:
    for pattern in patterns.split():
        if pattern.endswith("*") and value.startswith(pattern[:-1]) or value == pattern:
            return True
    return False


def _name_matches(names: tuple[str, ...], phrases: str) -> str | None:
    for name in names:
        padded = f" {name_key(name)} "
        for phrase in phrases.split("|"):
            if f" {phrase.strip()} " in padded:
                return name
    return None


def match(rule: Rule, facts: Facts) -> Match | None:
    """The rule's verdict on a host, or None when it does not apply."""
    unit = facts.unit
    positioning = rule.candidates[0] if len(rule.candidates) == 1 else ""
    if rule.field == "curated":
        entry = curated_entry(facts.names, unit.siren if unit else "")
        return Match(rule, entry.positioning, f"curated list: {entry.name} ({entry.source})") if entry else None
    if rule.field == "parent":
        if facts.parent_positioning is None:
            return None
        return Match(rule, facts.parent_positioning[0], facts.parent_positioning[1])
    if rule.field == "name":
        found = _name_matches(facts.names, rule.match)
        return Match(rule, positioning, f"name={found}") if found else None
    if rule.field == "activities":
        allowed = {int(a) for a in rule.match.split()}
        if facts.activities and facts.activities <= allowed:
            return Match(rule, positioning, f"activities={','.join(map(str, sorted(facts.activities)))}")
        return None
    if unit is None:
        return None
    if rule.field == "finess":
        return Match(rule, positioning, "complements.est_finess=true") if unit.finess else None
    value = getattr(unit, rule.field)
    if value and _code_matches(value, rule.match):
        return Match(rule, positioning, f"{rule.field}={value}")
    return None


@dataclass(frozen=True)
class Verdict:
    positioning: str  # "" when no rule decides
    rule_id: str
    strength: str
    evidence: list[str]
    review: list[str]


def positioning(facts: Facts) -> Verdict:
    """Apply the rules in order: the first that decides gives the positioning."""
    decided: Match | None = None
    evidence: list[str] = []
    review: list[str] = []
    for rule in rules():
        found = match(rule, facts)
        if found is None:
            continue
        evidence.append(f"{rule.rule_id}: {found.evidence}")
        if decided is None and found.positioning:
            decided = found
        elif found.positioning and decided is not None and found.positioning != decided.positioning:
            if STRENGTHS.index(rule.strength) >= STRENGTHS.index(decided.rule.strength):
                review.append(f"{rule.rule_id} says {found.positioning}")
        elif not found.positioning and len(rule.candidates) > 1 and decided is None:
            review.append(f"{rule.rule_id}: one of {', '.join(rule.candidates)}")
    if decided is None:
        return Verdict("", "", "", evidence, review)
    return Verdict(decided.positioning, decided.rule.rule_id, decided.rule.strength, evidence, review)
