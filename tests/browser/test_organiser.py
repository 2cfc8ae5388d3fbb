"""An organiser in a browser: filters the airtime log by province and downloads CSVs whose
rows match `broadcaster report airtime`; reads the province table and charts; sees no
write controls; a forged POST without the CSRF token is refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from broadcaster.db.models import Slot
from tests.browser.conftest import Visit, browser_for
from tests.browser.seed import KHMER_TITLE, seed_record, waiting_calls
from tests.conftest import add_episode_row, run_cli
from tests.web.conftest import Api
from tests.web.helpers import PP, later

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # a spreadsheet opens the Khmer titles as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def download(visit: Visit, link: str) -> str:
    with visit.page.expect_download() as info:
        visit.page.locator(link).click()
    return Path(info.value.path()).read_text(encoding="utf-8")


def test_an_organiser_filters_the_log_by_province_and_downloads_csv(
    any_site: Api, chromium: Any, screenshots: Path, db_url: str
) -> None:
    site = any_site
    slot_ids = seed_record(site.station)
    today = datetime.now(PP).date()
    first, last = today - timedelta(days=14), today
    with browser_for(chromium, site.url, screenshots) as visit:
        visit.sign_in(site.organiser)
        assert "Signed in as sokha (organiser)" in visit.text("header")
        visit.go(f"/log?from={first}&to={last}")
        assert f"{len(slot_ids) * 2} legs found" in visit.text("#log-count")
        visit.page.get_by_label("Province").select_option("SRP")
        visit.page.get_by_role("button", name="Show").click()
        visit.page.wait_for_url("**province=SRP**")
        shown = visit.text("#log-count")
        visit.snap("log-organiser-srp")
        rows = read_csv(download(visit, "#log-csv"))
        report_page = download(visit, "#report-csv")

    # the log's radio rows for SRP are the slots `report airtime` counts for SRP
    cli = run_cli(
        "report", "airtime", "--by", "province", "--format", "csv",
        "--from", f"{first} 00:00", "--to", f"{last + timedelta(days=1)} 00:00",
        env={"BROADCASTER_DB": db_url}, cwd=site.folder,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert report_page == cli.stdout.rstrip("\n") + ("\n" if report_page.endswith("\n") else "")
    [srp] = [r for r in read_csv(cli.stdout) if r["key"] == "SRP"]
    radio = [r for r in rows if r["leg"] == "radio"]
    assert {r["province"] for r in rows} == {"SRP"}
    assert len(radio) == int(srp["slots"]) and f"{len(rows)} legs found" in shown
    carried = Counter(r["carriage"] for r in radio)
    for status in ("full", "partial", "none", "unknown"):
        assert carried[status] == int(srp[f"statuses.{status}"]), status
    assert {r["title"] for r in rows} == {KHMER_TITLE, "Farming today"}


def test_an_organiser_reads_the_province_table_and_charts(site: Api, visit: Visit) -> None:
    seed_record(site.station)
    visit.sign_in(site.organiser)
    visit.go("/provinces")
    table = visit.page.locator("#provinces tbody tr")
    assert table.count() == 15
    srp = visit.page.locator("#provinces tr[data-province='SRP']")
    assert "Siem Reap" in srp.inner_text()
    charts = visit.page.locator("svg[role='img']")
    assert charts.count() == 4
    names = [charts.nth(i).get_attribute("aria-label") for i in range(4)]
    assert names == [
        "Minutes aired per province",
        "Call-ins per province",
        "Minutes aired per partner",
        "Call-ins per partner",
    ]
    assert "UNICEF" in charts.nth(2).inner_html()  # labels drawn as text, no script needed
    visit.snap("provinces-organiser")
    visit.page.get_by_role("link", name="ខ្មែរ").click()
    visit.page.wait_for_load_state()
    assert "សៀមរាប" in visit.text("#provinces")
    visit.snap("provinces-organiser-khmer")


def post_forms(visit: Visit) -> int:
    """Forms that change something, other than signing out."""
    return int(visit.page.locator("form[method='post']:not([action='/logout'])").count())


def test_an_organiser_sees_no_write_controls_and_forged_posts_are_refused(
    site: Api, chromium: Any, screenshots: Path
) -> None:
    seed_record(site.station, days=3)
    waiting_calls(site.station)
    episode = add_episode_row(site.station, "Talk", seconds=600)
    with site.station.sessions() as session:
        before = session.scalar(select(func.count()).select_from(Slot))
    with browser_for(chromium, site.url, screenshots) as visit:
        visit.sign_in(site.organiser)
        for path in ("/", "/week", "/episodes", "/on-air", "/log", "/provinces"):
            visit.go(path)
            assert post_forms(visit) == 0, path
            assert visit.page.locator("input[type='file'], #add-form, #upload-form").count() == 0
        visit.go("/on-air")
        assert "school fees" in visit.text("#callins")  # the queue, read only
        assert visit.page.locator("#callins button").count() == 0
        visit.snap("on-air-organiser")
        for forged in (
            {"episode_id": str(episode), "start": later(3)},
            {"episode_id": str(episode), "start": later(3), "csrf_token": "guess"},
        ):
            answer = visit.page.request.post(site.url + "/week/slots", form=forged)
            assert answer.status == 403
        api = visit.page.request.post(
            site.url + "/api/slots", data={"episode_id": episode, "start": later(3)}
        )
        assert api.status == 403

    with browser_for(chromium, site.url, screenshots) as operator:
        operator.sign_in(site.operator)
        operator.go("/on-air")
        assert operator.page.locator("#callins button").count() > 0
        # an operator's own browser, tricked into posting from elsewhere: no token, refused
        answer = operator.page.request.post(
            site.url + "/week/slots", form={"episode_id": str(episode), "start": later(3)}
        )
        assert answer.status == 403 and "reload the page" in answer.text()
        moved = operator.page.request.post(
            site.url + "/on-air/callins/1", form={"state": "dropped"}
        )
        assert moved.status == 403
        # the real button works
        row = operator.page.locator("#callins tr", has_text="school fees")
        row.get_by_role("button", name="On air").click()
        operator.page.wait_for_load_state()
        assert (
            "on air"
            in operator.page.locator("#callins tr", has_text="school fees").inner_text().lower()
        )
    with site.station.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Slot)) == before
