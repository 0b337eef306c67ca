"""Benchmark: ``ArchiveSearch.search(q, limit=20)`` at 100,000 (or 1,000,000) articles, per kind
of query, beside the bare index lookup of the same query on the same database.

The archive is filled through ``viva-archive import``'s code path (:class:`ArchiveImport`) from a
generated JSON Lines file: bodies of Indonesian military vocabulary (Zipf-distributed words,
affixed forms included), plus planted words whose share is known: a code word unique to one
article (rare), words in ~4.5 % of articles (mid), words in ~90 % (common).
The reference is ``SELECT id ... WHERE <indexed document> MATCHES <same query> LIMIT 20``
(PostgreSQL: ``search_document @@ to_tsquery``; SQLite: ``articles_fts MATCH``): finding 20 rows
in the index, without order, snippet or ranking.
Run: ``python -m bench.search [--articles 100000] [--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.common import database, print_table
from crawler.extraction.text import content_hash
from crawler.importer import ArchiveImport
from storage.engine import get_engine
from storage.migrate import upgrade
from storage.search import (
    ArchiveSearch,
    SearchFilters,
    fts5_query,
    postgres_query,
    refresh_search_index,
)
from storage.word_forms import parse_query


def word_list(text: str) -> list[str]:
    """The words of a text (vocabularies read better as text)."""
    return text.split()


ROOTS = word_list(
    "kuat tahan serang tembak latih darat jaga kirim bangun tempur siaga gerak lindung "
    "awas kawal pantau cegah lawan bela ancam tangkap jatuh terbang layar labuh rakit "
    "uji beli pasok kembang rencana tugas periksa selidik damai runding sepakat tarik"
)
AFFIXES = ("", "me", "di", "ber", "per", "ter", "pe", "ke")
PLAIN = word_list(
    "pasukan tentara prajurit kapal perang armada pesawat tempur rudal tank senjata amunisi "
    "perbatasan wilayah laut udara darat pangkalan markas komandan panglima menteri "
    "pertahanan keamanan negara pemerintah presiden operasi latihan gabungan bersama "
    "sistem radar satelit drone helikopter fregat korvet kapal selam marinir kopassus "
    "angkatan darat laut udara militer dunia indonesia rusia ukraina china amerika serikat "
    "israel iran korea jepang australia natuna papua sengketa konflik krisis ancaman "
    "serangan pertempuran gencatan senjata bantuan kemanusiaan anggaran industri teknologi"
)
MID_WORDS = ("hipersonik", "kavaleri", "logistik", "sonar", "torpedo", "artileri")
COMMON_WORDS = ("laporan", "sumber", "pejabat")
MID_SHARE, COMMON_SHARE = 0.045, 0.9
SUBCHANNELS = ("militer-dunia", "militer-indonesia")
TAGS = ("TNI", "NATO", "Rusia", "Natuna", "Alutsista", "Laut China Selatan", "Ukraina", "Israel")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
REPEATS = 15


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words and their cumulative Zipf weights: affixed roots, plain words, and filler words
    made of syllables (so the index has a realistic number of distinct words)."""
    words = [prefix + root for root in ROOTS for prefix in AFFIXES]
    words += [word + suffix for word in list(words) for suffix in ("kan", "an")][::3]
    words += PLAIN
    syllables = [c + v for c in "bcdfghjklmnprstw" for v in "aiueo"]
    words += ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(20_000)]
    words = list(dict.fromkeys(words))
    rng.shuffle(words)
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1.0 / rank
        weights.append(total)
    return words, weights


def code_word(article_id: int) -> str:
    """A word unique to one article and no prefix of another's (fixed length)."""
    letters = []
    for _ in range(6):
        article_id, digit = divmod(article_id, 26)
        letters.append(LETTERS[digit])
    return "sandi" + "".join(letters)


def items(count: int, words_per_body: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``count`` crawler-shaped items, ids rising with publication time."""
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    step = (datetime(2026, 11, 1, tzinfo=UTC) - start) / count
    for n in range(count):
        article_id = 1_000_000 + n
        body_words = rng.choices(words, cum_weights=weights, k=words_per_body)
        planted = [w for w in MID_WORDS if rng.random() < MID_SHARE]
        planted += [w for w in COMMON_WORDS if rng.random() < COMMON_SHARE]
        planted.append(code_word(article_id))
        for word in planted:
            body_words.insert(rng.randrange(len(body_words)), word)
        paragraphs = [
            " ".join(body_words[i : i + 60]).capitalize() + "."
            for i in range(0, len(body_words), 60)
        ]
        title = " ".join(rng.choices(words, cum_weights=weights, k=8)).capitalize()
        body = "VIVA – " + "\n\n".join(paragraphs)
        subchannel = SUBCHANNELS[n % 2]
        published = start + step * n
        yield {
            "url": f"https://www.viva.co.id/militer/{subchannel}/{article_id}-berita-{n}",
            "article_id": article_id,
            "section": "militer",
            "subchannel": subchannel,
            "title": title,
            "description": None,
            "published_at": published.astimezone().isoformat(),
            "modified_at": None,
            "authors": [f"Penulis {n % 40}"],
            "editor": None,
            "tags": rng.sample(TAGS, 2),
            "lead_image": None,
            "images": [],
            "body": body,
            "content_hash": content_hash(title, body),  # a crawled item carries its hash
            "page_count": 1,
            "fetched_at": published.isoformat(),
            "extraction_warnings": [],
        }


def write_jsonl(path: Path, count: int, words_per_body: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for item in items(count, words_per_body):
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")


def fill(url: str, path: Path) -> float:
    """Import the file; returns seconds."""
    upgrade(url)
    started = time.perf_counter()
    with path.open("rb") as handle:
        summary = ArchiveImport(url, "https://www.viva.co.id", batch_size=500).run(handle)
    if summary.rejected or summary.new == 0:
        raise SystemExit(f"import went wrong: {summary.text()} {summary.rejections[:3]}")
    refresh_search_index(url)  # as `viva-archive import` does after a bulk import
    return time.perf_counter() - started


def query_kinds(count: int) -> dict[str, list[tuple[str, SearchFilters | None]]]:
    rng = random.Random(11)
    recent = date(2026, 10, 1)
    return {
        "rare (1 match)": [
            (code_word(1_000_000 + rng.randrange(count)), None) for _ in range(REPEATS)
        ],
        "mid (~4.5 %)": [(word, None) for word in MID_WORDS],
        "common (~90 %)": [(word, None) for word in COMMON_WORDS],
        "two words (mid + common)": [
            (f"{mid} {common}", None) for mid in MID_WORDS[:3] for common in COMMON_WORDS[:2]
        ],
        "two words (mid + mid)": [(f"{MID_WORDS[i]} {MID_WORDS[i + 1]}", None) for i in range(5)],
        "affixed (kuat → memperkuat...)": [(word, None) for word in ("kuat", "tembak", "serang")],
        "common + subchannel": [
            (word, SearchFilters(subchannel="militer-indonesia")) for word in COMMON_WORDS
        ],
        "mid + since (last month)": [(word, SearchFilters(since=recent)) for word in MID_WORDS],
        "common + tag": [(word, SearchFilters(tag="natuna")) for word in COMMON_WORDS],
    }


def timings(action: Callable[[], Any], repeats: int = 5) -> list[float]:
    action()  # warm the cache: we measure a running archive, not a cold disk
    result = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        result.append((time.perf_counter() - started) * 1000)
    return result


def lookup(url: str) -> Callable[[str], int]:
    """The bare index lookup of a query on this database: up to 20 ids, unordered."""
    engine = get_engine(url)
    if engine.dialect.name == "postgresql":
        sql = (
            "SELECT article_id FROM articles WHERE search_document @@ "
            "to_tsquery('simple', %(q)s) LIMIT 20"
        )
        expression = postgres_query
    else:
        sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? LIMIT 20"
        expression = fts5_query

    def run(query: str) -> int:
        words = parse_query(query)
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":  # as the search does: the index, no scan
                conn.exec_driver_sql("SET enable_seqscan = off")
            parameter = {"q": expression(words)} if "%(q)s" in sql else (expression(words),)
            return len(conn.exec_driver_sql(sql, parameter).all())

    return run


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str, count: int) -> list[list[Any]]:
    search, index = ArchiveSearch(url), lookup(url)
    rows = []
    for kind, queries in query_kinds(count).items():
        ours: list[float] = []
        bare: list[float] = []
        matches = []
        for query, filters in queries:
            ours += timings(lambda q=query, f=filters: search.search(q, limit=20, filters=f))
            bare += timings(lambda q=query: index(q))
            matches.append(search.count(query, filters=filters, cap=count))
        p50, p95 = statistics.median(ours), percentile(ours, 0.95)
        rows.append(
            [
                kind,
                f"{statistics.median(matches):,.0f}",
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{statistics.median(bare):.1f}",
                f"{percentile(bare, 0.95):.1f}",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=400, help="words per body (~3 KB)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="viva-bench-search-") as folder:
        path = Path(folder) / "items.jsonl"
        started = time.perf_counter()
        write_jsonl(path, args.articles, args.words)
        print(f"generated {args.articles:,} items in {time.perf_counter() - started:.0f} s")
        for backend in args.backends.split(","):
            with database(backend) as url:
                seconds = fill(url, path)
                print(f"{backend}: imported in {seconds:.0f} s ({args.articles / seconds:,.0f}/s)")
                rows = measure(url, args.articles)
                headers = ("query", "matches", "p50 ms", "p95 ms", "index p50", "index p95")
                print(f"search, {backend}, {args.articles:,} articles, limit 20")
                print_table(headers, rows)
                target = 100 if args.articles <= 100_000 else 300
                worst = max(float(row[3]) for row in rows)
                verdict = "met" if worst <= target else "MISSED"
                print(
                    f"target p95 ≤ {target} ms for every kind: {verdict} (worst {worst:.1f} ms)\n"
                )
                sys.stdout.flush()


if __name__ == "__main__":
    main()
