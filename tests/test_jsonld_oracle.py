"""hds.jsonld read by an independent JSON-LD processor (pyld) holds the triples of hds.nt.

hdsgraph writes its JSON-LD itself, streaming, against ``hdsgraph/data/context.jsonld``;
pyld is the oracle. The dump carries its context inline, and pyld gets a document loader
that refuses every URL, so these tests never reach the network. There is no blank node in
a build, so the graphs are compared as sets of triples.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld

from hdsgraph.pipeline.build import build
from hdsgraph.rdf.namespaces import RDFS, ROV, SKOS
from hdsgraph.rdf.serialise import to_jsonld
from hdsgraph.rdf.terms import literal
from hdsgraph.resources import data_file
from tests.helpers.oracle import write_csv

HEADER = ["host", "siren", "activities", "certification_body", "issued", "expires", "positioning", "nationality"]
AWKWARD = [
    'Hébergeur "cité" \\ fictif',
    "Hébergeur\tfictif\x1b\x7f à la ligne",
    "Hôte 😀 𝔘 fictif \u2028 SAS",
    "Hébergeur fictif </script> & <b>",
]


def refuse(url, options=None):
    raise AssertionError(f"pyld asked for {url}: the tests stay offline")


OFFLINE = {"documentLoader": refuse}


def triples(data: bytes, fmt: ox.RdfFormat) -> set[tuple]:
    return {(q.subject, q.predicate, q.object) for q in ox.parse(data, format=fmt)}


def pyld_triples(document: dict) -> set[tuple]:
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", **OFFLINE})
    return triples(nquads.encode("utf-8"), ox.RdfFormat.N_QUADS)


def dump(folder, name: str) -> bytes:
    return (folder / name).read_bytes()


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    """A small build whose names hold quotes, backslashes, tabs, control, astral and HTML characters."""
    folder = tmp_path_factory.mktemp("jsonld")
    registry = write_csv(
        folder / "2022-04.csv",
        HEADER,
        [
            [name, "", "1-6" if i % 2 else "3;4", f"Organisme {name}", "2021-01-01", "2024-01-01", "insurer", "FR"]
            for i, name in enumerate(AWKWARD)
        ],
    )
    build([registry], out=folder / "dist")
    return folder / "dist"


def test_the_bundled_jsonld_holds_the_triples_of_hds_nt(bundled):
    nt = triples(dump(bundled, "hds.nt"), ox.RdfFormat.N_TRIPLES)
    assert len(nt) > 1000
    assert pyld_triples(json.loads(dump(bundled, "hds.jsonld"))) == nt


def test_the_catalogue_s_jsonld_holds_the_triples_of_its_turtle(bundled):
    """The same streaming writer writes catalog.jsonld, against the catalogue's own prefixes."""
    turtle = triples(dump(bundled, "catalog.ttl"), ox.RdfFormat.TURTLE)
    assert len(turtle) > 50
    assert pyld_triples(json.loads(dump(bundled, "catalog.jsonld"))) == turtle


def test_the_jsonld_carries_the_context_file_inline(bundled):
    context = json.loads(data_file("context.jsonld").read_text(encoding="utf-8"))
    assert json.loads(dump(bundled, "hds.jsonld"))["@context"] == context["@context"]


def test_awkward_names_survive_the_jsonld_writer(awkward):
    nt = triples(dump(awkward, "hds.nt"), ox.RdfFormat.N_TRIPLES)
    names = {o.value for _, p, o in nt if p.value == ROV + "legalName"}
    assert names == {" ".join(name.split()) for name in AWKWARD}  # the reader collapses white space
    assert pyld_triples(json.loads(dump(awkward, "hds.jsonld"))) == nt


def test_the_graph_compacted_by_pyld_with_the_context_gives_the_same_triples(awkward):
    """The context loses nothing: pyld's own compaction of hds.nt against it reads back as hds.nt."""
    context = json.loads(data_file("context.jsonld").read_text(encoding="utf-8"))
    expanded = jsonld.from_rdf(dump(awkward, "hds.nt").decode("utf-8"), {"format": "application/n-quads"})
    compacted = jsonld.compact(expanded, context, OFFLINE)
    assert compacted["@context"] == context["@context"]
    assert pyld_triples(compacted) == triples(dump(awkward, "hds.nt"), ox.RdfFormat.N_TRIPLES)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20) | st.lists(
    st.sampled_from(['"', "\\", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "😀", "\\u0041", "</script>"]),
    max_size=8,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(TEXT, TEXT)
def test_any_text_survives_the_jsonld_writer(name, label):
    host = "<https://w3id.org/hdsgraph/host/900000019>"
    body = "<https://w3id.org/hdsgraph/certification-body/organisme>"
    lines = sorted(
        {
            f"{host} <{ROV}legalName> {literal(name)}",
            f"{host} <{RDFS}label> {literal(label, lang='fr')}",
            f"{body} <{SKOS}prefLabel> {literal(label)}",
        }
    )
    nt = "".join(line + " .\n" for line in lines).encode("utf-8")
    written = json.loads(to_jsonld(nt))
    assert pyld_triples(written) == triples(nt, ox.RdfFormat.N_TRIPLES)
