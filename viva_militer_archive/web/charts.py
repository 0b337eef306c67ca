"""Bar charts as geometry for server-rendered inline SVG (no script, no style attribute: the
template draws ``<rect>`` elements whose look comes from the style sheet)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 160
AXIS_MARGIN = 44
"""Room left of the plot area (SVG units) for the value axis' labels."""
MAX_TICKS = 4
"""At most this many values marked on the value axis (0 included)."""
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
class Tick:
    """A value marked on the value axis: its height in SVG units and its label."""

    y: float
    label: str


def figure(value: float) -> str:
    """A value for people, rounded to what a chart can show: ``0.8``, ``12``, ``1,234``."""
    magnitude = abs(value)
    if magnitude >= 10 or value == int(value):
        return f"{round(value):,}"
    if magnitude >= 0.1:
        return f"{value:.1f}"
    return f"{value:.2g}"


def tick_step(peak: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving at most :data:`MAX_TICKS` ticks
    from 0 up to ``peak``."""
    rough = peak / (MAX_TICKS - 1)
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


@dataclass(frozen=True, slots=True)
class BarChart:
    """A chart of bars over a plot area of ``width`` × ``height`` (labels drawn below it)."""

    title: str
    unit: str
    bars: list[Bar]
    peak: float
    width: int = WIDTH
    height: int = HEIGHT
    margin: int = AXIS_MARGIN

    @property
    def peak_label(self) -> str:
        """The largest value with its unit: ``0.8 s``."""
        return self.with_unit(self.peak)

    def with_unit(self, value: float) -> str:
        """``value`` rounded, then its unit after a space (``0.8 s``; no unit: ``12``)."""
        return f"{figure(value)} {self.unit}".rstrip()

    @property
    def ticks(self) -> list[Tick]:
        """Round values from 0 to the peak, where the value axis marks them."""
        if self.peak <= 0:
            return []
        step = tick_step(self.peak)
        count = int(self.peak / step + 1e-9)
        return [
            Tick(round(self.height * (1 - n * step / self.peak), 2), self.with_unit(n * step))
            for n in range(count + 1)
        ]

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
