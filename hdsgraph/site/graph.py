"""The graph as the site reads it: triples indexed by subject and object, grouped into
documents, and plain views of hosts, certificates, concepts and snapshots for the pages.

A *document* is what one URI dereferences to: a resource IRI without its fragment
(``host/900000019`` holds ``host/900000019#siren``; ``ontology`` holds ``ontology#Host``).
Its description is every triple whose subject belongs to it: that is what its ``.ttl``
and ``.jsonld`` files hold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from hdsgraph.rdf.namespaces import ADMS, DCTERMS, HDS, OWL, RDF, RDFS, ROV, SKOS

LABELS = (SKOS + "prefLabel", ROV + "legalName", RDFS + "label", DCTERMS + "title")
# How a concept page finds its hosts: hosts link to it directly, or through a certificate.
HOST_LINKS = {HDS + "positioning", HDS + "nationality"}
CERTIFICATE_LINKS = {HDS + "activity", HDS + "certificateType", HDS + "certificationBody", HDS + "referential"}
LANGUAGES = ("en", "fr", "")


def document_of(iri: str) -> str:
    return iri.split("#", 1)[0]


@dataclass(frozen=True)
class Link:
    iri: str
    label: str
    notation: str = ""


class SiteGraph:
    """``lang`` is the language labels are read in first (the page being written's)."""

    lang = "en"

    def __init__(self, nt: bytes):
        self.props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.inbound: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.documents: dict[str, list[ox.Triple]] = defaultdict(list)
        for quad in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
            triple = quad.triple
            if not isinstance(triple.subject, ox.NamedNode):
                continue  # hdsgraph dumps have no blank node
            s, p, o = triple.subject.value, triple.predicate.value, triple.object
            self.props[s][p].append(o)
            if isinstance(o, ox.NamedNode):
                self.inbound[o.value].append((s, p))
            self.documents[document_of(s)].append(triple)

    # ------------------------------------------------------------ reading values

    def objects(self, s: str, p: str) -> list:
        return sorted(self.props.get(s, {}).get(p, []), key=str)

    def iris(self, s: str, p: str) -> list[str]:
        return [o.value for o in self.objects(s, p) if isinstance(o, ox.NamedNode)]

    def text(self, s: str, p: str) -> str:
        values = [o.value for o in self.objects(s, p) if isinstance(o, ox.Literal)]
        return values[0] if values else ""

    def typed(self, cls: str) -> list[str]:
        return sorted(s for s, p in self.inbound.get(cls, []) if p == RDF + "type")

    def labels(self, iri: str, predicate: str | None = None) -> dict[str, str]:
        """Language -> text of the first labelling property the resource has."""
        for p in [predicate] if predicate else LABELS:
            found = {}
            for o in self.objects(iri, p):
                if isinstance(o, ox.Literal):
                    found.setdefault(o.language or "", o.value)
            if found:
                return found
        return {}

    def label(self, iri: str, lang: str | None = None) -> str:
        found = self.labels(iri)
        for key in (lang or self.lang, *LANGUAGES):
            if key in found:
                return found[key]
        return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def link(self, iri: str) -> Link:
        return Link(iri, self.label(iri), self.text(iri, SKOS + "notation"))

    # ------------------------------------------------------------ views

    def snapshots(self) -> list[Link]:
        """The registry snapshots, oldest first (by date, then id); a link's label is its id."""
        found = [
            (self.text(s, DCTERMS + "date"), Link(s, self.text(s, HDS + "snapshotId") or self.label(s)))
            for s in self.typed(HDS + "RegistrySnapshot")
        ]
        return [link for _, link in sorted(found, key=lambda pair: (pair[0], pair[1].label))]

    def latest(self) -> Link | None:
        if not hasattr(self, "_latest"):
            snapshots = self.snapshots()
            self._latest = snapshots[-1] if snapshots else None
        return self._latest

    def latest_day(self) -> str:
        """The day the latest snapshot starts (``YYYY-MM`` is its month's first day), or ""."""
        latest = self.latest()
        date = self.text(latest.iri, DCTERMS + "date") if latest else ""
        return date if len(date) != 7 else date + "-01"

    def listed(self, iri: str) -> set[str]:
        return set(self.iris(iri, HDS + "listedIn"))

    def is_current(self, iri: str) -> bool:
        """Listed in the latest snapshot."""
        latest = self.latest()
        return latest is not None and latest.iri in self.listed(iri)

    def lapse(self, iri: str) -> tuple[Link, Link] | None:
        """(the last snapshot listing a host no longer listed, the first one after it not
        listing it), or None for a host the latest snapshot lists."""
        if self.is_current(iri):
            return None
        snapshots, listed = self.snapshots(), self.listed(iri)
        last = max((i for i, snap in enumerate(snapshots) if snap.iri in listed), default=None)
        if last is None or last + 1 >= len(snapshots):
            return None
        return snapshots[last], snapshots[last + 1]

    def hosts(self) -> list[Link]:
        return sorted(
            (self.link(h) for h in self.typed(HDS + "Host")), key=lambda link: (link.label.casefold(), link.iri)
        )

    def certificate(self, iri: str) -> dict:
        activities = sorted((self.link(a) for a in self.iris(iri, HDS + "activity")), key=lambda a: a.notation)
        holder = next((s for s, p in self.inbound.get(iri, []) if p == HDS + "holds"), "")
        ctype = sorted((self.link(t) for t in self.iris(iri, HDS + "certificateType")), key=lambda t: t.notation)
        numbers = [self.text(n, SKOS + "notation") for n in self.iris(iri, ADMS + "identifier")]
        body = self.iris(iri, HDS + "certificationBody")
        return {
            "iri": iri,
            "host": self.link(holder) if holder else None,
            "type": ctype[0] if ctype else None,
            "types": ctype,  # two for one number covering both ranges
            "activities": activities,
            "body": self.link(body[0]) if body else None,
            "issued": self.text(iri, HDS + "issueDate"),
            "expires": self.text(iri, HDS + "expiryDate"),
            "snapshots": [self.link(s) for s in self.iris(iri, HDS + "listedIn")],
            "current": self.is_current(iri),
            "referential": self.link(self.iris(iri, HDS + "referential")[0])
            if self.iris(iri, HDS + "referential")
            else None,
            "number": min(numbers) if numbers else "",  # adms:identifier, its skos:notation
            # an earlier description of a numbered certificate: the certificate as last listed
            "version_of": [self.link(v) for v in self.iris(iri, DCTERMS + "isVersionOf")],
        }

    def host(self, iri: str) -> dict:
        certificates = sorted(
            (self.certificate(c) for c in self.iris(iri, HDS + "holds")),
            key=lambda c: (c["type"].label if c["type"] else "", c["issued"], c["iri"]),
        )
        listed = set(self.iris(iri, HDS + "listedIn"))
        history = [
            {
                "snapshot": snap,
                "listed": snap.iri in listed,
                "certificates": [c for c in certificates if any(s.iri == snap.iri for s in c["snapshots"])],
            }
            for snap in self.snapshots()
        ]
        positioning = self.iris(iri, HDS + "positioning")
        nationality = self.iris(iri, HDS + "nationality")
        return {
            "iri": iri,
            "name": self.text(iri, ROV + "legalName") or self.label(iri),
            "siren": self.text(iri, HDS + "siren"),
            "synthetic": self.text(iri, HDS + "synthetic") == "true",
            "positioning": self.link(positioning[0]) if positioning else None,
            "nationality": self.link(nationality[0]) if nationality else None,
            "same_as": self.iris(iri, OWL + "sameAs"),
            "certificates": certificates,
            "activities": sorted({a for c in certificates for a in c["activities"]}, key=lambda a: a.notation),
            "history": history,
            "current": self.is_current(iri),
            "lapse": self.lapse(iri),
        }

    def hosts_linked_to(self, iri: str, today: bool = False) -> list[Link]:
        """The hosts a concept (activity, type, body, referential, positioning, country)
        applies to; ``today``: only the hosts the latest snapshot lists under it (through a
        certificate it lists, for the concepts of certificates)."""
        hosts = set()
        for s, p in self.inbound.get(iri, []):
            if p in HOST_LINKS:
                if not today or self.is_current(s):
                    hosts.add(s)
            elif p in CERTIFICATE_LINKS:
                if not today or self.is_current(s):
                    hosts.update(h for h, q in self.inbound.get(s, []) if q == HDS + "holds")
            elif p == HDS + "listedIn" and HDS + "Host" in self.iris(s, RDF + "type"):
                hosts.add(s)
        return sorted((self.link(h) for h in hosts), key=lambda link: (link.label.casefold(), link.iri))

    def concept(self, iri: str) -> dict:
        scheme = self.iris(iri, SKOS + "inScheme")
        return {
            "iri": iri,
            "labels": self.labels(iri),
            "alt_labels": self.labels(iri, SKOS + "altLabel"),
            "notation": self.text(iri, SKOS + "notation"),
            "definition": self.labels(iri, SKOS + "definition"),
            "scheme": self.link(scheme[0]) if scheme else None,
            "hosts": self.hosts_linked_to(iri),
        }

    def by_nationality(self, today: bool = False) -> list[tuple[Link | None, list[Link]]]:
        groups: dict[str, list[Link]] = defaultdict(list)
        for host in self.hosts():
            if today and not self.is_current(host.iri):
                continue
            countries = self.iris(host.iri, HDS + "nationality")
            groups[countries[0] if countries else ""].append(host)
        keyed = [(self.link(c) if c else None, hosts) for c, hosts in groups.items()]
        return sorted(keyed, key=lambda group: (-len(group[1]), group[0].label if group[0] else "~"))

    def schemes(self) -> dict[str, list[Link]]:
        """Concept scheme IRI -> its concepts, by notation."""
        out: dict[str, list[Link]] = {}
        for scheme in self.typed(SKOS + "ConceptScheme"):
            members = [s for s, p in self.inbound.get(scheme, []) if p == SKOS + "inScheme"]
            out[scheme] = sorted((self.link(m) for m in members), key=lambda c: (len(c.notation), c.notation, c.label))
        return out

    def dataset_title(self, base: str) -> str:
        titles = self.labels(base + "dataset", DCTERMS + "title")
        title = titles.get(self.lang) or titles.get("en", "")
        return title or "Certified health-data hosts (HDS)"

    def synthetic(self) -> bool:
        return any(self.text(h.iri, HDS + "synthetic") == "true" for h in self.hosts())
