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

import hashlib
import json
import re
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http.client import IncompleteRead
from pathlib import Path

import requests
import urllib3

from hdsgraph._version import __version__
from hdsgraph.acquire.importer import (
    ImportResult,
    canonical_csv,
    import_bytes,
    quarantine_csv,
)
from hdsgraph.errors import FetchError, InputError
from hdsgraph.files import write_atomically
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
    }
)
KEPT_HEADERS = ("content-type", "content-length", "content-encoding", "etag", "last-modified", "date")
RAW_SUFFIX = {"html": ".raw.html", "csv": ".raw.csv", "xlsx": ".raw.xlsx"}
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
    imported: ImportResult | None = None


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
        raise FetchError(f"unexpected content type {kind!r} (expected an HTML page, a CSV or an XLSX file)")
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


def snapshots_of(folder: Path, url: str) -> list[dict]:
    """The provenance records in ``folder`` for ``url``, oldest first."""
    records = []
    for path in sorted(Path(folder).glob("*.provenance.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # an unreadable record only costs a conditional request
        if isinstance(record, dict) and record.get("url") == url:
            records.append(record)
    return records


def _conditions(previous: dict | None) -> dict[str, str]:
    if not previous:
        return {}
    headers = previous.get("headers", {})
    conditions = {}
    if headers.get("etag"):
        conditions["If-None-Match"] = headers["etag"]
    if headers.get("last-modified"):
        conditions["If-Modified-Since"] = headers["last-modified"]
    return conditions


def fetch(
    url: str = REGISTRY_URL,
    snapshots: Path = Path("snapshots"),
    *,
    mapping: dict | None = None,
    options: FetchOptions = FetchOptions(),
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    progress: Progress | None = None,
) -> FetchResult:
    """Download the registry and keep it as a dated snapshot with its provenance.
    Raises FetchError (or InputError when the URL is not one, or the page holds no registry table)."""
    check_http(  # the same check as the provenance record gets when it is read
        url,
        "registry URL",
        "URL",
        credentials="registry URL {bare}: put no user or password in the URL (they would be printed and "
        "recorded); a netrc file (~/.netrc) gives them to the download",
    )
    snapshots = Path(snapshots)
    if snapshots.exists() and not snapshots.is_dir():
        raise InputError(f"{snapshots}: exists and is not a folder")
    history = snapshots_of(snapshots, url) if snapshots.is_dir() else []
    previous = history[-1] if history else None
    got = download(
        url,
        conditions=_conditions(previous),
        options=options,
        session=session,
        sleep=sleep,
        clock=clock,
        progress=progress,
    )
    if got is None:
        if previous is None:  # a 304 to an unconditional request: a misbehaving server or proxy
            raise FetchError(
                f"{url}: HTTP 304 Not Modified, but {snapshots} holds no earlier snapshot of this page; nothing fetched"
            )
        return FetchResult("unchanged", previous["snapshot"], "HTTP 304 Not Modified", provenance=previous)
    digest = hashlib.sha256(got.body).hexdigest()
    if previous and previous.get("sha256") == digest:
        return FetchResult("unchanged", previous["snapshot"], "the same bytes as before", provenance=previous)

    imported = import_bytes(
        got.body,
        url,
        got.headers.get("content-type", ""),
        mapping,
        (lambda done, total: progress("import", done, total)) if progress else None,
    )
    if not imported.rows:
        raise InputError(
            f"{url}: the registry table has no usable row ({len(imported.quarantine)} quarantined); "
            "earlier snapshots kept"
        )
    snapshot = got.retrieved.astimezone(timezone.utc).date().isoformat()
    files = {
        "raw": snapshots / (snapshot + RAW_SUFFIX[imported.format]),
        "csv": snapshots / f"{snapshot}.csv",
        "quarantine": snapshots / f"{snapshot}.quarantine.csv",
        "provenance": snapshots / f"{snapshot}.provenance.json",
    }
    same_day = next((r for r in reversed(history) if r.get("snapshot") == snapshot), None)
    table = canonical_csv(imported)
    provenance = {
        "snapshot": snapshot,
        "url": url,
        "final_url": got.final_url,
        "retrieved": got.retrieved.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": got.status,
        "headers": got.headers,
        "raw_file": files["raw"].name,
        "sha256": digest,
        "bytes": len(got.body),
        "format": imported.format,
        "table": imported.table,
        "columns": imported.columns,
        "rows": {"read": imported.rows_read, "kept": len(imported.rows), "quarantined": len(imported.quarantine)},
        "canonical_file": files["csv"].name,
        "canonical_sha256": hashlib.sha256(table).hexdigest(),
        "tool": f"hdsgraph {__version__}",
    }
    if same_day:
        provenance["replaces_sha256"] = same_day.get("sha256")
    try:
        snapshots.mkdir(parents=True, exist_ok=True)
        stale = [p for p in snapshots.glob(f"{snapshot}.raw.*") if p != files["raw"]]
        write_atomically(files["raw"], got.body)
        write_atomically(files["quarantine"], quarantine_csv(imported))
        write_atomically(
            files["provenance"],
            (json.dumps(provenance, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"),
        )
        write_atomically(files["csv"], table)
        for path in stale:  # the same day's raw file in another format
            path.unlink(missing_ok=True)
    except OSError as exc:
        raise FetchError(f"{snapshots}: cannot write the snapshot ({exc.strerror or exc})") from None
    return FetchResult(
        "replaced" if same_day else "new", snapshot, files=files, provenance=provenance, imported=imported
    )
