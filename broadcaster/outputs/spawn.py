"""Every ffmpeg of playout is started here, prefixed with `setpriv --pdeathsig KILL`.

So it is killed if the daemon dies (kill -9), and an orphan never keeps a mount or a
stream key busy for the daemon that takes over. Linux sends that signal when the *thread*
that forked the process ends: each process is started by the thread that owns it for its
whole life (the transmitter's by the daemon's main thread, a leg's by its supervisor).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

DIE_WITH_DAEMON = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []


def spawn(args: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """`subprocess.Popen([*DIE_WITH_DAEMON, *args], **popen)`."""
    return subprocess.Popen([*DIE_WITH_DAEMON, *args], **popen)
