"""What ``hdsgraph serve`` must know about a query before Oxigraph runs it.

A small lexer, after the SPARQL 1.1 grammar's terminals (IRIs, strings, comments,
variables, language tags, names): it finds the keywords that matter outside strings,
IRIs and comments, without parsing the query.

- ``FROM`` (and ``FROM NAMED``): a query that names its dataset is run on that dataset,
  not on the union of the graphs;
- ``SERVICE``: the address of every federated part, resolved with the query's ``BASE``
  and ``PREFIX`` declarations, so that the endpoint sends requests only to the hosts the
  operator allows (server-side request forgery otherwise);
- the nesting depth of brackets: Oxigraph's parser overflows its stack (the worker
  dies) on a few thousand nested parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

MAX_NESTING = 256  # brackets deep; a query someone writes nests a few levels

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<var>[?$]\w*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<name>(?:[\w:.\-%]|\\.)+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_OPEN, _CLOSE = "({[", ")}]"


class QueryRefused(ValueError):
    """A query the endpoint will not run, with the reason (an HTTP 400 or 403)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class QueryText:
    has_dataset: bool = False  # FROM or FROM NAMED
    services: list[str] = field(default_factory=list)  # the SERVICE addresses, resolved
    unresolved_service: str = ""  # a SERVICE whose address cannot be known before running
    depth: int = 0


def _tokens(text: str):
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind not in ("space", "comment"):
            yield kind, match.group()


def inspect(text: str, base: str | None = None) -> QueryText:
    """The dataset clauses, SERVICE addresses and nesting depth of a query's text."""
    found = QueryText()
    prefixes: dict[str, str] = {}
    tokens = list(_tokens(text))
    depth = 0
    for i, (kind, value) in enumerate(tokens):
        if kind == "other":
            if value in _OPEN:
                depth += 1
                found.depth = max(found.depth, depth)
            elif value in _CLOSE:
                depth -= 1
            continue
        if kind != "name":
            continue
        word = value.upper()
        following = tokens[i + 1 : i + 4]
        if word == "FROM":
            found.has_dataset = True
        elif word == "BASE" and following and following[0][0] == "iri":
            base = urljoin(base or "", following[0][1][1:-1])
        elif word == "PREFIX" and len(following) >= 2 and following[0][0] == "name" and following[1][0] == "iri":
            prefixes[following[0][1]] = urljoin(base or "", following[1][1][1:-1])
        elif word == "SERVICE":
            if following and following[0][0] == "name" and following[0][1].upper() == "SILENT":
                following = following[1:]
            target = following[0] if following else ("other", "")
            address = _address(target, base, prefixes)
            if address is None:
                found.unresolved_service = found.unresolved_service or target[1] or "(nothing)"
            else:
                found.services.append(address)
    return found


def _address(token: tuple[str, str], base: str | None, prefixes: dict[str, str]) -> str | None:
    kind, value = token
    if "\\" in value:  # an escape could hide the real address
        return None
    if kind == "iri":
        return urljoin(base or "", value[1:-1])
    if kind == "name" and ":" in value:
        prefix, _, local = value.partition(":")
        if prefix + ":" in prefixes:
            return prefixes[prefix + ":"] + local
    return None


def check_query(text: str, allowed_services: frozenset[str], base: str | None = None) -> QueryText:
    """The query's facts, or QueryRefused: too deep, or a SERVICE to a host not allowed."""
    found = inspect(text, base)
    if found.depth > MAX_NESTING:
        raise QueryRefused(f"the query nests brackets {found.depth} deep; this endpoint takes at most {MAX_NESTING}")
    if found.unresolved_service:
        raise QueryRefused(
            f"SERVICE {found.unresolved_service}: federated queries need a plain address written in the query "
            "(an IRI without escapes, or a declared prefix), not a variable",
            403,
        )
    for address in found.services:
        parts = urlsplit(address)
        host = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError:
            port = None
        if parts.scheme not in ("http", "https") or not (
            host in allowed_services or (port is not None and f"{host}:{port}" in allowed_services)
        ):
            hint = (
                "this endpoint allows none (start it with --allow-service HOST)"
                if not allowed_services
                else "this endpoint allows only " + ", ".join(sorted(allowed_services))
            )
            raise QueryRefused(f"SERVICE <{address}>: federated queries to this host are refused; {hint}", 403)
    return found
