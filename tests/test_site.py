"""`hdsgraph site`: a page per resource, links that resolve, data files that describe their page."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
import rdflib
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from hdsgraph.cli import cli
from hdsgraph.site.pages import write_site
from tests.helpers.oracle import REGISTRY_HEADER, write_csv
from tests.helpers.paths import REPO

BASE = "https://w3id.org/hdsgraph/"
HDS = Namespace("https://w3id.org/hdsgraph/ontology#")
SCHEMA = Namespace("https://schema.org/")
NASTY = "Hébergeur <script>alert('x')</script> & Fils"
HEADER = REGISTRY_HEADER


class Page(HTMLParser):
    """The links, ids, alternates and embedded JSON-LD of one HTML page."""

    def __init__(self, text: str):
        super().__init__()
        self.links, self.ids, self.alternates, self.scripts = [], set(), [], []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if name in attrs:
                self.links.append(attrs[name])
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "link" and attrs.get("rel") == "alternate":
            self.alternates.append((attrs["type"], attrs["href"]))
        self._in_script = tag == "script" and attrs.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A build with two snapshots, a name full of markup, and its site."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("site")
    registries = folder / "registries"
    registries.mkdir()
    rows = [
        [NASTY, "900000019", "1-6", "Organisme A", "2021-01-01", "2024-01-01", "insurer", "FR", "true"],
        ["Hébergeur fictif Deux", "", "3;4", "Organisme B", "2021-02-01", "2024-02-01", "", "US", "true"],
        ["Hébergeur fictif Trois", "900000027", "1", "Organisme B", "2021-03-01", "2024-03-01", "other", "", "true"],
    ]
    write_csv(registries / "2020-07.csv", HEADER, rows[:1])
    write_csv(registries / "2022-04.csv", HEADER, rows)
    out = folder / "dist"
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--registry", str(registries), "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["site", "--data", str(out), "--out", str(out / "site")])
    assert result.exit_code == 0, result.output
    graph = Graph().parse(out / "hds.nt", format="nt")
    return out, out / "site", graph


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def resource_pages(site: Path) -> list[Path]:
    """The French page of each resource (at the resource's path): not the index, the
    directory or the English pages under en/."""
    return [
        p for p in pages(site) if p.name != "index.html" and p.relative_to(site).parts[0] not in ("en", "directory")
    ]


def iri_of(site: Path, file: Path) -> str:
    return BASE + file.relative_to(site).with_suffix("").as_posix()


def test_every_host_in_the_graph_has_a_page_with_its_certificates(built):
    _, site, graph = built
    hosts = set(graph.subjects(RDF.type, HDS.Host))
    assert len(hosts) == 3
    for host in hosts:
        page = site / (str(host)[len(BASE) :] + ".html")
        text = page.read_text(encoding="utf-8")
        name = str(graph.value(host, URIRef("http://www.w3.org/ns/regorg#legalName")))
        assert f"<h1>{_escaped(name)}</h1>" in text
        for certificate in graph.objects(host, HDS.holds):
            local = str(certificate)[len(BASE) :] + ".html"
            assert (site / local).is_file()
            assert f'href="{posixpath.relpath(local, "host")}"' in text
        assert '<link rel="alternate" type="text/turtle"' in text


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")


def test_names_from_the_registry_are_escaped_everywhere(built):
    _, site, _ = built
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
        assert text.count("</script>") == text.count("<script"), page
    host = (site / "host" / "900000019.html").read_text(encoding="utf-8")
    assert "Hébergeur &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Fils" in host


def test_every_link_resolves_to_a_file_of_the_site_and_every_anchor_exists(built):
    _, site, _ = built
    parsed = {p: Page(p.read_text(encoding="utf-8")) for p in pages(site)}
    checked = 0
    for page, html in parsed.items():
        for link in html.links:
            parts = urlsplit(link)
            if parts.scheme:
                # the build's files (downloads) are beside the site, not in it
                assert not link.startswith(BASE) or link.startswith(BASE + "dist/"), (
                    f"{page}: absolute link into the site: {link}"
                )
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file() and site.resolve() in target.parents, f"{page}: broken link {link}"
            if parts.fragment:
                assert unquote(parts.fragment) in parsed[target].ids, f"{page}: no #{parts.fragment} in {target}"
            checked += 1
    assert checked > 300


def test_every_data_file_describes_its_page_as_the_graph_does(built):
    _, site, graph = built
    described = 0
    for page in resource_pages(site):
        iri = iri_of(site, page)
        expected = Graph()
        for triple in graph:
            if isinstance(triple[0], URIRef) and str(triple[0]).split("#", 1)[0] == iri:
                expected.add(triple)
        assert len(expected) > 0, page
        for suffix, fmt in ((".ttl", "turtle"), (".jsonld", "json-ld")):
            data = Graph().parse(page.with_suffix(suffix), format=fmt)
            assert isomorphic(data, expected), f"{page.with_suffix(suffix)}"
        alternates = [a for a in Page(page.read_text(encoding="utf-8")).alternates if a[0] != "text/html"]
        assert alternates == [
            ("text/turtle", page.stem + ".ttl"),
            ("application/ld+json", page.stem + ".jsonld"),
            ("application/atom+xml", posixpath.relpath("changes.atom", page.parent.relative_to(site).as_posix())),
        ]
        english = site / "en" / page.relative_to(site)
        assert english.is_file(), english
        assert [a for a in Page(english.read_text(encoding="utf-8")).alternates if a[0] == "text/turtle"] == [
            (
                "text/turtle",
                posixpath.relpath(
                    page.with_suffix(".ttl").relative_to(site).as_posix(), english.parent.relative_to(site).as_posix()
                ),
            )
        ]
        described += 1
    # every document of the graph under the base has its page
    documents = {str(s).split("#", 1)[0] for s in graph.subjects() if str(s).startswith(BASE)}
    assert described == len(documents)


def test_the_embedded_jsonld_parses_and_hosts_are_schema_org_organisations(built):
    _, site, graph = built
    for page in resource_pages(site):
        scripts = Page(page.read_text(encoding="utf-8")).scripts
        assert len(scripts) == 1, page
        embedded = Graph().parse(data=scripts[0], format="json-ld")
        assert len(embedded) > 0
        if page.parent.name == "host":
            host = URIRef(iri_of(site, page))
            assert (host, RDF.type, SCHEMA.Organization) in embedded
            assert str(embedded.value(host, SCHEMA.name)) == str(
                graph.value(host, URIRef("http://www.w3.org/ns/regorg#legalName"))
            )
            assert set(embedded.objects(host, SCHEMA.hasCertification)) == set(graph.objects(host, HDS.holds))


def test_the_index_navigates_by_positioning_activity_and_nationality(built):
    _, site, _ = built
    index = (site / "index.html").read_text(encoding="utf-8")
    for anchor in ("by-positioning", "by-activity", "by-nationality"):
        assert f'id="{anchor}"' in index
    assert '<a href="directory/nationality/FR.html">France (FR)</a>\u00a0: 1</li>' in index
    assert '<a href="directory/nationality/US.html">United States (US)</a>\u00a0: 1</li>' in index
    assert '<a href="directory/nationality/unknown.html">Nationalité inconnue</a>\u00a0: 1</li>' in index
    assert 'href="positioning/insurer.html"' in index and 'href="activity/3.html"' in index
    activity3 = (site / "activity" / "3.html").read_text(encoding="utf-8")
    assert "Hébergeurs certifiés au 2022-04 (2)" in activity3  # the host with 1-6 and the one with 3;4
    english = (site / "en" / "activity" / "3.html").read_text(encoding="utf-8")
    assert "Hosts certified as of 2022-04 (2)" in english


def test_the_history_shows_each_snapshot(built):
    _, site, _ = built
    host = (site / "host" / "900000019.html").read_text(encoding="utf-8")
    assert host.count('<a href="../snapshot/') >= 2
    trois = (site / "host" / "900000027.html").read_text(encoding="utf-8")
    assert "<td>non</td>" in trois and "<td>oui</td>" in trois  # listed in 2022-04 only


def test_the_ontology_page_documents_every_class_and_property(built):
    _, site, _ = built
    ontology = Graph().parse(Path(__file__).resolve().parent.parent / "ontology" / "hds.ttl")
    page = Page((site / "ontology.html").read_text(encoding="utf-8"))
    terms = {
        str(s).split("#", 1)[1]
        for cls in (rdflib.OWL.Class, rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty, rdflib.SKOS.ConceptScheme)
        for s in ontology.subjects(RDF.type, cls)
    }
    assert terms and terms <= page.ids


def test_server_configuration_and_w3id_rules(built, runner, tmp_path):
    out, site, _ = built
    htaccess = (site / ".htaccess").read_text()
    assert "DirectorySlash Off" in htaccess and "RewriteRule ^(.+)$ $1.ttl [L]" in htaccess
    assert "try_files $uri $uri$hdsgraph_variant" in (site / "nginx.conf").read_text()
    assert not (site / "w3id.htaccess").exists()  # only with --base-url
    result = runner.invoke(
        cli, ["site", "--data", str(out), "--out", str(tmp_path / "s"), "--base-url", "http://127.0.0.1:8000/hds/site/"]
    )
    assert result.exit_code == 0, result.output
    w3id = (tmp_path / "s" / "w3id.htaccess").read_text()
    assert "RewriteRule ^(.+)$ http://127.0.0.1:8000/hds/site/$1.ttl [R=303,L]" in w3id
    assert "RewriteRule ^dist/(.*)$ http://127.0.0.1:8000/hds/$1 [R=302,L]" in w3id
    assert "location /hds/site/ {" in (tmp_path / "s" / "nginx.conf").read_text()


def test_the_site_is_byte_identical_across_processes(built, tmp_path):
    out, _, _ = built
    sums = []
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, "-m", "hdsgraph", "site", "--data", str(out), "--out", str(tmp_path / name)],
            check=True,
            capture_output=True,
        )
        sums.append((tmp_path / name / "SHA256SUMS").read_bytes())
    assert sums[0] == sums[1] and len(sums[0].splitlines()) > 50


def test_a_new_build_removes_the_stale_site_and_says_so(runner, tmp_path):
    registry = write_csv(
        tmp_path / "2022-04.csv", HEADER, [["Hébergeur fictif Un", "900000019", "1-6", "", "", "", "", "", "true"]]
    )
    out = tmp_path / "dist"
    assert runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(out)]).exit_code == 0
    assert runner.invoke(cli, ["site", "--data", str(out), "--out", str(out / "site")]).exit_code == 0
    assert (out / "site" / "index.html").is_file()
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(out)])
    assert result.exit_code == 0
    assert not (out / "site").exists()
    assert result.stdout.endswith(
        f"Removed the site of the previous build ({out / 'site'}); run 'hdsgraph site' to write it again\n"
    )


def test_the_site_refuses_to_replace_a_folder_that_is_not_a_site(runner, built, tmp_path):
    out, _, _ = built
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my own page")
    result = runner.invoke(cli, ["site", "--data", str(out), "--out", str(mine)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {mine}: refusing to replace a folder that is not an hdsgraph site; choose another --out\n",
    )
    assert (mine / "index.html").read_text() == "my own page"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "{tmp}/nothing"], "Error: {tmp}/nothing: no such file or folder\n"),
        (
            ["--data", "{tmp}", "--out", "{tmp}/s"],
            "Error: {tmp}: no build here (no hds.nt); run 'hdsgraph build' first\n",
        ),
        (
            ["--base-url", "http://127.0.0.1/site"],
            "Error: base URL 'http://127.0.0.1/site' must be an absolute http(s) URL ending with '/'\n",
        ),
    ],
)
def test_unusable_input_is_one_line_and_exit_code_2(runner, built, tmp_path, args, message):
    out, _, _ = built
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--data" not in args:
        args += ["--data", str(out), "--out", str(tmp_path / "s")]
    result = runner.invoke(cli, ["site", *args])
    assert (result.exit_code, result.stderr) == (2, message.replace("{tmp}", str(tmp_path)))


def test_a_graph_without_hosts_is_refused(runner, tmp_path):
    dump = tmp_path / "empty.nt"
    dump.write_text('<https://w3id.org/hdsgraph/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n')
    result = runner.invoke(cli, ["site", "--data", str(dump), "--out", str(tmp_path / "s")])
    assert (result.exit_code, result.stderr) == (2, "Error: the graph has no host (no hds:Host): nothing to publish\n")


def test_embedded_json_cannot_close_its_script_element():
    from hdsgraph.site.pages import script_json

    text = script_json({"name": NASTY})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": NASTY}


def test_relative_links_work_from_any_depth():
    from hdsgraph.site.pages import site_paths

    paths = site_paths(BASE)
    page = "host/900000019/certificate/x.html"
    assert paths.href(BASE + "activity/3", page) == "../../../activity/3.html"
    assert paths.href(BASE + "host/900000019#siren", "index.html") == "host/900000019.html#siren"
    assert paths.href(BASE + "ontology#Host", "host/1.html") == "../ontology.html#Host"
    assert posixpath.normpath(posixpath.join(posixpath.dirname(page), "../../../activity/3.html")) == "activity/3.html"
    assert paths.href("http://publications.europa.eu/resource/authority/country/FRA", page) is None
    other = site_paths("https://data.example.test/hds/")
    assert other.href(BASE + "activity/3", "host/1.html") == "../vocabulary/activity/3.html"


# ---------------------------------------------------------------- the site of the bundled build


def registry_hosts(path: Path) -> pd.DataFrame:
    """One row per certificate row of a bundled registry, with the host's key (SIREN, else name)."""
    frame = pd.read_csv(path, dtype=str).fillna("")
    return frame.assign(key=frame["siren"].where(frame["siren"] != "", frame["host"]))


@pytest.fixture(scope="module")
def bundled_site(two_snapshots, bundled_site_dir):
    site = bundled_site_dir
    old = registry_hosts(REPO / "seeds" / "registries" / "2020-07.csv")
    new = registry_hosts(REPO / "seeds" / "registries" / "2022-04.csv")
    return two_snapshots, site, old, new


def test_the_index_counts_the_hosts_of_the_latest_snapshot_in_words(bundled_site):
    _, site, old, new = bundled_site
    current, lapsed = set(new["key"]), set(old["key"]) - set(new["key"])
    french = (site / "index.html").read_text(encoding="utf-8")
    english = (site / "en" / "index.html").read_text(encoding="utf-8")
    assert f'<p class="lead" id="count">{len(current)} hébergeurs certifiés au 2022-04.</p>' in french
    assert f'<p class="lead" id="count">{len(current)} certified hosts as of 2022-04.</p>' in english
    assert french.count('<tr><th scope="row">') == len(current) == 205
    assert f"Hébergeurs qui ne sont plus listés ({len(lapsed)})</h2>" in french and len(lapsed) == 8
    assert '<html lang="fr">' in french and '<html lang="en">' in english
    assert '<link rel="alternate" type="text/html" hreflang="en" href="en/index.html">' in french
    assert '<link rel="alternate" type="text/html" hreflang="fr" href="../index.html">' in english
    assert '<link rel="alternate" type="application/atom+xml" href="changes.atom"' in french


def test_lapsed_hosts_say_since_when_and_current_ones_do_not(bundled_site):
    _, site, old, new = bundled_site
    lapsed = sorted(set(old["siren"]) - set(new["siren"]) - {""})
    current = sorted(set(new["siren"]) - {""})
    for siren in lapsed:
        page = (site / "host" / f"{siren}.html").read_text(encoding="utf-8")
        notice = "Ne figure plus au registre depuis l&#39;état du 2022-04 (dernière présence : état du 2020-07)."
        assert page.index(notice) < page.index("<h1>"), siren
    for siren in current[:20]:
        assert "lapsed-notice" not in (site / "host" / f"{siren}.html").read_text(encoding="utf-8")


def test_expired_and_soon_expiring_certificates_are_marked_as_of_the_latest_snapshot(bundled_site):
    _, site, _, new = bundled_site
    host = new[new["siren"] != ""].iloc[0]
    rows = new[new["key"] == host["key"]]
    page = (site / "host" / f"{host['siren']}.html").read_text(encoding="utf-8")
    expected = []
    for expires in sorted(rows["expires"]):
        days = (pd.Timestamp(expires) - pd.Timestamp("2022-04-01")).days
        expected.append("expiré" if days < 0 else "expire bientôt" if days <= 180 else "valide")
    certificate_rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    marks = re.findall(r'<span class="status status-\w+">([^<]+)</span>', certificate_rows)
    assert sorted(marks) == sorted(expected * (2 if len(marks) == 2 * len(expected) else 1))


def test_directory_pages_list_the_hosts_certified_today_sorted_by_name(bundled_site):
    _, site, _, new = bundled_site

    def covered(cell: str) -> set[int]:
        out = set()
        for part in re.split(r"[;,]", cell):
            low, _, high = part.strip().partition("-")
            out.update(range(int(low), int(high or low) + 1))
        return out

    covering = new[new["activities"].map(lambda cell: 3 in covered(cell))]
    page = (site / "activity" / "3.html").read_text(encoding="utf-8")
    listed = re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', page.split('id="hosts"', 1)[1])
    assert listed == sorted(listed, key=str.casefold)
    assert f"Hébergeurs certifiés au 2022-04 ({covering['key'].nunique()})" in page
    nationality = (site / "directory" / "nationality" / "FR.html").read_text(encoding="utf-8")
    assert "Hébergeurs certifiés au 2022-04 (" in nationality
    letters = (site / "directory" / "a-z.html").read_text(encoding="utf-8")
    assert letters.count("plus listé</span>") == 8


def test_every_page_links_to_the_downloads_the_report_and_the_feed(bundled_site):
    _, site, _, _ = bundled_site
    for page in (site / "index.html", site / "en" / "host" / "900000019.html", site / "activity" / "3.html"):
        text = page.read_text(encoding="utf-8")
        for name in ("hds.ttl", "hds.jsonld", "hds.nt", "catalog.ttl", "catalog.jsonld", "changes.csv"):
            assert f'<a href="{BASE}dist/{name}">{name}</a>' in text, (page, name)
        assert '<a href="https://example.org/hds/report.html">report.html</a>' in text
        assert 'changes.atom">changes.atom</a>' in text


def test_the_dataset_page_lists_the_files_with_sizes_and_checksums(bundled_site):
    out, site, _, _ = bundled_site
    page = (site / "dataset.html").read_text(encoding="utf-8")
    catalog = Graph().parse(out / "catalog.ttl")
    names = [str(u).rsplit("/", 1)[1] for u in catalog.objects(None, URIRef("http://www.w3.org/ns/dcat#downloadURL"))]
    assert len(names) == 9
    for name in names:
        data = (out / name).read_bytes()
        assert f'<a href="{BASE}dist/{name}">{name}</a>' in page
        assert (
            f'<td class="number">{len(data)}</td><td><code class="hash">{hashlib.sha256(data).hexdigest()}</code>'
            in page
        )
    assert (
        'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence" rel="external">Licence Ouverte / Open Licence version 2.0</a>'
        in page
    )
    assert "Projet hdsgraph. Hébergeurs de données de santé certifiés (HDS)" in page and "Version 2022-04" in page
    assert f"{BASE}dataset.</p>" in page


def test_the_filter_is_inline_and_the_pages_load_nothing_from_elsewhere(bundled_site):
    _, site, _, _ = bundled_site
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert "<script src" not in text and not re.search(r'<link[^>]+href="https?://', text), page
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<p class="filter" id="filter-box" hidden>' in index  # shown by the script only


@pytest.mark.parametrize(
    "value, lang, shown",
    [
        ("2026-07-21", "fr", "21 juillet 2026"),
        ("2026-07-01", "fr", "1er juillet 2026"),
        ("2026-07-21", "en", "21 July 2026"),
        ("2022-04", "fr", "avril 2022"),
        ("2022-04", "en", "April 2022"),
        ("2022-13", "fr", "2022-13"),
        ("", "fr", ""),
    ],
)
def test_dates_read_as_people_write_them(value, lang, shown):
    from hdsgraph.site.pages import human_date

    assert human_date(value, lang) == shown


def test_the_sparql_endpoint_of_the_build_is_linked_and_only_http_links_are_made(runner, built, tmp_path):
    out, _, _ = built
    registry = out.parent / "registries"
    endpoint = "http://127.0.0.1:7878/query"
    folder = tmp_path / "dist"
    result = runner.invoke(
        cli, ["build", "--registry", str(registry), "--out", str(folder), "--sparql-endpoint", endpoint]
    )
    assert result.exit_code == 0, result.output
    write_site(folder, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{endpoint}">{endpoint}</a>' in index
    manifest = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    manifest["catalog"]["download_url"] = "javascript:alert(1)//"
    manifest["catalog"]["sparql_endpoint"] = "javascript:alert(2)"
    (folder / "build.json").write_text(json.dumps(manifest), encoding="utf-8")
    write_site(folder, tmp_path / "site2")
    for page in pages(tmp_path / "site2"):
        assert "javascript:" not in page.read_text(encoding="utf-8"), page


def test_a_numbered_certificate_page_shows_its_number_types_referential_and_versions(tmp_path):
    """i11's certificates: the number is an adms:identifier, a number over both ranges is of
    both types, an earlier description is dcterms:isVersionOf the certificate."""
    from hdsgraph import build

    out = tmp_path / "dist"
    assert build([Path(__file__).parent / "fixtures" / "registry-2026"], out=out).conforms
    graph = Graph().parse(out / "hds.nt", format="nt")
    identifier = URIRef("http://www.w3.org/ns/adms#identifier")
    main = next(
        c
        for c in graph.subjects(identifier, None)
        if str(graph.value(graph.value(c, identifier), rdflib.SKOS.notation)) == "FICTIF-OC-2023-0001"
        and graph.value(c, rdflib.DCTERMS.isVersionOf) is None
    )
    (version,) = graph.subjects(rdflib.DCTERMS.isVersionOf, main)
    types = list(graph.objects(main, HDS.certificateType))
    assert len(types) == 2
    site = tmp_path / "site"
    write_site(out, site)

    def facts(iri) -> str:
        page = (site / "en" / str(iri).removeprefix(BASE)).with_suffix(".html").read_text(encoding="utf-8")
        return page[page.index('<dl class="facts">') : page.index("</dl>")]

    def english(concept) -> str:
        return next(str(o) for o in graph.objects(concept, rdflib.SKOS.prefLabel) if o.language == "en")

    latest, older = facts(main), facts(version)
    assert "<dt>Number</dt><dd>FICTIF-OC-2023-0001</dd>" in latest
    assert "<dt>Number</dt><dd>FICTIF-OC-2023-0001</dd>" in older
    for iri, text in ((main, latest), (version, older)):
        referential = graph.value(iri, HDS.referential)
        assert f">{english(referential)}</a>" in text.split("<dt>Referential</dt>")[1].split("</dd>")[0]
    shown = latest.split("<dt>Type</dt>")[1].split("</dd>")[0]
    for ctype in types:
        assert f">{english(ctype)}</a>" in shown
    assert "Earlier description of" not in latest
    name = str(main).rsplit("/", 1)[1]
    assert f'<dt>Earlier description of</dt><dd><a href="{name}.html">this certificate as last listed</a></dd>' in older
