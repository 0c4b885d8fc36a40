"""``hdsgraph qualify`` as a function: registry -> proposal table, through the cache."""

from __future__ import annotations

import json
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


BUILD_HOSTS = """
PREFIX hds: <https://w3id.org/hdsgraph/ontology#>
PREFIX rov: <http://www.w3.org/ns/regorg#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?host ?name ?siren ?activity ?positioning ?positioningSource ?nationality ?nationalitySource WHERE {
  ?host a hds:Host ; rov:legalName ?name .
  OPTIONAL { ?host hds:siren ?siren }
  OPTIONAL { ?host hds:holds/hds:activity/skos:notation ?activity }
  OPTIONAL { ?host hds:positioning/skos:notation ?positioning ; hds:positioningSource ?positioningSource }
  OPTIONAL { ?host hds:nationality/skos:notation ?nationality ; hds:nationalitySource ?nationalitySource }
}
"""


def build_hosts(folder: Path, qualification: Qualification) -> list[HostIn]:
    """The hosts of a build: what the registry stated and a person reviewed, not what rules
    proposed (those are proposed again)."""
    from hdsgraph.pipeline.mapping import Minter
    from hdsgraph.rdf.store import open_store

    manifest = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    prefix = Minter(manifest.get("base_uri", Minter().base)).host_prefix
    found: dict[str, dict] = {}
    for row in open_store(folder).query(BUILD_HOSTS):
        iri = row["host"].value
        local = iri[len(prefix) :] if iri.startswith(prefix) else iri.rsplit("/", 1)[-1]
        if local.startswith("name-") and local[5:].isdigit():  # a name of digits only (see Minter.host)
            local = local[5:]
        elif local.isdigit():
            local = "siren:" + local
        key = local[6:] if local.startswith("siren:") else "name:" + local.replace("-", " ")
        host = found.setdefault(key, {"name": row["name"].value, "activities": set(), "stated": {}, "reviewed": {}})
        if row["siren"] is not None:
            host["siren"] = row["siren"].value
        if row["activity"] is not None:
            host["activities"].add(int(row["activity"].value))
        for axis in ("positioning", "nationality"):
            value, source = row[axis], row[f"{axis}Source"]
            if value is not None and source is not None and source.value in ("registry", "reviewed"):
                host["stated" if source.value == "registry" else "reviewed"][axis] = value.value
    hosts = []
    for key, host in sorted(found.items()):
        reviewed = qualification.lookup_key(host.get("siren"), name_key(host["name"]))
        given = {**host["reviewed"], **{k: v for k, v in reviewed.items() if v}}
        stated = host["stated"]
        hosts.append(
            HostIn(
                key,
                host["name"],
                frozenset(host["activities"]),
                host.get("siren", ""),
                stated.get("positioning", ""),
                stated.get("nationality", ""),
                given,
            )
        )
    return hosts


def registry_hosts(registries: Sequence[Path], qualification: Qualification) -> list[HostIn]:
    """The hosts of the registry files, with what the registry and the person's table say
    (or of a build folder: see ``build_hosts``)."""
    builds = [Path(p) for p in registries if (Path(p) / "build.json").is_file()]
    if builds:
        if len(builds) != len(registries) or len(builds) > 1:
            raise InputError(f"{builds[0]}: a build is qualified alone, not with other registries or builds")
        return build_hosts(builds[0], qualification)
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
