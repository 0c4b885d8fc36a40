"""Where the project's data folders are, installed or in a checkout.

The ontology, shapes, queries and seeds are data files kept at the top of the repository.
A wheel copies them into ``hdsgraph/_assets/``; an editable install or a plain checkout
reads them in place. Both are looked up relative to this file, never to the working
directory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
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


def read_yaml(path: Path):
    """A YAML file a user gave (figures, a --mapping), or InputError in one line."""
    import yaml

    from hdsgraph.errors import InputError

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where else ""
        raise InputError(f"{path}: not a readable YAML file{line}") from None
