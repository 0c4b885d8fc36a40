"""Run hdsgraph as an attacker would meet it: a subprocess with a memory limit
(RLIMIT_AS) and a time limit, and check what the issue promises of every hostile case:
the exit code, one ``Error:`` line on stderr, no traceback, and no file changed outside
the intended output."""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MEMORY = 3 * 1024**3  # address space for one run: Python, pandas, rdflib, pyoxigraph and the work
SECONDS = 60  # a hostile case must end well within this (each test states its own tighter bound)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float


def run(
    args: list[str],
    cwd: Path,
    *,
    memory: int = MEMORY,
    seconds: float = SECONDS,
    env: dict[str, str] | None = None,
    file_size: int | None = None,
) -> Run:
    """``python -m hdsgraph ARGS`` in ``cwd``, under the limits; never a hang: the timeout kills it."""

    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if file_size is not None:  # a file may grow to this; beyond, writes fail with EFBIG (not SIGXFSZ)
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    environment.pop("HDSGRAPH_DEBUG", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "hdsgraph", *args],
        cwd=cwd,
        env=environment,
        preexec_fn=limits,
        capture_output=True,
        text=True,
        timeout=seconds,
    )
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def assert_refused(result: Run, code: int = 2, *, says: str = "", within: float | None = None) -> str:
    """One ``Error:`` line and nothing else on stderr, the exit code, no traceback; returns the line."""
    lines = result.stderr.splitlines()
    assert result.code == code, (result.code, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr[-2000:]
    assert says in lines[0], lines[0]
    if within is not None:
        assert result.seconds < within, f"took {result.seconds:.1f} s"
    return lines[0]


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> its SHA-256, symlinks as their target."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            found[name] = "folder"
    return found
