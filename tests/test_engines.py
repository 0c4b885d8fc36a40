"""Every query file in queries/ gives the same rows on every SPARQL engine available here.

The engines: rdflib and pyoxigraph in-process, Jena ARQ (Debian libapache-jena-java) and
Virtuoso 7.2 (Debian virtuoso-opensource, started by tests/helpers/virtuoso.py). The
queries are whatever files queries/ holds, so a query added later is covered too. The data
is a small registry of two snapshots written here with its ground truth, so that the rows
are checked twice: against the pandas oracle (tests/helpers/oracle.py, for the study's
questions it computes) and against hdsgraph's own local answers (for every file), for the
latest snapshot and for the older one named with ``--snapshot``. Numbers go through the
one reader of results (``hdsgraph.rdf.results.table``): integers as integers, decimals
rounded to 4 places half-even, whatever lexical form or precision the engine chose.
"""

from __future__ import annotations

import random

import pandas as pd
import pyoxigraph as ox
import pytest

from hdsgraph.pipeline.answers import bind_requested, run_select, snapshots, study_queries
from hdsgraph.pipeline.build import build
from hdsgraph.rdf.results import table
from hdsgraph.rdf.store import open_store
from tests.helpers import engines
from tests.helpers.oracle import Truth, figures, write_csv
from tests.helpers.siren import luhn_siren

SNAPSHOTS = ("2021-02", "2022-04")
POSITIONINGS = [None, "hosting_managed_services", "it_services_company", "health_software_publisher", "insurer"]
NATIONALITIES = [None, "FR", "FR", "US", "DE"]
BODIES = ["Organisme Fictif A", "Organisme Fictif B", ""]
ACTIVITY_SETS = [{1}, {2}, {3}, {5}, {1, 2}, {3, 4, 5, 6}, {1, 2, 3, 4, 5, 6}, {4, 6}, {1, 2, 3, 4, 5, 6}]
# Expiry dates: within 180 days of 2022-04-01 (twice), after both horizons, none; none within
# 180 days of 2021-02-01, so that the older snapshot has no certificate expiring (an empty
# answer, which rdflib once gave as one unbound row).
EXPIRES = ["2022-06-15", "2022-09-01", "2023-01-10", ""]
REFERENTIALS = ["", "1.1", "2.0"]
GRAPH = "urn:hdsgraph-test:engines"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A small registry of 18 hosts over two snapshots, with its ground truth -> (build, Truth)."""
    draw = random.Random(13)
    folder = tmp_path_factory.mktemp("engines")
    hosts, rows = [], []
    for index in range(18):
        hosts.append(
            {
                "host_id": index,
                "name": f"Hébergeur fictif n°{index + 1}",
                "siren": luhn_siren(920000000 + index * 10) if index % 3 else "",
                "positioning": draw.choice(POSITIONINGS),
                "nationality": draw.choice(NATIONALITIES),
            }
        )
        listed = [s for s in SNAPSHOTS if draw.random() < 0.75] or [SNAPSHOTS[-1]]
        for snapshot in listed:
            for certificate in range(draw.choice([1, 1, 2])):
                rows.append(
                    {
                        "host_id": index,
                        "name": hosts[-1]["name"],
                        "activities": frozenset(draw.choice(ACTIVITY_SETS)),
                        "body": draw.choice(BODIES),
                        "issued": f"20{19 + certificate}-0{1 + index % 9}-1{index % 10}",
                        "expires": draw.choice(EXPIRES),
                        "snapshot": snapshot,
                        # a number (the same in both snapshots, so a second description is a version)
                        "number": f"FICTIF-E-{index}-{certificate}" if draw.random() < 0.5 else "",
                        "referential": draw.choice(REFERENTIALS),
                    }
                )
    by_id = {h["host_id"]: h for h in hosts}
    csv = write_csv(
        folder / "registry.csv",
        [
            "host",
            "siren",
            "activities",
            "certification_body",
            "issued",
            "expires",
            "certificate_number",
            "referential",
            "positioning",
            "nationality",
            "snapshot",
        ],
        [
            [
                r["name"],
                by_id[r["host_id"]]["siren"],
                ";".join(map(str, sorted(r["activities"]))),
                r["body"],
                r["issued"],
                r["expires"],
                r["number"],
                r["referential"],
                by_id[r["host_id"]]["positioning"] or "",
                by_id[r["host_id"]]["nationality"] or "",
                r["snapshot"],
            ]
            for r in rows
        ],
    )
    report = build([csv], out=folder / "dist")
    assert report.validation.conforms and report.rows_quarantined == 0
    truth = Truth(
        rows=pd.DataFrame(rows),
        hosts=pd.DataFrame([{k: h[k] for k in ("host_id", "positioning", "nationality")} for h in hosts]),
    )
    return folder / "dist", truth


def queries(dist) -> dict[tuple[str, str | None], str]:
    """(query name, snapshot id or None for the latest) -> the text an engine gets."""
    known = snapshots(open_store(dist))
    assert list(known) == list(SNAPSHOTS)
    return {
        (name, snapshot): bind_requested(
            path.read_text(encoding="utf-8"), ox.NamedNode(known[snapshot]) if snapshot else None
        )
        for name, path in study_queries().items()
        for snapshot in (None, SNAPSHOTS[0])
    }


@pytest.fixture(scope="module")
def local(registry):
    """hdsgraph's own answers: query name, snapshot -> rows."""
    dist = registry[0]
    store = open_store(dist)
    return {
        (name, snapshot): run_select(store, path.read_text(encoding="utf-8"), snapshot, name).rows
        for name, path in study_queries().items()
        for snapshot in (None, SNAPSHOTS[0])
    }


def _rdflib(dist, texts, tmp):
    return {key: engines.rdflib_json(dist / "hds.nt", text) for key, text in texts.items()}


def _oxigraph(dist, texts, tmp):
    return {key: engines.oxigraph_json(dist / "hds.nt", text) for key, text in texts.items()}


def _jena(dist, texts, tmp):
    if not engines.jena_available():
        pytest.skip("Jena is not installed (Debian libapache-jena-java and a JDK; .ci/run installs them when it may)")
    keyed = {f"{name}@{snapshot}": text for (name, snapshot), text in texts.items()}
    answers = engines.jena_answers(engines.jena_classpath(tmp), dist / "hds.nt", keyed, tmp)
    return {key: answers[f"{key[0]}@{key[1]}"] for key in texts}


def _virtuoso(dist, texts, tmp, request):
    from tests.helpers.virtuoso import isql

    server = request.getfixturevalue("virtuoso_server")
    engines.virtuoso_load(server, isql, dist / "hds.nt", GRAPH, server.folder)
    try:
        return {key: engines.virtuoso_json(server, GRAPH, text) for key, text in texts.items()}
    finally:  # the server is shared: leave it as it was
        isql(server, f"SPARQL CLEAR GRAPH <{GRAPH}>;")


ENGINES = {
    "rdflib": _rdflib,
    "pyoxigraph": _oxigraph,
    "jena": _jena,
    "virtuoso": _virtuoso,
}


@pytest.fixture(scope="module", params=[
    pytest.param("rdflib", marks=pytest.mark.slow),  # about 10 s for its 22 queries, even on this small graph
    "pyoxigraph",
    pytest.param("jena", marks=pytest.mark.slow),
    pytest.param("virtuoso", marks=pytest.mark.slow),
])  # fmt: skip
def engine_rows(request, registry, tmp_path_factory):
    """One engine's answers to every query file, for both snapshots -> (engine, rows by key)."""
    dist = registry[0]
    tmp = tmp_path_factory.mktemp(request.param)
    run = ENGINES[request.param]
    args = (dist, queries(dist), tmp) + ((request,) if request.param == "virtuoso" else ())
    answers = run(*args)
    return request.param, {
        key: table(ox.parse_query_results(body, ox.QueryResultsFormat.JSON), key[0]).rows
        for key, body in answers.items()
    }


def test_every_query_file_gives_the_local_rows(engine_rows, local):
    engine, rows = engine_rows
    different = [
        f"{name} (snapshot {snapshot or 'latest'})"
        for (name, snapshot) in local
        if rows[name, snapshot] != local[name, snapshot]
    ]
    assert not different, f"{engine} differs on: {', '.join(different)}"


def test_the_study_questions_equal_the_pandas_oracle(engine_rows, registry):
    engine, rows = engine_rows
    expected = figures(registry[1])
    assert set(expected) <= set(study_queries())
    for name, oracle_rows in expected.items():
        assert rows[name, None] == oracle_rows, f"{engine}: {name}"


def test_the_older_snapshot_is_another_answer(local):
    # the --snapshot half of the comparison means something: the two snapshots differ
    assert local["hosts-by-positioning", SNAPSHOTS[0]] != local["hosts-by-positioning", None]


def test_the_certificate_questions_have_something_to_compare(local, registry):
    # numbers, referentials and expiry dates make rows on each engine, versions included
    for snapshot in (None, SNAPSHOTS[0]):
        assert len(local["hosts-by-referential", snapshot]) >= 2
    assert {r["certificate_number"] == "unknown" for r in local["certificates-expiring", None]} == {True, False}
    assert local["certificates-expiring", SNAPSHOTS[0]] == []
    graph = (registry[0] / "hds.nt").read_text(encoding="utf-8")
    assert "<http://purl.org/dc/terms/isVersionOf>" in graph
