"""Serve a built dataset over the SPARQL 1.1 Protocol, read-only, on the local machine.

Oxigraph (pyoxigraph) answers the queries; this module only speaks HTTP: a threaded
``wsgiref`` server takes SPARQL Protocol requests on ``/query`` (GET, or POST either
form-encoded or ``application/sparql-query``) and hands each to a pool of worker
processes that hold the dataset (``server_worker``). A worker that runs past the timeout
is killed and replaced, so a heavy query ends with an error instead of taking the
service down; a result larger than the cap is refused. Writes are refused: SPARQL Update
with 403, any write method with 405. ``/`` is a small HTML page with a query box that
works without JavaScript (``templates/query-page.html``).

The dataset is served in the named-graph layout ``hdsgraph publish`` uploads (see
``graphstore``), with the union of the graphs as default graph, so queries give the same
answers here, on the dump, and on a store the dataset was published to.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from hdsgraph.describe.manifest import build_graph_prefix
from hdsgraph.errors import HdsgraphError, InputError
from hdsgraph.pipeline.answers import study_queries
from hdsgraph.rdf.store import graph_file, read_ntriples
from hdsgraph.sparql.client import check_iri
from hdsgraph.sparql.graphstore import dataset_layout
from hdsgraph.sparql.worker import TEXT, environment, worker_main

MAX_REQUEST_BYTES = 1_000_000  # a query text longer than this is not a query someone typed
STARTUP_SECONDS = 120
STATUS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
Reply = tuple[int, str, bytes]


@dataclass
class Worker:
    process: multiprocessing.Process
    conn: object


class WorkerPool:
    """Processes holding the dataset; a query that overruns its worker's time kills it."""

    def __init__(self, graphs: list[tuple[str, bytes]], size: int):
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            self._context.set_forkserver_preload(["hdsgraph.sparql.worker"])  # forks start ready to load
        self._graphs = graphs
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        started = [self._start() for _ in range(size)]
        for worker in started:
            self._ready(worker)

    def _start(self) -> Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=worker_main, args=(child, self._graphs), daemon=True)
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


def query_page(example: str | None = None) -> bytes:
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
    return environment().get_template("query-page.html").render(query=text, examples=examples).encode("utf-8")


def make_app(pool: WorkerPool, timeout: float, max_bytes: int) -> Callable:
    """The WSGI application: routes, protocol checks, then the worker pool."""

    def app(environ, start_response):
        status, content_type, body, extra = _route(environ, pool, timeout, max_bytes)
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra]
        if environ["PATH_INFO"] in ("/query", "/sparql"):
            headers.append(("Vary", "Accept"))
        start_response(f"{status} {STATUS.get(status, '')}".strip(), headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    return app


def _refuse(status: int, message: str, allow: str = "") -> tuple[int, str, bytes, list]:
    return status, TEXT, (message + "\n").encode(), [("Allow", allow)] if allow else []


def _route(environ, pool: WorkerPool, timeout: float, max_bytes: int) -> tuple[int, str, bytes, list]:
    path, method = environ.get("PATH_INFO") or "/", environ["REQUEST_METHOD"]
    params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if path == "/":
        if method not in ("GET", "HEAD"):
            return _refuse(405, "this page only answers GET", "GET, HEAD")
        return 200, "text/html; charset=utf-8", query_page((params.get("example") or [None])[0]), []
    if path in ("/update", "/store", "/data"):
        if path == "/update" or method not in ("GET", "HEAD"):
            return _refuse(
                403 if path == "/update" else 405,
                "this endpoint is read-only: updates and graph writes are refused",
                "" if path == "/update" else "GET, HEAD",
            )
        return _refuse(404, "no Graph Store here; read the graphs with SPARQL on /query")
    if path not in ("/query", "/sparql"):
        return _refuse(404, f"no such page: {path}; the SPARQL endpoint is /query")
    if method not in ("GET", "HEAD", "POST"):
        return _refuse(405, "this endpoint is read-only: only GET and POST queries", "GET, HEAD, POST")
    if method == "POST":
        kind = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refuse(400, "bad Content-Length")
        if length > MAX_REQUEST_BYTES:
            return _refuse(413, f"the request is larger than {MAX_REQUEST_BYTES} bytes")
        body = environ["wsgi.input"].read(length) if length else b""
        if kind == "application/sparql-update":
            return _refuse(403, "this endpoint is read-only: SPARQL Update is refused")
        if kind == "application/sparql-query":
            params["query"] = [body.decode("utf-8", "replace")]
        elif kind == "application/x-www-form-urlencoded":
            params.update(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
        else:
            return _refuse(415, "send the query as application/sparql-query or application/x-www-form-urlencoded")
    if "update" in params:
        return _refuse(403, "this endpoint is read-only: SPARQL Update is refused")
    texts = params.get("query") or []
    if len(texts) != 1 or not texts[0].strip():
        return _refuse(400, "pass exactly one query, as the 'query' parameter")
    try:
        request = {
            "query": texts[0],
            "accept": environ.get("HTTP_ACCEPT"),
            "format": (params.get("format") or [None])[0],
            "default_graphs": [check_iri(g) for g in params.get("default-graph-uri", [])],
            "named_graphs": [check_iri(g) for g in params.get("named-graph-uri", [])],
            "max_bytes": max_bytes,
        }
    except InputError as exc:
        return _refuse(400, str(exc))
    status, content_type, body = pool.ask(request, timeout)
    return status, content_type, body, []


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the name wsgiref uses
        # One line per request, without the query string (queries can be long).
        self.server.log(f"{self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}".strip())


def load_graphs(data: Path) -> list[tuple[str, bytes]]:
    """A build folder or dump -> its named graphs as (IRI, N-Triples)."""
    return [(g.iri, g.ntriples()) for g in dataset_layout(read_ntriples(Path(data)), build_graph_prefix(Path(data)))]


def serve(
    data: Path,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout: float = 30,
    max_bytes: int = 10_000_000,
    workers: int = 2,
    on_ready: Callable[[str, Path], None] | None = None,
    log: Callable[[str], None] = print,
) -> None:
    """Serve ``data`` until interrupted. ``on_ready`` gets the query URL once requests are taken."""
    if timeout <= 0 or max_bytes <= 0 or workers <= 0:
        raise InputError("--timeout, --max-result-bytes and --workers must be positive")
    source = graph_file(Path(data))
    graphs = load_graphs(source)
    try:  # listen first: a port in use fails before any worker starts
        server = make_server(host, port, lambda environ, start: [], _ThreadingServer, _QuietHandler)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    server.log = log
    try:
        pool = WorkerPool(graphs, workers)
        try:
            server.set_app(make_app(pool, timeout, max_bytes))
            bound_host, bound_port = server.server_address[:2]
            shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
            if on_ready is not None:
                on_ready(f"http://{shown_host}:{bound_port}/query", source)
            server.serve_forever(poll_interval=0.2)
        finally:
            pool.close()
    finally:
        server.server_close()
