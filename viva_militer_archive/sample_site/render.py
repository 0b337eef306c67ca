"""Render an invented article into VIVA Militer HTML pages, in the markup of our fixtures.

``render_article_pages(spec)`` returns ``{"all": html, 1: html, 2: html, ...}`` for
``?page=all`` and ``?page=N``. Pages carry the noise the parser must remove (related-article
blocks in three shapes, ads, scripts, share and newsletter boxes, ``Halaman Selanjutnya`` with a
teaser), JSON-LD and meta tags. The spec lives in :mod:`viva_militer_archive.sample_site.spec`,
what the parser must
extract from these pages in :mod:`viva_militer_archive.sample_site.expected`; both are re-exported
here for code that
imports them from this module.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

from crawler.dates import WIB, format_datetime
from viva_militer_archive.sample_site.expected import expected_fields
from viva_militer_archive.sample_site.spec import LINK_RE, ArticleSpec, BodyImage, ImageSpec, plain

WEEKDAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip
PLACEHOLDER_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def _inline(paragraph: str) -> str:
    """Paragraph as HTML: escaped text, ``[text](url)`` as links."""
    out, pos = [], 0
    for match in LINK_RE.finditer(paragraph):
        out.append(html.escape(paragraph[pos : match.start()], quote=False))
        href, text = html.escape(match[2]), html.escape(match[1], quote=False)
        out.append(f'<a href="{href}">{text}</a>')
        pos = match.end()
    out.append(html.escape(paragraph[pos:], quote=False))
    return "".join(out)


def indonesian_date(value: datetime, dash: str = "-") -> str:
    """``Selasa, 22 Juli 2025 - 17:20 WIB`` as the article template prints it."""
    wib = value.astimezone(WIB)
    return (
        f"{WEEKDAY_NAMES[wib.weekday()]}, {wib.day} {MONTH_NAMES[wib.month - 1]} {wib.year} "
        f"{dash} {wib:%H:%M} WIB"
    )


def render_article_pages(spec: ArticleSpec) -> dict[str | int, str]:
    """``{"all": ..., 1: ..., N: ...}``: the HTML of ``?page=all`` and of each page."""
    count = len(spec.pages)
    pages: dict[str | int, str] = {n: _render(spec, n) for n in range(1, count + 1)}
    pages["all"] = _render(spec, 1 if spec.partial_all else None)
    return pages


def _render(spec: ArticleSpec, page: int | None) -> str:
    """One page (``None``: the whole article on one page)."""
    return f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{html.escape(spec.title)} - VIVA</title>
{_head(spec)}
</head>
<body>
<header class="header"><nav><a href="/militer/militer-dunia">Militer Dunia</a>
<a href="/militer/militer-indonesia">Militer Indonesia</a></nav></header>
<div class="main-content">
{_top(spec)}
{_lead_image(spec.lead_image)}
<div class="main-content-detail">
{_body(spec, page)}
</div>
{_pagination(spec)}
<div class="topic-list-container">{
        "".join(f'<a href="/tag/{i}">{html.escape(t)}</a>' for i, t in enumerate(spec.tags))
    }</div>
</div>
<aside><div class="widget-other-article"><h3>Terpopuler</h3>{_related_links(spec, 3)}</div></aside>
<footer class="footer"><p>Copyright © VIVA.co.id</p></footer>
</body>
</html>
"""


def _head(spec: ArticleSpec) -> str:
    """Meta tags and JSON-LD."""
    esc = html.escape
    meta = [
        f'<link rel="canonical" href="{esc(spec.canonical)}">',
        f'<meta property="og:url" content="{esc(spec.canonical)}">',
        f'<meta property="og:title" content="{esc(spec.title)}">',
        f'<meta name="news_keywords" content="{esc(", ".join(spec.tags))}">',
    ]
    if spec.description:
        meta.append(f'<meta property="og:description" content="{esc(spec.description)}">')
        meta.append(f'<meta name="description" content="{esc(spec.description)}">')
    if spec.lead_image:
        meta.append(f'<meta property="og:image" content="{esc(spec.lead_image.url)}">')
    if spec.structured_date:
        iso = format_datetime(spec.published_at) or ""
        meta.append(f'<meta property="article:published_time" content="{iso}">')
    if spec.jsonld:
        data = json.dumps(_jsonld(spec), ensure_ascii=False).replace("</", "<\\/")
        meta.append(f'<script type="application/ld+json">{data}</script>')
    meta.append("<script>window.dataLayer = window.dataLayer || [];</script>")
    return "\n".join(meta)


def _jsonld(spec: ArticleSpec) -> dict[str, Any]:
    """The ``NewsArticle`` object."""
    people = [{"@type": "Person", "name": name} for name in spec.authors]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": spec.canonical},
        "headline": spec.title,
        "author": people if len(people) > 1 or spec.jsonld_author_list else people[0],
        "publisher": {"@type": "Organization", "name": "VIVA.co.id"},
        "articleSection": spec.subchannel.replace("-", " ").title(),
        "keywords": ", ".join(spec.tags),
    }
    if spec.description:
        data["description"] = spec.description
    if spec.lead_image:
        data["image"] = {"@type": "ImageObject", "url": spec.lead_image.url, "width": 1265}
    if spec.structured_date:
        data["datePublished"] = format_datetime(spec.published_at)
    if spec.modified_at:
        data["dateModified"] = format_datetime(spec.modified_at)
    return data


def _top(spec: ArticleSpec) -> str:
    """Breadcrumb, title, author block, date and share buttons."""
    label = spec.subchannel.replace("-", " ").title()
    if spec.editor:
        people = [
            f'<li>Penulis : <a href="/penulis/{i}">{html.escape(a)}</a></li>'
            for i, a in enumerate(spec.authors)
        ]
        people.append(f'<li>Editor : <a href="/editor/0">{html.escape(spec.editor)}</a></li>')
    else:
        people = [
            f'<li><a href="/penulis/{i}">{html.escape(a)}</a></li>'
            for i, a in enumerate(spec.authors)
        ]
    return f"""<div class="main-content-top">
<ul class="breadcrumb"><li><a class="breadcrumb-step" href="/militer"><div>Militer</div></a></li>
<li><a class="breadcrumb-step" href="/militer/{spec.subchannel}"><div>{label}</div></a></li></ul>
<h1 class="main-content-title">{html.escape(spec.title)}</h1>
<div class="main-content-author"><ul>{"".join(people)}</ul></div>
<div class="main-content-date">{indonesian_date(spec.published_at, spec.date_dash)}</div>
<div class="main-content-share"><a href="#fb">Facebook</a><a href="#wa">WhatsApp</a></div>
</div>"""


def _lead_image(image: ImageSpec | None) -> str:
    """``div.main-content-image`` with caption and ``Sumber :`` credit."""
    if image is None:
        return ""
    return f"""<div class="main-content-image"><div class="mci-frame"><picture>
<img src="{html.escape(image.url)}" alt="{html.escape(image.caption)}"></picture></div>
<div class="mci-caption"><p>VIVA Militer: {html.escape(image.caption, quote=False)}</p>
<div class="mci-source"><span>Sumber :</span><ul><li>{html.escape(image.credit)}</li></ul></div>
</div></div>"""


def _body_image(image: ImageSpec) -> str:
    """A lazy in-body picture with ``Photo :`` credit."""
    return f"""<div class="inbody-image"><picture><img class="lazy" src="{PLACEHOLDER_GIF}"
data-original="{html.escape(image.url)}" alt="{html.escape(image.caption)}"></picture>
<div class="inbody-image-caption"><p>VIVA Militer: {html.escape(image.caption, quote=False)}</p>
<div class="inbody-image-source">Photo : <ul><li>{html.escape(image.credit)}</li></ul></div>
</div></div>"""


def _related_links(spec: ArticleSpec, count: int) -> str:
    """Sidebar links (outside the body, must never matter)."""
    links = [
        f'<a href="/militer/militer-dunia/{1700000 + i}-x?medium=sidebar">{html.escape(h)}</a>'
        for i, h in enumerate(spec.related[:count])
    ]
    return "".join(links)


def _related_block(spec: ArticleSpec, index: int) -> str:
    """One injected related-article block, shape rotating with ``variant``."""
    if not spec.related:
        return ""
    headline = html.escape(spec.related[(index + spec.variant) % len(spec.related)])
    href = f"/militer/militer-dunia/{1690000 + index}-terkait?medium=related&amp;link=baca"
    shape = (index + spec.variant) % 3
    if shape == 0:
        return (
            f'<div class="recommended-article"><ul><li><a href="{href}">'
            f'<img class="lazy" src="{PLACEHOLDER_GIF}" data-original="https://thumb.viva.co.id'
            f'/media/frontend/thumbs3/2025/01/01/r{index}_665_374.jpg">'
            f"<p>{headline}</p></a></li></ul></div>"
        )
    if shape == 1:
        return (
            f'<div class="widget-other-article"><div class="title">Baca Juga</div>'
            f'<a href="{href}"><h3>{headline}</h3></a></div>'
        )
    return f'<p><strong>Baca Juga :</strong> <a href="{href}">{headline}</a></p>'


def _body(spec: ArticleSpec, page: int | None) -> str:
    """Body paragraphs of one page (or all), with images, noise and the next-page teaser."""
    numbers = range(1, len(spec.pages) + 1) if page is None else [page]
    offset = sum(len(p) for p in spec.pages[: (page or 1) - 1])
    images = {b.after: b.image for b in spec.images}
    out: list[str] = []
    for number in numbers:
        for paragraph in spec.pages[number - 1]:
            out.append(f"<p>{_inline(paragraph)}</p>")
            if offset in images:
                out.append(_body_image(images[offset]))
            if offset % 2 == 1:
                out.append(_related_block(spec, offset))
            if offset == 2:
                out.append(
                    f'<div class="ads-inarticle"><div id="div-gpt-ad-{spec.variant}">'
                    "<script>googletag.cmd.push(function(){});</script></div></div>"
                )
            offset += 1
    if page is not None and page < len(spec.pages):
        teaser = " ".join(plain(spec.pages[page][0]).split()[:12])
        out.append(
            f'<div class="next-page-teaser"><p>{html.escape(teaser)}...</p>'
            f'<a class="next-page-link" href="{html.escape(spec.canonical)}?page={page + 1}">'
            "Halaman Selanjutnya</a></div>"
        )
    out.append(
        '<div class="newsletter-box"><p>Dapatkan berita militer terbaru setiap hari.</p>'
        '<form><input name="email"><button>Daftar</button></form></div>'
    )
    return "\n".join(out)


def _pagination(spec: ArticleSpec) -> str:
    """Page links below the body (only for multi-page articles)."""
    if len(spec.pages) < 2:
        return ""
    links = [
        f'<a href="{html.escape(spec.canonical)}?page={n}">{n}</a>'
        for n in range(2, len(spec.pages) + 1)
    ]
    first = f'<a href="{html.escape(spec.canonical)}">1</a>'
    every = f'<a href="{html.escape(spec.canonical)}?page=all">Tampilkan Semua</a>'
    return f'<div class="page-pagination">{first}{"".join(links)}{every}</div>'


__all__ = [
    "ArticleSpec",
    "BodyImage",
    "ImageSpec",
    "expected_fields",
    "indonesian_date",
    "plain",
    "render_article_pages",
]
