"""Export records: one per article, the crawler's item fields plus the archive's bookkeeping.

Rows are streamed (a server-side cursor on PostgreSQL, batched fetches on SQLite), so an export
of any size runs in constant memory."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import iso_timestamp
from storage.engine import get_session_factory
from storage.models import Article, ArticleRevision

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

ARTICLE_COLUMNS = list(Article.__table__.columns)
"""Every ``articles`` column: an export record is built from all of them."""


def article_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The export record of one ``articles`` row (a mapping of its columns)."""
    record: dict[str, Any] = {}
    for name in EXPORT_FIELDS:
        if name == "lead_image":
            url = row["lead_image_url"]
            caption, credit = row["lead_image_caption"], row["lead_image_credit"]
            record[name] = {"url": url, "caption": caption, "credit": credit} if url else None
        elif name.endswith("_at"):
            record[name] = iso_timestamp(row[name])  # every time on the site's clock
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
    return selected(stmt, published_since, published_before, subchannel)


def capture_query(
    *,
    published_since: datetime | None = None,
    published_before: datetime | None = None,
    subchannel: str | None = None,
) -> Select[Any]:
    """The WARC records of every revision of the articles :func:`export_query` selects, one
    row per revision, in article then revision order (for the WACZ export)."""
    stmt = (
        select(Article.article_id, Article.title, ArticleRevision.warc_records)
        .join(ArticleRevision, ArticleRevision.article_id == Article.article_id)
        .order_by(Article.article_id, ArticleRevision.revision)
    )
    return selected(stmt, published_since, published_before, subchannel)


def selected(
    stmt: Select[Any],
    published_since: datetime | None,
    published_before: datetime | None,
    subchannel: str | None,
) -> Select[Any]:
    """``stmt`` limited to the articles of the export's filters."""
    if published_since is not None:
        stmt = stmt.where(Article.published_at >= published_since)
    if published_before is not None:
        stmt = stmt.where(Article.published_at < published_before)
    if subchannel:
        stmt = stmt.where(Article.subchannel == subchannel)
    return stmt


@dataclass(slots=True)
class ArticleCaptures:
    """Where one article's fetched pages are kept: each revision's WARC locations
    (``{"file", "offset", "length", "uri"}``), oldest revision first; revisions made without
    WARC writing are left out."""

    article_id: int
    title: str
    revisions: list[list[dict[str, Any]]] = field(default_factory=list)


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

    def captures(self, stmt: Select[Any] | None = None) -> Iterator[ArticleCaptures]:
        """Yield the :class:`ArticleCaptures` of each article ``stmt`` (a :func:`capture_query`,
        default: all) selects, streaming: one article's revisions in memory at a time."""
        stmt = capture_query() if stmt is None else stmt
        with self.sessions() as session:
            rows = session.execute(stmt.execution_options(yield_per=STREAM_BATCH))
            for article_id, group in groupby(rows, key=lambda row: row[0]):
                article = ArticleCaptures(article_id=article_id, title="")
                for _, title, records in group:
                    article.title = title
                    if records:
                        article.revisions.append(records)
                yield article
