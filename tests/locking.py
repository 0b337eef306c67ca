"""Taking a crawl lock away from its holder, as an operator or a failover would."""

from __future__ import annotations

import os

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import get_engine
from storage.locks import advisory_key, lock_file_path


def advisory_lock_backends(url: str, name: str) -> list[int]:
    """Backend pids holding the PostgreSQL advisory lock ``name`` of the archive at ``url``."""
    with get_engine(url).connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        key = advisory_key(f"{schema}:{name}")
        # A bigint key shows in pg_locks as (classid, objid) = (high, low) 32 bits, objsubid 1.
        rows = conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND objsubid = 1 AND classid::bigint = :high AND objid::bigint = :low"
            ),
            {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
        )
        return [row[0] for row in rows]


def take_lock_away(url: str, name: str) -> None:
    """PostgreSQL: terminate the backend holding the lock; SQLite: delete the lock file."""
    if make_url(url).get_backend_name() != "postgresql":
        os.remove(lock_file_path(url, name))
        return
    backends = advisory_lock_backends(url, name)
    assert len(backends) == 1, f"expected one holder of {name}, found {backends}"
    with get_engine(url).connect() as conn:
        assert conn.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": backends[0]}
        ).scalar()
