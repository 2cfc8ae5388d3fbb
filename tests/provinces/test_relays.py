"""Reading a relay's Icecast `status-json.xsl`: the shapes Icecast 2.4 gives, and servers
that are down or answer garbage (not carrying, never an exception)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from broadcaster.provinces.relays import (
    RelayState,
    fetch_status,
    mounts,
    poll,
    relay_state,
    status_url,
)

RELAY = "http://127.0.0.1:8001/pnh.mp3"


def source(mount: str, listeners: object = 3) -> dict[str, object]:
    return {
        "listenurl": f"http://localhost:8001{mount}",
        "listeners": listeners,
        "listener_peak": 5,
        "title": "ការសន្ទនា\x01",
        "server_name": "Sarika FM",
    }


def status(sources: object = None, absent: bool = False) -> str:
    stats: dict[str, object] = {"admin": "icemaster@localhost", "host": "127.0.0.1"}
    if not absent:
        stats["source"] = sources
    return json.dumps({"icestats": stats}, ensure_ascii=False)


def test_the_status_url_is_the_relay_servers() -> None:
    assert status_url(RELAY) == "http://127.0.0.1:8001/status-json.xsl"


def test_source_as_an_object_a_list_or_absent() -> None:
    one = status(source("/pnh.mp3", 4))
    assert relay_state(one, RELAY) == RelayState(True, 4)
    several = status([source("/srp.mp3"), source("/pnh.mp3", 2)])
    assert relay_state(several, RELAY) == RelayState(True, 2)
    assert len(mounts(json.loads(several))) == 2
    none = relay_state(status(absent=True), RELAY)
    assert not none.carrying and none.problem == "mount /pnh.mp3 not on the server"
    other = relay_state(status(source("/pnh.mp3.bak")), RELAY)
    assert not other.carrying


def test_raw_control_characters_in_titles_are_read_as_icecast_writes_them() -> None:
    raw = status(source("/pnh.mp3")).replace("\\u0001", "\x01")
    assert "\x01" in raw
    assert relay_state(raw.encode(), RELAY).carrying


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>not json</html>",
        b'{"icestats": "down"}',
        b"[1, 2]",
        b'{"icestats": {"source": [1, "x", null]}}',
        b"\xff\xfe garbage",
        b"[" * 100_000,
    ],
)
def test_garbage_counts_as_not_carrying(body: bytes) -> None:
    state = relay_state(body, RELAY)
    assert not state.carrying and state.problem


def test_odd_listener_counts_are_unknown_not_an_error() -> None:
    assert relay_state(status(source("/pnh.mp3", "many")), RELAY) == RelayState(True, None)
    assert relay_state(status(source("/pnh.mp3", "12")), RELAY) == RelayState(True, 12)
    assert relay_state(status(source("/pnh.mp3", True)), RELAY) == RelayState(True, None)


class _Status(BaseHTTPRequestHandler):
    body = b""
    code = 200

    def do_GET(self) -> None:
        self.send_response(self.code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_a_real_server_is_asked_once_for_all_its_mounts(server: ThreadingHTTPServer) -> None:
    port = server.server_address[1]
    _Status.body, _Status.code = status([source("/pnh.mp3", 6)]).encode(), 200
    url = f"http://127.0.0.1:{port}/status-json.xsl"
    pnh, kdl = f"http://127.0.0.1:{port}/pnh.mp3", f"http://127.0.0.1:{port}/kdl.mp3"
    got = poll(url, [pnh, kdl], 2.0, fetch_status)
    assert got is not None and got[pnh] == RelayState(True, 6) and not got[kdl].carrying
    _Status.code = 500
    got = poll(url, [pnh], 2.0, fetch_status)
    assert got == {pnh: RelayState(False, problem="server answered HTTP 500")}


def test_a_server_that_is_down_is_not_carrying(server: ThreadingHTTPServer) -> None:
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    relay = f"http://127.0.0.1:{port}/pnh.mp3"
    got = poll(status_url(relay), [relay], 1.0, fetch_status)
    assert got == {relay: RelayState(False, problem="server unreachable")}


def test_a_server_too_slow_makes_no_report() -> None:
    import requests

    def slow(url: str, timeout_s: float) -> bytes:
        raise requests.ReadTimeout("read timed out")

    assert poll(status_url(RELAY), [RELAY], 0.1, slow) is None
