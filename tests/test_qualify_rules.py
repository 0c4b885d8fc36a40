"""The positioning rules one by one, from the data file; and a property: whatever JSON the
services answer, ``qualify`` gives one row per host and no exception."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hdsgraph.qualification import services
from hdsgraph.qualification.client import Cache, Client
from hdsgraph.qualification.rules import Facts, Rule, match, positioning
from hdsgraph.qualification.run import qualify_registry
from hdsgraph.qualification.services import Endpoints, Source, Unit
from tests.helpers.standins import World, serve
from tests.qualify_world import HOSTS, write_registry

DATA = Path(__file__).resolve().parents[1] / "hdsgraph" / "qualification" / "data"


def table(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


RULES = [Rule(**row) for row in table("positioning-rules.csv")]
NEUTRAL = dict(nature_juridique="5710", activite_principale="00.00Z", finess=False, code_pays_etranger="")


def a_unit(**fields) -> Unit:
    values = {**NEUTRAL, **fields}
    return Unit(
        "812000007",
        "SOCIETE NEUTRE",
        ("SOCIETE NEUTRE",),
        values["nature_juridique"],
        values["activite_principale"],
        values["finess"],
        values["code_pays_etranger"],
        "",
        Source("company", "http://127.0.0.1/x", "2026-12-01T00:00:00Z"),
    )


def facts_for(rule: Rule) -> Facts:
    """Facts that this rule, and no other of its kind, reads as a match."""
    first = rule.match.split("|")[0].split()[0] if rule.match else ""
    if rule.field == "curated":
        entry = table("curated-groups.csv")[0]
        return Facts((entry["name"],), frozenset({1, 2, 3, 4, 5, 6}), a_unit())
    if rule.field == "nature_juridique":
        return Facts(("Société neutre",), frozenset({1, 2, 3, 4, 5, 6}), a_unit(nature_juridique=first))
    if rule.field == "activite_principale":
        code = first[:-1] + "1Z" if first.endswith("*") else first
        return Facts(("Société neutre",), frozenset({1, 2, 3, 4, 5, 6}), a_unit(activite_principale=code))
    if rule.field == "finess":
        return Facts(("Société neutre",), frozenset({1, 2, 3, 4, 5, 6}), a_unit(finess=True))
    if rule.field == "name":
        return Facts((f"Société {rule.match.split('|')[0]} neutre",), frozenset({1, 2, 3, 4, 5, 6}), a_unit())
    if rule.field == "activities":
        return Facts(("Société neutre",), frozenset(int(a) for a in rule.match.split()), a_unit())
    if rule.field == "parent":
        return Facts(("Société neutre",), frozenset({1, 2, 3, 4, 5, 6}), a_unit(), ("insurer", "parent X is insurer"))
    raise AssertionError(f"a rule on an unknown field: {rule.field}")


@pytest.mark.parametrize("rule", RULES, ids=[r.rule_id for r in RULES])
def test_each_rule(rule):
    facts = facts_for(rule)
    found = match(rule, facts)
    assert found is not None
    candidates = [p.strip() for p in rule.positioning.split("|") if p.strip()]
    verdict = positioning(facts)
    if rule.field == "curated":
        assert found.positioning == table("curated-groups.csv")[0]["positioning"]
    elif rule.field == "parent":
        assert found.positioning == "insurer"
    else:
        assert found.positioning == (candidates[0] if len(candidates) == 1 else "")
    if found.positioning:
        assert (verdict.positioning, verdict.rule_id, verdict.strength) == (
            found.positioning,
            rule.rule_id,
            rule.strength,
        )
    else:
        assert verdict.positioning == ""
        assert any(e.startswith(f"{rule.rule_id}: ") for e in verdict.evidence)
        if len(candidates) > 1:
            assert f"{rule.rule_id}: one of {', '.join(candidates)}" in verdict.review
    # ... and it does not match a host without its signal.
    assert match(rule, Facts(("Société neutre",), frozenset({1, 2, 3, 4, 5, 6}), a_unit())) is None


def test_every_rule_has_an_id_a_strength_and_a_reason():
    ids = [r.rule_id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(r.strength in ("weak", "medium", "strong") and r.reason for r in RULES)
    assert all(p.strip() in _positionings() for r in RULES for p in r.positioning.split("|") if p.strip())


def _positionings() -> set[str]:
    from hdsgraph.pipeline.vocabulary import vocabulary

    return set(vocabulary().positionings)


def test_ovh_like_hosting_with_naf_2620_is_weak():
    facts = Facts(("Hébergeur neutre",), frozenset({1, 2, 3, 4, 5, 6}), a_unit(activite_principale="26.20Z"))
    verdict = positioning(facts)
    assert (verdict.rule_id, verdict.strength) == ("NAF-2620", "weak")


def test_a_holding_code_alone_says_nothing():
    verdict = positioning(Facts(("Holding neutre",), frozenset({3, 4}), a_unit(activite_principale="70.10Z")))
    assert verdict.positioning == "" and verdict.evidence == ["NAF-HOLD: activite_principale=70.10Z"]


# ------------------------------------------------------------------ property

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
shaped = st.fixed_dictionaries(  # answers shaped like the services', with any values inside
    {},
    optional={
        "results": st.lists(
            st.fixed_dictionaries(
                {"siren": st.sampled_from(["812000007", "", None, 12]) | st.text(max_size=9)},
                optional={k: json_values for k in ("nom_raison_sociale", "siege", "complements", "nature_juridique")},
            ),
            max_size=3,
        ),
        "data": json_values,
    },
)


@pytest.fixture(scope="module")
def chaos():
    with serve(World()) as running:
        yield running


@pytest.mark.slow  # about 20 s: each example reads the registry again
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    company=shaped | json_values, gleif=shaped | json_values, wikidata=json_values, status=st.sampled_from([200, 404])
)
def test_any_answer_gives_one_row_per_host(chaos, monkeypatch, company, gleif, wikidata, status):
    monkeypatch.setattr(services, "RATE_LIMITS", {"company": 1000.0, "gleif": 1000.0, "wikidata": 1000.0})
    bodies = {"company": company, "gleif": gleif, "wikidata": wikidata}
    chaos.answer = lambda handler: (status, {}, json.dumps(bodies[handler.path.strip("/").split("/")[0]]).encode())
    with tempfile.TemporaryDirectory() as folder:
        registry = write_registry(Path(folder))
        endpoints = Endpoints(chaos.url("company"), chaos.url("gleif"), chaos.url("wikidata"))
        client = Client(Cache(Path(folder) / "cache"), sleep=lambda s: None)
        result = qualify_registry(
            [registry], None, Path(folder) / "p.csv", Path(folder) / "cache", False, endpoints, None, client
        )
        assert sorted(r["host"] for r in result.rows) == sorted(h[0] for h in HOSTS)
