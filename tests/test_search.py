"""Full-text search in the storage layer: order, Indonesian affixes, filters, paging, snippets."""

from __future__ import annotations

import json
from datetime import date

import pytest

from storage.search import ArchiveSearch, SearchFilters
from storage.writes import ArchiveWriter
from tests.factories import make_item
from viva_militer_archive.cli.main import main

BODY_HEAVY = "VIVA – " + " ".join(["Pasukan cadangan bergerak ke perbatasan."] * 12)

AFFIXED = {
    11: ("Siaga Gabungan", "TNI memperkuat pertahanan udara di Natuna."),
    12: ("Armada Timur", "Kekuatan armada diperkuat dengan dua kapal baru."),
    13: ("Operasi Malam", "Pasukan khusus menembak sasaran dari jarak jauh."),
    14: ("Insiden Laut", "Sebuah kapal nelayan ditembak di perairan sengketa."),
    15: ("Pos Terdepan", "Kelompok bersenjata menyerang pos penjagaan."),
    16: ("Sejarah Kawasan", "Perang besar pecah di perbatasan dua negara."),
    17: ("Akademi", "Para pelatih melatih kadet; kadet berlatih setiap pagi."),
    18: ("Pangkalan", "Pesawat mendarat di pangkalan setelah pendaratan darurat."),
    19: ("Anggaran", "Pemerintah menguatkan anggaran; penguatan industri pertahanan."),
}


@pytest.fixture
def search(archive_url: str) -> ArchiveSearch:
    ArchiveWriter(archive_url).store_articles(
        [
            make_item(
                1, title="Pasukan Elite Tiba di Natuna", body="VIVA – Kapal perang bersandar."
            ),
            make_item(2, title="Latihan Malam di Perbatasan", body=BODY_HEAVY),
            make_item(3, title="Kapal Induk Berlayar", body="VIVA – Tidak ada kata kunci di sini."),
        ]
    )
    return ArchiveSearch(archive_url)


def ids(hits: list) -> list[int]:  # type: ignore[type-arg]
    return [hit.article_id for hit in hits]


def test_title_match_outranks_many_body_matches(search: ArchiveSearch) -> None:
    hits = search.search("pasukan")
    assert ids(hits) == [1, 2]
    assert [hit.in_title for hit in hits] == [True, False]
    body_hit = hits[1]
    assert "\n" not in body_hit.snippet and "[" not in body_hit.snippet
    marked = [body_hit.snippet[start:end] for start, end in body_hit.highlights]
    assert marked and all(word.lower() == "pasukan" for word in marked)


def test_every_word_must_match(search: ArchiveSearch) -> None:
    assert ids(search.search("pasukan natuna")) == [1]
    assert search.search("pasukan kapal induk") == []


def test_revision_two_is_searchable_by_its_new_words(
    archive_url: str, search: ArchiveSearch
) -> None:
    ArchiveWriter(archive_url).store_articles(
        [make_item(3, title="Kapal Induk Berlayar", body="VIVA – Gencatan senjata disepakati.")]
    )
    assert ids(search.search("gencatan")) == [3]
    assert search.search("kunci") == [], "words of revision 1 no longer match"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"pasukan', [1, 2]),  # an unbalanced quote is no syntax error
        ("pasukan*", [1, 2]),
        ("pasukan OR", []),  # OR is a word to find, not "or anything"
        ("title: pasukan", []),  # not FTS5's column filter (that would find 1)
        ("-x pasukan", []),  # not "pasukan without x" (that would find 1 and 2)
        ("a:* & !b", []),  # not tsquery syntax: words a and b, b nowhere
    ],
)
def test_operators_in_user_text_are_plain_words(
    search: ArchiveSearch, query: str, expected: list[int]
) -> None:
    assert ids(search.search(query)) == expected
    assert search.count(query) == len(expected)


@pytest.mark.parametrize("query", ["", "   ", "?!", "--", "«»"])
def test_a_query_without_words_is_refused(search: ArchiveSearch, query: str) -> None:
    with pytest.raises(ValueError, match="nothing to search for"):
        search.search(query)
    with pytest.raises(ValueError, match="nothing to search for"):
        search.count(query)


@pytest.fixture
def affixed(archive_url: str) -> ArchiveSearch:
    ArchiveWriter(archive_url).store_articles(
        [make_item(key, title=title, body=body) for key, (title, body) in AFFIXED.items()]
    )
    return ArchiveSearch(archive_url)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kuat", {11, 12, 19}),  # memperkuat, kekuatan/diperkuat, menguatkan/penguatan
        ("perkuat", {11, 12, 19}),
        ("memperkuat", {11, 12, 19}),
        ("diperkuat", {11, 12, 19}),
        ("penguatan", {11, 12, 19}),
        ("tembak", {13, 14}),  # men- swallows t: menembak; di-: ditembak
        ("menembak", {13, 14}),
        ("serang", {15}),  # meny- swallows s
        ("perang", {16}),  # not serang: per- is no prefix of a three-letter root
        ("latih", {17}),  # pelatih, melatih, berlatih
        ("berlatih", {17}),
        ("darat", {18}),  # mendarat, pendaratan
        ("pertahanan", {11, 19}),
        ("memperkuat pertahanan", {11, 19}),
        ("kapal", {12, 14}),
        ("kapa", {12, 14}),  # a word start matches (typing)
    ],
)
def test_indonesian_affixed_forms(affixed: ArchiveSearch, query: str, expected: set[int]) -> None:
    hits = affixed.search(query, limit=50)
    assert set(ids(hits)) == expected
    assert affixed.count(query) == len(expected)
    for hit in hits:
        assert hit.highlights, f"the snippet of {hit.article_id} marks its match"


def test_short_words_match_whole_words_only(archive_url: str) -> None:
    ArchiveWriter(archive_url).store_articles(
        [
            make_item(1, title="TNI AL Kirim Kapal", body="Armada TNI AL berangkat."),
            make_item(2, title="Alutsista Baru", body="Alat utama sistem senjata tiba."),
        ]
    )
    assert ids(ArchiveSearch(archive_url).search("al")) == [1]


def test_newest_first_within_each_group_and_pages(archive_url: str) -> None:
    items = [
        make_item(100 + k, title=f"Pasukan {k}" if k % 3 == 0 else f"Berita {k}", body="Pasukan.")
        for k in range(12)
    ]
    ArchiveWriter(archive_url).store_articles(items)
    search = ArchiveSearch(archive_url)
    everything = ids(search.search("pasukan", limit=100))
    titled = [100 + k for k in (9, 6, 3, 0)]
    assert everything == titled + sorted(set(range(100, 112)) - set(titled), reverse=True)
    pages = [ids(search.search("pasukan", limit=5, offset=offset)) for offset in (0, 5, 10)]
    assert pages[0] + pages[1] + pages[2] == everything
    assert [len(page) for page in pages] == [5, 5, 2]
    assert search.search("pasukan", limit=5, offset=12) == []
    assert search.count("pasukan") == 12
    assert search.count("pasukan", cap=5) == 5


def test_filters(archive_url: str) -> None:
    writer = ArchiveWriter(archive_url)
    writer.store_articles(
        [
            make_item(1, body="Pasukan.", published_at="2026-11-20T23:30:00+07:00"),
            make_item(
                2,
                body="Pasukan.",
                published_at="2026-11-21T00:10:00+07:00",  # 2026-11-20 17:10 UTC
                subchannel="militer-indonesia",
                tags=["Natuna"],
                authors=["Budi"],
            ),
            make_item(3, body="Pasukan.", published_at="2026-11-22T09:00:00+07:00"),
        ]
    )
    writer.mark_gone([3])
    search = ArchiveSearch(archive_url)

    def found(**filters: object) -> list[int]:
        return sorted(ids(search.search("pasukan", filters=SearchFilters(**filters))))  # type: ignore[arg-type]

    assert found(since=date(2026, 11, 21)) == [2, 3], "WIB calendar days"
    assert found(until=date(2026, 11, 20)) == [1]
    assert found(since=date(2026, 11, 21), until=date(2026, 11, 21)) == [2]
    assert found(since=date(1, 1, 1), until=date(9999, 12, 31)) == [1, 2, 3], "calendar's ends"
    assert found(subchannel="militer-indonesia") == [2]
    assert found(tag="natuna") == [2] and found(tag="NATO") == [1, 3]
    assert found(author="BUDI") == [2] and found(author="Andi Saputra") == [1, 3]
    assert found(status="gone") == [3] and found(status="live") == [1, 2]
    assert found(tag="natuna", status="gone") == []
    assert search.count("pasukan", filters=SearchFilters(status="live")) == 2
    with pytest.raises(ValueError, match="status"):
        search.search("pasukan", filters=SearchFilters(status="deleted"))
    with pytest.raises(ValueError, match="after"):
        search.search(
            "pasukan", filters=SearchFilters(since=date(2026, 2, 2), until=date(2026, 2, 1))
        )


def test_snippet_is_plain_text_with_offsets(archive_url: str) -> None:
    body = "VIVA – Komandan berkata <script>alert('x')</script> & pasukan [siaga] penuh."
    ArchiveWriter(archive_url).store_articles([make_item(1, title="Berita", body=body)])
    (hit,) = ArchiveSearch(archive_url).search("pasukan siaga")
    assert hit.snippet == body, "the text as archived: nothing added, nothing escaped"
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["pasukan", "siaga"]


def test_long_body_snippet_is_a_window_around_the_matches(archive_url: str) -> None:
    words = [f"kata{n}" for n in range(200)]
    words[150] = "Rudal"
    ArchiveWriter(archive_url).store_articles([make_item(1, title="Berita", body=" ".join(words))])
    (hit,) = ArchiveSearch(archive_url).search("rudal")
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    assert len(hit.snippet.split()) == 24 + 2
    ((start, end),) = hit.highlights
    assert hit.snippet[start:end] == "Rudal"


def test_cli_pages_filters_and_marks(archive_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    items = [
        make_item(100 + k, title=f"Berita {k}", body=f"VIVA – Pasukan <b>{k}</b> siaga.")
        for k in range(5)
    ]
    ArchiveWriter(archive_url).store_articles(items)
    ArchiveWriter(archive_url).mark_gone([101])
    base = ["--database-url", archive_url, "search", "pasukan"]
    assert main([*base, "--limit", "2", "--page", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "3–4 of 5 (title matches first, then newest)"
    assert "[102]" in out and "[101] Berita 1 (gone)" in out
    assert "VIVA – [Pasukan] <b>2</b> siaga." in out, "text output: text as is, matches marked"
    assert main([*base, "--status", "gone", "--json"]) == 0
    (hit,) = json.loads(capsys.readouterr().out)
    assert hit["article_id"] == 101 and hit["snippet"] == "VIVA – Pasukan <b>1</b> siaga."
    assert hit["highlights"] == [[7, 14]]
    assert main([*base, "--tag", "tidak-ada"]) == 0
    assert capsys.readouterr().out == "no article matches 'pasukan'\n"
