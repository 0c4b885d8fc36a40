"""A certificate listed in many snapshots has its triples added once (``map_registry``
remembers what it described): the graph is the union of the snapshots mapped one by one,
where no certificate is listed twice."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from hdsgraph.pipeline.build import make_graph
from hdsgraph.pipeline.mapping import certification_body_names, map_registry


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    folder = tmp_path_factory.mktemp("repeats") / "history"
    done = subprocess.run(
        [sys.executable, "-m", "hdsgraph", "synth", "--history", "4", "--first-hosts", "15", "--hosts", "30"]
        + ["--snapshot", "2026-07", "--seed", "11", "--out", str(folder)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return make_graph([folder], None)


def test_the_history_maps_to_the_union_of_its_snapshots(graph):
    registry, hosts = graph.registry, graph.hosts
    certificates = registry.certificates
    assert certificates["certificate_number"].isna().all()  # the unnumbered path, the one that remembers
    repeated = certificates.groupby(["host_key", "certificate_type", "issued"], dropna=False)["snapshot"].nunique()
    assert (repeated > 1).any()  # certificates listed in several snapshots: what is remembered
    names = certification_body_names(certificates)
    whole = map_registry(registry, hosts, graph.base_uri, names)
    alone: set[str] = set()
    for snapshot in sorted(set(certificates["snapshot"])):
        part = replace(registry, certificates=certificates[certificates["snapshot"] == snapshot])
        alone |= map_registry(part, hosts, graph.base_uri, names)
    assert whole == alone
