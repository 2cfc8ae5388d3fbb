from datetime import UTC, datetime, timedelta

import pytest

from broadcaster.daemon.timeline import Action, cue

START = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
END = START + timedelta(minutes=30)
LEAD = timedelta(milliseconds=300)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_a_future_slot_is_armed_ahead_of_its_start() -> None:
    c = cue(START, END, "scheduled", at(-3600), LEAD)
    assert c.action is Action.ARM and c.at == START - LEAD


@pytest.mark.parametrize("status", ["scheduled", "on_air"])
def test_inside_a_slot_the_legs_resume_at_the_offset(status: str) -> None:
    c = cue(START, END, status, at(754.5), LEAD)
    assert c.action is Action.RESUME and c.offset_s == 754.5


def test_after_its_end_an_unaired_slot_is_missed() -> None:
    assert cue(START, END, "scheduled", END, LEAD).action is Action.MISS
    assert cue(START, END, "on_air", END + timedelta(hours=1), LEAD).action is Action.NOTHING


@pytest.mark.parametrize("status", ["cancelled", "aired", "partial", "failed", "missed"])
def test_finished_or_cancelled_slots_need_nothing(status: str) -> None:
    assert cue(START, END, status, at(10), LEAD).action is Action.NOTHING
