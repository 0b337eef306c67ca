"""Search snippets: a passage of plain text around the matches, with the matches' offsets.

The snippet carries no marks and no markup; each renderer escapes the text for its medium
(terminal, JSON, HTML) and marks the ``(start, end)`` ranges itself, so nothing of a body
(``<script>``, ``[`` ``]``) can pass through as markup.

Its cost is bounded whatever the body: only the first :data:`SCAN_CHARS` characters are read
(the search fetches no more from the database). And it is small: the matches are found with
``str.find`` for each form of each query word (C speed), the words between them are counted,
not split out, the reading stops at the first window holding every query word, and only the
chosen window is split into words."""

from __future__ import annotations

import heapq
import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby, islice
from operator import itemgetter

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
    lowered = text.lower()
    if len(lowered) == len(text):
        window = _window_from_matches(text, lowered, words, size)
    else:  # lower-casing moved the offsets: word by word
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
    window, that stops once a window holds them all (no later one can hold more). Each word is
    folded on its own: for text whose lower case has another length (``İ``)."""
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


def _window_from_matches(
    text: str, lowered: str, words: Sequence[QueryWord], size: int
) -> Window | None:
    """What :func:`_best_window` finds, from the matches alone: the matches of each form of
    each query word are found with ``str.find`` (C speed), words are counted between
    matches, matches are read in order only until a window holds every word, and only the
    chosen window is split into words. The best window starts the text or ends at a match
    (only a match raises the count of distinct words)."""
    matches = heapq.merge(
        *(
            _form_starts(lowered, form, number, word.prefix)
            for number, word in enumerate(words)
            for form in word.forms
        )
    )
    found: dict[int, set[int]] = {}  # the matches read, by where their word starts
    counts = [0] * len(words)
    distinct, best_score, best_end, best_at = 0, -1, -1, 0
    entered: deque[tuple[int, set[int]]] = deque()  # (word index, words) of the window's matches
    index, after = -1, 0
    for start, group in groupby(matches, key=itemgetter(0)):
        found[start] = {number for _, number in group}
        index += 1 + len(WORD_RE.findall(lowered, after, start))
        after = WORD_RE.match(lowered, start).end()  # type: ignore[union-attr]  # a word starts here
        if index >= size and best_score < 0:  # the first window is complete: score it
            best_score, best_end = distinct, size - 1
        while entered and entered[0][0] <= index - size:
            for number in entered.popleft()[1]:
                counts[number] -= 1
                distinct -= counts[number] == 0
        entered.append((index, found[start]))
        for number in found[start]:
            counts[number] += 1
            distinct += counts[number] == 1
        if index >= size - 1 and distinct > best_score:
            best_score, best_end, best_at = distinct, index, start
        if best_score == len(words):
            break
    if best_end < size:  # the first window (all the words, when fewer)
        spans = [token.span() for token in islice(WORD_RE.finditer(text), size)]
    else:
        spans = _words_ending_at(text, best_at, size)
    if not spans:
        return None
    return spans, [start in found for start, _ in spans]


def _form_starts(lowered: str, form: str, number: int, prefix: bool) -> Iterator[tuple[int, int]]:
    """``(start, number)`` of each word of ``lowered`` that starts with ``form`` (is ``form``,
    when not ``prefix``), in order: ``str.find`` runs at C speed, where a regular expression
    with a dozen forms takes a step per form at every character."""
    at = lowered.find(form)
    while at != -1:
        end = at + len(form)
        if (at == 0 or not lowered[at - 1].isalnum()) and (
            prefix or end == len(lowered) or not lowered[end].isalnum()
        ):
            yield at, number
        at = lowered.find(form, end)


def _words_ending_at(text: str, start: int, size: int) -> list[tuple[int, int]]:
    """The spans of the ``size`` words of which the last starts at ``start``: read backwards
    in growing stretches, never from the text's start when a window lies far into it."""
    end = WORD_RE.match(text, start).end()  # type: ignore[union-attr]  # a word starts there
    reach = 16 * size
    while True:
        low = max(0, start - reach)
        spans = [token.span() for token in WORD_RE.finditer(text, low, end)]
        if low > 0:
            spans = spans[1:]  # perhaps the end of a word cut by the stretch
        if len(spans) >= size or low == 0:
            return spans[-size:]
        reach *= 4


def marked(snippet: str, highlights: Sequence[tuple[int, int]], start: str, stop: str) -> str:
    """``snippet`` with ``start``/``stop`` around each highlighted range (for plain-text output;
    HTML renderers escape each piece first)."""
    pieces, last = [], 0
    for begin, end in highlights:
        pieces += [snippet[last:begin], start, snippet[begin:end], stop]
        last = end
    return "".join([*pieces, snippet[last:]])
