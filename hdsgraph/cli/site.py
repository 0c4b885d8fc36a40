from __future__ import annotations

from pathlib import Path

import click

from hdsgraph.cli.common import data_option, library_errors
from hdsgraph.site.pages import write_site


@click.command("site")
@data_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("dist/site"),
    show_default=True,
    help="Output folder of the site.",
)
@click.option(
    "--base-url",
    metavar="URL",
    default=None,
    help="The URL the site will be served from (ending with /), for the w3id.org redirect rules "
    "and the nginx snippet. Default: the data's base URI.",
)
@click.option(
    "--report-url",
    metavar="URL",
    default=None,
    help="Where the report ('hdsgraph report') is published, linked from every page. Default: no link.",
)
def site_command(data, out, base_url, report_url):
    """Write a static Linked Data site of a build: one HTML page per host, certificate,
    activity, certificate type, certification body, positioning and snapshot, each with its
    description in Turtle and JSON-LD beside it; an index; a directory; the dataset page; a
    page documenting the ontology; and the server configuration for content negotiation
    (.htaccess, nginx.conf, and w3id.htaccess when --base-url is given). Pages are in French,
    with their English version under en/.

    The site is replaced whole. A later 'hdsgraph build' into the same folder removes
    OUT when it lies inside the build folder (the default): run 'hdsgraph site' again.

    Example:

    \b
        hdsgraph build
        hdsgraph site
        python -m http.server -d dist/site
    """
    with library_errors():
        files = write_site(data, out, base_url, report_url)
    pages = sum(1 for name in files if name.endswith(".html"))
    click.echo(f"Wrote {out}/: {pages} pages, {len(files) + 1} files")
