from __future__ import annotations

import click

from hdsgraph.cli.common import data_option, library_errors, snapshot_option
from hdsgraph.query import format_result, query_text, run_select, study_queries
from hdsgraph.store import open_store


@click.command("query")
@click.argument("query", metavar="NAME|FILE.rq", required=False)
@data_option
@snapshot_option
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
    help="json prints the rows as answers.json holds them.",
)
@click.option("--list", "list_queries", is_flag=True, help="List the bundled queries and the question each answers.")
def query_command(query, data, snapshot, fmt, list_queries):
    """Run a bundled study query, or any SPARQL SELECT file, on a build or a dump.

    Example:

        hdsgraph query hosts-by-positioning --format csv
    """
    if list_queries or query is None:
        for name, path in study_queries().items():
            question = next((l[len("# Question:"):].strip() for l in path.read_text(encoding="utf-8").splitlines()
                             if l.startswith("# Question:")), "")
            click.echo(f"{name:32} {question}")
        return
    with library_errors():
        name, text = query_text(query)
        result = run_select(open_store(data), text, snapshot, name)
    click.echo(format_result(result, fmt), nl=False)
