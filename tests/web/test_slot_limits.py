"""The CLI's limits hold for requests too (issue 12): 422 naming the field and the limit,
nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import add_episode_row
from tests.web.conftest import Api
from tests.web.helpers import later, stored


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"start": later(10), "repeat": "FREQ=MINUTELY;INTERVAL=30;COUNT=99999"}, "repeat",
         "max_occurrences"),
        ({"start": later(10), "repeat": "FREQ=HOURLY;COUNT=10000"}, "repeat", "horizon_days"),
        ({"start": later(10), "repeat": "DTSTART:20300101T190000\nRRULE:FREQ=DAILY;COUNT=2"},
         "repeat", "DTSTART"),
        ({"start": later(730)}, "start", "horizon_days = 400"),
        ({"start": "9999-12-31 23:00"}, "start", "out of range"),
    ],
)  # fmt: skip
def test_bookings_beyond_the_limits_are_422_and_store_nothing(
    sqlite_api: Api, body: dict[str, Any], field: str, words: str
) -> None:
    api = sqlite_api
    episode = add_episode_row(api.station, "Talk", seconds=600)
    before = stored(api.station)
    response = api.op("POST", "/api/slots", json={"episode_id": episode, **body})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and words in error["message"], error
    assert stored(api.station) == before


def test_a_slot_cannot_be_moved_beyond_the_horizon(sqlite_api: Api) -> None:
    api = sqlite_api
    episode = add_episode_row(api.station, "Talk", seconds=600)
    made = api.op("POST", "/api/slots", json={"episode_id": episode, "start": later(3)})
    assert made.status_code == 201, made.text
    before = stored(api.station)
    moved = api.op("PATCH", f"/api/slots/{made.json()[0]['id']}", json={"start": later(500)})
    assert moved.status_code == 422, moved.text
    assert moved.json()["error"]["field"] == "start"
    assert "horizon_days" in moved.json()["error"]["message"]
    assert stored(api.station) == before
