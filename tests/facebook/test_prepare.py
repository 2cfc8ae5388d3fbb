"""The slot's live video: the stored one while it takes a stream, else a new one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from broadcaster.config import Settings, load_settings
from broadcaster.db.models import Episode, Slot
from broadcaster.facebook import GraphClient, prepare_live_video
from tests.fakes.graph_api import FakeGraphApi, Video, running

Answer = tuple[int, dict[str, Any]]

TOKEN = "EAAB-prepare-token-secret"
START = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)


@pytest.fixture
def fake() -> Iterator[FakeGraphApi]:
    with running(TOKEN) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, fake: FakeGraphApi) -> Settings:
    config = tmp_path / "broadcaster.toml"
    config.write_text(
        f'[facebook]\npage_id = "{fake.page_id}"\ngraph_api = "{fake.base_url}"\n'
        'access_token_env = "TEST_FB_TOKEN"\n',
        encoding="utf-8",
    )
    return load_settings(config, env={"TEST_FB_TOKEN": TOKEN})


def episode_and_slot(live_id: str | None = None) -> tuple[Episode, Slot]:
    episode = Episode(title="ការសន្ទនា", description="A2I", source_kind="file", source="x.mp3")
    slot = Slot(id=7, start=START, end=START + timedelta(hours=1), facebook_live_id=live_id)
    return episode, slot


def graph(fake: FakeGraphApi) -> GraphClient:
    return GraphClient(fake.base_url, TOKEN, attempts=2, wait_first_s=0.01, wait_max_s=0.02)


def test_a_slot_without_a_live_video_gets_one(settings: Settings, fake: FakeGraphApi) -> None:
    episode, slot = episode_and_slot()
    got = prepare_live_video(settings, episode, slot, graph(fake))
    assert got.created and got.error is None and got.replaced is None
    assert got.video_id is not None and slot.facebook_live_id == got.video_id
    assert got.stream_url == fake.stream_url(got.video_id)


@pytest.mark.parametrize("status", ["SCHEDULED_UNPUBLISHED", "UNPUBLISHED", "LIVE"])
def test_a_stored_live_video_that_takes_a_stream_is_kept(
    settings: Settings, fake: FakeGraphApi, status: str
) -> None:
    episode, slot = episode_and_slot()
    first = prepare_live_video(settings, episode, slot, graph(fake))
    assert first.video_id is not None
    fake.set_status(first.video_id, status)
    again = prepare_live_video(settings, episode, slot, graph(fake))
    assert (again.video_id, again.stream_url, again.created) == (
        first.video_id,
        first.stream_url,
        False,
    )
    assert again.status == status and len(fake.videos) == 1
    assert fake.requests[-1].query["fields"] == "status,secure_stream_url,stream_url"


@pytest.mark.parametrize(
    "status", ["LIVE_STOPPED", "VOD", "PROCESSING", "SCHEDULED_EXPIRED", "SCHEDULED_CANCELED"]
)
def test_an_ended_live_video_is_replaced_and_never_streamed_to(
    settings: Settings, fake: FakeGraphApi, status: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    episode, slot = episode_and_slot()
    old = prepare_live_video(settings, episode, slot, graph(fake)).video_id
    assert old is not None
    fake.set_status(old, status)
    got = prepare_live_video(settings, episode, slot, graph(fake))
    assert got.video_id not in (None, old) and got.created
    assert (got.replaced, got.replaced_status) == (old, status)
    assert slot.facebook_live_id == got.video_id
    assert got.stream_url == fake.stream_url(str(got.video_id))
    assert f"FB-{old}" not in str(got.stream_url)
    assert f"live video {old} has ended ({status})" in caplog.text
    assert f"new live video {got.video_id} replaces it" in caplog.text
    assert TOKEN not in caplog.text and "rtmp://" not in caplog.text


def test_a_stored_live_video_without_a_stream_url_is_replaced(
    settings: Settings, fake: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    episode, slot = episode_and_slot()
    old = prepare_live_video(settings, episode, slot, graph(fake)).video_id
    assert old is not None
    real = FakeGraphApi._video_json

    def without_url(self: FakeGraphApi, video: Video, fields: str | None) -> Answer:
        code, answer = real(self, video, fields)
        if video.id == old:
            answer = {k: v for k, v in answer.items() if not k.endswith("stream_url")}
        return code, answer

    monkeypatch.setattr(FakeGraphApi, "_video_json", without_url)
    got = prepare_live_video(settings, episode, slot, graph(fake))
    assert got.replaced == old and got.replaced_status == "no stream URL"
    assert slot.facebook_live_id == got.video_id != old
    assert got.stream_url == fake.stream_url(str(got.video_id))


def test_an_ended_video_that_cannot_be_replaced_is_an_error(
    settings: Settings,
    fake: FakeGraphApi,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    episode, slot = episode_and_slot()
    old = prepare_live_video(settings, episode, slot, graph(fake)).video_id
    assert old is not None
    fake.set_status(old, "VOD")

    def refused(self: FakeGraphApi, form: dict[str, str]) -> Answer:
        return 400, {"error": {"message": "(#200) Permissions error", "type": "OAuthException",
                               "code": 200, "fbtrace_id": "x"}}  # fmt: skip

    monkeypatch.setattr(FakeGraphApi, "_create", refused)
    got = prepare_live_video(settings, episode, slot, graph(fake))
    assert got.error is not None and "permission" in got.error and got.stream_url is None
    assert got.replaced == old
    assert slot.facebook_live_id == old  # kept: the next try looks it up again
    assert "no new one could be made" in caplog.text and TOKEN not in caplog.text


def test_a_failed_lookup_is_the_legs_error(settings: Settings, fake: FakeGraphApi) -> None:
    episode, slot = episode_and_slot()
    old = prepare_live_video(settings, episode, slot, graph(fake)).video_id
    fake.fail(190, subcode=460, message="Error validating access token")
    got = prepare_live_video(settings, episode, slot, graph(fake))
    assert got.stream_url is None and got.error is not None and "expired" in got.error
    assert slot.facebook_live_id == old and len(fake.videos) == 1
