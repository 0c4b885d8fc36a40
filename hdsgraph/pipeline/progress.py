"""How far a long stage has gone, for progress displays.

A stage that handles many things (files read, rows normalised, hosts mapped, parts
validated) calls an ``on_progress(stage, done, total, unit)`` callback now and then: at
most once per file, chunk, part or query, never once per row, so that a display costs
nothing the build would notice. The library never draws anything itself: the CLI turns
the calls into a progress bar on a terminal, and passes None when quiet or logging.
"""

from __future__ import annotations

from collections.abc import Callable

# (stage, done, total, unit): "read", 3, 120, "files"; total is None when unknown
OnProgress = Callable[[str, int, "int | None", str], None]


def report(on_progress: OnProgress | None, stage: str, done: int, total: int | None, unit: str) -> None:
    """Call ``on_progress`` if there is one."""
    if on_progress is not None:
        on_progress(stage, done, total, unit)
