from __future__ import annotations

import signal
from pathlib import Path

import click

from hdsgraph.cli.common import data_option, library_errors
from hdsgraph.sparql.server import serve


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
def serve_command(data, host, port, timeout, max_result_bytes, workers):
    """Serve a build (or a dump) as a read-only SPARQL 1.1 endpoint, until stopped.

    Queries go to /query by GET or POST (SPARQL 1.1 Protocol); results come as SPARQL
    JSON, XML, CSV or TSV, and CONSTRUCT or DESCRIBE results as Turtle, N-Triples or
    JSON-LD, by content negotiation (Accept) or the format parameter. SPARQL Update and
    Graph Store writes are refused. / is a page with a query box and the study's
    queries. A query without GRAPH sees the whole dataset.

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

    try:
        with library_errors():
            serve(
                data,
                host,
                port,
                timeout,
                max_result_bytes,
                workers,
                on_ready=ready,
                log=lambda line: click.echo(line, err=True),
            )
    except KeyboardInterrupt:
        click.echo("Stopped")
