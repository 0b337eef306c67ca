"""Search snippets: a passage of plain text around the matches, with the matches' offsets.

The snippet carries no marks and no markup; each renderer escapes the text for its medium
(terminal, JSON, HTML) and marks the ``(start, end)`` ranges itself, so nothing of a body
(``<script>``, ``[`` ``]``) can pass through as markup.

Its cost is bounded whatever the body: only the first :data:`SCAN_CHARS` characters are read
(the search fetches no more from the database), the words are read one by one and the reading
stops at the first window holding every query word, and each distinct word is matched against
the query once."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from storage.word_forms import WORD_RE, QueryWord, fold

SNIPPET_WORDS = 24
"""Words in a snippet."""
SCAN_CHARS = 20_000
"""Characters of a body a snippet is looked for in (an article of the site is ~3,000): a match
further on shows the body's start instead; an 8 MB body costs what its first 20,000 do."""
ELLIPSIS = "…"
NO_TEXT_CHARS = 200
"""Characters shown of a body without any word."""
_TO_SPACE = re.compile(r"\S*")
"""The rest of a word a window cuts inside (``kata,lain``: the snippet ends after ``lain``)."""


@dataclass(frozen=True, slots=True)
class Snippet:
    """Plain text and the character ranges of the matched words in it."""

    text: str
    highlights: tuple[tuple[int, int], ...]


def make_snippet(body: str, words: Sequence[QueryWord], size: int = SNIPPET_WORDS) -> Snippet:
    """The ``size``-word passage of ``body`` (of its first :data:`SCAN_CHARS` characters)
    holding the most distinct query words, the earliest of equals, on one line, with ``…``
    where it cuts the body."""
    cut = len(body) > SCAN_CHARS
    text = body[:SCAN_CHARS]
    window = _best_window(text, words, size)
    if window is None:
        return Snippet(" ".join(text.split())[:NO_TEXT_CHARS], ())
    spans, hits = window
    begin, end = spans[0][0], spans[-1][1]
    end = _TO_SPACE.match(text, end).end()  # type: ignore[union-attr]  # \S* always matches
    lead = ELLIPSIS + " " if text[:begin].strip() else ""
    tail = " " + ELLIPSIS if cut or text[end:].strip() else ""
    passage = " ".join(text[begin:end].split())
    shift = len(lead)
    highlights = tuple(
        (token.start() + shift, token.end() + shift)
        for token, hit in zip(WORD_RE.finditer(passage), hits, strict=False)
        if hit
    )
    return Snippet(lead + passage + tail, highlights)


Window = tuple[list[tuple[int, int]], list[bool]]
"""The ``(start, end)`` of each word of a window and whether it is a match."""


def _best_window(text: str, words: Sequence[QueryWord], size: int) -> Window | None:
    """The first ``size``-word window of ``text`` holding the most distinct query words (None
    when ``text`` holds no word): one pass over the words, counting what enters and leaves the
    window, that stops once a window holds them all (no later one can hold more)."""
    matched: dict[str, frozenset[int]] = {}
    spans: deque[tuple[int, int]] = deque(maxlen=size)
    hits: deque[frozenset[int]] = deque(maxlen=size)
    counts = [0] * len(words)
    distinct, best_score = 0, -1
    best: Window | None = None
    for index, token in enumerate(WORD_RE.finditer(text)):
        word = token.group()
        hit = matched.get(word)
        if hit is None:
            folded = fold(word)
            hit = matched[word] = frozenset(
                number for number, query in enumerate(words) if query.matches(folded)
            )
        if len(hits) == size:
            for number in hits[0]:
                counts[number] -= 1
                distinct -= counts[number] == 0
        spans.append(token.span())
        hits.append(hit)
        for number in hit:
            counts[number] += 1
            distinct += counts[number] == 1
        if index >= size - 1 and distinct > best_score:
            best, best_score = (list(spans), [bool(h) for h in hits]), distinct
            if best_score == len(words):
                break
    if best is None and spans:  # fewer words than a window: all of them
        best = (list(spans), [bool(h) for h in hits])
    return best


def marked(snippet: str, highlights: Sequence[tuple[int, int]], start: str, stop: str) -> str:
    """``snippet`` with ``start``/``stop`` around each highlighted range (for plain-text output;
    HTML renderers escape each piece first)."""
    pieces, last = [], 0
    for begin, end in highlights:
        pieces += [snippet[last:begin], start, snippet[begin:end], stop]
        last = end
    return "".join([*pieces, snippet[last:]])
