"""Importing JSON lines into the archive: crawler items (``scrapy crawl viva_militer -O
items.jsonl``) or export records (``viva-archive export --format jsonl``, whose extra fields are
ignored).

Each line is checked as the crawler's pipelines check an item (:func:`checked_item`), then stored
through :meth:`ArchiveWriter.store_articles` in batches with revision source ``import``: a
new article gets revision 1, changed content a new revision, the same content nothing, so
importing a file twice changes nothing. A bad line is rejected with its line number and reason;
it never stops the import, and never fails the batch it would have been part of.

The record's ``content_hash`` is not trusted: it is computed again from the title and body, as
the crawler computes it, so an edited body is always a new revision and a wrong hash never is.
A line longer than :data:`MAX_LINE_BYTES` is rejected and ends the reading (no JSON-lines
input of ours holds one: it is a device, a binary file or a whole document on one line); the
lines before it are stored. A UTF-8 byte order mark before the first line is skipped."""

from __future__ import annotations

import codecs
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, BinaryIO

from crawler.extraction.text import content_hash
from crawler.items import CrawledArticle
from crawler.normalize import normalize_item
from crawler.pipelines.validate import Refused, validated
from crawler.urls import MAX_ARTICLE_ID
from storage.config import error_summary
from storage.isolation import write_isolating
from storage.writes import ArchiveWriter

log = logging.getLogger(__name__)

BATCH_SIZE = 200
NOT_IMPORTED = ("content_hash", "warc_records")
"""Items per write, as the crawler's ``STORE_BATCH_SIZE``."""
KEPT_FIELDS = tuple(f.name for f in fields(CrawledArticle) if f.name not in NOT_IMPORTED)
"""What an imported line contributes; WARC locations are not imported (the files are not), the
content hash is computed again."""
REJECTIONS_KEPT = 1000
"""Rejected lines remembered with their numbers (all are counted by reason)."""
MAX_LINE_BYTES = 64 * 2**20
"""Longest line read (64 MiB, newline included): what one line can cost in memory."""
TOO_LONG = "line too long"

_TEXT = ("url", "section", "subchannel", "title", "description", "published_at", "modified_at",
         "editor", "body", "fetched_at", "parser_version")  # fmt: skip
_TEXT_LISTS = ("authors", "tags", "extraction_warnings")
_COUNTS = ("page_count", "word_count")


class Rejected(ValueError):
    """A line that cannot be imported; the message is the reason."""


def read_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[bytes | Rejected]:
    """The lines of ``stream`` (a byte order mark before the first one skipped), reading at
    most ``limit`` bytes at a time: a longer line is given as its :class:`Rejected`, and is the
    last thing read."""
    first = True
    while line := stream.readline(limit + 1):
        if first:
            line, first = line.removeprefix(codecs.BOM_UTF8), False
        if len(line) > limit:
            yield Rejected(f"{TOO_LONG}: more than {limit:,} bytes; the rest is not read")
            return
        yield line


@dataclass(slots=True)
class ImportSummary:
    """What an import did so far."""

    lines: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    rejections: list[tuple[int, str]] = field(default_factory=list)
    """``(line number, reason)`` of the first :data:`REJECTIONS_KEPT` rejected lines."""

    @property
    def rejected(self) -> int:
        return sum(self.reasons.values())

    def reject(self, line: int, reason: str) -> None:
        self.reasons[reason.split(":", 1)[0]] += 1
        if len(self.rejections) < REJECTIONS_KEPT:
            self.rejections.append((line, reason))

    def text(self) -> str:
        """``lines 10 · new 7 · updated 1 · unchanged 1 · rejected 1``."""
        return (
            f"lines {self.lines:,} · new {self.new:,} · updated {self.updated:,} · "
            f"unchanged {self.unchanged:,} · rejected {self.rejected:,}"
        )


def _check_types(record: Mapping[str, Any]) -> None:
    """Refuse values of the wrong JSON type before they reach the pipelines or SQL."""
    if not isinstance(record.get("url"), str):
        raise Rejected("missing url")
    for name in _TEXT:
        if record.get(name) is not None and not isinstance(record[name], str):
            raise Rejected(f"bad {name}: not a string")
    for name in _TEXT_LISTS:
        value = record.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise Rejected(f"bad {name}: not a list of strings")
    for name in _COUNTS:
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise Rejected(f"bad {name}: not a whole number")
    images = record.get("images") or []
    lead = record.get("lead_image")
    if not isinstance(images, list) or not all(_is_image(image) for image in [*images, lead]):
        raise Rejected("bad images: each needs a url string")
    article_id = record.get("article_id")
    if isinstance(article_id, bool) or not isinstance(article_id, int):
        raise Rejected("bad article_id: not a whole number")
    if not 1 <= article_id <= MAX_ARTICLE_ID:
        raise Rejected("bad article_id: out of range")


def _is_image(value: Any) -> bool:
    return value is None or (isinstance(value, dict) and isinstance(value.get("url"), str))


def checked_item(record: Any, base_url: str) -> dict[str, Any]:
    """The item a JSON value stands for, normalized as the parser would have made it and
    validated as the crawler's pipeline validates (the one place an imported line is checked);
    :class:`Rejected` with the reason otherwise."""
    if not isinstance(record, dict):
        raise Rejected("not a JSON object")
    item = {name: record[name] for name in KEPT_FIELDS if name in record}
    _check_types(item)
    normalize_item(item, base_url)
    try:
        validated(item)
    except Refused as exc:
        raise Rejected(exc.reason) from None
    item["content_hash"] = content_hash(item["title"], item["body"])
    return item


def parse_line(raw: bytes, base_url: str) -> dict[str, Any] | None:
    """The checked item of one line (None for a blank line); :class:`Rejected` otherwise."""
    try:
        line = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Rejected("not UTF-8") from None
    if not line:
        return None
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as exc:  # ValueError: also a number of 5,000 digits
        raise Rejected(f"not JSON: {exc}") from None
    return checked_item(record, base_url)


class ArchiveImport:
    """Imports lines into one archive, batch by batch."""

    def __init__(self, database_url: str, base_url: str, *, batch_size: int = BATCH_SIZE):
        self.writer = ArchiveWriter(database_url)
        self.base_url = base_url
        self.batch_size = batch_size

    def run(
        self,
        lines: Iterable[bytes | Rejected],
        progress: Callable[[ImportSummary], None] | None = None,
    ) -> ImportSummary:
        """Import every line (a :class:`Rejected` in their place is a line refused while read,
        see :func:`read_lines`); ``progress`` is called after each batch."""
        summary = ImportSummary()
        batch: dict[int, tuple[int, dict[str, Any]]] = {}
        for number, raw in enumerate(lines, 1):
            summary.lines = number
            if isinstance(raw, Rejected):
                summary.reject(number, str(raw))
                continue
            try:
                item = parse_line(raw, self.base_url)
            except Rejected as exc:
                summary.reject(number, str(exc))
                continue
            except Exception as exc:  # a checking bug must cost one line, not the import
                log.debug("Checking line %d failed", number, exc_info=True)
                summary.reject(number, f"could not be checked: {type(exc).__name__}")
                continue
            if item is None:
                continue
            if item["article_id"] in batch:  # a later version: store the earlier first
                self._store(batch, summary)
            batch[item["article_id"]] = (number, item)
            if len(batch) >= self.batch_size:
                self._store(batch, summary)
                if progress is not None:
                    progress(summary)
        self._store(batch, summary)
        return summary

    def _store(self, batch: dict[int, tuple[int, dict[str, Any]]], summary: ImportSummary) -> None:
        """Write the batch as the crawler's store does (:func:`write_isolating`): a line the
        database refuses on its own is rejected, the others are stored; a database that is
        down or unusable stops the import with its error (no good line is rejected for it)."""
        entries = list(batch.values())
        batch.clear()
        if not entries:
            return
        outcome = write_isolating(
            lambda part: self.writer.store_articles([item for _, item in part], source="import"),
            entries,
        )
        for result in outcome.results:
            summary.new += len(result.new)
            summary.updated += len(result.updated)
            summary.unchanged += len(result.unchanged)
        for (number, _), exc in outcome.poison:
            summary.reject(number, f"database refused: {error_summary(exc)}")
        if outcome.error is not None:
            raise outcome.error
