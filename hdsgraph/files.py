"""Files in and out: input read with one-line errors; output written whole or not at all,
a folder with its checksums or a single file.

A folder's files are written to a staging folder beside it, then the staging folder
takes the output folder's place. A build that fails half-way leaves the last good output
as it was; a build the shapes reject goes to ``<out>.rejected/`` for inspection. A single
file (a snapshot, an imported table, a synthetic registry) is written to a temporary
file beside it and renamed over it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from hdsgraph.errors import InputError

CHECKSUMS = "SHA256SUMS"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_input(path: Path, what: str) -> bytes:
    """The bytes of a file the user named, or InputError in one line (``what`` names the
    kind of file a folder is not: "a registry file"). A file larger than
    ``safety.MAX_FILE_BYTES`` (or a device that never ends, like /dev/zero) is refused."""
    from hdsgraph.safety import MAX_FILE_BYTES, read_bounded, too_large

    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if stat.S_ISREG(info.st_mode):
            if info.st_size > MAX_FILE_BYTES:
                raise too_large(str(path))
            return path.read_bytes()
        with open(path, "rb") as stream:  # a device or a pipe: no size to check first
            return read_bounded(stream, MAX_FILE_BYTES, str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not {what}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_yaml(path: Path):
    """A YAML file a user gave (figures, a --mapping), or InputError in one line."""
    import yaml

    data = read_input(path, "a YAML file")
    try:
        return yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where else ""
        raise InputError(f"{path}: not a readable YAML file{line}") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: a reader never sees half a file.
    Raises OSError; the caller says what could not be written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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


class Staging:
    """An output folder being written beside its final place.

    Large outputs are written into it as they are made, so that they need not all sit in
    memory; ``commit`` adds SHA256SUMS and puts the folder in place in one rename;
    leaving the ``with`` block without committing removes it, so that the last good
    output stays as it was.
    """

    def __init__(self, out: Path, names: set[str]):
        self.out = Path(out)
        self.names = set(names) | {CHECKSUMS}
        _check_replaceable(self.out, self.names)  # before any work, not after
        self.parent = self.out.resolve().parent
        self.folder = self.parent / f".{self.out.name}.staging-{os.getpid()}"
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir()
        except OSError as exc:
            raise InputError(f"{self.out}: cannot write the output ({exc.strerror or exc})") from None
        self.written: list[str] = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def path(self, name: str) -> Path:
        """Where to write the file ``name`` (a path relative to the folder, never outside it)."""
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or {"..", "."} & set(parts) or "\x00" in name:
            raise InputError(f"{self.out}: refusing to write {name!r}, a path outside the output folder")
        target = self.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name not in self.written:
            self.written.append(name)
        return target

    def write(self, name: str, data: bytes) -> None:
        self.path(name).write_bytes(data)

    def files(self) -> dict[str, Path]:
        return {name: self.folder / name for name in sorted(self.written)}

    def commit(self, target: Path | None = None) -> None:
        """Checksum the files and put the folder at ``target`` (default: the output folder)."""
        target = Path(target) if target is not None else self.out
        if target != self.out:
            _check_replaceable(target, self.names)
        sums = "".join(f"{file_sha256(path)}  {name}\n" for name, path in self.files().items())
        (self.folder / CHECKSUMS).write_text(sums, encoding="utf-8")
        previous = self.parent / f".{target.name}.previous-{os.getpid()}"
        try:
            if target.exists():
                os.replace(target, previous)
                try:
                    os.replace(self.folder, target)
                except OSError:
                    os.replace(previous, target)
                    raise
                shutil.rmtree(previous)
            else:
                os.replace(self.folder, target)
        except OSError as exc:
            raise InputError(f"{target}: cannot write the output ({exc.strerror or exc})") from None


def write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` and their SHA256SUMS as the whole content of ``out``, atomically."""
    with Staging(out, set(files)) as staging:
        for name, data in files.items():
            staging.write(name, data)
        staging.commit()
