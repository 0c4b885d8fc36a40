"""`hdsgraph synth`: deterministic, valid registries of fictitious hosts, and the bundled seeds."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from hdsgraph import build
from hdsgraph.cli import cli
from tests.helpers.paths import REPO
from tests.helpers.siren import luhn_valid

SEEDS = REPO / "seeds"
SEED_COMMAND = [
    "synth",
    "--calibrate",
    "{seeds}/study-2022.yaml",
    "--seed",
    "2022",
    "--out",
    "{out}/registries",
    "--qualification",
    "{out}/qualification.csv",
]


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _three_years_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 3)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 3, day=28)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(runner, tmp_path):
    for name, seed in (("a.csv", "5"), ("b.csv", "5"), ("c.csv", "6")):
        result = runner.invoke(cli, ["synth", "--hosts", "300", "--seed", seed, "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_regenerating_the_bundled_seeds_gives_the_very_same_files(runner, tmp_path):
    args = [a.format(seeds=SEEDS, out=tmp_path) for a in SEED_COMMAND]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    for name in ("registries/2020-07.csv", "registries/2022-04.csv", "qualification.csv"):
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), name
    # the command is the one the seeds' README gives
    assert " ".join(["hdsgraph", *SEED_COMMAND]).format(seeds="seeds", out="seeds") in (SEEDS / "README.md").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    "hosts, seed, snapshots",
    [
        (1, 0, ["2022-04"]),
        (12, 1, ["2022-04"]),
        (150, 2, ["2021-06-30"]),
        (90, 3, ["2019-01", "2020-07", "2023-02"]),
    ],
)
def test_synthetic_registries_build_with_no_quarantined_row_and_no_violation(runner, tmp_path, hosts, seed, snapshots):
    out = tmp_path / ("registries" if len(snapshots) > 1 else "registry.csv")
    args = ["synth", "--hosts", str(hosts), "--seed", str(seed), "--out", str(out)]
    for snapshot in snapshots:
        args += ["--snapshot", snapshot]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = build([out], out=tmp_path / "dist")
    assert report.rows_quarantined == 0
    assert report.validation.conforms, report.validation.summary()
    assert len(report.hosts.unqualified) == 0
    files = sorted(out.iterdir()) if out.is_dir() else [out]
    assert [f.name for f in files] == ([f"{s}.csv" for s in snapshots] if out.is_dir() else ["registry.csv"])
    latest = _rows(files[-1])
    assert len({r["host"] for r in latest}) == hosts
    for path, snapshot in zip(files, snapshots, strict=True):
        day = dt.date.fromisoformat(snapshot if len(snapshot) == 10 else snapshot + "-01")
        sirens_by_host = {}
        for row in _rows(path):
            assert "fictif" in row["host"] or "fictive" in row["host"]
            assert row["synthetic"] == "true" and row["snapshot"] == snapshot
            issued, expires = dt.date.fromisoformat(row["issued"]), dt.date.fromisoformat(row["expires"])
            assert expires == _three_years_after(issued)
            assert issued < day <= expires  # listed on the snapshot day: in force then
            if row["siren"]:
                assert luhn_valid(row["siren"]), row["siren"]
            sirens_by_host.setdefault(row["host"], set()).add(row["siren"])
        assert all(len(s) == 1 for s in sirens_by_host.values())
        listed = [s.pop() for s in sirens_by_host.values() if s != {""}]
        assert len(listed) == len(set(listed))  # distinct hosts, distinct SIRENs
    # every host of the build is flagged synthetic in the graph
    assert report.hosts.table["synthetic"].all()


def test_later_snapshots_keep_most_hosts_of_earlier_ones(runner, tmp_path):
    result = runner.invoke(
        cli,
        [
            "synth",
            "--hosts",
            "400",
            "--seed",
            "9",
            "--snapshot",
            "2020-07",
            "--snapshot",
            "2022-04",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    old = {r["host"] for r in _rows(tmp_path / "2020-07.csv")}
    new = {r["host"] for r in _rows(tmp_path / "2022-04.csv")}
    assert len(new) == 400 and len(old) == 200
    assert 0.85 <= len(old & new) / len(old) < 1  # most stay, a few lapse


def test_qualification_apart_from_the_registry(runner, tmp_path):
    result = runner.invoke(
        cli, ["synth", "--hosts", "40", "--out", str(tmp_path / "r.csv"), "--qualification", str(tmp_path / "q.csv")]
    )
    assert result.exit_code == 0, result.output
    registry, qualification = _rows(tmp_path / "r.csv"), _rows(tmp_path / "q.csv")
    assert "positioning" not in registry[0] and "nationality" not in registry[0]
    assert list(qualification[0]) == ["host", "siren", "positioning", "nationality"]
    assert {r["host"] for r in qualification} == {r["host"] for r in registry}
    report = build([tmp_path / "r.csv"], tmp_path / "q.csv", tmp_path / "dist")
    assert len(report.hosts.unqualified) == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--hosts", "5", "--calibrate", "{seeds}/study-2022.yaml"],
            "--hosts and --calibrate cannot be used together: the figures fix the number of hosts",
        ),
        (["--hosts", "0"], "the number of hosts must be between 1 and 9 999 999"),
        (["--snapshot", "2022-13"], "snapshot '2022-13' is not a date YYYY-MM or YYYY-MM-DD"),
        (["--calibrate", "{tmp}/none.yaml"], "{tmp}/none.yaml: no such file"),
        (
            ["--calibrate", "{seeds}/study-2022.yaml", "--snapshot", "2019-01"],
            "the figures give nothing for snapshot 2019-01 (they have: 2020-07, 2022-04)",
        ),
        (
            ["--snapshot", "2020-07", "--snapshot", "2022-04"],
            "{tmp}/out.csv: several snapshots need a folder for --out, not a file",
        ),
        (
            ["--calibrate", "{tmp}/impossible.yaml"],
            "2022-04: activity counts [10, 10, 10, 10, 10, 10] cannot be met with 8 hosts on all six, 0 on one and 2 on two to five",
        ),
        (["--calibrate", "{tmp}/list.yaml"], "{tmp}/list.yaml: no 'snapshots' mapping of published figures"),
    ],
)
def test_synth_errors_give_one_line_and_exit_2(runner, tmp_path, args, message):
    (tmp_path / "impossible.yaml").write_text(
        "snapshots:\n  '2022-04':\n    hosts_total: 10\n    all_six_activities_share: 0.8\n"
        "    activity_coverage: {1: {hosts: 10}, 2: {hosts: 10}, 3: {hosts: 10}, 4: {hosts: 10}, 5: {hosts: 10}, 6: {hosts: 10}}\n"
    )
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    args = [a.format(seeds=SEEDS, tmp=tmp_path) for a in args]
    result = runner.invoke(cli, ["synth", *args, "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert result.stderr == "Error: " + message.format(tmp=tmp_path) + "\n"
    assert not (tmp_path / "out.csv").exists()
