"""Rolling gzip WARC/1.1 files: one series per crawl run, a new file past a size limit.

Each file starts with a ``warcinfo`` record, then holds a ``response`` record (payload and block
digests) followed by its ``request`` record (``WARC-Concurrent-To`` the response) per fetch.
Every record is its own gzip member, so a record can be read back from its offset alone, and a
file cut short by a killed crawl loses only its last record. Files are created exclusively
(never appended to): a later crawl always starts a file of its own.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.warc.location import WarcLocation

WARC_VERSION = "1.1"
FILE_PREFIX = "viva-militer"
DEFAULT_MAX_BYTES = 1024**3
"""A file is closed once it holds this many bytes; the next record starts a new one."""
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
"""UTC time a file was opened, in its name."""
_FILE_NAME_RE = re.compile(
    rf"^{re.escape(FILE_PREFIX)}-.+-(?P<stamp>\d{{8}}T\d{{6}}Z)-\d{{5,}}\.warc\.gz$"
)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and the response the server gave, as received."""

    url: str
    """The URL fetched, with its query."""
    method: str
    request_headers: Sequence[tuple[str, str]]
    status: int
    reason: str
    """Reason phrase of the status line (``OK``)."""
    protocol: str
    """``HTTP/1.1``."""
    response_headers: Sequence[tuple[str, str]]
    body: bytes
    """The entity body as received (still compressed when the server compressed it)."""
    fetched_at: datetime
    """When the response arrived (aware)."""
    ip_address: str | None = None


class RollingWarcWriter:
    """Writes exchanges to ``directory`` as ``viva-militer-<label>-<UTC time>-<serial>.warc.gz``.

    Thread-safe: writes are serialized, so callers may write from worker threads. A file is
    opened at the first write, so a crawl that fetches no article leaves no file."""

    def __init__(
        self,
        directory: Path,
        *,
        label: str,
        max_bytes: int = DEFAULT_MAX_BYTES,
        info: Mapping[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.label = label
        self.max_bytes = max_bytes
        self.info = dict(info or {})
        self.files: list[str] = []
        """Names of the files this writer created, in order."""
        self._serial = 0
        self._lock = threading.Lock()
        self._handle: BinaryIO | None = None
        self._warc: WARCWriter | None = None

    def write(self, exchange: Exchange) -> WarcLocation:
        """Append the response and request records of ``exchange``; where the response is.

        Raises :class:`OSError` when the records could not be written (disk full): the file is
        then given up, so a half-written record never shifts the offsets of later ones (they go
        to a new file)."""
        with self._lock:
            try:
                return self._write(exchange)
            except OSError:
                self._abandon_file()
                raise

    def _write(self, exchange: Exchange) -> WarcLocation:
        if self._handle is None or self._warc is None:
            self._open()
        assert self._handle is not None and self._warc is not None
        response = _response_record(self._warc, exchange)
        offset = self._handle.tell()
        self._warc.write_record(response)
        length = self._handle.tell() - offset
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        self._warc.write_record(_request_record(self._warc, exchange, record_id))
        self._handle.flush()
        location = WarcLocation(file=self.files[-1], offset=offset, length=length, uri=exchange.url)
        if self._handle.tell() >= self.max_bytes:
            self._close_file()
        return location

    def close(self) -> None:
        """Close the current file (the next write would start a new one)."""
        with self._lock:
            self._close_file()

    def _open(self) -> None:
        """Create the next file of the series (never an existing one) and write its warcinfo."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime(STAMP_FORMAT)
        while True:
            name = f"{FILE_PREFIX}-{self.label}-{stamp}-{self._serial:05d}.warc.gz"
            self._serial += 1
            try:
                handle = (self.directory / name).open("xb")
            except FileExistsError:
                continue
            break
        warc = WARCWriter(handle, gzip=True, warc_version=WARC_VERSION)
        try:
            warc.write_record(warc.create_warcinfo_record(name, self.info))
            handle.flush()
        except OSError:  # not even the warcinfo fits (disk full): leave no empty file behind
            with contextlib.suppress(OSError):
                handle.close()
            (self.directory / name).unlink(missing_ok=True)
            raise
        self._handle, self._warc, self.files = handle, warc, [*self.files, name]

    def _abandon_file(self) -> None:
        """Drop the current file after a failed write (its buffer may not reach the disk)."""
        with contextlib.suppress(OSError):
            self._close_file()
        self._handle, self._warc = None, None

    def _close_file(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._handle, self._warc = None, None


def file_opened_at(name: str) -> datetime | None:
    """When a file named by :class:`RollingWarcWriter` was opened (whole seconds, UTC): no
    record in it was fetched more than a moment before. None for a name of another shape."""
    match = _FILE_NAME_RE.match(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _warc_headers(exchange: Exchange) -> dict[str, str]:
    when = exchange.fetched_at.astimezone(UTC).replace(tzinfo=None)
    headers = {"WARC-Date": datetime_to_iso_date(when, use_micros=True)}
    if exchange.ip_address:
        headers["WARC-IP-Address"] = exchange.ip_address
    return headers


def _response_record(warc: WARCWriter, exchange: Exchange) -> ArcWarcRecord:
    http = StatusAndHeaders(
        f"{exchange.status} {exchange.reason}".strip(),
        list(exchange.response_headers),
        protocol=exchange.protocol,
    )
    return warc.create_warc_record(
        exchange.url,
        "response",
        payload=BytesIO(exchange.body),
        length=len(exchange.body),
        http_headers=http,
        warc_headers_dict=_warc_headers(exchange),
    )


def _request_record(warc: WARCWriter, exchange: Exchange, concurrent_to: str) -> ArcWarcRecord:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    http = StatusAndHeaders(
        f"{exchange.method} {target}",
        list(exchange.request_headers),
        protocol=exchange.protocol,
        is_http_request=True,
    )
    headers = {**_warc_headers(exchange), "WARC-Concurrent-To": concurrent_to}
    return warc.create_warc_record(
        exchange.url, "request", http_headers=http, warc_headers_dict=headers
    )
