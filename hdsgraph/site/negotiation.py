"""Content negotiation rules of the static site, shared by its Apache and nginx configurations.

Both servers work out, from the ``Accept`` header, a quality in tenths (0 to 10) for each
kind of page: HTML (``text/html``, ``application/xhtml+xml``, else the wildcards ``text/*``
and ``*/*``), Turtle and JSON-LD; a client that asks for nothing gets HTML. Turtle is
served when its quality is above HTML's and not below JSON-LD's, JSON-LD when above both,
HTML otherwise. So ``text/html, text/turtle;q=0.1`` gets HTML and ``text/turtle`` gets
Turtle. Qualities are compared to the tenth (0.55 counts as 0.5).

A media type's quality is 10 when it is listed without ``q`` (or with ``q=1``), else the
first decimal of its ``q``. The patterns are PCRE, which both servers use, matched without
regard to case.
"""

from __future__ import annotations


def _full(media: str) -> str:
    """``media`` listed with no q parameter, or q=1."""
    return rf"(?:^|,)\s*{media}\s*(?:;\s*(?!q=)[^,;]*|;\s*q=1(?:\.0*)?\s*)*(?:,|$)"


def _tenths(media: str) -> str:
    """``media`` listed with q=0.N: the first capture is N."""
    return rf"(?:^|,)\s*{media}\s*(?:;[^,]*)?;\s*q=0?\.(\d)"


HTML = r"(?:text/html|application/xhtml\+xml)"
ANY = r"(?:text/\*|\*/\*)"
TURTLE = r"(?:text/turtle|application/x-turtle)"
JSONLD = r"application/ld\+json"

# For each kind, (pattern, quality) pairs: the later a pattern in a list, the more it counts
# (Apache runs them all, the last match wins); nginx reads the list from the end (its
# first match wins). "$1" is the pattern's capture. A listed HTML type counts before a wildcard.
QUALITIES = {
    "html": [(_tenths(ANY), "$1"), (_full(ANY), "10"), (_tenths(HTML), "$1"), (_full(HTML), "10")],
    "turtle": [(_tenths(TURTLE), "$1"), (_full(TURTLE), "10")],
    "jsonld": [(_tenths(JSONLD), "$1"), (_full(JSONLD), "10")],
}
