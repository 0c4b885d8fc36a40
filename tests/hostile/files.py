"""Hostile files, made by the tests (small on disk, whatever they expand to)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"


def workbook_parts() -> dict[str, bytes]:
    """The parts of a small real workbook (written by openpyxl): a header and one row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Raison sociale", "Activités"])
    sheet.append(["Hébergeur fictif SAS", "1-6"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_workbook(path: Path, replace: dict[str, bytes]) -> Path:
    parts = {**workbook_parts(), **replace}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def sheet(cells_xml: bytes, doctype: bytes = b"") -> bytes:
    head = SHEET_START
    if doctype:
        head = head.replace(b"<worksheet", doctype + b"<worksheet", 1)
    return head + cells_xml + SHEET_END


def zip_bomb(path: Path, decompressed: int) -> Path:
    """A workbook whose sheet really decompresses to ``decompressed`` bytes of rows (a few
    hundred KiB on disk per 100 MiB), streamed so that the test never holds it."""
    parts = workbook_parts()
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (1024 * 1024 // len(row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            if name != SHEET:
                archive.writestr(name, data)
        with archive.open(SHEET, "w", force_zip64=True) as stream:
            stream.write(SHEET_START)
            written = 0
            while written < decompressed:
                stream.write(block)
                written += len(block)
            stream.write(SHEET_END)
    return path


def laughs_dtd(root: str, levels: int = 9) -> bytes:
    """The "billion laughs" DTD: entity lol9 expands to 10**levels copies of "lol"."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels + 1)
    ]
    return f"<!DOCTYPE {root} [{''.join(entities)}]>".encode()


def rdfxml_laughs() -> bytes:
    return (
        b'<?xml version="1.0"?>'
        + laughs_dtd("rdf:RDF")
        + b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
        b'<rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p></rdf:Description></rdf:RDF>'
    )


def rdfxml_xxe() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
        b'<rdf:Description rdf:about="http://example.org/a"><ex:p>&secret;</ex:p></rdf:Description></rdf:RDF>'
    )


def span_bomb(rows: int = 200, cells: int = 200) -> bytes:
    """An HTML table whose every cell spans 1000 x 1000: 40,000 cells in the source, 40
    billion once spread out."""
    cell = '<td rowspan="1000" colspan="1000">x</td>'
    body = "".join(f"<tr>{cell * cells}</tr>" for _ in range(rows))
    return f"<html><body><table><tr><th>Raison sociale</th><th>Activités</th></tr>{body}</table></body></html>".encode()
