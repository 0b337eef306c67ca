"""Revisions of written articles: appending them, completing a missing WARC capture, and the
join of an article with its current (latest) revision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from storage.batching import chunks
from storage.models import Article, ArticleRevision
from storage.names import relink_names
from storage.records import revision_row


def latest_revision() -> ColumnElement[bool]:
    """Join condition: an article with its latest (current) revision."""
    return and_(
        Article.article_id == ArticleRevision.article_id,
        Article.revision_count == ArticleRevision.revision,
    )


def append_revisions(
    session: Session,
    items: Mapping[int, Mapping[str, Any]],
    contents: Mapping[int, Mapping[str, Any]],
    written: Mapping[int, int],
    now: datetime,
    *,
    run_id: int | None,
    source: str,
) -> None:
    """Insert revision ``written[id]`` of each written article (``items`` and their
    ``contents`` by id) and relink its tags and authors."""
    if not written:
        return
    session.execute(
        ArticleRevision.__table__.insert(),
        [
            revision_row(items[key], contents[key], revision, now, run_id, source=source)
            for key, revision in written.items()
        ],
    )
    relinked = [key for key, revision in written.items() if revision > 1]
    relink_names(session, {key: items[key] for key in written}, relinked)


def complete_captures(session: Session, items: Sequence[Mapping[str, Any]]) -> None:
    """Give the latest revision of unchanged articles the WARC capture it lacks (its first
    capture failed): fetched again with the same content, no new revision is made."""
    captures = {int(i["article_id"]): i["warc_records"] for i in items if i.get("warc_records")}
    missing: list[dict[str, Any]] = []
    for part in chunks(sorted(captures)):
        rows = session.execute(
            select(ArticleRevision.id, ArticleRevision.article_id, ArticleRevision.warc_records)
            .join(Article, latest_revision())
            .where(Article.article_id.in_(part))
        )
        missing += [
            {"id": revision_id, "warc_records": [dict(r) for r in captures[article_id]]}
            for revision_id, article_id, records in rows
            if not records
        ]
    if missing:
        session.execute(update(ArticleRevision), missing)
