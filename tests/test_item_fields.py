"""The item's fields are named twice across the layers (storage cannot import the crawler):
the export's list must be exactly the crawler item's, in its order."""

from __future__ import annotations

from dataclasses import fields

from crawler.items import ArticleItem
from storage.export import ITEM_FIELDS


def test_export_item_fields_are_the_crawler_items() -> None:
    assert tuple(f.name for f in fields(ArticleItem)) == ITEM_FIELDS
