"""Synthesise registries: fictitious hosts with the structure of the real registry.

Every host is invented: its name says "fictif" or "fictive" and its rows are flagged
synthetic. Hosts are drawn from the distributions of ``hdsgraph/data/synth.yaml``
(``hdsgraph.population``), or constructed so that every figure a study prints is met
exactly (``hdsgraph.calibrate``). Several snapshots form one history: most hosts of an
earlier snapshot are still listed later, a few have lapsed, the other later hosts are new.

Everything is vectorised with numpy, so that a million hosts take seconds; the same
seed gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hdsgraph.errors import InputError
from hdsgraph.pipeline.read import SNAPSHOT_ID
from hdsgraph.study.calibrate import calibrated_population, earlier_population
from hdsgraph.study.population import (
    MANAGED,
    MAX_HOSTS,
    PHYSICAL,
    Population,
    _codes,
    activities_of,
    add_years,
    params,
    random_population,
    snapshot_day,
)

# ---------------------------------------------------------------- tables


def _activities_text(mask: int) -> str:
    numbers = activities_of(mask)
    if len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{numbers[-1]}"
    return ";".join(map(str, numbers))


ACTIVITY_TEXT = np.array([_activities_text(m) if m else "" for m in range(64)], dtype=object)


def sirens(number: np.ndarray) -> np.ndarray:
    """``9``, the host number on 7 digits, and the Luhn check digit: distinct and valid."""
    prefix = 90_000_000 + number.astype(np.int64)
    digits = (prefix[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    doubled = digits[:, [1, 3, 5, 7]] * 2
    total = digits[:, [0, 2, 4, 6]].sum(axis=1) + (doubled - 9 * (doubled > 9)).sum(axis=1)
    return (prefix * 10 + (10 - total % 10) % 10).astype(str)


def host_names(population: Population, width: int) -> np.ndarray:
    """``Hébergeur fictif 000042 SAS``: the positioning's prefix, the number, a legal form."""
    p = params()
    positionings, nationalities = _codes()
    prefix = np.array([p.name_prefix[c] + " " for c in positionings], dtype=object)[population.positioning]
    suffix = np.full(len(population), "", dtype=object)
    for i, code in enumerate(nationalities):
        forms = np.array([" " + f for f in p.legal_form.get(code, ["SA"])], dtype=object)
        here = population.nationality == i
        suffix[here] = forms[population.number[here] % len(forms)]
    public = np.isin(population.positioning, [positionings.index(c) for c in p.no_legal_form])
    suffix[public] = ""
    numbers = np.strings.zfill(population.number.astype(str), width).astype(object)
    return prefix + numbers + suffix


def registry_table(population: Population, snapshot: str, width: int, qualified: bool = True) -> pd.DataFrame:
    """One row per certificate, in the canonical registry columns."""
    p = params()
    positionings, nationalities = _codes()
    mask = population.mask
    physical = (mask & PHYSICAL) != 0
    managed = (mask & MANAGED) != 0
    together = physical & managed & ~population.two_certificates
    groups = [np.flatnonzero(together), np.flatnonzero(physical & ~together), np.flatnonzero(managed & ~together)]
    host = np.concatenate(groups)
    row_mask = np.concatenate([mask[groups[0]], mask[groups[1]] & PHYSICAL, mask[groups[2]] & MANAGED])
    body = np.concatenate(
        [population.body_managed[groups[0]], population.body_physical[groups[1]], population.body_managed[groups[2]]]
    )
    issued = np.concatenate(
        [population.issue_managed[groups[0]], population.issue_physical[groups[1]], population.issue_managed[groups[2]]]
    )
    kind = np.repeat([0, 1, 2], [len(g) for g in groups])
    order = np.lexsort((kind, population.number[host]))
    host, row_mask, body, issued = host[order], row_mask[order], body[order], issued[order]

    names = host_names(population, width)
    siren = np.where(population.has_siren, sirens(population.number), "").astype(object)
    columns = {
        "host": names[host],
        "siren": siren[host],
        "activities": ACTIVITY_TEXT[row_mask],
        "certification_body": np.array(list(p.bodies), dtype=object)[body],
        "issued": issued.astype(str),
        "expires": add_years(issued, 3).astype(str),
    }
    if qualified:
        columns["positioning"] = np.array(positionings, dtype=object)[population.positioning[host]]
        columns["nationality"] = np.array(nationalities, dtype=object)[population.nationality[host]]
    columns["synthetic"] = np.full(len(host), "true", dtype=object)
    columns["snapshot"] = np.full(len(host), snapshot, dtype=object)
    return pd.DataFrame(columns)


def qualification_table(populations: list[Population], width: int) -> pd.DataFrame:
    """One row per host of any snapshot: what the study would have qualified by hand."""
    everyone = Population.concat(populations)
    _, first = np.unique(everyone.number, return_index=True)
    hosts = everyone.take(first)
    positionings, nationalities = _codes()
    return pd.DataFrame(
        {
            "host": host_names(hosts, width),
            "siren": np.where(hosts.has_siren, sirens(hosts.number), "").astype(object),
            "positioning": np.array(positionings, dtype=object)[hosts.positioning],
            "nationality": np.array(nationalities, dtype=object)[hosts.nationality],
        }
    )


def csv_bytes(table: pd.DataFrame) -> bytes:
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


# ---------------------------------------------------------------- the whole generator


@dataclass
class Synthetic:
    registries: dict[str, pd.DataFrame]  # snapshot id -> registry table, oldest first
    qualification: pd.DataFrame | None  # when asked for apart from the registries
    hosts: dict[str, int]  # snapshot id -> number of hosts


def monthly_history(latest: str, months: int, first_hosts: int, hosts: int) -> dict[str, int]:
    """``months`` monthly snapshot ids ending at ``latest`` (YYYY-MM), each with its number
    of hosts: from ``first_hosts`` in the first to ``hosts`` in the last, growing by the
    same factor every month."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", latest):
        raise InputError(f"a monthly history ends at a month YYYY-MM, not {latest!r}")
    if months < 2:
        raise InputError("a history has at least 2 monthly snapshots")
    if not 1 <= first_hosts <= hosts:
        raise InputError(f"the first snapshot's hosts must be between 1 and the latest's ({hosts})")
    year, month = int(latest[:4]), int(latest[5:])
    ids = []
    for back in range(months - 1, -1, -1):
        index = year * 12 + month - 1 - back
        ids.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    growth = (hosts / first_hosts) ** (1 / (months - 1))
    return {s: round(first_hosts * growth**i) if i < months - 1 else hosts for i, s in enumerate(ids)}


def generate(
    snapshots: list[str],
    hosts: int | None = 1000,
    seed: int = 0,
    figures: dict | None = None,
    separate_qualification: bool = False,
    sizes: dict[str, int] | None = None,
) -> Synthetic:
    """Registries for ``snapshots`` (one history), ``hosts`` in the latest, or calibrated
    on ``figures`` (see read_figures) for every snapshot. ``sizes`` (snapshot -> hosts, see
    ``monthly_history``) makes a monthly history of those sizes."""
    if sizes is not None:
        snapshots, hosts = sorted(sizes), sizes[max(sizes)]
    snapshots = sorted(set(snapshots))
    for snapshot in snapshots:
        if not SNAPSHOT_ID.match(snapshot):
            raise InputError(f"snapshot {snapshot!r} is not a date YYYY-MM or YYYY-MM-DD")
    if figures is not None:
        missing = [s for s in snapshots if s not in figures["snapshots"]]
        if missing:
            raise InputError(
                f"the figures give nothing for snapshot {missing[0]} "
                f"(they have: {', '.join(sorted(figures['snapshots']))})"
            )
    elif hosts is None or not 1 <= hosts <= MAX_HOSTS:
        raise InputError(f"the number of hosts must be between 1 and {MAX_HOSTS:,}".replace(",", " "))
    rng = np.random.default_rng(seed)
    latest = snapshots[-1]
    if figures is not None:
        population = calibrated_population(rng, figures["snapshots"][latest], figures, latest, snapshot_day(latest))
    else:
        population = random_population(rng, hosts, snapshot_day(latest))
    populations = {latest: population}
    next_number = len(population) + 1
    for earlier, later in zip(reversed(snapshots[:-1]), reversed(snapshots[1:]), strict=False):
        fig = figures["snapshots"][earlier] if figures is not None else None
        if sizes is not None:
            fig = {"hosts_total": sizes[earlier]}
        populations[earlier] = earlier_population(
            rng,
            populations[later],
            fig,
            earlier,
            snapshot_day(earlier),
            snapshot_day(later),
            next_number,
            monthly=sizes is not None,
        )
        next_number += len(populations[earlier])
    if next_number - 1 > MAX_HOSTS:
        raise InputError(f"too many hosts over the snapshots (at most {MAX_HOSTS})")
    width = max(6, len(str(next_number - 1)))
    registries = {s: registry_table(populations[s], s, width, not separate_qualification) for s in snapshots}
    qualification = qualification_table([populations[s] for s in snapshots], width) if separate_qualification else None
    return Synthetic(registries, qualification, {s: len(populations[s]) for s in snapshots})
