"""The call-in routes over real HTTP: the gateway's webhook, the queue, the figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from broadcaster.db.models import CallIn
from tests.callins.numbers import formatted
from tests.conftest import add_episode_row
from tests.web.conftest import GATEWAY_TOKEN, Api, serve
from tests.web.helpers import later


def delivery(n: int, number: str = "012 345 678", **extra: Any) -> dict[str, Any]:
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return {"delivery_id": f"gw-{n}", "from": number, "at": at, **extra}


def post(api: Api, body: Any, token: str | None = GATEWAY_TOKEN, **kw: Any) -> requests.Response:
    if isinstance(body, dict):
        kw["json"] = body
    else:
        kw["data"] = body
    return api.call("POST", "/api/callins", token, **kw)


def stored_calls(api: Api) -> list[tuple[Any, ...]]:
    with api.station.sessions() as s:
        return [
            (c.id, c.delivery_id, c.province_code, c.state)
            for c in s.scalars(select(CallIn).order_by(CallIn.id))
        ]


def test_the_webhook_refuses_bad_deliveries_and_stores_nothing(api: Api) -> None:
    number = "+855 12 987 654"
    refused = [
        (post(api, delivery(1, number), token=None), 401),
        (post(api, delivery(1, number), token="gw_wrong"), 401),
        (post(api, delivery(1, number), token=api.operator), 401),  # a user is not the gateway
        (post(api, '{"delivery_id": "gw-1", "from": "' + number), 400),  # malformed JSON
        (post(api, "[1, 2]"), 400),
        (post(api, {k: v for k, v in delivery(1).items() if k != "from"}), 422),
        (post(api, delivery(1, number, province="XYZ")), 422),
        (post(api, delivery(1, number, topic="x" * 17_000)), 413),  # a body over 16 KB
        (post(api, delivery(1, "+855 12 9x7 654")), 422),
        (post(api, delivery(1, number, at="yesterday")), 422),
        (post(api, delivery(1, number, at="2099-01-01T00:00:00+07:00")), 422),
        (post(api, delivery(1, number, topic=["not", "text"])), 422),
        (post(api, {**delivery(1, number), "delivery_id": ""}), 422),
    ]
    for response, code in refused:
        assert response.status_code == code, response.text
        error = response.json()["error"]
        assert error["message"] and "98" not in response.text and "654" not in response.text
        if code == 422:
            assert error["field"] in ("from", "province", "at", "topic", "delivery_id")
    assert refused[0][0].headers["WWW-Authenticate"].startswith("Bearer")
    assert refused[5][0].json()["error"]["field"] == "from"
    assert stored_calls(api) == []


def test_a_retried_delivery_is_one_call(api: Api) -> None:
    answers = [post(api, delivery(7, "097 712 3456", province="srp")) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert len({a.json()["id"] for a in answers}) == 1
    assert set(answers[0].json()) == {
        "id", "received_at", "province", "slot_id", "topic", "state", "repeat_caller",
    }  # fmt: skip
    assert answers[0].json()["province"] == "SRP" and answers[0].json()["state"] == "waiting"
    assert len(stored_calls(api)) == 1


def test_two_hundred_calls_from_fifty_numbers_are_fifty_callers(api: Api) -> None:
    for i in range(200):
        caller, form = i % 50, i // 50 + (i % 3)
        body = delivery(i, formatted(caller, form), province=("PNH", "KDL", None)[i % 3])
        answer = post(api, body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["repeat_caller"] is (i >= 50)
    rows = api.org("GET", "/api/reports/callins").json()
    figures = {r["key"]: r for r in rows}
    assert sum(r["calls"] for r in rows) == 200
    assert sum(r["callers"] for r in rows) == 50
    assert sum(r["repeat_callers"] for r in rows) == 50
    assert figures["unknown"]["calls"] == 66 and figures["PNH"]["calls"] == 67
    with api.station.sessions() as s:
        distinct = s.scalar(select(func.count(func.distinct(CallIn.caller_hash))))
        assert distinct == 50


def test_the_queue_is_screened_by_operators(api: Api) -> None:
    episode = add_episode_row(api.station, "Call-in show", 1800)
    booked = api.op("POST", "/api/slots", json={"episode_id": episode, "start": later(3)})
    slot_id = booked.json()[0]["id"]
    first = post(api, delivery(1, topic="land")).json()
    second = post(api, delivery(2, "012 000 111", topic="water")).json()
    queue = api.op("GET", "/api/callins").json()
    assert [c["id"] for c in queue] == [first["id"], second["id"]]
    assert all(c["waited_s"] >= 0 and c["state"] == "waiting" for c in queue)
    on_air = api.op("PATCH", f"/api/callins/{second['id']}", json={"state": "on_air"})
    assert on_air.status_code == 200 and on_air.json()["state"] == "on_air"
    assert [c["id"] for c in api.op("GET", "/api/callins").json()] == [first["id"], second["id"]]
    api.op("PATCH", f"/api/callins/{first['id']}", json={"state": "dropped"})
    assert [c["id"] for c in api.op("GET", "/api/callins").json()] == [second["id"]]
    dropped = api.op("GET", "/api/callins?state=dropped").json()
    assert [c["id"] for c in dropped] == [first["id"]]
    assert api.op("GET", f"/api/callins?slot={slot_id}").json() == []
    assert len(api.op("GET", "/api/callins?state=all").json()) == 2

    bad = api.op("PATCH", f"/api/callins/{first['id']}", json={"state": "gone"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "state"
    missing = api.op("PATCH", "/api/callins/999999", json={"state": "done"})
    assert missing.status_code == 404
    assert api.op("GET", "/api/callins?state=later").status_code == 422
    refused = api.org("GET", "/api/callins")
    assert refused.status_code == 403 and "operators" in refused.json()["error"]["message"]
    figures = api.org("GET", "/api/reports/callins?by=slot").json()
    assert [(r["key"], r["calls"], r["dropped"], r["on_air"]) for r in figures] == [(None, 2, 1, 1)]
    assert api.org("GET", "/api/reports/callins?by=partner").status_code == 422


def test_without_a_webhook_token_the_webhook_is_off(station_dir: Path) -> None:
    db = f"sqlite:///{station_dir / 'var' / 'broadcaster.db'}"
    for api in serve(station_dir, db, env={"CALLIN_WEBHOOK_TOKEN": ""}):
        off = post(api, delivery(1), token="anything")
        assert off.status_code == 503 and "CALLIN_WEBHOOK_TOKEN" in off.json()["error"]["message"]
        assert post(api, delivery(1), token=None).status_code == 401
        assert stored_calls(api) == []


def test_the_webhook_is_in_the_openapi_schema(api: Api) -> None:
    schema = requests.get(api.url + "/openapi.json", timeout=10).json()
    body = schema["paths"]["/api/callins"]["post"]["requestBody"]
    required = body["content"]["application/json"]["schema"]["required"]
    assert required == ["delivery_id", "from", "at"]
    assert {"get", "post"} <= set(schema["paths"]["/api/callins"])
    assert "patch" in schema["paths"]["/api/callins/{call_id}"]
    assert json.dumps(schema).count("/api/reports/callins") == 1
