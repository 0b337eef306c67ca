"""Scrapy settings: polite production defaults; tests and benchmarks turn the delays off."""

from __future__ import annotations

from crawler.site import DEFAULT_BASE_URL
from crawler.warc.location import archive_dir
from storage.recheck import tiers_in_seconds
from viva_militer_archive.settings import from_environment

environment = from_environment()
"""The environment's settings, read once (lower case: not a Scrapy setting itself)."""

BOT_NAME = "viva_militer_archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- where: the site root and the archive ----------------------------------------------------
VIVA_BASE_URL = environment.viva_base_url or DEFAULT_BASE_URL
"""Site root every discovered link is mapped onto (a mirror, or a local test server)."""
DATABASE_URL: str | None = environment.database_url
"""Archive database (``$DATABASE_URL``); None: the SQLite default."""

# --- politeness --------------------------------------------------------------------------------
USER_AGENT = (
    "viva-militer-archive/0.1 (research archive of VIVA Militer; polite crawler, obeys robots.txt)"
)
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 20
COOKIES_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "id,en;q=0.8",
    # Only encodings warcio can decode: WARC records keep bodies as received, and re-extraction
    # must be able to read them back (Scrapy would also offer br and zstd when installed).
    "Accept-Encoding": "gzip, deflate",
}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
"""Scrapy 2.19's RemoteControl (on by default) serves an HTTP endpoint that runs Python code sent
to it: a crawler opens no listening socket at all."""

# --- limits --------------------------------------------------------------------------------------
DOWNLOAD_MAXSIZE = 8 * 1024**2
"""Bytes of a response body at most, decompressed too (real articles are well below 1 MB): a
larger one or a gzip bomb is dropped, counted as ``download_too_large`` (crawler.limits)."""
DOWNLOAD_WARNSIZE = 2 * 1024**2
"""A body above this is logged as a warning and still used."""
REDIRECT_MAX_TIMES = 5
"""Redirects followed in a row at most; a longer chain is dropped as ``redirect_too_many``."""

# --- errors and retries --------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
# 429 and 503 are left to BackoffRetryMiddleware, which waits (and honours Retry-After).
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]
BACKOFF_RETRY_HTTP_CODES = [429, 503]
BACKOFF_RETRY_TIMES = 5
BACKOFF_BASE_DELAY = 5.0
"""Seconds before the first retry of a 429/503 without Retry-After; doubles each time."""
BACKOFF_MAX_DELAY = 300.0
"""Upper bound of any wait, including what a Retry-After header asks for."""
BLOCKED_RETRY_TIMES = 2
"""Retries (with the backoff above) of a page answered by a bot challenge or wall, before it
is counted blocked and given up (crawler.blocking)."""
HTTPERROR_ALLOWED_CODES = [404, 410]
"""Gone articles reach the spider, which marks them ``gone`` in the archive."""

DOWNLOADER_MIDDLEWARES = {
    # Outside the retries: counts each discovery request's final outcome (crawler.outcome).
    "crawler.reachability.DiscoveryOutcomeMiddleware": 50,
    "crawler.middlewares.BackoffRetryMiddleware": 545,
    # Scrapy's own redirect and decompression, under our redirect policy and size limit.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.redirects.SiteMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.limits.BoundedCompressionMiddleware": 590,
    # Bot challenges and walls (crawler.blocking): sees the decompressed page before the meta
    # refresh and the retries; the WARC middleware (950) has recorded it already.
    "crawler.blocking.BlockingMiddleware": 585,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.redirects.SiteRedirectMiddleware": 600,
    # Next to the downloader: sees responses as received, before decompression and retries.
    "crawler.warc.middleware.WarcMiddleware": 950,
}

SPIDER_MIDDLEWARES = {
    # The crawl's one reader of the archive: skips known articles, de-duplicates by article id.
    "crawler.known_articles.KnownArticlesMiddleware": 950,
}
KNOWN_ARTICLES_ENABLED = True
"""Skip discovered articles the archive holds, fetch and keep each article once per run, and
select the articles to re-check (``crawler/known_articles.py``); off, discovery fetches all."""

# --- extraction --------------------------------------------------------------------------------
ARTICLE_PAGE_CLASS = "crawler.extraction.page.ArticlePage"
"""Page object reading each article page's fields: a subclass of ``ArticlePage`` changes how a
field is read without touching the parser (see ``crawler/extraction/page.py``)."""

# --- pipelines -----------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 200,
    "crawler.pipelines.store.StorePipeline": 900,
}
STORE_BATCH_SIZE = 200
"""Items per database transaction at most (a partial batch is written on a timer, below)."""
STORE_FLUSH_SECONDS = 10.0
"""A partial batch is written once it is this old, so a slow crawl keeps the archive current."""
STORE_RETRY_DELAYS = [0.5, 1.0, 2.0]
"""Seconds before each retry of a batch after a transient database fault (connection lost,
lock timeout, deadlock...); past the last, the batch is unstored and the run fails."""

# --- re-check schedule -----------------------------------------------------------------------
RECHECK_TIERS = tiers_in_seconds()
"""(published within N seconds, re-fetch at most every M seconds), first match wins; the default
is :data:`storage.recheck.RECHECK_TIERS` (2 days: hourly, 14 days: daily), override it here."""

# --- raw archive (WARC) ------------------------------------------------------------------------
ARCHIVE_DIR = str(archive_dir(environment.archive_dir))
"""Where WARC files go: ``$ARCHIVE_DIR``, else ``./data/warc``."""
WARC_ENABLED = True
"""Keep every fetched article page (all pages of each article) in gzip WARC files."""
WARC_MAX_BYTES = 1024**3
"""A WARC file is closed past this size and the run goes on in a new one."""

LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformatter.ArchiveLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"

# --- logging ---------------------------------------------------------------------------------
EXTENSIONS = {"crawler.quiet.FailureDigest": 0}
QUIET_FAILURES = True
"""An unreachable site: one log line per kind of download failure, no tracebacks (``quiet.py``)."""
