"""The store's door: what both databases can hold and what is plausible, field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawler.items import ImageRecord
from storage.models import Article, ArticleRevision
from storage.validation import (
    MAX_BODY_CHARS,
    MAX_NAME_CHARS,
    InvalidItem,
    check_item,
    clean_item,
    column_length,
)
from tests.factories import make_item

NOW = datetime(2026, 11, 20, tzinfo=UTC)
SUBCHANNEL = column_length("subchannel") or 0


def test_lengths_come_from_the_models() -> None:
    assert SUBCHANNEL == Article.__table__.c.subchannel.type.length == 80
    assert column_length("parser_version") == ArticleRevision.__table__.c.parser_version.type.length
    assert column_length("title") is None, "text: no limit"


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"article_id": 2**63 - 1},
        {"published_at": "1990-01-01T07:00:00+07:00"},
        {"published_at": datetime(2026, 11, 22, tzinfo=UTC)},
        {"subchannel": "x" * SUBCHANNEL},
        {"body": "kata " * (MAX_BODY_CHARS // 5)},
        {"subchannel": None, "description": None, "modified_at": None, "lead_image": None},
        {"images": [ImageRecord(url="https://thumb.viva.co.id/b.jpg", caption="Latihan")]},
        {"warc_records": [{"file": "a.warc.gz", "offset": 0, "length": 10, "uri": "http://x/"}]},
    ],
)
def test_storable_items_pass(changes: dict[str, Any]) -> None:
    check_item({**make_item(1), **changes}, now=NOW)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"article_id": 0}, "article_id"),
        ({"article_id": 2**63}, "article_id"),
        ({"article_id": True}, "article_id"),
        ({"article_id": "1"}, "article_id"),
        ({"published_at": "0001-01-01T00:30:00+07:00"}, "published_at"),
        ({"published_at": "9999-12-31T23:59:00-12:00"}, "published_at"),
        ({"published_at": "9999-12-31T23:59:00+07:00"}, "published_at"),
        ({"published_at": "1989-12-31T23:59:59+00:00"}, "published_at"),
        ({"published_at": (NOW + timedelta(days=4)).isoformat()}, "published_at"),
        ({"published_at": "2025-01-01T10:00:00"}, "published_at"),
        ({"published_at": "kemarin"}, "published_at"),
        ({"fetched_at": "2025-02-30T10:00:00+00:00"}, "fetched_at"),
        ({"subchannel": "x" * (SUBCHANNEL + 1)}, "subchannel"),
        ({"title": "Judul\x00"}, "title"),
        ({"body": ""}, "body"),
        ({"body": "kata " * 1_600_000}, "body"),
        ({"body": "x" * (MAX_BODY_CHARS + 1)}, "body"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "/militer/militer-dunia/1-a"}, "url"),
        ({"url": "http://[::1/militer/x/1-a"}, "url"),
        ({"url": "https://www.viva.co.id/" + "a" * 3000}, "url"),
        ({"tags": "NATO, Rusia"}, "tags"),
        ({"authors": [1]}, "authors"),
        ({"tags": ["x" * (MAX_NAME_CHARS + 1)]}, "tags"),
        ({"images": [{"url": "data:,x"}]}, "images"),
        ({"word_count": 2**31}, "word_count"),
        ({"page_count": 0}, "page_count"),
        ({"content_hash": "abc"}, "content_hash"),
        ({"warc_records": [{"file": "a", "offset": -1, "length": 1}]}, "warc_records"),
        ({"modified_at": "9999-12-31T23:59:00+07:00"}, "modified_at"),
    ],
)
def test_unstorable_fields_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidItem) as refused:
        check_item({**make_item(7), **changes}, now=NOW)
    assert (refused.value.field, refused.value.reason) == (field, f"invalid {field}")


def test_clean_item_repairs_what_an_article_can_do_without() -> None:
    item = make_item(
        1,
        modified_at="9999-12-31T23:59:00+07:00",
        description="Ringkasan\x00",
        editor="E" * (MAX_NAME_CHARS + 1),
        lead_image={"url": "javascript:void(0)"},
        tags=["NATO", "x" * (MAX_NAME_CHARS + 1), "Rusia"],
        images=[{"url": "http://[::1"}, {"url": "https://thumb.viva.co.id/c.jpg"}],
        extraction_warnings=["fallback:title:dom"],
    )
    added = clean_item(item, now=NOW)
    assert added == [
        "invalid:description", "invalid:editor", "invalid:modified_at", "invalid:tags",
        "invalid:lead_image", "invalid:images",
    ]  # fmt: skip
    assert item["extraction_warnings"] == ["fallback:title:dom", *added]
    assert (item["modified_at"], item["description"], item["editor"], item["lead_image"]) == (
        None, None, None, None,
    )  # fmt: skip
    assert item["tags"] == ["NATO", "Rusia"]
    assert item["images"] == [{"url": "https://thumb.viva.co.id/c.jpg"}]
    check_item(item, now=NOW)


@pytest.mark.parametrize(
    "changes",
    [{"published_at": "9999-12-31T23:59:00+07:00"}, {"authors": [{"name": "A"}]}, {"tags": "x"}],
)
def test_clean_item_drops_what_an_article_cannot_do_without(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidItem):
        clean_item(make_item(1, **changes), now=NOW)
