"""The daemon's call-in monitors: Facebook comments counted every 30 s while a slot's
Facebook leg is on air (online participation, kept per slot), and caller hashes past
retention erased every hour. Both run beside the air chain (`daemon.monitors`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from broadcaster.callins.retention import hash_key, purge
from broadcaster.daemon.monitors import OnAirSlot
from broadcaster.db.models import Slot, SlotComments
from broadcaster.facebook.errors import GraphError
from broadcaster.facebook.graph import GraphClient
from broadcaster.facebook.prepare import client_for
from broadcaster.states import LegStatus
from broadcaster.station import Station

log = logging.getLogger(__name__)


class CommentCounter:
    """Counts each on-air live video's comments (every page) and stores the count per
    slot; once more when the slot leaves the air, for the last words. A failure is
    logged and tried again at the next period; it never touches the legs."""

    name = "comments"

    def __init__(
        self,
        station: Station,
        client: Callable[[], GraphClient],
        interval_s: float = 30.0,
    ) -> None:
        self.station, self._client, self.interval_s = station, client, interval_s
        self._counting: set[int] = set()

    def step(self, on_air: Sequence[OnAirSlot], now: datetime) -> None:
        live = {s.slot_id for s in on_air if s.legs.get("facebook") == LegStatus.ON_AIR}
        for slot_id in sorted(live | self._counting):
            self.count(slot_id, now)
        self._counting = live

    def count(self, slot_id: int, now: datetime) -> int | None:
        """Count one slot's comments now; the count, or None when it could not be had."""
        with self.station.sessions() as session:
            video_id = session.scalar(select(Slot.facebook_live_id).where(Slot.id == slot_id))
        if not video_id:
            return None
        try:
            comments = self._client().comment_count(video_id)
        except GraphError as exc:  # the message is already scrubbed of the token
            log.warning("comments of slot %s not counted: %s", slot_id, exc)
            return None
        try:
            with self.station.sessions.begin() as session:
                row = session.get(SlotComments, slot_id)
                if row is None:
                    session.add(
                        SlotComments(
                            slot_id=slot_id,
                            live_video_id=video_id,
                            comments=comments,
                            counted_at=now,
                        )
                    )
                else:
                    row.live_video_id, row.comments, row.counted_at = video_id, comments, now
        except SQLAlchemyError as exc:
            log.warning("comments of slot %s not stored: %s", slot_id, type(exc).__name__)
            return None
        return comments

    def close(self) -> None:
        now = self.station.clock()
        for slot_id in sorted(self._counting):
            self.count(slot_id, now)
        self._counting = set()


class HashEraser:
    """Erases caller hashes older than `retention_days`, every hour (first at start)."""

    name = "caller-hashes"

    def __init__(self, station: Station, interval_s: float = 3600.0) -> None:
        self.station, self.interval_s = station, interval_s

    def step(self, on_air: Sequence[OnAirSlot], now: datetime) -> None:
        days = self.station.settings.callins.retention_days
        with self.station.sessions.begin() as session:
            erased = purge(session, now, days)
        if erased:
            log.info("call-ins: erased %d caller hash(es) older than %d day(s)", erased, days)

    def close(self) -> None:
        pass


def comment_counter(station: Station) -> CommentCounter | None:
    """Runs when Facebook is configured (a missing token is then logged at each count)."""
    if station.settings.facebook is None:
        return None
    client: GraphClient | None = None

    def shared() -> GraphClient:
        nonlocal client
        if client is None:
            client = client_for(station.settings, attempts=2, wait_first_s=1.0)
        return client

    return CommentCounter(station, shared)


def hash_eraser(station: Station) -> HashEraser:
    hash_key(station.settings, who="daemon")  # warns once when there is no key
    return HashEraser(station)
