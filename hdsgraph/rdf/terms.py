"""RDF terms as N-Triples text, and the one check of an IRI or URL (http(s), or any scheme)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyoxigraph as ox

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


HTTP_SCHEMES = ("http", "https")
NOT_HTTP = "{what} {value!r} is not an absolute http(s) {noun}"
NOT_ENDED = "{what} {value!r} must end with {endings}"


def check_http(
    value: str,
    what: str,
    noun: str = "IRI",
    endings: tuple[str, ...] = (),
    *,
    any_scheme: bool = False,
    well_formed: bool = True,
    credentials: str | None = None,
    invalid: str = NOT_HTTP,
    unended: str = NOT_ENDED,
) -> str:
    """The one check of an IRI or URL that hdsgraph is given; returns it unchanged.

    It must be absolute, with the http or https scheme and a host (or, with ``any_scheme``,
    any scheme: a graph name may be a ``urn:``), and end with one of ``endings`` when they
    are given (a base that IRIs are made by appending to, a folder's URL).
    ``well_formed``: it must also be an IRI by Oxigraph's parser (no space, ``<``, ``"``,
    bad percent-escape...), because it is written into RDF or SPARQL; False for a URL that
    is only requested (an endpoint), which is left to the HTTP client.
    ``credentials``: refuse a URL carrying a user or password, with this message.
    The messages are templates over ``{what}``, ``{value}``, ``{noun}``, ``{endings}`` and
    (for ``credentials``) ``{bare}``, the URL without its user and password.
    """
    try:
        parts = urlsplit(value)
        if well_formed:
            ox.NamedNode(value)
        usable = any_scheme or (parts.scheme in HTTP_SCHEMES and bool(parts.hostname))
    except ValueError:  # not an IRI, or a broken [IPv6] host
        usable = False
    fields = {"what": what, "value": value, "noun": noun, "endings": " or ".join(repr(e) for e in endings)}
    if not usable:
        raise InputError(invalid.format(**fields))
    if endings and not value.endswith(endings):
        raise InputError(unended.format(**fields))
    if credentials is not None and (parts.username is not None or parts.password is not None):
        raise InputError(credentials.format(bare=without_userinfo(value), **fields))
    return value


def without_userinfo(url: str) -> str:
    """A URL fit for a message: without any user or password it may carry."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def check_base_uri(base: str) -> str:
    """The base of the data IRIs: they are made by appending to it."""
    return check_http(base, "base URI", "IRI", ("/", "#"))
