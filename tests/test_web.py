"""The web reader over real crawled archives (SQLite and PostgreSQL): every page, the JSON API,
the feeds, /healthz and /metrics through the ASGI app; security headers, escaping, the token,
the refusal of an archive it cannot serve, a read-only PostgreSQL role, and a real server
started by ``viva-archive serve``."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from storage.browse import ArticleFilters
from storage.engine import dispose_all
from storage.migrate import downgrade, upgrade
from storage.models import Article
from storage.runs import RunJournal
from tests.crawling import REPO_ROOT, revisions, runs
from tests.databases import postgres_base_url
from tests.web_archive import (
    ADDED_PARAGRAPH,
    EDIT_PREFIX,
    HOSTILE_ID,
    HOSTILE_IMAGE,
    WebArchive,
    serving,
    web_archive,  # noqa: F401  (the module's fixture)
)
from viva_militer_archive.web.app import create_app
from viva_militer_archive.web.archive import ArchiveNotReady, open_archive
from viva_militer_archive.web.pages import templates
from viva_militer_archive.web.render import marked, safe_href

ATOM = "{http://www.w3.org/2005/Atom}"
PAGES = ("/", "/articles", "/search?q=kalajengking", "/changes", "/runs")


@pytest.fixture(scope="module")
def client(web_archive: WebArchive) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(web_archive.url)) as test_client:
        yield test_client


def article_ids(html: str) -> list[int]:
    """Ids of the articles a list page links to, in page order."""
    return [int(i) for i in re.findall(r'<a class="title" href="/articles/(\d+)">', html)]


def walk(client: TestClient, path: str, key: str = "articles") -> list[int]:
    """Every id of a paged API list, following ``next``."""
    seen: list[int] = []
    url: str | None = path
    while url:
        body = client.get(url).json()
        seen += [row["article_id"] for row in body[key]]
        url = body["next"]
    return seen


# -- pages ------------------------------------------------------------------------------------


def test_home_shows_totals_chart_runs_and_health(
    client: TestClient,
    web_archive: WebArchive,  # noqa: F811
) -> None:
    html = client.get("/").text
    total = len(web_archive.ids)
    assert f"<strong>{total}</strong> articles" in html
    assert "<strong>1</strong> gone" in html
    assert html.count('<rect class="bar"') == 90 + 2, "90 days and two subchannels"
    assert html.count('<tr class="run finished">') == 2
    assert "Healthy: no health rule is broken." in html


def test_articles_list_pages_by_key_in_id_order(
    client: TestClient,
    web_archive: WebArchive,  # noqa: F811
) -> None:
    assert article_ids(client.get("/articles").text) == web_archive.ids
    seen, path = [], "/articles?limit=5"
    while path:
        html = client.get(path).text
        seen += article_ids(html)
        older = re.search(r'<a rel="next" href="([^"]+)"', html)
        path = older[1].replace("&amp;", "&") if older else ""
    assert seen == web_archive.ids
    newer = re.search(r'<a rel="prev" href="([^"]+)"', html)
    assert newer is not None
    assert article_ids(client.get(newer[1].replace("&amp;", "&")).text) == web_archive.ids[5:10]


def test_articles_filters(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    specs = web_archive.specs

    def ids(query: str) -> list[int]:
        return article_ids(client.get(f"/articles?{query}").text)

    assert ids("status=gone") == [web_archive.removed_id]
    assert ids("status=live") == [i for i in web_archive.ids if i != web_archive.removed_id]
    dunia = [i for i in web_archive.ids if specs[i].subchannel == "militer-dunia"]
    assert ids("subchannel=militer-dunia") == dunia
    nato = [i for i in web_archive.ids if "NATO" in specs[i].tags]
    assert nato and ids("tag=nato") == nato, "tags match whatever their case"
    author = specs[web_archive.ids[3]].authors[0]
    assert ids(f"author={author}") == [i for i in web_archive.ids if author in specs[i].authors]
    day = specs[web_archive.ids[-1]].published_at.date().isoformat()
    assert ids(f"since={day}&until={day}") == [
        i for i in web_archive.ids if specs[i].published_at.date().isoformat() == day
    ]
    assert ids("subchannel=&since=&until=&tag=&author=&status=") == web_archive.ids


def test_tags_and_authors_link_to_their_lists(
    client: TestClient,
    web_archive: WebArchive,  # noqa: F811
) -> None:
    html = client.get(f"/articles/{HOSTILE_ID}").text
    assert '<a class="chip tag" href="/articles?tag=Kalajengking">Kalajengking</a>' in html
    author = web_archive.specs[HOSTILE_ID].authors[0]
    assert f'href="/articles?author={author.replace(" ", "+")}"' in html


def test_search_page_marks_matches_and_filters(client: TestClient) -> None:
    html = client.get("/search?q=kalajengking").text
    assert article_ids(html) == [HOSTILE_ID]
    assert "1 article match" in html
    assert "<mark>Kalajengking</mark>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert article_ids(client.get("/search?q=kalajengking&status=gone").text) == []
    assert "Type words" in client.get("/search").text
    assert client.get("/search?q=%21%21").status_code == 400


def test_article_page_escapes_hostile_markup(client: TestClient) -> None:
    html = client.get(f"/articles/{HOSTILE_ID}").text
    assert "<script>alert" not in html and "<b>jaringan" not in html and "<img src=x" not in html
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; Serangan Siber Kalajengking</h1>" in html
    assert "&lt;b&gt;jaringan&lt;/b&gt;" in html
    # The parser never keeps a javascript: picture (only http(s) image URLs are archived), and
    # the page would show one as text, never as a link (test_unsafe_urls_are_never_links).
    assert "javascript:" not in html
    assert "Cscript%3Ealert(2)" in html, "the quoting picture is kept, its URL encoded"
    assert "<script" not in html
    assert "Tangkapan &lt;img src=x&gt;" in html
    assert "<img" not in html, "pictures are links, never loaded"


def test_a_javascript_url_is_shown_never_linked() -> None:
    """An archive written before the extractor refused such URLs may still hold one."""
    macro = templates.get_template("macros.html").module.link_or_text  # type: ignore[attr-defined]
    html = str(macro(HOSTILE_IMAGE, "picture 1"))
    shown = f'<span class="unlinked" title="not a web address: shown, not linked">{HOSTILE_IMAGE}'
    assert html.strip() == f"{shown}</span>"
    assert str(macro("https://x.example/<b>.jpg")).strip() == (
        '<a href="https://x.example/&lt;b&gt;.jpg" rel="noreferrer noopener nofollow">'
        "https://x.example/&lt;b&gt;.jpg</a>"
    )


def test_article_page_shows_everything_kept(
    client: TestClient,
    web_archive: WebArchive,  # noqa: F811
) -> None:
    spec = web_archive.specs[web_archive.edited_id]
    html = client.get(f"/articles/{web_archive.edited_id}").text
    assert f"<h1>{EDIT_PREFIX}" in html
    assert f"<p>{ADDED_PARAGRAPH}</p>" in html
    assert spec.published_at.strftime("%Y-%m-%d %H:%M WIB") in html
    stored = client.get(f"/api/articles/{web_archive.edited_id}").json()["url"]
    assert f'href="{stored}"' in html
    assert spec.lead_image is not None and f'href="{spec.lead_image.url}"' in html
    assert "Revisions (2)" in html
    assert f'href="/articles/{web_archive.edited_id}/revisions/1..2"' in html
    assert ".warc.gz</code> at offset" in html
    gone = client.get(f"/articles/{web_archive.removed_id}").text
    assert '<span class="badge gone">gone since' in gone


def test_revision_diff_marks_words(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    html = client.get(f"/articles/{web_archive.edited_id}/revisions/1..2").text
    assert f"<ins>{EDIT_PREFIX.strip()}" in html
    assert f"<ins>{ADDED_PARAGRAPH}</ins>" in html
    assert "<del>" not in html, "the edit only added words"
    backwards = client.get(f"/articles/{web_archive.edited_id}/revisions/2..1").text
    assert f"<del>{ADDED_PARAGRAPH}</del>" in backwards
    assert client.get(f"/articles/{web_archive.edited_id}/revisions/1..9").status_code == 404
    assert client.get(f"/articles/{web_archive.edited_id}/revisions/1-2").status_code == 400


def test_changes_and_runs_pages(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    html = client.get("/changes").text
    assert f'href="/articles/{web_archive.edited_id}/revisions/1..2"' in html
    assert f'<a href="/articles/{web_archive.removed_id}">' in html
    assert client.get("/changes?status=gone").text.count("<li class=") == 1
    html = client.get("/runs").text
    assert html.count('<rect class="bar"') == 4, "duration and new articles of two runs"
    modes = re.findall(r"<td data-label=\"mode\">(backfill|recheck)</td>", html)
    assert modes == ["recheck", "backfill"]


# -- API --------------------------------------------------------------------------------------


def test_api_articles_pages_and_filters(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    assert walk(client, "/api/articles?limit=4") == web_archive.ids
    assert walk(client, "/api/articles?limit=2&status=gone") == [web_archive.removed_id]
    body = client.get(f"/api/articles?before={web_archive.ids[6]}&limit=3").json()
    assert [row["article_id"] for row in body["articles"]] == web_archive.ids[3:6]
    row = client.get("/api/articles?tag=kalajengking").json()["articles"][0]
    assert row["title"].startswith("<script>") and row["tags"] == ["siber", "Kalajengking"]


def test_api_article_and_revisions(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    body = client.get(f"/api/articles/{web_archive.edited_id}").json()
    assert body["title"].startswith(EDIT_PREFIX) and body["revision_count"] == 2
    assert [r["revision"] for r in body["revisions"]] == [1, 2]
    stored = revisions(web_archive.url, web_archive.edited_id)
    full = client.get(f"/api/articles/{web_archive.edited_id}/revisions").json()
    assert [r["body"] for r in full["revisions"]] == [r.body for r in stored]
    gone = client.get(f"/api/articles/{web_archive.removed_id}").json()
    assert gone["status"] == "gone" and gone["gone_at"]


def test_async_page_reads_answer_as_the_browser(web_archive: WebArchive) -> None:  # noqa: F811
    """The event-loop reads of the article and list pages (psycopg's async pool on PostgreSQL,
    the loop's own sqlite3 connection on SQLite) give exactly what the browser's own queries
    give."""
    archive = open_archive(web_archive.url)
    browser, pages = archive.browser, archive.pages
    newest, oldest = web_archive.ids[0], web_archive.ids[-1]
    lists = [
        (None, {}),
        (ArticleFilters(status="gone"), {}),
        (ArticleFilters(tag=web_archive.specs[newest].tags[0]), {}),
        (ArticleFilters(since=datetime(2000, 1, 1).date(), until=datetime.now(UTC).date()), {}),
        (None, {"after": newest}),
        (None, {"before": oldest}),
    ]

    async def compare() -> None:
        await pages.open()
        try:
            on_postgres = make_url(web_archive.url).get_backend_name() == "postgresql"
            assert (pages.pool is not None, pages.local is not None) == (
                on_postgres,
                not on_postgres,
            )
            for article_id in [*web_archive.ids, 987_654_321]:
                expected = browser.article(article_id, with_revisions=True)
                assert await pages.article(article_id, with_revisions=True) == expected
                assert await pages.article_stamp(article_id) == browser.article_stamp(article_id)
            for filters, keys in lists:
                expected_page = browser.articles(filters, limit=2, **keys)
                assert expected_page.rows
                assert await pages.articles(filters, limit=2, **keys) == expected_page
        finally:
            await pages.close()

    asyncio.run(compare())


def test_api_search_gives_plain_snippets_with_ranges(client: TestClient) -> None:
    body = client.get("/api/search?q=kalajengking").json()
    assert body["total"] == 1 and body["query"] == "kalajengking"
    hit = body["hits"][0]
    assert hit["article_id"] == HOSTILE_ID and hit["in_title"] is True
    assert "<mark>" not in hit["snippet"] and "[" not in hit["snippet"], "plain text"
    assert [hit["snippet"][a:b].lower() for a, b in hit["highlights"]] == ["kalajengking"]


def test_api_runs_and_stats(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    listed = client.get("/api/runs").json()["runs"]
    assert [(r["mode"], r["status"]) for r in listed] == [
        ("recheck", "finished"),
        ("backfill", "finished"),
    ]
    assert listed[0]["counters"]["articles_gone"] == 1
    stats = client.get("/api/stats").json()
    assert (stats["articles"], stats["gone"], stats["articles_revised"]) == (
        len(web_archive.ids), 1, 1,
    )  # fmt: skip
    assert len(stats["per_day"]) == 90 and sum(stats["per_day"].values()) == len(web_archive.ids)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/articles/99", 404),
        ("/api/articles/0", 422),
        ("/api/articles/9223372036854775808", 422),
        ("/api/articles/abc", 422),
        ("/api/articles/99/revisions", 404),
        ("/api/articles?limit=101", 422),
        ("/api/articles?limit=0", 422),
        ("/api/articles?after=1&before=2", 400),
        ("/api/articles?since=2026-13-01", 400),
        ("/api/articles?since=0001-01-01", 400),
        ("/api/articles?since=2026-02-01&until=2026-01-01", 400),
        ("/api/articles?status=dead", 400),
        ("/api/articles?status=deleted", 422),
        ("/api/articles?tag=" + "x" * 101, 422),
        ("/api/articles?tag=a%00b", 400),
        ("/api/search", 422),
        ("/api/search?q=", 400),
        ("/api/search?q=%3F%21", 400),
        ("/api/search?q=pasukan%00", 400),
        ("/api/search?q=" + "kata+" * 41, 422),
        ("/api/search?q=x&offset=-1", 422),
        ("/api/runs?limit=1000", 422),
        ("/api/articles?q=" + "x" * 3000, 414),
        ("/api/nothing", 404),
    ],
)
def test_api_bad_input_is_a_4xx_json_error(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"error"} and "\n" not in response.json()["error"]


def test_pages_refuse_bad_input_with_an_error_page(client: TestClient) -> None:
    for path, status in [("/articles/99", 404), ("/articles?since=x", 400), ("/nope", 404)]:
        response = client.get(path)
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        assert f"<h1>{status}</h1>" in response.text


# -- feeds, health, metrics -------------------------------------------------------------------


def entries(client: TestClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return [
        {
            "id": entry.findtext(f"{ATOM}id") or "",
            "title": entry.findtext(f"{ATOM}title") or "",
            "link": entry.find(f"{ATOM}link").get("href", ""),  # type: ignore[union-attr]
        }
        for entry in feed.iter(f"{ATOM}entry")
    ]


def test_feeds_list_new_articles_and_changes(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    new = entries(client, "/feeds/articles.atom")
    assert [e["id"] for e in new] == [
        f"urn:viva-militer-archive:article:{i}" for i in web_archive.ids
    ]
    assert new[0]["title"] == web_archive.specs[HOSTILE_ID].title, "escaped by XML, kept as text"
    assert [e["id"] for e in entries(client, "/feeds/articles.atom?tag=Kalajengking")] == [
        f"urn:viva-militer-archive:article:{HOSTILE_ID}"
    ]
    changes = entries(client, "/feeds/changes.atom")
    assert sorted(e["id"] for e in changes) == sorted([
        f"urn:viva-militer-archive:article:{web_archive.edited_id}:edited:2",
        f"urn:viva-militer-archive:article:{web_archive.removed_id}:gone:gone",
    ])  # fmt: skip
    assert any(
        e["link"].endswith(f"/articles/{web_archive.edited_id}/revisions/1..2") for e in changes
    )
    dunia = entries(client, "/feeds/changes.atom?subchannel=militer-dunia")
    expected = {
        i for i in (web_archive.edited_id, web_archive.removed_id)
        if web_archive.specs[i].subchannel == "militer-dunia"
    }  # fmt: skip
    assert {int(e["id"].split(":")[3]) for e in dunia} == expected


def test_healthz_ok_then_503_after_failures(
    archive_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIVA_MAX_FAILURES", "2")  # the daemon's own setting
    client = TestClient(create_app(archive_url))
    assert client.get("/healthz").json() == {"status": "ok", "warnings": []}
    journal = RunJournal(archive_url)
    journal.finish(journal.start("recheck", {}), status="finished", reason="finished")
    for _ in range(2):
        journal.finish(journal.start("latest", {}), status="failed", reason="exit code 1")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "warnings": ["2 latest runs failed in a row"]}
    assert "2 latest runs failed in a row" in client.get("/").text
    monkeypatch.setenv("VIVA_MAX_FAILURES", "many")
    with pytest.raises(ArchiveNotReady, match="health thresholds: --max-failures 'many'"):
        create_app(archive_url)


def metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=")
    values = metric_values(response.text)
    total = len(web_archive.ids)
    assert values[("viva_archive_articles", (("status", "live"),))] == total - 1
    assert values[("viva_archive_articles", (("status", "gone"),))] == 1
    assert values[("viva_archive_revisions", ())] == total + 1
    recorded = {r.mode: r for r in runs(web_archive.url)}
    for mode, run in recorded.items():
        assert run.finished_at is not None
        stamp = values[("viva_archive_last_successful_run_timestamp_seconds", (("mode", mode),))]
        assert stamp == pytest.approx(run.finished_at.timestamp())
        assert values[("viva_archive_last_run_success", (("mode", mode),))] == 1
        assert values[("viva_archive_last_run_errors", (("mode", mode),))] == run.errors
    assert 0 <= values[("viva_archive_extraction_warning_ratio", ())] <= 1
    assert all(name.startswith("viva_archive_") for name, _ in values)


# -- security ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [*PAGES, "/api/articles", "/feeds/articles.atom", "/nope", "/static/style.css"]
)
def test_security_headers_on_every_answer(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_pages_hold_no_inline_script_or_style(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    paths = [*PAGES, f"/articles/{HOSTILE_ID}", f"/articles/{web_archive.edited_id}/revisions/1..2"]
    for path in paths:
        html = client.get(path).text
        assert "<script" not in html and "<style" not in html and " style=" not in html, path
        assert not re.search(r'(src|href)="(?!/|https?://|#)', html), path


def test_token_guards_everything_but_static(web_archive: WebArchive) -> None:  # noqa: F811
    client = TestClient(create_app(web_archive.url, token="s3cret"))
    for path in ["/", "/api/articles", "/metrics", "/healthz", "/feeds/articles.atom"]:
        assert client.get(path).status_code == 401, path
    assert client.get("/api/articles").json() == {"error": "access token required"}
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/favicon.ico").status_code == 200, "browsers ask for it without a token"
    bearer = {"Authorization": "Bearer s3cret"}
    assert client.get("/api/articles", headers=bearer).status_code == 200
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/?token=%C3%BC%00").status_code == 401, "any text is merely wrong"
    first = client.get("/articles?token=s3cret")
    assert first.status_code == 200 and "HttpOnly" in first.headers["set-cookie"]
    assert client.get("/runs").status_code == 200, "the cookie carries the token from now on"


# -- the archive it serves --------------------------------------------------------------------


@pytest.mark.slow
def test_refuses_an_archive_behind_or_missing(
    database_url: str,
) -> None:
    with pytest.raises(ArchiveNotReady, match=r"holds no archive|no archive at"):
        create_app(database_url)
    upgrade(database_url, "0002")
    with pytest.raises(ArchiveNotReady, match=r"behind this program's .*viva-archive db upgrade"):
        create_app(database_url)
    result = subprocess.run(
        [sys.executable, "-m", "viva_militer_archive.cli.main", "serve", "--database-url",
        database_url],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().startswith("viva-archive: error: database")
    assert "behind" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    upgrade(database_url)
    downgrade(database_url, "base")


@pytest.fixture
def read_only_url(web_archive: WebArchive) -> Iterator[str]:  # noqa: F811
    """The archive's URL for a fresh role that may only read it (PostgreSQL only)."""
    url = make_url(web_archive.url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("roles are a PostgreSQL matter")
    schema = url.query["options"].split("=", 1)[1]
    role = f"viva_reader_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_base_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(sa.text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
        conn.execute(sa.text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
    try:
        yield url.set(username=role).render_as_string(hide_password=False)
    finally:
        dispose_all()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_serves_everything_with_a_read_only_role(
    read_only_url: str,
    web_archive: WebArchive,  # noqa: F811
) -> None:
    client = TestClient(create_app(read_only_url))
    paths = [
        *PAGES, f"/articles/{web_archive.edited_id}",
        f"/articles/{web_archive.edited_id}/revisions/1..2",
        "/api/articles", "/api/search?q=kalajengking", "/api/stats", "/api/runs", "/healthz",
        "/metrics", "/feeds/articles.atom", "/feeds/changes.atom",
    ]  # fmt: skip
    for path in paths:
        assert client.get(path).status_code == 200, path
    engine = sa.create_engine(read_only_url)
    with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission"):
        conn.execute(sa.text("DELETE FROM articles"))
    engine.dispose()


def test_viva_archive_serve_runs_a_real_server(web_archive: WebArchive) -> None:  # noqa: F811
    with (
        serving(web_archive.url, env={"VIVA_ARCHIVE_TOKEN": "t0ken"}) as served,
        httpx.Client(base_url=served.base_url, timeout=10) as http,
    ):
        assert http.get("/api/ping").status_code == 401
        auth = {"Authorization": "Bearer t0ken"}
        home = http.get("/", headers=auth)
        assert home.status_code == 200 and "Healthy" in home.text
        assert "server" not in home.headers
        assert http.get(f"/articles/{HOSTILE_ID}", headers=auth).status_code == 200
        assert http.get("/healthz", headers=auth).json()["status"] == "ok"
    assert served.returncode == 0, served.output
    assert "GET /" not in served.output, "no access log unless asked for"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x",
     "http://[::1", "//example.test/x", "https:///no-host", None, 7],
)  # fmt: skip
def test_unsafe_urls_are_never_links(url: object) -> None:
    assert safe_href(url) is None


def test_snippet_marks_are_added_after_escaping() -> None:
    text = "<script>alert(1)</script> pasukan & co"
    start = text.index("pasukan")
    html = str(marked(text, [(start, start + len("pasukan"))]))
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>pasukan</mark> &amp; co"


def test_article_page_revalidates_with_its_etag(
    client: TestClient,
    web_archive: WebArchive,  # noqa: F811
) -> None:
    path = f"/articles/{web_archive.edited_id}"
    first = client.get(path)
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and first.headers["cache-control"] == "private, no-cache"
    again = client.get(path, headers={"If-None-Match": f'"other", {tag}'})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    assert again.headers["x-content-type-options"] == "nosniff"
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    missing = client.get("/articles/999999999", headers={"If-None-Match": "*"})
    assert missing.status_code == 404
    engine = sa.create_engine(web_archive.url)
    with engine.begin() as conn:  # what a recheck of the article writes
        conn.execute(
            sa.update(Article)
            .where(Article.article_id == web_archive.edited_id)
            .values(last_checked_at=datetime.now(UTC))
        )
    engine.dispose()
    changed = client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
