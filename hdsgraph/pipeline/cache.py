"""A content-addressed store of a build's reusable work, so that a rebuild after one more
snapshot redoes only what changed, and never serves a stale result.

Every entry is found by a key: the SHA-256 of everything that can change its value (the
bytes it was computed from, the options that matter) and of a fingerprint of the code
itself (the hdsgraph version, the Python version, the pySHACL, rdflib and pyoxigraph
versions, and the bytes of the package's ``.py`` files and of ``ontology/``, ``shapes/``,
``queries/`` and ``hdsgraph/data/``). A changed
input, a changed option or another hdsgraph gives another key, so the old entry is simply
never found. What is cached (see ``hdsgraph.pipeline.build``):

- ``read``: the rows of one registry file as read (keyed by its bytes, its name and the
  bytes of the provenance record and import quarantine beside it);
- ``parse``: the per-row part of normalise for one file (each row's parsed values, or why
  it cannot be used; keyed by the file's bytes and its snapshot);
- ``shacl``: pySHACL's verdicts on one connected component of the graph (keyed by the
  bytes of the triples pySHACL reads for it: its own, those of the shared nodes it refers
  to, the class hierarchy; see ``hdsgraph.pipeline.validate``).

An entry is a small file ``{kind}/{key}``: a header with the SHA-256 of the payload, then the
payload (``marshal``: plain values only, no code is ever run on loading). It is written
atomically (``files.write_atomically``) and checked on every read: an entry whose checksum
fails, or that cannot be loaded, is deleted and recomputed, never served. After a build
completes, the entries it did not use are deleted, so the store holds one build's worth.

The default place is ``<out>.cache/`` beside the output folder: never inside it, so the
published files, their manifest and SHA256SUMS are the same with or without a cache.
Deleting the folder is always safe (the next build is a cold one).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import re
import sys
import zlib
from collections import Counter
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path

from hdsgraph._version import __version__
from hdsgraph.errors import InputError
from hdsgraph.files import read_input, write_atomically
from hdsgraph.pipeline.normalise import RowParser, parse_rows
from hdsgraph.pipeline.progress import OnProgress
from hdsgraph.pipeline.progress import report as report_progress
from hdsgraph.pipeline.read import RawSnapshot, import_quarantine_path, read_registry
from hdsgraph.pipeline.validate import (
    PART_BYTES,
    VIOLATION_QUERY_SHAPE,
    PendingValidation,
    ValidationResult,
    Violation,
    _query_violations,
    class_only_paths,
    report_turtle,
    shape_reach,
    split_into_components,
    split_plan,
    start_parts,
    start_validation,
)
from hdsgraph.rdf.namespaces import PREFIXES, RDF
from hdsgraph.resources import PACKAGE_DIR, asset_dir

FORMAT = b"hdsgraph-cache 1\n"  # the first line of every entry; a new layout gets a new number
KINDS = ("read", "parse", "shacl")
_ENTRY = re.compile(r"^[0-9a-f]{64}$")
_CODE_FOLDERS = ("ontology", "shapes", "queries")
LIBRARIES = ("pyshacl", "rdflib", "pyoxigraph")  # what reads the rows and gives the verdicts, besides hdsgraph


@cache
def code_fingerprint() -> bytes:
    """The SHA-256 of what the code of this hdsgraph is: its version, the Python version
    (``marshal``'s format depends on it), the versions of pySHACL, rdflib and pyoxigraph,
    and the bytes of every ``.py`` file of the package
    and of the ontology, shapes, queries and data files. Computed once per process."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}\x00{sys.version}\x00".encode())
    for library in LIBRARIES:  # another pySHACL or rdflib could give other verdicts
        digest.update(f"{library} {metadata.version(library)}\x00".encode())
    files = {  # named where they sit in the package or asset folder, not on this disk
        "hdsgraph/" + p.relative_to(PACKAGE_DIR).as_posix(): p
        for p in [*PACKAGE_DIR.rglob("*.py"), *(PACKAGE_DIR / "data").rglob("*")]
        if p.is_file() and "__pycache__" not in p.parts
    }
    for name in _CODE_FOLDERS:
        folder = asset_dir(name)
        files |= {f"{name}/{p.relative_to(folder).as_posix()}": p for p in folder.rglob("*") if p.is_file()}
    for label, path in sorted(files.items()):
        digest.update(label.encode() + b"\x00")
        data = path.read_bytes()
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.digest()


def default_cache_dir(out: Path) -> Path:
    """``dist`` -> ``dist.cache``, beside it."""
    out = Path(out)
    return out.with_name(out.name + ".cache")


class BuildCache:
    """The cache of one build: ``get``/``put`` entries by kind and key, count the hits and
    misses, and ``prune`` what the build did not use."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.existed = self.folder.is_dir()  # else made by this build, and removed by ``abandon``
        self.written: list[Path] = []  # the entries this build wrote, which ``abandon`` removes
        self.used: set[tuple[str, str]] = set()
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self.discarded: Counter[str] = Counter()  # entries that failed their checksum: deleted, recomputed

    def key(self, kind: str, *parts: bytes | str) -> str:
        """The key of an entry of ``kind`` computed from ``parts`` (each length-prefixed, so
        that no two lists of parts give the same bytes) and the code fingerprint."""
        digest = hashlib.sha256(code_fingerprint() + kind.encode() + b"\x00")
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key

    def get(self, kind: str, key: str):
        """The value stored under ``key``, or None (a miss). An entry that fails its checksum
        or cannot be loaded is deleted and counted in ``discarded``: it is never served."""
        path = self._path(kind, key)
        self.used.add((kind, key))
        try:
            data = path.read_bytes()
        except OSError:
            self.misses[kind] += 1
            return None
        header_end = len(FORMAT) + 65
        payload = data[header_end:]
        value = None
        good = (
            data[: len(FORMAT)] == FORMAT
            and data[len(FORMAT) : header_end] == hashlib.sha256(payload).hexdigest().encode() + b"\n"
        )
        if good:
            try:
                value = marshal.loads(payload)
            except (EOFError, ValueError, TypeError):
                good = False
        if not good:
            self.discarded[kind] += 1
            self.misses[kind] += 1
            path.unlink(missing_ok=True)
            return None
        self.hits[kind] += 1
        return value

    def put(self, kind: str, key: str, value) -> None:
        """Store ``value`` (plain values: str, int, bool, None, tuples, lists, dicts) under ``key``.
        A cache that cannot be written is only slower: the build goes on without it."""
        payload = marshal.dumps(value)
        self.used.add((kind, key))
        path = self._path(kind, key)
        try:
            write_atomically(path, FORMAT + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            self.written.append(path)
        except OSError:
            pass

    def abandon(self) -> None:
        """Undo what a build that failed wrote: its entries, and the folder when the build
        made it, so that the cache is as it was before (and a refused build leaves nothing)."""
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written = []
        if not self.existed:
            for kind in KINDS:
                with contextlib.suppress(OSError):
                    (self.folder / kind).rmdir()  # only when empty: nothing of anyone else is removed
            with contextlib.suppress(OSError):
                self.folder.rmdir()

    def prune(self) -> int:
        """Delete the entries this build did not use (and leftovers of interrupted writes);
        returns how many were deleted."""
        removed = 0
        for kind in KINDS:
            folder = self.folder / kind
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                stale = _ENTRY.match(path.name) and (kind, path.name) not in self.used
                partial = path.name.startswith(".") and path.name.endswith(".part")
                if (stale or partial) and path.is_file():
                    try:
                        path.unlink()
                        removed += 1
                    except OSError:
                        pass
        return removed

    def stats(self) -> dict[str, dict[str, int]]:
        """Per kind: hits, misses (computed and stored) and entries discarded as corrupt."""
        kinds = sorted(set(self.hits) | set(self.misses), key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS))
        return {
            kind: {"hits": self.hits[kind], "misses": self.misses[kind], "discarded": self.discarded[kind]}
            for kind in kinds
        }


def open_cache(folder: Path, out: Path, inputs) -> BuildCache:
    """The cache in ``folder``, refused when it is the output folder, inside it or around it,
    or holds one of the build's inputs (pruning deletes files there)."""
    where, target = Path(folder).resolve(), Path(out).resolve()
    if where == target or target in where.parents or where in target.parents:
        raise InputError(f"{folder}: the cache folder cannot be the output folder {out}, inside it or hold it")
    for given in inputs:
        if given is not None and where in Path(given).resolve().parents:
            raise InputError(f"{given}: inside the cache folder {folder}; move it or choose another --cache")
    if where.exists() and not where.is_dir():
        raise InputError(f"{folder}: exists and is not a folder; choose another --cache")
    return BuildCache(where)  # made by the first entry written: a build refused at once leaves nothing


def _beside(path: Path) -> bytes:
    """A file read beside a registry file, as a key part: absent and empty differ."""
    try:
        return b"\x01" + path.read_bytes()
    except FileNotFoundError:
        return b"\x00"


def read_registry_cached(path: Path, cache: BuildCache | None) -> RawSnapshot:
    """``read_registry``, or its result for the same bytes, name and neighbour files from the
    cache. A file that cannot be read is never cached: it fails as it would without a cache."""
    if cache is None:
        return read_registry(path)
    data = read_input(path, "a registry file")
    neighbours = [_beside(path.with_name(path.stem + ".provenance.json")), _beside(import_quarantine_path(path))]
    key = cache.key("read", path.name, data, *neighbours)
    found = cache.get("read", key)
    if found is not None:
        sha256, snapshot, rows, provenance, imported, warnings = found
        return RawSnapshot(path.name, path, sha256, snapshot, rows, provenance, imported, warnings)
    snap = read_registry(path)
    cache.put(
        "read",
        key,
        (snap.sha256, snap.snapshot, snap.rows, snap.provenance, snap.imported_quarantine, snap.warnings),
    )
    return snap


def cached_parse(cache: BuildCache | None) -> Callable[[RawSnapshot], list] | None:
    """The ``parse`` of ``normalise``: ``parse_rows`` of each file, from the cache when the
    same rows (the file's bytes) were parsed for the same snapshot before; None without a
    cache (``normalise`` then parses every file)."""
    if cache is None:
        return None
    parser = RowParser()  # one memory of parsed rows for the files not found

    def parse(snap: RawSnapshot) -> list:
        key = cache.key("parse", snap.sha256, snap.snapshot or "", str(len(snap.rows)))
        found = cache.get("parse", key)
        if found is not None and len(found) == len(snap.rows):
            return found
        results = parse_rows(snap, parser)
        cache.put("parse", key, results)
        return results

    return parse


class CachedValidation:
    """pySHACL's verdicts: from the cache for the components whose key was found, from a
    pySHACL run on the shared lines and the other components; ``result`` stores the new
    verdicts per component and adds the whole-graph violation queries, like
    ``PendingValidation``."""

    def __init__(self, pending: PendingValidation | None, cached: list[Violation], record: Callable[[list], None]):
        self.pending, self.cached, self.record = pending, cached, record

    def cancel(self) -> None:
        if self.pending is not None:
            self.pending.cancel()

    def result(self, store, on_progress: OnProgress | None = None) -> ValidationResult:
        if self.pending is None:  # every component and the shared lines were found: no pySHACL at all
            found = _query_violations(store)
            report_progress(on_progress, "validate", 1, 1, "parts")
        else:
            found = self.pending.result(store, on_progress).violations
            self.record([v for v in found if not v.source.startswith(VIOLATION_QUERY_SHAPE)])
        violations = sorted(set(found) | set(self.cached))
        return ValidationResult(not violations, violations, report_turtle(violations))


def _split_line(line: bytes) -> tuple[bytes, bytes, bytes]:
    s_end = line.index(b" ")
    p_end = line.index(b" ", s_end + 1)
    return line[:s_end], line[s_end + 1 : p_end], line[p_end + 1 :].removesuffix(b" .")


def start_cached_validation(
    nt: bytes, host_prefix: str, workers: int, cache: BuildCache
) -> PendingValidation | CachedValidation:
    """``start_validation`` with pySHACL's verdicts kept per connected component.

    A component's key is the SHA-256 of the lines pySHACL is given for it (its own lines
    along the shapes' paths and the typing of the classes they name, with the one good
    ``hds:listedIn`` value per node that ``_shape_triples`` keeps), the same lines of every
    shared node it refers to, the whole class hierarchy (``rdfs:subClassOf``) and the host
    prefix; the shared nodes' verdicts are keyed by their own lines. Each depends only on
    those (``split_into_components``), so a component whose key is found has the verdicts
    pySHACL gave it before. The components not found, with the shared lines, are checked
    by pySHACL as one graph, in ``workers`` processes when there are several. Shapes that
    cannot be split (``split_plan`` is None) are checked whole, without the cache."""
    if split_plan() is None:
        return start_validation(nt, host_prefix, workers)
    found = split_into_components(nt, host_prefix)
    predicates, classes = shape_reach()
    wanted = {f"<{p}>".encode() for p in predicates}
    a = f"<{RDF}type>".encode()
    class_tokens = {f"<{c}>".encode() for c in classes}
    reducible = {f"<{p}>".encode(): f"<{c}>".encode() for p, c in class_only_paths().items()}
    subclass = f"<{PREFIXES['rdfs']}subClassOf>".encode()
    typed: dict[bytes, set[bytes]] = {c: set() for c in reducible.values()}

    def reduced(lines: list[bytes]) -> list[bytes]:
        """What ``_shape_triples`` gives pySHACL of these lines (a node's lines in order)."""
        kept, one_good = [], set()
        for line in lines:
            s, p, o = _split_line(line)
            if p in reducible and o in typed[reducible[p]]:
                if (s, p) in one_good:
                    continue
                one_good.add((s, p))
            if p in wanted or (p == a and o in class_tokens):
                kept.append(line)
        return kept

    hierarchy = []
    for lines in [found.shared, *found.groups.values()]:
        for line in lines:
            s, p, o = _split_line(line)
            if p == a and o in typed:
                typed[o].add(s)
            elif p == subclass:
                hierarchy.append(line)
    context = b"\n".join(sorted(hierarchy))
    shared = reduced(found.shared)
    by_subject: dict[bytes, list[bytes]] = {}
    for line in shared:
        by_subject.setdefault(_split_line(line)[0], []).append(line)

    cached: list[Violation] = []
    keys: dict[bytes | None, str] = {None: cache.key("shacl", "shared", host_prefix, b"\n".join(shared), context)}
    missed: dict[bytes, list[bytes]] = {}
    shared_verdicts = cache.get("shacl", keys[None])
    if shared_verdicts is not None:
        cached += [Violation(*v) for v in shared_verdicts]
    for root, lines in found.groups.items():
        own = reduced(lines)
        mine = {s for s, _, _ in map(_split_line, own)}
        referred = sorted({o for _, _, o in map(_split_line, own) if o in by_subject and o not in mine})
        outside = b"\n".join(line for node in referred for line in by_subject[node])
        keys[root] = cache.key("shacl", "component", host_prefix, b"\n".join(own), outside, context)
        verdicts = cache.get("shacl", keys[root])
        if verdicts is None:
            missed[root] = lines
        else:
            cached += [Violation(*v) for v in verdicts]
    if not missed and shared_verdicts is not None:
        return CachedValidation(None, cached, lambda _: None)

    def record(violations: list[Violation]) -> None:
        per_root: dict[bytes | None, list] = {root: [] for root in [None, *missed]}
        for v in violations:
            root = found.root_of(v.focus)
            if root not in per_root:
                return  # a verdict on a node not checked here cannot be: store nothing rather than guess
            per_root[root].append((v.focus, v.message, v.path, v.value, v.source))
        for root, verdicts in per_root.items():
            cache.put("shacl", keys[root], sorted(verdicts))

    common = b"\n".join(found.shared) + b"\n"
    if workers > 1 and len(missed) > 1:
        size = len(common) + sum(len(line) + 1 for lines in missed.values() for line in lines)
        count = max(workers, size // PART_BYTES + 1)
        chunks: list[list[bytes]] = [[] for _ in range(count)]
        for root, lines in missed.items():
            chunks[zlib.crc32(root) % count].extend(lines)
        parts = [common + b"\n".join(sorted(chunk)) + b"\n" for chunk in chunks if chunk]
        pending = start_parts(parts, workers)
    else:
        pending = PendingValidation(
            common + b"\n".join(sorted(x for lines in missed.values() for x in lines)) + b"\n", None, []
        )
    return CachedValidation(pending, cached, record)
