"""Real servers for the endpoint tests, on 127.0.0.1 and free ports, always stopped.

- ``oxigraph``: the Oxigraph server from PyPI (the ``oxigraph`` package in the test extra),
  an empty read-write store to publish into;
- ``hdsgraph serve`` as a subprocess, on the port it picks itself (``--port 0``).

The build they serve, ``two_snapshots``, is a fixture of tests/conftest.py.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

STARTUP = 60  # seconds a server gets to start answering


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc), to check that none outlives a server."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def wait_gone(pids: set[int], seconds: float = 20) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = {p for p in pids if alive(p)}
        if not pids:
            break
        time.sleep(0.1)
    return pids


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def oxigraph(tmp: Path, union: bool = True):
    """An Oxigraph server on a free port -> its base URL (``/query``, ``/store``)."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server is not installed (pip install -e '.[test]' brings it)")
    port = free_port()
    args = [binary, "serve", "--location", str(tmp), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        args + (["--union-default-graph"] if union else []), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP
        while True:
            try:
                if requests.get(base + "/query", params={"query": "ASK {}"}, timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the oxigraph server did not start")
            time.sleep(0.1)
        yield base
    finally:
        stop(process)


@contextmanager
def hdsgraph_serve(data: Path, *options: str, log: Path):
    """``hdsgraph serve`` on a free port -> (query URL, process), once it has printed its URL."""
    with open(log, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "hdsgraph", "serve", "--data", str(data), "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        try:
            deadline, lines, match = time.monotonic() + STARTUP, [], None
            while match is None and time.monotonic() < deadline:  # "Loading ..." first, then the URL
                ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
                line = process.stdout.readline().decode() if ready else ""
                if not line:
                    break
                lines.append(line)
                match = re.search(r" at (http://\S+/query) ", line)
            if not match:
                raise RuntimeError(f"hdsgraph serve did not start: {lines!r} {log.read_text()}")
            yield match.group(1), process
        finally:
            stop(process)
            process.stdout.close()


@contextmanager
def recording_server(body: bytes = b"", content_type: str = "application/sparql-results+json"):
    """A plain HTTP server on a free loopback port that records every request it gets
    (method, path) and answers each with ``body`` -> (base URL, list of requests)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[tuple[str, str]] = []

    class Recorder(BaseHTTPRequestHandler):
        def _answer(self):
            seen.append((self.command, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format, *args):  # noqa: A002 - quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
