"""The Graph API client against the fake: shapes, retries, permanent errors, no token leak."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from broadcaster.facebook import GraphClient, PermanentGraphError, TransientGraphError
from tests.fakes.graph_api import FakeGraphApi, running

TOKEN = "EAAB-secret-page-token-123"
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeGraphApi]:
    with running(TOKEN, rtmp_base="rtmp://127.0.0.1:1935/live") as server:
        yield server


def client(fake: FakeGraphApi, token: str = TOKEN, attempts: int = 4) -> GraphClient:
    return GraphClient(fake.base_url, token, attempts=attempts, wait_first_s=0.01, wait_max_s=0.05)


def test_create_then_end_a_scheduled_live_video(fake: FakeGraphApi) -> None:
    video = client(fake).create_live_video(fake.page_id, "ការសន្ទនា", "about A2I", START)
    assert video.secure_stream_url == f"rtmp://127.0.0.1:1935/live/FB-{video.id}"
    stored = fake.videos[video.id]
    assert (stored.title, stored.status, stored.start_time) == (
        "ការសន្ទនា",
        "SCHEDULED_UNPUBLISHED",
        int(START.timestamp()),
    )
    client(fake).end_live_video(video.id)
    assert stored.status == "VOD"
    assert all(TOKEN not in r.path and TOKEN not in str(r.query) for r in fake.requests)


def test_comments_are_counted(fake: FakeGraphApi) -> None:
    video = client(fake).create_live_video(fake.page_id, "t", "", START)
    fake.videos[video.id].comments = [{"id": str(i), "message": "hi"} for i in range(7)]
    assert client(fake).comment_count(video.id) == 7


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
