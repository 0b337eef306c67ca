"""Splitting long id lists into pieces every statement of both databases can take."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

CHUNK = 500
"""Ids per ``IN (...)`` list: far below both databases' bound-parameter limits."""


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Consecutive slices of ``values`` of at most ``size`` elements."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
