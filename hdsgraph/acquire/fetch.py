"""Fetch: the registry as published online -> a dated snapshot with its provenance.

A snapshot is four files in the snapshots folder, named by the day of retrieval (UTC):

- ``YYYY-MM-DD.raw.html`` (or ``.raw.csv``, ``.raw.xlsx``): the bytes as downloaded;
- ``YYYY-MM-DD.csv``: the canonical table imported from them, which ``hdsgraph build
  --registry FOLDER`` reads as the snapshot of that day;
- ``YYYY-MM-DD.quarantine.csv``: the rows that could not be imported, with the reason;
- ``YYYY-MM-DD.provenance.json``: where and when the bytes came from, their SHA-256, the
  HTTP status and headers that matter, and the tool's version.

A page that has not changed since the last snapshot (HTTP 304, or the same bytes) adds
no snapshot. A changed page fetched twice the same day replaces that day's snapshot: a
snapshot is the registry as last seen on its day, and its provenance names the checksum
of the bytes it replaced. Each file is written to a temporary name and then renamed, and
nothing is written until the download is complete and imported, so a failure leaves
every earlier snapshot as it was.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import signal
import string
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http.client import IncompleteRead
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from hdsgraph._version import __version__
from hdsgraph.acquire.importer import (
    ImportResult,
    NoRegistry,
    canonical_csv,
    import_bytes,
    quarantine_csv,
)
from hdsgraph.errors import FetchError, InputError
from hdsgraph.files import write_atomically
from hdsgraph.pipeline.guard import Guard, check_quarantine, check_shrink, host_count
from hdsgraph.rdf.terms import check_http, without_userinfo
from hdsgraph.safety import strict_session

# The one place that says where the registry lives: the ANS list of certified hosts.
REGISTRY_URL = "https://esante.gouv.fr/offres-services/hds/liste-des-hebergeurs-certifies"

USER_AGENT = f"hdsgraph/{__version__} (open knowledge graph of the French HDS registry; python-requests)"
# What a registry export may be served as; a missing Content-Type is accepted too.
ACCEPTED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/csv",
        "application/csv",
        "text/plain",
        "text/tab-separated-values",
        "application/vnd.ms-excel",
        "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/json",
        "text/json",
    }
)
KEPT_HEADERS = ("content-type", "content-length", "content-encoding", "etag", "last-modified", "date")
RAW_SUFFIX = {"html": ".raw.html", "csv": ".raw.csv", "xlsx": ".raw.xlsx", "json": ".raw.json"}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 4  # after the first attempt
    backoff: float = 2.0  # seconds before the first retry; doubles at each one
    max_wait: float = 300.0  # a Retry-After longer than this is not waited for
    max_bytes: int = 50 * 1024 * 1024
    deadline: float = 300.0  # seconds for the whole download, retries and waits included


@dataclass
class Download:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    retrieved: datetime


@dataclass
class FetchResult:
    outcome: str  # "new", "replaced" (a snapshot of the same day) or "unchanged"
    snapshot: str  # the snapshot id written, or the one still current when unchanged
    reason: str = ""  # why unchanged
    files: dict[str, Path] = field(default_factory=dict)  # raw, csv, quarantine, provenance
    provenance: dict = field(default_factory=dict)
    imported: ImportResult | None = None  # the import, when one page was read
    parts: list[ImportResult] = field(default_factory=list)  # the import of each page read
    found: str = ""  # what the fetch found, in words


Progress = Callable[[str, int, int | None], None]  # (stage, done, total)


class _Retry(Exception):
    """A failure worth another attempt; ``wait`` overrides the backoff (Retry-After)."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


def new_session() -> requests.Session:
    session = strict_session()
    session.headers["User-Agent"] = USER_AGENT
    return session


# ---------------------------------------------------------------- HTTP


def _connection_failure(exc: Exception, options: FetchOptions) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"could not connect within {options.connect_timeout:g} s"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {options.read_timeout:g} s"
    text = str(exc)
    for pattern in (r"\[Errno -?\d+\] ([^'\")]+)", r"(Name or service not known|Connection refused|Connection reset)"):
        if match := re.search(pattern, text):
            return f"cannot connect ({match.group(1).strip().rstrip('.').lower()})"
    return "cannot connect"


def _retry_after(response: requests.Response, now: datetime) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _size(n: int) -> str:
    return f"{n:,} bytes"


class _Deadline(Exception):
    """The whole download took longer than FetchOptions.deadline."""


@contextmanager
def _wall_clock(seconds: float):
    """Interrupt whatever blocks (a server sending its headers a byte a second) once
    ``seconds`` have passed: SIGALRM, in the main thread; elsewhere the reads check the clock."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise _Deadline()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _read_body(
    response: requests.Response, options: FetchOptions, progress: Progress | None, ends: float = float("inf")
) -> bytes:
    declared = response.headers.get("Content-Length", "").strip()
    total = int(declared) if declared.isdigit() else None
    if total is not None and total > options.max_bytes:
        raise FetchError(
            f"the page is {_size(total)}, more than the maximum of {_size(options.max_bytes)} (--max-size)"
        )
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind and kind not in ACCEPTED_TYPES:
        raise FetchError(f"unexpected content type {kind!r} (expected an HTML page, a CSV, an XLSX or a JSON file)")
    chunks: list[bytes] = []
    received = 0
    try:
        while chunk := response.raw.read1(CHUNK, decode_content=True):  # what has come, not CHUNK bytes
            if time.monotonic() > ends:
                raise _Deadline()
            chunks.append(chunk)
            received += len(chunk)
            if received > options.max_bytes:
                raise FetchError(f"the page is larger than the maximum of {_size(options.max_bytes)} (--max-size)")
            if progress:
                progress("download", response.raw.tell(), total)
    except urllib3.exceptions.ReadTimeoutError:
        raise _Retry(f"the download stalled (no data for {options.read_timeout:g} s)") from None
    except (urllib3.exceptions.ProtocolError, IncompleteRead, urllib3.exceptions.DecodeError) as exc:
        if total is not None and "IncompleteRead" in repr(exc):
            raise _Retry(
                f"the body was cut short: {_size(response.raw.tell())} received of {_size(total)} announced"
            ) from None
        raise _Retry(f"the connection broke during the download ({type(exc).__name__})") from None
    if total is not None and response.raw.tell() < total:  # belt and braces: urllib3 checks it too
        raise _Retry(f"the body was cut short: {_size(response.raw.tell())} received of {_size(total)} announced")
    return b"".join(chunks)


def download(
    url: str,
    *,
    conditions: dict[str, str] | None = None,
    options: FetchOptions = FetchOptions(),
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    progress: Progress | None = None,
) -> Download | None:
    """GET ``url`` with retries; None when the server answers 304 Not Modified.
    Raises FetchError with one line saying what went wrong."""
    session = session or new_session()
    ends = time.monotonic() + options.deadline
    try:
        with _wall_clock(options.deadline):
            return _download(url, conditions, options, session, sleep, clock, progress, ends)
    except _Deadline:
        raise FetchError(
            f"{without_userinfo(url)}: no complete answer within {options.deadline:g} s (--deadline); nothing written"
        ) from None


def _download(
    url: str,
    conditions: dict[str, str] | None,
    options: FetchOptions,
    session: requests.Session,
    sleep: Callable[[float], None],
    clock: Callable[[], datetime],
    progress: Progress | None,
    ends: float,
) -> Download | None:
    failure = ""
    for attempt in range(options.retries + 1):
        wait = options.backoff * 2**attempt
        try:
            response = session.get(
                url,
                headers=conditions or {},
                stream=True,
                allow_redirects=True,
                timeout=(options.connect_timeout, options.read_timeout),
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            failure = _connection_failure(exc, options)
        except requests.RequestException as exc:  # an invalid URL, too many redirects...
            raise FetchError(f"{without_userinfo(url)}: {redacted(str(exc), url)}") from None
        else:
            with response:
                status = response.status_code
                try:
                    if status == 304:
                        return None
                    if status == 429 or status >= 500:
                        raise _Retry(f"HTTP {status} {response.reason}", _retry_after(response, clock()))
                    if status >= 400:
                        raise FetchError(f"HTTP {status} {response.reason}")
                    body = _read_body(response, options, progress, ends)
                    headers = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
                    return Download(url, without_userinfo(response.url), status, headers, body, clock())
                except _Retry as exc:
                    failure = str(exc)
                    wait = exc.wait if exc.wait is not None else wait
                except FetchError as exc:
                    raise FetchError(f"{without_userinfo(url)}: {exc}") from None
        if attempt == options.retries:
            break
        if wait > options.max_wait:
            raise FetchError(
                f"{url}: {failure}; the server asks to wait {wait:.0f} s, longer than {options.max_wait:g} s"
            )
        if time.monotonic() + wait > ends:
            raise _Deadline()
        sleep(wait)
    attempts = options.retries + 1
    raise FetchError(f"{without_userinfo(url)}: {failure} ({attempts} attempt{'s' if attempts > 1 else ''})")


def redacted(text: str, url: str) -> str:
    """An HTTP library's message about ``url`` without the user-info the URL may carry."""
    bare = without_userinfo(url)
    if bare == url:
        return text
    return text.replace(url, bare).replace(url.split("://", 1)[-1].rpartition("@")[0], "***")


# ---------------------------------------------------------------- snapshots

LETTERS = (*string.ascii_uppercase, "0-9")  # a directory served letter by letter
FORMAT_NAMES = {"html": "HTML table", "csv": "CSV table", "xlsx": "XLSX workbook", "json": "JSON records"}


def expand_urls(urls: str | Sequence[str]) -> list[str]:
    """The URLs of one fetch: each given, a ``{letter}`` template standing for 27 (A to Z, then 0-9)."""
    given = [urls] if isinstance(urls, str) else list(urls)
    if not given:
        raise InputError("no registry URL given")
    out: list[str] = []
    for url in given:
        out += [url.replace("{letter}", letter) for letter in LETTERS] if "{letter}" in url else [url]
    twice = next((u for i, u in enumerate(out) if u in out[:i]), None)
    if twice:
        raise InputError(f"{twice}: given twice; give each page of the registry once")
    for url in out:
        check_http(  # the same check as the provenance record gets when it is read
            url,
            "registry URL",
            "URL",
            credentials="registry URL {bare}: put no user or password in the URL (they would be printed and "
            "recorded); a netrc file (~/.netrc) gives them to the download",
        )
    return out


def snapshots_of(folder: Path, url: str | list[str]) -> list[dict]:
    """The provenance records in ``folder`` for ``url`` (or for that list of URLs), oldest first."""
    urls = [url] if isinstance(url, str) else list(url)
    records = []
    for path in sorted(Path(folder).glob("*.provenance.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # an unreadable record only costs a conditional request
        if isinstance(record, dict) and record.get("urls", [record.get("url")]) == urls:
            records.append(record)
    return records


def _conditions(previous: dict | None) -> dict[str, str]:
    if not previous or len(previous.get("parts", [None])) != 1:  # a page and its linked file: ask for both
        return {}
    headers = previous.get("headers", {})
    conditions = {}
    if headers.get("etag"):
        conditions["If-None-Match"] = headers["etag"]
    if headers.get("last-modified"):
        conditions["If-Modified-Since"] = headers["last-modified"]
    return conditions


@dataclass
class Part:
    """One download of a fetch and what its import found."""

    got: Download
    imported: ImportResult
    page: Download | None = None  # the page with no registry table that linked to this file

    @property
    def linked_from(self) -> str | None:
        return self.page.final_url if self.page else None


def _same_site(a: str, b: str) -> bool:
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme, x.netloc.lower()) == (y.scheme, y.netloc.lower())


def _import_part(got: Download, mapping, progress: Progress | None, fetch_file: Callable[[str], Download]) -> Part:
    """Import a download; a page with no registry table that links to a file on the same
    site is followed once, to that file."""
    report = (lambda done, total: progress("import", done, total)) if progress else None
    try:
        return Part(got, _imported(got, mapping, report))
    except NoRegistry as exc:
        if not exc.links:
            if "no table in it" in str(exc):
                raise InputError(
                    f"{got.url}: no registry table and no link to a file: the page may be built by a script; "
                    "give the data URL with --url"
                ) from None
            raise
        links = [urljoin(got.final_url, link) for link in exc.links]
        local = [link for link in links if _same_site(link, got.final_url)]
        if not local:
            raise InputError(
                f"{got.url}: no registry table, and its link to a file is on another site ({links[0]}): "
                "not followed; give that URL with --url if it is the registry"
            ) from None
        linked = fetch_file(local[0])
        try:
            return Part(linked, _imported(linked, mapping, report), page=got)
        except NoRegistry as inner:
            raise InputError(f"{inner} (the file {got.url} links to)") from None


def _imported(got: Download, mapping, report) -> ImportResult:
    result = import_bytes(got.body, got.final_url, got.headers.get("content-type", ""), mapping, report)
    result.label = got.final_url
    return result


def found_text(parts: list[Part]) -> str:
    """What a fetch found, in words: "HTML table of 404 rows", "JSON records from 27 pages (...)"."""
    read = sum(p.imported.rows_read for p in parts)
    formats = {p.imported.format for p in parts}
    if len(parts) > 1:
        empty = sum(1 for p in parts if not p.imported.rows_read)
        what = "JSON records" if formats == {"json"} else "registry rows"
        note = f", {empty} page{'s' if empty > 1 else ''} with none" if empty else ""
        return f"{what} from {len(parts)} pages ({read} rows{note})"
    part = parts[0]
    result = part.imported
    kind = FORMAT_NAMES.get(result.format, result.format)
    where = f" ({result.table})" if result.format == "xlsx" else ""
    text = f"{kind}{where} of {read} rows"
    if part.linked_from:
        text = (
            f"no registry table on {part.linked_from}, but a link to {part.got.final_url}, followed once "
            f"(same site): {text}"
        )
    return text


def _previous_hosts(folder: Path, record: dict) -> int | None:
    """How many hosts the snapshot of ``record`` listed (from its record, else its table)."""
    if isinstance(record.get("hosts"), int):
        return record["hosts"]
    path = folder / str(record.get("canonical_file", ""))
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return host_count(row.get("host", "") for row in csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def fetch(
    url: str | Sequence[str] = REGISTRY_URL,
    snapshots: Path = Path("snapshots"),
    *,
    mapping: dict | None = None,
    options: FetchOptions = FetchOptions(),
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    progress: Progress | None = None,
    guard: Guard | None = None,
) -> FetchResult:
    """Download the registry and keep it as a dated snapshot with its provenance.

    ``url`` may be several pages (a list, or a template with ``{letter}``): they make one
    snapshot, or none if any fails (a page answering an empty list is no failure).
    ``guard`` (default: Guard()) refuses a snapshot with too many rows quarantined, or with
    fewer than half the hosts of the last one, before anything is written.
    Raises FetchError (or InputError when a URL is not one, or a page holds no registry table)."""
    guard = guard or Guard()
    urls = expand_urls(url)
    snapshots = Path(snapshots)
    if snapshots.exists() and not snapshots.is_dir():
        raise InputError(f"{snapshots}: exists and is not a folder")
    history = snapshots_of(snapshots, urls[0] if len(urls) == 1 else urls) if snapshots.is_dir() else []
    previous = history[-1] if history else None
    session = session or new_session()

    def get(address: str, conditions: dict[str, str] | None = None) -> Download | None:
        return download(
            address,
            conditions=conditions,
            options=options,
            session=session,
            sleep=sleep,
            clock=clock,
            progress=progress,
        )

    def get_file(address: str) -> Download:
        got = get(address)
        if got is None:  # no condition was sent
            raise FetchError(f"{address}: HTTP 304 Not Modified to a request that set no condition")
        return got

    downloads: list[Download] = []
    for address in urls:
        got = get(address, _conditions(previous) if len(urls) == 1 else None)
        if got is None:
            if previous is None:  # a 304 to an unconditional request: a misbehaving server or proxy
                raise FetchError(
                    f"{address}: HTTP 304 Not Modified, but {snapshots} holds no earlier snapshot of this page; "
                    "nothing fetched"
                )
            return FetchResult("unchanged", previous["snapshot"], "HTTP 304 Not Modified", provenance=previous)
        downloads.append(got)
    if len(downloads) == 1 and previous and len(previous.get("parts", [None])) == 1:
        if previous.get("sha256") == hashlib.sha256(downloads[0].body).hexdigest():
            return FetchResult("unchanged", previous["snapshot"], "the same bytes as before", provenance=previous)

    parts = [_import_part(got, mapping, progress, get_file) for got in downloads]
    digests = [hashlib.sha256(p.got.body).hexdigest() for p in parts]
    digest = digests[0] if len(parts) == 1 else hashlib.sha256("\n".join(digests).encode("ascii")).hexdigest()
    if previous and previous.get("sha256") == digest:
        return FetchResult("unchanged", previous["snapshot"], "the same bytes as before", provenance=previous)
    imported = [p.imported for p in parts]
    kept = sum(len(r.rows) for r in imported)
    read = sum(r.rows_read for r in imported)
    quarantined = read - kept
    where = urls[0] if len(urls) == 1 else f"{urls[0]} and {len(urls) - 1} more pages"
    if not kept:
        raise InputError(
            f"{where}: the registry table has no usable row ({quarantined} quarantined); earlier snapshots kept"
        )
    examples = [(r.name, n, reason) for r in imported for n, reason, _ in r.quarantine]
    check_quarantine(guard, where, read, quarantined, examples)
    hosts = host_count(row["host"] for r in imported for _, row in r.rows)
    if previous and (before := _previous_hosts(snapshots, previous)) is not None:
        check_shrink(guard, where, hosts, f"the last snapshot, {previous.get('snapshot')}", before)

    first = parts[0].got
    snapshot = first.retrieved.astimezone(timezone.utc).date().isoformat()
    raws = (
        [snapshots / (snapshot + RAW_SUFFIX[imported[0].format])]
        if len(parts) == 1 and not parts[0].linked_from
        else []
    )
    if not raws:  # several downloads: numbered, in the order fetched (a followed link after its page)
        count = 0
        for part in parts:
            if part.linked_from:
                count += 1
                raws.append(snapshots / f"{snapshot}.raw-{count:02d}.html")  # the page
            count += 1
            raws.append(snapshots / f"{snapshot}.raw-{count:02d}{RAW_SUFFIX[part.imported.format][4:]}")
    files = {
        "raw": raws[0],
        "csv": snapshots / f"{snapshot}.csv",
        "quarantine": snapshots / f"{snapshot}.quarantine.csv",
        "provenance": snapshots / f"{snapshot}.provenance.json",
    }
    same_day = next((r for r in reversed(history) if r.get("snapshot") == snapshot), None)
    table = canonical_csv(*imported)
    records, bodies = _parts_record(parts, urls, raws)
    provenance = {
        "snapshot": snapshot,
        "url": urls[0],
        "final_url": first.final_url,
        "retrieved": first.retrieved.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": first.status,
        "headers": first.headers,
        "raw_file": raws[0].name,
        "sha256": digest,
        "bytes": sum(len(p.got.body) for p in parts),
        "format": imported[0].format if len({r.format for r in imported}) == 1 else "mixed",
        "table": imported[0].table,
        "columns": imported[0].columns,
        "ignored_columns": list(dict.fromkeys(c for r in imported for c in r.ignored)),
        "found": found_text(parts),
        "hosts": hosts,
        "rows": {
            "read": read,
            "kept": kept,
            "quarantined": quarantined,
            "values_quarantined": sum(len(r.values) for r in imported),
        },
        "parts": records,
        "canonical_file": files["csv"].name,
        "canonical_sha256": hashlib.sha256(table).hexdigest(),
        "tool": f"hdsgraph {__version__}",
    }
    if len(urls) > 1:
        provenance["urls"] = urls
    if same_day:
        provenance["replaces_sha256"] = same_day.get("sha256")
    try:
        snapshots.mkdir(parents=True, exist_ok=True)
        stale = [p for p in snapshots.glob(f"{snapshot}.raw*") if p not in raws]
        for path, body in zip(raws, bodies, strict=True):
            write_atomically(path, body)
        write_atomically(files["quarantine"], quarantine_csv(*imported))
        write_atomically(
            files["provenance"],
            (json.dumps(provenance, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"),
        )
        write_atomically(files["csv"], table)
        for path in stale:  # the same day's raw files in another format or number
            path.unlink(missing_ok=True)
    except OSError as exc:
        raise FetchError(f"{snapshots}: cannot write the snapshot ({exc.strerror or exc})") from None
    return FetchResult(
        "replaced" if same_day else "new",
        snapshot,
        files=files,
        provenance=provenance,
        imported=imported[0] if len(imported) == 1 else None,
        parts=imported,
        found=provenance["found"],
    )


def _parts_record(parts: list[Part], urls: list[str], raws: list[Path]) -> tuple[list[dict], list[bytes]]:
    """Each download of a fetch, for the provenance (URL asked, status, final URL, SHA-256,
    raw file), and the bytes to keep, in the order of ``raws``."""
    records: list[dict] = []
    bodies: list[bytes] = []
    pages = iter(urls)
    raw_names = iter(raws)
    for part in parts:
        if part.page is not None:  # the page first: it was downloaded, and links to the file
            records.append(
                {
                    "url": without_userinfo(next(pages)),
                    "final_url": part.page.final_url,
                    "status": part.page.status,
                    "sha256": hashlib.sha256(part.page.body).hexdigest(),
                    "bytes": len(part.page.body),
                    "format": "html",
                    "raw_file": next(raw_names).name,
                    "links_to": part.got.final_url,
                }
            )
            bodies.append(part.page.body)
            asked = part.got.url
        else:
            asked = next(pages)
        result = part.imported
        records.append(
            {
                "url": without_userinfo(asked),
                "final_url": part.got.final_url,
                "status": part.got.status,
                "sha256": hashlib.sha256(part.got.body).hexdigest(),
                "bytes": len(part.got.body),
                "format": result.format,
                "raw_file": next(raw_names).name,
                "rows": {"read": result.rows_read, "kept": len(result.rows), "quarantined": len(result.quarantine)},
            }
        )
        bodies.append(part.got.body)
    return records, bodies
