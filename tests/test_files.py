"""Private files and folders whatever the umask; URLs and children that keep secrets."""

import os
import stat
from pathlib import Path

import pytest

from broadcaster.files import is_regular_file, private_dir, write_private
from broadcaster.privacy import child_env, mask_urls, masked_url


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> object:
    old = os.umask(0)
    yield
    os.umask(old)


def test_folders_are_0700_and_files_0600_under_umask_000(
    tmp_path: Path, loose_umask: object
) -> None:
    deep = private_dir(tmp_path / "a" / "b" / "c")
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", deep)] == [0o700] * 3
    config = write_private(deep / "icecast.xml", "<icecast/>")
    assert mode(config) == 0o600 and config.read_text() == "<icecast/>"
    write_private(config, b"<icecast>new</icecast>")  # replaced whole, still private
    assert mode(config) == 0o600 and config.read_bytes() == b"<icecast>new</icecast>"
    assert sorted(p.name for p in deep.iterdir()) == ["icecast.xml"]  # no scratch left


def test_an_existing_folder_loses_writing_by_others_only(
    tmp_path: Path, loose_umask: object
) -> None:
    shared = tmp_path / "airchecks"
    shared.mkdir(0o777)
    private_dir(shared)
    assert mode(shared) == 0o755
    sticky = tmp_path / "tmp"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)
    private_dir(sticky)  # like /tmp: everyone's by design, left alone
    assert stat.S_IMODE(sticky.stat().st_mode) == 0o1777


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "file").write_text("x")
    assert [is_regular_file(tmp_path / n) for n in ("fifo", "file", "missing")] == [
        False,
        True,
        False,
    ]
    assert not is_regular_file(tmp_path) and not is_regular_file(Path("/dev/null"))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://studio:PASSWORD@host:8000/live.mp3", "http://studio:***@host:8000/live.mp3"),
        ("rtmps://u:k3y@[::1]:443/app?x=1", "rtmps://u:***@[::1]:443/app?x=1"),
        ("http://host:8000/live.mp3", "http://host:8000/live.mp3"),
        ("http://a:b:c@host/", "http://a:***@host/"),
        ("/srv/audio/talk.mp3", "/srv/audio/talk.mp3"),
    ],
)
def test_urls_are_shown_without_their_password(url: str, shown: str) -> None:
    assert masked_url(url) == shown


def test_messages_and_children_keep_secrets() -> None:
    line = "live feed http://studio:PW@h/x.mp3 down; retry rtmp://a:b@h/app"
    assert mask_urls(line) == "live feed http://studio:***@h/x.mp3 down; retry rtmp://a:***@h/app"
    env = child_env(
        {"PATH": "/usr/bin", "LANG": "C.UTF-8", "HOME": "/root", "TZ": "UTC",
         "FB_PAGE_ACCESS_TOKEN": "EAAB", "ICECAST_SOURCE_PASSWORD": "x", "BROADCASTER_DB": "pg"}
    )  # fmt: skip
    assert env == {"PATH": "/usr/bin", "LANG": "C.UTF-8", "HOME": "/root", "TZ": "UTC"}
    assert child_env({})["PATH"]
