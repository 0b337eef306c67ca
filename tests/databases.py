"""Test databases: a fresh SQLite file, or a throw-away schema on the PostgreSQL server."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from storage.config import error_summary, mask_url

DEFAULT_TEST_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    """The server the PostgreSQL tests use: ``TEST_DATABASE_URL`` or the local default."""
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_POSTGRES


@functools.cache
def postgres_unavailable_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when the server answers."""
    url = postgres_base_url()
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure means: no usable server
        return (
            f"PostgreSQL not reachable at {mask_url(url)} ({error_summary(exc)}); "
            "set TEST_DATABASE_URL to run the PostgreSQL tests"
        )
    finally:
        engine.dispose()
    return None


def skip_without_postgres() -> None:
    """Skip the calling test when no PostgreSQL server answers, or fail it under
    ``REQUIRE_POSTGRES=1`` (CI), where a missing server is an error."""
    reason = postgres_unavailable_reason()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections live in a new, empty schema, dropped afterwards."""
    base = postgres_base_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
