"""Defences against hostile input and against what a hostile value could do downstream.

One place for each of them, so that every reader and writer applies the same rule:

- **limits** on what a file may make hdsgraph hold in memory (bytes read, bytes a workbook
  decompresses to, rows, columns, cells, merged-cell spans, XML entity expansion); a file
  beyond one is refused with a message naming the limit, never read until memory runs out;
- **spreadsheet cells**: a CSV cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is a formula to Excel or LibreOffice (OWASP "CSV injection"); every CSV
  hdsgraph writes for people prefixes such a cell with ``'``, which spreadsheets show as
  text. The graph keeps the original value;
- **printable text**: control characters (terminal escape sequences among them) in a
  host's name or a file name are shown as ``\\x1b``-style escapes in everything printed.
"""

from __future__ import annotations

import re

from hdsgraph.errors import InputError

# ---------------------------------------------------------------- limits

MiB = 1024 * 1024
MAX_FILE_BYTES = 512 * MiB  # a registry, an export, a dump: the real registry is well under 1 MiB
MAX_XLSX_UNCOMPRESSED = 256 * MiB  # what the parts of a workbook may decompress to, together
MAX_ROWS = 2_000_000  # rows of one table (an export, a sheet)
MAX_COLUMNS = 1_000  # columns of one table
MAX_CELLS = 20_000_000  # rows x columns of one table, merged cells copied out
MAX_SPANNED_CELLS = 1_000_000  # cells that merged cells (rowspan, colspan, merged ranges) add to a table
MAX_ENTITY_EXPANSION = 1 * MiB  # characters an XML entity may expand to


class LimitError(InputError):
    """A file beyond one of the limits above; the message names it."""


def over(what: str, found: str, limit: int | str, unit: str = "") -> LimitError:
    """``{what}: {found}, over the limit of {limit}{unit}``, the one shape of these messages."""
    shown = f"{limit:,}" if isinstance(limit, int) else limit
    return LimitError(f"{what}: {found}, over the limit of {shown}{unit}")


def too_large(what: str, limit: int = MAX_FILE_BYTES) -> LimitError:
    return LimitError(f"{what}: larger than the limit of {limit // MiB:,} MiB read from one file")


def read_bounded(stream, limit: int = MAX_FILE_BYTES, what: str = "the file") -> bytes:
    """Read a binary stream to its end, refusing to hold more than ``limit`` bytes."""
    chunks, size = [], 0
    while block := stream.read(min(4 * MiB, limit + 1 - size)):
        chunks.append(block)
        size += len(block)
        if size > limit:
            raise too_large(what, limit)
    return b"".join(chunks)


def check_grid(rows: int, columns: int, what: str) -> None:
    """Refuse a table larger than the row, column or cell limit, before it is laid out."""
    if rows > MAX_ROWS:
        raise over(what, f"{rows:,} rows", MAX_ROWS, " rows")
    if columns > MAX_COLUMNS:
        raise over(what, f"{columns:,} columns", MAX_COLUMNS, " columns")
    if rows * columns > MAX_CELLS:
        raise over(what, f"{rows:,} rows x {columns:,} columns", MAX_CELLS, " cells")


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')", re.S)
_REFERENCE = re.compile(rb"[&%]([A-Za-z_][\w.\-]*);")


def check_xml_entities(data: bytes, what: str) -> None:
    """Refuse an XML document whose DTD declares an external entity (XXE: it would read a
    local file or a URL) or entities expanding to more than MAX_ENTITY_EXPANSION
    characters (a "billion laughs"). A document without a DTD passes untouched."""
    if not _DOCTYPE.search(data[: 64 * 1024]):
        return
    values: dict[bytes, bytes] = {}
    for match in _ENTITY.finditer(data):
        name, value = match.group(2), match.group(3)
        if value in (b"SYSTEM", b"PUBLIC"):
            raise LimitError(f"{what}: declares an external XML entity ({name.decode(errors='replace')}), refused")
        values[name] = value[1:-1]
    sizes: dict[bytes, int] = {}

    def size(name: bytes, depth: int = 0) -> int:
        if name not in values:
            return 1
        if name not in sizes:
            if depth > 50:
                raise LimitError(f"{what}: XML entities nested too deeply, refused")
            text = values[name]
            sizes[name] = len(text) + sum(size(ref, depth + 1) for ref in _REFERENCE.findall(text))
        return sizes[name]

    for name in values:
        expanded = size(name)
        if expanded > MAX_ENTITY_EXPANSION:
            raise over(
                what,
                f"XML entity {name.decode(errors='replace')} expands to {expanded:,} characters",
                MAX_ENTITY_EXPANSION,
                " characters of entity expansion",
            )


# ---------------------------------------------------------------- spreadsheet cells

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")  # -3, +1.5e3: a number, no formula


def _formula_like(value: str) -> bool:
    return value.startswith(FORMULA_STARTS) and not _NUMBER.match(value)


def neutralised_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: ``'`` before a string starting like a formula
    (a plain number such as ``-3`` stays a number). Other values are returned unchanged."""
    if isinstance(value, str) and _formula_like(value):
        return QUOTE + value
    return value


def neutralised_csv(frame) -> bytes:
    """A pandas DataFrame as the UTF-8 CSV hdsgraph writes for people (``quarantine.csv``,
    ``unqualified.csv``, proposals...): pandas' own CSV, every text cell neutralised."""
    safe = frame.apply(lambda column: column.map(neutralised_cell) if column.dtype == object else column)
    safe.columns = [neutralised_cell(c) for c in frame.columns]
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def neutralised_value(cell: str) -> str:
    """The value of a cell :func:`neutralised_cell` wrote (a table hdsgraph reads back, such as
    qualify's proposals): the quote off when what follows starts like a formula. Only a value
    that itself began with a quote and a formula sign would lose its quote."""
    return cell[1:] if cell.startswith(QUOTE) and _formula_like(cell[1:]) else cell


# The canonical registry CSV is read back by hdsgraph: its writer and reader undo each other
# exactly. A value starting like a formula, or with the quote itself, gets one more quote in
# front; the reader takes one off any value starting with a quote.


def canonical_cell(value: str) -> str:
    """A canonical CSV cell: neutralised, and reversible by :func:`canonical_value`."""
    return QUOTE + value if _formula_like(value) or value.startswith(QUOTE) else value


def canonical_value(cell: str) -> str:
    """The value of a canonical CSV cell: the inverse of :func:`canonical_cell`."""
    return cell[1:] if cell.startswith(QUOTE) else cell


# ---------------------------------------------------------------- printable text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters (but newlines and tabs) as visible escapes such as
    ``\\x1b``, and bidirectional overrides as ``\\u202e``: nothing printed can move the
    cursor, clear the screen, set the terminal's title or reorder what is shown."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


# ---------------------------------------------------------------- credentials over HTTP


def same_origin(old_url: str, new_url: str) -> bool:
    """Whether two URLs have the same scheme, host and port (the web's "origin")."""
    from urllib.parse import urlsplit

    old, new = urlsplit(old_url), urlsplit(new_url)
    ports = {"http": 80, "https": 443}
    return (old.scheme, old.hostname, old.port or ports.get(old.scheme)) == (
        new.scheme,
        new.hostname,
        new.port or ports.get(new.scheme),
    )


def strict_session():
    """A requests Session that never sends credentials across a redirect to another
    origin: requests already drops ``Authorization`` when the host changes, but keeps it
    from http to https on the same host; this one drops it on any change of scheme, host
    or port, and does not add netrc credentials for the new origin either."""
    import requests

    class StrictSession(requests.Session):
        def should_strip_auth(self, old_url: str, new_url: str) -> bool:
            return not same_origin(old_url, new_url)

        def rebuild_auth(self, prepared_request, response) -> None:
            if not same_origin(response.request.url, prepared_request.url):
                prepared_request.headers.pop("Authorization", None)
                # An auth object's hooks (Digest answers a 401 itself) stay behind too.
                hooks = prepared_request.hooks["response"]
                hooks[:] = [h for h in hooks if not isinstance(getattr(h, "__self__", None), requests.auth.AuthBase)]
                return
            super().rebuild_auth(prepared_request, response)

    return StrictSession()


def strict_opener():
    """A urllib opener with the rule of :func:`strict_session`: a redirect to another origin
    goes without the ``Authorization`` header (urllib's own redirect keeps every header)."""
    import urllib.request

    class StrictRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
            if new is not None and not same_origin(req.full_url, new.full_url):
                new.remove_header("Authorization")
            return new

    return urllib.request.build_opener(StrictRedirects)
