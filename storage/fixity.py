"""The fixity ledger: closed WARC files as recorded, the revisions whose captures a
verification reads, and the history of verifications (for ``/healthz`` and ``/metrics``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.batching import CHUNK
from storage.engine import get_session_factory
from storage.models import Article, ArticleRevision, CrawlRun, Verification, WarcFile

PROBLEM_LINES_KEPT = 100
"""Problem lines stored with a verification (the count is always complete)."""


@dataclass(frozen=True, slots=True)
class Capture:
    """Where one revision's pages are kept."""

    article_id: int
    revision: int
    latest: bool
    """The article's current revision (the one ``--deep`` re-extracts)."""
    url: str
    content_hash: str
    parser_version: str | None
    records: list[dict[str, Any]]


class FixityLedger:
    """Reads and writes the fixity tables of one archive; each call is one short session."""

    def __init__(self, url: str | None = None, sessions: sessionmaker[Session] | None = None):
        self.sessions = sessions or get_session_factory(url)

    def record_file(
        self,
        name: str,
        *,
        size: int,
        records: int,
        sha256: str,
        closed_at: datetime,
        run_id: int | None,
    ) -> None:
        """Record a closed WARC file; a name already recorded keeps its first record (a file
        is never rewritten, so a second report of it changes nothing)."""
        row = WarcFile(
            name=name,
            size=size,
            records=records,
            sha256=sha256,
            closed_at=closed_at,
            crawl_run_id=run_id,
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            with self.sessions() as session:
                if session.scalar(select(WarcFile.id).where(WarcFile.name == name)) is None:
                    raise

    def files(self, since: datetime | None = None) -> list[WarcFile]:
        """Recorded files (closed at or after ``since``), by name."""
        stmt = select(WarcFile).order_by(WarcFile.name)
        if since is not None:
            stmt = stmt.where(WarcFile.closed_at >= since)
        with self.sessions() as session:
            return list(session.scalars(stmt))

    def file_names(self) -> set[str]:
        """Every recorded file name."""
        with self.sessions() as session:
            return set(session.scalars(select(WarcFile.name)))

    def running_run_ids(self) -> set[int]:
        """Crawl runs still writing (their open files are not recorded yet)."""
        with self.sessions() as session:
            return set(session.scalars(select(CrawlRun.id).where(CrawlRun.status == "running")))

    def captures(self, since: datetime | None = None, chunk: int = CHUNK) -> Iterator[Capture]:
        """Every revision with WARC records (fetched at or after ``since``), by id, in keyset
        pages of ``chunk`` (memory flat in the size of the archive)."""
        after = 0
        while True:
            stmt = (
                select(ArticleRevision, Article.revision_count)
                .join(Article, Article.article_id == ArticleRevision.article_id)
                .where(ArticleRevision.id > after, ArticleRevision.warc_records.is_not(None))
                .order_by(ArticleRevision.id)
                .limit(chunk)
            )
            if since is not None:
                stmt = stmt.where(ArticleRevision.fetched_at >= since)
            with self.sessions() as session:
                rows = list(session.execute(stmt))
            if not rows:
                return
            for revision, count in rows:
                yield Capture(
                    article_id=revision.article_id,
                    revision=revision.revision,
                    latest=revision.revision == count,
                    url=revision.url,
                    content_hash=revision.content_hash,
                    parser_version=revision.parser_version,
                    records=list(revision.warc_records or []),
                )
            after = rows[-1][0].id

    def record_verification(
        self,
        *,
        started_at: datetime,
        finished_at: datetime,
        since: datetime | None,
        deep: bool,
        files_checked: int,
        revisions_checked: int,
        problems: Sequence[str],
    ) -> int:
        """Keep one verification's outcome; its id."""
        row = Verification(
            started_at=started_at,
            finished_at=finished_at,
            since=since,
            deep=deep,
            files_checked=files_checked,
            revisions_checked=revisions_checked,
            problems=len(problems),
            problem_lines=list(problems[:PROBLEM_LINES_KEPT]),
        )
        with self.sessions.begin() as session:
            session.add(row)
            session.flush()
            return row.id

    def last_verification(self) -> Verification | None:
        """The most recent verification, or None when the archive was never verified."""
        stmt = select(Verification).order_by(Verification.started_at.desc()).limit(1)
        with self.sessions() as session:
            return session.scalar(stmt)
