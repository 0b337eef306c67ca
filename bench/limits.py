"""Benchmark: peak RSS of a crawl that meets a gzip bomb and 20 MB pages, beside a normal one.

One ``urls=`` crawl of the same good articles, each into a fresh archive: alone, then with a
gzip bomb (1 GiB of zeros, about 1 MB on the wire) and two 20 MB pages (one with
``Content-Length``, one streamed without) among them. With ``--unbounded`` also the hostile
crawl under Scrapy's default limit (``DOWNLOAD_MAXSIZE`` 1 GiB), as the crawler had before.
Each crawl is a child process polled with psutil (bench/common.py). Target: the hostile crawl's
peak stays within 100 MB of the normal one, and every good article is archived.
Run: ``python -m bench.limits [--articles 40] [--unbounded] [--backend sqlite]``.
"""

from __future__ import annotations

import argparse

from bench.common import crawl, database, fixture_articles, mib, report
from crawler.arguments import today_wib
from viva_militer_archive.sample_site.hostile import (
    HostileSite,
    RawAnswer,
    bomb_page,
    oversized_page,
)

MARGIN = 100 * 2**20
HOSTILE_PATHS = {
    "/militer/militer-dunia/1999001-bom-gzip": bomb_page,
    "/militer/militer-dunia/1999002-besar": oversized_page,
    "/militer/militer-dunia/1999003-besar-mengalir": lambda: oversized_page(streamed=True),
}
UNBOUNDED = {"DOWNLOAD_MAXSIZE": str(1024**3), "DOWNLOAD_WARNSIZE": str(32 * 1024**2)}
"""Scrapy's own defaults: what the crawl ran with before ``crawler/settings.py`` set limits."""


def measure(articles: int, *, unbounded: bool, backend: str) -> list[list[object]]:
    specs = fixture_articles(articles)
    site = HostileSite(specs, today=today_wib())
    answers: dict[str, RawAnswer] = {path: make() for path, make in HOSTILE_PATHS.items()}
    site.raw_answers.update(answers)
    for spec in specs:  # rendered beforehand: the crawl's figures are not the site's
        site.article(spec.article_id, "all")
    runs = [("normal", False, {}), ("bomb + 2 x 20 MB", True, {})]
    if unbounded:
        runs.append(("bomb + 2 x 20 MB, no limit (before)", True, UNBOUNDED))
    rows: list[list[object]] = []
    with site:
        good = [site.base_url + spec.canonical.split("viva.co.id", 1)[1] for spec in specs]
        for label, hostile, settings in runs:
            urls = good + [site.base_url + path for path in answers] * hostile
            with database(backend) as url:
                done = crawl(site.base_url, url, "urls=" + ",".join(urls), settings=settings)
                if not unbounded or not settings:
                    done.check()
            dropped = (done.run.dropped_reasons or {}).get("download_too_large", 0)
            rows.append([label, done.run.articles_new, dropped, mib(done.peak_rss), done.peak_rss])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40, help="good articles per crawl")
    parser.add_argument("--unbounded", action="store_true", help="also crawl without limits")
    parser.add_argument("--backend", default="sqlite", help="sqlite or postgresql")
    args = parser.parse_args()
    rows = measure(args.articles, unbounded=args.unbounded, backend=args.backend)
    normal, hostile = rows[0][-1], rows[1][-1]
    ok = int(str(hostile)) - int(str(normal)) <= MARGIN and rows[1][1] == args.articles
    headers = ["crawl", "archived", "too large", "peak RSS"]
    report(
        f"peak RSS of a crawl meeting a gzip bomb ({args.backend}, {args.articles} articles)",
        headers,
        [row[:-1] for row in rows],
        "hostile crawl within 100 MB of the normal one, every good article archived",
        ok,
    )


if __name__ == "__main__":
    main()
