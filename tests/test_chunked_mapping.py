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


def test_a_graph_written_to_a_file_builds_the_same_files(history, whole, tmp_path):
    """Past ``file_hosts`` the merged N-Triples go to a file, moved into the build as hds.nt
    (never held in memory), and the store is loaded from it: every output file has the bytes
    of the build from the graph held in memory."""
    from hdsgraph.pipeline.build import write_build

    on_file = make_graph([history], None, chunk_hosts=7, file_hosts=0)
    assert on_file.nt is None and on_file.nt_file is not None
    assert on_file.nt_file.read_bytes() == whole.nt
    assert (on_file.triples, on_file.certificates) == (whole.triples, whole.certificates)
    temporary = on_file.nt_file.parent
    from_file = write_build(on_file, tmp_path / "from-file")
    in_memory = write_build(make_graph([history], None), tmp_path / "in-memory")
    assert not temporary.exists()  # moved into the build, its folder removed
    names = sorted(p.name for p in (tmp_path / "in-memory").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "from-file").iterdir()) and "hds.nt" in names
    for name in names:
        assert (tmp_path / "from-file" / name).read_bytes() == (tmp_path / "in-memory" / name).read_bytes(), name
    assert from_file.answers == in_memory.answers and from_file.triples == in_memory.triples


def test_a_large_file_is_loaded_into_a_store_on_disk(whole, tmp_path, monkeypatch):
    from hdsgraph.rdf import store as stores

    path = tmp_path / "hds.nt"
    path.write_bytes(whole.nt)
    in_memory = stores.load_store_file(path)
    monkeypatch.setattr(stores, "DISK_STORE_BYTES", 0)
    on_disk = stores.load_store_file(path, tmp_path)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("hdsgraph-store-")]  # the store's folder
    assert sorted(str(q) for q in on_disk) == sorted(str(q) for q in in_memory)
    assert len(on_disk) == whole.triples
