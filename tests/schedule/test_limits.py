"""Every input bounded (issue 12): the horizon, slots per request or file, years, durations."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcaster.errors import BadInput
from broadcaster.schedule.file import parse_schedule
from broadcaster.schedule.limits import Limits
from broadcaster.schedule.recurrence import expand
from broadcaster.schedule.times import parse_duration, parse_time

PP = ZoneInfo("Asia/Phnom_Penh")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FIRST = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LIMITS = Limits(max_occurrences=5000, horizon=timedelta(days=400), longest=timedelta(hours=8))


def problems_of(text: str) -> list[str]:
    return parse_schedule(text, PP, "s.toml", LIMITS, NOW).problems


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=HOURLY;COUNT=10000", "more than 5000 slots"),
        ("FREQ=DAILY;COUNT=1000000000", "horizon_days"),
        ("FREQ=DAILY;UNTIL=99991231", "horizon_days"),
        ("DTSTART:20300101T190000\nRRULE:FREQ=DAILY;COUNT=2", "DTSTART"),
        ("FREQ=DAILY;COUNT=2;DTSTART=20300101T190000", "DTSTART"),
        ("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30;COUNT=1", "never occur"),
    ],
)
def test_a_rule_beyond_the_limits_is_refused_naming_the_field_and_limit(
    rule: str, words: str
) -> None:
    with pytest.raises(BadInput, match="repeat") as err:
        expand(FIRST, rule, PP, limit=5000, until=LIMITS.until(NOW))
    assert words in str(err.value)


def test_a_rule_within_the_limits_still_expands() -> None:
    starts = expand(FIRST, "FREQ=DAILY;COUNT=400", PP, limit=5000, until=FIRST + timedelta(400))
    assert len(starts) == 400


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0001-01-01 00:00", "out of range (years 1900 to 9000)"),
        ("9999-12-31 23:59", "out of range"),
        ("0001-01-01T00:00+14:00", "out of range"),
    ],
)
def test_times_out_of_range_name_the_field(text: str, words: str) -> None:
    with pytest.raises(BadInput, match="--at") as err:
        parse_time(text, PP, "--at")
    assert words in str(err.value)


@pytest.mark.parametrize("text", ["99999999h", "9" * 40 + "h", "1" * 400 + "s"])
def test_huge_durations_name_the_field(text: str) -> None:
    with pytest.raises(BadInput, match=r"--in: .* too long"):
        parse_duration(text, "--in")


def test_the_horizon_and_the_longest_slot() -> None:
    LIMITS.check_start(NOW + timedelta(days=399), NOW, PP, "--at")
    with pytest.raises(BadInput, match=r"--at: .* horizon_days = 400"):
        LIMITS.check_start(NOW + timedelta(days=401), NOW, PP, "--at")
    LIMITS.check_length(8 * 3600, "duration")
    with pytest.raises(BadInput, match=r"duration: 100000h .* longest_slot = 8h"):
        LIMITS.check_length(100_000 * 3600, "duration")


def test_a_file_is_bounded_as_a_whole_not_rule_by_rule() -> None:
    """The issue's 5 KB file: 50 entries of FREQ=HOURLY;COUNT=100 each is 5,000 slots, each
    rule within the limit; one more entry is over it, and the rest are not even expanded."""
    head = 'series = "S"\n[[episode]]\nkey = "e"\ntitle = "T"\nfile = "e.mp3"\n'
    entry = '[[slot]]\nepisode = "e"\nat = "2027-01-{day:02d} 00:00"\nrepeat = "{rule}"\n'

    def file_of(n: int, rule: str) -> str:
        return head + "".join(entry.format(day=1 + i % 28, rule=rule) for i in range(n))

    assert problems_of(file_of(50, "FREQ=HOURLY;COUNT=100")) == []
    over = problems_of(file_of(51, "FREQ=HOURLY;COUNT=100"))
    assert over == [
        "s.toml: slot #51: the file makes more than 5000 slots (5100 up to this entry); at "
        "most 5000 from one schedule file ([station] max_occurrences)"
    ]
    attack = problems_of(file_of(50, "FREQ=HOURLY;COUNT=10000"))
    assert len(attack) == 50
    assert all("makes more than 5000 slots" in p for p in attack)


def test_a_file_names_the_horizon_and_the_live_duration() -> None:
    text = """
[[episode]]
key = "live"
title = "Call-in"
live = "http://127.0.0.1:8010/studio.mp3"
duration = "100000h"

[[slot]]
episode = "live"
at = "9999-01-01 19:00"

[[slot]]
episode = "live"
at = "2029-01-01 19:00"

[[slot]]
episode = "live"
at = "2027-01-01 19:00"
repeat = "DTSTART:20300101T190000\\nRRULE:FREQ=DAILY;COUNT=2"
"""
    found = problems_of(text)
    assert len(found) == 4, found
    assert "s.toml: episode #1: duration: 100000h is longer than the longest slot" in found[0]
    assert "longest_slot = 8h" in found[0]
    assert "slot #1: at: '9999-01-01 19:00' is out of range" in found[1]
    assert "slot #2: at: 2029-01-01 19:00 is more than 400 days ahead" in found[2]
    assert "slot #3: repeat:" in found[3] and "DTSTART" in found[3]


def test_a_series_name_fits_the_database() -> None:
    long = "S" * 255
    text = f'series = "{long}"\n[[episode]]\nkey = "e"\ntitle = "T"\nfile = "e.mp3"\n'
    assert problems_of(text) == ["s.toml: series: 255 characters; at most 254"]
    text = f'[[episode]]\nkey = "e"\ntitle = "T"\nfile = "e.mp3"\nseries = "{long}"\n'
    assert problems_of(text) == ["s.toml: episode #1: series: 255 characters; at most 254"]
