"""Measure a command: wall time from start to exit, and peak memory; describe the machine.

Peak memory is the larger of two figures, both sampled every 50 ms over the processes of
the command's session: the summed resident sets (which sees worker processes running side
by side, as a parallel validation has), and the largest peak resident set of one process
since it started its program (``VmHWM``, which catches a single process's short spikes).
``ru_maxrss`` from ``wait4`` is not used: on Linux a child keeps the peak of the process
it was forked from, so every command run by a large benchmark process seemed that large.
"""

from __future__ import annotations

import os
import platform
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 0.05


@dataclass
class Measured:
    command: list[str]
    returncode: int | None  # None: stopped after the timeout
    seconds: float
    peak_bytes: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _session_memory(session: int) -> int:
    """The larger of the summed resident sets (bytes) of the processes of one session and the
    largest peak resident set of one of them (``VmHWM``)."""
    total = largest = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
            fields = stat[stat.rfind(")") + 2 :].split()
            # fields[0] is the state (field 3 of stat); session is field 6, rss field 24
            if int(fields[3]) != session:
                continue
            total += int(fields[21]) * PAGE
            with open(f"/proc/{entry.name}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"VmHWM:"):
                        largest = max(largest, int(line.split()[1]) * 1024)  # in kB
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return max(total, largest)


def run_measured(
    command: list[str],
    timeout: float | None = None,
    cwd: Path | None = None,
    env: dict | None = None,
    max_bytes: int | None = None,
) -> Measured:
    """Run ``command`` in its own session; stop the whole session after ``timeout`` seconds,
    or as soon as its processes hold more than ``max_bytes`` together (so that a run too big
    for the machine fails alone instead of bringing the machine down)."""
    with open(os.devnull, "rb") as stdin, _temp("out") as out, _temp("err") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdin=stdin, stdout=out, stderr=err, cwd=cwd, env=env, start_new_session=True
        )
        peak = 0
        returncode = None
        while True:
            pid, status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                seconds = time.perf_counter() - start
                returncode = os.waitstatus_to_exitcode(status)
                process.returncode = returncode
                break
            peak = max(peak, _session_memory(process.pid))
            over_time = timeout is not None and time.perf_counter() - start > timeout
            over_memory = max_bytes is not None and peak > max_bytes
            if over_time or over_memory:
                os.killpg(process.pid, signal.SIGKILL)
                os.waitpid(process.pid, 0)
                process.returncode = returncode = -9
                seconds = time.perf_counter() - start
                why = f"over {timeout:g} s" if over_time else f"over {max_bytes / 2**30:.1f} GiB of memory"
                out.seek(0, os.SEEK_END)
                err.seek(0, os.SEEK_END)
                err.write(f"stopped by the benchmark: {why}\n".encode())
                break
            time.sleep(SAMPLE_EVERY)
        out.seek(0)
        err.seek(0)
        return Measured(
            command,
            returncode,
            seconds,
            peak,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def _temp(kind: str):
    import tempfile

    return tempfile.TemporaryFile(prefix=f"hdsgraph-bench-{kind}-")


def machine(extra_versions: dict[str, str] | None = None) -> dict:
    """The machine the benchmark ran on: CPU, cores, memory, OS, Python and library versions."""
    cpu = "unknown"
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = match.group(1).strip() if match else platform.processor() or "unknown"
    except OSError:
        pass
    memory = None
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        memory = int(match.group(1)) * 1024 if match else None
    except OSError:
        pass
    versions = {}
    for package in ("hdsgraph", "rdflib", "pyshacl", "pyoxigraph", "pandas", "numpy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    versions.update(extra_versions or {})
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": versions,
    }
