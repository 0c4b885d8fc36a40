"""Progress on a terminal: `hdsgraph build` run under a real pseudo-terminal shows each
stage and its bar's final counts; with -q, or off a terminal, nothing of it; the outputs
are the same bytes either way."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pandas as pd
import pytest

from hdsgraph.pipeline.build import make_graph
from tests.helpers.paths import REPO

STAGES = ["read", "normalise", "qualify", "map", "store", "query", "serialise", "validate", "catalogue", "publish"]
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]")
DEADLINE = 300  # seconds a build of the small history may take on a loaded machine


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("progress") / "history"
    done = subprocess.run(
        [sys.executable, "-m", "hdsgraph", "synth", "--history", "3", "--first-hosts", "20", "--hosts", "40"]
        + ["--snapshot", "2026-07", "--seed", "3", "--out", str(folder)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return folder


def _build(history: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "hdsgraph", "build", "--registry", str(history), "--out", str(out), *extra]


def _terminal_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")}
    return env | {"TERM": "xterm-256color"}


def _in_terminal(command: list[str], stdout_too: bool = True, stderr_too: bool = True) -> tuple[int, bytes, bytes]:
    """Run ``command`` with its stdout and/or stderr on a new pseudo-terminal (200 columns);
    returns its exit code, what the terminal got, and what went to a pipe instead."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    process = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave if stdout_too else subprocess.PIPE,
        stderr=slave if stderr_too else subprocess.PIPE,
        env=_terminal_env(),
    )
    os.close(slave)
    shown = bytearray()
    ends = time.monotonic() + DEADLINE
    try:
        while True:
            left = ends - time.monotonic()
            assert left > 0, f"no end of {command} after {DEADLINE} s"
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every end of the terminal's other side is closed
                break
            if not data:
                break
            shown += data
        piped = (process.stdout or process.stderr).read() if not (stdout_too and stderr_too) else b""
        code = process.wait(timeout=max(1.0, ends - time.monotonic()))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return code, bytes(shown), piped


def _text(shown: bytes) -> str:
    return ESCAPES.sub("", shown.decode("utf-8", "replace")).replace("\r", "\n")


def _rows(history: Path) -> tuple[int, int, int]:
    """Files, rows and distinct hosts of the history, by pandas (the hosts' names are unique and stable)."""
    tables = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(history.glob("*.csv"))]
    return len(tables), sum(len(t) for t in tables), pd.concat(tables)["host"].nunique()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def quiet_build(history, tmp_path_factory):
    out = tmp_path_factory.mktemp("quiet") / "out"
    code, shown, _ = _in_terminal(_build(history, out, "-q"))
    return code, shown, _files(out)


def test_a_terminal_shows_each_stage_and_its_final_counts(history, quiet_build, tmp_path):
    code, shown, _ = _in_terminal(_build(history, tmp_path / "out"))
    text = _text(shown)
    assert code == 0, text
    for stage in STAGES:
        assert f"Building: {stage}" in text
    files, rows, hosts = _rows(history)
    queries = len(list((REPO / "queries").glob("*.rq")))
    for count in (f"{files}/{files} files", f"{rows}/{rows} rows", f"{hosts}/{hosts} hosts"):
        assert count in text
    assert f"{queries}/{queries} queries" in text
    assert "1/1 parts" in text  # a small graph is validated in one part
    assert b"\x1b[" in shown  # drawn on the terminal, not printed as lines
    assert f"Hosts: {hosts};" in text  # the summary follows
    assert _files(tmp_path / "out") == quiet_build[2]


def test_quiet_prints_nothing_on_a_terminal(quiet_build):
    code, shown, files = quiet_build
    assert code == 0
    assert shown == b""
    assert "hds.nt" in files


@pytest.mark.parametrize("stdout_too", [False, True], ids=["pipes", "stdout-on-a-terminal"])
def test_no_bar_when_stderr_is_not_a_terminal(history, quiet_build, tmp_path, stdout_too):
    out = tmp_path / "out"
    if stdout_too:
        code, stdout, stderr = _in_terminal(_build(history, out), stderr_too=False)
    else:
        done = subprocess.run(_build(history, out), capture_output=True, env=_terminal_env())
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    assert code == 0, stderr
    assert stderr == b""
    assert b"\x1b" not in stdout
    assert "Building:" not in stdout.decode()
    assert "Stage times: read " in stdout.decode()
    assert _files(out) == quiet_build[2]


def test_the_library_reports_files_rows_and_hosts_in_chunks(history):
    calls: list[tuple] = []
    graph = make_graph([history], None, on_progress=lambda *call: calls.append(call), chunk_hosts=7)
    files, rows, hosts = _rows(history)
    assert [c for c in calls if c[0] == "read"] == [("read", n, files, "files") for n in range(1, files + 1)]
    normalised = [c[1] for c in calls if c[0] == "normalise"]
    assert normalised == sorted(normalised) and normalised[-1] == rows and len(normalised) == files
    mapped = [c[1:] for c in calls if c[0] == "map"]
    assert mapped == [(min(n, hosts), hosts, "hosts") for n in range(7, hosts + 7, 7)]
    assert len(graph.hosts.table) == hosts
