"""Every N-Triples line hdsgraph mints parses, and its literals read back as the text that went in.

N-Triples (RDF 1.1) escapes only ``"``, ``\\``, LF and CR inside a literal; every other
character, control characters and astral ones included, may stand as itself, and pyoxigraph
reads them so. The texts below mix those characters with look-alikes of N-Triples syntax.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import pyoxigraph as ox
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hdsgraph.pipeline.mapping import map_registry
from hdsgraph.pipeline.normalise import normalise
from hdsgraph.pipeline.qualify import qualify, read_qualification
from hdsgraph.pipeline.read import read_registry
from hdsgraph.rdf.namespaces import RDFS, ROV, SKOS, XSD
from hdsgraph.rdf.terms import literal

AWKWARD = [
    '"',
    "\\",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\xa0",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "é",
    "ß",
    "İ",
    "\u0301",
    "😀",
    "𝔘",
    "\U0010ffff",
    "\\u0041",
    "\\U0001F600",
    "\\n",
    '\\"',
    "<",
    ">",
    "^^",
    "@en",
    " .",
    "#",
    "_:b0",
]
TEXT = st.lists(st.one_of(st.sampled_from(AWKWARD), st.characters(exclude_categories=("Cs",))), max_size=24).map(
    "".join
)
NO_NUL = TEXT.map(lambda s: s.replace("\x00", ""))  # a registry holding NUL is refused as binary (test_cli_build)


def parse(lines) -> list[ox.Triple]:
    """N-Triples lines as the build writes them (``<s> <p> <o>`` + `` .\\n``), parsed by pyoxigraph."""
    data = "".join(line + " .\n" for line in lines).encode("utf-8")
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


@settings(max_examples=500, deadline=None)
@given(TEXT, st.sampled_from([None, XSD + "string", "https://w3id.org/hdsgraph/ontology#code"]))
def test_a_literal_parses_and_reads_back_as_its_text(text, datatype):
    (triple,) = parse([f"<urn:s> <urn:p> {literal(text, datatype)}"])
    assert triple.object.value == text
    assert triple.object.datatype.value == (datatype or XSD + "string")


@settings(max_examples=200, deadline=None)
@given(TEXT, st.sampled_from(["en", "fr", "fr-fr"]))
def test_a_language_tagged_literal_parses_and_reads_back(text, lang):
    (triple,) = parse([f"<urn:s> <urn:p> {literal(text, lang=lang)}"])
    assert (triple.object.value, triple.object.language) == (text, lang)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(NO_NUL, NO_NUL), min_size=1, max_size=6))
def test_the_mapper_mints_lines_that_parse_with_the_names_it_was_given(tmp_path_factory, rows):
    """Host and certification-body names from a registry: every line parses, every name reads back."""
    path = tmp_path_factory.mktemp("awkward") / "2022-04.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["host", "siren", "activities", "certification_body", "issued", "expires"])
        writer.writerows([name, "", "1;3", body, "2021-01-01", "2024-01-01"] for name, body in rows)
    registry = normalise([read_registry(path)])
    assume(not registry.certificates.empty)  # names with no letter or digit are quarantined
    hosts = qualify(registry, read_qualification(None))

    lines = map_registry(registry, hosts)
    triples = parse(sorted(lines))

    assert len(set(triples)) == len(lines)
    values = defaultdict(set)
    for t in triples:
        values[t.predicate.value].add(t.object.value)
    assert values[ROV + "legalName"] == set(hosts.table["host"])
    assert values[ROV + "legalName"] <= values[RDFS + "label"]
    bodies = set(registry.certificates["certification_body"].dropna())
    assert values[SKOS + "prefLabel"] <= bodies and (not bodies or values[SKOS + "prefLabel"])
