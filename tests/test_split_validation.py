"""Split validation equals whole-graph validation.

Large builds run pySHACL on parts of the graph (``split_into_parts``). The oracle here is
pySHACL itself on the whole, unfiltered graph: for every graph below, the union of the
parts' results must be the whole graph's results, compared as (focus node, constraint
component, path, value). The graphs are made to cross parts: certificates held by two
hosts, certificates and hosts whose IRIs lie outside the host prefix, holders of another
host's identifier, and random mutations of a small registry (hypothesis).
"""

from __future__ import annotations

import random

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from hdsgraph.pipeline.build import make_graph
from hdsgraph.pipeline.validate import (
    _shape_triples,
    shapes_graph,
    split_file_into_parts,
    split_into_parts,
    split_plan,
    start_validation,
    validate,
)
from hdsgraph.rdf.store import load_rdflib, load_store, rdflib_graph
from hdsgraph.study.synth import csv_bytes, generate

BASE = "https://w3id.org/hdsgraph/"
HOST = BASE + "host/"
HDS = "https://w3id.org/hdsgraph/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def results(graph: rdflib.Graph) -> set[tuple[str, str, str, str]]:
    """pySHACL's results on a graph: (focus, constraint component, path, value)."""
    _, report, _ = pyshacl_validate(graph, shacl_graph=shapes_graph(), inference="none", advanced=False)

    def text(node) -> str:
        if node is None:
            return ""
        if isinstance(node, rdflib.BNode):  # an inverse path: its one step
            inverse = report.value(node, SH.inversePath)
            return f"^{inverse}" if inverse is not None else "(blank node)"
        return str(node)

    return {
        (
            text(report.value(r, SH.focusNode)),
            text(report.value(r, SH.sourceConstraintComponent)),
            text(report.value(r, SH.resultPath)),
            text(report.value(r, SH.value)),
        )
        for r in report.objects(None, SH.result)
    }


def split_results(nt: bytes, parts: int) -> set[tuple[str, str, str, str]]:
    found: set[tuple[str, str, str, str]] = set()
    for part in split_into_parts(nt, HOST, parts):
        found |= results(rdflib_graph(_shape_triples(part)))
    return found


@pytest.fixture(scope="module")
def registry_nt(tmp_path_factory) -> bytes:
    """A small built graph: 12 hosts over two snapshots, with the ontology."""
    folder = tmp_path_factory.mktemp("split")
    synthetic = generate(["2023-01", "2024-01"], 12, seed=3)
    for snapshot, table in synthetic.registries.items():
        (folder / f"{snapshot}.csv").write_bytes(csv_bytes(table))
    graph = make_graph([folder], None, BASE)
    assert graph.nt is not None
    return graph.nt


def hosts_and_certificates(nt: bytes) -> tuple[list[str], list[str]]:
    graph = load_rdflib(nt)
    hosts = sorted(str(h) for h in graph.subjects(rdflib.RDF.type, rdflib.URIRef(HDS + "Host")))
    certificates = sorted(str(c) for c in graph.subjects(rdflib.RDF.type, rdflib.URIRef(HDS + "Certificate")))
    return hosts, certificates


def with_lines(nt: bytes, add: list[str] = (), remove: list[str] = ()) -> bytes:
    lines = set(nt.decode("utf-8").splitlines()) - {f"{line} ." for line in remove}
    lines |= {f"{line} ." for line in add}
    return "".join(f"{line}\n" for line in sorted(lines)).encode("utf-8")


def crossing_graphs(nt: bytes) -> dict[str, bytes]:
    """Graphs whose shared certificates, and hosts outside the prefix, cross parts."""
    hosts, certificates = hosts_and_certificates(nt)
    a, b = hosts[0], hosts[-1]
    cert_of_a = next(c for c in certificates if c.startswith(a + "/"))
    holds, cert = f"<{HDS}holds>", f"<{HDS}Certificate>"
    outside = BASE + "certificate/shared-1"
    stranger = "https://example.org/host/elsewhere"
    snapshot = f"<{BASE}snapshot/2024-01>"
    return {
        "the registry as built": nt,
        "a certificate held by two hosts": with_lines(nt, [f"<{b}> {holds} <{cert_of_a}>"]),
        "a certificate outside the host prefix held by two hosts": with_lines(
            nt,
            [
                f"<{outside}> <{RDF_TYPE}> {cert}",
                f"<{outside}> <{HDS}listedIn> {snapshot}",
                f"<{outside}> <{HDS}certificateType> <{BASE}certificate-type/managed-services>",
                f"<{outside}> <{HDS}activity> <{BASE}activity/3>",
                f"<{a}> {holds} <{outside}>",
                f"<{b}> {holds} <{outside}>",
            ],
        ),
        "a certificate outside the host prefix held by one host": with_lines(
            nt,
            [
                f"<{outside}> <{RDF_TYPE}> {cert}",
                f"<{outside}> <{HDS}listedIn> {snapshot}",
                f"<{outside}> <{HDS}certificateType> <{BASE}certificate-type/managed-services>",
                f"<{outside}> <{HDS}activity> <{BASE}activity/4>",
                f"<{b}> {holds} <{outside}>",
            ],
        ),
        "a host outside the prefix holding another host's certificate": with_lines(
            nt,
            [
                f"<{stranger}> <{RDF_TYPE}> <{HDS}Host>",
                f'<{stranger}> <http://www.w3.org/ns/regorg#legalName> "Ailleurs fictif"',
                f"<{stranger}> <{HDS}listedIn> {snapshot}",
                f"<{stranger}> {holds} <{cert_of_a}>",
            ],
        ),
        "a host holding another host's identifier": with_lines(nt, [f"<{b}> {holds} <{a}#siren>"]),
        "a certificate moved to another host": with_lines(
            nt, add=[f"<{b}> {holds} <{cert_of_a}>"], remove=[f"<{a}> {holds} <{cert_of_a}>"]
        ),
        "a certificate without its type": with_lines(nt, remove=[f"<{cert_of_a}> <{RDF_TYPE}> {cert}"]),
    }


def test_the_bundled_shapes_can_be_split():
    assert split_plan() == frozenset({HDS + "holds"})


def test_a_certificate_goes_with_every_host_that_holds_it(registry_nt):
    hosts, certificates = hosts_and_certificates(registry_nt)
    a, b = hosts[0], hosts[-1]
    cert_of_a = next(c for c in certificates if c.startswith(a + "/"))
    nt = with_lines(registry_nt, [f"<{b}> <{HDS}holds> <{cert_of_a}>"])
    for parts in range(2, 9):
        with_a = [p for p in split_into_parts(nt, HOST, parts) if f"<{a}> <{RDF_TYPE}>".encode() in p]
        assert len(with_a) == 1
        assert f"<{b}> <{RDF_TYPE}>".encode() in with_a[0]
        assert f"<{cert_of_a}> <{RDF_TYPE}>".encode() in with_a[0]


CASES = (
    "the registry as built",
    "a certificate held by two hosts",
    "a certificate outside the host prefix held by two hosts",
    "a certificate outside the host prefix held by one host",
    "a host outside the prefix holding another host's certificate",
    "a host holding another host's identifier",
    "a certificate moved to another host",
    "a certificate without its type",
)


@pytest.mark.parametrize("name", CASES)
def test_split_validation_equals_whole_graph_validation(registry_nt, name):
    graphs = crossing_graphs(registry_nt)
    assert tuple(graphs) == CASES
    nt = graphs[name]
    whole = results(load_rdflib(nt))
    # the cases that break a shape (a moved certificate may leave its first host with none)
    if name not in (CASES[0], CASES[3], CASES[6]):
        assert whole, f"{name}: should break a shape"
    for parts in (2, 3, 5, 8):
        assert split_results(nt, parts) == whole, f"{name}, {parts} parts"


def test_split_validation_in_worker_processes_gives_the_whole_graph_report(registry_nt):
    """Through the build's own path: two worker processes against one process."""
    nt = crossing_graphs(registry_nt)["a certificate held by two hosts"]
    store = load_store(nt)
    alone = validate(nt, store)
    split = start_validation(nt, HOST, workers=2).result(store)
    assert not alone.conforms
    assert (split.violations, split.report) == (alone.violations, alone.report)


MUTATIONS = ("share", "move", "untype", "foreign-holder", "outside-certificate", "drop-holds")


def mutated(nt: bytes, steps: list[tuple[str, int, int]]) -> bytes:
    hosts, certificates = hosts_and_certificates(nt)
    add: list[str] = []
    remove: list[str] = []
    for kind, i, j in steps:
        host, other, cert = hosts[i % len(hosts)], hosts[j % len(hosts)], certificates[(i * 7 + j) % len(certificates)]
        if kind == "share":
            add.append(f"<{other}> <{HDS}holds> <{cert}>")
        elif kind == "move":
            owner = cert.split("/certificate/")[0]
            remove.append(f"<{owner}> <{HDS}holds> <{cert}>")
            add.append(f"<{other}> <{HDS}holds> <{cert}>")
        elif kind == "untype":
            remove.append(f"<{cert}> <{RDF_TYPE}> <{HDS}Certificate>")
        elif kind == "foreign-holder":
            add.append(f"<https://example.org/h{j}> <{RDF_TYPE}> <{HDS}Host>")
            add.append(f"<https://example.org/h{j}> <{HDS}holds> <{cert}>")
        elif kind == "outside-certificate":
            add.append(f"<{BASE}certificate/c{j}> <{RDF_TYPE}> <{HDS}Certificate>")
            add.append(f"<{host}> <{HDS}holds> <{BASE}certificate/c{j}>")
            add.append(f"<{other}> <{HDS}holds> <{BASE}certificate/c{j}>")
        else:
            owner = cert.split("/certificate/")[0]
            remove.append(f"<{owner}> <{HDS}holds> <{cert}>")
    return with_lines(nt, add, remove)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=4
    ),
    parts=st.integers(2, 6),
)
def test_split_validation_equals_whole_graph_validation_on_mutated_registries(registry_nt, steps, parts):
    nt = mutated(registry_nt, steps)
    assert split_results(nt, parts) == results(load_rdflib(nt))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), hosts=st.integers(2, 15), parts=st.integers(2, 5))
def test_split_validation_equals_whole_graph_validation_on_random_registries(tmp_path_factory, seed, hosts, parts):
    folder = tmp_path_factory.mktemp("random")
    synthetic = generate(["2022-01", "2023-06"], hosts, seed=seed)
    for snapshot, table in synthetic.registries.items():
        (folder / f"{snapshot}.csv").write_bytes(csv_bytes(table))
    graph = make_graph([folder], None, BASE)
    assert graph.nt is not None
    rng = random.Random(seed)
    nt = mutated(graph.nt, [(rng.choice(MUTATIONS), rng.randrange(40), rng.randrange(40)) for _ in range(2)])
    assert split_results(nt, parts) == results(load_rdflib(nt))


def listing_graphs(nt: bytes) -> dict[str, bytes]:
    """Graphs breaking the listing shapes, which pySHACL is given in reduced form (one
    listing per subject in a snapshot typed as such, every other listing kept)."""
    hosts, certificates = hosts_and_certificates(nt)
    a, b = hosts[0], hosts[-1]
    cert_of_a = next(c for c in certificates if c.startswith(a + "/"))
    listed_in = f"<{HDS}listedIn>"
    snapshot = f"<{BASE}snapshot/2024-01>"
    lines = nt.decode("utf-8").splitlines()
    listings_of_a = [line[: -len(" .")] for line in lines if line.startswith(f"<{a}> {listed_in} ")]
    return {
        "a host listed in an unknown snapshot": with_lines(nt, [f"<{a}> {listed_in} <{BASE}snapshot/1999-01>"]),
        "a certificate listed in a literal": with_lines(nt, [f'<{cert_of_a}> {listed_in} "2024-01"']),
        "a host listed in a host": with_lines(nt, [f"<{a}> {listed_in} <{b}>"]),
        "a snapshot without its type": with_lines(nt, remove=[f"{snapshot} <{RDF_TYPE}> <{HDS}RegistrySnapshot>"]),
        "a host listed nowhere": with_lines(nt, remove=listings_of_a),
        "a host listed only in unknown snapshots": with_lines(
            nt, add=[f"<{a}> {listed_in} <{BASE}snapshot/1999-0{i}>" for i in (1, 2)], remove=listings_of_a
        ),
    }


def test_pyshacl_is_given_fewer_listings_with_the_same_verdicts(registry_nt):
    """The reduction is real (fewer triples) and, on every case, changes no result."""
    reduced = sum(1 for _ in _shape_triples(registry_nt))
    listings = registry_nt.count(f"<{HDS}listedIn>".encode())
    hosts, certificates = hosts_and_certificates(registry_nt)
    assert listings > len(hosts) + len(certificates)  # some are listed in both snapshots
    from hdsgraph.pipeline.validate import class_only_paths

    assert class_only_paths() == {HDS + "listedIn": HDS + "RegistrySnapshot"}
    without = with_lines(
        registry_nt, remove=[line[: -len(" .")] for line in registry_nt.decode().splitlines() if "listedIn" in line]
    )
    assert reduced == sum(1 for _ in _shape_triples(without)) + len(hosts) + len(certificates)
    for name, nt in listing_graphs(registry_nt).items():
        whole = results(load_rdflib(nt))
        assert whole, f"{name}: should break a shape"
        assert results(rdflib_graph(_shape_triples(nt))) == whole, name
        for parts in (2, 5):
            assert split_results(nt, parts) == whole, f"{name}, {parts} parts"


def reference_data_graph(nt: bytes) -> rdflib.Graph:
    """The same triples in rdflib's default (Memory) store, as pySHACL was given them before."""
    return rdflib_graph(_shape_triples(nt))


def odd_graphs(nt: bytes) -> dict[str, bytes]:
    """Graphs whose violations carry pySHACL's default messages (no sh:message on the node
    shapes) and terms the read-only store must keep apart: blank nodes, language tags, escapes."""
    hosts, _ = hosts_and_certificates(nt)
    a = hosts[0]
    name = "<http://www.w3.org/ns/regorg#legalName>"
    return {
        "a blank-node host": with_lines(nt, [f"_:h <{RDF_TYPE}> <{HDS}Host>", f'_:h {name} "Sans IRI"@fr']),
        "names with a language tag and an escape": with_lines(nt, [f'<{a}> {name} "Nom\\u00E9\\"x"@fr-FR']),
        "a host typed twice and a date as a string": with_lines(
            nt, [f"<{a}> <{RDF_TYPE}> <{HDS}Host>", f'<{a}> <{HDS}reviewedOn> "2024-01-02"']
        ),
    }


def test_the_read_only_store_gives_pyshacl_the_same_report_as_rdflib_memory(registry_nt, monkeypatch):
    """pySHACL reads the data from ``_ReadOnlyStore`` (faster than rdflib's Memory store):
    every violation, messages included, is the one it finds in a Memory store."""
    from hdsgraph.pipeline import validate as validation

    graphs = {**crossing_graphs(registry_nt), **listing_graphs(registry_nt), **odd_graphs(registry_nt)}
    fast = {name: validation._shacl_violations(nt) for name, nt in graphs.items()}
    assert isinstance(validation.shape_data_graph(registry_nt).store, validation._ReadOnlyStore)
    monkeypatch.setattr(validation, "shape_data_graph", reference_data_graph)
    for name, nt in graphs.items():
        assert fast[name] == validation._shacl_violations(nt), name
    assert sum(1 for found in fast.values() if found) >= len(graphs) - 3  # the cases break shapes
    # the node shape has no sh:message: pySHACL's own message, written with the store's prefixes
    assert any(v.source.endswith("shapes#Host") and v.focus == "(blank node)" for v in fast["a blank-node host"])


@pytest.mark.parametrize("name", CASES[:3])
def test_parts_cut_from_a_file_are_the_parts_cut_from_bytes(registry_nt, tmp_path, name):
    """A large build's graph is a file: its parts are cut line by line into part files."""
    nt = crossing_graphs(registry_nt)[name]
    path = tmp_path / "hds.nt"
    path.write_bytes(nt)
    for parts in (2, 5):
        folder = tmp_path / f"parts-{parts}"
        folder.mkdir()
        shared, files = split_file_into_parts(path, HOST, parts, folder)
        from_file = [set((shared.read_bytes() + file.read_bytes()).splitlines()) - {b""} for file in files]
        assert from_file == [set(part.splitlines()) - {b""} for part in split_into_parts(nt, HOST, parts)]


def test_validation_of_a_file_in_worker_processes_gives_the_whole_graph_report(registry_nt, tmp_path):
    nt = crossing_graphs(registry_nt)["a certificate outside the host prefix held by two hosts"]
    path = tmp_path / "hds.nt"
    path.write_bytes(nt)
    store = load_store(nt)
    alone = validate(nt, store)
    pending = start_validation(path, HOST, workers=2)
    scratch = pending.scratch
    assert pending.submitted.wait(60)  # the parts are cut in a thread, then submitted
    assert scratch is not None and len(list(scratch.iterdir())) == 3  # shared, and one file per part
    split = pending.result(store)
    assert not alone.conforms and not scratch.exists()
    assert (split.violations, split.report) == (alone.violations, alone.report)


def test_a_file_validation_cancelled_while_its_parts_are_cut_leaves_nothing(registry_nt, tmp_path):
    path = tmp_path / "hds.nt"
    path.write_bytes(registry_nt * 3)  # the same lines thrice: a longer cut, the same parts
    pending = start_validation(path, HOST, workers=2)
    scratch = pending.scratch
    assert scratch is not None
    pending.cancel()
    assert pending.submitted.wait(60)
    assert not scratch.exists() and pending.pool is not None
    with pytest.raises(RuntimeError):  # the pool is shut down: nothing more runs
        pending.pool.submit(len, b"")
