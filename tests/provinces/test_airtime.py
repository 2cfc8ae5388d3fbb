"""The airtime report on each database: per province (time carried), episode and partner,
summed by the database; ranges; totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadcaster.reports.airtime import airtime_report, airtime_totals, columns
from broadcaster.station import Station
from tests.provinces.factories import carriage, episode, leg, slot

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KHMER = "ការសន្ទនា ១"


@pytest.fixture
def year(station: Station) -> Station:
    """Six slots of three episodes: aired, partial, missed, one still to come, one cancelled."""
    e1 = episode(station, KHMER, ["CCC", "CPDD"])
    e2 = episode(station, "Dialogue two", ["CCC", "CCC"])
    e3 = episode(station, "Dialogue three")
    s1 = slot(station, e1, T, 3600, destinations=("radio", "facebook"))
    leg(station, s1, T, 3600, gaps=[(60, 120)])  # radio: 59 min on air
    leg(station, s1, T, 3580, name="facebook")  # facebook: 59 min 40 s, the longer one
    s2 = slot(station, e1, T + timedelta(days=1), 3600, status="partial")
    leg(station, s2, T + timedelta(days=1), 1800, gaps=[(1700, None)], status="partial")
    slot(station, e2, T + timedelta(days=2), 1800, status="missed")
    slot(station, e2, T + timedelta(days=60), 1800, status="scheduled")
    slot(station, e2, T + timedelta(days=3, hours=5), 1800, status="cancelled")
    s6 = slot(station, e3, T + timedelta(days=3), 1800)
    leg(station, s6, T + timedelta(days=3), 1800)
    carriage(station, s1, "PNH", "full", 3600, segments=[(0, 3600)], peak=4)
    carriage(station, s1, "SRP", "partial", 3000, segments=[(0, 1000), (1600, 3600)])
    carriage(station, s2, "PNH", "partial", 1700, segments=[(0, 1700)])
    carriage(station, s2, "SRP", "none", 0)
    carriage(station, s6, "PNH", "unknown", 0)
    return station


def report(station: Station, by: str, start: datetime | None = None) -> dict[object, dict]:
    with station.sessions() as session:
        rows = airtime_report(session, station.settings.zone, start, None, by)
    return {r["key"]: r for r in rows}


def test_by_province_counts_the_time_carried(year: Station) -> None:
    rows = report(year, "province")
    assert len(rows) == 15 and list(rows)[:3] == ["PNH", "KDL", "TKO"]  # the provinces' order
    assert rows["PNH"] == {
        "key": "PNH", "name": "Phnom Penh", "slots": 3, "scheduled_min": 150.0,
        "aired_min": 88.33, "statuses": {"full": 1, "partial": 1, "none": 0, "unknown": 1},
    }  # fmt: skip
    assert rows["SRP"]["slots"] == 2 and rows["SRP"]["aired_min"] == 50.0
    assert rows["SRP"]["statuses"] == {"full": 0, "partial": 1, "none": 1, "unknown": 0}
    assert rows["KDL"]["slots"] == 0 and rows["KDL"]["aired_min"] == 0.0


def test_by_episode_counts_slots_that_came_round_and_their_longest_leg(year: Station) -> None:
    rows = report(year, "episode")
    assert [r["name"] for r in rows.values()] == [KHMER, "Dialogue two", "Dialogue three"]
    first, second, third = rows.values()
    # 59 min 40 s (facebook, the longer leg) + 28 min 20 s (radio until its open gap)
    assert (first["slots"], first["scheduled_min"], first["aired_min"]) == (2, 120.0, 88.0)
    assert first["statuses"] == {"aired": 1, "partial": 1, "failed": 0, "missed": 0, "on_air": 0}
    assert (second["slots"], second["aired_min"], second["statuses"]["missed"]) == (1, 0.0, 1)
    assert (third["slots"], third["scheduled_min"], third["aired_min"]) == (1, 30.0, 30.0)


def test_by_partner_sums_the_episodes_each_is_a_partner_of(year: Station) -> None:
    rows = report(year, "partner")
    assert list(rows) == ["CCC", "CPDD"]
    assert rows["CCC"]["slots"] == 3 and rows["CCC"]["aired_min"] == 88.0  # e2 named once
    assert rows["CCC"]["statuses"]["missed"] == 1 and rows["CCC"]["scheduled_min"] == 150.0
    assert rows["CPDD"]["slots"] == 2 and rows["CPDD"]["name"] == "CPDD"


def test_a_range_counts_the_slots_starting_in_it(year: Station) -> None:
    later = report(year, "province", T + timedelta(hours=12))
    assert later["PNH"]["slots"] == 2 and later["PNH"]["statuses"]["full"] == 0
    with year.sessions() as session:
        none = airtime_report(session, year.settings.zone, T, T + timedelta(minutes=1), "episode")
        assert [r["slots"] for r in none] == [1]
        assert (
            airtime_report(session, year.settings.zone, T - timedelta(days=9), T, "episode") == []
        )


def test_totals_sum_every_column(year: Station) -> None:
    rows = list(report(year, "province").values())
    total = airtime_totals(rows)
    assert total["key"] == "total" and total["slots"] == 5
    assert total["aired_min"] == 138.33 and total["scheduled_min"] == 270.0
    assert total["statuses"] == {"full": 1, "partial": 2, "none": 1, "unknown": 1}
    assert columns("province")[-1] == "statuses.unknown"
    assert columns("episode")[5:] == [
        "statuses.aired", "statuses.partial", "statuses.failed", "statuses.missed",
        "statuses.on_air",
    ]  # fmt: skip
