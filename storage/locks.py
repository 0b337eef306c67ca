"""Cross-process named locks that every crawler of one archive respects.

PostgreSQL: a session-level advisory lock on a dedicated connection. SQLite: an ``flock`` on a
file beside the database. Both vanish with the process that holds them, even after ``kill -9``,
so a crashed crawl never leaves a stale lock behind."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from storage.engine import get_engine


class LockBusyError(RuntimeError):
    """Another process holds the lock."""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (what ``pg_try_advisory_lock`` takes)."""
    digest = hashlib.sha256(f"viva-militer-archive:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_file_path(url: str, name: str) -> Path:
    """Where the SQLite lock file for ``name`` lives: beside the database file."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return Path(tempfile.gettempdir()) / f"viva-archive-memory.{name}.lock"
    return Path(f"{database}.{name}.lock")


class NamedLock:
    """A context manager holding lock ``name`` on the archive at ``url``."""

    def __init__(self, url: str, name: str, *, blocking: bool = False) -> None:
        self.url, self.name, self.blocking = url, name, blocking
        self._conn: Connection | None = None
        self._key = 0
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`LockBusyError` when non-blocking and taken."""
        if make_url(self.url).get_backend_name() == "postgresql":
            self._acquire_advisory()
        else:
            self._acquire_file()

    def _acquire_advisory(self) -> None:
        conn = get_engine(self.url).connect().execution_options(isolation_level="AUTOCOMMIT")
        # Advisory locks span the whole database: key them by schema too, so archives living in
        # different schemas of one database never block each other.
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        self._key = key = advisory_key(f"{schema}:{self.name}")
        if self.blocking:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        elif not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            conn.close()
            raise LockBusyError(self.name)
        self._conn = conn

    def _acquire_file(self) -> None:
        path = lock_file_path(self.url, self.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if self.blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            raise LockBusyError(self.name) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            finally:
                self._conn.close()
                self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> NamedLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
