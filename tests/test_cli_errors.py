"""The command line as a whole: commands are imported only when used, every error is one
line with its exit code (3 for a bug, 130 for Ctrl-C), and help examples are one per line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.utils import make_default_short_help

from hdsgraph.cli import COMMANDS, cli

HEAVY = {"pandas", "pyshacl", "numpy", "rdflib", "pyoxigraph"}
SHAPES = Path(__file__).parent / "shapes"
BOOM = "Error: internal error (RuntimeError): boom; rerun with --debug to see the traceback\n"


def _imported(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "hdsgraph", *args], capture_output=True, text=True)
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return done, modules


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help_import_no_heavy_library(args):
    done, modules = _imported(*args)
    assert done.returncode == 0, done.stderr
    assert "click" in modules and "hdsgraph.cli" in modules  # the measure itself works
    assert {m for m in modules if m.split(".")[0] in HEAVY} == set()
    assert not any(m.startswith("hdsgraph.cli.") for m in modules)  # no command module either


def test_help_lists_every_command_as_an_eager_group_would(runner):
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    eager = click.Group(
        "cli",
        commands={name: cli.get_command(ctx, name) for name in COMMANDS},
        params=cli.params,
        help=cli.help,
        context_settings=cli.context_settings,
    )
    lazy = runner.invoke(cli, ["--help"], prog_name="hdsgraph", terminal_width=100)
    assert lazy.exit_code == 0
    assert lazy.stdout == runner.invoke(eager, ["--help"], prog_name="hdsgraph", terminal_width=100).stdout
    listed = lazy.stdout.split("Commands:\n", 1)[1]
    assert [line.split()[0] for line in listed.splitlines()] == sorted(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_short_help_of_the_listing_is_the_commands_own(name):
    command = cli.get_command(click.Context(cli), name)
    assert command.name == name
    for limit in (30, 45, 60, 94, 1000):
        assert make_default_short_help(COMMANDS[name][2], limit) == command.get_short_help_str(limit)


def test_an_unknown_command_is_a_usage_error(runner):
    result = runner.invoke(cli, ["bulid"])
    assert result.exit_code == 2
    assert "Error: No such command 'bulid'." in result.stderr


# ---------------------------------------------------------------- unexpected errors


def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_an_unexpected_error_is_one_line_and_exit_3(runner, monkeypatch):
    import hdsgraph.cli.validate

    monkeypatch.setattr(hdsgraph.cli.validate, "validate_file", _boom)
    result = runner.invoke(cli, ["validate", str(SHAPES / "valid.ttl")])
    assert (result.exit_code, result.stdout, result.stderr) == (3, "", BOOM)


def test_a_multi_line_message_stays_on_one_line(runner, monkeypatch):
    import hdsgraph.cli.validate

    def fail(*args):
        raise KeyError("first\nsecond")

    monkeypatch.setattr(hdsgraph.cli.validate, "validate_file", fail)
    result = runner.invoke(cli, ["validate", str(SHAPES / "valid.ttl")])
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: internal error (KeyError): 'first\\nsecond'; rerun with --debug to see the traceback\n"
    )


def test_debug_lets_the_traceback_through(runner, monkeypatch):
    import hdsgraph.cli.validate

    monkeypatch.setattr(hdsgraph.cli.validate, "validate_file", _boom)
    result = runner.invoke(cli, ["--debug", "validate", str(SHAPES / "valid.ttl")])
    assert isinstance(result.exception, RuntimeError) and str(result.exception) == "boom"
    assert "internal error" not in result.stderr


def test_ctrl_c_exits_130_in_one_line(runner, monkeypatch):
    import hdsgraph.cli.validate

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(hdsgraph.cli.validate, "validate_file", interrupted)
    result = runner.invoke(cli, ["validate", str(SHAPES / "valid.ttl")])
    assert (result.exit_code, result.stdout, result.stderr) == (130, "", "Error: interrupted\n")


def test_a_library_error_a_command_did_not_catch_is_still_one_line(runner, monkeypatch):
    import hdsgraph.cli.validate
    from hdsgraph.errors import InputError

    def refuse(*args):
        raise InputError("cannot use this")

    monkeypatch.setattr(hdsgraph.cli.validate, "validate_file", refuse)
    result = runner.invoke(cli, ["validate", str(SHAPES / "valid.ttl")])
    assert (result.exit_code, result.stderr) == (2, "Error: cannot use this\n")


# A real process: the exit code and stderr as a shell sees them (the console script runs
# hdsgraph.cli:cli the same way).
FAILING = (
    "import sys, hdsgraph.cli.validate as v\n"
    "def boom(*a):\n    raise {error}\n"
    "v.validate_file = boom\n"
    "from hdsgraph.cli import cli\n"
    "cli(prog_name='hdsgraph')\n"
)


def _run_failing(error: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", FAILING.format(error=error), *args, "validate", str(SHAPES / "valid.ttl")],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_in_a_real_process_an_unexpected_error_exits_3_without_a_traceback():
    done = _run_failing("RuntimeError('boom')", env={"HDSGRAPH_DEBUG": ""})
    assert (done.returncode, done.stdout, done.stderr) == (3, "", BOOM)


@pytest.mark.parametrize("args, env", [(["--debug"], {}), ([], {"HDSGRAPH_DEBUG": "1"})])
def test_in_a_real_process_debug_shows_the_traceback(args, env):
    done = _run_failing("RuntimeError('boom')", *args, env=env)
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert done.stderr.endswith("RuntimeError: boom\n")
    assert "internal error" not in done.stderr


def test_in_a_real_process_ctrl_c_exits_130_without_a_traceback():
    done = _run_failing("KeyboardInterrupt")
    assert (done.returncode, done.stderr) == (130, "Error: interrupted\n")


def test_in_a_real_process_a_closed_pipe_ends_quietly_with_141():
    # What a write to stdout raises once the reader (`| head -1`) has gone.
    done = _run_failing("BrokenPipeError(32, 'Broken pipe')")
    assert (done.returncode, done.stdout, done.stderr) == (141, "", "")


# ---------------------------------------------------------------- known errors


def test_site_on_a_dump_with_a_blank_node_names_its_triple(runner, tmp_path):
    from hdsgraph.pipeline.mapping import ontology_ntriples
    from hdsgraph.rdf.serialise import ntriples_bytes

    dump = tmp_path / "blank.nt"
    dump.write_bytes(
        ntriples_bytes(ontology_ntriples())
        + b"<https://w3id.org/hdsgraph/host/900000019> <https://example.org/note> _:b0 .\n"
        b'_:b0 <http://www.w3.org/2000/01/rdf-schema#label> "a note" .\n'
    )
    result = runner.invoke(cli, ["site", "--data", str(dump), "--out", str(tmp_path / "site")])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: the site needs IRIs, but the graph holds a blank node (first in: "
        "<https://w3id.org/hdsgraph/host/900000019> <https://example.org/note> _:b0); "
        "hdsgraph dumps have none\n"
    )
    assert not (tmp_path / "site").exists()


# ---------------------------------------------------------------- help


def _help(args: list[str]) -> str:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [*args, "--help"], prog_name="hdsgraph", terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.stdout


def _examples(text: str) -> list[str]:
    """The lines of the help's Example section (up to Options:)."""
    match = re.search(r"^  Examples?:\n(.*?)^Options:", text, flags=re.S | re.M)
    return [line.strip() for line in match.group(1).splitlines() if line.strip()] if match else []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_help_example_is_on_its_own_line(name):
    examples = _examples(_help([name]))
    assert examples, f"hdsgraph {name} --help gives no example"
    for line in examples:
        assert " && " not in line and ";" not in line, line
        assert line.count("hdsgraph ") <= 1, line
        assert line.startswith(("hdsgraph ", "python ", "--")), line


@pytest.mark.parametrize("name, count", [("query", 2), ("serve", 2), ("fetch", 3), ("report", 2), ("site", 3)])
def test_examples_that_were_run_together_are_one_per_line(name, count):
    assert len(_examples(_help([name]))) == count
