from __future__ import annotations

import signal
from pathlib import Path

import click

from hdsgraph.cli.common import data_option, library_errors
from hdsgraph.sparql.server import Limits, serve


@click.command("serve")
@data_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; only this machine can connect unless you change it.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=7878,
    show_default=True,
    help="Port to listen on (0: any free port, printed at start).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30,
    show_default=True,
    help="Seconds a query may run before it is stopped with an error (HTTP 503).",
)
@click.option(
    "--max-result-bytes",
    type=click.IntRange(min=1),
    default=10_000_000,
    show_default=True,
    help="Largest result sent; a larger one is refused (HTTP 400).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Queries answered at the same time (one process each).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Open connections at most; one more is answered at once with HTTP 503.",
)
@click.option(
    "--read-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10,
    show_default=True,
    help="Seconds a client has to send a whole request (else HTTP 408); idle connections close after it too.",
)
@click.option(
    "--allow-service",
    "allow_service",
    metavar="HOST",
    multiple=True,
    help="A host (or HOST:PORT) that federated queries (SERVICE) may send requests to; repeat for "
    "several. Default: none, SERVICE is refused (HTTP 403).",
)
def serve_command(data, host, port, timeout, max_result_bytes, workers, max_connections, read_timeout, allow_service):
    """Serve a build (or a dump) as a read-only SPARQL 1.1 endpoint, until stopped.

    Queries go to /query by GET or POST (SPARQL 1.1 Protocol); results come as SPARQL
    JSON, XML, CSV or TSV, and CONSTRUCT or DESCRIBE results as Turtle, N-Triples,
    JSON-LD or RDF/XML, by content negotiation (Accept) or the format parameter. A GET on
    /query without a query gives the service description. SPARQL Update and Graph Store
    writes are refused, and so is SERVICE unless --allow-service names the host. / is a
    page with a query box and the study's queries. A query without GRAPH or FROM sees the
    whole dataset. Prints "Loading ..." at start, then the URL once it answers.

    Example:

    \b
        hdsgraph serve --data dist --port 7878
        hdsgraph query hosts-by-positioning --endpoint http://127.0.0.1:7878/query
    """

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # stop cleanly (workers too) when killed politely

    def ready(url: str, source: Path) -> None:
        click.echo(f"Serving {source} at {url} (the query page at {url[: -len('query')]}); Ctrl-C stops")

    limits = Limits(
        timeout=timeout,
        max_bytes=max_result_bytes,
        workers=workers,
        max_connections=max_connections,
        read_seconds=read_timeout,
        allow_service=frozenset(h.strip().lower() for h in allow_service if h.strip()),
    )
    try:
        with library_errors():
            serve(
                data,
                host,
                port,
                limits,
                on_ready=ready,
                log=lambda line: click.echo(line, err=True),
                on_loading=lambda source: click.echo(f"Loading {source}…"),
            )
    except KeyboardInterrupt:
        pass
    click.echo("Stopped")
