"""Export records: one per article, the crawler's item fields plus the archive's bookkeeping.

Rows are streamed (a server-side cursor on PostgreSQL, batched fetches on SQLite), so an export
of any size runs in constant memory."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import get_session_factory
from storage.models import Article

SITE_ZONE = timezone(timedelta(hours=7), "WIB")
"""Publication times are given on the site's clock, as the crawler's items give them."""

STREAM_BATCH = 1000
"""Rows fetched per round trip while streaming."""

ITEM_FIELDS = (
    "url", "article_id", "section", "subchannel", "title", "description", "published_at",
    "modified_at", "authors", "editor", "tags", "lead_image", "images", "body", "page_count",
    "word_count", "content_hash", "fetched_at", "extraction_warnings",
)  # fmt: skip
"""The fields of :class:`crawler.items.ArticleItem`, in its order."""
ARCHIVE_FIELDS = ("first_seen_at", "last_checked_at", "revision_count", "status")
"""What the archive knows beyond the item."""
EXPORT_FIELDS = ITEM_FIELDS + ARCHIVE_FIELDS

_SITE_CLOCK_FIELDS = frozenset({"published_at", "modified_at"})
ARTICLE_COLUMNS = list(Article.__table__.columns)
"""Every ``articles`` column: an export record is built from all of them."""


def _timestamp(value: datetime | None, name: str) -> str | None:
    if value is None:
        return None
    return (value.astimezone(SITE_ZONE) if name in _SITE_CLOCK_FIELDS else value).isoformat()


def article_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The export record of one ``articles`` row (a mapping of its columns)."""
    record: dict[str, Any] = {}
    for name in EXPORT_FIELDS:
        if name == "lead_image":
            url = row["lead_image_url"]
            caption, credit = row["lead_image_caption"], row["lead_image_credit"]
            record[name] = {"url": url, "caption": caption, "credit": credit} if url else None
        elif name.endswith("_at"):
            record[name] = _timestamp(row[name], name)
        else:
            record[name] = row[name]
    return record


def export_query(
    *,
    published_since: datetime | None = None,
    published_before: datetime | None = None,
    subchannel: str | None = None,
) -> Select[Any]:
    """Articles published in ``[published_since, published_before)``, of one subchannel if
    given, in article id order."""
    stmt = select(*ARTICLE_COLUMNS).order_by(Article.article_id)
    if published_since is not None:
        stmt = stmt.where(Article.published_at >= published_since)
    if published_before is not None:
        stmt = stmt.where(Article.published_at < published_before)
    if subchannel:
        stmt = stmt.where(Article.subchannel == subchannel)
    return stmt


class ArchiveExport:
    """Streams export records out of one archive."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def records(self, stmt: Select[Any] | None = None) -> Iterator[dict[str, Any]]:
        """Yield one record per article selected by ``stmt`` (default: all), streaming."""
        stmt = export_query() if stmt is None else stmt
        with self.sessions() as session:
            result = session.execute(stmt.execution_options(yield_per=STREAM_BATCH))
            for row in result.mappings():
                yield article_record(row)
