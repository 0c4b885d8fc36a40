"""Read every table of an export: an HTML page, a CSV/TSV file, an XLSX workbook or JSON records.

Whatever the format, a table comes out as a grid of text cells: merged cells
(``rowspan``/``colspan`` in HTML, merged ranges in a workbook) are copied into every
position they cover, line breaks inside a cell (``<br>``, paragraphs, list items) are kept
as newlines, and each row keeps its number in the source (the first row is 1). JSON
records (an array of objects, or an object holding one, such as ``{"results": [...]}``)
become a table whose header is their keys and whose rows are numbered from 1, the first
record, in the order of the array.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from html.parser import HTMLParser

from hdsgraph.errors import InputError
from hdsgraph.safety import MAX_SPANNED_CELLS, MAX_XLSX_UNCOMPRESSED, LimitError, check_grid, over

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
MAX_SPAN = 1000  # a rowspan or colspan larger than this is a mistake in the page, not a table that large


@dataclass
class Row:
    number: int
    cells: list[str]
    spanning: bool = False  # one source cell spread over several columns (a title or a note)


@dataclass
class Table:
    name: str  # "table 2 of 3", "sheet 'Liste'", "the CSV file"
    rows: list[Row] = field(default_factory=list)


# ---------------------------------------------------------------- format and encoding


def detect_format(data: bytes, name: str = "", content_type: str = "") -> str:
    """``html``, ``csv``, ``xlsx`` or ``json``: from the bytes first, then the announced type and name."""
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"[", b"{")):
        return "json"
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<table", b"<!--", b"<head", b"<body", b"<meta")):
        return "html"
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml") or name.lower().endswith((".html", ".htm")):
        return "html"
    return "csv"


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Text and the encoding it was read with: a BOM, else the declared charset, else UTF-8,
    else Windows-1252 (what French spreadsheets save as "CSV")."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    candidates = [declared] if declared else []
    candidates += ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"  # every byte is a character in Latin-1


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else None


# ---------------------------------------------------------------- HTML

_BLOCKS = {"p", "div", "li", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIPPED = {"script", "style", "template", "noscript"}


def _span(value: str | None) -> int:
    try:
        return max(1, min(int((value or "1").strip()), MAX_SPAN))
    except ValueError:
        return 1


class _TableParser(HTMLParser):
    """Collects every <table> (nested ones too) as rows of (text, rowspan, colspan)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._stack: list[dict] = []  # open tables: their rows, the open row and cell
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self._skipping += 1
            return
        attributes = dict(attrs)
        if tag == "table":
            self._stack.append({"rows": [], "row": None, "cell": None})
        elif not self._stack:
            return
        elif tag == "tr":
            self._close_row()
            self._stack[-1]["row"] = []
        elif tag in ("td", "th"):
            self._close_cell()
            if self._stack[-1]["row"] is None:
                self._stack[-1]["row"] = []
            self._stack[-1]["cell"] = {
                "text": [],
                "rowspan": _span(attributes.get("rowspan")),
                "colspan": _span(attributes.get("colspan")),
            }
        elif tag == "br" or tag in _BLOCKS:
            self._text("\n")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _SKIPPED:
            self._skipping -= 1

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif not self._stack:
            return
        elif tag == "table":
            self._close_row()
            self.tables.append(self._stack.pop()["rows"])
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_row()
        elif tag in _BLOCKS:
            self._text("\n")

    def handle_data(self, data):
        if not self._skipping:
            self._text(data)

    def _text(self, text: str):
        if self._stack and self._stack[-1]["cell"] is not None:
            self._stack[-1]["cell"]["text"].append(text)

    def _close_cell(self):
        table = self._stack[-1]
        cell = table["cell"]
        if cell is not None:
            table["row"].append((clean_cell("".join(cell["text"])), cell["rowspan"], cell["colspan"]))
            table["cell"] = None

    def _close_row(self):
        if not self._stack:
            return
        self._close_cell()
        table = self._stack[-1]
        if table["row"] is not None:
            table["rows"].append(table["row"])
            table["row"] = None

    def close(self):
        super().close()
        while self._stack:
            self.handle_endtag("table")


def clean_cell(text: str) -> str:
    """Spaces folded within each line, blank lines dropped; the line breaks stay."""
    lines = (" ".join(line.replace("\u00a0", " ").split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _grid(rows: list[list[tuple[str, int, int]]]) -> list[Row]:
    """Lay out cells with their spans: a merged cell's text fills every position it covers."""
    grid: list[Row] = []
    carried: dict[int, tuple[str, int]] = {}  # column -> (text, rows still covered) from rowspans above
    spanned = sum(rowspan * colspan - 1 for cells in rows for _, rowspan, colspan in cells)
    if spanned > MAX_SPANNED_CELLS:  # a rowspan/colspan bomb: a small page spreading into billions of cells
        raise over("the HTML table", f"its merged cells add {spanned:,} cells", MAX_SPANNED_CELLS, " cells")
    for number, cells in enumerate(rows, start=1):
        out: list[str] = []
        spanning = len(cells) == 1 and cells[0][2] > 1 and not carried
        queue = list(cells)
        column = 0
        while queue or any(c >= column for c in carried):
            if column in carried:
                text, left = carried[column]
                out.append(text)
                if left <= 1:
                    del carried[column]
                else:
                    carried[column] = (text, left - 1)
                column += 1
                continue
            if not queue:
                out.append("")
                column += 1
                continue
            text, rowspan, colspan = queue.pop(0)
            for _ in range(colspan):
                if rowspan > 1:
                    carried[column] = (text, rowspan - 1)
                out.append(text)
                column += 1
        grid.append(Row(number, out, spanning))
    width = max((len(r.cells) for r in grid), default=0)
    check_grid(len(grid), width, "the HTML table")
    for row in grid:
        row.cells += [""] * (width - len(row.cells))
    return grid


def html_tables(text: str) -> list[Table]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    found = [rows for rows in parser.tables if rows]
    return [Table(f"table {i} of {len(found)}", _grid(rows)) for i, rows in enumerate(found, start=1)]


# A link to one of these is a link to the registry as a file (the query string aside).
DATA_SUFFIXES = (".xlsx", ".csv", ".tsv", ".json", ".xls")


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if href.split("#")[0].split("?")[0].lower().endswith(DATA_SUFFIXES):
                self.links.append(href)


def data_links(data: bytes) -> list[str]:
    """The links of a page to a spreadsheet, CSV or JSON file, in the order of the page (as written: relative
    ones stay relative)."""
    text, _ = decode(data, html_charset(data))
    parser = _LinkParser()
    parser.feed(text)
    parser.close()
    return list(dict.fromkeys(parser.links))


# ---------------------------------------------------------------- CSV / TSV

DELIMITERS = ",;\t|"


def csv_tables(text: str) -> list[Table]:
    """One table per delimiter the text could use, the sniffed one first: a title line
    above the header can fool the sniffer, so the importer keeps the reading whose
    header it recognises best."""
    sample = text[:16384]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = next((line for line in sample.splitlines() if line.strip()), "")
        sniffed = max(DELIMITERS, key=first.count)
    delimiters = [sniffed] + [d for d in DELIMITERS if d != sniffed and d in sample]
    return [table for d in delimiters if (table := _csv_table(text, d)) is not None]


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


def _csv_table(text: str, delimiter: str) -> Table | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        for cells in reader:
            rows.append(Row(reader.line_num, [clean_cell(c) for c in cells]))
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file (line {reader.line_num}: {exc})") from None
    width = max((len(r.cells) for r in rows), default=0)
    check_grid(len(rows), width, "the CSV file")
    for row in rows:
        row.cells += [""] * (width - len(row.cells))
    return Table(f"the {_DELIMITER_NAMES[delimiter]}-separated file", rows) if rows else None


# ---------------------------------------------------------------- XLSX


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_cell(str(value))


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Za-z]+)(\d+)(?::([A-Za-z]+)(\d+))?"')


def _merged_area(first_column: bytes, first_row: bytes, last_column: bytes, last_row: bytes) -> int:
    from openpyxl.utils import column_index_from_string

    def column(letters: bytes) -> int:
        try:
            return column_index_from_string(letters.decode("ascii").upper())
        except ValueError:  # beyond XFD: as far as the limit is concerned, very far
            return 26 ** len(letters)

    if not last_column:
        return 1
    return (abs(int(last_row) - int(first_row)) + 1) * (abs(column(last_column) - column(first_column)) + 1)


def _check_workbook(data: bytes) -> None:
    """Refuse a zip bomb (parts decompressing beyond MAX_XLSX_UNCOMPRESSED) and any part with
    a DTD (no workbook has one; it is how XXE and entity-expansion attacks come in), before
    openpyxl reads anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            total = sum(part.file_size for part in parts)
            if total > MAX_XLSX_UNCOMPRESSED:
                raise over("the workbook", f"its parts decompress to {total:,} bytes", MAX_XLSX_UNCOMPRESSED, " bytes")
            for part in parts:
                if part.filename.endswith((".xml", ".rels")):
                    with archive.open(part) as stream:
                        head = stream.read(4096)
                    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                        raise LimitError(f"the workbook's {part.filename} declares XML entities (a DTD): refused")
                if part.filename.startswith("xl/worksheets/"):  # openpyxl makes an object per merged cell
                    spanned = sum(_merged_area(*ref) - 1 for ref in _MERGE.findall(archive.read(part)))
                    if spanned > MAX_SPANNED_CELLS:
                        raise over(
                            f"the workbook's {part.filename}",
                            f"its merged ranges add {spanned:,} cells",
                            MAX_SPANNED_CELLS,
                            " cells",
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise InputError(f"not a readable XLSX workbook ({exc})") from None


def xlsx_tables(data: bytes) -> list[Table]:
    import openpyxl

    _check_workbook(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, SyntaxError, EOFError) as exc:
        # SyntaxError: the XML parsers' errors (a part that is not well-formed XML)
        raise InputError(f"not a readable XLSX workbook ({' '.join(str(exc).split()) or type(exc).__name__})") from None
    tables = []
    for sheet in workbook.worksheets:
        check_grid(sheet.max_row, sheet.max_column, f"sheet {sheet.title!r}")
        values = [[_xlsx_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        spanning: set[int] = set()
        for merged in sheet.merged_cells.ranges:
            if merged.max_row > len(values) or merged.max_col > sheet.max_column:
                raise InputError(f"sheet {sheet.title!r}: merged range {merged.coord} reaches beyond the sheet's cells")
            text = values[merged.min_row - 1][merged.min_col - 1]
            if merged.min_row == merged.max_row and merged.min_col == 1 and merged.max_col >= sheet.max_column > 1:
                spanning.add(merged.min_row)
            for r in range(merged.min_row, merged.max_row + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    values[r - 1][c - 1] = text
        rows = [Row(i, cells, i in spanning) for i, cells in enumerate(values, start=1)]
        if any(any(r.cells) for r in rows):
            tables.append(Table(f"sheet {sheet.title!r}", rows))
    return tables


# ---------------------------------------------------------------- JSON records

RECORD_KEYS = ("results", "data", "records", "items", "rows", "hits", "hebergeurs", "entries")  # tried first
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _records(document, depth: int = 0) -> list | None:
    """The list of records in a JSON document: the document itself, or the list an object
    holds (under a usual key first, else the one list of objects it has), one level down at most."""
    if isinstance(document, list):
        return document if all(isinstance(r, dict) for r in document) else None
    if not isinstance(document, dict) or depth > 1:
        return None
    keys = [k for k in RECORD_KEYS if k in document] + [k for k in document if k not in RECORD_KEYS]
    for key in keys:
        value = document[key]
        if isinstance(value, list) and all(isinstance(r, dict) for r in value) and (value or key in RECORD_KEYS):
            return value
    for key in keys:
        if isinstance(document[key], dict) and (found := _records(document[key], depth + 1)) is not None:
            return found
    return None


def _json_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):  # [1, 2, 3] or ["HDS 1", "HDS 2"]: one item per line, as in a cell
        return "\n".join(_json_text(v) for v in value)
    if isinstance(value, dict):  # {"nom": "LNE"}: its values
        return "\n".join(_json_text(v) for v in value.values())
    return clean_cell(str(value))


def json_key(key: str) -> str:
    """A record's key as a header: ``raison_sociale`` and ``raisonSociale`` read "raison sociale"."""
    return _CAMEL.sub(" ", str(key)).replace("_", " ")


def json_tables(text: str) -> list[Table]:
    """The records of a JSON document as one table (none when it holds no list of records).
    A nested object's keys join its parent's (``{"organisme": {"nom": ...}}`` -> "organisme nom")."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InputError(f"not readable JSON ({exc})") from None
    records = _records(document)
    if records is None:
        raise InputError("JSON with no list of records (an array of objects, or an object holding one)")
    flat = [_flatten(record) for record in records]
    header = list(dict.fromkeys(key for record in flat for key in record))
    rows = [Row(0, [json_key(k) for k in header])]
    rows += [Row(i, [record.get(k, "") for k in header]) for i, record in enumerate(flat, start=1)]
    return [Table("JSON records", rows)]


def _flatten(record: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix} {key}" if prefix else str(key)
        if isinstance(value, dict) and value and all(not isinstance(v, (dict, list)) for v in value.values()):
            out.update(_flatten(value, name))
        else:
            out[name] = _json_text(value)
    return out


def read_tables(data: bytes, name: str = "", content_type: str = "") -> tuple[str, list[Table]]:
    """The format and every table of an export. Raises InputError when it has none."""
    kind = detect_format(data, name, content_type)
    declared = None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", content_type or "")
    if match:
        declared = match.group(1).lower()
    if kind == "xls":
        raise InputError("an old binary Excel (.xls) workbook: save it as .xlsx or CSV and import that")
    if kind == "xlsx":
        return kind, xlsx_tables(data)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("not an HTML page, a CSV file or an XLSX workbook (it holds binary data)")
    if kind == "html":
        text, _ = decode(data, declared or html_charset(data))
        return kind, html_tables(text)
    if kind == "json":
        text, _ = decode(data, declared)
        return kind, json_tables(text)
    text, _ = decode(data, declared)
    return kind, csv_tables(text)
