"""Cross-process named locks that every crawler of one archive respects.

PostgreSQL: a session-level advisory lock on a dedicated connection. SQLite: an ``flock`` on a
file beside the database. Both vanish with the process that holds them, even after ``kill -9``,
so a crashed crawl never leaves a stale lock behind. The flip side: a lock can vanish under a
living holder (its connection terminated, its lock file deleted), so a long holder asks
:meth:`NamedLock.is_held` now and then."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.config import error_summary
from storage.engine import get_engine

log = logging.getLogger(__name__)


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

    def is_held(self) -> bool:
        """Whether the lock is still ours: its PostgreSQL session answers (an advisory lock lives
        exactly as long as its session), or the locked file is still the one at the lock's path
        (a deleted or replaced file could be locked by someone else)."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
            except SQLAlchemyError:
                return False
            return True
        if self._file is not None:
            try:
                on_disk = os.stat(lock_file_path(self.url, self.name))
            except FileNotFoundError:
                return False
            ours = os.fstat(self._file.fileno())
            return (on_disk.st_dev, on_disk.st_ino) == (ours.st_dev, ours.st_ino)
        return False

    def release(self) -> None:
        """Give the lock back (idempotent). A lock whose connection is already gone went with
        it: nothing to give back, and no error."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            except SQLAlchemyError as exc:
                log.info("Lock %s went with its connection (%s)", self.name, error_summary(exc))
                conn.invalidate()
            finally:
                conn.close()
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
