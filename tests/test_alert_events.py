"""Alert events are written with the change they announce, for the watches that match it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.engine import get_session_factory
from storage.models import AlertDelivery, AlertEvent, Watch
from storage.watches import WatchError, WatchSpec, WatchStore
from storage.writes import ArchiveWriter
from tests.factories import make_item

HOOK = "webhook:http://127.0.0.1:9/hook"


def events(url: str) -> list[tuple[str, str, int | None, int | None]]:
    """(watch name, kind, article id, revision) of every event, in order."""
    with get_session_factory(url)() as session:
        rows = session.execute(
            select(Watch.name, AlertEvent.kind, AlertEvent.article_id, AlertEvent.revision)
            .join(Watch, Watch.id == AlertEvent.watch_id)
            .order_by(AlertEvent.id)
        )
        return [tuple(row) for row in rows]


def test_new_changed_gone_events_follow_query_and_filters(archive_url: str) -> None:
    store = WatchStore(archive_url)
    # "tembak" finds "menembakkan" (Indonesian affixes, as search does)
    store.add(WatchSpec("tembak", query="tembak", destinations=(HOOK,)))
    store.add(WatchSpec("nato-tag", tag="nato", events=("changed", "gone"), destinations=(HOOK,)))
    store.add(WatchSpec("other", subchannel="militer-indonesia", destinations=(HOOK,)))
    writer = ArchiveWriter(archive_url)
    shooting = make_item(1, body="Kapal itu menembakkan rudal.")
    quiet = make_item(2, tags=["Latihan"])
    writer.store_articles([shooting, quiet])
    assert events(archive_url) == [("tembak", "new", 1, 1)]

    writer.store_articles([shooting, quiet])  # unchanged recheck: no event
    assert len(events(archive_url)) == 1

    writer.store_articles([make_item(1, body="Kapal itu menembakkan dua rudal.")])
    writer.mark_gone([1, 2])
    writer.mark_gone([1])  # already gone: nothing new
    assert events(archive_url)[1:] == [
        ("tembak", "changed", 1, 2),
        ("nato-tag", "changed", 1, 2),
        ("tembak", "gone", 1, 2),
        ("nato-tag", "gone", 1, 2),
    ]
    with get_session_factory(archive_url)() as session:
        deliveries = session.scalars(select(AlertDelivery)).all()
    assert len(deliveries) == 5
    assert {(d.destination, d.status, d.attempts) for d in deliveries} == {(HOOK, "pending", 0)}


def test_imports_and_unchanged_reextractions_tell_nobody(archive_url: str) -> None:
    WatchStore(archive_url).add(WatchSpec("all", destinations=(HOOK,)))
    writer = ArchiveWriter(archive_url)
    writer.store_articles([make_item(5)], source="import")
    assert events(archive_url) == []
    writer.store_reextracted([make_item(5, body="Teks yang dibaca ulang.", based_on=1)])
    writer.store_reextracted([make_item(5, body="Lagi.", based_on=1)])  # stale: not written
    assert events(archive_url) == [("all", "changed", 5, 2)]
    same_text = make_item(5, body="Teks yang dibaca ulang.", tags=["Baru"], based_on=2)
    assert writer.store_reextracted([same_text]) == [5]  # a new revision, the same text
    assert events(archive_url) == [("all", "changed", 5, 2)]


def test_a_failed_write_leaves_no_event(archive_url: str) -> None:
    WatchStore(archive_url).add(WatchSpec("all", destinations=(HOOK,)))
    bad = make_item(7)
    bad["title"] = ""
    with pytest.raises(ValueError):
        ArchiveWriter(archive_url).store_articles([make_item(6), bad])
    assert events(archive_url) == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (WatchSpec("x y", destinations=(HOOK,)), "letters, digits"),
        (WatchSpec("q", query="  ", destinations=(HOOK,)), "holds no word"),
        (WatchSpec("e", events=("edited",), destinations=(HOOK,)), "events must be"),
        (WatchSpec("d"), "at least one"),
        (WatchSpec("h", query="rudal", health=True, destinations=(HOOK,)), "health watch"),
    ],
)
def test_bad_watches_are_refused(spec: WatchSpec, message: str) -> None:
    with pytest.raises(WatchError, match=message):
        spec.check()


def test_names_are_unique_and_removal_takes_the_events(archive_url: str) -> None:
    store = WatchStore(archive_url)
    store.add(WatchSpec("w", destinations=(HOOK,)))
    with pytest.raises(WatchError, match="already exists"):
        store.add(WatchSpec("w", destinations=(HOOK,)))
    ArchiveWriter(archive_url).store_articles([make_item(3)])
    store.remove("w")
    assert events(archive_url) == [] and store.all() == []
    with pytest.raises(WatchError, match="no watch named"):
        store.remove("w")
