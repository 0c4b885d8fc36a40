"""Incremental builds: a build with a cache gives the very bytes of a cold build with no
cache, reuses what has not changed (the hits are counted, so that a cache that silently
stops working fails here), and never serves a stale or corrupt entry."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from hdsgraph.errors import InputError
from hdsgraph.pipeline.build import build, make_graph
from hdsgraph.pipeline.cache import FORMAT, BuildCache, start_cached_validation
from hdsgraph.pipeline.mapping import Minter
from hdsgraph.pipeline.validate import start_validation
from hdsgraph.rdf.store import load_store
from hdsgraph.study.synth import csv_bytes, generate

SNAPSHOTS = ["2021-01", "2022-01", "2023-01", "2024-01"]
OTHER_BASE = "https://example.org/registry/"


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file of a build folder, by its path there."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A short synthetic history: the registry files of four snapshots and a qualification
    table kept apart from them."""
    root = tmp_path_factory.mktemp("incremental")
    made = generate(SNAPSHOTS, 40, seed=5, separate_qualification=True)
    files = {}
    for snapshot, table in made.registries.items():
        files[snapshot] = root / "all" / f"{snapshot}.csv"
        files[snapshot].parent.mkdir(exist_ok=True)
        files[snapshot].write_bytes(csv_bytes(table))
    assert made.qualification is not None
    qualification = root / "qualification.csv"
    qualification.write_bytes(csv_bytes(made.qualification))
    return root, files, qualification


def folder_of(root: Path, name: str, files: dict[str, Path], snapshots: list[str]) -> Path:
    folder = root / name
    folder.mkdir()
    for snapshot in snapshots:
        shutil.copy(files[snapshot], folder / f"{snapshot}.csv")
    return folder


@pytest.fixture(scope="module")
def warm(world, tmp_path_factory):
    """The first three snapshots built with a cache: (registry folder, cache folder, output)."""
    root, files, qualification = world
    here = tmp_path_factory.mktemp("warm")
    registry = folder_of(here, "registry", files, SNAPSHOTS[:3])
    report = build([registry], qualification, here / "dist", cache=here / "dist.cache")
    assert report.conforms
    assert report.cache["read"] == {"hits": 0, "misses": 3, "discarded": 0}
    return registry, here / "dist.cache", here / "dist"


@pytest.fixture(scope="module")
def cold4(world, tmp_path_factory):
    """The four snapshots built with no cache: the bytes every cached build must give."""
    root, files, qualification = world
    here = tmp_path_factory.mktemp("cold")
    registry = folder_of(here, "registry", files, SNAPSHOTS)
    report = build([registry], qualification, here / "dist")
    assert report.conforms and report.cache == {}
    return outputs(here / "dist")


def rebuild(warm, tmp_path: Path, registry: Path, qualification, **options):
    """A build of ``registry`` with a copy of the warm cache, into a copy of the warm output
    (as ``hdsgraph build`` on the same folder does)."""
    cache, out = tmp_path / "dist.cache", tmp_path / "dist"
    shutil.copytree(warm[1], cache)
    shutil.copytree(warm[2], out)
    report = build([registry], qualification, out, cache=cache, **options)
    return report, outputs(out), cache


def test_one_more_snapshot_reuses_the_others_and_gives_the_cold_bytes(world, warm, cold4, tmp_path):
    root, files, qualification = world
    registry = folder_of(tmp_path, "registry", files, SNAPSHOTS)
    report, got, cache = rebuild(warm, tmp_path, registry, qualification)
    assert got == cold4
    assert report.cache["read"] == {"hits": 3, "misses": 1, "discarded": 0}
    assert report.cache["parse"] == {"hits": 3, "misses": 1, "discarded": 0}
    shacl = report.cache["shacl"]
    assert shacl["hits"] > 0 and shacl["misses"] > 0  # the new snapshot's hosts and the shared nodes are checked again
    # the cache holds what this build used, and no more: a second build of the same inputs finds everything
    again = build([registry], qualification, tmp_path / "dist", cache=cache)
    assert outputs(tmp_path / "dist") == cold4
    assert all(n["misses"] == 0 and n["hits"] > 0 for n in again.cache.values()), again.cache
    entries = sum(1 for p in cache.rglob("*") if p.is_file())
    assert entries == sum(n["hits"] for n in again.cache.values())


def test_one_cell_changed_in_an_old_snapshot_gives_the_cold_bytes(world, warm, tmp_path):
    root, files, qualification = world
    registry = folder_of(tmp_path, "registry", files, SNAPSHOTS[:3])
    old = registry / f"{SNAPSHOTS[0]}.csv"
    lines = old.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    column = header.index("host")
    assert cells[column] and '"' not in lines[1]
    cells[column] = cells[column] + " bis"  # one cell: the first row's host name
    lines[1] = ",".join(cells) + "\n"
    old.write_text("".join(lines), encoding="utf-8")
    report, got, _ = rebuild(warm, tmp_path, registry, qualification)
    cold = build([registry], qualification, tmp_path / "cold")
    assert got == outputs(tmp_path / "cold")
    assert got != outputs(warm[2])  # the change shows in the outputs
    assert report.cache["read"] == {"hits": 2, "misses": 1, "discarded": 0}
    assert cold.cache == {}


def test_a_changed_qualification_table_gives_the_cold_bytes(world, warm, tmp_path):
    root, files, qualification = world
    registry = folder_of(tmp_path, "registry", files, SNAPSHOTS[:3])
    listed = pd.read_csv(files[SNAPSHOTS[0]], dtype=str)["host"].iloc[0]
    table = pd.read_csv(qualification, dtype=str, keep_default_na=False)
    row = table.index[table["host"] == listed]
    assert len(row) == 1, listed
    table.loc[row, "nationality"] = "DE" if table.loc[row[0], "nationality"] != "DE" else "FR"  # one cell
    changed = tmp_path / "qualification.csv"
    changed.write_bytes(csv_bytes(table))
    report, got, _ = rebuild(warm, tmp_path, registry, changed)
    build([registry], changed, tmp_path / "cold")
    assert got == outputs(tmp_path / "cold")
    assert got != outputs(warm[2])
    assert report.cache["shacl"]["misses"] > 0  # the host whose nationality changed is checked again


def test_a_changed_base_iri_gives_the_cold_bytes_and_reuses_no_verdict(world, warm, tmp_path):
    root, files, qualification = world
    registry = folder_of(tmp_path, "registry", files, SNAPSHOTS[:3])
    report, got, _ = rebuild(warm, tmp_path, registry, qualification, base_uri=OTHER_BASE)
    build([registry], qualification, tmp_path / "cold", base_uri=OTHER_BASE)
    assert got == outputs(tmp_path / "cold")
    assert OTHER_BASE.encode() in got["hds.nt"]
    assert report.cache["shacl"]["hits"] == 0  # every component's triples name the other base
    assert report.cache["read"]["hits"] == 3  # the rows read do not depend on the base


def test_a_corrupt_entry_is_not_served_but_replaced(world, warm, tmp_path):
    root, files, qualification = world
    registry = folder_of(tmp_path, "registry", files, SNAPSHOTS[:3])
    cache = tmp_path / "dist.cache"
    shutil.copytree(warm[1], cache)
    damaged = {}
    for kind in ("read", "shacl"):
        entry = sorted((cache / kind).iterdir())[0]
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0x01  # one bit of the payload
        entry.write_bytes(bytes(data))
        damaged[kind] = entry
    report = build([registry], qualification, tmp_path / "dist", cache=cache)
    build([registry], qualification, tmp_path / "cold")
    assert outputs(tmp_path / "dist") == outputs(tmp_path / "cold") == outputs(warm[2])
    for kind, entry in damaged.items():
        assert report.cache[kind]["discarded"] == 1
        assert BuildCache(cache).get(kind, entry.name) is not None  # written again, and sound
        assert entry.read_bytes().startswith(FORMAT)


def test_a_failed_build_leaves_the_cache_and_the_last_output_usable(world, warm, tmp_path):
    root, files, qualification = world
    registry = folder_of(tmp_path, "registry", files, SNAPSHOTS[:3])
    cache, out = tmp_path / "dist.cache", tmp_path / "dist"
    shutil.copytree(warm[1], cache)
    shutil.copytree(warm[2], out)
    before = outputs(cache)
    shutil.copy(files[SNAPSHOTS[3]], registry)  # read (and cached) before the bad file is: its entry is undone
    bad = registry / "2025-01.csv"
    bad.write_text("siren,activities\n900000019,1\n", encoding="utf-8")
    expected = f"{bad}: missing required column 'host' (found: 'siren', 'activities')"
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        build([registry], qualification, out, cache=cache)
    assert outputs(out) == outputs(warm[2])
    assert outputs(cache) == before  # nothing pruned, nothing half-written
    bad.unlink()
    (registry / f"{SNAPSHOTS[3]}.csv").unlink()
    report = build([registry], qualification, out, cache=cache)
    assert outputs(out) == outputs(warm[2])
    assert all(n["misses"] == 0 for n in report.cache.values()), report.cache


def test_the_cache_may_not_be_the_output_or_inside_it(world, tmp_path):
    root, files, qualification = world
    for where in (tmp_path / "dist", tmp_path / "dist" / "cache"):
        with pytest.raises(InputError, match="the cache folder cannot be the output folder"):
            build([files[SNAPSHOTS[0]]], qualification, tmp_path / "dist", cache=where)
    assert not (tmp_path / "dist").exists()


def test_cached_verdicts_keep_the_violations(world):
    """A graph that breaks the shapes: the verdicts pySHACL gave (cold), and those read back
    from the cache (warm, no pySHACL at all), are those of the uncached validation."""
    root, files, qualification = world
    graph = make_graph([files[s] for s in SNAPSHOTS[:2]], qualification)
    assert graph.nt is not None
    lines = graph.nt.splitlines(keepends=True)
    legal_name = b"<http://www.w3.org/ns/regorg#legalName>"
    dropped = next(i for i, line in enumerate(lines) if legal_name in line)
    broken = b"".join(lines[:dropped] + lines[dropped + 1 :])  # a host without its name
    store = load_store(broken)
    prefix = Minter().host_prefix
    expected = start_validation(broken, prefix).result(store)
    assert not expected.conforms and expected.violations
    with_cache = BuildCache(root / "verdicts.cache")
    first = start_cached_validation(broken, prefix, 1, with_cache).result(store)
    second_cache = BuildCache(root / "verdicts.cache")
    second = start_cached_validation(broken, prefix, 1, second_cache).result(store)
    assert first.report == second.report == expected.report
    assert second_cache.misses["shacl"] == 0 and second_cache.hits["shacl"] > 1


def test_the_command_caches_beside_the_output_unless_told_not_to(world, runner, tmp_path):
    from hdsgraph.cli import cli

    root, files, qualification = world
    args = ["build", "--registry", str(files[SNAPSHOTS[0]]), "--qualification", str(qualification), "-q"]
    both = runner.invoke(cli, [*args, "--out", str(tmp_path / "x"), "--cache", str(tmp_path / "c"), "--no-cache"])
    assert both.exit_code == 2
    assert both.output.strip().splitlines()[-1] == "Error: --cache and --no-cache cannot be used together"
    plain = runner.invoke(cli, [*args, "--out", str(tmp_path / "dist")])
    assert plain.exit_code == 0, plain.output
    assert (tmp_path / "dist.cache" / "read").is_dir() and not (tmp_path / "dist" / "dist.cache").exists()
    cold = runner.invoke(cli, [*args, "--out", str(tmp_path / "cold"), "--no-cache"])
    assert cold.exit_code == 0, cold.output
    assert not (tmp_path / "cold.cache").exists()
    assert outputs(tmp_path / "dist") == outputs(tmp_path / "cold")


def test_a_changed_shared_node_is_not_served_the_old_verdicts(world, tmp_path):
    """A component's verdicts depend on the shared nodes it refers to: a certification body
    that loses its class makes its certificates violate ``sh:class``, although their own
    triples are the same; the cache must not answer for them."""
    root, files, qualification = world
    graph = make_graph([files[s] for s in SNAPSHOTS[:2]], qualification)
    assert graph.nt is not None
    body_type = (
        b"> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/hdsgraph/ontology#CertificationBody> ."
    )
    lines = graph.nt.splitlines(keepends=True)
    dropped = next(i for i, line in enumerate(lines) if line.rstrip(b"\n").endswith(body_type))
    broken = b"".join(lines[:dropped] + lines[dropped + 1 :])
    prefix = Minter().host_prefix
    cache = BuildCache(tmp_path / "cache")
    before = start_cached_validation(graph.nt, prefix, 1, cache).result(load_store(graph.nt))
    assert before.conforms
    store = load_store(broken)
    expected = start_validation(broken, prefix).result(store)
    assert not expected.conforms
    again = BuildCache(tmp_path / "cache")
    after = start_cached_validation(broken, prefix, 1, again).result(store)
    assert after.report == expected.report
    assert again.hits["shacl"] > 0  # the components that do not use that body were reused
