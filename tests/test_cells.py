"""The liberal cell readers: the ways people write activities and dates, and, whatever the
cell, a value or a reason, never an exception."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hdsgraph.acquire.cells import read_activities, read_date, read_mark, read_siren

FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


@pytest.mark.parametrize(
    "cell, activities",
    [
        ("1, 2, 3", (1, 2, 3)),
        ("1;2;3", (1, 2, 3)),
        ("1 à 6", (1, 2, 3, 4, 5, 6)),
        ("1-6", (1, 2, 3, 4, 5, 6)),
        ("3 – 5", (3, 4, 5)),
        ("Activités 1 à 4 et 6", (1, 2, 3, 4, 6)),
        ("toutes les activités", (1, 2, 3, 4, 5, 6)),
        ("Toutes les Activités", (1, 2, 3, 4, 5, 6)),
        ("Hébergeur infogéreur (3 à 6)", (3, 4, 5, 6)),
        ("Hébergeur infogéreur", (3, 4, 5, 6)),
        ("Hébergeur d'infrastructure physique", (1, 2)),
        ("infrastructure physique (1 et 2)", (1, 2)),
        ("1\n2\n5", (1, 2, 5)),
        ("n° 4", (4,)),
        ("Activité 3 – hébergement de la plateforme d'hébergement d'applications", (4,)),  # by meaning
        ("1 - sites physiques\n2 - infrastructure matérielle", (1, 2)),
    ],
)
def test_activities_as_people_write_them(cell, activities):
    assert read_activities(cell).value == activities
    assert read_activities(cell).problem is None


@pytest.mark.parametrize(
    "cell, problem",
    [
        ("", "no activity"),
        ("7", "activity 7 is not one of the six HDS activities (1-6)"),
        ("0-2", "activity 0 is not one of the six HDS activities (1-6)"),
        ("6-3", "unreadable activities '6-3': the range 6 to 3 goes backwards"),
        ("1 à", "unreadable activities '1 à': a range with no end"),
        ("voir annexe", "unreadable activities 'voir annexe': 'voir' is neither an activity number nor a known phrase"),
        (
            "Hébergeur infogéreur (1 à 2)",
            "activities 'Hébergeur infogéreur (1 à 2)' name a certificate type that does not cover activities 1, 2",
        ),
    ],
)
def test_unreadable_activities_say_why(cell, problem):
    reading = read_activities(cell)
    assert (reading.value, reading.problem) == (None, problem)


@pytest.mark.parametrize(
    "cell, iso",
    [
        ("2021-03-12", "2021-03-12"),
        ("12/03/2021", "2021-03-12"),
        ("12-03-2021", "2021-03-12"),
        ("12.03.2021", "2021-03-12"),
        ("12 mars 2021", "2021-03-12"),
        ("12 Mars 2021", "2021-03-12"),
        ("1er avril 2022", "2022-04-01"),
        ("1 déc. 2024", "2024-12-01"),
        ("3 février 2020", "2020-02-03"),
        ("March 12th, 2021", "2021-03-12"),
        ("Apr. 1, 2022", "2022-04-01"),
        ("2021-03-12 00:00:00", "2021-03-12"),
        ("44267", "2021-03-12"),  # Excel: 44197 is 2021-01-01, 70 days later
        ("44267.0", "2021-03-12"),
    ],
)
def test_dates_as_people_write_them(cell, iso):
    assert read_date(cell).value == iso


@pytest.mark.parametrize(
    "cell, problem",
    [
        ("31/02/2021", "no such date '31/02/2021'"),
        ("hier", "unreadable date 'hier': expected a day, a month and a year"),
        ("12 brumaire 2021", "unreadable date '12 brumaire 2021': expected a day, a month and a year"),
        ("123", "unreadable date '123': expected a day, a month and a year"),
        ("12 brumaire, 2021", "unreadable date '12 brumaire, 2021': expected a day, a month and a year"),
        ("Brumaire 12th, 2021", "unreadable date 'Brumaire 12th, 2021': expected a day, a month and a year"),
        ("March 12xx, 2021", "unreadable date 'March 12xx, 2021': expected a day, a month and a year"),
    ],
)
def test_unreadable_dates_say_why(cell, problem):
    reading = read_date(cell)
    assert (reading.value, reading.problem) == (None, problem)


def test_an_empty_date_is_no_value_and_no_problem():
    assert read_date("  ").value is None and read_date("  ").ok


@pytest.mark.parametrize(
    "cell, value",
    [("X", True), ("x", True), ("oui", True), ("✓", True), ("✔", True), ("", False), ("non", False), ("-", False)],
)
def test_marks(cell, value):
    assert read_mark(cell).value is value


@pytest.mark.parametrize(
    "cell, value",
    [("900 000 100", "900000100"), ("90000011800011", "900000118"), ("900.000.100", "900000100"), ("", None)],
)
def test_siren_or_siret(cell, value):
    assert read_siren(cell).value == value and read_siren(cell).ok


# ---------------------------------------------------------------- properties

any_cell = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.text(
    alphabet="0123456789 à-–,;/et\nActivitésinfogéreur()er.mars", max_size=40
)


def _check_valid_or_says_why(reading, valid):
    assert reading.problem is None or reading.value is None  # never a value and a problem at once
    if reading.problem is None and reading.value is not None:
        assert valid(reading.value)
    if reading.problem is not None:
        assert isinstance(reading.problem, str) and reading.problem and "\n" not in reading.problem


@settings(max_examples=400, deadline=None)
@given(any_cell)
def test_any_activity_cell_gives_activities_or_a_reason(cell):
    reading = read_activities(cell)
    assert reading.value is not None or reading.problem  # an activity cell always gives one or the other
    _check_valid_or_says_why(reading, lambda v: v and list(v) == sorted(set(v)) and set(v) <= set(range(1, 7)))


@settings(max_examples=400, deadline=None)
@given(any_cell)
def test_any_date_cell_gives_an_iso_date_nothing_or_a_reason(cell):
    _check_valid_or_says_why(read_date(cell), lambda v: date.fromisoformat(v).isoformat() == v)


@settings(max_examples=200, deadline=None)
@given(any_cell)
def test_any_mark_or_siren_cell_gives_a_value_or_a_reason(cell):
    _check_valid_or_says_why(read_mark(cell), lambda v: isinstance(v, bool))
    _check_valid_or_says_why(read_siren(cell), lambda v: len(v) == 9 and v.isdigit())


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(1, 6), min_size=1), st.sampled_from([", ", ";", "\n", " et ", " / "]))
def test_a_written_list_of_activities_reads_back(activities, separator):
    assert read_activities(separator.join(map(str, sorted(activities)))).value == tuple(sorted(activities))


@settings(max_examples=200, deadline=None)
@given(st.dates(date(1990, 1, 1), date(2099, 12, 31)), st.integers(0, 4))
def test_a_written_date_reads_back(day, style):
    written = [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}{'er' if day.day == 1 else ''} {FRENCH_MONTHS[day.month - 1]} {day.year}",
        f"{day.day} {FRENCH_MONTHS[day.month - 1].capitalize()} {day.year}",
        str((day - date(1899, 12, 30)).days),  # the Excel serial, by its definition
    ][style]
    assert read_date(written).value == day.isoformat()
