"""Benchmark: what a ``latest`` run costs when 0, 1 and 20 articles are new.

The fixture site's articles are archived first by a backfill; then articles are added to the
site (two of the 20 split in two pages, one whose ``?page=all`` is partial and needs page 2)
and a ``latest`` run follows each step. Requests are read from the run's ``crawl_runs`` row and
from the site's own hit log.
Run: ``python -m bench.incremental [--existing 400] [--backend sqlite]``.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from bench.common import (
    backfill_since,
    crawl,
    database,
    fixture_articles,
    fixture_site,
    report,
)
from crawler.dates import WIB
from crawler.site import ARTICLE_PATH_RE
from viva_militer_archive.sample_site.catalog import make_article, multi_page
from viva_militer_archive.sample_site.render import ArticleSpec

STEPS = (0, 1, 20)
FIRST_NEW_ID = 1_900_000


def new_articles(count: int, first_id: int) -> list[ArticleSpec]:
    """``count`` articles published in the last minutes; of 20, two are split in two pages."""
    now = datetime.now(WIB)
    specs = [make_article(first_id + n, now - timedelta(minutes=n + 1)) for n in range(count)]
    if count >= 20:
        specs[3] = multi_page(specs[3], partial_all=True)
        specs[7] = multi_page(specs[7], partial_all=False)
    return specs


def expected_article_requests(specs: list[ArticleSpec]) -> int:
    """One ``?page=all`` per article, plus each page after the first when that copy is partial."""
    return sum(1 + (len(s.pages) - 1 if getattr(s, "partial_all", False) else 0) for s in specs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", type=int, default=400, help="articles archived beforehand")
    parser.add_argument("--backend", default="sqlite", help="sqlite or postgresql")
    args = parser.parse_args()
    rows, ok = [], True
    with fixture_site(fixture_articles(args.existing)) as site, database(args.backend) as url:
        since = f"since={backfill_since(args.existing)}"
        crawl(site.base_url, url, "mode=backfill", since).check()
        next_id = FIRST_NEW_ID
        for count in STEPS:
            specs = new_articles(count, next_id)
            next_id += count
            for spec in specs:
                site.add(spec)
            mark = len(site.hits)
            done = crawl(site.base_url, url, "mode=latest").check()
            article_hits = sum(1 for h in site.hits[mark:] if ARTICLE_PATH_RE.match(h.path))
            want = expected_article_requests(specs)
            ok = ok and article_hits == want and done.run.articles_new == count
            rows.append([
                count, done.run.requests, len(site.hits) - mark, article_hits, want,
                done.run.articles_new, f"{done.seconds:.1f}",
            ])  # fmt: skip
    report(
        f"latest runs on {args.existing} archived fixture articles ({args.backend})",
        ["new", "requests (run)", "site hits", "article hits", "expected", "stored", "s"],
        rows,
        "no article request when nothing is new, one per new article",
        ok,
    )


if __name__ == "__main__":
    main()
