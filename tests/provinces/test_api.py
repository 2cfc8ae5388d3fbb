"""The provinces' routes on the real app: heartbeats (and every way to get one wrong), the
province list, the airtime report and the as-run rows with provinces."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from broadcaster.db.models import Province
from broadcaster.provinces.tokens import issue_token
from broadcaster.reports.airtime import airtime_report
from tests.provinces.factories import carriage, episode, leg, slot
from tests.web.conftest import Api, serve

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def token_for(api: Api, code: str) -> str:
    with api.station.sessions.begin() as session:
        return issue_token(session, code)[1]


def heartbeats(api: Api) -> dict[str, tuple[Any, ...]]:
    with api.station.sessions() as session:
        return {
            p.code: (p.last_heartbeat_at, p.last_carrying, p.last_listeners)
            for p in session.scalars(
                select(Province).where(Province.last_heartbeat_at.is_not(None))
            )
        }


def beat(api: Api, code: str, token: str | None, **kwargs: Any) -> Any:
    return api.call("POST", f"/api/provinces/{code}/heartbeat", token, **kwargs)


def test_a_heartbeat_is_stored_and_shown_with_the_province(api: Api) -> None:
    token = token_for(api, "TKO")
    got = beat(api, "tko", token, json={"carrying": True, "listeners": 12})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["code"] == "TKO" and body["carrying"] is True and body["listeners"] == 12
    assert body["received_at"].endswith("+07:00")
    assert heartbeats(api)["TKO"][1:] == (True, 12)
    bare = beat(api, "TKO", token)  # no body: carrying, listeners unknown
    assert bare.status_code == 200 and bare.json()["listeners"] is None
    off = beat(api, "TKO", token, json={"carrying": False})
    assert off.status_code == 200 and heartbeats(api)["TKO"][1:] == (False, None)

    listed = {p["code"]: p for p in api.org("GET", "/api/provinces").json()}
    assert len(listed) == 15
    assert listed["TKO"]["heartbeat_configured"] is True
    assert listed["TKO"]["last_heartbeat"]["carrying"] is False
    assert (
        listed["PNH"]["heartbeat_configured"] is False and listed["PNH"]["last_heartbeat"] is None
    )
    assert token not in api.org("GET", "/api/provinces").text


@pytest.mark.parametrize(
    ("path", "auth", "body", "status", "field"),
    [
        ("TKO", None, {"carrying": True}, 401, "authorization"),
        ("TKO", "wrong", {"carrying": True}, 401, "authorization"),
        ("TKO", "PNH", {"carrying": True}, 401, "authorization"),  # another province's token
        ("TKO", "user", {"carrying": True}, 401, "authorization"),  # a user's API token
        ("XYZ", "TKO", {"carrying": True}, 404, "code"),
        ("T..O", "TKO", {"carrying": True}, 422, "code"),
        ("TKO", "TKO", {"carrying": "yes"}, 422, "carrying"),
        ("TKO", "TKO", {"carrying": 1}, 422, "carrying"),
        ("TKO", "TKO", {"listeners": -1}, 422, "listeners"),
        ("TKO", "TKO", {"listeners": 2.5}, 422, "listeners"),
        ("TKO", "TKO", {"listeners": "7"}, 422, "listeners"),
        ("TKO", "TKO", {"carrying": True, "relay": "x"}, 422, "relay"),
        ("TKO", "TKO", [True], 422, None),
        ("TKO", "TKO", "not json", 422, None),
    ],
)
def test_bad_heartbeats_are_refused_and_store_nothing(
    sqlite_api: Api, path: str, auth: str | None, body: Any, status: int, field: str | None
) -> None:
    api = sqlite_api
    tokens = {"TKO": token_for(api, "TKO"), "PNH": token_for(api, "PNH")}
    token = {None: None, "wrong": "hb_nope", "user": api.operator}.get(auth, tokens.get(auth or ""))
    sent = {"data": body} if isinstance(body, str) else {"json": body}
    got = beat(api, path, token, **sent)
    assert got.status_code == status, got.text
    error = got.json()["error"]
    assert error["field"] == field and error["message"]
    assert tokens["TKO"] not in got.text
    assert heartbeats(api) == {}


def test_airtime_route_answers_as_the_report(api: Api) -> None:
    ep = episode(api.station, "ការសន្ទនា", ["=CCC"])
    s1 = slot(api.station, ep, T, 1800)
    leg(api.station, s1, T, 1800)
    carriage(api.station, s1, "PNH", "full", 1800, segments=[(0, 1800)], peak=5)
    for by in ("province", "episode", "partner"):
        got = api.org("GET", "/api/reports/airtime", params={"by": by})
        assert got.status_code == 200, got.text
        with api.station.sessions() as session:
            assert got.json() == airtime_report(session, api.station.settings.zone, None, None, by)
    one = api.org("GET", "/api/reports/airtime", params={"from": "2026-11-02 00:00"}).json()
    assert one[0]["key"] == "PNH" and one[0]["slots"] == 0

    spreadsheet = api.org("GET", "/api/reports/airtime", params={"by": "partner", "format": "csv"})
    assert spreadsheet.headers["content-type"].startswith("text/csv")
    text = spreadsheet.content.decode("utf-8")
    assert text.startswith("\ufeff")
    [row] = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert row["key"] == "'=CCC" and row["statuses.aired"] == "1"  # no formula runs

    episodes = api.org("GET", "/api/reports/airtime", params={"by": "episode", "format": "csv"})
    assert "ការសន្ទនា" in episodes.content.decode("utf-8")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"by": "slot"}, "by"),
        ({"format": "xlsx"}, "format"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-11-02 00:00", "to": "2026-11-01 00:00"}, "to"),
    ],
)
def test_airtime_route_refuses_bad_queries(
    sqlite_api: Api, params: dict[str, str], field: str
) -> None:
    got = sqlite_api.org("GET", "/api/reports/airtime", params=params)
    assert got.status_code == 422 and got.json()["error"]["field"] == field, got.text


def test_airtime_and_provinces_need_a_user(sqlite_api: Api) -> None:
    for path in ("/api/reports/airtime", "/api/provinces"):
        assert sqlite_api.call("GET", path).status_code == 401
    assert sqlite_api.org("GET", "/api/provinces").status_code == 200


def test_the_asrun_route_gives_the_radio_rows_provinces(api: Api) -> None:
    ep = episode(api.station, "Dialogue")
    s1 = slot(api.station, ep, T, 60, destinations=("radio", "facebook"))
    leg(api.station, s1, T, 60)
    leg(api.station, s1, T, 60, name="facebook")
    carriage(api.station, s1, "SRP", "partial", 40, segments=[(0, 10), (30, 60)], peak=2)
    carriage(api.station, s1, "PNH", "full", 60, segments=[(0, 60)])
    rows = api.org("GET", "/api/asrun", params={"from": "2026-11-01 00:00"}).json()
    radio = next(r for r in rows if r["leg"] == "radio")
    facebook = next(r for r in rows if r["leg"] == "facebook")
    assert "provinces" not in facebook
    assert [p["code"] for p in radio["provinces"]] == ["PNH", "SRP"]  # the provinces' order
    assert radio["provinces"][1] == {
        "code": "SRP", "status": "partial", "carried_s": 40.0, "peak_listeners": 2,
        "segments": [
            {"start": "2026-11-01T19:00:00.000+07:00", "end": "2026-11-01T19:00:10.000+07:00"},
            {"start": "2026-11-01T19:00:30.000+07:00", "end": "2026-11-01T19:01:00.000+07:00"},
        ],
    }  # fmt: skip


def test_refused_heartbeat_tokens_are_limited_per_address(station_dir: Path) -> None:
    for api in serve(station_dir, f"sqlite:///{station_dir / 'var' / 'b.db'}", sign_ins=2):
        token = token_for(api, "TKO")
        assert [beat(api, "TKO", "hb_guess").status_code for _ in range(2)] == [401, 401]
        limited = beat(api, "TKO", token)  # even the right token waits now
        assert limited.status_code == 429 and limited.headers["retry-after"]
        assert heartbeats(api) == {}
