"""What an event says: the JSON a webhook receives and the text of an email, built at delivery
time from the archive (the event names the article and revision; revisions are never changed,
so a retry sends the same diff)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.browse import ArchiveBrowser
from storage.clock import iso_timestamp
from storage.deliveries import DueDelivery
from storage.history import revision_text
from storage.models import ArticleRevision
from storage.records import COMPARED_FIELDS
from viva_militer_archive.settings import from_environment
from viva_militer_archive.web.diff import side_by_side

DIFF_FIELDS = ("title", "body", *COMPARED_FIELDS)
"""Fields compared between two revisions for ``changed_fields``."""


def reader_url_from_env() -> str | None:
    """The web reader's public address (``VIVA_READER_URL``), for links to article pages."""
    return (from_environment().reader_url or "").rstrip("/") or None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_timestamp(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def revision_diff(old: ArticleRevision, new: ArticleRevision) -> dict[str, Any]:
    """The word-level diff of two revisions as the web reader's diff page shows it: the changed
    fields, then each side as paragraphs of ``{"kind": same|del|ins, "text"}`` segments."""
    diff = side_by_side(revision_text(old.title, old.body), revision_text(new.title, new.body))

    def side(paragraphs: list[list[Any]]) -> list[list[dict[str, str]]]:
        return [[{"kind": s.kind, "text": s.text} for s in p] for p in paragraphs]

    return {
        "from_revision": old.revision,
        "to_revision": new.revision,
        "changed_fields": [f for f in DIFF_FIELDS if getattr(old, f) != getattr(new, f)],
        "deleted_words": diff.deleted_words,
        "inserted_words": diff.inserted_words,
        "deleted": [s.text for p in diff.left for s in p if s.kind == "del"],
        "inserted": [s.text for p in diff.right for s in p if s.kind == "ins"],
        "left": side(diff.left),
        "right": side(diff.right),
    }


class PayloadBuilder:
    """Builds (and caches per event) the payload of each event of one delivery run."""

    def __init__(self, browser: ArchiveBrowser, reader_url: str | None) -> None:
        self.browser = browser
        self.reader_url = reader_url
        self._bodies: dict[str, bytes] = {}

    def payload(self, due: DueDelivery) -> dict[str, Any]:
        """The event as JSON-ready data."""
        return json.loads(self.body(due))  # type: ignore[no-any-return]

    def body(self, due: DueDelivery) -> bytes:
        """The event as the exact bytes a webhook posts (and signs), built once per run."""
        if due.event_id not in self._bodies:
            self._bodies[due.event_id] = self._build(due)
        return self._bodies[due.event_id]

    def _build(self, due: DueDelivery) -> bytes:
        data: dict[str, Any] = {
            "event": due.kind,
            "event_id": due.event_id,
            "created_at": due.event_at,
            "watch": {"name": due.watch_name, "query": due.watch_query},
            **due.detail,
        }
        if due.article_id is not None:
            article = self.browser.article(due.article_id, with_revisions=True)
            if article is not None:
                article.pop("stamp", None)
            data["article"] = article
            if self.reader_url:
                data["url"] = f"{self.reader_url}/articles/{due.article_id}"
            if due.kind == "changed" and due.revision and due.revision > 1:
                pair = self.browser.revisions(due.article_id, (due.revision - 1, due.revision))
                if len(pair) == 2:
                    data["diff"] = revision_diff(*pair)
        return json.dumps(data, default=_jsonable, ensure_ascii=False, sort_keys=True).encode()


def summary_line(payload: dict[str, Any]) -> str:
    """One line naming the event: ``changed: <title> (article 123)``."""
    article = payload.get("article") or {}
    if payload["event"] in ("health", "recovered"):
        what = "; ".join(payload.get("warnings") or []) or "all health rules hold again"
        return f"{payload['event']}: {what}"
    title = article.get("title") or "(sample)"
    return f"{payload['event']}: {title} (article {article.get('article_id', '-')})"


def plain_text(payload: dict[str, Any]) -> str:
    """An event as plain text for an email: what happened, the link and, for an edit, what
    was taken out (-) and put in (+)."""
    lines = [summary_line(payload)]
    article = payload.get("article") or {}
    for link in (payload.get("url"), article.get("url")):
        if link:
            lines.append(link)
    diff = payload.get("diff")
    if diff:
        lines.append(
            f"revision {diff['from_revision']} -> {diff['to_revision']}, changed: "
            + ", ".join(diff["changed_fields"])
        )
        lines += [f"- {text.strip()}" for text in diff["deleted"] if text.strip()]
        lines += [f"+ {text.strip()}" for text in diff["inserted"] if text.strip()]
    lines.append(f"event id: {payload['event_id']}")
    return "\n".join(lines)
