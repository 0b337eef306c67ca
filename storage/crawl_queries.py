"""The crawler's read queries: which articles the archive holds, which are due for a re-check,
which were published in a window, and the current revisions a re-extraction reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from storage.batching import CHUNK, chunks
from storage.engine import get_session_factory
from storage.models import Article, ArticleRevision, ArticleTag, Tag
from storage.recheck import RECHECK_TIERS, RecheckTiers
from storage.revisions import latest_revision


class CrawlQueries:
    """Read queries over the archive of one database; each opens one short session."""

    def __init__(
        self,
        url: str | None = None,
        sessions: sessionmaker[Session] | None = None,
        *,
        captures_required: bool = False,
    ):
        self.sessions = sessions or get_session_factory(url)
        self.captures_required = captures_required
        """A crawl that keeps WARC captures: a live article whose latest revision has no
        capture (its WARC write failed) is not yet archived, see :meth:`known_article_ids`."""

    def current_revisions(
        self,
        *,
        article_ids: Sequence[int] | None = None,
        fetched_since: datetime | None = None,
        after_id: int = 0,
        limit: int = CHUNK,
    ) -> list[ArticleRevision]:
        """The latest revision of each article with id above ``after_id``, by id (keyset pages):
        only ``article_ids`` when given, only captures fetched at or after ``fetched_since``."""
        stmt = (
            select(ArticleRevision)
            .join(Article, latest_revision())
            .where(ArticleRevision.article_id > after_id)
            .order_by(ArticleRevision.article_id)
            .limit(limit)
        )
        if article_ids is not None:
            stmt = stmt.where(ArticleRevision.article_id.in_(sorted(set(article_ids))))
        if fetched_since is not None:
            stmt = stmt.where(ArticleRevision.fetched_at >= fetched_since)
        with self.sessions() as session:
            return list(session.scalars(stmt))

    def latest_captures(self, article_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The WARC records of each article's current revision (a re-check compares its
        payloads with them), for the articles among ``article_ids`` that have some."""
        found: dict[int, list[dict[str, Any]]] = {}
        ids = sorted(set(article_ids))
        for part in chunks(ids):
            stmt = (
                select(ArticleRevision.article_id, ArticleRevision.warc_records)
                .join(Article, latest_revision())
                .where(ArticleRevision.article_id.in_(part))
            )
            with self.sessions() as session:
                found.update({i: list(r) for i, r in session.execute(stmt) if r})
        return found

    def known_article_ids(self, article_ids: Iterable[int]) -> set[int]:
        """Which of ``article_ids`` the archive already holds (any status).

        With ``captures_required``, a live article whose latest revision lacks its WARC capture
        is left out: a crawl fetches it again, and the store then completes its capture."""
        ids = sorted(set(article_ids))
        found: set[int] = set()
        with self.sessions() as session:
            for part in chunks(ids):
                if self.captures_required:
                    found.update(_captured_ids(session, part))
                    continue
                found.update(
                    session.scalars(select(Article.article_id).where(Article.article_id.in_(part)))
                )
        return found

    def due_for_recheck(
        self,
        *,
        now: datetime | None = None,
        tiers: RecheckTiers = RECHECK_TIERS,
        limit: int | None = None,
    ) -> list[tuple[int, str]]:
        """Live articles whose age tier says they should be fetched again, newest first."""
        now = now or datetime.now(UTC)
        due = or_(
            *(
                and_(Article.published_at >= now - age, Article.last_checked_at <= now - every)
                for age, every in tiers
            )
        )
        return self._id_url_pairs(
            select(Article.article_id, Article.url)
            .where(Article.status == "live", due)
            .order_by(Article.published_at.desc())
            .limit(limit)
        )

    def published_between(
        self, since: datetime, until: datetime, *, live_only: bool = True
    ) -> list[tuple[int, str]]:
        """Archived articles published in ``[since, until)``, newest first."""
        stmt = select(Article.article_id, Article.url).where(
            Article.published_at >= since, Article.published_at < until
        )
        if live_only:
            stmt = stmt.where(Article.status == "live")
        return self._id_url_pairs(stmt.order_by(Article.published_at.desc()))

    def _id_url_pairs(self, stmt: Select[tuple[int, str]]) -> list[tuple[int, str]]:
        with self.sessions() as session:
            return [(row[0], row[1]) for row in session.execute(stmt)]

    def article_ids_tagged(self, tag: str) -> list[int]:
        """Ids of articles carrying ``tag`` (an indexed join on both databases)."""
        stmt = (
            select(ArticleTag.article_id)
            .join(Tag, Tag.id == ArticleTag.tag_id)
            .where(Tag.name == tag)
            .order_by(ArticleTag.article_id)
        )
        with self.sessions() as session:
            return list(session.scalars(stmt))


def _captured_ids(session: Session, ids: Sequence[Any]) -> set[int]:
    """Ids among ``ids`` archived with a WARC capture of their latest revision, or gone (a
    gone article is not fetched again for its capture)."""
    rows = session.execute(
        select(Article.article_id, Article.status, ArticleRevision.warc_records)
        .join(ArticleRevision, latest_revision())
        .where(Article.article_id.in_(ids))
    )
    return {article_id for article_id, status, records in rows if records or status != "live"}
