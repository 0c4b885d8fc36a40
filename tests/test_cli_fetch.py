"""The issue's "done when": `hdsgraph fetch` from a local server gives a snapshot that
`hdsgraph build` turns into a valid graph with its provenance; every fault ends with one
clear line and leaves the earlier snapshot and the last good build as they were."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import PROV, XSD
from werkzeug import Response

from hdsgraph.cli import cli

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
PAGE = (EXPORTS / "registry-page.html").read_bytes()
HDS = rdflib.Namespace("https://w3id.org/hdsgraph/ontology#")


class RawServer:
    """A TCP server on 127.0.0.1 that misbehaves as HTTP servers do: it reads the request,
    then ``behaviour(connection)`` answers (or does not)."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.released = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self.released.is_set():
            try:
                connection, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                connection.recv(65536)
                self.behaviour(connection, self.released)

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.port}/page.html"

    def __exit__(self, *exc):
        self.released.set()
        self.thread.join(timeout=5)
        self.listener.close()


def _truncated(connection, released):
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + PAGE[:1200]
    )


def _hanging(connection, released):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n" + PAGE[:100])
    released.wait(5)  # sends nothing more until the test is over


def _fetch(runner, url, snapshots, *extra):
    # the fixture page has 2 flawed rows of 8: more than the default guard's 10 % (tested in test_acquire_today.py)
    return runner.invoke(
        cli, ["fetch", "--url", url, "--snapshots", str(snapshots), "--retries", "0", "--max-quarantine", "50%", *extra]
    )


def _build(runner, *args):
    return runner.invoke(cli, ["build", "--max-quarantine", "50%", *args])


@pytest.fixture
def good(httpserver, runner, tmp_path):
    """A first successful fetch and the build made from it: (snapshots, dist, url)."""
    httpserver.expect_request("/page.html").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    url = httpserver.url_for("/page.html")
    snapshots, dist = tmp_path / "snapshots", tmp_path / "dist"
    fetched = _fetch(runner, url, snapshots, "--quiet")
    assert fetched.exit_code == 0, fetched.output
    built = _build(runner, "--registry", str(snapshots), "--out", str(dist))
    assert built.exit_code == 0, built.output
    return snapshots, dist, url, fetched, built


def test_fetch_then_build_gives_a_valid_graph_with_the_snapshot_provenance(good):
    snapshots, dist, url, fetched, built = good
    (csv_file,) = [p for p in snapshots.glob("*.csv") if ".quarantine" not in p.name and ".raw" not in p.name]
    snapshot = csv_file.stem
    record = json.loads((snapshots / f"{snapshot}.provenance.json").read_text())
    assert fetched.stdout.splitlines()[-1] == (
        f"New snapshot {snapshot}: {csv_file} (quarantine {snapshot}.quarantine.csv, raw {snapshot}.raw.html, "
        f"provenance {snapshot}.provenance.json)"
    )
    assert "Found HTML table of 8 rows\n" in fetched.stdout
    assert "Rows read 8 / kept 6 / quarantined 2; values dropped from kept rows 1\n" in fetched.stdout
    # the rows and the value the fetch quarantined are counted by the build too
    assert (
        f"{snapshot}.csv (snapshot {snapshot}): rows read 8 / kept 6 / quarantined 2; values dropped from kept rows 1"
        in built.stdout
    )
    assert "Validation: the graph conforms to the shapes" in built.stdout
    assert (
        f"Latest snapshot: {snapshot} ({snapshot}.csv), fetched from {url} at {record['retrieved']} (today)"
        in built.stdout
    )
    graph = rdflib.Graph().parse(dist / "hds.ttl")
    node = rdflib.URIRef(f"https://w3id.org/hdsgraph/snapshot/{snapshot}")
    assert set(graph.objects(node, PROV.wasDerivedFrom)) == {rdflib.URIRef(url)}
    assert set(graph.objects(node, PROV.generatedAtTime)) == {
        rdflib.Literal(record["retrieved"], datatype=XSD.dateTime)
    }
    assert set(graph.objects(node, HDS.sourceSha256)) == {rdflib.Literal(record["sha256"])}


def test_the_build_of_a_fetched_snapshot_is_byte_stable(good, runner, tmp_path):
    snapshots, dist, *_ = good
    again = tmp_path / "again"
    assert _build(runner, "--registry", str(snapshots), "--out", str(again)).exit_code == 0
    assert (again / "SHA256SUMS").read_bytes() == (dist / "SHA256SUMS").read_bytes()


def test_an_unchanged_page_says_so_and_adds_nothing(good, runner):
    snapshots, _, url, *_ = good
    before = {p.name: p.read_bytes() for p in snapshots.iterdir()}
    result = _fetch(runner, url, snapshots, "--quiet")
    assert result.exit_code == 0
    snapshot = json.loads(next(snapshots.glob("*.provenance.json")).read_text())["snapshot"]
    assert result.stdout == f"Unchanged since snapshot {snapshot} (the same bytes as before): no new snapshot\n"
    assert {p.name: p.read_bytes() for p in snapshots.iterdir()} == before


def _respond(status=200, body=PAGE, content_type="text/html", headers=None):
    def install(httpserver):
        httpserver.expect_request("/broken").respond_with_response(
            Response(body, status=status, content_type=content_type, headers=headers or {})
        )
        return httpserver.url_for("/broken")

    return install


FAULTS = {
    "500": (_respond(500, b"oops"), [], "{url}: HTTP 500 INTERNAL SERVER ERROR (1 attempt)"),
    "429": (_respond(429, b"", headers={"Retry-After": "1"}), [], "{url}: HTTP 429 TOO MANY REQUESTS (1 attempt)"),
    "404": (_respond(404, b"gone"), [], "{url}: HTTP 404 NOT FOUND"),
    "no-table": (
        _respond(body=b"<html><body><p>Le registre a d\xc3\xa9m\xc3\xa9nag\xc3\xa9.</p></body></html>"),
        [],
        "{url}: no registry table and no link to a file: the page may be built by a script; give the data URL with --url",
    ),
    "wrong-type": (
        _respond(body=b"%PDF-1.7", content_type="application/pdf"),
        [],
        "{url}: unexpected content type 'application/pdf' (expected an HTML page, a CSV, an XLSX or a JSON file)",
    ),
    "oversized": (
        _respond(),
        ["--max-size", "2k"],
        f"{{url}}: the page is {len(PAGE):,} bytes, more than the maximum of 2,048 bytes (--max-size)",
    ),
    "truncated": (
        _truncated,
        [],
        "{url}: the body was cut short: 1,200 bytes received of 5,000 bytes announced (1 attempt)",
    ),
    "hanging": (_hanging, ["--timeout", "0.3"], "{url}: the download stalled (no data for 0.3 s) (1 attempt)"),
    "unreachable": ("unreachable", [], "{url}: cannot connect (connection refused) (1 attempt)"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_every_fault_gives_one_line_and_keeps_the_last_good_snapshot_and_build(
    good, httpserver, runner, tmp_path, fault
):
    snapshots, dist, *_ = good
    serve, options, message = FAULTS[fault]
    snapshots_before = {p.name: p.read_bytes() for p in snapshots.iterdir()}
    dist_before = {p.name: p.read_bytes() for p in dist.iterdir()}
    if serve == "unreachable":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = f"http://127.0.0.1:{port}/page.html"
        result = _fetch(runner, url, snapshots, *options)
    elif fault in ("truncated", "hanging"):
        with RawServer(serve) as url:
            result = _fetch(runner, url, snapshots, *options)
    else:
        url = serve(httpserver)
        result = _fetch(runner, url, snapshots, *options)
    assert result.exit_code == 2
    assert result.stderr == "Error: " + message.format(url=url) + "\n"
    assert result.stdout == ""
    assert {p.name: p.read_bytes() for p in snapshots.iterdir()} == snapshots_before
    # the build goes on from the last good snapshot, to the same bytes
    rebuilt = _build(runner, "--registry", str(snapshots), "--out", str(dist))
    assert rebuilt.exit_code == 0
    assert {p.name: p.read_bytes() for p in dist.iterdir()} == dist_before


def test_a_snapshots_path_that_is_a_file_is_refused(runner, tmp_path, httpserver):
    path = tmp_path / "snapshots"
    path.write_text("not a folder")
    result = _fetch(runner, httpserver.url_for("/page.html"), path)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: exists and is not a folder\n"


@pytest.mark.parametrize("earlier", ["none", "of-another-page"])
def test_a_304_without_an_earlier_snapshot_is_one_line_and_writes_nothing(good, runner, httpserver, tmp_path, earlier):
    """A server (or a proxy) answering 304 Not Modified to a request that set no condition."""
    snapshots = good[0] if earlier == "of-another-page" else tmp_path / "fresh"
    before = {p.name: p.read_bytes() for p in snapshots.iterdir()} if snapshots.exists() else None
    url = _respond(304, b"")(httpserver)
    result = _fetch(runner, url, snapshots)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {url}: HTTP 304 Not Modified, but {snapshots} holds no earlier snapshot "
        "of this page; nothing fetched\n"
    )
    assert ({p.name: p.read_bytes() for p in snapshots.iterdir()} if snapshots.exists() else None) == before


def test_a_bad_size_option_is_refused(runner, tmp_path):
    result = runner.invoke(cli, ["fetch", "--url", "http://127.0.0.1:9/x", "--max-size", "big"])
    assert result.exit_code == 2
    assert "Invalid value for '--max-size': 'big' is not a size such as 500000, 800k or 50M" in result.stderr


def test_a_snapshot_corrected_by_hand_is_built_with_a_notice_and_both_checksums(good, runner, tmp_path):
    snapshots, *_ = good
    (csv_file,) = [p for p in snapshots.glob("*.csv") if p.stem.count(".") == 0]
    record = json.loads((snapshots / f"{csv_file.stem}.provenance.json").read_text())
    csv_file.write_text(
        csv_file.read_text(encoding="utf-8").replace("Organisme fictif Un", "Organisme fictif 1"), encoding="utf-8"
    )
    corrected = hashlib.sha256(csv_file.read_bytes()).hexdigest()
    out = tmp_path / "other"
    result = _build(runner, "--registry", str(snapshots), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"Warning: {csv_file.name}: corrected by hand since it was fetched (sha256 {corrected}, fetched as "
        f"{record['canonical_sha256']}); the graph records both checksums\n"
    )
    graph = rdflib.Graph().parse(out / "hds.ttl")
    node = rdflib.URIRef(f"https://w3id.org/hdsgraph/snapshot/{csv_file.stem}")
    assert set(graph.objects(node, HDS.sha256)) == {rdflib.Literal(corrected)}
    assert set(graph.objects(node, HDS.fetchedSha256)) == {rdflib.Literal(record["canonical_sha256"])}
    assert set(graph.objects(node, HDS.sourceSha256)) == {rdflib.Literal(record["sha256"])}
