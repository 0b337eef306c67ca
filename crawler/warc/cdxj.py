"""CDXJ index lines: how replay tools (pywb, ReplayWeb.page) find a record in WARC files.

One line per ``response`` or ``revisit`` record: ``<SURT key> <14-digit timestamp> {json}``,
the JSON naming the URL, MIME type, status, payload digest and where the record is (file,
offset, length), the fields ``cdxj-indexer`` (pywb's and py-wacz's indexer) writes. Lines sort
by key then time, so a sorted index is binary-searched (:func:`find_original`)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from surt import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import iso_date_to_timestamp

from crawler.warc.location import WarcLocation
from crawler.warc.reader import _DAMAGE, WarcReadError, _printable

INDEXED_TYPES = ("response", "revisit")
"""The records a replay looks up (requests and warcinfo are not pages)."""
REVISIT_MIME = "warc/revisit"


def url_key(url: str) -> str:
    """The SURT form of ``url`` (``id,co,viva)/militer/...``), exactly as pywb computes it."""
    return surt(url)


def cdxj_line(record: ArcWarcRecord, filename: str, offset: int, length: int) -> str:
    """The index line of ``record`` (a response or revisit whose headers are read), stored in
    ``filename`` at ``offset`` over ``length`` bytes; ends with a newline."""
    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI") or ""
    fields: dict[str, str] = {"url": uri}
    http = record.http_headers
    if record.rec_type == "revisit":
        fields["mime"] = REVISIT_MIME
    elif http is not None:
        fields["mime"] = (http.get_header("Content-Type") or "").split(";")[0].strip()
    if http is not None and http.get_statuscode():
        fields["status"] = http.get_statuscode()
    digest = headers.get_header("WARC-Payload-Digest")
    if digest:
        fields["digest"] = digest
    fields.update(length=str(length), offset=str(offset), filename=filename)
    timestamp = iso_date_to_timestamp(headers.get_header("WARC-Date"))
    return f"{url_key(uri)} {timestamp} {json.dumps(fields)}\n"


@dataclass(frozen=True, slots=True)
class IndexedRecord:
    """One record met while walking a file: its index line (None for records not indexed)
    and the byte where it ends (where the next walk may resume)."""

    line: str | None
    end: int


def index_file(directory: Path, name: str, start: int = 0) -> Iterator[IndexedRecord]:
    """Every record of ``directory/name`` from byte ``start`` (a record boundary), one at a
    time. Damage, or a record still being written, ends the walk with a :class:`WarcReadError`;
    the records yielded before it are good (resume from the last ``end``)."""
    try:
        with (directory / name).open("rb") as handle:
            handle.seek(start)
            records = ArchiveIterator(handle)
            for record in records:
                if record.rec_type is None:
                    raise ValueError("a record without WARC-Type")
                records.read_to_end()
                offset = records.get_record_offset()  # from the file start (warcio tells)
                length = records.get_record_length()
                wanted = record.rec_type in INDEXED_TYPES
                line = cdxj_line(record, name, offset, length) if wanted else None
                yield IndexedRecord(line, offset + length)
    except _DAMAGE as exc:
        reason = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
        raise WarcReadError(
            f"{name}: damaged or still being written ({_printable(reason)})"
        ) from None


def find_original(index: Path, uri: str, timestamp: str) -> WarcLocation | None:
    """The ``response`` record of ``uri`` at ``timestamp`` (14 digits) in the sorted CDXJ file
    ``index`` (what a revisit record's ``WARC-Refers-To-Target-URI`` and ``-Date`` name), by
    binary search; None when the index lists no such response."""
    prefix = f"{url_key(uri)} {timestamp} "
    try:
        with index.open("rb") as handle:
            for line in _lines_from(handle, _first_line_at_or_after(handle, prefix.encode())):
                if not line.startswith(prefix):
                    return None
                fields = json.loads(line[len(prefix) :])
                if fields.get("mime") != REVISIT_MIME:
                    return WarcLocation(
                        file=fields["filename"],
                        offset=int(fields["offset"]),
                        length=int(fields["length"]),
                        uri=fields["url"],
                    )
    except FileNotFoundError:
        return None
    return None


def _first_line_at_or_after(handle: IO[bytes], key: bytes) -> int:
    """Offset of the first line of the sorted file ``handle`` not below ``key`` (or its end):
    the smallest position whose next line start holds such a line."""
    low, high = 0, handle.seek(0, os.SEEK_END)
    while low < high:
        middle = (low + high) // 2
        handle.seek(_line_start(handle, middle))
        line = handle.readline()
        if not line or line >= key:
            high = middle
        else:
            low = middle + 1
    return _line_start(handle, low)


def _line_start(handle: IO[bytes], position: int) -> int:
    """The first line start at or after ``position``."""
    if position == 0:
        return 0
    handle.seek(position - 1)
    handle.readline()
    return handle.tell()


def _lines_from(handle: IO[bytes], offset: int) -> Iterator[str]:
    handle.seek(offset)
    for raw in handle:
        yield raw.decode("utf-8")
