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

from hdsgraph.build import build
from hdsgraph.site import write_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium chromium-driver; "
                             ".ci/run installs it)")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    build(out=folder / "dist")
    write_site(folder / "dist", folder / "dist" / "site")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder / "dist" / "site")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def dom(url: str, profile) -> str:
    """The page's DOM after load, as Chromium renders it."""
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def visible_text(page: str) -> str:
    """The text a person reads: the body without tags, scripts or styles."""
    body = page.split("<body", 1)[1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", body).split()))


def test_the_index_and_a_host_page_show_the_host_and_its_activities(served, tmp_path):
    root, _ = served
    index = dom(root + "index.html", tmp_path / "profile")
    text = visible_text(index)
    assert "Hébergeur fictif Bravo" in text and "By nationality" in text and "Demonstration data." in text
    link = re.search(r'<a href="([^"]+)">Hébergeur fictif Bravo</a>', index).group(1)
    assert link == "host/900000027.html"

    page = dom(root + link, tmp_path / "profile")
    text = visible_text(page)
    assert "Hébergeur fictif Bravo" in text and "900000027" in text
    for activity in ("Providing and operating the physical sites that house the hardware infrastructure",
                     "Providing and operating the application hosting platform", "Backing up the health data"):
        assert activity in text
    assert "Managed-services host" in text and "Organisme fictif Deux" in text and "2021-01-15" in text
    assert '<link rel="alternate" type="text/turtle" href="900000027.ttl"' in page
