"""A real browser (headless Chromium) opens the site served from 127.0.0.1 and sees the hosts."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from hdsgraph.rdf.store import open_store

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
def served(bundled, bundled_site_dir):
    """The site of the session's bundled build, served from 127.0.0.1 (written elsewhere: the build stays as built)."""
    site = bundled_site_dir
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


MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()


def french_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{'1er' if day == '01' else int(day)} {MONTHS[int(month) - 1]} {year}"


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
  FILTER(LANG(?activity) = "fr" && LANG(?type) = "fr")
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
    assert name in text and "Par nationalité" in text and "Données de démonstration." in text
    link = re.search(r'<a href="([^"]+)">' + re.escape(html.escape(name, quote=False)) + "</a>", index).group(1)
    assert link == f"host/{siren}.html" and host.endswith(f"/host/{siren}")

    page = dom(root + link, tmp_path / "profile")
    text = visible_text(page)
    assert name in text and siren in text
    shown = {r[key].value for r in rows for key in ("activity", "type", "body") if r[key] is not None}
    shown |= {french_date(r["issued"].value) for r in rows if r["issued"] is not None}
    assert len({r["activity"].value for r in rows}) >= 3 and len({r["type"].value for r in rows}) == 2
    for value in shown:
        assert value in text, value
    assert f'<link rel="alternate" type="text/turtle" href="{siren}.ttl"' in page


def shown_rows(page: str) -> list[str]:
    """The names in the rows of the index's host table that the page shows (not hidden)."""
    body = page.split('<table id="hosts">', 1)[1].split("</tbody>", 1)[0]
    return [
        html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        for m in re.finditer(r"<tr( hidden=\"\")?><th scope=\"row\">(.*?)</th>", body)
        if not m.group(1)
    ]


@pytest.fixture(scope="module")
def registries():
    from tests.helpers.paths import REPO

    frames = {}
    for snapshot in ("2020-07", "2022-04"):
        frame = pd.read_csv(REPO / "seeds" / "registries" / f"{snapshot}.csv", dtype=str).fillna("")
        frames[snapshot] = frame.assign(key=frame["siren"].where(frame["siren"] != "", frame["host"]))
    return frames


def test_the_french_and_english_indexes_count_the_latest_snapshot_and_filter_as_one_types(served, registries, tmp_path):
    root, _ = served
    latest = registries["2022-04"]
    current = latest.drop_duplicates("key")
    french = dom(root + "index.html", tmp_path / "profile")
    text = visible_text(french)
    assert '<html lang="fr">' in french
    assert f"{current['key'].nunique()} hébergeurs certifiés au 2022-04." in text
    assert len(shown_rows(french)) == current["key"].nunique()
    for name in ("hds.ttl", "catalog.ttl", "changes.atom"):
        assert re.search(rf'<a href="[^"]*{re.escape(name)}">{re.escape(name)}</a>', french), name
    assert 'id="filter-box" hidden' not in french  # the script showed the filter

    wanted = "grades"
    filtered = dom(root + "index.html?q=" + wanted, tmp_path / "profile")
    expected = sorted(current.loc[current["host"].str.casefold().str.contains(wanted), "host"])
    assert sorted(shown_rows(filtered)) == expected and expected
    assert f"{len(expected)} hébergeurs affichés" in visible_text(filtered)

    english = dom(root + "en/index.html", tmp_path / "profile")
    assert '<html lang="en">' in english
    assert f"{current['key'].nunique()} certified hosts as of 2022-04." in visible_text(english)
    assert "Hosts no longer listed" in visible_text(english)


def test_a_current_host_a_lapsed_host_and_the_dataset_page_as_a_person_sees_them(served, registries, tmp_path):
    root, data = served
    old, new = registries["2020-07"], registries["2022-04"]
    lapsed = sorted(set(old["siren"]) - set(new["siren"]) - {""})[0]
    current = sorted(set(new["siren"]) - {""})[0]
    page = dom(root + f"host/{lapsed}.html", tmp_path / "profile")
    text = visible_text(page)
    notice = "Ne figure plus au registre depuis l'état du 2022-04 (dernière présence : état du 2020-07)."
    assert notice in text and text.index(notice) < text.index(old.loc[old["siren"] == lapsed, "host"].iloc[0])
    assert "Téléchargements" in text and "plus listé" in text

    page = dom(root + f"host/{current}.html", tmp_path / "profile")
    text = visible_text(page)
    assert "Ne figure plus au registre" not in text and new.loc[new["siren"] == current, "host"].iloc[0] in text

    page = dom(root + "dataset.html", tmp_path / "profile")
    text = visible_text(page)
    assert "Licence Ouverte / Open Licence version 2.0" in text and "Citer ce jeu de données" in text
    for name in ("hds.ttl", "hds.nt", "changes.atom", "answers.json"):
        size = (data / name).stat().st_size
        assert re.search(rf"{re.escape(name)}.*?{size}", text), name
