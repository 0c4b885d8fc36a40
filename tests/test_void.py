"""void.ttl: its counts equal counts computed independently on the graph, and its linksets."""

from __future__ import annotations

import pytest
import rdflib
from rdflib import RDF, Literal, Namespace, URIRef
from rdflib.namespace import ORG, OWL, RDFS, XSD

from hdsgraph.pipeline.build import build
from tests.helpers.oracle import write_csv

VOID = Namespace("http://rdfs.org/ns/void#")
HDS = Namespace("https://w3id.org/hdsgraph/ontology#")
BASE = "https://w3id.org/hdsgraph/"
DATASET = URIRef(BASE + "dataset")
ANNUAIRE = "https://annuaire-entreprises.data.gouv.fr/"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("void")
    registry = write_csv(
        folder / "2022-04.csv",
        ["host", "siren", "activities", "issued", "expires"],
        [
            ["Hébergeur fictif Un", "900000019", "1-6", "2021-01-01", "2024-01-01"],
            ["Hébergeur fictif Deux", "900000027", "3;4", "2021-01-01", "2024-01-01"],
            ["Hébergeur fictif Trois", "", "1", "2021-01-01", "2024-01-01"],
        ],
    )
    qualification = write_csv(
        folder / "qualification.csv",
        ["siren", "host", "positioning", "nationality", "wikidata"],
        [
            ["900000019", "", "insurer", "FR", "Q1000001"],
            ["900000027", "", "it_services_company", "US", ""],
        ],
    )
    out = folder / "dist"
    build([registry], qualification, out=out)
    graph = rdflib.Graph().parse(out / "hds.nt", format="nt")
    void = rdflib.Graph().parse(out / "void.ttl", format="turtle")
    return graph, void


def count(void, node, prop) -> int:
    value = void.value(node, VOID[prop])
    assert value is not None and value.datatype == XSD.integer, prop
    return int(value)


def test_the_dataset_counts_equal_counts_computed_on_the_graph(built):
    graph, void = built
    assert count(void, DATASET, "triples") == len(graph)
    assert count(void, DATASET, "classes") == len(set(graph.objects(None, RDF.type)))
    assert count(void, DATASET, "properties") == len(set(graph.predicates()))
    assert count(void, DATASET, "distinctSubjects") == len(set(graph.subjects()))
    assert count(void, DATASET, "distinctObjects") == len(set(graph.objects()))
    entities = {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(BASE)}
    assert count(void, DATASET, "entities") == len(entities)
    assert void.value(DATASET, VOID.uriSpace) == Literal(BASE)


def test_the_partitions_count_each_class_and_property(built):
    graph, void = built
    classes = {
        void.value(p, VOID["class"]): count(void, p, "entities") for p in void.objects(DATASET, VOID.classPartition)
    }
    assert classes == {c: len(set(graph.subjects(RDF.type, c))) for c in set(graph.objects(None, RDF.type))}
    assert classes[HDS.Host] == 3
    properties = {
        void.value(p, VOID.property): count(void, p, "triples") for p in void.objects(DATASET, VOID.propertyPartition)
    }
    assert properties == {p: len(list(graph.triples((None, p, None)))) for p in set(graph.predicates())}


def test_the_linksets_count_the_links_to_countries_and_wikidata(built):
    graph, void = built
    linksets = {  # Wikidata is the target of two linksets (owl:sameAs, org:subOrganizationOf): one per predicate
        void.value(ls, VOID.objectsTarget): ls
        for ls in void.subjects(RDF.type, VOID.Linkset)
        if void.value(ls, VOID.linkPredicate) != ORG.subOrganizationOf
    }
    country = linksets[URIRef("http://publications.europa.eu/resource/authority/country")]
    assert void.value(country, VOID.linkPredicate) == HDS.nationality
    assert count(void, country, "triples") == len(list(graph.triples((None, HDS.nationality, None)))) == 2
    wikidata = linksets[URIRef("https://www.wikidata.org/")]
    assert void.value(wikidata, VOID.linkPredicate) == OWL.sameAs
    same_as = [o for o in graph.objects(None, OWL.sameAs) if str(o).startswith("http://www.wikidata.org/entity/")]
    assert count(void, wikidata, "triples") == len(same_as) == 1
    annuaire = linksets[URIRef("https://annuaire-entreprises.data.gouv.fr/")]
    see_also = [o for o in graph.objects(None, RDFS.seeAlso) if str(o).startswith(ANNUAIRE + "entreprise/")]
    assert count(void, annuaire, "triples") == len(see_also) == len(set(graph.objects(None, HDS.siren)))
    assert set(void.objects(DATASET, VOID.subset)) == {country, wikidata, annuaire}
    assert all(void.value(ls, VOID.subjectsTarget) == DATASET for ls in (country, wikidata, annuaire))


def test_example_resources_are_hosts_of_the_graph_and_no_endpoint_by_default(built):
    graph, void = built
    examples = set(void.objects(DATASET, VOID.exampleResource))
    assert examples and examples <= set(graph.subjects(RDF.type, HDS.Host))
    assert void.value(DATASET, VOID.sparqlEndpoint) is None


def test_the_bundled_data_has_no_wikidata_linkset(bundled):
    void = rdflib.Graph().parse(bundled / "void.ttl", format="turtle")
    targets = {void.value(ls, VOID.objectsTarget) for ls in void.subjects(RDF.type, VOID.Linkset)}
    # its hosts have SIRENs (seeAlso their page in the Annuaire) but no Wikidata item, LEI or parent
    assert targets == {URIRef("http://publications.europa.eu/resource/authority/country"), URIRef(ANNUAIRE)}
