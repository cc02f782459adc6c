"""A small trend line drawn on the server as an SVG image (the rounds cards' CIWA-B and load
tiles).

Mantine's Sparkline drew the same line but needed its charts bundle (recharts, 93 kB
compressed), fetched only once a card was on screen: one more round trip before rounds was
complete on a ward network. An image is display-only, costs a few hundred bytes, and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from dash import html

PAD = 2.0  # room for the stroke at the top and bottom edges


def points(values: Sequence[float], width: float, height: float) -> list[tuple[float, float]]:
    """Each value's place in a ``width`` x ``height`` box: first at the left edge, last at the
    right, the lowest at the bottom and the highest at the top (a flat series in the middle)."""
    if not values:
        return []
    low, high = min(values), max(values)
    span = high - low
    step = width / (len(values) - 1) if len(values) > 1 else 0.0
    inner = height - 2 * PAD
    out = []
    for i, value in enumerate(values):
        y = height / 2 if span == 0 else PAD + inner * (high - value) / span
        out.append((round(i * step, 1), round(y, 1)))
    return out


def svg(values: Sequence[float], *, color: str, width: int, height: int) -> str:
    """The line and the faint area under it, as SVG text."""
    line = " ".join(f"{x:g},{y:g}" for x, y in points(values, width, height))
    area = f"0,{height} {line} {width},{height}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f'<polygon points="{area}" fill="{color}" fill-opacity="0.1" stroke="none"/>'
        f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="1.5" '
        'stroke-linejoin="round" stroke-linecap="round"/></svg>'
    )


def sparkline(
    values: Sequence[float], *, color: str, label: str, width: int = 170, height: int = 36
) -> html.Img:
    """The trend of ``values`` (oldest first) as an image; ``label`` says in words what it
    shows, for a screen reader and on hover."""
    return html.Img(
        src="data:image/svg+xml," + quote(svg(values, color=color, width=width, height=height)),
        alt=label,
        title=label,
        width=str(width),
        height=str(height),
        className="tw-sparkline",
    )
