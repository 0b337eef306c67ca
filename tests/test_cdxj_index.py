"""``viva-archive index``: the archive's CDXJ index, updated incrementally (only what is new,
including records a running crawl appended since), sorted, and used by pywb as is."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from crawler.warc import Exchange, RollingWarcWriter, read_page
from crawler.warc.cdxj import find_original, url_key
from crawler.warc.sorting import ExternalSorter
from tests.cli_helpers import viva
from tests.replay import collection_from_archive, pywb, replayed
from tests.warc_helpers import html_exchange


def exchange(n: int) -> Exchange:
    return html_exchange(900000000 + n, f"<html><body><p>Artikel {n}</p></body></html>", n, port=9)


def index(archive: Path) -> str:
    done = viva("index", "--archive-dir", str(archive))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.slow
def test_index_is_incremental_and_pywb_replays_the_archive_with_it(tmp_path: Path) -> None:
    archive = tmp_path / "warc"
    closed = RollingWarcWriter(archive, label="run1")
    locations = [closed.write(exchange(n)) for n in range(3)]
    closed.close()
    index_file = archive / "indexes" / "index.cdxj"
    assert index(archive) == f"indexed 3 new records from 1 file into {index_file}"

    first_file = archive / locations[0]["file"]
    first_file.write_bytes(b"\0" * first_file.stat().st_size)  # proves it is not read again
    assert index(archive).startswith("indexed 0 new records from 0 files")

    running = RollingWarcWriter(archive, label="run2")  # a crawl still writing
    locations.append(running.write(exchange(3)))
    assert index(archive).startswith("indexed 1 new record from 1 file")
    locations.append(running.write(exchange(4)))
    assert index(archive).startswith("indexed 1 new record from 1 file")
    running.close()

    lines = index_file.read_text().splitlines()
    assert len(lines) == 5 and lines == sorted(lines), "each response once, sorted"
    root = tmp_path / "pywb"
    root.mkdir()
    collection_from_archive(root, archive)
    with pywb(root) as collection:
        answers = {n: replayed(collection, locations[n]["uri"]) for n in (3, 4)}
    for n, answer in answers.items():
        assert answer.status_code == 200, answer.text[:3000]
        assert answer.content.decode() == read_page(archive, locations[n]).html


@pytest.mark.slow
def test_a_missing_archive_directory_is_one_line(tmp_path: Path) -> None:
    done = viva("index", "--archive-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"viva-archive: error: cannot index {tmp_path / 'nowhere'}: no such archive directory"
    )


def test_external_sort_spills_and_merges_without_repeats() -> None:
    lines = [f"{random.Random(n).randrange(500):05d}\n" for n in range(2000)]
    with ExternalSorter(run_lines=64) as sorter:
        for line in lines:
            sorter.add(line)
        assert list(sorter.sorted()) == sorted(set(lines))


def test_find_original_binary_searches_the_sorted_index(tmp_path: Path) -> None:
    index = tmp_path / "index.cdxj"
    uris = [f"http://127.0.0.1:9/militer/{n}-x?page=all" for n in range(300)]
    lines = []
    for n, uri in enumerate(uris):
        for stamp, mime in (("20261101100000", "text/html"), ("20261102100000", "warc/revisit")):
            fields = f'"url": "{uri}", "mime": "{mime}", "length": "9", "offset": "{n}"'
            lines.append(f'{url_key(uri)} {stamp} {{{fields}, "filename": "f{n}"}}\n')
    index.write_text("".join(sorted(lines)))
    for n, uri in enumerate(uris):
        found = find_original(index, uri, "20261101100000")
        assert found == {"file": f"f{n}", "offset": n, "length": 9, "uri": uri}
        assert find_original(index, uri, "20261102100000") is None, "a revisit is no original"
    assert find_original(index, "http://127.0.0.1:9/elsewhere", "20261101100000") is None
