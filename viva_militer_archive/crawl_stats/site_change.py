"""What a crawl's stats say about the site changing under it: the article template, the
listing rows, or a bot wall.

A pure function of the stats, so that the crawl's own verdict (``crawler.outcome``), the runs
journal (``viva-archive runs``), the daemon's health check, ``/healthz`` and ``/metrics`` all
name the same cause in the same words. A finding is ``blind`` when the run saw (almost) nothing
through it: the run is then ``failed``, even though Scrapy finished; otherwise the run
``finished`` and carries the finding as a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from viva_militer_archive.crawl_stats import keys

ARTICLE_MARKUP, LISTING_MARKUP, BLOCKED = "article_markup", "listing_markup", "blocked"
CAUSES: tuple[str, ...] = (ARTICLE_MARKUP, LISTING_MARKUP, BLOCKED)
"""Every cause a finding names (the ``cause`` label of ``/metrics``)."""

MISSING_FIELDS: tuple[str, ...] = ("title", "body", "published_at")
"""Required fields: an article page without one of them yields no article."""


@dataclass(frozen=True, slots=True)
class SiteChangePolicy:
    """Thresholds of the findings."""

    blind_share: float = 0.5
    """A run whose article pages yield no article above this share is blind (failed)."""
    blind_min_pages: int = 5
    """...when it fetched at least this many article pages (fewer say too little)."""
    fallback_share: float = 0.2
    """Warn when more than this share of parsed articles read a field from a fallback."""
    empty_min_pages: int = 3
    """Warn when at least this many listing pages were all empty (no link of any kind)."""


@dataclass(frozen=True, slots=True)
class SiteChange:
    """One finding: its cause, whether the run went blind through it, and what to tell."""

    cause: str
    blind: bool
    message: str
    pages: int
    """How many pages or articles it concerns (the ``/metrics`` value)."""


def _count(stats: Mapping[str, Any], key: str) -> int:
    try:
        return int(stats.get(key) or 0)
    except (TypeError, ValueError):  # a journal edited by hand: no finding, no crash
        return 0


def _prefixed(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: _count(stats, k) for k in stats if k.startswith(prefix)}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def site_changes(
    stats: Mapping[str, Any] | None, policy: SiteChangePolicy | None = None
) -> list[SiteChange]:
    """The findings of one run's stats (empty: nothing says the site changed)."""
    stats = stats or {}
    policy = policy or SiteChangePolicy()
    return [
        finding
        for finding in (
            _blocked(stats),
            _article_markup(stats, policy),
            _listing_markup(stats, policy),
        )
        if finding is not None
    ]


def _blocked(stats: Mapping[str, Any]) -> SiteChange | None:
    """Pages answered by a bot challenge: blind when they are at least half of the article
    pages (or of the discovery pages) of the run."""
    articles = _count(stats, keys.BLOCKED_ARTICLE_PAGES)
    discovery = _count(stats, keys.BLOCKED_DISCOVERY_PAGES)
    if not articles and not discovery:
        return None
    kinds = _prefixed(stats, keys.BLOCKED_KIND_PREFIX)
    named = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    parts = []
    blind = False
    if articles:
        attempted = article_pages_attempted(stats)
        parts.append(f"{articles} of {attempted} article pages answered a bot challenge")
        blind = blind or articles * 2 >= attempted
    if discovery:
        listed = _count(stats, keys.LISTING_PAGES) + discovery
        parts.append(f"{discovery} of {listed} discovery pages answered a bot challenge")
        blind = blind or discovery * 2 >= listed
    detail = f" ({named})" if named else ""
    return SiteChange(BLOCKED, blind, "blocked: " + "; ".join(parts) + detail, articles + discovery)


def article_pages_attempted(stats: Mapping[str, Any]) -> int:
    """Articles whose pages were fetched and read: parsed, failed by the parser, or blocked."""
    parser_errors = _prefixed(stats, keys.dropped_key("parser error") + "_")
    return (
        _count(stats, keys.ARTICLES_PARSED)
        + sum(parser_errors.values())
        + _count(stats, keys.BLOCKED_ARTICLE_PAGES)
    )


def _article_markup(stats: Mapping[str, Any], policy: SiteChangePolicy) -> SiteChange | None:
    """Article pages that yielded no article (a required field missing, the parser failing):
    blind above the policy's share; otherwise fields read from fallbacks in many articles."""
    missing = {f: _count(stats, keys.dropped_key(f"missing {f}")) for f in MISSING_FIELDS}
    parser_errors = sum(_prefixed(stats, keys.dropped_key("parser error") + "_").values())
    failed = sum(missing.values()) + parser_errors
    blocked = _count(stats, keys.BLOCKED_ARTICLE_PAGES)
    attempted = article_pages_attempted(stats) - blocked
    if attempted >= policy.blind_min_pages and failed / attempted > policy.blind_share:
        why = [f"missing {f} {n}" for f, n in missing.items() if n]
        why += [f"parser errors {parser_errors}"] if parser_errors else []
        return SiteChange(
            ARTICLE_MARKUP,
            True,
            f"markup changed: {failed} of {attempted} article pages yielded no article "
            f"({', '.join(why)}); update crawler/site.py, then reextract the period",
            failed,
        )
    parsed = _count(stats, keys.ARTICLES_PARSED)
    fallbacks = _prefixed(stats, keys.EXTRACT_PREFIX + "fallback/")
    over = {f: n for f, n in fallbacks.items() if parsed and n / parsed > policy.fallback_share}
    if not over:
        return None
    named = ", ".join(f"{field} in {n}" for field, n in sorted(over.items(), key=lambda kv: -kv[1]))
    return SiteChange(
        ARTICLE_MARKUP,
        False,
        f"article markup changed: fields read from fallbacks ({named} of {parsed} articles); "
        "archived, but update crawler/site.py",
        max(over.values()),
    )


def _listing_markup(stats: Mapping[str, Any], policy: SiteChangePolicy) -> SiteChange | None:
    """Listing pages read by URL shape (their rows were not found), or all listing pages empty."""
    listed = _count(stats, keys.LISTING_PAGES)
    by_shape = _count(stats, keys.DISCOVERY_URL_SHAPE_PAGES)
    if by_shape:
        return SiteChange(
            LISTING_MARKUP,
            False,
            f"listing markup changed: discovery by URL shape on {by_shape} of "
            f"{_plural(listed, 'listing page')} (their rows were not found); "
            "update crawler/site.py",
            by_shape,
        )
    empty = _count(stats, keys.DISCOVERY_EMPTY_PAGES)
    if empty >= policy.empty_min_pages and empty == listed:
        return SiteChange(
            LISTING_MARKUP,
            False,
            f"listing pages empty: {empty} of {_plural(listed, 'listing page')} listed no "
            "article (the listing markup may have changed)",
            empty,
        )
    return None


def blind_spot(stats: Mapping[str, Any] | None) -> SiteChange | None:
    """The finding that makes the run ``failed``, if any (a block before a markup change)."""
    return next((f for f in site_changes(stats) if f.blind), None)


__all__ = [
    "ARTICLE_MARKUP",
    "BLOCKED",
    "CAUSES",
    "LISTING_MARKUP",
    "SiteChange",
    "SiteChangePolicy",
    "article_pages_attempted",
    "blind_spot",
    "site_changes",
]
