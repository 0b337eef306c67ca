"""The web reader hardened (issue 19): database faults answered like any error, secrets kept
out of logs and process lists, only configured hosts trusted, HEAD everywhere, bounded header
reads, caching headers, and ``serve``'s own failures as one line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from storage.engine import dispose_all
from web.app import create_app

SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options")


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
    faults = [r for r in caplog.records if r.name == "web.app"]
    assert len(faults) == 2 and all(r.exc_info is None for r in faults)
    assert all("\n" not in r.getMessage() for r in faults)
