from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from hdsgraph.cli.common import (
    CommandError,
    guard_options,
    library_errors,
    quiet_option,
    stage_progress,
    warn,
)
from hdsgraph.describe.facts import CatalogOptions
from hdsgraph.pipeline.build import BuildReport, LatestSnapshot, build
from hdsgraph.pipeline.cache import default_cache_dir
from hdsgraph.pipeline.guard import Guard
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
@click.option(
    "--proposals",
    type=click.Path(path_type=Path),
    default=None,
    help="A proposal table of 'hdsgraph qualify': fills what the registry and the qualification table leave empty.",
)
@click.option(
    "--min-strength",
    type=click.Choice(["weak", "medium", "strong"]),
    default="medium",
    show_default=True,
    help="With --proposals: the weakest proposals used.",
)
@click.option("--out", type=click.Path(path_type=Path), default=Path("dist"), show_default=True, help="Output folder.")
@click.option("--base-uri", default=DEFAULT_BASE_URI, show_default=True, help="Base of the data IRIs.")
@click.option(
    "--download-url",
    metavar="URL",
    default=None,
    help="Where the output files can be downloaded, for the catalogue. Default: {base-uri}dist/.",
)
@click.option(
    "--sparql-endpoint",
    metavar="URL",
    default=None,
    help="A SPARQL endpoint serving the graph, announced in the catalogue and VoID.",
)
@click.option(
    "--catalog-skeleton",
    type=click.Path(path_type=Path),
    default=None,
    help="Your own copy of the catalogue's fixed text (publisher, contact point...), in Turtle.",
)
@click.option(
    "--timings",
    "timings_file",
    metavar="FILE.json",
    type=click.Path(path_type=Path),
    default=None,
    help="Write each stage's time (seconds) to this JSON file, for benchmarks and logs.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to keep what a later build can reuse (parsed rows, validation verdicts). "
    "Default: OUT.cache beside the output folder. Safe to delete.",
)
@click.option("--no-cache", is_flag=True, help="Build from nothing, and keep nothing for the next build.")
@guard_options
@quiet_option
def build_command(
    registries,
    qualification,
    proposals,
    min_strength,
    out,
    base_uri,
    download_url,
    sparql_endpoint,
    catalog_skeleton,
    timings_file,
    cache_dir,
    no_cache,
    max_quarantine,
    accept_shrink,
    quiet,
):
    """Build the knowledge graph from a registry: normalise, qualify, map to RDF, validate
    with SHACL, answer the study's questions, and write the dumps.

    Writes hds.ttl, hds.jsonld, hds.nt, validation.ttl, answers.json, quarantine.csv,
    unqualified.csv, the DCAT-AP catalogue (catalog.ttl, catalog.jsonld), void.ttl,
    build.json (the build's parameters) and SHA256SUMS into OUT, replacing it whole only
    when the build succeeds (a site written into OUT/site by 'hdsgraph site' goes with it:
    run 'hdsgraph site' again).
    Exit code 0 when the graph conforms, 1 when the shapes find violations, 2 when the
    input cannot be used, or when the guard stops it: more than --max-quarantine of a
    snapshot's rows quarantined, or a snapshot with fewer than half the hosts of the one
    before (unless --accept-shrink). On a terminal a line shows the running stage and, for
    the long ones, a bar with its counts (files read, rows normalised, hosts mapped,
    queries answered, parts validated) and its time; the summary ends with each stage's
    time. Warnings go to stderr, even with --quiet.

    Example:

        hdsgraph build --registry export.csv --qualification hosts.csv --out dist
    """
    if timings_file is not None and not Path(timings_file).parent.is_dir():  # before the work, not after
        raise CommandError(f"{timings_file}: cannot write the timings (No such file or directory)")
    if cache_dir is not None and no_cache:
        raise CommandError("--cache and --no-cache cannot be used together")
    catalog = CatalogOptions(download_url, sparql_endpoint, catalog_skeleton)
    had_site = (Path(out) / "site").is_dir()
    with library_errors(), stage_progress(quiet, "Building") as shown:
        report = build(
            registries,
            qualification,
            out,
            base_uri,
            catalog,
            shown and shown.stage,
            proposals,
            min_strength,
            Guard(max_quarantine, accept_shrink),
            on_progress=shown and shown.progress,
            cache=None if no_cache else (cache_dir or default_cache_dir(out)),
        )
    for warning in report.warnings:
        warn(warning)
    if timings_file is not None:
        _write_timings(timings_file, report)
    if not report.conforms:
        if not quiet:
            _print_summary(report, err=True)
        raise CommandError(
            f"the graph breaks the shapes: {len(report.validation.violations)} violation(s); "
            f"report in {report.rejected / 'validation.ttl'}; {out} left as it was",
            exit_code=1,
        )
    if quiet:
        return
    _print_summary(report)
    click.echo(f"Wrote {out}/ ({', '.join(sorted(p.name for p in Path(out).iterdir()))})")
    if had_site:
        click.echo(
            f"Removed the site of the previous build ({Path(out) / 'site'}); run 'hdsgraph site' to write it again"
        )


def _write_timings(path: Path, report: BuildReport) -> None:
    try:
        Path(path).write_bytes(report.timings_json())
    except OSError as exc:
        raise CommandError(f"{path}: cannot write the timings ({exc.strerror or exc})") from None


def _print_summary(report: BuildReport, err: bool = False) -> None:
    echo = lambda text: click.echo(text, err=err)  # noqa: E731
    for rows, summary in zip(report.sources, report.rows_summary, strict=True):
        values = summary["values_quarantined"]
        echo(
            f"{rows.source} (snapshot {', '.join(rows.snapshots) or '-'}): rows read {rows.read} / kept {rows.kept}"
            f" / quarantined {rows.quarantined}" + (f"; values dropped from kept rows {values}" if values else "")
        )
    noted = len(report.registry.noted_values)
    if noted:
        echo(f"  certification bodies not in the bodies file, kept as written: {noted} (see quarantine.csv)")
    if len(report.registry.quarantine):
        echo(f"  quarantined rows and values, with their reasons: {report.written_to / 'quarantine.csv'}")
    echo(f"Hosts: {report.host_count}; certificates: {report.certificate_count}; triples: {report.triples}")
    for axis, counts in report.qualification_sources.items():
        echo(
            f"{axis.capitalize()} qualified by: a person {counts['reviewed']}, the registry {counts['registry']},"
            f" rules {counts['rule']}; unknown {counts['unknown']}"
        )
    unqualified = report.unqualified
    if unqualified:
        echo(f"Unqualified hosts: {len(unqualified)} (counted as 'unknown' in the answers)")
        for host, missing in unqualified[:UNQUALIFIED_SHOWN]:
            echo(f"  - {host}: no {missing}")
        if len(unqualified) > UNQUALIFIED_SHOWN:
            echo(f"  ... and {len(unqualified) - UNQUALIFIED_SHOWN} more (see unqualified.csv)")
    echo(_latest_snapshot(report.latest))
    echo(report.validation.summary())
    stages = [f"{stage} {seconds:.2f} s" for stage, seconds in report.timings.items()]
    if report.validation_workers > 1:
        stages = [
            f"{s} (in {report.validation_workers} processes, alongside store, query and serialise)"
            if s.startswith("validate ")
            else s
            for s in stages
        ]
    echo("Stage times: " + ", ".join(stages))
    if report.cache:
        found = ", ".join(f"{kind} {n['hits']}/{n['hits'] + n['misses']}" for kind, n in report.cache.items())
        echo(f"Reused from the cache: {found}")


def _latest_snapshot(latest: LatestSnapshot) -> str:
    """Which snapshot the answers are for, and, when fetched, from where and how long ago
    (printed only: the outputs do not depend on the time of the build)."""
    line = f"Latest snapshot: {latest.snapshot} ({latest.source})"
    if latest.provenance:
        retrieved = datetime.strptime(latest.provenance["retrieved"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        days = (datetime.now(timezone.utc) - retrieved).days
        age = "today" if days < 1 else f"{days} day{'s' if days > 1 else ''} ago"
        line += f", fetched from {latest.provenance['url']} at {latest.provenance['retrieved']} ({age})"
    return line
