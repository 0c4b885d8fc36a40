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


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: the staging folder is removed, the last output kept."""


INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a program ended by Ctrl-C
TERMINATED = 143  # 128 + SIGTERM, for one ended by kill
GRACE = 1.0  # seconds Ctrl-C or SIGTERM gives the command to end by itself before it is ended


@contextmanager
def interruptible():
    """While a command runs, SIGTERM (``kill``, a service manager stopping a job) raises
    ``Terminated``, so that it cleans up as Ctrl-C does, instead of leaving a staging folder.

    Python only acts on a signal between two steps of Python code: during a long call into
    Oxigraph (loading a store) Ctrl-C would wait for it. So the signal also wakes a watchdog
    thread (``signal.set_wakeup_fd``); if the command has not ended GRACE seconds later, the
    watchdog does the clean-up itself (staging folders removed, worker processes stopped)
    and ends the process with the same line and exit code."""
    import signal
    import socket
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum, frame):
        raise Terminated()

    previous_handler = signal.signal(signal.SIGTERM, terminated)
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    finished, signalled = threading.Event(), threading.Event()

    def watchdog():
        while True:
            try:
                received = reader.recv(1)
            except OSError:
                return
            if not received or finished.is_set():
                return
            if received[0] in (signal.SIGINT, signal.SIGTERM):
                signalled.set()
                break
        if not finished.wait(GRACE):
            _end_now(received[0] == signal.SIGTERM)

    threading.Thread(target=watchdog, name="hdsgraph-interrupt", daemon=True).start()
    try:
        yield
    except KeyboardInterrupt:
        signalled.wait(0.2)  # after a real signal, the watchdog has had its byte by then
        raise
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGTERM, previous_handler)
        # After a real Ctrl-C or SIGTERM the watchdog stays armed: the clean-up, or the exit
        # after it (joining a worker pool's threads), may still hang; the line is printed
        # once, by whoever ends first.
        if not signalled.is_set():
            finished.set()
            reader.shutdown(socket.SHUT_RDWR)
            reader.close()
        writer.close()


_reported = []  # the interruption's Error line, once printed


def report_interrupt(terminated: bool) -> int:
    """Print the line of an interruption (once) and return its exit code."""
    if not _reported:
        _reported.append(True)
        click.echo("Error: terminated" if terminated else "Error: interrupted", err=True)
    return TERMINATED if terminated else INTERRUPTED


def _end_now(terminated: bool) -> None:
    """What Ctrl-C does, done from the watchdog thread while the main one is held in native code."""
    import multiprocessing
    import os
    import signal

    from hdsgraph.files import abandon_staging

    for child in multiprocessing.active_children():
        child.terminate()
    tracker = getattr(getattr(multiprocessing, "resource_tracker", None), "_resource_tracker", None)
    if getattr(tracker, "_pid", None):  # it would warn about the worker pool's semaphores
        os.kill(tracker._pid, signal.SIGKILL)
    abandon_staging()
    if not _reported:
        _reported.append(True)
        os.write(2, b"Error: terminated\n" if terminated else b"Error: interrupted\n")
    os._exit(TERMINATED if terminated else INTERRUPTED)


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


def progress_bar():
    """The commands' progress bar, on the terminal's stderr: a spinner, what is running, a
    bar, its count (a task's ``count`` field) and the time elapsed; gone when it ends."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=terminal_console(),
        transient=True,
    )


class StageBar:
    """One line on the terminal: a spinner, the running stage, and, once the stage tells
    how far it has gone, a bar with its counts and unit (``3/120 files``) and the stage's
    elapsed time. ``stage`` and ``progress`` are the library's ``on_stage`` and
    ``on_progress`` callbacks (``hdsgraph.pipeline.progress``)."""

    def __init__(self, what: str):
        self.what = what
        self.bar = progress_bar()
        self.task = self.bar.add_task(f"{what}...", total=None, count="")

    def stage(self, name: str) -> None:
        self.bar.reset(self.task, total=None, description=f"{self.what}: {name}", count="")
        self.bar.refresh()

    def progress(self, stage: str, done: int, total: int | None, unit: str) -> None:
        count = f"{done:,} {unit}" if total is None else f"{done:,}/{total:,} {unit}"
        self.bar.update(self.task, completed=done, total=total, count=count, refresh=True)


@contextmanager
def stage_progress(quiet: bool, what: str):
    """A StageBar on stderr, or None when quiet or when stderr is not a terminal (a
    scheduled job's log gets the summary, not bar frames)."""

    if quiet or not sys.stderr.isatty():
        yield None
        return
    shown = StageBar(what)
    with shown.bar:
        yield shown


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
