"""The raw archive: every fetched article page kept as WARC records, readable without the site.

Modules, one job each: :mod:`~.location` (where a record is, where the files live),
:mod:`~.writer` (rolling gzip WARC files, revisit records for unchanged re-checks, each closed
file's fixity), :mod:`~.middleware` (the Scrapy side: which responses to keep), :mod:`~.reader`
(one stored page back, a revisit followed to its original, damaged records refused),
:mod:`~.cdxj` (index lines for replay tools), :mod:`~.archive_index` (the archive's incremental
CDXJ index), :mod:`~.sorting` (sorting more lines than fit in memory), :mod:`~.wacz` (a WACZ of
chosen captures).
"""

from crawler.warc.location import PREVIOUS_CAPTURE, WARC_RECORD_META, WarcLocation, archive_dir
from crawler.warc.reader import StoredPage, WarcReadError, read_page, resolve_capture
from crawler.warc.writer import Exchange, RollingWarcWriter

__all__ = [
    "PREVIOUS_CAPTURE",
    "WARC_RECORD_META",
    "Exchange",
    "RollingWarcWriter",
    "StoredPage",
    "WarcLocation",
    "WarcReadError",
    "archive_dir",
    "read_page",
    "resolve_capture",
]
