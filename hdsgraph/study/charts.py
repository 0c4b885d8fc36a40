"""Small SVG charts, written by hand: deterministic bytes, readable at a glance, accessible.

Each chart is a standalone ``<svg>`` with a ``<title>`` and a ``<desc>`` that states every
value in words, so that a screen reader (or a text search) gets what the eye gets. A bar
is the figure computed from the graph; a red mark is the figure the study published (a
band when it published a range).
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


def column_chart(chart_id: str, title: str, columns: list[Bar]) -> str:
    """Vertical columns, one per snapshot, with published counts as red marks."""
    column, gap, plot = 90, 40, 220
    left, top = 40, 60
    width = left * 2 + len(columns) * (column + gap)
    width = max(width, 460)
    height = top + plot + 70
    peak = max([c.value or 0 for c in columns] + [_high(c.published) for c in columns] + [1e-9]) * 1.1
    scale = plot / peak
    base = top + plot
    out = _head(chart_id, width, height, title, describe(columns))
    out.append(f"<line x1='{left}' y1='{base}' x2='{width - left}' y2='{base}' stroke='{MUTED}' stroke-width='1'/>")
    for i, col in enumerate(columns):
        x = left + gap / 2 + i * (column + gap)
        centre = x + column / 2
        label_y = base
        if col.value is not None:
            h = col.value * scale
            label_y = base - h
            out.append(
                f"<rect x='{_n(x)}' y='{_n(base - h)}' width='{column}' height='{_n(h)}' fill='{BAR}'>"
                f"<title>{escape(col.label)}: {escape(col.text)}</title></rect>"
            )
        if col.published is not None:
            low, high = col.published if isinstance(col.published, tuple) else (col.published, col.published)
            y_high, y_low = base - high * scale, base - low * scale
            tip = f"<title>{escape(col.label)}, published: {escape(col.published_text)}</title>"
            out.append(
                f"<rect x='{_n(x - 6)}' y='{_n(y_high - 2)}' width='{column + 12}' "
                f"height='{_n(max(y_low - y_high, 0) + 4)}' fill='{MARK}' "
                f"fill-opacity='{0.25 if low != high else 1}' stroke='{MARK}'>{tip}</rect>"
            )
            label_y = min(label_y, y_high)
        out.append(
            f"<text x='{_n(centre)}' y='{_n(label_y - 8)}' text-anchor='middle' {FONT} font-size='14' "
            f"font-weight='bold' fill='{INK}'>{escape(col.text)}</text>"
        )
        out.append(
            f"<text x='{_n(centre)}' y='{_n(base + 18)}' text-anchor='middle' {FONT} font-size='13' "
            f"fill='{INK}'>{escape(col.label)}</text>"
        )
        if col.published_text:
            out.append(
                f"<text x='{_n(centre)}' y='{_n(base + 34)}' text-anchor='middle' {FONT} font-size='11' "
                f"fill='{MARK}'>{escape(col.published_text)}</text>"
            )
    out += _legend(height - 8, left, any(c.published is not None for c in columns))
    out.append("</svg>")
    return "\n".join(out) + "\n"
