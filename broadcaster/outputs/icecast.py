"""The radio leg: MP3 to an Icecast mount, ffmpeg as the source client (PROTOCOLS.md)."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

import requests

from broadcaster.outputs.causes import mask
from broadcaster.outputs.leg import FfmpegLeg, Segment

log = logging.getLogger(__name__)


class IcecastLeg(FfmpegLeg):
    """Streams the audio to `url` (http://host:port/mount) and sets the stream title."""

    kind = "icecast"

    def __init__(
        self,
        name: str,
        source: str,
        *,
        url: str,
        password: str,
        title: str,
        bitrate_kbps: int = 128,
        station_name: str = "Sarika FM",
        description: str = "",
        live: bool = False,
        relay: bool = False,
        input_format: tuple[str, ...] = (),
    ) -> None:
        super().__init__(name, source, live=live, relay=relay, input_format=input_format)
        parts = urlsplit(url)
        if not parts.hostname or not parts.path or parts.path == "/":
            raise ValueError(f"radio: icecast URL {url!r} needs a host and a mount")
        self.url = url
        self.host, self.port, self.mount = parts.hostname, parts.port or 8000, parts.path
        self.password = password
        self.title = title
        self.bitrate_kbps = bitrate_kbps
        self.station_name = station_name
        self.description = description

    def secrets(self) -> tuple[str, ...]:
        return (self.password, quote(self.password, safe=""))

    def target(self) -> str:
        auth = f"source:{quote(self.password, safe='')}"
        return f"icecast://{auth}@{self.host}:{self.port}{self.mount}"

    def handover_key(self) -> str:
        return f"icecast://{self.host}:{self.port}{self.mount}"

    def output_args(self, segment: Segment) -> list[str]:
        return [
            "-vn", "-c:a", "libmp3lame", "-b:a", f"{self.bitrate_kbps}k", "-ar", "44100",
            "-content_type", "audio/mpeg", "-ice_name", self.station_name,
            "-ice_description", self.description or self.title, "-ice_genre", "Talk",
            "-ice_public", "0", "-f", "mp3", self.target(),
        ]  # fmt: skip

    def on_live(self) -> None:
        set_title(self.url, self.password, self.title)


def set_title(url: str, password: str, title: str, timeout: float = 5.0) -> None:
    """Set the mount's stream title through Icecast's admin interface (MP3 mounts only)."""
    parts = urlsplit(url)
    admin = f"{parts.scheme}://{parts.netloc}/admin/metadata"
    params = {"mount": parts.path, "mode": "updinfo", "song": title, "charset": "UTF-8"}
    try:
        reply = requests.get(admin, params=params, auth=("source", password), timeout=timeout)
    except requests.RequestException as exc:
        raise RuntimeError(mask(f"stream title not set: {exc}", [password])) from None
    if reply.status_code != 200:
        raise RuntimeError(f"stream title not set: Icecast answered {reply.status_code}")
    log.info("radio %s: stream title set to %r", parts.path, title)
