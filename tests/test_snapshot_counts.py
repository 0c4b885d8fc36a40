"""The per-snapshot facts (hds:previousSnapshot, hds:hostCount and the other counts) that
the history questions read: on a built history they give the answers a join over every
listing gives, and a wrong host count is reported by validation.

The listing-based queries below are the two history questions as they were written before
the counts existed (each host of each snapshot joined with its certificates listed there);
they read nothing but listings, so they are an independent reference for the counts."""

from __future__ import annotations

import csv
import re
import zlib

import pytest
from click.testing import CliRunner

from hdsgraph.cli import cli
from hdsgraph.pipeline.answers import run_select, study_queries
from hdsgraph.pipeline.build import build
from hdsgraph.pipeline.validate import VIOLATION_QUERY_SHAPE, validate
from hdsgraph.rdf.namespaces import HDS
from hdsgraph.rdf.store import load_store, open_store

HOSTS_BY_SNAPSHOT_OVER_LISTINGS = """
PREFIX hds: <https://w3id.org/hdsgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT ?snapshot (COUNT(?host) AS ?hosts)
       (xsd:decimal(SUM(IF(?covered = 6, 1, 0))) / COUNT(?host) AS ?all_six_share)
       (SUM(IF(?covered = 1, 1, 0)) AS ?single_activity_hosts)
       (xsd:decimal(SUM(IF(BOUND(?french), 1, 0))) / COUNT(?host) AS ?fr_share)
WHERE {
  { SELECT ?listing ?host (COUNT(DISTINCT ?activity) AS ?covered) WHERE {
      ?listing a hds:RegistrySnapshot .
      ?host a hds:Host ; hds:listedIn ?listing ; hds:holds ?certificate .
      ?certificate hds:listedIn ?listing ; hds:activity ?activity .
    } GROUP BY ?listing ?host }
  ?listing hds:snapshotId ?snapshot .
  OPTIONAL { ?host hds:nationality ?french . ?french skos:notation "FR" }
}
GROUP BY ?snapshot
ORDER BY ?snapshot
"""

CHANGES_OVER_LISTINGS = """
PREFIX hds: <https://w3id.org/hdsgraph/ontology#>
SELECT ?from ?to
       (SUM(IF(BOUND(?in_later) && !BOUND(?in_earlier), 1, 0)) AS ?new_hosts)
       (SUM(IF(BOUND(?in_earlier) && !BOUND(?in_later), 1, 0)) AS ?lapsed_hosts)
       (SUM(IF(BOUND(?in_earlier) && BOUND(?in_later), 1, 0)) AS ?continuing_hosts)
WHERE {
  { SELECT ?from (MIN(?later_id) AS ?to) WHERE {
      ?earlier a hds:RegistrySnapshot ; hds:snapshotId ?from .
      ?later a hds:RegistrySnapshot ; hds:snapshotId ?later_id .
      FILTER(STR(?from) < STR(?later_id))
    } GROUP BY ?from }
  ?e hds:snapshotId ?from . ?l hds:snapshotId ?to .
  ?host a hds:Host .
  OPTIONAL { ?host hds:listedIn ?e . BIND(1 AS ?in_earlier) }
  OPTIONAL { ?host hds:listedIn ?l . BIND(1 AS ?in_later) }
}
GROUP BY ?from ?to
ORDER BY ?from
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A synthetic history of 8 monthly snapshots (30 to 60 hosts, some of unknown
    nationality), built -> the build folder."""
    folder = tmp_path_factory.mktemp("snapshot-counts")
    args = ["synth", "--history", "8", "--first-hosts", "30", "--hosts", "60", "--snapshot", "2025-06"]
    result = CliRunner().invoke(cli, [*args, "--seed", "5", "--out", str(folder / "registry")])
    assert result.exit_code == 0, result.output
    for path in sorted((folder / "registry").glob("*.csv")):  # some hosts of unknown nationality
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            if zlib.crc32(row["host"].encode()) % 3 == 0:
                row["nationality"] = ""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    report = build([folder / "registry"], out=folder / "dist")
    assert report.validation.conforms
    return folder / "dist"


def test_the_history_questions_give_what_the_listings_give(history):
    store = open_store(history)
    queries = study_queries()
    for name, reference in (
        ("hosts-by-snapshot", HOSTS_BY_SNAPSHOT_OVER_LISTINGS),
        ("changes-between-snapshots", CHANGES_OVER_LISTINGS),
    ):
        expected = run_select(store, reference, None, name)
        found = run_select(store, queries[name].read_text(encoding="utf-8"), None, name)
        assert found.columns == expected.columns, name
        assert found.rows == expected.rows, name
        assert len(found.rows) == (8 if name == "hosts-by-snapshot" else 7), name
    shares = [r["fr_share"] for r in run_select(store, HOSTS_BY_SNAPSHOT_OVER_LISTINGS).rows]
    unknown = run_select(
        store,
        f"SELECT (COUNT(?h) AS ?n) WHERE {{ ?h a <{HDS}Host> FILTER NOT EXISTS {{ ?h <{HDS}nationality> ?c }} }}",
    ).rows[0]["n"]
    assert unknown > 0 and all(0 < s < 1 for s in shares)  # unknown nationality is in the data, and not French


def test_every_snapshot_but_the_first_names_the_one_before(history):
    store = open_store(history)
    rows = run_select(
        store,
        f"""SELECT ?id ?before WHERE {{ ?s <{HDS}snapshotId> ?id .
              OPTIONAL {{ ?s <{HDS}previousSnapshot>/<{HDS}snapshotId> ?before }} }} ORDER BY ?id""",
    ).rows
    ids = [r["id"] for r in rows]
    assert [r["before"] for r in rows] == [None, *ids[:-1]]


def test_a_wrong_host_count_is_reported(history):
    nt = (history / "hds.nt").read_bytes()
    line = re.search(rb"^(<[^>]+/snapshot/2025-03>) <" + HDS.encode() + rb"hostCount> \"(\d+)\"", nt, re.M)
    assert line is not None
    snapshot, count = line.group(1).decode()[1:-1], int(line.group(2))
    wrong = nt.replace(line.group(0), line.group(0).replace(f'"{count}"'.encode(), f'"{count + 1}"'.encode()))
    assert wrong != nt
    result = validate(wrong, load_store(wrong))
    found = [(v.focus, v.value, v.message, v.source) for v in result.violations]
    assert found == [
        (
            snapshot,
            str(count + 1),
            f"the snapshot states {count + 1} hosts listed, but lists {count}",
            VIOLATION_QUERY_SHAPE + "snapshot-count-violation",
        )
    ]
    assert not result.conforms
