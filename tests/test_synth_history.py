"""`hdsgraph synth --history`: a registry growing over monthly snapshots, deterministic by seed."""

from __future__ import annotations

import csv
import io

import pytest

from hdsgraph.cli import cli

HISTORY = ["synth", "--history", "24", "--first-hosts", "40", "--hosts", "120", "--snapshot", "2024-03"]


def _hosts(path) -> set[str]:
    return {row["host"] for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("history")
    result = CliRunner().invoke(cli, [*HISTORY, "--seed", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_one_file_a_month_ending_at_the_snapshot(history):
    months = [f"{2022 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(24)]
    assert months[0] == "2022-04" and months[-1] == "2024-03"
    assert sorted(p.stem for p in history.glob("*.csv")) == months


def test_the_hosts_grow_by_the_same_factor_from_the_first_to_the_last(history):
    files = sorted(history.glob("*.csv"))
    counts = [len(_hosts(p)) for p in files]
    expected = [round(40 * 3 ** (i / 23)) for i in range(24)]  # 40 * (120/40)^(i/23)
    assert counts == expected[:-1] + [120]
    for earlier, later in zip(files, files[1:], strict=False):  # month to month, about 1 % lapse
        old, new = _hosts(earlier), _hosts(later)
        assert len(old - new) <= max(1, round(0.01 * len(old)))


def test_the_same_seed_gives_the_same_bytes(runner, history, tmp_path):
    assert runner.invoke(cli, [*HISTORY, "--seed", "5", "--out", str(tmp_path / "again")]).exit_code == 0
    assert runner.invoke(cli, [*HISTORY, "--seed", "6", "--out", str(tmp_path / "other")]).exit_code == 0
    files = sorted(p.name for p in history.glob("*.csv"))
    assert all((history / f).read_bytes() == (tmp_path / "again" / f).read_bytes() for f in files)
    assert any((history / f).read_bytes() != (tmp_path / "other" / f).read_bytes() for f in files)


def test_the_history_builds_with_every_snapshot(history, tmp_path):
    from hdsgraph import build

    report = build([history], None, tmp_path / "dist")
    assert report.conforms and report.rows_quarantined == 0
    rows = report.answers["hosts-by-snapshot"]
    assert [r["snapshot"] for r in rows] == sorted(p.stem for p in history.glob("*.csv"))
    assert [r["hosts"] for r in rows] == [len(_hosts(p)) for p in sorted(history.glob("*.csv"))]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--history", "12", "--snapshot", "2024-01", "--snapshot", "2024-02"],
            "--history makes its own snapshots: give at most one --snapshot (the last), no --calibrate",
        ),
        (["--first-hosts", "10"], "--first-hosts needs --history"),
        (
            ["--history", "12", "--snapshot", "2024-01-15"],
            "a monthly history ends at a month YYYY-MM, not '2024-01-15'",
        ),
        (
            ["--history", "12", "--hosts", "10", "--first-hosts", "20"],
            "the first snapshot's hosts must be between 1 and the latest's (10)",
        ),
    ],
)
def test_history_errors_give_one_line_and_exit_2(runner, tmp_path, args, message):
    result = runner.invoke(cli, ["synth", *args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert not (tmp_path / "out").exists()
