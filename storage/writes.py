"""Batch writes to the archive: upsert with revisions, gone marks, re-extracted revisions.

Every method is one short transaction; every item passes :func:`storage.validation.check_item`
before any SQL is sent, so one bad item fails its batch before anything is written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import literal_column, null, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.batching import chunks
from storage.dialects import execute_upsert, upsert
from storage.engine import get_session_factory
from storage.models import Article
from storage.outbox import article_watches, record_article_events, record_gone_events
from storage.records import article_row, content_columns
from storage.revisions import append_revisions, complete_captures
from storage.validation import check_item

CHANGED_COLUMNS = (
    "url", "section", "subchannel", "title", "description", "published_at", "modified_at",
    "authors", "editor", "tags", "lead_image_url", "lead_image_caption", "lead_image_credit",
    "images", "body", "word_count", "page_count", "content_hash", "extraction_warnings",
    "fetched_at",
)  # fmt: skip
"""Columns a changed article takes from the new capture (first_seen_at and the key never
change)."""


@dataclass(slots=True)
class BatchResult:
    """What one batch write did, by article id."""

    new: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def last_per_article(items: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """One item per article id, the last one seen winning, ordered by id; every item checked
    first (:func:`storage.validation.check_item` raises ``InvalidItem``), so nothing the
    databases cannot hold is ever sent.

    A batch holding one key twice would make ``ON CONFLICT DO UPDATE`` fail ("cannot affect row a
    second time"); a stable order keeps concurrent writers from deadlocking each other."""
    items = list(items)
    for item in items:
        check_item(item)
    latest = {int(item["article_id"]): item for item in items}
    return {key: latest[key] for key in sorted(latest)}


class ArchiveWriter:
    """Writes crawled, imported and re-extracted items to the archive of one database."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def store_articles(
        self,
        items: Iterable[Mapping[str, Any]],
        *,
        run_id: int | None = None,
        now: datetime | None = None,
        source: str = "crawl",
    ) -> BatchResult:
        """Upsert a batch of crawled items in one transaction (``InvalidItem`` if one of them
        cannot be stored: then nothing is written).

        New articles are inserted with revision 1; an article whose content hash differs from
        its latest revision gets the new content and revision N+1 (older revisions stay); an
        unchanged one only has ``last_checked_at`` moved. One ``INSERT ... ON CONFLICT`` decides
        all three for the whole batch, so concurrent writers cannot race. ``source`` is recorded
        on the revisions written (``crawl``, or ``import`` for ``viva-archive import``)."""
        by_id = last_per_article(items)
        result = BatchResult()
        if not by_id:
            return result
        now = now or datetime.now(UTC)
        contents = {key: content_columns(item) for key, item in by_id.items()}
        with self.sessions.begin() as session:
            written = _upsert(
                session, [article_row(item, contents[key], now) for key, item in by_id.items()]
            )
            for article_id in by_id:
                if article_id not in written:
                    result.unchanged.append(article_id)
                elif written[article_id] == 1:
                    result.new.append(article_id)
                else:
                    result.updated.append(article_id)
            for ids in chunks(result.unchanged):
                session.execute(
                    update(Article)
                    .where(Article.article_id.in_(ids))
                    .values(last_checked_at=now, status="live", gone_at=None)
                )
            append_revisions(session, by_id, contents, written, now, run_id=run_id, source=source)
            complete_captures(session, [by_id[key] for key in result.unchanged])
            if source != "import":  # an import replays history: nobody is told of it
                _record_written(session, by_id, written, now)
        return result

    def mark_gone(self, article_ids: Iterable[int], *, now: datetime | None = None) -> list[int]:
        """Mark live articles as gone (404/410), keeping every byte of their content."""
        now = now or datetime.now(UTC)
        ids = sorted(set(article_ids))
        marked: list[int] = []
        with self.sessions.begin() as session:
            for part in chunks(ids):
                stmt = (
                    update(Article)
                    .where(Article.article_id.in_(part), Article.status == "live")
                    .values(status="gone", gone_at=now, last_checked_at=now)
                    .returning(Article.article_id)
                )
                marked.extend(session.scalars(stmt))
            record_gone_events(session, sorted(marked), now)
        return sorted(marked)

    def store_reextracted(
        self, items: Iterable[Mapping[str, Any]], *, now: datetime | None = None
    ) -> list[int]:
        """Append a ``reextract`` revision per item and make it the article's current content.

        Each item names in ``based_on`` the revision it was compared with; an article that has
        gained a revision since (a crawl meanwhile) is left alone, so re-reading an older capture
        never hides newer content. ``based_on`` 0 is an article the archive did not hold (a page
        the crawl fetched but could not read): it is inserted with revision 1, unless a crawl
        archived it meanwhile. Earlier revisions are never touched. Returns the ids written.
        """
        by_id = last_per_article(items)
        now = now or datetime.now(UTC)
        contents = {key: content_columns(item) for key, item in by_id.items()}
        written: dict[int, int] = {}
        with self.sessions.begin() as session:
            hashes = _content_hashes(session, list(by_id))
            fresh = [key for key, item in by_id.items() if int(item["based_on"]) == 0]
            if fresh:
                rows = [article_row(by_id[key], contents[key], now) for key in fresh]
                written.update(_insert_absent(session, rows))
            for key, item in by_id.items():
                row, based_on = article_row(item, contents[key], now), int(item["based_on"])
                if based_on == 0:
                    continue
                stmt = (
                    update(Article)
                    .where(Article.article_id == key, Article.revision_count == based_on)
                    .values(
                        {name: row[name] for name in CHANGED_COLUMNS}
                        | {"revision_count": based_on + 1, "last_changed_at": now}
                    )
                    .returning(Article.revision_count)
                )
                revision = session.scalar(stmt)
                if revision is not None:
                    written[key] = revision
            append_revisions(
                session, by_id, contents, written, now, run_id=None, source="reextract"
            )
            # a new reading of the same text (tags, dates...) tells nobody anything
            retold = {
                k: n for k, n in written.items() if hashes.get(k) != contents[k]["content_hash"]
            }
            _record_written(session, by_id, retold, now)
        return sorted(written)


def _record_written(
    session: Session,
    items: Mapping[int, Mapping[str, Any]],
    written: Mapping[int, int],
    now: datetime,
) -> None:
    """Alert events for what a write archived: revision 1 is ``new``, a later one ``changed``
    (an unchanged recheck writes no revision, so it tells nobody anything)."""
    watches = article_watches(session)
    if not watches or not written:
        return
    for kind, wanted in (("new", lambda n: n == 1), ("changed", lambda n: n > 1)):
        changed = [(items[key], n) for key, n in written.items() if wanted(n)]
        if changed:
            record_article_events(session, kind, changed, now, watches)


def _content_hashes(session: Session, article_ids: list[int]) -> dict[int, str]:
    """The current content hash of each archived article of ``article_ids``."""
    stmt = select(Article.article_id, Article.content_hash)
    return {
        key: value
        for part in chunks(article_ids)
        for key, value in session.execute(stmt.where(Article.article_id.in_(part)))
    }


def _insert_absent(session: Session, rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert the rows whose article the archive does not hold; {article_id: 1} of those."""
    articles = Article.__table__
    stmt = upsert(session, articles).on_conflict_do_nothing(index_elements=[articles.c.article_id])
    return execute_upsert(session, stmt, rows, articles.c.article_id, articles.c.revision_count)


def _upsert(session: Session, rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert new rows, update changed ones; returns {article_id: revision} of both.

    One statement executed with the rows as parameters: SQLAlchemy compiles it once (and
    caches it) and sends the rows in multi-row batches ("insertmanyvalues"); building a
    ``.values([...])`` statement per batch instead spent most of the time compiling SQL.
    The SET clause holds SQL literals only: a bound parameter there makes SQLAlchemy fall
    back to one statement per row (sqlalchemy#13130)."""
    articles = Article.__table__
    stmt = upsert(session, articles)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[articles.c.article_id],
        set_={
            **{name: excluded[name] for name in CHANGED_COLUMNS},
            "revision_count": articles.c.revision_count + literal_column("1"),
            "last_checked_at": excluded.last_checked_at,
            "last_changed_at": excluded.last_checked_at,
            "status": literal_column("'live'"),
            "gone_at": null(),
        },
        where=articles.c.content_hash.is_distinct_from(excluded.content_hash),
    )
    return execute_upsert(session, stmt, rows, articles.c.article_id, articles.c.revision_count)
