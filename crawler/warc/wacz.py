"""A WACZ file (Web Archive Collection Zipped, version 1.1.1 as py-wacz writes and validates it)
of chosen articles' captures, for replay tools: pywb, ReplayWeb.page.

Layout: ``archive/data.warc.gz`` (the records themselves, each gzip member copied byte for
byte from the archive's WARC files: stored, not recompressed), ``indexes/index.cdx.gz`` +
``indexes/index.idx`` (the sorted CDXJ index in gzip blocks of 1024 lines, and the block index,
as py-wacz writes them), ``pages/pages.jsonl`` (one page per article: its newest capture),
``datapackage.json`` (every file's SHA-256) and ``datapackage-digest.json``. Everything is
streamed: the WARC is written as records are read, index lines and pages go through temporary
files, so memory stays flat in the number of articles. A revisit record brings its original
along (found through the archive's CDXJ index, :mod:`~crawler.warc.archive_index`)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

from crawler.warc.archive_index import index_path, update_index
from crawler.warc.cdxj import cdxj_line, find_original
from crawler.warc.location import WarcLocation
from crawler.warc.reader import _DAMAGE, WarcReadError, _read_bytes
from crawler.warc.sorting import ExternalSorter
from storage.export import ArticleCaptures

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
INDEX_BLOCK_LINES = 1024
"""CDXJ lines per gzip block of ``index.cdx.gz`` (py-wacz's and ArchiveWeb.page's size)."""
COPY_CHUNK = 1024 * 1024


@dataclass(slots=True)
class WaczSummary:
    """What went into the file."""

    articles: int = 0
    """Articles with at least one capture (one page each)."""
    records: int = 0
    bytes: int = 0
    """Size of the WACZ file."""
    without_capture: int = 0
    """Selected articles with no WARC record (archived with WARC writing off, or imported)."""
    problems: list[str] = field(default_factory=list)
    """One line per record left out (missing, damaged, a revisit whose original is unknown)."""


class _Hashing:
    """A write-only stream passing bytes on while counting them and taking their SHA-256."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.size, self.sha256 = out, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


class WaczWriter:
    """Writes one WACZ; :meth:`write` does it all."""

    def __init__(self, directory: Path, title: str) -> None:
        self.directory = directory
        self.title = title
        self.summary = WaczSummary()
        self.resources: list[dict[str, Any]] = []
        self._index_ready = False

    def write(self, target: Path, articles: Iterable[ArticleCaptures]) -> WaczSummary:
        """Write the WACZ of ``articles`` to ``target``, through a temporary file renamed at
        the end (a failed export leaves nothing behind, an existing file stays until then)."""
        partial = target.with_name(f".{target.name}.part")
        try:
            with (
                zipfile.ZipFile(partial, "w", allowZip64=True) as wacz,
                ExternalSorter() as index,
                tempfile.TemporaryFile("w+b") as pages,
            ):
                self._write_warc(wacz, articles, index, pages)
                self._write_index(wacz, index)
                pages.seek(0)
                self._add(wacz, "pages/pages.jsonl", pages, compress=True)
                self._write_datapackage(wacz)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        self.summary.bytes = target.stat().st_size
        return self.summary

    # -- archive/data.warc.gz --------------------------------------------------------------

    def _write_warc(
        self,
        wacz: zipfile.ZipFile,
        articles: Iterable[ArticleCaptures],
        index: ExternalSorter,
        pages: IO[bytes],
    ) -> None:
        header = {"format": "json-pages-1.0", "id": "pages", "title": self.title}
        pages.write(json.dumps(header).encode() + b"\n")
        info = _entry(f"archive/{WARC_NAME}", compress=False)
        with wacz.open(info, "w", force_zip64=True) as raw:
            out = _Hashing(raw)
            out.write(self._warcinfo())
            for article in articles:
                page = self._copy_article(article, out, index)
                if page is None:
                    self.summary.without_capture += 1
                    continue
                self.summary.articles += 1
                pages.write(json.dumps(page, ensure_ascii=False).encode("utf-8") + b"\n")
        self._resource(info.filename, out)

    def _copy_article(
        self, article: ArticleCaptures, out: _Hashing, index: ExternalSorter
    ) -> dict[str, Any] | None:
        """Copy every record of ``article`` (once each, revisits with their originals);
        returns its page (the newest revision's first page, as ``show`` prints it)."""
        copied: set[tuple[str, int]] = set()
        page = None
        for revision in article.revisions:
            for position, location in enumerate(revision):
                record = self._copy(location, out, index, copied)
                if record is not None and position == 0:
                    page = {
                        "id": f"article-{article.article_id}",
                        "url": location["uri"],
                        "ts": record.rec_headers.get_header("WARC-Date"),
                        "title": article.title,
                    }
        return page

    def _copy(
        self,
        location: dict[str, Any],
        out: _Hashing,
        index: ExternalSorter,
        copied: set[tuple[str, int]],
    ) -> ArcWarcRecord | None:
        """Copy one record (and, for a revisit, its original) unless already copied."""
        key = (str(location.get("file")), int(location.get("offset") or 0))
        if key in copied:
            return None
        copied.add(key)
        try:
            data, record = _checked_record(self.directory, location)
        except WarcReadError as exc:
            self.summary.problems.append(str(exc))
            return None
        index.add(cdxj_line(record, WARC_NAME, out.size, len(data)))
        out.write(data)
        self.summary.records += 1
        if record.rec_type == "revisit":  # where the archive recorded its original, else found
            recorded = location.get("revisit_of")
            original = recorded if isinstance(recorded, dict) else self._original(record)
            if original is None:
                where = f"{location['file']}@{location['offset']}"
                self.summary.problems.append(f"{where}: revisit of a record the archive lacks")
            else:
                self._copy(dict(original), out, index, copied)
        return record

    def _original(self, revisit: ArcWarcRecord) -> WarcLocation | None:
        """Where the response a revisit refers to is, from the archive's CDXJ index (brought
        up to date the first time it is needed)."""
        if not self._index_ready:
            update_index(self.directory)
            self._index_ready = True
        headers = revisit.rec_headers
        uri = headers.get_header("WARC-Refers-To-Target-URI")
        when = headers.get_header("WARC-Refers-To-Date")
        if not uri or not when:
            return None
        return find_original(index_path(self.directory), uri, iso_date_to_timestamp(when))

    def _warcinfo(self) -> bytes:
        """The ``warcinfo`` record opening the WARC: what wrote it, and when."""
        buffer = BytesIO()
        writer = WARCWriter(buffer, gzip=True, warc_version="1.1")
        info = {
            "software": f"viva-militer-archive (warcio {version('warcio')})",
            "format": "WARC File Format 1.1",
            "description": self.title,
        }
        writer.write_record(writer.create_warcinfo_record(WARC_NAME, info))
        return buffer.getvalue()

    # -- indexes ---------------------------------------------------------------------------

    def _write_index(self, wacz: zipfile.ZipFile, index: ExternalSorter) -> None:
        """``index.cdx.gz`` in gzip blocks of sorted lines, then ``index.idx`` listing each
        block's first key, offset and length (what ReplayWeb.page and pywb read)."""
        info = _entry("indexes/index.cdx.gz", compress=False)
        with tempfile.TemporaryFile("w+b") as blocks:
            meta = {"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"}
            blocks.write(f"!meta 0 {json.dumps(meta)}\n".encode())
            with wacz.open(info, "w", force_zip64=True) as raw:
                out = _Hashing(raw)
                block: list[str] = []
                for line in index.sorted():
                    block.append(line)
                    if len(block) == INDEX_BLOCK_LINES:
                        _write_block(block, out, blocks)
                        block = []
                if block:
                    _write_block(block, out, blocks)
            self._resource(info.filename, out)
            blocks.seek(0)
            self._add(wacz, "indexes/index.idx", blocks, compress=True)

    # -- datapackage -----------------------------------------------------------------------

    def _write_datapackage(self, wacz: zipfile.ZipFile) -> None:
        package = {
            "profile": "data-package",
            "resources": self.resources,
            "title": self.title,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wacz_version": WACZ_VERSION,
            "software": f"viva-militer-archive {version('viva-militer-archive')}",
        }
        data = json.dumps(package, indent=2).encode("utf-8")
        wacz.writestr(_entry("datapackage.json", compress=True), data)
        digest = {"path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}
        wacz.writestr(_entry("datapackage-digest.json", compress=True), json.dumps(digest))

    def _add(self, wacz: zipfile.ZipFile, name: str, source: IO[bytes], *, compress: bool) -> None:
        """Copy ``source`` into the entry ``name`` and list it as a resource."""
        info = _entry(name, compress=compress)
        with wacz.open(info, "w", force_zip64=True) as raw:
            out = _Hashing(raw)
            shutil.copyfileobj(source, out, COPY_CHUNK)
        self._resource(name, out)

    def _resource(self, name: str, written: _Hashing) -> None:
        self.resources.append(
            {
                "name": Path(name).name.lower(),
                "path": name,
                "hash": f"sha256:{written.sha256.hexdigest()}",
                "bytes": written.size,
            }
        )


def _checked_record(directory: Path, location: dict[str, Any]) -> tuple[bytes, ArcWarcRecord]:
    """The bytes of the record at ``location`` and the record read from them, its digests
    verified; a :class:`WarcReadError` when missing, damaged or not the URI expected."""
    where = f"{location.get('file')}@{location.get('offset')}"
    data = _read_bytes(directory, location, where)
    try:
        record = next(iter(ArchiveIterator(BytesIO(data), check_digests="raise")))
        record.content_stream().read()
        if record.digest_checker.passed is False:
            raise WarcReadError(f"{where}: record fails its digest")
    except _DAMAGE as exc:
        raise WarcReadError(f"{where}: damaged record ({type(exc).__name__}: {exc})") from None
    uri = record.rec_headers.get_header("WARC-Target-URI")
    if uri != location.get("uri"):
        raise WarcReadError(f"{where}: holds {uri}, not {location.get('uri')}")
    return data, record


def _write_block(lines: list[str], out: _Hashing, blocks: IO[bytes]) -> None:
    """One gzip member of index lines, and its line in ``index.idx``."""
    compressed = gzip.compress("".join(lines).encode("utf-8"), mtime=0)
    prefix = lines[0].split("{", 1)[0].strip()
    entry = {
        "offset": out.size,
        "length": len(compressed),
        "digest": f"sha256:{hashlib.sha256(compressed).hexdigest()}",
    }
    blocks.write(f"{prefix} {json.dumps(entry)}\n".encode())
    out.write(compressed)


def _entry(name: str, *, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    return info


def write_wacz(
    target: Path, articles: Iterable[ArticleCaptures], directory: Path, *, title: str
) -> WaczSummary:
    """Write the WACZ of ``articles`` (captures kept in ``directory``) to ``target``."""
    return WaczWriter(directory, title).write(target, articles)
