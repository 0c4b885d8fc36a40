"""Map, continued: where each positioning and nationality came from, and the links to
other registries (Wikidata, GLEIF, the Annuaire des Entreprises, parent organisations).

Added to the graph beside ``mapping.map_registry``'s lines, from the same host table:

- ``hds:positioningSource`` / ``hds:nationalitySource``: ``reviewed`` (a person),
  ``registry`` (stated by the registry) or ``rule`` (proposed by ``hdsgraph qualify``),
  with the rule's id, strength and evidence for a rule (``hds:positioningRule``,
  ``hds:positioningStrength``, ``hds:positioningEvidence``, and the same for nationality);
  who reviewed a host, when, and their note;
- the LEI as an ``adms:Identifier`` and ``owl:sameAs`` its GLEIF IRI; ``rdfs:seeAlso`` the
  host's page on annuaire-entreprises.data.gouv.fr; ``org:subOrganizationOf`` the ultimate
  parent (a Wikidata item or a GLEIF entity).
"""

from __future__ import annotations

from hdsgraph.pipeline.mapping import WIKIDATA, Minter
from hdsgraph.pipeline.qualify import Hosts
from hdsgraph.rdf.namespaces import ADMS, HDS, ORG, OWL, RDF, RDFS, SKOS, XSD
from hdsgraph.rdf.terms import check_base_uri, iri, literal

A = f"<{RDF}type>"
GLEIF = "https://rdf.gleif.org/L1/L-"
ANNUAIRE = "https://annuaire-entreprises.data.gouv.fr/entreprise/"


def qualification_ntriples(hosts: Hosts, base: str) -> set[str]:
    """The N-Triples lines (without the trailing dot) of the sources and links."""
    mint = Minter(check_base_uri(base))
    lines: set[str] = set()
    add = lines.add
    for host in hosts.table.to_dict("records"):
        h = iri(mint.host(host["host_key"]))
        for axis in ("positioning", "nationality"):
            if not host.get(axis) or not host.get(f"{axis}_source"):
                continue
            add(f"{h} <{HDS}{axis}Source> {literal(host[f'{axis}_source'])}")
            for part, name in (("rule", "Rule"), ("strength", "Strength"), ("evidence", "Evidence")):
                if host.get(f"{axis}_{part}"):
                    add(f"{h} <{HDS}{axis}{name}> {literal(host[f'{axis}_{part}'])}")
        if host.get("reviewed_by"):
            add(f"{h} <{HDS}reviewedBy> {literal(host['reviewed_by'])}")
        if host.get("reviewed_on"):
            add(f"{h} <{HDS}reviewedOn> {literal(host['reviewed_on'], XSD + 'date')}")
        if host.get("note"):
            add(f"{h} <{HDS}reviewNote> {literal(host['note'])}")
        siren = host.get("siren") or host.get("matched_siren")
        if siren:
            add(f"{h} <{RDFS}seeAlso> {iri(ANNUAIRE + siren)}")
        if host.get("lei"):
            identifier = iri(mint.host(host["host_key"]) + "#lei")
            add(f"{h} <{ADMS}identifier> {identifier}")
            add(f"{identifier} {A} <{ADMS}Identifier>")
            add(f"{identifier} <{SKOS}notation> {literal(host['lei'])}")
            add(f"{identifier} <{ADMS}schemaAgency> {literal('GLEIF')}")
            add(f"{h} <{OWL}sameAs> {iri(GLEIF + host['lei'])}")
        parents = []
        if host.get("parent_wikidata"):
            parents.append(iri(WIKIDATA + host["parent_wikidata"]))
        if host.get("parent_lei"):
            parents.append(iri(GLEIF + host["parent_lei"]))
        if parents:
            add(f"{h} <{ORG}subOrganizationOf> {parents[0]}")
            add(f"{parents[0]} {A} <{ORG}FormalOrganization>")
            if host.get("parent_name"):
                add(f"{parents[0]} <{RDFS}label> {literal(host['parent_name'])}")
            if len(parents) == 2:
                add(f"{parents[0]} <{OWL}sameAs> {parents[1]}")
    return lines
