"""Recognising bot challenges and walls (crawler/blocking.py) on saved challenge pages, and not
mistaking a real article, listing, sitemap or busy answer for one, whatever words it holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from scrapy.http import Headers

from crawler.blocking import (
    ACCESS_DENIED,
    CAPTCHA,
    CHALLENGE,
    CONSENT,
    detect_wall,
    header_map,
)
from crawler.dates import WIB
from viva_militer_archive.sample_site.catalog import make_article
from viva_militer_archive.sample_site.render import render_article_pages
from viva_militer_archive.sample_site.server import SampleSite
from viva_militer_archive.sample_site.site_change import challenge_page

CHALLENGES = Path(__file__).parent / "fixtures" / "challenges"
ARTICLES = Path(__file__).parent / "fixtures" / "articles"
WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=WIB)
MENTIONS = (
    "Situs layanan publik TNI kini dilindungi Cloudflare dan meminta pengunjung mengisi captcha. "
    "Pengunjung melihat halaman bertuliskan Just a moment... lalu Verifying you are human, "
    "kadang juga hCaptcha, reCAPTCHA atau Turnstile, sebelum laman terbuka."
)
"""A paragraph of a real article that names every challenge it could be mistaken for."""


def page(name: str) -> bytes:
    return (CHALLENGES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("cloudflare_js_challenge.html", 403, CHALLENGE),
        ("cloudflare_js_challenge.html", 503, CHALLENGE),
        ("cloudflare_js_challenge.html", 200, CHALLENGE),
        ("cloudflare_attention_required.html", 403, ACCESS_DENIED),
        ("hcaptcha.html", 200, CAPTCHA),
        ("hcaptcha.html", 429, CAPTCHA),
        ("recaptcha.html", 200, CAPTCHA),
        ("turnstile.html", 403, CAPTCHA),
        ("consent_wall.html", 200, CONSENT),
        ("plain_403.html", 403, ACCESS_DENIED),
    ],
)
def test_saved_challenge_pages_are_walls_of_their_kind(name: str, status: int, kind: str) -> None:
    wall = detect_wall(status, {}, page(name))
    assert wall is not None and wall.kind == kind, wall


def test_the_sample_sites_challenge_is_a_challenge() -> None:
    wall = detect_wall(200, {}, challenge_page("127.0.0.1:8080").encode())
    assert wall is not None and wall.kind == CHALLENGE


def test_a_challenge_header_decides_whatever_the_body() -> None:
    headers = header_map(Headers({"CF-Mitigated": "challenge", "Server": "cloudflare"}))
    assert headers["cf-mitigated"] == "challenge"
    wall = detect_wall(403, headers, b"")
    assert wall is not None and wall.kind == CHALLENGE
    assert detect_wall(200, header_map(Headers({"Server": "cloudflare"})), b"<p>ok</p>") is None


def article_mentioning_walls(**changes: bool) -> bytes:
    """A real, ordinary article of the sample site whose title and text name every wall."""
    spec = make_article(1_940_000, WHEN)
    first, *rest = spec.pages[0]
    spec = replace(
        spec,
        title="Situs TNI Pasang Captcha Cloudflare: Just a Moment Bikin Warganet Bingung",
        pages=((MENTIONS, first, *rest),),
        **changes,
    )
    return render_article_pages(spec)["all"].encode()


@pytest.mark.parametrize(
    "changes",
    [{}, {"jsonld": False, "structured_date": False}],
    ids=["with-structured-data", "size-alone"],
)
def test_an_article_mentioning_captcha_and_cloudflare_is_no_wall(changes: dict[str, bool]) -> None:
    body = article_mentioning_walls(**changes)
    assert b"captcha" in body.lower() and b"Verifying you are human" in body
    assert detect_wall(200, {}, body) is None


def test_an_article_with_a_captcha_form_and_a_cookie_banner_is_no_wall() -> None:
    extras = (
        '<div id="onetrust-consent-sdk"><div class="ot-cookie-banner"><p>Kami menggunakan '
        "cookie.</p><button>Terima semua</button></div></div>"
        '<form class="comment-form"><textarea name="c"></textarea>'
        '<div class="g-recaptcha" data-sitekey="x"></div>'
        '<script src="https://www.google.com/recaptcha/api.js"></script></form></body>'
    )
    for changes in ({}, {"jsonld": False, "structured_date": False}):
        body = article_mentioning_walls(**changes).replace(b"</body>", extras.encode())
        assert detect_wall(200, {}, body) is None


@pytest.mark.parametrize("name", sorted(p.name for p in ARTICLES.glob("*.html")))
def test_saved_real_shape_pages_are_no_walls(name: str) -> None:
    assert detect_wall(200, {}, (ARTICLES / name).read_bytes()) is None


def test_listings_sitemaps_and_plain_errors_are_no_walls() -> None:
    site = SampleSite([make_article(1_940_001 + n, WHEN) for n in range(4)], today=WHEN.date())
    listing = site.listing("militer-dunia")
    empty_day = site.date_index("/indeks/militer/all/2026/01/01", 1)[3]
    banner = (
        '<div class="cookie-notice"><p>Situs ini memakai cookie.</p><button>Setuju</button></div>'
    )
    for body in (
        listing,
        listing.replace("</body>", banner + "</body>"),
        empty_day,
        site.news_sitemap(),
        site.sitemap_index(),
        "<h1>404 Halaman tidak ditemukan</h1>",
    ):
        assert detect_wall(200, {}, body.encode()) is None, body[:200]
    for status in (429, 503):
        assert detect_wall(status, {}, b"busy") is None, "a plain 429/503 is the backoff's"
    assert detect_wall(404, {}, b"<h1>404</h1>") is None


def test_a_cloudflare_block_title_with_a_captcha_is_a_captcha() -> None:
    body = page("hcaptcha.html").replace(
        b"<title>Pemeriksaan Keamanan</title>", b"<title>Attention Required! | Cloudflare</title>"
    )
    wall = detect_wall(403, {}, body)
    assert wall is not None and (wall.kind, wall.evidence) == (
        CAPTCHA,
        "title 'Attention Required! | Cloudflare'",
    )
