"""Files in and out: input read with one-line errors; output written whole or not at all,
a folder with its checksums or a single file.

A folder's files are written to a staging folder beside it, then the staging folder
takes the output folder's place. A build that fails half-way leaves the last good output
as it was; a build the shapes reject goes to ``<out>.rejected/`` for inspection. A single
file (a snapshot, an imported table, a synthetic registry) is written to a temporary
file beside it and renamed over it.
"""

from __future__ import annotations

import errno
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


def _listed(folder: Path) -> set[str] | None:
    """The file names a folder's SHA256SUMS lists, or None without a readable one."""
    try:
        text = (folder / CHECKSUMS).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    names = set()
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            return None  # not a checksum file hdsgraph wrote
        names.add(name)
    return names


def _unlisted(folder: Path, listed: set[str], prefix: str = "") -> list[str]:
    """Files under ``folder`` that its SHA256SUMS does not list; a subfolder that is an output
    of its own (with its own complete SHA256SUMS, like a build's site/) counts as listed."""
    found = []
    for path in sorted(folder.iterdir()):
        name = prefix + path.name
        if path.is_dir() and not path.is_symlink():
            own = _listed(path)
            if own is not None and not _unlisted(path, own):
                continue
            found += _unlisted(path, listed, name + "/")
        elif name not in listed and name != CHECKSUMS:
            found.append(name)
    return found


def _check_replaceable(out: Path, marker: str | None) -> None:
    """Refuse to replace a folder that is not an earlier output of the same kind (say, --out ~):
    it must be empty, or hold a SHA256SUMS listing every file in it and, for a build, its
    manifest ``marker`` (build.json). A file hdsgraph did not write is never deleted."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if not any(out.iterdir()):
        return
    listed = _listed(out)
    foreign = sorted(p.name for p in out.iterdir()) if listed is None else _unlisted(out, listed)
    if marker is not None and (listed is None or marker not in listed or not (out / marker).is_file()):
        foreign = foreign or [f"no {marker}"]
    if foreign:
        kind = "an hdsgraph build" if marker == "build.json" else "an earlier output of this command"
        raise InputError(
            f"{out}: refusing to replace a folder that is not {kind} "
            f"(it holds {', '.join(foreign[:3])}{'...' if len(foreign) > 3 else ''}); choose another --out"
        )


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a leftover of an earlier process that had our number
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(parent: Path, name: str, kind: str) -> list[Path]:
    """``.{name}.{kind}-{pid}`` folders beside the output whose process is gone."""
    found = []
    for path in sorted(parent.glob(f".{name}.{kind}-*")):
        pid = path.name.rsplit("-", 1)[1]
        if pid.isdigit() and path.is_dir() and not _pid_alive(int(pid)):
            found.append(path)
    return found


def recover(out: Path) -> list[str]:
    """Undo what a killed run left beside ``out`` and say what was done: finish a replacement
    killed between its two renames (the new output was complete: its SHA256SUMS is written
    before the renames), or else restore the previous output; remove the staging folders
    of runs that are gone."""
    out = Path(out)
    real = out.resolve()
    parent, name = real.parent, real.name
    if not parent.is_dir():
        return []
    done = []
    previous = _leftovers(parent, name, "previous")
    staged = [p for p in _leftovers(parent, name, "staging") if (p / CHECKSUMS).is_file()]
    if previous and not real.exists():
        if staged:
            os.replace(staged[-1], real)
            done.append(f"finished the replacement of {out} that a killed run left half-done ({staged[-1].name})")
        else:
            os.replace(previous[-1], real)
            done.append(f"restored {out} from {previous[-1].name}, left by a run killed while replacing it")
    for path in _leftovers(parent, name, "previous") + _leftovers(parent, name, "staging"):
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"removed {path.name} ({size / 1e6:.1f} MB), left by a run that was killed")
    return done


def refuse_inside(out: Path, inputs) -> None:
    """An input inside the output folder would be deleted when the output replaces it: refused."""
    folder = Path(out).resolve()
    for given in inputs:
        if given is not None and (Path(given).resolve() == folder or folder in Path(given).resolve().parents):
            raise InputError(
                f"{given}: inside the output folder {out}, which is replaced whole; move it or choose another --out"
            )


_OPEN: set[Path] = set()  # staging folders being written, for abandon_staging


def abandon_staging() -> None:
    """Remove every staging folder this process is writing (the CLI's last resort on Ctrl-C)."""
    for folder in list(_OPEN):
        shutil.rmtree(folder, ignore_errors=True)


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_REFUSED = {errno.EROFS, errno.EACCES, errno.EPERM}


class Staging:
    """An output folder being written beside its final place.

    Large outputs are written into it as they are made, so that they need not all sit in
    memory; ``commit`` adds SHA256SUMS and puts the folder in place in one rename;
    leaving the ``with`` block without committing removes it, so that the last good
    output stays as it was. ``marker`` names the file that identifies an earlier output
    of the same kind (a build's build.json). Opening one first recovers what a killed run
    left (``recovered`` says what was done).
    """

    def __init__(self, out: Path, marker: str | None = None):
        self.out = Path(out)
        self.marker = marker
        try:
            self.recovered = recover(self.out)
        except OSError as exc:
            raise InputError(f"{self.out}: cannot recover what a killed run left ({exc.strerror or exc})") from None
        _check_replaceable(self.out, marker)  # before any work, not after
        self.parent = self.out.resolve().parent
        self.folder = self.parent / f".{self.out.resolve().name}.staging-{os.getpid()}"
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir()
            _OPEN.add(self.folder)
        except OSError as exc:
            raise InputError(f"{self.out}: cannot write the output ({exc.strerror or exc})") from None
        self.written: list[str] = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc_info) -> None:
        exc = exc_info[1]
        _OPEN.discard(self.folder)
        written = sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file()) if self.folder.is_dir() else 0
        shutil.rmtree(self.folder, ignore_errors=True)
        if isinstance(exc, OSError) and exc.errno in _FULL | _REFUSED:
            raise InputError(self._write_failure(exc, written)) from None

    def _write_failure(self, exc: OSError, written: int) -> str:
        """One line naming the folder, and for a full disk the space needed."""
        kept = f"; {self.out} left as it was" if self.out.exists() else ""
        if exc.errno not in _FULL:
            return f"{self.parent}: cannot write the output there ({exc.strerror}){kept}"
        previous = sum(f.stat().st_size for f in self.out.rglob("*") if f.is_file()) if self.out.is_dir() else 0
        needed = max(written, previous) * 1.1
        free = shutil.disk_usage(self.parent).free
        return (
            f"{self.parent}: {exc.strerror or 'no space left'} while writing the output; it needs more than "
            f"{needed / 1e6:.1f} MB free there ({free / 1e6:.1f} MB are){kept}"
        )

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
        """Checksum the files and put the folder at ``target`` (default: the output folder);
        a symbolic link to the output folder stays a link, to the new output."""
        target = Path(target) if target is not None else self.out
        if target != self.out:
            _check_replaceable(target, self.marker)
        target = target.resolve() if target.is_symlink() else target
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
    with Staging(out) as staging:
        for name, data in files.items():
            staging.write(name, data)
        staging.commit()
