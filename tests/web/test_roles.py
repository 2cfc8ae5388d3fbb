"""Every route against every kind of caller: anonymous, a wrong token, organiser, operator."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import add_episode_row
from tests.web.conftest import GATEWAY_TOKEN, Api, serve
from tests.web.helpers import later, stored, tone

WRONG = "bc_" + "x" * 43
PUBLIC = {"anonymous": 200, "wrong": 200, "organiser": 200, "operator": 200}
READ = {"anonymous": 401, "wrong": 401, "organiser": 200, "operator": 200}
GATEWAY_ONLY = {"anonymous": 401, "wrong": 401, "organiser": 401, "operator": 401}
"""The call-in webhook takes the gateway's token, no user's."""


def write(ok: int) -> dict[str, int]:
    return {"anonymous": 401, "wrong": 401, "organiser": 403, "operator": ok}


def wait_for_job(api: Api, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = api.op("GET", f"/api/episodes/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never finished")


def test_role_matrix(api: Api) -> None:
    episode = add_episode_row(api.station, "Dialogue", seconds=600)
    made = api.op(
        "POST",
        "/api/slots",
        json={"episode_id": episode, "start": later(20), "repeat": "FREQ=DAILY;COUNT=2"},
    )
    assert made.status_code == 201, made.text
    to_move, to_cancel = (s["id"] for s in made.json())
    audio = tone(api.folder)
    uploaded = api.op(
        "POST", "/api/episodes", files={"file": ("talk.mp3", audio.read_bytes())},
        data={"title": "Talk"},
    )  # fmt: skip
    assert uploaded.status_code == 202, uploaded.text
    job = wait_for_job(api, uploaded.json()["id"])
    assert job["state"] == "done", job

    at = datetime.now(UTC).isoformat()
    delivery = {"json": {"delivery_id": "roles-1", "from": "012 345 678", "at": at}}
    call = api.call("POST", "/api/callins", GATEWAY_TOKEN, **delivery)
    assert call.status_code == 201, call.text
    screened = {"json": {"state": "done"}}

    def upload() -> dict[str, Any]:
        return {"files": {"file": ("talk.mp3", audio.read_bytes())}, "data": {"title": "Again"}}

    routes: list[tuple[str, str, Callable[[], dict[str, Any]], dict[str, int]]] = [
        ("GET", "/api/health", dict, PUBLIC),
        ("GET", "/schedule.ics", dict, PUBLIC),
        ("GET", "/api/schedule", dict, READ),
        ("GET", f"/api/schedule?from={later(1)}&to={later(60)}", dict, READ),
        ("GET", "/api/episodes", dict, READ),
        ("GET", f"/api/episodes/{episode}", dict, READ),
        ("GET", f"/api/episodes/jobs/{job['id']}", dict, READ),
        ("GET", "/api/asrun", dict, READ),
        ("GET", "/api/provinces", dict, READ),
        ("GET", "/metrics", dict, READ),
        (
            "POST",
            "/api/slots",
            lambda: {"json": {"episode_id": episode, "start": later(30)}},
            write(201),
        ),
        ("PATCH", f"/api/slots/{to_move}", lambda: {"json": {"start": later(40)}}, write(200)),
        ("DELETE", f"/api/slots/{to_cancel}", dict, write(200)),
        ("POST", "/api/episodes", upload, write(202)),
        ("POST", "/api/callins", lambda: delivery, GATEWAY_ONLY),
        ("GET", "/api/callins", dict, write(200)),  # the queue: operators only
        ("PATCH", f"/api/callins/{call.json()['id']}", lambda: screened, write(200)),
        ("GET", "/api/reports/callins", dict, READ),  # figures: organisers too
    ]
    callers = {
        "anonymous": None,
        "wrong": WRONG,
        "organiser": api.organiser,
        "operator": api.operator,
    }
    found: dict[tuple[str, str, str], int] = {}
    wanted: dict[tuple[str, str, str], int] = {}
    for method, path, kwargs, codes in routes:
        for who in ("anonymous", "wrong", "organiser", "operator"):
            before = stored(api.station)
            response = api.call(method, path, callers[who], **kwargs())
            found[(method, path, who)] = response.status_code
            wanted[(method, path, who)] = codes[who]
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, response.text
                assert response.json()["error"]["message"]
                assert stored(api.station) == before, (method, path, who)
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert found == wanted


@pytest.mark.parametrize("header", ["Basic ZGFyYTp4", "Bearer", "Token abc", "bearer  "])
def test_malformed_authorization_is_401(sqlite_api: Api, header: str) -> None:
    response = requests.get(
        sqlite_api.url + "/api/schedule", headers={"Authorization": header}, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["error"]["field"] == "authorization"


def test_failed_sign_ins_are_limited_per_address(station_dir: Path) -> None:
    db = f"sqlite:///{station_dir / 'var' / 'broadcaster.db'}"
    for api in serve(station_dir, db, sign_ins=3):
        url = api.url + "/api/schedule"
        codes = [api.call("GET", "/api/schedule", WRONG).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        limited = api.op("GET", "/api/schedule")  # the right token, from the same address
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert "too many failed sign-ins" in limited.json()["error"]["message"]
        assert requests.get(api.url + "/api/health", timeout=10).status_code == 200
        assert requests.get(url, timeout=10).status_code == 401  # no token: not a failure
