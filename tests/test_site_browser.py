"""A real browser (headless Chromium) opens the site served from 127.0.0.1 and sees the hosts."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hdsgraph.rdf.store import open_store
from hdsgraph.site.pages import write_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium is not installed (Debian: apt-get install "
        "chromium chromium-driver; .ci/run installs it)",
    ),
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(bundled, tmp_path_factory):
    """The site of the session's bundled build, served from 127.0.0.1 (written elsewhere: the build stays as built)."""
    site = tmp_path_factory.mktemp("browser") / "site"
    write_site(bundled, site)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", bundled
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def dom(url: str, profile) -> str:
    """The page's DOM after load, as Chromium renders it."""
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def visible_text(page: str) -> str:
    """The text a person reads: the body without tags, scripts or styles."""
    body = page.split("<body", 1)[1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", body).split()))


# A host holding one certificate of each type, with what its page must show, read from the graph.
SHOWN = """
PREFIX hds: <https://w3id.org/hdsgraph/ontology#>
PREFIX rov: <http://www.w3.org/ns/regorg#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?host ?name ?siren ?activity ?type ?body ?issued WHERE {
  { SELECT ?host WHERE {
      ?host hds:siren ?anySiren ; hds:holds ?a , ?b .
      ?a hds:certificateType <https://w3id.org/hdsgraph/certificate-type/physical-infrastructure> .
      ?b hds:certificateType <https://w3id.org/hdsgraph/certificate-type/managed-services> ; hds:certificationBody ?anyBody .
    } ORDER BY ?host LIMIT 1 }
  ?host rov:legalName ?name ; hds:siren ?siren ; hds:holds ?certificate .
  ?certificate hds:activity/skos:prefLabel ?activity ; hds:certificateType/skos:prefLabel ?type .
  FILTER(LANG(?activity) = "en" && LANG(?type) = "en")
  OPTIONAL { ?certificate hds:certificationBody/skos:prefLabel ?body }
  OPTIONAL { ?certificate hds:issueDate ?issued }
}
"""


def test_the_index_and_a_host_page_show_the_host_and_its_activities(served, tmp_path):
    root, data = served
    rows = list(open_store(data).query(SHOWN))
    host, name, siren = rows[0]["host"].value, rows[0]["name"].value, rows[0]["siren"].value
    index = dom(root + "index.html", tmp_path / "profile")
    text = visible_text(index)
    assert name in text and "By nationality" in text and "Demonstration data." in text
    link = re.search(r'<a href="([^"]+)">' + re.escape(html.escape(name, quote=False)) + "</a>", index).group(1)
    assert link == f"host/{siren}.html" and host.endswith(f"/host/{siren}")

    page = dom(root + link, tmp_path / "profile")
    text = visible_text(page)
    assert name in text and siren in text
    shown = {r[key].value for r in rows for key in ("activity", "type", "body", "issued") if r[key] is not None}
    assert len({r["activity"].value for r in rows}) >= 3 and len({r["type"].value for r in rows}) == 2
    for value in shown:
        assert value in text, value
    assert f'<link rel="alternate" type="text/turtle" href="{siren}.ttl"' in page
