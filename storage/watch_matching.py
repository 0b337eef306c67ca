"""Which watches an archived change concerns, decided in Python over the batch just written.

A watch matches an article as search and the lists would find it: every word of its query in the
title or body as any of its Indonesian forms (:mod:`storage.word_forms`, the same expansion the
search sends to the database), and each filter of :class:`storage.filters.ArticleFilters` it sets
(subchannel exact, tag and author exact but case-insensitive). Matching the few changed articles
of a batch in Python keeps the write transaction to one small read of the watches."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storage.filters import ArticleFilters
from storage.word_forms import WORD_RE, QueryWord, fold, parse_query


@dataclass(frozen=True, slots=True)
class WatchRule:
    """A watch as matching needs it: its id, parsed query words and filters."""

    watch_id: int
    words: tuple[QueryWord, ...]
    filters: ArticleFilters
    events: frozenset[str]

    @classmethod
    def of(cls, watch: Any) -> WatchRule:
        """From a ``storage.models.Watch`` row."""
        words = tuple(parse_query(watch.query)) if watch.query else ()
        filters = ArticleFilters(subchannel=watch.subchannel, tag=watch.tag, author=watch.author)
        return cls(watch.id, words, filters, frozenset(watch.events or ()))


def article_tokens(article: Mapping[str, Any]) -> list[str]:
    """The folded words of the title and body, as both search indexes hold them: sorted and
    unique, so a word start is found by bisection instead of a scan."""
    text = f"{article.get('title') or ''}\n{article.get('body') or ''}"
    return sorted({fold(word) for word in WORD_RE.findall(text)})


def _names(values: Sequence[str] | None) -> set[str]:
    return {value.casefold() for value in values or ()}


def passes_filters(filters: ArticleFilters, article: Mapping[str, Any]) -> bool:
    """Whether ``article`` (its current columns or item) is inside the watch's filters."""
    if filters.subchannel and article.get("subchannel") != filters.subchannel:
        return False
    if filters.tag and filters.tag.casefold() not in _names(article.get("tags")):
        return False
    return not (filters.author and filters.author.casefold() not in _names(article.get("authors")))


def _occurs(word: QueryWord, tokens: list[str]) -> bool:
    """Whether a token of the sorted ``tokens`` is a match of ``word`` (as ``word.matches``)."""
    for form in word.forms if word.prefix else (word.word,):
        at = bisect_left(tokens, form)
        if at < len(tokens) and (
            tokens[at].startswith(form) if word.prefix else tokens[at] == form
        ):
            return True
    return False


def has_words(words: Sequence[QueryWord], tokens: list[str]) -> bool:
    """Whether every query word occurs among the sorted ``tokens`` as one of its forms."""
    return all(_occurs(word, tokens) for word in words)


def matching_watches(
    rules: Sequence[WatchRule], kind: str, article: Mapping[str, Any]
) -> list[int]:
    """Ids of the watches that want ``kind`` events and match ``article``."""
    wanted = [
        rule for rule in rules if kind in rule.events and passes_filters(rule.filters, article)
    ]
    if not wanted:
        return []
    tokens = article_tokens(article) if any(rule.words for rule in wanted) else []
    return [rule.watch_id for rule in wanted if has_words(rule.words, tokens)]
