"""The bundled demonstration data reproduces every figure the study published, and the
report says so, and says that the data is synthetic.

The figures are read from seeds/study-2022.yaml, never typed here: counts must be equal,
shares must print as published (at the precision they were printed with).
"""

from __future__ import annotations

import json
import re

import pytest
import rdflib
import yaml

from hdsgraph import build
from hdsgraph.cli import cli
from tests.helpers.oracle import write_csv
from tests.helpers.paths import REPO

FIGURES = yaml.safe_load((REPO / "seeds" / "study-2022.yaml").read_text(encoding="utf-8"))
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")


def prints_as(count: int, total: int, share: float) -> bool:
    places = len(repr(float(share)).split(".")[1])
    return abs(count / total - share) <= 0.5 * 10**-places + 1e-12


@pytest.fixture(scope="module")
def bundled(bundled_build):
    return bundled_build


def _answers(out, snapshot):
    from hdsgraph.pipeline.answers import answers
    from hdsgraph.rdf.store import open_store

    return answers(open_store(out), snapshot)


def test_the_2022_snapshot_gives_every_published_figure(bundled):
    out, report = bundled
    fig = FIGURES["snapshots"]["2022-04"]
    answers = json.loads((out / "answers.json").read_text())  # the latest snapshot: 2022-04
    total = answers["hosts-total"][0]["hosts"]
    assert total == fig["hosts_total"]
    positions = {r["positioning"]: r["hosts"] for r in answers["hosts-by-positioning"]}
    for code, count in fig["positioning_counts"].items():
        assert positions[code] == count, code
    # the other hosts spread over the positionings the study names without counting them
    others = {c: n for c, n in positions.items() if c not in fig["positioning_counts"]}
    assert sum(others.values()) == total - sum(fig["positioning_counts"].values())
    stated = {o["positioning"] for o in FIGURES["named_organisations"] if "positioning" in o}
    assert set(others) <= stated | {"telecom_operator", "other"} and "unknown" not in others

    distribution = {r["activities"]: r["hosts"] for r in answers["activity-count-distribution"]}
    assert prints_as(distribution[6], total, fig["all_six_activities_share"])
    singles = answers["single-activity-hosts"]
    assert len(singles) == distribution[1] == fig["single_activity_hosts"]
    for code, count in fig["single_activity_detail"].items():
        assert sum(1 for r in singles if r["positioning"] == code) == count, code
    # the insurer on one activity is on the one the study names for the insurer it cites
    insurer = next(o for o in FIGURES["named_organisations"] if o.get("positioning") == "insurer")
    assert [r["activity"] for r in singles if r["positioning"] == "insurer"] == insurer["activities"]
    hosting = [r["activity"] for r in singles if r["positioning"] == "hosting_managed_services"]
    assert hosting.count(1) > len(hosting) / 2  # mostly physical sites

    coverage = {r["activity"]: r["hosts"] for r in answers["activity-coverage"]}
    for activity, value in fig["activity_coverage"].items():
        if "hosts" in value:
            assert coverage[activity] == value["hosts"], activity
        assert prints_as(coverage[activity], total, value["share"]), activity
    # 3 and 4 are the most covered, backup (6) comes next
    ranked = sorted(coverage, key=lambda a: -coverage[a])
    assert set(ranked[:2]) == {3, 4} and ranked[2] == 6 and coverage[6] > max(coverage[a] for a in (1, 2, 5))
    assert prints_as(sum(coverage.values()), 6 * total, fig["mean_activity_coverage"])
    assert answers["mean-activity-coverage"][0]["share"] == round(sum(coverage.values()) / (6 * total), 4)

    nationalities = {r["nationality"]: r["hosts"] for r in answers["hosts-by-nationality"]}
    assert prints_as(nationalities["FR"], total, fig["nationality"]["FR"]["share"])
    low, high = fig["nationality"]["US"]["share_reading"]
    assert low < nationalities["US"] / total <= high  # "a little over one in ten"
    bodies = [r for r in answers["hosts-by-certification-body"] if r["certification_body"] != "unknown"]
    assert len(bodies) == fig["certification_bodies_habilitated"]
    assert report.rows_quarantined == 0 and report.validation.conforms


def test_the_2020_snapshot_gives_the_published_figures_and_the_history_holds(bundled):
    out, _ = bundled
    fig = FIGURES["snapshots"]["2020-07"]
    answers = json.loads((out / "answers.json").read_text())
    history = {r["snapshot"]: r for r in answers["hosts-by-snapshot"]}
    assert list(history) == ["2020-07", "2022-04"]
    old = _answers(out, "2020-07")
    total = old["hosts-total"][0]["hosts"]
    assert history["2020-07"]["hosts"] == total
    low, high = fig["hosts_total_reading"]
    assert low <= total <= high
    distribution = {r["activities"]: r["hosts"] for r in old["activity-count-distribution"]}
    assert prints_as(distribution[6], total, fig["all_six_activities_share"])
    assert (
        len(old["single-activity-hosts"]) == fig["single_activity_hosts"] == history["2020-07"]["single_activity_hosts"]
    )
    french = {r["nationality"]: r["hosts"] for r in old["hosts-by-nationality"]}["FR"]
    assert prints_as(french, total, fig["nationality"]["FR"]["share"])
    # most 2020 hosts are still listed in 2022; a few lapsed; the rest of 2022 is new
    change = answers["changes-between-snapshots"]
    assert len(change) == 1 and (change[0]["from"], change[0]["to"]) == ("2020-07", "2022-04")
    change = change[0]
    assert change["continuing_hosts"] + change["lapsed_hosts"] == total
    assert change["continuing_hosts"] + change["new_hosts"] == FIGURES["snapshots"]["2022-04"]["hosts_total"]
    assert 0 < change["lapsed_hosts"] < change["continuing_hosts"] / 5
    assert 1.8 <= FIGURES["snapshots"]["2022-04"]["hosts_total"] / total <= 2.2  # "doubled"


def test_the_dataset_says_it_is_demonstration_data(bundled):
    out, _ = bundled
    graph = rdflib.Graph().parse(out / "hds.nt", format="nt")
    dataset = rdflib.URIRef("https://w3id.org/hdsgraph/dataset")
    types = set(graph.objects(dataset, rdflib.RDF.type))
    assert types == {
        rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset"),
        rdflib.URIRef("http://rdfs.org/ns/void#Dataset"),
    }
    for predicate in (DCTERMS.title, DCTERMS.description):
        texts = {o.language: str(o) for o in graph.objects(dataset, predicate)}
        assert set(texts) == {"en", "fr"}
        assert "demonstration" in texts["en"].lower() and "démonstration" in texts["fr"].lower()
    description = {o.language: str(o) for o in graph.objects(dataset, DCTERMS.description)}
    assert "all 213 hosts are fictitious" in description["en"] and "mind Health" in description["en"]
    derived = set(graph.objects(dataset, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
    assert derived == {rdflib.URIRef(f"https://w3id.org/hdsgraph/snapshot/{s}") for s in ("2020-07", "2022-04")}
    synthetic = set(graph.subjects(rdflib.URIRef("https://w3id.org/hdsgraph/ontology#synthetic"), rdflib.Literal(True)))
    hosts = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("https://w3id.org/hdsgraph/ontology#Host")))
    assert synthetic == hosts and len(hosts) == 213


def test_a_real_registry_is_not_called_demonstration_data(tmp_path):
    registry = write_csv(tmp_path / "2024-01.csv", ["host", "activities"], [["Hébergeur Réel", "1-6"]])
    build([registry], out=tmp_path / "dist")
    graph = rdflib.Graph().parse(tmp_path / "dist" / "hds.nt", format="nt")
    texts = [str(o) for o in graph.objects(rdflib.URIRef("https://w3id.org/hdsgraph/dataset"), DCTERMS.description)]
    assert len(texts) == 2 and not any("emonstration" in t or "émonstration" in t or "fictiv" in t for t in texts)


def test_the_report_reproduces_every_published_figure_and_says_the_data_is_synthetic(runner, bundled, tmp_path):
    out, _ = bundled
    result = runner.invoke(cli, ["report", "--data", str(out), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    matched = re.fullmatch(r"Published figures matched as printed: (\d+) of (\d+)", lines[0])
    assert matched and matched.group(1) == matched.group(2) and int(matched.group(2)) >= 20
    assert "Note: 213 of the 213 hosts are synthetic (demonstration data)" in lines
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    for text in (markdown, html):
        assert "Synthetic data: 213 of the 213 hosts in this graph are fictitious" in text
        assert "| no |" not in text and "class='no'" not in text
        assert "104 \u2192 205" in text and "63.5 % \u2192 56.6 %" in text and "4 \u2192 11" in text
    # every query the report names exists
    for name in set(re.findall(r"`queries/([a-z-]+)\.rq`", markdown)):
        assert (REPO / "queries" / f"{name}.rq").is_file(), name
    # self-contained: four inline SVG charts with a title and a description, nothing fetched, no script
    assert html.count("<svg ") == 4 and html.count("<desc id=") == 4
    assert "<script" not in html and not re.search(r"""(?:src|href)\s*=\s*['"]https?:""", html)
    assert not re.search(r"url\(", html)
    charts = sorted(p.name for p in (tmp_path / "report").glob("*.svg"))
    assert charts == [
        "chart-activity-coverage.svg",
        "chart-hosts-over-time.svg",
        "chart-nationality.svg",
        "chart-positioning.svg",
    ]
    for chart in charts:
        assert f"]({chart})" in markdown
        svg = (tmp_path / "report" / chart).read_text(encoding="utf-8")
        description = svg.split("<desc", 1)[1].split("</desc>", 1)[0]
        assert "<title" in svg and ": " in description  # every value, in words
    # same build, same report
    again = runner.invoke(cli, ["report", "--data", str(out), "--out", str(tmp_path / "again")])
    assert again.exit_code == 0
    for name in ("report.md", "report.html", *charts):
        assert (tmp_path / "report" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_the_report_escapes_the_texts_it_shows_in_html(runner, bundled, tmp_path):
    out, _ = bundled
    figures = json.loads(json.dumps(FIGURES, default=str))
    figures["source"]["title"] = 'A <b>"title"</b> & l\'apostrophe | pipe'
    (tmp_path / "figures.yaml").write_text(yaml.safe_dump(figures, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(
        cli,
        ["report", "--data", str(out), "--figures", str(tmp_path / "figures.yaml"), "--out", str(tmp_path / "report")],
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert (
        "<p>Study: mind Health, \u201cA &lt;b&gt;&quot;title&quot;&lt;/b&gt; &amp; l&#x27;apostrophe | pipe\u201d, "
        in html
    )
    assert "<b>" not in html
    # Markdown shows HTML from the data as text (issue 15): entities for &, < and >
    assert 'Study: mind Health, \u201cA &lt;b&gt;"title"&lt;/b&gt; &amp; l\'apostrophe | pipe\u201d, ' in markdown
    assert "<b>" not in markdown
    # the style sheet (templates/report.css) is inline, once
    assert html.count("<style>") == 1 and "<style>\nbody { font-family: 'DejaVu Sans'" in html
    assert "code { font-size: 0.9em; }\n</style>\n</head>\n" in html


def test_the_report_on_another_registry_shows_where_it_differs(runner, tmp_path):
    registry = write_csv(
        tmp_path / "2024-01.csv",
        ["host", "siren", "activities", "positioning", "nationality"],
        [
            ["Hébergeur Un", "", "1-6", "hosting_managed_services", "FR"],
            ["Hébergeur Deux", "", "5", "insurer", "US"],
        ],
    )
    build([registry], out=tmp_path / "dist")
    result = runner.invoke(cli, ["report", "--data", str(tmp_path / "dist"), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "  - How many hosts are certified?: study 205, this graph 2" in result.stdout
    markdown = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "none flagged synthetic" in markdown and "Synthetic data" not in markdown
    assert "| How many hosts are certified? | 205 | 2 | -203 | no | `queries/hosts-total.rq` |" in markdown
    assert "| Share of hosts certified for all six activities | 56.6 % | 50.0 % (1 of 2) | -6.60 pt | no |" in markdown
    assert "| Snapshot 2020-07 | published | not in this graph |" in markdown


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "{tmp}/nowhere"], "{tmp}/nowhere: no such file or folder"),
        (["--figures", "{tmp}/none.yaml"], "{tmp}/none.yaml: no such file"),
        (["--snapshot", "1999-01"], "no snapshot '1999-01' in this graph (snapshots: 2020-07, 2022-04)"),
    ],
)
def test_report_errors_give_one_line_and_exit_2(runner, bundled, tmp_path, args, message):
    out, _ = bundled
    args = [a.format(tmp=tmp_path) for a in args]
    if "--data" not in args:
        args += ["--data", str(out)]
    result = runner.invoke(cli, ["report", *args, "--out", str(tmp_path / "report")])
    assert result.exit_code == 2
    assert result.stderr == "Error: " + message.format(tmp=tmp_path) + "\n"
    assert not (tmp_path / "report").exists()


def _set(figures: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        figures = figures[key]
    figures[path[-1]] = value


VYV = next(i for i, org in enumerate(FIGURES["named_organisations"]) if org["name"] == "VYV 3IT")
MALFORMED = {  # one change to the study's own figures -> the message naming the changed key
    "count-as-text": (
        ("snapshots", "2022-04", "hosts_total"),
        "205",
        "snapshots.2022-04.hosts_total: expected a whole number of hosts, got '205'",
    ),
    "count-as-flag": (
        ("snapshots", "2022-04", "certification_bodies_habilitated"),
        True,
        "snapshots.2022-04.certification_bodies_habilitated: expected a whole number of hosts, got True",
    ),
    "share-as-percent": (
        ("snapshots", "2022-04", "all_six_activities_share"),
        56.6,
        "snapshots.2022-04.all_six_activities_share: expected a share between 0 and 1, got 56.6",
    ),
    "mean-as-text": (
        ("snapshots", "2022-04", "mean_activity_coverage"),
        "82 %",
        "snapshots.2022-04.mean_activity_coverage: expected a share between 0 and 1, got '82 %'",
    ),
    "counts-as-list": (
        ("snapshots", "2022-04", "positioning_counts"),
        [78, 37],
        "snapshots.2022-04.positioning_counts: expected a mapping, got [78, 37]",
    ),
    "count-of-a-positioning": (
        ("snapshots", "2022-04", "positioning_counts", "insurer"),
        -1,
        "snapshots.2022-04.positioning_counts.insurer: expected a whole number of hosts, got -1",
    ),
    "reading-reversed": (
        ("snapshots", "2022-04", "nationality", "US"),
        {"share_reading": [0.13, 0.10]},
        "snapshots.2022-04.nationality.US.share_reading: expected a range [low, high], got [0.13, 0.1]",
    ),
    "nationality-as-share": (
        ("snapshots", "2022-04", "nationality", "FR"),
        0.75,
        "snapshots.2022-04.nationality.FR: expected a mapping, got 0.75",
    ),
    "coverage-without-figure": (
        ("snapshots", "2022-04", "activity_coverage", 3),
        {},
        "snapshots.2022-04.activity_coverage.3: expected hosts or share, got {}",
    ),
    "coverage-of-activity-7": (
        ("snapshots", "2022-04", "activity_coverage", 7),
        {"hosts": 1},
        "snapshots.2022-04.activity_coverage.7: expected an activity 1 to 6 as the key, got 7",
    ),
    "detail-without-hosts": (
        ("snapshots", "2022-04", "single_activity_detail", "insurer"),
        {"count": 1},
        "snapshots.2022-04.single_activity_detail.insurer.hosts: expected a whole number of hosts, found nothing",
    ),
    "reading-as-number": (
        ("snapshots", "2020-07", "hosts_total_reading"),
        100,
        "snapshots.2020-07.hosts_total_reading: expected a range [low, high], got 100",
    ),
    "snapshot-as-list": (("snapshots", "2020-07"), [1], "snapshots.2020-07: expected a mapping, got [1]"),
    "no-snapshot": (("snapshots",), {}, "snapshots: expected at least one snapshot, found nothing"),
    "other-count-missing": (
        ("other_published_counts", "2021-02-01"),
        {"hosts": 135},
        "other_published_counts.2021-02-01.hosts_total: expected a whole number of hosts, found nothing",
    ),
    "source-as-text": (("source",), "mind Health", "source: expected a mapping, got 'mind Health'"),
    "activities-as-text": (
        ("named_organisations", VYV, "activities"),
        "5",
        f"named_organisations[{VYV}].activities: expected a list of activities 1 to 6, got '5'",
    ),
    "organisations-as-mapping": (
        ("named_organisations",),
        {"VYV 3IT": "insurer"},
        "named_organisations: expected a list, got {'VYV 3IT': 'insurer'}",
    ),
}


@pytest.mark.parametrize("command", ["report", "synth"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_figures_file_names_the_bad_key(runner, bundled, tmp_path, command, case):
    import copy

    path, value, message = MALFORMED[case]
    figures = copy.deepcopy(FIGURES)
    _set(figures, path, value)
    figures_file = tmp_path / "figures.yaml"
    figures_file.write_text(yaml.safe_dump(figures, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    if command == "report":
        args = ["report", "--figures", str(figures_file), "--data", str(bundled[0]), "--out", str(out)]
    else:
        args = ["synth", "--calibrate", str(figures_file), "--seed", "1", "--out", str(out)]
    result = runner.invoke(cli, args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {figures_file}: {message}\n"
    assert not out.exists()
