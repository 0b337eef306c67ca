"""The web reader hardened (issue 19): database faults answered like any error, secrets kept
out of logs and process lists, only configured hosts trusted, HEAD everywhere, bounded header
reads, caching headers, and ``serve``'s own failures as one line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from storage.engine import dispose_all
from tests.web_archive import (
    ADDED_PARAGRAPH,
    EDIT_PREFIX,
    WebArchive,
    web_archive,  # noqa: F401  (the module's fixture)
)
from viva_militer_archive.web.app import create_app
from viva_militer_archive.web.caching import IMMUTABLE
from viva_militer_archive.web.security import LOOPBACK_HOSTS, TOKEN_COOKIE

SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options")
ATOM = "{http://www.w3.org/2005/Atom}"
TOKEN = "S3cr3t-T0ken"


def damage(url: str) -> None:
    """What the probe did: a SQLite file cut short, a PostgreSQL table renamed."""
    dispose_all()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        size = path.stat().st_size
        with path.open("r+b") as file:
            file.truncate(size // 2)
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE articles RENAME TO articles_moved"))
    engine.dispose()


@pytest.fixture
def damaged_client(archive_url: str) -> Iterator[TestClient]:
    app = create_app(archive_url)
    damage(archive_url)
    with TestClient(app) as client:
        yield client


def test_a_database_fault_is_an_error_page_with_every_header(
    damaged_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    api = damaged_client.get("/api/articles")
    assert api.status_code in (500, 503), api.text
    assert api.headers["content-type"] == "application/json"
    assert "error" in api.json()
    page = damaged_client.get("/articles")
    assert page.status_code in (500, 503)
    assert page.headers["content-type"].startswith("text/html")
    for response in (api, page):
        assert all(name in response.headers for name in SECURITY)
    faults = [r for r in caplog.records if r.name == "viva_militer_archive.web.app"]
    assert len(faults) == 2 and all(r.exc_info is None for r in faults)
    assert all("\n" not in r.getMessage() for r in faults)


# -- trusted hosts, the base URL, the cookie, HEAD (through the application) ------------------


def test_only_configured_hosts_are_answered(archive_url: str) -> None:
    app = create_app(archive_url, allowed_hosts=LOOPBACK_HOSTS)
    client = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    evil = client.get("/healthz/", headers={"Host": "evil.example"})
    assert evil.status_code == 400 and "location" not in evil.headers
    assert evil.json() == {"error": "unknown host: see serve --allowed-host"}
    assert client.get("/", headers={"Host": "evil.example:8000"}).status_code == 400
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
    assert client.get("/healthz/").headers["location"] == "http://127.0.0.1:8000/healthz"


def test_links_and_redirects_name_the_base_url(archive_url: str) -> None:
    app = create_app(archive_url, allowed_hosts=LOOPBACK_HOSTS, base_url="https://arsip.example")
    client = TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False)
    assert client.get("/healthz/").headers["location"] == "https://arsip.example/healthz"
    feed = ET.fromstring(client.get("/feeds/changes.atom").content)
    links = {link.get("rel"): link.get("href") for link in feed.iter(f"{ATOM}link")}
    assert links == {
        "self": "https://arsip.example/feeds/changes.atom",
        "alternate": "https://arsip.example/changes",
    }
    assert client.get("/healthz", headers={"Host": "arsip.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_the_cookie_holds_no_token_and_is_secure_over_https(archive_url: str) -> None:
    app = create_app(archive_url, token=TOKEN)
    client = TestClient(app)
    cookie = client.get(f"/articles?token={TOKEN}").headers["set-cookie"]
    assert TOKEN not in cookie and "Secure" not in cookie and "HttpOnly" in cookie
    assert client.get("/runs").status_code == 200, "the derived cookie lets the browser in"
    raw = TestClient(app, cookies={TOKEN_COOKIE: TOKEN})
    assert raw.get("/runs").status_code == 401, "the token itself is no cookie"
    https = TestClient(app, base_url="https://testserver")
    assert "; Secure" in https.get(f"/?token={TOKEN}").headers["set-cookie"]
    behind_tls = TestClient(create_app(archive_url, token=TOKEN, base_url="https://a.example"))
    assert "; Secure" in behind_tls.get(f"/?token={TOKEN}").headers["set-cookie"]


HEAD_PATHS = ("/healthz", "/", "/articles", "/api/articles", "/api/ping", "/metrics",
              "/feeds/articles.atom", "/static/style.css", "/articles/1")  # fmt: skip


def test_head_answers_wherever_get_does(archive_url: str) -> None:
    client = TestClient(create_app(archive_url))
    for path in HEAD_PATHS:
        got, head = client.get(path), client.head(path)
        assert (head.status_code, head.content) == (got.status_code, b""), path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["x-content-type-options"] == "nosniff", path
    assert client.post("/healthz").status_code == 405


# -- caching ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(web_archive: WebArchive) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(web_archive.url)) as test_client:
        yield test_client


def revalidated(
    client: TestClient, path: str, **headers: str
) -> tuple[httpx.Response, httpx.Response]:
    """The first answer for ``path`` and the answer to sending back its ETag."""
    first = client.get(path, headers=headers)
    assert first.status_code == 200, (path, first.text)
    again = client.get(path, headers={**headers, "If-None-Match": first.headers["etag"]})
    return first, again


def test_revisions_are_immutable(client: TestClient, web_archive: WebArchive) -> None:  # noqa: F811
    article = web_archive.edited_id
    for path in (f"/articles/{article}/revisions/1..2", f"/api/articles/{article}/revisions/2"):
        first, again = revalidated(client, path)
        assert first.headers["cache-control"] == IMMUTABLE, path
        assert (again.status_code, again.content) == (304, b""), path
        assert again.headers["etag"] == first.headers["etag"], path
        assert again.headers["cache-control"] == IMMUTABLE, path
    revision = client.get(f"/api/articles/{article}/revisions/2").json()
    assert revision["revision"] == 2 and revision["title"].startswith(EDIT_PREFIX)
    assert ADDED_PARAGRAPH in revision["body"]
    diff = client.get(f"/articles/{article}/revisions/1..2").text
    assert f'<a href="/articles/{article}">' in diff
    missing = client.get(f"/api/articles/{article}/revisions/9")
    assert missing.status_code == 404 and "immutable" not in missing.headers.get(
        "cache-control", ""
    )
    assert client.get(f"/api/articles/{article}/revisions/0").status_code == 422


LIST_PAGES = (
    "/articles", "/api/articles", "/changes", "/feeds/articles.atom", "/feeds/changes.atom",
)  # fmt: skip


def test_lists_and_feeds_are_kept_briefly_then_revalidated(client: TestClient) -> None:
    for path in LIST_PAGES:
        first, again = revalidated(client, path)
        assert first.headers["cache-control"] == "public, max-age=60", path
        assert (again.status_code, again.content) == (304, b""), path
        assert again.headers["etag"] == first.headers["etag"], path
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    narrower = client.get("/api/articles?limit=2")
    assert narrower.headers["etag"] != client.get("/api/articles").headers["etag"]


def test_behind_a_token_nothing_is_public(web_archive: WebArchive) -> None:  # noqa: F811
    client = TestClient(create_app(web_archive.url, token=TOKEN))
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    first, again = revalidated(client, "/api/articles", **bearer)
    assert first.headers["cache-control"] == "private, max-age=60"
    assert again.status_code == 304
    revision = client.get(f"/api/articles/{web_archive.edited_id}/revisions/1", headers=bearer)
    assert revision.headers["cache-control"] == "private, max-age=31536000, immutable"


def test_api_next_link_names_the_base_url(web_archive: WebArchive) -> None:  # noqa: F811
    app = create_app(
        web_archive.url, allowed_hosts=LOOPBACK_HOSTS, base_url="https://arsip.example"
    )
    client = TestClient(app, base_url="http://localhost:8000")
    following = client.get("/api/articles?limit=2").json()["next"]
    assert following.startswith("https://arsip.example/api/articles?")


def test_even_an_unexpected_failure_keeps_the_security_headers(archive_url: str) -> None:
    app = create_app(archive_url)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/broken", broken)
    client = TestClient(app, raise_server_exceptions=False)
    answer = client.get("/api/broken")
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error; see the server log"}
    assert all(name in answer.headers for name in SECURITY)
