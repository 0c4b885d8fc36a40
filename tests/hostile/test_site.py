"""`hdsgraph site` on a crafted dump: every file it writes stays inside --out, and only
http(s) IRIs become links."""

from __future__ import annotations

import shutil

import pytest

from hdsgraph.cli import cli
from hdsgraph.errors import InputError
from hdsgraph.files import Staging
from tests.hostile.harness import tree

BASE = "https://w3id.org/hdsgraph/"
HOST = BASE + "host/900000019"


@pytest.fixture
def crafted(bundled, tmp_path):
    """A copy of the bundled build whose graph names a host by an absolute path and links
    a real host to ``javascript:`` IRIs."""
    build = tmp_path / "build"
    shutil.copytree(bundled, build)
    outside = tmp_path / "outside"
    outside.mkdir()
    evil = f"{BASE}{outside}/evil"  # base + "/tmp/.../outside/evil": an absolute path once the base is cut
    extra = [
        f"<{evil}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/hdsgraph/ontology#Host> .",
        f'<{evil}> <http://www.w3.org/ns/regorg#legalName> "Evil fictif" .',
        f'<{BASE}host/x/../../../../evil2> <http://www.w3.org/ns/regorg#legalName> "Up fictif" .',
        f"<{HOST}> <http://www.w3.org/2002/07/owl#sameAs> <javascript:alert(1)> .",
        f"<{HOST}> <http://www.w3.org/2002/07/owl#sameAs> <data:text/html,hello> .",
    ]
    with open(build / "hds.nt", "a", encoding="utf-8") as stream:
        stream.write("\n".join(extra) + "\n")
    return build, outside


def test_the_site_writes_nothing_outside_out_and_links_only_http(runner, crafted, tmp_path):
    build, outside = crafted
    before = tree(tmp_path)
    result = runner.invoke(cli, ["site", "--data", str(build), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    after = tree(tmp_path)
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    assert changed and all(name == "site" or name.startswith("site/") for name in changed)
    assert list(outside.iterdir()) == []
    for folder in ("", "en/"):  # the French page and its English twin
        page = (tmp_path / "site" / folder / "host" / "900000019.html").read_text(encoding="utf-8")
        assert "javascript:" in page and "<code>javascript:alert(1)</code>" in page
    pages = sorted((tmp_path / "site").rglob("*.html"))
    assert any(p.parent.name == "directory" for p in pages) and any("en" in p.parts for p in pages)
    for path in pages:  # host pages, the directory and its nationality pages, in both languages
        html = path.read_text(encoding="utf-8")
        assert 'href="javascript:' not in html and 'href="data:' not in html, path
    assert not any("evil" in name for name in after)


@pytest.mark.parametrize("name", ["/etc/passwd", "../x.html", "host/../../x", ""])
def test_the_staging_folder_refuses_a_path_outside_it(tmp_path, name):
    with Staging(tmp_path / "out") as staging:
        with pytest.raises(InputError) as refused:
            staging.path(name)
    assert str(refused.value) == f"{tmp_path / 'out'}: refusing to write {name!r}, a path outside the output folder"
    assert tree(tmp_path) == {}
