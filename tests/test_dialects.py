"""Where the databases differ (storage/dialects.py): the same answers on SQLite and PostgreSQL,
and no other storage module branching on the dialect."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from storage.browse import ArchiveBrowser
from storage.crawl_queries import CrawlQueries
from storage.models import Article, ArticleRevision
from storage.stats import ArchiveStats
from storage.writes import ArchiveWriter
from tests.factories import make_item

ROOT = Path(__file__).resolve().parent.parent
DIALECT_BRANCHES_ALLOWED = {
    "dialects.py": "the one place for dialect differences",
    "search.py": "tsvector vs FTS5: two query languages, each kept beside its twin",
    "deadlines.py": "a statement deadline: statement_timeout vs a progress handler, side by side",
    "types.py": "a column type converts values for the dialect it is bound to",
}
"""Storage modules that may read ``dialect.name``, and why."""


def test_days_and_months_are_counted_on_the_site_calendar(archive_url: str) -> None:
    """20:00 UTC on 31 October is 03:00 WIB on 1 November: both databases say November."""
    late = datetime(2026, 10, 31, 20, 0, tzinfo=UTC)
    ArchiveWriter(archive_url).store_articles([make_item(1, published_at=late.isoformat())])
    assert ArchiveBrowser(archive_url).per_day(date(2026, 10, 1)) == {"2026-11-01": 1}
    assert ArchiveStats(archive_url).collect()["by_month"] == {"2026-11": 1}


def test_article_and_its_revision_share_one_reading_of_the_item(archive_url: str) -> None:
    """An item without ``fetched_at`` gets one default time, on the article and its revision."""
    item = make_item(3)
    del item["fetched_at"]
    writer = ArchiveWriter(archive_url)
    assert writer.store_articles([item]).new == [3]
    with writer.sessions() as session:
        article = session.execute(select(Article.fetched_at, Article.word_count)).one()
        revision = session.execute(
            select(ArticleRevision.fetched_at, ArticleRevision.word_count)
        ).one()
    assert tuple(article) == tuple(revision)


def test_upsert_reports_exactly_the_rows_it_wrote(archive_url: str) -> None:
    """RETURNING (SQLite) and xmin (PostgreSQL) tell the same new / updated / unchanged."""
    writer = ArchiveWriter(archive_url)
    writer.store_articles([make_item(1), make_item(2, tags=["Baru", "Baru"])])
    changed = make_item(2, title="Lain", tags=["Baru"])
    result = writer.store_articles([make_item(1), changed, make_item(4)])
    assert (result.new, result.updated, result.unchanged) == ([4], [2], [1])
    queries = CrawlQueries(archive_url)
    assert (queries.article_ids_tagged("Baru"), queries.article_ids_tagged("NATO")) == ([2], [1, 4])


def test_only_the_dialects_module_branches_on_the_database() -> None:
    branching = sorted(
        path.name
        for path in (ROOT / "storage").glob("*.py")
        if "dialect.name" in path.read_text(encoding="utf-8")
    )
    assert branching == sorted(DIALECT_BRANCHES_ALLOWED)
