"""`hdsgraph serve` under hostile requests and load (issue 15, "The endpoint"): federated
queries refused unless allowed (server-side request forgery), a 4xx with a reason for every
malformed request, a cap on connections (503), a deadline to send a request (408), and new
clients answered while slow clients hold connections. Loopback only; every server started
here is stopped by its fixture."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

import pytest
import requests

from hdsgraph.pipeline.answers import query_text, run_select
from hdsgraph.rdf.store import open_store
from tests.helpers.servers import hdsgraph_serve, recording_server

ANSWER = json.dumps(
    {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "from afar"}}]}}
).encode()


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def raw(url: str, data: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are to the server of ``url``; read the answer until it closes or is whole."""
    with socket.create_connection(address(url), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = next(
                (int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")), None
            )
            if length is not None and len(body) >= length:
                break
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def endpoint(two_snapshots, tmp_path_factory):
    log = tmp_path_factory.mktemp("limits") / "serve.log"
    with hdsgraph_serve(two_snapshots, "--max-connections", "20", "--read-timeout", "2", log=log) as (url, _):
        yield url


# --- server-side request forgery --------------------------------------------------------------


def test_service_is_refused_and_the_other_server_gets_no_request(endpoint):
    with recording_server(ANSWER) as (other, seen):
        query = f"SELECT ?x WHERE {{ SERVICE <{other}/sparql> {{ ?x ?p ?o }} }}"
        for response in (
            requests.get(endpoint, params={"query": query}),
            requests.post(endpoint, data={"query": query.replace("SERVICE", "service SILENT")}),
        ):
            assert response.status_code == 403
            assert response.text == (
                f"SERVICE <{other}/sparql>: federated queries to this host are refused; "
                "this endpoint allows none (start it with --allow-service HOST)\n"
            )
        assert seen == []


def test_a_worker_that_may_send_no_service_cannot_open_a_socket(tmp_path):
    """The second line of defence: even a query the server's check missed reaches nobody."""
    with recording_server(ANSWER) as (other, seen):
        script = (
            "import pyoxigraph as ox\n"
            "from hdsgraph.sparql.worker import no_new_files\n"
            "store = ox.Store()\n"
            "no_new_files()\n"
            "try:\n"
            f"    list(store.query('SELECT * WHERE {{ SERVICE <{other}/sparql> {{ ?x ?p ?o }} }}'))\n"
            "    print('reached')\n"
            "except OSError as exc:\n"
            "    print('refused', exc)\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        assert done.stdout.startswith("refused"), done.stdout + done.stderr
        assert seen == []


def test_allowed_hosts_are_queried_and_others_refused(two_snapshots, tmp_path):
    with recording_server(ANSWER) as (allowed, seen), recording_server(ANSWER) as (other, unseen):
        host, port = address(allowed)
        with hdsgraph_serve(two_snapshots, "--allow-service", f"{host}:{port}", log=tmp_path / "log") as (url, _):
            query = f"SELECT ?x WHERE {{ SERVICE <{allowed}/sparql> {{ ?x ?p ?o }} }}"
            response = requests.get(url, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
            assert response.status_code == 200, response.text
            assert [b["x"]["value"] for b in response.json()["results"]["bindings"]] == ["from afar"]
            assert len(seen) == 1 and seen[0][1].startswith("/sparql")
            refused = requests.get(url, params={"query": query.replace(allowed, other)})
            assert refused.status_code == 403
            assert refused.text.endswith(f"this endpoint allows only {host}:{port}\n")
            assert unseen == []


# --- malformed requests: a 4xx with a reason, whole -------------------------------------------


def get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n".encode()


ASK = quote("ASK {}")


@pytest.mark.parametrize(
    "name, request_bytes, status, reason",
    [
        ("garbage request line", b"HELLO\r\n\r\n", 400, b""),
        ("bad header line", b"GET /query HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", 400, b""),
        ("headers too large", get("/query?query=" + ASK, "X-Big: " + "a" * 70_000 + "\r\n"), 431, b""),
        ("bad content length", b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, b""),
        (
            "body too large",
            b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 2000000\r\n\r\n",
            413,
            b"",
        ),
        (
            "bad chunked body",
            b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
            b"",
        ),
        ("query string not UTF-8", get("/query?query=ASK%20%7B%7D%FF"), 400, b"the query string cannot be read"),
        (
            "bad graph IRI",
            get(f"/query?query={ASK}&default-graph-uri=not%20an%20iri"),
            400,
            b"'not an iri': not a valid graph name (an absolute IRI)",
        ),
        ("body not UTF-8", b"", 400, b"the request body is not UTF-8 text"),
        ("unknown page", get("/nowhere"), 404, b"no such page: /nowhere"),
        (
            "deep nesting",
            get("/query?query=" + quote("ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }")),
            400,
            b"the query nests brackets",
        ),
    ],
)
def test_malformed_requests_get_a_whole_4xx(endpoint, name, request_bytes, status, reason):
    if name == "body not UTF-8":
        body = b"ASK { ?s ?p '\xff' }"
        request_bytes = (
            b"POST /query HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/sparql-query\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
    got, headers, body = raw(endpoint, request_bytes)
    assert got == status, (name, body)
    assert int(headers["Content-Length"]) == len(body)  # whole, not cut short
    assert body.startswith(reason) and body.strip()
    assert requests.get(endpoint, params={"query": "ASK {}"}).status_code == 200  # and the server goes on


def test_head_answers_headers_only(endpoint):
    response = requests.head(endpoint, params={"query": "ASK {}"})
    assert response.status_code == 200 and response.content == b""


# --- connection cap and read deadline ---------------------------------------------------------


def test_a_slow_request_gets_408_at_the_read_deadline(endpoint):
    with socket.create_connection(address(endpoint), timeout=15) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /query?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n")  # and never the end
        answer = sock.recv(65536)
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert answer.endswith(b"the request did not arrive whole within 2 s\n")
    assert 1.5 < waited < 6


def test_connections_past_the_cap_get_503(endpoint):
    unfinished = b"GET /query?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n"  # held open, never ended
    held = [socket.create_connection(address(endpoint), timeout=5) for _ in range(20)]
    try:
        for sock in held:
            sock.sendall(unfinished)
        with socket.create_connection(address(endpoint), timeout=5) as extra:
            extra.sendall(unfinished)
            refused = extra.recv(65536)
        assert refused.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        assert refused.endswith(b"this endpoint has 20 connections open, its limit; try again later\n")
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 10  # once they are closed, it answers again
    while time.monotonic() < deadline:
        try:
            if requests.get(endpoint, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
    else:
        pytest.fail("the server did not answer again after the connections closed")


# --- load: slow clients hold connections, new clients are answered ----------------------------


@pytest.mark.slow
def test_load_new_clients_are_answered_while_slow_clients_hold_connections(two_snapshots, tmp_path):
    """200 connections on loopback, at most 30 s: 190 slow clients drip their headers one
    byte at a time while 50 new clients, 10 at a time, each ask a study question (every
    tenth tries SERVICE instead). Run with -s to see the latencies."""
    _, text = query_text("hosts-total")
    expected = run_select(open_store(two_snapshots), text).rows
    slow_count, fast_count = 190, 50
    with (
        recording_server(ANSWER) as (other, seen),
        hdsgraph_serve(two_snapshots, "--read-timeout", "20", log=tmp_path / "log") as (url, _),
    ):
        started = time.monotonic()
        slow = [socket.create_connection(address(url), timeout=5) for _ in range(slow_count)]
        stop = threading.Event()

        def drip():
            header = b"GET /query?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000
            position = 0
            while not stop.is_set() and position < len(header):
                for sock in slow:
                    try:
                        sock.send(header[position : position + 1])
                    except OSError:
                        pass
                position += 1
                stop.wait(0.2)

        dripper = threading.Thread(target=drip, daemon=True)
        dripper.start()

        def ask(i: int) -> tuple[float, int, object]:
            begin = time.monotonic()
            if i % 10 == 9:  # every tenth tries a federated query
                response = requests.get(
                    url, params={"query": f"ASK {{ SERVICE <{other}/> {{ ?s ?p ?o }} }}"}, timeout=10
                )
                return time.monotonic() - begin, response.status_code, None
            response = requests.get(
                url, params={"query": text}, headers={"Accept": "application/sparql-results+json"}, timeout=10
            )
            rows = [{k: int(v["value"]) for k, v in b.items()} for b in response.json()["results"]["bindings"]]
            return time.monotonic() - begin, response.status_code, rows

        try:
            with ThreadPoolExecutor(max_workers=10) as pool:
                results = list(pool.map(ask, range(fast_count)))
            still_open = 0
            for sock in slow:  # the slow clients were held, not dropped
                sock.settimeout(0)
                try:
                    sock.recv(1)  # an answer or a close: not held
                except BlockingIOError:
                    still_open += 1
                except OSError:
                    pass
        finally:
            stop.set()
            dripper.join(5)
            for sock in slow:
                sock.close()
        elapsed = time.monotonic() - started
    latencies = [r[0] for r in results]
    print(
        f"load: {slow_count} slow clients held; {fast_count} new clients, slowest {max(latencies):.3f} s, in {elapsed:.1f} s"
    )
    assert all(
        status == 200 and rows == expected for _, status, rows in (r for i, r in enumerate(results) if i % 10 != 9)
    )
    assert all(status == 403 for i, (_, status, _) in enumerate(results) if i % 10 == 9)
    assert seen == []
    assert max(latencies) < 2, sorted(latencies)[-5:]
    assert still_open == slow_count
    assert elapsed < 30


def test_serve_says_loading_then_the_url(two_snapshots, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "hdsgraph", "serve", "--data", str(two_snapshots), "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        first, second = process.stdout.readline(), process.stdout.readline()
    finally:
        process.terminate()
        process.wait(15)
        process.stdout.close()
    assert first == f"Loading {two_snapshots / 'hds.nt'}…\n"
    assert second.startswith(f"Serving {two_snapshots / 'hds.nt'} at http://127.0.0.1:") and "/query " in second


@pytest.mark.parametrize("value", ["http://example.org/", "user@host", "a b"])
def test_allow_service_takes_hosts_not_urls(runner, two_snapshots, value):
    from hdsgraph.cli import cli

    result = runner.invoke(cli, ["serve", "--data", str(two_snapshots), "--allow-service", value])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: --allow-service {value.lower()!r}: give a host name or HOST:PORT, not a URL\n",
    )
