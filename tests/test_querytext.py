"""The lexer `hdsgraph serve` reads queries with before running them: dataset clauses,
SERVICE addresses and nesting, found outside strings, IRIs and comments only."""

from __future__ import annotations

import pytest

from hdsgraph.sparql.querytext import MAX_NESTING, QueryRefused, check_query, inspect

BASE = "https://w3id.org/hdsgraph/"


@pytest.mark.parametrize(
    "query, has_dataset",
    [
        ("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }", True),
        ("select * from named <urn:g> { graph ?g { ?s ?p ?o } }", True),
        ("CONSTRUCT { ?s ?p ?o } FROM <urn:g> WHERE { ?s ?p ?o }", True),
        ('SELECT * WHERE { ?s ?p "FROM <urn:g>" }', False),
        ("SELECT * WHERE { ?s ?p '''x\nFROM <urn:g>''' }", False),
        ("SELECT * WHERE { ?s ?p ?o } # FROM <urn:g>", False),
        ("SELECT * WHERE { <http://x/FROM> ?p ?from }", False),
        ("PREFIX from: <urn:f#> SELECT * WHERE { ?s from:x ex:from, ex:a.from, _:from }", False),
        ('SELECT * WHERE { ?s ?p "x"@from }', False),
    ],
)
def test_dataset_clauses_are_found_only_where_they_are(query, has_dataset):
    assert inspect(query).has_dataset is has_dataset


@pytest.mark.parametrize(
    "query, services",
    [
        ("SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
        ("SELECT * WHERE { service silent <http://a.example/q> { ?s ?p ?o } }", ["http://a.example/q"]),
        ("PREFIX e: <http://b.example/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }", ["http://b.example/sparql"]),
        ("BASE <http://c.example/x/> SELECT * WHERE { SERVICE <../q> { ?s ?p ?o } }", ["http://c.example/q"]),
        ("SELECT * WHERE { SERVICE#comment\n<http://d.example/>{?s ?p ?o} }", ["http://d.example/"]),
        ("SELECT * WHERE { SERVICE <q> { ?s ?p ?o } }", [BASE + "q"]),  # relative: against the data's base
        ('SELECT * WHERE { ?s ?p "SERVICE <http://e.example/>" }', []),
    ],
)
def test_service_addresses_are_resolved(query, services):
    assert inspect(query, BASE).services == services


ALLOWED = frozenset({"a.example", "127.0.0.1:9999"})


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "SELECT * WHERE { SERVICE <http://b.example/sparql> { ?s ?p ?o } }",
            "SERVICE <http://b.example/sparql>: federated queries to this host are refused; "
            "this endpoint allows only 127.0.0.1:9999, a.example",
        ),
        (
            "SELECT * WHERE { SERVICE <http://127.0.0.1:9998/sparql> { ?s ?p ?o } }",
            "SERVICE <http://127.0.0.1:9998/sparql>: federated queries to this host are refused; "
            "this endpoint allows only 127.0.0.1:9999, a.example",
        ),
        (
            "SELECT * WHERE { SERVICE <ftp://a.example/> { ?s ?p ?o } }",
            "SERVICE <ftp://a.example/>: federated queries to this host are refused; "
            "this endpoint allows only 127.0.0.1:9999, a.example",
        ),
        (
            "SELECT * WHERE { VALUES ?e { <http://a.example/> } SERVICE ?e { ?s ?p ?o } }",
            "SERVICE ?e: federated queries need a plain address written in the query "
            "(an IRI without escapes, or a declared prefix), not a variable",
        ),
        (
            r"SELECT * WHERE { SERVICE <http://a.example\u002f> { ?s ?p ?o } }",
            r"SERVICE <http://a.example\u002f>: federated queries need a plain address written in the query "
            "(an IRI without escapes, or a declared prefix), not a variable",
        ),
    ],
)
def test_services_outside_the_allowed_hosts_are_refused(query, message):
    with pytest.raises(QueryRefused) as refused:
        check_query(query, ALLOWED, BASE)
    assert (str(refused.value), refused.value.status) == (message, 403)


def test_allowed_services_pass_and_none_is_allowed_by_default():
    query = "SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } SERVICE <http://127.0.0.1:9999/q> {} }"
    assert check_query(query, ALLOWED, BASE).services == ["http://a.example/sparql", "http://127.0.0.1:9999/q"]
    with pytest.raises(QueryRefused) as refused:
        check_query(query, frozenset(), BASE)
    assert str(refused.value) == (
        "SERVICE <http://a.example/sparql>: federated queries to this host are refused; "
        "this endpoint allows none (start it with --allow-service HOST)"
    )


def test_deep_nesting_is_refused_before_the_parser_overflows():
    deep = "SELECT * WHERE { FILTER(" + "(" * (MAX_NESTING + 10) + "1" + ")" * (MAX_NESTING + 10) + ") }"
    with pytest.raises(QueryRefused) as refused:
        check_query(deep, frozenset())
    assert (
        str(refused.value)
        == f"the query nests brackets {MAX_NESTING + 12} deep; this endpoint takes at most {MAX_NESTING}"
    )
    assert refused.value.status == 400
    fine = "SELECT * WHERE { FILTER(" + "(" * 50 + "1" + ")" * 50 + ") }"
    assert check_query(fine, frozenset()).depth == 52
