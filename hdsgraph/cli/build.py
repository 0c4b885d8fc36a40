from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from hdsgraph.cli.common import (
    CommandError,
    library_errors,
    quiet_option,
    stage_progress,
)
from hdsgraph.describe.catalog import CatalogOptions
from hdsgraph.errors import ValidationFailed
from hdsgraph.pipeline.build import BuildReport, build
from hdsgraph.rdf.namespaces import DEFAULT_BASE_URI

UNQUALIFIED_SHOWN = 50


@click.command("build")
@click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A canonical registry CSV, or a folder of dated ones (YYYY-MM.csv). Repeat for several "
    "snapshots. Default: the bundled demonstration snapshots.",
)
@click.option(
    "--qualification",
    type=click.Path(path_type=Path),
    default=None,
    help="A CSV giving hosts' positioning and nationality, keyed by siren or host.",
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("dist"), show_default=True, help="Output folder.")
@click.option("--base-uri", default=DEFAULT_BASE_URI, show_default=True, help="Base of the data IRIs.")
@click.option("--download-url", metavar="URL", default=None,
              help="Where the output files can be downloaded, for the catalogue. Default: {base-uri}dist/.")
@click.option("--sparql-endpoint", metavar="URL", default=None,
              help="A SPARQL endpoint serving the graph, announced in the catalogue and VoID.")
@click.option("--catalog-skeleton", type=click.Path(path_type=Path), default=None,
              help="Your own copy of the catalogue's fixed text (publisher, contact point...), in Turtle.")
@quiet_option
def build_command(registries, qualification, out, base_uri, download_url, sparql_endpoint, catalog_skeleton, quiet):
    """Build the knowledge graph from a registry: normalise, qualify, map to RDF, validate
    with SHACL, answer the study's questions, and write the dumps.

    Writes hds.ttl, hds.jsonld, hds.nt, validation.ttl, answers.json, quarantine.csv,
    unqualified.csv, the DCAT-AP catalogue (catalog.ttl, catalog.jsonld), void.ttl and
    SHA256SUMS into OUT, replacing it whole only when the build succeeds (a site written
    into OUT/site by 'hdsgraph site' goes with it: run 'hdsgraph site' again).
    Exit code 0 when the graph conforms, 1 when the shapes find violations, 2 when the
    input cannot be used. On a terminal a spinner names the running stage; the summary
    ends with each stage's time.

    Example:

        hdsgraph build --registry export.csv --qualification hosts.csv --out dist
    """
    catalog = CatalogOptions(download_url, sparql_endpoint, catalog_skeleton)
    had_site = (Path(out) / "site").is_dir()
    try:
        with library_errors(), stage_progress(quiet, "Building") as on_stage:
            report = build(registries, qualification, out, base_uri, catalog, on_stage)
    except CommandError as exc:
        cause = exc.__context__
        if isinstance(cause, ValidationFailed) and cause.result is not None and not quiet:
            _print_summary(cause.result, err=True)
        raise
    if quiet:
        return
    _print_summary(report)
    click.echo(f"Wrote {out}/ ({', '.join(sorted(p.name for p in Path(out).iterdir()))})")
    if had_site:
        click.echo(f"Removed the site of the previous build ({Path(out) / 'site'}); run 'hdsgraph site' to write it again")


def _print_summary(report: BuildReport, err: bool = False) -> None:
    echo = lambda text: click.echo(text, err=err)  # noqa: E731
    registry = report.registry
    kept = registry.certificates.drop_duplicates(["source", "row"]).groupby("source").size()
    quarantined = registry.quarantine.groupby("source").size()
    for source, read in registry.rows_read.items():
        snapshots = sorted(set(registry.certificates.loc[registry.certificates["source"] == source, "snapshot"]))
        echo(
            f"{source} (snapshot {', '.join(snapshots) or '-'}): rows read {read} / kept {int(kept.get(source, 0))}"
            f" / quarantined {int(quarantined.get(source, 0))}"
        )
    if len(registry.quarantine):
        echo(f"  quarantined rows and their reasons: {report.out / 'quarantine.csv'}")
    for warning in registry.warnings + report.hosts.warnings:
        echo(f"  warning: {warning}")
    hosts = report.hosts
    echo(f"Hosts: {len(hosts.table)}; certificates: {registry.certificates.shape[0]}; triples: {report.triples}")
    if len(hosts.unqualified):
        echo(f"Unqualified hosts: {len(hosts.unqualified)} (counted as 'unknown' in the answers)")
        for row in hosts.unqualified.head(UNQUALIFIED_SHOWN).itertuples():
            echo(f"  - {row.host}: no {row.missing}")
        if len(hosts.unqualified) > UNQUALIFIED_SHOWN:
            echo(f"  ... and {len(hosts.unqualified) - UNQUALIFIED_SHOWN} more (see unqualified.csv)")
    echo(_latest_snapshot(registry))
    echo(report.validation.summary())
    stages = [f"{stage} {seconds:.2f} s" for stage, seconds in report.timings.items()]
    if report.validation_workers > 1:
        stages = [f"{s} (in {report.validation_workers} processes, alongside store, query and serialise)"
                  if s.startswith("validate ") else s for s in stages]
    echo("Stage times: " + ", ".join(stages))


def _latest_snapshot(registry) -> str:
    """Which snapshot the answers are for, and, when fetched, from where and how long ago
    (printed only: the outputs do not depend on the time of the build)."""
    latest = max(registry.certificates["snapshot"])
    source = registry.certificates.loc[registry.certificates["snapshot"] == latest, "source"].iloc[0]
    snap = next(s for s in registry.snapshots if s.source == source)
    line = f"Latest snapshot: {latest} ({source})"
    if snap.provenance:
        retrieved = datetime.strptime(snap.provenance["retrieved"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        days = (datetime.now(timezone.utc) - retrieved).days
        age = "today" if days < 1 else f"{days} day{'s' if days > 1 else ''} ago"
        line += f", fetched from {snap.provenance['url']} at {snap.provenance['retrieved']} ({age})"
    return line
