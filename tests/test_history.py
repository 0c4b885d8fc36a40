"""History across snapshots: `hdsgraph diff` and the answers that span snapshots equal a
pandas computation from ground truth, over random pairs of registries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hdsgraph import Guard, build
from hdsgraph.cli import cli
from tests.helpers.oracle import Truth, history, name_variants, write_csv
from tests.helpers.siren import luhn_siren

OLD, NEW = "2021-01", "2022-06"
HEADER = ["host", "siren", "activities", "issued", "snapshot"]


@st.composite
def registry_pairs(draw):
    hosts, rows = [], []
    for index in range(draw(st.integers(1, 8))):
        siren = luhn_siren(920000000 + index * 10) if draw(st.booleans()) else None
        hosts.append(
            {
                "host_id": index,
                "base": f"Hôte fictif numéro {index + 1} Été",
                "siren": siren,
                "nationality": draw(st.sampled_from([None, "FR", "US", "DE"])),
            }
        )
        for snapshot in (OLD, NEW):
            if not draw(st.booleans()):
                continue
            for number in range(draw(st.integers(1, 2))):
                rows.append(
                    {
                        "host_id": index,
                        "snapshot": snapshot,
                        "name": draw(st.sampled_from(name_variants(hosts[-1]["base"]))),
                        "siren_cell": siren if siren and draw(st.booleans()) else "",
                        "activities": frozenset(draw(st.sets(st.integers(1, 6), min_size=1))),
                        # distinct dates: two rows of a host are never the same certificate twice
                        "issued": (dt.date(2020, 1, 1) + dt.timedelta(days=index * 3 + number)).isoformat(),
                    }
                )
    for snapshot in (OLD, NEW):  # each registry lists someone
        if not rows:
            rows.append(
                {
                    "host_id": 0,
                    "snapshot": snapshot,
                    "name": hosts[0]["base"],
                    "siren_cell": "",
                    "activities": frozenset({1}),
                    "issued": "2020-01-01",
                }
            )
        if not any(r["snapshot"] == snapshot for r in rows):
            rows.append(dict(rows[0], snapshot=snapshot))
    return hosts, rows


def expected_diff(hosts: list[dict], rows: list[dict]) -> list[dict]:
    frame = pd.DataFrame(rows).assign(name=lambda f: f["name"].map(lambda s: " ".join(s.split())))
    sides = {}
    for snapshot in (OLD, NEW):
        part = frame[frame["snapshot"] == snapshot]
        sides[snapshot] = {
            host_id: (frozenset().union(*group["activities"]), group["name"].value_counts())
            for host_id, group in part.groupby("host_id")
        }
    carried = frame[frame["siren_cell"] != ""]["host_id"].unique()
    out = []
    for host in hosts:
        before, after = sides[OLD].get(host["host_id"]), sides[NEW].get(host["host_id"])
        if before is None and after is None or (before and after and before[0] == after[0]):
            continue
        counts = (after or before)[1]
        name = min(counts[counts == counts.max()].index)
        out.append(
            {
                "change": "appeared" if before is None else "disappeared" if after is None else "activities changed",
                "host": name,
                "siren": host["siren"] if host["host_id"] in carried else "",
                "old_activities": ";".join(map(str, sorted(before[0]))) if before else "",
                "new_activities": ";".join(map(str, sorted(after[0]))) if after else "",
            }
        )
    order = ["appeared", "disappeared", "activities changed"]
    return sorted(out, key=lambda r: (order.index(r["change"]), r["host"]))


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.slow  # forty builds of random pairs of registries
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(registry_pairs())
def test_diff_and_history_answers_equal_pandas(tmp_path_factory, pair):
    hosts, rows = pair
    folder = tmp_path_factory.mktemp("pair")
    files = {}
    for snapshot in (OLD, NEW):
        files[snapshot] = write_csv(
            folder / f"{snapshot}.csv",
            HEADER,
            [
                [r["name"], r["siren_cell"], ";".join(map(str, sorted(r["activities"]))), r["issued"], ""]
                for r in rows
                if r["snapshot"] == snapshot
            ],
        )
    qualification = write_csv(
        folder / "q.csv", ["host", "nationality"], [[h["base"], h["nationality"] or ""] for h in hosts]
    )
    expected = expected_diff(hosts, rows)
    runner = CliRunner()

    by_files = runner.invoke(cli, ["diff", str(files[OLD]), str(files[NEW]), "--format", "csv"])
    assert by_files.exit_code == 0, by_files.output
    assert _csv(by_files.stdout) == expected

    # random registries may shrink by more than half: without i11's guard (it has its own tests)
    report = build(
        [files[OLD], files[NEW]], qualification, folder / "dist", guard=Guard(max_quarantine=1.0, accept_shrink=True)
    )
    truth = Truth(
        rows=pd.DataFrame(rows),
        hosts=pd.DataFrame([{k: h[k] for k in ("host_id", "nationality")} for h in hosts]).assign(positioning=None),
    )
    for name, answer in history(truth).items():
        assert report.answers[name] == answer, name

    by_snapshots = runner.invoke(cli, ["diff", OLD, NEW, "--data", str(folder / "dist"), "--format", "csv"])
    assert by_snapshots.exit_code == 0, by_snapshots.output
    assert _csv(by_snapshots.stdout) == expected

    table = runner.invoke(cli, ["diff", OLD, NEW, "--data", str(folder / "dist")])
    counts = {
        c: sum(1 for r in expected if r["change"] == c) for c in ("appeared", "disappeared", "activities changed")
    }
    both = len(
        {r["host_id"] for r in rows if r["snapshot"] == OLD} & {r["host_id"] for r in rows if r["snapshot"] == NEW}
    )
    assert table.stdout.splitlines()[-1] == (
        f"{OLD} -> {NEW}: {counts['appeared']} appeared, {counts['disappeared']} disappeared, "
        f"{counts['activities changed']} with other activities, {both - counts['activities changed']} unchanged"
    )


@pytest.fixture
def two_snapshots(tmp_path):
    old = write_csv(tmp_path / "2020-07.csv", ["host", "activities"], [["Hébergeur fictif A", "1-6"]])
    new = write_csv(tmp_path / "2022-04.csv", ["host", "activities"], [["Hébergeur fictif A", "1;2"]])
    assert (
        CliRunner()
        .invoke(cli, ["build", "--registry", str(old), "--registry", str(new), "--out", str(tmp_path / "dist")])
        .exit_code
        == 0
    )
    return tmp_path


@pytest.mark.parametrize(
    "args, message",
    [
        (["{tmp}/2020-07.csv", "2022-04"], "compare two registry files or two snapshots of a build, not one of each"),
        (
            ["{tmp}/nope.csv", "{tmp}/2022-04.csv"],
            "{tmp}/nope.csv: no such registry file, and not a snapshot id (YYYY-MM or YYYY-MM-DD)",
        ),
        (["2020-07", "1999-01"], "no snapshot '1999-01' in this graph (snapshots: 2020-07, 2022-04)"),
        (["{tmp}", "{tmp}/2022-04.csv"], "{tmp}: is a folder; give a registry file or a snapshot id"),
        (
            ["{tmp}/both.csv", "{tmp}/2022-04.csv"],
            "{tmp}/both.csv: holds several snapshots (2020-07, 2022-04); build it and compare two snapshot ids instead",
        ),
        (["2020-07", "2022-04", "--data", "{tmp}/none"], "{tmp}/none: no such file or folder"),
    ],
)
def test_diff_errors_give_one_line_and_exit_2(runner, two_snapshots, args, message):
    tmp = two_snapshots
    write_csv(tmp / "both.csv", ["host", "activities", "snapshot"], [["A", "1", "2020-07"], ["A", "1", "2022-04"]])
    args = [a.format(tmp=tmp) for a in args]
    if "--data" not in args:
        args += ["--data", str(tmp / "dist")]
    result = runner.invoke(cli, ["diff", *args])
    assert result.exit_code == 2
    assert result.stderr == "Error: " + message.format(tmp=tmp) + "\n"


def test_diff_table_lists_the_change(runner, two_snapshots):
    result = runner.invoke(cli, ["diff", "2020-07", "2022-04", "--data", str(two_snapshots / "dist")])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "change              host                siren  old_activities  new_activities",
        "------------------  ------------------  -----  --------------  --------------",
        "activities changed  Hébergeur fictif A         1;2;3;4;5;6     1;2",
        "2020-07 -> 2022-04: 0 appeared, 0 disappeared, 1 with other activities, 0 unchanged",
    ]
