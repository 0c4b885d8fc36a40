from __future__ import annotations

from pathlib import Path

import click

from hdsgraph.cli.common import CommandError, library_errors
from hdsgraph.pipeline.validate import validate_file


@click.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--report", type=click.Path(path_type=Path), default=None, help="Also write the SHACL report (Turtle) here."
)
def validate_command(file, report):
    """Validate a graph (a dump, or a build folder) against the hdsgraph shapes.

    Prints each violation with the node it concerns. Exit code 0 when the graph conforms,
    1 when it does not, 2 when the file cannot be read.

    Example:

        hdsgraph validate dist/hds.ttl
    """
    if report is not None and not report.parent.is_dir():  # say so before validating, not after
        raise CommandError(f"{report}: cannot write the report: the folder {report.parent} does not exist")
    with library_errors():
        result = validate_file(file)
    if report is not None:
        try:
            report.write_bytes(result.report)
        except OSError as exc:
            raise CommandError(f"{report}: cannot write the report ({exc.strerror or exc})") from None
    click.echo(result.summary(limit=200))
    if not result.conforms:
        raise click.exceptions.Exit(1)
