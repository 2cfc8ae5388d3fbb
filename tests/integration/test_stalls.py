"""An encoder that stops sending (SIGSTOP) while its process lives: the gap in the as-run
log starts at the last progress the leg made and lasts as long as the stall, not from when
it was noticed; the other leg of the slot has no gap."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from broadcaster.playout import LegRecord, SlotAiring, air_slot
from broadcaster.station import Station
from tests.fakes.graph_api import FakeGraphApi
from tests.integration.conftest import Media, add_slot
from tests.integration.servers import Icecast, NginxRtmp

pytestmark = pytest.mark.timeout(120)

SLOT_S, STOP_AT = 24, 6.0


def encoder(kind: str) -> int:
    """The running ffmpeg of this test process that writes `kind` (`flv`: Facebook's RTMP
    leg; `mp3` to a pipe: the radio's encoder), from /proc."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid != me or not argv or not argv[0].endswith(b"ffmpeg"):
            continue
        args = [a for a in argv if a]
        tail = (b"-f", b"mp3", b"pipe:1") if kind == "mp3" else (b"-f", b"flv")
        end = args[-3:] if kind == "mp3" else args[-3:-1]
        if tuple(end) == tail:
            return int(entry.name)
    raise AssertionError(f"no {kind} encoder running")


def stall(kind: str, seconds: float, station: Station) -> Callable[[SlotAiring], None]:
    def schedule(airing: SlotAiring) -> None:
        def freeze() -> None:
            pid = encoder(kind)
            os.kill(pid, signal.SIGSTOP)
            time.sleep(seconds)
            os.kill(pid, signal.SIGCONT)  # (gone already if it was restarted: harmless)

        lead = (airing.plan.start - station.clock()).total_seconds()
        threading.Timer(lead + STOP_AT, freeze).start()

    return schedule


def stalled_gap(rec: LegRecord) -> float:
    (gap,) = rec.gaps
    assert gap.end is not None and rec.actual_start is not None
    assert abs((gap.start - rec.actual_start).total_seconds() - STOP_AT) < 1.5, gap
    return (gap.end - gap.start).total_seconds()


@pytest.mark.parametrize(
    ("kind", "seconds"), [("flv", 10.0), ("mp3", 7.0)], ids=["facebook-10s", "radio-7s"]
)
def test_a_stalled_encoder_is_a_gap_as_long_as_the_stall(
    on_air_station: Station, media: Media, icecast: Icecast, nginx: NginxRtmp,
    graph: FakeGraphApi, kind: str, seconds: float,
) -> None:  # fmt: skip
    slot_id = add_slot(on_air_station, media, seconds=SLOT_S)
    radio, facebook = air_slot(
        on_air_station, slot_id, card_loop=media.card_loop,
        on_air=stall(kind, seconds, on_air_station),
    )  # fmt: skip
    stalled, other = (facebook, radio) if kind == "flv" else (radio, facebook)
    assert stalled.status == "partial", stalled
    assert abs(stalled_gap(stalled) - seconds) < 1.5, stalled.gaps
    assert stalled.gaps[0].cause == "stalled"
    assert other.status == "aired" and other.gaps == [], other
