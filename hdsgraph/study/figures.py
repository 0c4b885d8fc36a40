"""Published figures: reading them, and what "as printed" means for a count.

A share printed as 56.6 % is met by any count whose share rounds to 56.6 % at the
precision it was printed with; the helpers here say which counts those are.
"""

from __future__ import annotations

import math
from pathlib import Path

from hdsgraph.errors import InputError
from hdsgraph.resources import read_yaml


class CalibrationError(InputError):
    """Published figures that cannot all be met at once."""


def read_figures(path: Path) -> dict:
    """A figures file (see seeds/study-2022.yaml): its ``snapshots`` and named organisations."""
    figures = read_yaml(path)
    if not isinstance(figures, dict) or not isinstance(figures.get("snapshots"), dict):
        raise InputError(f"{path}: no 'snapshots' mapping of published figures")
    figures["snapshots"] = {str(k): v or {} for k, v in figures["snapshots"].items()}
    return figures


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
    candidates = [c for c in range(max(0, math.floor(centre) - 2), min(total, math.ceil(centre) + 2) + 1)
                  if rounds_to(c, total, share)]
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
    return dict(zip(keys, counts))


