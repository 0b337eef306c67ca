"""Search snippets: a passage of plain text around the matches, with the matches' offsets.

The snippet carries no marks and no markup; each renderer escapes the text for its medium
(terminal, JSON, HTML) and marks the ``(start, end)`` ranges itself, so nothing of a body
(``<script>``, ``[`` ``]``) can pass through as markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.word_forms import WORD_RE, QueryWord, fold

SNIPPET_WORDS = 24
"""Words in a snippet."""
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Snippet:
    """Plain text and the character ranges of the matched words in it."""

    text: str
    highlights: tuple[tuple[int, int], ...]


def make_snippet(body: str, words: Sequence[QueryWord], size: int = SNIPPET_WORDS) -> Snippet:
    """The ``size``-word passage of ``body`` holding the most distinct query words (the earliest
    of equals), on one line, with ``…`` where it cuts the body."""
    text = " ".join(body.split())
    tokens = list(WORD_RE.finditer(text))
    if not tokens:
        return Snippet(text[:200], ())
    hits = [_matched(fold(token.group()), words) for token in tokens]
    best, best_score = 0, -1
    for start in range(max(1, len(tokens) - size + 1)):
        score = len({index for hit in hits[start : start + size] for index in hit})
        if score > best_score:
            best, best_score = start, score
    window = tokens[best : best + size]
    begin, end = window[0].start(), window[-1].end()
    if end < len(text) and not text[end].isspace():
        end = text.find(" ", end) if text.find(" ", end) != -1 else len(text)
    lead = "" if begin == 0 else ELLIPSIS + " "
    tail = "" if end >= len(text) else " " + ELLIPSIS
    shift = len(lead) - begin
    highlights = tuple(
        (token.start() + shift, token.end() + shift)
        for token, hit in zip(window, hits[best : best + size], strict=True)
        if hit
    )
    return Snippet(lead + text[begin:end] + tail, highlights)


def _matched(token: str, words: Sequence[QueryWord]) -> set[int]:
    """Indexes of the query words ``token`` is a match of."""
    return {index for index, word in enumerate(words) if word.matches(token)}


def marked(snippet: str, highlights: Sequence[tuple[int, int]], start: str, stop: str) -> str:
    """``snippet`` with ``start``/``stop`` around each highlighted range (for plain-text output;
    HTML renderers escape each piece first)."""
    pieces, last = [], 0
    for begin, end in highlights:
        pieces += [snippet[last:begin], start, snippet[begin:end], stop]
        last = end
    return "".join([*pieces, snippet[last:]])
