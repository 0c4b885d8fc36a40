"""The shapes and violation queries, case by case: each file in tests/shapes/ states the
violations it must produce (``# expect: <focus> <shape>``); valid.ttl must conform."""

from __future__ import annotations

from pathlib import Path

import pytest

from hdsgraph.cli import cli
from hdsgraph.pipeline.validate import validate_file

CASES = sorted((Path(__file__).parent / "shapes").glob("*.ttl"))


def expected(path: Path) -> set[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {tuple(line.split()[2:4]) for line in lines if line.startswith("# expect:")}


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_shapes_find_exactly_the_expected_violations(case):
    result = validate_file(case)
    assert {(v.focus, v.source) for v in result.violations} == expected(case)
    assert result.conforms == (not expected(case))


@pytest.mark.parametrize("case", [c for c in CASES if expected(c)], ids=[c.stem for c in CASES if expected(c)])
def test_validate_command_exits_1_and_names_the_node(runner, case):
    result = runner.invoke(cli, ["validate", str(case)])
    assert result.exit_code == 1
    for focus, _ in expected(case):
        assert focus in result.stdout
    assert result.stdout.startswith("Validation: ")


def test_validate_command_exits_0_on_a_valid_graph(runner):
    result = runner.invoke(cli, ["validate", str(Path(__file__).parent / "shapes" / "valid.ttl")])
    assert (result.exit_code, result.stdout) == (0, "Validation: the graph conforms to the shapes\n")


def test_the_report_is_a_shacl_report_naming_each_violation(runner, tmp_path):
    import rdflib
    from rdflib.namespace import SH

    case = Path(__file__).parent / "shapes" / "physical-covers-activity-5.ttl"
    result = runner.invoke(cli, ["validate", str(case), "--report", str(tmp_path / "report.ttl")])
    assert result.exit_code == 1
    report = rdflib.Graph().parse(tmp_path / "report.ttl")
    assert (None, SH.conforms, rdflib.Literal(False)) in report
    focus = set(report.objects(None, SH.focusNode))
    assert focus == {rdflib.URIRef("https://example.org/physical")}


def test_validate_refuses_a_file_that_is_not_rdf(runner, tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {bad}: not valid Turtle (")
    assert result.stderr.count("\n") == 1


def test_a_report_into_a_missing_folder_is_one_line_and_exit_2(runner, tmp_path):
    report = tmp_path / "no" / "such" / "report.ttl"
    result = runner.invoke(cli, ["validate", str(CASES[0]), "--report", str(report)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"Error: {report}: cannot write the report: the folder {report.parent} does not exist\n")
    assert not (tmp_path / "no").exists()


def test_a_report_that_cannot_be_written_is_one_line_and_exit_2(runner, tmp_path):
    report = tmp_path / "report.ttl"
    report.mkdir()  # a folder where the file should go
    result = runner.invoke(
        cli, ["validate", str(Path(__file__).parent / "shapes" / "valid.ttl"), "--report", str(report)]
    )
    assert result.exit_code == 2
    assert result.stderr == f"Error: {report}: cannot write the report (Is a directory)\n"


def test_an_ill_formed_date_is_a_violation_and_nothing_else_on_stderr(tmp_path):
    """rdflib logs a traceback when it converts "2021-13-45"^^xsd:date; validate reports the
    literal as a violation of the shapes and prints nothing else. A real process: pytest's
    log capture would hide the warning from a CliRunner's stderr."""
    import subprocess
    import sys

    valid = (Path(__file__).parent / "shapes" / "valid.ttl").read_text(encoding="utf-8")
    assert '"2024-01-01"^^xsd:date' in valid
    bad = tmp_path / "bad-date.ttl"
    bad.write_text(valid.replace('"2024-01-01"^^xsd:date', '"2021-13-45"^^xsd:date'), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "hdsgraph", "validate", str(bad)], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout == (
        "Validation: 1 violation\n"
        "  - https://example.org/physical (https://w3id.org/hdsgraph/ontology#expiryDate): "
        "a certificate has at most one expiry date, an xsd:date [value: 2021-13-45]\n"
    )


def test_an_ill_formed_date_logs_no_warning(caplog):
    import logging

    from hdsgraph.pipeline.validate import _shacl_violations

    nt = (
        b"<https://example.org/c> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<https://w3id.org/hdsgraph/ontology#Certificate> .\n"
        b"<https://example.org/c> <https://w3id.org/hdsgraph/ontology#expiryDate> "
        b'"2021-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    )
    with caplog.at_level(logging.WARNING):
        violations = _shacl_violations(nt)
    assert any(v.value == "2021-13-45" for v in violations)
    assert [r.getMessage() for r in caplog.records if "Literal" in r.getMessage()] == []
