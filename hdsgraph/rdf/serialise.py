"""Serialise: sorted N-Triples -> Turtle and compact JSON-LD, byte-stable.

Turtle is written by pyoxigraph from the sorted triples, so subjects come out grouped and
in order. JSON-LD is compacted here, streaming, against a context: for the dumps
``hdsgraph/data/context.jsonld``, one node object per subject with short keys (``name``,
``activities``, ``issued``...), so that the file reads as plain JSON and still parses to
the very same graph; for the catalogue, a context of prefixes only. The prefixes come from
the one table, ``hdsgraph.rdf.namespaces.PREFIXES``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hdsgraph.rdf.namespaces import GRAPH_PREFIXES, RDF, XSD
from hdsgraph.resources import data_file


def ntriples_bytes(lines: Iterable[str]) -> bytes:
    return "".join(f"{line} .\n" for line in lines).encode("utf-8")


def parse_ntriples(nt: bytes | Path):
    """The triples of N-Triples given as bytes or as a file."""
    if isinstance(nt, Path):
        return ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    return ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)


def to_turtle(nt: bytes | Path, output: Path | None = None, prefixes: dict[str, str] = GRAPH_PREFIXES) -> bytes | None:
    """Turtle bytes, or written to ``output`` as it is made (then None)."""
    triples = parse_ntriples(nt)
    if output is not None:
        ox.serialize(triples, str(output), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        return None
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


@cache
def jsonld_context() -> dict:
    return json.loads(data_file("context.jsonld").read_text(encoding="utf-8"))


def prefix_context(prefixes: dict[str, str]) -> dict:
    """A JSON-LD context of prefixes only (keys then stay compact IRIs: ``dct:title``)."""
    return dict(sorted(prefixes.items()))


def _context_tables(context: dict) -> tuple[dict[str, str], dict[str, list[tuple[str, dict]]]]:
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and not v.startswith("@")}

    def expand(value: str) -> str:
        if value.startswith("@"):
            return value
        prefix, _, rest = value.partition(":")
        return prefixes[prefix] + rest if prefix in prefixes else value

    terms: dict[str, list[tuple[str, dict]]] = {}
    for term, definition in context.items():
        if isinstance(definition, dict):
            resolved = {k: expand(v) for k, v in definition.items()}
            terms.setdefault(resolved["@id"], []).append((term, resolved))
    return prefixes, terms


def _compact_iri(value: str, prefixes: dict[str, str]) -> str:
    best = ""
    for prefix, namespace in prefixes.items():
        if value.startswith(namespace) and len(namespace) > len(prefixes.get(best, "")):
            rest = value[len(namespace) :]
            if rest and not rest.startswith("//"):
                best = prefix
    return f"{best}:{value[len(prefixes[best]) :]}" if best else value


def _native(term: ox.Literal):
    """A literal JSON can carry natively without changing the graph, or None."""
    kind = term.datatype.value
    if kind == XSD + "boolean" and term.value in ("true", "false"):
        return term.value == "true"
    if kind == XSD + "integer" and re.fullmatch(r"-?(0|[1-9][0-9]*)", term.value):
        return int(term.value)
    return None


def _compact_value(obj, definition: dict | None, prefixes: dict[str, str]):
    """(key kind, value) for one object under a term definition; None if the term does not fit."""
    coercion = (definition or {}).get("@type")
    container = (definition or {}).get("@container")
    if isinstance(obj, ox.NamedNode):
        if coercion == "@id":
            return _compact_iri(obj.value, prefixes)
        if definition is None:
            return {"@id": _compact_iri(obj.value, prefixes)}
        return None
    if isinstance(obj, ox.BlankNode):
        raise ValueError("the graph has a blank node; hdsgraph dumps have none")
    if obj.language:
        if container == "@language":
            return ("@language", obj.language, obj.value)
        if definition is None:
            return {"@value": obj.value, "@language": obj.language}
        return None
    datatype = obj.datatype.value
    if coercion is not None or container == "@language":
        return obj.value if coercion == datatype else None
    if datatype == XSD + "string":
        return obj.value
    native = _native(obj)
    if native is not None:
        return native
    if definition is None:
        return {"@value": obj.value, "@type": _compact_iri(datatype, prefixes)}
    return None


def to_jsonld(nt: bytes | Path, output: Path | None = None, context: dict | None = None) -> bytes | None:
    """Compact JSON-LD: the context, then one node object per subject, one per line (so
    that the file diffs line by line, and json's fast encoder writes each node).

    ``context`` is the ``@context`` (default: ``data/context.jsonld``'s; see
    ``prefix_context``). The N-Triples come sorted, so a subject's triples are
    consecutive: each node is written as soon as the next subject starts, and only one
    node is held at a time. With ``output``, the file is written as it is made (and None
    returned).
    """
    context = jsonld_context()["@context"] if context is None else context
    if output is not None:
        with open(output, "w", encoding="utf-8") as handle:
            for piece in _jsonld_pieces(nt, context):
                handle.write(piece)
        return None
    return "".join(_jsonld_pieces(nt, context)).encode("utf-8")


def _jsonld_pieces(nt: bytes | Path, context: dict):
    """The JSON-LD document, a piece at a time: the context, then one node per line."""
    prefixes, terms = _context_tables(context)
    set_keys = {term for candidates in terms.values() for term, d in candidates if d.get("@container") == "@set"}
    id_key = next((k for k, v in context.items() if v == "@id"), "@id")
    type_key = next((k for k, v in context.items() if v == "@type"), "@type")
    rdf_type = RDF + "type"
    compact = _IriCompactor(prefixes)
    candidates_of: dict[str, list] = {}
    iri_values: dict[tuple[str, str], tuple[str, object]] = {}
    head = json.dumps({"@context": context}, ensure_ascii=False, indent=1)
    yield head[:-2] + ',\n "@graph": [\n'
    separator = ""
    subject: str | None = None
    node: dict[str, Any] = {}
    for triple in parse_ntriples(nt):
        if triple.subject.value != subject:
            if subject is not None:
                yield separator + _node_line(node, set_keys, id_key)
                separator = ",\n"
            subject = triple.subject.value
            node = {id_key: compact(subject)}
        predicate, obj = triple.predicate.value, triple.object
        if predicate == rdf_type and isinstance(obj, ox.NamedNode):
            node.setdefault(type_key, []).append(compact(obj.value))
            continue
        if isinstance(obj, ox.NamedNode):  # the same IRI objects recur: compact each once per predicate
            key = (predicate, obj.value)
            found = iri_values.get(key)
            if found is None:
                found = iri_values[key] = _place(obj, predicate, terms, candidates_of, prefixes)
        else:
            found = _place(obj, predicate, terms, candidates_of, prefixes)
        term, value = found
        if isinstance(value, tuple):  # a language map
            node.setdefault(term, {}).setdefault(value[1], []).append(value[2])
        else:
            node.setdefault(term, []).append(value)
    if subject is not None:
        yield separator + _node_line(node, set_keys, id_key)
    yield "\n ]\n}\n"


def _node_line(node: dict, set_keys: set[str], id_key: str) -> str:
    for key, values in node.items():
        if key == id_key:
            continue
        if isinstance(values, dict):  # language map
            node[key] = {lang: texts[0] if len(texts) == 1 else texts for lang, texts in sorted(values.items())}
        elif len(values) == 1 and key not in set_keys:
            node[key] = values[0]
    return json.dumps(node, ensure_ascii=False, separators=(", ", ": "))


def _place(obj, predicate: str, terms, candidates_of: dict, prefixes) -> tuple[str, object]:
    """The key and value one object takes in its subject's node object."""
    candidates = candidates_of.get(predicate)
    if candidates is None:
        candidates = candidates_of[predicate] = terms.get(predicate, []) + [(_compact_iri(predicate, prefixes), None)]
    for term, definition in candidates:
        value = _compact_value(obj, definition, prefixes)
        if value is not None:
            return term, value
    raise AssertionError("the compact IRI key takes any value")


class _IriCompactor:
    """``_compact_iri`` with a memory for the IRIs that recur (vocabulary, snapshots)."""

    def __init__(self, prefixes: dict[str, str]):
        self.prefixes = prefixes
        self.seen: dict[str, str] = {}
        self.namespaces = tuple(prefixes.values())

    def __call__(self, value: str) -> str:
        if not value.startswith(self.namespaces):
            return value  # data IRIs under the base stay whole
        found = self.seen.get(value)
        if found is None:
            found = self.seen[value] = _compact_iri(value, self.prefixes)
        return found
