"""Storage operations on both databases: batches, revisions, gone articles, reads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage.crawl_queries import CrawlQueries
from storage.engine import get_session_factory
from storage.models import Article, ArticleRevision
from storage.writes import ArchiveWriter
from tests.factories import make_item

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


@pytest.fixture
def writer(archive_url: str) -> ArchiveWriter:
    return ArchiveWriter(archive_url)


@pytest.fixture
def queries(archive_url: str) -> CrawlQueries:
    return CrawlQueries(archive_url)


def revisions(writer: ArchiveWriter, article_id: int) -> list[ArticleRevision]:
    with writer.sessions() as session:
        stmt = (
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article_id)
            .order_by(ArticleRevision.revision)
        )
        return list(session.scalars(stmt))


def article(writer: ArchiveWriter, article_id: int) -> Article:
    with writer.sessions() as session:
        found = session.get(Article, article_id)
        assert found is not None
        return found


def test_new_article_is_stored_with_revision_1(
    writer: ArchiveWriter, queries: CrawlQueries
) -> None:
    result = writer.store_articles([make_item(1)], now=T0)
    assert (result.new, result.updated, result.unchanged) == ([1], [], [])
    row = article(writer, 1)
    assert row.title == "NATO Siagakan Pasukan di Perbatasan"
    assert row.published_at == datetime(2026, 11, 20, 3, 15, tzinfo=UTC)
    assert row.authors == ["Andi Saputra", "Rina Wulandari"]
    assert row.lead_image_credit == "rferl.org"
    assert (row.status, row.revision_count, row.first_seen_at, row.last_changed_at) == (
        "live", 1, T0, T0,
    )  # fmt: skip
    assert [r.revision for r in revisions(writer, 1)] == [1]
    assert queries.article_ids_tagged("NATO") == [1]


def test_same_content_again_gives_no_revision(writer: ArchiveWriter) -> None:
    writer.store_articles([make_item(1)], now=T0)
    later = T0 + timedelta(hours=2)
    result = writer.store_articles([make_item(1, tags=["NATO"])], now=later)
    assert (result.new, result.updated, result.unchanged) == ([], [], [1])
    row = article(writer, 1)
    assert (row.last_checked_at, row.last_changed_at, row.revision_count) == (later, T0, 1)
    assert row.tags == ["NATO", "Rusia"], "an unchanged capture overwrites nothing"
    assert len(revisions(writer, 1)) == 1


def test_changed_content_gives_revision_2_and_keeps_revision_1(
    writer: ArchiveWriter, queries: CrawlQueries
) -> None:
    writer.store_articles([make_item(1)], now=T0)
    later = T0 + timedelta(days=1)
    edited = make_item(1, body="VIVA – Paragraf pertama yang diperbaiki.", tags=["Ukraina"])
    result = writer.store_articles([edited], now=later)
    assert result.updated == [1]
    history = revisions(writer, 1)
    assert [r.revision for r in history] == [1, 2]
    assert history[0].body == "VIVA – Paragraf pertama.\n\nParagraf kedua."
    assert history[0].tags == ["NATO", "Rusia"]
    assert history[1].body == edited["body"] and history[1].captured_at == later
    row = article(writer, 1)
    assert (row.revision_count, row.body, row.last_changed_at) == (2, edited["body"], later)
    assert row.first_seen_at == T0
    assert queries.article_ids_tagged("Ukraina") == [1]
    assert queries.article_ids_tagged("NATO") == []


def test_gone_keeps_content(writer: ArchiveWriter) -> None:
    writer.store_articles([make_item(1), make_item(2)], now=T0)
    assert writer.mark_gone([1, 99], now=T0 + timedelta(hours=3)) == [1]
    assert writer.mark_gone([1]) == [], "already gone: nothing to mark"
    row = article(writer, 1)
    assert (row.status, row.gone_at) == ("gone", T0 + timedelta(hours=3))
    assert row.body.startswith("VIVA –") and row.title
    assert len(revisions(writer, 1)) == 1
    assert article(writer, 2).status == "live"


def test_batch_with_same_article_twice_keeps_the_last(writer: ArchiveWriter) -> None:
    first, second = make_item(5, title="Judul lama"), make_item(5, title="Judul baru")
    result = writer.store_articles([first, make_item(6), second], now=T0)
    assert sorted(result.new) == [5, 6]
    assert article(writer, 5).title == "Judul baru"
    assert [r.title for r in revisions(writer, 5)] == ["Judul baru"]


def test_mixed_batch_sorts_new_updated_unchanged(writer: ArchiveWriter) -> None:
    writer.store_articles([make_item(1), make_item(2)], now=T0)
    batch = [make_item(1), make_item(2, title="Judul diperbarui"), make_item(3)]
    result = writer.store_articles(batch, now=T0 + timedelta(hours=1))
    assert (result.new, result.updated, result.unchanged) == ([3], [2], [1])
    sessions = get_session_factory(writer.sessions.kw["bind"].url.render_as_string(False))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ArticleRevision)) == 4


def test_known_ids_and_recheck_schedule(writer: ArchiveWriter, queries: CrawlQueries) -> None:
    now = T0
    fresh = make_item(10, published_at=(now - timedelta(hours=5)).isoformat())
    week = make_item(11, published_at=(now - timedelta(days=7)).isoformat())
    old = make_item(12, published_at=(now - timedelta(days=40)).isoformat())
    writer.store_articles([fresh, week, old], now=now - timedelta(hours=2))
    assert queries.known_article_ids([10, 12, 13]) == {10, 12}
    assert queries.due_for_recheck(now=now) == [(10, fresh["url"])]
    assert [i for i, _ in queries.due_for_recheck(now=now + timedelta(days=1))] == [10, 11]
    writer.mark_gone([10], now=now)
    assert [i for i, _ in queries.due_for_recheck(now=now + timedelta(days=1))] == [11]
    since, until = now - timedelta(days=10), now
    assert [i for i, _ in queries.published_between(since, until)] == [11]
    assert [i for i, _ in queries.published_between(since, until, live_only=False)] == [10, 11]


def test_naive_timestamps_are_refused(writer: ArchiveWriter, queries: CrawlQueries) -> None:
    with pytest.raises(ValueError, match="offset"):
        writer.store_articles([make_item(1, published_at="2026-11-20T10:15:00")], now=T0)
    assert queries.known_article_ids([1]) == set(), "a failed batch leaves nothing behind"


def test_concurrent_writers_share_new_tags_and_authors(
    writer: ArchiveWriter, queries: CrawlQueries
) -> None:
    """Two crawls storing different articles with the same brand-new names at once."""
    names = {"tags": ["Tag Baru", "Kapal Selam"], "authors": ["Penulis Baru"]}
    batches = [[make_item(100 + n + 10 * w, **names) for n in range(5)] for w in range(2)]
    barrier = threading.Barrier(2)

    def write(batch: list[dict[str, object]]) -> None:
        barrier.wait()
        writer.store_articles(batch, now=T0)

    threads = [threading.Thread(target=write, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    stored = sorted(item["article_id"] for batch in batches for item in batch)
    assert queries.article_ids_tagged("Tag Baru") == stored, "a writer failed or lost its links"
