"""The aircheck folder's disk fills mid-slot (a 2 MB tmpfs, in the daemon's own mount
namespace): each leg's recorded airtime matches what its files hold, the gap's cause is
`disk full`, and no empty file is left behind."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.config import load_settings
from broadcaster.db.models import AsRunLeg
from broadcaster.db.reference import initialise
from broadcaster.station import Station
from tests.conftest import REPO
from tests.daemon.running import slot_in, tone_episode
from tests.integration.conftest import ffprobe_duration

pytestmark = pytest.mark.timeout(120)

SLOT_S = 30
SCRIPT = """
mount -t tmpfs -o size=2m tmpfs var/airchecks || exit 3
head -c 1600k /dev/zero > var/airchecks/filler   # about 14 s of the two legs' audio left
code=0
"$BROADCASTER_EXE" run --no-web --exit-when-idle > daemon.log 2>&1 || code=$?
rm var/airchecks/filler
ls -la var/airchecks > listing.txt
cp -a var/airchecks/. kept/
exit $code
"""


def test_an_aircheck_folder_that_fills_mid_slot(tmp_path: Path) -> None:
    (tmp_path / "broadcaster.toml").write_text(
        '[station]\ndatabase = "sqlite:///var/broadcaster.db"\naircheck_dir = "var/airchecks"\n'
    )
    (tmp_path / "var" / "airchecks").mkdir(parents=True)
    (tmp_path / "kept").mkdir()
    settings = load_settings(tmp_path / "broadcaster.toml")
    initialise(settings)
    station = Station.open(settings)
    episode = tone_episode(station, tmp_path, SLOT_S + 10, "Full disk")
    slot_id, start = slot_in(station, episode, 7, SLOT_S)
    exe = Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin" / "broadcaster"
    own_namespace = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-Urm"]
    done = subprocess.run(
        [*own_namespace, "sh", "-c", SCRIPT],
        cwd=tmp_path,
        env={**os.environ, "BROADCASTER_EXE": str(exe)},
        timeout=100,
        check=False,
    )
    log = (tmp_path / "daemon.log").read_text()
    assert done.returncode == 0, log
    listing = (tmp_path / "listing.txt").read_text()
    with station.sessions() as session:
        rows = session.scalars(select(AsRunLeg).where(AsRunLeg.slot_id == slot_id)).all()
    station.close()
    assert {r.leg for r in rows} == {"radio", "facebook"}
    for row in rows:
        files = sorted((tmp_path / "kept").glob(f"*slot{slot_id}-{row.leg}*.mp3"))
        assert files, listing
        assert all(f.stat().st_size > 0 for f in files), listing  # no empty files
        held = sum(ffprobe_duration(f) for f in files)
        assert row.status == "partial", (row.leg, row.status, row.gaps)
        assert row.gaps[-1]["cause"] == "disk full", row.gaps
        assert row.actual_start is not None and row.actual_end is not None
        off = sum(
            (
                min(_t(g["end"]), row.actual_end) - max(_t(g["start"]), row.actual_start)
            ).total_seconds()
            for g in row.gaps
        )
        aired = (row.actual_end - row.actual_start).total_seconds() - off
        assert abs(aired - held) < 1.0, (row.leg, aired, held, row.gaps, listing)
        assert held < SLOT_S - 5, "the disk never filled"
    assert start + timedelta(seconds=SLOT_S) <= max(r.actual_end for r in rows if r.actual_end)


def _t(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text)
