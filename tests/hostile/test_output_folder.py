"""The output folder: recognised by the build's manifest, never a file deleted that the
build did not write, no input inside it; recovery after kill -9 between the two renames;
SIGTERM cleans up like Ctrl-C; a symbolic link to a build; a full disk and a read-only
folder end with one line and leave the previous output as it was."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hdsgraph.cli import cli
from hdsgraph.files import recover
from tests.helpers.paths import REPO
from tests.helpers.servers import descendants, wait_gone
from tests.hostile.harness import run, tree

SEED = REPO / "seeds" / "registries" / "2022-04.csv"


def small_registry(path: Path, hosts: int = 20) -> Path:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[: hosts + 1]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("good")
    result = run(["build", "--registry", str(small_registry(folder / "2022-04.csv")), "--out", "dist", "-q"], folder)
    assert result.code == 0, result.stderr
    return folder / "dist"


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


# ---------------------------------------------------------------- what may be replaced


@pytest.mark.parametrize(
    ("files", "shown"),
    [
        ({"README.md": "my notes\n"}, "README.md"),
        ({"SHA256SUMS": "0" * 64 + "  debian.iso\n", "debian.iso": "an ISO image"}, "no build.json"),
        ({"build.json": "{}", "SHA256SUMS": "0" * 64 + "  build.json\n", "thesis.pdf": "%PDF"}, "thesis.pdf"),
    ],
)
def test_a_folder_that_is_not_a_build_is_never_replaced(runner, tmp_path, files, shown):
    out = tmp_path / "dist"
    out.mkdir()
    for name, text in files.items():
        (out / name).write_text(text)
    before = tree(tmp_path)
    result = runner.invoke(cli, ["build", "--registry", str(small_registry(tmp_path / "r.csv")), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {out}: refusing to replace a folder that is not an hdsgraph build (it holds {shown}); "
        "choose another --out\n"
    )
    assert {k: v for k, v in tree(tmp_path).items() if k != "r.csv"} == {
        k: v for k, v in before.items() if k != "r.csv"
    }


def test_an_earlier_build_with_its_site_is_replaced(runner, good_build, tmp_path):
    out = tmp_path / "dist"
    shutil.copytree(good_build, out)
    assert runner.invoke(cli, ["site", "--data", str(out)], catch_exceptions=False).exit_code == 0
    result = runner.invoke(cli, ["build", "--registry", str(small_registry(tmp_path / "r.csv", 5)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / "site").exists()


@pytest.mark.parametrize("option", ["--registry", "--qualification"])
def test_an_input_inside_the_output_folder_is_refused(runner, good_build, tmp_path, option):
    out = tmp_path / "dist"
    shutil.copytree(good_build, out)
    inside = small_registry(out / "inside.csv")
    args = ["--registry", str(inside)] if option == "--registry" else ["--qualification", str(inside)]
    before = tree(tmp_path)
    result = runner.invoke(cli, ["build", *args, "--out", str(out)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {inside}: inside the output folder {out}, which is replaced whole; move it or choose another --out\n",
    )
    assert tree(tmp_path) == before


def test_the_site_is_never_written_over_its_own_data(runner, good_build, tmp_path):
    out = tmp_path / "dist"
    shutil.copytree(good_build, out)
    result = runner.invoke(cli, ["site", "--data", str(out), "--out", str(out)])
    assert result.exit_code == 2 and result.stderr.startswith(f"Error: {out}: inside the output folder {out}")


# ---------------------------------------------------------------- kill -9, SIGTERM, links

KILL_BETWEEN_RENAMES = """
import os, signal, sys
import hdsgraph.files as files
real, calls = os.replace, []
def replace(src, dst):
    if ".dist." not in str(src) + str(dst):  # not the output's two renames (say, a cache entry): go on
        return real(src, dst)
    calls.append(src)
    if len(calls) == 2:  # the first rename moved the last build aside: die before the second
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
files.os.replace = replace
from hdsgraph.cli import cli
cli(sys.argv[1:])
"""


def test_kill_9_between_the_two_renames_is_recovered_by_the_next_build(good_build, tmp_path):
    out = tmp_path / "dist"
    shutil.copytree(good_build, out)
    registry = small_registry(tmp_path / "2022-04.csv", 8)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_BETWEEN_RENAMES, "build", "--registry", str(registry), "--out", str(out), "-q"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists()  # the state the issue found: no dist/, the last build hidden
    assert [p.name.split("-")[0] for p in sorted(tmp_path.glob(".dist.*"))] == [".dist.previous", ".dist.staging"]
    result = run(["build", "--registry", str(registry), "--out", "dist"], tmp_path)
    assert result.code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert warnings[0].startswith(
        "Warning: finished the replacement of dist that a killed run left half-done (.dist.staging-"
    )
    assert warnings[1].startswith("Warning: removed .dist.previous-") and warnings[1].endswith(
        "left by a run that was killed"
    )
    assert list(tmp_path.glob(".dist.*")) == []
    assert (out / "hds.nt").read_bytes() != (good_build / "hds.nt").read_bytes()  # the new build, 8 hosts
    assert (out / "build.json").is_file()


def test_recover_restores_the_previous_output_when_nothing_complete_replaces_it(good_build, tmp_path):
    pid = dead_pid()
    shutil.copytree(good_build, tmp_path / f".dist.previous-{pid}")
    (tmp_path / f".dist.staging-{pid}").mkdir()
    (tmp_path / f".dist.staging-{pid}" / "hds.nt").write_text("half")  # no SHA256SUMS: never committed
    done = recover(tmp_path / "dist")
    assert done[0] == f"restored {tmp_path / 'dist'} from .dist.previous-{pid}, left by a run killed while replacing it"
    assert done[1].startswith(f"removed .dist.staging-{pid} (0.0 MB)")
    assert tree(tmp_path / "dist") == tree(good_build)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_recover_leaves_the_folders_of_a_running_build_alone(good_build, tmp_path):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / f".dist.staging-{alive.pid}").mkdir()
        assert recover(tmp_path / "dist") == []
        assert (tmp_path / f".dist.staging-{alive.pid}").is_dir()
    finally:
        alive.kill()
        alive.wait()


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {seconds} s")


def test_sigterm_cleans_up_like_ctrl_c(good_build, tmp_path):
    out = tmp_path / "dist"
    shutil.copytree(good_build, out)
    before = tree(out)
    synth = run(["synth", "--hosts", "3000", "--seed", "3", "--out", "big.csv"], tmp_path)
    assert synth.code == 0, synth.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "hdsgraph", "build", "--registry", "big.csv", "--out", "dist", "-q"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: any(tmp_path.glob(".dist.staging-*")), 120, "staging folder")
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    finally:
        process.kill()
    assert (process.returncode, stderr) == (143, "Error: terminated\n")
    assert list(tmp_path.glob(".dist.*")) == []
    assert tree(out) == before


def test_out_may_be_a_symbolic_link_to_a_build(runner, good_build, tmp_path):
    real = tmp_path / "builds" / "current"
    real.parent.mkdir()
    shutil.copytree(good_build, real)
    link = tmp_path / "dist"
    link.symlink_to(real, target_is_directory=True)
    result = runner.invoke(cli, ["build", "--registry", str(small_registry(tmp_path / "r.csv", 5)), "--out", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert (real / "build.json").is_file() and tree(real) != tree(good_build)
    assert sorted(p.name for p in real.parent.iterdir()) == ["current"]


@pytest.mark.slow  # builds 12,000 hosts to reach parallel validation
def test_ctrl_c_during_parallel_validation_ends_within_two_seconds(tmp_path):
    synth = run(["synth", "--hosts", "12000", "--seed", "5", "--out", "big.csv"], tmp_path)
    assert synth.code == 0, synth.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "hdsgraph", "build", "--registry", "big.csv", "--out", "dist", "-q"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: len(descendants(process.pid)) >= 2, 300, "validation workers")
        workers = descendants(process.pid)
        time.sleep(0.5)  # let them start working
        started = time.monotonic()
        process.send_signal(signal.SIGINT)  # to the build only, as a kill -INT would: the workers get nothing
        _, stderr = process.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        process.kill()
    assert (process.returncode, stderr) == (130, "Error: interrupted\n")
    assert took < 2, f"took {took:.1f} s"
    assert wait_gone(workers, 5) == set()
    assert list(tmp_path.glob(".dist.*")) == [] and not (tmp_path / "dist").exists()
