"""The hdsgraph command line. Commands parse options, call the library, print, and pick the
exit code: 0 success, 1 the data does not conform, 2 unusable input."""

from __future__ import annotations

import click

from hdsgraph._version import __version__
from hdsgraph.cli.build import build_command
from hdsgraph.cli.diff import diff_command
from hdsgraph.cli.fetch import fetch_command
from hdsgraph.cli.import_ import import_command
from hdsgraph.cli.publish import publish_command
from hdsgraph.cli.query import query_command
from hdsgraph.cli.report import report_command
from hdsgraph.cli.serve import serve_command
from hdsgraph.cli.site import site_command
from hdsgraph.cli.synth import synth_command
from hdsgraph.cli.validate import validate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="hdsgraph")
def cli():
    """Publish the French registry of certified health-data hosts (HDS) as an open,
    validated knowledge graph, and answer questions about it with SPARQL."""


cli.add_command(build_command)
cli.add_command(validate_command)
cli.add_command(query_command)
cli.add_command(site_command)
cli.add_command(serve_command)
cli.add_command(publish_command)
cli.add_command(import_command)
cli.add_command(fetch_command)
cli.add_command(synth_command)
cli.add_command(diff_command)
cli.add_command(report_command)
