"""The sample site's redesigns, fetched over HTTP on loopback: what each one serves and what it
keeps (URLs, JSON-LD, meta tags), so the crawl tests meet a site that really changed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from crawler import site as viva
from crawler.dates import WIB
from viva_militer_archive.sample_site.catalog import sample_articles
from viva_militer_archive.sample_site.harness import REPO_ROOT
from viva_militer_archive.sample_site.redesign import ARTICLE_CLASS_RENAMES, rename_classes
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.sample_site.site_change import LISTING_CLASS_RENAMES, REDESIGNS

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=WIB)
CLASS_RE = re.compile(r"""(?<![\w-])class\s*=\s*["']([^"']*)["']""")
JSONLD_RE = re.compile(r'<script type="application/ld\+json">.*?</script>', re.DOTALL)
META_RE = re.compile(r"<(?:meta|link) [^>]*>")


@pytest.fixture
def sample() -> Iterator[SampleSite]:
    with SampleSite(sample_articles(NOW), today=NOW.date(), index_page_size=2) as site:
        yield site


def get(site: SampleSite, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(site.base_url + path, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def article_paths(site: SampleSite) -> list[str]:
    """``?page=all`` and every page of every article."""
    paths = []
    for spec in site.articles.values():
        path = urlsplit(spec.canonical).path
        paths += [f"{path}?page=all", *(f"{path}?page={n}" for n in range(1, len(spec.pages) + 1))]
    return paths


def names(html: str) -> set[str]:
    """Every class of a page."""
    return {token for value in CLASS_RE.findall(html) for token in value.split()}


def test_article_redesign_renames_every_class_and_keeps_urls_jsonld_and_meta(
    sample: SampleSite,
) -> None:
    before = {path: get(sample, path) for path in article_paths(sample)}
    sample.redesign = "article"
    for path, (status, original) in before.items():
        again, redesigned = get(sample, path)
        assert status == again == 200
        assert names(original), "the template has classes to rename"
        assert names(original) & names(redesigned) == set(), f"{path}: an original class is left"
        assert JSONLD_RE.findall(redesigned) == JSONLD_RE.findall(original) != []
        assert META_RE.findall(redesigned) == META_RE.findall(original)
        assert re.findall(r'href="([^"]*)"', redesigned) == re.findall(r'href="([^"]*)"', original)
        assert redesigned == rename_classes(original, ARTICLE_CLASS_RENAMES)
    status, listing = get(sample, viva.LISTING_PATHS[0])
    assert status == 200 and "article-list-row" in listing, "listings are not redesigned"


def test_rename_classes_renames_whole_tokens_only() -> None:
    html = (
        '<div class="main-content main-content-top x" id=\'main-content\' data-id="main-content">'
    )
    renamed = rename_classes(html, {"main-content": "story"})
    assert renamed == '<div class="story main-content-top x" id=\'story\' data-id="main-content">'


def test_listing_redesign_renames_rows_and_adds_a_popular_sidebar(sample: SampleSite) -> None:
    index = "/indeks/militer/all/" + NOW.strftime("%Y/%m/%d")
    before = {path: get(sample, path)[1] for path in (*viva.LISTING_PATHS, index)}
    sample.redesign = "listing"
    for path, original in before.items():
        status, redesigned = get(sample, path)
        assert status == 200
        assert "article-list-row" in original
        assert set(LISTING_CLASS_RENAMES) & names(redesigned) == set()
        assert "Terpopuler" in redesigned
        listed = set(re.findall(r'class="article-list-title" href="([^"]*)"', original))
        linked = set(re.findall(r'href="([^"]*/militer/militer-[a-z]+/\d+-[^"]*)"', redesigned))
        assert listed < linked, "the listed articles and more (the sidebar's) are linked"
    status, article = get(sample, article_paths(sample)[0])
    assert status == 200 and "main-content-detail" in article, "articles are not redesigned"


def test_challenge_answers_every_article_url_and_leaves_discovery_alone(
    sample: SampleSite,
) -> None:
    sample.redesign = "challenge"
    for path in article_paths(sample)[:4]:
        status, body = get(sample, path)
        assert status == 200 and "<title>Just a moment...</title>" in body
        assert "Verifying you are human" in body
    status, listing = get(sample, viva.LISTING_PATHS[1])
    assert status == 200 and "article-list-row" in listing
    assert get(sample, viva.NEWS_SITEMAP_PATH)[0] == 200


def test_challenge_all_answers_403_everywhere(sample: SampleSite) -> None:
    sample.redesign = "challenge-all"
    for path in (
        "/robots.txt",
        viva.SITEMAP_INDEX_PATH,
        viva.LISTING_PATHS[0],
        article_paths(sample)[0],
    ):
        status, body = get(sample, path)
        assert status == 403 and "Just a moment..." in body, path


def test_combined_is_article_and_listing(sample: SampleSite) -> None:
    sample.redesign = "combined"
    assert "main-content-detail" not in get(sample, article_paths(sample)[0])[1]
    assert "article-list-row" not in get(sample, viva.LISTING_PATHS[0])[1]


def test_an_unknown_redesign_is_refused() -> None:
    assert "challenge-all" in REDESIGNS
    with pytest.raises(ValueError, match="unknown redesign 'sideways'"):
        SampleSite([], today=NOW.date(), redesign="sideways")


@pytest.mark.slow
def test_the_sample_site_command_serves_a_redesign() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "viva_militer_archive.cli.main", "sample-site", "--port", "0"]
    server = subprocess.Popen(
        [*command, "--redesign", "challenge"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        base_url = first.rsplit(" at ", 1)[1].strip().rstrip("/")
        assert base_url.startswith("http://127.0.0.1:")
        assert "bot challenge" in server.stdout.readline()
        running = SampleSite(sample_articles(NOW), today=NOW.date())
        running.base_url = base_url
        listing = get(running, viva.LISTING_PATHS[0])
        assert listing[0] == 200
        path = next(
            href.split("?")[0]
            for href in re.findall(r'href="([^"]+)"', listing[1])
            if viva.ARTICLE_PATH_RE.match(urlsplit(href).path)
        )
        status, body = get(running, f"{urlsplit(path).path}?page=all")
        assert status == 200 and "Just a moment..." in body
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
