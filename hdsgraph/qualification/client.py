"""One polite HTTP client for the qualification services, with an on-disk cache.

Every answer is kept in the cache folder with the URL asked for, the retrieval time (UTC)
and the SHA-256 of the body: the provenance model of registry snapshots. A later run with
``offline`` reads the cache only, so that it gives the same proposals byte for byte.
Requests to one service are spaced to its rate limit (the clock and the sleep are
injected, so that the limiter is tested without waiting), a 429 is retried after what
Retry-After says, and a service that stays down is one ``ServiceError`` line.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import requests

from hdsgraph._version import __version__
from hdsgraph.errors import FetchError, InputError
from hdsgraph.files import write_atomically
from hdsgraph.safety import strict_session

USER_AGENT = (
    f"hdsgraph/{__version__} (open knowledge graph of the French HDS registry; qualification of the "
    "certified hosts; https://w3id.org/hdsgraph/)"
)


DEFAULT_TIMEOUT = 20.0  # seconds to wait for an answer


class ServiceError(FetchError):
    """A qualification service cannot be used now: down, refusing, or too slow."""


@dataclass(frozen=True)
class Answer:
    """A service's answer as cached: its body and where and when it came from."""

    url: str
    retrieved: str  # UTC, ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)
    sha256: str
    body: str

    def json(self):
        return json.loads(self.body)


class RateLimiter:
    """At most ``per_second`` calls in any one-second window (a sliding window over the
    times of the last calls); below one a second, one call every 1/per_second s."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.calls = max(1, int(per_second))
        self.window = self.calls / per_second
        self.clock = clock
        self.sleep = sleep
        self.sent: deque[float] = deque(maxlen=self.calls)

    def wait(self) -> None:
        now = self.clock()
        if len(self.sent) == self.calls and now < self.sent[0] + self.window:
            self.sleep(self.sent[0] + self.window - now)
            now = max(self.clock(), self.sent[0] + self.window)
        self.sent.append(now)


class Cache:
    """Answers on disk, one JSON file per URL (named by the URL's SHA-256)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.json"

    def get(self, url: str) -> Answer | None:
        path = self._path(url)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            answer = Answer(record["url"], record["retrieved"], record["sha256"], record["body"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError(f"{path}: a damaged cache entry; delete it to ask the service again") from None
        if hashlib.sha256(answer.body.encode("utf-8")).hexdigest() != answer.sha256:
            raise InputError(f"{path}: a cache entry that does not match its checksum; delete it to ask again")
        return answer

    def put(self, answer: Answer) -> None:
        record = {"url": answer.url, "retrieved": answer.retrieved, "sha256": answer.sha256, "body": answer.body}
        data = (json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
        try:
            write_atomically(self._path(answer.url), data)
        except OSError as exc:
            raise InputError(f"{self.folder}: cannot write the cache ({exc.strerror or exc})") from None


@dataclass
class Service:
    """One service: its name (for messages), base URL and rate limit."""

    name: str
    base: str
    per_second: float


class Client:
    """GET JSON from the services, through the cache; ``offline`` never reaches the network."""

    def __init__(
        self,
        cache: Cache,
        offline: bool = False,
        timeout: float | None = None,
        retries: int = 3,
        max_wait: float = 120.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ):
        self.cache = cache
        self.offline = offline
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self.retries = retries
        self.max_wait = max_wait
        self.session = session or strict_session()  # no credentials across a redirect to another origin
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json, application/sparql-results+json"
        self.clock = clock
        self.sleep = sleep
        self.now = now
        self.limiters: dict[str, RateLimiter] = {}
        self.requests = 0  # sent to the network, for the summary

    def get(self, service: Service, url: str) -> Answer:
        """The answer to ``url`` (under ``service.base``), from the cache or the service."""
        cached = self.cache.get(url)
        if cached is not None:
            return cached
        if self.offline:
            raise InputError(f"{url} is not in the cache; run once without --offline to fill it")
        answer = self._ask(service, url)
        self.cache.put(answer)
        return answer

    def _ask(self, service: Service, url: str) -> Answer:
        limiter = self.limiters.setdefault(service.name, RateLimiter(service.per_second, self.clock, self.sleep))
        for attempt in range(self.retries + 1):
            limiter.wait()
            self.requests += 1
            try:
                response = self.session.get(url, timeout=self.timeout)
            except requests.Timeout:
                raise ServiceError(
                    f"{service.name} did not answer within {self.timeout:g} s ({service.base})"
                ) from None
            except requests.RequestException:
                raise ServiceError(f"{service.name} cannot be reached ({service.base})") from None
            if response.status_code == 429:
                wait = _retry_after(response.headers.get("Retry-After", ""), 2.0 * 2**attempt)
                if attempt == self.retries or wait > self.max_wait:
                    break
                self.sleep(wait)
                continue
            if response.status_code == 404:  # "no such record": an answer, kept as an empty one
                body = "{}"
            elif response.status_code != 200:
                raise ServiceError(f"{service.name} answered HTTP {response.status_code} to {url}")
            else:
                body = response.content.decode("utf-8", "replace")
                try:
                    json.loads(body)
                except ValueError:
                    raise ServiceError(f"{service.name} did not answer JSON to {url}") from None
            retrieved = self.now().strftime("%Y-%m-%dT%H:%M:%SZ")
            return Answer(url, retrieved, hashlib.sha256(body.encode("utf-8")).hexdigest(), body)
        raise ServiceError(f"{service.name} keeps answering HTTP 429 (too many requests); try again later")


def _retry_after(value: str, default: float) -> float:
    value = value.strip()
    if value.isdigit():
        return float(value)
    return default
