"""Normalise parses each distinct row once (``RowParser``): for any rows, in any order,
with any snapshot cells, it gives what ``_parse_row`` gives on each row alone — the same
values, the same dropped values, the same reason for a row that cannot be used."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hdsgraph.pipeline.normalise import RowError, RowParser, _parse_row

# cells that parse, and cells that fail each parser (some rows fail twice: the first reason wins)
CELLS = {
    "host": ["Hébergeur fictif 1 SAS", "  Hébergeur   fictif 1 sas ", "", "***", "ESN fictive 2"],
    "siren": ["", "900000027", "900000028", "12345", "900 000 027"],
    "activities": ["1-6", "3;4", "", "7", "1-2", "un"],
    "certification_body": ["", "Organisme certificateur fictif B", "  LNE "],
    "issued": ["", "2024-02-09", "2024-13-01", "1800-01-01"],
    "expires": ["", "2027-02-09", "2024-01-01", "soon"],
    "positioning": ["", "hosting_managed_services", "nope"],
    "nationality": ["", "FR", "us", "XX"],
    "synthetic": ["true", "", "maybe"],
    "snapshot": ["", "2026-07", "2026-07-15", "July"],
    "certificate_number": ["", "LNE/HDS 2021-042", "---"],
    "referential": ["", "1.1", "2.0", "9"],
    "certificate_type": [
        "",
        "physical_infrastructure_host",
        "managed_services_host",
        "managed_services_host;physical_infrastructure_host",
        "other",
    ],
}

rows = st.lists(
    st.fixed_dictionaries({column: st.sampled_from(cells) for column, cells in CELLS.items()}),
    min_size=1,
    max_size=30,
)


def _outcome(parse, row, default):
    try:
        return parse(row, default)
    except RowError as exc:
        return ("refused", str(exc))


@settings(max_examples=200, deadline=None)
@given(rows, st.sampled_from([None, "2026-06"]), st.randoms(use_true_random=False))
def test_the_memo_gives_what_each_row_gives_alone(registry_rows, default, random):
    # each row again, with another snapshot cell: what a history repeats
    again = [row | {"snapshot": random.choice(CELLS["snapshot"])} for row in registry_rows]
    parser = RowParser()
    for row in registry_rows + again:
        assert _outcome(parser.parse, row, default) == _outcome(_parse_row, row, default)


def test_a_row_with_too_many_cells_is_refused_every_time():
    row = {"host": "Hébergeur fictif 1", "activities": "1-6", "__extra__": "the row has 12 cells but the header has 11"}
    parser = RowParser()
    for _ in range(2):
        assert _outcome(parser.parse, row, "2026-07") == ("refused", row["__extra__"])
