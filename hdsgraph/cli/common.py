"""What the commands share: turning library errors into messages and exit codes, and
printing nothing a terminal would take for a command."""

from __future__ import annotations

import io
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from hdsgraph.errors import HdsgraphError
from hdsgraph.safety import printable


class CommandError(click.ClickException):
    """One line on stderr ("Error: ...") and the library's exit code."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(printable(message))  # shown after the command, outside printable_output()
        self.exit_code = exit_code


class _Printable(io.TextIOBase):
    """A text stream that writes through ``safety.printable``: a host named with terminal
    escape sequences is shown as ``\x1b[2J``, it does not clear the screen."""

    def __init__(self, stream):
        self.unescaped = stream

    @property
    def encoding(self):
        return self.unescaped.encoding

    @property
    def errors(self):
        return self.unescaped.errors

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.unescaped.write(printable(text))
        return len(text)

    def flush(self) -> None:
        self.unescaped.flush()

    def isatty(self) -> bool:
        return self.unescaped.isatty()

    def fileno(self) -> int:
        return self.unescaped.fileno()


@contextmanager
def printable_output():
    """Everything a command prints, on stdout and stderr, with control characters escaped."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(sys.stdout), _Printable(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def terminal_console():
    """A rich Console on the terminal's stderr itself, for spinners and progress bars (their
    escape sequences are hdsgraph's own, so they bypass ``printable_output``)."""
    from rich.console import Console

    return Console(file=getattr(sys.stderr, "unescaped", sys.stderr))


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

    if quiet or not sys.stderr.isatty():
        yield None
        return
    with terminal_console().status(f"{what}...") as status:
        yield lambda stage: status.update(f"{what}: {stage}...")
