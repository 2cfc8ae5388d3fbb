"""Every ffmpeg is started here (playout and preparation), prefixed with `setpriv
--pdeathsig KILL`, and stopped here.

So it is killed if the daemon dies (kill -9), and an orphan never keeps a mount or a
stream key busy for the daemon that takes over. Linux sends that signal when the *thread*
that forked the process ends: each process is started by the thread that owns it for its
whole life (the transmitter's by the daemon's main thread, a leg's by its supervisor).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from typing import Any

from broadcaster.files import CHILD_UMASK
from broadcaster.privacy import child_env

DIE_WITH_DAEMON = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []


def spawn(args: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """`subprocess.Popen([*DIE_WITH_DAEMON, *args], **popen)`, with a minimal environment
    (no secrets) and a umask that keeps what ffmpeg writes (airchecks) private."""
    popen.setdefault("env", child_env())
    popen.setdefault("umask", CHILD_UMASK)
    return subprocess.Popen([*DIE_WITH_DAEMON, *args], **popen)


def stop_process(proc: subprocess.Popen[bytes] | None, timeout: float = 5.0) -> None:
    """End `proc` and reap it: SIGTERM (ffmpeg finishes its file), SIGKILL if it has not
    ended within `timeout`; `timeout` 0 kills at once (its output is not wanted)."""
    if proc is None:
        return
    if proc.poll() is None:
        if timeout <= 0:
            proc.kill()
        else:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
    proc.wait()


def close_pipes(proc: subprocess.Popen[bytes] | None) -> None:
    """Close our ends of an ended process's pipes now, not whenever it is collected."""
    if proc is None:
        return
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError, ValueError):
                pipe.close()
