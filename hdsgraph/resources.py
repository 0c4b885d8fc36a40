"""Where the project's data folders are, installed or in a checkout.

The ontology, shapes, queries and seeds are data files kept at the top of the repository.
A wheel copies them into ``hdsgraph/_assets/``; an editable install or a plain checkout
reads them in place. Both are looked up relative to this file, never to the working
directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def asset_dir(name: str) -> Path:
    """The folder ``name`` (ontology, shapes, queries or seeds)."""
    for candidate in (PACKAGE_DIR / "_assets" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from this installation of hdsgraph")


def data_file(name: str) -> Path:
    """A lookup table shipped inside the package (``hdsgraph/data/``)."""
    return PACKAGE_DIR / "data" / name


def data_table(name: str) -> list[dict[str, str]]:
    """The rows of a CSV lookup table in ``hdsgraph/data/`` (lines starting with # are
    comments saying where the table comes from)."""
    import csv

    with open(data_file(name), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def template_environment(folder: Path, *, stdlib_escaping: bool = False, **options):
    """A Jinja environment on the templates in ``folder``: ``.html`` templates autoescaped,
    trailing newlines kept; ``options`` go to ``jinja2.Environment`` (``trim_blocks``, ...).

    With ``stdlib_escaping``, autoescaped values are escaped as ``html.escape`` does
    (quotes as ``&quot;`` and ``&#x27;`` instead of Jinja's ``&#34;`` and ``&#39;``), so
    pages that were written with ``html.escape`` keep their bytes."""
    import jinja2

    if stdlib_escaping:
        from html import escape

        from markupsafe import Markup

        @jinja2.pass_eval_context
        def finalize(eval_ctx, value):
            if eval_ctx.autoescape and not hasattr(value, "__html__"):
                return Markup(escape(str(value)))
            return value

        options["finalize"] = finalize
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(["html"]),
        keep_trailing_newline=True,
        **options,
    )
