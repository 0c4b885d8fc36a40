"""build.json: the build records its parameters; site, publish and serve read them rather
than guessing from the graph's IRIs (a plain dump still gets the guess)."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
import requests

from hdsgraph.cli import cli
from hdsgraph.describe.manifest import read_manifest
from hdsgraph.pipeline.build import build
from hdsgraph.sparql.server import load_graphs
from tests.helpers.oracle import write_csv
from tests.helpers.servers import hdsgraph_serve, oxigraph

HEADER = ["host", "siren", "activities", "issued", "expires", "synthetic"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("manifest")
    old = write_csv(folder / "2020-07.csv", HEADER, [["Hébergeur fictif Un", "900000019", "1-6", "", "", "true"]])
    new = write_csv(
        folder / "2022-04.csv",
        HEADER,
        [
            ["Hébergeur fictif Un", "900000019", "1-6", "", "", "true"],
            ["Hébergeur fictif Deux", "", "5", "", "", "true"],
        ],
    )
    out = folder / "dist"
    report = build([new, old], out=out, base_uri="https://example.org/hds/")
    assert report.conforms
    return out


def copy(built, tmp_path, **changes):
    folder = tmp_path / "dist"
    shutil.copytree(built, folder)
    manifest = json.loads((folder / "build.json").read_text())
    (folder / "build.json").write_text(json.dumps(manifest | changes))
    return folder


def test_the_manifest_records_the_build_parameters_and_sha256sums_covers_it(built):
    from hdsgraph import __version__

    manifest = json.loads((built / "build.json").read_text(encoding="utf-8"))
    assert manifest == {
        "hdsgraph": __version__,
        "base_uri": "https://example.org/hds/",
        "graph_prefix": "https://example.org/hds/graph/",
        "snapshots": ["2020-07", "2022-04"],
        "catalog": {"download_url": "https://example.org/hds/dist/", "sparql_endpoint": None, "skeleton": None},
        # per registry file, in the order given: rows read = kept + quarantined
        "rows": [
            {
                "file": "2022-04.csv",
                "snapshots": ["2022-04"],
                "read": 2,
                "kept": 2,
                "quarantined": 0,
                "values_quarantined": 0,
            },
            {
                "file": "2020-07.csv",
                "snapshots": ["2020-07"],
                "read": 1,
                "kept": 1,
                "quarantined": 0,
                "values_quarantined": 0,
            },
        ],
        # distinct certificates: Un's two (1-2 and 3-6), listed in both snapshots, and Deux's
        "certificates": 3,
    }
    sums = dict(reversed(line.split("  ")) for line in (built / "SHA256SUMS").read_text().splitlines())
    assert sums["build.json"] == hashlib.sha256((built / "build.json").read_bytes()).hexdigest()


def test_the_manifest_names_the_catalogue_options(runner, tmp_path):
    from tests.helpers.paths import REPO

    registry = write_csv(tmp_path / "2022-04.csv", HEADER, [["Hébergeur fictif Un", "", "1", "", "", ""]])
    skeleton = tmp_path / "mine.ttl"
    shutil.copy(REPO / "hdsgraph" / "data" / "catalog-skeleton.ttl", skeleton)
    out = tmp_path / "dist"
    result = runner.invoke(
        cli,
        [
            "build",
            "--registry",
            str(registry),
            "--out",
            str(out),
            "--catalog-skeleton",
            str(skeleton),
            "--download-url",
            "http://127.0.0.1:8000/files/",
            "--sparql-endpoint",
            "http://127.0.0.1:7878/query",
        ],
    )
    assert result.exit_code == 0, result.output
    catalog = json.loads((out / "build.json").read_text())["catalog"]
    assert catalog == {
        "download_url": "http://127.0.0.1:8000/files/",
        "sparql_endpoint": "http://127.0.0.1:7878/query",
        "skeleton": {"file": "mine.ttl", "sha256": hashlib.sha256(skeleton.read_bytes()).hexdigest()},
    }


def test_a_plain_dump_has_no_manifest_and_a_dump_in_a_build_has_the_build_s(built, tmp_path):
    shutil.copy(built / "hds.nt", tmp_path / "hds.nt")
    assert read_manifest(tmp_path / "hds.nt") is None
    assert read_manifest(built / "hds.ttl").base_uri == "https://example.org/hds/"
    assert read_manifest(built).graph_prefix == "https://example.org/hds/graph/"


def test_serve_takes_the_graph_names_from_the_manifest(built, tmp_path):
    assert sorted(iri for iri, _ in load_graphs(built)) == [
        "https://example.org/hds/graph/ontology",
        "https://example.org/hds/graph/registry",
        "https://example.org/hds/graph/snapshot/2020-07",
        "https://example.org/hds/graph/snapshot/2022-04",
    ]
    folder = copy(built, tmp_path, graph_prefix="https://example.org/named/")
    assert sorted(iri for iri, _ in load_graphs(folder))[0] == "https://example.org/named/ontology"
    # a plain dump: the prefix is read from the snapshots' IRIs
    shutil.copy(built / "hds.nt", tmp_path / "hds.nt")
    assert sorted(iri for iri, _ in load_graphs(tmp_path / "hds.nt"))[0] == "https://example.org/hds/graph/ontology"


def graph_names(query_url: str) -> list[str]:
    """The named graphs a SPARQL endpoint holds, asked over HTTP."""
    response = requests.get(
        query_url,
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    response.raise_for_status()
    return sorted(row["g"]["value"] for row in response.json()["results"]["bindings"])


def test_a_running_hdsgraph_serve_names_its_graphs_from_the_manifest(built, tmp_path):
    folder = copy(built, tmp_path, graph_prefix="https://example.org/named/")
    with hdsgraph_serve(folder, log=tmp_path / "serve.log") as (url, _):
        assert graph_names(url) == [
            "https://example.org/named/" + g for g in ("ontology", "registry", "snapshot/2020-07", "snapshot/2022-04")
        ]


def test_publish_to_oxigraph_names_the_graphs_from_the_manifest(runner, built, tmp_path):
    folder = copy(built, tmp_path, graph_prefix="https://example.org/named/")
    with oxigraph(tmp_path / "oxigraph") as base:
        result = runner.invoke(cli, ["publish", "--data", str(folder), "--endpoint", base + "/store"])
        assert result.exit_code == 0, result.output
        assert graph_names(base + "/query") == [
            "https://example.org/named/" + g for g in ("ontology", "registry", "snapshot/2020-07", "snapshot/2022-04")
        ]


def test_site_takes_the_base_from_the_manifest(runner, built, tmp_path):
    result = runner.invoke(cli, ["site", "--data", str(built), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "host" / "900000019.html").is_file()
    # with the manifest's base one level up, the host pages move one level down
    folder = copy(built, tmp_path, base_uri="https://example.org/")
    result = runner.invoke(cli, ["site", "--data", str(folder), "--out", str(tmp_path / "other")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "other" / "hds" / "host" / "900000019.html").is_file()


def test_a_broken_manifest_is_one_line_and_exit_2(runner, built, tmp_path):
    folder = tmp_path / "dist"
    shutil.copytree(built, folder)
    (folder / "build.json").write_text("{not json")
    result = runner.invoke(cli, ["site", "--data", str(folder), "--out", str(tmp_path / "site")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {folder / 'build.json'}: not a valid build manifest (")
    assert result.stderr.count("\n") == 1
    (folder / "build.json").write_text('{"base_uri": "https://example.org/hds/"}')
    result = runner.invoke(cli, ["site", "--data", str(folder), "--out", str(tmp_path / "site")])
    assert result.stderr == f"Error: {folder / 'build.json'}: not a valid build manifest (no 'graph_prefix')\n"
