"""`hdsgraph query`: bundled names and files, formats, snapshots, errors."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hdsgraph.cli import cli
from hdsgraph.pipeline.answers import study_queries


@pytest.fixture(scope="module")
def built(bundled):
    return bundled


@pytest.mark.parametrize("name", sorted(study_queries()))
def test_json_format_prints_what_answers_json_holds(runner, built, name):
    result = runner.invoke(cli, ["query", name, "--data", str(built), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads((built / "answers.json").read_text())[name]


@pytest.mark.parametrize("dump", ["hds.ttl", "hds.jsonld", "hds.nt"])
def test_every_dump_gives_the_same_answers(runner, built, dump):
    result = runner.invoke(cli, ["query", "activity-coverage", "--data", str(built / dump), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads((built / "answers.json").read_text())["activity-coverage"]


def test_csv_and_table_formats_hold_the_same_rows(runner, built):
    rows = json.loads((built / "answers.json").read_text())["hosts-by-positioning"]
    as_csv = runner.invoke(cli, ["query", "hosts-by-positioning", "--data", str(built), "--format", "csv"]).stdout
    parsed = list(csv.DictReader(io.StringIO(as_csv)))
    assert [(r["positioning"], int(r["hosts"]), float(r["share"])) for r in parsed] == [
        (r["positioning"], r["hosts"], r["share"]) for r in rows
    ]
    table = runner.invoke(cli, ["query", "hosts-by-positioning", "--data", str(built)]).stdout.splitlines()
    assert table[0].split() == ["positioning", "hosts", "share"]
    assert [line.split() for line in table[2:]] == [[r["positioning"], str(r["hosts"]), str(r["share"])] for r in rows]


def test_a_query_file_runs_too(runner, built, tmp_path):
    query = tmp_path / "names.rq"
    # a file of one's own, with --snapshot bound to ?requested: the hosts listed in the latest snapshot
    query.write_text(
        "PREFIX rov: <http://www.w3.org/ns/regorg#>\nPREFIX hds: <https://w3id.org/hdsgraph/ontology#>\n"
        "SELECT (COUNT(?n) AS ?names) WHERE { ?h rov:legalName ?n ; hds:listedIn ?requested }\n"
    )
    answers = json.loads((built / "answers.json").read_text())
    latest = answers["hosts-by-snapshot"][-1]["snapshot"]
    result = runner.invoke(cli, ["query", str(query), "--data", str(built), "--snapshot", latest, "--format", "json"])
    assert json.loads(result.stdout) == [{"names": answers["hosts-total"][0]["hosts"]}]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["no-such-query"],
            "unknown query 'no-such-query'; the bundled queries are: " + ", ".join(sorted(study_queries())),
        ),
        (["{tmp}/missing.rq"], "{tmp}/missing.rq: no such query file"),
        (
            ["hosts-total", "--data", "{tmp}/empty"],
            "{tmp}/empty: no build here (no hds.nt); run 'hdsgraph build' first",
        ),
        (["hosts-total", "--snapshot", "1999-01"], "no snapshot '1999-01' in this graph (snapshots: 2020-07, 2022-04)"),
        (["{tmp}/bad.rq"], "bad: not a valid SPARQL query ("),
        (["{tmp}/ask.rq"], "ask: only SELECT queries give a table"),
    ],
    ids=["unknown-name", "missing-file", "no-build", "unknown-snapshot", "bad-sparql", "not-select"],
)
def test_query_errors_give_one_line_and_exit_2(runner, built, tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.rq").write_text("SELECT WHERE {")
    (tmp_path / "ask.rq").write_text("ASK { ?s ?p ?o }")
    args = [a.format(tmp=tmp_path) for a in args]
    if "--data" not in args:
        args += ["--data", str(built)]
    result = runner.invoke(cli, ["query", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: " + message.format(tmp=tmp_path))
    assert result.stderr.count("\n") == 1


def test_list_names_each_query_with_its_question(runner):
    result = runner.invoke(cli, ["query", "--list"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == sorted(study_queries())
    assert all("?" in line for line in result.stdout.splitlines())
