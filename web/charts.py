"""Bar charts as geometry for server-rendered inline SVG (no script, no style attribute: the
template draws ``<rect>`` elements whose look comes from the style sheet)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 160
MAX_SLOT = 90
"""Widest slot of one bar: a handful of bars stay bars, not slabs."""
LABELLED_BARS = 12
"""Up to this many bars each get their label under them; more get the first and last only."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its box in SVG units and what it stands for."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """A chart of bars over a plot area of ``width`` × ``height`` (labels drawn below it)."""

    title: str
    unit: str
    bars: list[Bar]
    peak: float
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def labelled(self) -> list[Bar]:
        """The bars whose label is printed under the chart."""
        if len(self.bars) <= LABELLED_BARS:
            return self.bars
        return [self.bars[0], self.bars[-1]]


def bar_chart(title: str, points: Sequence[tuple[str, float]], *, unit: str = "") -> BarChart:
    """Bars for ``(label, value)`` points, left to right, scaled to the largest value."""
    peak = max((value for _, value in points), default=0.0) or 1.0
    slot = min(WIDTH / max(len(points), 1), MAX_SLOT)
    gap = min(slot * 0.2, 4.0)
    bars = []
    for index, (label, value) in enumerate(points):
        height = HEIGHT * max(value, 0.0) / peak
        bars.append(
            Bar(
                x=round(index * slot + gap / 2, 2),
                y=round(HEIGHT - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
                label=label,
                value=value,
            )
        )
    return BarChart(title, unit, bars, peak if points else 0.0)
