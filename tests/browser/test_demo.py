"""`broadcaster demo` (what `make demo` runs) as a newcomer meets it: it prints the pages'
address, a demo operator's sign-in and where to listen; the pages open with that token and
the on-air panel shows the demo episode while it airs."""

from __future__ import annotations

import re
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import browser_for
from tests.conftest import REPO
from tests.web.test_serve import free_port, started

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_demo_prints_the_pages_a_sign_in_and_where_to_listen(
    station_dir: Path, chromium: Any, screenshots: Path
) -> None:
    shutil.copytree(REPO / "schedules", station_dir / "schedules")
    shutil.copytree(REPO / "audio", station_dir / "audio")
    port = free_port()
    (station_dir / "broadcaster.toml").write_text(
        f'[web]\nlisten = "127.0.0.1:{port}"\n', encoding="utf-8"
    )
    with started(station_dir, "demo", "--on-air-in", "8s", "--stay") as (proc, log):
        deadline = time.monotonic() + 150
        while "API docs:" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        said = log.read_text()
        pages = re.search(r"Pages: +(http://\S+)/ ", said)
        token = re.search(r"Sign in: +as demo-operator with the token (\S+)", said)
        listen = re.search(r"Listen: +(http://\S+)", said)
        airing = re.search(r"^On air at .+?\): (.+)$", said, re.MULTILINE)
        assert pages and token and listen and airing, said
        assert pages.group(1) == f"http://127.0.0.1:{port}"
        with browser_for(chromium, pages.group(1), screenshots) as visit:
            visit.sign_in(token.group(1))
            assert "Signed in as demo-operator (operator)" in visit.text("header")
            visit.go("/on-air")
            live = visit.page.locator(".leg[data-leg='radio'][data-state='on_air']")
            live.wait_for(timeout=30_000)
            assert airing.group(1) in live.inner_text()
            heard = requests.get(listen.group(1), stream=True, timeout=10)
            assert heard.status_code == 200 and len(next(heard.iter_content(4096))) > 0
            heard.close()
            visit.snap("demo-on-air")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0, log.read_text()
