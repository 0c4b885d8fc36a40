"""The registry as it is today (issue 11, the model): the legal activity numbering, activities
read by meaning, certificate numbers, referentials, certificate types and certification bodies."""

from __future__ import annotations

import rdflib
from rdflib.namespace import SKOS

from hdsgraph.acquire.cells import read_activities
from hdsgraph.acquire.importer import import_bytes
from hdsgraph.pipeline.vocabulary import ontology_path, vocabulary

ACT = "https://w3id.org/hdsgraph/activity/"


def _labels(number: int, lang: str) -> set[str]:
    g = rdflib.Graph().parse(ontology_path())
    concept = rdflib.URIRef(f"{ACT}{number}")
    return {
        str(label)
        for prop in (SKOS.prefLabel, SKOS.altLabel)
        for label in g.objects(concept, prop)
        if label.language == lang
    }


def test_the_ontology_labels_3_as_the_virtual_infrastructure_and_4_as_the_application_platform():
    assert "Virtual infrastructure" in _labels(3, "en") and "Infrastructure virtuelle" in _labels(3, "fr")
    assert "Application hosting platform" in _labels(4, "en")
    assert "Plateforme d'hébergement d'applications" in _labels(4, "fr")
    g = rdflib.Graph().parse(ontology_path())
    note = {str(n) for n in g.objects(rdflib.URIRef("https://w3id.org/hdsgraph/ontology#activities"), SKOS.scopeNote)}
    assert any("swap activities 3 and 4" in n and "2022" in n for n in note), note


def test_every_label_of_an_activity_in_the_ontology_reads_as_that_activity():
    """The words cells are read with and the ontology's labels say the same thing."""
    for number in vocabulary().activities:
        for lang in ("fr", "en"):
            for label in _labels(number, lang):
                assert read_activities(label).value == (number,), (number, label)


def test_activities_in_words_are_read_by_meaning_not_by_the_number_beside_them():
    # a source numbering as the 2022 study does: 3 the platform, 4 the virtual infrastructure
    swapped = "3 - Plateforme d'hébergement d'applications\n4 - Infrastructure virtuelle\n6 - Sauvegarde"
    assert read_activities(swapped).value == (3, 4, 6)
    assert read_activities("Activité 3 : plateforme d'hébergement d'applications").value == (4,)
    assert read_activities("Activité 4 : infrastructure virtuelle").value == (3,)
    assert read_activities("Infrastructure virtuelle ; sauvegarde").value == (3, 6)
    assert read_activities("1, 2, infrastructure virtuelle").value == (1, 2, 3)
    reading = read_activities("1 à 3 et infrastructure virtuelle")
    assert reading.problem == (
        "unreadable activities '1 à 3 et infrastructure virtuelle': '1 and 3' stands beside an activity written in words"
    )


PAGE = """<html><body><table>
<tr><th>Raison sociale</th><th>Activités certifiées</th></tr>
<tr><td>Hébergeur fictif Alpha</td><td>3 - Plateforme d'hébergement d'applications<br>
4 - Infrastructure virtuelle</td></tr>
<tr><td>Hébergeur fictif Bêta</td><td>Infrastructure virtuelle</td></tr>
<tr><td>Hébergeur fictif Gamma</td><td>Plateforme d'hébergement d'applications, sauvegarde</td></tr>
</table></body></html>"""

COLUMNS_PAGE = """<html><body><table>
<tr><th>Hébergeur</th><th>Sites physiques</th><th>Infrastructure virtuelle</th>
<th>Plateforme d'hébergement d'applications</th></tr>
<tr><td>Hébergeur fictif Delta</td><td></td><td>X</td><td></td></tr>
<tr><td>Hébergeur fictif Epsilon</td><td>X</td><td></td><td>X</td></tr>
</table></body></html>"""


def test_an_import_of_a_page_naming_activities_in_words_gives_the_legal_numbers():
    result = import_bytes(PAGE.encode("utf-8"), "page.html", "text/html")
    assert result.quarantine == []
    assert {row["host"]: row["activities"] for _, row in result.rows} == {
        "Hébergeur fictif Alpha": "3;4",
        "Hébergeur fictif Bêta": "3",
        "Hébergeur fictif Gamma": "4;6",
    }
    result = import_bytes(COLUMNS_PAGE.encode("utf-8"), "columns.html", "text/html")
    assert {row["host"]: row["activities"] for _, row in result.rows} == {
        "Hébergeur fictif Delta": "3",
        "Hébergeur fictif Epsilon": "1;4",
    }
