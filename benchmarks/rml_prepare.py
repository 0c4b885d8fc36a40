"""Prepare a canonical registry CSV for an RML engine: one CSV per kind of resource.

RML maps rows to triples with templates; it cannot pick a host's most frequent name,
hash a certificate's content into its IRI, or split a row that spans both certificate
types. This step does that work (with the plain pipeline's own code, so the IRIs are
hdsgraph's) and writes hosts.csv, countries.csv, bodies.csv, certificates.csv,
activities.csv, snapshots.csv, snapshot-counts.csv, snapshot-previous.csv and
dataset.csv for ``rml/hds.rml.ttl``. The benchmark
times it apart from the RML engine, and reports both.

Usage: python benchmarks/rml_prepare.py REGISTRY.csv --out DIR
"""

from __future__ import annotations

import argparse
import csv
import datetime
import sys
from pathlib import Path

import rdflib
from plain_rdflib import (  # beside this script, which Python puts on sys.path
    ANNUAIRE,
    COUNTRY,
    ROOT,
    read_registry,
    snapshot_counts,
    vocabulary,
)

TABLES = {
    "hosts.csv": [
        "iri",
        "name",
        "siren",
        "siren_iri",
        "positioning",
        "country",
        "synthetic",
        "annuaire",
        "positioning_source",
        "nationality_source",
    ],
    "countries.csv": ["iri", "alpha2", "name"],
    "bodies.csv": ["iri", "name"],
    "certificates.csv": ["iri", "host", "type", "body", "issued", "expires", "snapshot"],
    "activities.csv": ["certificate", "activity"],
    "snapshots.csv": ["iri", "id", "month", "day", "label", "source", "sha256", "first_day", "horizon"],
    "dataset.csv": ["property", "language", "text"],
    "derived.csv": ["snapshot"],
    "snapshot-counts.csv": ["snapshot", "property", "value"],
    "snapshot-previous.csv": ["snapshot", "previous"],
}


def _day_and_horizon(snapshot_id: str) -> list[str]:
    """hds:snapshotDay and hds:expiryHorizon (180 days later): RML cannot add days to a date."""
    if snapshot_id == "undated":
        return ["", ""]
    day = datetime.date.fromisoformat(snapshot_id if len(snapshot_id) == 10 else snapshot_id + "-01")
    return [day.isoformat(), (day + datetime.timedelta(days=180)).isoformat()]


def prepare(registry: Path, out: Path) -> None:
    ontology = rdflib.Graph().parse(ROOT / "ontology" / "hds.ttl", format="turtle")
    model = read_registry(registry, vocabulary(ontology))
    rows = {name: [] for name in TABLES}
    countries = {}
    for host in model.hosts:
        country = host["country"]
        if country:
            countries[COUNTRY + country["alpha3"]] = country
        rows["hosts.csv"].append(
            [
                host["iri"],
                host["name"],
                host["siren"] or "",
                host["iri"] + "#siren" if host["siren"] else "",
                host["positioning"] or "",
                COUNTRY + country["alpha3"] if country else "",
                "true" if host["synthetic"] else "",
                ANNUAIRE + host["siren"] if host["siren"] else "",
                "registry" if host["positioning"] else "",
                "registry" if country else "",
            ]
        )
    rows["countries.csv"] = [[iri, c["alpha2"], c["name"]] for iri, c in sorted(countries.items())]
    rows["bodies.csv"] = [[iri, name] for iri, name in sorted(model.bodies.items())]
    for certificate in model.certificates:
        rows["certificates.csv"].append([certificate[k] or "" for k in TABLES["certificates.csv"]])
        rows["activities.csv"] += [[certificate["iri"], a] for a in certificate["activities"]]
    for snapshot in model.snapshots:
        snapshot_id = snapshot["id"]
        rows["snapshots.csv"].append(
            [
                snapshot["iri"],
                snapshot_id,
                snapshot_id if len(snapshot_id) == 7 else "",
                snapshot_id if len(snapshot_id) == 10 else "",
                "Registry snapshot " + snapshot_id,
                snapshot["source"],
                snapshot["sha256"],
                *_day_and_horizon(snapshot_id),
            ]
        )
    counts, pairs = snapshot_counts(model)  # RML cannot count: done here, like the IRIs
    rows["snapshot-counts.csv"] = [[snapshot, name, str(value)] for snapshot, name, value in counts]
    rows["snapshot-previous.csv"] = [list(pair) for pair in pairs]
    rows["dataset.csv"] = [[prop, lang, text] for prop, lang, text in model.dataset]
    rows["derived.csv"] = [[s["iri"]] for s in model.snapshots] if model.dataset else []
    out.mkdir(parents=True, exist_ok=True)
    for name, columns in TABLES.items():
        with open(out / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows[name])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    prepare(args.registry, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
