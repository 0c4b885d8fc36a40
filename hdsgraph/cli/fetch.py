from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from hdsgraph.acquire.fetch import REGISTRY_URL, FetchOptions, fetch
from hdsgraph.acquire.importer import load_mapping
from hdsgraph.cli.common import guard_options, library_errors, warn
from hdsgraph.cli.import_ import echo_rows, mapping_option
from hdsgraph.pipeline.guard import Guard

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.I)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class ByteSize(click.ParamType):
    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        match = _SIZE.match(str(value))
        if not match:
            self.fail(f"{value!r} is not a size such as 500000, 800k or 50M", param, ctx)
        return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _progress_bar(quiet: bool):
    """A rich progress bar on stderr, or nothing when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, Progress, TextColumn

    from hdsgraph.cli.common import terminal_console

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        console=terminal_console(),
        transient=True,
    )
    tasks: dict[str, int] = {}
    labels = {"download": ("Downloading", "{:,} bytes"), "import": ("Reading rows", "{:,} rows")}

    def update(stage: str, done: int, total: int | None):
        label, unit = labels[stage]
        detail = unit.format(done) if total is None else f"{unit.format(done)} of {total:,}"
        if stage not in tasks:
            tasks[stage] = bar.add_task(label, total=total, detail=detail)
        bar.update(tasks[stage], completed=done, total=total, detail=detail)

    return bar, update


@click.command("fetch")
@click.option(
    "--url",
    "urls",
    multiple=True,
    default=[REGISTRY_URL],
    show_default=True,
    help="Where the registry is published: a page, a file or a data URL. Repeat for a registry served in "
    "several pages; '{letter}' in it stands for A to Z and 0-9, for a directory served letter by letter.",
)
@click.option(
    "--snapshots",
    type=click.Path(path_type=Path),
    default=Path("snapshots"),
    show_default=True,
    help="The folder of dated snapshots (YYYY-MM-DD.csv, with the raw download and its provenance).",
)
@mapping_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.01),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the server to answer or send more data.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Attempts after the first on a connection error, a timeout, HTTP 429 or 5xx "
    "(waiting 2, 4, 8... s, or what Retry-After says).",
)
@click.option(
    "--max-size",
    type=ByteSize(),
    default="50M",
    show_default=True,
    help="Refuse a download larger than this (bytes, or with k, M, G).",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0.01),
    default=FetchOptions.deadline,
    show_default=True,
    help="Seconds the whole download may take, retries and waits included (a server sending a "
    "byte a second is given up on).",
)
@guard_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar (warnings still go to stderr).")
def fetch_command(urls, snapshots, mapping, timeout, retries, max_size, deadline, max_quarantine, accept_shrink, quiet):
    """Download the registry, keep it as a dated snapshot with its provenance, and import it
    into the canonical CSV that `hdsgraph build --registry SNAPSHOTS` reads.

    Reads an HTML table, a CSV/TSV or XLSX file, JSON records, or a page that links to
    such a file on the same site (followed once). Several --url, or one with {letter},
    make one snapshot: if any page fails, nothing is written (a page answering an empty
    list is no failure). Writes YYYY-MM-DD.raw.html (the bytes as downloaded; raw-01,
    raw-02... when several), YYYY-MM-DD.csv (the canonical table),
    YYYY-MM-DD.quarantine.csv and YYYY-MM-DD.provenance.json into SNAPSHOTS. A page
    unchanged since the last snapshot adds none. On any failure, or when the guard stops
    it (--max-quarantine, --accept-shrink), exits non-zero and leaves every earlier
    snapshot as it was.

    Example:

    \b
        hdsgraph fetch --snapshots snapshots
        hdsgraph fetch --url 'https://example.org/annuaire?lettre={letter}'
        hdsgraph build --registry snapshots
    """
    options = FetchOptions(
        connect_timeout=min(timeout, FetchOptions.connect_timeout),
        read_timeout=timeout,
        retries=retries,
        max_bytes=max_size,
        deadline=deadline,
    )
    bar, update = _progress_bar(quiet)
    guard = Guard(max_quarantine, accept_shrink)
    with library_errors():
        words = load_mapping(mapping) if mapping else None
        if bar:
            with bar:
                result = fetch(list(urls), snapshots, mapping=words, options=options, progress=update, guard=guard)
        else:
            result = fetch(list(urls), snapshots, mapping=words, options=options, guard=guard)
    if result.outcome == "unchanged":
        click.echo(f"Unchanged since snapshot {result.snapshot} ({result.reason}): no new snapshot")
        return
    provenance = result.provenance
    parts = provenance["parts"]
    if len(parts) == 1:
        click.echo(
            f"Fetched {provenance['final_url']} at {provenance['retrieved']}: {provenance['bytes']:,} bytes, "
            f"sha256 {provenance['sha256']}"
        )
    else:
        click.echo(f"Fetched {len(parts)} downloads at {provenance['retrieved']}: {provenance['bytes']:,} bytes")
        for part in parts:
            click.echo(
                f"  {part['final_url']}: HTTP {part['status']}, {part['bytes']:,} bytes, sha256 {part['sha256']}"
            )
    click.echo(f"Found {result.found}")
    first = next((p for p in result.parts if p.columns), result.parts[0])
    columns = ", ".join(f"{header!r} -> {column}" for header, column in first.columns.items())
    if columns:
        click.echo(f"Columns: {columns}")
    if provenance["ignored_columns"]:
        warn(f"the page's column(s) {', '.join(repr(c) for c in provenance['ignored_columns'])} were not imported")
    rows = provenance["rows"]
    echo_rows(rows["read"], rows["kept"], rows["quarantined"], rows["values_quarantined"])
    verb = "Replaced today's snapshot" if result.outcome == "replaced" else "New snapshot"
    raw = [p["raw_file"] for p in parts]
    raw_text = raw[0] if len(raw) == 1 else f"{raw[0]} to {raw[-1]}"
    click.echo(
        f"{verb} {result.snapshot}: {result.files['csv']} (quarantine {result.files['quarantine'].name}, "
        f"raw {raw_text}, provenance {result.files['provenance'].name})"
    )
