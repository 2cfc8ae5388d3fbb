from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcaster.errors import BadInput
from broadcaster.schedule.times import (
    format_duration,
    iso_local,
    parse_duration,
    parse_time,
    show_local,
)

PP = ZoneInfo("Asia/Phnom_Penh")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 19:00", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("2026-12-01 19:00:30", datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC)),
        ("2026-12-01T19:00", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("2026-12-01T19:00:00+07:00", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("2026-12-01T12:00:00Z", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("2026-12-01T14:00:00+02:00", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
    ],
)
def test_times_are_station_time_unless_they_carry_an_offset(text: str, expected: datetime) -> None:
    assert parse_time(text, PP) == expected


@pytest.mark.parametrize(
    "text", ["tomorrow", "2026-12-01", "2026-13-01 19:00", "2026-12-01 25:00", "19:00", ""]
)
def test_malformed_times_name_the_field(text: str) -> None:
    with pytest.raises(BadInput, match="--at"):
        parse_time(text, PP, "--at")


def test_a_wall_time_skipped_by_a_clock_change_is_refused() -> None:
    with pytest.raises(BadInput, match="does not exist"):
        parse_time("2027-03-28 01:30", ZoneInfo("Europe/London"))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("25m", 1500), ("1h30m", 5400), ("1h", 3600), ("2h5m10s", 7510), ("1.5s", 1.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10", "1d", "m", "-5m", "0s", "5 minutes"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(BadInput, match="duration"):
        parse_duration(text)


def test_durations_print_back_as_typed() -> None:
    assert [format_duration(s) for s in (90, 1500, 5400, 24.4, 0)] == [
        "1m30s",
        "25m",
        "1h30m",
        "24s",
        "0s",
    ]


def test_times_show_in_the_station_zone() -> None:
    moment = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert iso_local(moment, PP) == "2026-12-01T19:00:00+07:00"
    assert show_local(moment, PP) == "2026-12-01 19:00"
