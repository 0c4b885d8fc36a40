"""Serve a built dataset over the SPARQL 1.1 Protocol, read-only, bounded, on the local machine.

Oxigraph (pyoxigraph) answers the queries; this module only speaks HTTP. The HTTP server is
waitress, a production WSGI server: one thread reads and writes every connection (a slow
client holds a socket, never a thread), a few threads run the application. On top of it:

- at most ``max_connections`` open connections; one more is answered 503 at once and closed;
- a deadline to receive each request whole (``read_seconds``): a client that drips its
  headers or body (slowloris) is answered 408 and closed; idle keep-alive connections are
  closed after the same time;
- requests and headers are capped (413, 431); malformed HTTP gets waitress's 400, a
  malformed SPARQL request a 4xx with a short reason, never a 500;
- the queries run in a pool of worker processes that hold the dataset (``server_worker``):
  a worker that runs past the timeout is killed and replaced (503), a result larger than
  the cap is refused (400);
- federated queries (``SERVICE``) are refused unless the operator names the host
  (``allow_service``); without any, the workers cannot even open a socket
  (``worker.no_new_files``);
- writes are refused: SPARQL Update with 403, any write method with 405.

``/query`` takes SPARQL Protocol requests (GET, or POST either form-encoded or
``application/sparql-query``); a GET without a query answers its SPARQL service
description. ``/`` is a small HTML page with a query box that works without JavaScript
(``templates/query-page.html``). Every answer carries ``Access-Control-Allow-Origin: *``,
so a browser client on another origin (YASGUI) can query the endpoint.

The dataset is served in the named-graph layout ``hdsgraph publish`` uploads (see
``graphstore``), with the union of the graphs as default graph, so queries give the same
answers here, on the dump, and on a store the dataset was published to. A query's own
``FROM`` / ``FROM NAMED``, or the protocol's ``default-graph-uri`` / ``named-graph-uri``
(which win over the query's), choose another dataset. Relative IRIs in a query resolve
against the data's base IRI (``https://w3id.org/hdsgraph/`` by default).
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from hdsgraph.describe.manifest import build_base, build_graph_prefix
from hdsgraph.errors import HdsgraphError, InputError
from hdsgraph.pipeline.answers import study_queries
from hdsgraph.rdf.namespaces import DEFAULT_BASE_URI, HDS
from hdsgraph.rdf.store import graph_file, read_ntriples
from hdsgraph.sparql.client import check_iri
from hdsgraph.sparql.description import service_description
from hdsgraph.sparql.graphstore import dataset_layout
from hdsgraph.sparql.querytext import QueryRefused, check_query
from hdsgraph.sparql.worker import TEXT, environment, negotiate, worker_main

MAX_REQUEST_BYTES = 1_000_000  # a query text longer than this is not a query someone typed
MAX_HEADER_BYTES = 64 * 1024
STARTUP_SECONDS = 120
STATUS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
Reply = tuple[int, str, bytes]
QUERY_PATHS = ("/query", "/sparql")


@dataclass(frozen=True)
class Limits:
    """What one client may take: the bounds of ``hdsgraph serve``."""

    timeout: float = 30  # seconds a query may run
    max_bytes: int = 10_000_000  # largest result sent
    workers: int = 2  # query processes
    max_connections: int = 500  # open connections; one more is answered 503
    read_seconds: float = 10  # to receive a whole request; also how long an idle connection stays open
    threads: int = 0  # application threads; 0: two per worker, at least 4
    allow_service: frozenset[str] = field(default_factory=frozenset)  # hosts SERVICE may reach

    def check(self) -> None:
        if min(self.timeout, self.max_bytes, self.workers, self.max_connections, self.read_seconds) <= 0:
            raise InputError(
                "--timeout, --max-result-bytes, --workers, --max-connections and --read-timeout must be positive"
            )
        for host in sorted(self.allow_service):
            if not re.fullmatch(r"(?:[a-z0-9_.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?", host):
                raise InputError(f"--allow-service {host!r}: give a host name or HOST:PORT, not a URL")


@dataclass
class Worker:
    process: multiprocessing.Process
    conn: object


class WorkerPool:
    """Processes holding the dataset; a query that overruns its worker's time kills it."""

    def __init__(self, graphs: list[tuple[str, bytes]], size: int, offline: bool = True):
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            self._context.set_forkserver_preload(["hdsgraph.sparql.worker"])  # forks start ready to load
        self._graphs = graphs
        self._offline = offline
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        started = [self._start() for _ in range(size)]
        for worker in started:
            self._ready(worker)

    def _start(self) -> Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=worker_main, args=(child, self._graphs, self._offline), daemon=True)
        process.start()
        child.close()
        worker = Worker(process, parent)
        with self._lock:
            self._workers.append(worker)
        return worker

    def _ready(self, worker: Worker) -> None:
        if not worker.conn.poll(STARTUP_SECONDS) or worker.conn.recv() != "ready":
            raise InputError("a query worker did not start")
        self._idle.put(worker)

    def _replace(self, worker: Worker) -> None:
        """Kill a worker and start another in the background, so the caller answers at once."""
        self._stop(worker)
        if self._closed:
            return

        def start():
            try:
                self._ready(self._start())
            except (HdsgraphError, EOFError, OSError):
                pass  # the pool runs one worker short; the busy message says so to callers

        threading.Thread(target=start, daemon=True).start()

    def _stop(self, worker: Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def ask(self, request: dict, timeout: float) -> Reply:
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            return 503, TEXT, f"every query worker stayed busy for {timeout:g} s; try again later\n".encode()
        try:
            worker.conn.send(request)
            if worker.conn.poll(timeout):
                reply = worker.conn.recv()
                self._idle.put(worker)
                return reply
        except (EOFError, OSError):
            self._replace(worker)
            return 500, TEXT, b"the query worker stopped unexpectedly\n"
        self._replace(worker)
        return 503, TEXT, f"the query ran longer than {timeout:g} s and was stopped\n".encode()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            self._stop(worker)


def query_page(example: str | None = None, synthetic: bool = False) -> bytes:
    """The page at ``/``: a query box, the study's queries as examples, the formats."""
    queries = study_queries()
    text = (
        queries[example].read_text(encoding="utf-8")
        if example in queries
        else next(iter(queries.values())).read_text(encoding="utf-8")
    )
    examples = []
    for name, path in queries.items():
        query = path.read_text(encoding="utf-8")
        question = next(
            (text[len("# Question:") :].strip() for text in query.splitlines() if text.startswith("# Question:")), ""
        )
        examples.append(
            {
                "name": name,
                "question": question,
                "href": f"/?example={quote(name)}",
                "run": "/query?format=html&query=" + quote(query),
            }
        )
    page = environment().get_template("query-page.html")
    return page.render(query=text, examples=examples, synthetic=synthetic).encode("utf-8")


@dataclass(frozen=True)
class Dataset:
    """What the application knows of the data it serves."""

    graphs: tuple[tuple[str, int], ...]  # (graph IRI, triples)
    base: str  # the data's base IRI, against which relative IRIs in queries resolve
    synthetic: bool  # any host flagged hds:synthetic true


def make_app(pool: WorkerPool, limits: Limits, dataset: Dataset, log: Callable[[str], None] = print) -> Callable:
    """The WSGI application: routes, protocol checks, then the worker pool."""

    def app(environ, start_response):
        status, content_type, body, extra = _route(environ, pool, limits, dataset)
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Access-Control-Allow-Origin", "*"),
            *extra,
        ]
        if environ.get("PATH_INFO") in QUERY_PATHS:
            headers.append(("Vary", "Accept"))
        start_response(f"{status} {STATUS.get(status, '')}".strip(), headers)
        # One line per request, without the query string (queries can be long).
        log(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} {status}")
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    return app


def _refuse(status: int, message: str, allow: str = "") -> tuple[int, str, bytes, list]:
    return status, TEXT, (message + "\n").encode(), [("Allow", allow)] if allow else []


def _form(text: str) -> dict[str, list[str]]:
    return parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=1000)


def _route(environ, pool: WorkerPool, limits: Limits, dataset: Dataset) -> tuple[int, str, bytes, list]:
    path, method = environ.get("PATH_INFO") or "/", environ["REQUEST_METHOD"]
    try:
        params = _form(environ.get("QUERY_STRING", ""))
    except (UnicodeDecodeError, ValueError) as exc:
        return _refuse(400, f"the query string cannot be read ({exc.__class__.__name__}): use UTF-8, percent-encoded")
    if method == "OPTIONS":  # a browser's CORS preflight
        return 204, TEXT, b"", [("Access-Control-Allow-Methods", "GET, POST"), ("Access-Control-Allow-Headers", "*")]
    if path == "/":
        if method not in ("GET", "HEAD"):
            return _refuse(405, "this page only answers GET", "GET, HEAD")
        page = query_page((params.get("example") or [None])[0], dataset.synthetic)
        return 200, "text/html; charset=utf-8", page, []
    if path in ("/update", "/store", "/data"):
        if path == "/update" or method not in ("GET", "HEAD"):
            return _refuse(
                403 if path == "/update" else 405,
                "this endpoint is read-only: updates and graph writes are refused",
                "" if path == "/update" else "GET, HEAD",
            )
        return _refuse(404, "no Graph Store here; read the graphs with SPARQL on /query")
    if path not in QUERY_PATHS:
        return _refuse(404, f"no such page: {path}; the SPARQL endpoint is /query")
    if method not in ("GET", "HEAD", "POST"):
        return _refuse(405, "this endpoint is read-only: only GET and POST queries", "GET, HEAD, POST")
    if method == "POST":
        refused = _read_body(environ, params)
        if refused:
            return refused
    if "update" in params:
        return _refuse(403, "this endpoint is read-only: SPARQL Update is refused")
    texts = params.get("query") or []
    if not texts and method in ("GET", "HEAD"):
        return _describe(environ, params, limits, dataset)
    if len(texts) != 1 or not texts[0].strip():
        return _refuse(400, "pass exactly one query, as the 'query' parameter")
    try:
        found = check_query(texts[0], limits.allow_service, dataset.base)
        request = {
            "query": texts[0],
            "accept": environ.get("HTTP_ACCEPT"),
            "format": params.get("format", []) + params.get("output", []) + params.get("results", []),
            "default_graphs": [check_iri(g) for g in params.get("default-graph-uri", [])],
            "named_graphs": [check_iri(g) for g in params.get("named-graph-uri", [])],
            "has_dataset": found.has_dataset,
            "base": dataset.base,
            "max_bytes": limits.max_bytes,
        }
    except QueryRefused as exc:
        return _refuse(exc.status, str(exc))
    except InputError as exc:
        return _refuse(400, str(exc))
    status, content_type, body = pool.ask(request, limits.timeout)
    return status, content_type, body, []


def _read_body(environ, params: dict) -> tuple[int, str, bytes, list] | None:
    """Add a POST body's parameters to ``params``; a refusal when it cannot be used."""
    kind, *options = [part.strip().lower() for part in (environ.get("CONTENT_TYPE") or "").split(";")]
    charset = next((o.split("=", 1)[1].strip(' "') for o in options if o.startswith("charset=")), "utf-8")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(400, "bad Content-Length")
    if length > MAX_REQUEST_BYTES:
        return _refuse(413, f"the request is larger than {MAX_REQUEST_BYTES} bytes")
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    if kind == "application/sparql-update":
        return _refuse(403, "this endpoint is read-only: SPARQL Update is refused")
    if kind not in ("application/sparql-query", "application/x-www-form-urlencoded"):
        return _refuse(415, "send the query as application/sparql-query or application/x-www-form-urlencoded")
    if charset.replace("-", "").replace("_", "") != "utf8":
        return _refuse(415, f"send the query in UTF-8, not {charset}")
    try:
        text = body.decode("utf-8")
        if kind == "application/sparql-query":
            if "query" in params:
                return _refuse(400, "pass exactly one query: in the body or the 'query' parameter, not both")
            params["query"] = [text]
        else:
            for key, values in _form(text).items():
                params.setdefault(key, []).extend(values)
    except (UnicodeDecodeError, ValueError):
        return _refuse(400, "the request body is not UTF-8 text")
    return None


def _describe(environ, params: dict, limits: Limits, dataset: Dataset) -> tuple[int, str, bytes, list]:
    """The SPARQL service description (GET on the endpoint without a query), or the query
    page for a browser that prefers HTML."""
    fmt = negotiate("graph", environ.get("HTTP_ACCEPT"), params.get("format", []))
    if fmt is None:
        return _refuse(406, "the service description is in Turtle, N-Triples, JSON-LD or RDF/XML")
    if fmt.name == "html":  # a browser
        return 200, "text/html; charset=utf-8", query_page(None, dataset.synthetic), []
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    url = f"http://{host}{environ.get('PATH_INFO')}"
    try:
        url = check_iri(url, "endpoint")
    except InputError:
        url = f"http://{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}{environ.get('PATH_INFO')}"
    body = service_description(url, dataset.graphs, fmt.oxigraph, federated=bool(limits.allow_service))
    return 200, fmt.content_type, body, []


def load_graphs(data: Path) -> list[tuple[str, bytes]]:
    """A build folder or dump -> its named graphs as (IRI, N-Triples)."""
    return [(g.iri, g.ntriples()) for g in dataset_layout(read_ntriples(Path(data)), build_graph_prefix(Path(data)))]


def describe_dataset(data: Path, graphs: list[tuple[str, bytes]]) -> Dataset:
    """The base IRI (from build.json, else the graph prefix minus ``graph/``), the graphs and
    their sizes, and whether the data is synthetic (read from the graph, never assumed)."""
    base = build_base(Path(data))
    if base is None:
        prefix = graphs[0][0].rsplit("graph/", 1)[0] if graphs and "graph/" in graphs[0][0] else DEFAULT_BASE_URI
        base = prefix
    flag = f'<{HDS}synthetic> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .'.encode()
    synthetic = any(flag in nt for _, nt in graphs)
    sizes = tuple((iri, nt.count(b"\n")) for iri, nt in graphs)
    return Dataset(sizes, base, synthetic)


class _Channel(HTTPChannel):
    """A waitress channel that knows since when it has been reading the current request."""

    reading_since: float | None = None

    def received(self, data):
        fresh = self.request is None
        result = super().received(data)
        if self.request is None:
            self.reading_since = None
        elif fresh:
            self.reading_since = time.monotonic()
        return result


class _Refusal(wasyncore.dispatcher):
    """A connection over the limit: answered 503 at once, its input drained, closed."""

    def __init__(self, sock, socket_map, message: bytes):
        super().__init__(sock, socket_map)
        self.pending, self.until = message, time.monotonic() + 2

    def writable(self):
        return bool(self.pending)

    def handle_write(self):
        sent = self.send(self.pending)
        self.pending = self.pending[sent:]
        if not self.pending:
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                self.close()

    def readable(self):
        if time.monotonic() > self.until:
            self.close()
            return False
        return True

    def handle_read(self):
        self.recv(65536)  # an empty read (the client closed) closes it

    def handle_close(self):
        self.close()


def _raw_reply(status: int, message: str) -> bytes:
    body = (message + "\n").encode()
    return (
        f"HTTP/1.1 {status} {STATUS[status]}\r\nContent-Type: {TEXT}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\nRetry-After: 5\r\n\r\n"
    ).encode() + body


class BoundedServer(TcpWSGIServer):
    """waitress, with a cap on connections (503 past it) and a deadline per request (408)."""

    channel_class = _Channel

    def __init__(self, app, limits: Limits, **options):
        self.limits = limits
        super().__init__(
            app,
            threads=limits.threads or max(4, 2 * limits.workers),
            connection_limit=limits.max_connections + 1000,  # waitress's own stop; ours answers 503 first
            channel_timeout=max(1, round(limits.read_seconds)),
            cleanup_interval=1,
            max_request_body_size=MAX_REQUEST_BYTES,
            max_request_header_size=MAX_HEADER_BYTES,
            backlog=1024,
            expose_tracebacks=False,
            ident="hdsgraph",
            **options,
        )

    def handle_accept(self):
        if len(self.active_channels) < self.limits.max_connections:
            return super().handle_accept()
        try:
            accepted = self.accept()
        except OSError:
            return None
        if accepted is not None:
            message = f"this endpoint has {self.limits.max_connections} connections open, its limit; try again later"
            _Refusal(accepted[0], self._map, _raw_reply(503, message))
        return None

    def maintenance(self, now):
        """Every second: a request still arriving after ``read_seconds`` gets 408; a connection
        idle (no request in it) for as long is closed, as waitress's channel_timeout does."""
        late, idle = time.monotonic() - self.limits.read_seconds, now - self.limits.read_seconds
        for channel in list(self.active_channels.values()):
            if channel.will_close or channel.close_when_flushed:
                continue
            since = getattr(channel, "reading_since", None)
            if since is not None and since < late:
                channel.reading_since = None
                message = f"the request did not arrive whole within {self.limits.read_seconds:g} s"
                channel.write_soon(_raw_reply(408, message))
                channel.close_when_flushed = True
            elif since is None and not channel.requests and channel.last_activity < idle:
                channel.will_close = True


def serve(
    data: Path,
    host: str = "127.0.0.1",
    port: int = 7878,
    limits: Limits | None = None,
    on_ready: Callable[[str, Path], None] | None = None,
    log: Callable[[str], None] = print,
    on_loading: Callable[[Path], None] | None = None,
) -> None:
    """Serve ``data`` until interrupted. ``on_loading`` gets the dump before it is read,
    ``on_ready`` the query URL once requests are taken."""
    limits = limits or Limits()
    limits.check()
    source = graph_file(Path(data))
    try:  # listen first: a port in use fails before any worker starts
        server = BoundedServer(lambda environ, start: [], limits, host=host, port=port)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    except ValueError as exc:  # waitress's word for an address it cannot resolve
        raise InputError(f"cannot listen on {host}:{port} ({exc})") from None
    logging.getLogger("waitress").setLevel(logging.ERROR)  # its queue-depth warnings are not the user's business
    try:
        if on_loading is not None:
            on_loading(source)
        graphs = load_graphs(source)
        dataset = describe_dataset(Path(data), graphs)
        pool = WorkerPool(graphs, limits.workers, offline=not limits.allow_service)
        del graphs
        try:
            server.application = make_app(pool, limits, dataset, log)
            bound_host, bound_port = server.effective_host, server.effective_port
            shown_host = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
            if on_ready is not None:
                on_ready(f"http://{shown_host}:{bound_port}/query", source)
            server.run()
        finally:
            pool.close()
    finally:
        server.close()
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
