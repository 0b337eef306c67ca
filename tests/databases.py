"""Test databases: a fresh SQLite file, or a throw-away schema on the PostgreSQL server (the
helpers live in :mod:`viva_militer_archive.sample_site.harness`; the skip-or-fail rule is the
tests' own)."""

from __future__ import annotations

import os

import pytest

from viva_militer_archive.sample_site.harness import (
    postgres_base_url,
    postgres_schema_url,
    postgres_unavailable_reason,
)

__all__ = ["postgres_base_url", "postgres_schema_url", "postgres_unavailable_reason"]


def skip_without_postgres() -> None:
    """Skip the calling test when no PostgreSQL server answers, or fail it under
    ``REQUIRE_POSTGRES=1`` (CI), where a missing server is an error."""
    reason = postgres_unavailable_reason()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
