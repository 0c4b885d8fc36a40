"""The guard against silent shrinkage, shared by ``fetch`` and ``build``.

A scheduled ``fetch && build`` must not publish a registry that lost most of its rows
(a page whose layout changed, a half-broken export) as if it were the registry. Both
commands stop (InputError, exit 2, nothing replaced) when more than ``max_quarantine`` of
a snapshot's rows were quarantined, or when a snapshot lists fewer than half the hosts of
the snapshot before it, unless ``accept_shrink``. Each message says which check stopped
and the option that overrides it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hdsgraph.errors import InputError
from hdsgraph.pipeline.normalise import name_key

DEFAULT_MAX_QUARANTINE = 0.10


@dataclass(frozen=True)
class Guard:
    max_quarantine: float = DEFAULT_MAX_QUARANTINE  # a share, 0 to 1
    accept_shrink: bool = False


def percent(share: float) -> str:
    return f"{share * 100:.4g} %"


EXAMPLES = 3  # quarantined rows named in the message


def check_quarantine(guard: Guard, what: str, read: int, quarantined: int, examples: list[tuple]) -> None:
    """``what`` (a snapshot) had ``quarantined`` of its ``read`` rows quarantined;
    ``examples``: (source, row, reason) of some of them, for the message."""
    if not read or quarantined / read <= guard.max_quarantine:
        return
    share = quarantined / read
    needed = min(100, int(share * 100) + 1)
    named = "; ".join(f"row {row} of {source}: {reason}" for source, row, reason in examples[:EXAMPLES])
    more = f" and {quarantined - EXAMPLES} more" if quarantined > EXAMPLES else ""
    raise InputError(
        f"{what}: {quarantined} of {read} rows quarantined ({percent(share)}), more than the "
        f"--max-quarantine of {percent(guard.max_quarantine)} ({named}{more}); nothing replaced. "
        f"If the registry really has these rows, run again with --max-quarantine {needed}% "
        "and read every reason in the quarantine file"
    )


def check_shrink(guard: Guard, what: str, hosts: int, previous: str, previous_hosts: int) -> None:
    """``what`` lists ``hosts`` hosts where the snapshot before it, ``previous``, listed ``previous_hosts``."""
    if guard.accept_shrink or hosts * 2 >= previous_hosts:
        return
    raise InputError(
        f"{what}: {hosts} host{'s' if hosts != 1 else ''}, fewer than half the {previous_hosts} of {previous}; "
        "nothing replaced. If the registry really shrank, run again with --accept-shrink"
    )


def host_count(names: Iterable[str]) -> int:
    """Distinct hosts among registry rows' host names (case, accents, legal forms aside)."""
    return len({key for name in names if (key := name_key(name))})


def parse_share(text: str) -> float:
    """``10%``, ``10 %``, ``0.1`` -> 0.1 (a bare number is a share, 0 to 1). Raises ValueError."""
    value = text.strip()
    share = float(value[:-1].strip()) / 100 if value.endswith("%") else float(value)
    if not 0 <= share <= 1:
        raise ValueError(text)
    return share
