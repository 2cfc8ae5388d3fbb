from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from broadcaster.errors import BadInput
from broadcaster.schedule.recurrence import expand

PP = ZoneInfo("Asia/Phnom_Penh")
FIRST = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 19:00 in Phnom Penh


def test_no_rule_is_one_slot() -> None:
    assert expand(FIRST, None, PP) == [FIRST]


def test_weekly_count() -> None:
    starts = expand(FIRST, "FREQ=WEEKLY;COUNT=4", PP)
    assert [s.day for s in starts] == [1, 8, 15, 22]
    assert all(s.astimezone(PP).hour == 19 for s in starts)


def test_until_and_rrule_prefix() -> None:
    starts = expand(FIRST, "RRULE:FREQ=DAILY;UNTIL=20261204T235959", PP)
    assert len(starts) == 4


def test_repeats_keep_the_wall_clock_across_a_clock_change() -> None:
    ny = ZoneInfo("America/New_York")
    first = datetime(2027, 3, 7, 19, 0, tzinfo=ny).astimezone(UTC)
    starts = expand(first, "FREQ=WEEKLY;COUNT=2", ny)
    assert [s.astimezone(ny).hour for s in starts] == [19, 19]
    assert (starts[1] - starts[0]).total_seconds() == 7 * 86400 - 3600


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=WEEKLY", "never ends"),
        ("FREQ=SOMETIMES;COUNT=3", "not an RRULE"),
        ("nonsense", "not an RRULE"),
        ("FREQ=MINUTELY;COUNT=20000", "more than"),
    ],
)
def test_bad_rules(rule: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        expand(FIRST, rule, PP)
