"""Rows the provinces tests share: slots of an episode, relays and tokens, carriage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from broadcaster.db.models import AsRunLeg, Episode, Province, ProvinceCarriage, Slot
from broadcaster.provinces.tokens import issue_token
from broadcaster.station import Station

RELAY_A = "http://relay-a.example:8001"
RELAY_B = "http://relay-b.example:8002"


def watch_provinces(station: Station) -> str:
    """PNH and KDL relayed by server A, SRP by server B, TKO by heartbeats (its token
    returned), the rest with nothing configured."""
    with station.sessions.begin() as session:
        for code, relay in (("PNH", f"{RELAY_A}/pnh.mp3"), ("KDL", f"{RELAY_A}/kdl.mp3"),
                            ("SRP", f"{RELAY_B}/srp.mp3")):  # fmt: skip
            session.execute(update(Province).where(Province.code == code).values(relay=relay))
        _, token = issue_token(session, "TKO")
    return token


def episode(station: Station, title: str = "Dialogue", partners: list[str] | None = None) -> int:
    with station.sessions.begin() as session:
        ep = Episode(
            title=title, source_kind="file", source="/dev/null", duration_s=3600.0,
            partners=partners or [], created_at=station.clock(),
        )  # fmt: skip
        session.add(ep)
        session.flush()
        return ep.id


def slot(
    station: Station,
    episode_id: int,
    start: datetime,
    seconds: float,
    *,
    provinces: tuple[str, ...] = ("PNH", "KDL", "SRP", "TKO", "BTB"),
    status: str = "aired",
    destinations: tuple[str, ...] = ("radio",),
) -> int:
    with station.sessions.begin() as session:
        row = Slot(
            episode_id=episode_id, start=start, end=start + timedelta(seconds=seconds),
            destinations=list(destinations), provinces=list(provinces), status=status,
            created_at=station.clock(), updated_at=station.clock(),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def leg(
    station: Station,
    slot_id: int,
    start: datetime,
    seconds: float,
    *,
    name: str = "radio",
    gaps: Sequence[tuple[float, float | None]] = (),
    status: str = "aired",
) -> None:
    """An as-run row: on air from `start` for `seconds`, with gaps (offsets in seconds)."""
    stored: list[dict[str, Any]] = [
        {
            "start": (start + timedelta(seconds=a)).isoformat(),
            "end": None if b is None else (start + timedelta(seconds=b)).isoformat(),
            "cause": "test",
        }
        for a, b in gaps
    ]
    with station.sessions.begin() as session:
        session.add(
            AsRunLeg(
                slot_id=slot_id, leg=name, target="icecast", scheduled_start=start,
                actual_start=start, actual_end=start + timedelta(seconds=seconds),
                gaps=stored, reconnects=len(gaps), status=status,
            )
        )  # fmt: skip


def carriage(
    station: Station,
    slot_id: int,
    code: str,
    status: str,
    carried_s: float,
    *,
    segments: Sequence[tuple[float, float]] = (),
    peak: int | None = None,
) -> None:
    with station.sessions.begin() as session:
        row = session.get(Slot, slot_id)
        assert row is not None
        session.add(
            ProvinceCarriage(
                slot_id=slot_id, province_code=code, status=status, carried_s=carried_s,
                peak_listeners=peak, slot_start=row.start,
                scheduled_s=(row.end - row.start).total_seconds(),
                segments=[
                    {"start": (row.start + timedelta(seconds=a)).isoformat(),
                     "end": (row.start + timedelta(seconds=b)).isoformat()}
                    for a, b in segments
                ],
            )
        )  # fmt: skip
