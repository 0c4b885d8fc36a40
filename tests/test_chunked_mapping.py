"""Chunked mapping: a graph mapped, sorted and merged in chunks of hosts has the very bytes
of the graph mapped at once, whatever the chunk size."""

from __future__ import annotations

import pytest

from hdsgraph.pipeline.build import bundled_qualification, bundled_registries, make_graph
from hdsgraph.pipeline.chunks import merged_ntriples
from hdsgraph.study.synth import csv_bytes, generate


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three snapshots of a small registry, some hosts without SIREN, bodies spelt alike."""
    folder = tmp_path_factory.mktemp("chunks")
    for snapshot, table in generate(["2021-01", "2022-01", "2023-01"], 30, seed=11).registries.items():
        (folder / f"{snapshot}.csv").write_bytes(csv_bytes(table))
    return folder


@pytest.fixture(scope="module")
def whole(history):
    graph = make_graph([history], None)
    assert graph.nt is not None and graph.triples > 500
    return graph


@pytest.mark.parametrize("chunk_hosts", [1, 2, 7, 29])
def test_chunks_give_the_bytes_of_the_whole(history, whole, chunk_hosts):
    chunked = make_graph([history], None, chunk_hosts=chunk_hosts)
    assert chunked.nt == whole.nt
    assert chunked.triples == whole.triples == whole.nt.count(b"\n")
    assert chunked.certificates == whole.certificates > 0  # the summary's distinct count, streamed


def test_the_bundled_snapshots_in_chunks_of_ten_hosts():
    registries, qualification = [bundled_registries()], bundled_qualification()
    chunked, whole = make_graph(registries, qualification, chunk_hosts=10), make_graph(registries, qualification)
    assert chunked.nt == whole.nt
    assert chunked.certificates == whole.certificates > 0


def test_the_merge_sorts_as_python_sorts_strings_and_drops_repeats():
    chunks = [['<b> <p> "é"', '<a> <p> "a"'], ['<a> <p> "a"@en', '<a> <p> "a"', '<b> <p> "z"'], []]
    expected = sorted({line for chunk in chunks for line in chunk})
    assert merged_ntriples(chunks) == "".join(f"{line} .\n" for line in expected).encode("utf-8")
