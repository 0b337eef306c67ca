"""Reading stored pages back from the WARC files, refusing anything damaged.

A record is read from its own offset and length (one gzip member), so a file cut short by a
killed crawl, a missing file or a corrupt record costs only the records concerned: each
failure is a :class:`WarcReadError` naming the file and offset, never a crash. A whole file
can also be walked (:func:`response_records`): the headers and location of each response,
one record at a time, so that a later :func:`read_page` fetches only the records wanted, or
checked whole (:func:`damaged_records`: every record's block and payload digests, for fixity).
:func:`resolve_capture` follows a ``revisit`` record to the response it repeats."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from scrapy.http import TextResponse
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_datetime

from crawler.warc.location import WarcLocation

# Errors of decompression, parsing and I/O that a damaged record can raise inside warcio.
_DAMAGE = (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error, StopIteration)


_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


class WarcReadError(Exception):
    """A record that cannot be used: missing, cut short, failing its digests, or not the
    response the location names."""


@dataclass(frozen=True, slots=True)
class StoredPage:
    """One fetched page as the crawl received it."""

    uri: str
    """The URL fetched (``WARC-Target-URI``)."""
    fetched_at: datetime
    """``WARC-Date``, aware UTC."""
    status: int
    html: str
    """The body decoded exactly as the crawl decoded it (Scrapy's encoding rules)."""


def read_page(directory: Path, location: Mapping[str, Any]) -> StoredPage:
    """The page stored at ``location`` (a :class:`~crawler.warc.location.WarcLocation`): a
    response record (a revisit is refused here: :func:`resolve_capture` follows it)."""
    record = _read_record(directory, location)
    if record.kind != "response":
        raise WarcReadError(f"{record.where}: a {record.kind} record, not a response")
    return record.page(record.body)


def resolve_capture(directory: Path, location: Mapping[str, Any]) -> StoredPage:
    """The page a capture holds: the response at ``location``, or, for a ``revisit`` record
    (identical payload digest), the body of the original it refers to (``revisit_of``) with
    the revisit's own date, status and headers. The original must be a response of the URI and
    payload digest the revisit names; anything else is a :class:`WarcReadError`."""
    record = _read_record(directory, location)
    if record.kind == "response":
        return record.page(record.body)
    if record.kind != "revisit":
        raise WarcReadError(f"{record.where}: a {record.kind} record, not a response")
    original = location.get("revisit_of")
    if not isinstance(original, Mapping):
        raise WarcReadError(f"{record.where}: a revisit whose original is not recorded")
    target = _read_record(directory, original)
    if target.kind != "response":
        raise WarcReadError(f"{target.where}: a {target.kind} record, not the revisited response")
    headers = record.headers
    if target.uri != headers.get_header("WARC-Refers-To-Target-URI") or target.headers.get_header(
        "WARC-Payload-Digest"
    ) != headers.get_header("WARC-Payload-Digest"):
        raise WarcReadError(f"{record.where}: the revisited record at {target.where} differs")
    return record.page(target.body)


@dataclass(frozen=True, slots=True)
class _Record:
    """One record read whole, digests checked, at a known location."""

    where: str
    kind: str
    uri: str
    headers: StatusAndHeaders
    fetched_at: datetime
    status: int
    content_type: str
    body: bytes

    def page(self, body: bytes) -> StoredPage:
        """``body`` decoded as the crawl decoded it, with this record's URI, date, status."""
        headers = {"Content-Type": self.content_type}
        text = TextResponse(url=self.uri, body=body, headers=headers).text
        return StoredPage(uri=self.uri, fetched_at=self.fetched_at, status=self.status, html=text)


def _read_record(directory: Path, location: Mapping[str, Any]) -> _Record:
    """The response or revisit record at ``location``, its digests verified, its target URI
    the one the location names."""
    where = f"{location.get('file')}@{location.get('offset')}"
    data = _read_bytes(directory, location, where)
    try:
        record = next(iter(ArchiveIterator(BytesIO(data), check_digests="raise")))
        if record.http_headers is None:
            raise WarcReadError(f"{where}: a {record.rec_type} record, not a response")
        body = record.content_stream().read()
        if record.rec_type == "response" and record.digest_checker.passed is not True:
            raise WarcReadError(f"{where}: record is incomplete (digest not verified)")
        uri = record.rec_headers.get_header("WARC-Target-URI")
        when = iso_date_to_datetime(record.rec_headers.get_header("WARC-Date"))
        status = int(record.http_headers.get_statuscode())
        content_type = record.http_headers.get_header("Content-Type") or "text/html"
    except _DAMAGE as exc:
        raise WarcReadError(f"{where}: damaged record ({type(exc).__name__}: {exc})") from None
    if uri != location.get("uri"):
        raise WarcReadError(f"{where}: holds {uri}, not {location.get('uri')}")
    return _Record(
        where=where,
        kind=str(record.rec_type),
        uri=uri,
        headers=record.rec_headers,
        fetched_at=when.replace(tzinfo=UTC),
        status=status,
        content_type=content_type,
        body=body,
    )


def _read_bytes(directory: Path, location: Mapping[str, Any], where: str) -> bytes:
    try:
        offset, length = int(location["offset"]), int(location["length"])
        with (directory / str(location["file"])).open("rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    except (KeyError, TypeError, ValueError) as exc:
        raise WarcReadError(f"{where}: not a WARC location ({exc})") from None
    except OSError as exc:
        raise WarcReadError(f"{where}: {exc.strerror or exc}") from None
    if len(data) < length:
        raise WarcReadError(f"{where}: file cut short ({len(data)} of {length} bytes)")
    return data


@dataclass(frozen=True, slots=True)
class ResponseHeader:
    """Where one response record is, and what its headers say (its body is not kept)."""

    location: WarcLocation
    fetched_at: datetime
    """``WARC-Date``, aware UTC."""
    status: int


def response_records(directory: Path, name: str) -> Iterator[ResponseHeader]:
    """Every response record of the file ``name`` in ``directory``, in file order, one at a
    time (constant memory, bodies skipped). Damage ends the walk with a :class:`WarcReadError`
    naming the file and what went wrong; the records yielded before it stay good to use."""
    try:
        with (directory / name).open("rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                if record.rec_type is None:
                    raise ValueError("a record without WARC-Type")
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                when = iso_date_to_datetime(record.rec_headers.get_header("WARC-Date"))
                status = int(record.http_headers.get_statuscode())
                records.read_to_end()
                location = WarcLocation(
                    file=name,
                    offset=records.get_record_offset(),
                    length=records.get_record_length(),
                    uri=uri,
                )
                yield ResponseHeader(location, when.replace(tzinfo=UTC), status)
    except _DAMAGE as exc:
        reason = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
        raise WarcReadError(
            f"{name}: damaged, read up to the damage ({_printable(reason)})"
        ) from None


def _printable(text: str, limit: int = 120) -> str:
    """``text`` on one line of printable ASCII, cut at ``limit`` characters (warcio quotes the
    bytes it could not parse, which may be binary)."""
    flat = _UNPRINTABLE.sub("?", " ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def damaged_records(path: Path) -> Iterator[tuple[int, str]]:
    """(offset, what is wrong) for the records of the WARC file at ``path`` whose
    ``WARC-Block-Digest`` or ``WARC-Payload-Digest`` fails, or which cannot be read. Damage that
    breaks the file's structure (a corrupt gzip member) ends the walk at that record's offset:
    the records after it cannot be found without an index."""
    offset = 0
    try:
        with path.open("rb") as handle:
            records = ArchiveIterator(handle, check_digests=True)
            for record in records:
                record.content_stream().read()
                records.read_to_end()
                start = records.get_record_offset()
                if record.digest_checker.passed is False:
                    problems = "; ".join(_printable(p) for p in record.digest_checker.problems)
                    yield start, f"digest mismatch ({problems})"
                offset = start + records.get_record_length()
    except _DAMAGE as exc:
        reason = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
        yield offset, f"damaged record ({_printable(reason)})"


def whole_records_length(path: Path) -> int:
    """Bytes of the gzip WARC file ``path`` up to the end of its last whole record (each record
    is one gzip member): a file still being written, or cut short, may end inside a record,
    which a copy of it leaves out. warcio reads a torn last member without complaint, so the
    members are followed here, to their gzip trailers."""
    end = position = 0
    member = zlib.decompressobj(wbits=31)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            while chunk:
                try:
                    member.decompress(chunk)
                except zlib.error:
                    return end  # not gzip from here on: what came before is whole
                if not member.eof:
                    position += len(chunk)
                    break
                position += len(chunk) - len(member.unused_data)
                end, chunk = position, member.unused_data
                member = zlib.decompressobj(wbits=31)
    return end
