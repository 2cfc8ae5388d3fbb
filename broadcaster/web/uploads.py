"""Receiving an uploaded recording: streamed to disk, size-limited, never trusted by name.

The body is refused before it is read when its `Content-Length` is over the limit, and
while streaming as soon as it passes it (chunked bodies have no length); the partial
file is removed. The file is stored under a name the server makes (a UUID and one of
a few known audio extensions): the client's file name is only a label, and one with
folders, a leading dot or control characters is refused.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool

from broadcaster.files import private_dir
from broadcaster.web.errors import ApiError

AUDIO_SUFFIXES = (".mp3", ".wav", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".mp2", ".wma")
FIELDS_LIMIT = 256 * 1024
"""All text fields together (title, description, partners...)."""
MAX_PARTS = 64


@dataclass
class Upload:
    path: Path | None = None
    file_name: str = ""
    size: int = 0
    fields: dict[str, list[str]] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def text(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[-1] if values else None


def safe_label(client_name: str) -> str:
    """The client's file name as a label; one with folders or odd characters is refused
    (a name like `../../etc/passwd.mp3` is an attack or a mistake, not a title)."""
    name = unicodedata.normalize("NFC", client_name).strip()
    if not name:
        raise ApiError(422, "file: the upload has no file name", "file")
    if re.search(r"[\\/]", name) or name.startswith(".") or "\x00" in name:
        raise ApiError(
            422,
            "file: the file name must be a plain name, without folders or a leading dot",
            "file",
        )
    if not all(c.isprintable() for c in name) or len(name) > 200:
        raise ApiError(422, "file: the file name has unprintable characters or is too long", "file")
    return name


def stored_suffix(label: str) -> str:
    suffix = Path(label).suffix.lower()
    return suffix if suffix in AUDIO_SUFFIXES else ".audio"


class _Receiver:
    """python-multipart callbacks that sort parts into text fields and the one file."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self.upload = Upload()
        self.pending: list[Callable[[], None]] = []
        self._headers: dict[bytes, bytes] = {}
        self._field: bytes = b""
        self._value: bytes = b""
        self._name: str | None = None
        self._is_file = False
        self._text = bytearray()
        self._fh: IO[bytes] | None = None
        self._opened: list[IO[bytes]] = []
        self._text_total = 0
        self._parts = 0

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise ApiError(400, f"body: more than {MAX_PARTS} parts", "body")
        self._headers, self._field, self._value = {}, b"", b""
        self._name, self._is_file, self._text = None, False, bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace") or None
        if b"filename" in options and self._name == "file":
            if self.upload.path is not None:
                raise ApiError(400, "file: send one file per upload", "file")
            label = safe_label(options[b"filename"].decode("utf-8", "replace"))
            private_dir(self.folder)
            path = self.folder / f"{uuid.uuid4().hex}{stored_suffix(label)}"
            self.upload.path, self.upload.file_name, self._is_file = path, label, True
            # 0600 whatever the umask; closed in part_end / close
            self._fh = os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "wb")
            self._opened.append(self._fh)
        elif b"filename" in options:
            self._name = None  # another file field: ignored, not stored

    def part_data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if self._is_file:
            self.upload.size += size
            if self.upload.size > self.limit:
                raise _too_large(self.limit)
            chunk, fh = bytes(data[start:end]), self._fh
            assert fh is not None
            self.pending.append(lambda: _write(fh, chunk))
        elif self._name is not None:
            self._text_total += size
            if self._text_total > FIELDS_LIMIT:
                raise ApiError(413, "body: the text fields are too long", "body")
            self._text += data[start:end]

    def part_end(self) -> None:
        if self._is_file and self._fh is not None:
            fh = self._fh
            self.pending.append(fh.close)
            self._fh = None
        elif self._name is not None:
            try:
                value = self._text.decode("utf-8")
            except UnicodeDecodeError:
                raise ApiError(422, f"{self._name}: not UTF-8 text", self._name) from None
            self.upload.fields.setdefault(self._name, []).append(value)

    async def flush(self) -> None:
        """Do the file writes the parser asked for, off the event loop."""
        if self.pending:
            work, self.pending = self.pending, []
            await run_in_threadpool(lambda: [f() for f in work])

    def close(self) -> None:
        self._fh = None
        for fh in self._opened:
            fh.close()


def _write(fh: IO[bytes], chunk: bytes) -> None:
    fh.write(chunk)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, f"file: larger than the upload limit of {limit // (1024 * 1024)} MB", "file"
    )


async def receive(request: Request, folder: Path, limit: int) -> Upload:
    """Stream a multipart body; the file goes to `folder` under a made-up name."""
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not options.get(b"boundary"):
        raise ApiError(
            415 if ctype != b"multipart/form-data" else 400,
            "body: send the recording as multipart/form-data with a 'file' field",
            "file",
        )
    length = request.headers.get("content-length")
    body_limit = limit + FIELDS_LIMIT + 64 * 1024
    if length is not None:
        if not length.isdigit():
            raise ApiError(400, "content-length: not a number", "content-length")
        if int(length) > body_limit:
            raise _too_large(limit)
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser

    receiver = _Receiver(folder, limit)
    parser = MultipartParser(options[b"boundary"], receiver.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > body_limit:
                raise _too_large(limit)
            parser.write(chunk)
            await receiver.flush()
        parser.finalize()
        await receiver.flush()
    except MultipartParseError:
        receiver.close()
        receiver.upload.discard()
        raise ApiError(400, "body: not a valid multipart/form-data body", "body") from None
    except BaseException:
        receiver.close()
        receiver.upload.discard()
        raise
    receiver.close()
    return receiver.upload


def free_bytes(folder: Path) -> int:
    private_dir(folder)
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize
