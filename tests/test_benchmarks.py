"""Smoke test of the benchmark harness (benchmarks/run.py) on 1,000 hosts.

No timing is asserted: these check that one run produces the table, the chart and the
JSON with every pipeline, and that each alternative produced the same triples as
hdsgraph. morph-kgc and the floor run only when their virtual environments already exist
(the suite never installs packages).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import rdflib

from hdsgraph.pipeline.answers import study_queries

pytestmark = pytest.mark.slow  # runs the whole benchmark harness on 1,000 hosts

ROOT = Path(__file__).resolve().parent.parent
MORPH_VENV = ROOT / "benchmarks" / ".venv-morph"
HAVE_MORPH = (MORPH_VENV / "bin" / "python").exists()
FLOOR_VENV = ROOT / "benchmarks" / ".venv-floor"
HAVE_FLOOR = (FLOOR_VENV / "bin" / "python").exists()


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--sizes",
        "1000",
        "--quick",
        "--query-timeout",
        "0.5",
        "--no-demo",
        "--data",
        str(folder / "data"),
        "--work",
        str(folder / "work"),
        "--results",
        str(folder / "results"),
        "--history-snapshots",
        "3,5",
        "--history-first",
        "20",
        "--history-hosts",
        "40",
    ]
    command += ["--morph-venv", str(MORPH_VENV)] if HAVE_MORPH else ["--no-morph"]
    command += ["--floor-venv", str(FLOOR_VENV)] if HAVE_FLOOR else ["--no-floor"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((folder / "results" / "results.json").read_text(encoding="utf-8"))
    return folder, results


def test_generates_the_registry_with_synth(bench):
    folder, results = bench
    registry = folder / "data" / results["sizes"]["1000"]["registry"]
    with open(registry, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["synthetic"] == "true" for row in rows)
    answers = json.loads((folder / "work" / "hdsgraph-1000" / "answers.json").read_text(encoding="utf-8"))
    assert answers["hosts-total"] == [{"hosts": 1000}]


def test_hdsgraph_stages_and_every_study_query_are_timed(bench):
    folder, results = bench
    built = results["sizes"]["1000"]["pipelines"]["hdsgraph"]
    assert built["ok"] and built["seconds"] > 0 and built["peak_bytes"] > 0
    assert {"normalise", "map", "validate", "query"} <= set(built["stages"])
    queries = results["sizes"]["1000"]["queries"]
    assert set(queries["queries"]) == set(study_queries())
    graph = rdflib.Graph().parse(folder / "work" / "hdsgraph-1000" / "hds.nt", format="nt")
    assert queries["triples"] == len(graph) == results["sizes"]["1000"]["triples"]


def test_plain_rdflib_gives_the_same_triples_and_answers(bench):
    folder, results = bench
    plain = results["sizes"]["1000"]["pipelines"]["plain-rdflib"]
    assert plain["ok"]
    assert plain["same_triples"]["same"], plain["same_triples"]
    assert plain["same_triples"]["reference"] == results["sizes"]["1000"]["triples"]
    # The check itself, redone with rdflib: the plain pipeline's dump is isomorphic to hdsgraph's.
    from rdflib.compare import isomorphic

    ours = rdflib.Graph().parse(folder / "work" / "hdsgraph-1000" / "hds.nt", format="nt")
    theirs = rdflib.Graph().parse(folder / "work" / "plain-rdflib-1000" / "hds.nt", format="nt")
    assert isomorphic(ours, theirs)
    answers = plain["same_answers"]
    assert answers["compared"] >= 1 and answers["equal"] == answers["compared"]
    assert set(plain["stages"]) == {"map", "validate", "query", "serialise nt", "serialise ttl", "serialise jsonld"}


@pytest.mark.skipif(
    not HAVE_MORPH,
    reason=f"morph-kgc's environment {MORPH_VENV} is absent; "
    "`python benchmarks/run.py` creates it (the test suite installs nothing)",
)
def test_morph_kgc_maps_the_same_triples(bench):
    _, results = bench
    morph = results["sizes"]["1000"]["pipelines"]["morph-kgc"]
    assert morph["ok"] and morph["same_triples"]["same"], morph.get("same_triples")
    assert morph["stages"]["materialise"] > 0


@pytest.mark.skipif(
    not HAVE_FLOOR,
    reason=f"the floor's environment {FLOOR_VENV} is absent; "
    "`python benchmarks/run.py` creates it (the test suite installs nothing)",
)
def test_the_floor_writes_the_lines_of_the_rows(bench):
    folder, results = bench
    floor = results["sizes"]["1000"]["pipelines"]["floor"]
    assert floor["ok"] and floor["same_lines"]["same"], floor.get("same_lines")
    written = (folder / "work" / "floor-1000" / "floor.nt").read_bytes()
    lines = written.splitlines()
    assert lines == sorted(set(lines)) and floor["triples"] == len(lines)
    # The check itself, redone with rdflib: hds.nt without the ontology's triples and the
    # dataset node's is the floor's graph.
    from rdflib.compare import isomorphic

    ours = rdflib.Graph().parse(folder / "work" / "hdsgraph-1000" / "hds.nt", format="nt")
    ontology = rdflib.Graph().parse(ROOT / "ontology" / "hds.ttl", format="turtle")
    dataset = rdflib.URIRef("https://w3id.org/hdsgraph/dataset")
    rows = rdflib.Graph()
    for triple in ours:
        if triple not in ontology and triple[0] != dataset:
            rows.add(triple)
    theirs = rdflib.Graph().parse(data=written, format="nt")
    assert len(rows) == len(theirs) and isomorphic(rows, theirs)
    table = (folder / "results" / "results.md").read_text(encoding="utf-8")
    built = results["sizes"]["1000"]["pipelines"]["hdsgraph"]
    assert f"| {built['seconds'] / floor['seconds']:.1f}× |" in table  # hdsgraph / floor, in the side-by-side table


def test_writes_the_table_and_the_chart(bench):
    folder, results = bench
    table = (folder / "results" / "results.md").read_text(encoding="utf-8")
    assert "## Targets (issue 7)" in table and "## Gaps and their causes" in table
    assert f"| 1,000 | plain-rdflib | same ({results['sizes']['1000']['triples']:,} triples)" in table
    assert results["machine"]["cores"] and results["machine"]["versions"]["rdflib"] == rdflib.__version__
    svg = ET.parse(folder / "results" / "chart.svg").getroot()
    lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) >= 3  # hdsgraph, plain rdflib, hdsgraph's map stage (one point each)
    assert "## Side by side: process start to exit" in table and "## Targets (issue 16)" in table
    plain = results["sizes"]["1000"]["pipelines"]["plain-rdflib"]
    built = results["sizes"]["1000"]["pipelines"]["hdsgraph"]
    assert f"{built['seconds'] / plain['seconds']:.1f}×" in table  # hdsgraph / plain rdflib


def test_the_history_runs_cold_builds_and_an_incremental_one_with_the_same_bytes(bench):
    folder, results = bench
    history = results["history"]
    assert sorted(history["builds"]) == ["3", "5"]
    assert all(b["ok"] and b["queries"]["ok"] for b in history["builds"].values())
    added = history["incremental"]
    assert added["snapshots"] == 6 and added["same_bytes"] is True
    # the folder the incremental build rebuilt has the sixth snapshot, as the cold one
    answers = json.loads((folder / "work" / "history-5" / "answers.json").read_text(encoding="utf-8"))
    assert len(answers["hosts-by-snapshot"]) == 6
    for name in ("history.svg", "history-memory.svg", "memory.svg"):
        svg = ET.parse(folder / "results" / name).getroot()  # well-formed SVG, with a line per series
        assert svg.findall("{http://www.w3.org/2000/svg}polyline"), name
    text = (folder / "results" / "results.md").read_text(encoding="utf-8")
    assert "## History: monthly snapshots (issue 16)" in text
    share = added["incremental"]["seconds"] / added["cold"]["seconds"]
    assert f"({share:.0%}); SHA256SUMS identical" in text
