"""RDF terms as N-Triples text, and the one check of an http(s) IRI."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from hdsgraph.errors import InputError
from hdsgraph.rdf.namespaces import XSD


def iri(value: str) -> str:
    return f"<{value}>"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t]')


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    text = '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], value) + '"'
    if lang:
        return f"{text}@{lang}"
    if datatype and datatype != XSD + "string":
        return f"{text}^^<{datatype}>"
    return text


def check_http(value: str, what: str, noun: str = "IRI", endings: tuple[str, ...] = ()) -> str:
    """An absolute http(s) IRI with nothing to escape, ending with one of ``endings``."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"[\s<>\"{}|\\^`]", value):
        raise InputError(f"{what} {value!r} is not an absolute http(s) {noun}")
    if endings and not value.endswith(endings):
        raise InputError(f"{what} {value!r} must end with {' or '.join(repr(e) for e in endings)}")
    return value


def check_base_uri(base: str) -> str:
    """The base of the data IRIs: they are made by appending to it."""
    return check_http(base, "base URI", "IRI", ("/", "#"))
