"""Every ffmpeg of playout is started here, from one thread that lives as long as the daemon.

Each is prefixed with `setpriv --pdeathsig KILL`: killed if the daemon dies (kill -9), so an
orphan never keeps a mount or a stream key busy for the daemon that takes over. Linux sends
that signal when the *thread* that forked the process ends, not the process: a leg's encoder
handed from one slot to the next outlives the thread of the slot that started it. So no
process is forked from a slot's thread; they all come from this one.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Any

DIE_WITH_DAEMON = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []
_FORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawn")
"""One worker, created on first use, kept until the interpreter exits."""


def spawn(args: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """`subprocess.Popen([*DIE_WITH_DAEMON, *args], **popen)`, forked by the long-lived thread."""
    return _FORKER.submit(_popen, [*DIE_WITH_DAEMON, *args], popen).result()


def _popen(args: list[str], popen: dict[str, Any]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, **popen)
