"""Crawl arguments (``-a mode=... since=... until=... urls=...``), checked before anything runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from crawler import site
from crawler.urls import MAX_ARTICLE_ID, article_id_from_url, canonical_article_url
from storage.clock import FIRST_DAY, LAST_DAY, WIB, day_window, today

__all__ = ["WIB", "ArgumentError", "CrawlArguments", "parse_arguments", "today_wib"]

MODES = ("latest", "backfill", "recheck", "urls")

KNOWN_ARGUMENTS = frozenset({"mode", "since", "until", "urls"})


class ArgumentError(ValueError):
    """An unusable crawl argument; the message is one line meant for the user."""


@dataclass(frozen=True, slots=True)
class CrawlArguments:
    """What one crawl is asked to do."""

    mode: str = "latest"
    since: date | None = None
    until: date | None = None
    urls: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form, as recorded in the crawl-runs journal."""
        out: dict[str, object] = {"mode": self.mode}
        if self.since:
            out["since"] = self.since.isoformat()
        if self.until:
            out["until"] = self.until.isoformat()
        if self.urls:
            out["urls"] = list(self.urls)
        return out

    def window(self) -> tuple[datetime, datetime]:
        """``[since 00:00 WIB, the day after until 00:00 WIB)`` as aware datetimes."""
        assert self.since is not None
        start, end = day_window(self.since, self.until or today_wib())
        assert start is not None and end is not None  # days checked within FIRST_DAY..LAST_DAY
        return start, end

    def days_newest_first(self) -> list[date]:
        """Every day of a backfill, newest first."""
        assert self.since is not None
        until = self.until or today_wib()
        return [until - timedelta(days=n) for n in range((until - self.since).days + 1)]


today_wib = today
"""Today's date on the site's calendar."""


def _parse_date(name: str, value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ArgumentError(f"{name}={value!r} is not a date (expected YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ArgumentError(f"{name}={value!r} is outside {FIRST_DAY} .. {LAST_DAY}")
    return day


def parse_arguments(
    raw: Mapping[str, str], base_url: str = site.DEFAULT_BASE_URL
) -> CrawlArguments:
    """Check and convert raw spider arguments; raises :class:`ArgumentError` with one clear line."""
    check_base_url(base_url)
    unknown = sorted(set(raw) - KNOWN_ARGUMENTS)
    if unknown:
        raise ArgumentError(
            f"unknown argument {unknown[0]!r} (known: {', '.join(sorted(KNOWN_ARGUMENTS))})"
        )
    urls = tuple(u.strip() for u in (raw.get("urls") or "").split(",") if u.strip())
    mode = (raw.get("mode") or ("urls" if urls else "latest")).strip()
    if mode not in MODES:
        raise ArgumentError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    since = _parse_date("since", raw["since"]) if raw.get("since") else None
    until = _parse_date("until", raw["until"]) if raw.get("until") else None
    if until and not since:
        raise ArgumentError("until= needs since=")
    if since and until and since > until:
        raise ArgumentError(f"since={since} is after until={until}")
    if since and since > today_wib():
        raise ArgumentError(f"since={since} is in the future")
    if mode == "backfill" and not since:
        raise ArgumentError("mode=backfill needs since=YYYY-MM-DD")
    if mode in ("latest", "urls") and since:
        raise ArgumentError(f"mode={mode} takes no since=/until= (use backfill or recheck)")
    if mode == "urls" and not urls:
        raise ArgumentError("mode=urls needs urls=U1,U2,...")
    if urls and mode != "urls":
        raise ArgumentError(f"urls= cannot be combined with mode={mode}")
    canonical = []
    for url in urls:
        found = canonical_article_url(url, base_url)
        if found is None or (article_id_from_url(found) or 0) > MAX_ARTICLE_ID:
            raise ArgumentError(f"not a VIVA Militer article URL: {url}")
        canonical.append(found)
    return CrawlArguments(mode, since, until, tuple(dict.fromkeys(canonical)))


def check_base_url(base_url: str) -> None:
    """``VIVA_BASE_URL`` must be an ``http(s)://host[:port]`` root, else an argument error."""
    try:
        parts = urlsplit(base_url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # an unbalanced "[" or a port that is no number
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ArgumentError(f"VIVA_BASE_URL {base_url!r} is not an http(s)://host root")
