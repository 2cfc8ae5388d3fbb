"""The fake Graph API is as strict as Facebook: lifecycle, fields, URLs, paging, token first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.fakes.graph_api import FakeGraphApi, running

TOKEN = "EAAB-fake-test-token"
NOW = 1_800_000_000.0
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakeGraphApi]:
    with running(TOKEN, rtmp_base="rtmp://127.0.0.1:1935/live", clock=clock,
                 expire_after_s=300) as server:  # fmt: skip
        yield server


def get(fake: FakeGraphApi, path: str, token: str = TOKEN, **params: Any) -> tuple[int, Any]:
    reply = requests.get(
        fake.base_url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    return reply.status_code, reply.json()


def post(fake: FakeGraphApi, path: str, token: str = TOKEN, **form: Any) -> tuple[int, Any]:
    reply = requests.post(
        fake.base_url + path, data=form, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    return reply.status_code, reply.json()


def create(
    fake: FakeGraphApi, status: str = "SCHEDULED_UNPUBLISHED", start: float = NOW + 60
) -> str:
    code, made = post(
        fake,
        f"/{fake.page_id}/live_videos",
        title="ការសន្ទនា",
        status=status,
        event_params=json.dumps({"start_time": int(start)}),
    )
    assert code == 200, made
    assert set(made) >= {"id", "stream_url", "secure_stream_url"}
    return str(made["id"])


def read(fake: FakeGraphApi, video_id: str, fields: str) -> dict[str, Any]:
    code, got = get(fake, f"/{video_id}", fields=fields)
    assert code == 200, got
    return dict(got)


URL_FIELDS = "status,secure_stream_url,stream_url"


@pytest.mark.parametrize(
    ("asked", "status"),
    [("SCHEDULED_UNPUBLISHED", "SCHEDULED_UNPUBLISHED"), ("UNPUBLISHED", "UNPUBLISHED"),
     ("LIVE_NOW", "LIVE")],
)  # fmt: skip
def test_a_new_video_has_the_status_asked_for(fake: FakeGraphApi, asked: str, status: str) -> None:
    video_id = create(fake, asked)
    assert read(fake, video_id, "status")["status"] == status


def test_a_scheduled_video_needs_a_start_within_seven_days(fake: FakeGraphApi) -> None:
    path = f"/{fake.page_id}/live_videos"
    code, err = post(fake, path, status="SCHEDULED_UNPUBLISHED")
    assert code == 400 and err["error"]["code"] == 100
    far = json.dumps({"start_time": int(NOW + 8 * 86400)})
    code, err = post(fake, path, status="SCHEDULED_UNPUBLISHED", event_params=far)
    assert code == 400 and err["error"]["code"] == 100
    code, made = post(fake, path, status="SCHEDULED_UNPUBLISHED", planned_start_time=int(NOW + 60))
    assert code == 200 and fake.videos[made["id"]].start_time == int(NOW + 60)


def test_stream_urls_look_like_facebooks(fake: FakeGraphApi) -> None:
    first, second = create(fake), create(fake)
    url = read(fake, first, URL_FIELDS)["secure_stream_url"]
    parts = urlsplit(url)
    assert parts.path == f"/live/FB-{first}"
    args = parse_qs(parts.query)
    assert {k: v[0] for k, v in args.items() if k != "a"} == {
        "s_bl": "1", "s_psm": "1", "s_sc": first, "s_sw": "0", "s_vt": "api-s"
    }  # fmt: skip
    assert args["a"][0].startswith("Ab") and len(args["a"][0]) > 10
    other = parse_qs(urlsplit(fake.stream_url(second)).query)["a"][0]
    assert other != args["a"][0]  # every video has its own secret


def test_fields_are_honoured(fake: FakeGraphApi) -> None:
    video_id = create(fake)
    assert read(fake, video_id, "status") == {"id": video_id, "status": "SCHEDULED_UNPUBLISHED"}
    assert set(read(fake, video_id, "title,permalink_url")) == {"id", "title", "permalink_url"}
    assert set(read(fake, video_id, URL_FIELDS)) == {
        "id", "status", "stream_url", "secure_stream_url"
    }  # fmt: skip
    code, err = get(fake, f"/{video_id}", fields="status,no_such_field")
    assert (
        code == 400 and err["error"]["code"] == 100 and "no_such_field" in err["error"]["message"]
    )


@pytest.mark.parametrize("went_live", [True, False])
def test_ending_a_video_moves_it_on_and_takes_its_stream_url(
    fake: FakeGraphApi, went_live: bool
) -> None:
    video_id = create(fake)
    if went_live:
        fake.set_status(video_id, "LIVE")
    code, done = post(fake, f"/{video_id}", end_live_video="true")
    assert code == 200 and done == {"id": video_id}
    got = read(fake, video_id, URL_FIELDS)
    assert got == {"id": video_id, "status": "VOD" if went_live else "LIVE_STOPPED"}
    assert "stream_url" not in read(fake, video_id, "")  # nor among the default fields


def test_without_an_ingest_a_scheduled_video_ended_after_its_start_went_live(
    fake: FakeGraphApi, clock: Clock
) -> None:
    video_id = create(fake, start=NOW + 60)
    clock.now += 120
    post(fake, f"/{video_id}", end_live_video="true")
    assert fake.status(video_id) == "VOD"


def test_with_an_ingest_a_scheduled_video_goes_live_when_published(clock: Clock) -> None:
    publishing: set[str] = set()
    with running(TOKEN, clock=clock, ingest=lambda key: key in publishing) as fake:
        video_id = create(fake, start=NOW + 60)
        publishing.add(f"FB-{video_id}")
        assert fake.status(video_id) == "SCHEDULED_UNPUBLISHED"  # not before its start
        clock.now += 61
        assert read(fake, video_id, "status")["status"] == "LIVE"
        publishing.clear()
        post(fake, f"/{video_id}", end_live_video="true")
        assert fake.status(video_id) == "VOD"
        quiet = create(fake, start=NOW + 120)
        clock.now += 120
        post(fake, f"/{quiet}", end_live_video="true")
        assert fake.status(quiet) == "LIVE_STOPPED"  # never published: never live


def test_a_scheduled_video_not_started_in_time_expires(fake: FakeGraphApi, clock: Clock) -> None:
    video_id = create(fake, start=NOW + 60)
    clock.now += 60 + 299
    assert read(fake, video_id, URL_FIELDS)["status"] == "SCHEDULED_UNPUBLISHED"
    clock.now += 2
    assert read(fake, video_id, URL_FIELDS) == {"id": video_id, "status": "SCHEDULED_EXPIRED"}
    live = create(fake, "LIVE_NOW")
    clock.now += 3600
    assert fake.status(live) == "LIVE"  # only a scheduled one expires


def test_a_scheduled_video_can_be_cancelled(fake: FakeGraphApi) -> None:
    video_id = create(fake)
    assert post(fake, f"/{video_id}", status="SCHEDULED_CANCELED")[0] == 200
    assert read(fake, video_id, URL_FIELDS) == {"id": video_id, "status": "SCHEDULED_CANCELED"}
    assert post(fake, f"/{video_id}", status="SCHEDULED_CANCELED")[0] == 400


def test_a_status_set_by_the_test_is_answered(fake: FakeGraphApi) -> None:
    video_id = create(fake)
    for status in ("PROCESSING", "SCHEDULED_EXPIRED", "LIVE_STOPPED", "VOD"):
        fake.set_status(video_id, status)
        assert read(fake, video_id, URL_FIELDS) == {"id": video_id, "status": status}
    with pytest.raises(ValueError):
        fake.set_status(video_id, "OVER")


def test_comments_come_in_pages(fake: FakeGraphApi) -> None:
    video_id = create(fake)
    fake.add_comments(video_id, 60)
    code, first = get(fake, f"/{video_id}/comments")
    assert code == 200 and len(first["data"]) == 25  # the default limit
    assert set(first["data"][0]) == {"id", "message", "from", "created_time"}
    assert set(first["paging"]) == {"cursors", "next"}
    seen = [c["id"] for c in first["data"]]
    page = first
    while "next" in page["paging"]:
        nxt = urlsplit(page["paging"]["next"])
        args = {k: v[0] for k, v in parse_qs(nxt.query).items()}
        assert args["access_token"] == TOKEN  # as Facebook: the token rides in `next`
        assert args["after"] == page["paging"]["cursors"]["after"]
        code, page = get(fake, f"/{video_id}/comments", limit=args["limit"], after=args["after"])
        assert code == 200 and "previous" in page["paging"]
        seen += [c["id"] for c in page["data"]]
    assert len(seen) == 60 and len(set(seen)) == 60
    code, small = get(fake, f"/{video_id}/comments", limit=10, fields="id")
    assert [set(c) for c in small["data"]] == [{"id"}] * 10
    code, empty = get(fake, f"/{create(fake)}/comments")
    assert code == 200 and empty == {"data": []}


def test_the_token_is_checked_before_an_injected_failure(fake: FakeGraphApi) -> None:
    video_id = create(fake)
    fake.fail(2, http=500)
    code, err = get(fake, f"/{video_id}", token="EAAB-wrong", fields="status")
    assert code == 400 and err["error"]["code"] == 190 and err["error"]["error_subcode"] == 463
    reply = requests.get(f"{fake.base_url}/{video_id}", timeout=5)
    assert reply.status_code == 400 and reply.json()["error"]["code"] == 104
    code, err = get(fake, f"/{video_id}", fields="status")  # the failure is still waiting
    assert code == 500 and err["error"]["code"] == 2
    assert get(fake, f"/{video_id}", fields="status")[0] == 200
