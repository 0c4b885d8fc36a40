"""A full disk and a read-only output folder: one line naming the folder (and, when full,
the space needed), exit code 2, the previous output as it was, no staging folder left.

The disk is a small tmpfs mounted for the test (root only); without the right to mount,
a per-file size limit (RLIMIT_FSIZE) makes the writes fail the same way (EFBIG)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers.paths import REPO
from tests.hostile.harness import assert_refused, run, tree

SEED = REPO / "seeds" / "registries" / "2022-04.csv"
FULL = r"Error: (?P<folder>\S+): (No space left on device|File too large) while writing the output; it needs more than [\d.]+ MB free there \([\d.]+ MB are\)"


def registry(path: Path, hosts: int) -> Path:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[: hosts + 1]) + "\n", encoding="utf-8")
    return path


def mount(folder: Path, size_kib: int, *options: str) -> bool:
    folder.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join([f"size={size_kib}k", *options]), "tmpfs", str(folder)],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.fixture
def disk(tmp_path):
    """``make(size_kib)`` -> a folder on a tmpfs of that size, or None where mounting is not allowed."""
    mounted = []

    def make(size_kib: int) -> Path | None:
        folder = tmp_path / f"disk{len(mounted)}"
        if not mount(folder, size_kib):
            return None
        mounted.append(folder)
        return folder

    yield make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def full(result, folder: Path) -> None:
    line = assert_refused(result)
    match = re.fullmatch(FULL + r"(; .* left as it was)?", line)
    assert match, line
    assert Path(match["folder"]).resolve() == folder.resolve()


def test_a_first_build_on_a_full_disk(disk, tmp_path):
    source = registry(tmp_path / "2022-04.csv", 60)
    folder = disk(200)  # the build needs about 540 KiB
    if folder is None:
        folder, limit = tmp_path / "out", 100_000
        folder.mkdir()
    else:
        limit = None
    result = run(["build", "--registry", str(source), "--out", "dist"], folder, file_size=limit)
    full(result, folder)
    assert tree(folder) == {}


def test_a_rebuild_on_a_full_disk_keeps_the_previous_build(disk, tmp_path):
    folder = disk(700)  # room for the small build (230 KiB) but not for it and the larger one beside it
    if folder is None:
        pytest.skip(
            "needs root to mount a small tmpfs: a per-file limit cannot make a rebuild fail where a first build fits"
        )
    small = run(["build", "--registry", str(registry(tmp_path / "2022-04.csv", 5)), "--out", "dist", "-q"], folder)
    assert small.code == 0, small.stderr
    before = tree(folder)
    result = run(["build", "--registry", str(registry(tmp_path / "2022-04.csv", 200)), "--out", "dist"], folder)
    full(result, folder)
    assert result.stderr.rstrip().endswith("; dist left as it was")
    assert tree(folder) == before


def test_a_site_on_a_full_disk(disk, tmp_path):
    build = tmp_path / "build"
    made = run(
        ["build", "--registry", str(registry(tmp_path / "2022-04.csv", 60)), "--out", str(build), "-q"], tmp_path
    )
    assert made.code == 0, made.stderr
    folder = disk(1000)  # the site needs about 3 MB
    if folder is None:
        folder, limit = tmp_path / "out", 1_000
        folder.mkdir()
    else:
        limit = None
    result = run(["site", "--data", str(build), "--out", "site"], folder, file_size=limit)
    full(result, folder)
    assert tree(folder) == {}


def test_a_read_only_output_folder_keeps_the_previous_build(disk, tmp_path):
    folder = disk(2000)
    if folder is None:
        pytest.skip("needs root to mount a read-only tmpfs (root writes through file permissions)")
    small = run(["build", "--registry", str(registry(tmp_path / "2022-04.csv", 5)), "--out", "dist", "-q"], folder)
    assert small.code == 0, small.stderr
    before = tree(folder)
    assert subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True).returncode == 0
    result = run(["build", "--registry", str(registry(tmp_path / "2022-04.csv", 6)), "--out", "dist"], folder)
    assert assert_refused(result) == "Error: dist: cannot write the output (Read-only file system)"
    assert tree(folder) == before
