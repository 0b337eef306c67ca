"""The re-check schedule: how often an archived article is fetched again, by its age.

The one definition of the tiers; the crawler's ``RECHECK_TIERS`` Scrapy setting is derived
from it (in seconds, the unit a ``-s`` override is written in) and read back with
:func:`tiers_from_seconds`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

RecheckTiers = Sequence[tuple[timedelta, timedelta]]
"""(published within, checked at most every) pairs, first match wins."""

RECHECK_TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=2), timedelta(hours=1)),
    (timedelta(days=14), timedelta(days=1)),
)
"""Default re-check schedule: (published within, checked at most every)."""


def tiers_in_seconds(tiers: RecheckTiers = RECHECK_TIERS) -> list[tuple[int, int]]:
    """``tiers`` as (seconds, seconds) pairs, the form of the Scrapy setting."""
    return [(int(age.total_seconds()), int(every.total_seconds())) for age, every in tiers]


def tiers_from_seconds(pairs: Iterable[Sequence[float]]) -> list[tuple[timedelta, timedelta]]:
    """(seconds, seconds) pairs, as the Scrapy setting holds them, as tiers."""
    return [(timedelta(seconds=age), timedelta(seconds=every)) for age, every in pairs]
