"""What the commands share: turning library errors into messages and exit codes."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click

from hdsgraph.errors import HdsgraphError


class CommandError(click.ClickException):
    """One line on stderr ("Error: ...") and the library's exit code."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def library_errors():
    try:
        yield
    except HdsgraphError as exc:
        raise CommandError(str(exc), exc.exit_code) from None


data_option = click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="A build folder or a dump (.ttl, .nt, .jsonld).",
)
snapshot_option = click.option(
    "--snapshot", metavar="ID", default=None, help="The registry snapshot to answer for (default: the latest)."
)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors: no progress, no summary.")


@contextmanager
def stage_progress(quiet: bool, what: str):
    """A spinner on stderr naming the running stage, or None when quiet or when stderr is
    not a terminal (a scheduled job's log gets the summary, not spinner frames)."""
    import sys

    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status(f"{what}...") as status:
        yield lambda stage: status.update(f"{what}: {stage}...")


class Share(click.ParamType):
    """A share of rows: ``10%`` or ``0.1``."""

    name = "SHARE"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        from hdsgraph.pipeline.guard import parse_share

        try:
            return parse_share(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a share such as 10% or 0.1 (between 0 and 100 %)", param, ctx)


def guard_options(command):
    """--max-quarantine and --accept-shrink, the guard against silent shrinkage (fetch, build)."""
    command = click.option(
        "--accept-shrink",
        is_flag=True,
        help="Accept a snapshot with fewer than half the hosts of the one before (else exit 2, nothing replaced).",
    )(command)
    return click.option(
        "--max-quarantine",
        type=Share(),
        default="10%",
        show_default=True,
        help="Stop (exit 2, nothing replaced) when a larger share of a snapshot's rows is quarantined.",
    )(command)


def warn(text: str) -> None:
    """A warning: on stderr, whatever --quiet says."""
    click.echo(f"Warning: {text}", err=True)
