"""The daemon's entry point for one slot: prepare Facebook, air every leg, log the as-run."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from broadcaster.db.models import Episode, Slot
from broadcaster.facebook import GraphClient, GraphError, client_for, prepare_live_video
from broadcaster.outputs.late import Destination
from broadcaster.outputs.transmitter import Transmitter
from broadcaster.playout.asrun import Earlier, earlier_runs, record_legs
from broadcaster.playout.build import radio_transmitter, slot_plan
from broadcaster.playout.journal import AsRunWriter
from broadcaster.playout.live import LiveFeed
from broadcaster.playout.slot import SlotAiring
from broadcaster.playout.supervise import LegRecord, Timing
from broadcaster.states import LegStatus
from broadcaster.station import Station

log = logging.getLogger(__name__)

HEARTBEAT_S = 1.0
"""How often the as-run rows of a slot on air are refreshed (`confirmed_at`)."""
RESOLVE_WAIT_S = 30.0
"""How long a slot that has ended waits for a Graph API that has not answered yet."""


def card_loop_for(episode: Episode) -> Path | None:
    """The card's 2-s video loop, kept beside the card PNG as `card.mp4`."""
    return Path(episode.card_path).with_suffix(".mp4") if episode.card_path else None


def facebook_stream(
    station: Station, episode: Episode, slot: Slot, graph: GraphClient | None
) -> tuple[str | None, str | None]:
    """(stream URL, error): the slot's live video made at pre-flight, or made now.

    The stored live video is looked up first; one that has ended (a shutdown ended it,
    or Facebook expired it) is never streamed to again: a new one is made and stored.
    """
    settings = station.settings
    if settings.facebook is None or "facebook" not in slot.destinations:
        return None, None
    prepared = prepare_live_video(settings, episode, slot, graph)
    return prepared.stream_url, prepared.error


def air_slot(
    station: Station,
    slot_id: int,
    *,
    card_loop: Path | None = None,
    stop: threading.Event | None = None,
    timing: Timing = Timing(),
    graph: GraphClient | None = None,
    on_air: Callable[[SlotAiring], None] | None = None,
    transmitter: Transmitter | None = None,
    transmitter_error: str | None = None,
    writer: AsRunWriter | None = None,
    loaded: Slot | None = None,
) -> list[LegRecord]:
    """Air slot `slot_id` from its start to its hard end (blocking) and store its as-run rows.

    `stop` cuts the slot (SIGTERM); `on_air` sees the running legs (for the on-air panel).
    A slot an earlier daemon run left on air is continued: its rows are joined, not lost.
    `SlotAiring.abandon()` (the lease was lost) stops the legs without logging them.
    The radio leg airs on `transmitter` (the daemon's); without one, on a transmitter of
    this slot's own, on the mount only while the slot airs.

    With a `writer` (the daemon's), the as-run rows go through it and the air chain never
    waits for the database; `loaded` is the daemon's copy of the slot (with its episode),
    aired from when the database cannot be read. Without a writer, rows are written here.
    """
    own, error = None, transmitter_error
    if transmitter is None and error is None and station.settings.radio is not None:
        try:
            own = radio_transmitter(station.settings, continuous=False)
        except ValueError as exc:
            error = str(exc)
    log_legs = writer.put if writer is not None else _Direct(station).put
    args = (station, slot_id, card_loop, stop, timing, graph, on_air, log_legs, loaded)
    if own is not None:
        with own:
            return _air_slot(*args, own, None)
    return _air_slot(*args, transmitter, error)


class _Direct:
    """Writes the as-run rows at once (a slot aired outside the daemon)."""

    def __init__(self, station: Station) -> None:
        self.station = station

    def put(
        self, slot_id: int, records: list[LegRecord], earlier: dict[str, Earlier] | None = None
    ) -> None:
        with self.station.sessions.begin() as session:
            record_legs(session, slot_id, records, self.station.clock(), earlier)


LogLegs = Callable[[int, list[LegRecord], dict[str, Earlier]], None]


def _read_slot(
    station: Station, slot_id: int, loaded: Slot | None
) -> tuple[Slot, dict[str, Earlier]]:
    """The slot with its episode, and what earlier runs logged; from `loaded` (and no
    earlier runs known) when the database cannot be read."""
    try:
        with station.sessions.begin() as session:  # read, then let go: no transaction
            slot = session.get(Slot, slot_id)  # waits on the Graph API
            if slot is None:
                raise LookupError(f"slot {slot_id} not found")
            _ = slot.episode
            earlier = earlier_runs(session, slot_id)
            session.expunge_all()
            return slot, earlier
    except SQLAlchemyError as exc:
        if loaded is None:
            raise
        log.warning("slot %s: the database cannot be read (%s): airing what was loaded",
                    slot_id, str(exc).strip().splitlines()[0])  # fmt: skip
        return loaded, {}


def _air_slot(
    station: Station,
    slot_id: int,
    card_loop: Path | None,
    stop: threading.Event | None,
    timing: Timing,
    graph: GraphClient | None,
    on_air: Callable[[SlotAiring], None] | None,
    log_legs: LogLegs,
    loaded: Slot | None,
    transmitter: Transmitter | None,
    transmitter_error: str | None,
) -> list[LegRecord]:
    slot, earlier = _read_slot(station, slot_id, loaded)
    facebook, resolver = None, None
    if station.settings.facebook is not None and "facebook" in slot.destinations:
        facebook = Destination()  # asked beside the legs: the radio never waits for it
        resolver = threading.Thread(
            target=_resolve_facebook,
            args=(station, slot_id, graph, facebook),
            name=f"graph-slot-{slot_id}",
            daemon=True,
        )
        resolver.start()
    feed = None
    if slot.episode.source_kind == "live":
        standby = station.settings.path(station.settings.station.standby_audio)
        feed = LiveFeed(slot.episode.source, standby, station.clock).start()
    try:
        plan = slot_plan(
            station.settings,
            slot.episode,
            slot,
            card_loop=card_loop or card_loop_for(slot.episode),
            facebook=facebook,
            relay=feed.url if feed else None,
            transmitter=transmitter,
            transmitter_error=transmitter_error,
        )
    except Exception:
        if feed is not None:
            feed.stop()
        raise
    airing = SlotAiring(plan, station.clock, stop, timing).start()
    log_legs(slot_id, airing.records(), earlier)
    if on_air is not None:
        on_air(airing)
    while not airing.done():
        airing.wait(HEARTBEAT_S)
        if airing.abandoned:
            break
        log_legs(slot_id, airing.records(), earlier)
    records = airing.wait()
    if feed is not None:
        feed.stop()
    if not airing.abandoned:
        if feed is not None:
            for rec in records:
                add_standby_gaps(rec, feed)
        log_legs(slot_id, records, earlier)
    if resolver is not None and facebook is not None:
        resolver.join(RESOLVE_WAIT_S)
        if resolver.is_alive():
            log.warning("slot %s: the Graph API has still not answered", slot_id)
        elif facebook.video_id and facebook.error is None and not airing.abandoned:
            _end_live_video(station, facebook.video_id, graph)
    return records


def _resolve_facebook(
    station: Station, slot_id: int, graph: GraphClient | None, facebook: Destination
) -> None:
    """Runs on its own thread: `facebook` gets the stream URL or why there is none."""
    url, error, video_id = None, None, None
    try:
        url, error, video_id = _live_video(station, slot_id, graph)
    except Exception as exc:  # the radio must not care; the leg says why it is off air
        error = f"facebook: the live video could not be prepared: {type(exc).__name__}"
        log.exception("slot %s: the live video could not be prepared", slot_id)
    finally:
        facebook.set(url, error, video_id)


def _live_video(
    station: Station, slot_id: int, graph: GraphClient | None
) -> tuple[str | None, str | None, str | None]:
    """(stream URL, error, live video id): made at pre-flight, or now, and kept on the slot.

    With its own copy of the slot: no transaction is open while the Graph API is asked."""
    with station.sessions.begin() as session:
        slot = session.get(Slot, slot_id)
        if slot is None:
            return None, f"facebook: slot {slot_id} is gone", None
        known, _ = slot.facebook_live_id, slot.episode
        session.expunge_all()
    url, error = facebook_stream(station, slot.episode, slot, graph)
    if slot.facebook_live_id != known:  # made (or replaced) just now: keep it
        try:
            with station.sessions.begin() as session:
                stored = session.get(Slot, slot_id)
                if stored is not None:
                    stored.facebook_live_id = slot.facebook_live_id
        except SQLAlchemyError as exc:
            log.warning("slot %s: live video %s not stored: %s", slot_id,
                        slot.facebook_live_id, exc)  # fmt: skip
    return url, error, slot.facebook_live_id


def add_standby_gaps(rec: LegRecord, feed: LiveFeed) -> None:
    """Standby periods while the leg was on air become gaps of that leg."""
    if rec.actual_start is None or rec.actual_end is None:
        return
    standby = feed.gaps_between(rec.actual_start, rec.actual_end)
    if standby:
        rec.gaps = sorted([*rec.gaps, *standby], key=lambda g: g.start)
        if rec.status == LegStatus.AIRED:
            rec.status = LegStatus.PARTIAL
        rec.cause = rec.cause or standby[0].cause


def _end_live_video(station: Station, live_id: str, graph: GraphClient | None) -> None:
    try:
        (graph or client_for(station.settings)).end_live_video(live_id)
    except GraphError as exc:
        log.warning("%s", exc)
