"""The hdsgraph command line. Commands parse options, call the library, print, and pick the
exit code: 0 success, 1 the data does not conform, 2 unusable input, 3 an unexpected internal
error (a bug: ``--debug`` shows its traceback), 130 interrupted (Ctrl-C), 143 terminated
(SIGTERM, which cleans up as Ctrl-C does), 141 the reader of the output went away (a closed pipe).

Each command lives in its own module, imported only when the command runs (or its own
``--help`` is asked for): ``hdsgraph --version`` and ``hdsgraph --help`` import neither pandas,
rdflib, pyshacl, pyoxigraph nor numpy. ``COMMANDS`` gives each command's module and the short
help ``hdsgraph --help`` lists; tests/test_cli_errors.py checks the short help against the
command's own docstring.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager, nullcontext

import click
from click.utils import make_default_short_help

from hdsgraph._version import __version__

# name -> (module in hdsgraph.cli, attribute, short help: the first sentence of the command's help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "build": (
        "build",
        "build_command",
        "Build the knowledge graph from a registry: normalise, qualify, map to RDF, validate "
        "with SHACL, answer the study's questions, and write the dumps.",
    ),
    "validate": (
        "validate",
        "validate_command",
        "Validate a graph (a dump, or a build folder) against the hdsgraph shapes.",
    ),
    "query": (
        "query",
        "query_command",
        "Run a bundled study query, or any SPARQL SELECT file, on a build, a dump or a SPARQL endpoint.",
    ),
    "site": (
        "site",
        "site_command",
        "Write a static Linked Data site of a build: one HTML page per host, certificate, activity, "
        "certificate type, certification body, positioning and snapshot, each with its description "
        "in Turtle and JSON-LD beside it; an index; a directory; the dataset page; a page documenting "
        "the ontology; and the server configuration for content negotiation (.htaccess, nginx.conf, "
        "and w3id.htaccess when --base-url is given). Pages are in French, with their English version "
        "under en/.",
    ),
    "serve": ("serve", "serve_command", "Serve a build (or a dump) as a read-only SPARQL 1.1 endpoint, until stopped."),
    "publish": (
        "publish",
        "publish_command",
        "Upload a build to a SPARQL 1.1 store with the Graph Store HTTP Protocol.",
    ),
    "import": (
        "import_",
        "import_command",
        "Turn an export of the registry (an HTML page, a CSV/TSV file, an XLSX workbook or "
        "JSON records) into the canonical registry CSV that `hdsgraph build` reads.",
    ),
    "fetch": (
        "fetch",
        "fetch_command",
        "Download the registry, keep it as a dated snapshot with its provenance, and import it "
        "into the canonical CSV that `hdsgraph build --registry SNAPSHOTS` reads.",
    ),
    "synth": (
        "synth",
        "synth_command",
        "Generate a synthetic registry: fictitious hosts with the structure of the real one.",
    ),
    "diff": (
        "diff",
        "diff_command",
        "List the hosts that appeared, disappeared, or changed activities between two registries: "
        "two registry files, or two snapshot ids of a build (--data).",
    ),
    "report": ("report", "report_command", "Write a report comparing a build with the study's published figures."),
    "qualify": (
        "qualify",
        "qualify_command",
        "Propose each host's SIREN, positioning, nationality and parent from open data, with the "
        "evidence, for a person to review.",
    ),
}

INTERNAL_ERROR = 3
OWN_SIGNALS = {"serve"}  # commands that handle Ctrl-C and SIGTERM themselves (stopping their workers)
BROKEN_PIPE = 141  # what a shell reports for a program ended by SIGPIPE (128 + 13)


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, and which turns every error into
    one line on stderr and an exit code (see the module's docstring)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(f"hdsgraph.cli.{module}"), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's own listing, with the short help from ``COMMANDS`` so that no command is imported."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, make_default_short_help(COMMANDS[name][2], limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with one_line_usage_errors():  # hdsgraph --bogus
            return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        from hdsgraph.cli.common import Terminated, interruptible, printable_output

        try:
            signals = nullcontext() if _command_name(ctx) in OWN_SIGNALS else interruptible()
            with printable_output(), one_line_usage_errors(), signals:
                return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt as exc:
            from hdsgraph.cli.common import report_interrupt

            ctx.exit(report_interrupt(isinstance(exc, Terminated)))
        except BrokenPipeError:
            # The reader went away (``hdsgraph query ... | head``): not an error of ours, and
            # nothing more can be written. Point stdout at /dev/null so the flush at exit is quiet.
            import os
            import sys

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(BROKEN_PIPE)
        except Exception as exc:
            from hdsgraph.errors import HdsgraphError

            if isinstance(exc, HdsgraphError):  # one the command did not catch: still the user's to act on
                from hdsgraph.cli.common import CommandError

                raise CommandError(str(exc), exc.exit_code) from None
            if ctx.params.get("debug"):
                raise
            click.echo(f"Error: {internal_error(exc)}; rerun with --debug to see the traceback", err=True)
            ctx.exit(INTERNAL_ERROR)


def _command_name(ctx: click.Context) -> str | None:
    """The command about to run (click sets ``invoked_subcommand`` only once it runs)."""
    pending = getattr(ctx, "_protected_args", None) or ctx.args
    return pending[0] if pending else None


class UsageLine(click.ClickException):
    exit_code = 2


@contextmanager
def one_line_usage_errors():
    """A usage error (an unknown option, a bad value) as one ``Error:`` line with the way
    to the help, instead of click's usage, hint and error on three lines; exit code 2."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise  # "hdsgraph" alone shows the help
    except click.UsageError as exc:
        from hdsgraph.safety import printable

        where = exc.ctx.command_path if exc.ctx is not None else "hdsgraph"
        raise UsageLine(printable(f"{exc.format_message()} (see '{where} --help')")) from None


def internal_error(exc: BaseException) -> str:
    """``internal error (RuntimeError): boom``, on one line."""
    message = " ".join(str(exc).split())
    return f"internal error ({type(exc).__name__})" + (f": {message}" if message else "")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="hdsgraph")
@click.option(
    "--debug",
    is_flag=True,
    envvar="HDSGRAPH_DEBUG",
    help="Show the traceback of an unexpected error instead of one line (or set HDSGRAPH_DEBUG=1).",
)
def cli(debug):
    """Publish the French registry of certified health-data hosts (HDS) as an open,
    validated knowledge graph, and answer questions about it with SPARQL."""
