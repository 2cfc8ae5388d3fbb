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

from broadcaster.files import write_private
from broadcaster.privacy import child_env

PASSWORD_ENV = "BROADCASTER_DEMO_ICECAST_PASSWORD"
MOUNT = "/sarika.mp3"


def icecast_config(
    port: int,
    folder: Path,
    source_password: str,
    admin_password: str,
    *,
    sources: int = 4,
    relay_password: str | None = None,
    master_update_s: int | None = None,
    relays: tuple[tuple[str, int, str, str], ...] = (),
) -> str:
    """icecast2's XML for a server on 127.0.0.1:`port` with its files in `folder`.

    `relay_password` and `master_update_s` are for relays (a province's mount relaying the
    station's: a failed relay is retried after `master_update_s`, 120 s by default).
    `relays`: (server, port, mount, local mount) this server relays, always on (PROTOCOLS.md).
    """
    relay = f"<relay-password>{relay_password}</relay-password>" if relay_password else ""
    relayed = "".join(
        f"<relay><server>{host}</server><port>{rport}</port><mount>{mount}</mount>"
        f"<local-mount>{local}</local-mount><on-demand>0</on-demand>"
        "<relay-shoutcast-metadata>1</relay-shoutcast-metadata></relay>"
        for host, rport, mount, local in relays
    )
    master = f"<master-update-interval>{master_update_s}</master-update-interval>"
    owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
    return f"""<icecast>
 <limits><sources>{sources}</sources><source-timeout>10</source-timeout></limits>
 <authentication><source-password>{source_password}</source-password>{relay}
  <admin-user>admin</admin-user><admin-password>{admin_password}</admin-password></authentication>
 <hostname>127.0.0.1</hostname>{master if master_update_s else ""}
 <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
 <paths><basedir>{folder}</basedir><logdir>{folder}</logdir><pidfile>{folder}/icecast.pid</pidfile>
  <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
 </paths>
 <logging><accesslog>-</accesslog><errorlog>-</errorlog><loglevel>3</loglevel></logging>
 <security><chroot>0</chroot>{owner if os.geteuid() == 0 else ""}</security>{relayed}
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
        # It holds the passwords: 0600 (icecast reads it before it drops to `nobody`).
        config = write_private(
            self.folder / "icecast.xml",
            icecast_config(self.port, self.folder, self.password, self.password),
        )
        self.proc = subprocess.Popen(
            ["icecast2", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=child_env(),
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
