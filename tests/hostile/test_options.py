"""Bad option values and usage errors are one Error line with exit code 2; fetch gives up
on a server dripping a byte a second once --deadline has passed."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from hdsgraph.cli import cli
from tests.hostile.harness import assert_refused, run, tree


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["build", "--base-uri", "http://[::1/"], "Error: base URI 'http://[::1/' is not an absolute http(s) IRI"),
        (
            ["build", "--download-url", "http://[::1/"],
            "Error: download URL 'http://[::1/' is not an absolute http(s) URL",
        ),
        (
            ["build", "--sparql-endpoint", "http://[::1/"],
            "Error: SPARQL endpoint 'http://[::1/' is not an absolute http(s) URL",
        ),
        (
            ["synth", "--seed", "-1"],
            "Error: Invalid value for '--seed': -1 is not in the range x>=0. (see 'hdsgraph synth --help')",
        ),
        (
            ["fetch", "--url", "esante.gouv.fr/liste"],
            "Error: registry URL 'esante.gouv.fr/liste' is not an absolute http(s) URL",
        ),
        (
            ["fetch", "--url", "ftp://127.0.0.1/liste"],
            "Error: registry URL 'ftp://127.0.0.1/liste' is not an absolute http(s) URL",
        ),
        (
            ["fetch", "--deadline", "0"],
            "Error: Invalid value for '--deadline': 0.0 is not in the range x>=0.01. (see 'hdsgraph fetch --help')",
        ),
        (["publish", "--endpoint", "http://[::1/"], "Error: 'http://[::1/': not an http:// or https:// URL"),
        (
            ["build", "--bogus"],
            "Error: No such option '--bogus'. Did you mean '--out'? (see 'hdsgraph build --help')",
        ),
        (["bogus"], "Error: No such command 'bogus'. (see 'hdsgraph --help')"),
        (["--bogus"], "Error: No such option '--bogus'. (see 'hdsgraph --help')"),
        (
            ["query", "hosts-total", "--format", "xml"],
            "Error: Invalid value for '--format': 'xml' is not one of 'table', 'csv', 'json'. (see 'hdsgraph query --help')",
        ),
    ],
)
def test_a_bad_option_is_one_line_and_exit_code_2(runner, tmp_path, monkeypatch, args, line):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, args, prog_name="hdsgraph")
    assert (result.exit_code, result.stderr) == (2, line + "\n"), result.output
    assert "Traceback" not in result.output and list(tmp_path.iterdir()) == []


class Dripping:
    """A server that answers with headers and then one byte of body a second, forever."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/liste.html"
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn):
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
                while not self.stop.wait(1):
                    conn.sendall(b"<")
            except OSError:
                return

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.fixture
def dripping():
    server = Dripping()
    yield server
    server.close()


def test_fetch_gives_up_on_a_dripping_server_at_the_deadline(dripping, tmp_path):
    started = time.monotonic()
    result = run(
        ["fetch", "--url", dripping.url, "--snapshots", "snapshots", "--timeout", "5", "--deadline", "3", "-q"],
        tmp_path,
        seconds=30,
    )
    line = assert_refused(result)
    assert line == f"Error: {dripping.url}: no complete answer within 3 s (--deadline); nothing written"
    assert time.monotonic() - started < 15  # 3 s of deadline plus the start of Python, on a busy machine
    assert tree(tmp_path) == {}
