"""Credentials are never printed, stored or forwarded: not in fetch's messages or
provenance, not in publish's errors (a store echoing them, a broken netrc file), and never
sent across a redirect to another origin."""

from __future__ import annotations

import base64

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from hdsgraph.cli import cli
from tests.hostile.harness import tree

SECRET = "s3cr3t-Pw"
BASIC = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()


@pytest.fixture
def other_origin():
    """A second server: another port of 127.0.0.1 is another origin."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def netrc_file(tmp_path, monkeypatch):
    """A netrc giving credentials for both servers' hosts (every port of them: netrc goes by host
    name), so that only the redirect's origin decides whether they are sent."""
    path = tmp_path / "netrc"
    path.write_text(
        "".join(f"machine {host}\nlogin reader\npassword {SECRET}\n" for host in ("localhost", "127.0.0.1"))
    )
    path.chmod(0o600)
    monkeypatch.delenv("HDSGRAPH_USER", raising=False)
    monkeypatch.delenv("HDSGRAPH_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(path))
    return path


def one_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return result.stderr


def test_fetch_refuses_a_url_with_credentials_and_never_shows_them(runner, tmp_path):
    folder = tmp_path / "snapshots"
    result = runner.invoke(
        cli, ["fetch", "--url", f"http://reader:{SECRET}@127.0.0.1:9/page.html", "--snapshots", str(folder)]
    )
    assert one_error(result) == (
        "Error: registry URL http://127.0.0.1:9/page.html: put no user or password in the URL (they would be "
        "printed and recorded); a netrc file (~/.netrc) gives them to the download\n"
    )
    assert SECRET not in result.output and not folder.exists()


@pytest.mark.parametrize(
    ("urls", "named"),
    [  # issue 11's several pages: a later page, and a {letter} template, are checked as the first
        (["http://127.0.0.1:9/a.html", f"http://reader:{SECRET}@127.0.0.1:9/b.html"], "http://127.0.0.1:9/b.html"),
        ([f"http://reader:{SECRET}@127.0.0.1:9/page?letter={{letter}}"], "http://127.0.0.1:9/page?letter=A"),
    ],
)
def test_fetch_refuses_credentials_in_any_page_of_several(runner, tmp_path, urls, named):
    folder = tmp_path / "snapshots"
    result = runner.invoke(cli, ["fetch", *[a for url in urls for a in ("--url", url)], "--snapshots", str(folder)])
    assert one_error(result) == (
        f"Error: registry URL {named}: put no user or password in the URL (they would be "
        "printed and recorded); a netrc file (~/.netrc) gives them to the download\n"
    )
    assert SECRET not in result.output and not folder.exists()


def test_fetch_sends_no_credentials_across_a_redirect_to_another_origin(
    runner, httpserver, other_origin, tmp_path, netrc_file
):
    target = other_origin.url_for("/page.html")
    httpserver.expect_request("/page.html").respond_with_response(Response(status=302, headers={"Location": target}))
    other_origin.expect_request("/page.html").respond_with_data("<p>nothing</p>", content_type="text/html")
    result = runner.invoke(
        cli, ["fetch", "--url", httpserver.url_for("/page.html"), "--snapshots", str(tmp_path / "s"), "--retries", "0"]
    )
    assert one_error(result).startswith(f"Error: {httpserver.url_for('/page.html')}: ")
    assert httpserver.log[0][0].headers.get("Authorization") == BASIC  # netrc: sent to the origin it names
    assert [r.headers.get("Authorization") for r, _ in other_origin.log] == [None]
    assert SECRET not in result.output


def test_publish_sends_no_credentials_across_a_redirect_to_another_origin(
    runner, httpserver, other_origin, two_snapshots, netrc_file
):
    target = other_origin.url_for("/store")
    httpserver.expect_request("/store").respond_with_response(Response(status=307, headers={"Location": target}))
    other_origin.expect_request("/store").respond_with_data("nope", status=403)
    result = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", httpserver.url_for("/store")])
    assert one_error(result).startswith(
        f"Error: {httpserver.url_for('/store')} answered HTTP 403 FORBIDDEN to the PUT of graph <"
    )
    assert httpserver.log[0][0].headers.get("Authorization") == BASIC
    assert [r.headers.get("Authorization") for r, _ in other_origin.log] == [None]


def test_publish_error_redacts_a_store_echoing_the_password_on_404(runner, httpserver, two_snapshots, netrc_file):
    def echo(request):
        header = request.headers.get("Authorization", "")
        return Response(f"no graph here for {header} ({base64.b64decode(header[6:]).decode()})\n", status=404)

    httpserver.expect_request("/store").respond_with_handler(echo)
    result = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", httpserver.url_for("/store")])
    line = one_error(result)
    assert SECRET not in line and BASIC[6:] not in line
    assert line.endswith(": no graph here for Basic *** (reader:***)\n")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (f'machine 127.0.0.1 "{SECRET}\n'.encode(), "bad follower token on line 2"),
        (f"machine 127.0.0.1 login reader password {SECRET} {SECRET}x\n".encode(), "bad follower token on line 2"),
        (f"machine 127.0.0.1 login reader password {SECRET}\xff\n".encode("latin-1"), "not UTF-8 text"),
    ],
)
def test_a_malformed_netrc_is_one_line_without_its_secrets(
    runner, tmp_path, two_snapshots, netrc_file, content, problem
):
    netrc_file.write_bytes(content)
    before = tree(two_snapshots)
    result = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", "http://127.0.0.1:9/store"])
    assert one_error(result) == f"Error: {netrc_file}: cannot be read as a netrc file ({problem})\n"
    assert SECRET not in result.output
    assert tree(two_snapshots) == before


def test_credentials_in_a_provenance_record_never_reach_the_graph(runner, tmp_path):
    import hashlib
    import json

    registry = tmp_path / "2024-05-02.csv"
    registry.write_text("host,activities\nHébergeur fictif,1-6\n", encoding="utf-8")
    record = {
        "url": f"https://reader:{SECRET}@registry.example/liste.html",
        "retrieved": "2024-05-02T09:30:00Z",
        "sha256": "0" * 64,
        "canonical_sha256": hashlib.sha256(registry.read_bytes()).hexdigest(),
        # issue 11's several pages: each part's URL reaches the graph too
        "parts": [{"final_url": f"https://reader:{SECRET}@registry.example/{p}.html"} for p in ("a", "b")],
    }
    (tmp_path / "2024-05-02.provenance.json").write_text(json.dumps(record), encoding="utf-8")
    result = runner.invoke(cli, ["build", "--registry", str(registry), "--out", str(tmp_path / "dist")])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    for name in ("hds.nt", "hds.ttl", "hds.jsonld", "catalog.ttl", "void.ttl", "build.json"):
        assert SECRET not in (tmp_path / "dist" / name).read_text(encoding="utf-8"), name
    graph = (tmp_path / "dist" / "hds.nt").read_text(encoding="utf-8")
    assert all(f"<https://registry.example/{p}.html>" in graph for p in ("liste", "a", "b"))


def test_publish_sends_no_digest_answer_across_a_redirect_to_another_origin(
    runner, httpserver, other_origin, two_snapshots, netrc_file
):
    """A store asking for Digest gets it; its redirect to another origin, which asks for Digest
    too, gets no answer computed from the password (the Digest auth object answers 401s itself)."""
    challenge = {"WWW-Authenticate": 'Digest realm="store", nonce="n0nce", qop="auth"'}

    def store(request):
        if request.headers.get("Authorization", "").startswith("Digest "):
            return Response(status=307, headers={"Location": other_origin.url_for("/store")})
        return Response("who are you?", status=401, headers=challenge)

    httpserver.expect_request("/store").respond_with_handler(store)
    other_origin.expect_request("/store").respond_with_response(Response("who are you?", status=401, headers=challenge))
    result = runner.invoke(cli, ["publish", "--data", str(two_snapshots), "--endpoint", httpserver.url_for("/store")])
    assert one_error(result).startswith(
        f"Error: {httpserver.url_for('/store')} answered HTTP 401 UNAUTHORIZED to the PUT of graph <"
    )
    assert [r.headers.get("Authorization", "").split(" ")[0] for r, _ in httpserver.log][-1] == "Digest"
    assert [r.headers.get("Authorization") for r, _ in other_origin.log] == [None]
    assert SECRET not in result.output


def test_a_remote_query_sends_no_credentials_across_a_redirect_to_another_origin(
    runner, httpserver, other_origin, netrc_file
):
    target = other_origin.url_for("/sparql")
    httpserver.expect_request("/sparql").respond_with_response(Response(status=302, headers={"Location": target}))
    other_origin.expect_request("/sparql").respond_with_data("nope", status=403)
    result = runner.invoke(cli, ["query", "hosts-total", "--endpoint", httpserver.url_for("/sparql")])
    assert one_error(result) == f"Error: {httpserver.url_for('/sparql')} answered HTTP 403 FORBIDDEN: nope\n"
    assert httpserver.log[0][0].headers.get("Authorization") == BASIC
    assert [r.headers.get("Authorization") for r, _ in other_origin.log] == [None]


def test_a_remote_query_keeps_its_credentials_on_a_redirect_within_the_origin(runner, httpserver, netrc_file):
    """The rule is the origin, not any redirect: /sparql -> /sparql/ on the same server keeps them."""
    httpserver.expect_request("/sparql").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/sparql/")})
    )
    httpserver.expect_request("/sparql/").respond_with_data("nope", status=403)
    result = runner.invoke(cli, ["query", "hosts-total", "--endpoint", httpserver.url_for("/sparql")])
    assert one_error(result).startswith(f"Error: {httpserver.url_for('/sparql')} answered HTTP 403")
    assert [r.headers.get("Authorization") for r, _ in httpserver.log] == [BASIC, BASIC]
