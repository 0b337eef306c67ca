"""Where raw records live: the archive directory and the location of one record in it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypedDict

DEFAULT_ARCHIVE_DIR = "data/warc"
"""Where WARC files go unless ``ARCHIVE_DIR`` (setting or environment) says otherwise."""

WARC_RECORD_META = "warc_record"
"""``Request.meta`` key under which the WARC middleware leaves the :class:`WarcLocation` of the
response it wrote, for the spider to pass on with the item."""


class WarcLocation(TypedDict):
    """One response record: enough to read it back with a single seek."""

    file: str
    """File name relative to the archive directory (``viva-militer-run7-...-00000.warc.gz``)."""
    offset: int
    """Byte offset of the record's gzip member in the file."""
    length: int
    """Bytes of the record's gzip member (compressed)."""
    uri: str
    """``WARC-Target-URI``: the URL fetched, with its query (``...?page=all``)."""


def archive_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """The archive directory: ``value``, else ``$ARCHIVE_DIR``, else ``./data/warc``."""
    return Path(value or os.environ.get("ARCHIVE_DIR") or DEFAULT_ARCHIVE_DIR)
