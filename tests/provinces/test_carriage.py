"""Carriage from reports, without a clock, database or network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from broadcaster.provinces.carriage import (
    Carriage,
    CarriageStatus,
    Report,
    Segment,
    carriage,
    carried_segments,
    combine,
    silence,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOLD = timedelta(seconds=3)


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def polls(carrying: dict[float, bool], listeners: int | None = None) -> list[Report]:
    return [Report(at(s), up, listeners if up else None) for s, up in sorted(carrying.items())]


def test_each_report_holds_until_the_next_and_segments_are_clipped_to_the_slot() -> None:
    reports = polls({-1: True, 10: True, 11: False, 15: False, 20: True, 45: True})
    assert carried_segments(reports, at(0), at(40)) == [
        Segment(at(0), at(11)),
        Segment(at(20), at(40)),
    ]


def test_a_relay_up_throughout_is_full_and_one_ten_second_outage_is_partial() -> None:
    up = polls({s: True for s in range(-1, 41)}, listeners=4)
    got = carriage(up, at(0), at(40), at(41), HOLD)
    assert got.status is CarriageStatus.FULL and got.carried_s == 40.0
    assert got.segments == (Segment(at(0), at(40)),) and got.peak_listeners == 4
    outage = polls({s: not 10 <= s < 20 for s in range(-1, 41)})
    got = carriage(outage, at(0), at(40), at(41), HOLD)
    assert got.status is CarriageStatus.PARTIAL and got.carried_s == 30.0
    assert got.segments == (Segment(at(0), at(10)), Segment(at(20), at(40)))


def test_full_means_at_least_98_percent() -> None:
    late = polls({0.8: True, 41: True})  # nothing known about the first 0.8 s of 40
    assert carriage(late, at(0), at(40), at(40), HOLD).status is CarriageStatus.FULL
    later = polls({0.81: True, 41: True})
    assert carriage(later, at(0), at(40), at(40), HOLD).status is CarriageStatus.PARTIAL


def test_down_throughout_is_none_and_nothing_reported_is_unknown() -> None:
    down = polls({s: False for s in range(0, 40, 5)})
    got = carriage(down, at(0), at(40), at(40), HOLD)
    assert (got.status, got.carried_s, got.segments) == (CarriageStatus.NONE, 0.0, ())
    assert carriage([], at(0), at(40), at(40), HOLD).status is CarriageStatus.UNKNOWN
    stale = [Report(at(-600), True, 3)]  # a heartbeat from long before the slot says nothing
    got = carriage(stale, at(0), at(40), at(40), HOLD)
    assert (got.status, got.peak_listeners) == (CarriageStatus.UNKNOWN, None)


def test_silent_for_three_periods_counts_as_not_carrying_from_the_last_report() -> None:
    reports = [Report(at(0), True), Report(at(5), True)]
    assert silence(reports, at(7.9), HOLD) is None  # not yet
    quiet = silence(reports, at(8.1), HOLD)
    assert quiet == Report(at(5), False)
    assert silence([*reports, quiet], at(30), HOLD) is None  # said once
    got = carriage([*reports, quiet, Report(at(30), True)], at(0), at(40), at(40), HOLD)
    assert got.segments == (Segment(at(0), at(5)), Segment(at(30), at(40)))
    assert silence([Report(at(0), False)], at(30), HOLD) is None


def test_watching_stopped_early_counts_only_what_was_watched() -> None:
    up = polls({s: True for s in range(-1, 20)})
    got = carriage(up, at(0), at(40), at(20), HOLD)  # the daemon stopped 20 s in
    assert got.segments == (Segment(at(0), at(20)),) and got.status is CarriageStatus.PARTIAL


def test_two_watches_of_one_slot_combine() -> None:
    first = carriage(polls({s: True for s in range(-1, 15)}), at(0), at(40), at(15), HOLD)
    second = carriage(polls({s: True for s in range(15, 41)}, 9), at(0), at(40), at(40), HOLD)
    both = combine(first, second, at(0), at(40))
    assert both.segments == (Segment(at(0), at(40)),) and both.status is CarriageStatus.FULL
    assert both.peak_listeners == 9
    nothing = Carriage(CarriageStatus.UNKNOWN, (), 0.0, None)
    assert combine(nothing, nothing, at(0), at(40)).status is CarriageStatus.UNKNOWN
    assert combine(None, second, at(0), at(40)) is second
