"""How the sample site changes under the archive (``SampleSite(redesign=...)``).

``article``: every class and id of the article template renamed (URLs, JSON-LD and meta tags
kept). ``listing``: the rows of channel listings and date indexes renamed, in a new layout with
a header, a footer and a sidebar of popular articles (real articles of other days: links a
naive "every article link" fallback would wrongly collect). ``challenge``: every article URL
answers 200 with a Cloudflare-like "Just a moment..." page, discovery pages stay normal.
``challenge-all``: every URL answers 403 with that page. ``combined``: article and listing."""

from __future__ import annotations

import html

from viva_militer_archive.sample_site.redesign import ARTICLE_CLASS_RENAMES, rename_classes

REDESIGN_NEWS: dict[str, str] = {
    "article": "the site redesigns its article pages (every CSS class renamed)",
    "listing": "the site redesigns its listings (rows renamed, a sidebar of popular articles)",
    "challenge": "the site answers every article page with a bot challenge",
    "challenge-all": "the site answers every page with a bot challenge (403)",
    "combined": "the site redesigns its article pages and its listings",
}
"""Each redesign a sample site can serve, as news of the site (the demo prints it)."""
REDESIGNS = tuple(REDESIGN_NEWS)
"""The redesigns a sample site can serve (``None``: the site as it is today)."""
ARTICLE_RENAMED = frozenset({"article", "combined"})
LISTING_RENAMED = frozenset({"listing", "combined"})
POPULAR_COUNT = 5
"""Links in the redesigned listings' "Terpopuler" sidebar."""

LISTING_CLASS_RENAMES: dict[str, str] = {
    "article-list-container": "feed",
    "article-list-row": "feed-card",
    "article-list-info": "feed-card-body",
    "article-list-cate": "feed-card-kicker",
    "article-list-title": "feed-card-link",
    "article-list-date": "feed-card-time",
    "pagination": "feed-pager",
    "load-more-btn": "feed-more",
}
"""The listing rows' classes (sample_site/server.py) after the redesign."""


def check_redesign(redesign: str | None) -> str | None:
    """``redesign`` when it is one the site can serve, else ``ValueError`` naming them."""
    if redesign is not None and redesign not in REDESIGNS:
        raise ValueError(f"unknown redesign {redesign!r}: expected one of {', '.join(REDESIGNS)}")
    return redesign


def redesigned_article(page: str) -> str:
    """An article page in the redesigned template."""
    return rename_classes(page, ARTICLE_CLASS_RENAMES)


def redesigned_listing(title: str, content: str, popular: list[tuple[str, str]]) -> str:
    """A listing page in the redesigned layout: ``content`` (rows and pagination in today's
    markup) renamed, between a header, a popular sidebar (``(href, headline)`` pairs) and a
    footer."""
    side = "".join(
        f'<li><a href="{html.escape(href)}">{html.escape(headline)}</a></li>'
        for href, headline in popular
    )
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{html.escape(title)}'
        '</title></head><body><header class="top-bar"><a href="/">VIVA</a><nav>'
        '<a href="/militer/militer-indonesia">Militer Indonesia</a>'
        '<a href="/militer/militer-dunia">Militer Dunia</a></nav></header>'
        f'<div class="layout"><div class="layout-main"><h1>{html.escape(title)}</h1>'
        f'<div class="{LISTING_CLASS_RENAMES["article-list-container"]}">'
        f"{rename_classes(content, LISTING_CLASS_RENAMES)}</div></div>"
        '<div class="layout-side"><div class="box-popular"><h3>Terpopuler</h3>'
        f"<ol>{side}</ol></div></div></div>"
        '<footer class="bottom-bar"><a href="/about">Tentang Kami</a>'
        '<a href="/pedoman-media-siber">Pedoman Media Siber</a></footer></body></html>'
    )


def challenge_page(host: str) -> str:
    """A Cloudflare-like "Just a moment..." interstitial for ``host`` (invented ray ids)."""
    return (
        '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
        '<meta name="robots" content="noindex,nofollow"></head><body class="no-js">'
        '<div class="main-wrapper" role="main"><div class="main-content">'
        f'<h1 class="zone-name-title h1">{html.escape(host)}</h1>'
        '<h2 id="challenge-running" class="h2">Verifying you are human. This may take a few '
        'seconds.</h2><noscript><div id="challenge-error-title"><span id="challenge-error-text">'
        "Enable JavaScript and cookies to continue</span></div></noscript>"
        f'<div id="challenge-body-text" class="core-msg spacer">{html.escape(host)} needs to '
        "review the security of your connection before proceeding.</div></div></div>"
        "<script>(function(){window._cf_chl_opt={cvId: '3',cType: 'managed',cRay: "
        "'8c1f2a3b00000000'};var cpo=document.createElement('script');"
        "cpo.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8c1f2a3b00000000';"
        "document.getElementsByTagName('head')[0].appendChild(cpo);}());</script>"
        '<div class="footer" role="contentinfo">Performance &amp; security by Cloudflare</div>'
        "</body></html>"
    )
