"""The build manifest, ``build.json``: the parameters a build was made with.

``hdsgraph build`` writes it into the build folder (``SHA256SUMS`` covers it); the
commands that read a build (``site``, ``publish``, ``serve``) take the base URI and the
graph prefix from it instead of guessing them from the graph's IRIs. A plain dump has no
manifest: they guess then.

Fields: ``hdsgraph`` (the version that built it), ``base_uri``, ``graph_prefix`` (the
prefix of the named graphs ``publish`` and ``serve`` use: ``{base_uri}graph/``),
``snapshots`` (the registry snapshots, by date), and ``catalog``: ``download_url``,
``sparql_endpoint`` and ``skeleton`` (null for the bundled one, else its file name and
SHA-256), ``rows`` (per registry file: ``read`` = ``kept`` + ``quarantined``, and
``values_quarantined``, the values dropped from kept rows) and ``certificates`` (distinct
certificates). Nothing in it depends on the clock or the machine: two builds of the same
input write the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hdsgraph._version import __version__
from hdsgraph.errors import InputError, first_line
from hdsgraph.files import file_sha256

MANIFEST = "build.json"
DUMP_NAMES = ("hds.nt", "hds.ttl", "hds.jsonld")


def graph_prefix_for(base_uri: str) -> str:
    return base_uri + "graph/"


def manifest_bytes(
    facts, options, snapshots: list[str], rows: list[dict] | None = None, certificates: int | None = None
) -> bytes:
    """``build.json`` for a build of the registry ``snapshots`` (their ids) described by
    ``facts`` (hdsgraph.describe.facts.Facts) with the catalogue ``options``; ``rows``: per
    registry file, rows read / kept / quarantined and values quarantined; ``certificates``:
    the number of distinct certificates."""
    skeleton = None
    if options.skeleton is not None:
        path = Path(options.skeleton)
        skeleton = {"file": path.name, "sha256": file_sha256(path)}
    document = {
        "hdsgraph": __version__,
        "base_uri": facts.base_uri,
        "graph_prefix": graph_prefix_for(facts.base_uri),
        "snapshots": sorted(snapshots),
        "catalog": {"download_url": facts.download, "sparql_endpoint": facts.sparql_endpoint, "skeleton": skeleton},
    }
    if rows is not None:
        document["rows"] = rows
    if certificates is not None:
        document["certificates"] = certificates
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Manifest:
    base_uri: str
    graph_prefix: str
    snapshots: tuple[str, ...]
    version: str


def manifest_path(data: Path) -> Path | None:
    """Where the manifest of ``data`` (a build folder, or a dump inside one) is, if any."""
    data = Path(data)
    folder = data if data.is_dir() else data.parent if data.name in DUMP_NAMES else None
    if folder is None or not (folder / MANIFEST).is_file():
        return None
    return folder / MANIFEST


def read_manifest(data: Path) -> Manifest | None:
    """The manifest of a build folder (or of a dump inside one); None for a plain dump.
    Raises InputError when the file is there but cannot be used."""
    path = manifest_path(data)
    if path is None:
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        base, prefix = document["base_uri"], document["graph_prefix"]
        if not (isinstance(base, str) and isinstance(prefix, str)):
            raise TypeError("base_uri and graph_prefix must be strings")
        return Manifest(base, prefix, tuple(document.get("snapshots", ())), str(document.get("hdsgraph", "")))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        what = f"no {exc}" if isinstance(exc, KeyError) else first_line(exc)
        raise InputError(f"{path}: not a valid build manifest ({what})") from None


def build_base(data: Path) -> str | None:
    """The base URI ``data`` was built with, from its manifest (None: no manifest)."""
    manifest = read_manifest(data)
    return manifest.base_uri if manifest else None


def build_graph_prefix(data: Path) -> str | None:
    """The graph prefix of ``data``'s manifest (None: no manifest)."""
    manifest = read_manifest(data)
    return manifest.graph_prefix if manifest else None
