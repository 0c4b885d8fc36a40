"""``hdsgraph qualify`` as a function: registry -> proposal table, through the cache."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hdsgraph.errors import InputError
from hdsgraph.files import write_atomically
from hdsgraph.pipeline.normalise import name_key, normalise
from hdsgraph.pipeline.qualify import Qualification, qualify, read_qualification
from hdsgraph.pipeline.read import read_registry, registry_files
from hdsgraph.qualification.client import Cache, Client
from hdsgraph.qualification.proposals import RANKS, HostIn, Progress, proposals_csv, propose
from hdsgraph.qualification.services import Endpoints


@dataclass
class QualifyResult:
    rows: list[dict[str, str]]
    out: Path
    requests: int  # sent to the services (0 offline, or when the cache had every answer)

    def counts(self, axis: str) -> dict[str, int]:
        """How many hosts each strength qualifies on ``axis`` (unknown for none)."""
        found = {name or "unknown": 0 for name in RANKS}
        for row in self.rows:
            found[row[f"{axis}_strength"] or "unknown"] += 1
        return {k: v for k, v in found.items() if v}

    @property
    def to_review(self) -> int:
        return sum(1 for row in self.rows if row["review"])


def registry_hosts(registries: Sequence[Path], qualification: Qualification) -> list[HostIn]:
    """The hosts of the registry files, with what the registry and the person's table say."""
    files = [f for path in registries for f in registry_files(Path(path))]
    registry = normalise([read_registry(f) for f in files])
    if registry.certificates.empty:
        raise InputError("no usable row in the registry: nothing to qualify")
    stated = qualify(registry, Qualification()).table
    activities = registry.certificates.groupby("host_key")["activities"].agg(
        lambda values: frozenset(a for v in values for a in v)
    )
    hosts = []
    for row in stated.itertuples(index=False):
        siren = row.siren or ""
        reviewed = qualification.lookup_key(siren or None, name_key(row.host))
        hosts.append(
            HostIn(
                row.host_key,
                row.host,
                activities[row.host_key],
                siren,
                row.positioning or "",
                row.nationality or "",
                {k: v for k, v in reviewed.items() if v},
            )
        )
    return hosts


def qualify_registry(
    registries: Sequence[Path],
    qualification: Path | None,
    out: Path,
    cache: Path,
    offline: bool = False,
    endpoints: Endpoints | None = None,
    progress: Progress | None = None,
    client: Client | None = None,
) -> QualifyResult:
    """Propose a qualification for every host and write the proposal table to ``out``.

    Raises ServiceError (nothing written, the cache kept) when a service is down, and
    InputError for unusable input, an answer missing from the cache ``offline``, or an
    ``out`` that is the person's qualification table (which is never overwritten)."""
    out = Path(out)
    if qualification is not None and out.resolve() == Path(qualification).resolve():
        raise InputError(f"{out}: is the qualification table, which qualify never overwrites; choose another --out")
    hosts = registry_hosts(registries, read_qualification(qualification))
    client = client or Client(Cache(cache), offline=offline)
    rows = propose(hosts, client, endpoints or Endpoints.from_environment(), progress)
    try:
        write_atomically(out, proposals_csv(rows))
    except OSError as exc:
        raise InputError(f"{out}: cannot write the proposals ({exc.strerror or exc})") from None
    return QualifyResult(rows, out, client.requests)
