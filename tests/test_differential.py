"""Every answer of a build equals the pandas oracle's, over many random registries.

The registries are generated with their ground truth (which host each row belongs to),
with the mess real registries have: names spelled differently (case, accents, legal
forms), SIRENs given on some rows only, activities written as lists or ranges, a host's
certificates split over rows, qualification in the registry or in a separate table or
nowhere, a certificate listed twice, and two snapshots in one file.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hdsgraph import Guard, build
from tests.helpers.oracle import Truth, figures, name_variants, qualification_sources, write_csv
from tests.helpers.siren import luhn_siren

pytestmark = pytest.mark.slow  # a hundred builds of random registries

POSITIONINGS = ["hosting_managed_services", "it_services_company", "health_software_publisher", "insurer", "other"]
NATIONALITIES = ["FR", "US", "DE", "GB", "LU"]
BODIES = ["Organisme Fictif A", "Organisme Fictif B", "Organisme Fictif C", ""]
SNAPSHOTS = ["2021-02", "2022-04"]
REFERENTIALS = ["", "1.1", "2.0"]


def _render_activities(draw, activities: frozenset[int]) -> str:
    numbers = sorted(activities)
    style = draw(st.sampled_from(["semicolon", "comma", "range"]))
    if style == "range" and numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 1:
        return f"{numbers[0]}-{numbers[-1]}"
    separator = ";" if style == "semicolon" else ", "
    return separator.join(map(str, numbers))


@st.composite
def registries(draw):
    host_count = draw(st.integers(1, 10))
    hosts, rows = [], []
    for index in range(host_count):
        base = f"Hôte fictif numéro {index + 1} Été"
        siren = luhn_siren(910000000 + index * 10) if draw(st.booleans()) else None
        positioning = draw(st.sampled_from([None, *POSITIONINGS]))
        nationality = draw(st.sampled_from([None, *NATIONALITIES]))
        placement = draw(st.sampled_from(["registry", "qualification", "qualification-by-name"]))
        hosts.append(
            {
                "host_id": index,
                "base": base,
                "siren": siren,
                "positioning": positioning,
                "nationality": nationality,
                "placement": placement,
            }
        )
        for _ in range(draw(st.integers(1, 3))):
            issued = draw(st.dates(dt.date(2018, 1, 1), dt.date(2022, 3, 1)))
            rows.append(
                {
                    "host_id": index,
                    "name": draw(st.sampled_from(name_variants(base))),
                    "siren_cell": siren if siren and draw(st.booleans()) else "",
                    "activities": frozenset(draw(st.sets(st.integers(1, 6), min_size=1))),
                    "body": draw(st.sampled_from(BODIES)),
                    "issued": issued.isoformat(),
                    "expires": draw(st.sampled_from(["", issued.replace(year=issued.year + 3).isoformat()]))
                    if not (issued.month == 2 and issued.day == 29)
                    else "",
                    "snapshot": draw(st.sampled_from(SNAPSHOTS)),
                }
            )
    # the latest snapshot lists at least one host
    rows[0]["snapshot"] = SNAPSHOTS[-1]
    # certificate numbers and referentials, as registries give them today: a number is one
    # certificate, split over two rows (one per range) or listed again in the other snapshot
    for number, row in enumerate(list(rows)):
        row["referential"] = draw(st.sampled_from(REFERENTIALS))
        row["number"] = f"FICTIF-{row['host_id']}-{number}" if draw(st.booleans()) else ""
        if row["number"] and row["activities"] & {1, 2} and row["activities"] - {1, 2} and draw(st.booleans()):
            rows.append(dict(row, activities=row["activities"] - {1, 2}))
            row["activities"] = row["activities"] & {1, 2}
        if row["number"] and draw(st.booleans()):
            other = SNAPSHOTS[1 - SNAPSHOTS.index(row["snapshot"])]
            rows.append(dict(row, snapshot=other, referential=draw(st.sampled_from(REFERENTIALS))))
    if draw(st.booleans()):  # a certificate listed twice
        rows.append(dict(rows[0], name=rows[0]["name"]))
    for row in rows:
        row["activities_cell"] = _render_activities(draw, row["activities"])
    return hosts, rows


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(registries())
def test_answers_equal_the_pandas_oracle(tmp_path_factory, generated):
    hosts, rows = generated
    folder = tmp_path_factory.mktemp("registry")
    by_id = {h["host_id"]: h for h in hosts}
    registry_rows = []
    for row in rows:
        host = by_id[row["host_id"]]
        in_registry = host["placement"] == "registry"
        registry_rows.append(
            [
                row["name"],
                row["siren_cell"],
                row["activities_cell"],
                row["body"],
                row["issued"],
                row["expires"],
                host["positioning"] or "" if in_registry else "",
                host["nationality"] or "" if in_registry else "",
                row["snapshot"],
                row["number"],
                row["referential"],
            ]
        )
    registry = write_csv(
        folder / "registry.csv",
        [
            "host",
            "siren",
            "activities",
            "certification_body",
            "issued",
            "expires",
            "positioning",
            "nationality",
            "snapshot",
            "certificate_number",
            "referential",
        ],
        registry_rows,
    )
    qualification = write_csv(
        folder / "qualification.csv",
        ["host", "siren", "positioning", "nationality"],
        [
            [
                h["base"],
                h["siren"] or "" if h["placement"] == "qualification" else "",
                h["positioning"] or "",
                h["nationality"] or "",
            ]
            for h in hosts
            if h["placement"] != "registry"
        ],
    )

    # random snapshots of a few rows, one of them maybe a duplicate: no guard (it has its own tests)
    report = build([registry], qualification, folder / "out", guard=Guard(max_quarantine=1.0, accept_shrink=True))

    truth = Truth(
        rows=pd.DataFrame([{**r, "name": r["name"]} for r in rows]),
        hosts=pd.DataFrame([{k: h[k] for k in ("host_id", "positioning", "nationality", "placement")} for h in hosts]),
    )
    expected = figures(truth) | qualification_sources(truth)
    assert report.validation.conforms, report.validation.summary()
    assert report.rows_read == report.registry.rows_kept + report.rows_quarantined == len(rows)
    assert set(report.answers) == set(expected)
    for name in expected:
        assert report.answers[name] == expected[name], name
