"""Indonesian word forms for search: which indexed words a query word should find.

Both databases index words unstemmed (PostgreSQL's ``simple`` configuration, SQLite FTS5's
``unicode61`` tokenizer), so both match the same way: a query word matches any indexed word
that *starts with* one of its forms. The forms of a word are the word itself, the roots left
when a derivational prefix (``me-``, ``mem-``, ``meng-``, ``di-``, ``ber-``, ``per-``,
``memper-``, ``ke-``, ``pe-``...) and then a suffix (``-kan``, ``-an``, ``-i``) are taken off
(restoring the consonant a nasal prefix swallows: ``menembak`` → ``tembak``), and each root with
those prefixes put back (``kuat`` → ``memperkuat``, ``menguat``, ``diperkuat``, ``kekuat``...).
Suffixes need no forms of their own: a prefix match covers ``-kan``/``-an``/``-i``/``-nya``.

Words shorter than :data:`MIN_PREFIX` letters match exactly (``AL``, ``AS``); only roots of at
least :data:`MIN_ROOT` letters get affixed forms, so ``perang`` does not become ``ang``.
Snowball's Indonesian stemmer, used before, indexed ``memperkuat`` as ``perkuat`` and stemmed a
query for ``perkuat`` to ``kuat``, so neither ``kuat`` nor ``perkuat`` found it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MIN_PREFIX = 3
"""Shorter query words match whole words only (a prefix of two letters finds too much)."""
MIN_ROOT = 4
"""Shortest root that gets affixed forms, and shortest root kept after stripping an affix."""

WORD_RE = re.compile(r"[^\W_]+")
"""A word: letters and digits, as both indexes tokenize (underscores and punctuation split)."""

PLAIN_PREFIXES = ("di", "ter", "ke", "se", "ber", "per", "pe", "diper", "memper", "berke")
"""Prefixes that attach to a root unchanged (``di`` + ``tembak``)."""
NASAL_PREFIXES = ("me", "pe")
"""Prefixes ending in a nasal that takes the shape of the root's first sound."""
VOWELS = frozenset("aeiou")
NASALS = (("bfv", "m", ""), ("p", "m", "p"), ("cdjz", "n", ""), ("t", "n", "t"),
          ("aeioughx", "ng", ""), ("k", "ng", "k"), ("s", "ny", "s"))  # fmt: skip
"""(root's first letters, nasal, letter the nasal swallows before a vowel): ``me`` + ``pukul`` →
``memukul``, ``tembak`` → ``menembak``, ``kirim`` → ``mengirim``, ``serang`` → ``menyerang``;
roots starting with ``l m n r w y`` take a bare ``me``/``pe`` (``melatih``)."""
STRIPPED_PREFIXES = ("memper", "diper", "ber", "ter", "per", "di", "ke", "me", "pe")
"""Prefixes taken off a query word to find its root; nasal shapes are handled apart."""
SUFFIXES = ("kan", "an", "i")


def fold(word: str) -> str:
    """Lower case in NFC, as both indexes keep words (FTS5 also ignores accents; PostgreSQL's
    ``simple`` configuration keeps them, so ``é`` and ``e`` differ there)."""
    return unicodedata.normalize("NFC", word).lower()


def query_words(query: str) -> list[str]:
    """The folded words of a free-text query, in order, without repeats."""
    return list(dict.fromkeys(fold(word) for word in WORD_RE.findall(query)))


def _nasalized(root: str) -> set[str]:
    """``root`` after ``me``/``pe`` with the nasal in the shape its first sound asks for."""
    for letters, nasal, swallowed in NASALS:
        if root[0] in letters:
            if swallowed and len(root) > 1 and root[1] in VOWELS:
                root = root[len(swallowed) :]
            return {prefix + nasal + root for prefix in NASAL_PREFIXES}
    return {prefix + root for prefix in NASAL_PREFIXES}


def _prefixed(root: str) -> set[str]:
    """``root`` with every prefix put back."""
    return {prefix + root for prefix in PLAIN_PREFIXES} | _nasalized(root)


def _strippable(prefix: str, root: str) -> bool:
    """Whether ``root`` may be what ``prefix`` was put before: long enough (a root left by a
    two-letter prefix must be longer: ``kerang`` is no ``ke-`` + ``rang``), and after a bare
    ``me``/``pe`` starting with ``l r w y`` and a vowel (``melatih``, not ``memukul``)."""
    if len(root) < (MIN_ROOT + 1 if len(prefix) <= 2 else MIN_ROOT):
        return False
    if prefix in NASAL_PREFIXES:
        return root[0] in "lrwy" and root[1] in VOWELS
    return True


def _denasalized(word: str) -> set[str]:
    """Roots ``word`` may be after a nasal ``me``/``pe`` (the swallowed letter put back)."""
    roots: set[str] = set()
    for letters, nasal, swallowed in NASALS:
        for prefix in NASAL_PREFIXES:
            head = prefix + nasal
            rest = word[len(head) :]
            if not word.startswith(head) or not rest:
                continue
            if rest[0] in VOWELS:
                root = swallowed + rest if swallowed else rest if nasal == "ng" else ""
            else:
                root = rest if rest[0] in letters else ""
            if root and len(root) >= MIN_ROOT:
                roots.add(root)
    return roots


def _stripped(word: str) -> set[str]:
    """Roots ``word`` may have been built from: a prefix off, then optionally a suffix off."""
    roots = _denasalized(word) | {
        word[len(prefix) :]
        for prefix in STRIPPED_PREFIXES
        if word.startswith(prefix) and _strippable(prefix, word[len(prefix) :])
    }
    for root in list(roots):
        roots.update(
            root[: -len(suffix)]
            for suffix in SUFFIXES
            if root.endswith(suffix) and len(root) - len(suffix) >= MIN_ROOT
        )
    return roots


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One word of a query and the word starts (or, for a short word, the word) it matches."""

    word: str
    forms: tuple[str, ...]
    """Sorted; an indexed word matches when it starts with one (equals it, when not prefix)."""
    prefix: bool

    def matches(self, token: str) -> bool:
        """Whether an indexed (folded) token is a match of this query word."""
        if not self.prefix:
            return token == self.word
        return token.startswith(self.forms)


def expand(word: str) -> QueryWord:
    """The forms a folded query word matches (see the module docstring)."""
    if len(word) < MIN_PREFIX or word.isdigit():
        return QueryWord(word, (word,), prefix=False)
    roots = _stripped(word) or ({word} if len(word) >= MIN_ROOT else set())
    forms = {word, *roots}
    for root in roots:
        forms |= _prefixed(root)
    return QueryWord(word, tuple(sorted(_minimal(forms))), prefix=True)


def _minimal(forms: set[str]) -> set[str]:
    """Drop forms another form is a prefix of (they match nothing more)."""
    ordered = sorted(forms)
    kept: list[str] = []
    for form in ordered:
        if not kept or not form.startswith(kept[-1]):
            kept.append(form)
    return set(kept)


def parse_query(query: str) -> list[QueryWord]:
    """Every word of ``query`` expanded; ``ValueError`` (one line) when it holds no word."""
    words = query_words(query)
    if not words:
        raise ValueError(f"nothing to search for in {query!r}: the query holds no word")
    return [expand(word) for word in words]
