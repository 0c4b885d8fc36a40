"""The shared plumbing: the one check of an IRI or URL (rdf/terms.py) with each caller's
wording, and the one atomic file writer (files.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hdsgraph.acquire.fetch import fetch
from hdsgraph.errors import InputError
from hdsgraph.files import write_atomically
from hdsgraph.pipeline.read import read_registry
from hdsgraph.rdf.terms import check_base_uri, check_http, without_userinfo
from hdsgraph.sparql.client import check_iri, check_url, shown


def refusal(call, *args) -> str:
    """The one line of the InputError that ``call(*args)`` raises."""
    with pytest.raises(InputError) as error:
        call(*args)
    return str(error.value)


# ---------------------------------------------------------------- the IRI / URL check


@pytest.mark.parametrize(
    "value",
    [
        "https://w3id.org/hdsgraph/",
        "http://127.0.0.1:7878/query",
        "HTTPS://example.org/a",
        "http://[::1]:80/x",
        "https://example.org/h%C3%A9bergeur",
        "https://example.org/hébergeur",
    ],
)
def test_an_http_iri_passes_unchanged(value):
    assert check_http(value, "base URI") == value


@pytest.mark.parametrize(
    "value",
    [
        "not a uri",
        "files/",
        "ftp://127.0.0.1/q",
        "urn:x:y",
        "http:///path",
        "http://:80/",
        "https://",
        "http://example.org/a b",
        "http://example.org/<x>",
        'http://example.org/"',
        "http://example.org/{x}",
        "http://example.org/a|b",
        "http://example.org/a\\b",
        "http://example.org/a^b",
        "http://example.org/a`b",
        "http://example.org/a%zz",
        "http://example.org:port/",
        "http://[::1/",
        "http://example.org/\n",
    ],
)
def test_what_is_not_an_http_iri_is_refused_in_the_caller_s_words(value):
    message = f"download URL {value!r} is not an absolute http(s) URL"
    assert refusal(check_http, value, "download URL", "URL") == message


def test_an_ending_is_required_when_given():
    assert check_base_uri("https://example.org/data#") == "https://example.org/data#"
    message = "base URI 'https://example.org/data' must end with '/' or '#'"
    assert refusal(check_base_uri, "https://example.org/data") == message


def test_a_url_only_requested_is_not_held_to_iri_syntax():
    """An endpoint's URL goes to the HTTP client, never into RDF: a space is the client's business."""
    assert check_url("http://127.0.0.1:7878/my query") == "http://127.0.0.1:7878/my query"
    assert refusal(check_url, "ftp://127.0.0.1/q") == "'ftp://127.0.0.1/q': not an http:// or https:// URL"
    assert refusal(check_url, "http://[::1/q") == "'http://[::1/q': not an http:// or https:// URL"


def test_credentials_in_an_endpoint_url_are_refused_without_showing_them():
    assert refusal(check_url, "http://me:secret@127.0.0.1:9/store") == (
        "http://127.0.0.1:9/store: put no credentials in the URL; "
        "set HDSGRAPH_USER and HDSGRAPH_PASSWORD or use a netrc file"
    )


SHOWN = {  # a URL -> as messages show it
    "http://me:secret@127.0.0.1:9/store": "http://127.0.0.1:9/store",
    "http://me@example.org/q?x=1": "http://example.org/q?x=1",
    "http://me:secret@[::1]:7878/query": "http://[::1]:7878/query",
    "http://127.0.0.1:9/store": "http://127.0.0.1:9/store",
}


@pytest.mark.parametrize("url", sorted(SHOWN))
def test_a_url_is_shown_without_its_user_and_password(url):
    assert without_userinfo(url) == shown(url) == SHOWN[url]


def test_a_graph_name_may_have_any_scheme_but_must_be_an_iri():
    assert check_iri("urn:hds:ontology", "graph IRI") == "urn:hds:ontology"
    assert check_iri("https://w3id.org/hdsgraph/graph/") == "https://w3id.org/hdsgraph/graph/"
    for value in ("hds graph", "relative/graph", "urn:a b"):
        assert refusal(check_iri, value, "graph IRI") == f"{value!r}: not a valid graph IRI (an absolute IRI)"


def test_the_site_s_base_url_keeps_its_one_message():
    from hdsgraph.site.pages import render_site

    for value in ("http://127.0.0.1/site", "site/", "ftp://127.0.0.1/site/"):
        message = f"base URL {value!r} must be an absolute http(s) URL ending with '/'"
        assert refusal(render_site, b"", value) == message


# ---------------------------------------------------------------- the same check where a URL becomes an IRI


def _fetched_snapshot(folder: Path, url) -> Path:
    """A canonical CSV with a provenance record naming ``url``, as `hdsgraph fetch` writes them."""
    import hashlib

    table = folder / "2024-05-02.csv"
    table.write_bytes(b"host,activities\nOrganisme fictif Un,1;2\n")
    record = {
        "url": url,
        "retrieved": "2024-05-02T09:30:00Z",
        "sha256": "0" * 64,
        "canonical_sha256": hashlib.sha256(table.read_bytes()).hexdigest(),
    }
    (folder / "2024-05-02.provenance.json").write_text(json.dumps(record), encoding="utf-8")
    return table


def test_a_provenance_record_s_url_passes_the_same_check(tmp_path):
    table = _fetched_snapshot(tmp_path, "https://esante.gouv.fr/offres-services/hds/liste")
    assert read_registry(table).provenance["url"] == "https://esante.gouv.fr/offres-services/hds/liste"


@pytest.mark.parametrize("url", ["ftp://example.org/x", "https://example.org/a b", "https://example.org/%zz", 7, None])
def test_a_provenance_record_whose_url_is_no_http_iri_is_refused(tmp_path, url):
    table = _fetched_snapshot(tmp_path, url)
    assert refusal(read_registry, table) == (
        f"{tmp_path / '2024-05-02.provenance.json'}: needs an http(s) 'url', a 'retrieved' "
        "time (YYYY-MM-DDTHH:MM:SSZ) and the 'sha256' of the raw download"
    )


def test_fetch_refuses_a_url_its_provenance_could_not_carry(tmp_path):
    """Checked before any request: the snapshot would be refused by the build otherwise."""
    for url in ("ftp://127.0.0.1/registry", "http://127.0.0.1:9/liste des hébergeurs"):
        message = f"registry URL {url!r} is not an absolute http(s) URL"
        assert refusal(fetch, url, tmp_path / "snapshots") == message
    assert not (tmp_path / "snapshots").exists()


# ---------------------------------------------------------------- the atomic writer


def test_write_atomically_makes_the_folder_and_replaces_the_file(tmp_path):
    target = tmp_path / "a" / "b" / "2022-04.csv"
    write_atomically(target, b"first\n")
    write_atomically(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["2022-04.csv"]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "2022-04.csv"
    target.write_bytes(b"good\n")

    def broken_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomically(target, b"half")
    assert target.read_bytes() == b"good\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2022-04.csv"]


def test_synth_reports_a_file_it_cannot_write(runner, tmp_path):
    from hdsgraph.cli import cli

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(cli, ["synth", "--hosts", "3", "--out", str(blocker / "r.csv")])
    assert (result.exit_code, result.stderr.count("\n")) == (2, 1)
    assert result.stderr.startswith(f"Error: {blocker / 'r.csv'}: cannot write (")


# ---------------------------------------------------------------- the input reader


def test_an_input_file_that_cannot_be_read_is_one_line_in_each_reader_s_words(tmp_path, monkeypatch):
    from hdsgraph.acquire.importer import import_file
    from hdsgraph.pipeline.qualify import read_qualification
    from hdsgraph.rdf.store import read_ntriples

    folder = tmp_path / "2022-04.csv"
    folder.mkdir()
    missing = tmp_path / "none.csv"
    for read, what in (
        (read_registry, "a registry file"),
        (import_file, "an export of the registry"),
        (read_qualification, "a qualification file"),
    ):
        assert refusal(read, folder) == f"{folder}: is a folder, not {what}"
        assert refusal(read, missing) == f"{missing}: no such file"

    locked = tmp_path / "hds.ttl"
    locked.write_text("<urn:a> <urn:b> <urn:c> .\n")

    def refused(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refused)
    for read in (read_registry, import_file, read_qualification, read_ntriples):
        assert refusal(read, locked) == f"{locked}: cannot be read (Permission denied)"
