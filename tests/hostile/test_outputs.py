"""What hdsgraph writes for people is safe to open and to print: CSV cells that a
spreadsheet would run as formulas are neutralised (the graph keeps the original), and
control characters never reach the terminal raw."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from hdsgraph.cli import cli
from hdsgraph.rdf.store import open_store, select
from hdsgraph.safety import canonical_cell, canonical_value, neutralised_cell

FORMULAS = ['=HYPERLINK("http://x")', "+33 1 00", "-2+3", "@SUM(A1)", "\tcmd1", "\rcmd2"]
SIGNS = FORMULAS[:4]  # the others start with white space, which reading a registry or an export strips
ESCAPES = "Hôte \x1b]0;pwned\x07\x1b[2J fictif \u202e"


def registry(rows: list[tuple[str, str]]) -> str:
    """A canonical registry: (host, activities) rows, one valid certificate each."""
    lines = ["host,activities,issued,expires,synthetic,snapshot"]
    for host, activities in rows:
        cell = '"' + host.replace('"', '""') + '"'
        lines.append(f"{cell},{activities},2021-01-01,2024-01-01,true,2022-04")
    return "\n".join(lines) + "\n"


def csv_cells(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    """A build of hosts named like formulas (and one with escapes), plus rows quarantined with formula cells."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("formulas")
    rows = [(name + " fictif", "1-6") for name in FORMULAS] + [(ESCAPES, "1-6"), ("=BAD() fictif", "=1+1")]
    (folder / "2022-04.csv").write_text(registry(rows), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        # one row in nine quarantined on purpose: above the guard's default share
        ["build", "--registry", str(folder / "2022-04.csv"), "--out", str(folder / "dist"), "--max-quarantine", "100%"],
    )
    assert result.exit_code == 0, result.output
    return folder / "dist", result


def test_neutralised_cells_follow_owasp():
    assert [neutralised_cell(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert [neutralised_cell(v) for v in ["-3", "+1.5e3", "Hôte", "", "'x", 7, None]] == [
        "-3",
        "+1.5e3",
        "Hôte",
        "",
        "'x",
        7,
        None,
    ]


@pytest.mark.parametrize("value", [*FORMULAS, "'quoted", "''", "'", "-3", "plain", ""])
def test_canonical_cells_read_back_to_the_same_value(value):
    assert canonical_value(canonical_cell(value)) == value
    assert not canonical_cell(value).startswith(("=", "+", "@", "\t", "\r")) or value == ""


def test_quarantine_and_unqualified_csv_are_neutralised_and_the_graph_keeps_the_originals(hostile_build):
    dist, _ = hostile_build
    quarantine = pd.read_csv(dist / "quarantine.csv", dtype=str, keep_default_na=False)
    assert len(quarantine) == 1
    cells = [c for row in csv_cells(dist / "quarantine.csv")[1:] for c in row]
    assert "'=BAD() fictif" in cells and "'=1+1" in cells
    unqualified = pd.read_csv(dist / "unqualified.csv", dtype=str, keep_default_na=False)
    names = set(unqualified["host"])
    assert {"'" + name + " fictif" for name in SIGNS} | {"cmd1 fictif", "cmd2 fictif"} <= names
    assert not any(
        c.startswith(("=", "+", "@", "\t", "\r")) for row in csv_cells(dist / "unqualified.csv") for c in row
    )
    query = "PREFIX rov: <http://www.w3.org/ns/regorg#> SELECT ?n WHERE { ?h rov:legalName ?n }"
    legal = {s["n"].value for s in select(open_store(dist), query)}
    assert {name + " fictif" for name in SIGNS} | {"cmd1 fictif", "cmd2 fictif", ESCAPES} == legal


def test_the_build_summary_prints_no_control_character(hostile_build):
    _, result = hostile_build
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert "Hôte \\x1b]0;pwned\\x07" in result.output and " fictif \\u202e: no positioning" in result.output


def test_an_error_line_prints_no_control_character(runner, tmp_path):
    result = runner.invoke(
        cli, ["build", "--registry", str(tmp_path / "\x1b[2Jmissing.csv"), "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path}/\\x1b[2Jmissing.csv: no such file\n"


def test_import_writes_a_neutralised_canonical_csv_that_builds_the_original_names(runner, tmp_path):
    export = tmp_path / "export.csv"
    rows = [(name + " fictif", "1-6") for name in SIGNS] + [("'Apostrophe fictif", "1-6"), ("=NOPE()", "=9")]
    export.write_text(registry(rows), encoding="utf-8")
    out = tmp_path / "2022-04.csv"
    result = runner.invoke(cli, ["import", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    canonical = csv_cells(out)
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for row in canonical for c in row)
    assert ["'" + name + " fictif" for name in SIGNS] + ["''Apostrophe fictif"] == [r[0] for r in canonical[1:]]
    quarantine = csv_cells(tmp_path / "2022-04.quarantine.csv")
    assert "'=NOPE()" in quarantine[1] and "'=9" in quarantine[1]
    built = runner.invoke(
        cli, ["build", "--registry", str(out), "--out", str(tmp_path / "dist"), "-q", "--max-quarantine", "100%"]
    )
    assert built.exit_code == 0, built.output
    query = "PREFIX rov: <http://www.w3.org/ns/regorg#> SELECT ?n WHERE { ?h rov:legalName ?n }"
    legal = {s["n"].value for s in select(open_store(tmp_path / "dist"), query)}
    assert legal == {name + " fictif" for name in SIGNS} | {"'Apostrophe fictif"}


def test_diff_csv_is_neutralised(runner, tmp_path):
    (tmp_path / "old.csv").write_text(registry([("Stable fictif", "1-6")]), encoding="utf-8")
    (tmp_path / "new.csv").write_text(registry([("Stable fictif", "1-6"), ("=EVIL() fictif", "1-2")]), encoding="utf-8")
    result = runner.invoke(cli, ["diff", str(tmp_path / "old.csv"), str(tmp_path / "new.csv"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert [r[1] for r in rows[1:]] == ["'=EVIL() fictif"]


def test_report_md_shows_html_from_the_data_as_text(runner, bundled, tmp_path):
    build = tmp_path / "build"
    import shutil

    shutil.copytree(bundled, build)
    nt = (build / "hds.nt").read_text(encoding="utf-8")
    label = '"Hosting and managed services"@en'
    assert label in nt
    (build / "hds.nt").write_text(nt.replace(label, '"<img src=x onerror=alert(1)> & co"@en'), encoding="utf-8")
    result = runner.invoke(cli, ["report", "--data", str(build), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; co" in markdown and "<img" not in markdown


def test_qualify_proposals_neutralise_formulas_and_the_build_reads_them_back(tmp_path):
    """The proposal table is reviewed in a spreadsheet and read back by ``build --proposals``:
    its formula-like cells carry the quote, and reading the table takes it off again."""
    from hdsgraph.pipeline.qualify import read_proposals
    from hdsgraph.qualification.proposals import COLUMNS, proposals_csv

    rows = [
        {
            "host_key": f"key-{i}",
            "host": formula,
            "positioning": "",
            "positioning_strength": "strong",
            "nationality": "FR",
            "nationality_strength": "strong",
            "nationality_evidence": formula,
            "review": "-3",  # a plain number stays as it is
        }
        for i, formula in enumerate(SIGNS)
    ]
    path = tmp_path / "proposals.csv"
    path.write_bytes(proposals_csv(rows))
    cells = csv_cells(path)
    assert cells[0] == COLUMNS
    column = {name: i for i, name in enumerate(COLUMNS)}
    assert [row[column["host"]] for row in cells[1:]] == ["'" + f for f in SIGNS]
    assert {row[column["review"]] for row in cells[1:]} == {"-3"}
    assert {row[column["siren"]] for row in cells[1:]} == {""}  # absent from the rows: empty
    proposals = read_proposals(path, "strong")
    assert [proposals.by_key[f"key-{i}"]["nationality_evidence"] for i in range(len(SIGNS))] == SIGNS


def test_the_change_feed_csv_neutralises_formulas():
    from hdsgraph.describe.changes import COLUMNS, changes_csv

    rows = [dict.fromkeys(COLUMNS, "") | {"host": formula, "change": "added"} for formula in SIGNS]
    cells = list(csv.reader(io.StringIO(changes_csv(rows).decode("utf-8"), newline="")))
    assert cells[0] == COLUMNS
    assert [row[COLUMNS.index("host")] for row in cells[1:]] == ["'" + f for f in SIGNS]
    assert {row[COLUMNS.index("change")] for row in cells[1:]} == {"added"}
