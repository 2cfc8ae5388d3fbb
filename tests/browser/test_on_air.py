"""The on-air panel refreshes by itself: a short real slot, aired by the daemon (`broadcaster
run`, as the daemon tests run it) to aircheck files, shows on the panel within 3 s of its
start, with each leg, the elapsed and remaining time, then leaves it when it ends."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser.conftest import Visit
from tests.daemon.running import DaemonProcess, slot_in, tone_episode
from tests.web.conftest import Api

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
KHMER_TITLE = "ផ្សាយផ្ទាល់: សំណួរពីអ្នកស្ដាប់"


def test_the_on_air_panel_shows_a_slot_going_on_air_within_3_s(site: Api, visit: Visit) -> None:
    episode = tone_episode(site.station, site.folder, 6, title=KHMER_TITLE)
    daemon = DaemonProcess(site.folder, {"BROADCASTER_DB": str(site.station.settings.database_url)})
    try:
        daemon.wait_for("ready in")
        visit.sign_in(site.operator)
        slot_id, start = slot_in(site.station, episode, 4, 6)
        visit.go("/on-air")
        panel = visit.page.locator("#on-air-panel")
        assert "Nothing on air" in panel.inner_text()
        assert KHMER_TITLE in panel.inner_text()  # next up
        legs = panel.locator(f".leg[data-slot='{slot_id}'][data-state='on_air']")
        legs.first.wait_for(timeout=15_000)
        seen_after = (datetime.now(UTC) - start).total_seconds()
        assert seen_after <= 3.0, f"on the panel {seen_after:.1f} s after the slot's start"
        visit.page.wait_for_function(
            "n => document.querySelectorAll('.leg[data-state=\"on_air\"]').length === n", arg=2
        )
        shown = panel.inner_text()
        assert KHMER_TITLE in shown and "Elapsed" in shown and "Remaining" in shown
        visit.snap("on-air-live")
        texts: list[Any] = panel.locator(".leg h3").all_inner_texts()
        assert sorted(t.split(":")[0] for t in texts) == ["facebook", "radio"]
        panel.get_by_text("Nothing on air").wait_for(timeout=20_000)  # it ended
    finally:
        daemon.signal(signal.SIGTERM)
        assert daemon.wait() == 0, daemon.log()
