from datetime import UTC, datetime, timedelta

from broadcaster.playout.timing import Gap, backoff, leg_status, segment_at, slot_status

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
END = T0 + timedelta(minutes=30)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_leg_starts_at_zero_and_plays_the_episode() -> None:
    seg = segment_at(T0, T0, END, media_s=1200)
    assert seg is not None and (seg.offset_s, seg.duration_s, seg.fade_at_s) == (0, 1200, None)


def test_a_restart_resumes_where_the_leg_should_now_be() -> None:
    seg = segment_at(at(95.5), T0, END, media_s=1200)
    assert seg is not None and seg.offset_s == 95.5 and seg.duration_s == 1200 - 95.5


def test_an_overrunning_episode_fades_into_the_hard_end() -> None:
    seg = segment_at(at(600), T0, END, media_s=3600)
    assert seg is not None and seg.duration_s == 1200 and seg.fade_at_s == 1197


def test_an_episode_a_frame_too_long_is_clipped_not_faded() -> None:
    seg = segment_at(T0, T0, END, media_s=1800.05)  # an MP3's padding past a full slot
    assert seg is not None and (seg.duration_s, seg.fade_at_s) == (1800, None)


def test_early_launch_waits_for_nothing_and_late_ones_get_nothing() -> None:
    early = segment_at(at(-2), T0, END, media_s=100)
    assert early is not None and early.offset_s == 0 and early.duration_s == 100
    assert segment_at(at(1800), T0, END, media_s=3600) is None
    assert segment_at(at(100), T0, END, media_s=100) is None


def test_a_live_feed_lasts_the_slot() -> None:
    seg = segment_at(at(60), T0, END, media_s=None)
    assert seg is not None and seg.duration_s == 1740 and seg.fade_at_s == 1737


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in range(7)] == [0, 0.5, 1, 2, 4, 4, 4]


def test_leg_status_from_outcome_and_gaps() -> None:
    gap = Gap(at(10), at(12), "broken pipe")
    assert leg_status("done", T0, []) == "aired"
    assert leg_status("done", T0, [gap]) == "partial"
    assert leg_status("failed", T0, []) == "partial"
    assert leg_status("failed", None, [gap]) == "failed"
    assert leg_status("done", None, [gap]) == "failed"
    assert leg_status("done", None, []) == "missed"
    assert leg_status("cut", T0, []) == "cut"


def test_slot_status_from_leg_statuses() -> None:
    assert slot_status(["aired", "aired"]) == "aired"
    assert slot_status(["aired", "partial"]) == "partial"
    assert slot_status(["aired", "failed"]) == "partial"
    assert slot_status(["failed", "failed"]) == "failed"
    assert slot_status(["missed", "missed"]) == "missed"
    assert slot_status(["aired", "cut"]) == "partial"
    assert slot_status(["on_air", "aired"]) == "on_air"


def test_gaps_serialise_as_iso() -> None:
    assert Gap(at(1), None, "refused").as_json() == {
        "start": "2026-12-01T12:00:01+00:00",
        "end": None,
        "cause": "refused",
    }
