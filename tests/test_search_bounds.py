"""Bounded work per search (issue 19): a snippet reads a bounded prefix of a body whatever its
length, a body's length has one bound at the store gate, a search has a deadline the database
enforces, and searches run apart from the other routes."""

from __future__ import annotations

import json
import random
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from crawler.importer import ArchiveImport
from storage.deadlines import DeadlinePassed, statements_until
from storage.engine import get_engine, get_session_factory
from storage.search import ArchiveSearch
from storage.snippets import (
    SCAN_CHARS,
    SNIPPET_WORDS,
    _best_window,
    _window_from_matches,
    make_snippet,
)
from storage.validation import MAX_BODY_CHARS, InvalidItem
from storage.word_forms import parse_query
from storage.writes import ArchiveWriter
from tests.factories import make_item
from tests.web_archive import free_port
from viva_militer_archive.web.app import create_app

HUGE_BODY = "kata " * 1_600_000
"""The issue's 8 MB body."""
MEMORY_BOUND = 2_000_000
"""Bytes a search of one hit may allocate (the 8 MB body alone is four times that)."""
ENDLESS = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(30)",
}


def peak_allocated(work: object) -> int:
    """Bytes of Python memory ``work()`` held at its peak."""
    tracemalloc.start()
    try:
        work()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_snippet_of_an_8_mb_body_reads_only_its_start() -> None:
    words = parse_query("kata")
    snippet = make_snippet(HUGE_BODY, words)
    assert snippet.text.endswith(" …") and len(snippet.text.split()) == SNIPPET_WORDS + 1
    assert len(snippet.highlights) == SNIPPET_WORDS
    assert peak_allocated(lambda: make_snippet(HUGE_BODY, words)) < 4 * SCAN_CHARS * 10


def test_a_match_past_the_scanned_start_shows_the_start() -> None:
    body = "awal " * (SCAN_CHARS // 5) + "rudal"
    snippet = make_snippet(body, parse_query("rudal"))
    assert snippet.highlights == () and snippet.text.startswith("awal awal")
    assert snippet.text.endswith(" …"), "the body goes on past the snippet"


def test_the_snippet_stops_at_the_first_window_holding_every_word() -> None:
    words = [f"kata{n}" for n in range(100)]
    words[3], words[60], words[61] = "Rudal", "Rudal", "Kapal"
    snippet = make_snippet(" ".join(words), parse_query("rudal kapal"))
    assert snippet.text.startswith("… kata38 ") and snippet.text.endswith(" Kapal …")
    assert [snippet.text[a:b] for a, b in snippet.highlights] == ["Rudal", "Kapal"]


def test_one_body_bound_at_the_store_gate(archive_url: str) -> None:
    writer = ArchiveWriter(archive_url)
    writer.store_articles([make_item(1, body="VIVA – Isi lama.")])
    with pytest.raises(InvalidItem, match=f"invalid body: .* more than {MAX_BODY_CHARS}"):
        writer.store_articles([make_item(1, body=HUGE_BODY)])
    (hit,) = ArchiveSearch(archive_url).search("lama")
    assert hit.snippet == "VIVA – Isi lama.", "what the archive held is kept"


def test_an_import_rejects_a_too_long_body_by_line(archive_url: str) -> None:
    ArchiveWriter(archive_url).store_articles([make_item(2, body="VIVA – Isi lama.")])
    lines = [
        json.dumps(item).encode() + b"\n"
        for item in (make_item(1), make_item(2, body=HUGE_BODY), make_item(3))
    ]
    summary = ArchiveImport(archive_url, "https://www.viva.co.id").run(lines)
    assert (summary.new, summary.rejected) == (2, 1)
    ((line, reason),) = summary.rejections
    assert line == 2 and "invalid body" in reason
    (hit,) = ArchiveSearch(archive_url).search("lama")
    assert (hit.article_id, hit.snippet) == (2, "VIVA – Isi lama."), "the archived body is kept"


def test_searching_an_8_mb_body_allocates_a_bounded_amount(archive_url: str) -> None:
    ArchiveWriter(archive_url).store_articles([make_item(1, body="VIVA – kata pendek.")])
    with get_engine(archive_url).begin() as connection:  # as an archive kept from before the bound
        connection.execute(text("UPDATE articles SET body = :body"), {"body": HUGE_BODY})
    search = ArchiveSearch(archive_url)
    search.search("kata")  # statements compiled and cached first
    hits: list[object] = []
    peak = peak_allocated(lambda: hits.extend(search.search("kata")))
    (hit,) = hits
    assert hit.snippet.endswith(" …") and len(hit.highlights) == SNIPPET_WORDS  # type: ignore[attr-defined]
    assert peak < MEMORY_BOUND, f"{peak:,} bytes for one hit"


def test_the_database_stops_a_statement_at_the_deadline(archive_url: str) -> None:
    sessions = get_session_factory(archive_url)
    endless = text(ENDLESS[get_engine(archive_url).dialect.name])
    for deadline, statement in ((0.3, endless), (-1.0, text("SELECT 1"))):
        with (
            pytest.raises(DeadlinePassed),
            sessions() as session,
            statements_until(session, time.monotonic() + deadline),
        ):
            session.execute(statement)
    with sessions() as session:  # the connection is back in the pool without any limit
        assert session.execute(text("SELECT 1")).scalar_one() == 1


@pytest.fixture
def client(archive_url: str) -> Iterator[TestClient]:
    ArchiveWriter(archive_url).store_articles(
        [make_item(k, body=f"VIVA – Pasukan {k} siaga.") for k in range(1, 4)]
    )
    with TestClient(create_app(archive_url)) as test_client:
        yield test_client


def test_a_search_past_its_deadline_answers_503(client: TestClient) -> None:
    assert client.get("/api/search?q=pasukan").json()["total"] == 3
    client.app.state.archive.searches.seconds = 1e-9  # type: ignore[attr-defined]
    answer = client.get("/api/search?q=pasukan")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.json()["error"].startswith("the search took longer than 1e-09 s")
    page = client.get("/search?q=pasukan")
    assert page.status_code == 503 and "the search took longer" in page.text
    assert client.get("/healthz").status_code == 200
    assert client.get("/articles/1").status_code == 200


HEAVY_WORDS = ("pasukan", "tentara", "prajurit", "kapal", "perang", "armada", "pesawat",
               "tempur", "rudal", "senjata", "wilayah", "laut", "udara", "darat")  # fmt: skip
"""14 words every article of the heavy archive holds: a search for all of them, deep in its
pages, reads every article's entries for each word."""
HEAVY_ARTICLES, HEAVY_SEARCHES = 3000, 50


@contextmanager
def real_server(url: str) -> Iterator[str]:
    """The web reader over ``url`` in a real uvicorn server on a free loopback port."""
    config = uvicorn.Config(create_app(url), host="127.0.0.1", port=free_port(), log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{config.port}"
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.mark.slow
def test_heavy_searches_never_hold_up_health_and_article_pages(archive_url: str) -> None:
    rng = random.Random(1)
    writer = ArchiveWriter(archive_url)
    for start in range(0, HEAVY_ARTICLES, 500):
        writer.store_articles(
            [
                make_item(
                    1000 + k, title=f"Berita {k}", body=" ".join(rng.choices(HEAVY_WORDS, k=150))
                )
                for k in range(start, start + 500)
            ]
        )
    heavy = f"/api/search?q={'+'.join(HEAVY_WORDS)}&offset={HEAVY_ARTICLES - 20}"
    answered: list[httpx.Response] = []
    ready = threading.Barrier(HEAVY_SEARCHES + 1)
    with real_server(archive_url) as base:

        def search() -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                ready.wait()
                answered.append(client.get(heavy))

        searches = [threading.Thread(target=search) for _ in range(HEAVY_SEARCHES)]
        for thread in searches:
            thread.start()
        ready.wait()
        time.sleep(0.5)  # every search sent (a search takes far longer than this on 2 cores)
        with httpx.Client(base_url=base, timeout=120) as client:
            health = client.get("/healthz")
            done_by_health = len(answered)
            article = client.get("/articles/1500")
            done_by_article = len(answered)
        for thread in searches:
            thread.join(120)
    assert (health.status_code, article.status_code) == (200, 200)
    assert max(done_by_health, done_by_article) < HEAVY_SEARCHES // 2, (
        f"/healthz answered after {done_by_health} of {HEAVY_SEARCHES} searches, the article "
        f"page after {done_by_article}: they waited behind the searches"
    )
    assert len(answered) == HEAVY_SEARCHES
    for response in answered:
        assert response.status_code in (200, 503), response.text
        if response.status_code == 503:
            assert response.json()["error"].startswith("the search took longer than")


SNIPPET_VOCABULARY = (
    "pasukan", "memperkuat", "kuat", "kekuatan", "tembak", "ditembak", "menembak", "AL", "al",
    "kapal", "perang", "rudal", "2026", "x_kapal", "Kapal,perang", "(rudal)", "VIVA", "–", "…",
)  # fmt: skip


@given(
    text=st.lists(st.sampled_from(SNIPPET_VOCABULARY), max_size=80).map(" ".join),
    query=st.lists(st.sampled_from(["kuat", "tembak", "al", "kapal", "rudal", "2026"]), min_size=1,
                   max_size=3).map(" ".join),
    size=st.integers(1, 30),
)  # fmt: skip
def test_the_fast_window_is_the_word_by_word_window(text: str, query: str, size: int) -> None:
    """The window found from the matches alone is the one reading word by word finds."""
    words = parse_query(query)
    assert _window_from_matches(text, text.lower(), words, size) == _best_window(text, words, size)
