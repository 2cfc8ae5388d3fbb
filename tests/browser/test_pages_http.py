"""The pages over plain HTTP (no browser): sign-in is required, the log's filters keep the
right rows, the language switch stays on this site, the Khmer font is served from here,
and an organiser's or a forged post changes nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import requests

from tests.browser.seed import KHMER_TITLE, seed_record
from tests.web.conftest import Api
from tests.web.helpers import PP

PAGES = ("/week", "/episodes", "/on-air", "/on-air/panel", "/log", "/log.csv", "/provinces",
         "/reports/airtime.csv", "/reports/callins.csv", "/episodes/1/card.png")  # fmt: skip


def signed_in(site: Api, token: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(site.url + "/login", timeout=10)
    csrf = re.search(r"name='csrf_token' value='([^']+)'", form.text)
    assert csrf
    done = browser.post(
        site.url + "/login", data={"token": token, "csrf_token": csrf.group(1)}, timeout=10
    )
    assert done.status_code == 200
    return browser


def test_every_page_needs_a_sign_in(site: Api) -> None:
    for path in PAGES:
        answer = requests.get(site.url + path, allow_redirects=False, timeout=10)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path
    browser = signed_in(site, site.organiser)
    odd_ones = (
        "/week?week=9999-12-31", "/week?week=0001-01-01", "/week?week=nonsense",
        "/log?from=9999-99-99&to=x&page=-3", "/provinces?from=1&to=2",
        "/log?to=9999-12-31", "/log.csv?from=0001-01-01", "/provinces?to=9999-12-31",
    )  # fmt: skip
    for odd in odd_ones:
        assert browser.get(site.url + odd, timeout=10).status_code == 200, odd


def test_the_log_filters_keep_the_rows_asked_for(site: Api) -> None:
    slots = seed_record(site.station, days=10)
    browser = signed_in(site, site.organiser)
    today = datetime.now(PP).date()
    span = f"from={today - timedelta(days=30)}&to={today}"

    def log(query: str) -> list[dict[str, str]]:
        answer = browser.get(f"{site.url}/log.csv?{span}&{query}", timeout=10)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        lines = answer.text.lstrip("\ufeff").splitlines()
        head = lines[0].split(",")
        return [dict(zip(head, line.split(","), strict=False)) for line in lines[1:]]

    assert len(log("")) == 2 * len(slots)
    assert {r["title"] for r in log("partner=FAO")} == {"Farming today"}
    assert {r["title"] for r in log("partner=UNICEF")} == {KHMER_TITLE}
    assert {r["leg"] for r in log("destination=facebook")} == {"facebook"}
    partial = log("status=partial")
    assert partial and {(r["leg"], r["status"]) for r in partial} == {("facebook", "partial")}
    assert {r["title"] for r in log("episode=farm")} == {"Farming today"}
    assert log(f"from={today + timedelta(days=1)}&to={today + timedelta(days=2)}") == []
    page = browser.get(f"{site.url}/log?{span}&province=SRP&status=partial", timeout=10)
    assert page.status_code == 200 and f"{len(partial)} legs found" in page.text


def test_the_language_switch_and_the_files_stay_on_this_site(site: Api) -> None:
    for target, lands in (("/log?x=1", "/log?x=1"), ("//evil.example/", "/"),
                          ("/\\evil.example/", "/"), ("https://evil.example/", "/")):  # fmt: skip
        answer = requests.get(
            f"{site.url}/lang/km", params={"next": target}, allow_redirects=False, timeout=10
        )
        assert answer.status_code == 303 and answer.headers["location"] == lands
        assert answer.cookies.get("bc_lang") == "km"
    font = requests.get(site.url + "/static/khmer.ttf", timeout=10)
    assert font.status_code == 200 and font.headers["content-type"] == "font/ttf"
    assert font.content[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert requests.get(site.url + "/static/../pages.py", timeout=10).status_code == 404
    browser = signed_in(site, site.operator)
    page = browser.get(site.url + "/week", timeout=10)
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert not re.search(r"(src|href)=[\"']https?://", page.text)  # nothing from elsewhere
    assert site.operator not in page.text


@pytest.mark.parametrize(
    "path", ["/week/slots", "/week/slots/1/move", "/week/slots/1/cancel", "/on-air/callins/1"]
)
def test_an_organisers_posts_are_refused(site: Api, path: str) -> None:
    browser = signed_in(site, site.organiser)
    page = browser.get(site.url + "/week", timeout=10)
    csrf = re.search(r"name='csrf_token' value='([^']+)'", page.text)
    assert csrf  # the sign-out form's: a real token, still not enough
    answer = browser.post(
        site.url + path, data={"csrf_token": csrf.group(1), "start": "2030-01-01 10:00"}
    )
    assert answer.status_code == 403 and "Only operators can change this." in answer.text
