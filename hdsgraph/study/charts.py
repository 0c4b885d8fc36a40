"""Small SVG charts, written by hand: deterministic bytes, readable at a glance, accessible.

Each chart is a standalone ``<svg>`` with a ``<title>`` and a ``<desc>`` that states every
value in words, so that a screen reader (or a text search) gets what the eye gets. A bar
is the figure computed from the graph; a red mark is the figure the study published (a
band when it published a range); on the time chart, an orange mark is a figure another
source published, labelled with that source.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

BAR = "#2b6cb0"
MARK = "#c53030"
INK = "#1a202c"
MUTED = "#4a5568"
GRID = "#e2e8f0"
FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing computed (only a published figure)
    text: str  # the value as shown beside the bar
    published: float | tuple[float, float] | None = None
    published_text: str = ""


def _n(x: float) -> str:
    """Coordinates with one decimal: stable text, whatever the float noise."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _head(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
        f"role='img' aria-labelledby='{chart_id}-title {chart_id}-desc'>",
        f"<title id='{chart_id}-title'>{escape(title)}</title>",
        f"<desc id='{chart_id}-desc'>{escape(description)}</desc>",
        f"<rect width='{width}' height='{height}' fill='#ffffff'/>",
        f"<text x='12' y='24' {FONT} font-size='16' font-weight='bold' fill='{INK}'>{escape(title)}</text>",
    ]


def _legend(y: float, x: float, has_published: bool) -> list[str]:
    parts = [
        f"<rect x='{_n(x)}' y='{_n(y - 10)}' width='14' height='12' fill='{BAR}'/>",
        f"<text x='{_n(x + 20)}' y='{_n(y)}' {FONT} font-size='12' fill='{MUTED}'>this graph</text>",
    ]
    if has_published:
        parts += [
            f"<rect x='{_n(x + 110)}' y='{_n(y - 12)}' width='4' height='16' fill='{MARK}'/>",
            f"<text x='{_n(x + 122)}' y='{_n(y)}' {FONT} font-size='12' fill='{MUTED}'>published by the study</text>",
        ]
    return parts


def describe(bars: list[Bar]) -> str:
    parts = []
    for bar in bars:
        text = f"{bar.label}: {bar.text or 'none'}"
        if bar.published_text:
            text += f" (study: {bar.published_text})"
        parts.append(text)
    return "; ".join(parts) + "."


def bar_chart(chart_id: str, title: str, bars: list[Bar], maximum: float | None = None) -> str:
    """Horizontal bars, one per label, with the published figure as a red mark."""
    # labels get the room their longest needs (about 7.5 px a character at 13 px)
    label_width = int(min(max([len(b.label) for b in bars] + [8]) * 7.5 + 20, 400))
    bar_width, row = 300, 30
    width = label_width + bar_width + 200
    top = 44
    height = top + row * len(bars) + 40
    peak = maximum or max([b.value or 0 for b in bars] + [_high(b.published) for b in bars] + [1e-9])
    scale = bar_width / peak
    out = _head(chart_id, width, height, title, describe(bars))
    out.append(
        f"<line x1='{label_width}' y1='{top - 4}' x2='{label_width}' y2='{_n(top + row * len(bars))}' "
        f"stroke='{GRID}' stroke-width='1'/>"
    )
    for i, bar in enumerate(bars):
        y = top + i * row
        out.append(
            f"<text x='{label_width - 8}' y='{_n(y + 19)}' text-anchor='end' {FONT} font-size='13' "
            f"fill='{INK}'>{escape(bar.label)}</text>"
        )
        length = (bar.value or 0) * scale
        if bar.value is not None:
            out.append(
                f"<rect x='{label_width}' y='{_n(y + 6)}' width='{_n(length)}' height='18' fill='{BAR}'>"
                f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
            )
        end = max(length, _high(bar.published) * scale)
        out += _published_mark(bar, label_width, y, scale)
        shown = f"<tspan font-weight='bold'>{escape(bar.text)}</tspan>"
        if bar.published_text:
            shown += f"<tspan fill='{MARK}'>  study: {escape(bar.published_text)}</tspan>"
        out.append(
            f"<text x='{_n(label_width + end + 8)}' y='{_n(y + 19)}' {FONT} font-size='13' fill='{INK}' "
            f"xml:space='preserve'>{shown}</text>"
        )
    out += _legend(height - 14, label_width, any(b.published is not None for b in bars))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _high(published) -> float:
    if published is None:
        return 0.0
    return published[1] if isinstance(published, tuple) else published


def _published_mark(bar: Bar, x0: float, y: float, scale: float) -> list[str]:
    if bar.published is None:
        return []
    tip = f"<title>{escape(bar.label)}, published by the study: {escape(bar.published_text)}</title>"
    if isinstance(bar.published, tuple):
        low, high = bar.published
        return [
            f"<rect x='{_n(x0 + low * scale)}' y='{_n(y + 2)}' width='{_n(max((high - low) * scale, 3))}' "
            f"height='26' fill='{MARK}' fill-opacity='0.25' stroke='{MARK}' stroke-width='1.5'>{tip}</rect>"
        ]
    return [
        f"<rect x='{_n(x0 + bar.published * scale - 2)}' y='{_n(y + 2)}' width='4' height='26' "
        f"fill='{MARK}'>{tip}</rect>"
    ]


OTHER = "#dd6b20"  # a figure from another source than the study


@dataclass(frozen=True)
class Point:
    """One figure on a time axis: counted in this graph, published by the study, or by
    another source (named in ``source``)."""

    when: str  # YYYY-MM or YYYY-MM-DD
    value: float | tuple[float, float]  # a range when the figure is a reading of a text
    text: str
    kind: str  # "graph", "study" or "other"
    source: str = ""


KIND_TEXT = {"graph": "this graph", "study": "published by the study", "other": "published by another source"}


def _years(when: str) -> float:
    """A date as a number of years, for a time axis: 2020-07 is about 2020.5."""
    import datetime

    parts = [int(p) for p in when.split("-")] + [1, 1]
    day = datetime.date(parts[0], parts[1], parts[2])
    start = datetime.date(day.year, 1, 1)
    length = (datetime.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def _step(peak: float) -> float:
    """A round step for about five ticks up to ``peak``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 6:
            return step
    return 10 ** len(str(int(peak)))


def time_chart(chart_id: str, title: str, points: list[Point], unit: str = "hosts") -> str:
    """Figures over time: dates spaced by time on the x axis, a y scale with its ticks, this
    graph's counts joined by a line, published figures as marks labelled with their source,
    and a legend for every kind of mark shown."""
    left, right, top, plot_w, plot_h = 64, 24, 52, 560, 240
    width, height = left + plot_w + right, top + plot_h + 100
    years = [_years(p.when) for p in points] or [2020.0]
    first, last = int(min(years)), int(max(years)) + 1
    peak = max([_high(p.value) for p in points] + [1.0])
    step = _step(peak)
    ceiling = step * (int(peak / step) + 1)

    def x(when: str) -> float:
        return left + (_years(when) - first) / (last - first) * plot_w

    def y(value: float) -> float:
        return top + plot_h - value / ceiling * plot_h

    words = [f"{p.when}: {p.text} ({p.source or KIND_TEXT[p.kind]})" for p in points]
    out = _head(chart_id, width, height, title, "; ".join(words) + ".")
    base = top + plot_h
    tick = 0.0
    while tick <= ceiling:
        out.append(
            f"<line x1='{left}' y1='{_n(y(tick))}' x2='{left + plot_w}' y2='{_n(y(tick))}' "
            f"stroke='{GRID}' stroke-width='1'/>"
        )
        out.append(
            f"<text x='{left - 8}' y='{_n(y(tick) + 4)}' text-anchor='end' {FONT} font-size='12' "
            f"fill='{MUTED}'>{tick:g}</text>"
        )
        tick += step
    out.append(
        f"<text x='14' y='{_n(top + plot_h / 2)}' transform='rotate(-90 14 {_n(top + plot_h / 2)})' "
        f"text-anchor='middle' {FONT} font-size='12' fill='{MUTED}'>{escape(unit)}</text>"
    )
    out.append(f"<line x1='{left}' y1='{base}' x2='{left + plot_w}' y2='{base}' stroke='{MUTED}' stroke-width='1'/>")
    out.append(f"<line x1='{left}' y1='{top}' x2='{left}' y2='{base}' stroke='{MUTED}' stroke-width='1'/>")
    for year in range(first, last + 1):
        xy = left + (year - first) / (last - first) * plot_w
        out.append(f"<line x1='{_n(xy)}' y1='{base}' x2='{_n(xy)}' y2='{base + 5}' stroke='{MUTED}' stroke-width='1'/>")
        out.append(
            f"<text x='{_n(xy)}' y='{base + 20}' text-anchor='middle' {FONT} font-size='12' "
            f"fill='{MUTED}'>{year}</text>"
        )
    graph = sorted((p for p in points if p.kind == "graph"), key=lambda p: _years(p.when))
    if len(graph) > 1:
        path = " ".join(f"{_n(x(p.when))},{_n(y(_high(p.value)))}" for p in graph)
        out.append(f"<polyline points='{path}' fill='none' stroke='{BAR}' stroke-width='2'/>")
    for p in sorted(points, key=lambda p: (_years(p.when), p.kind)):
        cx = x(p.when)
        tip = f"<title>{escape(p.when)}: {escape(p.text)} ({escape(p.source or KIND_TEXT[p.kind])})</title>"
        label = p.text if p.kind == "graph" else f"{p.text} ({p.source})" if p.source else p.text
        if p.kind == "graph":
            cy = y(_high(p.value))
            out.append(f"<circle cx='{_n(cx)}' cy='{_n(cy)}' r='5' fill='{BAR}'>{tip}</circle>")
            colour, dy = INK, -10
        elif isinstance(p.value, tuple):
            low, high = p.value
            cy = y(high)
            out.append(
                f"<rect x='{_n(cx - 7)}' y='{_n(y(high))}' width='14' height='{_n(max(y(low) - y(high), 3))}' "
                f"fill='{MARK}' fill-opacity='0.25' stroke='{MARK}'>{tip}</rect>"
            )
            colour, dy = MARK, y(low) - y(high) + 16
        else:
            cy = y(p.value)
            colour = MARK if p.kind == "study" else OTHER
            out.append(
                f"<rect x='{_n(cx - 5)}' y='{_n(cy - 5)}' width='10' height='10' fill='{colour}' "
                f"transform='rotate(45 {_n(cx)} {_n(cy)})'>{tip}</rect>"
            )
            dy = 20
        anchor, tx = "middle", cx
        if p.kind == "other":  # beside its mark, towards the middle of the chart
            anchor, tx, dy = ("end", cx - 10, 4) if cx > left + plot_w / 2 else ("start", cx + 10, 4)
        out.append(
            f"<text x='{_n(tx)}' y='{_n(cy + dy)}' text-anchor='{anchor}' {FONT} font-size='11' "
            f"fill='{colour}'>{escape(label)}</text>"
        )
    lx, ly = float(left), base + 52.0
    shown = {p.kind if not (p.kind == "study" and isinstance(p.value, tuple)) else "range" for p in points}
    for kind in ("graph", "study", "range", "other"):
        if kind not in shown:
            continue
        text = {
            "range": "a range read from the study's text",
            "other": KIND_TEXT["other"] + " (named beside each mark)",
        }
        text_shown = text.get(kind, KIND_TEXT.get(kind, ""))
        if lx > left and lx + 18 + len(text_shown) * 7 > width:  # no room left on this row: the next one
            lx, ly = float(left), ly + 20
        if kind == "graph":
            out.append(f"<circle cx='{_n(lx + 6)}' cy='{_n(ly - 4)}' r='5' fill='{BAR}'/>")
        elif kind == "range":
            out.append(
                f"<rect x='{_n(lx)}' y='{_n(ly - 12)}' width='12' height='14' fill='{MARK}' fill-opacity='0.25' "
                f"stroke='{MARK}'/>"
            )
        else:
            colour = MARK if kind == "study" else OTHER
            out.append(
                f"<rect x='{_n(lx + 1)}' y='{_n(ly - 9)}' width='10' height='10' fill='{colour}' "
                f"transform='rotate(45 {_n(lx + 6)} {_n(ly - 4)})'/>"
            )
        out.append(f"<text x='{_n(lx + 18)}' y='{_n(ly)}' {FONT} font-size='12' fill='{MUTED}'>{text_shown}</text>")
        lx += 18 + len(text_shown) * 7 + 24
    out.append("</svg>")
    return "\n".join(out) + "\n"
