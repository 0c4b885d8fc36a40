from __future__ import annotations

from pathlib import Path

import click

from hdsgraph.cli.common import CommandError, library_errors
from hdsgraph.files import write_atomically
from hdsgraph.study.figures import read_figures
from hdsgraph.study.synth import csv_bytes, generate, monthly_history

DEFAULT_SNAPSHOT = "2022-04"  # the study's snapshot


@click.command("synth")
@click.option("--hosts", type=int, default=None, help="Number of hosts in the latest snapshot.  [default: 1000]")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--snapshot",
    "snapshots",
    multiple=True,
    metavar="ID",
    help="The snapshot date (YYYY-MM or YYYY-MM-DD). Repeat for a history: several snapshots "
    f"sharing most hosts.  [default: {DEFAULT_SNAPSHOT}, or with --calibrate every snapshot "
    "of the figures]",
)
@click.option(
    "--calibrate",
    "figures",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FIGURES.yaml",
    help="Published figures to match exactly (see seeds/study-2022.yaml); they fix the number of hosts.",
)
@click.option(
    "--history",
    "months",
    type=click.IntRange(min=2),
    default=None,
    metavar="MONTHS",
    help="Make a monthly history of this many snapshots, ending at --snapshot, the hosts growing "
    "every month from --first-hosts to --hosts.",
)
@click.option(
    "--first-hosts",
    type=click.IntRange(min=1),
    default=None,
    help="With --history: hosts in the first snapshot.  [default: a tenth of --hosts]",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="The registry CSV to write; with several snapshots, a folder that gets one YYYY-MM.csv each.",
)
@click.option(
    "--qualification",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the hosts' positioning and nationality to this CSV instead of the registry rows.",
)
def synth_command(hosts, seed, snapshots, figures, months, first_hosts, out, qualification):
    """Generate a synthetic registry: fictitious hosts with the structure of the real one.

    Every host name says "fictif" and every row is flagged synthetic. Hosts hold one or two
    certificates (issued within three years of the snapshot, valid three years), with
    Luhn-valid SIRENs, certification bodies, positioning and nationality drawn from the
    study's distributions. With --calibrate, every figure the study gives for the snapshot
    is met exactly.

    Example:

    \b
        hdsgraph synth --hosts 1000000 --seed 7 --out big.csv
        hdsgraph synth --calibrate seeds/study-2022.yaml --seed 2022 \\
            --out seeds/registries --qualification seeds/qualification.csv
        hdsgraph synth --history 120 --first-hosts 400 --hosts 5000 \\
            --snapshot 2026-07 --out history/
    """
    if figures is not None and hosts is not None:
        raise CommandError("--hosts and --calibrate cannot be used together: the figures fix the number of hosts")
    if months is not None and (figures is not None or len(snapshots) > 1):
        raise CommandError("--history makes its own snapshots: give at most one --snapshot (the last), no --calibrate")
    if first_hosts is not None and months is None:
        raise CommandError("--first-hosts needs --history")
    with library_errors():
        loaded = read_figures(figures) if figures is not None else None
        if not snapshots:
            snapshots = sorted(loaded["snapshots"]) if loaded else [DEFAULT_SNAPSHOT]
        hosts = 1000 if hosts is None else hosts
        sizes = None
        if months is not None:
            first = max(1, hosts // 10) if first_hosts is None else first_hosts
            sizes = monthly_history(snapshots[0], months, first, hosts)
        result = generate(list(snapshots), hosts, seed, loaded, qualification is not None, sizes)
    several = len(result.registries) > 1
    if several and out.suffix.lower() == ".csv":
        raise CommandError(f"{out}: several snapshots need a folder for --out, not a file")
    files = {(out / f"{s}.csv" if several else out): csv_bytes(t) for s, t in result.registries.items()}
    if qualification is not None:
        files[qualification] = csv_bytes(result.qualification)
    for path, data in files.items():
        try:
            write_atomically(path, data)  # whole or not at all
        except OSError as exc:
            raise CommandError(f"{path}: cannot write ({exc.strerror or exc})") from None
    for snapshot, table in result.registries.items():
        path = out / f"{snapshot}.csv" if several else out
        click.echo(f"Wrote {path}: snapshot {snapshot}, {result.hosts[snapshot]} hosts, {len(table)} certificate rows")
    if qualification is not None:
        click.echo(f"Wrote {qualification}: {len(result.qualification)} hosts' positioning and nationality")
