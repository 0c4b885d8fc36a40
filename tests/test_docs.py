"""The README says what the tool really does."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.helpers.paths import REPO


def test_the_cli_reference_in_the_readme_is_generated_from_the_cli():
    check = subprocess.run(
        [sys.executable, str(REPO / "tools" / "cli_reference.py"), "--check"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout


def test_every_command_is_in_the_readme():
    import click

    from hdsgraph.cli import cli

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    names = cli.list_commands(click.Context(cli))  # the commands are loaded lazily: cli.commands is empty
    assert len(names) == 12  # with qualify
    for name in names:
        assert f"### `hdsgraph {name}`" in readme, name


def test_the_readme_starts_with_two_setup_commands_and_ci_runs_the_second():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## ", 2)[1]
    commands = re.findall(r"^    (\S.*)$|```sh\n(.*?)\n```", setup, flags=re.M)
    lines = [a or b for a, b in commands]
    assert lines == ["pip install -e . && hdsgraph build", "pip install -e '.[test]' && pytest"]
    assert lines[1] in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_every_bundled_query_is_documented():
    from hdsgraph.pipeline.answers import study_queries

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in study_queries():
        assert f"`{name}`" in readme, name


def test_the_readme_gives_every_exit_code():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    codes = readme.split("Exit codes, for every command:", 1)[1].split("\n\n", 1)[0]
    for code in (
        "`0` success",
        "`1` the graph breaks the shapes",
        "`2` input that",
        "`3` an unexpected internal error",
        "`130` interrupted (Ctrl-C)",
        "`141` the program reading the output",
        "--debug",
        "HDSGRAPH_DEBUG=1",
    ):
        assert code in " ".join(codes.split()), code
