"""Log dropped items as one short line (the reason was already counted), not the whole item."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter
from scrapy.http import Response
from scrapy.spiders import Spider


class ArchiveLogFormatter(logformatter.LogFormatter):
    """Scrapy's formatter, but ``Dropped:`` lines are DEBUG and carry no item dump."""

    def dropped(
        self, item: Any, exception: BaseException, response: Response | None, spider: Spider
    ) -> logformatter.LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Dropped item: %(exception)s",
            "args": {"exception": exception},
        }
