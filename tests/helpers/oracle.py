"""An independent computation of the study's figures with pandas.

It does not use hdsgraph's parsing or identity rules: the generator below knows which host
each row belongs to (``host_id``) and writes that truth beside the registry, so the oracle
works from ground truth, not from name matching.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise
from pathlib import Path

import pandas as pd

ACTIVITIES = range(1, 7)
PHYSICAL = {1, 2}
TYPES = {"physical_infrastructure_host": {1, 2}, "managed_services_host": {3, 4, 5, 6}}


def share(numerator: int, denominator: int) -> float:
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


@dataclass
class Truth:
    """What the generator knows: one row per registry row written."""

    rows: pd.DataFrame  # host_id, name, activities (frozenset), body, issued, expires, snapshot
    # and optionally number (the certificate number, "" for none) and referential ("1.1", "2.0", "")
    hosts: pd.DataFrame  # host_id, positioning, nationality (None when unknown); placement (where they are given)


def _mode(values: pd.Series) -> str:
    counts = values.value_counts()
    best = counts.max()
    return min(counts[counts == best].index)


def figures(truth: Truth) -> dict[str, list[dict]]:
    rows = truth.rows
    latest = max(rows["snapshot"])
    rows = rows[rows["snapshot"] == latest]
    # one certificate listing may be written twice: the same certificate, counted once
    rows = rows.drop_duplicates(["host_id", *listing_keys(rows)])
    hosts = truth.hosts.astype(object).set_index("host_id").loc[sorted(rows["host_id"].unique())]
    total = len(hosts)
    pairs = rows[["host_id", "activities"]].explode("activities").drop_duplicates()
    covered = pairs.groupby("host_id")["activities"].nunique()

    def counted(column: str) -> list[dict]:
        values = hosts[column].fillna("unknown")
        counts = values.value_counts()
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [{column: k, "hosts": int(n), "share": share(int(n), total)} for k, n in ordered]

    coverage = pairs.groupby("activities")["host_id"].nunique()
    distribution = covered.value_counts()
    # The name shown is the spelling most rows use in the host's latest snapshot.
    kept = truth.rows.drop_duplicates(["snapshot", "host_id", *listing_keys(truth.rows)])
    kept = kept.assign(name=kept["name"].map(lambda s: " ".join(s.split())))
    newest = kept.groupby("host_id")["snapshot"].transform("max")
    display = kept[kept["snapshot"] == newest].groupby("host_id")["name"].agg(_mode)
    single = covered[covered == 1].index
    single_rows = sorted(
        (
            {
                "host": display[h],
                "activity": int(pairs.loc[pairs["host_id"] == h, "activities"].iloc[0]),
                "positioning": "unknown" if pd.isna(hosts.loc[h, "positioning"]) else hosts.loc[h, "positioning"],
            }
            for h in single
        ),
        key=lambda r: (r["host"], r["activity"]),
    )
    bodies = rows.assign(body=rows["body"].replace("", "unknown")).groupby("body")["host_id"].nunique()
    listed = _with_certificates(rows)
    certificates = [
        {
            "certificate_type": code,
            "certificates": int(listed.loc[listed["certificate_type"] == code, "certificate"].nunique()),
        }
        for code in sorted(TYPES)
    ]
    return (
        history(truth)
        | today(truth, latest, display)
        | {
            "activity-count-distribution": [
                {
                    "activities": k,
                    "hosts": int(distribution.get(k, 0)),
                    "share": share(int(distribution.get(k, 0)), total),
                }
                for k in ACTIVITIES
            ],
            "activity-coverage": [
                {"activity": a, "hosts": int(coverage.get(a, 0)), "share": share(int(coverage.get(a, 0)), total)}
                for a in ACTIVITIES
            ],
            "certificates-by-type": certificates,
            "hosts-by-certification-body": [
                {"certification_body": b, "hosts": int(n)}
                for b, n in sorted(bodies.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "hosts-by-nationality": counted("nationality"),
            "hosts-by-positioning": counted("positioning"),
            "hosts-total": [{"hosts": total}],
            "mean-activity-coverage": [{"share": share(len(pairs), 6 * total)}],
            "single-activity-hosts": single_rows,
        }
    )


def listing_keys(rows: pd.DataFrame) -> list[str]:
    """What makes two rows of one snapshot the same listing, written twice."""
    return ["activities", "body", "issued", "expires", *(c for c in ("number", "referential") if c in rows)]


def _with_certificates(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per certificate listing: a numbered row is its number's certificate (of both
    types when its activities span both ranges, and the same one on every row with that
    number); an unnumbered row is one certificate per type it covers."""
    rows = rows.assign(
        number=rows["number"] if "number" in rows else "",
        referential=rows["referential"] if "referential" in rows else "",
    )
    out = []
    for row in rows.to_dict("records"):
        for code, acts in sorted(TYPES.items()):
            if row["activities"] & acts:
                identity = (
                    ("number", row["number"].casefold())
                    if row["number"]
                    else (
                        code,
                        frozenset(row["activities"] & acts),
                        row["body"],
                        row["issued"],
                        row["expires"],
                        row["referential"],
                    )
                )
                out.append(row | {"certificate_type": code, "certificate": (row["host_id"], identity)})
    return pd.DataFrame(out)


def today(truth: Truth, latest: str, display: pd.Series) -> dict[str, list[dict]]:
    """hosts-by-referential, hosts-by-certificate-types and certificates-expiring, for the latest snapshot."""
    rows = truth.rows[truth.rows["snapshot"] == latest]
    certificates = _with_certificates(rows.drop_duplicates(["host_id", *listing_keys(rows)]))
    total = certificates["host_id"].nunique()

    def counted(per_host: pd.Series, column: str) -> list[dict]:
        counts = per_host.value_counts()
        return [{column: k, "hosts": int(n), "share": share(int(n), total)} for k, n in sorted(counts.items())]

    def referential(group: pd.DataFrame) -> str:
        versions = group.drop_duplicates("certificate")["referential"]
        return "1.1" if (versions == "1.1").any() else "2.0" if (versions == "2.0").all() else "unknown"

    def types(codes: pd.Series) -> str:
        kinds = set(codes)
        return "both" if len(kinds) == 2 else kinds.pop()

    day = dt.date.fromisoformat(latest if len(latest) == 10 else latest + "-01")
    horizon = day + dt.timedelta(days=180)
    soon = certificates[certificates["expires"].map(lambda e: bool(e) and day <= dt.date.fromisoformat(e) <= horizon)]
    expiring = (
        soon.assign(
            host=soon["host_id"].map(display),
            certificate_number=soon["number"].map(lambda n: n or "unknown"),
        )
        .groupby(["host", "certificate_number", "expires"])["certificate"]
        .nunique()
    )
    return {
        "hosts-by-referential": counted(
            certificates.groupby("host_id")[["certificate", "referential"]].apply(referential), "referential"
        ),
        "hosts-by-certificate-types": counted(
            certificates.groupby("host_id")["certificate_type"].agg(types), "certificate_types"
        ),
        "certificates-expiring": sorted(
            (
                {"host": host, "certificate_number": number, "expires": expires, "certificates": int(n)}
                for (host, number, expires), n in expiring.items()
            ),
            key=lambda r: (r["expires"], r["host"], r["certificate_number"]),
        ),
    }


def qualification_sources(truth: Truth) -> dict[str, list[dict]]:
    """queries/qualification-sources.rq: what the registry holds is stated by the registry,
    what the qualification table holds is a person's, the rest is unknown."""
    rows = truth.rows[truth.rows["snapshot"] == max(truth.rows["snapshot"])]
    hosts = truth.hosts.astype(object).set_index("host_id").loc[sorted(rows["host_id"].unique())]
    given = hosts["placement"].map(lambda p: "registry" if p == "registry" else "reviewed")
    found = []
    for axis in ("nationality", "positioning"):
        source = given.where(hosts[axis].notna(), "unknown")
        found += [
            {"axis": axis, "source": k, "hosts": int(n), "share": share(int(n), len(hosts))}
            for k, n in sorted(source.value_counts().items())
        ]
    return {"qualification-sources": found}


def history(truth: Truth) -> dict[str, list[dict]]:
    """The answers that span every snapshot: hosts-by-snapshot, changes-between-snapshots."""
    pairs = truth.rows[["snapshot", "host_id", "activities"]].explode("activities").drop_duplicates()
    covered = pairs.groupby(["snapshot", "host_id"])["activities"].nunique()
    nationality = truth.hosts.astype(object).set_index("host_id")["nationality"]
    listed, by_snapshot = {}, []
    for snapshot in sorted(truth.rows["snapshot"].unique()):
        counts = covered.loc[snapshot]
        ids = list(counts.index)
        listed[snapshot] = set(ids)
        french = int((nationality.loc[ids] == "FR").sum())
        by_snapshot.append(
            {
                "snapshot": snapshot,
                "hosts": len(ids),
                "all_six_share": share(int((counts == 6).sum()), len(ids)),
                "single_activity_hosts": int((counts == 1).sum()),
                "fr_share": share(french, len(ids)),
            }
        )
    order = sorted(listed)
    changes = [
        {
            "from": a,
            "to": b,
            "new_hosts": len(listed[b] - listed[a]),
            "lapsed_hosts": len(listed[a] - listed[b]),
            "continuing_hosts": len(listed[a] & listed[b]),
        }
        for a, b in pairwise(order)
    ]
    return {"hosts-by-snapshot": by_snapshot, "changes-between-snapshots": changes}


# The canonical registry columns the small test registries are written with.
REGISTRY_HEADER = [
    "host",
    "siren",
    "activities",
    "certification_body",
    "issued",
    "expires",
    "positioning",
    "nationality",
    "synthetic",
]


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def name_variants(base: str) -> list[str]:
    """Spellings of one host's name that hdsgraph must read as the same host (case, accents, legal forms)."""
    plain = base.replace("é", "e").replace("É", "E").replace("ô", "o")
    return [base, base.upper(), base.lower(), f"{base} SAS", f"{plain} S.A.S.", f"  {base}  ", f"{base} sarl"]
