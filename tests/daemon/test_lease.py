from datetime import UTC, datetime, timedelta

from broadcaster.daemon import lease
from broadcaster.station import Station

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TTL = timedelta(seconds=5)


def hold(station: Station, who: str, at: datetime) -> bool:
    with station.sessions.begin() as s:
        return lease.hold(s, who, at, TTL)


def test_one_holder_at_a_time_and_takeover_after_lapse(station: Station) -> None:
    assert hold(station, "a", T0)
    assert not hold(station, "b", T0 + timedelta(seconds=1))
    assert hold(station, "a", T0 + timedelta(seconds=4))  # renewed until 9 s
    assert not hold(station, "b", T0 + timedelta(seconds=8))
    assert hold(station, "b", T0 + timedelta(seconds=9))  # a lapsed
    assert not hold(station, "a", T0 + timedelta(seconds=10))
    with station.sessions() as s:
        assert lease.current_holder(s, T0 + timedelta(seconds=10)) == "b"
        assert lease.current_holder(s, T0 + timedelta(seconds=15)) is None


def test_release_hands_over_at_once(station: Station) -> None:
    assert hold(station, "a", T0)
    with station.sessions.begin() as s:
        lease.release(s, "a", T0 + timedelta(seconds=1))
    assert hold(station, "b", T0 + timedelta(seconds=1))


def test_racing_daemons_never_both_win(station: Station) -> None:
    from concurrent.futures import ThreadPoolExecutor

    for round_ in range(5):
        at = T0 + timedelta(minutes=round_)  # every earlier lease has lapsed
        with ThreadPoolExecutor(8) as pool:
            wins = list(pool.map(lambda n, t=at: hold(station, f"d{n}", t), range(8)))
        assert wins.count(True) == 1, wins
