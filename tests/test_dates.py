"""Indonesian date parsing: examples from the site, invalid input, and round-trip properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.dates import (
    MONTHS,
    WEEKDAYS,
    WIB,
    ZONES,
    format_datetime,
    parse_indonesian_datetime,
    parse_iso_datetime,
    utc_isoformat,
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Selasa, 22 Juli 2025 - 17:20 WIB", "2025-07-22T17:20:00+07:00"),
        ("Selasa, 22 Juli 2025 – 17:20 WIB", "2025-07-22T17:20:00+07:00"),
        ("22 Juli 2025 | 17.20 WIB", "2025-07-22T17:20:00+07:00"),
        ("8 Sep 2017 | 11:42 WIB", "2017-09-08T11:42:00+07:00"),
        ("Jumat, 8 September 2017 - 11:42", "2017-09-08T11:42:00+07:00"),
        ("17 Agu 2024 - 08:00 WITA", "2024-08-17T08:00:00+08:00"),
        ("17 Agt 2024 08:00 WIT", "2024-08-17T08:00:00+09:00"),
        ("  Sabtu,\xa017 Ags 2024 -  08.00.30   wib ", "2024-08-17T08:00:30+07:00"),
        ("Kamis, 29 Februari 2024 - 23:59 WIB", "2024-02-29T23:59:00+07:00"),
        ("Rabu, 1 Januari 2025, pukul 00.05 WIB", "2025-01-01T00:05:00+07:00"),
    ],
)
def test_site_formats(text: str, iso: str) -> None:
    assert format_datetime(parse_indonesian_datetime(text)) == iso


@pytest.mark.parametrize(
    "text",
    [
        "31 Februari 2025 - 10:00 WIB",  # no such day
        "29 Februari 2023 - 10:00 WIB",  # not a leap year
        "Senin, 22 Juli 2025 - 17:20 WIB",  # 22 Juli 2025 is a Selasa
        "22 Juli 2025 - 24:00 WIB",
        "22 Juli 2025 - 17:60 WIB",
        "22 Juli 2025",  # no time: refused, not guessed as midnight
        "22 Julia 2025 - 17:20 WIB",
        "22 Juli 2025 - 17:20 WIB tambahan",
        "2 jam yang lalu",
        "22 Juli 2025 - 17:20 GMT",
        "",
    ],
)
def test_refuses_what_it_cannot_parse_fully(text: str) -> None:
    assert parse_indonesian_datetime(text) is None


def test_iso_values() -> None:
    assert parse_iso_datetime("2022-01-24 06:31:00") == datetime(2022, 1, 24, 6, 31, tzinfo=WIB)
    assert parse_iso_datetime("2025-07-22T10:20:00Z") == datetime(2025, 7, 22, 17, 20, tzinfo=WIB)
    assert parse_iso_datetime("2025-07-22T17:20:00+07:00") == datetime(
        2025, 7, 22, 10, 20, tzinfo=UTC
    )
    for bad in ("2025-07-22", "22/07/2025 17:20", "2025-13-01T00:00:00", "", None, 17, []):
        assert parse_iso_datetime(bad) is None


def test_utc_isoformat() -> None:
    assert utc_isoformat(datetime(2025, 1, 1, 7, 0, tzinfo=WIB)) == "2025-01-01T00:00:00+00:00"
    assert utc_isoformat(datetime(2025, 1, 1)) == "2025-01-01T00:00:00+00:00"
    assert utc_isoformat().endswith("+00:00")


_FULL_MONTHS = [name for name, n in MONTHS.items() if len(name) > 4 or name in ("mei", "juni")]
_MONTH_FORMS = {n: [k for k, v in MONTHS.items() if v == n] for n in range(1, 13)}
_DAY_FORMS = {n: [k for k, v in WEEKDAYS.items() if v == n] for n in range(7)}


@st.composite
def indonesian_dates(draw: st.DrawFn) -> tuple[str, datetime]:
    """A datetime and its text in one of the styles the site uses."""
    zone_name = draw(st.sampled_from(["", "WIB", "WITA", "WIT", "wib"]))
    zone = ZONES[(zone_name or "wib").lower()]
    naive = draw(st.datetimes(datetime(1990, 1, 1), datetime(2100, 12, 31)))
    value = naive.replace(microsecond=0, tzinfo=zone)
    with_seconds = draw(st.booleans())
    if not with_seconds:
        value = value.replace(second=0)
    month = draw(st.sampled_from(_MONTH_FORMS[value.month]))
    month = draw(st.sampled_from([month, month.title(), month.upper()]))
    weekday = draw(st.sampled_from(["", *_DAY_FORMS[value.weekday()]])).title()
    sep = draw(st.sampled_from([" - ", " – ", " | ", " ", "-", ", pukul "]))
    colon = draw(st.sampled_from([":", "."]))
    clock = f"{value.hour:02d}{colon}{value.minute:02d}"
    if with_seconds:
        clock += f"{colon}{value.second:02d}"
    head = f"{weekday}, " if weekday else ""
    text = f"{head}{value.day} {month} {value.year}{sep}{clock} {zone_name}"
    return text, value


@given(indonesian_dates())
def test_round_trip_every_style(case: tuple[str, datetime]) -> None:
    text, value = case
    parsed = parse_indonesian_datetime(text)
    assert parsed == value
    assert parsed is not None and parsed.utcoffset() == value.utcoffset()


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    result = parse_indonesian_datetime(text)
    assert result is None or result.tzinfo is not None
    iso = parse_iso_datetime(text)
    assert iso is None or iso.tzinfo is not None


@given(st.datetimes(timezones=st.sampled_from([UTC, WIB, timezone(timedelta(hours=-5))])))
def test_iso_round_trip(value: datetime) -> None:
    assert parse_iso_datetime(value.isoformat()) == value


def test_month_table_has_every_month_and_short_august() -> None:
    assert set(MONTHS.values()) == set(range(1, 13))
    assert {MONTHS[k] for k in ("agu", "agt", "ags", "agustus")} == {8}
    assert len(_FULL_MONTHS) >= 12
