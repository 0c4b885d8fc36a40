"""The DCAT-AP catalogue of a build: official shapes, real sizes and checksums, dates from the data."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, SH, XSD

from hdsgraph.cli import cli
from hdsgraph.pipeline.build import build
from tests.helpers.oracle import REGISTRY_HEADER, write_csv
from tests.helpers.paths import SHARED

SPDX = Namespace("http://spdx.org/rdf/terms#")
BASE = "https://w3id.org/hdsgraph/"
DATASET = URIRef(BASE + "dataset")
SHAPES_ENV = "HDSGRAPH_DCAT_AP_SHAPES"
HEADER = REGISTRY_HEADER
# Files of a build that are metadata about the others (documented in hdsgraph/catalog.py and the README).
METADATA = {
    "catalog.ttl",
    "catalog.jsonld",
    "catalog-datagouv.ttl",
    "void.ttl",
    "README.md",
    "build.json",
    "SHA256SUMS",
}


def dcat_ap_folder() -> Path | None:
    """The official DCAT-AP 3.0.0 shapes: from $HDSGRAPH_DCAT_AP_SHAPES, else ../shared beside the checkout."""
    candidates = [Path(os.environ[SHAPES_ENV])] if os.environ.get(SHAPES_ENV) else []
    candidates.append(SHARED / "reference" / "dcat-ap-3.0.0")
    return next((c for c in candidates if (c / "shapes.ttl").is_file() and (c / "range.ttl").is_file()), None)


def dcat_ap(*names: str) -> rdflib.Graph:
    folder = dcat_ap_folder()
    if folder is None:
        pytest.skip(f"the DCAT-AP 3.0.0 shapes are not here: set {SHAPES_ENV} or put shared/ beside the checkout")
    shapes = rdflib.Graph()
    for name in names:
        shapes.parse(folder / name, format="turtle")
    return shapes


def shacl_results(data: rdflib.Graph, shapes: rdflib.Graph) -> list[tuple]:
    from pyshacl import validate

    _, report, _ = validate(data, shacl_graph=shapes, inference="none")
    return sorted(
        (
            str(report.value(r, SH.resultSeverity)).rsplit("#")[-1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.value)),
        )
        for r in report.objects(None, SH.result)
    )


@pytest.fixture(scope="module")
def catalog(bundled):
    return rdflib.Graph().parse(bundled / "catalog.ttl", format="turtle")


def test_the_catalogue_passes_the_official_dcat_ap_shapes(catalog):
    shapes = dcat_ap("shapes.ttl", "range.ttl")
    assert shacl_results(catalog, shapes) == []


def test_the_catalogue_meets_the_recommendations(catalog):
    # France has its bounding box and centre (the skeleton), which the recommendations ask of a dct:Location.
    assert shacl_results(catalog, dcat_ap("shapes_recommended.ttl")) == []


def test_the_controlled_vocabularies_hold_but_for_the_shapes_own_spdx_defect(catalog):
    # mdr-vocabularies.shape.ttl wants the checksum algorithm to match ^https://spdx.org/rdf/terms,
    # while DCAT-AP 3.0 (and its range.ttl) use the SPDX namespace http://spdx.org/rdf/terms#:
    # no IRI can satisfy both. Every other controlled-vocabulary rule must hold (warnings aside:
    # the publisher is not an EU corporate body).
    results = shacl_results(catalog, dcat_ap("mdr-vocabularies.shape.ttl"))
    violations = [r for r in results if r[0] == "Violation"]
    checksums = {str(c) for c in catalog.subjects(RDF.type, SPDX.Checksum)}
    assert violations == sorted(
        ("Violation", c, str(SPDX.algorithm), str(SPDX.checksumAlgorithm_sha256)) for c in checksums
    )
    assert {r[2] for r in results if r[0] == "Warning"} == {str(DCTERMS.publisher)}


def test_the_jsonld_catalogue_is_the_turtle_one(bundled, catalog):
    assert isomorphic(catalog, rdflib.Graph().parse(bundled / "catalog.jsonld", format="json-ld"))


def test_every_data_file_is_a_distribution_whose_size_and_checksum_match_the_file(bundled, catalog):
    files = {p.name for p in bundled.iterdir()} - METADATA
    seen = set()
    for distribution in catalog.objects(DATASET, DCAT.distribution):
        url = str(catalog.value(distribution, DCAT.downloadURL))
        assert url == str(catalog.value(distribution, DCAT.accessURL))
        assert url.startswith(BASE + "dist/")
        name = url[len(BASE + "dist/") :]
        data = (bundled / name).read_bytes()
        assert catalog.value(distribution, DCAT.byteSize) == Literal(str(len(data)), datatype=XSD.decimal)
        checksum = catalog.value(distribution, SPDX.checksum)
        assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(catalog.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        seen.add(name)
    assert seen == files and len(files) == 9


def test_formats_and_media_types_come_from_the_eu_and_iana_tables(catalog):
    formats = {}
    for distribution in catalog.objects(DATASET, DCAT.distribution):
        name = str(catalog.value(distribution, DCAT.downloadURL)).rsplit("/", 1)[1]
        formats[name] = (
            str(catalog.value(distribution, DCTERMS.format)).rsplit("/", 1)[1],
            str(catalog.value(distribution, DCAT.mediaType)).split("/media-types/")[1],
        )
    assert formats["hds.ttl"] == ("RDF_TURTLE", "text/turtle")
    assert formats["hds.nt"] == ("RDF_N_TRIPLES", "application/n-triples")
    assert formats["hds.jsonld"] == ("JSON_LD", "application/ld+json")
    assert formats["answers.json"] == ("JSON", "application/json")
    assert formats["quarantine.csv"] == ("CSV", "text/csv")


def test_the_bundled_data_says_it_is_demonstration_data(catalog):
    titles = {t.language: str(t) for t in catalog.objects(DATASET, DCTERMS.title)}
    assert titles["en"].endswith("demonstration data")
    assert titles["fr"].endswith("données de démonstration")


def _registry(path: Path, synthetic: str) -> Path:
    return write_csv(
        path,
        HEADER,
        [
            [
                "Hébergeur fictif Un",
                "900000019",
                "1-6",
                "Organisme A",
                "2021-01-01",
                "2024-01-01",
                "insurer",
                "FR",
                synthetic,
            ],
        ],
    )


def test_dates_and_temporal_coverage_come_from_the_snapshots_not_the_clock(tmp_path):
    folder = tmp_path / "registries"
    folder.mkdir()
    _registry(folder / "2020-07.csv", "")
    _registry(folder / "2022-04.csv", "")
    build([folder], out=tmp_path / "dist")
    catalog = rdflib.Graph().parse(tmp_path / "dist" / "catalog.ttl", format="turtle")
    first, last = Literal("2020-07", datatype=XSD.gYearMonth), Literal("2022-04", datatype=XSD.gYearMonth)
    assert catalog.value(DATASET, DCTERMS.issued) == first
    assert catalog.value(DATASET, DCTERMS.modified) == last
    period = catalog.value(DATASET, DCTERMS.temporal)
    assert (catalog.value(period, DCAT.startDate), catalog.value(period, DCAT.endDate)) == (first, last)
    # a registry without synthetic hosts is not called demonstration data
    titles = {str(t) for t in catalog.objects(DATASET, DCTERMS.title)}
    assert titles == {
        "Certified health-data hosts (HDS): knowledge graph",
        "Hébergeurs de données de santé certifiés (HDS) : graphe de connaissances",
    }


def test_the_download_url_and_sparql_endpoint_options_reach_the_catalogue_and_void(runner, tmp_path):
    registry = _registry(tmp_path / "2022-04.csv", "true")
    out = tmp_path / "dist"
    result = runner.invoke(
        cli,
        [
            "build",
            "--registry",
            str(registry),
            "--out",
            str(out),
            "--download-url",
            "http://127.0.0.1:8000/files/",
            "--sparql-endpoint",
            "http://127.0.0.1:7878/query",
        ],
    )
    assert result.exit_code == 0, result.output
    catalog = rdflib.Graph().parse(out / "catalog.ttl", format="turtle")
    urls = {str(catalog.value(d, DCAT.downloadURL)) for d in catalog.objects(DATASET, DCAT.distribution)}
    assert urls and all(u.startswith("http://127.0.0.1:8000/files/") for u in urls)
    service = catalog.value(URIRef(BASE + "catalog"), DCAT.service)
    assert catalog.value(service, DCAT.endpointURL) == URIRef("http://127.0.0.1:7878/query")
    assert catalog.value(service, DCAT.servesDataset) == DATASET
    assert shacl_results(catalog, dcat_ap("shapes.ttl", "range.ttl")) == []
    void = rdflib.Graph().parse(out / "void.ttl", format="turtle")
    assert void.value(DATASET, URIRef("http://rdfs.org/ns/void#sparqlEndpoint")) == URIRef(
        "http://127.0.0.1:7878/query"
    )


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--download-url", "files/", "Error: download URL 'files/' is not an absolute http(s) URL\n"),
        (
            "--download-url",
            "http://127.0.0.1/files",
            "Error: download URL 'http://127.0.0.1/files' must end with '/'\n",
        ),
        (
            "--sparql-endpoint",
            "ftp://127.0.0.1/q",
            "Error: SPARQL endpoint 'ftp://127.0.0.1/q' is not an absolute http(s) URL\n",
        ),
    ],
)
def test_a_bad_url_option_is_refused_and_leaves_the_output_alone(runner, tmp_path, option, value, message):
    registry = _registry(tmp_path / "2022-04.csv", "true")
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(tmp_path / "dist"), option, value])
    assert (result.exit_code, result.stderr) == (2, message)
    assert not (tmp_path / "dist").exists()


def test_a_publisher_skeleton_replaces_the_fixed_text(runner, tmp_path):
    skeleton = tmp_path / "mine.ttl"
    text = Path(__file__).resolve().parent.parent.joinpath("hdsgraph/data/catalog-skeleton.ttl").read_text()
    skeleton.write_text(text.replace('"hdsgraph project"@en ;\n    dct:type', '"Agence fictive"@en ;\n    dct:type'))
    registry = _registry(tmp_path / "2022-04.csv", "true")
    out = tmp_path / "dist"
    result = runner.invoke(
        cli, ["build", "--registry", str(registry), "--out", str(out), "--catalog-skeleton", str(skeleton)]
    )
    assert result.exit_code == 0, result.output
    catalog = rdflib.Graph().parse(out / "catalog.ttl", format="turtle")
    publisher = catalog.value(DATASET, DCTERMS.publisher)
    assert Literal("Agence fictive", lang="en") in set(catalog.objects(publisher, rdflib.FOAF.name))


@pytest.mark.parametrize(
    "content, reason",
    [
        (
            "<catalog> a <http://www.w3.org/ns/dcat#Catalog> .\n",
            "the skeleton must describe <dataset> (the dataset https://w3id.org/hdsgraph/dataset) as a dcat:Dataset",
        ),
        ("this is not turtle\n", None),
    ],
)
def test_a_skeleton_that_cannot_be_used_is_refused(runner, tmp_path, content, reason):
    skeleton = tmp_path / "mine.ttl"
    skeleton.write_text(content)
    registry = _registry(tmp_path / "2022-04.csv", "true")
    result = runner.invoke(
        cli,
        ["build", "--registry", str(registry), "--out", str(tmp_path / "dist"), "--catalog-skeleton", str(skeleton)],
    )
    assert result.exit_code == 2
    if reason:
        assert result.stderr == f"Error: {skeleton}: {reason}\n"
    else:
        assert result.stderr.startswith(f"Error: {skeleton}: not a valid Turtle catalogue skeleton (")
        assert result.stderr.count("\n") == 1
