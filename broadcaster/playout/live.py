"""A live episode's feed, relayed as real-time PCM on loopback, with standby when it drops.

The feed is decoded by its own ffmpeg; a pacer sends 0.1-s chunks to every leg connected
to `url` (the legs read it like any HTTP input). When no feed audio has come for
`lost_after_s`, the pacer plays the standby loop instead while the feed is retried with
back-off, and switches back as soon as the feed delivers again. Each switch is a `Gap`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import subprocess
import threading
import time
from collections import deque
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from broadcaster.clock import Clock, system_clock
from broadcaster.outputs.spawn import close_pipes, spawn
from broadcaster.playout.timing import Gap, backoff
from broadcaster.privacy import masked_url

log = logging.getLogger(__name__)

RATE, CHANNELS = 48000, 2
CHUNK_S = 0.1
CHUNK = int(RATE * CHANNELS * 2 * CHUNK_S)
PCM_INPUT = ("-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS))
"""What a leg puts before `-i` to read the relayed feed."""
STANDBY_CAUSE = "feed lost, standby"
MAX_BUFFER = 5
"""Feed chunks kept ahead (0.5 s): more would delay noticing that the feed dropped."""
FEED_INPUT = ("-rw_timeout", "3000000", "-probesize", "32768", "-analyzeduration", "300000")
"""The feed decoder gives up after 3 s without data and starts fast; `LiveFeed` retries it."""
RESUME_CHUNKS = 2
"""Feed chunks waiting before standby hands back, so a flicker does not flap the switch."""


def decoder(args: list[str]) -> subprocess.Popen[bytes]:
    return spawn(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            *args,
            "-vn",
            "-f",
            "s16le",
            "-ar",
            str(RATE),
            "-ac",
            str(CHANNELS),
            "pipe:1",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def read_chunk(stream: IO[bytes]) -> bytes:
    """One whole chunk, or b"" at the end of the stream."""
    data = b""
    while len(data) < CHUNK:
        more = stream.read(CHUNK - len(data))
        if not more:
            return b""
        data += more
    return data


class LiveFeed:
    """Relays `feed_url` to the legs in real time; the standby file covers its drops."""

    def __init__(
        self,
        feed_url: str,
        standby: Path,
        clock: Clock = system_clock,
        lost_after_s: float = 1.0,
        retry_cap_s: float = 2.0,
        startup_grace_s: float = 3.0,
    ) -> None:
        self.feed_url, self.standby, self.clock = feed_url, standby, clock
        self.lost_after_s, self.retry_cap_s = lost_after_s, retry_cap_s
        self.gaps: list[Gap] = []
        self.on_standby = False
        self._feed: deque[bytes] = deque(maxlen=MAX_BUFFER)
        self._last_feed = time.monotonic() + startup_grace_s
        self._clients: list[queue.Queue[bytes]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._procs: list[subprocess.Popen[bytes]] = []
        self._threads: list[threading.Thread] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/feed.pcm"

    def start(self) -> LiveFeed:
        for target in (self._server.serve_forever, self._relay_feed, self._pace):
            thread = threading.Thread(target=target, daemon=True, name="live-feed")
            self._threads.append(thread)
            thread.start()
        return self

    def stop(self) -> list[Gap]:
        """Stop relaying; returns the standby periods (the last one closed now)."""
        self._stop.set()
        with self._lock:
            if self.gaps and self.gaps[-1].end is None:
                self.gaps[-1].end = self.clock()
            procs = list(self._procs)
        for proc in procs:
            proc.kill()
        self._server.shutdown()
        for thread in self._threads:  # each ends once its process or its wait has
            thread.join(5.0)
        self._server.server_close()
        return list(self.gaps)

    # -- the feed, retried with back-off ------------------------------------------------
    def _relay_feed(self) -> None:
        failures = 0
        while not self._stop.is_set():
            proc = decoder([*FEED_INPUT, "-i", self.feed_url])
            with self._lock:
                self._procs.append(proc)
            assert proc.stdout is not None
            got_any = False
            while chunk := read_chunk(proc.stdout):
                got_any = True
                self._last_feed = time.monotonic()
                self._feed.append(chunk)
            proc.wait()
            close_pipes(proc)
            with self._lock:
                self._procs.remove(proc)
            failures = 1 if got_any else failures + 1
            if self._stop.wait(backoff(failures, 0.5, self.retry_cap_s)):
                return
            log.info("live feed: retrying %s", masked_url(self.feed_url))

    # -- the pacer: one chunk every 0.1 s to every leg ----------------------------------
    def _pace(self) -> None:
        standby: subprocess.Popen[bytes] | None = None
        silence = bytes(CHUNK)
        due = time.monotonic()
        try:
            while not self._stop.is_set():
                if self.on_standby and len(self._feed) >= RESUME_CHUNKS:
                    self._switch(False)
                chunk = self._feed.popleft() if self._feed and not self.on_standby else None
                if (
                    chunk is None
                    and not self.on_standby
                    and time.monotonic() - self._last_feed > self.lost_after_s
                ):
                    self._switch(True)
                if chunk is None and self.on_standby:
                    if standby is None or standby.poll() is not None:
                        close_pipes(standby)
                        standby = decoder(["-stream_loop", "-1", "-i", str(self.standby)])
                        with self._lock:
                            self._procs.append(standby)
                    assert standby.stdout is not None
                    chunk = read_chunk(standby.stdout)
                self._send(chunk or silence)
                due += CHUNK_S
                pause = due - time.monotonic()
                if pause < -1.0:  # far behind (a stalled machine): start the beat afresh
                    due = time.monotonic()
                elif pause > 0:
                    self._stop.wait(pause)
        finally:
            if standby is not None:
                standby.kill()
                standby.wait()
                close_pipes(standby)

    def _switch(self, to_standby: bool) -> None:
        now = self.clock()
        with self._lock:
            self.on_standby = to_standby
            if to_standby:
                self.gaps.append(Gap(start=now, end=None, cause=STANDBY_CAUSE))
                log.warning("live feed lost: standby audio on air (%s)", self.standby.name)
            elif self.gaps and self.gaps[-1].end is None:
                self.gaps[-1].end = now
                log.info("live feed back on air")

    def _send(self, chunk: bytes) -> None:
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(queue.Full):  # a stuck leg loses audio, not the others
                client.put_nowait(chunk)

    def _serve_client(self, write: Any) -> None:
        client: queue.Queue[bytes] = queue.Queue(maxsize=50)
        with self._lock:
            self._clients.append(client)
        try:
            while not self._stop.is_set():
                try:
                    write(client.get(timeout=0.5))
                except queue.Empty:
                    continue
        except OSError:
            pass  # the leg went away
        finally:
            with self._lock:
                self._clients.remove(client)

    def gaps_between(self, start: datetime, end: datetime) -> list[Gap]:
        """The standby periods clipped to a leg's time on air."""
        out = []
        for gap in self.gaps:
            gap_end = gap.end or end
            if gap_end > start and gap.start < end:
                out.append(Gap(max(gap.start, start), min(gap_end, end), gap.cause))
        return out


def _handler(feed: LiveFeed) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "audio/L16")
            self.end_headers()
            feed._serve_client(self.wfile.write)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler
