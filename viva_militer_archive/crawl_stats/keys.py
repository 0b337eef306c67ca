"""Every stats key the crawl writes or reads, and the drop reasons counted in more than one
place: one file to read to know what a run's ``stats`` hold (see the package docstring for why
this sits below ``crawler`` and ``storage``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

# --- keys Scrapy itself writes ------------------------------------------------------------------
FINISH_REASON = "finish_reason"
REQUESTS = "downloader/request_count"
RESPONSES = "downloader/response_count"
DOWNLOAD_EXCEPTIONS = "downloader/exception_count"
RESPONSE_STATUS_PREFIX = "downloader/response_status_count/"
"""Prefix of Scrapy's responses-by-status counters (``.../404``)."""
RESPONSES_RECEIVED = "response_received_count"
LOG_COUNT_PREFIX = "log_count/"
"""Prefix of Scrapy's log-records-by-level counters (``log_count/ERROR`` is a run's errors)."""
LOGGED_ERRORS = LOG_COUNT_PREFIX + "ERROR"
LOG_DIGEST_PREFIX = "log_digest/"
"""Download failures logged once per kind and counted here (``log_digest/<kind>``)."""

# --- discovery ----------------------------------------------------------------------------------
LISTING_PAGES = "discovery/listing_pages"
"""Listing pages parsed."""
ARTICLES_SEEN = "discovery/articles_seen"
"""Article links found by discovery and not yet scheduled in the run (crawler.known_articles)."""
ARTICLES_KNOWN = "discovery/articles_known"
"""Of those, the articles the archive already holds: skipped (crawler.known_articles)."""
DISCOVERY_OK = "discovery/requests_ok"
"""Discovery requests the site answered (any status but 5xx and 429: a 404 for an empty day's
index is an answer; a server error or a refusal to serve us is not)."""
DISCOVERY_FAILED_PREFIX = "discovery/requests_failed/"
"""Prefix: discovery requests that failed, by final status or exception name."""


def discovery_failed_key(what: int | str) -> str:
    """``discovery/requests_failed/<status or exception name>`` (see :func:`status_label`)."""
    return DISCOVERY_FAILED_PREFIX + (
        reason_key(status_label(what)) if isinstance(what, int) else what
    )


# --- site change: discovery by URL shape, bot challenges ------------------------------------------
DISCOVERY_ROW_PAGES = "discovery/row_pages"
"""Listing pages (channel listings, date indexes) whose row selectors found article links."""
DISCOVERY_URL_SHAPE_PAGES = "discovery/url_shape_pages"
"""Listing pages whose row selectors found nothing but whose main content held article-shaped
links (the discovery fallback: the listing markup changed)."""
DISCOVERY_EMPTY_PAGES = "discovery/empty_pages"
"""Listing pages with neither rows nor article-shaped links (an empty day, as before)."""
BLOCKED_PREFIX = "blocked/"
"""Prefix of the bot-challenge counters (a challenge is never parsed nor marks anything gone)."""
BLOCKED_ARTICLE_PAGES = "blocked/article_pages"
"""Article pages answered by a bot challenge, captcha or wall instead of the article."""
BLOCKED_DISCOVERY_PAGES = "blocked/discovery_pages"
"""Sitemaps, listings and date indexes answered by a challenge."""
BLOCKED_KIND_PREFIX = "blocked/kind/"
"""Prefix: challenges by kind (``challenge``, ``captcha``, ``consent``, ``access_denied``)."""


def blocked_kind_key(kind: str) -> str:
    """``blocked/kind/<kind>``: one page answered by a wall of that kind."""
    return BLOCKED_KIND_PREFIX + reason_key(kind)


# --- article pages and extraction ---------------------------------------------------------------
EXTRA_PAGES = "articles/extra_pages"
"""Article pages fetched beyond the first (``?page=all`` copies that were partial)."""
ARTICLES_PARSED = "articles/parsed"
"""Articles the parser turned into items."""
EXTRACT_PREFIX = "extract/"
"""Prefix of the extraction counters: ``extract/<kind>/<field>`` and the one below."""
ITEMS_WITH_WARNINGS = "extract/items_with_warnings"
"""Items with at least one extraction warning."""


GENERIC_SOURCE = "generic"
"""Source name of a field read by the generic, site-independent extraction (``fallback:body:
generic``): the site's own selectors found nothing."""


def extract_warning_key(kind: str, field: str) -> str:
    """``extract/<kind>/<field>``: one extraction warning counted (kind ``missing``, ...)."""
    return f"{EXTRACT_PREFIX}{kind}/{field}"


# --- the archive (store pipeline) ---------------------------------------------------------------
ARCHIVE_NEW = "archive/new"
ARCHIVE_UPDATED = "archive/updated"
ARCHIVE_UNCHANGED = "archive/unchanged"
ARCHIVE_GONE = "archive/gone"
STORE_ERRORS = "archive/store_errors"
"""Batches that could not be written (the run then fails)."""
UNSTORED = "archive/unstored"
"""Items left unwritten because the database failed (fetched again next run)."""
STORE_RETRIES = "archive/store_retries"
"""Writes retried after a transient database fault."""

# --- raw archive (WARC) -------------------------------------------------------------------------
WARC_RECORDS = "warc/records"
WARC_BYTES = "warc/bytes"
WARC_FILES = "warc/files"
WARC_ERRORS = "warc/errors"
"""Article pages that could not be written to the WARC files (the run then fails)."""
WARC_REVISITS = "warc/revisits"
"""Of the records written (``warc/records``), those that are revisits: a page fetched again with
the payload of the current capture, kept without its body."""

# --- polite retries -----------------------------------------------------------------------------
BACKOFF_RETRY_BASE = "backoff_retry"
"""``stats_base_key`` of the backoff retries (Scrapy adds ``/count``, ``/reason_count/...``)."""


def backoff_wait_key(status: int) -> str:
    """``backoff_retry/wait_seconds/<status>``: seconds waited before retries of ``status``."""
    return f"{BACKOFF_RETRY_BASE}/wait_seconds/{status}"


# --- drops --------------------------------------------------------------------------------------
DROPPED_PREFIX = "dropped/"
"""Prefix: pages and items dropped, by reason (``dropped/missing_title``)."""


def reason_key(reason: str) -> str:
    """A stats-key-safe form of a reason: ``missing title`` -> ``missing_title``."""
    return re.sub(r"[^a-z0-9]+", "_", reason.lower()).strip("_") or "unspecified"


def dropped_key(reason: str) -> str:
    """``dropped/<reason key>``: one page or item dropped for ``reason``."""
    return DROPPED_PREFIX + reason_key(reason)


INVALID_STATUS = "invalid status"
"""What any answer outside 100..599 counts as."""


def status_label(status: int) -> str:
    """``status`` as a reason or key shows it: ``404``; anything outside 100..599 is
    :data:`INVALID_STATUS`, so a site inventing statuses (100001, 100002...) cannot invent one
    stats key, drop reason and metric label each."""
    return str(status) if 100 <= status <= 599 else INVALID_STATUS


def answered(status: int, what: str = "") -> str:
    """Drop reason of a page answered with ``status``: ``listing answered 503``."""
    return " ".join([*([what] if what else []), "answered", status_label(status)])


MAX_DROP_REASONS = 30
"""Distinct drop reasons a run's journal and ``/metrics`` keep; the rarest are summed as
:data:`OTHER_REASONS`."""
OTHER_REASONS = "other"


def bounded_reasons(counts: Mapping[str, int], limit: int = MAX_DROP_REASONS) -> dict[str, int]:
    """``counts`` with at most ``limit`` reasons: the ``limit - 1`` most frequent (ties by name)
    and :data:`OTHER_REASONS` for the sum of the rest; the total is unchanged."""
    if len(counts) <= limit:
        return dict(counts)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    kept = dict(ranked[: limit - 1])
    kept[OTHER_REASONS] = kept.get(OTHER_REASONS, 0) + sum(n for _, n in ranked[limit - 1 :])
    return kept


OFFSITE, LOOP, TOO_MANY = "redirect offsite", "redirect loop", "redirect too many"
"""Redirects refused: to another site, back to a URL of the chain, past the maximum."""
TOO_LARGE = "download too large"
"""A response (decompressed) past ``DOWNLOAD_MAXSIZE``."""
LOST_LOCK = "lost the crawl lock"
"""Finish reason of a crawl stopped because its lock was gone."""


def parser_error(exc: BaseException) -> str:
    """Drop reason of a page or article the parser failed on: ``parser error ValueError``."""
    return f"parser error {type(exc).__name__}"
