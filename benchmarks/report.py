"""Write the benchmark's results: results.json, results.md (tables, targets) and chart.svg."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTES = HERE / "notes.md"  # the causes of missed targets, written by people; copied into results.md
MAPPING_STAGES = ("read", "normalise", "qualify", "map")


def _s(seconds) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.3f} s" if seconds < 1 else f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def _mem(size) -> str:
    if size is None:
        return "–"
    return f"{size / 2**30:.2f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


def _n(number) -> str:
    return "–" if number is None else f"{number:,}"


def _ratio(slow, fast) -> float | None:
    return slow / fast if slow and fast else None


def _x(ratio, lower_bound=False) -> str:
    return "–" if ratio is None else f"{'≥ ' if lower_bound else ''}{ratio:.1f}×"


def _pipeline(results, hosts, name):
    entry = results["sizes"].get(str(hosts), {})
    pipeline = entry.get("pipelines", {}).get(name)
    return pipeline if pipeline and pipeline.get("ok") else None


def _timed_out(plain) -> bool:
    """Whether some of the plain pipeline's work was stopped at a timeout (its time is then a lower bound)."""
    return bool((plain or {}).get("cut")) or any(v is None for v in (plain or {}).get("queries", {}).values())


def mapping_times(results, hosts) -> dict:
    """hdsgraph's mapping (the map stage; and CSV to triples) beside morph-kgc's."""
    built, morph = _pipeline(results, hosts, "hdsgraph"), _pipeline(results, hosts, "morph-kgc")
    row = {}
    if built:
        stages = built["stages"]
        row["hdsgraph_map"] = stages.get("map")
        row["hdsgraph_csv_to_triples"] = sum(stages.get(s) or 0 for s in MAPPING_STAGES) or None
    if morph:
        row["morph_prepare"] = morph["stages"].get("prepare (process)")
        row["morph_materialise"] = morph["stages"].get("materialise")
        row["morph_materialise_process"] = morph["stages"].get("materialise (process)")
        row["morph_total"] = morph["seconds"]
    return row


# ---------------------------------------------------------------- targets


def targets(results) -> list[dict]:
    """Each target of issue 7 with what was measured and whether it is met."""
    rows = []

    def target(name, measured, met, miss=""):
        rows.append(
            {
                "target": name,
                "measured": measured,
                "verdict": "not measured" if met is None else "met" if met else f"missed{miss}",
            }
        )

    demo = results.get("demo")
    if demo and demo.get("ok"):
        target(
            "205 hosts (demonstration data): build end to end < 2 s",
            _s(demo["seconds"]),
            demo["seconds"] < 2,
            f" by {_s(demo['seconds'] - 2)} ({demo['seconds'] / 2:.1f}× the budget)",
        )
    else:
        target("205 hosts (demonstration data): build end to end < 2 s", "–", None)

    built = _pipeline(results, 100_000, "hdsgraph")
    if built:
        target(
            "100,000 hosts: build end to end < 60 s",
            _s(built["seconds"]),
            built["seconds"] < 60,
            f" by {_s(built['seconds'] - 60)} ({built['seconds'] / 60:.1f}× the budget)",
        )
        limit = 3 * 2**30
        target(
            "100,000 hosts: peak memory < 3 GB (GiB)",
            _mem(built["peak_bytes"]),
            built["peak_bytes"] < limit,
            f" by {_mem(built['peak_bytes'] - limit)}",
        )
        plain = _pipeline(results, 100_000, "plain-rdflib")
        if plain:
            ratio = _ratio(plain["seconds"], built["seconds"])
            bound = _timed_out(plain)
            target(
                "100,000 hosts: ≥ 5× faster than plain rdflib + pySHACL",
                _x(ratio, bound),
                ratio >= 5,
                f": {ratio:.1f}× instead of 5×" + (" (a lower bound: some rdflib work was cut short)" if bound else ""),
            )
        else:
            target("100,000 hosts: ≥ 5× faster than plain rdflib + pySHACL", "–", None)
    else:
        for name in (
            "100,000 hosts: build end to end < 60 s",
            "100,000 hosts: peak memory < 3 GB (GiB)",
            "100,000 hosts: ≥ 5× faster than plain rdflib + pySHACL",
        ):
            target(name, "–", None)

    both = [
        h
        for h in _sizes(results)
        if mapping_times(results, h).get("morph_materialise") and mapping_times(results, h).get("hdsgraph_map")
    ]
    if both:
        hosts = max(both)
        row = mapping_times(results, hosts)
        ratio = row["morph_materialise"] / row["hdsgraph_map"]
        target(
            f"mapping at least as fast as morph-kgc ({hosts:,} hosts: hdsgraph map stage vs morph-kgc materialise)",
            f"{_s(row['hdsgraph_map'])} vs {_s(row['morph_materialise'])} ({_x(ratio)})",
            ratio >= 1,
            f": hdsgraph takes {1 / ratio:.1f}× morph-kgc's time",
        )
    else:
        target("mapping at least as fast as morph-kgc", "–", None)

    timed = [h for h in _sizes(results) if results["sizes"][str(h)].get("queries", {}).get("ok")]
    if timed:
        # The target is for a million triples: the graph closest to that (on a log scale).
        def slowest(h):
            queries = results["sizes"][str(h)]["queries"]
            return queries["triples"], *max(queries["queries"].items(), key=lambda item: item[1]["seconds"])

        hosts = min(timed, key=lambda h: abs(math.log(results["sizes"][str(h)]["queries"]["triples"] / 1e6)))
        triples, name, found = slowest(hosts)
        measured = f"slowest {name} {_s(found['seconds'])}"
        if max(timed) != hosts:
            more, name_more, found_more = slowest(max(timed))
            measured += f" (on {more:,} triples, {max(timed):,} hosts: {name_more} {_s(found_more['seconds'])})"
        target(
            f"each study query < 1 s on a million triples ({hosts:,} hosts, {_n(triples)} triples)",
            measured,
            found["seconds"] < 1,
            f" by {_s(found['seconds'] - 1)}",
        )
    else:
        target("each study query < 1 s on a million triples", "–", None)

    million = results["sizes"].get("1000000", {}).get("pipelines", {}).get("hdsgraph")
    if million:
        met = million.get("ok")
        if met:
            measured = f"{_s(million['seconds'])}, peak {_mem(million['peak_bytes'])}"
        else:
            last = million["runs"][-1]
            measured = f"{_failure(million)} after {_s(last['seconds'])}, peak {_mem(last['peak_bytes'])}"
        target("1,000,000 hosts: the build completes", measured, bool(met), "")
    else:
        target("1,000,000 hosts: the build completes", "–", None)
    return rows


def _failure(pipeline) -> str:
    return re.sub(r"^exit None: ", "", pipeline.get("error", "failed"))  # early runs recorded a stop as "exit None"


def _versions(results) -> dict:
    """The machine's library versions, with morph-kgc's as its runs recorded it."""
    versions = dict(results["machine"]["versions"])
    for entry in results["sizes"].values():
        morph = entry.get("pipelines", {}).get("morph-kgc") or {}
        if morph.get("version") and not versions.get("morph-kgc"):
            versions["morph-kgc"] = morph["version"]
    return versions


def _sizes(results) -> list[int]:
    return sorted(int(h) for h in results["sizes"])


# ---------------------------------------------------------------- Markdown


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def markdown(results) -> str:
    m = results["machine"]
    settings = results["settings"]
    sizes = _sizes(results)
    out = [
        "# hdsgraph benchmarks",
        "",
        'Written by `python benchmarks/run.py` (see the README, "Benchmarks"); do not edit by hand: '
        "the causes of missed targets go in `benchmarks/notes.md`, which is copied below.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {_mem(m['memory_bytes'])}; {m['os']}",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in _versions(results).items() if v),
        f"- Run {results['started']} to {results.get('finished', '(unfinished)')}",
        f"- hdsgraph: median of {settings['runs']} run(s) ({settings.get('large_runs', settings['runs'])} at 1,000,000 "
        f"hosts and more); alternatives: median of {settings['alt_runs']} run(s)"
        + (" (--quick: a fast look, not a measurement)" if settings["quick"] else ""),
        f"- Inputs: registries generated by `hdsgraph synth --hosts N --seed {settings['seed']}` "
        "(synthetic, fictitious hosts), one snapshot each.",
        f"- Limits: plain rdflib runs up to {settings['rdflib_max']:,} hosts, morph-kgc up to "
        f"{settings['morph_max']:,} (options `--rdflib-max`, `--morph-max`); an rdflib SPARQL study query "
        f"is stopped after {settings['query_timeout']:g} s (`--query-timeout`) and counts as missing, an rdflib "
        f"serialiser after {settings.get('serialise_timeout', 0):g} s (`--serialise-timeout`); the plain "
        "pipeline's time is then a lower bound (marked ≥).",
        "",
    ]

    out += ["## Targets (issue 7)", ""]
    out += _table(
        ["target", "measured", "verdict"], [[t["target"], t["measured"], t["verdict"]] for t in targets(results)]
    )

    out += [
        "",
        "## End to end: process start to exit",
        "",
        "Each pipeline reads the same registry CSV and produces the same triples (checked below). "
        "hdsgraph and plain rdflib do everything: map, validate (SHACL), answer the study queries, "
        "write N-Triples, Turtle and JSON-LD. morph-kgc only maps (preparation + materialisation).",
        "",
    ]
    rows = []
    for hosts in sizes:
        entry = results["sizes"][str(hosts)]
        built, plain, morph = (_pipeline(results, hosts, p) for p in ("hdsgraph", "plain-rdflib", "morph-kgc"))
        failed = entry.get("pipelines", {}).get("hdsgraph")
        rows.append(
            [
                _n(hosts),
                _n(entry.get("triples")),
                _s(built["seconds"]) if built else _failure(failed) if failed else "–",
                _mem(built and built["peak_bytes"]),
                _s(plain and plain["seconds"]) + (" (some work cut)" if _timed_out(plain) else ""),
                _mem(plain and plain["peak_bytes"]),
                _x(_ratio(plain and plain["seconds"], built and built["seconds"]), _timed_out(plain)),
                _s(morph and morph["seconds"]),
                _mem(morph and morph["peak_bytes"]),
            ]
            + [_skipped(entry)]
        )
    out += _table(
        [
            "hosts",
            "triples",
            "hdsgraph",
            "peak",
            "plain rdflib + pySHACL",
            "peak",
            "plain / hdsgraph",
            "morph-kgc (map only)",
            "peak",
            "not run",
        ],
        rows,
    )

    demo = results.get("demo")
    if demo and demo.get("ok"):
        out += [
            "",
            f"Demonstration data (bundled seeds, 205 hosts): `hdsgraph build` in {_s(demo['seconds'])}, "
            f"peak {_mem(demo['peak_bytes'])}; stages: " + _stage_text(demo["stages"]) + ".",
        ]

    out += [
        "",
        "## hdsgraph build, stage by stage",
        "",
        'As `hdsgraph build` reports them ("Stage times"), medians. On large graphs the build validates '
        "in worker processes while it loads the store, queries and serialises: validate is then the "
        "wall time from its start to its end, and overlaps those stages.",
        "",
    ]
    out += _stage_table(results, sizes, "hdsgraph")
    out += [
        "",
        "## Plain rdflib + pySHACL, stage by stage",
        "",
        "map: csv + `Graph.add` per triple (with the ontology parsed by rdflib); validate: pySHACL on "
        "`shapes/hds.ttl` plus the `shapes/*-violation.rq` rules with rdflib SPARQL; query: the study "
        "queries with rdflib SPARQL; serialise: rdflib's N-Triples, Turtle and JSON-LD writers.",
        "",
    ]
    out += _stage_table(results, sizes, "plain-rdflib")

    out += [
        "",
        "## Mapping: hdsgraph against morph-kgc",
        "",
        "hdsgraph map: the build's map stage (registry tables to sorted, de-duplicated N-Triples bytes, "
        "ontology included); CSV to triples adds reading, normalising and qualifying the registry. "
        "morph-kgc materialise: `morph_kgc.materialize_set` in process on the prepared tables "
        "(`benchmarks/rml/hds.rml.ttl`); preparation: `benchmarks/rml_prepare.py` computes what RML cannot "
        "(a host's most frequent name, certificate IRIs hashed from their content, rows split by "
        "certificate type), process start to exit; materialise (process) includes starting Python and "
        "importing morph-kgc.",
        "",
    ]
    rows = []
    for hosts in sizes:
        row = mapping_times(results, hosts)
        if not row.get("morph_total"):
            continue
        rows.append(
            [
                _n(hosts),
                _s(row.get("hdsgraph_map")),
                _s(row.get("morph_materialise")),
                _x(_ratio(row.get("morph_materialise"), row.get("hdsgraph_map"))),
                _s(row.get("hdsgraph_csv_to_triples")),
                _s(row.get("morph_prepare")),
                _s(row.get("morph_materialise_process")),
                _x(_ratio(row.get("morph_total"), row.get("hdsgraph_csv_to_triples"))),
            ]
        )
    out += _table(
        [
            "hosts",
            "hdsgraph map",
            "morph-kgc materialise",
            "morph / hdsgraph",
            "hdsgraph CSV to triples",
            "morph-kgc preparation",
            "morph-kgc materialise (process)",
            "morph total / hdsgraph",
        ],
        rows,
    )

    out += [
        "",
        "## Study queries",
        "",
        "hdsgraph: each query on the built graph in an Oxigraph store, as `hdsgraph query` runs it "
        "(median of the runs; loading the store not included). rdflib: the same query with rdflib "
        "SPARQL in the plain pipeline; `> N s` means stopped at the timeout.",
        "",
    ]
    names = sorted({n for h in sizes for n in results["sizes"][str(h)].get("queries", {}).get("queries", {})})
    header = (
        ["query"]
        + [f"hdsgraph {h:,}" for h in sizes]
        + [f"rdflib {h:,}" for h in sizes if _pipeline(results, h, "plain-rdflib")]
    )
    rows = []
    for name in names:
        row = [f"`{name}`"]
        for hosts in sizes:
            found = results["sizes"][str(hosts)].get("queries", {}).get("queries", {}).get(name)
            row.append(_s(found and found["seconds"]))
        for hosts in sizes:
            plain = _pipeline(results, hosts, "plain-rdflib")
            if plain:
                seconds = plain.get("queries", {}).get(name, "absent")
                row.append(
                    f"> {plain['query_timeout']:g} s"
                    if seconds is None
                    else "–"
                    if seconds == "absent"
                    else _s(seconds)
                )
        rows.append(row)
    out += _table(header, rows)

    out += [
        "",
        "## Same triples",
        "",
        "Each alternative's N-Triples compared with hdsgraph's `hds.nt` as sets of triples "
        "(morph-kgc's output plus the ontology, which RML does not map). Plain rdflib's answers to the "
        "study queries are compared with hdsgraph's `answers.json` too.",
        "",
    ]
    rows = []
    for hosts in sizes:
        for name in ("plain-rdflib", "morph-kgc"):
            pipeline = _pipeline(results, hosts, name)
            if not pipeline or "same_triples" not in pipeline:
                continue
            same = pipeline["same_triples"]
            verdict = (
                f"same ({_n(same['reference'])} triples)"
                if same["same"]
                else f"DIFFERENT: {same['missing']} missing, {same['extra']} extra; e.g. "
                + "; ".join(f"`{t[:160]}`" for t in same["missing_sample"][:1] + same["extra_sample"][:1])
            )
            answers = pipeline.get("same_answers")
            answer_text = (
                "–"
                if not answers
                else (
                    f"{answers['equal']} of {answers['compared']} answered queries equal"
                    + (f" (different: {', '.join(answers['different'])})" if answers["different"] else "")
                )
            )
            rows.append([_n(hosts), name, verdict, answer_text])
    out += _table(["hosts", "pipeline", "triples", "study answers"], rows)

    out += ["", "## Gaps and their causes", ""]
    missed = [t for t in targets(results) if t["verdict"].startswith("missed")]
    out += [f"- **{t['target']}**: {t['verdict']} (measured {t['measured']})." for t in missed] or [
        "No target measured in this run was missed."
    ]
    out += [""]
    if NOTES.exists() and NOTES.read_text(encoding="utf-8").strip():
        out += [NOTES.read_text(encoding="utf-8").strip()]
    else:
        out += ["_Causes: to be written in `benchmarks/notes.md` (copied here by the next run)._"]
    out += ["", "![time against hosts, log-log](chart.svg)", ""]
    out += history_markdown(results)
    return "\n".join(out) + "\n"


def _skipped(entry) -> str:
    return "; ".join(f"{name}: {why}" for name, why in entry.get("skipped", {}).items()) or ""


def _stage_text(stages: dict) -> str:
    return ", ".join(f"{name} {_s(seconds)}" for name, seconds in stages.items())


def _stage_table(results, sizes, name) -> list[str]:
    runs = [(h, _pipeline(results, h, name)) for h in sizes]
    runs = [(h, p) for h, p in runs if p]
    stages = []
    for _, pipeline in runs:
        stages += [s for s in pipeline["stages"] if s not in stages]

    def cell(pipeline, stage):
        if stage in pipeline.get("cut", []):
            limit = pipeline.get("serialise_timeout")
            return f"> {limit:g} s (stopped)" if limit else "stopped"
        return _s(pipeline["stages"].get(stage))

    rows = [[_n(h)] + [cell(p, s) for s in stages] + [_s(p["seconds"]), _mem(p["peak_bytes"])] for h, p in runs]
    return _table(["hosts"] + stages + ["process", "peak"], rows)


# ---------------------------------------------------------------- chart


SERIES = (
    ("hdsgraph build (end to end)", "#1b6ac9", lambda r, h: (_pipeline(r, h, "hdsgraph") or {}).get("seconds"), ""),
    (
        "plain rdflib + pySHACL (end to end)",
        "#d1495b",
        lambda r, h: (_pipeline(r, h, "plain-rdflib") or {}).get("seconds"),
        "",
    ),
    ("morph-kgc: preparation + materialise", "#2e933c", lambda r, h: mapping_times(r, h).get("morph_total"), ""),
    ("hdsgraph map stage", "#1b6ac9", lambda r, h: mapping_times(r, h).get("hdsgraph_map"), "6 4"),
    ("morph-kgc materialise (in process)", "#2e933c", lambda r, h: mapping_times(r, h).get("morph_materialise"), "6 4"),
)


def chart(results) -> str:
    """Time against hosts on log-log axes, as a self-contained SVG."""
    sizes = _sizes(results)
    series = [
        (label, colour, dash, [(h, get(results, h)) for h in sizes if get(results, h)])
        for label, colour, get, dash in SERIES
    ]
    series = [s for s in series if s[3]]
    points = [p for s in series for p in s[3]]
    width, height, left, right, top, bottom = 760, 470, 70, 20, 40, 150
    if not points:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="80">'
            '<text x="10" y="40">no data</text></svg>\n'
        )
    x0, x1 = math.floor(math.log10(min(p[0] for p in points))), math.ceil(math.log10(max(p[0] for p in points)))
    y0, y1 = math.floor(math.log10(min(p[1] for p in points))), math.ceil(math.log10(max(p[1] for p in points)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(hosts):
        return left + (math.log10(hosts) - x0) / (x1 - x0) * plot_w

    def py(seconds):
        return top + plot_h - (math.log10(seconds) - y0) / (y1 - y0) * plot_h

    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="15">Time against registry size (log-log), {results["machine"]["cores"]}'
        f" cores, {_esc(results['machine']['cpu'])}</text>",
    ]
    for e in range(x0, x1 + 1):
        x = px(10**e)
        svg.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#ddd"/>')
        svg.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{10**e:,}</text>')
    for e in range(y0, y1 + 1):
        y = py(10**e)
        svg.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        label = f"{10**e:g} s" if e >= 0 else f"{10**e:.{-e}f} s"
        svg.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    svg.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>')
    svg.append(f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 36}" text-anchor="middle">hosts</text>')
    for i, (label, colour, dash, data) in enumerate(series):
        path = " ".join(f"{px(h):.1f},{py(s):.1f}" for h, s in data)
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashing}/>')
        svg += [
            f'<circle cx="{px(h):.1f}" cy="{py(s):.1f}" r="3.5" fill="{colour}"><title>{_esc(label)}: '
            f"{h:,} hosts, {s:.2f} s</title></circle>"
            for h, s in data
        ]
        ly = top + plot_h + 58 + i * 18
        svg.append(
            f'<line x1="{left}" y1="{ly - 4}" x2="{left + 30}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="2"{dashing}/>'
        )
        svg.append(f'<text x="{left + 38}" y="{ly}">{_esc(label)}</text>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------- history (issue 16)


def history_targets(results) -> list[dict]:
    """The history and incremental targets of issue 16, with what was measured."""
    history = results.get("history") or {}
    builds = {int(n): b for n, b in history.get("builds", {}).items()}
    rows = []

    def target(name, measured, met, miss=""):
        verdict = "not measured" if met is None else "met" if met else f"missed{miss}"
        rows.append({"target": name, "measured": measured, "verdict": verdict})

    full = builds.get(120)
    if full and full.get("ok"):
        target(
            "120 snapshots: build < 60 s", _s(full["seconds"]), full["seconds"] < 60, f" ({full['seconds'] / 60:.1f}×)"
        )
        target(
            "120 snapshots: peak memory < 2 GB (GiB)",
            _mem(full["peak_bytes"]),
            full["peak_bytes"] < 2 * 2**30,
            f" by {_mem(full['peak_bytes'] - 2 * 2**30)}",
        )
        queries = (full.get("queries") or {}).get("queries") or {}
        if queries:
            name, found = max(queries.items(), key=lambda item: item[1]["seconds"])
            target(
                "120 snapshots: each study query < 1 s",
                f"slowest {name} {_s(found['seconds'])}",
                found["seconds"] < 1,
                f" by {_s(found['seconds'] - 1)}",
            )
    else:
        reason = f" ({_failure(full)})" if full else ""
        target("120 snapshots: build < 60 s", "did not complete" + reason if full else "–", False if full else None)
    added = history.get("incremental")
    if added and added["incremental"].get("ok") and added["cold"].get("ok"):
        share = added["incremental"]["seconds"] / added["cold"]["seconds"]
        target(
            f"adding snapshot {added['snapshots']}: < 20 % of a cold build, same bytes",
            f"{_s(added['incremental']['seconds'])} vs cold {_s(added['cold']['seconds'])} ({share:.0%}); "
            f"same bytes: {'yes' if added['same_bytes'] else 'no'}",
            share < 0.2 and bool(added["same_bytes"]),
            "",
        )
    else:
        target("adding a snapshot: < 20 % of a cold build, same bytes", "–", None)
    return rows


def history_markdown(results) -> list[str]:
    history = results.get("history")
    if not history:
        return []
    settings = history.get("settings", {})
    out = [
        "## History: monthly snapshots (issue 16)",
        "",
        f"A registry growing from {settings.get('first_hosts')} to {settings.get('last_hosts')} hosts "
        "(`hdsgraph synth --history`), built cold for its first N snapshots"
        + (" with the candidate queries of `benchmarks/queries/`" if settings.get("candidate_queries") else "")
        + ".",
        "",
    ]
    out += _table(
        ["target", "measured", "verdict"],
        [[t["target"], t["measured"], t["verdict"]] for t in history_targets(results)],
    )
    rows = []
    for count, built in sorted(((int(n), b) for n, b in history.get("builds", {}).items())):
        if not built.get("ok"):
            rows.append([str(count), _failure(built), "", "", ""])
            continue
        queries = (built.get("queries") or {}).get("queries") or {}
        slowest = max(queries.items(), key=lambda item: item[1]["seconds"]) if queries else None
        rows.append(
            [
                str(count),
                _s(built["seconds"]),
                _mem(built["peak_bytes"]),
                _stage_text(built["stages"]),
                f"{slowest[0]} {_s(slowest[1]['seconds'])}" if slowest else "–",
            ]
        )
    out += ["", *_table(["snapshots", "build", "peak", "stages", "slowest query"], rows)]
    out += ["", "Query times: `benchmarks/query_times.py` on each build, with the bundled `queries/`."]
    out += ["", "![time and memory against snapshots, log-log](history.svg)", ""]
    return out


def history_chart(results) -> str:
    """Build time (s) and peak memory (MiB) against snapshots, log-log, as SVG."""
    builds = sorted(
        ((int(n), b) for n, b in (results.get("history") or {}).get("builds", {}).items() if b.get("ok")),
    )
    series = [
        ("build time (s)", "#1b6ac9", [(n, b["seconds"]) for n, b in builds]),
        ("peak memory (MiB)", "#d1495b", [(n, b["peak_bytes"] / 2**20) for n, b in builds]),
    ]
    return loglog_svg("Build time and peak memory against monthly snapshots (log-log)", "snapshots", series)


def loglog_svg(title: str, xlabel: str, series: list[tuple[str, str, list[tuple[float, float]]]]) -> str:
    width, height, left, right, top, bottom = 760, 420, 70, 20, 40, 110
    points = [p for _, _, data in series for p in data if p[0] > 0 and p[1] > 0]
    if not points:
        empty = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="80">'
        return empty + '<text x="10" y="40">no data</text></svg>\n'
    x0, x1 = math.floor(math.log10(min(p[0] for p in points))), math.ceil(math.log10(max(p[0] for p in points)))
    y0, y1 = math.floor(math.log10(min(p[1] for p in points))), math.ceil(math.log10(max(p[1] for p in points)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x):
        return left + (math.log10(x) - x0) / (x1 - x0) * plot_w

    def py(y):
        return top + plot_h - (math.log10(y) - y0) / (y1 - y0) * plot_h

    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="15">{_esc(title)}</text>',
    ]
    for e in range(x0, x1 + 1):
        svg.append(f'<line x1="{px(10**e):.1f}" y1="{top}" x2="{px(10**e):.1f}" y2="{top + plot_h}" stroke="#ddd"/>')
        svg.append(f'<text x="{px(10**e):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{10**e:,}</text>')
    for e in range(y0, y1 + 1):
        svg.append(f'<line x1="{left}" y1="{py(10**e):.1f}" x2="{left + plot_w}" y2="{py(10**e):.1f}" stroke="#ddd"/>')
        svg.append(f'<text x="{left - 6}" y="{py(10**e) + 4:.1f}" text-anchor="end">{10**e:g}</text>')
    svg.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>')
    svg.append(f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 36}" text-anchor="middle">{_esc(xlabel)}</text>')
    for i, (label, colour, data) in enumerate(series):
        data = [p for p in data if p[0] > 0 and p[1] > 0]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in data)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        svg += [
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"><title>{_esc(label)}: '
            f"{x:,g}, {y:.2f}</title></circle>"
            for x, y in data
        ]
        ly = top + plot_h + 58 + i * 18
        svg.append(
            f'<line x1="{left}" y1="{ly - 4}" x2="{left + 30}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>'
        )
        svg.append(f'<text x="{left + 38}" y="{ly}">{_esc(label)}</text>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def memory_chart(results) -> str:
    """Peak memory (MiB) against hosts, log-log, for each pipeline that ran."""
    sizes = _sizes(results)
    series = [
        (
            f"{name} peak memory (MiB)",
            colour,
            [(h, p["peak_bytes"] / 2**20) for h in sizes if (p := _pipeline(results, h, name))],
        )
        for name, colour in (("hdsgraph", "#1b6ac9"), ("plain-rdflib", "#d1495b"), ("morph-kgc", "#2e933c"))
    ]
    return loglog_svg("Peak memory against registry size (log-log)", "hosts", [s for s in series if s[2]])


def write_results(results: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "results.md").write_text(markdown(results), encoding="utf-8")
    (folder / "chart.svg").write_text(chart(results), encoding="utf-8")
    (folder / "memory.svg").write_text(memory_chart(results), encoding="utf-8")
    (folder / "history.svg").write_text(history_chart(results), encoding="utf-8")
