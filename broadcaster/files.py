"""Files and folders the station writes: private to its user whatever the umask.

Renditions, title cards, aircheck recordings and configs holding passwords are the
station's own: nobody else on the machine may replace what goes on air or read a secret.
Folders are made 0700 and files 0600; whole files are written atomically (a temporary
file beside the target, renamed into place), so a reader never sees half of one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
CHILD_UMASK = 0o077
"""The umask children (ffmpeg) run with: what they write is the station's alone."""


def private_dir(path: Path) -> Path:
    """`path` and any missing parents made 0700. An existing folder of ours keeps its mode,
    less any write permission for others (made by a tool under a loose umask)."""
    missing: list[Path] = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            os.mkdir(folder, FOLDER_MODE)
            os.chmod(folder, FOLDER_MODE)  # the umask may have taken bits away
    if not path.is_dir():
        raise NotADirectoryError(f"{path}: not a folder")
    if not missing:
        _no_writing_by_others(path)
    return path


def _no_writing_by_others(folder: Path) -> None:
    info = os.stat(folder)
    shared = info.st_mode & stat.S_ISVTX  # /tmp and the like: everyone's by design
    if info.st_uid == os.geteuid() and info.st_mode & 0o022 and not shared:
        with contextlib.suppress(OSError):
            os.chmod(folder, stat.S_IMODE(info.st_mode) & ~0o022)


def make_private(path: Path) -> Path:
    """Set a file the station made to 0600 (a folder to 0700)."""
    os.chmod(path, FOLDER_MODE if path.is_dir() else FILE_MODE)
    return path


def write_private(path: Path, data: str | bytes) -> Path:
    """Write a whole file 0600, atomically: a reader sees the old file or the new one."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # made 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(scratch, FILE_MODE)
        os.replace(scratch, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)
        raise
    return path


def is_regular_file(path: Path) -> bool:
    """True for a regular file (following links): never a FIFO, device or folder, which
    would block or never end when read."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
