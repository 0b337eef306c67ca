"""How a crawl ended, judged from its stats (``scrapy crawl`` itself exits 0 on failure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from viva_militer_archive.crawl_stats import keys
from viva_militer_archive.crawl_stats.site_change import blind_spot, site_changes

EXIT_OK, EXIT_FAILED, EXIT_BAD_ARGUMENTS, EXIT_ALREADY_RUNNING = 0, 1, 2, 3


@dataclass(slots=True)
class Outcome:
    """Status, reason and counters of one finished crawl, as the runs journal records them."""

    status: str
    reason: str
    counters: dict[str, int] = field(default_factory=dict)
    dropped_reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """What the stats say about the site changing (see
    :mod:`viva_militer_archive.crawl_stats.site_change`) when the
    run still archived through it: logged with the summary, named by the health checks."""

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.status == "finished" else EXIT_FAILED

    def summary(self) -> str:
        """One log line: the counters that matter."""
        c = self.counters
        return (
            f"{self.status} ({self.reason}): {c.get('requests', 0)} requests, "
            f"{c.get('articles_new', 0)} new, {c.get('articles_updated', 0)} updated, "
            f"{c.get('articles_unchanged', 0)} unchanged, {c.get('articles_gone', 0)} gone, "
            f"{c.get('articles_dropped', 0)} dropped, {c.get('errors', 0)} errors"
        )


def outcome_from_stats(stats: Mapping[str, Any]) -> Outcome:
    """Classify a crawl: ``finished`` only if Scrapy finished, every batch was stored, every
    fetched article page was captured in the WARC files, discovery reached the site, and the
    run did not go blind (most article pages yielding no article, or a bot wall)."""
    reason = str(stats.get(keys.FINISH_REASON) or "unknown")
    discovery_failures = _counts(stats, keys.DISCOVERY_FAILED_PREFIX)
    blind = blind_spot(stats)
    if stats.get(keys.STORE_ERRORS):
        status, reason = "failed", f"storage errors ({stats[keys.STORE_ERRORS]} batches)"
    elif blind is not None and reason == "finished":  # a wall or a redesign: say which
        status, reason = "failed", blind.message
    elif not stats.get(keys.RESPONSES) and stats.get(keys.DOWNLOAD_EXCEPTIONS):
        status, reason = "failed", "site unreachable: no response at all"
    elif discovery_failures and not stats.get(keys.DISCOVERY_OK):
        failures = ", ".join(f"{what} x {count}" for what, count in discovery_failures.items())
        status, reason = "failed", f"site unreachable: no discovery request succeeded ({failures})"
    elif stats.get(keys.WARC_ERRORS):
        status = "failed"
        reason = (
            f"WARC write errors: {stats[keys.WARC_ERRORS]} pages not captured "
            "(their articles are fetched again by the next run)"
        )
    elif reason == "finished":
        status = "finished"
    elif reason == "shutdown":
        status = "interrupted"
    else:
        status = "failed"
    by_class = dict.fromkeys(("2xx", "3xx", "4xx", "5xx"), 0)
    prefix = keys.RESPONSE_STATUS_PREFIX
    for key, value in stats.items():
        if key.startswith(prefix) and re.fullmatch("[2-5][0-9][0-9]", key[len(prefix) :]):
            by_class[f"{key[len(prefix)]}xx"] += int(value)
    dropped = keys.bounded_reasons(_counts(stats, keys.DROPPED_PREFIX))
    counters = {
        "requests": int(stats.get(keys.REQUESTS, 0)),
        **{f"responses_{cls}": count for cls, count in by_class.items()},
        "articles_new": int(stats.get(keys.ARCHIVE_NEW, 0)),
        "articles_updated": int(stats.get(keys.ARCHIVE_UPDATED, 0)),
        "articles_unchanged": int(stats.get(keys.ARCHIVE_UNCHANGED, 0)),
        "articles_gone": int(stats.get(keys.ARCHIVE_GONE, 0)),
        "articles_dropped": sum(dropped.values()),
        "extraction_warnings": int(stats.get(keys.ITEMS_WITH_WARNINGS, 0)),
        "errors": int(stats.get(keys.LOGGED_ERRORS, 0)),
    }
    warnings = [finding.message for finding in site_changes(stats) if finding.message != reason]
    return Outcome(status, reason, counters, dropped, warnings)


def _counts(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    """``{rest of key: count}`` of the stats whose key starts with ``prefix``."""
    return {
        key[len(prefix) :]: int(value) for key, value in stats.items() if key.startswith(prefix)
    }
