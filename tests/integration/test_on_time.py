"""SPEC B1, seen from the servers: the slot's first audio reaches them at the slot's start.

A timestamping proxy in front of icecast2 and nginx-rtmp notes when each connection opened
and when each byte came. The radio transmitter is on the mount before the slot (silence
until then): the slot's start at the server is where its sound begins in the stream the
server got. The bound is generous (this is not a benchmark: bench b1 is), but the legs
must have connected well before the start, not been started late by design, and the
as-run's `actual_start` must be what the server saw.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster.outputs import RtmpLeg
from broadcaster.outputs.radio import RadioLeg
from broadcaster.outputs.source import IcecastMount
from broadcaster.outputs.transmitter import Transmitter
from broadcaster.playout import ARM_LEAD_S, LegPlan, SlotAiring, SlotPlan
from tests.integration.conftest import Media
from tests.integration.servers import ICECAST_PASSWORD, Icecast, NginxRtmp, on_air_at_server
from tests.integration.tap import AUDIO, Tap

KBPS = 64


def transmitter_on(tap: Tap, mount: str) -> Transmitter:
    return Transmitter(
        IcecastMount("127.0.0.1", tap.port, mount, ICECAST_PASSWORD), bitrate_kbps=KBPS
    )


def test_both_legs_connect_ahead_and_release_audio_at_the_start(
    media: Media, icecast: Icecast, nginx: NginxRtmp, tmp_path: Path
) -> None:
    ice, rtmp = Tap(icecast.port, rtmp=False), Tap(nginx.port, rtmp=True)
    try:
        with transmitter_on(ice, "/b1.mp3") as transmitter:
            start = datetime.now(UTC) + timedelta(seconds=ARM_LEAD_S)
            legs = [
                LegPlan("radio", RadioLeg("radio", str(media.tone), transmitter, title="B1"), "icecast"),  # noqa: E501
                LegPlan("facebook", RtmpLeg("facebook", str(media.tone), url=f"rtmp://127.0.0.1:{rtmp.port}/live/b1", card_loop=media.card_loop), "rtmp"),  # noqa: E501
            ]  # fmt: skip
            plan = SlotPlan(start, start + timedelta(seconds=4), 90.0, legs)
            records = SlotAiring(plan).start().wait()
    finally:
        ice.close()
        rtmp.close()
    assert [r.status for r in records] == ["aired", "aired"]
    instant, end = start.timestamp(), plan.end.timestamp()
    (radio_session,) = ice.media_sessions()
    assert radio_session.opened < instant - 0.5  # on the mount ahead, silent until the start
    first, last = on_air_at_server(radio_session, tmp_path, KBPS)
    (fb_session,) = rtmp.media_sessions()
    assert fb_session.opened < instant - 0.5
    for on_air, off_air in ((first, last), (fb_session.first[AUDIO], fb_session.last[AUDIO])):
        assert -0.05 < on_air - instant < 0.5
        assert abs(off_air - end) < 0.5
    # The as-run start is what the server saw, not the plan.
    for rec, seen in zip(records, (first, fb_session.first[AUDIO]), strict=True):
        assert rec.actual_start is not None and not rec.gaps
        assert abs(rec.actual_start.timestamp() - seen) < 0.05, (rec.leg, rec.actual_start, seen)


def test_a_leg_whose_audio_reaches_the_server_late_is_logged_late(
    media: Media, icecast: Icecast, tmp_path: Path
) -> None:
    """The radio encoder is stopped over the instant: the slot's first audio reaches Icecast
    about 300 ms late, and the as-run's `actual_start` says so, to the server's own clock."""
    ice = Tap(icecast.port, rtmp=False)
    try:
        with transmitter_on(ice, "/late.mp3") as transmitter:
            start = datetime.now(UTC) + timedelta(seconds=ARM_LEAD_S)
            leg = RadioLeg("radio", str(media.tone), transmitter, title="Late")
            plan = SlotPlan(start, start + timedelta(seconds=4), 90.0,
                            [LegPlan("radio", leg, "icecast")])  # fmt: skip
            airing = SlotAiring(plan).start()
            assert transmitter._encoder is not None
            pid, instant = transmitter._encoder.pid, start.timestamp()
            time.sleep(max(0.0, instant - 0.1 - time.time()))
            os.kill(pid, signal.SIGSTOP)
            time.sleep(max(0.0, instant + 0.3 - time.time()))
            os.kill(pid, signal.SIGCONT)
            [rec] = airing.wait()
    finally:
        ice.close()
    (session,) = ice.media_sessions()
    first, _ = on_air_at_server(session, tmp_path, KBPS)
    arrived = first - instant
    assert 0.25 < arrived < 0.6, arrived  # the delay really reached the server
    assert rec.actual_start is not None
    logged = (rec.actual_start - start).total_seconds()
    assert abs(logged - arrived) < 0.05, (logged, arrived)
