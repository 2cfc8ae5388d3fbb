"""Booking, moving and cancelling slots over HTTP: the CLI's rules and messages."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from broadcaster.schedule import book
from tests.conftest import add_episode_row
from tests.web.conftest import Api
from tests.web.helpers import later, stored

SLOT_KEYS = {"id", "episode_id", "start", "end", "destinations", "provinces", "status"}


def test_book_list_move_and_cancel(api: Api) -> None:
    episode = add_episode_row(api.station, "ការទទួលបានព័ត៌មាន", seconds=1800)
    made = api.op(
        "POST",
        "/api/slots",
        json={
            "episode_id": episode,
            "start": later(7),
            "destinations": ["radio"],
            "provinces": ["PNH", "SRP"],
            "repeat": "FREQ=WEEKLY;COUNT=3",
        },
    )
    assert made.status_code == 201, made.text
    slots = made.json()
    assert len(slots) == 3 and set(slots[0]) >= SLOT_KEYS and "title" not in slots[0]
    assert slots[0]["destinations"] == ["radio"] and slots[0]["provinces"] == ["PNH", "SRP"]
    assert slots[0]["start"].endswith("+07:00")

    listed = api.org("GET", "/api/schedule").json()
    with api.station.sessions() as session:
        zone = api.station.settings.zone
        expected = [
            book.slot_json(s, zone, with_title=True)
            for s in book.list_slots(session, api.station.clock())
        ]
    assert listed == expected and listed[0]["title"] == "ការទទួលបានព័ត៌មាន"
    window = api.org("GET", "/api/schedule", params={"from": later(6), "to": later(8)}).json()
    assert [s["id"] for s in window] == [slots[0]["id"]]

    moved = api.op("PATCH", f"/api/slots/{slots[0]['id']}", json={"start": later(7, 21)})
    assert moved.status_code == 200, moved.text
    assert moved.json()["start"].startswith(later(7, 21).replace(" ", "T"))
    clash = api.op("PATCH", f"/api/slots/{slots[0]['id']}", json={"start": later(14, 19, 10)})
    assert clash.status_code == 409
    assert f"slot {slots[1]['id']} 'ការទទួលបានព័ត៌មាន'" in clash.json()["error"]["message"]

    cancelled = api.op("DELETE", f"/api/slots/{slots[2]['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api.op("DELETE", f"/api/slots/{slots[2]['id']}")
    assert again.status_code == 200
    moved_cancelled = api.op("PATCH", f"/api/slots/{slots[2]['id']}", json={"start": later(30)})
    assert moved_cancelled.status_code == 422
    assert "only scheduled slots can move" in moved_cancelled.json()["error"]["message"]
    assert [s["id"] for s in api.org("GET", "/api/schedule").json()] == [
        slots[0]["id"],
        slots[1]["id"],
    ]
    assert len(api.org("GET", "/api/schedule", params={"all": "true"}).json()) == 3


def test_an_overlap_is_409_and_names_the_slot_it_hits(api: Api) -> None:
    live = add_episode_row(api.station, "Long live show", seconds=3600)
    short = add_episode_row(api.station, "Talk", seconds=600)
    first = api.op("POST", "/api/slots", json={"episode_id": live, "start": later(3)}).json()[0]
    before = stored(api.station)
    response = api.op("POST", "/api/slots", json={"episode_id": short, "start": later(3, 19, 30)})
    assert response.status_code == 409
    error = response.json()["error"]
    assert f"slot {first['id']} 'Long live show'" in error["message"]
    assert error["field"] == "start"
    assert stored(api.station) == before


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        ({"start": "2030-01-01 19:00"}, 422, "episode_id", "Field required"),
        ({"episode_id": 999, "start": "2030-01-01 19:00"}, 422, "episode_id", "no such episode"),
        ({"episode_id": 1, "start": "tomorrow"}, 422, "start", "not a time"),
        ({"episode_id": 1, "start": "2020-01-01 19:00"}, 422, "start", "in the past"),
        ({"episode_id": 1, "start": "0001-01-01 00:00"}, 422, "start", "out of range"),
        ({"episode_id": 1, "start": "2030-01-01 19:00", "destinations": ["tv"]}, 422,
         "destinations", "unknown destination tv"),
        ({"episode_id": 1, "start": "2030-01-01 19:00", "provinces": ["XXX"]}, 422,
         "provinces", "unknown province XXX"),
        ({"episode_id": 1, "start": "2030-01-01 19:00", "repeat": "FREQ=DAILY"}, 422,
         "repeat", "never ends"),
        ({"episode_id": 1, "start": "2030-01-01 19:00", "repeat": "nonsense"}, 422,
         "repeat", "not an RRULE"),
        ({"episode_id": 1, "start": "2030-01-01 19:00", "colour": "red"}, 422,
         "colour", "Extra inputs"),
        ({"episode_id": "one", "start": "2030-01-01 19:00"}, 422, "episode_id", "integer"),
    ],
)  # fmt: skip
def test_bad_slots_are_4xx_naming_the_field_and_store_nothing(
    api: Api, body: dict[str, Any], status: int, field: str, words: str
) -> None:
    add_episode_row(api.station, "Talk", seconds=600)
    before = stored(api.station)
    response = api.op("POST", "/api/slots", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field and words in error["message"], error
    assert stored(api.station) == before


def test_malformed_bodies_and_unknown_slots(sqlite_api: Api) -> None:
    api = sqlite_api
    raw = api.op(
        "POST", "/api/slots", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert raw.status_code == 422 and "not valid JSON" in raw.json()["error"]["message"]
    assert api.op("DELETE", "/api/slots/424242").status_code == 404
    missing = api.op("PATCH", "/api/slots/424242", json={"start": later(3)})
    assert missing.status_code == 404 and "no such slot" in missing.json()["error"]["message"]
    assert api.op("GET", "/api/episodes/424242").status_code == 404
    assert api.op("GET", "/api/episodes/jobs/nope").status_code == 404
    assert api.op("GET", "/api/schedule", params={"from": "soon"}).status_code == 422
    nowhere = api.op("GET", "/api/nowhere")
    assert nowhere.status_code == 404 and set(nowhere.json()) == {"error"}


def test_twenty_concurrent_bookings_of_one_minute_give_one_slot(api: Api) -> None:
    episode = add_episode_row(api.station, "Talk", seconds=600)
    start = later(9, 20, 15)

    def attempt(_: int) -> int:
        body = {"episode_id": episode, "start": start}
        return api.op("POST", "/api/slots", json=body).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(attempt, range(20)))
    assert sorted(codes) == [201] + [409] * 19
    assert len(stored(api.station)["slots"]) == 1


def test_a_huge_json_body_is_413_whether_announced_or_streamed(sqlite_api: Api) -> None:
    api = sqlite_api
    big = b'{"episode_id": 1, "start": "' + b"9" * (2 * 1024 * 1024) + b'"}'
    announced = api.op("POST", "/api/slots", data=big, headers={"Content-Type": "application/json"})
    assert announced.status_code == 413 and announced.json()["error"]["field"] == "body"
    streamed = api.op(
        "POST",
        "/api/slots",
        data=(big[i : i + 65536] for i in range(0, len(big), 65536)),
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert announced.headers["X-Content-Type-Options"] == "nosniff"
    assert stored(api.station)["slots"] == []
