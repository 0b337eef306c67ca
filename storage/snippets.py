"""Search snippets: a passage of plain text around the matches, with the matches' offsets.

The snippet carries no marks and no markup; each renderer escapes the text for its medium
(terminal, JSON, HTML) and marks the ``(start, end)`` ranges itself, so nothing of a body
(``<script>``, ``[`` ``]``) can pass through as markup."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from storage.word_forms import WORD_RE, QueryWord, fold

SNIPPET_WORDS = 24
"""Words in a snippet."""
ELLIPSIS = "…"
NONE: frozenset[int] = frozenset()


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
    hits = _hits(text, tokens, words)
    best = _best_window(hits, size, len(words))
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


def _best_window(hits: Sequence[frozenset[int] | set[int]], size: int, words: int) -> int:
    """Start of the first ``size``-token window holding the most distinct query words (one
    pass, counting what enters and leaves the window)."""
    counts = [0] * words
    distinct, best, best_score = 0, 0, -1
    for index, hit in enumerate(hits):
        for word in hit:
            counts[word] += 1
            distinct += counts[word] == 1
        if index >= size:
            for word in hits[index - size]:
                counts[word] -= 1
                distinct -= counts[word] == 0
        start = max(0, index - size + 1)
        if (index >= size - 1 or index == len(hits) - 1) and distinct > best_score:
            best, best_score = start, distinct
    return best


def _hits(
    text: str, tokens: Sequence[re.Match[str]], words: Sequence[QueryWord]
) -> list[frozenset[int] | set[int]]:
    """For each token, the indexes of the query words it is a match of.

    One regular expression per query word over the lower-cased text (fast); token by token
    when lower-casing changes the text's length (offsets would no longer line up)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return [
            {index for index, word in enumerate(words) if word.matches(fold(token.group()))}
            for token in tokens
        ]
    starts: dict[int, set[int]] = {}
    for index, word in enumerate(words):
        for match in _pattern(word).finditer(lowered):
            starts.setdefault(match.start(), set()).add(index)
    return [starts.get(token.start(), NONE) for token in tokens]


def _pattern(word: QueryWord) -> re.Pattern[str]:
    """Where ``word`` matches in lower-cased text: a word starting with one of its forms (or,
    for a short word, the word itself)."""
    forms = "|".join(re.escape(form) for form in word.forms)
    end = "" if word.prefix else r"(?![^\W_])"
    return re.compile(rf"(?<![^\W_])(?:{forms}){end}")


def marked(snippet: str, highlights: Sequence[tuple[int, int]], start: str, stop: str) -> str:
    """``snippet`` with ``start``/``stop`` around each highlighted range (for plain-text output;
    HTML renderers escape each piece first)."""
    pieces, last = [], 0
    for begin, end in highlights:
        pieces += [snippet[last:begin], start, snippet[begin:end], stop]
        last = end
    return "".join([*pieces, snippet[last:]])
