"""Real icecast2 and nginx-rtmp on free loopback ports in temporary folders (PROTOCOLS.md)."""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from array import array
from pathlib import Path
from typing import Any

import requests

from broadcaster.local_icecast import icecast_config
from tests.listening import RATE, pcm

ICECAST_PASSWORD = "srcpass"
NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Server:
    """A foreground server process that can be stopped and started again on the same port."""

    port: int

    def __init__(self, prefix: str) -> None:
        # Not under pytest's tmp_path: icecast drops to `nobody`, who must read this folder.
        self.dir = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        os.chmod(self.dir, 0o777)
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        self.starts += 1
        log = open(self.dir / f"server-{self.starts}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for_port(self.port)
        self.ready()

    def ready(self) -> None:
        """Wait until the server answers properly, not just accepts connections."""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.dir.glob("server-*.log"))
        )


class Icecast(Server):
    """icecast2 on a free loopback port; `relays` makes it relay other servers' mounts
    ((port, mount, local mount) on 127.0.0.1), as a province's transmitter does."""

    def __init__(self, relays: tuple[tuple[int, str, str], ...] = ()) -> None:
        super().__init__("icecast-")
        self.port = free_port()
        (self.dir / "icecast.xml").write_text(
            icecast_config(
                self.port,
                self.dir,
                ICECAST_PASSWORD,
                "adminpass",
                sources=16,
                relay_password="relaypass",
                master_update_s=1 if relays else 2,
                relays=tuple(("127.0.0.1", port, m, local) for port, m, local in relays),
            )
        )
        os.chmod(self.dir / "icecast.xml", 0o644)

    def command(self) -> list[str]:
        return ["icecast2", "-c", str(self.dir / "icecast.xml")]

    def ready(self) -> None:
        # Its first answers after start lack the server fields and are not even valid JSON.
        deadline = time.monotonic() + 10
        while True:
            try:
                self.stats()
                return
            except (ValueError, requests.RequestException):  # not answering, or half-started
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stats(self) -> dict[str, Any]:
        got = requests.get(f"http://127.0.0.1:{self.port}/status-json.xsl", timeout=5)
        return dict(json.loads(got.text, strict=False)["icestats"])

    def feed(self, mount: str, freq: int, seconds: int = 120) -> subprocess.Popen[bytes]:
        """A live source on `mount`: a steady tone sent in real time by its own ffmpeg."""
        proc = subprocess.Popen(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-re",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={freq}:duration={seconds}",
                "-c:a",
                "libmp3lame",
                "-b:a",
                "64k",
                "-content_type",
                "audio/mpeg",
                "-f",
                "mp3",
                f"icecast://source:{ICECAST_PASSWORD}@127.0.0.1:{self.port}{mount}",
            ],
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while self.mount(mount) is None:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"the live source on {mount} did not come up")
            time.sleep(0.05)
        return proc

    def url(self, mount: str = "/sarika.mp3") -> str:
        return f"http://127.0.0.1:{self.port}{mount}"

    def mount(self, mount: str = "/sarika.mp3") -> dict[str, Any] | None:
        """The mount's entry in `status-json.xsl`, or None when no source is on it."""
        sources = self.stats().get("source", [])
        for source in sources if isinstance(sources, list) else [sources]:
            if str(source.get("listenurl", "")).endswith(mount):
                return dict(source)
        return None


class NginxRtmp(Server):
    def __init__(self) -> None:
        super().__init__("nginx-rtmp-")
        self.port, self.http_port = free_port(), free_port()
        self.rec = self.dir / "rec"
        for sub in ("rec", "t/body", "t/proxy", "t/fcgi", "t/uwsgi", "t/scgi", "logs"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        d = self.dir
        (d / "nginx.conf").write_text(
            f"""load_module {NGINX_RTMP_MODULE};
user root root;
daemon off; worker_processes 1; pid {d}/nginx.pid; error_log stderr info;
events {{ worker_connections 64; }}
rtmp {{ access_log off;
  server {{ listen 127.0.0.1:{self.port}; chunk_size 4096;
    application live {{ live on; record all; record_path {d}/rec; record_unique on; }} }} }}
http {{ access_log off;
  client_body_temp_path {d}/t/body; proxy_temp_path {d}/t/proxy; fastcgi_temp_path {d}/t/fcgi;
  uwsgi_temp_path {d}/t/uwsgi; scgi_temp_path {d}/t/scgi;
  server {{ listen 127.0.0.1:{self.http_port}; location /stat {{ rtmp_stat all; }} }} }}
"""
        )

    def command(self) -> list[str]:
        return ["nginx", "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"), "-e", "stderr"]

    @property
    def rtmp_base(self) -> str:
        return f"rtmp://127.0.0.1:{self.port}/live"

    def recordings(self, key: str) -> list[Path]:
        return sorted(self.rec.glob(f"{key}-*.flv"), key=lambda p: p.stat().st_mtime)


def make_card_loop(path: Path) -> Path:
    """A plain 2-s, 30 fps H.264 GOP of a navy card, as the card helper will make it."""
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=navy:s=1280x720:r=30",
            "-t",
            "2",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "60",
            "-keyint_min",
            "60",
            "-sc_threshold",
            "0",
            str(path),
        ],
        check=True,
    )
    return path


def band_volume(path: Path, start: float, seconds: float, freq: int | None = None) -> float:
    """Mean volume (dB) in a window of a recording: all of it, or the band around `freq`."""
    band = f"bandpass=f={freq}:width_type=q:w=8," if freq else ""
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-ss", str(start), "-t", str(seconds), "-i", str(path),
         "-vn", "-af", f"{band}volumedetect", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr  # fmt: skip
    found = re.search(r"mean_volume: (-?[\d.]+) dB", out)
    return float(found.group(1)) if found else -120.0


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out))


def keyframe_times(path: Path) -> list[float]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time,flags",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    times = []
    for line in out.splitlines():
        pts, _, flags = line.partition(",")
        if "K" in flags and pts not in ("", "N/A"):
            times.append(float(pts))
    return times


class Listener(threading.Thread):
    """A listener on the mount: tunes in as soon as it is up, keeps every byte it hears until
    the source leaves (or `give_up_s`), and notes the mount's title and source connection
    (`stream_start_iso8601`) every quarter second meanwhile."""

    def __init__(self, icecast: Icecast, out: Path, give_up_s: float = 120.0) -> None:
        super().__init__(name="listener", daemon=True)
        self.icecast, self.out, self.give_up_s = icecast, out, give_up_s
        self.titles: list[str] = []
        self.sources: set[str] = set()
        self.connected_at: float | None = None
        """Wall-clock time the listener's connection was answered."""
        self.closed = False
        """True when the server ended the stream (the source left) rather than the time limit."""
        self.arrivals: list[float] = []
        """Monotonic time each 1 KiB (an eighth of a second at 64 kbps) arrived."""

    def run(self) -> None:
        deadline = time.monotonic() + self.give_up_s
        while self.icecast.mount() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        watching = threading.Event()
        threading.Thread(target=self._watch, args=(watching,), daemon=True).start()
        try:
            with requests.get(self.icecast.url(), stream=True, timeout=10) as reply:
                reply.raise_for_status()
                self.connected_at = time.time()
                with self.out.open("wb") as sink:
                    for chunk in reply.raw.stream(1024, decode_content=False):
                        self.arrivals.append(time.monotonic())
                        sink.write(chunk)
                        if time.monotonic() > deadline:
                            return
                self.closed = True
        finally:
            watching.set()

    def longest_wait(self) -> float:
        """The longest the listener waited for audio once it was flowing (seconds)."""
        steps = [b - a for a, b in itertools.pairwise(self.arrivals)]
        return max(steps, default=0.0)

    def _watch(self, done: threading.Event) -> None:
        while not done.wait(0.25):
            try:
                mount = self.icecast.mount()
            except (requests.RequestException, ValueError):
                continue
            if mount is None:
                continue
            title = html.unescape(str(mount.get("title", "")))
            if not self.titles or self.titles[-1] != title:
                self.titles.append(title)
            self.sources.add(str(mount.get("stream_start_iso8601")))


def loud_seconds(
    path: Path, seconds: int, freq: int | None = None, start: float = 0.0
) -> list[float]:
    """The volume (dB) of each whole second of a recording from `start`, in the band of
    `freq` if given."""
    return [band_volume(path, start + s, 1.0, freq) for s in range(seconds)]


def sounding(path: Path, threshold: int = 64) -> tuple[float, float]:
    """(first, last) second of a recording where there is sound, not silence."""
    samples = pcm(path)
    loud = [i for i, x in enumerate(samples) if abs(x) > threshold]
    if not loud:
        raise AssertionError(f"{path} is silent")
    return loud[0] / RATE, loud[-1] / RATE


def on_air_at_server(session: Any, folder: Path, bitrate_kbps: int) -> tuple[float, float]:
    """When the first and the last sound of an Icecast source's stream reached the server
    (a tap's session: its MP3 body and when each byte came), to about an MP3 frame."""
    path = folder / f"body-{id(session)}.mp3"
    path.write_bytes(bytes(session.body))
    first, last = sounding(path)
    rate = bitrate_kbps * 125  # constant bit rate: bytes per second of stream
    end = len(session.body) - 1  # the last sound may be in the very last frame
    return session.arrived(min(int(first * rate), end)), session.arrived(min(int(last * rate), end))


def sounds_at_server(
    session: Any, folder: Path, bitrate_kbps: int, gap_s: float = 1.0, threshold: int = 64
) -> list[tuple[float, float]]:
    """`on_air_at_server` for a stream that carries several programmes with silence between
    them (a transmitter with no fill): (when its first sound, when its last sound reached the
    server) for each stretch of sound, in order; sound after `gap_s` of silence begins a new
    stretch. Found in the decoded body (16 kHz), turned into bytes at the constant bit rate."""
    path = folder / f"body-{id(session)}.mp3"
    path.write_bytes(bytes(session.body))
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(path), "-ac", "1", "-ar", "16000",
         "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    samples = array("h")
    samples.frombytes(raw[: len(raw) // 2 * 2])
    gap = int(gap_s * 16000)
    spans: list[tuple[int, int]] = []
    for i, x in enumerate(samples):
        if abs(x) <= threshold:
            continue
        if spans and i - spans[-1][1] <= gap:
            spans[-1] = (spans[-1][0], i)
        else:
            spans.append((i, i))
    rate = bitrate_kbps * 125  # constant bit rate: bytes per second of stream
    last = len(session.body) - 1  # the decoder's delay: the last sound may fall past the end

    def arrived(sample: int) -> float:
        return float(session.arrived(min(last, int(sample / 16000 * rate))))

    return [(arrived(a), arrived(b)) for a, b in spans]
