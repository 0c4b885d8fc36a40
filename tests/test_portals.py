"""The catalogue as the portals' own software reads it, offline.

- data.gouv.fr: udata's real DCAT harvest backend, run in-process on MongoDB replaced by
  mongomock, with data.gouv.fr's licence list loaded by udata's own ``licenses`` command from
  a local copy of its entries (``tests/fixtures/licences.json``). The catalogue is served
  from 127.0.0.1; every other connection is refused and recorded, so the harvest has no
  network access.
- CKAN: ckanext-dcat's ``euro_dcat_ap_3`` profile parses ``catalog.ttl`` and
  ``catalog.jsonld``, with CKAN's licence register loaded from the same list. CKAN's wheel
  declares none of the twenty-odd packages it imports, so rather than add them to the test
  extra the test makes its own venv once (on top of the test environment's packages), cached
  in ``$HDSGRAPH_TEST_CACHE`` (default ``~/.cache/hdsgraph-tests``), and skips with the
  reason when it cannot.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS

from tests.helpers.paths import REPO

LICENCES = REPO / "tests" / "fixtures" / "licences.json"
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DATASET = rdflib.URIRef("https://w3id.org/hdsgraph/dataset")
LOV2 = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
CKAN_REQUIREMENTS = [
    # ckan's wheel declares none of what it imports: these are what ckanext-dcat's parser needs of it
    "ckan==2.12.0",
    "ckanext-dcat==2.4.4",
    "flask",
    "typing_extensions",
    "sqlalchemy<2.1",
    "flask-login",
    "flask-babel",
    "simplejson",
    "msgspec",
    "tzlocal",
    "dominate",
    "markdown",
    "nh3",
    "polib",
    "file_keeper",
    "alembic",
    "requests",
    "passlib",
    "webassets",
    "packaging",
    "rq",
    "pysolr",
    "pyjwt",
]


class Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".ttl": "text/turtle; charset=utf-8"}

    def log_message(self, *args):
        pass


def catalogue(bundled) -> rdflib.Graph:
    return rdflib.Graph().parse(bundled / "catalog.ttl", format="turtle")


@pytest.fixture(scope="module")
def harvested(bundled):
    """udata's DCAT harvester run on the data.gouv.fr profile of the bundled build's catalogue:
    (the job, its items, the datasets saved, the addresses it tried to reach)."""
    pytest.importorskip("udata", reason="udata (test extra) is not installed")
    mongomock = pytest.importorskip("mongomock", reason="mongomock (test extra) is not installed")
    import mongoengine.connection

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(bundled)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    tried: list[tuple] = []
    connect = socket.socket.connect

    def loopback_only(self, address):
        tried.append(address if isinstance(address, tuple) else (address,))
        if not (isinstance(address, tuple) and address[0] == "127.0.0.1" and address[1] == port):
            raise OSError(f"test_portals: no network during the harvest ({address})")
        return connect(self, address)

    real_client = mongoengine.connection.MongoClient
    mongoengine.connection.MongoClient = mongomock.MongoClient
    socket.socket.connect = loopback_only  # type: ignore[method-assign]
    try:
        from udata import settings
        from udata.app import create_app, standalone

        class Settings(settings.Testing):
            MONGODB_HOST = "mongodb://localhost/hdsgraph-test"
            HARVESTER_BACKENDS = ["dcat"]
            URLS_ALLOW_PRIVATE = True
            URLS_ALLOW_LOCAL = True

        app = standalone(create_app(settings.Defaults, override=Settings))
        with app.app_context():
            import click
            from udata.core.dataset.commands import licenses
            from udata.core.organization.models import Organization
            from udata.harvest import actions
            from udata.harvest.models import HarvestSource
            from udata.models import Dataset

            with click.Context(licenses):  # udata's command prints its progress through click
                licenses.callback(str(LICENCES))
            organisation = Organization(name="hdsgraph", description="Publisher of the test catalogue").save()
            source = HarvestSource(
                name="hdsgraph",
                url=f"http://127.0.0.1:{port}/catalog-datagouv.ttl",
                backend="dcat",
                organization=organisation,
            ).save()
            actions.run(source)
            source.reload()
            job = source.get_last_job()
            datasets = list(Dataset.objects)
            yield job, list(job.items), datasets, tried
    finally:
        socket.socket.connect = connect  # type: ignore[method-assign]
        mongoengine.connection.MongoClient = real_client
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.slow  # udata's app and harvest: about 20 s, once for the module
def test_udata_saves_the_dataset_without_an_error_and_without_the_network(harvested):
    job, items, datasets, tried = harvested
    assert [e.message for e in job.errors] == []
    assert [(item.remote_id, item.status, [e.message for e in item.errors]) for item in items] == [
        (str(DATASET), "done", [])
    ]
    assert len(datasets) == 1
    assert {address[0] for address in tried} == {"127.0.0.1"}


@pytest.mark.slow  # udata's app and harvest: about 20 s, once for the module
def test_udata_keeps_the_french_texts_licence_keywords_and_frequency(harvested, bundled):
    from slugify import slugify

    (dataset,) = harvested[2]
    graph = catalogue(bundled)
    french = {str(o) for o in graph.objects(DATASET, DCTERMS.title) if o.language == "fr"}
    assert dataset.title in french
    description = {str(o) for o in graph.objects(DATASET, DCTERMS.description) if o.language == "fr"}
    assert dataset.description in description
    assert dataset.license.id == "lov2" and dataset.license.url == LOV2
    keywords = {str(o) for o in graph.objects(DATASET, DCAT.keyword)}
    assert {slugify(k, to_lower=True) for k in keywords} <= set(dataset.tags)
    assert dataset.frequency.value == "irregular"
    assert [(c.name, c.email) for c in dataset.contact_points if c.email] == [
        ("Projet hdsgraph", "hdsgraph@example.org")
    ]


@pytest.mark.slow  # udata's app and harvest: about 20 s, once for the module
def test_udata_keeps_the_temporal_and_spatial_coverage(harvested, two_snapshots):
    (dataset,) = harvested[2]
    period = dataset.temporal_coverage
    assert (period.start.isoformat()[:7], period.end.isoformat()[:7]) == ("2020-07", "2022-04")
    assert dataset.spatial.geom == {
        "type": "MultiPolygon",
        "coordinates": [[[[-5.2, 41.3], [9.6, 41.3], [9.6, 51.1], [-5.2, 51.1], [-5.2, 41.3]]]],
    }


@pytest.mark.slow  # udata's app and harvest: about 20 s, once for the module
def test_udata_keeps_every_distribution_with_its_size_format_and_checksum(harvested, bundled):
    (dataset,) = harvested[2]
    graph = catalogue(bundled)
    expected = {}
    for distribution in graph.objects(DATASET, DCAT.distribution):
        url = str(graph.value(distribution, DCAT.downloadURL))
        data = (bundled / url.rsplit("/", 1)[1]).read_bytes()
        media = str(graph.value(distribution, DCAT.mediaType)).split("/media-types/")[1]
        file_type = str(graph.value(distribution, DCTERMS.format)).rsplit("/", 1)[1].lower()
        expected[url] = (file_type, media, len(data), "sha256", hashlib.sha256(data).hexdigest())
    got = {r.url: (r.format, r.mime, r.filesize, r.checksum.type, r.checksum.value) for r in dataset.resources}
    assert got == expected and len(got) == 9


def test_the_datagouv_profile_is_the_dcat_ap_record_but_for_checksums_and_the_period(bundled):
    record = catalogue(bundled)
    profile = rdflib.Graph().parse(bundled / "catalog-datagouv.ttl", format="turtle")
    hex_binary = rdflib.XSD.hexBinary
    period = rdflib.URIRef(str(DATASET) + "#temporal")
    (blank,) = profile.objects(DATASET, DCTERMS.temporal)
    assert isinstance(blank, rdflib.BNode)

    def normal(graph, node):
        out = set()
        for s, p, o in graph:
            s, o = ("PERIOD" if s == node else s), ("PERIOD" if o == node else o)
            if p == SPDX.checksumValue:
                o = str(o)
            out.add((s, p, o))
        return out

    assert normal(record, period) == normal(profile, blank)
    assert {o.datatype for o in record.objects(None, SPDX.checksumValue)} == {hex_binary}
    assert {o.datatype for o in profile.objects(None, SPDX.checksumValue)} == {None}


def ckan_python() -> Path:
    """A venv with CKAN and ckanext-dcat, made once (skips with the reason when it cannot be)."""
    cache = Path(os.environ.get("HDSGRAPH_TEST_CACHE") or Path.home() / ".cache" / "hdsgraph-tests")
    venv = cache / "ckan-2.12.0"
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    if ready.is_file():
        return python
    try:
        # beside the test environment's packages (rdflib, flask, requests...), which it reuses
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", "--system-site-packages", str(venv)],
            check=True,
            capture_output=True,
        )
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *CKAN_REQUIREMENTS],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=cache,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"could not make the CKAN venv in {venv}: {exc}")
    if done.returncode != 0:
        pytest.skip(f"could not install CKAN and ckanext-dcat in {venv}: {done.stderr.strip()[-500:]}")
    ready.write_text("\n".join(CKAN_REQUIREMENTS) + "\n")
    return python


@pytest.fixture(scope="module")
def ckan_datasets(bundled):
    python = ckan_python()
    parsed = {}
    for name, fmt in (("catalog.ttl", "turtle"), ("catalog.jsonld", "json-ld")):
        done = subprocess.run(
            [str(python), str(REPO / "tests" / "helpers" / "ckan_parse.py"), str(bundled / name), fmt, str(LICENCES)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        parsed[name] = json.loads(done.stdout)
    return parsed


@pytest.mark.slow  # makes a venv with CKAN the first time
def test_ckanext_dcat_parses_both_files_whole_and_finds_the_licence(ckan_datasets, bundled):
    graph = catalogue(bundled)
    distributions = {str(graph.value(d, DCAT.downloadURL)): d for d in graph.objects(DATASET, DCAT.distribution)}
    for name, datasets in ckan_datasets.items():
        (dataset,) = datasets
        extras = {e["key"]: e["value"] for e in dataset["extras"]}
        assert dataset["license_id"] == "lov2", name
        assert (extras["temporal_start"], extras["temporal_end"]) == ("2020-07", "2022-04"), name
        assert extras["spatial_uri"] == "http://publications.europa.eu/resource/authority/country/FRA", name
        assert json.loads(extras["spatial"])["type"] == "Polygon", name
        assert extras["contact_email"] == "hdsgraph@example.org", name
        resources = {r["url"]: r for r in dataset["resources"]}
        assert set(resources) == set(distributions), name
        for url, resource in resources.items():
            data = (bundled / url.rsplit("/", 1)[1]).read_bytes()
            assert (resource["size"], resource["hash"]) == (len(data), hashlib.sha256(data).hexdigest()), url
            assert resource["mimetype"] == str(graph.value(distributions[url], DCAT.mediaType)), url
            assert resource["format"] == str(graph.value(distributions[url], DCTERMS.format)), url
