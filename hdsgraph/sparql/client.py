"""What talking to a remote SPARQL store needs: a checked URL, credentials, clear errors.

Credentials never come from the command line (it shows in shell history and in ``ps``):
they come from the environment (``HDSGRAPH_USER`` and ``HDSGRAPH_PASSWORD``) or from a
netrc file (``~/.netrc``, or the file named by ``NETRC``), and no message ever holds them.
"""

from __future__ import annotations

import base64
import netrc
import os
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hdsgraph.errors import InputError
from hdsgraph.rdf.terms import check_http, without_userinfo

USER_VARIABLE = "HDSGRAPH_USER"
PASSWORD_VARIABLE = "HDSGRAPH_PASSWORD"
TIMEOUT = 120  # seconds to wait for a remote store's answer


class EndpointError(InputError):
    """A remote store that cannot be reached, refuses a request, or answers nonsense."""


def check_url(url: str) -> str:
    """An http(s) URL with a host and no credentials in it."""
    return check_http(
        url,
        "",
        "URL",
        well_formed=False,
        invalid="{value!r}: not an http:// or https:// URL",
        credentials="{bare}: put no credentials in the URL; "
        f"set {USER_VARIABLE} and {PASSWORD_VARIABLE} or use a netrc file",
    )


def check_iri(value: str, what: str = "graph name") -> str:
    """An absolute IRI of any scheme, checked by Oxigraph (so it can be written into SPARQL as a term)."""
    return check_http(value, what, any_scheme=True, invalid="{value!r}: not a valid {what} (an absolute IRI)")


shown = without_userinfo  # every message about a URL shows it through this, never with the password


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) for ``url``: from the environment, else from netrc, else None."""
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if user is not None or password is not None:
        if not user or password is None:
            raise InputError(f"set both {USER_VARIABLE} and {PASSWORD_VARIABLE}, or neither")
        return user, password
    path = os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(urlsplit(url).hostname or "")
    except (netrc.NetrcParseError, OSError, UnicodeDecodeError) as exc:
        # The message names the file and line, never the secrets themselves.
        raise InputError(f"{path}: cannot be read as a netrc file ({_netrc_problem(exc)})") from None
    if entry is None:
        return None
    login, _, password = entry
    return (login or "", password or "")


def _netrc_problem(exc: Exception) -> str:
    """What is wrong with a netrc file, without the token netrc quotes: it may be a password."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if not isinstance(exc, netrc.NetrcParseError):
        return getattr(exc, "strerror", None) or type(exc).__name__
    problem = re.sub(r"\s*'.*'\s*$", "", exc.msg, flags=re.S)
    return f"{problem} on line {exc.lineno}" if exc.lineno else problem


def http_error(
    url: str, status: int, reason: str, body: bytes | str = b"", login: tuple[str, str] | None = None, action: str = ""
) -> EndpointError:
    """One line for an HTTP error, with the first line of the store's own explanation.

    A store may echo the request back: the password, and the Basic credentials that carry
    it, are blanked out of the line.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    status_text = f"HTTP {status} {reason}".rstrip() if status else reason
    detail = explanation(text, status_text)
    if len(detail) > 200:
        detail = detail[:200] + "..."
    message = (
        f"{shown(url)} answered {status_text}"
        + (f" to the {action}" if action else "")
        + (f": {detail}" if detail else "")
    )
    if login is not None and login[1]:
        basic = base64.b64encode(f"{login[0]}:{login[1]}".encode()).decode("ascii")
        message = message.replace(basic, "***").replace(login[1], "***")
    return EndpointError(message)


_MARKUP = re.compile(r"\s*<(?:!doctype\b|html\b|\?xml\b|head\b|body\b|title\b)", re.IGNORECASE)


class _PageText(HTMLParser):
    """The title and the text of an HTML page, without its scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.texts: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self._open.append(tag)

    def handle_endtag(self, tag) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data) -> None:
        words = " ".join(data.split())
        if not words or {"script", "style"} & set(self._open):
            return
        (self.title if "title" in self._open else self.texts).append(words)


def explanation(text: str, status_text: str = "") -> str:
    """The store's reason for an error, in one line: the first line of a text answer; for an
    HTML error page, its title, or its first text when the title only repeats the status."""
    if not _MARKUP.match(text):
        return next((line.strip() for line in text.splitlines() if line.strip()), "")
    page = _PageText()
    page.feed(text)
    page.close()
    title = " ".join(page.title)

    def repeats(words: str) -> bool:  # says nothing the status line does not
        return not words.strip(" .:") or words.lower() in status_text.lower()

    if title and not repeats(title):
        return title
    return next((words for words in page.texts if not repeats(words) and words != title), title)


def unreachable(url: str, reason: object) -> EndpointError:
    reason = getattr(reason, "reason", reason)  # urllib wraps the socket error
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return EndpointError(f"{shown(url)} did not answer within {TIMEOUT} s")
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return EndpointError(f"cannot reach {shown(url)} ({text.lower() if text[:1].isupper() else text})")
