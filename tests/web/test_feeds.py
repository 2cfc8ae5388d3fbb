"""Health, the public calendar, metrics, the OpenAPI document and the sign-in pages."""

from __future__ import annotations

import re
from datetime import timedelta

import requests
from icalendar import Calendar
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from broadcaster import on_air
from broadcaster.config import load_settings
from broadcaster.db.models import AsRunLeg, Slot, User
from broadcaster.station import Station
from broadcaster.users import revoke_user
from broadcaster.web.server import WebServer
from tests.conftest import add_episode_row
from tests.web.conftest import Api
from tests.web.helpers import later


def test_health_reports_the_database_leader_on_air_and_next_slot(api: Api) -> None:
    quiet = requests.get(api.url + "/api/health", timeout=10).json()
    assert quiet == {
        "status": "ok",
        "database": "ok",
        "leader": None,
        "on_air": [],
        "next_slot": None,
    }
    episode = add_episode_row(api.station, "Dialogue", seconds=600)
    slot = api.op("POST", "/api/slots", json={"episode_id": episode, "start": later(2)}).json()
    now = api.station.clock()
    with api.station.sessions.begin() as session:
        on_air.publish(
            session,
            "studio:42",
            [
                on_air.LegNow(
                    slot[0]["id"], "radio", "on_air", "Dialogue", "aircheck",
                    now - timedelta(seconds=30), now + timedelta(minutes=9), None, 0,
                )
            ],
            now,
        )  # fmt: skip
    health = requests.get(api.url + "/api/health", timeout=10).json()
    assert health["next_slot"]["id"] == slot[0]["id"] and health["next_slot"]["title"]
    assert [(r["slot_id"], r["leg"], r["state"]) for r in health["on_air"]] == [
        (slot[0]["id"], "radio", "on_air")
    ]


def test_health_is_503_degraded_when_the_database_is_gone(station_dir: object) -> None:
    settings = load_settings(env={"BROADCASTER_DB": "postgresql://nobody@127.0.0.1:1/none"})
    station = Station.open(settings, check=False)
    server = WebServer(station, "127.0.0.1:0").start()
    try:
        response = requests.get(server.url + "/api/health", timeout=30)
        assert response.status_code == 503
        assert response.json()["status"] == "degraded"
        assert response.json()["database"] == "unreachable"
        token = requests.get(
            server.url + "/api/schedule", headers={"Authorization": "Bearer x"}, timeout=30
        )
        assert token.status_code == 503 and "nobody" not in token.text
    finally:
        server.stop()
        station.close()


def test_the_calendar_is_public_and_parses(api: Api) -> None:
    episode = add_episode_row(api.station, "ការចូលរួម", seconds=1800)
    api.op(
        "POST",
        "/api/slots",
        json={"episode_id": episode, "start": later(4), "repeat": "FREQ=WEEKLY;COUNT=3"},
    )
    response = requests.get(api.url + "/schedule.ics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 3 and str(events[0]["SUMMARY"]) == "ការចូលរួម"
    assert events[0].decoded("DTSTART").utcoffset() == timedelta(hours=7)
    assert calendar.walk("VTIMEZONE")


def test_metrics_parse_and_count(api: Api) -> None:
    episode = add_episode_row(api.station, "Dialogue", seconds=600)
    made = api.op("POST", "/api/slots", json={"episode_id": episode, "start": later(2)}).json()
    with api.station.sessions.begin() as session:
        slot = session.get(Slot, made[0]["id"])
        assert slot is not None
        slot.status = "partial"
        session.add(
            AsRunLeg(
                slot_id=slot.id, leg="radio", scheduled_start=slot.start, status="partial",
                reconnects=2, gaps=[
                    {"start": slot.start.isoformat(),
                     "end": (slot.start + timedelta(seconds=3)).isoformat(),
                     "cause": "refused"},
                    {"start": slot.start.isoformat(), "end": None, "cause": "silence"},
                ],
            )
        )  # fmt: skip
    response = api.org("GET", "/metrics")
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    assert samples[("broadcaster_slots_aired_total", ())] == 1
    assert samples[("broadcaster_slots_missed_total", ())] == 0
    assert samples[("broadcaster_leg_reconnects_total", (("leg", "radio"),))] == 2
    assert samples[("broadcaster_leg_gaps_total", (("cause", "refused"), ("leg", "radio")))] == 1
    assert samples[("broadcaster_leg_gaps_total", (("cause", "silence"), ("leg", "radio")))] == 1
    assert (
        samples[("broadcaster_leg_gap_seconds_total", (("cause", "refused"), ("leg", "radio")))]
        == 3
    )
    assert "broadcaster_on_air" in families and "broadcaster_preparation_jobs" in families
    assert requests.get(api.url + "/metrics", timeout=10).status_code == 401


def test_openapi_and_docs_are_served(sqlite_api: Api) -> None:
    schema = requests.get(sqlite_api.url + "/openapi.json", timeout=10).json()
    paths = set(schema["paths"])
    assert {
        "/api/health",
        "/api/schedule",
        "/api/slots",
        "/api/slots/{slot_id}",
        "/api/episodes",
        "/api/episodes/{episode_id}",
        "/api/episodes/jobs/{job_id}",
        "/api/asrun",
        "/api/provinces",
        "/schedule.ics",
        "/metrics",
    } <= paths
    assert set(schema["paths"]["/api/slots/{slot_id}"]) == {"patch", "delete"}
    docs = requests.get(sqlite_api.url + "/docs", timeout=10)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_pages_sign_in_with_the_token_and_forms_need_csrf(sqlite_api: Api) -> None:
    api = sqlite_api
    browser = requests.Session()
    form = browser.get(api.url + "/login", timeout=10)
    csrf = re.search(r"name='csrf_token' value='([^']+)'", form.text)
    assert form.status_code == 200 and csrf
    forged = browser.post(api.url + "/login", data={"token": api.operator}, timeout=10)
    assert forged.status_code == 403 and "bc_session" not in browser.cookies
    elsewhere = requests.post(  # a token taken from this form is no use to another browser
        api.url + "/login", data={"token": api.operator, "csrf_token": csrf.group(1)}, timeout=10
    )
    assert elsewhere.status_code == 403 and "bc_session" not in elsewhere.cookies
    wrong = browser.post(
        api.url + "/login", data={"token": "nope", "csrf_token": csrf.group(1)}, timeout=10
    )
    assert wrong.status_code == 401 and "bc_session" not in browser.cookies
    signed = browser.post(
        api.url + "/login", data={"token": api.operator, "csrf_token": csrf.group(1)}, timeout=10
    )
    assert signed.status_code == 200 and "Signed in as dara (operator)" in signed.text
    cookie = browser.cookies["bc_session"]
    assert api.operator not in cookie
    session_csrf = re.search(r"name='csrf_token' value='([^']+)'", signed.text)
    assert session_csrf

    episode = add_episode_row(api.station, "Talk", seconds=600)
    assert browser.get(api.url + "/api/schedule", timeout=10).status_code == 200
    body = {"episode_id": episode, "start": later(5)}
    no_csrf = browser.post(api.url + "/api/slots", json=body, timeout=10)
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["field"] == "csrf_token"
    with_csrf = browser.post(
        api.url + "/api/slots",
        json=body,
        headers={"X-CSRF-Token": session_csrf.group(1)},
        timeout=10,
    )
    assert with_csrf.status_code == 201

    with api.station.sessions.begin() as session:
        revoke_user(session, "dara")
        assert session.scalars(select(User.name)).all() == ["sokha"]
    assert browser.get(api.url + "/api/schedule", timeout=10).status_code == 401
    assert api.op("GET", "/api/schedule").status_code == 401
    assert api.org("GET", "/api/schedule").status_code == 200


def test_the_public_calendar_is_bounded(sqlite_api: Api) -> None:
    from sqlalchemy import insert

    from broadcaster.schedule.feed import FEED_LIMIT

    api = sqlite_api
    episode = add_episode_row(api.station, "Dialogue", seconds=300)
    first = api.station.clock().replace(microsecond=0) + timedelta(hours=1)
    with api.station.sessions.begin() as session:
        session.execute(
            insert(Slot),
            [
                {
                    "episode_id": episode, "start": first + timedelta(minutes=10 * i),
                    "end": first + timedelta(minutes=10 * i + 5), "destinations": ["radio"],
                    "provinces": ["PNH"], "status": "scheduled", "origin": "cli",
                    "created_at": first, "updated_at": first,
                }
                for i in range(FEED_LIMIT + 50)
            ],
        )  # fmt: skip
    events = Calendar.from_ical(requests.get(api.url + "/schedule.ics", timeout=60).content).walk(
        "VEVENT"
    )
    assert len(events) == FEED_LIMIT
