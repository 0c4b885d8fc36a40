"""`hdsgraph fetch` against real HTTP servers on 127.0.0.1: layouts, retries, conditional
requests, provenance, and faults that must leave every earlier snapshot as it was."""

from __future__ import annotations

import hashlib
import json
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from werkzeug import Response

from hdsgraph._version import __version__
from hdsgraph.acquire.fetch import FetchOptions
from hdsgraph.acquire.fetch import fetch as fetch_with_guard
from hdsgraph.errors import FetchError, InputError
from hdsgraph.pipeline.guard import Guard

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
PAGE = (EXPORTS / "registry-page.html").read_bytes()
DAY = datetime(2024, 5, 2, 9, 30, tzinfo=timezone.utc)
FAST = FetchOptions(connect_timeout=2, read_timeout=2, retries=4, backoff=2.0)


# The fixture pages are small, with a few flawed rows each: far more than the default guard's 10 %
# (the guard has its own tests, in test_acquire_today.py).
LENIENT = Guard(max_quarantine=1.0)


def fetch(*args, **kwargs):
    kwargs.setdefault("guard", LENIENT)
    return fetch_with_guard(*args, **kwargs)


class Sleeps(list):
    """An injected sleep: records the waits instead of waiting."""

    def __call__(self, seconds):
        self.append(seconds)


def clock(moment=DAY):
    return lambda: moment


def serve(httpserver, *responses, path="/page.html"):
    """Answer successive requests with ``responses`` (the last one repeats); returns the
    requests seen."""
    seen = []

    def handler(request):
        seen.append(request)
        return responses[min(len(seen) - 1, len(responses) - 1)]

    httpserver.expect_request(path).respond_with_handler(handler)
    return seen


def fetch_twice(httpserver, folder, later, *responses):
    """Fetch the page served as ``responses``, then again ``later`` than DAY: the second result."""
    serve(httpserver, *responses)
    url = httpserver.url_for("/page.html")
    fetch(url, folder, options=FAST, clock=clock())
    return fetch(url, folder, options=FAST, clock=clock(DAY + later))


def expected_csv(name: str, url: str) -> bytes:
    """The canonical table an import of fixture ``name`` gives, as fetched from ``url``:
    each row then says it was read on that page, not in the file."""
    text = (EXPORTS / (Path(name).stem + ".expected.csv")).read_text(encoding="utf-8")
    return text.replace(f",{name},", f",{url},").encode("utf-8")


def html(body=PAGE, status=200, **headers):
    return Response(body, status=status, headers=headers, content_type="text/html; charset=utf-8")


# ---------------------------------------------------------------- success and provenance


def test_a_fetch_keeps_the_raw_page_its_table_and_its_provenance(httpserver, tmp_path):
    seen = serve(httpserver, html(ETag='"v1"', **{"Last-Modified": "Wed, 01 May 2024 08:00:00 GMT"}))
    url = httpserver.url_for("/page.html")
    result = fetch(url, tmp_path, options=FAST, clock=clock())
    assert result.outcome == "new" and result.snapshot == "2024-05-02"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2024-05-02.csv",
        "2024-05-02.provenance.json",
        "2024-05-02.quarantine.csv",
        "2024-05-02.raw.html",
    ]
    assert (tmp_path / "2024-05-02.raw.html").read_bytes() == PAGE
    assert (tmp_path / "2024-05-02.csv").read_bytes() == expected_csv("registry-page.html", url)
    record = json.loads((tmp_path / "2024-05-02.provenance.json").read_text())
    assert record["url"] == record["final_url"] == url
    assert record["retrieved"] == "2024-05-02T09:30:00Z"
    assert record["status"] == 200
    assert record["sha256"] == hashlib.sha256(PAGE).hexdigest()
    assert record["canonical_sha256"] == hashlib.sha256((tmp_path / "2024-05-02.csv").read_bytes()).hexdigest()
    assert record["headers"]["etag"] == '"v1"'
    assert record["headers"]["content-length"] == str(len(PAGE))
    assert record["tool"] == f"hdsgraph {__version__}"
    assert record["rows"] == {"read": 8, "kept": 6, "quarantined": 2, "values_quarantined": 1}
    assert record["found"] == "HTML table of 8 rows"
    assert record["parts"] == [
        {
            "url": url,
            "final_url": url,
            "status": 200,
            "sha256": hashlib.sha256(PAGE).hexdigest(),
            "bytes": len(PAGE),
            "format": "html",
            "raw_file": "2024-05-02.raw.html",
            "rows": {"read": 8, "kept": 6, "quarantined": 2},
        }
    ]
    assert seen[0].headers["User-Agent"].startswith(f"hdsgraph/{__version__} ")


@pytest.mark.parametrize(
    "name, content_type, rows",
    [
        ("merged-cells.html", "text/html", (5, 3, 2, 0)),
        ("windows-1252.csv", "text/csv; charset=windows-1252", (5, 3, 2, 1)),
        ("per-activity.tsv", "text/tab-separated-values", (3, 3, 0, 0)),
    ],
)
def test_every_layout_served_is_imported_with_no_row_lost(httpserver, tmp_path, name, content_type, rows):
    body = (EXPORTS / name).read_bytes()
    serve(httpserver, Response(body, content_type=content_type), path=f"/{name}")
    url = httpserver.url_for(f"/{name}")
    result = fetch(url, tmp_path, options=FAST, clock=clock())
    read, kept, quarantined, values = rows
    assert result.provenance["rows"] == {
        "read": read,
        "kept": kept,
        "quarantined": quarantined,
        "values_quarantined": values,
    }
    assert read == kept + quarantined
    assert (tmp_path / "2024-05-02.csv").read_bytes() == expected_csv(name, url)


def test_an_xlsx_export_is_kept_as_xlsx(httpserver, tmp_path):
    from tests.test_import import _workbook

    (tmp_path / "made").mkdir()
    body = _workbook(tmp_path / "made").read_bytes()
    serve(
        httpserver,
        Response(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        path="/liste.xlsx",
    )
    snapshots = tmp_path / "snapshots"
    result = fetch(httpserver.url_for("/liste.xlsx"), snapshots, options=FAST, clock=clock())
    assert (snapshots / "2024-05-02.raw.xlsx").read_bytes() == body
    assert result.provenance["rows"] == {"read": 3, "kept": 3, "quarantined": 0, "values_quarantined": 1}


def test_a_redirect_is_followed_and_both_addresses_recorded(httpserver, tmp_path):
    httpserver.expect_request("/old").respond_with_response(
        Response("", status=301, headers={"Location": httpserver.url_for("/page.html")})
    )
    serve(httpserver, html())
    result = fetch(httpserver.url_for("/old"), tmp_path, options=FAST, clock=clock())
    assert result.provenance["url"] == httpserver.url_for("/old")
    assert result.provenance["final_url"] == httpserver.url_for("/page.html")


# ---------------------------------------------------------------- retries


def test_500_then_200_retries_after_the_backoff(httpserver, tmp_path):
    serve(httpserver, Response("oops", status=500), html())
    sleeps = Sleeps()
    result = fetch(httpserver.url_for("/page.html"), tmp_path, options=FAST, sleep=sleeps, clock=clock())
    assert result.outcome == "new"
    assert sleeps == [2.0]


def test_the_backoff_doubles_at_each_retry(httpserver, tmp_path):
    serve(httpserver, Response("", status=503), Response("", status=502), Response("", status=504), html())
    sleeps = Sleeps()
    fetch(httpserver.url_for("/page.html"), tmp_path, options=FAST, sleep=sleeps, clock=clock())
    assert sleeps == [2.0, 4.0, 8.0]


def test_429_waits_what_retry_after_says(httpserver, tmp_path):
    retry_at = (DAY + timedelta(seconds=42)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    serve(
        httpserver,
        Response("", status=429, headers={"Retry-After": "7"}),
        Response("", status=429, headers={"Retry-After": retry_at}),
        html(),
    )
    sleeps = Sleeps()
    assert fetch(httpserver.url_for("/page.html"), tmp_path, options=FAST, sleep=sleeps, clock=clock()).outcome == "new"
    assert sleeps == [7.0, 42.0]


def test_a_retry_after_too_long_is_not_waited_for(httpserver, tmp_path):
    serve(httpserver, Response("", status=503, headers={"Retry-After": "3600"}))
    sleeps = Sleeps()
    with pytest.raises(FetchError) as error:
        fetch(httpserver.url_for("/page.html"), tmp_path, options=FAST, sleep=sleeps, clock=clock())
    assert str(error.value) == (
        f"{httpserver.url_for('/page.html')}: HTTP 503 SERVICE UNAVAILABLE; "
        "the server asks to wait 3600 s, longer than 300 s"
    )
    assert sleeps == []


def test_a_connection_refused_is_retried_then_reported(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/page.html"
    sleeps = Sleeps()
    with pytest.raises(FetchError) as error:
        fetch(url, tmp_path, options=FetchOptions(retries=2, backoff=0.5), sleep=sleeps, clock=clock())
    assert str(error.value) == f"{url}: cannot connect (connection refused) (3 attempts)"
    assert sleeps == [0.5, 1.0]


# ---------------------------------------------------------------- conditional requests and same-day fetches


def test_a_304_adds_no_snapshot(httpserver, tmp_path):
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response("", status=304)
        return html(ETag='"v1"', **{"Last-Modified": "Wed, 01 May 2024 08:00:00 GMT"})

    httpserver.expect_request("/page.html").respond_with_handler(handler)
    url = httpserver.url_for("/page.html")
    fetch(url, tmp_path, options=FAST, clock=clock())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = fetch(url, tmp_path, options=FAST, clock=clock(DAY + timedelta(days=3)))
    assert (result.outcome, result.snapshot, result.reason) == ("unchanged", "2024-05-02", "HTTP 304 Not Modified")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    second = httpserver.log[-1][0]
    assert second.headers["If-Modified-Since"] == "Wed, 01 May 2024 08:00:00 GMT"


def test_the_same_bytes_without_validators_add_no_snapshot(httpserver, tmp_path):
    result = fetch_twice(httpserver, tmp_path, timedelta(days=1), html())
    assert (result.outcome, result.reason) == ("unchanged", "the same bytes as before")
    assert not (tmp_path / "2024-05-03.csv").exists()


def test_a_changed_page_the_same_day_replaces_that_day_and_says_what_it_replaced(httpserver, tmp_path):
    changed = PAGE.replace(b"Organisme fictif Deux", b"Organisme fictif Deux bis")
    result = fetch_twice(httpserver, tmp_path, timedelta(hours=5), html(), html(changed))
    assert result.outcome == "replaced"
    assert (tmp_path / "2024-05-02.raw.html").read_bytes() == changed
    record = json.loads((tmp_path / "2024-05-02.provenance.json").read_text())
    assert record["replaces_sha256"] == hashlib.sha256(PAGE).hexdigest()
    assert record["retrieved"] == "2024-05-02T14:30:00Z"
    assert len(list(tmp_path.iterdir())) == 4


def test_a_changed_page_another_day_is_a_new_snapshot(httpserver, tmp_path):
    result = fetch_twice(
        httpserver, tmp_path, timedelta(days=30), html(), html(PAGE.replace(b"31/02/2021", b"28/02/2021"))
    )
    assert (result.outcome, result.snapshot) == ("new", "2024-06-01")
    assert result.provenance["rows"] == {"read": 8, "kept": 6, "quarantined": 2, "values_quarantined": 0}
    url = httpserver.url_for("/page.html")
    assert (tmp_path / "2024-05-02.csv").read_bytes() == expected_csv("registry-page.html", url)


# ---------------------------------------------------------------- faults the library reports


def test_a_page_without_the_registry_table_is_refused(httpserver, tmp_path):
    serve(httpserver, html(b"<html><body><table><tr><th>Contact</th></tr><tr><td>x</td></tr></table></body></html>"))
    url = httpserver.url_for("/page.html")
    with pytest.raises(InputError) as error:
        fetch(url, tmp_path, options=FAST, clock=clock())
    assert str(error.value).startswith(
        f"{url}: cannot find the registry's host and activities columns (headers found: 'Contact')"
    )
    assert list(tmp_path.iterdir()) == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_body_without_a_length_is_cut_off_at_the_maximum_size(httpserver, tmp_path):
    def chunks():  # sent chunked: no Content-Length announces the size
        for _ in range(64):
            yield PAGE

    httpserver.expect_request("/page.html").respond_with_response(Response(chunks(), content_type="text/html"))
    url = httpserver.url_for("/page.html")
    with pytest.raises(FetchError) as error:
        fetch(url, tmp_path, options=FetchOptions(max_bytes=10_000), clock=clock())
    assert str(error.value) == f"{url}: the page is larger than the maximum of 10,000 bytes (--max-size)"
    assert list(tmp_path.iterdir()) == []
