"""Two revisions side by side with word-level changes marked, as NewsDiffs shows them.

The texts (title, then the body's paragraphs) are cut into words, whitespace and paragraph
breaks; ``difflib.SequenceMatcher`` aligns the two token lists, and each side becomes
paragraphs of segments: unchanged text, and deleted (left) or inserted (right) runs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from storage.history import PARAGRAPH

_TOKEN_RE = re.compile(r"\n\n|\s+|[^\s]+")


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text on one side: ``same``, ``del`` (left only) or ``ins`` (right only)."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class SideBySide:
    """Both sides as paragraphs of segments, and how many words each change touched."""

    left: list[list[Segment]]
    right: list[list[Segment]]
    deleted_words: int
    inserted_words: int


def tokens(text: str) -> list[str]:
    """Words, whitespace runs and paragraph breaks, in order (joining them gives ``text``)."""
    return _TOKEN_RE.findall(text)


def _paragraphs(pieces: list[Segment]) -> list[list[Segment]]:
    """Segments split into paragraphs at paragraph-break tokens (adjacent runs merged)."""
    paragraphs: list[list[Segment]] = [[]]
    for piece in pieces:
        if piece.text == PARAGRAPH:
            paragraphs.append([])
            continue
        current = paragraphs[-1]
        if current and current[-1].kind == piece.kind:
            current[-1] = Segment(piece.kind, current[-1].text + piece.text)
        else:
            current.append(piece)
    return [p for p in paragraphs if p]


def _words(parts: list[str]) -> int:
    return sum(1 for part in parts if not part.isspace())


def side_by_side(old: str, new: str) -> SideBySide:
    """Mark what ``new`` removed from ``old`` (left) and added to it (right), word by word."""
    a, b = tokens(old), tokens(new)
    left: list[Segment] = []
    right: list[Segment] = []
    deleted = inserted = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.extend(Segment("same", t) for t in a[i1:i2])
            right.extend(Segment("same", t) for t in b[j1:j2])
            continue
        left.extend(Segment("del", t) for t in a[i1:i2])
        right.extend(Segment("ins", t) for t in b[j1:j2])
        deleted += _words(a[i1:i2])
        inserted += _words(b[j1:j2])
    return SideBySide(_paragraphs(left), _paragraphs(right), deleted, inserted)
