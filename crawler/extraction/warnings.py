"""Extraction warnings: which field came from a fallback source, which was not found.

A warning is ``"<kind>:<field>"`` or ``"<kind>:<field>:<detail>"`` with kind ``missing`` or
``fallback`` (see :data:`EXTRACT_WARNING_KINDS`); the crawler counts each as the stats key
``extract/<kind>/<field>`` (:func:`warning_stat_key`), so template drift shows up in numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from viva_militer_archive.crawl_stats.keys import extract_warning_key

T = TypeVar("T")

EXTRACT_WARNING_KINDS: tuple[str, ...] = ("missing", "fallback")
"""``missing``: no source had the field. ``fallback``: found only by a later source (the detail
names it: ``jsonld``, ``meta``, ``dom``, ``og``)."""


def warning_stat_key(warning: str) -> str:
    """Stats key of a warning: ``fallback:title:dom`` -> ``extract/fallback/title``."""
    kind, _, rest = warning.partition(":")
    return extract_warning_key(kind, rest.partition(":")[0])


class FieldLog:
    """Picks each field from its sources in order and records how it was found."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def pick(
        self,
        field: str,
        sources: Sequence[tuple[str, Callable[[], T | None]]],
        *,
        required: bool = True,
    ) -> T | None:
        """First truthy value among ``sources`` (name, getter); warns on fallback or absence."""
        for index, (name, getter) in enumerate(sources):
            value = getter()
            if value:
                if index:
                    self.warnings.append(f"fallback:{field}:{name}")
                return value
        if required:
            self.warnings.append(f"missing:{field}")
        return None
