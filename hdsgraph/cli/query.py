from __future__ import annotations

import click
from click.core import ParameterSource

from hdsgraph.api import run
from hdsgraph.cli.common import (
    CommandError,
    data_option,
    library_errors,
    snapshot_option,
)
from hdsgraph.pipeline.answers import study_queries
from hdsgraph.rdf.results import format_result


@click.command("query")
@click.argument("query", metavar="NAME|FILE.rq", required=False)
@data_option
@click.option(
    "--endpoint", metavar="URL", default=None, help="Run the query on this SPARQL endpoint instead of a local build."
)
@click.option(
    "--default-graph",
    "default_graphs",
    metavar="IRI",
    multiple=True,
    help="With --endpoint: a graph the endpoint should query as its default graph (repeat for several).",
)
@click.option(
    "--graph",
    "prefix",
    metavar="IRI",
    default=None,
    help="With --endpoint: the --graph IRI the build was published under, when the store holds several builds.",
)
@snapshot_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="json prints the rows as answers.json holds them.",
)
@click.option("--list", "list_queries", is_flag=True, help="List the bundled queries and the question each answers.")
@click.pass_context
def query_command(ctx, query, data, endpoint, default_graphs, prefix, snapshot, fmt, list_queries):
    """Run a bundled study query, or any SPARQL SELECT file, on a build, a dump or a SPARQL
    endpoint.

    With --endpoint the query goes to any SPARQL 1.1 endpoint (hdsgraph serve, or a store
    the dataset was published to) and prints the same rows as a local run: the graphs
    hdsgraph publish wrote there are found and named in the request, so no store setting
    or flag is needed. Credentials for the endpoint come from HDSGRAPH_USER and
    HDSGRAPH_PASSWORD or a netrc file.

    Example:

    \b
        hdsgraph query hosts-by-positioning --format csv
        hdsgraph query hosts-by-positioning --endpoint http://127.0.0.1:7878/query
    """
    if list_queries or query is None:
        for name, path in study_queries().items():
            question = next(
                (
                    text[len("# Question:") :].strip()
                    for text in path.read_text(encoding="utf-8").splitlines()
                    if text.startswith("# Question:")
                ),
                "",
            )
            click.echo(f"{name:32} {question}")
        return
    if endpoint is not None and ctx.get_parameter_source("data") is ParameterSource.COMMANDLINE:
        raise CommandError("use --data or --endpoint, not both")
    if default_graphs and endpoint is None:
        raise CommandError("--default-graph needs --endpoint")
    if prefix is not None and endpoint is None:
        raise CommandError("--graph needs --endpoint")
    if prefix is not None and default_graphs:
        raise CommandError("use --graph or --default-graph, not both")
    with library_errors():
        result = run(query, endpoint if endpoint is not None else data, snapshot, default_graphs, prefix)
    click.echo(format_result(result, fmt), nl=False)
