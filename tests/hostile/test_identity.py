"""Distinct inputs are never merged without a record: names that normalise alike but are
spelled differently stay two hosts (with a warning); impossible years are quarantined."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hdsgraph.cli import cli
from hdsgraph.pipeline.normalise import name_key, spelling_key

HEADER = "host,activities,issued,expires,synthetic,snapshot\n"


def build(runner, tmp_path, rows: list[str]):
    registry = tmp_path / "2022-04.csv"
    registry.write_text(HEADER + "".join(f"{row},true,2022-04\n" for row in rows), encoding="utf-8")
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(tmp_path / "dist")])
    return result, tmp_path / "dist"


def test_names_with_one_key_but_two_spellings_are_two_hosts_with_a_warning(runner, tmp_path):
    names = ["Société α fictive", "Société β fictive", "SOCIÉTÉ  α Fictive SAS", "Société fictive"]
    rows = [f"{n},1-6,2021-0{i}-01,2024-01-01" for i, n in enumerate(names, start=1)]  # four certificates
    result, dist = build(runner, tmp_path, rows)
    assert result.exit_code == 0, result.output
    assert len({name_key(n) for n in names}) == 1  # what used to merge them all into one host
    expected = len({spelling_key(n) for n in names})  # the independent count: one host per spelling
    assert expected == 3
    answers = json.loads((dist / "answers.json").read_text(encoding="utf-8"))
    assert answers["hosts-total"] == [{"hosts": expected}]
    assert (
        "Warning: 3 hosts have the name key 'societe fictive' ('SOCIÉTÉ α Fictive SAS', 'Société fictive', "
        "'Société α fictive', 'Société β fictive'): kept apart, the others with the suffix ~2, ~3... in their IRI"
        in result.output.splitlines()
    )
    hosts = pd.read_csv(dist / "unqualified.csv")["host_key"]
    assert sorted(hosts) == ["name:societe fictive", "name:societe fictive~2", "name:societe fictive~3"]


@pytest.mark.parametrize(
    ("issued", "reason"),
    [
        ("0021-03-12", "issue date '0021-03-12': the year is not between 1900 and 2100"),
        ("2921-03-12", "issue date '2921-03-12': the year is not between 1900 and 2100"),
        ("1899-12-31", "issue date '1899-12-31': the year is not between 1900 and 2100"),
    ],
)
def test_a_year_out_of_range_is_quarantined_with_the_reason(runner, tmp_path, issued, reason):
    result, dist = build(runner, tmp_path, ["Bon fictif,1-6,2021-01-01,2024-01-01", f"Mal fictif,1-6,{issued},"])
    assert result.exit_code == 0, result.output
    quarantine = pd.read_csv(dist / "quarantine.csv", dtype=str)
    assert list(quarantine["reason"]) == [reason] and list(quarantine["host"]) == ["Mal fictif"]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("31/12/99", "two-digit year in the date '31/12/99': write the year in full"),
        ("01-02-21", "two-digit year in the date '01-02-21': write the year in full"),
        ("12/03/2921", "date '12/03/2921': the year is not between 1900 and 2100"),
        ("1er avril 1812", "date '1er avril 1812': the year is not between 1900 and 2100"),
    ],
)
def test_import_quarantines_two_digit_and_impossible_years(runner, tmp_path, cell, reason):
    export = tmp_path / "export.csv"
    export.write_text(
        f"Raison sociale;Activités;Date de délivrance\nBon fictif;1-6;12/03/2021\nMal fictif;1-6;{cell}\n"
    )
    result = runner.invoke(cli, ["import", str(export), "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    quarantine = pd.read_csv(tmp_path / "out.quarantine.csv", dtype=str)
    assert len(quarantine) == 1 and reason in quarantine["reason"][0]
    assert list(quarantine["quarantined"]) == ["issued"]  # the date is dropped; its row is kept (issue 11)
    kept = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(kept["issued"]) == ["2021-03-12", ""]


def two_folders(tmp_path, second_snapshot: str):
    for folder, rows in (("a", ["Alpha fictif,1-6"]), ("b", ["Beta fictif,1-6", "Gamma fictif,1-2"])):
        (tmp_path / folder).mkdir()
        lines = "".join(f"{row},{second_snapshot if folder == 'b' else '2022-04'}\n" for row in rows)
        (tmp_path / folder / "2022-04.csv").write_text("host,activities,snapshot\n" + lines, encoding="utf-8")
    return ["--registry", str(tmp_path / "a"), "--registry", str(tmp_path / "b")]


def test_two_folders_with_files_of_one_name_are_both_read(runner, tmp_path):
    args = two_folders(tmp_path, "2023-01")
    result = runner.invoke(cli, ["build", *args, "--out", str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "a/2022-04.csv (snapshot 2022-04): rows read 1 / kept 1 / quarantined 0" in lines
    assert "b/2022-04.csv (snapshot 2023-01): rows read 2 / kept 2 / quarantined 0" in lines
    answers = json.loads((tmp_path / "dist" / "answers.json").read_text(encoding="utf-8"))
    assert [(r["snapshot"], r["hosts"]) for r in answers["hosts-by-snapshot"]] == [("2022-04", 1), ("2023-01", 2)]


def test_two_folders_giving_one_snapshot_are_refused_not_merged(runner, tmp_path):
    args = two_folders(tmp_path, "2022-04")
    result = runner.invoke(cli, ["build", *args, "--out", str(tmp_path / "dist")])
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: snapshot 2022-04 comes from more than one file: a/2022-04.csv, b/2022-04.csv\n",
    )
    assert not (tmp_path / "dist").exists()
