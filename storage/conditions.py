"""The one compiler of :class:`~storage.filters.ArticleFilters` into SQL conditions, used by the
web reader's lists and feeds (:mod:`storage.browse`), the search (:mod:`storage.search`) and the
export (:mod:`storage.export`), so a filter selects the same articles everywhere.

Each condition is SQL text on one name of the ``articles`` table (``articles`` in the lists'
and export's selects, the alias ``a`` in the search's statements) with named parameters
(``filter_*``, clear of the statements' own). Each is served by an index: subchannel and status
with ``published_at``, ``published_at``, the tag and author link tables.

Semantics:

- ``since``/``until``: published within those WIB days (:func:`storage.clock.day_window`).
- ``tag``/``author``: linked to a tag (author) whose name equals the given one compared under the
  database's ``lower()`` on both sides (:data:`NAME_MATCH`): the name as stored always matches,
  and so does any spelling the database lowers alike (ASCII case on both; PostgreSQL with a
  UTF-8 locale lowers the other letters too). Lowering only the column, with the value lowered
  in Python, missed names with a capital the database does not lower (SQLite lowers ASCII only:
  ``Österreich`` found nothing in the lists while the search found it). The names that match
  are those of one small query, :func:`name_lookup`; a statement either nests it (one
  statement: the lists, prepared once) or is given the ids it found (:func:`matching_names`):
  the search, whose planner then knows from its statistics how common the tag is (a nested
  name hid that, and a common tag was planned as a rare one)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, TextClause, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from storage.clock import day_window
from storage.filters import STATUSES, ArticleFilters
from storage.types import UTCDateTime

NAMED = {
    "tag": ("tags", "article_tags", "tag_id"),
    "author": ("authors", "article_authors", "author_id"),
}
"""Filter field -> (names table, links table, the links' name key)."""
NAME_MATCH = "lower(name) = lower(:filter_{field})"
"""The one test of a tag or author name (see the module docstring)."""
TIMES = ("filter_since", "filter_before")
"""The parameters holding instants (bound as the archive stores times)."""


def name_lookup(field_name: str) -> str:
    """The ids of the tags (``field_name="tag"``) or authors whose name matches the filter."""
    names, _, _ = NAMED[field_name]
    return f"SELECT id FROM {names} WHERE {NAME_MATCH.format(field=field_name)}"


def matching_names(
    connection: Connection | Session, filters: ArticleFilters | None
) -> dict[str, tuple[int, ...]]:
    """The ids of the tag and author the filters name (only those set), looked up first."""
    found: dict[str, tuple[int, ...]] = {}
    for field_name in NAMED:
        value = getattr(filters, field_name, None)
        if value:
            rows = connection.execute(
                text(name_lookup(field_name)), {f"filter_{field_name}": value}
            )
            found[field_name] = tuple(sorted(int(row[0]) for row in rows))
    return found


@dataclass(frozen=True, slots=True)
class Conditions:
    """Conditions to AND together, each with its parameters."""

    parts: tuple[tuple[str, dict[str, Any]], ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        """Every condition's parameters."""
        return {name: value for _, values in self.parts for name, value in values.items()}

    def where(self) -> str:
        """`` AND ...`` for each condition, to append to a ``WHERE``."""
        return "".join(f" AND {sql}" for sql, _ in self.parts)

    def clauses(self) -> list[TextClause]:
        """The conditions as SQLAlchemy clauses carrying their values (for ``select().where``)."""
        return [
            text(sql).bindparams(*(_bind(name, value) for name, value in values.items()))
            for sql, values in self.parts
        ]


def statement(sql: str, params: Mapping[str, Any]) -> TextClause:
    """``sql`` (holding a :meth:`Conditions.where`) as a statement whose time parameters, of
    those in ``params``, are bound as the archive stores times (UTC)."""
    return text(sql).bindparams(*(_bind(name) for name in TIMES if name in params))


def _bind(name: str, value: Any = None) -> BindParameter[Any]:
    """A ``filter_*`` parameter, an instant bound as the archive stores times (UTC)."""
    return bindparam(name, value, type_=UTCDateTime() if name in TIMES else None)


def article_conditions(
    filters: ArticleFilters | None,
    table: str = "articles",
    *,
    ids: Mapping[str, tuple[int, ...]] | None = None,
    exists: bool = False,
) -> Conditions:
    """The conditions of ``filters`` on ``table`` (a name or alias of ``articles``).

    ``ids`` (from :func:`matching_names`) puts the tag/author ids in the statement instead of
    nesting :func:`name_lookup`; ``exists`` then tests each article by the link table's key
    (``EXISTS``: what SQLite's walk over the newest matches wants) rather than ``IN`` (the
    semi-join PostgreSQL plans well). ``ValueError`` (one line) for an unknown status or a
    ``since`` after ``until``."""
    if filters is None:
        return Conditions()
    parts: list[tuple[str, dict[str, Any]]] = []

    def add(condition: str, **values: Any) -> None:
        parts.append((condition, {f"filter_{key}": value for key, value in values.items()}))

    if filters.status is not None:
        if filters.status not in STATUSES:
            raise ValueError(f"status must be live or gone, not {filters.status!r}")
        add(f"{table}.status = :filter_status", status=filters.status)
    if filters.subchannel:
        add(f"{table}.subchannel = :filter_subchannel", subchannel=filters.subchannel)
    if filters.since and filters.until and filters.since > filters.until:
        raise ValueError(f"since {filters.since} is after until {filters.until}")
    start, end = day_window(filters.since, filters.until)
    if start is not None:
        add(f"{table}.published_at >= :filter_since", since=start)
    if end is not None:
        add(f"{table}.published_at < :filter_before", before=end)
    for field_name, (_, links, key) in NAMED.items():
        value = getattr(filters, field_name)
        if not value:
            continue
        if ids is None:
            add(
                f"{table}.article_id IN (SELECT article_id FROM {links} "
                f"WHERE {key} IN ({name_lookup(field_name)}))",
                **{field_name: value},
            )
            continue
        listed = ", ".join(str(int(each)) for each in ids[field_name]) or "NULL"
        if exists:
            add(
                f"EXISTS (SELECT 1 FROM {links} l WHERE l.article_id = {table}.article_id "
                f"AND l.{key} IN ({listed}))"
            )
        else:
            add(f"{table}.article_id IN (SELECT article_id FROM {links} WHERE {key} IN ({listed}))")
    return Conditions(tuple(parts))
