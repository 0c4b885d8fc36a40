"""The registry as it is today (issue 11, the model): the legal activity numbering, activities
read by meaning, certificate numbers, referentials, certificate types and certification bodies."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import rdflib
from rdflib.namespace import SKOS

from hdsgraph import build
from hdsgraph.acquire.cells import read_activities
from hdsgraph.acquire.importer import import_bytes
from hdsgraph.pipeline.vocabulary import ontology_path, vocabulary
from tests.helpers.oracle import Truth, figures, qualification_sources

ACT = "https://w3id.org/hdsgraph/activity/"


def _labels(number: int, lang: str) -> set[str]:
    g = rdflib.Graph().parse(ontology_path())
    concept = rdflib.URIRef(f"{ACT}{number}")
    return {
        str(label)
        for prop in (SKOS.prefLabel, SKOS.altLabel)
        for label in g.objects(concept, prop)
        if label.language == lang
    }


def test_the_ontology_labels_3_as_the_virtual_infrastructure_and_4_as_the_application_platform():
    assert "Virtual infrastructure" in _labels(3, "en") and "Infrastructure virtuelle" in _labels(3, "fr")
    assert "Application hosting platform" in _labels(4, "en")
    assert "Plateforme d'hébergement d'applications" in _labels(4, "fr")
    g = rdflib.Graph().parse(ontology_path())
    note = {str(n) for n in g.objects(rdflib.URIRef("https://w3id.org/hdsgraph/ontology#activities"), SKOS.scopeNote)}
    assert any("swap activities 3 and 4" in n and "2022" in n for n in note), note


def test_every_label_of_an_activity_in_the_ontology_reads_as_that_activity():
    """The words cells are read with and the ontology's labels say the same thing."""
    for number in vocabulary().activities:
        for lang in ("fr", "en"):
            for label in _labels(number, lang):
                assert read_activities(label).value == (number,), (number, label)


def test_activities_in_words_are_read_by_meaning_not_by_the_number_beside_them():
    # a source numbering as the 2022 study does: 3 the platform, 4 the virtual infrastructure
    swapped = "3 - Plateforme d'hébergement d'applications\n4 - Infrastructure virtuelle\n6 - Sauvegarde"
    assert read_activities(swapped).value == (3, 4, 6)
    assert read_activities("Activité 3 : plateforme d'hébergement d'applications").value == (4,)
    assert read_activities("Activité 4 : infrastructure virtuelle").value == (3,)
    assert read_activities("Infrastructure virtuelle ; sauvegarde").value == (3, 6)
    assert read_activities("1, 2, infrastructure virtuelle").value == (1, 2, 3)
    reading = read_activities("1 à 3 et infrastructure virtuelle")
    assert reading.problem == (
        "unreadable activities '1 à 3 et infrastructure virtuelle': '1 and 3' stands beside an activity written in words"
    )


PAGE = """<html><body><table>
<tr><th>Raison sociale</th><th>Activités certifiées</th></tr>
<tr><td>Hébergeur fictif Alpha</td><td>3 - Plateforme d'hébergement d'applications<br>
4 - Infrastructure virtuelle</td></tr>
<tr><td>Hébergeur fictif Bêta</td><td>Infrastructure virtuelle</td></tr>
<tr><td>Hébergeur fictif Gamma</td><td>Plateforme d'hébergement d'applications, sauvegarde</td></tr>
</table></body></html>"""

COLUMNS_PAGE = """<html><body><table>
<tr><th>Hébergeur</th><th>Sites physiques</th><th>Infrastructure virtuelle</th>
<th>Plateforme d'hébergement d'applications</th></tr>
<tr><td>Hébergeur fictif Delta</td><td></td><td>X</td><td></td></tr>
<tr><td>Hébergeur fictif Epsilon</td><td>X</td><td></td><td>X</td></tr>
</table></body></html>"""


def test_an_import_of_a_page_naming_activities_in_words_gives_the_legal_numbers():
    result = import_bytes(PAGE.encode("utf-8"), "page.html", "text/html")
    assert result.quarantine == []
    assert {row["host"]: row["activities"] for _, row in result.rows} == {
        "Hébergeur fictif Alpha": "3;4",
        "Hébergeur fictif Bêta": "3",
        "Hébergeur fictif Gamma": "4;6",
    }
    result = import_bytes(COLUMNS_PAGE.encode("utf-8"), "columns.html", "text/html")
    assert {row["host"]: row["activities"] for _, row in result.rows} == {
        "Hébergeur fictif Delta": "3",
        "Hébergeur fictif Epsilon": "1;4",
    }


# ---------------------------------------------------------------- a registry of today

FIXTURE = Path(__file__).parent / "fixtures" / "registry-2026"
# What the fixture's author knows, independently of hdsgraph's identity rules: which host
# each row is of, and which body each name stands for (Sigma was renamed Oméga; "OC fictif
# Oméga" is how one row abbreviates it).
HOST_IDS = {
    "Hébergeur fictif Alpha SAS": 1,
    "Infogéreur fictif Bêta": 2,
    "Clinique fictive Gamma": 3,
    "Datacentre fictif Delta": 4,
    "Éditeur fictif Epsilon": 5,
}
OMEGA = "Organisme certificateur fictif Oméga"
BODIES = {"Organisme certificateur fictif Sigma": OMEGA, "OC fictif Oméga": OMEGA}
BASE = "https://w3id.org/hdsgraph/"


def _activities(cell: str) -> frozenset[int]:
    numbers: set[int] = set()
    for part in cell.split(";"):
        first, _, last = part.partition("-")
        numbers.update(range(int(first), int(last or first) + 1))
    return frozenset(numbers)


def _truth() -> Truth:
    frames = []
    for path in sorted(FIXTURE.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames.append(frame.assign(snapshot=path.stem))
    rows = pd.concat(frames, ignore_index=True)
    rows = pd.DataFrame(
        {
            "host_id": rows["host"].map(HOST_IDS),
            "name": rows["host"],
            "activities": rows["activities"].map(_activities),
            "body": rows["certification_body"].map(lambda b: BODIES.get(b, b)),
            "issued": rows["issued"],
            "expires": rows["expires"],
            "snapshot": rows["snapshot"],
            "number": rows["certificate_number"],
            "referential": rows["referential"],
        }
    )
    hosts = pd.DataFrame(
        {"host_id": sorted(HOST_IDS.values()), "positioning": None, "nationality": None, "placement": None}
    )
    return Truth(rows=rows, hosts=hosts)


@pytest.fixture(scope="module")
def today(tmp_path_factory):
    out = tmp_path_factory.mktemp("today") / "dist"
    report = build([FIXTURE], None, out)
    return report, out


def test_a_registry_of_today_builds_validates_and_answers_as_pandas(today):
    report, _ = today
    assert report.validation.conforms, report.validation.summary()
    assert report.rows_quarantined == 0
    expected = figures(_truth()) | qualification_sources(_truth())  # the latter is i12's question
    assert set(report.answers) == set(expected)
    for name in expected:
        assert report.answers[name] == expected[name], name
    # the new questions have something to say on this fixture
    assert {r["referential"] for r in report.answers["hosts-by-referential"]} == {"1.1", "2.0", "unknown"}
    assert {r["certificate_types"] for r in report.answers["hosts-by-certificate-types"]} == {
        "both",
        "managed_services_host",
        "physical_infrastructure_host",
    }
    assert report.answers["certificates-expiring"]


def _graph(out: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(out / "hds.nt", format="nt")


def test_the_same_certificate_number_in_two_snapshots_is_one_certificate(today):
    _, out = today
    g = _graph(out)
    rows = g.query(
        """PREFIX hds: <https://w3id.org/hdsgraph/ontology#>
        PREFIX adms: <http://www.w3.org/ns/adms#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c ?s WHERE { ?c adms:identifier/skos:notation "FICTIF-B-0002" ; hds:listedIn/hds:snapshotId ?s }"""
    )
    listed = sorted((str(c), str(s)) for c, s in rows)
    iri = f"{BASE}host/930000013/certificate/number-fictif-b-0002"
    assert listed == [(iri, "2025-11"), (iri, "2026-07")]


def test_the_build_counts_each_certificate_once(today):
    report, out = today
    rows = _truth().rows
    numbered = rows[rows["number"] != ""].drop_duplicates(["host_id", "number"])
    unnumbered = set()  # one certificate per type a row covers, the same in every snapshot that lists it alike
    for r in rows[rows["number"] == ""].itertuples():
        for covered in (r.activities & {1, 2}, r.activities - {1, 2}):
            if covered:
                unnumbered.add((r.host_id, covered, r.body, r.issued, r.expires, r.referential))
    expected = len(numbered) + len(unnumbered)
    assert report.certificate_count == expected
    assert json.loads((out / "build.json").read_text(encoding="utf-8"))["certificates"] == expected


def test_a_body_the_bodies_file_does_not_know_stays_with_a_record(today):
    report, out = today
    known = {OMEGA, *BODIES}  # the fixture's bodies the data file lists
    expected = []
    for path in sorted(FIXTURE.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["row"] = frame.index + 2  # the header is row 1
        unknown = frame[~frame["certification_body"].isin(known)]
        for body, group in unknown.groupby("certification_body", sort=False):
            more = len(group) - 1
            also = f" (and {more} more row{'s' if more > 1 else ''})" if more else ""
            reason = f"certification body {body!r} is not in the certification bodies file{also}: kept as written"
            expected.append((path.name, int(group["row"].iloc[0]), reason + ", without its other names"))
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    assert set(quarantine["quarantined"]) == {"certification_body"}
    got = [(r.registry_file, int(r.row), r.reason) for r in quarantine.itertuples()]
    assert sorted(got) == sorted(expected)
    assert len(expected) == 3
    # the bodies stay on their certificates
    g = _graph(out)
    names = {str(o) for o in g.objects(None, rdflib.URIRef("https://w3id.org/hdsgraph/ontology#certificationBody"))}
    assert len(names) == 3  # Oméga, B, C


def test_an_unreadable_certificate_value_on_a_page_is_dropped_and_reaches_the_build_s_quarantine(tmp_path):
    from click.testing import CliRunner

    from hdsgraph.cli import cli

    page = tmp_path / "today.html"
    page.write_text(TODAY_PAGE, encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", str(page), "--out", str(tmp_path / "reg" / "2026-07.csv")])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "dist"
    built = runner.invoke(cli, ["build", "--registry", str(tmp_path / "reg"), "--out", str(out)])
    assert built.exit_code == 0, built.output
    assert "rows read 4 / kept 4 / quarantined 0; values dropped from kept rows 2" in built.stdout
    quarantine = pd.read_csv(out / "quarantine.csv", dtype=str, keep_default_na=False)
    dropped = quarantine[quarantine["quarantined"] != "certification_body"]
    assert [(r.source, r.row, r.quarantined, r.host) for r in dropped.itertuples()] == [
        ("today.html", "4", "referential", "Hébergeur fictif Trois"),
        ("today.html", "5", "certificate_type", "Hébergeur fictif Quatre"),
    ]


def test_a_renewed_certificate_keeps_its_identity_and_each_snapshot_what_it_said(today):
    _, out = today
    g = _graph(out)
    main = rdflib.URIRef(f"{BASE}host/930000005/certificate/number-fictif-oc-2023-0001")
    older = rdflib.URIRef(f"{main}--2025-11")
    hds = rdflib.Namespace("https://w3id.org/hdsgraph/ontology#")
    dct = rdflib.Namespace("http://purl.org/dc/terms/")
    adms = rdflib.Namespace("http://www.w3.org/ns/adms#")
    assert (older, dct.isVersionOf, main) in g
    assert g.value(main, adms.identifier) == g.value(older, adms.identifier)
    assert str(g.value(g.value(main, adms.identifier), SKOS.notation)) == "FICTIF-OC-2023-0001"
    assert [str(d) for d in g.objects(main, hds.expiryDate)] == ["2029-01-05"]
    assert [str(d) for d in g.objects(older, hds.expiryDate)] == ["2026-01-10"]
    # two rows of 2026-07 with the number, 1-2 and 3-6: one certificate of both types
    assert {str(t).rsplit("/", 1)[1] for t in g.objects(main, hds.certificateType)} == {
        "physical-infrastructure",
        "managed-services",
    }
    assert len(set(g.objects(main, hds.activity))) == 6
    assert str(g.value(main, hds.referential)) == f"{BASE}referential/2.0"
    assert str(g.value(older, hds.referential)) == f"{BASE}referential/1.1"


def test_a_renamed_body_is_one_iri_under_its_current_name(today):
    _, out = today
    g = _graph(out)
    hds = rdflib.Namespace("https://w3id.org/hdsgraph/ontology#")
    omega = rdflib.URIRef(f"{BASE}certification-body/organisme-certificateur-fictif-omega")
    bodies = {b for b in g.objects(None, hds.certificationBody)}
    assert omega in bodies and len(bodies) == 3
    assert [str(n) for n in g.objects(omega, SKOS.prefLabel)] == [OMEGA]
    assert {str(n) for n in g.objects(omega, SKOS.altLabel)} == {
        "OC fictif Oméga",
        "Organisme certificateur fictif Sigma",
    }
    assert [str(n) for n in g.objects(omega, SKOS.historyNote)] == [
        "Named Organisme certificateur fictif Sigma until 2023-06-30."
    ]


def test_an_earlier_snapshot_answers_with_what_it_listed(today):
    """The renewed certificate's 2025-11 listing (1.1, expiring 2026-01-10) is its own."""
    from hdsgraph.pipeline.answers import answers
    from hdsgraph.rdf.store import open_store

    _, out = today
    truth = _truth()
    earlier = Truth(rows=truth.rows[truth.rows["snapshot"] == "2025-11"], hosts=truth.hosts)
    expected = figures(earlier)
    got = answers(open_store(out), "2025-11")
    for name in ("hosts-by-referential", "hosts-by-certificate-types", "certificates-expiring", "activity-coverage"):
        assert got[name] == expected[name], name
    assert [r["certificate_number"] for r in got["certificates-expiring"]] == ["FICTIF-OC-2023-0001"]


def test_the_site_and_the_report_label_3_and_4_in_the_legal_numbering(today, tmp_path):
    from hdsgraph import write_report, write_site

    _, out = today
    write_site(out, tmp_path / "site")
    # the site is French first (i14): the English pages are under en/
    three = (tmp_path / "site" / "en" / "activity" / "3.html").read_text(encoding="utf-8")
    four = (tmp_path / "site" / "en" / "activity" / "4.html").read_text(encoding="utf-8")
    assert "<h1>Providing and operating the virtual infrastructure" in three
    assert "<h1>Providing and operating the application hosting platform" in four
    trois = (tmp_path / "site" / "activity" / "3.html").read_text(encoding="utf-8")
    quatre = (tmp_path / "site" / "activity" / "4.html").read_text(encoding="utf-8")
    assert "<h1>Mise à disposition et maintien en condition opérationnelle de l&#39;infrastructure virtuelle" in trois
    assert "<h1>Mise à disposition et maintien en condition opérationnelle de la plateforme d&#39;hébergement" in quatre
    report = write_report(out, tmp_path / "report")
    assert "| Hosts certified for activity 3 (virtual infrastructure) |" in report.markdown
    assert "| Hosts certified for activity 4 (application hosting platform) |" in report.markdown
    # the new questions are in the report, each with its query
    for name in ("hosts-by-referential", "hosts-by-certificate-types", "certificates-expiring"):
        assert f"`queries/{name}.rq`" in report.markdown
    on2 = next(r for r in figures(_truth())["hosts-by-referential"] if r["referential"] == "2.0")
    assert f"| Hosts on referential 2.0 |  | {on2['hosts']} ({on2['share'] * 100:.1f} %) |" in report.markdown


TODAY_PAGE = """<html><body><table>
<tr><th>Raison sociale</th><th>Activité 3 – Plateforme d'hébergement d'applications</th>
<th>Activité 4 – Infrastructure virtuelle</th><th>Sauvegarde</th><th>N° de certificat</th>
<th>Référentiel</th><th>Type d'hébergeur</th><th>Organisme certificateur</th></tr>
<tr><td>Hébergeur fictif Un</td><td>X</td><td></td><td>X</td><td>FICTIF 2024/001</td><td>HDS v2</td>
<td>Hébergeur infogéreur</td><td>OC fictif Oméga</td></tr>
<tr><td>Hébergeur fictif Deux</td><td></td><td>X</td><td></td><td></td><td>référentiel 2018</td>
<td></td><td></td></tr>
<tr><td>Hébergeur fictif Trois</td><td>X</td><td></td><td></td><td>FICTIF 2024/003</td><td>HDS v3</td>
<td></td><td></td></tr>
<tr><td>Hébergeur fictif Quatre</td><td>X</td><td></td><td></td><td></td><td></td>
<td>un peu de tout</td><td></td></tr>
</table></body></html>"""


def test_an_import_reads_certificate_numbers_referentials_and_types_as_pages_write_them():
    result = import_bytes(TODAY_PAGE.encode("utf-8"), "today.html", "text/html")
    rows = {row["host"]: row for _, row in result.rows}
    # rows whose referential or type cannot be read are kept without that value
    assert set(rows) == {
        "Hébergeur fictif Un",
        "Hébergeur fictif Deux",
        "Hébergeur fictif Trois",
        "Hébergeur fictif Quatre",
    }
    one, two = rows["Hébergeur fictif Un"], rows["Hébergeur fictif Deux"]
    # the columns named in words are read by meaning: "Activité 3 – Plateforme..." is activity 4
    assert (one["activities"], one["certificate_number"], one["referential"]) == ("4;6", "FICTIF 2024/001", "2.0")
    assert (one["certificate_type"], one["certification_body"]) == ("managed_services_host", "OC fictif Oméga")
    assert (two["activities"], two["certificate_number"], two["referential"]) == ("3", "", "1.1")
    three, four = rows["Hébergeur fictif Trois"], rows["Hébergeur fictif Quatre"]
    assert (three["activities"], three["certificate_number"], three["referential"]) == ("4", "FICTIF 2024/003", "")
    assert (four["activities"], four["certificate_type"]) == ("4", "")
    assert result.quarantine == []
    assert [(number, column, reason) for number, column, reason, _ in result.values] == [
        (4, "referential", "unreadable referential 'HDS v3': expected 1.1 or 2.0; dropped"),
        (
            5,
            "certificate_type",
            "unreadable certificate type 'un peu de tout': expected a physical-infrastructure host "
            "or a managed-services host (infogéreur); dropped",
        ),
    ]


def test_the_canonical_table_s_new_columns_quarantine_what_cannot_be_one_certificate(tmp_path):
    from hdsgraph.pipeline.normalise import normalise
    from hdsgraph.pipeline.read import read_registry

    registry = tmp_path / "2026-07.csv"
    registry.write_text(
        "host,activities,certification_body,issued,expires,certificate_number,referential,certificate_type\n"
        "Hébergeur fictif A,1-2,OC fictif Oméga,2025-01-01,2028-01-01,N-1,2.0,\n"
        "Hébergeur fictif A,3-6,Organisme certificateur fictif Sigma,2025-01-01,2028-01-01,n 1,2.0,\n"
        "Hébergeur fictif A,5,OC fictif Oméga,2025-01-01,2028-06-01,N-1,2.0,\n"
        "Hébergeur fictif A,5,OC fictif Oméga,2025-01-01,2028-01-01,N-1,1.1,\n"
        "Hébergeur fictif B,1;5,,,,,,physical_infrastructure_host\n"
        "Hébergeur fictif B,1;5,,,,,,physical_infrastructure_host;managed_services_host\n"
        "Hébergeur fictif B,5,,,,,,both\n"
        "Hébergeur fictif B,5,,,,,,physical_infrastructure_host;managed_services_host\n"
        "Hébergeur fictif B,6,,,,,3.0,\n"
        "Hébergeur fictif B,6,,,,,2.0,\n",
        encoding="utf-8",
    )
    result = normalise([read_registry(registry)])
    records = result.quarantine[["row", "quarantined", "reason"]].itertuples(index=False, name=None)
    assert list(records) == [
        (4, "row", "certificate N-1 is listed in row 2 with another expiry date"),
        (5, "row", "certificate N-1 is listed in row 2 with another referential"),
        (6, "row", "activity 5 is not allowed by the stated certificate type physical_infrastructure_host"),
        # an unknown type code or referential is dropped, its row kept (the type derived from activity 5)
        (
            8,
            "certificate_type",
            "unknown certificate type 'both': expected managed_services_host or physical_infrastructure_host; "
            "the type is derived from the activities",
        ),
        (9, "row", "certificate type physical_infrastructure_host is stated but none of its activities is listed"),
        (10, "referential", "unknown referential '3.0': expected 1.1 or 2.0"),
    ]
    # rows 2 and 3: one number (written two ways), one body (named two ways): one certificate
    kept = result.certificates
    numbered = kept[kept["certificate_number"].notna()]
    assert sorted(numbered["row"]) == [2, 3]
    stated = kept[kept["row"] == 7]
    assert sorted(stated["certificate_type"]) == ["managed_services_host", "physical_infrastructure_host"]
