"""Publish: the built files -> an output folder, all at once, with checksums.

Files are written to a staging folder beside the output folder, then the staging folder
takes the output folder's place. A build that fails half-way leaves the last good output
as it was; a build the shapes reject goes to ``<out>.rejected/`` for inspection.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from hdsgraph.errors import InputError

CHECKSUMS = "SHA256SUMS"


def sha256sums(files: dict[str, bytes]) -> bytes:
    """The ``sha256sum`` format: one ``<hex>  <name>`` line per file, sorted by name."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())).encode()


def _check_replaceable(out: Path, names: set[str]) -> None:
    """Refuse to replace a folder that is not an earlier build (say, --out ~)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    tops = {name.split("/")[0] for name in names}  # a file may sit in a subfolder ("host/x.html")
    foreign = sorted(p.name for p in out.iterdir() if p.name not in tops)
    if foreign and not (out / CHECKSUMS).is_file():
        raise InputError(
            f"{out}: refusing to replace a folder that is not an hdsgraph build "
            f"(it holds {', '.join(foreign[:3])}{'...' if len(foreign) > 3 else ''}); choose another --out"
        )


def write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` and their SHA256SUMS as the whole content of ``out``, atomically."""
    out = Path(out)
    names = set(files) | {CHECKSUMS}
    _check_replaceable(out, names)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{out.name}.staging-{os.getpid()}"
    previous = parent / f".{out.name}.previous-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        (staging / CHECKSUMS).write_bytes(sha256sums(files))
        if out.exists():
            os.replace(out, previous)
            try:
                os.replace(staging, out)
            except OSError:
                os.replace(previous, out)
                raise
            shutil.rmtree(previous)
        else:
            os.replace(staging, out)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the output ({exc.strerror or exc})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
