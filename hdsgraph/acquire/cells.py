"""Liberal readers for registry cells as people write them: activities, dates, SIRENs, marks.

Each reader takes any text and returns a ``Reading``: a value, or the reason the cell
cannot be used. None raises, whatever the cell holds, so an import can quarantine a row
with the reason instead of stopping. The words they know (French months, activity
phrases, marks) are in ``data/cell-words.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Generic, TypeVar

import yaml

from hdsgraph.pipeline.read import YEARS
from hdsgraph.resources import data_file

T = TypeVar("T")

ACTIVITIES = frozenset(range(1, 7))
EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0, counting its fictitious 29 February 1900
EXCEL_SERIALS = range(25569, 73051)  # 1970-01-01 to 2099-12-31: a number outside is no date


@dataclass(frozen=True)
class Reading(Generic[T]):
    """What a reader made of a cell: ``value``, or ``problem`` saying why there is none."""

    value: T | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def fold(text: str) -> str:
    """Lower case, no accents, typographic variants made plain: what the word lists compare."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")


@dataclass(frozen=True)
class Words:
    months: dict[str, int]
    day_suffixes: tuple[str, ...]
    activity_phrases: tuple[tuple[str, frozenset[int]], ...]  # longest first
    activity_names: tuple[tuple[str, int], ...]  # phrases naming one activity, longest first
    name_fillers: frozenset[str]
    fillers: frozenset[str]
    range_words: frozenset[str]
    list_words: frozenset[str]
    marks_yes: frozenset[str]
    marks_no: frozenset[str]
    note_starts: tuple[str, ...]
    referentials: dict[str, str]  # what is left of a cell once fillers are set aside -> version
    referential_fillers: frozenset[str]
    certificate_types: tuple[tuple[str, str], ...]  # phrase -> type code, longest first
    certificate_type_fillers: frozenset[str]


@lru_cache(maxsize=1)
def words() -> Words:
    raw = yaml.safe_load(data_file("cell-words.yaml").read_text(encoding="utf-8"))
    months = {fold(name): int(number) for number, names in raw["months"].items() for name in names}
    phrases = sorted(((fold(p), frozenset(a)) for p, a in raw["activity_phrases"].items()), key=lambda p: -len(p[0]))
    return Words(
        months=months,
        day_suffixes=tuple(fold(s) for s in raw["day_suffixes"]),
        activity_phrases=tuple(phrases),
        activity_names=tuple(
            sorted(
                ((fold(p), int(n)) for n, names in raw["activity_names"].items() for p in names),
                key=lambda p: -len(p[0]),
            )
        ),
        name_fillers=frozenset(fold(w) for w in raw["activity_name_fillers"]),
        fillers=frozenset(fold(w) for w in raw["activity_fillers"]),
        range_words=frozenset(fold(w) for w in raw["range_words"]),
        list_words=frozenset(fold(w) for w in raw["list_words"]),
        marks_yes=frozenset(fold(str(m)) for m in raw["marks_yes"]),
        marks_no=frozenset(fold(str(m)) for m in raw["marks_no"]),
        note_starts=tuple(fold(n) for n in raw["note_starts"]),
        referentials={fold(str(w)): version for version, ws in raw["referentials"].items() for w in ws},
        referential_fillers=frozenset(fold(w) for w in raw["referential_fillers"]),
        certificate_types=tuple(
            sorted(
                ((fold(p), code) for code, phrases in raw["certificate_types"].items() for p in phrases),
                key=lambda p: -len(p[0]),
            )
        ),
        certificate_type_fillers=frozenset(fold(w) for w in raw["certificate_type_fillers"]),
    )


def shown(text: str, limit: int = 60) -> str:
    """A cell as quoted in a reason: one line, not too long."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# ---------------------------------------------------------------- activities

_TOKEN = re.compile(r"\d+|[a-z]+|[^\sa-z\d]")
_SEPARATORS = set(",;/|+&.\n")
_RANGE_MARKS = {"-"}
_IGNORED = set("()[]{}:°'\"*")


def read_activities(cell: str) -> Reading[tuple[int, ...]]:
    """``"1, 2, 3"``, ``"1 à 6"``, ``"Activités 1 à 4 et 6"``, ``"toutes les activités"``,
    ``"Hébergeur infogéreur (3 à 6)"``, one number per line... -> sorted activity numbers."""
    text = fold(cell).replace("'", " ").strip()
    if not text:
        return Reading(problem="no activity")
    by_name, text, problem = _by_name(text)
    if problem:
        return Reading(problem=f"unreadable activities {shown(cell)}: {problem}")
    named: set[int] = set()
    for phrase, activities in words().activity_phrases:
        pattern = r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])"
        if re.search(pattern, text):
            named |= activities
            text = re.sub(pattern, " ", text)
    numbers, problem = _numbers(text)
    if problem:
        numbers = _described(text)
        if not numbers:
            return Reading(problem=f"unreadable activities {shown(cell)}: {problem}")
    if numbers and named and not numbers <= named:
        return Reading(
            problem=f"activities {shown(cell)} name a certificate type that does not cover "
            f"activit{'ies' if len(numbers - named) > 1 else 'y'} "
            f"{', '.join(map(str, sorted(numbers - named)))}"
        )
    found = (numbers or named) | by_name
    if not found:
        return Reading(problem=f"no activity in {shown(cell)}")
    outside = sorted(n for n in found if n not in ACTIVITIES)
    if outside:
        return Reading(problem=f"activity {outside[0]} is not one of the six HDS activities (1-6)")
    return Reading(tuple(sorted(found)))


_PHRASE_EDGE = r"(?<![a-z0-9])%s(?![a-z0-9])"
_ITEM_SEPARATORS = re.compile(r"([\n;,|/•])")


def _by_name(text: str) -> tuple[set[int], str, str | None]:
    """The activities named in words ("infrastructure virtuelle" -> 3, "plateforme
    d'hébergement d'applications" -> 4), read by meaning: in an item of the list that names
    one, a number is only its label in the source, which may follow another numbering, and
    is not read. Returns the activities, the text left for the other readers, and a problem."""
    vocabulary = words()
    found: set[int] = set()
    kept: list[str] = []
    for item in _ITEM_SEPARATORS.split(text):
        named: set[int] = set()
        for phrase, number in vocabulary.activity_names:
            pattern = _PHRASE_EDGE % re.escape(phrase)
            if re.search(pattern, item):
                named.add(number)
                item = re.sub(pattern, " ", item)
        if not named:
            kept.append(item)
            continue
        labels = [token for token in _TOKEN.findall(item) if token.isdigit()]
        others = [
            token
            for token in _TOKEN.findall(item)
            if not token.isdigit()
            and token not in _IGNORED
            and token not in _RANGE_MARKS
            and token not in ".)"
            and token not in vocabulary.fillers
            and token not in vocabulary.name_fillers
        ]
        if len(labels) > 1 or others:
            extra = others[0] if others else " and ".join(labels)
            return set(), text, f"{extra!r} stands beside an activity written in words"
        found |= named
        kept.append(" ")
    return found, "".join(kept), None


def activity_named(text: str) -> int | None:
    """The one activity a header names in words ("Activité 3 – plateforme d'hébergement
    d'applications" -> 4, whatever number it gives), or None."""
    found, _, problem = _by_name(fold(text).replace("'", " "))
    return next(iter(found)) if len(found) == 1 and not problem else None


def _numbers(text: str) -> tuple[set[int], str | None]:
    """The activity numbers of what is left once phrases are gone: numbers, ranges, lists."""
    vocabulary = words()
    numbers: set[int] = set()
    pending: int | None = None  # the start of a range, once its range word is seen
    last: int | None = None
    for token in _TOKEN.findall(text):
        if token.isdigit():
            if len(token) > 3:
                return set(), f"{token} is not an activity number"
            value = int(token)
            if pending is not None:
                if value < pending:
                    return set(), f"the range {pending} to {value} goes backwards"
                numbers.update(range(pending, value + 1))
                pending = None
            else:
                numbers.add(value)
            last = value
        elif token in _RANGE_MARKS or token in vocabulary.range_words:
            if last is None or pending is not None:
                return set(), "a range with no start"
            numbers.discard(last)
            pending, last = last, None
        elif token in _SEPARATORS or token in vocabulary.list_words:
            if pending is not None:
                return set(), "a range with no end"
            last = None
        elif token in _IGNORED or token in vocabulary.fillers:
            continue
        else:
            return set(), f"{token!r} is neither an activity number nor a known phrase"
    if pending is not None:
        return set(), "a range with no end"
    return numbers, None


_DESCRIBED = re.compile(r"^\W*(?:activites?\s*)?(?:n\W*)?(\d)\s*[-:.)]\s*[a-z][^\d]*$")


def _described(text: str) -> set[int]:
    """Activities listed one per line with their description: "3 - hébergement de la
    plateforme..." -> {3}; an empty set unless every line reads so."""
    lines = [line for line in text.splitlines() if line.strip()]
    matches = [_DESCRIBED.match(line.strip()) for line in lines]
    if not lines or not all(matches):
        return set()
    return {int(m[1]) for m in matches}


def read_mark(cell: str) -> Reading[bool]:
    """A cell of a one-column-per-activity layout: ``X``, ``oui``, ``✓`` -> True; empty, ``non`` -> False."""
    text = " ".join(re.sub(r"[^\w✓✔☑✅●•+\-–—✗✘☐❌/]", " ", fold(cell)).split())
    if text in words().marks_yes:
        return Reading(True)
    if text in words().marks_no:
        return Reading(False)
    return Reading(problem=f"unreadable mark {shown(cell)}: expected X, oui, ✓ or an empty cell")


def is_note(cell: str) -> bool:
    """Whether a cell reads as a note under a table ("* Liste mise à jour le ...")."""
    text = fold(cell).strip()
    return any(
        text.startswith(start) and (not start[-1].isalnum() or text[len(start) :][:1] in ("", " ", ":", ","))
        for start in words().note_starts
    )


# ---------------------------------------------------------------- certificates


def read_referential(cell: str) -> Reading[str]:
    """``HDS v2``, ``HDS 2.0``, ``référentiel 2024``, ``V1.1`` -> ``2.0`` or ``1.1``; empty -> no value."""
    vocabulary = words()
    tokens = re.findall(r"\d+(?:[.,]\d+)?|[a-z]+", fold(cell))
    kept = [token.replace(",", ".") for token in tokens if token not in vocabulary.referential_fillers]
    if not tokens:
        return Reading()
    version = vocabulary.referentials.get(" ".join(kept))
    if version is None:
        known = " or ".join(sorted(set(vocabulary.referentials.values())))
        return Reading(problem=f"unreadable referential {shown(cell)}: expected {known}")
    return Reading(version)


def read_certificate_types(cell: str) -> Reading[str]:
    """``Hébergeur infogéreur`` -> ``managed_services_host``; a cell naming both types -> both,
    separated by ``;``; empty -> no value."""
    vocabulary = words()
    text = fold(cell).replace("'", " ").replace("_", " ")
    if not text.strip():
        return Reading()
    codes: set[str] = set()
    for phrase, code in vocabulary.certificate_types:
        pattern = _PHRASE_EDGE % re.escape(phrase.replace("_", " "))
        if re.search(pattern, text):
            codes.add(code)
            text = re.sub(pattern, " ", text)
    rest = [t for t in _TOKEN.findall(text) if t not in vocabulary.certificate_type_fillers and t not in _IGNORED]
    rest = [t for t in rest if t not in _SEPARATORS]
    if not codes or rest:
        return Reading(
            problem=f"unreadable certificate type {shown(cell)}: expected a physical-infrastructure host "
            "or a managed-services host (infogéreur)"
        )
    return Reading(";".join(sorted(codes)))


# ---------------------------------------------------------------- dates

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_WORDED = (  # "12 mars 2021", "1er avril 2022"; "March 12th, 2021"
    re.compile(r"^(?P<day>\d{1,2})\s*(?P<suffix>[a-z]*)\.?\s+(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{4})$"),
    re.compile(r"^(?P<month>[a-z]+)\.?\s+(?P<day>\d{1,2})(?P<suffix>[a-z]*),?\s+(?P<year>\d{4})$"),
)
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")


def read_date(cell: str) -> Reading[str]:
    """``2021-03-12``, ``12/03/2021``, ``12-03-2021``, ``12 mars 2021``, ``1er avril 2022``,
    an Excel serial number... -> ``YYYY-MM-DD``; an empty cell -> no value and no problem."""
    text = " ".join(fold(cell).split())
    if not text:
        return Reading()
    if (match := _NUMERIC.match(text)) and len(match[4]) == 2:  # 31/12/99: 1999 or 2099? never guessed
        return Reading(problem=f"two-digit year in the date {shown(cell)}: write the year in full")
    parts = _date_parts(text)
    if parts is None:
        return Reading(problem=f"unreadable date {shown(cell)}: expected a day, a month and a year")
    if isinstance(parts, date):
        return Reading(parts.isoformat())
    year, month, day = parts
    if year not in YEARS:
        return Reading(problem=f"date {shown(cell)}: the year is not between {YEARS[0]} and {YEARS[-1]}")
    try:
        return Reading(date(year, month, day).isoformat())
    except ValueError:
        return Reading(problem=f"no such date {shown(cell)}")


def _date_parts(text: str) -> tuple[int, int, int] | date | None:
    if match := _ISO.match(text):
        return int(match[1]), int(match[2]), int(match[3])
    if match := _NUMERIC.match(text):
        return int(match[4]), int(match[3]), int(match[1])  # French order: day first
    vocabulary = words()
    for worded in _WORDED:
        if match := worded.match(text):
            suffix, month = match["suffix"], vocabulary.months.get(match["month"])
            if month and (not suffix or suffix in vocabulary.day_suffixes):
                return int(match["year"]), month, int(match["day"])
            return None
    if (match := _SERIAL.match(text)) and int(match[1]) in EXCEL_SERIALS:
        return EXCEL_EPOCH + timedelta(days=int(match[1]))
    return None


# ---------------------------------------------------------------- footnote marks

_MARKS = re.compile(r"[\u00b9\u00b2\u00b3\u2070-\u2079*\u2020\u2021\u00a7]+")
_NAME_FOOTNOTE = re.compile(r"\s*\((?:\d{1,2}|\*+|[a-z])\)\s*$")


def without_marks(cell: str, name: bool = False) -> str:
    """A cell without its footnote marks (``*``, ``†``, superscript digits): "Alpha SAS*",
    "1 à 6²" -> "Alpha SAS", "1 à 6"; a name also loses a final "(1)" or "(*)"."""
    text = _MARKS.sub(" ", cell)
    if name:
        text = _NAME_FOOTNOTE.sub("", text)
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


# ---------------------------------------------------------------- SIREN


def read_siren(cell: str) -> Reading[str]:
    """A SIREN, or a SIRET whose first nine digits are the SIREN; spaces and dots ignored."""
    text = re.sub(r"[\s.\-\u00a0\u202f]", "", cell)
    if not text:
        return Reading()
    if re.fullmatch(r"\d{9}", text):
        return Reading(text)
    if re.fullmatch(r"\d{14}", text):
        return Reading(text[:9])
    return Reading(problem=f"malformed SIREN {shown(cell)}: expected 9 digits (or a 14-digit SIRET)")
