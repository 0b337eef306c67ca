"""One engine and session factory per database URL for the whole program."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.config import resolve_database_url

SQLITE_BUSY_TIMEOUT_S = 30.0
READER_CONNECTIONS = 8
"""PostgreSQL connections of a reader's pool (the web reader runs as many worker threads)."""
READER_RECYCLE_S = 300
"""A reader's connection is replaced after this many seconds instead of being pinged."""

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on (SQLite's default is off), WAL so readers never block the writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # ``?timeout=`` in the URL sets how long a writer waits for another one's lock.
        busy = {} if "timeout" in parsed.query else {"timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = create_engine(url, connect_args=busy)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(url: str | None = None) -> Engine:
    """The shared engine for ``url`` (default: the configured database)."""
    url = resolve_database_url(url)
    with _lock:
        if url not in _engines:
            _engines[url] = _create(url)
        return _engines[url]


def get_reader_engine(url: str | None = None) -> Engine:
    """The shared read-only engine for ``url``, in autocommit (a read needs no transaction:
    no ``BEGIN``/``ROLLBACK`` round trips). On PostgreSQL its own pool: a fixed set of
    connections, never pinged before use but recycled after :data:`READER_RECYCLE_S` (a ping
    is one more round trip per request; a connection that died anyway fails one request and
    the pool reconnects), and no overflow connections opened and closed under load."""
    url = resolve_database_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return get_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    key = f"reader {url}"
    with _lock:
        if key not in _engines:
            _engines[key] = create_engine(
                url,
                isolation_level="AUTOCOMMIT",
                pool_size=READER_CONNECTIONS,
                max_overflow=2,
                pool_recycle=READER_RECYCLE_S,
            )
        return _engines[key]


def get_session_factory(url: str | None = None) -> sessionmaker[Session]:
    """A session factory on the shared engine; sessions are cheap, the engine is not."""
    return sessionmaker(get_engine(url), expire_on_commit=False)


def dispose_engine(url: str | None = None) -> None:
    """Close the pooled connections of ``url``'s shared engine (a crawl's end); whoever uses
    the engine afterwards gets fresh connections."""
    url = resolve_database_url(url)
    with _lock:
        engine = _engines.get(url)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    """Close every pooled connection and forget the engines (shutdown, between tests)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
