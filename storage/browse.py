"""Read-only queries of the web reader: filtered article lists with keyset pagination, one
article with its revisions, the changes feed, daily counts and the figures of the metrics.

Nothing here writes. Lists are ordered newest first by ``article_id``: the site's ids rise over
time, so id order is publication order, and the key is the primary key, so every page is one
index range scan whatever its depth (no ``OFFSET``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    Engine,
    Select,
    bindparam,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import sessionmaker

from storage.clock import day_start, iso_timestamp
from storage.conditions import article_conditions
from storage.dialects import site_date
from storage.engine import get_engine
from storage.export import ARTICLE_COLUMNS, article_record
from storage.filters import ArticleFilters
from storage.fixity import FixityLedger
from storage.models import (
    Article,
    ArticleRevision,
    CrawlRun,
    Verification,
)
from storage.types import UTCDateTime

LIST_COLUMNS = (
    Article.article_id, Article.title, Article.url, Article.subchannel, Article.published_at,
    Article.authors, Article.tags, Article.status, Article.gone_at, Article.revision_count,
    Article.description,
)  # fmt: skip
"""What a list row shows (no body: lists stay light)."""
REVISION_LIST_COLUMNS = (
    ArticleRevision.revision, ArticleRevision.captured_at, ArticleRevision.source,
    ArticleRevision.content_hash, ArticleRevision.title, ArticleRevision.word_count,
    ArticleRevision.crawl_run_id, ArticleRevision.parser_version, ArticleRevision.warc_records,
)  # fmt: skip
STAMP_COLUMNS = (
    Article.revision_count, Article.last_changed_at, Article.last_checked_at, Article.status,
)  # fmt: skip
"""Every write to an article moves one of these (a new revision, a re-extraction, a check, a
removal): together they say whether its page may have changed."""
_REVISION_PREFIX = "revision__"
ARTICLE_PAGE_COLUMNS = (
    *ARTICLE_COLUMNS,
    *(column.label(_REVISION_PREFIX + column.key) for column in REVISION_LIST_COLUMNS),
)
"""An article and the listing of one of its revisions per row: a whole article page in one
round trip (an article has a handful of revisions; its columns repeat on each row)."""


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One page of a list: rows newest first, and the keys of the neighbouring pages."""

    rows: list[dict[str, Any]]
    next_after: int | None
    """Pass as ``after`` for the next (older) page; None on the last page."""
    prev_before: int | None
    """Pass as ``before`` for the previous (newer) page; None on the first page."""


@dataclass(frozen=True, slots=True)
class Change:
    """An edit (a revision after the first) or a removal, for the changes feed."""

    kind: str
    """``edited`` or ``gone``."""
    at: datetime
    article_id: int
    title: str
    subchannel: str | None
    revision: int | None
    """The new revision of an edit (None for a removal)."""


def filtered(stmt: Select[Any], filters: ArticleFilters | None) -> Select[Any]:
    """``stmt`` (a select over ``articles``) narrowed to ``filters``
    (:func:`storage.conditions.article_conditions`, names nested: one statement)."""
    return stmt.where(*article_conditions(filters).clauses())


_ARTICLE = select(*ARTICLE_COLUMNS).where(Article.article_id == bindparam("article_id"))
_ARTICLE_PAGE = (
    select(*ARTICLE_PAGE_COLUMNS)
    .outerjoin(ArticleRevision, ArticleRevision.article_id == Article.article_id)
    .where(Article.article_id == bindparam("article_id"))
    .order_by(ArticleRevision.revision)
)
STAMP = select(*STAMP_COLUMNS).where(Article.article_id == bindparam("article_id"))
"""Statements built once: SQLAlchemy then finds their compiled form by a key it computed
once (a statement built per request has its cache key recomputed on every request)."""


@lru_cache(maxsize=256)
def _list_statement(filters: ArticleFilters | None, after: bool, before: bool) -> Select[Any]:
    """The list query for ``filters`` with the page's key and size as bound values
    (``after``, ``before``, ``limit``), built once per filter combination."""
    stmt = filtered(select(*LIST_COLUMNS), filters).limit(bindparam("limit"))
    if before:
        return stmt.where(Article.article_id > bindparam("before")).order_by(Article.article_id)
    if after:
        stmt = stmt.where(Article.article_id < bindparam("after"))
    return stmt.order_by(Article.article_id.desc())


def article_query(with_revisions: bool) -> Select[Any]:
    """The statement of :meth:`ArchiveBrowser.article` (bound value ``article_id``)."""
    return _ARTICLE_PAGE if with_revisions else _ARTICLE


def article_from_rows(rows: Sequence[Any], *, with_revisions: bool) -> dict[str, Any] | None:
    """The record :meth:`ArchiveBrowser.article` gives for the rows of :func:`article_query`."""
    if not rows:
        return None
    row = rows[0]
    record = article_record(row)
    record["gone_at"] = iso_timestamp(row["gone_at"])
    record["stamp"] = _stamp(row)
    if with_revisions:
        record["revisions"] = [
            {column.key: each[_REVISION_PREFIX + column.key] for column in REVISION_LIST_COLUMNS}
            for each in rows
            if each[_REVISION_PREFIX + "revision"] is not None
        ]
    return record


def list_query(
    filters: ArticleFilters | None, *, limit: int, after: int | None, before: int | None
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement of a list page and its bound values (one row more than ``limit``: it
    tells whether an older page follows)."""
    stmt = _list_statement(filters, after is not None, before is not None)
    return stmt, {"limit": limit + 1, "after": after, "before": before}


def list_page(
    rows: list[dict[str, Any]], *, limit: int, after: int | None, before: int | None
) -> ArticlePage:
    """The page of :func:`list_query`'s ``rows`` and the keys of its neighbours."""
    more = len(rows) > limit
    rows = rows[:limit]
    if before is not None:
        rows.reverse()
        next_after = rows[-1]["article_id"] if rows else None
        prev_before = rows[0]["article_id"] if more and rows else None
    else:
        next_after = rows[-1]["article_id"] if more else None
        prev_before = rows[0]["article_id"] if after is not None and rows else None
    return ArticlePage(rows, next_after, prev_before)


def stamp_of(row: Any) -> str | None:
    """What :meth:`ArchiveBrowser.article_stamp` gives for a row of :data:`STAMP`."""
    return None if row is None else _stamp(row)


class ArchiveBrowser:
    """Read queries over one archive, for the web reader."""

    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.engine = engine or get_engine(url)
        """Plain connections for the rows a page shows (no ORM session per request)."""
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        """ORM sessions for what is handed out as model objects (runs, full revisions)."""

    # -- lists ------------------------------------------------------------------------------------

    def articles(
        self,
        filters: ArticleFilters | None = None,
        *,
        limit: int = 50,
        after: int | None = None,
        before: int | None = None,
    ) -> ArticlePage:
        """A page of articles newest first: those older than ``after``, or the page just newer
        than ``before`` (one of them, or neither for the first page)."""
        stmt, values = list_query(filters, limit=limit, after=after, before=before)
        with self.engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(stmt, values).mappings()]
        return list_page(rows, limit=limit, before=before, after=after)

    # -- one article ------------------------------------------------------------------------------

    def article(self, article_id: int, *, with_revisions: bool = False) -> dict[str, Any] | None:
        """The export record of an article plus ``gone_at``, its ``stamp`` (see
        :data:`STAMP_COLUMNS`) and, when asked, ``revisions`` (what a listing shows of each,
        oldest first, no body), or None when it is not archived. One query either way."""
        with self.engine.connect() as connection:
            rows = (
                connection.execute(article_query(with_revisions), {"article_id": article_id})
                .mappings()
                .all()
            )
        return article_from_rows(rows, with_revisions=with_revisions)

    def article_stamp(self, article_id: int) -> str | None:
        """What :meth:`article` gives as ``stamp``, for one indexed lookup (None: not archived)."""
        with self.engine.connect() as connection:
            row = connection.execute(STAMP, {"article_id": article_id}).mappings().first()
        return stamp_of(row)

    def revisions(self, article_id: int, numbers: tuple[int, ...] = ()) -> list[ArticleRevision]:
        """Revisions of an article, oldest first (only ``numbers`` when given)."""
        stmt = (
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article_id)
            .order_by(ArticleRevision.revision)
        )
        if numbers:
            stmt = stmt.where(ArticleRevision.revision.in_(numbers))
        with self.sessions() as session:
            return list(session.scalars(stmt))

    # -- changes ----------------------------------------------------------------------------------

    def changes(self, filters: ArticleFilters | None = None, *, limit: int = 50) -> list[Change]:
        """The latest edits and removals across the archive, newest first."""
        edits = filtered(
            select(
                literal("edited").label("kind"),
                ArticleRevision.captured_at.label("at"),
                Article.article_id,
                ArticleRevision.title,
                Article.subchannel,
                ArticleRevision.revision,
            )
            .join(Article, Article.article_id == ArticleRevision.article_id)
            .where(ArticleRevision.revision > 1),
            filters,
        )
        removals = filtered(
            select(
                literal("gone").label("kind"),
                Article.gone_at.label("at"),
                Article.article_id,
                Article.title,
                Article.subchannel,
                literal(None).label("revision"),
            ).where(Article.status == "gone", Article.gone_at.is_not(None)),
            filters,
        )
        both = union_all(edits, removals).subquery()
        stmt = select(both).order_by(both.c.at.desc(), both.c.article_id.desc()).limit(limit)
        with self.sessions() as session:
            rows = session.execute(stmt).all()
        return [
            Change(
                kind=row.kind,
                at=_aware(row.at),
                article_id=int(row.article_id),
                title=row.title,
                subchannel=row.subchannel,
                revision=row.revision,
            )
            for row in rows
        ]

    # -- figures ----------------------------------------------------------------------------------

    def per_day(self, first_day: date) -> dict[str, int]:
        """Articles published per WIB day from ``first_day`` on, oldest first (gaps left out)."""
        start = day_start(first_day)
        with self.sessions() as session:
            day = site_date(session, Article.published_at, "day").label("day")
            stmt = (
                select(day, func.count())
                .where(Article.published_at >= start)
                .group_by(day)
                .order_by(day)
            )
            return {str(d): int(n) for d, n in session.execute(stmt)}

    def subchannels(self) -> list[str]:
        """The subchannels the archive holds, by name."""
        stmt = select(Article.subchannel).where(Article.subchannel.is_not(None)).distinct()
        with self.sessions() as session:
            return sorted(session.scalars(stmt))

    def recent_runs(self, limit: int) -> list[CrawlRun]:
        """The newest runs first."""
        with self.sessions() as session:
            return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))

    def last_verification(self) -> Verification | None:
        """The most recent ``viva-archive verify``, or None when never verified."""
        return FixityLedger(sessions=self.sessions).last_verification()

    def last_successful_runs(self) -> dict[str, datetime]:
        """When the last finished run of each mode finished."""
        stmt = (
            select(CrawlRun.mode, func.max(CrawlRun.finished_at))
            .where(CrawlRun.status == "finished")
            .group_by(CrawlRun.mode)
        )
        with self.sessions() as session:
            return {mode: _aware(at) for mode, at in session.execute(stmt) if at is not None}

    def counts(self) -> dict[str, int]:
        """Articles by status, revisions, and articles whose current version has extraction
        warnings (``with_warnings``)."""
        with self.sessions() as session:
            by_status = dict(
                session.execute(select(Article.status, func.count()).group_by(Article.status)).all()
            )
            revisions = session.scalar(select(func.count()).select_from(ArticleRevision))
            warned = session.scalar(
                select(func.count()).where(func.json_array_length(Article.extraction_warnings) > 0)
            )
        return {
            "live": int(by_status.get("live", 0)),
            "gone": int(by_status.get("gone", 0)),
            "revisions": int(revisions or 0),
            "with_warnings": int(warned or 0),
        }


def _stamp(row: Any) -> str:
    """The :data:`STAMP_COLUMNS` of an article row as one short string."""
    changed, checked = row["last_changed_at"], row["last_checked_at"]
    return f"{row['revision_count']}.{changed.timestamp():.6f}.{checked.timestamp():.6f}." + str(
        row["status"]
    )


def _aware(value: Any) -> datetime:
    """A timestamp read through a union or an aggregate, as aware UTC whatever the driver gave
    (SQLite may hand back text there)."""
    result = _UTC.process_result_value(value, cast(Any, None))  # the dialect is not consulted
    assert result is not None
    return result


_UTC = UTCDateTime()
