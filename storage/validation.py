"""What the archive accepts: every field of an item checked against both databases' limits and
plausibility, before any SQL is sent.

One impossible value (a date of year 9999, an id beyond 64 bits, a subchannel longer than its
``varchar(80)``, a NUL character PostgreSQL refuses in text) would otherwise fail a whole batch
of writes. Column lengths are read from the models, so a migration that widens a column widens
what passes here too.

:func:`clean_item` is for producers (the crawl's validate pipeline, an import): an impossible
optional field is set to None, and an impossible entry of a list of names or images is left
out, with an ``invalid:<field>`` extraction warning; any other impossible field (or a list of
the wrong type) raises :class:`InvalidItem`. :func:`check_item` is the archive writer's strict gate:
any problem raises, nothing is repaired silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String

from storage.models import Article, ArticleRevision

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
"""No archived timestamp is older (the site started in 2008)."""
FUTURE_MARGIN = timedelta(days=3)
"""How far ahead of now a timestamp may lie (clocks and time zones of the site's editors)."""
MAX_BIGINT = 2**63 - 1
"""Largest value of a 64-bit column: SQLite INTEGER and PostgreSQL bigint are signed 64-bit."""
MAX_ARTICLE_ID = MAX_BIGINT
"""Largest article id either database holds: a larger one is no article of ours."""
MAX_INT = 2**31 - 1
"""Largest count (``word_count``, ``page_count``): PostgreSQL ``integer`` is 32-bit."""
MAX_URL_BYTES = 2048
"""Longest URL: ``articles.url`` is unique, and a PostgreSQL btree entry holds ~2.7 kB."""
MAX_NAME_CHARS = 200
"""Longest tag, author or editor name: names are unique keys (btree limit), and no real name
comes near it."""

_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair (JSON's ``"\\ud800"``): no UTF-8, so neither database holds it."""

INVALID = "invalid"
"""Extraction warning kind of an optional field set to None here: ``invalid:<field>``."""
OPTIONAL = ("description", "modified_at", "editor", "lead_image")
"""Fields an item can lose (set to None, with a warning) and still be archived."""


class InvalidItem(ValueError):
    """An item the archive cannot hold; ``reason`` (``invalid <field>``) is fit for a counted drop
    reason, ``detail`` says what is wrong with the value."""

    def __init__(self, field: str, detail: str, article_id: Any = None) -> None:
        self.field, self.detail, self.article_id = field, detail, article_id
        self.reason = f"{INVALID} {field}"
        super().__init__(f"article {article_id}: {self.reason}: {detail}")


@cache
def column_length(name: str) -> int | None:
    """The smallest declared length of column ``name`` in the tables that store it."""
    lengths = [
        column.type.length
        for table in (Article.__table__, ArticleRevision.__table__)
        if (column := table.columns.get(name)) is not None
        and isinstance(column.type, String)
        and column.type.length
    ]
    return min(lengths) if lengths else None


def check_item(item: Mapping[str, Any], *, now: datetime | None = None) -> None:
    """Raise :class:`InvalidItem` for the first field the archive cannot hold."""
    for name, detail in problems(item, now=now):
        raise InvalidItem(name, detail, item.get("article_id"))


def clean_item(item: MutableMapping[str, Any], *, now: datetime | None = None) -> list[str]:
    """Make ``item`` storable in place: an impossible optional field becomes None with an
    ``invalid:<field>`` warning (returned, and appended to ``extraction_warnings``); an
    impossible required field raises :class:`InvalidItem`."""
    added: list[str] = []
    for name, detail in list(problems(item, now=now)):
        value = item.get(name)
        if name in OPTIONAL:
            item[name] = None
        elif name in ENTRIES and _entries_of_type(value, name):
            item[name] = [entry for entry in value if ENTRIES[name](entry) is None]
        else:
            raise InvalidItem(name, detail, item.get("article_id"))
        added.append(f"{INVALID}:{name}")
    if added:
        item["extraction_warnings"] = [*(item.get("extraction_warnings") or []), *added]
    return added


def _name(value: Any) -> str | None:
    """A tag, author or editor name."""
    return _text(value, MAX_NAME_CHARS)


def _entries_of_type(value: Any, name: str) -> bool:
    """Whether ``value`` is a list of strings (``authors``, ``tags``) or of images."""
    if not isinstance(value, list | tuple):
        return False
    if name == "images":
        return all(_image_fields(entry) is not None for entry in value)
    return all(isinstance(entry, str) for entry in value)


def problems(item: Mapping[str, Any], *, now: datetime | None = None) -> Iterator[tuple[str, str]]:
    """(field, what is wrong) for every field of ``item`` the archive cannot hold."""
    latest = (now or datetime.now(UTC)) + FUTURE_MARGIN
    checks: dict[str, Callable[[Any], str | None]] = {
        "article_id": _article_id,
        "url": _url,
        "section": lambda v: _text(v, column_length("section"), optional=True),
        "subchannel": lambda v: _text(v, column_length("subchannel"), optional=True),
        "title": lambda v: _text(v, None),
        "body": lambda v: _text(v, None),
        "description": lambda v: _text(v, None, optional=True),
        "editor": lambda v: _text(v, MAX_NAME_CHARS, optional=True),
        "published_at": lambda v: _timestamp(v, latest, optional=True),
        "modified_at": lambda v: _timestamp(v, latest, optional=True),
        "fetched_at": lambda v: _timestamp(v, latest, optional=True),
        "authors": lambda v: _list(v, _name),
        "tags": lambda v: _list(v, _name),
        "extraction_warnings": lambda v: _list(v, lambda e: _text(e, None)),
        "lead_image": lambda v: _image(v) if v is not None else None,
        "images": lambda v: _list(v, _image),
        "word_count": lambda v: _count(v, 0),
        "page_count": lambda v: _count(v, 1),
        "content_hash": _content_hash,
        "parser_version": lambda v: _text(v, column_length("parser_version"), optional=True),
        "warc_records": lambda v: _list(v, _warc_record),
    }
    for name, check in checks.items():
        if name not in item and name not in ("article_id", "url", "title", "body"):
            continue  # absent: the writer's default applies
        detail = check(item.get(name))
        if detail is not None:
            yield name, detail


def _article_id(value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"not an integer: {type(value).__name__}"
    return None if 1 <= value <= MAX_ARTICLE_ID else f"{value} outside 1..2**63-1"


def _text(value: Any, length: int | None, *, optional: bool = False) -> str | None:
    """A non-empty string without NUL that fits ``length`` characters (None when optional)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        return f"not a string: {type(value).__name__}"
    if not value and not optional:
        return "empty"
    if "\x00" in value:
        return "contains a NUL character"
    if not value.isascii() and _SURROGATE.search(value):
        return "contains a lone surrogate (not UTF-8)"
    if length is not None and len(value) > length:
        return f"{len(value)} characters, more than {length}"
    return None


def _url(value: Any) -> str | None:
    """An absolute http(s) URL with a host, within the unique index's size."""
    if (problem := _text(value, None)) is not None:
        return problem
    if len(value.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
        return f"longer than {MAX_URL_BYTES} bytes"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        return f"unparsable: {exc}"
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in value):
        return f"not an absolute http(s) URL: {value[:80]!r}"
    return None


def _timestamp(value: Any, latest: datetime, *, optional: bool = False) -> str | None:
    """An aware ISO 8601 string (or datetime) from 1990 to a few days ahead, convertible to UTC."""
    if value is None or value == "":
        return None if optional else "missing"
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            return f"no UTC offset: {value!r}"
        utc = parsed.astimezone(UTC)  # year 1 or 9999 with an offset overflows here
    except (TypeError, ValueError, OverflowError) as exc:
        return f"not a usable timestamp: {str(value)[:40]!r} ({exc})"
    if not EARLIEST <= utc <= latest:
        return f"{utc.isoformat()} outside {EARLIEST.date()}..{latest.date()}"
    return None


def _list(value: Any, check: Callable[[Any], str | None]) -> str | None:
    """None or a list whose every element passes ``check``."""
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        return f"not a list: {type(value).__name__}"
    for index, element in enumerate(value):
        if (problem := check(element)) is not None:
            return f"element {index}: {problem}"
    return None


def _image_fields(value: Any) -> Mapping[str, Any] | None:
    """An image record's fields (a dict, or an ``ImageRecord``), None for anything else."""
    if isinstance(value, Mapping):
        return value
    if all(hasattr(value, name) for name in ("url", "caption", "credit")):
        return {name: getattr(value, name) for name in ("url", "caption", "credit")}
    return None


def _image(value: Any) -> str | None:
    """An image record: http(s) URL, optional caption and credit."""
    fields = _image_fields(value)
    if fields is None:
        return f"not an image: {type(value).__name__}"
    return _url(fields.get("url")) or next(
        (p for k in ("caption", "credit") if (p := _text(fields.get(k), None, optional=True))),
        None,
    )


ENTRIES: dict[str, Callable[[Any], str | None]] = {
    "authors": _name,
    "tags": _name,
    "images": _image,
}
"""Lists whose impossible entries :func:`clean_item` leaves out (the item keeps the others)."""


def _count(value: Any, least: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return f"not an integer: {type(value).__name__}"
    return None if least <= value <= MAX_INT else f"{value} outside {least}..{MAX_INT}"


def _content_hash(value: Any) -> str | None:
    """64 lower-case hex digits (sha256)."""
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        return "not a sha256 hex digest"
    return None


def _warc_record(value: Any) -> str | None:
    """``{"file", "offset", "length", "uri"}`` with a relative file name and byte positions."""
    if not isinstance(value, Mapping):
        return f"not a record: {type(value).__name__}"
    numbers = (value.get("offset"), value.get("length"))
    if any(
        not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_BIGINT for n in numbers
    ):
        return "offset and length must be byte positions"
    return _text(value.get("file"), None) or _text(value.get("uri"), None, optional=True)
