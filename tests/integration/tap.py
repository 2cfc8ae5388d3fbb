"""A timestamping TCP proxy put in front of icecast2 or nginx-rtmp: when did media arrive?

Each connection's client-to-server bytes are parsed just enough to tell the set-up phase
(Icecast: the `PUT` request head; RTMP: the handshake and the command messages) from the
media (Icecast: the request body; RTMP: audio messages, type 8, and video, type 9), and the
wall-clock time (`time.time()`) of the first and last read holding media is kept.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field

from tests.integration.servers import free_port

RTMP_HANDSHAKE = 1 + 1536 + 1536
AUDIO, VIDEO = 8, 9


class HttpPutParser:
    """Everything after the request head of an Icecast source is audio; the body is kept."""

    def __init__(self) -> None:
        self._head = b""
        self._in_body = False
        self.body = bytearray()

    def feed(self, data: bytes) -> set[int]:
        if self._in_body:
            self.body += data
            return {AUDIO} if data else set()
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            return set()
        self._in_body = True
        self.body += self._head[end + 4 :]
        return {AUDIO} if len(self._head) > end + 4 else set()


@dataclass
class _Stream:
    length: int = 0
    type_id: int = 0
    left: int = 0
    payload: bytearray = field(default_factory=bytearray)


class RtmpParser:
    """Client-to-server RTMP chunks: which message types each read carried (spec 5.3)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._skip = RTMP_HANDSHAKE
        self._chunk_size = 128
        self._streams: dict[int, _Stream] = {}

    def feed(self, data: bytes) -> set[int]:
        self._buf += data
        seen: set[int] = set()
        if self._skip:
            dropped = min(self._skip, len(self._buf))
            del self._buf[:dropped]
            self._skip -= dropped
        while self._buf:
            got = self._chunk()
            if got is None:
                break
            if got:
                seen.add(got)
        return seen

    def _chunk(self) -> int | None:
        """Consume one whole chunk; its message type (0 if nothing), None if incomplete."""
        buf = self._buf
        fmt, csid, pos = buf[0] >> 6, buf[0] & 0x3F, 1
        if csid in (0, 1):
            width = 1 if csid == 0 else 2
            if len(buf) < 1 + width:
                return None
            csid = 64 + buf[1] + (buf[2] * 256 if width == 2 else 0)
            pos += width
        header = (11, 7, 3, 0)[fmt]
        if len(buf) < pos + header:
            return None
        stream = self._streams.setdefault(csid, _Stream())
        stamp = int.from_bytes(buf[pos : pos + 3], "big") if header else 0
        length, type_id = stream.length, stream.type_id
        if header >= 7:
            length = int.from_bytes(buf[pos + 3 : pos + 6], "big")
            type_id = buf[pos + 6]
        pos += header
        if stamp == 0xFFFFFF:
            pos += 4
        starting = stream.left == 0
        left = length if starting else stream.left
        size = min(self._chunk_size, left)
        if len(buf) < pos + size:
            return None
        stream.length, stream.type_id = length, type_id
        payload = bytes(buf[pos : pos + size])
        del buf[: pos + size]
        stream.left = left - size
        if starting:
            stream.payload = bytearray()
        stream.payload += payload
        if stream.left == 0 and type_id == 1 and len(stream.payload) >= 4:
            self._chunk_size = int.from_bytes(stream.payload[:4], "big") & 0x7FFFFFFF
        return type_id if type_id in (AUDIO, VIDEO) else 0


@dataclass
class Session:
    """One client connection: when it opened and when media (by message type) came."""

    opened: float
    first: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)
    closed: float | None = None
    body: bytearray = field(default_factory=bytearray)
    """An Icecast source's MP3, as the server got it."""
    arrivals: list[tuple[float, int]] = field(default_factory=list)
    """(time, bytes of `body` so far) after each read."""

    def arrived(self, offset: int) -> float:
        """When byte `offset` of the body reached the server."""
        for when, total in self.arrivals:
            if total > offset:
                return when
        raise AssertionError(f"byte {offset} never arrived ({len(self.body)} did)")


class Tap:
    """Listens on `port` and forwards to 127.0.0.1:`target`; `rtmp` picks the parser."""

    def __init__(self, target: int, *, rtmp: bool) -> None:
        self.target, self.rtmp = target, rtmp
        self.port = free_port()
        self.sessions: list[Session] = []
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closing = True
        self._listener.close()

    def media_sessions(self) -> list[Session]:
        return [s for s in self.sessions if s.first]

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            session = Session(opened=time.time())
            self.sessions.append(session)
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            parser = RtmpParser() if self.rtmp else HttpPutParser()
            up = threading.Thread(
                target=self._pump, args=(client, server, session, parser), daemon=True
            )
            down = threading.Thread(target=self._pump, args=(server, client, None, None))
            down.daemon = True
            up.start()
            down.start()

    @staticmethod
    def _pump(
        src: socket.socket,
        dst: socket.socket,
        session: Session | None,
        parser: HttpPutParser | RtmpParser | None,
    ) -> None:
        try:
            while True:
                data = src.recv(65536)
                now = time.time()
                if not data:
                    break
                if session is not None and parser is not None:
                    for kind in parser.feed(data):
                        session.first.setdefault(kind, now)
                        session.last[kind] = now
                    if isinstance(parser, HttpPutParser):
                        session.body = parser.body
                        session.arrivals.append((now, len(parser.body)))
                dst.sendall(data)
        except OSError:
            pass
        finally:
            if session is not None:
                session.closed = time.time()
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
