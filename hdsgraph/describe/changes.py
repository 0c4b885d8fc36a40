"""The change feed: what changed between each pair of consecutive registry snapshots.

For each pair (``from``, ``to``) of consecutive snapshots of a build:

- the hosts that changed, exactly as ``hdsgraph diff FROM TO`` lists them (``appeared``:
  newly listed; ``disappeared``: no longer listed; ``activities changed``: certified for
  other activities than before);
- for the hosts listed in both, their certificates, per certificate type: a certificate
  listed in ``to`` and not in ``from`` is ``certificate renewed`` when it replaces
  certificates of its type no longer listed and covers no activity they did not,
  ``certificate extended`` when it replaces them and covers more activities, and
  ``certificate added`` when none of its type went; a certificate listed in ``from`` and
  not in ``to``, with no new certificate of its type, is ``certificate expired`` when its
  expiry date is on or before the day ``to`` starts, else ``certificate withdrawn``.
  A numbered certificate keeps its IRI while snapshots describe it alike; a snapshot that
  describes it otherwise (other dates, activities, body or referential) lists another
  description of it (``{IRI}--{snapshot}``, ``dcterms:isVersionOf`` the IRI), so that it is
  renewed or extended there, and its entries name the certificate's IRI, never a version's.
  A certificate of both types (one number over both ranges) replaces, and is replaced by,
  certificates of either type.

The same entries are written as ``changes.csv`` (oldest pair first) and ``changes.atom``
(Atom 1.0, newest pair first), each entry linking to the host's IRI, which the site
serves as the host's page. The dates are the snapshots' dates (a ``YYYY-MM`` snapshot is
dated on the first day of its month), never the clock: the same build gives the same bytes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
import yaml

from hdsgraph.describe.facts import Facts
from hdsgraph.rdf.namespaces import DCTERMS, HDS, ROV, SKOS
from hdsgraph.rdf.store import select
from hdsgraph.resources import data_file
from hdsgraph.safety import neutralised_cell

FEED_FILES = ("changes.atom", "changes.csv")
COLUMNS = [
    "from",
    "to",
    "change",
    "host",
    "siren",
    "host_iri",
    "certificate",
    "certificate_type",
    "old_activities",
    "new_activities",
    "issued",
    "expires",
]
HOST_CHANGES = ("appeared", "disappeared", "activities changed")
CERTIFICATE_CHANGES = (
    "certificate added",
    "certificate renewed",
    "certificate extended",
    "certificate expired",
    "certificate withdrawn",
)
CHANGES = HOST_CHANGES + CERTIFICATE_CHANGES


@cache
def feed_texts() -> dict:
    """The feed's fixed texts (``data/changes.yaml``)."""
    return yaml.safe_load(data_file("changes.yaml").read_text(encoding="utf-8"))


# The certificates' own facts, one pattern each (with hdsgraph.study.history.LISTING_PATTERNS,
# the triples of every snapshot's listings): read once for the whole history.
CERTIFICATE_PATTERNS = {
    "type": (HDS + "certificateType", SKOS + "notation"),
    "issued": (HDS + "issueDate",),
    "expires": (HDS + "expiryDate",),
    "main": (DCTERMS + "isVersionOf",),
}
HOSTS_QUERY = f"""
SELECT ?host ?name ?siren WHERE {{
  ?host a <{HDS}Host> ; <{ROV}legalName> ?name .
  OPTIONAL {{ ?host <{HDS}siren> ?siren }}
}}
"""
SNAPSHOTS_QUERY = (
    f"SELECT ?s ?id ?d WHERE {{ ?s a <{HDS}RegistrySnapshot> ; <{HDS}snapshotId> ?id ; <{DCTERMS}date> ?d }}"
)


@dataclass(frozen=True)
class Certificate:
    iri: str  # the description a snapshot lists
    host: str
    types: tuple[str, ...]  # two for one number covering both ranges
    activities: tuple[int, ...]
    issued: str
    expires: str
    main: str = ""  # the certificate an earlier description is a version of ("": itself)

    @property
    def type(self) -> str:
        """The certificate type(s), as changes.csv writes them."""
        return ";".join(self.types)

    @property
    def permanent(self) -> str:
        """The certificate's own IRI, the same in every snapshot."""
        return self.main or self.iri


def snapshot_dates(store: ox.Store) -> list[tuple[str, str]]:
    """(snapshot id, date) of every snapshot, oldest first."""
    rows = select(store, SNAPSHOTS_QUERY)
    return sorted({(row["id"].value, row["d"].value) for row in rows}, key=lambda p: (p[1], p[0]))


def atom_date(date: str) -> str:
    """A snapshot date (``YYYY-MM`` or ``YYYY-MM-DD``) as an RFC 3339 time: its first day, midnight UTC."""
    day = date if len(date) == 10 else date[:7] + "-01"
    return day + "T00:00:00Z"


def _certificates(
    triples: dict[str, list], listed: dict[str, set[str]]
) -> dict[str, dict[str, dict[str, Certificate]]]:
    """snapshot IRI -> host IRI -> certificate IRI -> the certificate, as listed: each
    certificate with a type and an activity, in each snapshot that lists it and its host
    (``listed``: node -> the snapshots that list it)."""
    from hdsgraph.study.history import grouped

    types, activities = grouped(triples["type"]), grouped(triples["activity"])
    facts = {key: grouped(triples[key]) for key in ("issued", "expires", "main")}
    holders: dict[tuple[str, str], str] = {}  # (snapshot, certificate) -> its host listed there
    for host, iri in triples["holds"]:
        if iri in types and iri in activities:
            for snapshot in listed.get(host, set()) & listed.get(iri, set()):
                key = (snapshot, iri)
                holders[key] = min(holders.get(key, host), host)
    made: dict[tuple[str, str], Certificate] = {}  # a certificate's facts do not depend on the snapshot
    out: dict[str, dict[str, dict[str, Certificate]]] = {}
    for (snapshot, iri), host in holders.items():
        cert = made.get((iri, host))
        if cert is None:
            first = {key: min(values[iri]) if iri in values else "" for key, values in facts.items()}
            cert = made[iri, host] = Certificate(
                iri,
                host,
                tuple(sorted(set(types[iri]))),
                tuple(sorted({int(a) for a in activities[iri]})),
                first["issued"],
                first["expires"],
                first["main"],
            )
        out.setdefault(snapshot, {}).setdefault(host, {})[iri] = cert
    return out


def _acts(activities) -> str:
    return ";".join(map(str, sorted(activities)))


def certificate_changes(old: dict[str, Certificate], new: dict[str, Certificate], starts: str) -> list[tuple]:
    """(change, certificate, old activities) for one host listed in both snapshots;
    ``starts`` is the day the new snapshot starts (YYYY-MM-DD)."""
    out = []
    gone = [c for iri, c in sorted(old.items()) if iri not in new]
    came = [c for iri, c in sorted(new.items()) if iri not in old]
    for cert in came:
        replaced = [c for c in gone if set(c.types) & set(cert.types)]  # of its type (or one of its two)
        before = {a for c in replaced for a in c.activities}
        if not replaced:
            out.append(("certificate added", cert, ""))
        elif set(cert.activities) - before:
            out.append(("certificate extended", cert, _acts(before)))
        else:
            out.append(("certificate renewed", cert, _acts(before)))
    for cert in gone:
        if not any(set(c.types) & set(cert.types) for c in came):
            lapsed = bool(cert.expires) and cert.expires <= starts
            out.append(("certificate expired" if lapsed else "certificate withdrawn", cert, _acts(cert.activities)))
    return out


def change_entries(store: ox.Store) -> list[dict]:
    """Every change between consecutive snapshots, as rows of ``COLUMNS`` (oldest pair first)."""
    from hdsgraph.pipeline.answers import snapshots as snapshot_iris
    from hdsgraph.study.history import (
        LISTING_PATTERNS,
        Listed,
        all_listings,
        changed_hosts,
        listed_snapshots,
        pattern_pairs,
    )

    snapshots = snapshot_dates(store)
    if len(snapshots) < 2:
        return []
    iris = {row["id"].value: row["s"].value for row in select(store, SNAPSHOTS_QUERY)}
    hosts: dict[str, tuple[str, str]] = {}
    for row in select(store, HOSTS_QUERY):
        hosts.setdefault(row["host"].value, (row["name"].value, row["siren"].value if row["siren"] else ""))
    patterns = {**LISTING_PATTERNS, **CERTIFICATE_PATTERNS}
    triples = {key: pattern_pairs(store, text) for key, text in patterns.items()}
    listed_iris = snapshot_iris(store)
    listed = listed_snapshots(triples["listed"])
    listings = all_listings(store, {sid: listed_iris[sid] for sid, _ in snapshots}, triples, listed)
    by_name = {sid: _by_name(listing) for sid, listing in listings.items()}
    certificates = _certificates(triples, listed)
    rows: list[dict] = []
    for (old, _), (new, new_date) in pairwise(snapshots):
        pair: list[dict] = []
        for row in changed_hosts(listings[old], listings[new]):
            pair.append(
                {
                    "from": old,
                    "to": new,
                    "change": row["change"],
                    "host": row["host"],
                    "siren": row["siren"] or "",
                    "host_iri": _host_iri(row, by_name[old], by_name[new]),
                    "certificate": "",
                    "certificate_type": "",
                    "old_activities": row["old_activities"],
                    "new_activities": row["new_activities"],
                    "issued": "",
                    "expires": "",
                }
            )
        before, after = certificates.get(iris[old], {}), certificates.get(iris[new], {})
        starts = atom_date(new_date)[:10]
        listed_new: dict[str, Listed] = listings[new]
        for host in sorted(set(before) & set(after)):
            if before[host].keys() == after[host].keys():
                continue  # the same certificates: nothing came, nothing went
            name, siren = hosts.get(host, (host, ""))
            name = str(listed_new[host].name) if host in listed_new else name
            for change, cert, old_acts in certificate_changes(before[host], after[host], starts):
                pair.append(
                    {
                        "from": old,
                        "to": new,
                        "change": change,
                        "host": name,
                        "siren": siren,
                        "host_iri": host,
                        "certificate": cert.permanent,
                        "certificate_type": cert.type,
                        "old_activities": old_acts,
                        "new_activities": "" if change.endswith(("expired", "withdrawn")) else _acts(cert.activities),
                        "issued": cert.issued,
                        "expires": cert.expires,
                    }
                )
        pair.sort(key=lambda r: (CHANGES.index(r["change"]), r["host"], r["host_iri"], r["certificate"]))
        rows.extend(pair)
    return rows


def _by_name(listing: dict) -> dict[tuple, str]:
    """(name, SIREN or None) -> the first host id (in order) listed with them."""
    out: dict[tuple, str] = {}
    for host_id in sorted(listing):
        listed = listing[host_id]
        out.setdefault((listed.name, listed.known_siren), host_id)
    return out


def _host_iri(row: dict, old: dict[tuple, str], new: dict[tuple, str]) -> str:
    """The host IRI of a diff row: the first host of the later listing, else of the earlier,
    with its name and SIREN (or, without one, with none)."""
    key = (row["host"], row["siren"])
    for index in (new, old):
        if row["host"] is not None and key in index:
            return index[key]
    raise AssertionError(f"no host IRI for {row}")


def changes_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralised_cell(v) for k, v in row.items()} for row in rows)  # formulas shown as text
    return out.getvalue().encode("utf-8")


def entry_id(row: dict) -> str:
    """A permanent id for an entry: the host's (or certificate's) IRI with the change as its fragment."""
    subject = row["certificate"] or row["host_iri"]
    return f"{subject}#change-{row['to']}-{row['change'].replace(' ', '-')}"


def entry_title(row: dict) -> str:
    texts = feed_texts()
    title = f"{texts['changes'][row['change']]} : {row['host']}"
    if row["certificate_type"]:
        types = row["certificate_type"].split(";")
        title += f" ({' et '.join(texts['certificate_types'].get(t, t) for t in types)})"
    return title


def entry_summary(row: dict) -> str:
    parts = [f"Entre les états du registre {row['from']} et {row['to']}."]
    if row["old_activities"]:
        parts.append(f"Activités avant : {row['old_activities'].replace(';', ', ')}.")
    if row["new_activities"]:
        parts.append(f"Activités ensuite : {row['new_activities'].replace(';', ', ')}.")
    if row["issued"]:
        parts.append(f"Certificat délivré le {row['issued']}.")
    if row["expires"]:
        parts.append(f"Échéance : {row['expires']}.")
    if row["siren"]:
        parts.append(f"SIREN {row['siren']}.")
    return " ".join(parts)


def changes_atom(rows: list[dict], facts: Facts, dates: dict[str, str]) -> bytes:
    """The Atom 1.0 feed of ``rows``; ``dates``: snapshot id -> its date."""
    title = dict(facts.texts.titles).get("fr") or next((t for _, t in facts.texts.titles), "hdsgraph")
    updated = atom_date(max(dates.values())) if dates else "1970-01-01T00:00:00Z"
    feed_url = facts.download + "changes.atom"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">',
        f"<id>{escape(feed_url)}</id>",
        f"<title>{escape(feed_texts()['title'].replace('{title}', title))}</title>",
        f"<subtitle>{escape(feed_texts()['subtitle'])}</subtitle>",
        f"<updated>{updated}</updated>",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(feed_url)}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(facts.base_uri)}/>',
        f'<link rel="related" type="text/csv" href={quoteattr(facts.download + "changes.csv")}/>',
        "<author><name>hdsgraph</name></author>",
        "<generator>hdsgraph</generator>",
    ]
    pairs = sorted({(r["from"], r["to"]) for r in rows}, key=lambda p: dates.get(p[1], p[1]), reverse=True)
    for pair in pairs:
        for row in (r for r in rows if (r["from"], r["to"]) == pair):
            lines += [
                "<entry>",
                f"<id>{escape(entry_id(row))}</id>",
                f"<title>{escape(entry_title(row))}</title>",
                f"<updated>{atom_date(dates[row['to']])}</updated>",
                f'<link rel="alternate" type="text/html" href={quoteattr(row["host_iri"])}/>',
                f"<category term={quoteattr(row['change'])}/>",
                f"<summary>{escape(entry_summary(row))}</summary>",
                "</entry>",
            ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def feed_files(store: ox.Store, facts: Facts) -> dict[str, bytes]:
    """``changes.atom`` and ``changes.csv`` of the build held by ``store``."""
    rows = change_entries(store)
    dates = dict(snapshot_dates(store))
    return {"changes.atom": changes_atom(rows, facts, dates), "changes.csv": changes_csv(rows)}
