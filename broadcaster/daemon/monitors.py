"""Monitors: work beside the air chain that must never delay it (relay polling, comment
counts, erasing old caller hashes). Each runs on its own thread, owned and joined here;
the daemon only hands them what is on air (a copy) every tick. A monitor that fails is
logged and tried again at its next period; it cannot touch the legs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from broadcaster.station import Station

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnAirSlot:
    """A slot this daemon has on air: when it runs and what each leg is doing."""

    slot_id: int
    start: datetime
    end: datetime
    legs: dict[str, str] = field(default_factory=dict)
    """leg name (`radio`, `facebook`, `aircheck`) -> its state (`on_air`, `waiting`, ...)."""


class Monitor(Protocol):
    name: str
    interval_s: float

    def step(self, on_air: Sequence[OnAirSlot], now: datetime) -> None:
        """One period's work, on the monitor's own thread. `on_air` is what the daemon
        had on air at its last tick (slots that left it have ended or been cut)."""

    def close(self) -> None:
        """The daemon stops: finish what is open (e.g. write the last segments)."""


MonitorFactory = Callable[[Station], "Monitor | None"]

FACTORIES: list[MonitorFactory] = []
"""What the daemon runs; each factory returns None when its monitor has nothing to do
for this station (e.g. no province has a relay)."""


def _register_all() -> None:
    """The monitors of the station's parts (each registers with one line here)."""
    from broadcaster.provinces.monitor import province_monitor  # relays, heartbeats

    FACTORIES.extend(f for f in [province_monitor] if f not in FACTORIES)
    from broadcaster.callins import monitors as callins

    for factory in (callins.comment_counter, callins.hash_eraser):
        if factory not in FACTORIES:
            FACTORIES.append(factory)


class Monitors:
    """The daemon's monitors, each on its own thread, stopped and joined by `stop()`."""

    def __init__(self, station: Station, monitors: Sequence[Monitor] | None = None) -> None:
        self.station = station
        if monitors is None:
            _register_all()
            built = (factory(station) for factory in FACTORIES)
            monitors = [m for m in built if m is not None]
        self.monitors = list(monitors)
        self._on_air: tuple[OnAirSlot, ...] = ()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def see(self, on_air: Sequence[OnAirSlot]) -> None:
        """What is on air now (called by the daemon's tick; never blocks)."""
        self._on_air = tuple(on_air)

    def start(self) -> None:
        for monitor in self.monitors:
            thread = threading.Thread(
                target=self._run, args=(monitor,), name=f"monitor-{monitor.name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, wait_s: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(wait_s)
        self._threads.clear()

    def _run(self, monitor: Monitor) -> None:
        while True:
            try:
                monitor.step(self._on_air, self.station.clock())
            except Exception:
                log.exception(
                    "monitor %s failed; trying again in %.0f s", monitor.name, monitor.interval_s
                )
            if self._stop.wait(monitor.interval_s):
                break
        try:
            monitor.close()
        except Exception:
            log.exception("monitor %s did not close cleanly", monitor.name)
