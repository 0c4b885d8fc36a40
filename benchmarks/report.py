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

    out += ["## Targets (issue 16)", ""]
    out += [
        "Each target of issue 16, measured in this run; for a missed one, its cause as "
        '`benchmarks/notes.md` gives it (its section "Causes of missed targets", by the id in the first column).',
        "",
    ]
    out += _table(
        ["id", "target", "measured", "verdict", "cause (benchmarks/notes.md)"],
        [
            [f"`{t['id']}`", t["target"], t["measured"], t["verdict"], t["cause"]]
            for t in issue16_targets(results, NOTES)
        ],
    )
    out += ["", "## Targets (issue 7)", ""]
    out += _table(
        ["target", "measured", "verdict"], [[t["target"], t["measured"], t["verdict"]] for t in targets(results)]
    )

    out += ["", *side_by_side(results)]

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
        "study queries are compared with hdsgraph's `answers.json` too. The floor's file is compared "
        "line by line, bytes and order, with the lines of `hds.nt` that come from the rows: all but the "
        "ontology's (`ontology/hds.ttl`) and the dataset node's (`<https://w3id.org/hdsgraph/dataset>`: "
        "its title, description and `prov:wasDerivedFrom`).",
        "",
    ]
    rows = []
    for hosts in sizes:
        for name in ("plain-rdflib", "morph-kgc", "floor"):
            pipeline = _pipeline(results, hosts, name)
            if not pipeline or not (pipeline.get("same_triples") or pipeline.get("same_lines")):
                continue
            same = pipeline.get("same_triples") or pipeline["same_lines"]
            verdict = (
                (
                    f"same ({_n(same['reference'])} triples)"
                    if "same_triples" in pipeline
                    else f"same lines ({_n(same['reference'])}, sorted)"
                )
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
    missed = [t for t in issue16_targets(results) + targets(results) if t["verdict"].startswith("missed")]
    out += [f"- **{t['target']}**: {t['verdict']} (measured {t['measured']})." for t in missed] or [
        "No target measured in this run was missed."
    ]
    out += [""]
    if NOTES.exists() and NOTES.read_text(encoding="utf-8").strip():
        out += [NOTES.read_text(encoding="utf-8").strip()]
    else:
        out += ["_Causes: to be written in `benchmarks/notes.md` (copied here by the next run)._"]
    out += [
        "",
        "![time against hosts, log-log](chart.svg)",
        "",
        "![peak memory against hosts, log-log](memory.svg)",
        "",
    ]
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


# ---------------------------------------------------------------- history (issue 16)


def history_markdown(results) -> list[str]:
    history = results.get("history")
    if not history:
        return []
    settings = history.get("settings", {})
    out = [
        "## History: monthly snapshots (issue 16)",
        "",
        f"A registry growing from {settings.get('first_hosts')} to {settings.get('last_hosts')} hosts "
        "(`hdsgraph synth --history`), built cold for its first N snapshots (the targets are in "
        '"Targets (issue 16)" above).',
        "",
    ]
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
    added = history.get("incremental")
    if added:
        for kind in ("incremental", "cold"):
            built = added[kind]
            what = "incremental: one more snapshot, same folder" if kind == "incremental" else "cold"
            rows.append(
                [
                    f"{added['snapshots']} ({what})",
                    _s(built["seconds"]) if built.get("ok") else _failure(built),
                    _mem(built.get("peak_bytes")) if built.get("ok") else "",
                    _stage_text(built.get("stages") or {}),
                    "",
                ]
            )
    out += _table(["snapshots", "build", "peak", "stages", "slowest query"], rows)
    if added:
        same = added.get("same_bytes")
        verdict = "identical" if same else "DIFFERENT" if same is False else "not compared (a build failed)"
        out += [
            "",
            f"`SHA256SUMS` of the incremental build and of the cold build of the same {added['snapshots']} "
            f"snapshots: {verdict}.",
        ]
    timed = {int(n): q for n, b in history.get("builds", {}).items() if (q := (b.get("queries") or {}).get("queries"))}
    names = sorted({name for queries in timed.values() for name in queries})
    if names:
        out += ["", "Study queries on each history build (`benchmarks/query_times.py`, the bundled `queries/`):", ""]
        out += _table(
            ["query"] + [f"{count} snapshots" for count in sorted(timed)],
            [
                [f"`{name}`"] + [_s((timed[count].get(name) or {}).get("seconds")) for count in sorted(timed)]
                for name in names
            ],
        )
    out += [
        "",
        "![build time against snapshots, log-log](history.svg)",
        "",
        "![peak memory against snapshots, log-log](history-memory.svg)",
        "",
    ]
    return out


# ---------------------------------------------------------------- side by side (issue 16)


WHAT = {
    "hdsgraph": "`hdsgraph build`: read, normalise, map, validate (SHACL), query, write every format",
    "plain-rdflib": "csv + rdflib `Graph.add` + pySHACL + rdflib SPARQL and serialisers: the same work",
    "morph-kgc": "mapping only: `rml_prepare.py` + morph-kgc on `rml/hds.rml.ttl`",
    "floor": "mapping only: polars reads the CSV, writes the rows' sorted N-Triples (`floor.py`)",
}


def _same_text(pipeline) -> str:
    same = pipeline.get("same_triples") or pipeline.get("same_lines")
    if not same:
        return "not compared"
    if same["same"]:
        return "same triples" if "same_triples" in pipeline else "same lines (rows' subset)"
    return f"DIFFERENT ({same['missing']} missing, {same['extra']} extra)"


def side_by_side(results) -> list[str]:
    """One row per size and pipeline: time, peak memory, hdsgraph's over this pipeline's."""
    settings = results["settings"]
    out = [
        "## Side by side: process start to exit",
        "",
        "Each pipeline reads the same registry CSV, as its own process, timed from start to exit with "
        "its peak memory (summed over its processes). Ratios are hdsgraph's figure divided by the "
        "pipeline's: below 1× hdsgraph is faster (or smaller). Plain rdflib runs up to "
        f"{settings['rdflib_max']:,} hosts, its SPARQL queries stopped after {settings['query_timeout']:g} s "
        f"and each serialiser after {settings.get('serialise_timeout', 0):g} s (its time is then a lower "
        f"bound, marked ≥); morph-kgc up to {settings['morph_max']:,} hosts, the floor up to "
        f"{settings.get('floor_max', 0):,}. hdsgraph and the floor: median of {settings['runs']} run(s) "
        f"({settings.get('large_runs', 1)} at 1,000,000 hosts); plain rdflib and morph-kgc: "
        f"{settings['alt_runs']} run(s).",
        "",
    ]
    rows = []
    for hosts in _sizes(results):
        entry = results["sizes"][str(hosts)]
        built = _pipeline(results, hosts, "hdsgraph")
        for name in ("hdsgraph", "plain-rdflib", "morph-kgc", "floor"):
            recorded = entry.get("pipelines", {}).get(name)
            if recorded is None:
                why = entry.get("skipped", {}).get(name)
                if why:
                    rows.append([_n(hosts), name, "not run: " + why, "", "", "", "", ""])
                continue
            if not recorded.get("ok"):
                rows.append([_n(hosts), name, _failure(recorded), "", "", "", "", ""])
                continue
            cut = name == "plain-rdflib" and _timed_out(recorded)
            time_ratio = _ratio(built and built["seconds"], recorded["seconds"])
            memory_ratio = _ratio(built and built["peak_bytes"], recorded["peak_bytes"])
            rows.append(
                [
                    _n(hosts),
                    name,
                    WHAT[name],
                    ("≥ " if cut else "") + _s(recorded["seconds"]),
                    _mem(recorded["peak_bytes"]),
                    "" if name == "hdsgraph" else ("≤ " if cut else "") + _x(time_ratio),
                    "" if name == "hdsgraph" else _x(memory_ratio),
                    "reference" if name == "hdsgraph" else _same_text(recorded),
                ]
            )
    out += _table(
        ["hosts", "pipeline", "what it does", "time", "peak", "hdsgraph / it (time)", "hdsgraph / it (peak)", "output"],
        rows,
    )
    return out


# ---------------------------------------------------------------- targets (issue 16)


CAUSES_HEADING = "## Causes of missed targets"


def read_causes(notes: Path) -> dict[str, str]:
    """The causes written in ``notes`` under "## Causes of missed targets": one bullet per
    target, starting with its id in backquotes (``- `history-time`: ...``), continued on
    indented lines."""
    if not notes.exists():
        return {}
    causes: dict[str, str] = {}
    inside, current = False, None
    for line in notes.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            inside, current = line.strip() == CAUSES_HEADING, None
            continue
        if not inside:
            continue
        found = re.match(r"- `([a-z0-9-]+)`:?\s*(.*)", line)
        if found:
            current = found.group(1)
            causes[current] = found.group(2).strip()
        elif current and line.startswith("  ") and line.strip():
            causes[current] += " " + line.strip()
        else:
            current = None
    return causes


def issue16_targets(results, notes: Path = NOTES) -> list[dict]:
    """Each target of issue 16 with what was measured, whether it is met and, when missed,
    the cause ``notes`` gives for its id."""
    causes = read_causes(notes)
    rows = []

    def target(key, name, measured, met, miss=""):
        verdict = "not measured" if met is None else "met" if met else f"missed{miss}"
        cause = ""
        if met is False:
            cause = causes.get(key) or f"not written yet (add `{key}` to benchmarks/notes.md)"
        rows.append({"id": key, "target": name, "measured": measured, "verdict": verdict, "cause": cause})

    history = results.get("history") or {}
    builds = {int(n): b for n, b in history.get("builds", {}).items()}
    full = builds.get(120)
    names = (
        ("history-time", "history, 120 monthly snapshots (400 to 5,000 hosts): build < 60 s"),
        ("history-memory", "history, 120 snapshots: peak memory < 2 GB (GiB)"),
        (
            "history-queries",
            "history, 120 snapshots: each study query < 1 s (hosts-by-snapshot, changes-between-snapshots included)",
        ),
    )
    if full and full.get("ok"):
        target(
            names[0][0],
            names[0][1],
            _s(full["seconds"]),
            full["seconds"] < 60,
            f" ({full['seconds'] / 60:.1f}× the budget)",
        )
        limit = 2 * 2**30
        target(
            names[1][0],
            names[1][1],
            _mem(full["peak_bytes"]),
            full["peak_bytes"] < limit,
            f" by {_mem(full['peak_bytes'] - limit)}",
        )
        queries = (full.get("queries") or {}).get("queries") or {}
        if queries:
            slow = sorted(((q["seconds"], n) for n, q in queries.items() if q["seconds"] >= 1), reverse=True)
            named = {
                n: queries[n]["seconds"] for n in ("hosts-by-snapshot", "changes-between-snapshots") if n in queries
            }
            name, found = max(queries.items(), key=lambda item: item[1]["seconds"])
            measured = f"slowest {name} {_s(found['seconds'])}; " + ", ".join(f"{n} {_s(v)}" for n, v in named.items())
            miss = f": {len(slow)} of {len(queries)} over 1 s (" + ", ".join(f"{n} {_s(v)}" for v, n in slow) + ")"
            target(names[2][0], names[2][1], measured, not slow, miss)
        else:
            target(names[2][0], names[2][1], "queries not timed", None)
    else:
        largest = max(builds, default=None)
        done = (
            f"did not complete ({_failure(full)})"
            if full
            else f"– (this run's largest history: {largest} snapshots)"
            if largest
            else "–"
        )
        for key, name in names:
            target(key, name, done, False if full else None)

    added = history.get("incremental")
    key, name = "incremental", "history: adding snapshot 121 < 20 % of a cold build, identical bytes"
    if added and added["incremental"].get("ok") and added["cold"].get("ok"):
        share = added["incremental"]["seconds"] / added["cold"]["seconds"]
        same = bool(added["same_bytes"])
        target(
            key,
            name.replace("121", str(added["snapshots"])),
            f"{_s(added['incremental']['seconds'])} vs cold {_s(added['cold']['seconds'])} ({share:.0%}); "
            f"SHA256SUMS {'identical' if same else 'DIFFERENT'}",
            share < 0.2 and same,
            "" if same else ": the bytes differ",
        )
    else:
        target(key, name, "did not complete" if added else "–", False if added else None)

    built = _pipeline(results, 100_000, "hdsgraph")
    failed = results["sizes"].get("100000", {}).get("pipelines", {}).get("hdsgraph")
    for key, name, get, limit, show in (
        ("stress-100k-time", "stress, 100,000 hosts: build < 40 s", "seconds", 40, _s),
        ("stress-100k-memory", "stress, 100,000 hosts: peak memory < 2.5 GB (GiB)", "peak_bytes", 2.5 * 2**30, _mem),
    ):
        if built:
            value = built[get]
            over = f" by {show(value - limit)}" + (f" ({value / limit:.1f}× the budget)" if get == "seconds" else "")
            target(key, name, show(value), value < limit, over)
        else:
            target(key, name, f"did not complete ({_failure(failed)})" if failed else "–", False if failed else None)

    key, name = "stress-1m", "stress, 1,000,000 hosts: completes, peak memory < 12 GB (GiB)"
    million = results["sizes"].get("1000000", {}).get("pipelines", {}).get("hdsgraph")
    if million and million.get("ok"):
        limit = 12 * 2**30
        target(
            key,
            name,
            f"{_s(million['seconds'])}, peak {_mem(million['peak_bytes'])}",
            million["peak_bytes"] < limit,
            f" by {_mem(million['peak_bytes'] - limit)}",
        )
    elif million:
        last = million["runs"][-1]
        target(key, name, f"{_failure(million)} after {_s(last['seconds'])}, peak {_mem(last['peak_bytes'])}", False)
    else:
        target(key, name, "–", None)

    compared = []
    for hosts in _sizes(results):
        for pipeline in ("plain-rdflib", "morph-kgc", "floor"):
            found = _pipeline(results, hosts, pipeline)
            same = found and (found.get("same_triples") or found.get("same_lines"))
            if same:
                compared.append((hosts, pipeline, same["same"]))
    different = [f"{p} at {h:,}" for h, p, same in compared if not same]
    target(
        "same-triples",
        "side by side: each alternative gives hdsgraph's triples (the floor: the rows' lines)",
        f"{len(compared)} comparisons" + (f"; different: {', '.join(different)}" if different else ", all the same"),
        (not different) if compared else None,
    )
    return rows


# ---------------------------------------------------------------- charts


COLOURS = {"hdsgraph": "#1b6ac9", "plain-rdflib": "#d1495b", "morph-kgc": "#2e933c", "floor": "#7a4fb3"}
LABELS = {
    "hdsgraph": "hdsgraph build",
    "plain-rdflib": "plain rdflib + pySHACL",
    "morph-kgc": "morph-kgc (preparation + materialise)",
    "floor": "floor (polars: CSV to sorted N-Triples)",
}


def _seconds_label(value: float) -> str:
    return f"{value:g} s" if value >= 1 else f"{value:.{max(0, -math.floor(math.log10(value)))}f} s"


def _bytes_label(mib: float) -> str:
    return f"{mib / 1024:g} GiB" if mib >= 1024 else f"{mib:g} MiB"


def _ticks(low: int, high: int) -> list[float]:
    """1, 2, 5 in each decade when the axis spans three decades or fewer, else decades."""
    steps = (1, 2, 5) if high - low <= 3 else (1,)
    return [m * 10**e for e in range(low, high + 1) for m in steps if m * 10**e <= 10**high]


def loglog_svg(title: str, xlabel: str, ylabel: str, series, x_label=None, y_label=None) -> str:
    """A log-log line chart as self-contained SVG: ``series`` is a list of (label, colour,
    dash, [(x, y), ...]); ticks at 1, 2, 5 per decade (or decades), each labelled."""
    x_label = x_label or (lambda v: f"{v:,.0f}" if v >= 1 else f"{v:g}")
    y_label = y_label or (lambda v: f"{v:g}")
    width, height, left, right, top, bottom = 780, 470, 84, 20, 40, 70 + 18 * len(series)
    height = 330 + bottom
    series = [(label, colour, dash, [p for p in data if p[0] > 0 and p[1] > 0]) for label, colour, dash, data in series]
    series = [s for s in series if s[3]]
    points = [p for *_, data in series for p in data]
    if not points:
        empty = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="80">'
        return empty + f'<text x="10" y="40">{_esc(title)}: no data</text></svg>\n'
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
    for x in _ticks(x0, x1):
        shade = "#ccc" if math.log10(x).is_integer() else "#eee"
        svg.append(f'<line x1="{px(x):.1f}" y1="{top}" x2="{px(x):.1f}" y2="{top + plot_h}" stroke="{shade}"/>')
        svg.append(f'<text x="{px(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_esc(x_label(x))}</text>')
    for y in _ticks(y0, y1):
        shade = "#ccc" if math.log10(y).is_integer() else "#eee"
        svg.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + plot_w}" y2="{py(y):.1f}" stroke="{shade}"/>')
        svg.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{_esc(y_label(y))}</text>')
    svg.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>')
    svg.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 36}" text-anchor="middle">{_esc(xlabel)} (log)</text>'
    )
    svg.append(
        f'<text transform="translate(16 {top + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">'
        f"{_esc(ylabel)} (log)</text>"
    )
    for i, (label, colour, dash, data) in enumerate(series):
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in data)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashing}/>')
        svg += [
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"><title>{_esc(label)}: '
            f"{_esc(x_label(x))}, {_esc(y_label(y))}</title></circle>"
            for x, y in data
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


def _machine_text(results) -> str:
    return f"{results['machine']['cores']} cores, {results['machine']['cpu']}"


def chart(results) -> str:
    """Time against hosts, log-log: every pipeline end to end, and the two mapping stages."""
    sizes = _sizes(results)
    series = [
        (LABELS[name], COLOURS[name], "", [(h, p["seconds"]) for h in sizes if (p := _pipeline(results, h, name))])
        for name in ("hdsgraph", "plain-rdflib", "morph-kgc", "floor")
    ]
    series.append(
        (
            "hdsgraph map stage",
            COLOURS["hdsgraph"],
            "6 4",
            [
                (h, mapping_times(results, h).get("hdsgraph_map"))
                for h in sizes
                if mapping_times(results, h).get("hdsgraph_map")
            ],
        )
    )
    series.append(
        (
            "morph-kgc materialise (in process)",
            COLOURS["morph-kgc"],
            "6 4",
            [
                (h, mapping_times(results, h).get("morph_materialise"))
                for h in sizes
                if mapping_times(results, h).get("morph_materialise")
            ],
        )
    )
    return loglog_svg(
        f"Time against registry size, log-log ({_machine_text(results)})",
        "hosts",
        "seconds",
        series,
        y_label=_seconds_label,
    )


def memory_chart(results) -> str:
    """Peak memory against hosts, log-log, for each pipeline that ran."""
    sizes = _sizes(results)
    series = [
        (
            LABELS[name],
            COLOURS[name],
            "",
            [(h, p["peak_bytes"] / 2**20) for h in sizes if (p := _pipeline(results, h, name))],
        )
        for name in ("hdsgraph", "plain-rdflib", "morph-kgc", "floor")
    ]
    return loglog_svg(
        "Peak memory against registry size, log-log", "hosts", "peak memory", series, y_label=_bytes_label
    )


def _history_series(results, get) -> list:
    history = results.get("history") or {}
    builds = sorted((int(n), b) for n, b in history.get("builds", {}).items() if b.get("ok"))
    added = history.get("incremental")
    if added and added["cold"].get("ok"):
        builds.append((added["snapshots"], added["cold"]))
    series = [("cold build", COLOURS["hdsgraph"], "", [(n, get(b)) for n, b in builds])]
    if added and added["incremental"].get("ok"):
        series.append(
            ("one more snapshot, incremental", "#e08e0b", "2 3", [(added["snapshots"], get(added["incremental"]))])
        )
    return series


def history_chart(results) -> str:
    """Build time against monthly snapshots, log-log (and the incremental rebuild)."""
    series = _history_series(results, lambda b: b["seconds"])
    return loglog_svg(
        "hdsgraph build time against monthly snapshots, log-log", "snapshots", "seconds", series, y_label=_seconds_label
    )


def history_memory_chart(results) -> str:
    """Peak memory against monthly snapshots, log-log (and the incremental rebuild)."""
    series = _history_series(results, lambda b: b["peak_bytes"] / 2**20)
    return loglog_svg(
        "hdsgraph peak memory against monthly snapshots, log-log",
        "snapshots",
        "peak memory",
        series,
        y_label=_bytes_label,
    )


def write_results(results: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "results.md").write_text(markdown(results), encoding="utf-8")
    (folder / "chart.svg").write_text(chart(results), encoding="utf-8")
    (folder / "memory.svg").write_text(memory_chart(results), encoding="utf-8")
    (folder / "history.svg").write_text(history_chart(results), encoding="utf-8")
    (folder / "history-memory.svg").write_text(history_memory_chart(results), encoding="utf-8")
