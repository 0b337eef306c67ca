"""Writing results: JSON for scripts, aligned text tables for people, UTF-8 streams."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from storage.clock import iso_timestamp
from viva_militer_archive.cli.errors import CliError


def print_json(value: Any) -> None:
    """Pretty JSON on stdout, non-ASCII kept as is (Indonesian text stays readable)."""
    print(json.dumps(value, ensure_ascii=False, indent=2, default=_jsonable))


def counted(number: int, noun: str) -> str:
    """``1 article``, ``2 articles``: a count with its noun in the right number."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _jsonable(value: Any) -> str:
    """Timestamps as ISO 8601 on the site's clock (WIB, with offset); anything else JSON lacks
    as its text."""
    if isinstance(value, datetime):
        return iso_timestamp(value) or ""
    return value.isoformat() if isinstance(value, date) else str(value)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    labels: int | None = None,
    rule: bool = False,
) -> None:
    """Columns padded to their widest cell. The first ``labels`` columns are left-aligned and
    the others right-aligned; by default a column is right-aligned when it holds only numbers.
    ``rule`` draws a dashed line under the headers (the benchmarks' tables)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    if labels is None:
        right = [all(isinstance(r[i], int | float) for r in rows) for i in range(len(headers))]
    else:
        right = [i >= labels for i in range(len(headers))]
    lines = [_table_line(row, widths, right) for row in cells]
    if rule:
        lines.insert(1, "  ".join("-" * width for width in widths))
    for line in lines:
        print(line)


def _table_line(row: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    return "  ".join(
        cell.rjust(width) if align_right else cell.ljust(width)
        for cell, width, align_right in zip(row, widths, right, strict=True)
    ).rstrip()


@contextmanager
def open_output(target: str) -> Iterator[IO[str]]:
    """A UTF-8 text stream for ``target`` (``-``: stdout) that leaves newlines as written, so CSV
    line ends and the newlines inside quoted fields come out exactly as the writer made them."""
    name = "to standard output" if target == "-" else target
    try:
        if target == "-":
            sys.stdout.flush()
            stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
            try:
                yield stream
                stream.flush()
            finally:
                stream.detach()
            return
        with Path(target).open("w", encoding="utf-8", newline="") as handle:
            yield handle
    except BrokenPipeError:  # the reader stopped (`| head`): not an error, see cli.main
        raise
    except OSError as exc:  # a full disk, a folder, no permission...
        raise CliError(f"cannot write {name}: {exc.strerror or exc}") from None
