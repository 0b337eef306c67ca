"""Fixity: proving that nothing the archive holds was altered or lost.

``viva-archive verify`` checks, in this order: every WARC file recorded when its writer closed
it still exists with its size and SHA-256; every record of every WARC file passes its
``WARC-Block-Digest`` and ``WARC-Payload-Digest``; every revision's capture locations point at a
readable record (a revisit followed to its original) of that article; the archive directory
holds no WARC file the archive does not know (files a running crawl is still writing excepted);
with ``deep``, re-extracting each article's latest capture gives its stored content hash (a
difference under another parser version is a note, not a problem). Each problem is one line
naming the file, the offset and the article where known. Every verification is recorded."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem

from crawler.extraction import PARSER_VERSION, ArticlePage
from crawler.reextract import reread
from crawler.urls import article_id_from_url
from crawler.warc.reader import WarcReadError, damaged_records, resolve_capture
from storage.fixity import Capture, FixityLedger
from storage.models import WarcFile

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc.gz", ".warc")
_RUN_LABEL = re.compile(r"-run(?P<run>\d+)-")
_HASH_BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that does not hold, where it is."""

    what: str
    file: str | None = None
    offset: int | None = None
    article_id: int | None = None

    def line(self) -> str:
        """``FILE@OFFSET: article ID: what`` (the parts known)."""
        where = self.file or ""
        if self.offset is not None:
            where += f"@{self.offset}"
        parts = [where] if where else []
        if self.article_id is not None:
            parts.append(f"article {self.article_id}")
        return ": ".join([*parts, self.what])


@dataclass(slots=True)
class VerifyReport:
    """What a verification covered and found."""

    started_at: datetime
    since: datetime | None = None
    deep: bool = False
    finished_at: datetime | None = None
    files_checked: int = 0
    unknown_files: int = 0
    records_checked: int = 0
    revisions_checked: int = 0
    reextracted: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    """Not problems: a latest capture that re-extracts differently under another parser."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``--json``): the problems as dicts with their ``line``."""
        data = asdict(self)
        data["problems"] = [{**asdict(p), "line": p.line()} for p in self.problems]
        data["notes"] = [{**asdict(p), "line": p.line()} for p in self.notes]
        return {**data, "ok": self.ok}


def verify(
    database_url: str | None,
    directory: Path,
    *,
    since: datetime | None = None,
    deep: bool = False,
    page_class: type[ArticlePage] = ArticlePage,
) -> VerifyReport:
    """Run every check (see the module docstring) and record the verification."""
    ledger = FixityLedger(database_url)
    report = VerifyReport(started_at=datetime.now(UTC), since=since, deep=deep)
    known = {row.name: row for row in ledger.files()}
    for row in known.values():
        if since is None or row.closed_at >= since:
            _check_recorded_file(directory, row, report)
    for path in _unknown_files(directory, known, ledger.running_run_ids(), since):
        report.unknown_files += 1
        label = _RUN_LABEL.search(path.name)
        what = "a WARC file the archive does not know"
        if label:
            what += f" (of crawl run {label['run']}, which never closed it: killed?)"
        report.problems.append(Problem(what, path.name))
        _check_records(path, report)
    for capture in ledger.captures(since):
        _check_capture(directory, capture, report, page_class if deep else None)
    report.finished_at = datetime.now(UTC)
    ledger.record_verification(
        started_at=report.started_at,
        finished_at=report.finished_at,
        since=since,
        deep=deep,
        files_checked=report.files_checked,
        revisions_checked=report.revisions_checked,
        problems=[p.line() for p in report.problems],
    )
    return report


def _check_recorded_file(directory: Path, row: WarcFile, report: VerifyReport) -> None:
    """Size and SHA-256 as recorded at close, then each record's digests."""
    path = directory / row.name
    report.files_checked += 1
    try:
        size, sha256 = path.stat().st_size, _sha256(path)
    except OSError as exc:
        report.problems.append(Problem(f"recorded file unreadable ({exc.strerror})", row.name))
        return
    if size != row.size:
        report.problems.append(Problem(f"{size} bytes, {row.size} when closed", row.name))
    elif sha256 != row.sha256:
        report.problems.append(Problem("SHA-256 differs from the one recorded", row.name))
    _check_records(path, report)


def _check_records(path: Path, report: VerifyReport) -> None:
    """Block and payload digests of every record of ``path``."""
    for offset, what in damaged_records(path):
        report.problems.append(Problem(what, path.name, offset))


def _unknown_files(
    directory: Path, known: dict[str, WarcFile], running: set[int], since: datetime | None
) -> Iterator[Path]:
    """WARC files in ``directory`` that are not recorded, except those of running crawls (not
    closed yet) and, with ``since``, those last written before it."""
    if not directory.is_dir():
        return
    for path in sorted(directory.iterdir()):
        if path.name in known or not path.name.endswith(WARC_SUFFIXES) or not path.is_file():
            continue
        label = _RUN_LABEL.search(path.name)
        if label and int(label["run"]) in running:
            continue
        if since is not None and datetime.fromtimestamp(path.stat().st_mtime, UTC) < since:
            continue
        yield path


def _check_capture(
    directory: Path, capture: Capture, report: VerifyReport, page_class: type[ArticlePage] | None
) -> None:
    """Each record of ``capture`` readable (digests checked, a revisit followed) and of its
    article; with ``page_class`` (deep) and the latest revision, re-extracted to its hash."""
    report.revisions_checked += 1
    for location in capture.records:
        report.records_checked += 1
        file, offset = location.get("file"), location.get("offset")
        try:
            page = resolve_capture(directory, location)
        except WarcReadError as exc:
            what = str(exc).split(": ", 1)[-1]
            report.problems.append(Problem(what, file, offset, capture.article_id))
            return
        if article_id_from_url(page.uri) != capture.article_id:
            what = f"holds {page.uri}, another article's page"
            report.problems.append(Problem(what, file, offset, capture.article_id))
            return
    if page_class is not None and capture.latest:
        _check_reextraction(directory, capture, report, page_class)


def _check_reextraction(
    directory: Path, capture: Capture, report: VerifyReport, page_class: type[ArticlePage]
) -> None:
    first = capture.records[0] if capture.records else {}
    where = (first.get("file"), first.get("offset"), capture.article_id)
    report.reextracted += 1
    try:
        item = reread(capture.url, capture.records, directory, page_class)
    except (WarcReadError, DropItem) as exc:
        report.problems.append(Problem(f"re-extraction failed ({exc})", *where))
        return
    except Exception as exc:  # a parser bug costs one article, not the verification
        log.exception("Parser failed on the capture of article %s", capture.article_id)
        report.problems.append(Problem(f"re-extraction failed ({type(exc).__name__})", *where))
        return
    if item["content_hash"] == capture.content_hash:
        return
    if capture.parser_version != PARSER_VERSION:
        what = (
            f"re-extraction gives another content hash: parser version differs "
            f"({capture.parser_version} stored, {PARSER_VERSION} now)"
        )
        report.notes.append(Problem(what, *where))
    else:
        what = f"re-extraction gives another content hash under parser {PARSER_VERSION}"
        report.problems.append(Problem(what, *where))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
