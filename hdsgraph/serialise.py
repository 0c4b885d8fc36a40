"""Serialise: sorted N-Triples -> Turtle and compact JSON-LD, byte-stable.

Turtle is written by pyoxigraph from the sorted triples, so subjects come out grouped and
in order. JSON-LD is compacted here against ``hdsgraph/data/context.jsonld``: one node
object per subject with short keys (``name``, ``activities``, ``issued``...), so that the
file reads as plain JSON and still parses to the very same graph.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Iterable

import pyoxigraph as ox

from hdsgraph.resources import data_file
from hdsgraph.vocab import PREFIXES, XSD


def ntriples_bytes(lines: Iterable[str]) -> bytes:
    return "".join(f"{line} .\n" for line in lines).encode("utf-8")


def to_turtle(nt: bytes) -> bytes:
    triples = ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


@lru_cache(maxsize=None)
def jsonld_context() -> dict:
    return json.loads(data_file("context.jsonld").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _context_tables() -> tuple[dict[str, str], dict[str, list[tuple[str, dict]]]]:
    context = jsonld_context()["@context"]
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
            rest = value[len(namespace):]
            if rest and not rest.startswith("//"):
                best = prefix
    return f"{best}:{value[len(prefixes[best]):]}" if best else value


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


def to_jsonld(nt: bytes) -> bytes:
    prefixes, terms = _context_tables()
    nodes: dict[str, dict] = {}
    for triple in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
        subject = triple.subject.value
        node = nodes.setdefault(subject, {"id": _compact_iri(subject, prefixes)})
        predicate = triple.predicate.value
        if predicate == PREFIXES["rdf"] + "type" and isinstance(triple.object, ox.NamedNode):
            node.setdefault("type", []).append(_compact_iri(triple.object.value, prefixes))
            continue
        for term, definition in terms.get(predicate, []) + [(_compact_iri(predicate, prefixes), None)]:
            value = _compact_value(triple.object, definition, prefixes)
            if value is None:
                continue
            if isinstance(value, tuple):  # a language map
                _, language, text = value
                node.setdefault(term, {}).setdefault(language, []).append(text)
            else:
                node.setdefault(term, []).append(value)
            break
    graph = []
    for node in nodes.values():
        compacted = {}
        for key, values in node.items():
            if key == "id":
                compacted[key] = values
            elif isinstance(values, dict):  # language map
                compacted[key] = {lang: texts[0] if len(texts) == 1 else texts for lang, texts in sorted(values.items())}
            else:
                container = dict(terms.get(_term_iri(key, prefixes), [])).get(key, {}).get("@container")
                compacted[key] = values if (container == "@set" or len(values) > 1) else values[0]
        graph.append(compacted)
    document = {"@context": jsonld_context()["@context"], "@graph": graph}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _term_iri(key: str, prefixes: dict[str, str]) -> str:
    context = jsonld_context()["@context"]
    definition = context.get(key)
    if isinstance(definition, dict):
        prefix, _, rest = definition["@id"].partition(":")
        return prefixes.get(prefix, prefix + ":") + rest
    return ""
