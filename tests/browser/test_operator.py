"""An operator in a browser: books a slot, sees it in the week, moves it, cancels it, is told
about an overlap next to the form; reads the pages in Khmer; uploads an episode and sees
its loudness, and a refused file with its reason."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from broadcaster.db.models import Episode, Slot
from broadcaster.schedule.times import format_duration
from tests.browser.conftest import Visit
from tests.conftest import add_episode_row, make_tone
from tests.web.conftest import Api
from tests.web.helpers import PP, later

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
KHMER_TITLE = "កិច្ចសន្ទនា ភាគ ១: សុខភាពសហគមន៍"


def slots(site: Api) -> list[tuple[int, datetime, str]]:
    with site.station.sessions() as session:
        rows = session.scalars(select(Slot).order_by(Slot.id)).all()
        return [(s.id, s.start.astimezone(PP), s.status) for s in rows]


def test_an_operator_books_moves_and_cancels_a_slot_in_the_week(site: Api, visit: Visit) -> None:
    episode = add_episode_row(site.station, KHMER_TITLE, seconds=1800)
    visit.go("/week")  # not signed in: to the sign-in form
    assert visit.page.url == site.url + "/login"
    visit.snap("sign-in")
    visit.sign_in(site.operator)
    assert "Signed in as dara (operator)" in visit.text("header")
    visit.snap("home-operator")
    start = later(7, 19)
    visit.go(f"/week?week={start[:10]}")
    form = visit.page.locator("#add-form")
    form.get_by_label("Episode").select_option(str(episode))
    form.get_by_label("Start").fill(start)
    form.get_by_role("button", name="Book").click()
    visit.page.wait_for_url("**done=booked")
    [(slot_id, begins, status)] = slots(site)
    assert (begins.strftime("%Y-%m-%d %H:%M"), status) == (start, "scheduled")
    shown = visit.page.locator(f"#slot-{slot_id}")
    assert "19:00–19:30" in shown.inner_text() and KHMER_TITLE in shown.inner_text()
    visit.snap("week-operator")

    # the same time again: refused beside the form, naming the slot it hits; nothing stored
    form = visit.page.locator("#add-form")
    form.get_by_label("Episode").select_option(str(episode))
    form.get_by_label("Start").fill(start.replace("19:00", "19:15"))
    form.get_by_role("button", name="Book").click()
    alert = visit.page.locator("#add-error")
    assert "overlap" in alert.inner_text() and f"slot {slot_id}" in alert.inner_text()
    assert visit.page.locator("#add-form + #add-error").count() == 1  # next to the form
    assert len(slots(site)) == 1
    visit.snap("week-conflict")

    # move it an hour later
    visit.go(f"/week?week={start[:10]}")
    shown = visit.page.locator(f"#slot-{slot_id}")
    shown.locator("summary").click()
    shown.get_by_label("Move to").fill(start.replace("19:00", "20:00"))
    shown.get_by_role("button", name="Move").click()
    visit.page.wait_for_url("**done=moved")
    assert "20:00–20:30" in visit.page.locator(f"#slot-{slot_id}").inner_text()
    assert slots(site)[0][1].strftime("%H:%M") == "20:00"

    # a move onto another slot: refused next to that slot's form, nothing moved
    other = add_episode_row(site.station, "Farming today", seconds=1800)
    visit.go(f"/week?week={start[:10]}")
    form = visit.page.locator("#add-form")
    form.get_by_label("Episode").select_option(str(other))
    form.get_by_label("Start").fill(start.replace("19:00", "21:00"))
    form.get_by_role("button", name="Book").click()
    visit.page.wait_for_url("**done=booked")
    shown = visit.page.locator(f"#slot-{slot_id}")
    shown.locator("summary").click()
    shown.get_by_label("Move to").fill(start.replace("19:00", "21:10"))
    shown.get_by_role("button", name="Move").click()
    refused = visit.page.locator(f"#slot-{slot_id} #slot-error-{slot_id}")
    assert "overlap" in refused.inner_text() and "Farming today" in refused.inner_text()
    assert [s[1].strftime("%H:%M") for s in slots(site)] == ["20:00", "21:00"]
    visit.snap("week-move-refused")

    # cancel it: gone from the week, kept in the database as cancelled
    visit.go(f"/week?week={start[:10]}")
    shown = visit.page.locator(f"#slot-{slot_id}")
    shown.locator("summary").click()
    shown.get_by_role("button", name="Cancel slot").click()
    visit.page.wait_for_url("**done=cancelled")
    assert visit.page.locator(f"#slot-{slot_id}").count() == 0
    assert [s[2] for s in slots(site)] == ["cancelled", "scheduled"]


def test_the_pages_read_in_khmer_with_the_font_the_app_serves(site: Api, visit: Visit) -> None:
    episode = add_episode_row(site.station, KHMER_TITLE, seconds=1800)
    fonts: list[tuple[str, int]] = []
    visit.page.on(
        "response", lambda r: fonts.append((r.url, r.status)) if ".ttf" in r.url else None
    )
    visit.sign_in(site.operator)
    visit.go(f"/week?week={later(7)[:10]}")
    form = visit.page.locator("#add-form")
    form.get_by_label("Episode").select_option(str(episode))
    form.get_by_label("Start").fill(later(7, 9))
    form.get_by_role("button", name="Book").click()
    visit.page.wait_for_url("**done=booked")
    visit.page.get_by_role("link", name="ខ្មែរ").click()
    visit.page.wait_for_load_state()
    assert visit.page.locator("html").get_attribute("lang") == "km"
    header = visit.text("header")
    assert "សប្ដាហ៍" in header and "ចាកចេញ" in header and "ប្រតិបត្តិករ" in header
    assert "កាលវិភាគប្រចាំសប្ដាហ៍" in visit.text("h1")
    assert KHMER_TITLE in visit.text(".week")
    loaded = visit.page.evaluate(
        "document.fonts.ready.then(() => document.fonts.check('16px \"Khmer OS Content\"', 'ក'))"
    )
    assert loaded
    assert fonts and all(url == site.url + "/static/khmer.ttf" and s == 200 for url, s in fonts)
    visit.snap("week-khmer")
    for path in ("/episodes", "/on-air", "/log", "/provinces"):
        visit.go(path)
        visit.snap(f"{path.strip('/')}-khmer")
    visit.page.get_by_role("link", name="English").click()
    visit.page.wait_for_load_state()
    assert visit.page.locator("html").get_attribute("lang") == "en"


def test_an_operator_uploads_an_episode_and_sees_its_loudness(
    site: Api, visit: Visit, tmp_path: Path
) -> None:
    recording = make_tone(tmp_path / "talk.mp3", 4)
    silence = tmp_path / "silence.mp3"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=d=3", str(silence)],
        check=True,
    )
    not_audio = tmp_path / "notes.mp3"
    not_audio.write_text("these are notes, not a recording\n" * 50)
    visit.sign_in(site.operator)
    visit.go("/episodes")
    form = visit.page.locator("#upload-form")
    form.get_by_label("Recording").set_input_files(str(not_audio))
    form.get_by_label("Title").fill("Notes")
    form.get_by_role("button", name="Upload").click()
    refused = visit.page.locator("#upload-error")
    refused.filter(has_text="notes.mp3").wait_for()
    assert "audio" in refused.inner_text().lower() or "not" in refused.inner_text().lower()
    visit.snap("episodes-refused")

    # a real recording of silence passes the first check, then preparation refuses it
    form.get_by_label("Recording").set_input_files(str(silence))
    form.get_by_label("Title").fill("Silence")
    form.get_by_role("button", name="Upload").click()
    refused.filter(has_text="silent").wait_for(timeout=60_000)
    assert "silence.mp3" in refused.inner_text() and str(tmp_path) not in refused.inner_text()

    jobs: list[dict[str, Any]] = []
    visit.page.on("response", lambda r: jobs.append(r.json()) if "/jobs/" in r.url else None)
    form.get_by_label("Recording").set_input_files(str(recording))
    form.get_by_label("Title").fill(KHMER_TITLE)
    form.get_by_label("Partners (comma-separated)").fill("UNICEF, Sarika FM")
    form.get_by_role("button", name="Upload").click()
    row = visit.page.locator("#episodes tbody tr", has_text=KHMER_TITLE)
    row.wait_for(timeout=90_000)
    with site.station.sessions() as session:
        episode = session.scalars(select(Episode).where(Episode.title == KHMER_TITLE)).one()
        lufs, peak = episode.loudness_lufs, episode.true_peak_dbtp
        duration = episode.duration_s
        assert episode.partners == ["UNICEF", "Sarika FM"]
    assert lufs is not None and peak is not None
    states = [job["state"] for job in jobs]  # the page followed the job's progress
    assert {"queued", "running"} & set(states) and set(states) <= {"queued", "running", "done"}
    assert row.locator(".loudness").inner_text() == f"{lufs:.1f}"
    assert row.locator(".peak").inner_text() == f"{peak:.1f}"
    assert format_duration(duration) in row.inner_text()
    card = row.locator("img.card-img")
    assert card.evaluate("img => img.complete && img.naturalWidth") == 1280
    visit.snap("episodes-uploaded")
