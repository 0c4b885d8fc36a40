from __future__ import annotations

import click

from hdsgraph.cli.common import data_option, library_errors
from hdsgraph.rdf.results import format_result
from hdsgraph.study.history import compare


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@data_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv"]),
    default="table",
    show_default=True,
    help="csv prints only the rows, for a spreadsheet or another program.",
)
def diff_command(old, new, data, fmt):
    """List the hosts that appeared, disappeared, or changed activities between two
    registries: two registry files, or two snapshot ids of a build (--data).

    A host is the same on both sides when it has the same SIREN, or without one the same
    name (case, accents and legal forms aside). Columns: change, host, siren,
    old_activities, new_activities. The table ends with a count of each kind of change.

    Example:

        hdsgraph diff 2020-07 2022-04

        hdsgraph diff seeds/registries/2020-07.csv seeds/registries/2022-04.csv --format csv
    """
    with library_errors():
        result = compare(old, new, data)
    for listing in (result.old, result.new):
        if listing.quarantined:
            click.echo(
                f"warning: {listing.label}: {listing.quarantined} unusable row(s) left out "
                "(see 'hdsgraph build' for the reasons)",
                err=True,
            )
    click.echo(format_result(result.result, fmt), nl=False)
    if fmt == "table":
        click.echo(result.summary())
