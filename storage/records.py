"""Turning a crawled item (the parser's JSON shape) into archive column values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime from an item value (ISO 8601 string with offset, or a datetime)."""
    if value is None or value == "":
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without UTC offset: {value!r}")
    return parsed


def _image(value: Any) -> dict[str, Any] | None:
    """An image as a plain dict (items may hold dataclasses or dicts)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {
            "url": value.get("url"),
            "caption": value.get("caption"),
            "credit": value.get("credit"),
        }
    return {"url": value.url, "caption": value.caption, "credit": value.credit}


def content_columns(item: Mapping[str, Any]) -> dict[str, Any]:
    """The columns an article and each of its revisions share, from one item: computed once
    per item and given to both :func:`article_row` and :func:`revision_row`."""
    return {
        "url": item["url"],
        "subchannel": item.get("subchannel"),
        "title": item["title"],
        "description": item.get("description"),
        "published_at": parse_timestamp(item.get("published_at")),
        "modified_at": parse_timestamp(item.get("modified_at")),
        "authors": list(item.get("authors") or []),
        "editor": item.get("editor"),
        "tags": list(item.get("tags") or []),
        "images": [_image(image) for image in item.get("images") or []],
        "body": item["body"],
        "word_count": int(item.get("word_count") or len(item["body"].split())),
        "page_count": int(item.get("page_count") or 1),
        "content_hash": item["content_hash"],
        "extraction_warnings": list(item.get("extraction_warnings") or []),
        "fetched_at": parse_timestamp(item.get("fetched_at")) or datetime.now(UTC),
    }


def article_row(
    item: Mapping[str, Any], content: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """All ``articles`` columns for a first capture of ``item`` at ``now``; ``content`` is its
    :func:`content_columns`."""
    lead = _image(item.get("lead_image")) or {}
    return {
        "article_id": int(item["article_id"]),
        "section": item.get("section") or "militer",
        **content,
        "lead_image_url": lead.get("url"),
        "lead_image_caption": lead.get("caption"),
        "lead_image_credit": lead.get("credit"),
        "revision_count": 1,
        "first_seen_at": now,
        "last_checked_at": now,
        "last_changed_at": now,
        "status": "live",
        "gone_at": None,
    }


def revision_row(
    item: Mapping[str, Any],
    content: Mapping[str, Any],
    revision: int,
    now: datetime,
    run_id: int | None,
    *,
    source: str = "crawl",
) -> dict[str, Any]:
    """An ``article_revisions`` row: the full content of ``item`` (``content`` is its
    :func:`content_columns`) as revision ``revision``, with where it came from (``crawl``,
    ``import`` or ``reextract``, parser version, WARC records)."""
    return {
        "article_id": int(item["article_id"]),
        "revision": revision,
        **content,
        "lead_image": _image(item.get("lead_image")),
        "captured_at": now,
        "crawl_run_id": run_id,
        "source": source,
        "parser_version": item.get("parser_version"),
        "warc_records": [dict(r) for r in item.get("warc_records") or []] or None,
    }


COMPARED_FIELDS = (
    "url", "subchannel", "description", "published_at", "modified_at", "authors", "editor",
    "tags", "lead_image", "images", "page_count",
)  # fmt: skip
"""Extracted fields compared besides the content hash (title and body). Left out: what the
fetch or the hash determine (``fetched_at``, ``word_count``) and the parser's own bookkeeping
(``extraction_warnings``)."""


def changed_fields(revision: Mapping[str, Any], item: Mapping[str, Any]) -> list[str]:
    """Which extracted fields of ``item`` differ from a stored ``revision`` (its columns).

    Title and body count only when the content hash differs, as for a crawl, so that a change of
    whitespace alone is no new version."""
    new = {**content_columns(item), "lead_image": _image(item.get("lead_image"))}
    changed = [name for name in COMPARED_FIELDS if new[name] != revision.get(name)]
    if new["content_hash"] != revision.get("content_hash"):
        text = [name for name in ("title", "body") if new[name] != revision.get(name)]
        changed[:0] = text or ["content_hash"]
    return changed
