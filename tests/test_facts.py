"""One source for each fact: the dataset's texts come from the catalogue skeleton and read
the same in hds.ttl, catalog.ttl and void.ttl; VoID stands apart from the catalogue; one
prefix table; one JSON-LD writer for the dumps and the catalogue."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from hdsgraph.cli import cli
from tests.helpers.oracle import write_csv

PACKAGE = Path(__file__).resolve().parent.parent / "hdsgraph"
SKELETON = PACKAGE / "data" / "catalog-skeleton.ttl"
DATASET = URIRef("https://w3id.org/hdsgraph/dataset")
HEADER = ["host", "siren", "activities", "issued", "expires", "synthetic"]
DESCRIBING = ("hds.ttl", "catalog.ttl", "void.ttl")


def texts(folder: Path, name: str, predicate) -> set[Literal]:
    graph = rdflib.Graph().parse(folder / name, format="turtle")
    return set(graph.objects(DATASET, predicate))


def build(runner, tmp_path, rows, *args) -> Path:
    registry = write_csv(tmp_path / "2022-04.csv", HEADER, rows)
    out = tmp_path / "dist"
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def my_skeleton(tmp_path, text: str | None = None) -> Path:
    text = text or SKELETON.read_text(encoding="utf-8")
    text = text.replace('"Certified health-data hosts (HDS): knowledge graph"@en', '"Registre fictif de l\'Agence"@en')
    path = tmp_path / "mine.ttl"
    path.write_text(text, encoding="utf-8")
    return path


REAL = [["Hébergeur Un", "900000019", "1-6", "2021-01-01", "2024-01-01", ""]]
SYNTHETIC = [
    ["Hébergeur fictif Un", "900000019", "1-6", "2021-01-01", "2024-01-01", "true"],
    ["Hébergeur fictif Deux", "", "3", "", "", "true"],
]


def test_a_publisher_skeleton_s_title_names_the_dataset_in_the_graph_the_catalogue_and_void(runner, tmp_path):
    out = build(runner, tmp_path, REAL, "--catalog-skeleton", str(my_skeleton(tmp_path)))
    expected = {
        Literal("Registre fictif de l'Agence", lang="en"),
        Literal("Hébergeurs de données de santé certifiés (HDS) : graphe de connaissances", lang="fr"),
    }
    for name in DESCRIBING:
        assert texts(out, name, DCTERMS.title) == expected, name
    descriptions = [texts(out, name, DCTERMS.description) for name in DESCRIBING]
    assert descriptions[0] == descriptions[1] == descriptions[2] and len(descriptions[0]) == 2
    assert not any("emonstration" in str(d) for d in descriptions[0])


def test_synthetic_hosts_make_every_description_say_demonstration_data(runner, tmp_path):
    out = build(runner, tmp_path, SYNTHETIC, "--catalog-skeleton", str(my_skeleton(tmp_path)))
    titles = {name: texts(out, name, DCTERMS.title) for name in DESCRIBING}
    assert titles["hds.ttl"] == titles["catalog.ttl"] == titles["void.ttl"]
    assert Literal("Registre fictif de l'Agence — demonstration data", lang="en") in titles["hds.ttl"]
    descriptions = {name: texts(out, name, DCTERMS.description) for name in DESCRIBING}
    assert descriptions["hds.ttl"] == descriptions["catalog.ttl"] == descriptions["void.ttl"]
    english = next(str(d) for d in descriptions["hds.ttl"] if d.language == "en")
    assert english.endswith(
        "This is synthetic demonstration data, calibrated on the figures published by the "
        "2022 mind Health study: all 2 hosts are fictitious, flagged hds:synthetic."
    )


def test_some_synthetic_hosts_are_counted(runner, tmp_path):
    out = build(runner, tmp_path, SYNTHETIC + REAL[:0] + [["Hébergeur Réel", "", "1", "", "", ""]])
    french = next(str(d) for d in texts(out, "void.ttl", DCTERMS.description) if d.language == "fr")
    assert "2 des 3 hébergeurs sont fictifs" in french


def test_a_skeleton_without_the_demonstration_texts_still_says_demonstration_data(runner, tmp_path):
    kept = [
        line
        for line in SKELETON.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.lstrip().startswith(
            (
                "#",
                "hdscat:demonstration",
                "hdscat:allFictitious",
                "hdscat:someFictitious",
                '"This is synthetic',
                '"Certified health-data hosts (HDS): knowledge graph —',
            )
        )
    ]
    skeleton = my_skeleton(tmp_path, "".join(kept))
    assert "demonstration" not in skeleton.read_text(encoding="utf-8")
    out = build(runner, tmp_path, SYNTHETIC, "--catalog-skeleton", str(skeleton))
    for name in DESCRIBING:
        titles = {t.language: str(t) for t in texts(out, name, DCTERMS.title)}
        assert titles["en"] == "Registre fictif de l'Agence — demonstration data", name
        assert titles["fr"].endswith(" — données de démonstration"), name


def test_the_licence_of_void_is_the_skeleton_s(runner, tmp_path):
    text = SKELETON.read_text(encoding="utf-8").replace(
        "hdscat:distributionLicence <https://www.etalab.gouv.fr/licence-ouverte-open-licence>",
        "hdscat:distributionLicence <https://creativecommons.org/licenses/by/4.0/>",
    )
    out = build(runner, tmp_path, REAL, "--catalog-skeleton", str(my_skeleton(tmp_path, text)))
    assert texts(out, "void.ttl", DCTERMS.license) == {URIRef("https://creativecommons.org/licenses/by/4.0/")}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_void_does_not_import_the_catalogue():
    assert "hdsgraph.describe.catalog" not in _imports(PACKAGE / "describe" / "void.py")
    code = "import sys, hdsgraph.describe.void; print('hdsgraph.describe.catalog' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def _prefix_like(key, value) -> bool:
    """A dict entry that reads like a prefix declaration: "dcat": DCAT, "eulang": "http...#/",
    "xsd": PREFIXES["xsd"]."""
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isalnum()):
        return False
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str) and value.value.startswith("http") and value.value.endswith(("/", "#"))
    if isinstance(value, ast.Name):
        return value.id.isupper() or value.id == key.value
    if isinstance(value, ast.BinOp):
        return isinstance(value.left, ast.Name) and value.left.id.isupper()
    return isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id == "PREFIXES"


def test_there_is_one_prefix_table():
    tables = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and len(node.keys) >= 3 and all(map(_prefix_like, node.keys, node.values)):
                tables.append(str(path.relative_to(PACKAGE)))
    assert tables == ["rdf/namespaces.py"]


@pytest.mark.parametrize("context", ["dumps", "prefixes"])
def test_the_streaming_jsonld_writer_keeps_the_triples(context):
    from hdsgraph.rdf.namespaces import prefixes
    from hdsgraph.rdf.serialise import prefix_context, to_jsonld

    nt = (
        b'<https://w3id.org/hdsgraph/dataset> <http://purl.org/dc/terms/title> "Un \\"titre\\""@fr .\n'
        b'<https://w3id.org/hdsgraph/dataset> <http://purl.org/dc/terms/title> "A title"@en .\n'
        b"<https://w3id.org/hdsgraph/dataset> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .\n"
        b'<https://w3id.org/hdsgraph/dataset> <http://www.w3.org/ns/dcat#byteSize> "12"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
        b'<https://w3id.org/hdsgraph/dataset> <http://rdfs.org/ns/void#triples> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        b'<https://w3id.org/hdsgraph/dataset> <urn:x:plain> "plain" .\n'
        b"<https://w3id.org/hdsgraph/dataset> <urn:x:link> <https://w3id.org/hdsgraph/ontology#Host> .\n"
    )
    chosen = None if context == "dumps" else prefix_context(prefixes("dct", "dcat", "void", "xsd", "hds"))
    document = to_jsonld(nt, context=chosen)
    expected = rdflib.Graph().parse(data=nt, format="nt")
    assert isomorphic(rdflib.Graph().parse(data=document, format="json-ld"), expected)
    assert len(list(ox.parse(document, format=ox.RdfFormat.JSON_LD))) == 7
    if chosen is not None:
        assert b'"@id": "https://w3id.org/hdsgraph/dataset"' in document and b'"dct:title"' in document
