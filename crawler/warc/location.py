"""Where raw records live: the archive directory and the location of one record in it."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from viva_militer_archive.settings import from_environment

DEFAULT_ARCHIVE_DIR = "data/warc"
"""Where WARC files go unless ``ARCHIVE_DIR`` (setting or environment) says otherwise."""

WARC_RECORD_META = "warc_record"
"""``Request.meta`` key under which the WARC middleware leaves the :class:`WarcLocation` of the
response it wrote, for the spider to pass on with the item."""

PREVIOUS_CAPTURE = "previous"
"""Key of the spider's ``meta["article"]`` holding the WARC records of the article's current
revision: a page fetched again with the same payload is written as a revisit of its record."""


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
    digest: NotRequired[str]
    """``WARC-Payload-Digest`` (``sha1:...``): a later fetch with the same one is a revisit."""
    date: NotRequired[str]
    """``WARC-Date`` of the record, as written (a revisit's ``WARC-Refers-To-Date``)."""
    revisit_of: NotRequired[dict[str, Any]]
    """A ``revisit`` record: the location of the response whose payload it repeats."""


def archive_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """The archive directory: ``value``, else ``ARCHIVE_DIR`` (:mod:`viva_militer_archive.
    settings`), else ``./data/warc``."""
    return Path(value or from_environment().archive_dir or DEFAULT_ARCHIVE_DIR)


def writable_archive_dir(value: str | os.PathLike[str] | None = None) -> Path:
    """:func:`archive_dir`, created when missing; an ``OSError`` says why it cannot be written
    (checked before a crawl, so a bad ``ARCHIVE_DIR`` is one line, not one error per page)."""
    folder = archive_dir(value)
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
    return folder
