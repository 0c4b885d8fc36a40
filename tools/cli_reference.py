"""Write the CLI reference into README.md from the commands' own --help.

    python tools/cli_reference.py          # rewrite the block in README.md
    python tools/cli_reference.py --check  # exit 1 if README.md is out of date

tests/test_docs.py runs the check, so the README cannot drift from the CLI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def reference() -> str:
    from hdsgraph.cli import cli

    runner = CliRunner()
    parts = []
    ctx = click.Context(cli)
    for name in ["", *sorted(cli.list_commands(ctx))]:
        args = [name, "--help"] if name else ["--help"]
        text = runner.invoke(cli, args, prog_name="hdsgraph", terminal_width=100).output
        title = f"hdsgraph {name}".strip()
        parts.append(f"### `{title}`\n\n```\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def rewrite(readme: str) -> str:
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{reference()}{END}{tail}"


def main() -> int:
    current = README.read_text(encoding="utf-8")
    wanted = rewrite(current)
    if "--check" in sys.argv:
        if current != wanted:
            print("README.md: the CLI reference is out of date; run: python tools/cli_reference.py")
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
