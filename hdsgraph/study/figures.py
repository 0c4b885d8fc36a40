"""Published figures: reading them, and what "as printed" means for a count.

A share printed as 56.6 % is met by any count whose share rounds to 56.6 % at the
precision it was printed with; the helpers here say which counts those are.
"""

from __future__ import annotations

import math
from pathlib import Path

from hdsgraph.errors import InputError
from hdsgraph.files import read_yaml


class CalibrationError(InputError):
    """Published figures that cannot all be met at once."""


def read_figures(path: Path) -> dict:
    """A figures file (see seeds/study-2022.yaml): its ``snapshots`` and named organisations.
    Every key the report and synth read is checked here (presence and type), so that a
    malformed file gives one InputError naming the bad key."""
    figures = read_yaml(path)
    if not isinstance(figures, dict) or not isinstance(figures.get("snapshots"), dict):
        raise InputError(f"{path}: no 'snapshots' mapping of published figures")
    figures["snapshots"] = {str(k): {} if v is None else v for k, v in figures["snapshots"].items()}
    try:
        _check_figures(figures)
    except _BadKey as exc:
        raise InputError(f"{path}: {exc}") from None
    return figures


MISSING = object()


class _BadKey(Exception):
    def __init__(self, key: str, wanted: str, value):
        super().__init__(f"{key}: expected {wanted}, " + ("found nothing" if value is MISSING else f"got {value!r}"))


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_share(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _count(key: str, value) -> None:
    if not _is_count(value):
        raise _BadKey(key, "a whole number of hosts", value)


def _share(key: str, value) -> None:
    if not _is_share(value):
        raise _BadKey(key, "a share between 0 and 1", value)


def _mapping(key: str, value) -> dict:
    if not isinstance(value, dict):
        raise _BadKey(key, "a mapping", value)
    return value


def _reading(key: str, value, check) -> None:
    """[low, high]: two counts or two shares, low first."""
    if not (isinstance(value, list) and len(value) == 2 and all(check(v) for v in value) and value[0] <= value[1]):
        raise _BadKey(key, "a range [low, high]", value)


def _check_figures(figures: dict) -> None:
    if not figures["snapshots"]:
        raise _BadKey("snapshots", "at least one snapshot", MISSING)
    for snapshot, fig in figures["snapshots"].items():
        _check_snapshot(f"snapshots.{snapshot}", _mapping(f"snapshots.{snapshot}", fig))
    if figures.get("source") is not None:
        _mapping("source", figures["source"])
    for snapshot, fig in _mapping("other_published_counts", figures.get("other_published_counts") or {}).items():
        key = f"other_published_counts.{snapshot}"
        _count(f"{key}.hosts_total", _mapping(key, fig).get("hosts_total", MISSING))
        if not isinstance(fig.get("source", ""), str):
            raise _BadKey(f"{key}.source", "the name of the source", fig["source"])
    organisations = figures.get("named_organisations") or []
    if not isinstance(organisations, list):
        raise _BadKey("named_organisations", "a list", organisations)
    for i, org in enumerate(organisations):
        key = f"named_organisations[{i}]"
        _mapping(key, org)
        if org.get("positioning") is not None and not isinstance(org["positioning"], str):
            raise _BadKey(f"{key}.positioning", "a positioning code", org["positioning"])
        activities = org.get("activities")
        if activities is not None and not (isinstance(activities, list) and all(_activity(a) for a in activities)):
            raise _BadKey(f"{key}.activities", "a list of activities 1 to 6", activities)


def _activity(value) -> bool:
    try:
        return not isinstance(value, bool) and int(str(value)) in range(1, 7)
    except ValueError:
        return False


def _check_snapshot(key: str, fig: dict) -> None:
    for name in ("hosts_total", "single_activity_hosts", "certification_bodies_habilitated"):
        if name in fig:
            _count(f"{key}.{name}", fig[name])
    for name in ("all_six_activities_share", "mean_activity_coverage"):
        if name in fig:
            _share(f"{key}.{name}", fig[name])
    if "hosts_total_reading" in fig:
        _reading(f"{key}.hosts_total_reading", fig["hosts_total_reading"], _is_count)
    for code, count in _mapping(f"{key}.positioning_counts", fig.get("positioning_counts") or {}).items():
        _count(f"{key}.positioning_counts.{code}", count)
    for code, value in _mapping(f"{key}.single_activity_detail", fig.get("single_activity_detail") or {}).items():
        where = f"{key}.single_activity_detail.{code}"
        if isinstance(value, dict):
            _count(f"{where}.hosts", value.get("hosts", MISSING))
        else:
            _count(where, value)
    for activity, value in _mapping(f"{key}.activity_coverage", fig.get("activity_coverage") or {}).items():
        where = f"{key}.activity_coverage.{activity}"
        if not _activity(activity):
            raise _BadKey(where, "an activity 1 to 6 as the key", activity)
        _check_figure(where, _mapping(where, value), ("hosts", "share"))
    for code, value in _mapping(f"{key}.nationality", fig.get("nationality") or {}).items():
        where = f"{key}.nationality.{code}"
        _check_figure(where, _mapping(where, value), ("hosts", "share", "share_reading"))


def _check_figure(key: str, value: dict, allowed: tuple[str, ...]) -> None:
    """One published figure: a count of hosts, a share, or a range of shares as read."""
    if not any(name in value for name in allowed):
        raise _BadKey(key, " or ".join(allowed), value)
    if "hosts" in value:
        _count(f"{key}.hosts", value["hosts"])
    if "share" in value:
        _share(f"{key}.share", value["share"])
    if "share_reading" in value:
        _reading(f"{key}.share_reading", value["share_reading"], _is_share)


def decimals(value: float) -> int:
    """How many decimals a figure was printed with (0.566 -> 3, 0.83 -> 2)."""
    text = repr(float(value))
    return 0 if "e" in text else len(text.split(".")[1].rstrip("0"))


def rounds_to(count: int, total: int, share: float) -> bool:
    """Does count/total print as ``share``, at the precision it was printed with?"""
    return abs(count / total - share) <= 0.5 * 10 ** -decimals(share) + 1e-12


def count_for_share(share: float, total: int) -> int | None:
    """The count nearest share x total that prints as ``share``; None if there is none."""
    centre = share * total
    candidates = [
        c
        for c in range(max(0, math.floor(centre) - 2), min(total, math.ceil(centre) + 2) + 1)
        if rounds_to(c, total, share)
    ]
    return min(candidates, key=lambda c: (abs(c - centre), c)) if candidates else None


def apportion(weights: dict, total: int) -> dict:
    """Split ``total`` in proportion to ``weights`` (largest remainder; ties to the first key)."""
    keys = list(weights)
    mass = sum(weights.values())
    if total == 0 or mass == 0:
        return {k: 0 for k in keys}
    exact = [weights[k] * total / mass for k in keys]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(keys)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return dict(zip(keys, counts, strict=False))
