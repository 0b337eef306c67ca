"""Shared fixtures: every database test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.engine import dispose_all
from storage.migrate import upgrade
from tests.databases import postgres_schema_url, skip_without_postgres

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind. Without a PostgreSQL server the PostgreSQL variant is
    skipped with the reason, unless ``REQUIRE_POSTGRES=1`` (CI), where it fails instead."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite3'}"
        dispose_all()
        return
    skip_without_postgres()
    with postgres_schema_url() as url:
        yield url
        dispose_all()


@pytest.fixture
def archive_url(database_url: str) -> str:
    """A database of each kind, migrated to head."""
    upgrade(database_url)
    return database_url


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never touch the developer's ./data archive or real site settings."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("VIVA_BASE_URL", raising=False)
    monkeypatch.setenv("ARCHIVE_DIR", str(tmp_path / "warc"))


CRAWLED_FIXTURES = frozenset({"web_archive"})
"""Shared fixtures filled by real subprocess crawls: a test using one is ``slow``."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that needs a crawled fixture, before ``-m`` selects (a mark on
    the fixture itself would not reach the tests)."""
    for item in items:
        if CRAWLED_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
