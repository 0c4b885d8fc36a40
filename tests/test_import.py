"""`hdsgraph import`: registry-shaped exports in many layouts -> the canonical table, with
every row either kept or quarantined with its reason."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from hdsgraph.acquire.importer import canonical_csv, import_bytes, import_file
from hdsgraph.cli import cli

EXPORTS = Path(__file__).parent / "fixtures" / "exports"

# For each fixture, written by hand from the export: the data rows it holds (blank rows are
# not rows), the rows that must be quarantined, with their reasons, and the values dropped
# from rows that are kept.
FIXTURES = {
    "registry-page.html": (
        8,
        [
            (8, "activity 7 is not one of the six HDS activities (1-6)"),
            (10, "a note or title, not a host row: '* Liste fictive arrêtée au 1er avril 2022 ; les dates sont …'"),
        ],
        [(9, "issued", "issue date: no such date '31/02/2021'; dropped")],
    ),
    "merged-cells.html": (
        5,
        [
            (6, "activity 6: unreadable mark 'peut-être': expected X, oui, ✓ or an empty cell"),
            (8, "no activity"),
        ],
        [],
    ),
    "windows-1252.csv": (
        5,
        [
            (8, "no activity"),
            (9, "a note or title, not a host row: 'Source : données fictives.'"),
        ],
        [
            (
                7,
                "siren",
                "malformed SIREN '90000019': expected 9 digits (or a 14-digit SIRET); the host is identified by its name",
            )
        ],
    ),
    "per-activity.tsv": (3, [], []),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_layout_gives_the_expected_table_and_quarantine(name):
    rows_in, quarantined, values = FIXTURES[name]
    result = import_file(EXPORTS / name)
    expected = (EXPORTS / (Path(name).stem + ".expected.csv")).read_bytes()
    assert canonical_csv(result) == expected
    assert [(number, reason) for number, reason, _ in result.quarantine] == quarantined
    assert [(number, column, reason) for number, column, reason, _ in result.values] == values
    kept = len(list(csv.DictReader(io.StringIO(expected.decode()))))
    assert kept + len(quarantined) == rows_in  # the hand count agrees with itself...
    assert len(result.rows) + len(result.quarantine) == rows_in == result.rows_read  # ...and with the import


def test_the_page_table_is_picked_among_several_and_its_columns_named():
    result = import_file(EXPORTS / "registry-page.html")
    assert result.table == "table 3 of 3"
    assert result.columns == {
        "Raison sociale": "host",
        "N° SIREN": "siren",
        "Activités certifiées": "activities",
        "Organisme certificateur": "certification_body",
        "Date de certification": "issued",
        "Date d'expiration": "expires",
    }


def test_the_quarantine_file_keeps_the_row_as_read(runner, tmp_path):
    out = tmp_path / "2022-04-01.csv"
    result = runner.invoke(cli, ["import", str(EXPORTS / "windows-1252.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Rows read 5 / kept 3 / quarantined 2; values dropped from kept rows 1\n" in result.stdout
    rows = list(csv.reader((tmp_path / "2022-04-01.quarantine.csv").open(encoding="utf-8")))
    assert rows[0] == [
        "source",
        "row",
        "quarantined",
        "reason",
        "Société",
        "SIREN",
        "Périmètre de certification",
        "Organisme de certification",
        "Date de délivrance",
        "Fin de validité",
    ]
    assert rows[1] == [
        "windows-1252.csv",
        "7",
        "siren",
        "malformed SIREN '90000019': expected 9 digits (or a 14-digit SIRET); the host is identified by its name",
        "Hébergeur fictif Kilo",
        "90000019",
        "1-2",
        "Organisme fictif Cinq",
        "2021-05-05",
        "2024-05-04",
    ]


def test_an_imported_export_builds_into_a_valid_graph(runner, tmp_path):
    out = tmp_path / "2022-04-01.csv"
    assert runner.invoke(cli, ["import", str(EXPORTS / "registry-page.html"), "--out", str(out)]).exit_code == 0
    built = runner.invoke(
        cli, ["build", "--registry", str(tmp_path), "--out", str(tmp_path / "dist"), "--max-quarantine", "30%"]
    )
    assert built.exit_code == 0, built.output
    # the build quarantines no imported row, and counts the rows and values the import quarantined
    assert (
        "2022-04-01.csv (snapshot 2022-04-01): rows read 8 / kept 6 / quarantined 2; values dropped from kept rows 1"
        in built.stdout
    )
    assert "Validation: the graph conforms to the shapes" in built.stdout
    # Alpha's two rows, and Bravo spelled twice (case, spacing), are one host each; Écho kept without its date
    answers = json.loads((tmp_path / "dist" / "answers.json").read_text())
    assert answers["hosts-total"] == [{"hosts": 4}]


def _workbook(tmp_path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Classeur fictif de démonstration"])
    sheet = book.create_sheet("Liste")
    sheet.append(["Liste fictive des hébergeurs certifiés"])
    sheet.merge_cells("A1:E1")
    sheet.append(
        ["Dénomination", "Périmètre", "Organisme certificateur", "Début de validité", "Date de fin de validité"]
    )
    sheet.append(
        ["Hébergeur fictif Oscar", "1-2", "Organisme fictif Sept", datetime(2021, 3, 12), datetime(2024, 3, 11)]
    )
    sheet.append([None, "3;4", None, 44267, "11/03/2024"])  # the host and body merged down from the row above
    sheet.append(["Hébergeur fictif Papa", 5, "Organisme fictif Sept", "hier", None])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("C3:C4")
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


def test_an_xlsx_workbook_with_merged_cells_and_excel_dates(tmp_path):
    result = import_file(_workbook(tmp_path))
    assert result.table == "sheet 'Liste'"
    assert [row for _, row in result.rows] == [
        {
            "host": "Hébergeur fictif Oscar",
            "activities": "1;2",
            "siren": "",
            "issued": "2021-03-12",
            "expires": "2024-03-11",
            "certification_body": "Organisme fictif Sept",
            "positioning": "",
            "nationality": "",
            "synthetic": "",
            "snapshot": "",
        },
        {
            "host": "Hébergeur fictif Oscar",
            "activities": "3;4",
            "siren": "",
            "issued": "2021-03-12",
            "expires": "2024-03-11",
            "certification_body": "Organisme fictif Sept",
            "positioning": "",
            "nationality": "",
            "synthetic": "",
            "snapshot": "",
        },
        {
            "host": "Hébergeur fictif Papa",
            "activities": "5",
            "siren": "",
            "issued": "",
            "expires": "",
            "certification_body": "Organisme fictif Sept",
            "positioning": "",
            "nationality": "",
            "synthetic": "",
            "snapshot": "",
        },
    ]
    assert result.quarantine == []
    assert [(n, column, reason) for n, column, reason, _ in result.values] == [
        (5, "issued", "issue date: unreadable date 'hier': expected a day, a month and a year; dropped")
    ]
    assert result.rows_read == 3


def test_a_mapping_file_names_headers_nobody_foresaw(runner, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("Prestataire,Domaine,Ville\nHébergeur fictif Quebec,1 à 6,Lille\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('host: ["Prestataire"]\nactivities: Domaine\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(cli, ["import", str(export), "--mapping", str(mapping), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Warning: {export.name}: ignored columns 'Ville'\n" in result.stderr
    assert out.read_text(encoding="utf-8") == (
        "host,activities,source,source_row\nHébergeur fictif Quebec,1;2;3;4;5;6,export.csv,2\n"
    )


def test_a_mapping_overrides_a_bundled_synonym():
    data = "Nom,Nom commercial,Activités\nSociété fictive Romeo SA,Romeo fictif,3\n".encode()
    assert [r["host"] for _, r in import_bytes(data, "x.csv").rows] == ["Société fictive Romeo SA"]
    mapping = {"host": ["Nom commercial"]}
    assert [r["host"] for _, r in import_bytes(data, "x.csv", mapping=mapping).rows] == ["Romeo fictif"]


def test_missing_columns_list_the_headers_found_and_how_to_map_them(runner, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("Prestataire,Domaine\nHébergeur fictif Sierra,1\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", str(export), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {export}: cannot find the registry's host and activities columns (headers found: 'Prestataire', "
        "'Domaine'); name the header of each with --mapping FILE.yaml, for example "
        '{host: ["Prestataire"], activities: ["Domaine"]}\n'
    )
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    "content, mapping, message",
    [
        (
            b"<html><body><p>Plus de tableau ici.</p></body></html>",
            None,
            "{export}: no table in it, so no registry to read",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
            None,
            "{export}: an old binary Excel (.xls) workbook: save it as .xlsx or CSV and import that",
        ),
        (b"PK\x03\x04 not really a zip", None, "{export}: not a readable XLSX workbook (File is not a zip file)"),
        (b"", None, "{export}: the file is empty"),
        (
            b"Nom,Activit\xc3\xa9s\nA,1\n",
            "hots: [Nom]\n",
            "{mapping}: unknown column 'hots' (known: host, activities, siren, certification_body, issued, expires, "
            "positioning, nationality, synthetic, snapshot, certificate_number, referential, certificate_type, "
            "activity_1, activity_2, activity_3, activity_4, activity_5, activity_6)",
        ),
        (b"Nom,Activit\xc3\xa9s\nA,1\n", "host: [Nom\n", "{mapping}: not a readable YAML file (line 2)"),
        (
            b"Nom,Activit\xc3\xa9s\nA,1\n",
            "- Nom\n",
            "{mapping}: expected a YAML mapping of column names to header lists, such as 'host: [\"Raison sociale\"]'",
        ),
    ],
    ids=["no-table", "xls", "bad-zip", "empty", "unknown-column", "bad-yaml", "not-a-mapping"],
)
def test_unusable_exports_give_one_line_and_exit_2(runner, tmp_path, content, mapping, message):
    export = tmp_path / "export.html"
    export.write_bytes(content)
    args = ["import", str(export), "--out", str(tmp_path / "o.csv")]
    if mapping:
        (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
        args += ["--mapping", str(tmp_path / "m.yaml")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr == "Error: " + message.format(export=export, mapping=tmp_path / "m.yaml") + "\n"


def test_import_never_overwrites_its_input(runner, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("Nom,Activités\nHébergeur fictif Tango,1\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", str(export), "--out", str(export)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {export}: is the input itself; choose another --out\n"
    default = runner.invoke(cli, ["import", str(export)])
    assert default.exit_code == 0
    assert (tmp_path / "export.canonical.csv").read_text(
        encoding="utf-8"
    ) == "host,activities,source,source_row\nHébergeur fictif Tango,1,export.csv,2\n"


def test_a_canonical_csv_imports_to_the_same_certificates(tmp_path):
    from hdsgraph.acquire.importer import write_import
    from hdsgraph.pipeline.normalise import normalise
    from hdsgraph.pipeline.read import read_registry

    seed = Path(__file__).parent.parent / "seeds" / "registries" / "2022-04.csv"
    write_import(import_file(seed), tmp_path / "2022-04.csv")
    direct = normalise([read_registry(seed)])
    imported = normalise([read_registry(tmp_path / "2022-04.csv")])
    columns = [c for c in direct.certificates.columns if c not in ("source", "row")]
    assert direct.certificates[columns].equals(imported.certificates[columns])
    # the rows the build would quarantine for their content, the import quarantines already
    assert len(imported.quarantine) + len(import_file(seed).quarantine) == len(direct.quarantine)
