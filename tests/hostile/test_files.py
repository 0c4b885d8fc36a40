"""Hostile files: each ends with one Error line naming the limit it hit, exit code 2,
within seconds and under a memory limit, and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from hdsgraph.safety import MAX_ENTITY_EXPANSION, MAX_SPANNED_CELLS, MAX_XLSX_UNCOMPRESSED
from tests.hostile import files
from tests.hostile.harness import assert_refused, run, tree

QUICK = 30  # seconds: a hostile file is refused in seconds, not minutes (startup included, on a busy machine)


def assert_file_refused(cwd: Path, args: list[str], says: str, within: float = QUICK) -> str:
    before = tree(cwd)
    line = assert_refused(run(args, cwd), says=says, within=within)
    assert tree(cwd) == before  # nothing written, nothing removed
    return line


def test_dev_zero_as_a_registry_is_refused_at_the_read_limit(tmp_path):
    line = assert_file_refused(
        tmp_path, ["build", "--registry", "/dev/zero", "--out", "dist"], "/dev/zero: larger than the limit"
    )
    assert line == "Error: /dev/zero: larger than the limit of 512 MiB read from one file"


def test_dev_zero_as_an_export_is_refused_at_the_read_limit(tmp_path):
    assert_file_refused(
        tmp_path, ["import", "/dev/zero", "--out", "z.csv"], "/dev/zero: larger than the limit of 512 MiB"
    )


@pytest.mark.slow  # writing the bomb streams 300 MiB through zlib
def test_xlsx_zip_bomb_is_refused_before_it_is_decompressed(tmp_path):
    bomb = files.zip_bomb(tmp_path / "bomb.xlsx", MAX_XLSX_UNCOMPRESSED + 32 * 1024 * 1024)
    assert bomb.stat().st_size < 4 * 1024 * 1024  # small on disk
    line = assert_file_refused(tmp_path, ["import", "bomb.xlsx"], "the workbook: its parts decompress to")
    assert line.endswith(f"over the limit of {MAX_XLSX_UNCOMPRESSED:,} bytes")


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        # the last cell an XLSX may have, in a file of 5 KB: 17 billion cells to lay out
        ("XFD1048576", "sheet 'Sheet': 16,384 columns, over the limit of 1,000 columns"),
        ("ALL200000", "sheet 'Sheet': 200,000 rows x 1,000 columns, over the limit of 20,000,000 cells"),
        ("A99999999", "sheet 'Sheet': 99,999,999 rows, over the limit of 2,000,000 rows"),  # beyond Excel's own limit
    ],
)
def test_xlsx_cell_far_away_is_refused(tmp_path, cell, says):
    row = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    cells = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    files.write_workbook(tmp_path / "far.xlsx", {files.SHEET: files.sheet(cells)})
    assert (tmp_path / "far.xlsx").stat().st_size < 10_000
    assert_file_refused(tmp_path, ["import", "far.xlsx"], says)


def test_xlsx_with_xxe_is_refused(tmp_path):
    doctype = b'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    cells = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>'
    files.write_workbook(tmp_path / "xxe.xlsx", {files.SHEET: files.sheet(cells, doctype)})
    assert_file_refused(
        tmp_path, ["import", "xxe.xlsx"], f"the workbook's {files.SHEET} declares XML entities (a DTD): refused"
    )


def test_xlsx_with_billion_laughs_is_refused(tmp_path):
    cells = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    files.write_workbook(tmp_path / "lol.xlsx", {files.SHEET: files.sheet(cells, files.laughs_dtd("worksheet"))})
    assert_file_refused(tmp_path, ["import", "lol.xlsx"], "declares XML entities (a DTD): refused")


def test_xlsx_with_malformed_xml_is_refused(tmp_path):
    broken = files.sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>')[:-20]
    files.write_workbook(tmp_path / "bad.xlsx", {files.SHEET: broken})
    assert_file_refused(tmp_path, ["import", "bad.xlsx"], "bad.xlsx: not a readable XLSX workbook (")


def test_html_span_bomb_is_refused(tmp_path):
    (tmp_path / "page.html").write_bytes(files.span_bomb())
    assert (tmp_path / "page.html").stat().st_size < 10_000_000
    line = assert_file_refused(
        tmp_path, ["import", "page.html"], "page.html: the HTML table: its merged cells add ", within=15
    )
    assert line.endswith(f"over the limit of {MAX_SPANNED_CELLS:,} cells")


def test_xlsx_merged_range_bomb_is_refused(tmp_path):
    merges = b"".join(b'<mergeCell ref="A1:ALL1000"/>' for _ in range(10))
    body = files.sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>').replace(
        b"</sheetData>", b'</sheetData><mergeCells count="10">' + merges + b"</mergeCells>"
    )
    files.write_workbook(tmp_path / "merged.xlsx", {files.SHEET: body})
    line = assert_file_refused(
        tmp_path,
        ["import", "merged.xlsx"],
        "workbook's xl/worksheets/sheet1.xml: its merged ranges add 9,999,990 cells",
    )
    assert line.endswith(f"over the limit of {MAX_SPANNED_CELLS:,} cells")


@pytest.mark.parametrize("command", [["validate"], ["serve", "--port", "0", "--data"]])
def test_rdfxml_billion_laughs_is_refused(tmp_path, command):
    (tmp_path / "lol.rdf").write_bytes(files.rdfxml_laughs())
    line = assert_file_refused(tmp_path, [*command, "lol.rdf"], "lol.rdf: XML entity lol")
    assert line.endswith(f"over the limit of {MAX_ENTITY_EXPANSION:,} characters of entity expansion")


def test_rdfxml_external_entity_is_refused(tmp_path):
    (tmp_path / "xxe.rdf").write_bytes(files.rdfxml_xxe())
    line = assert_file_refused(
        tmp_path, ["validate", "xxe.rdf"], "xxe.rdf: declares an external XML entity (secret), refused"
    )
    assert "root:" not in line
