"""SPEC B1, seen from the servers: primed legs put their first audio out at the slot's start.

A timestamping proxy in front of icecast2 and nginx-rtmp notes when each leg connected and
when its first audio arrived. The bound is generous (this is not a benchmark: bench b1 is),
but the legs must have connected well before the start, not been started late by design.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from broadcaster.outputs import IcecastLeg, RtmpLeg
from broadcaster.playout import ARM_LEAD_S, LegPlan, SlotAiring, SlotPlan
from tests.integration.conftest import Media
from tests.integration.servers import ICECAST_PASSWORD, Icecast, NginxRtmp
from tests.integration.tap import AUDIO, Tap


def test_both_legs_connect_ahead_and_release_audio_at_the_start(
    media: Media, icecast: Icecast, nginx: NginxRtmp
) -> None:
    ice, rtmp = Tap(icecast.port, rtmp=False), Tap(nginx.port, rtmp=True)
    try:
        start = datetime.now(UTC) + timedelta(seconds=ARM_LEAD_S)
        legs = [
            LegPlan("radio", IcecastLeg("radio", str(media.tone), url=f"http://127.0.0.1:{ice.port}/b1.mp3", password=ICECAST_PASSWORD, title="B1"), "icecast"),  # noqa: E501
            LegPlan("facebook", RtmpLeg("facebook", str(media.tone), url=f"rtmp://127.0.0.1:{rtmp.port}/live/b1", card_loop=media.card_loop), "rtmp"),  # noqa: E501
        ]  # fmt: skip
        plan = SlotPlan(start, start + timedelta(seconds=4), 90.0, legs)
        records = SlotAiring(plan).start().wait()
    finally:
        ice.close()
        rtmp.close()
    assert [r.status for r in records] == ["aired", "aired"]
    instant, end = start.timestamp(), plan.end.timestamp()
    for tap in (ice, rtmp):
        (session,) = tap.media_sessions()
        assert session.opened < instant - 0.5  # connected ahead, while the audio was held
        assert -0.05 < session.first[AUDIO] - instant < 0.5
        assert abs(session.last[AUDIO] - end) < 0.5
    for rec in records:
        assert rec.actual_start == start and not rec.gaps
