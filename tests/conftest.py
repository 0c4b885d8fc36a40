"""Fixtures shared by the tests.

``tests`` is a package (``tests/__init__.py``), so pytest puts the checkout on ``sys.path``
and the helpers import as ``tests.helpers.oracle`` and so on: nothing here edits ``sys.path``.

The bundled demonstration data is built once per session (``bundled_build``). The tests
that use it only read it: a test that must change a build makes its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def bundled_build(tmp_path_factory):
    """The bundled demonstration data built once, with the Python API: (build folder, BuildReport)."""
    from hdsgraph.pipeline.build import build

    out = tmp_path_factory.mktemp("bundled") / "dist"
    report = build(out=out)
    return out, report


@pytest.fixture(scope="session")
def bundled(bundled_build) -> Path:
    """The build folder of the bundled demonstration data (read-only)."""
    return bundled_build[0]


@pytest.fixture(scope="session")
def two_snapshots(bundled) -> Path:
    """The same build, for the tests that need its two snapshots, 2020-07 and 2022-04."""
    from hdsgraph.pipeline.answers import snapshots
    from hdsgraph.rdf.store import open_store

    assert list(snapshots(open_store(bundled))) == ["2020-07", "2022-04"]
    return bundled


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """One Virtuoso 7.2 for the whole session (tests/helpers/virtuoso.py), or a skip saying why.

    Tests share it: each works in graphs of its own and never relies on the store being empty."""
    from tests.helpers.virtuoso import virtuoso

    with virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="session")
def bundled_site_dir(bundled, tmp_path_factory) -> Path:
    """The site of the bundled build (read-only), with a report URL, written once."""
    from hdsgraph.site.pages import write_site

    site = tmp_path_factory.mktemp("bundled-site") / "site"
    write_site(bundled, site, report_url="https://example.org/hds/report.html")
    return site
