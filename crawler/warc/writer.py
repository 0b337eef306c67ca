"""Rolling gzip WARC/1.1 files: one series per crawl run, a new file past a size limit.

Each file starts with a ``warcinfo`` record, then holds a ``response`` record (payload and block
digests) followed by its ``request`` record (``WARC-Concurrent-To`` the response) per fetch. A
fetch whose payload is identical to a previous capture of the same URL (same payload digest, a
re-check of an unchanged page) is kept as a ``revisit`` record instead (profile
``identical-payload-digest``, as Heritrix writes), which holds the HTTP headers but not the
body: :func:`crawler.warc.reader.resolve_capture` follows it to the original. When a file is
closed, its size, record count and SHA-256 go to the ``on_close`` callback (fixity).
Every record is its own gzip member, so a record can be read back from its offset alone, and a
file cut short by a killed crawl loses only its last record. Files are created exclusively
(never appended to): a later crawl always starts a file of its own.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
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


@dataclass(frozen=True, slots=True)
class ClosedFile:
    """A WARC file as it was when the writer closed it: what fixity checks compare with."""

    name: str
    size: int
    records: int
    """WARC records in the file, the ``warcinfo`` included."""
    sha256: str
    """Hex SHA-256 of the whole file."""
    closed_at: datetime


def payload_digest(body: bytes) -> str:
    """``WARC-Payload-Digest`` of a body, in warcio's form (``sha1:`` and base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


class _HashingFile:
    """A file opened for writing that hashes and counts what goes through it (the SHA-256 of a
    closed file then costs no second read)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()

    def write(self, data: Any) -> int:
        self.sha256.update(data)
        return self.handle.write(data)

    def tell(self) -> int:
        return self.handle.tell()

    def flush(self) -> None:
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


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
        on_close: Callable[[ClosedFile], None] | None = None,
    ) -> None:
        self.directory = directory
        self.on_close = on_close
        """Told about every file closed whole (not one given up after a failed write)."""
        self.label = label
        self.max_bytes = max_bytes
        self.info = dict(info or {})
        self.files: list[str] = []
        """Names of the files this writer created, in order."""
        self._serial = 0
        self._lock = threading.Lock()
        self._handle: _HashingFile | None = None
        self._warc: WARCWriter | None = None
        self._records = 0

    def write(self, exchange: Exchange, previous: Mapping[str, Any] | None = None) -> WarcLocation:
        """Append the response and request records of ``exchange``; where the response is.

        ``previous`` is the location of an earlier capture of the same URL (with its ``digest``
        and ``date``): when the payload is the same, a ``revisit`` record referring to it is
        written instead of the response, and the location returned names it (``revisit_of``).

        Raises :class:`OSError` when the records could not be written (disk full): the file is
        then given up, so a half-written record never shifts the offsets of later ones (they go
        to a new file)."""
        with self._lock:
            try:
                return self._write(exchange, previous)
            except OSError:
                self._abandon_file()
                raise

    def _write(self, exchange: Exchange, previous: Mapping[str, Any] | None) -> WarcLocation:
        if self._handle is None or self._warc is None:
            self._open()
        assert self._handle is not None and self._warc is not None
        digest = payload_digest(exchange.body)
        original = _same_payload(previous, exchange.url, digest)
        if original is None:
            response = _response_record(self._warc, exchange)
        else:
            response = _revisit_record(self._warc, exchange, digest, original)
        offset = self._handle.tell()
        self._warc.write_record(response)
        length = self._handle.tell() - offset
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        self._warc.write_record(_request_record(self._warc, exchange, record_id))
        self._records += 2
        self._handle.flush()
        location = WarcLocation(
            file=self.files[-1],
            offset=offset,
            length=length,
            uri=exchange.url,
            digest=digest,
            date=response.rec_headers.get_header("WARC-Date"),
        )
        if original is not None:
            location["revisit_of"] = original
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
        hashing = _HashingFile(handle)
        warc = WARCWriter(hashing, gzip=True, warc_version=WARC_VERSION)
        try:
            warc.write_record(warc.create_warcinfo_record(name, self.info))
            handle.flush()
        except OSError:  # not even the warcinfo fits (disk full): leave no empty file behind
            with contextlib.suppress(OSError):
                handle.close()
            (self.directory / name).unlink(missing_ok=True)
            raise
        self._handle, self._warc, self.files = hashing, warc, [*self.files, name]
        self._records = 1

    def _abandon_file(self) -> None:
        """Drop the current file after a failed write (its buffer may not reach the disk);
        it is not reported closed: what it holds is not known for sure."""
        with contextlib.suppress(OSError):
            if self._handle is not None:
                self._handle.close()
        self._handle, self._warc = None, None

    def _close_file(self) -> None:
        handle, self._handle, self._warc = self._handle, None, None
        if handle is None:
            return
        size = handle.tell()
        handle.close()
        if self.on_close is not None:
            self.on_close(
                ClosedFile(
                    name=self.files[-1],
                    size=size,
                    records=self._records,
                    sha256=handle.sha256.hexdigest(),
                    closed_at=datetime.now(UTC),
                )
            )


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


def _same_payload(
    previous: Mapping[str, Any] | None, url: str, digest: str
) -> dict[str, Any] | None:
    """The response a revisit of ``url`` with payload ``digest`` refers to: ``previous`` when it
    is a capture of that URL and payload (when ``previous`` is itself a revisit, its original:
    a revisit always names a full response); None otherwise."""
    if previous and isinstance(previous.get("revisit_of"), Mapping):
        previous = previous["revisit_of"]
    if not previous or previous.get("uri") != url or previous.get("digest") != digest:
        return None
    if not previous.get("date"):
        return None
    keys = ("file", "offset", "length", "uri", "digest", "date")
    return {key: previous[key] for key in keys}


def _revisit_record(
    warc: WARCWriter, exchange: Exchange, digest: str, original: Mapping[str, Any]
) -> ArcWarcRecord:
    """A ``revisit`` record (identical payload digest): the response headers of ``exchange``,
    the body left out, referring to the capture at ``original``."""
    http = StatusAndHeaders(
        f"{exchange.status} {exchange.reason}".strip(),
        list(exchange.response_headers),
        protocol=exchange.protocol,
    )
    return warc.create_revisit_record(
        exchange.url,
        digest,
        original["uri"],
        original["date"],
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
