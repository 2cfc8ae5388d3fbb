"""The webhook's writer: calls from many requests in batches, each answered once stored."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from broadcaster.callins import desk as desk_module
from broadcaster.callins.desk import IntakeDesk
from broadcaster.callins.intake import CallRequest, Recorded
from broadcaster.db.models import CallIn
from broadcaster.errors import BadInput
from broadcaster.station import Station

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def rows(station: Station) -> int:
    with station.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(CallIn)) or 0)


def test_a_burst_from_many_threads_is_stored_once_per_delivery(station: Station) -> None:
    desk = IntakeDesk(station, idle_s=0.2)
    results: list[Any] = []
    lock = threading.Lock()

    def gateway(worker: int) -> None:
        for n in range(50):
            delivery = f"d-{(worker * 50 + n) % 120}"  # some deliveries come twice
            got = desk.submit(CallRequest(received_at=NOW, delivery_id=delivery)).result(30)
            with lock:
                results.append((delivery, got))

    threads = [threading.Thread(target=gateway, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 200
    created = [r for _, r in results if isinstance(r, Recorded) and r.created]
    assert len(created) == 120 == rows(station)
    ids: dict[str, set[int]] = {}
    for delivery, got in results:
        ids.setdefault(delivery, set()).add(got.call.id)
    assert all(len(v) == 1 for v in ids.values())  # a retry gets the call it made


def test_a_delivery_stored_meanwhile_by_another_process_is_found(
    station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = desk_module.record
    raised: list[int] = []

    def racing(session: Any, wanted: Any, provinces: Any = None) -> Any:
        if not raised:  # the other process's row lands first: a unique violation
            raised.append(1)
            with station.sessions.begin() as other:
                real(other, [CallRequest(received_at=NOW, delivery_id="race")])
            raise IntegrityError("INSERT", {}, Exception("unique"))
        return real(session, wanted, provinces)

    monkeypatch.setattr(desk_module, "record", racing)
    desk = IntakeDesk(station, idle_s=0.2)
    race = desk.submit(CallRequest(received_at=NOW, delivery_id="race"))
    other = desk.submit(CallRequest(received_at=NOW, province="XXX"))
    got = race.result(30)
    assert isinstance(got, Recorded) and not got.created
    assert isinstance(other.result(30), BadInput)
    assert rows(station) == 1
