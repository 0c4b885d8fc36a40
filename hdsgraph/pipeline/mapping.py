"""Map: host and certificate tables -> RDF, as sorted N-Triples lines.

Sorted, de-duplicated N-Triples with no blank node are the canonical form of the graph:
the same tables always give the same bytes, and every other format is written from them.
IRIs come from identifiers (SIREN, normalised names, content hashes), never from row order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hdsgraph.pipeline.normalise import Registry, most_common, name_key
from hdsgraph.pipeline.qualify import Hosts
from hdsgraph.pipeline.read import UNDATED
from hdsgraph.pipeline.vocabulary import countries, ontology_path, vocabulary
from hdsgraph.rdf.namespaces import (
    ADMS,
    DCTERMS,
    DEFAULT_BASE_URI,
    HDS,
    OWL,
    PROV,
    RDF,
    RDFS,
    ROV,
    SKOS,
    XSD,
)
from hdsgraph.rdf.store import read_ntriples
from hdsgraph.rdf.terms import check_base_uri, iri, literal

A = f"<{RDF}type>"
WIKIDATA = "http://www.wikidata.org/entity/"


def slug(text: str) -> str:
    return name_key(text).replace(" ", "-")


@dataclass(frozen=True)
class Minter:
    """Builds the data IRIs under one base."""

    base: str = DEFAULT_BASE_URI

    @property
    def host_prefix(self) -> str:
        """Every IRI about a host (its certificates, its identifier) starts with its own IRI,
        which starts with this; validation relies on it to cut the graph into parts."""
        return f"{self.base}host/"

    def host(self, host_key: str) -> str:
        local = host_key[len("name:") :].replace(" ", "-") if host_key.startswith("name:") else host_key
        if host_key.startswith("name:") and local.isdigit():
            local = "name-" + local  # never mistaken for a SIREN
        return f"{self.host_prefix}{local}"

    def certificate(self, row) -> str:
        identity = "|".join(
            [
                row.host_key,
                row.certificate_type,
                ",".join(map(str, row.activities)),
                name_key(row.certification_body or ""),
                row.issued or "",
                row.expires or "",
            ]
        )
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]
        kind = row.certificate_type.split("_")[0]
        return f"{self.host(row.host_key)}/certificate/{kind}-{row.issued or 'undated'}-{digest}"

    def certification_body(self, name: str) -> str:
        return f"{self.base}certification-body/{slug(name)}"

    def snapshot(self, snapshot_id: str) -> str:
        return f"{self.base}snapshot/{snapshot_id}"


def certification_body_names(certificates) -> dict[str, str]:
    """Certification body slug -> the spelling most often written (over the whole build)."""
    bodies = certificates["certification_body"].dropna()
    return {key: name for key, group in bodies.groupby(bodies.map(slug)) if (name := most_common(group)) is not None}


def map_registry(
    registry: Registry, hosts: Hosts, base: str = DEFAULT_BASE_URI, body_names: dict[str, str] | None = None
) -> set[str]:
    """The data as N-Triples lines (without the trailing newline); the caller sorts them
    once, with whatever else goes into the graph. ``body_names`` (``certification_body_names``
    of the whole build) lets a chunk of the hosts be mapped alone (``hdsgraph.pipeline.chunks``)."""
    mint = Minter(check_base_uri(base))
    vocab = vocabulary()
    type_iri = {t.code: t.iri for t in vocab.certificate_types}
    lines: set[str] = set()
    add = lines.add

    for host in hosts.table.itertuples(index=False):
        h = iri(mint.host(host.host_key))
        add(f"{h} {A} <{HDS}Host>")
        add(f"{h} {A} <{ROV}RegisteredOrganization>")
        add(f"{h} <{ROV}legalName> {literal(host.host)}")
        add(f"{h} <{RDFS}label> {literal(host.host)}")
        if host.siren:
            identifier = iri(mint.host(host.host_key) + "#siren")
            add(f"{h} <{HDS}siren> {literal(host.siren)}")
            add(f"{h} <{ADMS}identifier> {identifier}")
            add(f"{identifier} {A} <{ADMS}Identifier>")
            add(f"{identifier} <{SKOS}notation> {literal(host.siren)}")
            add(f"{identifier} <{ADMS}schemaAgency> {literal('INSEE')}")
        if host.positioning:
            add(f"{h} <{HDS}positioning> {iri(vocab.positionings[host.positioning])}")
        if host.nationality:
            country = countries()[host.nationality]
            add(f"{h} <{HDS}nationality> {iri(country.iri)}")
            add(f"{iri(country.iri)} <{SKOS}notation> {literal(country.alpha2)}")
            add(f"{iri(country.iri)} <{RDFS}label> {literal(country.name, lang='en')}")
        if host.synthetic:
            add(f"{h} <{HDS}synthetic> {literal('true', XSD + 'boolean')}")
        if host.wikidata:
            add(f"{h} <{OWL}sameAs> {iri(WIKIDATA + host.wikidata)}")

    certificates = registry.certificates
    if body_names is None:
        body_names = certification_body_names(certificates)
    for name in body_names.values():
        b = iri(mint.certification_body(name))
        add(f"{b} {A} <{HDS}CertificationBody>")
        add(f"{b} {A} <{SKOS}Concept>")
        add(f"{b} <{SKOS}inScheme> <{HDS}certificationBodies>")
        add(f"{b} <{SKOS}prefLabel> {literal(name)}")

    for row in certificates.itertuples(index=False):
        h = iri(mint.host(row.host_key))
        c = iri(mint.certificate(row))
        s = iri(mint.snapshot(row.snapshot))
        add(f"{h} <{HDS}holds> {c}")
        add(f"{h} <{HDS}listedIn> {s}")
        add(f"{c} {A} <{HDS}Certificate>")
        add(f"{c} <{HDS}certificateType> {iri(type_iri[row.certificate_type])}")
        add(f"{c} <{HDS}listedIn> {s}")
        for activity in row.activities:
            add(f"{c} <{HDS}activity> {iri(vocab.activities[activity])}")
        if row.certification_body:
            add(
                f"{c} <{HDS}certificationBody> {iri(mint.certification_body(body_names[slug(row.certification_body)]))}"
            )
        if row.issued:
            add(f"{c} <{HDS}issueDate> {literal(row.issued, XSD + 'date')}")
        if row.expires:
            add(f"{c} <{HDS}expiryDate> {literal(row.expires, XSD + 'date')}")

    kept = certificates.drop_duplicates(["source", "row"])
    for snap in registry.snapshots:
        for snapshot_id in sorted(set(kept.loc[kept["source"] == snap.source, "snapshot"])):
            s = iri(mint.snapshot(snapshot_id))
            add(f"{s} {A} <{HDS}RegistrySnapshot>")
            add(f"{s} {A} <{PROV}Entity>")
            add(f"{s} <{HDS}snapshotId> {literal(snapshot_id)}")
            add(f"{s} <{RDFS}label> {literal('Registry snapshot ' + snapshot_id, lang='en')}")
            if snapshot_id != UNDATED:
                kind = "date" if len(snapshot_id) == 10 else "gYearMonth"
                add(f"{s} <{DCTERMS}date> {literal(snapshot_id, XSD + kind)}")
            add(f"{s} <{DCTERMS}source> {literal(snap.source)}")
            add(f"{s} <{HDS}sha256> {literal(snap.sha256)}")
            if snap.provenance:  # fetched by hdsgraph: where from, when, and the bytes as downloaded
                add(f"{s} <{PROV}wasDerivedFrom> {iri(snap.provenance['url'])}")
                add(f"{s} <{PROV}generatedAtTime> {literal(snap.provenance['retrieved'], XSD + 'dateTime')}")
                add(f"{s} <{HDS}sourceSha256> {literal(snap.provenance['sha256'])}")
    return lines


def ontology_ntriples() -> list[str]:
    """The ontology as N-Triples lines, to make every dump self-describing."""
    data = read_ntriples(ontology_path())
    return [line[:-2] for line in data.decode("utf-8").splitlines() if line.endswith(" .")]
