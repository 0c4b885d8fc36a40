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
