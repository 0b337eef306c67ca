"""Full-text search in the storage layer: ranking, Indonesian words, sync with revisions."""

from __future__ import annotations

import pytest

from storage.repository import ArchiveRepository
from storage.search import ArchiveSearch, fts5_query
from tests.factories import make_item

BODY_HEAVY = "VIVA – " + " ".join(["Pasukan cadangan bergerak ke perbatasan."] * 12)


@pytest.fixture
def search(archive_url: str) -> ArchiveSearch:
    repository = ArchiveRepository(archive_url)
    repository.store_articles(
        [
            make_item(
                1, title="Pasukan Elite Tiba di Natuna", body="VIVA – Kapal perang bersandar."
            ),
            make_item(2, title="Latihan Malam di Perbatasan", body=BODY_HEAVY),
            make_item(3, title="Kapal Induk Berlayar", body="VIVA – Tidak ada kata kunci di sini."),
        ]
    )
    return ArchiveSearch(archive_url)


def test_title_match_outranks_many_body_matches(search: ArchiveSearch) -> None:
    hits = search.search("pasukan")
    assert [hit.article_id for hit in hits] == [1, 2]
    assert [hit.in_title for hit in hits] == [True, False]
    assert "[Pasukan]" in hits[1].snippet or "[pasukan]" in hits[1].snippet.lower()
    assert "\n" not in hits[1].snippet


def test_every_word_must_match(search: ArchiveSearch) -> None:
    assert [hit.article_id for hit in search.search("pasukan natuna")] == [1]
    assert search.search("pasukan kapal induk") == []


def test_revision_two_is_searchable_by_its_new_words(
    archive_url: str, search: ArchiveSearch
) -> None:
    ArchiveRepository(archive_url).store_articles(
        [make_item(3, title="Kapal Induk Berlayar", body="VIVA – Gencatan senjata disepakati.")]
    )
    assert [hit.article_id for hit in search.search("gencatan")] == [3]
    assert search.search("kunci") == [], "words of revision 1 no longer match"


@pytest.mark.parametrize("query", ['"pasukan', "pasukan OR", "title: pasukan", "pasukan*", "-x"])
def test_operators_in_user_text_are_harmless(search: ArchiveSearch, query: str) -> None:
    search.search(query)  # no syntax error on either database


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('NATO "siaga" -- OR pasukan*') == '"NATO" "siaga" "OR" "pasukan"'
    assert fts5_query("?!") == ""
