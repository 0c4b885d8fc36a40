"""The ontology is documented the way its users need: every term labelled in French and
English, defined, and tied to the ontology; the concept schemes carry notations."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from hdsgraph.pipeline.vocabulary import ontology_path, vocabulary
from hdsgraph.rdf.namespaces import HDS

ONTOLOGY = rdflib.URIRef("https://w3id.org/hdsgraph/ontology")


def graph():
    return rdflib.Graph().parse(ontology_path())


def test_the_ontology_header_says_what_it_is():
    g = graph()
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    for prop in (
        RDFS.label,
        rdflib.URIRef("http://purl.org/dc/terms/license"),
        OWL.versionIRI,
        rdflib.URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"),
    ):
        assert g.value(ONTOLOGY, prop) is not None, prop


def test_every_class_and_property_is_labelled_defined_and_attached():
    g = graph()
    terms = {s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in g.subjects(RDF.type, kind)}
    assert len(terms) >= 15
    for term in terms:
        assert str(term).startswith(HDS), term
        languages = {label.language for label in g.objects(term, RDFS.label)}
        assert languages == {"en", "fr"}, term
        assert g.value(term, SKOS.definition) is not None, term
        assert g.value(term, RDFS.isDefinedBy) == ONTOLOGY, term


def test_every_concept_has_a_notation_and_labels_in_both_languages():
    g = graph()
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == 6 + 2 + len(vocabulary().positionings) + len(vocabulary().referentials)
    for concept in concepts:
        assert g.value(concept, SKOS.notation) is not None, concept
        assert {label.language for label in g.objects(concept, SKOS.prefLabel)} == {"en", "fr"}, concept
        assert g.value(concept, SKOS.inScheme) is not None, concept


def test_the_certificate_types_split_the_six_activities():
    types = vocabulary().certificate_types
    assert {t.code: sorted(t.activities) for t in types} == {
        "physical_infrastructure_host": [1, 2],
        "managed_services_host": [3, 4, 5, 6],
    }


def test_the_ontology_has_no_blank_node_so_dumps_stay_byte_stable():
    assert not any(isinstance(term, rdflib.BNode) for triple in graph() for term in triple)


def test_the_ontology_s_version_follows_the_package_s():
    """One version string (hdsgraph/_version.py, read by pyproject.toml): a release that bumps it
    without the ontology's owl:versionInfo and owl:versionIRI fails here."""
    from hdsgraph._version import __version__

    g = graph()
    assert [str(v) for v in g.objects(ONTOLOGY, OWL.versionInfo)] == [__version__]
    assert list(g.objects(ONTOLOGY, OWL.versionIRI)) == [rdflib.URIRef(f"{ONTOLOGY}/{__version__}")]


def test_the_installed_distribution_has_the_package_s_version():
    from importlib.metadata import version

    from hdsgraph._version import __version__

    assert version("hdsgraph") == __version__
