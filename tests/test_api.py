"""The Python API: `from hdsgraph import query` gives typed DataFrames, and the module
`hdsgraph.query` stays importable every usual way."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hdsgraph.errors import InputError
from hdsgraph.resources import asset_dir


def test_query_returns_a_typed_dataframe_with_the_build_s_answers(two_snapshots):
    from hdsgraph import query

    frame = query("hosts-by-positioning", source=two_snapshots)
    assert list(frame.columns) == ["positioning", "hosts", "share"]
    assert str(frame["hosts"].dtype) == "int64" and str(frame["share"].dtype) == "float64"
    expected = json.loads((two_snapshots / "answers.json").read_text())["hosts-by-positioning"]
    assert frame.to_dict("records") == expected


def test_dates_come_as_dates(two_snapshots, tmp_path):
    from hdsgraph import query

    rq = tmp_path / "issued.rq"
    rq.write_text(
        "PREFIX hds: <https://w3id.org/hdsgraph/ontology#>\n"
        "SELECT DISTINCT ?issued WHERE { ?c hds:issueDate ?issued } ORDER BY ?issued\n"
    )
    frame = query(str(rq), source=two_snapshots / "hds.ttl")
    assert pd.api.types.is_datetime64_any_dtype(frame["issued"])
    # independently: the issue dates of the bundled registries' kept rows, read with pandas
    quarantine = pd.read_csv(two_snapshots / "quarantine.csv", dtype=str)
    issued = set()
    for path in sorted((asset_dir("seeds") / "registries").glob("*.csv")):
        registry = pd.read_csv(path, dtype=str)
        records = quarantine[quarantine["source"] == path.name]
        # whole rows quarantined, and the rows whose issue date was dropped
        dropped = {int(r) for r in records.loc[records["quarantined"].isin(["row", "issued"]), "row"]}
        kept = registry[[i + 2 not in dropped for i in range(len(registry))]]  # the header is row 1
        issued |= set(kept["issued"].dropna())
    expected = sorted(pd.to_datetime(sorted(issued)))
    assert list(frame["issued"]) == expected


def test_a_snapshot_is_bound_safely(two_snapshots, runner):
    from hdsgraph import query
    from hdsgraph.cli import cli

    older = query("hosts-by-nationality", source=two_snapshots, snapshot="2020-07")
    cli_rows = json.loads(
        runner.invoke(
            cli,
            [
                "query",
                "hosts-by-nationality",
                "--data",
                str(two_snapshots),
                "--snapshot",
                "2020-07",
                "--format",
                "json",
            ],
        ).stdout
    )
    assert older.to_dict("records") == cli_rows
    with pytest.raises(InputError, match=r"^no snapshot '2022-04> } UNION \{ \?x' in this graph"):
        query("hosts-total", source=two_snapshots, snapshot="2022-04> } UNION { ?x")


def test_unknown_query_and_source_raise_input_error(tmp_path):
    from hdsgraph import query

    with pytest.raises(InputError, match="^unknown query 'nope'"):
        query("nope")
    with pytest.raises(InputError, match="no such file or folder"):
        query("hosts-total", source=tmp_path / "missing.ttl")
