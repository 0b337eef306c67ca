"""How a crawl ended, judged from its stats (``scrapy crawl`` itself exits 0 on failure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crawler.drops import DROPPED_PREFIX
from crawler.pipelines.store import STORE_ERRORS
from crawler.reachability import DISCOVERY_FAILED_PREFIX, DISCOVERY_OK

EXIT_OK, EXIT_FAILED, EXIT_BAD_ARGUMENTS, EXIT_ALREADY_RUNNING = 0, 1, 2, 3


@dataclass(slots=True)
class Outcome:
    """Status, reason and counters of one finished crawl, as the runs journal records them."""

    status: str
    reason: str
    counters: dict[str, int] = field(default_factory=dict)
    dropped_reasons: dict[str, int] = field(default_factory=dict)

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
    fetched article page was captured in the WARC files, and discovery reached the site."""
    reason = str(stats.get("finish_reason") or "unknown")
    discovery_failures = _counts(stats, DISCOVERY_FAILED_PREFIX)
    if stats.get(STORE_ERRORS):
        status, reason = "failed", f"storage errors ({stats[STORE_ERRORS]} batches)"
    elif not stats.get("downloader/response_count") and stats.get("downloader/exception_count"):
        status, reason = "failed", "site unreachable: no response at all"
    elif discovery_failures and not stats.get(DISCOVERY_OK):
        failures = ", ".join(f"{what} x {count}" for what, count in discovery_failures.items())
        status, reason = "failed", f"site unreachable: no discovery request succeeded ({failures})"
    elif stats.get("warc/errors"):
        status = "failed"
        reason = (
            f"WARC write errors: {stats['warc/errors']} pages not captured "
            "(their articles are fetched again by the next run)"
        )
    elif reason == "finished":
        status = "finished"
    elif reason == "shutdown":
        status = "interrupted"
    else:
        status = "failed"
    by_class = dict.fromkeys(("2xx", "3xx", "4xx", "5xx"), 0)
    prefix = "downloader/response_status_count/"
    for key, value in stats.items():
        if key.startswith(prefix) and key[len(prefix) :][:1] in "2345":
            by_class[f"{key[len(prefix)]}xx"] += int(value)
    dropped = _counts(stats, DROPPED_PREFIX)
    counters = {
        "requests": int(stats.get("downloader/request_count", 0)),
        **{f"responses_{cls}": count for cls, count in by_class.items()},
        "articles_new": int(stats.get("archive/new", 0)),
        "articles_updated": int(stats.get("archive/updated", 0)),
        "articles_unchanged": int(stats.get("archive/unchanged", 0)),
        "articles_gone": int(stats.get("archive/gone", 0)),
        "articles_dropped": sum(dropped.values()),
        "extraction_warnings": int(stats.get("extract/items_with_warnings", 0)),
        "errors": int(stats.get("log_count/ERROR", 0)),
    }
    return Outcome(status, reason, counters, dropped)


def _counts(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    """``{rest of key: count}`` of the stats whose key starts with ``prefix``."""
    return {
        key[len(prefix) :]: int(value) for key, value in stats.items() if key.startswith(prefix)
    }
