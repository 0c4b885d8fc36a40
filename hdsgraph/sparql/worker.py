"""The query worker of ``hdsgraph serve``: one process holding the dataset in Oxigraph.

The server sends each query to an idle worker and waits at most the timeout; a worker
that runs longer is killed and replaced, which is what stops a runaway query (Oxigraph
has no timeout of its own in Python). A worker answers with (status, content type,
body): the results serialised in the negotiated format, and at most ``max_bytes`` long.
The HTML page of results comes from ``templates/results.html``, written into the capped
buffer as it renders, a few rows at a time.
"""

from __future__ import annotations

import csv
import os
import resource
import signal
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from hdsgraph.rdf.namespaces import XSD
from hdsgraph.rdf.results import python_value
from hdsgraph.resources import data_file, template_environment

TEXT = "text/plain; charset=utf-8"
TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_CHUNK = 1 << 16  # characters of the HTML page rendered before they go to the capped buffer


@cache
def environment():
    """The Jinja environment of the endpoint's pages (the query page and the results),
    escaping as ``html.escape`` does; ``is link`` tells an http(s) IRI (the only terms shown as
    links) from other terms, ``shown`` prints a number as the CLI does."""
    env = template_environment(TEMPLATES, stdlib_escaping=True, trim_blocks=True, lstrip_blocks=True)
    env.tests["link"] = lambda term: (
        isinstance(term, ox.NamedNode) and term.value.lower().startswith(("http://", "https://"))
    )
    env.filters["shown"] = shown
    return env


def shown(term) -> str:
    """A term as the results page shows it: numbers as the CLI prints them, else the value."""
    if isinstance(term, ox.Literal) and term.datatype is not None and term.datatype.value != XSD + "boolean":
        value = python_value(term)
        if isinstance(value, (int, float)):
            return str(value)
    return term.value


@dataclass(frozen=True)
class ResultFormat:
    result: str  # "solutions" (SELECT, ASK) or "graph" (CONSTRUCT, DESCRIBE)
    name: str  # the value of the ``format`` parameter
    media_type: str
    also_accepted: tuple[str, ...]
    oxigraph: str  # the Oxigraph format's name; "" for the HTML page
    aliases: tuple[str, ...] = ()  # other ``format`` values clients send (SPARQLWrapper: xml, rdf+xml, json-ld, n3...)
    format_iri: str = ""  # its W3C IRI (http://www.w3.org/ns/formats/), for the service description

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.name in ("json", "jsonld", "xml", "rdfxml")
        return self.media_type + ("; charset=utf-8" if textual else "")


@cache
def result_formats() -> tuple[ResultFormat, ...]:
    with data_file("result-formats.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            ResultFormat(
                r["result"],
                r["name"],
                r["media_type"],
                tuple(r["also_accepted"].split()),
                r["oxigraph"],
                tuple(r["aliases"].split()),
                r["format_iri"],
            )
            for r in csv.DictReader(f)
        )


def accept_ranges(header: str | None) -> list[tuple[str, float]]:
    """An Accept header -> (media range, quality) pairs; no header accepts anything."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
                quality = min(max(quality, 0.0), 1.0) if quality == quality else 0.0  # NaN, 7, -1: clamped
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def named_format(result: str, names) -> ResultFormat | None:
    """The first of the ``format`` values (names, aliases or media types) that names a format
    of this kind of result; None when none does."""
    offered = [f for f in result_formats() if f.result == result]
    for name in [names] if isinstance(names, str) else names or ():
        wanted = name.split(";")[0].strip().lower()
        found = next((f for f in offered if wanted == f.name or wanted in f.aliases), None)
        if found is not None:
            return found
    return None


def negotiate(result: str, accept: str | None, name=None) -> ResultFormat | None:
    """The format to answer in: the one ``name`` (a ``format`` value, or a list of them) asks
    for, else the best the Accept header allows (the table's first format of the kind wins
    ties), else None. A ``format`` value this endpoint does not know leaves the choice to Accept."""
    offered = [f for f in result_formats() if f.result == result]
    chosen = named_format(result, name)
    if chosen is not None:
        return chosen
    ranges = accept_ranges(accept)

    def quality(fmt: ResultFormat) -> tuple[float, int]:
        best, specificity = 0.0, -2
        for media, q in ranges:
            major = media.split("/")[0]
            if media in (fmt.media_type, *fmt.also_accepted):
                rank = 2 if media == fmt.media_type else 1
            elif media == f"{major}/*" and fmt.media_type.startswith(major + "/"):
                rank = 0
            elif media == "*/*":
                rank = -1
            else:
                continue
            if rank > specificity:
                best, specificity = q, rank
        return best, specificity

    scored = [(quality(f), -i, f) for i, f in enumerate(offered)]
    (best, _), _, chosen = max(scored, key=lambda s: (s[0][0], s[0][1], s[1]))
    return chosen if best > 0 else None


class ResultTooLarge(Exception):
    pass


class CappedBuffer:
    """A binary sink that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.size, self.overflowed = limit, [], 0, False

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.overflowed = True
            raise ResultTooLarge()
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def answer(store: ox.Store, request: dict) -> tuple[int, str, bytes]:
    """One query request -> (HTTP status, content type, body)."""
    default_graphs = [ox.NamedNode(g) for g in request.get("default_graphs", ())]
    named_graphs = [ox.NamedNode(g) for g in request.get("named_graphs", ())]
    # The dataset: the protocol's graphs when given (they override the query's FROM), else the
    # query's own FROM / FROM NAMED, else the union of the graphs as default graph.
    protocol = bool(default_graphs or named_graphs)
    try:
        results = store.query(
            request["query"],
            base_iri=request.get("base"),
            use_default_graph_as_union=not protocol and not request.get("has_dataset", False),
            default_graph=default_graphs if protocol else None,
            named_graphs=named_graphs if protocol else None,
        )
    except SyntaxError as exc:
        return 400, TEXT, f"not a valid SPARQL query: {' '.join(str(exc).split())}\n".encode()
    kind = "graph" if isinstance(results, ox.QueryTriples) else "solutions"
    fmt = negotiate(kind, request.get("accept"), request.get("format"))
    if fmt is None:
        names = ", ".join(f"{f.name} ({f.media_type})" for f in result_formats() if f.result == kind)
        asked = f"Accept: {request.get('accept')}"
        return 406, TEXT, f"cannot answer {asked} for this query; it offers {names}\n".encode()
    sink = CappedBuffer(request["max_bytes"])
    try:
        if fmt.name == "html":
            _html(results, sink, request.get("query", ""))
        elif kind == "graph":
            results.serialize(sink, getattr(ox.RdfFormat, fmt.oxigraph))
        else:
            results.serialize(sink, getattr(ox.QueryResultsFormat, fmt.oxigraph))
    except (ResultTooLarge, OSError) as exc:
        if not sink.overflowed:  # e.g. a SERVICE that cannot be reached: the query, not the server
            return 400, TEXT, f"the query failed: {' '.join(str(exc).split())}\n".encode()
        return (
            400,
            TEXT,
            (
                f"the result is larger than this endpoint's cap of {request['max_bytes']} bytes; "
                "add a LIMIT or ask for less\n"
            ).encode(),
        )
    return 200, fmt.content_type, sink.getvalue()


def _html(results, sink: CappedBuffer, query: str = "") -> None:
    """Results as a plain HTML page, for the query box (no JavaScript), rendered piece by
    piece into ``sink``: a result past the cap stops rendering there. The page repeats the
    query; numbers are shown as the CLI prints them (shares to 4 places)."""
    if isinstance(results, ox.QueryBoolean):
        context = {"kind": "boolean", "answer": bool(results)}
    elif isinstance(results, ox.QueryTriples):
        context = {"kind": "graph", "triples": results}
    else:
        columns = [v.value for v in results.variables]
        context = {
            "kind": "solutions",
            "columns": columns,
            "rows": ([solution[c] for c in columns] for solution in results),
        }
    context["query"] = query
    pending: list[str] = []
    size = 0
    for text in environment().get_template("results.html").generate(context):
        pending.append(text)
        size += len(text)
        if size >= HTML_CHUNK:  # a few rows at a time: fewer writes, still stopped at the cap
            sink.write("".join(pending).encode("utf-8"))
            pending, size = [], 0
    sink.write("".join(pending).encode("utf-8"))


def no_new_files() -> None:
    """Let this process open no more files or sockets: a worker that may send no federated
    query cannot, even if a query got past the server's check (Oxigraph's HTTP client opens
    its sockets itself, out of Python's reach). Everything the worker needs is open by now:
    every free descriptor number below the highest open one is filled, then the limit set
    just above it."""
    if not os.path.isdir("/proc/self/fd"):
        return
    highest = max(int(fd) for fd in os.listdir("/proc/self/fd"))
    while True:
        filler = os.open(os.devnull, os.O_RDONLY)  # the lowest free number
        if filler > highest:
            os.close(filler)
            break
    resource.setrlimit(resource.RLIMIT_NOFILE, (highest + 1, highest + 1))


def worker_main(conn, graphs: list[tuple[str, bytes]], offline: bool = True) -> None:
    """Load the named graphs, say ready, then answer requests until the server hangs up.
    ``offline``: no SERVICE host is allowed, so the worker opens no socket (``no_new_files``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops its workers
    # Not rdf.store.load_store: this store holds several named graphs, loaded in the worker
    # process from graphs the server has already parsed and split (graphstore.dataset_layout).
    store = ox.Store()
    for iri, nt in graphs:
        store.bulk_load(nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
    environment().get_template("results.html")  # read now: no file is opened once offline
    result_formats()
    if offline:
        no_new_files()
    conn.send("ready")
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            reply = answer(store, request)
        except Exception as exc:  # noqa: BLE001 - a worker must answer, whatever the query did
            reply = (500, TEXT, f"the query failed: {type(exc).__name__}: {exc}\n".encode())
        conn.send(reply)
