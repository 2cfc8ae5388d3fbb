"""The Graph API client against the fake: shapes, retries, permanent errors, no token leak."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from broadcaster.facebook import GraphClient, PermanentGraphError, TransientGraphError
from tests.fakes.graph_api import FakeGraphApi, running

TOKEN = "EAAB-secret-page-token-123"
START = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)


@pytest.fixture
def fake() -> Iterator[FakeGraphApi]:
    with running(TOKEN, rtmp_base="rtmp://127.0.0.1:1935/live") as server:
        yield server


def client(fake: FakeGraphApi, token: str = TOKEN, attempts: int = 4) -> GraphClient:
    return GraphClient(fake.base_url, token, attempts=attempts, wait_first_s=0.01, wait_max_s=0.05)


def test_create_then_end_a_scheduled_live_video(fake: FakeGraphApi) -> None:
    video = client(fake).create_live_video(fake.page_id, "ការសន្ទនា", "about A2I", START)
    assert video.secure_stream_url == fake.stream_url(video.id)
    assert video.secure_stream_url.startswith(f"rtmp://127.0.0.1:1935/live/FB-{video.id}?")
    stored = fake.videos[video.id]
    assert (stored.title, stored.status, stored.start_time) == (
        "ការសន្ទនា",
        "SCHEDULED_UNPUBLISHED",
        int(START.timestamp()),
    )
    client(fake).end_live_video(video.id)
    assert stored.status == "LIVE_STOPPED"  # ended before its start: it never went live
    assert all(TOKEN not in r.path and TOKEN not in str(r.query) for r in fake.requests)


def test_a_live_video_is_read_with_its_status_and_loses_its_url_once_ended(
    fake: FakeGraphApi,
) -> None:
    graph = client(fake)
    made = graph.create_live_video(fake.page_id, "t", "", START)
    read = graph.live_video(made.id)
    assert (read.status, read.url, read.ended) == ("SCHEDULED_UNPUBLISHED", made.url, False)
    assert fake.requests[-1].query["fields"] == "status,secure_stream_url,stream_url"
    fake.set_status(made.id, "LIVE")
    assert graph.live_video(made.id).url == made.url  # live: still takes the stream
    graph.end_live_video(made.id)
    ended = graph.live_video(made.id)
    assert (ended.status, ended.url, ended.ended) == ("VOD", None, True)
    for status in ("LIVE_STOPPED", "PROCESSING", "SCHEDULED_EXPIRED", "SCHEDULED_CANCELED"):
        fake.set_status(made.id, status)
        assert graph.live_video(made.id).ended


def test_comments_are_counted(fake: FakeGraphApi) -> None:
    video = client(fake).create_live_video(fake.page_id, "t", "", START)
    fake.videos[video.id].comments = [{"id": str(i), "message": "hi"} for i in range(7)]
    assert client(fake).comment_count(video.id) == 7


def test_comments_are_counted_over_every_page_without_the_token_in_a_url(
    fake: FakeGraphApi,
) -> None:
    video = client(fake).create_live_video(fake.page_id, "t", "", START)
    fake.add_comments(video.id, 250)
    assert client(fake).comment_count(video.id) == 250
    asked = [r for r in fake.requests if r.path.endswith("/comments")]
    assert [r.query["limit"] for r in asked] == ["100", "100", "100"]
    assert "after" not in asked[0].query and asked[1].query["after"] != asked[2].query["after"]
    assert all("access_token" not in r.query for r in asked)  # paging.next carries it


def test_comments_since_a_time_are_counted(fake: FakeGraphApi) -> None:
    video = client(fake).create_live_video(fake.page_id, "t", "", START)
    fake.add_comments(video.id, 30, at=START.timestamp() - 3600)
    fake.add_comments(video.id, 120, at=START.timestamp() + 60)
    assert client(fake).comment_count(video.id, since=START) == 120
    assert client(fake).comment_count(video.id) == 150


def test_comment_pages_are_followed_without_cursors(fake: FakeGraphApi) -> None:
    """Paging by `paging.next` alone: its parameters are used, its token is not."""
    pages = [
        {"data": [{"id": "1"}, {"id": "2"}],
         "paging": {"next": f"{fake.base_url}/9/comments?access_token={TOKEN}&until=5&limit=2"}},
        {"data": [{"id": "3"}], "paging": {"previous": "x"}},
    ]  # fmt: skip
    graph = client(fake)
    seen: list[dict[str, str]] = []

    def call(
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        seen.append(dict(params or {}))
        return pages[len(seen) - 1]

    graph._call = call  # type: ignore[method-assign]
    assert graph.comment_count("9") == 3
    assert seen[1] == {"until": "5", "limit": "2"}


@pytest.mark.parametrize(
    ("code", "http"), [(1, 400), (2, 400), (4, 400), (17, 400), (32, 400), (613, 400), (1, 500)]
)
def test_transient_errors_are_retried(fake: FakeGraphApi, code: int, http: int) -> None:
    fake.fail(code, http=http, times=2)
    video = client(fake).create_live_video(fake.page_id, "t", "", START)
    assert video.id in fake.videos
    assert len(fake.requests) == 3


def test_retries_give_up_with_a_transient_error(fake: FakeGraphApi) -> None:
    fake.fail(613, times=10)
    with pytest.raises(TransientGraphError, match="613"):
        client(fake, attempts=3).end_live_video("1")
    assert len(fake.requests) == 3


def test_an_expired_token_is_permanent_and_never_shown(
    fake: FakeGraphApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PermanentGraphError, match="token is invalid or expired") as err:
        client(fake, token="EAAB-expired").create_live_video(fake.page_id, "t", "", START)
    assert err.value.code == 190 and err.value.subcode == 463
    assert len(fake.requests) == 1
    assert "EAAB-expired" not in str(err.value) and "EAAB-expired" not in caplog.text


@pytest.mark.parametrize("code", [10, 200, 299])
def test_permission_errors_name_the_problem(fake: FakeGraphApi, code: int) -> None:
    fake.fail(code, message="(#200) Permissions error")
    with pytest.raises(PermanentGraphError, match="permission"):
        client(fake).create_live_video(fake.page_id, "t", "", START)
    assert len(fake.requests) == 1


def test_an_unreachable_api_does_not_leak_the_token() -> None:
    c = GraphClient("http://127.0.0.1:9/v25.0", TOKEN, attempts=2, wait_first_s=0.01)
    with pytest.raises(TransientGraphError, match="unreachable") as err:
        c.live_video("123")
    assert TOKEN not in str(err.value) and err.value.__cause__ is None
