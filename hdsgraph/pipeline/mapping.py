"""Map: host and certificate tables -> RDF, as sorted N-Triples lines.

Sorted, de-duplicated N-Triples with no blank node are the canonical form of the graph:
the same tables always give the same bytes, and every other format is written from them.
IRIs come from identifiers (SIREN, normalised names, content hashes), never from row order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from hdsgraph.pipeline.normalise import Registry, body_key, most_common, name_key, number_key
from hdsgraph.pipeline.qualify import Hosts
from hdsgraph.pipeline.read import UNDATED
from hdsgraph.pipeline.vocabulary import Body, certification_bodies, countries, ontology_path, vocabulary
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
EXPIRY_HORIZON_DAYS = 180  # hds:expiryHorizon: a certificate expiring within this many days of the snapshot


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
                body_key(row.certification_body or ""),  # a body's name key, or its id when the data file knows it
                row.issued or "",
                row.expires or "",
                *([row.referential] if row.referential else []),  # absent: the IRIs of before referentials
            ]
        )
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]
        kind = row.certificate_type.split("_")[0]
        return f"{self.host(row.host_key)}/certificate/{kind}-{row.issued or 'undated'}-{digest}"

    def numbered_certificate(self, host_key: str, number: str) -> str:
        """A certificate with a number: the number is its identity, across snapshots."""
        return f"{self.host(host_key)}/certificate/number-{number_key(number)}"

    def certification_body(self, name: str) -> str:
        return f"{self.base}certification-body/{slug(name)}"

    def snapshot(self, snapshot_id: str) -> str:
        return f"{self.base}snapshot/{snapshot_id}"


def _known_bodies() -> dict:
    """Slug of every name a body of the data file goes by -> that body."""
    return {slug(name): body for body in certification_bodies() for name in body.names}


def certification_body_names(certificates) -> dict[str, str]:
    """Slug -> the spelling most often written (over the whole build), for the certification
    bodies the data file does not know (those it knows are named by it)."""
    bodies = certificates["certification_body"].dropna()
    known = _known_bodies()
    return {
        key: name
        for key, group in bodies.groupby(bodies.map(slug))
        if key not in known and (name := most_common(group)) is not None
    }


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
    bodies = certificates["certification_body"].dropna()
    known = _known_bodies()
    if body_names is None:
        body_names = certification_body_names(certificates)
    body_iri = {key: mint.certification_body(name) for key, name in body_names.items()}
    for name in body_names.values():
        b = iri(mint.certification_body(name))
        add(f"{b} {A} <{HDS}CertificationBody>")
        add(f"{b} {A} <{SKOS}Concept>")
        add(f"{b} <{SKOS}inScheme> <{HDS}certificationBodies>")
        add(f"{b} <{SKOS}prefLabel> {literal(name)}")
    for key in sorted(set(bodies.map(slug)) & set(known)):
        body_iri[key] = mint.certification_body(known[key].id)
        lines.update(_body_lines(known[key], body_iri[key]))

    numbered = certificates["certificate_number"].notna()
    lines.update(_numbered_certificates(certificates[numbered], mint, body_iri))
    referential_iri = vocab.referentials
    described: dict[tuple, str] = {}  # what a certificate's triples depend on -> its IRI, once they are added
    for row in certificates[~numbered].itertuples(index=False):
        h = iri(mint.host(row.host_key))
        s = iri(mint.snapshot(row.snapshot))
        content: tuple = (row.host_key, row.certificate_type, row.activities, row.certification_body, row.issued)
        content += (row.expires, row.referential)
        if (c := described.get(content)) is not None:  # listed again, in another snapshot: only that is new
            add(f"{h} <{HDS}holds> {c}")
            add(f"{h} <{HDS}listedIn> {s}")
            add(f"{c} <{HDS}listedIn> {s}")
            continue
        c = described[content] = iri(mint.certificate(row))
        add(f"{h} <{HDS}holds> {c}")
        add(f"{h} <{HDS}listedIn> {s}")
        add(f"{c} {A} <{HDS}Certificate>")
        add(f"{c} <{HDS}certificateType> {iri(type_iri[row.certificate_type])}")
        add(f"{c} <{HDS}listedIn> {s}")
        for activity in row.activities:
            add(f"{c} <{HDS}activity> {iri(vocab.activities[activity])}")
        if row.certification_body:
            add(f"{c} <{HDS}certificationBody> {iri(body_iri[slug(row.certification_body)])}")
        if row.issued:
            add(f"{c} <{HDS}issueDate> {literal(row.issued, XSD + 'date')}")
        if row.expires:
            add(f"{c} <{HDS}expiryDate> {literal(row.expires, XSD + 'date')}")
        if row.referential:
            add(f"{c} <{HDS}referential> {iri(referential_iri[row.referential])}")

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
                day = date.fromisoformat(snapshot_id if len(snapshot_id) == 10 else snapshot_id + "-01")
                horizon = day + timedelta(days=EXPIRY_HORIZON_DAYS)
                add(f"{s} <{HDS}snapshotDay> {literal(day.isoformat(), XSD + 'date')}")
                add(f"{s} <{HDS}expiryHorizon> {literal(horizon.isoformat(), XSD + 'date')}")
            add(f"{s} <{DCTERMS}source> {literal(snap.source)}")
            add(f"{s} <{HDS}sha256> {literal(snap.sha256)}")
            if snap.provenance:  # fetched by hdsgraph: where from, when, and the bytes as downloaded
                add(f"{s} <{PROV}wasDerivedFrom> {iri(snap.provenance['url'])}")
                add(f"{s} <{PROV}generatedAtTime> {literal(snap.provenance['retrieved'], XSD + 'dateTime')}")
                add(f"{s} <{HDS}sourceSha256> {literal(snap.provenance['sha256'])}")
                if len(snap.provenance.get("parts", [])) > 1:  # several pages, or a page and the file it links to
                    for part in snap.provenance["parts"]:
                        add(f"{s} <{PROV}wasDerivedFrom> {iri(part)}")
                if snap.provenance.get("corrected_from"):  # corrected by hand: the table as fetched, too
                    add(f"{s} <{HDS}fetchedSha256> {literal(snap.provenance['corrected_from'])}")
    return lines


ALL_ACTIVITIES = 6  # hds:allActivitiesHostCount: hosts whose certificates cover this many activities


def snapshot_count_ntriples(registry: Registry, hosts: Hosts, base: str = DEFAULT_BASE_URI) -> set[str]:
    """Per snapshot, facts over its listings that the study's history questions read (one
    triple per snapshot instead of a join over every listing): ``hds:previousSnapshot`` (the
    snapshot whose id comes just before, in the order of ids), and counts of the hosts listed
    in it: all of them, those whose certificates listed there cover all six activities or one
    alone, those known to be French (a host of unknown nationality is not counted), and,
    given a previous snapshot, those new, lapsed and still listed since it. Made from the
    whole registry, never from a chunk of its hosts (``hdsgraph.pipeline.chunks``)."""
    mint = Minter(check_base_uri(base))
    known = set(hosts.table["host_key"])
    french = {
        h.host_key
        for h in hosts.table.itertuples(index=False)
        if h.nationality and countries()[h.nationality].alpha2 == "FR"
    }
    covered: dict[str, dict[str, set[int]]] = {}  # snapshot -> host -> activities of its certificates listed there
    certificates = registry.certificates
    for snapshot, host, activities in zip(
        certificates["snapshot"], certificates["host_key"], certificates["activities"], strict=True
    ):
        if host in known:
            covered.setdefault(snapshot, {}).setdefault(host, set()).update(activities)
    lines: set[str] = set()
    add = lines.add
    integer = XSD + "integer"
    previous_id, previous = None, set()
    for snapshot_id in sorted(set(certificates["snapshot"])):
        s = iri(mint.snapshot(snapshot_id))
        listed = covered.get(snapshot_id, {})
        counts = {
            "hostCount": len(listed),
            "allActivitiesHostCount": sum(len(a) == ALL_ACTIVITIES for a in listed.values()),
            "singleActivityHostCount": sum(len(a) == 1 for a in listed.values()),
            "frenchHostCount": len(listed.keys() & french),
        }
        if previous_id is not None:
            add(f"{s} <{HDS}previousSnapshot> {iri(mint.snapshot(previous_id))}")
            counts["newHostCount"] = len(listed.keys() - previous)
            counts["lapsedHostCount"] = len(previous - listed.keys())
            counts["continuingHostCount"] = len(listed.keys() & previous)
        for name, value in counts.items():
            add(f"{s} <{HDS}{name}> {literal(str(value), integer)}")
        previous, previous_id = set(listed), snapshot_id
    return lines


def _body_lines(body: Body, body_iri: str) -> set[str]:
    """A certification body of the data file: its name now, the others it went by."""
    b = iri(body_iri)
    lines = {
        f"{b} {A} <{HDS}CertificationBody>",
        f"{b} {A} <{SKOS}Concept>",
        f"{b} <{SKOS}inScheme> <{HDS}certificationBodies>",
        f"{b} <{SKOS}prefLabel> {literal(body.name)}",
    }
    lines.update(f"{b} <{SKOS}altLabel> {literal(name)}" for name in body.names[1:])
    for rename in body.renamed:
        when = f"until {rename.until}" if rename.until else "until a day not known here"
        lines.add(f"{b} <{SKOS}historyNote> {literal(f'Named {rename.name} {when}.', lang='en')}")
    return lines


def _numbered_certificates(rows, mint: Minter, body_iri: dict[str, str]) -> set[str]:
    """Certificates with a number: one IRI per number and host, whatever the snapshot. Rows
    of one snapshot with the same number are one certificate (of both types when its
    activities span both ranges). When a later snapshot lists it with other activities,
    dates, body or referential (renewed, extended), the number's IRI describes it as the
    latest snapshot lists it, and each earlier description is a version of it
    (``{IRI}--{first snapshot}``, ``dcterms:isVersionOf`` the IRI), so that every
    snapshot's answers use what that snapshot said."""
    vocab = vocabulary()
    type_iri = {t.code: t.iri for t in vocab.certificate_types}
    states: dict[tuple[str, str], dict[str, dict]] = {}  # (host, number) -> snapshot -> what it lists
    for row in rows.itertuples(index=False):
        listing = states.setdefault((row.host_key, number_key(row.certificate_number)), {})
        state = listing.setdefault(
            row.snapshot,
            {
                "numbers": set(),
                "types": set(),
                "activities": set(),
                "body": body_iri[slug(row.certification_body)] if row.certification_body else None,
                "issued": row.issued,
                "expires": row.expires,
                "referential": row.referential,
            },
        )
        state["numbers"].add(row.certificate_number)
        state["types"].add(row.certificate_type)
        state["activities"].update(row.activities)
    lines: set[str] = set()
    add = lines.add
    for (host_key, _), listing in states.items():
        number = min(n for state in listing.values() for n in state["numbers"])
        main = mint.numbered_certificate(host_key, number)
        identifier = iri(main + "#number")
        by_content: dict[tuple, list[str]] = {}
        for snapshot_id, state in sorted(listing.items()):
            content = (
                tuple(sorted(state["types"])),
                tuple(sorted(state["activities"])),
                state["body"],
                state["issued"],
                state["expires"],
                state["referential"],
            )
            by_content.setdefault(content, []).append(snapshot_id)
        h = iri(mint.host(host_key))
        add(f"{identifier} {A} <{ADMS}Identifier>")
        add(f"{identifier} <{SKOS}notation> {literal(number)}")
        for content, snapshot_ids in by_content.items():
            types, activities, body, issued, expires, referential = content
            is_latest = max(listing) in snapshot_ids
            c = iri(main if is_latest else f"{main}--{snapshot_ids[0]}")
            add(f"{h} <{HDS}holds> {c}")
            add(f"{c} {A} <{HDS}Certificate>")
            add(f"{c} <{ADMS}identifier> {identifier}")
            if not is_latest:
                add(f"{c} <{DCTERMS}isVersionOf> {iri(main)}")
            for snapshot_id in snapshot_ids:
                s = iri(mint.snapshot(snapshot_id))
                add(f"{h} <{HDS}listedIn> {s}")
                add(f"{c} <{HDS}listedIn> {s}")
            for code in types:
                add(f"{c} <{HDS}certificateType> {iri(type_iri[code])}")
            for activity in activities:
                add(f"{c} <{HDS}activity> {iri(vocab.activities[activity])}")
            if body:
                add(f"{c} <{HDS}certificationBody> {iri(body)}")
            if issued:
                add(f"{c} <{HDS}issueDate> {literal(issued, XSD + 'date')}")
            if expires:
                add(f"{c} <{HDS}expiryDate> {literal(expires, XSD + 'date')}")
            if referential:
                add(f"{c} <{HDS}referential> {iri(vocab.referentials[referential])}")
    return lines


def ontology_ntriples() -> list[str]:
    """The ontology as N-Triples lines, to make every dump self-describing."""
    data = read_ntriples(ontology_path())
    return [line[:-2] for line in data.decode("utf-8").splitlines() if line.endswith(" .")]
