"""A deadline for the statements of one session: a search that runs past it is stopped by the
database itself and raises :class:`DeadlinePassed`, instead of holding a connection (and the
thread waiting on it) for as long as its words take.

PostgreSQL: ``SET LOCAL statement_timeout`` to the time left (the transaction's own setting,
gone at its end). SQLite: a progress handler that interrupts the statement once the deadline is
past (checked every :data:`SQLITE_CHECK_STEPS` virtual-machine steps), removed afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

SQLITE_CHECK_STEPS = 20_000
"""SQLite steps between two looks at the clock (a look takes the GIL: not at every step)."""
QUERY_CANCELED = "57014"
"""PostgreSQL's SQLSTATE for a statement cancelled by ``statement_timeout``."""


class DeadlinePassed(TimeoutError):
    """The work ran past its deadline and was stopped (nothing was written: reads only)."""


def time_left(deadline: float) -> float:
    """Seconds until ``deadline`` (a :func:`time.monotonic` instant); raises
    :class:`DeadlinePassed` when none are left."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed("the deadline passed before the work began")
    return left


@contextmanager
def statements_until(session: Session, deadline: float | None) -> Iterator[None]:
    """Run the session's statements inside this block until ``deadline`` at the latest
    (``None``: no limit); one that runs past it raises :class:`DeadlinePassed`."""
    if deadline is None:
        yield
        return
    left = time_left(deadline)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL statement_timeout = {max(1, int(left * 1000))}"))
        try:
            yield
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED:
                raise DeadlinePassed("the database stopped a statement at the deadline") from None
            raise
        return
    raw = connection.connection.dbapi_connection
    raw.set_progress_handler(lambda: time.monotonic() > deadline, SQLITE_CHECK_STEPS)  # type: ignore[union-attr]
    try:
        yield
    except OperationalError as exc:
        if "interrupted" in str(exc.orig) and time.monotonic() > deadline:
            raise DeadlinePassed("the database stopped a statement at the deadline") from None
        raise
    finally:
        raw.set_progress_handler(None, 0)  # type: ignore[union-attr]
