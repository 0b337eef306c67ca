"""Writing a batch so that one bad item costs only itself and a passing database fault nothing.

A batch is one transaction: it commits whole or not at all. When it fails:

- a *transient* fault (connection lost, lock or statement timeout, serialization failure,
  deadlock, SQLite "database is locked") is retried with backoff; if it lasts, the batch is
  left *unstored* (the run fails, the next run fetches those articles again);
- a *database* fault that no item causes (disk full, read-only, missing table) leaves the batch
  unstored at once: never are good items dropped because the database is unwell;
- anything else is blamed on the items: the batch is bisected, every half written on its own,
  until each failing item stands alone; those are the *poison* items, the rest is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from storage.config import error_summary

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0)
"""Seconds before each retry of a transient fault; after the last, the batch is unstored."""

TRANSIENT_SQLSTATES = ("40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "53300")
"""PostgreSQL: serialization failure, deadlock, lock timeout, statement timeout, server
shutdown or restart, too many connections."""
TRANSIENT_SQLSTATE_CLASSES = ("08",)
"""PostgreSQL: connection exceptions."""
DATABASE_SQLSTATE_CLASSES = ("25", "28", "3D", "53", "58", "XX")
"""PostgreSQL faults of the database, not of a row: read-only transaction, authorization,
missing database, insufficient resources (disk full), system errors."""
DATABASE_SQLSTATES = ("42P01", "42703")
"""PostgreSQL: missing table or column (the schema is not migrated)."""
TRANSIENT_SQLITE = ("database is locked", "database table is locked")
DATABASE_SQLITE = ("no such table", "no such column", "disk", "readonly", "unable to open", "not a")


def _sqlstate(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` may well not happen again in a moment (retry it)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    state = _sqlstate(exc)
    if state:
        return state in TRANSIENT_SQLSTATES or state[:2] in TRANSIENT_SQLSTATE_CLASSES
    message = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and any(m in message for m in TRANSIENT_SQLITE)


def is_database_fault(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's fault whatever the rows (never bisect over it)."""
    state = _sqlstate(exc)
    if state:
        return state in DATABASE_SQLSTATES or state[:2] in DATABASE_SQLSTATE_CLASSES
    message = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and any(m in message for m in DATABASE_SQLITE)


@dataclass(slots=True)
class IsolatedWrite(Generic[T, R]):
    """What :func:`write_isolating` did with a batch."""

    results: list[R] = field(default_factory=list)
    """What each committed part's write returned, in order."""
    poison: list[tuple[T, BaseException]] = field(default_factory=list)
    """Items that fail on their own, with their error (not written)."""
    unstored: list[T] = field(default_factory=list)
    """Items not written because the database failed (retry them in a later run)."""
    error: BaseException | None = None
    """The database fault that left ``unstored`` items."""
    retries: int = 0


def write_isolating(
    write: Callable[[list[T]], R],
    items: Sequence[T],
    *,
    delays: Sequence[float] = RETRY_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> IsolatedWrite[T, R]:
    """Write ``items`` with ``write`` (one transaction per call), isolating poison items by
    bisection and retrying transient faults; see the module docstring."""
    outcome: IsolatedWrite[T, R] = IsolatedWrite()
    pending: list[list[T]] = [list(items)] if items else []
    while pending:
        part = pending.pop()
        try:
            outcome.results.append(_with_retries(write, part, delays, sleep, outcome))
        except Exception as exc:
            if is_transient(exc) or is_database_fault(exc):
                outcome.error = exc
                outcome.unstored = [item for rest in (part, *pending) for item in rest]
                break
            if len(part) == 1:
                outcome.poison.append((part[0], exc))
                continue
            middle = len(part) // 2
            pending += [part[middle:], part[:middle]]  # first half is written first
    _blame_database_if_nothing_passed(outcome)
    return outcome


def _with_retries(
    write: Callable[[list[T]], R],
    part: list[T],
    delays: Sequence[float],
    sleep: Callable[[float], None],
    outcome: IsolatedWrite[T, R],
) -> R:
    attempt = 0
    while True:
        try:
            return write(part)
        except Exception as exc:
            if attempt >= len(delays) or not is_transient(exc):
                raise
            outcome.retries += 1
            log.warning(
                "Database fault writing %d items (%s); retrying in %.1fs",
                len(part), error_summary(exc), delays[attempt],
            )  # fmt: skip
            sleep(delays[attempt])
            attempt += 1


def _blame_database_if_nothing_passed(outcome: IsolatedWrite[T, R]) -> None:
    """Several items failing alone with database errors and none written: that is the
    database refusing everything (say, a broken schema), not poison. An item the validation
    refused, or one that failed before reaching the database (a value no driver can send), is
    poison however many there are."""
    blamed = [pair for pair in outcome.poison if isinstance(pair[1], DBAPIError)]
    if len(blamed) < 2 or outcome.results or outcome.unstored:
        return
    outcome.error = blamed[0][1]
    outcome.unstored = [item for item, _ in blamed]
    outcome.poison = [pair for pair in outcome.poison if not isinstance(pair[1], DBAPIError)]
