"""The cell parsers and the identity of hosts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hdsgraph.pipeline.normalise import (
    RowError,
    name_key,
    parse_activities,
    parse_date,
    parse_siren,
)


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("1", (1,)),
        ("1;2", (1, 2)),
        ("3, 4,5 ,6", (3, 4, 5, 6)),
        ("1-6", (1, 2, 3, 4, 5, 6)),
        ("1 – 3; 6", (1, 2, 3, 6)),
        ("6;1;1", (1, 6)),
    ],
)
def test_activities_as_the_canonical_table_writes_them(cell, expected):
    assert parse_activities(cell) == expected


@pytest.mark.parametrize(
    "cell, reason",
    [
        ("", "no activity"),
        ("7", "activity 7 is not one of the six HDS activities (1-6)"),
        ("0-2", "activity 0 is not one of the six HDS activities (1-6)"),
        ("un", "unreadable activities 'un': expected numbers 1-6 separated by ';' or ','"),
        ("4-2", "unreadable activity range '4-2'"),
        (";", "no activity"),
    ],
)
def test_bad_activities_give_a_reason(cell, reason):
    with pytest.raises(RowError) as caught:
        parse_activities(cell)
    assert str(caught.value) == reason


@given(st.text(max_size=20))
def test_the_activity_parser_returns_activities_or_a_reason_never_anything_else(cell):
    try:
        parsed = parse_activities(cell)
    except RowError:
        return
    assert parsed and all(1 <= a <= 6 for a in parsed) and list(parsed) == sorted(set(parsed))


@given(st.text(max_size=12))
def test_the_date_parser_returns_an_iso_date_or_a_reason(cell):
    try:
        parsed = parse_date(cell, "issue")
    except RowError as exc:
        assert str(exc).startswith("unparseable issue date")
        return
    assert parsed is None or (len(parsed) == 10 and parsed == cell.strip())


@pytest.mark.parametrize("cell", ["2021-02-29", "2021-13-01", "21-01-01", "2021-1-1"])
def test_impossible_or_non_iso_dates_are_refused(cell):
    with pytest.raises(RowError):
        parse_date(cell, "issue")


@pytest.mark.parametrize("cell, expected", [("900 000 019", "900000019"), ("", None), ("900.000.019", "900000019")])
def test_siren_spacing_is_ignored(cell, expected):
    assert parse_siren(cell) == expected


@pytest.mark.parametrize(
    "a, b",
    [
        ("Exemple SAS", "EXEMPLE"),
        ("Éditeur Santé", "editeur sante"),
        ("Exemple S.A.S.", "exemple"),
        ("Exemple  Cloud", "Exemple Cloud"),
        ("Exemple Inc.", "Exemple"),
        ("Exemple-Cloud SARL", "exemple cloud"),
    ],
)
def test_names_that_are_one_host(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a, b", [("Exemple Un", "Exemple Deux"), ("Alpha Santé", "Alpha")])
def test_names_that_are_two_hosts(a, b):
    assert name_key(a) != name_key(b)


def test_a_name_made_only_of_a_legal_form_keeps_it():
    assert name_key("SAS") == "sas"
