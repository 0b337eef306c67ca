"""Archive operations: set-based batch writes with revisions, and the crawler's read queries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    Table,
    and_,
    delete,
    literal_column,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import get_session_factory
from storage.models import (
    Article,
    ArticleAuthor,
    ArticleRevision,
    ArticleTag,
    Author,
    Tag,
)
from storage.recheck import RECHECK_TIERS
from storage.records import article_row, revision_row
from storage.validation import check_item

TAGS, ARTICLE_TAGS = Tag.__table__, ArticleTag.__table__
AUTHORS, ARTICLE_AUTHORS = Author.__table__, ArticleAuthor.__table__

CHUNK = 500
"""Ids per ``IN (...)`` list: far below both databases' bound-parameter limits."""

# Columns a changed article takes from the new capture (first_seen_at and the key never change).
_CHANGED_COLUMNS = (
    "url", "section", "subchannel", "title", "description", "published_at", "modified_at",
    "authors", "editor", "tags", "lead_image_url", "lead_image_caption", "lead_image_credit",
    "images", "body", "word_count", "page_count", "content_hash", "extraction_warnings",
    "fetched_at",
)  # fmt: skip


@dataclass(slots=True)
class BatchResult:
    """What one batch write did, by article id."""

    new: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Consecutive slices of ``values`` of at most ``size`` elements."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def last_per_article(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One item per article id, the last one seen winning, ordered by id; every item checked
    first (:func:`storage.validation.check_item` raises ``InvalidItem``), so nothing the
    databases cannot hold is ever sent.

    A batch holding one key twice would make ``ON CONFLICT DO UPDATE`` fail ("cannot affect row a
    second time"); a stable order keeps concurrent writers from deadlocking each other."""
    items = list(items)
    for item in items:
        check_item(item)
    latest = {int(item["article_id"]): item for item in items}
    return [latest[key] for key in sorted(latest)]


class ArchiveRepository:
    """Reads and writes the archive of one database; every method is one short transaction."""

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

    # -- writes ---------------------------------------------------------------------------------

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
        batch = last_per_article(items)
        result = BatchResult()
        if not batch:
            return result
        now = now or datetime.now(UTC)
        by_id = {int(item["article_id"]): item for item in batch}
        with self.sessions.begin() as session:
            written = self._upsert(session, [article_row(item, now) for item in batch])
            for article_id in by_id:
                if article_id not in written:
                    result.unchanged.append(article_id)
                elif written[article_id] == 1:
                    result.new.append(article_id)
                else:
                    result.updated.append(article_id)
            if result.unchanged:
                for ids in chunks(result.unchanged):
                    session.execute(
                        update(Article)
                        .where(Article.article_id.in_(ids))
                        .values(last_checked_at=now, status="live", gone_at=None)
                    )
            _append_revisions(session, by_id, written, now, run_id=run_id, source=source)
            _complete_captures(session, [by_id[key] for key in result.unchanged])
        return result

    def _upsert(self, session: Session, rows: list[dict[str, Any]]) -> dict[int, int]:
        """Insert new rows, update changed ones; returns {article_id: revision} of both.

        One statement executed with the rows as parameters: SQLAlchemy compiles it once (and
        caches it) and sends the rows in multi-row batches ("insertmanyvalues"); building a
        ``.values([...])`` statement per batch instead spent most of the time compiling SQL.
        The SET clause holds SQL literals only: a bound parameter there makes SQLAlchemy fall
        back to one statement per row (sqlalchemy#13130).

        On PostgreSQL the rows go without ``RETURNING``, through psycopg's pipelined
        ``executemany`` (about 3x faster than the multi-row ``INSERT ... RETURNING``), and the
        rows written are then read back by their ``xmin``: only rows this transaction inserted
        or updated carry its id there (a conflict whose ``WHERE`` is false only locks the row)."""
        articles = Article.__table__
        stmt = _insert_for(session)(articles)
        excluded = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=[articles.c.article_id],
            set_={
                **{name: excluded[name] for name in _CHANGED_COLUMNS},
                "revision_count": articles.c.revision_count + literal_column("1"),
                "last_checked_at": excluded.last_checked_at,
                "last_changed_at": excluded.last_checked_at,
                "status": literal_column("'live'"),
                "gone_at": null(),
            },
            where=articles.c.content_hash.is_distinct_from(excluded.content_hash),
        )
        written = (articles.c.article_id, articles.c.revision_count)
        if session.get_bind().dialect.name != "postgresql":
            result = session.connection().execute(stmt.returning(*written), rows)
            return {row[0]: row[1] for row in result}
        session.connection().execute(stmt, rows)
        ours = text("articles.xmin = pg_current_xact_id()::xid")
        found: dict[int, int] = {}
        for ids in chunks(sorted(row["article_id"] for row in rows)):
            query = select(*written).where(articles.c.article_id.in_(ids), ours)
            found.update((row[0], row[1]) for row in session.connection().execute(query))
        return found

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
        return sorted(marked)

    def store_reextracted(
        self, items: Iterable[Mapping[str, Any]], *, now: datetime | None = None
    ) -> list[int]:
        """Append a ``reextract`` revision per item and make it the article's current content.

        Each item names in ``based_on`` the revision it was compared with; an article that has
        gained a revision since (a crawl meanwhile) is left alone, so re-reading an older capture
        never hides newer content. Earlier revisions are never touched. Returns the ids written.
        """
        batch = last_per_article(items)
        now = now or datetime.now(UTC)
        written: dict[int, int] = {}
        with self.sessions.begin() as session:
            for item in batch:
                row, based_on = article_row(item, now), int(item["based_on"])
                stmt = (
                    update(Article)
                    .where(
                        Article.article_id == row["article_id"],
                        Article.revision_count == based_on,
                    )
                    .values(
                        {name: row[name] for name in _CHANGED_COLUMNS}
                        | {"revision_count": based_on + 1, "last_changed_at": now}
                    )
                    .returning(Article.revision_count)
                )
                revision = session.scalar(stmt)
                if revision is not None:
                    written[row["article_id"]] = revision
            by_id = {int(item["article_id"]): item for item in batch}
            _append_revisions(session, by_id, written, now, run_id=None, source="reextract")
        return sorted(written)

    # -- reads ----------------------------------------------------------------------------------

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
            .join(Article, _latest_revision())
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
        tiers: Sequence[tuple[timedelta, timedelta]] = RECHECK_TIERS,
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


def _latest_revision() -> Any:
    """Join condition: an article with its latest (current) revision."""
    return and_(
        Article.article_id == ArticleRevision.article_id,
        Article.revision_count == ArticleRevision.revision,
    )


def _captured_ids(session: Session, ids: Sequence[int]) -> set[int]:
    """Ids among ``ids`` archived with a WARC capture of their latest revision, or gone (a
    gone article is not fetched again for its capture)."""
    rows = session.execute(
        select(Article.article_id, Article.status, ArticleRevision.warc_records)
        .join(ArticleRevision, _latest_revision())
        .where(Article.article_id.in_(ids))
    )
    return {article_id for article_id, status, records in rows if records or status != "live"}


def _complete_captures(session: Session, items: Sequence[Mapping[str, Any]]) -> None:
    """Give the latest revision of unchanged articles the WARC capture it lacks (its first
    capture failed): fetched again with the same content, no new revision is made."""
    captures = {int(i["article_id"]): i["warc_records"] for i in items if i.get("warc_records")}
    missing: list[dict[str, Any]] = []
    for part in chunks(sorted(captures)):
        rows = session.execute(
            select(ArticleRevision.id, ArticleRevision.article_id, ArticleRevision.warc_records)
            .join(Article, _latest_revision())
            .where(Article.article_id.in_(part))
        )
        missing += [
            {"id": revision_id, "warc_records": [dict(r) for r in captures[article_id]]}
            for revision_id, article_id, records in rows
            if not records
        ]
    if missing:
        session.execute(update(ArticleRevision), missing)


def _insert_for(session: Session) -> Any:
    """The dialect's ``insert`` (both offer ``on_conflict_do_update`` and ``excluded``)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"unsupported database dialect {dialect!r}")


def _append_revisions(
    session: Session,
    items: Mapping[int, Mapping[str, Any]],
    written: Mapping[int, int],
    now: datetime,
    *,
    run_id: int | None,
    source: str,
) -> None:
    """Insert revision ``written[id]`` of each written article and relink its tags and authors."""
    if not written:
        return
    session.execute(
        ArticleRevision.__table__.insert(),
        [revision_row(items[key], rev, now, run_id, source=source) for key, rev in written.items()],
    )
    changed = {key: items[key] for key in written}
    relinked = [key for key, revision in written.items() if revision > 1]
    _replace_names(session, TAGS, ARTICLE_TAGS, changed, relinked, "tags")
    _replace_names(session, AUTHORS, ARTICLE_AUTHORS, changed, relinked, "authors")


def _replace_names(
    session: Session,
    names_table: Table,
    links_table: Table,
    items: Mapping[int, Mapping[str, Any]],
    relinked: Sequence[int],
    field_name: str,
) -> None:
    """Point the written articles' tag (or author) links at their current names.

    Only ``relinked`` articles (revision 2 and later) can have old links to delete."""
    link_key = next(c.name for c in links_table.primary_key.columns if c.name != "article_id")
    for part in chunks(sorted(relinked)):
        session.execute(delete(links_table).where(links_table.c.article_id.in_(part)))
    pairs = [
        (article_id, name)
        for article_id, item in items.items()
        for name in dict.fromkeys(item.get(field_name) or [])
    ]
    if not pairs:
        return
    if session.get_bind().dialect.name == "postgresql":
        _link_names_postgresql(session, names_table.name, links_table.name, link_key, pairs)
        return
    names = sorted({name for _, name in pairs})
    session.execute(
        sqlite.insert(names_table).on_conflict_do_nothing(), [{"name": n} for n in names]
    )
    ids: dict[str, int] = {}
    for part in chunks(names):
        rows = session.execute(
            select(names_table.c.name, names_table.c.id).where(names_table.c.name.in_(part))
        )
        ids.update((name, name_id) for name, name_id in rows)
    session.execute(links_table.insert(), [{"article_id": a, link_key: ids[n]} for a, n in pairs])


def _link_names_postgresql(
    session: Session, names: str, links: str, link_key: str, pairs: list[tuple[int, str]]
) -> None:
    """Create missing names and all links in one statement over two arrays: one round trip
    and one execution, where row-by-row statements spent most of a batch's time.

    ``DO UPDATE`` (a no-op rename) rather than ``DO NOTHING``: it returns the id of a name that
    exists, including one a concurrent transaction has just committed, which a join on the
    statement's own snapshot could miss. Names are locked in name order, so two writers never
    deadlock on them."""
    session.execute(
        text(
            f"WITH wanted AS (SELECT * FROM unnest(CAST(:articles AS bigint[]), "
            f"CAST(:names AS text[])) AS w(article_id, name)), "
            f"named AS (INSERT INTO {names} (name) SELECT DISTINCT name FROM wanted "
            f"ORDER BY name ON CONFLICT (name) DO UPDATE SET name = excluded.name "
            f"RETURNING id, name) "
            f"INSERT INTO {links} (article_id, {link_key}) "
            f"SELECT w.article_id, n.id FROM wanted w JOIN named n ON n.name = w.name"
        ),
        {"articles": [a for a, _ in pairs], "names": [n for _, n in pairs]},
    )
