"""Uploading recordings: refused early when unfit, prepared in the background when good."""

from __future__ import annotations

import select
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import UPLOAD_LIMIT_MB, Api
from tests.web.helpers import files_under, stored, tone


def media(api: Api) -> Path:
    return api.station.settings.path(api.station.settings.station.media_dir)


def finished(api: Api, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = api.org("GET", f"/api/episodes/jobs/{job_id}").json()
        assert 0.0 <= job["progress"] <= 1.0
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("the job never finished")


def test_a_good_upload_is_prepared_and_listed_with_its_loudness(api: Api) -> None:
    audio = tone(api.folder, 4)
    response = api.op(
        "POST",
        "/api/episodes",
        files={"file": ("ការសន្ទនា 1.mp3", audio.read_bytes(), "audio/mpeg")},
        data={"title": "ការសន្ទនា", "series": "A2I", "partner": ["CCC", "CPDD"]},
    )
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/api/episodes/jobs/{response.json()['id']}"
    job = finished(api, response.json()["id"])
    assert job["state"] == "done", job
    assert job["file_name"] == "ការសន្ទនា 1.mp3" and job["progress"] == 1.0
    episode = job["episode"]
    assert episode["title"] == "ការសន្ទនា" and episode["partners"] == ["CCC", "CPDD"]
    assert abs(episode["loudness_lufs"] - (-16.0)) <= 1.0
    assert 3.5 < episode["duration_s"] < 4.5
    listed = api.org("GET", "/api/episodes").json()
    assert [e["id"] for e in listed] == [episode["id"]]
    assert listed[0]["loudness_lufs"] == episode["loudness_lufs"]
    shown = api.org("GET", f"/api/episodes/{episode['id']}")
    for text in (shown.text, api.org("GET", "/api/episodes").text, str(job)):
        assert str(api.folder) not in text and "/var/" not in text
    # the original is kept under a name the server made, never the client's
    assert not any("ការសន្ទនា" in name for name in files_under(media(api)))


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.mp3", b"", "empty"),
        ("notes.mp3", b"these are my notes, not audio\n" * 50, "not an audio file"),
        ("../../etc/passwd.mp3", None, "without folders"),
        ("..\\..\\boot.ini.mp3", None, "without folders"),
        (".hidden.mp3", None, "leading dot"),
    ],
)
def test_unfit_uploads_are_4xx_and_leave_nothing(
    api: Api, name: str, content: bytes | None, words: str
) -> None:
    audio = tone(api.folder, 2).read_bytes() if content is None else content
    before, files = stored(api.station), files_under(media(api))
    response = api.op("POST", "/api/episodes", files={"file": (name, audio)}, data={"title": "T"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "file" and words in error["message"], error
    assert str(api.folder) not in response.text and "uploads" not in response.text
    assert stored(api.station) == before and files_under(media(api)) == files
    assert not (api.folder / "etc").exists()


def test_missing_title_or_file_and_wrong_type(sqlite_api: Api) -> None:
    api = sqlite_api
    audio = tone(api.folder, 2).read_bytes()
    no_title = api.op("POST", "/api/episodes", files={"file": ("a.mp3", audio)})
    assert no_title.status_code == 422 and no_title.json()["error"]["field"] == "title"
    no_file = api.op("POST", "/api/episodes", files={"title": (None, "T")})
    assert no_file.status_code == 422 and no_file.json()["error"]["field"] == "file"
    as_json = api.op("POST", "/api/episodes", json={"title": "T"})
    assert as_json.status_code == 415
    garbled = api.op(
        "POST",
        "/api/episodes",
        data=b"--xyz\r\nnonsense",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert 400 <= garbled.status_code < 500
    assert files_under(media(api)) == []


def test_a_silent_recording_fails_its_job_and_leaves_nothing(sqlite_api: Api) -> None:
    api = sqlite_api
    silent = api.folder / "silent.wav"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono",
         "-t", "3", str(silent)],
        check=True,
    )  # fmt: skip
    response = api.op(
        "POST", "/api/episodes", files={"file": ("quiet.wav", silent.read_bytes())},
        data={"title": "Quiet"},
    )  # fmt: skip
    assert response.status_code == 202, response.text
    job = finished(api, response.json()["id"])
    assert job["state"] == "failed" and "silent" in job["error"]["message"]
    assert job["error"]["message"].startswith("quiet.wav") and str(api.folder) not in str(job)
    assert files_under(media(api)) == [] and stored(api.station)["episodes"] == []


def _largest_file(folder: Path) -> int:
    sizes = [0]
    for path in folder.glob("*"):
        try:
            sizes.append(path.stat().st_size)
        except FileNotFoundError:
            continue  # removed meanwhile
    return max(sizes)


def _raw_request(url: str, head: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(head.encode())
    return sock


def _response(sock: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode("latin-1")


def _head(api: Api, extra: str) -> str:
    return (
        "POST /api/episodes HTTP/1.1\r\nHost: test\r\n"
        f"Authorization: Bearer {api.operator}\r\n"
        "Content-Type: multipart/form-data; boundary=BOUNDARY\r\n" + extra + "\r\n"
    )


def test_a_body_over_the_limit_is_refused_by_its_length_before_it_is_read(
    sqlite_api: Api,
) -> None:
    api = sqlite_api
    sock = _raw_request(api.url, _head(api, f"Content-Length: {50 * 1024 * 1024}\r\n"))
    try:
        answer = _response(sock)  # not one byte of the body was sent
    finally:
        sock.close()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert files_under(media(api)) == []


def test_a_streamed_body_over_the_limit_is_cut_off(sqlite_api: Api) -> None:
    api = sqlite_api
    sock = _raw_request(api.url, _head(api, "Transfer-Encoding: chunked\r\n"))
    part = (
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="title"\r\n\r\nBig\r\n'
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename="big.mp3"\r\n'
        b"Content-Type: audio/mpeg\r\n\r\n"
    )
    chunk = b"\xff\xfb\x90\x00" * 16384  # 64 KiB
    sent, limit, cap, largest = 0, UPLOAD_LIMIT_MB * 1024 * 1024, 64 * 1024 * 1024, 0
    uploads = media(api) / "uploads"
    try:
        sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        while sent < cap:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            largest = max(largest, _largest_file(uploads))
        answer = _response(sock)
    except (BrokenPipeError, ConnectionResetError):
        answer = _response(sock)
    finally:
        sock.close()
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    # refused while streaming, not after taking it all (what was sent past the limit sat in
    # the loopback's socket buffers), and never more than the limit on disk
    assert sent < cap and largest <= limit
    deadline = time.monotonic() + 5
    while files_under(media(api)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert files_under(media(api)) == []


def test_episodes_show_no_server_path_nor_credentials(api: Api) -> None:
    from broadcaster import episodes as library

    fields = library.EpisodeFields("Call-in")
    live = library.add_live(
        api.station, "http://studio:s3cret@10.0.0.5:8000/live.mp3", "1h", fields
    )
    shown = api.org("GET", f"/api/episodes/{live.id}")
    assert shown.status_code == 200
    assert shown.json()["source"] == "http://10.0.0.5:8000/live.mp3"
    assert shown.json()["loudness_lufs"] is None and shown.json()["kind"] == "live"
    assert "s3cret" not in api.org("GET", "/api/episodes").text
