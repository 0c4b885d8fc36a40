"""An installed wheel finds its ontology, shapes, queries and seeds without the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from tests.helpers.paths import REPO

pytestmark = pytest.mark.slow  # builds a wheel, then the bundled data from it in a fresh process


def test_the_wheel_carries_the_data_folders_and_builds_from_them(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "wheel"),
            "-q",
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "wheel").glob("hdsgraph-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("ontology", "shapes", "queries", "seeds"):
        assert any(n.startswith(f"hdsgraph/_assets/{folder}/") for n in names), folder
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    run = tmp_path / "elsewhere"
    run.mkdir()
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    code = "import hdsgraph.resources as r; print(r.asset_dir('queries'))"
    where = subprocess.run([sys.executable, "-c", code], cwd=run, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip() == str(tmp_path / "site" / "hdsgraph" / "_assets" / "queries")
    built = subprocess.run(
        [sys.executable, "-m", "hdsgraph", "build", "--out", "dist"], cwd=run, env=env, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    assert (run / "dist" / "answers.json").is_file()
    for template in (
        "sparql/templates/query-page.html",
        "sparql/templates/results.html",
        "study/templates/report.html",
        "study/templates/report.md",
        "study/templates/report.css",
    ):
        assert f"hdsgraph/{template}" in names, template
    reported = subprocess.run(
        [sys.executable, "-m", "hdsgraph", "report", "--data", "dist", "--out", "report"],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
    )
    assert reported.returncode == 0, reported.stderr
    assert "<style>\nbody {" in (run / "report" / "report.html").read_text(encoding="utf-8")
