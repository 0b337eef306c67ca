"""Tag and author links of written articles: each article points at its current names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from storage.batching import chunks
from storage.dialects import link_names
from storage.models import ArticleAuthor, ArticleTag, Author, Tag

NAMED_FIELDS: tuple[tuple[str, Table, Table], ...] = (
    ("tags", Tag.__table__, ArticleTag.__table__),
    ("authors", Author.__table__, ArticleAuthor.__table__),
)
"""(item field, names table, links table) of each kind of name."""


def relink_names(
    session: Session, items: Mapping[int, Mapping[str, Any]], relinked: Sequence[int]
) -> None:
    """Point the tag and author links of ``items`` (by article id) at their current names.

    Only ``relinked`` articles (revision 2 and later) can have old links to delete."""
    for field_name, names_table, links_table in NAMED_FIELDS:
        link_key = next(c.name for c in links_table.primary_key.columns if c.name != "article_id")
        for part in chunks(sorted(relinked)):
            session.execute(delete(links_table).where(links_table.c.article_id.in_(part)))
        pairs = [
            (article_id, name)
            for article_id, item in items.items()
            for name in dict.fromkeys(item.get(field_name) or [])
        ]
        if pairs:
            link_names(session, names_table, links_table, link_key, pairs)
