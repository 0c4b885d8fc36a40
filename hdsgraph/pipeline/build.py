"""The whole pipeline: registry files -> a validated, queried, published dataset."""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from hdsgraph.describe.catalog import CatalogOptions, metadata_files
from hdsgraph.errors import InputError, ValidationFailed
from hdsgraph.files import Staging
from hdsgraph.pipeline.answers import answers as study_answers
from hdsgraph.pipeline.dataset import dataset_ntriples
from hdsgraph.pipeline.mapping import Minter, map_registry, ontology_ntriples
from hdsgraph.pipeline.normalise import Registry, normalise
from hdsgraph.pipeline.qualify import Hosts, qualify, read_qualification
from hdsgraph.pipeline.read import read_registry, registry_files
from hdsgraph.pipeline.validate import ValidationResult, start_validation
from hdsgraph.rdf.namespaces import DEFAULT_BASE_URI
from hdsgraph.rdf.serialise import ntriples_bytes, to_jsonld, to_turtle
from hdsgraph.rdf.store import load_store
from hdsgraph.resources import asset_dir, data_file

DUMPS = ("hds.ttl", "hds.jsonld", "hds.nt")
PARALLEL_VALIDATION_BYTES = 20_000_000  # about 10,000 hosts
OUTPUTS = DUMPS + ("validation.ttl", "answers.json", "quarantine.csv", "unqualified.csv", "README.md",
                   "catalog.ttl", "catalog.jsonld", "void.ttl")


def bundled_registries() -> Path:
    return asset_dir("seeds") / "registries"


def bundled_qualification() -> Path:
    return asset_dir("seeds") / "qualification.csv"


@dataclass
class BuildReport:
    out: Path
    registry: Registry
    hosts: Hosts
    triples: int
    validation: ValidationResult
    answers: dict[str, list[dict]]
    timings: dict[str, float] = field(default_factory=dict)
    validation_workers: int = 1  # >1: validation ran in that many processes, alongside store/query/serialise

    @property
    def rows_read(self) -> int:
        return sum(self.registry.rows_read.values())

    @property
    def rows_quarantined(self) -> int:
        return len(self.registry.quarantine)


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
) -> BuildReport:
    """Build the dataset from registry files (or folders of dated ones) into ``out``.

    With no registry, builds the bundled demonstration snapshots with their qualification
    table. ``catalog`` sets the download URL, SPARQL endpoint and skeleton of the DCAT-AP
    catalogue (see hdsgraph.catalog); ``on_stage`` is called with each stage's name as it
    starts (for progress displays). Raises InputError for unusable input and
    ValidationFailed (after writing the rejected build to ``<out>.rejected``) when the
    graph breaks the shapes. Outputs are written into a staging folder as they are made,
    which replaces ``out`` only at the end.
    """
    timings: dict[str, float] = {}
    if not registries:
        registries = [bundled_registries()]
        if qualification is None:
            qualification = bundled_qualification()
    out = Path(out)

    with _timed(timings, "read", on_stage):
        files = [f for path in registries for f in registry_files(Path(path))]
        raw = [read_registry(f) for f in files]
        qualification_table = read_qualification(Path(qualification) if qualification else None)
    with _timed(timings, "normalise", on_stage):
        registry = normalise(raw)
    if registry.certificates.empty:
        first = registry.quarantine.iloc[0] if len(registry.quarantine) else None
        detail = f" (row {first['row']} of {first['source']}: {first['reason']})" if first is not None else ""
        raise InputError(f"no usable row: all {sum(registry.rows_read.values())} rows were quarantined{detail}")
    _check_snapshots(registry)
    with _timed(timings, "qualify", on_stage):
        hosts = qualify(registry, qualification_table)
    with _timed(timings, "map", on_stage):
        graph = map_registry(registry, hosts, base_uri)
        graph.update(ontology_ntriples())
        graph.update(dataset_ntriples(registry, hosts, base_uri))
        lines = sorted(graph)
        del graph
        triples = len(lines)
        nt = ntriples_bytes(lines)
        del lines
    with Staging(out, set(OUTPUTS)) as staging:
        staging.write("hds.nt", nt)
        nt_file = staging.path("hds.nt")
        # On large graphs pySHACL runs in worker processes, in parts, while this process
        # loads the store, queries and serialises; "validate" is then the wall time from
        # its start to its end.
        workers = available_cores() if len(nt) > PARALLEL_VALIDATION_BYTES else 1
        validation_started = time.perf_counter()
        pending = start_validation(nt, Minter(base_uri).host_prefix, workers)
        try:
            with _timed(timings, "store", on_stage):
                store = load_store(nt)
                del nt  # from here on the graph is read from hds.nt: one copy less in memory
            with _timed(timings, "query", on_stage):
                answers = study_answers(store)
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
        validation = pending.result(store)
        timings["validate"] = time.perf_counter() - validation_started
        staging.write("validation.ttl", validation.report)
        staging.write("answers.json", answers_json(answers))
        staging.write("quarantine.csv", registry.quarantine.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        staging.write("unqualified.csv", hosts.unqualified.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        staging.write("README.md", data_file("dist-README.md").read_bytes())
        with _timed(timings, "catalogue", on_stage):
            for name, data in metadata_files(staging.files(), base_uri, catalog, store).items():
                staging.write(name, data)

        report = BuildReport(out, registry, hosts, triples, validation, answers, timings, workers)
        with _timed(timings, "publish", on_stage):
            if validation.conforms:
                staging.commit()
            else:
                rejected = out.with_name(out.name + ".rejected")
                staging.commit(rejected)
                raise ValidationFailed(
                    f"the graph breaks the shapes: {len(validation.violations)} violation(s); "
                    f"report in {rejected / 'validation.ttl'}; {out} left as it was",
                    report,
                )
    return report


def _check_snapshots(registry: Registry) -> None:
    """Two files may not claim the same snapshot."""
    kept = registry.certificates.drop_duplicates(["source", "snapshot"])
    sources = kept.groupby("snapshot")["source"].apply(sorted)
    for snapshot, names in sources.items():
        if len(names) > 1:
            raise InputError(f"snapshot {snapshot} comes from more than one file: {', '.join(names)}")
