"""The whole pipeline: registry files -> a validated, queried, published dataset.

Two steps, two plain functions that ``build`` chains: ``make_graph`` (registry files ->
the normalised, qualified, mapped N-Triples, and a store holding them) and
``write_build`` (validate, answer the study's questions, serialise, describe, commit).
``build`` returns a ``BuildReport``: rows read/kept/quarantined per source, conformance
(a build the shapes reject is written to ``<out>.rejected/``, and says so), stage timings.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from hdsgraph.describe.catalog import catalog_files
from hdsgraph.describe.changes import FEED_FILES, feed_files
from hdsgraph.describe.facts import (
    CatalogOptions,
    Skeleton,
    dataset_facts,
    read_skeleton,
)
from hdsgraph.describe.manifest import MANIFEST, manifest_bytes
from hdsgraph.describe.void import void_turtle
from hdsgraph.errors import InputError
from hdsgraph.files import Staging, refuse_inside
from hdsgraph.pipeline.answers import answers as study_answers
from hdsgraph.pipeline.cache import (
    BuildCache,
    CachedValidation,
    cached_parse,
    open_cache,
    read_registry_cached,
    start_cached_validation,
)
from hdsgraph.pipeline.chunks import CHUNK_HOSTS, mapped_chunks, merged_ntriples, write_merged_ntriples
from hdsgraph.pipeline.dataset import dataset_ntriples
from hdsgraph.pipeline.guard import Guard, check_quarantine, check_shrink
from hdsgraph.pipeline.links import qualification_ntriples
from hdsgraph.pipeline.mapping import A, Minter, map_registry, ontology_ntriples, snapshot_count_ntriples
from hdsgraph.pipeline.normalise import Registry, normalise
from hdsgraph.pipeline.progress import OnProgress
from hdsgraph.pipeline.progress import report as report_progress
from hdsgraph.pipeline.qualify import Hosts, qualify, read_proposals, read_qualification, source_counts
from hdsgraph.pipeline.read import distinct_sources, registry_files
from hdsgraph.pipeline.validate import PendingValidation, ValidationResult, start_validation
from hdsgraph.rdf.namespaces import DCTERMS, DEFAULT_BASE_URI, HDS
from hdsgraph.rdf.serialise import ntriples_bytes, to_jsonld, to_turtle
from hdsgraph.rdf.store import load_store, load_store_file
from hdsgraph.rdf.terms import check_base_uri
from hdsgraph.resources import asset_dir, data_file
from hdsgraph.safety import neutralised_csv

DUMPS = ("hds.ttl", "hds.jsonld", "hds.nt")
CERTIFICATE_TYPE = f"{A} <{HDS}Certificate>"  # the end of the line typing a certificate, in N-Triples
IS_VERSION_OF = f" <{DCTERMS}isVersionOf> "


def distinct_certificates(lines: Iterable[str]) -> int:
    """The graph's certificates (N-Triples lines, with or without their final `` .``), each
    once: an earlier description of a numbered certificate (``dcterms:isVersionOf`` it) is not
    another certificate. One pass, so that the chunked path can stream its merged file."""
    typed: set[str] = set()
    versions: set[str] = set()
    for line in lines:
        line = line.removesuffix(" .")
        if line.endswith(f" {CERTIFICATE_TYPE}"):
            typed.add(line.split(" ", 1)[0])
        elif IS_VERSION_OF in line:
            versions.add(line.split(" ", 1)[0])
    return len(typed - versions)


PARALLEL_VALIDATION_BYTES = 20_000_000  # about 10,000 hosts
FILE_HOSTS = CHUNK_HOSTS  # more hosts: the merged N-Triples go to a file, not memory
OUTPUTS = DUMPS + (
    "validation.ttl",
    "answers.json",
    "quarantine.csv",
    "unqualified.csv",
    "README.md",
    "catalog.ttl",
    "catalog.jsonld",
    "catalog-datagouv.ttl",
    "void.ttl",
    MANIFEST,
    *FEED_FILES,
)


def bundled_registries() -> Path:
    return asset_dir("seeds") / "registries"


def bundled_qualification() -> Path:
    return asset_dir("seeds") / "qualification.csv"


@dataclass(frozen=True)
class SourceRows:
    """What became of one registry file's rows: rows read = kept + quarantined."""

    source: str
    snapshots: tuple[str, ...]
    read: int
    kept: int
    quarantined: int


@dataclass(frozen=True)
class LatestSnapshot:
    """The snapshot the answers are for, and where it was fetched from (when it was)."""

    snapshot: str
    source: str
    provenance: dict | None  # url, retrieved (UTC, ISO 8601)...


@dataclass
class Graph:
    """The graph of a build, made but not yet written: ``make_graph``'s result.

    ``store`` (an Oxigraph store holding the graph) is loaded on first use: ``write_build``
    loads it while the validation of a large graph runs in other processes.
    """

    registry: Registry
    hosts: Hosts
    nt: bytes | None  # sorted N-Triples; ``write_build`` takes them (one copy less in memory)
    triples: int
    skeleton: Skeleton
    base_uri: str
    _store: ox.Store | None = field(default=None, repr=False)
    # distinct certificates: the certificate table's rows are listings, one per snapshot listing one
    certificates: int = 0
    # a large graph's sorted N-Triples, written to a file rather than held (``nt`` is then None);
    # ``write_build`` moves it into the build as hds.nt
    nt_file: Path | None = None

    @property
    def store(self) -> ox.Store:
        if self._store is None:
            if self.nt is None and self.nt_file is not None:
                self._store = load_store_file(self.nt_file)
            elif self.nt is None:
                raise ValueError("the graph was written already, without loading its store")
            else:
                self._store = load_store(self.nt)
        return self._store


@dataclass
class BuildReport:
    out: Path
    registry: Registry
    hosts: Hosts
    triples: int
    validation: ValidationResult
    answers: dict[str, list[dict]]
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds, in the order they ran
    validation_workers: int = 1  # >1: validation ran in that many processes, alongside store/query/serialise
    rejected: Path | None = None  # where a build the shapes reject went (``<out>.rejected``)
    recovered: list[str] = field(default_factory=list)  # what was undone of a killed run (files.recover)
    certificates: int = 0  # distinct certificates in the graph
    cache: dict[str, dict[str, int]] = field(default_factory=dict)  # per kind: hits, misses, discarded (no cache: {})

    @property
    def conforms(self) -> bool:
        return self.validation.conforms

    @property
    def written_to(self) -> Path:
        """The folder the build was written to: ``out``, or ``<out>.rejected``."""
        return self.rejected if self.rejected is not None else self.out

    @property
    def rows_read(self) -> int:
        return sum(self.registry.rows_read.values())

    @property
    def rows_quarantined(self) -> int:
        """Whole rows quarantined (the dropped values are in the quarantine too, but their rows are kept)."""
        return len(self.registry.quarantined_rows)

    @property
    def sources(self) -> list[SourceRows]:
        """Per registry file, in the order read: its snapshots and rows read/kept/quarantined."""
        certificates, quarantine = self.registry.certificates, self.registry.quarantined_rows
        kept = certificates.drop_duplicates(["source", "row"]).groupby("source").size()
        quarantined = quarantine.groupby("registry_file").size()
        return [
            SourceRows(
                source,
                tuple(sorted(set(certificates.loc[certificates["source"] == source, "snapshot"]))),
                read,
                int(kept.get(source, 0)),
                int(quarantined.get(source, 0)),
            )
            for source, read in self.registry.rows_read.items()
        ]

    @property
    def warnings(self) -> list[str]:
        return self.registry.warnings + self.hosts.warnings + self.recovered

    @property
    def host_count(self) -> int:
        return len(self.hosts.table)

    @property
    def certificate_count(self) -> int:
        """Distinct certificates, however many snapshots list each: the graph's ``hds:Certificate``s."""
        return self.certificates

    @property
    def rows_summary(self) -> list[dict]:
        """Per registry file: rows read = kept + quarantined, and the values dropped from kept rows
        (what build.json states)."""
        values = self.registry.dropped_values.groupby("registry_file").size()
        return [
            {
                "file": rows.source,
                "snapshots": list(rows.snapshots),
                "read": rows.read,
                "kept": rows.kept,
                "quarantined": rows.quarantined,
                "values_quarantined": int(values.get(rows.source, 0)),
            }
            for rows in self.sources
        ]

    @property
    def unqualified(self) -> list[tuple[str, str]]:
        """(host, what it misses) for each host left unqualified."""
        return [(str(row.host), str(row.missing)) for row in self.hosts.unqualified.itertuples()]

    @property
    def qualification_sources(self) -> dict[str, dict[str, int]]:
        """Per axis (positioning, nationality), hosts qualified by reviewed / registry / rule / unknown."""
        return source_counts(self.hosts.table)

    @property
    def latest(self) -> LatestSnapshot:
        certificates = self.registry.certificates
        latest = max(certificates["snapshot"])
        source = certificates.loc[certificates["snapshot"] == latest, "source"].iloc[0]
        snap = next(s for s in self.registry.snapshots if s.source == source)
        return LatestSnapshot(latest, source, snap.provenance or None)

    def timings_json(self) -> bytes:
        """The stage timings, as JSON: {"read": 0.02, "normalise": 0.01, ...} (seconds)."""
        return (json.dumps(self.timings, indent=2) + "\n").encode("utf-8")


@contextmanager
def _timed(timings: dict[str, float], stage: str, on_stage: Callable[[str], None] | None = None):
    if on_stage is not None:
        on_stage(stage)
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def answers_json(answers: dict[str, list[dict]]) -> bytes:
    return (json.dumps(answers, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def build(
    registries: Sequence[Path] = (),
    qualification: Path | None = None,
    out: Path = Path("dist"),
    base_uri: str = DEFAULT_BASE_URI,
    catalog: CatalogOptions | None = None,
    on_stage: Callable[[str], None] | None = None,
    proposals: Path | None = None,
    min_strength: str = "medium",
    guard: Guard | None = None,
    cache: Path | None = None,
    on_progress: OnProgress | None = None,
) -> BuildReport:
    """Build the dataset from registry files (or folders of dated ones) into ``out``.

    With no registry, builds the bundled demonstration snapshots with their qualification
    table. ``catalog`` sets the download URL, SPARQL endpoint and skeleton of the DCAT-AP
    catalogue (see hdsgraph.describe.facts; the skeleton's texts name the dataset in the
    graph too); ``on_stage`` is called with each stage's name as it starts (for progress
    displays). Raises InputError for unusable input. When the graph breaks the shapes,
    the build goes to ``<out>.rejected`` and the report says so (``conforms`` False,
    ``rejected``); ``out`` is left as it was. Outputs are written into a staging folder
    as they are made, which replaces ``out`` only at the end. ``proposals`` (a table of
    ``hdsgraph qualify``) fills what the registry and the qualification table leave
    empty, with its proposals at or above ``min_strength``. ``guard`` (default: at most
    10 % of a snapshot's rows quarantined, no snapshot with fewer than half the hosts of
    the one before) raises InputError before anything is written when a snapshot fails it.
    ``cache`` (a folder, never inside ``out``; default none) keeps what a later build of
    mostly the same inputs can reuse (``hdsgraph.pipeline.cache``): the outputs are the
    same bytes with or without it.
    ``on_progress`` is called now and then with how far a long stage has gone
    (``hdsgraph.pipeline.progress``).
    """
    timings: dict[str, float] = {}
    catalog = catalog or CatalogOptions()
    if not registries:
        registries = [bundled_registries()]
        if qualification is None:
            qualification = bundled_qualification()
    check_base_uri(base_uri)
    refuse_inside(out, [*registries, qualification, catalog.skeleton])
    catalog.download_base(base_uri)  # refuse a bad URL before any work
    catalog.endpoint()
    skeleton = read_skeleton(catalog.skeleton, base_uri)
    store = open_cache(cache, out, [*registries, qualification, proposals, catalog.skeleton]) if cache else None
    try:
        graph = make_graph(
            registries,
            qualification,
            base_uri,
            skeleton,
            timings,
            on_stage,
            proposals,
            min_strength,
            guard or Guard(),
            cache=store,
            on_progress=on_progress,
        )
        return write_build(graph, Path(out), catalog, timings, on_stage, on_progress, cache=store)
    except BaseException:
        if store is not None:  # a failed build leaves the cache as it was
            store.abandon()
        raise


def make_graph(
    registries: Sequence[Path],
    qualification: Path | None,
    base_uri: str = DEFAULT_BASE_URI,
    skeleton: Skeleton | None = None,
    timings: dict[str, float] | None = None,
    on_stage: Callable[[str], None] | None = None,
    proposals: Path | None = None,
    min_strength: str = "medium",
    guard: Guard | None = None,
    chunk_hosts: int | None = None,
    file_hosts: int | None = None,
    cache: BuildCache | None = None,
    on_progress: OnProgress | None = None,
) -> Graph:
    """Registry files -> the normalised, qualified, mapped graph (sorted N-Triples) and a
    store holding it (``Graph.store``, loaded on first use). ``skeleton`` gives the dataset
    node its texts (default: the bundled catalogue skeleton); ``timings`` gets each stage's
    time; ``guard``, when given, is checked on each snapshot. More hosts than ``chunk_hosts``
    (default ``CHUNK_HOSTS``) are mapped in chunks of that many, with the same bytes
    (``hdsgraph.pipeline.chunks``); more than ``file_hosts`` (default ``FILE_HOSTS``) and
    chunked, the N-Triples go to a temporary file (``Graph.nt_file``) rather than memory."""
    timings = {} if timings is None else timings
    skeleton = skeleton or read_skeleton(None, base_uri)
    with _timed(timings, "read", on_stage):
        files = [f for path in registries for f in registry_files(Path(path))]
        _check_given_once(files)
        snapshots_read = []
        for done, f in enumerate(files, start=1):
            snapshots_read.append(read_registry_cached(f, cache))
            report_progress(on_progress, "read", done, len(files), "files")
        raw = distinct_sources(snapshots_read)
        qualification_table = read_qualification(Path(qualification) if qualification else None)
        proposal_table = read_proposals(Path(proposals) if proposals else None, min_strength)
    with _timed(timings, "normalise", on_stage):
        registry = normalise(raw, cached_parse(cache), on_progress)
    for snap in registry.snapshots:  # the rows as read are normalised now: free them (GBs at 1M hosts)
        snap.rows = []
    del raw
    if registry.certificates.empty:
        first = registry.quarantine.iloc[0] if len(registry.quarantine) else None
        detail = f" (row {first['row']} of {first['source']}: {first['reason']})" if first is not None else ""
        raise InputError(f"no usable row: all {sum(registry.rows_read.values())} rows were quarantined{detail}")
    _check_snapshots(registry)
    if guard is not None:
        _check_guard(registry, guard)
    with _timed(timings, "qualify", on_stage):
        hosts = qualify(registry, qualification_table, proposal_table)
    with _timed(timings, "map", on_stage):
        chunk_hosts = CHUNK_HOSTS if chunk_hosts is None else chunk_hosts
        if len(hosts.table) > chunk_hosts:  # bounded memory: map, sort and merge chunks of hosts
            extra = (
                sorted(qualification_ntriples(hosts, base_uri))
                + sorted(snapshot_count_ntriples(registry, hosts, base_uri))
                + ontology_ntriples()
                + dataset_ntriples(registry, hosts, base_uri, skeleton)
            )
            # one chunk's lines at a time: a generator, never a list of every chunk
            chunks = itertools.chain(mapped_chunks(registry, hosts, base_uri, chunk_hosts, on_progress), [extra])
            if len(hosts.table) > (FILE_HOSTS if file_hosts is None else file_hosts):  # not held in memory
                nt_file = Path(tempfile.mkdtemp(prefix="hdsgraph-graph-")) / "hds.nt"
                with open(nt_file, "wb") as sink:
                    triples = write_merged_ntriples(chunks, sink)
                del chunks
                with open(nt_file, encoding="utf-8") as handle:
                    certificates = distinct_certificates(line.rstrip("\n") for line in handle)
                return Graph(
                    registry, hosts, None, triples, skeleton, base_uri, certificates=certificates, nt_file=nt_file
                )
            nt = merged_ntriples(chunks)
            triples = nt.count(b"\n")
            certificates = distinct_certificates(line.decode().rstrip("\n") for line in io.BytesIO(nt))
            return Graph(registry, hosts, nt, triples, skeleton, base_uri, certificates=certificates)
        report_progress(on_progress, "map", 0, len(hosts.table), "hosts")
        graph = map_registry(registry, hosts, base_uri)
        report_progress(on_progress, "map", len(hosts.table), len(hosts.table), "hosts")
        graph.update(qualification_ntriples(hosts, base_uri))
        graph.update(snapshot_count_ntriples(registry, hosts, base_uri))
        graph.update(ontology_ntriples())
        graph.update(dataset_ntriples(registry, hosts, base_uri, skeleton))
        lines = sorted(graph)
        del graph
        triples = len(lines)
        certificates = distinct_certificates(lines)
        nt = ntriples_bytes(lines)
        del lines
    return Graph(registry, hosts, nt, triples, skeleton, base_uri, certificates=certificates)


def write_build(
    graph: Graph,
    out: Path,
    catalog: CatalogOptions | None = None,
    timings: dict[str, float] | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_progress: OnProgress | None = None,
    cache: BuildCache | None = None,
) -> BuildReport:
    """Validate the graph, answer the study's questions, serialise, describe (catalogue,
    VoID, build.json) and commit, to ``out`` or, when the shapes reject the graph, to
    ``<out>.rejected``. Takes the graph's N-Triples (``graph.nt`` is None afterwards)."""
    timings = {} if timings is None else timings
    catalog = catalog or CatalogOptions()
    out = Path(out)
    registry, hosts, base_uri = graph.registry, graph.hosts, graph.base_uri
    nt: bytes | Path | None = graph.nt
    if nt is None and graph.nt_file is None:
        raise ValueError("this graph was written already")
    with Staging(out, marker=MANIFEST) as staging:
        nt_file = staging.path("hds.nt")
        if isinstance(nt, bytes):
            staging.write("hds.nt", nt)
            size = len(nt)
        else:
            assert graph.nt_file is not None
            shutil.move(graph.nt_file, nt_file)  # a large graph's file: moved, never read whole
            shutil.rmtree(graph.nt_file.parent, ignore_errors=True)
            graph.nt_file, nt, size = nt_file, nt_file, nt_file.stat().st_size  # the store loads from it
        # On large graphs pySHACL runs in worker processes, in parts, while this process
        # loads the store, queries and serialises; "validate" is then the wall time from
        # its start to its end.
        workers = available_cores() if size > PARALLEL_VALIDATION_BYTES else 1
        validation_started = time.perf_counter()
        host_prefix = Minter(base_uri).host_prefix
        pending: PendingValidation | CachedValidation
        if cache is not None and isinstance(nt, bytes):  # a graph too large to hold is validated uncached
            pending = start_cached_validation(nt, host_prefix, workers, cache)
        else:
            pending = start_validation(nt, host_prefix, workers)
        try:
            with _timed(timings, "store", on_stage):
                store = graph.store
            graph.nt = None
            del nt  # from here on the graph is read from hds.nt or the store: one copy less in memory
            with _timed(timings, "query", on_stage):
                answers = study_answers(store, on_progress=on_progress)
            with _timed(timings, "serialise", on_stage):
                to_turtle(nt_file, staging.path("hds.ttl"))
                to_jsonld(nt_file, staging.path("hds.jsonld"))
        except BaseException:
            pending.cancel()
            raise
        if workers == 1:
            validation_started = time.perf_counter()
        if on_stage is not None:
            on_stage("validate")
        validation = pending.result(store, on_progress)
        timings["validate"] = time.perf_counter() - validation_started
        staging.write("validation.ttl", validation.report)
        staging.write("answers.json", answers_json(answers))
        staging.write("quarantine.csv", neutralised_csv(registry.quarantine))  # formulas shown as text
        staging.write("unqualified.csv", neutralised_csv(hosts.unqualified))
        staging.write("README.md", data_file("dist-README.md").read_bytes())
        with _timed(timings, "catalogue", on_stage):
            facts = dataset_facts(store, base_uri, catalog, graph.skeleton)
            rows = BuildReport(
                out, registry, hosts, graph.triples, validation, answers, certificates=graph.certificates
            )
            staging.write(
                MANIFEST,
                manifest_bytes(
                    facts,
                    catalog,
                    sorted(set(registry.certificates["snapshot"])),
                    rows=rows.rows_summary,
                    certificates=rows.certificate_count,
                ),
            )
            for name, data in feed_files(store, facts).items():
                staging.write(name, data)
            for name, data in catalog_files(staging.files(), facts).items():
                staging.write(name, data)
            staging.write("void.ttl", void_turtle(facts, store))

        report = BuildReport(
            out, registry, hosts, graph.triples, validation, answers, timings, workers, certificates=graph.certificates
        )
        report.recovered = staging.recovered
        with _timed(timings, "publish", on_stage):
            if validation.conforms:
                staging.commit()
            else:
                report.rejected = out.with_name(out.name + ".rejected")
                staging.commit(report.rejected)
    if cache is not None:  # only after a build that went to the end: a failed one leaves the cache as it was
        report.cache = cache.stats()
        cache.prune()
    return report


def _check_given_once(files: list[Path]) -> None:
    """The same registry file given twice (by two names, or as a file and in its folder) is refused."""
    seen: dict[Path, Path] = {}
    for path in files:
        real = path.resolve()
        if real in seen:
            again = f"{seen[real]} and {path}" if seen[real] != path else str(path)
            raise InputError(f"{again}: the same registry file given twice; give each snapshot once")
        seen[real] = path


def _check_guard(registry: Registry, guard: Guard) -> None:
    """Each registry file: at most ``max_quarantine`` of its rows quarantined; each snapshot:
    at least half the hosts of the one before."""
    rows = registry.quarantined_rows
    for source, read in registry.rows_read.items():
        mine = rows[rows["registry_file"] == source]
        examples = [(str(r.source), r.row, str(r.reason)) for r in mine.itertuples(index=False)]
        check_quarantine(guard, source, read, len(mine), examples)
    hosts = registry.certificates.groupby("snapshot")["host_key"].nunique().sort_index()
    previous: tuple[str, int] | None = None
    for snapshot, count in hosts.items():
        if previous is not None:
            check_shrink(guard, f"snapshot {snapshot}", int(count), f"snapshot {previous[0]}", previous[1])
        previous = (str(snapshot), int(count))


def _check_snapshots(registry: Registry) -> None:
    """Two files may not claim the same snapshot."""
    kept = registry.certificates.drop_duplicates(["source", "snapshot"])
    sources = kept.groupby("snapshot")["source"].apply(sorted)
    for snapshot, names in sources.items():
        if len(names) > 1:
            raise InputError(f"snapshot {snapshot} comes from more than one file: {', '.join(names)}")
