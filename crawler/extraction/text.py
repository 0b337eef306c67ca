"""Text normalization and the content hash.

The hash covers only the clean title and body, normalized the same way the parser normalizes
them, so injected widgets, ads and whitespace never register as an edit.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

_INVISIBLE_RE = re.compile("[\x00\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_PARAGRAPH_SPLIT_RE = re.compile(r"\n\s*\n")


def normalize_text(text: str) -> str:
    """NFC, invisible characters (and NUL, which PostgreSQL refuses in text) removed, runs of
    whitespace (incl. NBSP) as one space.

    ASCII text is already NFC and NUL is its only invisible character: only NUL is removed and
    its spaces folded (``str.split`` and the regex ``\\s`` agree on what whitespace is)."""
    if text.isascii():
        text = text.replace("\x00", "")
    else:
        text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Paragraphs normalized and joined by exactly one blank line; empty ones dropped."""
    return "\n\n".join(p for p in map(normalize_text, paragraphs) if p)


def split_paragraphs(body: str) -> list[str]:
    """Inverse of :func:`join_paragraphs` (tolerant of extra blank lines and spaces)."""
    return [p for p in map(normalize_text, _PARAGRAPH_SPLIT_RE.split(body)) if p]


def content_hash(title: str, body: str) -> str:
    """sha256 hex of the normalized title and body (paragraph structure kept)."""
    canonical = normalize_text(title) + "\n\n" + join_paragraphs(split_paragraphs(body))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def unique(values: Iterable[str]) -> list[str]:
    """Non-empty normalized values in first-seen order, de-duplicated case-insensitively."""
    seen: set[str] = set()
    result: list[str] = []
    for value in map(normalize_text, values):
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            result.append(value)
    return result
