"""One filter, one answer: the same :class:`ArticleFilters` selects the same articles through the
web reader's lists (thread and event-loop reads), the changes list, the search, the export (the
storage call and the CLI), the JSON API and the Atom feeds, on both databases."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crawler.arguments import CrawlArguments
from storage.browse import ArchiveBrowser
from storage.clock import WIB, day_window
from storage.export import ArchiveExport, export_query
from storage.filters import ArticleFilters
from storage.search import ArchiveSearch
from storage.writes import ArchiveWriter
from tests.factories import make_item
from viva_militer_archive.cli.arguments import day_window as cli_day_window
from viva_militer_archive.cli.main import main
from viva_militer_archive.web.app import create_app

ARTICLES = {
    # id: (published, subchannel, tags, authors)
    1: ("2026-11-20T10:15:00+07:00", "militer-dunia", ["Österreich", "NATO"], ["Andi Saputra"]),
    2: ("2026-11-21T00:30:00+07:00", "militer-indonesia", ["natO"], ["ANDI SAPUTRA"]),
    3: ("2026-11-21T23:59:00+07:00", "militer-dunia", ["Rusia"], ["Rina Wulandari"]),
    4: ("2026-11-22T00:00:00+07:00", "militer-indonesia", ["österreich"], ["Rina Wulandari"]),
    5: ("2026-11-19T23:59:59+07:00", "militer-dunia", ["NATO"], ["Andi Saputra"]),
}
"""Names in several cases (one with a capital SQLite's ``lower()`` leaves alone), times at the
edges of WIB days (01:00 and 00:00 WIB are the previous day in UTC)."""
GONE = 3
DAY_20, DAY_21 = date(2026, 11, 20), date(2026, 11, 21)

CASES = {
    "tag, any ASCII case": (ArticleFilters(tag="nato"), {1, 2, 5}),
    "author, any ASCII case": (ArticleFilters(author="andi saputra"), {1, 2, 5}),
    "one WIB day": (ArticleFilters(since=DAY_21, until=DAY_21), {2, 3}),
    "until a WIB day": (ArticleFilters(until=DAY_20), {1, 5}),
    "since a WIB day": (ArticleFilters(since=date(2026, 11, 22)), {4}),
    "subchannel and tag": (ArticleFilters(subchannel="militer-dunia", tag="NATO"), {1, 5}),
    "status": (ArticleFilters(status="gone"), {GONE}),
    "everything": (
        ArticleFilters("militer-indonesia", DAY_20, DAY_21, "NATO", "andi saputra", "live"),
        {2},
    ),
    "no such tag": (ArticleFilters(tag="tidak-ada"), set()),
    "stored name, non-ASCII capital": (ArticleFilters(tag="Österreich"), None),
    "lower-case, non-ASCII": (ArticleFilters(tag="österreich"), None),
}
"""Filters and the articles they select (None: the database's ``lower()`` decides, only the
agreement of every path is checked)."""


@pytest.fixture
def archive(archive_url: str) -> str:
    writer = ArchiveWriter(archive_url)
    for title in ("Berita", "Berita baru"):  # every article edited once: all in the changes
        writer.store_articles(
            [
                make_item(
                    key,
                    title=f"{title} {key}",
                    body=f"VIVA – Pasukan {key} siaga.",
                    published_at=published,
                    subchannel=subchannel,
                    tags=tags,
                    authors=authors,
                )
                for key, (published, subchannel, tags, authors) in ARTICLES.items()
            ]
        )
    writer.mark_gone([GONE])
    return archive_url


def query(filters: ArticleFilters) -> dict[str, str]:
    return filters.query_items()


def cli_filters(filters: ArticleFilters) -> list[str]:
    return [part for key, value in query(filters).items() for part in (f"--{key}", value)]


def feed_ids(document: bytes) -> set[int]:
    return {int(n) for n in re.findall(rb"<id>urn:viva-militer-archive:article:(\d+)", document)}


@pytest.mark.parametrize("case", CASES)
def test_every_path_selects_the_same_articles(
    archive: str, case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    filters, expected = CASES[case]
    browser = ArchiveBrowser(archive)
    search = ArchiveSearch(archive)
    found = {
        "list": {row["article_id"] for row in browser.articles(filters, limit=100).rows},
        "changes": {change.article_id for change in browser.changes(filters, limit=100)},
        "search": {hit.article_id for hit in search.search("pasukan", limit=100, filters=filters)},
        "export": {r["article_id"] for r in ArchiveExport(archive).records(export_query(filters))},
    }
    assert search.count("pasukan", filters=filters) == len(found["search"])
    output = tmp_path / "export.jsonl"
    assert (
        main(["--database-url", archive, "export", "-o", str(output), *cli_filters(filters)]) == 0
    )
    found["cli export"] = {
        json.loads(line)["article_id"] for line in output.read_text().splitlines()
    }
    assert (
        main(["--database-url", archive, "search", "pasukan", "--json", *cli_filters(filters)]) == 0
    )
    found["cli search"] = {hit["article_id"] for hit in json.loads(capsys.readouterr().out)}
    with TestClient(create_app(archive)) as client:  # lists read on the event loop
        articles = client.get("/api/articles", params={**query(filters), "limit": 100}).json()
        found["api list"] = {row["article_id"] for row in articles["articles"]}
        hits = client.get("/api/search", params={**query(filters), "q": "pasukan", "limit": 100})
        found["api search"] = {hit["article_id"] for hit in hits.json()["hits"]}
        if set(query(filters)) <= {"subchannel", "tag"}:  # what feeds filter by
            feed = client.get("/feeds/articles.atom", params=query(filters)).content
            found["feed"] = feed_ids(feed)
            changes = client.get("/feeds/changes.atom", params=query(filters)).content
            found["changes feed"] = feed_ids(changes)
    expected = found["list"] if expected is None else expected
    assert found == dict.fromkeys(found, expected)


def test_the_stored_name_always_matches(archive: str) -> None:
    """Whatever the database lowers, a name given as stored selects its articles."""
    for name, key in (("Österreich", 1), ("österreich", 4), ("natO", 2)):
        filters = ArticleFilters(tag=name)
        assert key in {row["article_id"] for row in ArchiveBrowser(archive).articles(filters).rows}
        assert key in {
            hit.article_id for hit in ArchiveSearch(archive).search("pasukan", filters=filters)
        }


def test_one_day_window_for_every_caller() -> None:
    """A WIB day is [00:00 WIB, next 00:00 WIB) for lists, search, export, crawls and the CLI."""
    start, end = day_window(DAY_20, DAY_21)
    assert (start, end) == (datetime(2026, 11, 20, tzinfo=WIB), datetime(2026, 11, 22, tzinfo=WIB))
    assert day_window(None, None) == (None, None)
    assert day_window(date.min, date.max) == (None, None), "no instant outside datetime's range"
    crawl = CrawlArguments(mode="backfill", since=DAY_20, until=DAY_21)
    assert crawl.window() == (start, end)
    assert cli_day_window(DAY_20, DAY_21) == (start, end)
