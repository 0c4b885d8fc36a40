"""`hdsgraph build`: its outputs, its exit codes and messages, determinism, atomicity."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
import rdflib
from rdflib.compare import isomorphic

from hdsgraph.cli import cli
from tests.helpers.oracle import write_csv
from tests.helpers.paths import REPO

HEADER = ["host", "siren", "activities", "certification_body", "issued", "expires", "positioning", "nationality"]
OUTPUTS = {
    "hds.ttl",
    "hds.jsonld",
    "hds.nt",
    "validation.ttl",
    "answers.json",
    "quarantine.csv",
    "unqualified.csv",
    "README.md",
    "catalog.ttl",
    "catalog.jsonld",
    "catalog-datagouv.ttl",
    "changes.atom",
    "changes.csv",
    "void.ttl",
    "build.json",
    "SHA256SUMS",
}


@pytest.fixture
def registry(tmp_path):
    return write_csv(
        tmp_path / "2022-04.csv",
        HEADER,
        [
            ["Hébergeur fictif Un SAS", "900000019", "1-6", "Organisme A", "2021-01-01", "2024-01-01", "insurer", "FR"],
            ["Hébergeur fictif Deux", "", "3;4", "Organisme B", "2021-02-01", "2024-02-01", "", "US"],
        ],
    )


def test_build_on_the_bundled_data_writes_every_output(runner, tmp_path):
    out = tmp_path / "dist"
    result = runner.invoke(cli, ["build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == OUTPUTS
    assert "Validation: the graph conforms to the shapes" in result.stdout
    # SHA256SUMS covers every other file, in sha256sum format
    sums = dict(reversed(line.split("  ")) for line in (out / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == OUTPUTS - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_the_bundled_dist_readme_is_the_one_the_build_writes(bundled):
    assert (REPO / "dist" / "README.md").read_bytes() == (bundled / "README.md").read_bytes()


def test_the_three_dumps_hold_the_same_graph(runner, tmp_path, registry):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(out)]).exit_code == 0
    nt = rdflib.Graph().parse(out / "hds.nt", format="nt")
    assert len(nt) > 0
    assert isomorphic(nt, rdflib.Graph().parse(out / "hds.ttl", format="turtle"))
    assert isomorphic(nt, rdflib.Graph().parse(out / "hds.jsonld", format="json-ld"))


def test_the_jsonld_reads_as_plain_json(runner, tmp_path, registry):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(out)]).exit_code == 0
    nodes = {n["id"]: n for n in json.loads((out / "hds.jsonld").read_text())["@graph"]}
    host = nodes["https://w3id.org/hdsgraph/host/900000019"]
    assert host["name"] == "Hébergeur fictif Un SAS"
    assert host["positioning"] == "pos:insurer"
    assert host["nationality"] == "country:FRA"
    certificates = [nodes[c] for c in host["certificates"]]
    assert sorted(a for c in certificates for a in c["activities"]) == [f"act:{n}" for n in range(1, 7)]
    assert {c["issued"] for c in certificates} == {"2021-01-01"}


def test_two_builds_in_separate_processes_are_byte_identical(tmp_path, registry):
    sums = []
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, "-m", "hdsgraph", "build", "--registry", str(registry), "--out", str(tmp_path / name)],
            check=True,
            capture_output=True,
        )
        sums.append((tmp_path / name / "SHA256SUMS").read_bytes())
    assert sums[0] == sums[1]


def test_quarantine_keeps_each_bad_row_and_value_with_its_reason(runner, tmp_path):
    bad = write_csv(
        tmp_path / "2022-04.csv",
        HEADER,
        [
            ["Hébergeur fictif Bon", "", "1;2", "", "", "", "", ""],
            ["", "", "1", "", "", "", "", ""],
            ["Hébergeur fictif Sept", "", "7", "", "", "", "", ""],
            ["Hébergeur fictif Date", "", "1", "", "12/03/2021", "", "", ""],
            ["Hébergeur fictif Siren", "12345678", "1", "", "", "", "", ""],
            ["Hébergeur fictif Avant", "", "1", "", "2022-01-01", "2021-01-01", "", ""],
            ["Hébergeur fictif Bon", "", "1-2", "", "", "", "", ""],
            ["Hébergeur fictif Luhn", "412345678", "3", "", "", "", "", ""],
        ],
    )
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", "--registry", str(bad), "--out", str(out), "--max-quarantine", "40%"])
    assert result.exit_code == 0, result.output
    assert (
        "2022-04.csv (snapshot 2022-04): rows read 8 / kept 5 / quarantined 3; values dropped from kept rows 4"
        in result.stdout
    )
    lines = (out / "quarantine.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "source,row,quarantined,reason,host,activities,siren,certification_body,issued,expires,positioning,"
        "nationality,synthetic,snapshot,certificate_number,referential,certificate_type,registry_file,as_read"
    )
    reasons = [line.split(",")[1:4] for line in lines[1:]]
    assert reasons == [
        ["3", "row", "no host name"],
        ["4", "row", "activity 7 is not one of the six HDS activities (1-6)"],
        ["5", "issued", "unparseable issue date '12/03/2021': expected YYYY-MM-DD"],
        ["6", "siren", "malformed SIREN '12345678': expected 9 digits; the host is identified by its name"],
        ["7", "expires", "expiry 2021-01-01 is not after issue 2022-01-01; the expiry date is dropped"],
        ["8", "row", "duplicate of row 2"],
        ["9", "siren", "SIREN 412345678 fails the Luhn check; the host is identified by its name"],
    ]
    # the hosts whose values were dropped are kept, and the graph conforms
    assert "Validation: the graph conforms to the shapes" in result.stdout
    answers = json.loads((out / "answers.json").read_text())
    assert answers["hosts-total"] == [{"hosts": 5}]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"host,siren\nA,900000019\n", "{path}: missing required column 'activities' (found: 'host', 'siren')"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "{path}: not a UTF-8 CSV file (byte 0 cannot be decoded); "
            "convert it to UTF-8, or use 'hdsgraph import' for other encodings",
        ),
        (b"", "{path}: the file is empty"),
        (b'host,activities\n"unclosed,1\n', "{path}: not a readable CSV file (line 2: unexpected end of data)"),
        (b"host,activities\n,1\n,9\n", "no usable row: all 2 rows were quarantined (row 2 of {name}: no host name)"),
        (b"host,activities,host\nA,1,B\n", "{path}: column 'host' appears more than once in the header"),
    ],
    ids=["missing-column", "binary", "empty", "unclosed-quote", "all-quarantined", "duplicate-column"],
)
def test_unusable_registry_gives_one_line_and_exit_2(runner, tmp_path, content, message):
    path = tmp_path / "registry.csv"
    path.write_bytes(content)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", "--registry", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr == "Error: " + message.format(path=path, name=path.name) + "\n"
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--registry", "{tmp}/nowhere.csv"], "{tmp}/nowhere.csv: no such file"),
        (["--qualification", "{tmp}/nowhere.csv"], "{tmp}/nowhere.csv: no such file"),
        (["--base-uri", "not a uri"], "base URI 'not a uri' is not an absolute http(s) IRI"),
        (["--base-uri", "https://example.org/data"], "base URI 'https://example.org/data' must end with '/' or '#'"),
    ],
    ids=["no-registry", "no-qualification", "bad-base", "base-without-slash"],
)
def test_bad_options_give_one_line_and_exit_2(runner, tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    result = runner.invoke(cli, ["build", "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    assert result.stderr == "Error: " + message.format(tmp=tmp_path) + "\n"


def test_bad_qualification_row_names_its_row(runner, tmp_path, registry):
    qualification = write_csv(tmp_path / "q.csv", ["host", "positioning"], [["A", "hosting"]])
    result = runner.invoke(
        cli,
        ["build", "--registry", str(registry), "--qualification", str(qualification), "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 2
    assert result.stderr == f"Error: {qualification}, row 2: unknown positioning code 'hosting'\n"


def test_a_failed_build_leaves_the_last_good_output_intact(runner, tmp_path, registry):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = tmp_path / "broken.csv"
    broken.write_text("host,siren\n", encoding="utf-8")
    assert runner.invoke(cli, ["build", "--registry", str(broken), "--out", str(out)]).exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


@pytest.fixture
def luhn_unchecked(monkeypatch):
    """The build's normalisation drops a SIREN that fails the Luhn check (with a record), so
    that the shapes never see one; these tests switch that off to reach the shapes, which
    check it too, and see a build they reject."""
    monkeypatch.setattr("hdsgraph.pipeline.normalise.luhn_valid", lambda digits: True)


def test_a_build_the_shapes_reject_exits_1_and_keeps_the_last_good_output(runner, tmp_path, registry, luhn_unchecked):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(out)]).exit_code == 0
    before = (out / "SHA256SUMS").read_bytes()
    # 900000018 fails the Luhn check: the row is readable, the graph is not valid
    bad = write_csv(tmp_path / "2022-05.csv", HEADER, [["Hébergeur fictif", "900000018", "5", "", "", "", "", ""]])
    result = runner.invoke(cli, ["build", "--registry", str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert "https://w3id.org/hdsgraph/host/900000018: SIREN 900000018 fails the Luhn check" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"Error: the graph breaks the shapes: 1 violation(s); report in {out}.rejected/validation.ttl; "
        f"{out} left as it was"
    )
    assert (out / "SHA256SUMS").read_bytes() == before
    assert "900000018" in (tmp_path / "out.rejected" / "validation.ttl").read_text()


def test_build_refuses_to_replace_a_folder_that_is_not_a_build(runner, tmp_path, registry):
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(precious)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {precious}: refusing to replace a folder that is not an hdsgraph build "
        "(it holds thesis.tex); choose another --out\n"
    )
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_unqualified_hosts_are_listed(runner, tmp_path):
    registry = write_csv(
        tmp_path / "2022-04.csv",
        HEADER,
        [
            ["Hébergeur fictif Connu", "", "1", "", "", "", "insurer", "FR"],
            ["Hébergeur fictif Inconnu", "", "1", "", "", "", "", ""],
        ],
    )
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert (
        "Unqualified hosts: 1 (counted as 'unknown' in the answers)\n"
        "  - Hébergeur fictif Inconnu: no positioning and nationality\n" in result.stdout
    )
    answers = json.loads((tmp_path / "out" / "answers.json").read_text())
    assert {r["positioning"]: r["hosts"] for r in answers["hosts-by-positioning"]} == {"insurer": 1, "unknown": 1}


def test_several_snapshots_answer_for_the_latest(runner, tmp_path):
    old = write_csv(tmp_path / "2020-07.csv", HEADER, [["Hébergeur fictif Ancien", "", "1", "", "", "", "", ""]])
    new = write_csv(
        tmp_path / "2022-04.csv",
        HEADER,
        [
            ["Hébergeur fictif Ancien", "", "1", "", "", "", "", ""],
            ["Hébergeur fictif Nouveau", "", "5", "", "", "", "", ""],
        ],
    )
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", "--registry", str(new), "--registry", str(old), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "answers.json").read_text())["hosts-total"] == [{"hosts": 2}]
    older = runner.invoke(
        cli, ["query", "hosts-total", "--data", str(out), "--snapshot", "2020-07", "--format", "json"]
    )
    assert json.loads(older.stdout) == [{"hosts": 1}]


def test_two_files_for_one_snapshot_are_refused(runner, tmp_path):
    a = write_csv(
        tmp_path / "a.csv", HEADER + ["snapshot"], [["Hébergeur fictif A", "", "1", "", "", "", "", "", "2022-04"]]
    )
    b = write_csv(
        tmp_path / "b.csv", HEADER + ["snapshot"], [["Hébergeur fictif B", "", "1", "", "", "", "", "", "2022-04"]]
    )
    result = runner.invoke(cli, ["build", "--registry", str(a), "--registry", str(b), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr == "Error: snapshot 2022-04 comes from more than one file: a.csv, b.csv\n"


def test_quiet_prints_nothing_and_still_builds(runner, tmp_path, registry):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(out), "--quiet"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert (out / "SHA256SUMS").is_file()


# The build's stages, in the order they run.
STAGES = ["read", "normalise", "qualify", "map", "store", "query", "serialise", "validate", "catalogue", "publish"]


def test_the_summary_gives_every_stage_its_time(runner, tmp_path, registry):
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(tmp_path / "out")])
    line = next(text for text in result.stdout.splitlines() if text.startswith("Stage times: "))
    stages = [part.split()[0] for part in line[len("Stage times: ") :].split(", ")]
    assert stages == STAGES


def test_stages_are_announced_in_order_to_a_progress_display(tmp_path, registry):
    from hdsgraph.pipeline.build import build

    seen = []
    report = build([registry], out=tmp_path / "out", on_stage=seen.append)
    assert seen == STAGES
    assert set(report.timings) == set(seen)


def test_timings_go_to_a_json_file(runner, tmp_path, registry):
    timings = tmp_path / "timings.json"
    result = runner.invoke(
        cli,
        ["build", "--registry", str(registry), "--out", str(tmp_path / "out"), "--timings", str(timings), "--quiet"],
    )
    assert (result.exit_code, result.stdout) == (0, "")
    written = json.loads(timings.read_text(encoding="utf-8"))
    assert list(written) == STAGES
    assert all(isinstance(seconds, float) and seconds >= 0 for seconds in written.values())


def test_timings_into_a_missing_folder_is_one_line_and_exit_2(runner, tmp_path, registry):
    timings = tmp_path / "nowhere" / "timings.json"
    result = runner.invoke(
        cli, ["build", "--registry", str(registry), "--out", str(tmp_path / "out"), "--timings", str(timings)]
    )
    assert result.exit_code == 2
    assert result.stderr == f"Error: {timings}: cannot write the timings (No such file or directory)\n"
    assert not (tmp_path / "out").exists()


def test_a_rejected_build_is_a_report_not_an_exception(tmp_path, luhn_unchecked):
    from hdsgraph.pipeline.build import SourceRows, build
    from hdsgraph.pipeline.guard import Guard

    bad = write_csv(
        tmp_path / "2022-05.csv",
        HEADER,
        [["Hébergeur fictif", "900000018", "5", "", "", "", "", ""], ["", "", "1", "", "", "", "", ""]],
    )
    out = tmp_path / "out"
    report = build([bad], out=out, guard=Guard(max_quarantine=0.5))
    assert not report.conforms
    assert report.rejected == tmp_path / "out.rejected" and report.written_to == report.rejected
    assert not out.exists() and (report.rejected / "validation.ttl").is_file()
    assert [v.focus for v in report.validation.violations] == ["https://w3id.org/hdsgraph/host/900000018"]
    assert report.sources == [SourceRows("2022-05.csv", ("2022-05",), read=2, kept=1, quarantined=1)]
    assert list(report.timings) == STAGES


def test_a_rejected_build_still_writes_its_timings(runner, tmp_path, luhn_unchecked):
    bad = write_csv(tmp_path / "2022-05.csv", HEADER, [["Hébergeur fictif", "900000018", "5", "", "", "", "", ""]])
    timings = tmp_path / "timings.json"
    result = runner.invoke(
        cli, ["build", "--registry", str(bad), "--out", str(tmp_path / "out"), "--timings", str(timings)]
    )
    assert result.exit_code == 1
    assert "2022-05.csv (snapshot 2022-05): rows read 1 / kept 1 / quarantined 0" in result.stderr
    assert list(json.loads(timings.read_text())) == STAGES


def test_making_the_graph_and_writing_the_build_are_two_steps_that_build_chains(tmp_path, registry):
    from hdsgraph.pipeline.build import build, make_graph, write_build

    build([registry], out=tmp_path / "a")
    graph = make_graph([registry], None)
    assert graph.triples == len(graph.nt.splitlines()) and len(graph.store) == graph.triples
    report = write_build(graph, tmp_path / "b")
    assert report.conforms and graph.nt is None
    assert (tmp_path / "a" / "SHA256SUMS").read_bytes() == (tmp_path / "b" / "SHA256SUMS").read_bytes()
