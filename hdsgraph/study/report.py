"""Report: the study's questions answered from a build, beside the figures it published.

For each question, the figure computed from the graph (by the bundled query named beside
it), the published figure, the difference, and whether the computed figure prints as the
published one. Charts show what people would rather look at than read. On the bundled
demonstration data every published figure comes out, by construction; on a real registry
the same report shows where it stands against 2022. Either way the report says whether
the data is synthetic. The Markdown and HTML pages (and the HTML's style sheet) are
Jinja templates in ``templates/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hdsgraph.errors import InputError
from hdsgraph.files import write_folder
from hdsgraph.pipeline.answers import answers as run_answers
from hdsgraph.pipeline.answers import query_text, run_select
from hdsgraph.pipeline.answers import snapshots as graph_snapshots
from hdsgraph.rdf.namespaces import HDS, RDFS, SKOS
from hdsgraph.rdf.store import graph_file, open_store
from hdsgraph.resources import asset_dir, template_environment
from hdsgraph.study.charts import Bar, Point, bar_chart, time_chart
from hdsgraph.study.figures import decimals, read_figures, rounds_to

TEMPLATES = Path(__file__).resolve().parent / "templates"  # report.md, report.html, report.css


@dataclass
class Line:
    question: str
    published: str
    computed: str
    difference: str
    matches: bool | None  # None: nothing to compare with
    query: str
    basis: str = ""  # for a figure that depends on qualification: how the hosts were qualified


@dataclass
class Section:
    heading: str
    intro: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class Report:
    markdown: str
    html: str
    charts: dict[str, str]  # file name -> SVG
    sections: list[Section]
    synthetic: int
    hosts: int

    def files(self) -> dict[str, bytes]:
        files = {name: svg.encode("utf-8") for name, svg in self.charts.items()}
        files["report.md"] = self.markdown.encode("utf-8")
        files["report.html"] = self.html.encode("utf-8")
        return files


# ---------------------------------------------------------------- comparing figures


def _pct(share: float, places: int) -> str:
    return f"{share * 100:.{max(places, 0)}f} %"


def _count_line(question: str, published: int, computed: int | None, query: str) -> Line:
    if computed is None:
        return Line(question, str(published), "not in this graph", "", None, query)
    return Line(question, str(published), str(computed), f"{computed - published:+d}", computed == published, query)


def _share_line(question: str, published: float, count: int, total: int, query: str) -> Line:
    places = decimals(published) - 2
    computed = count / total if total else 0.0
    return Line(
        question,
        _pct(published, places),
        f"{_pct(computed, places)} ({count} of {total})",
        f"{(computed - published) * 100:+.2f} pt",
        bool(total) and rounds_to(count, total, published),
        query,
    )


def _reading_line(
    question: str, low: float, high: float, value: float, shown: str, query: str, percent: bool = False
) -> Line:
    bounds = f"{_pct(low, 0)} to {_pct(high, 0)}" if percent else f"{low:g} to {high:g}"
    return Line(question, f"{bounds} (a reading of the text)", shown, "", low <= value <= high, query)


@dataclass(frozen=True)
class Qualified:
    """How the hosts of a snapshot were qualified on one axis (positioning or nationality)."""

    axis: str
    reviewed: int
    registry: int
    rule: int
    unknown: int

    @property
    def total(self) -> int:
        return self.reviewed + self.registry + self.rule + self.unknown

    @property
    def mostly_unknown(self) -> bool:
        return self.unknown * 2 > self.total

    def basis(self) -> str:
        def share(n: int) -> str:
            return f"{n / self.total * 100:.0f} %" if self.total else "0 %"

        parts = [f"{share(self.reviewed)} by a person"]
        if self.registry:
            parts.append(f"{share(self.registry)} by the registry")
        parts += [f"{share(self.rule)} by rules", f"{share(self.unknown)} unknown"]
        return f"{self.axis} qualified: " + ", ".join(parts)


def qualification_counts(answers: dict) -> dict[str, Qualified]:
    """Per axis, from the answers of queries/qualification-sources.rq."""
    counts: dict[str, dict[str, int]] = {"positioning": {}, "nationality": {}}
    for row in answers.get("qualification-sources", []):
        counts.setdefault(row["axis"], {})[row["source"]] = row["hosts"]
    return {
        axis: Qualified(axis, c.get("reviewed", 0), c.get("registry", 0), c.get("rule", 0), c.get("unknown", 0))
        for axis, c in counts.items()
    }


def _depends(line: Line, qualified: Qualified) -> Line:
    """A figure that depends on qualification: says how the hosts were qualified, and is not
    compared when most hosts are unqualified on its axis."""
    if qualified.mostly_unknown:
        return Line(
            line.question,
            line.published,
            f"unknown ({qualified.unknown} hosts not qualified)",
            "",
            None,
            line.query,
            qualified.basis(),
        )
    return Line(
        line.question, line.published, line.computed, line.difference, line.matches, line.query, qualified.basis()
    )


def _q(name: str) -> str:
    return f"queries/{name}.rq"


def _labels(store, cls: str, prop: str = "prefLabel") -> dict[str, str]:
    rows = store.query(
        f"SELECT ?n ?l WHERE {{ ?c a <{HDS}{cls}> ; <{SKOS}notation> ?n ; <{SKOS}{prop}> ?l FILTER(LANG(?l) = 'en') }}"
    )
    return {row["n"].value: row["l"].value for row in rows}


def _study_section(fig: dict, published: str, snapshot: str, answers: dict, store) -> Section:
    section = Section(
        f"The study's questions: {snapshot} against the published {published}",
        f"Each figure is computed from the graph's snapshot {snapshot} by the query named beside it, "
        f'and compared with the figure the study published for {published}. "As printed" says '
        "whether the computed figure, rounded as the study rounded it, is the published one.",
    )
    lines = section.lines
    qualified = qualification_counts(answers)

    def add(line: Line, axis: str | None = None) -> None:
        lines.append(_depends(line, qualified[axis]) if axis and axis in qualified else line)

    total = answers["hosts-total"][0]["hosts"]
    if "hosts_total" in fig:
        add(_count_line("How many hosts are certified?", int(fig["hosts_total"]), total, _q("hosts-total")))
    elif "hosts_total_reading" in fig:
        low, high = fig["hosts_total_reading"]
        add(_reading_line("How many hosts are certified?", low, high, total, str(total), _q("hosts-total")))
    positions = {r["positioning"]: r["hosts"] for r in answers["hosts-by-positioning"]}
    labels = _labels(store, "Positioning")
    for code, count in (fig.get("positioning_counts") or {}).items():
        add(
            _count_line(
                f"Hosts whose main positioning is: {labels.get(code, code)}",
                int(count),
                positions.get(code, 0),
                _q("hosts-by-positioning"),
            ),
            "positioning",
        )
    distribution = {r["activities"]: r["hosts"] for r in answers["activity-count-distribution"]}
    if "all_six_activities_share" in fig:
        add(
            _share_line(
                "Share of hosts certified for all six activities",
                fig["all_six_activities_share"],
                distribution.get(6, 0),
                total,
                _q("activity-count-distribution"),
            )
        )
    singles = answers["single-activity-hosts"]
    if "single_activity_hosts" in fig:
        add(
            _count_line(
                "Hosts certified for one activity only",
                int(fig["single_activity_hosts"]),
                len(singles),
                _q("single-activity-hosts"),
            )
        )
    for code, value in (fig.get("single_activity_detail") or {}).items():
        count = int(value["hosts"] if isinstance(value, dict) else value)
        add(
            _count_line(
                f"... of which: {labels.get(code, code)}",
                count,
                sum(1 for r in singles if r["positioning"] == code),
                _q("single-activity-hosts"),
            ),
            "positioning",
        )
    coverage = {r["activity"]: r["hosts"] for r in answers["activity-coverage"]}
    names = _labels(store, "Activity", "altLabel")
    for activity, value in sorted((int(k), v) for k, v in (fig.get("activity_coverage") or {}).items()):
        what = f"activity {activity} ({names.get(str(activity), '').lower()})"
        if "hosts" in value:
            add(
                _count_line(
                    f"Hosts certified for {what}",
                    int(value["hosts"]),
                    coverage.get(activity, 0),
                    _q("activity-coverage"),
                )
            )
        if "share" in value:
            add(
                _share_line(
                    f"Share of hosts certified for {what}",
                    value["share"],
                    coverage.get(activity, 0),
                    total,
                    _q("activity-coverage"),
                )
            )
    if "mean_activity_coverage" in fig:
        add(
            _share_line(
                "Mean coverage of an activity (host-activity pairs of all possible)",
                fig["mean_activity_coverage"],
                sum(coverage.values()),
                6 * total,
                _q("mean-activity-coverage"),
            )
        )
    nationalities = {r["nationality"]: r["hosts"] for r in answers["hosts-by-nationality"]}
    for code, value in (fig.get("nationality") or {}).items():
        count = nationalities.get(code, 0)
        if "share" in value:
            add(
                _share_line(
                    f"Share of hosts of nationality {code}", value["share"], count, total, _q("hosts-by-nationality")
                ),
                "nationality",
            )
        elif "share_reading" in value:
            low, high = value["share_reading"]
            add(
                _reading_line(
                    f"Share of hosts of nationality {code}",
                    low,
                    high,
                    count / total,
                    f"{_pct(count / total, 1)} ({count} of {total})",
                    _q("hosts-by-nationality"),
                    True,
                ),
                "nationality",
            )
    if "certification_bodies_habilitated" in fig:
        bodies = [r for r in answers["hosts-by-certification-body"] if r["certification_body"] != "unknown"]
        add(
            _count_line(
                "Certification bodies (study: bodies habilitated; graph: bodies named on certificates)",
                int(fig["certification_bodies_habilitated"]),
                len(bodies),
                _q("hosts-by-certification-body"),
            )
        )
    return section


def _history_section(
    figures: dict, published: str, history: list[dict], changes: list[dict], qualified: dict | None = None
) -> Section:
    """``qualified``: snapshot -> how its hosts were qualified (``qualification_counts``)."""
    section = Section(
        "Over time",
        "The study compared its registry with the one of July 2020. Each earlier "
        "figure is compared with the graph's snapshot of the same date, when the graph has one.",
    )
    by_id = {r["snapshot"]: r for r in history}
    query = _q("hosts-by-snapshot")
    for snapshot, fig in sorted(figures["snapshots"].items()):
        if snapshot == published:
            continue
        row = by_id.get(snapshot)
        if row is None:
            section.lines.append(Line(f"Snapshot {snapshot}", "published", "not in this graph", "", None, query))
            continue
        total = row["hosts"]
        if "hosts_total" in fig:
            section.lines.append(_count_line(f"{snapshot}: hosts", int(fig["hosts_total"]), total, query))
        elif "hosts_total_reading" in fig:
            low, high = fig["hosts_total_reading"]
            section.lines.append(_reading_line(f"{snapshot}: hosts", low, high, total, str(total), query))
        if "all_six_activities_share" in fig:
            count = round(row["all_six_share"] * total)
            section.lines.append(
                _share_line(
                    f"{snapshot}: share on all six activities", fig["all_six_activities_share"], count, total, query
                )
            )
        if "single_activity_hosts" in fig:
            section.lines.append(
                _count_line(
                    f"{snapshot}: hosts on one activity only",
                    int(fig["single_activity_hosts"]),
                    row["single_activity_hosts"],
                    query,
                )
            )
        for code, value in (fig.get("nationality") or {}).items():
            if code == "FR" and "share" in value:
                line = _share_line(
                    f"{snapshot}: share of French hosts",
                    value["share"],
                    round(row["fr_share"] * total),
                    total,
                    query,
                )
                basis = (qualified or {}).get(snapshot, {}).get("nationality")
                section.lines.append(_depends(line, basis) if basis else line)
    ordered = sorted(history, key=lambda r: r["snapshot"])
    for before, after in zip(ordered, ordered[1:], strict=False):
        pair = f"{before['snapshot']} \u2192 {after['snapshot']}"
        growth = after["hosts"] / before["hosts"]
        section.lines += [
            Line(
                f"{pair}: hosts", "", f"{before['hosts']} \u2192 {after['hosts']} (\u00d7{growth:.2f})", "", None, query
            ),
            Line(
                f"{pair}: share on all six activities",
                "",
                f"{_pct(before['all_six_share'], 1)} \u2192 {_pct(after['all_six_share'], 1)}",
                "",
                None,
                query,
            ),
            Line(
                f"{pair}: hosts on one activity only",
                "",
                f"{before['single_activity_hosts']} \u2192 {after['single_activity_hosts']}",
                "",
                None,
                query,
            ),
        ]
    for change in changes:
        section.lines.append(
            Line(
                f"From {change['from']} to {change['to']}: hosts new / lapsed / still listed",
                "",
                f"{change['new_hosts']} / {change['lapsed_hosts']} / {change['continuing_hosts']}",
                "",
                None,
                _q("changes-between-snapshots"),
            )
        )
    return section


def _today_section(snapshot: str, answers: dict) -> Section:
    """The questions the study did not ask, about the registry as it is today."""
    section = Section(
        "Referential, certificate types and expiring certificates",
        f"Questions the study did not ask, on the graph's snapshot {snapshot}: nothing published to compare with.",
    )
    labels = {"both": "both types", "physical_infrastructure_host": "physical infrastructure only"}
    labels["managed_services_host"] = "managed services (infogéreur) only"
    for name, column, what in (
        (
            "hosts-by-referential",
            "referential",
            lambda v: (
                "Hosts not all of whose certificates state their referential"
                if v == "unknown"
                else f"Hosts on referential {v}"
            ),
        ),
        ("hosts-by-certificate-types", "certificate_types", lambda v: f"Hosts certified for {labels.get(v, v)}"),
    ):
        for row in answers.get(name, []):
            computed = f"{row['hosts']} ({_pct(row['share'], 1)})"
            section.lines.append(Line(what(row[column]), "", computed, "", None, _q(name)))
    expiring = answers.get("certificates-expiring", [])
    hosts = len({row["host"] for row in expiring})
    certificates = sum(row["certificates"] for row in expiring)
    section.lines.append(
        Line(
            "Certificates expiring within 180 days of the snapshot (hosts)",
            "",
            f"{certificates} ({hosts})",
            "",
            None,
            _q("certificates-expiring"),
        )
    )
    return section


# ---------------------------------------------------------------- charts


def _charts(fig: dict, figures: dict, answers: dict, store) -> dict[str, str]:
    total = answers["hosts-total"][0]["hosts"] or 1
    labels = _labels(store, "Positioning")
    published = fig.get("positioning_counts") or {}
    positioning = [
        Bar(
            labels.get(r["positioning"], r["positioning"]),
            r["hosts"],
            str(r["hosts"]),
            published.get(r["positioning"]),
            str(published.get(r["positioning"], "")),
        )
        for r in answers["hosts-by-positioning"]
    ]

    countries = {
        row["n"].value: row["l"].value
        for row in store.query(
            f"SELECT ?n ?l WHERE {{ ?h <{HDS}nationality> ?c . ?c <{SKOS}notation> ?n ; <{RDFS}label> ?l }}"
        )
    }
    shown = answers["hosts-by-nationality"][:6]
    rest = sum(r["hosts"] for r in answers["hosts-by-nationality"][6:])
    published_nationality = fig.get("nationality") or {}
    nationality = []
    for r in shown:
        value = published_nationality.get(r["nationality"], {})
        mark = (
            value["share"] * 100
            if "share" in value
            else tuple(x * 100 for x in value["share_reading"])
            if "share_reading" in value
            else None
        )
        mark_text = (
            _pct(value["share"], decimals(value["share"]) - 2)
            if "share" in value
            else "about {:.0f}-{:.0f} %".format(*mark)
            if mark
            else ""
        )
        name = countries.get(r["nationality"])
        nationality.append(
            Bar(
                f"{name} ({r['nationality']})" if name else r["nationality"],
                r["hosts"] / total * 100,
                f"{r['hosts'] / total * 100:.1f} %",
                mark,
                mark_text,
            )
        )
    if rest:
        nationality.append(Bar("other", rest / total * 100, f"{rest / total * 100:.1f} %"))

    names = _labels(store, "Activity", "altLabel")
    published_coverage = {int(k): v for k, v in (fig.get("activity_coverage") or {}).items()}
    coverage = []
    for r in answers["activity-coverage"]:
        value = published_coverage.get(r["activity"], {})
        mark = value.get("share", value["hosts"] / total if "hosts" in value else None)
        coverage.append(
            Bar(
                f"{r['activity']}. {names.get(str(r['activity']), '')}",
                r["share"] * 100,
                f"{r['share'] * 100:.1f} %",
                None if mark is None else mark * 100,
                "" if mark is None else _pct(mark, 0),
            )
        )

    points = [Point(r["snapshot"], r["hosts"], str(r["hosts"]), "graph") for r in answers["hosts-by-snapshot"]]
    for snapshot, f in figures["snapshots"].items():
        if "hosts_total" in f:
            points.append(Point(snapshot, f["hosts_total"], f"study: {f['hosts_total']}", "study"))
        elif "hosts_total_reading" in f:
            low, high = f["hosts_total_reading"]
            points.append(Point(snapshot, (low, high), f"study: {low}-{high}", "study"))
    for snapshot, f in (figures.get("other_published_counts") or {}).items():
        points.append(Point(str(snapshot), f["hosts_total"], str(f["hosts_total"]), "other", f.get("source", "")))
    return {
        "chart-positioning.svg": bar_chart("positioning", "Hosts by main positioning", positioning),
        "chart-nationality.svg": bar_chart("nationality", "Hosts by nationality (share, %)", nationality, 100),
        "chart-activity-coverage.svg": bar_chart(
            "coverage", "Hosts certified for each activity (share, %)", coverage, 100
        ),
        "chart-hosts-over-time.svg": time_chart("hosts", "Certified hosts over time", points),
    }


# ---------------------------------------------------------------- the report


def make_report(data: Path, figures_path: Path | None = None, snapshot: str | None = None) -> Report:
    """The report on the build (or dump) ``data``, against the figures of ``figures_path``
    (default: the study's, bundled in seeds/)."""
    figures = read_figures(figures_path or asset_dir("seeds") / "study-2022.yaml")
    data = Path(data)
    store = open_store(data)
    known = graph_snapshots(store)
    if not known:
        raise InputError(f"{graph_file(data)}: no registry snapshot in this graph")
    snapshot = snapshot or max(known)
    answers = run_answers(store, snapshot)
    published = (
        snapshot  # the study's figures for this very snapshot (report --snapshot 2020-07)
        if snapshot in figures["snapshots"]
        else max(s for s, f in figures["snapshots"].items() if "hosts_total" in f)
        if any("hosts_total" in f for f in figures["snapshots"].values())
        else max(figures["snapshots"])
    )
    fig = figures["snapshots"][published]
    counts = next(
        iter(
            store.query(
                f"SELECT (COUNT(DISTINCT ?s) AS ?synthetic) (COUNT(DISTINCT ?h) AS ?hosts) WHERE {{ ?h a <{HDS}Host> . "
                f"OPTIONAL {{ ?h <{HDS}synthetic> true BIND(?h AS ?s) }} }}"
            )
        )
    )
    synthetic, hosts = int(counts["synthetic"].value), int(counts["hosts"].value)
    sections = [
        _study_section(fig, published, snapshot, answers, store),
        _history_section(
            figures,
            published,
            answers["hosts-by-snapshot"],
            answers["changes-between-snapshots"],
            {s: _qualified_in(store, s) for s in known},
        ),
        _today_section(snapshot, answers),
    ]
    charts = _charts(fig, figures, answers, store)
    source = figures.get("source") or {}
    context = _Context(snapshot, published, sorted(known), synthetic, hosts, source, _calibrated(store))
    return Report(
        _render("report.md", context, sections, charts),
        _render("report.html", context, sections, charts),
        charts,
        sections,
        synthetic,
        hosts,
    )


@dataclass
class _Context:
    snapshot: str
    published: str
    snapshots: list[str]
    synthetic: int
    hosts: int
    source: dict
    calibrated: bool = False  # built from the bundled snapshots, generated to match the study

    def data_note(self) -> str:
        if self.synthetic and not self.calibrated:
            return (
                f"Synthetic data: {self.synthetic} of the {self.hosts} hosts in this graph are fictitious, "
                "generated by hdsgraph. Its figures say nothing about the real registry."
            )
        if self.synthetic:
            return (
                f"Synthetic data: {self.synthetic} of the {self.hosts} hosts in this graph are fictitious, "
                "generated by hdsgraph to match the study's published figures. That the figures below match "
                "the study says nothing about the real registry: it shows that the pipeline and its queries "
                "reproduce the study's method."
            )
        return (
            f"This graph holds {self.hosts} hosts, none flagged synthetic: the figures below are those of "
            "the registry it was built from, set against the study's."
        )

    def citation(self) -> str:
        s = self.source
        return (
            f"{s.get('publisher', 'the study')}, \u201c{s.get('title', '')}\u201d, published {s.get('published', '')}"
            f"{', updated ' + str(s['updated']) if s.get('updated') else ''}; registry retrieved "
            f"{s.get('registry_retrieved', '')} from the {s.get('registry_publisher', 'ANS')}."
        )


def _qualified_in(store, snapshot: str) -> dict[str, Qualified]:
    """How the hosts of one snapshot were qualified, by queries/qualification-sources.rq."""
    name, text = query_text("qualification-sources")
    return qualification_counts({name: run_select(store, text, snapshot, name).rows})


def _calibrated(store) -> bool:
    """Whether every snapshot of the graph is one of the bundled ones (seeds/registries/), which
    are generated to match the study's figures: the same SHA-256 as the bundled file."""
    from hdsgraph.files import file_sha256

    bundled = {file_sha256(p) for p in sorted((asset_dir("seeds") / "registries").glob("*.csv"))}
    found = {
        row["sha"].value
        for row in store.query(f"SELECT ?sha WHERE {{ ?s a <{HDS}RegistrySnapshot> ; <{HDS}sha256> ?sha }}")
    }
    return bool(found) and found <= bundled


def _mark(matches: bool | None) -> str:
    return "" if matches is None else "yes" if matches else "no"


@cache
def environment():
    """The report's templates (report.md, report.html and its report.css); HTML escaped as
    ``html.escape`` does, Markdown table cells with their pipes escaped."""
    env = template_environment(TEMPLATES, stdlib_escaping=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["mark"] = _mark
    env.filters["cell"] = lambda text: text.replace("|", "\\|")
    return env


def _markdown_text(value) -> str:
    """A value shown in report.md: ``&``, ``<`` and ``>`` as HTML entities, so that a name in
    the data is text in any Markdown viewer, never HTML."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@cache
def markdown_environment():
    """report.md's templates: as ``environment``, every value through ``_markdown_text``."""
    env = template_environment(TEMPLATES, trim_blocks=True, lstrip_blocks=True, finalize=_markdown_text)
    env.filters.update(environment().filters)
    return env


def _render(template: str, ctx: _Context, sections: list[Section], charts: dict[str, str]) -> str:
    shown = [
        {"name": name, "svg": svg.rstrip("\n"), "title": svg.split("<title", 1)[1].split(">", 1)[1].split("<", 1)[0]}
        for name, svg in charts.items()
    ]
    return (
        (markdown_environment() if template.endswith(".md") else environment())
        .get_template(template)
        .render(
            snapshots=ctx.snapshots,
            snapshot=ctx.snapshot,
            published=ctx.published,
            data_note=ctx.data_note(),
            citation=ctx.citation(),
            sections=sections,
            charts=shown,
        )
    )


def write_report(data: Path, out: Path, figures_path: Path | None = None, snapshot: str | None = None) -> Report:
    """Write report.md, report.html (charts inline) and the charts as SVG files into ``out``."""
    report = make_report(data, figures_path, snapshot)
    write_folder(Path(out), report.files())
    return report
