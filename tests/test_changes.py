"""The change feed (changes.atom, changes.csv): Atom 1.0 as feedparser reads it, its host
entries equal to `hdsgraph diff`, its certificate entries equal to a pandas computation
from the rows the test wrote, its dates the snapshots' dates."""

from __future__ import annotations

import csv
import io
from itertools import pairwise

import pandas as pd
import pytest
import rdflib

from hdsgraph.cli import cli
from hdsgraph.pipeline.build import build
from hdsgraph.site.pages import write_site
from tests.helpers.oracle import write_csv
from tests.helpers.siren import luhn_siren

feedparser = pytest.importorskip("feedparser", reason="feedparser (test extra) is not installed")

BASE = "https://w3id.org/hdsgraph/"
SNAPSHOTS = ("2021-01", "2022-01", "2023-01")
HEADER = ["host", "siren", "activities", "certification_body", "issued", "expires"]
PHYSICAL = frozenset({1, 2})
TYPES = {True: "physical_infrastructure_host", False: "managed_services_host"}

# Ground truth: (snapshot, host, activities, issued, expires); one certificate type per row.
HOSTS = {"A": "Hôte fictif Alpha", "B": "Hôte fictif Bravo", "C": "Hôte fictif Charlie", "D": "Hôte fictif Delta"}
SIRENS = {key: luhn_siren(930000000 + 10 * n) for n, key in enumerate(HOSTS)}
ROWS = [
    ("2021-01", "A", {1, 2}, "2020-01-01", "2023-01-01"),
    ("2021-01", "A", {3, 4}, "2020-02-01", "2023-02-01"),
    ("2021-01", "B", {1, 2}, "2019-01-01", "2022-01-01"),
    ("2021-01", "B", {3, 4, 5, 6}, "2019-01-01", "2024-01-01"),
    ("2021-01", "C", {1}, "2020-05-01", "2023-05-01"),
    ("2022-01", "A", {1, 2}, "2020-01-01", "2023-01-01"),
    ("2022-01", "A", {3, 4, 5}, "2021-06-01", "2024-06-01"),  # extends 3;4
    ("2022-01", "B", {3, 4, 5, 6}, "2019-01-01", "2024-01-01"),  # 1;2 expired on 2022-01-01
    ("2022-01", "D", {1, 2}, "2021-09-01", "2024-09-01"),  # D appears, C disappears
    ("2023-01", "A", {1, 2}, "2022-12-01", "2025-12-01"),  # renews 1;2; 3;4;5 withdrawn before 2024-06-01
    ("2023-01", "B", {3, 4, 5, 6}, "2019-01-01", "2024-01-01"),
    ("2023-01", "D", {1, 2}, "2021-09-01", "2024-09-01"),
    ("2023-01", "D", {3, 4}, "2022-10-01", "2025-10-01"),  # added
]


def acts(values) -> str:
    return ";".join(map(str, sorted(values)))


def expected_certificate_changes() -> list[tuple]:
    """The certificate entries, by pandas: per host listed in both snapshots and per type,
    the certificates that came and went."""
    frame = pd.DataFrame(ROWS, columns=["snapshot", "host", "activities", "issued", "expires"])
    frame["type"] = frame["activities"].map(lambda a: TYPES[frozenset(a) <= PHYSICAL])
    frame["key"] = frame.apply(lambda r: (acts(r["activities"]), r["issued"], r["expires"]), axis=1)
    out = []
    for old, new in pairwise(SNAPSHOTS):
        before, after = frame[frame["snapshot"] == old], frame[frame["snapshot"] == new]
        for host in sorted(set(before["host"]) & set(after["host"])):
            for ctype in sorted(set(frame["type"])):
                o = before[(before["host"] == host) & (before["type"] == ctype)]
                n = after[(after["host"] == host) & (after["type"] == ctype)]
                gone = o[~o["key"].isin(set(n["key"]))]
                came = n[~n["key"].isin(set(o["key"]))]
                gone_acts = set().union(*gone["activities"]) if len(gone) else set()
                for _, c in came.iterrows():
                    if gone.empty:
                        kind = "certificate added"
                    elif set(c["activities"]) - gone_acts:
                        kind = "certificate extended"
                    else:
                        kind = "certificate renewed"
                    out.append(
                        (
                            old,
                            new,
                            kind,
                            SIRENS[host],
                            ctype,
                            acts(gone_acts) if len(gone) else "",
                            acts(c["activities"]),
                            c["issued"],
                            c["expires"],
                        )
                    )
                if came.empty:
                    for _, g in gone.iterrows():
                        kind = "certificate expired" if g["expires"] <= new + "-01" else "certificate withdrawn"
                        out.append(
                            (old, new, kind, SIRENS[host], ctype, acts(g["activities"]), "", g["issued"], g["expires"])
                        )
    return sorted(out)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    folder = tmp_path_factory.mktemp("changes")
    registries = []
    for snapshot in SNAPSHOTS:
        rows = [
            [HOSTS[h], SIRENS[h], acts(a), "Organisme fictif", issued, expires]
            for s, h, a, issued, expires in ROWS
            if s == snapshot
        ]
        registries.append(write_csv(folder / f"{snapshot}.csv", HEADER, rows))
    out = folder / "dist"
    report = build(registries, out=out)
    assert report.conforms
    site = folder / "site"
    write_site(out, site)
    return out, site


def read_csv(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_every_kind_of_change_is_listed_and_certificate_entries_equal_pandas(history):
    out, _ = history
    rows = read_csv(out / "changes.csv")
    got = sorted(
        (
            r["from"],
            r["to"],
            r["change"],
            r["siren"],
            r["certificate_type"],
            r["old_activities"],
            r["new_activities"],
            r["issued"],
            r["expires"],
        )
        for r in rows
        if r["change"].startswith("certificate")
    )
    assert got == expected_certificate_changes()
    assert {r["change"] for r in rows} == {
        "appeared",
        "disappeared",
        "activities changed",
        "certificate added",
        "certificate renewed",
        "certificate extended",
        "certificate expired",
        "certificate withdrawn",
    }


@pytest.mark.parametrize("fixture", ["history", "two_snapshots"])
def test_host_entries_equal_hdsgraph_diff_for_each_pair(fixture, request, runner):
    data = request.getfixturevalue(fixture)
    out = data[0] if isinstance(data, tuple) else data
    rows = read_csv(out / "changes.csv")
    pairs = sorted({(r["from"], r["to"]) for r in rows})
    assert pairs == list(pairwise(sorted(SNAPSHOTS if fixture == "history" else ("2020-07", "2022-04"))))
    for old, new in pairs:
        result = runner.invoke(cli, ["diff", old, new, "--data", str(out), "--format", "csv"])
        assert result.exit_code == 0, result.output
        expected = list(csv.DictReader(io.StringIO(result.stdout)))
        columns = ["change", "host", "siren", "old_activities", "new_activities"]
        feed = [
            {c: r[c] for c in columns}
            for r in rows
            if (r["from"], r["to"]) == (old, new) and not r["change"].startswith("certificate")
        ]
        assert feed == expected and feed


@pytest.mark.parametrize("fixture", ["history", "two_snapshots"])
def test_the_atom_feed_is_atom_1_0_and_every_entry_links_to_a_page_of_the_site(fixture, request):
    data = request.getfixturevalue(fixture)
    out, site = data if isinstance(data, tuple) else (data, request.getfixturevalue("bundled_site_dir"))
    parsed = feedparser.parse((out / "changes.atom").read_bytes())
    assert parsed.version == "atom10" and not parsed.bozo, parsed.get("bozo_exception")
    rows = read_csv(out / "changes.csv")
    assert len(parsed.entries) == len(rows) > 0
    dates = {r["to"] for r in rows}
    ids = set()
    for entry in parsed.entries:
        assert entry.id and entry.title and entry.updated and entry.link
        ids.add(entry.id)
        snapshot = entry.updated[:7]
        assert snapshot in dates and entry.updated == f"{snapshot}-01T00:00:00Z"
        assert entry.link.startswith(BASE)
        page = site / (entry.link[len(BASE) :] + ".html")
        assert page.is_file(), entry.link
    assert len(ids) == len(parsed.entries)  # ids are unique
    assert parsed.feed.updated == f"{max(dates)}-01T00:00:00Z"
    assert (site / "changes.atom").read_bytes() == (out / "changes.atom").read_bytes()


def test_the_feed_is_a_distribution_of_the_catalogue(history):
    out, _ = history
    graph = rdflib.Graph().parse(out / "catalog.ttl", format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    media = {
        str(graph.value(d, dcat.downloadURL)).rsplit("/", 1)[1]: str(graph.value(d, dcat.mediaType))
        for d in graph.objects(rdflib.URIRef(BASE + "dataset"), dcat.distribution)
    }
    assert media["changes.atom"].endswith("/application/atom+xml")
    assert media["changes.csv"].endswith("/text/csv")


def test_the_same_build_writes_the_same_feed(history, tmp_path):
    out, _ = history
    again = tmp_path / "again"
    build(sorted((out.parent).glob("20*.csv")), out=again)
    for name in ("changes.atom", "changes.csv"):
        assert (again / name).read_bytes() == (out / name).read_bytes()


NUMBERED_HEADER = HEADER + ["certificate_number", "referential"]
# Host A: one numbered certificate of both types (1-6), alike in 2021-01 and 2022-01, renewed
# (new dates, referential 2.0) in 2023-01 and again in 2024-01. Host B: two unnumbered certificates (1;2 and 3-6)
# replaced in 2022-01 by one numbered certificate of both types.
NUMBERED_ROWS = {
    "2021-01": [
        ["A", "1-6", "2020-01-01", "2023-01-01", "FICTIF-N-1", "1.1"],
        ["B", "1;2", "2020-03-01", "2023-03-01", "", ""],
        ["B", "3-6", "2020-03-01", "2023-03-01", "", ""],
    ],
    "2022-01": [
        ["A", "1-6", "2020-01-01", "2023-01-01", "FICTIF-N-1", "1.1"],
        ["B", "1-6", "2021-06-01", "2024-06-01", "FICTIF-N-2", "2.0"],
    ],
    "2023-01": [
        ["A", "1-6", "2022-12-15", "2025-12-15", "FICTIF-N-1", "2.0"],
        ["B", "1-6", "2021-06-01", "2024-06-01", "FICTIF-N-2", "2.0"],
    ],
    "2024-01": [
        ["A", "1-6", "2023-11-20", "2026-11-20", "FICTIF-N-1", "2.0"],
        ["B", "1-6", "2021-06-01", "2024-06-01", "FICTIF-N-2", "2.0"],
    ],
}


def _numbered_build(folder, snapshots):
    folder.mkdir()
    registries = [
        write_csv(
            folder / f"{snapshot}.csv",
            NUMBERED_HEADER,
            [[HOSTS[h], SIRENS[h], a, "Organisme fictif", i, e, n, r] for h, a, i, e, n, r in NUMBERED_ROWS[snapshot]],
        )
        for snapshot in snapshots
    ]
    out = folder / "dist"
    assert build(registries, out=out).conforms
    graph = rdflib.Graph().parse(out / "hds.nt", format="nt")
    return read_csv(out / "changes.csv"), (out / "changes.atom").read_bytes(), graph


def test_numbered_certificates_change_once_and_entries_name_the_certificate_not_a_version(tmp_path):
    rows, atom, graph = _numbered_build(tmp_path / "four", tuple(NUMBERED_ROWS))
    hds, adms, skos = (
        rdflib.Namespace(BASE + "ontology#"),
        rdflib.Namespace("http://www.w3.org/ns/adms#"),
        rdflib.SKOS,
    )
    isversion = rdflib.DCTERMS.isVersionOf
    # the certificate of each number: the one description that is no version of another
    main = {
        str(graph.value(graph.value(c, adms.identifier), skos.notation)): str(c)
        for c in graph.subjects(rdflib.RDF.type, hds.Certificate)
        if graph.value(c, adms.identifier) is not None and graph.value(c, isversion) is None
    }
    assert set(main) == {"FICTIF-N-1", "FICTIF-N-2"}
    assert len(set(graph.subjects(isversion, rdflib.URIRef(main["FICTIF-N-1"])))) == 2  # 2021-01 and 2022-01, 2023-01
    both = "managed_services_host;physical_infrastructure_host"
    got = sorted(
        (r["from"], r["to"], r["change"], r["siren"], r["certificate"], r["certificate_type"], r["old_activities"])
        for r in rows
        if r["change"].startswith("certificate")
    )
    assert got == [
        # B's two certificates of one type each are replaced by one of both: renewed, none withdrawn
        ("2021-01", "2022-01", "certificate renewed", SIRENS["B"], main["FICTIF-N-2"], both, "1;2;3;4;5;6"),
        # A, alike in 2021-01 and 2022-01, changes once; the entry names its certificate's IRI
        ("2022-01", "2023-01", "certificate renewed", SIRENS["A"], main["FICTIF-N-1"], both, "1;2;3;4;5;6"),
        ("2023-01", "2024-01", "certificate renewed", SIRENS["A"], main["FICTIF-N-1"], both, "1;2;3;4;5;6"),
    ]
    feed = feedparser.parse(atom)
    titles = [e.title for e in feed.entries if e.id.startswith(main["FICTIF-N-1"])]
    assert titles == 2 * [
        "Certificat renouvelé : Hôte fictif Alpha (hébergeur infogéreur et hébergeur d'infrastructure physique)"
    ]
    # 2024-01 makes the 2023-01 description a version: the entries of a build without it keep their ids
    _, earlier_atom, _ = _numbered_build(tmp_path / "three", ("2021-01", "2022-01", "2023-01"))
    earlier = {e.id for e in feedparser.parse(earlier_atom).entries}
    assert len(earlier) == 2 and earlier <= {e.id for e in feed.entries}
