"""Dropping an item or page with a reason that is logged once and counted in the stats."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.statscollectors import StatsCollector

from viva_militer_archive.crawl_stats.keys import dropped_key

log = logging.getLogger(__name__)


def count_drop(
    stats: StatsCollector | None, reason: str, url: str, *, detail: str | None = None
) -> None:
    """Log and count a dropped page or item; ``detail`` goes to the log only, so the counted
    reason stays one key however the values vary."""
    log.warning("Dropped %s: %s%s", url, reason, f" ({detail})" if detail else "")
    if stats is not None:
        stats.inc_value(dropped_key(reason))


def drop(
    stats: StatsCollector | None, reason: str, url: str, *, detail: str | None = None
) -> DropItem:
    """Count the drop and return the ``DropItem`` to raise."""
    count_drop(stats, reason, url, detail=detail)
    return DropItem(f"{reason}: {url}")


class DroppedRequest(IgnoreRequest):
    """A request given up by a middleware with a reason already logged and counted: errbacks
    count nothing more for it, and Scrapy logs no traceback for an ``IgnoreRequest``."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.reason = reason


def drop_request(stats: StatsCollector | None, reason: str, url: str) -> DroppedRequest:
    """Count the drop and return the ``DroppedRequest`` to raise."""
    count_drop(stats, reason, url)
    return DroppedRequest(reason, url)
