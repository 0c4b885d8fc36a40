"""Synthetic hosts of one snapshot, as numpy arrays: drawn from distributions.

The distributions are readings of the study, kept in ``hdsgraph/data/synth.yaml``.
A population is one array element per host; certificates, names and SIRENs are derived
from it when the registry table is written (``hdsgraph.synth``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import numpy as np
import yaml

from hdsgraph.errors import InputError
from hdsgraph.resources import data_file

ALL_SIX = 0b111111
PHYSICAL = 0b000011  # activities 1-2: a physical-infrastructure certificate
MANAGED = 0b111100  # activities 3-6: a managed-services certificate
MAX_HOSTS = 9_999_999  # SIRENs are 9 + a 7-digit host number + a check digit
DAYS_VALID = 1094  # a certificate listed on a snapshot day was issued within three years


# ---------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Params:
    positioning: dict[str, float]
    french_only: tuple[str, ...]
    nationality: dict[str, float]
    activity_sets: dict[int, float]  # mask -> weight
    single_activity: dict[int, float]
    two_certificates: float
    siren_missing_foreign: float
    bodies: dict[str, float]
    name_prefix: dict[str, str]
    legal_form: dict[str, list[str]]
    no_legal_form: tuple[str, ...]
    history: dict[str, float]


def mask_of(text: str) -> int:
    from hdsgraph.pipeline.normalise import parse_activities

    return sum(1 << (a - 1) for a in parse_activities(str(text)))


def activities_of(mask: int) -> list[int]:
    return [a for a in range(1, 7) if mask >> (a - 1) & 1]


@cache
def params() -> Params:
    raw = yaml.safe_load(data_file("synth.yaml").read_text(encoding="utf-8"))
    return Params(
        positioning=raw["positioning"],
        french_only=tuple(raw["french_only"]),
        nationality=raw["nationality"],
        activity_sets={mask_of(k): v for k, v in raw["activity_sets"].items()},
        single_activity={int(k): v for k, v in raw["single_activity"].items()},
        two_certificates=raw["two_certificates"],
        siren_missing_foreign=raw["siren_missing_foreign"],
        bodies=raw["certification_bodies"],
        name_prefix=raw["name_prefix"],
        legal_form=raw["legal_form"],
        no_legal_form=tuple(raw["no_legal_form"]),
        history=raw["history"],
    )


def _draw(rng: np.random.Generator, weights: dict, size: int) -> np.ndarray:
    """Indices into ``list(weights)``, drawn with the weights."""
    p = np.array(list(weights.values()), dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


# ---------------------------------------------------------------- a snapshot's hosts


@dataclass
class Population:
    """One snapshot's hosts, one array element per host."""

    number: np.ndarray  # int64: the host's number, from which its name and SIREN derive
    positioning: np.ndarray  # int16 index into POSITIONINGS
    nationality: np.ndarray  # int16 index into NATIONALITIES
    mask: np.ndarray  # uint8: bit a-1 set when certified for activity a
    two_certificates: np.ndarray  # bool: one certificate of each type rather than one for all
    body_physical: np.ndarray  # int16 index into the bodies
    body_managed: np.ndarray
    issue_physical: np.ndarray  # datetime64[D]
    issue_managed: np.ndarray
    has_siren: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.number)

    def take(self, index) -> Population:
        return Population(**{f.name: getattr(self, f.name)[index] for f in dataclasses.fields(self)})

    @staticmethod
    def concat(parts: list[Population]) -> Population:
        return Population(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in dataclasses.fields(Population)}
        )


def _codes() -> tuple[list[str], list[str]]:
    p = params()
    return list(p.positioning), list(p.nationality)


def _index(codes: list[str], code: str, what: str) -> int:
    if code not in codes:
        raise InputError(f"unknown {what} {code!r} in the figures (known: {', '.join(codes)})")
    return codes.index(code)


def snapshot_day(snapshot: str) -> np.datetime64:
    return np.datetime64(snapshot if len(snapshot) == 10 else snapshot + "-01", "D")


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Calendar arithmetic on datetime64[D]: 29 February becomes 28 February."""
    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + 12 * years
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(day, length - 1)


def _days(delta) -> int:
    return int(np.timedelta64(delta, "D") // np.timedelta64(1, "D"))


def _issue_dates(rng, size: int, ref: np.datetime64, latest: np.datetime64 | None = None) -> np.ndarray:
    """Issue days of certificates listed on ``ref``: within the three years before it, and
    (for hosts that lapse) early enough to have expired by ``latest``."""
    low = ref - DAYS_VALID
    high = ref - 1
    if latest is not None:
        high = min(high, add_years(np.array([latest]), -3)[0] - 1)
        if high < low:
            high = ref - 1
    return low + rng.integers(0, _days(high - low) + 1, size=size)


def _fill_attributes(
    rng,
    n: int,
    positioning: np.ndarray,
    nationality: np.ndarray,
    mask: np.ndarray,
    ref: np.datetime64,
    first_number: int,
    latest: np.datetime64 | None = None,
) -> Population:
    """Everything but what the caller decided: certificates, bodies, dates, SIRENs."""
    p = params()
    _, nationalities = _codes()
    foreign = nationality != nationalities.index("FR")
    return Population(
        number=first_number + np.arange(n, dtype=np.int64),
        positioning=positioning.astype(np.int16),
        nationality=nationality.astype(np.int16),
        mask=mask.astype(np.uint8),
        two_certificates=rng.random(n) < p.two_certificates,
        body_physical=_draw(rng, p.bodies, n).astype(np.int16),
        body_managed=_draw(rng, p.bodies, n).astype(np.int16),
        issue_physical=_issue_dates(rng, n, ref, latest),
        issue_managed=_issue_dates(rng, n, ref, latest),
        has_siren=~foreign | (rng.random(n) >= p.siren_missing_foreign),
    )


def _french_only(positioning: np.ndarray) -> np.ndarray:
    positionings, _ = _codes()
    return np.isin(positioning, [positionings.index(c) for c in params().french_only])


def random_population(
    rng,
    n: int,
    ref: np.datetime64,
    first_number: int = 1,
    latest: np.datetime64 | None = None,
    masks: np.ndarray | None = None,
) -> Population:
    """``n`` hosts drawn from the distributions of synth.yaml."""
    p = params()
    positioning = _draw(rng, p.positioning, n)
    nationality = _draw(rng, p.nationality, n)
    nationality[_french_only(positioning)] = list(p.nationality).index("FR")
    if masks is None:
        masks = np.array(list(p.activity_sets), dtype=np.uint8)[_draw(rng, p.activity_sets, n)]
    return _fill_attributes(rng, n, positioning, nationality, masks, ref, first_number, latest)
