"""What a list or a search of the archive is narrowed to: one definition for the web reader's
lists and feeds, the search (CLI, API, pages), the export and the links that keep the filters.
:mod:`storage.conditions` turns it into SQL, the same for all of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.models import ARTICLE_STATUSES

STATUSES = ARTICLE_STATUSES
"""The values a status filter takes: those of ``articles.status``."""


@dataclass(frozen=True, slots=True)
class ArticleFilters:
    """What a list or a search is narrowed to; every field optional (None: no restriction)."""

    subchannel: str | None = None
    since: date | None = None
    """First WIB calendar day of publication, inclusive."""
    until: date | None = None
    """Last WIB calendar day of publication, inclusive."""
    tag: str | None = None
    """A tag name, whole, in any case (:mod:`storage.conditions` says exactly)."""
    author: str | None = None
    """An author name, whole, in any case (:mod:`storage.conditions` says exactly)."""
    status: str | None = None
    """``live`` or ``gone`` (None: both)."""

    def query_items(self) -> dict[str, str]:
        """The filters that are set, as query-string values (for links that keep them)."""
        values = {
            "subchannel": self.subchannel,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "tag": self.tag,
            "author": self.author,
            "status": self.status,
        }
        return {key: value for key, value in values.items() if value}
