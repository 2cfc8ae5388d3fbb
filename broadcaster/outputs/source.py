"""The radio encoder's MP3 sent to the Icecast mount by the daemon itself (PROTOCOLS.md).

Icecast 2.4 takes a source as `PUT /mount` with Basic auth and `Expect: 100-continue`;
writing it here rather than giving ffmpeg an `icecast://source:PASSWORD@...` URL keeps the
password out of every process list, and tells to the millisecond when the first audio left
for the server (the as-run's `actual_start`), whatever the encoder did before.
"""

from __future__ import annotations

import base64
import socket
from dataclasses import dataclass

HEAD_LIMIT = 8192
SEND_TIMEOUT_S = 10.0
"""A server that takes nothing for this long has stalled: the leg is off air (`timeout`)."""


class SourceRefused(ConnectionError):
    """Icecast answered the source's request with an error (401 wrong password, 403 in use)."""


@dataclass(frozen=True)
class IcecastMount:
    """Where and how the radio source connects: no secret is ever shown from here."""

    host: str
    port: int
    mount: str
    password: str
    name: str = "Sarika FM"
    description: str = ""
    genre: str = "Talk"

    @property
    def url(self) -> str:
        """The mount's public address (no credentials)."""
        return f"http://{self.host}:{self.port}{self.mount}"

    def request(self) -> bytes:
        auth = base64.b64encode(f"source:{self.password}".encode()).decode()
        lines = [
            f"PUT {self.mount} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Authorization: Basic {auth}",
            "User-Agent: Broadcaster",
            "Content-Type: audio/mpeg",
            f"Ice-Name: {_one_line(self.name)}",
            f"Ice-Description: {_one_line(self.description or self.name)}",
            f"Ice-Genre: {self.genre}",
            "Ice-Public: 0",
            "Expect: 100-continue",
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def connect(self, timeout: float = 10.0) -> socket.socket:
        """A connection Icecast has accepted as the mount's source, ready for MP3 bytes."""
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            sock.sendall(self.request())
            head = b""
            while b"\r\n\r\n" not in head:
                got = sock.recv(1024)
                if not got:
                    raise ConnectionResetError("Icecast closed the connection: end of file")
                head += got
                if len(head) > HEAD_LIMIT:
                    raise ConnectionError("Icecast's answer is too long to be a source reply")
            status = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = status.split(" ", 2)
            code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            if code not in (100, 200):
                raise SourceRefused(f"Icecast refused the source: {status}")
            sock.settimeout(SEND_TIMEOUT_S)
            return sock
        except BaseException:
            sock.close()
            raise


def _one_line(text: str) -> str:
    return " ".join(text.split())
