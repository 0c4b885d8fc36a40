from __future__ import annotations

from pathlib import Path

import click

from hdsgraph.cli.common import library_errors, quiet_option


@click.command("qualify")
@click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A canonical registry CSV or a folder of dated ones (repeat for several), or a build folder.  "
    "[default: snapshots]",
)
@click.option(
    "--qualification",
    type=click.Path(path_type=Path),
    default=None,
    help="The reviewed qualification table: its values are kept as they are (never overwritten).",
)
@click.option(
    "--cache",
    type=click.Path(path_type=Path),
    default=Path("qualification-cache"),
    show_default=True,
    help="Where the services' answers are kept, with their URL, time and SHA-256.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("proposals.csv"),
    show_default=True,
    help="The proposal table to write.",
)
@click.option("--offline", is_flag=True, help="Read the cache only: never reach the services.")
@click.option(
    "--company-api", metavar="URL", default=None, help="The API Recherche d'entreprises (or HDSGRAPH_COMPANY_API)."
)
@click.option("--gleif-api", metavar="URL", default=None, help="The GLEIF API (or HDSGRAPH_GLEIF_API).")
@click.option(
    "--wikidata-sparql", metavar="URL", default=None, help="The Wikidata SPARQL endpoint (or HDSGRAPH_WIKIDATA_SPARQL)."
)
@quiet_option
def qualify_command(registries, qualification, cache, out, offline, company_api, gleif_api, wikidata_sparql, quiet):
    """Propose each host's SIREN, positioning, nationality and parent from open data, with
    the evidence, for a person to review.

    Asks the API Recherche d'entreprises (name -> SIREN, legal category, NAF code, FINESS,
    head office abroad), GLEIF (LEI and ultimate parent) and Wikidata (parent chain and
    country), politely (at most 7 requests/s, back-off on 429), and caches every answer.
    Writes OUT, one row per host, weakest first: the review queue. Values of the
    qualification table win and are copied as "reviewed". A service down: one line, exit
    code 2, the cache and an earlier OUT left as they were.

    Example:

        hdsgraph qualify --registry snapshots --qualification hosts.csv --out proposals.csv
        hdsgraph build --registry snapshots --qualification hosts.csv --proposals proposals.csv
    """
    import sys

    from hdsgraph.qualification.run import qualify_registry
    from hdsgraph.qualification.services import Endpoints

    endpoints = Endpoints.from_environment(company=company_api, gleif=gleif_api, wikidata=wikidata_sparql)
    with library_errors(), _progress(quiet or not sys.stderr.isatty()) as progress:
        result = qualify_registry(
            registries or [Path("snapshots")], qualification, out, cache, offline, endpoints, progress
        )
    if quiet:
        return
    for axis in ("positioning", "nationality"):
        counts = ", ".join(f"{name} {n}" for name, n in result.counts(axis).items())
        click.echo(f"{axis.capitalize()}: {counts}")
    click.echo(
        f"Wrote {out}: {len(result.rows)} hosts, {result.to_review} to review first; "
        f"{result.requests} requests to the services ({'offline' if offline else 'the rest from the cache'})"
    )


class _progress:
    """A progress bar on stderr (a terminal only), as a (done, total) callback."""

    def __init__(self, off: bool):
        self.off = off
        self.bar = None

    def __enter__(self):
        if self.off:
            return None
        from hdsgraph.cli.common import progress_bar

        self.bar = progress_bar()  # on stderr, the stream whose terminal decided it is shown
        self.bar.start()
        task = self.bar.add_task("Qualifying", total=None, count="")
        return lambda done, total: self.bar.update(task, completed=done, total=total, count=f"{done:,}/{total:,} steps")

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
