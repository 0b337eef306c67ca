"""Benchmark: the generic body extraction on redesigned pages vs the site-specific parser.

Every saved article fixture is parsed as it is (the site's selectors: the reference body) and
with every class of the article template renamed (``viva_militer_archive.sample_site.redesign``:
the site's
selectors find nothing, the generic extraction reads the body). Prints, per fixture and in
total, paragraph precision/recall of the generic path against the reference (exact normalized
paragraphs) and milliseconds per page of both paths, with trafilatura on the renamed pages as
the library alternative; then the generic path's time on flat pages of growing size (linear).
Run: ``python -m bench.fallback [--repeat N]``. trafilatura is a bench-only dependency.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bench.extract import load
from crawler.extraction import ArticlePage, parse_article
from crawler.extraction.dom import parse_html
from crawler.extraction.generic import extract_generic_body
from viva_militer_archive.cli.output import print_table
from viva_militer_archive.sample_site.redesign import (
    ARTICLE_CLASS_RENAMES,
    paragraph_scores,
    rename_classes,
)

Extractor = Callable[[str, list[str]], str]


def site_body(url: str, pages: list[str]) -> str:
    return parse_article(url, pages).body


def trafilatura_body(url: str, pages: list[str]) -> str:
    """trafilatura's text of each page, its lines taken as paragraphs."""
    import trafilatura

    texts = (trafilatura.extract(page, url=url) or "" for page in pages)
    return "\n\n".join(line for text in texts for line in text.splitlines() if line.strip())


def ms_per_page(extractor: Extractor, url: str, pages: list[str], repeat: int) -> float:
    """Median milliseconds per page over ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        extractor(url, pages)
        runs.append((time.perf_counter() - start) * 1000 / len(pages))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per fixture")
    args = parser.parse_args()
    rows, totals = [], {"generic": [], "trafilatura": []}
    times: dict[str, list[float]] = {"site": [], "generic": [], "trafilatura": []}
    cases = load()
    for name, url, pages, reference in cases:
        renamed = [rename_classes(page, ARTICLE_CLASS_RENAMES) for page in pages]
        row: list[object] = [name]
        for label, extractor in (("generic", site_body), ("trafilatura", trafilatura_body)):
            got = extractor(url, renamed)
            precision, recall = paragraph_scores(got, reference)
            totals[label].append((precision, recall))
            row += [f"{precision:.3f}", f"{recall:.3f}"]
        for label, extractor, html in (
            ("site", site_body, pages),
            ("generic", site_body, renamed),
            ("trafilatura", trafilatura_body, renamed),
        ):
            times[label].append(ms_per_page(extractor, url, html, args.repeat))
            row.append(f"{times[label][-1]:.3f}")
        rows.append(row)
    for label, scores in totals.items():
        rows.append(
            [f"mean ({label})"]
            + ["", ""] * (label == "trafilatura")
            + [f"{statistics.mean(s[i] for s in scores):.3f}" for i in (0, 1)]
            + ["", ""] * (label == "generic")
            + [""] * 3
        )
    rows.append(
        ["median ms/page", "", "", "", ""] + [f"{statistics.median(times[k]):.3f}" for k in times]
    )
    print(f"{len(rows) - 3} fixtures, {args.repeat} timed runs each; paragraphs: exact matches")
    print("site = original pages (site selectors); generic, traf = classes renamed\n")
    headers = ["fixture", "gen P", "gen R", "traf P", "traf R", "site ms", "gen ms", "traf ms"]
    print_table(headers, rows, labels=1, rule=True)
    with_jsonld = sum(bool(ArticlePage(c[2][0], c[1]).jsonld_body()) for c in cases)
    print(f"\nJSON-LD articleBody (the other fallback) present in {with_jsonld} of {len(cases)}")
    print("\ngeneric extraction alone on flat pages (one <div>, N paragraphs):")
    scaling = []
    for count in (1_000, 2_000, 4_000, 8_000):
        html = (
            "<div>"
            + "".join(f"<p>Paragraf {n} dengan teks yang panjang.</p>" for n in range(count))
            + "</div>"
        )
        root = parse_html(html)
        assert root is not None
        start = time.perf_counter()
        extract_generic_body(root, "")
        elapsed = (time.perf_counter() - start) * 1000
        scaling.append([count, f"{elapsed:.1f}", f"{elapsed * 1000 / count:.1f}"])
    print_table(["paragraphs", "ms", "us/paragraph"], scaling, labels=0, rule=True)


if __name__ == "__main__":
    main()
