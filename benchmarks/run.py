"""Benchmark hdsgraph against the pipelines a user would write instead, side by side.

    python benchmarks/run.py                       # 1,000 to 1,000,000 hosts, then a 120-month history
    python benchmarks/run.py --sizes 1000 --runs 1 --quick --history-snapshots 3

For each size, generates a synthetic registry with ``hdsgraph synth`` (cached in
benchmarks/.data/), then runs, each in its own process, timed from start to exit with
its peak memory:
  - hdsgraph: ``hdsgraph build`` (and the time of each stage, from ``--timings``), then each
    study query on the built graph (benchmarks/query_times.py);
  - plain-rdflib: csv + rdflib ``Graph.add`` + pySHACL + rdflib SPARQL + rdflib
    serialisers (benchmarks/plain_rdflib.py), on the same input;
  - morph-kgc: the RML engine on the same data (benchmarks/rml_prepare.py then
    benchmarks/rml_materialise.py in its own virtual environment, benchmarks/.venv-morph,
    created here on first use);
  - the floor: benchmarks/floor.py, polars reading the CSV and writing the sorted N-Triples
    of the rows (in its own virtual environment, benchmarks/.venv-floor, created here on
    first use);
checks that each alternative produced the same triples as hdsgraph (the floor: the same
lines as hds.nt without the ontology and the dataset node); then builds a growing
monthly history (``hdsgraph synth --history``) cold for several numbers of snapshots, and
adds one more snapshot to the largest build (incremental) beside a cold build of the same
inputs; writes benchmarks/results/results.md, results.json and log-log charts: chart.svg
and memory.svg (time and peak memory against hosts), history.svg and history-memory.svg
(against snapshots).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

# measure and report are beside this script, and Python puts a script's folder on sys.path.
from measure import Measured, machine, run_measured
from report import write_results

HERE = Path(__file__).resolve().parent

PIPELINES = ("hdsgraph", "plain-rdflib", "morph-kgc", "floor")
DEMO_HOSTS = 205
LARGE = 1_000_000
MAX_BYTES = [None]  # from --max-memory


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="1000,10000,100000,1000000",
        help="Registry sizes, in hosts, comma-separated (default: %(default)s).",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="Runs of each hdsgraph measurement and of the floor; the median is reported (default: %(default)s).",
    )
    parser.add_argument(
        "--alt-runs",
        type=int,
        default=1,
        help="Runs of plain rdflib and of morph-kgc (default: %(default)s; the floor runs --runs times).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="One run each, 2-second query and 20-second serialiser timeouts for rdflib: a fast look, "
        "not a measurement.",
    )
    parser.add_argument(
        "--rdflib-max",
        type=int,
        default=10_000,
        help="Largest size the plain rdflib pipeline runs at (default: %(default)s; it took 992 s at 100,000 "
        "hosts, with queries and its Turtle writer stopped at their timeouts).",
    )
    parser.add_argument(
        "--morph-max", type=int, default=100_000, help="Largest size morph-kgc runs at (default: %(default)s)."
    )
    parser.add_argument("--no-morph", action="store_true", help="Skip morph-kgc (no virtual environment made).")
    parser.add_argument("--no-floor", action="store_true", help="Skip the floor (no virtual environment made).")
    parser.add_argument(
        "--floor-max", type=int, default=1_000_000, help="Largest size the floor runs at (default: %(default)s)."
    )
    parser.add_argument(
        "--query-timeout",
        type=float,
        default=5.0,
        help="Stop an rdflib SPARQL study query after this many seconds (default: %(default)s; four to six of "
        "them run for minutes to hours).",
    )
    parser.add_argument(
        "--serialise-timeout",
        type=float,
        default=60.0,
        help="Stop rdflib writing one format after this many seconds (default: %(default)s; its Turtle "
        "writer is about quadratic).",
    )
    parser.add_argument(
        "--large-runs",
        type=int,
        default=1,
        help="Runs of hdsgraph, its queries and the floor at 1,000,000 hosts and more (default: %(default)s).",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="Stop any one pipeline run after this many seconds (default: %(default)s).",
    )
    parser.add_argument(
        "--max-memory",
        type=float,
        default=16.0,
        help="Stop a run whose processes hold more than this many GiB (default: %(default)s).",
    )
    parser.add_argument(
        "--add",
        action="store_true",
        help="Keep the sizes already in the results (e.g. add 1,000,000 hosts to an earlier run).",
    )
    parser.add_argument(
        "--equality-max",
        type=int,
        default=100_000,
        help="Largest size at which triples are compared (default: %(default)s).",
    )
    parser.add_argument("--no-demo", action="store_true", help="Skip the build of the bundled 205-host demonstration.")
    parser.add_argument("--seed", type=int, default=7, help="Seed of the generated registries (default: %(default)s).")
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="Cache of generated registries.")
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="Scratch folder for the pipelines' outputs.")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="Where to write the results.")
    parser.add_argument(
        "--morph-venv",
        type=Path,
        default=HERE / ".venv-morph",
        help="morph-kgc's virtual environment (created with 'python -m venv' when missing).",
    )
    parser.add_argument(
        "--floor-venv",
        type=Path,
        default=HERE / ".venv-floor",
        help="The floor's virtual environment, with polars (created with 'python -m venv' when missing).",
    )
    parser.add_argument(
        "--build-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="Pass ARG to every 'hdsgraph build' (repeat for several; write --build-arg=--an-option).",
    )
    parser.add_argument(
        "--history-snapshots",
        default="12,30,60,120",
        help="Build the first N monthly snapshots of a growing history, for each N (comma-separated; "
        "empty: no history run). The largest also gets an incremental rebuild with one more snapshot.",
    )
    parser.add_argument(
        "--history-query-runs",
        type=int,
        default=1,
        help="Runs of each study query on each history build (default: %(default)s).",
    )
    parser.add_argument("--history-first", type=int, default=400, help="Hosts in the history's first snapshot.")
    parser.add_argument("--history-hosts", type=int, default=5000, help="Hosts in the history's last snapshot.")
    parser.add_argument("--no-sizes", action="store_true", help="Only the history runs (no registry sizes).")
    args = parser.parse_args(argv)
    try:
        args.history_snapshots = sorted({int(s) for s in args.history_snapshots.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--history-snapshots: expected numbers of snapshots, got {args.history_snapshots!r}")
    if any(n < 2 for n in args.history_snapshots):
        parser.error("--history-snapshots: a history has at least 2 snapshots")
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes: expected numbers of hosts separated by commas, got {args.sizes!r}")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes: give at least one size of 1 host or more")
    if args.quick:
        args.runs = 1
        args.alt_runs = 1
        args.query_timeout = min(args.query_timeout, 2.0)
        args.serialise_timeout = min(args.serialise_timeout, 20.0)
    return args


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def hdsgraph_command() -> list[str]:
    return [sys.executable, "-m", "hdsgraph"]


# ---------------------------------------------------------------- inputs


def registry(args, hosts: int) -> Path:
    """The generated registry for ``hosts``, made once and cached."""
    path = args.data / f"hosts-{hosts}-seed-{args.seed}.csv"
    if not path.exists():
        args.data.mkdir(parents=True, exist_ok=True)
        log(f"generating {path.name} ...")
        result = run_measured(
            hdsgraph_command() + ["synth", "--hosts", str(hosts), "--seed", str(args.seed), "--out", str(path)]
        )
        if not result.ok:
            raise SystemExit(f"Error: hdsgraph synth failed: {result.stderr.strip()}")
    return path


HISTORY_END = "2026-08"  # the snapshot after the largest history's last: the incremental run adds it


def history_registry(args) -> Path:
    """A monthly history of max(--history-snapshots) + 1 snapshots, made once and cached."""
    months = max(args.history_snapshots) + 1
    folder = args.data / f"history-{months}-{args.history_first}-{args.history_hosts}-seed-{args.seed}"
    if not (folder / f"{HISTORY_END}.csv").exists():
        log(f"generating {folder.name} ...")
        command = [sys.executable, "-m", "hdsgraph", "synth", "--history", str(months)]
        command += ["--first-hosts", str(args.history_first), "--hosts", str(args.history_hosts)]
        command += ["--snapshot", HISTORY_END, "--seed", str(args.seed), "--out", str(folder)]
        result = run_measured(command)
        if not result.ok:
            raise SystemExit(f"Error: hdsgraph synth --history failed: {result.stderr.strip()}")
    return folder


def first_snapshots(history: Path, count: int, into: Path) -> Path:
    """A folder holding the first ``count`` snapshots of ``history`` (links, not copies)."""
    files = sorted(history.glob("*.csv"))[:count]
    if into.exists():
        for old in into.iterdir():
            old.unlink()
    into.mkdir(parents=True, exist_ok=True)
    for file in files:
        (into / file.name).symlink_to(file)
    return into


def run_history(args, results: dict) -> None:
    """Cold builds of the first N snapshots, for each N; then the largest N gets one more
    snapshot, built into the same folder (incremental) and into a fresh one (cold)."""
    history = history_registry(args)
    entry = results.setdefault("history", {"builds": {}})
    entry["settings"] = {
        "first_hosts": args.history_first,
        "last_hosts": args.history_hosts,
    }
    for count in args.history_snapshots:
        log(f"history: {count} monthly snapshots ...")
        source = first_snapshots(history, count, args.work / f"history-{count}-input")
        out = args.work / f"history-{count}"
        built = run_hdsgraph(args, source, out, 1)
        if built["ok"]:
            built["triples"] = sum(1 for _ in open(out / "hds.nt", "rb"))
            built["queries"] = run_queries(args, out, args.history_query_runs)
        entry["builds"][str(count)] = built
        write_results(results, args.results)
    largest = max(args.history_snapshots)
    if not entry["builds"][str(largest)]["ok"]:
        return
    log(f"history: adding snapshot {largest + 1} to the build of {largest} ...")
    source = first_snapshots(history, largest + 1, args.work / f"history-{largest}-input")
    incremental = run_hdsgraph(args, source, args.work / f"history-{largest}", 1, cold=False)
    cold = run_hdsgraph(args, source, args.work / f"history-{largest + 1}-cold", 1)
    same = None
    if incremental["ok"] and cold["ok"]:
        same = (args.work / f"history-{largest}" / "SHA256SUMS").read_bytes() == (
            args.work / f"history-{largest + 1}-cold" / "SHA256SUMS"
        ).read_bytes()
    entry["incremental"] = {"snapshots": largest + 1, "incremental": incremental, "cold": cold, "same_bytes": same}
    write_results(results, args.results)


# ---------------------------------------------------------------- pipelines


def read_stage_times(path: Path) -> dict[str, float]:
    """The stage timings ``hdsgraph build --timings FILE.json`` wrote ({} if it wrote none)."""
    try:
        return {stage: float(seconds) for stage, seconds in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError):
        return {}


def summarise(runs: list[dict]) -> dict:
    """Medians over runs of the wall time, the peak memory and each stage's time."""
    done = [r for r in runs if r["ok"]]
    if not done:
        return {"ok": False, "runs": runs, "error": runs[-1].get("error", "failed")}
    stages = {}
    for name in done[0]["stages"]:
        values = [r["stages"][name] for r in done if r["stages"].get(name) is not None]
        stages[name] = statistics.median(values) if values else None
    return {
        "ok": True,
        "runs": runs,
        "seconds": statistics.median(r["seconds"] for r in done),
        "peak_bytes": statistics.median(r["peak_bytes"] for r in done),
        "stages": stages,
    }


def _run_record(measured: Measured, stages: dict, **extra) -> dict:
    record = {"ok": measured.ok, "seconds": measured.seconds, "peak_bytes": measured.peak_bytes, "stages": stages}
    if not measured.ok:
        reason = "stopped" if measured.returncode == -9 else f"exit {measured.returncode}"
        record["error"] = f"{reason}: {measured.stderr.strip()[-400:]}"
    return record | extra


def run_hdsgraph(args, source: Path | None, out: Path, runs_wanted: int, cold: bool = True) -> dict:
    """``hdsgraph build`` ``runs_wanted`` times. Cold (the default): each run starts with no
    output folder and an empty cache folder (XDG_CACHE_HOME), so that no run reuses an
    earlier one's work; not cold (the incremental rebuild): the folder and cache are kept."""
    runs = []
    cache = out.with_name(out.name + ".cache")
    for _ in range(runs_wanted):
        timings = out.with_name(out.name + ".timings.json")
        timings.unlink(missing_ok=True)
        if cold:
            for folder in (out, cache):
                shutil.rmtree(folder, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        command = hdsgraph_command() + ["build", "--out", str(out), "--timings", str(timings), *args.build_arg]
        if source is not None:
            command += ["--registry", str(source)]
        env = os.environ | {"XDG_CACHE_HOME": str(cache)}
        measured = run_measured(command, timeout=args.timeout, max_bytes=MAX_BYTES[0], env=env)
        runs.append(_run_record(measured, read_stage_times(timings)))
        log(
            f"  hdsgraph: {measured.seconds:.2f} s, {measured.peak_bytes / 2**20:.0f} MiB"
            + ("" if measured.ok else f" FAILED ({runs[-1]['error']})")
        )
    return summarise(runs)


def run_queries(args, build: Path, runs: int | None = None) -> dict:
    measured = run_measured(
        [sys.executable, str(HERE / "query_times.py"), str(build), "--runs", str(runs or args.runs)],
        timeout=args.timeout,
        max_bytes=MAX_BYTES[0],
    )
    if not measured.ok:
        return {"ok": False, "error": measured.stderr.strip()[-400:]}
    return {"ok": True} | json.loads(measured.stdout)


def run_plain(args, source: Path, out: Path) -> dict:
    runs = []
    for _ in range(args.alt_runs):
        times_file = out / "times.json"
        times_file.unlink(missing_ok=True)
        measured = run_measured(
            [
                sys.executable,
                str(HERE / "plain_rdflib.py"),
                str(source),
                "--out",
                str(out),
                "--query-timeout",
                str(args.query_timeout),
                "--serialise-timeout",
                str(args.serialise_timeout),
            ],
            timeout=args.timeout,
            max_bytes=MAX_BYTES[0],
        )
        detail = json.loads(times_file.read_text()) if times_file.exists() else {}
        runs.append(
            _run_record(
                measured,
                detail.get("stages", {}),
                queries=detail.get("queries", {}),
                triples=detail.get("triples"),
                cut=detail.get("cut", []),
            )
        )
        log(
            f"  plain-rdflib: {measured.seconds:.2f} s, {measured.peak_bytes / 2**20:.0f} MiB"
            + ("" if measured.ok else f" FAILED ({runs[-1]['error']})")
        )
    summary = summarise(runs)
    if summary["ok"]:
        done = [r for r in runs if r["ok"]]
        names = done[0]["queries"]
        summary["queries"] = {
            name: (
                statistics.median(r["queries"][name] for r in done)
                if all(r["queries"][name] is not None for r in done)
                else None
            )
            for name in names
        }
        summary["query_timeout"] = args.query_timeout
        summary["serialise_timeout"] = args.serialise_timeout
        summary["cut"] = sorted({stage for r in done for stage in r["cut"]})
    return summary


def venv_python(venv: Path, package: str, module: str, what: str) -> Path | None:
    """The interpreter of ``venv``, with ``package`` installed in it on first use; None (and
    ``what`` skipped) when it cannot be installed."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", f"import {module}"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    log(f"installing {package} into {venv} ...")
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", package],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode != 0:
            log(f"  cannot install {package} ({result.stderr.strip().splitlines()[-1:]}); skipping {what}")
            return None
    return python


def run_morph(args, python: Path, source: Path, out: Path) -> dict:
    prepared = out / "tables"
    runs = []
    for _ in range(args.alt_runs):
        prepare = run_measured(
            [sys.executable, str(HERE / "rml_prepare.py"), str(source), "--out", str(prepared)],
            timeout=args.timeout,
            max_bytes=MAX_BYTES[0],
        )
        if not prepare.ok:
            runs.append(_run_record(prepare, {}))
            continue
        times_file = out / "times.json"
        materialise = run_measured(
            [
                str(python),
                str(HERE / "rml_materialise.py"),
                str(prepared),
                str(HERE / "rml" / "hds.rml.ttl"),
                str(out / "data.nt"),
                str(times_file),
            ],
            timeout=args.timeout,
            max_bytes=MAX_BYTES[0],
        )
        detail = json.loads(times_file.read_text()) if materialise.ok else {}
        record = _run_record(
            materialise,
            {
                "prepare (process)": prepare.seconds,
                "materialise (process)": materialise.seconds,
                **detail.get("stages", {}),
            },
            triples=detail.get("triples"),
            version=detail.get("version"),
        )
        record["seconds"] = prepare.seconds + materialise.seconds
        record["peak_bytes"] = max(prepare.peak_bytes, materialise.peak_bytes)
        runs.append(record)
        log(
            f"  morph-kgc: prepare {prepare.seconds:.2f} s + materialise {materialise.seconds:.2f} s"
            + ("" if materialise.ok else f" FAILED ({record['error']})")
        )
    summary = summarise(runs)
    if summary["ok"]:
        summary["version"] = runs[-1].get("version")
    return summary


# ---------------------------------------------------------------- the floor


def floor_lookups(path: Path) -> Path:
    """What benchmarks/floor.py needs from hdsgraph's data files (vocabulary IRIs, namespaces,
    countries, legal forms), as JSON: the floor runs in its own environment, without hdsgraph."""
    from hdsgraph.pipeline.links import ANNUAIRE
    from hdsgraph.pipeline.vocabulary import countries, legal_forms, vocabulary
    from hdsgraph.rdf import namespaces as ns

    vocab = vocabulary()
    lookups = {
        "base": ns.DEFAULT_BASE_URI,
        "namespaces": {
            name.lower(): getattr(ns, name)
            for name in ("HDS", "RDF", "RDFS", "XSD", "SKOS", "DCTERMS", "PROV", "ROV", "ADMS")
        },
        "annuaire": ANNUAIRE,
        "certificate_types": [
            {"code": t.code, "iri": t.iri, "activities": sorted(t.activities)} for t in vocab.certificate_types
        ],
        "activities": {str(n): iri for n, iri in sorted(vocab.activities.items())},
        "positionings": vocab.positionings,
        "countries": {a2: {"iri": c.iri, "alpha2": c.alpha2, "name": c.name} for a2, c in sorted(countries().items())},
        "legal_forms": sorted(legal_forms()),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(lookups, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def run_floor(args, python: Path, source: Path, out: Path, runs_wanted: int) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    lookups = floor_lookups(out / "lookups.json")
    runs = []
    for _ in range(runs_wanted):
        measured = run_measured(
            [str(python), str(HERE / "floor.py"), str(source), str(lookups), str(out / "floor.nt")],
            timeout=args.timeout,
            max_bytes=MAX_BYTES[0],
        )
        detail = json.loads(measured.stdout) if measured.ok else {}
        runs.append(
            _run_record(measured, detail.get("stages", {}), triples=detail.get("triples"), version=detail.get("polars"))
        )
        log(
            f"  floor: {measured.seconds:.2f} s, {measured.peak_bytes / 2**20:.0f} MiB"
            + ("" if measured.ok else f" FAILED ({runs[-1]['error']})")
        )
    summary = summarise(runs)
    if summary["ok"]:
        summary["version"] = runs[-1].get("version")
        summary["triples"] = runs[-1].get("triples")
    return summary


def row_derived(hds_nt: Path) -> list[bytes]:
    """The lines of hdsgraph's ``hds.nt`` that come from the registry's rows: all but the
    ontology's and the dataset node's (``<BASE>dataset``), the two parts the floor leaves out."""
    from hdsgraph.pipeline.mapping import ontology_ntriples
    from hdsgraph.rdf.namespaces import DEFAULT_BASE_URI

    ontology = {f"{line} .\n".encode() for line in ontology_ntriples()}
    dataset = f"<{DEFAULT_BASE_URI}dataset> ".encode()
    with open(hds_nt, "rb") as handle:
        return [line for line in handle if line not in ontology and not line.startswith(dataset)]


def same_lines(reference: list[bytes], other_file: Path) -> dict:
    """Whether ``other_file`` has exactly the lines of ``reference``, in the same order."""
    other = other_file.read_bytes().splitlines(keepends=True)
    if other == reference:
        return {"same": True, "reference": len(reference), "other": len(other), "missing": 0, "extra": 0}
    mine, theirs = set(reference), set(other)
    missing, extra = sorted(mine - theirs), sorted(theirs - mine)
    return {
        "same": False,
        "order_only": not missing and not extra,
        "reference": len(reference),
        "other": len(other),
        "missing": len(missing),
        "extra": len(extra),
        "missing_sample": [m.decode() for m in missing[:3]],
        "extra_sample": [e.decode() for e in extra[:3]],
    }


# ---------------------------------------------------------------- same triples


def triple_set(path: Path, extra: bytes = b"") -> set[str]:
    import pyoxigraph as ox

    triples = {str(t) for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)}
    if extra:
        triples |= {str(t) for t in ox.parse(extra, format=ox.RdfFormat.N_TRIPLES)}
    return triples


def compare(reference: set[str], other: set[str]) -> dict:
    missing, extra = sorted(reference - other), sorted(other - reference)
    return {
        "same": not missing and not extra,
        "reference": len(reference),
        "other": len(other),
        "missing": len(missing),
        "extra": len(extra),
        "missing_sample": missing[:3],
        "extra_sample": extra[:3],
    }


def ontology_nt() -> bytes:
    from hdsgraph.pipeline.mapping import ontology_ntriples
    from hdsgraph.rdf.serialise import ntriples_bytes

    return ntriples_bytes(ontology_ntriples())


def same_answers(reference_file: Path, other_file: Path) -> dict:
    reference = json.loads(reference_file.read_text(encoding="utf-8"))
    other = json.loads(other_file.read_text(encoding="utf-8"))
    compared = {name: other[name] == rows for name, rows in reference.items() if name in other}
    return {
        "compared": len(compared),
        "equal": sum(compared.values()),
        "different": sorted(n for n, same in compared.items() if not same),
    }


# ---------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    MAX_BYTES[0] = int(args.max_memory * 2**30)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    clock = time.perf_counter()
    results = {
        "started": started,
        "settings": {
            "sizes": args.sizes,
            "runs": args.runs,
            "alt_runs": args.alt_runs,
            "rdflib_max": args.rdflib_max,
            "morph_max": args.morph_max,
            "floor_max": args.floor_max,
            "build_args": args.build_arg,
            "history_query_runs": args.history_query_runs,
            "query_timeout": args.query_timeout,
            "serialise_timeout": args.serialise_timeout,
            "timeout": args.timeout,
            "large_runs": args.large_runs,
            "seed": args.seed,
            "quick": args.quick,
            "max_memory_gib": args.max_memory,
        },
        "sizes": {},
    }
    earlier = args.results / "results.json"
    if args.add and earlier.exists():
        previous = json.loads(earlier.read_text(encoding="utf-8"))
        results["sizes"] = previous["sizes"]
        results["demo"] = previous.get("demo")
        if previous.get("history"):
            results["history"] = previous["history"]
        results["started"] = f"{previous['started']} (sizes {', '.join(previous['sizes'])}), then {started}"
        # The earlier run's settings describe the earlier sizes; the sizes added here run
        # hdsgraph only when above the alternatives' limits, as --large-runs says.
        added = results["settings"]
        results["settings"] = previous["settings"] | {
            "sizes": sorted(set(previous["settings"]["sizes"]) | set(args.sizes)),
            "large_runs": added["large_runs"],
        }
    python = None if args.no_morph else venv_python(args.morph_venv, "morph-kgc", "morph_kgc", "morph-kgc")
    floor = None if args.no_floor else venv_python(args.floor_venv, "polars", "polars", "the floor")
    extra_versions = {}
    if python is not None:
        found = subprocess.run(
            [str(python), "-c", "from importlib.metadata import version; print(version('morph-kgc'))"],
            capture_output=True,
            text=True,
        )
        extra_versions["morph-kgc"] = found.stdout.strip() or None
    if floor is not None:
        found = subprocess.run(
            [str(floor), "-c", "import polars; print(polars.__version__)"], capture_output=True, text=True
        )
        extra_versions["polars (floor)"] = found.stdout.strip() or None
    results["machine"] = machine(extra_versions)

    if not args.no_demo:
        log(f"demonstration data ({DEMO_HOSTS} hosts) ...")
        results["demo"] = run_hdsgraph(args, None, args.work / "demo", args.runs)

    for hosts in [] if args.no_sizes else args.sizes:
        source = registry(args, hosts)
        log(f"{hosts} hosts ({source.stat().st_size / 2**20:.1f} MiB) ...")
        entry = {"registry": source.name, "registry_bytes": source.stat().st_size, "pipelines": {}, "skipped": {}}
        results["sizes"][str(hosts)] = entry
        out = args.work / f"hdsgraph-{hosts}"
        entry["pipelines"]["hdsgraph"] = built = run_hdsgraph(
            args, source, out, args.large_runs if hosts >= LARGE else args.runs
        )
        if not built["ok"]:
            continue
        entry["triples"] = sum(1 for _ in open(out / "hds.nt", "rb"))
        entry["queries"] = run_queries(args, out, args.large_runs if hosts >= LARGE else args.runs)
        reference = triple_set(out / "hds.nt") if hosts <= args.equality_max else None

        if hosts <= args.rdflib_max:
            plain_out = args.work / f"plain-rdflib-{hosts}"
            entry["pipelines"]["plain-rdflib"] = plain = run_plain(args, source, plain_out)
            if plain["ok"] and reference is not None:
                plain["same_triples"] = compare(reference, triple_set(plain_out / "hds.nt"))
                plain["same_answers"] = same_answers(out / "answers.json", plain_out / "answers.json")
        else:
            entry["skipped"]["plain-rdflib"] = f"above --rdflib-max {args.rdflib_max}"

        if python is None:
            entry["skipped"]["morph-kgc"] = "--no-morph" if args.no_morph else "morph-kgc could not be installed"
        elif hosts <= args.morph_max:
            morph_out = args.work / f"morph-kgc-{hosts}"
            entry["pipelines"]["morph-kgc"] = morph = run_morph(args, python, source, morph_out)
            if morph["ok"] and reference is not None:
                morph["same_triples"] = compare(reference, triple_set(morph_out / "data.nt", ontology_nt()))
        else:
            entry["skipped"]["morph-kgc"] = f"above --morph-max {args.morph_max}"

        if floor is None:
            entry["skipped"]["floor"] = "--no-floor" if args.no_floor else "polars could not be installed"
        elif hosts <= args.floor_max:
            floor_out = args.work / f"floor-{hosts}"
            floor_runs = args.large_runs if hosts >= LARGE else args.runs
            entry["pipelines"]["floor"] = measured = run_floor(args, floor, source, floor_out, floor_runs)
            if measured["ok"] and hosts <= args.equality_max:
                measured["same_lines"] = same_lines(row_derived(out / "hds.nt"), floor_out / "floor.nt")
        else:
            entry["skipped"]["floor"] = f"above --floor-max {args.floor_max}"
        write_results(results, args.results)  # after each size, so a long run can be read as it goes

    if args.history_snapshots:
        run_history(args, results)

    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    results["duration_seconds"] = time.perf_counter() - clock
    write_results(results, args.results)
    log(f"wrote {args.results / 'results.md'}, results.json and the charts in {results['duration_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
