"""History: what changed between two registries, host by host.

Two registry files, or two snapshots of one build, are compared host by host: hosts that
appeared, hosts that disappeared, and hosts certified for other activities than before.
A host is the same host on both sides when it has the same SIREN (or, without one, the
same normalised name), as in a build.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyoxigraph as ox

from hdsgraph.errors import InputError
from hdsgraph.pipeline.answers import run_select
from hdsgraph.pipeline.normalise import most_common, normalise
from hdsgraph.pipeline.read import SNAPSHOT_ID, UNDATED, read_registry
from hdsgraph.rdf.namespaces import HDS, ROV, SKOS
from hdsgraph.rdf.results import QueryResult
from hdsgraph.rdf.store import open_store

DIFF_COLUMNS = ["change", "host", "siren", "old_activities", "new_activities"]
CHANGES = ("appeared", "disappeared", "activities changed")

# One row per host, name, SIREN and activity covered by its certificates listed in the
# snapshot bound to ?requested.
LISTING_QUERY = """
PREFIX hds: <https://w3id.org/hdsgraph/ontology#>
PREFIX rov: <http://www.w3.org/ns/regorg#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?host ?name ?siren ?activity WHERE {
  ?host hds:listedIn ?requested ; rov:legalName ?name ; hds:holds ?certificate .
  ?certificate hds:listedIn ?requested ; hds:activity/skos:notation ?activity .
  OPTIONAL { ?host hds:siren ?siren }
}
"""


@dataclass(frozen=True)
class Listed:
    """What a listing says of one host."""

    name: str | None
    siren: str | None
    activities: tuple[int, ...]

    @property
    def known_siren(self) -> str | None:
        return self.siren if isinstance(self.siren, str) and self.siren else None


@dataclass
class Listing:
    """The hosts one registry lists: host id -> name, SIREN, activities."""

    label: str
    hosts: pd.DataFrame  # index: host id; columns: host, siren, activities (tuple of ints)
    quarantined: int = 0


@dataclass
class Diff:
    old: Listing
    new: Listing
    result: QueryResult  # DIFF_COLUMNS, one row per host that changed

    def counts(self) -> dict[str, int]:
        counts = {change: 0 for change in CHANGES}
        for row in self.result.rows:
            counts[row["change"]] += 1
        counts["unchanged"] = len(set(self.old.hosts.index) & set(self.new.hosts.index)) - counts["activities changed"]
        return counts

    def summary(self) -> str:
        c = self.counts()
        return (
            f"{self.old.label} -> {self.new.label}: {c['appeared']} appeared, {c['disappeared']} disappeared, "
            f"{c['activities changed']} with other activities, {c['unchanged']} unchanged"
        )


def is_snapshot_id(text: str) -> bool:
    return bool(SNAPSHOT_ID.match(text)) or text == UNDATED


def listings_from_files(old: Path, new: Path) -> tuple[Listing, Listing]:
    """Read and normalise two registry files together, so that hosts match across them."""
    raws = []
    for path, label in ((old, "old"), (new, "new")):
        raw = read_registry(path)
        dated = sorted({row.get("snapshot", "").strip() for _, row in raw.rows} - {""})
        if len(dated) > 1:
            raise InputError(
                f"{path}: holds several snapshots ({', '.join(dated)}); build it and compare two snapshot ids instead"
            )
        raws.append(
            dataclasses.replace(raw, snapshot=label, rows=[(n, {**row, "snapshot": ""}) for n, row in raw.rows])
        )
    registry = normalise(raws)
    listings = []
    for path, label in ((old, "old"), (new, "new")):
        certificates = registry.certificates[registry.certificates["snapshot"] == label]
        rows = certificates.drop_duplicates(["source", "row"])  # one name vote per registry row
        covered = certificates.groupby("host_key")["activities"].agg(lambda acts: {a for c in acts for a in c})
        records = {}
        for host_key, group in rows.groupby("host_key", sort=True):
            activities = tuple(sorted(covered[host_key]))
            # the host key is the SIREN whenever any row of either file gives it
            siren = None if host_key.startswith("name:") else host_key
            records[host_key] = {"host": most_common(group["host"]), "siren": siren, "activities": activities}
        quarantined = int((registry.quarantine["snapshot"] == label).sum()) if len(registry.quarantine) else 0
        listings.append(Listing(path.name, _frame(records), quarantined))
    return listings[0], listings[1]


def listing_from_build(data: Path, snapshot: str, store=None) -> Listing:
    """The hosts a snapshot of a build lists, read from the graph."""
    store = store if store is not None else open_store(data)
    rows = run_select(store, LISTING_QUERY, snapshot, "listing").rows
    records: dict[str, dict] = {}
    names: dict[str, list[str]] = {}
    for row in rows:
        record = records.setdefault(row["host"], {"host": None, "siren": row["siren"], "activities": set()})
        record["activities"].add(int(row["activity"]))
        names.setdefault(row["host"], []).append(row["name"])
    for host, record in records.items():
        record["host"] = most_common(names[host])
        record["activities"] = tuple(sorted(record["activities"]))
    return Listing(snapshot, _frame(records))


def _frame(records: dict[str, dict]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(records, orient="index", columns=["host", "siren", "activities"]).sort_index()


def diff(old: Listing, new: Listing) -> Diff:
    """The hosts that appeared, disappeared or changed activities from ``old`` to ``new``."""
    rows = changed_hosts(_records(old.hosts), _records(new.hosts))
    for row in rows:
        del row["_id"]
    return Diff(old, new, QueryResult(DIFF_COLUMNS, rows))


def _records(hosts: pd.DataFrame) -> dict[str, Listed]:
    return {str(i): Listed(name, siren, activities) for i, name, siren, activities in hosts.itertuples(name=None)}


def changed_hosts(old: dict[str, Listed], new: dict[str, Listed]) -> list[dict]:
    """The rows of ``diff`` (``DIFF_COLUMNS`` and ``_id``, the host id), from two listings
    as host id -> what is listed."""
    rows = []
    for host_id in sorted(old.keys() | new.keys()):
        before, after = old.get(host_id), new.get(host_id)
        if before is not None and after is not None and before.activities == after.activities:
            continue
        change = "appeared" if before is None else "disappeared" if after is None else "activities changed"
        shown = after if after is not None else before
        assert shown is not None
        rows.append(
            {
                "change": change,
                "host": shown.name,
                "siren": shown.known_siren,
                "old_activities": _activities(before),
                "new_activities": _activities(after),
                "_id": host_id,
            }
        )
    rows.sort(key=lambda r: (CHANGES.index(r["change"]), r["host"], r["_id"]))
    return rows


def _activities(side: Listed | None) -> str:
    return "" if side is None else ";".join(map(str, side.activities))


# The triples a listing is made of, one pattern each, so that the listings of every
# snapshot are read in one pass over each (``all_listings``) rather than one join per snapshot.
LISTING_PATTERNS = {
    "listed": (HDS + "listedIn",),
    "holds": (HDS + "holds",),
    "activity": (HDS + "activity", SKOS + "notation"),
    "name": (ROV + "legalName",),
    "siren": (HDS + "siren",),
}


def pattern_pairs(store, path: tuple[str, ...]) -> list[tuple[str, str]]:
    """(subject, object) values of the triples of the default graph along ``path``, one
    predicate or a sequence of two (as the SPARQL path ``p1/p2``)."""
    found = [
        (q.subject.value, q.object.value)
        for q in store.quads_for_pattern(None, ox.NamedNode(path[0]), None, ox.DefaultGraph())
    ]
    if len(path) == 1:
        return found
    step = grouped(pattern_pairs(store, path[1:]))
    return [(s, o) for s, middle in found for o in step.get(middle, ())]


def grouped(pairs) -> dict[str, list[str]]:
    """subject -> its objects."""
    out: dict[str, list[str]] = {}
    for s, o in pairs:
        out.setdefault(s, []).append(o)
    return out


def listed_snapshots(pairs) -> dict[str, set[str]]:
    """(node, snapshot) pairs of ``hds:listedIn`` -> node -> the snapshots that list it."""
    listed: dict[str, set[str]] = {}
    for s, o in pairs:
        listed.setdefault(s, set()).add(o)
    return listed


def all_listings(
    store,
    snapshot_iris: dict[str, str],
    triples: dict[str, list] | None = None,
    listed: dict[str, set[str]] | None = None,
) -> dict[str, dict]:
    """Snapshot id -> host id -> ``Listed``: what ``listing_from_build`` gives for each
    snapshot (``snapshot_iris``: id -> IRI), from one read of each of ``LISTING_PATTERNS``
    (``triples``: those already read, by the same keys). A host's name is its most common
    name over the listing query's rows, in which each of its names occurs equally often:
    the smallest non-empty one."""
    triples = dict(triples or {})
    for key, text in LISTING_PATTERNS.items():
        if key not in triples:
            triples[key] = pattern_pairs(store, text)
    if listed is None:
        listed = listed_snapshots(triples["listed"])
    activities = {c: {int(a) for a in acts} for c, acts in grouped(triples["activity"]).items()}
    names = grouped(triples["name"])
    sirens = grouped(triples["siren"])
    found: dict[tuple[str, str], set[int]] = {}  # (snapshot IRI, host) -> activities
    for host, certificate in triples["holds"]:
        if host not in names or certificate not in activities:
            continue
        both = listed.get(host, set()) & listed.get(certificate, set())
        for snapshot in both:
            found.setdefault((snapshot, host), set()).update(activities[certificate])
    hosts = {host for _, host in found}
    named = {host: (most_common(names[host]), min(sirens[host]) if host in sirens else None) for host in hosts}
    by_iri: dict[str, dict[str, Listed]] = {}
    for (snapshot, host), acts in found.items():
        by_iri.setdefault(snapshot, {})[host] = Listed(*named[host], tuple(sorted(acts)))
    return {sid: dict(sorted(by_iri.get(iri, {}).items())) for sid, iri in snapshot_iris.items()}


def compare(old: str, new: str, data: Path) -> Diff:
    """``old`` and ``new`` are two registry files, or two snapshot ids of the build ``data``."""
    data = Path(data)
    sides = []
    for text in (old, new):
        path = Path(text)
        if path.is_file():
            sides.append("file")
        elif path.is_dir():
            raise InputError(f"{text}: is a folder; give a registry file or a snapshot id")
        elif is_snapshot_id(text):
            sides.append("snapshot")
        else:
            raise InputError(f"{text}: no such registry file, and not a snapshot id (YYYY-MM or YYYY-MM-DD)")
    if sides[0] != sides[1]:
        raise InputError("compare two registry files or two snapshots of a build, not one of each")
    if sides[0] == "file":
        return diff(*listings_from_files(Path(old), Path(new)))
    store = open_store(data)
    return diff(listing_from_build(data, old, store), listing_from_build(data, new, store))
