"""The registry as it is published today, fetched from real HTTP servers on 127.0.0.1: a
directory served letter by letter as JSON records, a page that links to its spreadsheet, a
page built by a script, and a French page with flawed rows whose every row and value is
accounted for from the page to the published quarantine, behind the guard against silent
shrinkage."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import rdflib
from rdflib.namespace import PROV
from werkzeug import Response

from hdsgraph.cli import cli
from hdsgraph.pipeline.normalise import name_key
from tests.helpers.oracle import write_csv
from tests.helpers.siren import luhn_siren, luhn_valid

LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["0-9"]


def fetch(runner, snapshots, *args):
    return runner.invoke(cli, ["fetch", "--snapshots", str(snapshots), "--retries", "0", *args])


def build(runner, snapshots, out, *args):
    return runner.invoke(cli, ["build", "--registry", str(snapshots), "--out", str(out), *args])


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


# ---------------------------------------------------------------- a directory served letter by letter


def letter_records(letter: str) -> dict:
    """The records of one letter's page: two hosts for A to Z, none for 0-9 (an empty list)."""
    if letter == "0-9":
        return {"results": []}
    n = ord(letter) - ord("A")
    return {
        "count": 2,
        "results": [
            {
                "raison_sociale": f"{letter}lpha fictif Hébergement",
                "numeroSiren": luhn_siren(900_000_000 + 10 * n),
                "activites": [1, 2, 3, 4, 5, 6],
                "organismeCertificateur": {"nom": "Organisme fictif Un"},
                "date_de_fin_de_validite": "2027-03-31",
                "ville": "Lille",
            },
            {
                "raison_sociale": f"{letter}ero fictif Services",
                "numeroSiren": None,
                "activites": "5 et 6",
                "organismeCertificateur": {"nom": "Organisme fictif Deux"},
                "date_de_fin_de_validite": "30/06/2026",
            },
        ],
    }


@pytest.fixture
def directory(httpserver):
    """The 27 pages of a directory; ``failing`` names a letter whose page answers 500."""
    state = {"failing": None}

    def handler(request):
        letter = request.args.get("lettre", "")
        if letter == state["failing"]:
            return Response("Erreur interne", status=500)
        body = json.dumps(letter_records(letter), ensure_ascii=False).encode("utf-8")
        return Response(body, content_type="application/json; charset=utf-8")

    httpserver.expect_request("/api/annuaire").respond_with_handler(handler)
    return httpserver.url_for("/api/annuaire") + "?lettre={letter}", state


def test_a_directory_of_26_letter_pages_of_json_records_is_one_snapshot(runner, tmp_path, directory):
    template, _ = directory
    snapshots = tmp_path / "snapshots"
    result = fetch(runner, snapshots, "--url", template, "--quiet")
    assert result.exit_code == 0, result.output
    assert "Found JSON records from 27 pages (52 rows, 1 page with none)\n" in result.stdout
    # a warning, on stderr, even with --quiet
    assert result.stderr == "Warning: the page's column(s) 'ville' were not imported\n"
    assert "Rows read 52 / kept 52 / quarantined 0\n" in result.stdout
    (record_file,) = snapshots.glob("*.provenance.json")
    record = json.loads(record_file.read_text())
    urls = [template.replace("{letter}", letter) for letter in LETTERS]
    assert record["urls"] == urls
    assert [(p["url"], p["final_url"], p["status"]) for p in record["parts"]] == [(u, u, 200) for u in urls]
    for part in record["parts"]:  # each part's checksum is that of the bytes kept for it
        assert hashlib.sha256((snapshots / part["raw_file"]).read_bytes()).hexdigest() == part["sha256"]
    assert record["parts"][-1]["rows"] == {"read": 0, "kept": 0, "quarantined": 0}
    assert record["ignored_columns"] == ["ville"]
    again = fetch(runner, snapshots, "--url", template)  # the same 27 pages: the same snapshot
    assert (
        again.stdout == f"Unchanged since snapshot {record['snapshot']} (the same bytes as before): no new snapshot\n"
    )

    out = tmp_path / "dist"
    built = build(runner, snapshots, out)
    assert built.exit_code == 0, built.output
    assert (
        built.stderr == f"Warning: {record['canonical_file']}: the fetched page's column(s) 'ville' were not imported\n"
    )
    # 52 hosts, each with one certificate per type its activities span: 26 x (2 + 1)
    assert "Hosts: 52; certificates: 78;" in built.stdout
    answers = json.loads((out / "answers.json").read_text())
    assert answers["hosts-total"] == [{"hosts": 52}]
    canonical = pd.read_csv(snapshots / record["canonical_file"], dtype=str)
    assert sorted(set(canonical["source"])) == sorted(urls[:-1])  # each row names its page
    graph = rdflib.Graph().parse(out / "hds.ttl")
    snapshot = rdflib.URIRef(f"https://w3id.org/hdsgraph/snapshot/{record['snapshot']}")
    assert set(graph.objects(snapshot, PROV.wasDerivedFrom)) == {rdflib.URIRef(u) for u in urls}


def test_one_failing_letter_fails_the_whole_fetch_and_writes_nothing(runner, tmp_path, directory):
    template, state = directory
    state["failing"] = "M"
    snapshots = tmp_path / "snapshots"
    result = fetch(runner, snapshots, "--url", template)
    assert result.exit_code == 2
    failing = template.replace("{letter}", "M")
    assert result.stderr == f"Error: {failing}: HTTP 500 INTERNAL SERVER ERROR (1 attempt)\n"
    assert files(snapshots) == {}


def test_the_same_page_given_twice_is_refused(runner, tmp_path):
    url = "http://127.0.0.1:9/registre.json"
    result = fetch(runner, tmp_path / "s", "--url", url, "--url", url)
    assert (result.exit_code, result.stderr) == (2, f"Error: {url}: given twice; give each page of the registry once\n")


def test_json_records_held_under_data_import_like_a_table(runner, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(
        json.dumps(
            {
                "meta": {"total": 2},
                "data": [
                    {"Nom de l'hébergeur": "Hébergeur fictif Juliette", "Activités certifiées": "1 à 6"},
                    {"Nom de l'hébergeur": "Hébergeur fictif Kilo", "Activités certifiées": [3, 4], "Ville": "Lyon"},
                ],
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "2025-01.csv"
    result = runner.invoke(cli, ["import", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == "Warning: export.json: ignored columns 'Ville'\n"
    assert out.read_text(encoding="utf-8") == (
        "host,activities,source,source_row\n"
        "Hébergeur fictif Juliette,1;2;3;4;5;6,export.json,1\n"
        "Hébergeur fictif Kilo,3;4,export.json,2\n"
    )


# ---------------------------------------------------------------- a page linking to its file; a script page


def test_a_page_that_links_to_an_xlsx_is_followed_once_on_the_same_site(runner, tmp_path, httpserver):
    from tests.test_import import _workbook

    (tmp_path / "made").mkdir()
    workbook = _workbook(tmp_path / "made").read_bytes()
    page = (
        "<html><body><h1>Hébergeurs certifiés</h1><p>La liste est publiée sous forme de tableur : "
        '<a href="/fichiers/liste-hds.xlsx?v=3">télécharger la liste</a>.</p></body></html>'
    ).encode()
    httpserver.expect_request("/hds").respond_with_data(page, content_type="text/html; charset=utf-8")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    httpserver.expect_request("/fichiers/liste-hds.xlsx").respond_with_data(workbook, content_type=xlsx)
    url, file_url = httpserver.url_for("/hds"), httpserver.url_for("/fichiers/liste-hds.xlsx") + "?v=3"
    snapshots = tmp_path / "snapshots"
    result = fetch(runner, snapshots, "--url", url)
    assert result.exit_code == 0, result.output
    assert (
        f"Found no registry table on {url}, but a link to {file_url}, followed once (same site): "
        "XLSX workbook (sheet 'Liste') of 3 rows\n"
    ) in result.stdout
    record = json.loads(next(snapshots.glob("*.provenance.json")).read_text())
    snapshot = record["snapshot"]
    assert [(p["url"], p["final_url"], p["raw_file"]) for p in record["parts"]] == [
        (url, url, f"{snapshot}.raw-01.html"),
        (file_url, file_url, f"{snapshot}.raw-02.xlsx"),
    ]
    assert record["parts"][0]["links_to"] == file_url
    assert (snapshots / f"{snapshot}.raw-01.html").read_bytes() == page
    assert (snapshots / f"{snapshot}.raw-02.xlsx").read_bytes() == workbook
    assert record["sha256"] == hashlib.sha256(workbook).hexdigest() == record["parts"][1]["sha256"]
    built = build(runner, snapshots, tmp_path / "dist")
    assert built.exit_code == 0, built.output
    graph = rdflib.Graph().parse(tmp_path / "dist" / "hds.ttl")
    node = rdflib.URIRef(f"https://w3id.org/hdsgraph/snapshot/{snapshot}")
    assert set(graph.objects(node, PROV.wasDerivedFrom)) == {rdflib.URIRef(url), rdflib.URIRef(file_url)}


def test_import_of_a_saved_page_that_links_to_its_file_says_which_file(runner, tmp_path):
    page = tmp_path / "hds.html"
    page.write_text('<html><body><a href="fichiers/liste.xlsx">la liste</a></body></html>', encoding="utf-8")
    result = runner.invoke(cli, ["import", str(page)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {page}: no table in it, so no registry to read; the page links to fichiers/liste.xlsx: download "
        "that file and import it, or fetch the page with 'hdsgraph fetch --url', which follows the link\n"
    )


def test_a_link_to_another_site_is_not_followed(runner, tmp_path, httpserver):
    page = b'<html><body><a href="https://elsewhere.example/liste.csv">liste</a></body></html>'
    httpserver.expect_request("/hds").respond_with_data(page, content_type="text/html")
    url = httpserver.url_for("/hds")
    result = fetch(runner, tmp_path / "s", "--url", url)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {url}: no registry table, and its link to a file is on another site "
        "(https://elsewhere.example/liste.csv): not followed; give that URL with --url if it is the registry\n"
    )
    assert not (tmp_path / "s").exists()


def test_a_page_built_by_a_script_says_so_and_exits_2(runner, tmp_path, httpserver):
    page = (
        b'<!doctype html><html><head><script src="/static/annuaire.js"></script></head>'
        b'<body><div id="annuaire">Chargement...</div><a href="/contact">Contact</a></body></html>'
    )
    httpserver.expect_request("/hds").respond_with_data(page, content_type="text/html")
    url = httpserver.url_for("/hds")
    result = fetch(runner, tmp_path / "s", "--url", url)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {url}: no registry table and no link to a file: the page may be built by a script; "
        "give the data URL with --url\n"
    )
    assert not (tmp_path / "s").exists()


# ---------------------------------------------------------------- a French page with flawed rows

BODY = "Organisme fictif Un"
# (host, SIREN, activities, issued, expires, what becomes of the row): "kept", "row" (quarantined
# whole), or the column whose value is dropped from a kept row. Written by hand: 19 rows, 10 flawed.
PAGE_ROWS = [
    ("Hébergeur fictif Ambre SAS", luhn_siren(900_000_100), "1 à 6", "12/03/2023", "11/03/2026", "kept"),
    ("Hébergeur fictif Basalte", luhn_siren(900_000_200), "1, 2", "1er avril 2023", "31 mars 2026", "kept"),
    ("Hébergeur fictif Craie", "", "Activités 3 à 6", "2023-05-02", "2026-05-01", "kept"),
    ("Hébergeur fictif Dune", luhn_siren(900_000_300), "5", "", "", "kept"),
    ("Hébergeur fictif Ébène", "", "toutes les activités", "02/01/2024", "01/01/2027", "kept"),
    ("Hébergeur fictif Feldspath", luhn_siren(900_000_400), "Hébergeur infogéreur (3 à 6)", "", "", "kept"),
    ("Hébergeur fictif Granit", "", "1\n2\n5", "", "", "kept"),
    ("Hébergeur fictif Houille", luhn_siren(900_000_500), "6", "15/09/2022", "14/09/2025", "kept"),
    ("Hébergeur fictif Iris", "", "1 à 4", "", "", "kept"),
    # flawed
    ("Hébergeur fictif Jade", "412345678", "1 à 6", "", "", "siren"),  # 9 digits, fails the Luhn check
    ("Hébergeur fictif Kaolin", "90000001", "3", "", "", "siren"),  # 8 digits
    ("Hébergeur fictif Lave", "", "1, 2", "01/03/2023", "31/02/2026", "expires"),  # no 31 February
    ("Hébergeur fictif Marne", "", "4", "01/06/2024", "01/06/2021", "expires"),  # expires before issue
    ("Hébergeur fictif Nacre", "", "en cours d'audit", "", "", "row"),  # unreadable activity
    ("Hébergeur fictif Onyx", "", "1, 7", "", "", "row"),  # activity 7
    ("Hébergeur fictif Perle*", "", "5, 6", "", "", "kept"),  # a footnote mark on the name
    ("Hébergeur fictif Quartz", "", "1 à 6²", "", "", "kept"),  # a footnote mark in the activities
    ("Hébergeur fictif Ambre SAS", luhn_siren(900_000_100), "1 à 6", "12/03/2023", "11/03/2026", "row"),  # duplicate
    ("HÉBERGEUR  FICTIF  BASALTE", "", "1, 2", "1er avril 2023", "31 mars 2026", "row"),  # duplicate, other spelling
]
REASONS = {  # page row -> (what, reason), for every row or value that cannot be used
    11: ("siren", "SIREN 412345678 fails the Luhn check; the host is identified by its name"),
    12: (
        "siren",
        "malformed SIREN '90000001': expected 9 digits (or a 14-digit SIRET); the host is identified by its name",
    ),
    13: ("expires", "expiry date: no such date '31/02/2026'; dropped"),
    14: ("expires", "expiry 2021-06-01 is not after issue 2024-06-01; the expiry date is dropped"),
    15: ("row", "unreadable activities \"en cours d'audit\": 'en' is neither an activity number nor a known phrase"),
    16: ("row", "activity 7 is not one of the six HDS activities (1-6)"),
    19: ("row", "duplicate of row 2"),
    20: ("row", "duplicate of row 3"),
}


def french_page(rows=PAGE_ROWS) -> bytes:
    cells = "".join(
        "<tr>" + "".join(f"<td>{value.replace(chr(10), '<br>')}</td>" for value in row[:5]) + f"<td>{BODY}</td></tr>"
        for row in rows
    )
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Hébergeurs certifiés</title></head><body>'
        "<h1>Liste des hébergeurs certifiés (données fictives)</h1><table><thead><tr><th>Raison sociale</th>"
        "<th>N° SIREN</th><th>Activités certifiées</th><th>Date de certification</th><th>Date d'expiration</th>"
        f"<th>Organisme certificateur</th></tr></thead><tbody>{cells}</tbody></table>"
        "<p>* certificat en cours de renouvellement ; ² périmètre étendu en 2024</p></body></html>"
    ).encode()


@pytest.fixture
def site(httpserver):
    """The French page, whose content the test changes: {"page": bytes}."""
    state = {"page": french_page(PAGE_ROWS[:9])}
    httpserver.expect_request("/hebergeurs").respond_with_handler(
        lambda request: Response(state["page"], content_type="text/html; charset=utf-8")
    )
    return httpserver.url_for("/hebergeurs"), state


def _suggested(message: str) -> str:
    """The --max-quarantine value the guard's message asks for."""
    match = re.search(r"run again with --max-quarantine (\d+%)", message)
    assert match, message
    return match.group(1)


def test_a_flawed_french_page_is_accounted_for_row_by_row_behind_the_guard(runner, tmp_path, site):
    url, state = site
    snapshots, out = tmp_path / "snapshots", tmp_path / "dist"
    # the last good fetch and build: the nine good rows
    assert fetch(runner, snapshots, "--url", url).exit_code == 0
    assert build(runner, snapshots, out).exit_code == 0
    snapshots_before, out_before = files(snapshots), files(out)

    state["page"] = french_page()
    stopped = fetch(runner, snapshots, "--url", url)
    assert stopped.exit_code == 2
    assert stopped.stderr == (
        f"Error: {url}: 2 of 19 rows quarantined (10.53 %), more than the --max-quarantine of 10 % "
        f"(row 15 of {url}: {REASONS[15][1]}; row 16 of {url}: {REASONS[16][1]}); nothing replaced. "
        "If the registry really has these rows, run again with --max-quarantine 11% and read every reason "
        "in the quarantine file\n"
    )
    assert files(snapshots) == snapshots_before

    fetched = fetch(runner, snapshots, "--url", url, "--max-quarantine", _suggested(stopped.stderr))
    assert fetched.exit_code == 0, fetched.output
    assert "Found HTML table of 19 rows\n" in fetched.stdout
    assert "Rows read 19 / kept 17 / quarantined 2; values dropped from kept rows 2\n" in fetched.stdout

    refused = build(runner, snapshots, out)
    assert refused.exit_code == 2
    assert refused.stderr.startswith("Error: ")
    assert "4 of 19 rows quarantined (21.05 %), more than the --max-quarantine of 10 %" in refused.stderr
    assert files(out) == out_before

    built = build(runner, snapshots, out, "--max-quarantine", _suggested(refused.stderr))
    assert built.exit_code == 0, built.output
    (snapshot_csv,) = [p for p in snapshots.glob("*.csv") if p.stem.count(".") == 0]
    assert (
        f"{snapshot_csv.name} (snapshot {snapshot_csv.stem}): rows read 19 / kept 15 / quarantined 4; "
        "values dropped from kept rows 4\n"
    ) in built.stdout
    assert "Validation: the graph conforms to the shapes" in built.stdout
    manifest = json.loads((out / "build.json").read_text())
    assert manifest["rows"] == [
        {
            "file": snapshot_csv.name,
            "snapshots": [snapshot_csv.stem],
            "read": 19,
            "kept": 15,
            "quarantined": 4,
            "values_quarantined": 4,
        }
    ]

    # every unusable row and value, with its reason and its row on the page (the header is row 1)
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    assert set(quarantine["source"]) == {url}
    found = {int(r.row): (r.quarantined, r.reason) for r in quarantine.itertuples()}
    # the page's one body is not in the bodies file: it stays, noted once, at the first kept row
    kept = 15
    noted = (
        "certification_body",
        f"certification body {BODY!r} is not in the certification bodies file (and {kept - 1} more rows): "
        "kept as written, without its other names",
    )
    assert found == REASONS | {2: noted}
    assert len(quarantine) == len(REASONS) + 1
    by_row = quarantine.set_index("row")
    # a value dropped at the import comes with its row's other values; a row quarantined there, as read
    assert by_row.loc["12", ["host", "activities", "siren"]].tolist() == ["Hébergeur fictif Kaolin", "3", ""]
    assert json.loads(by_row.loc["12", "as_read"])["N° SIREN"] == "90000001"
    assert json.loads(by_row.loc["15", "as_read"])["Raison sociale"] == "Hébergeur fictif Nacre"
    assert by_row.loc["11", "siren"] == "412345678"  # the value dropped, as the table had it
    # independently: the page's rows by what becomes of them
    page = pd.DataFrame(PAGE_ROWS, columns=["host", "siren", "activities", "issued", "expires", "fate"])
    page["row"] = range(2, len(page) + 2)
    flawed = page[page["fate"] != "kept"]
    assert sorted(flawed["row"]) == sorted(REASONS)
    assert dict(zip(flawed["row"], flawed["fate"], strict=True)) == {r: what for r, (what, _) in REASONS.items()}

    # every usable host is published, once, without its footnote mark
    published = page[page["fate"] != "row"]
    names = published["host"].str.replace(r"[*²]", "", regex=True).map(name_key)
    answers = json.loads((out / "answers.json").read_text())
    assert answers["hosts-total"] == [{"hosts": names.nunique()}]
    graph = rdflib.Graph().parse(out / "hds.ttl")
    labels = {str(o) for o in graph.objects(None, rdflib.URIRef("http://www.w3.org/ns/regorg#legalName"))}
    assert {"Hébergeur fictif Perle", "Hébergeur fictif Jade", "Hébergeur fictif Lave"} <= labels
    # a SIREN failing the Luhn check is not in the graph; the Luhn-valid ones are
    sirens = {str(o) for o in graph.objects(None, rdflib.URIRef("https://w3id.org/hdsgraph/ontology#siren"))}
    assert sirens == {s for s in page["siren"] if len(s) == 9 and luhn_valid(s)}


def test_a_snapshot_with_fewer_than_half_the_hosts_is_refused_unless_accepted(runner, tmp_path, site):
    url, state = site
    snapshots = tmp_path / "snapshots"
    assert fetch(runner, snapshots, "--url", url).exit_code == 0
    before = files(snapshots)
    state["page"] = french_page(PAGE_ROWS[:4])
    stopped = fetch(runner, snapshots, "--url", url)
    assert stopped.exit_code == 2
    snapshot = json.loads(next(snapshots.glob("*.provenance.json")).read_text())["snapshot"]
    assert stopped.stderr == (
        f"Error: {url}: 4 hosts, fewer than half the 9 of the last snapshot, {snapshot}; nothing replaced. "
        "If the registry really shrank, run again with --accept-shrink\n"
    )
    assert files(snapshots) == before
    assert fetch(runner, snapshots, "--url", url, "--accept-shrink").exit_code == 0


def test_the_build_refuses_a_snapshot_with_fewer_than_half_the_hosts_of_the_one_before(runner, tmp_path):
    header = ["host", "activities"]
    write_csv(tmp_path / "2024-01.csv", header, [[f"Hébergeur fictif {n}", "5"] for n in range(5)])
    write_csv(tmp_path / "2024-02.csv", header, [["Hébergeur fictif 0", "5"], ["Hébergeur fictif 1", "5"]])
    out = tmp_path / "dist"
    result = build(runner, tmp_path, out)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: snapshot 2024-02: 2 hosts, fewer than half the 5 of snapshot 2024-01; nothing replaced. "
        "If the registry really shrank, run again with --accept-shrink\n"
    )
    assert not out.exists()
    assert build(runner, tmp_path, out, "--accept-shrink").exit_code == 0


# ---------------------------------------------------------------- canonical tables


def test_an_unknown_canonical_column_is_an_error_with_a_suggestion(runner, tmp_path):
    registry = write_csv(tmp_path / "2024-01.csv", ["host", "activities", "certification_bdy"], [["A", "1", "B"]])
    result = build(runner, registry, tmp_path / "dist")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {registry}: unknown column 'certification_bdy' (did you mean 'certification_body'?); "
        "a canonical registry table has only the columns host, activities, siren, certification_body, issued, "
        "expires, positioning, nationality, synthetic, snapshot, certificate_number, referential, certificate_type, "
        "source, source_row (use 'hdsgraph import' for "
        "an export with other columns)\n"
    )


def test_the_same_file_given_twice_is_refused(runner, tmp_path):
    registry = write_csv(tmp_path / "2024-01.csv", ["host", "activities"], [["Hébergeur fictif", "1"]])
    result = runner.invoke(
        cli, ["build", "--registry", str(registry), "--registry", str(tmp_path), "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 2
    assert result.stderr == f"Error: {registry}: the same registry file given twice; give each snapshot once\n"


def test_the_certificate_count_is_of_distinct_certificates(runner, tmp_path):
    header = ["host", "activities", "issued"]
    for month in ("2024-01", "2024-02", "2024-03"):  # one certificate of each type, listed three times
        write_csv(tmp_path / f"{month}.csv", header, [["Hébergeur fictif", "1-6", "2023-06-01"]])
    result = build(runner, tmp_path, tmp_path / "dist")
    assert result.exit_code == 0, result.output
    assert "Hosts: 1; certificates: 2;" in result.stdout
    assert json.loads((tmp_path / "dist" / "build.json").read_text())["certificates"] == 2
