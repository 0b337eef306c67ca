"""One article and its revision history, looked up by article id (callers turn a URL into its id),
and what a comparison of two revisions covers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import iso_timestamp
from storage.engine import get_session_factory
from storage.export import ARTICLE_COLUMNS, article_record
from storage.models import Article, ArticleRevision

PARAGRAPH = "\n\n"
"""Between paragraphs of a stored body, and between the title and the body in a comparison."""
REVISION_FIELDS = (
    "revision", "captured_at", "source", "content_hash", "title", "word_count", "crawl_run_id",
)  # fmt: skip
"""What a revision listing shows of each revision (the body is kept for diffs)."""


@dataclass(frozen=True, slots=True)
class Revision:
    """One stored content version."""

    revision: int
    captured_at: str
    source: str
    content_hash: str
    title: str
    word_count: int
    crawl_run_id: int | None
    body: str

    def summary(self) -> dict[str, Any]:
        """The revision without its body (for listings and JSON)."""
        return {name: getattr(self, name) for name in REVISION_FIELDS}


class ArticleHistory:
    """Reads single articles and their revisions from one archive."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def record(self, article_id: int) -> dict[str, Any] | None:
        """The export record of an article plus ``gone_at`` (when the site stopped serving it,
        None while live), or None when the archive does not hold it."""
        with self.sessions() as session:
            row = (
                session.execute(select(*ARTICLE_COLUMNS).where(Article.article_id == article_id))
                .mappings()
                .first()
            )
        if row is None:
            return None
        return {**article_record(row), "gone_at": iso_timestamp(row["gone_at"])}

    def revisions(self, article_id: int) -> list[Revision]:
        """Every revision of an article, oldest first."""
        stmt = (
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article_id)
            .order_by(ArticleRevision.revision)
        )
        with self.sessions() as session:
            return [
                Revision(
                    revision=r.revision,
                    captured_at=iso_timestamp(r.captured_at) or "",
                    source=r.source,
                    content_hash=r.content_hash,
                    title=r.title,
                    word_count=r.word_count,
                    crawl_run_id=r.crawl_run_id,
                    body=r.body,
                )
                for r in session.scalars(stmt)
            ]

    def capture(self, article_id: int) -> dict[str, Any] | None:
        """The newest raw capture of an article as kept in the WARC files: its target URI
        (what a replay tool such as pywb looks up, e.g. the ``?page=all`` copy), the file and
        when it was fetched, and for a revisit record the file and date of the original whose
        payload it repeats; None when no revision recorded one (WARC writing was off)."""
        stmt = (
            select(ArticleRevision.warc_records, ArticleRevision.fetched_at)
            .where(ArticleRevision.article_id == article_id)
            .order_by(ArticleRevision.revision.desc())
        )
        with self.sessions() as session:
            for records, fetched_at in session.execute(stmt):
                if records:
                    first = records[0]
                    capture = {
                        "uri": first["uri"],
                        "file": first["file"],
                        "fetched_at": iso_timestamp(fetched_at),
                    }
                    original = first.get("revisit_of")
                    if isinstance(original, dict):  # a revisit: the body is in the original
                        capture["revisit_of"] = {
                            "file": original.get("file"),
                            "date": original.get("date"),
                        }
                    return capture
        return None


def revision_text(title: str, body: str) -> str:
    """What a comparison of two revisions covers (the CLI's unified diff, the web reader's side
    by side): the title as the first paragraph, then the body's non-blank paragraphs."""
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split(PARAGRAPH) if p.strip()]
    return PARAGRAPH.join([title.strip(), *paragraphs])
