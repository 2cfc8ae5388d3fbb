"""Serving the app with uvicorn: beside the daemon in a thread (`run`), or alone (`web`)."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from broadcaster.config import Settings
from broadcaster.errors import BadInput, NotReady
from broadcaster.station import Station
from broadcaster.web.app import create_app

log = logging.getLogger("broadcaster.web")


def parse_listen(value: str, field: str = "web.listen") -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:8080` for IPv6, `:8080` for every address) as (host, port)."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise BadInput(f"{field}: {value!r} is not HOST:PORT (e.g. 127.0.0.1:8080)")
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port)


def _config(station: Station, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(station),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",  # the server stops the app's jobs itself (see WebServer.stop)
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


def _stop_jobs(server: uvicorn.Server) -> None:
    app = server.config.app
    state = getattr(app, "state", None)
    if state is not None and hasattr(state, "web"):
        state.web.jobs.stop()


class _Server(uvicorn.Server):
    """uvicorn, except that SIGINT/SIGTERM end it cleanly and `broadcaster web` exits 0
    (uvicorn raises the signal again once it has stopped, so the exit code would be -15)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        wanted = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in wanted}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class WebServer:
    """uvicorn in a thread of its own: `start()` returns once it listens, `stop()` ends it."""

    def __init__(self, station: Station, listen: str | None = None) -> None:
        self.host, self.port = parse_listen(listen or station.settings.web.listen)
        self.server = _Server(_config(station, self.host, self.port))
        self.thread = threading.Thread(target=self._serve, name="web", daemon=True)

    def _serve(self) -> None:
        # Not the main thread: uvicorn leaves the process's signal handlers alone.
        asyncio.run(self.server.serve())

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = self.bound_port() or self.port
        return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"

    def bound_port(self) -> int | None:
        for server in getattr(self.server, "servers", []) or []:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return None

    def start(self, timeout_s: float = 10.0) -> WebServer:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise NotReady(
                    f"web.listen: cannot serve on {self.host}:{self.port} "
                    "(in use by another program?)"
                )
            time.sleep(0.02)
        log.info("web: API on %s (docs at %s/docs)", self.url, self.url)
        return self

    @classmethod
    @contextmanager
    def own_station(cls, settings: Settings, listen: str | None = None) -> Iterator[WebServer]:
        """Serve on a `Station` (engine, connection pool) of the web's own while inside."""
        station = Station.open(settings)
        try:
            server = cls(station, listen).start()
            try:
                yield server
            finally:
                server.stop()
        finally:
            station.close()

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)
        _stop_jobs(self.server)


def serve_forever(station: Station, listen: str | None = None) -> None:
    """`broadcaster web`: uvicorn in this thread until SIGINT/SIGTERM."""
    host, port = parse_listen(listen or station.settings.web.listen)
    server = _Server(_config(station, host, port))
    log.info("web: API on http://%s:%s (docs at /docs)", host, port)
    try:
        server.run()
    finally:
        _stop_jobs(server)
    if not server.started:
        raise NotReady(f"web.listen: cannot serve on {host}:{port} (in use by another program?)")
