"""Every selector and URL rule for VIVA Militer, in one place.

A change of the site's markup or URL scheme must be a one-file fix: nothing else in the project
hard-codes a host, a path shape, a CSS class or an XPath. Each constant carries the confidence
tag from the project's site notes: [live] seen working in 2025-2026, [code] used by public
scrapers (may be stale), [text] seen in stored page text, [guess] by analogy only.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------------------
# Hosts and URL shapes
# --------------------------------------------------------------------------------------------

DEFAULT_BASE_URL = "https://www.viva.co.id"
"""Where canonical URLs point unless ``VIVA_BASE_URL`` says otherwise."""

SITE_HOSTS: frozenset[str] = frozenset({"www.viva.co.id", "viva.co.id", "beta.viva.co.id"})
"""Hosts serving the same articles [text]; all map onto the configured base URL."""

SECTION = "militer"
"""Site section of every archived article [text]."""

SUBCHANNELS: tuple[str, ...] = ("militer-indonesia", "militer-dunia")
"""Known subchannels [code]; the article regex accepts others so a new one is not lost."""

ARTICLE_PATH_RE = re.compile(
    r"^(?:/amp)?/militer/(?P<sub>[a-z0-9]+(?:-[a-z0-9]+)*)/(?P<id>\d+)-(?P<slug>[^/?#]+?)/?$",
    re.IGNORECASE,
)
"""Article path ``/militer/{subchannel}/{id}-{slug}``; AMP copies live at
``/amp/militer/{sub}/{id}-{slug}`` [text]."""

ARTICLE_PATH_TEMPLATE = "/militer/{sub}/{id}-{slug}"
"""Canonical article path built from the parts matched by ``ARTICLE_PATH_RE``."""

TRACKING_PARAMS: frozenset[str] = frozenset({"medium", "link", "campaign", "single"})
"""Parameters that never change the content [text]; ``single`` rides on ``page=all`` [code]."""

TRACKING_PARAM_PREFIXES: tuple[str, ...] = ("utm_",)
"""Parameter name prefixes that are tracking too (``utm_source``, ``utm_medium``...) [text]."""

PAGE_PARAM = "page"
"""Query parameter selecting page N of a multi-page article [text]."""

PAGE_ALL = "all"
"""``?page=all`` renders the whole article on one page [code]."""

LISTING_PATHS: tuple[str, ...] = tuple(f"/{SECTION}/{sub}" for sub in SUBCHANNELS)
"""Channel listing pages [code]."""

DATE_INDEX_PATH = "/indeks/militer/all/{year:04d}/{month:02d}/{day:02d}"
"""Daily index of articles, may continue with ``?page=N`` [guess]."""

SITEMAP_INDEX_PATH = "/sitemap.xml"
"""Sitemap index [code]."""

NEWS_SITEMAP_PATH = "/sitemap/news/militer.xml"
"""Google News sitemap of recent militer articles (~2 days) [code]."""

# --------------------------------------------------------------------------------------------
# Listing pages (channel listings and date index share the row markup)
# --------------------------------------------------------------------------------------------

LISTING_ROW = "div.article-list-row"  # [code]
LISTING_LINK = "a.article-list-title"  # [code]

# --------------------------------------------------------------------------------------------
# Article page: structured data and meta tags
# --------------------------------------------------------------------------------------------

JSONLD_SCRIPTS = "script[type='application/ld+json']"
"""JSON-LD blocks; the ``NewsArticle`` one carries most fields [code]."""

JSONLD_ARTICLE_TYPES: frozenset[str] = frozenset({"NewsArticle", "Article", "ReportageNews"})

CANONICAL_LINKS: tuple[str, ...] = (
    "link[rel='canonical']::attr(href)",
    "meta[property='og:url']::attr(content)",
)
"""Canonical URL sources, in order; JSON-LD ``mainEntityOfPage`` comes last [live]."""

META_TITLE = "meta[property='og:title']::attr(content)"  # [code]
META_DESCRIPTIONS: tuple[str, ...] = (
    "meta[property='og:description']::attr(content)",
    "meta[name='description']::attr(content)",
)  # [code]
META_PUBLISHED = "meta[property='article:published_time']::attr(content)"  # [code]
META_MODIFIED = "meta[property='article:modified_time']::attr(content)"  # [guess]
META_KEYWORDS = "meta[name='news_keywords']::attr(content)"  # [code]
META_IMAGE = "meta[property='og:image']::attr(content)"  # [code]

# --------------------------------------------------------------------------------------------
# Article page: DOM
# --------------------------------------------------------------------------------------------

TITLE = "div.main-content-top h1.main-content-title, h1.main-content-title"  # [code]
DATE = "div.main-content-date"  # [code] "Selasa, 22 Juli 2025 - 17:20 WIB"
AUTHOR_ITEMS = "div.main-content-author ul li"  # [code]
AUTHOR_LINKS = "div.main-content-author a"  # [code] when there is no list
EDITOR_LABEL_RE = re.compile(r"^\s*(?:editor|redaktur)\s*:?\s*", re.IGNORECASE)  # [guess]
AUTHOR_LABEL_RE = re.compile(
    r"^\s*(?:penulis|reporter|oleh|laporan)\s*:?\s*", re.IGNORECASE
)  # [guess]
AUTHOR_PAGE_LINKS = "a[href*='/penulis/'], a[href*='/author/']"  # [text]
"""Links to an author's page, found by URL whatever their class (the authors' last source)."""
EDITOR_PAGE_LINKS = "a[href*='/editor/']"  # [text]
"""Links to the editor's page, found by URL (the editor's last source)."""
TAGS = "div.topic-list-container a"  # [code]

LEAD_IMAGE_CONTAINER = "div.main-content-image"  # [code]
LEAD_IMAGE = "div.mci-frame picture img, div.mci-frame img, img"  # [code], then any img
LAZY_IMAGE_ATTRS: tuple[str, ...] = ("data-original", "data-src", "src")
"""Image URL attributes in order: lazy images keep the real URL in ``data-original`` [code]."""

BODY = "div.main-content-detail"  # [code]
BODY_BLOCK_TAGS: frozenset[str] = frozenset({"p", "h2", "h3", "h4", "blockquote"})
"""Elements whose text is a body paragraph; the body is made of ``p`` [code], subheads [guess]."""

IMAGE_CONTAINER_TAGS: frozenset[str] = frozenset({"figure", "div", "p", "span", "picture"})
"""Wrappers that may hold an in-body picture with its caption and credit [guess]."""

BODY_NOISE: tuple[str, ...] = (
    "div.recommended-article",  # [text] injected related headlines
    "div.widget-other-article",  # [text]
    "[class*='baca-juga']",  # [guess] "Baca Juga" boxes
    "script",
    "style",
    "noscript",
    "iframe",
    "ins",
    "form",
    "button",
    "[class*='ads-']",  # [guess] ad slots
    "[id^='div-gpt-ad']",  # [guess] Google Publisher Tag slots
    "[class*='share']",  # [guess] social buttons
    "[class*='newsletter']",  # [guess]
    "[class*='next-page']",  # [guess] "Halaman Selanjutnya" box with the teaser
    "[class*='pagination']",  # [guess] page links
)
"""Elements dropped from the body whatever they contain."""

BACA_JUGA_RE = re.compile(r"^\s*baca\s+(?:juga|selengkapnya)\b", re.IGNORECASE)  # [text]
NEXT_PAGE_RE = re.compile(r"^\s*(?:halaman\s+selanjutnya\s*)+$", re.IGNORECASE)  # [text]
CAPTION_PREFIX_RE = re.compile(r"^\s*VIVA\s+Militer\s*:\s*", re.IGNORECASE)  # [text]
CREDIT_LABEL_RE = re.compile(r"^\s*(?:sumber|photo|foto)\s*:\s*", re.IGNORECASE)  # [text]
CREDIT_BULLETS = " \t•·●▪-–|"
"""Characters stripped around a credit (``Sumber : • rferl.org``) [text]."""
CREDIT_MAX_WORDS = 6
"""A line after a credit label with no bullet is its value only up to this many words (a
source such as ``rferl.org`` or ``Dispenad``), else it is body text [guess]."""
TEASER_ELLIPSIS_RE = re.compile(r"(?:\.{3}|…)\s*$")
"""A ``Halaman Selanjutnya`` teaser ends with an ellipsis [guess]."""

NEXT_PAGE_XPATH = (
    "//a[re:test(normalize-space(.), '^halaman selanjutnya$', 'i')] | //link[@rel='next']"
)
"""A page with a next page carries this link [text]."""

PAGE_LINKS = "a[href*='page=']::attr(href)"
"""Pagination links ``?page=N``; the highest N on the article's own path is its page count."""

# --------------------------------------------------------------------------------------------
# Discovery by URL shape (listing markup changed: rows no longer match LISTING_ROW)
# --------------------------------------------------------------------------------------------

MAIN_CONTENT = "main, [role='main']"
"""The page's main content when it says so; else the whole body is searched [guess]."""
PAGE_CHROME_XPATH = (
    ".//header[not(ancestor::article)] | .//footer[not(ancestor::article)] | .//nav | .//aside"
    " | .//*[@role='banner' or @role='navigation' or @role='contentinfo'"
    " or @role='complementary']"
)
"""Site header, navigation, footer and sidebars: never a listing's own articles [guess]."""
SIDEBAR_CLASS_RE = re.compile(
    r"sidebar|side-bar|popular|populer|trending|terkait|related|most-read|recommend|rekomendasi"
    r"|widget|headline-other|baca-juga",
    re.IGNORECASE,
)
"""A class or id naming a box of other articles (popular, related...) [guess]."""

# --------------------------------------------------------------------------------------------
# Bot challenges and walls (any page): see crawler/blocking.py for how they combine. None
# was seen on VIVA yet: all are [guess], from the public markup of Cloudflare, hCaptcha,
# reCAPTCHA, DDoS-Guard and consent-management platforms.
# --------------------------------------------------------------------------------------------

CHALLENGE_HEADERS: dict[str, re.Pattern[str]] = {"cf-mitigated": re.compile("challenge", re.I)}
"""Response headers that say the answer is a challenge, whatever the body (Cloudflare's
documented ``cf-mitigated: challenge``) [guess]."""
CHALLENGE_TITLE_RE = re.compile(
    r"^\s*(?:just a moment\W*|please wait\W*(?:\|\s*cloudflare)?|one moment,? please\W*"
    r"|checking your browser\W*|ddos-guard|verifying you are human\W*)\s*$",
    re.IGNORECASE,
)
"""Whole titles of interstitial challenges (Cloudflare "Just a moment...") [guess]."""
BLOCK_TITLE_RE = re.compile(
    r"^\s*(?:attention required!?\s*\|\s*cloudflare|access denied\W*(?:\|.*)?|403 forbidden"
    r"|forbidden|you have been blocked\W*|request rejected)\s*$",
    re.IGNORECASE,
)
"""Whole titles of block pages (Cloudflare "Attention Required!", WAF "Access denied") [guess]."""
CAPTCHA_TITLE_RE = re.compile(r"captcha|are you a robot|are you human", re.IGNORECASE)
"""A title naming a captcha (decisive only on a thin, non-article page) [guess]."""
# The markup and text patterns below are searched in the lower-cased page (much faster than
# case-insensitive patterns), so they are written in lower case.
CHALLENGE_MARKUP_RE = re.compile(
    r"/cdn-cgi/challenge-platform/|_cf_chl_|cf-browser-verification|cf-wrapper|__ddg|/_guard/"
)
"""Markup of JavaScript challenges (Cloudflare, DDoS-Guard) [guess]."""
CAPTCHA_MARKUP_RE = re.compile(
    r"h-captcha|g-recaptcha|cf-turnstile|hcaptcha\.com/1/api\.js|google\.com/recaptcha/"
    r"|recaptcha/api\.js|challenges\.cloudflare\.com/turnstile"
)
"""Captcha widgets (class names, scripts): hCaptcha, reCAPTCHA, Cloudflare Turnstile [guess]."""
CHALLENGE_TEXT_RE = re.compile(
    r"verifying you are human|verify you are human|checking (?:if the site connection is secure"
    r"|your browser)|enable javascript and cookies to continue|complete the security check"
    r"|unusual traffic from your (?:computer )?network|sorry, you have been blocked"
)
"""Visible sentences of challenge and block pages [guess]."""
CONSENT_MARKER_RE = re.compile(r"consent|cookie|cmp|gdpr|onetrust|didomi")
"""Words of consent-management markup: in a page, a hint; in an element's class or id, the
consent box a consent wall is made of (a cookie banner on a real page has one too) [guess]."""
CONSENT_TEXT_RE = re.compile(
    r"cookie|consent|persetujuan|privasi|privacy|accept all|terima semua|setuju", re.IGNORECASE
)
"""Words of a consent form [guess]."""
REFUSAL_STATUS = 403
"""A 403 without article markup is a refusal (``access_denied``) whatever its body [guess]."""
THIN_PAGE_WORDS = 150
"""A page with fewer visible words than this may be a wall; real articles have hundreds, so
a weak signal (a captcha widget, "captcha" in the title, a consent form) decides only on a
thin page without article markup [guess]."""
ARTICLE_MARKUP_RE = re.compile(
    r"@type\"\s*:\s*\"(?:" + "|".join(sorted(JSONLD_ARTICLE_TYPES)) + r")\""
    r"|og:type[\"']\s+content=[\"']article[\"']"
)
"""Structured data of a real article: such a page is never a wall (but a header says so)
[guess]."""
