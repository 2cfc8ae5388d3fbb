"""Provinces through `broadcaster run`: a master icecast2 and two icecast2 servers relaying
its mount to three provinces, a province that posts heartbeats and one with nothing
configured. One relay server is stopped 10 s into a 40-s slot and started again at 20 s.
The as-run log shows that province `partial` with one gap of about 10 s, the others
`full`, the heartbeat province `full`, the silent one `unknown`; `report airtime` agrees.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import update

from broadcaster.config import load_settings
from broadcaster.db.models import Slot
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from broadcaster.web.server import WebServer
from tests.conftest import run_cli
from tests.daemon.running import DaemonProcess, sleep_until, slot_in, tone_episode
from tests.integration.servers import ICECAST_PASSWORD, Icecast

pytestmark = pytest.mark.timeout(240)

SLOT_S = 40
DOWN_AT, UP_AT = 10, 20
PROVINCES = ("PNH", "KDL", "SRP", "TKO", "BTB")


@pytest.fixture
def relays(icecast: Icecast) -> Iterator[tuple[Icecast, Icecast]]:
    """Two provincial servers relaying the station's mount: PNH and KDL on one, SRP on the
    other (`<on-demand>0`, `master-update-interval` 1)."""
    a = Icecast(relays=((icecast.port, "/sarika.mp3", "/pnh.mp3"),
                        (icecast.port, "/sarika.mp3", "/kdl.mp3")))  # fmt: skip
    b = Icecast(relays=((icecast.port, "/sarika.mp3", "/srp.mp3"),))
    a.start()
    b.start()
    yield a, b
    a.close()
    b.close()


def write_config(folder: Path, master: Icecast, a: Icecast, b: Icecast) -> Path:
    config = folder / "broadcaster.toml"
    config.write_text(
        f"""[station]
database = "sqlite:///var/broadcaster.db"
aircheck_dir = "var/airchecks"
relay_poll_s = 1
[web]
listen = "127.0.0.1:0"
[radio]
icecast = "{master.url()}"
bitrate_kbps = 64
[[province]]
code = "PNH"
name = "Phnom Penh"
relay = "{a.url("/pnh.mp3")}"
[[province]]
code = "KDL"
name = "Kandal"
relay = "{a.url("/kdl.mp3")}"
[[province]]
code = "SRP"
name = "Siem Reap"
name_km = "សៀមរាប"
relay = "{b.url("/srp.mp3")}"
[[province]]
code = "TKO"
name = "Takeo"
[[province]]
code = "BTB"
name = "Battambang"
""",
        encoding="utf-8",
    )
    return config


def post_heartbeats(url: str, token: str, until: float, answers: list[int]) -> None:
    """What a relay site without a pollable mount does: say every second that it carries."""
    while time.time() < until:
        try:
            got = requests.post(
                f"{url}/api/provinces/TKO/heartbeat",
                headers={"Authorization": f"Bearer {token}"},
                json={"carrying": True, "listeners": 7},
                timeout=5,
            )
            answers.append(got.status_code)
        except requests.RequestException:
            answers.append(0)
        time.sleep(1.0)


def wait_for_mount(server: Icecast, mount: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while server.mount(mount) is None:
        assert time.monotonic() < deadline, f"{mount} never relayed:\n{server.log()}"
        time.sleep(0.1)


def test_relays_polled_heartbeats_stored_and_the_report_agrees_with_the_asrun(
    tmp_path: Path,
    icecast: Icecast,
    relays: tuple[Icecast, Icecast],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = relays
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, icecast, a, b)
    settings = load_settings(config, env={})
    initialise(settings)
    station = Station.open(settings)
    made = run_cli("province", "token", "TKO", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()

    start = (datetime.now(UTC) + timedelta(seconds=12)).replace(microsecond=0)
    episode = tone_episode(station, tmp_path, SLOT_S + 5, "ការសន្ទនា ខេត្ត")
    slot_id, _ = slot_in(station, episode, 0, SLOT_S, at=start, destinations=("radio",))
    with station.sessions.begin() as session:
        session.execute(update(Slot).where(Slot.id == slot_id).values(provinces=list(PROVINCES)))

    web = WebServer(station).start()
    daemon = DaemonProcess(tmp_path, {"ICECAST_SOURCE_PASSWORD": ICECAST_PASSWORD},
                           "--exit-when-idle")  # fmt: skip
    answers: list[int] = []
    beats = threading.Thread(
        target=post_heartbeats,
        args=(web.url, token, start.timestamp() + SLOT_S + 1, answers),
        daemon=True,
    )
    try:
        daemon.wait_for("connected to the mount")
        beats.start()
        for server, mount in ((a, "/pnh.mp3"), (a, "/kdl.mp3"), (b, "/srp.mp3")):
            wait_for_mount(server, mount)
        assert datetime.now(UTC) < start, "the relays came up too late to test"
        sleep_until(start + timedelta(seconds=DOWN_AT))
        b.stop()  # Siem Reap's transmitter site loses power...
        sleep_until(start + timedelta(seconds=UP_AT))
        b.start()  # ...and comes back; its relay picks the mount up again by itself
        assert daemon.wait(120) == 0, daemon.log()
    finally:
        daemon.stop()
        if beats.is_alive():
            beats.join(10)
        web.stop()
    station.close()
    assert answers and set(answers) == {200}, answers

    shown = run_cli("asrun", "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    [radio] = [r for r in json.loads(shown.stdout) if r["leg"] == "radio"]
    assert radio["status"] == "aired", radio
    provinces = {p["code"]: p for p in radio["provinces"]}
    log = daemon.log()
    assert list(provinces) == list(PROVINCES), radio["provinces"]
    status = {code: p["status"] for code, p in provinces.items()}
    assert status == {"PNH": "full", "KDL": "full", "SRP": "partial", "TKO": "full",
                      "BTB": "unknown"}, (status, log)  # fmt: skip

    # Siem Reap: carried up to the outage and again after it, one hole of about 10 s.
    srp = provinces["SRP"]
    segments = [
        (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
        for s in srp["segments"]
    ]
    assert len(segments) == 2, srp
    hole = (segments[1][0] - segments[0][1]).total_seconds()
    assert abs(hole - (UP_AT - DOWN_AT)) <= 4, srp
    assert abs((segments[0][1] - start).total_seconds() - DOWN_AT) <= 2, srp
    assert segments[0][0] == start and segments[1][1] == start + timedelta(seconds=SLOT_S)
    assert abs(srp["carried_s"] - (SLOT_S - hole)) < 0.01
    for code in ("PNH", "KDL", "TKO"):
        assert provinces[code]["carried_s"] >= 0.98 * SLOT_S, provinces[code]
    assert provinces["TKO"]["peak_listeners"] == 7
    assert provinces["PNH"]["peak_listeners"] is not None
    assert provinces["BTB"] == {"code": "BTB", "status": "unknown", "carried_s": 0.0,
                                "peak_listeners": None, "segments": []}  # fmt: skip
    # The relay going off and coming back is in the daemon's log (never a traceback).
    assert "province SRP: relay not carrying the feed" in log and "Traceback" not in log

    # The text as-run shows one compact line per province not carried in full.
    text = run_cli("asrun", cwd=tmp_path).stdout
    assert "SRP   partial" in text and "BTB   unknown" in text and "PNH   full" not in text

    # The airtime report by province agrees with the as-run rows.
    report = run_cli("report", "airtime", "--by", "province", "--format", "json", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    rows = {r["key"]: r for r in json.loads(report.stdout)}
    assert list(rows) == list(PROVINCES)
    for code, carried in provinces.items():
        row = rows[code]
        assert row["slots"] == 1 and row["scheduled_min"] == round(SLOT_S / 60, 2)
        assert row["aired_min"] == pytest.approx(carried["carried_s"] / 60, abs=0.006)
        assert row["statuses"][carried["status"]] == 1 and sum(row["statuses"].values()) == 1
