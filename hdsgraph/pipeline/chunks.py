"""Map, sort and write the graph in bounded chunks of hosts.

A large registry is mapped a chunk of hosts at a time (``map_registry`` on the chunk's
hosts and their certificates, with the certification bodies' names of the whole build).
Each chunk's lines are sorted and written to a temporary run file; the runs are then
merged, dropping the lines several chunks share (vocabulary, snapshots, bodies). The
result is the very bytes one ``sorted(set(...))`` of the whole graph gives: lines compare
as their UTF-8 bytes, which order as the strings do.
"""

from __future__ import annotations

import heapq
import io
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import numpy as np

from hdsgraph.pipeline.mapping import certification_body_names, map_registry
from hdsgraph.pipeline.normalise import Registry
from hdsgraph.pipeline.progress import OnProgress
from hdsgraph.pipeline.progress import report as report_progress
from hdsgraph.pipeline.qualify import Hosts

CHUNK_HOSTS = 50_000  # about 1.5 million lines per chunk: well under a gigabyte of strings


def mapped_chunks(
    registry: Registry,
    hosts: Hosts,
    base: str,
    chunk_hosts: int = CHUNK_HOSTS,
    on_progress: OnProgress | None = None,
) -> Iterator[set[str]]:
    """The data's N-Triples lines, a chunk of ``chunk_hosts`` hosts at a time (``on_progress``
    told the hosts mapped after each)."""
    names = certification_body_names(registry.certificates)
    table = hosts.table  # one row per host, sorted by host key (``qualify``)
    certificates = registry.certificates.iloc[
        np.argsort(registry.certificates["host_key"].to_numpy(dtype=object), kind="stable")
    ]
    keys = certificates["host_key"].to_numpy(dtype=object)
    for start in range(0, len(table), chunk_hosts):
        part = table.iloc[start : start + chunk_hosts]
        first, last = part["host_key"].iloc[0], part["host_key"].iloc[-1]
        low, high = np.searchsorted(keys, first, "left"), np.searchsorted(keys, last, "right")
        chunk = replace(registry, certificates=certificates.iloc[low:high])
        yield map_registry(chunk, Hosts(part, hosts.unqualified, hosts.warnings), base, names)
        report_progress(on_progress, "map", start + len(part), len(table), "hosts")


def merged_ntriples(chunks: Iterable[Iterable[str]], folder: Path | None = None) -> bytes:
    """Sorted, de-duplicated N-Triples (``line .\\n``) of the lines of every chunk, holding one
    chunk at a time in memory (each is sorted into a run file in ``folder``, by default a
    temporary folder)."""
    out = io.BytesIO()
    write_merged_ntriples(chunks, out, folder)
    return out.getvalue()


def write_merged_ntriples(chunks: Iterable[Iterable[str]], sink: BinaryIO, folder: Path | None = None) -> int:
    """``merged_ntriples`` written to ``sink`` as the runs are merged (never held whole);
    returns the number of lines."""
    with tempfile.TemporaryDirectory(prefix="hdsgraph-runs-", dir=folder) as scratch:
        runs = []
        for number, lines in enumerate(chunks):
            run = Path(scratch) / f"run-{number}.nt"
            with open(run, "wb") as handle:
                handle.writelines(f"{line}\n".encode() for line in sorted(lines))
            runs.append(run)
        with ExitStack() as stack:
            handles = [stack.enter_context(open(run, "rb")) for run in runs]
            previous, count, batch = None, 0, []
            for line in heapq.merge(*(_lines(h) for h in handles)):
                if line != previous:
                    batch.append(line + b" .\n")
                    previous = line
                    count += 1
                    if len(batch) >= 100_000:
                        sink.writelines(batch)
                        batch.clear()
            sink.writelines(batch)
            return count


def _lines(handle) -> Iterator[bytes]:
    for raw in handle:
        yield raw[:-1]
