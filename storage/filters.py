"""What a list or a search of the archive is narrowed to: one definition for the web reader's
lists, the search (CLI, API, pages) and the links that keep the filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STATUSES = ("live", "gone")
"""The values of ``articles.status``."""


@dataclass(frozen=True, slots=True)
class ArticleFilters:
    """What a list or a search is narrowed to; every field optional (None: no restriction)."""

    subchannel: str | None = None
    since: date | None = None
    """First WIB calendar day of publication, inclusive."""
    until: date | None = None
    """Last WIB calendar day of publication, inclusive."""
    tag: str | None = None
    """A tag name, exact but case-insensitive."""
    author: str | None = None
    """An author name, exact but case-insensitive."""
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
