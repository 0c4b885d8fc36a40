"""Validate: graph -> SHACL validation report.

pySHACL checks the core-constraint shapes of ``shapes/hds.ttl``; the whole-graph
``shapes/*-violation.rq`` queries check the rules core SHACL cannot say, once for the
whole graph rather than once per node. Both end up in one ``sh:ValidationReport`` whose
blank-node labels are derived from each result's content, so the report is byte-stable.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import re
import shutil
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH
from rdflib.plugins.stores.memory import SimpleMemory

from hdsgraph.pipeline.progress import OnProgress
from hdsgraph.pipeline.progress import report as report_progress
from hdsgraph.rdf.namespaces import PREFIXES, RDF, SHAPES, prefixes
from hdsgraph.rdf.namespaces import SH as SH_NS
from hdsgraph.rdf.store import select, serialised
from hdsgraph.rdf.terms import iri, literal
from hdsgraph.resources import asset_dir

SHAPES_FILE = "hds.ttl"
SHAPES_NS = SHAPES
VIOLATION_QUERY_SHAPE = SHAPES_NS + "query-"


@dataclass(frozen=True, order=True)
class Violation:
    focus: str
    message: str
    path: str = ""
    value: str = ""
    source: str = ""  # the shape, or the violation query, that found it

    def line(self) -> str:
        where = f" ({self.path})" if self.path else ""
        value = f" [value: {self.value}]" if self.value else ""
        return f"{self.focus}{where}: {self.message}{value}"


@dataclass
class ValidationResult:
    conforms: bool
    violations: list[Violation]
    report: bytes  # Turtle

    def summary(self, limit: int = 20) -> str:
        if self.conforms:
            return "Validation: the graph conforms to the shapes"
        lines = [f"Validation: {len(self.violations)} violation{'s' if len(self.violations) != 1 else ''}"]
        lines += [f"  - {v.line()}" for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more (see the validation report)")
        return "\n".join(lines)


@cache
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(asset_dir("shapes") / SHAPES_FILE, format="turtle")


@cache
def shape_reach() -> tuple[frozenset[str], frozenset[str]]:
    """What the shapes can look at: the predicates of their paths, and the classes their
    targets and sh:class constraints name. pySHACL is given only those triples (and the
    rdf:type triples of those classes); no other triple can change its verdict, and the
    rest (labels, identifiers...) only costs time."""
    shapes = shapes_graph()
    paths = {str(p) for p in shapes.objects(None, SH.path) if isinstance(p, rdflib.URIRef)}
    paths |= {str(p) for p in shapes.objects(None, SH.inversePath) if isinstance(p, rdflib.URIRef)}
    classes = {str(c) for c in shapes.objects(None, SH.targetClass)} | {
        str(c) for c in shapes.objects(None, SH["class"])
    }
    return frozenset(paths | {PREFIXES["rdfs"] + "subClassOf"}), frozenset(classes)


# What a shape may say besides its path, target and sh:class for its path to count as a
# plain "at least one value, each of class C" check (see class_only_paths).
_CLASS_ONLY_KEYS = frozenset(
    str(k) for k in (rdflib.RDF.type, rdflib.RDFS.label, SH.path, SH.targetClass, SH["class"], SH.message, SH.minCount)
)


@cache
def class_only_paths() -> dict[str, str]:
    """Predicate -> class, for the predicates whose shapes only ask "at least one value, each
    an instance of the class" (``hds:listedIn``: at least one ``hds:RegistrySnapshot``), read
    nowhere else in the shapes. For such a predicate, a value typed with the class itself
    cannot be a violation, and one such value per subject satisfies ``sh:minCount 1``; so
    pySHACL gets the same verdicts when it is given, per subject, the first such value and
    every other value (``_shape_triples``). On a long history this leaves out most of the
    graph: every host and certificate is listed once per snapshot."""
    shapes = shapes_graph()
    paths: dict[str, set[str]] = {}
    for shape, node in shapes.subject_objects(SH.path):
        if not isinstance(node, rdflib.URIRef):
            continue
        keys = {str(k) for k in shapes.predicates(shape, None)}
        minimum = shapes.value(shape, SH.minCount)
        minimum_count = int(str(minimum)) if minimum is not None else 0
        classes = {str(c) for c in shapes.objects(shape, SH["class"])}
        simple = keys <= _CLASS_ONLY_KEYS and len(classes) == 1 and minimum_count <= 1
        paths.setdefault(str(node), set()).update(classes if simple else {""})
    result: dict[str, str] = {}
    for path, classes in paths.items():
        uses = sum(1 for _ in shapes.subjects(None, rdflib.URIRef(path))) - sum(
            1 for _ in shapes.subjects(SH.path, rdflib.URIRef(path))
        )
        if len(classes) == 1 and "" not in classes and uses == 0:
            result[path] = classes.pop()
    return result


def _shape_triples(nt: bytes):
    predicates, classes = shape_reach()
    rdf_type = RDF + "type"
    reducible = class_only_paths()
    kept = []
    typed: dict[str, set] = {c: set() for c in reducible.values()}
    for triple in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
        predicate = triple.predicate.value
        if predicate in predicates or (predicate == rdf_type and triple.object.value in classes):
            kept.append(triple)
            if predicate == rdf_type and triple.object.value in typed:
                typed[triple.object.value].add(triple.subject)
    one_good: set[tuple[str, ox.NamedNode | ox.BlankNode | ox.Triple]] = (
        set()
    )  # (predicate, subject) already given a good value
    for triple in kept:
        predicate = triple.predicate.value
        cls = reducible.get(predicate)
        if cls is not None and triple.object in typed[cls]:
            key = (predicate, triple.subject)
            if key in one_good:
                continue
            one_good.add(key)
        yield triple


def violation_queries() -> dict[str, str]:
    """The whole-graph rules: name -> SPARQL text."""
    folder = asset_dir("shapes")
    return {p.name[: -len(".rq")]: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*-violation.rq"))}


def _term_text(node) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.BNode):
        return "(blank node)"
    if isinstance(node, rdflib.Literal):
        return str(node)
    return str(node)


def _path_text(graph: rdflib.Graph, node) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.BNode):
        inverse = graph.value(node, SH.inversePath)
        if inverse is not None:
            return f"^{inverse}"
        return "(complex path)"
    return str(node)


class _IllFormedLiteral(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form")


@contextmanager
def _quiet_ill_formed_literals():
    """rdflib logs a warning with a traceback for every literal whose text does not fit its
    datatype (``"2021-13-45"^^xsd:date``); the shapes' sh:datatype reports it as a violation."""
    logger, quiet = logging.getLogger("rdflib.term"), _IllFormedLiteral()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _shacl_violations(nt: bytes) -> list[Violation]:
    with _quiet_ill_formed_literals():
        return _shacl_violations_quietly(nt)


class _ReadOnlyStore(SimpleMemory):
    """The rdflib store pySHACL reads the data from: one graph, indexed once, in bulk.

    pySHACL only reads the data graph (no inference, not advanced: it validates in place),
    and rdflib's default ``Memory`` store pays for named graphs on every lookup: about half of
    the validation time went to filling and reading its context tables. This store keeps the
    three indexes as plain dicts (subject -> predicate -> objects, predicate -> object ->
    subjects, object -> subject -> predicates) of the same rdflib terms, so every lookup
    answers what ``Memory`` answers (``tests/test_split_validation.py`` compares the reports).
    ``SimpleMemory`` gives it the prefix bindings pySHACL's default messages use."""

    context_aware = True  # pySHACL wraps the graph in a Dataset, which asks for both
    graph_aware = True

    def __init__(self) -> None:
        super().__init__()
        self._spo: dict = {}
        self._pos: dict = {}
        self._osp: dict = {}
        self._size = 0

    def load(self, triples) -> None:
        spo, pos, osp = self._spo, self._pos, self._osp
        for s, p, o in triples:
            objects = spo.setdefault(s, {}).setdefault(p, {})
            if o in objects:
                continue
            objects[o] = None
            pos.setdefault(p, {}).setdefault(o, {})[s] = None
            osp.setdefault(o, {}).setdefault(s, {})[p] = None
            self._size += 1

    def add(self, triple, context=None, quoted=False) -> None:
        self.load([triple])

    def remove(self, triple_pattern, context=None) -> None:
        raise NotImplementedError("the data graph pySHACL validates is read-only")

    def add_graph(self, graph) -> None:
        pass

    def contexts(self, triple=None):
        return iter(())

    def __len__(self, context=None) -> int:
        return self._size

    def triples(self, triple_pattern, context=None):
        s, p, o = triple_pattern
        none = ()
        if s is not None:
            by_predicate = self._spo.get(s)
            if by_predicate is None:
                return
            if p is not None:
                objects = by_predicate.get(p)
                if objects is None:
                    return
                if o is not None:
                    if o in objects:
                        yield (s, p, o), none
                    return
                for obj in list(objects):
                    yield (s, p, obj), none
                return
            for pred, objects in list(by_predicate.items()):
                if o is not None:
                    if o in objects:
                        yield (s, pred, o), none
                    continue
                for obj in list(objects):
                    yield (s, pred, obj), none
            return
        if p is not None:
            by_object = self._pos.get(p)
            if by_object is None:
                return
            if o is not None:
                for subj in list(by_object.get(o, none)):
                    yield (subj, p, o), none
                return
            for obj, subjects in list(by_object.items()):
                for subj in list(subjects):
                    yield (subj, p, obj), none
            return
        if o is not None:
            for subj, predicates in list(self._osp.get(o, {}).items()):
                for pred in list(predicates):
                    yield (subj, pred, o), none
            return
        for subj, by_predicate in list(self._spo.items()):
            for pred, objects in list(by_predicate.items()):
                for obj in list(objects):
                    yield (subj, pred, obj), none


def shape_data_graph(nt: bytes) -> rdflib.Graph:
    """The graph pySHACL validates: the triples the shapes can read (``_shape_triples``), as
    the rdflib terms ``rdflib_graph`` makes of them, in a ``_ReadOnlyStore``."""
    from hdsgraph.rdf.store import rdflib_terms

    store = _ReadOnlyStore()
    store.load(rdflib_terms(_shape_triples(nt)))
    return rdflib.Graph(store=store)


def _shacl_violations_quietly(nt: bytes) -> list[Violation]:
    data = shape_data_graph(nt)
    conforms, report, _ = shacl_validate(data, shacl_graph=shapes_graph(), inference="none", advanced=False)
    if conforms:
        return []
    violations = []
    for result in report.objects(None, SH.result):
        shape = report.value(result, SH.sourceShape)
        violations.append(
            Violation(
                focus=_term_text(report.value(result, SH.focusNode)),
                message=_term_text(report.value(result, SH.resultMessage)),
                path=_path_text(report, report.value(result, SH.resultPath)),
                value=_term_text(report.value(result, SH.value)),
                source=str(shape) if isinstance(shape, rdflib.URIRef) else "",
            )
        )
    return violations


def _query_violations(store: ox.Store) -> list[Violation]:
    violations = []
    for name, text in violation_queries().items():
        for row in select(store, text):
            violations.append(
                Violation(
                    focus=row["focus"].value if row["focus"] is not None else "",
                    message=row["message"].value if row["message"] is not None else name,
                    value=row["value"].value if row["value"] is not None else "",
                    source=VIOLATION_QUERY_SHAPE + name,
                )
            )
    return violations


def validate(nt: bytes, store: ox.Store, host_prefix: str | None = None, workers: int = 1) -> ValidationResult:
    """Validate one graph, given as N-Triples and as an Oxigraph store holding them."""
    return start_validation(nt, host_prefix, workers).result(store)


class PendingValidation:
    """pySHACL running on a graph, in worker processes or not yet started; ``result``
    adds the whole-graph violation queries and waits for the rest."""

    def __init__(self, nt: bytes | Path, pool: ProcessPoolExecutor | None, futures: list, scratch: Path | None = None):
        self.nt, self.pool, self.futures = nt, pool, futures
        self.scratch = scratch  # a folder of part files, removed at the end
        self.submitted = threading.Event()  # set once every part is submitted (``futures`` complete)
        self.submitted.set()
        self.failure: BaseException | None = None  # why the parts could not be cut or submitted

    def _remove_scratch(self) -> None:
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def cancel(self) -> None:
        """Stop now (Ctrl-C, SIGTERM, a failed stage): parts not started never start, running
        ones are killed rather than waited for."""
        if self.pool is not None:
            running = list((getattr(self.pool, "_processes", None) or {}).values())  # public only from Python 3.14
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in running:
                process.terminate()
            for process in running:
                process.join(5)
        self._remove_scratch()

    def result(self, store: ox.Store, on_progress: OnProgress | None = None) -> ValidationResult:
        queried = _query_violations(store)
        if self.pool is None:
            shacl = _shacl_violations(self.nt if isinstance(self.nt, bytes) else self.nt.read_bytes())
            report_progress(on_progress, "validate", 1, 1, "parts")
        else:
            try:
                self.submitted.wait()
                if self.failure is not None:
                    raise self.failure
                shacl = []
                for done, future in enumerate(self.futures, start=1):  # in order: the same list whatever ends first
                    shacl += future.result()
                    report_progress(on_progress, "validate", done, len(self.futures), "parts")
            except BaseException:
                self.cancel()
                raise
            finally:
                self.pool.shutdown()
                self._remove_scratch()
        violations = sorted(set(shacl + queried))
        return ValidationResult(not violations, violations, report_turtle(violations))


def start_validation(nt: bytes | Path, host_prefix: str | None = None, workers: int = 1) -> PendingValidation:
    """Start pySHACL on a graph given as N-Triples (bytes, or a sorted file: then the parts
    are cut from it line by line into temporary files, which the workers read).

    With ``host_prefix`` (the IRI prefix of hosts, as hdsgraph mints them) and more than one
    worker, pySHACL checks the graph in independent parts (``split_into_parts``: connected
    groups of hosts and certificates, plus the shared vocabulary and snapshots), in worker
    processes that run while the caller goes on (loading the store, querying, serialising).
    The whole-graph queries always see the whole graph.
    """
    if not host_prefix or workers <= 1 or split_plan() is None:
        return PendingValidation(nt, None, [])
    if isinstance(nt, Path):
        return _start_file_validation(nt, host_prefix, workers)
    return start_parts(split_into_parts(nt, host_prefix, max(workers, len(nt) // PART_BYTES + 1)), workers)


def start_parts(parts: list[bytes], workers: int) -> PendingValidation:
    """pySHACL on each of ``parts`` (graphs it can check independently), in ``workers`` processes.

    One process per worker, each given its share of the parts at once: importing pySHACL
    and parsing the shapes cost about a second per process, once per worker rather than
    once per part. A part's graph is dropped before the next part's is made."""
    shares = [parts[start::workers] for start in range(workers)]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    return PendingValidation(b"", pool, [pool.submit(_shacl_violations_of_parts, share) for share in shares])


def _start_file_validation(path: Path, host_prefix: str, workers: int) -> PendingValidation:
    """The parts are cut in a thread of this process, which then submits them to the
    workers, so that the caller goes on at once (Oxigraph loads and queries the store
    without holding the interpreter)."""
    scratch = Path(tempfile.mkdtemp(prefix="hdsgraph-parts-"))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    pending = PendingValidation(path, pool, [], scratch)
    pending.submitted.clear()

    def cut_and_submit() -> None:
        try:
            parts = max(workers, path.stat().st_size // PART_BYTES + 1)
            shared, files = split_file_into_parts(path, host_prefix, parts, scratch)
            for start in range(workers):
                pending.futures.append(pool.submit(_shacl_violations_of_files, shared, files[start::workers]))
        except BaseException as exc:  # raised by ``result``; after a cancel, nobody asks
            pending.failure = exc
        finally:
            pending.submitted.set()

    threading.Thread(target=cut_and_submit, name="hdsgraph-parts", daemon=True).start()
    return pending


def _shacl_violations_of_files(shared: Path, files: list[Path]) -> list[Violation]:
    """pySHACL on each part file in turn, with the shared lines (in a worker process)."""
    common = shared.read_bytes()
    violations: list[Violation] = []
    for file in files:
        violations += _shacl_violations(common + file.read_bytes())
        gc.collect()
    return violations


def _shacl_violations_of_parts(parts: list[bytes]) -> list[Violation]:
    """pySHACL on each part in turn (in a worker process)."""
    violations: list[Violation] = []
    while parts:
        violations += _shacl_violations(parts.pop())
        gc.collect()  # the part's graph, before the next one is made
    return violations


PART_BYTES = 40_000_000  # ~250,000 triples: a part's rdflib graph stays well under 1 GB

# What a shape may use for the split to be exact: a focus node's verdict then depends only
# on its own triples along the shapes' paths, the triples of inverse paths that end at it,
# and the rdf:type triples of the nodes these reach (sh:class). Anything else (sh:node,
# nested sh:property, logical or qualified shapes, SPARQL, sh:targetNode, complex paths)
# and the graph is validated whole.
_SPLIT_SAFE_TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf}
_SPLIT_UNSAFE = {
    SH.node,
    SH.property,
    SH["and"],
    SH["or"],
    SH["not"],
    SH.xone,
    SH.qualifiedValueShape,
    SH.sparql,
    SH.targetNode,
    SH.closed,
}


@cache
def split_plan() -> frozenset[str] | None:
    """The predicates of the shapes' inverse paths, or None when the shapes use something
    that a split could get wrong (then validation runs on the whole graph)."""
    shapes = shapes_graph()
    if any((None, p, None) in shapes for p in _SPLIT_UNSAFE):
        return None
    inverse = set()
    for path in shapes.objects(None, SH.path):
        if isinstance(path, rdflib.URIRef):
            continue
        step = shapes.value(path, SH.inversePath)
        if not isinstance(step, rdflib.URIRef) or len(list(shapes.predicate_objects(path))) != 1:
            return None  # a sequence, alternative or transitive path
        inverse.add(str(step))
    return frozenset(inverse)


def split_into_parts(nt: bytes, host_prefix: str, parts: int, inverse: frozenset[str] | None = None) -> list[bytes]:
    """Cut N-Triples into ``parts`` graphs that pySHACL can check one by one with the same
    verdicts as the whole graph (see ``_parts_of_lines``)."""
    lines = nt.splitlines()
    shared: list[bytes] = []
    chunks: list[list[bytes]] = [[] for _ in range(parts)]
    for index, line in _parts_of_lines(lambda: lines, host_prefix, parts, inverse):
        (shared if index < 0 else chunks[index]).append(line)
    common = b"\n".join(shared)
    return [common + b"\n" + b"\n".join(chunk) + b"\n" for chunk in chunks]


def split_file_into_parts(
    path: Path, host_prefix: str, parts: int, folder: Path, inverse: frozenset[str] | None = None
) -> tuple[Path, list[Path]]:
    """``split_into_parts`` of an N-Triples file, reading it line by line rather than holding
    it: the shared lines go to ``folder/shared.nt``, each part's own to ``folder/part-N.nt``
    (a part's graph is the shared file's lines and its own)."""

    def lines() -> Iterator[bytes]:
        with open(path, "rb") as handle:
            for raw in handle:
                yield raw.rstrip(b"\r\n")

    files = [folder / f"part-{number}.nt" for number in range(parts)]
    with ExitStack() as stack:
        shared = stack.enter_context(open(folder / "shared.nt", "wb"))
        sinks = [stack.enter_context(open(file, "wb")) for file in files]
        for index, line in _parts_of_lines(lines, host_prefix, parts, inverse):
            (shared if index < 0 else sinks[index]).write(line + b"\n")
    return folder / "shared.nt", files


def _parts_of_lines(
    lines: Callable[[], Iterable[bytes]], host_prefix: str, parts: int, inverse: frozenset[str] | None = None
) -> Iterator[tuple[int, bytes]]:
    """Each line of N-Triples (``lines()``, sorted, read up to three times) with the part it
    goes to (-1: shared by every part), for parts that pySHACL can check one by one with the
    same verdicts as the whole graph: a component (``_component_roots``) goes whole to the
    part its smallest member hashes to, so the parts do not depend on the order of the lines."""
    root_of = _component_roots(lines, host_prefix, inverse)
    part_of: dict[bytes, int] = {}
    last, target = b"", -1
    for line in lines():
        if not line:
            continue
        subject = line[: line.index(b" ")]
        if subject != last:
            last, root = subject, root_of(subject)
            if root is None:
                target = -1
            else:
                index = part_of.get(root)
                if index is None:
                    index = part_of[root] = zlib.crc32(root) % parts
                target = index
        yield target, line


@dataclass
class Components:
    """N-Triples lines cut into connected components (``split_into_components``)."""

    shared: list[bytes]  # the lines of the shared nodes, in the order given
    groups: dict[bytes, list[bytes]]  # the smallest member of a component -> its lines, in the order given
    root_of: Callable[[str], bytes | None]  # a node's IRI -> its component (None: a shared node)


def split_into_components(nt: bytes, host_prefix: str, inverse: frozenset[str] | None = None) -> Components:
    """Cut N-Triples into the shared lines and connected components (``_component_roots``),
    each of which pySHACL can check with the shared lines alone and give the verdicts of
    the whole graph."""
    lines = nt.splitlines()
    root_of = _component_roots(lambda: lines, host_prefix, inverse)
    shared: list[bytes] = []
    groups: dict[bytes, list[bytes]] = {}
    last, target = b"", shared
    for line in lines:
        if not line:
            continue
        subject = line[: line.index(b" ")]
        if subject != last:
            last, root = subject, root_of(subject)
            target = shared if root is None else groups.setdefault(root, [])
        target.append(line)
    return Components(shared, groups, lambda node: root_of(f"<{node}>".encode()))


def _component_roots(
    lines: Callable[[], Iterable[bytes]], host_prefix: str, inverse: frozenset[str] | None = None
) -> Callable[[bytes], bytes | None]:
    """The connected components of N-Triples (``lines()``, sorted, read once or twice),
    as a function from a node (its N-Triples token) to its component's smallest member, or
    None for a shared node.

    Nodes whose IRI starts with ``host_prefix`` (hosts, their certificates, identifiers) are
    grouped into connected components: two of them linked by a triple stay together, so a
    certificate goes with every host that holds it, wherever its IRI lies. Every other node
    (vocabulary, snapshots, certification bodies) is shared: its triples go to every part,
    unless it links to a grouped node, or is the end of an inverse path (``inverse``: the
    predicates of the shapes' inverse paths) from one; then it joins that node's group, and
    so on until nothing changes. A component is named by its smallest member, so the cut
    does not depend on the order of the lines.
    """
    inverse_tokens = {f"<{p}>".encode() for p in (split_plan() or frozenset() if inverse is None else inverse)}
    prefix = f"<{host_prefix}".encode()
    parent: dict[bytes, bytes] = {}

    def key(node: bytes) -> bytes:
        if node.startswith(prefix):  # a host's own local name ends at its first # or /
            return _HOST_LOCAL_END.split(node[len(prefix) :], maxsplit=1)[0] + b"\x00"
        return node

    def find(node: bytes) -> bytes:
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def union(a: bytes, b: bytes) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:  # the smaller key is the root: the root is the component's smallest member
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra

    pending: list[tuple[bytes, bytes, bool]] = []  # (subject, object, inverse) between shared nodes
    linked: set[bytes] = set()  # the shared nodes grouped nodes link to
    last, subject_key, s_in = b"", b"", False
    for line in lines():  # sorted lines: a subject's lines come together, so its key is found once
        if not line:
            continue
        s_end = line.index(b" ")
        subject = line[:s_end]
        if subject != last:
            last, s_in = subject, subject.startswith(prefix)
            subject_key = key(subject) if s_in else subject
            if s_in:
                parent.setdefault(subject_key, subject_key)
        p_end = line.index(b" ", s_end + 1)
        if line[p_end + 1] not in _RESOURCE_START:
            continue  # a literal
        obj = line[p_end + 1 :].rstrip(b" .")
        is_inverse = line[s_end + 1 : p_end] in inverse_tokens
        o_in = obj.startswith(prefix)
        if s_in and o_in:
            object_key = key(obj)
            if object_key != subject_key:
                parent.setdefault(object_key, object_key)
                union(subject_key, object_key)
        elif s_in and is_inverse:
            parent.setdefault(obj, obj)
            union(subject_key, obj)
        elif s_in:
            linked.add(obj)
        elif o_in:
            parent.setdefault(key(obj), key(obj))
            parent.setdefault(subject, subject)
            union(subject, key(obj))
        else:
            pending.append((subject, obj, is_inverse))
    changed = True
    while changed:  # shared nodes linked to grouped ones join them, until nothing changes
        changed = False
        left = []
        for subject, obj, is_inverse in pending:
            if obj in parent or (subject in parent and is_inverse):
                for node in (subject, obj):
                    parent.setdefault(node, node)
                union(subject, obj)
                changed = True
            else:
                left.append((subject, obj, is_inverse))
        pending = left
    if any(node in parent for node in linked):  # grouped nodes linking to a node that joined a group join it
        for line in lines():
            subject, obj = _subject_object(line)
            if obj in parent and obj in linked and subject.startswith(prefix):
                union(key(subject), obj)

    def root_of(node: bytes) -> bytes | None:
        found = key(node)
        return find(found) if found in parent else None

    return root_of


def _subject_object(line: bytes) -> tuple[bytes, bytes]:
    if not line:
        return b"", b""
    s_end = line.index(b" ")
    return line[:s_end], line[line.index(b" ", s_end + 1) + 1 :].rstrip(b" .")


_RESOURCE_START = frozenset(b"<_")  # the first byte of an IRI or a blank node (not of a literal)
_HOST_LOCAL_END = re.compile(rb"[#/]")  # a host's own local name ends at its first # or /


def report_turtle(violations: list[Violation]) -> bytes:
    """A deterministic sh:ValidationReport in Turtle."""
    sh = SH_NS
    report = "_:report"
    lines = {
        f"{report} <{RDF}type> <{sh}ValidationReport>",
        f"{report} <{sh}conforms> {literal('false' if violations else 'true', PREFIXES['xsd'] + 'boolean')}",
    }
    for v in violations:
        node = "_:r" + hashlib.sha256(repr(v).encode("utf-8")).hexdigest()[:16]
        lines.add(f"{report} <{sh}result> {node}")
        lines.add(f"{node} <{RDF}type> <{sh}ValidationResult>")
        lines.add(f"{node} <{sh}resultSeverity> <{sh}Violation>")
        lines.add(f"{node} <{sh}focusNode> {_node(v.focus)}")
        lines.add(f"{node} <{sh}resultMessage> {literal(v.message)}")
        if v.path and not v.path.startswith(("^", "(")):
            lines.add(f"{node} <{sh}resultPath> {iri(v.path)}")
        if v.value:
            lines.add(f"{node} <{sh}value> {literal(v.value)}")
        if v.source:
            lines.add(f"{node} <{sh}sourceShape> {iri(v.source)}")
    nt = "".join(f"{line} .\n" for line in sorted(lines)).encode("utf-8")
    return serialised(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), ox.RdfFormat.TURTLE, prefixes("sh", "xsd", "shapes"))


def _node(text: str) -> str:
    if text.startswith(("http://", "https://", "urn:")):
        return iri(text)
    return literal(text)


def validate_file(path: Path) -> ValidationResult:
    """Validate a dump or a build folder. The ontology is added first, so that a graph
    that does not carry the vocabulary (activities, types, positionings) still checks."""
    from hdsgraph.pipeline.mapping import ontology_ntriples
    from hdsgraph.rdf.serialise import ntriples_bytes
    from hdsgraph.rdf.store import load_store, read_ntriples

    nt = read_ntriples(path) + ntriples_bytes(ontology_ntriples())
    return validate(nt, load_store(nt, path))
