"""The archive schema: typed SQLAlchemy 2 models, the one source of truth for migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = Annotated[datetime, mapped_column(UTCDateTime())]
"""An aware timestamp, stored in UTC on both databases."""
JsonList = Annotated[list[Any], mapped_column(JSON, default=list)]
"""An ordered list kept with the row (authors, tags, images) for faithful export."""

ARTICLE_STATUSES = ("live", "gone")


class Base(DeclarativeBase):
    """Declarative base carrying the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Article(Base):
    """The current state of one VIVA Militer article (its latest revision plus bookkeeping)."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("status IN ('live', 'gone')", name="status"),
        Index("ix_articles_status_published_at", "status", "published_at"),
        Index("ix_articles_subchannel_published_at", "subchannel", "published_at"),
    )

    article_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(Text, unique=True)
    section: Mapped[str] = mapped_column(String(40), default="militer")
    subchannel: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[Timestamp | None] = mapped_column(index=True)
    modified_at: Mapped[Timestamp | None]
    authors: Mapped[JsonList]
    editor: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[JsonList]
    lead_image_url: Mapped[str | None] = mapped_column(Text)
    lead_image_caption: Mapped[str | None] = mapped_column(Text)
    lead_image_credit: Mapped[str | None] = mapped_column(Text)
    images: Mapped[JsonList]
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    extraction_warnings: Mapped[JsonList]
    revision_count: Mapped[int] = mapped_column(Integer, default=1)
    fetched_at: Mapped[Timestamp]
    first_seen_at: Mapped[Timestamp]
    last_checked_at: Mapped[Timestamp] = mapped_column(index=True)
    last_changed_at: Mapped[Timestamp]
    status: Mapped[str] = mapped_column(String(8), default="live")
    gone_at: Mapped[Timestamp | None]


class ArticleRevision(Base):
    """One distinct content version of an article, kept in full; revision 1 is the first capture."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "revision"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.article_id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    subchannel: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[Timestamp | None]
    modified_at: Mapped[Timestamp | None]
    authors: Mapped[JsonList]
    editor: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[JsonList]
    lead_image: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    images: Mapped[JsonList]
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
    extraction_warnings: Mapped[JsonList]
    fetched_at: Mapped[Timestamp]
    captured_at: Mapped[Timestamp]
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(12), default="crawl", server_default="crawl")
    """How the revision was made: ``crawl`` (fetched), ``reextract`` (re-read from WARC) or
    ``import`` (``viva-archive import``)."""
    parser_version: Mapped[str | None] = mapped_column(String(40))
    """Version of the extraction code that produced this content."""
    warc_records: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    """Where the fetched pages are kept: ``[{"file", "offset", "length", "uri"}]``, page order."""


class NameMixin:
    """A unique name with a surrogate key: a tag or an author, normalized for indexed joins."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)


class LinkMixin:
    """The article side of an article-to-name link (current revision only)."""

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.article_id", ondelete="CASCADE"), primary_key=True
    )


def name_link(table: str) -> Mapped[int]:
    """The name side of a link: part of the key, indexed for "all articles with name X"."""
    return mapped_column(
        ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Tag(NameMixin, Base):
    """A topic tag."""

    __tablename__ = "tags"


class ArticleTag(LinkMixin, Base):
    """Which article carries which tag."""

    __tablename__ = "article_tags"
    tag_id: Mapped[int] = name_link("tags")


class Author(NameMixin, Base):
    """An author's name."""

    __tablename__ = "authors"


class ArticleAuthor(LinkMixin, Base):
    """Which article is by which author."""

    __tablename__ = "article_authors"
    author_id: Mapped[int] = name_link("authors")


class CrawlRun(Base):
    """One crawl: what was asked, how it ended, and what it counted."""

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'finished', 'failed', 'interrupted')", name="status"
        ),
        Index("ix_crawl_runs_mode_status", "mode", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[Timestamp] = mapped_column(index=True)
    finished_at: Mapped[Timestamp | None]
    status: Mapped[str] = mapped_column(String(12), default="running")
    finish_reason: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None] = mapped_column(Integer)
    hostname: Mapped[str | None] = mapped_column(String(255))
    process_started_at: Mapped[Timestamp | None]
    """Start time of the process ``pid`` on ``hostname``: tells a live run from a reused pid."""
    requests: Mapped[int] = mapped_column(Integer, default=0)
    responses_2xx: Mapped[int] = mapped_column(Integer, default=0)
    responses_3xx: Mapped[int] = mapped_column(Integer, default=0)
    responses_4xx: Mapped[int] = mapped_column(Integer, default=0)
    responses_5xx: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    articles_gone: Mapped[int] = mapped_column(Integer, default=0)
    articles_dropped: Mapped[int] = mapped_column(Integer, default=0)
    dropped_reasons: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    extraction_warnings: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WarcFile(Base):
    """A WARC file as its writer closed it: what ``viva-archive verify`` proves unchanged."""

    __tablename__ = "warc_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    """File name relative to the archive directory."""
    size: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(Integer)
    """WARC records in the file (its ``warcinfo`` included)."""
    sha256: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[Timestamp] = mapped_column(index=True)
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True
    )


class Verification(Base):
    """One run of ``viva-archive verify``: when, what it covered, and the problems it found."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[Timestamp] = mapped_column(index=True)
    finished_at: Mapped[Timestamp]
    since: Mapped[Timestamp | None]
    """Only files closed and revisions captured from then on were checked (None: all)."""
    deep: Mapped[bool] = mapped_column(default=False)
    files_checked: Mapped[int] = mapped_column(Integer, default=0)
    revisions_checked: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    problem_lines: Mapped[JsonList]
    """The first problems found, one line each (file, offset, article)."""


WATCH_EVENTS = ("new", "changed", "gone")
"""What an article watch may ask to be told about (a health watch gets ``health``)."""
DELIVERY_STATUSES = ("pending", "sent", "failed")


class Watch(Base):
    """Something a person follows: a query and filters as search takes them, the events wanted
    and where to send them; or (``health``) the daemon's health warnings."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    query: Mapped[str | None] = mapped_column(Text)
    subchannel: Mapped[str | None] = mapped_column(String(80))
    tag: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    events: Mapped[JsonList]
    """``new``, ``changed``, ``gone`` (article watches) or ``health``."""
    destinations: Mapped[JsonList]
    """``webhook:URL`` and ``email:ADDRESS`` strings, each delivered on its own."""
    health_warnings: Mapped[JsonList]
    """A health watch: the warnings last announced (so each change is sent once)."""
    created_at: Mapped[Timestamp]


class AlertEvent(Base):
    """The outbox: one event for one watch, written in the transaction of the change."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    """Stable id sent to receivers (``X-Viva-Archive-Event-Id``) so they can drop a repeat."""
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    """``new``, ``changed``, ``gone``, ``health``, ``recovered`` or ``test``."""
    article_id: Mapped[int | None] = mapped_column(BigInteger)
    revision: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What else the event carries (health warnings; a test's sample)."""
    created_at: Mapped[Timestamp] = mapped_column(index=True)


class AlertDelivery(Base):
    """One event to one destination: pending until sent, retried with backoff, else failed."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_alert_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("alert_events.id", ondelete="CASCADE"), index=True
    )
    destination: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Timestamp]
    last_attempt_at: Mapped[Timestamp | None]
    sent_at: Mapped[Timestamp | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]
