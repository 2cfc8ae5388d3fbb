"""Turn settings, an episode and a slot into the legs to air (server legs or airchecks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from broadcaster.config import Settings
from broadcaster.db.models import Episode, Slot
from broadcaster.outputs import AircheckLeg, RtmpLeg
from broadcaster.outputs.late import Destination, LateLeg
from broadcaster.outputs.leg import FfmpegLeg
from broadcaster.outputs.programme import Programme
from broadcaster.outputs.radio import RadioLeg
from broadcaster.outputs.source import IcecastMount
from broadcaster.outputs.transmitter import Transmitter
from broadcaster.playout.live import PCM_INPUT
from broadcaster.playout.slot import LegPlan, SlotPlan

OutputT = TypeVar("OutputT", bound=FfmpegLeg | RadioLeg)


@dataclass(frozen=True)
class Source:
    """What the legs read: the prepared file, the live URL, or the relayed live feed."""

    input: str
    live: bool = False
    relay: bool = False
    input_format: tuple[str, ...] = ()
    media_s: float | None = None
    programme: Programme | None = None
    """A file's decode, shared by the slot's legs (one decoder per slot, not per leg)."""

    def feeds(self, output: OutputT) -> OutputT:
        """`output`, reading the shared decode (if any)."""
        output.programme = self.programme
        return output


def episode_source(settings: Settings, episode: Episode, relay: str | None = None) -> Source:
    """The legs' input; `relay` is a `LiveFeed.url` standing in for a live episode's URL."""
    if episode.source_kind == "live":
        if relay is not None:
            return Source(relay, relay=True, input_format=PCM_INPUT)
        return Source(episode.source, live=True)
    media = episode.media_path or episode.source
    path = str(settings.path(Path(media)))
    return Source(path, media_s=episode.duration_s, programme=Programme(path))


def aircheck_file(settings: Settings, slot: Slot, leg: str) -> Path:
    """A new file per daemon run: a slot resumed after a restart keeps the earlier part."""
    folder = settings.path(settings.station.aircheck_dir)
    stem = f"{slot.start:%Y%m%dT%H%M%SZ}-slot{slot.id}-{leg}"
    path, run = folder / f"{stem}.mp3", 1
    while path.exists():
        run += 1
        path = folder / f"{stem}-{run}.mp3"
    return path


def radio_transmitter(settings: Settings, *, continuous: bool | None = None) -> Transmitter:
    """The station's radio transmitter on its Icecast mount (not started).

    Raises `ValueError` naming what is missing (no `[radio]`, no password, no mount)."""
    radio = settings.radio
    if radio is None:
        raise ValueError("radio: no Icecast server is configured")
    password = settings.secret(radio.source_password_env)
    if password is None:
        raise ValueError(
            f"radio: ${radio.source_password_env} (the Icecast source password) is not set"
        )
    parts = urlsplit(radio.icecast)
    if not parts.hostname or not parts.path or parts.path == "/":
        raise ValueError(f"radio: icecast URL {radio.icecast!r} needs a host and a mount")
    station = settings.station
    mount = IcecastMount(
        parts.hostname, parts.port or 8000, parts.path, password, name=station.name
    )
    fill = settings.path(station.fill_audio or station.standby_audio)
    return Transmitter(
        mount,
        bitrate_kbps=radio.bitrate_kbps,
        fill=fill if fill.is_file() else None,
        continuous=radio.continuous if continuous is None else continuous,
        silence_s=station.silence_s,
        station_name=station.name,
    )


def radio_leg(
    settings: Settings,
    episode: Episode,
    slot: Slot,
    source: Source,
    transmitter: Transmitter | None,
    transmitter_error: str | None = None,
) -> LegPlan:
    """The radio leg: the programme booked on the transmitter, or an aircheck file."""
    if settings.radio is None:
        return _aircheck(settings, slot, "radio", source, 128)
    if transmitter is None:
        return LegPlan("radio", None, "icecast", transmitter_error or "radio: no transmitter")
    output = RadioLeg(
        "radio",
        source.input,
        transmitter,
        title=episode.title,
        live=source.live,
        relay=source.relay,
        input_format=source.input_format,
    )
    return LegPlan("radio", source.feeds(output), "icecast")


def facebook_leg(
    settings: Settings,
    slot: Slot,
    source: Source,
    *,
    card_loop: Path | None,
    stream_url: str | None = None,
    error: str | None = None,
    destination: Destination | None = None,
) -> LegPlan:
    """The Facebook leg: RTMP to `stream_url`, or to the URL `destination` gets from the
    Graph API while the slot airs (the leg joins when it comes), or why it cannot air."""
    if settings.facebook is None:
        return _aircheck(settings, slot, "facebook", source, 128)
    if card_loop is None or not card_loop.is_file():
        return LegPlan("facebook", None, "rtmp", f"facebook: title card video {card_loop} missing")
    if destination is None and (error is not None or stream_url is None):
        return LegPlan("facebook", None, "rtmp", error or "facebook: no live video was created")

    def rtmp(url: str) -> RtmpLeg:
        leg = RtmpLeg(
            "facebook",
            source.input,
            url=url,
            card_loop=card_loop,
            live=source.live,
            relay=source.relay,
            input_format=source.input_format,
        )
        return source.feeds(leg)

    if destination is not None:
        return LegPlan("facebook", LateLeg("facebook", "rtmp", destination, rtmp), "rtmp")
    assert stream_url is not None
    return LegPlan("facebook", rtmp(stream_url), "rtmp")


def _aircheck(settings: Settings, slot: Slot, leg: str, source: Source, kbps: int) -> LegPlan:
    path = aircheck_file(settings, slot, leg)
    output = AircheckLeg(
        leg,
        source.input,
        path=path,
        bitrate_kbps=kbps,
        live=source.live,
        relay=source.relay,
        input_format=source.input_format,
    )
    return LegPlan(leg, source.feeds(output))


def slot_plan(
    settings: Settings,
    episode: Episode,
    slot: Slot,
    *,
    card_loop: Path | None = None,
    facebook_url: str | None = None,
    facebook_error: str | None = None,
    facebook: Destination | None = None,
    relay: str | None = None,
    transmitter: Transmitter | None = None,
    transmitter_error: str | None = None,
) -> SlotPlan:
    """Everything needed to air `slot`: one leg per destination, in the slot's order."""
    source = episode_source(settings, episode, relay)
    legs = []
    for destination in slot.destinations:
        if destination == "radio":
            legs.append(radio_leg(settings, episode, slot, source, transmitter, transmitter_error))
        elif destination == "facebook":
            leg = facebook_leg(
                settings,
                slot,
                source,
                card_loop=card_loop,
                stream_url=facebook_url,
                error=facebook_error,
                destination=facebook,
            )
            legs.append(leg)
    return SlotPlan(
        start=slot.start,
        end=slot.end,
        media_s=source.media_s,
        legs=legs,
        programme=source.programme,
    )
