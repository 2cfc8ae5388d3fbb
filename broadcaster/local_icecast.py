"""A local Icecast for `broadcaster demo`: started on a free loopback port when installed.

The configuration follows `shared/reference/PROTOCOLS.md`; the source password is made
fresh for the run and handed to the radio leg through an environment variable, as a
station's real password would be.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

PASSWORD_ENV = "BROADCASTER_DEMO_ICECAST_PASSWORD"
MOUNT = "/sarika.mp3"
CONFIG = """<icecast>
 <limits><sources>4</sources><source-timeout>10</source-timeout></limits>
 <authentication><source-password>{password}</source-password>
  <admin-user>admin</admin-user><admin-password>{password}</admin-password></authentication>
 <hostname>127.0.0.1</hostname>
 <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
 <paths><basedir>{folder}</basedir><logdir>{folder}</logdir>
  <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
 </paths>
 <logging><accesslog>-</accesslog><errorlog>-</errorlog><loglevel>2</loglevel></logging>
 <security><chroot>0</chroot>{owner}</security>
</icecast>
"""


class LocalIcecast:
    """icecast2 on 127.0.0.1:`port` in a temporary folder; `close()` stops and removes it."""

    def __init__(self) -> None:
        # Not under the station folder: as root, icecast drops to `nobody`, who must read it.
        self.folder = Path(tempfile.mkdtemp(prefix="broadcaster-icecast-", dir="/tmp"))
        os.chmod(self.folder, 0o755)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.password = secrets.token_urlsafe(12)
        owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
        config = self.folder / "icecast.xml"
        config.write_text(
            CONFIG.format(
                password=self.password,
                port=self.port,
                folder=self.folder,
                owner=owner if os.geteuid() == 0 else "",
            )
        )
        os.chmod(config, 0o644)
        self.proc = subprocess.Popen(
            ["icecast2", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_ready()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{MOUNT}"

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                requests.get(f"http://127.0.0.1:{self.port}/status-json.xsl", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.close()
        raise RuntimeError("the local icecast2 did not start")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_if_installed() -> LocalIcecast | None:
    if shutil.which("icecast2") is None:
        return None
    try:
        return LocalIcecast()
    except (RuntimeError, OSError):
        return None
