"""Benchmark: our parser vs trafilatura on the saved article fixtures.

Prints median and p95 milliseconds per page and body precision/recall against each fixture's
expected body. Precision/recall are over word tokens (multiset overlap of whitespace-separated,
case-folded tokens), so paragraph splitting differences do not count, only kept/dropped text.
Run: ``python -m bench.extract [--repeat N]``. trafilatura is a bench-only dependency.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from crawler.extraction import parse_article
from crawler.urls import article_page_url

ROOT = Path(__file__).resolve().parent.parent

FIXTURES = ROOT / "tests" / "fixtures" / "articles"


def load() -> list[tuple[str, str, list[str], str]]:
    """(name, url, pages, expected body) of every fixture."""
    cases = []
    for path in sorted(FIXTURES.glob("*.expected.json")):
        name = path.name.removesuffix(".expected.json")
        expected = json.loads(path.read_text(encoding="utf-8"))
        extra = sorted(FIXTURES.glob(f"{name}.page*.html"), key=lambda p: int(p.suffixes[0][5:]))
        pages = [p.read_text(encoding="utf-8") for p in [FIXTURES / f"{name}.html", *extra]]
        cases.append((name, article_page_url(expected["url"], "all"), pages, expected["body"]))
    return cases


def ours(url: str, pages: list[str]) -> str:
    return parse_article(url, pages).body


def trafilatura_body(url: str, pages: list[str]) -> str:
    import trafilatura

    return "\n\n".join(trafilatura.extract(p, url=url) or "" for p in pages)


def precision_recall(got: str, want: str) -> tuple[float, float]:
    """Token multiset precision and recall; 1.0/1.0 when both are empty."""
    got_tokens, want_tokens = Counter(got.casefold().split()), Counter(want.casefold().split())
    overlap = sum((got_tokens & want_tokens).values())
    precision = overlap / sum(got_tokens.values()) if got_tokens else float(not want_tokens)
    recall = overlap / sum(want_tokens.values()) if want_tokens else float(not got_tokens)
    return precision, recall


def measure(
    extractor: Callable[[str, list[str]], str], cases: list, repeat: int
) -> tuple[list[float], dict[str, tuple[float, float]]]:
    """Per-page milliseconds (each run's time divided by its page count) and P/R per fixture."""
    timings: list[float] = []
    scores: dict[str, tuple[float, float]] = {}
    for name, url, pages, want in cases:
        scores[name] = precision_recall(extractor(url, pages), want)
        for _ in range(repeat):
            start = time.perf_counter()
            extractor(url, pages)
            timings.append((time.perf_counter() - start) * 1000 / len(pages))
    return timings, scores


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="runs per fixture")
    args = parser.parse_args()
    cases = load()
    results = {
        name: measure(fn, cases, args.repeat)
        for name, fn in (("ours", ours), ("trafilatura", trafilatura_body))
    }
    pages = sum(len(c[2]) for c in cases)
    print(f"{len(cases)} fixtures, {pages} pages, {args.repeat} runs each; P/R over word tokens")
    print(f"{'fixture':<28}{'ours P':>8}{'ours R':>8}{'traf P':>8}{'traf R':>8}")
    for name, *_ in cases:
        (op, orc), (tp, tr) = results["ours"][1][name], results["trafilatura"][1][name]
        print(f"{name:<28}{op:>8.3f}{orc:>8.3f}{tp:>8.3f}{tr:>8.3f}")
    print(f"\n{'extractor':<14}{'median ms':>10}{'p95 ms':>9}{'min P':>8}{'min R':>8}")
    for name, (timings, scores) in results.items():
        min_p = min(p for p, _ in scores.values())
        min_r = min(r for _, r in scores.values())
        print(
            f"{name:<14}{statistics.median(timings):>10.3f}{p95(timings):>9.3f}"
            f"{min_p:>8.3f}{min_r:>8.3f}"
        )
    speedup = statistics.median(results["trafilatura"][0]) / statistics.median(results["ours"][0])
    print(f"\nspeed-up (median): {speedup:.1f}x")


if __name__ == "__main__":
    main()
