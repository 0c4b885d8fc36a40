from __future__ import annotations

from pathlib import Path

import click

from hdsgraph.cli.common import data_option, library_errors, snapshot_option
from hdsgraph.study.report import write_report


@click.command("report")
@data_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("report"),
    show_default=True,
    help="Output folder: report.md, report.html and the charts (SVG).",
)
@click.option(
    "--figures",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FIGURES.yaml",
    help="Published figures to compare with.  [default: the study's, seeds/study-2022.yaml]",
)
@snapshot_option
def report_command(data, out, figures, snapshot):
    """Write a report comparing a build with the study's published figures.

    For each question of the study: the figure computed from the graph, the published
    figure, the difference, whether it prints the same, and the query that computed it;
    then the history across snapshots and charts (positioning, nationality, activity
    coverage, hosts over time). report.html is self-contained: the charts are inline SVG.
    The report says plainly when the data is synthetic.

    Example:

    \b
        hdsgraph build
        hdsgraph report --out report
    """
    with library_errors():
        report = write_report(data, out, figures, snapshot)
    compared = [line for section in report.sections for line in section.lines if line.matches is not None]
    matched = sum(1 for line in compared if line.matches)
    click.echo(f"Published figures matched as printed: {matched} of {len(compared)}")
    for line in compared:
        if not line.matches:
            click.echo(f"  - {line.question}: study {line.published}, this graph {line.computed}")
    if report.synthetic:
        click.echo(f"Note: {report.synthetic} of the {report.hosts} hosts are synthetic (demonstration data)")
    click.echo(f"Wrote {out}/ ({', '.join(sorted(report.files()))})")
